//! Replaying a HAR file: a page load recorded by a real browser (DevTools' "Save all as HAR" in
//! Chrome or Firefox), or one wirewalk wrote ([`crate::model::har`]), becomes a [`PageLoad`] that the
//! waterfall and socket-pool views animate like a simulated one.
//!
//! What is read from each entry: `startedDateTime`, `time`, the request's method, URL and
//! `Cookie` header, the response's status and sizes, `timings`, `connection` and
//! `serverIPAddress`, and Chromium's own `_priority`, `_resourceType`, `_fromCache`,
//! `_transferSize`, `_error` and `timings._blocked_queueing` when present, and wirewalk's own
//! `_socketGroup` (the pool group, which keeps requests without credentials apart; a browser's
//! file does not say, so there the group is the origin).
//!
//! How the views' structures are made from it:
//! - **Connections.** One per distinct `connection` id. The first entry that uses an id opened
//!   it, if its `dns` or `connect` is not -1; its timings place the DNS lookup, the TCP handshake
//!   and TLS. An entry on an id seen before is on a reused connection (HAR writes -1 for its
//!   `dns` and `connect`).
//! - **Phases.** The DevTools phases come from `timings`:
//!   - `_blocked_queueing` is Queueing, and the rest of `blocked` is Stalled;
//!   - `connect` minus `ssl` is Initial connection;
//!   - the others map one to one.
//!
//!   They are laid end to end from `startedDateTime`. The last one ends at `time`, where a
//!   browser's rounding leaves a gap.
//! - **"Why" lines.** Each phase gets one from what the file says: its milliseconds, how many
//!   connections its origin had open then, the bytes.
//!
//! - **What a file gets wrong or leaves out** is said in the load's notes, which the view shows:
//!   an `ssl` time on plain http is dropped (Playwright's recordHar writes a wait there); a
//!   file with no connection id at all (a headless-browser library's) cannot say which
//!   connection a request used nor how long it queued for one (its `time` leaves that wait
//!   out), so each request's first phase says its Queueing is unknown, and the connections are
//!   inferred from the timings ([`Connection::inferred`], said on the pool's slots); a
//!   blocked request's reason is read from `_error` or from Playwright's
//!   `response._failureText`.
//!
//! - **A recording that names its sockets** (a Chrome NetLog, [`crate::model::netlog`], as a
//!   [`Recording`] with [`RecordedSocket`]s): each socket is a connection with its own times,
//!   including one connected before any request (a preconnect) and one no request used; an
//!   entry opened its socket if it waited for its lookup or handshakes.
//!
//! Left out: what a HAR does not record. The model's reasons (which socket-pool rule held a
//! request, or why a CORS check passed) are not in a recording. The round trip and bandwidth are
//! not known either; the round trip is estimated as the median TCP handshake. Entries whose URL
//! is not http(s) (`data:`, `blob:`, extension URLs) are skipped, with a note.

use crate::model::load::{
    self, Connection, FromCache, OriginPart, Outcome, PageLoad, Phase, PhaseName, Protocol, Request,
};
use crate::model::time::{Duration, Instant};
use std::collections::BTreeMap;

/// The longest span of a recording replayed: one hour, in µs.
const MAX_SPAN_US: i64 = 3_600_000_000;
/// The same, in the milliseconds of a HAR's `time` and `timings`.
const MAX_SPAN_MS: f64 = (MAX_SPAN_US / 1000) as f64;

/// The largest HAR file read: 32 MiB. A recording with response bodies can be larger; DevTools
/// can save one without them ("Save all as HAR (sanitized)" or with content excluded).
pub const MAX_HAR_BYTES: usize = 32 << 20;

/// What the replay uses of one HAR entry. [`parse`] reads them from a file's text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    /// `startedDateTime`, in microseconds since the Unix epoch.
    pub started_us: i64,
    /// `time`, ms.
    pub time: f64,
    pub method: String,
    pub url: String,
    pub http_version: String,
    /// 0 when no response arrived.
    pub status: u16,
    /// Chromium's `_error` (`net::ERR_…`).
    pub error: Option<String>,
    pub connection: Option<String>,
    pub server_ip: Option<String>,
    pub priority: Option<String>,
    pub resource_type: Option<String>,
    pub from_cache: Option<String>,
    /// wirewalk's own `_socketGroup` (`pm/` for a request without credentials).
    pub socket_group: Option<String>,
    pub mime: String,
    pub cookie: Option<String>,
    /// `_transferSize`, else `headersSize + bodySize` of the response, when known.
    pub transfer_size: Option<u64>,
    pub body_size: u64,
    /// blocked, dns, connect, ssl, send, wait, receive, _blocked_queueing: ms, -1 for none.
    pub timings: [f64; 8],
    /// The file cannot say how long the request waited for a socket ([`replay`]'s notes).
    pub queueing_unknown: bool,
    /// `connection` was inferred from the timings: the file names none.
    pub connection_inferred: bool,
    /// What the recording says held the request before it was sent (a NetLog's socket-pool
    /// events), said on its waiting phase.
    pub waited: Option<String>,
}

/// Which kind of file a recording came from: what its replay can and cannot say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// A HAR file: requests and their timings, no sockets of their own.
    #[default]
    Har,
    /// A Chrome NetLog ([`crate::model::netlog`]): the real sockets and their connects too.
    NetLog,
}

/// A connection as a recording names it, with its own times (epoch µs): a NetLog records every
/// socket, including the ones opened before any request asked (a preconnect) and the ones no
/// request ever used. A HAR records none; its connections come from the entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordedSocket {
    /// The id entries name in `connection`.
    pub id: String,
    /// The pool group, as [`crate::model::pool::GroupKey::text`] writes it.
    pub group: String,
    pub protocol: Protocol,
    /// The connect began (the host lookup first).
    pub start_us: i64,
    pub dns_end_us: i64,
    pub tcp_end_us: i64,
    /// TLS done (or `tcp_end_us` on plain http): the socket could carry a request.
    pub ready_us: i64,
    pub closed_us: Option<i64>,
    pub close_reason: String,
    /// Connected with no request waiting for it (Chromium's preconnects).
    pub preconnect: bool,
}

/// A recording ready to replay: its entries (one per request, or per hop of a redirect), the
/// sockets it names, its page's own timings, and what reading it found to say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recording {
    pub source: Source,
    pub entries: Vec<Entry>,
    pub sockets: Vec<RecordedSocket>,
    pub page: Option<PageTimings>,
    pub notes: Vec<String>,
}

/// A HAR file's first page: when it started (epoch µs) and its `pageTimings`,
/// `onContentLoad` and `onLoad`, ms after that (`None` for -1 or absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageTimings {
    pub started_us: i64,
    pub on_content_load: Option<f64>,
    pub on_load: Option<f64>,
}

impl Recording {
    /// A HAR file's entries.
    pub fn har(entries: Vec<Entry>) -> Recording {
        Recording {
            entries,
            ..Recording::default()
        }
    }
}

const BLOCKED: usize = 0;
const DNS: usize = 1;
const CONNECT: usize = 2;
const SSL: usize = 3;
const SEND: usize = 4;
const WAIT: usize = 5;
const RECEIVE: usize = 6;
const QUEUEING: usize = 7;
const TIMING_NAMES: [&str; 8] = [
    "blocked",
    "dns",
    "connect",
    "ssl",
    "send",
    "wait",
    "receive",
    "_blocked_queueing",
];

/// A JSON value as [`entries`] reads it. Natively it is `serde_json`'s; the web app reads a file
/// with the browser's own `JSON.parse` and walks the result, so its bundle carries no JSON parser.
pub trait Json: Sized {
    /// An object's member.
    fn member(&self, key: &str) -> Option<Self>;
    /// The value if it is a string.
    fn string(&self) -> Option<String>;
    /// The value if it is a number.
    fn number(&self) -> Option<f64>;
    /// An array's length.
    fn length(&self) -> Option<usize>;
    /// An array's item.
    fn item(&self, i: usize) -> Option<Self>;
    /// An object's own member names (none for anything else), in no order a caller may rely
    /// on (`Object.keys` puts integer-like names first).
    fn keys(&self) -> Vec<String>;
}

impl Json for &serde_json::Value {
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key)
    }
    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn length(&self) -> Option<usize> {
        self.as_array().map(Vec::len)
    }
    fn item(&self, i: usize) -> Option<Self> {
        self.get(i)
    }
    fn keys(&self) -> Vec<String> {
        self.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The refusal of a file over [`MAX_HAR_BYTES`].
pub fn too_large(bytes: u64) -> String {
    format!(
        "the HAR file is {bytes} bytes, over the limit of {MAX_HAR_BYTES} bytes ({} MiB): save it \
         without response bodies",
        MAX_HAR_BYTES >> 20
    )
}

/// Reads a HAR file's text. Every problem is an error that says where it is; nothing partial
/// is returned.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    if text.len() > MAX_HAR_BYTES {
        return Err(too_large(text.len() as u64));
    }
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a HAR file: the JSON is {} at line {}, column {}",
            if e.is_eof() { "cut short" } else { "malformed" },
            e.line(),
            e.column()
        )
    })?;
    entries(&v)
}

/// A HAR file's JSON as a recording: its entries and its first page's timings.
pub fn recording<J: Json>(root: J) -> Result<Recording, String> {
    let page = root
        .member("log")
        .and_then(|l| l.member("pages"))
        .and_then(|p| p.item(0))
        .and_then(|p| {
            let started = p.member("startedDateTime")?.string()?;
            let t = p.member("pageTimings")?;
            let ms = |k: &str| {
                t.member(k)
                    .and_then(|v| v.number())
                    .filter(|x| (0.0..MAX_SPAN_MS).contains(x))
            };
            Some(PageTimings {
                started_us: crate::model::http_date::parse_iso8601(&started)?,
                on_content_load: ms("onContentLoad"),
                on_load: ms("onLoad"),
            })
        });
    Ok(Recording {
        entries: entries(root)?,
        page,
        ..Recording::default()
    })
}

/// The entries of a HAR file's JSON. Every problem is an error that says where it is; nothing
/// partial is returned.
pub fn entries<J: Json>(root: J) -> Result<Vec<Entry>, String> {
    let list = root
        .member("log")
        .and_then(|l| l.member("entries"))
        .filter(|e| e.length().is_some())
        .ok_or("not a HAR file: it has no log.entries list")?;
    let count = list.length().unwrap_or(0);
    if count > load::MAX_REQUESTS {
        return Err(format!(
            "the HAR file has {count} entries, over the limit of {}",
            load::MAX_REQUESTS
        ));
    }
    let text_of = |v: &J, key: &str| v.member(key).and_then(|x| x.string());
    let number = |v: &J, key: &str| v.member(key).and_then(|x| x.number());
    (0..count)
        .map(|i| {
            let at = |what: &str| format!("entry {}: {what}", i + 1);
            let e = list.item(i).ok_or_else(|| at("it is missing"))?;
            let req = e.member("request").ok_or_else(|| at("it has no request"))?;
            let resp = e
                .member("response")
                .ok_or_else(|| at("it has no response"))?;
            let started = text_of(&e, "startedDateTime")
                .and_then(|d| crate::model::http_date::parse_iso8601(&d))
                .ok_or_else(|| at("startedDateTime is missing or not a date"))?;
            let url = text_of(&req, "url").ok_or_else(|| at("request.url is missing"))?;
            let status = number(&resp, "status").unwrap_or(0.0);
            let t = e.member("timings").ok_or_else(|| at("it has no timings"))?;
            let mut timings = [-1.0; 8];
            for (k, name) in TIMING_NAMES.iter().enumerate() {
                timings[k] = match number(&t, name) {
                    Some(x) if (0.0..MAX_SPAN_MS).contains(&x) => x,
                    _ => -1.0,
                };
            }
            let time = number(&e, "time")
                .filter(|x| (0.0..MAX_SPAN_MS).contains(x))
                .ok_or_else(|| at("time is missing, negative or over an hour"))?;
            let size = |v: Option<f64>| v.filter(|x| x.is_finite() && *x >= 0.0).map(|x| x as u64);
            let headers_size = size(number(&resp, "headersSize"));
            let body_size = size(number(&resp, "bodySize"))
                .or_else(|| size(resp.member("content").and_then(|c| number(&c, "size"))))
                .unwrap_or(0);
            let cookie = req.member("headers").and_then(|hs| {
                (0..hs.length()?).find_map(|k| {
                    let h = hs.item(k)?;
                    text_of(&h, "name")
                        .filter(|n| n.eq_ignore_ascii_case("cookie"))
                        .and_then(|_| text_of(&h, "value"))
                })
            });
            Ok(Entry {
                started_us: started,
                time,
                method: text_of(&req, "method").unwrap_or_else(|| "GET".into()),
                url,
                // A failed response's is "" in Chromium's files: then the request's.
                http_version: text_of(&resp, "httpVersion")
                    .filter(|h| !h.is_empty())
                    .or_else(|| text_of(&req, "httpVersion"))
                    .unwrap_or_default(),
                status: if (0.0..1000.0).contains(&status) {
                    status as u16
                } else {
                    0
                },
                // Chromium's DevTools writes `_error`; Playwright's recordHar
                // `response._failureText` (a blocked request's reason).
                error: text_of(&e, "_error")
                    .or_else(|| text_of(&resp, "_error"))
                    .or_else(|| text_of(&resp, "_failureText"))
                    .filter(|s| !s.is_empty()),
                // Firefox writes a string; a number is read as its integer.
                connection: text_of(&e, "connection").or_else(|| {
                    number(&e, "connection")
                        .filter(|n| n.fract() == 0.0 && n.abs() < 1e15)
                        .map(|n| (n as i64).to_string())
                }),
                server_ip: text_of(&e, "serverIPAddress"),
                priority: text_of(&e, "_priority"),
                resource_type: text_of(&e, "_resourceType"),
                from_cache: text_of(&e, "_fromCache"),
                socket_group: text_of(&e, "_socketGroup"),
                mime: resp
                    .member("content")
                    .and_then(|c| text_of(&c, "mimeType"))
                    .unwrap_or_default(),
                cookie,
                transfer_size: size(number(&resp, "_transferSize"))
                    .or_else(|| Some(headers_size?.saturating_add(body_size))),
                body_size,
                timings,
                queueing_unknown: false,
                connection_inferred: false,
                waited: None,
            })
        })
        .collect()
}

/// What a file leaves out or gets wrong, mended where the file allows and said in `notes`
/// (the view shows them): an `ssl` time on plain http (there is no TLS: Playwright's recordHar
/// puts a wait there) is dropped; a file without any connection id (a headless-browser
/// library's) cannot say which connection a request used nor how long it waited for one, and
/// its `time` leaves that wait out, so each request's Queueing is marked unknown.
fn repair(list: &[&Entry], source: Source, notes: &mut Vec<String>) -> Vec<Entry> {
    let mut out: Vec<Entry> = list.iter().map(|e| (*e).clone()).collect();
    let mut ssl_on_http = 0;
    for e in &mut out {
        let http = e
            .url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if http && e.timings[SSL] > 0.0 {
            // HAR 1.2: `connect` includes `ssl`; without TLS the connection is `connect` minus
            // what the file called ssl, at least 0 (a reused connection's -1 stays -1).
            if e.timings[CONNECT] >= 0.0 {
                e.timings[CONNECT] = (e.timings[CONNECT] - e.timings[SSL]).max(0.0);
            }
            e.timings[SSL] = -1.0;
            ssl_on_http += 1;
        }
    }
    if ssl_on_http > 0 {
        notes.push(format!(
            "{ssl_on_http} plain-http entr{} give an ssl time, which cannot be (there is no TLS \
             over http): it is left out, and the connection time shown is the file's connect \
             minus it",
            if ssl_on_http == 1 { "y" } else { "ies" }
        ));
    }
    // A NetLog names the socket of every request that got one: one without is a failure.
    if source == Source::Har && !out.is_empty() && out.iter().all(|e| e.connection.is_none()) {
        notes.push(
            "this file records no connection ids and no wait for a socket (as Playwright's \
             recordHar and other headless-browser libraries write it): which connection each \
             request used is unknown, and so is how long it queued; its time in the file leaves \
             that wait out, so a request's bar starts when it was made and its Queueing is \
             unknown, not zero"
                .into(),
        );
        for e in &mut out {
            e.queueing_unknown = true;
        }
        let n = infer_connections(&mut out);
        notes.push(format!(
            "{n} connection{} inferred from the timings, each marked so: an entry with a DNS or \
             connect time opened one; an HTTP/1.1 entry without took its origin's connection \
             that was free at its start (the newest so freed), or else the one that freed first; \
             an HTTP/2 origin's entries share one",
            if n == 1 { " is" } else { "s are" }
        ));
    }
    out
}

/// Gives each entry of a file without connection ids an inferred one (see [`repair`]'s
/// note); returns how many connections that makes. Entries are in start order.
fn infer_connections(list: &mut [Entry]) -> usize {
    // Per origin: its connections, each (id, when it is free again, in µs).
    let mut by_origin: BTreeMap<String, Vec<(usize, i64)>> = BTreeMap::new();
    let mut next = 0usize;
    for e in list.iter_mut() {
        if e.from_cache.is_some() {
            continue;
        }
        let origin = ::url::Url::parse(&e.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let start = e.started_us;
        let end = start.saturating_add(us(e.time) as i64);
        let opened = e.timings[DNS] >= 0.0 || e.timings[CONNECT] >= 0.0;
        let h2 = matches!(protocol(&e.http_version), Protocol::H2 | Protocol::H3);
        let conns = by_origin.entry(origin).or_default();
        let pick = if h2 {
            conns.first().map(|c| c.0)
        } else if opened {
            None
        } else {
            // The newest connection free at the start, else the one that frees first.
            let free = conns
                .iter()
                .filter(|c| c.1 <= start)
                .max_by_key(|c| c.1)
                .or_else(|| conns.iter().min_by_key(|c| c.1));
            free.map(|c| c.0)
        };
        let id = match pick {
            Some(id) => id,
            None => {
                next += 1;
                conns.push((next, end));
                next
            }
        };
        if let Some(c) = conns.iter_mut().find(|c| c.0 == id) {
            c.1 = c.1.max(end);
        }
        e.connection = Some(format!("inferred {id}"));
        e.connection_inferred = true;
    }
    next
}

/// The net priority a HAR's `_priority` names, if it names one.
fn priority_of(p: Option<&str>) -> Option<crate::model::pool::Priority> {
    crate::model::har::PRIORITIES
        .iter()
        .find(|(_, c)| Some(*c) == p)
        .map(|(x, _)| *x)
}

/// What a recorded request was, for the header fields an export writes for it: from the
/// recording's resource type, same-origin or not (a recording does not say same-site).
fn recorded_kind(
    document: bool,
    dest: &str,
    same_origin: bool,
    url: &str,
) -> crate::model::http::Kind {
    use crate::model::http::{Dest, FetchSite, Kind, Mode};
    let parsed = ::url::Url::parse(url).ok();
    let https = parsed.as_ref().is_some_and(|u| u.scheme() == "https");
    let trustworthy = parsed
        .as_ref()
        .is_some_and(crate::model::http::potentially_trustworthy);
    if document {
        return Kind::typed_navigation(https, trustworthy);
    }
    let (d, mode) = match dest {
        "iframe" => (Dest::Iframe, Mode::Navigate),
        "stylesheet" => (Dest::Style, Mode::NoCors),
        "script" => (Dest::Script, Mode::NoCors),
        "image" => (Dest::Image, Mode::NoCors),
        "font" => (Dest::Font, Mode::Cors),
        "media" => (Dest::Video, Mode::NoCors),
        _ => (Dest::Empty, Mode::Cors),
    };
    Kind {
        dest: d,
        mode,
        site: if same_origin {
            FetchSite::SameOrigin
        } else {
            FetchSite::CrossSite
        },
        trustworthy,
        https,
        preflight: dest == "preflight",
        redirected: false,
    }
}

fn destination(e: &Entry) -> &'static str {
    match e.resource_type.as_deref() {
        Some("document") => "document",
        Some("iframe") => "iframe",
        Some("stylesheet") => "stylesheet",
        Some("script") => "script",
        Some("image") => "image",
        Some("font") => "font",
        Some("media") => "media",
        Some("preflight") => "preflight",
        Some("fetch" | "xhr") => "fetch",
        _ => {
            let m = e.mime.to_ascii_lowercase();
            if m.starts_with("text/html") {
                "document"
            } else if m.starts_with("text/css") {
                "stylesheet"
            } else if m.contains("javascript") {
                "script"
            } else if m.starts_with("image/") {
                "image"
            } else if m.starts_with("font/") || m.contains("font") {
                "font"
            } else {
                "fetch"
            }
        }
    }
}

fn protocol(v: &str) -> Protocol {
    match v.to_ascii_lowercase().as_str() {
        "h2" | "http/2" | "http/2.0" => Protocol::H2,
        "h3" | "http/3" | "http/3.0" => Protocol::H3,
        _ => Protocol::Http1,
    }
}

fn us(ms: f64) -> u64 {
    if ms > 0.0 {
        (ms * 1000.0).round() as u64
    } else {
        0
    }
}

/// Turns the entries of a HAR file into a page load the views can show, named `name`.
pub fn replay(entries: &[Entry], name: &str) -> Result<PageLoad, String> {
    replay_recording(&Recording::har(entries.to_vec()), name)
}

/// The Navigation Timing a recording gives: a HAR file's `pageTimings` (`onContentLoad`,
/// `onLoad`) as `domContentLoadedEventStart` and `loadEventStart` after the replay's zero `t0`
/// (epoch µs), drawn on the waterfall as DevTools draws them; the rest stays zero. Says so
/// in `notes`, or that the file has none.
fn page_timing(
    rec: &Recording,
    t0: i64,
    notes: &mut Vec<String>,
) -> crate::model::navigation::Timing {
    let mut timing = crate::model::navigation::Timing::default();
    let Some(p) = &rec.page else {
        if rec.source == Source::Har {
            notes.push("the file has no pageTimings: no DOMContentLoaded or load line".into());
        }
        return timing;
    };
    // Within the hour a replay spans, like the entries' times.
    let after = |ms: Option<f64>| {
        let at = (p.started_us as f64 + ms? * 1000.0 - t0 as f64) / 1000.0;
        (0.0..MAX_SPAN_MS).contains(&at).then_some(at)
    };
    timing.dom_content_loaded_event_start = after(p.on_content_load).unwrap_or(0.0);
    timing.load_event_start = after(p.on_load).unwrap_or(0.0);
    notes.push(format!(
        "DOMContentLoaded and load are the file's pageTimings ({} and {} ms after its page \
         started), not worked out",
        p.on_content_load.map_or("none".into(), |x| x.to_string()),
        p.on_load.map_or("none".into(), |x| x.to_string())
    ));
    timing
}

/// A recorded socket as a connection of the replay, `t0` being the replay's zero (epoch µs).
fn socket_connection(s: &RecordedSocket, id: u32, lane: usize, t0: i64) -> Connection {
    let at = |us: i64| Instant::from_micros(us.saturating_sub(t0).max(0) as u64);
    let (origin, credentials) = crate::model::pool::GroupKey::read(&s.group);
    Connection {
        id,
        group: s.group.clone(),
        origin: origin.to_string(),
        credentials,
        protocol: s.protocol,
        lane,
        preconnect: s
            .preconnect
            .then_some(crate::model::load::Preconnector::Recorded),
        started_for: None,
        start: at(s.start_us),
        dns_end: at(s.dns_end_us),
        tcp_end: at(s.tcp_end_us),
        ready: at(s.ready_us),
        closed: s.closed_us.map(at),
        close_reason: s.close_reason.clone(),
        uses: vec![],
        inferred: false,
    }
}

/// Turns a recording into a page load the views can show, named `name`.
pub fn replay_recording(rec: &Recording, name: &str) -> Result<PageLoad, String> {
    let mut notes = rec.notes.clone();
    if rec.source == Source::Har {
        notes.push(
            "a HAR file names connections only through its requests: one that carried none \
             (a preconnect's, or the browser's second connection at the navigation's start) is \
             not in it"
                .into(),
        );
    }
    let mut list: Vec<&Entry> = Vec::new();
    for e in &rec.entries {
        if e.url.starts_with("http://") || e.url.starts_with("https://") {
            list.push(e);
        } else {
            notes.push(format!(
                "skipped {}: not an http(s) URL",
                crate::model::text::shorten(&e.url, 60)
            ));
        }
    }
    list.sort_by_key(|e| e.started_us);
    let mut repaired: Vec<Entry> = repair(&list, rec.source, &mut notes);
    // A recording's times within the hour a replay spans (a HAR file's already are).
    for e in &mut repaired {
        e.time = e.time.clamp(0.0, MAX_SPAN_MS);
        for t in &mut e.timings {
            if !(0.0..MAX_SPAN_MS).contains(t) {
                *t = -1.0;
            }
        }
    }
    let list: Vec<&Entry> = repaired.iter().collect();
    let first = list
        .first()
        .ok_or("the recording has no http(s) requests")?
        .started_us;
    // The recording's sockets within an hour of the first request, their times in order and
    // within the hour; one connected before the first request (a preconnect) starts the replay.
    let near: Vec<RecordedSocket> = rec
        .sockets
        .iter()
        .filter(|s| first.abs_diff(s.start_us) < MAX_SPAN_US as u64)
        .map(|s| {
            let last = s.start_us.saturating_add(MAX_SPAN_US);
            let cap = |t: i64, at_least: i64| t.clamp(at_least, last.max(at_least));
            let dns_end_us = cap(s.dns_end_us, s.start_us);
            let tcp_end_us = cap(s.tcp_end_us, dns_end_us);
            RecordedSocket {
                dns_end_us,
                tcp_end_us,
                ready_us: cap(s.ready_us, tcp_end_us),
                closed_us: s.closed_us.map(|c| cap(c, s.start_us)),
                ..s.clone()
            }
        })
        .collect();
    let t0 = near.iter().map(|s| s.start_us).fold(first, i64::min);
    // One page load: a recording that spans hours is several visits, or a date gone wrong.
    let last = list.last().map_or(t0, |e| e.started_us);
    if last.saturating_sub(t0) > MAX_SPAN_US {
        return Err(format!(
            "the entries start {} s apart, over the limit of one hour: wirewalk replays one page \
             load (save the HAR of one visit)",
            last.saturating_sub(t0) / 1_000_000
        ));
    }
    // The page: the first document that arrived (after any redirects), else the first entry.
    let page = list
        .iter()
        .find(|e| destination(e) == "document" && (200..300).contains(&e.status))
        .unwrap_or(&list[0]);
    let page_url = page.url.clone();
    let page_origin = crate::model::url::parse(&page_url, None)
        .map_err(|e| format!("the page's URL cannot be parsed: {}", e.message))?
        .origin;
    // A connection's index by its id, and each group's connection starts (sorted) by the group's
    // index: looked up once per entry, so a recording with thousands of connections stays fast.
    let mut conn_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut group_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut starts: Vec<Vec<Instant>> = Vec::new();
    let mut connections: Vec<Connection> = Vec::new();
    let mut requests: Vec<Request> = Vec::new();
    let mut console = Vec::new();
    // A recording that names its sockets (a NetLog): each is a connection with its own times.
    let mut sockets: Vec<&RecordedSocket> = near.iter().collect();
    sockets.sort_by_key(|s| s.start_us);
    for s in sockets {
        let g = *group_ids.entry(s.group.clone()).or_insert_with(|| {
            starts.push(Vec::new());
            starts.len() - 1
        });
        let c = socket_connection(s, connections.len() as u32 + 1, starts[g].len(), t0);
        starts[g].push(c.start);
        conn_ids.insert(s.id.clone(), connections.len());
        connections.push(c);
    }
    let named_sockets = !near.is_empty();
    for (i, e) in list.iter().enumerate() {
        let id = i as u32 + 1;
        let parsed = crate::model::url::parse(&e.url, None).ok();
        let origin = parsed
            .as_ref()
            .map(|p| p.origin.serialize())
            .unwrap_or_default();
        let start = Instant::from_micros(e.started_us.saturating_sub(t0).max(0) as u64);
        let end = start + Duration::from_micros(us(e.time));
        let t = &e.timings;
        let host = parsed
            .as_ref()
            .map(|p| p.getters.hostname.clone())
            .unwrap_or_default();
        let group = e.socket_group.clone().unwrap_or_else(|| origin.clone());
        let g = *group_ids.entry(group.clone()).or_insert_with(|| {
            starts.push(Vec::new());
            starts.len() - 1
        });
        // wirewalk writes `_socketGroup` as GroupKey::text; a browser's HAR has none (the origin
        // stands in, with credentials).
        let (_, credentials) = crate::model::pool::GroupKey::read(&group);
        // The connection: a new one if this entry opened it.
        let opened_here = t[DNS] >= 0.0 || t[CONNECT] >= 0.0;
        let (connection, reused) = match e.connection.as_deref() {
            Some(c) if e.from_cache.is_none() => match conn_ids.get(c) {
                // A socket the recording names: this entry opened it if it waited for its
                // lookup or handshakes.
                Some(&k) if named_sockets => {
                    if opened_here && connections[k].started_for.is_none() {
                        connections[k].started_for = Some(id);
                    }
                    // Its first request did not reuse it, even if it was connected ahead.
                    (Some(k as u32 + 1), !connections[k].uses.is_empty())
                }
                Some(&k) => (Some(k as u32 + 1), true),
                None => {
                    conn_ids.insert(c.to_string(), connections.len());
                    let opened = opened_here;
                    // Its lookup and handshakes, when this entry opened it; a connection
                    // seen first on a reused entry is simply there at its start.
                    let (at, dns_end, tcp_end, ready) = if opened {
                        let begin = start + Duration::from_micros(us(t[BLOCKED]));
                        let dns_end = begin + Duration::from_micros(us(t[DNS]));
                        let tcp_end = dns_end
                            + Duration::from_micros(us(t[CONNECT]).saturating_sub(us(t[SSL])));
                        (
                            begin,
                            dns_end,
                            tcp_end,
                            tcp_end + Duration::from_micros(us(t[SSL])),
                        )
                    } else {
                        (start, start, start, start)
                    };
                    let lane = starts[g].len();
                    let k = starts[g].partition_point(|s| *s <= at);
                    starts[g].insert(k, at);
                    connections.push(Connection {
                        id: connections.len() as u32 + 1,
                        group: group.clone(),
                        origin: origin.clone(),
                        credentials,
                        protocol: protocol(&e.http_version),
                        lane,
                        preconnect: None,
                        started_for: opened.then_some(id),
                        start: at,
                        dns_end,
                        tcp_end,
                        ready,
                        closed: None,
                        close_reason: String::new(),
                        uses: vec![],
                        inferred: e.connection_inferred,
                    });
                    (Some(connections.len() as u32), !opened)
                }
            },
            _ => (None, false),
        };
        // The phases, end to end.
        let open_then = starts[g].partition_point(|s| *s <= start);
        let mut phases = Vec::new();
        let mut cursor = start;
        let mut push = |name: PhaseName, ms: f64, why: String| {
            if ms > 0.0 {
                let b = (cursor + Duration::from_micros(us(ms))).min(end.max(cursor));
                phases.push(Phase {
                    name,
                    start: cursor,
                    end: b,
                    why: why.into(),
                });
                cursor = b;
            }
        };
        let queueing = t[QUEUEING].max(0.0).min(t[BLOCKED].max(0.0));
        let stalled = t[BLOCKED].max(0.0) - queueing;
        let connect = (t[CONNECT] - t[SSL].max(0.0)).max(0.0);
        let peer = e.server_ip.as_deref().unwrap_or(&host);
        let plural = if open_then == 1 { "" } else { "s" };
        let bytes = e.transfer_size.unwrap_or(0);
        let on_wire = match e.transfer_size {
            Some(b) => format!(" ({b} bytes on the wire)"),
            None => format!(
                " ({} bytes of body; the bytes on the wire are not in the recording)",
                e.body_size
            ),
        };
        let waited = e
            .waited
            .as_deref()
            .map_or(String::new(), |w| format!("; {w}"));
        // Each phase: its name, its milliseconds, what the recording says, and what that means.
        let table: [(PhaseName, f64, String, String); 8] = [
            (
                PhaseName::Queueing,
                queueing,
                "queued".into(),
                format!(" (its origin had {open_then} connection{plural} open then)"),
            ),
            (
                PhaseName::Stalled,
                stalled,
                "stalled before it could be sent".into(),
                waited,
            ),
            (
                PhaseName::DnsLookup,
                t[DNS],
                format!("looked up {host}"),
                String::new(),
            ),
            (
                PhaseName::InitialConnection,
                connect,
                format!("TCP handshake with {peer}"),
                ": about one round trip".into(),
            ),
            (
                PhaseName::Ssl,
                t[SSL],
                "TLS handshake".into(),
                String::new(),
            ),
            (
                PhaseName::RequestSent,
                t[SEND],
                "the request left".into(),
                String::new(),
            ),
            (
                PhaseName::Waiting,
                t[WAIT],
                "waited for the first byte".into(),
                ": a round trip plus the server's time".into(),
            ),
            (
                PhaseName::ContentDownload,
                t[RECEIVE],
                "downloaded".into(),
                on_wire,
            ),
        ];
        for (name, ms, what, then) in table {
            push(
                name,
                ms,
                format!(
                    "{what}: {} ms in the recording{then}",
                    crate::model::text::decimal(us(ms), 3)
                ),
            );
        }
        // Rounding in the file: the last phase reaches the entry's end.
        if let Some(last) = phases.last_mut() {
            last.end = last.end.max(end);
        }
        if e.queueing_unknown {
            if let Some(first) = phases.first_mut() {
                first.why = format!(
                    "{}; how long it waited for a socket before this is not in the file",
                    first.why
                )
                .into();
            }
        }
        let send_start = phases
            .iter()
            .find(|p| p.name == PhaseName::RequestSent || p.name == PhaseName::Waiting)
            .map_or(start, |p| p.start);
        if let Some(c) = connection.and_then(|c| connections.get_mut(c as usize - 1)) {
            c.uses.push((id, send_start, end));
        }
        let outcome = match (&e.error, e.status) {
            (Some(err), _) => Outcome::Failed { error: err.clone() },
            (None, 0) => Outcome::Failed {
                error: "no response was recorded (status 0)".into(),
            },
            (None, s) => Outcome::Ok {
                status: s,
                rule: match rec.source {
                    Source::Har => "as recorded (a HAR file holds no same-origin decisions)",
                    Source::NetLog => {
                        "as recorded (a NetLog holds the network's side, not the renderer's \
                         same-origin decisions)"
                    }
                }
                .into(),
            },
        };
        if let Outcome::Failed { error } = &outcome {
            console.push(format!("{} {}: {error}", e.method, e.url));
        }
        let comparison = parsed
            .as_ref()
            .map(|p| crate::model::policy::compare(&page_origin, &p.origin));
        requests.push(Request {
            id,
            url: e.url.clone(),
            origin: origin.as_str().into(),
            destination: destination(e),
            // The recording's first entry is the page's document, as `documents` says.
            kind: recorded_kind(
                id == 1,
                destination(e),
                parsed.as_ref().is_some_and(|p| p.origin == page_origin),
                &e.url,
            ),
            method: e.method.clone().into(),
            priority: priority_of(e.priority.as_deref()),
            initiator: "the recording".into(),
            group: group.into(),
            credentials,
            cookie: e.cookie.clone(),
            cookie_note: if e.cookie.is_some() {
                "the Cookie header the browser sent".into()
            } else {
                "no Cookie header in the recording".into()
            },
            protocol: protocol(&e.http_version),
            connection,
            reused,
            queued: queueing > 0.0,
            from_cache: match e.from_cache.as_deref() {
                Some("memory") => FromCache::Memory,
                Some("disk") => FromCache::Disk,
                _ => FromCache::No,
            },
            start,
            end,
            phases,
            bytes,
            outcome,
            same_origin: comparison.as_ref().is_some_and(|c| c.same_origin),
            comparison: comparison.map(OriginPart::list).unwrap_or_default(),
            preflight: None,
            preflight_for: None,
            status: e.status,
            body_bytes: e.body_size,
            content_type: e.mime.clone().into(),
            response: None,
            extra_headers: vec![],
        });
    }
    let groups = load::groups_of(&connections, &requests);
    let mut handshakes: Vec<u64> = connections
        .iter()
        .filter(|c| c.tcp_end > c.dns_end)
        .map(|c| c.tcp_end.micros() - c.dns_end.micros())
        .collect();
    handshakes.sort_unstable();
    let rtt = Duration::from_micros(handshakes.get(handshakes.len() / 2).copied().unwrap_or(0));
    let end = requests
        .iter()
        .map(|r| r.end)
        .max()
        .unwrap_or(Instant::ZERO);
    // A HAR file's page says when DOMContentLoaded and load fired; the replay computes none.
    let timing = page_timing(rec, t0, &mut notes);
    // The first entry is the page's document, as a browser records it.
    let documents = if requests.is_empty() { vec![] } else { vec![1] };
    Ok(PageLoad {
        name: name.to_string(),
        url: page_url,
        page_origin: page_origin.serialize(),
        rtt,
        bandwidth_bps: 0,
        tls: "as recorded",
        requests,
        connections,
        groups,
        console,
        problems: notes,
        end,
        // A HAR records no messages: the replay has a waterfall but no handshakes to step.
        trace: Default::default(),
        timing,
        failed: None,
        documents,
        // A recording has no journey page, so no click.
        api: None,
    })
}
