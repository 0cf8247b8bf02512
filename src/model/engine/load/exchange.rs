//! One HTTP exchange on a connection: the request as sent (the document's a navigation), the
//! server's answer (the scenario's, or the modelled server's), its head and body over slow
//! start and the shared link, and what the browser does at the first byte.

use super::*;
use crate::model::http;
use std::borrow::Cow;
use std::rc::Rc;

/// The body size assumed for a kind of resource when the scenario gives none.
pub(super) fn default_bytes(d: Dest) -> u64 {
    match d {
        Dest::Fetch(Destination::Style) => 20_000,
        Dest::Fetch(Destination::Script) => 50_000,
        Dest::Fetch(Destination::Image) => 40_000,
        Dest::Fetch(Destination::Font) => 30_000,
        Dest::Fetch(Destination::Media) => 200_000,
        Dest::Fetch(Destination::Iframe) | Dest::Fetch(Destination::Document) => 15_000,
        Dest::Fetch(Destination::Fetch) => 2_000,
        Dest::Preflight => 0,
    }
}

/// The request the model sends to `host` (the `Host` header) for `target` (path and query):
/// the model's `fetch()` headers ([`crate::model::http::Fetch`]) with this
/// request's cookie and the extra header lines a script, CORS, a preflight or the cache add
/// (`Name: value`, or a name alone), each where Chromium puts it; with its size on the wire for
/// `method` (the request line says `GET`, so the size adds the difference).
fn sent_request_to(
    kind: http::Kind,
    host: &str,
    target: &str,
    referer: Option<&str>,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (crate::model::http::Request, u64) {
    let extra = extra_fields(method, extra);
    let sent = fetch(kind, (host, target), referer, cookie, &extra).request();
    let size = sent.wire_len() + (method.len() as u64).saturating_sub(3);
    (sent, size)
}

/// The model's `fetch()` request to `host` for `target`.
fn fetch<'a>(
    kind: http::Kind,
    (host_header, target): (&'a str, &'a str),
    referer: Option<&'a str>,
    cookie: Option<&'a str>,
    extra: &'a [(&'a str, &'a str)],
) -> http::Fetch<'a> {
    http::Fetch {
        host_header,
        target,
        referer,
        cookie,
        extra,
        kind,
    }
}

/// The extra header lines as (name, value), and `Content-Length: 0` for a `POST` or `PUT`
/// without a body: "an empty POST/PUT request still needs a content length"
/// (`HttpNetworkTransaction::BuildRequestHeaders`; the fidelity run's `fetch()` PUT carries it).
fn extra_fields<'a>(method: &str, extra: &'a [String]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = extra.iter().map(|l| header_line(l)).collect();
    let empty_body = ["POST", "PUT"]
        .iter()
        .any(|m| method.eq_ignore_ascii_case(m))
        && !fields
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if empty_body {
        fields.push(("Content-Length", "0"));
    }
    fields
}

/// A request of a load as the model sends it, and its size: a document's (the navigation's
/// first request and each redirect's) and an iframe's are navigation requests (Fetch's mode
/// `navigate`) whose extra lines are the initiator's and the cache's validators, an iframe's
/// with the page's `Referer`; every other is the model's `fetch()` request (see
/// `sent_request_to`). The engine and the HAR export both call this, so the export shows what
/// was sent.
pub fn request_as_sent(
    kind: http::Kind,
    url: &str,
    referer: Option<&str>,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (crate::model::http::Request, u64) {
    let (host, target) = host_and_target(url);
    request_as_sent_to(kind, (&host, &target), referer, method, cookie, extra)
}

/// [`request_as_sent`] to a URL already parsed into its `Host` header and target.
fn request_as_sent_to(
    kind: http::Kind,
    (host, target): (&str, &str),
    referer: Option<&str>,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (crate::model::http::Request, u64) {
    if kind.is_navigation() {
        let mut fields = header_fields(extra);
        // An iframe's `Referer` is the page's; a document's comes with its initiator's lines.
        if kind.dest != http::Dest::Document && !fields.has("referer") {
            if let Some(r) = referer {
                fields = fields.with("Referer", r.to_string());
            }
        }
        let sent =
            crate::model::http::navigation_request(method, host, target, cookie, &fields, kind);
        let size = sent.wire_len();
        return (sent, size);
    }
    sent_request_to(kind, host, target, referer, method, cookie, extra)
}

/// The sizes of [`request_as_sent_to`]'s request, counted without writing it for a `fetch()`:
/// its own (`GET`) and on the wire for `method`.
fn size_as_sent_to(
    kind: http::Kind,
    (host, target): (&str, &str),
    referer: Option<&str>,
    method: &str,
    cookie: Option<&str>,
    extra: &[String],
) -> (u64, u64) {
    if kind.is_navigation() {
        let (sent, size) = request_as_sent_to(kind, (host, target), referer, method, cookie, extra);
        return (sent.wire_len(), size);
    }
    let extra = extra_fields(method, extra);
    let own = fetch(kind, (host, target), referer, cookie, &extra).wire_len();
    (own, own + (method.len() as u64).saturating_sub(3))
}

/// The `Host` header (the port only when the URL gives one) and the request target (path and
/// query) for `url`.
pub(super) fn host_and_target(url: &str) -> (String, String) {
    match ::url::Url::parse(url) {
        Ok(u) => host_and_target_of(&u),
        Err(_) => (String::new(), "/".to_string()),
    }
}

/// [`host_and_target`] of a parsed URL.
pub(super) fn host_and_target_of(u: &::url::Url) -> (String, String) {
    (host_of(u), target_of(u))
}

/// The `Host` header for `u`: its host, and its port when the URL gives one.
fn host_of(u: &::url::Url) -> String {
    let h = u.host_str().unwrap_or_default();
    match u.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    }
}

/// The request target for `u`: its path and query.
fn target_of(u: &::url::Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// The response the model sends at `date` (seconds since the Unix epoch): the scenario's header
/// lines, then `Date`, `Content-Type` and `Content-Length` where the lines do not give them
/// (a 204 has no `Content-Length`).
pub fn response_message(
    status: u16,
    lines: &[String],
    content_type: Cow<'static, str>,
    body: u64,
    date: i64,
) -> crate::model::http::Response {
    let mut h = Headers(Vec::with_capacity(lines.len() + 3));
    for l in lines {
        if let Some((n, v)) = l.split_once(':') {
            h = h.with(n.trim().to_string(), v.trim().to_string());
        }
    }
    if h.get("Date").is_none() {
        h = h.with("Date", crate::model::http_date::format(date));
    }
    if h.get("Content-Type").is_none() {
        h = h.with("Content-Type", content_type);
    }
    // RFC 9110 §8.6: never in a 1xx or a 204.
    if h.get("Content-Length").is_none() && status >= 200 && status != 204 {
        h = h.with("Content-Length", body.to_string());
    }
    crate::model::http::Response {
        status,
        reason: crate::model::http::reason_phrase(status),
        headers: h,
        body_bytes: body,
    }
}

/// An EventSource's answer: when it is a `200` stream, its length is unknown (no
/// `Content-Length`), and over HTTP/1.1 it is sent in chunks (RFC 9112 §7.1).
fn event_stream_head(
    mut resp: crate::model::http::Response,
    chunked: bool,
) -> crate::model::http::Response {
    let stream = resp.status == 200
        && (resp.headers.get("content-type")).is_some_and(super::sse::is_event_stream);
    if stream {
        resp.headers.remove("content-length");
        resp.body_bytes = 0;
        if chunked && resp.headers.get("transfer-encoding").is_none() {
            resp.headers = resp.headers.with("Transfer-Encoding", "chunked");
        }
    }
    resp
}

/// RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison, §13.1.2); else
/// If-Modified-Since against Last-Modified. False when the request is not conditional.
pub(super) fn validators_match(conditional: &Headers, response: &Headers) -> bool {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if let Some(inm) = conditional.get("if-none-match") {
        return response.get("etag").is_some_and(|etag| {
            inm.split(',')
                .any(|t| t.trim() == "*" || weak(t) == weak(etag))
        });
    }
    match (
        conditional
            .get("if-modified-since")
            .and_then(crate::model::http_date::parse),
        response
            .get("last-modified")
            .and_then(crate::model::http_date::parse),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// The 304 a server sends instead of `full`: the same header fields but the body's own
/// (RFC 9110 §15.4.5), and no body.
pub(crate) fn not_modified(full: crate::model::http::Response) -> crate::model::http::Response {
    let mut headers = full.headers;
    headers.remove("content-length");
    headers.remove("content-type");
    crate::model::http::Response {
        status: 304,
        reason: crate::model::http::reason_phrase(304),
        headers,
        body_bytes: 0,
    }
}

/// A parsed URL's origin (HTML §7.1.1), as the model's URL parser would give it: the same
/// WHATWG parse, without parsing the text a second time.
pub(super) fn origin_of(u: &::url::Url) -> Origin {
    match u.origin() {
        ::url::Origin::Tuple(scheme, host, port) => Origin::Tuple {
            scheme,
            host: host.to_string(),
            port,
        },
        ::url::Origin::Opaque(_) => Origin::Opaque,
    }
}

/// `http.request`: what decided a request as sent (its number, `Host` and target, `Referer`,
/// method, cookie and extra lines) and its size; its header fields are made again
/// ([`request_as_sent_to`]) when the event is read, so a page's thousands of requests do not
/// each keep a copy of the same dozen fields.
#[derive(Clone, Debug)]
pub struct Sent {
    /// What the request is (a document's is the browser's navigation request).
    kind: http::Kind,
    host: Rc<str>,
    target: String,
    referer: Option<Rc<str>>,
    method: Cow<'static, str>,
    cookie: Option<String>,
    extra: Vec<String>,
    /// Its priority when it was sent (the `priority` field over HTTP/2).
    priority: crate::model::pool::Priority,
    bytes: u64,
    /// Over HTTP/2: its stream, and its HEADERS frame's block and priority fields.
    h2: Option<Rc<crate::model::http2::present::Request>>,
    /// Over HTTP/3: its stream and its HEADERS frame.
    h3: Option<Rc<super::h3::Headers>>,
}

/// The arguments [`request_as_sent_to`] and [`size_as_sent_to`] take.
type SentArgs<'a> = (
    http::Kind,
    (&'a str, &'a str),
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    &'a [String],
);

impl Sent {
    /// What decided the request, as the writers of its fields and its size take it.
    fn args(&self) -> SentArgs<'_> {
        (
            self.kind,
            (&self.host, &self.target),
            self.referer.as_deref(),
            &self.method,
            self.cookie.as_deref(),
            &self.extra,
        )
    }

    /// Its size as written (with `GET`) and on the wire ([`size_as_sent_to`]).
    fn size(&self) -> (u64, u64) {
        let (nav, at, referer, method, cookie, extra) = self.args();
        size_as_sent_to(nav, at, referer, method, cookie, extra)
    }

    /// The method the request line says (the request [`Sent::request`] writes says `GET` for a
    /// `fetch()`: its size adds the difference).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request body's length (its Content-Length), 0 without one.
    pub fn body_len(&self) -> u64 {
        (self.request().0.headers.get("content-length"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// The HTTP/2 or HTTP/3 stream that carries it, if one does.
    pub fn stream(&self) -> Option<u32> {
        (self.h2.as_ref().map(|h| h.stream)).or(self.h3.as_ref().map(|h| h.stream))
    }

    /// The header fields as sent, in order: the request's lines over HTTP/1.1; over HTTP/2 the
    /// fields its HEADERS frame lists, pseudo-headers and `priority` included.
    pub fn header_list(&self) -> crate::model::cache::Headers {
        let r = self.request().0;
        match self.stream() {
            Some(_) if self.tunnel() => http::h2_websocket_fields(&r),
            Some(_) => http::h2_fields(
                &r,
                &self.method,
                if self.kind.https { "https" } else { "http" },
                http::priority_field(self.priority, self.kind.dest),
            ),
            None => r.headers,
        }
    }

    /// A WebSocket's extended CONNECT over HTTP/2 (RFC 8441 §4).
    fn tunnel(&self) -> bool {
        self.h2.as_ref().is_some_and(|h| h.tunnel)
    }

    /// Its HTTP/2 HEADERS, if a stream carries it.
    pub fn h2(&self) -> Option<&crate::model::http2::present::Request> {
        self.h2.as_deref()
    }

    /// Over HTTP/3: its stream and its HEADERS frame.
    pub fn h3(&self) -> Option<&super::h3::Headers> {
        self.h3.as_deref()
    }

    /// The request and its size on the wire.
    pub fn request(&self) -> (crate::model::http::Request, u64) {
        let (nav, at, referer, method, cookie, extra) = self.args();
        request_as_sent_to(nav, at, referer, method, cookie, extra)
    }
}

impl crate::model::trace::Detail for Sent {
    fn summary(&self) -> Cow<'static, str> {
        match (self.stream(), &self.h3) {
            (Some(id), Some(_)) => format!(
                "HEADERS on stream {id} (HTTP/3): {} {}",
                self.method, self.target
            ),
            (Some(id), None) if self.tunnel() => format!(
                "HEADERS on stream {id}: CONNECT {} (:protocol websocket)",
                self.target
            ),
            (Some(id), None) => format!("HEADERS on stream {id}: {} {}", self.method, self.target),
            (None, _) => format!("{} {} HTTP/1.1", self.method, self.target),
        }
        .into()
    }

    fn fields(&self) -> Vec<crate::model::trace::Field> {
        let mut f: Vec<_> = http::present::header_fields(self.header_list()).collect();
        if let Some(h) = &self.h2 {
            f.extend(h.fields());
        }
        if let Some(h) = &self.h3 {
            f.extend(h.fields());
        }
        f.push(crate::model::trace::Field::new(
            "size",
            format_args!("{} bytes of HTTP", self.bytes),
        ));
        f
    }
}

/// `http.response` to a request the scenario answers: what decided the response (its status,
/// the scenario's header lines, the assumed Content-Type, the body's size, the date, and
/// whether it became a 304), from which its head is made again ([`response_message`]) when
/// the event is read.
#[derive(Clone, Debug)]
pub struct Answer {
    status: u16,
    lines: Option<Rc<[String]>>,
    content_type: &'static str,
    body: u64,
    date: i64,
    not_modified: bool,
    /// An EventSource's request: a `200 text/event-stream` answer streams
    /// ([`event_stream_head`]), chunked when `Some(true)`.
    source: Option<bool>,
}

impl Answer {
    /// The response's head as sent (its body is only a length).
    pub fn response(&self) -> crate::model::http::Response {
        let lines = self.lines.as_deref().unwrap_or_default();
        let full = response_message(
            self.status,
            lines,
            Cow::Borrowed(self.content_type),
            self.body,
            self.date,
        );
        let resp = if self.not_modified {
            not_modified(full)
        } else {
            full
        };
        match self.source {
            Some(chunked) => event_stream_head(resp, chunked),
            None => resp,
        }
    }
}

impl crate::model::trace::Detail for Answer {
    fn summary(&self) -> Cow<'static, str> {
        let status = if self.not_modified { 304 } else { self.status };
        let reason = crate::model::http::reason_phrase(status);
        format!("HTTP/1.1 {status} {reason}").into()
    }

    fn fields(&self) -> Vec<crate::model::trace::Field> {
        http::present::header_fields(self.response().headers).collect()
    }
}

/// The header lines the scenario gives an answer: a preflight's own when the response has
/// them, else the response's; none without a response.
pub(super) fn scenario_lines(spec: Option<&ResponseSpec>, preflight: bool) -> &[String] {
    spec.map_or(&[][..], |s| match (preflight, &s.preflight_headers) {
        (true, Some(p)) => &p[..],
        _ => &s.headers[..],
    })
}

/// The Content-Type of a file extension (compared without case).
const BY_EXTENSION: [(&str, &str); 15] = [
    ("css", "text/css"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("webp", "image/webp"),
    ("woff2", "font/woff2"),
    ("woff", "font/woff"),
    ("json", "application/json"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("mp4", "video/mp4"),
];

/// The Content-Type assumed when the scenario gives none: from the file extension, else from
/// the kind of resource.
pub(super) fn default_content_type(url: &::url::Url, d: Dest) -> &'static str {
    let path = url.path();
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let known = BY_EXTENSION
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext));
    match known {
        Some((_, t)) => t,
        None => match d {
            Dest::Fetch(Destination::Style) => "text/css",
            Dest::Fetch(Destination::Script) => "text/javascript",
            Dest::Fetch(Destination::Image) => "image/png",
            Dest::Fetch(Destination::Font) => "font/woff2",
            Dest::Fetch(Destination::Media) => "video/mp4",
            Dest::Fetch(Destination::Fetch) => "application/json",
            _ => "text/html",
        },
    }
}

impl Sim<'_> {
    pub(super) fn send(&mut self, t: Instant, r: usize, job: u32) {
        if let Some((q0, _, reason, ahead)) = self.reqs[r].queue {
            self.reqs[r].queue = Some((q0, t, reason, ahead));
        }
        let server = self.think_time(r);
        let mut sent = self.sent(r);
        // An HTTP/2 request is a stream: the client numbers its streams 1, 3, 5… (RFC 9113
        // §5.1.1); an HTTP/3 request the next bidirectional stream, 0, 4, 8… (RFC 9000 §2.1).
        let protocol = self
            .job(job)
            .map(|j| (j.conn.protocol, j.conn.uses.len() as u32));
        let stream = match protocol {
            Some((Protocol::H2, n)) => Some(2 * n + 1),
            Some((Protocol::H3, n)) => Some(4 * n),
            _ => None,
        };
        match protocol {
            Some((Protocol::H3, _)) => sent.h3 = stream.map(|id| self.h3_request(id, r, &sent)),
            _ => sent.h2 = stream.and_then(|id| self.h2_request((job, id), r, &sent)),
        }
        let (wire_len, request_bytes) = match (&sent.h2, &sent.h3) {
            (Some(h), _) => (h.wire_len(), h.wire_len()),
            (None, Some(h)) => {
                let body = sent.body_len();
                let n = h.wire_len(body) + body;
                (n, n)
            }
            (None, None) => sent.size(),
        };
        let send_end = t + Duration::transmission(request_bytes, self.bandwidth);
        let arrives = send_end + self.rtt.half();
        let first_byte = send_end + self.rtt + server;
        let q = &mut self.reqs[r];
        q.conn = Some(job);
        q.send_start = Some(t);
        q.send_end = send_end;
        q.first_byte = first_byte;
        q.sent_bytes = request_bytes;
        self.reqs[r].stream = stream;
        if let Some(j) = self.job_mut(job) {
            j.conn.uses.push((r as u32 + 1, t, t));
        }
        sent.bytes = request_bytes;
        self.xhr_sent(t, r);
        // A feed's server may hold the request (a long poll): worked out before its answer.
        let answer_at = self.poll_answer_at(r, arrives + server);
        self.request_events(t, r, job, sent, wire_len, arrives, server);
        if let Some(at) = answer_at {
            self.schedule(at, Ev::ServerSends(r));
        }
    }

    /// The server's think-time for request `r`: its response's own, else the page's.
    pub(super) fn think_time(&self, r: usize) -> Duration {
        let spec = self.reqs[r].response.and_then(|i| self.sc.responses.get(i));
        let server_ms = spec.and_then(|s| s.server_ms).unwrap_or(self.sc.server_ms);
        if server_ms.is_finite() {
            Duration::from_micros((server_ms.clamp(0.0, 600_000.0) * 1000.0) as u64)
        } else {
            Duration::ZERO
        }
    }

    /// What decides request `r` as sent ([`request_as_sent`]), with the `Referer` Chromium's
    /// default referrer policy gives it ([`crate::model::http::referer`]).
    pub(super) fn sent(&mut self, r: usize) -> Sent {
        let (host, referer) = self.host_and_referer(r);
        let q = &self.reqs[r];
        let target = target_of(&q.url);
        Sent {
            kind: q.kind,
            host,
            target,
            referer,
            method: q.method.clone(),
            cookie: q.cookie.clone(),
            extra: q.sent_lines(),
            priority: q.priority,
            bytes: 0,
            h2: None,
            h3: None,
        }
    }

    /// The `Host` header and the `Referer` of a request to request `r`'s origin (the same for
    /// every request there), worked out for the first.
    fn host_and_referer(&mut self, r: usize) -> (Rc<str>, Option<Rc<str>>) {
        let of = self.reqs[r].of;
        let page_url = self.reqs[self.doc].url.as_str();
        let (page_origin, url) = (&self.page_origin_s, &self.reqs[r].url);
        let Some(facts) = self.origins.get_mut(of) else {
            // Every request has its origin's facts; this is only the type's other case.
            let referer =
                crate::model::http::referer(page_url, page_origin, &self.reqs[r].origin_s);
            return (host_of(url).into(), referer.map(Rc::from));
        };
        let host = facts
            .host_header
            .get_or_insert_with(|| host_of(url).into())
            .clone();
        let text = &facts.text;
        let referer = facts
            .referer
            .get_or_insert_with(|| {
                crate::model::http::referer(page_url, page_origin, text).map(Rc::from)
            })
            .clone();
        (host, referer)
    }

    /// The request leaves now and reaches the server at `arrives`, which works out its answer
    /// for `server`; the server's work is emitted at its moment.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn request_events(
        &mut self,
        t: Instant,
        r: usize,
        job: u32,
        sent: Sent,
        wire_len: u64,
        arrives: Instant,
        server: Duration,
    ) {
        // The server's answer reads the request (its cookie, its validators); the event keeps
        // what the request was made from, not its fields.
        let (resp, notes, answer) = self.response(r, &sent, arrives);
        self.reqs[r].answer = answer.map(Box::new);
        let bytes = sent.bytes;
        let e = Event::described(t, Actor::Browser, steps::HTTP_REQUEST, sent).message(
            Actor::Server,
            arrives,
            bytes,
        );
        self.push_request(r, e.connection(job));
        // The bytes go down the connection's TCP machines (or its request stream over QUIC):
        // the wrapping, shown once.
        let stream = self.reqs[r].stream;
        let wire = self.job_mut(job).and_then(|j| match stream {
            Some(id) if j.machines.is_quic() => {
                j.machines.send_stream(t, u64::from(id), wire_len, true)
            }
            _ => j.machines.send_request(t, wire_len),
        });
        if let Some(e) = wire {
            self.push_request(r, e);
        }
        let site_served = notes.is_some();
        let mut processing = Event::described(
            arrives,
            Actor::Server,
            steps::HTTP_SERVER_PROCESSING,
            http::present::Processing {
                think: server,
                notes: notes.unwrap_or_default(),
            },
        )
        .request(r as u32 + 1)
        .connection(job);
        if let Some(id) = self.reqs[r].stream {
            processing = processing.stream(id);
        }
        self.schedule(arrives, Ev::Emit(Box::new(processing)));
        let q = &self.reqs[r];
        // HTTP/2 has no `Connection: close` (RFC 9113 §8.2.2): its connection carries every
        // stream to the origin and stays open.
        // A WebSocket's connection is never reused: it closes with the socket.
        let keep_alive = q.h2
            || q.rare().websocket.is_none()
                && self.sc.keep_alive
                && self
                    .sc
                    .origin_spec(&q.origin_s)
                    .and_then(|o| o.keep_alive)
                    .unwrap_or(true)
                && !resp
                    .headers
                    .get("connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        self.reqs[r].keep_alive = keep_alive;
        self.reqs[r].site_served = site_served;
        // An empty Location is no redirect (`HttpResponseHeaders::IsRedirect` skips it).
        self.reqs[r].set_location(
            resp.headers
                .get("location")
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string),
        );
        self.reqs[r].resp = Some(Box::new(resp));
    }

    /// The response the server sends for request `r` (and what the server noted doing): the
    /// situation's server, or the scenario's status and header lines, and its body size (or the
    /// size typical of the kind of resource). For the scenario's answer, also what decided it
    /// ([`Answer`]), which its event keeps.
    pub(super) fn response(
        &mut self,
        r: usize,
        sent: &Sent,
        arrives: Instant,
    ) -> (
        crate::model::http::Response,
        Option<Vec<String>>,
        Option<Answer>,
    ) {
        if self.websocket_of(r).is_some() {
            return (self.ws_answer(r), None, None);
        }
        let q = &self.reqs[r];
        // The situation's server answers the document and the page's GET `fetch()`es to its
        // origin, reading the request as a server does.
        if let Some(site) = &self.situation.server {
            let api = self.api == Some(r) && q.method == "GET";
            if (r == self.doc && *q.origin == self.page_origin) || api {
                let request = sent.request().0;
                let mut p = crate::model::http::serve(site, &request, self.unix(arrives), api);
                if api && *q.origin != self.page_origin {
                    p.response = self.api_cors(p.response, &mut p.notes);
                }
                if let (Some(v), true) = (&self.situation.alt_svc, q.https) {
                    p.notes.push(
                        "says with Alt-Svc that it also speaks HTTP/3 on UDP port 443".into(),
                    );
                    p.response.headers = p.response.headers.with("Alt-Svc", v.to_string());
                }
                return (p.response, Some(p.notes), None);
            }
        }
        let spec = q.response.and_then(|i| self.sc.responses.get(i));
        let stopped = self.stop_status(r);
        let status = stopped.unwrap_or(spec.map_or(200, |s| s.status));
        let fed = self.poll_body(r);
        let q = &self.reqs[r];
        let body = match (spec.and_then(|s| s.bytes), q.dest) {
            _ if stopped.is_some() => 0,
            _ if fed.is_some() => fed.unwrap_or_default(),
            (Some(b), _) => b,
            // A redirect's body is not shown: none unless the scenario gives one.
            (None, _) if crate::model::redirect::is_redirect(status) => 0,
            (None, Dest::Fetch(Destination::Document)) if r == self.doc => {
                self.sc.html.len() as u64
            }
            (None, d) => default_bytes(d),
        };
        let lines = scenario_lines(spec, q.dest == Dest::Preflight);
        let (content_type, date) = (q.content_type, self.unix_time);
        let full = response_message(status, lines, Cow::Borrowed(content_type), body, date);
        let not_modified_ = status == 200 && validators_match(&q.rare().conditional, &full.headers);
        let resp = if not_modified_ {
            not_modified(full)
        } else {
            full
        };
        let resp = if q.rare().source.is_some() {
            event_stream_head(resp, !q.h2)
        } else {
            resp
        };
        let preflight = q.dest == Dest::Preflight;
        let source = q.rare().source.map(|_| !q.h2);
        let answer = Answer {
            status,
            lines: q.response.map(|i| self.lines_of(i, preflight)),
            content_type,
            body,
            date,
            not_modified: not_modified_,
            source,
        };
        (resp, None, Some(answer))
    }

    /// The body's text when the model knows it: the page's own HTML as its document's body
    /// (what a capture shows; other bodies are only lengths).
    fn content_of(&self, r: usize, body: u64) -> Option<Rc<str>> {
        let html = &self.sc.html;
        (r == self.doc && !html.is_empty() && html.len() as u64 == body)
            .then(|| Rc::from(html.as_str()))
    }

    /// The header lines of the scenario's response `i` (its preflight's, for a preflight),
    /// shared by the events that show them.
    fn lines_of(&mut self, i: usize, preflight: bool) -> Rc<[String]> {
        if self.answer_lines.len() < self.sc.responses.len() {
            self.answer_lines
                .resize(self.sc.responses.len(), [None, None]);
        }
        let sc = self.sc;
        let Some(slot) = self.answer_lines.get_mut(i) else {
            return Rc::from([]);
        };
        slot[usize::from(preflight)]
            .get_or_insert_with(|| scenario_lines(sc.responses.get(i), preflight).into())
            .clone()
    }

    /// The API on another origin answers the page's cross-origin `fetch()`: with
    /// `Access-Control-Allow-Origin` naming the page's origin when the situation allows it, and
    /// without when it does not (Fetch §4.9, "CORS check").
    fn api_cors(
        &self,
        resp: crate::model::http::Response,
        notes: &mut Vec<String>,
    ) -> crate::model::http::Response {
        let page = &self.page_origin_s;
        let mut resp = resp;
        if self.situation.api == ApiChoice::CrossOrigin {
            notes.push(format!(
                "reads Origin: {page}, a site it serves: allows it with Access-Control-Allow-Origin"
            ));
            resp.headers = resp
                .headers
                .with("Access-Control-Allow-Origin", page.to_string());
        } else {
            notes.push(format!(
                "reads Origin: {page}, which it does not serve: no Access-Control-Allow-Origin"
            ));
        }
        resp
    }

    /// Request `r`'s response is ready at `ts` and the server starts sending it — over HTTP/2
    /// once the connection's earlier responses have left ([`Self::h2_wait`]): its head, then its
    /// body, which takes slow start's round trips on this connection (RFC 5681 §3.1, from the
    /// window the connection has reached) and its bytes on the shared link. With
    /// `Connection: close` the server's FIN follows the last byte.
    pub(super) fn server_sends(&mut self, ts: Instant, r: usize) {
        if !self.h2_wait(ts, r) {
            self.send_response(ts, r);
        }
    }

    /// The server sends request `r`'s response at `ts` ([`Self::server_sends`]).
    pub(super) fn send_response(&mut self, ts: Instant, r: usize) {
        let Some(job) = self.reqs[r].conn else { return };
        if self.stream_response(ts, r, job) || self.ws_response(ts, r, job) {
            return;
        }
        let Some((head, head_len, status, body)) = self.response_head(ts, r, job) else {
            return;
        };
        // The browser sees the first byte after the way down.
        let t = ts + self.down();
        let bytes = body.saturating_add(head_len);
        let (rounds, cwnd, end, why) = self.transfer(job, bytes, t);
        let wire = self
            .job(job)
            .map_or(bytes, |j| j.machines.on_the_wire(bytes));
        let lossy = self.lose(job, (wire, cwnd), (t, end));
        let (t, end, why) = (lossy.first, lossy.end, lossy.why(why, end));
        self.push_request(r, head.message(Actor::Browser, t, head_len));
        self.loss_events(r, job, &lossy);
        // The body's event and the waterfall's download phase share `why`.
        if body > 0 {
            let e = Event::described(
                ts,
                Actor::Server,
                steps::HTTP_RESPONSE_BODY,
                http::present::Body {
                    bytes: body,
                    rounds,
                    cwnd,
                    last_byte: end,
                    download: why.clone(),
                    content: self.content_of(r, body),
                },
            )
            .message(Actor::Browser, end, body);
            self.push_request(r, e);
        }
        self.h3_response_packets((ts, r), job, bytes, (t, end, cwnd));
        if !self.reqs[r].keep_alive && self.reqs[r].binding != Some(Binding::Stream) {
            let close = self
                .job_mut(job)
                .map(|j| j.machines.close_by_server(end))
                .unwrap_or_default();
            for e in close {
                let e = e.request(r as u32 + 1).connection(job);
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        self.poll_delivered(r, ts, end);
        let q = &mut self.reqs[r];
        q.status = status;
        q.bytes = bytes;
        q.body_bytes = body;
        q.download_why = Some(why);
        q.first_byte = t;
        q.last_byte = end;
        self.schedule(t, Ev::FirstByte(r));
        self.schedule(end, Ev::Done(r));
    }

    /// The one-way trip from server to browser: the round trip less its way up.
    pub(super) fn down(&self) -> Duration {
        Duration::from_micros(self.rtt.micros() - self.rtt.half().micros())
    }

    /// The server sends request `r`'s response head alone at `ts` on `job`, for a response
    /// that stays open (an event stream, a WebSocket's `101`): its event, and the request's
    /// first byte. Returns when the head arrives.
    pub(super) fn head_alone(&mut self, ts: Instant, r: usize, job: u32) -> Option<Instant> {
        let (head, head_len, status, _) = self.response_head(ts, r, job)?;
        let (_, _, first, why) = self.transfer(job, head_len, ts + self.down());
        self.push_request(r, head.message(Actor::Browser, first, head_len));
        let q = &mut self.reqs[r];
        q.status = status;
        q.bytes = head_len;
        q.body_bytes = 0;
        q.download_why = Some(why);
        q.first_byte = first;
        q.last_byte = first;
        self.schedule(first, Ev::FirstByte(r));
        Some(first)
    }

    /// Request `r`'s response head as the server sends it at `ts` on `job`: its event, the
    /// bytes it takes (over HTTP/2, its HEADERS coded with the connection's table and the DATA
    /// frames' headers), its status and its body's length.
    pub(super) fn response_head(
        &mut self,
        ts: Instant,
        r: usize,
        job: u32,
    ) -> Option<(Event, u64, u16, u64)> {
        let answer = self.reqs[r].answer.take();
        let resp = self.reqs[r].resp.as_deref()?;
        let (status, body, head_len) = (resp.status, resp.body_bytes, resp.head_len());
        let step = steps::HTTP_RESPONSE;
        let h3 = (self.job(job)).is_some_and(|j| j.conn.protocol == Protocol::H3);
        if let (true, Some(id)) = (h3, self.reqs[r].stream) {
            let frame = super::h3::response_headers(id, resp);
            let n = frame.wire_len(body);
            let head = http::present::Head {
                status: resp.status,
                reason: resp.reason,
                headers: resp.headers.clone(),
                body: resp.body_bytes,
            };
            let e = Event::described(ts, Actor::Server, step, super::h3::Response { head, frame });
            return Some((e, n, status, body));
        }
        // An event stream's, or an accepted WebSocket's, stream stays open after its head.
        let accepted = (self.websocket_of(r).is_some()) && status == 200;
        let open = self.reqs[r].stream.is_some() && (accepted || self.streams(r));
        let resp = self.reqs[r].resp.as_deref()?;
        let h2 = self.reqs[r].stream.and_then(|id| {
            let wire = self.jobs.get_mut(job as usize - 1)?.h2.as_mut()?;
            Some(wire.response(id, resp, open))
        });
        Some(match (h2, answer) {
            (Some(h), _) => {
                let n = h2::framing_len(&h);
                (
                    Event::described(ts, Actor::Server, step, h),
                    n,
                    status,
                    body,
                )
            }
            (None, Some(answer)) => (
                Event::described(ts, Actor::Server, step, *answer),
                head_len,
                status,
                body,
            ),
            (None, None) => {
                let head = http::present::Head {
                    status: resp.status,
                    reason: resp.reason,
                    headers: resp.headers.clone(),
                    body: resp.body_bytes,
                };
                (
                    Event::described(ts, Actor::Server, step, head),
                    head_len,
                    status,
                    body,
                )
            }
        })
    }

    /// The payload of one packet on `job`: a datagram of Chromium's size over QUIC, else a TCP
    /// segment (smaller over IPv6, whose header is larger).
    pub(super) fn unit_of(&self, job: u32) -> u64 {
        let Some(j) = self.job(job) else { return MSS };
        if j.machines.is_quic() {
            crate::model::quic_conn::CHROMIUM_DATAGRAM as u64
        } else if j.machines.config.v6.is_some_and(|v| v.works) {
            MSS_V6
        } else {
            MSS
        }
    }

    /// `bytes` of a response leave on `job` with their first arriving at `t`: over TLS its
    /// records' bytes, in the connection's slow-start rounds (its window grows with what they
    /// carry) and at the link's bandwidth, shared with the other responses on the way. Returns
    /// the rounds, the window at the start, the last byte's arrival and why it took that long.
    pub(super) fn transfer(
        &mut self,
        job: u32,
        bytes: u64,
        t: Instant,
    ) -> (u64, u64, Instant, Rc<str>) {
        let wire = self
            .job(job)
            .map_or(bytes, |j| j.machines.on_the_wire(bytes));
        let cwnd = self.job(job).map_or(INITIAL_CWND, |j| j.cwnd);
        let unit = self.unit_of(job);
        let (rounds, w) = crate::model::http::slow_start(wire, unit, cwnd);
        if let Some(j) = self.job_mut(job) {
            j.cwnd = w;
        }
        let tx = Duration::transmission(wire, self.bandwidth);
        let by_rounds = t + self.rtt.times(rounds - 1) + tx;
        self.link_free = self.link_free.max(t) + tx;
        let end = by_rounds.max(self.link_free);
        // Over HTTP/2 other streams' frames go both ways meanwhile: the bytes reach the
        // browser's TCP machine round by round, so that what it sends in between acknowledges
        // what has arrived.
        let h2 = self.job(job).is_some_and(|j| j.h2.is_some());
        if h2 {
            self.h2_deliver(job, wire, cwnd, (t, end));
        } else if let Some(j) = self.job_mut(job) {
            j.machines.receive_wire(wire, end);
        }
        let mut why = format!(
            "{} bytes in {} slow-start round trip{} on connection {job} (window {} segments at the start), {} Mbit/s",
            bytes,
            rounds,
            if rounds == 1 { "" } else { "s" },
            cwnd,
            self.mbit
        );
        if self.link_free > by_rounds {
            why.push_str(&format!(
                "; the link was busy with other responses for {} ms of it",
                ms(self.link_free.since(by_rounds))
            ));
        }
        (rounds, cwnd, end, why.into())
    }

    /// The response's first bytes reach the browser: the cookies it sets are stored (RFC 6265
    /// §5.3; a preflight's are not), and the document commits, so its origin is the page's.
    pub(super) fn first_byte(&mut self, t: Instant, r: usize) {
        // Only a request that includes credentials stores the cookies its response sets (Fetch
        // §4.6 "HTTP-network fetch": cookies are set only when includeCredentials).
        if self.reqs[r].dest != Dest::Preflight && self.reqs[r].credentialed {
            let (host, https) = (self.reqs[r].host.clone(), self.reqs[r].https);
            let values: Vec<String> = self.reqs[r]
                .resp
                .as_deref()
                .map(|resp| {
                    resp.headers
                        .0
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
                        .map(|(_, v)| v.to_string())
                        .collect()
                })
                .unwrap_or_default();
            for v in values {
                let stored = self.jar.set(&host, &v, https);
                if let Err(why) = &stored {
                    self.problems.push(format!(
                        "{host}: Set-Cookie \"{}\" ignored: {why}",
                        short(&v)
                    ));
                }
                self.push_request(r, crate::model::cookie::store_event(t, &v, &stored));
            }
        }
        self.learn_hsts(t, r);
        self.learn_alt_svc(t, r);
        self.head_verdict(r);
        if r == self.doc {
            // The upgraded attempt reached its server: HTTPS-Upgrades no longer falls back.
            self.fallback = None;
        }
        if r == self.doc && !self.redirects_now(r) {
            let e = navigation::origin_event(t, &self.doc_url);
            self.push_request(r, e);
            let last = self.reqs[r].last_byte;
            self.start_page(t, last);
        }
    }
}
