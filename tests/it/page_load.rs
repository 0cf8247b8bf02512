//! Page loads: the presets behave as Chromium would, the limits hold for random pages, and any
//! scenario text is either loaded or refused with a message.

use proptest::prelude::*;
use wirewalk::model::load::{self, Outcome, PageLoad, PageScenario, PhaseName, Protocol, Request};
use wirewalk::model::pages;
use wirewalk::model::pool::{MAX_SOCKETS_PER_GROUP, MAX_SOCKETS_PER_POOL};
use wirewalk::model::time::Instant;

fn preset(name: &str) -> PageLoad {
    load::run(&pages::preset(name).expect(name)).expect(name)
}

fn by_url<'a>(l: &'a PageLoad, tail: &str) -> &'a Request {
    l.requests
        .iter()
        .find(|r| r.url.ends_with(tail) && r.destination != "preflight")
        .unwrap_or_else(|| panic!("no request for {tail}"))
}

/// The number of connections open at `t` in each group, and in all.
fn open_at(l: &PageLoad, t: Instant) -> (Vec<(String, usize)>, usize) {
    let mut per: Vec<(String, usize)> = Vec::new();
    let mut total = 0;
    for c in &l.connections {
        if c.start <= t && c.closed.is_none_or(|e| e > t) {
            total += 1;
            match per.iter_mut().find(|(g, _)| *g == c.group) {
                Some(e) => e.1 += 1,
                None => per.push((c.group.clone(), 1)),
            }
        }
    }
    (per, total)
}

#[test]
fn many_images_open_six_connections_and_fourteen_wait() {
    let l = preset("many-images");
    assert_eq!(
        l.connections_per_origin(),
        [("https://img.example".to_string(), 6)]
    );
    let queued: Vec<&Request> = l.requests.iter().filter(|r| r.queued).collect();
    assert_eq!(queued.len(), 14);
    // Images 7 to 20 are the ones that wait, each in the Queueing phase with the reasons: the
    // ResourceScheduler holds them back (six requests to the host are in flight and they are
    // Low), until layout raises them to High; then they wait in the socket pool's queue.
    for (i, r) in queued.iter().enumerate() {
        assert!(
            r.url.ends_with(&format!("/photos/{:02}.jpg", i + 7)),
            "{}",
            r.url
        );
        let waits: Vec<&str> = r
            .phases
            .iter()
            .filter(|p| p.name == PhaseName::Queueing)
            .map(|p| p.why.as_ref())
            .collect();
        // One Queueing phase, as DevTools draws it, with both reasons in order.
        assert_eq!(waits.len(), 1, "{waits:?}");
        let held = waits[0]
            .find("held back by the ResourceScheduler")
            .expect("the scheduler's reason");
        let pool = waits[0]
            .find("6 connections to https://img.example are busy")
            .expect("the pool's reason");
        assert!(held < pool, "{}", waits[0]);
        assert!(waits[0].contains("6 requests in flight to https://img.example"));
        assert_eq!(r.priority, Some(wirewalk::model::pool::Priority::Medium));
    }
    // The 7th image waits for the first socket to free: the document's connection, which the
    // first image reused, goes to it the moment the first image is done.
    let first = by_url(&l, "/photos/01.jpg");
    let seventh = by_url(&l, "/photos/07.jpg");
    assert!(first.reused && first.connection == Some(1));
    assert_eq!(seventh.connection, Some(1));
    let sent = seventh
        .phases
        .iter()
        .find(|p| p.name == PhaseName::RequestSent)
        .unwrap();
    assert_eq!(sent.start, first.end);
    // Up to then every one of the six sockets was busy or connecting.
    let (per, _) = open_at(&l, Instant::from_micros(first.end.micros() - 1));
    assert_eq!(per, [("https://img.example".to_string(), 6)]);
    assert_eq!(l.groups[0].max_open, MAX_SOCKETS_PER_GROUP);
    for r in &l.requests {
        assert!(
            matches!(r.outcome, Outcome::Ok { status: 200, .. }),
            "{r:?}"
        );
    }
}

#[test]
fn http2_carries_everything_on_one_connection() {
    let l = preset("http2");
    // Two opened as the navigation started (Chromium's, before it knows the server speaks
    // HTTP/2); the second never carries a stream.
    assert_eq!(l.connections.len(), 2);
    assert!(l.connections[1].uses.is_empty());
    assert_eq!(
        l.connections[1].preconnect,
        Some(load::Preconnector::Navigation)
    );
    assert!(l
        .requests
        .iter()
        .all(|r| r.connection == Some(1) && !r.queued));
    assert!(l.requests.iter().all(|r| r.protocol == Protocol::H2));
    // Streams overlap: the twenty images are in flight together.
    let imgs: Vec<&Request> = l
        .requests
        .iter()
        .filter(|r| r.destination == "image")
        .collect();
    let latest_start = imgs.iter().map(|r| r.start).max().unwrap();
    assert!(imgs.iter().all(|r| r.end > latest_start));
    // And the page finishes sooner than over six HTTP/1.1 connections.
    assert!(l.end < preset("many-images").end, "{} vs h1", l.end);
}

#[test]
fn multi_origin_applies_the_same_origin_rules() {
    let l = preset("multi-origin");
    let origins: Vec<String> = l
        .connections_per_origin()
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(
        origins,
        [
            "https://shop.example",
            "https://static.shop.example",
            "https://fonts.example",
            "https://pay.partner.example"
        ]
    );
    let ok = |tail: &str| {
        let r = by_url(&l, tail);
        assert!(
            matches!(r.outcome, Outcome::Ok { .. }),
            "{tail}: {:?}",
            r.outcome
        );
        r
    };
    ok("/site.css");
    ok("/app.js");
    ok("/logo.png");
    ok("/hero.jpg");
    assert!(by_url(&l, "/logo.png").same_origin);
    assert!(!by_url(&l, "/hero.jpg").same_origin);
    // The font needs CORS: it goes without credentials, in its own socket group.
    let font = ok("/brand.woff2");
    assert_eq!(&*font.group, "pm/https://fonts.example");
    assert!(font.cookie.is_none());
    // The iframe is refused by X-Frame-Options, with Chromium's console message.
    let frame = by_url(&l, "/widget");
    match &frame.outcome {
        Outcome::Blocked { rule, console, .. } => {
            assert!(rule.contains("X-Frame-Options"), "{rule}");
            assert_eq!(console, "Refused to display 'https://pay.partner.example/widget' in a frame because it set 'X-Frame-Options' to 'deny'.");
        }
        o => panic!("{o:?}"),
    }
    // A cross-site frame carries only the SameSite=None cookie.
    assert_eq!(frame.cookie.as_deref(), Some("wallet=77ab"));
    // The simple fetch gets no Access-Control-Allow-Origin: blocked.
    let prices = by_url(&l, "/api/prices");
    match &prices.outcome {
        Outcome::Blocked { console, sent, .. } => {
            assert!(*sent);
            assert!(
                console.contains("No 'Access-Control-Allow-Origin' header"),
                "{console}"
            );
        }
        o => panic!("{o:?}"),
    }
    assert!(prices.preflight.is_none() && prices.cookie.is_none());
    // The PUT with a custom header is preflighted; the preflight allows it.
    let cart = by_url(&l, "/api/cart");
    let (pf, because) = cart.preflight.clone().expect("a preflight");
    assert!(because.contains("PUT"), "{because}");
    let options = &l.requests[pf as usize - 1];
    assert_eq!(
        (options.method.as_ref(), options.destination),
        ("OPTIONS", "preflight")
    );
    assert_eq!(&*options.group, "pm/https://pay.partner.example");
    assert!(
        options.end
            <= cart
                .phases
                .iter()
                .find(|p| p.name == PhaseName::RequestSent)
                .unwrap()
                .start
    );
    assert!(
        matches!(cart.outcome, Outcome::Ok { .. }),
        "{:?}",
        cart.outcome
    );
    assert_eq!(cart.cookie.as_deref(), Some("wallet=77ab"));
    // Each blocked request is in the console, once, as Chromium prints it: the CORS error
    // (without the 'no-cors' advice current Chromium no longer gives), the failed load Blink
    // adds after it and, as the script handles none of its fetch() promises, the unhandled
    // rejection; then the refused frame.
    assert_eq!(
        l.console,
        [
            "Access to fetch at 'https://pay.partner.example/api/prices' from origin 'https://shop.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "Failed to load resource: net::ERR_FAILED",
            "Uncaught (in promise) TypeError: Failed to fetch",
            "Refused to display 'https://pay.partner.example/widget' in a frame because it set 'X-Frame-Options' to 'deny'.",
        ]
    );
}

#[test]
fn preconnect_saves_the_connection_for_late_requests() {
    let without = preset("multi-origin");
    let with = preset("preconnect");
    // The font preconnect has `crossorigin`: the uncredentialed socket is ready when the font
    // is needed, so the font's own time has no DNS or connection.
    let font = by_url(&with, "/brand.woff2");
    assert_eq!(font.phase(PhaseName::DnsLookup).micros(), 0);
    assert_eq!(font.initial_connection().micros(), 0);
    assert!(with.connections.iter().any(|c| c.preconnect
        == Some(wirewalk::model::load::Preconnector::Link)
        && c.group == "pm/https://fonts.example"));
    assert!(
        by_url(&without, "/brand.woff2")
            .initial_connection()
            .micros()
            > 0
    );
    // The fetch without credentials cannot use the credentialed preconnect.
    assert!(by_url(&with, "/api/prices").initial_connection().micros() > 0);
    assert!(with.end < without.end);
}

#[test]
fn keep_alive_off_opens_a_connection_per_request() {
    let mut sc = pages::preset("many-images").unwrap();
    sc.keep_alive = false;
    let l = load::run(&sc).unwrap();
    assert_eq!(l.connections.len(), 21);
    assert!(l.requests.iter().all(|r| !r.reused));
    for t in l.connections.iter().map(|c| c.start) {
        let (per, _) = open_at(&l, t);
        assert!(per.iter().all(|(_, n)| *n <= MAX_SOCKETS_PER_GROUP));
    }
}

#[test]
fn same_scenario_same_load() {
    for sc in pages::presets() {
        let a = serde_json::to_string(&load::run(&sc).unwrap()).unwrap();
        let b = serde_json::to_string(&load::run(&sc).unwrap()).unwrap();
        assert_eq!(a, b, "{}", sc.name);
    }
}

#[test]
fn every_request_is_cut_into_contiguous_phases() {
    for sc in pages::presets() {
        let l = load::run(&sc).unwrap();
        for r in &l.requests {
            let mut t = r.start;
            for p in &r.phases {
                assert_eq!(p.start, t, "{}: {} {:?}", sc.name, r.url, r.phases);
                assert!(p.end > p.start && !p.why.is_empty());
                assert!(PhaseName::ALL.contains(&p.name));
                t = p.end;
            }
            if !r.phases.is_empty() {
                assert_eq!(t, r.end, "{}: {}", sc.name, r.url);
            }
        }
    }
}

#[test]
fn scenario_text_is_loaded_or_refused_with_a_message() {
    let sc = pages::preset("multi-origin").unwrap();
    let back = PageScenario::from_json(&sc.to_json()).unwrap();
    assert_eq!(back, sc);
    let minimal =
        PageScenario::from_json(r#"{"url": "https://a.example/", "html": "<img src=x.png>"}"#)
            .unwrap();
    assert_eq!(load::run(&minimal).unwrap().requests.len(), 2);
    for (text, says) in [
        ("", "not a page scenario"),
        ("[]", "not a page scenario"),
        (r#"{"url": 5}"#, "not a page scenario"),
        (r#"{"nonsense": true}"#, "unknown field"),
        (
            r#"{"origins": [{"origin": "https://a", "protocol": "h4"}]}"#,
            "unknown variant",
        ),
    ] {
        let e = PageScenario::from_json(text).unwrap_err();
        assert!(e.contains(says), "{text}: {e}");
    }
    for (sc, says) in [
        (PageScenario::default(), "not valid"),
        (
            PageScenario {
                url: "file:///etc/passwd".into(),
                ..PageScenario::default()
            },
            "must be http or https",
        ),
        (
            PageScenario {
                url: "https://a.example/".into(),
                tls: "0.9".into(),
                ..PageScenario::default()
            },
            "tls must be",
        ),
        (
            PageScenario {
                url: "https://a.example/".into(),
                html: "x".repeat(load::MAX_HTML_BYTES + 1),
                ..PageScenario::default()
            },
            "the limit is",
        ),
    ] {
        let e = load::run(&sc).unwrap_err();
        assert!(e.contains(says), "{e}");
    }
}

/// A random page: resources spread over `origins` origins, some HTTP/2, some without
/// keep-alive, with preconnects, repeated URLs, event streams (open and silent) and polls.
fn page() -> impl Strategy<Value = PageScenario> {
    (
        1usize..70,
        prop::collection::vec((0usize..70, 0u8..10, 0u8..40), 0..400),
        prop::collection::vec(any::<bool>(), 70),
        prop::collection::vec(any::<bool>(), 70),
        any::<bool>(),
    )
        .prop_map(|(n, items, h2, ka, keep_alive)| {
            let host = |o: usize| format!("https://o{}.example", o % n);
            let mut html = String::from("<!DOCTYPE html><head>");
            for (o, kind, file) in items {
                let u = format!("{}/f{file}", host(o));
                html.push_str(&match kind {
                    0 => format!("<link rel=stylesheet href={u}.css>"),
                    1 => format!("<script src={u}.js></script>"),
                    2 => format!("<script src={u}.js async></script>"),
                    3 => format!("<link rel=preconnect href={}>", host(o)),
                    4 => format!("<iframe src={u}.html></iframe>"),
                    5 => format!("<script>fetch('{u}.json', {{method: 'DELETE'}})</script>"),
                    6 => format!("<style>@font-face {{ src: url({u}.woff2) }}</style>"),
                    7 => format!("<script>new EventSource('{u}.sse')</script>"),
                    8 => format!("<script>setInterval(() => fetch('{u}.json'), 700)</script>"),
                    _ => format!("<img src={u}.png>"),
                });
            }
            PageScenario {
                url: "https://o0.example/".into(),
                html,
                keep_alive,
                origins: (0..n)
                    .map(|o| load::OriginSpec {
                        origin: host(o),
                        protocol: if h2[o] {
                            load::Protocol::H2
                        } else {
                            load::Protocol::Http1
                        },
                        keep_alive: Some(ka[o]),
                        ..load::OriginSpec::default()
                    })
                    .collect(),
                ..PageScenario::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No group ever holds more than 6 sockets and the pool never more than 256, at any moment a
    /// connection opens or closes.
    #[test]
    fn pool_limits_hold_for_random_pages(sc in page()) {
        let l = load::run(&sc).unwrap();
        let mut times: Vec<Instant> = l.connections.iter().map(|c| c.start).collect();
        times.extend(l.connections.iter().filter_map(|c| c.closed));
        for t in times {
            let (per, total) = open_at(&l, t);
            prop_assert!(total <= MAX_SOCKETS_PER_POOL, "{total} sockets at {t}");
            for (g, n) in per {
                prop_assert!(n <= MAX_SOCKETS_PER_GROUP, "{g}: {n} sockets at {t}");
            }
        }
        // Every request ends, after it starts; a connection carries one HTTP/1.1 request at
        // a time.
        for r in &l.requests {
            prop_assert!(r.end >= r.start);
            prop_assert!(!matches!(&r.outcome, Outcome::Failed { error } if error == "never finished"), "{:?}", r);
            // Only streams stay open, and only a page with a stream has what waits behind it.
            prop_assert!(!matches!(r.outcome, Outcome::Pending { .. }) || sc.html.contains("EventSource") || sc.html.contains("setInterval"), "{:?}", r);
        }
        for c in l.connections.iter().filter(|c| c.protocol == Protocol::Http1) {
            for w in c.uses.windows(2) {
                prop_assert!(w[0].2 <= w[1].1, "connection {} overlaps: {:?}", c.id, c.uses);
            }
        }
    }

    /// Any text as the page's HTML: it loads, never panics.
    #[test]
    fn any_html_loads(html in ".{0,400}") {
        let sc = PageScenario { url: "https://a.example/".into(), html, ..PageScenario::default() };
        prop_assert!(load::run(&sc).is_ok());
    }
}

#[test]
fn the_docs_document_every_scenario_field() {
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/page-scenario.md"
    ))
    .unwrap();
    let v = serde_json::to_value(pages::preset("multi-origin").unwrap()).unwrap();
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.extend(
        [
            "protocol",
            "keep_alive",
            "status",
            "headers",
            "bytes",
            "server_ms",
            "preflight_headers",
            "set_cookie",
        ]
        .map(String::from),
    );
    for k in keys.iter().filter(|k| *k != "name") {
        assert!(
            readme.contains(&format!("`{k}`")),
            "docs/page-scenario.md does not document `{k}`"
        );
    }
}

#[test]
fn ten_thousand_requests_and_deep_nesting_load() {
    let l = load::run(&wirewalk::model::pages::synthetic(10_000, 10)).expect("loads");
    assert_eq!(l.requests.len(), 10_001);
    // Ten origins, six connections each at most (HTTP/1.1).
    assert!(l.connections.len() <= 60, "{}", l.connections.len());
    let deep = format!(
        "{}<img src=/deep.png>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let sc = PageScenario {
        html: deep,
        ..wirewalk::model::pages::synthetic(0, 1)
    };
    assert_eq!(load::run(&sc).map(|l| l.requests.len()), Ok(2));
}

#[test]
fn limits_name_their_numbers() {
    let big = PageScenario {
        html: "x".repeat(load::MAX_HTML_BYTES + 1),
        ..PageScenario::default()
    };
    let e = load::run(&big).err().unwrap_or_default();
    assert!(e.contains("2000000 bytes"), "{e}");
    let e = load::check_text("HTML", "GIF89a\u{0}\u{1}")
        .err()
        .unwrap_or_default();
    assert!(e.contains("U+0000 at character 7"), "{e}");
    let e = load::check_text("HTML", "ok\u{fffd}")
        .err()
        .unwrap_or_default();
    assert!(e.contains("U+FFFD at character 3"), "{e}");
    assert_eq!(load::check_text("HTML", "tabs\tand\r\nlines\u{c}"), Ok(()));
    let long = format!(
        "https://x.example/{}",
        "a".repeat(wirewalk::model::url::MAX_URL_CHARS)
    );
    let e = wirewalk::model::url::parse(&long, None)
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(e.contains("2097152"), "{e}");
    let ok = format!("https://x.example/{}", "a".repeat(1_000_000));
    assert!(wirewalk::model::url::parse(&ok, None).is_ok());
}

#[test]
fn more_origins_than_the_pool_has_sockets_all_load() {
    // 300 origins, one image each: past 256 sockets, each request waits for an idle socket
    // elsewhere to be closed for it (Chromium's `CheckForStalledSocketGroups`).
    let l = load::run(&pages::synthetic(300, 300)).expect("loads");
    assert_eq!(l.requests.len(), 301);
    let unfinished: Vec<u32> = l
        .requests
        .iter()
        .filter(|r| matches!(&r.outcome, Outcome::Failed { error } if error == "never finished"))
        .map(|r| r.id)
        .collect();
    assert!(unfinished.is_empty(), "never finished: {unfinished:?}");
    assert!(l.connections.iter().filter(|c| c.closed.is_none()).count() <= MAX_SOCKETS_PER_POOL);
}

/// Shapes of HTML that cost time squared in the length when a scanner re-reads the rest of the
/// document at every tag: each must load (a quadratic scan of these would not finish).
#[test]
fn hostile_html_shapes_load() {
    let n = 40_000;
    let shapes = [
        "<a ".repeat(n),
        "<script>".repeat(n),
        format!("<style>{}</style>", "@import ".repeat(n)),
        format!("<script>{}</script>", "fetch(`".repeat(n)),
        format!("<script>{}</script>", "fetch('x'".repeat(n)),
        "<!--".repeat(n),
        format!("<img src=\"{}", "x".repeat(n * 4)),
        // Many stylesheets, then many inline scripts that each wait for all of them.
        format!(
            "{}{}",
            "<link rel=stylesheet href=/s.css>".repeat(5_000),
            "<script>fetch('/f.json')</script>".repeat(5_000)
        ),
    ];
    for html in shapes {
        let sc = PageScenario {
            html,
            ..wirewalk::model::pages::synthetic(0, 1)
        };
        let l = load::run(&sc).expect("loads");
        assert!(!l.requests.is_empty());
    }
}

#[test]
fn a_written_scenario_reads_back_exactly() {
    // Found by the page_json fuzz target: without serde_json's exact float parsing, an RTT of
    // 6e34 ms written out read back as a neighbouring number.
    let sc = PageScenario {
        rtt_ms: Some(59_999_999_999_999_999_999_999_999_999_999_990.0),
        bandwidth_mbps: Some(0.1 + 0.2),
        ..pages::preset("single").expect("preset")
    };
    assert_eq!(PageScenario::from_json(&sc.to_json()), Ok(sc));
}

/// A request that claimed a preconnected socket is not short of a connection: the pool opens no
/// extra job for it (Chromium starts one only while a group has more requests waiting than
/// connect jobs). The preconnect preset needs no more connections than the same page without
/// the hints.
#[test]
fn preconnect_adds_no_connection() {
    let opened = |name: &str| -> Vec<(String, usize)> {
        let l = load::run(&pages::preset(name).unwrap()).unwrap();
        l.groups
            .iter()
            .map(|g| (g.group.clone(), g.opened))
            .collect()
    };
    let with = opened("preconnect");
    for (group, n) in opened("multi-origin") {
        let m = with
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0, |(_, m)| *m);
        assert!(
            m <= n,
            "{group}: {m} connections with preconnect, {n} without"
        );
    }
}

/// Fetch §4.1 (CORS-preflight fetch) and §2.2.2 (CORS-safelisted request-header): a cross-origin
/// POST whose only header is a Content-Type of `text/plain` is a simple request and goes out
/// without a preflight; the same call with `application/json`, or with a value the model cannot
/// read (a variable, a concatenation, a template with a substitution), is preflighted.
#[test]
fn a_safelisted_content_type_is_not_preflighted() {
    let html = "<script>\
        fetch('https://api.example/plain', { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });\
        fetch('https://api.example/json', { method: 'POST', headers: { 'Content-Type': 'application/json' } });\
        fetch('https://api.example/var', { method: 'POST', headers: { 'Content-Type': type } });\
        fetch('https://api.example/concat', { method: 'POST', headers: { 'Content-Type': 'text/' + 'plain' } });\
        fetch('https://api.example/template', { method: 'POST', headers: { 'Content-Type': `${t}/plain` } });\
        </script>";
    let sc = PageScenario {
        url: "https://www.example/".into(),
        html: html.into(),
        responses: ["plain", "json", "var", "concat", "template"]
            .iter()
            .map(|p| load::ResponseSpec {
                url: format!("https://api.example/{p}"),
                headers: vec![
                    "Access-Control-Allow-Origin: https://www.example".into(),
                    "Access-Control-Allow-Methods: POST".into(),
                    "Access-Control-Allow-Headers: Content-Type".into(),
                ],
                ..load::ResponseSpec::default()
            })
            .collect(),
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("it loads");
    let plain = by_url(&l, "/plain");
    assert!(plain.preflight.is_none(), "{:?}", plain.preflight);
    assert!(matches!(plain.outcome, Outcome::Ok { .. }));
    for tail in ["/json", "/var", "/concat", "/template"] {
        let r = by_url(&l, tail);
        let (_, because) = r.preflight.clone().expect("a preflight");
        assert!(because.contains("content-type"), "{tail}: {because}");
        assert!(matches!(r.outcome, Outcome::Ok { .. }), "{tail}");
    }
    // The header is sent with its value.
    assert!(plain
        .extra_headers
        .iter()
        .any(|h| h == "Content-Type: text/plain;charset=UTF-8"));
    assert_eq!(
        l.requests
            .iter()
            .filter(|r| r.destination == "preflight")
            .count(),
        4
    );
}

/// A page on https://www.example/ with `html`, whose server takes the given milliseconds for
/// the given paths.
fn load_with_delays(html: &str, delays: &[(&str, f64)]) -> PageLoad {
    let sc = PageScenario {
        url: "https://www.example/".into(),
        html: html.into(),
        responses: delays
            .iter()
            .map(|(path, ms)| load::ResponseSpec {
                url: format!("https://www.example{path}"),
                server_ms: Some(*ms),
                ..load::ResponseSpec::default()
            })
            .collect(),
        ..PageScenario::default()
    };
    load::run(&sc).expect("it loads")
}

/// HTML §4.2.6 and §8.1.3: the parser reaches an iframe after a blocking script only once that
/// script has run, and the script ran only once the stylesheets before it had loaded; so a slow
/// stylesheet before the script holds the frame back too. A frame before them waits for nothing.
#[test]
fn a_frame_after_a_blocking_script_waits_for_the_stylesheets_before_it() {
    let html = "<iframe src=\"/early.html\"></iframe>\
        <link rel=\"stylesheet\" href=\"/slow.css\">\
        <script src=\"/fast.js\"></script>\
        <iframe src=\"/late.html\"></iframe>";
    let l = load_with_delays(html, &[("/slow.css", 900.0), ("/fast.js", 10.0)]);
    let (css, js) = (by_url(&l, "/slow.css"), by_url(&l, "/fast.js"));
    assert!(js.end < css.end, "the script arrives first");
    let late = by_url(&l, "/late.html");
    assert!(late.start >= css.end, "{:?} < {:?}", late.start, css.end);
    // The initiator says what the parser waited for.
    assert!(late.initiator.contains("slow.css"), "{}", late.initiator);
    assert!(by_url(&l, "/early.html").start < js.end);
}

/// The preload scanner requests an image written after a blocking script as the document
/// arrives; a `<video>` there is loaded by the element, which the parser creates only once the
/// script has run (Blink's `TokenPreloadScanner` takes no media `src`).
#[test]
fn an_image_after_a_blocking_script_goes_at_once_a_video_waits_for_the_parser() {
    let html = "<script src=\"/slow.js\"></script>\
        <img src=\"/after.png\"><video src=\"/clip.mp4\"></video>";
    let l = load_with_delays(html, &[("/slow.js", 900.0)]);
    let (js, image, video) = (
        by_url(&l, "/slow.js"),
        by_url(&l, "/after.png"),
        by_url(&l, "/clip.mp4"),
    );
    assert!(image.start < js.end, "the scanner's image goes at once");
    assert!(
        image.initiator.contains("preload scanner"),
        "{}",
        image.initiator
    );
    assert!(video.start >= js.end, "{:?} < {:?}", video.start, js.end);
    assert!(
        video
            .initiator
            .contains("media element once slow.js has run"),
        "{}",
        video.initiator
    );
}

/// Preload §3: `<link rel=preload>` fetches when the preload scanner finds it and is not
/// applied: a preloaded font does not wait for the stylesheets (a font found through CSS does),
/// and a preloaded stylesheet holds no script back.
#[test]
fn a_preload_is_fetched_at_once_and_blocks_nothing() {
    let html = "<link rel=\"stylesheet\" href=\"/slow.css\">\
        <link rel=\"preload\" as=\"font\" href=\"/f.woff2\" crossorigin>\
        <link rel=\"preload\" as=\"style\" href=\"/later.css\">\
        <script>fetch('/x.json')</script>";
    let l = load_with_delays(html, &[("/slow.css", 900.0), ("/later.css", 3000.0)]);
    let (slow, later) = (by_url(&l, "/slow.css"), by_url(&l, "/later.css"));
    let font = by_url(&l, "/f.woff2");
    assert!(font.start < slow.end, "the preloaded font starts at once");
    let fetch = by_url(&l, "/x.json");
    assert!(
        fetch.start >= slow.end,
        "the inline script waits for the stylesheet"
    );
    assert!(fetch.start < later.end, "but not for the preloaded one");
}

/// The DOM's milestones of a page the engine parses (HTML §13.2.7 "The end"): a
/// parser-blocking script holds `DOMContentLoaded` until it has loaded and run; a `defer` or
/// module script runs before it; an `async` script and the images hold only `load`; a
/// `fetch()` holds neither. The HAR export carries them as DevTools does.
#[test]
fn domcontentloaded_and_load_follow_the_scripts_and_the_resources() {
    let run = |body: &str| {
        let sc = PageScenario {
            url: "https://a.example/".into(),
            html: format!("<!doctype html><title>t</title>{body}"),
            parse_ms: 10.0,
            script_ms: 30.0,
            ..PageScenario::default()
        };
        let l = load::run(&sc).expect("it loads");
        let t = &l.timing;
        let ms = |x: f64| Instant::from_micros((x * 1000.0).round() as u64);
        (
            ms(t.dom_content_loaded_event_start),
            ms(t.load_event_start),
            l,
        )
    };
    let script = wirewalk::model::time::Duration::from_millis(30);
    let parse = wirewalk::model::time::Duration::from_millis(10);

    // Nothing but the document: both once it has arrived and been parsed.
    let (dcl, load, l) = run("<p>hello</p>");
    assert!(
        dcl > l.requests[0].end && dcl <= l.requests[0].end + parse,
        "{dcl} {l:?}"
    );
    assert_eq!(load, dcl);

    // A parser-blocking script: DOMContentLoaded after it has loaded and run.
    let (dcl, load, l) = run("<script src=/app.js></script><p>after</p>");
    let app = by_url(&l, "/app.js");
    assert_eq!(dcl, app.end + script);
    assert_eq!(load, dcl);

    // A deferred script runs after parsing, before DOMContentLoaded; so does a module.
    for tag in [
        "<script src=/app.js defer></script>",
        "<script type=module src=/app.js></script>",
    ] {
        let (dcl, _, l) = run(tag);
        let app = by_url(&l, "/app.js");
        assert_eq!(dcl, app.end.max(l.requests[0].end) + script, "{tag}");
    }

    // An async script and an image hold the load event, not DOMContentLoaded.
    let (dcl, load, l) = run("<script src=/a.js async></script><img src=/big.png>");
    let (a, img) = (by_url(&l, "/a.js"), by_url(&l, "/big.png"));
    assert!(dcl < a.end && dcl < img.end, "{dcl} {} {}", a.end, img.end);
    assert_eq!(load, (a.end + script).max(img.end));

    // A fetch() holds neither.
    let (dcl, load, l) = run("<script>fetch('/api/data')</script>");
    let api = by_url(&l, "/api/data");
    assert!(load < api.end, "{load} {}", api.end);
    assert_eq!(load, dcl);

    // The HAR carries them, in ms from the page's start.
    let (dcl, load, l) = run("<img src=/big.png>");
    let har = wirewalk::model::har::export(&PageScenario::default(), &l, 0);
    let v: serde_json::Value = serde_json::from_str(&har).unwrap();
    let t = &v["log"]["pages"][0]["pageTimings"];
    assert_eq!(t["onContentLoad"].as_f64(), Some(dcl.as_ms()));
    assert_eq!(t["onLoad"].as_f64(), Some(load.as_ms()));
}

/// The ResourceScheduler (services/network/resource_scheduler/resource_scheduler.cc): with no
/// image in the viewport they all stay Low; at most 10 such requests of the page are in flight
/// at once, and at most 6 requests to one HTTP/1.1 host; HTTP/2 origins are not held.
#[test]
fn the_resource_scheduler_holds_low_priority_requests() {
    use wirewalk::model::step::steps;
    let mut html = String::from("<!DOCTYPE html><body>");
    for host in ["a", "b", "c"] {
        for i in 0..6 {
            html.push_str(&format!("<img src=\"https://{host}.example/{i}.png\">"));
        }
    }
    let sc = PageScenario {
        url: "https://www.example/".into(),
        html,
        in_viewport: Some(vec![]),
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let images: Vec<&Request> = l
        .requests
        .iter()
        .filter(|r| r.destination == "image")
        .collect();
    assert_eq!(images.len(), 18);
    // In flight: from the request's start (past the scheduler) to its end.
    let started = |r: &Request| {
        r.phases
            .iter()
            .find(|p| p.name != PhaseName::Queueing)
            .map_or(r.end, |p| p.start)
    };
    let mut most = 0;
    for r in &images {
        let t = started(r);
        let n = images
            .iter()
            .filter(|o| started(o) <= t && o.end > t)
            .count();
        most = most.max(n);
    }
    assert_eq!(most, 10, "ten low-priority requests in flight at most");
    let held = l
        .trace
        .events
        .iter()
        .filter(|e| e.step == steps::POOL_THROTTLED)
        .count();
    assert_eq!(held, 8, "18 images, 10 start at once");
    // The first five, not declared small, start boosted to Low (kBoostImagePriority); none is
    // raised, as none is in the viewport.
    let priorities: Vec<_> = images.iter().map(|r| r.priority).collect();
    use wirewalk::model::pool::Priority::{Low, Lowest};
    assert_eq!(priorities[..5], [Some(Low); 5]);
    assert!(priorities[5..].iter().all(|p| *p == Some(Lowest)));
    // Over HTTP/2 the scheduler holds nothing back.
    let h2 = preset("http2");
    assert!(!h2
        .trace
        .events
        .iter()
        .any(|e| e.step == steps::POOL_THROTTLED));
}

/// An image raised by layout leaves the scheduler's hold and moves up the socket pool's queue:
/// with only the last photo in the viewport, it is sent before the other waiting photos.
#[test]
fn a_visible_image_overtakes_the_others() {
    let sc = PageScenario {
        in_viewport: Some(vec!["/photos/20.jpg".into()]),
        ..pages::preset("many-images").expect("preset")
    };
    let l = load::run(&sc).expect("loads");
    let sent = |tail: &str| {
        by_url(&l, tail)
            .phases
            .iter()
            .find(|p| p.name == PhaseName::RequestSent)
            .map(|p| p.start)
            .expect("sent")
    };
    assert!(sent("/photos/20.jpg") < sent("/photos/07.jpg"));
    assert_eq!(
        by_url(&l, "/photos/20.jpg").priority,
        Some(wirewalk::model::pool::Priority::Medium)
    );
    assert_eq!(
        by_url(&l, "/photos/07.jpg").priority,
        Some(wirewalk::model::pool::Priority::Lowest)
    );
}

/// Blink's scheduler in tight mode, before `<body>`: with the head's stylesheet and script in
/// flight, the two first images (boosted to Medium) go, the third waits in the renderer until
/// the body is inserted (after the script has run), as Chromium 156 held the shop page's third
/// image in the fidelity harness; after `<body>` nothing is held there. Without the script
/// the body comes within the parse time, and the third image waits only that long.
#[test]
fn tight_mode_holds_the_third_image_until_the_body() {
    use wirewalk::model::step::steps;
    let sc = PageScenario {
        url: "https://www.example/".into(),
        html: "<!DOCTYPE html><html><head><link rel=stylesheet href=/a.css><script src=/b.js></script></head>\
               <body><img src=/1.png><img src=/2.png><img src=/3.png><img src=/4.png width=10 height=10></body></html>"
            .into(),
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let held: Vec<&str> = l
        .trace
        .events
        .iter()
        .filter(|e| e.step == steps::RENDER_TIGHT_MODE)
        .map(|e| l.requests[e.request as usize - 1].url.as_str())
        .collect();
    assert_eq!(
        held,
        ["https://www.example/3.png", "https://www.example/4.png"],
        "the third Medium image and the Low one wait; the first two are let through"
    );
    // Released when a Medium image ends (the medium exemption frees), when three of the four
    // in flight (stylesheet, script, two images) have ended, or when the body is inserted
    // after the script: not before the first of these.
    let end_of = |path: &str| {
        l.requests
            .iter()
            .find(|r| r.url.ends_with(path))
            .unwrap()
            .end
    };
    let mut ends = ["/a.css", "/b.js", "/1.png", "/2.png"].map(end_of);
    ends.sort();
    let first = [end_of("/1.png"), end_of("/2.png"), ends[2], end_of("/b.js")]
        .into_iter()
        .min()
        .unwrap();
    let third = l
        .requests
        .iter()
        .find(|r| r.url.ends_with("/3.png"))
        .unwrap();
    let queued = third.phases.first().expect("phases");
    assert_eq!(queued.name, PhaseName::Queueing);
    assert!(queued.end >= first, "{:?} {ends:?}", queued.end);
    assert!(queued.end > queued.start, "it waited");
    // Without a blocking script the preload scanner still requests the images before the
    // parser has inserted `<body>` (it scans the document's first bytes before parsing them),
    // so the third image is held, but only until the parser reaches `<body>`, within its parse
    // time.
    let sc = PageScenario {
        html: sc.html.replace("<script src=/b.js></script>", ""),
        ..sc
    };
    let l = load::run(&sc).expect("loads");
    let doc = l.requests[0].end;
    let third = l.requests.iter().find(|r| r.url.ends_with("/3.png"));
    let queued = third.and_then(|r| r.phases.first()).expect("phases");
    assert_eq!(queued.name, PhaseName::Queueing);
    let parse = wirewalk::model::time::Duration::from_micros((sc.parse_ms * 1000.0) as u64);
    assert!(queued.end > doc && queued.end <= doc + parse, "{queued:?}");
}
