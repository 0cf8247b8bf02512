//! International host names in the bundle. There the browser's URL parser does UTS #46
//! (web/idna replaces the `idna` crate), not `idna` with ICU4X as natively, so this compares the two on
//! every web-platform-tests URL case that has a non-ASCII character or a Punycode label, and on
//! a list of our own: the bundle must give the native parser's result, or, where it does not,
//! exactly what Chromium's `new URL` gives.

use crate::webdriver::Driver;
use crate::{conformance_dir, open};
use serde_json::{json, Value};
use wirewalk::model::url::parse;

/// Ours: the hosts a learner is likely to type, and the rules IDNA applies to them.
const OWN: &[&str] = &[
    "http://bücher.example/",
    "https://MÜNCHEN.de/",
    "http://faß.de/",
    "http://ＥＸＡＭＰＬＥ.com/",
    "http://１２３.example/",
    "http://例え.テスト/",
    "http://مثال.إختبار/",
    "http://a.١٢٣/",
    "http://☃.net/",
    "http://xn--n3h.net/",
    "http://xn--bcher-kva.example/",
    "http://xn--BCHER-KVA.example/",
    "http://example-ü.com/",
    "http://ab-\u{301}.com/",
    "http://\u{301}a.com/",
    "http://a\u{200D}b.com/",
    "http://क्\u{200D}.in/",
    "http://a_ü.com/",
    "http://ü!.com/",
    "http://a\u{3002}b\u{FF0E}c.com/",
    "http://a\u{FF0F}b.com/",
    "http://a\u{AD}b.com/",
    "http://1ش.com/",
    "http://aש.com/",
    // The joiner rules (RFC 5892 CONTEXTJ).
    "http://\u{915}\u{94D}\u{200C}\u{937}.in/",
    "http://\u{915}\u{200C}\u{937}.in/",
    "http://\u{628}\u{200C}\u{628}.com/",
    "http://\u{628}\u{200C}a.com/",
    "http://a\u{200C}b.com/",
    "http://\u{200D}.com/",
    "http://x.\u{915}\u{94D}\u{200D}.in/",
    "http://xn--1ug.com/",
    "http://xn--ab-m1t.com/",
    // The bidi rule across labels: an ASCII label that starts with a digit in a domain with a
    // right-to-left label.
    "http://1a.\u{5E9}\u{5DC}\u{5D5}\u{5DD}/",
    "http://a1.\u{5E9}\u{5DC}\u{5D5}\u{5DD}/",
    // Punycode labels beside Unicode ones, checked one by one and then with the whole host.
    "http://xn--bcher-kva.例え/",
    "http://XN--BCHER-KVA.ü.com/",
    "http://xn--zz.ü.com/",
    "http://xn--abc.ü.com/",
    "http://a\u{3002}xn--bcher-kva.com/",
    "http://xn--bcher-kva\u{3002}com/",
    "http://xn--bcher-kva\u{FF0E}com/",
    "http://xn--bcher-kv\u{FF21}.com/",
    // Hosts that map to digits: IPv4 is the URL parser's step, after IDNA.
    "http://\u{FF11}.\u{FF12}.\u{FF13}.\u{FF14}/",
    "http://\u{FF11}.\u{FF12}.\u{FF13}.\u{FF14}.\u{FF15}/",
    "http://0x\u{FF17}f.1/",
];

fn has_idna_work(s: &str) -> bool {
    !s.is_ascii() || s.to_ascii_lowercase().contains("xn--")
}

#[test]
fn idna_in_the_bundle() {
    let path = conformance_dir().join("wpt-url/urltestdata.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wpt: Vec<Value> = serde_json::from_str(&text).expect("urltestdata.json is JSON");
    let mut cases: Vec<(String, Option<String>)> = wpt
        .iter()
        .filter_map(|c| {
            let input = c["input"].as_str()?;
            let base = c["base"].as_str().map(str::to_string);
            let idna = has_idna_work(input) || base.as_deref().is_some_and(has_idna_work);
            idna.then(|| (input.to_string(), base))
        })
        .collect();
    let from_wpt = cases.len();
    assert!(from_wpt > 50, "only {from_wpt} WPT cases with IDNA work");
    cases.extend(OWN.iter().map(|s| (s.to_string(), None)));
    // Punycode longer than `idna` decodes (2,000 characters) is refused.
    cases.push((format!("http://xn--{}.com/", "a".repeat(2100)), None));

    let driver = Driver::start();
    let s = open(&driver, 1000, 700);
    let arg = serde_json::to_string(&cases).expect("cases serialize");
    let got = s.js(&format!(
        "return {arg}.map(([input, base]) => {{ \
           let chromium; \
           try {{ chromium = new URL(input, base ?? undefined).href; }} catch (e) {{ chromium = '!'; }} \
           return [window.wasmBindings.wirewalk_test_parse_url(input, base), chromium]; }});"
    ));
    let got = got.as_array().expect("an array of results");
    assert_eq!(got.len(), cases.len());

    let (mut same, mut as_chromium, mut wrong) = (0, Vec::new(), Vec::new());
    for ((input, base), pair) in cases.iter().zip(got) {
        let bundle = pair[0].as_str().unwrap_or("?").to_string();
        let chromium = pair[1].as_str().unwrap_or("?").to_string();
        let native = match parse(input, base.as_deref()) {
            Ok(p) => p.getters.href,
            Err(e) => format!("!{}", e.message),
        };
        let fails = |r: &str| r.starts_with('!');
        if bundle == native || (fails(&bundle) && fails(&native)) {
            same += 1;
        } else if bundle == chromium || (fails(&bundle) && fails(&chromium)) {
            as_chromium.push(json!([input, base, native, bundle]));
        } else {
            wrong.push(json!({"input": input, "base": base, "native": native,
                              "bundle": bundle, "chromium": chromium}));
        }
    }
    eprintln!(
        "IDNA in the bundle: {} cases ({from_wpt} from WPT, {} ours): {same} as natively, {} as Chromium",
        cases.len(),
        cases.len() - from_wpt,
        as_chromium.len()
    );
    for c in &as_chromium {
        eprintln!("  differs from native, agrees with Chromium: {c}");
    }
    assert!(
        wrong.is_empty(),
        "{} cases where the bundle agrees with neither the native parser nor Chromium:\n{}",
        wrong.len(),
        serde_json::to_string_pretty(&wrong).unwrap_or_default()
    );
    // Every host comes out as natively but one, where Chromium's UTS #46 reads a percent-encoded
    // full-width host (`％４１.com`) that the standard refuses: a new difference means the bundle
    // lost the behaviour the native conformance test checks.
    let known: Vec<&str> = as_chromium.iter().filter_map(|c| c[0].as_str()).collect();
    assert_eq!(
        known,
        ["http://％４１.com"],
        "the cases that differ from the native parser"
    );
    s.assert_no_errors();
}
