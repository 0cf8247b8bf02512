//! Resolving a host name to an address, as a browser on a desktop OS does.
//!
//! The lookup goes down a chain of caches and stops at the first that has the name: the
//! browser's host cache, then the operating system (its cache and the hosts file), then the
//! recursive resolver, which on a miss walks the name space from a root server to the
//! top-level-domain server to the domain's authoritative server (RFC 1034 §5.3.3). Every query
//! on the network is a round trip.
//!
//! TTLs follow Chromium (`net/dns/host_resolver_manager_job.cc`): an answer obtained through
//! the system resolver is kept 60 s in the browser's cache, because the OS does not pass the TTL
//! on; a failure through the system resolver is not cached (0 s). The OS and the recursive
//! resolver keep the record for its TTL.
//!
//! The messages have their bytes ([`crate::model::dns_wire`], RFC 1035 §4): the stub's query
//! to the recursive resolver (RD set) and its answer (QR, RD, RA; the A record with its TTL, or
//! NXDOMAIN with the zone's SOA in the authority section, RFC 2308 §3), the resolver's own
//! queries down the tree (RD clear: it walks the tree itself) and the authoritative answer (AA).
//! Each query's ID is drawn from the scenario's seed. A flight's size is its message's length
//! plus the IPv4 and UDP headers (28 bytes). The SOA of a negative answer is the model's: the
//! zone's name server `ns1.<zone>`, mailbox `hostmaster.<zone>`, serial 1, and a minimum TTL of
//! 300 s.
//!
//! With Chrome's built-in DNS client ([`Builtin`]) the browser sends the queries itself, skips
//! the OS cache, and asks for the name's HTTPS record (RFC 9460) beside its address: the two
//! queries leave together, the resolver asks the name's server for both after its walk, and
//! both answers come back together.
//!
//! When the network reaches IPv6, the AAAA query goes with the A query at each hop and its
//! answer comes back with the A answer (the model's name servers answer both at once); the
//! name's IPv6 address is in the documentation prefix 2001:db8::/32 ([`address6_of`]).
//!
//! Left out: the AAAA and HTTPS queries' own walks down the tree (the resolver
//! asks for them once it knows the zone's server), DNS over HTTPS, search domains,
//! retransmission, and DNSSEC; the referrals' bytes (the model does not name the zones' name
//! servers, so a referral's size is a typical one, 500 bytes); QNAME minimisation (RFC 9156:
//! the resolver here asks each server for the whole name). Addresses are taken from the documentation range 203.0.113.0/24
//! (RFC 5737), chosen from the host name so they are stable.

use crate::model::dns_wire;
use crate::model::scenario::{DnsLatency, DnsState};
use crate::model::step::steps;
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Event, Wire};
use std::net::Ipv4Addr;

/// Chromium: `kCacheEntryTTLSeconds = 60` for answers from the system resolver.
pub const BROWSER_CACHE_TTL_S: u32 = 60;
/// The TTL of the NS records that delegate `com.` in the root zone, and of `.com`'s own
/// delegations: 172800 s (IANA's root zone file, `root.zone`).
pub const DELEGATION_TTL_S: u32 = 172_800;

/// A referral carries name server records and their addresses (glue): a typical size, IP and
/// UDP headers included (the model does not write its bytes).
const REFERRAL_BYTES: u64 = 500;
/// The IPv4 and UDP headers around a DNS message (RFC 791, RFC 768).
const IP_UDP_BYTES: u64 = 20 + 8;
/// The model's SOA minimum for a negative answer (RFC 2308 §5: its cache lifetime).
const NEGATIVE_TTL_S: u32 = 300;

/// What a lookup asks: the name, whether it exists (else the authoritative server answers
/// NXDOMAIN), the TTL of its record, and the query IDs (drawn from the scenario's seed) of the
/// stub's query and the resolver's queries to the root, the TLD and the authoritative server.
#[derive(Clone, Copy, Debug)]
pub struct Ask<'a> {
    pub host: &'a str,
    pub exists: bool,
    pub ttl_s: u32,
    pub ids: [u16; 4],
    /// The browser resolves with its own DNS client, which asks for the name's HTTPS record
    /// beside its address ([`Builtin`]); `None`: the system resolver (getaddrinfo).
    pub builtin: Option<Builtin<'a>>,
    /// The network reaches IPv6, so the AAAA record is asked for beside the A record (both
    /// resolvers send the two queries together): the name's IPv6 address and the queries' IDs
    /// (the stub's, the resolver's to the name's server).
    pub aaaa: Option<(std::net::Ipv6Addr, [u16; 2])>,
}

/// Chrome's built-in DNS client (`HostResolverDnsTask`): it reads the hosts file itself, asks
/// the recursive resolver for the A record and, for an http or https URL, the HTTPS record
/// (RFC 9460) in parallel, and keeps answers for their TTL, at least 60 s
/// (https://source.chromium.org/chromium/chromium/src/+/main:net/dns/host_resolver_dns_task.cc).
/// The system resolver (getaddrinfo) never asks for HTTPS records.
#[derive(Clone, Copy, Debug)]
pub struct Builtin<'a> {
    /// The name the HTTPS query asks for: the host, or `_port._https.host` for a port other
    /// than 443 (RFC 9460 §9.1).
    pub name: &'a str,
    /// The zone's HTTPS record for that name (none: the answer has no record).
    pub https: Option<&'a crate::model::svcb::Https>,
    /// The HTTPS queries' IDs: the browser's, and the resolver's to the name's server.
    pub ids: [u16; 2],
}

/// A query for `host`'s A record with `id`: the stub's asks for recursion, the resolver's
/// does not.
fn query(host: &str, id: u16, recursion: bool) -> dns_wire::Message {
    query_of(host, dns_wire::rtype::A, id, recursion)
}

/// A query for `host`'s records of type `qtype`.
fn query_of(host: &str, qtype: u16, id: u16, recursion: bool) -> dns_wire::Message {
    dns_wire::Message {
        id,
        flags: dns_wire::Flags {
            rd: recursion,
            ..Default::default()
        },
        questions: vec![dns_wire::Question {
            name: host.to_string(),
            qtype,
            qclass: dns_wire::CLASS_IN,
        }],
        ..Default::default()
    }
}

/// The answer to `q`: the A record (`authoritative`: from the zone's own server, AA set; else
/// from the recursive resolver, RA set), or NXDOMAIN with the zone's SOA.
fn answer_to(
    q: &dns_wire::Message,
    answer: &Answer,
    ttl_s: u32,
    authoritative: bool,
) -> dns_wire::Message {
    let host = q.questions.first().map_or("", |q| q.name.as_str());
    let mut m = q.clone();
    m.flags.qr = true;
    m.flags.aa = authoritative;
    m.flags.ra = !authoritative;
    match answer {
        Answer::Address(a) => m.answers.push(dns_wire::Record {
            name: host.to_string(),
            rtype: dns_wire::rtype::A,
            class: dns_wire::CLASS_IN,
            ttl: ttl_s,
            data: dns_wire::RData::A(*a),
        }),
        Answer::NxDomain => {
            let zone = zones(host).1;
            m.flags.rcode = 3;
            m.authority.push(dns_wire::Record {
                name: zone.clone(),
                rtype: dns_wire::rtype::SOA,
                class: dns_wire::CLASS_IN,
                ttl: NEGATIVE_TTL_S,
                data: dns_wire::RData::Soa(dns_wire::Soa {
                    mname: format!("ns1.{zone}"),
                    rname: format!("hostmaster.{zone}"),
                    serial: 1,
                    refresh: 7200,
                    retry: 3600,
                    expire: 1_209_600,
                    minimum: NEGATIVE_TTL_S,
                }),
            });
        }
    }
    m
}

/// `m`'s bytes for the trace, and its size on the wire (IP and UDP headers included); a name
/// the wire cannot carry has no bytes, and the size of its text.
fn wire_of(m: &dns_wire::Message) -> (u64, Option<Wire>) {
    match dns_wire::encode(m) {
        Ok(w) => (w.bytes.len() as u64 + IP_UDP_BYTES, Some(w)),
        Err(_) => {
            let len = m.questions.first().map_or(0, |q| q.name.len());
            (IP_UDP_BYTES + 12 + 6 + len as u64, None)
        }
    }
}

/// `e` with the message's bytes, when it has them.
fn with_wire(e: Event, wire: Option<Wire>) -> Event {
    match wire {
        Some(w) => e.wire(w),
        None => e,
    }
}

/// The result of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Address(Ipv4Addr),
    /// The name does not exist (RCODE 3).
    NxDomain,
}

/// What a lookup did, for the engine and Navigation Timing.
#[derive(Clone, Debug)]
pub struct Lookup {
    pub events: Vec<Event>,
    pub start: Instant,
    pub end: Instant,
    pub answer: Answer,
    /// Where the answer came from.
    pub source: &'static str,
    /// The name's HTTPS record, when the built-in client asked for it and the zone has one.
    pub https: Option<crate::model::svcb::Https>,
}

/// The stable address wirewalk gives a host: 203.0.113.x, x from the name.
pub fn address_of(host: &str) -> Ipv4Addr {
    let mut h: u32 = 2_166_136_261;
    for b in host.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(16_777_619);
    }
    Ipv4Addr::new(203, 0, 113, (h % 254 + 1) as u8)
}

/// The zone a host belongs to, for the referral chain: `www.example.com` → (`com`, `example.com`).
/// The walk is simplified to three levels (root, TLD, domain); names under a multi-label public
/// suffix such as `co.uk` have one more referral in reality.
pub fn zones(host: &str) -> (String, String) {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let tld = labels.last().copied().unwrap_or(host).to_string();
    let domain = if labels.len() >= 2 {
        labels[labels.len() - 2..].join(".")
    } else {
        host.to_string()
    };
    (tld, domain)
}

/// Where the name is cached when the lookup starts. Each layer's state is a plain value, so a
/// second lookup in the same journey finds what the first one stored.
#[derive(Clone, Debug, Default)]
pub struct Caches {
    /// Browser host cache: host → (address, expiry).
    pub browser: Vec<(String, Ipv4Addr, Instant)>,
    pub os: Vec<(String, Ipv4Addr)>,
    pub resolver: Vec<(String, Ipv4Addr)>,
    /// The resolver knows the TLD and the domain delegations.
    pub resolver_referrals: bool,
}

impl Caches {
    /// The caches as the scenario's DNS state says, for `host`.
    pub fn for_state(state: DnsState, host: &str) -> Caches {
        let a = address_of(host);
        let mut c = Caches::default();
        match state {
            DnsState::Cold | DnsState::Nxdomain => {}
            DnsState::ResolverCached => {
                c.resolver.push((host.to_string(), a));
                c.resolver_referrals = true;
            }
            DnsState::OsCached => {
                c.os.push((host.to_string(), a));
                c.resolver.push((host.to_string(), a));
                c.resolver_referrals = true;
            }
            DnsState::BrowserCached => {
                c.browser.push((
                    host.to_string(),
                    a,
                    Instant::ZERO + Duration::from_secs(u64::from(BROWSER_CACHE_TTL_S)),
                ));
                c.os.push((host.to_string(), a));
                c.resolver.push((host.to_string(), a));
                c.resolver_referrals = true;
            }
        }
        c
    }
}

/// Looks `ask.host` up at `now` ([`Ask`]); `site_rtt` is the round trip to the site's network
/// (the authoritative server's default).
pub fn lookup(
    now: Instant,
    ask: Ask<'_>,
    caches: &mut Caches,
    lat: &DnsLatency,
    site_rtt: Duration,
) -> Lookup {
    let Ask {
        host,
        exists,
        ttl_s,
        ids,
        builtin,
        aaaa,
    } = ask;
    let aaaa = aaaa.filter(|_| exists);
    // With the built-in client the browser asks; the record comes with the address.
    let asker = if builtin.is_some() {
        Actor::Browser
    } else {
        Actor::Os
    };
    let record = builtin.and_then(|b| b.https).filter(|_| exists).cloned();
    // The questions asked beside A (AAAA, HTTPS), each with its name, its two IDs and its
    // answer. A name that does not exist: only the A query shows (its NXDOMAIN answers for all).
    let sides = side_questions(host, aaaa, builtin.filter(|_| exists), record.as_ref());
    let mut events = Vec::new();
    let start = now;
    let mut t = now;

    // 1. The browser's host cache.
    let (e, hit) = browser_cache(t, host, caches);
    events.push(e);
    if let Some(a) = hit {
        return Lookup {
            events,
            start,
            end: t,
            answer: Answer::Address(a),
            source: "browser host cache",
            https: record,
        };
    }

    // 2. The OS: hosts file, then its cache.
    let localhost = host == "localhost" || host.ends_with(".localhost");
    let (e, os_hit) = os_step(t, host, (asker, builtin.is_some()), caches);
    events.push(e);
    if let Some(a) = os_hit {
        remember_browser(caches, host, a, t);
        return Lookup {
            events,
            start,
            end: t,
            answer: Answer::Address(a),
            source: if localhost { "hosts file" } else { "OS cache" },
            https: record.filter(|_| !localhost),
        };
    }

    // 3. A query to the recursive resolver.
    let to_resolver = Duration::from_micros(lat.resolver_rtt_us).half();
    let stub = query(host, ids[0], true);
    let (bytes, wire) = wire_of(&stub);
    let e = Event::new(t, asker, steps::DNS_QUERY_RESOLVER, format!("A? {host}"))
        .field_spec("question", format!("{host}. IN A"), "RFC 1035 §4.1.2")
        .field("id", ids[0])
        .note("transport", "UDP to port 53")
        .note("flags", "RD (recursion desired)")
        .message(Actor::Resolver, t + to_resolver, bytes);
    events.push(with_wire(e, wire));
    for q in &sides {
        let hop = (q.qtype, q.ids[0], true);
        events.push(side_query(
            (t, t + to_resolver),
            (asker, Actor::Resolver),
            q.name,
            hop,
        ));
    }
    t += to_resolver;

    let (answer, cached) = walk(
        &mut t,
        (host, exists, ttl_s, ids),
        &sides,
        (caches, lat, site_rtt),
        &mut events,
    );

    // 4. Back to the OS and the browser.
    let e = answer_event(
        t,
        host,
        (&answer, cached.is_some()),
        builtin.is_some(),
        ttl_s,
    );
    let (bytes, wire) = wire_of(&answer_to(&stub, &answer, ttl_s, false));
    events.push(with_wire(e.message(asker, t + to_resolver, bytes), wire));
    for q in &sides {
        let back = (t, t + to_resolver);
        let hop = (q.qtype, q.ids[0], true);
        let data = (q.data.clone(), ttl_s);
        events.push(side_answer(
            back,
            (Actor::Resolver, asker),
            q.name,
            hop,
            data,
        ));
    }
    t += to_resolver;
    match answer {
        Answer::Address(a) if builtin.is_some() => remember_secure(caches, host, a, (t, ttl_s)),
        Answer::Address(a) => {
            caches.os.push((host.to_string(), a));
            remember_browser(caches, host, a, t);
        }
        Answer::NxDomain => events.push(nxdomain(t, host)),
    }
    Lookup {
        events,
        start,
        end: t,
        answer,
        source: source_of(cached),
        https: record,
    }
}

/// `dns.answer` at `t`: the resolver's answer for `host` on its way back (`cached`: from the
/// resolver's cache), with how long the OS and the browser keep it — the record's TTL, or
/// Chromium's rules for its own client (`builtin`) and for the system resolver's answers.
fn answer_event(
    t: Instant,
    host: &str,
    (answer, cached): (&Answer, bool),
    builtin: bool,
    ttl_s: u32,
) -> Event {
    let summary = match answer {
        Answer::Address(a) if cached => format!("{host} → {a} (from the resolver's cache)"),
        Answer::Address(a) => format!("{host} → {a}"),
        Answer::NxDomain => format!("NXDOMAIN for {host}"),
    };
    let e = Event::new(t, Actor::Resolver, steps::DNS_ANSWER, summary);
    match answer {
        Answer::Address(a) if builtin => e
            .field("answer", format!("{host}. {ttl_s} IN A {a}"))
            .field(
                "cached_by_browser",
                format!(
                    "{} s (the record's TTL, at least {BROWSER_CACHE_TTL_S} s: Chromium's floor for its own DNS client's answers)",
                    ttl_s.max(BROWSER_CACHE_TTL_S)
                ),
            ),
        Answer::Address(a) => e
            .field("answer", format!("{host}. {ttl_s} IN A {a}"))
            .field("cached_by_os", format!("{ttl_s} s (the record's TTL)"))
            .field(
                "cached_by_browser",
                format!(
                    "{BROWSER_CACHE_TTL_S} s (Chromium's fixed TTL for system-resolver answers)"
                ),
            ),
        Answer::NxDomain => e.note("rcode", "NXDOMAIN (3)").note(
            "cached_by_browser",
            "no: Chromium does not cache system-resolver failures",
        ),
    }
}

/// The browser learns at `t` that `host` does not exist.
pub fn nxdomain(t: Instant, host: &str) -> Event {
    Event::new(
        t,
        Actor::Browser,
        steps::DNS_NXDOMAIN,
        format!("{host} does not exist: ERR_NAME_NOT_RESOLVED"),
    )
    .field_spec(
        "net_error",
        "ERR_NAME_NOT_RESOLVED (-105)",
        "Chromium net/base/net_error_list.h",
    )
}

/// Where an answer came from: the resolver's cache when it had the address, else the name's
/// own server.
fn source_of(cached: Option<Ipv4Addr>) -> &'static str {
    if cached.is_some() {
        "recursive resolver's cache"
    } else {
        "authoritative server"
    }
}

/// The hosts file and the OS cache at `t`, as `asker` reads them (`builtin`: Chrome's own
/// client, which reads the hosts file itself and has no OS cache to ask): the event, and the
/// address when one of them has `host`.
fn os_step(
    t: Instant,
    host: &str,
    (asker, builtin): (Actor, bool),
    caches: &Caches,
) -> (Event, Option<Ipv4Addr>) {
    let localhost = host == "localhost" || host.ends_with(".localhost");
    let os_hit = if localhost {
        Some(Ipv4Addr::LOCALHOST)
    } else if builtin {
        None
    } else {
        caches.os.iter().find(|(h, _)| h == host).map(|(_, a)| *a)
    };
    let summary = match (os_hit, localhost, builtin) {
        (Some(a), true, _) => format!("hosts file: {host} → {a}"),
        (Some(a), false, _) => format!("OS cache hit: {host} → {a}"),
        (None, _, true) => {
            "not in the hosts file (Chrome's own DNS client reads it; it does not ask the OS cache)"
                .to_string()
        }
        (None, _, false) => "not in the hosts file or the OS cache".to_string(),
    };
    let e = Event::new(t, asker, steps::DNS_OS_CACHE, summary)
        .field(
            "hosts_file",
            if localhost {
                "localhost → 127.0.0.1"
            } else {
                "no entry"
            },
        )
        .field(
            "os_cache",
            match (os_hit.is_some() && !localhost, builtin) {
                (_, true) => "not asked: Chrome's built-in DNS client",
                (true, false) => "hit",
                (false, false) => "miss",
            },
        );
    (e, os_hit)
}

/// The browser's host cache at `t`: the event that shows whether it holds `host`, and the
/// address when it does.
pub fn browser_cache(t: Instant, host: &str, caches: &Caches) -> (Event, Option<Ipv4Addr>) {
    let hit = caches
        .browser
        .iter()
        .find(|(h, _, exp)| h == host && *exp > t)
        .map(|(_, a, exp)| (*a, *exp));
    let e = Event::new(
        t,
        Actor::Browser,
        steps::DNS_BROWSER_CACHE,
        match hit {
            Some((a, _)) => format!("host cache hit: {host} → {a}"),
            None => format!("host cache miss for {host}"),
        },
    )
    .field("host", host)
    .field("result", if hit.is_some() { "hit" } else { "miss" })
    .fields(hit.map(|(_, exp)| {
        crate::model::trace::Field::new(
            "expires_in",
            format!("{} s", exp.since(t).micros() / 1_000_000),
        )
    }));
    (e, hit.map(|(a, _)| a))
}

/// What the recursive resolver did for a query that reached it over HTTPS.
#[derive(Clone, Debug)]
pub struct Walked {
    /// The resolver's own queries and the answers it got, each at its moment.
    pub events: Vec<Event>,
    /// When it has the answer.
    pub end: Instant,
    pub answer: Answer,
    /// Where the answer came from.
    pub source: &'static str,
    /// The name's HTTPS record, when asked for and the zone has one.
    pub https: Option<crate::model::svcb::Https>,
    /// The AAAA answer, when asked for.
    pub aaaa: Option<std::net::Ipv6Addr>,
}

/// The recursive resolver's work for `ask`'s questions, which reached it at `at` in DNS over
/// HTTPS requests (RFC 8484): its cache, or its walk down the tree, as for a query over UDP
/// ([`lookup`]'s third step). `ask.ids[0]` is unused: the browser's queries carry ID 0.
pub fn resolve_at(
    at: Instant,
    ask: Ask<'_>,
    caches: &mut Caches,
    lat: &DnsLatency,
    site_rtt: Duration,
) -> Walked {
    let exists = ask.exists;
    let aaaa = ask.aaaa.filter(|_| exists);
    let builtin = ask.builtin.filter(|_| exists);
    let record = builtin.and_then(|b| b.https).cloned();
    let sides = side_questions(ask.host, aaaa, builtin, record.as_ref());
    let (mut t, mut events) = (at, Vec::new());
    let (answer, cached) = walk(
        &mut t,
        (ask.host, exists, ask.ttl_s, ask.ids),
        &sides,
        (caches, lat, site_rtt),
        &mut events,
    );
    Walked {
        events,
        end: t,
        answer,
        source: source_of(cached),
        https: record,
        aaaa: aaaa.map(|(a, _)| a),
    }
}

/// Keeps `host`'s address `a`, which Chrome's own DNS client got at `t` with a TTL of
/// `ttl_s`, in the browser's host cache for that TTL, at least 60 s.
pub fn remember_secure(caches: &mut Caches, host: &str, a: Ipv4Addr, (t, ttl_s): (Instant, u32)) {
    let keep = Duration::from_secs(u64::from(ttl_s.max(BROWSER_CACHE_TTL_S)));
    caches.browser.retain(|(h, _, _)| h != host);
    caches.browser.push((host.to_string(), a, t + keep));
}

/// The resolver's walk from the root at `*t`: the root's referral to `tld`'s name servers,
/// then theirs to `domain`'s (RFC 1034 §4.3.2), each query with its ID in `ids`; `*t` is then
/// when it knows whom to ask for `host`.
fn referrals(
    t: &mut Instant,
    host: &str,
    (tld, domain): (&str, &str),
    lat: &DnsLatency,
    ids: [u16; 2],
    events: &mut Vec<Event>,
) {
    let steps_walk: [(Actor, u64, &str, u16); 2] = [
        (Actor::Root, lat.root_rtt_us, ".", ids[0]),
        (Actor::Tld, lat.tld_rtt_us, tld, ids[1]),
    ];
    for (actor, rtt, zone, id) in steps_walk {
        let half = Duration::from_micros(rtt).half();
        let (q, r, next) = if actor == Actor::Root {
            (
                steps::DNS_QUERY_ROOT,
                steps::DNS_REFERRAL_ROOT,
                format!("{tld}. name servers"),
            )
        } else {
            (
                steps::DNS_QUERY_TLD,
                steps::DNS_REFERRAL_TLD,
                format!("{domain}. name servers"),
            )
        };
        let (bytes, wire) = wire_of(&query(host, id, false));
        let e = Event::new(
            *t,
            Actor::Resolver,
            q,
            format!(
                "A? {host} (asking the {} zone)",
                if zone == "." { "root" } else { zone }
            ),
        )
        .field("question", format!("{host}. IN A"))
        .field("id", id)
        .note("flags", "no recursion: the resolver walks the tree itself")
        .message(actor, *t + half, bytes);
        events.push(with_wire(e, wire));
        *t += half;
        events.push(
            Event::new(*t, actor, r, format!("referral: ask the {next}"))
                .field_spec("authority", next.clone(), "RFC 1034 §4.3.2")
                .field("ttl", format!("{DELEGATION_TTL_S} s (2 days)"))
                .message(Actor::Resolver, *t + half, REFERRAL_BYTES),
        );
        *t += half;
    }
}

/// The recursive resolver's part from `*t`, when the query has reached it: its cache, or the
/// walk from the root (unless it knows the delegations) to the name's server, with `sides`'
/// questions beside the A query. Returns the answer and whether it came from its cache;
/// `*t` is then when it has it.
fn walk(
    t: &mut Instant,
    (host, exists, ttl_s, ids): (&str, bool, u32, [u16; 4]),
    sides: &[Side<'_>],
    (caches, lat, site_rtt): (&mut Caches, &DnsLatency, Duration),
    events: &mut Vec<Event>,
) -> (Answer, Option<Ipv4Addr>) {
    let cached = caches
        .resolver
        .iter()
        .find(|(h, _)| h == host)
        .map(|(_, a)| *a);
    let answer = match cached {
        Some(a) => Answer::Address(a),
        None => {
            let (tld, domain) = zones(host);
            if !caches.resolver_referrals {
                referrals(t, host, (&tld, &domain), lat, [ids[1], ids[2]], events);
                caches.resolver_referrals = true;
            }
            let half = lat
                .authoritative_rtt_us
                .map_or(site_rtt, Duration::from_micros)
                .half();
            let asked = query(host, ids[3], false);
            let (bytes, wire) = wire_of(&asked);
            let e = Event::new(
                *t,
                Actor::Resolver,
                steps::DNS_QUERY_AUTHORITATIVE,
                format!("A? {host} (asking {domain}'s name server)"),
            )
            .field("question", format!("{host}. IN A"))
            .field("id", ids[3])
            .message(Actor::Authoritative, *t + half, bytes);
            events.push(with_wire(e, wire));
            for q in sides {
                let way = (Actor::Resolver, Actor::Authoritative);
                let hop = (q.qtype, q.ids[1], false);
                events.push(side_query((*t, *t + half), way, q.name, hop));
            }
            *t += half;
            let answer = if exists {
                Answer::Address(address_of(host))
            } else {
                Answer::NxDomain
            };
            let e = Event::new(
                *t,
                Actor::Authoritative,
                steps::DNS_RESPONSE_AUTHORITATIVE,
                match &answer {
                    Answer::Address(a) => format!("{host} A {a} (TTL {ttl_s} s)"),
                    Answer::NxDomain => format!("NXDOMAIN: {host} does not exist"),
                },
            );
            let e = match &answer {
                Answer::Address(a) => e
                    .field_spec(
                        "answer",
                        format!("{host}. {ttl_s} IN A {a}"),
                        "RFC 1035 §4.1.3",
                    )
                    .note("flags", "AA (authoritative answer)")
                    .note("rcode", "NOERROR (0)"),
                Answer::NxDomain => e
                    .field_spec("rcode", "NXDOMAIN (3)", "RFC 1035 §4.1.1")
                    .field(
                        "authority",
                        format!("{domain}. SOA (negative answers are cached for its minimum TTL)"),
                    ),
            };
            let (bytes, wire) = wire_of(&answer_to(&asked, &answer, ttl_s, true));
            events.push(with_wire(
                e.message(Actor::Resolver, *t + half, bytes),
                wire,
            ));
            for q in sides {
                let way = (Actor::Authoritative, Actor::Resolver);
                let hop = (q.qtype, q.ids[1], false);
                let data = (q.data.clone(), ttl_s);
                events.push(side_answer((*t, *t + half), way, q.name, hop, data));
            }
            *t += half;
            if let Answer::Address(a) = answer {
                caches.resolver.push((host.to_string(), a));
            }
            answer
        }
    };

    (answer, cached)
}

/// A question the lookup asks beside A: its type, the name asked, the stub's and the
/// resolver's query IDs, and the record the answer carries (none: an empty answer).
struct Side<'a> {
    qtype: u16,
    name: &'a str,
    ids: [u16; 2],
    data: Option<dns_wire::RData>,
}

/// The AAAA question when the network reaches IPv6, then the HTTPS one with the built-in client.
fn side_questions<'a>(
    host: &'a str,
    aaaa: Option<(std::net::Ipv6Addr, [u16; 2])>,
    builtin: Option<Builtin<'a>>,
    record: Option<&crate::model::svcb::Https>,
) -> Vec<Side<'a>> {
    let mut sides = Vec::new();
    if let Some((a6, ids)) = aaaa {
        let data = Some(dns_wire::RData::Aaaa(a6));
        let qtype = dns_wire::rtype::AAAA;
        sides.push(Side {
            qtype,
            name: host,
            ids,
            data,
        });
    }
    if let Some(b) = builtin {
        let data = record.cloned().map(dns_wire::RData::Https);
        let qtype = dns_wire::rtype::HTTPS;
        sides.push(Side {
            qtype,
            name: b.name,
            ids: b.ids,
            data,
        });
    }
    sides
}

/// One hop of a query the lookup sends beside the A query: AAAA (RFC 3596) or HTTPS (RFC
/// 9460 §9) for `name`, sent by `from` at `t` with `id`, reaching `to` at `arrives`;
/// `recursion` for the stub's query to the resolver.
fn side_query(
    (t, arrives): (Instant, Instant),
    (from, to): (Actor, Actor),
    name: &str,
    (qtype, id, recursion): (u16, u16, bool),
) -> Event {
    let q = query_of(name, qtype, id, recursion);
    let (bytes, wire) = wire_of(&q);
    let (step, spec) = match (qtype, recursion) {
        (dns_wire::rtype::AAAA, true) => (steps::DNS_QUERY_RESOLVER, "RFC 3596 §2.1"),
        (dns_wire::rtype::AAAA, false) => (steps::DNS_QUERY_AUTHORITATIVE, "RFC 3596 §2.1"),
        _ => (steps::DNS_QUERY_HTTPS, "RFC 9460 §9"),
    };
    let kind = dns_wire::type_name(qtype);
    let e = Event::new(t, from, step, format!("{kind}? {name}"))
        .field_spec("question", format!("{name}. IN {kind}"), spec)
        .field("id", id)
        .message(to, arrives, bytes);
    with_wire(e, wire)
}

/// The answer to that hop: `data` as `name`'s record (none: an empty answer, NOERROR).
fn side_answer(
    (t, arrives): (Instant, Instant),
    (from, to): (Actor, Actor),
    name: &str,
    (qtype, id, recursion): (u16, u16, bool),
    (data, ttl_s): (Option<dns_wire::RData>, u32),
) -> Event {
    let mut m = query_of(name, qtype, id, recursion);
    m.flags.qr = true;
    m.flags.aa = !recursion;
    m.flags.ra = recursion;
    let kind = dns_wire::type_name(qtype);
    let (shown, https) = match &data {
        Some(dns_wire::RData::Aaaa(a)) => (Some(a.to_string()), None),
        Some(dns_wire::RData::Https(r)) => (Some(r.to_string()), Some(r.clone())),
        _ => (None, None),
    };
    if let Some(data) = data {
        m.answers.push(dns_wire::Record {
            name: name.to_string(),
            rtype: qtype,
            class: dns_wire::CLASS_IN,
            ttl: ttl_s,
            data,
        });
    }
    let (bytes, wire) = wire_of(&m);
    let step = match (qtype, recursion) {
        (dns_wire::rtype::AAAA, true) => steps::DNS_ANSWER,
        (dns_wire::rtype::AAAA, false) => steps::DNS_RESPONSE_AUTHORITATIVE,
        _ => steps::DNS_ANSWER_HTTPS,
    };
    let (summary, spec) = match (&shown, qtype) {
        (None, _) => (format!("no {kind} record for {name}"), ""),
        (Some(v), dns_wire::rtype::AAAA) => {
            (format!("{name} AAAA {v} (TTL {ttl_s} s)"), "RFC 3596 §2.2")
        }
        (Some(v), _) => (format!("{name} {kind} {v}"), "RFC 9460 §2.1"),
    };
    let mut e = Event::new(t, from, step, summary);
    if let Some(v) = &shown {
        e = e.field_spec("answer", format!("{name}. {ttl_s} IN {kind} {v}"), spec);
    }
    if let Some(r) = https {
        e = e.field("alpn", r.alpns().join(", "));
        for p in &r.params {
            e = e.field(crate::model::svcb::key_name(p.key()), p.to_string());
        }
    }
    with_wire(e.message(to, arrives, bytes), wire)
}

/// The stable IPv6 address wirewalk gives a host: in the documentation prefix 2001:db8::/32
/// (RFC 3849), its last 16 bits the IPv4 address's last octet.
pub fn address6_of(host: &str) -> std::net::Ipv6Addr {
    let last = address_of(host).octets()[3];
    std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(last))
}

fn remember_browser(caches: &mut Caches, host: &str, a: Ipv4Addr, now: Instant) {
    caches.browser.retain(|(h, _, _)| h != host);
    caches.browser.push((
        host.to_string(),
        a,
        now + Duration::from_secs(u64::from(BROWSER_CACHE_TTL_S)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(host: &str, exists: bool) -> Ask<'_> {
        Ask {
            host,
            exists,
            ttl_s: 300,
            ids: [0x1234, 2, 3, 4],
            builtin: None,
            aaaa: None,
        }
    }

    /// The built-in client: the browser asks for A and HTTPS together, skips the OS cache,
    /// and keeps the answer for its TTL (300 s here, above the 60 s floor); both answers
    /// arrive at once, and a name that does not exist has no HTTPS answer.
    #[test]
    fn the_builtin_client_asks_for_the_https_record_too() {
        let record = crate::model::svcb::Https {
            priority: 1,
            target: String::new(),
            params: vec![crate::model::svcb::Param::Alpn(vec!["h3".into()])],
        };
        let builtin = Builtin {
            name: "www.example.com",
            https: Some(&record),
            ids: [7, 8],
        };
        for exists in [true, false] {
            let mut c = Caches::default();
            let l = lookup(
                Instant::ZERO,
                Ask {
                    builtin: Some(builtin),
                    ..ask("www.example.com", exists)
                },
                &mut c,
                &DnsLatency::default(),
                Duration::from_millis(120),
            );
            let steps: Vec<&str> = l.events.iter().map(|e| e.step.as_str()).collect();
            let https = steps.iter().filter(|s| s.ends_with("https")).count();
            assert_eq!(https, if exists { 4 } else { 0 }, "{steps:?}");
            assert!(l.events.iter().all(|e| e.actor != Actor::Os), "{steps:?}");
            assert_eq!(l.https.is_some(), exists);
            assert!(c.os.is_empty());
            if exists {
                let last = |step| l.events.iter().rfind(|e| e.step == step).map(Event::end);
                assert_eq!(last(steps::DNS_ANSWER), Some(l.end));
                assert_eq!(last(steps::DNS_ANSWER_HTTPS), Some(l.end));
                assert_eq!(c.browser[0].2, l.end + Duration::from_secs(300));
            }
        }
    }

    fn run(state: DnsState, exists: bool) -> Lookup {
        let mut c = Caches::for_state(state, "www.example.com");
        lookup(
            Instant::ZERO,
            ask("www.example.com", exists),
            &mut c,
            &DnsLatency::default(),
            Duration::from_millis(120),
        )
    }

    /// A lookup of a name that exists, with the default latencies and a 50 ms site round trip.
    fn look(at: Instant, host: &str, c: &mut Caches) -> Lookup {
        lookup(
            at,
            ask(host, true),
            c,
            &DnsLatency::default(),
            Duration::from_millis(50),
        )
    }

    fn ids(l: &Lookup) -> Vec<&'static str> {
        l.events.iter().map(|e| e.step.as_str()).collect()
    }

    #[test]
    fn cold_walks_from_the_root() {
        let l = run(DnsState::Cold, true);
        assert_eq!(
            ids(&l),
            [
                "dns.browser_cache",
                "dns.os_cache",
                "dns.query.resolver",
                "dns.query.root",
                "dns.referral.root",
                "dns.query.tld",
                "dns.referral.tld",
                "dns.query.authoritative",
                "dns.response.authoritative",
                "dns.answer"
            ]
        );
        // resolver 23 + root 23 + tld 23 + authoritative 120
        assert_eq!(
            l.end.since(l.start),
            Duration::from_millis(23 + 23 + 23 + 120)
        );
        assert_eq!(l.answer, Answer::Address(address_of("www.example.com")));
    }

    #[test]
    fn caches_cut_the_walk_short() {
        let l = run(DnsState::ResolverCached, true);
        assert_eq!(
            ids(&l),
            [
                "dns.browser_cache",
                "dns.os_cache",
                "dns.query.resolver",
                "dns.answer"
            ]
        );
        assert_eq!(l.end.since(l.start), Duration::from_millis(23));
        let l = run(DnsState::OsCached, true);
        assert_eq!(l.end, l.start);
        assert_eq!(l.source, "OS cache");
        let l = run(DnsState::BrowserCached, true);
        assert_eq!(ids(&l), ["dns.browser_cache"]);
    }

    #[test]
    fn a_second_lookup_hits_the_browser_cache() {
        let mut c = Caches::for_state(DnsState::Cold, "a.test");
        let first = look(Instant::ZERO, "a.test", &mut c);
        let second = look(first.end, "a.test", &mut c);
        assert_eq!(second.source, "browser host cache");
        // ... until Chromium's 60 s are over; then the OS cache still has it.
        let later = look(first.end + Duration::from_secs(61), "a.test", &mut c);
        assert_eq!(later.source, "OS cache");
    }

    /// The stub's query and the answer it gets are RFC 1035 messages: the same ID, the answer's
    /// flags and record, and each flight as long as its message plus the IP and UDP headers.
    #[test]
    fn the_messages_have_their_bytes() {
        let l = run(DnsState::Cold, true);
        let wire = |step: &str| {
            let e = l.events.iter().find(|e| e.step.as_str() == step).unwrap();
            let w = e.wire.clone().expect("bytes");
            assert_eq!(e.flight.as_ref().unwrap().bytes, w.bytes.len() as u64 + 28);
            dns_wire::decode(&w.bytes).unwrap()
        };
        let q = wire("dns.query.resolver");
        assert_eq!((q.id, q.flags.rd, q.flags.qr), (0x1234, true, false));
        assert_eq!(q.questions[0].name, "www.example.com");
        let a = wire("dns.answer");
        assert_eq!(
            (a.id, a.flags.qr, a.flags.ra, a.flags.rcode),
            (0x1234, true, true, 0)
        );
        assert_eq!(
            a.answers[0].data,
            dns_wire::RData::A(address_of("www.example.com"))
        );
        assert_eq!(a.answers[0].ttl, 300);
        let root = wire("dns.query.root");
        assert_eq!((root.id, root.flags.rd), (2, false));
        assert!(wire("dns.response.authoritative").flags.aa);
        // The answer's owner name points back at the question (offset 12).
        let e = l
            .events
            .iter()
            .find(|e| e.step.as_str() == "dns.answer")
            .unwrap();
        let w = e.wire.as_ref().unwrap();
        let owner = w
            .fields
            .iter()
            .find(|f| f.name == "answer[0].name")
            .unwrap();
        assert_eq!(&w.bytes[owner.start..owner.end], &[0xc0, 0x0c]);
        // NXDOMAIN: rcode 3 and the zone's SOA in the authority section.
        let l = run(DnsState::Cold, false);
        let e = l
            .events
            .iter()
            .find(|e| e.step.as_str() == "dns.answer")
            .unwrap();
        let n = dns_wire::decode(&e.wire.as_ref().unwrap().bytes).unwrap();
        assert_eq!((n.flags.rcode, n.answers.len()), (3, 0));
        assert_eq!(n.authority[0].rtype, dns_wire::rtype::SOA);
        assert_eq!(n.authority[0].name, "example.com");
    }

    #[test]
    fn nxdomain_is_a_failure_event() {
        let l = run(DnsState::Nxdomain, false);
        assert_eq!(l.answer, Answer::NxDomain);
        assert_eq!(ids(&l).last(), Some(&"dns.nxdomain"));
    }

    #[test]
    fn localhost_is_in_the_hosts_file() {
        let mut c = Caches::default();
        let l = look(Instant::ZERO, "localhost", &mut c);
        assert_eq!(l.answer, Answer::Address(Ipv4Addr::LOCALHOST));
        assert_eq!(
            zones("www.example.com"),
            ("com".to_string(), "example.com".to_string())
        );
    }
}
