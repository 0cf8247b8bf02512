//! The page load's view-model: what the page-load section draws for a load at a moment (the
//! socket pools' slots and queues, the waterfall's rows and bars, the summary), and the state
//! its controls change (the page, the editor's text, the cursor, the selected request, a
//! replayed HAR file). Pure (no web crates), so it is tested natively; the Yew component
//! (`ui::page_load`) only turns these values into elements and dispatches the app's actions
//! ([`super::app::AppAction`]: [`PageAction`]s for the page's own changes; following a row or
//! a slot, the page's scrubber and its Play for its time, which is the app's playhead).
//!
//! Everything shown comes from [`crate::model::load::run`] (or, for a recording, from
//! [`crate::model::har_replay::replay`]); what is worked out per load is worked out once, in
//! [`LoadRef::new`], because the view renders every animation frame while it plays.

use super::fixed;
use crate::link::PageLink;
use crate::model::har_replay;
use crate::model::http::Channel;
use crate::model::load::{self, Outcome, PageLoad, PageScenario, PhaseName, Queued, Request};
use crate::model::pages;
use crate::model::scenario::{Profile, Scenario, TlsChoice};
use crate::model::time::Instant;
use std::rc::Rc;

/// A waterfall row's height in CSS pixels (static/style.css, `.wf-row`): the rows drawn are
/// those in view ([`window`]).
pub const ROW_H: f64 = 38.0;
/// Rows drawn above and below the ones in view, so a scroll shows drawn rows at once.
pub const OVERSCAN: usize = 24;
/// A pool's queue shows this many waiting requests, then how many more.
pub const MAX_CHIPS: usize = 40;

/// A load and what the view draws from it at every moment, computed once per load. Equal when
/// it is the same load.
#[derive(Clone)]
pub struct LoadRef(pub Rc<PageLoad>, pub Rc<LoadView>);

impl PartialEq for LoadRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl LoadRef {
    pub fn new(l: PageLoad) -> LoadRef {
        let view = LoadView::new(&l);
        LoadRef(Rc::new(l), Rc::new(view))
    }
}

/// See [`LoadRef`].
#[derive(Debug, PartialEq)]
pub struct LoadView {
    /// The waterfall's rows: request indices by start (each drawn when in view, [`window`]).
    pub rows: Vec<usize>,
    pub blocked: usize,
    pub queued: usize,
    /// Per group, in `PageLoad::groups` order.
    pub groups: Vec<GroupView>,
    /// The time ruler's ticks ([`ruler`]) and the DOMContentLoaded and load lines ([`marks`]).
    pub ruler: Vec<(String, String)>,
    pub marks: Vec<Mark>,
}

/// One socket pool group as drawn: its slots and who waited for them.
#[derive(Debug, PartialEq)]
pub struct GroupView {
    /// Per lane (slot), the connections that used it, in opening order.
    pub lanes: Vec<Vec<usize>>,
    pub queue: Vec<Queued>,
}

impl LoadView {
    pub fn new(l: &PageLoad) -> LoadView {
        let mut rows: Vec<usize> = (0..l.requests.len()).collect();
        rows.sort_by_key(|&i| (l.requests[i].start, l.requests[i].id));
        let groups = l
            .groups
            .iter()
            .map(|g| {
                let conns: Vec<usize> = (0..l.connections.len())
                    .filter(|&i| l.connections[i].group == g.group)
                    .collect();
                let lanes = conns
                    .iter()
                    .map(|&i| l.connections[i].lane + 1)
                    .max()
                    .unwrap_or(0)
                    .max(g.slots());
                // One pass: a replayed recording may have thousands of connections.
                let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); lanes];
                for &i in &conns {
                    by_lane[l.connections[i].lane].push(i);
                }
                GroupView {
                    lanes: by_lane,
                    queue: l.queue(&g.group),
                }
            })
            .collect();
        LoadView {
            rows,
            blocked: l
                .requests
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Blocked { .. }))
                .count(),
            queued: l.requests.iter().filter(|r| r.queued).count(),
            groups,
            ruler: ruler(l.end.micros()),
            marks: marks(l),
        }
    }
}

/// The waterfall's rows to draw, `start..end` of `total`, when its list is scrolled to `top`
/// pixels and `height` pixels of it are in view: those in view and [`OVERSCAN`] on each side.
pub fn window(total: usize, top: f64, height: f64) -> (usize, usize) {
    let first = (top.max(0.0) / ROW_H) as usize;
    let shown = (height.max(0.0) / ROW_H).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(total);
    let end = first.saturating_add(shown + OVERSCAN).min(total);
    (start, end.max(start))
}

/// The request after (or before, `by` < 0) `selected` in the waterfall's order, when there is
/// one: where the arrow keys go. Its row and its id.
pub fn neighbour(l: &PageLoad, v: &LoadView, selected: u32, by: i64) -> Option<(usize, u32)> {
    let at = v.rows.iter().position(|&i| l.requests[i].id == selected)?;
    let next = usize::try_from(at as i64 + by).ok()?;
    v.rows.get(next).map(|&i| (next, l.requests[i].id))
}

/// The requests waiting in group `g`'s queue at `t`, highest priority first.
pub fn waiting<'a>(l: &'a PageLoad, g: &GroupView, t: Instant) -> Vec<&'a Request> {
    g.queue
        .iter()
        .filter(|q| q.at(t))
        .filter_map(|q| l.request(q.id))
        .collect()
}

/// A pool slot at a moment: its state (`free`, `connecting`, `busy`, `idle`, `closed`) and
/// its label.
#[derive(Debug, PartialEq, Eq)]
pub struct Slot {
    pub state: &'static str,
    pub label: String,
    /// The connection in the slot (none when it is free).
    pub conn: Option<u32>,
}

/// The slot of `lane` at `t`: the connection open in it now, else the last one closed.
pub fn slot(l: &PageLoad, lane: &[usize], t: Instant) -> Slot {
    let here = || {
        lane.iter()
            .map(|&i| &l.connections[i])
            .filter(|c| c.start <= t)
    };
    let c = here()
        .find(|c| c.closed.is_none_or(|e| e > t))
        .or_else(|| here().next_back());
    let Some(c) = c else {
        return Slot {
            state: "free",
            label: "free".into(),
            conn: None,
        };
    };
    let state = c.state_at(t);
    let carrying: Vec<u32> = c.carrying(t).collect();
    let label = match (state, carrying.as_slice()) {
        ("busy", [one]) => {
            let r = l.request(*one);
            // A request that stays open holds its socket for as long as it is open; over
            // HTTP/2 it is one stream of a connection the origin's other requests share.
            let shared = c.protocol.multiplexed();
            let held = match (r.map(|r| r.kind.channel), shared) {
                (Some(Channel::EventSource), false) => " · held by an open event stream",
                (Some(Channel::WebSocket), false) => " · held by a WebSocket",
                (Some(Channel::EventSource), true) => " · an open event stream (shared)",
                (Some(Channel::WebSocket), true) => " · a WebSocket stream (shared)",
                _ => "",
            };
            format!(
                "conn {} · #{one} {}{held}",
                c.id,
                r.map(|r| short_url(&r.url)).unwrap_or_default()
            )
        }
        ("busy", many) if !many.is_empty() => format!("conn {} · {} streams", c.id, many.len()),
        (other, _) => format!(
            "conn {} · {other}{}",
            c.id,
            if c.preconnect.is_some() {
                " (preconnect)"
            } else {
                ""
            }
        ),
    };
    // A replay's connection the recording did not name is inferred: said on its slot.
    let label = if c.inferred {
        label.replacen(" · ", " (inferred) · ", 1)
    } else {
        label
    };
    Slot {
        state,
        label,
        conn: Some(c.id),
    }
}

/// A message's kind in words.
pub fn message_name(k: crate::model::load::MessageKind) -> &'static str {
    use crate::model::load::MessageKind as K;
    match k {
        K::Event => "event",
        K::Text => "text message",
        K::Binary => "binary message",
        K::Ping => "ping",
        K::Pong => "pong",
        K::Close => "close",
    }
}

/// What a long-lived request's message tick says: what it was, its bytes, and when it arrived.
pub fn message_title(m: &crate::model::load::Message) -> String {
    let what = message_name(m.kind);
    let way = if m.from_page {
        "from the page, at the server"
    } else {
        "at the page"
    };
    format!(
        "{what}, {} bytes, {way} at {} ms",
        m.bytes,
        crate::model::text::decimal(m.at.micros() / 100, 1)
    )
}

/// Where `t` falls on a waterfall of `end` µs, as a CSS percentage.
pub fn percent(t: Instant, end: u64) -> String {
    fixed(t.micros() as f64 * 100.0 / end.max(1) as f64, 3)
}

/// A span of the main-thread lane as drawn at `t` (cut there while under way): left edge and
/// width as CSS percentages, and what held the thread.
pub fn main_thread_spans(l: &PageLoad, t: Instant) -> Vec<(String, String, String)> {
    let end = l.end.micros().max(1);
    (l.main_thread.iter())
        .filter(|m| m.start <= t)
        .map(|m| {
            let shown = m.end.min(t);
            let what = match m.kind {
                load::MainTaskKind::SyncXhr => {
                    let url = l.request(m.request).map(|r| short_url(&r.url)).unwrap_or_default();
                    format!(
                        "frozen {} ms by the synchronous XMLHttpRequest #{} {url}: send() returns only when the answer is in, so no parsing, no other script, no rendering and no input meanwhile",
                        ms(m.end.micros() - m.start.micros()),
                        m.request
                    )
                }
            };
            (
                percent(m.start, end),
                fixed((shown.micros() - m.start.micros()) as f64 * 100.0 / end as f64, 3),
                what,
            )
        })
        .collect()
}

/// One phase of a request's bar as drawn at `t`: cut at `t` while it is under way.
#[derive(Debug, PartialEq)]
pub struct Segment {
    pub phase: PhaseName,
    /// Left edge and width, as CSS percentages of the waterfall.
    pub left: String,
    pub width: String,
    /// The phase, its whole time and why it took that long.
    pub title: String,
}

/// The phases of `r` that have begun by `t`, on a waterfall of `end` µs.
pub fn segments(r: &Request, t: Instant, end: u64) -> Vec<Segment> {
    let end = end.max(1);
    r.phases
        .iter()
        .filter(|p| p.start <= t)
        .map(|p| {
            let shown_end = if p.end < t { p.end } else { t };
            Segment {
                phase: p.name,
                left: percent(p.start, end),
                width: fixed(
                    (shown_end.micros() - p.start.micros()) as f64 * 100.0 / end as f64,
                    3,
                ),
                title: format!(
                    "{}: {} ms: {}",
                    p.name,
                    ms(p.end.micros() - p.start.micros()),
                    p.why
                ),
            }
        })
        .collect()
}

/// A waterfall row's second line: the destination (with the method when it is not GET) and
/// the priority.
pub fn row_meta(r: &Request) -> String {
    let what = if r.method == "GET" {
        r.destination.to_string()
    } else {
        format!("{} {}", r.method, r.destination)
    };
    format!("{what} · {}", load::priority_label(r.priority))
}

/// The line under the section's title: counts, and the network the load ran on (estimated for
/// a recording, which holds no network settings).
pub fn summary(l: &PageLoad, v: &LoadView, recording: bool) -> String {
    let network = if recording {
        format!(
            "round trip about {} ms (the median TCP handshake recorded)",
            ms(l.rtt.micros())
        )
    } else {
        format!(
            "RTT {} ms, {} Mbit/s, TLS {}",
            ms(l.rtt.micros()),
            fixed(l.bandwidth_bps as f64 / 1e6, 1),
            l.tls
        )
    };
    format!(
        "{} requests, {} connections, {} waited in a queue, {} blocked · {network}",
        l.requests.len(),
        l.connections.len(),
        v.queued,
        v.blocked
    )
}

/// The time ruler over a waterfall of `end` µs, as DevTools draws one: a tick at every round
/// step (1, 2 or 5 times a power of ten milliseconds) that gives at most ten, each with its
/// place (a CSS percentage) and its label (`250 ms`, `1.5 s`).
pub fn ruler(end: u64) -> Vec<(String, String)> {
    let end_ms = end.max(1) as f64 / 1000.0;
    let mut step = 0.001;
    'found: loop {
        for m in [1.0, 2.0, 5.0] {
            if end_ms / (step * m) <= 10.0 {
                step *= m;
                break 'found;
            }
        }
        step *= 10.0;
    }
    (1..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= end_ms)
        .map(|t| {
            let label = if t < 1000.0 {
                format!("{} ms", fixed(t, if step < 1.0 { 1 } else { 0 }))
            } else {
                format!("{} s", fixed(t / 1000.0, if step < 1000.0 { 1 } else { 0 }))
            };
            (fixed(t * 100.0 / end_ms, 3), label)
        })
        .collect()
}

/// A vertical line on the waterfall, as DevTools draws one: `DOMContentLoaded` or `load`.
#[derive(Debug, PartialEq)]
pub struct Mark {
    /// `dcl` or `load`: the line's style.
    pub key: &'static str,
    pub at: Instant,
    /// Where, as a CSS percentage of the waterfall.
    pub left: String,
    /// `DOMContentLoaded 578.3 ms`.
    pub label: String,
}

/// The load's `DOMContentLoaded` and `load` moments on a waterfall of `end` µs (none for a load
/// that has none: a failed navigation, or a recording).
pub fn marks(l: &PageLoad) -> Vec<Mark> {
    let end = l.end.micros();
    [
        (
            "dcl",
            "DOMContentLoaded",
            l.timing.dom_content_loaded_event_start,
        ),
        ("load", "load", l.timing.load_event_start),
    ]
    .into_iter()
    .filter(|m| m.2 > 0.0)
    .map(|(key, name, ms)| {
        let at = Instant::from_micros((ms * 1000.0).round() as u64);
        Mark {
            key,
            at,
            left: percent(at.min(l.end), end),
            label: format!("{name} {} ms", self::ms(at.micros())),
        }
    })
    .collect()
}

/// `text` cut where a URL or host may break across lines (after `/`, before `.`): each part,
/// and whether a break may follow it.
pub fn break_points(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest
            .char_indices()
            .skip(1)
            .find(|&(i, c)| c == '.' || rest[..i].ends_with('/') && c != '/')
            .map_or(rest.len(), |(i, _)| i);
        let (part, tail) = rest.split_at(cut);
        rest = tail;
        Some((part, !tail.is_empty()))
    })
}

/// How a WebSocket's handshake went: over HTTP/1.1 the key and the accept value (RFC 6455 §4),
/// over HTTP/2 the stream its extended CONNECT opened (RFC 8441); then the subprotocols the
/// page asked for and the one the server chose (RFC 6455 §1.9).
pub fn websocket_note(h: &load::Handshake, connection: Option<u32>) -> String {
    let mut note = handshake_note(h, connection);
    if !h.protocols.is_empty() {
        let asked = h.protocols.join(", ");
        note.push_str(&match &h.protocol {
            Some(p) => format!(" Sec-WebSocket-Protocol: the page offered {asked}; the server chose {p}, which the socket's protocol now says."),
            None => format!(" Sec-WebSocket-Protocol: the page offered {asked}; the server chose none it could accept."),
        });
    }
    note
}

/// The key and accept value, or the HTTP/2 stream.
fn handshake_note(h: &load::Handshake, connection: Option<u32>) -> String {
    if let Some(stream) = h.http2_stream {
        let on = connection.map_or(String::new(), |c| format!(" of connection {c}"));
        return format!(
            "WebSocket over HTTP/2: an extended CONNECT (:protocol websocket) on stream {stream}{on}, which the origin's other requests share (RFC 8441). No Sec-WebSocket-Key is sent and no Sec-WebSocket-Accept checked: the server's 200 opens it."
        );
    }
    let key = h.key.as_deref().unwrap_or("none");
    let expected = h.expected.as_deref().unwrap_or("none");
    match h.accept.as_deref() {
        Some(a) if a == expected => format!(
            "WebSocket handshake: Sec-WebSocket-Key {key} → Sec-WebSocket-Accept {a}, the base64 of SHA-1(key + RFC 6455's GUID), as it must be."
        ),
        Some(a) => format!(
            "WebSocket handshake: Sec-WebSocket-Key {key}; the server answered Sec-WebSocket-Accept {a}, but the key calls for {expected}."
        ),
        None => format!(
            "WebSocket handshake: Sec-WebSocket-Key {key}; the server sent no Sec-WebSocket-Accept (the key calls for {expected})."
        ),
    }
}

/// What a `pm/` socket group is, for a request sent without credentials.
pub fn privacy_mode_note() -> &'static str {
    "pm/ is Chromium's privacy mode: requests sent without credentials (cookies, client \
     certificates) have socket groups of their own, so they never share a connection with \
     those that send them"
}

/// Microseconds as milliseconds with one decimal.
pub fn ms(us: u64) -> String {
    fixed(us as f64 / 1000.0, 1)
}

/// The phase's key in the page's styles (`data-ph`).
pub fn phase_key(name: PhaseName) -> &'static str {
    match name {
        PhaseName::Queueing => "queue",
        PhaseName::Stalled => "stall",
        PhaseName::DnsLookup => "dns",
        PhaseName::InitialConnection => "tcp",
        PhaseName::Ssl => "ssl",
        PhaseName::RequestSent => "send",
        PhaseName::Waiting => "wait",
        PhaseName::ContentDownload => "down",
    }
}

/// The last path segment of a URL, or its host for `/`.
pub fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.split_once('/') {
        Some((host, "")) => format!("{host}/"),
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path).to_string(),
        None => rest.to_string(),
    }
}

/// A load with nothing in it, for when not even the default page loads.
fn empty_load() -> PageLoad {
    PageLoad {
        name: String::new(),
        url: String::new(),
        page_origin: String::new(),
        rtt: crate::model::time::Duration::ZERO,
        bandwidth_bps: 0,
        tls: "",
        requests: vec![],
        connections: vec![],
        groups: vec![],
        console: vec![],
        problems: vec![],
        end: Instant::ZERO,
        trace: Default::default(),
        timing: Default::default(),
        failed: None,
        documents: vec![],
        api: None,
        main_thread: vec![],
    }
}

/// The journey's network and TLS version, which every page the section loads takes too: one
/// scenario drives both views.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Network {
    pub profile: Profile,
    pub tls: TlsChoice,
}

impl Network {
    pub fn of(sc: &Scenario) -> Network {
        Network {
            profile: sc.profile,
            tls: sc.tls,
        }
    }

    fn apply(&self, sc: &mut PageScenario) {
        sc.set_network(&self.profile, self.tls);
    }
}

/// The page-load section's state.
#[derive(Clone)]
pub struct PageState {
    pub preset: String,
    /// The scenario, and its HTML and header text as the editor shows them, shared: a Tick
    /// copies none of them (the HTML may be 2 MB).
    pub scenario: Rc<PageScenario>,
    pub html: Rc<str>,
    pub load: LoadRef,
    pub headers_text: Rc<str>,
    /// The cursor, µs of simulated time: the app's playhead while the page is followed
    /// ([`super::app::Focus`]), else where the page was left.
    pub t: u64,
    pub selected: u32,
    pub error: Option<String>,
    /// A recording on screen in place of the scenario's simulation.
    pub har: Option<Rc<Recording>>,
    /// The journey's network and TLS version, which the page's scenario takes.
    pub network: Network,
}

/// A HAR file replayed, and the simulation's view to go back to.
#[derive(Clone)]
pub struct Recording {
    pub name: Rc<str>,
    load: LoadRef,
    t: u64,
    selected: u32,
    error: Option<String>,
}

/// What the section's controls do to the page (its time and playback are the app's:
/// [`super::app::AppAction`]).
pub enum PageAction {
    Preset(String),
    Html(String),
    Headers(String),
    /// The journey's network or TLS version changed: the page loads again with them.
    Network(Network),
    Select(u32),
    /// A HAR file read (its name and entries), or why it could not be.
    OpenHar(Result<(String, har_replay::Recording), String>),
    /// Back from a recording to the scenario's simulation.
    LeaveHar,
}

impl PageState {
    /// The page a link names (the preset with the editor's text), or the default page; what
    /// could not be used from the link (`notes`, and a page that does not load) is shown as
    /// the editor's error.
    pub fn from_link(link: &PageLink, network: Network, mut notes: Vec<String>) -> PageState {
        let with_network = |mut sc: PageScenario| {
            network.apply(&mut sc);
            sc
        };
        let mut sc = with_network(crate::link::page_scenario(link, &mut notes));
        let mut preset = link.preset.clone();
        let load = match load::run(&sc) {
            Ok(l) => l,
            Err(e) => {
                notes.push(format!(
                    "the linked page could not load ({e}): the preset is shown"
                ));
                sc = with_network(pages::preset(&preset).unwrap_or_default());
                match load::run(&sc) {
                    Ok(l) => l,
                    Err(_) => {
                        preset = crate::link::DEFAULT_PAGE.into();
                        sc = with_network(pages::preset(&preset).unwrap_or_default());
                        load::run(&sc).unwrap_or_else(|_| empty_load())
                    }
                }
            }
        };
        let end = load.end.micros();
        PageState {
            preset,
            headers_text: link
                .headers
                .clone()
                .unwrap_or_else(|| load::headers_text(&sc))
                .into(),
            html: sc.html.as_str().into(),
            scenario: Rc::new(sc),
            // At its end, as DevTools shows a load: every bar drawn; Play starts it over.
            t: end,
            selected: 1,
            error: (!notes.is_empty()).then(|| notes.join("; ")),
            load: LoadRef::new(load),
            har: None,
            network,
        }
    }

    /// The link's part for this view: what differs from the preset.
    pub fn link(&self) -> PageLink {
        let base = pages::preset(&self.preset).unwrap_or_default();
        PageLink {
            preset: self.preset.clone(),
            html: (self.scenario.html != base.html).then(|| self.scenario.html.clone()),
            headers: (*self.headers_text != *load::headers_text(&base))
                .then(|| self.headers_text.to_string()),
        }
    }

    /// The request selected in the waterfall, when the load has it.
    pub fn selected_request(&self) -> Option<&Request> {
        self.load.0.request(self.selected)
    }

    /// Runs the model on `sc`; on an error the previous load stays on screen. A cursor at the
    /// end of the load stays at the end of the new one.
    fn rerun(&mut self, sc: PageScenario) {
        let at_end = self.t >= self.load.0.end.micros();
        match load::run(&sc) {
            Ok(l) => {
                self.t = if at_end {
                    l.end.micros()
                } else {
                    self.t.min(l.end.micros())
                };
                if !l.requests.iter().any(|r| r.id == self.selected) {
                    self.selected = 1;
                }
                self.load = LoadRef::new(l);
                if sc.html != self.scenario.html {
                    self.html = sc.html.as_str().into();
                }
                self.scenario = Rc::new(sc);
                self.error = None;
                self.har = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The state after `action`.
    pub fn apply(mut self, action: PageAction) -> PageState {
        match action {
            PageAction::Preset(name) => {
                if let Some(mut sc) = pages::preset(&name) {
                    self.network.apply(&mut sc);
                    self.preset = name;
                    self.headers_text = load::headers_text(&sc).into();
                    self.selected = 1;
                    self.rerun(sc);
                    self.t = self.load.0.end.micros();
                }
            }
            PageAction::Html(html) => match load::check_text("HTML", &html) {
                Ok(()) => {
                    let mut sc = (*self.scenario).clone();
                    sc.html = html;
                    self.rerun(sc);
                }
                Err(e) => self.error = Some(e),
            },
            PageAction::Headers(text) => {
                self.headers_text = text.into();
                match load::check_text("header text", &self.headers_text)
                    .and_then(|()| load::apply_headers_text(&self.scenario, &self.headers_text))
                {
                    Ok(sc) => self.rerun(sc),
                    Err(e) => self.error = Some(e),
                }
            }
            PageAction::Network(n) => self.set_network(n),
            PageAction::Select(id) => self.selected = id,
            PageAction::OpenHar(read) => self.open_har(read),
            PageAction::LeaveHar => {
                if let Some(h) = self.har.take() {
                    let h = Rc::unwrap_or_clone(h);
                    (self.load, self.t, self.selected, self.error) =
                        (h.load, h.t, h.selected, h.error);
                }
            }
        }
        self
    }

    /// The journey's network or TLS version changed: the page's scenario takes them and runs
    /// again, staying at its end if it was there. Under a recording on screen, the simulation
    /// to go back to runs again.
    fn set_network(&mut self, n: Network) {
        if n == self.network {
            return;
        }
        let mut sc = (*self.scenario).clone();
        n.apply(&mut sc);
        self.network = n;
        match self.har.take() {
            None => self.rerun(sc),
            Some(h) => {
                let mut h = Rc::unwrap_or_clone(h);
                if let Ok(l) = load::run(&sc) {
                    h.t = h.t.min(l.end.micros());
                    h.load = LoadRef::new(l);
                    self.scenario = Rc::new(sc);
                }
                self.har = Some(Rc::new(h));
            }
        }
    }

    /// A HAR file read: its replay replaces the view, keeping the simulation to go back to.
    fn open_har(&mut self, read: Result<(String, har_replay::Recording), String>) {
        let replayed = read.and_then(|(name, rec)| {
            har_replay::replay_recording(&rec, &name)
                .map(|l| (name.clone(), l))
                .map_err(|e| format!("{name}: {e}"))
        });
        match replayed {
            Ok((name, l)) => {
                // The simulation to go back to: the one under any earlier recording.
                let back = match self.har.take() {
                    Some(h) => Recording {
                        name: name.as_str().into(),
                        ..Rc::unwrap_or_clone(h)
                    },
                    None => Recording {
                        name: name.as_str().into(),
                        load: self.load.clone(),
                        t: self.t,
                        selected: self.selected,
                        error: self.error.take(),
                    },
                };
                self.har = Some(Rc::new(back));
                self.selected = l.requests.first().map_or(1, |r| r.id);
                self.t = l.end.micros();
                self.load = LoadRef::new(l);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pool::Priority;

    fn state(preset: &str) -> PageState {
        PageState::from_link(
            &PageLink {
                preset: preset.into(),
                ..PageLink::default()
            },
            Network::of(&Scenario::default()),
            vec![],
        )
    }

    #[test]
    fn the_waterfall_rows_go_by_start() {
        let s = state("many-images");
        let (l, v) = (&s.load.0, &s.load.1);
        assert_eq!(v.rows.len(), l.requests.len());
        let starts: Vec<_> = v.rows.iter().map(|&i| l.requests[i].start).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
        assert_eq!(v.queued, l.requests.iter().filter(|r| r.queued).count());
        assert!(v.queued > 0, "many-images waits for sockets");

        let big = LoadView::new(&load::run(&pages::synthetic(1_000, 3)).unwrap());
        assert_eq!(big.rows.len(), 1_001, "every request has its row");
    }

    #[test]
    fn a_pool_shows_six_slots_and_its_queue_drains() {
        let s = state("many-images");
        let (l, v) = (&s.load.0, &s.load.1);
        let img = l
            .groups
            .iter()
            .position(|g| g.group.contains("img.example"))
            .expect("the image host's group");
        let g = &v.groups[img];
        assert_eq!(g.lanes.len(), 6);
        // Before its first connection opens a slot is free; at the end none is busy.
        for lane in &g.lanes {
            let first = l.connections[lane[0]].start;
            let before = Instant::from_micros(first.micros().saturating_sub(1));
            if first > Instant::ZERO {
                assert_eq!(slot(l, lane, before).state, "free");
            }
            assert_eq!(slot(l, lane, first).state, "connecting");
            assert_ne!(slot(l, lane, l.end).state, "busy");
        }
        assert!(waiting(l, g, l.end).is_empty());
        // While the sixth connection is open, the seventh image waits in the queue.
        let busy_moment = g.queue.iter().map(|q| q.from).min().expect("a queue");
        let queued = waiting(l, g, busy_moment);
        assert!(!queued.is_empty());
        let busy = g
            .lanes
            .iter()
            .map(|lane| slot(l, lane, busy_moment))
            .filter(|s| s.state != "free")
            .count();
        assert_eq!(busy, 6, "all six slots are taken while a request waits");
        // Higher priority first.
        let ranks: Vec<Option<Priority>> = queued.iter().map(|r| r.priority).collect();
        assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    }

    #[test]
    fn a_busy_slot_names_its_request_by_file() {
        let s = state("many-images");
        let (l, v) = (&s.load.0, &s.load.1);
        let labels: Vec<String> = v
            .groups
            .iter()
            .flat_map(|g| &g.lanes)
            .flat_map(|lane| {
                l.requests
                    .iter()
                    .map(move |r| slot(l, lane, r.phases.last().map_or(r.end, |p| p.start)))
            })
            .filter(|s| s.state == "busy")
            .map(|s| s.label)
            .collect();
        assert!(
            labels
                .iter()
                .any(|x| x.starts_with("conn ") && x.ends_with(".jpg")),
            "{labels:?}"
        );
    }

    #[test]
    fn a_bar_grows_with_the_cursor() {
        let s = state("many-images");
        let l = &s.load.0;
        let end = l.end.micros();
        let r = &l.requests[3];
        assert!(segments(r, Instant::ZERO, end).is_empty() || r.start == Instant::ZERO);
        let all = segments(r, l.end, end);
        assert_eq!(all.len(), r.phases.len());
        let mid = r.phases[r.phases.len() / 2].start;
        let part = segments(r, mid, end);
        assert!(part.len() < all.len());
        // The phase under way at the cursor is cut there.
        let last = part.last().unwrap();
        assert_eq!(last.width, "0.000");
        assert!(last.title.contains(" ms: "), "{}", last.title);
        assert_eq!(percent(l.end, end), "100.000");
    }

    #[test]
    fn a_mistake_in_the_editor_keeps_the_last_good_load() {
        let s = state("single");
        let before = s.load.clone();
        let s = s.apply(PageAction::Headers("no url line here".into()));
        assert!(s.error.is_some());
        assert!(s.load == before, "the previous load stays");
        assert_eq!(
            &*s.headers_text, "no url line here",
            "the editor keeps the text"
        );
        let s = s.apply(PageAction::Html("<img src=a.png><img src=b.png>".into()));
        assert!(s.error.is_none(), "{:?}", s.error);
        assert!(s.load != before);
        assert_eq!(s.load.0.requests.len(), 3, "the document and two images");
        assert_eq!(s.t, s.load.0.end.micros(), "at the end of the new load too");
        assert_eq!(s.link().html.as_deref(), Some(&*s.html));
    }

    #[test]
    fn a_preset_resets_the_cursor_and_the_selection() {
        let mut s = state("single");
        s.t = 50_000;
        let s = s
            .apply(PageAction::Select(2))
            .apply(PageAction::Preset("many-images".into()));
        assert_eq!(
            (s.t, s.selected, s.preset.as_str()),
            (s.load.0.end.micros(), 1, "many-images"),
            "a page opens at its end"
        );
        assert_eq!(s.selected_request().map(|r| r.id), Some(1));
        assert_eq!(
            s.link(),
            PageLink {
                preset: "many-images".into(),
                html: None,
                headers: None,
            }
        );
        let s = s.apply(PageAction::Preset("no-such-page".into()));
        assert_eq!(s.preset, "many-images", "an unknown page changes nothing");
    }

    #[test]
    fn a_recording_replaces_the_view_until_left() {
        let mut s = state("many-images");
        s.t = 200_000;
        let (sim, t) = (s.load.clone(), s.t);
        let s = s.apply(PageAction::OpenHar(Err("x.har: not JSON".into())));
        assert_eq!(s.error.as_deref(), Some("x.har: not JSON"));
        assert!(s.har.is_none() && s.load == sim);
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/common/chrome_like.har"
        ))
        .expect("the test HAR file");
        let entries = har_replay::parse(&text).expect("it parses");
        let s = s.apply(PageAction::OpenHar(Ok((
            "chrome_like.har".into(),
            har_replay::Recording::har(entries),
        ))));
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(s.har.as_ref().map(|h| &*h.name), Some("chrome_like.har"));
        assert!(s.load != sim);
        assert_eq!(s.t, s.load.0.end.micros(), "a recording opens at its end");
        assert!(summary(&s.load.0, &s.load.1, true).contains("round trip about"));
        let s = s.apply(PageAction::LeaveHar);
        assert!(s.har.is_none());
        assert!(s.load == sim);
        assert_eq!(s.t, t, "back where the simulation was");
    }

    #[test]
    fn a_link_that_cannot_load_shows_the_preset_and_says_why() {
        let s = PageState::from_link(
            &PageLink {
                preset: "single".into(),
                html: None,
                headers: Some("https://a.example/\nCache-Control".into()),
            },
            Network::of(&Scenario::default()),
            vec!["a note".into()],
        );
        let e = s.error.expect("what could not be used is said");
        assert!(e.starts_with("a note"), "{e}");
        assert!(!s.load.0.requests.is_empty());
    }

    #[test]
    fn the_ruler_ticks_at_round_steps() {
        let labels = |end: u64| -> Vec<String> { ruler(end).into_iter().map(|(_, l)| l).collect() };
        assert_eq!(
            labels(1_661_280),
            ["200 ms", "400 ms", "600 ms", "800 ms", "1.0 s", "1.2 s", "1.4 s", "1.6 s"]
        );
        assert_eq!(
            labels(569_644),
            ["100 ms", "200 ms", "300 ms", "400 ms", "500 ms"]
        );
        assert_eq!(
            labels(40_000_000),
            ["5 s", "10 s", "15 s", "20 s", "25 s", "30 s", "35 s", "40 s"]
        );
        assert_eq!(
            labels(3_000),
            ["0.5 ms", "1.0 ms", "1.5 ms", "2.0 ms", "2.5 ms", "3.0 ms"]
        );
        assert!(ruler(0).len() <= 10);
        let places: Vec<String> = ruler(1_000_000).into_iter().map(|(p, _)| p).collect();
        assert_eq!(places.last().map(String::as_str), Some("100.000"));
    }

    #[test]
    fn a_page_opens_at_its_end() {
        let s = state("many-images");
        assert_eq!(s.t, s.load.0.end.micros());
    }

    #[test]
    fn domcontentloaded_and_load_are_marked() {
        let l = state("many-images").load.0;
        let m = marks(&l);
        assert_eq!(m.iter().map(|m| m.key).collect::<Vec<_>>(), ["dcl", "load"]);
        // The parser is done once the document has arrived (and been parsed); `load` waits for
        // the last image, which ends the load.
        let doc_end = l.requests[0].end;
        assert!(m[0].at >= doc_end, "{:?} {doc_end:?}", m[0]);
        assert!(m[0].at < m[1].at);
        assert_eq!(m[1].at, l.end);
        assert_eq!(m[1].left, "100.000");
        assert!(
            m[0].label.starts_with("DOMContentLoaded "),
            "{}",
            m[0].label
        );
        // A page of nothing but its document has both, at the document's parse.
        let bare = state("single").apply(PageAction::Html("<p>".into()));
        let m = marks(&bare.load.0);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].at, m[1].at);
    }

    #[test]
    fn the_journeys_network_and_tls_drive_the_page_too() {
        let s = state("multi-origin");
        assert_eq!(s.load.0.rtt.micros(), 120_000);
        let far = Scenario {
            profile: Profile::builtin(crate::model::scenario::ProfileName::Intercontinental),
            tls: TlsChoice::Tls12Rsa,
            ..Scenario::default()
        };
        let s = s.apply(PageAction::Network(Network::of(&far)));
        assert_eq!(s.load.0.rtt.micros(), 225_000);
        assert_eq!(s.scenario.tls, "1.2-rsa");
        assert_eq!(s.t, s.load.0.end.micros(), "still at its end");
        // A page picked now takes them too, and so does a page opened from a link.
        let s = s.apply(PageAction::Preset("single".into()));
        assert_eq!(
            (s.load.0.rtt.micros(), s.scenario.tls.as_str()),
            (225_000, "1.2-rsa")
        );
        let linked = PageState::from_link(&PageLink::default(), Network::of(&far), vec![]);
        assert_eq!(linked.load.0.rtt.micros(), 225_000);
        // The same network again changes nothing.
        let before = s.load.clone();
        let s = s.apply(PageAction::Network(Network::of(&far)));
        assert!(s.load == before);
    }

    #[test]
    fn urls_break_at_slashes_and_dots() {
        let parts: Vec<(&str, bool)> =
            break_points("https://static.shop.example/a/b.css").collect();
        assert_eq!(
            parts,
            [
                ("https://", true),
                ("static", true),
                (".shop", true),
                (".example/", true),
                ("a/", true),
                ("b", true),
                (".css", false)
            ]
        );
        assert_eq!(break_points("").count(), 0);
        assert_eq!(break_points("443").collect::<Vec<_>>(), [("443", false)]);
        let text = "https://pay.partner.example";
        assert_eq!(break_points(text).map(|p| p.0).collect::<String>(), text);
    }

    #[test]
    fn only_the_rows_in_view_are_drawn() {
        // At the top of 1,000 rows, with 520 px in view: 14 rows and the overscan below.
        let shown = (520.0 / ROW_H).ceil() as usize + 1;
        assert_eq!(window(1_000, 0.0, 520.0), (0, shown + OVERSCAN));
        // Scrolled to row 500: the overscan on both sides.
        let top = 500.0 * ROW_H;
        assert_eq!(
            window(1_000, top, 520.0),
            (500 - OVERSCAN, 500 + shown + OVERSCAN)
        );
        // At the end, and past it; a short list is drawn whole.
        assert_eq!(window(1_000, 1e9, 520.0), (1_000, 1_000));
        assert_eq!(window(21, 0.0, 520.0), (0, 21));
        assert_eq!(window(0, 0.0, 520.0), (0, 0));
    }

    #[test]
    fn the_arrow_keys_go_to_the_next_request_by_start() {
        let s = state("many-images");
        let (l, v) = (&*s.load.0, &*s.load.1);
        let first = l.requests[v.rows[0]].id;
        let second = l.requests[v.rows[1]].id;
        assert_eq!(neighbour(l, v, first, 1), Some((1, second)));
        assert_eq!(neighbour(l, v, second, -1), Some((0, first)));
        assert_eq!(neighbour(l, v, first, -1), None);
        let last = l.requests[*v.rows.last().unwrap()].id;
        assert_eq!(neighbour(l, v, last, 1), None);
        assert_eq!(neighbour(l, v, 9_999, 1), None);
    }

    #[test]
    fn texts() {
        assert_eq!(short_url("https://img.example/photos/01.jpg"), "01.jpg");
        assert_eq!(short_url("https://img.example/"), "img.example/");
        assert_eq!(short_url("https://img.example"), "img.example");
        assert_eq!(ms(1_234_567), "1234.6");
        assert_eq!(phase_key(PhaseName::Ssl), "ssl");
    }
}
