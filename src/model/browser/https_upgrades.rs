//! https before http: the address bar's verdict on the typed text, then HSTS and
//! HTTPS-Upgrades turning an `http://` navigation into `https://` before any request leaves,
//! and HTTPS-Upgrades' fallback to `http://` when the https attempt fails.
//!
//! The order is Chromium's: the omnibox ([`crate::model::omnibox`]) makes a URL of the text;
//! HSTS ([`crate::model::hsts`]) is asked first, in the network stack
//! (`URLRequestHttpJob::Create`, net/url_request/url_request_http_job.cc); HTTPS-Upgrades
//! (`HttpsUpgradesInterceptor::MaybeCreateLoader`, chrome/browser/ssl/https_upgrades_interceptor.cc)
//! leaves a host HSTS already covers to it. Both answer with an internal `307` that costs no
//! network time; HTTPS-Upgrades falls back with another when the https attempt fails with a
//! network or certificate error (`MaybeCreateLoaderForResponse`), never on an HTTP status.
//!
//! Left out: HTTPS-First Mode's interstitial (off by default), the 3-second fallback timer
//! (typed navigations without a scheme do not fall back on a timeout,
//! `kHttpsUpgradesTypedSchemelessNavigationNoTimeoutFallback`), the allowlist a fallback
//! leaves for later visits, and upgrades of sub-resources (mixed content).

use crate::model::hsts::{self, Rule};
use crate::model::omnibox::{self, Action, Typed};
use crate::model::step::steps;
use crate::model::time::Instant;
use crate::model::trace::{Actor, Event};
use crate::model::url::Parsed;

const INTERCEPTOR: &str = "Chromium chrome/browser/ssl/https_upgrades_interceptor.cc";

/// What turns the navigation's `http://` URL into `https://`, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// The host is on the HSTS list: the network stack's internal redirect.
    Hsts(Rule),
    /// HTTPS-Upgrades: an internal redirect, with the `http://` URL kept for a fallback.
    HttpsUpgrades,
}

/// Why HTTPS-Upgrades leaves an `http://` navigation alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exempt {
    /// `http://` was typed: the user asked for it (`force_no_https_upgrade`).
    TypedHttp,
    Localhost,
    IpAddress,
    /// A single label or a name under no public top-level domain (`IsHostnameNonUnique`).
    NonUnique,
    /// A port other than 80 (`url.has_port()`).
    Port,
    /// The setting is off (`prefs::kHttpsUpgradesEnabled`).
    Disabled,
    /// Not a GET: a form's POST goes as it is (only main-frame GET navigations are upgraded).
    NotGet,
}

impl Exempt {
    pub fn describe(self) -> &'static str {
        match self {
            Exempt::TypedHttp => "http:// was typed explicitly, so the browser keeps it",
            Exempt::Localhost => "localhost is never upgraded",
            Exempt::IpAddress => "an IP address is never upgraded",
            Exempt::NonUnique => {
                "the name is not unique on the internet (one label, or a reserved or private top-level domain)"
            }
            Exempt::Port => "a port other than 80 is kept as it is",
            Exempt::Disabled => "HTTPS-Upgrades is turned off",
            Exempt::NotGet => "only GET navigations are upgraded: a form's POST goes as it is",
        }
    }
}

/// The decision for the navigation to `url` (what the omnibox gave, or a link's or a form's
/// URL): HSTS first, then HTTPS-Upgrades with its exemptions. `typed_http`: `http://` was
/// typed explicitly; `get`: the navigation's method is GET.
pub fn decide(
    url: &Parsed,
    typed_http: bool,
    get: bool,
    hsts: &hsts::State,
    https_upgrades: bool,
) -> Result<Upgrade, Option<Exempt>> {
    if url.getters.protocol != "http:" {
        return Err(None);
    }
    let host = url.getters.hostname.as_str();
    if let Some(rule) = hsts.should_upgrade(host) {
        return Ok(Upgrade::Hsts(rule));
    }
    let exempt = if !https_upgrades {
        Exempt::Disabled
    } else if typed_http {
        Exempt::TypedHttp
    } else if !get {
        Exempt::NotGet
    } else if host == "localhost" || host.ends_with(".localhost") {
        Exempt::Localhost
    } else if host.parse::<std::net::Ipv4Addr>().is_ok() || host.starts_with('[') {
        Exempt::IpAddress
    } else if !omnibox::is_unique_host(host) {
        Exempt::NonUnique
    } else if !url.getters.port.is_empty() {
        Exempt::Port
    } else {
        return Ok(Upgrade::HttpsUpgrades);
    };
    Err(Some(exempt))
}

/// `url` with the scheme `https` (its port, if any, kept).
pub fn to_https(url: &Parsed) -> Option<Parsed> {
    let rest = url.getters.href.strip_prefix("http://")?;
    crate::model::url::parse(&format!("https://{rest}"), None).ok()
}

/// The omnibox's step, for text that was not typed as a URL with its scheme.
pub fn omnibox_event(input: &str, typed: &Typed) -> Event {
    let (title, goes) = match &typed.action {
        Action::Nothing => ("nothing to go to".to_string(), String::new()),
        Action::Navigate { url, .. } => (format!("a URL without a scheme: {url}"), url.clone()),
        Action::Search { terms, engine, url } => (
            format!("a search for \"{terms}\" on {}", engine.label()),
            url.clone(),
        ),
    };
    let mut e = Event::new(Instant::ZERO, Actor::Browser, steps::URL_OMNIBOX, title)
        .field("input", input)
        .field_spec(
            "type",
            typed.kind.name(),
            "Chromium AutocompleteInput::Parse",
        )
        .field("why", typed.why);
    if let Action::Navigate {
        schemeless: true, ..
    } = typed.action
    {
        e = e.note(
            "scheme",
            "none typed: the omnibox adds http://, and the navigation is marked as typed without a scheme",
        );
    }
    if let Action::Search { engine, .. } = typed.action {
        e = e.field("search_engine", engine.label()).note(
            "template",
            "the engine's prepopulated search URL, the terms form-encoded",
        );
    }
    if !goes.is_empty() {
        e = e.field("goes_to", goes);
    }
    e
}

/// The internal redirect to `to`, at `at` (the navigation's start, or a redirect's hop).
pub fn upgrade_event(at: Instant, from: &Parsed, to: &Parsed, upgrade: &Upgrade) -> Event {
    let (step, reason, title) = match upgrade {
        Upgrade::Hsts(_) => (steps::URL_HSTS, "HSTS", "HSTS"),
        Upgrade::HttpsUpgrades => (steps::URL_HTTPS_UPGRADE, "HttpsUpgrades", "HTTPS-Upgrades"),
    };
    let e = Event::new(
        at,
        Actor::Browser,
        step,
        format!("{title}: 307 Internal Redirect to {}", to.getters.href),
    )
    .field("from", &from.getters.href)
    .field(
        "status",
        "307 Internal Redirect (made by the browser; nothing is sent)",
    )
    .field("location", &to.getters.href)
    .field("non_authoritative_reason", reason);
    match upgrade {
        Upgrade::Hsts(rule) => e
            .field_spec("rule", rule.describe(), "RFC 6797 §8.2")
            .note("source", hsts::PRELOAD_SOURCE),
        Upgrade::HttpsUpgrades => e
            .field("fallback", format!("{} if https fails", from.getters.href))
            .note("source", INTERCEPTOR),
    }
}

/// HTTPS-Upgrades gives up on https at `at`, after `error`, and goes to `to`.
pub fn fallback_event(at: Instant, error: &str, to: &Parsed) -> Event {
    Event::new(
        at,
        Actor::Browser,
        steps::URL_HTTPS_FALLBACK,
        format!(
            "https failed ({error}): 307 Internal Redirect to {}",
            to.getters.href
        ),
    )
    .field("error", error)
    .field("location", &to.getters.href)
    .field("non_authoritative_reason", "HttpsUpgrades")
    .note(
        "remembered",
        "Chromium then allows http for the host for a week, so its next visit skips the https attempt (the model does not carry that over)",
    )
    .note("source", INTERCEPTOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(u: &str) -> Parsed {
        crate::model::url::parse(u, None).unwrap()
    }

    #[test]
    fn hsts_comes_first_then_https_upgrades_with_its_exemptions() {
        let s = hsts::State::default();
        // `schemeless`: typed without a scheme (so not an explicit http://).
        let d = |u: &str, schemeless: bool| decide(&parsed(u), !schemeless, true, &s, true);
        assert!(matches!(d("http://web.dev/", false), Ok(Upgrade::Hsts(_))));
        assert_eq!(d("http://example.com/", true), Ok(Upgrade::HttpsUpgrades));
        assert_eq!(
            d("http://example.com/", false),
            Err(Some(Exempt::TypedHttp))
        );
        assert_eq!(d("http://localhost/", true), Err(Some(Exempt::Localhost)));
        assert_eq!(d("http://10.0.0.1/", true), Err(Some(Exempt::IpAddress)));
        assert_eq!(
            d("http://news.example/", true),
            Err(Some(Exempt::NonUnique))
        );
        assert_eq!(d("http://intranet/", true), Err(Some(Exempt::NonUnique)));
        assert_eq!(d("http://example.com:8080/", true), Err(Some(Exempt::Port)));
        assert_eq!(d("https://example.com/", true), Err(None));
        assert_eq!(
            decide(&parsed("http://example.com/"), false, true, &s, false),
            Err(Some(Exempt::Disabled))
        );
        // A link's http:// URL is upgraded; a form's POST is not, but HSTS still applies.
        let link = decide(&parsed("http://example.com/"), false, true, &s, true);
        assert_eq!(link, Ok(Upgrade::HttpsUpgrades));
        let post = decide(&parsed("http://example.com/"), false, false, &s, true);
        assert_eq!(post, Err(Some(Exempt::NotGet)));
        let hsts_post = decide(&parsed("http://web.dev/"), false, false, &s, true);
        assert!(matches!(hsts_post, Ok(Upgrade::Hsts(_))));
    }

    #[test]
    fn https_keeps_the_rest_of_the_url() {
        let u = to_https(&parsed("http://example.com:8080/a?b#c")).unwrap();
        assert_eq!(u.getters.href, "https://example.com:8080/a?b#c");
        assert!(to_https(&parsed("https://example.com/")).is_none());
    }
}
