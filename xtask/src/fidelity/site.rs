//! What the harness's servers answer: a page preset's responses (status, header lines, server
//! think-time) with the body sizes the model gave each URL, so Chromium receives what the model
//! assumed it receives.
//!
//! The bodies are filler of the right size and a harmless kind for their type (a comment for a
//! stylesheet or a script, white space for JSON and HTML), so that no body makes the page do
//! anything the scenario does not say; the document is the preset's HTML. Requests for URLs the
//! scenario does not know (the favicon) are answered 404. Conditional requests are answered 304
//! when the validator matches, as a real server does, so a return visit can revalidate.
//!
//! A WebSocket URL ([`WsPlan`]) is answered as the scenario's WebSocket server: it accepts the
//! handshake (`101` over HTTP/1.1, `200` to an extended CONNECT over HTTP/2) and writes the
//! server's frames at their times after the first connection was accepted; a WebSocket URL
//! whose response has no `websocket` is answered its status, as a server that does not speak
//! WebSocket.
//!
//! An event stream's URL ([`StreamPlan`]) is answered as the scenario's event server: its k-th
//! request gets a `200` whose body stays open while the events are written at their times
//! (after the first connection was accepted), ended at the k-th `close_ms`; once those have
//! run out, `stop_status` if the scenario gives one, else a stream that stays open. A request
//! with `Last-Event-ID` is first sent the events after that one it missed. A plain request to
//! such a URL (a `fetch()` polling it) gets the newest event at once, or for a long poll every
//! event since its last answer, held until there is one ([`StreamPlan::poll_answer`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use wirewalk::model::load::{EventStream, PageLoad, PageScenario, PollAnswer, Protocol};

/// One URL's answer.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    /// `(name, value)` as the scenario writes them.
    pub headers: Vec<(String, String)>,
    /// The answer to a CORS preflight, when the scenario gives one.
    pub preflight_headers: Option<Vec<(String, String)>>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub websocket: Option<WsPlan>,
    pub stream: Option<StreamPlan>,
}

/// What the scenario's event server writes on a stream ([`EventStream`]).
#[derive(Clone, Debug, Default)]
pub struct StreamPlan {
    /// Each event: when it happens (ms after the first accept) and its text.
    pub events: Vec<(f64, String)>,
    /// When the k-th response ends.
    pub close_ms: Vec<f64>,
    pub stop_status: Option<u16>,
    /// How a plain request (a `fetch()`, not an `EventSource`) is answered.
    pub poll: PollAnswer,
}

/// One response of an event stream: the events to write, each when (ms after the first
/// accept; those missed while reconnecting at once), and when the response ends, if it does.
#[derive(Clone, Debug, Default)]
pub struct StreamAnswer {
    pub writes: Vec<(f64, String)>,
    pub close_ms: Option<f64>,
}

impl StreamPlan {
    fn of(spec: &EventStream) -> StreamPlan {
        StreamPlan {
            events: (spec.events.iter())
                .filter(|e| !e.text.is_empty())
                .map(|e| (e.at_ms, e.text.clone()))
                .collect(),
            close_ms: spec.close_ms.clone(),
            stop_status: spec.stop_status,
            poll: spec.poll,
        }
    }

    /// A plain request's answer from the feed, ready `now_ms` after the first accept, after
    /// `had` events already answered: how long the server holds it more (ms), its body, and the
    /// events answered by then. `Latest`: at once, the newest event (none yet: empty). `Next`:
    /// every event since, held until there is one (none left: never, `None`).
    pub fn poll_answer(&self, now_ms: f64, had: usize) -> Option<(f64, String, usize)> {
        match self.poll {
            PollAnswer::Latest => {
                let newest = self.events.iter().rev().find(|(at, _)| *at <= now_ms);
                Some((0.0, newest.map_or(String::new(), |e| e.1.clone()), had))
            }
            PollAnswer::Next => {
                let next = self.events.get(had)?.0;
                let at = now_ms.max(next);
                let upto = had + self.events[had..].iter().take_while(|e| e.0 <= at).count();
                let body = self.events[had..upto]
                    .iter()
                    .map(|e| e.1.as_str())
                    .collect();
                Some((at - now_ms, body, upto))
            }
        }
    }

    /// The `k`-th response, asked for `now_ms` after the first accept by a browser whose last
    /// event id is `last_id`: the events after that one (those already due at once), then
    /// the events still to come.
    pub fn response(&self, k: usize, now_ms: f64, last_id: &str) -> StreamAnswer {
        let mut after = 0;
        if !last_id.is_empty() {
            let mut reader = wirewalk::model::sse::Reader::new("");
            for (i, (at, text)) in self.events.iter().enumerate() {
                if *at >= now_ms {
                    break;
                }
                reader.feed(text);
                if reader.last_event_id == last_id {
                    after = i + 1;
                }
            }
        }
        let resumes = after > 0;
        StreamAnswer {
            writes: (self.events.iter().enumerate())
                .filter(|(i, (at, _))| if resumes { *i >= after } else { *at >= now_ms })
                .map(|(_, (at, text))| (at.max(now_ms), text.clone()))
                .collect(),
            close_ms: self.close_ms.get(k).copied(),
        }
    }
}

/// What the scenario's WebSocket server does once it has accepted: the accept value it
/// answers (by default RFC 6455 §4.2.2's), and each frame it writes (ms after the first
/// connection was accepted, the frame's bytes, whether it is a close frame).
#[derive(Clone, Debug, Default)]
pub struct WsPlan {
    pub accept: Option<String>,
    pub frames: Vec<(f64, Vec<u8>, bool)>,
    /// When the page's script closes the socket, if the scenario says it does (ms after the
    /// first accept): the load is watched past it.
    pub page_close_ms: Option<f64>,
}

impl WsPlan {
    fn of(spec: &wirewalk::model::load::WebSocketSpec) -> WsPlan {
        use wirewalk::model::load::{Side, WsKind};
        use wirewalk::model::websocket::{Frame, Opcode, MAX_CONTROL_PAYLOAD};
        let mut frames: Vec<(f64, Vec<u8>, bool)> = (spec.messages.iter())
            .filter(|m| m.from == Side::Server)
            .map(|m| {
                let control = |t: &str| t.as_bytes()[..t.len().min(MAX_CONTROL_PAYLOAD)].to_vec();
                let (opcode, payload) = match m.kind {
                    WsKind::Text => (Opcode::Text, m.text.clone().into_bytes()),
                    WsKind::Binary => (Opcode::Binary, vec![0; m.bytes.min(1 << 20) as usize]),
                    WsKind::Ping => (Opcode::Ping, control(&m.text)),
                    WsKind::Pong => (Opcode::Pong, control(&m.text)),
                };
                let f = Frame {
                    fin: true,
                    opcode,
                    mask: None,
                    payload,
                };
                (m.at_ms, f.encode(), false)
            })
            .collect();
        if let Some(c) = spec.close.as_ref().filter(|c| c.from == Side::Server) {
            frames.push((
                c.at_ms,
                Frame::close(c.code, &c.reason, None).encode(),
                true,
            ));
        }
        frames.sort_by(|a, b| a.0.total_cmp(&b.0));
        WsPlan {
            accept: spec.accept.clone(),
            frames,
            page_close_ms: (spec.close.as_ref())
                .filter(|c| c.from == Side::Page)
                .map(|c| c.at_ms),
        }
    }
}

/// A response as a server writes it.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// A WebSocket server's answer: accept, then this.
    pub websocket: Option<WsPlan>,
    /// An event stream's answer: the head, then this.
    pub stream: Option<StreamAnswer>,
}

/// How one host is served: its protocol over TLS and whether it keeps connections open.
#[derive(Clone, Debug)]
pub struct HostSpec {
    pub host: String,
    pub h2: bool,
    pub keep_alive: bool,
    /// Over HTTP/2 its SETTINGS allow the extended CONNECT (RFC 8441).
    pub connect_protocol: bool,
}

/// Every URL's answer, and the hosts to serve.
pub struct Site {
    routes: BTreeMap<String, Route>,
    pub hosts: Vec<HostSpec>,
    /// Seconds subtracted from the clock in the `Date` header (a return visit's first load is
    /// made to look this long ago).
    date_offset_s: AtomicI64,
    /// How many responses each event stream has had.
    streamed: Mutex<BTreeMap<String, usize>>,
    /// How many events each polled feed has answered (a long poll's next answer starts there).
    polled: Mutex<BTreeMap<String, usize>>,
    /// How long the scenario watches the load, ms: a page with event streams is watched that
    /// long after the first accept.
    pub watch_ms: f64,
}

fn split_header(line: &str) -> Option<(String, String)> {
    let (n, v) = line.split_once(':')?;
    Some((n.trim().to_string(), v.trim().to_string()))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The smallest GIF: 1×1, transparent (GIF89a, one image block, then the trailer `;`).
const GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// A body of `bytes` bytes that does nothing as `content_type`.
fn filler(content_type: &str, bytes: usize) -> Vec<u8> {
    let ct = content_type.to_ascii_lowercase();
    let (open, close): (&str, &str) = if ct.contains("css") || ct.contains("javascript") {
        ("/*", "*/")
    } else if ct.contains("json") {
        ("[", "]")
    } else if ct.contains("html") {
        ("<!DOCTYPE html><title>filler</title>", "")
    } else if ct.starts_with("image/") {
        // A valid 1×1 GIF (Blink sniffs the format), padded after its trailer: an image that
        // fails to decode makes Blink cancel its load, which closes an HTTP/1.1 connection.
        let mut body = GIF.to_vec();
        body.resize(bytes.max(GIF.len()), 0);
        return body;
    } else {
        return vec![0; bytes];
    };
    let mut body = open.as_bytes().to_vec();
    let fill = bytes.saturating_sub(open.len() + close.len());
    body.extend(std::iter::repeat_n(b' ', fill));
    body.extend(close.as_bytes());
    body
}

/// `scheme://host/path?query` without the fragment.
pub fn url_key(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

/// The host of an absolute URL (no port: the presets use default ports).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host.split(':').next()?.to_ascii_lowercase())
}

impl Site {
    /// The answers for `sc`, with the sizes the model's `load` of it gave.
    pub fn new(sc: &PageScenario, load: &PageLoad) -> Site {
        let mut routes = BTreeMap::new();
        let mut hosts: Vec<String> = Vec::new();
        let mut add_host = |u: &str| {
            if let Some(h) = host_of(u) {
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        };
        add_host(&sc.url);
        let default_delay = Duration::from_secs_f64(sc.server_ms.max(0.0) / 1000.0);
        // The model's view of every URL: its size and type (the largest body any request of
        // it carried: a revalidation's 304 carries none).
        let mut seen: BTreeMap<String, (u64, String, &'static str)> = BTreeMap::new();
        for r in &load.requests {
            add_host(&r.url);
            let e = seen.entry(url_key(&r.url)).or_insert((
                0,
                r.content_type.to_string(),
                r.destination,
            ));
            e.0 = e.0.max(r.body_bytes);
        }
        for spec in &sc.responses {
            add_host(&spec.url);
            let key = url_key(&spec.url);
            let mut headers: Vec<(String, String)> = spec
                .headers
                .iter()
                .filter_map(|h| split_header(h))
                .collect();
            let (bytes, ct, dest) =
                seen.get(&key)
                    .cloned()
                    .unwrap_or((spec.bytes.unwrap_or(1000), String::new(), ""));
            let ct = header(&headers, "content-type")
                .map(str::to_string)
                .unwrap_or(ct);
            if header(&headers, "content-type").is_none() && !ct.is_empty() {
                headers.push(("Content-Type".into(), ct.clone()));
            }
            let is_document = key == url_key(&sc.url) || dest == "document";
            let body = if (300..400).contains(&spec.status) {
                Vec::new()
            } else if is_document && ct.contains("html") {
                sc.html.clone().into_bytes()
            } else {
                filler(&ct, spec.bytes.unwrap_or(bytes) as usize)
            };
            routes.insert(
                key,
                Route {
                    status: spec.status,
                    headers,
                    preflight_headers: spec
                        .preflight_headers
                        .as_ref()
                        .map(|p| p.iter().filter_map(|h| split_header(h)).collect()),
                    body,
                    delay: spec.server_ms.map_or(default_delay, |ms| {
                        Duration::from_secs_f64(ms.max(0.0) / 1000.0)
                    }),
                    websocket: spec.websocket.as_ref().map(WsPlan::of),
                    stream: spec.stream.as_ref().map(StreamPlan::of),
                },
            );
        }
        // URLs the model asked for without a response of their own: 200 with its type and size.
        for (key, (bytes, ct, dest)) in &seen {
            if routes.contains_key(key) {
                continue;
            }
            let is_document = *key == url_key(&sc.url) || *dest == "document";
            let body = if is_document && ct.contains("html") {
                sc.html.clone().into_bytes()
            } else {
                filler(ct, *bytes as usize)
            };
            // A WebSocket URL with no response: a server that accepts and stays silent.
            let websocket = (*dest == "websocket").then(WsPlan::default);
            routes.insert(
                key.clone(),
                Route {
                    status: 200,
                    headers: vec![("Content-Type".into(), ct.clone())],
                    preflight_headers: None,
                    body,
                    delay: default_delay,
                    websocket,
                    stream: None,
                },
            );
        }
        let hosts = hosts
            .into_iter()
            .map(|host| {
                let spec = sc
                    .origins
                    .iter()
                    .find(|o| host_of(&o.origin).as_deref() == Some(host.as_str()));
                HostSpec {
                    // An origin the scenario does not list speaks its default protocol.
                    h2: spec.map_or(sc.protocol, |o| o.protocol) == Protocol::H2,
                    keep_alive: spec.and_then(|o| o.keep_alive).unwrap_or(sc.keep_alive),
                    connect_protocol: spec.is_some_and(|o| o.enable_connect_protocol),
                    host,
                }
            })
            .collect();
        Site {
            routes,
            hosts,
            date_offset_s: AtomicI64::new(0),
            streamed: Mutex::default(),
            polled: Mutex::default(),
            watch_ms: sc.watch_ms,
        }
    }

    /// Whether some URL is an event stream: the load is then watched for the scenario's
    /// `watch_ms`, since open streams never let the servers go quiet.
    pub fn has_streams(&self) -> bool {
        self.routes.values().any(|r| r.stream.is_some())
    }

    /// A new load begins: every stream's responses, and every feed's answers, count from the
    /// first again.
    pub fn restart(&self) {
        for counts in [&self.streamed, &self.polled] {
            counts.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// When the last frame a WebSocket server writes, or the page's close, is due, ms after
    /// the first accept: the load is watched at least that long, so that what the browser does
    /// with it is seen.
    pub fn last_websocket_frame_ms(&self) -> Option<f64> {
        (self.routes.values())
            .filter_map(|r| {
                let w = r.websocket.as_ref()?;
                let last = w.frames.last().map(|f| f.0);
                last.into_iter().chain(w.page_close_ms).reduce(f64::max)
            })
            .reduce(f64::max)
    }

    pub fn set_date_offset(&self, seconds: i64) {
        self.date_offset_s.store(seconds, Ordering::SeqCst);
    }

    /// The answer to `method url` with the request's `headers`, asked `now_ms` after the
    /// load's first accepted connection.
    pub fn answer(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        now_ms: f64,
    ) -> Answer {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let date =
            wirewalk::model::http_date::format(now - self.date_offset_s.load(Ordering::SeqCst));
        let Some(route) = self.routes.get(&url_key(url)) else {
            return Answer {
                status: 404,
                headers: vec![
                    ("Content-Type".into(), "text/plain".into()),
                    ("Date".into(), date),
                ],
                body: b"not in the scenario".to_vec(),
                delay: Duration::ZERO,
                websocket: None,
                stream: None,
            };
        };
        let mut out = Answer {
            status: route.status,
            headers: route.headers.clone(),
            body: route.body.clone(),
            delay: route.delay,
            websocket: route.websocket.clone(),
            stream: None,
        };
        let event_source =
            header(headers, "accept").is_some_and(|a| a.contains("text/event-stream"));
        if let (Some(plan), "GET", false) = (&route.stream, method, event_source) {
            let key = url_key(url);
            let mut polled = self.polled.lock().unwrap_or_else(|e| e.into_inner());
            let had = polled.get(&key).copied().unwrap_or(0);
            // As the model's server: ready once its think-time has passed.
            let ready_ms = now_ms + route.delay.as_secs_f64() * 1000.0;
            match plan.poll_answer(ready_ms, had) {
                Some((hold_ms, body, upto)) => {
                    polled.insert(key, upto);
                    out.delay += Duration::from_secs_f64(hold_ms.max(0.0) / 1000.0);
                    out.body = body.into_bytes();
                }
                // A long poll with nothing left to say: held past the load's end.
                None => out.delay += Duration::from_secs(120),
            }
        } else if let (Some(plan), "GET") = (&route.stream, method) {
            let k = {
                let mut streamed = self.streamed.lock().unwrap_or_else(|e| e.into_inner());
                let n = streamed.entry(url_key(url)).or_insert(0);
                *n += 1;
                *n - 1
            };
            if let (true, Some(stop)) = (k >= plan.close_ms.len(), plan.stop_status) {
                out.status = stop;
            } else {
                let last_id = header(headers, "last-event-id").unwrap_or("");
                out.stream = Some(plan.response(k, now_ms, last_id));
            }
            out.body.clear();
        }
        if method == "OPTIONS" && header(headers, "access-control-request-method").is_some() {
            out.headers = route
                .preflight_headers
                .clone()
                .unwrap_or_else(|| route.headers.clone());
            out.body.clear();
        } else if method == "GET" || method == "HEAD" {
            let etag_match = header(headers, "if-none-match")
                .zip(header(&route.headers, "etag"))
                .is_some_and(|(a, b)| a.split(',').any(|t| t.trim() == b));
            let since_match = header(headers, "if-none-match").is_none()
                && header(headers, "if-modified-since").is_some()
                && header(&route.headers, "last-modified").is_some();
            if route.status == 200 && (etag_match || since_match) {
                out.status = 304;
                out.body.clear();
                out.headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
            }
        }
        if header(&out.headers, "date").is_none() {
            out.headers.push(("Date".into(), date));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_fillers() {
        assert_eq!(
            host_of("https://A.example:8443/x?y").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            host_of("http://blog.example/").as_deref(),
            Some("blog.example")
        );
        assert_eq!(host_of("data:,"), None);
        let css = filler("text/css", 100);
        assert_eq!(css.len(), 100);
        assert!(css.starts_with(b"/*") && css.ends_with(b"*/"));
        let img = filler("image/jpeg", 500);
        assert_eq!((img.len(), &img[..6]), (500, &b"GIF89a"[..]));
        assert_eq!(filler("image/png", 3).len(), GIF.len());
    }
}
