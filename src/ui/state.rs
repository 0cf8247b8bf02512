//! The journey's state and every change to it, as one reducer. The journey's model is run here
//! when the scenario changes; everything else moves the cursor or the playhead. (The page load
//! below the journey has a reducer of its own, in `page_load.rs`.)

use crate::embed::Embed;
use crate::link::{LinkState, StepRef};
use crate::model::journey::{run, Journey};
use crate::model::scenario::{
    ApiChoice, CacheState, CertChoice, DnsState, Profile, ProfileName, Scenario, TlsChoice,
};
use crate::model::time::Instant;
use crate::model::url::{self, Parsed, UrlError};
use crate::timeline;
use std::rc::Rc;
use yew::prelude::*;

/// A journey shared between components; equal when it is the same run (no deep comparison on
/// every frame).
#[derive(Clone)]
pub struct JourneyRef(pub Rc<Journey>);

impl PartialEq for JourneyRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    /// The text in the address bar and its parse, updated on every keystroke.
    pub input: String,
    pub live: Result<Parsed, UrlError>,
    /// The last valid URL that was submitted: the journey's URL.
    pub current: Option<Parsed>,
    pub scenario: Scenario,
    pub preset: Option<&'static str>,
    /// The preset the knobs were last reset to: what the link's knobs are written against.
    pub base: &'static str,
    pub journey: JourneyRef,
    /// The index of the current event.
    pub cursor: usize,
    /// The furthest event reached in this journey: the diagram shows rows up to here.
    pub revealed: usize,
    /// The simulated time shown.
    pub playhead: Instant,
    pub playing: bool,
    pub speed: f64,
    /// `prefers-reduced-motion`: no flying tokens, steps change instantly.
    pub reduced_motion: bool,
    /// Real milliseconds since the last step, for reduced-motion playback.
    pub dwell_ms: f64,
    /// An embedded frame's first and last step (`start=`, `end=`): the cursor stays between
    /// them. Kept as step ids so a changed scenario keeps its range where the steps exist.
    range: (Option<StepRef>, Option<StepRef>),
    /// `range` in this journey: the indices of its first and last step (the whole journey
    /// without a range, or where the journey lacks a step). Set with the journey ([`Self::bind`]).
    bounds: (usize, usize),
}

/// One knob of the scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum Knob {
    Profile(ProfileName),
    Cache(CacheState),
    Dns(DnsState),
    Tls(TlsChoice),
    Cert(CertChoice),
    ClientCert(bool),
    KeepAlive(bool),
    ExistingConnection(bool),
    Resumption(bool),
    FalseStart(bool),
    Refused(bool),
    Changed(bool),
    Api(ApiChoice),
    Busy(u8),
}

pub enum AppAction {
    Edit(String),
    Go,
    Knob(Knob),
    Preset(String),
    Play,
    Pause,
    TogglePlay,
    Step(i64),
    First,
    Last,
    Seek(usize),
    Scrub(Instant),
    Speed(f64),
    /// Real milliseconds since the previous animation frame.
    Tick(f64),
    ReducedMotion(bool),
    /// To a step by id (a message from the embedding page); ignored if the journey lacks it.
    Goto(StepRef),
}

/// In reduced-motion playback, each step stays this long (real ms at 1×).
const REDUCED_DWELL_MS: f64 = 1200.0;

impl AppState {
    /// The state for `scenario` at its first step; the model runs once.
    fn start(
        scenario: Scenario,
        preset: Option<&'static str>,
        base: &'static str,
        reduced_motion: bool,
    ) -> AppState {
        let live = url::parse(&scenario.url, None);
        let journey = JourneyRef(Rc::new(run(&scenario)));
        AppState {
            input: scenario.url.clone(),
            current: live.as_ref().ok().cloned(),
            live,
            scenario,
            preset,
            base,
            journey,
            cursor: 0,
            revealed: 0,
            playhead: Instant::ZERO,
            playing: false,
            speed: 1.0,
            reduced_motion,
            dwell_ms: 0.0,
            range: (None, None),
            bounds: (0, 0),
        }
        .bind()
    }

    /// Works `range` out in this journey (once per journey, not per frame).
    fn bind(mut self) -> Self {
        let last = self.len().saturating_sub(1);
        let lo = self.range.0.and_then(|r| self.find_named(r)).unwrap_or(0);
        let hi = self
            .range
            .1
            .and_then(|r| self.find_named(r))
            .unwrap_or(last);
        self.bounds = (lo, hi.max(lo));
        self
    }

    /// The index of `step` (that id, of that request) in this journey.
    pub fn find(&self, step: StepRef) -> Option<usize> {
        self.journey
            .0
            .trace
            .events
            .iter()
            .position(|e| e.step == step.id && e.request == step.request)
    }

    /// The index of a step a link or the embedding page names: [`AppState::find`], or for an id
    /// without `@N` that the navigation lacks, its first occurrence in the page's requests, so
    /// the id the inspector shows opens it.
    pub fn find_named(&self, step: StepRef) -> Option<usize> {
        self.find(step).or_else(|| {
            (step.request == 0)
                .then(|| {
                    let events = &self.journey.0.trace.events;
                    events.iter().position(|e| e.step == step.id)
                })
                .flatten()
        })
    }

    /// The first step the cursor may be on: 0, or an embedded frame's `start`.
    pub fn lo(&self) -> usize {
        self.bounds.0
    }

    /// The last step the cursor may be on: the journey's last, or an embedded frame's `end`.
    pub fn hi(&self) -> usize {
        self.bounds.1
    }

    /// Where playback ends: the journey's end, or an embedded frame's `end` step.
    fn end_time(&self) -> Instant {
        timeline::range_end(&self.journey.0.trace, self.hi())
    }

    pub fn time_of(&self, i: usize) -> Instant {
        self.journey
            .0
            .trace
            .events
            .get(i)
            .map_or(Instant::ZERO, |e| e.at)
    }

    /// The view a link describes: its scenario, and the cursor on its step when the journey has
    /// it (else a note). A URL that does not parse shows as typed, with its error, as the
    /// `invalid-url` preset does.
    pub fn from_link(
        link: &LinkState,
        embed: &Embed,
        reduced_motion: bool,
        notes: &mut Vec<String>,
    ) -> AppState {
        let named = crate::model::scenario::preset_named(&link.preset);
        let sc = link.scenario.clone();
        let preset = named.as_ref().filter(|(_, p)| *p == sc).map(|(n, _)| *n);
        let base = named.map_or("default", |(n, _)| n);
        let mut s = AppState::start(sc, preset, base, reduced_motion);
        let mut missing = |s: &AppState, what: &str, st: Option<StepRef>| {
            let st = st?;
            let found = s.find_named(st);
            if found.is_none() {
                notes.push(format!(
                    "{what} {} does not happen in this journey: {}",
                    st.to_param(),
                    if what == "step" {
                        "showing the first step"
                    } else {
                        "ignored"
                    }
                ));
            }
            found.map(|_| st)
        };
        s.range = (
            missing(&s, "start", embed.start),
            missing(&s, "end", embed.end),
        );
        let s = s.bind();
        let cursor = missing(&s, "step", link.step).and_then(|st| s.find_named(st));
        let lo = s.lo();
        let mut s = s.at_cursor(cursor.unwrap_or(lo));
        s.playing = embed.autoplay && !reduced_motion;
        s
    }

    /// The step at the cursor, for the link.
    pub fn step_ref(&self) -> Option<StepRef> {
        self.journey
            .0
            .trace
            .events
            .get(self.cursor)
            .map(|e| StepRef {
                id: e.step,
                request: e.request,
            })
    }

    pub fn len(&self) -> usize {
        self.journey.0.trace.events.len()
    }

    fn at_cursor(mut self, cursor: usize) -> Self {
        let last = self.len().saturating_sub(1);
        self.cursor = cursor.clamp(self.lo(), self.hi());
        self.revealed = self.revealed.max(self.cursor).min(last);
        self.playhead = self.time_of(self.cursor);
        self.dwell_ms = 0.0;
        self
    }

    /// Runs the model for a changed scenario, keeping the cursor on the same step (and request)
    /// when the new journey has it, else at the same time.
    fn rerun(mut self, scenario: Scenario) -> Self {
        let old = self.step_ref();
        let old_time = self.playhead;
        self.scenario = scenario;
        self.journey = JourneyRef(Rc::new(run(&self.scenario)));
        self.revealed = 0;
        let s = self.bind();
        let cursor = old
            .and_then(|st| s.find(st))
            .unwrap_or_else(|| timeline::cursor_at(&s.journey.0.trace, old_time));
        s.at_cursor(cursor)
    }
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        super::test_panic_in_handler();
        let s = (*self).clone();
        let next = match action {
            AppAction::Edit(text) => {
                let live = url::parse(&text, None);
                AppState {
                    input: text,
                    live,
                    ..s
                }
            }
            AppAction::Go => match &s.live {
                Ok(p) => {
                    let p = p.clone();
                    let scenario = Scenario {
                        url: p.getters.href.clone(),
                        ..s.scenario.clone()
                    };
                    let mut n = AppState {
                        current: Some(p),
                        preset: None,
                        ..s
                    }
                    .rerun(scenario)
                    .at_cursor(0);
                    n.playing = true;
                    n
                }
                Err(_) => return self,
            },
            AppAction::Knob(k) => {
                let mut sc = s.scenario.clone();
                match k {
                    Knob::Profile(p) => sc.profile = Profile::builtin(p),
                    Knob::Cache(c) => sc.cache = c,
                    Knob::Dns(d) => sc.dns = d,
                    Knob::Tls(t) => sc.tls = t,
                    Knob::Cert(c) => sc.cert = c,
                    Knob::ClientCert(b) => sc.client_cert = b,
                    Knob::KeepAlive(b) => sc.keep_alive = b,
                    Knob::ExistingConnection(b) => sc.existing_connection = b,
                    Knob::Resumption(b) => sc.resumption = b,
                    Knob::FalseStart(b) => sc.false_start = b,
                    Knob::Refused(b) => sc.refused = b,
                    Knob::Changed(b) => sc.changed = b,
                    Knob::Api(a) => sc.api = a,
                    Knob::Busy(n) => sc.busy_sockets = n,
                }
                AppState { preset: None, ..s }.rerun(sc)
            }
            AppAction::Preset(name) => {
                let Some((key, sc)) = crate::model::scenario::preset_named(&name) else {
                    return self;
                };
                let live = url::parse(&sc.url, None);
                AppState {
                    input: sc.url.clone(),
                    current: live.as_ref().ok().cloned().or(s.current.clone()),
                    live,
                    preset: Some(key),
                    base: key,
                    ..s
                }
                .rerun(sc)
                .at_cursor(0)
            }
            AppAction::Play => {
                let at_end = s.cursor >= s.hi() && s.playhead >= s.end_time();
                let lo = s.lo();
                let base = if at_end { s.at_cursor(lo) } else { s };
                AppState {
                    playing: true,
                    ..base
                }
            }
            AppAction::Pause => AppState {
                playing: false,
                ..s
            },
            AppAction::TogglePlay => {
                return if s.playing {
                    self.reduce(AppAction::Pause)
                } else {
                    self.reduce(AppAction::Play)
                };
            }
            AppAction::Step(d) => {
                let target = (s.cursor as i64 + d).clamp(s.lo() as i64, s.hi() as i64) as usize;
                AppState {
                    playing: false,
                    ..s
                }
                .at_cursor(target)
            }
            AppAction::First => {
                let lo = s.lo();
                AppState {
                    playing: false,
                    ..s
                }
                .at_cursor(lo)
            }
            AppAction::Last => {
                let last = s.hi();
                let end = s.end_time();
                let mut n = AppState {
                    playing: false,
                    ..s
                }
                .at_cursor(last);
                n.playhead = end;
                n
            }
            AppAction::Seek(i) => AppState {
                playing: false,
                ..s
            }
            .at_cursor(i),
            AppAction::Scrub(t) => {
                let t = t.min(s.end_time()).max(s.time_of(s.lo()));
                let cursor = timeline::cursor_at(&s.journey.0.trace, t);
                let revealed = s.revealed.max(cursor);
                AppState {
                    playing: false,
                    playhead: t,
                    cursor,
                    revealed,
                    ..s
                }
            }
            AppAction::Speed(x) => {
                if !timeline::SPEEDS.contains(&x) {
                    return self;
                }
                AppState { speed: x, ..s }
            }
            AppAction::ReducedMotion(b) => AppState {
                reduced_motion: b,
                ..s
            },
            AppAction::Goto(step) => match s.find_named(step) {
                Some(i) => AppState {
                    playing: false,
                    ..s
                }
                .at_cursor(i),
                None => return self,
            },
            AppAction::Tick(real_ms) => {
                if !s.playing {
                    return self;
                }
                let trace = &s.journey.0.trace;
                let end = timeline::end(trace);
                if s.reduced_motion {
                    // No motion: the cursor jumps from step to step after a dwell.
                    let dwell = s.dwell_ms
                        + if real_ms.is_finite() {
                            real_ms.clamp(0.0, 250.0)
                        } else {
                            0.0
                        };
                    if dwell < REDUCED_DWELL_MS / s.speed {
                        return Rc::new(AppState {
                            dwell_ms: dwell,
                            ..s
                        });
                    }
                    if s.cursor >= s.hi() {
                        return Rc::new(AppState {
                            playing: false,
                            playhead: s.end_time(),
                            ..s
                        });
                    }
                    let c = s.cursor + 1;
                    let mut n = s.at_cursor(c);
                    n.playing = true;
                    n
                } else {
                    let t = timeline::advance(trace, s.playhead, real_ms, s.speed);
                    let cursor = timeline::cursor_at(trace, t);
                    if cursor > s.hi() {
                        // An embedded frame's `end`: playback stops on that step.
                        let hi = s.hi();
                        let mut n = s.at_cursor(hi);
                        n.playing = false;
                        return Rc::new(n);
                    }
                    let done = t >= end;
                    let revealed = s.revealed.max(cursor);
                    AppState {
                        playhead: t,
                        cursor,
                        revealed,
                        playing: !done,
                        ..s
                    }
                }
            }
        };
        Rc::new(next)
    }
}
