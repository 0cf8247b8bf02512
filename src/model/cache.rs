//! The browser's private HTTP cache: RFC 9111 as Chromium applies it.
//!
//! Freshness is computed in Chromium's order (`net/http/http_response_headers.cc`,
//! `GetFreshnessLifetimes`): `no-cache`, `no-store` or `Pragma: no-cache` force validation;
//! then `max-age` (a private cache ignores `s-maxage`); then `Expires` minus `Date`; then, for
//! 200, 203 and 206 without `must-revalidate`, the heuristic of 10% of the time since
//! `Last-Modified` (no upper cap in Chromium); 300, 301, 308 and 410 are fresh forever; anything
//! else has no freshness. The age is RFC 9111 §4.2.3's `current_age`. A stale entry, or one that
//! must be validated, is revalidated with `If-None-Match` (its ETag) and `If-Modified-Since` (its
//! Last-Modified), as Chromium's `ConditionalizeRequest` does.
//!
//! Times are seconds since the Unix epoch (HTTP dates have one-second resolution).
//!
//! Left out: `Vary`, `stale-while-revalidate` serving, range requests and 206 merging, cache
//! partitioning by top-level site (one site here), invalidation by unsafe methods, and
//! heuristics for other statuses.

use super::http_date;
use serde::Serialize;
use std::collections::BTreeMap;

/// Header fields in order, names compared case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Headers {
        self.0.push((name.to_string(), value.into()));
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of a field joined with ", " (RFC 9110 §5.3), or `None`.
    pub fn combined(&self, name: &str) -> Option<String> {
        let v: Vec<&str> = self
            .0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!v.is_empty()).then(|| v.join(", "))
    }

    /// Replaces every field of that name with one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.0.push((name.to_string(), value.into()));
    }

    /// Bytes as HTTP/1.1 writes them: `Name: value\r\n` each.
    pub fn wire_len(&self) -> u64 {
        self.0
            .iter()
            .map(|(n, v)| (n.len() + 2 + v.len() + 2) as u64)
            .sum()
    }
}

/// The Cache-Control directives this model reads (RFC 9111 §5.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheControl {
    pub no_store: bool,
    pub no_cache: bool,
    pub must_revalidate: bool,
    pub max_age: Option<u64>,
    pub private: bool,
    pub public: bool,
    pub immutable: bool,
}

impl CacheControl {
    /// Parses every Cache-Control field. Unknown directives are ignored; a malformed max-age
    /// is ignored too (RFC 9111 §4.2.1: treat an invalid value as stale: handled by the caller
    /// seeing no lifetime).
    pub fn parse(h: &Headers) -> CacheControl {
        let mut cc = CacheControl::default();
        let Some(all) = h.combined("cache-control") else {
            return cc;
        };
        for d in all.split(',') {
            let (name, value) = match d.split_once('=') {
                Some((n, v)) => (
                    n.trim().to_ascii_lowercase(),
                    Some(v.trim().trim_matches('"')),
                ),
                None => (d.trim().to_ascii_lowercase(), None),
            };
            match name.as_str() {
                "no-store" => cc.no_store = true,
                "no-cache" => cc.no_cache = true,
                "must-revalidate" => cc.must_revalidate = true,
                "private" => cc.private = true,
                "public" => cc.public = true,
                "immutable" => cc.immutable = true,
                // RFC 9111 §1.2.2: delta-seconds; the first occurrence wins, and a value too large
                // for the cache is taken as the largest it can hold.
                "max-age" if cc.max_age.is_none() => {
                    cc.max_age = value.and_then(|v| {
                        v.parse::<u64>().ok().or_else(|| {
                            (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
                                .then_some(u64::from(u32::MAX))
                        })
                    });
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
    let date = h
        .get("date")
        .and_then(http_date::parse)
        .unwrap_or(stored.response_time);
    if let Some(expires) = h.get("expires") {
        // RFC 9111 §5.3: an invalid date (such as "0") means already expired.
        let lifetime = http_date::parse(expires).map_or(0, |e| (e - date).max(0) as u64);
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

/// RFC 9111 §4.2.3: the age of a stored response at `now`.
pub fn current_age(stored: &Stored, now: i64) -> u64 {
    let h = &stored.headers;
    let date = h
        .get("date")
        .and_then(http_date::parse)
        .unwrap_or(stored.response_time);
    let age_value = h
        .get("age")
        .and_then(|a| a.trim().parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let apparent_age = (stored.response_time - date).max(0);
    let response_delay = (stored.response_time - stored.request_time).max(0);
    let corrected_age_value = age_value.saturating_add(response_delay);
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = (now - stored.response_time).max(0);
    corrected_initial_age.saturating_add(resident_time) as u64
}

/// What a lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Miss,
    /// Usable as it is.
    Fresh {
        stored: Stored,
        age_s: u64,
        freshness: Freshness,
    },
    /// Stored, but it must be revalidated: send these conditional headers.
    Revalidate {
        stored: Stored,
        age_s: u64,
        freshness: Freshness,
        conditional: Headers,
    },
    /// Stored and stale, but with no validator: fetched again in full.
    StaleNoValidator {
        age_s: u64,
        freshness: Freshness,
    },
}

/// What storing a response did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreOutcome {
    Stored(Freshness),
    NoStore,
    NotCacheable(&'static str),
}

/// The cache: URL (without fragment) → stored response.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    entries: BTreeMap<String, Stored>,
}

impl Cache {
    pub fn insert(&mut self, key: &str, stored: Stored) {
        self.entries.insert(key.to_string(), stored);
    }

    pub fn get(&self, key: &str) -> Option<&Stored> {
        self.entries.get(key)
    }

    pub fn lookup(&self, key: &str, now: i64) -> Lookup {
        let Some(stored) = self.entries.get(key) else {
            return Lookup::Miss;
        };
        let f = freshness(stored);
        let age = current_age(stored, now);
        // RFC 9111 §4.2: fresh when the lifetime is greater than the age.
        if !f.must_validate && f.lifetime_s > age {
            return Lookup::Fresh {
                stored: stored.clone(),
                age_s: age,
                freshness: f,
            };
        }
        // RFC 9111 §4.3.1 (Chromium: first ETag, first Last-Modified, only for 200/206).
        let mut conditional = Headers::new();
        if matches!(stored.status, 200 | 206) {
            if let Some(etag) = stored.headers.get("etag") {
                conditional = conditional.with("If-None-Match", etag);
            }
            if let Some(lm) = stored.headers.get("last-modified") {
                conditional = conditional.with("If-Modified-Since", lm);
            }
        }
        if conditional.0.is_empty() {
            Lookup::StaleNoValidator {
                age_s: age,
                freshness: f,
            }
        } else {
            Lookup::Revalidate {
                stored: stored.clone(),
                age_s: age,
                freshness: f,
                conditional,
            }
        }
    }

    /// Stores a response to GET (RFC 9111 §3) unless it says no-store.
    pub fn store(&mut self, key: &str, stored: Stored) -> StoreOutcome {
        let cc = CacheControl::parse(&stored.headers);
        if cc.no_store {
            self.entries.remove(key);
            return StoreOutcome::NoStore;
        }
        if !matches!(
            stored.status,
            200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
        ) && cc.max_age.is_none()
            && stored.headers.get("expires").is_none()
        {
            return StoreOutcome::NotCacheable(
                "the status is not cacheable by default and no explicit lifetime was given",
            );
        }
        let f = freshness(&stored);
        self.entries.insert(key.to_string(), stored);
        StoreOutcome::Stored(f)
    }

    /// RFC 9111 §4.3.4: a 304 updates the stored headers (all but the content ones) and times.
    pub fn freshen(
        &mut self,
        key: &str,
        not_modified: &Headers,
        request_time: i64,
        response_time: i64,
    ) -> Option<Freshness> {
        let stored = self.entries.get_mut(key)?;
        for (n, v) in &not_modified.0 {
            if !n.eq_ignore_ascii_case("content-length") {
                stored.headers.set(n, v.clone());
            }
        }
        stored.request_time = request_time;
        stored.response_time = response_time;
        Some(freshness(stored))
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
        match c.lookup("u", NOW) {
            Lookup::Fresh {
                age_s, freshness, ..
            } => {
                assert_eq!(age_s, 600);
                assert_eq!(freshness.lifetime_s, 3600);
            }
            other => panic!("{other:?}"),
        }
        match c.lookup("u", NOW + 3000) {
            Lookup::Revalidate { conditional, .. } => {
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
        match c.lookup("u", NOW) {
            Lookup::Revalidate { conditional, .. } => {
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
        let mut c = Cache::default();
        assert_eq!(
            c.store(
                "u",
                stored(0, Headers::new().with("Cache-Control", "no-store"))
            ),
            StoreOutcome::NoStore
        );
        assert_eq!(c.lookup("u", NOW), Lookup::Miss);
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
        let f = c.freshen(
            "u",
            &Headers::new()
                .with("Date", http_date::format(NOW))
                .with("Cache-Control", "max-age=600"),
            NOW,
            NOW,
        );
        assert_eq!(f.map(|f| f.lifetime_s), Some(600));
        assert!(matches!(c.lookup("u", NOW + 1), Lookup::Fresh { .. }));
    }
}
