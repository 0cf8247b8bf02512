//! The WebSocket protocol (RFC 6455): the opening handshake's key and accept values, and frames
//! on the wire both ways.
//!
//! Modelled: `Sec-WebSocket-Key` as 16 random bytes in base64 (§4.1) and the server's
//! `Sec-WebSocket-Accept`, the SHA-1 of the key and the protocol's GUID in base64 (§4.2.2);
//! frames (§5.2) with FIN, the opcode, the mask bit, the payload length in 7, 16 or 64 bits, the
//! masking key and the payload masked with it (§5.3: every frame the browser sends, none the
//! server sends); close frames' status code and reason (§5.5.1).
//!
//! Left out: extensions (permessage-deflate, RFC 7692, which Chromium offers: the model's
//! servers decline it, so RSV1 stays clear) and fragmented messages (each message is one frame).

use sha1::{Digest, Sha1};

/// RFC 6455 §1.3: the GUID the server appends to the key before hashing it.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// RFC 6455 §1.3's example key, whose accept value is `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
pub const SAMPLE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A control frame carries at most 125 bytes (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The key a browser sends: its 16 random bytes in base64 (RFC 6455 §4.1, item 7).
pub fn key(nonce: [u8; 16]) -> String {
    crate::model::text::base64(&nonce)
}

/// The accept value a server answers `key` with (RFC 6455 §4.2.2, item 5.4).
pub fn accept(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(GUID.as_bytes());
    crate::model::text::base64(&h.finalize())
}

/// A frame's opcode (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opcode {
    Continuation,
    Text,
    Binary,
    Close,
    Ping,
    Pong,
}

impl Opcode {
    pub fn code(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    fn of(code: u8) -> Option<Opcode> {
        Some(match code {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Opcode::Continuation => "continuation",
            Opcode::Text => "text",
            Opcode::Binary => "binary",
            Opcode::Close => "close",
            Opcode::Ping => "ping",
            Opcode::Pong => "pong",
        }
    }

    pub fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}

/// One frame, its payload unmasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub opcode: Opcode,
    /// The masking key, on a frame the browser sends.
    pub mask: Option<[u8; 4]>,
    pub payload: Vec<u8>,
}

impl Frame {
    /// A close frame's payload: the status code, then the reason in UTF-8 (RFC 6455 §5.5.1).
    pub fn close(code: u16, reason: &str, mask: Option<[u8; 4]>) -> Frame {
        let mut payload = code.to_be_bytes().to_vec();
        // The reason fits the control frame's 125 bytes with the code, cut between characters.
        let mut n = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
        while !reason.is_char_boundary(n) {
            n -= 1;
        }
        payload.extend_from_slice(&reason.as_bytes()[..n]);
        Frame {
            fin: true,
            opcode: Opcode::Close,
            mask,
            payload,
        }
    }

    /// The frame's bytes on the wire (RFC 6455 §5.2).
    pub fn encode(&self) -> Vec<u8> {
        let len = self.payload.len();
        let mut out = Vec::with_capacity(len + 14);
        out.push(u8::from(self.fin) << 7 | self.opcode.code());
        let mask_bit = u8::from(self.mask.is_some()) << 7;
        if len < 126 {
            out.push(mask_bit | len as u8);
        } else if len <= 0xffff {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
        match self.mask {
            Some(key) => {
                out.extend_from_slice(&key);
                out.extend(masked(&self.payload, key));
            }
            None => out.extend_from_slice(&self.payload),
        }
        out
    }

    /// How many bytes a frame of `payload` bytes takes: its header (2 to 14 bytes) and payload.
    pub fn wire_len(payload: u64, masked: bool) -> u64 {
        let ext = match payload {
            0..126 => 0,
            126..=0xffff => 2,
            _ => 8,
        };
        (2 + ext + if masked { 4u64 } else { 0 }).saturating_add(payload)
    }

    /// A close frame's status code and reason, if it has them.
    pub fn close_status(&self) -> Option<(u16, &[u8])> {
        let p = self.payload.get(..2)?;
        Some((u16::from_be_bytes([p[0], p[1]]), &self.payload[2..]))
    }
}

/// The payload XORed with the masking key (RFC 6455 §5.3): masking and unmasking alike.
pub fn masked(payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    (payload.iter().enumerate())
        .map(|(i, b)| b ^ key[i % 4])
        .collect()
}

/// Why bytes are not a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// More bytes are needed.
    Short,
    /// RSV bits set with no extension that defines them (§5.2).
    Reserved,
    /// An opcode §5.2 reserves.
    Opcode(u8),
    /// A control frame fragmented or longer than 125 bytes (§5.5).
    Control,
    /// Longer than `limit` bytes.
    TooLong(u64),
    /// A length written in more bytes than it needs, or a 64-bit one with its top bit set
    /// (§5.2: "the minimal number of bytes MUST be used"); Chromium fails the connection.
    Length,
}

/// Reads one frame at the start of `b`, no longer than `limit` bytes of payload; returns it and
/// how many bytes it took.
pub fn decode(b: &[u8], limit: u64) -> Result<(Frame, usize), Malformed> {
    let (&b0, &b1) = (
        b.first().ok_or(Malformed::Short)?,
        b.get(1).ok_or(Malformed::Short)?,
    );
    if b0 & 0x70 != 0 {
        return Err(Malformed::Reserved);
    }
    let opcode = Opcode::of(b0 & 0x0f).ok_or(Malformed::Opcode(b0 & 0x0f))?;
    let fin = b0 & 0x80 != 0;
    let (len, mut at) = match b1 & 0x7f {
        126 => (u64::from(u16::from_be_bytes(two(b, 2)?)), 4),
        127 => {
            let x = b.get(2..10).ok_or(Malformed::Short)?;
            (
                u64::from_be_bytes(x.try_into().map_err(|_| Malformed::Short)?),
                10,
            )
        }
        n => (u64::from(n), 2),
    };
    let minimal = match at {
        4 => len >= 126,
        10 => len > 0xffff && len >> 63 == 0,
        _ => true,
    };
    if !minimal {
        return Err(Malformed::Length);
    }
    if opcode.is_control() && (!fin || len > MAX_CONTROL_PAYLOAD as u64) {
        return Err(Malformed::Control);
    }
    if len > limit {
        return Err(Malformed::TooLong(len));
    }
    let mask = if b1 & 0x80 != 0 {
        let k = b.get(at..at + 4).ok_or(Malformed::Short)?;
        at += 4;
        Some([k[0], k[1], k[2], k[3]])
    } else {
        None
    };
    let end = (usize::try_from(len).ok())
        .and_then(|n| at.checked_add(n))
        .ok_or(Malformed::TooLong(len))?;
    let body = b.get(at..end).ok_or(Malformed::Short)?;
    let payload = match mask {
        Some(k) => masked(body, k),
        None => body.to_vec(),
    };
    let frame = Frame {
        fin,
        opcode,
        mask,
        payload,
    };
    Ok((frame, end))
}

fn two(b: &[u8], at: usize) -> Result<[u8; 2], Malformed> {
    let x = b.get(at..at + 2).ok_or(Malformed::Short)?;
    Ok([x[0], x[1]])
}

/// What the trace shows of a frame.
pub mod present {
    use super::{Frame, Opcode};
    use crate::model::text::shorten;
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;

    /// `ws.open`: the browser's check of the handshake's answer.
    #[derive(Clone, Debug)]
    pub struct Opened {
        pub key: String,
        pub accept: String,
    }

    impl Detail for Opened {
        fn summary(&self) -> Cow<'static, str> {
            format!(
                "Sec-WebSocket-Accept {} is the key's: the WebSocket is open",
                self.accept
            )
            .into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("Sec-WebSocket-Key", &self.key),
                Field::new("GUID", super::GUID).spec("RFC 6455 §1.3"),
                Field::new("base64(SHA-1(key + GUID))", &self.accept).spec("RFC 6455 §4.2.2"),
            ]
        }
    }

    /// `ws.frame`: one frame, who sent it, and its bytes.
    #[derive(Clone, Debug)]
    pub struct Framed {
        pub frame: Frame,
        /// Sent by the browser (masked).
        pub from_browser: bool,
        /// For a binary message the model does not spell out: its length alone.
        pub stand_in: Option<u64>,
        /// What the receiving side does with it.
        pub note: Option<Cow<'static, str>>,
        /// Over HTTP/2, its DATA frame ends the sender's side of the stream (END_STREAM):
        /// a close frame's.
        pub end_stream: bool,
    }

    impl Framed {
        /// The payload's length as sent.
        pub fn payload_len(&self) -> u64 {
            self.stand_in.unwrap_or(self.frame.payload.len() as u64)
        }

        pub fn wire_len(&self) -> u64 {
            Frame::wire_len(self.payload_len(), self.frame.mask.is_some())
        }
    }

    impl Detail for Framed {
        fn summary(&self) -> Cow<'static, str> {
            let f = &self.frame;
            let what = match f.opcode {
                Opcode::Text => format!(
                    "text {:?}",
                    shorten(&String::from_utf8_lossy(&f.payload), 60)
                ),
                Opcode::Close => match f.close_status() {
                    Some((code, reason)) => format!(
                        "close {code}{}",
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(" {:?}", String::from_utf8_lossy(reason))
                        }
                    ),
                    None => "close, no status".into(),
                },
                op => format!("{} of {} bytes", op.name(), self.payload_len()),
            };
            let masked = if f.mask.is_some() { ", masked" } else { "" };
            format!("{what} ({} bytes{masked})", self.wire_len()).into()
        }

        fn fields(&self) -> Vec<Field> {
            let f = &self.frame;
            let mut out = vec![
                Field::new("FIN", u8::from(f.fin)).spec("RFC 6455 §5.2"),
                Field::new(
                    "opcode",
                    format_args!("{:#x} ({})", f.opcode.code(), f.opcode.name()),
                ),
                Field::new("MASK", u8::from(f.mask.is_some())),
                Field::new("payload length", self.payload_len()),
            ];
            if let Some(k) = f.mask {
                out.push(
                    Field::new(
                        "masking key",
                        format_args!("{:02x}{:02x}{:02x}{:02x}", k[0], k[1], k[2], k[3]),
                    )
                    .spec("RFC 6455 §5.3"),
                );
            }
            if let Some(n) = &self.note {
                out.push(Field::new("then", n));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfcs_sample_key_is_accepted_as_it_says() {
        // RFC 6455 §1.3.
        assert_eq!(accept(SAMPLE_KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(key(*b"the sample nonce"), SAMPLE_KEY);
    }

    #[test]
    fn the_rfcs_example_frames_encode_and_decode() {
        // RFC 6455 §5.7: "Hello", unmasked and masked with 37 fa 21 3d.
        let hello = Frame {
            fin: true,
            opcode: Opcode::Text,
            mask: None,
            payload: b"Hello".to_vec(),
        };
        assert_eq!(hello.encode(), [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        let masked = Frame {
            mask: Some([0x37, 0xfa, 0x21, 0x3d]),
            ..hello.clone()
        };
        let bytes = masked.encode();
        assert_eq!(
            bytes,
            [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        assert_eq!(decode(&bytes, 1 << 20), Ok((masked, 11)));
        // 256 bytes of binary: a 16-bit length; 64 KiB: a 64-bit one.
        let big = |n: usize| Frame {
            fin: true,
            opcode: Opcode::Binary,
            mask: None,
            payload: vec![0; n],
        };
        assert_eq!(big(256).encode()[..4], [0x82, 0x7e, 0x01, 0x00]);
        assert_eq!(
            big(65536).encode()[..10],
            [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]
        );
        assert_eq!(Frame::wire_len(65536, true), 65536 + 14);
        assert_eq!(
            decode(&big(65536).encode(), 1000),
            Err(Malformed::TooLong(65536))
        );
    }

    #[test]
    fn broken_frames_are_refused() {
        assert_eq!(decode(&[0x81], 10), Err(Malformed::Short));
        assert_eq!(decode(&[0xc1, 0], 10), Err(Malformed::Reserved));
        assert_eq!(decode(&[0x83, 0], 10), Err(Malformed::Opcode(3)));
        assert_eq!(decode(&[0x09, 0], 10), Err(Malformed::Control));
        assert_eq!(decode(&[0x89, 126, 0, 126], 1000), Err(Malformed::Control));
        assert_eq!(decode(&[0x81, 0x85, 1, 2], 10), Err(Malformed::Short));
        assert_eq!(
            decode(&[0x81, 126, 0, 5, 1, 2, 3, 4, 5], 10),
            Err(Malformed::Length)
        );
        assert_eq!(
            decode(&[0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0], 1 << 20),
            Err(Malformed::Length)
        );
    }

    #[test]
    fn a_close_frame_carries_its_code_and_reason() {
        let f = Frame::close(1000, "bye", Some([1, 2, 3, 4]));
        let (back, _) = decode(&f.encode(), 125).expect("decodes");
        assert_eq!(back.close_status(), Some((1000, &b"bye"[..])));
        // A long reason is cut between characters, within the control frame's 125 bytes.
        let long = Frame::close(4000, &"é".repeat(100), None);
        assert_eq!(long.payload.len(), 2 + 122);
        assert!(std::str::from_utf8(&long.payload[2..]).is_ok());
    }
}
