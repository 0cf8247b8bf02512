//! DNS over HTTPS in the page engine (RFC 8484), as Chromium's secure mode does it: a lookup
//! that misses the browser's host cache becomes HTTPS requests to the DoH server — Google
//! Public DNS here, `https://dns.google/dns-query{?dns}` — over a connection of their own.
//!
//! What Chromium does, each from its source:
//! - the DoH server's own name is looked up over plain DNS (the request's
//!   `SecureDnsPolicy::kBootstrap`, which `HostResolverManager::GetEffectiveSecureDnsMode`
//!   turns into an insecure lookup), and its connection is an ordinary pooled one in a socket
//!   group of its own (`dns_bootstrap/`, `GetSecureDnsPolicyGroupIdPrefix`,
//!   https://source.chromium.org/chromium/chromium/src/+/main:net/socket/client_socket_pool.cc),
//!   over HTTP/2, kept for every later lookup;
//! - each question is its own request, all sent at once (`Job::StartDnsTask`: "DoH queries can
//!   bypass the dispatcher"), in the order AAAA, A, HTTPS (`HostResolverDnsTask::
//!   PushTransactionsNeeded`,
//!   https://source.chromium.org/chromium/chromium/src/+/main:net/dns/host_resolver_dns_task.cc);
//! - a request is a GET whose URI carries the query (ID 0, padded to 128 bytes,
//!   [`crate::model::doh::query`]) with `Accept: application/dns-message`, `Accept-Language: *`,
//!   `User-Agent: Chrome` and `Accept-Encoding: identity`, without cookies or the HTTP cache
//!   (`DnsHTTPAttempt`,
//!   https://source.chromium.org/chromium/chromium/src/+/main:net/dns/dns_http_attempt.cc);
//! - the answer is kept in the host cache for its TTL, at least 60 s.
//!
//! The connections waiting for the name are held in the pool with no address
//! ([`Sim::open_job`]'s `hold`) and open when the answers arrive. Left out: the automatic mode
//! (DoH first, plain DNS as its fallback), other providers, POST, DoH over HTTP/3, and the
//! fallback timers of a DoH server that does not answer.

use super::*;
use crate::model::dns_wire::{self, rtype};
use crate::model::doh::{self as wire, GOOGLE};
use crate::model::trace::{Detail, Field, Wire};

/// What [`Sim::resolve`] found: the address now (or that the name does not exist), or that it
/// comes later, over HTTPS.
pub(super) enum Looked {
    /// When the lookup ended, why it took that long, whether the name exists.
    Now((Instant, String, bool)),
    Later,
}

/// The page's DNS-over-HTTPS client.
#[derive(Debug, Default)]
pub(super) struct Doh {
    /// The DoH server's socket group, once named.
    group: Option<Rc<str>>,
    /// Its connection, once the pool opened it, and whether it is ready.
    conn: Option<(u32, bool)>,
    /// Lookups on their way.
    pending: Vec<Pending>,
    /// The first connection that waited for a lookup, and the request it was opened for: the
    /// DoH connection's events are that request's.
    first: Option<(u32, Option<u32>)>,
    /// The DoH connection's next stream (1, 3, 5…: the browser's, RFC 9113 §5.1.1).
    next_stream: u32,
    /// The DoH server's resolver knows the TLD and domain delegations (it is not the
    /// network's resolver, which looked up the DoH server's own name).
    referrals: bool,
}

/// A lookup on its way: the name, the port asked for, the connections waiting for it (with
/// the requests that opened them), when it started, and once sent what the resolver answered.
#[derive(Debug)]
struct Pending {
    host: String,
    port: u16,
    jobs: Vec<(u32, Option<u32>)>,
    start: Instant,
    result: Option<(dns::Walked, dns::Caches)>,
}

impl Sim<'_> {
    /// Whether a lookup of `host` goes over HTTPS: secure DNS is on, and the name is neither
    /// an address, `localhost`, nor the DoH server's own (that one bootstraps over plain DNS).
    fn doh_applies(&self, host: &str) -> bool {
        (self.situation.doh || self.sc.doh)
            && host != GOOGLE.host
            && host.parse::<std::net::IpAddr>().is_err()
            && !host.starts_with('[')
            && host != "localhost"
            && !host.ends_with(".localhost")
    }

    /// Whether `group` holds the browser's own DNS-over-HTTPS requests (its key says so).
    pub(super) fn is_doh_group(&self, group: &str) -> bool {
        let key = self
            .group_index
            .get(group)
            .and_then(|&i| self.group_keys.get(i));
        key.is_some_and(|k| k.purpose == crate::model::pool::Purpose::DnsBootstrap)
    }

    /// The round trip to the DoH server: the recursive resolver's (the scenario's resolver
    /// round trip), not the site's.
    pub(super) fn doh_rtt(&self) -> Duration {
        Duration::from_micros(self.lat.resolver_rtt_us)
    }

    /// The round trip on connection `job`: the DoH server's for its connection, else the
    /// page's.
    pub(super) fn rtt_of(&self, job: u32) -> Duration {
        if self.is_doh_job(job) {
            self.doh_rtt()
        } else {
            self.rtt
        }
    }

    /// Whether `job` is the DoH server's connection.
    pub(super) fn is_doh_job(&self, job: u32) -> bool {
        self.doh.conn.is_some_and(|(j, _)| j == job)
    }

    /// The request the DoH connection's events belong to: the one whose lookup the first
    /// connection waiting for an answer serves (its events are part of that lookup).
    pub(super) fn doh_claimed(&self) -> u32 {
        match self.doh.first {
            Some((_, Some(r))) => r + 1,
            Some((j, None)) => self.claimed(j, steps::DNS_QUERY_DOH),
            None => 0,
        }
    }

    /// Request `id` (1-based) claimed connection `job`: if the DoH connection was opened for
    /// `job`'s lookup, its messages so far are the request's too ([`Sim::claim`]).
    pub(super) fn doh_claim(&mut self, job: u32, id: u32) {
        let (Some((first, None)), Some((conn, _))) = (self.doh.first, self.doh.conn) else {
            return;
        };
        if first != job {
            return;
        }
        for e in &mut self.trace.events {
            if e.connection == Some(conn) && e.request == 0 {
                e.request = id;
            }
        }
    }

    /// The lookup of `host` for connection `job` at `t`, over HTTPS when it applies: the host
    /// cache, else a lookup on its way (joined, or started). `None`: plain DNS.
    pub(super) fn doh_resolve(
        &mut self,
        t: Instant,
        (host, port): (&str, u16),
        job: u32,
        for_request: Option<u32>,
    ) -> Option<Looked> {
        if !self.doh_applies(host) {
            return None;
        }
        if let Some(p) = (self.doh.pending.iter_mut()).find(|p| p.host == host && p.port == port) {
            p.jobs.push((job, for_request));
            return Some(Looked::Later);
        }
        let h = self.host(host);
        let caches = (self.host_facts.get(h)).map_or_else(dns::Caches::default, |f| f.dns.clone());
        let (e, hit) = dns::browser_cache(t, host, &caches);
        let request = for_request.map_or(0, |r| r + 1);
        self.push(e.request(request).connection(job));
        if hit.is_some() {
            let why = format!("{host} is in the browser host cache: no lookup");
            return Some(Looked::Now((t, why, true)));
        }
        self.doh.pending.push(Pending {
            host: host.to_string(),
            port,
            jobs: vec![(job, for_request)],
            start: t,
            result: None,
        });
        self.doh.first.get_or_insert((job, for_request));
        match self.doh.conn {
            Some((_, true)) => self.schedule(t, Ev::DohSend),
            Some((_, false)) => {}
            None => self.schedule(t, Ev::DohConnect),
        }
        Some(Looked::Later)
    }

    /// The DoH server's socket group: `dns_bootstrap/`, no credentials, its origin.
    fn doh_group(&mut self) -> Rc<str> {
        if let Some(g) = &self.doh.group {
            return Rc::clone(g);
        }
        let key = crate::model::pool::GroupKey::dns_bootstrap(GOOGLE.host);
        let text: Rc<str> = key.text.as_str().into();
        self.group_index
            .insert(key.text.clone(), self.group_keys.len());
        self.group_keys.push(key);
        self.doh.group = Some(Rc::clone(&text));
        text
    }

    /// The browser opens its connection to the DoH server at `t`, through the pool. A pool
    /// with no room opens none: the lookups waiting fail ([`Self::doh_lost`]).
    pub(super) fn doh_connect(&mut self, t: Instant) {
        if self.doh.conn.is_some() {
            return;
        }
        let group = self.doh_group();
        let was = std::mem::replace(&mut self.preconnector, Preconnector::SecureDns);
        self.pool.preconnect(t, &group, 1);
        self.pool_outputs(t);
        self.preconnector = was;
        if self.doh.conn.is_none() {
            self.doh_fail_pending(
                t,
                "the socket pool had no room for the DoH server's connection",
            );
        }
    }

    /// Connection `job` closed or failed at `t`: if it was the DoH server's, the next lookup
    /// opens another; the lookups it had not answered fail, as Chromium's secure mode has no
    /// plain-DNS fallback.
    pub(super) fn doh_lost(&mut self, t: Instant, job: u32) {
        if !self.is_doh_job(job) {
            return;
        }
        self.doh.conn = None;
        self.doh_fail_pending(t, "the connection to the DoH server failed or closed");
    }

    /// Every lookup still waiting fails at `t`: its connections fail as for a name that does
    /// not resolve.
    fn doh_fail_pending(&mut self, t: Instant, why: &str) {
        for p in std::mem::take(&mut self.doh.pending) {
            for (job, for_request) in p.jobs {
                let Some(group) = self.job(job).map(|j| j.conn.group.to_string()) else {
                    continue;
                };
                let why = format!("no answer over HTTPS for {}: {why}", p.host);
                self.open_job(t, job, &group, for_request, (t, why, false), false);
            }
        }
    }

    /// The pool started connection `job` to `group`: the DoH server's, if that is its group.
    pub(super) fn doh_started(&mut self, job: u32, group: &str) {
        if self.is_doh_group(group) && self.doh.conn.is_none() {
            self.doh.conn = Some((job, false));
            self.doh.next_stream = 1;
        }
    }

    /// Connection `job` is ready at `t`: the DoH server's sends the lookups that wait.
    pub(super) fn doh_ready(&mut self, t: Instant, job: u32) {
        if let Some((j, ready)) = &mut self.doh.conn {
            if *j == job {
                *ready = true;
                self.schedule(t, Ev::DohSend);
            }
        }
    }

    /// Every lookup not yet sent goes to the DoH server at `t`.
    pub(super) fn doh_send_all(&mut self, t: Instant) {
        for i in 0..self.doh.pending.len() {
            if self.doh.pending[i].result.is_none() {
                self.doh_send(t, i);
            }
        }
    }
}

/// An event of the DoH server's connection as the diagram draws it: the server's side is the
/// recursive resolver (Google Public DNS is both), so it sits in the resolver's lane.
pub(super) fn as_resolver(e: &mut Event) {
    if e.actor == Actor::Server {
        e.actor = Actor::Resolver;
    }
    if let Some(f) = e.flight.as_mut().filter(|f| f.to == Actor::Server) {
        f.to = Actor::Resolver;
    }
}

/// One question of a lookup as it goes over HTTPS: the name and type asked, its stream, the
/// query's bytes and the request's target.
struct Question {
    name: String,
    qtype: u16,
    stream: u32,
    query: dns_wire::Message,
    wire: Wire,
    target: String,
}

/// The header fields of a DoH request for `target`, as `DnsHTTPAttempt` sets them.
fn request_fields(target: &str) -> Vec<(&'static str, String)> {
    vec![
        (":method", "GET".into()),
        (":authority", GOOGLE.host.into()),
        (":scheme", "https".into()),
        (":path", target.into()),
        ("accept", wire::MEDIA_TYPE.into()),
        ("accept-language", "*".into()),
        ("user-agent", "Chrome".into()),
        ("accept-encoding", "identity".into()),
    ]
}

impl Sim<'_> {
    /// Pending lookup `i` leaves at `t`: one request per question on the DoH connection, the
    /// resolver's work when they arrive, and the answers back; the waiting connections open
    /// when the answers arrive ([`Self::doh_done`]).
    fn doh_send(&mut self, t: Instant, i: usize) {
        let Some((job, true)) = self.doh.conn else {
            return;
        };
        let (host, port, first) = {
            let p = &self.doh.pending[i];
            (p.host.clone(), p.port, p.jobs.first().copied())
        };
        let Some((waiting, for_request)) = first else {
            return;
        };
        let request = for_request.map_or(0, |r| r + 1);
        let questions = self.doh_questions(&host, port);
        let (sent, bytes) = self.doh_requests(job, questions);
        let arrives = t + Duration::transmission(bytes, self.bandwidth) + self.doh_rtt().half();
        for q in &sent {
            let e = Event::described(
                t,
                Actor::Browser,
                steps::DNS_QUERY_DOH,
                q.q.shown(job, Rc::clone(&q.headers)),
            )
            .wire(q.q.wire.clone())
            .message(Actor::Resolver, arrives, q.bytes);
            self.push(e.request(request).connection(waiting));
        }
        let wrapping = self
            .job_mut(job)
            .and_then(|j| j.machines.send_request(t, bytes));
        if let Some(e) = wrapping {
            self.push(e.request(request).connection(job));
        }
        let (walked, caches) = self.doh_walk(arrives, &host, port);
        for e in walked.events.iter().cloned() {
            let e = e.request(request).connection(waiting);
            self.schedule(e.at, Ev::Emit(Box::new(e)));
        }
        let back = self.doh_answers(job, (walked.end, request, waiting), &sent, &walked);
        self.doh.pending[i].result = Some((walked, caches));
        self.schedule(back, Ev::DohDone(host, port));
    }

    /// The questions a lookup of `host` for `port` asks, in Chromium's order: AAAA when the
    /// network reaches IPv6, A, and the HTTPS record (`_port._https.host` for a port other than
    /// 80 and 443, RFC 9460 §9.1).
    fn doh_questions(&self, host: &str, port: u16) -> Vec<(String, u16)> {
        let mut q = Vec::with_capacity(3);
        if self.v6_path(host).is_some() {
            q.push((host.to_string(), rtype::AAAA));
        }
        q.push((host.to_string(), rtype::A));
        q.push((self.https_question(host, port).0, rtype::HTTPS));
        q
    }
}

/// A question's request as it leaves: the question, its HEADERS frame and its size.
struct Sent {
    q: Question,
    headers: Rc<crate::model::http2::present::Request>,
    bytes: u64,
}

impl Sim<'_> {
    /// `questions` as requests on DoH connection `job`, each on its own stream with its
    /// HEADERS coded with the connection's table; and the bytes they take together.
    fn doh_requests(&mut self, job: u32, questions: Vec<(String, u16)>) -> (Vec<Sent>, u64) {
        let mut sent = Vec::with_capacity(questions.len());
        let mut total = 0;
        for (name, qtype) in questions {
            let query = wire::query(&name, qtype, true);
            let Ok(w) = dns_wire::encode(&query) else {
                continue;
            };
            let target = wire::target(&GOOGLE, &w.bytes);
            let stream = self.doh.next_stream;
            let fields = request_fields(&target);
            let Some(h2) = self.job_mut(job).and_then(|j| j.h2.as_mut()) else {
                continue;
            };
            let headers = Rc::new(h2.doh_request(stream, &fields));
            self.doh.next_stream += 2;
            let bytes = headers.wire_len();
            total += bytes;
            let q = Question {
                name,
                qtype,
                stream,
                query,
                wire: w,
                target,
            };
            sent.push(Sent { q, headers, bytes });
        }
        (sent, total)
    }

    /// The recursive resolver's work for a lookup of `host` (for `port`) whose requests reach
    /// it at `at`, from the caches the page has for the name; the caches as it leaves them.
    fn doh_walk(&mut self, at: Instant, host: &str, port: u16) -> (dns::Walked, dns::Caches) {
        let h = self.host(host);
        let mut caches =
            (self.host_facts.get(h)).map_or_else(dns::Caches::default, |f| f.dns.clone());
        caches.resolver_referrals |= self.doh.referrals;
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("doh {host} {}", at.micros()));
        let mut id = || (rng.next_u32() >> 16) as u16;
        let ids = [0, id(), id(), id()];
        let (name, record) = self.https_question(host, port);
        let builtin = Some(dns::Builtin {
            name: &name,
            https: record.as_ref(),
            ids: [0, id()],
        });
        let aaaa = self.v6_path(host).map(|v| (v.addr, [0, id()]));
        let ask = self.dns_ask(host, ids, (builtin, aaaa));
        let walked = dns::resolve_at(at, ask, &mut caches, &self.lat, self.rtt);
        (walked, caches)
    }

    /// The answers to `sent` leave the resolver at `end` on DoH connection `job`, events of
    /// `request`'s (on `waiting`'s lookup); returns when the last arrives.
    fn doh_answers(
        &mut self,
        job: u32,
        (end, request, waiting): (Instant, u32, u32),
        sent: &[Sent],
        walked: &dns::Walked,
    ) -> Instant {
        let ttl = self.lat.ttl_s;
        let mut answers = Vec::with_capacity(sent.len());
        let mut total = 0;
        for s in sent {
            let record = answer_record(&s.q, walked);
            let nx = walked.answer == dns::Answer::NxDomain;
            let message = wire::answer(
                &s.q.query,
                record.iter().cloned().map(|data| (data, ttl)),
                nx,
            );
            let Ok(w) = dns_wire::encode(&message) else {
                continue;
            };
            let body = w.bytes.len() as u64;
            let resp = crate::model::http::Response {
                status: 200,
                reason: "OK",
                headers: crate::model::cache::Headers::new()
                    .with("Content-Type", wire::MEDIA_TYPE)
                    .with("Content-Length", body.to_string())
                    .with("Cache-Control", format!("max-age={ttl}")),
                body_bytes: body,
            };
            let Some(h2) = self.job_mut(job).and_then(|j| j.h2.as_mut()) else {
                continue;
            };
            let head = h2.response(s.q.stream, &resp, false);
            let bytes = super::h2::framing_len(&head) + body;
            total += bytes;
            answers.push((s, record, w, bytes, head));
        }
        let rtt = self.doh_rtt();
        let down = Duration::from_micros(rtt.micros() - rtt.half().micros());
        let back = end + Duration::transmission(total, self.bandwidth) + down;
        for (s, record, w, bytes, head) in answers {
            let shown = Answered {
                job,
                head,
                stream: s.q.stream,
                name: s.q.name.clone(),
                qtype: s.q.qtype,
                record,
                nx: walked.answer == dns::Answer::NxDomain,
                ttl,
                body: w.bytes.len(),
            };
            let e = Event::described(end, Actor::Resolver, steps::DNS_ANSWER_DOH, shown)
                .wire(w)
                .message(Actor::Browser, back, bytes)
                .request(request)
                .connection(waiting);
            self.schedule(end, Ev::Emit(Box::new(e)));
        }
        if let Some(j) = self.job_mut(job) {
            j.machines.receive_wire(total, back);
        }
        back
    }
}

/// The record the answer to `q` carries, from what the resolver found: the A record, the
/// AAAA one, the HTTPS one (none: an empty answer).
fn answer_record(q: &Question, walked: &dns::Walked) -> Option<dns_wire::RData> {
    match (q.qtype, &walked.answer) {
        (_, dns::Answer::NxDomain) => None,
        (rtype::A, dns::Answer::Address(a)) => Some(dns_wire::RData::A(*a)),
        (rtype::AAAA, _) => walked.aaaa.map(dns_wire::RData::Aaaa),
        (rtype::HTTPS, _) => walked.https.clone().map(dns_wire::RData::Https),
        _ => None,
    }
}

impl Question {
    /// The question's request as the trace shows it, on DoH connection `job`, with its HEADERS
    /// frame.
    fn shown(&self, job: u32, headers: Rc<crate::model::http2::present::Request>) -> Asked {
        Asked {
            headers,
            stream: self.stream,
            name: self.name.clone(),
            qtype: self.qtype,
            target: self.target.clone(),
            size: self.wire.bytes.len(),
            job,
        }
    }
}

/// `dns.query.doh`: one question in a GET request to the DoH server, on connection `job` with
/// its HEADERS frame `headers` (the query's bytes are the event's wire).
#[derive(Clone, Debug)]
pub struct Asked {
    stream: u32,
    name: String,
    qtype: u16,
    target: String,
    size: usize,
    pub job: u32,
    pub headers: Rc<crate::model::http2::present::Request>,
}

impl Detail for Asked {
    fn summary(&self) -> Cow<'static, str> {
        format!(
            "{}? {} over HTTPS: GET /dns-query?dns=… on stream {} to {}",
            dns_wire::type_name(self.qtype),
            self.name,
            self.stream,
            GOOGLE.host
        )
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let kind = dns_wire::type_name(self.qtype);
        vec![
            Field::new("question", format_args!("{}. IN {kind}", self.name)).spec("RFC 1035 §4.1.2"),
            Field::new(
                "request",
                format_args!(
                    "GET {} (HTTP/2, stream {}, a {}-byte HPACK header block)",
                    self.target,
                    self.stream,
                    self.headers.block.bytes.len()
                ),
            )
            .spec("RFC 8484 §4.1"),
            Field::new(
                "dns",
                "the DNS message in base64url without padding: the URI template's {?dns}",
            )
            .spec("RFC 8484 §4.1, RFC 4648 §5"),
            Field::new(
                "id",
                "0: the HTTP exchange pairs each answer with its query, so the ID need not",
            )
            .spec("RFC 8484 §4.1"),
            Field::new(
                "padding",
                format_args!(
                    "an EDNS Padding option fills the message to {} bytes, a multiple of 128, so its length hides the name's",
                    self.size
                ),
            )
            .spec("RFC 8467 §4.1"),
            Field::note(
                "headers",
                "accept: application/dns-message; accept-language: *; user-agent: Chrome; accept-encoding: identity (no cookies, no HTTP cache)",
            ),
            Field::new(
                "connection",
                format_args!(
                    "connection {} to {}, in the socket group of the browser's own DNS requests (dns_bootstrap/)",
                    self.job, GOOGLE.template
                ),
            ),
        ]
    }
}

/// `dns.answer.doh`: the answer to one question, the body of a 200 response, on connection
/// `job` with its HEADERS frame `head` (the answer's bytes are the event's wire).
#[derive(Clone, Debug)]
pub struct Answered {
    pub job: u32,
    pub head: crate::model::http2::present::ResponseHead,
    stream: u32,
    name: String,
    qtype: u16,
    record: Option<dns_wire::RData>,
    nx: bool,
    ttl: u32,
    body: usize,
}

impl Answered {
    fn record_text(&self) -> Option<String> {
        Some(match self.record.as_ref()? {
            dns_wire::RData::A(a) => a.to_string(),
            dns_wire::RData::Aaaa(a) => a.to_string(),
            dns_wire::RData::Https(h) => h.to_string(),
            _ => return None,
        })
    }
}

impl Detail for Answered {
    fn summary(&self) -> Cow<'static, str> {
        let kind = dns_wire::type_name(self.qtype);
        match (self.nx, self.record_text()) {
            (true, _) => format!("200 on stream {}: NXDOMAIN for {}", self.stream, self.name),
            (false, Some(r)) => {
                format!("200 on stream {}: {} {kind} {r}", self.stream, self.name)
            }
            (false, None) => format!(
                "200 on stream {}: no {kind} record for {}",
                self.stream, self.name
            ),
        }
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let kind = dns_wire::type_name(self.qtype);
        let mut f = vec![Field::new(
            "response",
            format_args!(
                "200, content-type: {}, a {}-byte DNS message as its body (HTTP/2, stream {})",
                wire::MEDIA_TYPE,
                self.body,
                self.stream
            ),
        )
        .spec("RFC 8484 §4.2")];
        match (self.nx, self.record_text()) {
            (true, _) => f.push(Field::new("rcode", "NXDOMAIN (3)").spec("RFC 1035 §4.1.1")),
            (false, Some(r)) => {
                f.push(Field::new(
                    "answer",
                    format_args!("{}. {} IN {kind} {r}", self.name, self.ttl),
                ));
                if self.qtype == rtype::A {
                    f.push(Field::new(
                        "cached_by_browser",
                        format_args!(
                            "{} s (the record's TTL, at least 60 s, as for every answer of Chrome's own DNS client)",
                            self.ttl.max(60)
                        ),
                    ));
                }
            }
            (false, None) => f.push(Field::new(
                "answer",
                format_args!("none: the zone has no {kind} record"),
            )),
        }
        f
    }
}

impl Sim<'_> {
    /// The answers to `host`'s lookup arrived at `t`: the browser keeps the address, and the
    /// connections waiting for it open (or fail: no such name).
    pub(super) fn doh_done(&mut self, t: Instant, (host, port): (&str, u16)) {
        let Some(i) = (self.doh.pending.iter()).position(|p| p.host == host && p.port == port)
        else {
            return;
        };
        let p = self.doh.pending.remove(i);
        let Some((walked, mut caches)) = p.result else {
            return;
        };
        let exists = walked.answer != dns::Answer::NxDomain;
        if let dns::Answer::Address(a) = walked.answer {
            dns::remember_secure(&mut caches, host, a, (t, self.lat.ttl_s));
        }
        self.doh.referrals |= caches.resolver_referrals;
        let h = self.host(host);
        if let Some(f) = self.host_facts.get_mut(h) {
            f.dns = caches;
            f.https = walked.https.clone();
        }
        let why = format!(
            "looked up {host} over HTTPS ({}): answered by the {} after {} ms",
            GOOGLE.name,
            walked.source,
            ms(t.since(p.start))
        );
        if let (false, Some(&(job, r))) = (exists, p.jobs.first()) {
            let e = dns::nxdomain(t, host);
            self.push(e.request(r.map_or(0, |r| r + 1)).connection(job));
        }
        for (job, for_request) in p.jobs {
            let Some(group) = self.job(job).map(|j| j.conn.group.to_string()) else {
                continue;
            };
            self.open_job(t, job, &group, for_request, (t, why.clone(), exists), false);
        }
    }
}
