//! WebSockets in a page load: each `new WebSocket(url)` of the page's scripts opens its own
//! connection and upgrades it (RFC 6455 §4), then carries the scenario's messages both ways
//! until the close handshake (§7).
//!
//! As Chromium does: the handshake skips Blink's and the network service's schedulers and the
//! HTTP cache; its socket comes from the WebSocket pool (`WebSocketTransportClientSocketPool`,
//! net/socket/websocket_transport_client_socket_pool.cc), which keeps no idle sockets, so it
//! always opens a new connection, whose TLS offers only `http/1.1` (`AlpnMode::kHttp11Only`);
//! the group holds up to 255 (`g_max_sockets_per_group[WEBSOCKET_SOCKET_POOL]`,
//! net/socket/client_socket_pool_manager.cc). The request is Chromium's (`http::websocket_request`):
//! no CORS, but an `Origin` the server may check. The browser checks the `101`'s
//! `Sec-WebSocket-Accept` and fails the socket with Blink's console words otherwise
//! (net/websockets/websocket_basic_handshake_stream.cc). Every frame the browser sends is
//! masked with a key drawn from the seed; a server's ping is answered with a pong; a close frame
//! is echoed, and the server then closes the TCP connection; a close with a reserved code
//! (1005, 1006, 1015: the ones Chromium refuses) fails the socket with close 1002.
//!
//! Only one WebSocket connects to an address at a time (RFC 6455 §4.1, item 2): Chromium's
//! `WebSocketEndpointLockManager` (net/socket/websocket_endpoint_lock_manager.cc) locks the
//! IP address and port before a WebSocket connection's SYN (`STATE_OBTAIN_LOCK`,
//! net/socket/transport_connect_sub_job.cc); the next waits, first come first served, until
//! 10 ms (`kUnlockDelayInMs`) after the holder's handshake succeeded
//! (`WebSocketBasicHandshakeStream::Upgrade`) or its socket was dropped ([`EndpointLock`]).
//!
//! Subprotocols (RFC 6455 §1.9, §4.1 item 10): the page's `new WebSocket(url, protocols)` list
//! goes in `Sec-WebSocket-Protocol`, last, joined with `, `; the server's answer must name one
//! of them, once, and none when none was asked (`ValidateSubProtocol`,
//! net/websockets/websocket_handshake_stream_base.cc, over HTTP/1.1 and HTTP/2 alike), or the
//! browser fails the socket with Chromium's words. The server's choice is the socket's
//! `protocol`.
//!
//! Over HTTP/2 (RFC 8441, [`Sim::websocket_over_h2`]) a WebSocket is a stream of an open
//! session whose server allowed the extended CONNECT: no key, a `200`, its frames in DATA
//! frames, no endpoint lock.
//!
//! Left out: the network service's throttle of failing sites (a random delay of at most a
//! millisecond while no socket has failed, services/network/websocket_throttler.cc),
//! permessage-deflate (offered; the model's servers decline it), fragmented messages, WebSocket over HTTP/3 (RFC 9220), and the closing handshake's timeouts.
//! The WebSocket pool's sockets count toward the page pool's 256 here; Chromium's pool has
//! its own 256.

use super::*;
use crate::model::http2::{self, present};
use crate::model::rng::Rng;
use crate::model::websocket::{self as ws, present::Framed, Frame, Opcode};
use std::borrow::Cow;

/// The lock on one address (IP and port) that WebSocket connections take before their SYN:
/// its holder, and the connections waiting for it in order.
#[derive(Clone, Debug, Default)]
pub(super) struct EndpointLock {
    endpoint: String,
    holder: Option<u32>,
    /// The holder has given it up: it is free at the unlock, 10 ms later.
    releasing: bool,
    waiting: std::collections::VecDeque<(u32, Instant)>,
}

/// How long after its holder gives it up an endpoint lock is free (`kUnlockDelayInMs`,
/// net/socket/websocket_endpoint_lock_manager.cc: "This delay prevents DoS attacks").
pub const UNLOCK_DELAY: Duration = Duration::from_millis(10);

impl Sim<'_> {
    /// WebSocket connection `job` is about to send its SYN at `t`: it takes its address's
    /// lock, or waits for it (false) behind the connection that holds it. Other connections
    /// take no lock.
    pub(super) fn ws_lock(&mut self, t: Instant, job: u32) -> bool {
        let Some(j) = self.job(job) else { return true };
        if self.purpose_of(&j.conn.group) != pool::Purpose::WebSocket {
            return true;
        }
        let Some((key, _)) = self.job_key(&j.conn.group) else {
            return true;
        };
        let endpoint = format!("{}:{}", j.ip, key.port);
        let k = match self.ws_locks.iter().position(|l| l.endpoint == endpoint) {
            Some(k) => k,
            None => {
                self.ws_locks.push(EndpointLock {
                    endpoint,
                    ..EndpointLock::default()
                });
                self.ws_locks.len() - 1
            }
        };
        let lock = &mut self.ws_locks[k];
        match lock.holder {
            None => {
                lock.holder = Some(job);
                true
            }
            Some(h) if h == job => true,
            Some(h) => {
                lock.waiting.push_back((job, t));
                let text = format!(
                    "before its SYN, connection {job} waits for the lock on {}: connection {h}'s WebSocket is still connecting there, and only one may (RFC 6455 §4.1; Chromium's WebSocketEndpointLockManager)",
                    lock.endpoint
                );
                let request = self.job(job).and_then(|j| j.conn.started_for).unwrap_or(0);
                let e = Event::new(t, Actor::Browser, steps::WS_ENDPOINT_LOCK, text)
                    .request(request)
                    .connection(job);
                self.push(e);
                false
            }
        }
    }

    /// WebSocket request `r`'s handshake succeeded or its socket is gone at `t`: the lock its
    /// connection holds is free 10 ms later.
    pub(super) fn ws_release(&mut self, t: Instant, r: usize) {
        let jobs = [self.reqs[r].conn, self.reqs[r].started_job];
        let Some(k) = (self.ws_locks.iter())
            .position(|l| !l.releasing && l.holder.is_some() && jobs.contains(&l.holder))
        else {
            return;
        };
        self.ws_locks[k].releasing = true;
        self.schedule(t + UNLOCK_DELAY, Ev::WsUnlock(k));
    }

    /// Lock `k` is free at `t`: the first connection waiting for it takes it and sends its SYN.
    pub(super) fn ws_unlock_now(&mut self, t: Instant, k: usize) {
        let Some(lock) = self.ws_locks.get_mut(k) else {
            return;
        };
        let holder = lock.holder.take().unwrap_or_default();
        lock.releasing = false;
        let Some((next, since)) = lock.waiting.pop_front() else {
            return;
        };
        lock.holder = Some(next);
        if let Some(j) = self.job_mut(next) {
            j.lock_wait = Some((since, t, holder));
        }
        self.schedule(t, Ev::ConnStart(next));
    }
}

/// What happens on an open WebSocket, at its moment.
#[derive(Clone, Debug)]
pub(super) enum Act {
    /// The `101` has reached the browser, which accepts it: the socket is open.
    Open,
    /// The browser fails the socket, for this reason (Blink's words).
    Fail(String),
    /// The scenario's message `k` leaves its side.
    Message(usize),
    /// The scenario's close handshake starts on its side.
    Close,
    /// A frame the server sent arrives at the browser.
    AtBrowser(Box<Frame>),
    /// A frame the browser sent arrives at the server.
    AtServer(Box<Frame>),
    /// The header of a server's message of this length arrives: more than Chromium takes.
    TooLarge(u64),
}

/// One WebSocket of the page.
pub(super) struct Socket {
    /// Its handshake request.
    request: usize,
    key: String,
    /// Its masking keys (RFC 6455 §5.3), drawn from the seed.
    rng: Rng,
    /// Whether each side has sent a close frame, and received one.
    browser_closed: bool,
    server_closed: bool,
    server_heard_close: bool,
    browser_heard_close: bool,
    /// Its request is done; why it failed, if it did.
    over: bool,
    failure: Option<String>,
    /// The `Sec-WebSocket-Accept` the server answered, once it has.
    accept: Option<String>,
    /// The subprotocols the page asked for, and the one the server chose.
    protocols: Vec<String>,
    protocol: Option<String>,
    /// The socket group of its origin's HTTP requests, where an HTTP/2 session may carry it.
    http_group: Rc<str>,
    /// The browser accepted the handshake's answer.
    opened: bool,
    /// Over HTTP/2, the server's close frame ended its side of the stream.
    server_ended: bool,
}

impl Sim<'_> {
    /// Request `r`, to `url`'s http(s) twin, is a `new WebSocket(url)` the script ran.
    pub(super) fn open_websocket(&mut self, r: usize, protocols: Vec<String>) {
        let s = self.sockets.len();
        // The scenario names the server by its `ws(s)` URL.
        let named = response_key(&ws_url(&self.reqs[r].url));
        self.reqs[r].response = self.response_of.get(&named).copied();
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("websocket {r}"));
        let spec = self.ws_spec(r);
        let key = match spec.and_then(|w| w.key.clone()) {
            Some(k) => k,
            None => {
                let mut nonce = [0u8; 16];
                for chunk in nonce.chunks_mut(8) {
                    chunk.copy_from_slice(&rng.next_u64().to_be_bytes()[..chunk.len()]);
                }
                ws::key(nonce)
            }
        };
        let http_group = self.reqs[r].group.clone();
        let group = self.websocket_group(r);
        self.lasting = true;
        let origin = format!("Origin: {}", self.page_origin_s);
        let q = &mut self.reqs[r];
        q.group = group;
        q.h2 = false;
        q.cache_asked = true;
        q.keep_alive = false;
        q.kind.channel = crate::model::http::Channel::WebSocket;
        let rare = q.rare_mut();
        rare.origin_header = Some(origin);
        rare.websocket = Some(s);
        rare.browser_fields = vec![
            format!("Sec-WebSocket-Key: {key}"),
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits".into(),
        ];
        if !protocols.is_empty() {
            // Blink joins them with ", " (`WebSocketCommon::Connect`).
            let list = protocols.join(", ");
            rare.browser_fields
                .push(format!("Sec-WebSocket-Protocol: {list}"));
        }
        self.sockets.push(Socket {
            request: r,
            key,
            rng,
            browser_closed: false,
            server_closed: false,
            server_heard_close: false,
            browser_heard_close: false,
            over: false,
            failure: None,
            accept: None,
            protocols,
            protocol: None,
            http_group,
            opened: false,
            server_ended: false,
        });
    }

    /// WebSocket request `r` asks for a way to its server at `t`: an HTTP/2 session to its
    /// origin that is open and whose server's SETTINGS allowed the extended CONNECT carries it
    /// as a stream (RFC 8441; `try_websocket_over_http2_` for wss, and `FindAvailableSession`
    /// skipping sessions without `support_websocket()`, net/http/http_stream_factory_job.cc and
    /// net/spdy/spdy_session_pool.cc). Returns whether it did; when a session is open but says
    /// nothing of the kind, its event says why the socket opens a connection of its own.
    pub(super) fn websocket_over_h2(&mut self, t: Instant, r: usize) -> bool {
        let Some(s) = self.websocket_of(r) else {
            return false;
        };
        if !self.reqs[r].https || self.reqs[r].h2 || self.reqs[r].conn.is_some() {
            return false;
        }
        let group = self.sockets[s].http_group.clone();
        let Some((job, active)) = self.h2_of(&group).and_then(|h| Some((h.conn?, h.active))) else {
            return false;
        };
        let Some(wire) = self.job(job).and_then(|j| j.h2.as_deref()) else {
            return false;
        };
        let origin = self.reqs[r].origin_s.clone();
        let Some(from) = wire.websockets_from.filter(|_| active < H2_MAX_STREAMS) else {
            let why = if active >= H2_MAX_STREAMS {
                format!(
                    "the HTTP/2 connection to {origin} carries {H2_MAX_STREAMS} streams, its limit"
                )
            } else {
                format!("the HTTP/2 connection to {origin} is open, but its server's SETTINGS did not allow the extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)")
            };
            let text = format!("{why}: the WebSocket opens a connection of its own, whose TLS offers only http/1.1");
            let e = Event::new(t, Actor::Browser, steps::WS_EXTENDED_CONNECT, text).connection(job);
            self.push_request(r, e);
            return false;
        };
        let text = format!(
            "the HTTP/2 connection {job} to {origin} allows the extended CONNECT (its server's SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 arrived at {} ms): the WebSocket is a new stream of it, with no connection of its own",
            ms(from.since(Instant::ZERO))
        );
        let e = Event::new(t, Actor::Browser, steps::WS_EXTENDED_CONNECT, text).connection(job);
        self.push_request(r, e);
        let q = &mut self.reqs[r];
        q.group = group;
        q.h2 = true;
        // RFC 8441 §5: no key, and no accept to check.
        let rare = q.rare_mut();
        rare.browser_fields
            .retain(|f| !f.starts_with("Sec-WebSocket-Key:"));
        self.start_stream(t, r, job);
        true
    }
}

impl Sim<'_> {
    /// The WebSocket request `r` belongs to, if any.
    pub(super) fn websocket_of(&self, r: usize) -> Option<usize> {
        self.reqs[r].rare().websocket
    }

    /// The scenario's WebSocket server for request `r`'s URL.
    fn ws_spec(&self, r: usize) -> Option<&WebSocketSpec> {
        let i = self.reqs[r].response?;
        self.sc.responses.get(i)?.websocket.as_ref()
    }

    /// The server's answer to WebSocket request `r`'s handshake: `101 Switching Protocols`
    /// with the accept value RFC 6455 §4.2.2 computes (or the scenario's), unless the scenario
    /// gives the URL a response without a `websocket` (its status, as a server that does not
    /// speak WebSocket answers).
    pub(super) fn ws_answer(&self, r: usize) -> crate::model::http::Response {
        let spec = self.reqs[r].response.and_then(|i| self.sc.responses.get(i));
        let lines = scenario_lines(spec, false);
        let upgrades = spec.is_none_or(|s| s.websocket.is_some());
        if !upgrades {
            // The browser fails the handshake on this head and drops the rest: no body.
            let status = spec.map_or(200, |s| s.status);
            return response_message(status, lines, "text/html".into(), 0, self.unix_time);
        }
        let s = self.websocket_of(r).unwrap_or_default();
        if self.over_h2(s) {
            // RFC 8441 §5: a 2xx answers the extended CONNECT; nothing else is needed.
            let mut h = Headers(Vec::new());
            for (n, v) in fields_of(lines) {
                h = h.with(n.to_string(), v.to_string());
            }
            return crate::model::http::Response {
                status: 200,
                reason: crate::model::http::reason_phrase(200),
                headers: h,
                body_bytes: 0,
            };
        }
        let accept = (self.ws_spec(r).and_then(|w| w.accept.clone()))
            .unwrap_or_else(|| ws::accept(&self.sockets[s].key));
        let mut h = Headers(vec![
            ("Upgrade".into(), "websocket".into()),
            ("Connection".into(), "Upgrade".into()),
            ("Sec-WebSocket-Accept".into(), accept.into()),
        ]);
        for (n, v) in fields_of(lines) {
            h = h.with(n.to_string(), v.to_string());
        }
        crate::model::http::Response {
            status: 101,
            reason: crate::model::http::reason_phrase(101),
            headers: h,
            body_bytes: 0,
        }
    }

    /// What the browser makes of the handshake's answer (Chromium's `ValidateResponse`,
    /// net/websockets/websocket_basic_handshake_stream.cc): why it fails, in Blink's words.
    fn ws_verdict(&self, r: usize) -> Option<String> {
        let resp = self.reqs[r].resp.as_deref()?;
        let s = self.websocket_of(r)?;
        let h = &resp.headers;
        // Over HTTP/2 only the status is checked (`WebSocketHttp2HandshakeStream::
        // ValidateResponse`, net/websockets/websocket_http2_handshake_stream.cc).
        let expected = if self.over_h2(s) { 200 } else { 101 };
        let why = if resp.status != expected {
            format!("Unexpected response code: {}", resp.status)
        } else if self.over_h2(s) {
            subprotocol_verdict(h, &self.sockets[s].protocols).err()?
        } else if !h
            .get("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
        {
            match h.get("upgrade") {
                None => "'Upgrade' header is missing".into(),
                Some(v) => format!("'Upgrade' header value is not 'WebSocket': {v}"),
            }
        } else if h.get("sec-websocket-accept").is_none() {
            "'Sec-WebSocket-Accept' header is missing".into()
        } else if h.get("sec-websocket-accept") != Some(ws::accept(&self.sockets[s].key).as_str()) {
            "Incorrect 'Sec-WebSocket-Accept' header value".into()
        } else if !h.get("connection").is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
        }) {
            "'Connection' header value must contain 'Upgrade'".into()
        } else {
            subprotocol_verdict(h, &self.sockets[s].protocols).err()?
        };
        Some(format!("Error during WebSocket handshake: {why}"))
    }

    /// The console's words for a WebSocket that fails (Blink's `WebSocketChannelImpl::Fail`).
    fn ws_console(&self, r: usize, why: &str) -> String {
        let url = ws_url(&self.reqs[r].url);
        format!("WebSocket connection to '{url}' failed: {why}")
    }

    /// The server answers WebSocket request `r` at `ts` on `job`: the `101`, then, once the
    /// browser has it and accepts it, the scenario's messages both ways and its close. Returns
    /// false for a request that is not a WebSocket's.
    pub(super) fn ws_response(&mut self, ts: Instant, r: usize, job: u32) -> bool {
        let Some(s) = self.websocket_of(r) else {
            return false;
        };
        let Some(first) = self.head_alone(ts, r, job) else {
            return true;
        };
        let resp = self.reqs[r].resp.as_deref();
        self.sockets[s].accept = resp
            .and_then(|resp| resp.headers.get("sec-websocket-accept"))
            .map(str::to_string);
        self.sockets[s].protocol = resp
            .and_then(|resp| subprotocol_verdict(&resp.headers, &self.sockets[s].protocols).ok())
            .flatten();
        if let Some(why) = self.ws_verdict(r) {
            self.schedule(first, Ev::Ws(s, Act::Fail(why)));
            return true;
        }
        self.schedule(first, Ev::Ws(s, Act::Open));
        let watch = self.watch_end();
        let Some(spec) = self.ws_spec(r) else {
            return true;
        };
        let mut acts: Vec<(Instant, Act)> = Vec::new();
        for (k, m) in spec.messages.iter().enumerate() {
            let from = if m.from == Side::Page { first } else { ts };
            acts.push((super::sse::at_ms(m.at_ms).max(from), Act::Message(k)));
        }
        if let Some(c) = &spec.close {
            let from = if c.from == Side::Page { first } else { ts };
            acts.push((super::sse::at_ms(c.at_ms).max(from), Act::Close));
        }
        for (at, act) in acts.into_iter().filter(|(at, _)| *at <= watch) {
            self.schedule(at, Ev::Ws(s, act));
        }
        true
    }
}

/// The subprotocol the server chose among `asked`, as Chromium checks the answer's
/// `Sec-WebSocket-Protocol` fields (`ValidateSubProtocol`,
/// net/websockets/websocket_handshake_stream_base.cc): at most one, naming one of `asked`, and
/// none when `asked` is empty; with `asked`, one must be there. `Err` is why the browser fails
/// the socket, in its words.
fn subprotocol_verdict(h: &Headers, asked: &[String]) -> Result<Option<String>, String> {
    let answered: Vec<&str> = (h.0.iter())
        .filter(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-protocol"))
        .map(|(_, v)| v.trim())
        .collect();
    match answered.as_slice() {
        [] if asked.is_empty() => Ok(None),
        [] => Err("Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received".into()),
        [v, ..] if asked.is_empty() => Err(format!(
            "Response must not include 'Sec-WebSocket-Protocol' header if not present in request: {v}"
        )),
        [_, _, ..] => Err("'Sec-WebSocket-Protocol' header must not appear more than once in a response".into()),
        [v] if asked.iter().any(|a| a == v) => Ok(Some(v.to_string())),
        [v] => Err(format!(
            "'Sec-WebSocket-Protocol' header value '{v}' in response does not match any of sent values"
        )),
    }
}

/// A WebSocket URL as the page wrote it: the `ws:` or `wss:` twin of the http(s) URL the
/// engine connects to.
pub(super) fn ws_url(u: &::url::Url) -> String {
    let s = u.as_str();
    match s.strip_prefix("https:") {
        Some(rest) => format!("wss:{rest}"),
        None => s
            .strip_prefix("http:")
            .map_or(s.to_string(), |r| format!("ws:{r}")),
    }
}

impl Sim<'_> {
    /// The socket group of WebSocket request `r`: the WebSocket pool's, apart from the page's
    /// HTTP requests, with its own limit.
    fn websocket_group(&mut self, r: usize) -> Rc<str> {
        let key = GroupKey::websocket(&self.reqs[r].url);
        let text = key.text.clone();
        if !self.group_index.contains_key(&text) {
            self.group_index.insert(text.clone(), self.group_keys.len());
            self.group_keys.push(key);
            self.pool.set_group_limit(&text, WEBSOCKETS_PER_GROUP);
        }
        text.into()
    }

    /// What happens on WebSocket `s` at `t`.
    pub(super) fn ws_act(&mut self, t: Instant, s: usize, act: Act) {
        match act {
            Act::Open => self.ws_open(t, s),
            Act::Fail(why) => self.ws_fail(t, s, &why),
            Act::Message(k) => self.ws_message(t, s, k),
            Act::Close => self.ws_close_starts(t, s),
            Act::AtBrowser(f) => self.ws_at_browser(t, s, *f),
            Act::AtServer(f) => self.ws_at_server(t, s, *f),
            Act::TooLarge(len) => self.ws_too_large(t, s, len),
        }
    }

    /// A server's message longer than Chromium takes arrives: `kWebSocketErrorMessageTooBig`
    /// drops the channel, code 1006, with no close frame and nothing in the console
    /// (net/websockets/websocket_channel.cc).
    fn ws_too_large(&mut self, t: Instant, s: usize, len: u64) {
        if self.sockets[s].over {
            return;
        }
        let r = self.sockets[s].request;
        let e = Event::new(t, Actor::Browser, steps::WS_FAILED, format!(
            "a {len}-byte message is more than Chromium takes ({MAX_MESSAGE} bytes): it drops the connection (close code 1006, no close frame, nothing in the console)"
        ));
        self.push_request(r, e);
        self.ws_end(t, s, Some("the server sent a message too large".into()));
    }

    /// The browser has checked the `101`: `Sec-WebSocket-Accept` is the key's (RFC 6455
    /// §4.2.2), so the socket is open and the page's `open` event fires.
    fn ws_open(&mut self, t: Instant, s: usize) {
        self.sockets[s].opened = true;
        let r = self.sockets[s].request;
        self.ws_release(t, r);
        if self.over_h2(s) {
            let stream = self.reqs[r].stream.unwrap_or_default();
            let text = format!("the server answered 200 to the extended CONNECT on stream {stream}: the WebSocket is open (over HTTP/2 there is no key and no Sec-WebSocket-Accept, RFC 8441 §5)");
            let e = Event::new(t, Actor::Browser, steps::WS_OPEN, text).stream(stream);
            return self.push_request(r, e);
        }
        let key = &self.sockets[s].key;
        let detail = ws::present::Opened {
            key: key.clone(),
            accept: ws::accept(key),
        };
        let e = Event::described(t, Actor::Browser, steps::WS_OPEN, detail);
        self.push_request(r, e);
    }

    /// The scenario's message `k` leaves its side, unless that side is closing.
    fn ws_message(&mut self, t: Instant, s: usize, k: usize) {
        let r = self.sockets[s].request;
        let Some(m) = self.ws_spec(r).and_then(|w| w.messages.get(k)).cloned() else {
            return;
        };
        let page = m.from == Side::Page;
        if self.sockets[s].closing(page) {
            return;
        }
        let control = |text: String| {
            let mut b = text.into_bytes();
            b.truncate(ws::MAX_CONTROL_PAYLOAD);
            b
        };
        let (opcode, payload, stand_in) = match m.kind {
            WsKind::Text => (Opcode::Text, m.text.into_bytes(), None),
            WsKind::Binary => (Opcode::Binary, vec![], Some(m.bytes)),
            WsKind::Ping => (Opcode::Ping, control(m.text), None),
            WsKind::Pong => (Opcode::Pong, control(m.text), None),
        };
        let frame = Frame {
            fin: true,
            opcode,
            mask: None,
            payload,
        };
        let len = stand_in.unwrap_or(frame.payload.len() as u64);
        if !page && len > MAX_MESSAGE {
            // The browser reads the frame's length as its first bytes arrive.
            let at = t + self.down();
            return self.schedule(at, Ev::Ws(s, Act::TooLarge(len)));
        }
        let happened = (!page).then(|| super::sse::at_ms(m.at_ms));
        self.ws_send(t, s, page, (frame, stand_in, happened), None);
    }

    /// Side `page` (else the server) sends `frame` at `t` (for a binary message, `stand_in` is
    /// its length): its event, its bytes down the connection, and what the other side does
    /// when it arrives.
    fn ws_send(
        &mut self,
        t: Instant,
        s: usize,
        page: bool,
        (mut frame, stand_in, happened): (Frame, Option<u64>, Option<Instant>),
        note: Option<Cow<'static, str>>,
    ) {
        let r = self.sockets[s].request;
        let Some(job) = self.reqs[r].conn else { return };
        if page {
            frame.mask = Some(self.sockets[s].rng.next_u32().to_be_bytes());
        }
        // Over HTTP/2 each frame is a DATA frame's payload (RFC 8441 §5). Chromium's close
        // frame ends its side of the stream (END_STREAM on the same DATA frame), and so does
        // the server's close when it answers one (a real Chromium 156 against node's http2
        // server: docs/fidelity.md).
        let stream = self.reqs[r].stream.filter(|_| self.over_h2(s));
        let end_stream = stream.is_some()
            && frame.opcode == Opcode::Close
            && (page || self.sockets[s].server_heard_close);
        if end_stream && !page {
            self.sockets[s].server_ended = true;
        }
        let detail = Framed {
            frame: frame.clone(),
            from_browser: page,
            stand_in,
            note,
            end_stream,
        };
        let bytes = match stream {
            // A frame over 16,384 bytes takes several DATA frames.
            Some(_) => http2::request_data_len(detail.wire_len()),
            None => detail.wire_len(),
        };
        let step = if frame.opcode == Opcode::Close {
            steps::WS_CLOSE
        } else {
            steps::WS_FRAME
        };
        let (actor, to, arrives) = if page {
            let arrives = t + Duration::transmission(bytes, self.bandwidth) + self.rtt.half();
            (Actor::Browser, Actor::Server, arrives)
        } else {
            let (_, _, end, _) = self.transfer(job, bytes, t + self.down());
            (Actor::Server, Actor::Browser, end)
        };
        let kind = match frame.opcode {
            Opcode::Text | Opcode::Continuation => MessageKind::Text,
            Opcode::Binary => MessageKind::Binary,
            Opcode::Ping => MessageKind::Ping,
            Opcode::Pong => MessageKind::Pong,
            Opcode::Close => MessageKind::Close,
        };
        self.reqs[r].rare_mut().messages.push(Message {
            sent: t,
            at: arrives,
            from_page: page,
            kind,
            bytes,
            happened,
        });
        let mut e = Event::described(t, actor, step, detail).message(to, arrives, bytes);
        if let Some(id) = stream {
            e = e.stream(id);
        }
        self.push_request(r, e);
        if page {
            let seg = self
                .job_mut(job)
                .and_then(|j| j.machines.send_request(t, bytes));
            if let Some(seg) = seg {
                self.push_request(r, seg);
            }
        } else {
            self.reqs[r].bytes += bytes;
            self.reqs[r].last_byte = arrives;
        }
        if matches!(frame.opcode, Opcode::Ping | Opcode::Close) {
            let act = if page {
                Act::AtServer(Box::new(frame))
            } else {
                Act::AtBrowser(Box::new(frame))
            };
            self.schedule(arrives, Ev::Ws(s, act));
        }
    }

    /// The scenario's close handshake starts: its side sends a close frame (RFC 6455 §5.5.1).
    fn ws_close_starts(&mut self, t: Instant, s: usize) {
        let r = self.sockets[s].request;
        let Some(c) = self.ws_spec(r).and_then(|w| w.close.clone()) else {
            return;
        };
        let page = c.from == Side::Page;
        if self.sockets[s].closing(page) {
            return;
        }
        // WebSockets §close(code, reason): a page may close with 1000 or 3000–4999 and a
        // reason of at most 123 bytes; anything else throws and nothing is sent.
        let allowed = c.code == 1000 || (3000..=4999).contains(&c.code);
        if page && (!allowed || c.reason.len() > 123) {
            self.problems.push(format!(
                "WebSocket close({}, …): a page may close with 1000 or 3000–4999 and a reason of at most 123 bytes, so close() throws and nothing is sent",
                c.code
            ));
            return;
        }
        self.sockets[s].sent_close(page);
        let frame = Frame::close(c.code, &c.reason, None);
        let note = match (page, self.over_h2(s)) {
            (true, false) => {
                "the server answers with a close frame of its own, then closes the TCP connection"
            }
            (false, false) => {
                "the browser answers with the same close frame, then the server closes the TCP connection"
            }
            (true, true) => {
                "its DATA frame ends the browser's side of the stream; the server answers with a close frame that ends its side"
            }
            (false, true) => {
                "the browser answers with the same close frame, ending its side of the stream; then the server ends its side"
            }
        };
        self.ws_send(t, s, page, (frame, None, None), Some(note.into()));
    }

    /// A ping or close frame the server sent reaches the browser (Chromium's
    /// `WebSocketChannel::HandleFrame`, net/websockets/websocket_channel.cc).
    fn ws_at_browser(&mut self, t: Instant, s: usize, f: Frame) {
        // The browser has dropped the connection: nothing it reads any more.
        if self.sockets[s].over {
            return;
        }
        match f.opcode {
            Opcode::Ping if !self.sockets[s].closing(true) => {
                let pong = Frame {
                    opcode: Opcode::Pong,
                    ..f
                };
                let note = "Chromium answers a ping with a pong carrying its payload";
                self.ws_send(t, s, true, (pong, None, None), Some(note.into()));
            }
            Opcode::Close => {
                self.sockets[s].browser_heard_close = true;
                let code = f.close_status().map(|(c, _)| c);
                if matches!(code, Some(1005 | 1006 | 1015)) {
                    // Only these three are refused; other odd codes reach the page's CloseEvent.
                    // The browser answers with 1002 (protocol error) and drops the connection.
                    self.sockets[s].sent_close(true);
                    let answer = Frame::close(1002, "", None);
                    let note =
                        "a protocol error: the browser answers 1002 and drops the connection";
                    self.ws_send(t, s, true, (answer, None, None), Some(note.into()));
                    let why = "Received a broken close frame containing a reserved status code.";
                    return self.ws_fail(t, s, why);
                }
                if !self.sockets[s].browser_closed {
                    self.sockets[s].sent_close(true);
                    let echo = Frame { mask: None, ..f };
                    let note = "the browser echoes the server's close (RFC 6455 §5.5.1)";
                    self.ws_send(t, s, true, (echo, None, None), Some(note.into()));
                }
            }
            _ => {}
        }
    }

    /// A close frame the browser sent reaches the server: it answers with its own if it has
    /// not sent one, and closes the TCP connection (RFC 6455 §7.1.1: the server closes first).
    fn ws_at_server(&mut self, t: Instant, s: usize, f: Frame) {
        if f.opcode != Opcode::Close || self.sockets[s].over && self.sockets[s].failure.is_some() {
            return;
        }
        self.sockets[s].server_heard_close = true;
        if !self.sockets[s].server_closed {
            self.sockets[s].sent_close(false);
            let echo = Frame { mask: None, ..f };
            self.ws_send(t, s, false, (echo, None, None), None);
        }
        self.ws_tcp_close(t, s);
    }

    /// The server closes the TCP connection at `t`: its FIN, the browser's, the last ACK; the
    /// handshake's request is done when the FIN arrives.
    fn ws_tcp_close(&mut self, t: Instant, s: usize) {
        let r = self.sockets[s].request;
        let Some(job) = self.reqs[r].conn else { return };
        if self.over_h2(s) {
            return self.ws_stream_end(t, s, job);
        }
        // After the last frame it wrote has arrived.
        let fin = (t + self.down()).max(self.reqs[r].last_byte);
        let close = (self.job_mut(job))
            .map(|j| {
                j.machines
                    .close_by_server_because(fin, "FIN: the WebSocket is closed")
            })
            .unwrap_or_default();
        for e in close {
            let e = e.request(r as u32 + 1).connection(job);
            self.schedule(e.at, Ev::Emit(Box::new(e)));
        }
        self.ws_end(fin, s, None);
    }

    /// Over HTTP/2 the server ends the WebSocket's stream instead of the connection (RFC 8441
    /// §6: END_STREAM stands for TCP's FIN): on its close frame when it answers the browser's,
    /// else, once the browser has echoed its close (with END_STREAM), with an empty DATA frame.
    /// Both sides have then ended the stream; the connection stays open for the origin's other
    /// requests.
    fn ws_stream_end(&mut self, t: Instant, s: usize, job: u32) {
        if self.sockets[s].server_ended {
            // Its close frame carried END_STREAM: the socket is over when it arrives.
            let last = self.reqs[self.sockets[s].request].last_byte;
            return self.ws_end(last.max(t), s, None);
        }
        let (r, stream, end, n) = self.stream_frame(s, false, |stream| http2::Frame::Data {
            stream,
            end_stream: true,
            data: Vec::new(),
        });
        let (_, _, arrives, _) = self.transfer(job, n, t + self.down());
        let e = Event::described(t, Actor::Server, steps::WS_CLOSE, end)
            .message(Actor::Browser, arrives, n)
            .stream(stream);
        self.push_request(r, e.connection(job));
        self.reqs[r].bytes += n;
        self.reqs[r].last_byte = arrives;
        self.ws_end(arrives, s, None);
    }

    /// The browser drops WebSocket `s`, a stream of HTTP/2 connection `job`, at `t`: it resets
    /// the stream (`WebSocketSpdyStreamAdapter::Disconnect` cancels it, and the session sends
    /// RST_STREAM with CANCEL, net/websockets/websocket_basic_stream_adapters.cc and
    /// net/spdy/spdy_session.cc); the connection stays.
    fn ws_stream_reset(&mut self, t: Instant, s: usize, job: u32) {
        let (r, stream, reset, n) = self.stream_frame(s, true, |stream| http2::Frame::RstStream {
            stream,
            code: http2::error::CANCEL,
        });
        let arrives = t + Duration::transmission(n, self.bandwidth) + self.rtt.half();
        let e = Event::described(t, Actor::Browser, steps::WS_CLOSE, reset)
            .message(Actor::Server, arrives, n)
            .stream(stream);
        self.push_request(r, e.connection(job));
        self.h2_send(t, job, r as u32 + 1, n);
    }

    /// An HTTP/2 frame of WebSocket `s`'s stream, sent by the browser (`from_client`) or the
    /// server: its request, its stream, the frame as an event holds it, and its bytes.
    fn stream_frame(
        &self,
        s: usize,
        from_client: bool,
        frame: impl FnOnce(u32) -> http2::Frame,
    ) -> (usize, u32, present::Control, u64) {
        let r = self.sockets[s].request;
        let stream = self.reqs[r].stream.unwrap_or_default();
        let control = present::Control {
            from_client,
            preface: false,
            frames: vec![frame(stream)],
        };
        let n = control.bytes().bytes.len() as u64;
        (r, stream, control, n)
    }

    /// The handshake's answer, or a frame, fails WebSocket `s` at `t`: Blink's console line,
    /// and the browser drops the connection.
    fn ws_fail(&mut self, t: Instant, s: usize, why: &str) {
        let r = self.sockets[s].request;
        let console = self.ws_console(r, why);
        let e = Event::new(t, Actor::Browser, steps::WS_FAILED, console.clone());
        self.push_request(r, e);
        self.console.push(console);
        self.ws_end(t, s, Some(why.to_string()));
    }

    /// Whether WebSocket `s` is a stream of an HTTP/2 connection (RFC 8441), not a connection
    /// of its own: its request's.
    fn over_h2(&self, s: usize) -> bool {
        self.reqs[self.sockets[s].request].h2
    }

    /// WebSocket `s` is over at `t` (`failure`: why it failed): its request is done, and its
    /// socket closed.
    fn ws_end(&mut self, t: Instant, s: usize, failure: Option<String>) {
        let socket = &mut self.sockets[s];
        if socket.over {
            return;
        }
        socket.over = true;
        let reset = self.reqs[socket.request].h2 && failure.is_some();
        socket.failure = failure;
        let r = socket.request;
        self.ws_release(t, r);
        if let (true, Some(job)) = (reset, self.reqs[r].conn) {
            self.ws_stream_reset(t, s, job);
        }
        self.schedule(t, Ev::Done(r));
    }

    /// Why request `r`'s "download" lasts, when it is a socket or an event stream that stayed
    /// open: what went over it meanwhile (its messages are the ticks on its bar).
    pub(super) fn lasting_why(&self, r: usize) -> Option<String> {
        let q = &self.reqs[r];
        let messages = &q.rare().messages;
        let bytes: u64 = messages.iter().map(|m| m.bytes).sum();
        let n = messages.len();
        let plural = if n == 1 { "" } else { "s" };
        if let Some(s) = self.websocket_of(r) {
            if !self.sockets[s].opened {
                return None;
            }
            let over = match (self.over_h2(s), q.stream) {
                (true, Some(id)) => format!("as stream {id} of the origin's HTTP/2 connection"),
                _ => "on a connection of its own".into(),
            };
            return Some(format!(
                "the WebSocket is open {over}: {n} frame{plural} ({bytes} bytes with their framing) went both ways, each a tick on the bar"
            ));
        }
        (q.kind.channel == crate::model::http::Channel::EventSource && n > 0).then(|| {
            format!(
                "the event stream stays open: {n} event{plural} ({bytes} bytes) arrived as the server wrote them, each a tick on the bar"
            )
        })
    }

    /// WebSocket request `r`'s handshake, for the report.
    pub(super) fn handshake(&self, r: usize) -> Option<Handshake> {
        let socket = &self.sockets[self.websocket_of(r)?];
        let (protocols, protocol) = (socket.protocols.clone(), socket.protocol.clone());
        if self.reqs[r].h2 {
            return Some(Handshake {
                key: None,
                accept: None,
                expected: None,
                http2_stream: self.reqs[r].stream,
                protocols,
                protocol,
            });
        }
        Some(Handshake {
            key: Some(socket.key.clone()),
            accept: socket.accept.clone(),
            expected: Some(ws::accept(&socket.key)),
            http2_stream: None,
            protocols,
            protocol,
        })
    }

    /// How WebSocket request `r` ended, for [`Sim::done`].
    pub(super) fn ws_outcome(&self, r: usize) -> Option<Outcome> {
        let s = self.websocket_of(r)?;
        Some(match &self.sockets[s].failure {
            Some(why) => Outcome::Failed {
                error: format!("WebSocket: {why}"),
            },
            None => Outcome::Ok {
                status: self.reqs[r].status,
                rule: "a WebSocket is not held to CORS: the server reads the Origin header and decides".into(),
            },
        })
    }
}

/// The most sockets a WebSocket group may hold (`g_max_sockets_per_group` for
/// `WEBSOCKET_SOCKET_POOL`, net/socket/client_socket_pool_manager.cc).
pub const WEBSOCKETS_PER_GROUP: usize = 255;

/// The longest message Chromium takes (`INT32_MAX`: longer is `kWebSocketErrorMessageTooBig`).
pub const MAX_MESSAGE: u64 = i32::MAX as u64;

impl Socket {
    /// Whether the side (`page`, else the server) may send no more: it sent a close frame or
    /// received one.
    fn closing(&self, page: bool) -> bool {
        if page {
            self.browser_closed || self.browser_heard_close || self.over
        } else {
            self.server_closed || self.server_heard_close || self.over
        }
    }

    fn sent_close(&mut self, page: bool) {
        if page {
            self.browser_closed = true;
        } else {
            self.server_closed = true;
        }
    }
}
