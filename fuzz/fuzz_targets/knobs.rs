//! Every knob of the journey at once, with any values, including the custom network's extremes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::model::journey;
use wirewalk::model::scenario::{
    ApiChoice, CacheState, CertChoice, DnsState, Profile, ProfileName, Scenario, TlsChoice,
};

const URLS: [&str; 5] = [
    "https://example.com/",
    "http://example.com:8080/a?b",
    "https://[::1]/",
    "https://xn--bcher-kva.example/",
    "file:///etc/hosts",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 20 {
        return;
    }
    let b = |i: usize| data[i];
    let f = |i: usize| f64::from_le_bytes(data[i..i + 8].try_into().unwrap_or([0; 8]));
    let pick = |i: usize, n: usize| usize::from(b(i)) % n;
    let mut sc = Scenario {
        url: URLS[pick(0, URLS.len())].to_string(),
        ..Scenario::default()
    };
    sc.profile = match pick(1, 4) {
        0 => Profile::builtin(ProfileName::Local),
        1 => Profile::builtin(ProfileName::Transcontinental),
        2 => Profile::builtin(ProfileName::Intercontinental),
        _ => Profile::custom(f(4), f(12)),
    };
    sc.cache = CacheState::ALL[pick(2, CacheState::ALL.len())];
    sc.dns = DnsState::ALL[pick(3, DnsState::ALL.len())];
    sc.tls = TlsChoice::ALL[usize::from(b(20 % data.len())) % TlsChoice::ALL.len()];
    sc.cert = CertChoice::ALL[usize::from(b(data.len() - 1)) % CertChoice::ALL.len()];
    let bits = b(data.len() / 2);
    sc.client_cert = bits & 1 != 0;
    sc.keep_alive = bits & 2 != 0;
    sc.existing_connection = bits & 4 != 0;
    sc.resumption = bits & 8 != 0;
    sc.false_start = bits & 16 != 0;
    sc.refused = bits & 32 != 0;
    sc.changed = bits & 64 != 0;
    let more = b(data.len() / 3);
    sc.busy_sockets = more % 7;
    sc.api = ApiChoice::ALL[usize::from(more / 7) % ApiChoice::ALL.len()];
    let j = journey::run(&sc);
    assert!(!j.trace.events.is_empty());
    // Same scenario, same trace, byte for byte.
    assert_eq!(journey::run(&sc).trace.to_string(), j.trace.to_string());
});
