//! The page load: the socket pools at the cursor, the waterfall, the same-origin panel of the
//! selected request, and the page editor. Everything shown comes from
//! [`crate::model::load::run`]; this module only draws it at a time and keeps the editor's text.

use crate::model::load::{self, FromCache, Outcome, PageLoad, PageScenario, PhaseName, Request};
use crate::model::pages;
use crate::model::time::Instant;
use crate::model::{har, har_replay};
use crate::timeline::fixed;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

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
    }
}

/// The waterfall draws the first this many requests (by start); the rest are counted.
const MAX_ROWS: usize = 300;
/// A pool's queue shows this many waiting requests, then how many more.
const MAX_CHIPS: usize = 40;

/// Real milliseconds of playback per simulated millisecond.
const SLOWDOWN: f64 = 8.0;

/// A load and what the view draws from it at every moment, computed once per load (the view
/// renders each animation frame while it plays). Equal when it is the same load.
#[derive(Clone)]
pub struct LoadRef(pub Rc<PageLoad>, Rc<LoadView>);

impl PartialEq for LoadRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl LoadRef {
    fn new(l: PageLoad) -> LoadRef {
        let mut rows: Vec<usize> = (0..l.requests.len()).collect();
        rows.sort_by_key(|&i| (l.requests[i].start, l.requests[i].id));
        let hidden = rows.len().saturating_sub(MAX_ROWS);
        rows.truncate(MAX_ROWS);
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
        let view = LoadView {
            rows,
            hidden,
            blocked: l
                .requests
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Blocked { .. }))
                .count(),
            queued: l.requests.iter().filter(|r| r.queued).count(),
            groups,
        };
        LoadRef(Rc::new(l), Rc::new(view))
    }
}

/// See [`LoadRef`].
pub struct LoadView {
    /// The waterfall's rows: request indices by start, the first [`MAX_ROWS`].
    rows: Vec<usize>,
    /// Requests not drawn.
    hidden: usize,
    blocked: usize,
    queued: usize,
    /// Per group, in `PageLoad::groups` order.
    groups: Vec<GroupView>,
}

struct GroupView {
    /// Per lane (slot), the connections that used it, in opening order.
    lanes: Vec<Vec<usize>>,
    queue: Vec<load::Queued>,
}

#[derive(Clone)]
pub struct PageState {
    preset: String,
    /// The scenario, and its HTML and header text as the editor shows them, shared: a Tick
    /// copies none of them (the HTML may be 2 MB).
    scenario: Rc<PageScenario>,
    html: AttrValue,
    load: LoadRef,
    headers_text: AttrValue,
    /// The cursor, µs of simulated time.
    t: u64,
    playing: bool,
    selected: u32,
    error: Option<String>,
    /// A recording on screen in place of the scenario's simulation.
    har: Option<Rc<Recording>>,
}

/// A HAR file replayed, and the simulation's view to go back to.
#[derive(Clone)]
pub struct Recording {
    name: AttrValue,
    load: LoadRef,
    t: u64,
    selected: u32,
    error: Option<String>,
}

pub enum PageAction {
    Preset(String),
    Html(String),
    Headers(String),
    Seek(u64),
    Tick(f64),
    TogglePlay,
    Select(u32),
    /// A HAR file read (its name and entries), or why it could not be.
    OpenHar(Result<(String, Vec<har_replay::Entry>), String>),
    /// Back from a recording to the scenario's simulation.
    LeaveHar,
}

impl PageState {
    /// The page the link names (the preset with the editor's text), or the default page; what
    /// could not be used from the link is shown as the editor's error.
    pub fn from_link() -> PageState {
        let (link, _) = super::link_sync::initial();
        let mut notes = vec![];
        let mut sc = crate::link::page_scenario(&link.page, &mut notes);
        let mut preset = link.page.preset.clone();
        let load = match load::run(&sc) {
            Ok(l) => l,
            Err(e) => {
                notes.push(format!(
                    "the linked page could not load ({e}): the preset is shown"
                ));
                sc = pages::preset(&preset).unwrap_or_default();
                match load::run(&sc) {
                    Ok(l) => l,
                    Err(_) => {
                        preset = crate::link::DEFAULT_PAGE.into();
                        sc = pages::preset(&preset).unwrap_or_default();
                        load::run(&sc).unwrap_or_else(|_| empty_load())
                    }
                }
            }
        };
        PageState {
            preset,
            headers_text: link
                .page
                .headers
                .clone()
                .unwrap_or_else(|| load::headers_text(&sc))
                .into(),
            html: sc.html.clone().into(),
            scenario: Rc::new(sc),
            t: 0,
            playing: false,
            selected: 1,
            error: (!notes.is_empty()).then(|| notes.join("; ")),
            load: LoadRef::new(load),
            har: None,
        }
    }

    /// The link's part for this view: what differs from the preset.
    fn link(&self) -> crate::link::PageLink {
        let base = pages::preset(&self.preset).unwrap_or_default();
        crate::link::PageLink {
            preset: self.preset.clone(),
            html: (self.scenario.html != base.html).then(|| self.scenario.html.clone()),
            headers: (*self.headers_text != load::headers_text(&base))
                .then(|| self.headers_text.to_string()),
        }
    }

    /// Runs the model on `sc`; on an error the previous load stays on screen.
    fn rerun(&mut self, sc: PageScenario) {
        match load::run(&sc) {
            Ok(l) => {
                self.t = self.t.min(l.end.micros());
                if !l.requests.iter().any(|r| r.id == self.selected) {
                    self.selected = 1;
                }
                self.load = LoadRef::new(l);
                if sc.html != self.scenario.html {
                    self.html = sc.html.clone().into();
                }
                self.scenario = Rc::new(sc);
                self.error = None;
                self.har = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

impl Reducible for PageState {
    type Action = PageAction;

    fn reduce(self: Rc<Self>, action: PageAction) -> Rc<Self> {
        let mut s = Rc::unwrap_or_clone(self);
        let end = s.load.0.end.micros();
        match action {
            PageAction::Preset(name) => {
                if let Some(sc) = pages::preset(&name) {
                    s.preset = name;
                    s.headers_text = load::headers_text(&sc).into();
                    s.t = 0;
                    s.selected = 1;
                    s.rerun(sc);
                }
            }
            PageAction::Html(html) => match load::check_text("HTML", &html) {
                Ok(()) => {
                    let mut sc = (*s.scenario).clone();
                    sc.html = html;
                    s.rerun(sc);
                }
                Err(e) => s.error = Some(e),
            },
            PageAction::Headers(text) => {
                s.headers_text = text.into();
                match load::check_text("header text", &s.headers_text)
                    .and_then(|()| load::apply_headers_text(&s.scenario, &s.headers_text))
                {
                    Ok(sc) => s.rerun(sc),
                    Err(e) => s.error = Some(e),
                }
            }
            PageAction::Seek(t) => {
                s.t = t.min(end);
                s.playing = false;
            }
            PageAction::Tick(dt) => {
                let step = (dt.clamp(0.0, 100.0) * 1000.0 / SLOWDOWN) as u64;
                s.t = (s.t + step).min(end);
                if s.t >= end {
                    s.playing = false;
                }
            }
            PageAction::TogglePlay => {
                if !s.playing && s.t >= end {
                    s.t = 0;
                }
                s.playing = !s.playing;
            }
            PageAction::Select(id) => s.selected = id,
            PageAction::OpenHar(read) => {
                match read.and_then(|(name, entries)| {
                    har_replay::replay(&entries, &name)
                        .map(|l| (name.clone(), l))
                        .map_err(|e| format!("{name}: {e}"))
                }) {
                    Ok((name, l)) => {
                        // The simulation to go back to: the one under any earlier recording.
                        let back = match s.har.take() {
                            Some(h) => Recording {
                                name: name.into(),
                                ..Rc::unwrap_or_clone(h)
                            },
                            None => Recording {
                                name: name.into(),
                                load: s.load.clone(),
                                t: s.t,
                                selected: s.selected,
                                error: s.error.take(),
                            },
                        };
                        s.har = Some(Rc::new(back));
                        s.selected = l.requests.first().map_or(1, |r| r.id);
                        s.t = 0;
                        s.playing = false;
                        s.load = LoadRef::new(l);
                        s.error = None;
                    }
                    Err(e) => s.error = Some(e),
                }
            }
            PageAction::LeaveHar => {
                s.playing = false;
                if let Some(h) = s.har.take() {
                    let h = Rc::unwrap_or_clone(h);
                    (s.load, s.t, s.selected, s.error) = (h.load, h.t, h.selected, h.error);
                }
            }
        }
        Rc::new(s)
    }
}

fn ms(us: u64) -> String {
    fixed(us as f64 / 1000.0, 1)
}

fn phase_key(name: PhaseName) -> &'static str {
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
fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.split_once('/') {
        Some((host, "")) => format!("{host}/"),
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path).to_string(),
        None => rest.to_string(),
    }
}

#[component]
pub fn PageView() -> Html {
    let state = use_reducer(PageState::from_link);
    use_effect_with(
        (
            state.preset.clone(),
            state.load.clone(),
            state.headers_text.clone(),
        ),
        {
            let st = state.clone();
            move |_| {
                let page = st.link();
                super::link_sync::update(|l| super::link_sync::set(&mut l.page, page))
            }
        },
    );
    let dispatch = {
        let d = state.dispatcher();
        Callback::from(move |a: PageAction| d.dispatch(a))
    };
    let on_frame = {
        let d = dispatch.clone();
        use_memo((), move |_| {
            Callback::from(move |dt: f64| d.emit(PageAction::Tick(dt)))
        })
    };
    super::use_animation_frames(state.playing, (*on_frame).clone());
    let s = &*state;
    let l = &s.load.0;
    let t = Instant::from_micros(s.t);
    let end = l.end.micros().max(1);
    // Bumped by every change the user makes; a HAR file read applies only if nothing changed
    // while it was read (a preset picked meanwhile wins over a slow file).
    let epoch = use_mut_ref(|| 0u32);
    let changed = {
        let epoch = epoch.clone();
        move || *epoch.borrow_mut() += 1
    };
    let on_preset = dispatch.reform({
        let changed = changed.clone();
        move |e: Event| {
            changed();
            let v = e
                .target_dyn_into::<HtmlSelectElement>()
                .map(|x| x.value())
                .unwrap_or_default();
            PageAction::Preset(v)
        }
    });
    let on_seek = dispatch.reform(|e: InputEvent| {
        let v = e
            .target_dyn_into::<HtmlInputElement>()
            .map(|x| x.value())
            .unwrap_or_default();
        PageAction::Seek(v.parse::<u64>().unwrap_or(0).saturating_mul(100))
    });
    let on_play = dispatch.reform(|_| PageAction::TogglePlay);
    let text_of = |e: InputEvent| {
        e.target_dyn_into::<HtmlTextAreaElement>()
            .map(|x| x.value())
            .unwrap_or_default()
    };
    let on_html = dispatch.reform({
        let changed = changed.clone();
        move |e: InputEvent| {
            changed();
            PageAction::Html(text_of(e))
        }
    });
    let on_headers = dispatch.reform({
        let changed = changed.clone();
        move |e: InputEvent| {
            changed();
            PageAction::Headers(text_of(e))
        }
    });
    let on_open = {
        let (done, epoch, changed) = (
            dispatch.reform(PageAction::OpenHar),
            epoch.clone(),
            changed.clone(),
        );
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                changed();
                let (now, epoch, done) = (*epoch.borrow(), epoch.clone(), done.clone());
                let apply = Callback::from(move |read| {
                    if *epoch.borrow() == now {
                        done.emit(read)
                    }
                });
                super::files::read_har(file, apply);
            }
            // Cleared, so that choosing the same file again reads it again.
            input.set_value("");
        })
    };
    let on_leave = dispatch.reform(move |_| {
        changed();
        PageAction::LeaveHar
    });
    // The files are made from the state when clicked (the view renders every frame while
    // it plays).
    let save_har = {
        let st = state.clone();
        Callback::from(move |_| {
            let text = har::export(
                &st.scenario,
                &st.load.0,
                crate::model::scenario::VISIT_UNIX_TIME,
            );
            super::files::download(
                &format!("wirewalk-{}.har", st.preset),
                "application/json",
                &text,
            )
        })
    };
    let save_svg = {
        let st = state.clone();
        Callback::from(move |_| {
            let stem = st.har.as_ref().map_or(st.preset.as_str(), |h| {
                let n = h.name.as_str();
                let cut = n.len().saturating_sub(4);
                match n.get(cut..) {
                    Some(ext) if ext.eq_ignore_ascii_case(".har") => &n[..cut],
                    _ => n,
                }
            });
            let load = &st.load.0;
            super::files::download(
                &format!("wirewalk-{stem}-waterfall.svg"),
                "image/svg+xml",
                &crate::svg::waterfall(load, &load.url),
            )
        })
    };
    let v = &s.load.1;
    let selected = l.request(s.selected);
    html! {
        <section id="page-load" class="page-load" aria-labelledby="pl-title">
            <div class="pl-head">
                <h2 id="pl-title">{ "A whole page: socket pools, the waterfall and the same-origin checks" }</h2>
                <label class="knob">
                    <span class="knob-label">{ "page" }</span>
                    <select id="pl-preset" onchange={on_preset} aria-label="Page scenario">
                        { for pages::NAMES.iter().map(|n| html! { <option value={*n} selected={s.preset == *n}>{ *n }</option> }) }
                    </select>
                </label>
                <button id="pl-play" type="button" class="pl-play" onclick={on_play} aria-pressed={if s.playing { "true" } else { "false" }}>
                    { if s.playing { "❚❚ Pause" } else { "▶ Play the load" } }
                </button>
                <input id="pl-scrubber" type="range" min="0" max={end.div_ceil(100).to_string()} value={(s.t / 100).to_string()} oninput={on_seek} aria-label="Time in the page load" />
                <span id="pl-time" class="pl-time">{ format!("{} / {} ms", ms(s.t), ms(end)) }</span>
                <span class="pl-files">
                    if s.har.is_none() {
                        <button id="pl-save-har" type="button" onclick={save_har} title="This simulated load as a HAR 1.2 file, as DevTools saves one">{ "Save HAR" }</button>
                    }
                    <button id="pl-save-svg" type="button" onclick={save_svg} title="The waterfall as an SVG image">{ "Save SVG" }</button>
                    <label class="pl-open" title="A HAR file saved by Chrome or Firefox DevTools (Save all as HAR)">
                        { "Open HAR…" }
                        <input id="pl-open-har" type="file" accept=".har,application/json" onchange={on_open} />
                    </label>
                </span>
            </div>
            <p class="pl-summary" id="pl-summary">
                { format!("{} requests, {} connections, {} waited in a queue, {} blocked · {}",
                    l.requests.len(), l.connections.len(), v.queued, v.blocked,
                    if s.har.is_some() {
                        // A recording holds no network settings: the round trip is estimated.
                        format!("round trip about {} ms (the median TCP handshake recorded)", ms(l.rtt.micros()))
                    } else {
                        format!("RTT {} ms, {} Mbit/s, TLS {}", ms(l.rtt.micros()), fixed(l.bandwidth_bps as f64 / 1e6, 1), l.tls)
                    }) }
            </p>
            if let Some(name) = s.har.as_ref().map(|h| &h.name) {
                <p class="pl-har" id="pl-har">
                    { format!("Replaying {name}: {} requests as the file recorded them, with their own timings and connections. A recording is not part of the share link. ", l.requests.len()) }
                    <button id="pl-leave-har" type="button" onclick={on_leave}>{ "Back to the simulated page" }</button>
                </p>
            }
            if let Some(e) = &s.error {
                <p class="pl-error" id="pl-error" role="alert">{ format!("Not loaded: {e}. The last good load stays on screen.") }</p>
            }
            <div class="pl-grid">
                <div class="pl-left">
                    { pools(l, v, t) }
                    { waterfall(l, v, t, s.selected, &dispatch) }
                </div>
                <div class="pl-right">
                    if let Some(r) = selected { { detail(r, l) } }
                    if !l.console.is_empty() {
                        <div class="card console" id="pl-console">
                            <h3>{ "Console" }</h3>
                            <ul>{ for l.console.iter().map(|c| html! { <li>{ c.clone() }</li> }) }</ul>
                        </div>
                    }
                    if !l.problems.is_empty() {
                        <div class="card">
                            <h3>{ "Not requested" }</h3>
                            <ul>{ for l.problems.iter().take(20).map(|c| html! { <li>{ c.clone() }</li> }) }</ul>
                        </div>
                    }
                </div>
            </div>
            if s.har.is_none() {
            <details class="pl-editor" id="pl-editor">
                <summary>{ "Edit the page: its HTML and each URL's response headers (the load re-runs as you type)" }</summary>
                <div class="pl-edit-grid">
                    <label>
                        <span class="knob-label">{ format!("HTML of {}", l.url) }</span>
                        <textarea id="pl-html" spellcheck="false" value={s.html.clone()} oninput={on_html} rows="14" />
                    </label>
                    <label>
                        <span class="knob-label">{ "Response headers: a URL line, then Name: value lines (preflight Name: value for the OPTIONS answer)" }</span>
                        <textarea id="pl-headers" spellcheck="false" value={s.headers_text.clone()} oninput={on_headers} rows="14" />
                    </label>
                </div>
            </details>
            }
        </section>
    }
}

/// One group's six slots (one for HTTP/2) and its queue, at `t`.
fn pools(l: &PageLoad, v: &LoadView, t: Instant) -> Html {
    html! {
        <div class="card pools" id="pl-pools">
            <h3>{ "Socket pools" }</h3>
            <p class="pl-legend">
                <span class="slot-key connecting">{ "connecting" }</span>
                <span class="slot-key busy">{ "busy" }</span>
                <span class="slot-key idle">{ "idle" }</span>
                <span class="slot-key closed">{ "closed" }</span>
                { " · waiting requests queue beside the slots, highest priority first" }
            </p>
            { for l.groups.iter().zip(&v.groups).map(|(g, gv)| {
                let waiting: Vec<&Request> = gv.queue.iter().filter(|q| q.at(t)).filter_map(|q| l.request(q.id)).collect();
                html! {
                    <div class="pool-row" data-group={g.group.clone()}>
                        <div class="pool-name">
                            <code>{ g.origin.clone() }</code>
                            <small>{ format!("{}{}", g.protocol, if g.credentials { "" } else { " · without credentials" }) }</small>
                        </div>
                        <div class="slots">
                            { for gv.lanes.iter().map(|lane| slot(l, lane, t)) }
                        </div>
                        <div class="queue" role="group" aria-label={format!("{} waiting", waiting.len())}>
                            { for waiting.iter().take(MAX_CHIPS).map(|r| html! {
                                <span key={r.id} class="chip" title={format!("{} ({})", r.url, load::priority_label(r.priority))}>{ format!("#{}", r.id) }</span>
                            }) }
                            if waiting.len() > MAX_CHIPS {
                                <span class="chip more">{ format!("+{} more", waiting.len() - MAX_CHIPS) }</span>
                            }
                        </div>
                    </div>
                }
            }) }
        </div>
    }
}

/// A slot: the connection in this lane at `t` (the one open now, else the last one closed).
fn slot(l: &PageLoad, lane: &[usize], t: Instant) -> Html {
    let here = || {
        lane.iter()
            .map(|&i| &l.connections[i])
            .filter(|c| c.start <= t)
    };
    let c = here()
        .find(|c| c.closed.is_none_or(|e| e > t))
        .or_else(|| here().next_back());
    let Some(c) = c else {
        return html! { <div class="slot" data-state="free"><span>{ "free" }</span></div> };
    };
    let state = c.state_at(t);
    let carrying: Vec<u32> = c.carrying(t).collect();
    let label = match (state, carrying.as_slice()) {
        ("busy", [one]) => format!(
            "conn {} · #{one} {}",
            c.id,
            l.request(*one)
                .map(|r| short_url(&r.url))
                .unwrap_or_default()
        ),
        ("busy", many) if !many.is_empty() => format!("conn {} · {} streams", c.id, many.len()),
        (other, _) => format!(
            "conn {} · {other}{}",
            c.id,
            if c.preconnect { " (preconnect)" } else { "" }
        ),
    };
    html! {
        <div class="slot" data-state={state} title={label.clone()}>
            <span>{ label }</span>
        </div>
    }
}

fn waterfall(
    l: &PageLoad,
    v: &LoadView,
    t: Instant,
    selected: u32,
    dispatch: &Callback<PageAction>,
) -> Html {
    let end = l.end.micros().max(1) as f64;
    let pct = |i: Instant| fixed(i.micros() as f64 * 100.0 / end, 3);
    let rows = v.rows.iter().map(|&i| &l.requests[i]);
    let hidden = v.hidden;
    // A click between the rows selects nothing new.
    let d = dispatch.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        let id = e
            .target()
            .and_then(|x| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(x).ok())
            .and_then(|el| el.closest("[data-id]").ok().flatten())
            .and_then(|el| el.get_attribute("data-id"))
            .and_then(|v| v.parse().ok());
        if let Some(id) = id {
            d.emit(PageAction::Select(id));
        }
    });
    html! {
        <div class="card waterfall" id="pl-waterfall">
            <h3>{ "Waterfall" }</h3>
            <p class="pl-legend">
                { for PhaseName::ALL.iter().map(|p| html! { <span class="ph-key" data-ph={phase_key(*p)}>{ p.label() }</span> }) }
            </p>
            <div class="wf-rows" {onclick}>
                <div class="wf-cursor" style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {} / 100)", pct(t))} aria-hidden="true"></div>
                { for rows.map(|r| {
                    let blocked = matches!(r.outcome, Outcome::Blocked { .. });
                    let future = r.start > t;
                    html! {
                        <button key={r.id} class="wf-row" data-blocked={blocked.then_some("")} data-future={future.then_some("")}
                            data-id={r.id.to_string()} aria-pressed={if r.id == selected { "true" } else { "false" }}
                            title={r.url.clone()}>
                            <span class="wf-label">
                                <span class="wf-id">{ format!("#{}", r.id) }</span>
                                <span class="wf-url">{ short_url(&r.url) }</span>
                                <span class="wf-meta">
                                    { format!("{} · {}", if r.method == "GET" { r.destination.to_string() } else { format!("{} {}", r.method, r.destination) }, load::priority_label(r.priority)) }
                                    if blocked && r.end <= t { <span class="wf-blocked">{ " · blocked" }</span> }
                                </span>
                            </span>
                            <span class="wf-track">
                                { for r.phases.iter().filter(|p| p.start <= t).map(|p| {
                                    let shown_end = if p.end < t { p.end } else { t };
                                    html! {
                                        <span class="seg" data-ph={phase_key(p.name)}
                                            style={format!("left: {}%; width: {}%", pct(p.start), fixed((shown_end.micros() - p.start.micros()) as f64 * 100.0 / end, 3))}
                                            title={format!("{}: {} ms: {}", p.name, ms(p.end.micros() - p.start.micros()), p.why)}></span>
                                    }
                                }) }
                            </span>
                        </button>
                    }
                }) }
            </div>
            if hidden > 0 {
                <p class="pl-legend" id="pl-more">
                    { format!("…and {hidden} more requests: the waterfall draws the first {MAX_ROWS}; the summary, the pools and the console count them all.") }
                </p>
            }
        </div>
    }
}

fn detail(r: &Request, l: &PageLoad) -> Html {
    let total = r.end.micros() - r.start.micros();
    html! {
        <div class="card pl-detail" id="pl-detail" aria-live="polite">
            <h3>{ format!("#{} {} {}", r.id, r.method, r.url) }</h3>
            <p class="pl-kv">
                { format!("{} · priority {} · {} · group {}", r.destination, load::priority_label(r.priority), r.protocol, r.group) }
                <br />
                { match r.connection {
                    _ if r.from_cache == FromCache::Memory => "served from the memory cache".to_string(),
                    _ if r.from_cache == FromCache::Disk => "served from the disk cache".to_string(),
                    Some(c) => format!("connection {c} ({})", if r.reused { "reused" } else { "new" }),
                    None => "no connection".to_string(),
                } }
                { format!(" · {} ms in all", ms(total)) }
            </p>
            <table class="components phases">
                <thead><tr><th>{ "phase" }</th><th>{ "ms" }</th><th>{ "why" }</th></tr></thead>
                <tbody>
                    { for r.phases.iter().map(|p| html! {
                        <tr><td><span class="ph-dot" data-ph={phase_key(p.name)}></span>{ p.name.label() }</td><td class="num">{ ms(p.end.micros() - p.start.micros()) }</td><td class="why">{ p.why.clone() }</td></tr>
                    }) }
                </tbody>
            </table>
            <h3 class="so-title">{ "Same origin?" }</h3>
            <table class="components so" id="pl-same-origin">
                <thead><tr><th></th><th>{ "page" }</th><th>{ "this request" }</th><th></th></tr></thead>
                <tbody>
                    { for r.comparison.iter().map(|c| html! {
                        <tr data-equal={c.equal.to_string()}>
                            <th scope="row">{ c.part }</th><td><code>{ c.page.clone() }</code></td><td><code>{ c.resource.clone() }</code></td>
                            <td>{ if c.equal { "= same" } else { "≠ differs" } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="verdict" data-bad={matches!(r.outcome, Outcome::Blocked { .. }).then_some("")} id="pl-verdict">
                { match &r.outcome {
                    Outcome::Ok { status, rule } => format!("{} → allowed ({status}): {rule}", if r.same_origin { "same origin" } else { "cross-origin" }),
                    Outcome::Blocked { rule, sent, .. } => format!("blocked{}: {rule}", if *sent { "" } else { " before it was sent" }),
                    Outcome::Failed { error } => format!("failed: {error}"),
                } }
            </p>
            if let Outcome::Blocked { console, .. } = &r.outcome {
                <pre class="console-line">{ console.clone() }</pre>
            }
            if let Some((p, because)) = &r.preflight {
                <p class="pl-kv">{ format!("Preflighted by request #{p}: {because}.") }</p>
            }
            if let Some(m) = r.preflight_for {
                <p class="pl-kv">{ format!("The CORS preflight for request #{m}.") }</p>
            }
            <p class="pl-kv">
                { format!("Cookie: {} — {}", r.cookie.clone().unwrap_or_else(|| "none".into()), r.cookie_note) }
            </p>
            <p class="pl-kv">{ format!("Page origin {} · from {}", l.page_origin, r.initiator) }</p>
        </div>
    }
}
