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
    sc.html = String::from_utf8_lossy(html).into_owned();
    if let Some(h) = headers {
        match load::apply_headers_text(&sc, &String::from_utf8_lossy(h)) {
            Ok(s) => sc = s,
            Err(e) => assert!(!e.is_empty()),
        }
    }
    if let Ok(l) = load::run(&sc) {
        assert!(l.requests.len() <= load::MAX_REQUESTS);
        for r in &l.requests {
            assert!(r.start <= r.end, "request {} ends before it starts", r.id);
        }
    }
});
