//! Files in and out of the app. Save HAR and Save SVG hand over exactly what the model writes
//! natively for the same view (the HAR of the page load, the waterfall, the sequence diagram up
//! to the step on screen), as downloads with their names. Open HAR replays a recording in the
//! waterfall and the pools: a HAR the app saved comes back as the same waterfall, a Chrome-like
//! recording shows its connections and failures, a real Chrome NetLog shows its real sockets,
//! and a broken or huge file is refused with the view left as it was.

use crate::open_at;
use crate::webdriver::Session;
use wirewalk::model::scenario::{Scenario, VISIT_UNIX_TIME};
use wirewalk::model::{har, har_replay, journey, load, pages};
use wirewalk::svg;
use wirewalk::timeline::fixed;

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

/// Clicks `button` and returns the file it offered — its name, its type and its content as
/// `read` (a Blob method's promise, `t` the result) gives it back.
fn offered(s: &Session, button: &str, read: &str) -> serde_json::Value {
    let before = s.js("return window.__files.length;").as_u64().unwrap_or(0);
    s.click(&s.find(button));
    s.wait_for(
        "the download",
        &format!("window.__files.length > {before} && window.__files[{before}].name"),
    );
    s.js_async(&format!(
        "const done = arguments[arguments.length - 1];
         const f = window.__files[{before}];
         {read}.then((t) => done([f.name, f.type, t]));"
    ))
}

/// Clicks `button` and returns the file it offered: (name, type, text).
fn save(s: &Session, button: &str) -> (String, String, String) {
    let v = offered(s, button, "f.blob.text()");
    let part = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (part(0), part(1), part(2))
}

/// Clicks `button` and returns the binary file it offered: (name, type, bytes).
fn save_bytes(s: &Session, button: &str) -> (String, String, Vec<u8>) {
    let v = offered(
        s,
        button,
        "f.blob.arrayBuffer().then((b) => Array.from(new Uint8Array(b)))",
    );
    let bytes = v[2]
        .as_array()
        .map(|a| a.iter().map(|b| b.as_u64().unwrap_or(0) as u8).collect())
        .unwrap_or_default();
    let part = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (part(0), part(1), bytes)
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
    let j = journey::run(&Scenario::default());
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
    let j = journey::run(&Scenario::default());
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

const CHROME_LIKE: &str = include_str!("../common/chrome_like.har");

/// Opens `text` through the page load's file input, as a file called `name` (what choosing it
/// in the file dialog does).
fn open_har(s: &Session, name: &str, text: &str) {
    choose_file(s, name, &serde_json::to_string(text).unwrap());
}

/// Chooses a file called `name` whose content is the JavaScript expression `content`.
fn choose_file(s: &Session, name: &str, content: &str) {
    let name = serde_json::to_string(name).unwrap();
    s.js(&format!(
        "const dt = new DataTransfer();
         dt.items.add(new File([{content}], {name}, {{type: 'application/json'}}));
         const i = document.querySelector('#pl-open-har');
         i.files = dt.files;
         i.dispatchEvent(new Event('change', {{bubbles: true}}));"
    ));
}

/// The page load at its end: the summary line, and each waterfall row's URL, kind and priority,
/// and phases (name and place).
fn waterfall_at_end(s: &Session) -> (String, serde_json::Value) {
    s.js(
        "const r = document.querySelector('#pl-scrubber'); r.value = r.max;
          r.dispatchEvent(new Event('input', {bubbles: true}));",
    );
    let rows = s.js(
        "return [...document.querySelectorAll('#pl-waterfall .wf-row')].map((r) => [
           r.querySelector('.wf-url').textContent, r.querySelector('.wf-meta').textContent,
           [...r.querySelectorAll('.seg')].map((g) => g.dataset.ph + ' ' + g.getAttribute('style'))]);",
    );
    (s.text("#pl-summary"), rows)
}

#[test]
fn a_har_the_app_saved_opens_as_the_same_waterfall() {
    let driver = crate::Driver::start();
    for preset in ["many-images", "http2"] {
        let s = open_at(&driver, 1440, 900, &format!("?page={preset}"));
        catch_downloads(&s);
        let (_, _, text) = save(&s, "#pl-save-har");
        let (summary, rows) = waterfall_at_end(&s);
        let slots =
            |s: &Session| s.js("return document.querySelectorAll('#pl-pools .slot').length;");
        let simulated_slots = slots(&s);
        assert!(rows.as_array().is_some_and(|r| r.len() > 1), "{rows}");
        open_har(&s, "saved.har", &text);
        s.wait_for(
            "the recording",
            "document.querySelector('#pl-har') !== null",
        );
        assert!(s.text("#pl-har").contains("Replaying saved.har"));
        let (replayed_summary, replayed) = waterfall_at_end(&s);
        assert_eq!(replayed, rows, "{preset}: the same waterfall");
        // The same requests, connections and queueing; the network figures are the recording's.
        // A HAR names connections only through its entries: one that carried nothing (over
        // HTTP/2, the browser's second connection at the navigation's start) is not in it.
        let counts = |t: &str| t.split(" · ").next().unwrap_or_default().to_string();
        let model = load::run(&pages::preset(preset).expect("a preset")).expect("loads");
        let all = model.connections.len();
        let used = model
            .connections
            .iter()
            .filter(|c| !c.uses.is_empty())
            .count();
        let expected = counts(&summary).replace(
            &format!("{all} connections"),
            &format!("{used} connections"),
        );
        assert_eq!(counts(&replayed_summary), expected, "{preset}");
        // The same slots in the pools, but for the idle connections the file cannot name.
        let shown = simulated_slots.as_u64().unwrap_or(0) - (all - used) as u64;
        assert_eq!(slots(&s), serde_json::json!(shown), "{preset}");
        s.js("document.querySelector('#pl-har').scrollIntoView({block: 'center'});");
        s.screenshot(&format!("har-replayed-{preset}"));
        // Back to the simulation.
        s.click(&s.find("#pl-leave-har"));
        s.wait_for(
            "the simulation",
            "document.querySelector('#pl-har') === null",
        );
        assert_eq!(waterfall_at_end(&s), (summary, rows));
        s.assert_no_errors();
    }
}

#[test]
fn a_chrome_recording_opens_with_its_connections_and_failures() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "");
    open_har(&s, "news.har", CHROME_LIKE);
    s.wait_for(
        "the recording",
        "document.querySelector('#pl-har') !== null",
    );
    let native = har_replay::replay(&har_replay::parse(CHROME_LIKE).unwrap(), "news.har").unwrap();
    waterfall_at_end(&s);
    let summary = s.text("#pl-summary");
    assert!(
        summary.starts_with(&format!(
            "{} requests, {} connections",
            native.requests.len(),
            native.connections.len()
        )),
        "{summary}"
    );
    // Every phase of every row, with the "why" the replay wrote from the recording's figures.
    let titles = s.js(
        "return [...document.querySelectorAll('#pl-waterfall .wf-row')].map((r) =>
           [...r.querySelectorAll('.seg')].map((g) => g.title));",
    );
    let want: Vec<Vec<String>> = native
        .requests
        .iter()
        .map(|r| {
            r.phases
                .iter()
                .map(|p| {
                    format!(
                        "{}: {} ms: {}",
                        p.name,
                        fixed((p.end.micros() - p.start.micros()) as f64 / 1000.0, 1),
                        p.why
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(titles, serde_json::json!(want), "the data: URL is skipped");
    assert!(s.text("#pl-console").contains("net::ERR_NAME_NOT_RESOLVED"));
    // The pools show the recording's connections, one slot each (the image reused the
    // document's HTTP/2 connection, so it opened none).
    let used =
        s.js("return document.querySelectorAll('#pl-pools .slot:not([data-state=free])').length;");
    assert_eq!(used.as_u64(), Some(native.connections.len() as u64));
    assert_eq!(native.connections.len(), 3);
    s.js("document.querySelector('#pl-har').scrollIntoView({block: 'start'});");
    s.screenshot("har-chrome-like");
    s.assert_no_errors();
}

#[test]
fn a_broken_or_huge_har_is_refused_and_the_view_stays() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?page=many-images");
    let before = waterfall_at_end(&s);
    let cut = &CHROME_LIKE[..CHROME_LIKE.len() / 2];
    for (name, text, says) in [
        (
            "cut.har",
            cut,
            "not a HAR file or NetLog: the JSON is malformed",
        ),
        (
            "words.har",
            "hello",
            "not a HAR file or NetLog: the JSON is malformed",
        ),
        ("empty.har", "{\"log\": {}}", "it has no log.entries list"),
        (
            "odd.har",
            "{\"log\": {\"entries\": [{\"request\": 1}]}}",
            "entry 1: it has no response",
        ),
        (
            "markup.har",
            "<img src=x onerror=alert(1)>",
            "not a HAR file",
        ),
        ("array.har", "{\"log\": []}", "it has no log.entries list"),
        (
            "inherited.har",
            "{\"log\": {\"entries\": {\"length\": 1}}}",
            "it has no log.entries list",
        ),
    ] {
        open_har(&s, name, text);
        s.wait_for(
            "the refusal",
            &format!(
                "(document.querySelector('#pl-error') || {{}}).textContent?.includes('{name}')"
            ),
        );
        let error = s.text("#pl-error");
        assert!(error.contains(says), "{name}: {error}");
        assert_eq!(waterfall_at_end(&s), before, "{name}: the view stays");
        assert!(s.js("return document.querySelector('#pl-har') === null;") == true);
    }
    // A valid recording whose text is markup shows it as text.
    let hostile = CHROME_LIKE
        .replace("net::ERR_NAME_NOT_RESOLVED", "<img src=x onerror=alert(1)>")
        .replace(
            "https://ads.example/x.js",
            "https://ads.example/<b>x</b>.js",
        );
    open_har(&s, "<img src=x onerror=alert(2)>.har", &hostile);
    s.wait_for(
        "the recording",
        "document.querySelector('#pl-har') !== null",
    );
    assert!(s
        .text("#pl-har")
        .contains("<img src=x onerror=alert(2)>.har"));
    assert!(s
        .text("#pl-console")
        .contains("<img src=x onerror=alert(1)>"));
    assert!(
        s.js("return document.querySelectorAll('img[src=x], #page-load b').length === 0;") == true
    );
    s.click(&s.find("#pl-leave-har"));
    s.wait_for(
        "the simulation",
        "document.querySelector('#pl-har') === null",
    );
    assert_eq!(waterfall_at_end(&s), before);
    // 70 MB: refused by its size, before a byte of it is read.
    choose_file(&s, "huge.har", "new Uint8Array(70 * 1000 * 1000)");
    s.wait_for(
        "the refusal",
        "(document.querySelector('#pl-error') || {}).textContent?.includes('huge.har')",
    );
    let error = s.text("#pl-error");
    assert!(
        error.contains("70000000 bytes, over the limit of 64 MiB for a NetLog (32 MiB for a HAR"),
        "{error}"
    );
    assert_eq!(waterfall_at_end(&s), before);
    // No markup was made from the file's text.
    assert!(s.js("return document.querySelectorAll('img[src=x]').length === 0;") == true);
    s.assert_no_errors();
}

/// A real Chrome NetLog (`chromium-recordings/h1-mixed`, Chromium 156) opens through the same
/// file input: its 19 requests and 8 real sockets, the document's socket connected ahead, the
/// stalls at the group's limit said on the waterfall's phases, and what a NetLog leaves out.
/// Cut short, it still opens, saying so; of an unknown version, it is refused and the view
/// stays.
#[test]
fn a_chrome_netlog_opens_with_its_real_sockets() {
    let path = crate::conformance_dir().join("chromium-recordings/h1-mixed/netlog.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let native = har_replay::replay_recording(
        &wirewalk::model::netlog::open(&text).expect("reads"),
        "netlog.json",
    )
    .expect("replays");
    assert_eq!((native.requests.len(), native.connections.len()), (19, 8));
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?page=many-images");
    let before = waterfall_at_end(&s);
    open_har(&s, "netlog.json", &text);
    s.wait_for(
        "the recording",
        "document.querySelector('#pl-har') !== null",
    );
    waterfall_at_end(&s);
    let summary = s.text("#pl-summary");
    assert!(
        summary.starts_with("19 requests, 8 connections"),
        "{summary}"
    );
    let used =
        s.js("return document.querySelectorAll('#pl-pools .slot:not([data-state=free])').length;");
    assert_eq!(used.as_u64(), Some(8));
    let page = s.text("#page-load");
    assert!(
        page.contains("a Chrome NetLog from Chromium 156.0.8078.114"),
        "{page}"
    );
    assert!(page.contains("with no request waiting"), "{page}");
    let titles = s.js(
        "return [...document.querySelectorAll('#pl-waterfall .seg')].map((g) => g.title).join('\\n');",
    );
    assert!(
        titles
            .as_str()
            .is_some_and(|t| t.contains("SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP")),
        "{titles}"
    );
    s.js("document.querySelector('#pl-pools').scrollIntoView({block: 'start'});");
    s.screenshot("netlog-h1-mixed");
    // Cut short: read up to the cut, with a note.
    open_har(&s, "cut.json", &text[..text.len() * 3 / 5]);
    s.wait_for(
        "the cut-short recording",
        "(document.querySelector('#pl-har') || {}).textContent?.includes('cut.json')",
    );
    assert!(s.text("#page-load").contains("the file was cut short"));
    s.click(&s.find("#pl-leave-har"));
    // An unknown format version: refused, the simulation stays.
    let v2 = text.replacen("\"logFormatVersion\":1", "\"logFormatVersion\":2", 1);
    open_har(&s, "v2.json", &v2);
    s.wait_for(
        "the refusal",
        "(document.querySelector('#pl-error') || {}).textContent?.includes('v2.json')",
    );
    assert!(s.text("#pl-error").contains("unknown format version (2)"));
    assert_eq!(waterfall_at_end(&s), before);
    s.assert_no_errors();
}

/// "Download capture": the journey's pcapng, byte for byte what the model writes natively for
/// the same journey, made by a module fetched on the first click (the cryptography is in no
/// module the first screen loads). tshark reads the downloaded file and decrypts its TLS.
#[test]
fn download_capture_gives_the_journeys_pcapng() {
    use wirewalk::model::{capture, pcapng};
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "");
    catch_downloads(&s);
    let split = "return performance.getEntriesByType('resource').some((e) => e.name.includes('split_capture-'));";
    assert_eq!(
        s.js(split),
        false,
        "the capture's module waits for the click"
    );
    let (name, mime, bytes) = save_bytes(&s, "#seq-save-pcap");
    assert_eq!(name, "wirewalk-journey.pcapng");
    assert_eq!(mime, "application/vnd.tcpdump.pcap");
    let j = journey::run(&Scenario::default());
    let native = capture::from_trace(&j.trace, j.unix_time).expect("a capture");
    assert_eq!(
        bytes,
        pcapng::write(&native),
        "the app's capture is the model's"
    );
    assert_eq!(s.js(split), true, "the click fetched the capture's module");
    // Wireshark's reader decrypts what the app offered.
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("app-journey.pcapng");
    std::fs::write(&file, &bytes).expect("write");
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-Y",
            "http.request",
            "-T",
            "fields",
            "-e",
            "http.request.uri",
        ])
        .output()
        .expect("tshark (scripts/bootstrap.sh installs it)");
    let u = &j.url.as_ref().expect("a URL").getters;
    let document = format!("{}{}", u.pathname, u.search);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{document}\n/api/data\n")
    );
    s.screenshot("files-capture-button");
    s.assert_no_errors();
}

/// The page load's "Download capture": the load's pcapng, byte for byte the model's.
#[test]
fn download_capture_gives_the_page_loads_pcapng() {
    use wirewalk::model::{capture, pcapng};
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?page=many-images");
    catch_downloads(&s);
    let (name, _, bytes) = save_bytes(&s, "#pl-save-pcap");
    assert_eq!(name, "wirewalk-many-images.pcapng");
    let l = load::run(&pages::preset("many-images").unwrap()).unwrap();
    let native = capture::from_trace(&l.trace, VISIT_UNIX_TIME).expect("a capture");
    assert_eq!(
        bytes,
        pcapng::write(&native),
        "the app's capture is the model's"
    );
    s.assert_no_errors();
}

/// A WebSocket's messages travel in the HAR the app saves (`_webSocketMessages`) and come back
/// as the ticks on its bar when the app opens the file, with a note on what a HAR leaves out.
#[test]
fn a_saved_websockets_messages_come_back_as_ticks() {
    let model = load::run(&pages::preset("realtime").expect("a preset")).expect("loads");
    let ws = (model.requests.iter())
        .find(|r| r.destination == "websocket")
        .unwrap();
    let data = (ws.messages.iter())
        .filter(|m| matches!(m.kind, load::MessageKind::Text | load::MessageKind::Binary))
        .count();
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?page=realtime");
    catch_downloads(&s);
    let (_, _, text) = save(&s, "#pl-save-har");
    assert!(text.contains("_webSocketMessages"));
    open_har(&s, "ticker.har", &text);
    s.wait_for(
        "the recording",
        "document.querySelector('#pl-har') !== null",
    );
    let ticks = s.js(&format!(
        "return document.querySelectorAll('.wf-row[data-id=\"{}\"] .wf-msg').length;",
        ws.id
    ));
    assert_eq!(ticks, serde_json::json!(data), "a tick per data message");
    assert!(
        s.text("#pl-notes").contains("_webSocketMessages"),
        "{}",
        s.text("#pl-notes")
    );
    s.js("document.querySelector('#pl-har').scrollIntoView({block: 'start'});");
    s.screenshot("har-replayed-realtime");
    s.assert_no_errors();
}
