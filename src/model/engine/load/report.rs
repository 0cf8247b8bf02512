//! What a load gives: its requests with DevTools' phases, its connections and socket groups,
//! the trace, and the document's Navigation Timing.

use super::*;
use crate::model::http::Channel;

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
    Ok {
        status: u16,
        rule: Cow<'static, str>,
    },
    /// The response (or the preflight) arrived but the page may not use it; or, after a failed
    /// preflight, the request was never sent.
    Blocked {
        rule: Cow<'static, str>,
        console: String,
        sent: bool,
    },
    /// No connection could be made.
    Failed { error: String },
    /// Still going when the model stopped watching the page's streams (DevTools' "(pending)"):
    /// an open stream, or a request waiting behind them.
    Pending { why: Cow<'static, str> },
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Ok { status, .. } => format!("ok {status}"),
            Outcome::Blocked { console, .. } => format!("blocked: {console}"),
            Outcome::Failed { error } => format!("failed: {error}"),
            Outcome::Pending { why } => format!("pending: {why}"),
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
    /// Shared: a load's requests often have the same reason for a phase (the same bandwidth,
    /// the same handshake).
    pub why: Rc<str>,
}

/// The socket-pool groups of a load: each with its requests (those that used the network), the
/// connections it opened, the most open at once, and how many requests waited.
pub fn groups_of(connections: &[Connection], requests: &[Request]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    // Each group's place in `groups`, by its text.
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    // Each group's connections.
    let mut members: Vec<Vec<&Connection>> = Vec::new();
    for c in connections {
        if let Some(m) = index
            .get(c.group.as_str())
            .and_then(|&i| members.get_mut(i))
        {
            m.push(c);
        } else {
            index.insert(c.group.clone(), groups.len());
            members.push(vec![c]);
            groups.push(Group {
                group: c.group.clone(),
                origin: c.origin.clone(),
                credentials: c.credentials,
                protocol: c.protocol,
                requests: 0,
                opened: 0,
                max_open: 0,
                queued: 0,
                limit: crate::model::pool::MAX_SOCKETS_PER_GROUP,
            });
        }
    }
    for q in requests {
        if q.from_cache != FromCache::No || q.connection.is_none() && q.phases.is_empty() {
            continue;
        }
        if let Some(g) = index.get(&*q.group).and_then(|&i| groups.get_mut(i)) {
            g.requests += 1;
            g.queued += usize::from(q.queued);
        }
    }
    for (g, cs) in groups.iter_mut().zip(members) {
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

impl OriginPart {
    /// The parts of a comparison, as the panel lists them.
    pub fn list(c: policy::Comparison) -> Rc<[OriginPart]> {
        c.parts
            .into_iter()
            .map(|(part, page, resource, equal)| OriginPart {
                part,
                page,
                resource,
                equal,
            })
            .collect()
    }
}

/// One request of the page, as the waterfall and the CLI show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    pub id: u32,
    pub url: String,
    pub origin: Rc<str>,
    /// `document`, `stylesheet`, `script`, `image`, `font`, `iframe`, `fetch`, `media` or
    /// `preflight`.
    pub destination: &'static str,
    /// What the request is, for the header fields Chromium writes for it (a document's — the
    /// navigation's first, a redirect's, a fallback's — is the browser's navigation request).
    #[serde(skip)]
    pub kind: crate::model::http::Kind,
    pub method: Cow<'static, str>,
    /// Chromium's net priority (`None` when a recording did not say); [`priority_label`] is
    /// DevTools' name for it, which the JSON carries.
    #[serde(serialize_with = "serialize_priority")]
    pub priority: Option<Priority>,
    /// Where the request came from (`<img src=a.png>`).
    pub initiator: String,
    /// The socket pool group: the origin, prefixed `pm/` when the request goes without
    /// credentials (Chromium's privacy mode).
    pub group: Rc<str>,
    pub credentials: bool,
    /// The `Cookie` header sent, if any, and why cookies were or were not sent.
    pub cookie: Option<String>,
    pub cookie_note: Rc<str>,
    pub protocol: Protocol,
    pub connection: Option<u32>,
    /// The connection had carried a request before.
    pub reused: bool,
    /// Waited in the pool's queue for a free socket.
    pub queued: bool,
    /// When it joined that queue, if it did: its Queueing may begin earlier, held in the
    /// renderer or by the `ResourceScheduler` before it asked the pool (`None` for a recording
    /// that does not say: its Queueing is taken as the wait).
    #[serde(skip)]
    pub queued_at: Option<Instant>,
    /// Served without the network: from the page's memory cache (the same URL fetched
    /// earlier in the load) or from the HTTP cache on disk (a fresh entry).
    pub from_cache: FromCache,
    pub start: Instant,
    pub end: Instant,
    pub phases: Vec<Phase>,
    pub bytes: u64,
    pub outcome: Outcome,
    pub same_origin: bool,
    /// Shared by the requests to one origin.
    pub comparison: Rc<[OriginPart]>,
    /// For a request that needed one: the preflight's id and why it was needed.
    pub preflight: Option<(u32, String)>,
    /// For a preflight: the request it asks permission for.
    pub preflight_for: Option<u32>,
    /// The response's status; 0 when none arrived.
    pub status: u16,
    /// The body's bytes (without the head), and its Content-Type.
    pub body_bytes: u64,
    /// The request's bytes as sent (over HTTP/2 its HEADERS frames); 0 if never sent.
    pub sent_bytes: u64,
    pub content_type: Cow<'static, str>,
    /// The scenario's response for this URL (an index into `PageScenario::responses`).
    pub response: Option<usize>,
    /// Header lines the request carries beyond the model's own: those a script gave its
    /// `fetch()`, and the validators of a revalidation (`If-None-Match: …`).
    pub extra_headers: Vec<String>,
    /// For a request that stays open (an event stream, a WebSocket): each message on it, in
    /// order — the waterfall's ticks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// For a WebSocket: its opening handshake's key and answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<Handshake>,
}

/// One message on a request that stays open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// When it left, and when it arrived.
    pub sent: Instant,
    pub at: Instant,
    /// The page sent it (a WebSocket's `send()`, or the browser's own pong or close).
    pub from_page: bool,
    pub kind: MessageKind,
    /// Its bytes on the wire, framing included.
    pub bytes: u64,
    /// When what it carries happened on the server (an event of the scenario's feed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub happened: Option<Instant>,
}

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A server-sent event's text.
    Event,
    Text,
    Binary,
    Ping,
    Pong,
    Close,
}

/// A WebSocket's opening handshake (RFC 6455 §4): the key the browser sent, the accept value
/// the server answered (none: it did not say), and the value the key calls for. Over HTTP/2
/// (RFC 8441) there is neither key nor accept: the stream that carries it instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handshake {
    pub key: Option<String>,
    pub accept: Option<String>,
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2_stream: Option<u32>,
    /// The subprotocols the page asked for (`Sec-WebSocket-Protocol`), and the one the server
    /// chose, if it did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

impl Request {
    /// Time spent in the phase called `name`.
    pub fn phase(&self, name: PhaseName) -> Duration {
        self.phases
            .iter()
            .filter(|p| p.name == name)
            .fold(Duration::ZERO, |d, p| d + p.end.since(p.start))
    }

    /// When it waited in its socket group's queue, if it did: from when it joined the queue
    /// (or, a recording not saying, from the start of its Queueing) to the end of its Queueing.
    /// A request that got its socket the moment it asked waited from then to then.
    pub fn pool_wait(&self) -> Option<(Instant, Instant)> {
        if !self.queued {
            return None;
        }
        let mut queueing = self.phases.iter().filter(|p| p.name == PhaseName::Queueing);
        let Some(first) = queueing.next() else {
            let at = self.queued_at.unwrap_or(self.start);
            return Some((at, at));
        };
        let until = queueing.next_back().unwrap_or(first).end;
        Some((self.queued_at.unwrap_or(first.start).min(until), until))
    }

    /// DevTools' "Initial connection", which includes the TLS handshake.
    pub fn initial_connection(&self) -> Duration {
        self.phase(PhaseName::InitialConnection) + self.phase(PhaseName::Ssl)
    }
}

/// What opened a connection before any request asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preconnector {
    /// The page's `<link rel=preconnect>`.
    Link,
    /// Chrome's LoadingPredictor as the navigation started ([`NAVIGATION_SOCKETS`]).
    Navigation,
    /// A replayed recording's socket that no request's arrival opened.
    Recorded,
    /// The browser's DNS-over-HTTPS client, for its server ([`super::doh`]).
    SecureDns,
}

impl Preconnector {
    /// Who opened it, a noun phrase for the texts ("… opened it", "the connection … started").
    pub fn who(self) -> &'static str {
        match self {
            Preconnector::Link => "a <link rel=preconnect>",
            Preconnector::Navigation => "the browser's preconnect at the navigation's start",
            Preconnector::Recorded => "a preconnect",
            Preconnector::SecureDns => "the browser's DNS-over-HTTPS client",
        }
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
    /// Opened ahead of any request, and by what; `None`: a request's arrival opened it.
    pub preconnect: Option<Preconnector>,
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
    /// A replayed recording named no connections: this one is inferred from the timings.
    #[serde(skip)]
    pub inferred: bool,
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
    /// The pool's limit per group (Chromium's six, or the scenario's).
    #[serde(skip)]
    pub limit: usize,
}

impl Group {
    /// How many connections the group may have open: one for HTTP/2 (every request is a stream
    /// on it), else the pool's limit (Chromium's six).
    pub fn slots(&self) -> usize {
        if self.protocol.multiplexed() {
            1
        } else {
            self.limit
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
    /// The navigation's document requests, in order (an https attempt HTTPS-Upgrades fell
    /// back from comes before the page's own document, the last); ids as in `requests`.
    #[serde(skip)]
    pub documents: Vec<u32>,
    /// The journey page's click `fetch()`, if it made one.
    #[serde(skip)]
    pub api: Option<u32>,
    /// When the page's main thread could do nothing else, and why (a synchronous XHR).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub main_thread: Vec<MainTask>,
}

/// A span of the page's main thread taken by one thing: nothing else runs meanwhile — no
/// parsing, no other script, no rendering, no input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MainTask {
    pub start: Instant,
    pub end: Instant,
    pub kind: MainTaskKind,
    /// The request it waits for.
    pub request: u32,
}

/// What holds the main thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MainTaskKind {
    /// A synchronous `XMLHttpRequest`: `send()` returns only once the answer is in.
    SyncXhr,
}

impl PageLoad {
    /// Every request that waited in `group`'s queue, in queue order (priority, then arrival):
    /// the order is the same at every moment, so a view builds this once and filters it by time.
    pub fn queue(&self, group: &str) -> Vec<Queued> {
        let mut w: Vec<(Option<Priority>, Queued)> = self
            .requests
            .iter()
            .filter(|r| *r.group == *group)
            .filter_map(|r| {
                let (from, until) = r.pool_wait()?;
                Some((
                    r.priority,
                    Queued {
                        id: r.id,
                        from,
                        until,
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

pub(super) fn serialize_priority<S: serde::Serializer>(
    p: &Option<Priority>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(priority_label(*p))
}

/// Who opened the connection, when not the request itself.
pub(super) fn started_by(i: usize, j: &Job) -> String {
    match j.conn.started_for {
        None => format!(
            " ({} opened it)",
            j.conn.preconnect.unwrap_or(Preconnector::Link).who()
        ),
        Some(s) if s != i as u32 + 1 => {
            format!(" (request {s} started this connection; late binding gave it to this request)")
        }
        _ => String::new(),
    }
}

/// The phase texts a load's requests share, each written once: the round trip, the request's
/// way out, the TLS handshake, a full pool, and the wait for each server time met.
pub(super) struct Texts {
    rtt: String,
    sent: Rc<str>,
    tls: Rc<str>,
    /// The QUIC handshake's, for a connection over QUIC.
    quic: Rc<str>,
    pool_full: Rc<str>,
    /// By the server's time in microseconds; a load has few distinct ones.
    waiting: Vec<(u64, Rc<str>)>,
}

impl Texts {
    pub(super) fn new(sim: &Sim) -> Texts {
        let rtt = ms(sim.rtt);
        let tls = match sim.tls {
            TlsChoice::Tls13 => format!("TLS 1.3 handshake: one round trip, {rtt} ms"),
            _ => format!(
                "TLS 1.2 handshake: two round trips, {} ms",
                ms(sim.rtt.times(2))
            ),
        };
        Texts {
            sent: format!("the request line and headers leave at {} Mbit/s", sim.mbit).into(),
            tls: tls.into(),
            quic: format!(
                "QUIC handshake with TLS 1.3 inside, no TCP before it: one round trip, {rtt} ms"
            )
            .into(),
            pool_full: format!(
                "queued: the socket pool's {} sockets are all in use",
                sim.pool.limits().1
            )
            .into(),
            rtt,
            waiting: Vec::new(),
        }
    }

    /// The wait for the first byte of a response that was ready at `ready` and then waited for
    /// its HTTP/2 connection's earlier responses to leave (module doc of `h2`).
    fn h2_waiting(&self, rtt: Duration, q: &R, ready: Instant) -> Rc<str> {
        let arrived = q.send_end + rtt.half();
        let left = Instant::from_micros(
            q.first_byte
                .micros()
                .saturating_sub(rtt.micros() - rtt.half().micros()),
        );
        format!(
            "half a round trip to the server and half back ({} ms) plus {} ms the server takes, then {} ms behind the connection's earlier responses: the server had written their bytes first, and one TCP stream carries them in order",
            self.rtt,
            ms(ready.since(arrived)),
            ms(left.since(ready))
        )
        .into()
    }

    /// The wait for the first byte: the round trip and `server` µs of the server's work.
    fn waiting(&mut self, server: u64) -> Rc<str> {
        if let Some((_, t)) = self.waiting.iter().find(|(s, _)| *s == server) {
            return t.clone();
        }
        let t: Rc<str> = format!(
            "half a round trip to the server and half back ({} ms) plus {} ms the server takes",
            self.rtt,
            ms(Duration::from_micros(server))
        )
        .into();
        if self.waiting.len() < 16 {
            self.waiting.push((server, t.clone()));
        }
        t
    }
}

pub(super) fn push_phase(
    out: &mut Vec<Phase>,
    name: PhaseName,
    a: Instant,
    b: Instant,
    why: Rc<str>,
) {
    if b <= a {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.name == name && last.end == a && last.why == why {
            last.end = b;
            return;
        }
        // One Queueing, as DevTools draws it: held by the ResourceScheduler, then queued in the
        // socket pool, with both reasons.
        if last.name == name && last.end == a && name == PhaseName::Queueing {
            last.end = b;
            last.why = format!("{}; then {}", last.why, why).into();
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

impl Sim<'_> {
    /// Navigation Timing Level 2 for the document. Fetch's "clamp and coarsen connection timing
    /// info": a reused connection or a cache hit reports the connection's times as fetchStart;
    /// secureConnectionStart is 0 on a new connection without TLS.
    pub(super) fn navigation_timing(&self) -> Timing {
        let Some(q) = self
            .reqs
            .get(self.doc)
            .filter(|_| self.nav_failed.is_none())
        else {
            return Timing::default();
        };
        let ms = |t: Instant| t.as_ms();
        let fs = q.t0;
        // The connection's times count for the request that made it, and over HTTP/2 and
        // HTTP/3 for its first stream: Chromium gives a later stream `socket_reused`
        // (`SpdySession::GetLoadTimingInfo`, net/spdy/spdy_session.cc;
        // `QuicHttpStream::GetLoadTimingInfo`, net/quic/quic_http_stream.cc).
        let first_stream = |j: &&Job| {
            j.conn
                .uses
                .first()
                .is_some_and(|u| u.0 == self.doc as u32 + 1)
        };
        let new = q
            .conn
            .and_then(|c| self.job(c))
            .filter(|j| match q.binding {
                Some(Binding::New) => true,
                Some(Binding::Stream) => first_stream(j),
                _ => false,
            });
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
        // The journey's page renders on its own terms; a page the engine parses has its DOM's
        // milestones (`interactive`, `DOMContentLoaded`, `load`).
        let (interactive, dcl, load) = match (self.milestones, self.dom_milestones()) {
            (Some(m), _) => (m.interactive, m.interactive, m.interactive),
            (None, Some(d)) => d,
            (None, None) => (Instant::ZERO, Instant::ZERO, Instant::ZERO),
        };
        let (interactive, dcl, load) = (ms(interactive), ms(dcl), ms(load));
        let (rs, re, rc) = self.redirect_timing();
        Timing {
            start_time: 0.0,
            redirect_start: ms(rs),
            redirect_end: ms(re),
            redirect_count: rc,
            fetch_start: ms(fs),
            domain_lookup_start: ms(ds),
            domain_lookup_end: ms(de),
            connect_start: ms(cs),
            secure_connection_start: ss.map_or(0.0, ms),
            connect_end: ms(ce),
            request_start: ms(q.send_start.unwrap_or(fs)),
            response_start: ms(q.first_byte),
            response_end: ms(q.end.unwrap_or(fs)),
            dom_interactive: interactive,
            dom_content_loaded_event_start: dcl,
            dom_content_loaded_event_end: dcl,
            dom_complete: load,
            load_event_start: load,
            load_event_end: load,
        }
    }

    /// The document's HTTP redirects for Navigation Timing: from the navigation's start to
    /// the last redirect's end, and how many, when every hop was on the document's origin;
    /// zeros otherwise (Navigation Timing Level 2, `redirectStart`: "if all the redirects are
    /// from the same origin as the current document").
    fn redirect_timing(&self) -> (Instant, Instant, u32) {
        let hops: Vec<&R> = self.reqs[..self.doc]
            .iter()
            .filter(|q| {
                q.dest == Dest::Fetch(Destination::Document)
                    && crate::model::redirect::is_redirect(q.status)
                    && q.rare().location.is_some()
            })
            .collect();
        let same = hops.iter().all(|q| *q.origin == self.page_origin);
        match (hops.first(), hops.last()) {
            (Some(first), Some(last)) if same => {
                (first.t0, last.end.unwrap_or(first.t0), hops.len() as u32)
            }
            _ => (Instant::ZERO, Instant::ZERO, 0),
        }
    }

    pub(super) fn finish(mut self) -> (PageLoad, Cache) {
        let timing = self.navigation_timing();
        let url = self
            .reqs
            .get(self.doc)
            .map(|r| r.url.to_string())
            .unwrap_or_default();
        // The navigation's document requests: an https attempt HTTPS-Upgrades fell back from,
        // then the page's own.
        let documents = (0..=self.doc)
            .filter(|&i| {
                self.reqs
                    .get(i)
                    .is_some_and(|q| q.dest == Dest::Fetch(Destination::Document))
            })
            .map(|i| i as u32 + 1)
            .collect();
        let api = self.api.map(|a| a as u32 + 1);
        self.settle_open();
        self.free_running();
        let mut requests = Vec::with_capacity(self.reqs.len());
        let mut texts = Texts::new(&self);
        for i in 0..self.reqs.len() {
            requests.push(self.present(i, &mut texts));
        }
        // Into a new list: collecting in place would shrink the jobs' allocation to fit, a
        // copy of every job.
        let mut connections: Vec<Connection> = Vec::with_capacity(self.jobs.len());
        connections.extend(std::mem::take(&mut self.jobs).into_iter().map(|j| j.conn));
        let mut groups = groups_of(&connections, &requests);
        let per_group = self.pool.limits().0;
        for g in &mut groups {
            g.limit = per_group;
        }
        let end = requests
            .iter()
            .map(|r| r.end)
            .max()
            .unwrap_or(Instant::ZERO);
        let main_thread = self.main_thread(end);
        let load = PageLoad {
            name: self.sc.name.clone(),
            url,
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
            documents,
            api,
            main_thread,
        };
        (load, self.cache)
    }

    /// With event streams or WebSockets on the page, what is still open when the model stops watching is
    /// pending until then: a stream still streaming, a request still waiting for a socket or
    /// a connection. (Without streams every request ends; one that did not is a fault the
    /// report calls "never finished".)
    fn settle_open(&mut self) {
        if !self.lasting {
            return;
        }
        let watch = self.watch_end();
        let mut held: Vec<(u32, u32, Instant)> = Vec::new();
        for (i, q) in self
            .reqs
            .iter_mut()
            .enumerate()
            .filter(|(_, q)| q.end.is_none())
        {
            // Not before what the request did (a poll asked just before the watch ends).
            let end = watch
                .max(q.t0)
                .max(q.send_start.unwrap_or(q.t0))
                .max(q.queue.map_or(q.t0, |qu| qu.0))
                .max(q.send_end);
            q.end = Some(end);
            if let Some(c) = q.conn {
                held.push((c, i as u32 + 1, end));
            }
            // Its answer's head arrived: what stays open is a WebSocket or an event stream.
            let answered = q.status != 0;
            let why = match (q.send_start, &mut q.queue) {
                (Some(_), _) if answered && q.kind.channel == Channel::WebSocket => {
                    "the WebSocket is still open when the model stops watching"
                }
                (Some(_), _) if answered => {
                    "the stream is still open when the model stops watching"
                }
                (Some(_), _) => {
                    // Waiting for the server (a long poll held) all the way.
                    q.first_byte = end;
                    "still waiting for its answer when the model stops watching"
                }
                (None, Some(queue)) => {
                    queue.1 = end;
                    "still waiting for a socket when the model stops watching"
                }
                (None, None) => "not sent yet when the model stops watching",
            };
            q.outcome = Some(Outcome::Pending { why: why.into() });
        }
        // Their connections carry them until then.
        for (c, id, end) in held {
            let uses = self.job_mut(c).map(|j| &mut j.conn.uses);
            if let Some(u) = uses.and_then(|u| u.iter_mut().rev().find(|u| u.0 == id)) {
                u.2 = end;
            }
        }
    }

    /// Frees what only running the load needed, before the report's rows are built: a large
    /// page's peak heap is there. The connections' machines, the event queue, the schedulers'
    /// queues and the URL indexes go (6 MB on a 10,000-request page); the rows read the
    /// requests, the connections' records and the pool's limits.
    fn free_running(&mut self) {
        for j in &mut self.jobs {
            j.machines.release();
        }
        self.events = BinaryHeap::new();
        self.originals = BTreeMap::new();
        self.requests_for = Vec::new();
        self.sched = scheduler::State::default();
        self.renderer = renderer::State::default();
    }

    /// Whether origin `of` is the page's, and the comparison part by part (worked out once
    /// per origin).
    fn comparison(&mut self, of: usize) -> (bool, Rc<[OriginPart]>) {
        let page = &self.page_origin;
        let Some(facts) = self.origins.get_mut(of) else {
            return (false, Rc::from([]));
        };
        let origin = &facts.origin;
        facts
            .comparison
            .get_or_insert_with(|| {
                let c = policy::compare(page, origin);
                (c.same_origin, OriginPart::list(c))
            })
            .clone()
    }

    /// Request `i` as the load reports it. Its texts move out of the engine's record (the load
    /// is over), and what is worked out reads request `i`, its connection, and what its origin
    /// shares with the other requests there.
    pub(super) fn present(&mut self, i: usize, texts: &mut Texts) -> Request {
        let (same_origin, comparison) = self.comparison(self.reqs[i].of);
        let q = &self.reqs[i];
        let end = q.end.unwrap_or(q.t0);
        let job = q.conn.and_then(|c| self.job(c));
        let dup = q.rare().dup_of.is_some();
        let phases = if dup {
            if end > q.t0 {
                vec![Phase {
                    name: PhaseName::Stalled,
                    start: q.t0,
                    end,
                    why: q.stalled_why.as_deref().unwrap_or_default().into(),
                }]
            } else {
                vec![]
            }
        } else {
            self.phases(i, job, end, texts)
        };
        let protocol = job.map_or(if q.h2 { Protocol::H2 } else { Protocol::Http1 }, |j| {
            j.conn.protocol
        });
        let reused = matches!(
            q.binding,
            Some(Binding::Idle { used: true }) | Some(Binding::Handed)
        ) || (q.binding == Some(Binding::Stream)
            && job.is_some_and(|j| j.conn.uses.first().is_some_and(|u| u.0 != i as u32 + 1)));
        let content_type = Cow::Borrowed(q.content_type);
        let extra_headers = q.sent_lines();
        let websocket = self.handshake(i);
        let q = &mut self.reqs[i];
        let take = std::mem::take::<String>;
        let (url, destination) = match q.kind.channel {
            Channel::WebSocket => (super::websocket::ws_url(&q.url), "websocket"),
            Channel::EventSource => (q.url.as_str().to_string(), "eventsource"),
            Channel::Xhr => (q.url.as_str().to_string(), "xhr"),
            Channel::Http => (q.url.as_str().to_string(), q.dest.name()),
        };
        Request {
            id: i as u32 + 1,
            url,
            origin: q.origin_s.clone(),
            destination,
            kind: q.kind,
            method: std::mem::take(&mut q.method),
            priority: Some(q.priority),
            initiator: take(&mut q.initiator),
            group: q.group.clone(),
            credentials: q.credentialed,
            cookie: q.cookie.take(),
            cookie_note: q.cookie_note.clone(),
            protocol,
            connection: if dup { None } else { q.conn },
            reused,
            queued: q.queue.is_some(),
            queued_at: q.queue.map(|(from, ..)| from),
            from_cache: if dup {
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
            outcome: q.outcome.take().unwrap_or(Outcome::Failed {
                error: "never finished".into(),
            }),
            same_origin,
            comparison,
            preflight: q
                .rare
                .as_mut()
                .and_then(|rare| rare.preflight.take())
                .map(|(p, b)| (p as u32 + 1, b)),
            preflight_for: q.rare().preflight_for.map(|m| m as u32 + 1),
            status: q.status,
            body_bytes: q.body_bytes,
            sent_bytes: q.sent_bytes,
            content_type,
            response: q.response,
            extra_headers,
            messages: q
                .rare
                .as_mut()
                .map(|r| std::mem::take(&mut r.messages))
                .unwrap_or_default(),
            websocket,
        }
    }

    /// The request's time cut into DevTools' phases, end to end.
    pub(super) fn phases(
        &self,
        i: usize,
        job: Option<&Job>,
        end: Instant,
        texts: &mut Texts,
    ) -> Vec<Phase> {
        let q = &self.reqs[i];
        let t0 = q.t0;
        let send = q.send_start.unwrap_or(end);
        let new_conn = q.binding == Some(Binding::New)
            || (q.binding == Some(Binding::Stream)
                && job.is_some_and(|j| j.conn.start >= t0 || j.taken_by.is_none()))
            || matches!(q.binding, Some(Binding::Idle { used: false }));
        // Where the phases change, at most eleven: in order, each once.
        let mut buf = [t0; 11];
        let mut n = 0;
        let queue = q.queue.map(|(a, b, _, _)| [a, b]);
        let held = q.held.map(|(a, b)| [a, b]);
        let conn = job
            .filter(|_| new_conn)
            .map(|j| [j.conn.start, j.conn.dns_end, j.conn.tcp_end, j.conn.ready]);
        let all = [t0, send].into_iter().chain(q.rare().preflight_end);
        for c in all
            .chain(held.into_iter().flatten())
            .chain(queue.into_iter().flatten())
            .chain(conn.into_iter().flatten())
        {
            if c >= t0 && c <= send && n < buf.len() {
                buf[n] = c;
                n += 1;
            }
        }
        let cuts = &mut buf[..n];
        cuts.sort_unstable();
        let mut kept = 0;
        for i in 0..cuts.len() {
            if kept == 0 || cuts[i] != cuts[kept - 1] {
                cuts[kept] = cuts[i];
                kept += 1;
            }
        }
        let cuts = &cuts[..kept];
        let mut out: Vec<Phase> = Vec::new();
        let rtt = &texts.rtt;
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (name, why) = match (q.queue, job) {
                // The hold's words, shared with its event rather than copied.
                _ if q.held.is_some_and(|(ha, hb)| a >= ha && b <= hb) => (
                    PhaseName::Queueing,
                    q.held_why.clone().unwrap_or_else(|| Rc::from("")),
                ),
                (Some((qa, qb, reason, ahead)), _) if a >= qa && b <= qb => (
                    PhaseName::Queueing,
                    match reason {
                        Stall::PoolLimit => texts.pool_full.clone(),
                        _ => format!(
                            "queued: {} connections to {}{} are busy or opening{}; {} request{} ahead in the queue",
                            self.group_limit(&q.group),
                            q.origin_s,
                            if q.credentialed { "" } else { " (without credentials)" },
                            self.held_open(&q.group, (qa, qb)),
                            ahead,
                            if ahead == 1 { " was" } else { "s were" }
                        )
                        .into(),
                    },
                ),
                (_, Some(j)) if new_conn && a >= j.conn.start && b <= j.conn.dns_end => {
                    (PhaseName::DnsLookup, j.dns_why.as_str().into())
                }
                (_, Some(j)) if new_conn && a >= j.conn.dns_end && b <= j.conn.tcp_end => (
                    PhaseName::InitialConnection,
                    initial_connection(j, &q.host, rtt, started_by(i, j)).into(),
                ),
                (_, Some(j)) if new_conn && a >= j.conn.tcp_end && b <= j.conn.ready => {
                    let why = match j.conn.protocol {
                        Protocol::H3 => &texts.quic,
                        _ => &texts.tls,
                    };
                    (PhaseName::Ssl, why.clone())
                }
                _ => (PhaseName::Stalled, self.stalled_why(q, job, b).into()),
            };
            push_phase(&mut out, name, a, b, why);
        }
        if let Some(s) = q.send_start {
            push_phase(
                &mut out,
                PhaseName::RequestSent,
                s,
                q.send_end,
                texts.sent.clone(),
            );
            let server = q
                .first_byte
                .since(q.send_end)
                .micros()
                .saturating_sub(self.rtt.micros());
            let why = match q.h2_waited {
                Some(ready) => texts.h2_waiting(self.rtt, q, ready),
                None => texts.waiting(server),
            };
            push_phase(&mut out, PhaseName::Waiting, q.send_end, q.first_byte, why);
            push_phase(
                &mut out,
                PhaseName::ContentDownload,
                q.first_byte,
                end,
                (self.lasting_why(i).map(Rc::from))
                    .or_else(|| q.download_why.clone())
                    .unwrap_or_else(|| Rc::from("")),
            );
        }
        out
    }

    /// How many of `group`'s sockets event streams held while a request waited from `a` to
    /// `b` (a stream stays on its socket for as long as it is open): `", held by open event
    /// streams (6 while it waited)"`, or nothing.
    fn held_open(&self, group: &str, (a, b): (Instant, Instant)) -> String {
        let n = (self.source_requests.iter().map(|&i| &self.reqs[i]))
            .filter(|r| *r.group == *group)
            .filter(|r| r.send_start.is_some_and(|s| s < b) && r.end.is_none_or(|e| e > a))
            .count();
        match n {
            0 => String::new(),
            1 => ", one held by an open event stream while it waited".into(),
            n => format!(", held by open event streams ({n} while it waited)"),
        }
    }

    /// Why the request is stalled in the stretch that ends at `until`.
    pub(super) fn stalled_why(&self, q: &R, job: Option<&Job>, until: Instant) -> String {
        if let (Some(end), Some((p, because))) = (q.rare().preflight_end, &q.rare().preflight) {
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

/// The Initial connection phase of connection `j` to `host`: its TCP handshake, over IPv6 when
/// the path works, after Happy Eyeballs' 300 ms when it does not.
fn initial_connection(j: &Job, host: &str, rtt: &str, started_by: String) -> String {
    let v6 = j.machines.config.v6;
    let to = match v6 {
        Some(v) if v.works => format!("[{}]", v.addr),
        _ => j.ip.clone(),
    };
    let fallback = match v6 {
        Some(v) if !v.works => format!(
            "; its IPv6 address [{}] did not answer, so the IPv4 attempt started {} ms in (Happy Eyeballs)",
            v.addr,
            ms(crate::model::connection::happy_eyeballs::FALLBACK)
        ),
        _ => String::new(),
    };
    let locked = match j.lock_wait {
        Some((from, to_t, holder)) => format!(
            "first {} ms waiting, before its SYN, for the WebSocket endpoint lock that connection {holder} held while its handshake ran (one WebSocket connects to an address at a time, RFC 6455 §4.1); then ",
            ms(to_t.since(from))
        ),
        None => String::new(),
    };
    format!(
        "{locked}TCP handshake with {to} ({host}): SYN and SYN-ACK take one round trip, {rtt} ms{fallback}{started_by}"
    )
}
