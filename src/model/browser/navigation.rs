//! The navigation's own steps, around the document's request: what the address bar makes of
//! the typed text (`url.parse`, or a scheme that is not fetched), the page the browser shows when
//! the navigation fails (`nav.error_page`, `nav.interstitial`), the document's origin once it
//! commits (`policy.origin`), and the `PerformanceNavigationTiming` attributes.
//!
//! The engine ([`crate::model::load`]) emits these for the document of every load; the journey
//! ([`crate::model::journey`]) is that load's document request.

use crate::model::connection::Failure;
use crate::model::step::steps;
use crate::model::time::Instant;
use crate::model::trace::{Actor, Event};
use crate::model::url::{Origin, Parsed, UrlError};
use serde::Serialize;

/// How the journey ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The page loaded.
    Ok,
    /// The scheme is not fetched over the network.
    NotFetched { scheme: String, reason: String },
    /// The navigation failed; `code` is Chromium's name for the error.
    Error {
        code: String,
        net_error: Option<i32>,
        message: String,
    },
}

impl Outcome {
    /// `ok`, `not fetched: ...` or `error: CODE: message`, as the CLI prints it.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Ok => "ok".to_string(),
            Outcome::NotFetched { reason, .. } => format!("not fetched: {reason}"),
            Outcome::Error { code, message, .. } => format!("error: {code}: {message}"),
        }
    }
}

/// The navigation's `PerformanceNavigationTiming` attributes, in milliseconds from the start of
/// the navigation (Navigation Timing Level 2). Attributes that do not apply are 0, as in the API.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    pub start_time: f64,
    /// Zero unless every redirect stayed on the document's origin (Navigation Timing Level 2
    /// §4 `redirectStart`, `redirectEnd`, `redirectCount`).
    pub redirect_start: f64,
    pub redirect_end: f64,
    pub redirect_count: u32,
    pub fetch_start: f64,
    pub domain_lookup_start: f64,
    pub domain_lookup_end: f64,
    pub connect_start: f64,
    pub secure_connection_start: f64,
    pub connect_end: f64,
    pub request_start: f64,
    pub response_start: f64,
    pub response_end: f64,
    pub dom_interactive: f64,
    pub dom_content_loaded_event_start: f64,
    pub dom_content_loaded_event_end: f64,
    pub dom_complete: f64,
    pub load_event_start: f64,
    pub load_event_end: f64,
}

impl Timing {
    /// (name, value) in the order of the specification's processing model.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("startTime", self.start_time),
            ("redirectStart", self.redirect_start),
            ("redirectEnd", self.redirect_end),
            ("fetchStart", self.fetch_start),
            ("domainLookupStart", self.domain_lookup_start),
            ("domainLookupEnd", self.domain_lookup_end),
            ("connectStart", self.connect_start),
            ("secureConnectionStart", self.secure_connection_start),
            ("connectEnd", self.connect_end),
            ("requestStart", self.request_start),
            ("responseStart", self.response_start),
            ("responseEnd", self.response_end),
            ("domInteractive", self.dom_interactive),
            (
                "domContentLoadedEventStart",
                self.dom_content_loaded_event_start,
            ),
            (
                "domContentLoadedEventEnd",
                self.dom_content_loaded_event_end,
            ),
            ("domComplete", self.dom_complete),
            ("loadEventStart", self.load_event_start),
            ("loadEventEnd", self.load_event_end),
        ]
    }
}

/// The address bar's `url.parse` step for the typed `input`, at the start.
pub fn parse_event(input: &str, parsed: Result<&Parsed, &UrlError>) -> Event {
    let e = Event::new(
        Instant::ZERO,
        Actor::Browser,
        steps::URL_PARSE,
        match parsed {
            Ok(p) => format!("parsed {}", p.getters.href),
            Err(e) => format!("not a valid URL: {}", e.message),
        },
    )
    .field("input", input);
    let p = match parsed {
        Ok(p) => p,
        Err(err) => {
            return e
                .field("error", &err.message)
                .note("what_a_browser_does", "treats the text as a search query")
        }
    };
    let port_text = if p.getters.port.is_empty() {
        p.default_port
            .map_or("none".to_string(), |d| format!("{d} (default, implied)"))
    } else {
        p.getters.port.clone()
    };
    let mut e = e
        .field("href", &p.getters.href)
        .field("scheme", p.getters.protocol.trim_end_matches(':'))
        .field("host", &p.getters.hostname)
        .field("port", port_text)
        .field("path", &p.getters.pathname)
        .field("query", &p.getters.search)
        .field(
            "fragment",
            format!("{} (stays in the browser)", p.getters.hash),
        )
        .field_spec("origin", origin_tuple(&p.origin), "HTML §7.1.1");
    for c in &p.changes {
        e = e.field("normalised", &c.note);
    }
    e
}

/// `(scheme, host, port)`, or `opaque`.
fn origin_tuple(o: &Origin) -> String {
    match o {
        Origin::Tuple { scheme, host, port } => format!("({scheme}, {host}, {port})"),
        Origin::Opaque => "opaque".to_string(),
    }
}

/// A scheme the browser does not fetch over the network: the step and the outcome.
pub fn not_fetched(p: &Parsed) -> (Event, Outcome) {
    let scheme = p.getters.protocol.trim_end_matches(':').to_string();
    let reason = match scheme.as_str() {
        "data" => "a data: URL carries its content in the URL itself: nothing to fetch",
        "javascript" => {
            "a javascript: URL runs its code in the current page instead of loading a new one"
        }
        "about" => "about: pages are built into the browser",
        "file" => "a file: URL is read from the local disk, without DNS, TCP, TLS or HTTP",
        "blob" => "a blob: URL points at data already in this browser's memory",
        "ws" | "wss" => "WebSockets start from a page's script, not from the address bar",
        _ => "the browser hands this scheme to another application or refuses it",
    };
    let e = Event::new(
        Instant::ZERO,
        Actor::Browser,
        steps::URL_NOT_FETCHED,
        format!("{scheme}: is not fetched over the network"),
    )
    .field("scheme", &scheme)
    .field("why", reason)
    .field(
        "origin",
        if p.origin == Origin::Opaque {
            "opaque: never same-origin with a web site"
        } else {
            "a tuple origin"
        },
    );
    (
        e,
        Outcome::NotFetched {
            scheme,
            reason: reason.to_string(),
        },
    )
}

/// The document commits when its first bytes arrive: its origin becomes the page's origin.
pub fn origin_event(at: Instant, p: &Parsed) -> Event {
    Event::new(
        at,
        Actor::Browser,
        steps::POLICY_ORIGIN,
        format!("the document's origin is {}", p.getters.origin),
    )
    .field_spec("origin", origin_tuple(&p.origin), "HTML §7.1.1")
    .field("serialized", &p.getters.origin)
    .note(
        "same-origin means",
        "same scheme, same host, same port: all three",
    )
    .note(
        "cookies",
        "are scoped by host and path instead (RFC 6265), so the port does not separate them",
    )
}

/// The page the browser shows when the navigation to `host` fails with `f` at `at`: Chromium's
/// error page, or its certificate interstitial; and the outcome.
pub fn failure(f: Failure, at: Instant, host: &str) -> (Event, Outcome) {
    let (code, net, message, step) = match f {
        Failure::Dns => (
            "ERR_NAME_NOT_RESOLVED",
            Some(-105),
            format!("{host}'s server IP address could not be found"),
            steps::NAV_ERROR_PAGE,
        ),
        Failure::Refused => (
            "ERR_CONNECTION_REFUSED",
            Some(-102),
            format!("{host} refused to connect"),
            steps::NAV_ERROR_PAGE,
        ),
        Failure::QuicIdle => (
            "ERR_QUIC_PROTOCOL_ERROR",
            Some(-356),
            format!("{host} did not answer over QUIC"),
            steps::NAV_ERROR_PAGE,
        ),
        Failure::Cert(e) => (
            e.chromium_name(),
            Some(e.chromium_code()),
            "Your connection is not private".to_string(),
            steps::NAV_INTERSTITIAL,
        ),
        Failure::Internal(what) => (
            "INTERNAL",
            None,
            format!("the model could not continue: {what}"),
            steps::NAV_ERROR_PAGE,
        ),
    };
    let mut e =
        Event::new(at, Actor::Browser, step, format!("{code}: {message}")).field("error", code);
    if let Some(n) = net {
        e = e.field_spec("net_error", n, "Chromium net/base/net_error_list.h");
    }
    if step == steps::NAV_INTERSTITIAL {
        e = e
            .note("page_title", "Privacy error")
            .note("heading", "Your connection is not private")
            .field("text", format!("Attackers might be trying to steal your information from {host} (for example, passwords, messages or credit cards)."))
            .note("buttons", "Back to safety · Advanced → Proceed to the site (unsafe)");
    } else {
        e = e
            .field("page_title", host)
            .note("heading", "This site can't be reached");
    }
    (
        e,
        Outcome::Error {
            code: code.to_string(),
            net_error: net,
            message,
        },
    )
}
