//! HTTP/3 found through `Alt-Svc` (issue 19): a first visit over HTTP/2 learns the header, a
//! return visit races QUIC against TCP and goes over HTTP/3, and a network that drops UDP
//! falls back to TCP and marks the alternative broken — through the engine the app and the
//! CLI run (the journey and the page load).

use wirewalk::model::journey::{run, Journey};
use wirewalk::model::load::{self, OriginSpec, PageScenario, Protocol, ResponseSpec};
use wirewalk::model::navigation::Outcome;
use wirewalk::model::scenario::{AltSvcState, Scenario};
use wirewalk::model::step::steps;

fn journey(alt_svc: AltSvcState) -> Journey {
    run(&Scenario {
        alt_svc,
        protocol: Protocol::H2,
        ..Scenario::default()
    })
}

/// The document's request over HTTP/3: its HEADERS event names the version.
fn over_h3(j: &Journey) -> bool {
    (j.trace.events.iter())
        .find(|e| e.step == steps::HTTP_REQUEST && e.request == 0)
        .is_some_and(|e| e.summary().contains("(HTTP/3)"))
}

/// The two-visit line: visit 1 over h2 learns `Alt-Svc`; visit 2 goes over h3.
#[test]
fn a_first_visit_learns_alt_svc_over_h2_and_the_return_visit_takes_h3() {
    let first = journey(AltSvcState::Sent);
    assert_eq!(first.outcome, Outcome::Ok);
    assert!(!over_h3(&first) && !first.trace.has(steps::QUIC_CLIENT_INITIAL));
    let alpn = first
        .trace
        .find(steps::TLS_ENCRYPTED_EXTENSIONS)
        .expect("TLS");
    assert!(alpn.summary().contains("h2"), "{}", alpn.summary());
    let learnt = first.trace.find(steps::HTTP_ALT_SVC).expect("Alt-Svc read");
    assert_eq!(
        learnt.get("header"),
        Some("Alt-Svc: h3=\":443\"; ma=86400"),
        "{learnt:?}"
    );
    assert_eq!(
        learnt.get("remembered"),
        Some("HTTP/3 (QUIC) on UDP port 443 for 1 day")
    );
    assert!(!first.trace.has(steps::POOL_ALT_RACE));

    let second = journey(AltSvcState::Learned);
    assert_eq!(second.outcome, Outcome::Ok);
    let race = second.trace.find(steps::POOL_ALT_RACE).expect("a race");
    // Learnt an hour before: 23 hours of the day's `ma` are left.
    assert!(
        race.get("alternative")
            .is_some_and(|a| a.contains("for 23 hours more")),
        "{race:?}"
    );
    assert!(over_h3(&second), "the document's request is not on HTTP/3");
    assert!(second.trace.has(steps::QUIC_CLIENT_INITIAL));
    // TCP raced and lost: its connection is ready one round trip after QUIC's.
    assert!(second.trace.has(steps::TCP_SYN) && second.trace.has(steps::POOL_RACE_LOST));
    let t = &second.timing;
    assert_eq!(
        t.secure_connection_start, t.connect_start,
        "QUIC: no TCP phase"
    );
    assert_eq!(t.connect_end - t.connect_start, 120.0, "one round trip");
    assert!(
        t.response_start < first.timing.response_start - 119.0,
        "h3 saves a round trip: {} vs {}",
        t.response_start,
        first.timing.response_start
    );
}

/// UDP dropped: TCP carries the page at TCP's pace; the browser probes 300, 900 and 2,100 ms
/// after its first flight, as Chromium 156 did here, and 4 s after its first datagram the QUIC
/// job gives up and the alternative is marked broken.
#[test]
fn a_network_that_drops_udp_falls_back_to_tcp_and_marks_h3_broken() {
    let j = journey(AltSvcState::UdpBlocked);
    assert_eq!(j.outcome, Outcome::Ok);
    assert!(!over_h3(&j));
    let first = j
        .trace
        .find(steps::QUIC_CLIENT_INITIAL)
        .expect("QUIC tried");
    assert!(first.flight.is_none() && first.get("dropped").is_some());
    let broken = j.trace.find(steps::QUIC_BROKEN).expect("marked broken");
    assert_eq!(broken.at.since(first.at).as_ms(), 4000.0);
    assert_eq!(broken.get("error"), Some("net::ERR_QUIC_PROTOCOL_ERROR"));
    let probes: Vec<f64> = (j.trace.events.iter())
        .filter(|e| e.step == steps::QUIC_CLIENT_INITIAL && e.get("probe").is_some())
        .map(|e| e.at.since(first.at).as_ms())
        .collect();
    assert_eq!(probes, [300.0, 900.0, 2100.0]);
    let numbers: Vec<String> = (j.trace.events.iter())
        .filter(|e| e.step == steps::QUIC_CLIENT_INITIAL)
        .map(|e| {
            e.summary()
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        numbers,
        ["1", "2", "4", "6", "8"],
        "quiche skips a number at each probe"
    );
    // As over TCP without the race: nothing waited for QUIC.
    let plain = journey(AltSvcState::Sent);
    assert_eq!(j.timing.response_end, plain.timing.response_end);
}

/// A page scenario's own `Alt-Svc` header: its return visit (`warm_cache_s`) learns it on the
/// first load, which the engine runs, and sends the page's requests over HTTP/3.
#[test]
fn a_page_return_visit_uses_what_its_first_load_learnt() {
    let page = PageScenario {
        url: "https://shop.example/".into(),
        html: "<img src=/a.png><img src=/b.png>".into(),
        origins: vec![OriginSpec {
            origin: "https://shop.example".into(),
            protocol: Protocol::H2,
            ..OriginSpec::default()
        }],
        responses: vec![ResponseSpec {
            url: "https://shop.example/".into(),
            headers: vec!["Alt-Svc: h3=\":443\"; ma=3600".into()],
            ..ResponseSpec::default()
        }],
        ..PageScenario::default()
    };
    let cold = load::run(&page).expect("loads");
    assert!(cold.requests.iter().all(|r| r.protocol == Protocol::H2));
    // Ten minutes later the alternative is still fresh; two hours later it has expired.
    for (age, protocol) in [(600, Protocol::H3), (7200, Protocol::H2)] {
        let warm = load::run(&PageScenario {
            warm_cache_s: Some(age),
            ..page.clone()
        })
        .expect("loads");
        for r in &warm.requests {
            assert_eq!(r.protocol, protocol, "{age} s: {}", r.url);
        }
    }
}

/// The HTTPS-record line: a zone whose HTTPS record offers `h3` (RFC 9460) sends the
/// very first visit over HTTP/3, with nothing learnt before; the record's bytes read back as
/// the record, and a URL on another port asks for `_port._https.name`, which has none.
#[test]
fn an_https_record_offering_h3_sends_the_first_visit_over_h3() {
    use wirewalk::model::dns_wire::{self, RData};
    use wirewalk::model::svcb::Param;
    let j = run(&Scenario {
        https_rr: true,
        ..Scenario::default()
    });
    assert_eq!(j.outcome, Outcome::Ok);
    assert!(!j.trace.has(steps::HTTP_ALT_SVC), "nothing learnt before");
    let answers: Vec<_> = (j.trace.events.iter())
        .filter(|e| e.step == steps::DNS_ANSWER_HTTPS)
        .collect();
    assert_eq!(answers.len(), 2, "the name's server's, then the resolver's");
    let last = answers[1];
    let wire = last.wire.as_ref().expect("bytes");
    let m = dns_wire::decode(&wire.bytes).expect("decodes");
    let RData::Https(r) = &m.answers[0].data else {
        panic!("{:?}", m.answers)
    };
    assert_eq!(r.alpns(), ["h3", "h2", "http/1.1"]);
    assert!(matches!(r.params[1], Param::Ipv4Hint(_)));
    assert_eq!(last.get("alpn"), Some("h3, h2, http/1.1"));
    // The race starts when the record arrives, and the document goes over HTTP/3.
    let race = j.trace.find(steps::POOL_ALT_RACE).expect("a race");
    assert_eq!(race.at, last.end());
    assert!(over_h3(&j));
    assert_eq!(j.timing.secure_connection_start, j.timing.connect_start);

    let other_port = run(&Scenario {
        url: "https://www.example.com:8443/".into(),
        https_rr: true,
        ..Scenario::default()
    });
    let q = other_port
        .trace
        .find(steps::DNS_QUERY_HTTPS)
        .expect("asked");
    assert_eq!(q.summary(), "HTTPS? _8443._https.www.example.com");
    assert!(!other_port.trace.has(steps::POOL_ALT_RACE) && !over_h3(&other_port));
}
