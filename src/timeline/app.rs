//! The app's one state and every change to it, as one reducer: the typed URL's journey, the
//! page load below it ([`PageState`]), and what the sequence diagram, the inspector, the track
//! and the player follow ([`Focus`]): the journey, or one request or connection of the page.
//! There is one cursor (the index of the current message of what is followed) and one
//! playhead (a simulated time); while a request of the page is followed, the page's time is the
//! playhead, so stepping moves the waterfall's cursor and scrubbing the waterfall moves the
//! diagram.
//!
//! Pure (no web crates), so it is tested natively; `ui::state` makes it Yew's `Reducible`. The
//! models run here when the scenario or the page changes; everything else moves the cursor or
//! the playhead.

use crate::embed::Embed;
use crate::link::{LinkState, StepRef};
use crate::model::journey::{run, Journey, Subject};
use crate::model::load::PageLoad;
use crate::model::omnibox;
use crate::model::scenario::{
    ApiChoice, CacheState, CertChoice, DnsState, HstsState, Profile, ProfileName, Scenario,
    TlsChoice,
};
use crate::model::time::Instant;
use crate::model::url::{self, Parsed, UrlError};
use crate::timeline;
use crate::timeline::page::{Network, PageAction, PageState};
use std::rc::Rc;

/// A journey shared between components; equal when it is the same run (no deep comparison on
/// every frame).
#[derive(Clone)]
pub struct JourneyRef(pub Rc<Journey>);

impl PartialEq for JourneyRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A value shared between the state and the components, equal when it is the same value (a
/// pointer comparison): a frame that does not change it neither copies nor compares it.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Self {
        Shared(Rc::new(v))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The page load's state, shared: equal when it is the same state (a frame that does not move
/// the page keeps it, and its view is not drawn again).
#[derive(Clone)]
pub struct PageRef(pub Rc<PageState>);

impl PartialEq for PageRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the sequence diagram, the inspector, the track and the player show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The typed URL's journey.
    Journey,
    /// A request or a connection of the page load, at the load's times.
    Page(Subject),
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    /// The text in the address bar and its parse, updated on every keystroke.
    pub input: Shared<String>,
    pub live: Shared<Result<Parsed, UrlError>>,
    /// The last valid URL that was submitted: the journey's URL.
    pub current: Option<Shared<Parsed>>,
    pub scenario: Shared<Scenario>,
    pub preset: Option<&'static str>,
    /// The preset the knobs were last reset to: what the link's knobs are written against.
    pub base: &'static str,
    /// What is followed ([`Focus`]) and its messages: the typed URL's journey or the slice of
    /// the page load ([`crate::model::journey::slice`]).
    pub focus: Focus,
    pub journey: JourneyRef,
    /// The typed URL's journey, kept while the page is followed.
    typed: JourneyRef,
    /// The page load below the journey.
    pub page: PageRef,
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
    /// The link's range, given back to the typed URL's journey when it is followed again.
    link_range: (Option<StepRef>, Option<StepRef>),
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
    Engine(omnibox::Engine),
    HttpsUpgrades(bool),
    Preload(bool),
    Hsts(HstsState),
    NoHttps(bool),
    Navigation(crate::model::initiator::Start),
    Protocol(crate::model::load::Protocol),
    AltSvc(crate::model::scenario::AltSvcState),
    HttpsRr(bool),
    Doh(bool),
    Ipv6(crate::model::scenario::Ipv6State),
    /// Packet loss, in percent.
    Loss(f64),
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
    /// To a step by id (a message from the embedding page), in the request or connection it
    /// names (which is followed, if the page has it, even when the step is not among its
    /// messages) or else in what is followed; the cursor stays where it is when the step is
    /// not there.
    Goto(Option<Subject>, StepRef),
    /// Follow the journey, or a request or connection of the page (a waterfall row, a pool
    /// slot): its messages go into the diagram, the inspector and the track.
    Follow(Focus),
    /// The page's own scrubber, at this time (µs): the page's selected request is followed,
    /// unless the page (a request or a connection of it) is followed already.
    PageSeek(u64),
    /// The page's "Play the load": its selected request is followed, from the load's start.
    PlayLoad,
    /// A change to the page (its preset, its text, a HAR file).
    Page(PageAction),
}

/// In reduced-motion playback, each step stays this long (real ms at 1×).
const REDUCED_DWELL_MS: f64 = 1200.0;

impl AppState {
    /// The state for `scenario` at its first step; the model runs once.
    fn start(
        scenario: Scenario,
        preset: Option<&'static str>,
        base: &'static str,
        page: PageState,
        reduced_motion: bool,
    ) -> AppState {
        let live = live_parse(&scenario.url, scenario.engine);
        let journey = JourneyRef(Rc::new(run(&scenario)));
        AppState {
            input: Shared::new(scenario.url.clone()),
            current: live.as_ref().ok().cloned().map(Shared::new),
            live: Shared::new(live),
            scenario: Shared::new(scenario),
            preset,
            base,
            focus: Focus::Journey,
            typed: journey.clone(),
            journey,
            page: PageRef(Rc::new(page)),
            cursor: 0,
            revealed: 0,
            playhead: Instant::ZERO,
            playing: false,
            speed: 1.0,
            reduced_motion,
            dwell_ms: 0.0,
            range: (None, None),
            link_range: (None, None),
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

    /// The index of `step` (that id, of that request) in what is followed.
    pub fn find(&self, step: StepRef) -> Option<usize> {
        self.journey
            .0
            .trace
            .events
            .iter()
            .position(|e| e.step == step.id && e.request == step.request)
    }

    /// The index of a step a link or the embedding page names: [`AppState::find`], or for an id
    /// without `@N` that the navigation lacks, its first occurrence in what is followed (the
    /// page's requests of the journey, a connection's requests), so the id the inspector shows
    /// opens it.
    pub fn find_named(&self, step: StepRef) -> Option<usize> {
        let step = self.absolute(step);
        self.find(step).or_else(|| {
            (step.request == 0)
                .then(|| {
                    let events = &self.journey.0.trace.events;
                    events.iter().position(|e| e.step == step.id)
                })
                .flatten()
        })
    }

    /// A step as a link names it, in what is followed: a step without `@N` of a followed
    /// request is that request's.
    fn absolute(&self, step: StepRef) -> StepRef {
        match (self.focus, step.request) {
            (Focus::Page(Subject::Request(n)), 0) => StepRef { request: n, ..step },
            _ => step,
        }
    }

    /// The step at the cursor as a link names it: without `@N` when it is the followed
    /// request's own (the link names the request).
    pub fn link_step(&self) -> Option<StepRef> {
        let st = self.step_ref()?;
        Some(match self.focus {
            Focus::Page(Subject::Request(n)) if st.request == n => StepRef { request: 0, ..st },
            _ => st,
        })
    }

    /// The page's request or connection followed, for the link.
    pub fn subject(&self) -> Option<Subject> {
        match self.focus {
            Focus::Journey => None,
            Focus::Page(s) => Some(s),
        }
    }

    /// The first step the cursor may be on: 0, or an embedded frame's `start`.
    pub fn lo(&self) -> usize {
        self.bounds.0
    }

    /// The last step the cursor may be on: the journey's last, or an embedded frame's `end`.
    pub fn hi(&self) -> usize {
        self.bounds.1
    }

    /// Where playback ends: the journey's end, or an embedded frame's `end` step; for a
    /// request of the page, the load's end (the waterfall plays on after the request's last
    /// message).
    pub fn end_time(&self) -> Instant {
        let own = timeline::range_end(&self.journey.0.trace, self.hi());
        match self.focus {
            Focus::Page(_) if self.hi() + 1 >= self.len() => own.max(self.page.0.load.0.end),
            _ => own,
        }
    }

    pub fn time_of(&self, i: usize) -> Instant {
        self.journey
            .0
            .trace
            .events
            .get(i)
            .map_or(Instant::ZERO, |e| e.at)
    }

    /// The view a link describes: its scenario and its page, what it follows, and the cursor
    /// on its step when that has it (else a note). A URL that does not parse shows as typed,
    /// with its error, as the `invalid-url` preset does.
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
        let page = PageState::from_link(&link.page, Network::of(&sc), vec![]);
        let mut s = AppState::start(sc, preset, base, page, reduced_motion);
        if let Some(sub) = link.follow {
            match s.clone().follow(sub) {
                Some(f) => s = f,
                None => notes.push(format!(
                    "{} is not in the page {}: showing the typed URL's journey",
                    subject_name(sub),
                    s.page.0.preset
                )),
            }
        }
        let mut missing = |s: &AppState, what: &str, st: Option<StepRef>| {
            let st = st?;
            let found = s.find_named(st);
            if found.is_none() {
                notes.push(format!(
                    "{what} {} does not happen in {}: {}",
                    st.to_param(),
                    s.followed_name(),
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
        if s.focus == Focus::Journey {
            s.link_range = s.range;
        }
        let s = s.bind();
        let cursor = missing(&s, "step", link.step).and_then(|st| s.find_named(st));
        let lo = s.lo();
        // Without a step, the journey (or the request followed) opens at its first message.
        let mut s = s.at_cursor(cursor.unwrap_or(lo));
        s.playing = embed.autoplay && !reduced_motion;
        s.sync_page()
    }

    /// What is followed, as a sentence's object: "this journey", "request #3 of the page".
    pub fn followed_name(&self) -> String {
        match self.focus {
            Focus::Journey => "this journey".to_string(),
            Focus::Page(sub) => format!("{} of the page", subject_name(sub)),
        }
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

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn at_cursor(mut self, cursor: usize) -> Self {
        let last = self.len().saturating_sub(1);
        self.cursor = cursor.clamp(self.lo(), self.hi());
        self.revealed = self.revealed.max(self.cursor).min(last);
        // Without messages (a recording's request) there is no step to put the playhead on.
        if !self.is_empty() {
            self.playhead = self.time_of(self.cursor);
        }
        self.dwell_ms = 0.0;
        self
    }

    /// At time `t` of what is followed (a request of the page may be followed from before its
    /// first message, where the page's time starts): the cursor on the last message by then.
    fn at_time(mut self, t: Instant) -> Self {
        let floor = match self.focus {
            Focus::Page(_) if self.lo() == 0 => Instant::ZERO,
            _ => self.time_of(self.lo()),
        };
        let t = t.min(self.end_time()).max(floor);
        let trace = &self.journey.0.trace;
        self.cursor = timeline::cursor_at(trace, t).clamp(self.lo(), self.hi());
        self.revealed = self.revealed.max(self.cursor);
        self.playhead = t;
        self
    }

    /// The page's time follows the playhead while a request of the page is followed.
    fn sync_page(mut self) -> Self {
        let t = self.playhead.micros();
        if matches!(self.focus, Focus::Page(_)) && self.page.0.t != t {
            let mut p = (*self.page.0).clone();
            p.t = t;
            self.page = PageRef(Rc::new(p));
        }
        self
    }

    /// Follows `sub` of the page: its messages become the journey on screen. The page's time
    /// stays when it is at or after their first (the cursor on the last one by then: a
    /// finished load shows a request's whole exchange), else goes to their first. None when
    /// the page has no such request or connection.
    fn follow(mut self, sub: Subject) -> Option<Self> {
        let j = journey_slice(&self.page, sub)?;
        let t = Instant::from_micros(self.page.0.t);
        let begun = j.trace.events.first().is_none_or(|e| e.at <= t);
        if let Subject::Request(id) = sub {
            if self.page.0.selected != id {
                self.page = PageRef(Rc::new(
                    self.page.0.as_ref().clone().apply(PageAction::Select(id)),
                ));
            }
        }
        self.focus = Focus::Page(sub);
        self.journey = JourneyRef(Rc::new(j));
        self.revealed = 0;
        self.range = (None, None);
        let s = self.bind();
        Some(if begun { s.at_time(t) } else { s.at_cursor(0) })
    }

    /// Back to the typed URL's journey, at its first step.
    fn unfollow(mut self) -> Self {
        self.focus = Focus::Journey;
        self.journey = self.typed.clone();
        self.range = self.link_range;
        self.revealed = 0;
        self.bind().at_cursor(0)
    }

    /// The followed request or connection again, in a page that ran again: the cursor stays on
    /// the same step when the new slice has it, else at the same time. A request followed is
    /// the page's selected one (a new preset or a recording selects its first); a connection
    /// the page no longer has gives way to it too.
    fn refollow(self) -> Self {
        let Focus::Page(sub) = self.focus else {
            return self;
        };
        let (old, old_time) = (self.step_ref(), self.playhead);
        let selected = Subject::Request(self.page.0.selected);
        let sub = match sub {
            Subject::Request(_) => selected,
            Subject::Connection(_) => sub,
        };
        let Some((sub, j)) = journey_slice(&self.page, sub)
            .map(|j| (sub, j))
            .or_else(|| journey_slice(&self.page, selected).map(|j| (selected, j)))
        else {
            return self.unfollow();
        };
        let mut s = self;
        s.focus = Focus::Page(sub);
        s.journey = JourneyRef(Rc::new(j));
        s.revealed = 0;
        let s = s.bind();
        match old.and_then(|st| s.find(st)) {
            Some(c) => s.at_cursor(c),
            None => s.at_time(old_time),
        }
    }

    /// Runs the model for a changed scenario, keeping the cursor on the same step (and request)
    /// when the new journey has it, else at the same time. The page takes the scenario's
    /// network and TLS version.
    fn rerun(mut self, scenario: Scenario) -> Self {
        let old = self.step_ref();
        let old_time = self.playhead;
        let network = Network::of(&scenario);
        self.scenario = Shared::new(scenario);
        self.typed = JourneyRef(Rc::new(run(&self.scenario)));
        if network != self.page.0.network {
            let p = self
                .page
                .0
                .as_ref()
                .clone()
                .apply(PageAction::Network(network));
            self.page = PageRef(Rc::new(p));
        }
        if let Focus::Page(_) = self.focus {
            return self.refollow();
        }
        self.journey = self.typed.clone();
        self.revealed = 0;
        let s = self.bind();
        let cursor = old
            .and_then(|st| s.find(st))
            .unwrap_or_else(|| timeline::cursor_at(&s.journey.0.trace, old_time));
        s.at_cursor(cursor)
    }

    /// The state after `action`: the reducer.
    pub fn apply(self, action: AppAction) -> AppState {
        self.act(action).sync_page()
    }

    fn act(self, action: AppAction) -> AppState {
        let s = self;
        match action {
            AppAction::Edit(text) => {
                let live = live_parse(&text, s.scenario.engine);
                AppState {
                    input: Shared::new(text),
                    live: Shared::new(live),
                    ..s
                }
            }
            AppAction::Go => match &*s.live {
                Ok(p) => {
                    let p = p.clone();
                    // Text typed with its scheme is the URL as parsed; anything else goes to
                    // the model as typed, so its address bar makes the same URL of it.
                    let url = if omnibox::typed_scheme(&s.input).is_some() {
                        p.getters.href.clone()
                    } else {
                        s.input.trim().to_string()
                    };
                    let scenario = Scenario {
                        url,
                        ..(*s.scenario).clone()
                    };
                    let mut n = AppState {
                        current: Some(Shared::new(p)),
                        preset: None,
                        focus: Focus::Journey,
                        ..s
                    }
                    .rerun(scenario)
                    .at_cursor(0);
                    n.playing = true;
                    n
                }
                Err(_) => s,
            },
            AppAction::Knob(k) => {
                let sc = knob((*s.scenario).clone(), k);
                // The search engine changes what the typed text goes to.
                let live = Shared::new(live_parse(&s.input, sc.engine));
                AppState {
                    preset: None,
                    live,
                    ..s
                }
                .rerun(sc)
            }
            AppAction::Preset(name) => {
                let Some((key, sc)) = crate::model::scenario::preset_named(&name) else {
                    return s;
                };
                let live = live_parse(&sc.url, sc.engine);
                AppState {
                    input: Shared::new(sc.url.clone()),
                    current: live
                        .as_ref()
                        .ok()
                        .cloned()
                        .map(Shared::new)
                        .or(s.current.clone()),
                    live: Shared::new(live),
                    preset: Some(key),
                    base: key,
                    focus: Focus::Journey,
                    ..s
                }
                .rerun(sc)
                .at_cursor(0)
            }
            AppAction::Play => s.play(),
            AppAction::Pause => AppState {
                playing: false,
                ..s
            },
            AppAction::TogglePlay => {
                if s.playing {
                    s.act(AppAction::Pause)
                } else {
                    s.act(AppAction::Play)
                }
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
            AppAction::Scrub(t) => AppState {
                playing: false,
                ..s
            }
            .at_time(t),
            AppAction::Speed(x) => {
                if !timeline::SPEEDS.contains(&x) {
                    return s;
                }
                AppState { speed: x, ..s }
            }
            AppAction::ReducedMotion(b) => AppState {
                reduced_motion: b,
                ..s
            },
            AppAction::Goto(sub, step) => {
                let s = match sub {
                    Some(sub) if Some(sub) != s.subject() => match s.clone().follow(sub) {
                        Some(f) => f,
                        None => return s,
                    },
                    _ => s,
                };
                match s.find_named(step) {
                    Some(i) => AppState {
                        playing: false,
                        ..s
                    }
                    .at_cursor(i),
                    None => s,
                }
            }
            AppAction::Follow(Focus::Journey) => {
                if s.focus == Focus::Journey {
                    return s;
                }
                AppState {
                    playing: false,
                    ..s
                }
                .unfollow()
            }
            AppAction::Follow(Focus::Page(sub)) => {
                if s.focus == Focus::Page(sub) {
                    return s;
                }
                let playing = s.playing;
                match s.clone().follow(sub) {
                    Some(mut f) => {
                        f.playing = playing;
                        f
                    }
                    None => s,
                }
            }
            AppAction::PageSeek(t) => {
                let s = s.follow_page();
                AppState {
                    playing: false,
                    ..s
                }
                .at_time(Instant::from_micros(t))
            }
            AppAction::PlayLoad => {
                // The page's button pauses the page; while the journey plays, it starts the page.
                let paging = matches!(s.focus, Focus::Page(_));
                let s = s.follow_page();
                if paging && s.playing {
                    return AppState {
                        playing: false,
                        ..s
                    };
                }
                let s = if s.playhead >= s.end_time() {
                    s.at_time(Instant::ZERO)
                } else {
                    s
                };
                AppState { playing: true, ..s }
            }
            AppAction::Page(a) => {
                let p = s.page.0.as_ref().clone().apply(a);
                let changed = !Rc::ptr_eq(&p.load.0, &s.page.0.load.0);
                let s = AppState {
                    page: PageRef(Rc::new(p)),
                    ..s
                };
                if changed {
                    AppState {
                        playing: false,
                        ..s
                    }
                    .refollow()
                } else {
                    s
                }
            }
            AppAction::Tick(real_ms) => s.tick(real_ms),
        }
    }

    /// The page's selected request followed, if the page is not followed already.
    fn follow_page(self) -> Self {
        if let Focus::Page(_) = self.focus {
            return self;
        }
        let id = self.page.0.selected;
        self.clone().follow(Subject::Request(id)).unwrap_or(self)
    }

    fn play(self) -> Self {
        let at_end = self.cursor >= self.hi() && self.playhead >= self.end_time();
        let lo = self.lo();
        let base = if at_end { self.at_cursor(lo) } else { self };
        AppState {
            playing: true,
            ..base
        }
    }

    /// An animation frame, `real_ms` after the last: the playhead moves on (or, without motion,
    /// the cursor after a dwell).
    fn tick(self, real_ms: f64) -> Self {
        let s = self;
        if !s.playing {
            return s;
        }
        let end = s.end_time();
        if s.reduced_motion {
            // No motion: the cursor jumps from step to step after a dwell.
            let dwell = s.dwell_ms
                + if real_ms.is_finite() {
                    real_ms.clamp(0.0, 250.0)
                } else {
                    0.0
                };
            if dwell < REDUCED_DWELL_MS / s.speed {
                return AppState {
                    dwell_ms: dwell,
                    ..s
                };
            }
            if s.cursor >= s.hi() {
                return AppState {
                    playing: false,
                    playhead: end,
                    ..s
                };
            }
            let c = s.cursor + 1;
            let mut n = s.at_cursor(c);
            n.playing = true;
            return n;
        }
        // The pace follows what is on the wire: in the whole load while the page is followed
        // (its other requests' messages play as slowly as the followed one's).
        let pace = match s.focus {
            Focus::Page(_) => &s.page.0.load.0.trace,
            Focus::Journey => &s.journey.0.trace,
        };
        let t = timeline::advance(pace, s.playhead, real_ms, s.speed, end);
        let trace = &s.journey.0.trace;
        let cursor = timeline::cursor_at(trace, t);
        if cursor > s.hi() {
            // An embedded frame's `end`: playback stops on that step.
            let hi = s.hi();
            let mut n = s.at_cursor(hi);
            n.playing = false;
            return n;
        }
        let revealed = s.revealed.max(cursor);
        AppState {
            playhead: t,
            cursor,
            revealed,
            playing: t < end,
            ..s
        }
    }
}

/// The address bar's live verdict: text typed with a scheme is parsed as it is (its error
/// shown); anything else is the URL the omnibox makes of it (a host with `http://` in front,
/// or the search engine's results page). Nothing typed is an error (Go is disabled).
pub fn live_parse(text: &str, engine: omnibox::Engine) -> Result<Parsed, UrlError> {
    if omnibox::typed_scheme(text).is_some() {
        return url::parse(text, None);
    }
    match omnibox::classify(text, engine).url() {
        Some(u) => url::parse(u, None),
        None => url::parse(text, None),
    }
}

/// The scenario with one knob changed.
fn knob(mut sc: Scenario, k: Knob) -> Scenario {
    match k {
        Knob::Profile(p) => sc.profile = Profile::builtin(p),
        Knob::Cache(c) => sc.cache = c,
        Knob::Dns(d) => sc.dns = d,
        Knob::Tls(t) => sc.tls = t,
        Knob::Protocol(p) => sc.protocol = p,
        Knob::AltSvc(a) => sc.alt_svc = a,
        Knob::HttpsRr(b) => sc.https_rr = b,
        Knob::Doh(b) => sc.doh = b,
        Knob::Ipv6(v) => sc.ipv6 = v,
        Knob::Loss(p) => sc.loss_percent = p.clamp(0.0, crate::model::load::MAX_LOSS_PERCENT),
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
        Knob::Engine(e) => sc.engine = e,
        Knob::HttpsUpgrades(b) => sc.https_upgrades = b,
        Knob::Preload(b) => sc.preload = b,
        Knob::Hsts(h) => sc.hsts = h,
        Knob::NoHttps(b) => sc.no_https = b,
        Knob::Navigation(s) => sc.navigation = s,
    }
    sc
}

/// `sub`'s messages in the page's load.
fn journey_slice(page: &PageRef, sub: Subject) -> Option<Journey> {
    let p = &page.0;
    crate::model::journey::slice(&p.load.0, sub, p.network.tls.version())
}

/// "request #3", "connection 2".
pub fn subject_name(sub: Subject) -> String {
    match sub {
        Subject::Request(n) => format!("request #{n}"),
        Subject::Connection(c) => format!("connection {c}"),
    }
}

/// What the bar above the diagram says about the request or connection followed.
#[derive(Clone, Debug, PartialEq)]
pub struct Followed {
    /// "Request #3 of many-images".
    pub title: String,
    /// The request's URL, or the connection's origin.
    pub url: String,
    /// How it went: its connection, or the requests a connection carried.
    pub detail: String,
}

/// "the page many-images", "the recording x.har": what the page section shows.
pub fn page_name(page: &PageState) -> String {
    match &page.har {
        Some(h) => format!("the recording {}", h.name),
        None => format!("the page {}", page.preset),
    }
}

/// [`Followed`] for `sub` of the load `l`, shown as `of` ([`page_name`]); None when the load
/// lacks it.
pub fn followed(l: &PageLoad, of: &str, sub: Subject) -> Option<Followed> {
    match sub {
        Subject::Request(n) => {
            let r = l.request(n)?;
            let conn = match r.connection {
                Some(c) if r.reused => format!("on connection {c}, reused"),
                Some(c) => format!("on connection {c}, which it opened"),
                None => "without a connection".to_string(),
            };
            Some(Followed {
                title: format!("Request #{n} of {of}"),
                url: r.url.clone(),
                detail: format!(
                    "{conn} · {} to {} ms of the load",
                    super::page::ms(r.start.micros()),
                    super::page::ms(r.end.micros())
                ),
            })
        }
        Subject::Connection(c) => {
            let conn = l.connections.iter().find(|x| x.id == c)?;
            let carried: Vec<String> = l
                .requests
                .iter()
                .filter(|r| r.connection == Some(c))
                .map(|r| format!("#{}", r.id))
                .collect();
            Some(Followed {
                title: format!("Connection {c} of {of}"),
                url: conn.origin.clone(),
                detail: format!(
                    "carried {} request{}: {}",
                    carried.len(),
                    if carried.len() == 1 { "" } else { "s" },
                    crate::model::text::shorten(&carried.join(", "), 80)
                ),
            })
        }
    }
}

impl AppState {
    /// The URL of what is followed: the typed one, or the page's request's (a connection's
    /// origin).
    pub fn shown_url(&self) -> String {
        match self.focus {
            Focus::Page(sub) => followed(&self.page.0.load.0, "", sub).map(|f| f.url),
            Focus::Journey => None,
        }
        .unwrap_or_else(|| self.scenario.url.clone())
    }

    /// What the live region says at the cursor: the step, and for the page the request (or
    /// connection) followed, with its URL.
    pub fn announcement(&self) -> String {
        let step = timeline::announcement(&self.journey.0.trace, self.cursor);
        match self.focus {
            Focus::Journey => step,
            Focus::Page(sub) => {
                match followed(&self.page.0.load.0, &page_name(&self.page.0), sub) {
                    Some(f) if step.is_empty() => format!("{} ({}): no messages", f.title, f.url),
                    Some(f) => format!("{} ({}). {step}", f.title, f.url),
                    None => step,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link;
    use crate::model::step::steps;

    fn open(query: &str) -> (AppState, Vec<String>) {
        let d = link::decode(query);
        let mut notes = d.notes;
        let embed = Embed::from_extra(&d.state.extra, &mut notes);
        let s = AppState::from_link(&d.state, &embed, false, &mut notes);
        (s, notes)
    }

    fn at(s: &AppState) -> (crate::model::step::StepId, u32) {
        let e = &s.journey.0.trace.events[s.cursor];
        (e.step, e.request)
    }

    #[test]
    fn a_link_reopens_a_request_of_the_page_at_its_step() {
        let (s, notes) = open("?page=many-images&request=4&step=tls.server_hello");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(s.focus, Focus::Page(Subject::Request(4)));
        assert_eq!(at(&s), (steps::TLS_SERVER_HELLO, 4));
        // Every message on screen is request 4's, at the load's own times.
        assert!(s.journey.0.trace.events.iter().all(|e| e.request == 4));
        assert_eq!(
            s.page.0.t,
            s.playhead.micros(),
            "the waterfall's cursor is the playhead"
        );
        assert_eq!(s.page.0.selected, 4);
        // The link written back is the one opened.
        assert_eq!(s.subject(), Some(Subject::Request(4)));
        assert_eq!(
            s.link_step().map(|r| r.to_param()).as_deref(),
            Some("tls.server_hello")
        );
        let said = s.announcement();
        assert!(said.contains("Request #4"), "{said}");
        assert!(said.contains("https://img.example/photos/03.jpg"), "{said}");
        assert!(said.contains("ServerHello"), "{said}");
    }

    #[test]
    fn stepping_moves_the_waterfall_and_scrubbing_it_moves_the_diagram() {
        let (s, _) = open("?page=many-images&request=4&step=tls.server_hello");
        let t0 = s.playhead;
        let s = s.apply(AppAction::Step(1));
        assert!(s.playhead >= t0);
        assert_eq!(s.page.0.t, s.playhead.micros());
        // The waterfall's scrubber, before request 4 began: its first message, at that time.
        let s = s.apply(AppAction::PageSeek(100_000));
        assert_eq!((s.cursor, s.page.0.t), (0, 100_000));
        // Later, in its handshake: the cursor is on the last message by then.
        let hello = s.journey.0.trace.find(steps::TLS_SERVER_HELLO).unwrap().at;
        let s = s.apply(AppAction::PageSeek(hello.micros()));
        assert_eq!(s.journey.0.trace.events[s.cursor].at, hello);
        assert_eq!(s.page.0.t, hello.micros());
    }

    #[test]
    fn selecting_a_row_or_a_slot_follows_it_and_back_returns_to_the_journey() {
        let (s, _) = open("?page=many-images");
        assert_eq!(s.focus, Focus::Journey);
        let typed = s.journey.clone();
        let page_t = s.page.0.t;
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Request(9))));
        assert_eq!(s.focus, Focus::Page(Subject::Request(9)));
        assert_eq!(s.page.0.selected, 9);
        // The page was at its end, after request 9: the waterfall stays there, and the diagram
        // shows request 9's whole exchange, on its last message.
        assert_eq!(s.cursor, s.len() - 1);
        assert_eq!((s.page.0.t, s.playhead.micros()), (page_t, page_t));
        // Home: its first message, and the waterfall's cursor there.
        let s = s.apply(AppAction::First);
        assert_eq!(s.cursor, 0);
        assert!(s.page.0.t < page_t);
        assert_eq!(s.page.0.t, s.playhead.micros());
        // Request 9 reused a connection: no handshake of its own.
        assert!(s.journey.0.trace.find(steps::TCP_SYN).is_none());
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Connection(2))));
        let evs = &s.journey.0.trace.events;
        assert!(evs.iter().all(|e| e.connection == Some(2)));
        assert!(evs.iter().any(|e| e.step == steps::TCP_SYN));
        let requests: std::collections::BTreeSet<u32> = evs.iter().map(|e| e.request).collect();
        assert!(
            requests.len() > 1,
            "connection 2 carried several requests: {requests:?}"
        );
        // A step of a connection names its request.
        let s = s.apply(AppAction::Last);
        assert!(s.link_step().is_some_and(|r| r.request != 0));
        let s = s.apply(AppAction::Follow(Focus::Journey));
        assert_eq!(s.focus, Focus::Journey);
        assert!(s.journey == typed);
        assert_eq!(s.subject(), None);
    }

    #[test]
    fn the_track_of_a_request_says_why_it_skips_a_stage() {
        use crate::model::step::Stage;
        use crate::timeline::{stages, StageState};
        let (s, _) = open("?page=many-images&request=4&step=tls.server_hello");
        let reason = |s: &AppState, stage: Stage| {
            let v = stages(&s.journey.0, s.cursor);
            v.into_iter().find(|v| v.stage == stage).unwrap().state
        };
        assert!(
            matches!(reason(&s, Stage::Url), StageState::Skipped(r) if r.contains("comes from the document"))
        );
        assert_eq!(reason(&s, Stage::Tls), StageState::Active);
        assert_eq!(reason(&s, Stage::Tcp), StageState::Done);
        assert_eq!(reason(&s, Stage::Http), StageState::Pending);
        // Request 9 waited for connection 2 and reused it.
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Request(9))));
        assert!(
            matches!(reason(&s, Stage::Tls), StageState::Skipped(r) if r.starts_with("connection reused"))
        );
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Request(1))));
        assert_eq!(
            reason(&s, Stage::Url),
            StageState::Done,
            "the document's URL is parsed"
        );
        let badge = crate::timeline::request_badge(&s.journey.0, &s.journey.0.trace.events[0]);
        assert_eq!(badge.as_deref(), Some("request #1"));
        // A redirect's hop is part of the navigation, not a request of the page.
        let (s, _) = open("?page=redirects&request=2");
        assert!(
            !matches!(reason(&s, Stage::Url), StageState::Skipped(r) if r.contains("comes from the document")),
            "{:?}",
            reason(&s, Stage::Url)
        );
    }

    #[test]
    fn the_request_followed_is_the_one_the_waterfall_selects() {
        let (s, _) = open("?page=many-images&request=4&step=tls.server_hello");
        // Another page that also has a request 4: its first request is selected, and followed.
        let s = s.apply(AppAction::Page(PageAction::Preset("multi-origin".into())));
        assert_eq!(s.page.0.selected, 1);
        assert_eq!(s.focus, Focus::Page(Subject::Request(1)));
    }

    #[test]
    fn a_preconnected_socket_is_a_connection_of_the_page() {
        let (s, _) = open("?page=preconnect&connection=4");
        assert_eq!(s.focus, Focus::Page(Subject::Connection(4)));
        let j = &s.journey.0;
        let badges: Vec<Option<String>> = j
            .trace
            .events
            .iter()
            .map(|e| crate::timeline::request_badge(j, e))
            .collect();
        assert_eq!(
            badges.first().cloned().flatten().as_deref(),
            Some("a preconnect, for no request yet")
        );
        assert!(
            badges.iter().any(|b| b.as_deref() == Some("request #4")),
            "{badges:?}"
        );
    }

    #[test]
    fn an_embedded_range_comes_back_with_the_journey() {
        let (s, _) = open("?embed=1&start=tls.client_hello&end=tls.finished&page=many-images");
        let bounds = (s.lo(), s.hi());
        assert!(bounds.0 > 0);
        let s = s
            .apply(AppAction::Follow(Focus::Page(Subject::Request(3))))
            .apply(AppAction::Follow(Focus::Journey));
        assert_eq!((s.lo(), s.hi()), bounds);
        assert_eq!(s.cursor, bounds.0);
    }

    #[test]
    fn the_journeys_knobs_drive_the_page_and_the_request_followed() {
        let (s, _) = open("?page=many-images&request=4&step=tls.server_hello");
        let s = s.apply(AppAction::Knob(Knob::Tls(TlsChoice::Tls12Rsa)));
        assert_eq!(s.focus, Focus::Page(Subject::Request(4)));
        assert_eq!(s.page.0.network.tls, TlsChoice::Tls12Rsa);
        let j = s.journey.0.clone();
        let hello = j.trace.find(steps::TLS_SERVER_HELLO).unwrap().summary();
        assert!(hello.contains("TLS 1.2"), "{hello}");
        assert_eq!(
            at(&s),
            (steps::TLS_SERVER_HELLO, 4),
            "the same step, in the new run"
        );
        // The document's connection does the whole RSA handshake (request 4's resumes).
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Request(1))));
        assert!(s.journey.0.trace.has(steps::TLS_CLIENT_KEY_EXCHANGE));
        assert_eq!(j.tls, Some(TlsChoice::Tls12Rsa.version()));
    }

    #[test]
    fn play_the_load_runs_the_page_from_its_start_to_its_end() {
        let (s, _) = open("?page=single");
        let end = s.page.0.load.0.end;
        let s = s.apply(AppAction::PlayLoad);
        assert!(s.playing);
        assert_eq!(s.focus, Focus::Page(Subject::Request(1)));
        assert_eq!(s.playhead, Instant::ZERO, "at its end, play starts it over");
        let mut s = s;
        let mut frames = 0;
        while s.playing && frames < 1_000_000 {
            s = s.apply(AppAction::Tick(100.0));
            frames += 1;
            assert_eq!(s.page.0.t, s.playhead.micros());
        }
        assert!(!s.playing);
        assert_eq!(s.playhead, end, "it plays on to the load's end, then stops");
        assert_eq!(s.cursor, s.len() - 1);
        // The page's button pauses too.
        let s = s.apply(AppAction::PlayLoad).apply(AppAction::Tick(16.0));
        let s = s.apply(AppAction::PlayLoad);
        assert!(!s.playing);
        // While the typed URL's journey plays, it starts the page instead.
        let s = s
            .apply(AppAction::Follow(Focus::Journey))
            .apply(AppAction::Play)
            .apply(AppAction::PlayLoad);
        assert!(s.playing && s.focus == Focus::Page(Subject::Request(1)));
    }

    #[test]
    fn a_link_to_a_request_the_page_lacks_says_so() {
        let (s, notes) = open("?page=single&request=40&step=tls.server_hello");
        assert_eq!(s.focus, Focus::Journey);
        assert!(
            notes[0].contains("request #40 is not in the page single"),
            "{notes:?}"
        );
        let (s, notes) = open("?page=many-images&connection=2&step=tls.server_hello");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(s.focus, Focus::Page(Subject::Connection(2)));
        assert_eq!(
            s.journey.0.trace.events[s.cursor].step,
            steps::TLS_SERVER_HELLO
        );
        let (_, notes) = open("?request=0&connection=x");
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn the_embedding_page_may_go_to_a_step_of_a_request() {
        let (s, _) = open("?page=many-images");
        let step = StepRef {
            id: steps::TLS_SERVER_HELLO,
            request: 0,
        };
        let s = s.apply(AppAction::Goto(Some(Subject::Request(4)), step));
        assert_eq!(s.focus, Focus::Page(Subject::Request(4)));
        assert_eq!(at(&s), (steps::TLS_SERVER_HELLO, 4));
        // A request the page lacks, or a step it lacks: nothing changes.
        let before = (s.focus, s.cursor);
        let s = s.apply(AppAction::Goto(Some(Subject::Request(400)), step));
        assert_eq!((s.focus, s.cursor), before);
        let s = s.apply(AppAction::Goto(
            Some(Subject::Request(9)),
            StepRef {
                id: steps::TCP_SYN,
                request: 0,
            },
        ));
        assert_eq!(
            s.focus,
            Focus::Page(Subject::Request(9)),
            "followed, its step lacking"
        );
    }

    #[test]
    fn a_recording_has_no_messages_and_nothing_breaks() {
        let (s, _) = open("?page=many-images");
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/common/chrome_like.har"
        ))
        .expect("the test HAR file");
        let entries = crate::model::har_replay::parse(&text).expect("it parses");
        let s = s
            .apply(AppAction::Follow(Focus::Page(Subject::Request(2))))
            .apply(AppAction::Page(PageAction::OpenHar(Ok((
                "chrome_like.har".into(),
                crate::model::har_replay::Recording::har(entries),
            )))));
        assert!(s.page.0.har.is_some());
        let first = s.page.0.load.0.requests[0].id;
        let t = s.page.0.t;
        let s = s.apply(AppAction::Follow(Focus::Page(Subject::Request(first))));
        assert!(s.is_empty(), "a recording holds no messages");
        assert_eq!(s.page.0.t, t, "the waterfall stays where it was");
        let s = s.apply(AppAction::Step(1)).apply(AppAction::First);
        assert_eq!(s.page.0.t, t, "no step moves it either");
        let mut s = s
            .apply(AppAction::Step(1))
            .apply(AppAction::Last)
            .apply(AppAction::PlayLoad);
        while s.playing {
            s = s.apply(AppAction::Tick(250.0));
        }
        assert_eq!(s.page.0.t, s.page.0.load.0.end.micros());
        assert!(s.announcement().contains("no messages"));
        let s = s.apply(AppAction::Page(PageAction::LeaveHar));
        assert!(!s.is_empty(), "back to the simulation's messages");
    }
}
