//! Reading a Chrome NetLog: the JSON `chrome://net-export` saves (or `--log-net-log=FILE`
//! writes), replayed like a HAR file through [`har_replay::replay_recording`].
//!
//! A NetLog is what Chromium's network stack wrote as it worked: one event per line, each with
//! its source (a URL request, a stream job, a connect job, a socket, an HTTP/2 session), its tick
//! time in ms and its parameters. Its `constants` name the numbers (event types, phases, net
//! errors); this reader looks every name up there, so a NetLog of another Chromium version
//! reads as long as the events it uses keep their names. The names and their parameters are
//! Chromium's `net/log/net_log_event_type_list.h`
//! (<https://source.chromium.org/chromium/chromium/src/+/main:net/log/net_log_event_type_list.h>).
//!
//! What is read:
//! - **Requests** (`URL_REQUEST` sources, `REQUEST_ALIVE`): the URL, method, priority and its
//!   changes (`URL_REQUEST_SET_PRIORITY`), each redirect hop (`URL_REQUEST_REDIRECTED`) as an
//!   entry of its own, the request headers as sent, the response headers, the body bytes, the
//!   net error. The DevTools phases come from the events: Queueing until the network stack asks
//!   for a stream (`HTTP_STREAM_REQUEST`), Stalled until it has one less the connect it waited
//!   for, Request sent (`HTTP_TRANSACTION_SEND_REQUEST`), Waiting (`…_READ_HEADERS`), Content
//!   download until the last body read.
//! - **Sockets** (`SOCKET` sources): the connect job's start (its host lookup), `TCP_CONNECT`,
//!   `SSL_CONNECT` with the protocol ALPN chose, when it closed and why; each request's stream
//!   job says which socket it got (`SOCKET_POOL_BOUND_TO_SOCKET`, or the HTTP/2 session it found,
//!   `HTTP2_SESSION_POOL_FOUND_EXISTING_SESSION`), whether it reused one, and whether the pool
//!   stalled it at the group's or the pool's socket limit.
//! - **Pool groups** (`group_id`, e.g. `pm/https://a.test <https://b.test same_site>`): the
//!   origin, whether credentials go (a `pm…/` prefix is privacy mode: no credentials), and
//!   whether the network anonymization key is a cross-site frame's (`cross_site`); its top-level
//!   site is the page's.
//!
//! Which requests are the page's: of the file's navigations (main-frame requests), the one
//! whose page made the most requests, each page being the requests of its main frame's network
//! isolation key from its start until the next navigation; the browser's own background
//! requests and the other navigations are left out, with a note that says how many. Left out: the renderer's side (Blink's memory
//! cache, the parser, what a CORS check decided in the renderer), DNS jobs' own events (the
//! lookup is read from the connect job), QUIC sessions, HTTP/2 frames.

use super::har_replay::{Entry, Json, RecordedSocket, Recording, Source};
use crate::model::load::Protocol;
use std::collections::{BTreeMap, BTreeSet};

/// The largest NetLog read: 64 MiB. A longer capture can be cut in `chrome://net-export`'s
/// options ("Maximum log size") or recorded for one page load only.
pub const MAX_NETLOG_BYTES: usize = 64 << 20;

/// The most events read from one file.
pub const MAX_EVENTS: usize = 1_000_000;

/// The one NetLog format version Chromium writes (`constants.logFormatVersion`).
const FORMAT_VERSION: f64 = 1.0;

/// The events this reader uses, by their names in `constants.logEventTypes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    RequestAlive,
    StartJob,
    Redirected,
    StreamRequest,
    BoundToJob,
    SendRequest,
    SendHeaders,
    SendHeadersH2,
    SendHeadersQuic,
    ReadHeaders,
    ResponseHeaders,
    ReadBody,
    FilteredBytes,
    SetPriority,
    CacheReadInfo,
    RequestedSocket,
    BoundToConnectJob,
    BoundToSocket,
    Reused,
    StalledGroup,
    StalledPool,
    ImportedSession,
    FoundSession,
    SessionInitialized,
    ConnectJobCreated,
    TcpConnectJobConnect,
    SocketAlive,
    TcpConnect,
    SslConnect,
    ClosingSocket,
}

/// Each kind's name, and whether a file without it cannot be read.
const KINDS: [(Kind, &str, bool); 30] = [
    (Kind::RequestAlive, "REQUEST_ALIVE", true),
    (Kind::StartJob, "URL_REQUEST_START_JOB", true),
    (Kind::Redirected, "URL_REQUEST_REDIRECTED", false),
    (Kind::StreamRequest, "HTTP_STREAM_REQUEST", true),
    (Kind::BoundToJob, "HTTP_STREAM_REQUEST_BOUND_TO_JOB", true),
    (Kind::SendRequest, "HTTP_TRANSACTION_SEND_REQUEST", false),
    (
        Kind::SendHeaders,
        "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
        false,
    ),
    (
        Kind::SendHeadersH2,
        "HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS",
        false,
    ),
    (
        Kind::SendHeadersQuic,
        "HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS",
        false,
    ),
    (Kind::ReadHeaders, "HTTP_TRANSACTION_READ_HEADERS", false),
    (
        Kind::ResponseHeaders,
        "HTTP_TRANSACTION_READ_RESPONSE_HEADERS",
        false,
    ),
    (Kind::ReadBody, "HTTP_TRANSACTION_READ_BODY", false),
    (
        Kind::FilteredBytes,
        "URL_REQUEST_JOB_FILTERED_BYTES_READ",
        false,
    ),
    (Kind::SetPriority, "URL_REQUEST_SET_PRIORITY", false),
    (Kind::CacheReadInfo, "HTTP_CACHE_READ_INFO", false),
    (
        Kind::RequestedSocket,
        "TCP_CLIENT_SOCKET_POOL_REQUESTED_SOCKET",
        false,
    ),
    (
        Kind::BoundToConnectJob,
        "SOCKET_POOL_BOUND_TO_CONNECT_JOB",
        false,
    ),
    (Kind::BoundToSocket, "SOCKET_POOL_BOUND_TO_SOCKET", true),
    (Kind::Reused, "SOCKET_POOL_REUSED_AN_EXISTING_SOCKET", false),
    (
        Kind::StalledGroup,
        "SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP",
        false,
    ),
    (Kind::StalledPool, "SOCKET_POOL_STALLED_MAX_SOCKETS", false),
    (
        Kind::ImportedSession,
        "HTTP2_SESSION_POOL_IMPORTED_SESSION_FROM_SOCKET",
        false,
    ),
    (
        Kind::FoundSession,
        "HTTP2_SESSION_POOL_FOUND_EXISTING_SESSION",
        false,
    ),
    (Kind::SessionInitialized, "HTTP2_SESSION_INITIALIZED", false),
    (
        Kind::ConnectJobCreated,
        "SOCKET_POOL_CONNECT_JOB_CREATED",
        false,
    ),
    (Kind::TcpConnectJobConnect, "TCP_CONNECT_JOB_CONNECT", false),
    (Kind::SocketAlive, "SOCKET_ALIVE", true),
    (Kind::TcpConnect, "TCP_CONNECT", true),
    (Kind::SslConnect, "SSL_CONNECT", false),
    (Kind::ClosingSocket, "SOCKET_POOL_CLOSING_SOCKET", false),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    None,
    Begin,
    End,
}

/// The parameters of the events read; each kind fills the ones it has.
#[derive(Clone, Debug, Default)]
struct Params {
    url: Option<String>,
    method: Option<String>,
    priority: Option<String>,
    /// `URL_REQUEST_START_JOB`'s `request_type` is `main frame`.
    main_frame: bool,
    isolation_key: Option<String>,
    location: Option<String>,
    /// `source_dependency.id`.
    dep: Option<u64>,
    headers: Vec<String>,
    bytes: Option<u64>,
    group: Option<String>,
    idle_ms: Option<f64>,
    remote: Option<String>,
    next_proto: Option<String>,
    reason: Option<String>,
    net_error: Option<i64>,
}

/// One event read.
#[derive(Clone, Debug)]
struct Ev {
    kind: Kind,
    phase: Phase,
    /// Tick ms, as the file writes it.
    time: f64,
    p: Params,
}

/// The file's events by source id, in the file's order, and what its constants say.
struct Log {
    sources: BTreeMap<u64, Vec<Ev>>,
    /// Tick ms to Unix epoch ms.
    offset: f64,
    errors: BTreeMap<i64, String>,
    events: usize,
}

/// Whether a parsed JSON file looks like a NetLog (it has `constants` and `events`).
pub fn is_netlog<J: Json>(root: &J) -> bool {
    root.member("constants").is_some() && root.member("events").is_some()
}

/// The refusal of a file over [`MAX_NETLOG_BYTES`], before it is read.
pub fn too_large(bytes: u64) -> String {
    format!(
        "the file is {bytes} bytes, over the limit of {} MiB for a NetLog ({} MiB for a HAR \
         file): record one page load (chrome://net-export can set a maximum log size; DevTools \
         can save a HAR without response bodies)",
        MAX_NETLOG_BYTES >> 20,
        super::har_replay::MAX_HAR_BYTES >> 20
    )
}

/// A NetLog cut short (Chrome stopped before it wrote the end: a crash, a full disk, a file
/// copied while recording) is invalid JSON. Closing its events list after the last whole
/// event line makes it readable, as the NetLog viewer does; `None` if the text is not such a
/// file.
pub fn close_cut_short(text: &str) -> Option<String> {
    let events = text.find("\"events\"")?;
    if !text.trim_start().starts_with("{\"constants\"") {
        return None;
    }
    let body = &text[events..];
    let last_line = body.rfind('\n')?;
    let kept = body[..last_line].trim_end();
    let kept = kept.strip_suffix(',').unwrap_or(kept);
    Some(format!("{}{kept}]}}", &text[..events]))
}

/// The note for a file that [`close_cut_short`] mended.
pub const CUT_SHORT: &str = "the file was cut short (Chrome did not finish writing it): its \
                             events up to the cut are read, and the last requests may be \
                             incomplete";

/// Reads a NetLog's or a HAR file's text natively (the CLI, tests): a NetLog cut short is
/// mended with a note. Every problem is an error that says what and where.
pub fn open(text: &str) -> Result<Recording, String> {
    if text.len() > MAX_NETLOG_BYTES {
        return Err(too_large(text.len() as u64));
    }
    let (v, note) = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => (v, None),
        Err(e) => {
            let mended = close_cut_short(text)
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
            match mended {
                Some(v) => (v, Some(CUT_SHORT)),
                None => {
                    return Err(format!(
                        "not a HAR file or NetLog: the JSON is {} at line {}, column {}",
                        if e.is_eof() { "cut short" } else { "malformed" },
                        e.line(),
                        e.column()
                    ))
                }
            }
        }
    };
    recording(&v, text.len(), note)
}

/// A parsed file as a recording: a NetLog or a HAR file, whichever it is. `bytes` is the
/// file's size; `note` what mending it took.
pub fn recording<J: Json>(root: J, bytes: usize, note: Option<&str>) -> Result<Recording, String> {
    if is_netlog(&root) {
        let mut rec = read(root)?;
        if let Some(n) = note {
            rec.notes.insert(0, n.to_string());
        }
        return Ok(rec);
    }
    if bytes > super::har_replay::MAX_HAR_BYTES {
        return Err(super::har_replay::too_large(bytes as u64));
    }
    super::har_replay::recording(root)
}

/// Reads a parsed NetLog. Every problem is an error that says what and where.
pub fn read<J: Json>(root: J) -> Result<Recording, String> {
    let log = parse_log(&root)?;
    let mut rec = replayable(&log)?;
    let version = root
        .member("constants")
        .and_then(|c| c.member("clientInfo"))
        .and_then(|c| c.member("version"))
        .and_then(|v| v.string())
        .unwrap_or_else(|| "an unnamed version".into());
    let mode = root
        .member("constants")
        .and_then(|c| c.member("logCaptureMode"))
        .and_then(|v| v.string())
        .unwrap_or_else(|| "unknown".into());
    rec.notes.insert(
        0,
        format!(
            "a Chrome NetLog from Chromium {version} ({} events, capture mode {mode}): the real \
             sockets, connects and pool groups are shown; the renderer's side (its memory \
             cache, the parser, CORS decisions) is not in a NetLog",
            log.events
        ),
    );
    Ok(rec)
}

/// The file's constants and events.
fn parse_log<J: Json>(root: &J) -> Result<Log, String> {
    let constants = root
        .member("constants")
        .ok_or("not a NetLog: it has no constants")?;
    let version = constants
        .member("logFormatVersion")
        .and_then(|v| v.number());
    if version != Some(FORMAT_VERSION) {
        return Err(format!(
            "a NetLog of an unknown format version ({}): wirewalk reads version 1, the one \
             Chrome writes",
            version.map_or("none given".into(), |v| v.to_string())
        ));
    }
    let kinds = kinds(&constants)?;
    let phases = phases(&constants)?;
    // Unix epoch ms of tick 0: within a few thousand years, so that every time read stays far
    // from the integer limits.
    let offset = constants
        .member("timeTickOffset")
        .and_then(|v| number_or_text(&v))
        .filter(|o| o.abs() < 1e14)
        .ok_or("not a NetLog: constants.timeTickOffset is missing or out of range")?;
    let list = root
        .member("events")
        .filter(|e| e.length().is_some())
        .ok_or("not a NetLog: events is not a list")?;
    let count = list.length().unwrap_or(0);
    if count > MAX_EVENTS {
        return Err(format!(
            "the NetLog has {count} events, over the limit of {MAX_EVENTS}: record one page load"
        ));
    }
    let mut sources: BTreeMap<u64, Vec<Ev>> = BTreeMap::new();
    for i in 0..count {
        let e = list
            .item(i)
            .ok_or_else(|| format!("event {}: missing", i + 1))?;
        if let Some((source, ev)) =
            event(&e, &kinds, &phases).map_err(|m| format!("event {}: {m}", i + 1))?
        {
            sources.entry(source).or_default().push(ev);
        }
    }
    Ok(Log {
        sources,
        offset,
        errors: errors(&constants),
        events: count,
    })
}

/// Event type numbers to the kinds read; refuses a file whose constants lack a required one.
fn kinds<J: Json>(constants: &J) -> Result<BTreeMap<u64, Kind>, String> {
    let types = constants
        .member("logEventTypes")
        .ok_or("not a NetLog: constants.logEventTypes is missing")?;
    let mut out = BTreeMap::new();
    let mut missing = Vec::new();
    for (kind, name, required) in KINDS {
        match types.member(name).and_then(|v| v.number()) {
            Some(n) if n >= 0.0 && n.fract() == 0.0 => {
                out.insert(n as u64, kind);
            }
            _ if required => missing.push(name),
            _ => {}
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "a NetLog from a Chromium version wirewalk cannot read: its event types lack {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

/// The phase numbers: begin and end.
fn phases<J: Json>(constants: &J) -> Result<(f64, f64), String> {
    let p = constants
        .member("logEventPhase")
        .ok_or("not a NetLog: constants.logEventPhase is missing")?;
    let get = |n: &str| p.member(n).and_then(|v| v.number());
    match (get("PHASE_BEGIN"), get("PHASE_END")) {
        (Some(b), Some(e)) => Ok((b, e)),
        _ => Err("not a NetLog: constants.logEventPhase lacks PHASE_BEGIN or PHASE_END".into()),
    }
}

/// Net error numbers to their names (`ERR_NAME_NOT_RESOLVED`).
fn errors<J: Json>(constants: &J) -> BTreeMap<i64, String> {
    let Some(list) = constants.member("netError") else {
        return BTreeMap::new();
    };
    list.keys()
        .into_iter()
        .filter_map(|name| {
            let n = list.member(&name)?.number()?;
            (n.fract() == 0.0 && n.abs() < 1e9).then_some((n as i64, name))
        })
        .collect()
}

/// A number, or a number written as text (Chrome writes times and ids as strings).
fn number_or_text<J: Json>(v: &J) -> Option<f64> {
    v.number()
        .or_else(|| v.string().and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|x| x.is_finite())
}

/// One event, if it is of a kind read: its source id and what it says.
fn event<J: Json>(
    e: &J,
    kinds: &BTreeMap<u64, Kind>,
    phases: &(f64, f64),
) -> Result<Option<(u64, Ev)>, String> {
    let Some(kind) = e
        .member("type")
        .and_then(|t| t.number())
        .filter(|n| *n >= 0.0 && n.fract() == 0.0)
        .and_then(|n| kinds.get(&(n as u64)).copied())
    else {
        return Ok(None);
    };
    let source = e
        .member("source")
        .and_then(|s| s.member("id"))
        .and_then(|v| number_or_text(&v))
        .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n < 9e15)
        .ok_or("its source has no id")? as u64;
    let time = e
        .member("time")
        .and_then(|v| number_or_text(&v))
        .filter(|t| t.abs() < 1e15)
        .ok_or("its time is missing or not a number")?;
    let phase = match e.member("phase").and_then(|v| v.number()) {
        Some(p) if p == phases.0 => Phase::Begin,
        Some(p) if p == phases.1 => Phase::End,
        _ => Phase::None,
    };
    let p = e
        .member("params")
        .map(|p| params(&p, kind))
        .unwrap_or_default();
    Ok(Some((
        source,
        Ev {
            kind,
            phase,
            time,
            p,
        },
    )))
}

/// The parameters `kind` carries.
fn params<J: Json>(p: &J, kind: Kind) -> Params {
    let text = |k: &str| p.member(k).and_then(|v| v.string());
    let num = |k: &str| {
        p.member(k)
            .and_then(|v| v.number())
            .filter(|x| x.is_finite())
    };
    let dep = || {
        p.member("source_dependency")
            .and_then(|d| d.member("id"))
            .and_then(|v| number_or_text(&v))
            .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n < 9e15)
            .map(|n| n as u64)
    };
    let mut out = Params {
        net_error: num("net_error").filter(|n| n.abs() < 1e9).map(|n| n as i64),
        ..Params::default()
    };
    match kind {
        Kind::RequestAlive => {
            out.url = text("url");
            out.priority = text("priority");
        }
        Kind::StartJob => {
            out.method = text("method");
            out.main_frame = text("request_type").as_deref() == Some("main frame");
            out.isolation_key = text("network_isolation_key");
        }
        Kind::Redirected => out.location = text("location"),
        Kind::SendHeaders | Kind::SendHeadersH2 | Kind::SendHeadersQuic | Kind::ResponseHeaders => {
            out.headers = p
                .member("headers")
                .map(|h| {
                    (0..h.length().unwrap_or(0).min(500))
                        .filter_map(|i| h.item(i)?.string())
                        .collect()
                })
                .unwrap_or_default();
        }
        Kind::FilteredBytes => {
            out.bytes = num("byte_count")
                .filter(|n| (0.0..9e15).contains(n))
                .map(|n| n as u64)
        }
        Kind::SetPriority => out.priority = text("priority"),
        Kind::RequestedSocket | Kind::ConnectJobCreated => out.group = text("group_id"),
        Kind::Reused => out.idle_ms = num("idle_ms"),
        Kind::TcpConnect => out.remote = text("remote_address"),
        Kind::SslConnect => out.next_proto = text("next_proto"),
        Kind::ClosingSocket => out.reason = text("reason"),
        _ => out.dep = dep(),
    }
    out
}

/// The first event of `kind` (and `phase`) among `evs`.
fn first(evs: &[Ev], kind: Kind, phase: Phase) -> Option<&Ev> {
    evs.iter().find(|e| e.kind == kind && e.phase == phase)
}

/// The last event of `kind` (and `phase`) among `evs`.
fn last(evs: &[Ev], kind: Kind, phase: Phase) -> Option<&Ev> {
    evs.iter()
        .rev()
        .find(|e| e.kind == kind && e.phase == phase)
}

/// A pool group's id (`pm/https://a.test <https://b.test cross_site>`) as wirewalk names the
/// group ([`crate::model::pool::GroupKey::text_in`]): the origin, without credentials when
/// Chromium's privacy mode is on (`pm/`, `pmwocp/`, `pmpsa/`), and a cross-site frame's when
/// the network anonymization key says `cross_site`; the key's top-level site is the page's.
fn group_text(id: &str) -> String {
    let (dest, key) = id.split_once(" <").unwrap_or((id, ""));
    let dest = dest.trim();
    let Some(scheme) = dest.find("://") else {
        return dest.to_string();
    };
    let cut = dest[..scheme].rfind('/').map_or(0, |k| k + 1);
    let (prefix, origin) = dest.split_at(cut);
    let credentials = !prefix.starts_with("pm");
    let frame = key.trim_end_matches('>').ends_with(" cross_site");
    match ::url::Url::parse(origin) {
        Ok(u) => crate::model::pool::GroupKey::text_in(&u, credentials, frame),
        Err(_) => origin.to_string(),
    }
}

/// The page's requests, the sockets they used and the notes: the recording to replay.
fn replayable(log: &Log) -> Result<Recording, String> {
    let requests: Vec<(u64, &[Ev])> = log
        .sources
        .iter()
        .filter(|(_, evs)| first(evs, Kind::RequestAlive, Phase::Begin).is_some())
        .map(|(id, evs)| (*id, evs.as_slice()))
        .collect();
    let (page, navigations) = pick_page(&requests)?;
    let mut notes = Vec::new();
    let mut left_out: BTreeSet<String> = BTreeSet::new();
    let mut left_count = 0;
    let mut entries = Vec::new();
    let mut used: BTreeSet<u64> = BTreeSet::new();
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for (_, evs) in &requests {
        let start = evs[0].time;
        let of_page = page.holds(start, evs);
        if !of_page {
            left_count += 1;
            if let Some(host) = first(evs, Kind::RequestAlive, Phase::Begin)
                .and_then(|e| e.p.url.as_deref())
                .and_then(|u| ::url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_string))
            {
                left_out.insert(host);
            }
            continue;
        }
        for hop in hops(evs) {
            let e = entry(log, evs, &hop);
            if let Some(s) = e.connection.as_deref().and_then(|c| c.parse().ok()) {
                used.insert(s);
            }
            if let Some(g) = &e.socket_group {
                groups.insert(g.clone());
            }
            entries.push(e);
        }
    }
    if entries.len() > crate::model::load::MAX_REQUESTS {
        return Err(format!(
            "the NetLog's page has {} requests, over the limit of {}",
            entries.len(),
            crate::model::load::MAX_REQUESTS
        ));
    }
    if navigations > 1 {
        notes.push(format!(
            "the file holds {navigations} navigations; the one with the most requests is shown \
             ({}), with the requests of its page",
            page.url
        ));
    }
    if left_count > 0 {
        notes.push(format!(
            "{left_count} request{} not of this page (the browser's own, or another page's: {}) \
             {} left out",
            if left_count == 1 { "" } else { "s" },
            left_out.into_iter().collect::<Vec<_>>().join(", "),
            if left_count == 1 { "is" } else { "are" }
        ));
    }
    let sockets = sockets(log, &used, &groups, &mut notes);
    Ok(Recording {
        source: Source::NetLog,
        entries,
        sockets,
        page: None,
        notes,
    })
}

/// A navigation's page: from its main-frame request's start until the next navigation's, the
/// requests of its network isolation key.
struct Page {
    url: String,
    start: f64,
    end: f64,
    key: Option<String>,
}

impl Page {
    /// Whether the request whose events are `evs`, begun at `start`, is this page's. One cut
    /// short before it started its job cannot say: it is taken as the page's.
    fn holds(&self, start: f64, evs: &[Ev]) -> bool {
        (self.start..self.end).contains(&start)
            && evs
                .iter()
                .find(|e| e.kind == Kind::StartJob)
                .is_none_or(|j| j.p.isolation_key == self.key)
    }
}

/// The page to replay: of the file's navigations (main-frame requests), the one whose page
/// made the most requests (the first of equals), as a start page or an error page before the
/// page of interest makes few; and how many navigations there are.
fn pick_page(requests: &[(u64, &[Ev])]) -> Result<(Page, usize), String> {
    let mut navs: Vec<Page> = requests
        .iter()
        .filter_map(|(_, evs)| {
            let job = evs
                .iter()
                .find(|e| e.kind == Kind::StartJob && e.p.main_frame)?;
            Some(Page {
                url: first(evs, Kind::RequestAlive, Phase::Begin)
                    .and_then(|e| e.p.url.clone())
                    .unwrap_or_default(),
                start: evs[0].time,
                end: f64::INFINITY,
                key: job.p.isolation_key.clone(),
            })
        })
        .collect();
    navs.sort_by(|a, b| a.start.total_cmp(&b.start));
    for k in 1..navs.len() {
        navs[k - 1].end = navs[k].start;
    }
    let count = navs.len();
    // Each request counts for the navigation whose window it begins in (one lookup each).
    let mut sizes = vec![0usize; count];
    for (_, evs) in requests {
        let k = navs.partition_point(|p| p.start <= evs[0].time);
        if k > 0 && navs[k - 1].holds(evs[0].time, evs) {
            sizes[k - 1] += 1;
        }
    }
    let best = sizes
        .iter()
        .enumerate()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse(*k)))
        .map(|(k, _)| k)
        .ok_or("the NetLog has no page load in it: no main-frame request")?;
    Ok((navs.swap_remove(best), count))
}

/// One hop of a request: its URL, its events, when it began and ended (tick ms).
struct Hop<'a> {
    url: String,
    events: &'a [Ev],
    start: f64,
    end: f64,
    /// The request's last hop: its end is the request's.
    last: bool,
}

/// A request's hops: one, or one per redirect (`URL_REQUEST_REDIRECTED` ends a hop; the next
/// goes to its `location`).
fn hops(evs: &[Ev]) -> Vec<Hop<'_>> {
    let alive = first(evs, Kind::RequestAlive, Phase::Begin);
    let mut url = alive.and_then(|e| e.p.url.clone()).unwrap_or_default();
    let end = last(evs, Kind::RequestAlive, Phase::End)
        .or(evs.last())
        .map_or(0.0, |e| e.time);
    let mut out = Vec::new();
    let mut from = 0;
    let mut start = evs.first().map_or(0.0, |e| e.time);
    for (k, e) in evs.iter().enumerate() {
        // A redirect past Chromium's limit ends the request: no more hops than that.
        if e.kind == Kind::Redirected && out.len() < crate::model::redirect::MAX_REDIRECTS as usize
        {
            let next = e.p.location.clone().unwrap_or_default();
            out.push(Hop {
                url: std::mem::replace(&mut url, next),
                events: &evs[from..=k],
                start,
                end: e.time,
                last: false,
            });
            from = k + 1;
            start = e.time;
        }
    }
    out.push(Hop {
        url,
        events: &evs[from..],
        start,
        end: end.max(start),
        last: true,
    });
    out
}

/// A request's stream job, the socket it got and how (tick ms times of the socket's connect).
struct Got {
    socket: Option<u64>,
    /// The job waited for a new connect (`SOCKET_POOL_BOUND_TO_CONNECT_JOB`).
    connected: bool,
    group: Option<String>,
    waited: Option<String>,
}

/// What the stream job `job` got: its socket (directly, or through the HTTP/2 session it found
/// or made), its group, and why it waited.
fn got(log: &Log, job: Option<u64>) -> Got {
    let evs = job.and_then(|j| log.sources.get(&j)).map_or(&[][..], |v| v);
    let session_socket = |s: u64| {
        log.sources
            .get(&s)
            .and_then(|e| first(e, Kind::SessionInitialized, Phase::None))
            .and_then(|e| e.p.dep)
    };
    let socket = first(evs, Kind::BoundToSocket, Phase::None)
        .and_then(|e| e.p.dep)
        .or_else(|| {
            evs.iter()
                .find(|e| matches!(e.kind, Kind::FoundSession | Kind::ImportedSession))
                .and_then(|e| e.p.dep)
                .and_then(session_socket)
        });
    let waited = if first(evs, Kind::StalledGroup, Phase::None).is_some() {
        Some(
            "the socket pool held it: its group had opened all the sockets a group may \
             (SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP)"
                .to_string(),
        )
    } else if first(evs, Kind::StalledPool, Phase::None).is_some() {
        Some(
            "the socket pool held it: the pool had opened all the sockets it may \
             (SOCKET_POOL_STALLED_MAX_SOCKETS)"
                .to_string(),
        )
    } else if first(evs, Kind::FoundSession, Phase::None).is_some() {
        Some("it went on the origin's HTTP/2 session".to_string())
    } else {
        first(evs, Kind::Reused, Phase::None).map(|e| {
            format!(
                "it reused an idle connection (idle {} ms)",
                e.p.idle_ms.unwrap_or(0.0).round()
            )
        })
    };
    Got {
        socket,
        connected: first(evs, Kind::BoundToConnectJob, Phase::None).is_some(),
        group: first(evs, Kind::RequestedSocket, Phase::None)
            .and_then(|e| e.p.group.as_deref())
            .map(group_text),
        waited,
    }
}

/// A socket's connect, in tick ms: (start, lookup done, TCP done, ready), its protocol, group.
struct Connect {
    start: f64,
    dns_end: f64,
    tcp_end: f64,
    ready: f64,
    protocol: Protocol,
    group: Option<String>,
    remote: Option<String>,
    connect_job: Option<u64>,
}

/// The socket `id`'s connect, read from its events and its connect job's.
fn connect(log: &Log, id: u64) -> Option<Connect> {
    let evs = log.sources.get(&id)?;
    let alive = first(evs, Kind::SocketAlive, Phase::Begin)?;
    let job = alive
        .p
        .dep
        .and_then(|j| log.sources.get(&j).map(|e| (j, e)));
    let tcp_b = first(evs, Kind::TcpConnect, Phase::Begin).map_or(alive.time, |e| e.time);
    let tcp_e = first(evs, Kind::TcpConnect, Phase::End);
    let tcp_end = tcp_e.map_or(tcp_b, |e| e.time);
    let ssl = first(evs, Kind::SslConnect, Phase::End);
    let start = job
        .and_then(|(_, e)| first(e, Kind::TcpConnectJobConnect, Phase::Begin))
        .map_or(tcp_b, |e| e.time)
        .min(tcp_b);
    // In order whatever the file says: start, lookup done, TCP done, ready.
    let tcp_end = tcp_end.max(tcp_b);
    Some(Connect {
        start,
        dns_end: tcp_b,
        tcp_end,
        ready: ssl.map_or(tcp_end, |e| e.time).max(tcp_end),
        protocol: match ssl.and_then(|e| e.p.next_proto.as_deref()) {
            Some("h2") => Protocol::H2,
            _ => Protocol::Http1,
        },
        group: job
            .and_then(|(_, e)| first(e, Kind::ConnectJobCreated, Phase::None))
            .and_then(|e| e.p.group.as_deref())
            .map(group_text),
        remote: tcp_e.and_then(|e| e.p.remote.clone()),
        connect_job: job.map(|(j, _)| j),
    })
}

/// The IP address of `host:port` (`[v6]:port` too).
fn ip_of(remote: &str) -> String {
    let host = remote.rsplit_once(':').map_or(remote, |(h, _)| h);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

/// The net priority's name as DevTools writes it in a HAR's `_priority`.
fn devtools_priority(net: &str) -> Option<String> {
    let name = match net {
        "HIGHEST" => "VeryHigh",
        "MEDIUM" => "High",
        "LOW" => "Medium",
        "LOWEST" => "Low",
        "IDLE" | "THROTTLED" => "VeryLow",
        _ => return None,
    };
    Some(name.into())
}

/// A header's value among `lines` (`Name: value`), by its name in any case.
fn header<'a>(lines: &'a [String], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The resource type DevTools would name, from what the request itself says.
fn resource_type(main_frame: bool, method: &str, sent: &[String]) -> Option<String> {
    if main_frame {
        return Some("document".into());
    }
    if method == "OPTIONS" && header(sent, "access-control-request-method").is_some() {
        return Some("preflight".into());
    }
    let t = match header(sent, "sec-fetch-dest")? {
        "document" => "document",
        "iframe" | "frame" => "iframe",
        "style" => "stylesheet",
        "script" => "script",
        "image" => "image",
        "font" => "font",
        "video" | "audio" | "track" => "media",
        _ => "fetch",
    };
    Some(t.into())
}

/// One hop of a page request as a replay entry.
fn entry(log: &Log, all: &[Ev], hop: &Hop<'_>) -> Entry {
    let evs = hop.events;
    let job = first(evs, Kind::BoundToJob, Phase::None).and_then(|e| e.p.dep);
    let g = got(log, job);
    let socket = g.socket.and_then(|s| connect(log, s).map(|c| (s, c)));
    let start_job = first(evs, Kind::StartJob, Phase::Begin);
    let method = start_job
        .and_then(|e| e.p.method.clone())
        .unwrap_or_else(|| "GET".into());
    let sent = evs.iter().find(|e| {
        matches!(
            e.kind,
            Kind::SendHeaders | Kind::SendHeadersH2 | Kind::SendHeadersQuic
        )
    });
    let sent_lines = sent.map_or(&[][..], |e| &e.p.headers[..]);
    let response =
        last(evs, Kind::ResponseHeaders, Phase::None).map_or(&[][..], |e| &e.p.headers[..]);
    let status = response
        .first()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .or_else(|| header(response, ":status").and_then(|s| s.parse().ok()))
        .unwrap_or(0);
    let priority = evs
        .iter()
        .chain(all.iter().take_while(|e| e.time <= hop.end))
        .filter(|e| {
            matches!(e.kind, Kind::SetPriority | Kind::RequestAlive) && e.p.priority.is_some()
        })
        .max_by(|a, b| {
            a.time
                .total_cmp(&b.time)
                .then((a.kind == Kind::SetPriority).cmp(&(b.kind == Kind::SetPriority)))
        })
        .and_then(|e| e.p.priority.as_deref())
        .and_then(devtools_priority);
    let error = if hop.last {
        last(evs, Kind::RequestAlive, Phase::End)
            .and_then(|e| e.p.net_error)
            .filter(|n| *n < 0)
            .map(|n| match log.errors.get(&n) {
                Some(name) => format!("net::{name}"),
                None => format!("net error {n}"),
            })
    } else {
        None
    };
    let timings = timings(
        evs,
        hop,
        socket.as_ref().filter(|_| g.connected).map(|(_, c)| c),
    );
    let from_cache =
        (job.is_none() && status > 0 && first(evs, Kind::CacheReadInfo, Phase::Begin).is_some())
            .then(|| "disk".to_string());
    Entry {
        started_us: epoch_us(hop.start, log.offset),
        time: (hop.end - hop.start).max(0.0),
        method: method.clone(),
        url: hop.url.clone(),
        http_version: match sent.map(|e| e.kind) {
            Some(Kind::SendHeadersH2) => "h2",
            Some(Kind::SendHeadersQuic) => "h3",
            _ => "http/1.1",
        }
        .into(),
        status,
        error,
        connection: socket.as_ref().map(|(s, _)| s.to_string()),
        server_ip: socket
            .as_ref()
            .and_then(|(_, c)| c.remote.as_deref())
            .map(ip_of),
        priority,
        resource_type: resource_type(
            start_job.is_some_and(|e| e.p.main_frame),
            &method,
            sent_lines,
        ),
        from_cache,
        socket_group: g
            .group
            .or_else(|| socket.as_ref().and_then(|(_, c)| c.group.clone())),
        socket_queue_ms: None,
        mime: header(response, "content-type")
            .unwrap_or_default()
            .to_string(),
        cookie: header(sent_lines, "cookie").map(str::to_string),
        transfer_size: None,
        body_size: evs
            .iter()
            .filter_map(|e| {
                (e.kind == Kind::FilteredBytes)
                    .then_some(e.p.bytes)
                    .flatten()
            })
            .fold(0u64, u64::saturating_add),
        timings,
        queueing_unknown: false,
        connection_inferred: false,
        waited: g.waited,
        // A NetLog has the WebSocket's frames in its own events, not read here.
        ws_messages: Vec::new(),
    }
}

/// Tick ms as Unix epoch µs.
fn epoch_us(tick_ms: f64, offset: f64) -> i64 {
    ((tick_ms + offset) * 1000.0).round() as i64
}

/// A hop's HAR timings (ms, -1 for none): blocked, dns, connect, ssl, send, wait, receive,
/// `_blocked_queueing`. `opened` is the connect the hop's stream job waited for, if it did.
fn timings(evs: &[Ev], hop: &Hop<'_>, opened: Option<&Connect>) -> [f64; 8] {
    let at = |k: Kind, p: Phase| first(evs, k, p).map(|e| e.time);
    let span = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b >= a => b - a,
        _ => -1.0,
    };
    let stream_b = at(Kind::StreamRequest, Phase::Begin);
    let stream_e = at(Kind::StreamRequest, Phase::End);
    // The connect this hop waited for, within its wait for a stream.
    let (dns, tcp, ssl) = match (opened, stream_b) {
        // Its connect began once the hop asked for a stream (the file's ms, rounded: half a
        // millisecond of slack).
        (Some(c), Some(b)) if c.start >= b - 0.5 => (
            c.dns_end - c.start,
            c.tcp_end - c.dns_end,
            if c.ready > c.tcp_end || c.protocol == Protocol::H2 {
                c.ready - c.tcp_end
            } else {
                -1.0
            },
        ),
        _ => (-1.0, -1.0, -1.0),
    };
    let connect = if tcp >= 0.0 { tcp + ssl.max(0.0) } else { -1.0 };
    let waited = span(Some(hop.start), stream_e.or(stream_b));
    let blocked = (waited - dns.max(0.0) - connect.max(0.0)).max(0.0);
    let queueing = span(Some(hop.start), stream_b).clamp(0.0, blocked.max(0.0));
    let send = span(
        at(Kind::SendRequest, Phase::Begin),
        at(Kind::SendRequest, Phase::End),
    );
    let wait = span(
        at(Kind::SendRequest, Phase::End),
        at(Kind::ReadHeaders, Phase::End),
    );
    let body_end = last(evs, Kind::ReadBody, Phase::End).map_or(hop.end, |e| e.time);
    let receive = span(
        at(Kind::ReadHeaders, Phase::End),
        Some(body_end.max(hop.start)),
    );
    [blocked, dns, connect, ssl, send, wait, receive, queueing]
}

/// The sockets to show: every one a page request used, and the ones of the page's groups
/// that none did (connected ahead, or for a request that got another first).
fn sockets(
    log: &Log,
    used: &BTreeSet<u64>,
    groups: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Vec<RecordedSocket> {
    // The connect jobs some request's stream job waited on.
    let bound: BTreeSet<u64> = log
        .sources
        .values()
        .flat_map(|evs| evs.iter())
        .filter(|e| e.kind == Kind::BoundToConnectJob)
        .filter_map(|e| e.p.dep)
        .collect();
    let mut out = Vec::new();
    let (mut ahead, mut unused) = (0, 0);
    for (&id, evs) in &log.sources {
        let Some(c) = connect(log, id) else { continue };
        let group = c.group.clone().unwrap_or_default();
        if !used.contains(&id) && !groups.contains(&group) {
            continue;
        }
        let preconnect = c.connect_job.is_none_or(|j| !bound.contains(&j));
        ahead += usize::from(preconnect);
        unused += usize::from(!used.contains(&id));
        let closed = last(evs, Kind::SocketAlive, Phase::End);
        out.push(RecordedSocket {
            id: id.to_string(),
            group,
            protocol: c.protocol,
            start_us: epoch_us(c.start, log.offset),
            dns_end_us: epoch_us(c.dns_end, log.offset),
            tcp_end_us: epoch_us(c.tcp_end, log.offset),
            ready_us: epoch_us(c.ready, log.offset),
            closed_us: closed.map(|e| epoch_us(e.time, log.offset)),
            close_reason: last(evs, Kind::ClosingSocket, Phase::None)
                .and_then(|e| e.p.reason.clone())
                .unwrap_or_default(),
            preconnect,
        });
    }
    if ahead > 0 {
        notes.push(format!(
            "{ahead} connection{} opened with no request waiting on {} (Chromium's preconnects, \
             such as the one it starts for a navigation, or a connect that lost the race to \
             another socket); {unused} never carried a request",
            if ahead == 1 { " was" } else { "s were" },
            if ahead == 1 { "it" } else { "them" },
        ));
    }
    notes.push(
        "the host lookups are the connect jobs' time before their TCP connect; a NetLog records \
         no response sizes on the wire, only the bodies' bytes"
            .into(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::group_text;

    /// Chromium's group ids, as the NetLogs write them, named as the model names its groups.
    #[test]
    fn group_ids_read_as_the_models_groups() {
        let cases = [
            (
                "http://shop.test:45533 <http://shop.test same_site>",
                "http://shop.test:45533",
            ),
            (
                "pm/http://api.test:42015 <http://shop.test same_site>",
                "pm/http://api.test:42015",
            ),
            (
                "pmpsa/https://cdn.test <https://shop.test same_site>",
                "pm/https://cdn.test",
            ),
            (
                "pmpsa/https://pay.example <https://shop.example cross_site>",
                "pm/https://pay.example (cross-site frame)",
            ),
            (
                "https://pay.example <https://shop.example cross_site>",
                "https://pay.example (cross-site frame)",
            ),
            ("no scheme here", "no scheme here"),
        ];
        for (id, want) in cases {
            assert_eq!(group_text(id), want, "{id}");
        }
    }
}
