//! TCP headers against a capture another tool wrote: `tls13-xargs/capture.pcap` (a real TLS
//! 1.3 connection over loopback, tcpdump's BSD-loopback framing). Each segment's header is read
//! into its fields and options and written again to the same bytes. The capture's checksums
//! are the loopback interface's (left for hardware that does not exist there), so they are
//! carried over, not checked; the model's own checksums are tested in `tcp_wire`'s unit tests.

use wirewalk::model::tcp_wire::{Header, TcpOption};

/// The packets of a classic pcap file (little-endian, link type 0: a 4-byte address family
/// before each IPv4 packet).
fn packets(b: &[u8]) -> Vec<&[u8]> {
    assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "a little-endian pcap");
    assert_eq!(
        u32::from_le_bytes([b[20], b[21], b[22], b[23]]),
        0,
        "BSD loopback"
    );
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        let incl = u32::from_le_bytes([b[at + 8], b[at + 9], b[at + 10], b[at + 11]]) as usize;
        out.push(&b[at + 16 + 4..at + 16 + incl]);
        at += 16 + incl;
    }
    out
}

#[test]
fn a_real_captures_tcp_headers_read_and_write_back() {
    let path = crate::conformance_dir().join("tls13-xargs/capture.pcap");
    let file = std::fs::read(&path).expect("capture.pcap");
    let mut syns = 0;
    let mut checked = 0;
    for p in packets(&file) {
        // Loopback left the IP header checksum at zero here, which `ip::Ipv4::parse` refuses:
        // the addresses and lengths are read by hand.
        let ihl = usize::from(p[0] & 0xf) * 4;
        let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
        let src = std::net::Ipv4Addr::new(p[12], p[13], p[14], p[15]);
        let dst = std::net::Ipv4Addr::new(p[16], p[17], p[18], p[19]);
        let seg = &p[ihl..total];
        let (h, payload) = Header::parse(seg, src, dst, false).expect("a TCP header");
        let mut again = h.segment(src, dst, payload);
        again[16..18].copy_from_slice(&seg[16..18]);
        assert_eq!(again, seg, "segment {checked}: {h:?}");
        if h.flags & 0x02 != 0 {
            syns += 1;
            assert!(h.options.iter().any(|o| matches!(o, TcpOption::Mss(_))));
            assert!(h
                .options
                .iter()
                .any(|o| matches!(o, TcpOption::Timestamps { .. })));
        }
        checked += 1;
    }
    assert_eq!(syns, 2, "the SYN and the SYN-ACK");
    assert!(checked > 20, "only {checked} segments");
}
