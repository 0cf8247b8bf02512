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
//! Left out: the response's packets (a response's bytes are timed by the engine but not cut
//! into numbered packets yet), loss and retransmission, 0-RTT, connection migration, and a
//! rejected certificate's CONNECTION_CLOSE (the browser stops at the verdict).

use super::*;
use crate::model::quic::Datagram;
use crate::model::quic_conn::{self, Answer, Handshake, To};
use crate::model::quic_present::{self as present, Shown};
use crate::model::quic_transport;

/// Bytes a 1-RTT packet adds around a STREAM frame's data, as the model's packets have them:
/// the flags byte, the 8-byte connection ID, a 2-byte packet number, the 16-byte AEAD tag and
/// the STREAM frame's header (type, stream id, a 4-byte offset, a 2-byte length).
pub const ONE_RTT_OVERHEAD: u64 = 1 + quic_conn::CID_LEN as u64 + 2 + 16 + 8;

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
        }
    }
}

impl Connection {
    /// The QUIC part, for a connection that runs over QUIC.
    fn quic_part(&mut self) -> Option<&mut Part> {
        self.quic.as_deref_mut()
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
            let shown = Shown {
                datagram: Rc::clone(&s.datagram),
                cid: Rc::clone(&cid),
                ports: (self.quic.as_ref().map_or(0, |q| q.port), self.config.port),
                of: (i + 1, n),
            };
            let step = present::step_of(&s.datagram);
            let bytes = s.datagram.len as u64 + UDP_IP_HEADERS;
            let mut e = Event::described(now, from, step, shown);
            e = if self.config.udp_blocked {
                e.field(
                    "dropped",
                    "the network drops UDP to this server: the datagram never arrives",
                )
            } else {
                e.message(actor_to, arrives, bytes)
            };
            if held && i + 1 == n {
                // RFC 9000 §8.1: the rest waits for the browser's next datagram.
                e = e.field_spec(
                    "amplification_limit",
                    "the server has sent three times the bytes it received from this unvalidated address: the rest of its flight waits for the browser's next datagram",
                    "RFC 9000 §8.1",
                );
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
        let shown = Shown {
            datagram: Rc::new(d),
            cid: Rc::clone(&q.cid),
            ports: (q.port, self.config.port),
            of: (1, 1),
        };
        let waited = PROBES.get(usize::from(k)).copied().unwrap_or_default();
        let e = Event::described(now, Actor::Browser, steps::QUIC_CLIENT_INITIAL, shown)
            .field(
                "dropped",
                "the network drops UDP to this server: the datagram never arrives",
            )
            .field_spec(
                "probe",
                format!(
                    "no answer {} ms after the first flight: the probe timeout resends the oldest unacknowledged bytes under a new packet number",
                    waited.as_ms()
                ),
                "RFC 9002 §6.2",
            );
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
        let server_port = self.config.port;
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
            datagrams: datagrams.len(),
            first: Shown {
                datagram: first,
                cid,
                ports,
                of: (1, datagrams.len()),
            },
        };
        Some(Event::described(
            at,
            Actor::Browser,
            steps::QUIC_STREAM,
            wrapping,
        ))
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
