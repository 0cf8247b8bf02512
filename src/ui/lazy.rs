//! The parts of the app the first screen does not need, in modules of their own that arrive
//! after it.
//!
//! Each `#[wasm_split(part)]` function below is a split point: the build (`scripts/split/`)
//! cuts the module so that the code reached only through it — and the data only that code
//! reads — goes into `split_<part>.wasm`, which the browser fetches the first time the function
//! is called (the helper crate keeps it, and tries again after a failed fetch). Code the first
//! screen shares with a part stays in the first module, exported to the parts through a table.
//! The first module imports each part's loader from `__wasm_split.js`, which the build writes:
//! a wasm32 bundle made without `scripts/split/` would have nothing behind that import.
//!
//! - `page`: the page-load section — its view, the waterfall, the pools, the same-origin panel,
//!   the page editor, HAR files in and out, the waterfall as SVG. [`PageSlot`] asks for it once
//!   the first screen is painted, so it is there before anyone scrolls to it; until then the
//!   section says it is on its way, and if the fetch fails it says so with a button to try again.
//! - `export`: the sequence diagram as an SVG file, on the first click of "Save SVG".
//! - `bytes`: the inspector's hex view of a step's bytes ([`BytesSlot`]), with the capture and
//!   its cryptography that make them, on the first "Show the bytes".
//! - `capture`: the journey as a packet capture (`model::capture`: TLS with real keys, the
//!   certificates' signatures, pcapng), on the first click of "Download capture": the
//!   cryptography is in no other module.
//!
//! Below the first screen, the URL's details are not a module of their own (they share the
//! journey's code) but are drawn after the first paint too ([`use_after_first_paint`]).
//!
//! What is not split: the model (the first screen is the typed URL's run of the engine, and the
//! page's state lives in the app's one state), Yew, and the journey's components.

use super::bytes::BytesViewProps;
use super::page_load::{PageView, PageViewProps};
use super::state::JourneyRef;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_split_helpers::{wasm_split, SplitLoaderError};
use yew::prelude::*;

/// Draws the page-load section; the function is the `page` module's.
pub type PageViewFn = fn(&PageViewProps) -> Html;

#[wasm_split(page, fallible)]
fn page_view() -> Result<PageViewFn, SplitLoaderError> {
    fn draw(p: &PageViewProps) -> Html {
        html! { <PageView ..p.clone() /> }
    }
    Ok(draw as PageViewFn)
}

/// The sequence diagram up to step `last` as an SVG document (the `export` module's).
#[wasm_split(export, fallible)]
pub fn sequence_svg(
    journey: JourneyRef,
    last: usize,
    title: String,
) -> Result<String, SplitLoaderError> {
    Ok(crate::svg::sequence(&journey.0.trace, last, &title))
}

/// The journey as a pcapng file (its TLS secrets inside), or why the capture cannot show it
/// yet; the function is the `capture` module's.
#[wasm_split(capture, fallible)]
pub fn journey_capture(journey: JourneyRef) -> Result<Result<Vec<u8>, String>, SplitLoaderError> {
    let j = &journey.0;
    Ok(crate::model::capture::from_trace(&j.trace, j.unix_time)
        .map(|c| crate::model::pcapng::write(&c))
        .map_err(|e| e.to_string()))
}

/// A simulated page load as a pcapng file, or why the capture cannot show it yet; the
/// function is the `capture` module's too.
#[wasm_split(capture, fallible)]
pub fn page_capture(
    load: std::rc::Rc<crate::model::load::PageLoad>,
) -> Result<Result<Vec<u8>, String>, SplitLoaderError> {
    let date = crate::model::scenario::VISIT_UNIX_TIME;
    Ok(crate::model::capture::from_trace(&load.trace, date)
        .map(|c| crate::model::pcapng::write(&c))
        .map_err(|e| e.to_string()))
}

/// Draws the inspector's bytes; the function is the `bytes` module's.
pub type BytesViewFn = fn(&BytesViewProps) -> Html;

#[wasm_split(bytes, fallible)]
fn bytes_view() -> Result<BytesViewFn, SplitLoaderError> {
    fn draw(p: &BytesViewProps) -> Html {
        html! { <super::bytes::BytesView ..p.clone() /> }
    }
    Ok(draw as BytesViewFn)
}

/// The inspector's "Show the bytes": the `bytes` module is fetched the first time it is
/// opened (again after a failure, when asked), and draws the step's bytes from then on.
#[component]
pub fn BytesSlot(props: &BytesViewProps) -> Html {
    let open = use_state(|| false);
    let part = use_state(|| None::<Result<BytesViewFn, ()>>);
    let fetch = {
        let part = part.clone();
        move || {
            part.set(None);
            let part = part.clone();
            yew::platform::spawn_local(async move {
                part.set(Some(bytes_view().await.map_err(|_| ())));
            })
        }
    };
    let toggle = {
        let (open, part, fetch) = (open.clone(), part.clone(), fetch.clone());
        Callback::from(move |_| {
            if !*open && !matches!(*part, Some(Ok(_))) {
                fetch();
            }
            open.set(!*open);
        })
    };
    let retry = Callback::from(move |_| fetch());
    html! {
        <div class="insp-bytes">
            <button id="insp-bytes-toggle" type="button" class="save-svg" aria-expanded={open.to_string()} onclick={toggle}>
                { if *open { "Hide the bytes" } else { "Show the bytes" } }
            </button>
            if *open {
                { match *part {
                    Some(Ok(draw)) => draw(props),
                    None => html! { <p class="bytes-note" aria-busy="true">{ "Loading the bytes view…" }</p> },
                    Some(Err(())) => html! {
                        <p class="bytes-note" id="bytes-load-error" role="alert">
                            { "The bytes view could not be fetched. " }
                            <button type="button" onclick={retry}>{ "Try again" }</button>
                        </p>
                    },
                } }
            }
        </div>
    }
}

/// Runs `then` once the frame being drawn now is on screen: an animation frame (before the
/// paint), then a task (after it).
fn after_paint(then: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let task = Closure::once_into_js(then);
    let frame = Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ =
                w.set_timeout_with_callback_and_timeout_and_arguments_0(task.unchecked_ref(), 0);
        }
    });
    let _ = window.request_animation_frame(frame.unchecked_ref());
}

/// False for the first render, true from the first task after its paint: what is below the
/// first screen (the URL's details) is drawn then, so that the first screen is on screen sooner
/// (the profile: the URL stage was a sixth of the first render, and a second style and layout
/// pass).
#[hook]
pub fn use_after_first_paint() -> bool {
    let painted = use_state_eq(|| false);
    {
        let painted = painted.clone();
        use_effect_with((), move |_| after_paint(move || painted.set(true)));
    }
    *painted
}

/// Where the `page` module stands.
#[derive(Clone, Copy)]
enum Part {
    Waiting,
    Ready(PageViewFn),
    Failed,
}

/// The page-load section: its module is fetched after the first screen's paint (again after
/// a failure, when asked), and drawn with `props` from then on.
#[component]
pub fn PageSlot(props: &PageViewProps) -> Html {
    let part = use_state(|| Part::Waiting);
    let tries = use_state(|| 0u32);
    use_effect_with(*tries, {
        let part = part.clone();
        move |_| {
            after_paint(move || {
                yew::platform::spawn_local(async move {
                    part.set(match page_view().await {
                        Ok(draw) => Part::Ready(draw),
                        Err(_) => Part::Failed,
                    })
                })
            })
        }
    });
    let retry = {
        let (part, tries) = (part.clone(), tries.clone());
        Callback::from(move |_| {
            part.set(Part::Waiting);
            tries.set(*tries + 1);
        })
    };
    let stand_in = |busy: bool, body: Html| {
        html! {
            <section class="page-load page-load-wait" aria-busy={busy.then_some("true")} aria-labelledby="pl-wait-title">
                <h2 id="pl-wait-title">{ super::page_load::TITLE }</h2>
                { body }
            </section>
        }
    };
    match *part {
        Part::Ready(draw) => draw(props),
        Part::Waiting => stand_in(true, html! { <p>{ "Loading this part of the app…" }</p> }),
        Part::Failed => stand_in(
            false,
            html! {
                <p id="pl-load-error" role="alert">
                    { "This part of the app could not be fetched (the connection to the site may have dropped). " }
                    <button id="pl-load-retry" type="button" onclick={retry}>{ "Try again" }</button>
                </p>
            },
        ),
    }
}
