//! The socket pool, as Chromium's `TransportClientSocketPool` runs it
//! (`net/socket/transport_client_socket_pool.cc`, `client_socket_pool_manager.cc`).
//!
//! Sockets are kept in groups keyed by the destination: scheme, host and port (Chromium's
//! `GroupId` also holds the privacy mode and the network anonymization key; the key here is a
//! string the caller builds). A request for a socket:
//! 1. reuses an idle socket of the group if there is one (the newest one that was used before,
//!    else the oldest never-used one, as `AssignIdleSocketToRequest` prefers);
//! 2. else waits for a connect job a preconnect started and nobody claimed;
//! 3. else waits in the group's queue when the group already has [`MAX_SOCKETS_PER_GROUP`]
//!    sockets (handed out, connecting or idle) — `SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP`;
//! 4. else, when the whole pool holds [`MAX_SOCKETS_PER_POOL`], closes an idle socket of another
//!    group to make room, or waits — `SOCKET_POOL_STALLED_MAX_SOCKETS`;
//! 5. else starts a connect job (DNS, TCP, TLS: the engine drives it).
//!
//! Waiting requests sit in a per-group priority queue, first in first out within a priority.
//! Binding is late: a connect job that finishes hands its socket to the request at the head of
//! the queue, which is not necessarily the request that started the job. A released keep-alive
//! socket goes straight to the head of its group's queue, else it goes idle; idle sockets close
//! after 5 minutes if they were used and 1 minute if never used. When a socket closes or goes
//! idle while a group waits on the pool limit, an idle socket is closed if need be and the slot
//! goes to that group (`CheckForStalledSocketGroups`).
//!
//! A sans-IO machine: calls push inputs with the time, [`Pool::poll_output`] pulls what happened,
//! [`Pool::poll_timeout`] tells the next idle expiry. Left out: the 250 ms backup connect job,
//! proxies, WebSocket pools, and HTTP/2 sessions (the engine multiplexes streams over one socket).

use crate::model::sorted::SortedMap;
use crate::model::time::{Duration, Instant};
use std::collections::VecDeque;

/// `g_max_sockets_per_group[NORMAL_SOCKET_POOL] = 6` (client_socket_pool_manager.cc).
pub const MAX_SOCKETS_PER_GROUP: usize = 6;
/// `g_max_sockets_per_pool[NORMAL_SOCKET_POOL] = 256` (client_socket_pool_manager.cc).
pub const MAX_SOCKETS_PER_POOL: usize = 256;
/// `g_used_idle_socket_timeout_s = 300` (client_socket_pool.cc).
pub const USED_IDLE_SOCKET_TIMEOUT: Duration = Duration::from_secs(300);
/// `unused_idle_socket_timeout()` default: 60 s (client_socket_pool_manager.cc).
pub const UNUSED_IDLE_SOCKET_TIMEOUT: Duration = Duration::from_secs(60);

/// A socket group, typed: Chromium's `ClientSocketPool::GroupId` is the destination (scheme,
/// host, port), the privacy mode (whether the requests it carries send credentials) and the
/// network anonymization key: the top-level site, and whether the request comes from a frame
/// cross-site to it (`is_cross_site`, as the harness's NetLog shows: the page's requests to a
/// host in `<https://shop.example same_site>`, its cross-site frame's in `<… cross_site>`,
/// which never share a connection). The top-level site is the page's for every request of a
/// load, so the key says only the cross-site frame. The pool keys groups by
/// [`GroupKey::text`]: the origin, prefixed `pm/` without credentials and followed by
/// ` (cross-site frame)` for a frame's (how the waterfall and HAR's `_socketGroup` show it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupKey {
    pub text: String,
    /// The serialized origin.
    pub origin: String,
    pub host: String,
    pub port: u16,
    pub https: bool,
    pub credentials: bool,
    /// Requests from a frame cross-site to the page.
    pub frame: bool,
    /// Whose requests the group holds: the page's, or the browser's own DNS-over-HTTPS ones.
    pub purpose: Purpose,
}

/// Whose requests a socket group holds ([`GroupKey::purpose`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// The page's (and the browser's navigation and preconnects for it).
    #[default]
    Page,
    /// The browser's DNS-over-HTTPS requests (`SecureDnsPolicy::kBootstrap`).
    DnsBootstrap,
    /// The page's WebSockets: Chromium's separate `WebSocketTransportClientSocketPool`, which
    /// keeps no idle sockets (net/socket/websocket_transport_client_socket_pool.cc).
    WebSocket,
}

/// What marks a group without credentials in its text (Chromium's privacy mode).
const PRIVACY_MODE_MARK: &str = "pm/";
/// What marks the group of the browser's own DNS-over-HTTPS requests in its text (Chromium's
/// `GetSecureDnsPolicyGroupIdPrefix` for `SecureDnsPolicy::kBootstrap`).
const DNS_BOOTSTRAP_MARK: &str = "dns_bootstrap/";
/// What marks the group of the page's WebSockets to an origin in its text (they are another
/// pool's in Chromium).
const WEBSOCKET_MARK: &str = "ws/";
/// What marks the group of a frame cross-site to the page in its text.
const FRAME_MARK: &str = " (cross-site frame)";

impl GroupKey {
    /// Reads a group's text, as [`GroupKey::text`] writes it (HAR's `_socketGroup`): its origin
    /// and whether its requests send credentials. The one reader of the text form, beside its
    /// one writer.
    pub fn read(text: &str) -> (&str, bool) {
        let text = text.strip_suffix(FRAME_MARK).unwrap_or(text);
        let text = text.strip_prefix(DNS_BOOTSTRAP_MARK).unwrap_or(text);
        let text = text.strip_prefix(WEBSOCKET_MARK).unwrap_or(text);
        match text.strip_prefix(PRIVACY_MODE_MARK) {
            Some(origin) => (origin, false),
            None => (text, true),
        }
    }

    /// The text of the group of requests to `u`'s origin (what [`GroupKey::new`] names it),
    /// without building the rest of the key.
    pub fn text_of(u: &::url::Url, credentials: bool) -> String {
        Self::text_in(u, credentials, false)
    }

    /// [`GroupKey::text_of`], from a frame cross-site to the page when `frame`.
    pub fn text_in(u: &::url::Url, credentials: bool, frame: bool) -> String {
        Self::text_for(u.origin().ascii_serialization(), credentials, frame)
    }

    fn text_for(origin: String, credentials: bool, frame: bool) -> String {
        let mark = if frame { FRAME_MARK } else { "" };
        if credentials {
            format!("{origin}{mark}")
        } else {
            format!("{PRIVACY_MODE_MARK}{origin}{mark}")
        }
    }

    /// The group of the browser's own DNS-over-HTTPS requests to `host` (port 443): no
    /// credentials, apart from the page's requests to the same origin.
    pub fn dns_bootstrap(host: &str) -> GroupKey {
        let origin = format!("https://{host}");
        GroupKey {
            text: format!(
                "{DNS_BOOTSTRAP_MARK}{}",
                Self::text_for(origin.clone(), false, false)
            ),
            host: host.to_string(),
            port: 443,
            origin,
            https: true,
            credentials: false,
            frame: false,
            purpose: Purpose::DnsBootstrap,
        }
    }

    /// The group of the page's WebSockets to `u`'s origin (`u` the http(s) twin of the
    /// socket's URL); a WebSocket always sends credentials.
    pub fn websocket(u: &::url::Url) -> GroupKey {
        let mut key = Self::new(u, true);
        key.text = format!("{WEBSOCKET_MARK}{}", key.text);
        key.purpose = Purpose::WebSocket;
        key
    }

    /// The group of requests to `u`'s origin.
    pub fn new(u: &::url::Url, credentials: bool) -> GroupKey {
        Self::new_in(u, credentials, false)
    }

    /// [`GroupKey::new`], from a frame cross-site to the page when `frame`.
    pub fn new_in(u: &::url::Url, credentials: bool, frame: bool) -> GroupKey {
        let origin = u.origin().ascii_serialization();
        let https = u.scheme() == "https";
        GroupKey {
            text: Self::text_for(origin.clone(), credentials, frame),
            host: u.host_str().unwrap_or_default().to_string(),
            port: u
                .port_or_known_default()
                .unwrap_or(if https { 443 } else { 80 }),
            origin,
            https,
            credentials,
            frame,
            purpose: Purpose::Page,
        }
    }
}

/// Chromium's `RequestPriority` (net/base/request_priority.h), lowest first; a scenario names
/// them in lower case (`"highest"`, `"lowest"`…).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Throttled,
    Idle,
    Lowest,
    Low,
    Medium,
    Highest,
}

impl Priority {
    /// How many levels below `Highest` it is: 0 for `Highest` … 5 for `Throttled`. Chromium
    /// turns a priority into HTTP/2's SPDY/3 priority and into RFC 9218's urgency this way
    /// (`ConvertRequestPriorityToSpdyPriority`, `ConvertRequestPriorityToQuicPriority`).
    pub fn below_highest(self) -> u8 {
        Priority::Highest as u8 - self as u8
    }
}

pub type RequestId = u32;
pub type SocketId = u32;
pub type JobId = u32;

/// Why a request waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stall {
    /// The group already has its 6 sockets.
    GroupLimit,
    /// The pool already has its 256 sockets and none is idle elsewhere.
    PoolLimit,
    /// A preconnect's connect job is on its way; the request waits for it.
    Preconnect,
}

/// What the pool did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// An idle socket went to the request at once.
    Reused {
        request: RequestId,
        socket: SocketId,
        group: String,
        idle_for: Duration,
        was_used: bool,
    },
    /// A connect job started for the group; `for_request` is `None` for a preconnect.
    ConnectJobStarted {
        job: JobId,
        group: String,
        for_request: Option<RequestId>,
    },
    /// The request waits; `ahead` requests of the group are before it in the queue.
    Queued {
        request: RequestId,
        group: String,
        reason: Stall,
        ahead: usize,
    },
    /// A finished connect job's socket goes to the request at the head of the queue (late
    /// binding: `started_for` may be another request, or none).
    Bound {
        request: RequestId,
        socket: SocketId,
        group: String,
        job: JobId,
        started_for: Option<RequestId>,
    },
    /// A released keep-alive socket went straight to a waiting request.
    Handed {
        request: RequestId,
        socket: SocketId,
        group: String,
    },
    /// A socket nobody is waiting for is kept, idle.
    Idle { socket: SocketId, group: String },
    Closed {
        socket: SocketId,
        group: String,
        reason: &'static str,
    },
    /// A connect job failed; the request at the head of the queue gets the error.
    Failed {
        request: Option<RequestId>,
        job: JobId,
        group: String,
    },
}

#[derive(Clone, Debug)]
struct IdleSocket {
    id: SocketId,
    since: Instant,
    used: bool,
}

#[derive(Clone, Debug)]
struct Pending {
    request: RequestId,
    priority: Priority,
    seq: u64,
}

#[derive(Clone, Debug)]
struct Job {
    id: JobId,
    started_for: Option<RequestId>,
    /// A preconnect job no request has claimed yet.
    unclaimed: bool,
}

#[derive(Clone, Debug, Default)]
struct Group {
    pending: Vec<Pending>,
    idle: Vec<IdleSocket>,
    handed_out: Vec<SocketId>,
    jobs: Vec<Job>,
    /// Its own limit, when it is not the pool's per-group one ([`Pool::set_group_limit`]).
    limit: Option<usize>,
}

impl Group {
    fn slots(&self) -> usize {
        self.handed_out.len() + self.jobs.len() + self.idle.len()
    }

    /// Inserts by priority, highest first, after the others of the same priority.
    fn enqueue(&mut self, p: Pending) -> usize {
        let at = self
            .pending
            .iter()
            .position(|q| q.priority < p.priority)
            .unwrap_or(self.pending.len());
        self.pending.insert(at, p);
        at
    }

    fn pop_head(&mut self) -> Option<Pending> {
        (!self.pending.is_empty()).then(|| self.pending.remove(0))
    }
}

/// A summary of one group, for views and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupView {
    pub handed_out: usize,
    pub connecting: usize,
    pub idle: usize,
    pub waiting: Vec<RequestId>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    per_group: usize,
    per_pool: usize,
    groups: SortedMap<Group>,
    /// The group of each socket, by id (ids count from 1): a released socket's group is found
    /// without walking the groups.
    socket_groups: Vec<String>,
    /// The group of each connect job, by id (ids count from 1).
    job_groups: Vec<String>,
    /// No idle socket expires before this (none may expire at all): most calls need not look.
    expiry_floor: Option<Instant>,
    /// Sockets in the whole pool (handed out, connecting and idle), counted as they come and
    /// go rather than summed over the groups at each call.
    sockets: usize,
    next_socket: SocketId,
    next_job: JobId,
    seq: u64,
    out: VecDeque<Output>,
}

impl Default for Pool {
    fn default() -> Self {
        Pool::new(MAX_SOCKETS_PER_GROUP, MAX_SOCKETS_PER_POOL)
    }
}

impl Pool {
    pub fn new(per_group: usize, per_pool: usize) -> Pool {
        Pool {
            per_group: per_group.max(1),
            per_pool: per_pool.max(1),
            groups: SortedMap::default(),
            socket_groups: Vec::new(),
            job_groups: Vec::new(),
            expiry_floor: None,
            sockets: 0,
            next_socket: 1,
            next_job: 1,
            seq: 0,
            out: VecDeque::new(),
        }
    }

    /// Its limits: sockets per group, and in all.
    pub fn limits(&self) -> (usize, usize) {
        (self.per_group, self.per_pool)
    }

    /// Gives `group` a limit of its own: a WebSocket group's 255
    /// (`g_max_sockets_per_group[WEBSOCKET_SOCKET_POOL]`, client_socket_pool_manager.cc).
    pub fn set_group_limit(&mut self, group: &str, limit: usize) {
        self.groups.entry(group).limit = Some(limit.max(1));
    }

    /// The most sockets `g` may have.
    fn limit_of(&self, g: &Group) -> usize {
        g.limit.unwrap_or(self.per_group)
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Sockets in the whole pool: handed out, connecting and idle.
    pub fn total(&self) -> usize {
        debug_assert_eq!(
            self.sockets,
            self.groups.values().map(Group::slots).sum::<usize>(),
            "the pool's count of its sockets"
        );
        self.sockets
    }

    pub fn group(&self, key: &str) -> GroupView {
        self.groups
            .get(key)
            .map_or_else(GroupView::default, |g| GroupView {
                handed_out: g.handed_out.len(),
                connecting: g.jobs.len(),
                idle: g.idle.len(),
                waiting: g.pending.iter().map(|p| p.request).collect(),
            })
    }

    /// The next idle socket expiry, if any socket is idle.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.groups
            .values()
            .flat_map(|g| g.idle.iter())
            .map(|s| s.since + timeout(s.used))
            .min()
    }

    /// Closes idle sockets whose timeout has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.expiry_floor.is_none_or(|t| now < t) {
            return;
        }
        let mut closed = false;
        for (key, g) in self.groups.iter_mut() {
            if !g.idle.iter().any(|s| s.since + timeout(s.used) <= now) {
                continue;
            }
            let (expired, kept): (Vec<_>, Vec<_>) = g
                .idle
                .drain(..)
                .partition(|s| s.since + timeout(s.used) <= now);
            g.idle = kept;
            for s in expired {
                closed = true;
                self.sockets -= 1;
                let reason = if s.used {
                    "idle for 5 minutes after use"
                } else {
                    "unused for 1 minute"
                };
                self.out.push_back(Output::Closed {
                    socket: s.id,
                    group: key.clone(),
                    reason,
                });
            }
        }
        self.expiry_floor = self.poll_timeout();
        // Only a socket that closed frees room for a stalled group.
        if closed {
            self.check_stalled();
        }
    }

    /// A request asks for a socket of `group`.
    pub fn request(&mut self, now: Instant, group: &str, request: RequestId, priority: Priority) {
        self.handle_timeout(now);
        self.seq += 1;
        let seq = self.seq;
        let g = self.groups.entry(group);
        // 1. An idle socket: the newest that was used, else the oldest never used.
        let pick = g
            .idle
            .iter()
            .rposition(|s| s.used)
            .or_else(|| g.idle.iter().position(|s| !s.used));
        if let Some(i) = pick {
            let s = g.idle.remove(i);
            g.handed_out.push(s.id);
            self.out.push_back(Output::Reused {
                request,
                socket: s.id,
                group: group.to_string(),
                idle_for: now.since(s.since),
                was_used: s.used,
            });
            return;
        }
        // 2. A preconnect job nobody has claimed.
        if let Some(job) = g.jobs.iter_mut().find(|j| j.unclaimed) {
            job.unclaimed = false;
            let ahead = g.enqueue(Pending {
                request,
                priority,
                seq,
            });
            return self.queued(request, group, Stall::Preconnect, ahead);
        }
        // 3. The group is full.
        if g.slots() >= g.limit.unwrap_or(self.per_group) {
            let ahead = g.enqueue(Pending {
                request,
                priority,
                seq,
            });
            return self.queued(request, group, Stall::GroupLimit, ahead);
        }
        // 4. The pool is full: close an idle socket of another group, or wait.
        if self.total() >= self.per_pool && !self.close_idle_elsewhere(group) {
            let g = self.groups.entry(group);
            let ahead = g.enqueue(Pending {
                request,
                priority,
                seq,
            });
            return self.queued(request, group, Stall::PoolLimit, ahead);
        }
        // 5. A new connect job; the request waits for whichever socket comes first.
        let job = self.new_job(group);
        let g = self.groups.entry(group);
        g.jobs.push(Job {
            id: job,
            started_for: Some(request),
            unclaimed: false,
        });
        g.enqueue(Pending {
            request,
            priority,
            seq,
        });
        self.out.push_back(Output::ConnectJobStarted {
            job,
            group: group.to_string(),
            for_request: Some(request),
        });
    }

    /// A waiting request's priority changes (an image found in the viewport, say): it leaves
    /// its place and joins the queue again at its new priority, after the requests already
    /// there (`Group::SetPriority` removes and re-inserts it, so even an unchanged priority
    /// loses its place: `ReprioritizeResetFIFO`). Returns how many are now ahead of it; `None`
    /// when it is not waiting (it has a socket: "the priority of the handle is no longer
    /// relevant to the socket pool", `ClientSocketHandle::SetPriority`).
    pub fn set_priority(
        &mut self,
        group: &str,
        request: RequestId,
        priority: Priority,
    ) -> Option<usize> {
        self.seq += 1;
        let seq = self.seq;
        let g = self.groups.get_mut(group)?;
        let i = g.pending.iter().position(|p| p.request == request)?;
        g.pending.remove(i);
        Some(g.enqueue(Pending {
            request,
            priority,
            seq,
        }))
    }

    /// A waiting request is given up (its page went away): it leaves the queue. A connect job
    /// started for it keeps going and serves the next request (late binding; Chromium may
    /// cancel such a job when the pool is at its limit, which this leaves out). False when it
    /// was not waiting. Chromium's `CancelRequest` test uses it; the engine does not yet.
    pub fn cancel(&mut self, group: &str, request: RequestId) -> bool {
        let Some(g) = self.groups.get_mut(group) else {
            return false;
        };
        let before = g.pending.len();
        g.pending.retain(|p| p.request != request);
        g.pending.len() < before
    }

    /// Opens sockets for `group` until it has `n` (at most the group limit), as
    /// `<link rel=preconnect>` does (`RequestSockets`).
    pub fn preconnect(&mut self, now: Instant, group: &str, n: usize) {
        self.handle_timeout(now);
        let n = n.min(
            self.groups
                .get(group)
                .map_or(self.per_group, |g| self.limit_of(g)),
        );
        while self.groups.get(group).map_or(0, Group::slots) < n && self.total() < self.per_pool {
            let job = self.new_job(group);
            self.groups.entry(group).jobs.push(Job {
                id: job,
                started_for: None,
                unclaimed: true,
            });
            self.out.push_back(Output::ConnectJobStarted {
                job,
                group: group.to_string(),
                for_request: None,
            });
        }
    }

    /// Starts one more connect job for `group`, for `request`, beyond what its queue asks:
    /// the TCP job Chromium races against a QUIC job (`HttpStreamFactory::JobController`'s
    /// main job). The pool binds whichever connects first (late binding).
    pub fn extra_job(&mut self, group: &str, request: Option<RequestId>) {
        let job = self.new_job(group);
        self.groups.entry(group).jobs.push(Job {
            id: job,
            started_for: request,
            unclaimed: request.is_none(),
        });
        self.out.push_back(Output::ConnectJobStarted {
            job,
            group: group.to_string(),
            for_request: request,
        });
    }

    /// A connect job ends without a socket and without failing anyone: the losing QUIC job
    /// of a race whose TCP job carries the requests. Its slot is free again.
    pub fn abandon(&mut self, job: JobId) {
        if self.take_job(job).is_some() {
            self.free_slot();
        }
    }

    /// A connect job finished with a connected socket: it goes to the head of the group's queue,
    /// or idle when nobody waits. Returns the new socket's id.
    pub fn connect_complete(&mut self, now: Instant, job: JobId) -> Option<SocketId> {
        let (key, j) = self.take_job(job)?;
        let socket = self.next_socket;
        self.next_socket += 1;
        self.socket_groups.push(key.clone());
        // The job's slot becomes the socket's.
        self.sockets += 1;
        let g = self.groups.entry(&key);
        match g.pop_head() {
            Some(p) => {
                g.handed_out.push(socket);
                self.out.push_back(Output::Bound {
                    request: p.request,
                    socket,
                    group: key,
                    job,
                    started_for: j.started_for,
                });
            }
            None => {
                g.idle.push(IdleSocket {
                    id: socket,
                    since: now,
                    used: false,
                });
                self.expires(now + timeout(false));
                self.out.push_back(Output::Idle { socket, group: key });
            }
        }
        Some(socket)
    }

    /// A connect job failed (DNS, refused, certificate): the request at the head of the queue
    /// gets the error.
    pub fn connect_failed(&mut self, _now: Instant, job: JobId) {
        let Some((key, _)) = self.take_job(job) else {
            return;
        };
        let g = self.groups.entry(&key);
        let request = g.pop_head().map(|p| p.request);
        self.out.push_back(Output::Failed {
            request,
            job,
            group: key,
        });
        self.free_slot();
    }

    /// The request is done with `socket`: with keep-alive it serves the next waiting request or
    /// goes idle; without, it closes and its slot goes to a waiting request.
    pub fn release(&mut self, now: Instant, socket: SocketId, keep_alive: bool) {
        let Some(key) = (socket as usize)
            .checked_sub(1)
            .and_then(|i| self.socket_groups.get(i))
            .filter(|k| {
                self.groups
                    .get(k)
                    .is_some_and(|g| g.handed_out.contains(&socket))
            })
            .cloned()
        else {
            return;
        };
        let g = self.groups.entry(&key);
        if keep_alive {
            if let Some(p) = g.pop_head() {
                self.out.push_back(Output::Handed {
                    request: p.request,
                    socket,
                    group: key,
                });
                return;
            }
            g.handed_out.retain(|s| *s != socket);
            g.idle.push(IdleSocket {
                id: socket,
                since: now,
                used: true,
            });
            self.expires(now + timeout(true));
            self.out.push_back(Output::Idle { socket, group: key });
            self.check_stalled();
        } else {
            g.handed_out.retain(|s| *s != socket);
            self.sockets -= 1;
            self.out.push_back(Output::Closed {
                socket,
                group: key,
                reason: "Connection: close",
            });
            self.free_slot();
        }
    }

    /// An idle socket will expire at `at`.
    fn expires(&mut self, at: Instant) {
        self.expiry_floor = Some(self.expiry_floor.map_or(at, |t| t.min(at)));
    }

    fn queued(&mut self, request: RequestId, group: &str, reason: Stall, ahead: usize) {
        self.out.push_back(Output::Queued {
            request,
            group: group.to_string(),
            reason,
            ahead,
        });
    }

    fn take_job(&mut self, job: JobId) -> Option<(String, Job)> {
        let key = (job as usize)
            .checked_sub(1)
            .and_then(|i| self.job_groups.get(i))?
            .clone();
        let g = self.groups.get_mut(&key)?;
        let i = g.jobs.iter().position(|j| j.id == job)?;
        let j = g.jobs.remove(i);
        self.sockets -= 1;
        Some((key, j))
    }

    /// A new connect job's id, for `group`.
    fn new_job(&mut self, group: &str) -> JobId {
        let job = self.next_job;
        self.next_job += 1;
        self.job_groups.push(group.to_string());
        self.sockets += 1;
        job
    }

    /// The waiting request that should get the next free slot: the highest priority (then the
    /// earliest) among groups below their own limit, with no connect job started for it.
    fn stalled_head(&self) -> Option<(String, RequestId)> {
        self.groups
            .iter()
            // Chromium's `IsStalledOnPoolMaxSockets`: below its own limit, with more requests
            // waiting than connect jobs under way (a job, late-bound, serves whichever request
            // is first, so a request a job was not started for is not short of one).
            .filter(|(_, g)| g.slots() < self.limit_of(g) && g.pending.len() > g.jobs.len())
            .filter_map(|(k, g)| {
                // The queue is in priority order, first come first within a priority, so the
                // group's best is the first without a job of its own.
                g.pending
                    .iter()
                    .find(|p| !g.jobs.iter().any(|j| j.started_for == Some(p.request)))
                    .map(|p| (p.priority, std::cmp::Reverse(p.seq), k, p.request))
            })
            .max()
            .map(|(_, _, k, r)| (k.clone(), r))
    }

    /// A slot freed: waiting requests start connect jobs while the pool has room.
    fn free_slot(&mut self) {
        while self.total() < self.per_pool {
            let Some((key, request)) = self.stalled_head() else {
                return;
            };
            let job = self.new_job(&key);
            self.groups.entry(&key).jobs.push(Job {
                id: job,
                started_for: Some(request),
                unclaimed: false,
            });
            self.out.push_back(Output::ConnectJobStarted {
                job,
                group: key,
                for_request: Some(request),
            });
        }
    }

    /// `CheckForStalledSocketGroups`: a socket went idle or closed. While a group waits on the
    /// pool limit, an idle socket is closed to make room, and the room goes to that group.
    fn check_stalled(&mut self) {
        while self.stalled_head().is_some() {
            if self.total() >= self.per_pool && !self.close_idle_elsewhere("") {
                return;
            }
            self.free_slot();
        }
    }

    /// Closes one idle socket of a group other than `except`; false when there is none.
    fn close_idle_elsewhere(&mut self, except: &str) -> bool {
        for (k, g) in self.groups.iter_mut() {
            if !g.idle.is_empty() && k != except {
                let s = g.idle.remove(0);
                self.sockets -= 1;
                self.out.push_back(Output::Closed {
                    socket: s.id,
                    group: k.clone(),
                    reason: "the pool is full: closed to make room",
                });
                return true;
            }
        }
        false
    }
}

/// The pool's part of the trace: what each event keeps, its words written when read
/// ([`crate::model::trace::Detail`]).
pub mod present {
    use super::Stall;
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    /// `pool.request_socket`: a request asks its group for a socket.
    #[derive(Clone, Debug)]
    pub struct RequestSocket {
        pub group: Rc<str>,
        /// DevTools' name for the request's priority.
        pub priority: &'static str,
    }

    impl Detail for RequestSocket {
        fn summary(&self) -> Cow<'static, str> {
            format!("request a socket for group {}", self.group).into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("group", &*self.group).spec("Chromium ClientSocketPool::GroupId"),
                Field::note("priority", self.priority),
                Field::note(
                    "limits",
                    "6 per group, 256 per pool (Chromium client_socket_pool_manager.cc)",
                ),
            ]
        }
    }

    /// `pool.queued`: the request waits, `ahead` requests before it.
    #[derive(Clone, Debug)]
    pub struct Queued {
        pub reason: Stall,
        pub ahead: usize,
        /// The pool's limits: per group, and in all.
        pub limits: (usize, usize),
    }

    impl Detail for Queued {
        fn summary(&self) -> Cow<'static, str> {
            match self.reason {
                Stall::PoolLimit => {
                    format!(
                        "queued: the pool's {} sockets are all in use",
                        self.limits.1
                    )
                }
                Stall::GroupLimit | Stall::Preconnect => format!(
                    "queued: the group's {} sockets are busy or opening",
                    self.limits.0
                ),
            }
            .into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("ahead_in_queue", self.ahead),
                Field::note("order", "priority, then arrival"),
            ]
        }
    }

    /// `pool.reuse`: the request gets a socket that is already connected; `which` says whose.
    #[derive(Clone, Debug)]
    pub struct Reuse {
        pub which: Reused,
    }

    /// Whose the reused socket was.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Reused {
        /// An idle socket waiting in the group (open before the load, or released earlier).
        Idle,
        /// The socket the request before it on the same connection just released.
        AfterRequest,
        /// A socket another tab was using when the load started, just released.
        OtherTab,
    }

    impl Reuse {
        fn whose(&self) -> &'static str {
            match self.which {
                Reused::Idle => "an idle socket of the group",
                Reused::AfterRequest => "the socket the request before it just released",
                Reused::OtherTab => "the socket another tab's download just released",
            }
        }
    }

    impl Detail for Reuse {
        fn summary(&self) -> Cow<'static, str> {
            format!("reuse {}: no DNS, no handshakes", self.whose()).into()
        }

        fn fields(&self) -> Vec<Field> {
            Vec::new()
        }
    }

    /// `pool.new_connection`: a connect job opens connection `job` to `group`, for a request
    /// (its number from 1) or for a `<link rel=preconnect>`.
    #[derive(Clone, Debug)]
    pub struct NewConnection {
        pub job: u32,
        pub group: Rc<str>,
        pub https: bool,
        pub for_request: Option<u32>,
        /// Who opened it when no request did ([`crate::model::load::Preconnector::who`]).
        pub opened_by: &'static str,
    }

    impl Detail for NewConnection {
        fn summary(&self) -> Cow<'static, str> {
            format!("open connection {} to {}", self.job, self.group).into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::note(
                    "connect_job",
                    if self.https {
                        "resolve host → TCP connect → TLS handshake"
                    } else {
                        "resolve host → TCP connect"
                    },
                ),
                match self.for_request {
                    Some(r) => Field::new("opened_for", format_args!("request {r}")),
                    None => Field::note("opened_by", self.opened_by),
                },
            ]
        }
    }

    /// `pool.release`: a keep-alive connection goes back to its group.
    #[derive(Clone, Debug)]
    pub struct Release {
        pub job: u32,
        pub group: Rc<str>,
    }

    impl Detail for Release {
        fn summary(&self) -> Cow<'static, str> {
            format!("connection {} goes back to the pool", self.job).into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("group", &*self.group),
                Field::note(
                    "closes_if_unused_for",
                    "5 minutes (Chromium's used-idle-socket timeout)",
                ),
            ]
        }
    }
}

fn timeout(used: bool) -> Duration {
    if used {
        USED_IDLE_SOCKET_TIMEOUT
    } else {
        UNUSED_IDLE_SOCKET_TIMEOUT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_text_reads_back_as_written() {
        for (url, credentials) in [
            ("https://a.example/x", true),
            ("http://b.example:8080/", false),
        ] {
            let u = ::url::Url::parse(url).unwrap();
            let key = GroupKey::new(&u, credentials);
            assert_eq!(
                GroupKey::read(&key.text),
                (key.origin.as_str(), credentials)
            );
        }
        assert_eq!(
            GroupKey::read("https://c.example"),
            ("https://c.example", true)
        );
    }

    const G: &str = "https://img.example:443";
    const T0: Instant = Instant::ZERO;

    fn drain(p: &mut Pool) -> Vec<Output> {
        std::iter::from_fn(|| p.poll_output()).collect()
    }

    fn jobs(out: &[Output]) -> Vec<JobId> {
        out.iter()
            .filter_map(|o| {
                if let Output::ConnectJobStarted { job, .. } = o {
                    Some(*job)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn twenty_images_open_six_connections_and_fourteen_wait() {
        let mut p = Pool::default();
        for r in 1..=20 {
            p.request(T0, G, r, Priority::Lowest);
        }
        let out = drain(&mut p);
        assert_eq!(jobs(&out).len(), 6);
        let queued = out
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    Output::Queued {
                        reason: Stall::GroupLimit,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(queued, 14);
        assert_eq!(p.group(G).connecting, 6);
        assert_eq!(
            p.group(G).waiting.len(),
            20,
            "all twenty wait for a socket: binding is late"
        );
        // The first socket goes to the first request; released, it serves the seventh.
        let s = p.connect_complete(T0, 1).unwrap();
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Bound { request: 1, .. }]
        ));
        for j in 2..=6 {
            p.connect_complete(T0, j);
        }
        drain(&mut p);
        p.release(T0, s, true);
        assert_eq!(
            drain(&mut p),
            vec![Output::Handed {
                request: 7,
                socket: s,
                group: G.into()
            }]
        );
        assert!(p.total() <= MAX_SOCKETS_PER_GROUP);
    }

    #[test]
    fn late_binding_serves_the_highest_priority_first() {
        let mut p = Pool::default();
        p.request(T0, G, 1, Priority::Lowest);
        for r in 2..=6 {
            p.request(T0, G, r, Priority::Lowest);
        }
        p.request(T0, G, 7, Priority::Highest); // the group is full: it waits, at the head
        let out = drain(&mut p);
        assert!(matches!(
            out.last(),
            Some(Output::Queued {
                request: 7,
                ahead: 0,
                ..
            })
        ));
        p.connect_complete(T0, 1);
        match &drain(&mut p)[..] {
            [Output::Bound {
                request,
                started_for,
                ..
            }] => {
                assert_eq!(
                    *request, 7,
                    "the job started for request 1 serves request 7"
                );
                assert_eq!(*started_for, Some(1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn idle_reuse_and_timeouts() {
        let mut p = Pool::default();
        p.request(T0, G, 1, Priority::Medium);
        p.connect_complete(T0, 1);
        let s = match drain(&mut p).last() {
            Some(Output::Bound { socket, .. }) => *socket,
            o => panic!("{o:?}"),
        };
        p.release(T0, s, true);
        drain(&mut p);
        let later = T0 + Duration::from_secs(10);
        p.request(later, G, 2, Priority::Medium);
        assert_eq!(
            drain(&mut p),
            vec![Output::Reused {
                request: 2,
                socket: s,
                group: G.into(),
                idle_for: Duration::from_secs(10),
                was_used: true
            }]
        );
        p.release(later, s, true);
        drain(&mut p);
        assert_eq!(p.poll_timeout(), Some(later + USED_IDLE_SOCKET_TIMEOUT));
        p.handle_timeout(later + USED_IDLE_SOCKET_TIMEOUT);
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Closed {
                reason: "idle for 5 minutes after use",
                ..
            }]
        ));
    }

    #[test]
    fn preconnect_then_request_uses_it() {
        let mut p = Pool::default();
        p.preconnect(T0, G, 2);
        assert_eq!(jobs(&drain(&mut p)).len(), 2);
        p.request(T0, G, 1, Priority::Highest);
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Queued {
                reason: Stall::Preconnect,
                ..
            }]
        ));
        p.connect_complete(T0, 1);
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Bound {
                request: 1,
                started_for: None,
                ..
            }]
        ));
        p.connect_complete(T0, 2);
        assert!(matches!(drain(&mut p)[..], [Output::Idle { .. }]));
        p.handle_timeout(T0 + UNUSED_IDLE_SOCKET_TIMEOUT);
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Closed {
                reason: "unused for 1 minute",
                ..
            }]
        ));
    }

    #[test]
    fn pool_limit_closes_idle_sockets_elsewhere_or_waits() {
        let mut p = Pool::new(6, 2);
        p.request(T0, "a", 1, Priority::Medium);
        p.connect_complete(T0, 1);
        let s = match drain(&mut p).last() {
            Some(Output::Bound { socket, .. }) => *socket,
            o => panic!("{o:?}"),
        };
        p.release(T0, s, true); // idle in "a"
        p.request(T0, "b", 2, Priority::Medium); // second slot
        drain(&mut p);
        p.request(T0, "b", 3, Priority::Medium); // pool full: close a's idle socket
        let out = drain(&mut p);
        assert!(
            matches!(
                out[0],
                Output::Closed {
                    reason: "the pool is full: closed to make room",
                    ..
                }
            ),
            "{out:?}"
        );
        assert_eq!(jobs(&out).len(), 1);
        p.request(T0, "c", 4, Priority::Medium); // nothing idle: wait
        assert!(matches!(
            drain(&mut p)[..],
            [Output::Queued {
                reason: Stall::PoolLimit,
                ..
            }]
        ));
        // A job of "b" fails: its slot goes to the stalled group "c".
        p.connect_failed(T0, 2);
        let out = drain(&mut p);
        assert!(out.iter().any(|o| matches!(o, Output::ConnectJobStarted { group, for_request: Some(4), .. } if group == "c")), "{out:?}");
        assert!(p.total() <= 2);
    }

    #[test]
    fn a_socket_going_idle_frees_its_slot_for_a_group_stalled_on_the_pool() {
        let mut p = Pool::new(6, 2);
        for (r, g) in [(1, "a"), (2, "b")] {
            p.request(T0, g, r, Priority::Medium);
            p.connect_complete(T0, r);
        }
        p.request(T0, "c", 3, Priority::Medium); // both slots busy: waits on the pool
        let a = match drain(&mut p)[..] {
            [Output::ConnectJobStarted { .. }, Output::Bound { socket, .. }, ..] => socket,
            ref o => panic!("{o:?}"),
        };
        // "a" is done with keep-alive: its socket would go idle, but "c" is stalled, so it is
        // closed and "c" starts a connect job in its place.
        p.release(T0 + Duration::from_millis(5), a, true);
        let out = drain(&mut p);
        assert!(
            out.iter().any(|o| matches!(
                o,
                Output::Closed {
                    reason: "the pool is full: closed to make room",
                    ..
                }
            )),
            "{out:?}"
        );
        assert!(out.iter().any(|o| matches!(o, Output::ConnectJobStarted { group, for_request: Some(3), .. } if group == "c")), "{out:?}");
        assert_eq!(p.total(), 2);
    }
}
