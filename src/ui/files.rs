//! Files out of the app: the page load as a HAR file, the sequence diagram and the waterfall as
//! SVG. The model writes the text ([`crate::model::har`], [`crate::svg`]); this module hands it to
//! the browser as a download.

use js_sys::{Array, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

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
    let _ = web_sys::Url::revoke_object_url(&href);
}
