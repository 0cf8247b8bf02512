//! IPv4 and UDP headers on the wire, with their checksums: what carries a DNS query from the
//! stub resolver to the recursive resolver, and every TCP segment, in a capture.
//!
//! Modelled: the 20-byte IPv4 header without options (RFC 791 §3.1: version 4, IHL 5, DSCP/ECN,
//! total length, identification, the Don't Fragment flag, TTL, protocol, header checksum,
//! addresses), the 8-byte UDP header (RFC 768) and the Internet checksum both use (RFC 1071:
//! the one's-complement sum of 16-bit words; UDP's covers a pseudo-header of the addresses,
//! protocol and length). Values a Linux client writes: TTL 64, DF set on TCP and on UDP.
//! Reading checks the version, the header length, the total length against the bytes, and the
//! checksums, and never panics.
//!
//! Left out: IP options, fragmentation and reassembly, IPv6 (RFC 8200), and ECN marks.

use std::net::Ipv4Addr;

/// IP protocol numbers (IANA).
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// Linux's default TTL (`net.ipv4.ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

/// The Internet checksum (RFC 1071 §4.1): the one's complement of the one's-complement sum of
/// the data's 16-bit big-endian words, an odd last byte padded with zero.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    !fold(sum(parts))
}

fn sum(parts: &[&[u8]]) -> u32 {
    let mut acc: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match odd.take() {
                Some(hi) => acc = acc.wrapping_add(u32::from(u16::from_be_bytes([hi, b]))),
                None => odd = Some(b),
            }
            // Fold early so the sum never overflows, whatever the length.
            if acc > 0xffff_0000 {
                acc = (acc & 0xffff) + (acc >> 16);
            }
        }
    }
    if let Some(hi) = odd {
        acc = acc.wrapping_add(u32::from(hi) << 8);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// An IPv4 header without options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    /// DSCP and ECN (the old type-of-service byte).
    pub tos: u8,
    /// The whole packet's length, header included.
    pub total_len: u16,
    pub id: u16,
    pub dont_fragment: bool,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

/// Why bytes are not an IPv4 packet or UDP datagram, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpError {
    pub offset: usize,
    pub what: &'static str,
}

impl Ipv4 {
    /// A header for a packet carrying `payload_len` bytes of `protocol` from `src` to `dst`.
    pub fn new(protocol: u8, src: Ipv4Addr, dst: Ipv4Addr, id: u16, payload_len: usize) -> Ipv4 {
        Ipv4 {
            tos: 0,
            total_len: u16::try_from(20 + payload_len).unwrap_or(u16::MAX),
            id,
            dont_fragment: true,
            ttl: DEFAULT_TTL,
            protocol,
            src,
            dst,
        }
    }

    /// The 20 bytes, checksum computed.
    pub fn to_bytes(&self) -> [u8; 20] {
        let mut h = [0u8; 20];
        h[0] = 0x45;
        h[1] = self.tos;
        h[2..4].copy_from_slice(&self.total_len.to_be_bytes());
        h[4..6].copy_from_slice(&self.id.to_be_bytes());
        h[6] = if self.dont_fragment { 0x40 } else { 0 };
        h[8] = self.ttl;
        h[9] = self.protocol;
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&self.dst.octets());
        let c = checksum(&[&h]);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h
    }

    /// Reads a packet's header; returns it and the payload (as long as the total length
    /// says). The header checksum must hold.
    pub fn parse(b: &[u8]) -> Result<(Ipv4, &[u8]), IpError> {
        let err = |offset, what| IpError { offset, what };
        let h = b.get(..20).ok_or(err(0, "shorter than an IPv4 header"))?;
        if h[0] >> 4 != 4 {
            return Err(err(0, "not IP version 4"));
        }
        let ihl = usize::from(h[0] & 0xf) * 4;
        if ihl < 20 || b.len() < ihl {
            return Err(err(0, "a header length the bytes do not hold"));
        }
        if checksum(&[&b[..ihl]]) != 0 {
            return Err(err(10, "the header checksum does not match"));
        }
        let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if total < ihl || total > b.len() {
            return Err(err(2, "a total length the bytes do not hold"));
        }
        let ip = Ipv4 {
            tos: h[1],
            total_len: total as u16,
            id: u16::from_be_bytes([h[4], h[5]]),
            dont_fragment: h[6] & 0x40 != 0,
            ttl: h[8],
            protocol: h[9],
            src: Ipv4Addr::new(h[12], h[13], h[14], h[15]),
            dst: Ipv4Addr::new(h[16], h[17], h[18], h[19]),
        };
        Ok((ip, &b[ihl..total]))
    }
}

/// The pseudo-header a UDP or TCP checksum covers (RFC 768; RFC 9293 §3.1).
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: usize) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    p[9] = protocol;
    p[10..12].copy_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    p
}

/// A UDP datagram: its 8-byte header and `payload`, checksum computed over the pseudo-header
/// (a computed 0 is sent as 0xffff: RFC 768, 0 means "no checksum").
pub fn udp(src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut d = Vec::with_capacity(len);
    d.extend_from_slice(&sport.to_be_bytes());
    d.extend_from_slice(&dport.to_be_bytes());
    d.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(payload);
    let c = checksum(&[&pseudo_header(src, dst, PROTO_UDP, len), &d]);
    let c = if c == 0 { 0xffff } else { c };
    d[6..8].copy_from_slice(&c.to_be_bytes());
    d
}

/// A UDP datagram's ports and payload, read from `d` sent from `src` to `dst`; its length and
/// checksum must hold (a zero checksum is "none", accepted).
pub fn parse_udp(src: Ipv4Addr, dst: Ipv4Addr, d: &[u8]) -> Result<(u16, u16, &[u8]), IpError> {
    let err = |offset, what| IpError { offset, what };
    let h = d.get(..8).ok_or(err(0, "shorter than a UDP header"))?;
    let len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    if len < 8 || len > d.len() {
        return Err(err(4, "a UDP length the bytes do not hold"));
    }
    let sent = u16::from_be_bytes([h[6], h[7]]);
    if sent != 0 && checksum(&[&pseudo_header(src, dst, PROTO_UDP, len), &d[..len]]) != 0 {
        return Err(err(6, "the UDP checksum does not match"));
    }
    Ok((
        u16::from_be_bytes([h[0], h[1]]),
        u16::from_be_bytes([h[2], h[3]]),
        &d[8..len],
    ))
}

/// An IPv4 packet carrying a UDP datagram: what a DNS query is on the wire.
pub fn udp_packet(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), id: u16, payload: &[u8]) -> Vec<u8> {
    let datagram = udp(src.0, src.1, dst.0, dst.1, payload);
    let ip = Ipv4::new(PROTO_UDP, src.0, dst.0, id, datagram.len());
    let mut p = ip.to_bytes().to_vec();
    p.extend_from_slice(&datagram);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071 §3's example: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement), so
    /// the checksum is 220d.
    #[test]
    fn rfc_1071s_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&[&data])), 0xddf2);
        assert_eq!(checksum(&[&data]), 0x220d);
        // Split anywhere, even inside a word, the sum is the same.
        assert_eq!(checksum(&[&data[..3], &data[3..]]), 0x220d);
    }

    #[test]
    fn a_packet_reads_back_and_a_flipped_bit_is_caught() {
        let src = (Ipv4Addr::new(192, 0, 2, 10), 53_000);
        let dst = (Ipv4Addr::new(192, 0, 2, 53), 53);
        let p = udp_packet(src, dst, 0x1c46, b"\x12\x34 a DNS message");
        let (ip, datagram) = Ipv4::parse(&p).unwrap();
        assert_eq!(
            (ip.src, ip.dst, ip.protocol, ip.ttl),
            (src.0, dst.0, PROTO_UDP, 64)
        );
        let (sport, dport, payload) = parse_udp(ip.src, ip.dst, datagram).unwrap();
        assert_eq!(
            (sport, dport, payload),
            (53_000, 53, &b"\x12\x34 a DNS message"[..])
        );
        for i in 0..p.len() * 8 {
            let mut bad = p.clone();
            bad[i / 8] ^= 1 << (i % 8);
            let ok = Ipv4::parse(&bad)
                .and_then(|(ip, d)| parse_udp(ip.src, ip.dst, d).map(|_| ()))
                .is_ok();
            // A flipped bit is caught, except in the payload's words a checksum cannot tell
            // apart (none here: one flipped bit always changes the one's-complement sum).
            assert!(!ok, "bit {i} flipped went unnoticed");
        }
    }

    #[test]
    fn short_and_lying_packets_are_refused() {
        let p = udp_packet((Ipv4Addr::LOCALHOST, 1), (Ipv4Addr::LOCALHOST, 2), 1, b"x");
        // Cut anywhere: shorter than the header, or than its total length.
        for cut in 0..p.len() {
            assert!(Ipv4::parse(&p[..cut]).is_err(), "cut at {cut}");
        }
        // A UDP length beyond the datagram.
        let (ip, d) = Ipv4::parse(&p).unwrap();
        let mut long = d.to_vec();
        long[5] += 1;
        assert!(parse_udp(ip.src, ip.dst, &long).is_err());
    }
}
