//! Dates as HTTP writes them (IMF-fixdate, RFC 9110 §5.6.7) from seconds since the Unix epoch,
//! and back. Needed for Date, Expires, Last-Modified and If-Modified-Since, and for certificate
//! validity dates. Pure integer arithmetic: the civil-from-days algorithm by Howard Hinnant
//! ("chrono-Compatible Low-Level Date Algorithms").

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 1-12, day 1-31) for a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

/// `Sun, 06 Nov 1994 08:49:37 GMT`
pub fn format(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `2026-11-21`
pub fn date_only(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-21T09:30:00.123Z`: ISO 8601 in UTC with milliseconds, as HAR's `startedDateTime`,
/// from microseconds since the Unix epoch.
pub fn iso8601_ms(unix_micros: i64) -> String {
    let secs = unix_micros.div_euclid(1_000_000);
    let ms = unix_micros.rem_euclid(1_000_000) / 1000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// Parses an IMF-fixdate; `None` for anything else (RFC 9110 §5.6.7 says a recipient may treat
/// other formats as invalid, and an invalid Expires means "already expired").
pub fn parse(s: &str) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example() {
        assert_eq!(format(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(date_only(951_782_400), "2000-02-29");
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse("Thu, 18 Aug 2050 2:01:18 GMT"), None, "1-digit hour");
        assert_eq!(parse("Thu, 18 Aug 50 02:01:18 GMT"), None, "2-digit year");
        for t in [-86_400 * 400, 0, 1_790_000_000, 4_102_444_800] {
            assert_eq!(parse(&format(t)), Some(t));
        }
    }
}
