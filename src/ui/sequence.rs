//! The sequence diagram: one lifeline per actor, one row per event up to the cursor. A message
//! is an arrow from sender to receiver whose token flies as the playhead moves through its
//! simulated flight; the current row is highlighted; clicking (or Enter on) a row moves the
//! cursor there.

use super::state::{AppAction, JourneyRef};
use super::track::stage_class;
use crate::model::time::Instant;
use crate::model::trace::Actor;
use crate::timeline::{self, fixed};
use web_sys::Element;
use yew::prelude::*;

const GUTTER: f64 = 70.0;
const LANE_W: f64 = 118.0;
const ROW_H: f64 = 34.0;

#[derive(Properties, PartialEq)]
pub struct SequenceProps {
    pub journey: JourneyRef,
    pub cursor: usize,
    pub revealed: usize,
    pub playhead: Instant,
    pub reduced_motion: bool,
    pub dispatch: Callback<AppAction>,
}

fn lane_label(a: Actor) -> &'static str {
    match a {
        Actor::Browser => "Browser",
        Actor::Cache => "HTTP cache",
        Actor::Os => "OS resolver",
        Actor::Resolver => "Resolver",
        Actor::Root => "Root",
        Actor::Tld => "TLD",
        Actor::Authoritative => "Authoritative",
        Actor::Server => "Web server",
    }
}

#[component]
pub fn Sequence(p: &SequenceProps) -> Html {
    let trace = &p.journey.0.trace;
    let lanes = timeline::lanes(trace);
    let x =
        |a: Actor| GUTTER + (lanes.iter().position(|l| *l == a).unwrap_or(0) as f64 + 0.5) * LANE_W;
    let width = GUTTER + lanes.len() as f64 * LANE_W;
    let rows = timeline::rows(trace, p.cursor, p.revealed, p.playhead);
    let height = (rows.len() as f64 * ROW_H).max(ROW_H) + 8.0;
    let scroller = use_node_ref();
    {
        // Keep the current row in view inside the diagram's own scroll box (never the page).
        let scroller = scroller.clone();
        use_effect_with(p.cursor, move |cursor| {
            if let Some(c) = scroller.cast::<Element>() {
                if let Ok(Some(row)) = c.query_selector(&format!("[data-index='{cursor}']")) {
                    let (cb, rb) = (c.get_bounding_client_rect(), row.get_bounding_client_rect());
                    if rb.bottom() > cb.bottom() - 4.0 {
                        c.set_scroll_top(
                            c.scroll_top() + (rb.bottom() - cb.bottom() + ROW_H) as i32,
                        );
                    } else if rb.top() < cb.top() {
                        c.set_scroll_top(c.scroll_top() - (cb.top() - rb.top() + 8.0) as i32);
                    }
                }
            }
        });
    }
    // Drawn at its natural size when there is room, never below 75% (then the panel scrolls
    // sideways), so text keeps one size whatever the number of lanes.
    let size = format!(
        "max-width:{}px;min-width:{}px",
        fixed(width, 0),
        fixed(width * 0.75, 0)
    );
    let head = html! {
        <svg class="seq-head" style={size.clone()} viewBox={format!("0 0 {} 30", fixed(width, 0))} preserveAspectRatio="xMinYMin meet" aria-hidden="true">
            <text x="8" y="20" class="gutter-head">{ "time" }</text>
            { for lanes.iter().map(|a| html! {
                <text x={fixed(x(*a), 1)} y="20" text-anchor="middle" class={classes!("lane-head", (*a == Actor::Browser || *a == Actor::Server).then_some("major"))}>{ lane_label(*a) }</text>
            }) }
        </svg>
    };
    html! {
        <section class="panel sequence" aria-labelledby="seq-title">
            <h2 id="seq-title" class="panel-title">{ "Sequence diagram" }</h2>
            <div class="seq-wrap">
                { head }
                if p.cursor == 0 {
                    <p class="seq-hint" id="seq-hint">{ "Press ▶ Play (or Space) to watch the request travel, or → to go one message at a time. Click any row to inspect it." }</p>
                }
                <div class="seq-scroll" ref={scroller} style={size.clone()}>
                    <svg class="seq" viewBox={format!("0 0 {} {}", fixed(width, 0), fixed(height, 0))} preserveAspectRatio="xMinYMin meet"
                        role="group" aria-label="Messages and events so far">
                        { for lanes.iter().map(|a| html! {
                            <line class="lifeline" x1={fixed(x(*a), 1)} x2={fixed(x(*a), 1)} y1="0" y2={fixed(height, 1)} />
                        }) }
                        { for rows.iter().enumerate().map(|(k, r)| {
                            let y = k as f64 * ROW_H + ROW_H / 2.0;
                            let xa = x(r.actor);
                            let index = r.index;
                            let onclick = {
                                let d = p.dispatch.clone();
                                Callback::from(move |_| d.emit(AppAction::Seek(index)))
                            };
                            let onkeydown = {
                                let d = p.dispatch.clone();
                                Callback::from(move |e: KeyboardEvent| {
                                    if e.key() == "Enter" {
                                        e.prevent_default();
                                        d.emit(AppAction::Seek(index));
                                    }
                                })
                            };
                            // The accessible name starts with the visible text (time, then label).
                            let aria = match r.to {
                                Some(to) => format!("{} {}, {} from {} to {}", r.at, r.label, r.step, lane_label(r.actor), lane_label(to)),
                                None => format!("{} {}, {} at the {}", r.at, r.label, r.step, lane_label(r.actor)),
                            };
                            let body = match r.to {
                                Some(to) => {
                                    let xb = x(to);
                                    let dir = if xb >= xa { 1.0 } else { -1.0 };
                                    let prog = if p.reduced_motion { 1.0 } else { r.progress };
                                    let xp = xa + (xb - xa) * prog;
                                    let tip = format!("{},{} {},{} {},{}", fixed(xb, 1), fixed(y, 1), fixed(xb - 9.0 * dir, 1), fixed(y - 4.5, 1), fixed(xb - 9.0 * dir, 1), fixed(y + 4.5, 1));
                                    let mid = (xa + xb) / 2.0;
                                    html! {
                                        <>
                                            <line class="msg-ghost" x1={fixed(xa, 1)} x2={fixed(xb, 1)} y1={fixed(y, 1)} y2={fixed(y, 1)} />
                                            <line class="msg" x1={fixed(xa, 1)} x2={fixed(xp, 1)} y1={fixed(y, 1)} y2={fixed(y, 1)} />
                                            if prog >= 1.0 { <polygon class="tip" points={tip} /> }
                                            else { <circle class="flying" cx={fixed(xp, 1)} cy={fixed(y, 1)} r="5" /> }
                                            <text class="msg-label" x={fixed(mid, 1)} y={fixed(y - 6.0, 1)} text-anchor="middle">{ r.label.clone() }</text>
                                        </>
                                    }
                                }
                                None => {
                                    let last = lanes.last().copied() == Some(r.actor) && lanes.len() > 1;
                                    let (tx, anchor) = if last { (xa - 10.0, "end") } else { (xa + 10.0, "start") };
                                    html! {
                                        <>
                                            <rect class="note-dot" x={fixed(xa - 5.0, 1)} y={fixed(y - 5.0, 1)} width="10" height="10" rx="2" />
                                            <text class="note-label" x={fixed(tx, 1)} y={fixed(y + 4.0, 1)} text-anchor={anchor}>{ r.label.clone() }</text>
                                        </>
                                    }
                                }
                            };
                            html! {
                                <g class={classes!("row", stage_class(r.stage), r.current.then_some("current"), r.ahead.then_some("ahead"))}
                                    data-index={index.to_string()} data-step={r.step} data-request={r.request.to_string()} role="button" tabindex="0"
                                    aria-label={aria} aria-current={r.current.then_some("step")} {onclick} {onkeydown}>
                                    <rect class="row-bg" x="0" y={fixed(y - ROW_H / 2.0, 1)} width={fixed(width, 1)} height={fixed(ROW_H, 1)} />
                                    <text class="row-time" x={fixed(GUTTER - 8.0, 1)} y={fixed(y + 4.0, 1)} text-anchor="end">{ format!("{} ", r.at) }</text>
                                    { body }
                                </g>
                            }
                        }) }
                    </svg>
                </div>
            </div>
        </section>
    }
}
