//! The address bar as Chromium's omnibox, in real Chromium: what a newcomer types first
//! (`example.com`, `cats`, `what is dns`) is classified on screen while typing, and Go runs the
//! navigation the model makes of it: https first for a host, a search for words, HSTS's
//! internal redirect for a preloaded host. Expected URLs come from the model natively.

use super::webdriver::Session;
use super::ENTER;
use super::{open, Driver};
use wirewalk::model::omnibox::{classify, Engine};

fn verdict(s: &Session) -> String {
    s.text("#omnibox-verdict")
}

fn type_and_wait(s: &Session, text: &str, wait: &str) {
    let input = s.find("#url-input");
    s.clear(&input);
    s.type_text(&input, text);
    s.wait_for(text, wait);
}

fn hostname(s: &Session) -> String {
    s.text("tr[data-getter=hostname] td.value")
}

#[test]
fn typed_text_goes_where_chromium_sends_it() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    // A host without a scheme: a URL; http:// is added, and HTTPS-Upgrades goes to https.
    type_and_wait(
        &s,
        "example.com",
        "document.querySelector('#omnibox-verdict')?.textContent.includes('URL')",
    );
    let v = verdict(&s);
    assert!(
        v.starts_with("URL") && v.contains("without a scheme"),
        "{v}"
    );
    assert_eq!(
        s.js("return document.querySelector('#go').disabled;"),
        false
    );
    s.type_text(&s.find("#url-input"), ENTER);
    s.wait_for(
        "the upgrade step",
        "!!document.querySelector(\"[data-step='url.https_upgrade']\")",
    );
    assert_eq!(hostname(&s), "example.com");
    assert!(s
        .js("return !!document.querySelector(\"[data-step='url.omnibox']\");")
        .as_bool()
        .unwrap_or(false));
    // Go starts playback: stop it (the last step) so the rows hold still, then pick the step.
    s.click(&s.find("#btn-last"));
    s.wait_for(
        "playback to stop",
        "document.querySelector('#btn-last').getAttribute('aria-disabled') === 'true'",
    );
    s.click(&s.find("[data-step='url.https_upgrade']"));
    let inspector = s.text(".inspector");
    assert!(
        inspector.contains("307 Internal Redirect") && inspector.contains("https://example.com/"),
        "{inspector}"
    );
    s.screenshot("omnibox-typed-host-1440x900");

    // Words: a search on the default engine, whose results URL is parsed below.
    let want = classify("what is dns", Engine::Google);
    type_and_wait(
        &s,
        "what is dns",
        "document.querySelector('#omnibox-verdict')?.textContent.includes('search')",
    );
    let v = verdict(&s);
    assert!(v.starts_with("QUERY") && v.contains("Google"), "{v}");
    let parsed =
        s.js("return document.querySelector('#url-parse .coloured').getAttribute('aria-label');");
    assert_eq!(
        parsed.as_str().unwrap_or_default(),
        format!("Parsed URL: {}", want.url().unwrap_or_default())
    );
    s.screenshot("omnibox-search-1440x900");
    // The search engine is a knob: the same words go to another engine's results.
    s.click(&s.find("details.more summary"));
    s.click(&s.find("#knob-search option[value='duckduckgo']"));
    s.wait_for(
        "the engine",
        "document.querySelector('#omnibox-verdict').textContent.includes('DuckDuckGo')",
    );
    s.type_text(&s.find("#url-input"), ENTER);
    s.wait_for(
        "the search's host",
        "document.querySelector(\"tr[data-getter=hostname] td.value\")?.textContent === 'duckduckgo.com'",
    );

    // A single word is UNKNOWN, and Chromium searches it.
    type_and_wait(
        &s,
        "cats",
        "document.querySelector('#omnibox-verdict')?.textContent.includes('UNKNOWN')",
    );

    // http:// typed to a host under a preloaded top-level domain: HSTS, no network.
    type_and_wait(
        &s,
        "http://web.dev/",
        "!document.querySelector('#omnibox-verdict')",
    );
    s.type_text(&s.find("#url-input"), ENTER);
    s.wait_for(
        "the HSTS step",
        "!!document.querySelector(\"[data-step='url.hsts']\")",
    );
    s.assert_no_errors();
}

#[test]
fn the_omnibox_verdict_fits_a_phone() {
    let driver = Driver::start();
    let s = open(&driver, 390, 844);
    type_and_wait(
        &s,
        "what is dns",
        "!!document.querySelector('#omnibox-verdict')",
    );
    let overflow = s.js(
        "const r = document.querySelector('#omnibox-verdict').getBoundingClientRect(); \
         return r.right <= document.documentElement.clientWidth + 0.5;",
    );
    assert_eq!(overflow, true, "the verdict runs off a 390 px screen");
    s.screenshot("omnibox-search-390x844");
    s.assert_no_errors();
}

/// How the navigation starts, as a knob: a link shared with `preset=form-post` opens on the
/// form's POST (its step first, the POST's fields in the inspector, then the 303 and the GET),
/// and choosing "a click on a search result" in More options runs the link's navigation.
#[test]
fn a_form_post_and_a_link_click_start_the_navigation() {
    let driver = Driver::start();
    let s = crate::open_at(&driver, 1440, 900, "?preset=form-post");
    s.wait_for(
        "the form's step",
        "!!document.querySelector(\"[data-step='nav.form']\")",
    );
    s.click(&s.find("#btn-last"));
    s.wait_for(
        "playback to stop",
        "document.querySelector('#btn-last').getAttribute('aria-disabled') === 'true'",
    );
    s.click(&s.find("[data-step='nav.form']"));
    let inspector = s.text(".inspector");
    assert!(
        inspector.contains("item=42&qty=1") && inspector.contains("A form sent with POST"),
        "{inspector}"
    );
    s.click(&s.find("[data-step='http.request']"));
    let inspector = s.text(".inspector");
    for want in [
        "POST /order HTTP/1.1",
        "Origin",
        "application/x-www-form-urlencoded",
        "max-age=0",
    ] {
        assert!(inspector.contains(want), "{want}: {inspector}");
    }
    assert!(s
        .js("return !!document.querySelector(\"[data-step='http.redirect']\");")
        .as_bool()
        .unwrap_or(false));
    s.screenshot("navigation-form-post-1440x900");
    // The knob: a click on a search result instead.
    s.js("const d = document.querySelector('details.more'); if (d) d.open = true;");
    s.js("const k = document.querySelector('#knob-navigation');
         k.value = 'link'; k.dispatchEvent(new Event('change', {bubbles: true}));");
    s.wait_for(
        "the link's step",
        "!!document.querySelector(\"[data-step='nav.link']\")",
    );
    assert!(s
        .js("return !document.querySelector(\"[data-step='nav.form']\");")
        .as_bool()
        .unwrap_or(false));
    s.assert_no_errors();
}
