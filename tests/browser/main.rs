//! Browser tests: the release bundle in real headless Chromium (Debian's), driven over WebDriver.
//!
//! They need `dist/` (built by `make test`), /usr/bin/chromium and /usr/bin/chromedriver; when any
//! is missing they fail and say what is missing. Screenshots land in `target/screenshots/`.

mod bytes;
#[path = "../common/conformance.rs"]
mod conformance;
mod embed;
mod files;
mod follow;
mod idna;
mod journey_ui;
mod lazy;
mod omnibox;
mod page_ui;
mod prerender;
mod robust;
mod webdriver;

use conformance::conformance_dir;
use webdriver::{serve_dist, Driver, Session};

const ENTER: &str = "\u{E007}";

fn open(driver: &Driver, width: u32, height: u32) -> Session {
    open_at(driver, width, height, "")
}

/// A new browser on the app with `query` (`?…` or empty) once it has rendered.
fn open_at(driver: &Driver, width: u32, height: u32, query: &str) -> Session {
    open_link(driver, width, height, &format!("{}{query}", serve_dist()))
}

/// A new browser on `link` (a whole address, as the Share panel gives it) once the app has
/// rendered, with the page-load section, which arrives after the first screen (src/ui/lazy.rs;
/// an embedded frame has none). tests/browser/lazy.rs checks the time before it arrives.
pub(crate) fn open_link(driver: &Driver, width: u32, height: u32, link: &str) -> Session {
    let s = driver.session(width, height);
    s.goto(link);
    s.wait_for(
        "the app to render",
        "document.documentElement.dataset.ready === 'true'",
    );
    s.wait_for(
        "the page-load section",
        "document.documentElement.dataset.embed === '1' || document.querySelector('#page-load')",
    );
    s
}

/// Opens the Share panel and reads the link it offers.
pub(crate) fn share_link(s: &Session) -> String {
    s.click(&s.find("#share-btn"));
    s.wait_for(
        "the share panel",
        "document.querySelector('#share-link') !== null",
    );
    s.js("return document.querySelector('#share-link').value;")
        .as_str()
        .expect("a link")
        .to_string()
}

/// A parent page of our own, on the tutorial's address (its policy allows frames of the app),
/// holding a 720×480 frame of the app at `query` (`#f`), and a log of what the frame posts
/// (`window.__got`); once the frame said `wirewalk:ready`.
pub(crate) fn parent_of_frame(driver: &Driver, query: &str) -> Session {
    let base = webdriver::serve_dist();
    let s = driver.session(1200, 800);
    s.goto(&format!("{base}tutorial/"));
    s.wait_for("the page", "document.readyState === 'complete'");
    let frame = format!("{base}{query}");
    s.js(&format!(
        "window.__got = []; window.addEventListener('message', e => window.__got.push(e.data)); \
         document.body.textContent = ''; const f = document.createElement('iframe'); \
         f.id = 'f'; f.width = 720; f.height = 480; f.src = {}; document.body.append(f);",
        serde_json::to_string(&frame).unwrap_or_default()
    ));
    s.wait_for(
        "wirewalk:ready",
        "window.__got.some(m => m && m.type === 'wirewalk:ready')",
    );
    s
}

/// Posts `message` (a JavaScript expression) to the frame of [`parent_of_frame`].
pub(crate) fn post_to_frame(s: &Session, message: &str) {
    s.js(&format!(
        "document.getElementById('f').contentWindow.postMessage({message}, '*');"
    ));
}

/// Replaces a field's content as a paste does: one `input` event.
fn paste(s: &Session, css: &str, text: &str) {
    let text = serde_json::to_string(text).unwrap_or_default();
    s.js(&format!(
        "const t = document.querySelector('{css}'); t.value = {text}; t.dispatchEvent(new Event('input', {{bubbles: true}}));"
    ));
}

/// The coloured parse under the address bar, as (part, text, implied) triples.
fn live_segments(s: &Session) -> Vec<(String, String, bool)> {
    let v = s.js(
        "return [...document.querySelectorAll('#url-parse .seg')].map(e => \
         [e.dataset.part, e.querySelector('.seg-text').textContent, e.dataset.implied === 'true']);",
    );
    v.as_array()
        .expect("segments")
        .iter()
        .map(|t| {
            (
                t[0].as_str().unwrap_or_default().to_string(),
                t[1].as_str().unwrap_or_default().to_string(),
                t[2] == true,
            )
        })
        .collect()
}

fn getter(s: &Session, name: &str) -> String {
    s.text(&format!("#components tr[data-getter='{name}'] td.value"))
}

fn seg(part: &str, text: &str, implied: bool) -> (String, String, bool) {
    (part.to_string(), text.to_string(), implied)
}

#[test]
fn opens_on_the_default_journey() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let segs = live_segments(&s);
    for want in [
        seg("scheme", "https", false),
        seg("host", "www.example.com", false),
        seg("port", "443", true),
        seg("path", "/path/page", false),
        seg("query", "query=123", false),
        seg("fragment", "section", false),
    ] {
        assert!(segs.contains(&want), "{want:?} not in {segs:?}");
    }
    assert_eq!(
        getter(&s, "href"),
        "https://www.example.com/path/page?query=123#section"
    );
    assert_eq!(getter(&s, "port"), "\"\" (empty)");
    let origin = s.js(
        "return [...document.querySelectorAll('#origin [data-origin]')].map(e => e.firstChild.textContent);",
    );
    assert_eq!(
        origin,
        serde_json::json!(["https", "www.example.com", "443"])
    );
    assert!(s
        .text("#changes")
        .contains("port 443 is the default for https"));
    s.assert_no_errors();
    s.screenshot("default-1440x900");
}

#[test]
fn typing_a_url_parses_it_and_go_runs_it() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let input = s.find("#url-input");
    s.clear(&input);
    s.type_text(&input, "https://user:pw@EXAMPLE.com:8443/a/../b?x=1#y");
    s.wait_for(
        "the live parse",
        "document.querySelector('#url-parse [data-part=port]')?.textContent.includes('8443')",
    );
    let segs = live_segments(&s);
    for want in [
        seg("username", "user", false),
        seg("password", "pw", false),
        seg("host", "example.com", false),
        seg("port", "8443", false),
        seg("path", "/b", false),
        seg("query", "x=1", false),
        seg("fragment", "y", false),
    ] {
        assert!(segs.contains(&want), "{want:?} not in {segs:?}");
    }
    assert!(
        !segs.iter().any(|t| t.2),
        "an explicit port is not implied: {segs:?}"
    );
    // The stage below still shows the old URL until Go.
    assert_eq!(getter(&s, "hostname"), "www.example.com");
    s.type_text(&input, ENTER);
    s.wait_for("Go", "document.querySelector(\"tr[data-getter=hostname] td.value\").textContent === 'example.com'");
    assert_eq!(
        getter(&s, "href"),
        "https://user:pw@example.com:8443/b?x=1#y"
    );
    assert_eq!(getter(&s, "origin"), "https://example.com:8443");
    assert_eq!(
        s.text("#origin [data-origin=port]").lines().next(),
        Some("8443")
    );
    // The Go button works as well as Enter.
    s.clear(&input);
    s.type_text(&input, "http://bücher.example/");
    s.wait_for(
        "the live parse",
        "!!document.querySelector('#url-parse [data-part=host]')",
    );
    s.click(&s.find("#go"));
    s.wait_for("Go", "document.querySelector(\"tr[data-getter=hostname] td.value\").textContent === 'xn--bcher-kva.example'");
    assert!(s.text("#changes").contains("punycode"));
    s.assert_no_errors();
    s.screenshot("typed-url-1440x900");
}

#[test]
fn an_invalid_url_is_explained_and_the_page_stays_usable() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let input = s.find("#url-input");
    s.clear(&input);
    s.type_text(&input, "https://exa mple.com/");
    s.wait_for("the error", "!!document.querySelector('#url-error')");
    let msg = s.text("#url-error");
    assert!(
        msg.contains("a space") && msg.contains("character 12"),
        "{msg}"
    );
    assert_eq!(
        s.js("return document.querySelector('mark.bad').textContent;"),
        " "
    );
    assert_eq!(s.js("return document.querySelector('#go').disabled;"), true);
    assert_eq!(
        s.js("return document.querySelector('#url-input').getAttribute('aria-invalid');"),
        "true"
    );
    // Enter does nothing; the previous journey stays on screen.
    s.type_text(&input, ENTER);
    assert_eq!(
        getter(&s, "href"),
        "https://www.example.com/path/page?query=123#section"
    );
    s.screenshot("invalid-url-1440x900");
    // Fixing the text brings the parse back.
    s.clear(&input);
    s.type_text(&input, "https://example.org/");
    s.wait_for("the parse", "!document.querySelector('#url-error')");
    assert_eq!(
        s.js("return document.querySelector('#go').disabled;"),
        false
    );
    s.assert_no_errors();
}

#[test]
fn hostile_text_stays_text() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let input = s.find("#url-input");
    for payload in [
        "https://x/\"><img src=x onerror=\"window.__pwned=1\">",
        "https://x<img src=x onerror=window.__pwned=1>/",
        "javascript:window.__pwned=1",
        "<script>window.__pwned=1</script>",
    ] {
        s.clear(&input);
        s.type_text(&input, payload);
        s.type_text(&input, ENTER);
        assert_eq!(
            s.js("return document.querySelectorAll('img, script:not([src]):not([type])').length;"),
            0,
            "{payload}"
        );
        assert_eq!(
            s.js("return window.__pwned === undefined;"),
            true,
            "{payload}"
        );
    }
    s.assert_no_errors();
}

#[test]
fn phone_width_and_dark_theme() {
    let driver = Driver::start();
    let s = open(&driver, 390, 844);
    let overflow = s.js("return document.documentElement.scrollWidth;");
    assert!(
        overflow.as_u64().is_some_and(|w| w <= 390),
        "page is {overflow} px wide on a 390 px phone"
    );
    s.screenshot("default-390x844");
    s.screenshot_full("default-390-full");
    s.dark_mode(true);
    s.wait_for(
        "the dark theme",
        "getComputedStyle(document.body).backgroundColor === 'rgb(13, 17, 23)'",
    );
    s.screenshot("default-390x844-dark");
    s.set_viewport(1440, 900);
    s.screenshot("default-1440x900-dark");
    s.assert_no_errors();
}

/// The harness itself: a page that logs a console error and throws must fail `assert_no_errors`,
/// so the check on the real app is known to be able to fail.
#[test]
fn the_error_check_catches_console_errors_and_exceptions() {
    let root = std::env::temp_dir().join(format!("wirewalk-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("fixture dir");
    std::fs::write(
        root.join("index.html"),
        "<!DOCTYPE html><title>fixture</title><script>console.error('fixture: console error');\
         setTimeout(() => { document.documentElement.dataset.ready = 'true'; \
         throw new Error('fixture: uncaught'); }, 0);</script>",
    )
    .expect("fixture page");
    let server = xtask::serve::Server::start(&root, 0).expect("serve fixture");
    let driver = Driver::start();
    let s = driver.session(800, 600);
    s.goto(&format!("http://{}/", server.addr()));
    s.wait_for(
        "the fixture",
        "document.documentElement.dataset.ready === 'true'",
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.assert_no_errors()));
    let message = caught
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("assert_no_errors must fail on a page with errors");
    assert!(message.contains("fixture: console error"), "{message}");
    assert!(message.contains("fixture: uncaught"), "{message}");
}
