//! Server-sent events in a page load: each `new EventSource(url)` of the page's scripts is a
//! source (HTML §9.2) whose requests go through the scheduler, the cache and the pool like any
//! `fetch()`, and whose `200 text/event-stream` answer stays open while the server writes the
//! scenario's events ([`EventStream`]).
//!
//! Over HTTP/1.1 an open stream keeps its socket: six streams to one origin take the group's
//! six sockets, and every later request there (a seventh stream, an image) waits in the pool
//! until one ends. Over HTTP/2 and HTTP/3 a stream is one stream of the origin's connection.
//! When the server ends a response the source reconnects after its reconnection time (Blink's
//! 3 s unless `retry:` set another), sending `Last-Event-ID`; the server then writes the events
//! after that one at once. A response that is not `200` with `text/event-stream`, or that the
//! same-origin rules block, fails the source for good. The request never uses the HTTP cache
//! (Blink sets the fetch cache mode `no-store`) and carries `Accept: text/event-stream` and
//! `Cache-Control: no-cache`, which are the browser's, so they never make a preflight.
//!
//! The model follows the streams until the scenario's `watch_ms`: later events and
//! reconnections are left out, and what is open then is reported open.
//!
//! Left out: `EventSource.close()` (the model runs no script), the events' bytes sharing the
//! link with other responses, an HTTP/2 stream's flow control, and redirects of the request.

use super::*;
use crate::model::sse::{self as event_stream, present, Framing, Item, Reader};

/// One `EventSource`: what lives on across its connections.
pub(super) struct Source {
    /// Its first request: the URL, priority, credentials and initiator every reconnection
    /// repeats.
    first: usize,
    last_event_id: String,
    /// The reconnection time.
    retry_ms: u64,
    /// How many responses it has streamed: the k-th ends at the scenario's k-th `close_ms`.
    streamed: usize,
    /// The reader of the connection now streaming.
    reader: Reader,
    /// What the browser made of the last answer's head: why it fails the source, and what
    /// the console says ([`Sim::head_verdict`]).
    failure: Option<(String, Option<String>)>,
}

/// The request's browser-set fields (HTML §9.2.2 and §9.2.3; Blink's `EventSource::Connect`).
fn fields(last_event_id: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if !last_event_id.is_empty() {
        lines.push(format!("Last-Event-ID: {last_event_id}"));
    }
    lines
}

/// Milliseconds of the scenario as an instant, clamped to what the model follows.
pub(super) fn at_ms(ms: f64) -> Instant {
    let ms = if ms.is_finite() {
        ms.clamp(0.0, MAX_WATCH_MS)
    } else {
        0.0
    };
    Instant::from_micros((ms * 1000.0) as u64)
}

impl Sim<'_> {
    /// Request `r` is a `new EventSource(url)` the script ran: it becomes a source.
    pub(super) fn open_source(&mut self, r: usize) {
        let s = self.sources.len();
        self.sources.push(Source {
            first: r,
            last_event_id: String::new(),
            retry_ms: event_stream::DEFAULT_RECONNECT_MS,
            streamed: 0,
            reader: Reader::default(),
            failure: None,
        });
        self.lasting = true;
        self.as_source_request(r, s);
    }

    fn as_source_request(&mut self, r: usize, s: usize) {
        self.source_requests.push(r);
        let id = self.sources[s].last_event_id.clone();
        let q = &mut self.reqs[r];
        q.content_type = "text/event-stream";
        q.kind.channel = crate::model::http::Channel::EventSource;
        let rare = q.rare_mut();
        rare.source = Some(s);
        rare.browser_fields = fields(&id);
    }

    /// The source request `r` belongs to, if any.
    pub(super) fn source_of(&self, r: usize) -> Option<usize> {
        self.reqs[r].rare().source
    }

    /// When the model stops following streams.
    pub(super) fn watch_end(&self) -> Instant {
        at_ms(self.sc.watch_ms)
    }

    /// Whether request `r`'s answer is an event stream the source reads: `200` with
    /// `text/event-stream` (HTML §9.2.3, "announce the connection").
    /// The same-origin rules are checked on the head, before anything is dispatched: an
    /// answer they block is not read as a stream (the source then fails, as Blink's
    /// `DidFail` with an access-check error does).
    pub(super) fn streams(&self, r: usize) -> bool {
        if self.source_of(r).is_none() {
            return false;
        }
        let Some(resp) = self.reqs[r].resp.as_deref() else {
            return false;
        };
        let stream =
            resp.status == 200 && (resp.headers.get("content-type")).is_some_and(is_event_stream);
        if !stream {
            return false;
        }
        let fields = resp.headers.0.iter().map(|(n, v)| (n.trim(), v.trim()));
        let cors = policy::decide(
            &self.page_origin,
            &self.reqs[r].origin,
            &self.policy_request(r),
            &policy_response_of(fields, None),
            None,
        );
        matches!(cors.verdict, Verdict::Allowed { .. })
    }

    /// The server starts answering source request `r` at `ts` on `job`, when its answer is a
    /// stream: the head, then each event as it happens, then the end the scenario gives (or
    /// none: the stream stays open). Returns false for an answer that is not a stream.
    pub(super) fn stream_response(&mut self, ts: Instant, r: usize, job: u32) -> bool {
        if !self.streams(r) {
            return false;
        }
        if self.head_alone(ts, r, job).is_none() {
            return true;
        }
        let s = self.source_of(r).unwrap_or_default();
        let (writes, close) = self.writes(s, ts);
        for (k, at, missed) in writes {
            self.schedule(at, Ev::SseWrite(r, k, missed));
        }
        self.sources[s].streamed += 1;
        self.sources[s].reader = Reader::new(&self.sources[s].last_event_id);
        if let Some(end) = close {
            self.schedule(end, Ev::SseEnd(r));
        }
        true
    }

    /// What the server writes on source `s`'s response that starts at `ts`: each event of the
    /// scenario's (its place, when, and whether the browser missed it while reconnecting),
    /// and when the server ends the response, if it does while the model watches.
    fn writes(&self, s: usize, ts: Instant) -> (Vec<(usize, Instant, bool)>, Option<Instant>) {
        let spec = self.stream_spec(self.sources[s].first);
        let Some(spec) = spec else {
            return (vec![], None);
        };
        let watch = self.watch_end();
        let close = (spec.close_ms.get(self.sources[s].streamed))
            .map(|&c| at_ms(c).max(ts))
            .filter(|&c| c <= watch);
        let until = close.unwrap_or(watch);
        // A server that keeps its events resumes after the one the browser names.
        let resume = Some(&self.sources[s].last_event_id)
            .filter(|id| !id.is_empty())
            .and_then(|id| last_with_id(&spec.events, id, ts));
        let writes = (spec.events.iter().enumerate())
            .filter_map(|(k, e)| {
                let at = at_ms(e.at_ms);
                let missed = resume.is_some_and(|after| k > after && at < ts);
                let live = at >= ts && resume.is_none_or(|after| k > after);
                (missed || live).then_some((k, at.max(ts), missed))
            })
            .filter(|&(_, at, _)| at < until || (close.is_none() && at <= until))
            // An event without text puts nothing on the wire.
            .filter(|&(k, _, _)| spec.events.get(k).is_some_and(|e| !e.text.is_empty()))
            .collect();
        (writes, close)
    }

    /// The status the server answers source request `r` with once its stream's ends have run
    /// out, if the scenario gives one ([`EventStream::stop_status`]).
    pub(super) fn stop_status(&self, r: usize) -> Option<u16> {
        let source = &self.sources[self.source_of(r)?];
        let spec = self.stream_spec(source.first)?;
        spec.stop_status
            .filter(|_| source.streamed >= spec.close_ms.len())
    }

    /// The scenario's stream for the URL of request `r`.
    fn stream_spec(&self, r: usize) -> Option<&EventStream> {
        let i = self.reqs[r].response?;
        self.sc.responses.get(i)?.stream.as_ref()
    }

    /// The server writes event `k` on request `r`'s stream at `ts`: `sse.event`, read by the
    /// browser when it arrives.
    pub(super) fn sse_write(&mut self, ts: Instant, r: usize, k: usize, missed: bool) {
        let (Some(job), Some(s)) = (self.reqs[r].conn, self.source_of(r)) else {
            return;
        };
        let text = (self.stream_spec(self.sources[s].first))
            .and_then(|spec| spec.events.get(k))
            .map(|e| e.text.clone())
            .unwrap_or_default();
        let len = text.len() as u64;
        let bytes = len + event_stream::framing(len, self.framing_of(job));
        let (_, _, end, _) = self.transfer(job, bytes, ts + self.down());
        let source = &mut self.sources[s];
        let items = source.reader.feed(&text);
        for i in &items {
            match i {
                Item::Retry(ms) => source.retry_ms = *ms,
                Item::Event(d) => source.last_event_id = d.last_event_id.clone(),
            }
        }
        // An id takes effect at the blank line even when no event fires.
        source.last_event_id = source.reader.last_event_id.clone();
        let detail = present::Written {
            text,
            bytes,
            items,
            missed,
        };
        let happened = (self.stream_spec(self.sources[s].first))
            .and_then(|spec| spec.events.get(k))
            .map(|e| at_ms(e.at_ms));
        self.reqs[r].rare_mut().messages.push(Message {
            sent: ts,
            at: end,
            from_page: false,
            kind: MessageKind::Event,
            bytes,
            happened,
        });
        let e = Event::described(ts, Actor::Server, steps::SSE_EVENT, detail);
        self.push_request(r, e.message(Actor::Browser, end, bytes));
        let q = &mut self.reqs[r];
        q.body_bytes += len;
        q.bytes += bytes;
        q.last_byte = end;
    }

    /// How request bodies are framed on connection `job`.
    fn framing_of(&self, job: u32) -> Framing {
        match self.job(job).map(|j| j.conn.protocol) {
            Some(Protocol::H2) => Framing::H2,
            Some(Protocol::H3) => Framing::H3,
            _ => Framing::Chunked,
        }
    }

    /// The server ends request `r`'s stream at `ts`: `sse.end`, and the request is done when
    /// the end arrives. The source reconnects from [`Self::source_done`].
    pub(super) fn sse_end(&mut self, ts: Instant, r: usize) {
        let Some(job) = self.reqs[r].conn else { return };
        let bytes = match self.framing_of(job) {
            Framing::Chunked => event_stream::LAST_CHUNK,
            Framing::H2 => 9,
            Framing::H3 => 0,
        };
        let (_, _, end, _) = self.transfer(job, bytes, ts + self.down());
        let s = self.source_of(r).unwrap_or_default();
        let source = &self.sources[s];
        let delay_ms = source.retry_ms;
        let detail = present::Reconnect {
            delay_ms,
            last_event_id: source.last_event_id.clone(),
            unwatched: self.reconnect_at(end, delay_ms).is_none(),
            discarded: source.reader.pending(),
            now: false,
        };
        let e = Event::described(ts, Actor::Server, steps::SSE_END, detail);
        self.push_request(r, e.message(Actor::Browser, end, bytes));
        let q = &mut self.reqs[r];
        q.bytes += bytes;
        q.last_byte = end;
        self.schedule(end, Ev::Done(r));
    }

    /// When a source whose connection ended at `t` asks again, if the model still watches.
    fn reconnect_at(&self, t: Instant, delay_ms: u64) -> Option<Instant> {
        let at = t + Duration::from_millis(delay_ms.min(MAX_WATCH_MS as u64));
        (at <= self.watch_end()).then_some(at)
    }

    /// Source request `r` has ended at `t` (its stream ended, it failed, or its answer was not
    /// a stream): the source reconnects, or fails for good (HTML §9.2.3).
    pub(super) fn source_done(&mut self, t: Instant, r: usize) {
        let Some(s) = self.source_of(r) else { return };
        if let Some((why, console)) = self.source_failure(r) {
            let e = Event::new(t, Actor::Browser, steps::SSE_FAILED, why);
            self.push_request(r, e);
            self.console.extend(console);
            return;
        }
        let delay_ms = self.sources[s].retry_ms;
        if let Some(at) = self.reconnect_at(t, delay_ms) {
            self.schedule(at, Ev::Reconnect(s));
        }
    }

    /// Why the source of request `r` fails rather than reconnects, and what Chromium's console
    /// adds then (Blink's `EventSource::DidReceiveResponse` and `DidFail`): a blocked answer (the
    /// CORS error is already in the console), a status other than 200 (nothing more: Blink
    /// logs only the next case, "to keep the signal-to-noise ratio low"), a 200 whose type is
    /// not `text/event-stream`. A network error and a stream that ended reconnect.
    fn source_failure(&mut self, r: usize) -> Option<(String, Option<String>)> {
        let s = self.source_of(r)?;
        let head = self.sources[s].failure.take();
        match &self.reqs[r].outcome {
            Some(Outcome::Blocked { .. }) => {
                let why = "the same-origin rules blocked its answer: the EventSource closes";
                Some((why.into(), None))
            }
            Some(Outcome::Ok { .. }) => head,
            _ => None,
        }
    }

    /// The response head of source request `r` has arrived: what the browser makes of it.
    pub(super) fn head_verdict(&mut self, r: usize) {
        let Some(s) = self.source_of(r) else { return };
        let q = &self.reqs[r];
        let resp = q.resp.as_deref();
        let status = resp.map_or(q.status, |r| r.status);
        let kind = resp
            .and_then(|r| r.headers.get("content-type"))
            .unwrap_or_default();
        self.sources[s].failure = if status != 200 {
            let why =
                format!("its answer is {status}, not 200: the EventSource closes, and fires error");
            Some((why, None))
        } else if !is_event_stream(kind) {
            // Blink names the MIME type alone, without its parameters.
            let kind = kind.split(';').next().unwrap_or_default().trim();
            let why =
                format!("its answer is {kind}, not text/event-stream: the EventSource closes");
            Some((why, Some(format!(
                "EventSource's response has a MIME type (\"{kind}\") that is not \"text/event-stream\". Aborting the connection."
            ))))
        } else {
            None
        };
    }

    /// Source `s` reconnects at `t`: a new request for its URL with `Last-Event-ID`.
    pub(super) fn reconnect(&mut self, t: Instant, s: usize) {
        let first = self.sources[s].first;
        let q = &self.reqs[first];
        let (url, priority, credentials) = (q.url.clone(), q.priority, q.include_credentials);
        let initiator = format!("EventSource reconnection (request {})", first + 1);
        let Some(r) = self.new_request(
            url,
            Dest::Fetch(Destination::Fetch),
            priority,
            initiator,
            "GET".into(),
            vec![],
            credentials,
            t,
        ) else {
            return;
        };
        self.as_source_request(r, s);
        let detail = present::Reconnect {
            delay_ms: self.sources[s].retry_ms,
            last_event_id: self.sources[s].last_event_id.clone(),
            unwatched: false,
            discarded: false,
            now: true,
        };
        let e = Event::described(t, Actor::Browser, steps::SSE_RECONNECT, detail);
        self.push_request(r, e);
        self.issue(t, r);
    }
}

/// The place of the last event before `ts` whose id is `id` (the server's own record of what
/// it sent).
fn last_with_id(events: &[StreamEvent], id: &str, ts: Instant) -> Option<usize> {
    let mut reader = Reader::new("");
    let mut found = None;
    for (k, e) in events.iter().enumerate() {
        if at_ms(e.at_ms) >= ts {
            break;
        }
        reader.feed(&e.text);
        if reader.last_event_id == id {
            found = Some(k);
        }
    }
    found
}

/// A Content-Type naming `text/event-stream`, parameters aside (HTML §9.2.3).
pub(super) fn is_event_stream(v: &str) -> bool {
    v.split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
}
