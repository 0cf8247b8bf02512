//! The page editor: any HTML, and any header text after a NUL byte, loaded as the multi-origin
//! page (four origins, CORS, frames).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::{load, pages};

fuzz_target!(|data: &[u8]| {
    let (html, headers) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Some(mut sc) = pages::preset("multi-origin") else {
        return;
    };
    // The editor refuses text with control characters before it loads; the model must not
    // panic on it anyway (a scenario file can hold any text), so everything is loaded.
    sc.html = String::from_utf8_lossy(html).into_owned();
    let _ = load::check_text("HTML", &sc.html);
    if let Some(h) = headers {
        let text = String::from_utf8_lossy(h);
        let _ = load::check_text("header text", &text);
        if let Ok(s) = load::apply_headers_text(&sc, &text) {
            sc = s;
        }
    }
    if let Ok(l) = load::run(&sc) {
        assert!(l.requests.len() <= load::MAX_REQUESTS);
        for r in &l.requests {
            assert!(r.start <= r.end, "request {} ends before it starts", r.id);
        }
    }
});
