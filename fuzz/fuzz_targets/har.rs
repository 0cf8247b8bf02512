//! A HAR file from a stranger: read, and when it reads, replayed as a page load whose phases
//! cut every request end to end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::har_replay;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(entries) = har_replay::parse(&text) else {
        return;
    };
    let Ok(load) = har_replay::replay(&entries, "fuzz") else {
        return;
    };
    for r in &load.requests {
        let mut at = r.start;
        for p in &r.phases {
            assert_eq!(p.start, at, "phases are contiguous");
            assert!(p.end >= p.start);
            at = p.end;
        }
        assert!(
            r.phases.is_empty() || at == r.end,
            "the last phase ends the request"
        );
    }
});
