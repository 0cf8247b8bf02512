//! A QUIC connection's packets with their real bytes, the first part of the QUIC capture
//! (issue 19): the handshake's datagrams both ways. [`handshake`] runs the connection's TLS
//! messages through the capture's TLS 1.3 session for each side's CRYPTO bytes and secrets,
//! and [`datagram_of`] writes any datagram of Initial and Handshake packets with them. Each packet of the trace is
//! written as it goes on the wire — its frames ([`quic_packet::write_frames`]) around the real
//! bytes of Chromium's QUIC ClientHello ([`quic_tls::client_hello`], its key shares and GREASE
//! ECH filled as over TCP), sealed and header-protected
//! with the Initial keys the browser's Destination Connection ID gives (RFC 9001 §5.2, §5.4),
//! and the datagram's length checked against the model's.
//!
//! Not yet: the 1-RTT packets (short headers, the HTTP/3 bytes, the responses cut into
//! packets) and the datagrams' place in the capture file (`from_trace` still refuses a QUIC
//! connection).

use super::CaptureError;
use crate::model::quic::{Datagram, Frame};
use crate::model::quic_keys::{InitialSecrets, PacketKeys};
use crate::model::quic_packet::{self, LongHeader, LongType};
use crate::model::tls::Message;
use crate::model::tls_wire;
use std::rc::Rc;

/// QUIC version 1 (RFC 9000 §15).
const VERSION_1: u32 = 1;

/// A frame of the model's handshake datagrams as it goes on the wire, with `crypto`'s bytes.
fn frame(f: &Frame, crypto: &[u8]) -> Result<quic_packet::Frame, CaptureError> {
    Ok(match f {
        Frame::Padding(n) => quic_packet::Frame::Padding(*n),
        Frame::Crypto { offset, len } => {
            let from = usize::try_from(*offset).unwrap_or(usize::MAX);
            let data = (from.checked_add(*len))
                .and_then(|to| crypto.get(from..to))
                .ok_or(CaptureError::Internal(
                    "the handshake bytes a CRYPTO frame names",
                ))?;
            quic_packet::Frame::Crypto {
                offset: *offset,
                data: data.to_vec(),
            }
        }
        Frame::Ack {
            largest,
            first_range,
        } => quic_packet::Frame::Ack {
            largest: *largest,
            delay: 0,
            first_range: *first_range,
        },
        Frame::HandshakeDone | Frame::Stream { .. } => {
            return Err(CaptureError::Unsupported("QUIC frames after the handshake"))
        }
    })
}

/// A QUIC connection's TLS handshake made real: each side's CRYPTO streams by packet-number
/// space (Initial, Handshake) as the trace's messages encode, and the key log and secrets
/// that protect and decrypt them.
pub struct Handshake13 {
    /// `[browser, server]`, each `[initial, handshake]`.
    pub crypto: [[Vec<u8>; 2]; 2],
    pub keylog: String,
    client_hs: Vec<u8>,
    server_hs: Vec<u8>,
}

/// Runs the connection's TLS messages, in the trace's order, through the capture's TLS 1.3
/// session ([`super::tls13::Tls`]): the ClientHello and ServerHello are plaintext records, the
/// rest the plaintext of the flights' records; a ticket (1-RTT) is not taken.
pub fn handshake(
    msgs: &[Rc<Message>],
    now: crate::model::time::Instant,
    shared: &mut super::tls13::Shared,
) -> Result<Handshake13, CaptureError> {
    let mut tls = super::tls13::Tls::default();
    let mut crypto: [[Vec<u8>; 2]; 2] = Default::default();
    for m in msgs {
        let (side, space) = match &**m {
            Message::ClientHello { .. } => (0, 0),
            Message::ServerHello { .. } => (1, 0),
            Message::Finished { from_client, .. } => (usize::from(!*from_client), 1),
            Message::NewSessionTicket { .. } => break,
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
    let schedule = tls
        .schedule()
        .ok_or(CaptureError::Internal("the handshake's keys"))?;
    Ok(Handshake13 {
        crypto,
        keylog: tls.keylog(),
        client_hs: schedule.client_handshake_traffic_secret.clone(),
        server_hs: schedule.server_handshake_traffic_secret.clone(),
    })
}

/// One side's datagram of Initial and Handshake packets with `h`'s CRYPTO bytes, under the
/// Initial keys of `dcid` and the handshake keys; `cid` is the connection ID the server took
/// (the browser's Destination Connection ID), the browser's own being empty.
pub fn datagram_of(d: &Datagram, cid: &[u8], h: &Handshake13) -> Result<Vec<u8>, CaptureError> {
    use crate::model::tls_keys::{Aead, Hash};
    let side = usize::from(!d.from_client);
    let initial = InitialSecrets::new(cid).keys(d.from_client);
    let secret = if d.from_client {
        &h.client_hs
    } else {
        &h.server_hs
    };
    let handshake = PacketKeys::from_secret(Aead::Aes128Gcm, Hash::Sha256, secret);
    let crypto = [&h.crypto[side][0][..], &h.crypto[side][1][..]];
    write(d, cid, crypto, [&initial, &handshake])
}

/// Datagram `d`'s packets, each with its space's CRYPTO bytes (`crypto`: Initial, Handshake)
/// under its space's keys, the browser's toward `cid` and the server's from it; its length
/// checked against the model's.
fn write(
    d: &Datagram,
    cid: &[u8],
    crypto: [&[u8]; 2],
    keys: [&PacketKeys; 2],
) -> Result<Vec<u8>, CaptureError> {
    use crate::model::quic::Space;
    let mut out = Vec::with_capacity(d.len);
    for p in &d.packets {
        let (kind, space) = match p.space {
            Space::Initial => (LongType::Initial, 0),
            Space::Handshake => (LongType::Handshake, 1),
            Space::Application => return Err(CaptureError::Unsupported("QUIC 1-RTT packets")),
        };
        let frames = (p.frames.iter())
            .map(|f| frame(f, crypto[space]))
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = tls_wire::Writer::default();
        quic_packet::write_frames(&mut w, &frames);
        let (dcid, scid) = if d.from_client {
            (cid.to_vec(), vec![])
        } else {
            (vec![], cid.to_vec())
        };
        let header = LongHeader {
            kind,
            version: VERSION_1,
            dcid,
            scid,
            token: vec![],
            packet_number: p.number,
            pn_len: p.pn_len,
        };
        let sealed = quic_packet::protect(keys[space], &header, w.into_wire())
            .map_err(|_| CaptureError::Internal("a long-header packet's protection"))?;
        out.extend_from_slice(&sealed.bytes);
    }
    if out.len() != d.len {
        return Err(CaptureError::Internal("a datagram of the model's length"));
    }
    Ok(out)
}
