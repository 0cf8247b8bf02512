//! `make bench`, part one: the model, natively, measured by criterion. The budgets are the
//! one-engine issue's (#15), for a load with every connection's messages in its trace:
//!
//! - one navigation (six presets, HTTP/3 and DNS over HTTPS among them): budget 0.2 ms each;
//! - a page of 100 sub-resources on 10 origins: budget 2 ms; the same page over HTTP/3, with
//!   every QUIC packet of every response: recorded;
//! - pages of 1,000 and 10,000 sub-resources on 100 origins: 10,000 within 100 ms, and its
//!   peak heap (measured by a counting allocator around one load) within 64 MB;
//! - growth from 1,000 to 10,000: the time ratio against n log n's (13.3×): at most 1.5 times
//!   that; and from 10,000 to 19,999, the most a page may have (the engine's cap,
//!   `load::MAX_REQUESTS`, is 20,000 requests with the document: a 100,000-request page is cut
//!   there, so the 100k is measured at the cap instead);
//! - a page of 1,000 sub-resources on 1,000 origins (recorded: every host is looked up, every
//!   origin has its own pool group).
//!
//! Writes `target/bench/model.json`; part two (`benches/ui.rs`) prints the one table of both.
//! A figure over budget is reported as such; it does not fail the run.

use criterion::{black_box, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use wirewalk::model::journey::run;
use wirewalk::model::load;
use wirewalk::model::pages::synthetic;
use wirewalk::model::scenario::preset;

const NAVIGATIONS: [&str; 6] = [
    "default",
    "tls12-rsa-client-cert",
    "keep-alive-off",
    "fresh-cache",
    // QUIC and HTTP/3, each response cut into packets; DNS over HTTPS, a second connection.
    "http3",
    "secure-dns",
];
/// (sub-resources, origins, budget in ms).
const PAGES: [(usize, usize, f64); 4] = [
    (100, 10, 2.0),
    (1_000, 100, f64::INFINITY),
    (10_000, 100, 100.0),
    (load::MAX_REQUESTS - 1, 100, f64::INFINITY),
];

/// The system allocator, counting the bytes live and their peak while [`peak_mb`] measures:
/// the benchmark's memory figure. The timed runs are not counted, so they pay nothing for it
/// (the counters are atomic read-modify-writes, a cost per allocation the model does not have).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn count(bytes: isize) {
    if COUNTING.load(Relaxed) {
        let now = LIVE.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(now, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            count(l.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        count(-(l.size() as isize));
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new_size) };
        if !q.is_null() {
            count(new_size as isize - l.size() as isize);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most heap one load of `sc` holds at once, in MB (what it holds before is not counted).
fn peak_mb(sc: &load::PageScenario) -> f64 {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let l = load::run(sc);
    let peak = PEAK.load(Relaxed);
    drop(l);
    COUNTING.store(false, Relaxed);
    peak.max(0) as f64 / 1e6
}

fn mean_ms(root: &std::path::Path, id: &str) -> Option<f64> {
    // Criterion writes a function named "a/b" to the directory "a_b", and the function "b" of
    // the group "a" to "a/b".
    let dir = root.join("criterion");
    [dir.join(id.replace('/', "_")), dir.join(id)]
        .iter()
        .find_map(|d| std::fs::read_to_string(d.join("new/estimates.json")).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["mean"]["point_estimate"].as_f64())
        .map(|ns| ns / 1e6)
}

fn row(name: &str, value: Option<f64>, unit: &str, budget: f64) -> serde_json::Value {
    let verdict = match value {
        None => "not measured",
        Some(_) if budget.is_infinite() => "recorded",
        Some(v) if v <= budget => "within budget",
        Some(_) => "OVER BUDGET",
    };
    serde_json::json!({
        "measurement": name,
        "value": value,
        "unit": unit,
        "budget": if budget.is_infinite() { None } else { Some(budget) },
        "verdict": verdict,
    })
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for p in NAVIGATIONS {
        let Some(sc) = preset(p) else {
            eprintln!("bench: no preset {p}");
            std::process::exit(1);
        };
        c.bench_function(&format!("navigation/{p}"), |b| {
            b.iter(|| run(black_box(&sc)))
        });
    }
    {
        let mut g = c.benchmark_group("page");
        g.sample_size(10);
        for (n, origins, _) in PAGES {
            let sc = synthetic(n, origins);
            match load::run(&sc) {
                Ok(l) if l.requests.len() == n + 1 => {}
                other => {
                    eprintln!(
                        "bench: the {n}-request page did not load as expected: {:?}",
                        other.map(|l| l.requests.len())
                    );
                    std::process::exit(1);
                }
            }
            g.bench_function(format!("{n}-requests-{origins}-origins"), |b| {
                b.iter(|| load::run(black_box(&sc)))
            });
        }
        // The 100-request page over HTTP/3: every response in 1-RTT packets, each datagram's
        // way a delivery of its own, and the browser's acknowledgments.
        let h3 = synthetic(100, 10).with_protocol(load::Protocol::H3);
        g.bench_function("100-requests-10-origins-h3", |b| {
            b.iter(|| load::run(black_box(&h3)))
        });
        let wide = synthetic(1_000, 1_000);
        g.bench_function("1000-requests-1000-origins", |b| {
            b.iter(|| load::run(black_box(&wide)))
        });
        g.finish();
    }
    c.final_summary();

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let mut rows = Vec::new();
    for p in NAVIGATIONS {
        rows.push(row(
            &format!("model: one navigation ({p})"),
            mean_ms(&root, &format!("navigation/{p}")),
            "ms",
            0.2,
        ));
    }
    let mut page = Vec::new();
    for (n, origins, budget) in PAGES {
        let v = mean_ms(&root, &format!("page/{n}-requests-{origins}-origins"));
        page.push(v);
        rows.push(row(
            &format!("model: page of {n} requests on {origins} origins, every message"),
            v,
            "ms",
            budget,
        ));
    }
    rows.push(row(
        "model: peak heap of the 10,000-request page on 100 origins",
        Some(peak_mb(&synthetic(10_000, 100))),
        "MB",
        64.0,
    ));
    rows.push(row(
        "model: page of 100 requests on 10 origins over HTTP/3, every packet",
        mean_ms(&root, "page/100-requests-10-origins-h3"),
        "ms",
        f64::INFINITY,
    ));
    rows.push(row(
        "model: page of 1000 requests on 1000 origins",
        mean_ms(&root, "page/1000-requests-1000-origins"),
        "ms",
        f64::INFINITY,
    ));
    // Growth between the pages on 100 origins, against n log n's: at most 1.5 times that.
    for (a, b) in [(1, 2), (2, 3)] {
        let (n, m) = (PAGES[a].0 as f64, PAGES[b].0 as f64);
        let nlogn = m * m.ln() / (n * n.ln());
        let ratio = match (page[a], page[b]) {
            (Some(x), Some(y)) if x > 0.0 => Some(y / x),
            _ => None,
        };
        rows.push(row(
            &format!(
                "model: growth {} → {} requests (n log n: {nlogn:.2}×)",
                PAGES[a].0, PAGES[b].0
            ),
            ratio,
            "×",
            nlogn * 1.5,
        ));
    }
    let out = root.join("bench");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(
            out.join("model.json"),
            serde_json::to_string_pretty(&rows).unwrap_or_default(),
        );
        println!("written: {}", out.join("model.json").display());
    }
}
