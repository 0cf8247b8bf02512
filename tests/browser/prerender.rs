//! The first screen rendered at build time (`make build` runs `wirewalk-prerender`): it is in
//! `index.html`, so it paints before the module arrives; the app then takes it over (Yew's
//! hydration) and ends with the same page a fresh render draws; a link with a query, or a
//! narrow window, keeps the prerendered markup hidden until the app has drawn its own view.

use super::webdriver::serve_dist;
use serde_json::json;

/// Whether the page's header is shown (the stylesheet hides prerendered markup that does not
/// match the view).
const HEADER_SHOWN: &str =
    "const h = document.querySelector('header'); return !!h && h.checkVisibility({visibilityProperty: true});";

/// The body's markup as a comparison sees it: Yew's hydration markers left out, and the form
/// fields' `value` and `selected` attributes, which the server renderer writes and the browser
/// renderer sets as properties instead.
const BODY: &str = "return document.body.innerHTML.replace(/<!--.*?-->/g, '')
     .replace(/ value=\"[^\"]*\"/g, '').replace(/ selected=\"[^\"]*\"/g, '');";

#[test]
fn the_first_screen_paints_before_the_module_arrives() {
    let driver = super::Driver::start();
    let s = driver.session(1440, 900);
    // No WebAssembly at all: what shows is the page itself.
    s.block_urls(&["*.wasm"]);
    s.goto(&serve_dist());
    s.wait_for(
        "a paint",
        "performance.getEntriesByName('first-contentful-paint').length > 0",
    );
    assert_eq!(
        s.js("return document.body.hasAttribute('data-prerendered');"),
        true
    );
    assert!(s.js(HEADER_SHOWN) == true, "the prerendered header shows");
    assert_eq!(s.text(".inspector h2"), "Parse the typed URL");
    let row = s.text(".seq .row .msg-label, .seq .row .note-label");
    assert!(row.contains("parsed https://www.example.com/"), "{row}");
    let steps = wirewalk::model::journey::run(&wirewalk::model::scenario::Scenario::default())
        .trace
        .events
        .len();
    assert!(
        s.text("#announce")
            .starts_with(&format!("Step 1 of {steps}")),
        "{}",
        s.text("#announce")
    );
    s.screenshot("prerendered-no-module-1440x900");

    // A link with a query is another view: the prerendered one stays hidden.
    s.goto(&format!("{}?tls=1.2-rsa", serve_dist()));
    s.wait_for("the page", "document.readyState === 'complete'");
    assert!(
        s.js(HEADER_SHOWN) == false,
        "a link's view is not the prerendered one"
    );
    // A phone folds the knobs: the prerendered (wide) screen stays hidden there too.
    s.set_viewport(390, 844);
    s.goto(&serve_dist());
    s.wait_for("the page", "document.readyState === 'complete'");
    assert!(s.js(HEADER_SHOWN) == false, "a narrow window hides it");

    // Without JavaScript, a narrow window still says why nothing else shows.
    s.cdp(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    );
    s.goto(&serve_dist());
    s.cdp(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": false}),
    );
    assert_eq!(
        s.js("const n = document.querySelector('noscript'); \
              return [n.checkVisibility(), n.textContent.includes('needs JavaScript')];"),
        json!([true, true])
    );
    s.screenshot("prerendered-no-javascript-390x844");
}

#[test]
fn the_app_takes_over_the_prerendered_screen() {
    let driver = super::Driver::start();
    let s = super::open(&driver, 1440, 900);
    assert_eq!(
        s.js("return document.documentElement.dataset.start;"),
        "hydrated"
    );
    assert_eq!(
        s.js("return document.body.hasAttribute('data-prerendered');"),
        false
    );
    let hydrated = s.js(BODY);
    s.assert_no_errors();
    // The same view drawn afresh (a query that changes nothing makes the app render, not
    // hydrate): the same page, element for element.
    let fresh = super::open_at(&driver, 1440, 900, "?step=url.parse");
    assert_eq!(
        fresh.js("return document.documentElement.dataset.start;"),
        "rendered"
    );
    let drawn = fresh.js(BODY);
    let (a, b) = (
        hydrated.as_str().unwrap_or_default(),
        drawn.as_str().unwrap_or_default(),
    );
    assert!(!a.is_empty(), "the hydrated page has a body");
    // Where the two first differ (or where the shorter one ends), with some text around it.
    let differ = a.bytes().zip(b.bytes()).position(|(x, y)| x != y);
    if let Some(at) = differ.or((a.len() != b.len()).then_some(a.len().min(b.len()))) {
        let around = |t: &str| {
            let (from, to) = (at.saturating_sub(120), (at + 120).min(t.len()));
            String::from_utf8_lossy(&t.as_bytes()[from.min(to)..to]).into_owned()
        };
        panic!(
            "the hydrated page differs from a fresh render at byte {at}:\nhydrated: …{}…\nfresh:    …{}…",
            around(a),
            around(b)
        );
    }
    assert!(
        fresh.js(HEADER_SHOWN) == true,
        "a link's view shows once drawn"
    );
    // The module was compiled while the page was parsed (static/early.js), and the start
    // script took that compiled module.
    let early = s.js_async(
        "const done = arguments[arguments.length - 1]; \
         Promise.resolve(window.__wirewalkModule).then((m) => done(m instanceof WebAssembly.Module));",
    );
    assert_eq!(early, true, "static/early.js compiled the module");
    let start = s.js_async(
        "const done = arguments[arguments.length - 1]; \
         const src = document.querySelector('script[type=module]').src; \
         fetch(src).then((r) => r.text()).then(done);",
    );
    assert!(
        start
            .as_str()
            .unwrap_or_default()
            .contains("window.__wirewalkModule"),
        "the start script takes the early module: {start}"
    );
    // The taken-over page answers (every test that opens the app without a query works on a
    // hydrated page: typing_a_url_parses_it_and_go_runs_it types into its address bar).
    s.click(&s.find("#btn-forward"));
    s.wait_for(
        "step 2",
        "document.querySelector('#announce').textContent.startsWith('Step 2 of')",
    );
    s.assert_no_errors();
}
