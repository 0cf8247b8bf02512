//! One connection over QUIC (RFC 9000, RFC 9001) instead of TCP and TLS records: the
//! browser's and the server's QUIC endpoints and TLS 1.3 machines ([`quic_conn::Handshake`]),
//! their datagrams timed on the connection's link as [`super::Connection`] times TCP segments.
//!
//! Each datagram is an event of its own (its packets and frames), delivered to the other side
//! after the one-way delay with the rest of its flight; a TLS message is an event when the
//! datagram carrying its last byte leaves. The browser may send requests once it has sent its
//! Finished ([`Output::Ready`]); the connection has no TCP phase, so its TCP milestone is its
//! start: the QUIC handshake is the secure connection's from the first packet (Chromium's
//! `QuicChromiumClientSession` sets `ssl_start` to `connect_start`:
//! https://source.chromium.org/chromium/chromium/src/+/main:net/quic/quic_chromium_client_session.cc).
//!
//! The browser's connection ID is 8 random bytes (or the scenario's), and the server takes it
//! as its own ([`quic_conn`]'s module doc); the browser's UDP port is the one the connection
//! drew for TCP. Requests go as STREAM frames in 1-RTT packets ([`Connection::send_stream`]).
//!
//! When the network drops UDP, the browser's first flight goes nowhere. As Chromium 156 did on
//! this machine (a NetLog of `--origin-to-force-quic-on` against a UDP port that swallows every
//! datagram), it sends a probe 300, 900 and 2,100 ms after its first flight (probe timeouts
//! doubling from 300 ms, RFC 9002 §6.2): one Initial datagram each, its oldest unacknowledged
//! ClientHello bytes again under a new packet number (4, 6, 8: quiche skips one each time),
//! then 4 s after the first flight its idle timer ends the attempt ("No recent network activity
//! after 4000193us. Timeout:4s", QUIC_NETWORK_IDLE_TIMEOUT) and the job fails with
//! `ERR_QUIC_PROTOCOL_ERROR`. The CONNECTION_CLOSE it sends then is not drawn.
//!
//! A response leaves in 1-RTT packets as the engine times it ([`Connection::quic_response`]):
//! each datagram's worth leaves the server when it must to reach the browser at the moment
//! its round of slow start arrives (the last round's one after another up to the last byte),
//! so the server numbers packets in the order they leave even when responses overlap; the
//! browser acknowledges every second packet, and a response's last at once. Each round is an
//! event when its last datagram leaves, its acknowledgments one when its last arrives.
//!
//! Left out: loss and retransmission in the packets (the engine times loss, [`super`]'s
//! `loss`), quiche's 25 ms delayed-ACK timer and its ACK decimation, 0-RTT, connection
//! migration, and a rejected certificate's CONNECTION_CLOSE (the browser stops at the
//! verdict).

use super::*;
use crate::model::quic::Datagram;
use crate::model::quic_conn::{self, Answer, Handshake, To};
use crate::model::quic_present::{self as present, Shown};
use crate::model::quic_transport;

/// Bytes a 1-RTT packet adds around a STREAM frame's data, as the model's packets have them:
/// the flags byte, the 8-byte connection ID, a 2-byte packet number, the 16-byte AEAD tag and
/// the STREAM frame's header (type, stream id, a 4-byte offset, a 2-byte length).
pub const ONE_RTT_OVERHEAD: u64 = 1 + quic_conn::CID_LEN as u64 + 2 + 16 + 8;

/// One datagram's worth of a response over QUIC ([`Connection::quic_response`]): the request
/// it answers (1-based), its stream and the bytes of it, whether they end it, when the
/// datagram arrives, its round's log (`log`) and the round's place among the response's rounds
/// (`of`), and whether it is the round's last datagram.
#[derive(Clone, Debug)]
pub struct Chunk {
    request: u32,
    stream: u64,
    offset: u64,
    len: usize,
    fin: bool,
    arrives: Instant,
    log: usize,
    of: (usize, usize),
    last_of_round: bool,
}

/// One of the server's datagrams of a response on its way to the browser ([`Chunk`]).
#[derive(Clone, Debug)]
pub struct Arrival {
    request: u32,
    datagram: Rc<Datagram>,
    round: usize,
    fin: bool,
    last_of_round: bool,
}

/// A QUIC connection's state beside [`Connection`]'s.
pub(super) struct Part {
    /// The browser's Destination Connection ID (module doc).
    pub(super) cid: Rc<[u8]>,
    /// The browser's UDP port.
    port: u16,
    /// The browser's transport parameters, drawn with the connection's numbers.
    params: Vec<u8>,
    handshake: Option<Handshake>,
    /// Bytes sent so far on each stream the browser opened, by stream id.
    offsets: Vec<(u64, u64)>,
    /// The browser's first flight, which its probes repeat when nothing answers.
    first_flight: Vec<Rc<Datagram>>,
    /// Each response round's datagrams and the browser's acknowledgments of them, gathered
    /// until the round's event ([`Round`]); emptied once shown.
    rounds: Vec<RoundLog>,
}

/// What a response round has sent and received so far.
#[derive(Default)]
struct RoundLog {
    sent: Vec<(Instant, Rc<Datagram>)>,
    acks: Vec<(Instant, Rc<Datagram>)>,
}

impl Part {
    /// Draws the connection ID (unless the scenario gives one) and the transport parameters.
    pub(super) fn new(port: u16, cid: Option<Rc<[u8]>>, rng: &mut Rng) -> Part {
        let cid = cid.unwrap_or_else(|| {
            (0..quic_conn::CID_LEN)
                .map(|_| rng.next_u32() as u8)
                .collect()
        });
        let params = quic_transport::encode(&quic_transport::chromium_client(rng));
        Part {
            cid,
            port,
            params,
            handshake: None,
            offsets: Vec::new(),
            first_flight: Vec::new(),
            rounds: Vec::new(),
        }
    }
}

impl Connection {
    /// The QUIC part, for a connection that runs over QUIC.
    fn quic_part(&mut self) -> Option<&mut Part> {
        self.quic.as_deref_mut()
    }

    /// The server's IPv4 address, for the datagrams' events.
    fn quic_server(&self) -> Option<std::net::Ipv4Addr> {
        self.ips(Side::Server).map(|(_, server)| server)
    }

    /// Whether the connection runs over QUIC.
    pub fn is_quic(&self) -> bool {
        self.quic.is_some()
    }

    /// The browser's connection ID, over QUIC.
    pub fn quic_cid(&self) -> Option<Rc<[u8]>> {
        self.quic.as_ref().map(|q| Rc::clone(&q.cid))
    }

    /// The QUIC handshake starts at `now`: the browser's Initial datagrams leave.
    pub(super) fn start_quic(&mut self, now: Instant) {
        self.started = now;
        // No TCP: the secure connection starts with the first packet (module doc).
        self.out.push_back(Output::TcpConnected(now));
        let Some(q) = self.quic.as_deref() else {
            return;
        };
        let server_params = quic_transport::encode(&quic_transport::server(&q.cid, &q.cid));
        let params = (present::hex(&q.params), present::hex(&server_params));
        let (client, server) = self.tls_machines(now, Some(params));
        let mut hs = Handshake::new(client, server);
        let first = hs.start();
        if let Some(q) = self.quic_part() {
            q.handshake = Some(hs);
        }
        self.answer(now, Side::Server, first);
    }

    /// A flight of datagrams arrives at `to` at `now`; its answer goes back.
    pub(super) fn quic_flight(&mut self, now: Instant, to: Side, flight: &[Rc<Datagram>]) {
        let Some(hs) = self.quic_part().and_then(|q| q.handshake.as_mut()) else {
            return;
        };
        let (at, back) = match to {
            Side::Server => (To::Server, Side::Client),
            Side::Client => (To::Browser, Side::Server),
        };
        let a = hs.deliver(at, flight);
        self.answer(now, back, a);
    }

    /// What a side did at `now`: its checks and milestones, its datagrams (each an event, the
    /// messages they complete after them) on their way to `to`.
    fn answer(&mut self, now: Instant, side: Side, a: Answer) {
        if let Some(v) = a.verified {
            self.trace(certificate_check(now, v));
        }
        if let Some(e) = a.failed {
            self.fail(Failure::Cert(e), now);
            return;
        }
        let (from, actor_to) = match side {
            Side::Server => (Actor::Browser, Actor::Server),
            Side::Client => (Actor::Server, Actor::Browser),
        };
        let arrives = now + self.way(side);
        let Some(cid) = self.quic_cid() else { return };
        let n = a.sent.len();
        let mut flight = Vec::with_capacity(n);
        let held = a.held;
        for (i, s) in a.sent.into_iter().enumerate() {
            let mut notes = Vec::new();
            if held && i + 1 == n {
                // RFC 9000 §8.1: the rest waits for the browser's next datagram.
                notes.push(Field::new(
                    "amplification_limit",
                    "the server has sent three times the bytes it received from this unvalidated address: the rest of its flight waits for the browser's next datagram",
                ).spec("RFC 9000 §8.1"));
            }
            let shown = Shown {
                datagram: Rc::clone(&s.datagram),
                cid: Rc::clone(&cid),
                ports: (self.quic.as_ref().map_or(0, |q| q.port), self.config.port),
                server: self.quic_server(),
                of: (i + 1, n),
                dropped: self.config.udp_blocked,
                notes,
            };
            let step = present::step_of(&s.datagram);
            let bytes = s.datagram.len as u64 + UDP_IP_HEADERS;
            let mut e = Event::described(now, from, step, shown);
            if !self.config.udp_blocked {
                e = e.message(actor_to, arrives, bytes);
            }
            self.trace(e);
            for m in s.completes {
                let e = Event::described(
                    now,
                    from,
                    tls_present::step(&m),
                    present::InCrypto { msg: m },
                );
                self.trace(e);
            }
            flight.push(s.datagram);
        }
        if a.ready && self.tls.is_none() {
            self.tls = Some(Version::Tls13);
            self.out.push_back(Output::Ready(now));
        }
        if self.config.udp_blocked {
            // Nothing arrives: the probes, then the idle timer (module doc).
            if side == Side::Server && !self.failed && flight.len() > 1 {
                for (k, at) in PROBES.iter().enumerate() {
                    self.deliver(now + *at, Side::Client, Payload::Probe(k as u8));
                }
                self.deliver(
                    now + HANDSHAKE_IDLE_TIMEOUT,
                    Side::Client,
                    Payload::IdleTimeout,
                );
                if let Some(q) = self.quic_part() {
                    q.first_flight = flight;
                }
            }
            return;
        }
        if !flight.is_empty() && !self.failed {
            self.deliver(arrives, side, Payload::Datagrams(flight));
        }
    }

    /// Probe `k` (from 0) leaves at `now`: the first flight's datagram `k mod 2` again, its packet
    /// under the next number but one (module doc), dropped as the others.
    pub(super) fn quic_probe(&mut self, now: Instant, k: u8) {
        if self.failed || self.tls.is_some() {
            return;
        }
        let Some(q) = self.quic.as_deref() else {
            return;
        };
        let Some(d) = q
            .first_flight
            .get(usize::from(k) % q.first_flight.len().max(1))
        else {
            return;
        };
        let mut d = (**d).clone();
        for p in &mut d.packets {
            p.number = 2 * (u64::from(k) + 2);
        }
        let waited = PROBES.get(usize::from(k)).copied().unwrap_or_default();
        let probe = Field::new(
            "probe",
            format!(
                "no answer {} ms after the first flight: the probe timeout resends the oldest unacknowledged bytes under a new packet number",
                waited.as_ms()
            ),
        )
        .spec("RFC 9002 §6.2");
        let shown = Shown {
            datagram: Rc::new(d),
            cid: Rc::clone(&q.cid),
            ports: (q.port, self.config.port),
            server: self.quic_server(),
            of: (1, 1),
            dropped: true,
            notes: vec![probe],
        };
        let e = Event::described(now, Actor::Browser, steps::QUIC_CLIENT_INITIAL, shown);
        self.trace(e);
    }

    /// The browser's idle timer fires at `now`: with no handshake done, the attempt fails.
    pub(super) fn quic_idle(&mut self, now: Instant) {
        if self.tls.is_none() {
            self.fail(Failure::QuicIdle, now);
        }
    }

    /// `http` bytes of HTTP/3 frames leave the browser at `at` on stream `stream` (ending it if
    /// `fin`): STREAM frames in 1-RTT packets. Returns the event that shows the wrapping.
    pub fn send_stream(&mut self, at: Instant, stream: u64, http: u64, fin: bool) -> Option<Event> {
        let (server_port, server) = (self.config.port, self.quic_server());
        let q = self.quic_part()?;
        let ports = (q.port, server_port);
        let offset = match q.offsets.iter_mut().find(|(id, _)| *id == stream) {
            Some((_, sent)) => {
                let o = *sent;
                *sent += http;
                o
            }
            None => {
                q.offsets.push((stream, http));
                0
            }
        };
        let cid = Rc::clone(&q.cid);
        let len = usize::try_from(http).unwrap_or(usize::MAX);
        let datagrams = q
            .handshake
            .as_mut()?
            .stream(To::Server, stream, (offset, len), fin);
        let first = Rc::clone(datagrams.first()?);
        let wrapping = present::Wrapping {
            http,
            stream,
            datagrams: datagrams.iter().map(|d| (at, Rc::clone(d))).collect(),
            first: Shown {
                datagram: first,
                cid,
                ports,
                server,
                of: (1, datagrams.len()),
                dropped: false,
                notes: Vec::new(),
            },
            round: None,
        };
        Some(Event::described(
            at,
            Actor::Browser,
            steps::QUIC_STREAM,
            wrapping,
        ))
    }

    /// A response's `http` bytes of HTTP/3 leave the server on stream `stream`, ending it,
    /// in slow start's rounds as the engine timed them: `cuts` bytes on the wire each
    /// ([`crate::model::http::slow_start_cuts`]), round `r` reaching the browser one round trip
    /// after round `r - 1` from `first`, the last round's datagrams one after another up to
    /// the last byte at `last`. Each datagram's worth leaves when it must to arrive then
    /// ([`Self::quic_send`]), so the server numbers its packets in the order they leave, and
    /// the browser its acknowledgments in the order they arrive, whatever other responses
    /// share the connection.
    pub fn quic_response(
        &mut self,
        request: u32,
        stream: u64,
        http: u64,
        (cuts, first, last): (&[u64], Instant, Instant),
    ) {
        let (rtt, down) = (self.config.rtt, self.down());
        let room = quic_conn::CHROMIUM_DATAGRAM as u64 - ONE_RTT_OVERHEAD;
        let unit = quic_conn::CHROMIUM_DATAGRAM as u64;
        let total = http.div_ceil(room).max(1);
        // The round of each datagram: the round of the wire byte it starts at.
        let mut round_of = Vec::with_capacity(total as usize);
        let (mut r, mut cut_end) = (0usize, cuts.first().copied().unwrap_or(0));
        for j in 0..total {
            while j * unit >= cut_end && r + 1 < cuts.len() {
                r += 1;
                cut_end += cuts.get(r).copied().unwrap_or(0);
            }
            round_of.push(r);
        }
        let rounds = round_of.last().map_or(1, |r| r + 1);
        // Each round's datagrams, and the index of its first (the rounds run in order).
        let mut sizes = vec![0u64; rounds];
        for &r in &round_of {
            sizes[r] += 1;
        }
        let firsts: Vec<u64> = (sizes.iter())
            .scan(0, |acc, n| {
                let at = *acc;
                *acc += n;
                Some(at)
            })
            .collect();
        let Some(q) = self.quic_part() else { return };
        let base = q.rounds.len();
        q.rounds.extend((0..rounds).map(|_| RoundLog::default()));
        for (j, &r) in round_of.iter().enumerate() {
            let start = (first + rtt.times(r as u64)).min(last);
            let (in_round, k) = (sizes[r], j as u64 - firsts[r]);
            let arrives = if r + 1 < rounds {
                start
            } else if in_round > 1 {
                let span = last.since(start).micros();
                Instant::from_micros(start.micros() + span * k / (in_round - 1))
            } else {
                last.max(start)
            };
            let offset = j as u64 * room;
            let chunk = Chunk {
                request,
                stream,
                offset,
                len: usize::try_from(room.min(http - offset.min(http))).unwrap_or(0),
                fin: j as u64 + 1 == total,
                arrives,
                log: base + r,
                of: (r + 1, rounds),
                last_of_round: k + 1 == in_round,
            };
            let leaves = Instant::from_micros(arrives.micros().saturating_sub(down.micros()));
            self.deliver(leaves, Side::Server, Payload::QuicSend(Box::new(chunk)));
        }
    }

    /// A datagram's worth of a response leaves the server at `now`: its STREAM frame in a
    /// 1-RTT packet, on its way to the browser. The round's last shows the round, an event
    /// whose arrow is that last datagram's way.
    pub(super) fn quic_send(&mut self, now: Instant, c: &Chunk) {
        let (server_port, server) = (self.config.port, self.quic_server());
        let Some(q) = self.quic_part() else { return };
        let (cid, ports) = (Rc::clone(&q.cid), (q.port, server_port));
        let Some(hs) = q.handshake.as_mut() else {
            return;
        };
        let datagrams = hs.send(To::Browser, c.stream, (c.offset, c.len), c.fin);
        let n = datagrams.len();
        let mut arrivals = Vec::with_capacity(n);
        for (i, d) in datagrams.into_iter().enumerate() {
            if let Some(log) = q.rounds.get_mut(c.log) {
                log.sent.push((c.arrives, Rc::clone(&d)));
            }
            arrivals.push(Arrival {
                request: c.request,
                datagram: d,
                round: c.log,
                fin: c.fin && i + 1 == n,
                last_of_round: c.last_of_round && i + 1 == n,
            });
        }
        for a in arrivals {
            self.deliver(c.arrives, Side::Client, Payload::QuicArrive(Box::new(a)));
        }
        if !c.last_of_round {
            return;
        }
        let Some(sent) = (self.quic_part())
            .and_then(|q| q.rounds.get_mut(c.log))
            .map(|log| std::mem::take(&mut log.sent))
        else {
            return;
        };
        if let Some(e) = round_event(now, c, sent, (cid, ports, server)) {
            self.trace(e);
        }
    }
}

/// The event of a response's round, its last datagram leaving at `now`: its datagrams (`sent`,
/// each with when it arrives), their HTTP/3 bytes, and the arrow of that last datagram.
fn round_event(
    now: Instant,
    c: &Chunk,
    sent: Vec<(Instant, Rc<Datagram>)>,
    (cid, ports, server): (Rc<[u8]>, (u16, u16), Option<std::net::Ipv4Addr>),
) -> Option<Event> {
    let (Some(first), Some(last)) = (
        sent.first().map(|d| Rc::clone(&d.1)),
        sent.last().map(|d| d.0),
    ) else {
        return None;
    };
    let bytes: u64 = (sent.iter())
        .map(|(_, d)| d.len as u64 + UDP_IP_HEADERS)
        .sum();
    let http: u64 = (sent.iter())
        .flat_map(|(_, d)| &d.packets)
        .flat_map(|p| &p.frames)
        .map(|f| match f {
            crate::model::quic::Frame::Stream { len, .. } => *len as u64,
            _ => 0,
        })
        .sum();
    let n = sent.len();
    let wrapping = present::Wrapping {
        http,
        stream: c.stream,
        datagrams: sent.into(),
        first: Shown {
            datagram: first,
            cid,
            ports,
            server,
            of: (1, n),
            dropped: false,
            notes: Vec::new(),
        },
        round: Some(c.of),
    };
    let e = Event::described(now, Actor::Server, steps::QUIC_STREAM, wrapping)
        .message(Actor::Browser, last.max(now), bytes)
        .request(c.request);
    Some(e)
}

impl Connection {
    /// One of the server's 1-RTT datagrams reaches the browser at `now`: it acknowledges every
    /// second ack-eliciting packet, and the response's last at once. The round's last shows
    /// the round's acknowledgments, an event of its request's.
    pub(super) fn quic_arrive(&mut self, now: Instant, a: &Arrival) {
        let up = self.up();
        let (server_port, server) = (self.config.port, self.quic_server());
        let Some(q) = self.quic_part() else { return };
        let (cid, ports) = (Rc::clone(&q.cid), (q.port, server_port));
        let Some(hs) = q.handshake.as_mut() else {
            return;
        };
        if let Some(ack) = hs.acknowledge(To::Browser, &a.datagram, a.fin) {
            if let Some(log) = q.rounds.get_mut(a.round) {
                log.acks.push((now, ack));
            }
        }
        if !a.last_of_round {
            return;
        }
        let acks =
            (q.rounds.get_mut(a.round)).map_or_else(Vec::new, |l| std::mem::take(&mut l.acks));
        let Some(last) = acks.last().map(|x| x.0) else {
            return;
        };
        let bytes: u64 = (acks.iter())
            .map(|(_, d)| d.len as u64 + UDP_IP_HEADERS)
            .sum();
        let shown = present::Acks {
            datagrams: acks,
            cid,
            ports,
            server,
        };
        let e = Event::described(now, Actor::Browser, steps::QUIC_ACK, shown)
            .message(Actor::Server, last + up, bytes)
            .request(a.request);
        self.trace(e);
    }

    /// `http` bytes of HTTP/3 as they go on the wire: each 1-RTT packet of at most one
    /// datagram adds [`ONE_RTT_OVERHEAD`].
    pub(super) fn quic_on_the_wire(http: u64) -> u64 {
        let room = quic_conn::CHROMIUM_DATAGRAM as u64 - ONE_RTT_OVERHEAD;
        http + ONE_RTT_OVERHEAD * http.div_ceil(room).max(1)
    }

    pub(super) fn release_quic(&mut self) {
        if let Some(q) = self.quic_part() {
            q.handshake = None;
            q.offsets = Vec::new();
            q.rounds = Vec::new();
        }
    }
}

/// How long a QUIC connection waits for its peer's first packet before it gives up: 4 s in
/// Chromium 156's NetLog (module doc).
pub const HANDSHAKE_IDLE_TIMEOUT: Duration = Duration::from_millis(4_000);

/// When the browser's probes leave after its first flight, in the same NetLog: 301, 902 and
/// 2,104 ms (probe timeouts of 300, 600 and 1,200 ms).
pub const PROBES: [Duration; 3] = [
    Duration::from_millis(300),
    Duration::from_millis(900),
    Duration::from_millis(2_100),
];

/// The UDP and IPv4 headers around a datagram's payload (RFC 768, RFC 791).
pub const UDP_IP_HEADERS: u64 = 8 + 20;
