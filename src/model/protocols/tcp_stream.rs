//! One TCP connection's packets on the wire, from what each side writes: the three-way
//! handshake, data cut into segments at the peer's MSS with sequence and acknowledgment numbers
//! that follow the bytes sent, pure ACKs, and the FIN exchange — each segment in its IPv4
//! packet with both checksums computed ([`crate::model::tcp_wire`], [`crate::model::ip`]).
//!
//! The segments are Linux's, as Chromium on Linux sends them: the SYN options of
//! `tcp_options_write` (MSS 1460 for a 1,500-byte MTU, SACK permitted, timestamps, window scale
//! 7), then on every segment the timestamps option after two NOPs (RFC 7323 §3.2: 12 bytes, so a
//! full segment carries 1,460 − 12 = 1,448 bytes of data), PSH on the last segment of each
//! write, and the Don't Fragment bit with an IP identification that counts up per socket.
//!
//! What this does not decide: when each packet leaves. The caller stamps the packets with the
//! times its model computed (the handshake's round trip, slow start's rounds); this keeps the
//! numbers on the wire consistent with one another. Left out: retransmissions, SACK blocks,
//! window updates (the advertised window stays the one the handshake set) and delayed-ACK
//! timing.

use crate::model::ip::{Ipv4, PROTO_TCP};
use crate::model::tcp_wire::{flags, linux_syn_options, Header, TcpOption};
use std::net::Ipv4Addr;

/// The MSS Linux advertises on a 1,500-byte MTU: 1,500 − 20 (IPv4) − 20 (TCP).
pub const LINUX_MSS: u16 = 1460;
/// The window scale Linux offers with its default buffers (`tcp_select_initial_window`).
pub const LINUX_WSCALE: u8 = 7;
/// The window in a Linux SYN: 64,240 bytes (44 × 1,460), unscaled as RFC 7323 §2.2 requires.
pub const LINUX_SYN_WINDOW: u16 = 64_240;
/// The timestamps option on a segment after the handshake: NOP, NOP, kind 8 (12 bytes).
const TS_OPTION_LEN: u16 = 12;

/// One side of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub addr: Ipv4Addr,
    pub port: u16,
    /// Initial sequence number.
    pub isn: u32,
    /// The first IP identification this side uses.
    pub ip_id: u16,
    /// The timestamp clock's value at time zero (RFC 7323 §5.4: a random offset per connection).
    pub ts_offset: u32,
}

#[derive(Clone, Debug)]
struct Side {
    end: Endpoint,
    /// The next sequence number this side sends.
    next: u32,
    ip_id: u16,
    /// The peer's last timestamp value this side saw (TSecr).
    echo: u32,
}

/// A connection's packets as they are made (module doc).
#[derive(Clone, Debug)]
pub struct Stream {
    client: Side,
    server: Side,
    /// The receive window each side advertises after the handshake, in scaled units.
    window: u16,
}

impl Side {
    /// `header` and `payload` as a segment to `to`, in an IPv4 packet with this side's next
    /// identification.
    fn packet_of(&mut self, header: &Header, to: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
        let segment = header.segment(self.end.addr, to, payload);
        let ip = Ipv4::new(PROTO_TCP, self.end.addr, to, self.ip_id, segment.len());
        self.ip_id = self.ip_id.wrapping_add(1);
        let mut out = ip.to_bytes().to_vec();
        out.extend_from_slice(&segment);
        out
    }

    fn new(end: Endpoint) -> Side {
        Side {
            next: end.isn,
            ip_id: end.ip_id,
            echo: 0,
            end,
        }
    }
}

impl Stream {
    pub fn new(client: Endpoint, server: Endpoint) -> Stream {
        Stream {
            client: Side::new(client),
            server: Side::new(server),
            // The SYN's window at scale 7, as the TCP machine writes it.
            window: LINUX_SYN_WINDOW >> LINUX_WSCALE,
        }
    }

    /// A connection already open when the capture starts: each side's next sequence number is
    /// its endpoint's `isn` field, and each echoes the other's clock at time zero
    /// (`client_echo`: the server's last timestamp value, as the browser's first segment
    /// echoes it).
    pub fn picked_up(client: Endpoint, server: Endpoint, client_echo: u32) -> Stream {
        let mut s = Stream::new(client, server);
        s.client.echo = client_echo;
        s.server.echo = s.client.end.ts_offset;
        s
    }

    /// Bytes of data a full segment carries (the MSS less the timestamps option).
    pub fn segment_payload() -> usize {
        (LINUX_MSS - TS_OPTION_LEN) as usize
    }

    fn sides(&mut self, from_client: bool) -> (&mut Side, &mut Side) {
        if from_client {
            (&mut self.client, &mut self.server)
        } else {
            (&mut self.server, &mut self.client)
        }
    }

    /// One packet from one side: the header's numbers are the side's state.
    fn packet(&mut self, from_client: bool, at_ms: u32, fl: u8, payload: &[u8]) -> Vec<u8> {
        let window = self.window;
        let (me, peer) = self.sides(from_client);
        let ts_val = me.end.ts_offset.wrapping_add(at_ms);
        let syn = fl & flags::SYN != 0;
        let options = if syn {
            linux_syn_options(LINUX_MSS, ts_val, me.echo, LINUX_WSCALE)
        } else {
            vec![
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Timestamps {
                    value: ts_val,
                    echo: me.echo,
                },
            ]
        };
        let header = Header {
            src_port: me.end.port,
            dst_port: peer.end.port,
            seq: me.next,
            ack: if fl & flags::ACK != 0 { peer.next } else { 0 },
            flags: fl,
            window: if syn { LINUX_SYN_WINDOW } else { window },
            urgent: 0,
            options,
        };
        let out = me.packet_of(&header, peer.end.addr, payload);
        // SYN and FIN each take one sequence number (RFC 9293 §3.4).
        let used = payload.len() as u32 + u32::from(fl & (flags::SYN | flags::FIN) != 0);
        me.next = me.next.wrapping_add(used);
        peer.echo = ts_val;
        out
    }

    /// The server's initial sequence number and timestamp offset, learnt from its SYN-ACK when
    /// the stream was made before it ([`Endpoint`]'s are then placeholders).
    pub fn learn_server(&mut self, isn: u32, ts_offset: u32) {
        self.server.end.isn = isn;
        self.server.end.ts_offset = ts_offset;
        self.server.next = isn;
    }

    /// The client's SYN.
    pub fn syn(&mut self, at_ms: u32) -> Vec<u8> {
        self.packet(true, at_ms, flags::SYN, &[])
    }

    /// The server's SYN-ACK.
    pub fn syn_ack(&mut self, at_ms: u32) -> Vec<u8> {
        self.packet(false, at_ms, flags::SYN | flags::ACK, &[])
    }

    /// A segment with no data that acknowledges everything the peer sent.
    pub fn ack(&mut self, from_client: bool, at_ms: u32) -> Vec<u8> {
        self.packet(from_client, at_ms, flags::ACK, &[])
    }

    /// `data` written by one side: one packet per segment of at most [`Stream::segment_payload`]
    /// bytes, PSH on the last.
    pub fn data(&mut self, from_client: bool, at_ms: u32, data: &[u8]) -> Vec<Vec<u8>> {
        let chunks: Vec<&[u8]> = data.chunks(Self::segment_payload()).collect();
        let n = chunks.len();
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, c)| self.segment(from_client, at_ms, c, i + 1 == n))
            .collect()
    }

    /// One segment of data (at most [`Stream::segment_payload`] bytes), PSH if it ends a write:
    /// for a caller that interleaves the peer's acknowledgments with a write's segments.
    pub fn segment(&mut self, from_client: bool, at_ms: u32, chunk: &[u8], last: bool) -> Vec<u8> {
        let fl = flags::ACK | if last { flags::PSH } else { 0 };
        self.packet(from_client, at_ms, fl, chunk)
    }

    /// A segment whose header is given whole (a reset as the TCP machine wrote it: RFC 9293
    /// §3.5.2's `<SEQ=0><ACK=…><CTL=RST,ACK>`, no options), in its IPv4 packet; the stream's
    /// numbers do not move.
    pub fn exact(&mut self, from_client: bool, header: &Header) -> Vec<u8> {
        let (me, peer) = self.sides(from_client);
        me.packet_of(header, peer.end.addr, &[])
    }

    /// A FIN (with ACK) from one side.
    pub fn fin(&mut self, from_client: bool, at_ms: u32) -> Vec<u8> {
        self.packet(from_client, at_ms, flags::FIN | flags::ACK, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tcp_wire::Header;

    fn stream() -> Stream {
        Stream::new(
            Endpoint {
                addr: Ipv4Addr::new(192, 0, 2, 10),
                port: 50_000,
                isn: u32::MAX - 1,
                ip_id: 7,
                ts_offset: 1000,
            },
            Endpoint {
                addr: Ipv4Addr::new(203, 0, 113, 5),
                port: 443,
                isn: 99,
                ip_id: 0,
                ts_offset: 5000,
            },
        )
    }

    fn read(p: &[u8]) -> (Header, Vec<u8>) {
        let (ip, seg) = Ipv4::parse(p).expect("IPv4");
        let (h, payload) = Header::parse(seg, ip.src, ip.dst, true).expect("TCP, checksum right");
        (h, payload.to_vec())
    }

    #[test]
    fn numbers_follow_the_bytes_and_wrap() {
        let mut s = stream();
        let (syn, _) = read(&s.syn(0));
        assert_eq!((syn.seq, syn.flags), (u32::MAX - 1, flags::SYN));
        assert_eq!(syn.options[0], TcpOption::Mss(LINUX_MSS));
        let (sa, _) = read(&s.syn_ack(50));
        assert_eq!((sa.seq, sa.ack), (99, u32::MAX));
        let (ack, _) = read(&s.ack(true, 100));
        assert_eq!((ack.seq, ack.ack), (u32::MAX, 100));
        assert_eq!(
            ack.options[2],
            TcpOption::Timestamps {
                value: 1100,
                echo: 5050
            }
        );
        let data = vec![7u8; 3000];
        let segs: Vec<_> = s.data(true, 100, &data).iter().map(|p| read(p)).collect();
        assert_eq!(segs.len(), 3, "1,448 + 1,448 + 104");
        assert_eq!(segs[0].1.len(), 1448);
        assert_eq!(segs[1].0.seq, u32::MAX.wrapping_add(1448));
        assert_eq!(segs[2].0.flags, flags::ACK | flags::PSH);
        let total: usize = segs.iter().map(|s| s.1.len()).sum();
        assert_eq!(total, 3000);
        let (back, _) = read(&s.ack(false, 150));
        assert_eq!(back.ack, u32::MAX.wrapping_add(3000));
        let (fin, _) = read(&s.fin(true, 200));
        assert_eq!(fin.flags, flags::FIN | flags::ACK);
        let (last, _) = read(&s.ack(false, 250));
        assert_eq!(
            last.ack,
            u32::MAX.wrapping_add(3001),
            "the FIN takes one number"
        );
    }
}
