//! DNS messages on the wire against the published examples (`dns/dns_wire_examples.json`:
//! RFC 8484 §4.1.1's queries and §4.2.2's AAAA response, RFC 1035 §4.1.4's compression
//! layout): each message is read into its fields, which match the decoded form the file gives,
//! and written back byte for byte, compression pointers included.

use serde_json::Value;
use std::net::Ipv6Addr;
use wirewalk::model::dns_wire::{self, rtype, RData, CLASS_IN};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn cases() -> Vec<Value> {
    let path = crate::conformance_dir().join("dns/dns_wire_examples.json");
    let text = std::fs::read_to_string(&path).expect("dns_wire_examples.json");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v["cases"].as_array().expect("cases").clone()
}

#[test]
fn the_published_messages_round_trip() {
    let mut checked = 0;
    for c in cases() {
        let id = c["id"].as_str().unwrap_or_default();
        if id.starts_with("rfc1035") {
            continue; // a layout of names, not a message: the next test
        }
        let bytes = unhex(c["hex"].as_str().expect("hex"));
        assert_eq!(
            bytes.len() as u64,
            c["length"].as_u64().expect("length"),
            "{id}"
        );
        let m = dns_wire::decode(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(dns_wire::to_bytes(&m).expect("writes"), bytes, "{id}");
        if let Some(name) = c["name"].as_str() {
            assert_eq!(m.questions[0].name, name, "{id}");
        }
        let d = &c["decoded"];
        if d.is_object() {
            assert_eq!(u64::from(m.id), d["id"].as_u64().expect("id"), "{id}");
            let flags = u16::from_str_radix(
                d["flags"].as_str().expect("flags").trim_start_matches("0x"),
                16,
            )
            .expect("flags");
            assert_eq!(m.flags.to_u16(), flags, "{id}");
            assert_eq!(m.flags.rd, d["rd"] == 1, "{id}");
            assert_eq!(
                m.questions.len() as u64,
                d["qdcount"].as_u64().unwrap_or(0),
                "{id}"
            );
            assert_eq!(
                m.answers.len() as u64,
                d["ancount"].as_u64().unwrap_or(0),
                "{id}"
            );
            let q = &d["question"];
            assert_eq!(
                m.questions[0].name,
                q["name"].as_str().expect("name"),
                "{id}"
            );
            assert_eq!(
                u64::from(m.questions[0].qtype),
                q["type_code"].as_u64().expect("type"),
                "{id}"
            );
            assert_eq!(m.questions[0].qclass, CLASS_IN, "{id}");
            for (a, want) in m
                .answers
                .iter()
                .zip(d["answers"].as_array().into_iter().flatten())
            {
                assert_eq!(u64::from(a.ttl), want["ttl"].as_u64().expect("ttl"), "{id}");
                assert_eq!(
                    dns_wire::type_name(a.rtype),
                    want["type"].as_str().expect("type"),
                    "{id}"
                );
                let addr: Ipv6Addr = want["address"]
                    .as_str()
                    .expect("address")
                    .parse()
                    .expect("v6");
                assert_eq!(a.data, RData::Aaaa(addr), "{id}");
                // The owner name is written as the pointer the file names (to offset 12).
                assert_eq!(a.name, m.questions[0].name, "{id}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 4, "the four RFC 8484 messages");
}

/// RFC 1035 §4.1.4's figure: names at the offsets it gives, the later ones through pointers.
#[test]
fn rfc_1035s_compression_figure_reads_as_published() {
    let c = cases()
        .into_iter()
        .find(|c| c["id"] == "rfc1035-4.1.4-compression")
        .expect("the compression case");
    let bytes = unhex(c["hex"].as_str().expect("hex"));
    for (name, at) in c["offsets"].as_object().expect("offsets") {
        let at = at.as_u64().expect("offset") as usize;
        let (read, _) = dns_wire::read_name(&bytes, at).expect("a name");
        let want = if name == "root" {
            String::new()
        } else {
            name.to_ascii_lowercase()
        };
        assert_eq!(read.to_ascii_lowercase(), want, "at {at}");
    }
    // Written again in the figure's order, the later names become the same pointers.
    let m = dns_wire::Message {
        questions: ["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA"]
            .iter()
            .map(|n| dns_wire::Question {
                name: n.to_string(),
                qtype: rtype::A,
                qclass: CLASS_IN,
            })
            .collect(),
        ..Default::default()
    };
    let w = dns_wire::encode(&m).expect("writes");
    let (out, spans) = (w.bytes, w.fields);
    let name_at = |i: usize| {
        let s = spans
            .iter()
            .find(|s| s.name == format!("question[{i}].name"))
            .expect("span");
        out[s.start..s.end].to_vec()
    };
    // FOO then a pointer to F.ISI.ARPA (offset 12 here); ARPA a pointer into it (offset 18).
    assert_eq!(name_at(1), [&[3u8][..], b"FOO", &[0xc0, 12]].concat());
    assert_eq!(name_at(2), vec![0xc0, 18]);
}

mod properties {
    use proptest::prelude::*;
    use std::net::Ipv4Addr;
    use wirewalk::model::dns_wire::{
        self, rtype, Flags, Message, Question, RData, Record, CLASS_IN,
    };

    fn name() -> impl Strategy<Value = String> {
        prop::collection::vec("[a-c]{1,3}", 0..4).prop_map(|l| l.join("."))
    }

    fn record() -> impl Strategy<Value = Record> {
        (name(), name(), any::<u32>(), any::<[u8; 4]>(), 0u8..3).prop_map(|(n, t, ttl, a, k)| {
            let (rtype, data) = match k {
                0 => (rtype::A, RData::A(Ipv4Addr::from(a))),
                1 => (rtype::NS, RData::Name(t)),
                _ => (99, RData::Opaque(a.to_vec())),
            };
            Record {
                name: n,
                rtype,
                class: CLASS_IN,
                ttl,
                data,
            }
        })
    }

    proptest! {
        /// Whatever the bytes, reading them ends in a message or an error, never a panic.
        #[test]
        fn any_bytes_are_read_without_panic(b in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = dns_wire::decode(&b);
        }

        /// A message written and read back is the same message, compressed or not.
        #[test]
        fn messages_round_trip(
            id in any::<u16>(),
            flags in any::<u16>(),
            q in prop::collection::vec(name(), 0..3),
            answers in prop::collection::vec(record(), 0..4),
            authority in prop::collection::vec(record(), 0..3),
        ) {
            let m = Message {
                id,
                flags: Flags::from_u16(flags),
                questions: q.into_iter().map(|name| Question { name, qtype: rtype::A, qclass: CLASS_IN }).collect(),
                answers,
                authority,
                additional: vec![],
            };
            let b = dns_wire::to_bytes(&m).expect("writes");
            prop_assert_eq!(dns_wire::decode(&b).expect("reads"), m);
        }
    }
}

/// The default journey's lookup, as `wirewalk trace --json` prints it: the stub's query and the
/// resolver's answer are messages whose bytes read back, the same ID on both, the answer the
/// address the journey then connects to.
#[test]
fn the_journeys_lookup_prints_its_messages() {
    let j = wirewalk::model::journey::run(&wirewalk::model::scenario::Scenario::default());
    let v = wirewalk::cli::trace_json(&j);
    let message = |step: &str| {
        let e = v["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["step"] == step)
            .unwrap_or_else(|| panic!("no {step}"));
        let bytes = unhex(e["wire"]["hex"].as_str().expect("hex"));
        assert_eq!(e["bytes"].as_u64(), Some(bytes.len() as u64 + 28), "{step}");
        dns_wire::decode(&bytes).unwrap_or_else(|err| panic!("{step}: {err}"))
    };
    let q = message("dns.query.resolver");
    let a = message("dns.answer");
    assert_eq!(q.id, a.id);
    assert_eq!(q.questions, a.questions);
    assert!(q.flags.rd && a.flags.qr && a.flags.ra);
    let RData::A(addr) = a.answers[0].data else {
        panic!("an A record: {:?}", a.answers)
    };
    let syn = j
        .trace
        .events
        .iter()
        .find(|e| e.step.as_str() == "tcp.syn")
        .expect("a SYN");
    assert!(
        syn.summary().contains(&format!("{addr}:443")),
        "{}",
        syn.summary()
    );
}
