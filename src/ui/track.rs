//! The journey track: URL → Cache → DNS → Socket pool → TCP → TLS → HTTP → Same-origin →
//! Render → Event loop, with the active stage lit, skipped stages marked with the reason, and a
//! token that moves to the active stage. A stage the journey passes through is a button that
//! takes the cursor to its first step.

use super::state::{AppAction, JourneyRef};
use crate::model::step::Stage;
use crate::timeline::{self, StageState};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TrackProps {
    pub journey: JourneyRef,
    pub cursor: usize,
    /// The steps the view may show (an embedded frame's range, else all).
    pub range: (usize, usize),
}

pub fn stage_key(s: Stage) -> &'static str {
    match s {
        Stage::Url => "url",
        Stage::Cache => "cache",
        Stage::Dns => "dns",
        Stage::Pool => "pool",
        Stage::Tcp => "tcp",
        Stage::Quic => "quic",
        Stage::Tls => "tls",
        Stage::Http => "http",
        Stage::SameOrigin => "origin",
        Stage::Render => "render",
        Stage::EventLoop => "loop",
    }
}

#[component]
pub fn Track(p: &TrackProps) -> Html {
    let dispatch = super::use_dispatch();
    let views = timeline::stages(&p.journey.0, p.cursor);
    let active = views
        .iter()
        .position(|v| matches!(v.state, StageState::Active | StageState::Failed(_)))
        .unwrap_or(0);
    let n = views.len().max(1);
    let token_left = format!("left: calc({} * (100% / {n}) + (100% / {n}) / 2)", active);
    html! {
        <nav class="track" aria-label="Journey stages">
            <ol>
                { for views.iter().map(|v| {
                    let (state, note) = match &v.state {
                        StageState::Done => ("done", None),
                        StageState::Active => ("active", None),
                        StageState::Pending => ("pending", None),
                        StageState::Skipped(r) => ("skipped", Some(r.clone())),
                        StageState::Failed(c) => ("failed", Some(format!("failed: {c}"))),
                    };
                    let label = v.stage.label();
                    let aria = match &note { Some(n) => format!("{label}: {state}, {n}"), None => format!("{label}: {state}") };
                    // The pill shows the reason up to its first colon; the whole of it is in the
                    // tooltip and the accessible name.
                    let note = note.map(|n| if state == "failed" { n.trim_start_matches("failed: ").to_string() } else { n.split(':').next().unwrap_or(&n).to_string() });
                    let title = aria.clone();
                    let content = html! {
                        <>
                            <span class="pill-name">{ label }</span>
                            if let Some(n) = note { <span class="pill-note">{ n }</span> }
                        </>
                    };
                    // A stage the navigation skips leads nowhere (the page's fetch() may still pass
                    // through it, and is reached by stepping).
                    let go = (!matches!(v.state, StageState::Skipped(_)))
                        .then(|| timeline::stage_start(&p.journey.0.trace, v.stage, p.range))
                        .flatten();
                    let current = (state == "active").then_some("step");
                    match go {
                        Some(i) => html! {
                            <li class="stage-pill" data-st={stage_key(v.stage)} data-stage={label} data-state={state} {title}>
                                <button type="button" class="pill-go" aria-label={format!("{aria}: go to its first step")}
                                    aria-current={current} onclick={dispatch.reform(move |_| AppAction::Seek(i))}>{ content }</button>
                            </li>
                        },
                        None => html! {
                            <li class="stage-pill" data-st={stage_key(v.stage)} data-stage={label} data-state={state}
                                {title} aria-label={aria} aria-current={current}>{ content }</li>
                        },
                    }
                }) }
            </ol>
            <span class="token" style={token_left} aria-hidden="true"></span>
        </nav>
    }
}
