//! `make bench`, part two: the web app in headless Chromium (Debian's), on the release bundle
//! served from 127.0.0.1. Prints one table with each figure beside its budget and writes
//! `target/bench/ui.json`. A figure over budget is printed as such; it does not fail the run.
//!
//! - ready: navigation start to the `wirewalk-ready` mark (first full render), median of 7 loads
//!   in one running browser with its HTTP cache disabled (a first visit, not a browser start);
//!   the part until the `wirewalk-start` mark (the module fetched and compiled, `main` running) is
//!   recorded beside it, the rest being the first render
//! - step: a click on "step forward", made at the start of a frame, until all its work is done
//!   and the page can paint: the median of 40 is held to the budget (16 ms, one frame); the p95
//!   and the time to the next frame, which adds the wait for vsync, are recorded beside it
//! - frame: p95 of frame-to-frame times during 4 s of playback at 4×, every view on screen
//! - heap: `performance.memory.usedJSHeapSize` after load
//! - bundle as served: the bytes Chromium received for the page and everything it loaded
//!   (Resource Timing's `encodedBodySize`), from `cargo xtask serve`, which sends the Zopfli-made
//!   gzip copies `make build` writes (xtask/src/compress.rs); this is the figure the budget is for
//! - bundle, gzip -9: every file of `dist/` compressed by `gzip -9`, as a host that compresses on
//!   the fly at its best setting would send it (recorded beside it, no budget)

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
    let mut served = -1.0;
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
            served = s
                .js("const n = performance.getEntriesByType('navigation')[0]; \
                     return [n, ...performance.getEntriesByType('resource')] \
                       .reduce((sum, e) => sum + e.encodedBodySize, 0);")
                .as_f64()
                .unwrap_or(-1.0)
                / 1000.0;
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
    s.js("document.querySelector('#btn-first').click(); document.querySelectorAll('.speed')[4].click();");
    // Frame times (ms between animation frames) for `ms` of real time: `start` runs first, and
    // `each` at every frame.
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
    let mut frames = sample(4000, "document.querySelector('#btn-play').click();", "");
    let frame_count = frames.len();
    s.assert_no_errors();
    // The waterfall at scale: a page of 1,000 images, played, then scrolled 200 px a frame.
    s.js("document.querySelector('#btn-play').click();");
    s.js("const t = document.querySelector('#pl-html'); \
         t.value = Array.from({length: 1000}, (_, i) => `<img src=/i/${i}.png>`).join(''); \
         t.dispatchEvent(new Event('input', {bubbles: true}));");
    s.wait_for(
        "the 1,001-request page",
        "document.querySelector('#pl-summary').textContent.startsWith('1001 requests')",
    );
    let mut wf_play = sample(3000, "document.querySelector('#pl-play').click();", "");
    s.js("document.querySelector('#pl-play').click();");
    let mut wf_scroll = sample(
        3000,
        "const r = document.querySelector('#pl-waterfall .wf-rows'); r.scrollTop = 0;",
        "r.scrollTop += 200;",
    );
    s.assert_no_errors();

    let rows = [
        (
            "bundle as served (gzip by Zopfli), received",
            served,
            "KB",
            250.0,
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
            150.0,
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
            16.0,
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
            "frame time during playback at 4× (p95)",
            percentile(&mut frames, 95.0),
            "ms",
            20.0,
        ),
        ("JS heap after load", heap, "MB", f64::INFINITY),
        (
            "1,000-request waterfall: frame time while the load plays (p95)",
            percentile(&mut wf_play, 95.0),
            "ms",
            16.7,
        ),
        (
            "1,000-request waterfall: frame time while it scrolls (p95)",
            percentile(&mut wf_scroll, 95.0),
            "ms",
            16.7,
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
