//! The timeline and playback controls: a scrubber over the simulated time with the phases
//! coloured and a tick per step, and first / back / play-pause / forward / last and the speed.

use super::state::{AppAction, JourneyRef};
use super::track::stage_key;
use crate::model::time::Instant;
use crate::timeline::{self, fixed};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PlayerProps {
    pub journey: JourneyRef,
    pub cursor: usize,
    pub playhead: Instant,
    /// Where the scrubber ends: the journey's end (an embedded frame's `end` step), or the
    /// page load's while one of its requests is followed.
    pub end: Instant,
    pub playing: bool,
    pub speed: f64,
    /// The steps the view may show (an embedded frame's range, else all).
    pub range: (usize, usize),
}

/// The scrubber works in tenths of a millisecond.
const UNITS_PER_MS: f64 = 10.0;

#[derive(Properties, PartialEq)]
struct StripProps {
    journey: JourneyRef,
    end: Instant,
}

/// The coloured phases and the tick of every step: fixed for a journey, so rendered once per run
/// rather than on every frame; each drawn as one gradient, not an element per phase or step.
#[component]
fn Strip(p: &StripProps) -> Html {
    let trace = &p.journey.0.trace;
    let phases = timeline::phases_gradient(&timeline::phases(trace, p.end), |s| {
        format!("var(--c-{})", stage_key(s))
    });
    let ticks = timeline::ticks_gradient(&timeline::ticks(trace, p.end), "var(--muted)");
    html! {
        <>
            <span class="phases" style={format!("background:{phases}")}></span>
            <span class="ticks" style={format!("background:{ticks}")}></span>
        </>
    }
}

/// Playback icons as inline SVG: the symbol fonts of many systems lack ⏮ and ⏭.
fn icon(kind: &str) -> Html {
    let path = match kind {
        "first" => "M5 4h2v16H5zM20 4v16L9 12z",
        "back" => "M18 4v16L6 12z",
        "play" => "M7 4v16l13-8z",
        "pause" => "M6 4h4v16H6zM14 4h4v16h-4z",
        "forward" => "M6 4v16l12-8z",
        _ => "M17 4h2v16h-2zM4 4v16l11-8z",
    };
    html! { <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d={path} /></svg> }
}

#[component]
pub fn Player(p: &PlayerProps) -> Html {
    let dispatch = super::use_dispatch();
    let trace = &p.journey.0.trace;
    let end = timeline::end(trace).max(p.end);
    let max = (end.as_ms() * UNITS_PER_MS).round() as u64;
    let value = (p.playhead.as_ms() * UNITS_PER_MS).round() as u64;
    let n = trace.events.len();
    // Made once per dispatch callback (which never changes): equal from render to render, so
    // stepping does not re-register the buttons' listeners.
    let cbs = use_memo(dispatch.clone(), |d| {
        let mk = |f: fn() -> AppAction| {
            let d = d.clone();
            Callback::from(move |_: MouseEvent| d.emit(f()))
        };
        let scrub = {
            let d = d.clone();
            Callback::from(move |e: InputEvent| {
                let el: HtmlInputElement = e.target_unchecked_into();
                // The range gives whole tenths of a millisecond.
                if let Ok(v) = el.value().parse::<u64>() {
                    d.emit(AppAction::Scrub(Instant::from_micros(
                        v.saturating_mul(100),
                    )));
                }
            })
        };
        let speeds: Vec<Callback<MouseEvent>> = timeline::SPEEDS
            .iter()
            .map(|s| {
                let (d, s) = (d.clone(), *s);
                Callback::from(move |_: MouseEvent| d.emit(AppAction::Speed(s)))
            })
            .collect();
        (
            [
                mk(|| AppAction::First),
                mk(|| AppAction::Step(-1)),
                mk(|| AppAction::TogglePlay),
                mk(|| AppAction::Step(1)),
                mk(|| AppAction::Last),
            ],
            scrub,
            speeds,
        )
    });
    let (buttons, oninput, speed_cbs) = (&cbs.0, cbs.1.clone(), &cbs.2);
    let current = trace.events.get(p.cursor);
    let valuetext = current.map_or(String::new(), |e| {
        format!(
            "{}: {}, at {}",
            timeline::step_count(p.cursor, p.range),
            e.step.info().title,
            e.at
        )
    });
    // At either end of the range the buttons that would go further say so (and stay focusable).
    let (lo, hi) = p.range;
    let at_start = p.cursor <= lo;
    let at_end = p.cursor >= hi.min(n.saturating_sub(1));
    let off = |b: bool| b.then_some("true");
    html! {
        <section class="player" aria-label="Playback">
            <div class="scrub">
                <div class="scrub-strip" aria-hidden="true">
                    <Strip journey={p.journey.clone()} end={end} />
                    <span class="playhead" style={format!("left:{}", timeline::percent(if max == 0 { 0.0 } else { value as f64 / max as f64 }))}></span>
                </div>
                <input id="scrubber" type="range" min="0" max={max.to_string()} step="1" value={value.to_string()}
                    aria-label="Position in the journey" aria-valuetext={valuetext} {oninput} />
            </div>
            <div class="controls">
                <div class="buttons">
                    <button id="btn-first" type="button" aria-label="First step" title="First step (Home)" aria-disabled={off(at_start && p.playhead <= trace.events.get(lo).map_or(Instant::ZERO, |e| e.at))} onclick={buttons[0].clone()}>{ icon("first") }</button>
                    <button id="btn-back" type="button" aria-label="Step back" title="Step back (←)" aria-disabled={off(at_start)} onclick={buttons[1].clone()}>{ icon("back") }</button>
                    <button id="btn-play" type="button" class="play" aria-label={if p.playing { "Pause" } else { "Play" }}
                        title="Play / pause (Space)" onclick={buttons[2].clone()}>{ icon(if p.playing { "pause" } else { "play" }) }</button>
                    <button id="btn-forward" type="button" aria-label="Step forward" title="Step forward (→)" aria-disabled={off(at_end)} onclick={buttons[3].clone()}>{ icon("forward") }</button>
                    <button id="btn-last" type="button" aria-label="Last step" title="Last step (End)" aria-disabled={off(at_end && p.playhead >= p.end)} onclick={buttons[4].clone()}>{ icon("last") }</button>
                </div>
                <p class="clock" id="clock" aria-label="Simulated time">{ timeline::time_label(p.playhead, end) }</p>
                <div class="speeds" role="group" aria-label="Speed">
                    { for timeline::SPEEDS.iter().enumerate().map(|(i, s)| {
                        let onclick = speed_cbs[i].clone();
                        let label = if *s < 1.0 { format!("{}×", fixed(*s, 2).trim_end_matches('0')) } else { format!("{}×", fixed(*s, 0)) };
                        html! {
                            <button type="button" class="speed" aria-pressed={(p.speed == *s).to_string()}
                                title={format!("Speed {label} (key {})", i + 1)} {onclick}>{ label }</button>
                        }
                    }) }
                </div>
            </div>
            <p class="pace-note">{ format!("At 1×, 1 ms of simulated time takes {} ms; gaps where nothing is on the wire play {}× faster.", fixed(timeline::REAL_MS_PER_SIM_MS, 0), fixed(timeline::IDLE_FACTOR, 0)) }</p>
        </section>
    }
}
