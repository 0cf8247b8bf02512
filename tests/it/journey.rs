//! The stack model end to end: every preset's trace against its snapshot, determinism,
//! conformance of the TLS 1.3 message order with RFC 8448, and the invariants of any scenario.

use proptest::prelude::*;
use std::path::PathBuf;
use wirewalk::model::journey::run;
use wirewalk::model::navigation::Outcome;
use wirewalk::model::scenario::{
    presets, CacheState, CertChoice, DnsState, Profile, ProfileName, Scenario, TlsChoice,
};
use wirewalk::model::step::{steps, StepId};
use wirewalk::model::trace::Actor;

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Each preset's trace text must equal `tests/snapshots/<name>.txt`. To accept a deliberate
/// change, run with `WIREWALK_UPDATE_SNAPSHOTS=1` and review the diff.
#[test]
fn preset_traces_match_their_snapshots() {
    let mut failures = Vec::new();
    for (name, sc) in presets() {
        let j = run(&sc);
        let mut text = format!("{}\noutcome: {}\n", j.trace, j.outcome.describe());
        for (k, v) in j.timing.entries() {
            text.push_str(&format!("{k} {v}\n"));
        }
        let path = snapshot_dir().join(format!("{name}.txt"));
        failures.extend(crate::snapshot::check(name, &path, &text));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn same_scenario_same_json() {
    for (name, sc) in presets() {
        let a = serde_json::to_string(&run(&sc)).expect("json");
        let b = serde_json::to_string(&run(&sc.clone())).expect("json");
        assert_eq!(a, b, "{name} is not deterministic");
    }
}

/// RFC 8448 §3 (a simple 1-RTT TLS 1.3 handshake): the handshake messages of the model's
/// TLS 1.3 trace come in the order of that recorded exchange.
#[test]
fn tls13_message_order_matches_rfc8448() {
    let path = crate::conformance_dir().join("tls13-rfc8448/rfc8448_section3_simple_1rtt.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut expected = Vec::new();
    for record in v["wire_sequence"].as_array().expect("wire_sequence") {
        let from = record["from"].as_str().unwrap_or("");
        for m in record["messages"].as_array().into_iter().flatten() {
            expected.push(format!("{from}:{}", m["type"].as_str().unwrap_or("")));
        }
    }
    assert!(
        expected.len() >= 7,
        "too few messages in {}: {expected:?}",
        path.display()
    );
    let name = |step: StepId| -> Option<&'static str> {
        Some(match step.as_str() {
            "tls.client_hello" => "ClientHello",
            "tls.server_hello" => "ServerHello",
            "tls.encrypted_extensions" => "EncryptedExtensions",
            "tls.certificate" => "Certificate",
            "tls.certificate_verify" => "CertificateVerify",
            "tls.server_finished" | "tls.finished" => "Finished",
            "tls.new_session_ticket" => "NewSessionTicket",
            _ => return None,
        })
    };
    let j = run(&Scenario::default());
    let got: Vec<String> = j
        .trace
        .events
        .iter()
        .filter(|e| e.request == 0)
        .filter_map(|e| {
            let from = if e.actor == Actor::Browser {
                "client"
            } else {
                "server"
            };
            name(e.step).map(|n| format!("{from}:{n}"))
        })
        .collect();
    // RFC 8448 §3 also records the post-handshake application data; compare the handshake.
    let expected: Vec<String> = expected
        .into_iter()
        .filter(|m| !m.ends_with(":ApplicationData"))
        .collect();
    assert_eq!(got, expected);
}

fn rtts(sc: &Scenario, from: StepId, to: StepId) -> f64 {
    let j = run(sc);
    let a = j.trace.find(from).map(|e| e.at).expect("from step");
    let b = j.trace.find(to).map(|e| e.at).expect("to step");
    b.since(a).micros() as f64 / sc.profile.rtt().micros() as f64
}

#[test]
fn round_trip_costs() {
    for (profile, rtt_ms) in [
        (ProfileName::Local, 23.0),
        (ProfileName::Transcontinental, 120.0),
        (ProfileName::Intercontinental, 225.0),
    ] {
        let sc = Scenario {
            profile: Profile::builtin(profile),
            ..Scenario::default()
        };
        assert_eq!(sc.profile.rtt().as_ms(), rtt_ms);
        assert_eq!(
            rtts(&sc, steps::TCP_SYN, steps::TCP_ACK),
            1.0,
            "{profile:?}: TCP costs one round trip"
        );
        assert_eq!(
            rtts(&sc, steps::TCP_SYN, steps::HTTP_REQUEST),
            2.0,
            "{profile:?}: TLS 1.3"
        );
        for tls in [TlsChoice::Tls12Ecdhe, TlsChoice::Tls12Rsa] {
            let sc = Scenario { tls, ..sc.clone() };
            assert_eq!(
                rtts(&sc, steps::TCP_SYN, steps::HTTP_REQUEST),
                3.0,
                "{profile:?}: {tls:?}"
            );
        }
        let sc = Scenario {
            tls: TlsChoice::Tls12Ecdhe,
            false_start: true,
            ..sc.clone()
        };
        assert_eq!(
            rtts(&sc, steps::TCP_SYN, steps::HTTP_REQUEST),
            2.0,
            "False Start saves a round trip"
        );
        let sc = Scenario {
            tls: TlsChoice::Tls12Rsa,
            false_start: true,
            ..sc.clone()
        };
        assert_eq!(
            rtts(&sc, steps::TCP_SYN, steps::HTTP_REQUEST),
            3.0,
            "no False Start without forward secrecy"
        );
    }
}

#[test]
fn required_step_ids_exist_and_appear() {
    let required = [
        "url.parse",
        "cache.lookup",
        "cache.hit",
        "cache.miss",
        "cache.revalidate",
        "dns.browser_cache",
        "dns.os_cache",
        "dns.query.root",
        "dns.query.tld",
        "dns.query.authoritative",
        "dns.answer",
        "pool.request_socket",
        "pool.reuse",
        "tcp.syn",
        "tcp.syn_ack",
        "tcp.ack",
        "tls.client_hello",
        "tls.server_hello",
        "tls.certificate",
        "tls.server_hello_done",
        "tls.client_key_exchange",
        "tls.change_cipher_spec",
        "tls.finished",
        "tls.certificate_error",
        "http.request",
        "http.response",
        "cache.store",
        "render.dom_content_loaded",
        "render.load",
    ];
    let all: Vec<_> = presets().into_iter().map(|(_, sc)| run(&sc)).collect();
    for id in required {
        let step = StepId::parse(id).unwrap_or_else(|| panic!("{id} is not a step id"));
        assert!(
            all.iter().any(|j| j.trace.has(step)),
            "no preset shows {id}"
        );
    }
    // Every step in the catalogue is reachable from some preset: a journey's or a page's.
    let pages: Vec<_> = wirewalk::model::pages::presets()
        .iter()
        .map(|p| wirewalk::model::load::run(p).expect("a page preset loads"))
        .collect();
    for step in StepId::all() {
        assert!(
            all.iter().any(|j| j.trace.has(step)) || pages.iter().any(|l| l.trace.has(step)),
            "{step} appears in no preset"
        );
    }
}

#[test]
fn the_docs_list_every_step_id() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/steps.md"))
            .expect("docs/steps.md");
    let missing: Vec<&str> = StepId::all()
        .map(StepId::as_str)
        .filter(|id| !readme.contains(&format!("`{id}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/steps.md does not list these step ids: {missing:?}"
    );
}

fn any_scenario() -> impl Strategy<Value = Scenario> {
    let url = prop_oneof![
        Just("https://www.example.com/".to_string()),
        Just("http://a.test:8080/x?y#z".to_string()),
        Just("https://[::1]/".to_string()),
        any::<String>(),
        "[a-z]{1,6}://[a-zA-Z0-9.\\-]{0,12}(:[0-9]{0,6})?/[ -~]{0,12}",
    ];
    (
        url,
        prop::sample::select(vec![
            ProfileName::Local,
            ProfileName::Transcontinental,
            ProfileName::Intercontinental,
        ]),
        prop::sample::select(CacheState::ALL.to_vec()),
        prop::sample::select(DnsState::ALL.to_vec()),
        prop::sample::select(TlsChoice::ALL.to_vec()),
        prop::sample::select(CertChoice::ALL.to_vec()),
        any::<[bool; 8]>(),
        (0.0f64..5000.0, 0.001f64..10_000.0, any::<u64>()),
    )
        .prop_map(
            |(url, profile, cache, dns, tls, cert, b, (rtt, bw, seed))| Scenario {
                url,
                profile: if b[7] {
                    Profile::custom(rtt, bw)
                } else {
                    Profile::builtin(profile)
                },
                cache,
                dns,
                tls,
                cert,
                changed: b[0],
                client_cert: b[1],
                resumption: b[2],
                keep_alive: b[3],
                existing_connection: b[4],
                refused: b[5],
                false_start: b[6],
                seed,
                ..Scenario::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// No panic, time never goes backwards, messages never arrive before they leave, a fresh
    /// hit never touches the network, and every journey ends in an outcome.
    #[test]
    fn invariants_hold_for_any_scenario(sc in any_scenario()) {
        let j = run(&sc);
        let t: Vec<_> = j.trace.events.iter().map(|e| e.at).collect();
        prop_assert!(t.windows(2).all(|w| w[0] <= w[1]));
        for (i, e) in j.trace.events.iter().enumerate() {
            prop_assert_eq!(e.seq, i as u32);
            if let Some(f) = &e.flight {
                prop_assert!(f.arrives_at >= f.sent_at);
                prop_assert!(f.from != f.to);
            }
        }
        let nav: Vec<_> = j.trace.events.iter().filter(|e| e.request == 0).collect();
        if nav.iter().any(|e| e.step == steps::CACHE_HIT) {
            prop_assert!(!nav.iter().any(|e| e.flight.is_some()), "a fresh hit sent a message");
        }
        match &j.outcome {
            Outcome::Ok => prop_assert!(j.trace.has(steps::RENDER_LOAD)),
            Outcome::Error { code, .. } => prop_assert!(!code.is_empty()),
            Outcome::NotFetched { .. } => prop_assert!(j.trace.has(steps::URL_NOT_FETCHED)),
        }
        prop_assert!(!matches!(&j.outcome, Outcome::Error { code, .. } if code == "INTERNAL"), "{:?}", j.outcome);
    }
}

/// Every TLS step of every preset, in each TLS version, explains itself with that version's
/// rules and links that version's RFC: a TLS 1.2 handshake never speaks of TLS 1.3 or links
/// RFC 8446, and the other way round; the Finished MAC has its version's length and a TLS 1.2
/// Finished is an encrypted handshake record. Journeys and page loads alike.
#[test]
fn tls_texts_match_the_version_on_screen() {
    use wirewalk::model::tls::Version;
    use wirewalk::model::trace::Event;
    fn check(what: &str, version: Version, events: &[Event]) -> usize {
        let (other, other_rfcs): (&str, &[&str]) = match version {
            Version::Tls13 => ("TLS 1.2", &["rfc5246", "rfc5077", "rfc7918"]),
            Version::Tls12 => ("TLS 1.3", &["rfc8446"]),
        };
        let mut checked = 0;
        for e in events
            .iter()
            .filter(|e| e.stage == wirewalk::model::step::Stage::Tls)
        {
            let info = e.step.info_for(Some(version));
            for rfc in other_rfcs {
                assert!(
                    !info.spec.1.contains(rfc),
                    "{what} ({version:?}): {} links {}",
                    info.id,
                    info.spec.1
                );
            }
            assert!(
                !info.explain.contains(other) && !info.why.contains(other),
                "{what} ({version:?}): {} speaks of {other}",
                info.id
            );
            if e.step == steps::TLS_FINISHED || e.step == steps::TLS_SERVER_FINISHED {
                let mac = e.get("verify_data").expect("verify_data");
                let len = if version == Version::Tls13 {
                    "32 bytes"
                } else {
                    "12 bytes"
                };
                assert!(
                    mac.starts_with(len),
                    "{what}: {} verify_data {mac}",
                    info.id
                );
                // Over QUIC the message goes in CRYPTO frames, in no TLS record (RFC 9001 §4).
                if let Some(quic) = e.get("quic") {
                    assert!(e.get("record").is_none(), "{what}: a record over QUIC");
                    assert!(
                        quic.contains("CRYPTO frames of Handshake packets"),
                        "{what}: {quic}"
                    );
                } else {
                    let record = e.get("record").expect("record");
                    let kind = if version == Version::Tls13 {
                        "application_data record"
                    } else {
                        "handshake record"
                    };
                    assert!(record.contains(kind), "{what}: {} record {record}", info.id);
                }
            }
            checked += 1;
        }
        checked
    }
    let mut checked = 0;
    for (name, sc) in presets() {
        for tls in TlsChoice::ALL {
            let j = run(&Scenario { tls, ..sc.clone() });
            if let Some(v) = j.tls {
                checked += check(name, v, &j.trace.events);
            }
        }
    }
    for page in wirewalk::model::pages::presets() {
        for tls in TlsChoice::ALL {
            let sc = wirewalk::model::load::PageScenario {
                tls: tls.as_str().into(),
                ..page.clone()
            };
            let l = wirewalk::model::load::run(&sc).expect("loads");
            checked += check(&page.name, tls.version(), &l.trace.events);
        }
    }
    assert!(checked > 1000, "only {checked} TLS events checked");
}

/// The journey is the document's request of the page engine: for every preset, running the
/// one-document page the journey builds gives a load whose trace holds only the navigation's
/// document requests (1; or 1 and 2 when an https attempt fell back to http or a form's POST
/// was redirected) and its page's click `fetch()` (the next), besides the connections the
/// browser opens as the navigation starts that no request was bound to; and the journey is exactly the
/// requests' events in the engine's order, the documents numbered 0 and the click's `fetch()` 1.
#[test]
fn the_journey_is_the_document_slice_of_a_one_document_load() {
    use wirewalk::model::{journey, load};
    for (name, sc) in presets() {
        let situation = journey::situation_of(&sc);
        let Ok(nav) = load::Nav::plan(&sc.url, &situation, &Default::default()) else {
            continue;
        };
        if wirewalk::model::url::parse(&sc.url, None).is_err()
            && wirewalk::model::omnibox::typed_scheme(&sc.url).is_some()
        {
            continue;
        }
        let p = nav.target;
        let page = journey::page_of(&sc, &p);
        let l = load::run_in(&page, &situation, journey::cache_of(&sc, &p))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Two documents when the https attempt fell back to http, or the form's POST was
        // answered with a 303 and its Location fetched with GET.
        let two = matches!(name, "https-fallback" | "form-post");
        assert_eq!(l.documents, if two { vec![1, 2] } else { vec![1] });
        let last = l.documents.len() as u32 + 1;
        // A connection the browser opens as the navigation starts belongs to no request until
        // one is bound to it as it connects (one reusing it later finds it idle).
        let spare = |c: Option<u32>| {
            l.connections
                .iter()
                .any(|x| Some(x.id) == c && x.preconnect == Some(load::Preconnector::Navigation))
        };
        assert!(
            l.trace
                .events
                .iter()
                .all(|e| (1..=last).contains(&e.request) || (e.request == 0 && spare(e.connection))),
            "{name}: the one-document load made other requests"
        );
        let events: Vec<_> = l.trace.events.iter().filter(|e| e.request != 0).collect();
        assert!(
            l.requests.len() as u32 <= last,
            "{name}: {} requests",
            l.requests.len()
        );
        let j = run(&sc);
        assert_eq!(j.trace.events.len(), events.len(), "{name}");
        for (a, b) in j.trace.events.iter().zip(events) {
            let journey_id = if l.api == Some(b.request) { 1 } else { 0 };
            assert_eq!(
                (a.at, a.step, a.summary(), a.request),
                (b.at, b.step, b.summary(), journey_id),
                "{name}"
            );
        }
    }
}

/// A document whose connection fails while it waits to become a stream (HTTP/2, HTTP/3) ends
/// the navigation with the connection's error, as over HTTP/1.1: the error page, the refusal
/// on the diagram, Navigation Timing empty.
#[test]
fn a_refused_connection_fails_the_navigation_over_every_protocol() {
    use wirewalk::model::load::Protocol;
    for protocol in Protocol::ALL {
        let j = run(&Scenario {
            protocol,
            refused: true,
            ..Scenario::default()
        });
        assert!(
            matches!(&j.outcome, Outcome::Error { code, .. } if code == "ERR_CONNECTION_REFUSED"),
            "{protocol}: {:?}",
            j.outcome
        );
        assert!(
            j.trace.has(steps::TCP_RST),
            "{protocol}: no RST on the diagram"
        );
        assert!(
            j.trace.has(steps::NAV_ERROR_PAGE),
            "{protocol}: no error page"
        );
    }
}
