//! TLS 1.3 with real cryptography against RFC 8448 §3, "Simple 1-RTT Handshake"
//! (`tls13-rfc8448/rfc8448_section3_simple_1rtt.json`): from the trace's inputs — the client's
//! x25519 private key, the ClientHello and ServerHello (randoms, key shares), the server's
//! EncryptedExtensions, Certificate and CertificateVerify, the ticket and the application data —
//! `Session13` (the code the capture export and the inspector's bytes use) makes every record of the
//! trace byte for byte, and the key schedule gives every published intermediate value. The
//! Finished messages, the keys and every ciphertext are computed here, not read.

use serde_json::Value;
use wirewalk::model::tls_keys::{self, Suite13, TrafficKeys};
use wirewalk::model::tls_record::{self, content, Epoch, Sent, Session13};
use wirewalk::model::tls_wire::{self, ExtBody, Handshake, Reader};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub struct Trace(pub Value);

impl Trace {
    pub fn load() -> Trace {
        let path = crate::conformance_dir().join("tls13-rfc8448/rfc8448_section3_simple_1rtt.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (the RFC 8448 trace)", path.display()));
        Trace(serde_json::from_str(&text).expect("JSON"))
    }

    pub fn get(&self, name: &str) -> Vec<u8> {
        unhex(
            self.0["values_hex"][name]
                .as_str()
                .unwrap_or_else(|| panic!("values_hex.{name} is missing")),
        )
    }
}

/// The messages of a run of handshake messages (a record's plaintext).
fn messages(bytes: &[u8]) -> Vec<Handshake> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while !r.done() {
        out.push(tls_wire::decode_next(&mut r).expect("a handshake message"));
    }
    out
}

#[test]
fn the_handshake_messages_read_and_write_back() {
    let t = Trace::load();
    for name in ["client_hello", "server_hello", "new_session_ticket"] {
        let bytes = t.get(name);
        let m = tls_wire::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tls_wire::encode(&m).expect("writes").bytes, bytes, "{name}");
    }
    let flight = t.get("server_flight_plaintext");
    let ms = messages(&flight);
    let names: Vec<&str> = ms.iter().map(Handshake::name).collect();
    assert_eq!(
        names,
        [
            "EncryptedExtensions",
            "Certificate",
            "CertificateVerify",
            "Finished"
        ]
    );
    let again: Vec<u8> = ms
        .iter()
        .flat_map(|m| tls_wire::encode(m).expect("writes").bytes)
        .collect();
    assert_eq!(again, flight);
    // The ClientHello's extensions read into their types, not bytes.
    let Handshake::ClientHello(ch) = tls_wire::decode(&t.get("client_hello")).expect("CH") else {
        panic!("not a ClientHello")
    };
    assert_eq!(
        ch.extensions[0].body,
        ExtBody::ServerName(vec!["server".into()])
    );
    assert!(ch
        .extensions
        .iter()
        .any(|e| matches!(&e.body, ExtBody::ClientShares(s) if s[0].group == 0x001d)));
}

/// The trace's connection made from its inputs: every record in wire order, and the session
/// (its key schedule and key log).
pub fn made_from_inputs(t: &Trace) -> (Session13, Vec<Sent>) {
    let Handshake::ClientHello(ch) = tls_wire::decode(&t.get("client_hello")).expect("CH") else {
        panic!("not a ClientHello")
    };
    let Handshake::ServerHello(sh) = tls_wire::decode(&t.get("server_hello")).expect("SH") else {
        panic!("not a ServerHello")
    };
    let private: [u8; 32] = t.get("client_private_key").try_into().expect("32 bytes");
    let server_public = tls_record::server_x25519(&sh).expect("an x25519 share");
    let shared = tls_keys::x25519_shared(&private, &server_public);
    let mut s = Session13::new();
    let mut out = vec![
        s.client_hello(&ch).expect("CH record"),
        s.server_hello(&sh, &shared).expect("SH record"),
    ];
    // The server's EncryptedExtensions, Certificate and CertificateVerify are inputs; its
    // Finished is computed.
    let mut flight = messages(&t.get("server_flight_plaintext"));
    flight.pop();
    out.extend(s.server_flight(&flight).expect("server flight"));
    out.extend(s.client_finished().expect("client Finished"));
    let Handshake::NewSessionTicket(nst) =
        tls_wire::decode(&t.get("new_session_ticket")).expect("NST")
    else {
        panic!("not a NewSessionTicket")
    };
    let nst = Handshake::NewSessionTicket(nst);
    out.extend(s.post_handshake(false, &nst).expect("ticket"));
    let payload = t.get("app_payload");
    out.extend(s.data(true, &payload).expect("client data"));
    out.extend(s.data(false, &payload).expect("server data"));
    out.extend(s.alert(true, 1, 0).expect("client close_notify"));
    out.extend(s.alert(false, 1, 0).expect("server close_notify"));
    (s, out)
}

#[test]
fn the_trace_is_made_byte_for_byte_from_its_inputs() {
    let t = Trace::load();
    let Handshake::ServerHello(sh) = tls_wire::decode(&t.get("server_hello")).expect("SH") else {
        panic!("not a ServerHello")
    };
    let private: [u8; 32] = t.get("client_private_key").try_into().expect("32 bytes");
    let server_public = tls_record::server_x25519(&sh).expect("an x25519 share");
    let shared = tls_keys::x25519_shared(&private, &server_public);
    assert_eq!(
        shared.to_vec(),
        t.get("shared_secret"),
        "x25519 shared secret"
    );

    let (s, records) = made_from_inputs(&t);
    let published = t.0["wire_sequence"].as_array().expect("wire_sequence");
    assert_eq!(records.len(), published.len(), "records");
    for (made, p) in records.iter().zip(published) {
        let name = p["record"].as_str().expect("record name");
        assert_eq!(made.record.bytes, t.get(name), "{name}");
        assert_eq!(made.from_client, p["from"] == "client", "{name}: sender");
        if let Some(seq) = p["seq"].as_u64() {
            assert_eq!(made.seq, seq, "{name}: sequence number");
        }
    }
    let server = &records[2];
    assert_eq!((server.epoch, server.seq), (Epoch::Handshake, 0));
    let (inner_type, plaintext) = server.inner.as_ref().expect("protected");
    assert_eq!(*inner_type, content::HANDSHAKE);
    assert_eq!(plaintext.bytes, t.get("server_flight_plaintext"));
    let finished = messages(&plaintext.bytes).pop().expect("Finished");
    assert_eq!(finished, Handshake::Finished(t.get("server_verify_data")));
    let client = &records[3].inner.as_ref().expect("protected").1.bytes;
    assert_eq!(client[4..], t.get("client_verify_data"));
    assert_eq!(records[4].epoch, Epoch::Application);

    // Every intermediate value the trace publishes.
    let k = s.schedule().expect("a key schedule");
    for (name, value) in [
        ("early_secret", &k.early_secret),
        ("derived_for_handshake", &k.derived_for_handshake),
        ("handshake_secret", &k.handshake_secret),
        ("hello_hash", &k.hello_hash),
        (
            "client_handshake_traffic_secret",
            &k.client_handshake_traffic_secret,
        ),
        (
            "server_handshake_traffic_secret",
            &k.server_handshake_traffic_secret,
        ),
        ("master_secret", &k.master_secret),
        (
            "client_application_traffic_secret_0",
            &k.client_application_traffic_secret_0,
        ),
        (
            "server_application_traffic_secret_0",
            &k.server_application_traffic_secret_0,
        ),
        ("exporter_master_secret", &k.exporter_master_secret),
    ] {
        assert_eq!(*value, t.get(name), "{name}");
    }
    let suite = Suite13::from_code(0x1301).expect("TLS_AES_128_GCM_SHA256");
    for (secret, key, iv) in [
        (
            &k.server_handshake_traffic_secret,
            "server_handshake_key",
            "server_handshake_iv",
        ),
        (
            &k.client_handshake_traffic_secret,
            "client_handshake_key",
            "client_handshake_iv",
        ),
        (
            &k.server_application_traffic_secret_0,
            "server_application_key",
            "server_application_iv",
        ),
        (
            &k.client_application_traffic_secret_0,
            "client_application_key",
            "client_application_iv",
        ),
    ] {
        let keys = TrafficKeys::from_secret(suite, secret);
        assert_eq!(keys.key, t.get(key), "{key}");
        assert_eq!(keys.iv.to_vec(), t.get(iv), "{iv}");
    }
}

/// The records open again with the keys the schedule gave, and a flipped bit does not.
#[test]
fn the_published_records_open_with_the_derived_keys() {
    let t = Trace::load();
    let mut s = Session13::new();
    let Handshake::ClientHello(ch) = tls_wire::decode(&t.get("client_hello")).expect("CH") else {
        panic!("not a ClientHello")
    };
    let Handshake::ServerHello(sh) = tls_wire::decode(&t.get("server_hello")).expect("SH") else {
        panic!("not a ServerHello")
    };
    s.client_hello(&ch).expect("CH");
    s.server_hello(&sh, &t.get("shared_secret")).expect("SH");
    let k = s.schedule().expect("schedule");
    let suite = k.suite;
    let keys = TrafficKeys::from_secret(suite, &k.server_handshake_traffic_secret);
    let record = t.get("record_server_flight");
    let (typ, plain) = tls_record::open(&keys, 0, &record).expect("opens");
    assert_eq!(typ, content::HANDSHAKE);
    assert_eq!(plain, t.get("server_flight_plaintext"));
    let mut bad = record.clone();
    bad[100] ^= 0x10;
    assert!(tls_record::open(&keys, 0, &bad).is_err());
    assert!(
        tls_record::open(&keys, 1, &record).is_err(),
        "wrong sequence number"
    );
    assert!(
        tls_record::open(&keys, 0, &record[..40]).is_err(),
        "cut short"
    );
}
