//! The page load: the socket pools at the cursor, the waterfall, the same-origin panel of the
//! selected request, and the page editor. What is drawn and how the controls change it is the
//! view-model's ([`crate::timeline::page`], tested natively) and the app's reducer's
//! ([`crate::timeline::app`]: the page's time is the app's playhead while the page is
//! followed); this module turns it into elements and wires the controls and the files.

use super::state::{AppAction, Focus, PageRef};
use crate::model::har;
use crate::model::journey::Subject;
use crate::model::load::{self, FromCache, Outcome, PageLoad, PhaseName, Request};
use crate::model::pages;
use crate::model::time::Instant;
use crate::timeline::page::{
    self, ms, phase_key, short_url, GroupView, LoadView, PageAction, MAX_CHIPS,
};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The section's heading (also its stand-in's while its module is on its way: super::lazy).
pub const TITLE: &str = "A whole page: socket pools, the waterfall and the same-origin checks";

#[derive(Properties, PartialEq, Clone)]
pub struct PageViewProps {
    /// The page's state: the app's ([`crate::timeline::app::AppState::page`]).
    pub page: PageRef,
    /// What the diagram follows: a pool slot of the connection followed is marked.
    pub focus: Focus,
    /// The app's player is playing the page (a request of it is followed).
    pub playing: bool,
}

/// A URL or host that may break across lines only after `//`, `/` and before `.`, not
/// mid-word.
fn breakable(text: &str) -> Html {
    html! {
        <>{ for page::break_points(text).map(|(part, br)| html! {
            <>{ part.to_string() }if br { <wbr /> }</>
        }) }</>
    }
}

#[component]
pub fn PageView(props: &PageViewProps) -> Html {
    let app = super::use_dispatch();
    let state = &props.page.0;
    let s = &**state;
    let dispatch = app.reform(AppAction::Page);
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
    let on_seek = app.reform(|e: InputEvent| {
        let v = e
            .target_dyn_into::<HtmlInputElement>()
            .map(|x| x.value())
            .unwrap_or_default();
        AppAction::PageSeek(v.parse::<u64>().unwrap_or(0).saturating_mul(100))
    });
    let on_play = app.reform(|_| AppAction::PlayLoad);
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
                super::files::read_recording(file, apply);
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
                let n = &*h.name;
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
    // The capture and its cryptography are the `capture` module's (super::lazy).
    let pcap_note = use_state(String::new);
    let save_pcap = {
        let (st, note) = (state.clone(), pcap_note.clone());
        Callback::from(move |_| {
            let (load, name, note) = (
                std::rc::Rc::clone(&st.load.0),
                format!("wirewalk-{}.pcapng", st.preset),
                note.clone(),
            );
            yew::platform::spawn_local(async move {
                match super::lazy::page_capture(load).await {
                    Ok(Ok(bytes)) => {
                        note.set(String::new());
                        super::files::download_bytes(&name, "application/vnd.tcpdump.pcap", &bytes)
                    }
                    Ok(Err(why)) => note.set(format!("No capture: {why}.")),
                    Err(_) => {
                        note.set("The capture writer could not be fetched: try again.".into())
                    }
                }
            })
        })
    };
    let v = &s.load.1;
    let selected = s.selected_request();
    html! {
        <section id="page-load" class="page-load" aria-labelledby="pl-title">
            <div class="pl-head">
                <h2 id="pl-title">{ TITLE }</h2>
                <label class="knob">
                    <span class="knob-label">{ "page" }</span>
                    <select id="pl-preset" onchange={on_preset} aria-label="Page scenario">
                        { for pages::NAMES.iter().map(|n| html! { <option value={*n} selected={s.preset == *n}>{ *n }</option> }) }
                    </select>
                </label>
                <button id="pl-play" type="button" class="pl-play" onclick={on_play} aria-pressed={if props.playing { "true" } else { "false" }}>
                    { if props.playing { "❚❚ Pause" } else { "▶ Play the load" } }
                </button>
                <input id="pl-scrubber" type="range" min="0" max={end.div_ceil(100).to_string()} value={(s.t / 100).to_string()} oninput={on_seek} aria-label="Time in the page load" />
                <span id="pl-time" class="pl-time">{ format!("{} / {} ms", ms(s.t), ms(end)) }</span>
                <span class="pl-files">
                    if s.har.is_none() {
                        <button id="pl-save-har" type="button" onclick={save_har} title="This simulated load as a HAR 1.2 file, as DevTools saves one">{ "Save HAR" }</button>
                    }
                    <button id="pl-save-svg" type="button" onclick={save_svg} title="The waterfall as an SVG image">{ "Save SVG" }</button>
                    if s.har.is_none() {
                        <button id="pl-save-pcap" type="button" onclick={save_pcap} title="Every packet of this load as Wireshark opens it: pcapng, the TLS secrets inside so it decrypts">{ "Download capture" }</button>
                    }
                    <label class="pl-open" title="A HAR file saved by Chrome or Firefox DevTools (Save all as HAR), or a Chrome NetLog (chrome://net-export)">
                        { "Open HAR or NetLog…" }
                        <input id="pl-open-har" type="file" accept=".har,.json,application/json" onchange={on_open} />
                    </label>
                </span>
            </div>
            <p class="pl-summary" id="pl-summary">{ page::summary(l, v, s.har.is_some()) }</p>
            if let Some(name) = s.har.as_ref().map(|h| &h.name) {
                <p class="pl-har" id="pl-har">
                    { format!("Replaying {name}: {} requests as the file recorded them, with their own timings and connections. A recording is not part of the share link. ", l.requests.len()) }
                    <button id="pl-leave-har" type="button" onclick={on_leave}>{ "Back to the simulated page" }</button>
                </p>
            }
            if !pcap_note.is_empty() {
                <p class="pl-error" id="pl-pcap-note" role="alert">{ (*pcap_note).clone() }</p>
            }
            if let Some(e) = &s.error {
                <p class="pl-error" id="pl-error" role="alert">{ format!("Not loaded: {e}. The last good load stays on screen.") }</p>
            }
            <div class="pl-grid">
                <div class="pl-left">
                    { pools(l, v, t, props.focus, &app) }
                    <Waterfall load={s.load.clone()} t={s.t} selected={s.selected} />
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
                        <div class="card" id="pl-notes">
                            <h3>{ if s.har.is_some() { "What the recording leaves out" } else { "Not requested" } }</h3>
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
                        <textarea id="pl-html" spellcheck="false" value={AttrValue::from(s.html.clone())} oninput={on_html} rows="14" />
                    </label>
                    <label>
                        <span class="knob-label">{ "Response headers: a URL line, then Name: value lines (preflight Name: value for the OPTIONS answer)" }</span>
                        <textarea id="pl-headers" spellcheck="false" value={AttrValue::from(s.headers_text.clone())} oninput={on_headers} rows="14" />
                    </label>
                </div>
            </details>
            <Compare scenario={Rc::clone(&s.scenario)} />
            if s.preset == "realtime" {
                <RealtimeCompare />
            }
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CompareProps {
    scenario: Rc<load::PageScenario>,
}

/// The three loads, or the first one's error.
type Compared = Result<Vec<(load::Protocol, PageLoad)>, String>;

/// The page over HTTP/1.1, HTTP/2 and HTTP/3 as three waterfalls on one time axis, made when
/// asked (three more loads) for the page as it is then; a changed page hides the old ones.
#[component]
fn Compare(p: &CompareProps) -> Html {
    let made = use_state(|| None::<(Rc<load::PageScenario>, Rc<Compared>)>);
    let on_make = {
        let (made, sc) = (made.clone(), Rc::clone(&p.scenario));
        Callback::from(move |_| {
            let loads: Compared = (load::over_each_protocol(&sc).into_iter())
                .map(|(p, l)| l.map(|l| (p, l)).map_err(|e| format!("{}: {e}", p.name())))
                .collect();
            made.set(Some((Rc::clone(&sc), Rc::new(loads))))
        })
    };
    let current = (*made).as_ref().filter(|(sc, _)| *sc == p.scenario);
    html! {
        <details class="pl-compare" id="pl-compare">
            <summary>{ "Compare HTTP/1.1, HTTP/2 and HTTP/3: this page as three waterfalls on one time axis" }</summary>
            <p class="pl-compare-note">{ "Every https origin of the page speaks each version in turn; the network, the servers and the packet loss stay the same. Over HTTP/3 the browser is taken to know that the origins speak it (as after an Alt-Svc header or an HTTPS record)." }</p>
            <button id="pl-compare-run" type="button" onclick={on_make}>{ "Load it three ways" }</button>
            { match current.map(|(_, c)| &**c) {
                Some(Ok(loads)) => three_waterfalls(loads),
                Some(Err(e)) => html! { <p class="pl-error" role="alert">{ format!("Not compared: {e}.") }</p> },
                None => html! {},
            } }
        </details>
    }
}

/// The realtime preset's ticker by polling, long polling, server-sent events and a WebSocket
/// ([`crate::model::realtime`]): the table of their figures and four waterfalls on one time
/// axis, made when asked (four loads).
#[component]
fn RealtimeCompare() -> Html {
    use crate::model::realtime;
    let made =
        use_state(
            || None::<Rc<Result<Vec<(realtime::Technique, PageLoad, realtime::Row)>, String>>>,
        );
    let on_make = {
        let made = made.clone();
        Callback::from(move |_| made.set(Some(Rc::new(realtime::compare()))))
    };
    html! {
        <details class="pl-compare" id="pl-realtime">
            <summary>{ "Compare four ways to bring a live price to the page: polling, long polling, server-sent events, WebSocket" }</summary>
            <p class="pl-compare-note">{ "The same ticker — a new price on the server every second — on the same network and server. Polling asks every second with fetch(); a long poll asks again as each answer arrives and the server holds it until a price comes; an EventSource keeps one response open; a WebSocket keeps its own connection. The feed's answers say no-store, as live data does." }</p>
            <button id="pl-realtime-run" type="button" onclick={on_make}>{ "Load it four ways" }</button>
            { match (*made).as_deref() {
                Some(Ok(all)) => {
                    let rows: Vec<realtime::Row> = all.iter().map(|(_, _, r)| r.clone()).collect();
                    let panels: Vec<(String, String, &PageLoad)> = (all.iter())
                        .map(|(w, l, _)| (w.name().to_string(), format!("{w:?}"), l))
                        .collect();
                    html! { <>{ realtime_table(&rows) }{ waterfall_panels(&panels) }</> }
                }
                Some(Err(e)) => html! { <p class="pl-error" role="alert">{ format!("Not compared: {e}.") }</p> },
                None => html! {},
            } }
        </details>
    }
}

/// The four ways' figures as a table.
fn realtime_table(rows: &[crate::model::realtime::Row]) -> Html {
    html! {
        <table class="rt-table" id="pl-realtime-table">
            <thead><tr>
                <th scope="col">{ "way" }</th><th scope="col">{ "requests" }</th><th scope="col">{ "prices in" }</th>
                <th scope="col">{ "bytes per price" }</th><th scope="col">{ "server → page, mean" }</th><th scope="col">{ "worst" }</th>
                <th scope="col">{ "sockets (held)" }</th><th scope="col">{ "from cache" }</th>
            </tr></thead>
            <tbody>
                { for rows.iter().map(|r| html! {
                    <tr>
                        <th scope="row">{ r.technique.name() }</th>
                        <td>{ r.requests }</td>
                        <td>{ format!("{}/{}", r.updates, r.of) }</td>
                        <td>{ r.bytes_per_update }</td>
                        <td>{ format!("{} ms", ms(r.latency_mean.micros())) }</td>
                        <td>{ format!("{} ms", ms(r.latency_max.micros())) }</td>
                        <td>{ format!("{} ({} s)", r.connections, ms(r.held.micros() / 1000)) }</td>
                        <td>{ r.from_cache }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The loads' waterfalls, one under the other, scaled to the longest: a row per request with
/// its phases (not interactive: the page's own waterfall above is).
fn three_waterfalls(loads: &[(load::Protocol, PageLoad)]) -> Html {
    let panels: Vec<(String, String, &PageLoad)> = (loads.iter())
        .map(|(p, l)| (p.name().to_string(), p.as_str().to_string(), l))
        .collect();
    waterfall_panels(&panels)
}

/// Waterfalls one under the other on one time axis, each with its title and its key.
fn waterfall_panels(loads: &[(String, String, &PageLoad)]) -> Html {
    let end = loads
        .iter()
        .map(|(_, _, l)| l.end.micros())
        .max()
        .unwrap_or(1)
        .max(1);
    let ruler = page::ruler(end);
    html! {
        <div class="pl-compare-panels" id="pl-compare-panels">
            <p class="pl-legend">
                { for PhaseName::ALL.iter().map(|p| html! { <span class="ph-key" data-ph={phase_key(*p)}>{ p.label() }</span> }) }
            </p>
            { for loads.iter().map(|(name, key, l)| html! {
                <section class="cmp-panel" data-protocol={key.clone()} aria-label={format!("{name} waterfall")}>
                    <h4 class="cmp-title">{ name.clone() }<span class="cmp-time">{ format!(" · loaded in {} ms over {} connection{}", ms(l.end.micros()), l.connections.len(), if l.connections.len() == 1 { "" } else { "s" }) }</span></h4>
                    <div class="wf-ruler" aria-hidden="true">
                        { for ruler.iter().map(|(pct, label)| html! {
                            <span class="wf-tick" style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {pct} / 100)")}>{ label.clone() }</span>
                        }) }
                    </div>
                    { for l.requests.iter().map(|r| html! {
                        <div class="cmp-row">
                            <span class="cmp-url" title={r.url.clone()}>{ format!("#{} {}", r.id, crate::model::text::shorten(&r.url, 60)) }</span>
                            <span class="wf-track">
                                { for r.phases.iter().map(|ph| html! {
                                    <span class="seg" data-ph={phase_key(ph.name)} title={format!("{}: {} ms", ph.name.label(), ms(ph.end.micros() - ph.start.micros()))}
                                        style={format!("left: {}%; width: max(1px, {}%)", page::percent(ph.start, end), page::percent(Instant::from_micros(ph.end.micros() - ph.start.micros()), end))}></span>
                                }) }
                                { for r.messages.iter().map(|m| html! {
                                    <span class="wf-msg" data-page={m.from_page.then_some("")}
                                        style={format!("left: {}%", page::percent(m.at, end))}
                                        title={page::message_title(m)}></span>
                                }) }
                            </span>
                        </div>
                    }) }
                </section>
            }) }
        </div>
    }
}

/// One group's six slots (one for HTTP/2) and its queue, at `t`. A slot's connection is a
/// button: its messages go into the diagram.
fn pools(
    l: &PageLoad,
    v: &LoadView,
    t: Instant,
    focus: Focus,
    dispatch: &Callback<AppAction>,
) -> Html {
    let followed = match focus {
        Focus::Page(Subject::Connection(c)) => Some(c),
        _ => None,
    };
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
            { for l.groups.iter().zip(&v.groups).map(|(g, gv): (_, &GroupView)| {
                let waiting = page::waiting(l, gv, t);
                html! {
                    <div class="pool-row" data-group={g.group.clone()}>
                        <div class="pool-name">
                            <code>{ breakable(&g.origin) }</code>
                            <small>{ format!("{}{}", g.protocol, if g.credentials { "" } else { " · without credentials" }) }</small>
                        </div>
                        <div class="slots">
                            { for gv.lanes.iter().map(|lane| slot(l, lane, t, followed, dispatch)) }
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
fn slot(
    l: &PageLoad,
    lane: &[usize],
    t: Instant,
    followed: Option<u32>,
    dispatch: &Callback<AppAction>,
) -> Html {
    let page::Slot { state, label, conn } = page::slot(l, lane, t);
    let Some(c) = conn else {
        return html! { <div class="slot" data-state="free"><span>{ "free" }</span></div> };
    };
    let onclick = dispatch.reform(move |_| AppAction::Follow(Focus::Page(Subject::Connection(c))));
    html! {
        <button type="button" class="slot" data-state={state} data-conn={c.to_string()}
            aria-pressed={if followed == Some(c) { "true" } else { "false" }}
            title={format!("{label}: step through this connection's messages")} {onclick}>
            <span>{ label }</span>
        </button>
    }
}

/// The waterfall's list as scrolled: its element, and the first row and the height in view.
#[derive(Clone)]
struct RowsView {
    node: NodeRef,
    scrolled: UseStateHandle<(usize, u32)>,
    /// An arrow key moved the selection: its row takes the focus once drawn.
    focus: Rc<std::cell::Cell<bool>>,
}

impl RowsView {
    /// Reads the list's scroll position (re-rendering only when another row comes first).
    fn read(&self) {
        if let Some(el) = self.node.cast::<web_sys::Element>() {
            let first = (f64::from(el.scroll_top()) / page::ROW_H) as usize;
            self.scrolled.set((first, el.client_height().max(0) as u32));
        }
    }

    /// Scrolls the list so that row `i` is in view.
    fn reveal(&self, i: usize) {
        let Some(el) = self.node.cast::<web_sys::Element>() else {
            return;
        };
        let (top, bottom) = (i as f64 * page::ROW_H, (i + 1) as f64 * page::ROW_H);
        let (at, h) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
        if top < at {
            el.set_scroll_top(top as i32);
        } else if bottom > at + h {
            el.set_scroll_top((bottom - h).ceil() as i32);
        }
        self.read();
    }
}

#[derive(Properties, PartialEq)]
struct WaterfallProps {
    load: page::LoadRef,
    /// The cursor, µs.
    t: u64,
    selected: u32,
}

/// The waterfall: a component of its own, so that scrolling its list re-renders it alone.
#[component]
fn Waterfall(p: &WaterfallProps) -> Html {
    let dispatch = super::use_dispatch();
    let view = RowsView {
        node: use_node_ref(),
        // Before the first scroll: the top, and the list's greatest height (static/style.css).
        scrolled: use_state_eq(|| (0usize, 520u32)),
        focus: (*use_memo((), |_| Rc::new(std::cell::Cell::new(false)))).clone(),
    };
    {
        // The row the arrow keys selected takes the focus, once it is drawn.
        let (node, focus) = (view.node.clone(), view.focus.clone());
        use_effect_with((p.selected, *view.scrolled), move |(id, _)| {
            let Some(list) = node.cast::<web_sys::Element>() else {
                return;
            };
            if !focus.get() {
                return;
            }
            if let Ok(Some(row)) = list.query_selector(&format!("[data-id='{id}']")) {
                if let Ok(row) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(row) {
                    let _ = row.focus();
                    focus.set(false);
                }
            }
        });
    }
    let (load, t, selected, dispatch, view) = (
        &p.load,
        Instant::from_micros(p.t),
        p.selected,
        &dispatch,
        &view,
    );
    let (l, v) = (&*load.0, &*load.1);
    let end = l.end.micros();
    let (ruler, marks) = (&v.ruler, &v.marks);
    // Only the rows in view (and a margin) are in the document; padding stands for the rest.
    let (first, height) = *view.scrolled;
    let (from, to) = page::window(v.rows.len(), first as f64 * page::ROW_H, f64::from(height));
    let pad = |n: usize| {
        format!(
            "height: {}px",
            crate::timeline::fixed(n as f64 * page::ROW_H, 0)
        )
    };
    let (above, below) = (pad(from), pad(v.rows.len() - to));
    let onscroll = {
        let view = view.clone();
        Callback::from(move |_: Event| view.read())
    };
    // ↑ and ↓ move to the request before or after the selected one (by start), into view.
    let onkeydown = {
        let (d, view, load) = (dispatch.clone(), view.clone(), load.clone());
        Callback::from(move |e: KeyboardEvent| {
            let by = match e.key().as_str() {
                "ArrowDown" => 1,
                "ArrowUp" => -1,
                _ => return,
            };
            e.prevent_default();
            if let Some((i, id)) = page::neighbour(&load.0, &load.1, selected, by) {
                view.focus.set(true);
                d.emit(follow(id));
                view.reveal(i);
            }
        })
    };
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
            d.emit(follow(id));
        }
    });
    html! {
        <div class="card waterfall" id="pl-waterfall">
            <h3>{ "Waterfall" }</h3>
            <p class="pl-legend">
                { for PhaseName::ALL.iter().map(|p| html! { <span class="ph-key" data-ph={phase_key(*p)}>{ p.label() }</span> }) }
            </p>
            if !marks.is_empty() {
                <p class="pl-legend" id="pl-marks">
                    { for marks.iter().map(|m| html! { <span class="mark-key" data-mark={m.key}>{ m.label.clone() }</span> }) }
                </p>
            }
            <div class="wf-ruler" aria-hidden="true">
                { for ruler.iter().map(|(at, label)| html! {
                    <span class="wf-tick" style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {at} / 100)")}>{ label.clone() }</span>
                }) }
            </div>
            if !l.main_thread.is_empty() {
                <div class="wf-lane" id="pl-main-thread">
                    <span class="wf-label"><span class="wf-id"></span><span class="wf-url">{ "main thread" }</span>
                        <span class="wf-meta">{ "frozen by a synchronous XHR" }</span></span>
                    <span class="wf-track">
                        { for page::main_thread_spans(l, t).into_iter().map(|(left, width, title)| html! {
                            <span class="seg-frozen" style={format!("left: {left}%; width: {width}%")} title={title.clone()} aria-label={title}></span>
                        }) }
                    </span>
                </div>
            }
            <div class="wf-rows" ref={view.node.clone()} {onclick} {onscroll} {onkeydown}
                role="group" aria-label="Requests by start: ↑ and ↓ move between them">
                // Each list in an element of its own (`display: contents`), the rows keyed: Yew
                // diffs a list that shares its parent with other children without keys, so a
                // scrolled row would rebuild every row after it.
                <div class="wf-list">
                { for ruler.iter().map(|(at, _)| html! {
                    <div class="wf-grid" style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {at} / 100)")} aria-hidden="true"></div>
                }) }
                </div>
                <div class="wf-list">
                { for marks.iter().filter(|m| m.at <= t).map(|m| html! {
                    <div class="wf-mark" data-mark={m.key} title={m.label.clone()} style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {} / 100)", m.left)} aria-hidden="true"></div>
                }) }
                </div>
                <div class="wf-pad" style={above} aria-hidden="true"></div>
                <div class="wf-cursor" style={format!("left: calc(var(--wf-label) + (100% - var(--wf-label)) * {} / 100)", page::percent(t, end))} aria-hidden="true"></div>
                <div class="wf-list">
                { for v.rows[from..to].iter().map(|&i| {
                    let r = &l.requests[i];
                    html! { <WfRow key={r.id} load={load.clone()} {i} t={row_time(r, t)} selected={r.id == selected} /> }
                }) }
                </div>
                <div class="wf-pad" style={below} aria-hidden="true"></div>
            </div>
        </div>
    }
}

/// The cursor as a row sees it: any time before the request is the same to it (nothing drawn
/// yet), and so is any time after (all of it drawn). A row whose request is not under way
/// then keeps equal props while the load plays, and is not drawn again.
fn row_time(r: &Request, t: Instant) -> u64 {
    if t < r.start {
        r.start.micros().saturating_sub(1)
    } else {
        t.min(r.end).micros()
    }
}

#[derive(Properties, PartialEq)]
struct WfRowProps {
    load: page::LoadRef,
    /// The request's index in the load.
    i: usize,
    /// The cursor, µs, as [`row_time`] gives it.
    t: u64,
    selected: bool,
}

/// One request's row: its label and its bars cut at the cursor. A component of its own, so a
/// scroll draws only the rows that come into view and a frame of playback only the rows under
/// way.
#[component]
fn WfRow(p: &WfRowProps) -> Html {
    let l = &p.load.0;
    let Some(r) = l.requests.get(p.i) else {
        return html! {};
    };
    let (t, end) = (Instant::from_micros(p.t), l.end.micros());
    let blocked = matches!(r.outcome, Outcome::Blocked { .. });
    let future = r.start > t;
    html! {
        <button class="wf-row" data-blocked={blocked.then_some("")} data-future={future.then_some("")}
            data-id={r.id.to_string()} aria-pressed={if p.selected { "true" } else { "false" }}
            title={r.url.clone()}>
            <span class="wf-label">
                <span class="wf-id">{ format!("#{}", r.id) }</span>
                <span class="wf-url">{ short_url(&r.url) }</span>
                <span class="wf-meta">
                    { page::row_meta(r) }
                    if blocked && r.end <= t { <span class="wf-blocked">{ " · blocked" }</span> }
                </span>
            </span>
            <span class="wf-track">
                { for page::segments(r, t, end).into_iter().map(|g| html! {
                    <span class="seg" data-ph={phase_key(g.phase)}
                        style={format!("left: {}%; width: {}%", g.left, g.width)}
                        title={g.title}></span>
                }) }
                { for r.messages.iter().filter(|m| m.at <= t).map(|m| html! {
                    <span class="wf-msg" data-page={m.from_page.then_some("")}
                        style={format!("left: {}%", page::percent(m.at, end))}
                        title={page::message_title(m)}></span>
                }) }
            </span>
        </button>
    }
}

/// Selecting a request follows it: its messages go into the diagram.
fn follow(id: u32) -> AppAction {
    AppAction::Follow(Focus::Page(Subject::Request(id)))
}

fn detail(r: &Request, l: &PageLoad) -> Html {
    let total = r.end.micros() - r.start.micros();
    html! {
        <div class="card pl-detail" id="pl-detail" aria-live="polite">
            <h3>{ format!("#{} {} {}", r.id, r.method, r.url) }</h3>
            <p class="pl-kv">
                { format!("{} · priority {} · {} · group {}", r.destination, load::priority_label(r.priority), r.protocol, r.group) }
                if !r.credentials {
                    <br /><small>{ page::privacy_mode_note() }</small>
                }
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
                            <th scope="row">{ c.part }</th><td><code>{ breakable(&c.page) }</code></td><td><code>{ breakable(&c.resource) }</code></td>
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
                    Outcome::Pending { why } => format!("pending: {why}"),
                } }
            </p>
            if let Outcome::Blocked { console, .. } = &r.outcome {
                <pre class="console-line">{ console.clone() }</pre>
            }
            if let Some(h) = &r.websocket {
                <p class="pl-kv" id="pl-websocket">{ page::websocket_note(h, r.connection) }</p>
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
