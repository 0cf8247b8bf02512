//! Sockets for requests: the pool's answers (reuse, queue, a new connect job, late binding),
//! each connect job's DNS lookup and TCP and TLS machines, session tickets, an idle connection
//! from before the load, and HTTP/2 sessions carrying streams.

use super::*;
use crate::model::step::{Stage, StepId};

/// What a connection held for its lookup over HTTPS keeps when it opens: its display lane,
/// who opened it and when, the request that took it and its socket.
#[derive(Clone, Copy)]
struct Held {
    lane: usize,
    preconnect: Option<Preconnector>,
    start: Instant,
    taken_by: Option<usize>,
    socket: Option<u32>,
}

impl Sim<'_> {
    pub(super) fn ask_pool(&mut self, t: Instant, r: usize) {
        if !self.reqs[r].cache_asked && self.reqs[r].dest != Dest::Preflight {
            self.reqs[r].cache_asked = true;
            if self.ask_cache(t, r) {
                return;
            }
        }
        if self.websocket_over_h2(t, r) {
            return;
        }
        let group = self.reqs[r].group.clone();
        if self.reqs[r].h2 {
            let h = entry(&mut self.h2, &group);
            if let Some(c) = h.conn {
                if h.active < H2_MAX_STREAMS {
                    return self.start_stream(t, r, c);
                }
                h.waiting.push(r);
                self.reqs[r].stalled_why = Some(format!(
                    "the HTTP/2 connection already carries {H2_MAX_STREAMS} streams, its limit"
                ));
                return;
            }
            if h.connecting {
                h.waiting.push(r);
                self.reqs[r].stalled_why = Some(format!(
                    "waits for the HTTP/2 connection to {} that is being opened: one connection carries every request to the origin",
                    self.reqs[r].origin_s
                ));
                return;
            }
        }
        let prio = self.reqs[r].priority;
        let e = Event::described(
            t,
            Actor::Browser,
            steps::POOL_REQUEST_SOCKET,
            pool::present::RequestSocket {
                group: group.clone(),
                priority: devtools_priority(prio),
            },
        );
        self.push_request(r, e);
        self.pool.request(t, &group, r as u32, prio);
        self.pool_outputs(t);
    }

    pub(super) fn pool_outputs(&mut self, t: Instant) {
        while let Some(o) = self.pool.poll_output() {
            if self.other_tab(t, &o) {
                continue;
            }
            match o {
                PoolOut::Reused {
                    request,
                    socket,
                    was_used,
                    ..
                } => {
                    let r = request as usize;
                    let job = self.job_of_socket(socket);
                    self.reqs[r].binding = Some(Binding::Idle { used: was_used });
                    self.reuse_event(t, r, job, pool::present::Reused::Idle);
                    if let Some(j) = job {
                        self.send(t, r, j);
                    }
                }
                PoolOut::ConnectJobStarted {
                    job,
                    group,
                    for_request,
                } => self.start_job(t, job, group, for_request),
                PoolOut::Queued {
                    request,
                    reason,
                    ahead,
                    ..
                } => {
                    if reason != Stall::Preconnect {
                        let e = Event::described(
                            t,
                            Actor::Browser,
                            steps::POOL_QUEUED,
                            pool::present::Queued {
                                reason,
                                ahead,
                                limits: self.pool.limits(),
                            },
                        );
                        self.push_request(request as usize, e);
                        self.reqs[request as usize].queue = Some((t, t, reason, ahead));
                    } else {
                        let r = request as usize;
                        let who = self.preconnector_of(&self.reqs[r].group);
                        self.reqs[r].stalled_why =
                            Some(format!("waits for the connection {} started", who.who()));
                    }
                }
                PoolOut::Bound { request, job, .. } => {
                    let r = request as usize;
                    self.reqs[r].binding = Some(Binding::New);
                    self.claim(job, r);
                    if let Some(j) = self.job_mut(job) {
                        j.taken_by = Some(r);
                    }
                    self.send(t, r, job);
                }
                PoolOut::Handed {
                    request, socket, ..
                } => {
                    let r = request as usize;
                    self.reqs[r].binding = Some(Binding::Handed);
                    let job = self.job_of_socket(socket);
                    // A busy socket carried another tab's download, none of this load's.
                    let other_tab = job
                        .and_then(|j| self.job(j))
                        .is_some_and(|j| j.conn.uses.is_empty());
                    let which = if other_tab {
                        pool::present::Reused::OtherTab
                    } else {
                        pool::present::Reused::AfterRequest
                    };
                    self.reuse_event(t, r, job, which);
                    if let Some(j) = self.job_of_socket(socket) {
                        self.send(t, r, j);
                    }
                }
                PoolOut::Idle { .. } => {}
                PoolOut::Closed { socket, reason, .. } => {
                    if let Some(j) = self.job_of_socket(socket) {
                        self.close_conn(t, j, reason);
                        self.doh_lost(t, j);
                    }
                }
                PoolOut::Failed { request, job, .. } => {
                    self.doh_lost(t, job);
                    if let Some(r) = request {
                        self.claim(job, r as usize);
                    }
                    self.close_conn(t, job, "the connection failed");
                    let failure = self.job(job).and_then(|j| j.failure);
                    let error = net_error(failure);
                    if let Some(r) = request.map(|r| r as usize) {
                        self.connect_failed_for(t, r, failure, &error);
                    }
                    // Requests waiting for an HTTP/2 connection that never came fail with it.
                    let group = self.job(job).map(|j| j.conn.group.clone());
                    let waiting = match group.as_deref().and_then(|g| self.h2_of(g)) {
                        Some(h) if h.conn.is_none() => {
                            h.connecting = false;
                            std::mem::take(&mut h.waiting)
                        }
                        _ => vec![],
                    };
                    for w in waiting {
                        if w == self.doc {
                            // The connection's events are the navigation's, as a stream's are.
                            self.claim(job, w);
                        }
                        self.connect_failed_for(t, w, failure, &error);
                    }
                }
            }
        }
    }

    /// Request `r` gets connection `job`, which the browser opened as the navigation started:
    /// the connection's messages so far and from now on are the request's, as if it had opened
    /// it, so that its slice of the trace (the journey, `--events --request`) shows the
    /// handshake it waited for. A connection a request opened keeps that request's; one a
    /// `<link rel=preconnect>` opened stays the page's, before any request.
    fn claim(&mut self, job: u32, r: usize) {
        let Some(j) = self.job_mut(job) else { return };
        if j.conn.preconnect != Some(Preconnector::Navigation) || j.taken_by.is_some() {
            return;
        }
        j.taken_by = Some(r);
        let id = r as u32 + 1;
        for e in &mut self.trace.events {
            if e.connection == Some(job) && e.request == 0 {
                e.request = id;
            }
        }
        self.doh_claim(job, id);
        // The other side of a race was opened for the same request.
        if let Some(other) = self.race_partner(job) {
            self.claim(other, r);
        }
    }

    /// Request `r`'s connection joins the lookup that connection `job` started, a connection the
    /// browser opened as the navigation started (its preconnect of an `http://` URL that
    /// HTTPS-Upgrades then sends to https): the lookup's messages are the request's, the ones sent and the ones to
    /// come ([`Sim::claimed`]), as the lookup it waited for.
    fn claim_lookup(&mut self, job: u32, r: usize) {
        let Some(j) = self.job(job) else { return };
        if j.conn.preconnect != Some(Preconnector::Navigation)
            || j.taken_by.is_some()
            || self.lookup_claims.iter().any(|c| c.0 == job)
        {
            return;
        }
        let id = r as u32 + 1;
        self.lookup_claims.push((job, id));
        for e in &mut self.trace.events {
            if e.connection == Some(job) && e.request == 0 && e.step.stage() == Stage::Dns {
                e.request = id;
            }
        }
    }

    /// The request an event of no request (`e.request == 0`) of connection `job` belongs to,
    /// once a request claimed the connection or its lookup; 0 while none has.
    pub(super) fn claimed(&self, job: u32, step: StepId) -> u32 {
        // The DoH server's connection serves the lookups: its first's request.
        if self.is_doh_job(job) {
            return self.doh_claimed();
        }
        let Some(j) = self.job(job) else { return 0 };
        if j.conn.preconnect == Some(Preconnector::Navigation) {
            if let Some(r) = j.taken_by {
                return r as u32 + 1;
            }
        }
        if step.stage() == Stage::Dns {
            if let Some(c) = self.lookup_claims.iter().find(|c| c.0 == job) {
                return c.1;
            }
        }
        0
    }

    /// Who opened the connection a request to `group` waits for: the group's first
    /// preconnected connection still without a request.
    fn preconnector_of(&self, group: &str) -> Preconnector {
        self.jobs
            .iter()
            .filter(|j| &*j.conn.group == group && j.taken_by.is_none())
            .find_map(|j| j.conn.preconnect)
            .unwrap_or(Preconnector::Link)
    }

    pub(super) fn reuse_event(
        &mut self,
        t: Instant,
        r: usize,
        job: Option<u32>,
        which: pool::present::Reused,
    ) {
        let mut e = Event::described(
            t,
            Actor::Browser,
            steps::POOL_REUSE,
            pool::present::Reuse { which },
        );
        if let Some(j) = job {
            e = e.connection(j);
        }
        self.push_request(r, e);
    }

    pub(super) fn close_conn(&mut self, t: Instant, job: u32, reason: &str) {
        if let Some(j) = self.job_mut(job) {
            if j.conn.closed.is_none() {
                j.conn.closed = Some(t);
                j.conn.close_reason = reason.to_string();
                let (group, lane) = (j.conn.group.clone(), j.conn.lane);
                if let Some(slot) = entry(&mut self.lanes, &group).get_mut(lane) {
                    *slot = false;
                }
            }
        }
    }

    pub(super) fn start_job(
        &mut self,
        t: Instant,
        job: u32,
        group: String,
        for_request: Option<u32>,
    ) {
        let Some((key, protocol)) = self.job_key(&group) else {
            return;
        };
        let GroupKey {
            host, port, https, ..
        } = key;
        self.doh_started(job, &group);
        if protocol.multiplexed() {
            entry(&mut self.h2, &group).connecting = true;
        }
        let e = Event::described(
            t,
            Actor::Browser,
            steps::POOL_NEW_CONNECTION,
            pool::present::NewConnection {
                job,
                group: group.as_str().into(),
                https,
                for_request: for_request.map(|r| r + 1),
                opened_by: self.preconnector.who(),
            },
        )
        .request(for_request.map_or(0, |r| r + 1))
        .connection(job);
        self.push(e);
        // DNS: one lookup per host, shared; then the browser's host cache. Over DNS over
        // HTTPS the answer comes later: the connection waits for it ([`Self::open_job`]).
        match self.resolve(t, (&host, port), job, for_request) {
            Looked::Now(dns) => self.open_job(t, job, &group, for_request, dns, false),
            Looked::Later => {
                self.open_job(t, job, &group, for_request, (t, String::new(), true), true)
            }
        }
    }

    /// Connection `job`'s machines, to `host:port` in `group` speaking `protocol`, from the end
    /// of its lookup at `dns_end`. Each connection draws its own numbers (port, sequence
    /// numbers, TLS randoms), so one connection's values do not depend on how many others the
    /// page opened before it. A job `held` for its lookup has stand-in machines: it does not
    /// take the scenario's QUIC connection ID, which its real machines will.
    fn machines_for(
        &mut self,
        job: u32,
        group: &str,
        (host, port, https): (String, u16, bool),
        protocol: Protocol,
        (dns_end, held): (Instant, bool),
    ) -> Machines {
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("connection {job}"));
        let mut config = self.connection_config(group, host, port, https);
        config.h2 = protocol == Protocol::H2;
        // A closed port: the model's QUIC server would answer, so the TCP attempt shows the
        // refusal.
        config.quic = protocol == Protocol::H3 && !config.refused;
        if config.quic && config.host == self.doc_host && !held {
            config.quic_cid = self.quic_cid.take();
            config.udp_blocked = self.situation.udp_blocked;
        }
        if !config.quic {
            config.v6 = self.v6_path(&config.host);
        }
        Machines::new(job, config, dns_end, &mut rng)
    }

    /// A new display lane for a connection to `group`: the first free one.
    fn new_lane(&mut self, group: &str) -> usize {
        let lanes = entry(&mut self.lanes, group);
        match lanes.iter().position(|b| !b) {
            Some(i) => {
                lanes[i] = true;
                i
            }
            None => {
                lanes.push(true);
                lanes.len() - 1
            }
        }
    }

    /// How many sockets `group` may hold: a WebSocket group its own 255, else the pool's.
    pub(super) fn group_limit(&self, group: &str) -> usize {
        match self.purpose_of(group) {
            pool::Purpose::WebSocket => super::websocket::WEBSOCKETS_PER_GROUP,
            _ => self.pool.limits().0,
        }
    }

    /// Whose requests `group` holds.
    pub(super) fn purpose_of(&self, group: &str) -> pool::Purpose {
        (self.group_index.get(group))
            .and_then(|&i| self.group_keys.get(i))
            .map_or(pool::Purpose::Page, |k| k.purpose)
    }

    /// The job's settings, from its group: its origin, host, port, whether https and with
    /// credentials, and the protocol it would speak (HTTP/2 and HTTP/3 only over TLS; the DoH
    /// server's connection HTTP/2).
    pub(super) fn job_key(&self, group: &str) -> Option<(GroupKey, Protocol)> {
        let key = self
            .group_index
            .get(group)
            .and_then(|&i| self.group_keys.get(i))
            .cloned()?;
        let protocol = match self.sc.protocol_of(&key.origin) {
            _ if key.purpose == pool::Purpose::DnsBootstrap => Protocol::H2,
            // A WebSocket's TLS offers only `http/1.1` (`AlpnMode::kHttp11Only`,
            // net/socket/client_socket_pool.cc): RFC 8441 runs only on an HTTP/2 session
            // already open, which the model leaves out.
            _ if key.purpose == pool::Purpose::WebSocket => Protocol::Http1,
            p if key.https && p.multiplexed() => p,
            _ => Protocol::Http1,
        };
        Some((key, protocol))
    }

    /// Connection `job` to `group`, started at `t` for `for_request`, has its address at
    /// `dns_end` (or none: `resolved` false): its protocol (a QUIC race's part, after the
    /// lookup), its machines, and its SYN when the address is known. A job held for its lookup
    /// ([`Self::hold_job`]) is filled in now and keeps its place.
    pub(super) fn open_job(
        &mut self,
        t: Instant,
        job: u32,
        group: &str,
        for_request: Option<u32>,
        (dns_end, dns_why, resolved): (Instant, String, bool),
        hold: bool,
    ) {
        let Some((key, protocol)) = self.job_key(group) else {
            return;
        };
        let GroupKey {
            origin,
            host,
            port,
            https,
            credentials,
            ..
        } = key;
        // A held job's lane and what the pool has done with it stay.
        let held = (self.job(job)).filter(|j| j.dns_waiting).map(|j| Held {
            lane: j.conn.lane,
            preconnect: j.conn.preconnect,
            start: j.conn.start,
            taken_by: j.taken_by,
            socket: j.socket,
        });
        // The race (if any) starts now, when the address is known; the job keeps its start.
        let start = held.map_or(t, |h| h.start);
        let role = if hold {
            alternative::Role::Only
        } else {
            self.race_role(
                (t, dns_end),
                (job, group),
                (&host, port, https),
                protocol,
                for_request,
            )
        };
        let protocol = match role {
            alternative::Role::Quic => Protocol::H3,
            _ => protocol,
        };
        let lane = match held {
            Some(h) => h.lane,
            None => self.new_lane(group),
        };
        let ip = connection::address(&host);
        let endpoints = self.job_endpoints(&host, port, &ip);
        debug_assert!(
            held.is_some() || self.jobs.len() + 1 == job as usize,
            "the pool numbers jobs in order"
        );
        let machines =
            self.machines_for(job, group, (host, port, https), protocol, (dns_end, hold));
        let fresh = Job {
            conn: Connection {
                id: job,
                credentials,
                group: group.into(),
                origin,
                protocol,
                lane,
                preconnect: match held {
                    Some(h) => h.preconnect,
                    None => for_request.is_none().then_some(self.preconnector),
                },
                started_for: for_request.map(|r| r + 1),
                start,
                dns_end,
                // Set by the machines as the handshakes complete.
                tcp_end: dns_end,
                ready: dns_end,
                closed: None,
                close_reason: String::new(),
                uses: vec![],
                inferred: false,
            },
            machines: Box::new(machines),
            dns_why,
            ip,
            cwnd: if protocol == Protocol::H3 {
                super::h3::QUIC_INITIAL_CWND
            } else {
                INITIAL_CWND
            },
            socket: held.and_then(|h| h.socket),
            taken_by: held.and_then(|h| h.taken_by),
            dns_failed: !resolved,
            dns_waiting: hold,
            endpoints,
            failure: None,
            h2: None,
            loss: None,
            lock_wait: None,
        };
        match self.job_mut(job) {
            Some(j) if held.is_some() => *j = fresh,
            _ => self.jobs.push(fresh),
        }
        if !hold {
            self.start_when_known(job, for_request, (dns_end, role));
        }
    }

    /// Connection `job`, whose address is known at `dns_end`, sends its SYN then — a race's
    /// TCP job after its turn's wait ([`alternative::Role::Main`]).
    fn start_when_known(
        &mut self,
        job: u32,
        for_request: Option<u32>,
        (dns_end, role): (Instant, alternative::Role),
    ) {
        if let Some(r) = for_request {
            self.reqs[r as usize].started_job = Some(job);
        }
        let wait = match role {
            alternative::Role::Main(wait) => wait,
            _ => Duration::ZERO,
        };
        self.schedule(dns_end + wait, Ev::ConnStart(job));
    }

    /// Request `r` fails with the connection it waited for: HTTPS-Upgrades falls back to
    /// http, or the request fails, and for the document the navigation shows its error page.
    fn connect_failed_for(
        &mut self,
        t: Instant,
        r: usize,
        failure: Option<connection::Failure>,
        error: &str,
    ) {
        if self.fall_back(t, r, error) {
            return;
        }
        if r == self.doc {
            let host = self.reqs[r].host.clone();
            let f = failure.unwrap_or(connection::Failure::Internal("the connection failed"));
            let (e, outcome) = navigation::failure(f, t, &host);
            self.push_request(r, e);
            self.nav_failed = Some(outcome);
        }
        self.fail(t, r, error);
    }

    /// Takes what connection `job`'s machines have to say at `t`: trace events, deliveries to
    /// put on the queue, and the handshake's milestones.
    pub(super) fn machine_outputs(&mut self, t: Instant, job: u32) {
        let Some(j) = self.job_mut(job) else { return };
        // A preconnected connection's events become its claimer's in `push` ([`Sim::claimed`]).
        let request = j.conn.started_for.unwrap_or(0);
        let m = &mut j.machines;
        let outs: Vec<connection::Output> = std::iter::from_fn(|| m.poll_output()).collect();
        for o in outs {
            match o {
                connection::Output::Trace(e) => {
                    // An event the connection made for a request of its own keeps it.
                    let r = if e.request == 0 { request } else { e.request };
                    self.push(e.request(r).connection(job))
                }
                connection::Output::Deliver(d) => {
                    self.schedule(d.at, Ev::Deliver(job, Box::new(d)))
                }
                connection::Output::TcpConnected(at) => {
                    if let Some(j) = self.job_mut(job) {
                        j.conn.tcp_end = at;
                    }
                }
                connection::Output::Ready(at) => {
                    if let Some(j) = self.job_mut(job) {
                        j.conn.ready = at;
                    }
                    self.keep_ticket(job);
                    self.job_ready(t, job);
                }
                connection::Output::Failed(f, _) => {
                    if let Some(j) = self.job_mut(job) {
                        j.failure = Some(f);
                    }
                    if self.quic_failed(t, job, f) {
                        continue;
                    }
                    self.pool.connect_failed(t, job);
                    self.pool_outputs(t);
                }
            }
        }
    }

    /// A connection finished its handshakes: the pool hands it out. An HTTP/2 connection
    /// first sends its preface and SETTINGS, before any request's HEADERS.
    pub(super) fn job_ready(&mut self, t: Instant, job: u32) {
        self.doh_ready(t, job);
        // TCP that lost a race to QUIC opens no HTTP/2 session: the socket waits, idle.
        let lost = self.lost_to_quic(job);
        if lost {
            self.race_lost(t, job);
        }
        match self.job(job).map(|j| j.conn.protocol) {
            Some(Protocol::H2) if !lost => self.h2_open(t, job),
            Some(Protocol::H3) => {
                self.quic_worked = true;
                self.h3_open(t, job)
            }
            _ => {}
        }
        // The DoH server's connection is the browser's own live HTTP/2 session: it never goes
        // back to the pool as an idle socket, which the pool would close to make room or after
        // a minute unused (Chromium's sessions hold their sockets).
        let socket = if self.is_doh_job(job) {
            None
        } else {
            self.pool.connect_complete(t, job)
        };
        if let Some(j) = self.job_mut(job) {
            j.socket = socket;
        }
        if let Some(s) = socket {
            let i = s as usize - 1;
            if self.socket_job.len() <= i {
                self.socket_job.resize(i + 1, 0);
            }
            self.socket_job[i] = job;
        }
        let group = self.job(job).map(|j| j.conn.group.clone());
        self.pool_outputs(t);
        if let (Some(g), false) = (group, lost) {
            self.h2_ready(t, &g, job);
        }
    }

    /// What a connection to `host:port` needs: the load's TLS version, and for the document's
    /// host the situation's server and TLS options. The session ticket is taken later, when
    /// the connection starts ([`Sim::take_ticket`]).
    pub(super) fn connection_config(
        &self,
        group: &str,
        host: String,
        port: u16,
        secure: bool,
    ) -> connection::Config {
        let s = self.situation;
        let doc = host == self.doc_host;
        connection::Config {
            group: group.to_string(),
            // Nothing listens on the port; or, for a host that only serves http, on 443.
            refused: doc && (s.refused || (s.no_https && secure)),
            rtt: if self.is_doh_group(group) {
                self.doh_rtt()
            } else {
                self.rtt
            },
            unix_time: self.unix_time,
            tls: self.tls,
            cert: if doc { s.cert } else { CertChoice::Valid },
            client_chain: (doc && s.client_cert).then(|| connection::client_chain(self.unix_time)),
            certs: Rc::clone(&self.certs),
            ticket: None,
            false_start: doc && s.false_start,
            h2: false,
            quic: false,
            quic_cid: None,
            udp_blocked: false,
            v6: None,
            host,
            port,
            secure,
        }
    }

    /// The document's server's IPv6 path, when the network reaches IPv6 (the situation's
    /// knob); other hosts have no AAAA record in the model.
    pub(super) fn v6_path(&self, host: &str) -> Option<connection::happy_eyeballs::V6Path> {
        use crate::model::scenario::Ipv6State;
        let works = match self.situation.ipv6 {
            Ipv6State::None => return None,
            Ipv6State::Ok => true,
            Ipv6State::Broken => false,
        };
        (host == self.doc_host).then(|| connection::happy_eyeballs::V6Path {
            addr: dns::address6_of(host),
            works,
        })
    }

    /// A ticket the server of connection `job` gave earlier, taken as the connection starts (a
    /// lookup that failed takes none). A TLS 1.3 ticket is used once: Chromium's session cache
    /// pops a single-use session when it hands it out (`SSLClientSessionCache::Lookup`,
    /// net/ssl/ssl_client_session_cache.cc, after BoringSSL's
    /// `SSL_SESSION_should_be_single_use`; RFC 8446 §C.4 advises clients so).
    pub(super) fn take_ticket(&mut self, job: u32) {
        let Some(j) = self.job(job) else { return };
        if !j.machines.config.secure {
            return;
        }
        let server = format!("{}:{}", j.machines.config.host, j.machines.config.port);
        let Some(i) = self.tickets.iter().position(|(k, _)| *k == server) else {
            return;
        };
        let ticket = if self.tickets[i].1.version == crate::model::tls::Version::Tls13 {
            self.tickets.remove(i).1
        } else {
            self.tickets[i].1.clone()
        };
        if let Some(j) = self.job_mut(job) {
            j.machines.config.ticket = Some(ticket);
        }
    }

    /// A connection that finished its handshake keeps its server's ticket for later ones.
    pub(super) fn keep_ticket(&mut self, job: u32) {
        let Some(j) = self.job(job) else { return };
        let Some(ticket) = j.machines.ticket() else {
            return;
        };
        let server = format!("{}:{}", j.machines.config.host, j.machines.config.port);
        match self.tickets.iter_mut().find(|(k, _)| *k == server) {
            Some(slot) => slot.1 = ticket,
            None => self.tickets.push((server, ticket)),
        }
    }

    /// `n` connections to `u`'s origin, open before the load starts and busy with another tab's
    /// downloads (untraced): the k-th download ends k round trips in, and its socket goes back
    /// to the pool, where a waiting request takes it.
    pub(super) fn occupy(&mut self, u: &::url::Url, n: u8) {
        let group = self.group_of(u, true);
        for k in 0..u32::from(n.min(crate::model::scenario::MAX_BUSY_SOCKETS)) {
            self.open_idle(u);
            // Another tab's request: an id no request of this load has.
            self.pool.request(
                Instant::ZERO,
                &group,
                PHANTOM_REQUEST - 1 - k,
                Priority::Medium,
            );
            while let Some(o) = self.pool.poll_output() {
                if let PoolOut::Reused { socket, .. } = o {
                    let end = Instant::ZERO + self.rtt.times(u64::from(k) + 1);
                    self.schedule(end, Ev::BusyDone(socket));
                }
            }
        }
    }

    /// One more idle keep-alive connection to `u`'s origin, open before the load starts
    /// (untraced).
    pub(super) fn open_idle(&mut self, u: &::url::Url) {
        let group = self.group_of(u, true);
        let g = self.pool.group(&group);
        let open = g.handed_out + g.connecting + g.idle;
        self.pool.preconnect(Instant::ZERO, &group, open + 1);
        while let Some(o) = self.pool.poll_output() {
            let PoolOut::ConnectJobStarted { job, group, .. } = o else {
                continue;
            };
            let key = GroupKey::new(u, true);
            let mut rng = Rng::for_purpose(self.situation.seed, &format!("connection {job}"));
            let config = self.connection_config(&group, key.host.clone(), key.port, key.https);
            let machines = Machines::established(job, config, &mut rng);
            let endpoints =
                self.job_endpoints(&key.host, key.port, &connection::address(&key.host));
            let lane = {
                let lanes = entry(&mut self.lanes, &group);
                lanes.push(true);
                lanes.len() - 1
            };
            self.jobs.push(Job {
                conn: Connection {
                    id: job,
                    credentials: true,
                    group: group.clone(),
                    origin: key.origin.clone(),
                    protocol: Protocol::Http1,
                    lane,
                    preconnect: None,
                    started_for: None,
                    start: Instant::ZERO,
                    dns_end: Instant::ZERO,
                    tcp_end: Instant::ZERO,
                    ready: Instant::ZERO,
                    closed: None,
                    close_reason: String::new(),
                    uses: vec![],
                    inferred: false,
                },
                ip: connection::address(&key.host),
                machines: Box::new(machines),
                dns_why: "open before the load started".into(),
                cwnd: INITIAL_CWND,
                socket: None,
                taken_by: None,
                dns_failed: false,
                dns_waiting: false,
                endpoints,
                failure: None,
                h2: None,
                loss: None,
                lock_wait: None,
            });
            self.job_ready(Instant::ZERO, job);
        }
        // It carried the earlier page's requests: a used socket (the 5-minute timeout, and the
        // pool prefers it), as one request and its release through the pool make it.
        self.pool
            .request(Instant::ZERO, &group, PHANTOM_REQUEST, Priority::Medium);
        while let Some(o) = self.pool.poll_output() {
            if let PoolOut::Reused { socket, .. } = o {
                self.pool.release(Instant::ZERO, socket, true);
            }
        }
        while self.pool.poll_output().is_some() {}
    }

    /// Handles what the pool says about another tab's request (none of this load's): a
    /// socket it was given goes straight back. True when `o` was about one.
    fn other_tab(&mut self, t: Instant, o: &PoolOut) -> bool {
        match *o {
            PoolOut::Reused { request, .. } | PoolOut::Queued { request, .. }
                if self.phantom(request) =>
            {
                true
            }
            PoolOut::Failed {
                request: Some(request),
                ..
            } if self.phantom(request) => true,
            PoolOut::Handed {
                request, socket, ..
            } if self.phantom(request) => {
                self.pool.release(t, socket, true);
                true
            }
            PoolOut::Bound { request, job, .. } if self.phantom(request) => {
                if let Some(s) = self.job(job).and_then(|j| j.socket) {
                    self.pool.release(t, s, true);
                }
                true
            }
            _ => false,
        }
    }

    /// Whether a pool request id is another tab's (a busy socket's), not this load's.
    pub(super) fn phantom(&self, request: u32) -> bool {
        let busy = u32::from(crate::model::scenario::MAX_BUSY_SOCKETS);
        request as usize >= self.reqs.len() && request >= PHANTOM_REQUEST - busy
    }

    /// The socket group of a request to `u`'s origin, with or without credentials: its key text
    /// for the pool, the typed key kept for the connect job.
    pub(super) fn group_of(&mut self, u: &::url::Url, credentials: bool) -> Rc<str> {
        let of = self.origin_facts(u);
        self.group_in(of, u, credentials, false)
    }

    /// [`Sim::group_of`] for `u`, whose origin's facts are at `of`; `frame`: from a frame
    /// cross-site to the page ([`GroupKey`]'s network anonymization key).
    pub(super) fn group_in(
        &mut self,
        of: usize,
        u: &::url::Url,
        credentials: bool,
        frame: bool,
    ) -> Rc<str> {
        // A frame's document is always requested with credentials: one slot for it.
        let slot = if frame { 2 } else { usize::from(!credentials) };
        if let Some(text) = &self.origins[of].groups[slot] {
            return text.clone();
        }
        let text = GroupKey::text_in(u, credentials, frame);
        if !self.group_index.contains_key(&text) {
            self.group_index.insert(text.clone(), self.group_keys.len());
            self.group_keys
                .push(GroupKey::new_in(u, credentials, frame));
        }
        let text: Rc<str> = text.into();
        self.origins[of].groups[slot] = Some(text.clone());
        text
    }

    /// The name the built-in client's HTTPS question asks for `host:port`, and the record the
    /// zone has for it: the document's zone has one for the name itself, which serves port
    /// 443 (another port's is `_port._https.name`: none). An http URL's port 80 maps to 443
    /// (RFC 9460 §9.5).
    pub(super) fn https_question(
        &self,
        host: &str,
        port: u16,
    ) -> (String, Option<crate::model::svcb::Https>) {
        let name = match port {
            80 | 443 => host.to_string(),
            p => format!("_{p}._https.{host}"),
        };
        let record = (self.situation.https_rr && host == self.doc_host && matches!(port, 80 | 443))
            .then(|| https_record(host));
        (name, record)
    }

    /// What a lookup of `host` asks, with these query IDs and side questions: whether the name
    /// exists (the scenario's NXDOMAIN is the document's host's), and its record's TTL.
    pub(super) fn dns_ask<'a>(
        &self,
        host: &'a str,
        ids: [u16; 4],
        (builtin, aaaa): (
            Option<dns::Builtin<'a>>,
            Option<(std::net::Ipv6Addr, [u16; 2])>,
        ),
    ) -> dns::Ask<'a> {
        dns::Ask {
            host,
            exists: !(self.situation.dns == DnsState::Nxdomain && host == self.doc_host),
            ttl_s: self.lat.ttl_s,
            ids,
            builtin,
            aaaa,
        }
    }

    /// When the address of `host` is known, and how: now (plain DNS, the caches), or later, when
    /// the answer over HTTPS arrives ([`Self::doh_resolve`]).
    pub(super) fn resolve(
        &mut self,
        t: Instant,
        (host, port): (&str, u16),
        job: u32,
        for_request: Option<u32>,
    ) -> Looked {
        if let Some(later) = self.doh_resolve(t, (host, port), job, for_request) {
            return later;
        }
        Looked::Now(self.lookup_now(t, (host, port), job, for_request))
    }

    /// [`Self::resolve`] over plain DNS (or the caches): when the address is known, why, and
    /// whether the name exists.
    fn lookup_now(
        &mut self,
        t: Instant,
        (host, port): (&str, u16),
        job: u32,
        for_request: Option<u32>,
    ) -> (Instant, String, bool) {
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            let e = Event::new(
                t,
                Actor::Browser,
                steps::DNS_BROWSER_CACHE,
                format!("{host} is an IP address: nothing to resolve"),
            )
            .field("host", host)
            .request(for_request.map_or(0, |r| r + 1))
            .connection(job);
            self.push(e);
            return (t, "an IP address: nothing to look up".into(), true);
        }
        if let Some(&(_, end, _, by, exists)) = self.dns_pending.iter().find(|d| d.0 == host) {
            if let Some(r) = for_request {
                self.claim_lookup(by, r as usize);
            }
            return (
                end,
                format!(
                    "one lookup per host name: it shares the lookup of {host} that connection {by} started"
                ),
                exists,
            );
        }
        // A lookup reads and writes only `host`'s entries (and whether the resolver knows the
        // zones above): it starts from those, not a copy of every host the page has resolved.
        let h = self.host(host);
        let mut caches = self
            .host_facts
            .get(h)
            .map(|f| f.dns.clone())
            .unwrap_or_default();
        caches.resolver_referrals |= self.resolver_referrals;
        // Query IDs from the scenario's seed and the name: the same load, the same IDs.
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("dns {host} {}", t.micros()));
        let mut id = || (rng.next_u32() >> 16) as u16;
        let ids = [id(), id(), id(), id()];
        let (name, record) = self.https_question(host, port);
        let builtin = self.situation.https_rr.then(|| dns::Builtin {
            name: &name,
            https: record.as_ref(),
            ids: [id(), id()],
        });
        let aaaa = self.v6_path(host).map(|v| (v.addr, [id(), id()]));
        let ask = self.dns_ask(host, ids, (builtin, aaaa));
        let l = dns::lookup(t, ask, &mut caches, &self.lat, self.rtt);
        if let Some(f) = self.host_facts.get_mut(h) {
            f.https = l.https.clone();
        }
        // The lookup's messages are computed now and emitted each at its moment.
        let request = for_request.map_or(0, |r| r + 1);
        for e in l.events {
            let e = e.request(request).connection(job);
            if e.at == t {
                self.push(e);
            } else {
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        let exists = l.answer != dns::Answer::NxDomain;
        if l.end == t {
            return (
                t,
                format!("{host} is in the {}: no lookup", l.source),
                exists,
            );
        }
        let why = format!(
            "looked up {host}: answered by the {} after {} ms",
            l.source,
            ms(l.end.since(t))
        );
        self.dns_pending
            .push((host.to_string(), l.end, caches, job, exists));
        self.schedule(l.end, Ev::DnsDone(host.to_string()));
        (l.end, why, exists)
    }

    /// An HTTP/2 connection finished its handshake: every request waiting for it becomes a
    /// stream.
    pub(super) fn h2_ready(&mut self, t: Instant, group: &str, job: u32) {
        let Some(j) = self.job(job) else {
            return;
        };
        if !j.conn.protocol.multiplexed() {
            return;
        }
        let h = entry(&mut self.h2, group);
        if h.conn.is_none() {
            h.conn = Some(job);
        }
        h.connecting = false;
        self.drain_h2(t, group);
    }

    pub(super) fn drain_h2(&mut self, t: Instant, group: &str) {
        loop {
            let Some(h) = self.h2_of(group) else {
                return;
            };
            let Some(c) = h.conn else { return };
            if h.active >= H2_MAX_STREAMS || h.waiting.is_empty() {
                return;
            }
            // The highest priority first, in arrival order within a priority.
            let Some(h) = self.h2.iter().find(|(g, _)| g == group).map(|(_, h)| h) else {
                return;
            };
            let reqs = &self.reqs;
            let best = (0..h.waiting.len())
                .max_by(|&a, &b| {
                    reqs[h.waiting[a]]
                        .priority
                        .cmp(&reqs[h.waiting[b]].priority)
                        .then(b.cmp(&a))
                })
                .unwrap_or(0);
            let Some(h) = self.h2_of(group) else { return };
            let r = h.waiting.remove(best);
            self.start_stream(t, r, c);
        }
    }

    pub(super) fn start_stream(&mut self, t: Instant, r: usize, job: u32) {
        self.claim(job, r);
        let group = self.reqs[r].group.clone();
        if let Some(h) = self.h2_of(&group) {
            h.active += 1;
        }
        self.reqs[r].binding = Some(Binding::Stream);
        self.send(t, r, job);
    }
}
