//! The model stays pure: no web crate, no clock, no hash-map iteration order.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The pure files: `src/model/**` and, once it exists, `src/timeline.rs`.
fn pure_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("model"), &mut files);
    let timeline = root.join("timeline.rs");
    if timeline.is_file() {
        files.push(timeline);
    }
    files.sort();
    assert!(
        !files.is_empty(),
        "no model sources found under {}",
        root.display()
    );
    files
        .into_iter()
        .map(|f| {
            let text =
                std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f, text)
        })
        .collect()
}

/// Code without `//` comments, so a doc that mentions a crate by name is not a violation.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("")))
}

fn find_words(words: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for (file, text) in pure_sources() {
        for (n, line) in code_lines(&text) {
            for w in words {
                let found = line.match_indices(w).any(|(i, _)| {
                    let before = line[..i].chars().next_back();
                    let after = line[i + w.len()..].chars().next();
                    let ident =
                        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    !ident(before) && !ident(after)
                });
                if found {
                    hits.push(format!("{}:{n}: {w}: {}", file.display(), line.trim()));
                }
            }
        }
    }
    hits
}

#[test]
fn model_names_no_web_crate() {
    let hits = find_words(&[
        "yew",
        "web_sys",
        "js_sys",
        "gloo",
        "wasm_bindgen",
        "wasm_bindgen_futures",
    ]);
    assert!(
        hits.is_empty(),
        "the model must not use web crates:\n{}",
        hits.join("\n")
    );
}

#[test]
fn model_reads_no_clock_and_no_hash_order() {
    let hits = find_words(&[
        "Instant::now",
        "SystemTime",
        "HashMap",
        "HashSet",
        "thread_rng",
        "RandomState",
    ]);
    assert!(
        hits.is_empty(),
        "the model must be deterministic:\n{}",
        hits.join("\n")
    );
}

/// The web crates are the bundle's (wasm32) dependencies. Natively they exist only for the
/// build-time renderer: optional, enabled by the `ssr` feature alone, which no default enables
/// (the CLI, the model and the tests build without them).
#[test]
fn web_crates_are_wasm32_only_dependencies() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    const WEB: [&str; 6] = [
        "yew",
        "web-sys",
        "js-sys",
        "gloo",
        "wasm-bindgen",
        "wasm_split_helpers",
    ];
    let mut section = String::new();
    let mut native = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section == "[features]" {
            let (name, deps) = line.split_once('=').unwrap_or((line, ""));
            let name = name.trim();
            for web in WEB {
                if deps.contains(&format!("\"dep:{web}\"")) {
                    assert_eq!(name, "ssr", "only `ssr` may enable {web}");
                }
            }
            assert!(
                name != "default" || !deps.contains("ssr"),
                "`ssr` must not be a default feature"
            );
        }
        for web in WEB {
            if line.starts_with(&format!("{web} ")) || line.starts_with(&format!("{web}=")) {
                match section.as_str() {
                    "[target.'cfg(target_arch = \"wasm32\")'.dependencies]" => {}
                    "[target.'cfg(not(target_arch = \"wasm32\"))'.dependencies]" => {
                        assert!(
                            line.contains("optional = true"),
                            "{web} natively must be optional (the `ssr` feature's)"
                        );
                        native.push(web);
                    }
                    other => panic!("{web} must be a wasm32-only dependency, not in {other}"),
                }
            }
        }
    }
    // Each native web crate is one the `ssr` feature names.
    let ssr = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("ssr ="))
        .unwrap_or_default();
    for web in native {
        assert!(
            ssr.contains(&format!("\"dep:{web}\"")),
            "{web} is native but not enabled by `ssr`"
        );
    }
}

/// The detector itself: it finds what it must, and ignores comments.
#[test]
fn detector_finds_a_web_crate() {
    let line = "use yew::prelude::*; // gloo in a comment";
    let code: Vec<_> = code_lines(line).collect();
    assert!(code[0].1.contains("yew"));
    assert!(!code[0].1.contains("gloo"));
}
