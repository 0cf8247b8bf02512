//! A recording from a stranger, a HAR file or a Chrome NetLog: read as the app and the CLI
//! read it (a cut-short NetLog mended), and when it reads, replayed as a page load whose phases
//! cut every request end to end and whose connections exist, their times in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::{har_replay, netlog};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(rec) = netlog::open(&text) else {
        return;
    };
    let Ok(load) = har_replay::replay_recording(&rec, "fuzz") else {
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
        if let Some(c) = r.connection {
            assert!(
                c as usize <= load.connections.len(),
                "a request's connection exists"
            );
        }
    }
    for c in &load.connections {
        assert!(
            c.start <= c.dns_end && c.dns_end <= c.tcp_end && c.tcp_end <= c.ready,
            "a connection's times are in order"
        );
    }
});
