//! Replaying a HAR file: a page load recorded by a real browser (DevTools' "Save all as HAR" in
//! Chrome or Firefox), or one wirewalk wrote ([`crate::model::har`]), becomes a [`PageLoad`] that the
//! waterfall and socket-pool views animate like a simulated one.
//!
//! What is read from each entry: `startedDateTime`, `time`, the request's method, URL and
//! `Cookie` header, the response's status and sizes, `timings`, `connection` and
//! `serverIPAddress`, and Chromium's own `_priority`, `_resourceType`, `_fromCache`,
//! `_transferSize`, `_error`, `timings._blocked_queueing` and a WebSocket's `_webSocketMessages`
//! when present, and wirewalk's own
//! `_socketGroup` (the pool group, which keeps requests without credentials apart; a browser's
//! file does not say, so there the group is the origin) and `_socketQueue` (how long the
//! request waited in that group's queue: a browser's file does not say, so there its Queueing
//! is taken as that wait, though part of it may be spent in the renderer).
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
//! is not http(s) or a WebSocket's (`data:`, `blob:`, extension URLs) are skipped, with a note.

use crate::model::load::{
    self, Connection, FromCache, OriginPart, Outcome, PageLoad, Phase, PhaseName, Protocol, Request,
};
use crate::model::time::{Duration, Instant};
use std::collections::BTreeMap;

mod replay;
pub use replay::replay_recording;

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
    /// wirewalk's own `_socketQueue`: ms the request waited in its group's queue, at the end
    /// of its Queueing; -1 when it did not.
    pub socket_queue_ms: Option<f64>,
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
    /// A WebSocket's messages, from DevTools' `_webSocketMessages`.
    pub ws_messages: Vec<RecordedMessage>,
}

/// One message of a WebSocket as DevTools records it (`_webSocketMessages`, devtools-frontend
/// front_end/models/har/Log.ts): a data message the page sent or received, whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordedMessage {
    pub from_page: bool,
    /// `time`, in microseconds since the Unix epoch.
    pub time_us: i64,
    /// Its opcode: 1 text, 2 binary (base64 in `data`).
    pub opcode: u8,
    /// The payload's length in bytes.
    pub payload: u64,
}

/// The most messages read of one WebSocket entry; the rest are left out, with a note.
pub const MAX_RECORDED_MESSAGES: usize = 10_000;

/// A WebSocket entry's `_webSocketMessages`: DevTools' `send` and `receive` data messages
/// (its `error` entries and anything malformed are skipped, as DevTools' own importer skips
/// them), at most [`MAX_RECORDED_MESSAGES`].
fn recorded_messages<J: Json>(e: &J) -> Vec<RecordedMessage> {
    let Some(list) = e.member("_webSocketMessages") else {
        return vec![];
    };
    let n = list.length().unwrap_or(0).min(MAX_RECORDED_MESSAGES);
    (0..n)
        .filter_map(|k| {
            let m = list.item(k)?;
            let from_page = match m.member("type")?.string()?.as_str() {
                "send" => true,
                "receive" => false,
                _ => return None,
            };
            let secs = m
                .member("time")?
                .number()
                .filter(|t| t.is_finite() && *t >= 0.0)?;
            let opcode = m.member("opcode")?.number()?;
            let data = m.member("data")?.string()?;
            let payload = match opcode {
                1.0 => data.len() as u64,
                2.0 => base64_len(&data),
                _ => return None,
            };
            Some(RecordedMessage {
                from_page,
                time_us: (secs * 1e6).round().min(i64::MAX as f64) as i64,
                opcode: opcode as u8,
                payload,
            })
        })
        .collect()
}

/// How many bytes base64 `text` (RFC 4648 §4, padded or not) decodes to.
fn base64_len(text: &str) -> u64 {
    let n = text.trim_end_matches('=').len() as u64;
    n / 4 * 3 + (n % 4).saturating_sub(1)
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
                socket_queue_ms: number(&e, "_socketQueue").filter(|n| n.is_finite()),
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
                ws_messages: recorded_messages(&e),
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
        channel: match dest {
            "eventsource" => crate::model::http::Channel::EventSource,
            "websocket" => crate::model::http::Channel::WebSocket,
            "xhr" => crate::model::http::Channel::Xhr,
            _ => crate::model::http::Channel::Http,
        },
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
        Some("fetch") => "fetch",
        Some("xhr") => "xhr",
        Some("eventsource") => "eventsource",
        Some("websocket") => "websocket",
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
