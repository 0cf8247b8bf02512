//! A QUIC connection's packets with their real bytes, the first part of the QUIC capture
//! (issue 19): the browser's Initial datagrams. Each packet of the trace's first flight is
//! written as it goes on the wire — its frames ([`quic_packet::write_frames`]) around the real
//! bytes of Chromium's QUIC ClientHello ([`quic_tls::client_hello`], its key shares and GREASE
//! ECH filled as over TCP: [`super::tls13::fill_client_hello`]), sealed and header-protected
//! with the Initial keys the browser's Destination Connection ID gives (RFC 9001 §5.2, §5.4),
//! and the datagram's length checked against the model's.
//!
//! Not yet: the server's Initial and Handshake packets, the 1-RTT packets, and their place in
//! the capture file (`from_trace` still refuses a QUIC connection); the next steps are the
//! TLS messages' plaintext and secrets through [`super::tls13::Tls`], and short headers.

use super::CaptureError;
use crate::model::quic::{Datagram, Frame};
use crate::model::quic_keys::{InitialSecrets, PacketKeys};
use crate::model::quic_packet::{self, LongHeader, LongType};
use crate::model::tls::Message;
use crate::model::tls_messages::bytes32;
use crate::model::tls_wire::{self, Handshake};
use std::rc::Rc;

/// QUIC version 1 (RFC 9000 §15).
const VERSION_1: u32 = 1;

/// The bytes of the browser's first flight: each of `flight`'s datagrams carrying its part of
/// `hello` (the trace's ClientHello), under the Initial keys of `dcid`.
pub fn client_initials(
    hello: &Message,
    dcid: &[u8],
    flight: &[Rc<Datagram>],
) -> Result<Vec<Vec<u8>>, CaptureError> {
    let Message::ClientHello { key_share, .. } = hello else {
        return Err(CaptureError::Internal("a ClientHello"));
    };
    let mut ch = crate::model::quic_tls::client_hello(hello)
        .ok_or(CaptureError::Internal("a QUIC ClientHello"))?;
    super::tls13::fill_client_hello(&mut ch, &bytes32(key_share));
    let crypto = tls_wire::encode(&Handshake::ClientHello(ch))
        .map_err(CaptureError::tls)?
        .bytes;
    let keys = InitialSecrets::new(dcid).keys(true);
    flight
        .iter()
        .map(|d| datagram(d, dcid, &crypto, &keys))
        .collect()
}

/// One datagram of Initial packets: each packet's frames with `crypto`'s bytes where its
/// CRYPTO frames point, protected under `keys`.
fn datagram(
    d: &Datagram,
    dcid: &[u8],
    crypto: &[u8],
    keys: &PacketKeys,
) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::with_capacity(d.len);
    for p in &d.packets {
        let frames = (p.frames.iter())
            .map(|f| frame(f, crypto))
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = tls_wire::Writer::default();
        quic_packet::write_frames(&mut w, &frames);
        let h = LongHeader {
            kind: LongType::Initial,
            version: VERSION_1,
            dcid: dcid.to_vec(),
            scid: vec![],
            token: vec![],
            packet_number: p.number,
            pn_len: p.pn_len,
        };
        let sealed = quic_packet::protect(keys, &h, w.into_wire())
            .map_err(|_| CaptureError::Internal("an Initial packet's protection"))?;
        out.extend_from_slice(&sealed.bytes);
    }
    if out.len() != d.len {
        return Err(CaptureError::Internal(
            "an Initial datagram of the model's length",
        ));
    }
    Ok(out)
}

/// A frame of the model's first flight as it goes on the wire.
fn frame(f: &Frame, crypto: &[u8]) -> Result<quic_packet::Frame, CaptureError> {
    Ok(match f {
        Frame::Padding(n) => quic_packet::Frame::Padding(*n),
        Frame::Crypto { offset, len } => {
            let from = usize::try_from(*offset).unwrap_or(usize::MAX);
            let data = (from.checked_add(*len))
                .and_then(|to| crypto.get(from..to))
                .ok_or(CaptureError::Internal(
                    "the ClientHello's bytes a CRYPTO frame names",
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
