//! A QUIC endpoint's packets during the handshake and after it, as a sans-IO machine (RFC 9000,
//! RFC 9001): what the TLS handshake hands it as CRYPTO data in each packet-number space, the
//! acknowledgments it owes, HANDSHAKE_DONE and stream data go out as packets, several packets
//! coalesced in one UDP datagram (§12.2), each space numbering its own packets (§12.3). The
//! caller gives it time and delivers datagrams; it says what to send.
//!
//! Modelled, each rule at its section:
//! - a client's datagram that carries an Initial packet is padded to at least 1,200 bytes
//!   (§14.1), here inside that Initial packet to the endpoint's datagram size, as quiche does
//!   (Chromium's is 1,250 bytes, `kDefaultMaxPacketSize`);
//! - packets are numbered per space or, as quiche does, from one counter ([`Numbering`]);
//! - before the client's address is validated — by a Handshake packet from it (§8.1) — a
//!   server sends at most three times the bytes it has received (the anti-amplification
//!   limit), so a certificate chain too large for that waits for the client's next datagram;
//! - keys arrive per space as the TLS handshake makes them ([`Endpoint::install`]); a client
//!   discards its Initial keys when it first sends a Handshake packet, a server when it first
//!   receives one (RFC 9001 §4.9.1), and neither acknowledges Initial packets after that;
//! - every packet that carries more than ACK and PADDING frames is owed an acknowledgment,
//!   which the endpoint's next packet in its space carries (the caller decides when an
//!   ACK-only packet leaves: [`super::quic_conn::Handshake::acknowledge`] sends one for every
//!   second packet of a response; the delayed-ACK timer is not modelled: acknowledgments leave
//!   with the next datagram);
//! - packet numbers are written in the fewest bytes RFC 9000 §A.2 allows; a packet too short
//!   to sample for header protection is padded (RFC 9001 §5.4.2).
//!
//! Left out: loss detection and retransmission (RFC 9002), congestion control, flow control,
//! Retry, version negotiation, connection migration, key updates, and quiche's chaos
//! protection of a client's Initial (its CRYPTO data cut into extra frames among PINGs and
//! PADDING, `QuicChaosProtector`).

use super::quic_packet::varint;
use super::tls_keys::TAG_LEN;
use std::collections::{BTreeSet, VecDeque};

/// The three packet-number spaces (RFC 9000 §12.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Space {
    Initial,
    Handshake,
    /// 0-RTT and 1-RTT packets; the model sends only 1-RTT ones (short header).
    Application,
}

impl Space {
    pub const ALL: [Space; 3] = [Space::Initial, Space::Handshake, Space::Application];

    /// Its place in a three-space array.
    pub(crate) fn index(self) -> usize {
        match self {
            Space::Initial => 0,
            Space::Handshake => 1,
            Space::Application => 2,
        }
    }
}

/// A frame as the model sends it: its kind and what it carries, not its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `n` PADDING frames.
    Padding(usize),
    /// An acknowledgment of one contiguous range: `largest` down to `largest - first_range`.
    Ack {
        largest: u64,
        first_range: u64,
    },
    /// `len` bytes of the space's TLS handshake stream at `offset`.
    Crypto {
        offset: u64,
        len: usize,
    },
    HandshakeDone,
    /// `len` bytes of stream `id` at `offset`; `fin` ends the stream.
    Stream {
        id: u64,
        offset: u64,
        len: usize,
        fin: bool,
    },
}

impl Frame {
    /// The frame's bytes on the wire (§19).
    pub fn wire_len(&self) -> usize {
        let v = |n: u64| varint(n).len();
        match self {
            Frame::Padding(n) => *n,
            Frame::Ack {
                largest,
                first_range,
            } => 1 + v(*largest) + v(0) + v(0) + v(*first_range),
            Frame::Crypto { offset, len } => 1 + v(*offset) + v(*len as u64) + len,
            Frame::HandshakeDone => 1,
            Frame::Stream {
                id, offset, len, ..
            } => {
                let off = if *offset > 0 { v(*offset) } else { 0 };
                1 + v(*id) + off + v(*len as u64) + len
            }
        }
    }

    /// Whether the frame asks to be acknowledged (§13.2.1: all but ACK and PADDING).
    pub fn ack_eliciting(&self) -> bool {
        !matches!(self, Frame::Padding(_) | Frame::Ack { .. })
    }
}

/// One packet: its space, number, frames and bytes on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub space: Space,
    pub number: u64,
    /// Bytes of the packet number on the wire (1 to 4).
    pub pn_len: usize,
    pub frames: Vec<Frame>,
    pub len: usize,
}

/// One UDP datagram's payload: the packets coalesced in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    pub from_client: bool,
    pub packets: Vec<Packet>,
    pub len: usize,
}

/// What the endpoint needs to know to size its packets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub client: bool,
    /// Bytes of the connection ID the peer has chosen for itself (the Destination Connection
    /// ID this endpoint writes; for a client's first packets, the one it made up).
    pub peer_cid_len: usize,
    /// Bytes of the connection ID this endpoint has chosen (its Source Connection ID).
    pub local_cid_len: usize,
    /// The largest datagram it sends.
    pub max_datagram: usize,
    /// How it numbers its packets: [`Numbering::QUICHE`] is Chromium's.
    pub numbering: Numbering,
}

/// How an endpoint numbers its packets. RFC 9000 §12.3 gives each space its own numbers; an
/// implementation may draw them from one counter, as quiche does (`QuicPacketCreator`
/// increments one packet number whatever the encryption level, from `kFirstSendingPacketNumber`
/// = 1:
/// https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/quic_packet_creator.cc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbering {
    pub first: u64,
    /// One counter for every space, or one per space.
    pub shared: bool,
}

impl Numbering {
    pub const QUICHE: Numbering = Numbering {
        first: 1,
        shared: true,
    };
    pub const PER_SPACE: Numbering = Numbering {
        first: 0,
        shared: false,
    };
}

/// The smallest datagram that carries a client's Initial packet (§14.1).
pub const MIN_INITIAL_DATAGRAM: usize = 1200;
/// A server's anti-amplification factor before the client's address is validated (§8.1).
pub const AMPLIFICATION_FACTOR: usize = 3;
/// The long header's Length field, in two bytes ([`super::quic_packet`]'s module doc).
const LENGTH_LEN: usize = 2;

#[derive(Clone, Debug, Default)]
struct SpaceState {
    keys: bool,
    discarded: bool,
    next_pn: u64,
    largest_acked: Option<u64>,
    /// CRYPTO bytes handed over and not yet sent: from `crypto_sent` for `crypto_queued`.
    crypto_sent: u64,
    crypto_queued: u64,
    /// Ack-eliciting packets received and not yet acknowledged, and every number received.
    owe_ack: bool,
    received: BTreeSet<u64>,
    /// The contiguous run of numbers received that ends at the largest, kept as numbers
    /// arrive (an acknowledgment reads it without walking the set).
    run: Option<(u64, u64)>,
}

/// One side of a QUIC connection (module doc).
#[derive(Clone, Debug)]
pub struct Endpoint {
    cfg: Config,
    spaces: [SpaceState; 3],
    handshake_done: bool,
    streams: VecDeque<(u64, u64, usize, bool)>,
    /// The next number under [`Numbering::shared`].
    next_shared: u64,
    /// Bytes received and sent, for the anti-amplification limit (a server's).
    received_bytes: usize,
    sent_bytes: usize,
    validated: bool,
}

impl Endpoint {
    pub fn new(cfg: Config) -> Endpoint {
        let mut e = Endpoint {
            validated: cfg.client,
            next_shared: cfg.numbering.first,
            spaces: Default::default(),
            handshake_done: false,
            streams: VecDeque::new(),
            received_bytes: 0,
            sent_bytes: 0,
            cfg,
        };
        for st in &mut e.spaces {
            st.next_pn = e.cfg.numbering.first;
        }
        // A client holds Initial keys from the start (they come from the connection ID it
        // made up); a server once the client's first Initial arrives ([`Endpoint::receive`]).
        e.spaces[0].keys = e.cfg.client;
        e
    }

    fn space(&mut self, s: Space) -> &mut SpaceState {
        &mut self.spaces[s.index()]
    }

    /// The TLS handshake made this space's keys.
    pub fn install(&mut self, s: Space) {
        self.space(s).keys = true;
    }

    /// `len` more bytes of the TLS handshake to send in space `s`.
    pub fn send_crypto(&mut self, s: Space, len: usize) {
        self.space(s).crypto_queued += len as u64;
    }

    /// The server's handshake is confirmed: HANDSHAKE_DONE goes out in a 1-RTT packet (§19.20).
    pub fn send_handshake_done(&mut self) {
        self.handshake_done = true;
    }

    /// `len` bytes of stream `id` at `offset`, ending it if `fin`.
    pub fn send_stream(&mut self, id: u64, offset: u64, len: usize, fin: bool) {
        self.streams.push_back((id, offset, len, fin));
    }

    /// Whether CRYPTO data waits in a space it has keys for (a server held by its
    /// anti-amplification limit).
    pub fn has_crypto_waiting(&self) -> bool {
        (self.spaces.iter()).any(|s| s.keys && !s.discarded && s.crypto_queued > s.crypto_sent)
    }

    /// Whether a server may send freely (its client's address validated); a client always may.
    pub fn validated(&self) -> bool {
        self.validated
    }

    /// A datagram from the peer arrives.
    pub fn receive(&mut self, d: &Datagram) {
        self.received_bytes += d.len;
        for p in &d.packets {
            let st = self.space(p.space);
            if st.discarded {
                continue;
            }
            st.received.insert(p.number);
            st.run = Some(extend(st.run, p.number, &st.received));
            if p.frames.iter().any(Frame::ack_eliciting) {
                st.owe_ack = true;
            }
            for f in &p.frames {
                if let Frame::Ack { largest, .. } = f {
                    st.largest_acked = Some(st.largest_acked.map_or(*largest, |l| l.max(*largest)));
                }
            }
            if !self.cfg.client && p.space == Space::Handshake {
                // §8.1: a Handshake packet proves the client holds the keys the server's
                // Initial gave it; RFC 9001 §4.9.1: the server drops its Initial keys.
                self.validated = true;
                self.spaces[0].discarded = true;
            }
        }
        if !self.cfg.client {
            // The server's Initial keys come from the client's first Initial packet.
            self.spaces[0].keys = true;
        }
    }

    /// The bytes a server may still send before its client is validated (all, after).
    fn budget(&self) -> usize {
        if self.validated {
            usize::MAX
        } else {
            (self.received_bytes * AMPLIFICATION_FACTOR).saturating_sub(self.sent_bytes)
        }
    }

    /// The next datagram to send, if there is anything to send and room to send it.
    pub fn poll_datagram(&mut self) -> Option<Datagram> {
        let limit = self.cfg.max_datagram.min(self.budget());
        let mut packets: Vec<Packet> = Vec::new();
        let mut used = 0;
        for s in Space::ALL {
            if let Some(p) = self.packet(s, limit - used) {
                used += p.len;
                if self.cfg.client && s == Space::Handshake {
                    // RFC 9001 §4.9.1: a client drops its Initial keys once it sends a
                    // Handshake packet.
                    self.spaces[0].discarded = true;
                }
                packets.push(p);
            }
        }
        if packets.is_empty() {
            return None;
        }
        // §14.1; quiche pads the Initial packet itself to the datagram's full size
        // (`QuicPacketCreator`: "Padding coalesced packet containing initial packet to full").
        let initial = packets.iter_mut().find(|p| p.space == Space::Initial);
        if let Some(p) = initial.filter(|_| self.cfg.client) {
            let target = self.cfg.max_datagram.max(MIN_INITIAL_DATAGRAM);
            let pad = target.saturating_sub(used);
            p.frames.push(Frame::Padding(pad));
            p.len += pad;
            used += pad;
        }
        self.sent_bytes += used;
        Some(Datagram {
            from_client: self.cfg.client,
            packets,
            len: used,
        })
    }

    /// Header bytes of a packet in space `s` with a `pn_len`-byte packet number (§17.2, §17.3).
    fn header_len(&self, s: Space, pn_len: usize) -> usize {
        let ids = 1 + self.cfg.peer_cid_len + 1 + self.cfg.local_cid_len;
        match s {
            // Initial: an empty token's one-byte length.
            Space::Initial => 1 + 4 + ids + 1 + LENGTH_LEN + pn_len,
            Space::Handshake => 1 + 4 + ids + LENGTH_LEN + pn_len,
            Space::Application => 1 + self.cfg.peer_cid_len + pn_len,
        }
    }

    /// The packet space `s` has to send in at most `room` bytes: an ACK first, then CRYPTO
    /// data, HANDSHAKE_DONE and stream data as they fit.
    fn packet(&mut self, s: Space, room: usize) -> Option<Packet> {
        let st = &self.spaces[s.index()];
        if !st.keys || st.discarded {
            return None;
        }
        let number = if self.cfg.numbering.shared {
            self.next_shared
        } else {
            st.next_pn
        };
        let pn_len = pn_len(number, st.largest_acked);
        let overhead = self.header_len(s, pn_len) + TAG_LEN;
        let mut left = room.checked_sub(overhead)?;
        let mut frames = Vec::new();
        if st.owe_ack {
            let ack = ack_of(st.run);
            if ack.wire_len() <= left {
                left -= ack.wire_len();
                frames.push(ack);
            }
        }
        self.crypto_frame(s, &mut left, &mut frames);
        if s == Space::Application {
            self.application_frames(&mut left, &mut frames);
        }
        if frames.is_empty() {
            return None;
        }
        let st = self.space(s);
        if frames.iter().any(|f| matches!(f, Frame::Ack { .. })) {
            st.owe_ack = false;
        }
        st.next_pn += 1;
        self.next_shared = number + 1;
        // RFC 9001 §5.4.2: the sample needs four bytes after the packet number's start.
        let mut payload: usize = frames.iter().map(Frame::wire_len).sum();
        if pn_len + payload < 4 {
            let pad = 4 - pn_len - payload;
            frames.push(Frame::Padding(pad));
            payload += pad;
        }
        Some(Packet {
            space: s,
            number,
            pn_len,
            len: overhead + payload,
            frames,
        })
    }

    /// As much of the space's queued CRYPTO data as fits in `left`.
    fn crypto_frame(&mut self, s: Space, left: &mut usize, frames: &mut Vec<Frame>) {
        let st = self.space(s);
        let waiting = st.crypto_queued - st.crypto_sent;
        if waiting == 0 {
            return;
        }
        let offset = st.crypto_sent;
        // The frame's header: type, offset, and a length of up to four bytes.
        let head = 1 + varint(offset).len() + varint(waiting.min(*left as u64)).len();
        let Some(fits) = left.checked_sub(head) else {
            return;
        };
        let len = (waiting as usize).min(fits);
        if len == 0 {
            return;
        }
        st.crypto_sent += len as u64;
        let f = Frame::Crypto { offset, len };
        *left -= f.wire_len();
        frames.push(f);
    }

    /// HANDSHAKE_DONE, then stream chunks while they fit: a chunk larger than the room left
    /// is cut, its first part in this packet and the rest in the next (§2.2: a stream is a byte
    /// sequence, framed as the sender likes).
    fn application_frames(&mut self, left: &mut usize, frames: &mut Vec<Frame>) {
        if self.handshake_done && *left >= 1 {
            self.handshake_done = false;
            *left -= 1;
            frames.push(Frame::HandshakeDone);
        }
        while let Some(&(id, offset, len, fin)) = self.streams.front() {
            let whole = Frame::Stream {
                id,
                offset,
                len,
                fin,
            };
            if whole.wire_len() <= *left {
                *left -= whole.wire_len();
                frames.push(whole);
                self.streams.pop_front();
                continue;
            }
            // The frame's header: type, stream id, offset (when not 0) and a length.
            let off = if offset > 0 { varint(offset).len() } else { 0 };
            let head = 1 + varint(id).len() + off + varint(len as u64).len();
            let part = left.saturating_sub(head);
            if part == 0 {
                break;
            }
            let f = Frame::Stream {
                id,
                offset,
                len: part,
                fin: false,
            };
            *left -= f.wire_len();
            frames.push(f);
            if let Some(front) = self.streams.front_mut() {
                *front = (id, offset + part as u64, len - part, fin);
            }
            break;
        }
    }

    /// Whether stream data waits to be sent.
    pub fn has_stream_waiting(&self) -> bool {
        !self.streams.is_empty()
    }
}

/// An ACK frame for the highest contiguous run of packet numbers received, `(low, largest)`.
fn ack_of(run: Option<(u64, u64)>) -> Frame {
    let (low, largest) = run.unwrap_or((0, 0));
    Frame::Ack {
        largest,
        first_range: largest - low,
    }
}

/// The run ending at the largest number received once `n` has arrived (`received` holds it):
/// the next number extends it, a later one starts a new run, an earlier one may join the
/// run's bottom to the numbers below it.
fn extend(run: Option<(u64, u64)>, n: u64, received: &BTreeSet<u64>) -> (u64, u64) {
    match run {
        None => (n, n),
        Some((low, high)) if n == high + 1 => (low, n),
        Some((_, high)) if n > high => (n, n),
        Some((low, high)) if n + 1 == low => {
            let mut low = n;
            while low > 0 && received.contains(&(low - 1)) {
                low -= 1;
            }
            (low, high)
        }
        Some(run) => run,
    }
}

/// The bytes a packet number needs (RFC 9000 §A.2): enough for twice the range of numbers not
/// yet acknowledged.
pub fn pn_len(number: u64, largest_acked: Option<u64>) -> usize {
    let unacked = match largest_acked {
        None => number + 1,
        Some(l) => number.saturating_sub(l),
    };
    // The fewest bytes b with unacked <= 2^(8b - 1).
    (1..4)
        .find(|b| u128::from(unacked) <= 1u128 << (8 * b - 1))
        .unwrap_or(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run an acknowledgment reports follows the numbers as they arrive, in order or not.
    #[test]
    fn the_acknowledged_run_follows_arrivals() {
        let mut set = BTreeSet::new();
        let mut run = None;
        let mut after = |n: u64| {
            set.insert(n);
            run = Some(extend(run, n, &set));
            run
        };
        assert_eq!(after(1), Some((1, 1)));
        assert_eq!(after(2), Some((1, 2)));
        assert_eq!(after(3), Some((1, 3)));
        assert_eq!(after(5), Some((5, 5)), "a gap starts a new run");
        assert_eq!(after(4), Some((1, 5)), "the gap filled joins the runs");
        assert_eq!(after(9), Some((9, 9)));
        assert_eq!(
            after(7),
            Some((9, 9)),
            "an older number below the run's bottom"
        );
        assert_eq!(after(8), Some((7, 9)));
    }

    fn pair(max: usize) -> (Endpoint, Endpoint) {
        let client = Endpoint::new(Config {
            client: true,
            peer_cid_len: 8,
            local_cid_len: 0,
            max_datagram: max,
            numbering: Numbering::QUICHE,
        });
        let server = Endpoint::new(Config {
            client: false,
            peer_cid_len: 0,
            local_cid_len: 8,
            max_datagram: max,
            numbering: Numbering::QUICHE,
        });
        (client, server)
    }

    fn drain(e: &mut Endpoint) -> Vec<Datagram> {
        std::iter::from_fn(|| e.poll_datagram()).collect()
    }

    #[test]
    fn packet_numbers_take_the_fewest_bytes() {
        assert_eq!(pn_len(0, None), 1);
        assert_eq!(pn_len(127, None), 1);
        assert_eq!(pn_len(128, None), 2);
        // RFC 9000 §A.2's example: 0xac5c02 with 0xabe8b3 acknowledged needs 2 bytes.
        assert_eq!(pn_len(0xac5c02, Some(0xabe8b3)), 2);
        assert_eq!(pn_len(0xace8fe, Some(0xabe8b3)), 3);
    }

    #[test]
    fn per_space_numbering_starts_each_space_at_zero() {
        let mut c = Endpoint::new(Config {
            numbering: Numbering::PER_SPACE,
            ..pair(1200).0.cfg
        });
        c.send_crypto(Space::Initial, 100);
        c.install(Space::Handshake);
        c.send_crypto(Space::Handshake, 100);
        let d = c.poll_datagram().expect("a datagram");
        let numbers: Vec<(Space, u64)> = d.packets.iter().map(|p| (p.space, p.number)).collect();
        assert_eq!(numbers, [(Space::Initial, 0), (Space::Handshake, 0)]);
        assert_eq!(d.len, 1200);
    }

    #[test]
    fn a_clients_initial_fills_its_datagram() {
        let (mut c, _) = pair(1250);
        c.send_crypto(Space::Initial, 600);
        let d = drain(&mut c);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].len, 1250);
        let p = &d[0].packets[0];
        assert_eq!((p.space, p.number, p.pn_len), (Space::Initial, 1, 1));
        assert_eq!(
            p.frames[0],
            Frame::Crypto {
                offset: 0,
                len: 600
            }
        );
        assert_eq!(
            p.frames.iter().map(Frame::wire_len).sum::<usize>() + 19 + 16,
            1250
        );
    }

    /// A flight over three times the client's datagram waits for the client's next one; the
    /// client's Handshake packet validates its address and the rest goes.
    #[test]
    fn the_server_stops_at_three_times_what_it_received() {
        let (mut c, mut s) = pair(1200);
        c.send_crypto(Space::Initial, 300);
        let hello = drain(&mut c);
        for d in &hello {
            s.receive(d);
        }
        s.send_crypto(Space::Initial, 90);
        s.install(Space::Handshake);
        s.send_crypto(Space::Handshake, 5000);
        let first = drain(&mut s);
        let sent: usize = first.iter().map(|d| d.len).sum();
        assert!(sent <= 3 * 1200 && sent > 3 * 1200 - 100, "{sent}");
        assert!(!s.validated());
        // The client acknowledges in Initial and Handshake packets, in one padded datagram.
        for d in &first {
            c.receive(d);
        }
        c.install(Space::Handshake);
        let acks = drain(&mut c);
        assert_eq!(acks.len(), 1);
        assert_eq!(acks[0].len, 1200);
        assert_eq!(acks[0].packets.len(), 2, "{:?}", acks[0]);
        s.receive(&acks[0]);
        assert!(s.validated());
        let rest = drain(&mut s);
        let crypto: usize = (first.iter().chain(&rest))
            .flat_map(|d| &d.packets)
            .flat_map(|p| &p.frames)
            .map(|f| match f {
                Frame::Crypto { len, .. } => *len,
                _ => 0,
            })
            .sum();
        assert_eq!(crypto, 5090, "every CRYPTO byte goes, once");
        assert!(rest
            .iter()
            .all(|d| d.packets.iter().all(|p| p.space != Space::Initial)));
    }

    #[test]
    fn a_small_flight_goes_at_once_and_handshake_done_follows_the_clients_finished() {
        let (mut c, mut s) = pair(1350);
        c.send_crypto(Space::Initial, 300);
        s.receive(&drain(&mut c)[0]);
        s.send_crypto(Space::Initial, 90);
        s.install(Space::Handshake);
        s.send_crypto(Space::Handshake, 2000);
        let flight = drain(&mut s);
        assert_eq!(flight.len(), 2);
        // quiche's one counter: Initial 1, Handshake 2, 3 in the next datagram.
        let numbers: Vec<(Space, u64)> = (flight.iter().flat_map(|d| &d.packets))
            .map(|p| (p.space, p.number))
            .collect();
        assert_eq!(
            numbers,
            [
                (Space::Initial, 1),
                (Space::Handshake, 2),
                (Space::Handshake, 3)
            ]
        );
        assert_eq!(
            flight[0].packets.len(),
            2,
            "Initial and Handshake coalesced"
        );
        for d in &flight {
            c.receive(d);
        }
        c.install(Space::Handshake);
        c.send_crypto(Space::Handshake, 36);
        c.install(Space::Application);
        c.send_stream(0, 0, 300, true);
        let fin = drain(&mut c);
        assert_eq!(fin.len(), 1);
        let spaces: Vec<Space> = fin[0].packets.iter().map(|p| p.space).collect();
        assert_eq!(
            spaces,
            [Space::Initial, Space::Handshake, Space::Application]
        );
        s.receive(&fin[0]);
        s.install(Space::Application);
        s.send_handshake_done();
        let done = drain(&mut s);
        let frames: Vec<&Frame> = done
            .iter()
            .flat_map(|d| &d.packets)
            .flat_map(|p| &p.frames)
            .collect();
        assert!(frames.contains(&&Frame::HandshakeDone), "{frames:?}");
        assert!(
            done.iter()
                .all(|d| d.packets.iter().all(|p| p.space != Space::Initial)),
            "Initial keys dropped"
        );
    }
}
