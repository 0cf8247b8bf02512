//! `wirewalk page <file.json>`: any scenario file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::load::{self, PageScenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sc) = PageScenario::from_json(text) {
        let _ = load::run(&sc);
        // What is written reads back the same.
        assert_eq!(PageScenario::from_json(&sc.to_json()).ok(), Some(sc));
    }
});
