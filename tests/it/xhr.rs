//! XMLHttpRequest (issue 20, Deliver 1) through the page load: as `fetch()` through the cache,
//! the pool and CORS, with its own differences — `withCredentials`, Chromium's CORS words
//! naming it, its events, and a synchronous one holding the main thread and the parser.

use wirewalk::model::load::{self, Outcome, PageLoad, PageScenario, ResponseSpec};
use wirewalk::model::pages;
use wirewalk::model::pool::Priority;
use wirewalk::model::step::steps;

fn by_url<'l>(l: &'l PageLoad, tail: &str) -> Vec<&'l load::Request> {
    (l.requests.iter())
        .filter(|r| r.url.ends_with(tail))
        .collect()
}

fn event_text(l: &PageLoad, id: u32, step: wirewalk::model::step::StepId) -> Option<String> {
    (l.trace.events.iter())
        .find(|e| e.request == id && e.step == step)
        .map(|e| e.summary().to_string())
}

#[test]
fn a_synchronous_xhr_stops_the_script_and_the_parser_until_it_answers() {
    let l = load::run(&pages::preset("xhr").expect("preset")).expect("loads");
    let settings = by_url(&l, "/settings.json")[0];
    let cart = by_url(&l, "/cart");
    let (preflight, cart) = (
        cart.iter()
            .find(|r| r.method == "OPTIONS")
            .expect("preflight"),
        cart.iter().find(|r| r.method == "GET").expect("cart"),
    );
    assert_eq!(settings.destination, "xhr");
    assert_eq!(
        settings.priority,
        Some(Priority::Highest),
        "Blink's kVeryHigh"
    );
    assert!(event_text(&l, settings.id, steps::XHR_SYNC).is_some());
    assert_eq!(
        event_text(&l, settings.id, steps::XHR_EVENTS).as_deref(),
        Some("readystatechange (4), load, loadend")
    );
    // The script's next XHR is made only once send() has returned.
    assert!(
        cart.start > settings.end,
        "{:?} {:?}",
        cart.start,
        settings.end
    );
    assert!(preflight.start > settings.end);
    // The preload scanner still finds the stylesheet while the parser waits.
    let css = by_url(&l, "/site.css")[0];
    assert!(css.start < settings.end);
    // DOMContentLoaded waits for the synchronous XHR.
    assert!(l.timing.dom_content_loaded_event_start >= settings.end.as_ms());
}

#[test]
fn with_credentials_sends_cookies_and_cors_names_the_xhr() {
    let l = load::run(&pages::preset("xhr").expect("preset")).expect("loads");
    let cart = (by_url(&l, "/cart").into_iter())
        .find(|r| r.method == "GET")
        .expect("cart");
    assert!(cart.credentials);
    assert_eq!(cart.cookie.as_deref(), Some("cart=7"));
    assert!(
        cart.preflight.is_some(),
        "X-Requested-With is not safelisted"
    );
    assert!(
        matches!(cart.outcome, Outcome::Ok { .. }),
        "{:?}",
        cart.outcome
    );
    assert_eq!(
        event_text(&l, cart.id, steps::XHR_EVENTS).as_deref(),
        Some("readystatechange (2), readystatechange (3), progress, readystatechange (4), load, loadend")
    );
    // Without the server's credentials flag: Chromium's words, naming XMLHttpRequest.
    let mut sc = pages::preset("xhr").expect("preset");
    sc.responses = vec![ResponseSpec {
        url: "https://api.shop.example/cart".into(),
        headers: vec!["Access-Control-Allow-Origin: https://shop.example".into()],
        preflight_headers: Some(vec![
            "Access-Control-Allow-Origin: https://shop.example".into(),
            "Access-Control-Allow-Credentials: true".into(),
            "Access-Control-Allow-Headers: X-Requested-With".into(),
        ]),
        ..ResponseSpec::default()
    }];
    let l = load::run(&sc).expect("loads");
    assert!(
        l.console[0].starts_with("Access to XMLHttpRequest at 'https://api.shop.example/cart' from origin 'https://shop.example' has been blocked by CORS policy:"),
        "{:?}",
        l.console
    );
    let cart = (by_url(&l, "/cart").into_iter())
        .find(|r| r.method == "GET")
        .expect("cart");
    assert_eq!(
        event_text(&l, cart.id, steps::XHR_EVENTS).as_deref(),
        Some("readystatechange (4), error, loadend")
    );
}

#[test]
fn without_credentials_a_cross_origin_xhr_sends_no_cookies() {
    let sc = PageScenario {
        url: "https://shop.example/".into(),
        html: "<script>const x = new XMLHttpRequest(); x.open('POST', 'https://api.shop.example/log'); x.send('hi');</script>".into(),
        cookies: pages::preset("xhr").expect("preset").cookies,
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let log = by_url(&l, "/log");
    let post = log.iter().find(|r| r.method == "POST").expect("the POST");
    assert!(!post.credentials);
    assert_eq!(post.cookie, None);
    assert_eq!(post.group.as_ref(), "pm/https://api.shop.example");
}

/// The main thread is the synchronous XHR's from the script's `send()` to its answer: the
/// script's next call waits for it, an asynchronous XHR holds nothing, and `--json` says so.
#[test]
fn the_main_thread_is_held_from_send_to_the_answer() {
    let l = load::run(&pages::preset("xhr").unwrap()).unwrap();
    let settings = by_url(&l, "/settings.json")[0];
    assert_eq!(l.main_thread.len(), 1, "only the synchronous one");
    let m = &l.main_thread[0];
    assert_eq!(m.kind, load::MainTaskKind::SyncXhr);
    assert_eq!(
        (m.request, m.start, m.end),
        (settings.id, settings.start, settings.end)
    );
    let cart = by_url(&l, "/cart")
        .into_iter()
        .find(|r| r.destination == "xhr")
        .unwrap();
    assert!(
        cart.start >= m.end,
        "the script goes on after send() returns"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(["page", "--preset", "xhr", "--json"])
        .output()
        .expect("run wirewalk");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["main_thread"][0]["kind"], "sync_xhr");
    assert_eq!(v["main_thread"][0]["request"], settings.id);
    // A page without one has no lane.
    let other = load::run(&pages::preset("single").unwrap()).unwrap();
    assert!(other.main_thread.is_empty());
}
