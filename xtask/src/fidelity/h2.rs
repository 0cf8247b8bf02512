//! A small HTTP/2 server connection (RFC 9113) over the harness's TLS: enough for Chromium to
//! load a page, and to record each request's headers as they arrived (HPACK-decoded, RFC 7541).
//!
//! One thread per connection runs a loop: read what has arrived (a short read timeout), handle
//! the frames, and write each response once its server think-time has passed, so responses are
//! answered concurrently and in the order their time comes, as a real server would. It honours
//! SETTINGS, PING, WINDOW_UPDATE (flow control on what it sends), RST_STREAM and GOAWAY; it
//! sends no PUSH_PROMISE and ignores priorities (RFC 9113 §5.3.2: they are advice). It is not
//! a conforming server for a hostile peer: frame sizes are bounded, errors end the connection.
//!
//! For a host whose scenario allows it, its SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1
//! (RFC 8441 §3), and an extended CONNECT (`:protocol websocket`) is a WebSocket: answered
//! `200` without ending the stream, then the frames of [`super::ws`] in DATA frames.
//!
//! An event stream's answer ([`super::site::StreamAnswer`]) is a `200` without
//! `content-length` whose stream stays open: each event a DATA frame at its time, and an empty
//! DATA frame with END_STREAM when the server ends the response.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::server::Recorder;
use super::site::{Answer, HostSpec, Site};
use super::ws::{Reply, Session};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// Frame types and flags, RFC 9113 §6.
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const WINDOW_UPDATE: u8 = 0x8;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY_FLAG: u8 = 0x20;
/// The most this server lets a peer put in one frame (its SETTINGS_MAX_FRAME_SIZE default).
const MAX_FRAME: usize = 16_384;
/// What it advertises as SETTINGS_MAX_CONCURRENT_STREAMS: a common server figure (nginx's
/// `http2_max_concurrent_streams` default).
const MAX_CONCURRENT_STREAMS: u32 = 128;

struct Stream {
    request: Option<usize>,
    block: Vec<u8>,
    window: i64,
}

struct Pending {
    due: Instant,
    stream: u32,
    request: usize,
    answer: Answer,
    /// An extended CONNECT's: a WebSocket when the answer accepts it.
    tunnel: bool,
}

struct Outgoing {
    stream: u32,
    request: usize,
    status: u16,
    data: Vec<u8>,
    sent: usize,
}

struct Conn<'a> {
    tls: rustls::StreamOwned<rustls::ServerConnection, TcpStream>,
    id: usize,
    host: String,
    site: &'a Site,
    rec: &'a Recorder,
    decoder: hpack::Decoder<'static>,
    encoder: hpack::Encoder<'static>,
    streams: HashMap<u32, Stream>,
    /// The stream whose header block goes on in CONTINUATION frames, and whether it ended.
    continuing: Option<(u32, bool)>,
    pending: Vec<Pending>,
    outgoing: Vec<Outgoing>,
    window: i64,
    initial_window: i64,
    peer_max_frame: usize,
    closing: bool,
    /// The streams that are extended CONNECTs, and the WebSockets open on them.
    tunnels: std::collections::HashSet<u32>,
    sockets: HashMap<u32, Session>,
    /// The event streams open: what each writes when, and when it ends, if it does.
    event_streams: std::collections::BTreeMap<u32, EventStream>,
}

struct EventStream {
    writes: std::collections::VecDeque<(Instant, Vec<u8>)>,
    end: Option<Instant>,
}

/// Serves one HTTP/2 connection until the peer closes it.
pub fn serve(
    mut tls: rustls::StreamOwned<rustls::ServerConnection, TcpStream>,
    id: usize,
    spec: &HostSpec,
    site: &Site,
    rec: &Recorder,
) -> std::io::Result<()> {
    let host = spec.host.as_str();
    tls.conn.set_buffer_limit(None);
    tls.sock.set_read_timeout(Some(Duration::from_millis(2)))?;
    let mut c = Conn {
        tls,
        id,
        host: host.to_string(),
        site,
        rec,
        decoder: hpack::Decoder::new(),
        encoder: hpack::Encoder::new(),
        streams: HashMap::new(),
        continuing: None,
        pending: vec![],
        outgoing: vec![],
        window: 65_535,
        initial_window: 65_535,
        peer_max_frame: MAX_FRAME,
        closing: false,
        tunnels: Default::default(),
        sockets: HashMap::new(),
        event_streams: Default::default(),
    };
    let mut settings = Vec::new();
    settings.extend(3u16.to_be_bytes());
    settings.extend(MAX_CONCURRENT_STREAMS.to_be_bytes());
    if spec.connect_protocol {
        settings.extend(8u16.to_be_bytes());
        settings.extend(1u32.to_be_bytes());
    }
    c.frame(SETTINGS, 0, 0, &settings)?;
    c.flush()?;
    let mut buf: Vec<u8> = Vec::new();
    let mut preface = false;
    loop {
        let eof = c.read_into(&mut buf)?;
        if !preface && buf.len() >= PREFACE.len() {
            if &buf[..PREFACE.len()] != PREFACE {
                return Err(std::io::Error::other(format!(
                    "not an HTTP/2 preface: {:?}",
                    String::from_utf8_lossy(&buf[..PREFACE.len()])
                )));
            }
            buf.drain(..PREFACE.len());
            preface = true;
        }
        while preface && buf.len() >= 9 {
            let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
            if len > MAX_FRAME {
                return Err(std::io::Error::other("frame too large"));
            }
            if buf.len() < 9 + len {
                break;
            }
            let kind = buf[3];
            let flags = buf[4];
            let stream = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) & 0x7fff_ffff;
            let payload: Vec<u8> = buf[9..9 + len].to_vec();
            buf.drain(..9 + len);
            c.handle(kind, flags, stream, &payload)?;
        }
        c.answer_due()?;
        c.websockets_due()?;
        c.event_streams_due()?;
        c.send_data()?;
        c.flush()?;
        if eof || (c.closing && c.pending.is_empty() && c.outgoing.is_empty()) {
            return Ok(());
        }
    }
}

impl Conn<'_> {
    /// Reads what has arrived into `buf`; true at the end of the stream.
    fn read_into(&mut self, buf: &mut Vec<u8>) -> std::io::Result<bool> {
        match self.tls.conn.read_tls(&mut self.tls.sock) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if super::server::nothing_yet(&e) => {}
            Err(e) => return Err(e),
        }
        self.tls
            .conn
            .process_new_packets()
            .map_err(std::io::Error::other)?;
        let mut chunk = [0u8; 16_384];
        loop {
            match self.tls.conn.reader().read(&mut chunk) {
                Ok(0) => return Ok(true),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
    }

    fn frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> std::io::Result<()> {
        let len = (payload.len() as u32).to_be_bytes();
        let mut f = vec![len[1], len[2], len[3], kind, flags];
        f.extend(stream.to_be_bytes());
        f.extend_from_slice(payload);
        self.tls.conn.writer().write_all(&f)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while self.tls.conn.wants_write() {
            self.tls.conn.write_tls(&mut self.tls.sock)?;
        }
        Ok(())
    }

    fn handle(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> std::io::Result<()> {
        match kind {
            HEADERS => {
                let mut p = payload;
                let mut pad = 0;
                if flags & PADDED != 0 {
                    pad = *p.first().unwrap_or(&0) as usize;
                    p = &p[1.min(p.len())..];
                }
                if flags & PRIORITY_FLAG != 0 {
                    p = &p[5.min(p.len())..];
                }
                let p = &p[..p.len().saturating_sub(pad)];
                let initial = self.initial_window;
                let s = self.streams.entry(stream).or_insert(Stream {
                    request: None,
                    block: vec![],
                    window: initial,
                });
                s.block.extend_from_slice(p);
                if flags & END_HEADERS != 0 {
                    self.headers_done(stream, flags & END_STREAM != 0)?;
                } else {
                    self.continuing = Some((stream, flags & END_STREAM != 0));
                }
            }
            CONTINUATION => {
                if let Some(s) = self.streams.get_mut(&stream) {
                    s.block.extend_from_slice(payload);
                }
                if flags & END_HEADERS != 0 {
                    let ended = self.continuing.take().is_some_and(|(_, e)| e);
                    self.headers_done(stream, ended)?;
                }
            }
            DATA => {
                // Request bodies are small (a fetch's PUT); give the credit back at once.
                if !payload.is_empty() {
                    let inc = (payload.len() as u32).to_be_bytes();
                    self.frame(WINDOW_UPDATE, 0, 0, &inc)?;
                    self.frame(WINDOW_UPDATE, 0, stream, &inc)?;
                }
                if self.tunnels.contains(&stream) {
                    return self.websocket_data(stream, payload, flags & END_STREAM != 0);
                }
                if flags & END_STREAM != 0 {
                    self.request_complete(stream);
                }
            }
            SETTINGS if flags & ACK == 0 => {
                for s in payload.chunks_exact(6) {
                    let id = u16::from_be_bytes([s[0], s[1]]);
                    let v = u32::from_be_bytes([s[2], s[3], s[4], s[5]]);
                    match id {
                        4 => {
                            let delta = i64::from(v) - self.initial_window;
                            self.initial_window = i64::from(v);
                            for st in self.streams.values_mut() {
                                st.window += delta;
                            }
                        }
                        5 => self.peer_max_frame = (v as usize).clamp(MAX_FRAME, 1 << 24),
                        _ => {}
                    }
                }
                self.frame(SETTINGS, ACK, 0, &[])?;
            }
            PING if flags & ACK == 0 => self.frame(PING, ACK, 0, payload)?,
            WINDOW_UPDATE if payload.len() == 4 => {
                let inc = i64::from(
                    u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]])
                        & 0x7fff_ffff,
                );
                if stream == 0 {
                    self.window += inc;
                } else if let Some(s) = self.streams.get_mut(&stream) {
                    s.window += inc;
                }
            }
            RST_STREAM => {
                self.sockets.remove(&stream);
                self.event_streams.remove(&stream);
                let rec = self.rec;
                self.pending.retain(|p| {
                    if p.stream == stream {
                        rec.responded(p.request, 0);
                    }
                    p.stream != stream
                });
                self.outgoing.retain(|o| {
                    if o.stream == stream {
                        rec.responded(o.request, 0);
                    }
                    o.stream != stream
                });
            }
            GOAWAY => self.closing = true,
            _ => {}
        }
        Ok(())
    }

    fn headers_done(&mut self, stream: u32, ended: bool) -> std::io::Result<()> {
        let block = self
            .streams
            .get_mut(&stream)
            .map(|s| std::mem::take(&mut s.block))
            .unwrap_or_default();
        let fields = self
            .decoder
            .decode(&block)
            .map_err(|e| std::io::Error::other(format!("HPACK: {e:?}")))?;
        let headers: Vec<(String, String)> = fields
            .into_iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(&n).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let method = get(":method").unwrap_or_default();
        let authority = get(":authority").unwrap_or_else(|| self.host.clone());
        let path = get(":path").unwrap_or_else(|| "/".into());
        // An extended CONNECT for a WebSocket (RFC 8441 §4), recorded under its wss URL: its
        // stream stays open, so it is complete with its headers.
        let tunnel = method == "CONNECT" && get(":protocol").as_deref() == Some("websocket");
        let scheme = if tunnel { "wss" } else { "https" };
        let url = format!("{scheme}://{authority}{path}");
        let id = self.rec.request(self.id, &method, &url, headers);
        if let Some(s) = self.streams.get_mut(&stream) {
            s.request = Some(id);
        }
        if tunnel {
            self.tunnels.insert(stream);
        }
        if ended || tunnel {
            self.request_complete(stream);
        }
        Ok(())
    }

    fn request_complete(&mut self, stream: u32) {
        let Some(req) = self.streams.get(&stream).and_then(|s| s.request) else {
            return;
        };
        let seen = self.rec.seen_request(req);
        let Some((method, url, headers)) = seen else {
            return;
        };
        let answer = self.site.answer(&method, &url, &headers, self.rec.now_ms());
        self.pending.push(Pending {
            due: Instant::now() + answer.delay,
            stream,
            request: req,
            answer,
            tunnel: method == "CONNECT",
        });
    }

    fn answer_due(&mut self) -> std::io::Result<()> {
        let now = Instant::now();
        let mut due: Vec<Pending> = Vec::new();
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].due <= now {
                due.push(self.pending.remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|p| p.due);
        for p in due {
            if let (true, Some(plan)) = (p.tunnel, p.answer.websocket.as_ref()) {
                self.accept_websocket(&p, plan)?;
                continue;
            }
            if let Some(stream) = &p.answer.stream {
                self.open_event_stream(&p, stream)?;
                continue;
            }
            let status = p.answer.status.to_string();
            let length = p.answer.body.len().to_string();
            let mut fields: Vec<(Vec<u8>, Vec<u8>)> =
                vec![(b":status".to_vec(), status.into_bytes())];
            for (n, v) in &p.answer.headers {
                let n = n.to_ascii_lowercase();
                if matches!(
                    n.as_str(),
                    "connection" | "keep-alive" | "transfer-encoding" | "upgrade"
                ) {
                    continue;
                }
                fields.push((n.into_bytes(), v.clone().into_bytes()));
            }
            if p.answer.status != 304 && p.answer.status != 204 {
                fields.push((b"content-length".to_vec(), length.into_bytes()));
            }
            let block = self
                .encoder
                .encode(fields.iter().map(|(n, v)| (n.as_slice(), v.as_slice())));
            let empty = p.answer.body.is_empty();
            let flags = END_HEADERS | if empty { END_STREAM } else { 0 };
            self.frame(HEADERS, flags, p.stream, &block)?;
            if empty {
                self.rec.responded(p.request, p.answer.status);
            } else {
                self.outgoing.push(Outgoing {
                    stream: p.stream,
                    request: p.request,
                    status: p.answer.status,
                    data: p.answer.body,
                    sent: 0,
                });
            }
        }
        Ok(())
    }

    /// A WebSocket's extended CONNECT is accepted: `200`, the stream left open (RFC 8441 §5).
    fn accept_websocket(&mut self, p: &Pending, plan: &super::site::WsPlan) -> std::io::Result<()> {
        self.open_200(p, &["content-type", "connection", "upgrade"])?;
        self.sockets
            .insert(p.stream, Session::new(plan, self.rec.t0()));
        Ok(())
    }

    /// `200` with the scenario's fields but `skipped`, on a stream left open (a WebSocket's
    /// or an event stream's).
    fn open_200(&mut self, p: &Pending, skipped: &[&str]) -> std::io::Result<()> {
        let mut fields: Vec<(Vec<u8>, Vec<u8>)> = vec![(b":status".to_vec(), b"200".to_vec())];
        for (n, v) in &p.answer.headers {
            let n = n.to_ascii_lowercase();
            if !skipped.contains(&n.as_str()) {
                fields.push((n.into_bytes(), v.clone().into_bytes()));
            }
        }
        let block = self
            .encoder
            .encode(fields.iter().map(|(n, v)| (n.as_slice(), v.as_slice())));
        self.frame(HEADERS, END_HEADERS, p.stream, &block)?;
        self.rec.responded(p.request, 200);
        Ok(())
    }

    /// An event stream's answer: `200` and the scenario's fields, the stream left open for
    /// the events.
    fn open_event_stream(
        &mut self,
        p: &Pending,
        stream: &super::site::StreamAnswer,
    ) -> std::io::Result<()> {
        self.open_200(p, &["connection", "keep-alive", "transfer-encoding"])?;
        let t0 = self.rec.t0();
        let at = |ms: f64| t0 + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
        let end = stream.close_ms.map(at);
        let writes = (stream.writes.iter())
            .map(|(ms, text)| (at(*ms), text.clone().into_bytes()))
            .filter(|(due, _)| end.is_none_or(|e| *due < e))
            .collect();
        self.event_streams
            .insert(p.stream, EventStream { writes, end });
        Ok(())
    }

    /// The event streams' events that fall due, each a DATA frame, and the ends.
    fn event_streams_due(&mut self) -> std::io::Result<()> {
        let now = Instant::now();
        let mut out: Vec<(u32, Vec<u8>, bool)> = Vec::new();
        for (&stream, s) in self.event_streams.iter_mut() {
            while s.writes.front().is_some_and(|w| w.0 <= now) {
                if let Some((_, bytes)) = s.writes.pop_front() {
                    out.push((stream, bytes, false));
                }
            }
            if s.writes.is_empty() && s.end.is_some_and(|e| e <= now) {
                out.push((stream, Vec::new(), true));
            }
        }
        for (stream, bytes, end) in out {
            if end {
                self.event_streams.remove(&stream);
            }
            self.tunnel_data(stream, &bytes, end)?;
        }
        Ok(())
    }

    /// The WebSockets' frames that fall due, each in a DATA frame of its stream.
    fn websockets_due(&mut self) -> std::io::Result<()> {
        let now = Instant::now();
        let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
        for (&stream, s) in self.sockets.iter_mut() {
            out.extend(s.due(now).into_iter().map(|f| (stream, f)));
        }
        out.sort_by_key(|(stream, _)| *stream);
        for (stream, f) in out {
            self.tunnel_data(stream, &f, false)?;
        }
        Ok(())
    }

    /// WebSocket bytes on `stream` as DATA frames no larger than the peer takes, the last
    /// with END_STREAM when `end`; they count against the flow-control windows (Chromium's
    /// are megabytes: nothing here waits for them).
    fn tunnel_data(&mut self, stream: u32, bytes: &[u8], end: bool) -> std::io::Result<()> {
        let chunks: Vec<&[u8]> = if bytes.is_empty() {
            vec![&[]]
        } else {
            bytes.chunks(self.peer_max_frame).collect()
        };
        let last = chunks.len() - 1;
        for (k, c) in chunks.into_iter().enumerate() {
            let flags = if end && k == last { END_STREAM } else { 0 };
            self.frame(DATA, flags, stream, c)?;
            self.window -= c.len() as i64;
            if let Some(s) = self.streams.get_mut(&stream) {
                s.window -= c.len() as i64;
            }
        }
        Ok(())
    }

    /// The browser's DATA on WebSocket stream `stream`: its frames, and the server's answers
    /// (a close echoed with END_STREAM; after the server's own close, an empty END_STREAM).
    fn websocket_data(&mut self, stream: u32, payload: &[u8], ended: bool) -> std::io::Result<()> {
        let request = self.streams.get(&stream).and_then(|s| s.request);
        let Some(s) = self.sockets.get_mut(&stream) else {
            return Ok(());
        };
        let replies = s.received(payload);
        let done = s.done;
        let read: Vec<&str> = s.read.drain(..).collect();
        if let Some(req) = request {
            let last = read.len().saturating_sub(1);
            for (k, op) in read.into_iter().enumerate() {
                let end = if ended && k == last {
                    "+END_STREAM"
                } else {
                    ""
                };
                self.rec.frame(req, format!("{op}{end}"));
            }
        }
        for r in replies {
            match r {
                Reply::Send(bytes, end) => self.tunnel_data(stream, &bytes, end)?,
                Reply::End => self.tunnel_data(stream, &[], true)?,
            }
        }
        if done {
            self.sockets.remove(&stream);
        }
        Ok(())
    }

    /// Sends what the flow-control windows allow, stream by stream in the order answered.
    fn send_data(&mut self) -> std::io::Result<()> {
        let mut i = 0;
        while i < self.outgoing.len() {
            let stream = self.outgoing[i].stream;
            loop {
                let o = &self.outgoing[i];
                let left = o.data.len() - o.sent;
                let stream_window = self.streams.get(&stream).map_or(0, |s| s.window);
                let room = self.window.min(stream_window).max(0) as usize;
                let n = left.min(room).min(self.peer_max_frame);
                if n == 0 {
                    break;
                }
                let last = n == left;
                let chunk = o.data[o.sent..o.sent + n].to_vec();
                self.frame(DATA, if last { END_STREAM } else { 0 }, stream, &chunk)?;
                self.window -= n as i64;
                if let Some(s) = self.streams.get_mut(&stream) {
                    s.window -= n as i64;
                }
                self.outgoing[i].sent += n;
                if last {
                    break;
                }
            }
            let o = &self.outgoing[i];
            if o.sent == o.data.len() {
                self.rec.responded(o.request, o.status);
                self.outgoing.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(())
    }
}
