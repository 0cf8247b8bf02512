//! An HTTP/2 connection's own bytes (RFC 9113): the frames that open it — the browser's
//! preface, SETTINGS and WINDOW_UPDATE; the server's SETTINGS and its ACK, sent when the
//! server's handshake ends (the browser's Finished arrives); the browser's ACK — and each
//! request's and response's header block, HPACK-coded with the connection's two dynamic tables
//! ([`crate::model::hpack`]: the browser's as Chromium codes, the server's as nghttp2 does). Their
//! sizes are what the TCP machines carry.
//!
//! A request's HEADERS carries Chromium's priority fields
//! (`Http2PriorityDependencies::OnStreamCreation`, net/spdy/http2_priority_dependencies.cc):
//! exclusive, on the newest open stream of the lowest priority level at or above its own that
//! has one, else on stream 0, with the weight of its priority.
//!
//! The server writes each response whole as soon as it is ready, after what it wrote before:
//! node's `http2` (nghttp2) hands frames to the socket as fast as the kernel's send buffer
//! takes them, and the kernel sends that one byte stream in order, so a response ready while
//! another is still leaving goes out after it, in the connection's congestion window (whose
//! growth they share). Its bytes reach the browser's TCP machine round by round, as slow start
//! delivers them ([`crate::model::http::slow_start_cuts`]), so a request the browser sends
//! meanwhile acknowledges what has arrived.
//!
//! Left out: the PRIORITY frames Chromium sends when a stream's priority changes later (the
//! model's image raises), reordering of frames not yet written by the priority tree (the
//! server has written everything by then), and WINDOW_UPDATEs (module doc of
//! [`crate::model::http2`]).

use super::*;
use crate::model::hpack::{Encoder, Policy};
use crate::model::http;
use crate::model::http2::{self, present};

/// A connection's two HPACK encoders.
#[derive(Clone, Debug)]
pub(super) struct Wire {
    browser: Encoder,
    server: Encoder,
}

impl Wire {
    fn new() -> Wire {
        let mut server = Encoder::new(Policy::Nghttp2);
        // The browser's SETTINGS_HEADER_TABLE_SIZE is 65,536 (`http2::CHROMIUM_SETTINGS`).
        server.peer_table_size(65_536);
        Wire {
            browser: Encoder::new(Policy::Chromium),
            server,
        }
    }
}

impl Sim<'_> {
    /// Connection `job` is ready at `t`: the browser's first frames go out, and the server's
    /// answer is due when the browser's Finished reaches it.
    pub(super) fn h2_open(&mut self, t: Instant, job: u32) {
        let Some(j) = self.job_mut(job) else { return };
        j.h2 = Some(Box::new(Wire::new()));
        let request = j.conn.started_for.unwrap_or(0);
        let opening = present::Control {
            from_client: true,
            preface: true,
            frames: http2::chromium_initial(),
        };
        let n = opening.bytes().bytes.len() as u64;
        let e = Event::described(t, Actor::Browser, steps::HTTP_SETTINGS, opening);
        self.push(e.request(request).connection(job));
        self.h2_send(t, job, request, n);
        self.schedule(t + self.rtt.half(), Ev::H2Server(job));
    }

    /// The server's SETTINGS and its ACK of the browser's leave at `t`.
    pub(super) fn h2_server(&mut self, t: Instant, job: u32) {
        let arrives = t + Duration::from_micros(self.rtt.micros() - self.rtt.half().micros());
        let Some(j) = self.job_mut(job) else { return };
        let request = j.conn.started_for.unwrap_or(0);
        let frames = present::Control {
            from_client: false,
            preface: false,
            frames: http2::server_initial(),
        };
        let n = frames.bytes().bytes.len() as u64;
        let e = Event::described(t, Actor::Server, steps::HTTP_SETTINGS, frames).message(
            Actor::Browser,
            arrives,
            n,
        );
        self.push(e.request(request).connection(job));
        // The bytes reach the browser's TCP machine when they arrive, then it acknowledges.
        let wire = self.job(job).map_or(n, |j| j.machines.on_the_wire(n));
        self.schedule(arrives, Ev::Receive(job, wire, arrives));
        self.schedule(arrives, Ev::H2Ack(job));
    }

    /// The server's SETTINGS arrived at `t`: the browser acknowledges them at once.
    pub(super) fn h2_ack(&mut self, t: Instant, job: u32) {
        let Some(j) = self.job(job) else { return };
        let request = j.conn.started_for.unwrap_or(0);
        let ack = present::Control {
            from_client: true,
            preface: false,
            frames: vec![http2::settings_ack()],
        };
        let n = ack.bytes().bytes.len() as u64;
        let e = Event::described(t, Actor::Browser, steps::HTTP_SETTINGS, ack);
        self.push(e.request(request).connection(job));
        self.h2_send(t, job, request, n);
    }

    /// `n` bytes of the connection's own leave the browser: down its TCP machines.
    fn h2_send(&mut self, t: Instant, job: u32, request: u32, n: u64) {
        let wire = self
            .job_mut(job)
            .and_then(|j| j.machines.send_request(t, n));
        if let Some(e) = wire {
            self.push(e.request(request).connection(job));
        }
    }

    /// Request `r`'s HEADERS on `stream` of connection `job`, sent at `t`: its fields coded
    /// with the browser's table, its priority fields (module doc).
    pub(super) fn h2_request(
        &mut self,
        t: Instant,
        (job, stream): (u32, u32),
        r: usize,
        sent: &Sent,
    ) -> Option<Rc<present::Request>> {
        let q = &self.reqs[r];
        let fields = http::h2_fields(
            &sent.request().0,
            sent.method(),
            if q.https { "https" } else { "http" },
            http::priority_field(q.priority, q.kind.dest),
        );
        let (mine, depends_on) = (q.priority, self.h2_parent(t, job, r));
        self.reqs[r].sent_priority = Some(mine);
        let j = self.job_mut(job)?;
        let h2 = j.h2.as_mut()?;
        let block = h2
            .browser
            .encode(fields.0.iter().map(|(n, v)| (&**n, &**v)));
        Some(Rc::new(present::Request {
            stream,
            priority: http2::Priority {
                exclusive: true,
                depends_on,
                weight: http2::weight(mine),
            },
            block: Rc::new(block),
        }))
    }

    /// Over HTTP/2 a response leaves after the connection's earlier ones (module doc): if they
    /// are still leaving at `ts`, request `r`'s waits with the others that are ready, and the
    /// connection picks the next when the last byte it has written leaves.
    pub(super) fn h2_wait(&mut self, ts: Instant, r: usize) -> bool {
        let (Some(_), Some(job)) = (self.reqs[r].stream, self.reqs[r].conn) else {
            return false;
        };
        let Some(j) = self.job_mut(job) else {
            return false;
        };
        if j.h2_busy <= ts {
            return false;
        }
        let busy = j.h2_busy;
        j.h2_waiting.push(r);
        if j.h2_waiting.len() == 1 {
            self.schedule(busy, Ev::H2Next(job));
        }
        self.reqs[r].h2_waited = Some(ts);
        true
    }

    /// Connection `job`'s written bytes have left at `t`: of the responses waiting, nghttp2
    /// sends first the stream its priority tree puts first — Chromium's exclusive dependencies
    /// make it a chain ordered by priority, then by age (module doc) — so the highest priority
    /// the HEADERS carried, then the oldest stream.
    pub(super) fn h2_next(&mut self, t: Instant, job: u32) {
        let Some(j) = self.job(job) else { return };
        let pick = j.h2_waiting.iter().enumerate().max_by_key(|(_, &r)| {
            let q = &self.reqs[r];
            (q.sent_priority, std::cmp::Reverse(q.stream))
        });
        let Some((i, &r)) = pick else { return };
        if let Some(j) = self.job_mut(job) {
            j.h2_waiting.remove(i);
        }
        self.server_sends(t, r);
        if let Some(j) = self.job(job) {
            if !j.h2_waiting.is_empty() {
                let busy = j.h2_busy;
                self.schedule(busy, Ev::H2Next(job));
            }
        }
    }

    /// A response's `wire` bytes (its frames in TLS records) leave on `job` with the window at
    /// `cwnd` segments: they reach the browser's TCP machine a round at a time, from the first
    /// byte's arrival to the last's (`first`, `end`), and the connection is busy until its last
    /// byte has left the server.
    pub(super) fn h2_deliver(
        &mut self,
        job: u32,
        wire: u64,
        cwnd: u64,
        (first, end): (Instant, Instant),
    ) {
        let down = Duration::from_micros(self.rtt.micros() - self.rtt.half().micros());
        let rtt = self.rtt;
        let Some(j) = self.job_mut(job) else { return };
        j.h2_busy = Instant::from_micros(end.micros().saturating_sub(down.micros()));
        let cuts = http::slow_start_cuts(wire, MSS, cwnd);
        let last = cuts.len().saturating_sub(1);
        for (k, n) in cuts.into_iter().enumerate() {
            let at = if k == last {
                end
            } else {
                (first + rtt.times(k as u64)).min(end)
            };
            self.schedule(at, Ev::Receive(job, n, at));
        }
    }

    /// The stream request `r` depends on (`Http2PriorityDependencies::OnStreamCreation`): of
    /// the streams still open on `job`, from its own priority level upward, the first level
    /// that has one, and its newest there; else 0.
    fn h2_parent(&self, t: Instant, job: u32, r: usize) -> u32 {
        let mine = self.reqs[r].priority;
        let Some(j) = self.job(job) else { return 0 };
        j.conn
            .uses
            .iter()
            .enumerate()
            .filter_map(|(i, u)| Some((i, self.reqs.get(u.0 as usize - 1)?)))
            .filter(|(_, o)| o.end.is_none_or(|e| e > t) && o.priority >= mine)
            .max_by_key(|(i, o)| (std::cmp::Reverse(o.priority), *i))
            .and_then(|(_, o)| o.stream)
            .unwrap_or(0)
    }
}

impl Wire {
    /// The response's HEADERS on `stream`: its fields as the frame lists them, coded with the
    /// server's table.
    pub(super) fn response(
        &mut self,
        stream: u32,
        resp: &crate::model::http::Response,
    ) -> present::ResponseHead {
        let headers = http::h2_response_fields(resp);
        let block = self
            .server
            .encode(headers.0.iter().map(|(n, v)| (&**n, &**v)));
        present::ResponseHead {
            stream,
            status: resp.status,
            headers,
            block: Rc::new(block),
            body: resp.body_bytes,
        }
    }
}

/// The bytes a response's frames take besides its body: its HEADERS, and the DATA frames'
/// headers.
pub(super) fn framing_len(head: &present::ResponseHead) -> u64 {
    let data = if head.body > 0 {
        http2::data_len(head.body) - head.body
    } else {
        0
    };
    http2::headers_len(head.block.bytes.len(), false) + data
}
