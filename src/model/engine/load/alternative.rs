//! HTTP/3 found through `Alt-Svc` (RFC 7838), as Chromium's network stack finds and uses it:
//! an https response's header is remembered per origin ([`crate::model::alt_svc`]), and a
//! later connection to that origin races a QUIC job against the TCP job.
//!
//! - **Learning**: `HttpNetworkTransaction` hands every response's `Alt-Svc` to
//!   `HttpServerProperties` when the response came over a secure connection without a
//!   certificate error (https://source.chromium.org/chromium/chromium/src/+/main:net/http/http_network_transaction.cc,
//!   `ProcessAltSvcHeader`); the model's connections never carry a response past a
//!   certificate error, so every https response is read.
//! - **Racing** ([`Race`]): the first connect job of a group whose origin has a usable HTTP/3
//!   alternative goes over QUIC; for a request the pool also starts the TCP job, and a
//!   navigation's preconnect (two sockets) makes its second socket the TCP job. The TCP job
//!   starts after the lookup the two share, plus `GetTimeDelayForWaitingJob`'s delay. The
//!   first connection ready carries the requests; TCP that loses stays idle in the pool
//!   ([`Sim::race_lost`]); QUIC that fails while TCP goes on marks the alternative broken
//!   ([`Sim::quic_failed`]).
//!
//! Left out: racing against an HTTP/1.1 origin (an origin must speak HTTP/2 over TCP for the
//! model to race: its requests wait for one multiplexed connection, whichever wins; the load's
//! problems say so), an alternative on another host or port (the model's QUIC job goes to the
//! origin's own), the socket pool's accounting (the race's two jobs take two of the group's
//! slots, the second even past its limit, where Chromium's QUIC job takes none), a broken
//! alternative's growing backoff (the first failure's 5 minutes only), the delay from a known
//! smoothed round trip, and the main job's own wait when the QUIC job's lookup is slower than
//! its own (they share one lookup here).

use super::*;
use crate::model::alt_svc::{self, Learned};

impl Sim<'_> {
    /// Request `r`'s answer arrived at `t`: its `Alt-Svc`, if any, replaces what the browser
    /// knew of its origin's alternatives.
    pub(super) fn learn_alt_svc(&mut self, t: Instant, r: usize) {
        let q = &self.reqs[r];
        let Some(value) = (q.resp.as_deref())
            .and_then(|resp| resp.headers.get("alt-svc"))
            .map(str::to_string)
        else {
            return;
        };
        let host = q.host.to_string();
        let port = q.url.port_or_known_default().unwrap_or(443);
        let origin = format!("https://{host}:{port}");
        let now = self.unix(t);
        let learned = self.alt_svc.learn(&origin, q.https, &value, now);
        let text = match &learned {
            Learned::NotRead => "ignored: only a response over https is read".to_string(),
            Learned::Invalid(why) => why.to_string(),
            Learned::Set(kept) if kept.is_empty() => format!("{host} has no alternative now"),
            Learned::Set(kept) => format!(
                "{host} can be reached over {}",
                (kept.iter().map(|a| alternative_words(a, &host)))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        };
        let mut e = Event::new(t, Actor::Browser, steps::HTTP_ALT_SVC, text)
            .field("header", format!("Alt-Svc: {value}"));
        if let Learned::Set(kept) = &learned {
            for a in kept {
                let left = a.expires.saturating_sub(now).max(0) as u64;
                e = e.field(
                    "remembered",
                    format!(
                        "{} for {}",
                        alternative_words(a, &host),
                        crate::model::text::duration_words(left)
                    ),
                );
            }
        }
        self.push_request(r, e);
    }
}

/// "HTTP/3 (QUIC) on UDP port 443", with the other host when the alternative names one.
fn alternative_words(a: &alt_svc::Alternative, host: &str) -> String {
    let (protocol, transport) = match a.protocol {
        alt_svc::Protocol::H3 => ("HTTP/3 (QUIC)", "UDP"),
        alt_svc::Protocol::H2 => ("HTTP/2", "TCP"),
    };
    let at = if a.host.is_empty() || a.host == host {
        String::new()
    } else {
        format!(" of {}", a.host)
    };
    format!("{protocol} on {transport} port {}{at}", a.port)
}

/// A QUIC job raced against a TCP job for one socket group
/// (https://source.chromium.org/chromium/chromium/src/+/main:net/http/http_stream_factory_job_controller.cc,
/// `DoCreateJobs`): the alternative job over QUIC and the main job over TCP, which waits
/// [`Race::wait`] after the host's lookup (`MaybeResumeMainJob`). Whichever connects first
/// carries the requests; a TCP connection that loses stays in the pool, idle (the main job is
/// reset, its connect job runs on: `OrphanUnboundJob`); a QUIC job that fails while TCP works
/// marks the alternative broken.
#[derive(Clone, Debug)]
pub(super) struct Race {
    group: String,
    quic: u32,
    main: Option<u32>,
    alt: alt_svc::Alternative,
    wait: Duration,
}

/// What a connect job is in its group's race.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// No race: the origin's own protocol.
    Only,
    /// The alternative job: QUIC to the alternative service.
    Quic,
    /// The main job: TCP, started this long after the lookup.
    Main(Duration),
}

/// How long a broken alternative is left alone the first time: 5 minutes, doubling with each
/// failure after (`ComputeBrokenAlternativeServiceExpirationDelay`, at most 2 days:
/// https://source.chromium.org/chromium/chromium/src/+/main:net/http/broken_alternative_services.cc).
pub const BROKEN_FIRST_S: i64 = 300;

/// The main job's delay when QUIC has worked on this network and the server's smoothed round
/// trip is not known: `QuicSessionPool::GetTimeDelayForWaitingJob` returns 1.5 × the server's
/// smoothed RTT, or `kDefaultRTT` (300 ms) without one, and the job controller caps it at 3 s
/// (`kMaxDelayTimeForMainJobSecs`)
/// (https://source.chromium.org/chromium/chromium/src/+/main:net/quic/quic_session_pool.cc).
const DEFAULT_WAIT: Duration = Duration::from_millis(300);

impl Sim<'_> {
    /// What connect job `job`, which the pool starts for `group` (https to `host:port`,
    /// `protocol` over TCP) for `for_request`, is in a race: the first job of a group whose
    /// origin has a usable HTTP/3 alternative goes over QUIC, and for a request the pool also
    /// starts the main job (a navigation's preconnect asks for two sockets: the second is it).
    pub(super) fn race_role(
        &mut self,
        (t, dns_end): (Instant, Instant),
        (job, group): (u32, &str),
        (host, port, https): (&str, u16, bool),
        protocol: Protocol,
        for_request: Option<u32>,
    ) -> Role {
        let connecting = self.h2.iter().any(|(g, h)| g == group && h.conn.is_none());
        if let Some(race) =
            (self.races.iter_mut()).find(|r| r.group == group && r.main.is_none() && connecting)
        {
            race.main = Some(job);
            return Role::Main(race.wait);
        }
        let doc = host == self.doc_host;
        let refused = doc && (self.situation.refused || self.situation.no_https);
        // A WebSocket never goes over QUIC (`kEnableWebsocketsOverHttp3` is off).
        let websocket = self.purpose_of(group) == crate::model::pool::Purpose::WebSocket;
        if !https || refused || protocol == Protocol::H3 || websocket {
            return Role::Only;
        }
        let Some((alt, e)) = self.alternative_for(t, dns_end, host, port) else {
            return Role::Only;
        };
        // The model races QUIC only against an HTTP/2 origin (module doc): it says so.
        if protocol != Protocol::H2 {
            let said = format!("{host}: offers HTTP/3, but the model races QUIC only against an origin that speaks HTTP/2 over TCP; this one speaks {protocol}, so it stays on TCP");
            if !self.problems.contains(&said) {
                self.problems.push(said);
            }
            return Role::Only;
        }
        // `GetTimeDelayForWaitingJob`: no delay until QUIC has worked on this network.
        let wait = if self.quic_worked {
            DEFAULT_WAIT
        } else {
            Duration::ZERO
        };
        let waits = if self.quic_worked {
            format!("{} ms after the lookup: QUIC has worked on this network, and the server's round trip is not known", ms(wait))
        } else {
            "0 ms: QUIC has not worked on this network yet, so TCP starts with it".into()
        };
        let e = e
            .field_spec(
                "tcp_waits",
                waits,
                "QuicSessionPool::GetTimeDelayForWaitingJob",
            )
            .request(for_request.map_or(0, |r| r + 1))
            .connection(job);
        if e.at == t {
            self.push(e);
        } else {
            self.schedule(e.at, Ev::Emit(Box::new(e)));
        }
        self.races.push(Race {
            group: group.to_string(),
            quic: job,
            main: None,
            alt,
            wait,
        });
        if for_request.is_some() {
            self.pool.extra_job(group, for_request);
        }
        Role::Quic
    }

    /// The HTTP/3 alternative for `host:port` and the race's event: an `Alt-Svc` the browser
    /// learnt (the alternative job, at `t`), else the host's HTTPS record offering `h3` on this
    /// port (the `DNS_ALPN_H3` job, which learns it when the lookup ends at `dns_end`; a record
    /// for another port is skipped: `ExtractHttpsResults` in
    /// https://source.chromium.org/chromium/chromium/src/+/main:net/dns/dns_response_result_extractor.cc).
    fn alternative_for(
        &self,
        t: Instant,
        dns_end: Instant,
        host: &str,
        port: u16,
    ) -> Option<(alt_svc::Alternative, Event)> {
        let now = self.unix(t);
        if let Some(alt) = self.alt_svc.usable(host, port, now) {
            // The model's QUIC job goes to the origin's own host and port (module doc).
            if alt.host != host || alt.port != port {
                return None;
            }
            let left = alt.expires.saturating_sub(now).max(0) as u64;
            let e = Event::new(
                t,
                Actor::Browser,
                steps::POOL_ALT_RACE,
                format!("{host} offers HTTP/3: QUIC and TCP race"),
            )
            .field(
                "alternative",
                format!(
                    "{}, learnt from Alt-Svc, for {} more",
                    alternative_words(&alt, host),
                    roughly(left)
                ),
            );
            return Some((alt, e));
        }
        let facts = self.hosts.get(host).and_then(|&h| self.host_facts.get(h))?;
        let record = facts.https.as_ref()?;
        let alpns = record.alpns();
        // The record the model's zone has is the name's own: it serves port 443 (RFC 9460
        // §9.1); one naming another port is skipped (`ExtractHttpsResults`).
        if !alpns.contains(&"h3") || port != 443 || record.port().is_some_and(|p| p != port) {
            return None;
        }
        let alt = alt_svc::Alternative {
            protocol: alt_svc::Protocol::H3,
            host: host.to_string(),
            port,
            expires: i64::MAX,
        };
        // A DNS alternative QUIC failed for is broken too (`IsAlternativeServiceBroken`).
        if self.alt_svc.is_broken(&alt, now) {
            return None;
        }
        let e = Event::new(
            dns_end,
            Actor::Browser,
            steps::POOL_ALT_RACE,
            format!("{host}'s HTTPS record offers HTTP/3: QUIC and TCP race"),
        )
        .field(
            "alternative",
            format!(
                "{}, from the DNS HTTPS record (alpn {})",
                alternative_words(&alt, host),
                alpns.join(",")
            ),
        );
        Some((alt, e))
    }

    /// The other connection of the race connection `job` is in.
    pub(super) fn race_partner(&self, job: u32) -> Option<u32> {
        self.races.iter().find_map(|r| match r.main {
            Some(m) if r.quic == job => Some(m),
            Some(m) if m == job => Some(r.quic),
            _ => None,
        })
    }

    /// Connection `job` is the TCP side of a race that QUIC has won: it stays idle in the
    /// pool without an HTTP/2 session.
    pub(super) fn lost_to_quic(&self, job: u32) -> bool {
        self.races.iter().any(|r| {
            r.main == Some(job)
                && (self.h2.iter()).any(|(g, h)| *g == r.group && h.conn == Some(r.quic))
        })
    }

    /// TCP connection `job` is ready at `t`, after QUIC won its race.
    pub(super) fn race_lost(&mut self, t: Instant, job: u32) {
        let request = self.job(job).and_then(|j| j.conn.started_for).unwrap_or(0);
        let e = Event::new(
            t,
            Actor::Browser,
            steps::POOL_RACE_LOST,
            format!("connection {job} is ready after QUIC won: it waits in the pool, idle"),
        )
        .field(
            "why",
            "the request already went over QUIC; the TCP connection's job was let run, so its socket joins the pool (HttpStreamFactory::JobController::OrphanUnboundJob)",
        )
        .request(request)
        .connection(job);
        self.push(e);
    }

    /// QUIC job `job` failed at `t` with `f`: in a race whose TCP job goes on, nobody fails;
    /// the alternative is marked broken (`MaybeReportBrokenAlternativeService`). Returns
    /// whether the race took the failure.
    pub(super) fn quic_failed(&mut self, t: Instant, job: u32, f: connection::Failure) -> bool {
        let Some(race) = self
            .races
            .iter()
            .find(|r| r.quic == job && r.main.is_some())
        else {
            return false;
        };
        // TCP failed too: the request fails as without a race.
        if (race.main.and_then(|m| self.job(m))).is_some_and(|m| m.failure.is_some()) {
            return false;
        }
        let alt = race.alt.clone();
        let until = self.unix(t) + BROKEN_FIRST_S;
        self.alt_svc.mark_broken(&alt, until);
        self.pool.abandon(job);
        let why = match f {
            connection::Failure::QuicIdle => "QUIC got no answer",
            _ => "QUIC failed",
        };
        self.close_conn(t, job, why);
        let request = self.job(job).and_then(|j| j.conn.started_for).unwrap_or(0);
        let e = Event::new(
            t,
            Actor::Browser,
            steps::QUIC_BROKEN,
            format!("HTTP/3 to {} marked broken for 5 minutes: {why}", alt.host),
        )
        .field("error", net_error(Some(f)))
        .field(
            "broken",
            "TCP carries the requests; the next connections skip the alternative for 300 s (Chromium doubles that after each new failure, up to 2 days; the model has only this first one)",
        )
        .request(request)
        .connection(job);
        self.push(e);
        self.pool_outputs(t);
        true
    }
}

/// `s` seconds in words at the grain that matters: whole hours from an hour on, whole minutes
/// below (the learning visit's odd seconds are noise here).
fn roughly(s: u64) -> String {
    match s {
        0..=59 => "less than a minute".into(),
        60..=3599 => crate::model::text::duration_words(s / 60 * 60),
        _ => crate::model::text::duration_words(s / 3600 * 3600),
    }
}
