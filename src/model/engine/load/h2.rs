//! An HTTP/2 connection's own bytes (RFC 9113): the frames that open it — the browser's
//! preface, SETTINGS and WINDOW_UPDATE; the server's SETTINGS and its ACK, sent when the
//! server's handshake ends (the browser's Finished arrives); the browser's ACK — and each
//! request's and response's header block, HPACK-coded with the connection's two dynamic tables
//! ([`crate::model::hpack`]: the browser's as Chromium codes, the server's as nghttp2 does). Their
//! sizes are what the TCP machines carry.
//!
//! A request's HEADERS carries Chromium's priority fields ([`Deps`],
//! `Http2PriorityDependencies`, net/spdy/http2_priority_dependencies.cc): exclusive, on the
//! last open stream of the lowest priority level at or above its own that has one, else on
//! stream 0, with the weight of its priority. When layout raises an image whose stream is open,
//! the browser sends the PRIORITY frames that move it in that chain (`OnStreamUpdate`).
//!
//! The server writes a response whole once it is ready and the connection's earlier writes
//! have left: node's `http2` (nghttp2) hands frames to the socket as fast as the kernel's send
//! buffer takes them, and the kernel sends that one byte stream in order. Of the responses
//! waiting meanwhile, the one first in the priority chain goes next (nghttp2 serves a stream
//! only when those it depends on cannot send), in the connection's congestion window (whose
//! growth they share). Its bytes reach the browser's TCP machine round by round, as slow start
//! delivers them ([`crate::model::http::slow_start_cuts`]), so a request the browser sends
//! meanwhile acknowledges what has arrived.
//!
//! Left out: the time a PRIORITY frame takes to reach the server (the chain the server follows
//! is the browser's), DATA frames of several streams interleaved within one write, and
//! WINDOW_UPDATEs (module doc of [`crate::model::http2`]).

use super::*;
use crate::model::hpack::{Encoder, Policy};
use crate::model::http;
use crate::model::http2::{self, present};

/// A connection's two HPACK encoders, its streams' places in Chromium's priority chain, and
/// its server's send queue: when the last byte it has written leaves, and the requests whose
/// responses are ready and wait for that (module doc).
#[derive(Clone, Debug)]
pub(super) struct Wire {
    browser: Encoder,
    server: Encoder,
    deps: Deps,
    busy: Instant,
    waiting: Vec<usize>,
    /// The server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)…
    connect_protocol: bool,
    /// … and, once they have reached the browser, when: from then on the session takes
    /// WebSockets (`SpdySession::support_websocket`, net/spdy/spdy_session.cc).
    pub(super) websockets_from: Option<Instant>,
}

/// Chromium's `Http2PriorityDependencies` (net/spdy/http2_priority_dependencies.cc): the
/// connection's open streams in one list per SPDY priority (0 the highest … 5), each in the
/// order the streams joined it. Read from the highest list to the lowest, they are one chain:
/// the tree its HEADERS and PRIORITY frames build at the server, every dependency exclusive.
#[derive(Clone, Debug, Default)]
pub(super) struct Deps {
    levels: [Vec<u32>; 6],
}

impl Deps {
    fn find(&self, id: u32) -> Option<(usize, usize)> {
        self.levels
            .iter()
            .enumerate()
            .find_map(|(l, v)| Some((l, v.iter().position(|&s| s == id)?)))
    }

    /// The last stream of the lowest non-empty level at or above `level` (`PriorityLowerBound`).
    fn lower_bound(&self, level: usize) -> Option<u32> {
        (0..=level.min(5))
            .rev()
            .find_map(|l| self.levels[l].last().copied())
    }

    /// The stream `id` hangs below (`ParentOfStream`).
    fn parent_of(&self, (level, i): (usize, usize)) -> Option<u32> {
        match (i, level) {
            (0, 0) => None,
            (0, _) => self.lower_bound(level - 1),
            _ => Some(self.levels[level][i - 1]),
        }
    }

    /// The stream that hangs below `id`, with its level (`ChildOfStream`).
    fn child_of(&self, (level, i): (usize, usize)) -> Option<(u32, usize)> {
        if let Some(&c) = self.levels[level].get(i + 1) {
            return Some((c, level));
        }
        (level + 1..6).find_map(|l| Some((*self.levels[l].first()?, l)))
    }

    /// A new stream of SPDY priority `level` (`OnStreamCreation`): the stream it depends on,
    /// 0 for none.
    pub(super) fn create(&mut self, id: u32, level: u8) -> u32 {
        let level = (level as usize).min(5);
        if self.find(id).is_some() {
            return 0;
        }
        let parent = self.lower_bound(level).unwrap_or(0);
        self.levels[level].push(id);
        parent
    }

    /// Stream `id` moves to SPDY priority `to` (`OnStreamUpdate`): the PRIORITY frames to send
    /// — its child moves up to its old parent, it moves below its new one — as (stream, new
    /// parent, weight), none when its parent does not change.
    pub(super) fn update(&mut self, id: u32, to: u8) -> Vec<(u32, u32, u16)> {
        let to = (to as usize).min(5);
        let Some(at) = self.find(id) else {
            return vec![];
        };
        if at.0 == to {
            return vec![];
        }
        let old_parent = self.parent_of(at);
        // Moved down past the end of its own level, it keeps its parent.
        let new_parent = match self.lower_bound(to) {
            Some(p) if p == id => old_parent,
            p => p,
        };
        let mut out = Vec::with_capacity(2);
        if old_parent != new_parent {
            if let Some((child, level)) = self.child_of(at) {
                out.push((
                    child,
                    old_parent.unwrap_or(0),
                    http2::spdy_weight(level as u8),
                ));
            }
            out.push((id, new_parent.unwrap_or(0), http2::spdy_weight(to as u8)));
        }
        self.levels[at.0].remove(at.1);
        self.levels[to].push(id);
        out
    }

    /// Stream `id` is closed (`OnStreamDestruction`).
    pub(super) fn destroy(&mut self, id: u32) {
        if let Some((l, i)) = self.find(id) {
            self.levels[l].remove(i);
        }
    }

    /// Where stream `id` stands in the chain (its level, then its place): the first goes first.
    fn place(&self, id: u32) -> (usize, usize) {
        self.find(id).unwrap_or((usize::MAX, usize::MAX))
    }
}

impl Wire {
    fn new() -> Wire {
        let mut server = Encoder::new(Policy::Nghttp2);
        // The browser's SETTINGS_HEADER_TABLE_SIZE is 65,536 (`http2::CHROMIUM_SETTINGS`).
        server.peer_table_size(65_536);
        Wire {
            browser: Encoder::new(Policy::Chromium),
            server,
            deps: Deps::default(),
            busy: Instant::ZERO,
            waiting: Vec::new(),
            connect_protocol: false,
            websockets_from: None,
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
        self.schedule(t + self.rtt_of(job).half(), Ev::H2Server(job));
    }

    /// The server's SETTINGS and its ACK of the browser's leave at `t`.
    pub(super) fn h2_server(&mut self, t: Instant, job: u32) {
        let rtt = self.rtt_of(job);
        let arrives = t + Duration::from_micros(rtt.micros() - rtt.half().micros());
        let Some(j) = self.job(job) else { return };
        let offers =
            (self.sc.origin_spec(&j.conn.origin)).is_some_and(|o| o.enable_connect_protocol);
        let Some(j) = self.job_mut(job) else { return };
        let request = j.conn.started_for.unwrap_or(0);
        if let Some(h2) = j.h2.as_mut() {
            h2.connect_protocol = offers;
        }
        let frames = present::Control {
            from_client: false,
            preface: false,
            frames: http2::server_initial(offers),
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
        if let Some(h2) = self.wire_mut(job) {
            if h2.connect_protocol {
                h2.websockets_from = Some(t);
            }
        }
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
    pub(super) fn h2_send(&mut self, t: Instant, job: u32, request: u32, n: u64) {
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
        (job, stream): (u32, u32),
        r: usize,
        sent: &Sent,
    ) -> Option<Rc<present::Request>> {
        let q = &self.reqs[r];
        let request = sent.request().0;
        // A form's or a fetch()'s body goes in DATA frames after the HEADERS.
        let body = request
            .headers
            .get("content-length")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        let tunnel = q.kind.channel == http::Channel::WebSocket;
        let fields = if tunnel {
            http::h2_websocket_fields(&request)
        } else {
            http::h2_fields(
                &request,
                sent.method(),
                if q.https { "https" } else { "http" },
                http::priority_field(q.priority, q.kind.dest),
            )
        };
        let mine = q.priority;
        let j = self.job_mut(job)?;
        let h2 = j.h2.as_mut()?;
        let depends_on = h2.deps.create(stream, mine.below_highest());
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
            body,
            tunnel,
        }))
    }

    /// Request `r`'s priority was raised to `to` at `t`: if its HEADERS have gone and its stream
    /// is open, the browser sends the PRIORITY frames Chromium's chain asks for
    /// ([`Deps::update`]).
    pub(super) fn h2_reprioritize(&mut self, t: Instant, r: usize, to: Priority) {
        let (Some(stream), Some(job)) = (self.reqs[r].stream, self.reqs[r].conn) else {
            return;
        };
        let Some(h2) = self.job_mut(job).and_then(|j| j.h2.as_mut()) else {
            return;
        };
        let frames: Vec<http2::Frame> = h2
            .deps
            .update(stream, to.below_highest())
            .into_iter()
            .map(|(stream, depends_on, weight)| http2::Frame::Priority {
                stream,
                priority: http2::Priority {
                    exclusive: true,
                    depends_on,
                    weight,
                },
            })
            .collect();
        if frames.is_empty() {
            return;
        }
        let update = present::Control {
            from_client: true,
            preface: false,
            frames,
        };
        let n = update.bytes().bytes.len() as u64;
        let e = Event::described(t, Actor::Browser, steps::HTTP_PRIORITY, update);
        self.push_request(r, e.connection(job));
        self.h2_send(t, job, r as u32 + 1, n);
    }

    /// Request `r`'s stream has closed: it leaves its connection's chain (and the responses
    /// waiting there, should it be one).
    pub(super) fn h2_closed(&mut self, r: usize) {
        let (Some(stream), Some(job)) = (self.reqs[r].stream, self.reqs[r].conn) else {
            return;
        };
        if let Some(h2) = self.wire_mut(job) {
            h2.waiting.retain(|&w| w != r);
            h2.deps.destroy(stream);
        }
    }

    fn wire_mut(&mut self, job: u32) -> Option<&mut Wire> {
        self.job_mut(job)?.h2.as_deref_mut()
    }

    /// Over HTTP/2 a response leaves after the connection's earlier ones (module doc): if they
    /// are still leaving at `ts`, request `r`'s waits with the others that are ready, and the
    /// connection picks the next when the last byte it has written leaves.
    pub(super) fn h2_wait(&mut self, ts: Instant, r: usize) -> bool {
        let (Some(_), Some(job)) = (self.reqs[r].stream, self.reqs[r].conn) else {
            return false;
        };
        let Some(h2) = self.wire_mut(job) else {
            return false;
        };
        // Others already waiting (their turn may be this very moment) go by the chain too.
        if h2.busy <= ts && h2.waiting.is_empty() {
            return false;
        }
        let busy = h2.busy;
        h2.waiting.push(r);
        if h2.waiting.len() == 1 {
            self.schedule(busy, Ev::H2Next(job));
        }
        self.reqs[r].h2_waited.get_or_insert(ts);
        true
    }

    /// Connection `job`'s written bytes have left at `t`: of the responses waiting, nghttp2
    /// sends first the stream its priority tree puts first — Chromium's exclusive dependencies
    /// make it one chain ([`Deps`]; the PRIORITY frames already sent count as arrived).
    pub(super) fn h2_next(&mut self, t: Instant, job: u32) {
        let Some(h2) = self.job(job).and_then(|j| j.h2.as_deref()) else {
            return;
        };
        let pick = h2
            .waiting
            .iter()
            .enumerate()
            .min_by_key(|(_, &r)| self.reqs[r].stream.map(|s| h2.deps.place(s)));
        let Some((i, &r)) = pick else { return };
        if let Some(h2) = self.wire_mut(job) {
            h2.waiting.remove(i);
        }
        self.send_response(t, r);
        if let Some(h2) = self.wire_mut(job) {
            if !h2.waiting.is_empty() {
                let busy = h2.busy;
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
        let down = self.down();
        let (rtt, unit) = (self.rtt, self.unit_of(job));
        let Some(h2) = self.wire_mut(job) else { return };
        h2.busy = Instant::from_micros(end.micros().saturating_sub(down.micros()));
        let cuts = http::slow_start_cuts(wire, unit, cwnd);
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
}

impl Wire {
    /// A request the browser makes for itself (a DNS-over-HTTPS query) on `stream`: `fields`
    /// coded with the connection's table, at the highest priority, no body.
    pub(super) fn doh_request(
        &mut self,
        stream: u32,
        fields: &[(&str, String)],
    ) -> present::Request {
        let depends_on = self.deps.create(stream, 0);
        let block = (self.browser).encode(fields.iter().map(|(n, v)| (*n, v.as_str())));
        present::Request {
            stream,
            priority: http2::Priority {
                exclusive: true,
                depends_on,
                weight: http2::weight(crate::model::pool::Priority::Highest),
            },
            block: Rc::new(block),
            body: 0,
            tunnel: false,
        }
    }

    /// The response's HEADERS on `stream`: its fields as the frame lists them, coded with the
    /// server's table; `open`: the stream stays open after them.
    pub(super) fn response(
        &mut self,
        stream: u32,
        resp: &crate::model::http::Response,
        open: bool,
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
            open,
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

#[cfg(test)]
mod tests {
    use super::Deps;

    /// Streams join the chain below the last one of their priority or higher; a raise moves a
    /// stream below the new level's last, and the stream that hung below it moves up to its old
    /// parent — the pairs of PRIORITY frames the h2-tls recording shows (weights 147 and 220
    /// for Lowest and Medium).
    #[test]
    fn the_chain_follows_chromiums_dependencies() {
        let mut d = Deps::default();
        assert_eq!(d.create(1, 0), 0);
        d.destroy(1);
        let parents: Vec<u32> = [3, 5, 7, 9].iter().map(|&s| d.create(s, 3)).collect();
        assert_eq!(parents, [0, 3, 5, 7]);
        assert_eq!(d.update(7, 1), [(9, 5, 147), (7, 0, 220)]);
        // Raised to the same level, 3 goes after 7, whose child it already was: no frame.
        assert_eq!(d.update(3, 1), []);
        assert_eq!(d.update(9, 1), [(9, 3, 220)]);
        assert_eq!(d.update(9, 1), [], "no change, no frame");
        assert_eq!(d.create(11, 2), 9, "below the last of the levels above");
        d.destroy(5);
        assert_eq!(d.update(404, 0), [], "a closed stream sends nothing");
        // The chain's order is the server's: 7, 3, 9 at Medium, then 11.
        let mut order = [11, 3, 9, 7];
        order.sort_by_key(|&s| d.place(s));
        assert_eq!(order, [7, 3, 9, 11]);
    }
}
