//! The page-load engine's message-level events: every connection runs its own TCP and TLS
//! machines, every request's exchange is in the trace, each event names its request and its
//! connection (and its HTTP/2 stream), and the engine emits them in time order.

use std::collections::BTreeSet;
use std::path::PathBuf;
use wirewalk::model::load::{self, PageLoad, Protocol};
use wirewalk::model::pages;
use wirewalk::model::step::steps;
use wirewalk::model::trace::{lines_with_ids, Event};

fn run(name: &str) -> PageLoad {
    load::run(&pages::preset(name).expect("preset")).expect("loads")
}

fn of_connection(l: &PageLoad, c: u32) -> Vec<&Event> {
    l.trace
        .events
        .iter()
        .filter(|e| e.connection == Some(c))
        .collect()
}

/// Each page preset's events must equal `tests/snapshots/pages/<name>.events.txt`. To accept a
/// deliberate change, run with `WIREWALK_UPDATE_SNAPSHOTS=1` and review the diff.
#[test]
fn preset_events_match_their_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/pages");
    let mut failures = Vec::new();
    for name in pages::NAMES {
        let l = run(name);
        let all: Vec<&Event> = l.trace.events.iter().collect();
        let path = dir.join(format!("{name}.events.txt"));
        failures.extend(crate::snapshot::check(name, &path, &lines_with_ids(&all)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The engine never sorts its trace: it must produce the events in time order itself (the
/// page load's trace is not passed through `Trace::finish`).
#[test]
fn the_engine_emits_events_in_time_order() {
    for name in pages::NAMES {
        let l = run(name);
        assert!(!l.trace.events.is_empty(), "{name}");
        for w in l.trace.events.windows(2) {
            assert!(
                w[0].at <= w[1].at,
                "{name}: {} at {} comes before {} at {}",
                w[0].step,
                w[0].at,
                w[1].step,
                w[1].at
            );
        }
    }
    let big = load::run(&pages::synthetic(400, 7)).expect("loads");
    assert!(big.trace.events.windows(2).all(|w| w[0].at <= w[1].at));
}

/// many-images opens six connections to its origin: each runs a handshake of its own, with
/// its own sequence numbers and ClientHello random, ending in its own client Finished; a
/// request that reused a connection has no handshake of its own.
#[test]
fn every_connection_has_its_own_handshake() {
    let l = run("many-images");
    assert_eq!(l.connections.len(), 6);
    let mut isns = BTreeSet::new();
    let mut randoms = BTreeSet::new();
    let mut resumed = vec![];
    for c in &l.connections {
        let ev = of_connection(&l, c.id);
        let ids: Vec<&str> = ev.iter().map(|e| e.step.as_str()).collect();
        for step in [
            "tcp.syn",
            "tcp.syn_ack",
            "tcp.ack",
            "tls.client_hello",
            "tls.server_hello",
            "tls.finished",
        ] {
            assert_eq!(
                ids.iter().filter(|s| **s == step).count(),
                1,
                "connection {}: {step} in {ids:?}",
                c.id
            );
        }
        let syn = ev.iter().find(|e| e.step == steps::TCP_SYN).expect("SYN");
        isns.insert(syn.get("seq").expect("seq").to_string());
        let hello = ev
            .iter()
            .find(|e| e.step == steps::TLS_CLIENT_HELLO)
            .unwrap();
        randoms.insert(hello.get("random").expect("random").to_string());
        // The first connection opened after the document's finished its handshake offers that
        // server's single-use TLS 1.3 ticket and resumes: no certificate to check. Every other
        // checks the certificate once.
        let checks = ids
            .iter()
            .filter(|s| **s == "tls.certificate_check")
            .count();
        if hello.summary().contains("with a session ticket") {
            resumed.push(c.id);
            assert_eq!(checks, 0, "connection {} resumed: {ids:?}", c.id);
            assert!(!ids.contains(&"tls.certificate"), "connection {}", c.id);
        } else {
            assert_eq!(checks, 1, "connection {}: {ids:?}", c.id);
        }
        // The handshake runs from the end of the connection's DNS to the moment it is ready.
        assert_eq!(syn.at, c.dns_end, "connection {}", c.id);
        let fin = ev.iter().find(|e| e.step == steps::TLS_FINISHED).unwrap();
        assert_eq!(fin.at, c.ready, "connection {}", c.id);
        let ack = ev.iter().find(|e| e.step == steps::TCP_ACK).unwrap();
        assert_eq!(ack.at, c.tcp_end, "connection {}", c.id);
    }
    assert_eq!(
        isns.len(),
        6,
        "six connections, six initial sequence numbers"
    );
    assert_eq!(randoms.len(), 6, "six ClientHello randoms");
    // Connection 2 is the browser's second at the navigation's start, opened beside the
    // document's before any ticket existed; the ticket goes to the next one opened, 3.
    assert_eq!(
        resumed,
        [3],
        "one ticket, used once, by the connection opened next"
    );
    for r in l.requests.iter().filter(|r| r.reused) {
        let mine: Vec<&str> = l
            .trace
            .events
            .iter()
            .filter(|e| e.request == r.id)
            .map(|e| e.step.as_str())
            .collect();
        assert!(mine.contains(&"pool.reuse"), "request {}: {mine:?}", r.id);
        assert!(
            !mine.contains(&"tcp.syn") && !mine.contains(&"tls.client_hello"),
            "request {} reused a connection: {mine:?}",
            r.id
        );
        assert!(mine.contains(&"http.request"), "request {}", r.id);
    }
}

/// Every request that went to the network has one request line and one response head in the
/// trace, on the connection the waterfall says carried it; queued requests show the queue.
#[test]
fn every_request_has_its_exchange() {
    for name in pages::NAMES {
        let l = run(name);
        for r in l.requests.iter().filter(|r| r.connection.is_some()) {
            let mine: Vec<&Event> = l
                .trace
                .events
                .iter()
                .filter(|e| e.request == r.id)
                .collect();
            let req: Vec<&&Event> = mine
                .iter()
                .filter(|e| e.step == steps::HTTP_REQUEST)
                .collect();
            assert_eq!(req.len(), 1, "{name} request {}", r.id);
            assert_eq!(req[0].connection, r.connection, "{name} request {}", r.id);
            // A WebSocket over HTTP/2 is a GET to the page (and to DevTools) but an extended
            // CONNECT on the wire (RFC 8441 §4).
            let h2_socket = r
                .websocket
                .as_ref()
                .is_some_and(|h| h.http2_stream.is_some());
            let method = if h2_socket { "CONNECT" } else { &*r.method };
            assert!(
                req[0].summary().contains(method),
                "{name}: {}",
                req[0].summary()
            );
            assert_eq!(
                mine.iter()
                    .filter(|e| e.step == steps::HTTP_RESPONSE)
                    .count(),
                1,
                "{name} request {}",
                r.id
            );
            assert_eq!(
                mine.iter().any(|e| e.step == steps::POOL_QUEUED),
                r.queued,
                "{name} request {}: queued in the waterfall and in the trace",
                r.id
            );
        }
    }
}

/// Over HTTP/2 every request is a stream on the origin's one connection, the document
/// included: odd ids from 1, none used twice (RFC 9113 §5.1.1).
#[test]
fn http2_requests_are_streams() {
    let l = run("http2");
    // The browser's idle second connection (opened as the navigation started) carries none.
    let carrying = |c: &&wirewalk::model::load::Connection| !c.uses.is_empty();
    for c in l
        .connections
        .iter()
        .filter(|c| c.protocol == Protocol::H2)
        .filter(carrying)
    {
        let streams: Vec<u32> = of_connection(&l, c.id)
            .iter()
            .filter(|e| e.step == steps::HTTP_REQUEST)
            .map(|e| e.stream.expect("an h2 request has a stream"))
            .collect();
        assert!(!streams.is_empty());
        let expected: Vec<u32> = (0..streams.len() as u32).map(|i| 2 * i + 1).collect();
        assert_eq!(streams, expected, "connection {}", c.id);
    }
    let doc = l
        .trace
        .events
        .iter()
        .find(|e| e.request == 1 && e.step == steps::HTTP_REQUEST)
        .expect("the document's request");
    assert_eq!(doc.stream, Some(1), "the document is the first stream");
    // Every event of an exchange on the connection carries its request's stream: the server's
    // work, the response and its body, what the cache kept, the same-origin decision.
    for r in l
        .requests
        .iter()
        .filter(|r| r.protocol == Protocol::H2 && r.connection.is_some())
    {
        let mine: Vec<&Event> = l
            .trace
            .events
            .iter()
            .filter(|e| e.request == r.id && e.connection == r.connection)
            .filter(|e| {
                use wirewalk::model::step::Stage;
                // The handshakes, the lookup and HTTP/2's own opening frames (the preface and
                // SETTINGS, on stream 0) belong to the connection, not to one stream.
                !matches!(e.stage, Stage::Tcp | Stage::Tls | Stage::Dns)
                    && e.step != steps::POOL_NEW_CONNECTION
                    && e.step != steps::HTTP_SETTINGS
            })
            .collect();
        let stream = mine
            .iter()
            .find(|e| e.step == steps::HTTP_REQUEST)
            .and_then(|e| e.stream);
        for e in &mine {
            assert_eq!(
                e.stream, stream,
                "request {}: {} has no stream",
                r.id, e.step
            );
        }
        for step in [
            steps::HTTP_RESPONSE,
            steps::HTTP_RESPONSE_BODY,
            steps::POLICY_CHECK,
        ] {
            assert!(
                mine.iter().any(|e| e.step == step),
                "request {}: {step}",
                r.id
            );
        }
    }
    // HTTP/1.1 requests have no stream.
    let h1 = run("many-images");
    assert!(h1.trace.events.iter().all(|e| e.stream.is_none()));
}

/// A blocked cross-origin response shows its same-origin decision with the console message.
#[test]
fn blocked_responses_show_the_decision() {
    let l = run("multi-origin");
    let blocked: Vec<&load::Request> = l
        .requests
        .iter()
        .filter(|r| matches!(r.outcome, load::Outcome::Blocked { .. }))
        .collect();
    assert!(!blocked.is_empty(), "multi-origin blocks something");
    for r in blocked {
        let e = l
            .trace
            .events
            .iter()
            .find(|e| e.request == r.id && e.step == steps::POLICY_CHECK)
            .unwrap_or_else(|| panic!("request {} has no policy.check", r.id));
        assert!(e.summary().starts_with("blocked"), "{}", e.summary());
        let load::Outcome::Blocked { console, .. } = &r.outcome else {
            unreachable!()
        };
        assert_eq!(e.get("console"), Some(console.as_str()));
    }
}

/// A return visit goes through the one cache exchange for every request: immutable files are
/// fresh hits with no network at all, the `no-cache` document and the stale photos are
/// revalidated with their validators and answered 304, a response without a lifetime or a
/// validator is fetched again in full, and `no-store` is not kept.
#[test]
fn a_return_visit_shows_hits_and_revalidations() {
    let l = run("return-visit");
    let by_path = |p: &str| {
        l.requests
            .iter()
            .find(|r| r.url.ends_with(p))
            .unwrap_or_else(|| panic!("{p} not requested"))
    };
    let steps_of = |r: &load::Request| -> Vec<&'static str> {
        l.trace
            .events
            .iter()
            .filter(|e| e.request == r.id)
            .map(|e| e.step.as_str())
            .collect()
    };
    for p in ["/static/site.css", "/static/app.js"] {
        let r = by_path(p);
        assert_eq!(r.from_cache, load::FromCache::Disk, "{p}");
        assert_eq!((r.status, r.connection), (200, None), "{p}");
        assert_eq!(r.end, r.start, "{p}: a disk hit takes no network time");
        assert_eq!(steps_of(r)[..2], ["cache.lookup", "cache.hit"], "{p}");
        assert!(!steps_of(r).contains(&"http.request"), "{p}");
    }
    let revalidated = ["news.example/", "/photos/1.jpg", "/photos/4.jpg"];
    for (p, validator) in
        revalidated
            .iter()
            .zip(["If-None-Match", "If-Modified-Since", "If-Modified-Since"])
    {
        let r = by_path(p);
        assert_eq!(r.status, 304, "{p}");
        assert_eq!(r.body_bytes, 0, "{p}: a 304 carries no body");
        let s = steps_of(r);
        assert!(
            s.contains(&"cache.revalidate") && s.contains(&"cache.not_modified"),
            "{p}: {s:?}"
        );
        let sent = l
            .trace
            .events
            .iter()
            .find(|e| e.request == r.id && e.step == steps::HTTP_REQUEST)
            .expect("the conditional request");
        assert!(sent.get(validator).is_some(), "{p} sends {validator}");
    }
    let banner = by_path("/banner.png");
    assert_eq!(
        (banner.status, banner.from_cache),
        (200, load::FromCache::No)
    );
    assert!(banner.body_bytes > 0);
    let s = steps_of(banner);
    assert!(
        s.contains(&"cache.miss") && s.contains(&"cache.store"),
        "{s:?}"
    );
    let api = by_path("/api/latest");
    assert!(steps_of(api).contains(&"cache.no_store"));
}

/// A warm cache of responses that give no lifetime and no validator changes nothing: every
/// request is fetched again, and the waterfall is the cold load's.
#[test]
fn a_warm_cache_without_lifetimes_is_a_cold_load() {
    let cold = run("many-images");
    let sc = load::PageScenario {
        warm_cache_s: Some(600),
        ..pages::preset("many-images").unwrap()
    };
    let warm = load::run(&sc).expect("loads");
    assert_eq!(cold.requests.len(), warm.requests.len());
    for (a, b) in cold.requests.iter().zip(&warm.requests) {
        assert_eq!(a.phases, b.phases, "request {}", a.id);
        assert_eq!(b.from_cache, load::FromCache::No);
    }
    assert!(warm
        .trace
        .events
        .iter()
        .any(|e| e.step == steps::CACHE_MISS && e.summary().contains("without a validator")));
}

/// A connection opened months into a very slow load (a gigabyte document at 1 kbit/s) still
/// trusts its server's certificate: the certificate's validity is judged at the handshake's own
/// date, against a certificate issued relative to it, not to the load's start.
#[test]
fn a_connection_late_in_a_long_load_still_trusts_the_certificate() {
    let sc = load::PageScenario {
        url: "https://slow.example/".into(),
        html: "<img src=\"https://img.slow.example/a.png\">".into(),
        bandwidth_mbps: Some(0.001),
        responses: vec![load::ResponseSpec {
            url: "https://slow.example/".into(),
            bytes: Some(1_000_000_000),
            ..load::ResponseSpec::default()
        }],
        ..load::PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let img = l.request(2).expect("the image");
    assert!(
        img.start.micros() > 90 * 86_400 * 1_000_000,
        "the image starts after 90 days ({})",
        img.start
    );
    assert!(
        matches!(img.outcome, load::Outcome::Ok { status: 200, .. }),
        "{:?}",
        img.outcome
    );
    assert!(!l.trace.has(steps::TLS_CERTIFICATE_ERROR));
}

/// The memory cache: a repeated URL takes the first request's response, and says so in the
/// trace with an event of its own.
#[test]
fn a_repeated_url_is_served_by_the_memory_cache() {
    let l = run("return-visit");
    let repeats: Vec<&load::Request> = l
        .requests
        .iter()
        .filter(|r| r.from_cache == load::FromCache::Memory)
        .collect();
    assert_eq!(repeats.len(), 1);
    let e = l
        .trace
        .events
        .iter()
        .find(|e| e.request == repeats[0].id)
        .expect("the repeat's event");
    assert_eq!(e.step, steps::CACHE_MEMORY_HIT);
    assert!(e.connection.is_none());
}

/// Every event names the one endpoint it happens at (and a message the one it goes to): a
/// connection's server events name that connection's server, and its DNS messages the name
/// servers of its own host's zones; two origins' servers are two endpoints.
#[test]
fn events_name_their_endpoints() {
    use wirewalk::model::trace::Actor;
    for name in pages::NAMES {
        let l = run(name);
        for e in &l.trace.events {
            let me = l.trace.endpoint_name(e.endpoint);
            assert!(
                me.is_some(),
                "{name}: {} names no endpoint",
                e.step.as_str()
            );
            let p = &l.trace.endpoints[usize::from(e.endpoint.unwrap_or_default())];
            assert_eq!(p.actor, e.actor, "{name}: {}", e.step.as_str());
            if let Some(f) = &e.flight {
                let to = f
                    .to_endpoint
                    .and_then(|i| l.trace.endpoints.get(usize::from(i)));
                assert_eq!(
                    to.map(|p| p.actor),
                    Some(f.to),
                    "{name}: {}",
                    e.step.as_str()
                );
            }
            let Some(c) = e
                .connection
                .and_then(|c| l.connections.iter().find(|x| x.id == c))
            else {
                continue;
            };
            let host = c.origin.split("://").nth(1).unwrap_or_default().to_string();
            let server = e
                .flight
                .as_ref()
                .filter(|f| f.to == Actor::Server)
                .map(|f| f.to_endpoint);
            for id in [
                Some(e.endpoint).filter(|_| e.actor == Actor::Server),
                server,
            ]
            .into_iter()
            .flatten()
            {
                let n = l.trace.endpoint_name(id).unwrap_or_default();
                assert!(
                    n.starts_with(&format!("{host}:")),
                    "{name}: {n} for connection {}",
                    c.id
                );
            }
        }
        let servers = l
            .trace
            .endpoints
            .iter()
            .filter(|p| p.actor == Actor::Server)
            .count();
        let origins: BTreeSet<&str> = l.connections.iter().map(|c| c.origin.as_str()).collect();
        assert_eq!(
            servers,
            origins.len(),
            "{name}: one server endpoint per origin"
        );
    }
}

/// HTTP/2 has no `Connection: close`: with keep-alive off, an h2 origin's one connection still
/// carries every stream, each with its bytes on the connection's TCP machines, and is never
/// closed by a FIN mid-load.
#[test]
fn http2_connections_stay_open_without_keep_alive() {
    let mut sc = pages::preset("http2").expect("preset");
    sc.keep_alive = false;
    let l = load::run(&sc).expect("loads");
    let h2: Vec<u32> = l
        .connections
        .iter()
        .filter(|c| c.protocol == Protocol::H2 && !c.uses.is_empty())
        .map(|c| c.id)
        .collect();
    assert!(!h2.is_empty());
    for c in h2 {
        let ev = of_connection(&l, c);
        assert!(
            !ev.iter().any(|e| e.step == steps::TCP_CLOSE_FIN),
            "connection {c} closed"
        );
        let requests = ev.iter().filter(|e| e.step == steps::HTTP_REQUEST).count();
        let priorities = ev.iter().filter(|e| e.step == steps::HTTP_PRIORITY).count();
        let segments = ev.iter().filter(|e| e.step == steps::TCP_SEGMENT).count();
        // Each request's HEADERS, each raise's PRIORITY frames, and the connection's own two
        // writes: the preface with SETTINGS, and the ACK of the server's SETTINGS.
        assert!(
            requests > 1 && requests + priorities + 2 == segments,
            "{requests} + {priorities} / {segments}"
        );
    }
}

/// One HTTP/2 connection carries one byte stream: the server writes each response whole once
/// it is ready, so a response that is ready while another is still leaving starts after it.
/// On the http2 preset's connection no two responses' bytes overlap in time, and the images
/// that waited say so.
#[test]
fn http2_responses_leave_one_after_another() {
    let l = run("http2");
    use wirewalk::model::time::Instant;
    let mut spans: Vec<(Instant, Instant)> = l
        .trace
        .events
        .iter()
        .filter(|e| e.step == steps::HTTP_RESPONSE_BODY && e.connection == Some(1))
        .map(|e| {
            let f = e.flight.as_ref().expect("a body's arrival");
            let first = l
                .trace
                .events
                .iter()
                .find(|h| h.request == e.request && h.step == steps::HTTP_RESPONSE)
                .and_then(|h| h.flight.as_ref())
                .expect("its head")
                .arrives_at;
            (first, f.arrives_at)
        })
        .collect();
    spans.sort();
    assert!(spans.len() >= 20, "{} responses", spans.len());
    for w in spans.windows(2) {
        assert!(w[1].0 >= w[0].1, "{:?} starts before {:?} ends", w[1], w[0]);
    }
    // The waterfall's Waiting phase ends at the first byte and says why it was long.
    let waited: Vec<_> = l
        .requests
        .iter()
        .filter_map(|q| {
            let w = q
                .phases
                .iter()
                .find(|p| p.name == wirewalk::model::load::PhaseName::Waiting)?;
            w.why
                .contains("behind the connection's earlier responses")
                .then_some((q, w))
        })
        .collect();
    for (q, w) in &waited {
        let head = l
            .trace
            .events
            .iter()
            .find(|e| e.request == q.id && e.step == steps::HTTP_RESPONSE)
            .and_then(|e| e.flight.as_ref())
            .expect("its head");
        assert_eq!(
            w.end, head.arrives_at,
            "request {}: waiting ends at the first byte",
            q.id
        );
    }
    let waited = waited.len();
    assert!(waited >= 19, "{waited} responses say they waited");
}
