//! `make bench`, part two: the web app in headless Chromium (Debian's), on the release bundle
//! served from 127.0.0.1. Prints one table with each figure beside its budget and writes
//! `target/bench/ui.json`. A figure over budget is printed as such; it does not fail the run.
//!
//! The budgets are the one-app issue's (16):
//!
//! - first visit: a new browser with an empty profile for each load (a newcomer's first visit),
//!   14 of them, interleaved with loads of a 2 KB static page served the same way (the floor):
//!   first contentful paint (held to the static page's + 30 ms) and `wirewalk-ready` (≤ 150 ms),
//!   medians; and the long tasks (over 50 ms) of the main thread until ready (none allowed)
//! - ready: navigation start to the `wirewalk-ready` mark (first full render), median of 7 loads
//!   in one running browser with its HTTP cache disabled (≤ 100 ms); the part until the
//!   `wirewalk-start` mark (the module fetched and compiled, `main` running) is recorded beside
//!   it, the rest being the first render
//! - bytes: what Chromium received (Resource Timing's `encodedBodySize`) from `cargo xtask
//!   serve`, which sends the Zopfli-made gzip copies `make build` writes: those whose response
//!   ended before `wirewalk-ready` (≤ 150 KB) and all of them once the page is idle (≤ 300 KB)
//! - step: a click on "step forward", made at the start of a frame, until all its work is done
//!   (the next macrotask): the median of 40 (≤ 5 ms); the p95 and the time to the next frame,
//!   which adds the wait for vsync, are recorded beside it
//! - frame: during 4 s of playback at 4×, every view on screen, each frame's work (the
//!   animation callbacks, Yew's render, style, layout and paint): the frame-to-frame time in a
//!   browser whose frames are not held to the display (`--disable-frame-rate-limit
//!   --disable-gpu-vsync`: the next frame starts when this one is done), p95 ≤ 8.4 ms (a 120 Hz
//!   frame); the frame-to-frame time at the display's 60 Hz is recorded beside it
//! - the 1,000-request waterfall: the same frame figures while the load plays and while its list
//!   scrolls 200 px a frame (≤ 16.7 ms)
//! - heap: `performance.memory.usedJSHeapSize` after load
//! - bundle, gzip -9: every file of `dist/` compressed by `gzip -9`, as a host that compresses on
//!   the fly at its best setting would send it (recorded, no budget)

#![allow(clippy::disallowed_methods)] // a benchmark waits on real time

#[path = "../tests/browser/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::io::Write;
use webdriver::{dist_dir, serve_dist, Driver};

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes).expect("write to gzip");
    }
    child.wait_with_output().expect("gzip output").stdout.len()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to configure.
    let dist = dist_dir();
    let mut bundle = 0;
    for entry in std::fs::read_dir(&dist).expect("dist/").flatten() {
        let p = entry.path();
        if p.is_file() && p.extension().and_then(|e| e.to_str()) != Some("gz") {
            bundle += gzip_len(&std::fs::read(&p).expect("read"));
        }
    }

    let driver = Driver::start();
    let url = serve_dist();
    let first = first_visits(&driver, &url);
    // One running browser, as a person has; its HTTP cache off, so every load fetches and
    // compiles the bundle as on a first visit.
    let s = driver.session(1440, 900);
    s.cdp("Network.enable", serde_json::json!({}));
    s.cdp(
        "Network.setCacheDisabled",
        serde_json::json!({"cacheDisabled": true}),
    );
    let (mut ready, mut started) = (Vec::new(), Vec::new());
    let mut heap = 0.0;
    let (mut served, mut served_before) = (-1.0, -1.0);
    for i in 0..8 {
        s.goto(&format!("{url}?load={i}"));
        s.wait_for("ready", "document.documentElement.dataset.ready === 'true'");
        let mark = |name: &str| {
            s.js(&format!(
                "const m = performance.getEntriesByName('{name}')[0]; return m ? m.startTime : -1;"
            ))
            .as_f64()
            .unwrap_or(f64::NAN)
        };
        // The first load also starts the renderer process; it is not counted.
        if i > 0 {
            ready.push(mark("wirewalk-ready"));
            started.push(mark("wirewalk-start"));
        }
        if i == 1 {
            // Once idle (a second on), what arrived before ready, and all of it.
            s.js_async("const done = arguments[arguments.length - 1]; setTimeout(done, 1000);");
            let bytes = s.js(
                "const ready = performance.getEntriesByName('wirewalk-ready')[0].startTime; \
                 const all = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]; \
                 const sum = (es) => es.reduce((n, e) => n + e.encodedBodySize, 0); \
                 return [sum(all.filter(e => e.responseEnd <= ready)), sum(all)];",
            );
            served_before = bytes[0].as_f64().unwrap_or(-1.0) / 1000.0;
            served = bytes[1].as_f64().unwrap_or(-1.0) / 1000.0;
            heap = s
                .js("return performance.memory ? performance.memory.usedJSHeapSize : -1;")
                .as_f64()
                .unwrap_or(-1.0)
                / 1e6;
        }
    }
    drop(s);

    let s = driver.session(1440, 900);
    s.goto(&url);
    s.wait_for("ready", "document.documentElement.dataset.ready === 'true'");
    // A step's cost: from the click, at the start of a frame, until all its work is done (the
    // state change, Yew's render microtasks and the DOM updates): the next macrotask. The frame
    // is then painted at the next vsync. Click to that next frame is recorded too.
    let steps = s.js_async(
        "const done = arguments[arguments.length - 1]; const work = [], frame = []; const btn = document.querySelector('#btn-forward');          const ch = new MessageChannel(); let t0 = 0, n = 0;          ch.port1.onmessage = () => { work.push(performance.now() - t0); requestAnimationFrame(() => { frame.push(performance.now() - t0); if (++n < 40) setTimeout(one, 30); else done([work, frame]); }); };          function one() { requestAnimationFrame(() => { t0 = performance.now(); btn.click(); ch.port2.postMessage(0); }); } one();",
    );
    let series = |i: usize| -> Vec<f64> {
        steps[i]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default()
    };
    let (mut steps, mut to_frame) = (series(0), series(1));
    // Frame to frame at the display's 60 Hz, then each frame's work: the same in a browser
    // whose frames are not held to vsync, where the next frame starts when this one is done.
    let mut at_60 = frames(&s);
    s.assert_no_errors();
    drop(s);
    let u = driver.session_with(
        1440,
        900,
        &["--disable-frame-rate-limit", "--disable-gpu-vsync"],
    );
    u.goto(&url);
    u.wait_for("ready", "document.documentElement.dataset.ready === 'true'");
    let mut work = frames(&u);
    u.assert_no_errors();
    drop(u);
    let frame_count = at_60.play.len();

    let rows = [
        (
            "first visit: first contentful paint (median of 14)",
            first.fcp,
            "ms",
            first.static_fcp + 30.0,
        ),
        (
            "first visit: the 2 KB static page's first contentful paint (median of 14)",
            first.static_fcp,
            "ms",
            f64::INFINITY,
        ),
        (
            "first visit: navigation to wirewalk-ready (median of 14)",
            first.ready,
            "ms",
            150.0,
        ),
        (
            "first visit: of it, to main (module fetched, compiled)",
            first.started,
            "ms",
            f64::INFINITY,
        ),
        (
            "first visit: long tasks until ready (most in one load)",
            first.long_tasks,
            "",
            0.0,
        ),
        (
            "bytes received before wirewalk-ready (gzip as served)",
            served_before,
            "KB",
            150.0,
        ),
        (
            "bytes received once the page is idle (gzip as served)",
            served,
            "KB",
            300.0,
        ),
        (
            "bundle, gzip -9 of each file",
            bundle as f64 / 1000.0,
            "KB",
            f64::INFINITY,
        ),
        (
            "navigation to wirewalk-ready (median of 7)",
            percentile(&mut ready, 50.0),
            "ms",
            100.0,
        ),
        (
            "of it, to main (module fetched, compiled)",
            percentile(&mut started, 50.0),
            "ms",
            f64::INFINITY,
        ),
        (
            "step click to updated page (median of 40)",
            percentile(&mut steps.clone(), 50.0),
            "ms",
            5.0,
        ),
        (
            "step click to updated page (p95 of 40)",
            percentile(&mut steps, 95.0),
            "ms",
            f64::INFINITY,
        ),
        (
            "step click to next frame, vsync included (p95)",
            percentile(&mut to_frame, 95.0),
            "ms",
            f64::INFINITY,
        ),
        (
            "playback at 4×: a frame's work (p95)",
            percentile(&mut work.play, 95.0),
            "ms",
            8.4,
        ),
        (
            "playback at 4×: frame to frame (p95)",
            percentile(&mut at_60.play, 95.0),
            "ms",
            f64::INFINITY,
        ),
        ("JS heap after load", heap, "MB", f64::INFINITY),
        (
            "1,000-request waterfall playing: a frame's work (p95)",
            percentile(&mut work.waterfall_play, 95.0),
            "ms",
            16.7,
        ),
        (
            "1,000-request waterfall playing: frame to frame (p95)",
            percentile(&mut at_60.waterfall_play, 95.0),
            "ms",
            f64::INFINITY,
        ),
        (
            "1,000-request waterfall scrolling: a frame's work (p95)",
            percentile(&mut work.waterfall_scroll, 95.0),
            "ms",
            16.7,
        ),
        (
            "1,000-request waterfall scrolling: frame to frame (p95)",
            percentile(&mut at_60.waterfall_scroll, 95.0),
            "ms",
            f64::INFINITY,
        ),
    ];
    let mut json = Vec::new();
    for (name, value, unit, budget) in rows {
        let verdict = if !value.is_finite() || value < 0.0 {
            "not measured"
        } else if budget.is_infinite() {
            "recorded"
        // Browser timestamps come in tenths of a millisecond: a difference of two is that, give
        // or take the float's last bits (16.700000000000728 for 16.7).
        } else if value <= budget + 1e-9 {
            "within budget"
        } else {
            "OVER BUDGET"
        };
        json.push(serde_json::json!({"measurement": format!("browser: {name}"), "value": value, "unit": unit, "budget": if budget.is_infinite() { None } else { Some(budget) }, "verdict": verdict}));
    }
    // One table: the model's figures (written by `--bench model` just before) and these.
    let model: Vec<serde_json::Value> = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/model.json"),
    )
    .ok()
    .and_then(|t| serde_json::from_str(&t).ok())
    .unwrap_or_default();
    if model.is_empty() {
        println!("(no target/bench/model.json: run `make bench` for the model's figures)");
    }
    println!(
        "\n{:<56} {:>12} {:>12}  verdict",
        "measurement", "value", "budget"
    );
    for r in model.iter().chain(json.iter()) {
        let unit = r["unit"].as_str().unwrap_or_default();
        let value = match r["value"].as_f64() {
            Some(v) if unit == "ms" && v < 10.0 => format!("{v:.3} {unit}"),
            // A frame's time beside 16.7 ms needs its second decimal to say which side it is.
            Some(v) if unit == "ms" && v < 100.0 => format!("{v:.2} {unit}"),
            Some(v) => format!("{v:.1} {unit}"),
            None => "-".to_string(),
        };
        let budget = match r["budget"].as_f64() {
            // A derived budget (1.5 × n log n) to one decimal, not its float's every digit.
            Some(b) if b.fract() != 0.0 => format!("≤ {b:.1} {unit}"),
            Some(b) => format!("≤ {b} {unit}"),
            None => "-".to_string(),
        };
        println!(
            "{:<72} {value:>12} {budget:>12}  {}",
            r["measurement"].as_str().unwrap_or_default(),
            r["verdict"].as_str().unwrap_or_default()
        );
    }
    println!("({frame_count} frames sampled during playback)");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&out).expect("target/bench");
    std::fs::write(
        out.join("ui.json"),
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    )
    .expect("write ui.json");
    println!("written: {}", out.join("ui.json").display());
}

/// The first-visit figures: medians over fresh browsers.
struct FirstVisit {
    fcp: f64,
    static_fcp: f64,
    ready: f64,
    started: f64,
    /// The most long tasks one load had before ready.
    long_tasks: f64,
}

/// 14 loads of the app, each in a new browser with an empty profile, interleaved with 14 of a
/// 2 KB static page served by the same server.
fn first_visits(driver: &Driver, url: &str) -> FirstVisit {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/static");
    std::fs::create_dir_all(&dir).expect("target/bench/static");
    let para =
        "<p>A static page of about two kilobytes: the floor a first visit's paint is held to. \
                It has a heading, a few paragraphs of text and nothing else to load.</p>";
    std::fs::write(
        dir.join("index.html"),
        format!(
            "<!doctype html><html lang=en><meta charset=utf-8><title>static</title>\
             <h1>A static page</h1>{}</html>",
            para.repeat(12)
        ),
    )
    .expect("write the static page");
    let server = webdriver::xtask_serve(&dir);
    let fcp = "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : -1;";
    let (mut app, mut floor, mut ready, mut started) = (vec![], vec![], vec![], vec![]);
    let mut long_tasks = 0.0f64;
    for i in 0..14 {
        let s = driver.session(1440, 900);
        s.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({"source": "window.__long = []; new PerformanceObserver(l => window.__long.push(...l.getEntries().map(e => [e.startTime, e.duration]))).observe({type: 'longtask', buffered: true});"}),
        );
        s.goto(&format!("{url}?first={i}"));
        s.wait_for("ready", "document.documentElement.dataset.ready === 'true'");
        s.wait_for(
            "a paint",
            "performance.getEntriesByName('first-contentful-paint').length > 0",
        );
        let mark = |name: &str| {
            s.js(&format!(
                "const m = performance.getEntriesByName('{name}')[0]; return m ? m.startTime : -1;"
            ))
            .as_f64()
            .unwrap_or(f64::NAN)
        };
        let (r, st) = (mark("wirewalk-ready"), mark("wirewalk-start"));
        ready.push(r);
        started.push(st);
        app.push(s.js(fcp).as_f64().unwrap_or(f64::NAN));
        let long = s.js(&format!(
            "return window.__long.filter(e => e[0] < {r}).length;"
        ));
        long_tasks = long_tasks.max(long.as_f64().unwrap_or(0.0));
        drop(s);
        let s = driver.session(1440, 900);
        s.goto(&format!("{server}?first={i}"));
        s.wait_for(
            "a paint",
            "performance.getEntriesByName('first-contentful-paint').length > 0",
        );
        floor.push(s.js(fcp).as_f64().unwrap_or(f64::NAN));
    }
    FirstVisit {
        fcp: percentile(&mut app, 50.0),
        static_fcp: percentile(&mut floor, 50.0),
        ready: percentile(&mut ready, 50.0),
        started: percentile(&mut started, 50.0),
        long_tasks,
    }
}

/// Frame-to-frame times (ms) in three moments: the journey playing at 4×, every view on
/// screen; a page of 1,000 images playing; and its waterfall's list scrolling 200 px a frame.
struct Frames {
    play: Vec<f64>,
    waterfall_play: Vec<f64>,
    waterfall_scroll: Vec<f64>,
}

fn frames(s: &webdriver::Session) -> Frames {
    // Frame-to-frame times for `ms` of real time: `start` runs first, and `each` at every
    // frame.
    let sample = |ms: u32, start: &str, each: &str| -> Vec<f64> {
        s.js_async(&format!(
            "const done = arguments[arguments.length - 1]; const out = []; let last = null; \
             const end = performance.now() + {ms}; {start} \
             function tick(t) {{ {each} if (last !== null) out.push(t - last); last = t; \
               if (t < end) requestAnimationFrame(tick); else done(out); }} \
             requestAnimationFrame(tick);"
        ))
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
    };
    s.js("document.querySelector('#btn-first').click(); document.querySelectorAll('.speed')[4].click();");
    let play = sample(4000, "document.querySelector('#btn-play').click();", "");
    s.js("document.querySelector('#btn-play').click();");
    s.js("const t = document.querySelector('#pl-html'); \
         t.value = Array.from({length: 1000}, (_, i) => `<img src=/i/${i}.png>`).join(''); \
         t.dispatchEvent(new Event('input', {bubbles: true}));");
    s.wait_for(
        "the 1,001-request page",
        "document.querySelector('#pl-summary').textContent.startsWith('1001 requests')",
    );
    let waterfall_play = sample(3000, "document.querySelector('#pl-play').click();", "");
    // Paused for the scroll (a load that ended meanwhile is not started again).
    s.js("const b = document.querySelector('#pl-play'); if (b.getAttribute('aria-pressed') === 'true') b.click();");
    let waterfall_scroll = sample(
        3000,
        "const r = document.querySelector('#pl-waterfall .wf-rows'); r.scrollTop = 0;",
        "r.scrollTop += 200;",
    );
    Frames {
        play,
        waterfall_play,
        waterfall_scroll,
    }
}
