//! The address bar: any text is parsed, and a URL that parses is walked through the journey.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::{journey, scenario::Scenario, url};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Relative to a base too, as the page's links are.
    let _ = url::parse(&text, Some("https://example.com/a/b?c#d"));
    if let Ok(p) = url::parse(&text, None) {
        let sc = Scenario {
            url: p.getters.href.clone(),
            ..Scenario::default()
        };
        let j = journey::run(&sc);
        assert!(!j.trace.events.is_empty());
    }
});
