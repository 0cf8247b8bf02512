//! The UTS #46 mapping, asked of the browser's own URL parser (web bundle only).
//!
//! `idna` hands over one label's non-ASCII tail (from the character before the first non-ASCII
//! one, so that a combining mark still meets its base letter). The tail is cut at the ASCII
//! characters a domain may never contain (the URL Standard's forbidden domain code points: `/`,
//! `?`, `#`, `%`, space, controls and the like), which would end or change the host in a URL;
//! they pass through as they are, and `idna` rejects the domain for them, as it would anyway.
//! Each run between them that holds non-ASCII text is parsed as the host of `http://<run>.x/`:
//! the `.x` label keeps a run that maps to digits from being read as an IPv4 address. The parser
//! maps, normalises and checks the run and writes it as Punycode, which is decoded back into the
//! mapped text. A run the parser refuses becomes U+FFFD, which `idna` reports as an invalid
//! domain; the browser test `idna_in_the_bundle` compares every case with the native parser.
//!
//! Left out, and so possibly different from ICU4X natively: the browser applies the bidi, joiner
//! and leading-mark rules to the label's tail, not to the whole label (for a tail that starts
//! mid-label, it starts with the ASCII character before the first non-ASCII one, so the cases
//! where this matters are labels that mix scripts, which both refuse); and the Unicode version
//! is the browser's, not ICU4X's. Where the two disagree the bundle agrees with the browser.

/// Whether `c` is a Mark (General_Category M), as the browser's regular expressions know it.
pub fn is_mark(c: char) -> bool {
    let re = js_sys::RegExp::new("^\\p{M}$", "u");
    re.test(c.encode_utf8(&mut [0; 4]))
}

/// The mapped and normalised form of one label's tail; see the module docs.
pub fn map(tail: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(tail.len());
    let mut run = String::new();
    for c in tail.chars() {
        if forbidden_in_domain(c) {
            flush(&mut run, &mut out);
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A decoded Punycode label as it is if UTS #46 leaves it unchanged; otherwise with U+FFFD where
/// it first differs from its mapping, which is how `idna` finds the label invalid.
pub fn validate(label: &str) -> Vec<char> {
    let mapped = map(label);
    let mut chars: Vec<char> = label.chars().collect();
    if mapped != chars {
        let at = chars
            .iter()
            .zip(&mapped)
            .take_while(|(a, b)| a == b)
            .count();
        match chars.get_mut(at) {
            Some(c) => *c = '\u{FFFD}',
            None => chars.push('\u{FFFD}'),
        }
    }
    chars
}

/// The URL Standard's forbidden domain code points
/// (<https://url.spec.whatwg.org/#forbidden-domain-code-point>).
fn forbidden_in_domain(c: char) -> bool {
    c.is_ascii_control() || " #%/:<>?@[\\]^|".contains(c)
}

fn flush(run: &mut String, out: &mut Vec<char>) {
    if run.is_ascii() {
        out.extend(run.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        match ask_parser(run) {
            Some(mapped) => out.extend(mapped),
            None => out.push('\u{FFFD}'),
        }
    }
    run.clear();
}

/// The host the browser's URL parser makes of `run`, Punycode labels decoded.
fn ask_parser(run: &str) -> Option<Vec<char>> {
    let url = web_sys::Url::new(&format!("http://{run}.x/")).ok()?;
    let host = url.hostname();
    let host = host.strip_suffix(".x")?;
    let mut out = Vec::with_capacity(host.len());
    for (i, label) in host.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        match label.strip_prefix("xn--") {
            Some(code) => out.extend(crate::punycode::decode(code)?),
            None => out.extend(label.chars()),
        }
    }
    Some(out)
}
