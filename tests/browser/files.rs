//! Files out of the app: Save HAR and Save SVG hand over exactly what the model writes natively
//! for the same view (the HAR of the page load, the waterfall, the sequence diagram up to the
//! step on screen), as downloads with their names.

use crate::open_at;
use crate::webdriver::Session;
use wirewalk::model::scenario::{Scenario, VISIT_UNIX_TIME};
use wirewalk::model::{har, load, pages, world};
use wirewalk::svg;

/// Keeps every file the page offers for download (the Blob behind the link and the name).
fn catch_downloads(s: &Session) {
    s.js("window.__files = [];
          const make = URL.createObjectURL;
          URL.createObjectURL = (b) => { const u = make.call(URL, b); window.__files.push({url: u, blob: b}); return u; };
          const click = HTMLAnchorElement.prototype.click;
          HTMLAnchorElement.prototype.click = function () {
            const f = window.__files.find((f) => f.url === this.href);
            if (f) { f.name = this.download; f.type = f.blob.type; }
            return click.call(this);
          };");
}

/// Clicks `button` and returns the file it offered: (name, type, text).
fn save(s: &Session, button: &str) -> (String, String, String) {
    let before = s.js("return window.__files.length;").as_u64().unwrap_or(0);
    s.click(&s.find(button));
    s.wait_for(
        "the download",
        &format!("window.__files.length > {before} && window.__files[{before}].name"),
    );
    let v = s.js_async(&format!(
        "const done = arguments[arguments.length - 1];
         const f = window.__files[{before}];
         f.blob.text().then((t) => done([f.name, f.type, t]));"
    ));
    let part = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (part(0), part(1), part(2))
}

/// Whether the browser reads `text` as an SVG document without a parse error.
fn parses_as_svg(s: &Session, text: &str) -> bool {
    let quoted = serde_json::to_string(text).unwrap();
    s.js(&format!(
        "const d = new DOMParser().parseFromString({quoted}, 'image/svg+xml');
         return d.documentElement.localName === 'svg' && !d.querySelector('parsererror');"
    )) == true
}

#[test]
fn save_har_and_svg_give_what_the_model_writes() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?page=many-images");
    catch_downloads(&s);
    let sc = pages::preset("many-images").unwrap();
    let l = load::run(&sc).unwrap();

    // The page load as HAR: the same bytes as `wirewalk page --preset many-images --har`
    // before indentation.
    let (name, mime, text) = save(&s, "#pl-save-har");
    assert_eq!(name, "wirewalk-many-images.har");
    assert_eq!(mime, "application/json");
    assert_eq!(text, har::export(&sc, &l, VISIT_UNIX_TIME));
    let log: serde_json::Value = serde_json::from_str(&text).expect("the HAR is JSON");
    assert_eq!(
        log["log"]["entries"].as_array().map(Vec::len),
        Some(l.requests.len())
    );

    // The waterfall.
    let (name, mime, text) = save(&s, "#pl-save-svg");
    assert_eq!(name, "wirewalk-many-images-waterfall.svg");
    assert_eq!(mime, "image/svg+xml");
    assert_eq!(text, svg::waterfall(&l, &l.url));
    assert!(parses_as_svg(&s, &text));

    // The sequence diagram before the first step is played: the whole journey.
    let j = world::run(&Scenario::default());
    let title = j.url.as_ref().map(|u| u.getters.href.clone()).unwrap();
    let (name, mime, text) = save(&s, "#seq-save-svg");
    assert_eq!(name, "wirewalk-sequence.svg");
    assert_eq!(mime, "image/svg+xml");
    assert_eq!(text, svg::sequence(&j.trace, usize::MAX, &title));
    assert!(parses_as_svg(&s, &text));
    s.js("document.querySelector('#pl-save-har').scrollIntoView({block: 'center'});");
    s.screenshot("files-buttons");
    s.assert_no_errors();
}

#[test]
fn the_sequence_svg_stops_at_the_step_on_screen() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?step=tls.server_hello");
    catch_downloads(&s);
    let j = world::run(&Scenario::default());
    let at = j
        .trace
        .events
        .iter()
        .position(|e| e.step.as_str() == "tls.server_hello")
        .expect("the step is in the journey");
    let title = j.url.as_ref().map(|u| u.getters.href.clone()).unwrap();
    let (_, _, text) = save(&s, "#seq-save-svg");
    assert_eq!(text, svg::sequence(&j.trace, at, &title));
    // It is shorter than the whole journey's, and ends with the step's row.
    assert!(text.len() < svg::sequence(&j.trace, usize::MAX, &title).len());
    assert!(parses_as_svg(&s, &text));
    s.assert_no_errors();
}
