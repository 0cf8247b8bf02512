//! A connection's events as packets: its TCP segments, TLS records, HTTP/1.1 messages and
//! HTTP/2 frames
//! (the module doc of [`super`] says how each is made and stamped).

use super::{ms, tls13::Tls, CaptureError, Conn, Walk};
use crate::model::cache::Headers;
use crate::model::http::present::Body;
use crate::model::load::Sent as SentRequest;
use crate::model::tcp;
use crate::model::tcp_stream::{Endpoint, Stream};
use crate::model::time::{Duration, Instant};
use crate::model::tls::present::Record;
use crate::model::tls_record::Sent;
use crate::model::trace::{Event, Wire, WireField};
use std::rc::Rc;

/// The largest body the capture writes: a page scenario may claim any size (up to 1 TiB), and
/// the capture holds every byte.
pub const MAX_BODY: u64 = 64 << 20;

/// The browser acknowledges every second full segment it receives (RFC 9293 §3.8.6.3's delayed
/// acknowledgment; Linux's quick-ack mode, which acknowledges each one for a connection's first
/// segments, is left out) and what is left at a burst's end.
const ACK_EVERY: u32 = 2;

/// Why a server write that overlaps the previous one is refused (the engine makes none: an
/// HTTP/2 connection's responses leave one after another).
const OVERLAP: &str =
    "a server write that starts before its previous one has arrived (their frames would have to be interleaved)";

/// A burst of the server's, waiting to be written ([`Walk::write`]).
pub(super) struct Queued {
    at: Instant,
    bytes: Vec<u8>,
    step: String,
    /// The event it belongs to (the inspector shows its packets there).
    seq: u32,
}

/// The stand-in for a body the model knows only the length of (module doc of [`super`]): a
/// comment naming it, then spaces — for `image/jpeg` inside the comment segments of a real
/// one-pixel JPEG, so that a viewer or a dissector reading the image finds a well-formed one.
pub fn stand_in(len: usize, what: &str) -> Vec<u8> {
    let note = format!("<!-- wirewalk: the model's stand-in for {len} bytes of {what} -->\n");
    if what.starts_with("image/jpeg") && len >= JFIF_HEAD.len() + 4 + PIXEL_JPEG.len() {
        return jpeg_stand_in(len, note.as_bytes());
    }
    if what.starts_with("image/png") && len >= PNG_FIXED + note.len() {
        return png_stand_in(len, note.as_bytes());
    }
    let mut b = note.into_bytes();
    b.resize(len, b' ');
    b.truncate(len);
    b
}

/// A PNG's bytes besides its comment's text: the signature, IHDR, the tEXt chunk's framing and
/// its keyword, IDAT and IEND.
const PNG_FIXED: usize = 8 + 25 + (12 + 8) + (12 + 13) + 12;

/// A PNG of one grey pixel of exactly `len` bytes (RFC 2083): the signature, IHDR (1×1, 8-bit
/// greyscale), a tEXt `Comment` holding `note` then spaces, IDAT (a zlib stream with one stored
/// block: the filter byte and the pixel) and IEND, each chunk with its CRC-32.
fn png_stand_in(len: usize, note: &[u8]) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png_chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    let mut text = b"Comment\0".to_vec();
    text.extend(
        note.iter()
            .copied()
            .chain(std::iter::repeat(b' '))
            .take(len - PNG_FIXED),
    );
    png_chunk(&mut out, b"tEXt", &text);
    // zlib: header, a final stored block of 2 bytes (filter 0, the pixel 0x80), Adler-32.
    let idat = [
        0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
    ];
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 as PNG and zlib's gzip use it (ISO 3309, reflected polynomial 0xEDB88320).
fn crc32(b: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &x in b {
        c ^= x as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A JPEG file's start: SOI, then the JFIF APP0 segment (version 1.01, no units, a 1:1 pixel
/// ratio, no thumbnail), which readers such as Wireshark's look for.
const JFIF_HEAD: [u8; 20] = [
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
];

/// A baseline JPEG of one grey pixel (ITU T.81), after its SOI and APP0: a quantization table of ones,
/// the frame header (8 bits, 1×1, one component), one-code Huffman tables for DC and AC (the
/// code 0 for category 0 and for end-of-block), the scan header, the scan's single byte (the
/// two codes, then 1-bits to fill it) and EOI.
const PIXEL_JPEG: [u8; 139] = {
    let mut j = [0u8; 139];
    let head: [u8; 5] = [0xff, 0xdb, 0x00, 0x43, 0x00];
    let mut i = 0;
    while i < 5 {
        j[i] = head[i];
        i += 1;
    }
    while i < 5 + 64 {
        j[i] = 1;
        i += 1;
    }
    let rest: [u8; 70] = [
        0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, // SOF0
        0xff, 0xc4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, // DC
        0xff, 0xc4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, // AC
        0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
        0x3f, // the scan
        0xff, 0xd9, // EOI
    ];
    let mut k = 0;
    while k < 70 {
        j[i] = rest[k];
        i += 1;
        k += 1;
    }
    j
};

/// A JPEG of exactly `len` bytes: [`JFIF_HEAD`], comment segments (ITU T.81 §B.2.4.5)
/// carrying `note` then spaces, each at most 65,535 bytes with its length, then [`PIXEL_JPEG`].
fn jpeg_stand_in(len: usize, note: &[u8]) -> Vec<u8> {
    const MAX: usize = 65_535;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&JFIF_HEAD);
    let mut left = len - JFIF_HEAD.len() - PIXEL_JPEG.len();
    let mut text = note.iter().copied().chain(std::iter::repeat(b' '));
    while left > 0 {
        // A segment takes 4 bytes besides its text; a remainder under 4 joins this one.
        let mut n = left.min(MAX + 2);
        if left - n < 4 && left - n > 0 {
            n = left - 4;
        }
        let body = n - 4;
        out.extend_from_slice(&[0xff, 0xfe]);
        out.extend_from_slice(&((body + 2) as u16).to_be_bytes());
        out.extend(text.by_ref().take(body));
        left -= n;
    }
    out.extend_from_slice(&PIXEL_JPEG);
    out
}

impl Walk {
    /// A packet's comment on connection `c`: its step, and for a connection picked up in
    /// mid-stream why it cannot be decrypted.
    fn comment(&self, c: u32, step: &str) -> String {
        match self.conns.get(&c).filter(|k| k.picked_up) {
            Some(k) if k.tls.is_some() => format!("{step} ({})", super::picked_up::NOTE_TLS),
            Some(_) => format!("{step} ({})", super::picked_up::NOTE_TCP),
            None => step.to_string(),
        }
    }

    /// The stream of connection `c`, which its SYN (or [`super::picked_up`]) made.
    fn stream(&mut self, c: u32) -> Result<&mut Stream, CaptureError> {
        self.conns
            .get_mut(&c)
            .and_then(|k| k.stream.as_mut())
            .ok_or(CaptureError::Internal(
                "the SYN or the first request of a connection",
            ))
    }

    pub(super) fn segment(
        &mut self,
        c: u32,
        e: &Event,
        s: &tcp::present::Shown,
    ) -> Result<(), CaptureError> {
        let seg = &s.segment.segment;
        let f = &seg.flags;
        let (sent, arrives) = e
            .flight
            .as_ref()
            .map_or((e.at, e.at), |f| (f.sent_at, f.arrives_at));
        let from_client = s
            .ips
            .is_some_and(|(src, _)| src == crate::model::connection::CLIENT_ADDR);
        let at = if from_client { sent } else { arrives };
        let step = e.step.as_str();
        if !f.syn {
            // The server's data goes before its FIN; the browser's segment acknowledges what
            // has arrived.
            self.flush(c, from_client.then_some(sent))?;
        }
        if f.syn && !f.ack {
            let (client, server) = s.ips.ok_or(CaptureError::Unsupported("IPv6 connections"))?;
            let ts = seg.options.timestamp().unwrap_or(0);
            let mut stream = Stream::new(
                Endpoint {
                    addr: client,
                    port: seg.src_port,
                    isn: seg.seq,
                    ip_id: (seg.seq >> 16) as u16,
                    ts_offset: ts.wrapping_sub(ms(sent)),
                },
                Endpoint {
                    addr: server,
                    port: seg.dst_port,
                    isn: 0,
                    ip_id: 0,
                    ts_offset: 0,
                },
            );
            let p = stream.syn(ms(sent));
            self.push(sent, p, step);
            let k = self.conn(c);
            k.stream = Some(stream);
            k.syn = Some((sent, seg.clone(), (client, server)));
            return Ok(());
        }
        if f.syn {
            let k = self.conn(c);
            k.rtt = rtt_of(k, arrives);
            k.down = arrives.since(sent);
        }
        let stream = self.stream(c)?;
        let p = if f.syn {
            let ts = seg.options.timestamp().unwrap_or(0);
            stream.learn_server(seg.seq, ts.wrapping_sub(ms(sent)));
            stream.syn_ack(ms(sent))
        } else if f.rst {
            stream.exact(from_client, &crate::model::tcp_wire::Header::of(seg))
        } else if f.fin {
            stream.fin(from_client, ms(sent))
        } else {
            stream.ack(from_client, ms(sent))
        };
        let comment = self.comment(c, step);
        self.push(at, p, comment);
        Ok(())
    }

    pub(super) fn tls(&mut self, c: u32, e: &Event, r: &Record) -> Result<(), CaptureError> {
        let from_client = r.msg.from_client();
        let at = match (&e.flight, from_client) {
            (Some(f), false) => f.arrives_at,
            _ => e.at,
        };
        let mut shared = std::mem::take(&mut self.shared);
        let k = self.conn(c);
        let tls = k.tls.get_or_insert_with(Tls::default);
        let records = tls.on(&r.msg, r.version, (at, &mut shared));
        self.shared = shared;
        let mut records = records?;
        self.show_records(c, &records);
        let k = self.conn(c);
        let held = if from_client {
            &mut k.client_flight
        } else {
            &mut k.server_hello
        };
        match flight_part(&r.msg, r.version) {
            Part::Held => {
                held.append(&mut records);
                return Ok(());
            }
            Part::Last => {
                let mut all = std::mem::take(held);
                all.append(&mut records);
                records = all;
            }
            Part::Alone => {}
        }
        self.send_records(c, from_client, at, &records, e.step.as_str())
    }

    /// Keeps a TLS message's records (and what a protected one carries) as its event's bytes.
    /// In TLS 1.3 the server's EncryptedExtensions, CertificateRequest, Certificate and
    /// CertificateVerify go out in its Finished's records, and the browser's Certificate and
    /// CertificateVerify in its own Finished's: those records become their events' bytes too.
    fn show_records(&mut self, c: u32, records: &[Sent]) {
        let seq = self.current;
        let k = self.conn(c);
        if records.is_empty() {
            k.flight_events.push(seq);
            return;
        }
        let mut events = std::mem::take(&mut k.flight_events);
        events.push(seq);
        for r in records {
            let kind = crate::model::tls_record::content_name(
                r.record.bytes.first().copied().unwrap_or(0),
            );
            let record = Rc::new(r.record.clone());
            let inner = r.inner.as_ref().map(|(t, w)| {
                let name = crate::model::tls_record::content_name(*t);
                (format!("decrypted: {name}"), Rc::new(w.clone()))
            });
            for &ev in &events {
                self.show_for(ev, format!("TLS record ({kind})"), Rc::clone(&record));
                if let Some((title, w)) = &inner {
                    self.show_for(ev, title.clone(), Rc::clone(w));
                }
            }
        }
    }

    /// Records on the wire: their bytes as one write of the sender's, cut into segments.
    fn send_records(
        &mut self,
        c: u32,
        from_client: bool,
        at: Instant,
        records: &[Sent],
        step: &str,
    ) -> Result<(), CaptureError> {
        if records.is_empty() {
            return Ok(());
        }
        let bytes: Vec<u8> = records
            .iter()
            .flat_map(|r| r.record.bytes.iter().copied())
            .collect();
        self.write(c, from_client, &[(at, bytes)], step)
    }

    /// One side writes: each (time, bytes) is a burst of segments arriving or leaving then. The
    /// server's bursts wait in the connection's queue until the browser's next write (or the
    /// walk's end), so that each of the browser's segments acknowledges exactly what has
    /// arrived by then; a server write that would start before the previous one has arrived is
    /// refused (module doc of [`super`]).
    fn write(
        &mut self,
        c: u32,
        from_client: bool,
        bursts: &[(Instant, Vec<u8>)],
        step: &str,
    ) -> Result<(), CaptureError> {
        if from_client {
            if let Some((at, _)) = bursts.first() {
                self.flush(c, Some(*at))?;
            }
            for (at, bytes) in bursts {
                self.put(c, true, *at, bytes, step)?;
            }
            return Ok(());
        }
        let seq = self.current;
        let k = self.conn(c);
        if let (Some(last), Some((first, _))) = (k.queued.back(), bursts.first()) {
            if *first < last.at {
                return Err(CaptureError::Unsupported(OVERLAP));
            }
        }
        for (at, bytes) in bursts {
            k.queued.push_back(Queued {
                at: *at,
                bytes: bytes.clone(),
                step: step.to_string(),
                seq,
            });
        }
        Ok(())
    }

    /// Writes the server's queued bursts that have arrived by `until` (all, for `None`).
    pub(super) fn flush(&mut self, c: u32, until: Option<Instant>) -> Result<(), CaptureError> {
        let current = self.current;
        loop {
            let k = self.conn(c);
            let due = k
                .queued
                .front()
                .is_some_and(|q| until.is_none_or(|t| q.at <= t));
            if !due {
                break;
            }
            let Some(q) = k.queued.pop_front() else { break };
            self.current = q.seq;
            let r = self.put(c, false, q.at, &q.bytes, &q.step);
            self.current = current;
            r?;
        }
        Ok(())
    }

    /// One burst on the wire now: its segments, and the browser's acknowledgments of the
    /// server's ([`ACK_EVERY`], and the rest at the burst's end).
    fn put(
        &mut self,
        c: u32,
        from_client: bool,
        at: Instant,
        bytes: &[u8],
        step: &str,
    ) -> Result<(), CaptureError> {
        // A segment's timestamp is its sender's clock when it leaves: the server's left a
        // one-way delay before it arrives.
        let down = self.conn(c).down;
        let clock = if from_client {
            ms(at)
        } else {
            ms(Instant::from_micros(
                at.micros().saturating_sub(down.micros()),
            ))
        };
        let chunks: Vec<&[u8]> = bytes.chunks(Stream::segment_payload()).collect();
        let n = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            let p = self
                .stream(c)?
                .segment(from_client, clock, chunk, i + 1 == n);
            let comment = self.comment(c, step);
            self.push(at, p, comment);
            if !from_client {
                self.received(c, at, false)?;
            }
        }
        if !from_client {
            self.received(c, at, true)?;
        }
        Ok(())
    }

    /// The browser took in a segment (or, `end`, a burst ended): it acknowledges when due.
    fn received(&mut self, c: u32, at: Instant, end: bool) -> Result<(), CaptureError> {
        let k = self.conn(c);
        if !end {
            k.unacked += 1;
        }
        if k.unacked >= ACK_EVERY || end && k.unacked > 0 {
            k.unacked = 0;
            let p = self.stream(c)?.ack(true, ms(at));
            let comment = self.comment(c, "tcp.ack (of the data received)");
            self.push(at, p, comment);
        }
        Ok(())
    }

    /// The bytes of an HTTP/1.1 message through the connection's TLS, if it has any.
    fn protect(
        &mut self,
        c: u32,
        from_client: bool,
        bytes: Vec<u8>,
    ) -> Result<Vec<u8>, CaptureError> {
        match self.conn(c).tls.as_mut() {
            Some(t) => Ok(t
                .data(from_client, &bytes)?
                .iter()
                .flat_map(|r| r.record.bytes.iter().copied())
                .collect()),
            None => Ok(bytes),
        }
    }

    pub(super) fn request(
        &mut self,
        c: u32,
        e: &Event,
        s: &SentRequest,
    ) -> Result<(), CaptureError> {
        if let Some(h) = s.h2() {
            // The HEADERS, then the body's DATA frames (its stand-in) in the same write.
            let mut frames = h.frames();
            if h.body > 0 {
                if h.body > MAX_BODY {
                    return Err(CaptureError::Unsupported("a body over 64 MiB"));
                }
                let body = stand_in(h.body as usize, "request body");
                frames.extend(crate::model::http2::request_data_frames(h.stream, &body));
            }
            let wire = h2_wire(&frames, Some(&h.block));
            return self.h2_write(c, true, e.at, wire, e.step.as_str());
        }
        if s.stream().is_some() {
            return Err(CaptureError::Internal("an HTTP/2 request's HEADERS"));
        }
        let (r, _) = s.request();
        let mut text = format!("{} {} HTTP/1.1\r\n", s.method(), r.target);
        for (n, v) in &r.headers.0 {
            text.push_str(&format!("{n}: {v}\r\n"));
        }
        text.push_str("\r\n");
        let mut bytes = text.into_bytes();
        let body = r
            .headers
            .get("content-length")
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(n) = body.filter(|n| *n > 0) {
            if n as u64 > MAX_BODY {
                return Err(CaptureError::Unsupported("a body over 64 MiB"));
            }
            bytes.extend(stand_in(n, "request body"));
        }
        self.show("HTTP/1.1 request", http_wire(&bytes));
        let wire = self.protect(c, true, bytes)?;
        self.write(c, true, &[(e.at, wire)], e.step.as_str())
    }

    pub(super) fn response_head(
        &mut self,
        c: u32,
        e: &Event,
        (status, reason, headers, body): (u16, &str, &Headers, u64),
    ) -> Result<(), CaptureError> {
        let mut text = format!("HTTP/1.1 {status} {reason}\r\n");
        for (n, v) in &headers.0 {
            text.push_str(&format!("{n}: {v}\r\n"));
        }
        text.push_str("\r\n");
        let at = e.flight.as_ref().map_or(e.at, |f| f.arrives_at);
        let k = self.conn(c);
        if body > 0 {
            k.pending_head = Some((
                at,
                text.into_bytes(),
                headers.get("content-type").map(|t| t.to_string()),
                None,
            ));
            return Ok(());
        }
        let text = text.into_bytes();
        self.show("HTTP/1.1 response", http_wire(&text));
        let wire = self.protect(c, false, text)?;
        self.write(c, false, &[(at, wire)], e.step.as_str())
    }

    /// The head and body go out together, in slow start's rounds (module doc of [`super`]).
    pub(super) fn response_body(
        &mut self,
        c: u32,
        e: &Event,
        b: &Body,
    ) -> Result<(), CaptureError> {
        let (first, mut bytes, what, stream) = self
            .conn(c)
            .pending_head
            .take()
            .ok_or(CaptureError::Internal("a body without its head"))?;
        let what = what.unwrap_or_else(|| "body".into());
        if b.bytes > MAX_BODY {
            return Err(CaptureError::Unsupported("a body over 64 MiB"));
        }
        let body = match &b.content {
            Some(text) if text.len() as u64 == b.bytes => text.as_bytes().to_vec(),
            _ => stand_in(b.bytes as usize, &what),
        };
        match stream {
            Some(id) => {
                let data = crate::model::http2::wire(&crate::model::http2::data_frames(id, &body));
                bytes.extend_from_slice(&data.bytes);
                self.show("HTTP/2 DATA frames", data);
            }
            None => {
                bytes.extend(body);
                self.show("HTTP/1.1 response", http_wire(&bytes));
            }
        }
        let wire = self.protect(c, false, bytes)?;
        let rtt = self.conn(c).rtt;
        let bursts = rounds(&wire, first, b, rtt);
        self.write(c, false, &bursts, e.step.as_str())
    }

    /// One side's HTTP/2 frames, written at once (the server's arrive at `at`).
    pub(super) fn h2_write(
        &mut self,
        c: u32,
        from_client: bool,
        at: Instant,
        wire: Wire,
        step: &str,
    ) -> Result<(), CaptureError> {
        let bytes = wire.bytes.clone();
        self.show("HTTP/2 frames", wire);
        let wire = self.protect(c, from_client, bytes)?;
        self.write(c, from_client, &[(at, wire)], step)
    }

    pub(super) fn h2_control(
        &mut self,
        c: u32,
        e: &Event,
        f: &crate::model::http2::present::Control,
    ) -> Result<(), CaptureError> {
        let at = written_at(e, f.from_client);
        let wire = f.bytes().into_wire();
        self.h2_write(c, f.from_client, at, wire, e.step.as_str())
    }

    pub(super) fn h2_response_head(
        &mut self,
        c: u32,
        e: &Event,
        h: &crate::model::http2::present::ResponseHead,
    ) -> Result<(), CaptureError> {
        let at = e.flight.as_ref().map_or(e.at, |f| f.arrives_at);
        let wire = h2_wire(&h.frames(), Some(&h.block));
        if h.body > 0 {
            self.show("HTTP/2 HEADERS", wire.clone());
            self.conn(c).pending_head = Some((
                at,
                wire.bytes,
                h.headers.get("content-type").map(|t| t.to_string()),
                Some(h.stream),
            ));
            return Ok(());
        }
        self.h2_write(c, false, at, wire, e.step.as_str())
    }
}

impl Walk {
    /// A piece of an open event stream (HTML §9.2) as it arrives: an event's text, or the
    /// stream's end (`None`). Over HTTP/1.1 a chunk, the end the last chunk `0\r\n\r\n`
    /// (RFC 9112 §7.1); over HTTP/2 a DATA frame, the end an empty one with END_STREAM.
    pub(super) fn stream_piece(
        &mut self,
        c: u32,
        e: &Event,
        text: Option<&str>,
    ) -> Result<(), CaptureError> {
        if text == Some("") {
            // Nothing on the wire: an empty chunk would end the body.
            return Ok(());
        }
        let at = e.flight.as_ref().map_or(e.at, |f| f.arrives_at);
        let body = text.unwrap_or_default().as_bytes();
        let step = e.step.as_str();
        if let Some(stream) = e.stream {
            let frame = crate::model::http2::Frame::Data {
                stream,
                end_stream: text.is_none(),
                data: body.to_vec(),
            };
            return self.h2_write(c, false, at, h2_wire(&[frame], None), step);
        }
        let mut chunk = format!("{:x}\r\n", body.len()).into_bytes();
        chunk.extend_from_slice(body);
        chunk.extend_from_slice(b"\r\n");
        self.show("HTTP/1.1 chunk", http_wire(&chunk));
        let wire = self.protect(c, false, chunk)?;
        self.write(c, false, &[(at, wire)], step)
    }
}

impl Walk {
    /// A WebSocket frame on its connection (over HTTP/2, in a DATA frame of its stream): the
    /// browser's, masked, when it leaves; the server's when it arrives. A binary message the model does not spell out is zeros.
    pub(super) fn websocket_frame(
        &mut self,
        c: u32,
        e: &Event,
        f: &crate::model::websocket::present::Framed,
    ) -> Result<(), CaptureError> {
        let mut frame = f.frame.clone();
        if let Some(n) = f.stand_in {
            if n > MAX_BODY {
                return Err(CaptureError::Unsupported("a WebSocket message over 64 MiB"));
            }
            frame.payload = vec![0; n as usize];
        }
        let bytes = frame.encode();
        self.show("WebSocket frame", websocket_wire(&bytes));
        let at = written_at(e, f.from_browser);
        // Over HTTP/2 (RFC 8441 §5) the frame is the payload of a DATA frame on its stream.
        if let Some(stream) = e.stream {
            let frames = crate::model::http2::tunnel_data_frames(stream, &bytes, f.end_stream);
            let wire = h2_wire(&frames, None);
            return self.h2_write(c, f.from_browser, at, wire, e.step.as_str());
        }
        let wire = self.protect(c, f.from_browser, bytes)?;
        self.write(c, f.from_browser, &[(at, wire)], e.step.as_str())
    }
}

/// When a message shows in the capture: the browser's as it leaves, the server's as it
/// arrives (the capture is taken at the browser).
fn written_at(e: &Event, from_browser: bool) -> Instant {
    match (&e.flight, from_browser) {
        (Some(fl), false) => fl.arrives_at,
        _ => e.at,
    }
}

/// A frame's bytes with its header's fields named (RFC 6455 §5.2).
fn websocket_wire(bytes: &[u8]) -> Wire {
    let len7 = bytes.get(1).map_or(0, |b| b & 0x7f);
    let ext = match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let masked = bytes.get(1).is_some_and(|b| b & 0x80 != 0);
    let mut fields = vec![
        WireField {
            start: 0,
            end: 1,
            name: "FIN, RSV, opcode".into(),
        },
        WireField {
            start: 1,
            end: 2 + ext,
            name: "MASK, payload length".into(),
        },
    ];
    let mut at = 2 + ext;
    if masked {
        fields.push(WireField {
            start: at,
            end: at + 4,
            name: "masking key".into(),
        });
        at += 4;
    }
    fields.push(WireField {
        start: at,
        end: bytes.len(),
        name: if masked {
            "payload (masked)".into()
        } else {
            "payload".into()
        },
    });
    Wire {
        bytes: bytes.to_vec(),
        fields,
    }
}

/// The response's bytes cut into slow start's rounds as the engine delivers them
/// ([`crate::model::http::slow_start_cuts`], with segments of 1,448 bytes): round `r` arrives
/// `r` round trips after the first byte; the last burst arrives when the model's last byte
/// does.
fn rounds(wire: &[u8], first: Instant, b: &Body, rtt: Duration) -> Vec<(Instant, Vec<u8>)> {
    let mss = Stream::segment_payload() as u64;
    let cuts = crate::model::http::slow_start_cuts(wire.len() as u64, mss, b.cwnd);
    let mut out = Vec::with_capacity(cuts.len());
    let mut rest = wire;
    for (r, n) in cuts.into_iter().enumerate() {
        let (now, later) = rest.split_at(n as usize);
        let at = (first + rtt.times(r as u64)).max(first);
        out.push((at.min(b.last_byte), now.to_vec()));
        rest = later;
    }
    if let Some(last) = out.last_mut() {
        last.0 = b.last_byte.max(first);
    }
    out
}

/// HTTP/2 frames with their fields named, and a header block's fields (each header's
/// representation) where they lie inside the first frame's block.
pub(super) fn h2_wire(
    frames: &[crate::model::http2::Frame],
    block: Option<&crate::model::hpack::Block>,
) -> Wire {
    let mut wire = crate::model::http2::wire(frames);
    let first = wire
        .fields
        .iter()
        .find(|f| f.name.ends_with("header block (HPACK)"))
        .map(|f| (f.start, f.end));
    if let (Some((start, end)), Some(b)) = (first, block) {
        let inside = b.fields.iter().filter(|f| start + f.end <= end);
        let named: Vec<WireField> = inside
            .map(|f| WireField {
                start: start + f.start,
                end: start + f.end,
                name: format!("HPACK: {}", f.name),
            })
            .collect();
        wire.fields.extend(named);
    }
    wire
}

/// Where a TLS message's records go in its sender's write.
enum Part {
    /// Held for the rest of the flight.
    Held,
    /// The flight's last: written with what was held.
    Last,
    /// Written on its own.
    Alone,
}

/// Each side writes a TLS flight at once (BoringSSL's `pending_flight`, OpenSSL's buffered
/// flight), so the browser's acknowledgment comes after all of the server's, as the model's
/// one delivery has it. The server's ends with its Finished or, a full TLS 1.2 handshake's
/// first, its ServerHelloDone (its second, NewSessionTicket to Finished); the browser's second
/// flight with its Finished.
fn flight_part(m: &crate::model::tls::Message, version: crate::model::tls::Version) -> Part {
    use crate::model::tls::{Message as M, Version};
    match m {
        M::ServerHello { .. }
        | M::ChangeCipherSpec { .. }
        | M::Certificate { .. }
        | M::CertificateVerify { from_client: true }
        | M::ServerKeyExchange { .. }
        | M::CertificateRequest
        | M::ClientKeyExchange { .. } => Part::Held,
        M::NewSessionTicket { .. } if version == Version::Tls12 => Part::Held,
        M::Finished { .. } | M::ServerHelloDone => Part::Last,
        M::ClientHello { .. }
        | M::EncryptedExtensions { .. }
        | M::CertificateVerify { from_client: false }
        | M::NewSessionTicket { .. }
        | M::Alert { .. } => Part::Alone,
    }
}

/// A connection's round trip, from its SYN to its SYN-ACK's arrival.
fn rtt_of(k: &Conn, synack_arrives: Instant) -> Duration {
    k.syn
        .as_ref()
        .map_or(Duration::ZERO, |(sent, _, _)| synack_arrives.since(*sent))
}

/// An HTTP/1.1 message's bytes with its lines named: the start line, each header field by its
/// name, the empty line, the body.
fn http_wire(bytes: &[u8]) -> Wire {
    let mut fields = Vec::new();
    let mut at = 0;
    let mut first = true;
    while let Some(n) = bytes[at..].windows(2).position(|w| w == b"\r\n") {
        let line = &bytes[at..at + n];
        let name = if first {
            "start line".to_string()
        } else if line.is_empty() {
            fields.push(WireField {
                start: at,
                end: at + 2,
                name: "end of the header".into(),
            });
            at += 2;
            break;
        } else {
            let field = line.split(|b| *b == b':').next().unwrap_or_default();
            format!("header: {}", String::from_utf8_lossy(field))
        };
        first = false;
        fields.push(WireField {
            start: at,
            end: at + n + 2,
            name,
        });
        at += n + 2;
    }
    if at < bytes.len() {
        fields.push(WireField {
            start: at,
            end: bytes.len(),
            name: "body".into(),
        });
    }
    Wire {
        bytes: bytes.to_vec(),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::stand_in;

    /// A JPEG stand-in is exactly as long as the body and walks as JPEG markers: SOI, comment
    /// segments whose lengths add up, then the one-pixel image.
    #[test]
    fn a_jpeg_stand_in_is_well_formed_at_any_length() {
        for len in [
            163, 164, 300, 65_698, 65_699, 65_700, 65_701, 131_080, 200_000,
        ] {
            let b = stand_in(len, "image/jpeg");
            assert_eq!(b.len(), len);
            assert_eq!(b[..20], super::JFIF_HEAD);
            let mut at = 20;
            while b[at..at + 2] == [0xff, 0xfe] {
                at += 2 + u16::from_be_bytes([b[at + 2], b[at + 3]]) as usize;
            }
            assert_eq!(b[at..], super::PIXEL_JPEG, "{len}");
        }
        assert!(stand_in(162, "image/jpeg").starts_with(b"<!-- wirewalk"));
        // CRC-32 of "123456789" is the standard check value.
        assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
        for len in [200, 5000] {
            let b = stand_in(len, "image/png");
            assert_eq!(b.len(), len);
            assert!(b.starts_with(b"\x89PNG") && b.ends_with(&[0xae, 0x42, 0x60, 0x82]));
        }
        assert!(stand_in(100, "text/css").starts_with(b"<!-- wirewalk"));
    }
}
