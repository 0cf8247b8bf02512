//! The view-model: what the page draws for a journey at a moment, and for a page load
//! ([`page`]). Pure (no web crates), so it is tested natively; the Yew components only turn
//! these values into elements.
//!
//! The page holds a journey, a cursor (the index of the current event) and a playhead (a
//! simulated time). Playing moves the playhead and the cursor follows it; stepping moves the
//! cursor and puts the playhead at that event. Everything below is a function of
//! `(journey, cursor, playhead)`.

pub mod app;
pub mod page;

use crate::model::step::{steps, Stage, StepId};
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Event, Trace};
use crate::model::{journey::Journey, navigation::Outcome};

/// At 1×, one simulated millisecond takes this many real milliseconds, so a 600 ms navigation
/// plays in 15 s: slow enough to follow a message across the diagram.
pub const REAL_MS_PER_SIM_MS: f64 = 25.0;
/// When nothing is in flight and the next event is further away than this, the playhead moves
/// `IDLE_FACTOR` times faster (the 1 s before the user's click, for instance).
pub const IDLE_GAP: Duration = Duration::from_millis(30);
pub const IDLE_FACTOR: f64 = 12.0;
/// The speeds offered, as in the keyboard shortcuts 1–5.
pub const SPEEDS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// The actors that appear in the trace, in lane order (browser on the left, web server on the
/// right). The browser and the server are always there for a journey that reaches the network.
pub fn lanes(trace: &Trace) -> Vec<Actor> {
    lanes_from(trace, 0)
}

/// The lanes of the events from index `first` on (an embedded frame's `start`), and the
/// browser's always.
pub fn lanes_from(trace: &Trace, first: usize) -> Vec<Actor> {
    Actor::ALL
        .into_iter()
        .filter(|a| {
            trace
                .events
                .iter()
                .skip(first)
                .any(|e| e.actor == *a || e.flight.as_ref().is_some_and(|f| f.to == *a))
                || *a == Actor::Browser
        })
        .collect()
}

/// The lanes the rows around `cursor` use: its message or event, the `before` rows before it
/// and the `after` after it (from `first` on). On a narrow screen these are drawn at full width
/// and the others folded ([`LaneLayout::at`]).
pub fn lanes_near(
    trace: &Trace,
    cursor: usize,
    first: usize,
    (before, after): (usize, usize),
) -> Vec<Actor> {
    let from = cursor.saturating_sub(before).max(first);
    let near: Vec<&Event> = trace
        .events
        .iter()
        .skip(from)
        .take(cursor.saturating_sub(from) + 1 + after)
        .collect();
    Actor::ALL
        .into_iter()
        .filter(|a| {
            near.iter()
                .any(|e| e.actor == *a || e.flight.as_ref().is_some_and(|f| f.to == *a))
        })
        .collect()
}

/// Where the diagram's lifelines stand: the time gutter, then one lane per actor, each either
/// full (its name over it, its messages' labels between) or folded to a thin line when the
/// room is short and the rows in view do not use it.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneLayout {
    pub lanes: Vec<Actor>,
    /// Each lane's lifeline x.
    pub xs: Vec<f64>,
    /// Folded lanes: drawn, but without their name.
    pub folded: Vec<bool>,
    pub gutter: f64,
    pub width: f64,
}

impl LaneLayout {
    /// A lane's width when nothing constrains it (the SVG export's, and the app's before it
    /// knows its room).
    pub const NATURAL_W: f64 = 118.0;
    /// A full lane is never narrower than this, nor wider than [`Self::MAX_W`].
    pub const MIN_W: f64 = 64.0;
    pub const MAX_W: f64 = 200.0;
    /// A folded lane's width.
    pub const FOLDED_W: f64 = 12.0;

    /// Every lane at `lane_w`.
    pub fn even(lanes: &[Actor], gutter: f64, lane_w: f64) -> LaneLayout {
        let xs = (0..lanes.len())
            .map(|i| gutter + (i as f64 + 0.5) * lane_w)
            .collect();
        LaneLayout {
            lanes: lanes.to_vec(),
            xs,
            folded: vec![false; lanes.len()],
            gutter,
            width: gutter + lanes.len() as f64 * lane_w,
        }
    }

    /// The lanes fitted into `room` units (the panel's width; 0 when not yet known: the
    /// natural layout): every lane full and sharing the room when they fit at
    /// [`Self::MIN_W`] or more; else the lanes in `near` full and the others folded; else
    /// (even those do not fit) the lanes in `near` at [`Self::MIN_W`], wider than the room.
    pub fn fit(lanes: &[Actor], near: &[Actor], gutter: f64, room: f64) -> LaneLayout {
        if room <= gutter {
            return LaneLayout::even(lanes, gutter, Self::NATURAL_W);
        }
        let n = lanes.len().max(1) as f64;
        let each = (room - gutter) / n;
        if each >= Self::MIN_W {
            return LaneLayout::even(lanes, gutter, each.min(Self::MAX_W));
        }
        let folded: Vec<bool> = lanes.iter().map(|a| !near.contains(a)).collect();
        let full = folded.iter().filter(|f| !**f).count().max(1) as f64;
        let thin = (lanes.len() as f64 - full) * Self::FOLDED_W;
        let w = ((room - gutter - thin) / full).clamp(Self::MIN_W, Self::MAX_W);
        let mut x = gutter;
        let mut xs = Vec::with_capacity(lanes.len());
        for f in &folded {
            let lane = if *f { Self::FOLDED_W } else { w };
            xs.push(x + lane / 2.0);
            x += lane;
        }
        LaneLayout {
            lanes: lanes.to_vec(),
            xs,
            folded,
            gutter,
            width: x,
        }
    }

    /// The lanes fitted into `room` at the cursor ([`Self::fit`]): when not all fit, those
    /// the rows around the cursor use are full — the current row's and the two before and one
    /// after it, or fewer rows when that many lanes do not fit.
    pub fn at(
        trace: &Trace,
        lanes: &[Actor],
        (cursor, first): (usize, usize),
        gutter: f64,
        room: f64,
    ) -> LaneLayout {
        let mut layout = LaneLayout::fit(lanes, lanes, gutter, room);
        for window in [(2, 1), (1, 1), (1, 0), (0, 0)] {
            if layout.width <= room + 0.5 {
                break;
            }
            let near = lanes_near(trace, cursor, first, window);
            layout = LaneLayout::fit(lanes, &near, gutter, room);
        }
        layout
    }

    /// The x of `a`'s lifeline (the first lane's for an actor not among them).
    pub fn x(&self, a: Actor) -> f64 {
        let i = self.lanes.iter().position(|l| *l == a).unwrap_or(0);
        self.xs.get(i).copied().unwrap_or(self.gutter)
    }

    /// The last lane, where an event's label runs leftwards (none with a single lane).
    pub fn last(&self) -> Option<Actor> {
        self.lanes.last().copied().filter(|_| self.lanes.len() > 1)
    }
}

/// The index of the last event at or before `t` (0 when none).
pub fn cursor_at(trace: &Trace, t: Instant) -> usize {
    trace
        .events
        .partition_point(|e| e.at <= t)
        .saturating_sub(1)
}

/// When the journey's last thing happens: the playhead's end.
pub fn end(trace: &Trace) -> Instant {
    trace.end()
}

/// The playhead after `real_ms` of playback at `speed`, at most `end` (the trace's own end,
/// or a page load's when one of its requests is followed); `trace`'s messages set the pace
/// (faster where none is on the wire).
pub fn advance(trace: &Trace, t: Instant, real_ms: f64, speed: f64, end: Instant) -> Instant {
    let real_ms = if real_ms.is_finite() {
        real_ms.clamp(0.0, 250.0)
    } else {
        0.0
    };
    let speed = if speed.is_finite() {
        speed.clamp(0.05, 16.0)
    } else {
        1.0
    };
    let mut sim_us = real_ms * speed / REAL_MS_PER_SIM_MS * 1000.0;
    if is_idle(trace, t) {
        sim_us *= IDLE_FACTOR;
    }
    let next = t + Duration::from_micros(sim_us.round() as u64);
    next.min(end).max(t)
}

/// True when no message is in flight at `t` and the next event is more than [`IDLE_GAP`] away
/// (or there is none: a page load plays on after the request followed has ended).
pub fn is_idle(trace: &Trace, t: Instant) -> bool {
    let flying = trace.events.iter().any(|e| {
        e.flight
            .as_ref()
            .is_some_and(|f| f.sent_at <= t && t < f.arrives_at)
    });
    let next = trace.events.iter().map(|e| e.at).find(|at| *at > t);
    !flying && next.is_none_or(|n| n.since(t) > IDLE_GAP)
}

/// How a stage of the journey track looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageState {
    Done,
    Active,
    Pending,
    /// The journey does not pass through this stage, and why.
    Skipped(String),
    /// The journey ended in this stage with an error.
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageView {
    pub stage: Stage,
    pub state: StageState,
}

/// The journey track at `cursor`.
pub fn stages(j: &Journey, cursor: usize) -> Vec<StageView> {
    let events = &j.trace.events;
    let current = events.get(cursor).map(|e| e.stage);
    // Skipped is judged on the first request (the navigation, request 0 of a journey; the
    // request followed in a page; the one that opened a connection followed); a later request
    // (the page's fetch(), a connection's next request) may still pass through a stage the
    // first skipped, and is shown as active when the cursor is on it.
    let first = events.first().map_or(0, |e| e.request);
    let has = |s: Stage| events.iter().any(|e| e.stage == s && e.request == first);
    let has_step = |id: StepId| events.iter().any(|e| e.step == id && e.request == first);
    let failed_stage = match &j.outcome {
        Outcome::Error { .. } => events
            .iter()
            .rev()
            .find(|e| {
                ![
                    steps::NAV_ERROR_PAGE,
                    steps::NAV_INTERSTITIAL,
                    steps::TLS_ALERT,
                ]
                .contains(&e.step)
            })
            .map(|e| e.stage),
        _ => None,
    };
    let error_code = match &j.outcome {
        Outcome::Error { code, .. } => Some(code.clone()),
        _ => None,
    };
    // The transport is TCP or QUIC: the track shows the one the journey takes (TCP when it
    // takes neither), both when it takes both.
    let quic = events.iter().any(|e| e.stage == Stage::Quic);
    let tcp = events.iter().any(|e| e.stage == Stage::Tcp);
    Stage::ALL
        .into_iter()
        .filter(|s| match s {
            Stage::Quic => quic,
            Stage::Tcp => tcp || !quic,
            _ => true,
        })
        .map(|stage| {
            let state =
                if failed_stage == Some(stage) && cursor + 1 >= events.len().saturating_sub(2) {
                    StageState::Failed(error_code.clone().unwrap_or_default())
                } else if current == Some(stage) {
                    StageState::Active
                } else if !has(stage) {
                    StageState::Skipped(skip_reason(
                        j,
                        stage,
                        &has_step,
                        failed_stage,
                        error_code.as_deref(),
                    ))
                } else if events.iter().take(cursor + 1).any(|e| e.stage == stage) {
                    StageState::Done
                } else {
                    StageState::Pending
                };
            StageView { stage, state }
        })
        .collect()
}

/// The badge the inspector gives a step: in a journey, "page's fetch()" for its request 1; in
/// a page's request or connection, "request #N" on every step (a connection carries several).
pub fn request_badge(j: &Journey, e: &Event) -> Option<String> {
    match (j.of_page, e.request) {
        (false, 0) => None,
        (false, _) => Some("page's fetch()".to_string()),
        (true, 0) => Some("a preconnect, for no request yet".to_string()),
        (true, n) => Some(format!("request #{n}")),
    }
}

/// Where a click on `stage`'s pill takes the cursor: the first step of that stage among the
/// steps `lo..=hi` (an embedded frame's range, else the whole journey), or none when the
/// journey does not pass through it there.
pub fn stage_start(trace: &Trace, stage: Stage, (lo, hi): (usize, usize)) -> Option<usize> {
    trace
        .events
        .iter()
        .enumerate()
        .take(hi.saturating_add(1))
        .skip(lo)
        .find(|(_, e)| e.stage == stage)
        .map(|(i, _)| i)
}

/// Where playback of the steps up to `hi` ends: the journey's end when `hi` is its last step
/// (messages still in flight land), else step `hi`'s moment (an embedded frame's `end`).
pub fn range_end(trace: &Trace, hi: usize) -> Instant {
    if hi + 1 >= trace.events.len() {
        end(trace)
    } else {
        trace.events.get(hi).map_or(Instant::ZERO, |e| e.at)
    }
}

/// "step N of M", counted within the steps `lo..=hi` the view may show.
pub fn step_count(cursor: usize, (lo, hi): (usize, usize)) -> String {
    format!(
        "step {} of {}",
        cursor.saturating_sub(lo) + 1,
        hi.saturating_sub(lo) + 1
    )
}

fn skip_reason(
    j: &Journey,
    stage: Stage,
    has_step: &dyn Fn(StepId) -> bool,
    failed: Option<Stage>,
    code: Option<&str>,
) -> String {
    if let Outcome::NotFetched { scheme, .. } = &j.outcome {
        return format!("not fetched: {scheme} URLs carry no network request");
    }
    // A journey starts at the address bar; a request of a page does not, unless it is one of
    // the page's document requests (the first, whose URL is parsed, a redirect's hop, the
    // page's own): those are the navigation.
    let navigation = !j.of_page
        || j.trace.events.first().is_some_and(|e| e.request == 1)
        || j.trace.events.iter().any(|e| {
            e.step == steps::HTTP_REDIRECT
                || e.step == steps::POLICY_ORIGIN
                || e.step == steps::URL_HTTPS_FALLBACK
        });
    if let (Some(f), Some(code)) = (failed, code) {
        if stage > f {
            return format!("not reached: the journey ended with {code}");
        }
    }
    match stage {
        Stage::Dns | Stage::Pool | Stage::Tcp | Stage::Quic | Stage::Tls | Stage::Http
            if has_step(steps::CACHE_HIT) =>
        {
            "fresh cache hit: the stored response is used, no request to the server".to_string()
        }
        Stage::Dns | Stage::Tcp | Stage::Quic | Stage::Tls if has_step(steps::POOL_REUSE) => {
            "connection reused: an idle keep-alive connection needs no lookup and no handshakes"
                .to_string()
        }
        Stage::Tls if !navigation && j.tls.is_some() => {
            "no handshake of its own: the connection it took was secured already".to_string()
        }
        Stage::Tls => "no TLS: an http URL travels in the clear".to_string(),
        Stage::Url if !navigation => {
            "a request of the page: its URL comes from the document, not the address bar"
                .to_string()
        }
        Stage::Dns if !navigation => {
            "no lookup of its own: the host cache had the address, or the connection was open"
                .to_string()
        }
        _ if !navigation => "not part of this request".to_string(),
        _ => "not part of this journey".to_string(),
    }
}

/// One row of the sequence diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub index: usize,
    pub at: Instant,
    pub actor: Actor,
    /// For a message: the receiver and how far it has flown at the playhead (0 to 1).
    pub to: Option<Actor>,
    pub progress: f64,
    pub step: &'static str,
    pub stage: Stage,
    /// 0 for the navigation, 1 for the page's fetch().
    pub request: u32,
    pub current: bool,
    /// Already seen, but after the cursor.
    pub ahead: bool,
}

/// The rows to draw: every event up to the furthest point reached (`revealed`); those after
/// the cursor are marked `ahead` (drawn muted, with their messages complete).
pub fn rows(trace: &Trace, cursor: usize, revealed: usize, t: Instant) -> Vec<Row> {
    let upto = cursor.max(revealed);
    trace
        .events
        .iter()
        .enumerate()
        .filter(|(i, _)| *i <= upto)
        .map(|(i, e)| Row {
            index: i,
            at: e.at,
            actor: e.actor,
            to: e.flight.as_ref().map(|f| f.to),
            progress: if i > cursor {
                1.0
            } else {
                progress(e, t, i == cursor)
            },
            step: e.step.as_str(),
            stage: e.stage,
            request: e.request,
            current: i == cursor,
            ahead: i > cursor,
        })
        .collect()
}

/// How far a message has flown at `t`: 1 once arrived. The current event, when the playhead
/// stands exactly at it (after a step), is shown whole.
fn progress(e: &Event, t: Instant, current: bool) -> f64 {
    match &e.flight {
        None => 1.0,
        Some(f) => {
            let total = f.arrives_at.since(f.sent_at).micros();
            if total == 0 || t >= f.arrives_at || (current && t <= f.sent_at) {
                1.0
            } else {
                (t.since(f.sent_at).micros() as f64 / total as f64).clamp(0.0, 1.0)
            }
        }
    }
}

/// A short label for the diagram: the summary up to its first colon, unless that leaves one
/// word, which says too little ("task", "miss", "Cache-Control"); cut with an ellipsis where it
/// would pass `room` (the diagram's units, [`label_room`]).
pub fn short_label(e: &Event, room: f64) -> String {
    let head = e.summary().split(": ").next().unwrap_or(e.summary());
    let s = if head.chars().count() < 12 || !head.contains(' ') {
        e.summary()
    } else {
        head
    };
    let fits = ((room / LABEL_CHAR_W) as usize).max(MIN_LABEL_CHARS);
    if s.chars().count() <= fits {
        return s.to_string();
    }
    let mut out: String = s.chars().take(fits - 1).collect();
    out.push('…');
    out
}

/// About how wide one character of the diagram's labels is (12 px sans, bold on the current
/// row), in the diagram's units: what [`short_label`] fits into its room.
pub const LABEL_CHAR_W: f64 = 7.0;
/// A label keeps at least this many characters, whatever its room.
pub const MIN_LABEL_CHARS: usize = 16;

/// The room for a label anchored at `x` in a diagram `width` wide whose first `gutter` units
/// are the time column: centred on `x` (a message), or starting or ending there (an event).
pub fn label_room(width: f64, gutter: f64, x: f64, anchor: Anchor) -> f64 {
    let (left, right) = ((x - gutter).max(0.0), (width - x).max(0.0));
    match anchor {
        Anchor::Middle => 2.0 * left.min(right),
        Anchor::Start => right,
        Anchor::End => left,
    }
}

/// Where a label's text is anchored (SVG `text-anchor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A coloured stretch of the scrubber: `stage` from `start` to `end` (fractions of the whole).
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub stage: Stage,
    pub start: f64,
    pub end: f64,
}

/// The scrubber's phases: each event colours the time until the next one, except idle gaps
/// (nothing on the wire, the next event more than [`IDLE_GAP`] away), which stay neutral. As
/// fractions of `until`, the scrubber's end (the trace's own, or a page load's when one of its
/// requests is followed).
pub fn phases(trace: &Trace, until: Instant) -> Vec<Phase> {
    let total = until.max(end(trace)).micros().max(1) as f64;
    let mut out: Vec<Phase> = Vec::new();
    for (i, e) in trace.events.iter().enumerate() {
        let mut next = trace.events.get(i + 1).map_or(end(trace), |n| n.at);
        let busy_until = trace
            .events
            .iter()
            .filter_map(|x| x.flight.as_ref())
            .filter(|f| f.sent_at <= e.at && f.arrives_at > e.at)
            .map(|f| f.arrives_at)
            .max();
        if next.since(e.at) > IDLE_GAP {
            next = busy_until.unwrap_or(e.at).min(next);
        }
        let (a, b) = (e.at.micros() as f64 / total, next.micros() as f64 / total);
        match out.last_mut() {
            Some(last) if last.stage == e.stage => last.end = b,
            _ => out.push(Phase {
                stage: e.stage,
                start: a,
                end: b,
            }),
        }
    }
    out.retain(|p| p.end > p.start);
    out
}

/// Each step's position on the scrubber (0 to 1), which ends at `until` (as in [`phases`]).
pub fn ticks(trace: &Trace, until: Instant) -> Vec<f64> {
    let total = until.max(end(trace)).micros().max(1) as f64;
    trace
        .events
        .iter()
        .map(|e| e.at.micros() as f64 / total)
        .collect()
}

/// `v` with `decimals` decimals, by integer arithmetic. The page formats its numbers with this
/// so the web bundle carries no floating-point formatting code.
pub fn fixed(v: f64, decimals: u32) -> String {
    let v = if v.is_finite() {
        v.clamp(-1e12, 1e12)
    } else {
        0.0
    };
    let scale = 10i64.pow(decimals.min(6));
    let n = (v * scale as f64).round() as i64;
    let (sign, n) = if n < 0 { ("-", -n) } else { ("", n) };
    if decimals == 0 {
        format!("{sign}{n}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            n / scale,
            n % scale,
            width = decimals.min(6) as usize
        )
    }
}

/// `182.0 ms of 612.0 ms`
pub fn time_label(t: Instant, until: Instant) -> String {
    format!("{t} of {until}")
}

/// What the aria-live region says when the cursor lands on an event.
pub fn announcement(trace: &Trace, cursor: usize) -> String {
    match trace.events.get(cursor) {
        Some(e) => format!(
            "Step {} of {}, {}, at {}: {}",
            cursor + 1,
            trace.events.len(),
            e.step.info().title,
            e.at,
            e.summary()
        ),
        None => String::new(),
    }
}

/// The scrubber's phases as one CSS gradient (`linear-gradient(to right, …)`), each phase a band
/// in its stage's `colour`, the gaps transparent: one element to lay out and paint, not one per
/// phase.
pub fn phases_gradient(phases: &[Phase], colour: impl Fn(Stage) -> String) -> String {
    let mut stops = Vec::with_capacity(2 * phases.len() + 1);
    let mut at = 0.0f64;
    for ph in phases {
        if ph.start > at {
            stops.push(format!("transparent {} {}", percent(at), percent(ph.start)));
        }
        stops.push(format!(
            "{} {} {}",
            colour(ph.stage),
            percent(ph.start),
            percent(ph.end)
        ));
        at = at.max(ph.end);
    }
    stops.push(format!("transparent {} 100%", percent(at)));
    format!("linear-gradient(to right,{})", stops.join(","))
}

/// The steps' ticks (from [`ticks`]) as one CSS gradient: a 1 px line in `colour` at each.
pub fn ticks_gradient(ticks: &[f64], colour: &str) -> String {
    let mut stops = Vec::with_capacity(2 * ticks.len() + 1);
    for t in ticks {
        let p = percent(*t);
        stops.push(format!(
            "transparent {p},{colour} {p},{colour} calc({p} + 1px),transparent calc({p} + 1px)"
        ));
    }
    if stops.is_empty() {
        return "none".to_string();
    }
    format!("linear-gradient(to right,{})", stops.join(","))
}

/// A fraction (0 to 1) as a CSS percentage with three decimals.
pub fn percent(f: f64) -> String {
    format!("{}%", fixed(f * 100.0, 3))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scrubbers_phases_and_ticks_are_gradients() {
        let ph = [
            Phase {
                stage: Stage::Url,
                start: 0.0,
                end: 0.25,
            },
            Phase {
                stage: Stage::Dns,
                start: 0.5,
                end: 0.75,
            },
        ];
        let colour = |s: Stage| format!("var(--c-{s:?})");
        assert_eq!(
            phases_gradient(&ph, colour),
            "linear-gradient(to right,var(--c-Url) 0.000% 25.000%,transparent 25.000% 50.000%,\
             var(--c-Dns) 50.000% 75.000%,transparent 75.000% 100%)"
        );
        assert_eq!(
            ticks_gradient(&[0.5], "red"),
            "linear-gradient(to right,transparent 50.000%,red 50.000%,red calc(50.000% + 1px),\
             transparent calc(50.000% + 1px))"
        );
        assert_eq!(ticks_gradient(&[], "red"), "none");
    }

    use super::*;
    use crate::model::journey::run;
    use crate::model::scenario::{preset, Scenario};

    #[test]
    fn a_stage_pill_leads_to_the_stages_first_step_in_range() {
        let j = run(&Scenario::default());
        let all = (0, j.trace.events.len() - 1);
        let tls = stage_start(&j.trace, Stage::Tls, all).expect("the default journey has TLS");
        assert_eq!(j.trace.events[tls].step.as_str(), "tls.client_hello");
        assert!(j.trace.events[..tls].iter().all(|e| e.stage != Stage::Tls));
        assert_eq!(stage_start(&j.trace, Stage::Url, all), Some(0));
        // Within a range that starts after the stage's first step, its first step in range.
        assert_eq!(
            stage_start(&j.trace, Stage::Tls, (tls + 1, all.1)),
            Some(tls + 1)
        );
        assert_eq!(stage_start(&j.trace, Stage::Url, (tls, all.1)), None);
        // A stage the journey skips leads nowhere.
        let hit = run(&preset("fresh-cache").unwrap());
        let range = (0, hit.trace.events.len() - 1);
        let skipped: Vec<Stage> = stages(&hit, 0)
            .into_iter()
            .filter(|v| matches!(v.state, StageState::Skipped(_)))
            .map(|v| v.stage)
            .collect();
        assert!(!skipped.is_empty());
        for s in skipped {
            let first = stage_start(&hit.trace, s, range);
            // Only the page's own fetch() may pass through a stage the navigation skipped.
            assert!(
                first.is_none_or(|i| hit.trace.events[i].request > 0),
                "{s:?}"
            );
        }
    }

    #[test]
    fn lanes_fit_the_room_and_a_narrow_room_folds_those_not_in_view() {
        let j = run(&Scenario::default());
        let tr = &j.trace;
        let all = lanes(tr);
        assert_eq!(all.len(), 8, "{all:?}");
        // Unknown room: the natural layout, the SVG export's.
        let natural = LaneLayout::fit(&all, &all, 90.0, 0.0);
        assert_eq!(natural, LaneLayout::even(&all, 90.0, LaneLayout::NATURAL_W));
        assert_eq!(natural.width, 90.0 + 8.0 * 118.0);
        // A wide panel: every lane full, sharing the room (at most MAX_W each).
        let wide = LaneLayout::fit(&all, &all, 90.0, 900.0);
        assert!(wide.folded.iter().all(|f| !f));
        assert_eq!(wide.width, 900.0);
        assert_eq!(
            LaneLayout::fit(&all[..2], &all[..2], 90.0, 2000.0).width,
            90.0 + 2.0 * LaneLayout::MAX_W
        );
        // A phone during the TLS handshake: the browser and the server full, the rest folded,
        // and the ClientHello's arrow inside the room.
        let hello = tr
            .position(crate::model::step::steps::TLS_CLIENT_HELLO)
            .unwrap();
        let near = lanes_near(tr, hello, 0, (2, 1));
        assert_eq!(near, [Actor::Browser, Actor::Server]);
        let phone = LaneLayout::at(tr, &all, (hello, 0), 90.0, 350.0);
        assert_eq!(phone, LaneLayout::fit(&all, &near, 90.0, 350.0));
        assert_eq!(phone.folded.iter().filter(|f| !**f).count(), 2);
        assert!(phone.width <= 350.0, "{phone:?}");
        assert!(phone.x(Actor::Server) < 350.0);
        assert!(phone.x(Actor::Server) - phone.x(Actor::Browser) > 2.0 * LaneLayout::MIN_W);
        // In the DNS walk the resolvers are in view instead.
        let root = tr
            .position(crate::model::step::steps::DNS_QUERY_ROOT)
            .unwrap();
        let near = lanes_near(tr, root, 0, (2, 1));
        assert!(near.contains(&Actor::Root), "{near:?}");
        // Every step of the journey fits a phone's panel, with its own lanes full.
        for (i, e) in tr.events.iter().enumerate() {
            let l = LaneLayout::at(tr, &all, (i, 0), 90.0, 350.0);
            assert!(l.width <= 350.5, "step {i}: {l:?}");
            let full = |a: Actor| l.lanes.iter().zip(&l.folded).any(|(x, f)| *x == a && !f);
            assert!(full(e.actor), "step {i}");
            assert!(e.flight.as_ref().is_none_or(|f| full(f.to)), "step {i}");
        }
        // Too many lanes in view for the room: full ones keep MIN_W, and the diagram is wider.
        let cramped = LaneLayout::fit(&all, &all, 90.0, 300.0);
        assert!(cramped.width > 300.0);
        assert!(cramped
            .xs
            .windows(2)
            .all(|w| w[1] - w[0] >= LaneLayout::MIN_W));
    }

    #[test]
    fn a_label_takes_the_room_it_has() {
        let j = run(&Scenario::default());
        let e = j
            .trace
            .events
            .iter()
            .find(|e| e.summary().chars().count() > 50)
            .expect("a long summary");
        let n = e.summary().chars().count();
        let whole = short_label(e, LABEL_CHAR_W * n as f64);
        assert!(!whole.ends_with('…'), "{whole}");
        let cut = short_label(e, LABEL_CHAR_W * 30.0);
        assert_eq!(cut.chars().count(), 30);
        assert!(cut.ends_with('…'));
        assert_eq!(short_label(e, 0.0).chars().count(), MIN_LABEL_CHARS);
        // Centred labels are held by the nearer edge; others run to theirs.
        assert_eq!(label_room(900.0, 90.0, 300.0, Anchor::Middle), 420.0);
        assert_eq!(label_room(900.0, 90.0, 800.0, Anchor::Middle), 200.0);
        assert_eq!(label_room(900.0, 90.0, 300.0, Anchor::Start), 600.0);
        assert_eq!(label_room(900.0, 90.0, 300.0, Anchor::End), 210.0);
    }

    #[test]
    fn steps_are_counted_within_the_range_shown() {
        assert_eq!(step_count(0, (0, 58)), "step 1 of 59");
        assert_eq!(step_count(20, (18, 30)), "step 3 of 13");
        assert_eq!(step_count(0, (0, 0)), "step 1 of 1");
    }

    #[test]
    fn cursor_follows_the_playhead() {
        let j = run(&Scenario::default());
        let tr = &j.trace;
        assert_eq!(
            cursor_at(tr, Instant::ZERO),
            tr.events
                .iter()
                .rposition(|e| e.at == Instant::ZERO)
                .unwrap()
        );
        let syn = tr.position(crate::model::step::steps::TCP_SYN).unwrap();
        // At the SYN's time the cursor is on the last event of that instant: the SYN itself or
        // an event after it at the same time, never an earlier one.
        let c = cursor_at(tr, tr.events[syn].at);
        assert!(c >= syn && tr.events[c].at == tr.events[syn].at);
        assert!(tr
            .events
            .get(c + 1)
            .is_none_or(|n| n.at > tr.events[syn].at));
        // Just before it, the cursor is still before it.
        let before = Instant::from_micros(tr.events[syn].at.micros() - 1);
        assert!(cursor_at(tr, before) < syn);
        assert_eq!(cursor_at(tr, end(tr)), tr.events.len() - 1);
    }

    #[test]
    fn playback_pace_and_idle_skip() {
        let j = run(&Scenario::default());
        let tr = &j.trace;
        // In the middle of the DNS walk a message is in flight: 1 s real at 1× is 40 sim-ms.
        let t0 = tr
            .find(crate::model::step::steps::DNS_QUERY_ROOT)
            .unwrap()
            .at;
        assert!(!is_idle(tr, t0));
        let t1 = advance(tr, t0, 100.0, 1.0, end(tr));
        assert_eq!(t1.since(t0), Duration::from_micros(4000));
        assert_eq!(
            advance(tr, t0, 100.0, 4.0, end(tr)).since(t0),
            Duration::from_micros(16000)
        );
        // Waiting for the click: idle, so faster.
        let painted = tr.find(crate::model::step::steps::RENDER_PAINT).unwrap().at
            + Duration::from_millis(20);
        assert!(is_idle(tr, painted));
        assert!(
            advance(tr, painted, 100.0, 1.0, end(tr)).since(painted) > Duration::from_micros(4000)
        );
        assert_eq!(advance(tr, end(tr), 100.0, 1.0, end(tr)), end(tr));
        assert_eq!(advance(tr, t0, f64::NAN, f64::INFINITY, end(tr)), t0);
    }

    #[test]
    fn stages_done_active_skipped() {
        let j = run(&Scenario::default());
        let syn = j
            .trace
            .position(crate::model::step::steps::TCP_SYN)
            .unwrap();
        let s = stages(&j, syn);
        let st = |stage: Stage| s.iter().find(|v| v.stage == stage).unwrap().state.clone();
        assert_eq!(st(Stage::Tcp), StageState::Active);
        assert_eq!(st(Stage::Dns), StageState::Done);
        assert_eq!(st(Stage::Tls), StageState::Pending);

        let hit = run(&preset("fresh-cache").unwrap());
        let s = stages(&hit, 0);
        for stage in [Stage::Dns, Stage::Tcp, Stage::Tls] {
            let state = &s.iter().find(|v| v.stage == stage).unwrap().state;
            assert!(
                matches!(state, StageState::Skipped(r) if r.contains("fresh cache hit")),
                "{stage:?}: {state:?}"
            );
        }
        let http = run(&preset("http").unwrap());
        assert!(
            matches!(&stages(&http, 0)[5].state, StageState::Skipped(r) if r.contains("no TLS"))
        );
        let nx = run(&preset("nxdomain").unwrap());
        let last = nx.trace.events.len() - 1;
        let s = stages(&nx, last);
        assert!(
            matches!(&s[2].state, StageState::Failed(c) if c == "ERR_NAME_NOT_RESOLVED"),
            "{:?}",
            s[2]
        );
        assert!(matches!(&s[4].state, StageState::Skipped(r) if r.starts_with("not reached")));
    }

    #[test]
    fn fixed_point() {
        assert_eq!(fixed(12.345, 1), "12.3");
        assert_eq!(fixed(-0.05, 1), "-0.1");
        assert_eq!(fixed(3.0, 3), "3.000");
        assert_eq!(fixed(0.25, 2), "0.25");
        assert_eq!(fixed(7.6, 0), "8");
        assert_eq!(fixed(f64::NAN, 2), "0.00");
    }

    #[test]
    fn rows_and_flights() {
        let j = run(&Scenario::default());
        let tr = &j.trace;
        let syn = tr.position(crate::model::step::steps::TCP_SYN).unwrap();
        let e = &tr.events[syn];
        let f = e.flight.as_ref().unwrap();
        let mid = f.sent_at + f.arrives_at.since(f.sent_at).half();
        let r = rows(tr, syn, 0, mid);
        assert_eq!(r.len(), syn + 1);
        let later = rows(tr, syn, syn + 5, mid);
        assert_eq!(later.len(), syn + 6);
        assert!(later[syn + 3].ahead && later[syn + 3].progress == 1.0 && !later[syn].ahead);
        let last = r.last().unwrap();
        assert!(last.current && (last.progress - 0.5).abs() < 1e-9);
        assert_eq!(last.to, Some(Actor::Server));
        // Stepping onto it shows it whole.
        assert_eq!(rows(tr, syn, 0, e.at).last().unwrap().progress, 1.0);
        let click = tr.find(crate::model::step::steps::LOOP_CLICK).unwrap();
        assert!(
            short_label(click, 400.0).starts_with("task: the user clicks"),
            "{}",
            short_label(click, 400.0)
        );
        assert!(announcement(tr, syn).starts_with(&format!(
            "Step {} of {}, SYN",
            syn + 1,
            tr.events.len()
        )));
        assert_eq!(
            time_label(Instant::from_micros(182_000), end(tr)),
            format!("182.0 ms of {}", end(tr))
        );
        let ph = phases(tr, end(tr));
        // The wait for the user's click is not coloured as any stage.
        let click = tr
            .find(crate::model::step::steps::LOOP_CLICK)
            .unwrap()
            .at
            .micros() as f64
            / end(tr).micros() as f64;
        assert!(
            !ph.iter()
                .any(|p| p.start < click - 0.05 && p.end > click - 0.01),
            "{ph:?}"
        );
        assert!(ph.windows(2).all(|w| w[0].end <= w[1].start + 1e-12));
        assert_eq!(ticks(tr, end(tr)).len(), tr.events.len());
        assert!(lanes(tr).contains(&Actor::Root));
        assert!(!lanes(&run(&preset("resolver-cached").unwrap()).trace).contains(&Actor::Root));
    }
}
