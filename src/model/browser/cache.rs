//! The browser's private HTTP cache: RFC 9111 as Chromium applies it.
//!
//! Freshness is computed in Chromium's order (`net/http/http_response_headers.cc`,
//! `GetFreshnessLifetimes`): `no-cache`, `no-store` or `Pragma: no-cache` force validation;
//! then `max-age` (a private cache ignores `s-maxage`); then `Expires` minus `Date`; then, for
//! 200, 203 and 206 without `must-revalidate`, the heuristic of 10% of the time since
//! `Last-Modified` (no upper cap in Chromium); 300, 301, 308 and 410 are fresh forever; anything
//! else has no freshness. The age is RFC 9111 §4.2.3's `current_age`. A stale entry, or one that
//! must be validated, is revalidated with `If-None-Match` (its ETag) and `If-Modified-Since` (its
//! Last-Modified), as Chromium's `ConditionalizeRequest` does, for stored 200 and 206 responses.
//!
//! One exchange in two halves, so an event-driven engine can put the network between them:
//! [`Cache::plan`] decides before any network (a hit to serve, or the request to forward, made
//! conditional when revalidating, with why), and [`Cache::complete`] takes the origin's answer
//! (a 304 freshens the stored headers and serves the stored body, §3.2 and §4.3.4; what may be
//! stored is decided by §3; an unsafe method's success invalidates, §4.4). Request directives and
//! fetch's cache modes are honoured (§5.2.1); stored responses are selected by URL and `Vary`
//! (§4.1); a response served from the cache carries `Age` (§5.1). [`Cache::fetch`] runs both
//! halves around a synchronous origin: the HTTP cache-tests suite drives it
//! (`tests/it/cache_tests.rs`), and the journey calls the same two halves.
//!
//! Times are seconds since the Unix epoch (HTTP dates have one-second resolution).
//!
//! Left out: `stale-if-error` serving, range requests and 206
//! merging, cache partitioning by top-level site (one site here), and heuristic freshness for
//! statuses other than Chromium's three.

use crate::model::http_date;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Text that is usually a constant (a header's name, a fixed value): borrowed when it is, so a
/// page's thousands of requests do not copy `User-Agent` and its value each time.
pub type Text = Cow<'static, str>;

/// Header fields in order, names compared case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Headers(pub Vec<(Text, Text)>);

impl Headers {
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    pub fn with(mut self, name: impl Into<Text>, value: impl Into<Text>) -> Headers {
        self.0.push((name.into(), value.into()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All values of a field joined with ", " (RFC 9110 §5.3), or `None`.
    pub fn combined(&self, name: &str) -> Option<String> {
        let v: Vec<&str> = self
            .0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
            .collect();
        (!v.is_empty()).then(|| v.join(", "))
    }

    /// Replaces every field of that name with one value.
    pub fn set(&mut self, name: impl Into<Text>, value: impl Into<Text>) {
        let name = name.into();
        self.remove(&name);
        self.0.push((name, value.into()));
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Bytes as HTTP/1.1 writes them: `Name: value\r\n` each.
    pub fn wire_len(&self) -> u64 {
        self.0
            .iter()
            .map(|(n, v)| (n.len() + 2 + v.len() + 2) as u64)
            .sum()
    }
}

/// The Cache-Control directives this model reads (RFC 9111 §5.2), of a request or a response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheControl {
    pub no_store: bool,
    pub no_cache: bool,
    pub must_revalidate: bool,
    pub max_age: Option<u64>,
    pub private: bool,
    pub public: bool,
    pub immutable: bool,
    /// Request only: accept a response stale by up to this much (`Some(MAX)` for no limit).
    pub max_stale: Option<u64>,
    /// Request only: the response must stay fresh at least this much longer.
    pub min_fresh: Option<u64>,
    pub only_if_cached: bool,
    /// Response only (RFC 5861): may be served stale this long while it is revalidated.
    pub stale_while_revalidate: Option<u64>,
}

/// delta-seconds (RFC 9111 §1.2.2): digits only; too large means 2^31.
fn delta_seconds(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        v.parse::<u64>()
            .map_or(MAX_DELTA as u64, |n| n.min(MAX_DELTA as u64)),
    )
}

impl CacheControl {
    /// Parses every Cache-Control field. Unknown directives are ignored; for a repeated
    /// directive the first occurrence is used (RFC 9111 §4.2.1); a max-age whose value is not
    /// delta-seconds makes the response stale (`Some(0)`), as the same section allows.
    pub fn parse(h: &Headers) -> CacheControl {
        let mut cc = CacheControl::default();
        let Some(all) = h.combined("cache-control") else {
            return cc;
        };
        for d in all.split(',') {
            let (name, value) = match d.split_once('=') {
                Some((n, v)) => (n.trim().to_ascii_lowercase(), Some(v.trim())),
                None => (d.trim().to_ascii_lowercase(), None),
            };
            // A quoted value is accepted (RFC 9111 §5.2: recipients should accept both forms).
            let value = value.map(|v| {
                v.strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v)
            });
            match name.as_str() {
                "no-store" => cc.no_store = true,
                "no-cache" => cc.no_cache = true,
                "must-revalidate" => cc.must_revalidate = true,
                "private" => cc.private = true,
                "public" => cc.public = true,
                "immutable" => cc.immutable = true,
                "only-if-cached" => cc.only_if_cached = true,
                "max-age" if cc.max_age.is_none() => {
                    cc.max_age = Some(value.and_then(delta_seconds).unwrap_or(0));
                }
                "max-stale" if cc.max_stale.is_none() => {
                    cc.max_stale = Some(value.map_or(Some(u64::MAX), delta_seconds).unwrap_or(0));
                }
                "min-fresh" if cc.min_fresh.is_none() => {
                    cc.min_fresh = value.and_then(delta_seconds)
                }
                "stale-while-revalidate" if cc.stale_while_revalidate.is_none() => {
                    cc.stale_while_revalidate = value.and_then(delta_seconds);
                }
                _ => {}
            }
        }
        cc
    }
}

/// A stored response and the times the exchange happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub status: u16,
    pub headers: Headers,
    pub body_bytes: u64,
    /// When the request was sent and the response received, seconds since the epoch.
    pub request_time: i64,
    pub response_time: i64,
}

/// How long a stored response stays fresh, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// Seconds; `u64::MAX` for "forever".
    pub lifetime_s: u64,
    /// Where the lifetime came from, in words (`max-age=3600`).
    pub source: String,
    /// `no-cache` (or similar): must be revalidated before every use, whatever its age.
    pub must_validate: bool,
}

/// The response's Date, or when it was received if Date is missing or invalid (§4.2.3).
fn date_of(stored: &Stored) -> i64 {
    stored
        .headers
        .get("date")
        .and_then(http_date::parse)
        .unwrap_or(stored.response_time)
}

/// Chromium's `GetFreshnessLifetimes`, step by step.
pub fn freshness(stored: &Stored) -> Freshness {
    let h = &stored.headers;
    let cc = CacheControl::parse(h);
    let pragma_no_cache = h
        .combined("pragma")
        .is_some_and(|p| p.to_ascii_lowercase().contains("no-cache"));
    if cc.no_cache || cc.no_store || pragma_no_cache {
        return Freshness {
            lifetime_s: 0,
            source: "Cache-Control: no-cache: must be revalidated before every use".into(),
            must_validate: true,
        };
    }
    if let Some(max_age) = cc.max_age {
        return Freshness {
            lifetime_s: max_age,
            source: format!("Cache-Control: max-age={max_age}"),
            must_validate: false,
        };
    }
    let date = date_of(stored);
    if let Some(expires) = h.get("expires") {
        // RFC 9111 §5.3: an invalid date (such as "0"), or more than one Expires field, means
        // already expired.
        let single =
            h.0.iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("expires"))
                .count()
                == 1;
        let lifetime = http_date::parse(expires)
            .filter(|_| single)
            .map_or(0, |e| (e - date).max(0) as u64);
        return Freshness {
            lifetime_s: lifetime,
            source: format!("Expires − Date = {lifetime} s"),
            must_validate: false,
        };
    }
    let heuristic_status = matches!(stored.status, 200 | 203 | 206);
    if heuristic_status && !cc.must_revalidate {
        if let Some(lm) = h.get("last-modified").and_then(http_date::parse) {
            if lm <= date {
                // RFC 9111 §4.2.2 suggests 10%; Chromium uses exactly that, uncapped.
                let lifetime = ((date - lm) / 10) as u64;
                return Freshness {
                    lifetime_s: lifetime,
                    source: format!(
                        "heuristic: 10% of Date − Last-Modified ({} s) = {lifetime} s",
                        date - lm
                    ),
                    must_validate: false,
                };
            }
        }
    }
    if matches!(stored.status, 300 | 301 | 308 | 410) {
        return Freshness {
            lifetime_s: u64::MAX,
            source: format!("status {}: cacheable without limit", stored.status),
            must_validate: false,
        };
    }
    Freshness {
        lifetime_s: 0,
        source: "no freshness information".into(),
        must_validate: false,
    }
}

/// RFC 9111 §5.1: the first member of Age; digits only (otherwise ignored); values of 2^31 or
/// more are taken as 2^31.
pub fn age_header(h: &Headers) -> Option<i64> {
    let v = h.combined("age")?;
    let first = v.split(',').next()?.trim();
    delta_seconds(first).map(|n| n as i64)
}

/// RFC 9111 §1.2.2: delta-seconds too large to hold are 2^31.
const MAX_DELTA: i64 = 2_147_483_648;

/// RFC 9111 §4.2.3: the age of a stored response at `now`.
pub fn current_age(stored: &Stored, now: i64) -> u64 {
    let date = date_of(stored);
    let age_value = age_header(&stored.headers).unwrap_or(0);
    let apparent_age = (stored.response_time - date).max(0);
    let response_delay = (stored.response_time - stored.request_time).max(0);
    let corrected_age_value = age_value.saturating_add(response_delay);
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = (now - stored.response_time).max(0);
    corrected_initial_age.saturating_add(resident_time) as u64
}

/// A request as the cache sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub method: Cow<'static, str>,
    /// Shared with the pending exchange, whose key it is when it has no fragment.
    pub url: Rc<str>,
    pub headers: Headers,
    pub mode: Mode,
}

/// The Fetch standard's request cache mode (Fetch §2.2.5, `RequestCache`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Default,
    NoStore,
    Reload,
    NoCache,
    ForceCache,
    OnlyIfCached,
}

impl Mode {
    /// The mode a `fetch()` names (`"no-store"`, …); `None` for a value Fetch does not define.
    pub fn parse(text: &str) -> Option<Mode> {
        Some(match text {
            "default" => Mode::Default,
            "no-store" => Mode::NoStore,
            "reload" => Mode::Reload,
            "no-cache" => Mode::NoCache,
            "force-cache" => Mode::ForceCache,
            "only-if-cached" => Mode::OnlyIfCached,
            _ => return None,
        })
    }
}

/// A response from the origin, with its body as bytes (the cache-tests' bodies), or only its
/// size (`length`, the simulated bodies of the model, which carry no bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
    /// The body's size when `body` is not kept: a simulated response.
    pub length: Option<u64>,
}

impl Response {
    pub fn body_bytes(&self) -> u64 {
        self.length.unwrap_or(self.body.len() as u64)
    }
}

/// Why a request goes to the network, as [`Cache::plan`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    /// Nothing stored for the URL (or nothing its Vary selects).
    NotStored,
    /// The request's cache mode or directives bypass the cache (no-store, reload).
    Bypassed,
    /// Stored but stale (or marked no-cache), with no validator: fetched again in full.
    StaleNoValidator { age_s: u64, freshness: Freshness },
    /// Stored but must be checked with the origin: the forwarded request carries
    /// `conditional` (RFC 9111 §4.3.1).
    Revalidate {
        age_s: u64,
        freshness: Freshness,
        conditional: Headers,
    },
    /// An unsafe method: it passes through and may invalidate (§4.4).
    Unsafe,
}

/// A request on its way to the origin, and what the cache needs to take the answer.
#[derive(Clone, Debug)]
pub struct Pending {
    /// What the cache adds to the request on its way to the origin ([`Pending::forward`]).
    added: Headers,
    pub why: Miss,
    key: Rc<str>,
    req: Request,
    validating: Option<Entry>,
    /// The answer may be stored.
    store: bool,
    /// A stale-while-revalidate check: the page already has the stored response.
    background: bool,
}

impl Pending {
    /// What goes to the origin: the request, with the fields the cache adds (validators when
    /// revalidating, the cache mode's fields) after its own.
    pub fn forward(&self) -> Request {
        let mut r = self.req.clone();
        r.headers.0.extend(self.added.0.iter().cloned());
        r
    }

    /// Whether the request on its way to the origin has a field called `name`.
    fn forwards(&self, req: &Request, name: &str) -> bool {
        req.headers.has(name) || self.added.has(name)
    }
}

/// What [`Cache::plan`] decided before any network.
#[derive(Clone, Debug)]
pub enum Plan {
    /// Served from the cache, without the network.
    Hit {
        response: Response,
        age_s: u64,
        freshness: Freshness,
    },
    /// Stale but inside its stale-while-revalidate window: served now, and `background` goes
    /// to the origin to refresh the entry.
    HitRevalidate {
        response: Response,
        age_s: u64,
        freshness: Freshness,
        background: Pending,
    },
    /// Nothing to serve and not allowed to ask (only-if-cached): a network error.
    Error(Response),
    /// To the network.
    Network(Pending),
}

/// What [`Cache::complete`] did with the origin's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// A 304: the stored response was freshened and served.
    Freshened(Freshness),
    Stored(Freshness),
    /// `Cache-Control: no-store`: nothing kept, and any stored copy dropped.
    NoStore,
    NotCacheable(&'static str),
    /// An unsafe method's success removed the stored responses of its URL.
    Invalidated,
    /// The request may not be stored (no-store request, not GET), or the exchange failed.
    Nothing,
}

/// Where a response handed to the page came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// From the cache, without contacting the origin.
    Cache,
    /// The origin answered 304 and the stored response was used.
    Validated,
    /// The origin's response, as it came.
    Network,
    /// Neither: the network failed, or only-if-cached found nothing.
    Error,
}

/// One stored response with the request headers its Vary names select on.
#[derive(Clone, Debug)]
struct Entry {
    stored: Stored,
    body: Vec<u8>,
    request_headers: Headers,
}

/// The cache: URL (without fragment) → stored responses, newest last.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    entries: Entries,
}

/// The stored responses by URL. A page load stores one URL per request, thousands of them, so
/// a key is found through a `BTreeMap<String, usize>` (O(log n), the one text-keyed map
/// instantiation the model shares, see [`crate::model::sorted`]) into a list that only grows; a
/// removed URL keeps its slot, empty.
#[derive(Clone, Debug, Default)]
struct Entries {
    index: BTreeMap<String, usize>,
    lists: Vec<Vec<Entry>>,
}

impl Entries {
    fn get(&self, key: &str) -> Option<&Vec<Entry>> {
        self.index.get(key).and_then(|&i| self.lists.get(i))
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Vec<Entry>> {
        let i = *self.index.get(key)?;
        self.lists.get_mut(i)
    }

    /// The list for `key`, made empty when missing.
    fn entry(&mut self, key: &str) -> &mut Vec<Entry> {
        let next = self.lists.len();
        let i = *self.index.entry(key.to_string()).or_insert(next);
        if i == next {
            self.lists.push(Vec::new());
        }
        &mut self.lists[i]
    }

    fn insert(&mut self, key: String, list: Vec<Entry>) {
        *self.entry(&key) = list;
    }

    fn remove(&mut self, key: &str) {
        if let Some(list) = self.get_mut(key) {
            list.clear();
        }
    }
}

/// Hop-by-hop fields and Content-Length are not taken from a 304 (RFC 9111 §3.2, §3.1).
fn keeps_from_304(name: &str) -> bool {
    !is_hop_by_hop(name) && !name.eq_ignore_ascii_case("content-length")
}

/// RFC 9110 §7.6.1's connection-specific fields (and the old Proxy-Connection).
fn is_hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "te",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// RFC 9111 §4.1: the request headers named by the stored Vary match the new request's.
fn vary_matches(stored: &Headers, stored_req: &Headers, req: &Headers) -> bool {
    let Some(vary) = stored.combined("vary") else {
        return true;
    };
    vary.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .all(|name| {
            name != "*" && normalise(stored_req.combined(name)) == normalise(req.combined(name))
        })
}

fn normalise(v: Option<String>) -> Option<String> {
    v.map(|v| {
        v.split(',')
            .map(|p| p.trim().to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn is_unsafe(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

impl Cache {
    pub fn insert(&mut self, key: &str, stored: Stored) {
        self.entries.insert(
            key.to_string(),
            vec![Entry {
                stored,
                body: Vec::new(),
                request_headers: Headers::new(),
            }],
        );
    }

    pub fn get(&self, key: &str) -> Option<&Stored> {
        self.entries
            .get(key)
            .and_then(|v| v.last())
            .map(|e| &e.stored)
    }

    fn store_entry(
        &mut self,
        key: &str,
        stored: Stored,
        body: Vec<u8>,
        request_headers: Headers,
    ) -> Kept {
        let cc = CacheControl::parse(&stored.headers);
        if cc.no_store {
            self.entries.remove(key);
            return Kept::NoStore;
        }
        // §3: the status must be final and understood; without explicit freshness only the
        // heuristically cacheable statuses (RFC 9110 §15.1) may be stored.
        let understood = matches!(stored.status, 200..=206 | 300..=308 | 400..=417 | 421..=429 | 431 | 451 | 500..=505 | 511);
        let explicit = cc.max_age.is_some() || stored.headers.has("expires") || cc.public;
        let heuristic = matches!(
            stored.status,
            200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
        );
        if !understood || (!explicit && !heuristic) {
            return Kept::NotCacheable(
                "the status is not cacheable by default and no explicit lifetime was given",
            );
        }
        // §3.1: the Connection field, the fields it names and the other hop-by-hop fields are
        // not stored.
        let mut stored = stored;
        let named = stored.headers.combined("connection").unwrap_or_default();
        stored.headers.0.retain(|(n, _)| {
            !is_hop_by_hop(n)
                && !named
                    .split(',')
                    .any(|x| !x.trim().is_empty() && x.trim().eq_ignore_ascii_case(n))
        });
        let f = freshness(&stored);
        let list = self.entries.entry(key);
        // A new response replaces the stored one it would be selected with (same Vary key).
        list.retain(|e| !vary_matches(&stored.headers, &request_headers, &e.request_headers));
        list.push(Entry {
            stored,
            body,
            request_headers,
        });
        Kept::Stored(f)
    }

    /// The first half of the exchange for one request at `now`, before any network: a hit to
    /// serve, or the request to forward (conditional when revalidating) with why. The engine
    /// and the HTTP cache-tests both go through this and [`Cache::complete`].
    pub fn plan(&self, req: Request, now: i64) -> Plan {
        let mut plan = self.plan_for(&req, now);
        // The request itself goes with what is pending, moved rather than copied.
        if let Plan::Network(p) | Plan::HitRevalidate { background: p, .. } = &mut plan {
            p.req = req;
        }
        plan
    }

    /// [`Cache::plan`], with the request to be put in what is pending.
    fn plan_for(&self, req: &Request, now: i64) -> Plan {
        // §2: the cache key is the URL without its fragment.
        let key = match req.url.split_once('#') {
            Some((url, _)) => Rc::from(url),
            None => Rc::clone(&req.url),
        };
        let mut pending = Pending {
            added: Headers::new(),
            why: Miss::NotStored,
            key,
            req: Request::default(),
            validating: None,
            store: false,
            background: false,
        };
        if is_unsafe(&req.method) {
            // §4.4: an unsafe request passes through; a non-error answer invalidates the URL.
            pending.why = Miss::Unsafe;
            return Plan::Network(pending);
        }
        let rcc = CacheControl::parse(&req.headers);
        let pragma = !req.headers.has("cache-control")
            && req
                .headers
                .combined("pragma")
                .is_some_and(|p| p.to_ascii_lowercase().contains("no-cache"));
        let mode = req.mode;
        let bypass = matches!(mode, Mode::NoStore | Mode::Reload) || rcc.no_store;
        let must_validate = mode == Mode::NoCache || rcc.no_cache || pragma;
        pending.store = req.method == "GET" && !rcc.no_store && mode != Mode::NoStore;
        let entry = if bypass {
            None
        } else {
            self.entries
                .get(&pending.key)
                .and_then(|list| {
                    list.iter()
                        .rev()
                        .find(|e| vary_matches(&e.stored.headers, &e.request_headers, &req.headers))
                })
                .cloned()
        };
        if bypass {
            pending.why = Miss::Bypassed;
        }
        if let Some(e) = &entry {
            let f = freshness(&e.stored);
            let age = current_age(&e.stored, now);
            let fresh_enough = !f.must_validate && !must_validate && {
                let lifetime = f.lifetime_s;
                let age_ok = rcc.max_age.is_none_or(|m| age <= m);
                let min_fresh_ok = rcc
                    .min_fresh
                    .is_none_or(|m| lifetime.saturating_sub(age) >= m);
                let fresh = lifetime > age;
                let stale_ok = rcc
                    .max_stale
                    .is_some_and(|s| age.saturating_sub(lifetime) <= s)
                    && !CacheControl::parse(&e.stored.headers).must_revalidate;
                (fresh || stale_ok) && age_ok && min_fresh_ok
            };
            if fresh_enough || matches!(mode, Mode::ForceCache | Mode::OnlyIfCached) {
                return Plan::Hit {
                    response: served(e, age, req),
                    age_s: age,
                    freshness: f,
                };
            }
            // RFC 5861 §3 (Chromium: VALIDATION_ASYNCHRONOUS): stale, but inside the
            // stale-while-revalidate window: serve it now and revalidate in the background.
            let scc = CacheControl::parse(&e.stored.headers);
            let swr_ok = !f.must_validate
                && !must_validate
                && !scc.must_revalidate
                && scc
                    .stale_while_revalidate
                    .is_some_and(|w| age < f.lifetime_s.saturating_add(w));
            if swr_ok {
                let conditional = conditional_headers(&e.stored);
                pending.added.0.extend(conditional.0.iter().cloned());
                pending.why = Miss::Revalidate {
                    age_s: age,
                    freshness: f.clone(),
                    conditional,
                };
                pending.validating = Some(e.clone());
                pending.background = true;
                return Plan::HitRevalidate {
                    response: served(e, age, req),
                    age_s: age,
                    freshness: f,
                    background: pending,
                };
            }
        } else if mode == Mode::OnlyIfCached || rcc.only_if_cached {
            return Plan::Error(gateway_error());
        }
        // To the network, conditionally when there is a stored 200 or 206 with validators.
        // Fetch §4.5 (HTTP-network-or-cache fetch): the cache mode shows in the request.
        if mode == Mode::NoCache && !pending.forwards(req, "cache-control") {
            pending.added = std::mem::take(&mut pending.added).with("Cache-Control", "max-age=0");
        }
        if matches!(mode, Mode::NoStore | Mode::Reload) && !pending.forwards(req, "cache-control") {
            if !pending.forwards(req, "pragma") {
                pending.added = std::mem::take(&mut pending.added).with("Pragma", "no-cache");
            }
            pending.added = std::mem::take(&mut pending.added).with("Cache-Control", "no-cache");
        }
        if let Some(e) = entry.filter(|_| !bypass) {
            let f = freshness(&e.stored);
            let age = current_age(&e.stored, now);
            let conditional = conditional_headers(&e.stored);
            for (n, v) in &conditional.0 {
                if !pending.forwards(req, n) {
                    pending.added.0.push((n.clone(), v.clone()));
                }
            }
            pending.why = if conditional.0.is_empty() {
                Miss::StaleNoValidator {
                    age_s: age,
                    freshness: f,
                }
            } else {
                Miss::Revalidate {
                    age_s: age,
                    freshness: f,
                    conditional,
                }
            };
            pending.validating = Some(e);
        }
        Plan::Network(pending)
    }

    /// The second half: the origin's answer (`None` when the connection failed) to a planned
    /// request, received between `request_time` and `response_time`. A 304 to a conditional
    /// request freshens the stored response and serves it (§4.3.4); another answer is stored
    /// when it may be (§3); an unsafe method's success invalidates (§4.4).
    pub fn complete(
        &mut self,
        p: Pending,
        resp: Option<Response>,
        request_time: i64,
        response_time: i64,
    ) -> (Response, Source, Kept) {
        let Some(resp) = resp else {
            return (gateway_error(), Source::Error, Kept::Nothing);
        };
        if p.why == Miss::Unsafe {
            if !(200..400).contains(&resp.status) {
                return (resp, Source::Network, Kept::Nothing);
            }
            self.entries.remove(&p.key);
            for h in ["location", "content-location"] {
                if let Some(loc) = resp.headers.get(h) {
                    self.entries.remove(&resolve_same_origin(&p.key, loc));
                }
            }
            return (resp, Source::Network, Kept::Invalidated);
        }
        let times = (request_time, response_time);
        if let (Some(e), true) = (&p.validating, resp.status == 304 || p.background) {
            let conditional = matches!(p.why, Miss::Revalidate { .. });
            if resp.status == 304 && conditional {
                let updated = self.absorb(&p.key, e, &resp, &p.req, times);
                let age = current_age(&updated.stored, response_time);
                let f = freshness(&updated.stored);
                return (
                    served(&updated, age, &p.req),
                    Source::Validated,
                    Kept::Freshened(f),
                );
            }
            if p.background {
                self.absorb(&p.key, e, &resp, &p.req, times);
                return (resp, Source::Network, Kept::Nothing);
            }
        }
        let kept = if p.store {
            self.store_response(&p.key, &resp, &p.req, times)
        } else {
            Kept::Nothing
        };
        (resp, Source::Network, kept)
    }

    /// The whole exchange for one request at `now`: [`Cache::plan`], the origin when the
    /// network is needed (`None` when the connection fails), then [`Cache::complete`].
    pub fn fetch(
        &mut self,
        req: &Request,
        now: i64,
        origin: &mut dyn FnMut(&Request) -> Option<Response>,
    ) -> (Response, Source) {
        match self.plan(req.clone(), now) {
            Plan::Hit { response, .. } => (response, Source::Cache),
            Plan::Error(r) => (r, Source::Error),
            Plan::HitRevalidate {
                response,
                background,
                ..
            } => {
                let answer = origin(&background.forward());
                if answer.is_some() {
                    self.complete(background, answer, now, now);
                }
                (response, Source::Cache)
            }
            Plan::Network(p) => {
                let answer = origin(&p.forward());
                let (resp, source, _) = self.complete(p, answer, now, now);
                (resp, source)
            }
        }
    }

    /// Takes the answer to a revalidation: a 304 freshens the stored response `e` (§4.3.4), any
    /// other response replaces it when it may be stored. Returns the entry now in effect.
    fn absorb(
        &mut self,
        key: &str,
        e: &Entry,
        resp: &Response,
        req: &Request,
        (request_time, response_time): (i64, i64),
    ) -> Entry {
        if resp.status != 304 {
            self.store_response(key, resp, req, (request_time, response_time));
            return e.clone();
        }
        let mut updated = e.clone();
        update_headers(&mut updated.stored.headers, &resp.headers);
        updated.stored.request_time = request_time;
        updated.stored.response_time = response_time;
        if let Some(list) = self.entries.get_mut(key) {
            for x in list.iter_mut() {
                if x.request_headers == e.request_headers && x.stored == e.stored {
                    *x = updated.clone();
                }
            }
        }
        updated
    }

    fn store_response(
        &mut self,
        key: &str,
        resp: &Response,
        req: &Request,
        (request_time, response_time): (i64, i64),
    ) -> Kept {
        let stored = Stored {
            status: resp.status,
            headers: resp.headers.clone(),
            body_bytes: resp.body_bytes(),
            request_time,
            response_time,
        };
        self.store_entry(
            key,
            stored,
            resp.body.clone(),
            Headers(req.headers.0.clone()),
        )
    }
}

/// §4.3.1 as Chromium does it: the first ETag and the first Last-Modified, only for 200 and
/// 206 responses.
fn conditional_headers(stored: &Stored) -> Headers {
    let mut c = Headers::new();
    if matches!(stored.status, 200 | 206) {
        if let Some(etag) = stored.headers.get("etag") {
            c = c.with("If-None-Match", etag.to_string());
        }
        if let Some(lm) = stored.headers.get("last-modified") {
            c = c.with("If-Modified-Since", lm.to_string());
        }
    }
    c
}

fn update_headers(stored: &mut Headers, from: &Headers) {
    let mut names: Vec<&str> = Vec::new();
    for (n, _) in &from.0 {
        if keeps_from_304(n) && !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
            names.push(n);
        }
    }
    for n in names {
        stored.remove(n);
        for (name, v) in from.0.iter().filter(|(x, _)| x.eq_ignore_ascii_case(n)) {
            stored.0.push((name.clone(), v.clone()));
        }
    }
}

/// The stored response as handed out, with `Age` (§5.1: replacing any stored value). A HEAD
/// request gets no body.
fn served(e: &Entry, age: u64, req: &Request) -> Response {
    let mut headers = e.stored.headers.clone();
    headers.set("Age", age.min(MAX_DELTA as u64).to_string());
    let head = req.method == "HEAD";
    Response {
        status: e.stored.status,
        headers,
        body: if head { Vec::new() } else { e.body.clone() },
        length: (!head && e.body.is_empty()).then_some(e.stored.body_bytes),
    }
}

fn gateway_error() -> Response {
    Response {
        status: 504,
        headers: Headers::new(),
        body: Vec::new(),
        length: None,
    }
}

/// A Location or Content-Location relative to `base`, as a cache key; other origins are not
/// invalidated (§4.4), which the key comparison achieves by never matching.
fn resolve_same_origin(base: &str, loc: &str) -> String {
    match (
        url::Url::parse(base),
        url::Url::parse(base).and_then(|b| b.join(loc)),
    ) {
        (Ok(b), Ok(u)) if b.origin() == u.origin() => {
            u.as_str().split('#').next().unwrap_or("").to_string()
        }
        _ => String::new(),
    }
}

/// The cache's part of the trace: the events the journey and the page engine both show.
pub mod present {
    use super::{Freshness, Headers, Kept, Miss, Plan};
    use crate::model::step::steps;
    use crate::model::time::Instant;
    use crate::model::trace::{Actor, Detail, Event, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    /// A freshness lifetime as the inspector shows it.
    pub fn lifetime(s: u64) -> String {
        if s == u64::MAX {
            "unlimited".to_string()
        } else {
            format!("{s} s")
        }
    }

    /// The `cache.lookup` event: what the cache found for `key`, as the plan says.
    pub fn lookup(t: Instant, key: Rc<str>, plan: &Plan) -> Event {
        let found = |age_s: u64, f: &Freshness| Found::Entry {
            age_s,
            lifetime_s: f.lifetime_s,
            source: f.source.clone(),
        };
        let found = match plan {
            Plan::Hit {
                age_s, freshness, ..
            }
            | Plan::HitRevalidate {
                age_s, freshness, ..
            } => found(*age_s, freshness),
            Plan::Network(p) => match &p.why {
                Miss::Revalidate {
                    age_s, freshness, ..
                } => found(*age_s, freshness),
                Miss::StaleNoValidator { age_s, .. } => Found::StaleNoValidator { age_s: *age_s },
                Miss::NotStored | Miss::Bypassed | Miss::Unsafe => Found::Nothing,
            },
            Plan::Error(_) => Found::Nothing,
        };
        let lookup = Lookup { key, found };
        Event::described(t, Actor::Cache, steps::CACHE_LOOKUP, lookup)
    }

    /// What a lookup found.
    #[derive(Clone, Debug)]
    enum Found {
        Entry {
            age_s: u64,
            lifetime_s: u64,
            source: String,
        },
        StaleNoValidator {
            age_s: u64,
        },
        Nothing,
    }

    /// `cache.lookup`: the key and what is stored under it.
    #[derive(Clone, Debug)]
    struct Lookup {
        key: Rc<str>,
        found: Found,
    }

    impl Detail for Lookup {
        fn summary(&self) -> Cow<'static, str> {
            format!("look up {}", self.key).into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = vec![Field::new("key", &self.key)];
            match &self.found {
                Found::Entry {
                    age_s,
                    lifetime_s,
                    source,
                } => f.extend([
                    Field::note("entry", "found"),
                    Field::new("age", format_args!("{age_s} s")).spec("RFC 9111 §4.2.3"),
                    Field::new("freshness_lifetime", lifetime(*lifetime_s)).spec("RFC 9111 §4.2.1"),
                    Field::new("lifetime_from", source),
                ]),
                Found::StaleNoValidator { age_s } => f.extend([
                    Field::note("entry", "found, stale, no validator"),
                    Field::new("age", format_args!("{age_s} s")),
                ]),
                Found::Nothing => f.push(Field::note("entry", "none")),
            }
            f
        }
    }

    /// `cache.miss` for a URL with nothing stored, and why.
    #[derive(Clone, Debug)]
    struct NotStored {
        why: &'static str,
    }

    impl Detail for NotStored {
        fn summary(&self) -> Cow<'static, str> {
            format!("miss: {}", self.why).into()
        }

        fn fields(&self) -> Vec<Field> {
            Vec::new()
        }
    }

    /// `cache.store`: how long the response stays fresh, from what, and its validators.
    #[derive(Clone, Debug)]
    struct Stored {
        lifetime_s: u64,
        source: String,
        validators: String,
    }

    impl Detail for Stored {
        fn summary(&self) -> Cow<'static, str> {
            format!("stored: fresh for {}", lifetime(self.lifetime_s)).into()
        }

        fn fields(&self) -> Vec<Field> {
            vec![
                Field::new("lifetime_from", &self.source),
                Field::new("validators", &self.validators),
            ]
        }
    }

    /// A hit: served from the disk cache at `t`, no network for the page. `revalidate`: it was
    /// stale but inside its stale-while-revalidate window (RFC 5861 §3).
    pub fn hit(
        t: Instant,
        age_s: u64,
        freshness: &Freshness,
        response: &super::Response,
        revalidate: bool,
    ) -> Event {
        let summary = if revalidate {
            format!(
                "stale (age {age_s} s ≥ lifetime {}) but within stale-while-revalidate: served now, refreshed in the background",
                lifetime(freshness.lifetime_s)
            )
        } else {
            format!(
                "fresh: age {age_s} s < lifetime {}; no request to the server",
                lifetime(freshness.lifetime_s)
            )
        };
        Event::new(t, Actor::Cache, steps::CACHE_HIT, summary)
            .field("status", response.status)
            .field(
                "body",
                format!("{} bytes from the disk cache", response.body_bytes()),
            )
            .note("transferSize", "0 (Resource Timing: served locally)")
    }

    /// Why the request goes to the network: a revalidation with its validators, or a miss
    /// (`not_stored` says why nothing was stored).
    pub fn to_network(t: Instant, why: &Miss, not_stored: &'static str) -> Event {
        match why {
            Miss::Revalidate {
                age_s,
                freshness,
                conditional,
            } => {
                let why = if freshness.must_validate {
                    "the entry says no-cache".to_string()
                } else {
                    format!(
                        "stale: age {age_s} s ≥ lifetime {}",
                        lifetime(freshness.lifetime_s)
                    )
                };
                let mut e = Event::new(
                    t,
                    Actor::Cache,
                    steps::CACHE_REVALIDATE,
                    format!("{why}: ask the server with validators"),
                );
                for (n, v) in &conditional.0 {
                    e = e.field_spec(n.clone(), v, "RFC 9110 §13.1");
                }
                e
            }
            Miss::StaleNoValidator { .. } => Event::new(
                t,
                Actor::Cache,
                steps::CACHE_MISS,
                "stale and without a validator: fetch it again in full",
            ),
            // §4.4: an unsafe method is never answered from the cache.
            Miss::Unsafe => Event::described(
                t,
                Actor::Cache,
                steps::CACHE_MISS,
                NotStored {
                    why: "an unsafe method (POST, PUT, DELETE…) always goes to the server, and its success invalidates what is stored for the URL",
                },
            ),
            Miss::NotStored | Miss::Bypassed => Event::described(
                t,
                Actor::Cache,
                steps::CACHE_MISS,
                NotStored { why: not_stored },
            ),
        }
    }

    /// The validators of a response, as the store event lists them.
    pub fn validators(headers: &Headers) -> String {
        [
            headers.get("etag").map(|e| format!("ETag {e}")),
            headers
                .get("last-modified")
                .map(|l| format!("Last-Modified {l}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// What the cache did with an answer, as an event: a 304 freshened the stored copy (when its
    /// head arrived, at `first_byte`), or the response was stored or not (when all of it
    /// arrived); `validators` as [`validators`] gives them.
    pub fn kept(
        kept: Kept,
        validators: String,
        first_byte: Instant,
        end: Instant,
    ) -> Option<Event> {
        Some(match kept {
            Kept::Freshened(f) => Event::new(
                first_byte,
                Actor::Cache,
                steps::CACHE_NOT_MODIFIED,
                "304: serve the stored body, with refreshed headers",
            )
            .field("freshness_lifetime", lifetime(f.lifetime_s))
            .note("body_downloaded", "0 bytes"),
            Kept::Stored(f) => Event::described(
                end,
                Actor::Cache,
                steps::CACHE_STORE,
                Stored {
                    lifetime_s: f.lifetime_s,
                    source: f.source,
                    validators,
                },
            ),
            Kept::NoStore => Event::new(
                end,
                Actor::Cache,
                steps::CACHE_NO_STORE,
                "Cache-Control: no-store: nothing is kept",
            ),
            Kept::NotCacheable(why) => Event::new(
                end,
                Actor::Cache,
                steps::CACHE_NO_STORE,
                format!("not stored: {why}"),
            ),
            Kept::Invalidated => Event::new(
                end,
                Actor::Cache,
                steps::CACHE_INVALIDATE,
                "an unsafe method succeeded: what is stored for the URL (and its Location) is dropped",
            ),
            Kept::Nothing => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_300_000;

    fn stored(age: i64, headers: Headers) -> Stored {
        Stored {
            status: 200,
            headers: headers.with("Date", http_date::format(NOW - age)),
            body_bytes: 1000,
            request_time: NOW - age,
            response_time: NOW - age,
        }
    }

    /// Why a GET of `u` goes to the network at `now` (it must).
    fn why(c: &Cache, now: i64) -> Miss {
        match c.plan(get("u", Headers::new()), now) {
            Plan::Network(p) => p.why,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn max_age_fresh_then_stale() {
        let mut c = Cache::default();
        c.insert(
            "u",
            stored(
                600,
                Headers::new()
                    .with("Cache-Control", "max-age=3600")
                    .with("ETag", "\"v1\""),
            ),
        );
        match c.plan(get("u", Headers::new()), NOW) {
            Plan::Hit {
                age_s, freshness, ..
            } => {
                assert_eq!(age_s, 600);
                assert_eq!(freshness.lifetime_s, 3600);
            }
            other => panic!("{other:?}"),
        }
        match why(&c, NOW + 3000) {
            Miss::Revalidate { conditional, .. } => {
                assert_eq!(conditional.get("if-none-match"), Some("\"v1\""))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heuristic_is_ten_percent_of_last_modified_age() {
        let lm = http_date::format(NOW - 2 * 86_400 - 10 * 86_400);
        let s = stored(2 * 86_400, Headers::new().with("Last-Modified", lm.clone()));
        let f = freshness(&s);
        assert_eq!(f.lifetime_s, 86_400);
        let mut c = Cache::default();
        c.insert("u", s);
        match why(&c, NOW) {
            Miss::Revalidate { conditional, .. } => {
                assert_eq!(conditional.get("if-modified-since"), Some(lm.as_str()));
                assert_eq!(conditional.get("if-none-match"), None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn directives_and_expires() {
        let s = stored(
            0,
            Headers::new()
                .with("Cache-Control", "no-cache, max-age=999")
                .with("ETag", "\"x\""),
        );
        assert!(freshness(&s).must_validate);
        let s = stored(
            0,
            Headers::new().with("Expires", http_date::format(NOW + 100)),
        );
        assert_eq!(freshness(&s).lifetime_s, 100);
        let s = stored(0, Headers::new().with("Expires", "0"));
        assert_eq!(freshness(&s).lifetime_s, 0);
        let s = stored(
            0,
            Headers::new().with("Cache-Control", "max-age=\"60\", max-age=9"),
        );
        assert_eq!(freshness(&s).lifetime_s, 60);
        let s = stored(0, Headers::new().with("Cache-Control", "max-age=-1"));
        assert_eq!(freshness(&s).lifetime_s, 0);
        let mut c = Cache::default();
        let Plan::Network(p) = c.plan(get("u", Headers::new()), NOW) else {
            panic!("an empty cache forwards")
        };
        let answer = Response {
            status: 200,
            headers: stored(0, Headers::new().with("Cache-Control", "no-store")).headers,
            body: Vec::new(),
            length: Some(10),
        };
        let (_, source, kept) = c.complete(p, Some(answer), NOW, NOW);
        assert_eq!((source, kept), (Source::Network, Kept::NoStore));
        assert_eq!(why(&c, NOW), Miss::NotStored);
        let mut s301 = stored(0, Headers::new());
        s301.status = 301;
        assert_eq!(freshness(&s301).lifetime_s, u64::MAX);
    }

    #[test]
    fn age_follows_rfc9111() {
        // Received 10 s after it was sent, with Age: 30 from an upstream cache, 100 s ago.
        let s = Stored {
            status: 200,
            headers: Headers::new()
                .with("Date", http_date::format(NOW - 120))
                .with("Age", "30"),
            body_bytes: 0,
            request_time: NOW - 110,
            response_time: NOW - 100,
        };
        // apparent_age = 20, corrected_age_value = 30 + 10 = 40 → 40 + 100 resident.
        assert_eq!(current_age(&s, NOW), 140);
        assert_eq!(age_header(&Headers::new().with("Age", "10, 20")), Some(10));
        assert_eq!(age_header(&Headers::new().with("Age", "-5")), None);
        assert_eq!(
            age_header(&Headers::new().with("Age", "99999999999999999999")),
            Some(MAX_DELTA)
        );
    }

    #[test]
    fn not_modified_freshens() {
        let mut c = Cache::default();
        c.insert(
            "u",
            stored(
                3600,
                Headers::new()
                    .with("Cache-Control", "max-age=600")
                    .with("ETag", "\"v1\""),
            ),
        );
        let Plan::Network(p) = c.plan(get("u", Headers::new()), NOW) else {
            panic!("a stale entry is revalidated")
        };
        assert_eq!(p.forward().headers.get("if-none-match"), Some("\"v1\""));
        let not_modified = Response {
            status: 304,
            headers: Headers::new()
                .with("Date", http_date::format(NOW))
                .with("Cache-Control", "max-age=600"),
            body: Vec::new(),
            length: None,
        };
        let (served, source, kept) = c.complete(p, Some(not_modified), NOW, NOW);
        assert_eq!(source, Source::Validated);
        assert!(matches!(kept, Kept::Freshened(f) if f.lifetime_s == 600));
        assert_eq!(served.status, 200);
        assert_eq!(served.body_bytes(), 1000, "the stored body is served");
        assert!(matches!(
            c.plan(get("u", Headers::new()), NOW + 1),
            Plan::Hit { .. }
        ));
    }

    fn get(url: &str, headers: Headers) -> Request {
        Request {
            method: "GET".into(),
            url: url.into(),
            headers,
            mode: Mode::Default,
        }
    }

    #[test]
    fn fetch_vary_and_invalidation() {
        let mut c = Cache::default();
        let mut calls = 0;
        let mut origin = |_: &Request| {
            calls += 1;
            Some(Response {
                status: 200,
                headers: Headers::new()
                    .with("Date", http_date::format(NOW))
                    .with("Cache-Control", "max-age=100")
                    .with("Vary", "Foo"),
                body: b"x".to_vec(),
                length: None,
            })
        };
        let u = "https://a.test/x";
        assert_eq!(
            c.fetch(&get(u, Headers::new().with("Foo", "1")), NOW, &mut origin)
                .1,
            Source::Network
        );
        assert_eq!(
            c.fetch(
                &get(u, Headers::new().with("Foo", "1")),
                NOW + 1,
                &mut origin
            )
            .1,
            Source::Cache
        );
        assert_eq!(
            c.fetch(
                &get(u, Headers::new().with("Foo", "2")),
                NOW + 1,
                &mut origin
            )
            .1,
            Source::Network
        );
        let (r, _) = c.fetch(
            &get(u, Headers::new().with("Foo", "2")),
            NOW + 5,
            &mut origin,
        );
        // Date says NOW, received at NOW + 1 (apparent age 1), then 4 s in the cache.
        assert_eq!(r.headers.get("age"), Some("5"));
        let post = Request {
            method: "POST".into(),
            ..get(u, Headers::new())
        };
        c.fetch(&post, NOW + 6, &mut origin);
        assert_eq!(
            c.fetch(
                &get(u, Headers::new().with("Foo", "2")),
                NOW + 7,
                &mut origin
            )
            .1,
            Source::Network
        );
        assert_eq!(calls, 4, "three misses and the POST");
    }
}
