//! `make bench`: how long the model takes to build a journey's trace, natively.
//!
//! Criterion measures; then one table is printed with each figure beside its budget (one
//! navigation: under 1 ms), and `target/bench/model.json` is written. A figure over budget is
//! printed as such; it does not fail the run.

use criterion::{black_box, Criterion};
use std::path::PathBuf;
use wirewalk::model::scenario::preset;
use wirewalk::model::world::run;

const CASES: [(&str, &str, f64); 4] = [
    ("navigation/default", "default", 1.0),
    (
        "navigation/tls12-rsa-client-cert",
        "tls12-rsa-client-cert",
        1.0,
    ),
    ("navigation/keep-alive-off", "keep-alive-off", 1.0),
    ("navigation/fresh-cache", "fresh-cache", 1.0),
];

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for (name, p, _) in CASES {
        let Some(sc) = preset(p) else {
            eprintln!("bench: no preset {p}");
            std::process::exit(1);
        };
        c.bench_function(name, |b| b.iter(|| run(black_box(&sc))));
    }
    c.final_summary();

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let mut rows = Vec::new();
    println!(
        "\n{:<40} {:>12} {:>12}  verdict",
        "benchmark", "mean", "budget"
    );
    for (name, _, budget_ms) in CASES {
        // Criterion writes "group/name" to the directory "group_name".
        let est = root
            .join("criterion")
            .join(name.replace('/', "_"))
            .join("new/estimates.json");
        let mean_ms = std::fs::read_to_string(&est)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["mean"]["point_estimate"].as_f64())
            .map(|ns| ns / 1e6);
        let (shown, verdict) = match mean_ms {
            Some(ms) if ms <= budget_ms => (format!("{ms:.3} ms"), "within budget"),
            Some(ms) => (format!("{ms:.3} ms"), "OVER BUDGET"),
            None => ("not measured".to_string(), "no data"),
        };
        println!(
            "{name:<40} {shown:>12} {:>12}  {verdict}",
            format!("< {budget_ms} ms")
        );
        rows.push(serde_json::json!({"benchmark": name, "mean_ms": mean_ms, "budget_ms": budget_ms, "within_budget": mean_ms.is_some_and(|m| m <= budget_ms)}));
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
