//! The world: one journey, from the typed URL to the page's event loop.
//!
//! It owns every machine and every cache, moves messages between the browser and the servers
//! over a simulated link, and writes the trace. The link from the browser to the web server
//! takes half the profile's round trip each way; response bodies also take their size divided
//! by the bandwidth, and TCP slow start's round trips. The DNS servers have their own round
//! trips (see [`super::scenario::DnsLatency`]).
//!
//! The order follows Chromium: the HTTP cache is checked first; then the socket pool is asked
//! for a connection to the group (scheme, host, port), and only when it has no idle one does a
//! connect job resolve the host, open TCP and run TLS. After the response the page is parsed
//! and run, and a click later makes a `fetch()` that goes through the same machinery again: the
//! DNS answer is then in the browser's cache, and with keep-alive the connection is reused.
//!
//! Left out here (modelled elsewhere or later): several requests at once and the pool's queue,
//! HTTP/2, redirects, and sub-resources of the page.

use super::cache::{self, Headers, Miss, Plan, Stored};
use super::connection::{self, Connection, Failure};
use super::cookie::Jar;
use super::dns::{self, Answer};
use super::http::{self, Site};
use super::navigation;
use super::render;
use super::rng::Rng;
use super::scenario::{CacheState, Scenario};
use super::step::steps;
use super::time::{Duration, Instant};
use super::tls::{self, Version};
use super::trace::{Actor, Event, Field, Trace};
use super::url::{self, Parsed};
use serde::Serialize;

pub use super::navigation::{Outcome, Timing};

/// Everything one run computes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Journey {
    pub trace: Trace,
    pub timing: Timing,
    pub outcome: Outcome,
    #[serde(skip)]
    pub url: Option<Parsed>,
    /// The TLS version of the document's connection (none for http and for what is not
    /// fetched): the version whose texts the inspector shows.
    #[serde(skip)]
    pub tls: Option<Version>,
}

/// Runs the scenario. Never panics: a URL that does not parse, or a scheme that is not fetched,
/// is an outcome like any other.
pub fn run(sc: &Scenario) -> Journey {
    let mut trace = Trace::default();
    let parsed = url::parse(&sc.url, None);
    trace.push(navigation::parse_event(&sc.url, parsed.as_ref()));
    let p = match parsed {
        Ok(p) => p,
        Err(err) => {
            trace.finish();
            return Journey {
                trace,
                timing: Timing::default(),
                outcome: Outcome::Error {
                    code: "INVALID_URL".into(),
                    net_error: None,
                    message: err.message,
                },
                url: None,
                tls: None,
            };
        }
    };
    if !matches!(p.getters.protocol.as_str(), "http:" | "https:") {
        let (e, outcome) = navigation::not_fetched(&p);
        trace.push(e);
        trace.finish();
        return Journey {
            trace,
            timing: Timing::default(),
            outcome,
            url: Some(p),
            tls: None,
        };
    }

    let mut w = World::new(sc, &p, trace);
    let outcome = w.navigate(&p);
    let mut trace = w.trace;
    trace.finish();
    let tls = (p.getters.protocol == "https:").then_some(sc.tls.version());
    Journey {
        trace,
        timing: w.timing,
        outcome,
        url: Some(p),
        tls,
    }
}

/// Where a request goes.
#[derive(Clone, Debug)]
struct Target {
    secure: bool,
    host: String,
    port: u16,
    host_header: String,
    path_query: String,
    /// The cache key: the URL without its fragment.
    key: String,
    /// The socket pool group: scheme, host and port.
    group: String,
    ip_literal: bool,
    referer: String,
}

impl Target {
    fn of(p: &Parsed, path_query: Option<&str>) -> Target {
        let secure = p.getters.protocol == "https:";
        let port = p
            .getters
            .port
            .parse()
            .ok()
            .or(p.default_port)
            .unwrap_or(if secure { 443 } else { 80 });
        let host = p.getters.hostname.clone();
        let pq = path_query.map_or_else(
            || format!("{}{}", p.getters.pathname, p.getters.search),
            str::to_string,
        );
        let origin = p.getters.origin.clone();
        Target {
            secure,
            ip_literal: host.parse::<std::net::Ipv4Addr>().is_ok() || host.starts_with('['),
            host_header: p.getters.host.clone(),
            key: format!("{origin}{pq}"),
            group: format!(
                "{}://{}:{port}",
                if secure { "https" } else { "http" },
                host
            ),
            referer: p.getters.href.split('#').next().unwrap_or("").to_string(),
            host,
            port,
            path_query: pq,
        }
    }
}

/// An open connection the pool can hand out, with its machines.
type Conn = Connection;

/// When each phase of one request happened.
#[derive(Clone, Copy, Debug, Default)]
struct ReqTiming {
    fetch_start: Instant,
    dns: Option<(Instant, Instant)>,
    connect_start: Option<Instant>,
    secure_start: Option<Instant>,
    connect_end: Option<Instant>,
    request_start: Instant,
    response_start: Instant,
    response_end: Instant,
}

struct World<'a> {
    sc: &'a Scenario,
    trace: Trace,
    timing: Timing,
    rng: Rng,
    rtt: Duration,
    bandwidth: u64,
    dns: dns::Caches,
    cache: cache::Cache,
    jar: Jar,
    idle: Vec<Conn>,
    ticket: Option<tls::Ticket>,
    next_conn: u32,
    site: Site,
    request: u32,
    page_title: String,
}

const DAY: i64 = 86_400;

impl<'a> World<'a> {
    fn new(sc: &'a Scenario, p: &Parsed, trace: Trace) -> World<'a> {
        let mut rng = Rng::for_purpose(sc.seed, "world");
        let now = sc.unix_time;
        let changed = sc.changed;
        let site = Site {
            etag: if changed {
                "\"v2\"".into()
            } else {
                "\"v1\"".into()
            },
            last_modified: if changed { now - DAY } else { now - 12 * DAY },
            cache_control: if sc.cache == CacheState::NoStore {
                "no-store"
            } else {
                "max-age=600"
            },
            sends_etag: sc.cache != CacheState::StaleLastModified,
            keep_alive: sc.keep_alive,
            document_bytes: sc.costs.document_bytes,
            new_session: rng.hex(6),
        };
        let target = Target::of(p, None);
        let mut w = World {
            sc,
            trace,
            timing: Timing::default(),
            rtt: sc.profile.rtt(),
            bandwidth: sc.profile.bandwidth_bps,
            dns: dns::Caches::for_state(sc.dns, &target.host),
            cache: cache::Cache::default(),
            jar: Jar::default(),
            idle: Vec::new(),
            ticket: sc.resumption.then_some(tls::Ticket {
                version: Version::Tls13,
                lifetime_s: 7200,
            }),
            next_conn: 1,
            site,
            rng,
            request: 0,
            page_title: format!("Welcome to {}", target.host),
        };
        for c in &sc.cookies {
            // Cookies from an earlier visit: untrusted text, so a malformed one is just skipped.
            let _ = w.jar.set(
                &target.host,
                &format!("{c}; Path=/; Secure; HttpOnly"),
                target.secure,
            );
        }
        w.seed_cache(&target);
        if sc.existing_connection && !sc.refused {
            w.open_idle(&target);
        }
        w
    }

    fn unix(&self, t: Instant) -> i64 {
        self.sc.unix_time + (t.micros() / 1_000_000) as i64
    }

    fn one_way(&self) -> Duration {
        self.rtt.half()
    }

    /// When a message sent at `t` arrives: half a round trip later. Handshake messages,
    /// requests and response headers are a few hundred bytes to a few kilobytes, whose
    /// serialization at the profile's bandwidth is microseconds; leaving it out keeps every round
    /// trip exact. Bandwidth is charged where it matters, on response bodies
    /// ([`http::transfer_time`]).
    fn arrival(&self, t: Instant) -> Instant {
        t + self.one_way()
    }

    fn push(&mut self, e: Event) {
        let r = self.request;
        self.trace.push(e.request(r));
    }

    /// The cache as the scenario says, from an earlier visit.
    fn seed_cache(&mut self, t: &Target) {
        let now = self.sc.unix_time;
        let (age, headers) = match self.sc.cache {
            CacheState::Empty | CacheState::NoStore => return,
            CacheState::Fresh => (
                600,
                Headers::new()
                    .with("Cache-Control", "max-age=3600")
                    .with("ETag", "\"v1\""),
            ),
            CacheState::StaleEtag => (
                3600,
                Headers::new()
                    .with("Cache-Control", "max-age=600")
                    .with("ETag", "\"v1\""),
            ),
            CacheState::StaleLastModified => (2 * DAY, Headers::new()),
        };
        let stored_at = now - age;
        let headers = headers
            .with("Date", super::http_date::format(stored_at))
            .with("Last-Modified", super::http_date::format(now - 12 * DAY))
            .with("Content-Type", "text/html; charset=utf-8");
        self.cache.insert(
            &t.key,
            Stored {
                status: 200,
                headers,
                body_bytes: self.sc.costs.document_bytes,
                request_time: stored_at,
                response_time: stored_at,
            },
        );
    }

    /// An idle keep-alive connection from before the navigation (not traced).
    fn open_idle(&mut self, t: &Target) {
        let id = self.next_conn;
        self.next_conn += 1;
        let config = self.connection_config(t);
        let conn = Connection::established(id, config, &mut self.rng);
        self.idle.push(conn);
    }

    /// What a connection to `t` needs: the scenario's server, certificate and TLS settings.
    fn connection_config(&self, t: &Target) -> connection::Config {
        connection::Config {
            group: t.group.clone(),
            host: t.host.clone(),
            port: t.port,
            secure: t.secure,
            refused: self.sc.refused,
            rtt: self.rtt,
            unix_time: self.sc.unix_time,
            tls: self.sc.tls,
            cert: self.sc.cert,
            client_chain: self
                .sc
                .client_cert
                .then(|| connection::client_chain(self.sc.unix_time)),
            ticket: self.ticket.clone(),
            false_start: self.sc.false_start,
        }
    }

    fn navigate(&mut self, p: &Parsed) -> Outcome {
        let target = Target::of(p, None);
        let start = Instant::ZERO;
        let result = self.fetch(start, &target, false);
        let rt = match result {
            Ok(rt) => rt,
            Err((f, at)) => return self.fail(f, at, &target),
        };
        self.set_navigation_timing(&rt);
        self.push(navigation::origin_event(rt.response_start, p));
        self.render(&rt);
        Outcome::Ok
    }

    fn set_navigation_timing(&mut self, rt: &ReqTiming) {
        let ms = |t: Instant| t.as_ms();
        let fs = rt.fetch_start;
        // Fetch §"clamp and coarsen connection timing info": a reused connection or a cache hit
        // reports the connection times as fetchStart.
        let (ds, de) = rt.dns.unwrap_or((fs, fs));
        let cs = rt.connect_start.unwrap_or(fs);
        let ce = rt.connect_end.unwrap_or(fs);
        self.timing = Timing {
            start_time: 0.0,
            fetch_start: ms(fs),
            domain_lookup_start: ms(ds),
            domain_lookup_end: ms(de),
            connect_start: ms(cs),
            secure_connection_start: match (rt.connect_start, rt.secure_start) {
                (Some(_), Some(s)) => ms(s),
                (None, _) => ms(fs),
                (Some(_), None) => 0.0,
            },
            connect_end: ms(ce),
            request_start: ms(rt.request_start),
            response_start: ms(rt.response_start),
            response_end: ms(rt.response_end),
            ..Timing::default()
        };
    }

    fn fail(&mut self, f: Failure, at: Instant, t: &Target) -> Outcome {
        let (e, outcome) = navigation::failure(f, at, &t.host);
        self.push(e);
        outcome
    }

    /// One request through cache, pool, DNS, TCP, TLS and HTTP. `api`: a fetch() from the page.
    fn fetch(
        &mut self,
        t0: Instant,
        target: &Target,
        api: bool,
    ) -> Result<ReqTiming, (Failure, Instant)> {
        let mut rt = ReqTiming {
            fetch_start: t0,
            ..ReqTiming::default()
        };
        let now_unix = self.unix(t0);

        // ---- HTTP cache ----------------------------------------------------------------------
        // The one cache exchange (`Cache::plan` now, `Cache::complete` with the answer), as
        // every request and the HTTP cache-tests go through it.
        let creq = cache::Request {
            method: "GET".into(),
            url: target.key.clone(),
            headers: Headers::new(),
            mode: cache::Mode::Default,
        };
        let plan = self.cache.plan(&creq, now_unix);
        self.push(cache::present::lookup(t0, &target.key, &plan));
        let revalidate = matches!(plan, Plan::HitRevalidate { .. });
        let mut conditional = Headers::new();
        let pending = match plan {
            Plan::Hit {
                response,
                age_s,
                freshness,
            }
            | Plan::HitRevalidate {
                response,
                age_s,
                freshness,
                ..
            } => {
                self.push(cache::present::hit(
                    t0, age_s, &freshness, &response, revalidate,
                ));
                rt.request_start = t0;
                rt.response_start = t0;
                rt.response_end = t0;
                return Ok(rt);
            }
            Plan::Error(_) => return Err((Failure::Internal("only-if-cached"), t0)),
            Plan::Network(p) => p,
        };
        let not_stored = if self.sc.cache == CacheState::NoStore && !api {
            "nothing stored: the last response said no-store"
        } else {
            "nothing stored for this URL"
        };
        self.push(cache::present::to_network(t0, &pending.why, not_stored));
        if let Miss::Revalidate { conditional: c, .. } = &pending.why {
            conditional = c.clone();
        }

        // ---- socket pool ---------------------------------------------------------------------
        let idle_pos = self
            .idle
            .iter()
            .position(|c| c.config.group == target.group);
        let active = self
            .idle
            .iter()
            .filter(|c| c.config.group == target.group)
            .count();
        self.push(
            Event::new(
                t0,
                Actor::Browser,
                steps::POOL_REQUEST_SOCKET,
                format!("request a socket for group {}", target.group),
            )
            .field_spec("group", &target.group, "Chromium ClientSocketPool::GroupId")
            .field("idle_sockets_in_group", active)
            .field(
                "limits",
                "6 per group, 256 per pool (Chromium client_socket_pool_manager.cc)",
            )
            .field(
                "order",
                "the pool is asked before DNS: a reused socket needs no lookup",
            ),
        );
        let mut conn = match idle_pos {
            Some(i) => {
                let c = self.idle.remove(i);
                self.push(
                    Event::new(
                        t0,
                        Actor::Browser,
                        steps::POOL_REUSE,
                        format!("reuse idle connection #{} to {}", c.id, target.group),
                    )
                    .field("connection", format!("#{}", c.id))
                    .field(
                        "saves",
                        if target.secure {
                            "DNS, the TCP handshake and the TLS handshake"
                        } else {
                            "DNS and the TCP handshake"
                        },
                    ),
                );
                c
            }
            None => {
                self.push(
                    Event::new(
                        t0,
                        Actor::Browser,
                        steps::POOL_NEW_CONNECTION,
                        format!(
                            "no idle socket: open connection #{} (1 of at most 6 for this group)",
                            self.next_conn
                        ),
                    )
                    .field(
                        "connect_job",
                        if target.secure {
                            "resolve host → TCP connect → TLS handshake"
                        } else {
                            "resolve host → TCP connect"
                        },
                    ),
                );
                self.connect(t0, target, &mut rt)?
            }
        };
        let ready = rt.connect_end.unwrap_or(t0);

        // ---- HTTP ----------------------------------------------------------------------------
        let cookie = self.jar.header_for(
            &target.host,
            target.path_query.split('?').next().unwrap_or("/"),
            target.secure,
        );
        let req = if api {
            http::fetch_request(
                &target.host_header,
                &target.path_query,
                &target.referer,
                cookie.as_deref(),
            )
        } else {
            http::navigation_request(
                &target.host_header,
                &target.path_query,
                cookie.as_deref(),
                &conditional,
            )
        };
        let tls_overhead = if conn.tls.is_some() { 22 } else { 0 };
        let req_bytes = req.wire_len() + tls_overhead;
        let req_arrives = self.arrival(ready);
        rt.request_start = ready;
        let mut e = Event::new(
            ready,
            Actor::Browser,
            steps::HTTP_REQUEST,
            req.request_line(),
        )
        .field_spec("request_line", req.request_line(), "RFC 9112 §3");
        e = with_headers(e, &req.headers)
            .field("size", format!("{} bytes of HTTP", req.wire_len()));
        self.push(e.message(Actor::Server, req_arrives, req_bytes + 52));

        // The wrapping: HTTP inside TLS inside TCP inside IP.
        if let Some(e) = conn.send_request(ready, req.wire_len()) {
            self.push(e);
        }

        let site = self.site.clone();
        let processing = http::serve(&site, &req, self.unix(req_arrives), api);
        let mut e = Event::new(
            req_arrives,
            Actor::Server,
            steps::HTTP_SERVER_PROCESSING,
            format!(
                "the server builds the response ({} of work)",
                Duration::from_micros(self.sc.costs.server_us)
            ),
        );
        for (i, n) in processing.notes.iter().enumerate() {
            e = e.field(format!("{}.", i + 1), n);
        }
        e = e.field(
            "think_time",
            format!(
                "{} (a scenario assumption)",
                Duration::from_micros(self.sc.costs.server_us)
            ),
        );
        self.push(e);
        let resp = processing.response;
        let t_resp = req_arrives + Duration::from_micros(self.sc.costs.server_us);
        let head = resp.head_len() + tls_overhead;
        let first_byte = self.arrival(t_resp);
        rt.response_start = first_byte;
        let e = Event::new(
            t_resp,
            Actor::Server,
            steps::HTTP_RESPONSE,
            resp.status_line(),
        )
        .field_spec("status_line", resp.status_line(), "RFC 9112 §4");
        self.push(with_headers(e, &resp.headers).message(Actor::Browser, first_byte, head + 52));
        let mss = u64::from(conn.client.peer_mss().max(536));
        let end = if resp.body_bytes > 0 {
            let rounds = http::slow_start_rounds(resp.body_bytes, mss);
            let end =
                first_byte + http::transfer_time(resp.body_bytes, mss, self.rtt, self.bandwidth);
            self.push(
                Event::new(
                    t_resp,
                    Actor::Server,
                    steps::HTTP_RESPONSE_BODY,
                    format!(
                        "{} bytes of body in {} round trip(s) of slow start",
                        resp.body_bytes, rounds
                    ),
                )
                .field("bytes", resp.body_bytes)
                .field(
                    "segments",
                    format!("{} of at most {mss} bytes", resp.body_bytes.div_ceil(mss)),
                )
                .field_spec(
                    "initial_window",
                    "10 segments in the first round trip, doubling after each",
                    "RFC 6928 §2",
                )
                .field(
                    "bandwidth",
                    format!(
                        "{} Mbit/s: {}",
                        mbit(self.bandwidth),
                        Duration::transmission(resp.body_bytes, self.bandwidth)
                    ),
                )
                .message(Actor::Browser, end, resp.body_bytes),
            );
            end
        } else {
            first_byte
        };
        rt.response_end = end;
        conn.receive_response(head + resp.body_bytes);

        // ---- after the response ---------------------------------------------------------------
        if let Some(sc) = resp.headers.get("set-cookie").map(str::to_string) {
            let stored = self.jar.set(&target.host, &sc, target.secure);
            self.push(super::cookie::store_event(first_byte, &sc, &stored));
        }
        let (req_unix, resp_unix) = (self.unix(ready), self.unix(end));
        let answer = cache::Response {
            status: resp.status,
            headers: resp.headers.clone(),
            body: Vec::new(),
            length: Some(resp.body_bytes),
        };
        let (_, _, kept) = self
            .cache
            .complete(pending, Some(answer), req_unix, resp_unix);
        let validators = cache::present::validators(&resp.headers);
        if let Some(e) = cache::present::kept(&kept, validators, first_byte, end) {
            self.push(e);
        }
        if self.site.keep_alive {
            self.push(
                Event::new(
                    end,
                    Actor::Browser,
                    steps::POOL_RELEASE,
                    format!("connection #{} goes back to the pool, idle", conn.id),
                )
                .field("group", &conn.config.group)
                .field(
                    "closes_if_unused_for",
                    "5 minutes (Chromium's used-idle-socket timeout)",
                ),
            );
            self.idle.push(conn);
        } else {
            self.close(end, &mut conn);
        }
        Ok(rt)
    }

    /// The server closes after `Connection: close`: FIN, FIN-ACK, ACK.
    fn close(&mut self, end: Instant, conn: &mut Conn) {
        for e in conn.close_by_server(end) {
            self.push(e);
        }
    }

    /// The connect job: DNS, TCP, TLS.
    fn connect(
        &mut self,
        t0: Instant,
        target: &Target,
        rt: &mut ReqTiming,
    ) -> Result<Conn, (Failure, Instant)> {
        // ---- DNS ------------------------------------------------------------------------------
        let mut t = t0;
        if target.ip_literal {
            self.push(
                Event::new(
                    t,
                    Actor::Browser,
                    steps::DNS_BROWSER_CACHE,
                    format!("{} is an IP address: nothing to resolve", target.host),
                )
                .field("host", &target.host),
            );
            rt.dns = Some((t, t));
        } else {
            let exists = self.sc.dns != super::scenario::DnsState::Nxdomain;
            let ttl = self.sc.dns_latency.ttl_s;
            let lat = self.sc.dns_latency.clone();
            let l = dns::lookup(t, &target.host, exists, &mut self.dns, &lat, self.rtt, ttl);
            for e in l.events {
                self.push(e);
            }
            rt.dns = Some((l.start, l.end));
            t = l.end;
            if l.answer == Answer::NxDomain {
                return Err((Failure::Dns, t));
            }
        }

        // ---- TCP and TLS ----------------------------------------------------------------------
        rt.connect_start = Some(t);
        let id = self.next_conn;
        self.next_conn += 1;
        let config = self.connection_config(target);
        let mut conn = Connection::new(id, config, t, &mut self.rng);
        conn.start(t);
        // One connection: its deliveries come one at a time, each later than the last.
        let mut ready = None;
        let mut failure = None;
        loop {
            let mut next = None;
            while let Some(o) = conn.poll_output() {
                match o {
                    connection::Output::Trace(e) => self.push(e),
                    connection::Output::Deliver(d) => next = Some(d),
                    connection::Output::TcpConnected(at) if target.secure => {
                        rt.secure_start = Some(at)
                    }
                    connection::Output::TcpConnected(_) => {}
                    connection::Output::Ready(at) => ready = ready.or(Some(at)),
                    connection::Output::Failed(f, at) => failure = Some((f, at)),
                }
            }
            match next {
                Some(d) if failure.is_none() => conn.handle(d.at, d),
                _ => break,
            }
        }
        if let Some(f) = failure {
            return Err(f);
        }
        let Some(ready) = ready else {
            return Err((Failure::Internal("the TLS handshake did not complete"), t));
        };
        rt.connect_end = Some(ready);
        if target.secure {
            // The server sent a NewSessionTicket: a later connection can resume.
            self.ticket = conn.ticket();
        }
        Ok(conn)
    }

    /// Parse, style, script, DOMContentLoaded, paint, load; then the event loop.
    fn render(&mut self, rt: &ReqTiming) {
        let c = self.sc.costs.clone();
        let doc = render::document(&self.page_title, c.document_bytes);
        let (elements, rules) = (doc.elements, doc.css_rules);
        let t0 = rt.response_start;
        self.push(
            Event::new(
                t0,
                Actor::Browser,
                steps::RENDER_PARSE_HTML,
                format!(
                    "parse {} bytes of HTML into a DOM of {elements} elements",
                    doc.html.len()
                ),
            )
            .field("elements", elements)
            .field(
                "streaming",
                "parsing starts with the first bytes, before the rest has arrived",
            )
            .field(
                "cost",
                format!(
                    "{} (scenario assumption)",
                    Duration::from_micros(c.parse_html_us)
                ),
            ),
        );
        let t1 = t0 + Duration::from_micros(c.parse_html_us / 2);
        self.push(
            Event::new(
                t1,
                Actor::Browser,
                steps::RENDER_PARSE_CSS,
                format!("parse the inline stylesheet: {rules} rules into the CSSOM"),
            )
            .field("rules", rules)
            .field(
                "render_blocking",
                "yes: nothing is painted before the CSSOM is ready",
            )
            .field(
                "cost",
                format!(
                    "{} (scenario assumption)",
                    Duration::from_micros(c.parse_css_us)
                ),
            ),
        );
        let t2 = (t1 + Duration::from_micros(c.parse_css_us)).max(Instant::from_micros(
            rt.response_end.micros().saturating_sub(c.parse_html_us / 2),
        ));
        self.push(
            Event::new(
                t2,
                Actor::Browser,
                steps::RENDER_SCRIPT,
                "run the inline script: register the button's click handler",
            )
            .field(
                "parser",
                "blocked while the script runs (no async or defer)",
            )
            .field(
                "cost",
                format!(
                    "{} (scenario assumption)",
                    Duration::from_micros(c.script_us)
                ),
            ),
        );
        let interactive =
            (t2 + Duration::from_micros(c.script_us + c.parse_html_us / 2)).max(rt.response_end);
        self.push(
            Event::new(
                interactive,
                Actor::Browser,
                steps::RENDER_DOM_CONTENT_LOADED,
                "DOMContentLoaded: the DOM is complete",
            )
            .field("document.readyState", "interactive"),
        );
        self.push(
            Event::new(
                interactive,
                Actor::Browser,
                steps::RENDER_LOAD,
                "load: no sub-resources to wait for, so load follows at once",
            )
            .field("document.readyState", "complete"),
        );
        let painted = interactive + Duration::from_micros(c.paint_us);
        self.push(
            Event::new(
                interactive,
                Actor::Browser,
                steps::RENDER_PAINT,
                "style, layout and the first paint",
            )
            .field(
                "cost",
                format!(
                    "{} (scenario assumption)",
                    Duration::from_micros(c.paint_us)
                ),
            )
            .field("visible_at", painted),
        );
        let ms = |t: Instant| t.as_ms();
        self.timing.dom_interactive = ms(interactive);
        self.timing.dom_content_loaded_event_start = ms(interactive);
        self.timing.dom_content_loaded_event_end = ms(interactive);
        self.timing.dom_complete = ms(interactive);
        self.timing.load_event_start = ms(interactive);
        self.timing.load_event_end = ms(interactive);

        // ---- the event loop --------------------------------------------------------------------
        let click = painted + Duration::from_millis(1000);
        self.push(
            Event::new(click, Actor::Browser, steps::LOOP_CLICK, "task: the user clicks \"Load data\"; the handler calls fetch() and setTimeout(…, 100)")
                .field("when", "1 s after the first paint (scenario assumption)")
                .field("queues", "a network request, and a timer task due in 100 ms"),
        );
        let timer = click + Duration::from_millis(100);
        self.push(
            Event::new(
                timer,
                Actor::Browser,
                steps::LOOP_TIMER,
                "task: the 100 ms timer fires and logs \"timer\"",
            )
            .field_spec(
                "delay",
                "100 ms, a minimum: the task waits for the loop",
                "HTML §8.6",
            ),
        );
        self.request = 1;
        let Some(url) = self.api_target() else { return };
        match self.fetch(click, &url, true) {
            Ok(api) => {
                let done = api.response_end;
                let order = if done < timer { "before" } else { "after" };
                self.push(
                    Event::new(done, Actor::Browser, steps::LOOP_FETCH, format!("task: the fetch() response is in ({order} the timer); its promise resolves"))
                        .field("took", done.since(click))
                        .field("request", "GET /api/data on the same origin, through the same pool"),
                );
                self.push(
                    Event::new(
                        done,
                        Actor::Browser,
                        steps::LOOP_MICROTASK,
                        "microtask: the .then() callbacks run and write the data into the page",
                    )
                    .field(
                        "runs",
                        "right after the task, before rendering or the next task",
                    ),
                );
            }
            Err((f, at)) => {
                let what = match f {
                    Failure::Dns => "ERR_NAME_NOT_RESOLVED",
                    Failure::Refused => "ERR_CONNECTION_REFUSED",
                    Failure::Cert(e) => e.chromium_name(),
                    Failure::Internal(w) => w,
                };
                self.push(Event::new(
                    at,
                    Actor::Browser,
                    steps::LOOP_FETCH,
                    format!("task: fetch() rejects with TypeError ({what})"),
                ));
            }
        }
        self.request = 0;
    }

    fn api_target(&self) -> Option<Target> {
        let p = url::parse(&self.sc.url, None).ok()?;
        Some(Target::of(&p, Some("/api/data")))
    }
}

/// Bits per second as Mbit/s with up to three decimals, by integer arithmetic.
pub(super) fn mbit(bps: u64) -> String {
    super::text::decimal(bps / 1000, 3)
}

/// One field per header line, in order.
fn with_headers(e: Event, h: &Headers) -> Event {
    e.fields(h.0.iter().map(|(n, v)| Field::new(n.clone(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::{CertChoice, DnsState, Profile, ProfileName, TlsChoice};
    use crate::model::step::StepId;

    fn ids(j: &Journey) -> Vec<&'static str> {
        j.trace
            .events
            .iter()
            .filter(|e| e.request == 0)
            .map(|e| e.step.as_str())
            .collect()
    }

    fn at(j: &Journey, step: &str) -> Instant {
        let s = StepId::parse(step).expect("known step");
        j.trace
            .find(s)
            .map(|e| e.at)
            .unwrap_or_else(|| panic!("{step} missing:\n{}", j.trace))
    }

    #[test]
    fn default_journey_succeeds() {
        let j = run(&Scenario::default());
        assert_eq!(j.outcome, Outcome::Ok, "{}", j.trace);
        for s in [
            "url.parse",
            "cache.lookup",
            "cache.miss",
            "pool.request_socket",
            "pool.new_connection",
            "dns.query.root",
            "tcp.syn",
            "tls.client_hello",
            "tls.finished",
            "http.request",
            "http.response",
            "cache.store",
            "render.dom_content_loaded",
            "render.load",
            "loop.click",
            "loop.fetch",
        ] {
            assert!(
                j.trace.has(StepId::parse(s).unwrap()),
                "{s} missing:\n{}",
                j.trace
            );
        }
        let times: Vec<Instant> = j.trace.events.iter().map(|e| e.at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn intercontinental_syn_ack_takes_225_ms() {
        let sc = Scenario {
            profile: Profile::builtin(ProfileName::Intercontinental),
            ..Scenario::default()
        };
        let j = run(&sc);
        let syn = j.trace.find(steps::TCP_SYN).unwrap();
        let syn_ack = j.trace.find(steps::TCP_SYN_ACK).unwrap();
        let received = syn_ack.flight.as_ref().unwrap().arrives_at;
        assert_eq!(received.since(syn.at), Duration::from_millis(225));
        // TLS 1.3: the client Finished (with the request behind it) one round trip later.
        assert_eq!(
            at(&j, "tls.finished").since(received),
            Duration::from_millis(225)
        );
        assert_eq!(at(&j, "http.request"), at(&j, "tls.finished"));
    }

    #[test]
    fn round_trips_from_syn_to_request() {
        let rtts = |tls| {
            let sc = Scenario {
                tls,
                ..Scenario::default()
            };
            let j = run(&sc);
            let d = at(&j, "http.request").since(at(&j, "tcp.syn"));
            (d.micros() as f64 / sc.profile.rtt().micros() as f64).round() as u64
        };
        assert_eq!(rtts(TlsChoice::Tls13), 2);
        assert_eq!(rtts(TlsChoice::Tls12Ecdhe), 3);
        assert_eq!(rtts(TlsChoice::Tls12Rsa), 3);
    }

    #[test]
    fn fresh_cache_touches_no_network() {
        let j = run(&Scenario {
            cache: CacheState::Fresh,
            ..Scenario::default()
        });
        let nav = ids(&j);
        assert!(nav.contains(&"cache.hit"));
        for s in [
            "dns.query.resolver",
            "tcp.syn",
            "tls.client_hello",
            "http.request",
        ] {
            assert!(!nav.contains(&s), "{s} in a fresh hit:\n{}", j.trace);
        }
        assert_eq!(j.timing.response_end, 0.0);
    }

    #[test]
    fn stale_entries_revalidate() {
        let j = run(&Scenario {
            cache: CacheState::StaleEtag,
            ..Scenario::default()
        });
        let req = j.trace.find(steps::HTTP_REQUEST).unwrap();
        assert_eq!(req.get("If-None-Match"), Some("\"v1\""));
        assert!(j.trace.has(steps::CACHE_NOT_MODIFIED));
        let j = run(&Scenario {
            cache: CacheState::StaleLastModified,
            ..Scenario::default()
        });
        assert!(j
            .trace
            .find(steps::HTTP_REQUEST)
            .unwrap()
            .get("If-Modified-Since")
            .is_some());
        assert!(j.trace.has(steps::CACHE_NOT_MODIFIED));
        let j = run(&Scenario {
            cache: CacheState::StaleEtag,
            changed: true,
            ..Scenario::default()
        });
        assert!(j.trace.has(steps::CACHE_STORE) && !j.trace.has(steps::CACHE_NOT_MODIFIED));
        let j = run(&Scenario {
            cache: CacheState::NoStore,
            ..Scenario::default()
        });
        assert!(j.trace.has(steps::CACHE_NO_STORE));
    }

    #[test]
    fn failures_end_the_journey() {
        let j = run(&Scenario {
            dns: DnsState::Nxdomain,
            ..Scenario::default()
        });
        assert!(
            matches!(&j.outcome, Outcome::Error { code, .. } if code == "ERR_NAME_NOT_RESOLVED")
        );
        assert!(!j.trace.has(steps::TCP_SYN));
        let j = run(&Scenario {
            refused: true,
            ..Scenario::default()
        });
        assert!(
            matches!(&j.outcome, Outcome::Error { code, .. } if code == "ERR_CONNECTION_REFUSED")
        );
        assert!(j.trace.has(steps::TCP_RST));
        for (cert, code) in [
            (CertChoice::SelfSigned, "NET::ERR_CERT_AUTHORITY_INVALID"),
            (CertChoice::Expired, "NET::ERR_CERT_DATE_INVALID"),
            (CertChoice::WrongHost, "NET::ERR_CERT_COMMON_NAME_INVALID"),
        ] {
            let j = run(&Scenario {
                cert,
                ..Scenario::default()
            });
            assert!(
                matches!(&j.outcome, Outcome::Error { code: c, .. } if c == code),
                "{cert:?}: {:?}",
                j.outcome
            );
            assert!(
                j.trace.has(steps::TLS_CERTIFICATE_ERROR) && j.trace.has(steps::NAV_INTERSTITIAL)
            );
            assert!(!j.trace.has(steps::HTTP_REQUEST));
        }
    }

    #[test]
    fn keep_alive_and_reuse() {
        let j = run(&Scenario {
            existing_connection: true,
            ..Scenario::default()
        });
        let nav = ids(&j);
        assert!(nav.contains(&"pool.reuse"));
        assert!(!nav.contains(&"tcp.syn") && !nav.contains(&"dns.browser_cache"));
        assert_eq!(j.timing.connect_start, j.timing.fetch_start);
        // Keep-alive off: the connection closes, and the page's fetch() opens a new one,
        // resuming the TLS session and finding the address in the browser's DNS cache.
        let j = run(&Scenario {
            keep_alive: false,
            ..Scenario::default()
        });
        assert!(j.trace.has(steps::TCP_CLOSE_FIN) && j.trace.has(steps::TCP_CLOSE_ACK));
        let api: Vec<&str> = j
            .trace
            .events
            .iter()
            .filter(|e| e.request == 1)
            .map(|e| e.step.as_str())
            .collect();
        assert!(
            api.contains(&"tcp.syn")
                && api.contains(&"dns.browser_cache")
                && !api.contains(&"dns.query.resolver"),
            "{api:?}"
        );
        assert!(!api.contains(&"tls.certificate"), "resumed: no certificate");
    }

    #[test]
    fn other_schemes_and_bad_urls() {
        let j = run(&Scenario {
            url: "data:text/html,hi".into(),
            ..Scenario::default()
        });
        assert!(matches!(j.outcome, Outcome::NotFetched { .. }));
        let j = run(&Scenario {
            url: "http://exa mple.com".into(),
            ..Scenario::default()
        });
        assert!(matches!(&j.outcome, Outcome::Error { code, .. } if code == "INVALID_URL"));
        let j = run(&Scenario {
            url: "http://127.0.0.1:8080/".into(),
            ..Scenario::default()
        });
        assert_eq!(j.outcome, Outcome::Ok);
        assert!(!j.trace.has(steps::TLS_CLIENT_HELLO));
    }

    #[test]
    fn deterministic() {
        let a = serde_json::to_string(&run(&Scenario::default())).unwrap();
        let b = serde_json::to_string(&run(&Scenario::default())).unwrap();
        assert_eq!(a, b);
    }
}
