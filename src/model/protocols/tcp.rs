//! TCP connection set-up, data and tear-down: RFC 9293.
//!
//! A sans-IO machine: segments go in with [`Connection::handle`], segments to put on the wire
//! come out of [`Connection::poll_output`], and every state change is kept for the trace
//! ([`Connection::take_transitions`]). It never reads a clock: the engine tells it the
//! simulated time ([`Connection::tick`]) and moves the segments.
//!
//! Modelled: the three-way handshake with initial sequence numbers from the engine's seeded
//! generator (RFC 9293 §3.4.1 wants them unpredictable; RFC 6528), the SYN options Linux sends
//! (MSS, SACK-permitted, timestamps, window scale), then on every segment the timestamps option
//! (RFC 7323 §3.2: the sender's millisecond clock and the last value it received; 12 bytes, so a
//! full segment carries 1,460 − 12 = 1,448 bytes) and the window scaled by 2^7, sequence and
//! acknowledgment arithmetic for data, the reset a closed port sends (§3.5.2), and the close
//! where the second FIN rides on the ACK of the first (three segments, §3.6).
//!
//! Left out: retransmission and its timers, congestion control (the engine computes slow start's
//! cost from the initial window), the ACK of every data segment (the receiver's ACKs are delayed
//! and ride on its own data; they are not shown), simultaneous open and close, urgent data,
//! and TIME-WAIT's 2·MSL expiry.

use std::collections::VecDeque;
use std::fmt;

/// The states of RFC 9293 §3.3.2; `Display` prints the RFC's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::CloseWait => "CLOSE-WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST-ACK",
            State::TimeWait => "TIME-WAIT",
        })
    }
}

/// The control bits this model uses (RFC 9293 §3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub psh: bool,
    pub fin: bool,
    pub rst: bool,
}

impl Flags {
    pub const SYN: Flags = Flags {
        syn: true,
        ack: false,
        psh: false,
        fin: false,
        rst: false,
    };
    pub const SYN_ACK: Flags = Flags {
        syn: true,
        ack: true,
        psh: false,
        fin: false,
        rst: false,
    };
    pub const ACK: Flags = Flags {
        syn: false,
        ack: true,
        psh: false,
        fin: false,
        rst: false,
    };
    pub const PSH_ACK: Flags = Flags {
        syn: false,
        ack: true,
        psh: true,
        fin: false,
        rst: false,
    };
    pub const FIN_ACK: Flags = Flags {
        syn: false,
        ack: true,
        psh: false,
        fin: true,
        rst: false,
    };
    pub const RST_ACK: Flags = Flags {
        syn: false,
        ack: true,
        psh: false,
        fin: false,
        rst: true,
    };
}

/// `SYN, ACK` in header bit order, as packet analysers print them.
impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.fin, "FIN"),
            (self.syn, "SYN"),
            (self.rst, "RST"),
            (self.psh, "PSH"),
            (self.ack, "ACK"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        f.write_str(&set.join(", "))
    }
}

/// TCP options, with their kinds (RFC 9293 §3.2, RFC 2018, RFC 7323). The machines use the
/// first five; a segment read from a capture may hold the others ([`crate::model::tcp_wire`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOption {
    /// Kind 2: the largest segment the sender can receive.
    Mss(u16),
    /// Kind 4: selective acknowledgements may be used (RFC 2018).
    SackPermitted,
    /// Kind 8: timestamps for RTT measurement and PAWS (RFC 7323).
    Timestamps { value: u32, echo: u32 },
    /// Kind 1: padding.
    Nop,
    /// Kind 3: the window is shifted left by this many bits (RFC 7323, at most 14).
    WindowScale(u8),
    /// Kind 0: the end of the list.
    End,
    /// Any other kind, with its data.
    Other(u8, Vec<u8>),
}

impl TcpOption {
    pub fn wire_len(&self) -> u32 {
        match self {
            TcpOption::Mss(_) => 4,
            TcpOption::SackPermitted => 2,
            TcpOption::Timestamps { .. } => 10,
            TcpOption::Nop | TcpOption::End => 1,
            TcpOption::WindowScale(_) => 3,
            TcpOption::Other(_, data) => 2 + data.len() as u32,
        }
    }
}

impl fmt::Display for TcpOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpOption::Mss(m) => write!(f, "MSS={m}"),
            TcpOption::SackPermitted => f.write_str("SACK_PERM"),
            TcpOption::Timestamps { value, echo } => write!(f, "TS val={value} ecr={echo}"),
            TcpOption::Nop => f.write_str("NOP"),
            TcpOption::WindowScale(s) => write!(f, "WS={s} (×{})", 1u32 << s),
            TcpOption::End => f.write_str("EOL"),
            TcpOption::Other(kind, data) => write!(f, "kind {kind} ({} bytes)", data.len()),
        }
    }
}

/// A segment's options. Every segment after a handshake that agreed on timestamps carries the
/// same three, two NOPs and Timestamps (RFC 7323 Appendix A): those are kept as their two
/// numbers, so such a segment needs no list of its own (a large page sends hundreds of
/// thousands of them).
#[derive(Clone, Debug)]
pub enum Options {
    /// NOP, NOP, Timestamps.
    Timestamps { value: u32, echo: u32 },
    /// Any other list: a SYN's, or none.
    List(Vec<TcpOption>),
}

impl Options {
    /// The option at `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<TcpOption> {
        match self {
            Options::Timestamps { value, echo } => match i {
                0 | 1 => Some(TcpOption::Nop),
                2 => Some(TcpOption::Timestamps {
                    value: *value,
                    echo: *echo,
                }),
                _ => None,
            },
            Options::List(list) => list.get(i).cloned(),
        }
    }

    /// The options in order.
    pub fn iter(&self) -> impl Iterator<Item = TcpOption> + '_ {
        (0..).map_while(|i| self.get(i))
    }

    /// Bytes on the wire, before the header's padding.
    pub fn wire_len(&self) -> u32 {
        match self {
            Options::Timestamps { .. } => 12,
            Options::List(list) => list.iter().map(TcpOption::wire_len).sum(),
        }
    }

    /// The value of the last Timestamps option, if there is one.
    pub fn timestamp(&self) -> Option<u32> {
        match self {
            Options::Timestamps { value, .. } => Some(*value),
            Options::List(list) => list.iter().rev().find_map(|o| match o {
                TcpOption::Timestamps { value, .. } => Some(*value),
                _ => None,
            }),
        }
    }

    pub fn to_vec(&self) -> Vec<TcpOption> {
        self.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Options::List(list) if list.is_empty())
    }
}

/// Equal when the options are, however they are kept.
impl PartialEq for Options {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Options {}

/// One segment. The payload is only its length: the model does not carry bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
    pub window: u16,
    pub options: Options,
    pub payload: u32,
}

/// An IPv4 header without options: RFC 791 §3.1.
pub const IPV4_HEADER: u32 = 20;
/// A TCP header without options: RFC 9293 §3.1.
pub const TCP_HEADER: u32 = 20;

impl Segment {
    /// The TCP header with options, padded to a multiple of 4 bytes.
    pub fn header_len(&self) -> u32 {
        TCP_HEADER + self.options.wire_len().div_ceil(4) * 4
    }

    /// Bytes on the wire inside an IPv4 packet.
    pub fn wire_len(&self) -> u32 {
        IPV4_HEADER + self.header_len() + self.payload
    }

    /// Sequence space used: the payload, plus one for SYN and one for FIN (§3.4).
    pub fn seq_len(&self) -> u32 {
        self.payload + u32::from(self.flags.syn) + u32::from(self.flags.fin)
    }

    pub fn options_text(&self) -> String {
        let v: Vec<String> = self.options.iter().map(|o| o.to_string()).collect();
        v.join(", ")
    }
}

/// What a host advertises. Defaults are Linux's on an Ethernet path: MSS 1460 = 1500-byte MTU
/// minus 40 bytes of IPv4 and TCP headers; window scale 7; a 64 240-byte initial window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub mss: u16,
    pub window: u16,
    pub window_scale: u8,
    /// Timestamp clock value to send (the engine passes one derived from time).
    pub timestamp: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mss: 1460,
            window: 64240,
            window_scale: 7,
            timestamp: 0,
        }
    }
}

/// One end of a connection.
#[derive(Clone, Debug)]
pub struct Connection {
    state: State,
    local_port: u16,
    remote_port: u16,
    config: Config,
    /// Initial send sequence number.
    iss: u32,
    /// Initial receive sequence number (the peer's ISS).
    irs: u32,
    snd_una: u32,
    snd_nxt: u32,
    rcv_nxt: u32,
    peer_mss: u16,
    peer_timestamp: u32,
    /// Both SYNs carried timestamps: every later segment carries them too (RFC 7323 §3.2).
    timestamps: bool,
    /// The machine's clock in milliseconds ([`Connection::tick`]), and its first reading: the
    /// timestamp clock is `config.timestamp` then and advances with it (RFC 7323 §5.4).
    clock_ms: u32,
    clock_origin: Option<u32>,
    /// A port with no listener: answers every SYN with a reset.
    refuses: bool,
    reset: bool,
    ack_pending: bool,
    out: VecDeque<Segment>,
    transitions: Vec<(State, State)>,
}

impl Connection {
    fn new(state: State, local_port: u16, remote_port: u16, iss: u32, config: Config) -> Self {
        Connection {
            state,
            local_port,
            remote_port,
            config,
            iss,
            irs: 0,
            snd_una: iss,
            snd_nxt: iss,
            rcv_nxt: 0,
            peer_mss: 536, // RFC 9293 §3.7.1: the default when no MSS option arrives
            peer_timestamp: 0,
            timestamps: false,
            clock_ms: 0,
            clock_origin: None,
            refuses: false,
            reset: false,
            ack_pending: false,
            // Room for a handshake's segments and its state changes without growing.
            out: VecDeque::with_capacity(4),
            transitions: Vec::with_capacity(4),
        }
    }

    /// An active open (§3.5): sends SYN and enters SYN-SENT.
    pub fn connect(local_port: u16, remote_port: u16, iss: u32, config: Config) -> Self {
        let mut c = Connection::new(State::Closed, local_port, remote_port, iss, config);
        let syn = c.segment(Flags::SYN, 0, true);
        c.out.push_back(syn);
        c.snd_nxt = iss.wrapping_add(1);
        c.set_state(State::SynSent);
        c
    }

    /// A passive open: waits in LISTEN for a SYN.
    pub fn listen(local_port: u16, iss: u32, config: Config) -> Self {
        Connection::new(State::Listen, local_port, 0, iss, config)
    }

    /// A port nobody listens on: every SYN gets a reset (§3.5.2, group 1).
    pub fn closed_port(local_port: u16) -> Self {
        let mut c = Connection::new(State::Closed, local_port, 0, 0, Config::default());
        c.refuses = true;
        c
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn iss(&self) -> u32 {
        self.iss
    }

    /// Whether the connection was reset by the peer.
    pub fn was_reset(&self) -> bool {
        self.reset
    }

    /// The peer's MSS: the most payload one segment to it may carry.
    pub fn peer_mss(&self) -> u16 {
        self.peer_mss
    }

    /// The time now, in milliseconds: the engine sets it before each input, so segments carry
    /// the timestamp of the moment they leave. The clock never moves back: timestamps only
    /// grow (RFC 7323 §5.4), even when a caller replays an earlier moment (bytes that left
    /// before others), which then keeps the later time.
    pub fn tick(&mut self, now_ms: u32) {
        if self.clock_origin.is_none() || now_ms > self.clock_ms {
            self.clock_ms = now_ms;
        }
        self.clock_origin.get_or_insert(now_ms);
    }

    /// The connection starts only at `now_ms`, later than it was made (its SYN waited: a race's
    /// turn, a WebSocket's endpoint lock): its timestamp clock starts then, so its first
    /// segment carries the timestamp of the moment it leaves.
    pub fn start_clock_at(&mut self, now_ms: u32) {
        self.clock_origin = Some(now_ms);
        self.clock_ms = now_ms;
    }

    /// The timestamp clock's value now.
    fn ts_val(&self) -> u32 {
        let since = self
            .clock_ms
            .wrapping_sub(self.clock_origin.unwrap_or(self.clock_ms));
        self.config.timestamp.wrapping_add(since)
    }

    /// The most payload one segment carries: the peer's MSS less the timestamps option when
    /// every segment carries it (Linux's `tcp_current_mss`: 1,460 − 12 = 1,448).
    pub fn segment_payload(&self) -> u32 {
        let options = if self.timestamps { 12 } else { 0 };
        u32::from(self.peer_mss).saturating_sub(options).max(1)
    }

    pub fn poll_output(&mut self) -> Option<Segment> {
        self.out.pop_front()
    }

    /// Frees the queue's and the state log's room, once nothing more is sent or read (their
    /// room grows to a window of segments on a busy connection).
    pub fn release(&mut self) {
        self.out = VecDeque::new();
        self.transitions = Vec::new();
    }

    pub fn take_transitions(&mut self) -> Vec<(State, State)> {
        std::mem::take(&mut self.transitions)
    }

    fn set_state(&mut self, to: State) {
        if to != self.state {
            self.transitions.push((self.state, to));
            self.state = to;
        }
    }

    fn syn_options(&self) -> Vec<TcpOption> {
        vec![
            TcpOption::Mss(self.config.mss),
            TcpOption::SackPermitted,
            TcpOption::Timestamps {
                value: self.ts_val(),
                echo: self.peer_timestamp,
            },
            TcpOption::Nop,
            TcpOption::WindowScale(self.config.window_scale),
        ]
    }

    fn segment(&self, flags: Flags, payload: u32, syn_options: bool) -> Segment {
        Segment {
            src_port: self.local_port,
            dst_port: self.remote_port,
            seq: self.snd_nxt,
            ack: if flags.ack { self.rcv_nxt } else { 0 },
            flags,
            // RFC 7323 §2.2: a SYN's window is never scaled; later ones are, once both SYNs
            // offered a scale (this model's always do).
            window: if syn_options {
                self.config.window
            } else {
                self.config.window >> self.config.window_scale
            },
            options: if syn_options {
                Options::List(self.syn_options())
            } else if self.timestamps {
                // RFC 7323 §3.2 and Appendix A: two NOPs align the 10-byte option.
                Options::Timestamps {
                    value: self.ts_val(),
                    echo: self.peer_timestamp,
                }
            } else {
                Options::List(Vec::new())
            },
            payload,
        }
    }

    /// Queues `len` bytes of application data, cut into segments of at most the peer's MSS; the
    /// last one carries PSH. Only in ESTABLISHED or CLOSE-WAIT; elsewhere it does nothing and
    /// returns false.
    pub fn send(&mut self, len: u32) -> bool {
        if !matches!(self.state, State::Established | State::CloseWait) || len == 0 {
            return false;
        }
        let mss = self.segment_payload();
        // Room for the segments at once (up to a window's worth: the rest grow the queue).
        self.out.reserve(len.div_ceil(mss).min(64) as usize);
        let mut left = len;
        while left > 0 {
            let n = left.min(mss);
            left -= n;
            let flags = if left == 0 {
                Flags::PSH_ACK
            } else {
                Flags::ACK
            };
            let seg = self.segment(flags, n, false);
            self.snd_nxt = self.snd_nxt.wrapping_add(n);
            self.out.push_back(seg);
        }
        self.ack_pending = false;
        true
    }

    /// Closes our direction (§3.6): FIN from ESTABLISHED (to FIN-WAIT-1) or from CLOSE-WAIT
    /// (to LAST-ACK, the FIN also acknowledging the peer's).
    pub fn close(&mut self) {
        let next = match self.state {
            State::Established => State::FinWait1,
            State::CloseWait => State::LastAck,
            _ => return,
        };
        let fin = self.segment(Flags::FIN_ACK, 0, false);
        self.snd_nxt = self.snd_nxt.wrapping_add(1);
        self.ack_pending = false;
        self.out.push_back(fin);
        self.set_state(next);
    }

    /// Sends a bare ACK if one is owed.
    pub fn flush_ack(&mut self) {
        if self.ack_pending {
            let ack = self.segment(Flags::ACK, 0, false);
            self.out.push_back(ack);
            self.ack_pending = false;
        }
    }

    /// A segment arrives (§3.10.7, simplified to in-order delivery).
    pub fn handle(&mut self, seg: &Segment) {
        if self.refuses {
            // §3.5.2: no connection exists; a segment without RST gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
            if !seg.flags.rst && !seg.flags.ack {
                self.out.push_back(Segment {
                    src_port: self.local_port,
                    dst_port: seg.src_port,
                    seq: 0,
                    ack: seg.seq.wrapping_add(seg.seq_len()),
                    flags: Flags::RST_ACK,
                    window: 0,
                    options: Options::List(Vec::new()),
                    payload: 0,
                });
            }
            return;
        }
        match self.state {
            State::Listen => {
                if seg.flags.syn && !seg.flags.ack {
                    self.remote_port = seg.src_port;
                    self.learn_options(seg);
                    self.irs = seg.seq;
                    self.rcv_nxt = seg.seq.wrapping_add(1);
                    let syn_ack = self.segment(Flags::SYN_ACK, 0, true);
                    self.snd_nxt = self.iss.wrapping_add(1);
                    self.out.push_back(syn_ack);
                    self.set_state(State::SynReceived);
                }
            }
            State::SynSent => {
                let acceptable = seg.flags.ack && seg.ack == self.iss.wrapping_add(1);
                if seg.flags.rst {
                    if acceptable {
                        self.reset = true;
                        self.set_state(State::Closed);
                    }
                } else if seg.flags.syn && acceptable {
                    self.learn_options(seg);
                    self.irs = seg.seq;
                    self.rcv_nxt = seg.seq.wrapping_add(1);
                    self.snd_una = seg.ack;
                    let ack = self.segment(Flags::ACK, 0, false);
                    self.out.push_back(ack);
                    self.set_state(State::Established);
                }
            }
            State::SynReceived => {
                if seg.flags.ack && seg.ack == self.iss.wrapping_add(1) {
                    self.snd_una = seg.ack;
                    self.set_state(State::Established);
                    self.receive(seg);
                }
            }
            State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck => {
                if seg.flags.rst {
                    self.reset = true;
                    self.set_state(State::Closed);
                    return;
                }
                if seg.flags.ack && seq_gt(seg.ack, self.snd_una) {
                    self.snd_una = seg.ack;
                }
                let our_fin_acked = self.snd_una == self.snd_nxt;
                match self.state {
                    State::FinWait1 if our_fin_acked => self.set_state(State::FinWait2),
                    State::Closing if our_fin_acked => self.set_state(State::TimeWait),
                    State::LastAck if our_fin_acked => {
                        self.set_state(State::Closed);
                        return;
                    }
                    _ => {}
                }
                self.receive(seg);
            }
            State::Closed | State::TimeWait => {}
        }
    }

    /// In-order payload and FIN processing.
    fn receive(&mut self, seg: &Segment) {
        if seg.seq != self.rcv_nxt {
            return;
        }
        self.learn_timestamp(seg);
        if seg.payload > 0 {
            self.rcv_nxt = self.rcv_nxt.wrapping_add(seg.payload);
            self.ack_pending = true;
        }
        if seg.flags.fin {
            self.rcv_nxt = self.rcv_nxt.wrapping_add(1);
            match self.state {
                State::Established => {
                    // Owe an ACK; it rides on our own FIN if the application closes now.
                    self.ack_pending = true;
                    self.set_state(State::CloseWait);
                }
                State::FinWait1 => {
                    self.ack_pending = true;
                    self.flush_ack();
                    self.set_state(State::Closing);
                }
                State::FinWait2 => {
                    self.ack_pending = true;
                    self.flush_ack();
                    self.set_state(State::TimeWait);
                }
                _ => {}
            }
        }
    }

    /// A SYN's options: the peer's MSS, and whether both sides use timestamps (ours always
    /// offers them).
    fn learn_options(&mut self, seg: &Segment) {
        for o in seg.options.iter() {
            match o {
                TcpOption::Mss(m) => self.peer_mss = m,
                TcpOption::Timestamps { value, .. } => {
                    self.peer_timestamp = value;
                    self.timestamps = true;
                }
                _ => {}
            }
        }
    }

    /// Any segment's timestamp: the value to echo next (RFC 7323 §4.3, in-order delivery).
    fn learn_timestamp(&mut self, seg: &Segment) {
        if let Some(value) = seg.options.timestamp() {
            self.peer_timestamp = value;
        }
    }
}

/// `a > b` in 32-bit sequence space (§3.4).
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves every queued segment from one end to the other; returns what crossed.
    fn deliver(from: &mut Connection, to: &mut Connection) -> Vec<Segment> {
        let mut moved = Vec::new();
        while let Some(s) = from.poll_output() {
            to.handle(&s);
            moved.push(s);
        }
        moved
    }

    fn handshake() -> (Connection, Connection) {
        let mut client = Connection::connect(50000, 443, 1000, Config::default());
        let mut server = Connection::listen(443, 9000, Config::default());
        deliver(&mut client, &mut server);
        deliver(&mut server, &mut client);
        deliver(&mut client, &mut server);
        (client, server)
    }

    #[test]
    fn three_way_handshake() {
        let mut client = Connection::connect(50000, 443, 1000, Config::default());
        let mut server = Connection::listen(443, 9000, Config::default());
        // client ──SYN seq=1000──► server
        let syn = deliver(&mut client, &mut server);
        assert_eq!(syn.len(), 1);
        assert_eq!(
            (syn[0].flags, syn[0].seq, syn[0].ack),
            (Flags::SYN, 1000, 0)
        );
        assert_eq!(
            syn[0].header_len(),
            40,
            "20 bytes + MSS, SACK_PERM, TS, NOP, WS"
        );
        assert_eq!(client.state(), State::SynSent);
        assert_eq!(server.state(), State::SynReceived);
        // client ◄──SYN-ACK seq=9000 ack=1001── server
        let syn_ack = deliver(&mut server, &mut client);
        assert_eq!(
            (syn_ack[0].flags, syn_ack[0].seq, syn_ack[0].ack),
            (Flags::SYN_ACK, 9000, 1001)
        );
        assert_eq!(client.state(), State::Established);
        // client ──ACK seq=1001 ack=9001──► server
        let ack = deliver(&mut client, &mut server);
        assert_eq!(
            (ack[0].flags, ack[0].seq, ack[0].ack),
            (Flags::ACK, 1001, 9001)
        );
        assert_eq!(server.state(), State::Established);
        assert_eq!(State::SynSent.to_string(), "SYN-SENT");
        assert_eq!(Flags::SYN_ACK.to_string(), "SYN, ACK");
    }

    #[test]
    fn data_is_cut_at_the_mss_less_the_timestamps() {
        let (mut client, mut server) = handshake();
        client.tick(5);
        assert!(client.send(3000));
        let segs = deliver(&mut client, &mut server);
        let sizes: Vec<u32> = segs.iter().map(|s| s.payload).collect();
        // Both SYNs offered timestamps: each segment carries 12 bytes of them (RFC 7323 §3.2).
        assert_eq!(sizes, [1448, 1448, 104]);
        assert_eq!(segs[0].seq, 1001);
        assert_eq!(segs[2].seq, 1001 + 2896);
        assert!(segs[2].flags.psh && !segs[0].flags.psh);
        assert_eq!(segs[0].wire_len(), 1500);
        let options = segs[0].options.to_vec();
        assert_eq!(options[..2], [TcpOption::Nop, TcpOption::Nop]);
        assert!(matches!(options[2], TcpOption::Timestamps { .. }));
        assert_eq!(segs[0].window, 64240 >> 7, "scaled");
    }

    #[test]
    fn aligned_timestamps_read_as_their_list() {
        let ts = TcpOption::Timestamps { value: 7, echo: 9 };
        let kept = Options::Timestamps { value: 7, echo: 9 };
        let list = Options::List(vec![TcpOption::Nop, TcpOption::Nop, ts]);
        assert_eq!(kept, list);
        assert_eq!(kept.wire_len(), list.wire_len());
        assert_eq!((kept.timestamp(), list.timestamp()), (Some(7), Some(7)));
        assert!(!kept.is_empty() && Options::List(vec![]).is_empty());
    }

    #[test]
    fn server_closes_in_three_segments() {
        let (mut client, mut server) = handshake();
        server.close();
        // server ──FIN──► client
        let fin = deliver(&mut server, &mut client);
        assert_eq!(fin[0].flags, Flags::FIN_ACK);
        assert_eq!(client.state(), State::CloseWait);
        assert_eq!(server.state(), State::FinWait1);
        // client ──FIN, ACK──► server (our FIN carries the ACK of theirs)
        client.close();
        let fin_ack = deliver(&mut client, &mut server);
        assert_eq!(fin_ack.len(), 1);
        assert_eq!(fin_ack[0].ack, fin[0].seq + 1);
        assert_eq!(client.state(), State::LastAck);
        assert_eq!(server.state(), State::TimeWait);
        // server ──ACK──► client
        let last = deliver(&mut server, &mut client);
        assert_eq!(last[0].flags, Flags::ACK);
        assert_eq!(client.state(), State::Closed);
    }

    #[test]
    fn closed_port_resets() {
        let mut client = Connection::connect(50000, 443, 77, Config::default());
        let mut port = Connection::closed_port(443);
        deliver(&mut client, &mut port);
        let rst = deliver(&mut port, &mut client);
        assert_eq!(
            (rst[0].flags, rst[0].seq, rst[0].ack),
            (Flags::RST_ACK, 0, 78)
        );
        assert!(client.was_reset());
        assert_eq!(client.state(), State::Closed);
        let t = client.take_transitions();
        assert_eq!(
            t,
            vec![
                (State::Closed, State::SynSent),
                (State::SynSent, State::Closed)
            ]
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut client = Connection::connect(1, 2, u32::MAX, Config::default());
        let mut server = Connection::listen(2, u32::MAX - 1, Config::default());
        deliver(&mut client, &mut server);
        let syn_ack = deliver(&mut server, &mut client);
        assert_eq!(syn_ack[0].ack, 0);
        assert_eq!(client.state(), State::Established);
        deliver(&mut client, &mut server);
        assert_eq!(server.state(), State::Established);
    }
}

/// How a segment appears in the trace.
pub mod present {
    use super::{Segment, State};
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;

    /// `seq_base` / `ack_base`: the initial numbers, to show relative numbers as analysers do.
    pub fn fields(
        s: &Segment,
        seq_base: u32,
        ack_base: u32,
        transition: Option<(State, State)>,
    ) -> Vec<Field> {
        named(s, seq_base, ack_base, transition, &NAMES)
    }

    /// A segment's fields kept as the segment and written when read ([`fields`], or named
    /// `tcp.ports`, `tcp.seq`… with `layer`, for an event that shows several layers).
    #[derive(Clone, Debug)]
    pub struct Lazy {
        pub segment: Segment,
        pub seq_base: u32,
        pub ack_base: u32,
        pub transition: Option<(State, State)>,
        pub layer: bool,
    }

    impl Lazy {
        /// The fields, written now.
        pub fn write(&self) -> Vec<Field> {
            let names = if self.layer { &LAYER_NAMES } else { &NAMES };
            named(
                &self.segment,
                self.seq_base,
                self.ack_base,
                self.transition,
                names,
            )
        }
    }

    /// A segment's event: its summary, its fields ([`Lazy`]) and what the sender adds after
    /// them (`extra`), written when read.
    #[derive(Clone, Debug)]
    pub struct Shown {
        pub summary: Cow<'static, str>,
        pub segment: Lazy,
        /// The IPv4 addresses the segment goes from and to, when both ends have one.
        pub ips: Option<(std::net::Ipv4Addr, std::net::Ipv4Addr)>,
        pub extra: Vec<Field>,
    }

    impl Detail for Shown {
        fn summary(&self) -> Cow<'static, str> {
            self.summary.clone()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = self.segment.write();
            f.extend(self.extra.iter().cloned());
            f
        }
    }

    const NAMES: [&str; 8] = [
        "ports", "seq", "ack", "flags", "window", "options", "size", "state",
    ];
    const LAYER_NAMES: [&str; 8] = [
        "tcp.ports",
        "tcp.seq",
        "tcp.ack",
        "tcp.flags",
        "tcp.window",
        "tcp.options",
        "tcp.size",
        "tcp.state",
    ];

    fn named(
        s: &Segment,
        seq_base: u32,
        ack_base: u32,
        transition: Option<(State, State)>,
        n: &[&'static str; 8],
    ) -> Vec<Field> {
        let mut f = Vec::with_capacity(8);
        f.push(Field::new(n[0], format!("{} → {}", s.src_port, s.dst_port)));
        f.push(
            Field::new(
                n[1],
                format!("{} (relative {})", s.seq, s.seq.wrapping_sub(seq_base)),
            )
            .spec("RFC 9293 §3.4"),
        );
        if s.flags.ack {
            f.push(Field::new(
                n[2],
                format!("{} (relative {})", s.ack, s.ack.wrapping_sub(ack_base)),
            ));
        }
        f.push(Field::new(n[3], s.flags).spec("RFC 9293 §3.1"));
        if s.flags.syn {
            f.push(Field::new(n[4], s.window));
        } else {
            let scale = super::Config::default().window_scale;
            let bytes = u32::from(s.window) << scale;
            f.push(Field::new(
                n[4],
                format_args!("{} (× 2^{scale}: {bytes} bytes)", s.window),
            ));
        }
        if !s.options.is_empty() {
            f.push(Field::new(n[5], s.options_text()));
        }
        f.push(Field::new(
            n[6],
            format!(
                "{} bytes: IPv4 header 20 + TCP header {} + data {}",
                s.wire_len(),
                s.header_len(),
                s.payload
            ),
        ));
        if let Some((from, to)) = transition {
            f.push(Field::new(n[7], format!("{from} → {to}")));
        }
        f
    }
}
