//! What the inspector says about QUIC: one UDP datagram and the packets coalesced in it
//! ([`Shown`]), a TLS handshake message carried in CRYPTO frames ([`InCrypto`]), and a request
//! wrapped in HTTP/3, a STREAM frame, a 1-RTT packet, UDP and IP ([`Wrapping`]).
//!
//! The packets' keys are not written here: the Initial keys come from the Destination
//! Connection ID through HKDF ([`super::quic_keys::initial_fields`]), cryptography the app
//! loads only with the bytes view; [`Shown`] names the connection ID they come from.

use super::quic::{Datagram, Frame, Packet, Space};
use super::tls::{self, Message, Version};
use crate::model::step::{steps, StepId};
use crate::model::time::Instant;
use crate::model::trace::{Detail, Field};
use std::borrow::Cow;
use std::rc::Rc;

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from_digit(u32::from(x >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(x & 15), 16).unwrap_or('0'));
    }
    s
}

/// The packet type's name (RFC 9000 §17).
pub fn space_name(s: Space) -> &'static str {
    match s {
        Space::Initial => "Initial",
        Space::Handshake => "Handshake",
        Space::Application => "1-RTT",
    }
}

fn frame_text(f: &Frame) -> String {
    match f {
        Frame::Padding(n) => format!("PADDING ×{n}"),
        Frame::Ack {
            largest,
            first_range,
        } if *first_range == 0 => format!("ACK {largest}"),
        Frame::Ack {
            largest,
            first_range,
        } => format!("ACK {}–{largest}", largest - first_range),
        Frame::Crypto { offset, len } => format!("CRYPTO {len} bytes at {offset}"),
        Frame::HandshakeDone => "HANDSHAKE_DONE".to_string(),
        Frame::Stream {
            id,
            offset,
            len,
            fin,
        } => format!(
            "STREAM {id}: {len} bytes at {offset}{}",
            if *fin { ", FIN" } else { "" }
        ),
    }
}

fn frame_name(f: &Frame) -> &'static str {
    match f {
        Frame::Padding(_) => "PADDING",
        Frame::Ack { .. } => "ACK",
        Frame::Crypto { .. } => "CRYPTO",
        Frame::HandshakeDone => "HANDSHAKE_DONE",
        Frame::Stream { .. } => "STREAM",
    }
}

/// One packet in a line: `Initial 1 [CRYPTO, PADDING]`.
fn packet_line(p: &Packet) -> String {
    let mut names: Vec<&str> = Vec::with_capacity(p.frames.len());
    for f in &p.frames {
        let n = frame_name(f);
        if names.last() != Some(&n) {
            names.push(n);
        }
    }
    format!(
        "{} {} [{}]",
        space_name(p.space),
        p.number,
        names.join(", ")
    )
}

/// The step a datagram is shown as: by the first packet it carries and the frames in it.
pub fn step_of(d: &Datagram) -> StepId {
    let frames = || d.packets.iter().flat_map(|p| &p.frames);
    let first = d.packets.first().map(|p| p.space);
    if frames().any(|f| *f == Frame::HandshakeDone) {
        steps::QUIC_HANDSHAKE_DONE
    } else if first == Some(Space::Initial) && d.from_client {
        steps::QUIC_CLIENT_INITIAL
    } else if first == Some(Space::Initial) {
        steps::QUIC_SERVER_INITIAL
    } else if frames().any(|f| matches!(f, Frame::Crypto { .. })) {
        steps::QUIC_HANDSHAKE
    } else if frames().all(|f| matches!(f, Frame::Ack { .. } | Frame::Padding(_))) {
        steps::QUIC_ACK
    } else {
        steps::QUIC_STREAM
    }
}

/// One UDP datagram of a QUIC connection, as the inspector shows it.
#[derive(Clone, Debug)]
pub struct Shown {
    pub datagram: Rc<Datagram>,
    /// The connection ID: the browser's Destination Connection ID, which the server takes as
    /// its own (quiche's `DeterministicConnectionIdGenerator` with 8-byte IDs).
    pub cid: Rc<[u8]>,
    /// The browser's UDP port and the server's.
    pub ports: (u16, u16),
    /// The server's IPv4 address, when it has one (a capture writes the datagram's IP header).
    pub server: Option<std::net::Ipv4Addr>,
    /// The datagram's place in its flight (1-based) and the flight's size.
    pub of: (usize, usize),
    /// The network drops it (UDP blocked): it leaves and never arrives.
    pub dropped: bool,
    /// What else the sender did, shown after the datagram's fields (a probe, a server held
    /// by its amplification limit).
    pub notes: Vec<Field>,
}

impl Shown {
    /// The Destination and Source Connection IDs of a long-header packet in this datagram.
    fn ids(&self) -> (String, String) {
        let id = hex(&self.cid);
        if self.datagram.from_client {
            (id, "empty (Chromium's own is zero-length)".to_string())
        } else {
            ("empty (the browser's own)".to_string(), id)
        }
    }
}

impl Detail for Shown {
    fn summary(&self) -> Cow<'static, str> {
        let d = &self.datagram;
        let packets: Vec<String> = d.packets.iter().map(packet_line).collect();
        let of = if self.of.1 > 1 {
            format!(" ({} of {})", self.of.0, self.of.1)
        } else {
            String::new()
        };
        format!("{}: {} bytes{of}", packets.join(" + "), d.len).into()
    }

    fn fields(&self) -> Vec<Field> {
        let d = &self.datagram;
        let (from, to) = if d.from_client {
            (self.ports.0, self.ports.1)
        } else {
            (self.ports.1, self.ports.0)
        };
        let mut f = vec![Field::new(
            "udp",
            format_args!(
                "port {from} → {to}, {} bytes of payload (8 bytes of UDP header, 20 of IPv4)",
                d.len
            ),
        )
        .spec("RFC 768")];
        let long = d.packets.iter().any(|p| p.space != Space::Application);
        let (dcid, scid) = self.ids();
        if long {
            f.push(Field::new("destination_connection_id", dcid.as_str()).spec("RFC 9000 §17.2"));
            f.push(Field::new("source_connection_id", scid));
            f.push(Field::new("version", "0x00000001 (QUIC version 1)").spec("RFC 9000 §15"));
        } else if d.from_client {
            f.push(Field::new("destination_connection_id", dcid.as_str()).spec("RFC 9000 §17.3"));
        }
        for p in &d.packets {
            f.push(packet_field(p));
        }
        if d.packets.iter().any(|p| p.space == Space::Initial) {
            f.push(
                Field::new(
                    "initial_keys",
                    format_args!(
                        "from the browser's first Destination Connection ID {}: HKDF with QUIC version 1's salt, then \"client in\" / \"server in\" (the bytes view derives them)",
                        hex(&self.cid)
                    ),
                )
                .spec("RFC 9001 §5.2"),
            );
        }
        if d.from_client && d.packets.iter().any(|p| p.space == Space::Initial) {
            f.push(
                Field::new(
                    "padding",
                    format_args!(
                        "the datagram is {} bytes: a client's Initial is padded to at least 1,200 (Chromium sends 1,250 over IPv4)",
                        d.len
                    ),
                )
                .spec("RFC 9000 §14.1"),
            );
        }
        if self.dropped {
            f.push(Field::note(
                "dropped",
                "the network drops UDP to this server: the datagram never arrives",
            ));
        }
        f.extend(self.notes.iter().cloned());
        f
    }
}

fn packet_field(p: &Packet) -> Field {
    let frames: Vec<String> = p.frames.iter().map(frame_text).collect();
    let header = match p.space {
        Space::Initial => "long header, empty token",
        Space::Handshake => "long header",
        Space::Application => "short header",
    };
    Field::new(
        format!("{} packet {}", space_name(p.space), p.number),
        format_args!(
            "{} bytes ({header}, {}-byte packet number, 16-byte AEAD tag): {}",
            p.len,
            p.pn_len,
            frames.join("; ")
        ),
    )
    .spec(match p.space {
        Space::Initial => "RFC 9000 §17.2.2",
        Space::Handshake => "RFC 9000 §17.2.4",
        Space::Application => "RFC 9000 §17.3.1",
    })
}

/// A TLS handshake message carried in CRYPTO frames rather than TLS records (RFC 9001 §4).
#[derive(Clone, Debug)]
pub struct InCrypto {
    pub msg: Rc<Message>,
}

impl Detail for InCrypto {
    fn summary(&self) -> Cow<'static, str> {
        tls::present::summary(&self.msg, Version::Tls13).into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = tls::present::fields(&self.msg, Version::Tls13);
        f.retain(|x| x.name != "record");
        let space = super::quic_conn::space_of(&self.msg);
        let keys = match space {
            Space::Initial => "Initial keys, which anyone who sees the connection ID can derive",
            Space::Handshake => "Handshake keys, from the key exchange",
            Space::Application => "1-RTT keys",
        };
        f.push(
            Field::new(
                "quic",
                format_args!(
                    "{} bytes of message in CRYPTO frames of {} packets, protected with the {keys}; no TLS record around it",
                    self.msg.message_len(Version::Tls13),
                    space_name(space)
                ),
            )
            .spec("RFC 9001 §4.1.3"),
        );
        f
    }
}

/// A request (or a control stream's bytes) inside HTTP/3 frames, a STREAM frame, 1-RTT
/// packets, UDP datagrams and IP packets.
#[derive(Clone, Debug)]
pub struct Wrapping {
    /// Bytes of HTTP/3 frames.
    pub http: u64,
    pub stream: u64,
    /// Every datagram, with the moment it passes the browser's machine: when it leaves, for
    /// the browser's; when it arrives, for the server's.
    pub datagrams: Rc<[(Instant, Rc<Datagram>)]>,
    pub first: Shown,
    /// A response's round of slow start, and how many it takes.
    pub round: Option<(usize, usize)>,
}

impl Detail for Wrapping {
    fn summary(&self) -> Cow<'static, str> {
        let round = match self.round {
            Some((r, n)) if n > 1 => format!(" (round {r} of {n})"),
            _ => String::new(),
        };
        format!(
            "{} byte{} of HTTP/3 on stream {} in {} QUIC packet{}, over UDP{round}",
            self.http,
            if self.http == 1 { "" } else { "s" },
            self.stream,
            self.datagrams.len(),
            if self.datagrams.len() == 1 { "" } else { "s" }
        )
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![
            Field::new(
                "layers",
                "HTTP/3 frames ⊂ a STREAM frame ⊂ a 1-RTT QUIC packet (encrypted) ⊂ a UDP datagram ⊂ an IP packet",
            ),
            Field::new(
                "stream",
                format_args!(
                    "{} ({})",
                    self.stream,
                    match self.stream % 4 {
                        0 => "the browser's bidirectional stream: one request and its response",
                        2 => "the browser's unidirectional stream",
                        _ => "the server's stream",
                    }
                ),
            )
            .spec("RFC 9000 §2.1"),
            Field::new(
                "no_head_of_line_blocking",
                "each stream is delivered on its own: a lost packet holds up only the streams whose bytes it carried",
            )
            .spec("RFC 9000 §2.2"),
        ];
        if let (false, Some((a, _)), Some((b, _))) = (
            self.first.datagram.from_client,
            self.datagrams.first(),
            self.datagrams.last(),
        ) {
            let round = match self.round {
                Some((r, n)) => format!("round {r} of {n} of slow start: "),
                None => String::new(),
            };
            f.push(
                Field::new(
                    "delivery",
                    format_args!(
                        "{round}{} datagrams, arriving from {a} to {b}; the browser acknowledges every second one",
                        self.datagrams.len()
                    ),
                )
                .spec("RFC 9002 §7, RFC 9000 §13.2.2"),
            );
        }
        f.extend(self.first.fields());
        f
    }
}

/// The browser's acknowledgments of a round of the server's 1-RTT packets: one ACK-only
/// datagram for every second packet, and one at once for a response's last (an odd packet
/// left at a round's end is acknowledged with the next round's).
#[derive(Clone, Debug)]
pub struct Acks {
    /// Each with the moment it leaves (as the datagram that asked for it arrives).
    pub datagrams: Vec<(Instant, Rc<Datagram>)>,
    pub cid: Rc<[u8]>,
    /// The browser's UDP port and the server's.
    pub ports: (u16, u16),
    pub server: Option<std::net::Ipv4Addr>,
}

impl Detail for Acks {
    fn summary(&self) -> Cow<'static, str> {
        let packets: Vec<&Packet> = (self.datagrams.iter())
            .flat_map(|(_, d)| &d.packets)
            .collect();
        let acked = |p: &Packet| -> String {
            let a: Vec<String> = p.frames.iter().filter_map(ack_text).collect();
            a.join(", ")
        };
        match (packets.first(), packets.last()) {
            (Some(p), Some(last)) if packets.len() > 1 => format!(
                "{} {} to {} [ACK]: {} datagrams from {}, the last {}",
                space_name(p.space),
                p.number,
                last.number,
                self.datagrams.len(),
                self.datagrams.first().map_or(Instant::ZERO, |d| d.0),
                acked(last)
            ),
            (Some(p), _) => format!(
                "{} {} [{}]: {} bytes",
                space_name(p.space),
                p.number,
                acked(p),
                self.datagrams.first().map_or(0, |(_, d)| d.len)
            ),
            _ => String::new(),
        }
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::new(
            "acknowledgments",
            format_args!(
                "{} ACK-only datagram{} from port {} to {}: one for every second ack-eliciting packet received, and one at once for a response's last",
                self.datagrams.len(),
                if self.datagrams.len() == 1 { "" } else { "s" },
                self.ports.0,
                self.ports.1
            ),
        )
        .spec("RFC 9000 §13.2.2")];
        f.extend(
            (self.datagrams.iter())
                .flat_map(|(_, d)| &d.packets)
                .map(packet_field),
        );
        f
    }
}

fn ack_text(f: &Frame) -> Option<String> {
    matches!(f, Frame::Ack { .. }).then(|| frame_text(f))
}
