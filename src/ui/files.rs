//! Files in and out of the app: downloads (the page load as a HAR file, the sequence diagram and
//! the waterfall as SVG; the model writes the text, [`crate::model::har`] and [`crate::svg`]) and
//! opening a HAR file a browser recorded ([`har_replay`] replays it).
//!
//! A file is read with the browser's `File.text()` and `JSON.parse`, and the model's
//! [`har_replay::entries`] walks the parsed value through [`har_replay::Json`]: the bundle carries
//! no JSON parser of its own. The size limit is checked on the file's size before a byte is read.
//! Every failure is a message for the page-load panel; the view on screen stays as it was.

use crate::model::har_replay::{self, Entry, Json};
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
    let parts = Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
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

/// A value from `JSON.parse`, read as [`har_replay`] asks.
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
}

/// Reads `file` as a HAR recording; `done` hears its name and entries, or why not.
pub fn read_har(file: web_sys::File, done: Callback<Result<(String, Vec<Entry>), String>>) {
    let name = file.name();
    if file.size() > har_replay::MAX_HAR_BYTES as f64 {
        done.emit(Err(format!(
            "{name}: {}",
            har_replay::too_large(file.size() as u64)
        )));
        return;
    }
    let (fail, unread) = (done.clone(), name.clone());
    settle(
        file.text().into(),
        move |text| {
            let result = match json_parse(&text) {
                Ok(v) => har_replay::entries(Parsed(v)),
                Err(e) => Err(format!(
                    "not a HAR file: the JSON is malformed ({})",
                    Reflect::get(&e, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                        .unwrap_or_default()
                )),
            };
            done.emit(match result {
                Ok(entries) => Ok((name, entries)),
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
