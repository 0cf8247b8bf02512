//! The harness's loopback servers, and what they saw.
//!
//! One listener on 127.0.0.1 per host of the page (an ephemeral port; Chromium reaches it through
//! `--host-resolver-rules=MAP host 127.0.0.1:port`, which keeps the URL, its `Host` and its
//! origin as the page wrote them). A connection whose first byte is a TLS handshake record is
//! served over TLS with a self-signed certificate (ALPN `h2` for the hosts the scenario serves
//! over HTTP/2, `http/1.1` otherwise), any other as plain HTTP/1.1: so `http://host/` and
//! `https://host/` share the port the mapping gives the host, and a redirect from one to the
//! other works. HTTP/1.1 is served one request at a time per connection, keep-alive unless the
//! scenario says otherwise; HTTP/2 in [`super::h2`].
//!
//! The [`Recorder`] keeps every accepted connection (client port, accept and close times, ALPN)
//! and every request (method, URL, headers in the order received, arrival and response times).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::site::Site;

/// A connection the servers accepted.
#[derive(Clone, Debug)]
pub struct SeenConnection {
    pub id: usize,
    pub host: String,
    pub tls: bool,
    /// The protocol ALPN agreed on (`h2`, `http/1.1`), or none (plain, or no ALPN).
    pub alpn: Option<String>,
    pub client_port: u16,
    pub accepted: Instant,
    pub closed: Option<Instant>,
    pub requests: Vec<usize>,
    generation: u32,
}

/// A request's method, URL and headers.
pub type RequestLine = (String, String, Vec<(String, String)>);

/// A request a server received.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub id: usize,
    pub connection: usize,
    pub method: String,
    /// `scheme://host/path?query`.
    pub url: String,
    /// Names as received (HTTP/2's in lower case, its pseudo-headers first), in order.
    pub headers: Vec<(String, String)>,
    pub arrived: Instant,
    pub responded: Option<Instant>,
    pub status: u16,
    /// A WebSocket's frames from the browser, as the server read them (`text`, `close`; over
    /// HTTP/2 `+END_STREAM` when their DATA frame ended the browser's side).
    pub frames: Vec<String>,
}

#[derive(Default)]
struct Log {
    generation: u32,
    connections: Vec<SeenConnection>,
    requests: Vec<SeenRequest>,
    in_flight: usize,
    last_activity: Option<Instant>,
}

/// What every server saw, shared by their threads.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Log>>);

/// What the servers saw of one load: connections in the order accepted, requests in the order
/// they arrived.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub connections: Vec<SeenConnection>,
    pub requests: Vec<SeenRequest>,
    /// The first accept: times are ms after it.
    pub t0: Option<Instant>,
}

impl Seen {
    pub fn ms(&self, at: Instant) -> f64 {
        self.t0.map_or(0.0, |t0| {
            at.saturating_duration_since(t0).as_secs_f64() * 1000.0
        })
    }
}

impl Recorder {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn accepted(&self, host: &str, tls: bool, client_port: u16) -> usize {
        let mut log = self.log();
        let id = log.connections.len();
        let generation = log.generation;
        log.connections.push(SeenConnection {
            id,
            host: host.to_string(),
            tls,
            alpn: None,
            client_port,
            accepted: Instant::now(),
            closed: None,
            requests: vec![],
            generation,
        });
        log.last_activity = Some(Instant::now());
        id
    }

    fn set_protocol(&self, conn: usize, tls: bool, alpn: Option<String>) {
        if let Some(c) = self.log().connections.get_mut(conn) {
            c.tls = tls;
            c.alpn = alpn;
        }
    }

    /// A request's method, URL and headers.
    pub fn seen_request(&self, req: usize) -> Option<RequestLine> {
        let log = self.log();
        let r = log.requests.get(req)?;
        Some((r.method.clone(), r.url.clone(), r.headers.clone()))
    }

    fn closed(&self, conn: usize) {
        let mut log = self.log();
        if let Some(c) = log.connections.get_mut(conn) {
            c.closed.get_or_insert_with(Instant::now);
        }
    }

    /// A request has arrived; its id.
    pub fn request(
        &self,
        conn: usize,
        method: &str,
        url: &str,
        headers: Vec<(String, String)>,
    ) -> usize {
        let mut log = self.log();
        let id = log.requests.len();
        log.requests.push(SeenRequest {
            id,
            connection: conn,
            method: method.to_string(),
            url: url.to_string(),
            headers,
            arrived: Instant::now(),
            responded: None,
            status: 0,
            frames: Vec::new(),
        });
        if let Some(c) = log.connections.get_mut(conn) {
            c.requests.push(id);
        }
        log.in_flight += 1;
        log.last_activity = Some(Instant::now());
        id
    }

    /// A WebSocket's frame from the browser, on request `req`'s socket.
    pub fn frame(&self, req: usize, what: String) {
        if let Some(r) = self.log().requests.get_mut(req) {
            r.frames.push(what);
        }
    }

    /// Its response has been written.
    pub fn responded(&self, req: usize, status: u16) {
        let mut log = self.log();
        if let Some(r) = log.requests.get_mut(req) {
            if r.responded.is_none() {
                r.responded = Some(Instant::now());
                r.status = status;
                log.in_flight = log.in_flight.saturating_sub(1);
            }
        }
        log.last_activity = Some(Instant::now());
    }

    /// Forgets what was seen so far (a return visit's first load).
    pub fn reset(&self) {
        let mut log = self.log();
        log.generation += 1;
        log.in_flight = 0;
        log.last_activity = None;
    }

    /// Whether nothing is in flight and nothing happened for `quiet`.
    pub fn is_quiet(&self, quiet: Duration) -> bool {
        let log = self.log();
        log.in_flight == 0 && log.last_activity.is_some_and(|t| t.elapsed() >= quiet)
    }

    /// Whether any request arrived since the last reset.
    pub fn any_request(&self) -> bool {
        let log = self.log();
        log.requests.iter().any(|r| {
            log.connections
                .get(r.connection)
                .is_some_and(|c| c.generation == log.generation)
        })
    }

    /// Milliseconds since [`Recorder::t0`].
    pub fn now_ms(&self) -> f64 {
        self.t0().elapsed().as_secs_f64() * 1000.0
    }

    /// The first connection accepted since the last reset: the page's start, from which a
    /// WebSocket server's frames are timed.
    pub fn t0(&self) -> Instant {
        let log = self.log();
        (log.connections.iter())
            .filter(|c| c.generation == log.generation)
            .map(|c| c.accepted)
            .min()
            .unwrap_or_else(Instant::now)
    }

    /// What was seen since the last reset.
    pub fn seen(&self) -> Seen {
        let log = self.log();
        let connections: Vec<SeenConnection> = log
            .connections
            .iter()
            .filter(|c| c.generation == log.generation)
            .cloned()
            .collect();
        let requests = log
            .requests
            .iter()
            .filter(|r| connections.iter().any(|c| c.id == r.connection))
            .cloned()
            .collect();
        Seen {
            t0: connections.iter().map(|c| c.accepted).min(),
            connections,
            requests,
        }
    }
}

/// The TLS settings of the servers: one self-signed certificate for every host.
pub struct Tls {
    h1: Arc<rustls::ServerConfig>,
    h2: Arc<rustls::ServerConfig>,
    /// The certificate key's SubjectPublicKeyInfo, SHA-256, Base64: what Chromium's
    /// `--ignore-certificate-errors-spki-list` takes.
    pub spki_sha256: String,
}

impl Tls {
    pub fn new(hosts: &[String]) -> Result<Tls, String> {
        let key = rcgen::generate_simple_self_signed(hosts.to_vec())
            .map_err(|e| format!("cannot make a certificate: {e}"))?;
        let cert = key.cert.der().clone();
        let spki_sha256 = {
            use base64::Engine as _;
            use sha2::Digest as _;
            base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(key.key_pair.public_key_der()))
        };
        let der = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(key.key_pair.serialize_der()),
        );
        let config = |alpn: &[&[u8]]| -> Result<Arc<rustls::ServerConfig>, String> {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut c = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_no_client_auth()
                .with_single_cert(vec![cert.clone()], der.clone_key())
                .map_err(|e| format!("TLS settings: {e}"))?;
            c.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
            Ok(Arc::new(c))
        };
        Ok(Tls {
            h1: config(&[b"http/1.1"])?,
            h2: config(&[b"h2", b"http/1.1"])?,
            spki_sha256,
        })
    }
}

/// A listening server for one host.
pub struct Listener {
    pub host: String,
    pub port: u16,
}

/// Starts one listener per host of `site`; they run until the process ends.
/// Starts one listener per host of `site`; they run until the process ends. Also returns the
/// certificate's SPKI hash.
pub fn start(site: &Arc<Site>, rec: &Recorder) -> Result<(Vec<Listener>, String), String> {
    let names: Vec<String> = site.hosts.iter().map(|h| h.host.clone()).collect();
    let tls = Arc::new(Tls::new(&names)?);
    let spki = tls.spki_sha256.clone();
    let mut out = Vec::new();
    for spec in &site.hosts {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let (site, rec, tls, spec) = (site.clone(), rec.clone(), tls.clone(), spec.clone());
        out.push(Listener {
            host: spec.host.clone(),
            port,
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (site, rec, tls, spec) = (site.clone(), rec.clone(), tls.clone(), spec.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &site, &rec, &tls, &spec);
                });
            }
        });
    }
    Ok((out, spki))
}

fn serve(
    stream: TcpStream,
    site: &Site,
    rec: &Recorder,
    tls: &Tls,
    spec: &super::site::HostSpec,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    // The socket itself, to set a read timeout once a WebSocket is open on it.
    let socket = stream.try_clone().ok();
    let client_port = stream.peer_addr().map_or(0, |a| a.port());
    // A connection opened and closed without a byte still counts as accepted.
    let conn = rec.accepted(&spec.host, false, client_port);
    let mut first = [0u8; 1];
    let n = stream.peek(&mut first).unwrap_or(0);
    let is_tls = n == 1 && first[0] == 0x16;
    let result = if is_tls {
        let config = if spec.h2 { &tls.h2 } else { &tls.h1 };
        match rustls::ServerConnection::new(config.clone()) {
            Ok(server) => {
                let mut tls_stream = rustls::StreamOwned::new(server, stream);
                // Finish the handshake to learn the protocol.
                let done = loop {
                    if !tls_stream.conn.is_handshaking() {
                        break Ok(());
                    }
                    match tls_stream.conn.complete_io(&mut tls_stream.sock) {
                        Ok(_) => {}
                        Err(e) => break Err(e),
                    }
                };
                match done {
                    Ok(()) => {
                        let alpn = tls_stream
                            .conn
                            .alpn_protocol()
                            .map(|p| String::from_utf8_lossy(p).into_owned());
                        rec.set_protocol(conn, true, alpn.clone());
                        if alpn.as_deref() == Some("h2") {
                            super::h2::serve(tls_stream, conn, spec, site, rec)
                        } else {
                            serve_h1(tls_stream, (conn, socket), "https", spec, site, rec)
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(std::io::Error::other(e)),
        }
    } else if n == 1 {
        serve_h1(stream, (conn, socket), "http", spec, site, rec)
    } else {
        Ok(())
    };
    rec.closed(conn);
    if let Err(e) = &result {
        if std::env::var_os("FIDELITY_DEBUG").is_some() {
            eprintln!("fidelity server: {} connection {conn}: {e}", spec.host);
        }
    }
    result
}

fn serve_h1<S: Read + Write>(
    stream: S,
    (conn, socket): (usize, Option<TcpStream>),
    scheme: &str,
    spec: &super::site::HostSpec,
    site: &Site,
    rec: &Recorder,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            continue;
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.to_string(), v.trim().to_string()));
            }
        }
        let mut words = line.split(' ');
        let method = words.next().unwrap_or("").to_string();
        let target = words.next().unwrap_or("/").to_string();
        let host = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map_or(spec.host.clone(), |(_, v)| v.clone());
        // A WebSocket's handshake (RFC 6455 §4.1) is recorded under its ws(s) URL.
        let upgrade = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("upgrade") && v.eq_ignore_ascii_case("websocket"));
        let scheme_seen = match (upgrade, scheme) {
            (true, "https") => "wss",
            (true, _) => "ws",
            (false, s) => s,
        };
        let url = format!("{scheme_seen}://{host}{target}");
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let id = rec.request(conn, &method, &url, headers.clone());
        let mut body = vec![0u8; length.min(1 << 20)];
        reader.read_exact(&mut body)?;
        let answer = site.answer(&method, &url, &headers, rec.now_ms());
        std::thread::sleep(answer.delay);
        if let (true, Some(plan)) = (upgrade, answer.websocket.as_ref()) {
            let key = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-key"))
                .map_or("", |(_, v)| v.as_str());
            let mut head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
                super::ws::accept(key, plan)
            );
            for (n, v) in &answer.headers {
                if !n.eq_ignore_ascii_case("content-type") {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
            }
            head.push_str("\r\n");
            reader.get_mut().write_all(head.as_bytes())?;
            reader.get_mut().flush()?;
            rec.responded(id, 101);
            return websocket_h1(reader, socket, plan, (rec, id));
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
        for (n, v) in &answer.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(stream) = &answer.stream {
            head.push_str("Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
            reader.get_mut().write_all(head.as_bytes())?;
            reader.get_mut().flush()?;
            rec.responded(id, answer.status);
            if !event_stream_h1(reader.get_mut(), stream, rec.t0())? {
                return Ok(());
            }
            continue;
        }
        if answer.status != 304 && answer.status != 204 {
            head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
        }
        head.push_str(if spec.keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        let out = reader.get_mut();
        out.write_all(head.as_bytes())?;
        if method != "HEAD" {
            out.write_all(&answer.body)?;
        }
        out.flush()?;
        rec.responded(id, answer.status);
        if !spec.keep_alive {
            return Ok(());
        }
    }
}

/// An event stream's body on an HTTP/1.1 connection, in chunks: each event when it falls due
/// (`t0` and the plan's milliseconds), then the last chunk when the server ends the response
/// (true: the connection goes on). A stream that never ends is written until the browser goes
/// away (false).
fn event_stream_h1<S: Read + Write>(
    out: &mut S,
    stream: &super::site::StreamAnswer,
    t0: Instant,
) -> std::io::Result<bool> {
    let at = |ms: f64| t0 + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    let wait_until = |t: Instant| std::thread::sleep(t.saturating_duration_since(Instant::now()));
    let end = stream.close_ms.map(at);
    for (ms, text) in &stream.writes {
        let due = at(*ms);
        if end.is_some_and(|e| due >= e) {
            break;
        }
        wait_until(due);
        out.write_all(format!("{:x}\r\n{text}\r\n", text.len()).as_bytes())?;
        out.flush()?;
    }
    let Some(end) = end else {
        // Open until the browser closes the connection (it sends nothing before).
        let mut byte = [0u8; 1];
        loop {
            match out.read(&mut byte) {
                Ok(0) => return Ok(false),
                Ok(_) => {}
                Err(e) if nothing_yet(&e) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => return Ok(false),
            }
        }
    };
    wait_until(end);
    out.write_all(b"0\r\n\r\n")?;
    out.flush()?;
    Ok(true)
}

/// An accepted WebSocket on an HTTP/1.1 connection: the server's frames as they fall due, its
/// answers to what the browser sends, until the close handshake ends (the server then closes
/// the TCP connection, RFC 6455 §7.1.1) or the browser goes away.
fn websocket_h1<S: Read + Write>(
    mut reader: BufReader<S>,
    socket: Option<TcpStream>,
    plan: &super::site::WsPlan,
    (rec, id): (&Recorder, usize),
) -> std::io::Result<()> {
    if let Some(s) = &socket {
        s.set_read_timeout(Some(Duration::from_millis(5)))?;
    }
    let mut session = super::ws::Session::new(plan, rec.t0());
    let mut pending = reader.buffer().to_vec();
    reader.consume(pending.len());
    let until = Instant::now() + Duration::from_secs(120);
    let mut chunk = [0u8; 16_384];
    while Instant::now() < until {
        for frame in session.due(Instant::now()) {
            reader.get_mut().write_all(&frame)?;
            reader.get_mut().flush()?;
        }
        let replies = session.received(&std::mem::take(&mut pending));
        for f in session.read.drain(..) {
            rec.frame(id, f.to_string());
        }
        for reply in replies {
            match reply {
                super::ws::Reply::Send(bytes, _) => {
                    reader.get_mut().write_all(&bytes)?;
                    reader.get_mut().flush()?;
                }
                super::ws::Reply::End => return Ok(()),
            }
        }
        if session.done {
            return Ok(());
        }
        match reader.get_mut().read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e) if nothing_yet(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A read that timed out with nothing to read: try again.
pub fn nothing_yet(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Status",
    }
}
