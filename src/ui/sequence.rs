//! The sequence diagram: one lifeline per actor, one row per event up to the furthest point
//! reached. A message is an arrow from sender to receiver whose token flies as the playhead moves
//! through its simulated flight; the current row is highlighted; clicking (or Enter on) a row
//! moves the cursor there.
//!
//! The lanes are fitted to the panel's width ([`LaneLayout::fit`]): all of them when they fit,
//! else those the rows in view use, the others folded to thin lines, so that a whole message
//! stays in view on a phone or in a 720×480 frame. The rows' geometry is computed once per
//! journey and layout; the rows are drawn from
//! [`timeline::rows`] on each render, and Yew's diff touches only the elements that changed.
//! The scroll check runs in the next animation frame, where the browser lays the page out
//! anyway.

use super::state::{AppAction, JourneyRef};
use super::track::stage_key;
use crate::model::time::Instant;
use crate::model::trace::Actor;
use crate::timeline::{self, fixed, Anchor};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::svg::{lane_label, GUTTER, ROW_H};
use crate::timeline::LaneLayout;

/// The diagram's drawing grows by this many rows at a time.
const GROW_ROWS: usize = 8;

#[derive(Properties, PartialEq)]
pub struct SequenceProps {
    pub journey: JourneyRef,
    pub cursor: usize,
    pub revealed: usize,
    pub playhead: Instant,
    pub reduced_motion: bool,
    /// The first event shown: an embedded frame's `start` (0 otherwise). Rows and lanes before
    /// it are left out, so a frame that shows the TLS handshake draws two lanes.
    #[prop_or_default]
    pub first: usize,
}

/// The index of the row an event happened in, from its `data-index`.
fn row_index(target: Option<web_sys::EventTarget>) -> Option<usize> {
    let el = target?.dyn_into::<Element>().ok()?;
    el.closest("[data-index]")
        .ok()??
        .get_attribute("data-index")?
        .parse()
        .ok()
}

/// Keeps the row `cursor` in view inside `scroller` (never the page), one frame later: up and
/// down in the scroller, and sideways in the panel when the diagram is wider than it (a phone,
/// an embedded frame), so that the lanes of the current message or event are on screen.
fn scroll_row_into_view(scroller: &NodeRef, cursor: usize) {
    let Some(c) = scroller.cast::<Element>() else {
        return;
    };
    let Some(w) = web_sys::window() else { return };
    let f = Closure::once_into_js(move || {
        if let Ok(Some(row)) = c.query_selector(&format!("[data-index='{cursor}']")) {
            let (cb, rb) = (c.get_bounding_client_rect(), row.get_bounding_client_rect());
            if rb.bottom() > cb.bottom() - 4.0 {
                c.set_scroll_top(c.scroll_top() + (rb.bottom() - cb.bottom() + ROW_H) as i32);
            } else if rb.top() < cb.top() {
                c.set_scroll_top(c.scroll_top() - (cb.top() - rb.top() + 8.0) as i32);
            }
            // The arrow (or the event's mark), with some room around it.
            let part = row.query_selector(".msg-ghost, .note-dot").ok().flatten();
            if let (Some(wrap), Some(part)) = (c.parent_element(), part) {
                let (wb, pb) = (
                    wrap.get_bounding_client_rect(),
                    part.get_bounding_client_rect(),
                );
                let pad = 24.0;
                // An arrow wider than the panel shows from its left end, as the diagram opens.
                let fits = pb.width() <= wb.width() - 2.0 * pad;
                let shift = if pb.left() < wb.left() + pad {
                    pb.left() - wb.left() - pad
                } else if fits && pb.right() > wb.right() - pad {
                    pb.right() - wb.right() + pad
                } else {
                    0.0
                };
                if shift != 0.0 {
                    wrap.set_scroll_left(wrap.scroll_left() + shift as i32);
                }
            }
        }
    });
    let _ = w.request_animation_frame(f.unchecked_ref());
}

/// A message arrow: its ends, its tip, where its label goes, and the raw numbers the flying token
/// needs.
struct MsgGeom {
    x1: AttrValue,
    x2: AttrValue,
    tip: AttrValue,
    label_x: AttrValue,
    label_y: AttrValue,
    xa: f64,
    xb: f64,
    y: f64,
}

/// Everything about a row that is fixed for a journey, formatted once per run.
struct RowGeom {
    y: AttrValue,
    bg_y: AttrValue,
    text_y: AttrValue,
    time: AttrValue,
    label: AttrValue,
    aria: AttrValue,
    step: &'static str,
    stage_key: &'static str,
    request: AttrValue,
    index: AttrValue,
    msg: Option<MsgGeom>,
    /// Note: (dot x, dot y, text x, anchor).
    note: Option<(AttrValue, AttrValue, AttrValue, &'static str)>,
}

struct Geometry {
    rows: Vec<RowGeom>,
}

/// Every row's geometry for a journey in a lane layout (worked out again only when the layout
/// changes: the panel's width, or a narrow panel's lanes in use).
fn geometry((j, first, layout): &(JourneyRef, usize, LaneLayout)) -> Geometry {
    let trace = &j.0.trace;
    let first = *first;
    let x = |a: Actor| layout.x(a);
    let width = layout.width;
    let last_lane = layout.last();
    let rows = trace
        .events
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let y = k.saturating_sub(first) as f64 * ROW_H + ROW_H / 2.0;
            let xa = x(e.actor);
            let to = e.flight.as_ref().map(|f| f.to);
            // The label's room: centred between the lanes of a message; from beside an event's
            // dot to the diagram's edge (its left edge on the last lane, where it runs leftwards).
            let (ax, anchor) = match to {
                Some(t) => ((xa + x(t)) / 2.0, Anchor::Middle),
                None if last_lane == Some(e.actor) => (xa - 10.0, Anchor::End),
                None => (xa + 10.0, Anchor::Start),
            };
            let label = timeline::short_label(e, timeline::label_room(width, GUTTER, ax, anchor));
            // The accessible name starts with the visible text (time, then label).
            let aria = match to {
                Some(t) => format!(
                    "{} {}, {} from {} to {}",
                    e.at,
                    label,
                    e.step,
                    lane_label(e.actor),
                    lane_label(t)
                ),
                None => format!(
                    "{} {}, {} at the {}",
                    e.at,
                    label,
                    e.step,
                    lane_label(e.actor)
                ),
            };
            let msg = to.map(|t| {
                let xb = x(t);
                let dir = if xb >= xa { 1.0 } else { -1.0 };
                let tip = format!(
                    "{},{} {},{} {},{}",
                    fixed(xb, 1),
                    fixed(y, 1),
                    fixed(xb - 9.0 * dir, 1),
                    fixed(y - 4.5, 1),
                    fixed(xb - 9.0 * dir, 1),
                    fixed(y + 4.5, 1)
                );
                MsgGeom {
                    x1: fixed(xa, 1).into(),
                    x2: fixed(xb, 1).into(),
                    tip: tip.into(),
                    label_x: fixed((xa + xb) / 2.0, 1).into(),
                    label_y: fixed(y - 6.0, 1).into(),
                    xa,
                    xb,
                    y,
                }
            });
            let note = to.is_none().then(|| {
                let (tx, anchor) = if last_lane == Some(e.actor) {
                    (xa - 10.0, "end")
                } else {
                    (xa + 10.0, "start")
                };
                (
                    fixed(xa - 5.0, 1).into(),
                    fixed(y - 5.0, 1).into(),
                    fixed(tx, 1).into(),
                    anchor,
                )
            });
            RowGeom {
                y: fixed(y, 1).into(),
                bg_y: fixed(y - ROW_H / 2.0, 1).into(),
                text_y: fixed(y + 4.0, 1).into(),
                time: format!("{} ", e.at).into(),
                label: label.into(),
                aria: aria.into(),
                step: e.step.as_str(),
                stage_key: stage_key(e.stage),
                request: e.request.to_string().into(),
                index: k.to_string().into(),
                msg,
                note,
            }
        })
        .collect();
    Geometry { rows }
}

/// The width of the element `node` refers to (0 before it is laid out), read again whenever
/// it changes size (a resized window, the embedded layout applied after the first render).
#[hook]
fn use_width(node: NodeRef) -> f64 {
    let width = use_state_eq(|| 0.0f64);
    {
        let width = width.clone();
        use_effect_with((), move |_| {
            let el = node.cast::<Element>();
            let read = {
                let el = el.clone();
                move || {
                    if let Some(el) = &el {
                        width.set(f64::from(el.client_width()));
                    }
                }
            };
            read();
            // The new width is applied in the next frame, not inside the observer's callback:
            // a re-render there could resize the element again within the same frame, which the
            // browser reports as a ResizeObserver loop.
            let later = Closure::<dyn FnMut()>::new(read);
            let later = later.into_js_value();
            let cb = Closure::<dyn FnMut()>::new(move || {
                if let Some(w) = web_sys::window() {
                    let _ = w.request_animation_frame(later.unchecked_ref());
                }
            });
            let observer = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(el)) = (&observer, &el) {
                o.observe(el);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(cb);
            }
        });
    }
    *width
}

#[component]
pub fn Sequence(p: &SequenceProps) -> Html {
    let dispatch = super::use_dispatch();
    let trace = &p.journey.0.trace;
    let wrap = use_node_ref();
    let room = use_width(wrap.clone());
    let all = use_memo((p.journey.clone(), p.first), |(j, first)| {
        timeline::lanes_from(&j.0.trace, *first)
    });
    // On a narrow panel, the lanes the rows around the cursor use are drawn full and the
    // others folded.
    let layout = LaneLayout::at(trace, &all, (p.cursor, p.first), GUTTER, room);
    let geo = use_memo((p.journey.clone(), p.first, layout.clone()), geometry);
    let lanes = &layout.lanes;
    let x = |a: Actor| layout.x(a);
    let width = layout.width;
    let mut rows = timeline::rows(trace, p.cursor, p.revealed, p.playhead);
    rows.retain(|r| r.index >= p.first);
    // The drawing grows eight rows at a time, not one: a step that adds a row within the room
    // already drawn does not resize the SVG, whose every text would be laid out again.
    let total = trace.events.len().saturating_sub(p.first);
    let drawn = rows.len().div_ceil(GROW_ROWS) * GROW_ROWS;
    let height = (drawn.min(total).max(1) as f64 * ROW_H) + 8.0;
    let scroller = use_node_ref();
    {
        let scroller = scroller.clone();
        // Again when the panel changes size (the embedded layout comes after the first render).
        use_effect_with((p.cursor, room), move |(cursor, _)| {
            scroll_row_into_view(&scroller, *cursor)
        });
    }
    // Drawn at its natural size when there is room, never below 75% (then the panel scrolls
    // sideways), so text keeps one size whatever the number of lanes.
    let size = format!(
        "max-width:{}px;min-width:{}px",
        fixed(width, 0),
        fixed(width * 0.75, 0)
    );
    // One click and one keydown handler for all rows (delegation): a row says which event it is
    // in `data-index`, so stepping does not re-register a listener per row.
    let (onclick, onkeydown) = {
        let (d1, d2) = (dispatch.clone(), dispatch.clone());
        (
            Callback::from(move |e: MouseEvent| {
                if let Some(i) = row_index(e.target()) {
                    d1.emit(AppAction::Seek(i));
                }
            }),
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" {
                    if let Some(i) = row_index(e.target()) {
                        e.prevent_default();
                        d2.emit(AppAction::Seek(i));
                    }
                }
            }),
        )
    };
    // The SVG writer is the `export` module's (super::lazy): fetched on the first click.
    let svg_note = use_state(String::new);
    let save_svg = {
        let (journey, upto, note) = (
            p.journey.clone(),
            p.cursor.max(p.revealed),
            svg_note.clone(),
        );
        Callback::from(move |_| {
            let last = if upto == 0 { usize::MAX } else { upto };
            let title = journey
                .0
                .url
                .as_ref()
                .map_or("wirewalk".to_string(), |u| u.getters.href.clone());
            let (journey, note) = (journey.clone(), note.clone());
            yew::platform::spawn_local(async move {
                match super::lazy::sequence_svg(journey, last, title).await {
                    Ok(svg) => {
                        note.set(String::new());
                        super::files::download("wirewalk-sequence.svg", "image/svg+xml", &svg)
                    }
                    Err(_) => note.set("The SVG writer could not be fetched: try again.".into()),
                }
            })
        })
    };
    // The capture and its cryptography are the `capture` module's (super::lazy): fetched on
    // the first click.
    let save_pcap = {
        let (journey, note) = (p.journey.clone(), svg_note.clone());
        Callback::from(move |_| {
            let (journey, note) = (journey.clone(), note.clone());
            yew::platform::spawn_local(async move {
                match super::lazy::journey_capture(journey).await {
                    Ok(Ok(bytes)) => {
                        note.set(String::new());
                        super::files::download_bytes(
                            "wirewalk-journey.pcapng",
                            "application/vnd.tcpdump.pcap",
                            &bytes,
                        )
                    }
                    Ok(Err(why)) => note.set(format!("No capture: {why}.")),
                    Err(_) => {
                        note.set("The capture writer could not be fetched: try again.".into())
                    }
                }
            })
        })
    };
    let width_attr = AttrValue::from(fixed(width, 1));
    html! {
        <section class="panel sequence" aria-labelledby="seq-title">
            <div class="panel-head">
                <h2 id="seq-title" class="panel-title">{ "Sequence diagram" }</h2>
                <span class="panel-actions">
                    <button id="seq-save-svg" type="button" class="save-svg" onclick={save_svg}
                        title="The diagram up to this step as an SVG image (the whole journey before the first step is played)">{ "Save SVG" }</button>
                    <button id="seq-save-pcap" type="button" class="save-svg" onclick={save_pcap}
                        title="Every packet of the journey as Wireshark opens it: pcapng, the TLS secrets inside so it decrypts">{ "Download capture" }</button>
                </span>
                if !svg_note.is_empty() {
                    <span id="seq-svg-note" class="save-note" role="alert">{ (*svg_note).clone() }</span>
                }
            </div>
            <div class="seq-wrap" ref={wrap}>
                // In a box that keeps a scrollbar's gutter as the rows' scroller does, so that
                // both drawings get the same width, hence the same scale, and the lanes' heads
                // stand over their lifelines whatever the browser's scrollbars.
                <div class="seq-head-box" style={size.clone()}>
                <svg class="seq-head" viewBox={format!("0 0 {} 30", fixed(width, 0))} preserveAspectRatio="xMinYMin meet" aria-hidden="true">
                    <text x="8" y="20" class="gutter-head">{ "time" }</text>
                    { for lanes.iter().zip(&layout.folded).filter(|(_, f)| !**f).map(|(a, _)| html! {
                        <text x={fixed(x(*a), 1)} y="20" text-anchor="middle" class="lane-head" data-major={(*a == Actor::Browser || *a == Actor::Server).then_some("")}>{ lane_label(*a) }</text>
                    }) }
                </svg>
                </div>
                if p.cursor == 0 {
                    <p class="seq-hint" id="seq-hint">{ "Press ▶ Play (or Space) to watch the request travel, or → to go one message at a time. Click any row to inspect it." }</p>
                }
                <div class="seq-scroll" ref={scroller} style={size}>
                    <svg class="seq" viewBox={format!("0 0 {} {}", fixed(width, 0), fixed(height, 0))} preserveAspectRatio="xMinYMin meet"
                        role="group" aria-label="Messages and events so far" {onclick} {onkeydown}>
                        // Each list in a group of its own, its rows keyed: Yew diffs a list that shares
                        // its parent with other children without keys, from the end, so a row added
                        // would rewrite every row after it.
                        <g class="lifelines">
                        { for lanes.iter().map(|a| html! {
                            <line class="lifeline" x1={fixed(x(*a), 1)} x2={fixed(x(*a), 1)} y1="0" y2={fixed(height, 0)} />
                        }) }
                        </g>
                        <g class="rows">
                        { for rows.iter().filter(|r| r.index < geo.rows.len()).map(|r| html! {
                            <Row key={r.index} geo={geo.clone()} index={r.index} current={r.current} ahead={r.ahead}
                                progress={if p.reduced_motion { 1.0 } else { r.progress }} width={width_attr.clone()} />
                        }) }
                        </g>
                    </svg>
                </div>
            </div>
        </section>
    }
}

/// One row of the diagram: a component of its own, so that a step re-renders only the rows
/// whose props changed (the one that became current, the one it left, one revealed or moving),
/// not every row drawn.
#[derive(Properties)]
struct RowProps {
    /// Every row's geometry (the same `Rc` until the journey or the layout changes).
    geo: Rc<Geometry>,
    index: usize,
    current: bool,
    ahead: bool,
    /// How far its message has flown, 0 to 1 (1 with reduced motion).
    progress: f64,
    /// The drawing's width, for the row's background.
    width: AttrValue,
}

impl PartialEq for RowProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.geo, &o.geo)
            && (self.index, self.current, self.ahead, self.width.as_str())
                == (o.index, o.current, o.ahead, o.width.as_str())
            && self.progress.to_bits() == o.progress.to_bits()
    }
}

#[component]
fn Row(r: &RowProps) -> Html {
    let Some(g) = r.geo.rows.get(r.index) else {
        return Html::default();
    };
    let body = match (&g.msg, &g.note) {
        (
            Some(MsgGeom {
                x1,
                x2,
                tip,
                label_x: lx,
                label_y: ly,
                xa,
                xb,
                y,
            }),
            _,
        ) => {
            let (xa, xb, y) = (*xa, *xb, *y);
            let moving = r.progress < 1.0;
            let xp = xa + (xb - xa) * r.progress;
            html! {
                <>
                    <line class="msg-ghost" x1={x1.clone()} x2={x2.clone()} y1={g.y.clone()} y2={g.y.clone()} />
                    <line class="msg" x1={x1.clone()} x2={if moving { AttrValue::from(fixed(xp, 1)) } else { x2.clone() }} y1={g.y.clone()} y2={g.y.clone()} />
                    if moving { <circle class="flying" cx={fixed(xp, 1)} cy={fixed(y, 1)} r="5" /> }
                    else { <polygon class="tip" points={tip.clone()} /> }
                    <text class="msg-label" x={lx.clone()} y={ly.clone()} text-anchor="middle">{ g.label.clone() }</text>
                </>
            }
        }
        (None, Some((dx, dy, tx, anchor))) => html! {
            <>
                <rect class="note-dot" x={dx.clone()} y={dy.clone()} width="10" height="10" rx="2" />
                <text class="note-label" x={tx.clone()} y={g.text_y.clone()} text-anchor={*anchor}>{ g.label.clone() }</text>
            </>
        },
        (None, None) => Html::default(),
    };
    html! {
        <g class="row" data-st={g.stage_key} data-ahead={r.ahead.then_some("")}
            data-index={g.index.clone()} data-step={g.step} data-request={g.request.clone()} role="button" tabindex="0"
            aria-label={g.aria.clone()} aria-current={r.current.then_some("step")}>
            <rect class="row-bg" x="0" y={g.bg_y.clone()} width={r.width.clone()} height={fixed(ROW_H, 1)} />
            <text class="row-time" x={fixed(GUTTER - 8.0, 1)} y={g.text_y.clone()} text-anchor="end">{ g.time.clone() }</text>
            { body }
        </g>
    }
}
