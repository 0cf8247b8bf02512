//! One connection's handshakes, message by message, as an event-driven machine: the browser's
//! and the server's TCP machines ([`crate::model::tcp`]), then for `https` their TLS machines
//! ([`crate::model::tls`]), exchanging the SYN, the SYN-ACK and the TLS flights over a link with a
//! fixed one-way delay.
//!
//! It is sans-IO in the way of quinn-proto's `Connection`: the caller starts it with
//! [`Connection::start`] at the moment the address is known, delivers each message back with
//! [`Connection::handle`] when its flight arrives, and pulls [`Output`]s: trace events (always
//! stamped with the moment they happen, so a caller that handles deliveries in time order emits
//! its trace in time order), messages to deliver later, and the handshake's milestones. The
//! page-load engine puts the deliveries on its event queue, so the handshakes of many
//! connections interleave.
//!
//! What is modelled and what is left out:
//! - The SYN, SYN-ACK and RST are delivered after the one-way delay; the browser's final ACK
//!   and the TCP segments that carry TLS records are accounted to both machines at once (their
//!   sequence numbers stay exact), and their flight is drawn but not waited for: nothing
//!   depends on their arrival in a handshake (RFC 9293 §3.5: the client may send data with the
//!   ACK of the SYN-ACK).
//! - A TLS flight is delivered whole: every message of it is handled in order when the flight
//!   arrives, and the answer leaves at that moment. Serialisation time of handshake messages
//!   (a few kilobytes at the profile's bandwidth) is left out, so each round trip is exact.
//! - After a certificate error the client's alert is sent and the connection stops.

use crate::model::cert::{self, CertError, Certificate, Chain, RootStore};
use crate::model::dns;
use crate::model::rng::Rng;
use crate::model::scenario::{CertChoice, TlsChoice};
use crate::model::step::{steps, StepId};
use crate::model::tcp;
use crate::model::time::{Duration, Instant};
use crate::model::tls::{self, present as tls_present, Output as TlsOutput, Version};
use crate::model::trace::{Actor, Detail, Event, Field};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

#[path = "happy_eyeballs.rs"]
pub mod happy_eyeballs;
#[path = "quic_connection.rs"]
pub mod quic;

/// Why a connection (or the request that waited for it) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The host name does not exist.
    Dns,
    /// Nothing listens on the port: the SYN was answered with RST.
    Refused,
    /// The certificate was rejected.
    Cert(CertError),
    /// The QUIC handshake got no answer before its idle timeout (UDP dropped on the way).
    QuicIdle,
    /// The model could not go on (a machine said nothing where it must): a bug, shown as such.
    Internal(&'static str),
}

/// What the connection needs to know about its server and the handshake to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The socket pool group it belongs to (scheme, host and port).
    pub group: String,
    /// The host name: the TLS server name and the certificate's subject.
    pub host: String,
    pub port: u16,
    pub secure: bool,
    /// Nothing listens on the port.
    pub refused: bool,
    /// The round trip to the server: half of it each way (the odd microsecond, if any, on the
    /// way back).
    pub rtt: Duration,
    /// The simulated date at [`Instant::ZERO`], seconds since the Unix epoch.
    pub unix_time: i64,
    pub tls: TlsChoice,
    pub cert: CertChoice,
    /// The client certificate the server asks for, when it does.
    pub client_chain: Option<Chain>,
    /// The browser's verifier and the servers' chains, shared by the load's connections.
    pub certs: Rc<Certs>,
    pub ticket: Option<tls::Ticket>,
    pub false_start: bool,
    /// The server speaks HTTP/2 (its ALPN picks `h2`).
    pub h2: bool,
    /// The connection runs over QUIC, for HTTP/3 ([`quic`]).
    pub quic: bool,
    /// The browser's QUIC connection ID, when the scenario gives one (else it is drawn).
    pub quic_cid: Option<Rc<[u8]>>,
    /// The network drops UDP to and from the server: QUIC datagrams never arrive.
    pub udp_blocked: bool,
    /// The server's IPv6 address, when the network reaches IPv6 and the server has one: the
    /// TCP handshake tries it first ([`happy_eyeballs`]).
    pub v6: Option<happy_eyeballs::V6Path>,
}

/// Which way a delivery goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// A message on its way: a TCP segment of the handshake or a TLS flight.
#[derive(Clone, Debug)]
pub enum Payload {
    Segment(tcp::Segment),
    /// Shared with the events that show the messages.
    Flight(Vec<Rc<tls::Message>>),
    /// A flight of QUIC datagrams, shared with their events.
    Datagrams(Vec<Rc<crate::model::quic::Datagram>>),
    /// A datagram's worth of a QUIC response leaves the server.
    QuicSend(Box<quic::Chunk>),
    /// One of those datagrams reaches the browser, which may acknowledge it.
    QuicArrive(Box<quic::Arrival>),
    /// The browser's QUIC idle timer fires (a timer the connection sets itself).
    IdleTimeout,
    /// The browser's QUIC probe timer fires: its `n`th probe (from 0) leaves.
    Probe(u8),
    /// Happy Eyeballs' fallback timer fires: IPv4 starts ([`happy_eyeballs`]).
    Fallback,
}

/// A message to hand back to [`Connection::handle`] at `at`.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub at: Instant,
    pub to: Side,
    pub payload: Payload,
}

/// What the connection has to say.
#[derive(Clone, Debug)]
pub enum Output {
    /// Something happened now (a message was sent, a certificate checked): for the trace.
    Trace(Event),
    /// A message is on its way.
    Deliver(Delivery),
    /// The TCP handshake is complete on the browser's side.
    TcpConnected(Instant),
    /// The browser may send its request (TLS done, or TLS 1.2 False Start, or plain http).
    Ready(Instant),
    /// The handshake failed; the connection is dead.
    Failed(Failure, Instant),
}

/// The TLS part, once TCP is up.
struct Tls {
    client: tls::Client,
    server: tls::Server,
    negotiated: Version,
    /// The session-keys step is shown once, when the client first switches keys.
    keys_shown: bool,
    ready: bool,
}

/// One connection: its machines and where the handshake is.
pub struct Connection {
    pub id: u32,
    pub config: Config,
    pub client: tcp::Connection,
    pub server: tcp::Connection,
    pub client_iss: u32,
    pub server_iss: u32,
    /// The TLS version once the handshake is done.
    pub tls: Option<Version>,
    /// The server's address ([`address`]), written once: every request's segment names it.
    to: Rc<str>,
    started: Instant,
    /// The random values drawn for the TLS handshake, in the order the machines use them.
    randoms: [String; 5],
    handshake: Option<Tls>,
    /// Over QUIC, its endpoints and what they need ([`quic`]).
    quic: Option<Box<quic::Part>>,
    /// The handshake runs over IPv6 ([`happy_eyeballs`]).
    over_v6: bool,
    /// The SYN the IPv4 attempt sends when Happy Eyeballs' timer fires.
    pending_syn: Option<tcp::Segment>,
    failed: bool,
    out: std::collections::VecDeque<Output>,
}

/// Milliseconds of simulated time: the TCP machines' clock.
fn ms(t: Instant) -> u32 {
    (t.micros() / 1000) as u32
}

/// The browser's address on its home network (RFC 1918 private range).
pub const CLIENT_IP: &str = "192.168.1.23";
/// [`CLIENT_IP`] as an address (a test checks they agree).
pub const CLIENT_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(192, 168, 1, 23);

/// The server's address as a capture shows it: the host itself when it is an IP literal.
pub fn address(host: &str) -> String {
    if host.parse::<std::net::Ipv4Addr>().is_ok() || host.starts_with('[') {
        return host.to_string();
    }
    // The dotted quad, written octet by octet (as `Ipv4Addr`'s Display writes it).
    let mut s = String::with_capacity(15);
    for (i, o) in dns::address_of(host).octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        crate::model::text::decimal_into(&mut s, u64::from(o));
    }
    s
}

impl Connection {
    /// A connection about to open at `now`. It draws its random values from `rng` here, in a
    /// fixed order (port, both initial sequence numbers, the timestamp, then the TLS randoms),
    /// so the same scenario gives the same numbers.
    pub fn new(id: u32, config: Config, now: Instant, rng: &mut Rng) -> Connection {
        let port = 49152 + (rng.next_u32() % 16384) as u16;
        let c_iss = rng.next_u32();
        let s_iss = rng.next_u32();
        let ts = ((now.micros() / 1000) as u32).wrapping_add(rng.next_u32());
        // Over IPv6 the header is 40 bytes, not 20: an Ethernet MTU leaves an MSS of 1,440.
        let over_v6 = config.v6.is_some_and(|v| v.works);
        let cfg = tcp::Config {
            timestamp: ts,
            mss: if over_v6 { 1440 } else { 1460 },
            ..tcp::Config::default()
        };
        let client = tcp::Connection::connect(port, config.port, c_iss, cfg);
        let server = if config.refused {
            tcp::Connection::closed_port(config.port)
        } else {
            tcp::Connection::listen(
                config.port,
                s_iss,
                tcp::Config {
                    timestamp: s_iss.rotate_left(7),
                    ..cfg
                },
            )
        };
        let (mut client, mut server) = (client, server);
        client.tick(ms(now));
        server.tick(ms(now));
        let randoms = if config.secure {
            let rsa = config.tls == TlsChoice::Tls12Rsa && !config.quic;
            [
                rng.hex(32),
                rng.hex(32),
                // RSA: the pre-master secret's 46 random bytes (RFC 5246 §7.4.7.1); ECDHE: the
                // browser's x25519 key.
                rng.hex(if rsa { 46 } else { 32 }),
                rng.hex(32),
                rng.hex(32),
            ]
        } else {
            Default::default()
        };
        let quic = (config.quic && config.secure)
            .then(|| Box::new(quic::Part::new(port, config.quic_cid.clone(), rng)));
        Connection {
            id,
            to: address(&config.host).into(),
            config,
            client,
            server,
            client_iss: c_iss,
            server_iss: s_iss,
            tls: None,
            started: now,
            randoms,
            handshake: None,
            quic,
            over_v6: false,
            pending_syn: None,
            failed: false,
            out: std::collections::VecDeque::with_capacity(8),
        }
    }

    /// A connection that was opened before the simulation started (an idle keep-alive socket):
    /// its TCP handshake runs here, untraced. Each side's timestamp clock starts at a random
    /// value, as [`Connection::new`]'s do (RFC 7323 §5.4).
    pub fn established(id: u32, config: Config, rng: &mut Rng) -> Connection {
        let c_iss = rng.next_u32();
        let s_iss = rng.next_u32();
        let port = 49152 + (rng.next_u32() % 16384) as u16;
        let cfg = tcp::Config {
            timestamp: rng.next_u32(),
            ..tcp::Config::default()
        };
        let server_cfg = tcp::Config {
            timestamp: s_iss.rotate_left(7),
            ..cfg
        };
        let mut client = tcp::Connection::connect(port, config.port, c_iss, cfg);
        let mut server = tcp::Connection::listen(config.port, s_iss, server_cfg);
        for _ in 0..3 {
            while let Some(s) = client.poll_output() {
                server.handle(&s);
            }
            while let Some(s) = server.poll_output() {
                client.handle(&s);
            }
        }
        client.take_transitions();
        server.take_transitions();
        let tls = config.secure.then_some(config.tls.version());
        Connection {
            id,
            to: address(&config.host).into(),
            config,
            client,
            server,
            client_iss: c_iss,
            server_iss: s_iss,
            tls,
            started: Instant::ZERO,
            randoms: Default::default(),
            handshake: None,
            quic: None,
            over_v6: false,
            pending_syn: None,
            failed: false,
            out: std::collections::VecDeque::with_capacity(8),
        }
    }

    /// The addresses of a segment towards `to` (none for a server with an IPv6 literal).
    fn ips(&self, to: Side) -> Option<(std::net::Ipv4Addr, std::net::Ipv4Addr)> {
        let host = &self.config.host;
        if self.over_v6 {
            return None;
        }
        let server = match host.parse::<std::net::Ipv4Addr>() {
            Ok(a) => a,
            Err(_) if host.starts_with('[') => return None,
            Err(_) => dns::address_of(host),
        };
        Some(match to {
            Side::Server => (CLIENT_ADDR, server),
            Side::Client => (server, CLIENT_ADDR),
        })
    }

    /// Both machines' clocks to `now` (their segments' timestamps).
    fn tick(&mut self, now: Instant) {
        self.client.tick(ms(now));
        self.server.tick(ms(now));
    }

    /// The browser-to-server delay.
    fn up(&self) -> Duration {
        self.config.rtt.half()
    }

    /// The server-to-browser delay: the rest of the round trip.
    fn down(&self) -> Duration {
        Duration::from_micros(self.config.rtt.micros().saturating_sub(self.up().micros()))
    }

    fn way(&self, to: Side) -> Duration {
        match to {
            Side::Server => self.up(),
            Side::Client => self.down(),
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn trace(&mut self, e: Event) {
        self.out.push_back(Output::Trace(e));
    }

    fn deliver(&mut self, at: Instant, to: Side, payload: Payload) {
        self.out
            .push_back(Output::Deliver(Delivery { at, to, payload }));
    }

    fn fail(&mut self, f: Failure, at: Instant) {
        self.failed = true;
        self.out.push_back(Output::Failed(f, at));
    }

    /// The event of a handshake segment sent at `now` towards `to`: its TCP fields, with
    /// sequence numbers relative to `seq_base` and acknowledgments relative to the other side's
    /// initial number, the sender's state change, then `extra`; and its flight.
    #[allow(clippy::too_many_arguments)]
    fn segment_event(
        &self,
        now: Instant,
        to: Side,
        step: StepId,
        summary: String,
        seg: &tcp::Segment,
        (seq_base, transition): (u32, Option<(tcp::State, tcp::State)>),
        extra: Vec<Field>,
    ) -> Event {
        let (from, actor_to, ack_base) = match to {
            Side::Server => (Actor::Browser, Actor::Server, self.server_iss),
            Side::Client => (Actor::Server, Actor::Browser, self.client_iss),
        };
        let shown = tcp::present::Shown {
            ips: self.ips(to),
            summary: summary.into(),
            segment: tcp::present::Lazy {
                segment: seg.clone(),
                seq_base,
                ack_base,
                transition,
                layer: false,
            },
            extra,
        };
        Event::described(now, from, step, shown).message(
            actor_to,
            now + self.way(to),
            u64::from(seg.wire_len()),
        )
    }

    /// Sends the SYN at `now`.
    pub fn start(&mut self, now: Instant) {
        if self.quic.is_some() {
            return self.start_quic(now);
        }
        self.started = now;
        // The SYN may leave later than the machines were made: both clocks start now.
        self.client.start_clock_at(ms(now));
        self.server.start_clock_at(ms(now));
        let Some(syn) = self.client.poll_output() else {
            return self.fail(Failure::Internal("no SYN"), now);
        };
        if let Some(v6) = self.config.v6 {
            if !self.syn_v6(now, v6, &syn) {
                self.pending_syn = Some(syn);
                return;
            }
        }
        self.send_syn(now, syn);
    }

    /// The SYN leaves at `now` towards the connection's address.
    fn send_syn(&mut self, now: Instant, syn: tcp::Segment) {
        let tr = self.client.take_transitions().pop();
        let summary = format!("SYN seq={} to {}:{}", syn.seq, self.to, self.config.port);
        let isn = Field::note(
            "initial_sequence_number",
            "random per connection (RFC 9293 §3.4.1, RFC 6528)",
        );
        let e = self.segment_event(
            now,
            Side::Server,
            steps::TCP_SYN,
            summary,
            &syn,
            (self.client_iss, tr),
            vec![isn],
        );
        self.trace(e);
        self.deliver(now + self.up(), Side::Server, Payload::Segment(syn));
    }

    /// A delivery arrived at `now`.
    pub fn handle(&mut self, now: Instant, d: Delivery) {
        if self.failed {
            return;
        }
        match (d.to, d.payload) {
            (Side::Server, Payload::Segment(s)) => self.server_segment(now, &s),
            (Side::Client, Payload::Segment(s)) => self.client_segment(now, &s),
            (Side::Server, Payload::Flight(f)) => self.server_flight(now, &f),
            (Side::Client, Payload::Flight(f)) => self.client_flight(now, &f),
            (to, Payload::Datagrams(f)) => self.quic_flight(now, to, &f),
            (_, Payload::QuicSend(c)) => self.quic_send(now, &c),
            (_, Payload::QuicArrive(a)) => self.quic_arrive(now, &a),
            (_, Payload::IdleTimeout) => self.quic_idle(now),
            (_, Payload::Probe(k)) => self.quic_probe(now, k),
            (_, Payload::Fallback) => self.fallback_v4(now),
        }
    }

    /// The SYN reaches the server: SYN-ACK, or RST from a closed port.
    fn server_segment(&mut self, now: Instant, syn: &tcp::Segment) {
        self.tick(now);
        self.server.handle(syn);
        let Some(reply) = self.server.poll_output() else {
            return self.fail(Failure::Internal("no reply to SYN"), now);
        };
        let arrives = now + self.down();
        let e = if reply.flags.rst {
            // A closed port's RST has no sequence space of its own to show relative to.
            let summary = format!("RST, ACK: nothing listens on port {}", self.config.port);
            self.segment_event(
                now,
                Side::Client,
                steps::TCP_RST,
                summary,
                &reply,
                (0, None),
                vec![],
            )
        } else {
            let tr = self.server.take_transitions().pop();
            let summary = format!("SYN-ACK seq={} ack={}", reply.seq, reply.ack);
            let base = self.server_iss;
            self.segment_event(
                now,
                Side::Client,
                steps::TCP_SYN_ACK,
                summary,
                &reply,
                (base, tr),
                vec![],
            )
        };
        self.trace(e);
        self.deliver(arrives, Side::Client, Payload::Segment(reply));
    }

    /// The SYN-ACK (or RST) reaches the browser: it answers with the ACK and, for https, its
    /// ClientHello at once.
    fn client_segment(&mut self, now: Instant, reply: &tcp::Segment) {
        self.tick(now);
        self.client.handle(reply);
        if reply.flags.rst {
            return self.fail(Failure::Refused, now);
        }
        let Some(ack) = self.client.poll_output() else {
            return self.fail(Failure::Internal("no ACK"), now);
        };
        let tr = self.client.take_transitions().pop();
        let summary = format!("ACK ack={}: connected after one round trip", ack.ack);
        let base = self.client_iss;
        let trips = Field::new(
            "round_trips_so_far",
            format_args!("1 ({} since the SYN)", now.since(self.started)),
        );
        let e = self.segment_event(
            now,
            Side::Server,
            steps::TCP_ACK,
            summary,
            &ack,
            (base, tr),
            vec![trips],
        );
        self.trace(e);
        self.server.handle(&ack);
        self.server.take_transitions();
        self.out.push_back(Output::TcpConnected(now));
        if self.config.secure {
            self.start_tls(now);
        } else {
            self.out.push_back(Output::Ready(now));
        }
    }

    fn start_tls(&mut self, now: Instant) {
        let (client, server) = self.tls_machines(now, None);
        self.handshake = Some(Tls {
            client,
            server,
            negotiated: Version::Tls13,
            keys_shown: false,
            ready: false,
        });
        let (flight, _, _) = self.drain_client(now);
        self.send_flight(Side::Server, now, flight);
    }

    /// The browser's and the server's TLS machines for a handshake at `now`, with the random
    /// values drawn for them. Over QUIC (`quic`: the browser's and the server's transport
    /// parameters, as hex) both speak TLS 1.3 with ECDHE only and the browser offers `h3`
    /// (RFC 9001 §4.2, RFC 9114 §3.1); the TLS 1.2 knobs and False Start do not apply.
    fn tls_machines(
        &mut self,
        now: Instant,
        quic: Option<(String, String)>,
    ) -> (tls::Client, tls::Server) {
        let over_quic = quic.is_some();
        let (version, kx) = if over_quic {
            (Version::Tls13, tls::KeyExchange::Ecdhe)
        } else {
            (self.config.tls.version(), self.config.tls.key_exchange())
        };
        let (client_params, server_params) = quic.unzip();
        let now_unix = self.config.unix_time + (now.micros() / 1_000_000) as i64;
        let [random, key_share, secret, s_random, s_key_share] = std::mem::take(&mut self.randoms);
        let client = tls::Client::new(tls::ClientConfig {
            host: self.config.host.clone(),
            alpn: if over_quic {
                &["h3"]
            } else {
                &["h2", "http/1.1"]
            },
            verifier: Rc::clone(&self.config.certs.verifier),
            now_unix,
            ticket: self.config.ticket.clone(),
            client_chain: self.config.client_chain.clone(),
            false_start: self.config.false_start && !over_quic,
            random,
            key_share,
            secret,
            quic: client_params,
        });
        let server = tls::Server::new(tls::ServerConfig {
            h2: self.config.h2,
            max_version: version,
            kx,
            // Issued relative to the moment of the handshake, so a connection late in a long
            // load sees the same valid (or expired) certificate as the first.
            chain: self
                .config
                .certs
                .chain(&self.config.host, self.config.cert, now_unix),
            request_client_cert: self.config.client_chain.is_some(),
            accept_ticket: true,
            random: s_random,
            key_share: s_key_share,
            quic: server_params,
        });
        (client, server)
    }

    /// The client's flight reaches the server, which answers with its own.
    fn server_flight(&mut self, now: Instant, flight: &[Rc<tls::Message>]) {
        let Some(hs) = self.handshake.as_mut() else {
            return;
        };
        for m in flight {
            hs.server.handle(m);
        }
        let mut answer = Vec::new();
        while let Some(o) = hs.server.poll_output() {
            if let TlsOutput::Send(m) = o {
                if let tls::Message::ServerHello { version, .. } = &m {
                    hs.negotiated = *version;
                }
                answer.push(m);
            }
        }
        self.send_flight(Side::Client, now, answer);
    }

    /// The server's flight reaches the browser: each message is handled in order, and whatever
    /// the client has to say leaves together at this moment.
    fn client_flight(&mut self, now: Instant, flight: &[Rc<tls::Message>]) {
        let mut answer = Vec::new();
        let mut failure = None;
        let mut ready = false;
        for m in flight {
            let Some(hs) = self.handshake.as_mut() else {
                return;
            };
            hs.client.handle(m);
            let (said, now_ready, failed) = self.drain_client(now);
            answer.extend(said);
            ready |= now_ready;
            if let Some(e) = failed {
                failure = Some(e);
                break;
            }
        }
        if let Some(e) = failure {
            // The alert is on its way (the server's answer to it is not modelled); the browser
            // shows its warning page.
            self.failed = true;
            self.send_flight(Side::Server, now, answer);
            self.out.push_back(Output::Failed(Failure::Cert(e), now));
            return;
        }
        self.send_flight(Side::Server, now, answer);
        // The request follows the client's flight (its Finished) on the wire.
        if ready {
            self.out.push_back(Output::Ready(now));
        }
        let done = self
            .handshake
            .as_ref()
            .is_some_and(|hs| hs.client.state() == tls::ClientState::Connected);
        if done && self.tls.is_none() {
            self.tls = self.handshake.as_ref().map(|hs| hs.negotiated);
        }
    }

    /// Takes everything the client has to say at `now`: messages for its next flight, whether
    /// it may now send its request, and a certificate error; the rest become trace events.
    fn drain_client(&mut self, now: Instant) -> (Vec<tls::Message>, bool, Option<CertError>) {
        let mut flight = Vec::new();
        let mut failed = None;
        let mut events = Vec::new();
        let mut ready = false;
        let Some(hs) = self.handshake.as_mut() else {
            return (flight, ready, failed);
        };
        while let Some(o) = hs.client.poll_output() {
            match o {
                TlsOutput::Send(m) => flight.push(m),
                TlsOutput::Keys if !hs.keys_shown => {
                    hs.keys_shown = true;
                    events.push(session_keys(now, hs.negotiated));
                }
                TlsOutput::Keys | TlsOutput::Connected { .. } => {}
                TlsOutput::ReadyToSend if !hs.ready => {
                    hs.ready = true;
                    ready = true;
                }
                TlsOutput::ReadyToSend => {}
                TlsOutput::Verified(v) => events.push(certificate_check(now, v)),
                TlsOutput::Failed(e) => failed = Some(e),
            }
        }
        for e in events {
            self.trace(e);
        }
        if ready && self.tls.is_none() {
            self.tls = self.handshake.as_ref().map(|hs| hs.negotiated);
        }
        (flight, ready, failed)
    }

    /// Emits one flight of TLS messages sent together at `now` and puts it on its way. Its
    /// records go through the sender's TCP machine now, so sequence numbers stay exact.
    fn send_flight(&mut self, to: Side, now: Instant, msgs: Vec<tls::Message>) {
        if msgs.is_empty() {
            return;
        }
        let version = self
            .handshake
            .as_ref()
            .map_or(Version::Tls13, |hs| hs.negotiated);
        self.tick(now);
        let certs = Rc::clone(&self.config.certs);
        let lens = tls::flight_lens_by(&msgs, version, |m| certs.message_len(m, version));
        let total: u64 = lens.iter().sum();
        let msgs: Vec<Rc<tls::Message>> = msgs.into_iter().map(Rc::new).collect();
        let (tx, rx, base, from, actor_to) = match to {
            Side::Server => (
                &mut self.client,
                &mut self.server,
                self.client_iss,
                Actor::Browser,
                Actor::Server,
            ),
            Side::Client => (
                &mut self.server,
                &mut self.client,
                self.server_iss,
                Actor::Server,
                Actor::Browser,
            ),
        };
        tx.send(u32::try_from(total).unwrap_or(u32::MAX));
        let mut first_seq = None;
        while let Some(s) = tx.poll_output() {
            first_seq.get_or_insert(s.seq);
            rx.handle(&s);
        }
        let arrives = now + self.way(to);
        for (i, m) in msgs.iter().enumerate() {
            let record = tls_present::Record {
                msg: Rc::clone(m),
                version,
                carried: first_seq
                    .filter(|_| i == 0)
                    .map(|seq| (total, seq, seq.wrapping_sub(base))),
            };
            let e = Event::described(now, from, tls_present::step(m), record);
            self.trace(e.message(actor_to, arrives, lens[i]));
        }
        if !self.failed {
            self.deliver(arrives, to, Payload::Flight(msgs));
        }
    }

    /// Bytes of TLS record overhead around each application record
    /// ([`tls::protected_overhead`]); none over plain TCP.
    pub fn record_overhead(&self) -> u64 {
        self.tls.map_or(0, tls::protected_overhead)
    }

    /// `http` bytes of HTTP as they go on the wire: in records of at most 2^14 bytes each,
    /// each with its overhead, over TLS (RFC 8446 §5.1); as they are over plain TCP.
    pub fn on_the_wire(&self, http: u64) -> u64 {
        if self.quic.is_some() {
            return Self::quic_on_the_wire(http);
        }
        http + self.record_overhead() * http.div_ceil(1 << 14).max(1)
    }

    /// A request of `http` bytes leaves the browser at `at`: its bytes go down the client's TCP
    /// machine to the server's. Returns the event that shows the wrapping (HTTP inside a TLS
    /// record inside TCP segments inside IP packets) with the first segment's header.
    pub fn send_request(&mut self, at: Instant, http: u64) -> Option<Event> {
        if self.quic.is_some() {
            // Over QUIC the bytes go on a stream ([`Connection::send_stream`]).
            return None;
        }
        self.tick(at);
        let bytes = self.on_the_wire(http);
        self.client.send(u32::try_from(bytes).unwrap_or(u32::MAX));
        let segs: Vec<tcp::Segment> = std::iter::from_fn(|| self.client.poll_output()).collect();
        for s in &segs {
            self.server.handle(s);
        }
        let n = segs.len();
        let first = segs.into_iter().next()?;
        let wrapping = Wrapping {
            http,
            segments: n,
            tls: self.tls,
            to: self.to.clone(),
            first: tcp::present::Lazy {
                segment: first,
                seq_base: self.client_iss,
                ack_base: self.server_iss,
                transition: None,
                layer: true,
            },
        };
        Some(Event::described(
            at,
            Actor::Browser,
            steps::TCP_SEGMENT,
            wrapping,
        ))
    }

    /// The response's `bytes` cross from the server's TCP machine to the browser's, which
    /// acknowledges them; the last arrives at `end` (the segments carry the timestamps of the
    /// last one, the acknowledgment `end`'s).
    pub fn receive_response(&mut self, bytes: u64, end: Instant) {
        let wire = self.on_the_wire(bytes);
        self.receive_wire(wire, end);
    }

    /// `wire` bytes of the server's (TLS records included) arrive at `end`, sent a one-way
    /// delay before: the server's TCP machine sends them, the browser's takes them in and
    /// acknowledges.
    pub fn receive_wire(&mut self, wire: u64, end: Instant) {
        if self.quic.is_some() {
            // The response's packets are not modelled yet ([`quic`]'s module doc).
            return;
        }
        let sent = Instant::from_micros(end.micros().saturating_sub(self.down().micros()));
        self.tick(sent);
        self.server.send(u32::try_from(wire).unwrap_or(u32::MAX));
        self.client.tick(ms(end));
        while let Some(s) = self.server.poll_output() {
            self.client.handle(&s);
        }
        self.client.flush_ack();
        while let Some(s) = self.client.poll_output() {
            self.server.handle(&s);
        }
    }

    /// The server closes after `Connection: close` once the response's last byte has arrived
    /// at `end`: FIN, FIN-ACK, ACK, each with its sender's state change.
    pub fn close_by_server(&mut self, end: Instant) -> Vec<Event> {
        self.close_by_server_because(end, "FIN: the server is done (Connection: close)")
    }

    /// The server closes, its FIN arriving at `end`, saying `why` (FIN, FIN-ACK, ACK).
    pub fn close_by_server_because(&mut self, end: Instant, why: &'static str) -> Vec<Event> {
        if self.quic.is_some() {
            // HTTP/3 has no `Connection: close` (RFC 9114 §4.2).
            return vec![];
        }
        let ow = self.down();
        let sent = Instant::from_micros(end.micros().saturating_sub(ow.micros()));
        let mut out = Vec::with_capacity(3);
        self.tick(sent);
        self.server.close();
        out.extend(self.close_segment(Side::Client, steps::TCP_CLOSE_FIN, why, sent, end));
        self.tick(end);
        self.client.close();
        let up = self.up();
        out.extend(self.close_segment(
            Side::Server,
            steps::TCP_CLOSE_FIN_ACK,
            "FIN, ACK: the browser closes its side too",
            end,
            end + up,
        ));
        out.extend(self.close_segment(
            Side::Client,
            steps::TCP_CLOSE_ACK,
            "ACK: the connection is closed",
            end + up,
            end + up + ow,
        ));
        out
    }

    /// Delivers the next segment one side sends (to `to`) and writes its event, with the
    /// sender's state change since its last segment.
    fn close_segment(
        &mut self,
        to: Side,
        step: StepId,
        summary: &'static str,
        at: Instant,
        arrives: Instant,
    ) -> Option<Event> {
        let (tx, rx, tx_iss, rx_iss, from, actor_to) = match to {
            Side::Client => (
                &mut self.server,
                &mut self.client,
                self.server_iss,
                self.client_iss,
                Actor::Server,
                Actor::Browser,
            ),
            Side::Server => (
                &mut self.client,
                &mut self.server,
                self.client_iss,
                self.server_iss,
                Actor::Browser,
                Actor::Server,
            ),
        };
        let seg = tx.poll_output()?;
        rx.tick(ms(arrives));
        rx.handle(&seg);
        let changes = tx.take_transitions();
        let transition = changes.first().zip(changes.last()).map(|(a, b)| (a.0, b.1));
        let bytes = u64::from(seg.wire_len());
        let shown = tcp::present::Shown {
            ips: self.ips(to),
            summary: summary.into(),
            segment: tcp::present::Lazy {
                segment: seg,
                seq_base: tx_iss,
                ack_base: rx_iss,
                transition,
                layer: false,
            },
            extra: vec![],
        };
        Some(Event::described(at, from, step, shown).message(actor_to, arrives, bytes))
    }

    /// Frees the machines' state once the load is over: the TLS machines, the TCP machines'
    /// queues and the outputs' queue (about 5 kB a connection). The connection answers nothing
    /// after.
    pub fn release(&mut self) {
        self.release_quic();
        self.handshake = None;
        self.out = std::collections::VecDeque::new();
        self.client.release();
        self.server.release();
    }

    /// The ticket a later connection to the same server may resume with, once the handshake
    /// is done.
    pub fn ticket(&self) -> Option<tls::Ticket> {
        self.tls.map(|version| tls::Ticket {
            version,
            lifetime_s: 7200,
        })
    }
}

fn session_keys(at: Instant, negotiated: Version) -> Event {
    let text = if negotiated == Version::Tls13 {
        "x25519 shared secret → HKDF → handshake keys now; application keys after the Finished messages"
    } else {
        "pre-master secret + both randoms → master secret (PRF) → client and server write keys"
    };
    Event::new(
        at,
        Actor::Browser,
        steps::TLS_SESSION_KEYS,
        "both sides now hold the same symmetric keys",
    )
    .field("derivation", text)
    .field(
        "spec",
        if negotiated == Version::Tls13 {
            "RFC 8446 §7.1 key schedule"
        } else {
            "RFC 5246 §8.1 master secret"
        },
    )
    .note(
        "cipher",
        "AES-128-GCM: every record encrypted and authenticated",
    )
}

fn certificate_check(at: Instant, v: Rc<cert::Verdict>) -> Event {
    let step = if v.error.is_some() {
        steps::TLS_CERTIFICATE_ERROR
    } else {
        steps::TLS_CERTIFICATE_CHECK
    };
    Event::described(at, Actor::Browser, step, Checked(v))
}

/// `tls.certificate_check` (or `_error`): the verdict on the server's chain, its checks and
/// their details written when read.
#[derive(Clone, Debug)]
struct Checked(Rc<cert::Verdict>);

impl Detail for Checked {
    fn summary(&self) -> Cow<'static, str> {
        match self.0.error {
            Some(e) => format!("{}: the certificate is rejected", e.chromium_name()),
            None => format!("trusted: {}", self.0.path.join(" → ")),
        }
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f: Vec<Field> = (self.0.checks.iter())
            .map(|c| {
                let mark = if c.passed { "✓" } else { "✗" };
                Field::new(format!("{mark} {}", c.name), &c.detail)
            })
            .collect();
        if let Some(err) = self.0.error {
            f.push(
                Field::new(
                    "net_error",
                    format_args!("{} ({})", err.chromium_name(), err.chromium_code()),
                )
                .spec("Chromium net/base/net_error_list.h"),
            );
        }
        f
    }
}

const DAY: i64 = 86_400;

/// How a request's bytes are wrapped (`tcp.segment`): HTTP inside a TLS record inside TCP
/// segments inside IP packets, each layer's header, then the first segment's TCP fields;
/// written when read.
#[derive(Clone, Debug)]
pub struct Wrapping {
    http: u64,
    /// How many TCP segments carry it.
    segments: usize,
    pub tls: Option<Version>,
    /// The server's address.
    pub to: Rc<str>,
    pub first: tcp::present::Lazy,
}

impl Detail for Wrapping {
    fn summary(&self) -> Cow<'static, str> {
        format!(
            "{} bytes of HTTP → {} TCP segment(s) → IP packet(s) to {}",
            self.http, self.segments, self.to
        )
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let (http, to) = (self.http, &self.to);
        let mut f = vec![
            Field::new("1. HTTP", format!("{http} bytes: request line and headers")),
            Field::new(
                "2. TLS record",
                match self.tls {
                    Some(Version::Tls13) => "+22 bytes: 5-byte header, 1-byte type, 16-byte AEAD tag; the HTTP text is encrypted",
                    Some(Version::Tls12) => "+29 bytes: 5-byte header, 8-byte explicit nonce, 16-byte AEAD tag; the HTTP text is encrypted",
                    None => "none: http sends the text in the clear",
                },
            ),
            Field::new(
                "3. TCP",
                format!(
                    "+{} bytes of header: ports, sequence and acknowledgment numbers, flags",
                    self.first.segment.header_len()
                ),
            ),
            Field::new(
                "4. IP",
                format!("+20 bytes of header: {CLIENT_IP} → {to}, protocol 6 (TCP), TTL 64"),
            ),
        ];
        f.extend(self.first.write());
        f
    }
}

/// The certificate the browser sends when a server asks for one (a scenario's client
/// certificate), valid at `now` (seconds since the epoch).
pub fn client_chain(now: i64) -> Chain {
    const DAY: i64 = 86_400;
    Rc::from([Certificate {
        subject: "user@example.com".into(),
        issuer: "Example Corp Client CA".into(),
        san: vec![],
        not_before: now - 100 * DAY,
        not_after: now + 265 * DAY,
        is_ca: false,
        key: cert::KeyKind::EcdsaP256,
    }])
}

/// How many chains [`Certs`] keeps: enough for the servers whose connections open together.
const ISSUED: usize = 32;

/// What a load's connections share about certificates: the browser's verifier (its trust store
/// and its recent results, [`cert::Verifier`]), and the chains the servers presented lately, so
/// the connections a page opens to one server in the same second carry the same chain, which
/// the verifier then checks once.
#[derive(Debug)]
pub struct Certs {
    pub verifier: Rc<cert::Verifier>,
    issued: RefCell<Vec<(String, CertChoice, i64, Chain)>>,
    /// The length of the Certificate message of each chain lately sized, by version.
    lens: RefCell<Vec<(Chain, Version, u64)>>,
}

impl Default for Certs {
    fn default() -> Certs {
        Certs {
            verifier: Rc::new(cert::Verifier::new(web_roots())),
            issued: RefCell::default(),
            lens: RefCell::default(),
        }
    }
}

impl Certs {
    /// A handshake message's length ([`tls::Message::message_len`]); a Certificate's is
    /// remembered for its chain, shared by the connections to its server: sizing it writes
    /// every certificate's DER, the slowest part of sizing a handshake.
    pub fn message_len(&self, m: &tls::Message, version: Version) -> u64 {
        let tls::Message::Certificate { chain, .. } = m else {
            return m.message_len(version);
        };
        let mut lens = self.lens.borrow_mut();
        let known = (lens.iter()).find(|(c, v, _)| Rc::ptr_eq(c, chain) && *v == version);
        if let Some((_, _, n)) = known {
            return *n;
        }
        let n = m.message_len(version);
        if lens.len() == ISSUED {
            lens.remove(0);
        }
        lens.push((Rc::clone(chain), version, n));
        n
    }

    /// The chain `host`'s server presents at `now` ([`chain_for`]).
    pub fn chain(&self, host: &str, choice: CertChoice, now: i64) -> Chain {
        let mut issued = self.issued.borrow_mut();
        let same = |(h, c, t, _): &&(String, CertChoice, i64, Chain)| {
            *c == choice && *t == now && h == host
        };
        if let Some((_, _, _, chain)) = issued.iter().rev().find(same) {
            return Rc::clone(chain);
        }
        let chain: Chain = Rc::from(chain_for(host, choice, now));
        if issued.len() == ISSUED {
            issued.remove(0);
        }
        issued.push((host.to_string(), choice, now, Rc::clone(&chain)));
        chain
    }
}

/// The browser's trust store: one root, as the Let's Encrypt chains of the scenarios need.
pub fn web_roots() -> RootStore {
    RootStore {
        roots: vec![Certificate {
            subject: "ISRG Root X1".into(),
            issuer: "ISRG Root X1".into(),
            san: vec![],
            not_before: 1_433_980_800,
            not_after: 2_064_528_000,
            is_ca: true,
            key: cert::KeyKind::Rsa4096,
        }],
    }
}

/// The chain the server presents for `host`, as the scenario's certificate choice makes it.
pub fn chain_for(host: &str, choice: CertChoice, now: i64) -> Vec<Certificate> {
    let (nb, na) = match choice {
        CertChoice::Expired => (now - 120 * DAY, now - 30 * DAY),
        _ => (now - 30 * DAY, now + 60 * DAY),
    };
    let san = match choice {
        CertChoice::WrongHost => vec![if host == "www.example.net" {
            "www.example.org".to_string()
        } else {
            "www.example.net".to_string()
        }],
        _ => {
            let mut v = vec![host.to_string()];
            if let Some(apex) = host.strip_prefix("www.") {
                v.push(apex.to_string());
            }
            v
        }
    };
    let leaf = Certificate {
        subject: san[0].clone(),
        issuer: if choice == CertChoice::SelfSigned {
            san[0].clone()
        } else {
            "R11".into()
        },
        san,
        not_before: nb,
        not_after: na,
        is_ca: false,
        key: cert::KeyKind::Rsa2048,
    };
    if choice == CertChoice::SelfSigned {
        return vec![leaf];
    }
    vec![
        leaf,
        Certificate {
            subject: "R11".into(),
            issuer: "ISRG Root X1".into(),
            san: vec![],
            not_before: 1_710_288_000,
            not_after: 1_805_068_800,
            is_ca: true,
            key: cert::KeyKind::Rsa2048,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_chain_is_shared_within_its_second() {
        let certs = Certs::default();
        let a = certs.chain("a.example", CertChoice::Valid, 1_000);
        assert!(Rc::ptr_eq(
            &a,
            &certs.chain("a.example", CertChoice::Valid, 1_000)
        ));
        assert_eq!(*a, *chain_for("a.example", CertChoice::Valid, 1_000));
        for other in [
            certs.chain("a.example", CertChoice::Valid, 1_001),
            certs.chain("a.example", CertChoice::Expired, 1_000),
            certs.chain("b.example", CertChoice::Valid, 1_000),
        ] {
            assert!(!Rc::ptr_eq(&a, &other));
        }
        // The oldest is forgotten once more servers than it keeps have presented theirs.
        for i in 0..ISSUED {
            certs.chain(&format!("h{i}.example"), CertChoice::Valid, 1_000);
        }
        assert!(!Rc::ptr_eq(
            &a,
            &certs.chain("a.example", CertChoice::Valid, 1_000)
        ));
    }

    #[test]
    fn the_client_address_is_one() {
        assert_eq!(CLIENT_ADDR.to_string(), CLIENT_IP);
    }

    #[test]
    fn an_address_reads_as_the_dotted_quad() {
        for host in ["www.example.com", "a.example", "img.example", "x", ""] {
            assert_eq!(address(host), dns::address_of(host).to_string(), "{host}");
        }
        assert_eq!(address("192.0.2.7"), "192.0.2.7");
        assert_eq!(address("[::1]"), "[::1]");
    }
}
