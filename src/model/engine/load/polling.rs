//! Polling in a page load: a `fetch()` the script repeats ([`page::Repeat`]) — every so many
//! milliseconds from a `setInterval`, or as soon as its answer is in (a long poll) — and a
//! server whose URL is a live feed ([`EventStream`]) answering each request with its newest
//! event at once, or with the events the page has not had, holding the request until there is
//! one ([`PollAnswer`]).
//!
//! Each repeat is a request of its own through the scheduler, the cache and the pool. The
//! repeats go on until the scenario's `watch_ms`; a long poll still held then is pending.
//!
//! Left out: a long poll's server-side timeout (servers answer empty after tens of seconds),
//! a timer's drift and the clamping of nested timers, and the page's own work per answer.

use super::*;
use crate::model::page::Repeat;

impl Sim<'_> {
    /// Request `r` is one of a script's repeated `fetch()`es.
    pub(super) fn set_repeat(&mut self, r: usize, repeat: Repeat) {
        self.reqs[r].rare_mut().repeat = Some(repeat);
        self.lasting = true;
    }

    /// Request `r` is made at `t`: a `setInterval`'s next call is due a period later.
    pub(super) fn interval_next(&mut self, t: Instant, r: usize) {
        if let Some(Repeat::Every(ms)) = self.reqs[r].rare().repeat {
            let next = t + Duration::from_millis(ms);
            if next <= self.watch_end() {
                self.schedule(next, Ev::Repeat(r));
            }
        }
    }

    /// Request `r` has ended at `t`: a long poll asks again at once — after an answer the page
    /// may read (a rejected `await fetch()` skips the call that would ask again).
    pub(super) fn long_poll_next(&mut self, t: Instant, r: usize) {
        let answered = matches!(self.reqs[r].outcome, Some(Outcome::Ok { .. }));
        let again = self.reqs[r].rare().repeat == Some(Repeat::OnAnswer) && answered;
        if again && t <= self.watch_end() {
            self.schedule(t, Ev::Repeat(r));
        }
    }

    /// The script makes request `r`'s `fetch()` again at `t`.
    pub(super) fn repeat(&mut self, t: Instant, r: usize) {
        let q = &self.reqs[r];
        let (url, dest, priority) = (q.url.clone(), q.dest, q.priority);
        let (method, headers, credentials) =
            (q.method.clone(), q.headers.clone(), q.include_credentials);
        let repeat = q.rare().repeat;
        let initiator = match repeat {
            Some(Repeat::Every(ms)) => format!("setInterval, every {ms} ms (request {})", r + 1),
            _ => format!("the long poll again, its answer in (request {})", r + 1),
        };
        let Some(again) = self.new_request(
            url,
            dest,
            priority,
            initiator,
            method,
            headers,
            credentials,
            t,
        ) else {
            return;
        };
        if let Some(repeat) = repeat {
            self.set_repeat(again, repeat);
        }
        self.issue(t, again);
    }

    /// The feed at request `r`'s URL, when `r` is a plain request (an `EventSource` streams).
    fn feed_of(&self, r: usize) -> Option<&EventStream> {
        if self.source_of(r).is_some() || self.reqs[r].dest == Dest::Preflight {
            return None;
        }
        let i = self.reqs[r].response?;
        self.sc.responses.get(i)?.stream.as_ref()
    }

    /// When the server can answer request `r` to a feed that reached it, ready at `ready`:
    /// at once, or for a long poll with nothing new, at the next event (none: not while the
    /// model watches). Also notes which events the answer carries. Not a feed: `ready`.
    pub(super) fn poll_answer_at(&mut self, r: usize, ready: Instant) -> Option<Instant> {
        let Some(feed) = self.feed_of(r) else {
            return Some(ready);
        };
        let i = self.reqs[r].response.unwrap_or_default();
        let times: Vec<Instant> = feed.events.iter().map(|e| sse::at_ms(e.at_ms)).collect();
        let (at, carries) = match feed.poll {
            PollAnswer::Latest => {
                let newest = times.iter().rposition(|&t| t <= ready);
                (ready, newest.into_iter().collect::<Vec<_>>())
            }
            PollAnswer::Next => {
                let had = self.polled.get(&i).copied().unwrap_or(0);
                let next = times.get(had).copied()?;
                let at = ready.max(next);
                if at > self.watch_end() {
                    return None;
                }
                let upto = times.iter().rposition(|&t| t <= at).map_or(had, |k| k + 1);
                self.polled.insert(i, upto);
                (at, (had..upto).collect())
            }
        };
        self.reqs[r].rare_mut().carries = carries;
        Some(at)
    }

    /// The body of request `r`'s answer from a feed: the events it carries, as their text.
    pub(super) fn poll_body(&self, r: usize) -> Option<u64> {
        let feed = self.feed_of(r)?;
        let carries = &self.reqs[r].rare().carries;
        Some(
            (carries.iter())
                .filter_map(|&k| feed.events.get(k))
                .map(|e| e.text.len() as u64)
                .sum(),
        )
    }

    /// Request `r`'s answer, sent at `ts`, has arrived whole at `end`: the events it carries
    /// are the page's now.
    pub(super) fn poll_delivered(&mut self, r: usize, ts: Instant, end: Instant) {
        let Some(feed) = self.feed_of(r) else { return };
        let carried: Vec<Message> = (self.reqs[r].rare().carries.iter())
            .filter_map(|&k| feed.events.get(k))
            .map(|e| Message {
                sent: ts,
                at: end,
                from_page: false,
                kind: MessageKind::Event,
                bytes: e.text.len() as u64,
                happened: Some(sse::at_ms(e.at_ms)),
            })
            .collect();
        self.reqs[r].rare_mut().messages.extend(carried);
    }
}
