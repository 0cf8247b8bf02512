//! Standalone SVG pictures for slides and articles: the sequence diagram of a journey and the
//! waterfall of a page load, drawn from the model's output as the app draws them (the same lane
//! and row geometry, the light theme's colours), with every text escaped.
//!
//! Left out: what only moves on screen (the flying tokens, the playhead) and interaction. The
//! waterfall shows every request, where the page's view draws only the first few hundred.

use crate::model::load::{PageLoad, PhaseName};
use crate::model::step::Stage;
use crate::model::trace::{Actor, Trace};
use crate::timeline::{self, fixed};
use std::fmt::Write;

/// The diagram's geometry: the time gutter, one lane per actor ([`timeline::LaneLayout`], here
/// at its natural width), one row per event (the app's sequence view uses the same, its lanes
/// fitted to its panel). The gutter is wide enough for `12345.678 ms` in the 11 px monospace
/// time labels (a journey's click and fetch come after a second).
pub const GUTTER: f64 = 90.0;
pub const ROW_H: f64 = 34.0;

pub use crate::model::text::escape_xml as escape;

/// The light theme's stage colours (static/style.css, `--c-*`).
fn stage_colour(s: Stage) -> &'static str {
    match s {
        Stage::Url => "#6d28d9",
        Stage::Cache => "#a16207",
        Stage::Dns => "#0e7490",
        Stage::Pool => "#4d7c0f",
        Stage::Tcp => "#1d4ed8",
        Stage::Quic => "#4338ca",
        Stage::Tls => "#be123c",
        Stage::Http => "#c2410c",
        Stage::SameOrigin => "#0f766e",
        Stage::Render => "#a21caf",
        Stage::EventLoop => "#475569",
    }
}

/// The lane's name over its lifeline (the app's diagram uses it too).
pub fn lane_label(a: Actor) -> &'static str {
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

const FONT: &str = "font-family=\"system-ui, sans-serif\"";

/// The document's start: its size, a white page, the title as `<title>` and as a heading.
fn open(width: f64, height: f64, title: &str) -> String {
    let t = escape(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} font-size=\"12\">\
         <title>{t}</title><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"700\" fill=\"#1a1d23\">{t}</text>",
        w = fixed(width, 0),
        h = fixed(height, 0)
    )
}

/// The sequence diagram of `trace` up to event `upto` (inclusive), as the app shows it there.
pub fn sequence(trace: &Trace, upto: usize, title: &str) -> String {
    let layout = timeline::LaneLayout::even(
        &timeline::lanes(trace),
        GUTTER,
        timeline::LaneLayout::NATURAL_W,
    );
    let (lanes, width) = (&layout.lanes, layout.width);
    let x = |a: Actor| layout.x(a);
    let events: Vec<_> = trace.events.iter().take(upto.saturating_add(1)).collect();
    let top = 56.0;
    let height = top + events.len() as f64 * ROW_H + 12.0;
    let mut s = open(width, height, title);
    let _ = write!(s, "<text x=\"8\" y=\"44\" fill=\"#545b66\">time</text>");
    for a in lanes {
        let major = matches!(a, Actor::Browser | Actor::Server);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"44\" text-anchor=\"middle\" font-weight=\"{}\" fill=\"{}\">{}</text>\
             <line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#d9dde3\" stroke-dasharray=\"3 4\"/>",
            fixed(x(*a), 1),
            if major { 700 } else { 600 },
            if major { "#1a1d23" } else { "#545b66" },
            lane_label(*a),
            fixed(top, 0),
            fixed(height - 6.0, 0),
            x = fixed(x(*a), 1)
        );
    }
    for (i, e) in events.iter().enumerate() {
        let y = top + i as f64 * ROW_H;
        let mid = y + ROW_H * 0.62;
        let colour = stage_colour(e.stage);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\" fill=\"#545b66\">{} ms</text>",
            fixed(GUTTER - 8.0, 1),
            fixed(mid, 1),
            fixed(e.at.micros() as f64 / 1000.0, 1)
        );
        let (anchor_x, anchor) = match &e.flight {
            Some(f) => ((x(f.from) + x(f.to)) / 2.0, timeline::Anchor::Middle),
            None => (x(e.actor) + 8.0, timeline::Anchor::Start),
        };
        let room = timeline::label_room(width, GUTTER, anchor_x, anchor);
        let label = escape(&timeline::short_label(e, room));
        match &e.flight {
            Some(f) => {
                let (x1, x2) = (x(f.from), x(f.to));
                let dir = if x2 >= x1 { 1.0 } else { -1.0 };
                let _ = write!(
                    s,
                    "<line x1=\"{}\" x2=\"{}\" y1=\"{y2}\" y2=\"{y2}\" stroke=\"{colour}\" stroke-width=\"1.6\"/>\
                     <path d=\"M{} {} l{} -4 v8 z\" fill=\"{colour}\"/>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1a1d23\">{label}</text>",
                    fixed(x1, 1),
                    fixed(x2, 1),
                    fixed(x2, 1),
                    fixed(mid + 4.0, 1),
                    fixed(-7.0 * dir, 1),
                    fixed((x1 + x2) / 2.0, 1),
                    fixed(mid, 1),
                    y2 = fixed(mid + 4.0, 1)
                );
            }
            None => {
                let cx = x(e.actor);
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" rx=\"2\" fill=\"{colour}\"/>\
                     <text x=\"{}\" y=\"{}\" fill=\"#1a1d23\">{label}</text>",
                    fixed(cx - 4.0, 1),
                    fixed(mid - 8.0, 1),
                    fixed(cx + 8.0, 1),
                    fixed(mid, 1)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The light theme's phase colours (static/style.css, `[data-ph=…]`).
fn phase_colour(name: PhaseName) -> &'static str {
    match name {
        PhaseName::Queueing => "#a8a29e",
        PhaseName::Stalled => "#d6d3d1",
        PhaseName::DnsLookup => "#0e7490",
        PhaseName::InitialConnection => "#ea580c",
        PhaseName::Ssl => "#9333ea",
        PhaseName::RequestSent => "#475569",
        PhaseName::Waiting => "#16a34a",
        PhaseName::ContentDownload => "#2563eb",
    }
}

/// A tick every 1, 2 or 5 × 10ⁿ ms, about eight across.
fn tick_ms(end_ms: f64) -> f64 {
    let raw = (end_ms / 8.0).max(0.001);
    let pow = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|t| *t >= raw)
        .unwrap_or(10.0 * pow)
}

/// The waterfall of a page load: one row per request, its phases as coloured bars on one time
/// axis, with the legend.
pub fn waterfall(load: &PageLoad, title: &str) -> String {
    let end_ms = (load.end.micros() as f64 / 1000.0).max(1.0);
    let height = TOP + load.requests.len() as f64 * WF_ROW_H + 16.0;
    let mut s = open(LABEL_W + BAR_W + 20.0, height, title);
    legend(&mut s, 28.0);
    panel(&mut s, load, (TOP, height - 8.0), end_ms);
    s.push_str("</svg>\n");
    s
}

/// The same page loaded several ways (`loads`: each with its label), one waterfall under the
/// other on one time axis: the longest load sets the scale for all.
pub fn waterfalls(loads: &[(&str, &PageLoad)], title: &str) -> String {
    let end_ms = (loads.iter())
        .map(|(_, l)| l.end.micros() as f64 / 1000.0)
        .fold(1.0, f64::max);
    let heights: Vec<f64> = (loads.iter())
        .map(|(_, l)| 30.0 + l.requests.len() as f64 * WF_ROW_H + 24.0)
        .collect();
    let height = 48.0 + heights.iter().sum::<f64>();
    let mut s = open(LABEL_W + BAR_W + 20.0, height, title);
    legend(&mut s, 28.0);
    let mut y = 48.0;
    for ((label, l), h) in loads.iter().zip(&heights) {
        let _ = write!(
            s,
            "<text x=\"8\" y=\"{}\" font-size=\"13\" font-weight=\"700\" fill=\"#1a1d23\">{} <tspan font-weight=\"400\" fill=\"#545b66\">· loaded in {} ms</tspan></text>",
            fixed(y + 14.0, 1),
            escape(label),
            fixed(l.end.micros() as f64 / 1000.0, 1)
        );
        panel(&mut s, l, (y + 30.0 + 14.0, y + h - 8.0), end_ms);
        y += h;
    }
    s.push_str("</svg>\n");
    s
}

/// The waterfall's measures: the labels' column, the bars' width, a row, the first row.
const LABEL_W: f64 = 300.0;
const BAR_W: f64 = 700.0;
const WF_ROW_H: f64 = 22.0;
const TOP: f64 = 70.0;

/// The phases' colours, in a row at `y`.
fn legend(s: &mut String, y: f64) {
    let mut lx = 8.0;
    for p in PhaseName::ALL {
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#545b66\" font-size=\"11\">{p}</text>",
            fixed(lx, 1),
            fixed(y, 0),
            phase_colour(p),
            fixed(lx + 14.0, 1),
            fixed(y + 9.0, 0)
        );
        lx += 26.0 + p.label().len() as f64 * 6.4;
    }
}

/// One load's rows from `top` (its time axis above them, its grid down to `bottom`), at the
/// scale of `end_ms` across the bars' width.
fn panel(s: &mut String, load: &PageLoad, (top, bottom): (f64, f64), end_ms: f64) {
    let scale = BAR_W / end_ms;
    let tick = tick_ms(end_ms);
    let mut t = 0.0;
    while t <= end_ms + 1e-9 {
        let x = LABEL_W + t * scale;
        let _ = write!(
            s,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#d9dde3\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#545b66\">{} ms</text>",
            fixed(top - 6.0, 0),
            fixed(bottom, 0),
            fixed(top - 10.0, 0),
            fixed(t, if tick < 1.0 { 1 } else { 0 }),
            x = fixed(x, 1)
        );
        t += tick;
    }
    for (i, r) in load.requests.iter().enumerate() {
        let y = top + i as f64 * WF_ROW_H;
        let short = crate::model::text::shorten(&r.url, 44);
        let _ = write!(
            s,
            "<text x=\"8\" y=\"{}\" fill=\"#1a1d23\"><tspan fill=\"#545b66\">#{} </tspan>{} <tspan fill=\"#545b66\" font-size=\"10\">{} · {}</tspan></text>",
            fixed(y + 15.0, 1),
            r.id,
            escape(&short),
            r.destination,
            crate::model::load::priority_label(r.priority)
        );
        for p in &r.phases {
            let x0 = LABEL_W + p.start.micros() as f64 / 1000.0 * scale;
            let w = ((p.end.micros() - p.start.micros()) as f64 / 1000.0 * scale).max(0.5);
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\" fill=\"{}\"><title>{}: {} ms</title></rect>",
                fixed(x0, 2),
                fixed(y + 5.0, 1),
                fixed(w, 2),
                phase_colour(p.name),
                p.name,
                fixed((p.end.micros() - p.start.micros()) as f64 / 1000.0, 1)
            );
        }
        // A long-lived request's messages: a tick each where it arrived (the page's own, in
        // orange, where it reached the server).
        for m in &r.messages {
            let x = LABEL_W + m.at.micros() as f64 / 1000.0 * scale;
            let _ = write!(
                s,
                "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"><title>{} {} bytes {} at {} ms</title></line>",
                fixed(y + 2.0, 1),
                fixed(y + 20.0, 1),
                if m.from_page { "#c2410c" } else { "#1a1d23" },
                crate::timeline::page::message_name(m.kind),
                m.bytes,
                if m.from_page { "reached the server" } else { "reached the page" },
                fixed(m.at.micros() as f64 / 1000.0, 1),
                x = fixed(x, 2)
            );
        }
    }
}
