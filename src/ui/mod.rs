//! The Yew front end (wasm32 only). It renders what the model computes and holds no protocol
//! logic: the URL stage shows [`crate::model::url::parse`]'s output as it is.
//!
//! State lives in one reducer ([`state::UrlState`]); components only render props and send
//! actions.

mod state;
mod url_bar;
mod url_stage;

use state::{UrlAction, UrlState};
use url_bar::UrlBar;
use url_stage::UrlStage;
use yew::prelude::*;

/// Mounts the app on the page's `<body>`.
pub fn start() {
    // A panic is a bug: say so in the console (the browser tests fail on any console error).
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("wirewalk panicked: {info}").into());
    }));
    yew::Renderer::<App>::new().render();
}

#[component]
fn App() -> Html {
    let state = use_reducer(UrlState::default);
    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(UrlAction::Edit(text)))
    };
    let on_go = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(UrlAction::Go))
    };
    use_effect_with((), |_| mark_ready());
    html! {
        <>
            <header class="top">
                <div class="brand">
                    <span class="logo" aria-hidden="true">{ "⇢" }</span>
                    <span class="name">{ "wirewalk" }</span>
                    <span class="tagline">{ "what your browser does after you type a URL" }</span>
                </div>
                <UrlBar input={state.input.clone()} live={state.live.clone()} {on_edit} {on_go} />
            </header>
            <main id="main">
                if let Some(parsed) = state.current.clone() {
                    <UrlStage {parsed} />
                }
            </main>
            <footer class="foot">
                <p>
                    { "Parsing follows the " }
                    <a href="https://url.spec.whatwg.org/">{ "WHATWG URL Standard" }</a>
                    { ", the rules every modern browser uses. Nothing here touches the network: \
                       wirewalk models the journey in your browser." }
                </p>
            </footer>
        </>
    }
}

/// Tells tests and benchmarks the first render is on screen: a `data-ready` attribute on `<html>`
/// and a `wirewalk-ready` performance mark.
fn mark_ready() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-ready", "true");
    }
    if let Some(perf) = window.performance() {
        let _ = perf.mark("wirewalk-ready");
    }
}
