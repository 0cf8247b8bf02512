//! Sharing and embedding: the Share panel's link reopens the same step, an embedded frame fits
//! 720×480 with its options, the postMessage API drives it, and the example tutorial steps two
//! frames in lockstep.

use crate::webdriver::{serve_dist, Driver, Session};
use crate::{open_at, share_link};

/// The step the view is on (the diagram's current row).
fn current_step(s: &Session) -> String {
    s.js(
        "const r = document.querySelector('.row[aria-current]'); return r ? r.dataset.step : null;",
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn a_shared_link_reopens_the_same_step() {
    let driver = Driver::start();
    let s = open_at(&driver, 1440, 900, "?preset=tls12-rsa");
    let forward = s.find("#btn-forward");
    for _ in 0..24 {
        s.click(&forward);
    }
    let step = current_step(&s);
    assert!(
        step.starts_with("tls."),
        "24 steps in is the TLS handshake: {step}"
    );
    let link = share_link(&s);
    let here = s.js("return location.origin + location.pathname;");
    assert!(link.starts_with(here.as_str().unwrap_or("?")), "{link}");
    assert!(
        link.contains("preset=tls12-rsa") && link.contains(&format!("step={step}")),
        "{link}"
    );
    let code = s.js("return document.querySelector('#share-embed').value;");
    let code = code.as_str().unwrap_or_default();
    assert!(
        code.starts_with("<iframe src=\"") && code.contains("embed=1"),
        "{code}"
    );
    assert!(code.contains("width=\"720\" height=\"480\""), "{code}");
    s.screenshot("share-panel-1440x900");
    s.assert_no_errors();

    // A new browser opens the copied link: the same journey at the same step.
    let t = crate::open_link(&driver, 1440, 900, &link);
    assert_eq!(current_step(&t), step);
    assert_eq!(
        t.js("return document.querySelector('#knob-preset').value;"),
        serde_json::json!("tls12-rsa")
    );
    t.assert_no_errors();
}

#[test]
fn an_embedded_frame_fits_720_by_480_with_its_options() {
    let driver = Driver::start();
    let s = open_at(
        &driver,
        720,
        480,
        "?preset=tls12-ecdhe&embed=1&controls=minimal&theme=dark&start=tls.client_hello&end=tls.finished",
    );
    let layout = s.js("const d = document.documentElement; \
         return { embed: d.dataset.embed, theme: d.dataset.theme, controls: d.dataset.controls, \
           width: d.scrollWidth, height: d.scrollHeight, \
           first: document.querySelector('#btn-first').offsetParent === null, \
           speeds: document.querySelector('.speeds').offsetParent === null, \
           knobs: document.querySelector('.knobs') === null, \
           share: document.querySelector('#share-btn') === null, \
           dark: getComputedStyle(document.body).backgroundColor };");
    assert_eq!(layout["embed"], "1");
    assert_eq!(layout["theme"], "dark");
    assert_eq!(layout["controls"], "minimal");
    assert!(
        layout["width"].as_u64() <= Some(720),
        "no horizontal scroll: {layout}"
    );
    assert!(
        layout["height"].as_u64() <= Some(480),
        "no page scroll: {layout}"
    );
    for hidden in ["first", "speeds", "knobs", "share"] {
        assert_eq!(layout[hidden], true, "{hidden} is not shown: {layout}");
    }
    assert_eq!(layout["dark"], "rgb(13, 17, 23)", "the dark theme");
    assert_eq!(current_step(&s), "tls.client_hello", "starts at start=");
    // Steps are counted within the frame's range, and back says it can go no further.
    let count = s.js("return [document.querySelector('.insp-meta span').textContent, document.querySelector('#btn-back').getAttribute('aria-disabled')];");
    assert!(
        count[0]
            .as_str()
            .is_some_and(|c| c.starts_with("step 1 of ")),
        "{count}"
    );
    assert_eq!(count[1], "true", "{count}");
    s.screenshot("embed-720x480-dark");
    // The range holds: back stays at start, forward stops at end.
    s.click(&s.find("#btn-back"));
    assert_eq!(current_step(&s), "tls.client_hello");
    let forward = s.find("#btn-forward");
    for _ in 0..40 {
        s.click(&forward);
    }
    assert_eq!(current_step(&s), "tls.finished", "stops at end=");
    s.assert_no_errors();

    // Light theme, no controls, autoplay: it plays and stops at its end.
    let t = open_at(
        &driver,
        720,
        480,
        "?embed=1&controls=none&theme=light&autoplay=1&start=tls.client_hello&end=tls.server_hello",
    );
    let shown = t.js("return [getComputedStyle(document.body).backgroundColor, document.querySelector('.player').offsetParent === null];");
    assert_eq!(shown, serde_json::json!(["rgb(246, 247, 249)", true]));
    t.wait_for(
        "autoplay to reach end=",
        "(() => { const r = document.querySelector('.row[aria-current]'); return r && r.dataset.step === 'tls.server_hello'; })()",
    );
    t.screenshot("embed-720x480-light");
    t.assert_no_errors();
}

/// Whether the current row's arrow (or mark) is wholly inside the visible part of the
/// diagram's panel.
const CURRENT_WHOLE: &str = "(() => {
    const w = document.querySelector('.seq-wrap').getBoundingClientRect();
    const m = document.querySelector('.row[aria-current] .msg-ghost, .row[aria-current] .note-dot');
    if (!m) return false;
    const b = m.getBoundingClientRect();
    return b.left >= w.left - 1 && b.right <= w.right + 1;
})()";

/// The lanes named over the diagram.
fn lane_heads(s: &Session) -> Vec<String> {
    let v = s.js(
        "return [...document.querySelectorAll('.seq-head .lane-head')].map(t => t.textContent);",
    );
    serde_json::from_value(v).unwrap_or_default()
}

/// A 720 px frame and a 390 px phone have no room for all eight lanes: those the current
/// message uses are drawn full and the others folded, so every message of the journey is whole
/// on screen, with no sideways scrolling.
#[test]
fn a_narrow_diagram_folds_the_lanes_not_in_use() {
    let driver = Driver::start();
    for (w, h, query) in [
        (720, 480, "?embed=1&step=dns.query.tld"),
        (390, 844, "?step=dns.query.tld"),
    ] {
        let s = open_at(&driver, w, h, query);
        s.js("document.querySelector('.sequence').scrollIntoView({block: 'start'});");
        // The panel's width is measured once it is laid out (a frame after the first render).
        s.wait_for(
            "the lanes fitted to the panel",
            "document.querySelectorAll('.seq-head .lane-head').length < 8",
        );
        let heads = lane_heads(&s);
        assert!(
            heads.contains(&"TLD".to_string()) && heads.len() < 8,
            "{w}: {heads:?}"
        );
        assert!(
            s.js("const w = document.querySelector('.seq-wrap'); return w.scrollWidth <= w.clientWidth + 1;")
                == true,
            "{w}: the diagram is wider than its panel"
        );
        assert!(s.js(&format!("return {CURRENT_WHOLE};")) == true, "{w}");
        // And in view up and down: the linked step's row is scrolled to.
        s.wait_for(
            "the current row in view",
            "(() => { const c = document.querySelector('.seq-scroll').getBoundingClientRect(); \
             const r = document.querySelector('.row[aria-current] .row-bg').getBoundingClientRect(); \
             return r.top >= c.top - 1 && r.bottom <= c.bottom + 1; })()",
        );
        s.screenshot(&format!("narrow-{w}-dns-lanes"));
        // Every step, first to last: its message whole in view.
        s.click(&s.find("#btn-first"));
        let forward = s.find("#btn-forward");
        let mut saw_server = false;
        for i in 0..80 {
            assert!(
                s.js(&format!("return {CURRENT_WHOLE};")) == true,
                "{w}: step {i} is cut: {}",
                s.text("#insp-step")
            );
            if s.text("#insp-step") == "tls.client_hello" {
                // The web server's lane is named during the handshake.
                saw_server = lane_heads(&s).contains(&"Web server".to_string());
            }
            if s.js("return document.querySelector('#btn-forward').getAttribute('aria-disabled') === 'true';")
                == true
            {
                break;
            }
            s.click(&forward);
        }
        assert!(
            saw_server,
            "{w}: the web server's lane during the handshake"
        );
        s.assert_no_errors();
    }
}

#[test]
fn messages_drive_the_frame_and_bad_ones_are_ignored() {
    let driver = Driver::start();
    let s = crate::parent_of_frame(&driver, "?embed=1&preset=tls12-rsa");
    let post = |m: &str| crate::post_to_frame(&s, m);
    let frame_step = "return document.getElementById('f').contentDocument.querySelector('.row[aria-current]').dataset.step;";
    post("{type: 'wirewalk:goto', step: 'tls.server_hello_done'}");
    s.wait_for(
        "the frame to step",
        "window.__got.some(m => m.type === 'wirewalk:step' && m.step === 'tls.server_hello_done' && typeof m.time === 'number')",
    );
    assert_eq!(s.js(frame_step), "tls.server_hello_done");
    // Malformed messages change nothing.
    for bad in [
        "{type: 'wirewalk:goto', step: 5}",
        "{type: 'wirewalk:goto', step: 'no.such.step'}",
        "{type: 'wirewalk:setScenario', preset: '<img src=x onerror=alert(1)>'}",
        "{type: 'wirewalk:explode'}",
        "'wirewalk:play'",
        "null",
    ] {
        post(bad);
    }
    post("{type: 'wirewalk:pause'}");
    s.js("return new Promise(r => setTimeout(r, 200));");
    assert_eq!(s.js(frame_step), "tls.server_hello_done");
    // A preset and a URL.
    post("{type: 'wirewalk:setScenario', preset: 'tls13-resumption'}");
    s.wait_for(
        "the new scenario",
        "document.getElementById('f').contentDocument.querySelector('.embed-url') !== null",
    );
    post("{type: 'wirewalk:setUrl', url: 'https://example.org/x'}");
    s.wait_for(
        "the new URL",
        "document.getElementById('f').contentDocument.querySelector('.embed-url').textContent === 'https://example.org/x'",
    );
    post("{type: 'wirewalk:pause'}");
    s.assert_no_errors();
}

#[test]
fn the_tutorial_steps_two_frames_in_lockstep() {
    let driver = Driver::start();
    let s = driver.session(1440, 1000);
    s.goto(&format!("{}tutorial/", serve_dist()));
    // Side by side at 1440 px, as the page says.
    assert_eq!(
        s.js("const [a, b] = ['tls12', 'tls13'].map(i => document.getElementById(i).getBoundingClientRect()); return a.top === b.top && a.right <= b.left;"),
        true
    );
    s.wait_for(
        "both frames ready",
        "!document.getElementById('next').disabled",
    );
    let next = s.find("#next");
    for _ in 0..6 {
        s.click(&next);
    }
    // Both frames on the sixth chapter, the HTTP request: TLS 1.2 gets there a round trip later.
    s.wait_for(
        "both frames at the request",
        "document.getElementById('time-tls12').dataset.step === 'http.request' && \
         document.getElementById('time-tls13').dataset.step === 'http.request'",
    );
    let times = s.js(
        "return [1, 2].map(i => Number(document.getElementById(i === 1 ? 'time-tls12' : 'time-tls13').dataset.time));",
    );
    let (t12, t13) = (
        times[0].as_f64().unwrap_or(0.0),
        times[1].as_f64().unwrap_or(0.0),
    );
    assert!(
        t12 - t13 >= 119.0,
        "TLS 1.2 sends its request about one 120 ms round trip later: {t12} vs {t13}"
    );
    for id in ["tls12", "tls13"] {
        let step = s.js(&format!(
            "return document.getElementById('{id}').contentDocument.querySelector('.row[aria-current]').dataset.step;"
        ));
        assert_eq!(step, "http.request", "{id}");
    }
    s.screenshot_full("tutorial-1440");
    s.assert_no_errors();
}

/// `make dist` output served from a sub-path, as a static host serves a project site: the app,
/// its share link and the tutorial all work under `/wirewalk/`, and nothing is asked of `/`.
#[test]
fn the_bundle_works_from_a_sub_path() {
    let server = xtask::serve::Server::start_under(&crate::webdriver::dist_dir(), 0, "/wirewalk/")
        .expect("serve dist/ under /wirewalk/");
    let base = format!("http://{}/wirewalk/", server.addr());
    let driver = Driver::start();
    let s = driver.session(1200, 800);
    s.goto(&format!("{base}?preset=tls12-rsa&step=tls.server_hello"));
    s.wait_for(
        "the app to render under /wirewalk/",
        "document.documentElement.dataset.ready === 'true'",
    );
    assert_eq!(current_step(&s), "tls.server_hello");
    let outside = s.js(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname) \
           .filter(p => !p.startsWith('/wirewalk/'));",
    );
    assert_eq!(
        outside,
        serde_json::json!([]),
        "every asset is under the sub-path"
    );
    let link = share_link(&s);
    assert!(
        link.starts_with(&base),
        "the link keeps the sub-path: {link}"
    );
    s.assert_no_errors();
    s.goto(&format!("{base}tutorial/"));
    s.wait_for(
        "the tutorial's frames under /wirewalk/",
        "!document.getElementById('next').disabled",
    );
    s.assert_no_errors();
}
