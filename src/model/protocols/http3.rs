//! HTTP/3 frames and streams on the wire (RFC 9114): each frame a type and a length as QUIC
//! variable-length integers, then its payload (§7.1); the unidirectional streams each side
//! opens, named by a first byte (§6.2); and what Chromium's client sends on its control stream.
//!
//! Chromium (quiche's `QuicSpdySession`,
//! https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/http/quic_spdy_session.cc)
//! opens its control stream first (stream 2), then the QPACK decoder stream (6) and the encoder
//! stream (10), whose type bytes go out with their first write. The control stream carries
//! SETTINGS sorted by id — QPACK_MAX_TABLE_CAPACITY 65,536, MAX_FIELD_SECTION_SIZE 262,144
//! (`kQuicMaxHeaderListSize`), QPACK_BLOCKED_STREAMS 100, H3_DATAGRAM 1 and one GREASE setting
//! (id 0x1f × N + 0x21, §7.2.4.1) — then a GREASE frame of 0 to 3 bytes (§7.2.8). A request
//! whose priority is not the default (urgency 3, not incremental) is preceded by a
//! PRIORITY_UPDATE frame on the control stream (RFC 9218 §7.2).
//!
//! Left out: server push (PUSH_PROMISE, CANCEL_PUSH, MAX_PUSH_ID), and the GOAWAY of a
//! connection's end.

use super::quic_packet::{read_varint, varint};
use super::tls_wire::Writer;
use crate::model::rng::Rng;
use crate::model::trace::Wire;
use std::fmt;

/// The first byte of each unidirectional stream (§6.2, RFC 9204 §4.2).
pub mod stream_type {
    pub const CONTROL: u64 = 0x00;
    pub const PUSH: u64 = 0x01;
    pub const QPACK_ENCODER: u64 = 0x02;
    pub const QPACK_DECODER: u64 = 0x03;
}

/// Frame types (§7.2, RFC 9218 §7.2).
pub mod frame_type {
    pub const DATA: u64 = 0x00;
    pub const HEADERS: u64 = 0x01;
    pub const SETTINGS: u64 = 0x04;
    pub const GOAWAY: u64 = 0x07;
    pub const PRIORITY_UPDATE_REQUEST: u64 = 0xf0700;
}

/// Settings (§7.2.4.1, RFC 9204 §5, RFC 9297 §2.1.1).
pub mod setting {
    pub const QPACK_MAX_TABLE_CAPACITY: u64 = 0x01;
    pub const MAX_FIELD_SECTION_SIZE: u64 = 0x06;
    pub const QPACK_BLOCKED_STREAMS: u64 = 0x07;
    pub const H3_DATAGRAM: u64 = 0x33;
}

/// A setting's name, or GREASE for a reserved id.
pub fn setting_name(id: u64) -> &'static str {
    match id {
        setting::QPACK_MAX_TABLE_CAPACITY => "SETTINGS_QPACK_MAX_TABLE_CAPACITY",
        setting::MAX_FIELD_SECTION_SIZE => "SETTINGS_MAX_FIELD_SECTION_SIZE",
        setting::QPACK_BLOCKED_STREAMS => "SETTINGS_QPACK_BLOCKED_STREAMS",
        setting::H3_DATAGRAM => "SETTINGS_H3_DATAGRAM",
        i if reserved(i) => "GREASE",
        _ => "unknown setting",
    }
}

/// A reserved id (0x1f × N + 0x21): frame types and settings a receiver ignores (§7.2.8,
/// §7.2.4.1).
fn reserved(id: u64) -> bool {
    id >= 0x21 && (id - 0x21) % 0x1f == 0
}

/// A reserved id drawn from `rng`, below 2^62.
fn grease_id(rng: &mut Rng) -> u64 {
    let n = rng.next_u64() % (((1u64 << 62) - 0x21) / 0x1f);
    0x1f * n + 0x21
}

/// The frames the model sends or reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `len` bytes of body.
    Data {
        len: u64,
    },
    /// A QPACK-encoded field section (RFC 9204 §4.5).
    Headers {
        block: Vec<u8>,
    },
    Settings(Vec<(u64, u64)>),
    Goaway(u64),
    /// RFC 9218 §7.2: a request stream's new priority, as a Priority field value.
    PriorityUpdate {
        stream: u64,
        value: String,
    },
    /// A frame of a reserved type, which the receiver ignores.
    Reserved {
        typ: u64,
        payload: Vec<u8>,
    },
}

impl Frame {
    fn typ(&self) -> u64 {
        match self {
            Frame::Data { .. } => frame_type::DATA,
            Frame::Headers { .. } => frame_type::HEADERS,
            Frame::Settings(_) => frame_type::SETTINGS,
            Frame::Goaway(_) => frame_type::GOAWAY,
            Frame::PriorityUpdate { .. } => frame_type::PRIORITY_UPDATE_REQUEST,
            Frame::Reserved { typ, .. } => *typ,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Frame::Data { .. } => "DATA",
            Frame::Headers { .. } => "HEADERS",
            Frame::Settings(_) => "SETTINGS",
            Frame::Goaway(_) => "GOAWAY",
            Frame::PriorityUpdate { .. } => "PRIORITY_UPDATE",
            Frame::Reserved { .. } => "reserved (GREASE)",
        }
    }

    /// The payload's bytes (a DATA frame's body is not held: its length only).
    fn payload(&self) -> Vec<u8> {
        match self {
            Frame::Data { .. } => Vec::new(),
            Frame::Headers { block } => block.clone(),
            Frame::Settings(s) => s
                .iter()
                .flat_map(|(i, v)| [varint(*i), varint(*v)])
                .flatten()
                .collect(),
            Frame::Goaway(id) => varint(*id),
            Frame::PriorityUpdate { stream, value } => {
                let mut p = varint(*stream);
                p.extend_from_slice(value.as_bytes());
                p
            }
            Frame::Reserved { payload, .. } => payload.clone(),
        }
    }

    fn payload_len(&self) -> u64 {
        match self {
            Frame::Data { len } => *len,
            f => f.payload().len() as u64,
        }
    }

    /// The frame's bytes on the wire, its payload included.
    pub fn wire_len(&self) -> u64 {
        let n = self.payload_len();
        (varint(self.typ()).len() + varint(n).len()) as u64 + n
    }

    /// Writes the frame, its fields named `at.…`; a DATA frame's body as `len` zero bytes
    /// (the capture fills in the body's stand-in).
    pub fn write(&self, w: &mut Writer, at: &str) {
        w.raw(format!("{at}.type"), &varint(self.typ()));
        w.raw(format!("{at}.length"), &varint(self.payload_len()));
        match self {
            Frame::Data { len } => w.raw(format!("{at}.data"), &vec![0; *len as usize]),
            Frame::Settings(s) => {
                for (i, (id, v)) in s.iter().enumerate() {
                    w.raw(format!("{at}.setting[{i}].identifier"), &varint(*id));
                    w.raw(format!("{at}.setting[{i}].value"), &varint(*v));
                }
            }
            f => {
                let p = f.payload();
                if !p.is_empty() {
                    w.raw(format!("{at}.payload"), &p);
                }
            }
        }
    }

    /// The frame at the start of `b` and its length on the wire.
    pub fn read(b: &[u8]) -> Result<(Frame, usize), Error> {
        let (typ, a) = read_varint(b).ok_or(Error::Short)?;
        let (len, c) = read_varint(&b[a..]).ok_or(Error::Short)?;
        let start = a + c;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|e| *e <= b.len())
            .ok_or(Error::Short)?;
        let p = &b[start..end];
        let f = match typ {
            frame_type::DATA => Frame::Data { len },
            frame_type::HEADERS => Frame::Headers { block: p.to_vec() },
            frame_type::SETTINGS => Frame::Settings(settings(p)?),
            frame_type::GOAWAY => Frame::Goaway(whole_varint(p)?),
            frame_type::PRIORITY_UPDATE_REQUEST => {
                let (stream, n) = read_varint(p).ok_or(Error::Malformed("PRIORITY_UPDATE"))?;
                let value = String::from_utf8(p[n..].to_vec())
                    .map_err(|_| Error::Malformed("PRIORITY_UPDATE"))?;
                Frame::PriorityUpdate { stream, value }
            }
            t if reserved(t) => Frame::Reserved {
                typ: t,
                payload: p.to_vec(),
            },
            _ => return Err(Error::Unsupported(typ)),
        };
        Ok((f, end))
    }
}

fn whole_varint(p: &[u8]) -> Result<u64, Error> {
    match read_varint(p) {
        Some((v, n)) if n == p.len() => Ok(v),
        _ => Err(Error::Malformed("GOAWAY")),
    }
}

fn settings(mut p: &[u8]) -> Result<Vec<(u64, u64)>, Error> {
    let mut out = Vec::new();
    while !p.is_empty() {
        let (id, a) = read_varint(p).ok_or(Error::Malformed("SETTINGS"))?;
        let (v, b) = read_varint(&p[a..]).ok_or(Error::Malformed("SETTINGS"))?;
        out.push((id, v));
        p = &p[a + b..];
    }
    Ok(out)
}

/// Why bytes are not the frames this model reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    Short,
    Malformed(&'static str),
    /// A frame type the model does not read (push frames, HTTP/2's types).
    Unsupported(u64),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Short => f.write_str("the bytes end inside a frame"),
            Error::Malformed(what) => write!(f, "a malformed {what} frame"),
            Error::Unsupported(t) => write!(f, "frame type 0x{t:x} is not modelled"),
        }
    }
}

/// Chromium's SETTINGS, sorted by id, with one GREASE setting drawn from `rng` (module doc).
pub fn chromium_settings(rng: &mut Rng) -> Vec<(u64, u64)> {
    let mut s = vec![
        (setting::QPACK_MAX_TABLE_CAPACITY, 65_536),
        (setting::MAX_FIELD_SECTION_SIZE, 256 * 1024),
        (setting::QPACK_BLOCKED_STREAMS, 100),
        (setting::H3_DATAGRAM, 1),
        (grease_id(rng), rng.next_u32().into()),
    ];
    s.sort_by_key(|(id, _)| *id);
    s
}

/// The bytes Chromium's client writes first on its control stream: the stream's type, its
/// SETTINGS, then a GREASE frame of 0 to 3 random bytes (module doc).
pub fn chromium_control_stream(rng: &mut Rng) -> Wire {
    let mut w = Writer::default();
    w.raw("stream_type", &varint(stream_type::CONTROL));
    Frame::Settings(chromium_settings(rng)).write(&mut w, "frame[0]");
    let typ = grease_id(rng);
    let payload = (0..rng.next_u32() % 4)
        .map(|_| rng.next_u32() as u8)
        .collect();
    Frame::Reserved { typ, payload }.write(&mut w, "frame[1]");
    w.into_wire()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromiums_control_stream_reads_back() {
        let w = chromium_control_stream(&mut Rng::new(7));
        assert_eq!(w.bytes[0], 0x00, "the control stream's type");
        let (settings, n) = Frame::read(&w.bytes[1..]).expect("SETTINGS");
        let Frame::Settings(s) = &settings else {
            panic!("{settings:?}")
        };
        let names: Vec<&str> = s.iter().map(|(id, _)| setting_name(*id)).collect();
        let known: Vec<&str> = names.iter().copied().filter(|n| *n != "GREASE").collect();
        assert_eq!(
            known,
            [
                "SETTINGS_QPACK_MAX_TABLE_CAPACITY",
                "SETTINGS_MAX_FIELD_SECTION_SIZE",
                "SETTINGS_QPACK_BLOCKED_STREAMS",
                "SETTINGS_H3_DATAGRAM"
            ]
        );
        assert_eq!(names.len(), 5, "and one GREASE setting");
        assert!(s.windows(2).all(|w| w[0].0 < w[1].0), "sorted by id");
        assert!(s.contains(&(setting::MAX_FIELD_SECTION_SIZE, 262_144)));
        let (grease, m) = Frame::read(&w.bytes[1 + n..]).expect("GREASE frame");
        assert_eq!(grease.name(), "reserved (GREASE)");
        assert_eq!(1 + n + m, w.bytes.len());
        assert_eq!(settings.wire_len() as usize, n);
    }

    #[test]
    fn frames_round_trip_and_cuts_are_errors() {
        let frames = [
            Frame::Headers {
                block: vec![0, 0, 0xd1],
            },
            Frame::Data { len: 5 },
            Frame::Goaway(4),
            Frame::PriorityUpdate {
                stream: 0,
                value: "u=0, i".into(),
            },
        ];
        for f in frames {
            let mut w = Writer::default();
            f.write(&mut w, "f");
            assert_eq!(Frame::read(&w.bytes), Ok((f.clone(), w.bytes.len())));
            assert_eq!(f.wire_len() as usize, w.bytes.len());
            for cut in 0..w.bytes.len() {
                assert!(Frame::read(&w.bytes[..cut]).is_err(), "{f:?} cut at {cut}");
            }
        }
        assert_eq!(Frame::read(&[0x02, 0x00]), Err(Error::Unsupported(2)));
    }
}
