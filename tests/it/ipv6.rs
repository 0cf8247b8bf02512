//! IPv6 and Happy Eyeballs (issue 19): AAAA asked beside A when the network reaches IPv6, the
//! connection over IPv6 when its path works, and Chromium's 300 ms fallback to IPv4 when the
//! path drops the packets — through the journey the app and the CLI run.

use wirewalk::model::dns_wire::{self, RData};
use wirewalk::model::journey::{run, Journey};
use wirewalk::model::navigation::Outcome;
use wirewalk::model::scenario::{Ipv6State, Scenario};
use wirewalk::model::step::steps;

fn journey(ipv6: Ipv6State) -> Journey {
    run(&Scenario {
        ipv6,
        ..Scenario::default()
    })
}

fn summaries(j: &Journey, step: wirewalk::model::step::StepId) -> Vec<String> {
    (j.trace.events.iter())
        .filter(|e| e.step == step)
        .map(|e| e.summary().to_string())
        .collect()
}

#[test]
fn without_ipv6_only_a_is_asked_and_with_it_aaaa_too() {
    let none = journey(Ipv6State::None);
    assert!(summaries(&none, steps::DNS_QUERY_RESOLVER)
        .iter()
        .all(|s| s.starts_with("A? ")));
    let ok = journey(Ipv6State::Ok);
    assert_eq!(
        summaries(&ok, steps::DNS_QUERY_RESOLVER),
        ["A? www.example.com", "AAAA? www.example.com"]
    );
    // The AAAA answer's bytes read back as the record.
    let answer = (ok.trace.events.iter())
        .filter(|e| e.step == steps::DNS_ANSWER)
        .find(|e| e.summary().contains("AAAA"))
        .expect("an AAAA answer");
    let m = dns_wire::decode(&answer.wire.as_ref().expect("bytes").bytes).expect("decodes");
    assert!(
        matches!(m.answers[0].data, RData::Aaaa(a) if a.to_string() == "2001:db8::70"),
        "{:?}",
        m.answers
    );
    // Over a working path the connection is IPv6 and costs nothing more.
    let syn = ok.trace.find(steps::TCP_SYN).expect("SYN");
    assert!(
        syn.summary().ends_with("to [2001:db8::70]:443"),
        "{}",
        syn.summary()
    );
    assert!(syn.flight.is_some());
    // IPv6's 40-byte header leaves an MSS of 1,440 on an Ethernet path (IPv4's: 1,460).
    assert!(
        syn.get("options")
            .is_some_and(|o| o.starts_with("MSS=1440,")),
        "{:?}",
        syn.get("options")
    );
    assert!(!ok.trace.has(steps::TCP_HAPPY_EYEBALLS));
    assert_eq!(ok.timing.connect_end, none.timing.connect_end);
}

/// The broken-IPv6 line: the IPv6 SYN goes unanswered, IPv4 starts 300 ms later
/// (Chromium's `kIPv6FallbackTime`) and wins; the page is 300 ms later than over IPv4 alone.
#[test]
fn a_broken_ipv6_path_falls_back_to_ipv4_after_300_ms() {
    let j = journey(Ipv6State::Broken);
    assert_eq!(j.outcome, Outcome::Ok);
    let syns: Vec<_> = (j.trace.events.iter())
        .filter(|e| e.step == steps::TCP_SYN && e.request == 0)
        .collect();
    assert!(syns.len() >= 2, "{}", syns.len());
    let (v6, v4) = (syns[0], syns[1]);
    assert!(v6.summary().contains("[2001:db8::70]") && v6.flight.is_none());
    assert!(v6.get("dropped").is_some());
    assert!(v4.summary().contains("203.0.113.") && v4.flight.is_some());
    assert!(v4
        .get("options")
        .is_some_and(|o| o.starts_with("MSS=1460,")));
    let fallback = j.trace.find(steps::TCP_HAPPY_EYEBALLS).expect("fallback");
    assert_eq!(fallback.at.since(v6.at).as_ms(), 300.0);
    assert_eq!(v4.at, fallback.at);
    let plain = journey(Ipv6State::None);
    assert_eq!(j.timing.connect_start, plain.timing.connect_start);
    assert_eq!(j.timing.connect_end - plain.timing.connect_end, 300.0);
    assert_eq!(j.timing.response_end - plain.timing.response_end, 300.0);
}

/// The waterfall's Initial connection phase says where the handshake went and why it took
/// 300 ms more: the same engine's page load the journey is a slice of.
#[test]
fn the_initial_connection_phase_explains_the_fallback() {
    use wirewalk::model::journey;
    use wirewalk::model::load::{self, PhaseName};
    for (ipv6, want) in [
        (Ipv6State::Ok, "TCP handshake with [2001:db8::70]"),
        (
            Ipv6State::Broken,
            "did not answer, so the IPv4 attempt started 300.0 ms in",
        ),
    ] {
        let sc = Scenario {
            ipv6,
            ..Scenario::default()
        };
        let nav = load::Nav::plan(&sc.url, &journey::situation_of(&sc), &Default::default())
            .expect("plans");
        let page = journey::page_of(&sc, &nav.target);
        let l =
            load::run_in(&page, &journey::situation_of(&sc), Default::default()).expect("loads");
        let why = (l.requests[0].phases.iter())
            .find(|p| p.name == PhaseName::InitialConnection)
            .map(|p| p.why.to_string())
            .unwrap_or_default();
        assert!(why.contains(want), "{ipv6:?}: {why}");
    }
}
