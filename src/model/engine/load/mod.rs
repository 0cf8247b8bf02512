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
//! cross-site request carries only `SameSite=None` cookies. `Set-Cookie` answers are stored for
//! requests that include credentials.
//!
//! Phases use Chrome DevTools' names (Queueing, Stalled, DNS Lookup, Initial connection, SSL,
//! Request sent, Waiting for server response, Content Download). As in DevTools, "Initial
//! connection" includes the TLS handshake and "SSL" is that part of it.
//!
//! The preload scanner requests the URLs written in the markup (stylesheets, scripts, images,
//! preloads, preconnects) as the document arrives, before the parser has run any script
//! (`parser.rs`). The parser waits for classic scripts (and a script for the stylesheets
//! before it): an inline script's `fetch()` and an iframe start only once the parser gets past
//! them (for an iframe
//! after a script, that includes the stylesheets before the script); a web font waits for the
//! stylesheets. A `<link rel=preload>` is fetched when found and waits for, and blocks, nothing.
//!
//! The document's URL is what was typed: the omnibox, HSTS and HTTPS-Upgrades decide where the
//! first request goes, and an upgraded https attempt that fails is followed by a second
//! document request over http. The document's redirects (301, 302, 303, 307, 308) are
//! followed, each hop a request of its own through the cache and the pool, HSTS learned from
//! an https answer applies to the next hop and to a return visit, and the page is the last
//! hop's (`navigate.rs`, [`crate::model::redirect`]).
//!
//! Before the caches and the pool, the network service's `ResourceScheduler` holds back a
//! page's low-priority requests over HTTP/1.1, and the page's first layout raises the images in
//! the viewport to High, which the pool's queue follows (`scheduler.rs`).
//!
//! Left out: the iframe's own sub-resources, sub-resources' redirects, HTTP/2 header
//! compression, priorities inside an HTTP/2 connection, the slow-start restart after idle, the
//! TLS messages' own transmission time, and a stale-while-revalidate hit's background
//! revalidation (the hit is served; the refresh is not sent).
//! Sites come from [`crate::model::site`] with an empty suffix list, so a site is the host's last two
//! labels (the bundled app carries no Public Suffix List).
//!
//! The code, by concern: this file holds the engine's state, its event queue and how a request
//! starts; `navigate.rs` the navigation's start, its redirects and its fallback;
//! `scheduler.rs` the `ResourceScheduler` and the images' priority raise; `scenario.rs` the page
//! scenario and the situation; `caching.rs` the HTTP and memory
//! caches' side; `connect.rs` the socket pool, connect jobs, DNS and HTTP/2 sessions; `exchange.rs`
//! the request and response on a connection; `complete.rs` a request's end (the same-origin
//! decision, preflights, failures, the journey page); `parser.rs` the document's sub-resources;
//! `report.rs` what the load gives (requests, phases, connections, Navigation Timing);
//! `h2.rs` and `h3.rs` the HTTP/2 and HTTP/3 bytes; `alternative.rs` Alt-Svc and the QUIC race;
//! `loss.rs` packet loss; `doh.rs` DNS over HTTPS; `sse.rs` the page's `EventSource`s, whose
//! streams stay open.

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
use crate::model::scenario::{
    ApiChoice, Costs, DnsLatency, DnsState, HstsState, Profile, ProfileName, TlsChoice,
};
use crate::model::site::SuffixList;
use crate::model::step::steps;
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Event, Trace};
use crate::model::url::{self, Origin};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::rc::Rc;

mod alternative;
mod caching;
mod complete;
mod connect;
mod doh;
mod exchange;
mod h2;
mod h3;
mod loss;
mod navigate;
mod parser;
mod polling;
mod renderer;
mod report;
mod scenario;
mod scheduler;
mod sse;
mod websocket;
mod xhr;

use doh::Looked;
pub use doh::{Answered as DohAnswered, Asked as DohAsked};
pub(crate) use exchange::not_modified;
use exchange::*;
pub use exchange::{request_as_sent, response_message, Answer, Sent};
pub use h3::{Headers as H3Headers, Response as H3Response};
pub use loss::MAX_LOSS_PERCENT;
pub use navigate::Nav;
pub use report::*;
use scenario::response_key;
pub use scenario::*;

/// The data one full segment carries on every connection: an Ethernet MTU of 1500 bytes less
/// the IPv4 and TCP headers (an MSS of 1,460) less the timestamps option every segment carries
/// (12 bytes; the TCP machines' `segment_payload`, Linux's `tcp_current_mss`).
const MSS: u64 = 1448;
/// The same over IPv6, whose header is 40 bytes: 1,500 − 40 − 20 − 12.
const MSS_V6: u64 = 1428;
/// RFC 6928's initial window, in segments.
const INITIAL_CWND: u64 = crate::model::http::INITIAL_WINDOW_SEGMENTS;
/// `kInitialMaxConcurrentStreams` (net/spdy/spdy_session.h).
pub const H2_MAX_STREAMS: usize = 100;
/// The seed of every page's random values (sequence numbers, TLS randoms): a page scenario
/// names none, so each connection's numbers come from this and its id.
const PAGE_SEED: u64 = 0x7769_7265_7761_6c6b;
/// The pool request ids of another tab's requests (a busy socket's, or the one that used an
/// idle connection before the load): the top of the range, far above any load's requests.
const PHANTOM_REQUEST: u32 = u32::MAX;
/// The most the model accepts, so a pasted page cannot exhaust the browser.
pub const MAX_HTML_BYTES: usize = 2_000_000;
pub const MAX_REQUESTS: usize = 20_000;
/// About how many events a request adds to the trace once its connection is open (the cache's
/// lookup, miss and store, the pool's three, HTTP's four, its TCP segment and the same-origin
/// check): what the trace reserves for each request the parser finds.
const EVENTS_PER_REQUEST: usize = 17;
/// About how many events a new https connection adds (its DNS, the three TCP segments of its
/// handshake, the TLS flights' records and the certificate check), for as many connections as
/// the pool may open for the requests found: six per origin at most.
const EVENTS_PER_CONNECTION: usize = 12;
/// The longest a return visit may come after the first: a year.
pub const MAX_WARM_CACHE_S: u64 = 365 * 86_400;
/// The largest response body a scenario may give: 1 TiB, hours at any bandwidth.
pub const MAX_BODY_BYTES: u64 = 1 << 40;

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
    /// The header lines sent beyond the model's own: `Origin` on a CORS request, the script's
    /// (a preflight's `Access-Control-Request-*`, a navigation's initiator's), then the cache's
    /// validators. The request's writer puts each where Chromium does
    /// ([`crate::model::http::Fetch`], [`crate::model::http::navigation_request`]).
    fn sent_lines(&self) -> Vec<String> {
        let rare = self.rare();
        let mut lines: Vec<String> = rare.origin_header.iter().cloned().collect();
        lines.extend(rare.browser_fields.iter().cloned());
        lines.extend(self.headers.iter().cloned());
        lines.extend(rare.conditional.0.iter().map(|(n, v)| format!("{n}: {v}")));
        lines
    }

    /// What few requests have ([`Rare`]): nothing of it when the request has none.
    fn rare(&self) -> &Rare {
        static NONE: Rare = Rare::NONE;
        self.rare.as_deref().unwrap_or(&NONE)
    }

    /// The same, to change: made when first needed.
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(|| Box::new(Rare::NONE))
    }

    /// The response's `Location` (`None` for most: no record is made for it).
    fn set_location(&mut self, location: Option<String>) {
        if location.is_some() || self.rare.is_some() {
            self.rare_mut().location = location;
        }
    }

    /// The requests for the same URL that wait for this one's response, taken.
    fn take_followers(&mut self) -> Vec<usize> {
        self.rare
            .as_mut()
            .map(|rare| std::mem::take(&mut rare.followers))
            .unwrap_or_default()
    }
}

/// What few requests have: either side of a CORS preflight, an `Origin` header, a redirect's
/// `Location`, a revalidation's validators, repeats of the URL the memory cache serves. Boxed
/// when first set, so that a request with none of it keeps a pointer instead of room for all
/// (176 of a request's 840 bytes; 1.8 MB on a 10,000-request page).
#[derive(Clone, Debug)]
struct Rare {
    /// For a request that needs one: its preflight, and why.
    preflight: Option<(usize, String)>,
    /// For a preflight: the request it asks permission for.
    preflight_for: Option<usize>,
    /// When the preflight answered, for a request that needed one.
    preflight_end: Option<Instant>,
    /// `Origin: <the page's origin>`, sent with a cross-origin `fetch()` and a preflight, the
    /// requests whose answer the CORS check reads (Fetch §3.1 "`Origin` header").
    origin_header: Option<String>,
    /// The response's `Location`, once its head is known (from the network or the cache).
    location: Option<String>,
    /// The validators the cache added (a revalidation).
    conditional: Headers,
    /// The earlier request for the same URL whose response this one takes (memory cache).
    dup_of: Option<usize>,
    /// The later requests for the same URL waiting for this one's response.
    followers: Vec<usize>,
    /// The `EventSource` it belongs to ([`sse`]).
    source: Option<usize>,
    /// The WebSocket whose handshake it is ([`websocket`]).
    websocket: Option<usize>,
    /// The messages on it, for a request that stays open.
    messages: Vec<Message>,
    /// For an `XMLHttpRequest`'s: whether it is synchronous ([`xhr`]).
    xhr: Option<bool>,
    /// A `fetch()` the script repeats ([`polling`]), and the feed's events its answer carries.
    repeat: Option<page::Repeat>,
    carries: Vec<usize>,
    /// Fields the browser's API sets (an EventSource's `Cache-Control` and `Last-Event-ID`):
    /// sent, but not the script's, so they never make a preflight.
    browser_fields: Vec<String>,
}

impl Rare {
    const NONE: Rare = Rare {
        preflight: None,
        preflight_for: None,
        preflight_end: None,
        origin_header: None,
        location: None,
        conditional: Headers(Vec::new()),
        dup_of: None,
        followers: Vec::new(),
        source: None,
        websocket: None,
        messages: Vec::new(),
        xhr: None,
        repeat: None,
        carries: Vec::new(),
        browser_fields: Vec::new(),
    };
}

#[derive(Clone, Debug)]
struct R {
    /// Parsed once, when the request is made.
    url: ::url::Url,
    /// Its origin's place in `origins`, and what is shared by the requests there
    /// ([`OriginFacts`]).
    of: usize,
    origin: Rc<Origin>,
    origin_s: Rc<str>,
    host: Rc<str>,
    https: bool,
    dest: Dest,
    method: Cow<'static, str>,
    headers: Vec<String>,
    include_credentials: bool,
    priority: Priority,
    initiator: String,
    group: Rc<str>,
    credentialed: bool,
    h2: bool,
    cookie: Option<String>,
    cookie_note: Rc<str>,
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
    /// The request's bytes as sent.
    sent_bytes: u64,
    download_why: Option<Rc<str>>,
    /// Over HTTP/2: when its response was ready, if it then waited for the connection's
    /// earlier responses to leave.
    h2_waited: Option<Instant>,
    response: Option<usize>,
    outcome: Option<Outcome>,
    /// A page's `fetch()` whose promise nothing handles ([`page::Resource::unhandled`]).
    unhandled: bool,
    /// What few requests have ([`R::rare`]).
    rare: Option<Box<Rare>>,
    /// The HTTP/2 stream that carries it.
    stream: Option<u32>,
    /// Served from the disk cache (a fresh hit).
    disk_cache: bool,
    /// The cache's half of the exchange, while the request is on the network.
    pending: Option<Box<Pending>>,
    /// The cache has been asked (once per request).
    cache_asked: bool,
    /// The server's response, worked out when the request is sent.
    resp: Option<Box<crate::model::http::Response>>,
    /// The connection stays open after this response (keep-alive, no `Connection: close`).
    keep_alive: bool,
    /// The situation's modelled server answered it (its headers are the response's own).
    site_served: bool,
    /// When the response's last byte arrives, once the server has sent its head.
    last_byte: Instant,
    /// The Content-Type assumed when the scenario gives none ([`default_content_type`]).
    content_type: &'static str,
    /// What decided the scenario's answer, from when the request is sent until its head goes.
    answer: Option<Box<Answer>>,
    /// For a GET that is not a `fetch()`: its URL's place in `requests_for` (the memory cache).
    memory: Option<usize>,
    /// What the request is, for the header fields it carries ([`crate::model::http::Kind`]).
    kind: crate::model::http::Kind,
    /// Held back by the `ResourceScheduler`: from when, until it started; and why.
    held: Option<(Instant, Instant)>,
    held_why: Option<Rc<str>>,
    /// The scheduler counts it in flight, and as delayable (its priority then).
    in_flight: bool,
    flight_delayable: bool,
    /// The scheduler holds it now.
    is_held: bool,
    /// Started by Blink's scheduler (`Some(kMedium or not)`), or held there.
    renderer: Option<bool>,
    renderer_held: bool,
}

/// What the load knows of one origin its requests go to: worked out for the first request
/// there and shared by the rest.
struct OriginFacts {
    origin: Rc<Origin>,
    text: Rc<str>,
    host: Rc<str>,
    https: bool,
    /// Its socket groups' key texts: with credentials, without, and a cross-site frame's.
    groups: [Option<Rc<str>>; 3],
    /// Same site as the page, once asked.
    same_site: Option<bool>,
    /// Why a request there sends the cookies it does, each written once ([`CookieNote`]).
    cookie_notes: [Option<Rc<str>>; 4],
    /// Whether it is the page's origin and the comparison part by part, once the report asks.
    comparison: Option<(bool, Rc<[OriginPart]>)>,
    /// The `Host` header and the `Referer` its requests send, once one is sent.
    host_header: Option<Rc<str>>,
    referer: Option<Option<Rc<str>>>,
}

/// Why a credentialed request sends the cookies it does.
#[derive(Clone, Copy)]
enum CookieNote {
    /// Its host's cookies go with it.
    FromJar,
    /// Cross-site: only its host's `SameSite=None` cookies go.
    SameSiteNone,
    /// Cross-site, and every cookie of its host is `SameSite=Lax`: none go.
    AllLax,
    /// Its host has no cookies.
    Empty,
}

/// What the load knows of one host: its origins (in `origins`) and its connections'
/// endpoints, by port and address.
#[derive(Default)]
struct HostFacts {
    /// What the browser's, the OS's and the resolver's caches hold for it.
    dns: Caches,
    /// Its HTTPS record, once a lookup with the built-in DNS client brought one.
    https: Option<crate::model::svcb::Https>,
    origins: Vec<usize>,
    endpoints: Vec<(u16, Rc<str>, [u16; 3])>,
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
    /// Held by the pool while its lookup goes over HTTPS: no address yet ([`doh`]).
    dns_waiting: bool,
    /// The endpoints its events name: its server, its TLD's and its domain's name servers.
    endpoints: [u16; 3],
    /// Why the connection failed, once it has.
    failure: Option<connection::Failure>,
    /// Over HTTP/2, once open: its HPACK tables, priority chain and send queue.
    h2: Option<Box<h2::Wire>>,
    /// Its packet loss draws, once a response has crossed it on a lossy network.
    loss: Option<loss::State>,
    /// A WebSocket's connection that waited for its address's endpoint lock before its SYN:
    /// from when, until when, and the connection that held the lock.
    lock_wait: Option<(Instant, Instant, u32)>,
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
    /// The browser opens its connection to the DoH server.
    DohConnect,
    /// The DoH connection is ready: the lookups waiting for it leave.
    DohSend,
    /// The answers to a lookup over HTTPS (of a host, for a port) have arrived.
    DohDone(String, u16),
    /// The address is known: the connection sends its SYN.
    ConnStart(u32),
    /// A handshake message reaches its side of the connection.
    Deliver(u32, Box<connection::Delivery>),
    /// An event computed ahead (a DNS lookup's messages) whose moment has come.
    Emit(Box<Event>),
    /// The server's response to request `r` is ready: it starts sending it (over HTTP/2,
    /// once the connection's earlier responses have left: [`Ev::H2Next`]).
    ServerSends(usize),
    /// An HTTP/2 server's SETTINGS leave; the browser acknowledges them.
    H2Server(u32),
    H2Ack(u32),
    /// An HTTP/2 connection's written bytes have left: its server sends the next response
    /// that waits ([`h2`]'s module doc).
    H2Next(u32),
    /// Bytes of the server's reach connection `job`'s TCP machines: (job, bytes on the wire
    /// with their TLS records' overhead, when the last arrives).
    Receive(u32, u64, Instant),
    /// The user clicks the journey page's button.
    Click,
    /// Another tab's download on a busy socket ends: the socket goes back to the pool.
    BusyDone(u32),
    FirstByte(usize),
    Done(usize),
    /// The `ResourceScheduler` lets a held request go on.
    Go(usize),
    /// The page's first layout: images in the viewport are raised.
    Layout,
    /// The parser inserts `<body>`: Blink's scheduler leaves its tight mode.
    Body,
    /// The server writes event `k` of its stream on request `r`'s response (missed while
    /// the browser reconnected, or live).
    SseWrite(usize, usize, bool),
    /// The server ends the stream on request `r`'s response.
    SseEnd(usize),
    /// An `EventSource` asks again.
    Reconnect(usize),
    /// Something happens on WebSocket `s`.
    Ws(usize, websocket::Act),
    /// The endpoint lock `k` is given up ([`websocket::EndpointLock`]).
    WsUnlock(usize),
    /// The script makes request `r`'s `fetch()` again.
    Repeat(usize),
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
    /// The scenario's QUIC connection ID, until the first QUIC connection to the document's
    /// host takes it.
    quic_cid: Option<Rc<[u8]>>,
    /// The browser's certificate verifier and the servers' chains, shared by the connections.
    certs: Rc<connection::Certs>,
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
    requests_for: Vec<(usize, Vec<usize>)>,
    /// Connect jobs by id: the pool numbers them 1, 2, 3…, so job `n` is at `n - 1`.
    jobs: Vec<Job>,
    /// The job that made each socket, by socket id (also numbered from 1).
    socket_job: Vec<u32>,
    /// Whether the recursive resolver knows the zones above the page's hosts (it learns them
    /// with its first walk); each host's own cache entries are in its `HostFacts`.
    resolver_referrals: bool,
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
    /// The parser over the document ([`Sim::discover`]): when it reaches the end unhindered,
    /// how long each script runs, and the scripts that run once it is done (`defer`, modules),
    /// in document order.
    parsing: Option<Parsing>,
    /// The journey's page: its milestones once the document has arrived, and its click's
    /// `fetch()`.
    milestones: Option<page_run::Milestones>,
    api: Option<usize>,
    /// How the navigation ended, when it failed.
    nav_failed: Option<navigation::Outcome>,
    /// The page's document request (the last of the navigation's: an https attempt that
    /// failed is followed by its fallback), its URL, parsed once, and the page's origin as text.
    doc: usize,
    doc_url: url::Parsed,
    /// HTTPS-Upgrades' `http://` URL, while the upgraded https attempt may still fail.
    fallback: Option<url::Parsed>,
    /// HTTPS-Upgrades' memory of this navigation (`HttpsUpgradesInterceptor`): the `http://`
    /// URLs it upgraded (one coming back is a redirect loop: it falls back instead), and the
    /// hosts it fell back for, whose `http://` it no longer upgrades (`AllowHttpForHost`).
    upgraded: Vec<String>,
    http_allowed: Vec<String>,
    /// What the browser knows of HSTS: the situation's, an earlier visit's, and what this
    /// load's https responses said.
    hsts: crate::model::hsts::State,
    /// The alternative services the browser knows (an earlier visit's, and what this load's
    /// https responses said).
    alt_svc: crate::model::alt_svc::Store,
    /// Each group's race of QUIC against TCP, in the order they started.
    races: Vec<alternative::Race>,
    /// A QUIC connection has worked on this network (`has_quic_ever_worked_on_current_network_`).
    quic_worked: bool,
    /// Redirects the navigation has followed: the servers', and the internal ones of HSTS and
    /// HTTPS-Upgrades, which its loader counts alike ([`crate::model::redirect`]).
    redirects: u32,
    /// How the navigation started, and the page it started on (none when typed).
    start: crate::model::initiator::Start,
    initiator: Option<::url::Url>,
    /// The `ResourceScheduler`'s view: the page's requests it holds back (in arrival order),
    /// and those in flight; and whether the page has been laid out.
    sched: scheduler::State,
    /// Blink's `ResourceLoadScheduler`, before the network service's.
    renderer: renderer::State,
    /// The page's `EventSource`s ([`sse`]) and WebSockets ([`websocket`]).
    sources: Vec<sse::Source>,
    /// Every request of the `EventSource`s, their reconnections' too.
    source_requests: Vec<usize>,
    sockets: Vec<websocket::Socket>,
    /// The WebSocket endpoint locks, one per address a WebSocket connected to.
    ws_locks: Vec<websocket::EndpointLock>,
    /// The page has something that lasts (a stream, a WebSocket, a poll): what is open when
    /// the model stops watching is pending, not a fault.
    lasting: bool,
    /// For each feed a page long-polls (by its response's place): how many of its events the
    /// server has answered with.
    polled: BTreeMap<usize, usize>,
    laid_out: bool,
    page_origin_s: Rc<str>,
    /// The bandwidth in Mbit/s, as the texts show it (written once).
    mbit: String,
    /// Each host's site (its registrable domain), worked out once: host → index in `site_names`.
    sites: BTreeMap<String, usize>,
    site_names: Vec<String>,
    /// The origins the load's requests go to, and where to find them by host.
    origins: Vec<OriginFacts>,
    /// The header lines of each of the scenario's responses (and its preflight's), shared.
    answer_lines: Vec<[Option<Rc<[String]>>; 2]>,
    /// Each endpoint's place in the trace's list, by its name.
    endpoint_names: BTreeMap<String, usize>,
    /// Each host's place in `host_facts`.
    hosts: BTreeMap<String, usize>,
    host_facts: Vec<HostFacts>,
    /// Lookups started by a connection no request opened, joined since by a request's
    /// connection: (the starting connection, the request's id).
    lookup_claims: Vec<(u32, u32)>,
    /// Who opens the connect jobs the pool starts for no request: a `<link rel=preconnect>`
    /// but while the navigation's own preconnect runs.
    preconnector: Preconnector,
    /// The DNS-over-HTTPS client, with secure DNS on.
    doh: doh::Doh,
    trace: Trace,
}

/// What the document's parser needs for the DOM's milestones ([`Sim::dom_milestones`]).
struct Parsing {
    /// The parser reaches the end of the document when nothing stops it.
    end: Instant,
    /// How long a script runs once it is there.
    script: Duration,
    /// Requests for the scripts that run after parsing, in document order.
    after: Vec<usize>,
}

/// A request that waits for the first `blocking` parser-blocking scripts and the first
/// `styles` stylesheets to end, then `extra` more.
#[derive(Clone, Debug)]
struct Deferred {
    /// What waits: a request, or the body's insertion (`None`).
    request: Option<usize>,
    earliest: Instant,
    blocking: usize,
    styles: usize,
    extra: Duration,
    why: String,
}

/// Loads the page. Never panics: a scenario that cannot load (a bad URL, too much HTML) gives
/// an error message instead.
pub fn run(sc: &PageScenario) -> Result<PageLoad, String> {
    run_in(sc, &Situation::default(), Cache::default())
}

/// The page over HTTP/1.1, HTTP/2 and HTTP/3 ([`PageScenario::with_protocol`]): the three
/// waterfalls on one time axis.
pub fn over_each_protocol(sc: &PageScenario) -> Vec<(Protocol, Result<PageLoad, String>)> {
    (Protocol::ALL.into_iter())
        .map(|p| (p, run(&sc.with_protocol(p))))
        .collect()
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
    check_streams(sc)?;
    let mut nav = Nav::plan(&sc.url, situation, &Default::default())?;
    let tls = TlsChoice::parse(&sc.tls).ok_or_else(|| {
        format!(
            "tls must be 1.3, 1.2-ecdhe or 1.2-rsa, not \"{}\"",
            short(&sc.tls)
        )
    })?;
    // A return visit: the same page loaded `warm_cache_s` seconds before, from a cold cache,
    // leaves its responses in the HTTP cache and what its https responses said about HSTS;
    // only those carry over (the navigation is planned again with what was learned).
    let mut cache = cache;
    let now = situation.unix_time;
    let mut known = Learnt::default();
    if let Some(age) = sc.warm_cache_s {
        let age = age.min(MAX_WARM_CACHE_S) as i64;
        let (_, c, mut learnt) = run_at(sc, situation, &nav, tls, now - age, (cache, true), known);
        learnt.hsts.age_by(age as u64);
        cache = c;
        nav = Nav::plan(&sc.url, situation, &learnt.hsts)?;
        known = learnt;
    } else if situation.alt_svc_learned {
        // The visit an hour before, from an empty cache: only its alternative services are
        // kept (the situation's other knobs say what else it left).
        let earlier = (Cache::default(), false);
        let (_, _, learnt) = run_at(sc, situation, &nav, tls, now - 3600, earlier, known);
        known = Learnt {
            alt_svc: learnt.alt_svc,
            ..Learnt::default()
        };
    }
    Ok(run_at(sc, situation, &nav, tls, now, (cache, false), known).0)
}

/// The most events a scenario's stream may list, and ends (`close_ms`), and WebSocket
/// messages: what a page's live feeds need many times over, within the time a load may take.
pub const MAX_STREAM_EVENTS: usize = 10_000;
pub const MAX_STREAM_CLOSES: usize = 1_000;

/// Refuses a scenario whose streams or sockets list more than the model takes.
fn check_streams(sc: &PageScenario) -> Result<(), String> {
    for r in &sc.responses {
        let (events, closes) = match (&r.stream, &r.websocket) {
            (Some(s), _) => (s.events.len(), s.close_ms.len()),
            (None, Some(w)) => (w.messages.len(), 0),
            (None, None) => continue,
        };
        let huge = (r.websocket.iter().flat_map(|w| &w.messages)).any(|m| m.bytes > MAX_BODY_BYTES);
        if huge {
            return Err(format!(
                "a WebSocket message at {} has more than {MAX_BODY_BYTES} bytes (1 TiB), the limit",
                short(&r.url)
            ));
        }
        if events > MAX_STREAM_EVENTS || closes > MAX_STREAM_CLOSES {
            return Err(format!(
                "the stream at {} lists {events} events and {closes} ends; the limits are {MAX_STREAM_EVENTS} and {MAX_STREAM_CLOSES}",
                short(&r.url)
            ));
        }
    }
    Ok(())
}

/// What a load leaves for a later one besides its cache: the HSTS rules and the alternative
/// services the browser then knows.
#[derive(Default)]
struct Learnt {
    hsts: crate::model::hsts::State,
    alt_svc: crate::model::alt_svc::Store,
}

/// One load of the page at `unix_time` with `cache` as the HTTP cache (kept afterwards or
/// not) and what the browser `known` of alternative services; returns the load, the cache as
/// the load left it, and what the browser then knows.
fn run_at(
    sc: &PageScenario,
    situation: &Situation,
    nav: &Nav,
    tls: TlsChoice,
    unix_time: i64,
    (cache, keep_cache): (Cache, bool),
    known: Learnt,
) -> (PageLoad, Cache, Learnt) {
    let parsed = &nav.target;
    let profile = sc.profile();
    let doc_host = parsed.getters.hostname.clone();
    let mut sim = Sim {
        sc,
        situation,
        resolver_referrals: false,
        doc_host,
        tickets: vec![],
        quic_cid: situation.quic_cid.clone(),
        certs: Rc::default(),
        cache,
        unix_time,
        page_origin: parsed.origin.clone(),
        rtt: profile.rtt(),
        bandwidth: profile.bandwidth_bps,
        tls,
        lat: situation.dns_latency.clone(),
        pool: match sc.pool {
            Some(l) => Pool::new(
                l.per_group.clamp(1, MAX_POOL_LIMIT),
                l.per_pool.clamp(1, MAX_POOL_LIMIT),
            ),
            None => Pool::default(),
        },
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
        parsing: None,
        milestones: None,
        api: None,
        nav_failed: None,
        sites: BTreeMap::new(),
        site_names: vec![],
        origins: vec![],
        answer_lines: vec![],
        endpoint_names: BTreeMap::new(),
        hosts: BTreeMap::new(),
        host_facts: vec![],
        mbit: mbit(profile.bandwidth_bps),
        doc: 0,
        doc_url: parsed.clone(),
        fallback: None,
        upgraded: vec![],
        http_allowed: vec![],
        hsts: nav.hsts.clone(),
        alt_svc: known.alt_svc,
        races: vec![],
        quic_worked: false,
        // The internal redirect HSTS or HTTPS-Upgrades made of the first URL is the first.
        redirects: u32::from(nav.upgrade.is_some()),
        start: nav.start,
        initiator: nav.initiator.clone(),
        sched: scheduler::State::default(),
        renderer: renderer::State::default(),
        sources: vec![],
        source_requests: vec![],
        sockets: vec![],
        ws_locks: vec![],
        lasting: false,
        polled: BTreeMap::new(),
        laid_out: false,
        page_origin_s: parsed.origin.serialize().into(),
        preconnector: Preconnector::Link,
        doh: doh::Doh::default(),
        lookup_claims: vec![],
        trace: Trace {
            // A one-document load has about sixty events; a page grows from there.
            events: Vec::with_capacity(64),
            endpoints: vec![],
        },
    };
    // What the situation says the caches hold for the document's host.
    let doc_dns = Caches::for_state(situation.dns, &sim.doc_host);
    sim.resolver_referrals = doc_dns.resolver_referrals;
    let doc_host = sim.doc_host.clone();
    let h = sim.host(&doc_host);
    if let Some(facts) = sim.host_facts.get_mut(h) {
        facts.dns = doc_dns;
    }
    sim.page_dns();
    // The endpoints every load has, in the order `endpoint_of` numbers them.
    for (actor, name) in [
        (Actor::Browser, "the browser"),
        (Actor::Cache, "the browser's HTTP cache"),
        (Actor::Os, "the operating system's resolver"),
        (Actor::Resolver, "the recursive resolver"),
        (Actor::Root, "a root server"),
    ] {
        sim.endpoint(actor, name.to_string());
    }
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
        if o.protocol.multiplexed() && o.origin.starts_with("http:") {
            sim.problems.push(format!(
                "{}: browsers speak {} only over TLS, so this origin uses HTTP/1.1",
                o.origin,
                if o.protocol == Protocol::H3 {
                    "HTTP/3"
                } else {
                    "HTTP/2"
                }
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
                version: tls.version(),
                lifetime_s: 7200,
            },
        ));
    }
    if !situation.refused {
        if let Ok(u) = ::url::Url::parse(&parsed.getters.href) {
            if situation.existing_connection {
                sim.open_idle(&u);
            }
            sim.occupy(&u, situation.busy_sockets);
        }
    }
    sim.start_navigation(&sc.url, nav);
    sim.run_events();
    let learnt = Learnt {
        hsts: std::mem::take(&mut sim.hsts),
        alt_svc: std::mem::take(&mut sim.alt_svc),
    };
    if !keep_cache {
        // Nobody reads this load's cache afterwards: free it before the report is built.
        sim.cache = Cache::default();
    }
    let (load, cache) = sim.finish();
    (load, cache, learnt)
}

/// What a request to `u` is, for its header fields: its destination and mode (Fetch §3.3), and
/// `Sec-Fetch-Site` against the page (a document's is `none` here, as for a typed navigation
/// even after redirects, `GetSecFetchSiteHeaderString`; a link's or a form's is set against
/// its initiator by the navigation, [`Sim::document_request`]).
fn request_kind(
    u: &::url::Url,
    dest: Dest,
    same_origin: bool,
    cross_site: bool,
) -> crate::model::http::Kind {
    use crate::model::http::{Dest as D, FetchSite, Mode};
    let (d, mode) = match dest {
        Dest::Preflight => (D::Empty, Mode::Cors),
        Dest::Fetch(Destination::Document) => (D::Document, Mode::Navigate),
        Dest::Fetch(Destination::Iframe) => (D::Iframe, Mode::Navigate),
        Dest::Fetch(Destination::Fetch) => (D::Empty, Mode::Cors),
        Dest::Fetch(Destination::Font) => (D::Font, Mode::Cors),
        Dest::Fetch(Destination::Image) => (D::Image, Mode::NoCors),
        Dest::Fetch(Destination::Script) => (D::Script, Mode::NoCors),
        Dest::Fetch(Destination::Style) => (D::Style, Mode::NoCors),
        Dest::Fetch(Destination::Media) => (D::Video, Mode::NoCors),
    };
    let site = match (d, same_origin, cross_site) {
        (D::Document, _, _) => FetchSite::None,
        (_, true, _) => FetchSite::SameOrigin,
        (_, false, false) => FetchSite::SameSite,
        (_, false, true) => FetchSite::CrossSite,
    };
    crate::model::http::Kind {
        dest: d,
        mode,
        site,
        trustworthy: crate::model::http::potentially_trustworthy(u),
        https: u.scheme() == "https",
        preflight: dest == Dest::Preflight,
        redirected: false,
        channel: crate::model::http::Channel::Http,
    }
}

/// Whether the renderer's memory cache may share a response for this kind of request: not for
/// a `fetch()`, nor for a document, which the browser process fetches (a navigation, or a
/// redirect back to a URL already seen).
fn memory_cached(dest: Dest) -> bool {
    !matches!(
        dest,
        Dest::Fetch(Destination::Fetch) | Dest::Fetch(Destination::Document)
    )
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
        Some(connection::Failure::QuicIdle) => "net::ERR_QUIC_PROTOCOL_ERROR".into(),
        // The interstitial writes `NET::ERR_CERT_…`; the console and DevTools `net::ERR_CERT_…`.
        Some(connection::Failure::Cert(e)) => {
            format!("net::{}", e.chromium_name().trim_start_matches("NET::"))
        }
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
/// Header lines as the cache's fields.
fn header_fields(lines: &[String]) -> Headers {
    Headers(
        header_pairs(lines)
            .into_iter()
            .map(|(n, v)| (n.into(), v.into()))
            .collect(),
    )
}

fn header_pairs(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|h| {
            let (n, v) = header_line(h);
            (n.to_string(), v.to_string())
        })
        .collect()
}

fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The response headers the same-origin rules read, from (name, value) fields in one pass:
/// the first of each name counts (the policy reads every Content-Security-Policy), and
/// `content_type` stands in for a missing Content-Type.
fn policy_response_of<'h>(
    fields: impl Iterator<Item = (&'h str, &'h str)>,
    content_type: Option<&str>,
) -> policy::Response {
    let mut r = policy::Response::default();
    // Which names were met: the first field of each decides.
    let mut met = [false; 7];
    let mut first = |i: usize| !std::mem::replace(&mut met[i], true);
    for (n, v) in fields {
        let is = |name: &str| n.eq_ignore_ascii_case(name);
        if is("content-security-policy") {
            if r.frame_ancestors.is_none() {
                r.frame_ancestors = frame_ancestors(v);
            }
        } else if is("content-type") {
            if first(0) {
                r.content_type = Some(v.to_string());
            }
        } else if is("x-content-type-options") {
            if first(1) {
                r.nosniff = v.eq_ignore_ascii_case("nosniff");
            }
        } else if is("access-control-allow-origin") {
            if first(2) {
                r.allow_origin = Some(v.to_string());
            }
        } else if is("access-control-allow-credentials") {
            if first(3) {
                r.allow_credentials = v == "true";
            }
        } else if is("access-control-allow-methods") {
            if first(4) {
                r.allow_methods = list(Some(v));
            }
        } else if is("access-control-allow-headers") {
            if first(5) {
                r.allow_headers = list(Some(v));
            }
        } else if is("x-frame-options") && first(6) {
            r.x_frame_options = Some(v.to_string());
        }
    }
    if r.content_type.is_none() {
        r.content_type = content_type.map(str::to_string);
    }
    r
}

/// A CSP header value's `frame-ancestors` directive, if it has one.
fn frame_ancestors(v: &str) -> Option<String> {
    v.split(';').find_map(|d| {
        let d = d.trim();
        d.strip_prefix("frame-ancestors")
            .filter(|rest| rest.is_empty() || rest.starts_with(' '))
            .map(|rest| rest.trim().to_string())
    })
}

/// The response headers the same-origin rules read, from `Name: value` lines (a line without
/// a colon is not a field).
fn policy_response(headers: &[String]) -> policy::Response {
    policy_response_of(fields_of(headers), None)
}

/// The fields of `Name: value` lines, trimmed; a line without a colon is skipped.
fn fields_of(lines: &[String]) -> impl Iterator<Item = (&str, &str)> {
    lines
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim(), v.trim()))
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

impl Sim<'_> {
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
                        self.resolver_referrals |= caches.resolver_referrals;
                        let h = self.host(&host);
                        if let Some(facts) = self.host_facts.get_mut(h) {
                            facts.dns = caches;
                        }
                    }
                }
                Ev::DohConnect => self.doh_connect(t),
                Ev::DohSend => self.doh_send_all(t),
                Ev::DohDone(host, port) => self.doh_done(t, (&host, port)),
                Ev::ConnStart(job) => {
                    let Some(j) = self.job_mut(job) else { continue };
                    if j.dns_failed {
                        // RFC 1035 §4.1.1 RCODE 3: the name does not exist; nothing to connect to.
                        j.failure = Some(connection::Failure::Dns);
                        self.pool.connect_failed(t, job);
                        self.pool_outputs(t);
                        continue;
                    }
                    // A race's TCP job whose QUIC job won while it waited is dropped before
                    // its SYN (`OrphanUnboundJob` resets a main job still blocked).
                    if self.lost_to_quic(job) {
                        self.pool.abandon(job);
                        self.close_conn(t, job, "QUIC won before TCP started");
                        self.pool_outputs(t);
                        continue;
                    }
                    if !self.ws_lock(t, job) {
                        continue;
                    }
                    self.take_ticket(job);
                    if let Some(j) = self.job_mut(job) {
                        j.machines.start(t);
                    }
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
                Ev::H2Server(job) => self.h2_server(t, job),
                Ev::H2Ack(job) => self.h2_ack(t, job),
                Ev::H2Next(job) => self.h2_next(t, job),
                Ev::Receive(job, wire, end) => {
                    if let Some(j) = self.job_mut(job) {
                        j.machines.receive_wire(wire, end);
                    }
                }
                Ev::Click => self.click(t),
                Ev::BusyDone(socket) => {
                    // Kept alive only where the server keeps connections open.
                    self.pool.release(t, socket, self.sc.keep_alive);
                    self.pool_outputs(t);
                }
                Ev::FirstByte(r) => self.first_byte(t, r),
                Ev::Done(r) => self.done(t, r),
                Ev::Go(r) => self.go(t, r),
                Ev::Layout => self.layout(t),
                Ev::Body => self.loosen(t),
                Ev::SseWrite(r, k, missed) => self.sse_write(t, r, k, missed),
                Ev::SseEnd(r) => self.sse_end(t, r),
                Ev::Reconnect(s) => self.reconnect(t, s),
                Ev::Ws(s, act) => self.ws_act(t, s, act),
                Ev::WsUnlock(k) => self.ws_unlock_now(t, k),
                Ev::Repeat(r) => self.repeat(t, r),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_request(
        &mut self,
        u: ::url::Url,
        dest: Dest,
        priority: Priority,
        initiator: String,
        method: Cow<'static, str>,
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
        let of = self.origin_facts(&u);
        let facts = &self.origins[of];
        let (origin, origin_s, host, https) = (
            facts.origin.clone(),
            facts.text.clone(),
            facts.host.clone(),
            facts.https,
        );
        let same = *origin == self.page_origin;
        let credentialed = match dest {
            Dest::Preflight => false,
            Dest::Fetch(Destination::Font) => same,
            Dest::Fetch(Destination::Fetch) => include_credentials || same,
            Dest::Fetch(_) => true,
        };
        // A frame cross-site to the page has its own network anonymization key: its own group.
        let frame = dest == Dest::Fetch(Destination::Iframe) && !self.same_site_of(of);
        let group = self.group_in(of, &u, credentialed, frame);
        let h2 = https && self.sc.protocol_of(&origin_s).multiplexed();
        let top_level = dest == Dest::Fetch(Destination::Document);
        // Sites without the Public Suffix List (the bundle does not carry it): its implicit
        // `*` rule alone, so a site is the host's last two labels.
        let cross_site = !top_level && !self.same_site_of(of);
        let (cookie, cookie_note) = if !credentialed {
            (
                None,
                Rc::from(match dest {
                    Dest::Preflight => "a preflight never carries cookies",
                    _ => "sent without credentials (CORS, credentials 'same-origin' to another origin): no cookies",
                }),
            )
        } else {
            let c = self
                .jar
                .header_for_subresource(&host, u.path(), https, cross_site);
            let lax =
                c.is_none() && cross_site && self.jar.header_for(&host, u.path(), https).is_some();
            let note = match (c.is_some(), cross_site, lax) {
                (true, false, _) => CookieNote::FromJar,
                (true, true, _) => CookieNote::SameSiteNone,
                (false, _, true) => CookieNote::AllLax,
                (false, _, false) => CookieNote::Empty,
            };
            (c, self.cookie_note(of, note))
        };
        let key = u.as_str().split('#').next().unwrap_or_default();
        let response = self.response_of.get(key).copied();
        // The scenario may set the request's priority itself.
        let priority = response
            .and_then(|i| self.sc.responses.get(i))
            .and_then(|s| s.priority)
            .unwrap_or(priority);
        let safe_method = matches!(method.as_ref(), "GET" | "HEAD");
        let kind = request_kind(&u, dest, same, cross_site);
        let id = self.reqs.len();
        let content_type = default_content_type(&u, dest);
        // Fetch §3.1: a CORS request (a cross-origin fetch() or font) and any request whose
        // method is neither GET nor HEAD (a preflight's OPTIONS included) say where from.
        let origin_header = (matches!(dest, Dest::Preflight)
            || (!same && matches!(dest, Dest::Fetch(Destination::Fetch | Destination::Font)))
            || !safe_method)
            .then(|| format!("Origin: {}", self.page_origin_s));
        self.reqs.push(R {
            of,
            url: u,
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
            sent_bytes: 0,
            download_why: None,
            h2_waited: None,
            response,
            outcome: None,
            unhandled: false,
            rare: origin_header.map(|h| {
                Box::new(Rare {
                    origin_header: Some(h),
                    ..Rare::NONE
                })
            }),
            stream: None,
            disk_cache: false,
            pending: None,
            cache_asked: false,
            resp: None,
            kind,
            held: None,
            held_why: None,
            in_flight: false,
            flight_delayable: false,
            is_held: false,
            renderer: None,
            renderer_held: false,
            keep_alive: true,
            site_served: false,
            last_byte: t0,
            content_type,
            answer: None,
            memory: None,
        });
        if self.reqs[id].method == "GET" && memory_cached(self.reqs[id].dest) {
            let next = self.requests_for.len();
            let at = *self
                .originals
                .entry(self.reqs[id].url.as_str().to_string())
                .or_insert(next);
            if at == next {
                self.requests_for.push((id, vec![]));
            } else if let Some((_, more)) = self.requests_for.get_mut(at) {
                more.push(id);
            }
            self.reqs[id].memory = Some(at);
        }
        Some(id)
    }

    fn policy_request(&self, r: usize) -> policy::Request<'_> {
        let q = &self.reqs[r];
        policy::Request {
            url: q.url.as_str(),
            destination: match q.dest {
                Dest::Fetch(d) => d,
                Dest::Preflight => Destination::Fetch,
            },
            method: &q.method,
            // `Name: value` lines: the value decides whether a Content-Type is safelisted.
            headers: header_pairs(&q.headers),
            credentials: q.include_credentials,
            api: match (q.rare().xhr, q.rare().source) {
                (Some(_), _) => policy::CorsName::Xhr,
                (_, Some(_)) => policy::CorsName::Resource,
                _ => policy::CorsName::Fetch,
            },
        }
    }

    fn issue(&mut self, t: Instant, r: usize) {
        // A WebSocket's handshake goes through neither scheduler nor the caches, straight to
        // its own pool (Chromium's network service makes it apart from the URL loaders).
        if self.websocket_of(r).is_some() {
            return self.ask_pool(t, r);
        }
        self.interval_next(t, r);
        // 1. The memory cache: the same URL already requested by this page.
        // The first earlier request for the URL that went to the network (an index, not a scan).
        let cacheable = self.reqs[r].method == "GET" && memory_cached(self.reqs[r].dest);
        let dup = cacheable
            .then_some(())
            .and_then(|()| self.reqs[r].memory)
            .and_then(|at| self.requests_for.get(at))
            .and_then(|(first, more)| {
                std::iter::once(*first)
                    .chain(more.iter().copied())
                    .take_while(|&o| o < r)
                    .find(|&o| {
                        self.reqs[o].dest == self.reqs[r].dest
                            && self.reqs[o].rare().dup_of.is_none()
                    })
            });
        if let Some(first) = dup {
            self.reqs[r].rare_mut().dup_of = Some(first);
            match self.reqs[first].end {
                Some(_) => self.finish_duplicate(t, r),
                None => self.reqs[first].rare_mut().followers.push(r),
            }
            return;
        }
        // 2. Blink's scheduler may hold it (tight mode, before <body>).
        if self.renderer_admit(t, r) {
            self.after_renderer(t, r);
        }
    }

    /// Past Blink's scheduler: the network service's may hold a low-priority request back.
    fn after_renderer(&mut self, t: Instant, r: usize) {
        if self.admit(t, r) {
            self.go(t, r);
        }
    }

    /// The request goes on past the scheduler: its preflight, or the caches and the pool.
    fn go(&mut self, t: Instant, r: usize) {
        // 3. A preflight for a non-simple cross-origin fetch.
        if self.reqs[r].dest == Dest::Fetch(Destination::Fetch)
            && *self.reqs[r].origin != self.page_origin
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
                    self.reqs[p].rare_mut().preflight_for = Some(r);
                    self.reqs[r].rare_mut().preflight = Some((p, pf.because));
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

    /// The simulated date at `t`.
    fn unix(&self, t: Instant) -> i64 {
        self.unix_time + (t.micros() / 1_000_000) as i64
    }

    /// Adds an event that happens now to the trace.
    fn push(&mut self, mut e: Event) {
        debug_assert!(
            self.trace.events.last().is_none_or(|l| l.at <= e.at),
            "the engine emits events in time order"
        );
        if e.request == 0 {
            if let Some(c) = e.connection {
                e.request = self.claimed(c, e.step);
            }
        }
        if e.connection.is_some_and(|c| self.is_doh_job(c)) {
            doh::as_resolver(&mut e);
        }
        e.endpoint = self.endpoint_of(e.actor, e.connection);
        if let Some(to) = e.flight.as_ref().map(|f| f.to) {
            let id = self.endpoint_of(to, e.connection);
            if let Some(f) = e.flight.as_mut() {
                f.to_endpoint = id;
            }
        }
        self.trace.push(e);
    }

    /// Where the facts of `u`'s origin are, worked out the first time.
    fn origin_facts(&mut self, u: &::url::Url) -> usize {
        let host = u.host_str().unwrap_or_default();
        let port = u.port_or_known_default();
        let h = self.host(host);
        let found = self.host_facts.get(h).and_then(|facts| {
            facts
                .origins
                .iter()
                .copied()
                .find(|&i| match &*self.origins[i].origin {
                    Origin::Tuple {
                        scheme, port: p, ..
                    } => scheme == u.scheme() && Some(*p) == port,
                    Origin::Opaque => false,
                })
        });
        if let Some(i) = found {
            return i;
        }
        let origin = origin_of(u);
        let i = self.origins.len();
        self.origins.push(OriginFacts {
            text: origin.serialize().into(),
            origin: Rc::new(origin),
            host: host.into(),
            https: u.scheme() == "https",
            groups: [None, None, None],
            same_site: None,
            cookie_notes: Default::default(),
            comparison: None,
            host_header: None,
            referer: None,
        });
        if let Some(facts) = self.host_facts.get_mut(h) {
            facts.origins.push(i);
        }
        i
    }

    /// Where the facts of `host` are, made empty the first time.
    fn host(&mut self, host: &str) -> usize {
        if let Some(&h) = self.hosts.get(host) {
            return h;
        }
        self.hosts.insert(host.to_string(), self.host_facts.len());
        let mut facts = HostFacts::default();
        if self.sc.dns_ms.is_some() {
            facts.dns = Caches::for_state(DnsState::ResolverCached, host);
        }
        self.host_facts.push(facts);
        self.host_facts.len() - 1
    }

    /// The page scenario's DNS: a resolver that answers every lookup from its cache after
    /// `dns_ms`, and hosts already in the browser's host cache.
    fn page_dns(&mut self) {
        if let Some(ms) = self.sc.dns_ms.filter(|m| m.is_finite()) {
            self.lat.resolver_rtt_us = (ms.clamp(0.0, 60_000.0) * 1000.0).round() as u64;
            let doc = self.doc_host.clone();
            let h = self.host(&doc);
            self.host_facts[h].dns = Caches::for_state(DnsState::ResolverCached, &doc);
            self.resolver_referrals = true;
        }
        for name in &self.sc.resolved {
            let name = name.trim().to_ascii_lowercase();
            let h = self.host(&name);
            self.host_facts[h].dns = Caches::for_state(DnsState::BrowserCached, &name);
        }
    }

    /// The cookie note of a request to origin `of` (written once per origin and note).
    fn cookie_note(&mut self, of: usize, note: CookieNote) -> Rc<str> {
        let facts = &mut self.origins[of];
        let host = &facts.host;
        facts.cookie_notes[note as usize]
            .get_or_insert_with(|| {
                match note {
                    CookieNote::FromJar => format!("cookies from {host}'s jar"),
                    CookieNote::SameSiteNone => format!(
                        "cross-site request: only {host}'s SameSite=None cookies go with it"
                    ),
                    CookieNote::AllLax => format!(
                        "cross-site request: {host}'s cookies are SameSite=Lax (the default), so none are sent"
                    ),
                    CookieNote::Empty => format!("no cookies in {host}'s jar"),
                }
                .into()
            })
            .clone()
    }

    /// Whether origin `of` is the same site as the page's (asked once per origin).
    fn same_site_of(&mut self, of: usize) -> bool {
        if let Some(same) = self.origins[of].same_site {
            return same;
        }
        let origin = self.origins[of].origin.clone();
        let same = self.same_site_as_page(&origin);
        self.origins[of].same_site = Some(same);
        same
    }

    /// HTML's "same site" between the page and `origin`: the same scheme and the same site.
    /// Sites come without the Public Suffix List (the bundle does not carry it): its implicit
    /// `*` rule alone, so a site is the host's last two labels ([`SuffixList::same_site`]);
    /// each host's is worked out once.
    fn same_site_as_page(&mut self, origin: &Origin) -> bool {
        let Sim {
            page_origin,
            sites,
            site_names: names,
            ..
        } = self;
        SuffixList::same_site_by(page_origin, origin, |h| {
            if let Some(&i) = sites.get(h) {
                return i;
            }
            let s = SuffixList::default()
                .registrable_domain(h)
                .unwrap_or_else(|| h.to_ascii_lowercase());
            let i = match names.iter().position(|n| *n == s) {
                Some(i) => i,
                None => {
                    names.push(s);
                    names.len() - 1
                }
            };
            sites.insert(h.to_string(), i);
            i
        })
    }

    /// The one endpoint in `actor`'s role that an event of connection `conn` involves: the
    /// browser's parts and the recursive resolver and root are one each; the server and the
    /// name servers below the root are the connection's host's.
    fn endpoint_of(&self, actor: Actor, conn: Option<u32>) -> Option<u16> {
        let of_job = |i: usize| conn.and_then(|c| self.job(c)).map(|j| j.endpoints[i]);
        match actor {
            Actor::Browser => Some(0),
            Actor::Cache => Some(1),
            Actor::Os => Some(2),
            Actor::Resolver => Some(3),
            Actor::Root => Some(4),
            Actor::Server => of_job(0),
            Actor::Tld => of_job(1),
            Actor::Authoritative => of_job(2),
        }
    }

    /// The endpoints a connection to `host:port` at `ip` talks to, named in the trace.
    fn job_endpoints(&mut self, host: &str, port: u16, ip: &str) -> [u16; 3] {
        // A host's connections share its endpoints: named once per host and port.
        let h = self.host(host);
        let known = self.host_facts.get(h).and_then(|facts| {
            (facts.endpoints.iter())
                .find(|(p, ip_was, _)| *p == port && **ip_was == *ip)
                .map(|(_, _, e)| *e)
        });
        if let Some(e) = known {
            return e;
        }
        let e = self.name_endpoints(host, port, ip);
        if let Some(facts) = self.host_facts.get_mut(h) {
            facts.endpoints.push((port, ip.into(), e));
        }
        e
    }

    /// [`Sim::job_endpoints`], named in the trace.
    fn name_endpoints(&mut self, host: &str, port: u16, ip: &str) -> [u16; 3] {
        let mut labels = host.rsplit('.');
        let tld = labels.next().unwrap_or(host);
        let domain = labels
            .next()
            .map_or(host.to_string(), |d| format!("{d}.{tld}"));
        [
            self.endpoint(Actor::Server, format!("{host}:{port} ({ip})")),
            self.endpoint(Actor::Tld, format!("the {tld}. name servers")),
            self.endpoint(Actor::Authoritative, format!("the {domain}. name servers")),
        ]
    }

    /// The trace's endpoint called `name` in `actor`'s role ([`Trace::endpoint`]), found by
    /// name in an index rather than by a walk over every endpoint a page of many hosts has.
    fn endpoint(&mut self, actor: Actor, name: String) -> u16 {
        let known = self.endpoint_names.get(&name).copied().filter(|&i| {
            self.trace
                .endpoints
                .get(i)
                .is_some_and(|e| e.actor == actor)
        });
        if let Some(i) = known {
            return i as u16;
        }
        // Every endpoint of the load comes through here, so a name the index lacks is new
        // (or another role's: the trace's own search decides then).
        let id = if self.endpoint_names.contains_key(&name) {
            self.trace.endpoint(actor, &name)
        } else {
            self.trace.add_endpoint(actor, &name)
        };
        self.endpoint_names.entry(name).or_insert(usize::from(id));
        id
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
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The reader by scans that [`policy_response_of`] replaced, kept as its reference.
    fn by_scans(headers: &[String]) -> policy::Response {
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

    /// One pass reads what the scans read: the first field of each name, every CSP, lines
    /// without a colon skipped, in any case and spacing.
    #[test]
    fn one_pass_reads_as_scans() {
        let sets: &[&[&str]] = &[
            &[],
            &["Content-Type: text/css", "content-type: image/png"],
            &[
                "X-Content-Type-Options:nosniff",
                "x-content-type-options: none",
            ],
            &[
                "x-content-type-options: sniff",
                "X-Content-Type-Options: nosniff",
            ],
            &[
                "Access-Control-Allow-Origin: *",
                "access-control-allow-origin: https://a",
            ],
            &[
                "Access-Control-Allow-Credentials: true",
                "Access-Control-Allow-Credentials: false",
            ],
            &[
                "Access-Control-Allow-Methods: PUT, DELETE ,",
                "Access-Control-Allow-Headers: x-a,X-B",
            ],
            &[
                "X-Frame-Options",
                "X-Frame-Options: DENY",
                "x-frame-options: SAMEORIGIN",
            ],
            &[
                "Content-Security-Policy: default-src 'self'",
                "Content-Security-Policy: frame-ancestors 'none'; x",
            ],
            &[
                "Content-Security-Policy: frame-ancestorsx; frame-ancestors https://a",
                "Content-Security-Policy: frame-ancestors",
            ],
            &["  CONTENT-TYPE  :   text/html  ", "Set-Cookie: a=b: c"],
        ];
        for set in sets {
            let lines: Vec<String> = set.iter().map(|l| l.to_string()).collect();
            assert_eq!(policy_response(&lines), by_scans(&lines), "{lines:?}");
            let mut with_type = lines.clone();
            if header(&lines, "content-type").is_none() {
                with_type.push("Content-Type: image/png".into());
            }
            assert_eq!(
                policy_response_of(fields_of(&lines), Some("image/png")),
                by_scans(&with_type),
                "{lines:?}"
            );
        }
    }
}
