//! The journey: one typed URL, from the address bar to the page's event loop — the document's
//! request of a page load, as the engine ([`crate::model::load`]) runs it.
//!
//! A journey scenario ([`Scenario`]) is a one-document page ([`PageScenario`]) in a
//! [`Situation`]: the scenario's network and server costs; its knobs for the document's host
//! (the DNS caches an earlier visit left, a name that does not exist, an idle connection,
//! sockets another tab keeps busy, the certificate, TLS options, a refused port); the modelled
//! server ([`crate::model::http::serve`], whose `ETag`, `Last-Modified`, `Cache-Control` and
//! session cookie follow the scenario, and which also answers the page's API, on the page's
//! origin or another); the HTTP cache an earlier visit left; and the page it serves
//! ([`crate::model::page_run`]: rendered, then a click whose handler calls `fetch()`). The journey is that load's trace — the document's
//! request and what its page then does, its click's `fetch()` included — with nothing computed
//! beside the engine. Only the address bar's refusals (text that is not a URL, a scheme that is
//! not fetched) end it before a load starts.
//!
//! The journey numbers the document's request 0 and the click's `fetch()` 1 (the app's links
//! and views name them so); in the engine they are requests 1 and 2.

use crate::model::cache::{self, Headers, Stored};
use crate::model::http::Site;
use crate::model::load::{self, PageLoad, PageScenario, Situation};
use crate::model::navigation::{self, Outcome, Timing};
use crate::model::omnibox;
use crate::model::rng::Rng;
use crate::model::scenario::{AltSvcState, CacheState, Scenario};
use crate::model::tls::Version;
use crate::model::trace::Trace;
use crate::model::url::{self, Parsed};
use serde::Serialize;

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
    /// A request's or a connection's messages in a page load ([`slice`]), not a typed URL's
    /// journey.
    #[serde(skip)]
    pub of_page: bool,
    /// The simulated date at the trace's time zero, seconds since the Unix epoch (a capture's
    /// timestamps start there).
    #[serde(skip)]
    pub unix_time: i64,
}

const DAY: i64 = 86_400;

/// Runs the scenario. Never panics: a URL that does not parse, or a scheme that is not fetched,
/// is an outcome like any other.
///
/// Text typed with a scheme goes to the URL parser as it is (one that does not parse ends
/// there: the parser's error is the lesson, and its step says Chromium would search for the
/// text); anything else goes through the omnibox first ([`crate::model::omnibox`]), which
/// makes a URL of it or a search.
pub fn run(sc: &Scenario) -> Journey {
    let situation = situation_of(sc);
    let typed = omnibox::classify(&sc.url, sc.engine);
    if omnibox::typed_scheme(sc.url.trim()).is_some() {
        let p = match url::parse(&sc.url, None) {
            Ok(p) => p,
            Err(err) => {
                let parse = navigation::parse_event(&sc.url, Err(&err));
                return ended([parse], error("INVALID_URL", err.message), None);
            }
        };
        if !matches!(p.getters.protocol.as_str(), "http:" | "https:") {
            let parse = navigation::parse_event(&sc.url, Ok(&p));
            let (e, outcome) = navigation::not_fetched(&p);
            return ended([parse, e], outcome, Some(p));
        }
    } else if typed.url().is_none() {
        let e = crate::model::https_upgrades::omnibox_event(&sc.url, &typed);
        let outcome = error("EMPTY_INPUT", "nothing was typed".into());
        return ended([e], outcome, None);
    }
    let nav = match load::Nav::plan(&sc.url, &situation, &Default::default()) {
        Ok(n) => n,
        // What the omnibox made of the text does not parse (a search URL over 2 MiB, say).
        Err(why) => return ended([], error("INVALID_URL", why), None),
    };
    let page = page_of(sc, &nav.target);
    let cache = cache_of(sc, &nav.target);
    let load = match load::run_in(&page, &situation, cache) {
        Ok(l) => l,
        // The navigation was planned from the same text and situation: the engine takes it.
        Err(why) => return ended([], error("INTERNAL", why), Some(nav.target)),
    };
    let p = url::parse(&load.url, None).ok();
    let tls = p
        .as_ref()
        .filter(|p| p.getters.protocol == "https:")
        .map(|_| match sc.protocol {
            // QUIC carries TLS 1.3 only (RFC 9001 §4.2), whatever the TLS knob says.
            load::Protocol::H3 => Version::Tls13,
            _ => tls_of(sc).version(),
        });
    Journey {
        timing: load.timing.clone(),
        outcome: load.failed.clone().unwrap_or(Outcome::Ok),
        trace: document_slice(&load),
        url: p,
        tls,
        of_page: false,
        unix_time: sc.unix_time,
    }
}

/// A journey that ends before any load: the address bar's steps and how it ended.
fn ended<const N: usize>(
    events: [crate::model::trace::Event; N],
    outcome: Outcome,
    url: Option<Parsed>,
) -> Journey {
    let mut trace = Trace::default();
    for e in events {
        trace.push(e);
    }
    Journey {
        trace,
        timing: Timing::default(),
        outcome,
        url,
        tls: None,
        of_page: false,
        unix_time: crate::model::scenario::VISIT_UNIX_TIME,
    }
}

/// An error outcome the model names itself (not one of Chromium's `net::` errors).
fn error(code: &str, message: String) -> Outcome {
    Outcome::Error {
        code: code.into(),
        net_error: None,
        message,
    }
}

/// The navigation's document requests (an https attempt HTTPS-Upgrades fell back from, then
/// the page's document) as request 0, and the click's `fetch()` as request 1: the journey's
/// numbering.
pub fn document_slice(load: &PageLoad) -> Trace {
    let journey_id = |r: u32| {
        if load.documents.contains(&r) {
            Some(0)
        } else if load.api == Some(r) {
            Some(1)
        } else {
            None
        }
    };
    let mut trace = Trace {
        events: Vec::with_capacity(load.trace.events.len()),
        endpoints: load.trace.endpoints.clone(),
    };
    for e in &load.trace.events {
        if let Some(id) = journey_id(e.request) {
            let mut e = e.clone();
            e.request = id;
            e.seq = trace.events.len() as u32;
            trace.events.push(e);
        }
    }
    trace
}

/// What of a page load a view follows: one request (by the load's id, as the waterfall numbers
/// them), or one connection (as the socket pools number them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Request(u32),
    Connection(u32),
}

/// One request's or one connection's messages in a page load, as a journey to step through:
/// the load's events of that request (the connection it opened, its handshakes and its
/// exchange) or of that connection (its handshakes and every request it carried), at the
/// load's own times, with the load's request ids. `tls` is the page's TLS version, for an
/// https subject. None when the load has no such request or connection; no events when the
/// load has no messages for it (a replayed HAR file has timings but no messages).
pub fn slice(load: &PageLoad, of: Subject, tls: Version) -> Option<Journey> {
    let (url, failed) = match of {
        Subject::Request(n) => {
            let r = load.request(n)?;
            let failed = match &r.outcome {
                load::Outcome::Failed { error } => Some(error.clone()),
                _ => None,
            };
            (r.url.as_str(), failed)
        }
        Subject::Connection(c) => {
            let conn = load.connections.iter().find(|x| x.id == c)?;
            (conn.origin.as_str(), None)
        }
    };
    let mut trace = Trace {
        events: Vec::new(),
        endpoints: load.trace.endpoints.clone(),
    };
    let keep = |e: &&crate::model::trace::Event| match of {
        Subject::Request(n) => e.request == n,
        Subject::Connection(c) => e.connection == Some(c),
    };
    trace.events = load.trace.events.iter().filter(keep).cloned().collect();
    for (i, e) in trace.events.iter_mut().enumerate() {
        e.seq = i as u32;
    }
    let url = url::parse(url, None).ok();
    let https = url.as_ref().is_some_and(|u| u.getters.protocol == "https:");
    let document = matches!(of, Subject::Request(n) if load.documents.last() == Some(&n));
    let outcome = match (document, &load.failed, failed) {
        (true, Some(o), _) => o.clone(),
        (_, _, Some(message)) => error("FAILED", message),
        _ => Outcome::Ok,
    };
    Some(Journey {
        trace,
        timing: if document {
            load.timing.clone()
        } else {
            Timing::default()
        },
        outcome,
        url,
        tls: https.then_some(tls),
        of_page: true,
        unix_time: crate::model::scenario::VISIT_UNIX_TIME,
    })
}

/// The one-document page: the scenario's URL, network and server costs. Its document's body
/// comes from the situation's server, so the page names no HTML to discover.
pub fn page_of(sc: &Scenario, p: &Parsed) -> PageScenario {
    let cookies = sc
        .cookies
        .iter()
        .map(|c| load::CookieSpec {
            url: p.getters.href.clone(),
            set_cookie: format!("{c}; Path=/; Secure; HttpOnly"),
        })
        .collect();
    let mut page = PageScenario {
        name: "journey".into(),
        url: sc.url.clone(),
        html: String::new(),
        keep_alive: sc.keep_alive,
        server_ms: sc.costs.server_us as f64 / 1000.0,
        cookies,
        loss_percent: sc.loss_percent,
        ..PageScenario::default()
    };
    page.set_network(&sc.profile, tls_of(sc));
    // A server that offers HTTP/3 speaks HTTP/2 over TCP (the model races QUIC only
    // against HTTP/2).
    let protocol = match sc.protocol {
        load::Protocol::Http1 if offers_h3(sc) => load::Protocol::H2,
        p => p,
    };
    if protocol != load::Protocol::Http1 {
        // The document's server on https (an http URL is upgraded there first).
        let port = match p.getters.port.as_str() {
            "" => String::new(),
            port if p.getters.protocol == "https:" => format!(":{port}"),
            _ => String::new(),
        };
        page.origins.push(load::OriginSpec {
            origin: format!("https://{}{port}", p.getters.hostname),
            protocol,
            ..load::OriginSpec::default()
        });
    }
    page
}

/// The TLS the document's server speaks over TCP: the knob's, but TLS 1.3 for a server that
/// offers HTTP/3 (QUIC runs TLS 1.3 only, RFC 9001 §4.2, so its TLS stack has it), so that a
/// journey's TCP and QUIC connections speak one version.
fn tls_of(sc: &Scenario) -> crate::model::scenario::TlsChoice {
    if offers_h3(sc) {
        crate::model::scenario::TlsChoice::Tls13
    } else {
        sc.tls
    }
}

/// The server offers HTTP/3, with `Alt-Svc` or in its HTTPS record.
fn offers_h3(sc: &Scenario) -> bool {
    sc.alt_svc != AltSvcState::None || sc.https_rr
}

/// The scenario's knobs, its server and its page, for the document's host.
pub fn situation_of(sc: &Scenario) -> Situation {
    let mut rng = Rng::for_purpose(sc.seed, "world");
    let now = sc.unix_time;
    let changed = sc.changed;
    let server = Site {
        etag: if changed { "\"v2\"" } else { "\"v1\"" }.into(),
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
    Situation {
        seed: sc.seed,
        unix_time: sc.unix_time,
        dns: sc.dns,
        dns_latency: sc.dns_latency.clone(),
        cert: sc.cert,
        client_cert: sc.client_cert,
        refused: sc.refused,
        false_start: sc.false_start,
        resumption: sc.resumption,
        existing_connection: sc.existing_connection,
        busy_sockets: sc.busy_sockets,
        api: sc.api,
        server: Some(server),
        empty_cache_why: (sc.cache == CacheState::NoStore)
            .then_some("nothing stored: the last response said no-store"),
        page: Some(sc.costs.clone()),
        engine: sc.engine,
        https_upgrades: sc.https_upgrades,
        hsts: sc.hsts,
        no_https: sc.no_https,
        start: sc.navigation,
        preload: sc.preload,
        quic_cid: sc.quic_cid().map(std::rc::Rc::from),
        alt_svc: sc.alt_svc.header().map(std::rc::Rc::from),
        alt_svc_learned: matches!(sc.alt_svc, AltSvcState::Learned | AltSvcState::UdpBlocked),
        udp_blocked: sc.alt_svc == AltSvcState::UdpBlocked,
        https_rr: sc.https_rr,
        doh: sc.doh,
        ipv6: sc.ipv6,
    }
}

/// The HTTP cache as the scenario says an earlier visit left it: the document's entry, fresh,
/// stale with an `ETag`, or stale with only `Last-Modified`.
pub fn cache_of(sc: &Scenario, p: &Parsed) -> cache::Cache {
    let mut c = cache::Cache::default();
    let now = sc.unix_time;
    let (age, headers) = match sc.cache {
        CacheState::Empty | CacheState::NoStore => return c,
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
        .with("Date", crate::model::http_date::format(stored_at))
        .with(
            "Last-Modified",
            crate::model::http_date::format(now - 12 * DAY),
        )
        .with("Content-Type", "text/html; charset=utf-8");
    let key = p.getters.href.split('#').next().unwrap_or_default();
    c.insert(
        key,
        Stored {
            status: 200,
            headers,
            body_bytes: sc.costs.document_bytes,
            request_time: stored_at,
            response_time: stored_at,
        },
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::{CertChoice, DnsState, Profile, ProfileName, TlsChoice};
    use crate::model::step::{steps, StepId};
    use crate::model::time::{Duration, Instant};

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
        // The engine emits in time order; the journey does not sort.
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
        // resuming the TLS session and finding the address in the browser's DNS cache. (With
        // Preload pages on, it would take the idle second connection opened at the start.)
        let j = run(&Scenario {
            keep_alive: false,
            preload: false,
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
        for url in [
            "data:text/html,hi",
            "  data:text/html,hi",
            " javascript:void(0)",
        ] {
            let j = run(&Scenario {
                url: url.into(),
                ..Scenario::default()
            });
            assert!(matches!(j.outcome, Outcome::NotFetched { .. }), "{url:?}");
        }
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

    /// Six sockets of the origin busy with another tab's downloads: the document's request
    /// waits in the pool's queue and takes the first socket released, a round trip in, with no
    /// DNS and no handshake (Navigation Timing reports the connection as reused).
    #[test]
    fn a_busy_origin_queues_the_document() {
        let sc = Scenario {
            busy_sockets: crate::model::scenario::MAX_BUSY_SOCKETS,
            ..Scenario::default()
        };
        let j = run(&sc);
        let nav = ids(&j);
        let queued = nav.iter().position(|s| *s == "pool.queued");
        let sent = nav.iter().position(|s| *s == "http.request");
        assert!(queued.is_some() && queued < sent, "{nav:?}");
        assert!(!nav.contains(&"tcp.syn") && !nav.contains(&"dns.browser_cache"));
        assert_eq!(j.timing.request_start, sc.profile.rtt().as_ms());
        assert_eq!(j.timing.connect_end, j.timing.fetch_start);
        // Five busy sockets leave one slot: the document opens its own connection at once.
        let j = run(&Scenario {
            busy_sockets: 5,
            ..Scenario::default()
        });
        assert!(!ids(&j).contains(&"pool.queued") && ids(&j).contains(&"tcp.syn"));
    }

    /// The click's fetch() to an API on another origin carries the page's Origin; the
    /// answer's Access-Control-Allow-Origin decides whether the page may read it.
    #[test]
    fn a_cross_origin_fetch_shows_its_cors_decision() {
        use crate::model::scenario::ApiChoice;
        let api = |choice| {
            let j = run(&Scenario {
                api: choice,
                ..Scenario::default()
            });
            let of = |step| {
                j.trace
                    .events
                    .iter()
                    .find(|e| e.request == 1 && e.step == step)
                    .cloned()
                    .unwrap_or_else(|| panic!("{step:?} missing:\n{}", j.trace))
            };
            let sent = of(steps::HTTP_REQUEST);
            assert_eq!(sent.get("Origin"), Some("https://www.example.com"));
            (
                of(steps::POLICY_CHECK).summary().to_string(),
                of(steps::LOOP_FETCH).summary().to_string(),
            )
        };
        let (check, fetch) = api(ApiChoice::CrossOrigin);
        assert!(
            check.starts_with("allowed") && fetch.contains("resolves"),
            "{check} / {fetch}"
        );
        let (check, fetch) = api(ApiChoice::CrossOriginBlocked);
        assert!(
            check.starts_with("blocked") && fetch.contains("rejects"),
            "{check} / {fetch}"
        );
        // The same-origin fetch sends no Origin (a GET to its own origin).
        let j = run(&Scenario::default());
        let sent = j
            .trace
            .events
            .iter()
            .find(|e| e.request == 1 && e.step == steps::HTTP_REQUEST)
            .expect("the fetch");
        assert_eq!(sent.get("Origin"), None);
    }

    /// What the knobs leave alone when combined: sockets opened before the load (busy or
    /// idle) take no session ticket, so the document's own new connection still resumes; with
    /// keep-alive off a busy socket closes when its download ends, so the queued document opens
    /// a connection of its own; an idle connection from before counts as used (reused).
    #[test]
    fn knobs_combine() {
        let hello = |sc: &Scenario| {
            let j = run(sc);
            j.trace
                .events
                .iter()
                .find(|e| e.request == 0 && e.step == steps::TLS_CLIENT_HELLO)
                .map(|e| e.summary().to_string())
                .unwrap_or_default()
        };
        let sc = Scenario {
            resumption: true,
            busy_sockets: 3,
            ..Scenario::default()
        };
        assert!(
            hello(&sc).contains("with a session ticket"),
            "{}",
            hello(&sc)
        );
        let j = run(&Scenario {
            busy_sockets: 6,
            keep_alive: false,
            ..Scenario::default()
        });
        let nav = ids(&j);
        let queued = nav.iter().position(|s| *s == "pool.queued");
        let syn = nav.iter().position(|s| *s == "tcp.syn");
        assert!(queued.is_some() && queued < syn, "{nav:?}");
        let sc = Scenario {
            existing_connection: true,
            ..Scenario::default()
        };
        let p = url::parse(&sc.url, None).expect("URL");
        let l =
            load::run_in(&page_of(&sc, &p), &situation_of(&sc), cache_of(&sc, &p)).expect("loads");
        assert!(l.requests[0].reused, "{:?}", l.requests[0]);
    }

    #[test]
    fn deterministic() {
        let a = serde_json::to_string(&run(&Scenario::default())).unwrap();
        let b = serde_json::to_string(&run(&Scenario::default())).unwrap();
        assert_eq!(a, b);
    }
}
