//! HTTP/1.1 as the browser writes it and the modelled server answers: RFC 9110 and RFC 9112.
//!
//! The navigation request carries the headers Chromium sends for a top-level navigation, and
//! a page's request (a sub-resource, a `fetch()`, a preflight) its own set, in the order and
//! with the values Chromium 156 sent over HTTP/1.1 in the recordings of
//! `../shared/conformance/chromium-recordings/` ([`Kind`]): `Accept` by destination, the Fetch
//! Metadata (`Sec-Fetch-Site`, `-Mode`, `-Dest`, `-User`) only to a potentially trustworthy URL,
//! `br` and `zstd` offered only over https, the `sec-ch-ua` client hints to a potentially
//! trustworthy URL. The fields a script, CORS or the cache add go where a loopback server
//! received them from Chromium 156 (`cargo xtask fidelity`, docs/fidelity.md): `Content-Length`
//! after `Connection`, the script's own after `User-Agent`, `Origin` after `Accept`, the cache's
//! validators last; an `<iframe>` is requested as a navigation. Left out: the fields of
//! Chromium's storage-access and third-party-cookie rules (`Sec-Fetch-Storage-Access`). The
//! server is a small program with a session cookie: it recognises a returning session or starts one, answers a conditional request with
//! 304 when its validator still matches, and labels the page with cache headers.
//!
//! Transfer time uses TCP slow start without loss (RFC 5681 §3.1) from an initial window of ten
//! segments (RFC 6928): the sender may have 10 segments in flight in the first round trip, 20 in
//! the second, and so on, and the body also takes its size divided by the bandwidth.
//!
//! Left out: HTTP/2 and HTTP/3 (the page-load work models them), compression, chunked encoding,
//! redirects and 1xx responses.

use crate::model::cache::Headers;
use crate::model::time::Duration;

/// The reduced User-Agent of Chromium on Linux: only the major version is real.
pub const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
/// Chromium's Accept header for a navigation (as Chromium 156 sent it in the h1-mixed
/// recording of `../shared/conformance/chromium-recordings/`).
pub const ACCEPT_NAVIGATION: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
/// Chromium's Accept for an image and for a stylesheet (the same recording).
pub const ACCEPT_IMAGE: &str =
    "image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
pub const ACCEPT_STYLE: &str = "text/css,*/*;q=0.1";
/// Chromium's default User-Agent client hints (the low-entropy ones every request to a
/// potentially trustworthy URL carries, lower-case as Chromium writes them), as Chromium 156
/// on Linux sent them in the h2-tls recording: the brand list with its GREASE brand, mobile or
/// not, the platform.
pub const CLIENT_HINTS: [(&str, &str); 3] = [
    (
        "sec-ch-ua",
        "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"",
    ),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", "\"Linux\""),
];

/// What a request is, for the header fields Chromium writes for it: Fetch Metadata
/// (`Sec-Fetch-*`, only to a potentially trustworthy URL: `SetFetchMetadataHeaders`,
/// services/network/sec_header_helpers.cc), `Accept` by destination, and `Accept-Encoding`
/// (brotli and zstd only over https, as the recordings show).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub dest: Dest,
    pub mode: Mode,
    pub site: FetchSite,
    /// https, or a loopback host: `network::IsUrlPotentiallyTrustworthy`.
    pub trustworthy: bool,
    pub https: bool,
    /// A CORS preflight: `Sec-Fetch-Mode: cors` even to an http URL
    /// (`PreflightController::CreatePreflightRequest`).
    pub preflight: bool,
    /// A navigation's request after a redirect: Chromium adds the client hints again, after
    /// the fields the redirect kept.
    pub redirected: bool,
    /// The API whose request it is, where that changes the fields.
    pub channel: Channel,
}

/// The API a request is made for, where its fields are not Fetch's usual ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Every other request.
    Http,
    /// An `EventSource`'s: `Accept: text/event-stream` (HTML §9.2.2).
    EventSource,
    /// An `XMLHttpRequest`'s: the script's fields come before `User-Agent` (Blink sets them
    /// on the request before the loader adds its own: the fidelity run's Chromium 156).
    Xhr,
    /// A WebSocket's opening handshake (RFC 6455 §4.1): Chromium's own set of fields
    /// ([`websocket_fields`]).
    WebSocket,
}

/// `Sec-Fetch-Dest` (Fetch §3.3.2, "empty" for a destination that is the empty string).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    Document,
    Iframe,
    Image,
    Script,
    Style,
    Font,
    Video,
    Empty,
}

/// `Sec-Fetch-Mode`: the request's mode (`RequestModeToString`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Navigate,
    Cors,
    NoCors,
}

/// `Sec-Fetch-Site`: the request's URL against its initiator's origin; `None` for a
/// navigation the user started (no initiator), even after redirects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchSite {
    None,
    SameOrigin,
    SameSite,
    CrossSite,
}

impl Kind {
    /// A navigation typed into the address bar.
    pub fn typed_navigation(https: bool, trustworthy: bool) -> Kind {
        Kind {
            dest: Dest::Document,
            mode: Mode::Navigate,
            site: FetchSite::None,
            trustworthy,
            https,
            preflight: false,
            redirected: false,
            channel: Channel::Http,
        }
    }

    /// A navigation's request (Fetch's mode `navigate`): a document's or an `<iframe>`'s.
    pub fn is_navigation(&self) -> bool {
        self.mode == Mode::Navigate
    }

    fn accept(&self) -> &'static str {
        if self.channel == Channel::EventSource {
            return "text/event-stream";
        }
        match self.dest {
            Dest::Document | Dest::Iframe => ACCEPT_NAVIGATION,
            Dest::Image => ACCEPT_IMAGE,
            Dest::Style => ACCEPT_STYLE,
            Dest::Script | Dest::Font | Dest::Video | Dest::Empty => "*/*",
        }
    }

    fn accept_encoding(&self) -> &'static str {
        if self.https {
            "gzip, deflate, br, zstd"
        } else {
            "gzip, deflate"
        }
    }

    fn site_text(&self) -> &'static str {
        match self.site {
            FetchSite::None => "none",
            FetchSite::SameOrigin => "same-origin",
            FetchSite::SameSite => "same-site",
            FetchSite::CrossSite => "cross-site",
        }
    }

    fn mode_text(&self) -> &'static str {
        match self.mode {
            Mode::Navigate => "navigate",
            Mode::Cors => "cors",
            Mode::NoCors => "no-cors",
        }
    }

    fn dest_text(&self) -> &'static str {
        match self.dest {
            Dest::Document => "document",
            Dest::Iframe => "iframe",
            Dest::Image => "image",
            Dest::Script => "script",
            Dest::Style => "style",
            Dest::Font => "font",
            Dest::Video => "video",
            Dest::Empty => "empty",
        }
    }
}

/// The RFC 9218 `priority` field Chromium adds to a request over HTTP/2 and HTTP/3
/// (`CreateSpdyHeadersFromHttpRequest`, net/spdy/spdy_http_utils.cc): urgency `HIGHEST -
/// priority` (`ConvertRequestPriorityToQuicPriority`), `i` for an incremental response (a
/// document, an image, a `fetch()`: not a stylesheet, script or font, Blink's
/// `ShouldLoadIncremental`); the defaults (`u=3`, not incremental) are left out, and with
/// both default there is no field. The h2-tls recording shows `u=0, i` for the document,
/// `u=0` for a stylesheet and `i` for an image.
pub fn priority_field(priority: crate::model::pool::Priority, dest: Dest) -> Option<String> {
    let urgency = priority.below_highest();
    let incremental = !matches!(dest, Dest::Style | Dest::Script | Dest::Font);
    match (urgency, incremental) {
        (3, false) => None,
        (3, true) => Some("i".into()),
        (u, false) => Some(format!("u={u}")),
        (u, true) => Some(format!("u={u}, i")),
    }
}

/// The request as an HTTP/2 HEADERS frame lists it: the pseudo-header fields first
/// (`:method`, `:authority`, `:scheme`, `:path`), then the fields in lower case without the
/// connection-specific ones (`Host`, `Connection`: RFC 9113 §8.2.2), then `priority`.
pub fn h2_fields(r: &Request, method: &str, scheme: &str, priority: Option<String>) -> Headers {
    let authority = r.headers.get("host").unwrap_or_default().to_string();
    let mut h = Headers(Vec::with_capacity(r.headers.0.len() + 4))
        .with(":method", method.to_string())
        .with(":authority", authority)
        .with(":scheme", scheme.to_string())
        .with(":path", r.target.clone());
    for (n, v) in &r.headers.0 {
        if n.eq_ignore_ascii_case("host") || n.eq_ignore_ascii_case("connection") {
            continue;
        }
        h = h.with(n.to_ascii_lowercase(), v.clone());
    }
    if let Some(p) = priority {
        h = h.with("priority", p);
    }
    h
}

/// A WebSocket's opening handshake over HTTP/2, an extended CONNECT (RFC 8441 §4) as
/// Chromium writes it (`CreateSpdyHeadersFromHttpRequestForWebSocket`,
/// net/spdy/spdy_http_utils.cc): `:method CONNECT`, `:authority`, `:scheme https`, `:path`,
/// `:protocol websocket`, then the HTTP/1.1 handshake's fields in their order, lower-cased,
/// without `Host`, `Connection`, `Upgrade` and the others HTTP/2 forbids. The request has no
/// `Sec-WebSocket-Key` (RFC 8441 §5: the stream, not a key, proves the handshake) and no
/// `priority` field.
pub fn h2_websocket_fields(r: &Request) -> Headers {
    let authority = r.headers.get("host").unwrap_or_default().to_string();
    let mut h = Headers(Vec::with_capacity(r.headers.0.len() + 5))
        .with(":method", "CONNECT")
        .with(":authority", authority)
        .with(":scheme", "https")
        .with(":path", r.target.clone())
        .with(":protocol", "websocket");
    const SKIPPED: [&str; 6] = [
        "host",
        "connection",
        "upgrade",
        "proxy-connection",
        "transfer-encoding",
        "sec-websocket-key",
    ];
    for (n, v) in &r.headers.0 {
        let lower = n.to_ascii_lowercase();
        if !SKIPPED.contains(&lower.as_str()) {
            h = h.with(lower, v.clone());
        }
    }
    h
}

/// A response as an HTTP/2 HEADERS frame lists it: `:status`, then the fields in lower case
/// without the connection-specific ones HTTP/2 forbids (`Connection`, `Keep-Alive`,
/// `Transfer-Encoding`, `Upgrade`, `Proxy-Connection`: RFC 9113 §8.2.2).
pub fn h2_response_fields(r: &Response) -> Headers {
    let mut h =
        Headers(Vec::with_capacity(r.headers.0.len() + 1)).with(":status", r.status.to_string());
    for (n, v) in &r.headers.0 {
        let lower = n.to_ascii_lowercase();
        if [
            "connection",
            "keep-alive",
            "transfer-encoding",
            "upgrade",
            "proxy-connection",
        ]
        .contains(&lower.as_str())
        {
            continue;
        }
        h = h.with(lower, v.clone());
    }
    h
}

/// `network::IsUrlPotentiallyTrustworthy` for the URLs a page load makes: https, or http to a
/// loopback host.
pub fn potentially_trustworthy(url: &::url::Url) -> bool {
    match url.scheme() {
        "https" | "wss" => true,
        "http" | "ws" => match url.host() {
            Some(::url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(::url::Host::Ipv4(a)) => a.is_loopback(),
            Some(::url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    /// Path and query: the fragment never leaves the browser.
    pub target: String,
    pub headers: Headers,
}

impl Request {
    pub fn request_line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method, self.target)
    }

    /// Bytes on the wire: request line, header fields, the empty line, and the body its
    /// `Content-Length` announces (a form's fields).
    pub fn wire_len(&self) -> u64 {
        // `GET /x HTTP/1.1`: the method, a space, the target, ` HTTP/1.1`.
        let line = self.method.len() + 1 + self.target.len() + 9;
        let body = self
            .headers
            .get("content-length")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        line as u64 + 2 + self.headers.wire_len() + 2 + body
    }
}

/// The `Referer` a request carries under Chromium's default referrer policy,
/// `strict-origin-when-cross-origin` (Referrer Policy §3.7): to the page's own origin the page's
/// URL without its fragment, to another origin the page's origin alone, and nothing from an
/// https page to an http URL. `page_origin` and `to_origin` are serialized origins.
pub fn referer(page_url: &str, page_origin: &str, to_origin: &str) -> Option<String> {
    if to_origin == page_origin {
        return Some(page_url.split('#').next().unwrap_or_default().to_string());
    }
    if page_origin.starts_with("https:") && to_origin.starts_with("http:") {
        return None;
    }
    Some(format!("{page_origin}/"))
}

/// The request for a navigation (a top-level one, typed, a link's, a form's, or one of their
/// redirects; or an `<iframe>`'s), in the order Chromium 156 writes it over HTTP/1.1; the Fetch
/// Metadata and client hints only to a potentially trustworthy URL. `Sec-Fetch-User: ?1` only on
/// a top-level document's: the model's are started by the user, an iframe's by the page
/// (`Sec-Fetch-User` needs a user activation, Fetch Metadata §2.4). `extra` holds what the navigation adds, each
/// put where Chromium puts it (as a loopback server received a form's POST, its 303's GET and a
/// link's GET from Chromium 156): `Content-Length` and `Cache-Control` after `Connection`,
/// `Content-Type` after `Upgrade-Insecure-Requests`, `Origin` after `User-Agent`, `Referer`
/// after the Fetch Metadata; the rest (the cache's validators) at the end. After a redirect the
/// client hints come after the Fetch Metadata.
pub fn navigation_request(
    method: &str,
    host_header: &str,
    target: &str,
    cookie: Option<&str>,
    extra: &Headers,
    kind: Kind,
) -> Request {
    let mut h = Headers(Vec::with_capacity(16 + extra.0.len()))
        .with("Host", host_header.to_string())
        .with("Connection", "keep-alive");
    let placed = [
        "content-length",
        "cache-control",
        "content-type",
        "origin",
        "referer",
    ];
    // A placed field, with its name as the navigation wrote it (Chromium's casing).
    let take =
        |h: Headers, name: &str| match extra.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((n, v)) => h.with(n.clone(), v.clone()),
            None => h,
        };
    let hints = |mut h: Headers| {
        if kind.trustworthy {
            for (n, v) in CLIENT_HINTS {
                h = h.with(n, v);
            }
        }
        h
    };
    h = take(take(h, "content-length"), "cache-control");
    if !kind.redirected {
        h = hints(h);
    }
    h = take(h.with("Upgrade-Insecure-Requests", "1"), "content-type");
    h = take(h.with("User-Agent", USER_AGENT), "origin").with("Accept", ACCEPT_NAVIGATION);
    if kind.trustworthy {
        h = h
            .with("Sec-Fetch-Site", kind.site_text())
            .with("Sec-Fetch-Mode", "navigate");
        if kind.dest == Dest::Document {
            h = h.with("Sec-Fetch-User", "?1");
        }
        h = h.with("Sec-Fetch-Dest", kind.dest_text());
    }
    if kind.redirected {
        h = hints(h);
    }
    h = take(h, "referer")
        .with("Accept-Encoding", kind.accept_encoding())
        .with("Accept-Language", "en-US,en;q=0.9");
    if let Some(c) = cookie {
        h = h.with("Cookie", c.to_string());
    }
    for (n, v) in &extra.0 {
        if !placed.iter().any(|p| n.eq_ignore_ascii_case(p)) {
            h = h.with(n.clone(), v.clone());
        }
    }
    Request {
        method: if method == "POST" { "POST" } else { "GET" },
        target: target.to_string(),
        headers: h,
    }
}

/// A field's name or value in a request the model writes: a constant, or what the caller gave.
enum FieldValue<'a> {
    Fixed(&'static str),
    Given(&'a str),
}

impl FieldValue<'_> {
    fn len(&self) -> usize {
        match self {
            FieldValue::Fixed(v) => v.len(),
            FieldValue::Given(v) => v.len(),
        }
    }

    fn text(&self) -> crate::model::cache::Text {
        match self {
            FieldValue::Fixed(v) => (*v).into(),
            FieldValue::Given(v) => v.to_string().into(),
        }
    }
}

/// Where Chromium puts a field a page's request carries beyond its own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// `Content-Length`: net's `HttpNetworkTransaction::BuildRequestHeaders` writes the body's
    /// fields after `Host` and `Connection`, before the request's own; and a font's `Origin`,
    /// which Blink sets on the request before its other fields (the fidelity run's
    /// `brand.woff2`).
    AfterConnection,
    /// The script's own fields (`fetch()`'s `headers`), among the renderer's.
    AfterUserAgent,
    /// `Origin` (and a preflight's `Access-Control-Request-*` before it), which the network
    /// service's CORS code adds after the renderer's fields.
    AfterAccept,
    /// The cache's validators, added after the cookies; and anything on a preflight that is
    /// not its own.
    Last,
}

impl Slot {
    fn of(name: &str, kind: Kind) -> Slot {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        let preflight = kind.preflight;
        if is("content-length") || is("origin") && kind.dest == Dest::Font {
            Slot::AfterConnection
        } else if is("origin")
            || is("last-event-id") && kind.channel == Channel::EventSource
            || preflight
                && (is("access-control-request-method") || is("access-control-request-headers"))
        {
            Slot::AfterAccept
        } else if preflight || is("if-none-match") || is("if-modified-since") {
            Slot::Last
        } else {
            Slot::AfterUserAgent
        }
    }
}

/// A request's fields in order, names and values.
type Fields<'a> = Vec<(FieldValue<'a>, FieldValue<'a>)>;

/// The header fields of a page's request (a sub-resource, a `fetch()`, a preflight), in the
/// order Chromium 156 wrote them over HTTP/1.1, with the `extra` fields (name, value) a script,
/// CORS or the cache add, each in its [`Slot`] in the order given: a `fetch()`'s `Origin` after
/// `Accept`, a font's after `Connection`. A preflight's are Chromium's
/// `PreflightController::CreatePreflightRequest` order: `Accept`, `Access-Control-Request-*`,
/// `Origin`, `User-Agent`, then `Sec-Fetch-Mode` before `-Site`. [`Fetch`] writes
/// and counts them.
fn fetch_fields<'a>(
    host_header: &'a str,
    referer: Option<&'a str>,
    cookie: Option<&'a str>,
    extra: &'a [(&'a str, &'a str)],
    kind: Kind,
) -> Fields<'a> {
    use FieldValue::{Fixed, Given};
    let mut f: Fields<'a> = Vec::with_capacity(16 + extra.len());
    let own = |f: &mut Fields<'a>, name: &'static str, value: Option<FieldValue<'a>>| {
        if let Some(v) = value {
            f.push((Fixed(name), v));
        }
    };
    let added = |f: &mut Fields<'a>, slot: Slot, origin: Option<bool>| {
        for (n, v) in extra {
            let is_origin = n.eq_ignore_ascii_case("origin");
            if Slot::of(n, kind) == slot && origin.is_none_or(|o| o == is_origin) {
                f.push((Given(n), Given(v)));
            }
        }
    };
    let meta = |v: &'static str| kind.trustworthy.then_some(Fixed(v));
    let mode = (kind.trustworthy || kind.preflight).then_some(Fixed(kind.mode_text()));
    own(&mut f, "Host", Some(Given(host_header)));
    own(&mut f, "Connection", Some(Fixed("keep-alive")));
    // An EventSource's request bypasses the cache (`kNoStore`): net writes `Pragma` and
    // `Cache-Control` right after `Connection` (`HttpNetworkTransaction::BuildRequestHeaders`
    // for LOAD_BYPASS_CACHE; Blink's own `Cache-Control: no-cache` keeps that place), as the
    // fidelity run's Chromium 156 sent them.
    let source = kind.channel == Channel::EventSource;
    if source {
        own(&mut f, "Pragma", Some(Fixed("no-cache")));
        own(&mut f, "Cache-Control", Some(Fixed("no-cache")));
    }
    added(&mut f, Slot::AfterConnection, None);
    if kind.preflight {
        own(&mut f, "Accept", Some(Fixed(kind.accept())));
        added(&mut f, Slot::AfterAccept, Some(false));
        added(&mut f, Slot::AfterAccept, Some(true));
        own(&mut f, "User-Agent", Some(Fixed(USER_AGENT)));
        own(&mut f, "Sec-Fetch-Mode", mode);
        own(&mut f, "Sec-Fetch-Site", meta(kind.site_text()));
    } else {
        // The client hints around User-Agent, as the h2-tls recording's sub-resources carry
        // them; none on a preflight (the fidelity run's shows none).
        let hint = |f: &mut Fields<'a>, k: usize| {
            let (n, v) = CLIENT_HINTS[k];
            own(f, n, kind.trustworthy.then_some(Fixed(v)));
        };
        hint(&mut f, 2);
        if kind.channel == Channel::Xhr {
            added(&mut f, Slot::AfterUserAgent, None);
        }
        own(&mut f, "User-Agent", Some(Fixed(USER_AGENT)));
        // Blink's EventSource sets its `Accept` itself: it comes before the other client
        // hints, and a reconnection's `Last-Event-ID` after them, before the Fetch Metadata
        // (both as the fidelity run's Chromium 156 sent them).
        if source {
            own(&mut f, "Accept", Some(Fixed(kind.accept())));
        }
        if kind.channel != Channel::Xhr {
            added(&mut f, Slot::AfterUserAgent, None);
        }
        hint(&mut f, 0);
        hint(&mut f, 1);
        if !source {
            own(&mut f, "Accept", Some(Fixed(kind.accept())));
        }
        added(&mut f, Slot::AfterAccept, None);
        own(&mut f, "Sec-Fetch-Site", meta(kind.site_text()));
        own(&mut f, "Sec-Fetch-Mode", mode);
    }
    own(&mut f, "Sec-Fetch-Dest", meta(kind.dest_text()));
    own(&mut f, "Referer", referer.map(Given));
    own(
        &mut f,
        "Accept-Encoding",
        Some(Fixed(kind.accept_encoding())),
    );
    own(&mut f, "Accept-Language", Some(Fixed("en-US,en;q=0.9")));
    own(&mut f, "Cookie", cookie.map(Given));
    added(&mut f, Slot::Last, None);
    f
}

/// A WebSocket's opening handshake over HTTP/1.1 as Chromium 156 writes it (RFC 6455 §4.1):
/// net's `HttpNetworkTransaction::BuildRequestHeaders` puts `Host`, `Connection` (which
/// `WebSocketStream`'s `Connection: Upgrade` replaces in place), `Pragma` and `Cache-Control`
/// (the handshake bypasses the cache) first; then the fields net/websockets/websocket_stream.cc
/// adds after the `User-Agent` the browser gives (`Upgrade`, `Origin`,
/// `Sec-WebSocket-Version`); then `URLRequestHttpJob`'s `Accept-Encoding`, `Accept-Language`
/// and `Cookie`; last `WebSocketBasicHandshakeStream::SendRequest`'s `Sec-WebSocket-Key` and
/// `Sec-WebSocket-Extensions`. No `Referer`, no Fetch Metadata, no client hints: the
/// handshake does not go through the URL loader that adds them. `extra` carries the `Origin`,
/// the key and the extensions.
fn websocket_fields<'a>(
    host_header: &'a str,
    cookie: Option<&'a str>,
    extra: &'a [(&'a str, &'a str)],
    kind: Kind,
) -> Fields<'a> {
    use FieldValue::{Fixed, Given};
    let mut f: Fields<'a> = Vec::with_capacity(16);
    let given = |name: &'static str| {
        (extra.iter())
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| (Fixed(name), Given(v)))
    };
    f.push((Fixed("Host"), Given(host_header)));
    f.push((Fixed("Connection"), Fixed("Upgrade")));
    f.push((Fixed("Pragma"), Fixed("no-cache")));
    f.push((Fixed("Cache-Control"), Fixed("no-cache")));
    f.push((Fixed("User-Agent"), Fixed(USER_AGENT)));
    f.push((Fixed("Upgrade"), Fixed("websocket")));
    f.extend(given("Origin"));
    f.push((Fixed("Sec-WebSocket-Version"), Fixed("13")));
    f.push((Fixed("Accept-Encoding"), Fixed(kind.accept_encoding())));
    f.push((Fixed("Accept-Language"), Fixed("en-US,en;q=0.9")));
    f.extend(cookie.map(|c| (Fixed("Cookie"), Given(c))));
    f.extend(given("Sec-WebSocket-Key"));
    f.extend(given("Sec-WebSocket-Extensions"));
    f.extend(given("Sec-WebSocket-Protocol"));
    f
}

/// The request a page's sub-resource or `fetch()` sends, without fields of its own.
pub fn fetch_request(
    host_header: &str,
    target: &str,
    referer: Option<&str>,
    cookie: Option<&str>,
    kind: Kind,
) -> Request {
    Fetch {
        host_header,
        target,
        referer,
        cookie,
        extra: &[],
        kind,
    }
    .request()
}

/// What a page's sub-resource, `fetch()` or preflight request is made from: its `Host` and
/// target, `Referer`, cookie, the `extra` fields (name, value) a script, CORS or the cache add,
/// each written where Chromium puts it ([`fetch_fields`]), and what it is.
#[derive(Clone, Copy, Debug)]
pub struct Fetch<'a> {
    pub host_header: &'a str,
    pub target: &'a str,
    pub referer: Option<&'a str>,
    pub cookie: Option<&'a str>,
    pub extra: &'a [(&'a str, &'a str)],
    pub kind: Kind,
}

impl Fetch<'_> {
    fn fields(&self) -> Fields<'_> {
        if self.kind.channel == Channel::WebSocket {
            return websocket_fields(self.host_header, self.cookie, self.extra, self.kind);
        }
        fetch_fields(
            self.host_header,
            self.referer,
            self.cookie,
            self.extra,
            self.kind,
        )
    }

    /// The request as sent (its line says `GET`).
    pub fn request(&self) -> Request {
        let h = Headers(
            self.fields()
                .iter()
                .map(|(n, v)| (n.text(), v.text()))
                .collect(),
        );
        Request {
            method: "GET",
            target: self.target.to_string(),
            headers: h,
        }
    }

    /// The bytes on the wire of [`Fetch::request`] ([`Request::wire_len`]), counted without
    /// writing it.
    pub fn wire_len(&self) -> u64 {
        let line = "GET".len() + 1 + self.target.len() + 9 + 2;
        let fields: usize = self
            .fields()
            .iter()
            .map(|(n, v)| n.len() + 2 + v.len() + 2)
            .sum();
        let body = self
            .extra
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(0);
        (line + fields + 2) as u64 + body
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: &'static str,
    pub headers: Headers,
    pub body_bytes: u64,
}

/// The reason phrase of a status code (RFC 9110 §15); empty for one not listed, as HTTP/1.1
/// allows.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

impl Response {
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, self.reason)
    }

    pub fn head_len(&self) -> u64 {
        // `HTTP/1.1 200 OK`: the version and a space, the code, a space, the reason.
        let code = self.status.checked_ilog10().unwrap_or(0) as usize + 1;
        let line = 9 + code + 1 + self.reason.len();
        line as u64 + 2 + self.headers.wire_len() + 2
    }
}

/// How the modelled server is set up.
#[derive(Clone, Debug)]
pub struct Site {
    /// The resource's current validator.
    pub etag: String,
    /// When the resource last changed, seconds since the epoch.
    pub last_modified: i64,
    /// The Cache-Control the site sends with the page.
    pub cache_control: &'static str,
    /// Whether the site sends an ETag (a site that only has Last-Modified does not).
    pub sends_etag: bool,
    pub keep_alive: bool,
    pub document_bytes: u64,
    /// A new session id, used when the request has none.
    pub new_session: String,
}

impl Site {
    /// Its `Connection` field: whether it keeps the connection open.
    fn connection(&self) -> &'static str {
        if self.keep_alive {
            "keep-alive"
        } else {
            "close"
        }
    }
}

/// What the server did with a request, for the trace.
#[derive(Clone, Debug)]
pub struct Processing {
    pub response: Response,
    /// What the server read and decided, in order.
    pub notes: Vec<String>,
}

/// A form's POST, answered as a site following Post/Redirect/Get does: the fields are taken,
/// and `303 See Other` sends the browser to the same URL with GET (RFC 9110 §15.4.4), so that
/// reloading the result does not send the form again.
fn post_redirect_get(site: &Site, req: &Request, h: Headers, mut notes: Vec<String>) -> Processing {
    let body = req.headers.get("content-length").unwrap_or("0");
    notes.push(format!(
        "reads the form's fields ({body} bytes of {}) and records the order",
        req.headers.get("content-type").unwrap_or("a body")
    ));
    notes.push(format!(
        "answers 303 See Other to {}: Post/Redirect/Get, so a reload asks with GET",
        req.target
    ));
    let h = h
        .with("Location", req.target.clone())
        .with("Cache-Control", "no-store")
        .with("Content-Length", "0")
        .with("Connection", site.connection());
    Processing {
        response: Response {
            status: 303,
            reason: reason_phrase(303),
            headers: h,
            body_bytes: 0,
        },
        notes,
    }
}

/// The server's work for one request (RFC 9110 §13.2.2 for the conditional part).
pub fn serve(site: &Site, req: &Request, now_unix: i64, api: bool) -> Processing {
    let mut notes = vec![format!("reads the request line: {}", req.request_line())];
    let session = req.headers.get("cookie").and_then(|c| {
        c.split(';')
            .map(str::trim)
            .find_map(|kv| kv.strip_prefix("session="))
            .map(str::to_string)
    });
    let mut h = Headers::new().with("Date", crate::model::http_date::format(now_unix));
    match &session {
        Some(s) => notes.push(format!(
            "finds the cookie session={s}: a known session, the user is signed in"
        )),
        None => {
            notes
                .push("finds no session cookie: a new visitor, so it starts a session".to_string());
            h = h.with(
                "Set-Cookie",
                format!(
                    "session={}; Path=/; Secure; HttpOnly; SameSite=Lax",
                    site.new_session
                ),
            );
        }
    }
    if api {
        notes.push("queries the database and serializes the result as JSON".to_string());
        let body = 2_000;
        let h = h
            .with("Content-Type", "application/json")
            .with("Content-Length", body.to_string())
            .with("Cache-Control", "no-store")
            .with("Connection", site.connection());
        return Processing {
            response: Response {
                status: 200,
                reason: "OK",
                headers: h,
                body_bytes: body,
            },
            notes,
        };
    }
    if req.method == "POST" {
        return post_redirect_get(site, req, h, notes);
    }
    // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
    let not_modified = match (
        req.headers.get("if-none-match"),
        req.headers.get("if-modified-since"),
    ) {
        (Some(inm), _) => {
            let m = site.sends_etag && inm.split(',').any(|t| t.trim() == site.etag);
            notes.push(format!(
                "compares If-None-Match {inm} with the current ETag {}: {}",
                site.etag,
                if m { "unchanged" } else { "changed" }
            ));
            m
        }
        (None, Some(ims)) => {
            let since = crate::model::http_date::parse(ims);
            let m = since.is_some_and(|s| site.last_modified <= s);
            notes.push(format!(
                "compares If-Modified-Since {ims} with Last-Modified: {}",
                if m {
                    "not modified since"
                } else {
                    "modified since"
                }
            ));
            m
        }
        (None, None) => false,
    };
    let mut h = h.with("Cache-Control", site.cache_control);
    if site.sends_etag {
        h = h.with("ETag", site.etag.clone());
    }
    h = h.with(
        "Last-Modified",
        crate::model::http_date::format(site.last_modified),
    );
    let connection = site.connection();
    if not_modified {
        notes.push("the cached copy is current: answers 304 without a body".to_string());
        let h = h.with("Connection", connection);
        return Processing {
            response: Response {
                status: 304,
                reason: "Not Modified",
                headers: h,
                body_bytes: 0,
            },
            notes,
        };
    }
    notes.push(format!(
        "renders the page template: {} bytes of HTML",
        site.document_bytes
    ));
    let h = h
        .with("Content-Type", "text/html; charset=utf-8")
        .with("Content-Length", site.document_bytes.to_string())
        .with("Connection", connection);
    Processing {
        response: Response {
            status: 200,
            reason: "OK",
            headers: h,
            body_bytes: site.document_bytes,
        },
        notes,
    }
}

/// RFC 6928: the initial congestion window, in segments.
pub const INITIAL_WINDOW_SEGMENTS: u64 = 10;

/// Round trips slow start needs to deliver `bytes` with `mss`-sized segments: 10 segments in
/// the first, then 20, 40, ... (cwnd doubles each round trip without loss; RFC 5681 §3.1).
pub fn slow_start_rounds(bytes: u64, mss: u64) -> u64 {
    slow_start(bytes, mss, INITIAL_WINDOW_SEGMENTS).0
}

/// Slow start from a window of `cwnd` segments (a connection that has carried earlier responses
/// starts with a larger one): the round trips to deliver `bytes`, at least one, and the window
/// after them. Each acknowledged segment widens the window by one (RFC 5681 §3.1), so a full
/// round doubles it and the last, partial round adds only what it carried.
pub fn slow_start(bytes: u64, mss: u64, cwnd: u64) -> (u64, u64) {
    let segments = bytes.div_ceil(mss.max(1));
    let mut cwnd = cwnd.max(1);
    let mut sent = 0;
    let mut rounds = 0;
    while sent < segments {
        let n = cwnd.min(segments - sent);
        sent += n;
        cwnd = cwnd.saturating_add(n);
        rounds += 1;
    }
    (rounds.max(1), cwnd)
}

/// The bytes each round of [`slow_start`] carries of `len` bytes: full segments, the window's
/// worth, and what is left in the last. Both the engine (delivering a response round by round
/// to the browser's TCP machine) and the capture (writing its bursts) cut with it.
pub fn slow_start_cuts(len: u64, mss: u64, cwnd: u64) -> Vec<u64> {
    let mss = mss.max(1);
    let mut cwnd = cwnd.max(1);
    let mut rest = len;
    let mut out = Vec::new();
    while rest > 0 {
        let n = cwnd.saturating_mul(mss).min(rest);
        out.push(n);
        rest -= n;
        cwnd = cwnd.saturating_add(n.div_ceil(mss));
    }
    out
}

/// From the first byte to the last of a body: the extra round trips of slow start, plus the time
/// the bytes take at the link's bandwidth.
pub fn transfer_time(bytes: u64, mss: u64, rtt: Duration, bandwidth_bps: u64) -> Duration {
    let extra_rounds = slow_start_rounds(bytes, mss) - 1;
    rtt.times(extra_rounds) + Duration::transmission(bytes, bandwidth_bps)
}

/// HTTP's part of the trace: what each event keeps, its words written when read
/// ([`crate::model::trace::Detail`]).
pub mod present {
    use crate::model::cache::Headers;
    use crate::model::time::{Duration, Instant};
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    /// Header fields as an event's fields, in order.
    pub fn header_fields(h: Headers) -> impl Iterator<Item = Field> {
        h.0.into_iter().map(|(name, value)| Field {
            name,
            value,
            spec: None,
        })
    }

    /// `http.server_processing`: the server's think-time, and what it noted doing.
    #[derive(Clone, Debug)]
    pub struct Processing {
        pub think: Duration,
        pub notes: Vec<String>,
    }

    impl Detail for Processing {
        fn summary(&self) -> Cow<'static, str> {
            format!("the server builds the response ({} of work)", self.think).into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f: Vec<Field> = self
                .notes
                .iter()
                .enumerate()
                .map(|(i, n)| Field::new(format!("{}.", i + 1), n))
                .collect();
            f.push(Field::new(
                "think_time",
                format_args!("{} (a scenario assumption)", self.think),
            ));
            f
        }
    }

    /// `http.response`: the status line and the header fields.
    #[derive(Clone, Debug)]
    pub struct Head {
        pub status: u16,
        pub reason: &'static str,
        pub headers: Headers,
        /// The body's length (a `http.response_body` event follows when it is not zero).
        pub body: u64,
    }

    impl Detail for Head {
        fn summary(&self) -> Cow<'static, str> {
            format!("HTTP/1.1 {} {}", self.status, self.reason).into()
        }

        fn fields(&self) -> Vec<Field> {
            header_fields(self.headers.clone()).collect()
        }
    }

    /// `http.response_body`: the body's bytes, when the last arrives, in how many round trips
    /// of slow start, and why it took that long.
    #[derive(Clone, Debug)]
    pub struct Body {
        pub bytes: u64,
        pub rounds: u64,
        /// The congestion window, in segments, when the response started.
        pub cwnd: u64,
        /// The body itself, when the model knows it (a page's own HTML).
        pub content: Option<Rc<str>>,
        pub last_byte: Instant,
        pub download: Rc<str>,
    }

    impl Detail for Body {
        fn summary(&self) -> Cow<'static, str> {
            format!(
                "{} bytes of body arrive by {}, in {} round trip(s) of slow start",
                self.bytes, self.last_byte, self.rounds
            )
            .into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("bytes", self.bytes),
                Field::new("download", &*self.download),
                Field::new("last_byte", self.last_byte),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            etag: "\"v1\"".into(),
            last_modified: 1000,
            cache_control: "max-age=600",
            sends_etag: true,
            keep_alive: true,
            document_bytes: 30_000,
            new_session: "abc".into(),
        }
    }

    #[test]
    fn a_fetch_requests_length_is_counted_as_it_is_written() {
        for (host, target, referer, cookie) in [
            ("a.example", "/", None, None),
            ("a.example:8443", "/x?y=1", Some("https://a.example/"), None),
            (
                "img.example",
                "/photos/01.jpg",
                None,
                Some("sid=abc; theme=dark"),
            ),
            ("b.example", "", Some("https://a.example/page"), Some("k=v")),
        ] {
            let extras: [&[(&str, &str)]; 3] = [
                &[],
                &[
                    ("Content-Length", "0"),
                    ("X-Token", ""),
                    ("Origin", "https://a.example"),
                ],
                &[
                    ("Access-Control-Request-Method", "PUT"),
                    ("If-None-Match", "\"v1\""),
                ],
            ];
            for kind in [image(true), image(false), preflight(false), preflight(true)] {
                for extra in extras {
                    let f = Fetch {
                        host_header: host,
                        target,
                        referer,
                        cookie,
                        extra,
                        kind,
                    };
                    let r = f.request();
                    assert_eq!(
                        f.wire_len(),
                        r.wire_len(),
                        "{host}{target} {referer:?} {cookie:?} {extra:?} {kind:?}"
                    );
                    // Every extra field is written once.
                    assert_eq!(
                        r.headers.0.len(),
                        fetch_request(host, target, referer, cookie, kind)
                            .headers
                            .0
                            .len()
                            + extra.len()
                    );
                }
            }
        }
    }

    fn image(https: bool) -> Kind {
        Kind {
            redirected: false,
            channel: Channel::Http,
            dest: Dest::Image,
            mode: Mode::NoCors,
            site: FetchSite::SameOrigin,
            trustworthy: https,
            https,
            preflight: false,
        }
    }

    fn preflight(https: bool) -> Kind {
        Kind {
            redirected: false,
            channel: Channel::Http,
            dest: Dest::Empty,
            mode: Mode::Cors,
            site: FetchSite::CrossSite,
            trustworthy: https,
            https,
            preflight: true,
        }
    }

    fn names(r: &Request) -> Vec<&str> {
        r.headers.0.iter().map(|(n, _)| n.as_ref()).collect()
    }

    /// The header names and order Chromium 156 sent over HTTP/1.1 to http:// origins
    /// (`../shared/conformance/chromium-recordings/h1-mixed`: no Fetch Metadata, gzip and
    /// deflate only), and the Fetch Metadata it adds over https (h2-tls, the same fields).
    #[test]
    fn headers_follow_chromium_156() {
        let nav = navigation_request(
            "GET",
            "shop.test",
            "/",
            None,
            &Headers::new(),
            Kind::typed_navigation(false, false),
        );
        assert_eq!(
            names(&nav),
            [
                "Host",
                "Connection",
                "Upgrade-Insecure-Requests",
                "User-Agent",
                "Accept",
                "Accept-Encoding",
                "Accept-Language"
            ]
        );
        assert_eq!(nav.headers.get("accept-encoding"), Some("gzip, deflate"));
        let img = fetch_request(
            "shop.test",
            "/img/1.png",
            Some("http://shop.test/"),
            None,
            image(false),
        );
        assert_eq!(
            names(&img),
            [
                "Host",
                "Connection",
                "User-Agent",
                "Accept",
                "Referer",
                "Accept-Encoding",
                "Accept-Language"
            ]
        );
        assert_eq!(img.headers.get("accept"), Some(ACCEPT_IMAGE));
        // A preflight says its mode even over http.
        let pf = fetch_request("api.test", "/items", None, None, preflight(false));
        assert_eq!(pf.headers.get("sec-fetch-mode"), Some("cors"));
        assert_eq!(pf.headers.get("sec-fetch-site"), None);
        // Over https: the Fetch Metadata, and brotli and zstd.
        let nav = navigation_request(
            "GET",
            "secure.test",
            "/",
            None,
            &Headers::new(),
            Kind::typed_navigation(true, true),
        );
        for (n, v) in [
            ("sec-fetch-site", "none"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-user", "?1"),
            ("sec-fetch-dest", "document"),
            ("accept-encoding", "gzip, deflate, br, zstd"),
        ] {
            assert_eq!(nav.headers.get(n), Some(v), "{n}");
        }
        let img = fetch_request("secure.test", "/a.png", None, None, image(true));
        for (n, v) in [
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "image"),
        ] {
            assert_eq!(img.headers.get(n), Some(v), "{n}");
        }
        let local = ::url::Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(potentially_trustworthy(&local));
        assert!(!potentially_trustworthy(
            &::url::Url::parse("http://a.test/").unwrap()
        ));
    }

    /// A cross-site `fetch()` (`mode: cors`, `Sec-Fetch-Dest: empty`) from an https page.
    fn cors_fetch() -> Kind {
        Kind {
            dest: Dest::Empty,
            mode: Mode::Cors,
            site: FetchSite::CrossSite,
            trustworthy: true,
            https: true,
            preflight: false,
            redirected: false,
            channel: Channel::Http,
        }
    }

    /// The names in order, lower case and comma-separated, as the fidelity report prints them.
    fn order(r: &Request) -> String {
        let names: Vec<String> = r
            .headers
            .0
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.join(", ")
    }

    /// The orders a loopback server received from Chromium 156 for the shop presets' requests
    /// (`cargo xtask fidelity multi-origin`, docs/fidelity.md), without
    /// `sec-fetch-storage-access` (sent there because the profile blocks third-party cookies).
    #[test]
    fn page_requests_follow_chromium_156() {
        let page = Some("https://shop.example/");
        let origin = ("Origin", "https://shop.example");
        let at = |host_header, target, cookie, extra: &[(&str, &str)], kind| {
            Fetch {
                host_header,
                target,
                referer: page,
                cookie,
                extra,
                kind,
            }
            .request()
        };
        // 1. A cross-origin fetch() GET: Origin after Accept.
        let get = at(
            "pay.partner.example",
            "/api/prices",
            None,
            &[origin],
            cors_fetch(),
        );
        assert_eq!(
            order(&get),
            "host, connection, sec-ch-ua-platform, user-agent, sec-ch-ua, sec-ch-ua-mobile, \
             accept, origin, sec-fetch-site, sec-fetch-mode, sec-fetch-dest, referer, \
             accept-encoding, accept-language"
        );
        assert_eq!(names(&get)[7], "Origin", "HTTP/1.1 casing");
        // A font (`mode: cors` from a stylesheet): Blink's Origin comes right after Connection.
        let font = Kind {
            dest: Dest::Font,
            ..cors_fetch()
        };
        let woff = at("fonts.example", "/brand.woff2", None, &[origin], font);
        assert_eq!(
            order(&woff),
            "host, connection, origin, sec-ch-ua-platform, user-agent, sec-ch-ua, \
             sec-ch-ua-mobile, accept, sec-fetch-site, sec-fetch-mode, sec-fetch-dest, referer, \
             accept-encoding, accept-language"
        );
        // 2. A PUT without a body, with the script's header: Content-Length after Connection,
        // the script's field after User-Agent; the cookie and the cache's validators last.
        let extra = [
            origin,
            ("X-Cart-Token", "c4rt"),
            ("If-None-Match", "\"v1\""),
            ("Content-Length", "0"),
        ];
        let put = at(
            "pay.partner.example",
            "/api/cart",
            Some("wallet=77ab"),
            &extra,
            cors_fetch(),
        );
        assert_eq!(
            order(&put),
            "host, connection, content-length, sec-ch-ua-platform, user-agent, x-cart-token, \
             sec-ch-ua, sec-ch-ua-mobile, accept, origin, sec-fetch-site, sec-fetch-mode, \
             sec-fetch-dest, referer, accept-encoding, accept-language, cookie, if-none-match"
        );
        assert_eq!(names(&put)[2], "Content-Length");
        // 3. The CORS preflight: Access-Control-Request-*, Origin, then User-Agent; Mode before
        // Site; no client hints.
        let extra = [
            origin,
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "x-cart-token"),
        ];
        let pf = at(
            "pay.partner.example",
            "/api/cart",
            None,
            &extra,
            preflight(true),
        );
        assert_eq!(
            order(&pf),
            "host, connection, accept, access-control-request-method, \
             access-control-request-headers, origin, user-agent, sec-fetch-mode, sec-fetch-site, \
             sec-fetch-dest, referer, accept-encoding, accept-language"
        );
        assert_eq!(names(&pf)[3], "Access-Control-Request-Method");
        // Over http a preflight keeps its mode only.
        let pf = at("api.test", "/cart", None, &extra, preflight(false));
        assert_eq!(
            order(&pf),
            "host, connection, accept, access-control-request-method, \
             access-control-request-headers, origin, user-agent, sec-fetch-mode, referer, \
             accept-encoding, accept-language"
        );
        // 4. An iframe: a navigation's fields, without Sec-Fetch-User, with the page's Referer.
        let iframe = |trustworthy| Kind {
            dest: Dest::Iframe,
            mode: Mode::Navigate,
            site: FetchSite::CrossSite,
            trustworthy,
            https: trustworthy,
            preflight: false,
            redirected: false,
            channel: Channel::Http,
        };
        let referer = Headers::new().with("Referer", "https://shop.example/");
        let frame = |host, trustworthy| {
            navigation_request("GET", host, "/widget", None, &referer, iframe(trustworthy))
        };
        let https = frame("pay.partner.example", true);
        assert_eq!(
            order(&https),
            "host, connection, sec-ch-ua, sec-ch-ua-mobile, sec-ch-ua-platform, \
             upgrade-insecure-requests, user-agent, accept, sec-fetch-site, sec-fetch-mode, \
             sec-fetch-dest, referer, accept-encoding, accept-language"
        );
        assert_eq!(https.headers.get("accept"), Some(ACCEPT_NAVIGATION));
        assert_eq!(https.headers.get("sec-fetch-dest"), Some("iframe"));
        // Over plain http: no client hints, no Fetch Metadata.
        assert_eq!(
            order(&frame("pay.test", false)),
            "host, connection, upgrade-insecure-requests, user-agent, accept, referer, \
             accept-encoding, accept-language"
        );
    }

    #[test]
    fn slow_start() {
        assert_eq!(slow_start_rounds(14_600, 1460), 1);
        assert_eq!(slow_start_rounds(14_601, 1460), 2);
        assert_eq!(slow_start_rounds(30_000, 1460), 2);
        assert_eq!(slow_start_rounds(100_000, 1460), 3);
        assert_eq!(slow_start_rounds(0, 1460), 1);
        // The window grows by what was acknowledged: one segment takes 10 to 11, a full first
        // round to 20, and 30 segments (10 + 20) to 40.
        assert_eq!(super::slow_start(1460, 1460, 10), (1, 11));
        assert_eq!(super::slow_start(14_600, 1460, 10), (1, 20));
        assert_eq!(super::slow_start(30 * 1460, 1460, 10), (2, 40));
        let t = transfer_time(30_000, 1460, Duration::from_millis(100), 10_000_000);
        assert_eq!(t, Duration::from_millis(100) + Duration::from_millis(24));
    }

    /// The cuts are slow start's rounds: as many as it counts, adding up to the bytes, each full
    /// round the window's worth of whole segments.
    #[test]
    fn slow_start_cuts_are_its_rounds() {
        assert_eq!(slow_start_cuts(30 * 1448, 1448, 10), [14_480, 20 * 1448]);
        assert_eq!(slow_start_cuts(0, 1448, 10), Vec::<u64>::new());
        for len in [1, 1448, 14_480, 14_481, 40_000, 100_000, 1_000_000] {
            for cwnd in [1, 10, 38] {
                let cuts = slow_start_cuts(len, 1448, cwnd);
                assert_eq!(cuts.iter().sum::<u64>(), len);
                assert_eq!(cuts.len() as u64, super::slow_start(len, 1448, cwnd).0);
                assert!(cuts[..cuts.len() - 1].iter().all(|n| n % 1448 == 0));
            }
        }
    }

    #[test]
    fn conditional_requests() {
        let req = navigation_request(
            "GET",
            "a.test",
            "/",
            Some("session=1"),
            &Headers::new().with("If-None-Match", "\"v1\""),
            Kind::typed_navigation(true, true),
        );
        let p = serve(&site(), &req, 5000, false);
        assert_eq!(p.response.status, 304);
        assert!(p.response.headers.get("set-cookie").is_none());
        let mut changed = site();
        changed.etag = "\"v2\"".into();
        assert_eq!(serve(&changed, &req, 5000, false).response.status, 200);
        let req = navigation_request(
            "GET",
            "a.test",
            "/",
            None,
            &Headers::new().with("If-Modified-Since", super::super::http_date::format(2000)),
            Kind::typed_navigation(true, true),
        );
        let p = serve(&site(), &req, 5000, false);
        assert_eq!(p.response.status, 304);
        assert!(
            p.response.headers.get("set-cookie").is_some(),
            "no cookie: a new session"
        );
    }

    /// The `priority` values of the h2-tls recording (document `u=0, i`, stylesheet `u=0`,
    /// image `i`) and a HEADERS frame's order.
    #[test]
    fn h2_fields_and_priority_follow_chromium() {
        use crate::model::pool::Priority as P;
        assert_eq!(
            priority_field(P::Highest, Dest::Document).as_deref(),
            Some("u=0, i")
        );
        assert_eq!(
            priority_field(P::Highest, Dest::Style).as_deref(),
            Some("u=0")
        );
        assert_eq!(priority_field(P::Lowest, Dest::Image).as_deref(), Some("i"));
        assert_eq!(
            priority_field(P::Medium, Dest::Empty).as_deref(),
            Some("u=1, i")
        );
        assert_eq!(priority_field(P::Lowest, Dest::Script), None);
        let r = fetch_request("secure.test", "/a.png", None, None, image(true));
        let h = h2_fields(&r, "GET", "https", priority_field(P::Lowest, Dest::Image));
        let names: Vec<&str> = h.0.iter().map(|(n, _)| n.as_ref()).collect();
        assert_eq!(&names[..4], [":method", ":authority", ":scheme", ":path"]);
        assert!(!names.contains(&"host") && !names.contains(&"connection"));
        assert_eq!(names.last(), Some(&"priority"));
        assert!(names[4..].iter().all(|n| *n == n.to_ascii_lowercase()));
    }

    #[test]
    fn request_bytes() {
        let r = navigation_request(
            "GET",
            "a.test",
            "/x?y",
            None,
            &Headers::new(),
            Kind::typed_navigation(true, true),
        );
        assert_eq!(r.request_line(), "GET /x?y HTTP/1.1");
        assert!(r.wire_len() > 500 && r.wire_len() < 900, "{}", r.wire_len());
    }
}
