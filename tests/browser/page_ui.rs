//! The page-load views in real Chromium: the socket pools draining their queue, the waterfall
//! with its phases and blocked requests, the same-origin panel, and the editor that re-runs the
//! load. Expected values come from running the same model natively.

use super::webdriver::Session;
use super::{open, paste, Driver};
use wirewalk::model::load::{self, Outcome, PageLoad};
use wirewalk::model::pages;
use wirewalk::model::time::Instant;

fn native(name: &str) -> PageLoad {
    load::run(&pages::preset(name).unwrap()).unwrap()
}

fn show(s: &Session, css: &str) {
    s.js(&format!(
        "document.querySelector('{css}').scrollIntoView({{block: 'start'}});"
    ));
}

fn choose_page(s: &Session, name: &str) {
    s.click(&s.find(&format!("#pl-preset option[value='{name}']")));
    s.wait_for(
        "the page to load",
        &format!(
            "document.querySelector('#pl-editor textarea') && document.querySelector('#pl-preset').value === '{name}'"
        ),
    );
}

/// Moves the page-load scrubber to `t`, rounded up to the scrubber's tenths of a millisecond.
fn seek(s: &Session, t: Instant) {
    s.js(&format!(
        "const r = document.querySelector('#pl-scrubber'); r.value = '{}'; r.dispatchEvent(new Event('input', {{bubbles: true}}));",
        t.micros().div_ceil(100)
    ));
}

/// The page does not scroll sideways at the viewport's width.
fn assert_fits(s: &Session) {
    assert_eq!(
        s.js("return document.documentElement.scrollWidth <= window.innerWidth;"),
        true,
        "the page scrolls sideways"
    );
}

fn chips(s: &Session) -> usize {
    s.js("return document.querySelectorAll('#pl-pools .chip').length;")
        .as_u64()
        .unwrap_or(0) as usize
}

/// A page opens at its end, as DevTools shows a finished load: every bar drawn under a time
/// ruler; Play starts it over.
#[test]
fn the_page_load_opens_at_its_end_under_a_ruler() {
    let l = native("many-images");
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    show(&s, "#pl-waterfall");
    let end = format!("{:.1}", l.end.as_ms());
    assert_eq!(s.text("#pl-time"), format!("{end} / {end} ms"));
    let drawn = s.js(
        "return [...document.querySelectorAll('#pl-waterfall .wf-row')].map(r => r.querySelectorAll('.seg').length);",
    );
    let drawn: Vec<usize> = serde_json::from_value(drawn).unwrap();
    let phases: Vec<usize> = l.requests.iter().map(|r| r.phases.len()).collect();
    let mut by_start: Vec<&load::Request> = l.requests.iter().collect();
    by_start.sort_by_key(|r| (r.start, r.id));
    assert_eq!(
        drawn,
        by_start.iter().map(|r| r.phases.len()).collect::<Vec<_>>()
    );
    assert!(phases.iter().sum::<usize>() > 0);
    let ticks = s.js(
        "return [...document.querySelectorAll('#pl-waterfall .wf-tick')].map(t => t.textContent);",
    );
    assert_eq!(
        ticks,
        serde_json::json!([
            "200 ms", "400 ms", "600 ms", "800 ms", "1.0 s", "1.2 s", "1.4 s", "1.6 s"
        ])
    );
    // DOMContentLoaded and load, as the model has them, drawn as DevTools draws them.
    let marks = s.js("return [document.querySelector('#pl-marks').textContent, [...document.querySelectorAll('#pl-waterfall .wf-mark')].map(m => m.dataset.mark)];");
    let (dcl, onload) = (
        l.timing.dom_content_loaded_event_start,
        l.timing.load_event_start,
    );
    assert!(dcl > 0.0 && onload > dcl, "{dcl} {onload}");
    assert_eq!(
        marks,
        serde_json::json!([
            format!("DOMContentLoaded {dcl:.1} msload {onload:.1} ms"),
            ["dcl", "load"]
        ])
    );
    s.screenshot("waterfall-at-end-1440x900");
    s.click(&s.find("#pl-play"));
    s.wait_for(
        "play to start over",
        &format!("!document.querySelector('#pl-time').textContent.startsWith('{end} /')"),
    );
    s.assert_no_errors();
}

/// One scenario drives both views: the journey's network and TLS version, from the link or the
/// knobs, are the page load's too.
#[test]
fn the_page_load_takes_the_journeys_network_and_tls() {
    use wirewalk::model::scenario::{Profile, ProfileName, TlsChoice};
    use wirewalk::timeline::page::{summary, LoadView};
    let expected = |profile: ProfileName, tls: TlsChoice| {
        let mut sc = pages::preset("multi-origin").unwrap();
        sc.set_network(&Profile::builtin(profile), tls);
        let l = load::run(&sc).unwrap();
        summary(&l, &LoadView::new(&l), false)
    };
    let driver = Driver::start();
    let s = super::open_at(
        &driver,
        1440,
        900,
        "?tls=1.2-rsa&profile=intercontinental&page=multi-origin",
    );
    show(&s, "#page-load");
    let far = expected(ProfileName::Intercontinental, TlsChoice::Tls12Rsa);
    assert!(far.contains("RTT 225.0 ms"), "{far}");
    assert_eq!(s.text("#pl-summary"), far);
    // A knob changed in the journey loads the page again.
    s.click(&s.find("#knob-tls option[value='1.3']"));
    let near = expected(ProfileName::Intercontinental, TlsChoice::Tls13);
    s.wait_for(
        "the page to load again",
        &format!(
            "document.querySelector('#pl-summary').textContent === {}",
            serde_json::json!(near)
        ),
    );
    s.assert_no_errors();
}

/// A page of 1,000 requests: every request has its row, only those in view are in the document,
/// and the arrow keys move between requests (by start), scrolling and announcing as they go.
#[test]
fn a_thousand_request_waterfall_scrolls_and_steps_by_key() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    show(&s, "#page-load");
    let html: String = (0..1_000)
        .map(|i| format!("<img src=/i/{i}.png>"))
        .collect();
    paste(&s, "#pl-html", &html);
    s.wait_for(
        "the 1,001-request load",
        "document.querySelector('#pl-summary').textContent.startsWith('1001 requests')",
    );
    show(&s, "#pl-waterfall");
    let drawn = s.js("return document.querySelectorAll('#pl-waterfall .wf-row').length;");
    assert!(
        drawn.as_u64().is_some_and(|n| n < 80),
        "{drawn} rows in the document"
    );
    // The first row, then ↓ five times: the sixth request by start, focused and announced.
    s.click(&s.find("#pl-waterfall .wf-row[data-id='1']"));
    let row = s.find("#pl-waterfall .wf-row[data-id='1']");
    for _ in 0..5 {
        s.type_text(&row, "\u{E015}");
    }
    let at = s.js("const a = document.activeElement; return [a.dataset.id, a.getAttribute('aria-pressed'), document.querySelector('#pl-detail').getAttribute('aria-live')];");
    assert_eq!(at, serde_json::json!(["6", "true", "polite"]));
    assert!(
        s.text("#pl-detail h3").starts_with("#6 "),
        "{}",
        s.text("#pl-detail h3")
    );
    // ↓ 40 more: the list scrolls along, drawing the rows that come into view.
    for _ in 0..40 {
        s.js("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));");
    }
    s.wait_for(
        "the 46th request focused",
        "document.activeElement && document.activeElement.dataset.id === '46'",
    );
    let scrolled = s.js("return document.querySelector('#pl-waterfall .wf-rows').scrollTop;");
    assert!(scrolled.as_f64().is_some_and(|t| t > 0.0), "{scrolled}");
    s.js("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowUp', bubbles: true}));");
    s.wait_for(
        "the 45th",
        "document.activeElement && document.activeElement.dataset.id === '45'",
    );
    s.screenshot("waterfall-1000-1440x900");
    s.assert_no_errors();
}

#[test]
fn pools_view_animates_the_queue_draining() {
    let l = native("many-images");
    // The moment the most requests wait in the pool, from the model (a request joins the
    // queue when it asks the pool, after any hold in the renderer).
    let group = &l.groups[0].group;
    let peak = l
        .queue(group)
        .iter()
        .map(|q| q.from)
        .max_by_key(|t| l.waiting_at(group, *t).len())
        .unwrap();
    let waiting = l.waiting_at(group, peak).len();
    assert_eq!(waiting, 14);
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    show(&s, "#page-load");
    assert!(s
        .text("#pl-summary")
        .starts_with("21 requests, 6 connections, 14 waited"));
    assert_eq!(chips(&s), 0, "nothing waits at the start");
    seek(&s, peak);
    s.wait_for(
        "the queue",
        "document.querySelectorAll('#pl-pools .chip').length > 0",
    );
    assert_eq!(chips(&s), waiting);
    // Six slots, all connecting or busy.
    let states =
        s.js("return [...document.querySelectorAll('#pl-pools .slot')].map(e => e.dataset.state);");
    let states: Vec<String> = serde_json::from_value(states).unwrap();
    assert_eq!(states.len(), 6);
    assert!(
        states.iter().all(|c| c == "connecting" || c == "busy"),
        "{states:?}"
    );
    show(&s, "#pl-pools");
    s.screenshot("pools-queued-1440x900");
    // Play: the queue drains into the slots, a few requests at a time.
    s.click(&s.find("#pl-play"));
    let mut seen = vec![chips(&s)];
    for _ in 0..400 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let n = chips(&s);
        if seen.last() != Some(&n) {
            seen.push(n);
        }
        if n == 0 {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&0), "the queue never drained: {seen:?}");
    assert!(seen.windows(2).all(|w| w[1] < w[0]), "{seen:?}");
    assert!(seen.len() >= 4, "drained in one jump: {seen:?}");
    s.wait_for(
        "the load to finish",
        "document.querySelector('#pl-play').textContent.includes('Play')",
    );
    assert!(
        s.js("return [...document.querySelectorAll('#pl-pools .slot')].every(e => e.dataset.state === 'idle');")
            == true,
        "every socket is idle at the end"
    );
    s.assert_no_errors();
}

#[test]
fn waterfall_and_same_origin_panel_show_each_blocked_request() {
    let l = native("multi-origin");
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "multi-origin");
    seek(&s, l.end);
    let rows = s.js("return document.querySelectorAll('#pl-waterfall .wf-row').length;");
    assert_eq!(rows, l.requests.len());
    // Every blocked request is marked in the waterfall and its message is in the console.
    let blocked: Vec<&load::Request> = l
        .requests
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Blocked { .. }))
        .collect();
    assert_eq!(blocked.len(), 2);
    assert_eq!(
        s.js(
            "return document.querySelectorAll('#pl-waterfall .wf-row[data-blocked] .wf-blocked').length;"
        ),
        2
    );
    let console = s.text("#pl-console");
    for r in &blocked {
        let Outcome::Blocked {
            console: msg, rule, ..
        } = &r.outcome
        else {
            unreachable!()
        };
        assert!(console.contains(msg.as_str()), "{console}");
        s.click(&s.find(&format!("#pl-waterfall .wf-row[data-id='{}']", r.id)));
        s.wait_for(
            "the detail",
            &format!(
                "document.querySelector('#pl-detail h3').textContent.startsWith('#{} ')",
                r.id
            ),
        );
        assert!(s.text("#pl-verdict").contains(rule.as_ref()));
        assert_eq!(s.text("#pl-detail .console-line"), *msg);
        // The origins compared part by part: the host differs.
        let host = s.text("#pl-same-origin tr[data-equal=false] th");
        assert_eq!(host, "host");
    }
    // A phase's "why" is on screen for the selected request.
    let font = l
        .requests
        .iter()
        .find(|r| r.url.ends_with("brand.woff2"))
        .unwrap();
    s.click(&s.find(&format!("#pl-waterfall .wf-row[data-id='{}']", font.id)));
    let table = s.text("#pl-detail table.phases");
    for p in &font.phases {
        assert!(
            table.contains(p.name.label()) && table.contains(&*p.why),
            "{table}"
        );
    }
    show(&s, "#pl-waterfall");
    s.screenshot("waterfall-multi-origin-1440x900");
    show(&s, "#pl-detail");
    s.screenshot("same-origin-panel-1440x900");
    // The same-origin table stays inside its card, the pools' names break between their parts
    // (never mid-word), from 1024 to 1440 px.
    for width in [1024, 1280, 1440] {
        s.set_viewport(width, 900);
        let fit = s.js(
            "const t = document.querySelector('#pl-same-origin'), c = t.closest('.card');              return [t.getBoundingClientRect().right <= c.getBoundingClientRect().right + 0.5,                [...document.querySelectorAll('#pl-pools .pool-name code')].every(e => e.querySelector('wbr'))];",
        );
        assert_eq!(fit, serde_json::json!([true, true]), "at {width} px");
    }
    s.screenshot("same-origin-panel-1440x900-fitted");
    s.set_viewport(1024, 900);
    show(&s, "#pl-detail");
    s.screenshot("same-origin-panel-1024x900");
    s.set_viewport(1440, 900);
    // The phone width: no horizontal scrolling.
    s.set_viewport(390, 844);
    show(&s, "#page-load");
    assert_fits(&s);
    s.screenshot("page-load-390x844");
    s.assert_no_errors();
}

#[test]
fn the_editor_reruns_the_load_and_keeps_text_as_text() {
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "multi-origin");
    s.click(&s.find("#pl-editor summary"));
    // Headers: dropping X-Frame-Options lets the frame load.
    let text: String = s
        .js("return document.querySelector('#pl-headers').value;")
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("X-Frame-Options: DENY"));
    paste(
        &s,
        "#pl-headers",
        &text.replace("X-Frame-Options: DENY\n", ""),
    );
    s.wait_for(
        "the re-run",
        "document.querySelector('#pl-summary').textContent.includes('1 blocked')",
    );
    // A mistake keeps the last good load and says what is wrong.
    paste(&s, "#pl-headers", "Oops: no URL first");
    assert!(s.text("#pl-error").contains("line 1"));
    assert!(s.text("#pl-summary").contains("1 blocked"));
    // HTML: the page the user writes is what loads.
    paste(
        &s,
        "#pl-html",
        "<img src=/a.png><img src=/b.png><script>fetch('/c.json')</script>",
    );
    s.wait_for(
        "the re-run",
        "document.querySelector('#pl-summary').textContent.startsWith('4 requests')",
    );
    // Hostile text stays text: nothing is created from it, nothing runs.
    let imgs = s.js("return document.querySelectorAll('img').length;");
    let payload = "\"><img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><iframe src=javascript:window.__pwned=3>";
    s.clear(&s.find("#pl-html"));
    s.type_text(&s.find("#pl-html"), payload);
    s.wait_for(
        "the re-run",
        "document.querySelector('#pl-summary').textContent.startsWith('2 requests')",
    );
    assert_eq!(
        s.js("return document.querySelectorAll('img').length;"),
        imgs
    );
    assert_eq!(s.js("return window.__pwned === undefined;"), true);
    assert_eq!(
        s.js("return document.querySelector('#pl-html').value;")
            .as_str(),
        Some(payload)
    );
    show(&s, "#pl-editor");
    s.screenshot("page-editor-1440x900");
    s.assert_no_errors();
}

/// The same page over HTTP/1.1, HTTP/2 and HTTP/3 (issue 19): three waterfalls on one time
/// axis, drawn, with the load times the model gives for each; no sideways scroll at 390 px.
#[test]
fn the_page_compares_three_protocols_on_one_time_axis() {
    let sc = pages::preset("many-images").unwrap();
    let want: Vec<(String, f64)> = load::over_each_protocol(&sc)
        .into_iter()
        .map(|(p, l)| (p.name().to_string(), l.unwrap().end.as_ms()))
        .collect();
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    show(&s, "#pl-compare");
    s.js("document.querySelector('#pl-compare').open = true;");
    s.click(&s.find("#pl-compare-run"));
    s.wait_for(
        "the three waterfalls",
        "document.querySelectorAll('#pl-compare-panels .cmp-panel').length === 3",
    );
    let titles =
        s.js("return [...document.querySelectorAll('.cmp-title')].map(e => e.textContent);");
    let titles: Vec<String> = serde_json::from_value(titles).unwrap();
    assert_eq!(titles.len(), 3, "{titles:?}");
    for ((name, end), title) in want.iter().zip(&titles) {
        let rest = title
            .strip_prefix(&format!("{name} · loaded in "))
            .unwrap_or_else(|| panic!("{title}"));
        let shown: f64 = rest.split(' ').next().unwrap().parse().unwrap();
        assert!((shown - end).abs() < 0.06, "{name}: {shown} vs {end}");
    }
    // A row per request in each, on one axis: the longest load's last bar reaches the end.
    let rows = s.js("return [...document.querySelectorAll('.cmp-panel')].map(p => p.querySelectorAll('.cmp-row').length);");
    assert_eq!(rows, serde_json::json!([21, 21, 21]));
    // HTTP/3 is the fastest of the three on this page, as the model computes it.
    assert!(want[2].1 < want[1].1 && want[1].1 < want[0].1, "{want:?}");
    show(&s, "#pl-compare");
    s.screenshot("page-compare-1440x900");
    s.set_viewport(390, 844);
    show(&s, "#pl-compare");
    assert_fits(&s);
    s.screenshot("page-compare-390x844");
    s.assert_no_errors();
}

/// The realtime preset in the app: the WebSocket's row with a tick per message, its handshake
/// in the detail, and the four ways compared as a table over four waterfalls, each figure the
/// model's own.
#[test]
fn the_realtime_page_shows_its_socket_and_compares_four_ways() {
    let l = native("realtime");
    let ws = l
        .requests
        .iter()
        .find(|r| r.destination == "websocket")
        .unwrap();
    let rows = wirewalk::model::realtime::compare().unwrap();
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "realtime");
    let ticks = s.js(&format!(
        "return document.querySelectorAll('.wf-row[data-id=\"{}\"] .wf-msg').length;",
        ws.id
    ));
    assert_eq!(
        ticks,
        serde_json::json!(ws.messages.len()),
        "a tick per message"
    );
    show(&s, "#pl-realtime");
    s.js("document.querySelector('#pl-realtime').open = true;");
    s.click(&s.find("#pl-realtime-run"));
    s.wait_for(
        "the four waterfalls",
        "document.querySelectorAll('#pl-realtime .cmp-panel').length === 4",
    );
    let table = s.js("return [...document.querySelectorAll('#pl-realtime-table tbody tr')].map(tr => [...tr.children].map(c => c.textContent));");
    let table: Vec<Vec<String>> = serde_json::from_value(table).unwrap();
    assert_eq!(table.len(), 4);
    for ((_, _, r), shown) in rows.iter().zip(&table) {
        assert_eq!(shown[0], r.technique.name());
        assert_eq!(shown[1], r.requests.to_string());
        assert_eq!(shown[3], r.bytes_per_update.to_string());
    }
    show(&s, "#pl-realtime");
    s.screenshot("page-realtime-1440x900");
    s.set_viewport(390, 844);
    show(&s, "#pl-realtime");
    assert_fits(&s);
    s.screenshot("page-realtime-390x844");
    s.assert_no_errors();
}

/// Seven event streams on one HTTP/1.1 origin: at two seconds the pools show six sockets held
/// by open streams and the seventh stream waiting beside them (the image, which the preload
/// scanner found first, has come and gone); at four and a half, the seventh has the socket of
/// the first stream, which its server ended, and the page's first refresh waits in its place.
#[test]
fn the_pools_show_sockets_held_by_streams_and_what_waits() {
    let l = native("event-streams");
    let by_path = |path: &str| l.requests.iter().find(|r| r.url.ends_with(path)).unwrap();
    let (seventh, refresh) = (by_path("/events/7"), by_path("/api/portfolio"));
    assert!(seventh.queued && refresh.queued);
    assert!(!by_path("/chart.png").queued);
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "event-streams");
    let at = |ms: u64, waits: &load::Request, not: &load::Request| {
        seek(&s, Instant::from_micros(ms * 1000));
        let held = s.js("return [...document.querySelectorAll('#pl-pools .slot')].filter(e => e.textContent.includes('held by an open event stream')).length;");
        assert_eq!(held, serde_json::json!(6), "at {ms} ms");
        let chips = s.js(
            "return [...document.querySelectorAll('#pl-pools .chip')].map(e => e.textContent);",
        );
        let chips: Vec<String> = serde_json::from_value(chips).unwrap();
        assert!(
            chips.contains(&format!("#{}", waits.id)),
            "{ms} ms: {chips:?}"
        );
        assert!(
            !chips.contains(&format!("#{}", not.id)),
            "{ms} ms: {chips:?}"
        );
    };
    at(2000, seventh, refresh);
    show(&s, "#pl-pools");
    s.screenshot("page-event-streams-pools-1440x900");
    at(4500, refresh, seventh);
    s.assert_no_errors();
}

/// A WebSocket over HTTP/2 (RFC 8441): no socket of its own in the pools, a stream of the
/// page's connection; its bar has a tick per message, and its detail says how it opened.
#[test]
fn the_websocket_over_http2_is_a_stream_of_the_pages_connection() {
    let l = native("websocket-h2");
    let ws = (l.requests.iter())
        .find(|r| r.destination == "websocket")
        .unwrap();
    let stream = ws.websocket.as_ref().and_then(|h| h.http2_stream).unwrap();
    assert_eq!(ws.connection, l.requests[0].connection);
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "websocket-h2");
    let ticks = s.js(&format!(
        "return document.querySelectorAll('.wf-row[data-id=\"{}\"] .wf-msg').length;",
        ws.id
    ));
    assert_eq!(ticks, serde_json::json!(ws.messages.len()));
    // At three seconds the page's connection carries the socket alone, as a shared stream.
    seek(&s, Instant::from_micros(3_000_000));
    let slots =
        s.js("return [...document.querySelectorAll('#pl-pools .slot')].map(e => e.textContent);");
    let slots: Vec<String> = serde_json::from_value(slots).unwrap();
    assert!(
        slots.iter().any(
            |t| t.contains(&format!("#{}", ws.id)) && t.contains("a WebSocket stream (shared)")
        ),
        "{slots:?}"
    );
    let groups = s.js(
        "return [...document.querySelectorAll('#pl-pools .pool-name')].map(e => e.textContent);",
    );
    let groups: Vec<String> = serde_json::from_value(groups).unwrap();
    assert!(groups.iter().all(|g| !g.contains("ws/")), "{groups:?}");
    s.click(&s.find(&format!("#pl-waterfall .wf-row[data-id='{}']", ws.id)));
    s.wait_for(
        "the detail",
        &format!(
            "document.querySelector('#pl-detail h3').textContent.startsWith('#{} ')",
            ws.id
        ),
    );
    let note = s.text("#pl-websocket");
    assert!(note.contains(&format!("stream {stream}")), "{note}");
    assert!(note.contains("extended CONNECT"), "{note}");
    assert!(
        note.contains("offered chat.v2, chat.v1; the server chose chat.v1"),
        "{note}"
    );
    show(&s, "#pl-pools");
    s.screenshot("page-websocket-h2-1440x900");
    show(&s, "#pl-detail");
    s.screenshot("page-websocket-h2-detail-1440x900");
    s.set_viewport(390, 844);
    show(&s, "#pl-detail");
    assert_fits(&s);
    s.screenshot("page-websocket-h2-390x844");
    s.assert_no_errors();
}

/// A synchronous XHR freezes the main thread: the waterfall's main-thread lane shows the span,
/// from the script's `send()` to the answer, and says why.
#[test]
fn the_main_thread_lane_shows_a_synchronous_xhr_freezing_the_page() {
    let l = native("xhr");
    assert_eq!(l.main_thread.len(), 1);
    let frozen = &l.main_thread[0];
    let driver = Driver::start();
    let s = open(&driver, 1440, 900);
    choose_page(&s, "xhr");
    let spans = s.js("return [...document.querySelectorAll('#pl-main-thread .seg-frozen')].map(e => e.getAttribute('title'));");
    let spans: Vec<String> = serde_json::from_value(spans).unwrap();
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert!(
        spans[0].contains(&format!("synchronous XMLHttpRequest #{}", frozen.request)),
        "{}",
        spans[0]
    );
    // Before the script runs there is nothing on the lane.
    seek(&s, Instant::from_micros(frozen.start.micros() / 2));
    let none = s.js("return document.querySelectorAll('#pl-main-thread .seg-frozen').length;");
    assert_eq!(none, serde_json::json!(0));
    seek(&s, l.end);
    show(&s, "#pl-waterfall");
    s.screenshot("page-xhr-main-thread-1440x900");
    s.set_viewport(390, 844);
    show(&s, "#pl-waterfall");
    assert_fits(&s);
    s.screenshot("page-xhr-main-thread-390x844");
    s.assert_no_errors();
}
