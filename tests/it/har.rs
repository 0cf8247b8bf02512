//! HAR export: every page preset written as HAR 1.2 has the structure the format requires
//! (<http://www.softwareishard.com/blog/har-12-spec/>), and its numbers agree with the load.

use serde_json::Value;
use wirewalk::model::load::PhaseName;
use wirewalk::model::{har, load, pages, scenario::VISIT_UNIX_TIME};

fn obj<'v>(v: &'v Value, path: &str) -> &'v serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{path} is an object: {v}"))
}

fn string(v: &Value, key: &str, path: &str) {
    assert!(v[key].is_string(), "{path}.{key} is a string: {v}");
}

fn number(v: &Value, key: &str, path: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{path}.{key} is a number: {v}"))
}

fn name_values(v: &Value, path: &str) {
    for (i, h) in v
        .as_array()
        .unwrap_or_else(|| panic!("{path} is an array"))
        .iter()
        .enumerate()
    {
        string(h, "name", &format!("{path}[{i}]"));
        string(h, "value", &format!("{path}[{i}]"));
    }
}

fn iso_8601(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 27
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            26 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn every_page_preset_exports_as_valid_har() {
    for name in pages::NAMES {
        let sc = pages::preset(name).expect("a preset");
        let l = load::run(&sc).expect("it loads");
        let text = har::export(&sc, &l, VISIT_UNIX_TIME);
        let log: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: the export is JSON: {e}\n{text}"));
        // The same load writes the same file.
        assert_eq!(
            text,
            har::export(&sc, &load::run(&sc).unwrap(), VISIT_UNIX_TIME)
        );
        let log = &log["log"];
        obj(log, "log");
        assert_eq!(log["version"], "1.2");
        string(&log["creator"], "name", "creator");
        string(&log["creator"], "version", "creator");
        let pages = log["pages"].as_array().expect("pages");
        assert_eq!(pages.len(), 1);
        for key in ["startedDateTime", "id", "title"] {
            string(&pages[0], key, "pages[0]");
        }
        obj(&pages[0]["pageTimings"], "pageTimings");
        let entries = log["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), l.requests.len(), "{name}");
        for (e, r) in entries.iter().zip(&l.requests) {
            let path = format!("{name} entry #{}", r.id);
            assert_eq!(e["pageref"], pages[0]["id"]);
            assert!(
                iso_8601(e["startedDateTime"].as_str().unwrap_or("")),
                "{path}: {}",
                e["startedDateTime"]
            );
            let time = number(e, "time", &path);
            let req = &e["request"];
            for key in ["method", "url", "httpVersion"] {
                string(req, key, &path);
            }
            name_values(&req["headers"], &format!("{path} request.headers"));
            name_values(&req["queryString"], &format!("{path} request.queryString"));
            assert!(req["cookies"].is_array());
            number(req, "headersSize", &path);
            number(req, "bodySize", &path);
            let resp = &e["response"];
            number(resp, "status", &path);
            for key in ["statusText", "httpVersion", "redirectURL"] {
                string(resp, key, &path);
            }
            name_values(&resp["headers"], &format!("{path} response.headers"));
            assert!(resp["cookies"].is_array());
            number(&resp["content"], "size", &path);
            string(&resp["content"], "mimeType", &path);
            number(resp, "headersSize", &path);
            number(resp, "bodySize", &path);
            obj(&e["cache"], "cache");
            let t = &e["timings"];
            let mut sum = 0.0;
            for key in ["blocked", "dns", "connect", "send", "wait", "receive"] {
                let v = number(t, key, &path);
                assert!(v >= 0.0 || v == -1.0, "{path}: timings.{key} = {v}");
                if v > 0.0 {
                    sum += v;
                }
            }
            let ssl = number(t, "ssl", &path);
            assert!(
                ssl == -1.0 || ssl <= number(t, "connect", &path),
                "{path}: connect includes ssl"
            );
            assert!(
                (sum - time).abs() < 0.002,
                "{path}: the timings add up to time ({sum} against {time})"
            );
            assert_eq!(r.status as f64, number(resp, "status", &path));
            // headersSize is what the model sent: its transmission is the Request sent phase.
            let sent = r.phase(PhaseName::RequestSent);
            if r.from_cache == load::FromCache::No && sent.micros() > 0 {
                let size = number(req, "headersSize", &path) as u64;
                assert_eq!(
                    sent,
                    wirewalk::model::time::Duration::transmission(size, l.bandwidth_bps),
                    "{path}: headersSize {size}"
                );
            }
            match r.connection {
                Some(c) if r.from_cache == load::FromCache::No => {
                    assert_eq!(e["connection"], c.to_string())
                }
                _ => {}
            }
            if r.reused {
                for key in ["dns", "connect", "ssl"] {
                    assert_eq!(t[key], -1.0, "{path}: a reused connection has no {key}");
                }
            }
        }
    }
}

#[test]
fn many_images_show_six_connections_in_the_har() {
    let sc = pages::preset("many-images").unwrap();
    let log: Value =
        serde_json::from_str(&har::export(&sc, &load::run(&sc).unwrap(), VISIT_UNIX_TIME))
            .expect("JSON");
    let mut ids: Vec<&str> = log["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["connection"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "{ids:?}");
    let first = &log["log"]["entries"][0];
    assert_eq!(first["startedDateTime"], "2026-11-21T22:26:40.000000Z");
    assert!(first["timings"]["dns"].as_f64() > Some(0.0));
}

use wirewalk::model::har_replay;

/// The page presets, and `many-images` with one image twice (a memory-cache hit).
fn scenarios() -> Vec<(String, load::PageScenario)> {
    let mut all: Vec<(String, load::PageScenario)> = pages::NAMES
        .iter()
        .map(|n| (n.to_string(), pages::preset(n).unwrap()))
        .collect();
    let mut repeat = pages::preset("many-images").unwrap();
    repeat
        .html
        .push_str("<img src=\"/photos/01.jpg\" alt=\"again\">\n");
    all.push(("many-images with a repeat".into(), repeat));
    all
}

/// Every page preset, written as HAR and read back, draws the same waterfall: the same requests,
/// each cut into the same phases at the same microseconds, on connections shared the same way.
#[test]
fn a_har_wirewalk_writes_reads_back_as_the_same_waterfall() {
    let mut cached = 0;
    for (name, sc) in scenarios() {
        let original = load::run(&sc).unwrap();
        let text = har::export(&sc, &original, VISIT_UNIX_TIME);
        let entries = har_replay::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = har_replay::replay(&entries, &name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.requests.len(), original.requests.len(), "{name}");
        assert_eq!(back.url, original.url);
        let key = |r: &load::Request| (r.start, r.url.clone(), r.method.clone());
        let mut pairs = Vec::new();
        for (i, r) in original.requests.iter().enumerate() {
            // The same image twice starts at the same time: the nth of a key is the nth back.
            let nth = original.requests[..i]
                .iter()
                .filter(|o| key(o) == key(r))
                .count();
            let b = back
                .requests
                .iter()
                .filter(|b| key(b) == key(r))
                .nth(nth)
                .unwrap_or_else(|| panic!("{name}: #{} {} is missing", r.id, r.url));
            pairs.push((r, b));
            // The bars as drawn: two phases of one name in a row are one bar (the model can
            // stall a request twice for two reasons; a HAR has one `blocked`).
            let cut = |r: &load::Request| -> Vec<(PhaseName, u64, u64)> {
                let mut bars: Vec<(PhaseName, u64, u64)> = Vec::new();
                for p in &r.phases {
                    match bars.last_mut() {
                        Some(last) if last.0 == p.name && last.2 == p.start.micros() => {
                            last.2 = p.end.micros()
                        }
                        _ => bars.push((p.name, p.start.micros(), p.end.micros())),
                    }
                }
                bars
            };
            assert_eq!(cut(b), cut(r), "{name}: #{} {}", r.id, r.url);
            assert_eq!(b.end, r.end, "{name}: #{}", r.id);
            assert_eq!(b.status, r.status, "{name}: #{}", r.id);
            assert_eq!(b.priority, r.priority, "{name}: #{}", r.id);
            // Whether it waited in the pool's queue, and from when (`_socketQueue`): a hold in
            // the renderer before it is Queueing too, but not the pool's.
            assert_eq!(b.queued, r.queued, "{name}: #{}", r.id);
            assert_eq!(b.pool_wait(), r.pool_wait(), "{name}: #{}", r.id);
            // A frame's document is a document in a HAR, as Chromium writes it.
            let dest = if r.destination == "iframe" {
                "document"
            } else {
                r.destination
            };
            assert_eq!(b.destination, dest, "{name}: #{}", r.id);
            assert_eq!(b.from_cache, r.from_cache, "{name}: #{}", r.id);
            cached += usize::from(r.from_cache != load::FromCache::No);
            // A request that failed or was blocked does not come back as one that worked. One
            // still pending when the model stopped watching (an open event stream, a request
            // waiting behind streams) has no such state in a HAR: it comes back as what it had,
            // an answer (the stream's 200) or none.
            let worked = |o: &load::Outcome, status: u16| match o {
                load::Outcome::Pending { .. } => status != 0,
                o => matches!(o, load::Outcome::Ok { .. }),
            };
            assert_eq!(
                worked(&b.outcome, b.status),
                worked(&r.outcome, r.status),
                "{name}: #{} {:?}",
                r.id,
                r.outcome
            );
        }
        // Two requests share a connection in the replay exactly when they did in the load.
        for (r1, b1) in &pairs {
            for (r2, b2) in &pairs {
                let same = |a: Option<u32>, b: Option<u32>| a.is_some() && a == b;
                assert_eq!(
                    same(r1.connection, r2.connection),
                    same(b1.connection, b2.connection),
                    "{name}: #{} and #{}",
                    r1.id,
                    r2.id
                );
            }
        }
        // The connections that carried a request, by pool group. (A connection Chromium opened
        // and never used, when a request took a socket that freed up first, is in no HAR.)
        let opened = |l: &load::PageLoad| -> Vec<(String, usize)> {
            let mut v: Vec<_> = l
                .groups
                .iter()
                .map(|g| {
                    let used = l
                        .connections
                        .iter()
                        .filter(|c| c.group == g.group && !c.uses.is_empty())
                        .count();
                    (g.group.clone(), used)
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(opened(&back), opened(&original), "{name}");
    }
    assert!(cached > 0, "a memory-cache hit was read back");
}

/// A recording as Chrome writes one, written for the tests (the browser tests open it in the
/// app too): two origins, a reused connection, a disk-cache hit, a redirect, a failed request
/// and a `data:` URL.
const CHROME_LIKE: &str = include_str!("../common/chrome_like.har");

#[test]
fn a_chrome_recording_replays_with_its_connections() {
    let entries = har_replay::parse(CHROME_LIKE).expect("a valid HAR");
    let l = har_replay::replay(&entries, "news").expect("replays");
    assert_eq!(l.requests.len(), 5, "the data: URL is skipped");
    assert!(
        l.problems.iter().any(|p| p.contains("data:image/png")),
        "{:?}",
        l.problems
    );
    assert_eq!(
        l.url, "https://news.example/",
        "the page is the document that arrived, after the redirect"
    );
    let r = |i: usize| &l.requests[i];
    // The redirect: its own connection, DNS and TCP, Queueing 1 ms then Stalled 1 ms.
    assert_eq!(r(0).status, 301);
    let names: Vec<PhaseName> = r(0).phases.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            PhaseName::Queueing,
            PhaseName::Stalled,
            PhaseName::DnsLookup,
            PhaseName::InitialConnection,
            PhaseName::RequestSent,
            PhaseName::Waiting,
            PhaseName::ContentDownload
        ]
    );
    assert!(r(0).phases.iter().any(|p| p.why.contains("192.0.2.10")));
    // The h2 connection: opened by the document (TLS 60 ms of its 120 ms connect), reused by
    // the image.
    assert_eq!(r(1).protocol, load::Protocol::H2);
    assert!(!r(1).reused && r(2).reused);
    assert_eq!(r(1).connection, r(2).connection);
    assert_eq!(r(1).phase(PhaseName::Ssl).micros(), 60_000);
    assert_eq!(r(1).phase(PhaseName::InitialConnection).micros(), 60_000);
    assert_eq!(r(1).bytes, 2100);
    assert_eq!(load::priority_label(r(2).priority), "Low");
    // The disk-cache hit has no connection; the failed script is in the console.
    assert_eq!(r(3).connection, None);
    assert!(
        matches!(&r(4).outcome, load::Outcome::Failed { error } if error == "net::ERR_NAME_NOT_RESOLVED")
    );
    assert!(l.console.iter().any(|c| c.contains("ads.example")));
    // Cross-origin: the script is not same-origin with the page.
    assert!(r(1).same_origin && !r(4).same_origin);
    // Three connections on three groups; the median handshake as the round trip.
    assert_eq!(l.connections.len(), 3);
    assert_eq!(l.rtt.micros(), 60_000);
    let mut opened: Vec<(String, usize)> = l
        .groups
        .iter()
        .map(|g| (g.origin.clone(), g.opened))
        .collect();
    opened.sort();
    assert_eq!(
        opened,
        [
            ("http://news.example".to_string(), 1),
            ("https://ads.example".to_string(), 1),
            ("https://news.example".to_string(), 1)
        ]
    );
}

/// Broken and hostile files: each is refused with a message that says what is wrong.
#[test]
fn bad_har_files_are_refused_with_reasons() {
    let cases: Vec<(String, &str)> = vec![
        (
            CHROME_LIKE[..CHROME_LIKE.len() / 2].to_string(),
            "cut short",
        ),
        ("<html>not json</html>".to_string(), "malformed"),
        ("{\"log\": {}}".to_string(), "no log.entries"),
        ("[1, 2, 3]".to_string(), "no log.entries"),
        (
            CHROME_LIKE.replacen(
                "2026-03-01T10:00:00.000Z\", \"time\"",
                "yesterday\", \"time\"",
                1,
            ),
            "entry 1: startedDateTime",
        ),
        (
            CHROME_LIKE.replacen("\"time\": 300.5", "\"time\": -5", 1),
            "entry 1: time",
        ),
        (
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
            "malformed",
        ),
        (" ".repeat(50 << 20), "over the limit"),
        (
            format!(
                "{{\"log\": {{\"entries\": [{}]}}}}",
                vec!["{}"; load::MAX_REQUESTS + 1].join(",")
            ),
            "entries, over the limit",
        ),
    ];
    for (text, want) in cases {
        match har_replay::parse(&text) {
            Ok(_) => panic!("accepted: {}", &text[..text.len().min(80)]),
            Err(e) => assert!(e.contains(want), "{e:?} should say {want:?}"),
        }
    }
    // Numbers out of range are read as "not recorded", not trusted.
    let odd = CHROME_LIKE.replacen("\"wait\": 190", "\"wait\": 1e308", 1);
    let e = har_replay::parse(&odd).expect("still a HAR");
    assert_eq!(e[0].timings[5], -1.0);
    assert!(har_replay::replay(&[], "empty").is_err());
    // Sizes too large to add up are kept, not overflowed.
    let huge = CHROME_LIKE.replacen("\"headersSize\": 200", "\"headersSize\": 1e300", 1);
    let e = har_replay::parse(&huge).expect("still a HAR");
    assert_eq!(e[0].transfer_size, Some(u64::MAX));
    assert!(har_replay::replay(&e, "huge").is_ok());
    // One page load: entries hours apart are refused.
    let spread = CHROME_LIKE.replacen("2026-03-01T10:00:00.750Z", "2026-03-01T12:00:00.750Z", 1);
    let e = har_replay::parse(&spread).expect("still a HAR");
    let refused = har_replay::replay(&e, "spread").expect_err("two hours apart");
    assert!(refused.contains("over the limit of one hour"), "{refused}");
}

/// Twenty thousand connections, each its own id on one origin, all replayed, and the queueing
/// note counts the connections open at each request's start. (How long it takes is for a
/// benchmark; debug builds took 7.4 s before connections were looked up by id, 0.6 s after.)
#[test]
fn many_connections_replay_and_count_what_was_open() {
    let entries: Vec<har_replay::Entry> = (0..load::MAX_REQUESTS as i64)
        .map(|i| har_replay::Entry {
            started_us: 1_700_000_000_000_000 + i * 100,
            time: 10.0,
            method: "GET".into(),
            url: format!("https://one.example/{i}"),
            status: 200,
            connection: Some(i.to_string()),
            timings: [1.0, 1.0, 2.0, -1.0, 0.1, 5.0, 0.9, 0.5],
            ..har_replay::Entry::default()
        })
        .collect();
    let l = har_replay::replay(&entries, "many").expect("replays");
    assert_eq!(l.connections.len(), load::MAX_REQUESTS);
    // Request 3 starts at 200 µs; the connections before it began 1 ms after their requests.
    let why = &l.requests[2].phases[0].why;
    assert!(why.contains("had 0 connections open"), "{why}");
    let last = &l.requests[load::MAX_REQUESTS - 1].phases[0].why;
    assert!(
        last.contains(&format!("had {} connections open", load::MAX_REQUESTS - 10)),
        "{last}"
    );
}

/// Real recordings of one Chromium 156 load (`chromium-recordings/h1-mixed`): DevTools' HAR
/// (chrome-har) has connection ids; Playwright's has none, no wait for a socket, and an `ssl`
/// time on plain http. The replay of Playwright's says what it cannot know instead of showing
/// every image in flight at once with no queueing, and shows no TLS on http.
#[test]
fn a_headless_library_recording_says_what_it_leaves_out() {
    let dir = crate::conformance_dir().join("chromium-recordings/h1-mixed");
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
    };
    let pw = har_replay::replay(
        &har_replay::parse(&read("playwright.har")).expect("parses"),
        "pw",
    )
    .expect("replays");
    assert_eq!(pw.requests.len(), 18);
    let notes = pw.problems.join("\n");
    assert!(notes.contains("no connection ids"), "{notes}");
    assert!(notes.contains("Queueing is unknown"), "{notes}");
    assert!(notes.contains("ssl time"), "{notes}");
    for r in &pw.requests {
        assert!(r.url.starts_with("http://"));
        assert_eq!(
            r.phase(PhaseName::Ssl).micros(),
            0,
            "{}: TLS on http",
            r.url
        );
        let first = r.phases.first().expect("phases");
        assert!(
            first.why.contains("not in the file"),
            "{}: {}",
            r.url,
            first.why
        );
    }
    // DevTools' recording of the same load has its connections: six to shop.test, as the
    // server saw (server.json: tcpConnectionsAccepted 6).
    let dt = har_replay::replay(
        &har_replay::parse(&read("devtools.har")).expect("parses"),
        "dt",
    )
    .expect("replays");
    let shop = dt
        .connections
        .iter()
        .filter(|c| c.origin.starts_with("http://shop.test"))
        .count();
    let server: serde_json::Value = serde_json::from_str(&read("server.json")).expect("json");
    let accepted = server["origins"]
        .as_array()
        .and_then(|o| {
            o.iter().find(|o| {
                o["origin"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("http://shop.test"))
            })
        })
        .and_then(|o| o["tcpConnectionsAccepted"].as_u64())
        .expect("server.json's shop.test");
    assert_eq!(shop as u64, accepted);
    assert!(!dt.problems.iter().any(|p| p.contains("no connection ids")));
    // Playwright's file names no connection: they are inferred from the timings, each marked,
    // and the inference finds as many to shop.test as the server accepted.
    assert!(notes.contains("inferred from the timings"), "{notes}");
    assert!(!pw.connections.is_empty() && pw.connections.iter().all(|c| c.inferred));
    let inferred = pw
        .connections
        .iter()
        .filter(|c| c.origin.starts_with("http://shop.test"))
        .count();
    assert_eq!(inferred as u64, accepted);
    assert!(dt.connections.iter().all(|c| !c.inferred));
}

/// A HAR file's page timings are the waterfall's DOMContentLoaded and load lines, placed after
/// the replay's zero as the file says (DevTools' h1-mixed recording: its page started 1 ms
/// before its first request, onContentLoad 170.408 ms and onLoad 519.2 ms after that), and said
/// to be the file's; a file without them says so.
#[test]
fn a_recordings_page_timings_are_its_dcl_and_load_lines() {
    let dir = crate::conformance_dir().join("chromium-recordings/h1-mixed");
    let text = std::fs::read_to_string(dir.join("devtools.har")).expect("devtools.har");
    let rec = wirewalk::model::netlog::open(&text).expect("reads");
    let l = har_replay::replay_recording(&rec, "dt").expect("replays");
    assert!((l.timing.dom_content_loaded_event_start - 169.408).abs() < 1e-6);
    assert!((l.timing.load_event_start - 518.2).abs() < 1e-6);
    let marks = wirewalk::timeline::page::marks(&l);
    assert_eq!(marks.len(), 2);
    assert!(
        marks[0].label.starts_with("DOMContentLoaded 169.4"),
        "{}",
        marks[0].label
    );
    assert!(l.problems.iter().any(|p| p.contains("pageTimings")));
    let without = text.replace("\"pageTimings\"", "\"pageTimingsGone\"");
    let l = har_replay::replay_recording(&wirewalk::model::netlog::open(&without).unwrap(), "x")
        .unwrap();
    assert_eq!(l.timing.load_event_start, 0.0);
    assert!(l.problems.iter().any(|p| p.contains("no pageTimings")));
}

/// A WebSocket's entry carries DevTools' `_webSocketMessages` — its text and binary messages,
/// no ping, pong or close — and reading the file back puts each at the time the model had it,
/// with the bytes of the frame that carried it.
#[test]
fn a_websockets_messages_go_into_the_har_and_come_back_as_ticks() {
    let sc = pages::preset("realtime").unwrap();
    let original = load::run(&sc).unwrap();
    let text = har::export(&sc, &original, VISIT_UNIX_TIME);
    let v: Value = serde_json::from_str(&text).unwrap();
    let entry = (v["log"]["entries"].as_array().unwrap().iter())
        .find(|e| e["_resourceType"] == "websocket")
        .expect("the WebSocket's entry");
    let written = entry["_webSocketMessages"].as_array().expect("messages");
    let ws = (original.requests.iter())
        .find(|r| r.destination == "websocket")
        .unwrap();
    let data: Vec<&load::Message> = (ws.messages.iter())
        .filter(|m| matches!(m.kind, load::MessageKind::Text | load::MessageKind::Binary))
        .collect();
    assert!(
        data.len() < ws.messages.len(),
        "the ping, pong and closes are left out"
    );
    assert_eq!(written.len(), data.len());
    for (w, m) in written.iter().zip(&data) {
        assert_eq!(w["type"], if m.from_page { "send" } else { "receive" });
        assert_eq!(w["opcode"], 1);
        let at = if m.from_page { m.sent } else { m.at };
        let secs = w["time"].as_f64().unwrap();
        let expected = VISIT_UNIX_TIME as f64 + at.micros() as f64 / 1e6;
        assert!((secs - expected).abs() < 1e-6, "{secs} {expected}");
    }
    assert_eq!(written[0]["data"], r#"{"subscribe":"ACME"}"#);

    let back = har_replay::replay(&har_replay::parse(&text).unwrap(), "realtime").unwrap();
    let read = (back.requests.iter())
        .find(|r| r.destination == "websocket")
        .unwrap();
    assert_eq!(read.messages.len(), data.len());
    for (b, m) in read.messages.iter().zip(&data) {
        let at = if m.from_page { m.sent } else { m.at };
        assert_eq!((b.at, b.from_page, b.bytes), (at, m.from_page, m.bytes));
    }
    assert!(back
        .problems
        .iter()
        .any(|p| p.contains("no ping, pong or close")));
}

/// A file shaped as DevTools writes one (front_end/models/har/Log.ts): an `error` entry, a
/// binary message in base64, and what DevTools' importer would skip — a ping, a time that is
/// not a number, a type it does not know — are read without a panic: the two data messages.
#[test]
fn devtools_websocket_messages_are_read_and_odd_ones_skipped() {
    let har = r#"{"log": {"version": "1.2", "entries": [
      {"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 40,
       "request": {"method": "GET", "url": "https://chat.example/", "httpVersion": "http/2.0", "headers": []},
       "response": {"status": 200, "httpVersion": "http/2.0", "headers": [], "content": {"size": 100, "mimeType": "text/html"}},
       "timings": {"blocked": 1, "dns": 10, "connect": 20, "ssl": 10, "send": 0, "wait": 8, "receive": 1},
       "connection": "11", "_resourceType": "document", "_priority": "VeryHigh"},
      {"startedDateTime": "2026-12-01T10:00:00.100Z", "time": 3000,
       "request": {"method": "GET", "url": "wss://chat.example/live", "httpVersion": "HTTP/1.1", "headers": []},
       "response": {"status": 101, "httpVersion": "HTTP/1.1", "headers": [], "content": {"size": 0, "mimeType": "x-unknown"}},
       "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 3000, "receive": 0},
       "_resourceType": "websocket",
       "_webSocketMessages": [
         {"type": "send", "time": 1796119200.25, "opcode": 1, "data": "hello"},
         {"type": "receive", "time": 1796119201.5, "opcode": 2, "data": "AAECAw=="},
         {"type": "error", "time": 1796119201.6, "opcode": -1, "data": "Invalid frame header"},
         {"type": "receive", "time": 1796119201.7, "opcode": 9, "data": ""},
         {"type": "receive", "time": "soon", "opcode": 1, "data": "x"},
         {"type": "sideways", "time": 1796119201.8, "opcode": 1, "data": "x"}
       ]}
    ]}}"#;
    let back = har_replay::replay(&har_replay::parse(har).unwrap(), "devtools").unwrap();
    let ws = &back.requests[1];
    assert_eq!(ws.destination, "websocket");
    let got: Vec<(u64, bool, load::MessageKind, u64)> = (ws.messages.iter())
        .map(|m| (m.at.micros(), m.from_page, m.kind, m.bytes))
        .collect();
    assert_eq!(
        got,
        [
            // 250 ms after the page started; 2 + 4 (mask) + 5 bytes.
            (250_000, true, load::MessageKind::Text, 11),
            // Four bytes of binary, from the server: 2 + 4.
            (1_500_000, false, load::MessageKind::Binary, 6),
        ]
    );
}
