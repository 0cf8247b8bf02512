//! The address bar: the typed text, Go, and under it the live parse coloured in place, or the
//! error with the offending characters marked. Text typed without a scheme first gets the
//! omnibox's verdict (a URL that gets `http://`, or a search and its engine), then the URL it
//! becomes.

use super::state::Shared;
use crate::model::omnibox::{self, Action, Engine};
use crate::model::url::{Parsed, Part, UrlError};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UrlBarProps {
    pub input: Shared<String>,
    pub live: Shared<Result<Parsed, UrlError>>,
    pub on_edit: Callback<String>,
    pub on_go: Callback<()>,
    /// The default search engine, for text that is not a URL.
    pub engine: Engine,
}

#[component]
pub fn UrlBar(props: &UrlBarProps) -> Html {
    let oninput = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_edit.emit(input.value());
        })
    };
    // Also on `change`, so a value set without keystrokes (autofill, a test driver) is never
    // replaced by a re-render of the old text.
    let onchange = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_edit.emit(input.value());
        })
    };
    let onsubmit = {
        let on_go = props.on_go.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_go.emit(());
        })
    };
    let invalid = props.live.is_err();
    html! {
        <form class="urlbar" {onsubmit} role="search" aria-label="Address bar">
            <div class="urlbar-row">
                <label for="url-input" class="visually-hidden">{ "URL" }</label>
                <input id="url-input" type="text" class="url-input"
                    value={(*props.input).clone()} {oninput} {onchange}
                    spellcheck="false" autocomplete="off" autocapitalize="off"
                    aria-invalid={invalid.to_string()}
                    aria-describedby="url-parse" />
                <button id="go" type="submit" class="go" disabled={invalid}>{ "Go" }</button>
            </div>
            <div id="url-parse" class="url-parse" aria-live="polite">
                if omnibox::typed_scheme(&props.input).is_none() && !props.input.trim().is_empty() {
                    <OmniboxVerdict input={(*props.input).clone()} engine={props.engine} />
                }
                { match &*props.live {
                    Ok(p) => html! { <ColouredUrl parsed={p.clone()} /> },
                    Err(e) => html! { <UrlErrorView input={(*props.input).clone()} error={e.clone()} /> },
                } }
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct OmniboxProps {
    input: String,
    engine: Engine,
}

/// What Chromium's omnibox makes of text typed without a scheme (the URL it becomes is drawn
/// under it).
#[component]
fn OmniboxVerdict(p: &OmniboxProps) -> Html {
    let t = omnibox::classify(&p.input, p.engine);
    let what = match &t.action {
        Action::Navigate { .. } => {
            "a URL without a scheme: the omnibox adds http://, and the browser tries https:// first where HTTPS-Upgrades applies".to_string()
        }
        Action::Search { engine, .. } => format!("not a URL: a search on {}", engine.label()),
        Action::Nothing => String::new(),
    };
    html! {
        <p class="omnibox" id="omnibox-verdict">
            <span class="omnibox-kind">{ t.kind.name() }</span>
            { format!(" {what} ({}).", t.why) }
        </p>
    }
}

#[derive(Properties, PartialEq)]
pub struct ColouredUrlProps {
    pub parsed: Parsed,
}

/// The serialized URL with each component in its colour and named underneath.
#[component]
pub fn ColouredUrl(props: &ColouredUrlProps) -> Html {
    html! {
        <div class="coloured" aria-label={format!("Parsed URL: {}", props.parsed.getters.href)}>
            { for props.parsed.segments.iter().map(|s| {
                let label = (s.part != Part::Delimiter).then(|| s.part.name().to_string());
                let title = match (&label, s.implied) {
                    (Some(l), true) => format!("{l}: the scheme's default, implied (not written in the URL)"),
                    (Some(l), false) => l.clone(),
                    (None, _) => String::new(),
                };
                html! {
                    <span class="seg"
                        data-part={s.part.name()} data-implied={s.implied.to_string()} {title}>
                        <span class="seg-text">{ s.text.clone() }</span>
                        if let Some(l) = label { <span class="seg-label" aria-hidden="true">{ l }</span> }
                    </span>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct UrlErrorViewProps {
    pub input: String,
    pub error: UrlError,
}

/// The typed text with the problem marked, and the explanation. The text is rendered as text
/// nodes, never as markup.
#[component]
pub fn UrlErrorView(props: &UrlErrorViewProps) -> Html {
    let input = &props.input;
    let span = &props.error.span;
    let (before, bad, after) = match (
        input.get(..span.start),
        input.get(span.clone()),
        input.get(span.end..),
    ) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => (input.as_str(), "", ""),
    };
    html! {
        <div class="url-error-box">
            <div class="typed" aria-hidden="true">
                <span>{ before }</span>
                if bad.is_empty() {
                    <mark class="bad caret">{ "\u{2038}" }</mark>
                } else {
                    <mark class="bad">{ bad }</mark>
                }
                <span>{ after }</span>
            </div>
            <p id="url-error" class="url-error" role="alert">
                <strong>{ "Not a valid URL: " }</strong>{ props.error.message.clone() }
            </p>
        </div>
    }
}
