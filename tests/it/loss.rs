//! Packet loss over HTTP/2 and HTTP/3 (issue 19): the same page, the same loss rate, the same
//! seeded draws per connection — over TCP a lost segment holds up the responses behind it on
//! the connection (head-of-line blocking), over QUIC only its own stream waits.

use wirewalk::model::load::{self, PageLoad, Protocol};
use wirewalk::model::pages;
use wirewalk::model::step::steps;

fn load(protocol: Protocol, loss_percent: f64) -> PageLoad {
    let page = pages::preset("many-images").expect("preset");
    let origins = (page.origins.iter().cloned())
        .map(|o| load::OriginSpec { protocol, ..o })
        .collect();
    load::run(&load::PageScenario {
        protocol,
        origins,
        loss_percent,
        ..page
    })
    .expect("loads")
}

/// How many responses waited behind another response's lost segment, and how many packets
/// were lost.
fn stalls(l: &PageLoad) -> (usize, usize) {
    let held = (l.trace.events.iter())
        .filter(|e| e.step == steps::HTTP_RESPONSE_BODY)
        .filter(|e| {
            e.get("download")
                .is_some_and(|d| d.contains("head-of-line blocking"))
        })
        .count();
    let lost = (l.trace.events.iter())
        .filter(|e| e.step == steps::TCP_LOSS || e.step == steps::QUIC_LOSS)
        .count();
    (held, lost)
}

/// The packet-loss line: with 3 % loss both connections lose packets; over HTTP/2
/// responses that lost nothing wait behind others' losses, over HTTP/3 none does.
#[test]
fn loss_blocks_every_stream_over_http2_and_only_its_own_over_http3() {
    let h2 = load(Protocol::H2, 3.0);
    let h3 = load(Protocol::H3, 3.0);
    let (h2_held, h2_lost) = stalls(&h2);
    let (h3_held, h3_lost) = stalls(&h3);
    assert!(h2_lost > 0 && h3_lost > 0, "{h2_lost} {h3_lost}");
    assert!(
        h2_held > 0,
        "no response waited behind another's loss over HTTP/2"
    );
    assert_eq!(
        h3_held, 0,
        "over HTTP/3 a loss holds up only its own stream"
    );
    assert!(h3.trace.has(steps::QUIC_LOSS) && !h3.trace.has(steps::TCP_LOSS));
    // Without loss nothing of it shows, and loss never makes a load faster.
    for p in [Protocol::H2, Protocol::H3] {
        let clean = load(p, 0.0);
        assert_eq!(stalls(&clean), (0, 0));
        let lossy = if p == Protocol::H2 { &h2 } else { &h3 };
        for (a, b) in clean.requests.iter().zip(&lossy.requests) {
            assert!(b.end >= a.end, "{p}: {} ends sooner with loss", a.url);
        }
    }
}

/// The same scenario, the same losses: the draws are the connection's own, seeded.
#[test]
fn losses_are_deterministic() {
    let a = load(Protocol::H2, 5.0);
    let b = load(Protocol::H2, 5.0);
    assert_eq!(a.trace, b.trace);
}

/// The largest response a scenario may give, at the highest loss: the draws stop at a bound,
/// the load ends, and its download says how many packets were lost.
#[test]
fn a_huge_lossy_response_neither_hangs_nor_overflows() {
    let sc = load::PageScenario {
        url: "https://big.example/".into(),
        html: "<img src=/huge.png>".into(),
        responses: vec![load::ResponseSpec {
            url: "https://big.example/huge.png".into(),
            bytes: Some(load::MAX_BODY_BYTES),
            ..load::ResponseSpec::default()
        }],
        loss_percent: load::MAX_LOSS_PERCENT,
        protocol: Protocol::H2,
        ..load::PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let shown = (l.trace.events.iter())
        .filter(|e| e.step == steps::TCP_LOSS && e.request == 2)
        .count();
    assert_eq!(shown, 32, "the first 32 losses are shown");
    let body = (l.trace.events.iter())
        .find(|e| e.step == steps::HTTP_RESPONSE_BODY && e.request == 2)
        .expect("the body");
    assert!(
        body.get("download")
            .is_some_and(|d| d.contains("lost packets resent")),
        "{body:?}"
    );
}
