//! `make bench`, part one: the model, natively, measured by criterion.
//!
//! - one navigation (four presets): budget 1 ms each;
//! - a page of 100 sub-resources on 10 origins: budget 5 ms;
//! - pages of 1,000 and 10,000 sub-resources on 10 origins: 10,000 within 300 ms;
//! - growth from 100 to 10,000: the time ratio against n log n's (200): at most that;
//! - a page of 1,000 sub-resources on 1,000 origins (recorded: every host is looked up, every
//!   origin has its own pool group).
//!
//! Writes `target/bench/model.json`; part two (`benches/ui.rs`) prints the one table of both.
//! A figure over budget is reported as such; it does not fail the run.

use criterion::{black_box, Criterion};
use std::path::PathBuf;
use wirewalk::model::load;
use wirewalk::model::pages::synthetic;
use wirewalk::model::scenario::preset;
use wirewalk::model::world::run;

const NAVIGATIONS: [&str; 4] = [
    "default",
    "tls12-rsa-client-cert",
    "keep-alive-off",
    "fresh-cache",
];
const PAGES: [(usize, f64); 3] = [(100, 5.0), (1_000, f64::INFINITY), (10_000, 300.0)];

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
        for (n, _) in PAGES {
            let sc = synthetic(n, 10);
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
            g.bench_function(format!("{n}-requests-10-origins"), |b| {
                b.iter(|| load::run(black_box(&sc)))
            });
        }
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
            1.0,
        ));
    }
    let mut page = Vec::new();
    for (n, budget) in PAGES {
        let v = mean_ms(&root, &format!("page/{n}-requests-10-origins"));
        page.push(v);
        rows.push(row(
            &format!("model: page of {n} requests on 10 origins"),
            v,
            "ms",
            budget,
        ));
    }
    rows.push(row(
        "model: page of 1000 requests on 1000 origins",
        mean_ms(&root, "page/1000-requests-1000-origins"),
        "ms",
        f64::INFINITY,
    ));
    // n log n from 100 to 10,000 grows 10000·ln 10000 / (100·ln 100) = 200 times.
    let ratio = match (page[0], page[2]) {
        (Some(a), Some(b)) if a > 0.0 => Some(b / a),
        _ => None,
    };
    rows.push(row(
        "model: growth 100 → 10,000 requests (n log n: 200×)",
        ratio,
        "×",
        200.0,
    ));
    let out = root.join("bench");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(
            out.join("model.json"),
            serde_json::to_string_pretty(&rows).unwrap_or_default(),
        );
        println!("written: {}", out.join("model.json").display());
    }
}
