//! RFC 9001 Appendix A (`../shared/conformance/quic-rfc9001/`): from the client's Destination
//! Connection ID alone, the model derives both sides' Initial secrets, keys, IVs and
//! header-protection keys; it builds the A.2 client Initial byte for byte from its header fields
//! and payload, opens it again, and opens and rebuilds the A.3 server Initial.

use serde_json::Value;
use wirewalk::model::quic_keys::InitialSecrets;
use wirewalk::model::quic_packet::{
    initial_padding, protect, read_frames, unprotect, write_header, Frame, LongHeader, LongType,
    VERSION_1,
};
use wirewalk::model::quic_transport;
use wirewalk::model::tls_wire::{self, Handshake};
use wirewalk::model::trace::Wire;

fn appendix() -> Value {
    let path = crate::conformance_dir().join("quic-rfc9001/rfc9001_appendix_a.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (RFC 9001 Appendix A)", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

fn hex_at(v: &Value, path: &[&str]) -> Vec<u8> {
    let s = path
        .iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} is missing"));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn the_initial_secrets_keys_ivs_and_hp_keys_come_from_the_connection_id() {
    let a = appendix();
    let s = InitialSecrets::new(&hex_at(&a, &["client_dcid"]));
    assert_eq!(
        hex(&s.initial_secret),
        hex(&hex_at(&a, &["initial_secret"]))
    );
    for (side, client) in [("client", true), ("server", false)] {
        let secret = if client { &s.client } else { &s.server };
        assert_eq!(hex(secret), hex(&hex_at(&a, &[side, "initial_secret"])));
        let k = s.keys(client);
        assert_eq!(hex(&k.key), hex(&hex_at(&a, &[side, "key"])), "{side} key");
        assert_eq!(hex(&k.iv), hex(&hex_at(&a, &[side, "iv"])), "{side} iv");
        assert_eq!(hex(&k.hp), hex(&hex_at(&a, &[side, "hp"])), "{side} hp");
    }
}

#[test]
fn the_client_initial_of_a2_is_built_byte_for_byte() {
    let a = appendix();
    let dcid = hex_at(&a, &["client_dcid"]);
    let keys = InitialSecrets::new(&dcid).keys(true);
    let payload = hex_at(&a, &["a2_client_initial", "payload_plaintext"]);
    let h = LongHeader {
        kind: LongType::Initial,
        version: VERSION_1,
        dcid,
        scid: vec![],
        token: vec![],
        packet_number: a["a2_client_initial"]["packet_number"]
            .as_u64()
            .expect("packet number"),
        pn_len: 4,
    };
    let header = write_header(&h, payload.len()).expect("header");
    assert_eq!(
        hex(&header.bytes),
        hex(&hex_at(&a, &["a2_client_initial", "unprotected_header"]))
    );
    // The payload is a CRYPTO frame carrying the ClientHello, then exactly the PADDING that
    // makes the datagram 1,200 bytes.
    let frames = read_frames(&payload).expect("frames");
    let [Frame::Crypto { offset: 0, data }, Frame::Padding(pad)] = frames.as_slice() else {
        panic!("{frames:?}")
    };
    assert_eq!(*pad, initial_padding(&h, payload.len() - pad));
    let Ok(Handshake::ClientHello(ch)) = tls_wire::decode(data) else {
        panic!("the CRYPTO data is a ClientHello")
    };
    // Its quic_transport_parameters (RFC 9001 §8.2) read as RFC 9000 §18 parameters, the
    // four-byte varints written back as they came.
    let tp = (ch.extensions.iter())
        .find(|e| e.typ == 0x39)
        .expect("quic_transport_parameters");
    let tls_wire::ExtBody::Opaque(tp) = &tp.body else {
        panic!("{:?}", tp.body)
    };
    let params = quic_transport::decode(tp).expect("transport parameters");
    assert!(params.len() >= 5, "{params:?}");
    let idle = (params.iter())
        .find(|p| p.id == quic_transport::id::MAX_IDLE_TIMEOUT)
        .and_then(quic_transport::int);
    assert_eq!(idle, Some(30_000), "{params:?}");
    assert!(params.iter().all(|p| p.name() != "unknown"), "{params:?}");
    assert_eq!(
        quic_transport::encode(&params),
        *tp,
        "written back the same"
    );
    let wire = Wire {
        bytes: payload.clone(),
        fields: vec![],
    };
    let p = protect(&keys, &h, wire).expect("protects");
    let want = hex_at(&a, &["a2_client_initial", "protected_packet"]);
    assert_eq!(p.bytes.len(), 1200);
    assert_eq!(hex(&p.bytes), hex(&want));
    let o = unprotect(&keys, &want).expect("opens");
    assert_eq!((o.header, o.payload, o.len), (h, payload, 1200));
}

#[test]
fn the_server_initial_of_a3_opens_and_is_rebuilt() {
    let a = appendix();
    let keys = InitialSecrets::new(&hex_at(&a, &["client_dcid"])).keys(false);
    let packet = hex_at(&a, &["a3_server_initial", "protected_packet"]);
    let o = unprotect(&keys, &packet).expect("opens");
    assert_eq!(
        hex(&o.header_bytes),
        hex(&hex_at(&a, &["a3_server_initial", "unprotected_header"]))
    );
    assert_eq!(
        Some(o.header.packet_number),
        a["a3_server_initial"]["packet_number"].as_u64()
    );
    let payload = hex_at(&a, &["a3_server_initial", "payload_plaintext"]);
    assert_eq!(hex(&o.payload), hex(&payload));
    let frames = read_frames(&o.payload).expect("frames");
    let [Frame::Ack { largest: 0, .. }, Frame::Crypto { offset: 0, data }] = frames.as_slice()
    else {
        panic!("{frames:?}")
    };
    assert!(matches!(
        tls_wire::decode(data),
        Ok(Handshake::ServerHello(_))
    ));
    let wire = Wire {
        bytes: payload,
        fields: vec![],
    };
    let again = protect(&keys, &o.header, wire).expect("protects");
    assert_eq!(hex(&again.bytes), hex(&packet));
}

/// The line: `wirewalk trace https://www.example.com/ --protocol h3 --quic-dcid
/// 8394c8f03e515708 --json` shows, in its Initial packets' fields, Appendix A's secrets, keys,
/// IVs and header-protection keys — the browser's in its Initial datagrams, the server's in
/// the server's — through the engine the app and the CLI run.
#[test]
fn the_trace_of_an_h3_journey_shows_appendix_a_keys_in_its_initial_packets() {
    let a = appendix();
    let dcid = hex(&hex_at(&a, &["client_dcid"]));
    let args: Vec<std::ffi::OsString> = [
        "trace",
        "https://www.example.com/",
        "--protocol",
        "h3",
        "--quic-dcid",
        &dcid,
        "--json",
    ]
    .iter()
    .map(Into::into)
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        wirewalk::cli::run(&args, &mut out, &mut err),
        0,
        "{}",
        String::from_utf8_lossy(&err)
    );
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    let events = v["events"].as_array().expect("events");
    let field = |e: &Value, name: &str| -> Option<String> {
        (e["fields"].as_array()?.iter())
            .find(|f| f["name"] == name)
            .and_then(|f| f["value"].as_str().map(str::to_string))
    };
    for (step, side) in [
        ("quic.client_initial", "client"),
        ("quic.server_initial", "server"),
    ] {
        let e = events
            .iter()
            .find(|e| e["step"] == step)
            .unwrap_or_else(|| panic!("no {step} event"));
        assert_eq!(
            field(e, "initial_secret").as_deref(),
            Some(hex(&hex_at(&a, &["initial_secret"])).as_str())
        );
        let id = if side == "client" {
            "destination_connection_id"
        } else {
            "source_connection_id"
        };
        assert_eq!(field(e, id).as_deref(), Some(dcid.as_str()), "{step} {id}");
        for (name, key) in [
            ("initial_secret", "initial_secret"),
            ("key", "key"),
            ("iv", "iv"),
            ("hp", "hp"),
        ] {
            assert_eq!(
                field(e, &format!("{side}_{name}")),
                Some(hex(&hex_at(&a, &[side, key]))),
                "{step}: {side}_{name}"
            );
        }
    }
    // The browser's first datagram is Chromium's 1,250 bytes, carrying the ClientHello.
    let first = events
        .iter()
        .find(|e| e["step"] == "quic.client_initial")
        .expect("Initial");
    assert_eq!(first["bytes"], 1250 + 28, "payload and UDP/IPv4 headers");
    let order: Vec<&str> = events.iter().filter_map(|e| e["step"].as_str()).collect();
    let at = |s: &str| {
        order
            .iter()
            .position(|x| *x == s)
            .unwrap_or_else(|| panic!("no {s}"))
    };
    assert!(at("quic.client_initial") < at("tls.client_hello"));
    assert!(at("tls.client_hello") < at("quic.server_initial"));
    assert!(at("tls.finished") < at("http.request"));
    assert!(
        !order.iter().any(|s| s.starts_with("tcp.")),
        "no TCP over QUIC: {order:?}"
    );
}
