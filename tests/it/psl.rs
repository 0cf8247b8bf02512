//! The Public Suffix List's own test cases (`psl/test_psl.json`) against
//! `model::site::SuffixList`, with the list they assume (`psl/public_suffix_list.dat`).

use serde_json::Value;
use wirewalk::model::site::SuffixList;

#[test]
fn public_suffix_list_test_cases() {
    let dir = crate::conformance_dir().join("psl");
    let list = SuffixList::parse(
        &std::fs::read_to_string(dir.join("public_suffix_list.dat"))
            .expect("public_suffix_list.dat"),
    );
    assert!(list.len() > 9000, "only {} rules read", list.len());
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("test_psl.json")).expect("test_psl.json"),
    )
    .expect("JSON");
    let cases = cases["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for c in cases {
        let expected = c["registrable_domain"].as_str();
        let got = c["input"].as_str().and_then(|h| list.registrable_domain(h));
        // The list's expectations are compared in ASCII so Unicode and punycode forms agree.
        let norm = |s: Option<&str>| s.map(::url::quirks::domain_to_ascii);
        if norm(got.as_deref()) != norm(expected) {
            failures.push(format!(
                "{:?}: expected {expected:?}, got {got:?} ({})",
                c["input"], c["group"]
            ));
        }
    }
    assert!(cases.len() >= 78);
    assert!(
        failures.is_empty(),
        "{} of {} PSL cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
