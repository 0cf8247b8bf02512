//! Punycode decoding (RFC 3492), to read back the labels the browser's URL parser writes.
//!
//! Only decoding is modelled; the browser encodes. Overflow and invalid digits give `None`.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

// RFC 3492, section 5: the parameters for IDNA.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;

/// Bias adaptation, RFC 3492 section 6.1.
fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// Longer Punycode is refused, as `idna` and ICU do: decoding inserts into the output, so its
/// cost grows with the square of the length.
const MAX_INPUT: usize = 2000;

/// Decodes the part of a label after `xn--` (RFC 3492, section 6.2).
pub fn decode(input: &str) -> Option<Vec<char>> {
    if input.len() > MAX_INPUT {
        return None;
    }
    let bytes = input.as_bytes();
    let (basic, rest) = match bytes.iter().rposition(|&b| b == b'-') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (&bytes[..0], bytes),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut out: Vec<char> = basic.iter().map(|&b| char::from(b)).collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = rest.iter();
    while digits.len() > 0 {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let d = digit(*digits.next()?)?;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = u32::try_from(out.len() + 1).ok()?;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn long_input_is_refused() {
        assert!(decode(&"a".repeat(2001)).is_none());
        assert!(decode(&format!("{}-{}", "b".repeat(900), "a".repeat(900))).is_some());
    }

    fn text(s: &str) -> Option<String> {
        decode(s).map(|c| c.into_iter().collect())
    }

    #[test]
    fn rfc_3492_samples() {
        // RFC 3492, section 7.1: (A) Arabic (Egyptian), (L) Japanese, and the ASCII-only case.
        assert_eq!(
            text("egbpdaj6bu4bxfgehfvwxn").as_deref(),
            Some("\u{644}\u{64A}\u{647}\u{645}\u{627}\u{628}\u{62A}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64A}\u{61F}")
        );
        assert_eq!(
            text("3B-ww4c5e180e575a65lsy2b").as_deref(),
            Some("3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}")
        );
        assert_eq!(text("bcher-kva").as_deref(), Some("bücher"));
        assert_eq!(text("abc-").as_deref(), Some("abc"));
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(text("bcher-kv!"), None);
        assert_eq!(text("zzzzzzzzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(text("ü-abc"), None);
    }
}
