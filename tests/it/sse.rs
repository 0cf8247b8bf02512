//! Server-sent events (issue 20, HTML §9.2) through the page load the app and the CLI run: an
//! `EventSource`'s stream holds its HTTP/1.1 socket while it is open, so a seventh stream to one
//! origin and everything after it waits in the pool; over HTTP/2 each stream is one stream of
//! the connection; an ended stream reconnects with `Last-Event-ID`; a wrong answer fails the
//! source; the bytes open in Wireshark.

use super::capture::{expect_status, scratch, tshark, wirewalk_pcap};
use proptest::prelude::*;
use std::process::Command;
use wirewalk::model::load::{
    self, EventStream, Outcome, PageLoad, PageScenario, Protocol, ResponseSpec, StreamEvent,
};
use wirewalk::model::pages;
use wirewalk::model::step::steps;
use wirewalk::model::time::Instant;

/// A page whose inline script opens `n` streams to `/events/1…n` on its own origin, then an
/// image there; stream `i` is answered by `stream(i)`.
fn streams(n: u32, stream: impl Fn(u32) -> EventStream) -> PageScenario {
    let mut html = String::from("<!DOCTYPE html><html><body>\n<script>\n");
    for i in 1..=n {
        html.push_str(&format!("  new EventSource('/events/{i}');\n"));
    }
    html.push_str("</script>\n<img src=\"/after.png\">\n</body></html>\n");
    PageScenario {
        url: "https://feeds.example/".into(),
        html,
        responses: (1..=n)
            .map(|i| ResponseSpec {
                url: format!("https://feeds.example/events/{i}"),
                stream: Some(stream(i)),
                ..ResponseSpec::default()
            })
            .collect(),
        ..PageScenario::default()
    }
}

fn ticks(every_ms: u32, until_ms: u32) -> Vec<StreamEvent> {
    (1..)
        .map(|k| k * every_ms)
        .take_while(|&at| at <= until_ms)
        .map(|at| StreamEvent {
            at_ms: f64::from(at),
            text: format!("id: {at}\ndata: tick {at}\n\n"),
        })
        .collect()
}

fn url_of<'l>(load: &'l PageLoad, path: &str) -> Vec<&'l load::Request> {
    (load.requests.iter())
        .filter(|r| r.url.ends_with(path))
        .collect()
}

/// An event's field called `name` (any case), as its value.
fn field_of(e: &wirewalk::model::trace::Event, name: &str) -> Option<String> {
    (e.field_list().iter())
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .map(|f| f.value.to_string())
}

fn ms(t: Instant) -> f64 {
    t.as_ms()
}

/// Seven streams, then an image, then a script that polls with `fetch()` every two seconds,
/// all on one HTTP/1.1 origin. The preload scanner finds the image as the document arrives,
/// before the inline script has run (a Chromium 156 sent it first, right after the document):
/// it takes one of the six sockets and the sixth stream waits for it. The seventh stream and
/// the first poll find six sockets held by open streams and wait until a stream closes.
#[test]
fn the_seventh_stream_and_what_follows_wait_in_the_pool_until_streams_close() {
    let mut sc = streams(7, |i| EventStream {
        events: ticks(1000, 9000),
        close_ms: match i {
            1 => vec![3000.0],
            2 => vec![5000.0],
            _ => vec![],
        },
        ..EventStream::default()
    });
    sc.html = sc.html.replace(
        "</body>",
        "<script>setInterval(() => fetch('/later.json'), 2000)</script>\n</body>",
    );
    let load = load::run(&sc).expect("loads");
    let one = |path: &str| url_of(&load, path)[0];
    let (image, later) = (one("/after.png"), one("/later.json"));
    let (first, second, sixth, seventh) = (
        one("/events/1"),
        one("/events/2"),
        one("/events/6"),
        one("/events/7"),
    );
    let sent = |r: &load::Request| {
        r.phases
            .iter()
            .find(|p| p.name == load::PhaseName::RequestSent)
            .map(|p| p.start)
    };
    assert!(!image.queued, "{image:?}");
    // The detail says why it went first.
    assert!(
        image
            .initiator
            .ends_with("(the preload scanner found it as the document arrived)"),
        "{}",
        image.initiator
    );
    assert!(sent(image) < sent(first), "the scanner's image goes first");
    assert!(matches!(image.outcome, Outcome::Ok { status: 200, .. }));
    assert!(sixth.queued && seventh.queued && later.queued);
    assert_eq!(
        sent(sixth),
        Some(image.end),
        "the sixth stream takes the image's socket"
    );
    assert_eq!(
        sent(seventh),
        Some(first.end),
        "the seventh takes the first stream's socket"
    );
    assert_eq!(
        sent(later),
        Some(second.end),
        "the first poll takes the second's"
    );
    assert!(ms(first.end) > 3000.0 && ms(second.end) > 5000.0);
    // Why it waits says so.
    let why = (seventh.phases.iter())
        .find(|p| p.name == load::PhaseName::Queueing)
        .map(|p| p.why.to_string())
        .unwrap_or_default();
    assert!(
        why.contains("held by open event streams (6 while it waited)"),
        "{why}"
    );
    // The pool saw it: one group, six connections, never more.
    let g = &load.groups[0];
    assert_eq!((g.opened, g.max_open), (6, 6), "{g:?}");

    // Through the CLI's JSON, as `wirewalk page FILE --json` prints it.
    let file = scratch("seven-streams.json");
    std::fs::write(&file, sc.to_json()).expect("scenario written");
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(["page", file.to_str().expect("path"), "--json"])
        .output()
        .expect("run wirewalk");
    expect_status(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let queued = |path: &str| {
        (v["requests"].as_array().expect("requests").iter())
            .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(path)))
            .map(|r| r["queued"].clone())
    };
    for (path, waits) in [
        ("/events/7", true),
        ("/later.json", true),
        ("/events/5", false),
        ("/after.png", false),
    ] {
        assert_eq!(queued(path), Some(serde_json::Value::Bool(waits)), "{path}");
    }
}

#[test]
fn over_http2_every_stream_is_one_stream_and_nothing_waits() {
    let mut sc = streams(7, |_| EventStream {
        events: ticks(1000, 5000),
        close_ms: vec![],
        ..EventStream::default()
    });
    sc.protocol = Protocol::H2;
    let load = load::run(&sc).expect("loads");
    assert!(load.requests.iter().all(|r| !r.queued));
    let conns: Vec<_> = load.requests.iter().filter_map(|r| r.connection).collect();
    assert!(
        conns.iter().all(|&c| c == conns[0]),
        "one connection: {conns:?}"
    );
    let image = url_of(&load, "/after.png")[0];
    assert!(
        ms(image.end) < 1500.0,
        "the image is not held up: {}",
        ms(image.end)
    );
    // Open at the end of the watch: pending, as DevTools shows it.
    let s = url_of(&load, "/events/3")[0];
    assert!(
        matches!(s.outcome, Outcome::Pending { .. }),
        "{:?}",
        s.outcome
    );
    assert_eq!(s.end, Instant::from_micros(10_000_000));
}

#[test]
fn an_ended_stream_reconnects_after_retry_with_last_event_id_and_gets_what_it_missed() {
    let sc = streams(1, |_| EventStream {
        events: {
            let mut e = ticks(1000, 8000);
            e[0].text = format!("retry: 1500\n{}", e[0].text);
            e
        },
        close_ms: vec![2500.0],
        ..EventStream::default()
    });
    let load = load::run(&sc).expect("loads");
    let reqs = url_of(&load, "/events/1");
    assert_eq!(reqs.len(), 2, "one reconnection");
    let (first, again) = (reqs[0], reqs[1]);
    assert!(
        again
            .extra_headers
            .iter()
            .any(|h| h == "Last-Event-ID: 2000"),
        "{:?}",
        again.extra_headers
    );
    assert!(!first
        .extra_headers
        .iter()
        .any(|h| h.starts_with("Last-Event-ID")));
    // retry: 1500 set the delay.
    assert_eq!(
        again.start,
        first.end + wirewalk::model::time::Duration::from_millis(1500)
    );
    let events = |id: u32| -> Vec<_> {
        (load.trace.events.iter())
            .filter(|e| e.request == id && e.step == steps::SSE_EVENT)
            .collect()
    };
    assert_eq!(
        events(first.id).len(),
        2,
        "1 s and 2 s before the end at 2.5 s"
    );
    let later = events(again.id);
    // 3 s and 4 s happened while it was away: written at once, then live until 8 s.
    assert_eq!(later.len(), 6, "{later:?}");
    assert!(later[0].summary().contains("missed while reconnecting"));
    assert!(later[0].summary().contains("tick 3000"));
    assert_eq!(later[0].at, later[1].at);
    assert!(!later[2].summary().contains("missed"));
    assert!(load
        .trace
        .events
        .iter()
        .any(|e| e.step == steps::SSE_END && e.summary().contains("1500 ms")));
}

#[test]
fn a_wrong_answer_fails_the_source_with_chromiums_words_and_no_reconnection() {
    let mut sc = streams(2, |_| EventStream::default());
    sc.responses[0].status = 404;
    sc.responses[1].headers = vec!["Content-Type: text/html".into()];
    sc.responses[1].stream = None;
    let load = load::run(&sc).expect("loads");
    assert_eq!(url_of(&load, "/events/1").len(), 1, "a 404 is not retried");
    assert_eq!(url_of(&load, "/events/2").len(), 1, "nor is a page of HTML");
    let failed: Vec<_> = (load.trace.events.iter())
        .filter(|e| e.step == steps::SSE_FAILED)
        .collect();
    assert_eq!(failed.len(), 2);
    // Blink logs only a 200 of the wrong type.
    assert_eq!(
        load.console,
        ["EventSource's response has a MIME type (\"text/html\") that is not \"text/event-stream\". Aborting the connection."]
    );
}

#[test]
fn its_request_is_the_browsers_own_never_cached_and_never_preflighted() {
    let mut sc = streams(1, |_| EventStream::default());
    sc.html = sc.html.replace(
        "'/events/1'",
        "'https://api.example/events/1', { withCredentials: true }",
    );
    sc.responses[0].url = "https://api.example/events/1".into();
    sc.responses[0].headers = vec![
        "Access-Control-Allow-Origin: https://feeds.example".into(),
        "Access-Control-Allow-Credentials: true".into(),
    ];
    let load = load::run(&sc).expect("loads");
    let r = url_of(&load, "/events/1")[0];
    assert!(
        r.preflight.is_none(),
        "Cache-Control and Accept are the browser's"
    );
    assert!(r.credentials, "withCredentials: cookies go");
    assert!(r
        .extra_headers
        .iter()
        .any(|h| h == "Origin: https://feeds.example"));
    let sent = (load.trace.events.iter())
        .find(|e| e.request == r.id && e.step == steps::HTTP_REQUEST)
        .expect("sent");
    let field = |n: &str| field_of(sent, n);
    assert_eq!(field("Accept").as_deref(), Some("text/event-stream"));
    assert_eq!(field("Cache-Control").as_deref(), Some("no-cache"));
    // In the order a real Chromium 156 sent them (`cargo xtask fidelity stream-errors`):
    // net's Pragma and Cache-Control after Connection, Blink's Accept after User-Agent.
    let names: Vec<&str> = (sent.field_list().iter())
        .map(|f| f.name.as_ref())
        .take_while(|n| *n != "size")
        .collect();
    assert_eq!(
        names[..8],
        [
            "Host",
            "Connection",
            "Pragma",
            "Cache-Control",
            "sec-ch-ua-platform",
            "User-Agent",
            "Accept",
            "sec-ch-ua",
        ]
    );
    let head = (load.trace.events.iter())
        .find(|e| e.request == r.id && e.step == steps::HTTP_RESPONSE)
        .expect("answered");
    let head_field = |n: &str| field_of(head, n);
    assert_eq!(head_field("Transfer-Encoding").as_deref(), Some("chunked"));
    assert_eq!(head_field("Content-Length"), None);
    assert!(load.trace.events.iter().any(|e| e.request == r.id
        && e.step == steps::CACHE_MISS
        && e.summary().contains("no-store")));
    assert!(
        matches!(r.outcome, Outcome::Pending { .. }),
        "CORS allowed it: {:?}",
        r.outcome
    );
}

#[test]
fn a_stream_the_same_origin_rules_block_dispatches_nothing_and_fails() {
    let mut sc = streams(1, |_| EventStream {
        events: ticks(1000, 3000),
        ..EventStream::default()
    });
    sc.html = sc
        .html
        .replace("'/events/1'", "'https://api.example/events/1'");
    sc.responses[0].url = "https://api.example/events/1".into();
    let load = load::run(&sc).expect("loads");
    assert!(
        load.trace.events.iter().all(|e| e.step != steps::SSE_EVENT),
        "nothing dispatched"
    );
    assert_eq!(url_of(&load, "/events/1").len(), 1, "no reconnection");
    assert!(load
        .trace
        .events
        .iter()
        .any(|e| e.step == steps::SSE_FAILED));
    assert!(
        load.console[0].starts_with("Access to resource at 'https://api.example/events/1' from origin 'https://feeds.example' has been blocked by CORS policy:"),
        "{:?}",
        load.console
    );
    // Allowed, the same stream dispatches its events: those after it is answered (the first,
    // at one second, happened while the new connection to api.example was being made).
    sc.responses[0].headers = vec!["Access-Control-Allow-Origin: *".into()];
    let load = load::run(&sc).expect("loads");
    assert_eq!(
        (load.trace.events.iter())
            .filter(|e| e.step == steps::SSE_EVENT)
            .count(),
        2
    );
}

#[test]
fn open_streams_do_not_hold_the_load_event_but_a_frame_behind_them_does() {
    // Where the image was, a slow script from elsewhere and then a frame: the parser creates
    // the frame (the preload scanner does not fetch frames) once that script has run, a
    // second and a half after the streams took their sockets.
    let framed = |n| {
        let mut sc = streams(n, |_| EventStream::default());
        sc.html = sc.html.replace(
            "<img src=\"/after.png\">",
            "<script src=\"https://cdn.example/slow.js\"></script>\n\
             <iframe src=\"/frame.html\"></iframe>",
        );
        sc.responses.push(ResponseSpec {
            url: "https://cdn.example/slow.js".into(),
            server_ms: Some(1500.0),
            ..ResponseSpec::default()
        });
        sc
    };
    let load = load::run(&framed(6)).expect("loads");
    assert_eq!(
        load.timing.load_event_start, 0.0,
        "the frame never got a socket"
    );
    let mut five = framed(5);
    five.watch_ms = 5000.0;
    let load = load::run(&five).expect("loads");
    let frame = url_of(&load, "/frame.html")[0];
    assert!(load.timing.load_event_start >= ms(frame.end));
    assert!(
        load.timing.load_event_start > 0.0 && load.timing.load_event_start < 5000.0,
        "the streams do not hold it: {}",
        load.timing.load_event_start
    );
}

#[test]
fn the_preset_opens_in_wireshark_with_every_event_as_a_chunk() {
    let pcap = scratch("event-streams.pcapng");
    let keys = scratch("event-streams.keys");
    let out = wirewalk_pcap(&["page", "--preset", "event-streams"], &pcap, Some(&keys));
    expect_status(&out, 0);
    let load = load::run(&pages::preset("event-streams").expect("preset")).expect("loads");
    let written = (load.trace.events.iter())
        .filter(|e| e.step == steps::SSE_EVENT)
        .count();
    let out = Command::new(tshark())
        .arg("-r")
        .arg(&pcap)
        .args(["-o", &format!("tls.keylog_file:{}", keys.display())])
        .args([
            "-Y",
            "http.response",
            "-T",
            "fields",
            "-e",
            "http.content_type",
            "-e",
            "http.file_data",
        ])
        .output()
        .expect("tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let streams: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("text/event-stream\t") && l.len() > "text/event-stream\t".len())
        .collect();
    // The two streams the server ended reassemble whole; each carries its events' text.
    assert_eq!(streams.len(), 2, "{text}");
    assert!(written > 40, "{written}");
    assert!(
        streams.iter().all(|l| l.contains("event: price")),
        "{streams:?}"
    );
}

fn any_stream() -> impl Strategy<Value = EventStream> {
    let event = (
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1e3..2e4f64],
        "(id: [0-9x\\x00]{0,3}|retry:[ 0-9a]{0,6}|data:[ a-z]{0,5}|event: [a-z]{0,4}|:|\\u{feff}|[\\r\\n]){0,8}",
    )
        .prop_map(|(at_ms, text)| StreamEvent { at_ms, text });
    (
        prop::collection::vec(event, 0..12),
        prop::collection::vec(prop_oneof![Just(f64::NAN), -1e3..2e4f64], 0..4),
        prop::option::of(prop_oneof![Just(204u16), 100u16..600]),
    )
        .prop_map(|(events, close_ms, stop_status)| EventStream {
            events,
            close_ms,
            stop_status,
            ..EventStream::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any streams, ends, stop statuses and watch: the page loads, the same twice, every
    /// request ends after it starts, and nothing is left unaccounted for.
    #[test]
    fn any_streams_load_the_same_every_time(
        specs in prop::collection::vec(any_stream(), 1..8),
        watch_ms in prop_oneof![Just(f64::NAN), Just(-1.0), Just(1e12), 0.0..3e4f64],
        protocol in prop::sample::select(Protocol::ALL.to_vec()),
    ) {
        let n = specs.len() as u32;
        let mut sc = streams(n, |i| specs[i as usize - 1].clone());
        sc.watch_ms = watch_ms;
        sc.protocol = protocol;
        let load = load::run(&sc).expect("loads");
        let again = load::run(&sc).expect("loads");
        prop_assert_eq!(load.trace.events.len(), again.trace.events.len());
        prop_assert_eq!(&load.requests, &again.requests);
        for r in &load.requests {
            prop_assert!(r.end >= r.start, "{:?}", r);
            prop_assert!(!matches!(&r.outcome, Outcome::Failed { error } if error == "never finished"), "{:?}", r);
        }
    }
}

/// Over HTTP/2 the stream's response HEADERS leave it open (no END_STREAM), each event is a
/// DATA frame, and the server's end is an empty DATA frame with END_STREAM: as Wireshark reads
/// the capture.
#[test]
fn over_http2_the_capture_keeps_the_stream_open_until_its_end() {
    let mut sc = streams(1, |_| EventStream {
        events: ticks(1000, 3000),
        close_ms: vec![3500.0],
        stop_status: Some(204),
        ..EventStream::default()
    });
    sc.protocol = Protocol::H2;
    let load = load::run(&sc).expect("loads");
    let first = url_of(&load, "/events/1")[0];
    let stream = (load.trace.events.iter())
        .find(|e| e.request == first.id && e.step == steps::HTTP_REQUEST)
        .and_then(|e| e.stream)
        .expect("a stream");
    let file = scratch("sse-h2.json");
    std::fs::write(&file, sc.to_json()).expect("scenario written");
    let pcap = scratch("sse-h2.pcapng");
    let out = wirewalk_pcap(&["page", file.to_str().expect("path")], &pcap, None);
    expect_status(&out, 0);
    let out = Command::new(tshark())
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", &format!("http2.streamid == {stream}"), "-T", "fields"])
        .args(["-E", "occurrence=a", "-E", "aggregator=;"])
        .args(["-e", "http2.type", "-e", "http2.flags.end_stream"])
        .output()
        .expect("tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<(&str, &str)> = (text.lines()).filter_map(|l| l.split_once('\t')).collect();
    let events = (first.messages.iter())
        .filter(|m| m.kind == load::MessageKind::Event)
        .count();
    assert!(events >= 2, "{events}");
    // The GET (its HEADERS end the browser's side), the 200 left open, the events, the end.
    let mut expected = vec![("1", "1"), ("1", "0")];
    expected.extend(std::iter::repeat_n(("0", "0"), events));
    expected.push(("0", "1"));
    assert_eq!(rows, expected, "{text}");
}
