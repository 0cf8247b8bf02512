//! DNS over HTTPS (issue 19, RFC 8484) through the journey and the page load the app and the CLI
//! run: the first lookup opens the browser's own connection to the DoH server — whose name is
//! looked up over plain DNS first — and every question goes as a GET whose URI carries the
//! padded query; the answers come back as `application/dns-message` bodies; later lookups reuse
//! the connection.

use super::capture::{expect_status, fields, scratch, wirewalk_pcap};
use wirewalk::model::dns_wire::{self, rtype, RData};
use wirewalk::model::doh;
use wirewalk::model::journey::{run, Journey};
use wirewalk::model::navigation::Outcome;
use wirewalk::model::scenario::{DnsState, Ipv6State, Scenario};
use wirewalk::model::step::steps;
use wirewalk::model::trace::Event;
use wirewalk::model::{dns, load, pages};

fn secure(sc: Scenario) -> Journey {
    run(&Scenario { doh: true, ..sc })
}

fn message(e: &Event) -> dns_wire::Message {
    dns_wire::decode(&e.wire.as_ref().expect("the message's bytes").bytes).expect("decodes")
}

#[test]
fn the_first_lookup_opens_the_browsers_own_connection_to_the_doh_server() {
    let j = secure(Scenario::default());
    let ev = &j.trace.events;
    // The DoH server's connection, in its own socket group, and its name over plain DNS.
    let opened = (ev.iter())
        .find(|e| e.step == steps::POOL_NEW_CONNECTION && e.summary().contains("dns_bootstrap/"))
        .expect("a connection in the dns_bootstrap group");
    let doh_conn = opened.connection;
    assert!(
        (ev.iter()).any(|e| e.step == steps::DNS_QUERY_RESOLVER && e.summary() == "A? dns.google"),
        "the DoH server's own name goes over plain DNS"
    );
    let finished = (ev.iter())
        .position(|e| e.step == steps::TLS_FINISHED && e.connection == doh_conn)
        .expect("the DoH connection's handshake");
    let asked: Vec<&Event> = ev
        .iter()
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .collect();
    assert_eq!(asked.len(), 2, "A and HTTPS, each its own request");
    for (e, qtype) in asked.iter().zip([rtype::A, rtype::HTTPS]) {
        assert!(ev.iter().position(|x| std::ptr::eq(x, *e)) > Some(finished));
        let m = message(e);
        assert_eq!(m.id, 0, "RFC 8484 §4.1: ID 0");
        assert!(m.flags.rd);
        assert_eq!(m.questions[0].qtype, qtype);
        let bytes = &e.wire.as_ref().expect("bytes").bytes;
        assert_eq!(bytes.len() % 128, 0, "padded to 128 bytes (RFC 8467)");
        assert_eq!(m.additional[0].rtype, doh::OPT);
        // The request's URI carries exactly these bytes, base64url without padding.
        let request = e.get("request").expect("the request");
        let want = format!("GET /dns-query?dns={} ", doh::base64url(bytes));
        assert!(request.starts_with(&want), "{request}");
        assert_eq!(
            e.flight.as_ref().map(|f| f.to),
            Some(wirewalk::model::trace::Actor::Resolver)
        );
    }
    let answers: Vec<&Event> = ev
        .iter()
        .filter(|e| e.step == steps::DNS_ANSWER_DOH)
        .collect();
    assert_eq!(answers.len(), 2);
    let a = message(answers[0]);
    assert!(a.flags.qr && a.flags.ra);
    assert!(
        matches!(a.answers[0].data, RData::A(x) if x == dns::address_of("www.example.com")),
        "{:?}",
        a.answers
    );
    let bytes = answers[0].wire.as_ref().expect("bytes").bytes.len();
    assert_eq!(
        bytes % 468,
        0,
        "the server pads its answer to 468 bytes (RFC 8467)"
    );
    assert!(
        message(answers[1]).answers.is_empty(),
        "no HTTPS record in the zone"
    );
    // The lookup ends when the answers arrive; the site's connection starts then.
    let arrived = answers[0].flight.as_ref().expect("a flight").arrives_at;
    assert_eq!(j.timing.domain_lookup_end, arrived.as_ms());
    assert_eq!(j.timing.connect_start, arrived.as_ms());
    let syn = (ev.iter())
        .find(|e| e.step == steps::TCP_SYN && e.connection != doh_conn)
        .expect("the site's SYN");
    assert_eq!(syn.at, arrived);
    // Against plain DNS, the first lookup pays for the DoH server's lookup and handshakes.
    let plain = run(&Scenario::default());
    assert!(j.timing.domain_lookup_end > plain.timing.domain_lookup_end);
    assert!(matches!(j.outcome, Outcome::Ok), "{:?}", j.outcome);
}

#[test]
fn with_ipv6_the_questions_go_aaaa_then_a_then_https() {
    let j = secure(Scenario {
        ipv6: Ipv6State::Ok,
        ..Scenario::default()
    });
    let kinds: Vec<u16> = (j.trace.events.iter())
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .map(|e| message(e).questions[0].qtype)
        .collect();
    assert_eq!(kinds, [rtype::AAAA, rtype::A, rtype::HTTPS]);
    let aaaa = (j.trace.events.iter())
        .find(|e| e.step == steps::DNS_ANSWER_DOH && e.summary().contains("AAAA"))
        .expect("the AAAA answer");
    assert!(matches!(message(aaaa).answers[0].data, RData::Aaaa(_)));
}

#[test]
fn a_name_that_does_not_exist_fails_over_https_too() {
    let j = secure(Scenario {
        dns: DnsState::Nxdomain,
        ..Scenario::default()
    });
    let answer = (j.trace.events.iter())
        .find(|e| e.step == steps::DNS_ANSWER_DOH)
        .expect("an answer");
    assert_eq!(message(answer).flags.rcode, 3, "NXDOMAIN");
    assert!(j.trace.find(steps::DNS_NXDOMAIN).is_some());
    assert!(!matches!(j.outcome, Outcome::Ok), "{:?}", j.outcome);
}

#[test]
fn later_lookups_reuse_the_doh_connection() {
    let mut sc = pages::preset("multi-origin").expect("a preset");
    sc.doh = true;
    let load = load::run(&sc).expect("loads");
    let ev = &load.trace.events;
    let doh_conns: Vec<Option<u32>> = (ev.iter())
        .filter(|e| e.step == steps::POOL_NEW_CONNECTION && e.summary().contains("dns_bootstrap/"))
        .map(|e| e.connection)
        .collect();
    assert_eq!(doh_conns.len(), 1, "one connection to the DoH server");
    let syns = (ev.iter())
        .filter(|e| e.step == steps::TCP_SYN && e.connection == doh_conns[0])
        .count();
    assert_eq!(syns, 1, "one handshake, kept for every lookup");
    // Every host's questions, on the connection's streams 1, 3, 5…
    let streams: Vec<u32> = (ev.iter())
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .map(|e| {
            let s = e.summary();
            let n = s.split("on stream ").nth(1).expect("a stream");
            n.split(' ')
                .next()
                .expect("a number")
                .parse()
                .expect("a number")
        })
        .collect();
    assert!(streams.len() >= 6, "{streams:?}");
    assert!(
        streams
            .iter()
            .enumerate()
            .all(|(i, s)| *s == 2 * i as u32 + 1),
        "{streams:?}"
    );
    // A later lookup costs one round trip to the DoH server and the resolver's work, no
    // handshake: its questions leave when its connection asks.
    let later = (ev.iter())
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .nth(2)
        .expect("a second lookup");
    let opened = (ev.iter())
        .find(|e| e.step == steps::POOL_NEW_CONNECTION && e.connection == later.connection)
        .expect("its connection");
    assert_eq!(later.at, opened.at);
}

/// The lookup's bytes, through `wirewalk trace --doh --pcap`, opened by a second
/// implementation: tshark decrypts the DoH connection with the file's key log, reads each
/// request's `:path` — the query's own bytes in base64url — and decodes each answer's body as
/// DNS (`application/dns-message`), every checksum good.
#[test]
fn the_capture_holds_the_lookup_over_https_and_wireshark_reads_it() {
    let file = scratch("doh.pcapng");
    let out = wirewalk_pcap(&["trace", "https://www.example.com/", "--doh"], &file, None);
    expect_status(&out, 0);
    let rows = fields(
        &file,
        &[
            "dns.id",
            "dns.qry.name",
            "dns.a",
            "http2.headers.path",
            "http2.headers.content_type",
            "ip.checksum.status",
            "tcp.checksum.status",
            "udp.checksum.status",
            "tcp.analysis.flags",
        ],
    );
    let j = secure(Scenario::default());
    let queries: Vec<String> = (j.trace.events.iter())
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .map(|e| {
            format!(
                "/dns-query?dns={}",
                doh::base64url(&e.wire.as_ref().expect("bytes").bytes)
            )
        })
        .collect();
    let paths: Vec<&str> = (rows.iter())
        .filter(|r| r[3].starts_with("/dns-query"))
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(
        paths, queries,
        "each question's request, its query in the URI"
    );
    let answers: Vec<&Vec<String>> = (rows.iter()).filter(|r| r[4] == doh::MEDIA_TYPE).collect();
    assert_eq!(answers.len(), 2, "{rows:?}");
    for a in &answers {
        assert_eq!(
            (a[0].as_str(), a[1].as_str()),
            ("0x0000", "www.example.com"),
            "{a:?}"
        );
    }
    assert_eq!(
        answers[0][2],
        dns::address_of("www.example.com").to_string()
    );
    for r in &rows {
        assert_eq!(r[5], "1", "IPv4 checksum: {r:?}");
        assert!(r[6] == "1" || r[7] == "1", "TCP or UDP checksum: {r:?}");
        assert_eq!(r[8], "", "no TCP analysis warning: {r:?}");
    }
}

/// The flags parse beside options that take values (`--https-rr` once swallowed the word
/// after it), and the HTTPS record comes over HTTPS too: its `h3` sends the first visit over
/// QUIC.
#[test]
fn the_cli_prints_the_questions_over_https() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args([
            "trace",
            "https://www.example.com/",
            "--doh",
            "--https-rr",
            "--ipv6",
            "ok",
        ])
        .output()
        .expect("runs");
    expect_status(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "AAAA? www.example.com over HTTPS",
        "A? www.example.com over HTTPS",
        "HTTPS? www.example.com over HTTPS",
        "200 on stream 5: www.example.com HTTPS 1 . alpn=\"h3,h2\"",
        "quic.client_initial",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

/// A connection held for its lookup over HTTPS that races QUIC once its address is known (an
/// Alt-Svc learnt earlier): the race starts when the answer arrives, and the trace stays in
/// time order (it once put the race at the job's start, behind later events).
#[test]
fn a_held_connection_races_quic_when_its_answer_arrives() {
    use wirewalk::model::scenario::AltSvcState;
    for alt_svc in [AltSvcState::Learned, AltSvcState::UdpBlocked] {
        let j = secure(Scenario {
            alt_svc,
            ..Scenario::default()
        });
        let ev = &j.trace.events;
        assert!(
            ev.windows(2).all(|w| w[0].at <= w[1].at),
            "{alt_svc:?}: events in time order"
        );
        let answered = (ev.iter())
            .find(|e| e.step == steps::DNS_ANSWER_DOH)
            .and_then(|e| e.flight.as_ref())
            .expect("an answer")
            .arrives_at;
        let race = j.trace.find(steps::POOL_ALT_RACE).expect("the race");
        assert_eq!(race.at, answered, "{alt_svc:?}");
        assert!(
            matches!(j.outcome, Outcome::Ok),
            "{alt_svc:?}: {:?}",
            j.outcome
        );
    }
}

/// A page of 300 origins fills the pool: the DoH server's connection, a live HTTP/2 session
/// that no request holds, is not closed to make room, and every lookup and request ends.
#[test]
fn the_doh_connection_is_never_closed_as_an_idle_socket() {
    let mut sc = pages::synthetic(600, 300);
    sc.doh = true;
    let load = load::run(&sc).expect("loads");
    let doh_conn = (load.trace.events.iter())
        .find(|e| e.step == steps::POOL_NEW_CONNECTION && e.summary().contains("dns_bootstrap/"))
        .and_then(|e| e.connection)
        .expect("the DoH connection");
    let c = (load.connections.iter())
        .find(|c| c.id == doh_conn)
        .expect("in the load's connections");
    assert_eq!(c.closed, None, "{:?}", c.close_reason);
    let lookups = (load.trace.events.iter())
        .filter(|e| e.step == steps::DNS_QUERY_DOH)
        .count();
    assert!(
        lookups >= 2 * 300,
        "every origin's lookup over HTTPS: {lookups}"
    );
    let failed: Vec<String> = (load.requests.iter())
        .filter(|r| !matches!(r.outcome, load::Outcome::Ok { .. }))
        .map(|r| r.outcome.describe())
        .collect();
    assert!(failed.is_empty(), "every request loads: {failed:?}");
}

/// Over HTTP/3 the held connection keeps the scenario's QUIC connection ID for its real
/// machines (its stand-in while it waits once took it, and the Initial then drew another).
#[test]
fn a_held_quic_connection_keeps_the_scenarios_connection_id() {
    use wirewalk::model::quic_present::Shown;
    let j = secure(Scenario {
        protocol: load::Protocol::H3,
        quic_dcid: Some("8394c8f03e515708".into()),
        ..Scenario::default()
    });
    let initial = (j.trace.events.iter())
        .find(|e| e.step == steps::QUIC_CLIENT_INITIAL)
        .and_then(|e| e.detail::<Shown>())
        .expect("an Initial");
    assert_eq!(
        &*initial.cid,
        [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]
    );
}
