//! A QUIC connection's packets with their real bytes (issue 19): every datagram of the trace,
//! both ways, as UDP over IPv4. [`handshake`] runs the connection's TLS messages through the
//! capture's TLS 1.3 session for each side's CRYPTO bytes and secrets; `packets_of` writes
//! any datagram with them — its Initial and Handshake packets under long headers, its 1-RTT
//! packets under short ones — each packet's frames ([`quic_packet::write_frames`]) around the
//! real bytes they carry: the TLS messages (Chromium's QUIC ClientHello,
//! [`quic_tls::client_hello`], its key shares and GREASE ECH filled as over TCP), and on each
//! stream the HTTP/3 bytes the trace's events wrote (the browser's control stream and QPACK
//! stream types, each request's and response's HEADERS frame with its QPACK section, a body's
//! DATA frame around its stand-in, [`super::stand_in`]). Each packet is sealed and
//! header-protected with its space's keys: the Initial keys the browser's Destination
//! Connection ID gives (RFC 9001 §5.2, §5.4), the handshake and application traffic secrets of
//! the TLS session, which the key log carries; each datagram's length is checked against the
//! model's.
//!
//! A datagram the browser sends is stamped when it leaves, one it receives when it arrives; a
//! datagram the network drops (UDP blocked) is captured as it leaves, and the server's answers
//! never exist.

use super::{CaptureError, Walk};
use crate::model::connection::CLIENT_ADDR;
use crate::model::http3;
use crate::model::ip;
use crate::model::load::{H3Response, Sent as SentRequest};
use crate::model::quic::{Datagram, Frame, Space};
use crate::model::quic_keys::{InitialSecrets, PacketKeys};
use crate::model::quic_packet::{self, varint, LongHeader, LongType, ShortHeader};
use crate::model::quic_present::{Acks, InCrypto, Shown, Wrapping};
use crate::model::step::steps;
use crate::model::time::Instant;
use crate::model::tls::Message;
use crate::model::tls_keys::{Aead, Hash};
use crate::model::tls_wire;
use crate::model::trace::{Event, Trace};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// QUIC version 1 (RFC 9000 §15).
const VERSION_1: u32 = 1;

/// Each stream's bytes, by whether the browser sends it and its id.
pub type Streams = BTreeMap<(bool, u64), Vec<u8>>;

/// A frame of the model's datagrams as it goes on the wire: a CRYPTO frame with `crypto`'s
/// bytes, a STREAM frame with its stream's in `streams`.
fn frame(
    f: &Frame,
    crypto: &[u8],
    (from_client, streams): (bool, &Streams),
) -> Result<quic_packet::Frame, CaptureError> {
    let slice = |b: &[u8], offset: u64, len: usize, what| {
        let from = usize::try_from(offset).unwrap_or(usize::MAX);
        (from.checked_add(len))
            .and_then(|to| b.get(from..to))
            .map(<[u8]>::to_vec)
            .ok_or(CaptureError::Internal(what))
    };
    Ok(match f {
        Frame::Padding(n) => quic_packet::Frame::Padding(*n),
        Frame::Crypto { offset, len } => quic_packet::Frame::Crypto {
            offset: *offset,
            data: slice(
                crypto,
                *offset,
                *len,
                "the handshake bytes a CRYPTO frame names",
            )?,
        },
        Frame::Ack {
            largest,
            first_range,
        } => quic_packet::Frame::Ack {
            largest: *largest,
            delay: 0,
            first_range: *first_range,
        },
        Frame::HandshakeDone => quic_packet::Frame::HandshakeDone,
        Frame::Stream {
            id,
            offset,
            len,
            fin,
        } => {
            let bytes = streams
                .get(&(from_client, *id))
                .map_or(&[][..], Vec::as_slice);
            quic_packet::Frame::Stream {
                id: *id,
                offset: *offset,
                data: slice(
                    bytes,
                    *offset,
                    *len,
                    "the HTTP/3 bytes a STREAM frame names",
                )?,
                fin: *fin,
            }
        }
    })
}

/// A QUIC connection's TLS handshake made real: each side's CRYPTO streams by packet-number
/// space as the trace's messages encode, and the key log and secrets that protect and
/// decrypt them.
pub struct Handshake13 {
    /// `[browser, server]`, each `[initial, handshake, application]`.
    pub crypto: [[Vec<u8>; 3]; 2],
    pub keylog: String,
    /// `[browser, server]`, each its handshake and application traffic secrets (empty when
    /// the handshake never reached them).
    secrets: [[Vec<u8>; 2]; 2],
}

/// Runs the connection's TLS messages, in the trace's order, through the capture's TLS 1.3
/// session ([`super::tls13::Tls`]): the ClientHello and ServerHello are plaintext records, the
/// rest the plaintext of the flights' records, a ticket that of a 1-RTT record.
pub fn handshake(
    msgs: &[Rc<Message>],
    now: Instant,
    shared: &mut super::tls13::Shared,
) -> Result<Handshake13, CaptureError> {
    let mut tls = super::tls13::Tls::default();
    let mut crypto: [[Vec<u8>; 3]; 2] = Default::default();
    for m in msgs {
        let (side, space) = match &**m {
            Message::ClientHello { .. } => (0, 0),
            Message::ServerHello { .. } => (1, 0),
            Message::Finished { from_client, .. } => (usize::from(!*from_client), 1),
            Message::NewSessionTicket { .. } => (1, 2),
            _ => (1, 1),
        };
        for sent in tls.on(m, crate::model::tls::Version::Tls13, (now, shared))? {
            match &sent.inner {
                Some((_, plain)) => crypto[side][space].extend_from_slice(&plain.bytes),
                None => crypto[side][space]
                    .extend_from_slice(sent.record.bytes.get(5..).unwrap_or_default()),
            }
        }
    }
    let secrets = tls.schedule().map_or_else(Default::default, |s| {
        [
            [
                s.client_handshake_traffic_secret.clone(),
                s.client_application_traffic_secret_0.clone(),
            ],
            [
                s.server_handshake_traffic_secret.clone(),
                s.server_application_traffic_secret_0.clone(),
            ],
        ]
    });
    Ok(Handshake13 {
        crypto,
        keylog: tls.keylog(),
        secrets,
    })
}

/// One side's datagram `d` as packets with `h`'s CRYPTO bytes and `streams`' bytes, under the
/// Initial keys of `cid` (the browser's Destination Connection ID, which the server took as
/// its own; the browser's is empty), the handshake keys or the 1-RTT keys: each packet's
/// bytes, its header and its frames in the clear.
fn packets_of(
    d: &Datagram,
    cid: &[u8],
    h: &Handshake13,
    streams: &Streams,
) -> Result<Vec<quic_packet::Protected>, CaptureError> {
    let side = usize::from(!d.from_client);
    let mut out = Vec::with_capacity(d.packets.len());
    for p in &d.packets {
        let i = p.space.index();
        let frames = (p.frames.iter())
            .map(|f| frame(f, &h.crypto[side][i], (d.from_client, streams)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = tls_wire::Writer::default();
        quic_packet::write_frames(&mut w, &frames);
        let keys = match p.space {
            Space::Initial => InitialSecrets::new(cid).keys(d.from_client),
            Space::Handshake | Space::Application => {
                let secret = &h.secrets[side][i - 1];
                if secret.is_empty() {
                    return Err(CaptureError::Internal("the handshake's keys"));
                }
                PacketKeys::from_secret(Aead::Aes128Gcm, Hash::Sha256, secret)
            }
        };
        let dcid = if d.from_client { cid.to_vec() } else { vec![] };
        let sealed = match p.space {
            Space::Application => {
                let header = ShortHeader {
                    dcid,
                    packet_number: p.number,
                    pn_len: p.pn_len,
                };
                quic_packet::protect_short(&keys, &header, w.into_wire())
            }
            _ => {
                let header = LongHeader {
                    kind: match p.space {
                        Space::Initial => LongType::Initial,
                        _ => LongType::Handshake,
                    },
                    version: VERSION_1,
                    scid: if d.from_client { vec![] } else { cid.to_vec() },
                    dcid,
                    token: vec![],
                    packet_number: p.number,
                    pn_len: p.pn_len,
                };
                quic_packet::protect(&keys, &header, w.into_wire())
            }
        }
        .map_err(|_| CaptureError::Internal("a packet's protection"))?;
        out.push(sealed);
    }
    Ok(out)
}

/// A QUIC connection while the capture reads its events.
pub(super) struct QuicConn {
    h: Handshake13,
    cid: Rc<[u8]>,
    streams: Streams,
    /// The response whose body comes next: its stream and content type.
    pending: Option<(u64, Option<String>)>,
}

impl QuicConn {
    pub(super) fn keylog(&self) -> &str {
        &self.h.keylog
    }
}

/// A QUIC connection as [`Walk::quic_prepare`] finds it: its first datagram's moment, its
/// connection ID and its TLS messages.
type Found = (Instant, Rc<[u8]>, Vec<Rc<Message>>);

/// A DATA frame around `body` (RFC 9114 §7.2.1).
fn data_frame(body: &[u8]) -> Vec<u8> {
    let mut out = varint(http3::frame_type::DATA);
    out.extend(varint(body.len() as u64));
    out.extend_from_slice(body);
    out
}

impl Walk {
    /// Makes each QUIC connection's TLS handshake real before its datagrams are written: their
    /// CRYPTO bytes come from its messages, which the trace shows after the datagram that
    /// completes them.
    pub(super) fn quic_prepare(&mut self, trace: &Trace) -> Result<(), CaptureError> {
        let mut found: BTreeMap<u32, Found> = BTreeMap::new();
        for e in &trace.events {
            let Some(c) = e.connection else { continue };
            if let Some(s) = e.detail::<Shown>() {
                found
                    .entry(c)
                    .or_insert_with(|| (e.at, Rc::clone(&s.cid), Vec::new()));
            } else if let (Some(m), Some(f)) = (e.detail::<InCrypto>(), found.get_mut(&c)) {
                f.2.push(Rc::clone(&m.msg));
            }
        }
        for (c, (at, cid, msgs)) in found {
            let h = handshake(&msgs, at, &mut self.shared)?;
            let conn = QuicConn {
                h,
                cid,
                streams: Streams::new(),
                pending: None,
            };
            self.quic.insert(c, conn);
        }
        Ok(())
    }

    /// An event of QUIC connection `c`: its datagrams, or the HTTP/3 bytes they will carry.
    pub(super) fn quic_event(&mut self, c: u32, e: &Event) -> Result<(), CaptureError> {
        if let Some(s) = e.detail::<Shown>() {
            let at = match (&e.flight, s.datagram.from_client) {
                (_, true) => e.at,
                (Some(f), false) => f.arrives_at,
                // Dropped on its way: never reaches the browser's machine.
                (None, false) => return Ok(()),
            };
            return self.udp(c, (s.server, s.ports), &[(at, Rc::clone(&s.datagram))], e);
        }
        if let Some(w) = e.detail::<Wrapping>() {
            return self.udp(c, (w.first.server, w.first.ports), &w.datagrams, e);
        }
        if let Some(a) = e.detail::<Acks>() {
            return self.udp(c, (a.server, a.ports), &a.datagrams, e);
        }
        match self.quic.get_mut(&c) {
            Some(q) => q.stream_bytes(e),
            None => Ok(()),
        }
    }
}

impl QuicConn {
    /// The HTTP/3 bytes event `e` puts on the connection's streams, which its datagrams'
    /// STREAM frames will carry: the browser's control and QPACK streams, a request's HEADERS
    /// (and its body's DATA), a response's HEADERS, then its body's DATA.
    fn stream_bytes(&mut self, e: &Event) -> Result<(), CaptureError> {
        let q = self;
        if e.step == steps::HTTP_CONTROL_STREAMS {
            let wire = e
                .wire
                .as_ref()
                .ok_or(CaptureError::Internal("the control stream"))?;
            q.streams.insert((true, 2), wire.bytes.clone());
            q.streams
                .insert((true, 6), varint(http3::stream_type::QPACK_DECODER));
            q.streams
                .insert((true, 10), varint(http3::stream_type::QPACK_ENCODER));
        } else if let Some(s) = e.detail::<SentRequest>() {
            let h = s
                .h3()
                .ok_or(CaptureError::Internal("an HTTP/3 request's HEADERS"))?;
            let mut bytes = h.frame.bytes.clone();
            let body = s.body_len();
            if body > super::connection::MAX_BODY {
                return Err(CaptureError::Unsupported("a body over 64 MiB"));
            }
            if body > 0 {
                bytes.extend(data_frame(&super::stand_in(body as usize, "request body")));
            }
            q.streams.insert((true, u64::from(h.stream)), bytes);
        } else if let Some(r) = e.detail::<H3Response>() {
            let id = u64::from(r.frame.stream);
            q.streams.insert((false, id), r.frame.frame.bytes.clone());
            let what = r.head.headers.get("content-type").map(str::to_string);
            q.pending = Some((id, what));
        } else if let Some(b) = e.detail::<crate::model::http::present::Body>() {
            let (id, what) = q
                .pending
                .take()
                .ok_or(CaptureError::Internal("a body without its head"))?;
            if b.bytes > super::connection::MAX_BODY {
                return Err(CaptureError::Unsupported("a body over 64 MiB"));
            }
            let body = match &b.content {
                Some(text) if text.len() as u64 == b.bytes => text.as_bytes().to_vec(),
                _ => super::stand_in(b.bytes as usize, what.as_deref().unwrap_or("body")),
            };
            q.streams
                .entry((false, id))
                .or_default()
                .extend(data_frame(&body));
        }
        Ok(())
    }
}

impl Walk {
    /// `datagrams` of connection `c` between the browser and the server at `server` (`ports`:
    /// the browser's and the server's), each at its moment.
    fn udp(
        &mut self,
        c: u32,
        (server, ports): (Option<Ipv4Addr>, (u16, u16)),
        datagrams: &[(Instant, Rc<Datagram>)],
        e: &Event,
    ) -> Result<(), CaptureError> {
        let server = server.ok_or(CaptureError::Unsupported("a server reached over IPv6"))?;
        for (at, d) in datagrams {
            let q = self
                .quic
                .get(&c)
                .ok_or(CaptureError::Internal("the QUIC handshake"))?;
            let packets = packets_of(d, &q.cid, &q.h, &q.streams)?;
            let payload: Vec<u8> = packets
                .iter()
                .flat_map(|p| p.bytes.iter().copied())
                .collect();
            if payload.len() != d.len {
                return Err(CaptureError::Internal("a datagram of the model's length"));
            }
            let id = self.packets.len() as u16;
            let (from, to) = if d.from_client {
                ((CLIENT_ADDR, ports.0), (server, ports.1))
            } else {
                ((server, ports.1), (CLIENT_ADDR, ports.0))
            };
            let data = ip::udp_packet(from, to, id, &payload);
            self.push(*at, data, e.step.as_str());
            for (p, sealed) in d.packets.iter().zip(packets) {
                let title = format!(
                    "QUIC {} packet {}, decrypted: its frames",
                    crate::model::quic_present::space_name(p.space),
                    p.number
                );
                self.show(title, sealed.payload);
            }
        }
        Ok(())
    }
}
