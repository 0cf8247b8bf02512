//! A page load: the document and every sub-resource it names, all in flight at once through
//! one socket pool, as Chromium's network stack runs them.
//!
//! A discrete-event simulation. The document is fetched first; when its last byte arrives the
//! parser finds the sub-resources ([`crate::model::page::discover`]), each at the moment the parser
//! reaches its tag, and every request then goes the same way:
//! 1. a repeat of a URL already requested is served from the memory cache (Blink's
//!    `ResourceFetcher` shares one resource between the two);
//! 2. a cross-origin `fetch()` that is not simple first sends an OPTIONS preflight (Fetch §4.8);
//! 3. the socket pool ([`crate::model::pool`]) is asked for a socket of the request's group: the
//!    origin plus whether credentials go with the request, since Chromium's `GroupId` holds the
//!    privacy mode. A full group queues the request; late binding may give it a connection
//!    another request started;
//! 4. a new connection resolves the host (one lookup per host name, shared by every connection
//!    that needs it, and kept in the browser's host cache), opens TCP (one round trip) and runs
//!    TLS (one round trip for 1.3, two for 1.2);
//! 5. over HTTP/1.1 a connection carries one request at a time; over HTTP/2 (ALPN `h2`) the
//!    first connection to the origin carries every request as a stream, up to 100 at once
//!    (`kInitialMaxConcurrentStreams`, net/spdy/spdy_session.h), and later requests wait for it
//!    instead of opening their own (Chromium does so when it knows the server speaks h2);
//! 6. the response comes back after a round trip and the server's think-time; its body takes
//!    slow start's round trips on that connection (the congestion window grows across the
//!    requests a connection carries) and its bytes at the link's bandwidth. The downstream link
//!    is shared: bodies cross it one after another, so the page can never load faster than its
//!    bytes allow;
//! 7. the same-origin rules ([`crate::model::policy`]) decide whether the page may use the response,
//!    and a blocked request ends with the message Chromium prints in the console.
//!
//! Cookies come from the jar of the request's host and go only with credentialed requests; a
//! cross-site request carries only `SameSite=None` cookies. `Set-Cookie` answers are stored.
//!
//! Phases use Chrome DevTools' names (Queueing, Stalled, DNS Lookup, Initial connection, SSL,
//! Request sent, Waiting for server response, Content Download). As in DevTools, "Initial
//! connection" includes the TLS handshake and "SSL" is that part of it.
//!
//! The parser waits for classic scripts (and a script for the stylesheets before it): an inline
//! script's `fetch()` and an iframe start only once the parser gets past them (for an iframe
//! after a script, that includes the stylesheets before the script); a web font waits for the
//! stylesheets. A `<link rel=preload>` is fetched when found and waits for, and blocks, nothing.
//!
//! Left out: the renderer's `ResourceScheduler` (which also holds back low-priority requests),
//! the iframe's own sub-resources, redirects, HTTP/2 header
//! compression, priorities inside an HTTP/2 connection, the slow-start restart after idle, the
//! TLS messages' own transmission time, and a stale-while-revalidate hit's background
//! revalidation (the hit is served; the refresh is not sent).
//! Sites come from [`crate::model::site`] with an empty suffix list, so a site is the host's last two
//! labels (the bundled app carries no Public Suffix List).

use crate::model::cache::{self as http_cache, Cache, Headers, Miss, Pending, Plan};
use crate::model::connection::{self, Connection as Machines};
use crate::model::cookie::Jar;
use crate::model::dns::{self, Caches};
use crate::model::navigation::{self, Timing};
use crate::model::page;
use crate::model::page_run;
use crate::model::policy::{self, Destination, Verdict};
use crate::model::pool::{self, GroupKey, Output as PoolOut, Pool, Priority, Stall};
use crate::model::rng::Rng;
use crate::model::scenario::CertChoice;
use crate::model::scenario::VISIT_UNIX_TIME;
use crate::model::scenario::{Costs, DnsLatency, DnsState, Profile, ProfileName, TlsChoice};
use crate::model::site::SuffixList;
use crate::model::step::steps;
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Event, Trace};
use crate::model::url::{self, Origin};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Maximum segment size assumed for every connection (an Ethernet MTU of 1500 bytes minus the
/// IPv4 and TCP headers).
const MSS: u64 = 1460;
/// RFC 6928's initial window, in segments.
const INITIAL_CWND: u64 = crate::model::http::INITIAL_WINDOW_SEGMENTS;
/// `kInitialMaxConcurrentStreams` (net/spdy/spdy_session.h).
pub const H2_MAX_STREAMS: usize = 100;
/// The seed of every page's random values (sequence numbers, TLS randoms): a page scenario
/// names none, so each connection's numbers come from this and its id.
const PAGE_SEED: u64 = 0x7769_7265_7761_6c6b;
/// The most the model accepts, so a pasted page cannot exhaust the browser.
pub const MAX_HTML_BYTES: usize = 2_000_000;
pub const MAX_REQUESTS: usize = 20_000;
/// The longest a return visit may come after the first: a year.
pub const MAX_WARM_CACHE_S: u64 = 365 * 86_400;
/// The largest response body a scenario may give: 1 TiB, hours at any bandwidth.
pub const MAX_BODY_BYTES: u64 = 1 << 40;

/// The wire protocol an origin answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Protocol {
    #[default]
    #[serde(rename = "http/1.1")]
    Http1,
    #[serde(rename = "h2")]
    H2,
    /// HTTP/3 over QUIC: only in a recording (HAR replay); the engine does not model it yet, so
    /// a scenario cannot ask for it.
    #[serde(rename = "h3", skip_deserializing)]
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
    /// this time where the tag sits in the document.
    pub parse_ms: f64,
    /// Main-thread time to run a script, ms: what the parser was waiting for has arrived, and
    /// the inline script's `fetch()` or the iframe starts this long after.
    pub script_ms: f64,
    pub origins: Vec<OriginSpec>,
    pub responses: Vec<ResponseSpec>,
    pub cookies: Vec<CookieSpec>,
    /// A return visit: the page was loaded this many seconds before, from an empty cache, and
    /// what that load stored is in the HTTP cache now (fresh entries are hits, stale ones with
    /// validators are revalidated). Only the HTTP cache is kept: the host cache and the
    /// connections of the first visit are not.
    pub warm_cache_s: Option<u64>,
}

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
        }
    }
}

impl PageScenario {
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

    fn profile(&self) -> Profile {
        Profile::builtin(self.profile).with(self.rtt_ms, self.bandwidth_mbps)
    }

    fn origin_spec(&self, origin: &str) -> Option<&OriginSpec> {
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
    /// Why the HTTP cache holds nothing for the document, when the situation knows (an earlier
    /// response said `no-store`).
    pub empty_cache_why: Option<&'static str>,
    /// The journey's page ([`crate::model::page_run`]): once the document arrives it is rendered at
    /// these costs, and a click a second after the first paint fetches `/api/data`.
    pub page: Option<Costs>,
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
            empty_cache_why: None,
            page: None,
        }
    }
}

/// A response's URL as requests name it: parsed and serialised, without the fragment (the text
/// as it is when it does not parse).
fn response_key(u: &str) -> String {
    match ::url::Url::parse(u) {
        Ok(x) => x.as_str().split('#').next().unwrap_or_default().to_string(),
        Err(_) => u.to_string(),
    }
}

/// Where a response came from when not from the network, as DevTools' Size column says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FromCache {
    No,
    /// The renderer's memory cache: the same URL already fetched by this page.
    Memory,
    /// The HTTP cache: a fresh stored response.
    Disk,
}

impl FromCache {
    /// HAR's `_fromCache` value (Chromium's), when there is one.
    pub fn har_name(self) -> Option<&'static str> {
        match self {
            FromCache::No => None,
            FromCache::Memory => Some("memory"),
            FromCache::Disk => Some("disk"),
        }
    }
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The page may use the response.
    Ok { status: u16, rule: String },
    /// The response (or the preflight) arrived but the page may not use it; or, after a failed
    /// preflight, the request was never sent.
    Blocked {
        rule: String,
        console: String,
        sent: bool,
    },
    /// No connection could be made.
    Failed { error: String },
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Ok { status, .. } => format!("ok {status}"),
            Outcome::Blocked { console, .. } => format!("blocked: {console}"),
            Outcome::Failed { error } => format!("failed: {error}"),
        }
    }
}

/// One stretch of a request's time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phase {
    /// Which of DevTools' phases.
    pub name: PhaseName,
    pub start: Instant,
    pub end: Instant,
    pub why: String,
}

/// The socket-pool groups of a load: each with its requests (those that used the network), the
/// connections it opened, the most open at once, and how many requests waited.
pub fn groups_of(connections: &[Connection], requests: &[Request]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for c in connections {
        if !groups.iter().any(|g| g.group == c.group) {
            groups.push(Group {
                group: c.group.clone(),
                origin: c.origin.clone(),
                credentials: c.credentials,
                protocol: c.protocol,
                requests: 0,
                opened: 0,
                max_open: 0,
                queued: 0,
            });
        }
    }
    for q in requests {
        if q.from_cache != FromCache::No || q.connection.is_none() && q.phases.is_empty() {
            continue;
        }
        if let Some(g) = groups.iter_mut().find(|g| g.group == q.group) {
            g.requests += 1;
            g.queued += usize::from(q.queued);
        }
    }
    for g in groups.iter_mut() {
        let cs: Vec<&Connection> = connections.iter().filter(|c| c.group == g.group).collect();
        g.opened = cs.len();
        // The most open at once, at some connection's start: a sweep over opens and closes,
        // a close at the same moment first (a socket closed as another opens is not counted).
        let mut events: Vec<(Instant, i64)> = cs
            .iter()
            .flat_map(|c| std::iter::once((c.start, 1)).chain(c.closed.map(|e| (e, -1))))
            .collect();
        events.sort_unstable();
        let mut open = 0i64;
        for (_, d) in events {
            open += d;
            if d > 0 {
                g.max_open = g.max_open.max(open.max(0) as usize);
            }
        }
    }
    groups
}

/// Chrome DevTools' phases of a request, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    Queueing,
    Stalled,
    DnsLookup,
    /// DevTools' "Initial connection": the TCP handshake (and, in its total, the TLS one).
    InitialConnection,
    /// The TLS handshake, the part of "Initial connection" DevTools shows apart.
    Ssl,
    RequestSent,
    /// "Waiting for server response" (TTFB).
    Waiting,
    ContentDownload,
}

impl PhaseName {
    pub const ALL: [PhaseName; 8] = [
        PhaseName::Queueing,
        PhaseName::Stalled,
        PhaseName::DnsLookup,
        PhaseName::InitialConnection,
        PhaseName::Ssl,
        PhaseName::RequestSent,
        PhaseName::Waiting,
        PhaseName::ContentDownload,
    ];

    /// DevTools' name for it.
    pub fn label(self) -> &'static str {
        match self {
            PhaseName::Queueing => "Queueing",
            PhaseName::Stalled => "Stalled",
            PhaseName::DnsLookup => "DNS Lookup",
            PhaseName::InitialConnection => "Initial connection",
            PhaseName::Ssl => "SSL",
            PhaseName::RequestSent => "Request sent",
            PhaseName::Waiting => "Waiting for server response",
            PhaseName::ContentDownload => "Content Download",
        }
    }
}

impl std::fmt::Display for PhaseName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The JSON carries DevTools' names.
impl Serialize for PhaseName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

/// One comparison line of the same-origin panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OriginPart {
    pub part: &'static str,
    pub page: String,
    pub resource: String,
    pub equal: bool,
}

/// One request of the page, as the waterfall and the CLI show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    pub id: u32,
    pub url: String,
    pub origin: String,
    /// `document`, `stylesheet`, `script`, `image`, `font`, `iframe`, `fetch`, `media` or
    /// `preflight`.
    pub destination: &'static str,
    pub method: String,
    /// Chromium's net priority (`None` when a recording did not say); [`priority_label`] is
    /// DevTools' name for it, which the JSON carries.
    #[serde(serialize_with = "serialize_priority")]
    pub priority: Option<Priority>,
    /// Where the request came from (`<img src=a.png>`).
    pub initiator: String,
    /// The socket pool group: the origin, prefixed `pm/` when the request goes without
    /// credentials (Chromium's privacy mode).
    pub group: String,
    pub credentials: bool,
    /// The `Cookie` header sent, if any, and why cookies were or were not sent.
    pub cookie: Option<String>,
    pub cookie_note: String,
    pub protocol: Protocol,
    pub connection: Option<u32>,
    /// The connection had carried a request before.
    pub reused: bool,
    /// Waited in the pool's queue for a free socket.
    pub queued: bool,
    /// Served without the network: from the page's memory cache (the same URL fetched
    /// earlier in the load) or from the HTTP cache on disk (a fresh entry).
    pub from_cache: FromCache,
    pub start: Instant,
    pub end: Instant,
    pub phases: Vec<Phase>,
    pub bytes: u64,
    pub outcome: Outcome,
    pub same_origin: bool,
    pub comparison: Vec<OriginPart>,
    /// For a request that needed one: the preflight's id and why it was needed.
    pub preflight: Option<(u32, String)>,
    /// For a preflight: the request it asks permission for.
    pub preflight_for: Option<u32>,
    /// The response's status; 0 when none arrived.
    pub status: u16,
    /// The body's bytes (without the head), and its Content-Type.
    pub body_bytes: u64,
    pub content_type: String,
    /// The scenario's response for this URL (an index into `PageScenario::responses`).
    pub response: Option<usize>,
    /// Header lines the request carries beyond the model's own: those a script gave its
    /// `fetch()`, and the validators of a revalidation (`If-None-Match: …`).
    pub extra_headers: Vec<String>,
}

impl Request {
    /// Time spent in the phase called `name`.
    pub fn phase(&self, name: PhaseName) -> Duration {
        self.phases
            .iter()
            .filter(|p| p.name == name)
            .fold(Duration::ZERO, |d, p| d + p.end.since(p.start))
    }

    /// DevTools' "Initial connection", which includes the TLS handshake.
    pub fn initial_connection(&self) -> Duration {
        self.phase(PhaseName::InitialConnection) + self.phase(PhaseName::Ssl)
    }
}

/// One connection (one socket), from the connect job that opened it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    pub id: u32,
    pub group: String,
    pub origin: String,
    pub credentials: bool,
    pub protocol: Protocol,
    /// Which of the group's six slots it occupies, for the socket-pool view.
    pub lane: usize,
    /// Opened by `<link rel=preconnect>`.
    pub preconnect: bool,
    /// The request whose arrival started it.
    pub started_for: Option<u32>,
    pub start: Instant,
    pub dns_end: Instant,
    pub tcp_end: Instant,
    pub ready: Instant,
    pub closed: Option<Instant>,
    pub close_reason: String,
    /// (request, from, to): when it carried each request.
    pub uses: Vec<(u32, Instant, Instant)>,
}

impl Connection {
    /// What the socket is doing at `t`: `none` (not yet opened), `connecting`, `busy`,
    /// `idle` or `closed`.
    pub fn state_at(&self, t: Instant) -> &'static str {
        if t < self.start {
            "none"
        } else if self.closed.is_some_and(|c| t >= c) {
            "closed"
        } else if t < self.ready {
            "connecting"
        } else if self.carrying(t).next().is_some() {
            "busy"
        } else {
            "idle"
        }
    }

    /// The requests it carries at `t` (one on HTTP/1.1; any number of HTTP/2 streams).
    pub fn carrying(&self, t: Instant) -> impl Iterator<Item = u32> + '_ {
        self.uses
            .iter()
            .filter(move |(_, a, b)| *a <= t && t < *b)
            .map(|u| u.0)
    }
}

/// A request's time in a socket group's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queued {
    pub id: u32,
    pub from: Instant,
    pub until: Instant,
}

impl Queued {
    /// Waiting at `t`.
    pub fn at(&self, t: Instant) -> bool {
        self.from <= t && t < self.until
    }
}

/// One socket group's summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub group: String,
    pub origin: String,
    pub credentials: bool,
    pub protocol: Protocol,
    pub requests: usize,
    /// Connections opened.
    pub opened: usize,
    /// The most open at one time.
    pub max_open: usize,
    /// Requests that waited for a free socket.
    pub queued: usize,
}

impl Group {
    /// How many connections the group may have open: one for HTTP/2 (every request is a stream
    /// on it), else Chromium's six.
    pub fn slots(&self) -> usize {
        if self.protocol == Protocol::H2 {
            1
        } else {
            crate::model::pool::MAX_SOCKETS_PER_GROUP
        }
    }
}

/// The whole load.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PageLoad {
    pub name: String,
    pub url: String,
    pub page_origin: String,
    pub rtt: Duration,
    pub bandwidth_bps: u64,
    pub tls: &'static str,
    pub requests: Vec<Request>,
    pub connections: Vec<Connection>,
    pub groups: Vec<Group>,
    /// What the console shows: every blocked request's message.
    pub console: Vec<String>,
    /// URLs in the page that could not be requested, and scenario entries that were ignored.
    pub problems: Vec<String>,
    pub end: Instant,
    /// Every message of every request and connection, in the order the engine produced them
    /// (which is time order). Each event names its request and its connection.
    #[serde(skip)]
    pub trace: Trace,
    /// The document's `PerformanceNavigationTiming` (its DOM milestones when the load ran a
    /// page, [`Situation::page`]); all zero when the navigation failed.
    #[serde(skip)]
    pub timing: Timing,
    /// How the navigation failed (the error page or interstitial it shows), if it did.
    #[serde(skip)]
    pub failed: Option<navigation::Outcome>,
}

impl PageLoad {
    /// Every request that waited in `group`'s queue, in queue order (priority, then arrival):
    /// the order is the same at every moment, so a view builds this once and filters it by time.
    pub fn queue(&self, group: &str) -> Vec<Queued> {
        let mut w: Vec<(Option<Priority>, Queued)> = self
            .requests
            .iter()
            .filter(|r| r.group == group && r.queued)
            .filter_map(|r| {
                let q = r.phases.iter().find(|p| p.name == PhaseName::Queueing)?;
                Some((
                    r.priority,
                    Queued {
                        id: r.id,
                        from: q.start,
                        until: q.end,
                    },
                ))
            })
            .collect();
        w.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(a.1.from.cmp(&b.1.from))
                .then(a.1.id.cmp(&b.1.id))
        });
        w.into_iter().map(|x| x.1).collect()
    }

    /// Requests waiting in `group`'s queue at `t`, in queue order.
    pub fn waiting_at(&self, group: &str, t: Instant) -> Vec<&Request> {
        self.queue(group)
            .iter()
            .filter(|q| q.at(t))
            .filter_map(|q| self.request(q.id))
            .collect()
    }

    /// The request with this id.
    pub fn request(&self, id: u32) -> Option<&Request> {
        // Ids are 1, 2, 3, … in order.
        self.requests
            .get((id as usize).checked_sub(1)?)
            .filter(|r| r.id == id)
    }

    /// Connections per origin (both credential groups together), in first-opened order.
    pub fn connections_per_origin(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for c in &self.connections {
            match out.iter_mut().find(|(o, _)| *o == c.origin) {
                Some(e) => e.1 += 1,
                None => out.push((c.origin.clone(), 1)),
            }
        }
        out
    }
}

/// DevTools' label for Chromium's net priority (DevTools shows `MEDIUM` as High and `LOW` as
/// Medium).
pub fn devtools_priority(p: Priority) -> &'static str {
    match p {
        Priority::Highest => "Highest",
        Priority::Medium => "High",
        Priority::Low => "Medium",
        Priority::Lowest => "Low",
        Priority::Idle => "Lowest",
        Priority::Throttled => "Throttled",
    }
}

/// DevTools' label for a request's priority, or `(not recorded)`.
pub fn priority_label(p: Option<Priority>) -> &'static str {
    p.map_or("(not recorded)", devtools_priority)
}

fn serialize_priority<S: serde::Serializer>(p: &Option<Priority>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(priority_label(*p))
}

/// The body size assumed for a kind of resource when the scenario gives none.
fn default_bytes(d: Dest) -> u64 {
    match d {
        Dest::Fetch(Destination::Style) => 20_000,
        Dest::Fetch(Destination::Script) => 50_000,
        Dest::Fetch(Destination::Image) => 40_000,
        Dest::Fetch(Destination::Font) => 30_000,
        Dest::Fetch(Destination::Media) => 200_000,
        Dest::Fetch(Destination::Iframe) | Dest::Fetch(Destination::Document) => 15_000,
        Dest::Fetch(Destination::Fetch) => 2_000,
        Dest::Preflight => 0,
    }
}

/// The request the model sends for `url`: the model's `fetch()` headers ([`crate::model::http::fetch_request`],
/// with the `Host` and target the URL gives, port and query included), this request's cookie and
/// the extra header lines a script or a preflight adds (`Name: value`, or a name alone); with its
/// size on the wire for `method` (the request line says `GET`, so the size adds the difference).
pub fn sent_request(
    url: &str,
    referer: &str,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (crate::model::http::Request, u64) {
    let (host, target) = host_and_target(url);
    let mut sent = crate::model::http::fetch_request(&host, &target, referer, cookie);
    for line in extra {
        let (name, value) = header_line(line);
        sent.headers.0.push((name.to_string(), value.to_string()));
    }
    let size = sent.wire_len() + (method.len() as u64).saturating_sub(3);
    (sent, size)
}

/// Request `id` of a load as the model sends it, and its size: the document's (request 1) is a
/// navigation request (Fetch's mode `navigate`) whose extra lines are the cache's validators;
/// every other is the model's `fetch()` request ([`sent_request`]). The engine and the HAR
/// export both call this, so the export shows what was sent.
pub fn request_as_sent(
    id: u32,
    url: &str,
    referer: &str,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (crate::model::http::Request, u64) {
    if id == 1 {
        return sent_navigation(url, cookie, &Headers(header_pairs(extra)));
    }
    sent_request(url, referer, method, cookie, extra)
}

/// The document's request: a navigation ([`crate::model::http::navigation_request`]) with its cookie
/// and the cache's validators; with its size on the wire.
pub fn sent_navigation(
    url: &str,
    cookie: Option<&str>,
    conditional: &Headers,
) -> (crate::model::http::Request, u64) {
    let (host, target) = host_and_target(url);
    let sent = crate::model::http::navigation_request(&host, &target, cookie, conditional);
    let size = sent.wire_len();
    (sent, size)
}

/// The `Host` header (the port only when the URL gives one) and the request target (path and
/// query) for `url`.
fn host_and_target(url: &str) -> (String, String) {
    let parsed = ::url::Url::parse(url).ok();
    let host = parsed.as_ref().map_or_else(String::new, |u| {
        let h = u.host_str().unwrap_or_default();
        match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        }
    });
    let target = parsed.as_ref().map_or_else(
        || "/".to_string(),
        |u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
    );
    (host, target)
}

/// The response the model sends at `date` (seconds since the Unix epoch): the scenario's header
/// lines, then `Date`, `Content-Type` and `Content-Length` where the lines do not give them.
pub fn response_message(
    status: u16,
    lines: &[String],
    content_type: &str,
    body: u64,
    date: i64,
) -> crate::model::http::Response {
    let mut h = Headers::new();
    for l in lines {
        if let Some((n, v)) = l.split_once(':') {
            h = h.with(n.trim(), v.trim());
        }
    }
    for (name, value) in [
        ("Date", crate::model::http_date::format(date)),
        ("Content-Type", content_type.to_string()),
        ("Content-Length", body.to_string()),
    ] {
        if h.get(name).is_none() {
            h = h.with(name, value);
        }
    }
    crate::model::http::Response {
        status,
        reason: crate::model::http::reason_phrase(status),
        headers: h,
        body_bytes: body,
    }
}

/// RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison, §13.1.2); else
/// If-Modified-Since against Last-Modified. False when the request is not conditional.
fn validators_match(conditional: &Headers, response: &Headers) -> bool {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if let Some(inm) = conditional.get("if-none-match") {
        return response.get("etag").is_some_and(|etag| {
            inm.split(',')
                .any(|t| t.trim() == "*" || weak(t) == weak(etag))
        });
    }
    match (
        conditional
            .get("if-modified-since")
            .and_then(crate::model::http_date::parse),
        response
            .get("last-modified")
            .and_then(crate::model::http_date::parse),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// The 304 a server sends instead of `full`: the same header fields but the body's own
/// (RFC 9110 §15.4.5), and no body.
pub(crate) fn not_modified(full: crate::model::http::Response) -> crate::model::http::Response {
    let mut headers = full.headers;
    headers.remove("content-length");
    headers.remove("content-type");
    crate::model::http::Response {
        status: 304,
        reason: crate::model::http::reason_phrase(304),
        headers,
        body_bytes: 0,
    }
}

/// A parsed URL's origin (HTML §7.1.1), as the model's URL parser would give it: the same
/// WHATWG parse, without parsing the text a second time.
fn origin_of(u: &::url::Url) -> Origin {
    match u.origin() {
        ::url::Origin::Tuple(scheme, host, port) => Origin::Tuple {
            scheme,
            host: host.to_string(),
            port,
        },
        ::url::Origin::Opaque(_) => Origin::Opaque,
    }
}

/// The Content-Type assumed when the scenario gives none: from the file extension, else from
/// the kind of resource.
fn default_content_type(url: &str, d: Dest) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "mp4" => "video/mp4",
        _ => match d {
            Dest::Fetch(Destination::Style) => "text/css",
            Dest::Fetch(Destination::Script) => "text/javascript",
            Dest::Fetch(Destination::Image) => "image/png",
            Dest::Fetch(Destination::Font) => "font/woff2",
            Dest::Fetch(Destination::Media) => "video/mp4",
            Dest::Fetch(Destination::Fetch) => "application/json",
            _ => "text/html",
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    Fetch(Destination),
    Preflight,
}

impl Dest {
    fn name(self) -> &'static str {
        match self {
            Dest::Fetch(d) => d.name(),
            Dest::Preflight => "preflight",
        }
    }
}

/// How the request got its connection.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Binding {
    /// A new connection (late binding: maybe one another request started).
    New,
    /// An idle socket; `used` when it had carried a request before.
    Idle { used: bool },
    /// A socket released by the request before it, handed straight over.
    Handed,
    /// A stream on the origin's HTTP/2 connection.
    Stream,
}

impl R {
    /// The header lines sent beyond the model's own: the script's, then the cache's validators.
    fn sent_lines(&self) -> Vec<String> {
        let mut lines = self.headers.clone();
        lines.extend(self.conditional.0.iter().map(|(n, v)| format!("{n}: {v}")));
        lines
    }
}

#[derive(Clone, Debug)]
struct R {
    url: String,
    origin: Origin,
    origin_s: String,
    host: String,
    https: bool,
    dest: Dest,
    method: String,
    headers: Vec<String>,
    include_credentials: bool,
    priority: Priority,
    initiator: String,
    group: String,
    credentialed: bool,
    h2: bool,
    cookie: Option<String>,
    cookie_note: String,
    t0: Instant,
    queue: Option<(Instant, Instant, Stall, usize)>,
    conn: Option<u32>,
    binding: Option<Binding>,
    started_job: Option<u32>,
    stalled_why: Option<String>,
    send_start: Option<Instant>,
    send_end: Instant,
    first_byte: Instant,
    end: Option<Instant>,
    status: u16,
    bytes: u64,
    body_bytes: u64,
    download_why: String,
    response: Option<usize>,
    outcome: Option<Outcome>,
    preflight: Option<(usize, String)>,
    preflight_for: Option<usize>,
    /// When the preflight answered, for a request that needed one.
    preflight_end: Option<Instant>,
    dup_of: Option<usize>,
    followers: Vec<usize>,
    /// The HTTP/2 stream that carries it.
    stream: Option<u32>,
    /// Served from the disk cache (a fresh hit).
    disk_cache: bool,
    /// The cache's half of the exchange, while the request is on the network.
    pending: Option<Box<Pending>>,
    /// The validators the cache added (a revalidation).
    conditional: Headers,
    /// The cache has been asked (once per request).
    cache_asked: bool,
    /// The server's response, worked out when the request is sent.
    resp: Option<Box<crate::model::http::Response>>,
    /// The connection stays open after this response (keep-alive, no `Connection: close`).
    keep_alive: bool,
    /// When the response's last byte arrives, once the server has sent its head.
    last_byte: Instant,
}

struct Job {
    conn: Connection,
    /// The connection's TCP and TLS machines, from the end of its DNS lookup.
    machines: Box<Machines>,
    dns_why: String,
    ip: String,
    cwnd: u64,
    socket: Option<u32>,
    taken_by: Option<usize>,
    /// The lookup found no such name: the connection fails when its DNS ends.
    dns_failed: bool,
    /// Why the connection failed, once it has.
    failure: Option<connection::Failure>,
}

#[derive(Clone, Debug, Default)]
struct H2 {
    conn: Option<u32>,
    connecting: bool,
    active: usize,
    waiting: Vec<usize>,
}

#[derive(Clone, Debug)]
enum Ev {
    Issue(usize),
    Preconnect(String, bool),
    DnsDone(String),
    /// The address is known: the connection sends its SYN.
    ConnStart(u32),
    /// A handshake message reaches its side of the connection.
    Deliver(u32, Box<connection::Delivery>),
    /// An event computed ahead (a DNS lookup's messages) whose moment has come.
    Emit(Box<Event>),
    /// The server starts sending request `r`'s response.
    ServerSends(usize),
    /// The user clicks the journey page's button.
    Click,
    FirstByte(usize),
    Done(usize),
}

/// An event in the queue, ordered by time and then by `seq` alone (which is unique).
struct Scheduled {
    at: Instant,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Scheduled {}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Sim<'a> {
    sc: &'a PageScenario,
    situation: &'a Situation,
    /// The document's host: the journey's knobs apply to it.
    doc_host: String,
    /// Session tickets by server (`host:port`): a later connection there resumes.
    tickets: Vec<(String, crate::model::tls::Ticket)>,
    /// The browser's HTTP cache: every request's exchange goes through it.
    cache: Cache,
    /// The simulated date at the load's start, seconds since the Unix epoch.
    unix_time: i64,
    page_origin: Origin,
    rtt: Duration,
    bandwidth: u64,
    tls: TlsChoice,
    lat: DnsLatency,
    pool: Pool,
    /// Events by time, then by the order they were scheduled (`seq` is unique).
    events: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    reqs: Vec<R>,
    /// The scenario's responses by URL ([`response_key`]): the first for each.
    response_of: BTreeMap<String, usize>,
    /// The memory cache's index: for each URL, its place in `requests_for`, which holds the GET
    /// requests for it (not `fetch()`) in the order they were made, so a repeat finds its first
    /// without a scan. (Every text-keyed map here is `String` → `usize`: one copy of the map's
    /// code in the web bundle.)
    originals: BTreeMap<String, usize>,
    requests_for: Vec<Vec<usize>>,
    /// Connect jobs by id: the pool numbers them 1, 2, 3…, so job `n` is at `n - 1`.
    jobs: Vec<Job>,
    /// The job that made each socket, by socket id (also numbered from 1).
    socket_job: Vec<u32>,
    dns: Caches,
    /// Lookups in flight: host, end, the caches it will leave, the connection that asked,
    /// whether the name exists.
    dns_pending: Vec<(String, Instant, Caches, u32, bool)>,
    h2: Vec<(String, H2)>,
    lanes: Vec<(String, Vec<bool>)>,
    /// Every socket group the load used, typed, by the pool's key text: a connect job knows its
    /// origin and credentials mode from here, not from reading its key back.
    group_index: BTreeMap<String, usize>,
    group_keys: Vec<GroupKey>,
    link_free: Instant,
    jar: Jar,
    problems: Vec<String>,
    console: Vec<String>,
    /// What the parser waits for, in document order: parser-blocking scripts and stylesheets,
    /// each (offset in the document, request); and how many at the head of each list have
    /// ended.
    blocking: Vec<(usize, usize)>,
    styles: Vec<(usize, usize)>,
    blocking_done: usize,
    styles_done: usize,
    /// Requests the parser has not reached yet.
    deferred: Vec<Deferred>,
    /// The journey's page: its milestones once the document has arrived, and its click's
    /// `fetch()`.
    milestones: Option<page_run::Milestones>,
    api: Option<usize>,
    /// How the navigation ended, when it failed.
    nav_failed: Option<navigation::Outcome>,
    trace: Trace,
}

/// A request that waits for the first `blocking` parser-blocking scripts and the first
/// `styles` stylesheets to end, then `extra` more.
#[derive(Clone, Debug)]
struct Deferred {
    request: usize,
    earliest: Instant,
    blocking: usize,
    styles: usize,
    extra: Duration,
    why: String,
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

/// Loads the page. Never panics: a scenario that cannot load (a bad URL, too much HTML) gives
/// an error message instead.
pub fn run(sc: &PageScenario) -> Result<PageLoad, String> {
    run_in(sc, &Situation::default(), Cache::default())
}

/// Loads the page from `situation`, with `cache` as the HTTP cache at the start.
pub fn run_in(sc: &PageScenario, situation: &Situation, cache: Cache) -> Result<PageLoad, String> {
    if sc.html.len() > MAX_HTML_BYTES {
        return Err(format!(
            "the HTML is {} bytes; the limit is {MAX_HTML_BYTES} bytes",
            sc.html.len()
        ));
    }
    if let Some(r) = sc
        .responses
        .iter()
        .find(|r| r.bytes.is_some_and(|b| b > MAX_BODY_BYTES))
    {
        return Err(format!(
            "the response for {} has {} bytes; the limit is {MAX_BODY_BYTES} bytes (1 TiB)",
            short(&r.url),
            r.bytes.unwrap_or_default()
        ));
    }
    let parsed = url::parse(&sc.url, None).map_err(|e| {
        format!(
            "the document URL \"{}\" is not valid: {}",
            short(&sc.url),
            e.message
        )
    })?;
    let scheme = parsed.getters.protocol.trim_end_matches(':').to_string();
    if !matches!(scheme.as_str(), "http" | "https") {
        return Err(format!(
            "the document URL must be http or https, not {scheme}:"
        ));
    }
    let tls = TlsChoice::parse(&sc.tls).ok_or_else(|| {
        format!(
            "tls must be 1.3, 1.2-ecdhe or 1.2-rsa, not \"{}\"",
            short(&sc.tls)
        )
    })?;
    // A return visit: the same page loaded `warm_cache_s` seconds before, from a cold cache,
    // leaves its responses in the HTTP cache; only that cache carries over.
    let mut cache = cache;
    let now = situation.unix_time;
    if let Some(age) = sc.warm_cache_s {
        let age = age.min(MAX_WARM_CACHE_S) as i64;
        cache = run_at(sc, situation, &parsed, tls, now - age, cache).1;
    }
    Ok(run_at(sc, situation, &parsed, tls, now, cache).0)
}

/// One load of the page at `unix_time` with `cache` as the HTTP cache; returns the load and the
/// cache as the load left it.
fn run_at(
    sc: &PageScenario,
    situation: &Situation,
    parsed: &url::Parsed,
    tls: TlsChoice,
    unix_time: i64,
    cache: Cache,
) -> (PageLoad, Cache) {
    let profile = sc.profile();
    let doc_host = parsed.getters.hostname.clone();
    let mut sim = Sim {
        sc,
        situation,
        dns: Caches::for_state(situation.dns, &doc_host),
        doc_host,
        tickets: vec![],
        cache,
        unix_time,
        page_origin: parsed.origin.clone(),
        rtt: profile.rtt(),
        bandwidth: profile.bandwidth_bps,
        tls,
        lat: situation.dns_latency.clone(),
        pool: Pool::default(),
        events: BinaryHeap::new(),
        seq: 0,
        reqs: vec![],
        response_of: BTreeMap::new(),
        originals: BTreeMap::new(),
        requests_for: vec![],
        jobs: vec![],
        socket_job: vec![],
        dns_pending: vec![],
        h2: vec![],
        lanes: vec![],
        group_index: BTreeMap::new(),
        group_keys: vec![],
        link_free: Instant::ZERO,
        jar: Jar::default(),
        problems: vec![],
        console: vec![],
        blocking: vec![],
        styles: vec![],
        blocking_done: 0,
        styles_done: 0,
        deferred: vec![],
        milestones: None,
        api: None,
        nav_failed: None,
        trace: Trace::default(),
    };
    for (i, r) in sc.responses.iter().enumerate() {
        sim.response_of.entry(response_key(&r.url)).or_insert(i);
    }
    for c in &sc.cookies {
        match ::url::Url::parse(&c.url) {
            Ok(u) => {
                let host = u.host_str().unwrap_or("");
                if let Err(why) = sim.jar.set(host, &c.set_cookie, u.scheme() == "https") {
                    sim.problems
                        .push(format!("cookie \"{}\": {why}", short(&c.set_cookie)));
                }
            }
            Err(e) => sim
                .problems
                .push(format!("cookie URL \"{}\": {e}", short(&c.url))),
        }
    }
    for o in &sc.origins {
        if o.protocol == Protocol::H2 && o.origin.starts_with("http:") {
            sim.problems.push(format!(
                "{}: browsers speak HTTP/2 only over TLS, so this origin uses HTTP/1.1",
                o.origin
            ));
        }
    }
    if situation.resumption {
        // A session ticket from an earlier visit to the document's server.
        let port = parsed.default_port.unwrap_or(443);
        let port = parsed.getters.port.parse().unwrap_or(port);
        sim.tickets.push((
            format!("{}:{port}", sim.doc_host),
            crate::model::tls::Ticket {
                version: crate::model::tls::Version::Tls13,
                lifetime_s: 7200,
            },
        ));
    }
    if situation.existing_connection && !situation.refused {
        if let Ok(u) = ::url::Url::parse(&parsed.getters.href) {
            sim.open_idle(&u);
        }
    }
    let doc = sim.new_request(
        parsed.getters.href.clone(),
        Dest::Fetch(Destination::Document),
        Priority::Highest,
        "the typed URL".into(),
        "GET".into(),
        vec![],
        true,
        Instant::ZERO,
    );
    if let Some(doc) = doc {
        // The load starts where the address bar left the typed text.
        sim.push_request(doc, navigation::parse_event(&sc.url, Ok(parsed)));
        sim.schedule(Instant::ZERO, Ev::Issue(doc));
    }
    sim.run_events();
    sim.finish()
}

/// Bits per second as Mbit/s with up to three decimals, by integer arithmetic.
pub(super) fn mbit(bps: u64) -> String {
    crate::model::text::decimal(bps / 1000, 3)
}

/// Chromium's name for why a connection failed (net/base/net_error_list.h).
fn net_error(f: Option<connection::Failure>) -> String {
    match f {
        Some(connection::Failure::Dns) => "net::ERR_NAME_NOT_RESOLVED".into(),
        Some(connection::Failure::Refused) => "net::ERR_CONNECTION_REFUSED".into(),
        Some(connection::Failure::Cert(e)) => format!("net::{}", e.chromium_name()),
        _ => "net::ERR_CONNECTION_FAILED".into(),
    }
}

fn short(s: &str) -> String {
    crate::model::text::shorten(s, 80)
}

/// A `Name: value` line's name and value, trimmed; a line without a colon is a name alone.
pub(crate) fn header_line(line: &str) -> (&str, &str) {
    let (n, v) = line.split_once(':').unwrap_or((line, ""));
    (n.trim(), v.trim())
}

/// `Name: value` lines as (name, value) pairs.
fn header_pairs(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|h| {
            let (n, v) = header_line(h);
            (n.to_string(), v.to_string())
        })
        .collect()
}

fn header<'h>(headers: &'h [String], name: &str) -> Option<&'h str> {
    headers.iter().find_map(|h| {
        let (n, v) = h.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn headers_all<'h>(headers: &'h [String], name: &'h str) -> impl Iterator<Item = &'h str> + 'h {
    headers.iter().filter_map(move |h| {
        let (n, v) = h.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The response headers the same-origin rules read.
fn policy_response(headers: &[String]) -> policy::Response {
    let csp = headers_all(headers, "content-security-policy")
        .flat_map(|v| v.split(';'))
        .find_map(|d| {
            let d = d.trim();
            d.strip_prefix("frame-ancestors")
                .filter(|rest| rest.is_empty() || rest.starts_with(' '))
                .map(|rest| rest.trim().to_string())
        });
    policy::Response {
        content_type: header(headers, "content-type").map(str::to_string),
        nosniff: header(headers, "x-content-type-options")
            .is_some_and(|v| v.eq_ignore_ascii_case("nosniff")),
        allow_origin: header(headers, "access-control-allow-origin").map(str::to_string),
        allow_credentials: header(headers, "access-control-allow-credentials")
            .is_some_and(|v| v == "true"),
        allow_methods: list(header(headers, "access-control-allow-methods")),
        allow_headers: list(header(headers, "access-control-allow-headers")),
        x_frame_options: header(headers, "x-frame-options").map(str::to_string),
        frame_ancestors: csp,
    }
}

/// Milliseconds with one decimal, from whole microseconds (no float formatting).
fn ms(d: Duration) -> String {
    let tenths = (d.micros() + 50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The entry for `key` in a short list of (key, value) pairs, made when missing.
fn entry<'v, V: Default>(list: &'v mut Vec<(String, V)>, key: &str) -> &'v mut V {
    let i = match list.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            list.push((key.to_string(), V::default()));
            list.len() - 1
        }
    };
    &mut list[i].1
}

impl<'a> Sim<'a> {
    fn job(&self, id: u32) -> Option<&Job> {
        self.jobs.get((id as usize).checked_sub(1)?)
    }

    fn job_mut(&mut self, id: u32) -> Option<&mut Job> {
        self.jobs.get_mut((id as usize).checked_sub(1)?)
    }

    fn job_of_socket(&self, socket: u32) -> Option<u32> {
        self.socket_job
            .get((socket as usize).checked_sub(1)?)
            .copied()
    }

    fn h2_of(&mut self, group: &str) -> Option<&mut H2> {
        self.h2.iter_mut().find(|(g, _)| g == group).map(|(_, h)| h)
    }

    fn schedule(&mut self, at: Instant, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            ev,
        }));
    }

    fn run_events(&mut self) {
        while let Some(Reverse(Scheduled { at: t, ev, .. })) = self.events.pop() {
            match ev {
                Ev::Issue(r) => self.issue(t, r),
                Ev::Preconnect(origin, anonymous) => {
                    let Ok(u) = ::url::Url::parse(&origin) else {
                        continue;
                    };
                    let group = self.group_of(&u, !anonymous);
                    self.pool.preconnect(t, &group, 1);
                    self.pool_outputs(t);
                }
                Ev::DnsDone(host) => {
                    if let Some(i) = self.dns_pending.iter().position(|d| d.0 == host) {
                        let (host, _, caches, _, _) = self.dns_pending.remove(i);
                        self.dns.replace_host(&host, caches);
                    }
                }
                Ev::ConnStart(job) => {
                    let Some(j) = self.job_mut(job) else { continue };
                    if j.dns_failed {
                        // RFC 1035 §4.1.1 RCODE 3: the name does not exist; nothing to connect to.
                        j.failure = Some(connection::Failure::Dns);
                        self.pool.connect_failed(t, job);
                        self.pool_outputs(t);
                        continue;
                    }
                    j.machines.start(t);
                    self.machine_outputs(t, job);
                }
                Ev::Deliver(job, d) => {
                    if let Some(j) = self.job_mut(job) {
                        j.machines.handle(t, *d);
                    }
                    self.machine_outputs(t, job);
                }
                Ev::Emit(e) => self.push(*e),
                Ev::ServerSends(r) => self.server_sends(t, r),
                Ev::Click => self.click(t),
                Ev::FirstByte(r) => self.first_byte(t, r),
                Ev::Done(r) => self.done(t, r),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_request(
        &mut self,
        url: String,
        dest: Dest,
        priority: Priority,
        initiator: String,
        method: String,
        headers: Vec<String>,
        include_credentials: bool,
        t0: Instant,
    ) -> Option<usize> {
        if self.reqs.len() >= MAX_REQUESTS {
            if self.reqs.len() == MAX_REQUESTS {
                self.problems.push(format!(
                    "the page makes more than {MAX_REQUESTS} requests; the rest are left out"
                ));
            }
            return None;
        }
        let u = ::url::Url::parse(&url).ok()?;
        let origin = origin_of(&u);
        let origin_s = origin.serialize();
        let host = u.host_str().unwrap_or("").to_string();
        let https = u.scheme() == "https";
        let same = origin == self.page_origin;
        let credentialed = match dest {
            Dest::Preflight => false,
            Dest::Fetch(Destination::Font) => same,
            Dest::Fetch(Destination::Fetch) => include_credentials || same,
            Dest::Fetch(_) => true,
        };
        let group = self.group_of(&u, credentialed);
        let h2 = https
            && self
                .sc
                .origin_spec(&origin_s)
                .is_some_and(|o| o.protocol == Protocol::H2);
        let top_level = self.reqs.is_empty();
        // Sites without the Public Suffix List (the bundle does not carry it): its implicit
        // `*` rule alone, so a site is the host's last two labels.
        let cross_site = !top_level && !SuffixList::default().same_site(&self.page_origin, &origin);
        let (cookie, cookie_note) = if !credentialed {
            (
                None,
                match dest {
                    Dest::Preflight => "a preflight never carries cookies".to_string(),
                    _ => "sent without credentials (CORS, credentials 'same-origin' to another origin): no cookies".to_string(),
                },
            )
        } else {
            let c = self
                .jar
                .header_for_subresource(&host, u.path(), https, cross_site);
            let all = self.jar.header_for(&host, u.path(), https);
            let note = match (&c, &all, cross_site) {
                (Some(_), _, false) => format!("cookies from {host}'s jar"),
                (Some(_), _, true) => format!(
                    "cross-site request: only {host}'s SameSite=None cookies go with it"
                ),
                (None, Some(_), true) => format!(
                    "cross-site request: {host}'s cookies are SameSite=Lax (the default), so none are sent"
                ),
                (None, _, _) => format!("no cookies in {host}'s jar"),
            };
            (c, note)
        };
        let response = self.response_of.get(&response_key(&url)).copied();
        let id = self.reqs.len();
        self.reqs.push(R {
            url,
            origin,
            origin_s,
            host,
            https,
            dest,
            method,
            headers,
            include_credentials,
            priority,
            initiator,
            group,
            credentialed,
            h2,
            cookie,
            cookie_note,
            t0,
            queue: None,
            conn: None,
            binding: None,
            started_job: None,
            stalled_why: None,
            send_start: None,
            send_end: t0,
            first_byte: t0,
            end: None,
            status: 0,
            bytes: 0,
            body_bytes: 0,
            download_why: String::new(),
            response,
            outcome: None,
            preflight: None,
            preflight_for: None,
            preflight_end: None,
            dup_of: None,
            followers: vec![],
            stream: None,
            disk_cache: false,
            pending: None,
            conditional: Headers::new(),
            cache_asked: false,
            resp: None,
            keep_alive: true,
            last_byte: t0,
        });
        if self.reqs[id].method == "GET" && self.reqs[id].dest != Dest::Fetch(Destination::Fetch) {
            let next = self.requests_for.len();
            let at = *self
                .originals
                .entry(self.reqs[id].url.clone())
                .or_insert(next);
            if at == next {
                self.requests_for.push(vec![]);
            }
            if let Some(list) = self.requests_for.get_mut(at) {
                list.push(id);
            }
        }
        Some(id)
    }

    fn policy_request(&self, r: usize) -> policy::Request {
        let q = &self.reqs[r];
        policy::Request {
            url: q.url.clone(),
            destination: match q.dest {
                Dest::Fetch(d) => d,
                Dest::Preflight => Destination::Fetch,
            },
            method: q.method.clone(),
            // `Name: value` lines: the value decides whether a Content-Type is safelisted.
            headers: header_pairs(&q.headers),
            credentials: q.include_credentials,
        }
    }

    fn issue(&mut self, t: Instant, r: usize) {
        // 1. The memory cache: the same URL already requested by this page.
        // The first earlier request for the URL that went to the network (an index, not a scan).
        let cacheable =
            self.reqs[r].method == "GET" && self.reqs[r].dest != Dest::Fetch(Destination::Fetch);
        let dup = cacheable
            .then_some(())
            .and_then(|()| self.originals.get(&self.reqs[r].url))
            .and_then(|&at| self.requests_for.get(at))
            .and_then(|v| {
                v.iter().copied().take_while(|&o| o < r).find(|&o| {
                    self.reqs[o].dest == self.reqs[r].dest && self.reqs[o].dup_of.is_none()
                })
            });
        if let Some(first) = dup {
            self.reqs[r].dup_of = Some(first);
            match self.reqs[first].end {
                Some(_) => self.finish_duplicate(t, r),
                None => self.reqs[first].followers.push(r),
            }
            return;
        }
        // 2. A preflight for a non-simple cross-origin fetch.
        if self.reqs[r].dest == Dest::Fetch(Destination::Fetch)
            && self.reqs[r].origin != self.page_origin
        {
            let req = self.policy_request(r);
            let d = policy::decide(
                &self.page_origin,
                &self.reqs[r].origin,
                &req,
                &policy::Response::default(),
                None,
            );
            if let Some(pf) = d.preflight {
                let q = &self.reqs[r];
                let mut acr = vec![format!(
                    "Access-Control-Request-Method: {}",
                    pf.request_method
                )];
                if !pf.request_headers.is_empty() {
                    acr.push(format!(
                        "Access-Control-Request-Headers: {}",
                        pf.request_headers.join(",")
                    ));
                }
                let (url, priority) = (q.url.clone(), q.priority);
                let initiator = format!("CORS preflight for request {}", r + 1);
                if let Some(p) = self.new_request(
                    url,
                    Dest::Preflight,
                    priority,
                    initiator,
                    "OPTIONS".into(),
                    acr,
                    false,
                    t,
                ) {
                    self.reqs[p].preflight_for = Some(r);
                    self.reqs[r].preflight = Some((p, pf.because));
                    self.reqs[r].stalled_why = Some(format!(
                        "waiting for its CORS preflight (request {}) to answer",
                        p + 1
                    ));
                    self.ask_pool(t, p);
                    return;
                }
            }
        }
        self.ask_pool(t, r);
    }

    /// The HTTP cache's half before the network (RFC 9111 §4): true when the disk cache serves
    /// the request; otherwise it goes on, conditionally when the entry can be revalidated.
    fn ask_cache(&mut self, t: Instant, r: usize) -> bool {
        let q = &self.reqs[r];
        let key = q.url.split('#').next().unwrap_or_default().to_string();
        let creq = http_cache::Request {
            method: q.method.clone(),
            url: key.clone(),
            headers: Headers(header_pairs(&q.headers)),
            mode: http_cache::Mode::Default,
        };
        let plan = self.cache.plan(&creq, self.unix(t));
        self.push_request(r, http_cache::present::lookup(t, &key, &plan));
        let revalidate = matches!(plan, Plan::HitRevalidate { .. });
        match plan {
            // A hit within its stale-while-revalidate window is served the same way; the
            // background revalidation is left out.
            Plan::Hit {
                response,
                age_s,
                freshness,
            }
            | Plan::HitRevalidate {
                response,
                age_s,
                freshness,
                ..
            } => {
                self.push_request(
                    r,
                    http_cache::present::hit(t, age_s, &freshness, &response, revalidate),
                );
                let q = &mut self.reqs[r];
                q.disk_cache = true;
                q.status = response.status;
                q.body_bytes = response.body_bytes();
                q.cookie = None;
                q.cookie_note = "served from the disk cache: nothing is sent".into();
                self.done(t, r);
                true
            }
            Plan::Error(_) => {
                self.fail(t, r, "net::ERR_CACHE_MISS");
                true
            }
            Plan::Network(p) => {
                let empty = match self.situation.empty_cache_why {
                    Some(why) if r == 0 => why,
                    _ => "nothing stored for this URL",
                };
                let e = http_cache::present::to_network(t, &p.why, empty);
                self.push_request(r, e);
                if let Miss::Revalidate { conditional, .. } = &p.why {
                    self.reqs[r].conditional = conditional.clone();
                }
                self.reqs[r].pending = Some(Box::new(p));
                false
            }
        }
    }

    /// The simulated date at `t`.
    fn unix(&self, t: Instant) -> i64 {
        self.unix_time + (t.micros() / 1_000_000) as i64
    }

    fn finish_duplicate(&mut self, t: Instant, r: usize) {
        let Some(first) = self.reqs[r].dup_of else {
            return;
        };
        let (outcome, status, bytes) = (
            self.reqs[first].outcome.clone(),
            self.reqs[first].status,
            self.reqs[first].bytes,
        );
        let q = &mut self.reqs[r];
        q.end = Some(t);
        q.status = status;
        q.bytes = bytes;
        q.outcome = outcome;
        q.cookie = None;
        q.cookie_note = "served from the memory cache: nothing is sent".into();
        if t > q.t0 {
            q.stalled_why = Some(format!(
                "the same URL is already being fetched (request {}); it shares that response",
                first + 1
            ));
        }
        let e = Event::new(
            t,
            Actor::Browser,
            steps::CACHE_MEMORY_HIT,
            format!(
                "the page already has this URL (request {}): served from the memory cache",
                first + 1
            ),
        )
        .field("shares", format!("request {}'s response", first + 1));
        self.push_request(r, e);
        self.release_deferred(t);
    }

    fn ask_pool(&mut self, t: Instant, r: usize) {
        if !self.reqs[r].cache_asked && self.reqs[r].dest != Dest::Preflight {
            self.reqs[r].cache_asked = true;
            if self.ask_cache(t, r) {
                return;
            }
        }
        let group = self.reqs[r].group.clone();
        if self.reqs[r].h2 {
            let h = entry(&mut self.h2, &group);
            if let Some(c) = h.conn {
                if h.active < H2_MAX_STREAMS {
                    return self.start_stream(t, r, c);
                }
                h.waiting.push(r);
                self.reqs[r].stalled_why = Some(format!(
                    "the HTTP/2 connection already carries {H2_MAX_STREAMS} streams, its limit"
                ));
                return;
            }
            if h.connecting {
                h.waiting.push(r);
                self.reqs[r].stalled_why = Some(format!(
                    "waits for the HTTP/2 connection to {} that is being opened: one connection carries every request to the origin",
                    self.reqs[r].origin_s
                ));
                return;
            }
        }
        let prio = self.reqs[r].priority;
        let e = Event::new(
            t,
            Actor::Browser,
            steps::POOL_REQUEST_SOCKET,
            format!("request a socket for group {group}"),
        )
        .field_spec("group", &group, "Chromium ClientSocketPool::GroupId")
        .field("priority", devtools_priority(prio))
        .field(
            "limits",
            "6 per group, 256 per pool (Chromium client_socket_pool_manager.cc)",
        );
        self.push_request(r, e);
        self.pool.request(t, &group, r as u32, prio);
        self.pool_outputs(t);
    }

    fn pool_outputs(&mut self, t: Instant) {
        while let Some(o) = self.pool.poll_output() {
            match o {
                PoolOut::Reused {
                    request,
                    socket,
                    was_used,
                    ..
                } => {
                    let r = request as usize;
                    let job = self.job_of_socket(socket);
                    self.reqs[r].binding = Some(Binding::Idle { used: was_used });
                    self.reuse_event(t, r, job, "an idle socket of the group");
                    if let Some(j) = job {
                        self.send(t, r, j);
                    }
                }
                PoolOut::ConnectJobStarted {
                    job,
                    group,
                    for_request,
                } => self.start_job(t, job, group, for_request),
                PoolOut::Queued {
                    request,
                    reason,
                    ahead,
                    ..
                } => {
                    let why = match reason {
                        Stall::PoolLimit => format!(
                            "the pool's {} sockets are all in use",
                            pool::MAX_SOCKETS_PER_POOL
                        ),
                        _ => format!(
                            "the group's {} sockets are busy or opening",
                            pool::MAX_SOCKETS_PER_GROUP
                        ),
                    };
                    if reason != Stall::Preconnect {
                        let e = Event::new(
                            t,
                            Actor::Browser,
                            steps::POOL_QUEUED,
                            format!("queued: {why}"),
                        )
                        .field("ahead_in_queue", ahead)
                        .field("order", "priority, then arrival");
                        self.push_request(request as usize, e);
                        self.reqs[request as usize].queue = Some((t, t, reason, ahead));
                    } else {
                        self.reqs[request as usize].stalled_why =
                            Some("waits for the connection a <link rel=preconnect> started".into());
                    }
                }
                PoolOut::Bound { request, job, .. } => {
                    let r = request as usize;
                    self.reqs[r].binding = Some(Binding::New);
                    if let Some(j) = self.job_mut(job) {
                        j.taken_by = Some(r);
                    }
                    self.send(t, r, job);
                }
                PoolOut::Handed {
                    request, socket, ..
                } => {
                    let r = request as usize;
                    self.reqs[r].binding = Some(Binding::Handed);
                    let job = self.job_of_socket(socket);
                    self.reuse_event(t, r, job, "the socket the request before it just released");
                    if let Some(j) = self.job_of_socket(socket) {
                        self.send(t, r, j);
                    }
                }
                PoolOut::Idle { .. } => {}
                PoolOut::Closed { socket, reason, .. } => {
                    if let Some(j) = self.job_of_socket(socket) {
                        self.close_conn(t, j, reason);
                    }
                }
                PoolOut::Failed { request, job, .. } => {
                    self.close_conn(t, job, "the connection failed");
                    let failure = self.job(job).and_then(|j| j.failure);
                    let error = net_error(failure);
                    if let Some(r) = request {
                        if r == 0 {
                            // The navigation fails: the browser shows its error page.
                            let host = self.reqs[0].host.clone();
                            let f = failure
                                .unwrap_or(connection::Failure::Internal("the connection failed"));
                            let (e, outcome) = navigation::failure(f, t, &host);
                            self.push_request(0, e);
                            self.nav_failed = Some(outcome);
                        }
                        self.fail(t, r as usize, &error);
                    }
                    // Requests waiting for an HTTP/2 connection that never came fail with it.
                    let group = self.job(job).map(|j| j.conn.group.clone());
                    let waiting = match group.as_deref().and_then(|g| self.h2_of(g)) {
                        Some(h) if h.conn.is_none() => {
                            h.connecting = false;
                            std::mem::take(&mut h.waiting)
                        }
                        _ => vec![],
                    };
                    for w in waiting {
                        self.fail(t, w, &error);
                    }
                }
            }
        }
    }

    fn reuse_event(&mut self, t: Instant, r: usize, job: Option<u32>, which: &str) {
        let mut e = Event::new(
            t,
            Actor::Browser,
            steps::POOL_REUSE,
            format!("reuse {which}: no DNS, no handshakes"),
        );
        if let Some(j) = job {
            e = e.connection(j);
        }
        self.push_request(r, e);
    }

    fn close_conn(&mut self, t: Instant, job: u32, reason: &str) {
        if let Some(j) = self.job_mut(job) {
            if j.conn.closed.is_none() {
                j.conn.closed = Some(t);
                j.conn.close_reason = reason.to_string();
                let (group, lane) = (j.conn.group.clone(), j.conn.lane);
                if let Some(slot) = entry(&mut self.lanes, &group).get_mut(lane) {
                    *slot = false;
                }
            }
        }
    }

    fn start_job(&mut self, t: Instant, job: u32, group: String, for_request: Option<u32>) {
        let Some(key) = self
            .group_index
            .get(&group)
            .and_then(|&i| self.group_keys.get(i))
            .cloned()
        else {
            return;
        };
        let GroupKey {
            origin,
            host,
            port,
            https,
            credentials,
            ..
        } = key;
        let h2 = https
            && self
                .sc
                .origin_spec(&origin)
                .is_some_and(|o| o.protocol == Protocol::H2);
        if h2 {
            entry(&mut self.h2, &group).connecting = true;
        }
        let e = Event::new(
            t,
            Actor::Browser,
            steps::POOL_NEW_CONNECTION,
            format!("open connection {job} to {group}"),
        )
        .field(
            "connect_job",
            if https {
                "resolve host → TCP connect → TLS handshake"
            } else {
                "resolve host → TCP connect"
            },
        )
        .field(
            "opened_for",
            match for_request {
                Some(r) => format!("request {}", r + 1),
                None => "a <link rel=preconnect>".into(),
            },
        )
        .request(for_request.map_or(0, |r| r + 1))
        .connection(job);
        self.push(e);
        // DNS: one lookup per host, shared; then the browser's host cache.
        let (dns_end, dns_why, resolved) = self.resolve(t, &host, job, for_request);
        let lanes = entry(&mut self.lanes, &group);
        let lane = match lanes.iter().position(|b| !b) {
            Some(i) => {
                lanes[i] = true;
                i
            }
            None => {
                lanes.push(true);
                lanes.len() - 1
            }
        };
        let ip = connection::address(&host);
        debug_assert_eq!(
            self.jobs.len() + 1,
            job as usize,
            "the pool numbers jobs in order"
        );
        // Each connection draws its own numbers (port, sequence numbers, TLS randoms), so one
        // connection's values do not depend on how many others the page opened before it.
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("connection {job}"));
        let config = self.connection_config(&group, host, port, https);
        let machines = Machines::new(job, config, dns_end, &mut rng);
        self.jobs.push(Job {
            conn: Connection {
                id: job,
                credentials,
                group,
                origin,
                protocol: if h2 { Protocol::H2 } else { Protocol::Http1 },
                lane,
                preconnect: for_request.is_none(),
                started_for: for_request.map(|r| r + 1),
                start: t,
                dns_end,
                // Set by the machines as the handshakes complete.
                tcp_end: dns_end,
                ready: dns_end,
                closed: None,
                close_reason: String::new(),
                uses: vec![],
            },
            machines: Box::new(machines),
            dns_why,
            ip,
            cwnd: INITIAL_CWND,
            socket: None,
            taken_by: None,
            dns_failed: !resolved,
            failure: None,
        });
        if let Some(r) = for_request {
            self.reqs[r as usize].started_job = Some(job);
        }
        self.schedule(dns_end, Ev::ConnStart(job));
    }

    /// Takes what connection `job`'s machines have to say at `t`: trace events, deliveries to
    /// put on the queue, and the handshake's milestones.
    fn machine_outputs(&mut self, t: Instant, job: u32) {
        let Some(j) = self.job_mut(job) else { return };
        let request = j.conn.started_for.unwrap_or(0);
        let m = &mut j.machines;
        let outs: Vec<connection::Output> = std::iter::from_fn(|| m.poll_output()).collect();
        for o in outs {
            match o {
                connection::Output::Trace(e) => self.push(e.request(request).connection(job)),
                connection::Output::Deliver(d) => {
                    self.schedule(d.at, Ev::Deliver(job, Box::new(d)))
                }
                connection::Output::TcpConnected(at) => {
                    if let Some(j) = self.job_mut(job) {
                        j.conn.tcp_end = at;
                    }
                }
                connection::Output::Ready(at) => {
                    if let Some(j) = self.job_mut(job) {
                        j.conn.ready = at;
                    }
                    self.keep_ticket(job);
                    self.job_ready(t, job);
                }
                connection::Output::Failed(f, _) => {
                    if let Some(j) = self.job_mut(job) {
                        j.failure = Some(f);
                    }
                    self.pool.connect_failed(t, job);
                    self.pool_outputs(t);
                }
            }
        }
    }

    /// A connection finished its handshakes: the pool hands it out.
    fn job_ready(&mut self, t: Instant, job: u32) {
        let socket = self.pool.connect_complete(t, job);
        if let Some(j) = self.job_mut(job) {
            j.socket = socket;
        }
        if let Some(s) = socket {
            let i = s as usize - 1;
            if self.socket_job.len() <= i {
                self.socket_job.resize(i + 1, 0);
            }
            self.socket_job[i] = job;
        }
        let group = self.job(job).map(|j| j.conn.group.clone());
        self.pool_outputs(t);
        if let Some(g) = group {
            self.h2_ready(t, &g, job);
        }
    }

    /// What a connection to `host:port` needs: the load's TLS version, and for the document's
    /// host the situation's server and TLS options; a ticket that server gave earlier. A TLS 1.3
    /// ticket is used once: Chromium's session cache pops a single-use session when it hands it
    /// out (`SSLClientSessionCache::Lookup`, net/ssl/ssl_client_session_cache.cc, after
    /// BoringSSL's `SSL_SESSION_should_be_single_use`; RFC 8446 §C.4 advises clients so).
    fn connection_config(
        &mut self,
        group: &str,
        host: String,
        port: u16,
        secure: bool,
    ) -> connection::Config {
        let s = self.situation;
        let doc = host == self.doc_host;
        let server = format!("{host}:{port}");
        let ticket = self
            .tickets
            .iter()
            .position(|(k, _)| *k == server)
            .map(|i| {
                if self.tickets[i].1.version == crate::model::tls::Version::Tls13 {
                    self.tickets.remove(i).1
                } else {
                    self.tickets[i].1.clone()
                }
            });
        connection::Config {
            group: group.to_string(),
            refused: doc && s.refused,
            rtt: self.rtt,
            unix_time: self.unix_time,
            tls: self.tls,
            cert: if doc { s.cert } else { CertChoice::Valid },
            client_chain: (doc && s.client_cert).then(|| connection::client_chain(self.unix_time)),
            ticket,
            false_start: doc && s.false_start,
            host,
            port,
            secure,
        }
    }

    /// A connection that finished its handshake keeps its server's ticket for later ones.
    fn keep_ticket(&mut self, job: u32) {
        let Some(j) = self.job(job) else { return };
        let Some(ticket) = j.machines.ticket() else {
            return;
        };
        let server = format!("{}:{}", j.machines.config.host, j.machines.config.port);
        match self.tickets.iter_mut().find(|(k, _)| *k == server) {
            Some(slot) => slot.1 = ticket,
            None => self.tickets.push((server, ticket)),
        }
    }

    /// An idle keep-alive connection to `u`'s origin, open before the load starts (untraced).
    fn open_idle(&mut self, u: &::url::Url) {
        let group = self.group_of(u, true);
        self.pool.preconnect(Instant::ZERO, &group, 1);
        while let Some(o) = self.pool.poll_output() {
            let PoolOut::ConnectJobStarted { job, group, .. } = o else {
                continue;
            };
            let key = GroupKey::new(u, true);
            let mut rng = Rng::for_purpose(self.situation.seed, &format!("connection {job}"));
            let config = self.connection_config(&group, key.host.clone(), key.port, key.https);
            let machines = Machines::established(job, config, &mut rng);
            let lane = {
                let lanes = entry(&mut self.lanes, &group);
                lanes.push(true);
                lanes.len() - 1
            };
            self.jobs.push(Job {
                conn: Connection {
                    id: job,
                    credentials: true,
                    group: group.clone(),
                    origin: key.origin.clone(),
                    protocol: Protocol::Http1,
                    lane,
                    preconnect: false,
                    started_for: None,
                    start: Instant::ZERO,
                    dns_end: Instant::ZERO,
                    tcp_end: Instant::ZERO,
                    ready: Instant::ZERO,
                    closed: None,
                    close_reason: String::new(),
                    uses: vec![],
                },
                ip: connection::address(&key.host),
                machines: Box::new(machines),
                dns_why: "open before the load started".into(),
                cwnd: INITIAL_CWND,
                socket: None,
                taken_by: None,
                dns_failed: false,
                failure: None,
            });
            self.job_ready(Instant::ZERO, job);
        }
    }

    /// The socket group of a request to `u`'s origin, with or without credentials: its key text
    /// for the pool, the typed key kept for the connect job.
    fn group_of(&mut self, u: &::url::Url, credentials: bool) -> String {
        let key = GroupKey::new(u, credentials);
        let next = self.group_keys.len();
        let text = key.text.clone();
        let i = *self.group_index.entry(text.clone()).or_insert(next);
        if i == next {
            self.group_keys.push(key);
        }
        text
    }

    /// Adds an event that happens now to the trace.
    fn push(&mut self, e: Event) {
        debug_assert!(
            self.trace.events.last().is_none_or(|l| l.at <= e.at),
            "the engine emits events in time order"
        );
        self.trace.push(e);
    }

    /// When the address of `host` is known, and how.
    fn resolve(
        &mut self,
        t: Instant,
        host: &str,
        job: u32,
        for_request: Option<u32>,
    ) -> (Instant, String, bool) {
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            let e = Event::new(
                t,
                Actor::Browser,
                steps::DNS_BROWSER_CACHE,
                format!("{host} is an IP address: nothing to resolve"),
            )
            .field("host", host)
            .request(for_request.map_or(0, |r| r + 1))
            .connection(job);
            self.push(e);
            return (t, "an IP address: nothing to look up".into(), true);
        }
        if let Some((_, end, _, by, exists)) = self.dns_pending.iter().find(|d| d.0 == host) {
            return (
                *end,
                format!(
                    "one lookup per host name: it shares the lookup of {host} that connection {by} started"
                ),
                *exists,
            );
        }
        // A lookup reads and writes only `host`'s entries (and whether the resolver knows the
        // zones above): it starts from those, not a copy of every host the page has resolved.
        let mut caches = self.dns.for_host(host);
        let exists = !(self.situation.dns == DnsState::Nxdomain && host == self.doc_host);
        let l = dns::lookup(
            t,
            host,
            exists,
            &mut caches,
            &self.lat,
            self.rtt,
            self.lat.ttl_s,
        );
        // The lookup's messages are computed now and emitted each at its moment.
        let request = for_request.map_or(0, |r| r + 1);
        for e in l.events {
            let e = e.request(request).connection(job);
            if e.at == t {
                self.push(e);
            } else {
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        let exists = l.answer != dns::Answer::NxDomain;
        if l.end == t {
            return (
                t,
                format!("{host} is in the {}: no lookup", l.source),
                exists,
            );
        }
        let why = format!(
            "looked up {host}: answered by the {} after {} ms",
            l.source,
            ms(l.end.since(t))
        );
        self.dns_pending
            .push((host.to_string(), l.end, caches, job, exists));
        self.schedule(l.end, Ev::DnsDone(host.to_string()));
        (l.end, why, exists)
    }

    /// An HTTP/2 connection finished its handshake: every request waiting for it becomes a
    /// stream.
    fn h2_ready(&mut self, t: Instant, group: &str, job: u32) {
        let Some(j) = self.job(job) else {
            return;
        };
        if j.conn.protocol != Protocol::H2 {
            return;
        }
        let h = entry(&mut self.h2, group);
        if h.conn.is_none() {
            h.conn = Some(job);
        }
        h.connecting = false;
        self.drain_h2(t, group);
    }

    fn drain_h2(&mut self, t: Instant, group: &str) {
        loop {
            let Some(h) = self.h2_of(group) else {
                return;
            };
            let Some(c) = h.conn else { return };
            if h.active >= H2_MAX_STREAMS || h.waiting.is_empty() {
                return;
            }
            // The highest priority first, in arrival order within a priority.
            let Some(h) = self.h2.iter().find(|(g, _)| g == group).map(|(_, h)| h) else {
                return;
            };
            let reqs = &self.reqs;
            let best = (0..h.waiting.len())
                .max_by(|&a, &b| {
                    reqs[h.waiting[a]]
                        .priority
                        .cmp(&reqs[h.waiting[b]].priority)
                        .then(b.cmp(&a))
                })
                .unwrap_or(0);
            let Some(h) = self.h2_of(group) else { return };
            let r = h.waiting.remove(best);
            self.start_stream(t, r, c);
        }
    }

    fn start_stream(&mut self, t: Instant, r: usize, job: u32) {
        let group = self.reqs[r].group.clone();
        if let Some(h) = self.h2_of(&group) {
            h.active += 1;
        }
        self.reqs[r].binding = Some(Binding::Stream);
        self.send(t, r, job);
    }

    fn send(&mut self, t: Instant, r: usize, job: u32) {
        if let Some((q0, _, reason, ahead)) = self.reqs[r].queue {
            self.reqs[r].queue = Some((q0, t, reason, ahead));
        }
        let server = self.think_time(r);
        let (sent, request_bytes) = self.sent(r);
        let send_end = t + Duration::transmission(request_bytes, self.bandwidth);
        let arrives = send_end + self.rtt.half();
        let first_byte = send_end + self.rtt + server;
        let q = &mut self.reqs[r];
        q.conn = Some(job);
        q.send_start = Some(t);
        q.send_end = send_end;
        q.first_byte = first_byte;
        // An HTTP/2 request is a stream: the client numbers its streams 1, 3, 5… (RFC 9113 §5.1.1).
        let stream = self
            .job(job)
            .filter(|j| j.conn.protocol == Protocol::H2)
            .map(|j| 2 * j.conn.uses.len() as u32 + 1);
        self.reqs[r].stream = stream;
        if let Some(j) = self.job_mut(job) {
            j.conn.uses.push((r as u32 + 1, t, t));
        }
        self.request_events(t, r, job, &sent, request_bytes, arrives, server);
        self.schedule(arrives + server, Ev::ServerSends(r));
    }

    /// The server's think-time for request `r`: its response's own, else the page's.
    fn think_time(&self, r: usize) -> Duration {
        let spec = self.reqs[r].response.and_then(|i| self.sc.responses.get(i));
        let server_ms = spec.and_then(|s| s.server_ms).unwrap_or(self.sc.server_ms);
        if server_ms.is_finite() {
            Duration::from_micros((server_ms.clamp(0.0, 600_000.0) * 1000.0) as u64)
        } else {
            Duration::ZERO
        }
    }

    /// The request as sent, and its size ([`request_as_sent`]). The `Referer` is the page's
    /// URL without its fragment (Fetch §"strip url for use as a referrer").
    fn sent(&self, r: usize) -> (crate::model::http::Request, u64) {
        let q = &self.reqs[r];
        let referer = self.reqs[0].url.split('#').next().unwrap_or_default();
        request_as_sent(
            r as u32 + 1,
            &q.url,
            referer,
            &q.method,
            q.cookie.as_deref(),
            &q.sent_lines(),
        )
    }

    /// The request leaves now and reaches the server at `arrives`, which works out its answer
    /// for `server`; the server's work is emitted at its moment.
    #[allow(clippy::too_many_arguments)]
    fn request_events(
        &mut self,
        t: Instant,
        r: usize,
        job: u32,
        sent: &crate::model::http::Request,
        bytes: u64,
        arrives: Instant,
        server: Duration,
    ) {
        let q = &self.reqs[r];
        let target = sent.target.clone();
        let line = match q.stream {
            Some(id) => format!("HEADERS on stream {id}: {} {target}", q.method),
            None => format!("{} {target} HTTP/1.1", q.method),
        };
        let e = Event::new(t, Actor::Browser, steps::HTTP_REQUEST, line)
            .fields(
                sent.headers
                    .0
                    .iter()
                    .map(|(n, v)| crate::model::trace::Field::new(n.clone(), v)),
            )
            .field("size", format!("{bytes} bytes of HTTP"))
            .message(Actor::Server, arrives, bytes);
        self.push_request(r, e.connection(job));
        // The bytes go down the connection's TCP machines: the wrapping, shown once.
        let wire = self
            .job_mut(job)
            .and_then(|j| j.machines.send_request(t, sent.wire_len()));
        if let Some(e) = wire {
            self.push_request(r, e);
        }
        let (resp, notes) = self.response(r, sent, arrives);
        let mut processing = Event::new(
            arrives,
            Actor::Server,
            steps::HTTP_SERVER_PROCESSING,
            format!("the server builds the response ({server} of work)"),
        );
        for (i, n) in notes.iter().enumerate() {
            processing = processing.field(format!("{}.", i + 1), n);
        }
        let mut processing = processing
            .field("think_time", format!("{server} (a scenario assumption)"))
            .request(r as u32 + 1)
            .connection(job);
        if let Some(id) = self.reqs[r].stream {
            processing = processing.stream(id);
        }
        self.schedule(arrives, Ev::Emit(Box::new(processing)));
        let q = &self.reqs[r];
        let keep_alive = self.sc.keep_alive
            && self
                .sc
                .origin_spec(&q.origin_s)
                .and_then(|o| o.keep_alive)
                .unwrap_or(true)
            && !resp
                .headers
                .get("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        self.reqs[r].keep_alive = keep_alive;
        self.reqs[r].resp = Some(Box::new(resp));
    }

    /// Adds an event of request `r` that happens now, on its connection if it has one.
    fn push_request(&mut self, r: usize, e: Event) {
        let mut e = e.request(r as u32 + 1);
        if let (None, Some(c)) = (e.connection, self.reqs[r].conn) {
            e = e.connection(c);
        }
        if let (None, Some(s)) = (e.stream, self.reqs[r].stream) {
            e = e.stream(s);
        }
        self.push(e);
    }

    /// The response the server sends for request `r` (and what the server noted doing): the
    /// situation's server, or the scenario's status and header lines,
    /// and its body size (or the size typical of the kind of resource).
    fn response(
        &self,
        r: usize,
        sent: &crate::model::http::Request,
        arrives: Instant,
    ) -> (crate::model::http::Response, Vec<String>) {
        let q = &self.reqs[r];
        // The situation's server answers the document and the page's GET `fetch()`es to its
        // origin, reading the request as a server does.
        if let Some(site) = &self.situation.server {
            let api = q.dest == Dest::Fetch(Destination::Fetch);
            if q.origin == self.page_origin && q.method == "GET" && (r == 0 || api) {
                let p = crate::model::http::serve(site, sent, self.unix(arrives), api);
                return (p.response, p.notes);
            }
        }
        let spec = q.response.and_then(|i| self.sc.responses.get(i));
        let status = spec.map_or(200, |s| s.status);
        let body = match (spec.and_then(|s| s.bytes), q.dest) {
            (Some(b), _) => b,
            (None, Dest::Fetch(Destination::Document)) if r == 0 => self.sc.html.len() as u64,
            (None, d) => default_bytes(d),
        };
        let lines = spec.map_or(&[][..], |s| match (&q.dest, &s.preflight_headers) {
            (Dest::Preflight, Some(p)) => &p[..],
            _ => &s.headers[..],
        });
        let full = response_message(
            status,
            lines,
            default_content_type(&q.url, q.dest),
            body,
            self.unix_time,
        );
        let resp = if status == 200 && validators_match(&q.conditional, &full.headers) {
            not_modified(full)
        } else {
            full
        };
        (resp, vec![])
    }

    /// The server starts sending request `r`'s response at `ts`: its head, then its body,
    /// which takes slow start's round trips on this connection (RFC 5681 §3.1, from the window
    /// the connection has reached) and its bytes on the shared link. With `Connection: close`
    /// the server's FIN follows the last byte.
    fn server_sends(&mut self, ts: Instant, r: usize) {
        let Some(resp) = self.reqs[r].resp.as_deref() else {
            return;
        };
        let Some(job) = self.reqs[r].conn else { return };
        let (status, body, head_len) = (resp.status, resp.body_bytes, resp.head_len());
        let mut head = Event::new(ts, Actor::Server, steps::HTTP_RESPONSE, resp.status_line())
            .fields(
                resp.headers
                    .0
                    .iter()
                    .map(|(n, v)| crate::model::trace::Field::new(n.clone(), v)),
            );
        // The browser sees the first byte after the way down.
        let t = ts + Duration::from_micros(self.rtt.micros() - self.rtt.half().micros());
        head = head.message(Actor::Browser, t, head_len);
        self.push_request(r, head);
        let bytes = body.saturating_add(head_len);
        let cwnd = self.job(job).map_or(INITIAL_CWND, |j| j.cwnd);
        let (rounds, w) = crate::model::http::slow_start(bytes, MSS, cwnd);
        if let Some(j) = self.job_mut(job) {
            j.cwnd = w;
            j.machines.receive_response(bytes);
        }
        let tx = Duration::transmission(bytes, self.bandwidth);
        let by_rounds = t + self.rtt.times(rounds - 1) + tx;
        self.link_free = self.link_free.max(t) + tx;
        let end = by_rounds.max(self.link_free);
        let mut why = format!(
            "{} bytes in {} slow-start round trip{} on connection {job} (window {} segments at the start), {} Mbit/s",
            bytes,
            rounds,
            if rounds == 1 { "" } else { "s" },
            cwnd,
            mbit(self.bandwidth)
        );
        if self.link_free > by_rounds {
            why.push_str(&format!(
                "; the link was busy with other responses for {} ms of it",
                ms(self.link_free.since(by_rounds))
            ));
        }
        if body > 0 {
            let e = Event::new(
                ts,
                Actor::Server,
                steps::HTTP_RESPONSE_BODY,
                format!(
                    "{body} bytes of body arrive by {end}, in {rounds} round trip(s) of slow start"
                ),
            )
            .field("bytes", body)
            .field("download", &why)
            .field("last_byte", end)
            .message(Actor::Browser, end, body);
            self.push_request(r, e);
        }
        if !self.reqs[r].keep_alive && self.reqs[r].binding != Some(Binding::Stream) {
            let close = self
                .job_mut(job)
                .map(|j| j.machines.close_by_server(end))
                .unwrap_or_default();
            for e in close {
                let e = e.request(r as u32 + 1).connection(job);
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        let q = &mut self.reqs[r];
        q.status = status;
        q.bytes = bytes;
        q.body_bytes = body;
        q.download_why = why;
        q.last_byte = end;
        self.schedule(t, Ev::FirstByte(r));
        self.schedule(end, Ev::Done(r));
    }

    /// The response's first bytes reach the browser: the cookies it sets are stored (RFC 6265
    /// §5.3; a preflight's are not), and the document commits, so its origin is the page's.
    fn first_byte(&mut self, t: Instant, r: usize) {
        if self.reqs[r].dest != Dest::Preflight {
            let (host, https) = (self.reqs[r].host.clone(), self.reqs[r].https);
            let values: Vec<String> = self.reqs[r]
                .resp
                .as_deref()
                .map(|resp| {
                    resp.headers
                        .0
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
                        .map(|(_, v)| v.clone())
                        .collect()
                })
                .unwrap_or_default();
            for v in values {
                let stored = self.jar.set(&host, &v, https);
                if let Err(why) = &stored {
                    self.problems.push(format!(
                        "{host}: Set-Cookie \"{}\" ignored: {why}",
                        short(&v)
                    ));
                }
                self.push_request(r, crate::model::cookie::store_event(t, &v, &stored));
            }
        }
        if r == 0 {
            if let Ok(p) = url::parse(&self.reqs[0].url, None) {
                self.push_request(r, navigation::origin_event(t, &p));
            }
            let last = self.reqs[0].last_byte;
            self.start_page(t, last);
        }
    }

    /// The journey's page starts rendering with the document's first byte at `t`.
    fn start_page(&mut self, t: Instant, last_byte: Instant) {
        let Some(costs) = self.situation.page.clone() else {
            return;
        };
        let title = format!("Welcome to {}", self.doc_host);
        let (events, m) = page_run::render(&costs, &title, t, last_byte);
        for e in events {
            let e = e.request(1);
            if e.at == t {
                self.push(e);
            } else {
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        self.milestones = Some(m);
        self.schedule(m.click, Ev::Click);
    }

    /// The click's task: its handler's `fetch()` goes out now, and its timer is set.
    fn click(&mut self, t: Instant) {
        let [click, timer] = page_run::click(t);
        self.push(click.request(1));
        self.schedule(timer.at, Ev::Emit(Box::new(timer.request(1))));
        let Ok(base) = ::url::Url::parse(&self.reqs[0].url) else {
            return;
        };
        let Ok(u) = base.join(page_run::API_PATH) else {
            return;
        };
        let api = self.new_request(
            u.to_string(),
            Dest::Fetch(Destination::Fetch),
            // As the page's other `fetch()`es (DevTools' High).
            Priority::Medium,
            "the click handler's fetch()".into(),
            "GET".into(),
            vec![],
            false,
            t,
        );
        if let Some(a) = api {
            self.api = Some(a);
            self.schedule(t, Ev::Issue(a));
        }
    }

    fn done(&mut self, t: Instant, r: usize) {
        self.reqs[r].end = Some(t);
        let job = self.reqs[r].conn;
        if let Some(j) = job.and_then(|j| self.job_mut(j)) {
            if let Some(u) = j.conn.uses.iter_mut().rev().find(|u| u.0 == r as u32 + 1) {
                u.2 = t;
            }
        }
        let spec = self.reqs[r]
            .response
            .and_then(|i| self.sc.responses.get(i))
            .cloned()
            .unwrap_or_default();
        let dest = self.reqs[r].dest;
        let mut headers = if dest == Dest::Preflight {
            spec.preflight_headers
                .clone()
                .unwrap_or_else(|| spec.headers.clone())
        } else {
            spec.headers.clone()
        };
        if header(&headers, "content-type").is_none() && dest != Dest::Preflight {
            headers.push(format!(
                "Content-Type: {}",
                default_content_type(&self.reqs[r].url, dest)
            ));
        }
        let keep_alive = self.reqs[r].keep_alive;
        // The same-origin rules.
        let resp = policy_response(&headers);
        let status = self.reqs[r].status;
        match dest {
            Dest::Preflight => {
                self.reqs[r].outcome = Some(Outcome::Ok {
                    status,
                    rule: "a preflight's answer is read by the browser, not the page".into(),
                });
            }
            Dest::Fetch(_) => {
                let req = self.policy_request(r);
                let pf = self.reqs[r].preflight.as_ref().map(|(p, _)| *p);
                let pf_resp = pf.map(|p| self.preflight_response(p));
                let d = policy::decide(
                    &self.page_origin,
                    &self.reqs[r].origin,
                    &req,
                    &resp,
                    pf_resp.as_ref(),
                );
                self.reqs[r].outcome = Some(match d.verdict {
                    Verdict::Allowed { rule } => Outcome::Ok { status, rule },
                    Verdict::Blocked { rule, console } => {
                        self.console.push(console.clone());
                        Outcome::Blocked {
                            rule,
                            console,
                            sent: true,
                        }
                    }
                });
            }
        }
        self.complete_cache(t, r);
        self.policy_event(t, r);
        // Give the connection back.
        if let Some(job) = job {
            if self.reqs[r].binding == Some(Binding::Stream) {
                let group = self.reqs[r].group.clone();
                if let Some(h) = self.h2_of(&group) {
                    h.active = h.active.saturating_sub(1);
                }
                self.drain_h2(t, &group);
            } else if let Some(s) = self.job(job).and_then(|j| j.socket) {
                if keep_alive {
                    let group = self.reqs[r].group.clone();
                    let e = Event::new(
                        t,
                        Actor::Browser,
                        steps::POOL_RELEASE,
                        format!("connection {job} goes back to the pool"),
                    )
                    .field("group", group)
                    .field(
                        "closes_if_unused_for",
                        "5 minutes (Chromium's used-idle-socket timeout)",
                    );
                    self.push_request(r, e);
                }
                self.pool.release(t, s, keep_alive);
                self.pool_outputs(t);
            }
        }
        for f in std::mem::take(&mut self.reqs[r].followers) {
            self.finish_duplicate(t, f);
        }
        if let Some(main) = self.reqs[r].preflight_for {
            self.after_preflight(t, r, main);
        }
        if r == 0 {
            if self.reqs[0].disk_cache {
                // Served from the disk cache: the document commits now.
                if let Ok(p) = url::parse(&self.reqs[0].url, None) {
                    self.push_request(0, navigation::origin_event(t, &p));
                }
                self.start_page(t, t);
            }
            self.discover(t);
        }
        if self.api == Some(r) {
            if let Some(m) = self.milestones {
                for e in page_run::fetched(m.click, t) {
                    self.push_request(r, e);
                }
            }
        }
        self.release_deferred(t);
    }

    /// The HTTP cache's half after the network: a 304 freshens the stored response, another
    /// answer is stored when its headers allow (RFC 9111 §3, §4.3.4).
    fn complete_cache(&mut self, t: Instant, r: usize) {
        let (Some(p), Some(resp)) = (self.reqs[r].pending.take(), self.reqs[r].resp.take()) else {
            return;
        };
        let answer = http_cache::Response {
            status: resp.status,
            headers: resp.headers,
            body: Vec::new(),
            length: Some(resp.body_bytes),
        };
        let sent = self.unix(self.reqs[r].send_start.unwrap_or(t));
        let validators = http_cache::present::validators(&answer.headers);
        let (_, _, kept) = self.cache.complete(*p, Some(answer), sent, self.unix(t));
        if let Some(e) = http_cache::present::kept(&kept, validators, t, t) {
            self.push_request(r, e);
        }
    }

    /// The same-origin decision on a response that arrived.
    fn policy_event(&mut self, t: Instant, r: usize) {
        let q = &self.reqs[r];
        let comparison = if q.origin == self.page_origin {
            "same origin as the page".to_string()
        } else {
            format!(
                "{} is not the page's origin {}",
                q.origin_s,
                self.page_origin.serialize()
            )
        };
        let e = match &q.outcome {
            Some(Outcome::Ok { rule, .. }) => Event::new(
                t,
                Actor::Browser,
                steps::POLICY_CHECK,
                format!("allowed: {rule}"),
            )
            .field("origin", comparison)
            .field("rule", rule),
            Some(Outcome::Blocked { rule, console, .. }) => Event::new(
                t,
                Actor::Browser,
                steps::POLICY_CHECK,
                format!("blocked: {rule}"),
            )
            .field("origin", comparison)
            .field("rule", rule)
            .field("console", console),
            _ => return,
        };
        self.push_request(r, e);
    }

    fn preflight_response(&self, p: usize) -> policy::Response {
        let spec = self.reqs[p]
            .response
            .and_then(|i| self.sc.responses.get(i))
            .cloned()
            .unwrap_or_default();
        policy_response(&spec.preflight_headers.unwrap_or(spec.headers))
    }

    fn after_preflight(&mut self, t: Instant, p: usize, main: usize) {
        let req = self.policy_request(main);
        let pr = self.preflight_response(p);
        let d = policy::decide(
            &self.page_origin,
            &self.reqs[main].origin,
            &req,
            &policy::Response::default(),
            Some(&pr),
        );
        if let Some(Verdict::Blocked { rule, console }) = d.preflight_verdict {
            self.console.push(console.clone());
            self.reqs[p].outcome = Some(Outcome::Blocked {
                rule: rule.clone(),
                console: console.clone(),
                sent: true,
            });
            let q = &mut self.reqs[main];
            q.end = Some(t);
            q.outcome = Some(Outcome::Blocked {
                rule,
                console,
                sent: false,
            });
            self.policy_event(t, main);
            self.release_deferred(t);
            return;
        }
        self.reqs[main].stalled_why = None;
        self.reqs[main].preflight_end = Some(t);
        self.ask_pool(t, main);
    }

    /// Request `r` ends without a response: so do the repeats of its URL that waited for it,
    /// and the request its preflight was for.
    fn fail(&mut self, t: Instant, r: usize, error: &str) {
        if self.api == Some(r) {
            self.push_request(r, page_run::fetch_failed(t, error));
        }
        let q = &mut self.reqs[r];
        q.end = Some(t);
        q.outcome = Some(Outcome::Failed {
            error: error.to_string(),
        });
        q.pending = None;
        for f in std::mem::take(&mut self.reqs[r].followers) {
            self.finish_duplicate(t, f);
        }
        if let Some(main) = self.reqs[r].preflight_for {
            if self.reqs[main].end.is_none() {
                self.fail(t, main, error);
            }
        }
        self.release_deferred(t);
    }

    /// The document has arrived: the parser meets each tag at its place in the document.
    fn discover(&mut self, t: Instant) {
        let d = page::discover(&self.sc.html, &self.reqs[0].url);
        self.problems.extend(d.problems);
        let len = self.sc.html.len().max(1) as u64;
        let parse = if self.sc.parse_ms.is_finite() {
            (self.sc.parse_ms.clamp(0.0, 60_000.0) * 1000.0) as u64
        } else {
            0
        };
        let at = |offset: usize| {
            t + Duration::from_micros(
                (u128::from(parse) * offset.min(len as usize) as u128 / u128::from(len)) as u64,
            )
        };
        for p in d.preconnects {
            let when = at(p.offset);
            self.schedule(when, Ev::Preconnect(p.origin, p.anonymous));
        }
        // What the parser must wait for: a classic script stops it until the script has loaded
        // and run, and a script also waits for the stylesheets before it (HTML §4.2.6
        // "script-blocking style sheet"). The preload scanner still finds `src` and `href`
        // URLs ahead of the parser, so only what the parser itself creates waits: inline
        // scripts (their `fetch()` calls) and iframes. A web font is fetched when layout first
        // needs it, after the stylesheets have loaded.
        let script_ms = if self.sc.script_ms.is_finite() {
            (self.sc.script_ms.clamp(0.0, 60_000.0) * 1000.0) as u64
        } else {
            0
        };
        for res in d.resources {
            let when = at(res.offset);
            let (offset, dest, blocks, preload) = (
                res.offset,
                res.destination,
                res.parser_blocking,
                res.preload,
            );
            let Some(r) = self.new_request(
                res.url,
                Dest::Fetch(res.destination),
                res.priority,
                res.source,
                res.method,
                res.headers,
                res.credentials,
                when,
            ) else {
                continue;
            };
            // How many of each list come before this place in the document.
            let before_at = |v: &[(usize, usize)], at: usize| v.partition_point(|(o, _)| *o < at);
            let before = |v: &[(usize, usize)]| before_at(v, offset);
            let (nb, ns) = (before(&self.blocking), before(&self.styles));
            let script = Duration::from_micros(script_ms);
            let wait = match dest {
                // A preload is fetched when the scanner finds it: it waits for nothing.
                _ if preload => None,
                Destination::Fetch => Some((
                    nb,
                    ns,
                    script,
                    format!(
                        "the inline script runs once the parser gets past {}",
                        self.names(nb, ns)
                    ),
                )),
                Destination::Iframe => {
                    // The parser reaches the frame once the last blocking script before it has
                    // run, and that script ran once the stylesheets before *it* had loaded.
                    let ns = nb
                        .checked_sub(1)
                        .map_or(0, |k| before_at(&self.styles, self.blocking[k].0));
                    Some((
                        nb,
                        ns,
                        script,
                        format!(
                            "the parser creates the frame once {} has run",
                            self.names(nb, ns)
                        ),
                    ))
                }
                Destination::Font => {
                    let ns = self.styles.len();
                    Some((
                        0,
                        ns,
                        Duration::ZERO,
                        format!(
                            "a web font is fetched when layout first needs it, after {} arrived",
                            self.names(0, ns)
                        ),
                    ))
                }
                _ => None,
            };
            if blocks {
                self.blocking.push((offset, r));
            }
            // A preloaded stylesheet is not applied: it holds no script back.
            if dest == Destination::Style && !preload {
                self.styles.push((offset, r));
            }
            match wait {
                Some((blocking, styles, extra, why)) if blocking + styles > 0 => {
                    self.deferred.push(Deferred {
                        request: r,
                        earliest: when,
                        blocking,
                        styles,
                        extra,
                        why,
                    })
                }
                _ => self.schedule(when, Ev::Issue(r)),
            }
        }
    }

    /// The file names of the first `nb` parser-blocking scripts and `ns` stylesheets: the last
    /// three of them, and how many more.
    fn names(&self, nb: usize, ns: usize) -> String {
        let mut all: Vec<(usize, usize)> = self.blocking[..nb]
            .iter()
            .chain(&self.styles[..ns])
            .copied()
            .collect();
        all.sort_unstable();
        let shown = all.len().saturating_sub(3);
        let mut text = all[shown..]
            .iter()
            .map(|(_, i)| {
                let u = &self.reqs[*i].url;
                u.rsplit('/')
                    .next()
                    .filter(|x| !x.is_empty())
                    .unwrap_or(u)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ");
        if shown > 0 {
            text.push_str(&format!(" and {shown} before them"));
        }
        text
    }

    /// A request ended: the parser may go on past it.
    fn release_deferred(&mut self, t: Instant) {
        let done = |list: &[(usize, usize)], from: usize, reqs: &[R]| {
            from + list[from..]
                .iter()
                .take_while(|(_, r)| reqs[*r].end.is_some())
                .count()
        };
        let (b, s) = (
            done(&self.blocking, self.blocking_done, &self.reqs),
            done(&self.styles, self.styles_done, &self.reqs),
        );
        if (b, s) == (self.blocking_done, self.styles_done) {
            return;
        }
        (self.blocking_done, self.styles_done) = (b, s);
        let (ready, waiting): (Vec<Deferred>, Vec<Deferred>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|d| d.blocking <= b && d.styles <= s);
        self.deferred = waiting;
        for d in ready {
            let when = d.earliest.max(t + d.extra);
            self.reqs[d.request].t0 = when;
            self.reqs[d.request]
                .initiator
                .push_str(&format!(" ({})", d.why));
            self.schedule(when, Ev::Issue(d.request));
        }
    }

    /// Navigation Timing Level 2 for the document. Fetch's "clamp and coarsen connection timing
    /// info": a reused connection or a cache hit reports the connection's times as fetchStart;
    /// secureConnectionStart is 0 on a new connection without TLS.
    fn navigation_timing(&self) -> Timing {
        let Some(q) = self.reqs.first().filter(|_| self.nav_failed.is_none()) else {
            return Timing::default();
        };
        let ms = |t: Instant| t.as_ms();
        let fs = q.t0;
        let new = q
            .conn
            .and_then(|c| self.job(c))
            .filter(|_| q.binding == Some(Binding::New));
        let (ds, de, cs, ss, ce) = match new {
            Some(j) => (
                j.conn.start,
                j.conn.dns_end,
                j.conn.dns_end,
                q.https.then_some(j.conn.tcp_end),
                j.conn.ready,
            ),
            None => (fs, fs, fs, Some(fs), fs),
        };
        let dom = self.milestones.map_or(0.0, |m| ms(m.interactive));
        Timing {
            start_time: 0.0,
            fetch_start: ms(fs),
            domain_lookup_start: ms(ds),
            domain_lookup_end: ms(de),
            connect_start: ms(cs),
            secure_connection_start: ss.map_or(0.0, ms),
            connect_end: ms(ce),
            request_start: ms(q.send_start.unwrap_or(fs)),
            response_start: ms(q.first_byte),
            response_end: ms(q.end.unwrap_or(fs)),
            dom_interactive: dom,
            dom_content_loaded_event_start: dom,
            dom_content_loaded_event_end: dom,
            dom_complete: dom,
            load_event_start: dom,
            load_event_end: dom,
        }
    }

    fn finish(mut self) -> (PageLoad, Cache) {
        let timing = self.navigation_timing();
        let mut requests = Vec::with_capacity(self.reqs.len());
        for i in 0..self.reqs.len() {
            requests.push(self.present(i));
        }
        let connections: Vec<Connection> = std::mem::take(&mut self.jobs)
            .into_iter()
            .map(|j| j.conn)
            .collect();
        let groups = groups_of(&connections, &requests);
        let end = requests
            .iter()
            .map(|r| r.end)
            .max()
            .unwrap_or(Instant::ZERO);
        let load = PageLoad {
            name: self.sc.name.clone(),
            url: self.reqs.first().map(|r| r.url.clone()).unwrap_or_default(),
            page_origin: self.page_origin.serialize(),
            rtt: self.rtt,
            bandwidth_bps: self.bandwidth,
            tls: self.tls.as_str(),
            requests,
            connections,
            groups,
            console: self.console,
            problems: self.problems,
            end,
            trace: self.trace,
            timing,
            failed: self.nav_failed,
        };
        (load, self.cache)
    }

    fn present(&self, i: usize) -> Request {
        let q = &self.reqs[i];
        let end = q.end.unwrap_or(q.t0);
        let job = q.conn.and_then(|c| self.job(c));
        let comparison = policy::compare(&self.page_origin, &q.origin);
        let phases = if q.dup_of.is_some() {
            if end > q.t0 {
                vec![Phase {
                    name: PhaseName::Stalled,
                    start: q.t0,
                    end,
                    why: q.stalled_why.clone().unwrap_or_default(),
                }]
            } else {
                vec![]
            }
        } else {
            self.phases(i, job, end)
        };
        Request {
            id: i as u32 + 1,
            url: q.url.clone(),
            origin: q.origin_s.clone(),
            destination: q.dest.name(),
            method: q.method.clone(),
            priority: Some(q.priority),
            initiator: q.initiator.clone(),
            group: q.group.clone(),
            credentials: q.credentialed,
            cookie: q.cookie.clone(),
            cookie_note: q.cookie_note.clone(),
            protocol: job.map_or(if q.h2 { Protocol::H2 } else { Protocol::Http1 }, |j| {
                j.conn.protocol
            }),
            connection: if q.dup_of.is_some() { None } else { q.conn },
            reused: matches!(
                q.binding,
                Some(Binding::Idle { used: true }) | Some(Binding::Handed)
            ) || (q.binding == Some(Binding::Stream)
                && job.is_some_and(|j| j.conn.uses.first().is_some_and(|u| u.0 != i as u32 + 1))),
            queued: q.queue.is_some(),
            from_cache: if q.dup_of.is_some() {
                FromCache::Memory
            } else if q.disk_cache {
                FromCache::Disk
            } else {
                FromCache::No
            },
            start: q.t0,
            end,
            phases,
            bytes: q.bytes,
            outcome: q.outcome.clone().unwrap_or(Outcome::Failed {
                error: "never finished".into(),
            }),
            same_origin: comparison.same_origin,
            comparison: comparison
                .parts
                .into_iter()
                .map(|(part, page, resource, equal)| OriginPart {
                    part,
                    page,
                    resource,
                    equal,
                })
                .collect(),
            preflight: q
                .preflight
                .as_ref()
                .map(|(p, b)| (*p as u32 + 1, b.clone())),
            preflight_for: q.preflight_for.map(|m| m as u32 + 1),
            status: q.status,
            body_bytes: q.body_bytes,
            content_type: default_content_type(&q.url, q.dest).to_string(),
            response: q.response,
            extra_headers: q.sent_lines(),
        }
    }

    /// The request's time cut into DevTools' phases, end to end.
    fn phases(&self, i: usize, job: Option<&Job>, end: Instant) -> Vec<Phase> {
        let q = &self.reqs[i];
        let t0 = q.t0;
        let send = q.send_start.unwrap_or(end);
        let new_conn = q.binding == Some(Binding::New)
            || (q.binding == Some(Binding::Stream)
                && job.is_some_and(|j| j.conn.start >= t0 || j.taken_by.is_none()))
            || matches!(q.binding, Some(Binding::Idle { used: false }));
        let mut cuts = vec![t0, send];
        cuts.extend(q.preflight_end);
        if let Some((a, b, _, _)) = q.queue {
            cuts.extend([a, b]);
        }
        if let (Some(j), true) = (job, new_conn) {
            cuts.extend([j.conn.start, j.conn.dns_end, j.conn.tcp_end, j.conn.ready]);
        }
        cuts.retain(|c| *c >= t0 && *c <= send);
        cuts.sort();
        cuts.dedup();
        let mut out: Vec<Phase> = Vec::new();
        let rtt = ms(self.rtt);
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (name, why) = match (q.queue, job) {
                (Some((qa, qb, reason, ahead)), _) if a >= qa && b <= qb => (
                    PhaseName::Queueing,
                    match reason {
                        Stall::PoolLimit => format!(
                            "queued: the socket pool's {} sockets are all in use",
                            pool::MAX_SOCKETS_PER_POOL
                        ),
                        _ => format!(
                            "queued: {} connections to {}{} are busy or opening; {} request{} ahead in the queue",
                            pool::MAX_SOCKETS_PER_GROUP,
                            q.origin_s,
                            if q.credentialed { "" } else { " (without credentials)" },
                            ahead,
                            if ahead == 1 { " was" } else { "s were" }
                        ),
                    },
                ),
                (_, Some(j)) if new_conn && a >= j.conn.start && b <= j.conn.dns_end => {
                    (PhaseName::DnsLookup, j.dns_why.clone())
                }
                (_, Some(j)) if new_conn && a >= j.conn.dns_end && b <= j.conn.tcp_end => (
                    PhaseName::InitialConnection,
                    format!(
                        "TCP handshake with {} ({}): SYN and SYN-ACK take one round trip, {rtt} ms{}",
                        j.ip,
                        q.host,
                        started_by(i, j)
                    ),
                ),
                (_, Some(j)) if new_conn && a >= j.conn.tcp_end && b <= j.conn.ready => (
                    PhaseName::Ssl,
                    match self.tls {
                        TlsChoice::Tls13 => format!("TLS 1.3 handshake: one round trip, {rtt} ms"),
                        _ => format!(
                            "TLS 1.2 handshake: two round trips, {} ms",
                            ms(self.rtt.times(2))
                        ),
                    },
                ),
                _ => (PhaseName::Stalled, self.stalled_why(q, job, b)),
            };
            push_phase(&mut out, name, a, b, why);
        }
        if let Some(s) = q.send_start {
            push_phase(
                &mut out,
                PhaseName::RequestSent,
                s,
                q.send_end,
                format!(
                    "the request line and headers leave at {} Mbit/s",
                    mbit(self.bandwidth)
                ),
            );
            let server = q
                .first_byte
                .since(q.send_end)
                .micros()
                .saturating_sub(self.rtt.micros());
            push_phase(
                &mut out,
                PhaseName::Waiting,
                q.send_end,
                q.first_byte,
                format!(
                    "half a round trip to the server and half back ({rtt} ms) plus {} ms the server takes",
                    ms(Duration::from_micros(server))
                ),
            );
            push_phase(
                &mut out,
                PhaseName::ContentDownload,
                q.first_byte,
                end,
                q.download_why.clone(),
            );
        }
        out
    }

    /// Why the request is stalled in the stretch that ends at `until`.
    fn stalled_why(&self, q: &R, job: Option<&Job>, until: Instant) -> String {
        if let (Some(end), Some((p, because))) = (q.preflight_end, &q.preflight) {
            if until <= end {
                return format!(
                    "waits for its CORS preflight (request {}): {because}",
                    p + 1
                );
            }
        }
        if let (Some(own), Some(j)) = (q.started_job, job) {
            if own != j.conn.id {
                return match self.job(own).and_then(|o| o.taken_by) {
                    Some(other) => format!(
                        "late binding: the connection it started ({own}) went to request {}, which was ahead in the queue; it took connection {} when that came free",
                        other + 1,
                        j.conn.id
                    ),
                    None => format!(
                        "late binding: connection {} came free while the connection it started ({own}) was still opening, so it took that one and its own stayed idle",
                        j.conn.id
                    ),
                };
            }
        }
        if let Some(w) = &q.stalled_why {
            return w.clone();
        }
        "waiting for a socket".into()
    }
}

/// Who opened the connection, when not the request itself.
fn started_by(i: usize, j: &Job) -> String {
    match j.conn.started_for {
        None => " (a <link rel=preconnect> opened it)".into(),
        Some(s) if s != i as u32 + 1 => {
            format!(" (request {s} started this connection; late binding gave it to this request)")
        }
        _ => String::new(),
    }
}

fn push_phase(out: &mut Vec<Phase>, name: PhaseName, a: Instant, b: Instant, why: String) {
    if b <= a {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.name == name && last.end == a && last.why == why {
            last.end = b;
            return;
        }
    }
    out.push(Phase {
        name,
        start: a,
        end: b,
        why,
    });
}
