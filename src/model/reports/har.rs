//! A simulated page load as a HAR 1.2 file ("HTTP Archive", the format DevTools' "Save all as
//! HAR" writes: <http://www.softwareishard.com/blog/har-12-spec/>).
//!
//! Modelled, for each request: `startedDateTime` (the scenario's visit time plus the request's
//! start), `time`, the request line and headers the model sends (the same as it counts for the
//! request's size), the response status, headers and sizes, `timings` cut from the request's
//! DevTools phases, `connection` (the connection's id) and `pageref`. Timings follow HAR's rules:
//! `blocked` is Queueing plus Stalled; `dns`, `connect` and `ssl` are -1 on a reused connection;
//! `connect` includes `ssl`; `time` is the sum of the others (without `ssl`), which is the
//! request's whole span because its phases cut it end to end.
//!
//! The request headers are the ones the model sent ([`crate::model::load::request_as_sent`]: the
//! document's navigation request, and for every other request those of a `fetch()`, with its
//! `Sec-Fetch-*` values for every destination, plus the lines a script or a preflight adds),
//! and `headersSize` is that size (over HTTP/2, the size of its HEADERS frames, HPACK-coded; a
//! response's likewise).
//! A request that failed, or that the page may not use, carries Chromium's `_error` (the
//! console's message for a blocked one); a frame's document is `_resourceType` `document`.
//!
//! Like Chromium's export it adds `_priority`, `_resourceType`, `_fromCache` and
//! `timings._blocked_queueing`, and it adds its own `_socketGroup` and `_socketQueue` (ms in the
//! group's queue, -1 for none), so that a file read back
//! ([`crate::model::har_replay`]) draws the same waterfall and the same socket pools.
//!
//! A WebSocket's entry carries DevTools' `_webSocketMessages` (devtools-frontend
//! front_end/models/har/Log.ts): each message the page sent (`send`) or received (`receive`),
//! its `time` in seconds since the epoch, its `opcode` and its `data`. As in Chrome only text
//! (1) and binary (2) messages are there, no ping, pong or close (Blink reports data messages
//! alone: `WebSocketChannelImpl`, third_party/blink/renderer/modules/websockets), and binary
//! data is base64. A binary message the model does not spell out is zeros, as in the capture;
//! one over 64 KiB is left out.
//!
//! Left out: bodies (`content.text`), the cookies lists (empty; the `Cookie` header is there),
//! `cache`, `serverIPAddress`, and DevTools' other `_`-prefixed fields (`_initiator`, `_transferSize`…). A request blocked before it
//! was sent, or that never got a response, has status 0 and an empty response, as DevTools
//! writes one.

use crate::model::json::Writer;
use crate::model::load::{Outcome, PageLoad, PageScenario, PhaseName, Protocol, Request};
use crate::model::pool::Priority;
use crate::model::time::Instant;
use crate::model::websocket::{present::Framed, Opcode};

/// The page's id in `log.pages`.
const PAGE_ID: &str = "page_1";

/// Microseconds `r` spent in the phases called `names`, if it has any of them.
fn phase_us(r: &Request, names: &[PhaseName]) -> Option<u64> {
    let spans: Vec<u64> = r
        .phases
        .iter()
        .filter(|p| names.contains(&p.name))
        .map(|p| p.end.micros() - p.start.micros())
        .collect();
    (!spans.is_empty()).then(|| spans.iter().sum())
}

/// `key`: a list of `{"name", "value"}` objects.
fn pairs<N: AsRef<str>, V: AsRef<str>>(w: &mut Writer, key: &str, list: &[(N, V)]) {
    w.key(key).arr();
    for (n, v) in list {
        w.obj()
            .str_field("name", n.as_ref())
            .str_field("value", v.as_ref())
            .end_obj();
    }
    w.end_arr();
}

/// What a request and a response both have: `httpVersion`, `cookies` (left empty: the
/// `Cookie` header is in `headers`) and `headers`.
fn head<N: AsRef<str>, V: AsRef<str>>(w: &mut Writer, version: &str, headers: &[(N, V)]) {
    w.str_field("httpVersion", version)
        .key("cookies")
        .arr()
        .end_arr();
    pairs(w, "headers", headers);
}

fn http_version(r: &Request) -> &'static str {
    // As Chromium's HAR export writes them.
    match r.protocol {
        Protocol::Http1 => "http/1.1",
        Protocol::H2 => "http/2.0",
        Protocol::H3 => "h3",
    }
}

/// The request as the model sends it: method, URL, the headers it counts for the request's size.
fn request(w: &mut Writer, r: &Request, page_url: &str, page_origin: &str) {
    let referer = crate::model::http::referer(page_url, page_origin, &r.origin);
    let (sent, size) = crate::model::load::request_as_sent(
        r.kind,
        &r.url,
        referer.as_deref(),
        &r.method,
        r.cookie.as_deref(),
        &r.extra_headers,
    );
    let query: Vec<(String, String)> = ::url::Url::parse(&r.url)
        .map(|u| u.query_pairs().map(|(n, v)| (n.into(), v.into())).collect())
        .unwrap_or_default();
    w.obj()
        .str_field("method", &r.method)
        .str_field("url", &r.url);
    head(w, http_version(r), &sent.headers.0);
    pairs(w, "queryString", &query);
    // What the engine sent (over HTTP/2 the HEADERS frames: DevTools writes -1 there); a
    // request never sent has the size it would have had.
    let size = if r.sent_bytes > 0 { r.sent_bytes } else { size };
    w.int_field("headersSize", size as i64)
        .int_field("bodySize", 0)
        .end_obj();
}

fn response(w: &mut Writer, r: &Request, sc: &PageScenario) {
    w.obj();
    if r.status == 0 {
        w.int_field("status", 0).str_field("statusText", "");
        head::<&str, &str>(w, "", &[]);
        w.key("content")
            .obj()
            .int_field("size", 0)
            .str_field("mimeType", "x-unknown")
            .end_obj()
            .str_field("redirectURL", "")
            .int_field("headersSize", -1)
            .int_field("bodySize", -1)
            .end_obj();
        return;
    }
    // The header lines the model's server sent: a preflight is answered with its own.
    let lines = r
        .response
        .and_then(|i| sc.responses.get(i))
        .map_or(&[][..], |s| match (r.preflight_for, &s.preflight_headers) {
            (Some(_), Some(p)) => &p[..],
            _ => &s.headers[..],
        });
    let status = if r.status == 304 { 200 } else { r.status };
    let mut message = crate::model::load::response_message(
        status,
        lines,
        r.content_type.clone(),
        r.body_bytes,
        crate::model::scenario::VISIT_UNIX_TIME,
    );
    if r.status == 304 {
        // As the engine's server sends it: the 200's fields but the body's own, and no body.
        message = crate::model::load::not_modified(message);
    }
    let mime = message
        .headers
        .get("content-type")
        .unwrap_or(&r.content_type);
    let location = message.headers.get("location").unwrap_or_default();
    w.int_field("status", r.status.into())
        .str_field("statusText", message.reason);
    head(w, http_version(r), &message.headers.0);
    w.key("content")
        .obj()
        .int_field("size", r.body_bytes as i64)
        .str_field("mimeType", mime)
        .end_obj()
        .str_field("redirectURL", location)
        .int_field("headersSize", response_headers_size(r, &message) as i64)
        // HAR 1.2: a response from the cache received no body.
        .int_field(
            "bodySize",
            if r.from_cache == crate::model::load::FromCache::No {
                r.body_bytes as i64
            } else {
                0
            },
        )
        .end_obj();
}

/// The response head's size as it came: over HTTP/2 its HEADERS frames (what the engine
/// counted for the response, less the body's DATA frames), else its HTTP/1.1 text.
fn response_headers_size(r: &Request, message: &crate::model::http::Response) -> u64 {
    let h2 = r.protocol == Protocol::H2 && r.from_cache == crate::model::load::FromCache::No;
    if !h2 || r.bytes == 0 {
        return message.head_len();
    }
    let data = if r.body_bytes > 0 {
        crate::model::http2::data_len(r.body_bytes)
    } else {
        0
    };
    r.bytes.saturating_sub(data)
}

/// Chromium's net priorities and their names in a HAR file (`_priority`; DevTools shows them
/// as Highest, High, Medium, Low and Lowest).
pub(crate) const PRIORITIES: [(Priority, &str); 5] = [
    (Priority::Highest, "VeryHigh"),
    (Priority::Medium, "High"),
    (Priority::Low, "Medium"),
    (Priority::Lowest, "Low"),
    (Priority::Idle, "VeryLow"),
];

/// A priority as Chromium's HAR export writes it.
fn chromium_priority(p: Option<Priority>) -> &'static str {
    PRIORITIES
        .iter()
        .find(|(x, _)| Some(*x) == p)
        .map_or("VeryLow", |(_, c)| c)
}

fn timings(w: &mut Writer, r: &Request) {
    let opt = |w: &mut Writer, key: &str, v: Option<u64>| {
        match v {
            Some(us) => w.key(key).ms(us),
            None => w.int_field(key, -1),
        };
    };
    let ssl = phase_us(r, &[PhaseName::Ssl]);
    let connect = phase_us(r, &[PhaseName::InitialConnection]).map(|c| c + ssl.unwrap_or(0));
    w.key("timings").obj();
    opt(
        w,
        "blocked",
        phase_us(r, &[PhaseName::Queueing, PhaseName::Stalled]),
    );
    // Chromium's own field: the part of `blocked` spent queueing.
    opt(w, "_blocked_queueing", phase_us(r, &[PhaseName::Queueing]));
    opt(w, "dns", phase_us(r, &[PhaseName::DnsLookup]));
    opt(w, "connect", connect);
    opt(w, "ssl", ssl);
    for (key, phase) in [
        ("send", PhaseName::RequestSent),
        ("wait", PhaseName::Waiting),
        ("receive", PhaseName::ContentDownload),
    ] {
        w.key(key).ms(phase_us(r, &[phase]).unwrap_or(0));
    }
    w.end_obj();
}

/// The longest binary message written out in `_webSocketMessages` (module doc).
const MAX_HAR_BINARY: u64 = 64 * 1024;

/// WebSocket request `r`'s `_webSocketMessages`, from its frames in the load's trace: the text
/// and binary messages, each when the page sent it or when it arrived (module doc).
fn websocket_messages(w: &mut Writer, load: &PageLoad, r: &Request, visit_unix: i64) {
    let visit_us = visit_unix.max(0).unsigned_abs().saturating_mul(1_000_000);
    w.key("_webSocketMessages").arr();
    let framed = (load.trace.events.iter())
        .filter(|e| e.request == r.id)
        .filter_map(|e| Some((e, e.detail::<Framed>()?)));
    for (e, f) in framed {
        let opcode = f.frame.opcode;
        let data = match (opcode, f.stand_in) {
            (Opcode::Text, _) => String::from_utf8_lossy(&f.frame.payload).into_owned(),
            (Opcode::Binary, Some(n)) if n <= MAX_HAR_BINARY => {
                crate::model::text::base64(&vec![0; n as usize])
            }
            (Opcode::Binary, None) => crate::model::text::base64(&f.frame.payload),
            _ => continue,
        };
        let at = match (&e.flight, f.from_browser) {
            (Some(fl), false) => fl.arrives_at,
            _ => e.at,
        };
        w.obj()
            .str_field("type", if f.from_browser { "send" } else { "receive" })
            .key("time")
            .seconds(visit_us.saturating_add(at.micros()))
            .int_field("opcode", i64::from(opcode.code()))
            .str_field("data", &data)
            .end_obj();
    }
    w.end_arr();
}

/// The page load as the text of a HAR 1.2 file (JSON, without indentation). `visit_unix` is when
/// the page was opened (seconds since the Unix epoch): each entry's `startedDateTime` is that
/// plus the request's start.
pub fn export(sc: &PageScenario, load: &PageLoad, visit_unix: i64) -> String {
    let at = |t: Instant| {
        crate::model::http_date::iso8601_us(
            visit_unix.saturating_mul(1_000_000) + t.micros() as i64,
        )
    };
    let (page_url, page_origin) = (load.url.as_str(), load.page_origin.as_str());
    let mut w = Writer::default();
    w.obj()
        .key("log")
        .obj()
        .str_field("version", "1.2")
        .key("creator")
        .obj()
        .str_field("name", "wirewalk")
        .str_field("version", env!("CARGO_PKG_VERSION"))
        .end_obj()
        .key("pages")
        .arr()
        .obj()
        .str_field("startedDateTime", &at(Instant::ZERO))
        .str_field("id", PAGE_ID)
        .str_field("title", &load.url)
        // HAR 1.2 §pageTimings: ms since the page's start, -1 when the load had none (a
        // navigation that failed).
        .key("pageTimings")
        .obj();
    for (key, ms) in [
        ("onContentLoad", load.timing.dom_content_loaded_event_start),
        ("onLoad", load.timing.load_event_start),
    ] {
        w.key(key);
        if ms > 0.0 {
            w.ms((ms * 1000.0).round() as u64);
        } else {
            w.int(-1);
        }
    }
    w.end_obj().end_obj().end_arr().key("entries").arr();
    for r in &load.requests {
        w.obj()
            .str_field("pageref", PAGE_ID)
            .str_field("startedDateTime", &at(r.start))
            .key("time")
            .ms(r.end.micros() - r.start.micros())
            .key("request");
        request(&mut w, r, page_url, page_origin);
        w.key("response");
        response(&mut w, r, sc);
        w.key("cache").obj().end_obj();
        timings(&mut w, r);
        if let Some(c) = r.connection {
            w.str_field("connection", &c.to_string());
        }
        // Chromium's own fields, which its HAR files carry too.
        w.str_field("_priority", chromium_priority(r.priority));
        // Chromium calls a frame's document a document.
        w.str_field(
            "_resourceType",
            match r.destination {
                "iframe" => "document",
                d => d,
            },
        );
        // Chromium's `_error` for a request that failed or that the page may not use.
        match &r.outcome {
            Outcome::Failed { error } => {
                w.str_field("_error", error);
            }
            Outcome::Blocked { console, .. } => {
                w.str_field("_error", console);
            }
            Outcome::Ok { .. } | Outcome::Pending { .. } => {}
        }
        if let Some(from) = r.from_cache.har_name() {
            w.str_field("_fromCache", from);
        }
        if r.destination == "websocket" {
            websocket_messages(&mut w, load, r, visit_unix);
        }
        // wirewalk's own: the socket-pool group (`pm/` marks a request without credentials,
        // which Chromium keeps apart); a HAR from a browser does not say.
        w.str_field("_socketGroup", &r.group);
        // And how long it waited in that group's queue, the end of its Queueing (-1: it did
        // not): Queueing may begin in the renderer, before the pool.
        match r.pool_wait() {
            Some((from, until)) => w.key("_socketQueue").ms(until.since(from).micros()),
            None => w.int_field("_socketQueue", -1),
        };
        w.end_obj();
    }
    w.end_arr().end_obj().end_obj();
    w.finish()
}
