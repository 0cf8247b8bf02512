//! TCP headers on the wire (RFC 9293 §3.1): ports, sequence and acknowledgment numbers, the
//! data offset, the flags, the window, the checksum over the IPv4 pseudo-header, and the
//! options a SYN carries — written and read back.
//!
//! Modelled: the options of RFC 9293 §3.2 and RFC 7323/2018 — end of list, no-operation,
//! maximum segment size, window scale, SACK permitted, timestamps — and any other kind kept as
//! its bytes; the SYN options in the order Linux writes them (`tcp_options_write`,
//! net/ipv4/tcp_output.c: MSS, then SACK-permitted and timestamps in one word pair, then a NOP
//! and the window scale), which is what a Chromium on Linux sends. Reading checks the data
//! offset, each option's length and the checksum, and never panics.
//!
//! Left out: SACK blocks, TCP Fast Open cookies, MD5 and TCP-AO signatures (RFC 5925), and
//! the urgent pointer's meaning (written, not used).

use crate::model::ip::{checksum, pseudo_header, PROTO_TCP};
use std::net::Ipv4Addr;

/// The flag bits of the 13th and 14th bytes (RFC 9293 §3.1; CWR and ECE from RFC 3168).
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

pub use crate::model::tcp::TcpOption;

/// A TCP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// [`flags`] ORed.
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    pub options: Vec<TcpOption>,
}

/// Why bytes are not a TCP segment, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpError {
    pub offset: usize,
    pub what: &'static str,
}

/// The SYN options Linux writes: MSS, SACK permitted with timestamps (`04 02 08 0a`), a NOP,
/// and the window scale — 20 bytes, so the header is 40.
pub fn linux_syn_options(mss: u16, ts_val: u32, ts_ecr: u32, wscale: u8) -> Vec<TcpOption> {
    vec![
        TcpOption::Mss(mss),
        TcpOption::SackPermitted,
        TcpOption::Timestamps {
            value: ts_val,
            echo: ts_ecr,
        },
        TcpOption::Nop,
        TcpOption::WindowScale(wscale),
    ]
}

fn write_options(options: &[TcpOption], out: &mut Vec<u8>) {
    for o in options {
        match o {
            TcpOption::End => out.push(0),
            TcpOption::Nop => out.push(1),
            TcpOption::Mss(m) => {
                out.extend_from_slice(&[2, 4]);
                out.extend_from_slice(&m.to_be_bytes());
            }
            TcpOption::WindowScale(s) => out.extend_from_slice(&[3, 3, *s]),
            TcpOption::SackPermitted => out.extend_from_slice(&[4, 2]),
            TcpOption::Timestamps { value: v, echo: e } => {
                out.extend_from_slice(&[8, 10]);
                out.extend_from_slice(&v.to_be_bytes());
                out.extend_from_slice(&e.to_be_bytes());
            }
            TcpOption::Other(kind, data) => {
                out.push(*kind);
                out.push(u8::try_from(data.len() + 2).unwrap_or(u8::MAX));
                out.extend_from_slice(data);
            }
        }
    }
}

impl Header {
    /// The header of a segment the TCP machine ([`crate::model::tcp`]) made.
    pub fn of(s: &crate::model::tcp::Segment) -> Header {
        let f = s.flags;
        let bits = [
            (f.fin, flags::FIN),
            (f.syn, flags::SYN),
            (f.rst, flags::RST),
            (f.psh, flags::PSH),
            (f.ack, flags::ACK),
        ];
        Header {
            src_port: s.src_port,
            dst_port: s.dst_port,
            seq: s.seq,
            ack: s.ack,
            flags: bits.iter().filter(|(on, _)| *on).fold(0, |a, (_, b)| a | b),
            window: s.window,
            urgent: 0,
            options: s.options.to_vec(),
        }
    }

    /// The segment: the header (options padded with zero bytes, end-of-list, to a multiple of
    /// four), `payload`, and the checksum over the pseudo-header of `src` and `dst`.
    pub fn segment(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
        let mut opts = Vec::new();
        write_options(&self.options, &mut opts);
        while opts.len() % 4 != 0 {
            opts.push(0);
        }
        let offset = (20 + opts.len()) / 4;
        let mut s = Vec::with_capacity(offset * 4 + payload.len());
        s.extend_from_slice(&self.src_port.to_be_bytes());
        s.extend_from_slice(&self.dst_port.to_be_bytes());
        s.extend_from_slice(&self.seq.to_be_bytes());
        s.extend_from_slice(&self.ack.to_be_bytes());
        s.push(((offset as u8) & 0xf) << 4);
        s.push(self.flags);
        s.extend_from_slice(&self.window.to_be_bytes());
        s.extend_from_slice(&[0, 0]);
        s.extend_from_slice(&self.urgent.to_be_bytes());
        s.extend_from_slice(&opts);
        s.extend_from_slice(payload);
        let c = checksum(&[&pseudo_header(src, dst, PROTO_TCP, s.len()), &s]);
        s[16..18].copy_from_slice(&c.to_be_bytes());
        s
    }

    /// Reads a segment's header and payload; `verify`: the checksum over the pseudo-header of
    /// `src` and `dst` must hold (a capture of loopback traffic often holds checksums the
    /// kernel left for the hardware to fill).
    pub fn parse(
        b: &[u8],
        src: Ipv4Addr,
        dst: Ipv4Addr,
        verify: bool,
    ) -> Result<(Header, &[u8]), TcpError> {
        let err = |offset, what| TcpError { offset, what };
        let h = b.get(..20).ok_or(err(0, "shorter than a TCP header"))?;
        let len = usize::from(h[12] >> 4) * 4;
        if len < 20 || len > b.len() {
            return Err(err(12, "a data offset the bytes do not hold"));
        }
        if verify && checksum(&[&pseudo_header(src, dst, PROTO_TCP, b.len()), b]) != 0 {
            return Err(err(16, "the checksum does not match"));
        }
        let word = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let half = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        let header = Header {
            src_port: half(0),
            dst_port: half(2),
            seq: word(4),
            ack: word(8),
            flags: h[13],
            window: half(14),
            urgent: half(18),
            options: read_options(&b[20..len])?,
        };
        Ok((header, &b[len..]))
    }
}

/// The options in `o` (the header's bytes after its first 20), up to the end of the list.
fn read_options(o: &[u8]) -> Result<Vec<TcpOption>, TcpError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < o.len() {
        let kind = o[i];
        match kind {
            0 => {
                out.push(TcpOption::End);
                break;
            }
            1 => {
                out.push(TcpOption::Nop);
                i += 1;
                continue;
            }
            _ => {}
        }
        let len = usize::from(*o.get(i + 1).ok_or(TcpError {
            offset: 20 + i,
            what: "an option cut short",
        })?);
        let data = o.get(i + 2..i + len).filter(|_| len >= 2).ok_or(TcpError {
            offset: 20 + i,
            what: "an option longer than the header",
        })?;
        let bad = TcpError {
            offset: 20 + i,
            what: "an option of the wrong length",
        };
        out.push(match (kind, data.len()) {
            (2, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
            (3, 1) => TcpOption::WindowScale(data[0]),
            (4, 0) => TcpOption::SackPermitted,
            (8, 8) => TcpOption::Timestamps {
                value: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                echo: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
            },
            (2..=4 | 8, _) => return Err(bad),
            _ => TcpOption::Other(kind, data.to_vec()),
        });
        i += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn() -> Header {
        Header {
            src_port: 51_234,
            dst_port: 443,
            seq: 2_516_794_334,
            ack: 0,
            flags: flags::SYN,
            window: 64_240,
            urgent: 0,
            options: linux_syn_options(1460, 0x0102_0304, 0, 7),
        }
    }

    #[test]
    fn a_linux_syn_is_forty_bytes_with_its_options_in_order() {
        let (a, b) = (
            Ipv4Addr::new(192, 0, 2, 10),
            Ipv4Addr::new(203, 0, 113, 112),
        );
        let s = syn().segment(a, b, &[]);
        assert_eq!(s.len(), 40);
        assert_eq!(s[12], 0xa0, "data offset 10 words");
        assert_eq!(
            &s[20..],
            &[2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7]
        );
        let (h, payload) = Header::parse(&s, a, b, true).unwrap();
        assert_eq!((h, payload.len()), (syn(), 0));
        // Each flipped bit is caught by the checksum (or the header's own checks).
        for i in 0..s.len() * 8 {
            let mut bad = s.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert!(
                Header::parse(&bad, a, b, true).map(|(h, _)| h) != Ok(syn()),
                "bit {i}"
            );
        }
    }

    #[test]
    fn lying_options_are_refused() {
        let a = Ipv4Addr::LOCALHOST;
        let mut s = syn().segment(a, a, &[]);
        s[21] = 40; // the MSS option claims 40 bytes
        assert!(Header::parse(&s, a, a, false).is_err());
        s[21] = 3; // and now 3: the wrong length for an MSS
        assert!(Header::parse(&s, a, a, false).is_err());
        for cut in 0..40 {
            assert!(
                Header::parse(&s[..cut], a, a, false).is_err(),
                "cut at {cut}"
            );
        }
    }
}
