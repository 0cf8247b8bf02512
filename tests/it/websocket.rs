//! WebSockets (issue 20, RFC 6455) through the page load the app and the CLI run: the opening
//! handshake with Chromium's fields and the RFC's accept value, a connection of the WebSocket
//! pool's own, frames both ways (the browser's masked), ping answered with pong, the close
//! handshake, and the failures with Blink's console words; the bytes open in Wireshark.

use super::capture::{expect_status, scratch, tshark, wirewalk_pcap};
use std::process::Command;
use wirewalk::model::load::{
    self, MessageKind, Outcome, PageLoad, PageScenario, ResponseSpec, Side, WebSocketSpec, WsClose,
    WsKind, WsMessage,
};
use wirewalk::model::pages;
use wirewalk::model::step::steps;
use wirewalk::model::trace::Event;

/// A page on `https://app.example/` whose script opens a WebSocket to `url`, answered by
/// `spec` (`None`: the URL has no response in the scenario).
fn page(url: &str, spec: Option<ResponseSpec>) -> PageScenario {
    PageScenario {
        url: "https://app.example/".into(),
        html: format!("<script>const ws = new WebSocket('{url}');</script><img src=/after.png>"),
        responses: spec.into_iter().collect(),
        ..PageScenario::default()
    }
}

fn socket(messages: Vec<WsMessage>, close: Option<WsClose>) -> Option<ResponseSpec> {
    Some(ResponseSpec {
        url: "wss://live.example/feed".into(),
        websocket: Some(WebSocketSpec {
            messages,
            close,
            ..WebSocketSpec::default()
        }),
        ..ResponseSpec::default()
    })
}

fn ws_request(load: &PageLoad) -> &load::Request {
    (load.requests.iter())
        .find(|r| r.destination == "websocket")
        .expect("a WebSocket request")
}

/// The handshake request `r` sent, and its fields' names in order.
fn handshake<'l>(load: &'l PageLoad, r: &load::Request) -> (&'l Event, Vec<&'l str>) {
    let sent = (load.trace.events.iter())
        .find(|e| e.request == r.id && e.step == steps::HTTP_REQUEST)
        .expect("the handshake");
    let names = sent.field_list().iter().map(|f| f.name.as_ref()).collect();
    (sent, names)
}

fn events(load: &PageLoad, step: wirewalk::model::step::StepId) -> Vec<&Event> {
    (load.trace.events.iter())
        .filter(|e| e.step == step)
        .collect()
}

fn field(e: &Event, name: &str) -> Option<String> {
    (e.field_list().iter())
        .find(|f| f.name == name)
        .map(|f| f.value.to_string())
}

#[test]
fn the_preset_sends_the_rfcs_sample_key_and_gets_the_rfcs_accept() {
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(["page", "--preset", "realtime", "--json"])
        .output()
        .expect("run wirewalk");
    expect_status(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ws = (v["requests"].as_array().expect("requests").iter())
        .find(|r| r["destination"] == "websocket")
        .expect("the WebSocket");
    assert_eq!(ws["url"], "wss://ticker.example/prices");
    assert_eq!(ws["status"], 101);
    assert_eq!(ws["websocket"]["key"], "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(ws["websocket"]["accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(ws["websocket"]["expected"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(ws["group"], "ws/https://ticker.example");

    let load = load::run(&pages::preset("realtime").expect("preset")).expect("loads");
    let r = ws_request(&load);
    // Chromium's handshake: its fields in its order, no Referer, no Fetch Metadata.
    let (sent, names) = handshake(&load, r);
    assert_eq!(
        names[..names.len() - 1],
        [
            "Host",
            "Connection",
            "Pragma",
            "Cache-Control",
            "User-Agent",
            "Upgrade",
            "Origin",
            "Sec-WebSocket-Version",
            "Accept-Encoding",
            "Accept-Language",
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Extensions",
        ]
    );
    assert_eq!(field(sent, "Connection").as_deref(), Some("Upgrade"));
    assert_eq!(
        field(sent, "Origin").as_deref(),
        Some("https://ticker.example")
    );
    // Its own connection, although the page's connection to the same host is idle.
    let doc = &load.requests[0];
    assert_ne!(r.connection, doc.connection);
    assert!(!r.reused);
    let open = events(&load, steps::WS_OPEN);
    assert_eq!(open.len(), 1);
    assert!(open[0].summary().contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

#[test]
fn frames_go_both_ways_the_browsers_masked_and_a_ping_gets_a_pong() {
    let messages = vec![
        WsMessage {
            from: Side::Page,
            text: "hello".into(),
            ..WsMessage::default()
        },
        WsMessage {
            at_ms: 2000.0,
            text: "tick".into(),
            ..WsMessage::default()
        },
        WsMessage {
            at_ms: 2500.0,
            kind: WsKind::Ping,
            text: "hb".into(),
            ..WsMessage::default()
        },
        WsMessage {
            at_ms: 3000.0,
            kind: WsKind::Binary,
            bytes: 70_000,
            ..WsMessage::default()
        },
    ];
    let close = WsClose {
        at_ms: 4000.0,
        from: Side::Server,
        code: 4001,
        reason: "maintenance".into(),
    };
    let load = load::run(&page(
        "wss://live.example/feed",
        socket(messages, Some(close)),
    ))
    .expect("loads");
    let r = ws_request(&load);
    let kinds: Vec<(bool, MessageKind, u64)> = (r.messages.iter())
        .map(|m| (m.from_page, m.kind, m.bytes))
        .collect();
    assert_eq!(
        kinds,
        [
            (true, MessageKind::Text, 2 + 4 + 5),
            (false, MessageKind::Text, 2 + 4),
            (false, MessageKind::Ping, 2 + 2),
            (true, MessageKind::Pong, 2 + 4 + 2),
            (false, MessageKind::Binary, 2 + 8 + 70_000),
            (false, MessageKind::Close, 2 + 2 + 11),
            (true, MessageKind::Close, 2 + 4 + 2 + 11),
        ]
    );
    // The pong leaves when the ping arrives; the echo of the close when the close does.
    assert_eq!(r.messages[3].sent, r.messages[2].at);
    assert_eq!(r.messages[6].sent, r.messages[5].at);
    for e in events(&load, steps::WS_FRAME) {
        let masked = field(e, "MASK").as_deref() == Some("1");
        assert_eq!(
            masked,
            e.actor == wirewalk::model::trace::Actor::Browser,
            "{e:?}"
        );
    }
    // The server closes TCP after the close handshake; the socket is not kept.
    assert!(load
        .trace
        .events
        .iter()
        .any(|e| e.request == r.id && e.step == steps::TCP_CLOSE_FIN));
    assert!(
        matches!(r.outcome, Outcome::Ok { status: 101, .. }),
        "{:?}",
        r.outcome
    );
    assert!(r.end >= r.messages[6].at);
}

#[test]
fn a_wrong_answer_fails_the_handshake_with_blinks_words() {
    let cases: [(Option<ResponseSpec>, &str); 3] = [
        (
            Some(ResponseSpec {
                url: "wss://live.example/feed".into(),
                ..ResponseSpec::default()
            }),
            "Error during WebSocket handshake: Unexpected response code: 200",
        ),
        (
            Some(ResponseSpec {
                url: "wss://live.example/feed".into(),
                websocket: Some(WebSocketSpec {
                    accept: Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()),
                    ..WebSocketSpec::default()
                }),
                ..ResponseSpec::default()
            }),
            "Error during WebSocket handshake: Incorrect 'Sec-WebSocket-Accept' header value",
        ),
        (
            socket(
                vec![],
                Some(WsClose {
                    at_ms: 2000.0,
                    from: Side::Server,
                    code: 1005,
                    reason: String::new(),
                }),
            ),
            "Received a broken close frame containing a reserved status code.",
        ),
    ];
    for (spec, why) in cases {
        let load = load::run(&page("wss://live.example/feed", spec)).expect("loads");
        assert_eq!(
            load.console,
            [format!(
                "WebSocket connection to 'wss://live.example/feed' failed: {why}"
            )]
        );
        let r = ws_request(&load);
        assert!(
            matches!(&r.outcome, Outcome::Failed { error } if error.contains(why)),
            "{:?}",
            r.outcome
        );
        assert_eq!(events(&load, steps::WS_FAILED).len(), 1);
    }
    // A code Chromium lets through (4999, 1016) reaches the page: no failure.
    for code in [4999, 1016, 999] {
        let close = WsClose {
            at_ms: 2000.0,
            from: Side::Server,
            code,
            reason: String::new(),
        };
        let load = load::run(&page(
            "wss://live.example/feed",
            socket(vec![], Some(close)),
        ))
        .expect("loads");
        assert!(load.console.is_empty(), "{code}: {:?}", load.console);
    }
}

#[test]
fn relative_and_http_urls_become_ws_and_bad_ones_are_refused() {
    let load = load::run(&page("/chat", None)).expect("loads");
    assert_eq!(ws_request(&load).url, "wss://app.example/chat");
    assert_eq!(
        ws_request(&load).status,
        101,
        "no response given: the server accepts"
    );
    let load = load::run(&page("ftp://x.example/", None)).expect("loads");
    assert!(load.requests.iter().all(|r| r.destination != "websocket"));
    assert!(
        load.problems
            .iter()
            .any(|p| p.contains("'ftp' is not allowed")),
        "{:?}",
        load.problems
    );
    let load = load::run(&page("wss://x.example/#frag", None)).expect("loads");
    assert!(load
        .problems
        .iter()
        .any(|p| p.contains("Fragment identifiers are not allowed")));
}

#[test]
fn the_preset_opens_in_wireshark_as_an_upgrade_and_its_frames() {
    let pcap = scratch("realtime.pcapng");
    let keys = scratch("realtime.keys");
    let out = wirewalk_pcap(&["page", "--preset", "realtime"], &pcap, Some(&keys));
    expect_status(&out, 0);
    let out = Command::new(tshark())
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "websocket", "-T", "fields"])
        .args([
            "-e",
            "websocket.opcode",
            "-e",
            "websocket.mask",
            "-e",
            "text",
        ])
        .output()
        .expect("tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let load = load::run(&pages::preset("realtime").expect("preset")).expect("loads");
    let messages = &ws_request(&load).messages;
    // Every frame of the trace is one Wireshark reads, in order, masked as the trace says.
    assert_eq!(rows.len(), messages.len(), "{text}");
    for (row, m) in rows.iter().zip(messages) {
        let opcode = match m.kind {
            MessageKind::Text => "1",
            MessageKind::Binary => "2",
            MessageKind::Close => "8",
            MessageKind::Ping => "9",
            MessageKind::Pong => "10",
            MessageKind::Event => "?",
        };
        assert_eq!(row[0], opcode, "{row:?}");
        assert_eq!(row[1], if m.from_page { "1" } else { "0" }, "{row:?}");
    }
    let upgrade = Command::new(tshark())
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "http.response.code == 101", "-T", "fields"])
        .args(["-e", "http.response.code"])
        .output()
        .expect("tshark");
    assert_eq!(String::from_utf8_lossy(&upgrade.stdout).trim(), "101");
}

#[test]
fn a_page_may_close_only_with_its_codes_and_huge_messages_do_not_overflow() {
    let huge = socket(
        vec![WsMessage {
            from: Side::Page,
            kind: WsKind::Binary,
            bytes: u64::MAX,
            ..WsMessage::default()
        }],
        None,
    );
    let refused = load::run(&page("wss://live.example/feed", huge));
    assert!(refused.is_err_and(|e| e.contains("1 TiB")));
    let close = |code: u16| {
        let spec = socket(
            vec![WsMessage {
                from: Side::Page,
                kind: WsKind::Binary,
                bytes: 1 << 40,
                ..WsMessage::default()
            }],
            Some(WsClose {
                at_ms: 3000.0,
                from: Side::Page,
                code,
                reason: "é".repeat(100),
            }),
        );
        load::run(&page("wss://live.example/feed", spec)).expect("loads")
    };
    let l = close(1005);
    assert!(
        events(&l, steps::WS_CLOSE).is_empty(),
        "close() throws: nothing sent"
    );
    assert!(
        l.problems.iter().any(|p| p.contains("close() throws")),
        "{:?}",
        l.problems
    );
    let l = close(1000);
    assert!(
        l.problems.iter().any(|p| p.contains("close() throws")),
        "a 200-byte reason throws too"
    );
    let l = close(4000);
    assert!(l.problems.iter().any(|p| p.contains("close() throws")));
    // Short enough: sent, and the server's echo cuts nothing in a character.
    let spec = socket(
        vec![],
        Some(WsClose {
            at_ms: 3000.0,
            from: Side::Server,
            code: 4000,
            reason: "é".repeat(100),
        }),
    );
    let l = load::run(&page("wss://live.example/feed", spec)).expect("loads");
    for e in events(&l, steps::WS_CLOSE) {
        assert!(!e.summary().contains('\u{fffd}'), "{}", e.summary());
    }
}

/// Two WebSockets to one address connect one after the other (RFC 6455 §4.1, Chromium's
/// `WebSocketEndpointLockManager`): the second's SYN leaves 10 ms after the first's handshake
/// succeeded; a WebSocket to another address does not wait.
#[test]
fn two_websockets_to_one_address_connect_one_after_the_other() {
    let sc = PageScenario {
        url: "https://app.example/".into(),
        html: "<script>new WebSocket('wss://live.example/a'); new WebSocket('wss://live.example/b'); new WebSocket('wss://other.example/c');</script>".into(),
        ..PageScenario::default()
    };
    let load = load::run(&sc).expect("loads");
    let socket = |path: &str| {
        (load.requests.iter())
            .find(|r| r.url.ends_with(path))
            .expect("the socket")
    };
    let (a, b, c) = (socket("/a"), socket("/b"), socket("/c"));
    let syn = |r: &load::Request| {
        (load.trace.events.iter())
            .find(|e| e.connection == r.connection && e.step == steps::TCP_SYN)
            .expect("a SYN")
            .at
    };
    let opened = (load.trace.events.iter())
        .find(|e| e.request == a.id && e.step == steps::WS_OPEN)
        .expect("the first opens")
        .at;
    assert_eq!(
        syn(b),
        opened + wirewalk::model::time::Duration::from_millis(10)
    );
    assert!(syn(c) < opened, "another address: no wait");
    assert!(syn(a) < opened);
    let waited = events(&load, steps::WS_ENDPOINT_LOCK);
    assert_eq!(waited.len(), 1);
    assert_eq!(waited[0].request, b.id);
    let phase = (b.phases.iter())
        .find(|p| p.name == load::PhaseName::InitialConnection)
        .expect("its connection");
    assert!(phase.why.contains("endpoint lock"), "{}", phase.why);
    // Both open in the end.
    assert!(
        matches!(a.outcome, Outcome::Pending { .. }),
        "{:?}",
        a.outcome
    );
    assert!(
        matches!(b.outcome, Outcome::Pending { .. }),
        "{:?}",
        b.outcome
    );
}

/// A WebSocket's handshake does not go through Blink's and the network service's
/// `ResourceScheduler`: with a dozen images in flight to its host it is never held back, though
/// it goes at LOWEST (net's `DEFAULT_PRIORITY`).
#[test]
fn the_resource_scheduler_never_holds_a_websocket() {
    let mut html = String::from("<body>");
    for i in 0..12 {
        html.push_str(&format!("<img src=/p{i}.jpg>"));
    }
    html.push_str("<script>new WebSocket('wss://app.example/live');</script>");
    let sc = PageScenario {
        url: "https://app.example/".into(),
        html,
        ..PageScenario::default()
    };
    let load = load::run(&sc).expect("loads");
    let ws = ws_request(&load);
    assert_eq!(ws.priority, Some(wirewalk::model::pool::Priority::Lowest));
    let held = (load.trace.events.iter())
        .filter(|e| e.step == steps::POOL_THROTTLED)
        .map(|e| e.request)
        .collect::<Vec<_>>();
    assert!(!held.is_empty(), "some images are held back");
    assert!(!held.contains(&ws.id), "the WebSocket is not: {held:?}");
}

/// From a page loaded over https a `ws:` socket is mixed content: Blink blocks it and the
/// constructor throws (the words a Chromium 156 threw), and nothing is sent; a `ws:` socket to
/// a loopback host is allowed, and from an http page `ws:` is fine.
#[test]
fn an_https_page_may_not_open_a_plain_ws_socket() {
    let load = load::run(&page("ws://live.example/feed", None)).expect("loads");
    assert!(load.requests.iter().all(|r| r.destination != "websocket"));
    assert_eq!(
        load.problems,
        [
            "Mixed Content: The page at 'https://app.example/' was loaded over HTTPS, but attempted to connect to the insecure WebSocket endpoint 'ws://live.example/feed'. This request has been blocked; this endpoint must be available over WSS.",
            "Uncaught SecurityError: Failed to construct 'WebSocket': An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.",
        ]
    );
    let load = load::run(&page("ws://127.0.0.1:9000/feed", None)).expect("loads");
    assert_eq!(ws_request(&load).url, "ws://127.0.0.1:9000/feed");
    let mut plain = page("ws://live.example/feed", None);
    plain.url = "http://app.example/".into();
    let load = load::run(&plain).expect("loads");
    assert_eq!(ws_request(&load).url, "ws://live.example/feed");
}

/// Subprotocols (RFC 6455 §1.9): the page's list goes last in the handshake, joined with ", ";
/// the server's choice must be one of them, once, or the socket fails with Chromium's words
/// (`ValidateSubProtocol`); without a list the server may name none.
#[test]
fn subprotocols_are_offered_last_and_the_answer_is_checked() {
    let offered = |protocols: &str, answer: &[&str]| {
        let mut sc = page("wss://live.example/feed", socket(vec![], None));
        sc.html = sc.html.replace(
            "new WebSocket('wss://live.example/feed')",
            &format!("new WebSocket('wss://live.example/feed'{protocols})"),
        );
        sc.responses[0].headers = answer
            .iter()
            .map(|v| format!("Sec-WebSocket-Protocol: {v}"))
            .collect();
        load::run(&sc).expect("loads")
    };
    let load = offered(", ['chat.v2', 'chat.v1']", &["chat.v1"]);
    let r = ws_request(&load);
    // The last field, before the event's own size line.
    let (sent, names) = handshake(&load, r);
    assert_eq!(
        names.iter().rev().nth(1),
        Some(&"Sec-WebSocket-Protocol"),
        "{names:?}"
    );
    assert_eq!(
        field(sent, "Sec-WebSocket-Protocol").as_deref(),
        Some("chat.v2, chat.v1")
    );
    assert!(load.console.is_empty(), "{:?}", load.console);
    let h = r.websocket.as_ref().expect("a handshake");
    assert_eq!(h.protocols, ["chat.v2", "chat.v1"]);
    assert_eq!(h.protocol.as_deref(), Some("chat.v1"));

    for (protocols, answer, why) in [
        (
            ", 'chat.v2'",
            &[][..],
            "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received",
        ),
        (
            ", 'chat.v2'",
            &["chat.v3"][..],
            "'Sec-WebSocket-Protocol' header value 'chat.v3' in response does not match any of sent values",
        ),
        (
            ", ['a', 'b']",
            &["a", "b"][..],
            "'Sec-WebSocket-Protocol' header must not appear more than once in a response",
        ),
        (
            "",
            &["chat.v1"][..],
            "Response must not include 'Sec-WebSocket-Protocol' header if not present in request: chat.v1",
        ),
    ] {
        let load = offered(protocols, answer);
        assert_eq!(
            load.console,
            [format!(
                "WebSocket connection to 'wss://live.example/feed' failed: Error during WebSocket handshake: {why}"
            )],
            "{protocols} {answer:?}"
        );
        let h = ws_request(&load).websocket.as_ref().expect("a handshake");
        assert_eq!(h.protocol, None);
    }
}
