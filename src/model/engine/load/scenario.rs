//! The page scenario a load reads (the CLI's JSON, the app's editor) and the situation it starts
//! from: origins, responses, cookies, and the journey's knobs for the document's host.

use super::*;

/// The wire protocol an origin answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Protocol {
    #[default]
    #[serde(rename = "http/1.1")]
    Http1,
    #[serde(rename = "h2")]
    H2,
    /// HTTP/3 over QUIC (RFC 9114), on https origins.
    #[serde(rename = "h3")]
    H3,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http1 => "http/1.1",
            Protocol::H2 => "h2",
            Protocol::H3 => "h3",
        }
    }

    pub const ALL: [Protocol; 3] = [Protocol::Http1, Protocol::H2, Protocol::H3];

    /// The protocol named `h1` (or `http/1.1`), `h2` or `h3`.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "h1" | "http/1.1" => Some(Protocol::Http1),
            "h2" => Some(Protocol::H2),
            "h3" => Some(Protocol::H3),
            _ => None,
        }
    }

    /// Its name as people write it: `HTTP/1.1`, `HTTP/2`, `HTTP/3`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http1 => "HTTP/1.1",
            Protocol::H2 => "HTTP/2",
            Protocol::H3 => "HTTP/3",
        }
    }

    /// Every request to the origin is a stream of one connection (HTTP/2 and HTTP/3).
    pub fn multiplexed(self) -> bool {
        matches!(self, Protocol::H2 | Protocol::H3)
    }
}

/// How one origin's server behaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OriginSpec {
    /// `https://img.example` (a port only when it is not the default).
    pub origin: String,
    pub protocol: Protocol,
    /// Overrides the page's `keep_alive` for this server.
    pub keep_alive: Option<bool>,
    /// Over HTTP/2 the server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441
    /// §3): it takes WebSockets as streams of its connection.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enable_connect_protocol: bool,
}

/// What one URL answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseSpec {
    pub url: String,
    pub status: u16,
    /// `Name: value` lines.
    pub headers: Vec<String>,
    /// Body bytes; by default a size typical of the kind of resource.
    pub bytes: Option<u64>,
    /// Server think-time for this URL, ms; by default the page's `server_ms`.
    pub server_ms: Option<f64>,
    /// Headers of the answer to a CORS preflight (OPTIONS) for this URL; by default `headers`.
    pub preflight_headers: Option<Vec<String>>,
    /// The priority of every request for this URL when it is made (Chromium's net names:
    /// `highest`, `medium`, `low`, `lowest`, `idle`, `throttled`); by default what Chromium
    /// gives its kind of resource.
    pub priority: Option<Priority>,
    /// A stream of server-sent events: the response stays open and the server writes these
    /// events as they happen ([`EventStream`]).
    pub stream: Option<EventStream>,
    /// A WebSocket server at this `ws:`/`wss:` URL ([`WebSocketSpec`]).
    pub websocket: Option<WebSocketSpec>,
}

/// What a WebSocket server does (RFC 6455), on its own clock: its answer to the handshake, the
/// messages both ways (the page's are what its script sends), and the close handshake. A
/// WebSocket URL with no response in the scenario is a server that accepts and stays silent;
/// one whose response has no `websocket` answers its `status` as a server that does not speak
/// WebSocket would.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct WebSocketSpec {
    /// The `Sec-WebSocket-Key` the browser sends; by default 16 bytes drawn from the seed.
    pub key: Option<String>,
    /// The `Sec-WebSocket-Accept` the server answers; by default what RFC 6455 §4.2.2 computes
    /// from the key (another value fails the handshake).
    pub accept: Option<String>,
    pub messages: Vec<WsMessage>,
    pub close: Option<WsClose>,
}

/// Which end of a WebSocket acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    #[default]
    Server,
    /// The page's script (`send()`, `close()`).
    Page,
}

/// A WebSocket message's frame type (RFC 6455 §5.6, §5.5.2, §5.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WsKind {
    #[default]
    Text,
    Binary,
    Ping,
    Pong,
}

/// One message, sent by `from` at `at_ms` after the navigation starts (a page's once the
/// socket is open, at the earliest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct WsMessage {
    pub at_ms: f64,
    pub from: Side,
    pub kind: WsKind,
    /// A text message's text, a ping's or pong's payload (at most 125 bytes).
    pub text: String,
    /// A binary message's length (its bytes are not spelled out).
    pub bytes: u64,
}

/// The close handshake (RFC 6455 §7): who starts it, when, with which status code and reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsClose {
    pub at_ms: f64,
    pub from: Side,
    pub code: u16,
    pub reason: String,
}

impl Default for WsClose {
    fn default() -> Self {
        WsClose {
            at_ms: 0.0,
            from: Side::Page,
            code: 1000,
            reason: String::new(),
        }
    }
}

/// What a server streams on a `text/event-stream` response (HTML §9.2), on its own clock: the
/// events of a live feed and when it ends its responses (and how it answers a page that polls
/// the same feed: [`EventStream::poll`]). Each connection the `EventSource`
/// makes gets the events from then on; one that sends `Last-Event-ID` also gets those after
/// that event it missed while reconnecting, at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EventStream {
    pub events: Vec<StreamEvent>,
    /// When the server ends the response it is streaming, ms after the navigation starts:
    /// the first time ends the first response, the next the one after the browser reconnects,
    /// and so on. After the last, the stream stays open.
    pub close_ms: Vec<f64>,
    /// Once `close_ms` has run out, the status the server answers a reconnection with instead
    /// of a stream: `204` (No Content) is how a server tells an EventSource to stop (HTML
    /// §9.2.4). By default it streams.
    pub stop_status: Option<u16>,
    /// How the server answers a plain request for this URL (a `fetch()`, not an
    /// `EventSource`): with its newest event at once (polling), or with the events the page has
    /// not had yet, holding the request until there is one (long polling).
    pub poll: PollAnswer,
}

/// How a feed's server answers a plain request ([`EventStream::poll`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PollAnswer {
    /// At once, with the newest event (or an empty body before the first).
    #[default]
    Latest,
    /// With every event since the last answer; with none yet, the request waits for the next.
    Next,
}

/// One event the server writes, as its text on the wire (`id: 7\ndata: 42.10\n\n`), at
/// `at_ms` after the navigation starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StreamEvent {
    pub at_ms: f64,
    pub text: String,
}

impl Default for ResponseSpec {
    fn default() -> Self {
        ResponseSpec {
            url: String::new(),
            status: 200,
            headers: vec![],
            bytes: None,
            server_ms: None,
            preflight_headers: None,
            priority: None,
            stream: None,
            websocket: None,
        }
    }
}

/// A cookie already in the jar: set by `url` with `set_cookie` as its `Set-Cookie` value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CookieSpec {
    pub url: String,
    pub set_cookie: String,
}

/// A page scenario, as the CLI reads it from JSON and the page editor edits it. Every field
/// has a default, so `{"url": …, "html": …}` is a complete scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageScenario {
    pub name: String,
    /// The document's URL.
    pub url: String,
    /// The document's HTML.
    pub html: String,
    /// `local`, `transcontinental` or `intercontinental`: the round trip of every server.
    /// `rtt_ms` or `bandwidth_mbps`, when given, replace the profile's figure (the profile is
    /// then custom).
    pub profile: ProfileName,
    pub rtt_ms: Option<f64>,
    pub bandwidth_mbps: Option<f64>,
    /// `1.3`, `1.2-ecdhe` or `1.2-rsa`.
    pub tls: String,
    pub keep_alive: bool,
    /// Server think-time, ms, for every URL without its own.
    pub server_ms: f64,
    /// Main-thread time to parse the document, ms: the parser reaches a tag at the fraction of
    /// this time where the tag sits in the document (what the preload scanner finds is
    /// requested as the document arrives, whatever this time).
    pub parse_ms: f64,
    /// Main-thread time to run a script, ms: what the parser was waiting for has arrived, and
    /// the inline script's `fetch()` or the iframe starts this long after.
    pub script_ms: f64,
    pub origins: Vec<OriginSpec>,
    /// What an https origin the scenario does not list in `origins` speaks (`http/1.1` by
    /// default).
    pub protocol: Protocol,
    pub responses: Vec<ResponseSpec>,
    pub cookies: Vec<CookieSpec>,
    /// A return visit: the page was loaded this many seconds before, from an empty cache, and
    /// what that load stored is in the HTTP cache now (fresh entries are hits, stale ones with
    /// validators are revalidated). Only the HTTP cache is kept: the host cache and the
    /// connections of the first visit are not.
    pub warm_cache_s: Option<u64>,
    /// Packets lost on the way down, in percent (0 to 50): each response's packets are lost
    /// with this probability and resent a round trip later ([`super::loss`]).
    pub loss_percent: f64,
    /// Secure DNS: every lookup but the DoH server's own goes over HTTPS to Google Public DNS
    /// ([`crate::model::doh`]), as with the situation's `doh`.
    pub doh: bool,
    /// The images inside the viewport at the page's first layout (URLs, relative to the
    /// document or absolute): raised from Low to High priority then. By default every image
    /// (an image without a width and height is laid out at 0×0 until it arrives).
    pub in_viewport: Option<Vec<String>>,
    /// The socket pool's limits: sockets per group and in all (Chromium's 6 and 256); other
    /// figures let Chromium's own pool tests run as pages (they use 2 and 4).
    pub pool: Option<PoolLimits>,
    /// Every host's lookup is answered by the recursive resolver from its cache after this
    /// many ms (a real Chromium on loopback: about 1); by default the profile's DNS walk.
    pub dns_ms: Option<f64>,
    /// Hosts already in the browser's host cache when the load starts: no lookup at all.
    pub resolved: Vec<String>,
    /// Chrome's "Preload pages" setting, on by default: the LoadingPredictor opens two
    /// connections to the page's origin as the navigation starts
    /// ([`crate::model::predictor`]). Off as in an Incognito window, or for a pool alone
    /// (Chromium's socket-pool tests have no browser around the pool).
    pub preload: bool,
    /// How long the model follows what stays open, ms after the navigation starts: event
    /// streams write and reconnect until then, and a request still open or waiting then is
    /// shown so. The page's ordinary requests run to their end, however late.
    pub watch_ms: f64,
}

/// The socket pool's limits ([`crate::model::pool`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolLimits {
    pub per_group: usize,
    pub per_pool: usize,
}

/// How long a page's streams are followed by default: ten seconds.
pub const DEFAULT_WATCH_MS: f64 = 10_000.0;
/// The longest a scenario may follow them: ten minutes.
pub const MAX_WATCH_MS: f64 = 600_000.0;

/// The most sockets a scenario's pool may allow, per group or in all.
pub const MAX_POOL_LIMIT: usize = 1024;

impl Default for PageScenario {
    fn default() -> Self {
        PageScenario {
            name: String::new(),
            url: String::new(),
            html: String::new(),
            profile: ProfileName::Transcontinental,
            rtt_ms: None,
            bandwidth_mbps: None,
            tls: "1.3".into(),
            keep_alive: true,
            server_ms: 20.0,
            parse_ms: 8.0,
            script_ms: 6.0,
            origins: vec![],
            responses: vec![],
            cookies: vec![],
            warm_cache_s: None,
            protocol: Protocol::Http1,
            loss_percent: 0.0,
            doh: false,
            in_viewport: None,
            pool: None,
            dns_ms: None,
            resolved: vec![],
            preload: true,
            watch_ms: DEFAULT_WATCH_MS,
        }
    }
}

impl PageScenario {
    /// Takes a journey's network (its profile, and its round trip and bandwidth when they are
    /// not the profile's) and TLS version: one scenario drives the journey and the page load.
    pub fn set_network(&mut self, profile: &crate::model::scenario::Profile, tls: TlsChoice) {
        let custom = crate::model::scenario::Profile::builtin(profile.name) != *profile;
        self.profile = profile.name;
        self.rtt_ms = custom.then_some(profile.rtt_us as f64 / 1000.0);
        self.bandwidth_mbps = custom.then_some(profile.bandwidth_bps as f64 / 1e6);
        self.tls = tls.as_str().into();
    }

    /// Reads a scenario from JSON, with a message that says what is wrong.
    pub fn from_json(text: &str) -> Result<PageScenario, String> {
        if text.len() > MAX_HTML_BYTES * 2 {
            return Err(format!(
                "the scenario is {} bytes; the limit is {} bytes",
                text.len(),
                MAX_HTML_BYTES * 2
            ));
        }
        if !text.trim_start().starts_with('{') {
            return Err("not a page scenario: expected a JSON object ({…})".into());
        }
        serde_json::from_str(text).map_err(|e| format!("not a page scenario: {e}"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub(super) fn profile(&self) -> Profile {
        Profile::builtin(self.profile).with(self.rtt_ms, self.bandwidth_mbps)
    }

    /// The same page with every https origin speaking `p`, the ones it lists too (`wirewalk
    /// page --protocol`, the three waterfalls).
    pub fn with_protocol(&self, p: Protocol) -> PageScenario {
        let mut sc = self.clone();
        sc.protocol = p;
        for o in &mut sc.origins {
            o.protocol = p;
        }
        sc
    }

    /// The protocol `origin`'s server speaks: its spec's, else the page's default.
    pub(super) fn protocol_of(&self, origin: &str) -> Protocol {
        self.origin_spec(origin)
            .map_or(self.protocol, |o| o.protocol)
    }

    pub(super) fn origin_spec(&self, origin: &str) -> Option<&OriginSpec> {
        self.origins
            .iter()
            .find(|o| o.origin.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// Where a load starts from, beyond what the page scenario says: the journey's knobs. A journey
/// scenario ([`crate::model::scenario::Scenario`]) sets them for its document's host: what an earlier
/// visit left in the browser's and the resolvers' DNS caches, an idle connection, the server's
/// certificate, TLS options, a server that refuses or a name that does not exist, the modelled
/// server that answers the document ([`crate::model::http::serve`]) and what the page does once it has
/// arrived. [`Situation::default`] is a page load's: a cold browser on a working network.
#[derive(Clone, Debug)]
pub struct Situation {
    /// The seed of every connection's random values (each draws from it and its own id).
    pub seed: u64,
    /// The simulated date at the start, seconds since the Unix epoch.
    pub unix_time: i64,
    /// The DNS caches for the document's host (`Nxdomain`: the name does not exist).
    pub dns: DnsState,
    pub dns_latency: DnsLatency,
    /// The document's server: its certificate, whether it asks for a client certificate,
    /// whether nothing listens on its port.
    pub cert: CertChoice,
    pub client_cert: bool,
    pub refused: bool,
    /// TLS 1.2 False Start, and a session ticket from an earlier visit to the document's host.
    pub false_start: bool,
    pub resumption: bool,
    /// A keep-alive connection to the document's origin is already open and idle.
    pub existing_connection: bool,
    /// The modelled server that answers the document and the page's `fetch()`es to its
    /// origin, reading the request (its cookie, its validators); `None`: the scenario's
    /// responses.
    pub server: Option<crate::model::http::Site>,
    /// Connections to the document's origin busy with another tab's downloads at the start;
    /// the k-th finishes k round trips in.
    pub busy_sockets: u8,
    /// Where the journey page's click sends its `fetch()` (the modelled server answers it).
    pub api: ApiChoice,
    /// Why the HTTP cache holds nothing for the document, when the situation knows (an earlier
    /// response said `no-store`).
    pub empty_cache_why: Option<&'static str>,
    /// The journey's page ([`crate::model::page_run`]): once the document arrives it is rendered at
    /// these costs, and a click a second after the first paint calls `fetch()` (where to:
    /// [`Situation::api`]).
    pub page: Option<Costs>,
    /// The address bar's default search engine, for text that is not a URL.
    pub engine: crate::model::omnibox::Engine,
    /// HTTPS-Upgrades, on in Chromium by default: an `http://` navigation typed without its
    /// scheme tries `https://` first ([`crate::model::https_upgrades`]).
    pub https_upgrades: bool,
    /// What the browser knows of the document's host's HSTS before the load.
    pub hsts: HstsState,
    /// The document's host answers only plain http: nothing listens on its port 443.
    pub no_https: bool,
    /// How the navigation starts: typed, a link clicked, a form sent with POST.
    pub start: crate::model::initiator::Start,
    /// Chrome's "Preload pages" setting ([`PageScenario::preload`]); the load preconnects
    /// only when both say so.
    pub preload: bool,
    /// The QUIC connection ID the browser gives its first connection to the document's
    /// server (`--quic-dcid`), else one drawn from the seed.
    pub quic_cid: Option<Rc<[u8]>>,
    /// The `Alt-Svc` value the situation's server sends on its https responses.
    pub alt_svc: Option<Rc<str>>,
    /// A visit an hour before the load learnt what that header says: the load runs that visit
    /// first, with an empty cache, and keeps only what it learnt of alternative services.
    pub alt_svc_learned: bool,
    /// The network drops UDP datagrams to and from the document's host: QUIC gets no answer.
    pub udp_blocked: bool,
    /// The browser resolves with its built-in DNS client, which also asks for HTTPS records,
    /// and the document's zone publishes one offering `h3` ([`https_record`]).
    pub https_rr: bool,
    /// Whether the network reaches IPv6 for the document's server (its AAAA record).
    pub ipv6: crate::model::scenario::Ipv6State,
    /// Secure DNS: every lookup but the DoH server's own goes over HTTPS to Google Public
    /// DNS ([`crate::model::doh`]).
    pub doh: bool,
}

/// The HTTPS record the scenario's zone publishes for `host`, at the address the model gives
/// it: `1 . alpn="h3,h2" ipv4hint=…` (a ServiceMode record for the name itself; the hint is the
/// A record's address, as zones publish it).
pub fn https_record(host: &str) -> crate::model::svcb::Https {
    use crate::model::svcb::{Https, Param};
    Https {
        priority: 1,
        target: String::new(),
        params: vec![
            Param::Alpn(vec!["h3".into(), "h2".into()]),
            Param::Ipv4Hint(vec![crate::model::dns::address_of(host)]),
        ],
    }
}

impl Default for Situation {
    fn default() -> Self {
        Situation {
            seed: PAGE_SEED,
            unix_time: VISIT_UNIX_TIME,
            dns: DnsState::Cold,
            dns_latency: DnsLatency::default(),
            cert: CertChoice::Valid,
            client_cert: false,
            refused: false,
            false_start: false,
            resumption: false,
            existing_connection: false,
            server: None,
            busy_sockets: 0,
            api: ApiChoice::SameOrigin,
            empty_cache_why: None,
            page: None,
            engine: crate::model::omnibox::Engine::Google,
            https_upgrades: true,
            hsts: HstsState::None,
            no_https: false,
            start: crate::model::initiator::Start::Typed,
            preload: true,
            quic_cid: None,
            alt_svc: None,
            alt_svc_learned: false,
            udp_blocked: false,
            https_rr: false,
            doh: false,
            ipv6: crate::model::scenario::Ipv6State::None,
        }
    }
}

/// A response's URL as requests name it: parsed and serialised, without the fragment (the text
/// as it is when it does not parse).
pub(super) fn response_key(u: &str) -> String {
    match ::url::Url::parse(u) {
        Ok(x) => x.as_str().split('#').next().unwrap_or_default().to_string(),
        Err(_) => u.to_string(),
    }
}

/// Refuses pasted text that is not text: a control character other than tab, line feed, form
/// feed and carriage return, or U+FFFD (what a browser puts for bytes that are not UTF-8). The
/// message names the character and where it is.
pub fn check_text(what: &str, text: &str) -> Result<(), String> {
    let bad = text.chars().enumerate().find(|(_, c)| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) || *c == '\u{fffd}'
    });
    match bad {
        None => Ok(()),
        Some((i, c)) => Err(format!(
            "the {what} is not text: U+{:04X} at character {}. Paste HTML or header lines, not a binary file; the last page that loaded stays.",
            u32::from(c),
            i + 1
        )),
    }
}

/// The response headers of a scenario as the editor shows them: a URL line, then its header
/// lines; `preflight Name: value` for the answer to a CORS preflight.
pub fn headers_text(sc: &PageScenario) -> String {
    let mut s = String::new();
    for r in &sc.responses {
        s.push_str(&r.url);
        s.push('\n');
        for h in &r.headers {
            s.push_str(h);
            s.push('\n');
        }
        for h in r.preflight_headers.iter().flatten() {
            s.push_str("preflight ");
            s.push_str(h);
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

/// Reads the editor's header text back into `sc`'s responses, keeping each URL's other
/// settings (status, size).
pub fn apply_headers_text(sc: &PageScenario, text: &str) -> Result<PageScenario, String> {
    let mut out = sc.clone();
    let mut blocks: Vec<ResponseSpec> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("http://") || line.starts_with("https://") {
            let old = sc.responses.iter().find(|r| r.url == line).cloned();
            blocks.push(ResponseSpec {
                url: line.to_string(),
                headers: vec![],
                preflight_headers: None,
                ..old.unwrap_or_default()
            });
            continue;
        }
        let Some(b) = blocks.last_mut() else {
            return Err(format!(
                "line {}: a header must follow a URL line (https://…)",
                n + 1
            ));
        };
        let (pre, h) = match line.strip_prefix("preflight ") {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        if !h.contains(':') {
            return Err(format!("line {}: a header is written Name: value", n + 1));
        }
        if pre {
            b.preflight_headers
                .get_or_insert_with(Vec::new)
                .push(h.to_string());
        } else {
            b.headers.push(h.to_string());
        }
    }
    out.responses = blocks;
    Ok(out)
}
