//! Bytes from a stranger, read as the capture and the inspector read them: a pcapng file, a
//! TLS 1.3 or 1.2 handshake message, a run of TLS records (opened with 1.3's and 1.2's keys), an IPv4 packet with its TCP segment or UDP
//! datagram, HTTP/2 frames and an HPACK header block, QUIC packets (opened with RFC 9001
//! Appendix A's Initial keys) and frames, DNS messages, WebSocket frames and an event stream's
//! text. None may panic; a handshake message, an HTTP/2 frame or a WebSocket frame that reads
//! writes back to the same bytes, and a capture that reads writes a file that reads back the
//! same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::quic_keys::InitialSecrets;
use wirewalk::model::tls12_keys::WriteKeys;
use wirewalk::model::tls_keys::{Aead, Suite13, TrafficKeys};
use wirewalk::model::tls_wire::Dialect;
use wirewalk::model::{
    dns_wire, hpack, http2, ip, pcapng, quic_packet, sse, tcp_wire, tls12_record, tls_record,
    tls_wire, websocket,
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 10 {
        0 => {
            if let Ok(r) = pcapng::read(rest) {
                let again = pcapng::read(&pcapng::write(&r.capture)).expect("our own file reads");
                assert_eq!(again.capture, r.capture);
            }
        }
        1 => {
            // The first byte says which version's forms to read (TLS 1.3, TLS 1.2 with ECDHE
            // or RSA).
            let Some((&d, rest)) = rest.split_first() else {
                return;
            };
            let dialect = [Dialect::Tls13, Dialect::Tls12Ecdhe, Dialect::Tls12Rsa][d as usize % 3];
            let mut r = tls_wire::Reader::new(rest);
            if let Ok(m) = tls_wire::decode_next_as(&mut r, dialect) {
                if r.done() {
                    let w = tls_wire::encode(&m).expect("what was read fits its length fields");
                    assert_eq!(w.bytes, rest, "a message reads and writes back the same");
                }
            }
        }
        2 => {
            if let Ok(records) = tls_record::split(rest) {
                let suite = Suite13::from_code(0x1301).expect("a suite");
                let keys = TrafficKeys::from_secret(suite, &[7; 32]);
                let keys12 = WriteKeys {
                    aead: Aead::Aes128Gcm,
                    key: vec![7; 16],
                    salt: [7; 4],
                };
                for (i, r) in records.iter().enumerate() {
                    let _ = tls_record::open(&keys, i as u64, r);
                    let _ = tls12_record::open(&keys12, i as u64, r);
                }
            }
        }
        3 => {
            let mut at = 0;
            while let Ok((f, n)) = http2::Frame::read(&rest[at..]) {
                let w = http2::wire(std::slice::from_ref(&f));
                assert_eq!(
                    w.bytes,
                    &rest[at..at + n],
                    "a frame reads and writes back the same"
                );
                at += n;
            }
        }
        4 => {
            let _ = hpack::Decoder::new(65_536).decode(rest);
            let _ = hpack::huffman_decode(rest);
        }
        5 => {
            // A packet under the Initial keys of RFC 9001 Appendix A's connection ID, and the
            // bytes as a payload of frames.
            let keys = InitialSecrets::new(&[0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);
            let _ = quic_packet::unprotect(&keys.keys(true), rest);
            let _ = quic_packet::read_frames(rest);
        }
        6 => {
            if let Ok(m) = dns_wire::decode(rest) {
                let _ = dns_wire::encode(&m);
            }
        }
        8 => {
            let mut at = 0;
            while let Ok((f, n)) = websocket::decode(&rest[at..], 1 << 20) {
                assert_eq!(
                    f.encode(),
                    &rest[at..at + n],
                    "a frame reads and writes back the same"
                );
                at += n;
            }
        }
        9 => {
            // The text in two pieces, cut where the first byte says: the same events as whole.
            let text = String::from_utf8_lossy(rest);
            let cut = (0..=text.len().min(which as usize))
                .rev()
                .find(|&k| text.is_char_boundary(k))
                .unwrap_or(0);
            let whole = sse::Reader::new("").feed(&text);
            let mut r = sse::Reader::new("");
            let mut pieces = r.feed(&text[..cut]);
            pieces.extend(r.feed(&text[cut..]));
            assert_eq!(whole, pieces);
        }
        _ => {
            if let Ok((h, payload)) = ip::Ipv4::parse(rest) {
                let _ = tcp_wire::Header::parse(payload, h.src, h.dst, true);
                let _ = ip::parse_udp(h.src, h.dst, payload);
            }
        }
    }
});
