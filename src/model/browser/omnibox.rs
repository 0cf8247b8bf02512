//! The address bar as Chromium's omnibox: what the typed text is, and where it goes.
//!
//! Chromium sorts the text into one of four kinds before anything else happens
//! (`AutocompleteInput::Parse`,
//! <https://source.chromium.org/chromium/chromium/src/+/main:components/omnibox/browser/autocomplete_input.cc>):
//! - **URL**: a scheme was typed, or the host ends in a real top-level domain (`example.com`),
//!   is an IP address with four parts, is `localhost`, has a port, a path ending in `/`, or more
//!   than one part besides the host;
//! - **QUERY**: text that cannot be a URL (`what is dns`: a host cannot hold spaces), or that
//!   starts with `?`;
//! - **UNKNOWN**: a single word (`cats`) or a domain whose top-level domain does not exist
//!   (`foo.notatld`). The default search engine's suggestion scores higher than the typed URL's
//!   (`SearchProvider`'s 1300 against `HistoryURLProvider`'s 1203), so Enter searches;
//! - **EMPTY**: nothing but spaces.
//!
//! A URL typed without a scheme gets `http://` (Chromium's omnibox no longer adds `https://`
//! itself outside iOS: `kDefaultTypedNavigationsToHttps`, components/omnibox/common/omnibox_features.cc);
//! the navigation is then marked as typed without a scheme, and HTTPS-Upgrades tries https
//! first ([`crate::model::navigation`]).
//!
//! A search becomes the default search engine's results URL: Google's template
//! `{google:baseURL}search?q={searchTerms}&…ie={inputEncoding}` (third_party/search_engines_data/
//! resources/definitions/prepopulated_engines.json) with the terms form-encoded (a space is `+`,
//! `base::EscapeQueryParamValue(…, true)` in components/search_engines/template_url.cc).
//!
//! Known top-level domains are IANA's root zone list (`tlds.txt`, from
//! <https://data.iana.org/TLD/tlds-alpha-by-domain.txt>, April 2026), the ICANN part of the
//! Public Suffix List that Chromium asks (`EXCLUDE_PRIVATE_REGISTRIES`).
//!
//! Left out: suggestions from history and bookmarks (a host visited before can make UNKNOWN
//! text navigate), keyword search (`wiki cats`), the `oq=`/`gs_lcrp=` statistics Chrome adds
//! to a search it suggested, and `javascript:` text typed into the box.

use serde::Serialize;

/// IANA's top-level domains, one per line, lower case, IDNs in punycode.
const TLDS: &str = include_str!("tlds.txt");

/// The omnibox's verdict on the text (`metrics::OmniboxInputType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Empty,
    Url,
    Unknown,
    Query,
}

impl Kind {
    /// Chromium's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Empty => "EMPTY",
            Kind::Url => "URL",
            Kind::Unknown => "UNKNOWN",
            Kind::Query => "QUERY",
        }
    }
}

/// The default search engine (Chromium's prepopulated engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[default]
    Google,
    Bing,
    DuckDuckGo,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Google, Engine::Bing, Engine::DuckDuckGo];

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Google => "google",
            Engine::Bing => "bing",
            Engine::DuckDuckGo => "duckduckgo",
        }
    }

    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Engine::Google => "Google",
            Engine::Bing => "Bing",
            Engine::DuckDuckGo => "DuckDuckGo",
        }
    }

    /// The results page for `terms`, as the engine's prepopulated template expands for a typed
    /// search from a Chromium build (no RLZ, no search client, no suggestion statistics).
    pub fn search_url(self, terms: &str) -> String {
        let q: String = ::url::form_urlencoded::byte_serialize(terms.as_bytes()).collect();
        match self {
            Engine::Google => {
                format!("https://www.google.com/search?q={q}&sourceid=chrome&ie=UTF-8")
            }
            Engine::Bing => format!("https://www.bing.com/search?q={q}&PC=U316&FORM=CHROMN"),
            Engine::DuckDuckGo => format!("https://duckduckgo.com/?q={q}"),
        }
    }
}

/// What the omnibox does with the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Nothing to do.
    Nothing,
    /// Navigate to the text as a URL; `schemeless` when the omnibox added `http://`.
    Navigate { url: String, schemeless: bool },
    /// Search for the terms with the default engine.
    Search {
        terms: String,
        engine: Engine,
        url: String,
    },
}

/// The omnibox's answer: the kind, why, and the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Typed {
    pub kind: Kind,
    pub why: &'static str,
    pub action: Action,
}

impl Typed {
    /// The URL the browser goes to, if any.
    pub fn url(&self) -> Option<&str> {
        match &self.action {
            Action::Nothing => None,
            Action::Navigate { url, .. } | Action::Search { url, .. } => Some(url),
        }
    }

    /// Typed with a scheme: the text itself is the URL, nothing was added.
    pub fn is_plain_url(&self) -> bool {
        matches!(
            self.action,
            Action::Navigate {
                schemeless: false,
                ..
            }
        )
    }
}

/// Schemes the browser knows, so `scheme:` in front of the text is a scheme, not a search
/// operator (`site:`) or a host with a port (`localhost:8080`).
const KNOWN_SCHEMES: &[&str] = &[
    "http",
    "https",
    "file",
    "data",
    "about",
    "javascript",
    "blob",
    "ws",
    "wss",
    "ftp",
    "chrome",
    "view-source",
    "mailto",
    "tel",
    "filesystem",
];

/// Classifies the typed text and says where it goes.
pub fn classify(input: &str, engine: Engine) -> Typed {
    let t = input.trim();
    let (kind, why) = kind_of(t);
    let action = match kind {
        Kind::Empty => Action::Nothing,
        Kind::Url if typed_scheme(t).is_some() => Action::Navigate {
            url: t.to_string(),
            schemeless: false,
        },
        Kind::Url => match crate::model::url::parse(&format!("http://{t}"), None) {
            Ok(p) => Action::Navigate {
                url: p.getters.href,
                schemeless: true,
            },
            Err(_) => search(t, engine),
        },
        Kind::Unknown | Kind::Query => search(t, engine),
    };
    Typed { kind, why, action }
}

fn search(t: &str, engine: Engine) -> Action {
    let terms = t.strip_prefix('?').unwrap_or(t).trim().to_string();
    Action::Search {
        url: engine.search_url(&terms),
        terms,
        engine,
    }
}

/// The scheme typed in front of the text, lower-cased, when it is one the browser knows.
pub fn typed_scheme(t: &str) -> Option<String> {
    let (s, _) = t.split_once(':')?;
    let mut b = s.bytes();
    let first = b.next()?;
    let ok = first.is_ascii_alphabetic()
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    let s = s.to_ascii_lowercase();
    (ok && KNOWN_SCHEMES.contains(&s.as_str())).then_some(s)
}

/// `AutocompleteInput::Parse`'s rules, in its order, on the trimmed text.
fn kind_of(t: &str) -> (Kind, &'static str) {
    if t.is_empty() {
        return (Kind::Empty, "nothing was typed");
    }
    if t.starts_with('?') {
        return (Kind::Query, "a leading ? forces a search");
    }
    if t.starts_with('"') {
        return (Kind::Query, "quoted text is searched");
    }
    if let Some(scheme) = typed_scheme(t) {
        if matches!(scheme.as_str(), "http" | "https") && crate::model::url::parse(t, None).is_err()
        {
            return (Kind::Query, "it has a scheme but is not a valid URL");
        }
        return (Kind::Url, "it starts with a scheme the browser knows");
    }
    let Ok(u) = ::url::Url::parse(&format!("http://{t}")) else {
        return (Kind::Query, "a host cannot hold spaces or such characters");
    };
    let typed = TypedParts::of(t);
    let host = u.host_str().unwrap_or_default();
    if host == "invalid" || host.ends_with(".invalid") {
        return (Kind::Query, ".invalid names never exist (RFC 6761)");
    }
    match u.host() {
        Some(::url::Host::Ipv6(_)) => return (Kind::Url, "an IPv6 address"),
        Some(::url::Host::Ipv4(_)) => return ipv4_kind(typed.host),
        _ => {}
    }
    if typed.path.len() > 1 && (typed.path.ends_with('/') || typed.path.ends_with('\\'))
        || typed.path == "/"
    {
        return (Kind::Url, "its path ends with /");
    }
    if typed.non_host_parts() > 1 {
        return (Kind::Url, "it has a host and more than one other part");
    }
    if typed.user && !typed.password {
        return (Kind::Unknown, "user@host is more likely an email address");
    }
    if typed.user && typed.password {
        return (Kind::Url, "it names a user and a password");
    }
    if has_known_tld(host) {
        return (Kind::Url, "its host ends in a real top-level domain");
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return (Kind::Url, "localhost is always this computer");
    }
    if typed.port {
        return (Kind::Url, "it has a port");
    }
    for reserved in ["example", "test", "local", "internal"] {
        if host.len() > reserved.len() + 1 && host.ends_with(&format!(".{reserved}")) {
            return (Kind::Url, "a name under a reserved top-level domain");
        }
    }
    if host.contains('.') {
        (Kind::Unknown, "its top-level domain does not exist")
    } else {
        (
            Kind::Unknown,
            "a single word could be a search or an intranet host",
        )
    }
}

/// Four typed parts make an address; fewer (`1.2`) are more likely a search; `0.x.x.x` is
/// never a destination.
fn ipv4_kind(typed_host: &str) -> (Kind, &'static str) {
    if typed_host.split('.').filter(|p| !p.is_empty()).count() == 4 {
        if typed_host.starts_with("0.") {
            return (Kind::Query, "0.x.x.x is not an address to visit");
        }
        (Kind::Url, "an IPv4 address in four parts")
    } else {
        (Kind::Query, "a number with fewer than four parts")
    }
}

/// Whether the host's last label is a top-level domain and something comes before it
/// (`GetCanonicalHostRegistryLength(…) != 0`).
fn has_known_tld(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    match host.rsplit_once('.') {
        Some((before, tld)) if !before.is_empty() => TLDS.lines().any(|l| l == tld),
        _ => false,
    }
}

/// A name that is unique on the internet: it ends in a public top-level domain, with a label
/// before it (the opposite of Chromium's `net::IsHostnameNonUnique` for names).
pub fn is_unique_host(host: &str) -> bool {
    has_known_tld(host)
}

/// The parts of the typed text (not of the parsed URL, which fills in a path and drops what
/// is default), as Chromium's `url_formatter::SegmentURL` sees them.
struct TypedParts<'a> {
    host: &'a str,
    path: &'a str,
    user: bool,
    password: bool,
    port: bool,
    query: bool,
    fragment: bool,
}

impl<'a> TypedParts<'a> {
    fn of(t: &'a str) -> Self {
        let end = t.find(['/', '\\', '?', '#']).unwrap_or(t.len());
        let (authority, rest) = t.split_at(end);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, !p.is_empty()),
            _ => (hostport, false),
        };
        let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
        TypedParts {
            host,
            path: &rest[..path_end],
            user: userinfo.is_some(),
            password: userinfo.is_some_and(|u| u.contains(':')),
            port,
            query: rest.contains('?'),
            fragment: rest.contains('#'),
        }
    }

    /// `NumNonHostComponents`: user, password, port, path (beyond `/`), query, fragment.
    fn non_host_parts(&self) -> usize {
        [
            self.user,
            self.password,
            self.port,
            self.path.len() > 1,
            self.query,
            self.fragment,
        ]
        .into_iter()
        .filter(|b| *b)
        .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(t: &str) -> Kind {
        classify(t, Engine::Google).kind
    }

    // Verdicts of Chromium's components/omnibox/browser/autocomplete_input_unittest.cc
    // (`AutocompleteInputTest.InputType`).
    #[test]
    fn chromium_input_types() {
        let cases: &[(&str, Kind)] = &[
            ("", Kind::Empty),
            ("   ", Kind::Empty),
            ("example.com", Kind::Url),
            ("foo.com", Kind::Url),
            ("foo.com/bar", Kind::Url),
            ("news.example", Kind::Url),
            ("foo.test", Kind::Url),
            ("foo.local", Kind::Url),
            ("foo.internal", Kind::Url),
            ("example", Kind::Unknown),
            ("test", Kind::Unknown),
            ("foo.localhost", Kind::Url),
            ("localhost", Kind::Url),
            ("localhost:8080", Kind::Url),
            ("foo.c", Kind::Unknown),
            ("browser.tabs.closeButtons", Kind::Unknown),
            ("foo", Kind::Unknown),
            ("cats", Kind::Unknown),
            ("foo bar", Kind::Query),
            ("what is dns", Kind::Query),
            ("foo bar.com", Kind::Query),
            ("?", Kind::Query),
            ("?foo", Kind::Query),
            ("?http://foo.com/bar", Kind::Query),
            ("\"foo:bar\"", Kind::Query),
            ("foo:81", Kind::Url),
            ("www.foo.com:81", Kind::Url),
            ("foo.com:123456", Kind::Query),
            ("foo.com:abc", Kind::Query),
            ("user:pass@foo", Kind::Url),
            ("user@foo.com", Kind::Unknown),
            ("127.0.0.1", Kind::Url),
            ("[2001:dB8::1]", Kind::Url),
            ("0.0.0.1", Kind::Query),
            ("1.2", Kind::Query),
            ("192.168.0.256", Kind::Query),
            ("foo.invalid", Kind::Query),
            ("foo/", Kind::Url),
            ("http://foo", Kind::Url),
            ("https://foo.com", Kind::Url),
            ("http://example/", Kind::Url),
        ];
        for (t, k) in cases {
            assert_eq!(kind(t), *k, "{t:?}");
        }
    }

    #[test]
    fn a_host_gets_http_and_is_marked_schemeless() {
        let t = classify("example.com", Engine::Google);
        assert_eq!(
            t.action,
            Action::Navigate {
                url: "http://example.com/".into(),
                schemeless: true
            }
        );
        assert!(classify("https://example.com/", Engine::Google).is_plain_url());
    }

    #[test]
    fn a_search_goes_to_the_engine() {
        let t = classify("what is dns", Engine::Google);
        assert_eq!(
            t.url(),
            Some("https://www.google.com/search?q=what+is+dns&sourceid=chrome&ie=UTF-8")
        );
        assert_eq!(
            classify("cats", Engine::DuckDuckGo).url(),
            Some("https://duckduckgo.com/?q=cats")
        );
        assert_eq!(
            classify("a&b=c", Engine::Bing).url(),
            Some("https://www.bing.com/search?q=a%26b%3Dc&PC=U316&FORM=CHROMN")
        );
    }

    #[test]
    fn the_tld_list_is_sorted_lower_case_ascii() {
        let lines: Vec<&str> = TLDS.lines().collect();
        assert!(lines.len() > 1000);
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        assert!(lines.iter().all(|l| l
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')));
    }
}
