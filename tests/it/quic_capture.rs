//! The QUIC capture (issue 19), through the path users take — `wirewalk trace … --protocol h3
//! --pcap FILE` — and checked by a second implementation, Wireshark's tshark:
//! - with the key log the file carries, every datagram of the journey decrypts: the handshake's
//!   Initial and Handshake packets, the 1-RTT packets with the HTTP/3 control stream, the
//!   requests' and responses' HEADERS and the document's DATA, checksums good;
//! - with no key log at all, the browser's Initial datagrams still decrypt from their
//!   Destination Connection ID alone (RFC 9001 §5.2), for RFC 9001 Appendix A's ID and one
//!   drawn from the seed;
//! - with UDP blocked, the file holds the browser's Initials and probes and the TCP connection
//!   that carried the page instead.

use super::capture::{expect_status, fields, scratch, wirewalk_pcap};
use std::path::Path;
use wirewalk::model::journey::run;
use wirewalk::model::load::Protocol;
use wirewalk::model::pcapng;
use wirewalk::model::scenario::Scenario;

/// `wirewalk trace https://www.example.com/ <extra> --pcap <name>`: the file written.
fn h3_pcap(name: &str, extra: &[&str]) -> std::path::PathBuf {
    let file = scratch(name);
    let mut args = vec!["trace", "https://www.example.com/"];
    args.extend_from_slice(extra);
    let out = wirewalk_pcap(&args, &file, None);
    expect_status(&out, 0);
    file
}

/// The same file without its Decryption Secrets Block: what a capture without the key log is.
fn without_keylog(file: &Path) -> std::path::PathBuf {
    let back = pcapng::read(&std::fs::read(file).expect("read")).expect("our pcapng");
    let mut c = back.capture;
    c.keylog = String::new();
    let bare = file.with_extension("bare.pcapng");
    std::fs::write(&bare, pcapng::write(&c)).expect("written");
    bare
}

/// How many UDP datagrams the journey's trace shows leaving or arriving at the browser.
fn datagrams_in_trace(s: &Scenario) -> usize {
    use wirewalk::model::quic_present::{Acks, Shown, Wrapping};
    let j = run(s);
    let mut n = 0;
    for e in &j.trace.events {
        if let Some(sh) = e.detail::<Shown>() {
            // The browser's leave its machine even when the network drops them; the server's
            // that the network drops never reach it. Read from the detail's own flag, not the
            // capture's rule (which goes by the event's flight).
            n += usize::from(sh.datagram.from_client || !sh.dropped);
        } else if let Some(w) = e.detail::<Wrapping>() {
            n += w.datagrams.len();
        } else if let Some(a) = e.detail::<Acks>() {
            n += a.datagrams.len();
        }
    }
    n
}

#[test]
fn an_h3_journeys_capture_decrypts_in_wireshark_with_its_key_log() {
    let file = h3_pcap(
        "h3-journey.pcapng",
        &["--protocol", "h3", "--quic-dcid", "8394c8f03e515708"],
    );
    let rows = fields(
        &file,
        &[
            "udp.checksum.status",
            "ip.checksum.status",
            "quic.packet_number",
            "quic.frame_type",
            "tls.handshake.type",
            "http3.frame_type",
            "http3.stream_type",
            "quic.decryption_failed",
            "quic.stream.stream_id",
        ],
    );
    let expected = datagrams_in_trace(&Scenario {
        protocol: Protocol::H3,
        quic_dcid: Some("8394c8f03e515708".into()),
        ..Scenario::default()
    });
    let quic: Vec<&Vec<String>> = rows.iter().filter(|r| !r[2].is_empty()).collect();
    assert_eq!(
        quic.len(),
        expected,
        "one QUIC datagram per datagram of the trace"
    );
    assert_eq!(rows.len(), expected + 2, "and the DNS query and answer");
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            (r[0].as_str(), r[1].as_str()),
            ("1", "1"),
            "checksums of {i}: {r:?}"
        );
    }
    for (i, r) in quic.iter().enumerate() {
        assert_eq!(r[7], "", "datagram {i} decrypts: {r:?}");
        assert!(!r[3].is_empty(), "datagram {i}'s frames are read: {r:?}");
    }
    let all = |k: usize| -> Vec<String> {
        (rows.iter())
            .flat_map(|r| r[k].split(',').map(str::to_string))
            .filter(|t| !t.is_empty())
            .collect()
    };
    // ClientHello, ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished
    // twice, and the ticket in a 1-RTT packet.
    assert_eq!(
        all(4),
        ["1", "2", "8", "11", "15", "20", "20", "4"],
        "{rows:?}"
    );
    // HTTP/3: the control stream (type 0) and the two QPACK streams (2, 3), SETTINGS (4), the
    // two requests' HEADERS (1), and the two responses' HEADERS and DATA (0).
    let streams = all(6);
    for t in ["0", "2", "3"] {
        assert!(
            streams.contains(&t.to_string()),
            "stream type {t}: {streams:?}"
        );
    }
    let frames = all(5);
    let count = |t: &str| frames.iter().filter(|f| *f == t).count();
    assert!(count("4") >= 1, "SETTINGS: {frames:?}");
    assert_eq!(
        count("1"),
        4,
        "HEADERS: two requests, two responses: {frames:?}"
    );
    // HANDSHAKE_DONE (0x1e = 30) in the server's first 1-RTT packet.
    assert!(
        all(3).contains(&"30".to_string()),
        "HANDSHAKE_DONE: {:?}",
        all(3)
    );
    let ids = all(8);
    for id in ["0", "2", "4", "6", "10"] {
        assert!(ids.contains(&id.to_string()), "stream {id}: {ids:?}");
    }
}

#[test]
fn the_browsers_initial_datagrams_decrypt_from_their_connection_id_alone() {
    // RFC 9001 Appendix A's connection ID, and a second drawn from the seed.
    for dcid in [Some("8394c8f03e515708"), None] {
        let mut extra = vec!["--protocol", "h3"];
        if let Some(d) = dcid {
            extra.extend(["--quic-dcid", d]);
        }
        let name = format!("h3-initials-{}.pcapng", dcid.unwrap_or("drawn"));
        let bare = without_keylog(&h3_pcap(&name, &extra));
        let rows = fields(
            &bare,
            &[
                "quic.dcid",
                "quic.packet_number",
                "tls.handshake.type",
                "tls.handshake.extensions_server_name",
                "tls.handshake.extensions_alpn_str",
                "udp.srcport",
            ],
        );
        // The browser's two Initial datagrams come before anything else of the connection.
        let quic: Vec<&Vec<String>> = rows.iter().filter(|r| !r[0].is_empty()).collect();
        let first: Vec<&&Vec<String>> = quic.iter().take(2).collect();
        assert_eq!(first.len(), 2, "{rows:?}");
        for (i, r) in first.iter().enumerate() {
            assert_eq!(r[1], (i + 1).to_string(), "packet numbers: {rows:?}");
            if let Some(d) = dcid {
                assert_eq!(r[0].replace(':', ""), d, "{rows:?}");
            }
        }
        let hello = first.iter().find(|r| r[2] == "1").expect("a ClientHello");
        assert_eq!(hello[3], "www.example.com", "{rows:?}");
        assert_eq!(hello[4], "h3", "{rows:?}");
    }
}

#[test]
fn with_udp_blocked_the_capture_holds_the_probes_and_the_tcp_that_carried_the_page() {
    let file = h3_pcap("h3-udp-blocked.pcapng", &["--alt-svc", "udp-blocked"]);
    let rows = fields(
        &file,
        &[
            "udp.dstport",
            "quic.packet_number",
            "tcp.dstport",
            "tcp.srcport",
            "http2.type",
            "udp.checksum.status",
            "tcp.checksum.status",
        ],
    );
    // The browser's Initial datagrams to port 443: the first flight (1, 2), the probes (4, 6,
    // 8), none answered.
    let quic: Vec<&str> = (rows.iter())
        .filter(|r| r[0] == "443")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(quic, ["1", "2", "4", "6", "8"], "{rows:?}");
    assert!(
        rows.iter().all(|r| r[5] == "1" || r[6] == "1"),
        "checksums: {rows:?}"
    );
    assert!(
        rows.iter().any(|r| !r[4].is_empty()),
        "the page over HTTP/2 on TCP: {rows:?}"
    );
}

/// The server's bytes on stream `id`, put together from the STREAM frames tshark decrypted.
fn server_stream(file: &Path, server: &str, id: &str) -> Vec<u8> {
    let rows = fields(
        file,
        &[
            "ip.src",
            "quic.stream.stream_id",
            "quic.stream.offset",
            "quic.stream_data",
        ],
    );
    let mut parts: Vec<(usize, Vec<u8>)> = (rows.iter())
        .filter(|r| r[0] == server && r[1] == id)
        .map(|r| {
            let offset = r[2].parse().unwrap_or(0);
            let hex = r[3].as_bytes();
            let bytes = (hex.chunks(2))
                .map(|h| u8::from_str_radix(std::str::from_utf8(h).expect("hex"), 16).expect("hex"))
                .collect();
            (offset, bytes)
        })
        .collect();
    parts.sort_by_key(|p| p.0);
    let mut out = Vec::new();
    for (offset, bytes) in parts {
        assert_eq!(offset, out.len(), "contiguous stream data");
        out.extend(bytes);
    }
    out
}

/// A QUIC variable-length integer at the start of `b` and its length (RFC 9000 §16).
fn varint(b: &[u8]) -> (u64, usize) {
    let len = 1usize << (b[0] >> 6);
    let v = b[1..len]
        .iter()
        .fold(u64::from(b[0] & 0x3f), |v, x| v << 8 | u64::from(*x));
    (v, len)
}

/// The document's response as the browser receives it on stream 0: the frames tshark's QUIC
/// reassembly gives are a HEADERS frame, then one DATA frame of the body's 30,000 bytes — the
/// body the trace says, byte for byte as the capture's stand-in writes it.
#[test]
fn the_documents_stream_holds_its_headers_and_its_whole_body() {
    let file = h3_pcap("h3-stream.pcapng", &["--protocol", "h3"]);
    let server = wirewalk::model::dns::address_of("www.example.com").to_string();
    let stream = server_stream(&file, &server, "0");
    let (typ, n) = varint(&stream);
    assert_eq!(typ, 1, "HEADERS first");
    let (len, m) = varint(&stream[n..]);
    let rest = &stream[n + m + len as usize..];
    let (typ, n) = varint(rest);
    assert_eq!(typ, 0, "then DATA");
    let (len, m) = varint(&rest[n..]);
    assert_eq!(len, 30_000, "the body's length, as the trace says");
    let body = &rest[n + m..];
    assert_eq!(body.len(), 30_000, "the whole body, and nothing after it");
    assert_eq!(
        body,
        &wirewalk::model::capture::stand_in(30_000, "text/html; charset=utf-8")[..],
        "the capture's stand-in for the document"
    );
}

/// A page whose sixty-odd images share one QUIC connection: every datagram of the capture
/// decrypts, and each side's packet numbers rise in the order its datagrams leave — the
/// server's responses overlap in time, and a server numbers packets as it sends them (a
/// number decoded against a later one would not decrypt, RFC 9000 §17.1).
#[test]
fn a_page_over_h3_decrypts_and_each_side_numbers_its_packets_in_order() {
    let file = scratch("h3-page.pcapng");
    let out = wirewalk_pcap(
        &["page", "--preset", "many-images", "--protocol", "h3"],
        &file,
        None,
    );
    expect_status(&out, 0);
    let rows = fields(
        &file,
        &[
            "ip.src",
            "udp.srcport",
            "udp.dstport",
            "quic.packet_number",
            "quic.decryption_failed",
            "udp.checksum.status",
            "quic.frame_type",
        ],
    );
    let quic: Vec<&Vec<String>> = rows.iter().filter(|r| !r[3].is_empty()).collect();
    assert!(quic.len() > 500, "the images' datagrams: {}", quic.len());
    let mut last: std::collections::BTreeMap<(String, String, String), u64> = Default::default();
    for r in &quic {
        assert_eq!(r[4], "", "decrypts: {r:?}");
        assert_eq!(r[5], "1", "UDP checksum: {r:?}");
        assert!(!r[6].is_empty(), "frames read: {r:?}");
        for pn in r[3].split(',') {
            let pn: u64 = pn.parse().expect("a packet number");
            let key = (r[0].clone(), r[1].clone(), r[2].clone());
            if let Some(&before) = last.get(&key) {
                assert!(pn > before, "{key:?}: {pn} after {before}");
            }
            last.insert(key, pn);
        }
    }
}
