//! The caches' side of a request: the HTTP cache's plan before the network and its completion
//! after, and the memory cache that serves a URL the page already has.

use super::*;

impl Sim<'_> {
    /// The HTTP cache's half before the network (RFC 9111 §4): true when the disk cache serves
    /// the request; otherwise it goes on, conditionally when the entry can be revalidated.
    pub(super) fn ask_cache(&mut self, t: Instant, r: usize) -> bool {
        let q = &self.reqs[r];
        // The cache key: the URL without its fragment (RFC 9111 §2), shared by the request,
        // the pending exchange and the lookup's event.
        let key: Rc<str> = q.url.as_str().split('#').next().unwrap_or_default().into();
        let creq = http_cache::Request {
            method: q.method.clone(),
            url: Rc::clone(&key),
            headers: header_fields(&q.headers),
            // An EventSource's request never uses the cache (Blink: `kNoStore`).
            mode: if q.rare().source.is_some() {
                http_cache::Mode::NoStore
            } else {
                http_cache::Mode::Default
            },
        };
        let plan = self.cache.plan(creq, self.unix(t));
        self.push_request(r, http_cache::present::lookup(t, key, &plan));
        let revalidate = matches!(plan, Plan::HitRevalidate { .. });
        match plan {
            // A hit within its stale-while-revalidate window is served the same way; the
            // background revalidation is left out.
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
                self.push_request(
                    r,
                    http_cache::present::hit(t, age_s, &freshness, &response, revalidate),
                );
                let q = &mut self.reqs[r];
                q.disk_cache = true;
                q.status = response.status;
                q.set_location(
                    response
                        .headers
                        .get("location")
                        .filter(|v| !v.trim().is_empty())
                        .map(str::to_string),
                );
                q.body_bytes = response.body_bytes();
                q.cookie = None;
                q.cookie_note = "served from the disk cache: nothing is sent".into();
                self.done(t, r);
                true
            }
            Plan::Error(_) => {
                self.fail(t, r, "net::ERR_CACHE_MISS");
                true
            }
            Plan::Network(p) => {
                let empty = match self.situation.empty_cache_why {
                    Some(why) if r == self.doc => why,
                    _ if self.reqs[r].rare().source.is_some() => {
                        "an EventSource never uses the cache (its fetch cache mode is no-store)"
                    }
                    _ => "nothing stored for this URL",
                };
                let e = http_cache::present::to_network(t, &p.why, empty);
                self.push_request(r, e);
                if let Miss::Revalidate { conditional, .. } = &p.why {
                    self.reqs[r].rare_mut().conditional = conditional.clone();
                }
                self.reqs[r].pending = Some(Box::new(p));
                false
            }
        }
    }

    pub(super) fn finish_duplicate(&mut self, t: Instant, r: usize) {
        let Some(first) = self.reqs[r].rare().dup_of else {
            return;
        };
        let (outcome, status, bytes) = (
            self.reqs[first].outcome.clone(),
            self.reqs[first].status,
            self.reqs[first].bytes,
        );
        let q = &mut self.reqs[r];
        q.end = Some(t);
        q.status = status;
        q.bytes = bytes;
        q.outcome = outcome;
        q.cookie = None;
        q.cookie_note = "served from the memory cache: nothing is sent".into();
        if t > q.t0 {
            q.stalled_why = Some(format!(
                "the same URL is already being fetched (request {}); it shares that response",
                first + 1
            ));
        }
        let e = Event::new(
            t,
            Actor::Browser,
            steps::CACHE_MEMORY_HIT,
            format!(
                "the page already has this URL (request {}): served from the memory cache",
                first + 1
            ),
        )
        .field("shares", format!("request {}'s response", first + 1));
        self.push_request(r, e);
        self.release_deferred(t);
    }

    /// The HTTP cache's half after the network: a 304 freshens the stored response, another
    /// answer is stored when its headers allow (RFC 9111 §3, §4.3.4).
    pub(super) fn complete_cache(&mut self, t: Instant, r: usize) {
        let (Some(p), Some(resp)) = (self.reqs[r].pending.take(), self.reqs[r].resp.take()) else {
            return;
        };
        let answer = http_cache::Response {
            status: resp.status,
            headers: resp.headers,
            body: Vec::new(),
            length: Some(resp.body_bytes),
        };
        let sent = self.unix(self.reqs[r].send_start.unwrap_or(t));
        let validators = http_cache::present::validators(&answer.headers);
        let (_, _, kept) = self.cache.complete(*p, Some(answer), sent, self.unix(t));
        if let Some(e) = http_cache::present::kept(kept, validators, t, t) {
            self.push_request(r, e);
        }
    }
}
