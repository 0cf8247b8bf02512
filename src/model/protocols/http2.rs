//! HTTP/2 frames on the wire (RFC 9113 §4 and §6), written and read back byte for byte, each
//! field's place returned for the inspector, and the frames Chromium and the model's server
//! open a connection with.
//!
//! Modelled: the client connection preface (§3.4), the 9-byte frame header, DATA, HEADERS (with
//! its priority fields, RFC 9113 §6.2 / RFC 7540 §5.3, which Chromium still sends), PRIORITY
//! (§6.3), SETTINGS (and its ACK), WINDOW_UPDATE, RST_STREAM, PING and GOAWAY; other frame
//! types are kept as bytes. Header blocks are HPACK ([`crate::model::hpack`]); a block goes on in CONTINUATION
//! frames (§6.10) where quiche cuts it, at 16,383 bytes a frame ([`MAX_CONTROL_FRAME`]).
//!
//! A request with a body sends it in DATA frames after its HEADERS, the last ending the stream
//! ([`request_data_frames`]); a response's DATA frames end with an empty one, as node's do
//! ([`data_frames`]).
//!
//! Left out: padding (neither side pads), PUSH_PROMISE (Chromium turns push off), and flow
//! control's WINDOW_UPDATEs during a body (Chromium sends one only when half a window has been
//! read, `SpdySession::IncreaseRecvWindowSize`: 3 MB for a stream, 7.5 MB for the connection;
//! the model's bodies that large are shown without them).

pub use crate::model::tls_wire::Writer;
use crate::model::trace::Wire;
use std::fmt;

/// The client connection preface (§3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frame header's size (§4.1).
pub const HEADER: usize = 9;

/// SETTINGS_MAX_FRAME_SIZE's initial value (§6.5.2): neither side raises it.
pub const MAX_FRAME: usize = 16_384;

/// Frame types (§6).
pub mod ty {
    pub const DATA: u8 = 0;
    pub const HEADERS: u8 = 1;
    pub const PRIORITY: u8 = 2;
    pub const RST_STREAM: u8 = 3;
    pub const SETTINGS: u8 = 4;
    pub const PUSH_PROMISE: u8 = 5;
    pub const PING: u8 = 6;
    pub const GOAWAY: u8 = 7;
    pub const WINDOW_UPDATE: u8 = 8;
    pub const CONTINUATION: u8 = 9;
}

/// Flags (§6).
pub mod flag {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PRIORITY: u8 = 0x20;
}

/// Setting identifiers (§6.5.2).
pub mod setting {
    pub const HEADER_TABLE_SIZE: u16 = 1;
    pub const ENABLE_PUSH: u16 = 2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 3;
    pub const INITIAL_WINDOW_SIZE: u16 = 4;
    pub const MAX_FRAME_SIZE: u16 = 5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 6;
    /// RFC 8441 §3: 1 allows the extended CONNECT (`:protocol`), which carries a WebSocket.
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 8;
}

/// Error codes (§7) the model sends.
pub mod error {
    /// The stream is no longer needed.
    pub const CANCEL: u32 = 0x8;
}

/// A setting's name (§6.5.2).
pub fn setting_name(id: u16) -> &'static str {
    match id {
        setting::HEADER_TABLE_SIZE => "SETTINGS_HEADER_TABLE_SIZE",
        setting::ENABLE_PUSH => "SETTINGS_ENABLE_PUSH",
        setting::MAX_CONCURRENT_STREAMS => "SETTINGS_MAX_CONCURRENT_STREAMS",
        setting::INITIAL_WINDOW_SIZE => "SETTINGS_INITIAL_WINDOW_SIZE",
        setting::MAX_FRAME_SIZE => "SETTINGS_MAX_FRAME_SIZE",
        setting::MAX_HEADER_LIST_SIZE => "SETTINGS_MAX_HEADER_LIST_SIZE",
        setting::ENABLE_CONNECT_PROTOCOL => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        _ => "unknown setting",
    }
}

/// A HEADERS frame's priority fields (RFC 7540 §5.3; deprecated by RFC 9113 but sent by
/// Chromium). `weight` is 1–256 (the wire carries weight − 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    pub exclusive: bool,
    pub depends_on: u32,
    pub weight: u16,
}

impl Priority {
    /// The 5 bytes: the exclusive bit with the stream dependency, then the weight − 1.
    fn write(&self, w: &mut Writer, at: &str) {
        let dep = self.depends_on | if self.exclusive { 1 << 31 } else { 0 };
        w.raw(
            format!("{at}exclusive + stream dependency"),
            &dep.to_be_bytes(),
        );
        w.raw(
            format!("{at}weight"),
            &[(self.weight.clamp(1, 256) - 1) as u8],
        );
    }

    /// The fields from the first 5 bytes of `p`, if it has them.
    fn read(p: &[u8]) -> Option<Priority> {
        let d = p.get(..5)?;
        let dep = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
        Some(Priority {
            exclusive: dep >> 31 == 1,
            depends_on: dep & 0x7fff_ffff,
            weight: d[4] as u16 + 1,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Data {
        stream: u32,
        end_stream: bool,
        data: Vec<u8>,
    },
    /// A header block fragment; `end_headers` false means CONTINUATION frames follow.
    Headers {
        stream: u32,
        end_stream: bool,
        end_headers: bool,
        priority: Option<Priority>,
        block: Vec<u8>,
    },
    Continuation {
        stream: u32,
        end_headers: bool,
        block: Vec<u8>,
    },
    /// A stream's new place in the priority tree (RFC 9113 §6.3; RFC 7540 §5.3.3).
    Priority {
        stream: u32,
        priority: Priority,
    },
    Settings {
        ack: bool,
        params: Vec<(u16, u32)>,
    },
    WindowUpdate {
        stream: u32,
        increment: u32,
    },
    RstStream {
        stream: u32,
        code: u32,
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream: u32,
        code: u32,
        debug: Vec<u8>,
    },
    Other {
        ty: u8,
        flags: u8,
        stream: u32,
        payload: Vec<u8>,
    },
}

impl Frame {
    /// (type, flags, stream) of the frame header.
    fn head(&self) -> (u8, u8, u32) {
        let f = |b: bool, v: u8| if b { v } else { 0 };
        match self {
            Frame::Data {
                stream, end_stream, ..
            } => (ty::DATA, f(*end_stream, flag::END_STREAM), *stream),
            Frame::Headers {
                stream,
                end_stream,
                end_headers,
                priority,
                ..
            } => (
                ty::HEADERS,
                f(*end_stream, flag::END_STREAM)
                    | f(*end_headers, flag::END_HEADERS)
                    | f(priority.is_some(), flag::PRIORITY),
                *stream,
            ),
            Frame::Continuation {
                stream,
                end_headers,
                ..
            } => (
                ty::CONTINUATION,
                f(*end_headers, flag::END_HEADERS),
                *stream,
            ),
            Frame::Priority { stream, .. } => (ty::PRIORITY, 0, *stream),
            Frame::Settings { ack, .. } => (ty::SETTINGS, f(*ack, flag::ACK), 0),
            Frame::WindowUpdate { stream, .. } => (ty::WINDOW_UPDATE, 0, *stream),
            Frame::RstStream { stream, .. } => (ty::RST_STREAM, 0, *stream),
            Frame::Ping { ack, .. } => (ty::PING, f(*ack, flag::ACK), 0),
            Frame::GoAway { .. } => (ty::GOAWAY, 0, 0),
            Frame::Other {
                ty, flags, stream, ..
            } => (*ty, *flags, *stream),
        }
    }

    /// The frame's type as RFC 9113 names it.
    pub fn name(&self) -> &'static str {
        match self.head().0 {
            ty::DATA => "DATA",
            ty::HEADERS => "HEADERS",
            ty::PRIORITY => "PRIORITY",
            ty::RST_STREAM => "RST_STREAM",
            ty::SETTINGS => "SETTINGS",
            ty::PUSH_PROMISE => "PUSH_PROMISE",
            ty::PING => "PING",
            ty::GOAWAY => "GOAWAY",
            ty::WINDOW_UPDATE => "WINDOW_UPDATE",
            ty::CONTINUATION => "CONTINUATION",
            _ => "unknown frame",
        }
    }

    /// The frame's size on the wire.
    pub fn wire_len(&self) -> usize {
        HEADER + self.payload_len()
    }

    fn payload_len(&self) -> usize {
        match self {
            Frame::Data { data, .. } => data.len(),
            Frame::Headers {
                priority, block, ..
            } => block.len() + if priority.is_some() { 5 } else { 0 },
            Frame::Continuation { block, .. } => block.len(),
            Frame::Priority { .. } => 5,
            Frame::Settings { params, .. } => 6 * params.len(),
            Frame::WindowUpdate { .. } | Frame::RstStream { .. } => 4,
            Frame::Ping { .. } => 8,
            Frame::GoAway { debug, .. } => 8 + debug.len(),
            Frame::Other { payload, .. } => payload.len(),
        }
    }

    /// Writes the frame into `w`, its fields named under `at` (`"frame[2]."`).
    pub fn write(&self, w: &mut Writer, at: &str) {
        let (t, flags, stream) = self.head();
        let len = self.payload_len() as u32;
        w.raw(format!("{at}length"), &len.to_be_bytes()[1..]);
        w.raw(format!("{at}type ({})", self.name()), &[t]);
        w.raw(format!("{at}flags"), &[flags]);
        w.raw(format!("{at}stream"), &stream.to_be_bytes());
        match self {
            Frame::Data { data, .. } => w.raw(format!("{at}data"), data),
            Frame::Headers {
                priority, block, ..
            } => {
                if let Some(p) = priority {
                    p.write(w, at);
                }
                w.raw(format!("{at}header block (HPACK)"), block);
            }
            Frame::Priority { priority, .. } => priority.write(w, at),
            Frame::Continuation { block, .. } => w.raw(format!("{at}header block (HPACK)"), block),
            Frame::Settings { params, .. } => {
                for (id, v) in params {
                    let mut b = id.to_be_bytes().to_vec();
                    b.extend_from_slice(&v.to_be_bytes());
                    w.raw(format!("{at}{} = {v}", setting_name(*id)), &b);
                }
            }
            Frame::WindowUpdate { increment, .. } => w.raw(
                format!("{at}window size increment"),
                &increment.to_be_bytes(),
            ),
            Frame::RstStream { code, .. } => w.raw(format!("{at}error code"), &code.to_be_bytes()),
            Frame::Ping { data, .. } => w.raw(format!("{at}opaque data"), data),
            Frame::GoAway {
                last_stream,
                code,
                debug,
            } => {
                w.raw(format!("{at}last stream"), &last_stream.to_be_bytes());
                w.raw(format!("{at}error code"), &code.to_be_bytes());
                w.raw(format!("{at}debug data"), debug);
            }
            Frame::Other { payload, .. } => w.raw(format!("{at}payload"), payload),
        }
    }

    /// Reads one frame from the start of `b`; returns it and its size.
    pub fn read(b: &[u8]) -> Result<(Frame, usize), Error> {
        if b.len() < HEADER {
            return Err(Error::Truncated);
        }
        let len = u32::from_be_bytes([0, b[0], b[1], b[2]]) as usize;
        let (t, flags) = (b[3], b[4]);
        let stream = u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & 0x7fff_ffff;
        let p = b.get(HEADER..HEADER + len).ok_or(Error::Truncated)?;
        let u32_at = |i: usize| -> Result<u32, Error> {
            p.get(i..i + 4)
                .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
                .ok_or(Error::BadLength(t))
        };
        let frame = match t {
            ty::DATA if flags & 0x8 == 0 => Frame::Data {
                stream,
                end_stream: flags & flag::END_STREAM != 0,
                data: p.to_vec(),
            },
            ty::PRIORITY if len == 5 && flags == 0 => Frame::Priority {
                stream,
                priority: Priority::read(p).ok_or(Error::BadLength(t))?,
            },
            ty::HEADERS if flags & 0x8 == 0 => {
                let priority = if flags & flag::PRIORITY != 0 {
                    Some(Priority::read(p).ok_or(Error::BadLength(t))?)
                } else {
                    None
                };
                Frame::Headers {
                    stream,
                    end_stream: flags & flag::END_STREAM != 0,
                    end_headers: flags & flag::END_HEADERS != 0,
                    block: p[if priority.is_some() { 5 } else { 0 }..].to_vec(),
                    priority,
                }
            }
            ty::CONTINUATION => Frame::Continuation {
                stream,
                end_headers: flags & flag::END_HEADERS != 0,
                block: p.to_vec(),
            },
            ty::SETTINGS if len % 6 == 0 && flags & !flag::ACK == 0 => Frame::Settings {
                ack: flags & flag::ACK != 0,
                params: p
                    .chunks(6)
                    .map(|c| {
                        (
                            u16::from_be_bytes([c[0], c[1]]),
                            u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                        )
                    })
                    .collect(),
            },
            ty::WINDOW_UPDATE if len == 4 && flags == 0 => Frame::WindowUpdate {
                stream,
                increment: u32_at(0)? & 0x7fff_ffff,
            },
            ty::RST_STREAM if len == 4 && flags == 0 => Frame::RstStream {
                stream,
                code: u32_at(0)?,
            },
            ty::PING if len == 8 && flags & !flag::ACK == 0 && stream == 0 => {
                let mut data = [0; 8];
                data.copy_from_slice(p);
                Frame::Ping {
                    ack: flags & flag::ACK != 0,
                    data,
                }
            }
            ty::GOAWAY if len >= 8 && flags == 0 && stream == 0 => Frame::GoAway {
                last_stream: u32_at(0)?,
                code: u32_at(4)?,
                debug: p[8..].to_vec(),
            },
            _ => Frame::Other {
                ty: t,
                flags,
                stream,
                payload: p.to_vec(),
            },
        };
        // Whatever reads back differently (a reserved bit, a padded frame) stays as bytes.
        let mut w = Writer::default();
        frame.write(&mut w, "");
        if w.bytes != b[..HEADER + len] {
            return Ok((
                Frame::Other {
                    ty: t,
                    flags,
                    stream: u32::from_be_bytes([b[5], b[6], b[7], b[8]]),
                    payload: p.to_vec(),
                },
                HEADER + len,
            ));
        }
        Ok((frame, HEADER + len))
    }
}

/// Why bytes are not a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    Truncated,
    BadLength(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => write!(f, "the bytes end inside a frame"),
            Error::BadLength(t) => write!(f, "a frame of type {t} too short for its fields"),
        }
    }
}

/// Frames one after another into `w`, their fields named `frame[i].…`.
pub fn write_frames(w: &mut Writer, frames: &[Frame]) {
    for (i, f) in frames.iter().enumerate() {
        f.write(w, &format!("frame[{i}]."));
    }
}

/// Frames as bytes with their fields named (the inspector's view).
pub fn wire(frames: &[Frame]) -> Wire {
    let mut w = Writer::default();
    write_frames(&mut w, frames);
    w.into_wire()
}

/// The largest control frame quiche writes, its header included (`kHttp2MaxControlFrameSendSize`,
/// quiche/http2/core/spdy_protocol.h: 16,383), whatever the peer's SETTINGS_MAX_FRAME_SIZE.
pub const MAX_CONTROL_FRAME: usize = 16_383;

/// The frames of one header block as quiche's `SpdyFramer` cuts it
/// (`WritePayloadWithContinuation`): HEADERS, then CONTINUATION frames, each at most
/// [`MAX_CONTROL_FRAME`] bytes; END_HEADERS on the last.
pub fn headers_frames(
    stream: u32,
    end_stream: bool,
    priority: Option<Priority>,
    block: &[u8],
) -> Vec<Frame> {
    let first = MAX_CONTROL_FRAME - HEADER - if priority.is_some() { 5 } else { 0 };
    let (head, mut rest) = block.split_at(block.len().min(first));
    let mut out = vec![Frame::Headers {
        stream,
        end_stream,
        end_headers: rest.is_empty(),
        priority,
        block: head.to_vec(),
    }];
    while !rest.is_empty() {
        let (part, r) = rest.split_at(rest.len().min(MAX_CONTROL_FRAME - HEADER));
        rest = r;
        out.push(Frame::Continuation {
            stream,
            end_headers: rest.is_empty(),
            block: part.to_vec(),
        });
    }
    out
}

/// The size of [`headers_frames`]' frames for a block of `block` bytes, counted.
pub fn headers_len(block: usize, priority: bool) -> u64 {
    let payload = block + if priority { 5 } else { 0 };
    let per = MAX_CONTROL_FRAME - HEADER;
    (payload + HEADER * payload.div_ceil(per).max(1)) as u64
}

/// A request's body as the browser sends it: DATA frames of at most [`MAX_FRAME`] bytes, the
/// last with END_STREAM (Chromium's `SpdyHttpStream` ends the stream with its last data).
pub fn request_data_frames(stream: u32, body: &[u8]) -> Vec<Frame> {
    let n = body.len().div_ceil(MAX_FRAME).max(1);
    (0..n)
        .map(|i| Frame::Data {
            stream,
            end_stream: i + 1 == n,
            data: body[i * MAX_FRAME..((i + 1) * MAX_FRAME).min(body.len())].to_vec(),
        })
        .collect()
}

/// `payload` as DATA frames of at most [`MAX_FRAME`] bytes on `stream`, the last with
/// END_STREAM when `end`: a WebSocket frame carried over HTTP/2 (RFC 8441 §5).
pub fn tunnel_data_frames(stream: u32, payload: &[u8], end: bool) -> Vec<Frame> {
    let mut frames = request_data_frames(stream, payload);
    if let Some(Frame::Data { end_stream, .. }) = frames.last_mut() {
        *end_stream = end;
    }
    frames
}

/// The size of [`request_data_frames`]' frames for a body of `body` bytes, counted.
pub fn request_data_len(body: u64) -> u64 {
    body + HEADER as u64 * body.div_ceil(MAX_FRAME as u64).max(1)
}

/// A body as the model's server (node's `http2`) sends it: DATA frames of at most
/// [`MAX_FRAME`] bytes, then an empty DATA frame with END_STREAM — node ends a stream apart from
/// its last write, as the h2-tls recording's NetLog shows for every response
/// (`HTTP2_SESSION_RECV_DATA` of the body's size, then one of size 0 with `fin`).
pub fn data_frames(stream: u32, body: &[u8]) -> Vec<Frame> {
    let mut frames: Vec<Frame> = body
        .chunks(MAX_FRAME)
        .map(|data| Frame::Data {
            stream,
            end_stream: false,
            data: data.to_vec(),
        })
        .collect();
    frames.push(Frame::Data {
        stream,
        end_stream: true,
        data: vec![],
    });
    frames
}

/// The size of [`data_frames`]' frames for a body of `body` bytes, counted.
pub fn data_len(body: u64) -> u64 {
    body + HEADER as u64 * (body.div_ceil(MAX_FRAME as u64) + 1)
}

/// Chromium's SETTINGS (`AddDefaultHttp2Settings`, net/http/http_network_session.cc): the values
/// that differ from RFC 9113's defaults, in this order — the h2-tls recording's NetLog shows the
/// same four.
pub const CHROMIUM_SETTINGS: [(u16, u32); 4] = [
    (setting::HEADER_TABLE_SIZE, 65_536),
    (setting::ENABLE_PUSH, 0),
    (setting::INITIAL_WINDOW_SIZE, 6 * 1024 * 1024),
    (setting::MAX_HEADER_LIST_SIZE, 256 * 1024),
];

/// The connection's receive window Chromium asks for (`kDefaultInitialWindowSize`… 15 MB,
/// net/spdy/spdy_session.h), raised from RFC 9113's 65,535 by its first WINDOW_UPDATE.
pub const CHROMIUM_SESSION_WINDOW: u32 = 15 * 1024 * 1024;

/// RFC 9113 §6.9.2's initial window.
pub const DEFAULT_WINDOW: u32 = 65_535;

/// Chromium's first frames after the preface (`SpdySession::SendInitialData`,
/// net/spdy/spdy_session.cc): SETTINGS, and the WINDOW_UPDATE raising the connection's window.
pub fn chromium_initial() -> Vec<Frame> {
    vec![
        Frame::Settings {
            ack: false,
            params: CHROMIUM_SETTINGS.to_vec(),
        },
        Frame::WindowUpdate {
            stream: 0,
            increment: CHROMIUM_SESSION_WINDOW - DEFAULT_WINDOW,
        },
    ]
}

/// The model's server's first frames, as node's `http2` server (nghttp2; the h2-tls
/// recording's server) sends them: an empty SETTINGS (node passes no settings,
/// `setupHandle` in lib/internal/http2/core.js) and the ACK of the browser's. A server that
/// takes WebSockets over HTTP/2 (node's `settings: { enableConnectProtocol: true }`) says so
/// with SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3).
pub fn server_initial(connect_protocol: bool) -> Vec<Frame> {
    let params = if connect_protocol {
        vec![(setting::ENABLE_CONNECT_PROTOCOL, 1)]
    } else {
        Vec::new()
    };
    vec![
        Frame::Settings { ack: false, params },
        Frame::Settings {
            ack: true,
            params: Vec::new(),
        },
    ]
}

/// The browser's ACK of the server's SETTINGS (`SpdySession::HandleSetting`'s caller queues it
/// at once, net/spdy/spdy_session.cc).
pub fn settings_ack() -> Frame {
    Frame::Settings {
        ack: true,
        params: Vec::new(),
    }
}

/// Chromium's priority fields for a request of `priority` (net/spdy/spdy_session.cc,
/// `ConvertRequestPriorityToSpdyPriority` then `Spdy3PriorityToHttp2Weight`,
/// quiche/http2/core/spdy_protocol.cc): the SPDY/3 priority 0–7 spread over weights 1–256 —
/// 256 for `Highest` down to 74 for `Throttled` (the recording shows 256 and 147).
pub fn weight(priority: crate::model::pool::Priority) -> u16 {
    spdy_weight(priority.below_highest())
}

/// The weight of a SPDY/3 priority (0 the highest; `Spdy3PriorityToHttp2Weight`).
pub fn spdy_weight(spdy: u8) -> u16 {
    // 255 / 7 steps between the highest weight and the lowest.
    let steps = (256.0 - 1.0) / 7.0;
    (256.0 - spdy as f64 * steps).round() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut all = chromium_initial();
        all.extend(headers_frames(
            1,
            true,
            Some(Priority {
                exclusive: true,
                depends_on: 0,
                weight: 256,
            }),
            &[0x82; 40_000],
        ));
        all.extend(data_frames(1, &[7; 40_000]));
        all.push(Frame::Settings {
            ack: true,
            params: vec![],
        });
        let mut w = Writer::default();
        write_frames(&mut w, &all);
        assert_eq!(
            w.bytes.len() as u64,
            33 + 13 + headers_len(40_000, true) + data_len(40_000) + 9
        );
        let (mut at, mut back) = (0, Vec::new());
        while at < w.bytes.len() {
            let (f, n) = Frame::read(&w.bytes[at..]).unwrap();
            back.push(f);
            at += n;
        }
        assert_eq!(back, all);
    }

    #[test]
    fn chromium_opens_as_recorded() {
        let mut w = Writer::default();
        write_frames(&mut w, &chromium_initial());
        // SETTINGS 9 + 24, WINDOW_UPDATE 9 + 4, and the preface: 70 bytes, in one TLS record
        // of 92 (the h2-tls recording's third SOCKET_BYTES_SENT, after ClientHello and Finished).
        assert_eq!(PREFACE.len() + w.bytes.len(), 70);
        assert_eq!(weight(crate::model::pool::Priority::Highest), 256);
        assert_eq!(weight(crate::model::pool::Priority::Lowest), 147);
    }
}

/// The frames as the trace's events hold them.
pub mod present {
    use super::{setting_name, Frame, Priority, PREFACE};
    use crate::model::cache::Headers;
    use crate::model::hpack::Block;
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    /// `http.settings`: frames of the connection itself — the browser's preface, SETTINGS and
    /// WINDOW_UPDATE, the server's SETTINGS and ACK, the browser's ACK.
    #[derive(Clone, Debug)]
    pub struct Control {
        pub from_client: bool,
        pub preface: bool,
        pub frames: Vec<Frame>,
    }

    impl Control {
        /// Its bytes: the preface, if it opens the connection, then the frames.
        pub fn bytes(&self) -> super::Writer {
            let mut w = super::Writer::default();
            if self.preface {
                w.raw("connection preface", PREFACE);
            }
            super::write_frames(&mut w, &self.frames);
            w
        }
    }

    impl Detail for Control {
        fn summary(&self) -> Cow<'static, str> {
            let names: Vec<String> = self.frames.iter().map(describe).collect();
            let mut s = String::from(if self.preface { "HTTP/2 preface, " } else { "" });
            s.push_str(&names.join(" and "));
            if self.preface {
                s.push_str(" in one packet");
            }
            s.into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = Vec::new();
            if self.preface {
                f.push(Field::new(
                    "preface",
                    "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n (24 bytes)",
                ));
            }
            for fr in &self.frames {
                match fr {
                    Frame::Settings { ack: false, params } if !params.is_empty() => {
                        for (id, v) in params {
                            f.push(Field::new(setting_name(*id), v.to_string()));
                        }
                    }
                    Frame::WindowUpdate { stream, increment } => f.push(Field::new(
                        "WINDOW_UPDATE",
                        format!(
                            "stream {stream}, +{increment} (the connection's window to {} bytes)",
                            increment + super::DEFAULT_WINDOW
                        ),
                    )),
                    other => f.push(Field::new(other.name(), describe(other))),
                }
            }
            let size = self.bytes().bytes.len();
            f.push(Field::new("size", format!("{size} bytes")));
            f
        }
    }

    fn describe(f: &Frame) -> String {
        match f {
            Frame::Settings { ack: true, .. } => "SETTINGS ACK".into(),
            Frame::Settings { params, .. } if params.is_empty() => {
                "SETTINGS (empty: every setting at RFC 9113's default)".into()
            }
            Frame::Settings { params, .. }
                if params.contains(&(super::setting::ENABLE_CONNECT_PROTOCOL, 1)) =>
            {
                "SETTINGS (SETTINGS_ENABLE_CONNECT_PROTOCOL = 1: WebSockets may come as streams)"
                    .into()
            }
            Frame::Priority { stream, priority } => format!(
                "PRIORITY: stream {stream} now depends on {} (exclusive, weight {})",
                match priority.depends_on {
                    0 => "the root".to_string(),
                    s => format!("stream {s}"),
                },
                priority.weight
            ),
            Frame::Data {
                stream,
                end_stream: true,
                data,
            } if data.is_empty() => format!("DATA on stream {stream}: empty, with END_STREAM"),
            Frame::RstStream {
                stream,
                code: super::error::CANCEL,
            } => format!("RST_STREAM on stream {stream}: CANCEL"),
            other => other.name().into(),
        }
    }

    /// A request's HEADERS: its HPACK block and priority fields (the request itself is the
    /// event's [`crate::model::load::Sent`]).
    #[derive(Clone, Debug, PartialEq)]
    pub struct Request {
        pub stream: u32,
        pub priority: Priority,
        pub block: Rc<Block>,
        /// The body's length: DATA frames follow the HEADERS when it is not zero
        /// ([`super::request_data_frames`]), else the HEADERS end the stream…
        pub body: u64,
        /// … unless the stream stays open for what follows: an extended CONNECT's (RFC 8441
        /// §4), whose DATA frames carry a WebSocket's.
        pub tunnel: bool,
    }

    impl Request {
        /// Its HEADERS (and CONTINUATION) frames.
        pub fn frames(&self) -> Vec<Frame> {
            let end_stream = self.body == 0 && !self.tunnel;
            super::headers_frames(
                self.stream,
                end_stream,
                Some(self.priority),
                &self.block.bytes,
            )
        }

        /// The bytes it takes: its HEADERS, and its body's DATA frames.
        pub fn wire_len(&self) -> u64 {
            let data = if self.body > 0 {
                super::request_data_len(self.body)
            } else {
                0
            };
            super::headers_len(self.block.bytes.len(), true) + data
        }

        pub fn fields(&self) -> Vec<Field> {
            let p = self.priority;
            vec![
                Field::new(
                    "priority (HEADERS)",
                    format!(
                        "weight {}, depends on stream {}{}",
                        p.weight,
                        p.depends_on,
                        if p.exclusive { ", exclusive" } else { "" }
                    ),
                ),
                Field::new(
                    "HPACK",
                    format!("{} bytes of header block", self.block.bytes.len()),
                ),
            ]
        }
    }

    /// `http.response` over HTTP/2: the response's HEADERS on its stream.
    #[derive(Clone, Debug)]
    pub struct ResponseHead {
        pub stream: u32,
        pub status: u16,
        /// The fields as the frame lists them (`:status` first, names in lower case).
        pub headers: Headers,
        pub block: Rc<Block>,
        /// The body's length (DATA frames follow when it is not zero).
        pub body: u64,
        /// The stream stays open after the HEADERS, its length unknown: an event stream's, or
        /// a WebSocket's `200` to an extended CONNECT (RFC 8441 §5).
        pub open: bool,
    }

    impl ResponseHead {
        pub fn frames(&self) -> Vec<Frame> {
            let end_stream = self.body == 0 && !self.open;
            super::headers_frames(self.stream, end_stream, None, &self.block.bytes)
        }
    }

    impl Detail for ResponseHead {
        fn summary(&self) -> Cow<'static, str> {
            format!("HEADERS on stream {}: {}", self.stream, self.status).into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f: Vec<Field> = self
                .headers
                .0
                .iter()
                .map(|(n, v)| Field::new(n.clone(), v.clone()))
                .collect();
            f.push(Field::new(
                "HPACK",
                format!("{} bytes of header block", self.block.bytes.len()),
            ));
            f
        }
    }
}
