//! A run of the model as a packet capture taken on the browser's machine: every packet the
//! browser sends or receives, as Wireshark would show it, with the TLS secrets that decrypt it
//! ([`crate::model::pcapng`] writes the file).
//!
//! The capture is made from the trace, reading each event's typed detail
//! ([`Event::detail`]): the DNS messages the stub resolver exchanges with the recursive resolver
//! (their bytes are the trace's), each connection's TCP segments — the handshake with the
//! numbers and options the TCP machines chose, then the data with sequence numbers that follow
//! the bytes ([`crate::model::tcp_stream`]) — its TLS records with real keys ([`tls13`],
//! [`tls12`]), and the HTTP/1.1 messages inside them. Each side writes a TLS flight at once, as
//! BoringSSL and OpenSSL buffer one: the server's from its ServerHello to its Finished — in a
//! full TLS 1.2 handshake to its ServerHelloDone, then from its NewSessionTicket to its
//! Finished — and the browser's second flight with its Finished. A packet the browser sends is
//! stamped when it leaves, one it receives when it arrives. A response's segments arrive round
//! by round as the model's slow start delivered them, the last at the moment the model says the last byte arrived; the
//! browser acknowledges every second full segment (RFC 9293 §3.8.6.3) and the rest of a burst.
//!
//! Addresses: the browser is the trace's `192.168.1.23`, servers are at the addresses the
//! model's DNS gave, and the recursive resolver is `198.51.100.53` (a documentation address, RFC
//! 5737: the model does not name the resolver). The stub's UDP source port is drawn from the
//! query's ID into Linux's ephemeral range.
//!
//! Bodies: the model knows how long each body is and, for a page scenario's document, what it
//! says (the page's HTML, written as it is); any other response body is the model's stand-in of
//! its length (a comment naming it, then spaces; for `image/jpeg` and `image/png` inside a real
//! one-pixel image's comment, so that Wireshark's image dissectors read it cleanly). Each
//! packet's comment names its step.
//!
//! HTTP/2 connections carry their frames ([`crate::model::http2`]): the browser's preface and
//! SETTINGS, the server's, each request's HEADERS with the HPACK block the model coded, each
//! response's HEADERS and DATA frames. The engine sends an HTTP/2 connection's responses one
//! after another and delivers each round by round, so the server's bursts are written in the
//! order they arrive and a request the browser sends in between acknowledges what has arrived
//! by then.
//!
//! A QUIC connection's datagrams are the trace's, each written with its real bytes ([`quic`]):
//! its TLS handshake in CRYPTO frames, its HTTP/3 streams in STREAM frames, every packet
//! protected with real keys whose secrets join the key log.
//!
//! A WebSocket's frames follow its handshake on its connection, the browser's masked.
//!
//! An open event stream's events are HTTP/1.1 chunks or HTTP/2 DATA frames as they arrive,
//! and its end the last chunk or an empty DATA frame with END_STREAM.
//!
//! A DNS-over-HTTPS lookup's requests and answers are HTTP/2 frames on the DoH connection
//! ([`doh`]).
//!
//! A connection open before the run starts is picked up in mid-stream, as a capture started
//! then would show it ([`picked_up`]).
//!
//! What the capture cannot show yet is refused with [`CaptureError`] rather than written wrong:
//! a socket another tab was using when the load started, a body over 64 MiB,
//! a server reached over IPv6, lost packets and their resent copies, server-sent events over
//! HTTP/3, and a write of the server's that would start before its previous
//! one on the connection has arrived (the engine does not make one: its frames would have to be
//! interleaved with the earlier write's).
//!
//! This module is not reached by the first screen: the web app loads it with the inspector's
//! bytes view or the first "Download capture" (src/ui/lazy.rs).

mod connection;
mod doh;
mod picked_up;
pub mod quic;
pub mod tls12;
pub mod tls13;
pub mod x509;

pub use connection::stand_in;

use crate::model::connection::CLIENT_ADDR;
use crate::model::http::present::{Body, Head};
use crate::model::ip;
use crate::model::load::Sent as SentRequest;
use crate::model::pcapng::{Capture, Packet};
use crate::model::step::steps;
use crate::model::tcp;
use crate::model::tcp_stream::Stream;
use crate::model::time::Instant;
use crate::model::tls::present::Record;
use crate::model::trace::{Actor, Event, Trace, Wire, WireField};
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// The recursive resolver's address in a capture (module doc).
pub const RESOLVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 53);

/// Why a run cannot be written as a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureError {
    /// The run uses something the capture does not write yet.
    Unsupported(&'static str),
    /// The trace lacks what the capture needs (a bug in the model, shown as such).
    Internal(&'static str),
    Tls(String),
}

impl CaptureError {
    fn tls(e: impl fmt::Display) -> CaptureError {
        CaptureError::Tls(e.to_string())
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Unsupported(what) => {
                write!(f, "the capture cannot show {what} yet")
            }
            CaptureError::Internal(what) => write!(f, "the trace lacks {what}"),
            CaptureError::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

/// One connection's state while its events are read.
struct Conn {
    /// The SYN's time and segment, and the addresses, until the SYN-ACK.
    syn: Option<(Instant, tcp::Segment, (Ipv4Addr, Ipv4Addr))>,
    stream: Option<Stream>,
    tls: Option<tls13::Tls>,
    /// Segments the browser has received but not yet acknowledged.
    unacked: u32,
    /// The round trip its handshake took, and its way down (server to browser).
    rtt: crate::model::time::Duration,
    down: crate::model::time::Duration,
    /// The server's flight's events that wait for its records (EncryptedExtensions to
    /// CertificateVerify: the Finished's records carry them).
    flight_events: Vec<u32>,
    /// The server's records from its ServerHello on, waiting to go out with the rest of its
    /// flight (until its Finished, or a TLS 1.2 ServerHelloDone).
    server_hello: Vec<crate::model::tls_record::Sent>,
    /// The browser's records before its Finished, which go out with it.
    client_flight: Vec<crate::model::tls_record::Sent>,
    /// A response's head waiting for its body.
    pending_head: Option<PendingHead>,
    /// The server's bursts not yet written ([`connection::Queued`]).
    queued: std::collections::VecDeque<connection::Queued>,
    /// Open before the capture started ([`picked_up`]): its packets say so.
    picked_up: bool,
}

/// A response's head waiting for its body: when it arrives, its bytes, its content type, and
/// over HTTP/2 its stream.
type PendingHead = (Instant, Vec<u8>, Option<String>, Option<u32>);

/// The capture being made.
struct Walk {
    /// (when, the order made, the packet, its comment)
    packets: Vec<(Instant, usize, Vec<u8>, String)>,
    conns: BTreeMap<u32, Conn>,
    /// The tickets servers issued so far and the chains' DER.
    shared: tls13::Shared,
    unix_us: u64,
    /// The event being read (its `seq`), and the bytes each event put on the wire.
    current: u32,
    shown: Inspected,
    /// The QUIC connections, by connection number ([`quic`]).
    quic: BTreeMap<u32, quic::QuicConn>,
}

/// One view of an event's bytes for the inspector: what they are, and their fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Bytes {
    pub title: String,
    pub wire: Rc<Wire>,
}

/// Each event's bytes by its `seq`: a DNS message and its datagram, a TCP segment's packet, a
/// TLS message's records (and what they carry, decrypted), an HTTP message's text.
pub type Inspected = BTreeMap<u32, Vec<Bytes>>;

fn walk(trace: &Trace, unix_time: i64) -> Result<Walk, CaptureError> {
    let mut w = Walk {
        packets: Vec::new(),
        conns: BTreeMap::new(),
        shared: tls13::Shared::default(),
        unix_us: u64::try_from(unix_time)
            .unwrap_or(0)
            .saturating_mul(1_000_000),
        current: 0,
        shown: Inspected::new(),
        quic: BTreeMap::new(),
    };
    // Lost packets and their resent copies are not written yet.
    if (trace.events.iter()).any(|e| e.step == steps::TCP_LOSS || e.step == steps::QUIC_LOSS) {
        return Err(CaptureError::Unsupported("lost packets"));
    }
    w.pick_up(trace)?;
    w.quic_prepare(trace)?;
    for e in &trace.events {
        w.current = e.seq;
        w.event(e)?;
    }
    let conns: Vec<u32> = w.conns.keys().copied().collect();
    for c in conns {
        w.flush(c, None)?;
    }
    Ok(w)
}

/// Each event's bytes, as the capture makes them ([`Inspected`]).
pub fn inspect(trace: &Trace, unix_time: i64) -> Result<Inspected, CaptureError> {
    Ok(walk(trace, unix_time)?.shown)
}

/// Writes `trace` as a capture; `unix_time` is the simulated date at the trace's time zero.
pub fn from_trace(trace: &Trace, unix_time: i64) -> Result<Capture, CaptureError> {
    let mut w = walk(trace, unix_time)?;
    let tcp = (w.conns.values()).filter_map(|c| c.tls.as_ref().map(tls13::Tls::keylog));
    let quic = w.quic.values().map(|q| q.keylog().to_string());
    let keylog = tcp.chain(quic).collect();
    w.packets.sort_by_key(|p| (p.0, p.1));
    let packets = w
        .packets
        .into_iter()
        .map(|(at, _, data, comment)| Packet {
            at_us: w.unix_us + at.micros(),
            data,
            comment,
        })
        .collect();
    Ok(Capture { packets, keylog })
}

fn ms(at: Instant) -> u32 {
    (at.micros() / 1000) as u32
}

impl Walk {
    fn push(&mut self, at: Instant, data: Vec<u8>, comment: impl Into<String>) {
        let n = self.packets.len();
        let comment = comment.into();
        self.show(format!("IPv4 packet ({comment})"), packet_wire(&data));
        self.packets.push((at, n, data, comment));
    }

    /// Keeps `wire` as some of the current event's bytes.
    fn show(&mut self, title: impl Into<String>, wire: Wire) {
        self.show_for(self.current, title, Rc::new(wire));
    }

    fn show_for(&mut self, seq: u32, title: impl Into<String>, wire: Rc<Wire>) {
        let title = title.into();
        self.shown
            .entry(seq)
            .or_default()
            .push(Bytes { title, wire });
    }

    fn event(&mut self, e: &Event) -> Result<(), CaptureError> {
        if let Some(q) = e.detail::<crate::model::load::DohAsked>() {
            if let Some(w) = &e.wire {
                self.show_for(e.seq, "DNS message (the query in the URI)", Rc::clone(w));
            }
            return self.doh_query(e, q);
        }
        if let Some(a) = e.detail::<crate::model::load::DohAnswered>() {
            if let Some(w) = &e.wire {
                self.show_for(e.seq, "DNS message (the answer's body)", Rc::clone(w));
            }
            return self.doh_answer(e, a);
        }
        if let (Some(wire), Some(f)) = (&e.wire, &e.flight) {
            self.show_for(e.seq, "DNS message", Rc::clone(wire));
            return self.dns(e, &wire.bytes, f.from, f.sent_at, f.arrives_at);
        }
        let Some(c) = e.connection else { return Ok(()) };
        if self.quic.contains_key(&c) {
            if e.step == steps::SSE_EVENT || e.step == steps::SSE_END {
                return Err(CaptureError::Unsupported("server-sent events over HTTP/3"));
            }
            return self.quic_event(c, e);
        }
        if let Some(s) = e.detail::<tcp::present::Shown>() {
            return self.segment(c, e, s);
        }
        if let Some(r) = e.detail::<Record>() {
            return self.tls(c, e, r);
        }
        if let Some(s) = e.detail::<SentRequest>() {
            return self.request(c, e, s);
        }
        if let Some(f) = e.detail::<crate::model::http2::present::Control>() {
            return self.h2_control(c, e, f);
        }
        if let Some(h) = e.detail::<crate::model::http2::present::ResponseHead>() {
            return self.h2_response_head(c, e, h);
        }
        if let Some(h) = e.detail::<Head>() {
            return self.response_head(c, e, (h.status, h.reason, &h.headers, h.body));
        }
        if let Some(a) = e.detail::<crate::model::load::Answer>() {
            let r = a.response();
            return self.response_head(c, e, (r.status, r.reason, &r.headers, r.body_bytes));
        }
        if let Some(b) = e.detail::<Body>() {
            return self.response_body(c, e, b);
        }
        if let Some(w) = e.detail::<crate::model::sse::present::Written>() {
            return self.stream_piece(c, e, Some(&w.text));
        }
        if e.step == steps::SSE_END {
            return self.stream_piece(c, e, None);
        }
        if let Some(f) = e.detail::<crate::model::websocket::present::Framed>() {
            return self.websocket_frame(c, e, f);
        }
        Ok(())
    }

    /// The stub resolver's query and the answer it gets (the resolver's own queries up the
    /// tree do not pass the browser's machine).
    fn dns(
        &mut self,
        e: &Event,
        msg: &[u8],
        from: Actor,
        sent: Instant,
        arrives: Instant,
    ) -> Result<(), CaptureError> {
        let id = u16::from_be_bytes([
            msg.first().copied().unwrap_or(0),
            msg.get(1).copied().unwrap_or(0),
        ]);
        // Linux's ephemeral ports: 32768-60999 (net.ipv4.ip_local_port_range).
        let port = 32_768 + id % 28_232;
        let (data, at) = match from {
            Actor::Os => (
                ip::udp_packet((CLIENT_ADDR, port), (RESOLVER, 53), id, msg),
                sent,
            ),
            Actor::Resolver if e.flight.as_ref().is_some_and(|f| f.to == Actor::Os) => (
                ip::udp_packet((RESOLVER, 53), (CLIENT_ADDR, port), id, msg),
                arrives,
            ),
            _ => return Ok(()),
        };
        self.push(at, data, e.step.as_str());
        Ok(())
    }

    fn conn(&mut self, c: u32) -> &mut Conn {
        self.conns.entry(c).or_insert(Conn {
            syn: None,
            stream: None,
            tls: None,
            unacked: 0,
            rtt: crate::model::time::Duration::ZERO,
            down: crate::model::time::Duration::ZERO,
            pending_head: None,
            queued: std::collections::VecDeque::new(),
            flight_events: Vec::new(),
            server_hello: Vec::new(),
            client_flight: Vec::new(),
            picked_up: false,
        })
    }
}

/// An IPv4 packet's bytes with its header's fields named, then its TCP or UDP header's, then
/// the payload (RFC 791 §3.1, RFC 9293 §3.1, RFC 768).
fn packet_wire(data: &[u8]) -> Wire {
    let mut fields = Vec::new();
    let mut f = |start: usize, end: usize, name: &str| {
        if end <= data.len() && start < end {
            fields.push(WireField {
                start,
                end,
                name: name.to_string(),
            });
        }
    };
    for (s, e, n) in [
        (0, 1, "ipv4.version_ihl"),
        (1, 2, "ipv4.dscp_ecn"),
        (2, 4, "ipv4.total_length"),
        (4, 6, "ipv4.identification"),
        (6, 8, "ipv4.flags_fragment_offset"),
        (8, 9, "ipv4.ttl"),
        (9, 10, "ipv4.protocol"),
        (10, 12, "ipv4.header_checksum"),
        (12, 16, "ipv4.source"),
        (16, 20, "ipv4.destination"),
    ] {
        f(s, e, n);
    }
    let ihl = data.first().map_or(20, |b| usize::from(b & 0xf) * 4);
    let proto = data.get(9).copied();
    let end = if proto == Some(ip::PROTO_TCP) {
        for (s, e, n) in [
            (0, 2, "tcp.source_port"),
            (2, 4, "tcp.destination_port"),
            (4, 8, "tcp.seq"),
            (8, 12, "tcp.ack"),
            (12, 14, "tcp.data_offset_flags"),
            (14, 16, "tcp.window"),
            (16, 18, "tcp.checksum"),
            (18, 20, "tcp.urgent_pointer"),
        ] {
            f(ihl + s, ihl + e, n);
        }
        let off = data.get(ihl + 12).map_or(20, |b| usize::from(b >> 4) * 4);
        f(ihl + 20, ihl + off, "tcp.options");
        ihl + off
    } else {
        for (s, e, n) in [
            (0, 2, "udp.source_port"),
            (2, 4, "udp.destination_port"),
            (4, 6, "udp.length"),
            (6, 8, "udp.checksum"),
        ] {
            f(ihl + s, ihl + e, n);
        }
        ihl + 8
    };
    f(end, data.len(), "payload");
    Wire {
        bytes: data.to_vec(),
        fields,
    }
}
