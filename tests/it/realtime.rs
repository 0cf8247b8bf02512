//! One price ticker four ways (issue 20, Deliver 4), through the engine and the CLI: polling
//! with `setInterval(fetch)`, long polling, server-sent events and a WebSocket, each a page the
//! engine loads, and the table `wirewalk page --preset realtime --compare` prints from them.

use super::capture::expect_status;
use std::process::Command;
use wirewalk::model::load::{self, Outcome, PhaseName};
use wirewalk::model::pages::TICKS;
use wirewalk::model::realtime::{self, Technique};
use wirewalk::model::time::Instant;

fn sent(r: &load::Request) -> Instant {
    (r.phases.iter())
        .find(|p| p.name == PhaseName::RequestSent)
        .map(|p| p.start)
        .expect("sent")
}

#[test]
fn polling_asks_every_second_and_carries_the_newest_price() {
    let l = load::run(&realtime::scenario(Technique::Polling)).expect("loads");
    let polls: Vec<&load::Request> = l.requests.iter().skip(1).collect();
    assert_eq!(
        polls.len(),
        9,
        "a poll a second from the script, until the watch ends"
    );
    for w in polls.windows(2) {
        assert_eq!(
            w[1].start.since(w[0].start).micros(),
            1_000_000,
            "setInterval's period"
        );
    }
    // Each answer carries the newest price the server had when it answered.
    for p in &polls {
        assert_eq!(p.messages.len(), 1, "{p:?}");
        let m = &p.messages[0];
        let happened = m.happened.expect("a price");
        assert!(happened <= m.sent, "{m:?}");
        let newest = (TICKS.iter())
            .map(|t| Instant::from_micros((t.0 * 1000.0) as u64))
            .filter(|&t| t <= m.sent)
            .max();
        assert_eq!(Some(happened), newest);
    }
}

#[test]
fn a_long_poll_waits_at_the_server_for_the_next_price() {
    let l = load::run(&realtime::scenario(Technique::LongPolling)).expect("loads");
    let polls: Vec<&load::Request> = l.requests.iter().skip(1).collect();
    // Each asks again as its answer arrives; the server holds it until a price comes.
    for w in polls.windows(2) {
        assert_eq!(w[1].start, w[0].end, "asks again at once");
    }
    for (p, tick) in polls.iter().zip(TICKS) {
        let wait = p.phase(PhaseName::Waiting);
        let m = &p.messages[0];
        assert_eq!(
            m.happened,
            Some(Instant::from_micros((tick.0 * 1000.0) as u64))
        );
        assert!(m.sent >= m.happened.expect("a price"));
        assert!(wait.micros() > 120_000 || p.id == 2, "held: {wait:?}");
    }
    let last = polls.last().expect("polls");
    assert!(
        matches!(last.outcome, Outcome::Pending { .. }),
        "{:?}",
        last.outcome
    );
    assert!(sent(last) < last.end);
}

#[test]
fn the_comparison_tells_the_techniques_apart() {
    let all = realtime::compare().expect("loads");
    let row = |t: Technique| {
        all.iter()
            .find(|(w, _, _)| *w == t)
            .map(|(_, _, r)| r)
            .expect("row")
    };
    let (poll, long, sse, ws) = (
        row(Technique::Polling),
        row(Technique::LongPolling),
        row(Technique::ServerSentEvents),
        row(Technique::WebSocket),
    );
    for r in [poll, long, sse, ws] {
        assert_eq!((r.updates, r.of), (9, 9), "{r:?}");
        assert_eq!(r.from_cache, 0, "no-store: {r:?}");
        assert_eq!(r.connections, 1, "{r:?}");
    }
    // A request per update for the two polls, one for a stream or a socket.
    assert_eq!((poll.requests, long.requests), (9, 10));
    assert_eq!((sse.requests, ws.requests), (1, 1));
    // Headers on every update cost bytes: polls pay them each time, frames pay a few bytes.
    assert!(
        poll.bytes_per_update > 5 * sse.bytes_per_update,
        "{poll:?} {sse:?}"
    );
    assert!(sse.bytes_per_update > ws.bytes_per_update, "{sse:?} {ws:?}");
    // Polling learns of a price up to a period late; the others half a round trip after it.
    assert!(poll.latency_mean.micros() > 300_000, "{poll:?}");
    for r in [long, sse, ws] {
        assert_eq!(r.latency_max.micros() / 1000, 60, "one way: {r:?}");
    }
    // The streams hold their socket all along; the polls only while asking.
    assert!(poll.held < long.held && sse.held.micros() > 9_000_000);
}

#[test]
fn the_cli_prints_the_table_and_its_json() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
            .args(args)
            .output()
            .expect("run wirewalk");
        expect_status(&out, 0);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let table = run(&["page", "--preset", "realtime", "--compare"]);
    for name in [
        "polling",
        "long polling",
        "server-sent events",
        "WebSocket",
        "bytes/upd",
    ] {
        assert!(table.contains(name), "{table}");
    }
    assert_eq!(table.lines().count(), 5, "{table}");
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "page",
        "--preset",
        "realtime",
        "--compare",
        "--json",
    ]))
    .expect("JSON");
    let rows = json.as_array().expect("rows");
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3]["technique"], "websocket");
    let svg = run(&["page", "--preset", "realtime", "--compare", "--svg"]);
    assert!(
        svg.starts_with("<svg") && svg.contains("long polling"),
        "an SVG of four waterfalls"
    );
    // A tick per message on the long-lived bars.
    assert!(svg.matches("reached the page").count() >= 18, "ticks");
}

#[test]
fn a_long_poll_stops_when_its_answer_fails_and_a_preflight_takes_no_price() {
    use wirewalk::model::load::{EventStream, PageScenario, PollAnswer, ResponseSpec, StreamEvent};
    let feed = EventStream {
        events: (1..=5)
            .map(|k| StreamEvent {
                at_ms: f64::from(k * 1000),
                text: format!("{{\"n\":{k}}}"),
            })
            .collect(),
        poll: PollAnswer::Next,
        ..EventStream::default()
    };
    let html = "<script>async function poll() { await fetch('https://api.example/u', { headers: { 'X-Key': 'k' } }); poll(); }\npoll();</script>";
    let page = |headers: Vec<String>| PageScenario {
        url: "https://www.example/".into(),
        html: html.into(),
        responses: vec![ResponseSpec {
            url: "https://api.example/u".into(),
            headers,
            preflight_headers: Some(vec![
                "Access-Control-Allow-Origin: *".into(),
                "Access-Control-Allow-Headers: X-Key".into(),
            ]),
            stream: Some(feed.clone()),
            ..ResponseSpec::default()
        }],
        ..PageScenario::default()
    };
    // Allowed: every price reaches the page; the preflights answer at once, carrying none.
    let l = load::run(&page(vec!["Access-Control-Allow-Origin: *".into()])).expect("loads");
    let gets: Vec<&load::Request> = (l.requests.iter())
        .filter(|r| r.method == "GET" && r.url.ends_with("/u"))
        .collect();
    let prices: usize = gets.iter().map(|r| r.messages.len()).sum();
    assert_eq!(prices, 5);
    for p in l.requests.iter().filter(|r| r.method == "OPTIONS") {
        assert!(
            p.messages.is_empty() && p.phase(PhaseName::Waiting).micros() < 200_000,
            "{p:?}"
        );
    }
    // Blocked: the rejected fetch does not ask again.
    let l = load::run(&page(vec![])).expect("loads");
    let gets = (l.requests.iter())
        .filter(|r| r.method == "GET" && r.url.ends_with("/u"))
        .count();
    assert_eq!(gets, 1);
}

#[test]
fn a_timer_whose_first_call_is_after_the_watch_makes_no_request() {
    use wirewalk::model::load::PageScenario;
    let sc = PageScenario {
        url: "https://www.example/".into(),
        html: "<script>setInterval(() => fetch('/p'), 3600000); setInterval(() => fetch('/q'), 1e300);</script>".into(),
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(
        l.requests.len(),
        1,
        "{:?}",
        l.requests.iter().map(|r| &r.url).collect::<Vec<_>>()
    );
    assert!(l.end.as_ms() < 10_000.0);
}
