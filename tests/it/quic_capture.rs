//! The QUIC capture's first part (issue 19): the browser's Initial datagrams of an HTTP/3
//! journey with their real bytes, checked by a second implementation — Wireshark's tshark
//! derives the Initial keys from the Destination Connection ID, decrypts both datagrams,
//! reassembles the ClientHello from their CRYPTO frames and reads it.

use super::capture::{fields, scratch};
use std::rc::Rc;
use wirewalk::model::capture::quic::{datagram_of, handshake};
use wirewalk::model::capture::tls13::Shared;
use wirewalk::model::connection::CLIENT_ADDR;
use wirewalk::model::journey::run;
use wirewalk::model::load::Protocol;
use wirewalk::model::pcapng::{self, Capture, Packet};
use wirewalk::model::quic_present::{InCrypto, Shown};
use wirewalk::model::scenario::Scenario;
use wirewalk::model::step::steps;
use wirewalk::model::time::Instant;
use wirewalk::model::{dns, ip};

#[test]
fn the_browsers_initial_datagrams_decrypt_in_wireshark() {
    // RFC 9001 Appendix A's connection ID, and a second drawn from the seed.
    for dcid in [Some("8394c8f03e515708"), None] {
        let j = run(&Scenario {
            protocol: Protocol::H3,
            quic_dcid: dcid.map(str::to_string),
            ..Scenario::default()
        });
        let shown: Vec<&Shown> = (j.trace.events.iter())
            .filter(|e| e.step == steps::QUIC_CLIENT_INITIAL)
            .filter_map(|e| e.detail::<Shown>())
            .take(2)
            .collect();
        assert_eq!(shown.len(), 2, "the first flight's two datagrams");
        // Only the Initial keys are needed: no key log goes into this file.
        let msgs: Vec<_> = (j.trace.events.iter())
            .filter_map(|e| e.detail::<InCrypto>())
            .map(|c| Rc::clone(&c.msg))
            .collect();
        let h = handshake(&msgs, Instant::ZERO, &mut Shared::default()).expect("the handshake");
        let bytes: Vec<Vec<u8>> = (shown.iter())
            .map(|s| datagram_of(&s.datagram, &s.cid, &h).expect("written"))
            .collect();
        assert!(
            bytes.iter().all(|b| b.len() == 1250),
            "Chromium's datagram size"
        );
        let server = dns::address_of("www.example.com");
        let (port, server_port) = shown[0].ports;
        let packets = (bytes.iter().enumerate())
            .map(|(i, b)| Packet {
                at_us: i as u64,
                data: ip::udp_packet((CLIENT_ADDR, port), (server, server_port), i as u16, b),
                comment: "quic.client_initial".into(),
            })
            .collect();
        let file = scratch(&format!("quic-initials-{}.pcapng", dcid.unwrap_or("drawn")));
        let capture = Capture {
            packets,
            keylog: String::new(),
        };
        std::fs::write(&file, pcapng::write(&capture)).expect("written");
        let rows = fields(
            &file,
            &[
                "quic.packet_number",
                "udp.checksum.status",
                "ip.checksum.status",
                "tls.handshake.type",
                "tls.handshake.extensions_server_name",
                "tls.handshake.extensions_alpn_str",
            ],
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r[0], (i + 1).to_string(), "packet numbers: {rows:?}");
            // tshark's checksum status 1: verified and good.
            assert_eq!(
                (r[1].as_str(), r[2].as_str()),
                ("1", "1"),
                "checksums: {rows:?}"
            );
        }
        // The ClientHello, reassembled from both datagrams' CRYPTO frames and decrypted.
        let hello_row = rows.iter().find(|r| r[3] == "1").expect("a ClientHello");
        assert_eq!(hello_row[4], "www.example.com", "{rows:?}");
        assert_eq!(hello_row[5], "h3", "{rows:?}");
    }
}

/// The handshake's datagrams both ways with their real bytes: the Initial packets under the
/// DCID's keys, the Handshake packets under the handshake secrets the key log (inside the
/// file) gives. tshark decrypts them all and reads every TLS message of the handshake.
#[test]
fn the_handshakes_datagrams_decrypt_in_wireshark_with_the_key_log() {
    let j = run(&Scenario {
        protocol: Protocol::H3,
        quic_dcid: Some("8394c8f03e515708".into()),
        ..Scenario::default()
    });
    let msgs: Vec<_> = (j.trace.events.iter())
        .filter_map(|e| e.detail::<InCrypto>())
        .map(|c| Rc::clone(&c.msg))
        .collect();
    let h = handshake(&msgs, Instant::ZERO, &mut Shared::default()).expect("the handshake");
    // The datagrams until the server's HANDSHAKE_DONE (a 1-RTT packet: not yet written).
    let shown: Vec<&Shown> = (j.trace.events.iter())
        .take_while(|e| e.step != steps::QUIC_HANDSHAKE_DONE)
        .filter_map(|e| e.detail::<Shown>())
        .collect();
    assert_eq!(
        shown.len(),
        5,
        "two Initials, the server's two, the browser's Finished"
    );
    let server = dns::address_of("www.example.com");
    let packets = (shown.iter().enumerate())
        .map(|(i, s)| {
            let bytes = datagram_of(&s.datagram, &s.cid, &h).expect("written");
            let (browser, srv) = ((CLIENT_ADDR, s.ports.0), (server, s.ports.1));
            let (from, to) = if s.datagram.from_client {
                (browser, srv)
            } else {
                (srv, browser)
            };
            Packet {
                at_us: i as u64 * 1000,
                data: ip::udp_packet(from, to, i as u16, &bytes),
                comment: "quic".into(),
            }
        })
        .collect();
    let file = scratch("quic-handshake.pcapng");
    let capture = Capture {
        packets,
        keylog: h.keylog.clone(),
    };
    std::fs::write(&file, pcapng::write(&capture)).expect("written");
    let rows = fields(&file, &["udp.checksum.status", "tls.handshake.type"]);
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows.iter().all(|r| r[0] == "1"), "checksums: {rows:?}");
    let types: Vec<&str> = (rows.iter())
        .flat_map(|r| r[1].split(','))
        .filter(|t| !t.is_empty())
        .collect();
    // ClientHello, ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished
    // (the server's), Finished (the browser's).
    assert_eq!(types, ["1", "2", "8", "11", "15", "20", "20"], "{rows:?}");
}
