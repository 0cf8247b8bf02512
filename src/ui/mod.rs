//! The Yew front end (wasm32 only). It renders what the model computed and holds no protocol
//! logic: [`state`] runs the journey's model when its scenario changes, [`page_load`] the page
//! load's, [`crate::timeline`] says what to draw at the cursor, and the components below only
//! turn that into elements.
//!
//! Layout: the address bar and its live parse; the knobs; the journey track; the sequence
//! diagram beside the inspector; the player (scrubber and controls); the URL in detail; then a
//! whole page load ([`page_load`]).

// Natively (`--features ssr`, the build-time renderer) only the drawing runs: what talks to the
// browser is compiled but never called.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod bytes;
mod embed_api;
mod files;
mod following;
mod inspector;
mod knobs;
mod lazy;
mod link_sync;
mod page_load;
mod player;
mod sequence;
mod share;
mod state;
mod track;
mod url_bar;
mod url_stage;

use inspector::Inspector;
use knobs::Knobs;
use player::Player;
use sequence::Sequence;
use state::{AppAction, AppState};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use track::Track;
use url_bar::UrlBar;
use url_stage::UrlStage;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// The app's dispatcher, given to every component through a context: it never changes, so
/// providing it re-renders nothing, and each component gets the state it draws as props.
#[derive(Clone, PartialEq)]
pub struct Dispatch(pub Callback<AppAction>);

/// The app's dispatcher (a no-op outside the app's context provider).
#[hook]
pub fn use_dispatch() -> Callback<AppAction> {
    use_context::<Dispatch>().map(|d| d.0).unwrap_or_default()
}

/// Mounts the app on the page's `<body>`: it hydrates the first screen `make build` rendered
/// there when its own first view is that one, and renders afresh otherwise.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    // For the benchmark: when the module has been compiled and `main` runs.
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("wirewalk-start");
    }
    // A panic is a bug: it is shown, logged (the browser tests fail on any console error), and
    // the page restarts at the last good view. The bundle is built with panics that stop the
    // module at once (`-Cpanic=immediate-abort`, scripts/wasm-env.sh: 7 KB less gzip than
    // formatting a message), so a panic reaches the page as a WebAssembly trap thrown out of
    // whatever called in: an event listener, a timer, a frame callback or a promise.
    // Without immediate abort (a toolchain that cannot rebuild std), a panic would first run
    // Yew's default hook and log its own error; the trap below is the one report.
    #[cfg(panic = "abort")]
    yew::set_custom_panic_hook(Box::new(|_| {}));
    let window = web_sys::window().map(Into::into);
    for event in ["error", "unhandledrejection"] {
        // Listens for as long as the page is open.
        std::mem::forget(listen(window.clone(), event, on_trap));
    }
    let input = BootInput::from_browser();
    // The markup `make build` rendered into index.html is the view of a link without a query
    // on a wide screen: the app takes it over (hydrates it) when it would draw the same, and
    // draws afresh otherwise (the renderer first empties the body).
    let hydrate = input == BootInput::prerendered()
        && web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
            .is_some_and(|b| b.has_attribute(crate::prerender::PRERENDERED));
    let props = AppProps {
        boot: Rc::new(Boot::from_input(input)),
    };
    let renderer = yew::Renderer::<App>::with_props(props);
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(root) = doc.as_ref().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-start", if hydrate { "hydrated" } else { "rendered" });
    }
    // From here the body holds the app's own view (static/style.css hides the prerendered one
    // only while the attribute is there).
    if let Some(body) = doc.and_then(|d| d.body()) {
        let _ = body.remove_attribute(crate::prerender::PRERENDERED);
    }
    if hydrate {
        renderer.hydrate();
    } else {
        renderer.render();
    }
}

/// What decides the app's first view: the link's query, the reader's motion preference, the
/// window's width (wide screens start with the knobs open) and a crash note kept for after a
/// restart.
#[derive(Clone, Debug, PartialEq)]
struct BootInput {
    search: String,
    reduced_motion: bool,
    wide: bool,
    crash: Option<String>,
}

impl BootInput {
    /// The view `make build` renders into `index.html`: no query, motion, a wide screen.
    fn prerendered() -> BootInput {
        BootInput {
            search: String::new(),
            reduced_motion: false,
            wide: true,
            crash: None,
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn from_browser() -> BootInput {
        let window = web_sys::window();
        BootInput {
            search: window
                .as_ref()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_default(),
            reduced_motion: prefers_reduced_motion(),
            wide: window
                .and_then(|w| w.inner_width().ok())
                .and_then(|v| v.as_f64())
                .is_none_or(|w| w > WIDE),
            crash: link_sync::take_crash_message(),
        }
    }
}

/// Wider than this (CSS pixels), the knobs start open; phones fold them under a summary line.
/// (`static/style.css` hides the prerendered, wide, first screen at this width and below.)
const WIDE: f64 = 820.0;

/// The app's first view, made from its [`BootInput`].
#[derive(PartialEq)]
struct Boot {
    state: AppState,
    /// What could not be used from the link.
    notes: Vec<String>,
    embed: crate::embed::Embed,
    wide: bool,
}

impl Boot {
    fn from_input(input: BootInput) -> Boot {
        let (link, mut notes) = link_sync::initial(&input.search);
        let embed = crate::embed::Embed::from_extra(&link.extra, &mut notes);
        let state = AppState::from_link(&link, &embed, input.reduced_motion, &mut notes);
        if let Some(m) = input.crash {
            notes.insert(0, format!("wirewalk recovered from an internal error: {m}"));
        }
        Boot {
            state,
            notes,
            embed,
            wide: input.wide,
        }
    }
}

#[derive(Properties, PartialEq)]
struct AppProps {
    boot: Rc<Boot>,
}

/// The first screen as `make build` puts it into `index.html` (Yew's server-side renderer,
/// with the markers hydration reads).
#[cfg(feature = "ssr")]
pub async fn prerender() -> String {
    yew::LocalServerRenderer::<App>::with_props(AppProps {
        boot: Rc::new(Boot::from_input(BootInput::prerendered())),
    })
    .hydratable(true)
    .render()
    .await
}

/// Reports a WebAssembly trap (a panic) that reached the page as an `error` or an
/// `unhandledrejection` event.
fn on_trap(e: web_sys::Event) {
    if BROKEN_TRAP_HANDLER.with(|b| b.get()) {
        panic!("the trap handler cannot run (a test of the page's last resort)");
    }
    let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &k.into()).ok();
    let error = get(&e, "error")
        .filter(|v| !v.is_undefined())
        .or_else(|| get(&e, "reason"));
    if let Some(trap) = error.filter(|v| v.is_instance_of::<js_sys::WebAssembly::RuntimeError>()) {
        let what = get(&trap, "message").and_then(|m| m.as_string());
        link_sync::on_panic(&format!(
            "A panic stopped the WebAssembly module ({}).",
            what.unwrap_or_default()
        ));
    }
}

/// The notes about a link show at most this many lines.
const MAX_NOTES: usize = 8;

/// For the browser tests: panics as a bug would, to show that the app reports it and recovers
/// (called from a timer, as a bug's panic comes from an event).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wirewalk_test_panic() {
    panic!("wirewalk_test_panic was called (a test of the panic handler)");
}

thread_local! {
    /// Armed by [`wirewalk_test_panic_in_handler`]: the next action the app reduces panics.
    static PANIC_IN_HANDLER: Cell<bool> = const { Cell::new(false) };
}

/// For the browser tests: the next action the app reduces (a click, a key) panics inside
/// Yew's handling of the event, as a bug there (or memory running out) would.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wirewalk_test_panic_in_handler() {
    PANIC_IN_HANDLER.with(|p| p.set(true));
}

thread_local! {
    /// Set by [`wirewalk_test_break_trap_handler`]: [`on_trap`] itself panics.
    static BROKEN_TRAP_HANDLER: Cell<bool> = const { Cell::new(false) };
}

/// For the browser tests: the app's own trap handler panics too, as it would with its memory
/// gone, so that the page's last resort (`static/recover.js`) has to bring it back.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wirewalk_test_break_trap_handler() {
    BROKEN_TRAP_HANDLER.with(|b| b.set(true));
}

/// Panics if a test armed it ([`wirewalk_test_panic_in_handler`]).
fn test_panic_in_handler() {
    if PANIC_IN_HANDLER.with(|p| p.replace(false)) {
        panic!("a panic inside an event handler (a test of the panic handler)");
    }
}

/// For the browser tests: the model's URL parser as the bundle runs it (international hosts go
/// through the browser's own UTS #46, see `web/idna`). Returns the `href`, or `!` and the
/// error message.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wirewalk_test_parse_url(input: &str, base: Option<String>) -> String {
    match crate::model::url::parse(input, base.as_deref()) {
        Ok(p) => p.getters.href,
        Err(e) => format!("!{}", e.message),
    }
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// The frame callback, kept where it can schedule itself again and be dropped on cleanup.
type FrameSlot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Calls `on_frame(milliseconds since the previous frame)` on every animation frame while
/// `active`; cancels the pending frame when it stops.
#[hook]
fn use_animation_frames(active: bool, on_frame: Callback<f64>) {
    use_effect_with(active, move |active| {
        let id = Rc::new(Cell::new(None::<i32>));
        let slot: FrameSlot = Rc::new(RefCell::new(None));
        if *active {
            let last = Rc::new(Cell::new(None::<f64>));
            let (id2, slot2) = (id.clone(), slot.clone());
            let f = Closure::<dyn FnMut(f64)>::new(move |ts: f64| {
                let dt = last.get().map_or(0.0, |l| ts - l);
                last.set(Some(ts));
                on_frame.emit(dt);
                if let (Some(w), Some(cb)) = (web_sys::window(), slot2.borrow().as_ref()) {
                    id2.set(w.request_animation_frame(cb.as_ref().unchecked_ref()).ok());
                }
            });
            if let Some(w) = web_sys::window() {
                id.set(w.request_animation_frame(f.as_ref().unchecked_ref()).ok());
            }
            *slot.borrow_mut() = Some(f);
        }
        move || {
            if let (Some(w), Some(i)) = (web_sys::window(), id.get()) {
                let _ = w.cancel_animation_frame(i);
            }
            slot.borrow_mut().take();
        }
    });
}

/// Space, ← →, Home, End and 1–5 anywhere on the page, except while typing in a field.
#[hook]
fn use_keyboard(dispatch: Callback<AppAction>) {
    use_effect_with((), move |_| {
        let doc = web_sys::window().and_then(|w| w.document());
        listen(doc.map(Into::into), "keydown", move |e| {
            let Ok(e) = e.dyn_into::<KeyboardEvent>() else {
                return;
            };
            let tag = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|el| el.tag_name().to_ascii_uppercase())
                .unwrap_or_default();
            if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || e.ctrl_key()
                || e.meta_key()
                || e.alt_key()
            {
                return;
            }
            let key = e.key();
            // On a focused button, Space and Enter already click it.
            if tag == "BUTTON" && (key == " " || key == "Enter") {
                return;
            }
            let action = match key.as_str() {
                " " | "Spacebar" => Some(AppAction::TogglePlay),
                "ArrowRight" => Some(AppAction::Step(1)),
                "ArrowLeft" => Some(AppAction::Step(-1)),
                "Home" => Some(AppAction::First),
                "End" => Some(AppAction::Last),
                "1" | "2" | "3" | "4" | "5" => key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| crate::timeline::SPEEDS.get(i - 1).copied())
                    .map(AppAction::Speed),
                _ => None,
            };
            if let Some(a) = action {
                e.prevent_default();
                dispatch.emit(a);
            }
        })
    });
}

/// Listens for `event` on `target` (when there is one); the returned cleanup, for
/// `use_effect_with`, removes the listener and frees it.
pub(crate) fn listen(
    target: Option<web_sys::EventTarget>,
    event: &'static str,
    handler: impl FnMut(web_sys::Event) + 'static,
) -> impl FnOnce() {
    let handler = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
    if let Some(t) = &target {
        let _ = t.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    }
    move || {
        if let Some(t) = target {
            let _ = t.remove_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        }
        drop(handler);
    }
}

/// Follows `prefers-reduced-motion` when the user changes it while the page is open.
#[hook]
fn use_reduced_motion(dispatch: Callback<AppAction>) {
    use_effect_with((), move |_| {
        let mql = web_sys::window().and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        });
        listen(mql.map(Into::into), "change", move |e| {
            if let Some(m) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::MediaQueryList>().ok())
            {
                dispatch.emit(AppAction::ReducedMotion(m.matches()));
            }
        })
    });
}

#[component]
fn App(props: &AppProps) -> Html {
    // The view the page's link describes, with what could not be used from it.
    let boot = props.boot.clone();
    let embed = boot.embed.clone();
    // Re-rendered only when an action changed the state (a refused goto or a tick while
    // paused does not).
    let state = use_reducer_eq(|| boot.state.clone());
    let notes_open = use_state(|| !boot.notes.is_empty());
    // Below the first screen: drawn once the first screen is painted (lazy.rs).
    let painted = lazy::use_after_first_paint();
    // Callbacks made once: equal from render to render, so a component whose other props did
    // not change is not rendered again on every animation frame.
    let (dispatch, on_edit, on_go, on_frame) = (*use_memo((), {
        let dispatcher = state.dispatcher();
        move |_| {
            let d = dispatcher.clone();
            let dispatch = Callback::from(move |a: AppAction| d.dispatch(a));
            let (d1, d2, d3) = (dispatch.clone(), dispatch.clone(), dispatch.clone());
            (
                dispatch,
                Callback::from(move |text: String| d1.emit(AppAction::Edit(text))),
                Callback::from(move |()| d2.emit(AppAction::Go)),
                Callback::from(move |dt: f64| d3.emit(AppAction::Tick(dt))),
            )
        }
    }))
    .clone();
    use_animation_frames(state.playing, on_frame);
    let wide = boot.wide;
    use_keyboard(dispatch.clone());
    use_reduced_motion(dispatch.clone());
    embed_api::use_messages(dispatch.clone());
    use_effect_with((), {
        let (st, embed) = (state.clone(), embed.clone());
        move |_| {
            mark_ready(&embed);
            embed_api::post_ready(&st);
        }
    });
    let s = &*state;
    // The embedding page hears of every step change.
    use_effect_with((s.journey.clone(), s.cursor), {
        let st = state.clone();
        move |_| embed_api::post_step(&st)
    });
    // The link follows the view.
    // (The journey is the scenario's run, or the page's slice: a new one is a new journey.)
    use_effect_with((s.journey.clone(), s.base, s.cursor), {
        let st = state.clone();
        move |_| {
            let step = if st.cursor == 0 { None } else { st.link_step() };
            link_sync::update(|l| {
                // Not `||`: every part is set.
                link_sync::set(&mut l.preset, st.base.to_string())
                    | link_sync::set(&mut l.scenario, (*st.scenario).clone())
                    | link_sync::set(&mut l.follow, st.subject())
                    | link_sync::set(&mut l.step, step)
            })
        }
    });
    // The page's part, when the page changes (not on every frame of its playback).
    {
        let p = &s.page.0;
        use_effect_with(
            (p.preset.clone(), p.load.clone(), p.headers_text.clone()),
            {
                let st = state.clone();
                move |_| {
                    let page = st.page.0.link();
                    link_sync::update(|l| link_sync::set(&mut l.page, page))
                }
            },
        );
    }
    let close_notes = {
        let open = notes_open.clone();
        Callback::from(move |_| open.set(false))
    };
    let announce = s.announcement();
    let on_url_stage = s
        .journey
        .0
        .trace
        .events
        .get(s.cursor)
        .is_some_and(|e| e.stage == crate::model::step::Stage::Url);
    html! {
        <ContextProvider<Dispatch> context={Dispatch(dispatch.clone())}>
            if embed.on {
                <header class="embed-top">
                    <span class="logo" aria-hidden="true">{ "⇢" }</span>
                    <code class="embed-url" title={s.shown_url()}>{ s.shown_url() }</code>
                    <button id="embed-open" type="button" class="embed-open" onclick={Callback::from(|_| open_full_app())}>{ "Open in wirewalk ↗" }</button>
                </header>
            } else {
                <header class="top">
                    <div class="brand">
                        <span class="logo" aria-hidden="true">{ "⇢" }</span>
                        <span class="name">{ "wirewalk" }</span>
                        <span class="tagline">{ "what your browser does after you type a URL" }</span>
                        <share::Share />
                    </div>
                    <UrlBar input={s.input.clone()} live={s.live.clone()} {on_edit} {on_go} engine={s.scenario.engine} />
                </header>
            }
            if *notes_open {
                <div id="link-notes" class="link-notes" role="status">
                    <ul>
                        { for boot.notes.iter().take(MAX_NOTES).map(|n| html! { <li>{ n.clone() }</li> }) }
                        if boot.notes.len() > MAX_NOTES {
                            <li>{ format!("…and {} more parameters that could not be used", boot.notes.len() - MAX_NOTES) }</li>
                        }
                    </ul>
                    <button id="link-notes-close" type="button" onclick={close_notes}>{ "Dismiss" }</button>
                </div>
            }
            if !embed.on {
            <Knobs open={wide} scenario={s.scenario.clone()} preset={s.preset} https={s.current.as_ref().is_none_or(|c| c.getters.protocol == "https:")} />
            }
            <following::Following focus={s.focus} load={s.page.0.load.clone()} of={crate::timeline::app::page_name(&s.page.0)} embedded={embed.on} />
            <Track journey={s.journey.clone()} cursor={s.cursor} range={(s.lo(), s.hi())} />
            if s.is_empty() {
                <main id="main" class="main-grid">
                    <p class="card no-messages" id="no-messages">{ "A recording holds each request's timings, not its messages: there is nothing to step through. The waterfall below shows what the file recorded." }</p>
                </main>
            } else {
            <main id="main" class="main-grid">
                <Sequence journey={s.journey.clone()} cursor={s.cursor} revealed={s.revealed} playhead={s.playhead} reduced_motion={s.reduced_motion} first={s.lo()} />
                <Inspector journey={s.journey.clone()} cursor={s.cursor} range={(s.lo(), s.hi())} />
            </main>
            }
            <Player journey={s.journey.clone()} cursor={s.cursor} playhead={s.playhead} end={s.end_time()} playing={s.playing} speed={s.speed} range={(s.lo(), s.hi())} />
            <div id="announce" class="visually-hidden" role="status" aria-live="polite">{ announce }</div>
            if !embed.on {
            if let (Some(parsed), true) = (s.current.clone(), painted) {
                <div class="url-details"><UrlStage {parsed} current={on_url_stage} /></div>
            }
            <lazy::PageSlot page={s.page.clone()} focus={s.focus} playing={s.playing && s.focus != state::Focus::Journey} />
            <footer class="foot">
                <p>
                    { "A model of Chromium's behaviour, computed in your browser: nothing here touches the network. \
                       Round trips of the three networks are the source documents' figures for opening a connection; \
                       limits and timers come from Chromium's source." }
                </p>
            </footer>
            }
        </ContextProvider<Dispatch>>
    }
}

/// Opens the view of this frame in the full app, in a new tab.
fn open_full_app() {
    if let Some(w) = web_sys::window() {
        let _ = w.open_with_url_and_target(&link_sync::app_link(), "_blank");
    }
}

/// Tells tests and benchmarks the first render is on screen: a `data-ready` attribute on `<html>`
/// and a `wirewalk-ready` performance mark. An embedded frame also gets its layout and theme
/// attributes there (the stylesheet selects on them).
fn mark_ready(embed: &crate::embed::Embed) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        if embed.on {
            let _ = root.set_attribute("data-embed", "1");
            let _ = root.set_attribute("data-controls", embed.controls.as_str());
        }
        if embed.theme != crate::embed::Theme::System {
            let _ = root.set_attribute("data-theme", embed.theme.as_str());
        }
        let _ = root.set_attribute("data-ready", "true");
    }
    if let Some(perf) = window.performance() {
        let _ = perf.mark("wirewalk-ready");
    }
}
