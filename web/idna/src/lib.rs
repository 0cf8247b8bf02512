//! wirewalk's `idna` for the web bundle: international host names through the browser's own URL
//! parser.
//!
//! The `url` crate turns a host into its ASCII form with `idna`'s UTS #46 processing (mapping,
//! normalisation, Punycode, and the validity rules: bidi, joiners, hyphens). In the browser that
//! exact work is already there: Chromium's URL parser runs ICU's UTS #46 on every host. So the web
//! bundle's build (web/Cargo.toml) replaces `idna` with this crate, which asks the browser, and
//! carries neither `idna`'s code nor any Unicode table (the README has what that saved). The native build (the CLI, the tests with WPT's URL cases) keeps the real `idna`.
//!
//! What is kept from `idna`'s contract, so that `url` decides as it does natively:
//! - An ASCII host with no `xn--` label is only lower-cased, and refused if it holds a forbidden
//!   domain code point ([`AsciiDenyList::URL`]).
//! - Any other host is refused if it holds an ASCII forbidden domain code point (which would end
//!   or change the host in a URL), and otherwise parsed as the host of `http://<host>.a/`. The
//!   extra `a` label keeps the browser from reading a host that maps to digits as an IPv4
//!   address: that is `url`'s step, after this one, so that its error says what is wrong. An LTR
//!   ASCII label cannot break the bidi rule of any other label. The answer, without `.a`, is the
//!   ASCII form; a host the browser refuses is an error. Only Chromium is tested: another
//!   engine's UTS #46 may differ in places (the joiner rules, the Unicode version).
//! - Every Punycode (`xn--`) label of that answer must decode (at most 2,000 characters, as in
//!   `idna`) to text beyond ASCII that the browser writes back as the same label. UTS #46
//!   refuses the others, as `idna` and the standard's tests do; Chromium itself lets any `xn--`
//!   label through.
//! - [`domain_to_unicode`] decodes `xn--` labels for display (`url`'s quirks and origins).
//!
//! Left out: the deny lists other than [`AsciiDenyList::URL`] and [`AsciiDenyList::EMPTY`]
//! (`url` uses the first), and `idna`'s other entry points. Where Chromium's UTS #46 differs from
//! `idna`'s the bundle follows Chromium; the browser test `idna_in_the_bundle` lists the cases.

use std::borrow::Cow;

mod punycode;

/// The ASCII characters a host may not hold (after mapping).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AsciiDenyList {
    url: bool,
}

impl AsciiDenyList {
    /// No ASCII character refused.
    pub const EMPTY: AsciiDenyList = AsciiDenyList { url: false };
    /// The URL Standard's forbidden domain code points
    /// (<https://url.spec.whatwg.org/#forbidden-domain-code-point>): the C0 controls, space,
    /// `%#/:<>?@[\]^|` and DEL.
    pub const URL: AsciiDenyList = AsciiDenyList { url: true };

    fn denies(self, c: char) -> bool {
        self.url && forbidden_in_domain(c)
    }
}

fn forbidden_in_domain(c: char) -> bool {
    c.is_ascii_control() || " %#/:<>?@[\\]^|".contains(c)
}

/// A host that has no ASCII form.
#[derive(Default, Debug)]
pub struct Errors {}

impl std::fmt::Display for Errors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the host is not a valid international domain name")
    }
}

impl std::error::Error for Errors {}

/// `xn--…`, in any case. (Compared as bytes: the label may hold any text.)
fn is_punycode_label(label: &str) -> bool {
    label
        .as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"))
}

fn has_punycode_label(host: &str) -> bool {
    host.split('.').any(is_punycode_label)
}

/// The URL Standard's "domain to ASCII" (UTS #46 ToASCII, with CheckHyphens and VerifyDnsLength
/// off) of `domain`, and the `deny` check on the result.
pub fn domain_to_ascii_from_cow(
    domain: Cow<'_, [u8]>,
    deny: AsciiDenyList,
) -> Result<Cow<'_, str>, Errors> {
    let host: Cow<'_, str> = match domain {
        Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b).map_err(|_| Errors {})?),
        Cow::Owned(v) => Cow::Owned(String::from_utf8(v).map_err(|_| Errors {})?),
    };
    if host.is_ascii() && !has_punycode_label(&host) {
        if host.chars().any(|c| deny.denies(c)) {
            return Err(Errors {});
        }
        return Ok(if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            host
        });
    }
    let ascii = ask_parser(&host)?;
    if ascii.chars().any(|c| deny.denies(c)) {
        return Err(Errors {});
    }
    // UTS #46 §4.1, step 4: a Punycode label must decode to text beyond ASCII that is what it
    // maps to. `idna` checks this, and so does the standard's test data; Chromium lets any
    // `xn--` label through. So every `xn--` label of the answer (whether the host had it, or
    // the browser wrote it) is decoded, and the decoded host must come back as the same answer.
    if has_punycode_label(&ascii) {
        let mut unicode = String::with_capacity(ascii.len());
        for (i, label) in ascii.split('.').enumerate() {
            if i > 0 {
                unicode.push('.');
            }
            match label.strip_prefix("xn--") {
                Some(code) => unicode.extend(
                    punycode::decode(code)
                        .filter(|d| !d.iter().all(char::is_ascii))
                        .ok_or(Errors {})?,
                ),
                None => unicode.push_str(label),
            }
        }
        if ask_parser(&unicode)? != ascii {
            return Err(Errors {});
        }
    }
    Ok(Cow::Owned(ascii))
}

/// The ASCII form the browser's URL parser gives `host`, as the host of `http://<host>.a/`.
fn ask_parser(host: &str) -> Result<String, Errors> {
    // Not in a URL: these would end the host or change what it is.
    if host.chars().any(forbidden_in_domain) {
        return Err(Errors {});
    }
    let url = web_sys::Url::new(&format!("http://{host}.a/")).map_err(|_| Errors {})?;
    url.hostname()
        .strip_suffix(".a")
        .map(str::to_string)
        .ok_or(Errors {})
}

/// The Unicode form of an ASCII host for display: each `xn--` label decoded (left as it is, and
/// the result an error, if it does not decode).
pub fn domain_to_unicode(domain: &str) -> (String, Result<(), Errors>) {
    let mut ok = true;
    let labels: Vec<String> = domain
        .split('.')
        .map(|label| {
            let lower = label.to_ascii_lowercase();
            match lower.strip_prefix("xn--").map(punycode::decode) {
                Some(Some(chars)) => chars.into_iter().collect(),
                Some(None) => {
                    ok = false;
                    lower
                }
                None => lower,
            }
        })
        .collect();
    (labels.join("."), if ok { Ok(()) } else { Err(Errors {}) })
}
