//! HTTP Strict Transport Security (RFC 6797): hosts the browser reaches only over https.
//!
//! A host is known to be HSTS in two ways, and this module holds both:
//! - **preloaded**: compiled into the browser ([`PRELOADED`], a few real entries of Chromium's
//!   `net/http/transport_security_state_static.json`), so even the first visit never goes out
//!   over plain http;
//! - **learned**: an https response without certificate errors said
//!   `Strict-Transport-Security: max-age=…` ([`parse_header`], RFC 6797 §6.1), and the browser
//!   remembers it for that long (at most a year, Chromium's `kMaxHSTSAgeSecs`).
//!
//! Before a navigation to `http://host` (or one of its redirects) leaves, the browser asks
//! [`State::should_upgrade`]; a yes turns the request into an internal `307` redirect to
//! `https://host` that never touches the network (Chromium's `URLRequestHttpJob` answers it with a `URLRequestRedirectJob`, status
//! text "Internal Redirect", `Non-Authoritative-Reason: HSTS`).
//!
//! Left out: the same upgrade for a page's sub-resources (Chromium does it for every
//! request; the model only for the document's), public-key pinning (the preload list's
//! `pins`), the `expect-ct` fields, and the state's persistence on disk between sessions (the
//! scenario says what an earlier visit left).

use std::fmt;

/// Chromium caps a header's `max-age` at one year (`kMaxHSTSAgeSecs`,
/// net/http/http_security_headers.h).
pub const MAX_AGE_CAP_S: u64 = 86_400 * 365;

/// Where a rule comes from.
pub const PRELOAD_SOURCE: &str = "https://source.chromium.org/chromium/chromium/src/+/main:net/http/transport_security_state_static.json";

/// One rule: the host, and whether it covers the host's subdomains too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub host: String,
    pub include_subdomains: bool,
    pub from: Source,
}

/// Why the browser knows the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// In the browser's built-in preload list.
    Preloaded,
    /// A `Strict-Transport-Security` header, seen `age_s` seconds before the visit, valid for
    /// `max_age_s`.
    Learned { max_age_s: u64, age_s: u64 },
}

/// A preloaded entry: (name, include_subdomains), as in Chromium's preload list.
type Preload = (&'static str, bool);

/// Real `force-https` entries of Chromium's preload list, as read in its
/// `transport_security_state_static.json` (chromium/chromium at 007cea81): the top-level
/// domains their registries run HTTPS-only (`"policy": "public-suffix"`, every name under them),
/// and some Google hosts a learner may type. `google.com` itself is not there (its entry only
/// pins keys, so `http://google.com` goes out and is redirected by the server); neither are the
/// `.example` hosts the presets use (reserved for documentation, RFC 2606).
pub const PRELOADED: &[Preload] = &[
    ("android", true),
    ("app", true),
    ("bank", true),
    ("chrome", true),
    ("dev", true),
    ("foo", true),
    ("gle", true),
    ("gmail", true),
    ("google", true),
    ("hangout", true),
    ("insurance", true),
    ("meet", true),
    ("new", true),
    ("page", true),
    ("play", true),
    ("search", true),
    ("youtube", true),
    ("accounts.google.com", true),
    ("mail.google.com", true),
    ("gmail.com", false),
    ("youtube.com", true),
];

/// What the browser knows about strict transport security.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Learned rules, in the order they were learned (a later rule for a host replaces it).
    learned: Vec<Rule>,
    /// Extra preloaded hosts (a scenario's knob: "pretend this host is on the list").
    extra_preloaded: Vec<String>,
}

impl State {
    /// Adds `host` to the preload list (a scenario knob).
    pub fn preload(&mut self, host: &str) {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if !self.extra_preloaded.contains(&host) {
            self.extra_preloaded.push(host);
        }
    }

    /// Records a parsed header for `host`, seen `age_s` seconds ago (RFC 6797 §8.1). A
    /// `max-age` of zero removes what was known (§6.1.1).
    pub fn learn(&mut self, host: &str, h: Header, age_s: u64) {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.learned.retain(|r| r.host != host);
        if h.max_age_s == 0 || age_s >= h.max_age_s {
            return;
        }
        self.learned.push(Rule {
            host,
            include_subdomains: h.include_subdomains,
            from: Source::Learned {
                max_age_s: h.max_age_s,
                age_s,
            },
        });
    }

    /// Adds what `other` knows (its learned rules replace this one's for the same host).
    pub fn merge(&mut self, other: &State) {
        for r in &other.learned {
            self.learned.retain(|x| x.host != r.host);
            self.learned.push(r.clone());
        }
        for h in &other.extra_preloaded {
            self.preload(h);
        }
    }

    /// The same rules `s` seconds later: each learned rule is that much older, and one older
    /// than its max-age is gone.
    pub fn age_by(&mut self, s: u64) {
        for r in &mut self.learned {
            if let Source::Learned { age_s, .. } = &mut r.from {
                *age_s = age_s.saturating_add(s);
            }
        }
        self.learned.retain(
            |r| matches!(r.from, Source::Learned { max_age_s, age_s } if age_s < max_age_s),
        );
    }

    /// The rule that makes `http://host` go to https, if any (RFC 6797 §8.2: the host itself,
    /// or a superdomain whose rule includes subdomains). An IP address never matches (§8.1.1).
    /// Learned rules are asked first, then the preload list (Chromium's dynamic state, then
    /// its static one): a learned rule for a name does not hide a preloaded one that covers
    /// the host's subdomains.
    pub fn should_upgrade(&self, host: &str) -> Option<Rule> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return None;
        }
        self.find(&host, |name| self.learned(name))
            .or_else(|| self.find(&host, |name| self.preloaded(name)))
    }

    /// The first rule `rule_of` gives for `host` or a superdomain, where it applies.
    fn find(&self, host: &str, rule_of: impl Fn(&str) -> Option<Rule>) -> Option<Rule> {
        let mut name = host;
        loop {
            let exact = name.len() == host.len();
            if let Some(r) = rule_of(name).filter(|r| exact || r.include_subdomains) {
                return Some(r);
            }
            match name.split_once('.') {
                Some((_, rest)) if !rest.is_empty() => name = rest,
                _ => return None,
            }
        }
    }

    fn learned(&self, name: &str) -> Option<Rule> {
        self.learned.iter().rev().find(|r| r.host == name).cloned()
    }

    fn preloaded(&self, name: &str) -> Option<Rule> {
        let preloaded = |include_subdomains| Rule {
            host: name.to_string(),
            include_subdomains,
            from: Source::Preloaded,
        };
        if let Some((_, sub)) = PRELOADED.iter().find(|(n, _)| *n == name) {
            return Some(preloaded(*sub));
        }
        self.extra_preloaded
            .iter()
            .any(|h| h == name)
            .then(|| preloaded(false))
    }
}

impl Rule {
    /// In plain words, for the inspector.
    pub fn describe(&self) -> String {
        let scope = if self.include_subdomains {
            format!("{} and every subdomain", self.host)
        } else {
            self.host.clone()
        };
        match &self.from {
            Source::Preloaded => format!("{scope}: on the browser's built-in HSTS preload list"),
            Source::Learned { max_age_s, age_s } => format!(
                "{scope}: learned from a Strict-Transport-Security header {} ago, for {} (max-age={max_age_s})",
                crate::model::text::duration_words(*age_s),
                crate::model::text::duration_words(*max_age_s),
            ),
        }
    }
}

/// A valid `Strict-Transport-Security` header's directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Seconds, capped at [`MAX_AGE_CAP_S`].
    pub max_age_s: u64,
    pub include_subdomains: bool,
}

/// Why a header was ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Parses a `Strict-Transport-Security` value (RFC 6797 §6.1): `;`-separated directives, each a
/// token with an optional `=` and a token or quoted-string value; names are case-insensitive;
/// `max-age` (delta-seconds) is required; `includeSubDomains` takes no value; each directive
/// appears at most once; unknown directives are ignored. A header that breaks any of these is
/// ignored as a whole (§8.1).
pub fn parse_header(value: &str) -> Result<Header, Invalid> {
    let mut max_age = None;
    let mut include_subdomains = false;
    let mut seen_include = false;
    for d in split_directives(value)? {
        let d = d.trim_matches(is_ws);
        if d.is_empty() {
            continue;
        }
        let (name, v) = match d.split_once('=') {
            Some((n, v)) => (n.trim_matches(is_ws), Some(v.trim_matches(is_ws))),
            None => (d, None),
        };
        if !is_token(name) {
            return Err(Invalid("a directive's name is not a token"));
        }
        let v = v.map(directive_value).transpose()?;
        if name.eq_ignore_ascii_case("max-age") {
            let v = v.ok_or(Invalid("max-age has no value"))?;
            if max_age.replace(delta_seconds(&v)?).is_some() {
                return Err(Invalid("max-age appears twice"));
            }
        } else if name.eq_ignore_ascii_case("includesubdomains") {
            if v.is_some() {
                return Err(Invalid("includeSubDomains takes no value"));
            }
            if std::mem::replace(&mut seen_include, true) {
                return Err(Invalid("includeSubDomains appears twice"));
            }
            include_subdomains = true;
        }
    }
    let max_age_s = max_age.ok_or(Invalid("there is no max-age directive"))?;
    Ok(Header {
        max_age_s,
        include_subdomains,
    })
}

/// The value split at the `;`s outside quoted strings.
fn split_directives(value: &str) -> Result<Vec<&str>, Invalid> {
    let mut out = vec![];
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match (quoted, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => quoted = !quoted,
            (false, _, ';') => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(Invalid("a quoted string is not closed"));
    }
    out.push(&value[start..]);
    Ok(out)
}

/// A directive's value: a token, or a quoted string unquoted.
fn directive_value(v: &str) -> Result<String, Invalid> {
    if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => return Err(Invalid("a quote inside a quoted string")),
                c => out.push(c),
            }
        }
        return Ok(out);
    }
    if is_token(v) {
        Ok(v.to_string())
    } else {
        Err(Invalid(
            "a directive's value is neither a token nor a quoted string",
        ))
    }
}

/// RFC 9110 §5.6.7 delta-seconds: digits only, capped.
fn delta_seconds(v: &str) -> Result<u64, Invalid> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid("max-age is not a whole number of seconds"));
    }
    // Too many digits for u64 is still a (huge) number: the cap applies.
    Ok(v.parse::<u64>().unwrap_or(u64::MAX).min(MAX_AGE_CAP_S))
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// RFC 9110 §5.6.2 token.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The cases of Chromium's net/http/http_security_headers_unittest.cc.
    #[test]
    fn chromium_valid_headers() {
        let cases: &[(&str, u64, bool)] = &[
            ("max-age=243", 243, false),
            ("max-age=3488923;", 3488923, false),
            ("  Max-agE    = 567", 567, false),
            ("  mAx-aGe    = 890      ", 890, false),
            ("max-age=123;incLudesUbdOmains", 123, true),
            ("incLudesUbdOmains; max-age=123", 123, true),
            (
                "   incLudesUbdOmains; max-age=123; pumpkin=kitten",
                123,
                true,
            ),
            (
                "   pumpkin=894; incLudesUbdOmains; max-age=123  ",
                123,
                true,
            ),
            (
                "   pumpkin; incLudesUbdOmains; max-age=\"123\"  ",
                123,
                true,
            ),
            (
                "animal=\"squirrel; distinguished\"; incLudesUbdOmains; max-age=123",
                123,
                true,
            ),
            ("max-age=39408299  ;incLudesUbdOmains", MAX_AGE_CAP_S, true),
            (
                ";;    ; ; max-age=394082038;;; includeSubdomains     ;;  ;",
                MAX_AGE_CAP_S,
                true,
            ),
            ("  max-age=0  ;  incLudesUbdOmains   ", 0, true),
            (
                "  max-age=999999999999999999999999999999999999999999999  ;  incLudesUbdOmains   ",
                MAX_AGE_CAP_S,
                true,
            ),
            (";;;;max-age=123;;;;", 123, false),
            ("; ; max-age=123; ; ", 123, false),
        ];
        for (v, age, sub) in cases {
            assert_eq!(
                parse_header(v),
                Ok(Header {
                    max_age_s: *age,
                    include_subdomains: *sub
                }),
                "{v}"
            );
        }
    }

    #[test]
    fn chromium_invalid_headers() {
        for v in [
            "",
            "    ",
            "abc",
            "max-age",
            "max-age=",
            "   max-age  =     xy",
            "max-age=3488a923  ",
            "max-ag=3488923",
            "max-aged=3488923",
            "max-age==3488923",
            "max-age=-3488923",
            "max-age=+3488923",
            "max-age=13####",
            "max-age=3488923     e",
            "max-age=3488923includesubdomains",
            "max-age=34889 includesubdomains",
            "max-age=34889.23 includesubdomains",
            ";;;; includeSubDomains;;;",
            ";",
            "max-age; ;",
            "'max-age'=1",
            "\"max-age\"=1",
            "max-age=1; max-age=2",
            "max-age=1; MaX-AgE=2",
            "max-age=1; includeSubDomains; iNcLUdEsUbDoMaInS",
            "max-age=1; \"",
            "max-age=1; in\"cludeSubdomains",
            "max-age=1; \"includeSubdomains\"",
            "max-age=1; includeSubdomains; non@token",
            "max-age=1; includeSubdomains; non,token",
            "max-age=1; =2",
            "max-age=1.5;",
            "max-age='1';",
            "max-age=1; includeSubDomains=true",
            "max-age=1; includeSubDomains=\"\"",
            "max-age=1; unknownDirective=non@token",
            "max-age=1; unknownDirective=",
        ] {
            assert!(parse_header(v).is_err(), "{v:?} should be refused");
        }
    }

    #[test]
    fn preloaded_tld_covers_every_host_under_it() {
        let s = State::default();
        let r = s.should_upgrade("web.dev").expect("dev is preloaded");
        assert_eq!((r.host.as_str(), r.from), ("dev", Source::Preloaded));
        assert!(s.should_upgrade("www.example.com").is_none());
        assert!(s.should_upgrade("google.com").is_none(), "pins only");
        assert!(
            s.should_upgrade("www.gmail.com").is_none(),
            "gmail.com only"
        );
        assert!(s.should_upgrade("gmail.com").is_some());
        assert!(s.should_upgrade("news.example").is_none());
        assert!(s.should_upgrade("127.0.0.1").is_none());
    }

    #[test]
    fn learned_rules_follow_max_age_and_subdomains() {
        let mut s = State::default();
        let h = parse_header("max-age=31536000").unwrap();
        s.learn("www.example.com", h, 3600);
        assert!(s.should_upgrade("www.example.com").is_some());
        assert!(s.should_upgrade("a.www.example.com").is_none());
        s.learn(
            "example.com",
            parse_header("max-age=60; includeSubDomains").unwrap(),
            0,
        );
        assert!(s.should_upgrade("a.example.com").is_some());
        s.learn("example.com", parse_header("max-age=0").unwrap(), 0);
        assert!(s.should_upgrade("a.example.com").is_none());
        // Expired: seen longer ago than its max-age.
        s.learn("old.example", parse_header("max-age=10").unwrap(), 11);
        assert!(s.should_upgrade("old.example").is_none());
        s.preload("intranet.example");
        assert!(s.should_upgrade("intranet.example").is_some());
        assert!(s.should_upgrade("a.intranet.example").is_none());
        // A learned rule for a name does not hide the preload list's rule above it.
        s.learn("youtube.com", parse_header("max-age=300").unwrap(), 0);
        assert!(s.should_upgrade("www.youtube.com").is_some());
        // A trailing dot is the same name.
        s.learn("dot.example.", parse_header("max-age=300").unwrap(), 0);
        assert!(s.should_upgrade("dot.example").is_some());
    }
}
