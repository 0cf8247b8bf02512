//! Request scheduling before the network: the network service's `ResourceScheduler` holding
//! back delayable requests, and images raised in priority once layout finds them in the
//! viewport.
//!
//! `ResourceScheduler` (services/network/resource_scheduler/resource_scheduler.cc) delays a
//! page's request whose priority is below `kDelayablePriorityThreshold` (`net::MEDIUM`): at most
//! `kDefaultMaxNumDelayableRequestsPerClient` (10, resource_scheduler_params_manager.cc) such
//! requests are in flight for the page, and none starts while the page already has
//! `kMaxNumDelayableRequestsPerHostPerClient` (6) requests of any priority in flight to its
//! scheme, host and port. Origins that speak HTTP/2 are exempt on a fast network
//! (`kDelayRequestsOnMultiplexedConnections`: only at 3G and slower are they delayed). Held
//! requests start highest priority first, in arrival order within a priority, whenever a
//! request of the page ends or one is raised. The document (browser-initiated) and CORS
//! preflights are not scheduled.
//!
//! Images start at Blink's `kLow` (net `LOWEST`), the page's first five not declared small at
//! `kMedium` (net `LOW`, [`crate::model::page`]'s `kBoostImagePriority`): delayable either way. After a layout, Blink raises the
//! ones in the viewport to `kHigh` (net `MEDIUM`,
//! `ResourceFetcher::UpdateAllImageResourcePriorities`), never lowers one, and the change
//! reaches the scheduler and the socket pool's queue (`URLLoader::SetPriority`,
//! `TransportClientSocketPool::SetPriority`). The model lays the page out once, when the parser
//! has reached the end of the document; which images are in the viewport is the scenario's
//! `in_viewport` (by default all: an image without a width and height is laid out at 0×0
//! until its bytes arrive, so a fresh page's images all sit at the top).
//!
//! Left out: the slow-network parameters (8 delayable requests, non-delayable ones weighted
//! ×3, HTTP/2 delayed at 3G and slower) and the queuing time limit. Blink's own scheduler,
//! before this one, is [`super::renderer`].

use super::*;
use crate::model::trace::{Detail, Field};

/// `kDefaultMaxNumDelayableRequestsPerClient`.
pub const MAX_DELAYABLE_PER_CLIENT: usize = 10;
/// `kMaxNumDelayableRequestsPerHostPerClient`.
pub const MAX_PER_HOST: usize = 6;

const SCHEDULER: &str = "https://source.chromium.org/chromium/chromium/src/+/main:services/network/resource_scheduler/resource_scheduler.cc";

/// The scheduler's books, kept as requests come and go so that each decision is a lookup,
/// not a scan: held requests in the order they start (highest priority first, then arrival),
/// and counts of what is in flight.
#[derive(Default)]
pub(super) struct State {
    /// (priority, arrival, request), kept sorted: the first is the next to start.
    held: std::collections::VecDeque<(std::cmp::Reverse<Priority>, u64, usize)>,
    arrivals: u64,
    /// Each origin text the scheduler has seen, numbered once; each request's number.
    origin_ids: BTreeMap<Rc<str>, usize>,
    req_origin: Vec<usize>,
    /// Held requests per origin (and how many origins have any), and in-flight requests per
    /// origin, by origin number.
    held_by_origin: Vec<usize>,
    held_origins: usize,
    flight_by_origin: Vec<usize>,
    flight_delayable: usize,
    /// The images in the viewport, resolved once.
    viewport: Option<Vec<String>>,
}

/// Counts one more (or one fewer) for origin `o`; returns +1 / -1 when the origin's count
/// became non-zero / zero.
fn bump(counts: &mut [usize], o: usize, up: bool) -> isize {
    let n = &mut counts[o];
    if up {
        *n += 1;
        isize::from(*n == 1)
    } else if *n > 0 {
        *n -= 1;
        -isize::from(*n == 0)
    } else {
        0
    }
}

impl State {
    fn bump_held(&mut self, o: usize, up: bool) {
        let d = bump(&mut self.held_by_origin, o, up);
        self.held_origins = self.held_origins.wrapping_add_signed(d);
    }
}

impl Sim<'_> {
    /// Whether the scheduler looks at request `r` at all: a page's request over HTTP/1.1 (the
    /// document, preflights and HTTP/2 origins are not throttled, nor is a WebSocket's
    /// handshake, which the network service makes without the `ResourceScheduler`).
    fn scheduled(&self, r: usize) -> bool {
        let q = &self.reqs[r];
        !matches!(q.dest, Dest::Preflight | Dest::Fetch(Destination::Document))
            && !q.h2
            && q.rare().websocket.is_none()
    }

    fn delayable(&self, r: usize) -> bool {
        self.scheduled(r) && self.reqs[r].priority < Priority::Medium
    }

    /// Why the scheduler holds request `r` now, or `None` when it may start.
    fn hold_reason(&self, r: usize) -> Option<Hold> {
        if !self.delayable(r) {
            return None;
        }
        let delayable = self.sched.flight_delayable;
        if delayable >= MAX_DELAYABLE_PER_CLIENT {
            return Some(Hold::Client(delayable));
        }
        let host = self.sched.flight_by_origin[self.sched.req_origin[r]];
        (host >= MAX_PER_HOST).then_some(Hold::Host(host))
    }

    /// Request `r` is in flight for the scheduler.
    fn fly(&mut self, r: usize) {
        let delayable = self.delayable(r);
        let o = self.sched.req_origin[r];
        bump(&mut self.sched.flight_by_origin, o, true);
        if delayable {
            self.sched.flight_delayable += 1;
        }
        let q = &mut self.reqs[r];
        q.in_flight = true;
        q.flight_delayable = delayable;
    }

    /// The request asks to start at `t`: true when it may go on; else it is held, and starts
    /// when [`Sim::reschedule`] lets it.
    pub(super) fn admit(&mut self, t: Instant, r: usize) -> bool {
        if !self.scheduled(r) {
            return true;
        }
        // Number the request's origin (by its text, as the books count it).
        if self.sched.req_origin.len() <= r {
            self.sched
                .req_origin
                .resize(self.reqs.len().max(r + 1), usize::MAX);
        }
        if self.sched.req_origin[r] == usize::MAX {
            let next = self.sched.origin_ids.len();
            let o = *self
                .sched
                .origin_ids
                .entry(self.reqs[r].origin_s.clone())
                .or_insert(next);
            if o == next {
                self.sched.held_by_origin.push(0);
                self.sched.flight_by_origin.push(0);
            }
            self.sched.req_origin[r] = o;
        }
        match self.hold_reason(r) {
            None => {
                self.fly(r);
                true
            }
            Some(why) => {
                self.sched.arrivals += 1;
                let key = (
                    std::cmp::Reverse(self.reqs[r].priority),
                    self.sched.arrivals,
                    r,
                );
                let at = self.sched.held.partition_point(|k| *k < key);
                self.sched.held.insert(at, key);
                let o = self.sched.req_origin[r];
                self.sched.bump_held(o, true);
                self.reqs[r].is_held = true;
                // Held in the renderer first, the wait began there.
                let since = self.reqs[r].held.map_or(t, |h| h.0);
                self.reqs[r].held = Some((since, t));
                let text: Rc<str> = format!(
                    "held back by the ResourceScheduler: {}",
                    why.describe(self, r)
                )
                .into();
                self.reqs[r].held_why = Some(Rc::clone(&text));
                let held = Held {
                    why: text,
                    priority: self.reqs[r].priority,
                    rule: why.rule(),
                    source: SCHEDULER,
                };
                let e = Event::described(t, Actor::Browser, steps::POOL_THROTTLED, held);
                self.push_request(r, e);
                false
            }
        }
    }

    /// Request `r` leaves the scheduler's hold without starting (it failed).
    pub(super) fn unhold(&mut self, r: usize) {
        if !std::mem::take(&mut self.reqs[r].is_held) {
            return;
        }
        self.sched.held.retain(|k| k.2 != r);
        let o = self.sched.req_origin[r];
        self.sched.bump_held(o, false);
    }

    /// Request `r` has ended (or will not go on): the scheduler counts it no more, and held
    /// requests start if they now may.
    pub(super) fn scheduler_end(&mut self, t: Instant, r: usize) {
        self.renderer_end(t, r);
        if !std::mem::take(&mut self.reqs[r].in_flight) {
            return;
        }
        let o = self.sched.req_origin[r];
        bump(&mut self.sched.flight_by_origin, o, false);
        let delayable = std::mem::take(&mut self.reqs[r].flight_delayable);
        if delayable {
            self.sched.flight_delayable = self.sched.flight_delayable.saturating_sub(1);
        }
        // No held request could start before this one ended (whatever makes room searches
        // again). The room it leaves is under the page's limit if it counted there, else only
        // at its origin: with no request held there either, the search would start nothing.
        if delayable || self.sched.held_by_origin[o] > 0 {
            self.reschedule(t);
        }
    }

    /// `LoadAnyStartablePendingRequests`: held requests, highest priority first and in arrival
    /// order within a priority, start while they may; the page's limit stops the search, a
    /// host's limit only skips that host's requests, and the search stops once every host
    /// with a held request is at its limit.
    pub(super) fn reschedule(&mut self, t: Instant) {
        // The origins met at their limit in this search, by origin number.
        let mut full = vec![false; self.sched.origin_ids.len()];
        let mut nfull = 0;
        let mut i = 0;
        while i < self.sched.held.len() {
            if nfull >= self.sched.held_origins {
                break;
            }
            let r = self.sched.held[i].2;
            let o = self.sched.req_origin[r];
            if full[o] {
                i += 1;
                continue;
            }
            match self.hold_reason(r) {
                None => {
                    self.sched.held.remove(i);
                    self.sched.bump_held(o, false);
                    self.reqs[r].is_held = false;
                    if let Some((a, _)) = self.reqs[r].held {
                        self.reqs[r].held = Some((a, t));
                    }
                    self.fly(r);
                    self.schedule(t, Ev::Go(r));
                }
                Some(Hold::Client(_)) => break,
                Some(Hold::Host(_)) => {
                    full[o] = true;
                    nfull += 1;
                    i += 1;
                }
            }
        }
    }

    /// The parser has reached the end of the document at `at`: the page is laid out then, and
    /// the images in the viewport are raised.
    pub(super) fn maybe_layout(&mut self, t: Instant) {
        if self.laid_out {
            return;
        }
        if let Some(at) = self.parse_end() {
            self.laid_out = true;
            self.schedule(at.max(t), Ev::Layout);
        }
    }

    /// The first layout: every image in the viewport that has not arrived goes from Low to
    /// High (net `MEDIUM`).
    pub(super) fn layout(&mut self, t: Instant) {
        // The scenario's list, resolved against the document once (sorted, for lookups).
        self.sched.viewport = self.sc.in_viewport.as_ref().map(|list| {
            let mut v: Vec<String> = list
                .iter()
                .filter_map(|u| {
                    ::url::Url::parse(u)
                        .or_else(|_| self.reqs[self.doc].url.join(u))
                        .ok()
                        .map(String::from)
                })
                .collect();
            v.sort_unstable();
            v
        });
        let deferred: Vec<usize> = {
            let mut d: Vec<usize> = self.deferred.iter().filter_map(|d| d.request).collect();
            d.sort_unstable();
            d
        };
        let mut raise: Vec<usize> = (0..self.reqs.len())
            .filter(|&r| {
                let q = &self.reqs[r];
                q.dest == Dest::Fetch(Destination::Image)
                    && q.end.is_none()
                    && q.rare().dup_of.is_none()
                    && q.priority < Priority::Medium
                    && self.in_viewport(r)
            })
            .collect();
        // Blink visits the images in its set of not-yet-loaded image resources
        // (`ResourceFetcher::UpdateAllImageResourcePriorities`), a hash set keyed by the
        // resources' addresses: an order unrelated to the document's, which the model draws
        // from the scenario's seed. The h2-tls recording raises its images so, out of order.
        let mut rng = crate::model::rng::Rng::for_purpose(self.situation.seed, "image raise order");
        for i in (1..raise.len()).rev() {
            let j = rng.next_u32() as usize % (i + 1);
            raise.swap(i, j);
        }
        for r in raise {
            let issued = self.reqs[r].t0 <= t && deferred.binary_search(&r).is_err();
            self.raise(t, r, Priority::Medium, issued);
        }
        // Raised to High, a request held in the renderer may start.
        self.renderer_release(t);
        // The held queue follows the new priorities.
        let reqs = &self.reqs;
        for k in &mut self.sched.held {
            k.0 = std::cmp::Reverse(reqs[k.2].priority);
        }
        self.sched.held.make_contiguous().sort_unstable();
        self.reschedule(t);
    }

    fn in_viewport(&self, r: usize) -> bool {
        match &self.sched.viewport {
            None => true,
            Some(list) => list
                .binary_search_by(|u| u.as_str().cmp(self.reqs[r].url.as_str()))
                .is_ok(),
        }
    }

    /// Request `r`'s priority goes up to `to` at `t`; a request waiting in the socket pool's
    /// queue moves up in it.
    fn raise(&mut self, t: Instant, r: usize, to: Priority, issued: bool) {
        let from = self.reqs[r].priority;
        self.reqs[r].priority = to;
        // No longer delayable: the page's count of delayable requests in flight drops.
        if self.reqs[r].in_flight && std::mem::take(&mut self.reqs[r].flight_delayable) {
            self.sched.flight_delayable = self.sched.flight_delayable.saturating_sub(1);
        }
        let mut raised = Raised {
            from,
            to,
            ahead: None,
        };
        self.renderer_raise(r, to);
        // Waiting in the pool (queued, or for the connect job it started): it moves up.
        if self.reqs[r].conn.is_none() && !self.reqs[r].is_held && !self.reqs[r].renderer_held {
            let group = self.reqs[r].group.clone();
            raised.ahead = self.pool.set_priority(&group, r as u32, to);
        }
        if issued {
            let e = Event::described(t, Actor::Browser, steps::POOL_REPRIORITIZE, raised);
            self.push_request(r, e);
        }
        // Already a stream of an HTTP/2 connection: the server hears of it.
        self.h2_reprioritize(t, r, to);
    }

    /// When the parser reaches the end of the document, once that is known: the document has
    /// arrived and every parser-blocking script (and the stylesheets before the last) has ended.
    fn parse_end(&self) -> Option<Instant> {
        let p = self.parsing.as_ref()?;
        let mut parsed = p.end.max(self.reqs[self.doc].end?);
        if let Some(&(last, _)) = self.blocking.last() {
            let scripts = self.blocking.iter().map(|b| b.1);
            let styles = self.styles.iter().filter(|s| s.0 < last).map(|s| s.1);
            let mut latest = Instant::ZERO;
            for r in scripts.chain(styles) {
                latest = latest.max(self.reqs[r].end?);
            }
            parsed = parsed.max(latest + p.script);
        }
        Some(parsed)
    }
}

/// A request held back (`render.tight_mode`, `pool.throttled`): why, in the words its
/// Queueing phase shares, and the rule; the fields are written when read.
#[derive(Clone, Debug)]
pub(super) struct Held {
    pub why: Rc<str>,
    pub priority: Priority,
    pub rule: &'static str,
    pub source: &'static str,
}

impl Detail for Held {
    fn summary(&self) -> Cow<'static, str> {
        self.why.to_string().into()
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("priority", devtools_priority(self.priority)),
            Field::note("rule", self.rule),
            Field::note("source", self.source),
        ]
    }
}

/// `pool.reprioritize`: layout raised an image in the viewport; where it then stood in the
/// socket pool's queue, if it waited there.
#[derive(Clone, Debug)]
struct Raised {
    from: Priority,
    to: Priority,
    ahead: Option<usize>,
}

impl Detail for Raised {
    fn summary(&self) -> Cow<'static, str> {
        format!(
            "in the viewport: priority {} → {}",
            devtools_priority(self.from),
            devtools_priority(self.to)
        )
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![
            Field::note("why", "layout found the image inside the viewport"),
            Field::note("source", FETCHER),
        ];
        if let Some(ahead) = self.ahead {
            f.push(Field::new(
                "socket_pool",
                format!("moves up the queue: {ahead} ahead now"),
            ));
        }
        f
    }
}

/// Where Blink raises an image in the viewport.
const FETCHER: &str = "https://source.chromium.org/chromium/chromium/src/+/main:third_party/blink/renderer/platform/loader/fetch/resource_fetcher.cc";

/// Why the scheduler holds a request.
#[derive(Clone, Copy)]
enum Hold {
    /// The page has this many delayable requests in flight.
    Client(usize),
    /// The page has this many requests in flight to the request's origin.
    Host(usize),
}

impl Hold {
    fn describe(self, sim: &Sim<'_>, r: usize) -> String {
        match self {
            Hold::Client(n) => format!(
                "the page already has {n} low-priority requests in flight (the limit is {MAX_DELAYABLE_PER_CLIENT})"
            ),
            Hold::Host(n) => format!(
                "the page already has {n} requests in flight to {} (the limit is {MAX_PER_HOST} for a low-priority request)",
                sim.reqs[r].origin_s
            ),
        }
    }

    fn rule(self) -> &'static str {
        match self {
            Hold::Client(_) => "kDefaultMaxNumDelayableRequestsPerClient = 10",
            Hold::Host(_) => "kMaxNumDelayableRequestsPerHostPerClient = 6",
        }
    }
}
