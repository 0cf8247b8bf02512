//! Dates as HTTP writes them (IMF-fixdate, RFC 9110 §5.6.7) from seconds since the Unix epoch,
//! and back. Needed for Date, Expires, Last-Modified and If-Modified-Since, and for certificate
//! validity dates. Pure integer arithmetic: the civil-from-days algorithm by Howard Hinnant
//! ("chrono-Compatible Low-Level Date Algorithms").

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 1-12, day 1-31) for a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`. Written digit by digit: every response of a page load
/// carries one.
pub fn format(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(29);
    s.push_str(DAYS[days.rem_euclid(7) as usize]);
    s.push_str(", ");
    two_digits(&mut s, i64::from(d));
    s.push(' ');
    s.push_str(MONTHS[(m - 1) as usize]);
    s.push(' ');
    if (0..10_000).contains(&y) {
        two_digits(&mut s, y / 100);
        two_digits(&mut s, y % 100);
    } else {
        s.push_str(&format!("{y:04}"));
    }
    s.push(' ');
    two_digits(&mut s, secs / 3600);
    s.push(':');
    two_digits(&mut s, secs % 3600 / 60);
    s.push(':');
    two_digits(&mut s, secs % 60);
    s.push_str(" GMT");
    s
}

/// `n` (0 to 99) as two digits.
fn two_digits(s: &mut String, n: i64) {
    let n = n.clamp(0, 99) as u8;
    s.push(char::from(b'0' + n / 10));
    s.push(char::from(b'0' + n % 10));
}

/// `2026-11-21`
pub fn date_only(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-21T09:30:00.123456Z`: ISO 8601 in UTC to the microsecond, as HAR's
/// `startedDateTime` (browsers write milliseconds; the model's clock counts microseconds, and
/// ISO 8601 allows any number of fraction digits), from microseconds since the Unix epoch.
pub fn iso8601_us(unix_micros: i64) -> String {
    let secs = unix_micros.div_euclid(1_000_000);
    let us = unix_micros.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z",
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// Reads an ISO 8601 date-time as HAR files write it (`2026-11-21T09:30:00.123Z`, or with a
/// `+01:00` offset; any number of fraction digits): microseconds since the Unix epoch.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..6 {
            micros *= 10;
        }
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        o if o.len() == 6
            && o.is_ascii()
            && (o.starts_with('+') || o.starts_with('-'))
            && o.as_bytes()[3] == b':' =>
        {
            let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if o.starts_with('-') {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    // No 31 February: the date must come back as written.
    if civil_from_days(days) != (y, mo as u32, d as u32) {
        return None;
    }
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset * 60;
    Some(secs * 1_000_000 + micros)
}

/// Parses an IMF-fixdate; `None` for anything else (RFC 9110 §5.6.7 says a recipient may treat
/// other formats as invalid, and an invalid Expires means "already expired").
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    // After the day name: exactly `06 Nov 1994 08:49:37 GMT`, read by position.
    let (_, rest) = s.split_once(", ")?;
    let b = rest.as_bytes();
    if b.len() != 24 || !rest.is_ascii() {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| b[i] == c;
    let spaced = [
        (2, b' '),
        (6, b' '),
        (11, b' '),
        (14, b':'),
        (17, b':'),
        (20, b' '),
    ];
    if !spaced.iter().all(|&(i, c)| at(i, c)) || &rest[21..] != "GMT" {
        return None;
    }
    let day = num(0..2)?;
    let month = MONTHS.iter().position(|m| *m == &rest[3..6])? as u32 + 1;
    let year = num(7..11)?;
    let (h, mi, se) = (num(12..14)?, num(15..17)?, num(18..20)?);
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day as u32) * 86_400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader by parts this one replaced: what it accepted and what it read is the contract.
    fn parse_by_parts(s: &str) -> Option<i64> {
        let s = s.trim();
        let (_, rest) = s.split_once(", ")?;
        let mut parts = rest.split(' ');
        let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        let day_text = parts.next()?;
        if !digits(day_text, 2) {
            return None;
        }
        let day: u32 = day_text.parse().ok()?;
        let mon = parts.next()?;
        let month = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
        let year_text = parts.next()?;
        if !digits(year_text, 4) {
            return None;
        }
        let year: i64 = year_text.parse().ok()?;
        let time: Vec<&str> = parts.next()?.split(':').collect();
        if time.len() != 3 || !time.iter().all(|t| digits(t, 2)) {
            return None;
        }
        let h: i64 = time[0].parse().ok()?;
        let mi: i64 = time[1].parse().ok()?;
        let se: i64 = time[2].parse().ok()?;
        if parts.next()? != "GMT"
            || parts.next().is_some()
            || !(1..=31).contains(&day)
            || h > 23
            || mi > 59
            || se > 60
        {
            return None;
        }
        Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + se)
    }

    #[test]
    fn parse_by_position_reads_as_by_parts() {
        let mut cases: Vec<String> = [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "  Sun, 06 Nov 1994 08:49:37 GMT ",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "a, b, 06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 23:60:00 GMT",
            "Sun, 06 Nov 1994 23:59:60 GMT",
            "Sun, 06 Nov 1994 23:59:61 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37  GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTé",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "",
            ", ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cases.extend((0..2_000_i64).map(|i| format(i * 7_919_993 - 400_000_000)));
        for c in &cases {
            assert_eq!(parse(c), parse_by_parts(c), "{c:?}");
        }
    }

    #[test]
    fn rfc_example() {
        assert_eq!(format(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // Digit by digit, as `format!` with zero padding would write it.
        for t in (-70_000_000_000_i64..300_000_000_000).step_by(997_000_003) {
            let days = t.div_euclid(86_400);
            let secs = t.rem_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            let padded = format!(
                "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                DAYS[days.rem_euclid(7) as usize],
                d,
                MONTHS[(m - 1) as usize],
                y,
                secs / 3600,
                secs % 3600 / 60,
                secs % 60
            );
            assert_eq!(format(t), padded, "{t}");
        }
        assert_eq!(date_only(951_782_400), "2000-02-29");
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse("Thu, 18 Aug 2050 2:01:18 GMT"), None, "1-digit hour");
        assert_eq!(parse("Thu, 18 Aug 50 02:01:18 GMT"), None, "2-digit year");
        for t in [-86_400 * 400, 0, 1_790_000_000, 4_102_444_800] {
            assert_eq!(parse(&format(t)), Some(t));
        }
    }

    #[test]
    fn iso8601_both_ways() {
        let t = 1_779_402_400_123_000;
        assert_eq!(iso8601_us(t + 4), "2026-05-21T22:26:40.123004Z");
        assert_eq!(parse_iso8601("2026-05-21T22:26:40.123004Z"), Some(t + 4));
        assert_eq!(parse_iso8601("2026-05-21T22:26:40.123Z"), Some(t));
        assert_eq!(parse_iso8601("2026-05-22T00:26:40.123+02:00"), Some(t));
        assert_eq!(
            parse_iso8601("2026-05-21T21:26:40.123456-01:00"),
            Some(t + 456)
        );
        assert_eq!(parse_iso8601("2026-05-21T22:26:40Z"), Some(t - 123_000));
        for bad in [
            "",
            "2026-05-21",
            "2026-13-01T00:00:00Z",
            "2026-05-21T22:26:40.Z",
            "2026-05-21T22:26:40",
            "x026-05-21T22:26:40Z",
            "2026-05-21T22:26:40+2",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
