//! Small text helpers the model's messages share: exact decimals from whole numbers (no float
//! formatting, so the same figure always reads the same), long untrusted text cut short, and
//! base64 (RFC 4648).

/// `n` units of 10^-`decimals` as the shortest exact decimal: `decimal(12_500, 3)` is `12.5`,
/// `decimal(3_000, 3)` is `3`.
pub fn decimal(n: u64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let (whole, frac) = (n / scale, n % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:0width$}", width = decimals as usize);
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// `n` in decimal appended to `s`, as `write!(s, "{n}")` writes it, without the formatter.
pub fn decimal_into(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let (mut i, mut n) = (digits.len(), n);
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// Whole seconds in the largest unit that divides them evenly, as words: `31536000` is
/// `365 days`, `3600` is `1 hour`, `90` is `90 seconds`.
pub fn duration_words(s: u64) -> String {
    let (n, unit) = match s {
        0 => (0, "second"),
        s if s % 86_400 == 0 => (s / 86_400, "day"),
        s if s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural}")
}

/// At most `max` characters of `s`, with `…` when it was cut.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Text as XML or HTML character data or a quoted attribute value (an SVG export, an
/// `<iframe>` snippet): the five markup characters as entities, control characters that XML
/// forbids as U+FFFD.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters, and U+FFFE and U+FFFF, even as
            // references (§2.2 Char).
            c if (c < ' ' && c != '\t' && c != '\n') || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_into_writes_as_display() {
        for n in [0, 1, 9, 10, 99, 100, 255, 65_535, 1_234_567_890, u64::MAX] {
            let mut s = String::from("x");
            decimal_into(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn decimals_are_exact_and_short() {
        assert_eq!(decimal(12_500, 3), "12.5");
        assert_eq!(decimal(1_000_001, 6), "1.000001");
        assert_eq!(decimal(3_000, 3), "3");
        assert_eq!(decimal(7, 0), "7");
    }

    #[test]
    fn durations_in_their_largest_even_unit() {
        assert_eq!(duration_words(31_536_000), "365 days");
        assert_eq!(duration_words(3_600), "1 hour");
        assert_eq!(duration_words(90), "90 seconds");
        assert_eq!(duration_words(120), "2 minutes");
        assert_eq!(duration_words(0), "0 seconds");
    }

    #[test]
    fn xml_text_holds_only_characters_xml_allows() {
        assert_eq!(
            escape_xml("<a href=\"x\">&'\u{1}\u{FFFE}\u{FFFF}\tü"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}\u{FFFD}\u{FFFD}\tü"
        );
    }

    #[test]
    fn shortening_counts_characters() {
        assert_eq!(shorten("üüü", 2), "üü…");
        assert_eq!(shorten("ab", 2), "ab");
    }
}

/// `b` in base64 (RFC 4648 §4), padded with `=`.
pub fn base64(b: &[u8]) -> String {
    base64_with(
        b,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        true,
    )
}

/// `b` in base64url (RFC 4648 §5), without padding.
pub fn base64url(b: &[u8]) -> String {
    base64_with(
        b,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        false,
    )
}

fn base64_with(b: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, x)| n | u32::from(*x) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if pad {
            out.push_str(&"=="[..3 - chunk.len()]);
        }
    }
    out
}

#[cfg(test)]
mod base64_tests {
    use super::*;

    #[test]
    fn rfc_4648s_vectors() {
        let v = [
            "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
        ];
        for (n, want) in v.iter().enumerate() {
            assert_eq!(base64(&b"foobar"[..n]), *want);
            assert_eq!(base64url(&b"foobar"[..n]), want.trim_end_matches('='));
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
