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
//! The request headers are the ones the model counts for every request's size
//! ([`super::load::sent_request`]: those of a `fetch()`, with its `Sec-Fetch-*` values for every
//! destination, plus the lines a script or a preflight adds), and `headersSize` is that size.
//! A request that failed, or that the page may not use, carries Chromium's `_error` (the
//! console's message for a blocked one); a frame's document is `_resourceType` `document`.
//!
//! Like Chromium's export it adds `_priority`, `_resourceType`, `_fromCache` and
//! `timings._blocked_queueing`, and it adds its own `_socketGroup`, so that a file read back
//! ([`super::har_replay`]) draws the same waterfall and the same socket pools.
//!
//! Left out: bodies (`content.text`), the cookies lists (empty; the `Cookie` header is there),
//! `cache`, `serverIPAddress`, and DevTools' own `_`-prefixed fields. A request blocked before it
//! was sent, or that never got a response, has status 0 and an empty response, as DevTools
//! writes one.

use super::load::{Outcome, PageLoad, PageScenario, Request};
use super::time::Instant;
use serde_json::{json, Value};

/// The page's id in `log.pages`.
const PAGE_ID: &str = "page_1";

fn ms(micros: u64) -> Value {
    // Microsecond precision, as DevTools writes (three decimals of a millisecond).
    json!(micros as f64 / 1000.0)
}

/// Microseconds `r` spent in the phases called `names`, if it has any of them.
fn phase_us(r: &Request, names: &[&str]) -> Option<u64> {
    let spans: Vec<u64> = r
        .phases
        .iter()
        .filter(|p| names.contains(&p.name))
        .map(|p| p.end.micros() - p.start.micros())
        .collect();
    (!spans.is_empty()).then(|| spans.iter().sum())
}

fn headers(list: &[(String, String)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect(),
    )
}

fn http_version(r: &Request) -> &'static str {
    // As Chromium's HAR export writes them.
    if r.protocol == "h2" {
        "http/2.0"
    } else {
        "http/1.1"
    }
}

/// The request as the model sends it: method, URL, the headers it counts for the request's size.
fn request(r: &Request, referer: &str) -> Value {
    let (sent, size) = super::load::sent_request(
        &r.url,
        referer,
        &r.method,
        r.cookie.as_deref(),
        &r.extra_headers,
    );
    let parsed = ::url::Url::parse(&r.url).ok();
    let query: Vec<Value> = parsed
        .as_ref()
        .map(|u| {
            u.query_pairs()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "method": r.method,
        "url": r.url,
        "httpVersion": http_version(r),
        "cookies": [],
        "headers": headers(&sent.headers.0),
        "queryString": query,
        "headersSize": size,
        "bodySize": 0,
    })
}

fn response(r: &Request, sc: &PageScenario) -> Value {
    if r.status == 0 {
        return json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
            "headersSize": -1, "bodySize": -1,
        });
    }
    let lines = r
        .response
        .and_then(|i| sc.responses.get(i))
        .map_or(&[][..], |s| &s.headers[..]);
    let message = super::load::response_message(r.status, lines, &r.content_type, r.body_bytes);
    let mime = message
        .headers
        .get("content-type")
        .unwrap_or(&r.content_type)
        .to_string();
    let location = message
        .headers
        .get("location")
        .unwrap_or_default()
        .to_string();
    json!({
        "status": r.status,
        "statusText": message.reason,
        "httpVersion": http_version(r),
        "cookies": [],
        "headers": headers(&message.headers.0),
        "content": {"size": r.body_bytes, "mimeType": mime},
        "redirectURL": location,
        "headersSize": message.head_len(),
        "bodySize": r.body_bytes,
    })
}

/// DevTools' priority label as Chromium's HAR export writes it (`_priority`).
fn chromium_priority(label: &str) -> &'static str {
    match label {
        "Highest" => "VeryHigh",
        "High" => "High",
        "Medium" => "Medium",
        "Low" => "Low",
        _ => "VeryLow",
    }
}

fn timings(r: &Request) -> Value {
    let opt = |v: Option<u64>| v.map_or(json!(-1), ms);
    let ssl = phase_us(r, &["SSL"]);
    let connect = phase_us(r, &["Initial connection"]).map(|c| c + ssl.unwrap_or(0));
    json!({
        "blocked": opt(phase_us(r, &["Queueing", "Stalled"])),
        // Chromium's own field: the part of `blocked` spent queueing.
        "_blocked_queueing": opt(phase_us(r, &["Queueing"])),
        "dns": opt(phase_us(r, &["DNS Lookup"])),
        "connect": opt(connect),
        "ssl": opt(ssl),
        "send": ms(phase_us(r, &["Request sent"]).unwrap_or(0)),
        "wait": ms(phase_us(r, &["Waiting for server response"]).unwrap_or(0)),
        "receive": ms(phase_us(r, &["Content Download"]).unwrap_or(0)),
    })
}

/// The page load as a HAR 1.2 log. `visit_unix` is when the page was opened (seconds since the
/// Unix epoch): each entry's `startedDateTime` is that plus the request's start.
pub fn export(sc: &PageScenario, load: &PageLoad, visit_unix: i64) -> Value {
    let at = |t: Instant| {
        super::http_date::iso8601_us(visit_unix.saturating_mul(1_000_000) + t.micros() as i64)
    };
    let referer = load.url.as_str();
    let entries: Vec<Value> = load
        .requests
        .iter()
        .map(|r| {
            let mut e = json!({
                "pageref": PAGE_ID,
                "startedDateTime": at(r.start),
                "time": ms(r.end.micros() - r.start.micros()),
                "request": request(r, referer),
                "response": response(r, sc),
                "cache": {},
                "timings": timings(r),
            });
            if let Some(c) = r.connection {
                e["connection"] = json!(c.to_string());
            }
            // Chromium's own fields, which its HAR files carry too.
            e["_priority"] = json!(chromium_priority(r.priority));
            // Chromium calls a frame's document a document.
            e["_resourceType"] = json!(match r.destination {
                "iframe" => "document",
                d => d,
            });
            // Chromium's `_error` for a request that failed or that the page may not use.
            match &r.outcome {
                Outcome::Failed { error } => e["_error"] = json!(error),
                Outcome::Blocked { console, .. } => e["_error"] = json!(console),
                Outcome::Ok { .. } => {}
            }
            if r.memory_cache {
                e["_fromCache"] = json!("memory");
            }
            // wirewalk's own: the socket-pool group (`pm/` marks a request without credentials,
            // which Chromium keeps apart); a HAR from a browser does not say.
            e["_socketGroup"] = json!(r.group);
            e
        })
        .collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "wirewalk", "version": env!("CARGO_PKG_VERSION")},
            "pages": [{
                "startedDateTime": at(Instant::ZERO),
                "id": PAGE_ID,
                "title": load.url,
                // The page-load model has no DOMContentLoaded or load event of its own.
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            }],
            "entries": entries,
        }
    })
}
