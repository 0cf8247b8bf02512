//! Blink's own request scheduling, in the renderer, before the network service sees a request:
//! `ResourceLoadScheduler` (third_party/blink/renderer/platform/loader/fetch/
//! resource_load_scheduler.cc) in its tight mode.
//!
//! A frame's document starts in tight mode (`FrameFetchContext::CreateFetcher`) and leaves it,
//! for good, when the parser inserts `<body>` (`Document::WillInsertBody` →
//! `LoosenLoadThrottlingPolicy`): after the parser-blocking scripts before it have run, which in
//! turn waited for the stylesheets before them. In tight mode a throttleable request below
//! Blink's `kHigh` (net `MEDIUM`) starts only while fewer than two throttleable requests of the
//! frame are in flight (`kTightLimitForRendererSideResourceScheduler`), counting the
//! stylesheets and scripts of any priority; a `kMedium` one (net `LOW`: a boosted image) is let
//! through while fewer than two `kMedium` requests run (`tight_medium_limit`, 2 under
//! `kBoostImagePriority`). Held requests start highest priority first, then in arrival order,
//! when a request ends, when one is raised and when the body is inserted. In normal mode the
//! limit is 1024: none here.
//!
//! Throttleable are stylesheets, scripts, images and fonts (`ResourceLoader::Start`); a
//! `fetch()`, media, the document and frames' documents (navigations) and preflights are not.
//!
//! Left out: background tabs' limits (`OnLifecycleStateChanged`), the field-trial parameters,
//! and head-of-line blocking between the two pending queues (there is one here).

use super::*;

/// `kTightLimitForRendererSideResourceScheduler`.
pub const TIGHT_LIMIT: usize = 2;
/// `tight_medium_limit` under `kBoostImagePriority` (third_party/blink/common/features.cc).
pub const TIGHT_MEDIUM_LIMIT: usize = 2;

const SOURCE: &str = "https://source.chromium.org/chromium/chromium/src/+/main:third_party/blink/renderer/platform/loader/fetch/resource_load_scheduler.cc";

/// The scheduler's books.
#[derive(Default)]
pub(super) struct State {
    /// The body is inserted: normal mode.
    pub loosened: bool,
    /// Throttleable requests in flight, and `kMedium` ones.
    running: usize,
    running_medium: usize,
    /// (priority, arrival, request), sorted: the first is the next to start.
    held: std::collections::VecDeque<(std::cmp::Reverse<Priority>, u64, usize)>,
    arrivals: u64,
}

impl Sim<'_> {
    /// Whether Blink's scheduler counts request `r` (`ThrottleOption::kThrottleable`).
    fn throttleable(&self, r: usize) -> bool {
        matches!(
            self.reqs[r].dest,
            Dest::Fetch(Destination::Style | Destination::Script | Destination::Image)
                | Dest::Fetch(Destination::Font)
        )
    }

    /// Whether `r` may start now in the renderer.
    fn runnable(&self, r: usize) -> bool {
        let p = self.reqs[r].priority;
        let s = &self.renderer;
        s.loosened
            || p >= Priority::Medium
            || (p == Priority::Low && s.running_medium < TIGHT_MEDIUM_LIMIT)
            || s.running < TIGHT_LIMIT
    }

    fn renderer_run(&mut self, r: usize) {
        let medium = self.reqs[r].priority == Priority::Low;
        self.renderer.running += 1;
        self.renderer.running_medium += usize::from(medium);
        self.reqs[r].renderer = Some(medium);
    }

    /// Request `r` asks the renderer to start at `t`: true when it may go on; else it is held
    /// until [`Sim::renderer_release`] lets it.
    pub(super) fn renderer_admit(&mut self, t: Instant, r: usize) -> bool {
        if !self.throttleable(r) {
            return true;
        }
        if self.runnable(r) {
            self.renderer_run(r);
            return true;
        }
        let s = &mut self.renderer;
        s.arrivals += 1;
        let key = (std::cmp::Reverse(self.reqs[r].priority), s.arrivals, r);
        let at = s.held.partition_point(|k| *k < key);
        s.held.insert(at, key);
        let running = s.running;
        let text: Rc<str> = format!(
            "held back by Blink's scheduler in tight mode, before <body>: {running} requests \
             of the page in flight, {TIGHT_LIMIT} allowed below High"
        )
        .into();
        self.reqs[r].renderer_held = true;
        self.reqs[r].held = Some((t, t));
        self.reqs[r].held_why = Some(Rc::clone(&text));
        let held = super::scheduler::Held {
            why: text,
            priority: self.reqs[r].priority,
            rule: "tight mode: at most 2 throttleable requests below High, 2 Medium",
            source: SOURCE,
        };
        let e = Event::described(t, Actor::Browser, steps::RENDER_TIGHT_MODE, held);
        self.push_request(r, e);
        false
    }

    /// Request `r` has ended: it no longer counts, and held requests may start.
    pub(super) fn renderer_end(&mut self, t: Instant, r: usize) {
        if let Some(medium) = self.reqs[r].renderer.take() {
            self.renderer.running = self.renderer.running.saturating_sub(1);
            if medium {
                self.renderer.running_medium = self.renderer.running_medium.saturating_sub(1);
            }
            self.renderer_release(t);
        }
        if std::mem::take(&mut self.reqs[r].renderer_held) {
            self.renderer.held.retain(|k| k.2 != r);
        }
    }

    /// Request `r` was raised to `to` (layout): the books follow.
    pub(super) fn renderer_raise(&mut self, r: usize, to: Priority) {
        if self.reqs[r].renderer == Some(true) && to != Priority::Low {
            self.reqs[r].renderer = Some(false);
            self.renderer.running_medium = self.renderer.running_medium.saturating_sub(1);
        }
        let reqs = &self.reqs;
        for k in &mut self.renderer.held {
            k.0 = std::cmp::Reverse(reqs[k.2].priority);
        }
        self.renderer.held.make_contiguous().sort_unstable();
    }

    /// The parser inserts `<body>` at `t`: normal mode, and every held request starts.
    pub(super) fn loosen(&mut self, t: Instant) {
        self.renderer.loosened = true;
        self.renderer_release(t);
    }

    /// Held requests start while they may, highest priority first.
    pub(super) fn renderer_release(&mut self, t: Instant) {
        while let Some(&(_, _, r)) = self.renderer.held.front() {
            if !self.runnable(r) {
                break;
            }
            self.renderer.held.pop_front();
            self.reqs[r].renderer_held = false;
            if let Some((a, _)) = self.reqs[r].held {
                self.reqs[r].held = Some((a, t));
            }
            self.renderer_run(r);
            self.after_renderer(t, r);
        }
    }
}
