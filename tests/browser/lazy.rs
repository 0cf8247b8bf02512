//! What arrives after the first screen (src/ui/lazy.rs): the page-load section's module is
//! fetched once the first screen is painted, not before; a module that cannot be fetched is
//! said on screen, with a way to try again, and the rest of the app keeps working.

use super::webdriver::serve_dist;

/// The resources the page fetched, each as its address and the time its fetch started, and
/// the time of the `wirewalk-ready` mark.
fn fetched(s: &super::Session) -> (Vec<(String, f64)>, f64) {
    let v = s.js(
        "return [performance.getEntriesByType('resource').map((e) => [e.name, e.startTime]),
                 performance.getEntriesByName('wirewalk-ready')[0].startTime];",
    );
    let list = v[0]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let name = e[0].as_str().unwrap_or_default().to_string();
                    (name, e[1].as_f64().unwrap_or(f64::NAN))
                })
                .collect()
        })
        .unwrap_or_default();
    (list, v[1].as_f64().expect("the ready mark"))
}

#[test]
fn the_page_section_arrives_after_the_first_screen() {
    let driver = super::Driver::start();
    let s = driver.session(1440, 900);
    s.goto(&format!("{}?page=many-images", serve_dist()));
    s.wait_for(
        "the app to render",
        "document.documentElement.dataset.ready === 'true'",
    );
    s.wait_for(
        "the page-load section",
        "document.querySelector('#page-load')",
    );
    let (list, ready) = fetched(&s);
    let part = |what: &str| {
        list.iter()
            .find(|(n, _)| {
                n.rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with(what) && f.ends_with(".wasm"))
            })
            .unwrap_or_else(|| panic!("no {what}…wasm among {list:?}"))
            .1
    };
    let (first, page) = (part("wirewalk-"), part("split_page-"));
    assert!(
        first < ready,
        "the first module is fetched before the first screen: {first} ms, ready at {ready} ms"
    );
    assert!(
        page >= ready,
        "the page-load module is asked for after the first screen: {page} ms, ready at {ready} ms"
    );
    // The section is the whole one: the page's waterfall has its rows.
    s.wait_for(
        "the waterfall's rows",
        "document.querySelectorAll('#page-load .wf-row').length > 10",
    );
    // The URL's details, below the first screen, are drawn after its paint too.
    s.wait_for(
        "the URL's details",
        "document.querySelector('.url-details table')",
    );
    // The SVG writer is not fetched until asked for.
    assert!(
        !list.iter().any(|(n, _)| n.contains("split_export-")),
        "the export module is fetched only for a download: {list:?}"
    );
    s.assert_no_errors();
}

#[test]
fn a_part_that_cannot_be_fetched_is_said_and_tried_again() {
    let driver = super::Driver::start();
    let s = driver.session(1440, 900);
    s.block_urls(&["*split_page-*"]);
    s.goto(&serve_dist());
    s.wait_for(
        "the app to render",
        "document.documentElement.dataset.ready === 'true'",
    );
    s.wait_for("the error", "document.querySelector('#pl-load-error')");
    let said = s.text("#pl-load-error");
    assert!(said.contains("could not be fetched"), "{said}");
    // The journey works meanwhile.
    s.click(&s.find("#btn-forward"));
    s.wait_for(
        "a step",
        "document.querySelector('#announce').textContent.length > 0",
    );
    // Once the network is back, the button fetches it.
    s.block_urls(&[]);
    s.click(&s.find("#pl-load-retry"));
    s.wait_for(
        "the page-load section",
        "document.querySelector('#page-load')",
    );
    assert!(s.js("return document.querySelector('#pl-load-error') === null;") == true);
    s.screenshot("lazy-retried");
}
