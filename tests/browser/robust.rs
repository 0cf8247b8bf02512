//! Hostile input, limits, the security policy, panics and long runs, in the release bundle.

use crate::webdriver::{serve_dist, Driver, Session};
use crate::{open, open_at, paste, ENTER};

/// Markup and script that must only ever show as characters. Each would set `window.__pwned`
/// or leave an element with an event-handler attribute if it became markup.
const PAYLOADS: [&str; 6] = [
    "https://x/\"><img src=x onerror=\"window.__pwned=1\">",
    "<script>window.__pwned=2</script>",
    "javascript:window.__pwned=3",
    "<svg onload=\"window.__pwned=4\"></svg><iframe srcdoc=\"<script>parent.__pwned=5</script>\"></iframe>",
    "https://example.com/?q=</textarea><img src=x onerror=window.__pwned=6>",
    "'\"><details open ontoggle=\"window.__pwned=7\">",
];

/// Nothing ran and no element came from the payloads.
fn assert_inert(s: &Session, when: &str) {
    let found = s.js(
        "return { pwned: window.__pwned === undefined ? null : window.__pwned, \
         handlers: document.querySelectorAll('[onerror],[onload],[ontoggle],[onclick],[srcdoc]').length, \
         scripts: [...document.scripts].filter(x => !x.src).length, \
         foreign: document.querySelectorAll('img[src=x],svg[onload],iframe').length };",
    );
    assert_eq!(
        found,
        serde_json::json!({"pwned": null, "handlers": 0, "scripts": 0, "foreign": 0}),
        "{when}: a payload became markup or ran"
    );
}

#[test]
fn hostile_text_never_becomes_markup() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let input = s.find("#url-input");
    for p in PAYLOADS {
        // The address bar: typed, parsed live, then submitted.
        s.clear(&input);
        paste(&s, "#url-input", p);
        s.type_text(&input, ENTER);
        assert_inert(&s, &format!("address bar: {p}"));
        // The page editor's HTML and headers.
        paste(&s, "#pl-html", &format!("<p>{p}</p><img src=/ok.png>{p}"));
        paste(
            &s,
            "#pl-headers",
            &format!("https://img.example/gallery.html\nX-Test: {p}\n{p}"),
        );
        assert_inert(&s, &format!("page editor: {p}"));
    }
    // What the user typed is still there, as text.
    assert_eq!(
        s.js("return document.querySelector('#url-input').value;")
            .as_str(),
        Some(PAYLOADS[5])
    );
    s.assert_no_errors();

    // The link: every parameter at once, with payloads for names and values.
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (i, p) in PAYLOADS.iter().enumerate() {
        q.append_pair("url", p);
        q.append_pair("html", p);
        q.append_pair("headers", p);
        q.append_pair("step", p);
        q.append_pair("preset", p);
        q.append_pair("page", p);
        q.append_pair("tls", p);
        q.append_pair(p, &i.to_string());
    }
    let query = q.finish();
    // What the app should say: the link's own notes (the URL, which does not parse, shows in
    // the address bar with its error instead).
    let expected = wirewalk::link::decode(&query).notes.len();
    let s2 = open_at(&driver, 1440, 900, &format!("?{query}"));
    assert_inert(&s2, "link parameters");
    // Each unusable parameter is named in the notes, as text.
    let notes = s2.text("#link-notes");
    assert!(notes.contains("is not a journey preset"), "{notes}");
    assert!(
        notes.contains("<script>"),
        "the notes quote the payload as text: {notes}"
    );
    // The first 8 notes are listed, the rest counted.
    assert!(expected > 8);
    assert!(
        notes.contains(&format!("…and {} more parameters", expected - 8)),
        "{notes}"
    );
    s2.screenshot("hostile-link-notes");
    s2.assert_no_errors();
    drop(s2);
    let s3 = open_at(&driver, 390, 844, "?%3Cb%3Ebold%3C%2Fb%3E=1&tls=%3Ci%3E");
    assert_inert(&s3, "a link with markup in a parameter's name");
    let notes = s3.text("#link-notes");
    assert!(
        notes.contains("unknown parameter \"<b>bold</b>\""),
        "{notes}"
    );
    assert!(notes.contains("tls=\"<i>\" was ignored"), "{notes}");
    s3.screenshot("hostile-link-notes-390x844");
    s3.assert_no_errors();
}

#[test]
fn the_security_policy_is_in_force_and_the_app_works_under_it() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let policy = s.js(
        "const m = document.querySelector('meta[http-equiv=Content-Security-Policy]'); return m ? m.content : '';",
    );
    let policy = policy.as_str().unwrap_or_default().to_string();
    for part in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
    ] {
        assert!(policy.contains(part), "{policy}");
    }
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_default();
    assert!(
        !script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"),
        "{script_src}"
    );
    // The app works under it: both views play, and nothing was blocked from the first byte
    // on (the session records every violation as an error before the page's scripts run).
    let clock = s.text("#clock");
    let pl_time = s.text("#pl-time");
    s.click(&s.find("#btn-play"));
    s.click(&s.find("#pl-play"));
    s.wait_for(
        "both views to play",
        &format!(
            "document.querySelector('#clock').textContent !== {} && document.querySelector('#pl-time').textContent !== {}",
            serde_json::json!(clock),
            serde_json::json!(pl_time)
        ),
    );
    s.assert_no_errors();
    // An inline script added now does not run, and the browser reports the violation.
    let blocked = s.js_async(
        "const done = arguments[arguments.length - 1]; let v = null; \
         document.addEventListener('securitypolicyviolation', e => { v = e.violatedDirective; }, {once: true}); \
         const x = document.createElement('script'); x.textContent = 'window.__ran = 1'; document.body.appendChild(x); \
         setTimeout(() => { x.remove(); done([window.__ran === undefined, v]); }, 200);",
    );
    assert_eq!(blocked[0], true, "an inline script ran despite the policy");
    assert!(
        blocked[1]
            .as_str()
            .unwrap_or_default()
            .starts_with("script-src"),
        "{blocked}"
    );
    // That violation is the only error.
    let errors = s.errors();
    assert!(
        !errors.is_empty()
            && errors
                .iter()
                .all(|e| e.contains("Content Security Policy") || e.contains("script-src")),
        "{errors:?}"
    );
}

#[test]
fn a_panic_is_reported_and_the_last_good_view_comes_back() {
    let driver = Driver::start();
    let s = open_at(&driver, 1440, 900, "?tls=1.2-rsa&step=tls.server_hello");
    assert_eq!(s.text("#insp-step"), "tls.server_hello");
    // A knob changed: the link follows once the view is still.
    s.js("const k = document.querySelector('#knob-keep-alive'); k.click();");
    s.wait_for(
        "the link to follow the view",
        "location.search.includes('keep-alive=0')",
    );
    let before = s.js("return location.search;");
    // A panic in the app, as a bug would cause: in a task of its own (an event, a timer), so that
    // nothing but the app's own handler sees it.
    s.js("setTimeout(() => window.wasmBindings.wirewalk_test_panic(), 0);");
    s.wait_for(
        "the page to restart",
        "document.documentElement.dataset.ready === 'true' && !!document.querySelector('#link-notes')",
    );
    let notes = s.text("#link-notes");
    assert!(
        notes.contains("recovered from an internal error")
            && notes.contains("A panic stopped the WebAssembly module (unreachable)"),
        "{notes}"
    );
    assert_eq!(s.js("return location.search;"), before);
    assert_eq!(s.text("#insp-step"), "tls.server_hello");
    assert_eq!(
        s.js("return document.querySelector('#knob-tls').value;"),
        "1.2-rsa"
    );
    // The knob changed after the page opened is restored too.
    assert_eq!(
        s.js("return document.querySelector('#knob-keep-alive').getAttribute('aria-pressed');"),
        "false"
    );
    s.screenshot("recovered-after-panic");
    // The errors logged are the panic itself, from the page before the restart: the browser's
    // report of the trap and the app's.
    let errors = s.errors();
    assert!(
        errors.iter().any(|e| e.contains("wirewalk panicked"))
            && errors.iter().all(|e| e.contains("unreachable")),
        "{errors:?}"
    );
}

/// Opens a TLS 1.2 journey at its ServerHello, arms a panic in the next action (and, with
/// `broken`, in the app's own trap handler too), clicks Step forward, and waits for the page to
/// come back; returns the note it shows.
fn crash_in_a_handler(driver: &Driver, broken: bool) -> (Session, String) {
    let s = open_at(driver, 1440, 900, "?tls=1.2-rsa&step=tls.server_hello");
    assert_eq!(s.text("#insp-step"), "tls.server_hello");
    if broken {
        s.js("window.wasmBindings.wirewalk_test_break_trap_handler();");
    }
    s.js("window.wasmBindings.wirewalk_test_panic_in_handler();");
    s.click(&s.find("#btn-forward"));
    s.wait_for(
        "the page to restart",
        "document.documentElement.dataset.ready === 'true' && !!document.querySelector('#link-notes')",
    );
    let notes = s.text("#link-notes");
    assert!(
        notes.contains("recovered from an internal error"),
        "{notes}"
    );
    // Back at the last good view, and the only errors are the panic's.
    assert_eq!(s.text("#insp-step"), "tls.server_hello");
    let errors = s.errors();
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.contains("unreachable")),
        "{errors:?}"
    );
    (s, notes)
}

/// A panic inside an event handler (in the app's reducer, while Yew handles a click), as a bug
/// there or memory running out would cause: the page comes back at the last good view and says
/// what happened, not blank.
#[test]
fn a_panic_inside_an_event_handler_comes_back_too() {
    let driver = Driver::start();
    let (s, notes) = crash_in_a_handler(&driver, false);
    assert!(
        notes.contains("A panic stopped the WebAssembly module"),
        "{notes}"
    );
    s.screenshot("recovered-after-handler-panic");
}

/// When the app cannot report its own crash (its trap handler broken, as with memory gone), the
/// page's last resort, plain JavaScript loaded before the module, brings the view back and says
/// so.
#[test]
fn a_crash_the_app_cannot_report_still_comes_back() {
    let driver = Driver::start();
    let (_, notes) = crash_in_a_handler(&driver, true);
    assert!(
        notes.contains("the app could not report it itself"),
        "{notes}"
    );
}

#[test]
fn limits_are_refused_with_their_numbers_or_work() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    // A 1 MB URL parses and walks (Chromium's limit is 2 MiB); a 3 MB one is refused by name.
    let long = format!("https://example.com/{}", "a".repeat(1_000_000));
    paste(&s, "#url-input", &long);
    s.type_text(&s.find("#url-input"), ENTER);
    s.wait_for(
        "the long URL's journey",
        "(document.querySelector('tr[data-getter=pathname] td.value') || {}).textContent?.length > 1000000",
    );
    paste(&s, "#url-input", &"b".repeat(3_000_000));
    s.wait_for(
        "the limit to be named",
        "(document.querySelector('#url-error') || {}).textContent?.includes('2097152')",
    );
    // 10,000 sub-resources load; the waterfall has a row for each, and draws those in view.
    let many: String = (0..10_000)
        .map(|i| format!("<img src=/i/{i}.png>"))
        .collect();
    paste(&s, "#pl-html", &many);
    s.wait_for(
        "the 10,001-request load",
        "document.querySelector('#pl-summary').textContent.startsWith('10001 requests')",
    );
    let rows = s.js("return document.querySelectorAll('#pl-waterfall .wf-row').length;");
    let drawn = rows.as_u64().unwrap_or(0);
    assert!((1..=80).contains(&drawn), "{rows} rows in the document");
    // Scrolled to the bottom, the last request's row is there.
    s.js(
        "const r = document.querySelector('#pl-waterfall .wf-rows'); r.scrollTop = r.scrollHeight;",
    );
    s.wait_for(
        "the last row",
        "!!document.querySelector(\"#pl-waterfall .wf-row[data-id='10001']\")",
    );
    // Deeply nested HTML is fine: discovery does not recurse.
    let deep = format!(
        "{}<img src=/deep.png>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    paste(&s, "#pl-html", &deep);
    s.wait_for(
        "the nested page",
        "document.querySelector('#pl-summary').textContent.startsWith('2 requests')",
    );
    // Binary is refused with what and where; the last good load stays.
    paste(&s, "#pl-html", "GIF89a\u{0}\u{1}\u{2}binary");
    s.wait_for(
        "the refusal",
        "(document.querySelector('#pl-error') || {}).textContent?.includes('U+0000 at character 7')",
    );
    assert!(s.text("#pl-summary").starts_with("2 requests"));
    // Over the editor's limit: refused by number.
    paste(&s, "#pl-html", &"x".repeat(2_100_000));
    s.wait_for(
        "the size limit",
        "(document.querySelector('#pl-error') || {}).textContent?.includes('2000000 bytes')",
    );
    assert!(s.text("#pl-summary").starts_with("2 requests"));
    s.assert_no_errors();
}

#[test]
fn ten_thousand_steps_leave_memory_and_the_dom_bounded() {
    let driver = Driver::start();
    let s = driver.session(1440, 900);
    // The wasm module's memory, where Rust allocates, is not in the JS heap: keep a handle.
    s.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({"source": "addEventListener('TrunkApplicationStarted', e => { window.__wasm = e.detail.wasm; });"}),
    );
    s.goto(&serve_dist());
    s.wait_for(
        "the app to render",
        "document.documentElement.dataset.ready === 'true' && !!window.__wasm",
    );
    let measure = |s: &Session| -> [f64; 3] {
        let v = s.js_async(
            "const done = arguments[arguments.length - 1]; \
             setTimeout(() => done([performance.memory.usedJSHeapSize, window.__wasm.memory.buffer.byteLength, document.getElementsByTagName('*').length]), 50);",
        );
        [0, 1, 2].map(|i| v[i].as_f64().unwrap_or(f64::NAN))
    };
    // Warm up: one pass through the journey so every view has drawn once.
    s.js("for (let i = 0; i < 200; i++) document.querySelector('#btn-forward').click();");
    s.js("document.querySelector('#btn-first').click();");
    let [h0, w0, d0] = measure(&s);
    // 10,000 steps, each rendered before the next (a message-channel task runs after Yew's
    // render microtasks): forward through the journey, back to the start, again. In calls of
    // 1,000, each well inside WebDriver's 30 s script timeout on a busy machine.
    s.js("window.__steps = 0;");
    for _ in 0..10 {
        s.js_async(
            "const done = arguments[arguments.length - 1]; let k = 0; \
             const fwd = document.querySelector('#btn-forward'), first = document.querySelector('#btn-first'); \
             const ch = new MessageChannel(); \
             ch.port1.onmessage = () => { if (window.__steps % 80 === 79) first.click(); else fwd.click(); \
               window.__steps++; if (++k < 1000) ch.port2.postMessage(0); else done(k); }; \
             ch.port2.postMessage(0);",
        );
    }
    assert_eq!(s.js("return window.__steps;"), 10_000);
    let [h1, w1, d1] = measure(&s);
    println!("JS heap {h0:.0} -> {h1:.0} bytes; wasm memory {w0:.0} -> {w1:.0} bytes; DOM {d0} -> {d1} elements");
    // Bounds: the JS heap within 8 MB of where it started (garbage not yet collected
    // included); the wasm memory (which never shrinks) within 4 MB, which 400 leaked bytes a
    // step would pass; and the DOM within 5% (the diagram's rows differ from step to step).
    assert!(h1 < h0 + 8e6, "JS heap grew from {h0} to {h1} bytes");
    assert!(w1 <= w0 + 4e6, "wasm memory grew from {w0} to {w1} bytes");
    assert!(d1 <= d0 + d0 / 20.0, "DOM grew from {d0} to {d1} elements");
    s.assert_no_errors();
}

/// `cargo xtask serve` sends the Zopfli copies `make build` writes, and Chromium reads them: the
/// module arrives as exactly the bytes of its `.gz` file and decodes to the module.
#[test]
fn the_bundle_is_served_precompressed() {
    let driver = Driver::start();
    let s = open(&driver, 1000, 700);
    let got = s.js(
        "const e = performance.getEntriesByType('resource').find(r => r.name.endsWith('_bg.wasm')); \
         return e ? [e.name.split('/').pop(), e.encodedBodySize, e.decodedBodySize] : null;",
    );
    let name = got[0].as_str().expect("the module is in Resource Timing");
    let dist = crate::webdriver::dist_dir();
    let raw = std::fs::metadata(dist.join(name))
        .expect("the module")
        .len();
    let gz = std::fs::metadata(dist.join(format!("{name}.gz")))
        .expect("make build writes the .gz copy")
        .len();
    assert_eq!(got[1].as_u64(), Some(gz), "received the .gz bytes");
    assert_eq!(got[2].as_u64(), Some(raw), "decoded to the module");
    s.assert_no_errors();
}
