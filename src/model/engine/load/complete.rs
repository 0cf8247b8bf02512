//! A request's end: the same-origin decision, the connection given back, a preflight's
//! verdict, failures, and the journey page's render and click.

use super::*;

impl Sim<'_> {
    /// The journey's page starts rendering with the document's first byte at `t`.
    pub(super) fn start_page(&mut self, t: Instant, last_byte: Instant) {
        let Some(costs) = self.situation.page.clone() else {
            return;
        };
        let title = format!("Welcome to {}", self.doc_host);
        let (events, m) = page_run::render(&costs, &title, t, last_byte);
        for e in events {
            let e = e.request(self.doc as u32 + 1);
            if e.at == t {
                self.push(e);
            } else {
                self.schedule(e.at, Ev::Emit(Box::new(e)));
            }
        }
        self.milestones = Some(m);
        self.schedule(m.click, Ev::Click);
    }

    /// The click's task: its handler's `fetch()` goes out now, and its timer is set.
    pub(super) fn click(&mut self, t: Instant) {
        let [click, timer] = page_run::click(t);
        let doc = self.doc as u32 + 1;
        self.push(click.request(doc));
        self.schedule(timer.at, Ev::Emit(Box::new(timer.request(doc))));
        let Some(u) = page_run::api_url(&self.reqs[self.doc].url, self.situation.api) else {
            return;
        };
        let api = self.new_request(
            u,
            Dest::Fetch(Destination::Fetch),
            // As the page's other `fetch()`es (DevTools' High).
            Priority::Medium,
            "the click handler's fetch()".into(),
            "GET".into(),
            vec![],
            false,
            t,
        );
        if let Some(a) = api {
            self.api = Some(a);
            self.schedule(t, Ev::Issue(a));
        }
    }

    pub(super) fn done(&mut self, t: Instant, r: usize) {
        self.reqs[r].end = Some(t);
        self.h2_closed(r);
        let job = self.reqs[r].conn;
        if let Some(j) = job.and_then(|j| self.job_mut(j)) {
            if let Some(u) = j.conn.uses.iter_mut().rev().find(|u| u.0 == r as u32 + 1) {
                u.2 = t;
            }
        }
        let sc = self.sc;
        let spec = self.reqs[r].response.and_then(|i| sc.responses.get(i));
        let dest = self.reqs[r].dest;
        // A response without a Content-Type is read as the kind of resource it is.
        let assumed = (dest != Dest::Preflight).then_some(self.reqs[r].content_type);
        let resp = match (self.reqs[r].site_served, self.reqs[r].resp.as_deref()) {
            // The modelled server's answer: its own header fields.
            (true, Some(resp)) => policy_response_of(
                resp.headers.0.iter().map(|(n, v)| (n.trim(), v.trim())),
                assumed,
            ),
            (true, None) => policy_response_of(std::iter::empty(), assumed),
            (false, _) => {
                let lines = scenario_lines(spec, dest == Dest::Preflight);
                policy_response_of(fields_of(lines), assumed)
            }
        };
        let keep_alive = self.reqs[r].keep_alive;
        let status = self.reqs[r].status;
        if let Some(outcome) = self.ws_outcome(r) {
            self.reqs[r].outcome = Some(outcome);
        } else {
            self.set_outcome(r, dest, status, resp);
        }
        self.finish_done(t, r, job, keep_alive);
    }

    /// Request `r`'s outcome: what the same-origin rules make of `resp`.
    fn set_outcome(&mut self, r: usize, dest: Dest, status: u16, resp: policy::Response) {
        match dest {
            Dest::Preflight => {
                self.reqs[r].outcome = Some(Outcome::Ok {
                    status,
                    rule: "a preflight's answer is read by the browser, not the page".into(),
                });
            }
            Dest::Fetch(_) => {
                let req = self.policy_request(r);
                let pf = self.reqs[r].rare().preflight.as_ref().map(|(p, _)| *p);
                let pf_resp = pf.map(|p| self.preflight_response(p));
                let d = policy::decide(
                    &self.page_origin,
                    &self.reqs[r].origin,
                    &req,
                    &resp,
                    pf_resp.as_ref(),
                );
                self.reqs[r].outcome = Some(match d.verdict {
                    Verdict::Allowed { rule } => Outcome::Ok { status, rule },
                    Verdict::Blocked { rule, console } => {
                        self.console.push(console.clone());
                        self.console_failed_load(r);
                        Outcome::Blocked {
                            rule,
                            console,
                            sent: true,
                        }
                    }
                });
            }
        }
    }

    /// The rest of request `r`'s end at `t`: the caches, the same-origin check's event, the
    /// connection given back, and what waited for the request.
    fn finish_done(&mut self, t: Instant, r: usize, job: Option<u32>, keep_alive: bool) {
        self.complete_cache(t, r);
        self.policy_event(t, r);
        // Give the connection back.
        if let Some(job) = job {
            if self.reqs[r].binding == Some(Binding::Stream) {
                let group = self.reqs[r].group.clone();
                if let Some(h) = self.h2_of(&group) {
                    h.active = h.active.saturating_sub(1);
                }
                self.drain_h2(t, &group);
            } else if let Some(s) = self.job(job).and_then(|j| j.socket) {
                if keep_alive {
                    let group = self.reqs[r].group.clone();
                    let e = Event::described(
                        t,
                        Actor::Browser,
                        steps::POOL_RELEASE,
                        pool::present::Release { job, group },
                    );
                    self.push_request(r, e);
                }
                self.pool.release(t, s, keep_alive);
                self.pool_outputs(t);
            }
        }
        for f in self.reqs[r].take_followers() {
            self.finish_duplicate(t, f);
        }
        if let Some(main) = self.reqs[r].rare().preflight_for {
            self.after_preflight(t, r, main);
        }
        if self.redirects_now(r) {
            self.follow_redirect(t, r);
        } else if r == self.doc {
            if self.reqs[r].disk_cache {
                // Served from the disk cache: the document commits now.
                let e = navigation::origin_event(t, &self.doc_url);
                self.push_request(r, e);
                self.start_page(t, t);
            }
            self.discover(t);
        }
        if self.api == Some(r) {
            match (&self.reqs[r].outcome, self.milestones) {
                (Some(Outcome::Blocked { .. }), _) => {
                    self.push_request(r, page_run::fetch_blocked(t));
                }
                (_, Some(m)) => {
                    for e in page_run::fetched(m.click, t) {
                        self.push_request(r, e);
                    }
                }
                _ => {}
            }
        }
        self.scheduler_end(t, r);
        self.release_deferred(t);
        self.maybe_layout(t);
        self.source_done(t, r);
        self.long_poll_next(t, r);
        self.xhr_events(t, r);
    }

    /// After a CORS error on a `fetch()` or a font, Blink's console adds the failed load
    /// (`FrameConsole::DidFailLoading`, third_party/blink/renderer/core/frame/frame_console.cc):
    /// the network error a CORS failure is reported as. A `fetch()` whose promise nothing
    /// handles then rejects unhandled, which the console reports as V8 words it (as CDP's
    /// `Runtime.exceptionThrown` gave it from Chromium 156 for such a page).
    fn console_failed_load(&mut self, r: usize) {
        if matches!(
            self.reqs[r].dest,
            Dest::Fetch(Destination::Fetch) | Dest::Fetch(Destination::Font)
        ) {
            self.console
                .push("Failed to load resource: net::ERR_FAILED".into());
        }
        if self.reqs[r].unhandled {
            self.console
                .push("Uncaught (in promise) TypeError: Failed to fetch".into());
        }
    }

    /// The same-origin decision on a response that arrived.
    pub(super) fn policy_event(&mut self, t: Instant, r: usize) {
        let q = &self.reqs[r];
        let other = (*q.origin != self.page_origin)
            .then(|| (q.origin_s.clone(), self.page_origin_s.clone()));
        let check = match &q.outcome {
            Some(Outcome::Ok { rule, .. }) => policy::present::Check {
                rule: rule.clone(),
                console: None,
                other,
            },
            Some(Outcome::Blocked { rule, console, .. }) => policy::present::Check {
                rule: rule.clone(),
                console: Some(console.clone()),
                other,
            },
            _ => return,
        };
        let e = Event::described(t, Actor::Browser, steps::POLICY_CHECK, check);
        self.push_request(r, e);
    }

    pub(super) fn preflight_response(&self, p: usize) -> policy::Response {
        let spec = self.reqs[p].response.and_then(|i| self.sc.responses.get(i));
        policy_response(scenario_lines(spec, true))
    }

    pub(super) fn after_preflight(&mut self, t: Instant, p: usize, main: usize) {
        let req = self.policy_request(main);
        let pr = self.preflight_response(p);
        let d = policy::decide(
            &self.page_origin,
            &self.reqs[main].origin,
            &req,
            &policy::Response::default(),
            Some(&pr),
        );
        if let Some(Verdict::Blocked { rule, console }) = d.preflight_verdict {
            self.console.push(console.clone());
            self.console_failed_load(main);
            self.reqs[p].outcome = Some(Outcome::Blocked {
                rule: rule.clone(),
                console: console.clone(),
                sent: true,
            });
            let q = &mut self.reqs[main];
            q.end = Some(t);
            q.outcome = Some(Outcome::Blocked {
                rule,
                console,
                sent: false,
            });
            self.policy_event(t, main);
            self.scheduler_end(t, main);
            self.release_deferred(t);
            return;
        }
        self.reqs[main].stalled_why = None;
        self.reqs[main].rare_mut().preflight_end = Some(t);
        self.ask_pool(t, main);
    }

    /// Request `r` ends without a response: so do the repeats of its URL that waited for it,
    /// and the request its preflight was for.
    pub(super) fn fail(&mut self, t: Instant, r: usize, error: &str) {
        self.h2_closed(r);
        if self.websocket_of(r).is_some() {
            self.ws_release(t, r);
        }
        if self.api == Some(r) {
            self.push_request(r, page_run::fetch_failed(t, error));
        }
        let q = &mut self.reqs[r];
        q.end = Some(t);
        q.outcome = Some(Outcome::Failed {
            error: error.to_string(),
        });
        q.pending = None;
        for f in self.reqs[r].take_followers() {
            self.finish_duplicate(t, f);
        }
        if let Some(main) = self.reqs[r].rare().preflight_for {
            if self.reqs[main].end.is_none() {
                self.fail(t, main, error);
            }
        }
        self.unhold(r);
        self.scheduler_end(t, r);
        self.release_deferred(t);
        self.maybe_layout(t);
        self.source_done(t, r);
        self.long_poll_next(t, r);
        self.xhr_events(t, r);
    }
}
