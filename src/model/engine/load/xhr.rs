//! `XMLHttpRequest` in a page load (XHR Standard): a request like `fetch()`'s through the
//! schedulers, the cache, the pool and CORS, with its own differences — `withCredentials`
//! (credentials mode `include`, else `same-origin`), Chromium's CORS error naming it, the events
//! it fires at the page, and a synchronous one (`open(…, false)`) that holds the main thread:
//! the parser stops at its script until the answer is in, and it goes at the highest priority
//! (Blink's `FetchParameters::MakeSynchronous`).
//!
//! The events, in Blink's order (third_party/blink/renderer/core/xmlhttprequest/
//! xml_http_request.cc): `loadstart` at `send()`; then, as the answer comes in,
//! `readystatechange` (2, then 3) and `progress`; at its end `readystatechange` (4), `load`
//! and `loadend`; `error` instead of `load` when it fails. A synchronous one fires only the
//! last three.
//!
//! Left out: upload events, `timeout`, `abort()`, `responseType`, and progress throttled to
//! 50 ms (each answer here fires one `progress`).

use super::*;

impl Sim<'_> {
    /// Request `r` is an XMLHttpRequest's `send()`, `sync` for `open(…, false)`.
    pub(super) fn open_xhr(&mut self, r: usize, sync: bool) {
        self.reqs[r].rare_mut().xhr = Some(sync);
        self.reqs[r].kind.channel = crate::model::http::Channel::Xhr;
    }

    /// A synchronous XHR is sent at `t`: the main thread stops.
    pub(super) fn xhr_sent(&mut self, t: Instant, r: usize) {
        if self.reqs[r].rare().xhr == Some(true) {
            let e = Event::new(
                t,
                Actor::Browser,
                steps::XHR_SYNC,
                "a synchronous XMLHttpRequest: the main thread stops until the answer is in",
            );
            self.push_request(r, e);
        }
    }

    /// The main thread's spans the page's synchronous XHRs hold: from the script's `send()`
    /// to the answer's end (or `end`, when it never came while the model watched).
    pub(super) fn main_thread(&self, end: Instant) -> Vec<MainTask> {
        (self.reqs.iter().enumerate())
            .filter(|(_, q)| q.rare().xhr == Some(true))
            .map(|(i, q)| MainTask {
                start: q.t0,
                end: q.end.unwrap_or(end).max(q.t0),
                kind: MainTaskKind::SyncXhr,
                request: i as u32 + 1,
            })
            .collect()
    }

    /// XHR request `r` has ended at `t`: the events it fires at the page.
    pub(super) fn xhr_events(&mut self, t: Instant, r: usize) {
        let Some(sync) = self.reqs[r].rare().xhr else {
            return;
        };
        let ok = matches!(self.reqs[r].outcome, Some(Outcome::Ok { .. }));
        let events = match (sync, ok) {
            (true, true) => "readystatechange (4), load, loadend",
            // XHR §3.5.6 "request error steps": a synchronous request throws, firing nothing.
            (true, false) => "none: send() throws a NetworkError",
            (false, true) => {
                "readystatechange (2), readystatechange (3), progress, readystatechange (4), load, loadend"
            }
            (false, false) => "readystatechange (4), error, loadend",
        };
        let e = Event::new(t, Actor::Browser, steps::XHR_EVENTS, events.to_string());
        self.push_request(r, e);
    }
}
