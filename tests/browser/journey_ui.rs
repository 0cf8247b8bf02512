//! The visualizer in real Chromium: playback, stepping, scrubbing, knobs, keyboard, the diagram,
//! failure journeys, reduced motion and accessibility. Expected values come from running the same
//! model natively, never from numbers typed into the test.

use super::webdriver::{axe_source, Session};
use super::{open, Driver};
use serde_json::Value;
use std::time::Duration;
use wirewalk::model::journey::run;
use wirewalk::model::scenario::{preset, Profile, ProfileName, Scenario, TlsChoice};
use wirewalk::model::step::StepId;

fn step_id(s: &Session) -> String {
    s.text("#insp-step")
}

/// The cursor, from the inspector's "step N of M".
fn step_index(s: &Session) -> usize {
    let meta = s.text(".insp-meta span");
    meta.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no step number in {meta:?}"))
}

fn click(s: &Session, css: &str) {
    s.click(&s.find(css));
}

fn choose(s: &Session, select: &str, value: &str) {
    click(s, &format!("{select} option[value='{value}']"));
}

fn sleep(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn play_advances_and_pause_stops() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    assert_eq!(step_index(&s), 1);
    assert!(s.text("#seq-hint").contains("Play"));
    click(&s, "#btn-play");
    s.wait_for(
        "playback to move",
        "document.querySelector('#clock').textContent.split(' ')[0] !== '0.0'",
    );
    s.wait_for(
        "the cursor to advance",
        "parseInt(document.querySelector('.insp-meta span').textContent.split(' ')[1]) > 4",
    );
    assert_eq!(
        s.js("return document.querySelector('#btn-play').getAttribute('aria-label');"),
        "Pause"
    );
    click(&s, "#btn-play");
    let (at, clock) = (step_index(&s), s.text("#clock"));
    sleep(600);
    assert_eq!(
        (step_index(&s), s.text("#clock")),
        (at, clock),
        "paused playback moved"
    );
    s.screenshot("playing-1440x900");
    s.assert_no_errors();
}

#[test]
fn step_back_first_last_and_scrub() {
    let j = run(&Scenario::default());
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    click(&s, "#btn-forward");
    assert_eq!(step_index(&s), 2);
    assert_eq!(step_id(&s), j.trace.events[1].step.as_str());
    click(&s, "#btn-forward");
    click(&s, "#btn-back");
    assert_eq!(step_index(&s), 2);
    let disabled = |s: &Session| {
        s.js("return ['first', 'back', 'forward', 'last'].map(b => document.querySelector('#btn-' + b).getAttribute('aria-disabled') === 'true');")
    };
    click(&s, "#btn-last");
    assert_eq!(step_index(&s), j.trace.events.len());
    assert!(s
        .text("#clock")
        .starts_with(&format!("{} of {}", j.trace.end(), j.trace.end())));
    // At the last step, forward and last say they can go no further; forward does nothing.
    assert_eq!(disabled(&s), serde_json::json!([false, false, true, true]));
    click(&s, "#btn-forward");
    assert_eq!(step_index(&s), j.trace.events.len());
    click(&s, "#btn-first");
    assert_eq!(step_index(&s), 1);
    assert_eq!(disabled(&s), serde_json::json!([true, true, false, false]));
    // Scrub to the moment the SYN leaves: the cursor lands on tcp.syn.
    let syn = j.trace.find(StepId::parse("tcp.syn").unwrap()).unwrap();
    let units = (syn.at.as_ms() * 10.0).round();
    s.js(&format!(
        "const r = document.querySelector('#scrubber'); r.value = '{units}'; r.dispatchEvent(new Event('input', {{bubbles: true}}));"
    ));
    s.wait_for(
        "the scrub",
        "document.querySelector('#insp-step').textContent === 'tcp.syn'",
    );
    assert!(s.text("#clock").starts_with(&format!("{} of", syn.at)));
    s.assert_no_errors();
}

/// A stage pill takes the cursor to its stage's first step; a stage the journey skips is no
/// button. The card under the player is step 1's only while the cursor is there.
#[test]
fn stage_pills_jump_to_their_stage() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let url_card = |s: &Session| s.text("#stage-url-title");
    assert_eq!(url_card(&s), "1 · The typed text becomes a URL");
    click(&s, "[data-stage='TLS'] button");
    assert_eq!(step_id(&s), "tls.client_hello");
    assert_eq!(
        s.js("return document.querySelector(\"[data-stage='TLS']\").dataset.state;"),
        "active"
    );
    assert!(
        url_card(&s).starts_with("The URL every step reads"),
        "{}",
        url_card(&s)
    );
    s.screenshot("stage-pill-tls-1440x900");
    click(&s, "[data-stage='DNS'] button");
    assert!(step_id(&s).starts_with("dns."), "{}", step_id(&s));
    click(&s, "[data-stage='URL'] button");
    assert_eq!(step_id(&s), "url.parse");
    assert_eq!(url_card(&s), "1 · The typed text becomes a URL");
    // A fresh cache skips DNS, TCP and TLS: their pills lead nowhere.
    choose(&s, "#knob-cache", "fresh");
    s.wait_for(
        "the re-run",
        "document.querySelector(\"[data-stage='TLS']\").dataset.state === 'skipped'",
    );
    assert_eq!(
        s.js("return ['DNS', 'TCP', 'TLS'].map(x => !!document.querySelector(`[data-stage='${x}'] button`));"),
        serde_json::json!([false, false, false])
    );
    s.assert_no_errors();
}

/// What the inspector shows is what a link accepts: the id of a step of the page's own
/// `fetch()` (which the navigation does not have) opens that step, without a note.
#[test]
fn the_step_id_the_inspector_shows_opens_as_a_link() {
    let j = run(&Scenario::default());
    let e = j
        .trace
        .events
        .iter()
        .find(|e| {
            e.request > 0
                && !j
                    .trace
                    .events
                    .iter()
                    .any(|n| n.request == 0 && n.step == e.step)
        })
        .expect("a step only the page's fetch() has");
    let id = e.step.as_str();
    let driver = Driver::start();
    let s = super::open_at(&driver, 1440, 900, &format!("?step={id}"));
    assert_eq!(step_id(&s), id);
    assert_eq!(
        s.js("return document.querySelector('#link-notes') === null;"),
        true,
        "no note says the step does not exist"
    );
    s.assert_no_errors();
}

#[test]
fn knobs_change_the_journey() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    // TLS 1.2 with RSA key exchange: ClientKeyExchange appears.
    choose(&s, "#knob-tls", "1.2-rsa");
    click(&s, "#btn-last");
    s.wait_for(
        "ClientKeyExchange",
        "!!document.querySelector(\"[data-step='tls.client_key_exchange']\")",
    );
    click(&s, "[data-step='tls.client_key_exchange']");
    assert_eq!(step_id(&s), "tls.client_key_exchange");
    assert!(s.text("#insp-fields").contains("pre_master_secret"));
    s.screenshot("tls12-rsa-1440x900");

    // Changing a knob keeps the cursor on the same step when the new journey has it.
    choose(&s, "#knob-profile", "local");
    s.wait_for(
        "the re-run",
        "document.querySelector('#clock').textContent.includes('of')",
    );
    assert_eq!(step_id(&s), "tls.client_key_exchange");

    // A fresh cache: DNS, TCP and TLS are skipped, and say why.
    choose(&s, "#knob-cache", "fresh");
    for stage in ["DNS", "TCP", "TLS"] {
        let state = s.js(&format!(
            "return document.querySelector(\"[data-stage='{stage}']\").dataset.state;"
        ));
        assert_eq!(state, "skipped", "{stage}");
        let why = s.js(&format!(
            "return document.querySelector(\"[data-stage='{stage}']\").getAttribute('aria-label');"
        ));
        assert!(
            why.as_str().unwrap_or("").contains("fresh cache hit"),
            "{why}"
        );
    }
    click(&s, "#btn-last");
    let nav_network = s.js("return document.querySelectorAll(\"[data-request='0'][data-step^='tcp.'], [data-request='0'][data-step^='tls.'], [data-request='0'][data-step^='dns.']\").length;");
    assert_eq!(nav_network, 0);
    s.screenshot("fresh-cache-1440x900");
    s.assert_no_errors();
}

/// Six busy sockets make the document wait in the pool's queue; the page's fetch() to another
/// origin that does not allow the page shows the CORS check blocking it; both are in the link.
#[test]
fn busy_sockets_queue_and_a_cross_origin_fetch_is_checked() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    click(&s, "details.more summary");
    choose(&s, "#knob-busy", "6");
    click(&s, "#btn-last");
    s.wait_for(
        "the queue",
        "!!document.querySelector(\"[data-request='0'][data-step='pool.queued']\")",
    );
    choose(&s, "#knob-api", "cross-origin-blocked");
    click(&s, "#btn-last");
    s.wait_for(
        "the CORS check",
        "!!document.querySelector(\"[data-request='1'][data-step='policy.check']\")",
    );
    click(&s, "[data-request='1'][data-step='policy.check']");
    let summary = s.text("#insp-summary");
    assert!(summary.starts_with("blocked"), "{summary}");
    // The address follows the view (written after a short pause, as the link sync does).
    s.wait_for(
        "both knobs in the link",
        "location.search.includes('busy=6') && location.search.includes('api=cross-origin-blocked')",
    );
    s.screenshot("cors-blocked-1440x900");
    s.assert_no_errors();
}

/// Chrome's "Preload pages" setting, a knob: on (the default) the journey starts with the
/// browser's two connections to the site; off, as in an Incognito window, the step is gone
/// and the link says so. The phone width shows the options with the new toggle.
#[test]
fn the_preload_pages_toggle_turns_the_navigation_preconnect_off() {
    let driver = Driver::start();
    let s = open(&driver, 390, 844);
    let step = "[data-request='0'][data-step='pool.navigation_preconnect']";
    click(&s, "#btn-last");
    s.wait_for(
        "the preconnect step",
        &format!("!!document.querySelector(\"{step}\")"),
    );
    // At the phone width the scenario's box starts closed.
    click(&s, "details.knobs-box > summary");
    click(&s, "details.more summary");
    assert_eq!(
        s.js("return document.querySelector('#knob-preload').getAttribute('aria-pressed');"),
        Value::from("true")
    );
    click(&s, "#knob-preload");
    click(&s, "#btn-last");
    s.wait_for(
        "no preconnect step",
        &format!("!document.querySelector(\"{step}\")"),
    );
    s.wait_for(
        "the knob in the link",
        "location.search.includes('preload=0')",
    );
    s.js("document.querySelector('#knob-preload').scrollIntoView({block: 'center'});");
    s.screenshot("preload-pages-off-390x844");
    s.assert_no_errors();
}

/// The secure-DNS toggle: the lookup becomes HTTPS requests to the DoH server, over the
/// browser's own connection, whose handshake the diagram draws in the resolver's lane; the
/// link keeps the knob.
#[test]
fn the_secure_dns_toggle_sends_the_lookup_over_https() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let doh = "[data-step='dns.query.doh']";
    click(&s, "#btn-last");
    s.wait_for(
        "the last step",
        "document.querySelector('#insp-step') !== null",
    );
    assert_eq!(
        s.js(&format!("return !!document.querySelector(\"{doh}\");")),
        Value::from(false)
    );
    click(&s, "details.more summary");
    click(&s, "#knob-doh");
    s.wait_for("the knob in the link", "location.search.includes('doh=1')");
    click(&s, "#btn-last");
    s.wait_for(
        "the questions over HTTPS",
        &format!("!!document.querySelector(\"{doh}\")"),
    );
    click(&s, doh);
    assert_eq!(step_id(&s), "dns.query.doh");
    let text = s.text(".inspector");
    assert!(text.contains("/dns-query?dns="), "{text}");
    s.screenshot("secure-dns-1440x900");
    s.assert_no_errors();
}

#[test]
fn intercontinental_handshake_is_225_ms_on_screen() {
    let sc = Scenario {
        profile: Profile::builtin(ProfileName::Intercontinental),
        ..Scenario::default()
    };
    let j = run(&sc);
    let syn = j.trace.find(StepId::parse("tcp.syn").unwrap()).unwrap().at;
    let ack = j.trace.find(StepId::parse("tcp.ack").unwrap()).unwrap().at;
    assert_eq!(ack.since(syn).as_ms(), 225.0);
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose(&s, "#knob-profile", "intercontinental");
    click(&s, "#btn-last");
    click(&s, "[data-step='tcp.syn']");
    assert_eq!(s.text("#insp-time"), syn.to_string());
    click(&s, "[data-step='tcp.syn_ack']");
    let flight = s.text(".insp-flight");
    assert!(
        flight.contains(&format!("arrives at {ack}")) && flight.contains("112.5 ms on the wire"),
        "{flight}"
    );
    // The message names the one server it comes from.
    assert!(
        flight.starts_with("Web server (www.example.com:443 (203.0.113.112)) → Browser"),
        "{flight}"
    );
    click(&s, "[data-step='tcp.ack']");
    assert_eq!(
        s.text("#insp-time"),
        ack.to_string(),
        "SYN at {syn}, ACK (connected) at {ack}: 225 ms"
    );
    s.assert_no_errors();
}

#[test]
fn keyboard_controls() {
    let j = run(&Scenario::default());
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    // Keys go to the page, not to a field.
    s.js("document.activeElement && document.activeElement.blur();");
    let body = s.find("body");
    let key = |k: &str| s.type_text(&body, k);
    key("\u{E014}"); // →
    assert_eq!(step_index(&s), 2);
    key("\u{E012}"); // ←
    assert_eq!(step_index(&s), 1);
    key("\u{E010}"); // End
    assert_eq!(step_index(&s), j.trace.events.len());
    key("\u{E011}"); // Home
    assert_eq!(step_index(&s), 1);
    key("5");
    assert_eq!(
        s.js("return document.querySelector('.speed[aria-pressed=true]').textContent;"),
        "4×"
    );
    key("3");
    assert_eq!(
        s.js("return document.querySelector('.speed[aria-pressed=true]').textContent;"),
        "1×"
    );
    key(" ");
    s.wait_for(
        "Space to play",
        "document.querySelector('#btn-play').getAttribute('aria-label') === 'Pause'",
    );
    key(" ");
    s.wait_for(
        "Space to pause",
        "document.querySelector('#btn-play').getAttribute('aria-label') === 'Play'",
    );
    // Typing a space in the address bar does not toggle playback.
    let input = s.find("#url-input");
    s.type_text(&input, " ");
    assert_eq!(
        s.js("return document.querySelector('#btn-play').getAttribute('aria-label');"),
        "Play"
    );
    // The current step is announced.
    let announce = s.text("#announce");
    assert!(announce.starts_with("Step "), "{announce}");
    s.assert_no_errors();
}

#[test]
fn failures_end_with_what_the_user_sees() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    for (name, element, text) in [
        (
            "self-signed",
            "#warning-page",
            "Your connection is not private",
        ),
        ("expired", "#warning-page", "ERR_CERT_DATE_INVALID"),
        (
            "wrong-host",
            "#warning-page",
            "ERR_CERT_COMMON_NAME_INVALID",
        ),
        ("nxdomain", "#error-page", "ERR_NAME_NOT_RESOLVED"),
        ("refused", "#error-page", "ERR_CONNECTION_REFUSED"),
        ("invalid-url", "#invalid-url", "search"),
        ("data-url", "#not-fetched", "data:"),
    ] {
        assert!(preset(name).is_some());
        choose(&s, "#knob-preset", name);
        click(&s, "#btn-last");
        s.wait_for(name, &format!("!!document.querySelector('{element}')"));
        let shown = s.text(element);
        assert!(shown.contains(text), "{name}: {shown}");
        if name == "self-signed" {
            let failed =
                s.js("return document.querySelector(\"[data-stage='TLS']\").dataset.state;");
            assert_eq!(failed, "failed");
            s.screenshot("self-signed-1440x900");
        }
        if name == "nxdomain" {
            s.screenshot("nxdomain-1440x900");
        }
    }
    s.assert_no_errors();
}

#[test]
fn reduced_motion_shows_no_flying_tokens() {
    let driver = Driver::start();
    let s = driver.session(1440, 900);
    s.cdp(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}),
    );
    s.goto(&super::webdriver::serve_dist());
    s.wait_for(
        "the app",
        "document.documentElement.dataset.ready === 'true'",
    );
    choose(&s, "#knob-tls", "1.2-rsa");
    click(&s, "#btn-play");
    let mut seen_flying = 0;
    for _ in 0..12 {
        sleep(150);
        seen_flying += s
            .js("return document.querySelectorAll('.flying').length;")
            .as_u64()
            .unwrap_or(0);
    }
    assert_eq!(seen_flying, 0, "tokens flew with reduced motion");
    s.wait_for(
        "a step change",
        "parseInt(document.querySelector('.insp-meta span').textContent.split(' ')[1]) > 1",
    );
    s.assert_no_errors();
}

#[test]
fn clicking_an_arrow_selects_it() {
    let sc = Scenario {
        tls: TlsChoice::Tls13,
        ..Scenario::default()
    };
    let j = run(&sc);
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    click(&s, "#btn-last");
    for step in ["tls.server_hello", "dns.query.root", "http.response"] {
        click(&s, &format!("[data-step='{step}']"));
        assert_eq!(step_id(&s), step);
        let e = j.trace.find(StepId::parse(step).unwrap()).unwrap();
        assert_eq!(s.text("#insp-time"), e.at.to_string());
        assert_eq!(s.text("#insp-summary"), e.summary());
        assert!(s.text(".insp-spec a").len() > 5);
        let current = s.js("return document.querySelector('.row[aria-current]').dataset.step;");
        assert_eq!(current, step);
    }
    s.screenshot("inspector-1440x900");
    s.assert_no_errors();
}

fn axe(s: &Session) -> Vec<String> {
    s.js(&axe_source());
    let result = s.js_async(
        "const done = arguments[arguments.length - 1]; \
         axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => [v.impact, v.id, v.help, v.nodes.length, v.nodes.slice(0,3).map(n => n.target.join(' ')).join(' | ')])), e => done([['error', String(e), '', 0, '']]));",
    );
    result
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|v: &Value| matches!(v[0].as_str(), Some("serious" | "critical" | "error")))
        .map(|v| format!("{} {}: {} ({} nodes: {})", v[0], v[1], v[2], v[3], v[4]))
        .collect()
}

#[test]
fn axe_finds_no_serious_violations() {
    let driver = Driver::start();
    for (w, h, dark) in [(1440, 900, false), (390, 844, false), (1440, 900, true)] {
        let s = open(&driver, w, h);
        if dark {
            s.dark_mode(true);
        }
        // Look at a journey in progress, with messages and the inspector full.
        for _ in 0..14 {
            click(&s, "#btn-forward");
        }
        let found = axe(&s);
        assert!(
            found.is_empty(),
            "axe at {w}x{h} dark={dark}:\n{}",
            found.join("\n")
        );
        let name = format!("mid-journey-{w}x{h}{}", if dark { "-dark" } else { "" });
        s.screenshot(&name);
        s.assert_no_errors();
    }
}

#[test]
fn knob_menus_follow_presets_after_a_hand_picked_option() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    let tls = |s: &Session| s.js("return document.querySelector('#knob-tls').value;");
    // A hand-picked option, then presets that set the knob both ways.
    choose(&s, "#knob-tls", "1.2-rsa");
    choose(&s, "#knob-preset", "default");
    s.wait_for(
        "TLS 1.3",
        "document.querySelector('#knob-tls').value === '1.3'",
    );
    choose(&s, "#knob-preset", "tls12-rsa");
    s.wait_for(
        "the preset's TLS",
        "document.querySelector('#insp-step') !== null && document.querySelector('#knob-tls').value === '1.2-rsa'",
    );
    assert_eq!(tls(&s), "1.2-rsa");
    s.assert_no_errors();
}

/// Each lane's head stands over its lifeline, also once the rows scroll and the browser draws
/// a scrollbar that takes room from them (the head and the rows are two drawings scaled to their
/// boxes' widths; the rows' box used to lose the scrollbar's width, and the heads drifted by up
/// to its 15 px).
#[test]
fn lane_heads_stand_over_their_lifelines() {
    let driver = Driver::start();
    for (w, h) in [(1440, 900), (1024, 700), (390, 844)] {
        let s = driver.session_showing_scrollbars(w, h);
        s.goto(&super::serve_dist());
        s.wait_for(
            "the app",
            "document.documentElement.dataset.ready === 'true'",
        );
        s.click(&s.find("#btn-last"));
        s.wait_for(
            "the rows to scroll",
            "(() => { const e = document.querySelector('.seq-scroll'); return e.scrollHeight > e.clientHeight; })()",
        );
        let v = s.js(
            "const x = (e) => { const r = e.getBoundingClientRect(); return r.left + r.width / 2; };
             const lines = [...document.querySelectorAll('.seq .lifeline')].map(x);
             const heads = [...document.querySelectorAll('.seq-head .lane-head')].map((t) =>
               [t.textContent, Math.min(...lines.map((l) => Math.abs(l - x(t))))]);
             const e = document.querySelector('.seq-scroll');
             return [heads, e.offsetWidth - e.clientWidth];",
        );
        let heads = v[0].as_array().expect("the heads").clone();
        assert!(!heads.is_empty(), "{w}×{h}: no lane heads");
        for head in &heads {
            let off = head[1].as_f64().unwrap_or(f64::INFINITY);
            assert!(
                off < 1.5,
                "{w}×{h}: the head {} is {off:.1} px off its lifeline (scrollbar {} px)",
                head[0],
                v[1]
            );
        }
        println!(
            "{w}×{h}: {} heads over their lifelines, scrollbar {} px",
            heads.len(),
            v[1]
        );
        s.screenshot(&format!("lane-heads-{w}x{h}"));
    }
}
