//! The frame's side of the embedding API: messages from the embedding page become actions, and
//! the frame tells its parent where it is. What a message may say is [`crate::embed::Command`];
//! docs/embedding.md documents the shapes.
//!
//! Any page may embed wirewalk, so messages are accepted from any origin; a message can do no
//! more than the buttons can (step, play, pause, type a URL, pick a preset, follow a request
//! of the page). The frame's own messages carry only the step, its time and the request or
//! connection followed, and go to the parent with target origin `*`.

use super::state::{AppAction, AppState};
use crate::embed::Command;
use crate::model::journey::Subject;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

fn text_field(data: &JsValue, name: &str) -> Option<String> {
    Reflect::get(data, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// A number field, given as a number or as its decimal text (NaN for other text, which
/// [`Command::subject`] refuses).
fn number_field(data: &JsValue, name: &str) -> Option<f64> {
    let v = Reflect::get(data, &JsValue::from_str(name)).ok()?;
    if v.is_undefined() || v.is_null() {
        return None;
    }
    v.as_f64()
        .or_else(|| v.as_string().map(|s| s.trim().parse().unwrap_or(f64::NAN)))
        .or(Some(f64::NAN))
}

/// Turns one message's data into an action, or explains why not.
fn action_of(data: &JsValue) -> Result<Vec<AppAction>, String> {
    if !data.is_object() {
        return Ok(vec![]);
    }
    let kind = text_field(data, "type");
    if !kind.as_deref().is_some_and(|k| k.starts_with("wirewalk:")) {
        return Ok(vec![]);
    }
    let subject = Command::subject(
        number_field(data, "request"),
        number_field(data, "connection"),
    )?;
    let cmd = Command::parse_in(
        kind.as_deref(),
        text_field(data, "step").as_deref(),
        text_field(data, "url").as_deref(),
        text_field(data, "preset").as_deref(),
        subject,
    )?;
    Ok(match cmd {
        None => vec![],
        Some(Command::Goto(sub, step)) => vec![AppAction::Goto(sub, step)],
        Some(Command::Play) => vec![AppAction::Play],
        Some(Command::Pause) => vec![AppAction::Pause],
        Some(Command::SetUrl(u)) => vec![AppAction::Edit(u), AppAction::Go],
        Some(Command::SetScenario(p)) => vec![AppAction::Preset(p)],
    })
}

/// Listens for the embedding page's messages for as long as the app runs.
#[hook]
pub fn use_messages(dispatch: Callback<AppAction>) {
    use_effect_with((), move |_| {
        super::listen(web_sys::window().map(Into::into), "message", move |e| {
            let Ok(e) = e.dyn_into::<web_sys::MessageEvent>() else {
                return;
            };
            match action_of(&e.data()) {
                Ok(actions) => actions.into_iter().for_each(|a| dispatch.emit(a)),
                Err(why) => web_sys::console::warn_1(
                    &format!("wirewalk: a message was ignored: {why}").into(),
                ),
            }
        })
    });
}

/// Posts `{type, ...fields}` to the parent page, when there is one.
fn post(kind: &str, fields: &[(&str, JsValue)]) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = w.parent() else {
        return;
    };
    if parent == w {
        return;
    }
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"type".into(), &kind.into());
    for (k, v) in fields {
        let _ = Reflect::set(&msg, &(*k).into(), v);
    }
    let _ = parent.post_message(&msg, "*");
}

/// `wirewalk:ready`, once the first view is on screen: with the step the frame shows.
pub fn post_ready(s: &AppState) {
    post("wirewalk:ready", &step_fields(s));
}

/// `wirewalk:step`, whenever the step changes.
pub fn post_step(s: &AppState) {
    post("wirewalk:step", &step_fields(s));
}

/// The step as a link names it, its index and time, and the page's request or connection
/// when one is followed (`request` or `connection`, as `wirewalk:goto` takes them).
fn step_fields(s: &AppState) -> Vec<(&'static str, JsValue)> {
    let step = s.link_step().map(|r| r.to_param()).unwrap_or_default();
    let time_ms = s.time_of(s.cursor).micros() as f64 / 1000.0;
    let mut fields = vec![
        ("step", step.into()),
        ("index", (s.cursor as f64).into()),
        ("time", time_ms.into()),
    ];
    match s.subject() {
        Some(Subject::Request(n)) => fields.push(("request", f64::from(n).into())),
        Some(Subject::Connection(c)) => fields.push(("connection", f64::from(c).into())),
        None => {}
    }
    fields
}
