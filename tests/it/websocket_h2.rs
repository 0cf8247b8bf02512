//! WebSockets over HTTP/2 (issue 20, RFC 8441) through the page load the app and the CLI run:
//! a WebSocket to an origin whose open HTTP/2 session allowed the extended CONNECT is a stream
//! of it (no key, a `200`), its frames DATA frames, its close the stream's END_STREAM; without
//! that setting it opens a connection of its own, as Chromium does; a failure resets the
//! stream and keeps the connection. The bytes open in Wireshark.

use super::capture::{expect_status, scratch, tshark, wirewalk_pcap};
use std::process::Command;
use wirewalk::model::load::{self, Outcome, PageLoad, PageScenario, ResponseSpec, Side, WsClose};
use wirewalk::model::pages;
use wirewalk::model::step::{steps, StepId};
use wirewalk::model::trace::Event;
use wirewalk::model::websocket::{self as ws, present::Framed, Opcode};

fn preset() -> PageScenario {
    pages::preset("websocket-h2").expect("the preset")
}

fn ws_request(load: &PageLoad) -> &load::Request {
    (load.requests.iter())
        .find(|r| r.destination == "websocket")
        .expect("a WebSocket request")
}

fn of_request<'a>(load: &'a PageLoad, r: &load::Request, step: StepId) -> Vec<&'a Event> {
    (load.trace.events.iter())
        .filter(|e| e.request == r.id && e.step == step)
        .collect()
}

fn field<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    (e.field_list().iter())
        .find(|f| f.name == name)
        .map(|f| f.value.as_ref())
}

#[test]
fn the_preset_carries_its_websocket_as_a_stream_of_the_pages_connection() {
    let load = load::run(&preset()).expect("loads");
    let r = ws_request(&load);
    let doc = &load.requests[0];
    assert_eq!(r.connection, doc.connection, "the page's own connection");
    assert_eq!(r.status, 200);
    let hs = r.websocket.as_ref().expect("its handshake");
    assert_eq!((hs.key.as_deref(), hs.accept.as_deref()), (None, None));
    let stream = hs.http2_stream.expect("a stream");
    assert_eq!(stream % 2, 1, "a stream the client opens");
    // No socket of the WebSocket pool's, no connection but the page's.
    assert!(load.groups.iter().all(|g| !g.group.starts_with("ws/")));
    assert!(load.connections.iter().all(|c| c.closed.is_none()));

    let why = of_request(&load, r, steps::WS_EXTENDED_CONNECT);
    assert_eq!(why.len(), 1);
    assert!(why[0]
        .summary()
        .contains("SETTINGS_ENABLE_CONNECT_PROTOCOL = 1"));
    // The extended CONNECT as Chromium writes it: no key, no Upgrade, no priority field.
    let sent = of_request(&load, r, steps::HTTP_REQUEST);
    let names: Vec<&str> = sent[0]
        .field_list()
        .iter()
        .map(|f| f.name.as_ref())
        .collect();
    assert_eq!(
        names[..13],
        [
            ":method",
            ":authority",
            ":scheme",
            ":path",
            ":protocol",
            "pragma",
            "cache-control",
            "user-agent",
            "origin",
            "sec-websocket-version",
            "accept-encoding",
            "accept-language",
            "sec-websocket-extensions",
        ]
    );
    assert_eq!(field(sent[0], ":method"), Some("CONNECT"));
    assert_eq!(field(sent[0], ":protocol"), Some("websocket"));
    assert_eq!(field(sent[0], "origin"), Some("https://chat.example"));
    assert!(sent[0].summary().contains("CONNECT /live"));

    // Frames both ways, each a DATA frame's payload: 9 bytes more than over HTTP/1.1.
    let frames = of_request(&load, r, steps::WS_FRAME);
    assert_eq!(frames.len(), 6, "join, three messages, ping, pong");
    let first = r.messages.first().expect("messages");
    assert!(first.from_page);
    assert_eq!(
        first.bytes,
        9 + 2 + 4 + 18,
        "DATA header, frame header, mask, payload"
    );
    assert!(frames.iter().all(|e| e.stream == Some(stream)));
    // The close, as a real Chromium 156 does it against node's server (docs/fidelity.md): the
    // browser's close frame ends its side of the stream, the server's answer ends the other;
    // nothing more, and the connection stays.
    let close = of_request(&load, r, steps::WS_CLOSE);
    assert_eq!(close.len(), 2, "{close:#?}");
    for e in &close {
        let f = e.detail::<Framed>().expect("a close frame");
        assert!(f.end_stream, "{}", e.summary());
    }
    assert_eq!(r.end, close[1].flight.as_ref().expect("sent").arrives_at);
    assert!(matches!(r.outcome, Outcome::Ok { status: 200, .. }));
    assert!(load.console.is_empty(), "{:?}", load.console);
}

#[test]
fn without_the_setting_it_opens_a_connection_of_its_own() {
    let mut sc = preset();
    sc.origins[0].enable_connect_protocol = false;
    let load = load::run(&sc).expect("loads");
    let r = ws_request(&load);
    assert_ne!(r.connection, load.requests[0].connection);
    assert_eq!(r.status, 101);
    assert_eq!(&*r.group, "ws/https://chat.example");
    let hs = r.websocket.as_ref().expect("its handshake");
    assert!(hs.key.is_some() && hs.http2_stream.is_none());
    assert_eq!(hs.accept, hs.expected);
    let why = of_request(&load, r, steps::WS_EXTENDED_CONNECT);
    assert_eq!(why.len(), 1);
    assert!(
        why[0]
            .summary()
            .contains("did not allow the extended CONNECT"),
        "{}",
        why[0].summary()
    );
    // Its TLS offered only http/1.1: an HTTP/1.1 connection, though the origin speaks h2.
    let conn = (load.connections.iter())
        .find(|c| Some(c.id) == r.connection)
        .expect("its connection");
    assert_eq!(conn.protocol, load::Protocol::Http1);
}

#[test]
fn a_refused_connect_or_a_reserved_close_code_resets_the_stream_not_the_connection() {
    let refused = ResponseSpec {
        url: "wss://chat.example/live".into(),
        status: 404,
        ..ResponseSpec::default()
    };
    let mut reserved = preset();
    if let Some(w) = reserved.responses[0].websocket.as_mut() {
        w.close = Some(WsClose {
            at_ms: 2000.0,
            from: Side::Server,
            code: 1006,
            reason: String::new(),
        });
    }
    let mut missing = preset();
    missing.responses = vec![refused];
    let cases = [
        (
            missing,
            "Error during WebSocket handshake: Unexpected response code: 404",
        ),
        (
            reserved,
            "Received a broken close frame containing a reserved status code.",
        ),
    ];
    for (sc, why) in cases {
        let load = load::run(&sc).expect("loads");
        assert_eq!(
            load.console,
            [format!(
                "WebSocket connection to 'wss://chat.example/live' failed: {why}"
            )]
        );
        let r = ws_request(&load);
        assert!(
            matches!(&r.outcome, Outcome::Failed { error } if error.contains(why)),
            "{:?}",
            r.outcome
        );
        let close = of_request(&load, r, steps::WS_CLOSE);
        let reset = close.last().expect("a reset");
        assert_eq!(
            reset.summary(),
            format!(
                "RST_STREAM on stream {}: CANCEL",
                r.websocket
                    .as_ref()
                    .and_then(|h| h.http2_stream)
                    .unwrap_or_default()
            )
        );
        assert!(load.connections.iter().all(|c| c.closed.is_none()));
    }
}

#[test]
fn the_preset_opens_in_wireshark_as_an_extended_connect_and_its_frames() {
    let pcap = scratch("websocket-h2.pcapng");
    let keys = scratch("websocket-h2.keys");
    let out = wirewalk_pcap(&["page", "--preset", "websocket-h2"], &pcap, Some(&keys));
    expect_status(&out, 0);
    let load = load::run(&preset()).expect("loads");
    let r = ws_request(&load);
    let stream = (r.websocket.as_ref().and_then(|h| h.http2_stream)).expect("a stream");
    let tshark_rows = |filter: &str, fields: &[&str]| -> Vec<Vec<String>> {
        let mut cmd = Command::new(tshark());
        cmd.arg("-r")
            .arg(&pcap)
            .args(["-Y", filter, "-T", "fields"]);
        cmd.args(["-E", "occurrence=a", "-E", "aggregator=;"]);
        for f in fields {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().expect("tshark");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (String::from_utf8_lossy(&out.stdout).lines())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    };
    // The server's SETTINGS allow it: Wireshark names the setting.
    let settings = tshark_rows(
        "http2.settings.extended_connect == 1",
        &["http2.settings.extended_connect"],
    );
    assert!(!settings.is_empty());
    let rows = tshark_rows(
        &format!("http2.streamid == {stream}"),
        &[
            "http2.type",
            "http2.flags.end_stream",
            "http2.data.data",
            "http2.header.name",
            "http2.header.value",
        ],
    );
    // HEADERS (the CONNECT, the 200), one DATA per WebSocket frame.
    assert_eq!(rows.len(), 2 + r.messages.len(), "{rows:?}");
    let names: Vec<&str> = rows[0][3].split(';').collect();
    let values: Vec<&str> = rows[0][4].split(';').collect();
    assert_eq!((rows[0][0].as_str(), rows[0][1].as_str()), ("1", "0"));
    assert_eq!((names[0], values[0]), (":method", "CONNECT"));
    assert_eq!((names[4], values[4]), (":protocol", "websocket"));
    assert!(!names.contains(&"sec-websocket-key"));
    assert_eq!(
        (
            rows[1][0].as_str(),
            rows[1][1].as_str(),
            rows[1][4].as_str()
        ),
        // The 200, naming the subprotocol the server chose of the two the page offered.
        ("1", "0", "200;chat.v1")
    );
    // The subprotocols offered, last (tshark joins the values with `;`, which some contain:
    // only the last is read back whole).
    assert_eq!(names.last(), Some(&"sec-websocket-protocol"));
    assert_eq!(values.last(), Some(&"chat.v2, chat.v1"));
    // Each DATA frame's payload is one WebSocket frame, the browser's masked.
    for (row, m) in rows[2..].iter().zip(&r.messages) {
        assert_eq!(row[0], "0");
        let bytes: Vec<u8> = (0..row[2].len() / 2)
            .map(|i| u8::from_str_radix(&row[2][2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        let (frame, n) = ws::decode(&bytes, u64::MAX).expect("a WebSocket frame");
        assert_eq!(n, bytes.len());
        assert_eq!(frame.mask.is_some(), m.from_page);
        assert_eq!(m.bytes, 9 + n as u64);
        if frame.opcode == Opcode::Text && m.from_page {
            assert_eq!(frame.payload, br#"{"join":"general"}"#);
        }
        // Only the close frames end a side of the stream.
        let ends = if frame.opcode == Opcode::Close {
            "1"
        } else {
            "0"
        };
        assert_eq!(row[1], ends, "{row:?}");
    }
    // No HTTP/1.1 upgrade anywhere.
    assert!(tshark_rows("http.response.code == 101", &["http.response.code"]).is_empty());
}

/// A close the server starts: its close frame leaves the stream open, the browser's echo ends
/// the browser's side, and the server then ends its own with an empty DATA frame.
#[test]
fn a_close_the_server_starts_ends_the_stream_from_both_sides() {
    let mut sc = preset();
    if let Some(w) = sc.responses[0].websocket.as_mut() {
        w.close = Some(WsClose {
            at_ms: 3000.0,
            from: Side::Server,
            code: 1001,
            reason: "going away".into(),
        });
    }
    let load = load::run(&sc).expect("loads");
    let r = ws_request(&load);
    let close = of_request(&load, r, steps::WS_CLOSE);
    let ends: Vec<(bool, bool)> = (close.iter())
        .map(|e| match e.detail::<Framed>() {
            Some(f) => (f.from_browser, f.end_stream),
            None => (false, e.summary().contains("END_STREAM")),
        })
        .collect();
    // The server's close (open), the browser's echo (ends its side), the server's empty end.
    assert_eq!(
        ends,
        [(false, false), (true, true), (false, true)],
        "{close:#?}"
    );
    assert!(matches!(r.outcome, Outcome::Ok { status: 200, .. }));
    assert!(load.connections.iter().all(|c| c.closed.is_none()));
}

/// A WebSocket frame longer than HTTP/2's 16,384-byte frames takes several DATA frames; the
/// message's bytes count each frame's header, and Wireshark reads every one.
#[test]
fn a_long_message_over_http2_takes_several_data_frames() {
    let mut sc = preset();
    if let Some(w) = sc.responses[0].websocket.as_mut() {
        w.messages.push(load::WsMessage {
            at_ms: 2000.0,
            kind: load::WsKind::Binary,
            bytes: 100_000,
            ..load::WsMessage::default()
        });
    }
    let load = load::run(&sc).expect("loads");
    let r = ws_request(&load);
    let big = (r.messages.iter())
        .find(|m| m.kind == load::MessageKind::Binary)
        .expect("the binary message");
    // 2 + 8 bytes of WebSocket header, 7 DATA frames of at most 16,384 bytes.
    assert_eq!(big.bytes, 100_010 + 7 * 9);
    let file = scratch("websocket-h2-long.json");
    std::fs::write(&file, sc.to_json()).expect("scenario written");
    let pcap = scratch("websocket-h2-long.pcapng");
    let out = wirewalk_pcap(&["page", file.to_str().expect("path")], &pcap, None);
    expect_status(&out, 0);
    let stream = r
        .websocket
        .as_ref()
        .and_then(|h| h.http2_stream)
        .expect("a stream");
    let out = Command::new(tshark())
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            &format!("http2.streamid == {stream} && http2.type == 0"),
        ])
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"])
        .args(["-e", "http2.length"])
        .output()
        .expect("tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let lengths: Vec<u64> = (text.lines())
        .flat_map(|l| l.split(';'))
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    assert!(lengths.iter().all(|&n| n <= 16_384), "{lengths:?}");
    let long: u64 = lengths.iter().filter(|&&n| n == 16_384).count() as u64;
    assert_eq!(long, 6, "{lengths:?}");
    assert!(lengths.contains(&(100_010 - 6 * 16_384)), "{lengths:?}");
}
