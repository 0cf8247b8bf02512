//! One live feature done four ways: the `realtime` preset's price ticker — a new price on the
//! server every second ([`pages::TICKS`]) — reaching the page by polling with `fetch()` every
//! second, by long polling, by server-sent events and by a WebSocket. Each is a page scenario
//! the engine loads like any other; the comparison reads the loads: requests made, bytes on
//! the wire per update, how long each price took from the server to the page, the connections
//! the feed used and how long it held them, and what the HTTP cache could serve.
//!
//! The four pages share the ticker's origin, network and server; the feed's answers say
//! `Cache-Control: no-store`, as live data does, so the cache serves nothing (the table says
//! so rather than assuming).

use crate::model::load::{
    self, EventStream, MessageKind, PageLoad, PageScenario, PollAnswer, ResponseSpec, StreamEvent,
};
use crate::model::pages::{self, TICKS};
use crate::model::time::{Duration, Instant};
use serde::Serialize;

/// A way to bring the feed to the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    Polling,
    LongPolling,
    ServerSentEvents,
    #[serde(rename = "websocket")]
    WebSocket,
}

impl Technique {
    pub const ALL: [Technique; 4] = [
        Technique::Polling,
        Technique::LongPolling,
        Technique::ServerSentEvents,
        Technique::WebSocket,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Technique::Polling => "polling",
            Technique::LongPolling => "long polling",
            Technique::ServerSentEvents => "server-sent events",
            Technique::WebSocket => "WebSocket",
        }
    }
}

/// The ticker's prices as a feed's events: each price as the JSON the page reads, and for an
/// event stream as an event with its id.
fn events(stream: bool) -> Vec<StreamEvent> {
    (TICKS.iter().enumerate())
        .map(|(k, &(at_ms, px))| StreamEvent {
            at_ms,
            text: if stream {
                format!("id: {}\ndata: {{\"px\":{px}}}\n\n", k + 1)
            } else {
                format!("{{\"px\":{px}}}")
            },
        })
        .collect()
}

/// The page that brings the feed in `way`.
pub fn scenario(way: Technique) -> PageScenario {
    let base = pages::preset("realtime").unwrap_or_default();
    let (script, url, poll) = match way {
        Technique::WebSocket => return base,
        Technique::Polling => (
            "  setInterval(() => fetch('/price').then(r => r.json()).then(show), 1000);",
            "https://ticker.example/price",
            PollAnswer::Latest,
        ),
        Technique::LongPolling => (
            "  async function poll() {\n    const r = await fetch('/updates');\n    show(await r.json());\n    poll();\n  }\n  poll();",
            "https://ticker.example/updates",
            PollAnswer::Next,
        ),
        Technique::ServerSentEvents => (
            "  new EventSource('/prices').onmessage = e => show(JSON.parse(e.data));",
            "https://ticker.example/prices",
            PollAnswer::Latest,
        ),
    };
    let stream = way == Technique::ServerSentEvents;
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>Ticker</title></head>\n<body>\n<h1>ACME <output id=px>…</output></h1>\n<script>\n  const show = p => px.value = p.px;\n{script}\n</script>\n</body></html>\n"
    );
    let content_type = if stream {
        "Content-Type: text/event-stream"
    } else {
        "Content-Type: application/json"
    };
    PageScenario {
        name: format!("realtime ({})", way.name()),
        html,
        responses: vec![ResponseSpec {
            url: url.into(),
            headers: vec![content_type.into(), "Cache-Control: no-store".into()],
            stream: Some(EventStream {
                events: events(stream),
                poll,
                ..EventStream::default()
            }),
            ..ResponseSpec::default()
        }],
        ..base
    }
}

/// One technique's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub technique: Technique,
    /// Requests the feed made (every request after the document's).
    pub requests: usize,
    /// Prices that reached the page while the model watched, of the server's.
    pub updates: usize,
    pub of: usize,
    /// Bytes both ways on the wire for the feed (HTTP heads, bodies, frames), and per update.
    pub bytes: u64,
    pub bytes_per_update: u64,
    /// From a price on the server to the page: the mean and the longest.
    pub latency_mean: Duration,
    pub latency_max: Duration,
    /// Connections the feed's requests used, and how long they held them in all.
    pub connections: usize,
    pub held: Duration,
    /// Answers the HTTP cache served.
    pub from_cache: usize,
}

/// The figures of `load`, the page that brings the feed in `way`.
pub fn row(way: Technique, load: &PageLoad) -> Row {
    let feed: Vec<&load::Request> = load.requests.iter().skip(1).collect();
    let sent_frames: u64 = (feed.iter().flat_map(|r| &r.messages))
        .filter(|m| m.from_page)
        .map(|m| m.bytes)
        .sum();
    let bytes = feed.iter().map(|r| r.sent_bytes + r.bytes).sum::<u64>() + sent_frames;
    // Each price's first arrival at the page.
    let mut first: Vec<(Instant, Instant)> = Vec::new();
    let carries_data = |k: MessageKind| {
        matches!(
            k,
            MessageKind::Event | MessageKind::Text | MessageKind::Binary
        )
    };
    for m in feed.iter().flat_map(|r| &r.messages) {
        let Some(h) = m.happened.filter(|_| carries_data(m.kind)) else {
            continue;
        };
        match first.iter_mut().find(|(t, _)| *t == h) {
            Some(f) => f.1 = f.1.min(m.at),
            None => first.push((h, m.at)),
        }
    }
    let waits: Vec<u64> = first.iter().map(|(h, at)| at.since(*h).micros()).collect();
    let updates = waits.len();
    let mut connections: Vec<u32> = feed.iter().filter_map(|r| r.connection).collect();
    connections.sort_unstable();
    connections.dedup();
    let held = (feed.iter())
        .filter(|r| r.connection.is_some())
        .map(|r| r.end.since(sent_at(r)).micros())
        .sum();
    Row {
        technique: way,
        requests: feed.len(),
        updates,
        of: TICKS.len(),
        bytes,
        bytes_per_update: bytes / updates.max(1) as u64,
        latency_mean: Duration::from_micros(waits.iter().sum::<u64>() / updates.max(1) as u64),
        latency_max: Duration::from_micros(waits.iter().copied().max().unwrap_or(0)),
        connections: connections.len(),
        held: Duration::from_micros(held),
        from_cache: (feed.iter())
            .filter(|r| r.from_cache != load::FromCache::No)
            .count(),
    }
}

/// When request `r` took its connection: its Request sent phase's start.
fn sent_at(r: &load::Request) -> Instant {
    (r.phases.iter())
        .find(|p| p.name == load::PhaseName::RequestSent)
        .map_or(r.end, |p| p.start)
}

/// The four pages loaded, each with its figures, in [`Technique::ALL`]'s order.
pub fn compare() -> Result<Vec<(Technique, PageLoad, Row)>, String> {
    (Technique::ALL.into_iter())
        .map(|way| {
            let load = load::run(&scenario(way))?;
            let row = row(way, &load);
            Ok((way, load, row))
        })
        .collect()
}

/// The comparison as a text table.
pub fn table(rows: &[Row]) -> String {
    let ms = |d: Duration| {
        let tenths = (d.micros() + 50) / 100;
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    let mut s = format!(
        "{:<20} {:>8} {:>8} {:>9} {:>11} {:>11} {:>10} {:>9} {:>6}\n",
        "technique",
        "requests",
        "updates",
        "bytes",
        "bytes/upd",
        "latency ms",
        "worst ms",
        "sockets",
        "cache"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<20} {:>8} {:>8} {:>9} {:>11} {:>11} {:>10} {:>9} {:>6}\n",
            r.technique.name(),
            r.requests,
            format!("{}/{}", r.updates, r.of),
            r.bytes,
            r.bytes_per_update,
            ms(r.latency_mean),
            ms(r.latency_max),
            format!(
                "{} ({} s)",
                r.connections,
                ms(Duration::from_micros(r.held.micros() / 1000))
            ),
            r.from_cache,
        ));
    }
    s
}
