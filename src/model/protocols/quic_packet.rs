//! QUIC packets on the wire: variable-length integers (RFC 9000 §16), the long header (§17.2)
//! of Initial and Handshake packets and the short header (§17.3) of 1-RTT packets, the frames
//! the model sends (§19: PADDING, PING, ACK, CRYPTO, HANDSHAKE_DONE, STREAM), and packet
//! protection (RFC 9001 §5.3, §5.4): the payload sealed with the packet
//! number's nonce and the header as associated data, then the first byte's low bits and the
//! packet number masked with a sample of the ciphertext.
//!
//! Modelled: long headers of version 1, whose Length field is written in two bytes as
//! Chromium's QUIC writes it (quiche's `QuicPacketCreator::GetLengthLength`, which returns
//! `VARIABLE_LENGTH_INTEGER_LENGTH_2` for a long header:
//! https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/quic_packet_creator.cc),
//! and the client's first flight padded to 1,200 bytes (RFC 9000 §14.1); short headers with the
//! spin bit and key phase 0 (the model neither measures the spin nor updates keys). Left out:
//! Retry and Version Negotiation packets, reading a short header back (the reader here takes
//! long headers; tests read 1-RTT packets with tshark), and ACK frames with more than one range
//! or ECN counts.

use super::quic_keys::{PacketKeys, SAMPLE_LEN};
use super::tls_keys::TAG_LEN;
use super::tls_wire::Writer;
use crate::model::trace::Wire;
use std::fmt;

/// QUIC version 1 (RFC 9000 §15).
pub const VERSION_1: u32 = 1;

/// The smallest datagram that carries a client's Initial packet (RFC 9000 §14.1).
pub const MIN_INITIAL_DATAGRAM: usize = 1200;

/// The Length field's size in a long header ([module doc](self)).
const LENGTH_LEN: usize = 2;

/// A variable-length integer's bytes (§16): the shortest of 1, 2, 4 or 8 bytes that holds `v`,
/// the top two bits saying which. Values of 2^62 and more do not fit and are clamped there.
pub fn varint(v: u64) -> Vec<u8> {
    let v = v.min((1 << 62) - 1);
    match v {
        0..=63 => vec![v as u8],
        64..=16_383 => varint_of(v, 2),
        16_384..=1_073_741_823 => varint_of(v, 4),
        _ => varint_of(v, 8),
    }
}

/// `v` as a variable-length integer of exactly `len` bytes (1, 2, 4 or 8).
fn varint_of(v: u64, len: usize) -> Vec<u8> {
    let tag: u64 = match len {
        1 => 0,
        2 => 1,
        4 => 2,
        _ => 3,
    };
    let b = (v | tag << (8 * len - 2)).to_be_bytes();
    b[8 - len..].to_vec()
}

/// A variable-length integer at the start of `b`, and how many bytes it took.
pub fn read_varint(b: &[u8]) -> Option<(u64, usize)> {
    let first = *b.first()?;
    let len = 1usize << (first >> 6);
    let bytes = b.get(..len)?;
    let mut v = u64::from(first & 0x3f);
    for x in &bytes[1..] {
        v = v << 8 | u64::from(*x);
    }
    Some((v, len))
}

/// The long header's packet types (§17.2, Table 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

impl LongType {
    fn bits(self) -> u8 {
        match self {
            LongType::Initial => 0,
            LongType::ZeroRtt => 1,
            LongType::Handshake => 2,
            LongType::Retry => 3,
        }
    }

    fn of(bits: u8) -> LongType {
        match bits & 3 {
            0 => LongType::Initial,
            1 => LongType::ZeroRtt,
            2 => LongType::Handshake,
            _ => LongType::Retry,
        }
    }
}

/// A long header's fields; `pn_len` is how many bytes (1 to 4) carry the packet number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongHeader {
    pub kind: LongType,
    pub version: u32,
    pub dcid: Vec<u8>,
    pub scid: Vec<u8>,
    /// An Initial packet's token (empty without a Retry or NEW_TOKEN, §17.2.2).
    pub token: Vec<u8>,
    pub packet_number: u64,
    pub pn_len: usize,
}

/// The frames a handshake's packets carry (§19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `n` PADDING frames (each a zero byte, §19.1).
    Padding(usize),
    Ping,
    /// An ACK of one range: `largest` down to `largest - first_range` (§19.3), its delay in
    /// units of 2^ack_delay_exponent microseconds.
    Ack {
        largest: u64,
        delay: u64,
        first_range: u64,
    },
    /// Bytes of the TLS handshake at `offset` in this packet-number space's stream (§19.6).
    Crypto {
        offset: u64,
        data: Vec<u8>,
    },
    /// The server confirms the handshake (§19.20).
    HandshakeDone,
    /// Bytes of stream `id` at `offset`, the last of the stream if `fin` (§19.8). The Offset
    /// field is left out at 0 and the Length field always written, as the model sizes it.
    Stream {
        id: u64,
        offset: u64,
        data: Vec<u8>,
        fin: bool,
    },
}

/// Why bytes are not a packet this model reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PacketError {
    /// The bytes end before `what`.
    Short(&'static str),
    /// A short header, or a packet type or frame this model does not read.
    Unsupported(&'static str),
    /// The payload does not decrypt with these keys.
    Decrypt,
    /// A field's value does not fit its encoding (a packet-number length outside 1–4).
    Invalid(&'static str),
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::Short(what) => write!(f, "the packet ends before its {what}"),
            PacketError::Unsupported(what) => write!(f, "not modelled: {what}"),
            PacketError::Decrypt => f.write_str("the payload does not decrypt with these keys"),
            PacketError::Invalid(what) => write!(f, "invalid {what}"),
        }
    }
}

/// Writes `frames`, each field named `frame[i].…`.
pub fn write_frames(w: &mut Writer, frames: &[Frame]) {
    for (i, f) in frames.iter().enumerate() {
        let at = format!("frame[{i}]");
        match f {
            Frame::Padding(n) => w.raw(format!("{at}.padding"), &vec![0; *n]),
            Frame::Ping => w.uint(format!("{at}.type"), 1, 0x01),
            Frame::Ack {
                largest,
                delay,
                first_range,
            } => {
                w.uint(format!("{at}.type"), 1, 0x02);
                w.raw(format!("{at}.largest_acknowledged"), &varint(*largest));
                w.raw(format!("{at}.ack_delay"), &varint(*delay));
                w.raw(format!("{at}.ack_range_count"), &varint(0));
                w.raw(format!("{at}.first_ack_range"), &varint(*first_range));
            }
            Frame::Crypto { offset, data } => {
                w.uint(format!("{at}.type"), 1, 0x06);
                w.raw(format!("{at}.offset"), &varint(*offset));
                w.raw(format!("{at}.length"), &varint(data.len() as u64));
                w.raw(format!("{at}.crypto_data"), data);
            }
            Frame::HandshakeDone => w.uint(format!("{at}.type"), 1, 0x1e),
            Frame::Stream {
                id,
                offset,
                data,
                fin,
            } => {
                // 0b00001OLF: OFF when the offset is written, LEN always, FIN (§19.8).
                let typ = 0x08 | u64::from(*offset > 0) << 2 | 0x02 | u64::from(*fin);
                w.uint(format!("{at}.type"), 1, typ);
                w.raw(format!("{at}.stream_id"), &varint(*id));
                if *offset > 0 {
                    w.raw(format!("{at}.offset"), &varint(*offset));
                }
                w.raw(format!("{at}.length"), &varint(data.len() as u64));
                w.raw(format!("{at}.stream_data"), data);
            }
        }
    }
}

/// The frames of a decrypted payload; a run of PADDING is one [`Frame::Padding`].
pub fn read_frames(mut b: &[u8]) -> Result<Vec<Frame>, PacketError> {
    let mut out = Vec::new();
    let int = |b: &mut &[u8], what| -> Result<u64, PacketError> {
        let (v, n) = read_varint(b).ok_or(PacketError::Short(what))?;
        *b = &b[n..];
        Ok(v)
    };
    while let Some(&t) = b.first() {
        b = &b[1..];
        match t {
            0x00 => match out.last_mut() {
                Some(Frame::Padding(n)) => *n += 1,
                _ => out.push(Frame::Padding(1)),
            },
            0x01 => out.push(Frame::Ping),
            0x02 => {
                let largest = int(&mut b, "ACK's largest acknowledged")?;
                let delay = int(&mut b, "ACK's delay")?;
                if int(&mut b, "ACK's range count")? != 0 {
                    return Err(PacketError::Unsupported("an ACK of several ranges"));
                }
                let first_range = int(&mut b, "ACK's first range")?;
                out.push(Frame::Ack {
                    largest,
                    delay,
                    first_range,
                });
            }
            0x06 => {
                let offset = int(&mut b, "CRYPTO's offset")?;
                let len = int(&mut b, "CRYPTO's length")? as usize;
                let data = b.get(..len).ok_or(PacketError::Short("CRYPTO data"))?;
                out.push(Frame::Crypto {
                    offset,
                    data: data.to_vec(),
                });
                b = &b[len..];
            }
            0x1e => out.push(Frame::HandshakeDone),
            0x08..=0x0f => {
                let id = int(&mut b, "STREAM's id")?;
                let offset = if t & 0x04 != 0 {
                    int(&mut b, "STREAM's offset")?
                } else {
                    0
                };
                let len = if t & 0x02 != 0 {
                    int(&mut b, "STREAM's length")? as usize
                } else {
                    b.len()
                };
                let data = b.get(..len).ok_or(PacketError::Short("STREAM data"))?;
                out.push(Frame::Stream {
                    id,
                    offset,
                    data: data.to_vec(),
                    fin: t & 0x01 != 0,
                });
                b = &b[len..];
            }
            _ => return Err(PacketError::Unsupported("a frame type")),
        }
    }
    Ok(out)
}

/// The PADDING a client's Initial packet needs after `payload_len` bytes of frames so that its
/// datagram is [`MIN_INITIAL_DATAGRAM`] bytes (RFC 9000 §14.1).
pub fn initial_padding(h: &LongHeader, payload_len: usize) -> usize {
    let header = header_len(h);
    MIN_INITIAL_DATAGRAM.saturating_sub(header + payload_len + TAG_LEN)
}

fn header_len(h: &LongHeader) -> usize {
    let token = if h.kind == LongType::Initial {
        varint(h.token.len() as u64).len() + h.token.len()
    } else {
        0
    };
    7 + h.dcid.len() + h.scid.len() + token + LENGTH_LEN + h.pn_len
}

/// The header as sent before protection, its fields named (the packet number's bytes last).
pub fn write_header(h: &LongHeader, payload_len: usize) -> Result<Wire, PacketError> {
    if !(1..=4).contains(&h.pn_len) {
        return Err(PacketError::Invalid("packet number length"));
    }
    let (Ok(dcid_len), Ok(scid_len)) = (u8::try_from(h.dcid.len()), u8::try_from(h.scid.len()))
    else {
        return Err(PacketError::Invalid("connection ID length"));
    };
    let length = (h.pn_len + payload_len + TAG_LEN) as u64;
    if length >= 1 << 14 {
        return Err(PacketError::Invalid("packet length"));
    }
    let mut w = Writer::default();
    // Header Form 1, Fixed Bit 1, the type, Reserved 0, Packet Number Length - 1 (§17.2).
    let first = 0xc0 | h.kind.bits() << 4 | (h.pn_len as u8 - 1);
    w.uint("header_form_fixed_type_pn_length", 1, u64::from(first));
    w.uint("version", 4, u64::from(h.version));
    w.uint("dcid.length", 1, u64::from(dcid_len));
    w.raw("dcid", &h.dcid);
    w.uint("scid.length", 1, u64::from(scid_len));
    w.raw("scid", &h.scid);
    if h.kind == LongType::Initial {
        w.raw("token.length", &varint(h.token.len() as u64));
        w.raw("token", &h.token);
    }
    w.raw("length", &varint_of(length, LENGTH_LEN));
    let pn = h.packet_number.to_be_bytes();
    w.raw("packet_number", &pn[8 - h.pn_len..]);
    Ok(w.into_wire())
}

/// A protected packet: its bytes, the header before protection and the payload in the clear
/// (their fields named).
#[derive(Clone, Debug, PartialEq)]
pub struct Protected {
    pub bytes: Vec<u8>,
    pub header: Wire,
    pub payload: Wire,
}

/// Seals `payload` (frames, [`write_frames`]) under `keys` behind `h`, then protects the header
/// (RFC 9001 §5.3, §5.4). The payload must be long enough to sample: at least four bytes with
/// the packet number (§5.4.2).
pub fn protect(keys: &PacketKeys, h: &LongHeader, payload: Wire) -> Result<Protected, PacketError> {
    let header = write_header(h, payload.bytes.len())?;
    seal(keys, header, (h.packet_number, h.pn_len), payload)
}

/// Seals `payload` behind `header` (which ends with the packet number's `pn_len` bytes) and
/// masks the header (RFC 9001 §5.3, §5.4).
fn seal(
    keys: &PacketKeys,
    header: Wire,
    (number, pn_len): (u64, usize),
    payload: Wire,
) -> Result<Protected, PacketError> {
    let nonce = keys.nonce(number);
    let sealed = keys
        .aead
        .seal(&keys.key, &nonce, &header.bytes, &payload.bytes);
    let mut bytes = header.bytes.clone();
    bytes.extend_from_slice(&sealed);
    let pn_at = header.bytes.len() - pn_len;
    mask_header(keys, &mut bytes, pn_at, pn_len)?;
    Ok(Protected {
        bytes,
        header,
        payload,
    })
}

/// A 1-RTT packet's short header (§17.3.1): the Destination Connection ID, whose length the
/// receiver knows, and the packet number in `pn_len` bytes (1 to 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortHeader {
    pub dcid: Vec<u8>,
    pub packet_number: u64,
    pub pn_len: usize,
}

/// Seals `payload` under `keys` behind the short header `h` and protects the header: the mask
/// covers the first byte's low five bits here (§5.4.1).
pub fn protect_short(
    keys: &PacketKeys,
    h: &ShortHeader,
    payload: Wire,
) -> Result<Protected, PacketError> {
    if !(1..=4).contains(&h.pn_len) {
        return Err(PacketError::Invalid("packet number length"));
    }
    let mut w = Writer::default();
    // Header Form 0, Fixed Bit 1, Spin 0, Reserved 0, Key Phase 0, Packet Number Length - 1.
    w.uint(
        "header_form_fixed_spin_key_phase_pn_length",
        1,
        0x40 | (h.pn_len as u64 - 1),
    );
    w.raw("dcid", &h.dcid);
    let pn = h.packet_number.to_be_bytes();
    w.raw("packet_number", &pn[8 - h.pn_len..]);
    seal(keys, w.into_wire(), (h.packet_number, h.pn_len), payload)
}

/// XORs the header-protection mask over the first byte's low bits and the packet number's
/// `pn_len` bytes at `pn_at` (§5.4.1): the sample starts four bytes after the packet number's
/// start, whatever its length.
fn mask_header(
    keys: &PacketKeys,
    packet: &mut [u8],
    pn_at: usize,
    pn_len: usize,
) -> Result<(), PacketError> {
    let sample: [u8; SAMPLE_LEN] = packet
        .get(pn_at + 4..pn_at + 4 + SAMPLE_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(PacketError::Short("header-protection sample"))?;
    let mask = keys
        .mask(&sample)
        .map_err(|_| PacketError::Unsupported("ChaCha20 header protection"))?;
    // A long header's low four bits, a short header's five (§5.4.1).
    let low = if packet.first().is_some_and(|b| b & 0x80 != 0) {
        0x0f
    } else {
        0x1f
    };
    packet[0] ^= mask[0] & low;
    for i in 0..pn_len {
        packet[pn_at + i] ^= mask[1 + i];
    }
    Ok(())
}

/// A packet read back: its header, the payload in the clear, and how many bytes of the
/// datagram it took (packets may be coalesced, RFC 9000 §12.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub header: LongHeader,
    /// The header's bytes with protection removed (the AEAD's associated data).
    pub header_bytes: Vec<u8>,
    pub payload: Vec<u8>,
    pub len: usize,
}

/// Removes header protection and decrypts the long-header packet at the start of `datagram`.
/// The packet number read is the truncated one (§17.1): this reader keeps no history to expand
/// it from.
pub fn unprotect(keys: &PacketKeys, datagram: &[u8]) -> Result<Opened, PacketError> {
    let (mut h, pn_at, end) = read_long_header(datagram)?;
    let mut packet = datagram[..end].to_vec();
    mask_header(keys, &mut packet, pn_at, 4)?;
    // The mask was applied over four bytes; the first byte now tells the real length, and the
    // bytes after it go back to what they were.
    let pn_len = usize::from(packet[0] & 0x03) + 1;
    packet[pn_at + pn_len..pn_at + 4].copy_from_slice(&datagram[pn_at + pn_len..pn_at + 4]);
    let mut pn = 0u64;
    for b in &packet[pn_at..pn_at + pn_len] {
        pn = pn << 8 | u64::from(*b);
    }
    h.pn_len = pn_len;
    h.packet_number = pn;
    let body = pn_at + pn_len;
    let payload = keys
        .aead
        .open(&keys.key, &keys.nonce(pn), &packet[..body], &packet[body..])
        .map_err(|_| PacketError::Decrypt)?;
    Ok(Opened {
        header: h,
        header_bytes: packet[..body].to_vec(),
        payload,
        len: end,
    })
}

/// The long header's fields up to the packet number: the header (packet number unknown yet),
/// where the packet number starts, and where the packet ends.
fn read_long_header(b: &[u8]) -> Result<(LongHeader, usize, usize), PacketError> {
    let first = *b.first().ok_or(PacketError::Short("first byte"))?;
    if first & 0x80 == 0 {
        return Err(PacketError::Unsupported("a short header"));
    }
    let kind = LongType::of(first >> 4);
    if kind == LongType::Retry {
        return Err(PacketError::Unsupported("a Retry packet"));
    }
    let version = b.get(1..5).ok_or(PacketError::Short("version"))?;
    let version = u32::from_be_bytes([version[0], version[1], version[2], version[3]]);
    let mut at = 5;
    let mut id = |what| -> Result<Vec<u8>, PacketError> {
        let n = usize::from(*b.get(at).ok_or(PacketError::Short(what))?);
        let v = b.get(at + 1..at + 1 + n).ok_or(PacketError::Short(what))?;
        at += 1 + n;
        Ok(v.to_vec())
    };
    let dcid = id("Destination Connection ID")?;
    let scid = id("Source Connection ID")?;
    let mut token = Vec::new();
    if kind == LongType::Initial {
        let (n, k) = read_varint(b.get(at..).unwrap_or_default())
            .ok_or(PacketError::Short("token length"))?;
        at += k;
        let n = usize::try_from(n).map_err(|_| PacketError::Short("token"))?;
        token = (b.get(at..at.saturating_add(n)))
            .ok_or(PacketError::Short("token"))?
            .to_vec();
        at += n;
    }
    let (length, k) =
        read_varint(b.get(at..).unwrap_or_default()).ok_or(PacketError::Short("length"))?;
    at += k;
    let end = usize::try_from(length)
        .ok()
        .and_then(|l| at.checked_add(l))
        .filter(|e| *e <= b.len())
        .ok_or(PacketError::Short("payload"))?;
    let h = LongHeader {
        kind,
        version,
        dcid,
        scid,
        token,
        packet_number: 0,
        pn_len: 0,
    };
    Ok((h, at, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_each_length() {
        for (v, len) in [
            (37, 1),
            (15_293, 2),
            (494_878_333, 4),
            (151_288_809_941_952_652, 8),
        ] {
            let b = varint(v);
            assert_eq!(b.len(), len, "{v}");
            assert_eq!(read_varint(&b), Some((v, len)));
        }
        assert_eq!(read_varint(&[0x40]), None, "cut short");
        assert_eq!(read_varint(&[]), None);
    }

    #[test]
    fn frames_round_trip() {
        let frames = vec![
            Frame::Ack {
                largest: 0,
                delay: 0,
                first_range: 0,
            },
            Frame::Crypto {
                offset: 0,
                data: vec![1, 2, 3],
            },
            Frame::Ping,
            Frame::Padding(20),
        ];
        let mut w = Writer::default();
        write_frames(&mut w, &frames);
        assert_eq!(read_frames(&w.bytes), Ok(frames));
        assert_eq!(
            read_frames(&[0x06, 0x00, 0x05, 1]),
            Err(PacketError::Short("CRYPTO data"))
        );
    }

    #[test]
    fn a_packet_round_trips_and_any_cut_is_an_error() {
        let keys = super::super::quic_keys::InitialSecrets::new(&[7; 8]).keys(true);
        let h = LongHeader {
            kind: LongType::Initial,
            version: VERSION_1,
            dcid: vec![7; 8],
            scid: vec![9; 4],
            token: vec![],
            packet_number: 300,
            pn_len: 2,
        };
        let mut w = Writer::default();
        let crypto = Frame::Crypto {
            offset: 0,
            data: vec![0x16; 40],
        };
        write_frames(&mut w, &[crypto]);
        let pad = initial_padding(&h, w.bytes.len());
        write_frames(&mut w, &[Frame::Padding(pad)]);
        let p = protect(&keys, &h, w.into_wire()).expect("protects");
        assert_eq!(p.bytes.len(), MIN_INITIAL_DATAGRAM);
        let o = unprotect(&keys, &p.bytes).expect("opens");
        assert_eq!(o.header.packet_number, 300 & 0xffff);
        assert_eq!(o.header.pn_len, 2);
        assert_eq!(o.payload, p.payload.bytes);
        assert_eq!(o.header_bytes, p.header.bytes);
        for cut in 0..p.bytes.len() {
            assert!(unprotect(&keys, &p.bytes[..cut]).is_err(), "{cut}");
        }
        let other = super::super::quic_keys::InitialSecrets::new(&[8; 8]).keys(true);
        assert_eq!(unprotect(&other, &p.bytes), Err(PacketError::Decrypt));
    }
}
