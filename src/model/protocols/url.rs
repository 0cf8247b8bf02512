//! Step 1 of the journey: the typed text becomes a URL.
//!
//! Parsing follows the WHATWG URL Standard (<https://url.spec.whatwg.org/#concept-basic-url-parser>)
//! through the `url` crate, the parser Servo and Firefox's Rust components share. On top of it this
//! module adds what a learner needs to *see*:
//!
//! - [`Parsed::segments`]: the serialized URL cut into its components (scheme, username,
//!   password, host, port, path, query, fragment) and the delimiters between them, in place, so
//!   the view can colour them. A default port that the serialization leaves out (`:443` for
//!   `https`) is added as an *implied* segment, so it can be shown but greyed.
//! - [`Parsed::getters`]: the getters of the browser's `URL` API (`href`, `protocol`, ... `origin`),
//!   which the CLI prints as JSON.
//! - [`Origin`]: the origin tuple (scheme, host, port) used by every same-origin decision, or an
//!   opaque origin (`data:`, `file:`, ...).
//! - [`Parsed::changes`]: what the parser normalised (host lower-cased or converted to punycode, a
//!   default port dropped, dot segments removed, characters percent-encoded...).
//! - [`UrlError`]: a failure explained in plain words, with the byte range of the typed text that
//!   caused it. The `url` crate says *what* failed but not *where*; [`locate`] finds the place with
//!   a light scan that mirrors the standard's state machine for the authority part.
//!
//! Left out: the standard's encoding override for query strings (browsers use UTF-8 for typed
//! URLs). Where the `url` crate lags the standard, `tests/it/wpt_url.rs` lists the cases.

use ::url::Url;
use serde::Serialize;
use std::ops::Range;

/// A component of a URL, or a delimiter between two components.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Scheme,
    Username,
    Password,
    Host,
    Port,
    Path,
    Query,
    Fragment,
    /// `:`, `//`, `@`, `?`, `#` between components.
    Delimiter,
}

impl Part {
    /// The component's name as the WHATWG standard writes it.
    pub fn name(self) -> &'static str {
        match self {
            Part::Scheme => "scheme",
            Part::Username => "username",
            Part::Password => "password",
            Part::Host => "host",
            Part::Port => "port",
            Part::Path => "path",
            Part::Query => "query",
            Part::Fragment => "fragment",
            Part::Delimiter => "delimiter",
        }
    }
}

/// One piece of the serialized URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub part: Part,
    pub text: String,
    /// Not in the serialization: shown only to make a default port visible.
    pub implied: bool,
}

/// The getters of the browser's `URL` interface (<https://url.spec.whatwg.org/#urlutils-members>),
/// in the order the standard lists them. Field names are the JavaScript names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Getters {
    pub href: String,
    pub protocol: String,
    pub username: String,
    pub password: String,
    pub host: String,
    pub hostname: String,
    pub port: String,
    pub pathname: String,
    pub search: String,
    pub hash: String,
    pub origin: String,
}

/// The origin of a URL (<https://html.spec.whatwg.org/multipage/browsers.html#origin>).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Scheme, host and port: two URLs are same-origin when all three are equal.
    Tuple {
        scheme: String,
        host: String,
        /// The port, with the scheme's default filled in (443 for `https`).
        port: u16,
    },
    /// `data:`, `file:`, `javascript:`, `about:` and other schemes without a host get a fresh
    /// opaque origin, equal to no other origin.
    Opaque,
}

impl Origin {
    /// The ASCII serialization (`https://example.com`, or `null` when opaque):
    /// <https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin>.
    pub fn serialize(&self) -> String {
        match self {
            Origin::Opaque => "null".to_string(),
            Origin::Tuple { scheme, host, port } => {
                if default_port(scheme) == Some(*port) {
                    format!("{scheme}://{host}")
                } else {
                    format!("{scheme}://{host}:{port}")
                }
            }
        }
    }
}

/// A normalisation the parser applied to the typed text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub part: Part,
    pub note: String,
}

/// A successfully parsed URL, with everything the view and the CLI show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parsed {
    pub input: String,
    pub getters: Getters,
    pub segments: Vec<Segment>,
    pub origin: Origin,
    /// The scheme's default port, if it has one (`http` 80, `https` 443, `ws` 80, `wss` 443,
    /// `ftp` 21: <https://url.spec.whatwg.org/#default-port>).
    pub default_port: Option<u16>,
    pub changes: Vec<Change>,
}

/// What went wrong, in the standard's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    MissingScheme,
    EmptyHost,
    InvalidHost,
    InvalidDomainCharacter,
    InvalidIpv4,
    InvalidIpv6,
    InvalidPort,
    InvalidBase,
    TooLong,
    Other,
}

/// Chromium's longest URL: `url::kMaxURLChars` (url/url_constants.h), 2 MiB. A longer one is
/// refused before parsing, as Chromium refuses to send it between processes.
pub const MAX_URL_CHARS: usize = 2 * 1024 * 1024;

/// A URL that could not be parsed: the message explains it, `span` is the byte range of the input
/// that caused it (always on character boundaries; may be empty at the end of the input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UrlError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Range<usize>,
}

impl UrlError {
    /// The 1-based character column where the problem starts, for messages.
    pub fn column(&self, input: &str) -> usize {
        input
            .get(..self.span.start)
            .map_or(1, |before| before.chars().count() + 1)
    }
}

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `input` against an optional `base`, as `new URL(input, base)` does in a browser.
pub fn parse(input: &str, base: Option<&str>) -> Result<Parsed, UrlError> {
    if input.len() > MAX_URL_CHARS {
        return Err(UrlError {
            kind: ErrorKind::TooLong,
            message: format!(
                "the URL is {} bytes long; Chromium refuses URLs over {MAX_URL_CHARS} characters (2 MiB)",
                input.len()
            ),
            span: 0..0,
        });
    }
    let base_url = match base {
        Some(b) => match Url::parse(b) {
            Ok(u) => Some(u),
            Err(e) => {
                return Err(UrlError {
                    kind: ErrorKind::InvalidBase,
                    message: format!("the base URL is not valid: {e}"),
                    span: 0..0,
                })
            }
        },
        None => None,
    };
    let violations = std::cell::RefCell::new(Vec::new());
    let record = |v: ::url::SyntaxViolation| violations.borrow_mut().push(v);
    let parsed = Url::options()
        .base_url(base_url.as_ref())
        .syntax_violation_callback(Some(&record))
        .parse(input);
    let url = match parsed {
        Ok(url) => url,
        Err(e) => return Err(explain(input, e, base_url.is_some())),
    };
    let mut changes = Vec::new();
    for v in violations.into_inner() {
        changes.push(Change {
            part: Part::Delimiter,
            note: violation_note(v),
        });
    }
    changes.extend(normalisations(input, &url));
    Ok(Parsed {
        input: input.to_string(),
        getters: getters(&url),
        segments: segments(&url),
        origin: origin(&url),
        default_port: default_port(url.scheme()),
        changes,
    })
}

/// <https://url.spec.whatwg.org/#default-port>
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

fn getters(url: &Url) -> Getters {
    use ::url::quirks as q;
    Getters {
        href: q::href(url).to_string(),
        protocol: q::protocol(url).to_string(),
        username: q::username(url).to_string(),
        password: q::password(url).to_string(),
        host: q::host(url).to_string(),
        hostname: q::hostname(url).to_string(),
        port: q::port(url).to_string(),
        pathname: q::pathname(url).to_string(),
        search: q::search(url).to_string(),
        hash: q::hash(url).to_string(),
        origin: origin(url).serialize(),
    }
}

fn origin(url: &Url) -> Origin {
    // <https://url.spec.whatwg.org/#concept-url-origin>: a blob: URL has the origin of the URL in
    // its path only when that URL is http or https; any other inner scheme gives an opaque origin.
    // (The `url` crate still follows the older rule that accepted any special scheme.)
    if url.scheme() == "blob" {
        let inner = Url::parse(url.path()).ok();
        if !inner
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Origin::Opaque;
        }
    }
    match url.origin() {
        ::url::Origin::Tuple(scheme, host, port) => Origin::Tuple {
            scheme,
            host: host.to_string(),
            port,
        },
        ::url::Origin::Opaque(_) => Origin::Opaque,
    }
}

/// Cuts the serialization into components. Concatenating the non-implied segments gives back
/// `href` exactly (a test checks it on every WPT case).
///
/// Built from the component getters rather than `url::Position` slicing, which asserts on URLs
/// such as `web+demo:/.//not-a-host/`: there the serializer writes `/.` between the scheme and
/// a path that starts with `//` (<https://url.spec.whatwg.org/#url-serializing>, step 2.2),
/// and that `/.` belongs to no component. Whatever lies between the head (scheme and authority)
/// and the tail (path, query, fragment) becomes a delimiter segment.
fn segments(url: &Url) -> Vec<Segment> {
    let href = url.as_str();
    let mut head: Vec<(Part, String, bool)> = vec![(Part::Scheme, url.scheme().to_string(), false)];
    if url.has_authority() {
        head.push((Part::Delimiter, "://".into(), false));
        head.push((Part::Username, url.username().into(), false));
        if let Some(pw) = url.password() {
            head.push((Part::Delimiter, ":".into(), false));
            head.push((Part::Password, pw.into(), false));
        }
        if !url.username().is_empty() || url.password().is_some() {
            head.push((Part::Delimiter, "@".into(), false));
        }
        head.push((Part::Host, url.host_str().unwrap_or("").into(), false));
        match url.port() {
            Some(p) => {
                head.push((Part::Delimiter, ":".into(), false));
                head.push((Part::Port, p.to_string(), false));
            }
            None if url.has_host() => {
                if let Some(p) = default_port(url.scheme()) {
                    head.push((Part::Delimiter, ":".into(), true));
                    head.push((Part::Port, p.to_string(), true));
                }
            }
            None => {}
        }
    } else {
        head.push((Part::Delimiter, ":".into(), false));
    }
    let mut tail: Vec<(Part, String, bool)> = vec![(Part::Path, url.path().into(), false)];
    if let Some(q) = url.query() {
        tail.push((Part::Delimiter, "?".into(), false));
        tail.push((Part::Query, q.into(), false));
    }
    if let Some(f) = url.fragment() {
        tail.push((Part::Delimiter, "#".into(), false));
        tail.push((Part::Fragment, f.into(), false));
    }
    let text = |v: &[(Part, String, bool)]| -> String {
        v.iter().filter(|s| !s.2).map(|s| s.1.as_str()).collect()
    };
    let (h, t) = (text(&head), text(&tail));
    let fits = href.starts_with(&h) && href.ends_with(&t) && h.len() + t.len() <= href.len();
    let mut all = if fits {
        let gap = &href[h.len()..href.len() - t.len()];
        head.push((Part::Delimiter, gap.to_string(), false));
        head.extend(tail);
        head
    } else {
        // Not expected for any URL the crate produces; show the whole URL as one piece rather
        // than a wrong split.
        vec![(Part::Path, href.to_string(), false)]
    };
    all.retain(|s| !s.1.is_empty());
    all.into_iter()
        .map(|(part, text, implied)| Segment {
            part,
            text,
            implied,
        })
        .collect()
}

fn violation_note(v: ::url::SyntaxViolation) -> String {
    use ::url::SyntaxViolation as V;
    match v {
        V::Backslash => "a backslash was read as a slash".into(),
        V::C0SpaceIgnored => "leading or trailing spaces or control characters were removed".into(),
        V::EmbeddedCredentials => {
            "the URL embeds a username or password, which browsers discourage".into()
        }
        V::ExpectedDoubleSlash => "\"//\" was expected after the scheme and assumed".into(),
        V::ExpectedFileDoubleSlash => "\"//\" was expected after file: and assumed".into(),
        V::FileWithHostAndWindowsDrive => "a file: URL named both a host and a drive".into(),
        V::NonUrlCodePoint => "a character not allowed in URLs was percent-encoded".into(),
        V::NullInFragment => "a NUL character in the fragment was dropped".into(),
        V::PercentDecode => "a % not followed by two hex digits was kept as is".into(),
        V::TabOrNewlineIgnored => "tabs or newlines were removed".into(),
        V::UnencodedAtSign => "an @ in the username or password was percent-encoded".into(),
        other => other.description().to_string(),
    }
}

/// Normalisations a learner would notice by comparing what they typed with `href`.
fn normalisations(input: &str, url: &Url) -> Vec<Change> {
    let mut out = Vec::new();
    let auth = Authority::scan(input);
    if let (Some(auth), Some(host)) = (auth.as_ref(), url.host_str()) {
        let typed = &input[auth.host.clone()];
        if !typed.is_empty() && typed != host {
            let note = if host.contains("xn--") && !typed.is_ascii() {
                format!(
                    "the international host name \"{typed}\" became \"{host}\" (IDNA / punycode)"
                )
            } else if typed.to_ascii_lowercase() == host {
                format!("the host \"{typed}\" was lower-cased to \"{host}\"")
            } else {
                format!("the host \"{typed}\" was normalised to \"{host}\"")
            };
            out.push(Change {
                part: Part::Host,
                note,
            });
        }
        if let Some(port) = auth.port.clone() {
            let typed = &input[port];
            if url.port().is_none() && !typed.is_empty() {
                out.push(Change {
                    part: Part::Port,
                    note: format!(
                        "port {typed} is the default for {}: it is implied, so it was dropped",
                        url.scheme()
                    ),
                });
            }
        }
        let rest = &input[auth.end..];
        let typed_path = rest.split(['?', '#']).next().unwrap_or("");
        if typed_path.split(['/', '\\']).any(|s| {
            let s = s.to_ascii_lowercase();
            s == "." || s == ".." || s == "%2e" || s == "%2e%2e" || s == ".%2e" || s == "%2e."
        }) {
            out.push(Change {
                part: Part::Path,
                note: format!(
                    "the dot segments in \"{typed_path}\" were resolved to \"{}\"",
                    url.path()
                ),
            });
        }
    }
    out
}

/// Where the parts of a special URL's authority sit in the typed text: byte ranges.
#[derive(Debug)]
struct Authority {
    /// Where the authority starts (after `scheme://`).
    start: usize,
    /// Where it ends (the first `/`, `\`, `?` or `#` after it, or the end of the input).
    end: usize,
    host: Range<usize>,
    port: Option<Range<usize>>,
}

impl Authority {
    /// Scans `scheme://userinfo@host:port` the way the standard's "special authority" states do
    /// (<https://url.spec.whatwg.org/#authority-state>). Only for schemes with a host; `None`
    /// otherwise.
    fn scan(input: &str) -> Option<Authority> {
        let lead = input.len() - input.trim_start_matches(|c: char| c <= ' ').len();
        let body = &input[lead..];
        let colon = body.find(':')?;
        let scheme = &body[..colon];
        if !is_scheme(scheme) {
            return None;
        }
        let special = default_port(&scheme.to_ascii_lowercase()).is_some()
            || scheme.eq_ignore_ascii_case("file");
        let after = &body[colon + 1..];
        let slashes = if special {
            after.len() - after.trim_start_matches(['/', '\\']).len()
        } else if after.starts_with("//") {
            2
        } else {
            return None;
        };
        let start = lead + colon + 1 + slashes;
        let rest = &input[start..];
        let len = rest
            .find(|c: char| c == '/' || c == '?' || c == '#' || (special && c == '\\'))
            .unwrap_or(rest.len());
        let end = start + len;
        let authority = &input[start..end];
        let host_start = start + authority.rfind('@').map_or(0, |at| at + 1);
        let hostport = &input[host_start..end];
        // A ':' inside [...] belongs to an IPv6 address, not to the port.
        let mut in_brackets = false;
        let mut port_colon = None;
        for (i, c) in hostport.char_indices() {
            match c {
                '[' => in_brackets = true,
                ']' => in_brackets = false,
                ':' if !in_brackets => {
                    port_colon = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let (host, port) = match port_colon {
            Some(i) => (host_start..host_start + i, Some(host_start + i + 1..end)),
            None => (host_start..end, None),
        };
        Some(Authority {
            start,
            end,
            host,
            port,
        })
    }
}

/// <https://url.spec.whatwg.org/#scheme-state>: an ASCII letter, then letters, digits, `+-.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Turns the `url` crate's error into a message and a place in the typed text.
fn explain(input: &str, e: ::url::ParseError, has_base: bool) -> UrlError {
    use ::url::ParseError as P;
    let auth = Authority::scan(input);
    let host_span = auth.as_ref().map(|a| a.host.clone());
    let whole = 0..input.len();
    let (kind, span, message) = match e {
        P::RelativeUrlWithoutBase | P::RelativeUrlWithCannotBeABaseBase => {
            let first_colon = input.find(':');
            let looks_like_host =
                !input.contains(':') && !input.contains(char::is_whitespace) && input.contains('.');
            let mut m = if has_base {
                "the base URL cannot have relative URLs resolved against it (it has no path \
                 hierarchy, like a data: or mailto: URL)"
                    .to_string()
            } else {
                "there is no scheme: a URL must start with one, such as https:".to_string()
            };
            if looks_like_host && !has_base {
                m.push_str(&format!(
                    " (the address bar would try https://{} for you)",
                    input.trim()
                ));
            }
            let span = match first_colon {
                Some(i) if i > 0 => 0..i,
                _ => 0..first_char_len(input),
            };
            (ErrorKind::MissingScheme, span, m)
        }
        P::EmptyHost => {
            let at = auth.as_ref().map_or(input.len(), |a| a.start);
            (
                ErrorKind::EmptyHost,
                at..at + next_char_len(input, at),
                "the host is empty: a URL with this scheme needs a host name or address after \"//\""
                    .to_string(),
            )
        }
        P::InvalidPort => {
            let span = auth.as_ref().and_then(|a| a.port.clone()).unwrap_or(whole);
            let typed = input.get(span.clone()).unwrap_or("");
            let bad = typed.char_indices().find(|(_, c)| !c.is_ascii_digit());
            let (span, m) = match bad {
                Some((i, c)) => (
                    span.start + i..span.start + i + c.len_utf8(),
                    format!("the port may contain only digits, but \"{c}\" was found"),
                ),
                None => (
                    span,
                    format!("the port {typed} is out of range: a port is a number from 0 to 65535"),
                ),
            };
            (ErrorKind::InvalidPort, span, m)
        }
        P::InvalidDomainCharacter | P::IdnaError => {
            let span = host_span.unwrap_or(whole);
            let host = input.get(span.clone()).unwrap_or("");
            // The crate reports some forbidden characters (a space) as an IDNA failure: name the
            // character whenever there is one.
            match host
                .char_indices()
                .find(|(_, c)| is_forbidden_domain_char(*c))
            {
                Some((i, c)) => (
                    ErrorKind::InvalidDomainCharacter,
                    span.start + i..span.start + i + c.len_utf8(),
                    format!(
                        "the host contains {}, which is not allowed in a domain name",
                        describe_char(c)
                    ),
                ),
                None if e == P::InvalidDomainCharacter => (
                    ErrorKind::InvalidDomainCharacter,
                    span,
                    "the host contains a character that is not allowed in a domain name"
                        .to_string(),
                ),
                None => (
                    ErrorKind::InvalidHost,
                    span,
                    "the host is not a valid domain name: it cannot be converted to its ASCII \
                     form (IDNA / punycode)"
                        .to_string(),
                ),
            }
        }
        P::InvalidIpv4Address => (
            ErrorKind::InvalidIpv4,
            host_span.unwrap_or(whole),
            "the host looks like an IPv4 address, but one of its numbers is out of range"
                .to_string(),
        ),
        P::InvalidIpv6Address => (
            ErrorKind::InvalidIpv6,
            host_span.unwrap_or(whole),
            "the host in [brackets] is not a valid IPv6 address".to_string(),
        ),
        P::Overflow => (
            ErrorKind::TooLong,
            whole,
            "the URL is too long to parse".to_string(),
        ),
        other => (ErrorKind::Other, whole, format!("invalid URL: {other}")),
    };
    let mut err = UrlError {
        kind,
        message,
        span,
    };
    let col = err.column(input);
    err.message = format!("{} (at character {col})", err.message);
    err
}

/// <https://url.spec.whatwg.org/#forbidden-domain-code-point>
fn is_forbidden_domain_char(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{1f}'
            | ' '
            | '#'
            | '/'
            | ':'
            | '<'
            | '>'
            | '?'
            | '@'
            | '['
            | '\\'
            | ']'
            | '^'
            | '|'
            | '%'
            | '\u{7f}'
    )
}

fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_string()
    } else if c.is_control() {
        format!("the control character U+{:04X}", c as u32)
    } else {
        format!("\"{c}\"")
    }
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

fn next_char_len(s: &str, at: usize) -> usize {
    s.get(at..).map_or(0, first_char_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn href_of(p: &Parsed) -> String {
        p.segments
            .iter()
            .filter(|s| !s.implied)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn default_journey_url() {
        let p = parse(
            "https://www.example.com:443/path/page?query=123#section",
            None,
        )
        .unwrap();
        assert_eq!(
            p.getters.href,
            "https://www.example.com/path/page?query=123#section"
        );
        assert_eq!(p.getters.port, "");
        assert_eq!(p.getters.origin, "https://www.example.com");
        assert_eq!(href_of(&p), p.getters.href);
        let implied: Vec<_> = p.segments.iter().filter(|s| s.implied).collect();
        assert_eq!(implied.len(), 2);
        assert_eq!(implied[1].text, "443");
        assert_eq!(
            p.origin,
            Origin::Tuple {
                scheme: "https".into(),
                host: "www.example.com".into(),
                port: 443
            }
        );
        assert!(p.changes.iter().any(|c| c.part == Part::Port));
    }

    #[test]
    fn segments_in_order() {
        let p = parse("http://u:p@h.test:8080/a?b#c", None).unwrap();
        let parts: Vec<_> = p
            .segments
            .iter()
            .map(|s| (s.part, s.text.as_str()))
            .collect();
        assert_eq!(
            parts,
            vec![
                (Part::Scheme, "http"),
                (Part::Delimiter, "://"),
                (Part::Username, "u"),
                (Part::Delimiter, ":"),
                (Part::Password, "p"),
                (Part::Delimiter, "@"),
                (Part::Host, "h.test"),
                (Part::Delimiter, ":"),
                (Part::Port, "8080"),
                (Part::Path, "/a"),
                (Part::Delimiter, "?"),
                (Part::Query, "b"),
                (Part::Delimiter, "#"),
                (Part::Fragment, "c"),
            ]
        );
    }

    #[test]
    fn opaque_origin() {
        let p = parse("data:text/plain,hi", None).unwrap();
        assert_eq!(p.origin, Origin::Opaque);
        assert_eq!(p.getters.origin, "null");
        assert!(p.segments.iter().all(|s| !s.implied));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("https://example.com:8o/", ErrorKind::InvalidPort, "o"),
            (
                "https://example.com:99999/",
                ErrorKind::InvalidPort,
                "99999",
            ),
            (
                "https://exa mple.com/",
                ErrorKind::InvalidDomainCharacter,
                " ",
            ),
            (
                "https://ex<ample.com/",
                ErrorKind::InvalidDomainCharacter,
                "<",
            ),
            ("www.example.com", ErrorKind::MissingScheme, "w"),
            ("https://[::1/", ErrorKind::InvalidIpv6, "[::1"),
            ("http://1.2.3.999/", ErrorKind::InvalidIpv4, "1.2.3.999"),
        ];
        for (input, kind, at) in cases {
            let e = parse(input, None).unwrap_err();
            assert_eq!(e.kind, kind, "{input}: {e:?}");
            assert_eq!(&input[e.span.clone()], at, "{input}: {e:?}");
        }
        let e = parse("https://", None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::EmptyHost);
        assert_eq!(e.span, 8..8);
        assert!(e.message.contains("at character 9"), "{}", e.message);
    }

    #[test]
    fn hint_for_a_bare_host() {
        let e = parse("www.example.com", None).unwrap_err();
        assert!(
            e.message.contains("https://www.example.com"),
            "{}",
            e.message
        );
    }

    #[test]
    fn base_is_used() {
        let p = parse("../x?y", Some("https://a.test/b/c/d")).unwrap();
        assert_eq!(p.getters.href, "https://a.test/b/x?y");
        let e = parse("x", Some("not a url")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidBase);
    }

    #[test]
    fn idn_and_normalisation_are_explained() {
        let p = parse("https://bücher.example/a/./b/../c", None).unwrap();
        assert_eq!(p.getters.hostname, "xn--bcher-kva.example");
        assert!(p
            .changes
            .iter()
            .any(|c| c.part == Part::Host && c.note.contains("punycode")));
        assert!(p.changes.iter().any(|c| c.part == Part::Path));
    }

    #[test]
    fn spans_are_char_boundaries_for_odd_input() {
        for input in [
            "",
            " ",
            "é",
            "https://é:é/",
            "h:",
            "https://a@",
            "💥://x",
            "https://[",
            "https://a:",
        ] {
            if let Err(e) = parse(input, None) {
                assert!(input.get(e.span.clone()).is_some(), "{input:?} {e:?}");
            }
        }
    }
}
