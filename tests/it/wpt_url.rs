//! The web-platform-tests URL suite (`wpt-url/urltestdata.json`): every case parsed with
//! `model::url::parse`, its getters and origin compared with the expected ones. Cases the `url`
//! crate is known to get wrong are listed in `KNOWN_FAILURES` with the reason; an unexpected
//! failure, or a known one that starts passing, fails the test.

use serde_json::Value;
use wirewalk::model::url::parse;

const FILE: &str = "file: URLs: the crate predates the standard's rules for file hosts next to a Windows drive letter and for empty leading path segments";
const OPAQUE: &str = "opaque paths: the standard (2023) percent-encodes a space left before ? or #; the crate keeps it";
const IDNA: &str =
    "IDNA: the standard accepts these xn-- labels; the crate's IDNA step rejects them";
const CARET: &str =
    "path percent-encode set: the standard (2024) added ^; the crate leaves it unencoded";
const EMPTYHOST: &str = "a special relative URL starting with /// against a base: the standard skips the empty host; the crate reports an empty host";
const BACKSLASH: &str = "a backslash in a relative reference against a non-special base: the crate treats it as a slash";
const DRIVE: &str =
    "a Windows drive letter in a non-file base path: the crate applies the file: quirk";

/// (input, base, reason): cases on which the `url` crate (2.5) disagrees with the standard.
const KNOWN_FAILURES: &[(&str, Option<&str>, &str)] = &[
    ("file:///w|/m", None, FILE),
    ("non-special:opaque  ?hi", None, OPAQUE),
    ("non-special:opaque  #hi", None, OPAQUE),
    ("non-special:opaque \t\t  \t#hi", None, OPAQUE),
    ("non-special:opaque \t\t  #hi", None, OPAQUE),
    ("non-special:opaque\t\t  \r #hi", None, OPAQUE),
    ("http://a.b.c.xn--pokxncvks", None, IDNA),
    ("http://10.0.0.xn--pokxncvks", None, IDNA),
    ("http://a.b.c.XN--pokxncvks", None, IDNA),
    ("http://a.b.c.Xn--pokxncvks", None, IDNA),
    ("http://10.0.0.XN--pokxncvks", None, IDNA),
    ("http://10.0.0.xN--pokxncvks", None, IDNA),
    ("/", Some("file://h/C:/a/b"), FILE),
    ("file:\\\\//", None, FILE),
    ("file:\\\\\\\\", None, FILE),
    ("file:\\\\\\\\?fox", None, FILE),
    ("file:\\\\\\\\#guppy", None, FILE),
    ("file://spider///", None, FILE),
    ("file:\\\\localhost//", None, FILE),
    ("file://\\/localhost//cat", None, FILE),
    ("file://localhost//a//../..//", None, FILE),
    ("/////mouse", Some("file:///elephant"), FILE),
    ("\\/localhost//pig", Some("file://lion/"), FILE),
    ("//localhost//pig", Some("file://lion/"), FILE),
    ("/..//localhost//pig", Some("file://lion/"), FILE),
    ("C|", Some("file://host/dir/file"), FILE),
    ("C|", Some("file://host/D:/dir1/dir2/file"), FILE),
    ("C|#", Some("file://host/dir/file"), FILE),
    ("C|?", Some("file://host/dir/file"), FILE),
    ("C|/", Some("file://host/dir/file"), FILE),
    ("C|\n/", Some("file://host/dir/file"), FILE),
    ("C|\\", Some("file://host/dir/file"), FILE),
    ("/c:/foo/bar", Some("file://host/path"), FILE),
    ("..", Some("abc://x/y/z/C:/"), DRIVE),
    ("..", Some("file://x/C:/"), FILE),
    ("file://example.net/C:/", None, FILE),
    ("file://1.2.3.4/C:/", None, FILE),
    ("file://[1::8]/C:/", None, FILE),
    ("C|/", Some("file://host/"), FILE),
    ("/C:/", Some("file://host/"), FILE),
    ("file:C:/", Some("file://host/"), FILE),
    ("file:/C:/", Some("file://host/"), FILE),
    ("file://localhost//a//../..//foo", None, FILE),
    ("file://localhost////foo", None, FILE),
    ("file:////foo", None, FILE),
    ("file:////one/two", Some("file:///"), FILE),
    ("////one/two", Some("file:///"), FILE),
    ("file:///.//", Some("file:////"), FILE),
    ("file:.//p", None, FILE),
    ("file:/.//p", None, FILE),
    ("file://xn--/p", None, FILE),
    ("foo://host/ !\"$%&'()*+,-./:;<=>@[\\]^_`{|}~", None, CARET),
    ("wss://host/ !\"$%&'()*+,-./:;<=>@[\\]^_`{|}~", None, CARET),
    ("https://xn--/", None, IDNA),
    ("///test", Some("http://example.org/"), EMPTYHOST),
    ("///\\//\\//test", Some("http://example.org/"), EMPTYHOST),
    (
        "///example.org/path",
        Some("http://example.org/"),
        EMPTYHOST,
    ),
    (
        "///example.org/../path",
        Some("http://example.org/"),
        EMPTYHOST,
    ),
    (
        "///example.org/../../",
        Some("http://example.org/"),
        EMPTYHOST,
    ),
    (
        "///example.org/../path/../../",
        Some("http://example.org/"),
        EMPTYHOST,
    ),
    (
        "///example.org/../path/../../path",
        Some("http://example.org/"),
        EMPTYHOST,
    ),
    ("/\\//\\/a/../", Some("file:///"), FILE),
    ("\\a", Some("foo://foo/a"), BACKSLASH),
    ("\\/a", Some("foo://foo/a"), BACKSLASH),
    ("\\\\a", Some("foo://foo/a"), BACKSLASH),
];

#[test]
fn wpt_urltestdata() {
    let path = crate::conformance_dir().join("wpt-url/urltestdata.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Value> = serde_json::from_str(&text).expect("urltestdata.json is JSON");
    let getters = [
        "href", "protocol", "username", "password", "host", "hostname", "port", "pathname",
        "search", "hash",
    ];
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in cases.iter().filter(|c| c.is_object()) {
        let Some(input) = case["input"].as_str() else {
            continue;
        };
        let base = case["base"].as_str();
        ran += 1;
        let got = parse(input, base);
        let problem = if case["failure"].as_bool() == Some(true) {
            got.as_ref()
                .ok()
                .map(|p| format!("expected failure, got {}", p.getters.href))
        } else {
            match &got {
                Err(e) => Some(format!("expected success, got error: {}", e.message)),
                Ok(p) => {
                    let g = serde_json::to_value(&p.getters).expect("getters serialize");
                    let mut diff = Vec::new();
                    for name in getters {
                        if case[name] != g[name] {
                            diff.push(format!("{name}: expected {} got {}", case[name], g[name]));
                        }
                    }
                    if let Some(origin) = case["origin"].as_str() {
                        if origin != p.getters.origin {
                            diff.push(format!(
                                "origin: expected {origin} got {}",
                                p.getters.origin
                            ));
                        }
                    }
                    let joined: String = p
                        .segments
                        .iter()
                        .filter(|s| !s.implied)
                        .map(|s| s.text.as_str())
                        .collect();
                    if joined != p.getters.href {
                        diff.push(format!("segments rebuild {joined:?}, not href"));
                    }
                    (!diff.is_empty()).then(|| diff.join("; "))
                }
            }
        };
        let known = KNOWN_FAILURES
            .iter()
            .any(|(i, b, _)| *i == input && *b == base);
        match (problem, known) {
            (Some(p), false) => failures.push(format!("{input:?} (base {base:?}): {p}")),
            (None, true) => failures.push(format!(
                "{input:?} is listed as a known failure but passes: remove it"
            )),
            _ => {}
        }
    }
    assert!(ran > 800, "only {ran} cases found in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} of {ran} WPT URL cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every listed case must exist in the data (a stale entry is a silent skip).
    for (i, b, reason) in KNOWN_FAILURES {
        assert!(
            cases
                .iter()
                .any(|c| c["input"] == *i && c["base"].as_str() == *b),
            "known failure {i:?} ({reason}) is not in the suite any more: remove it"
        );
    }
    println!(
        "WPT urltestdata: {ran} cases, {} known failures",
        KNOWN_FAILURES.len()
    );
}
