//! Bytes from a stranger, read as the capture and the inspector read them: a pcapng file, a
//! TLS handshake message, a run of TLS records, an IPv4 packet with its TCP segment or UDP
//! datagram, HTTP/2 frames and an HPACK header block. None may panic; a handshake message or
//! an HTTP/2 frame that reads writes back to the same bytes, and a capture that reads writes a
//! file that reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::tls_keys::{Suite13, TrafficKeys};
use wirewalk::model::{hpack, http2, ip, pcapng, tcp_wire, tls_record, tls_wire};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 6 {
        0 => {
            if let Ok(r) = pcapng::read(rest) {
                let again = pcapng::read(&pcapng::write(&r.capture)).expect("our own file reads");
                assert_eq!(again.capture, r.capture);
            }
        }
        1 => {
            if let Ok(m) = tls_wire::decode(rest) {
                let w = tls_wire::encode(&m).expect("what was read fits its length fields");
                assert_eq!(w.bytes, rest, "a message reads and writes back the same");
            }
        }
        2 => {
            if let Ok(records) = tls_record::split(rest) {
                let suite = Suite13::from_code(0x1301).expect("a suite");
                let keys = TrafficKeys::from_secret(suite, &[7; 32]);
                for (i, r) in records.iter().enumerate() {
                    let _ = tls_record::open(&keys, i as u64, r);
                }
            }
        }
        3 => {
            let mut at = 0;
            while let Ok((f, n)) = http2::Frame::read(&rest[at..]) {
                let w = http2::wire(std::slice::from_ref(&f));
                assert_eq!(w.bytes, &rest[at..at + n], "a frame reads and writes back the same");
                at += n;
            }
        }
        4 => {
            let _ = hpack::Decoder::new(65_536).decode(rest);
            let _ = hpack::huffman_decode(rest);
        }
        _ => {
            if let Ok((h, payload)) = ip::Ipv4::parse(rest) {
                let _ = tcp_wire::Header::parse(payload, h.src, h.dst, true);
                let _ = ip::parse_udp(h.src, h.dst, payload);
            }
        }
    }
});
