//! Files in and out of the app: downloads (the page load as a HAR file, the sequence diagram and
//! the waterfall as SVG; the model writes the text, [`crate::model::har`] and [`crate::svg`]) and
//! opening a recording a browser made, a HAR file or a Chrome NetLog ([`netlog::recording`]
//! reads either; [`crate::model::har_replay`] replays it).
//!
//! A file is read with the browser's `File.text()` and `JSON.parse`, and the model's
//! [`netlog::recording`] walks the parsed value through [`Json`]: the bundle carries
//! no JSON parser of its own. The size limit is checked on the file's size before a byte is read.
//! Every failure is a message for the page-load panel; the view on screen stays as it was.

use crate::model::har_replay::{Json, Recording};
use crate::model::netlog;
use js_sys::{Array, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on the file's text as the browser holds it: the text is not copied into
    /// the module's memory (which never shrinks) on its way.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// Calls `ok` or `err` with the outcome of `promise`. The callbacks free themselves once called.
pub(crate) fn settle(
    promise: JsValue,
    ok: impl FnOnce(JsValue) + 'static,
    err: impl FnOnce(JsValue) + 'static,
) {
    let ok = Closure::once_into_js(ok);
    let err = Closure::once_into_js(err);
    if let Ok(then) = Reflect::get(&promise, &"then".into()) {
        if let Some(then) = then.dyn_ref::<js_sys::Function>() {
            let _ = then.call2(&promise, &ok, &err);
        }
    }
}

/// Offers `text` as a file called `name` to save.
pub fn download(name: &str, mime: &str, text: &str) {
    offer(name, mime, &Array::of1(&JsValue::from_str(text)));
}

/// Offers `bytes` as a file named `name` (a capture).
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) {
    let array = js_sys::Uint8Array::from(bytes);
    offer(name, mime, &Array::of1(&array));
}

/// Offers the Blob of `parts` for download.
fn offer(name: &str, mime: &str, parts: &Array) {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options) else {
        return;
    };
    let Ok(href) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&href);
        a.set_download(name);
        a.click();
    }
    // Freed once the download has begun: some browsers read the URL after `click` returns.
    let free = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&href);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(free.unchecked_ref(), 10_000);
    }
}

/// A value from `JSON.parse`, read as [`Json`] asks.
struct Parsed(JsValue);

impl Json for Parsed {
    fn member(&self, key: &str) -> Option<Self> {
        let key = JsValue::from_str(key);
        // Own members only, as in the file: not what every object inherits (`constructor`).
        if !self.0.is_object()
            || !js_sys::Object::has_own(self.0.unchecked_ref::<js_sys::Object>(), &key)
        {
            return None;
        }
        Reflect::get(&self.0, &key)
            .ok()
            .filter(|v| !v.is_undefined())
            .map(Parsed)
    }
    fn string(&self) -> Option<String> {
        self.0.as_string()
    }
    fn number(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn length(&self) -> Option<usize> {
        Array::is_array(&self.0).then(|| self.0.unchecked_ref::<Array>().length() as usize)
    }
    fn item(&self, i: usize) -> Option<Self> {
        Reflect::get_u32(&self.0, i as u32).ok().map(Parsed)
    }
    fn keys(&self) -> Vec<String> {
        if !self.0.is_object() || Array::is_array(&self.0) {
            return vec![];
        }
        js_sys::Object::keys(self.0.unchecked_ref::<js_sys::Object>())
            .iter()
            .filter_map(|k| k.as_string())
            .collect()
    }
}

/// The message of a `JSON.parse` failure.
fn parse_error(e: &JsValue) -> String {
    Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

/// Reads `file` as a recording, a HAR file or a Chrome NetLog; `done` hears its name and
/// recording, or why not. A NetLog cut short is mended ([`netlog::close_cut_short`]) with a
/// note.
pub fn read_recording(file: web_sys::File, done: Callback<Result<(String, Recording), String>>) {
    let name = file.name();
    if file.size() > netlog::MAX_NETLOG_BYTES as f64 {
        done.emit(Err(format!(
            "{name}: {}",
            netlog::too_large(file.size() as u64)
        )));
        return;
    }
    let bytes = file.size() as usize;
    let (fail, unread) = (done.clone(), name.clone());
    settle(
        file.text().into(),
        move |text| {
            let result = match json_parse(&text) {
                Ok(v) => netlog::recording(Parsed(v), bytes, None),
                Err(e) => {
                    // Only a failed parse copies the text in, to try closing a cut-short NetLog.
                    let mended = text
                        .as_string()
                        .and_then(|t| netlog::close_cut_short(&t))
                        .and_then(|t| json_parse(&JsValue::from_str(&t)).ok());
                    match mended {
                        Some(v) => netlog::recording(Parsed(v), bytes, Some(netlog::CUT_SHORT)),
                        None => Err(format!(
                            "not a HAR file or NetLog: the JSON is malformed ({})",
                            parse_error(&e)
                        )),
                    }
                }
            };
            done.emit(match result {
                Ok(rec) => Ok((name, rec)),
                Err(e) => Err(format!("{name}: {e}")),
            })
        },
        move |_| {
            fail.emit(Err(format!(
                "{unread}: the browser could not read the file"
            )))
        },
    );
}
