//! Share: the link to the view on screen, and the `<iframe>` code that embeds it.
//!
//! The panel shows both as text (selectable, so they can be copied by hand where the browser
//! keeps the clipboard closed) with a button each that copies through the Clipboard API.

use super::link_sync;
use yew::prelude::*;

/// Copies `text`; `done` hears whether the browser allowed it.
fn copy(text: &str, done: Callback<bool>) {
    let Some(clip) = web_sys::window().map(|w| w.navigator().clipboard()) else {
        done.emit(false);
        return;
    };
    let yes = done.clone();
    super::files::settle(
        clip.write_text(text).into(),
        move |_| yes.emit(true),
        move |_| done.emit(false),
    );
}

#[component]
pub fn Share() -> Html {
    let open = use_state(|| false);
    // (the view's link, the embed code), made when the panel opens.
    let links = use_state(|| (String::new(), String::new()));
    let status = use_state(String::new);
    let toggle = {
        let (open, links, status) = (open.clone(), links.clone(), status.clone());
        Callback::from(move |_| {
            if !*open {
                let (page, embed) = link_sync::share_links();
                links.set((
                    page,
                    crate::embed::iframe_code(
                        &embed,
                        "wirewalk: what a browser does after you type a URL",
                    ),
                ));
                status.set(String::new());
            }
            open.set(!*open);
        })
    };
    let copier = |text: String, what: &'static str| {
        let status = status.clone();
        Callback::from(move |_| {
            let status = status.clone();
            copy(
                &text,
                Callback::from(move |ok: bool| {
                    status.set(if ok {
                        format!("{what} copied.")
                    } else {
                        format!("The browser kept the clipboard closed: select the {what} above and copy it.")
                    })
                }),
            )
        })
    };
    let copy_link = copier(links.0.clone(), "link");
    let copy_code = copier(links.1.clone(), "embed code");
    html! {
        <div class="share">
            <button id="share-btn" type="button" class="share-btn" aria-expanded={open.to_string()}
                aria-controls="share-panel" onclick={toggle.clone()}>{ "Share" }</button>
            if *open {
                <div id="share-panel" class="share-panel" role="dialog" aria-label="Share this view">
                    <label class="knob-label" for="share-link">{ "Link to this step of this journey" }</label>
                    <div class="share-row">
                        <input id="share-link" type="text" readonly=true value={links.0.clone()} />
                        <button id="share-copy" type="button" onclick={copy_link}>{ "Copy link" }</button>
                    </div>
                    <label class="knob-label" for="share-embed">{ "Embed code (a 720×480 frame for an article)" }</label>
                    <div class="share-row">
                        <textarea id="share-embed" readonly=true rows="3" value={links.1.clone()} />
                        <button id="share-copy-embed" type="button" onclick={copy_code}>{ "Copy embed code" }</button>
                    </div>
                    <p id="share-status" class="share-status" role="status">{ (*status).clone() }</p>
                    <button type="button" class="share-close" onclick={toggle}>{ "Close" }</button>
                </div>
            }
        </div>
    }
}
