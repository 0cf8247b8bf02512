//! Captures the model writes, opened by a second implementation: Wireshark's `tshark`
//! (installed by `scripts/bootstrap.sh`). It must read every packet, find every IPv4 and TCP
//! checksum right, and decrypt TLS 1.3 with the key log the file carries in its Decryption
//! Secrets Block — with nothing beside the file, as a user opening it in Wireshark would.
//!
//! The connection here is RFC 8448 §3's, made from its inputs by `Session13`
//! (tests/it/tls13_rfc8448.rs), carried by `tcp_stream` between two documentation addresses.

use crate::tls13_rfc8448::{made_from_inputs, Trace};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use wirewalk::model::pcapng::{self, Capture, Packet};
use wirewalk::model::tcp_stream::{Endpoint, Stream};

/// 2023-11-14T22:13:20Z, in microseconds.
const START_US: u64 = 1_700_000_000_000_000;

fn rfc8448_capture() -> Capture {
    let t = Trace::load();
    let (session, records) = made_from_inputs(&t);
    let mut stream = Stream::new(
        Endpoint {
            addr: Ipv4Addr::new(192, 0, 2, 10),
            port: 51_234,
            isn: 0x1234_5678,
            ip_id: 0x4d2,
            ts_offset: 3_000_000,
        },
        Endpoint {
            addr: Ipv4Addr::new(203, 0, 113, 5),
            port: 443,
            isn: 0x9abc_def0,
            ip_id: 0,
            ts_offset: 9_000_000,
        },
    );
    let mut packets = Vec::new();
    let mut ms = 0u32;
    let push = |packets: &mut Vec<Packet>, ms: u32, data: Vec<u8>, comment: &str| {
        packets.push(Packet {
            at_us: START_US + u64::from(ms) * 1000,
            data,
            comment: comment.to_string(),
        })
    };
    push(&mut packets, ms, stream.syn(ms), "tcp.syn");
    ms += 25;
    push(&mut packets, ms, stream.syn_ack(ms), "tcp.syn_ack");
    ms += 25;
    push(&mut packets, ms, stream.ack(true, ms), "tcp.ack");
    for r in &records {
        for p in stream.data(r.from_client, ms, &r.record.bytes) {
            push(&mut packets, ms, p, "tls record");
        }
        ms += 25;
        push(&mut packets, ms, stream.ack(!r.from_client, ms), "ack");
    }
    push(&mut packets, ms, stream.fin(true, ms), "tcp.fin");
    ms += 25;
    push(&mut packets, ms, stream.fin(false, ms), "tcp.fin");
    ms += 25;
    push(&mut packets, ms, stream.ack(true, ms), "ack");
    Capture {
        packets,
        keylog: session.keylog(),
    }
}

fn tshark() -> PathBuf {
    let found = ["/usr/bin/tshark", "/usr/local/bin/tshark"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    found.unwrap_or_else(|| {
        panic!("tshark is not installed: run scripts/bootstrap.sh browser (it installs Debian's tshark)")
    })
}

/// tshark's fields of every packet, one line each, tab-separated.
fn fields(file: &Path, names: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(tshark());
    cmd.arg("-r")
        .arg(file)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
        ])
        .args([
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ]);
    for n in names {
        cmd.args(["-e", n]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capture");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

#[test]
fn our_reader_reads_what_we_write() {
    let c = rfc8448_capture();
    let bytes = pcapng::write(&c);
    let back = pcapng::read(&bytes).expect("reads");
    assert_eq!(back.linktype, Some(pcapng::LINKTYPE_RAW));
    assert_eq!(back.capture, c);
    assert_eq!(c.keylog.lines().count(), 5, "{}", c.keylog);
}

#[test]
fn wireshark_reads_every_packet_and_decrypts_tls_13_with_the_files_own_key_log() {
    let c = rfc8448_capture();
    let file = scratch("rfc8448.pcapng");
    std::fs::write(&file, pcapng::write(&c)).expect("write capture");
    let rows = fields(
        &file,
        &[
            "frame.number",
            "ip.checksum.status",
            "tcp.checksum.status",
            "tcp.analysis.flags",
            "tls.handshake.type",
            "tls.alert_message.desc",
            "frame.comment",
        ],
    );
    assert_eq!(rows.len(), c.packets.len(), "one row per packet");
    for r in &rows {
        // Checksum status 1 is "Good" (Wireshark's PROTO_CHECKSUM_E_GOOD; 0 is bad, 2 unverified).
        assert_eq!(r[1], "1", "IP checksum of frame {}", r[0]);
        assert_eq!(r[2], "1", "TCP checksum of frame {}", r[0]);
        assert_eq!(
            r[3], "",
            "no TCP analysis warnings in frame {}: {}",
            r[0], r[3]
        );
    }
    // The handshake types tshark saw: ClientHello (1) and ServerHello (2) are in the clear; the
    // rest — EncryptedExtensions (8), Certificate (11), CertificateVerify (15), Finished (20)
    // and NewSessionTicket (4) — only after decryption with the key log.
    let types: Vec<String> = rows
        .iter()
        .filter(|r| !r[4].is_empty())
        .map(|r| r[4].clone())
        .collect();
    assert_eq!(types, ["1", "2", "8,11,15,20", "20", "4"]);
    let alerts = rows.iter().filter(|r| r[5] == "0").count();
    assert_eq!(alerts, 2, "both close_notify alerts decrypted");
    assert_eq!(rows[0][6], "tcp.syn", "packet comments");
}

#[test]
fn wireshark_decrypts_the_application_data() {
    let c = rfc8448_capture();
    let file = scratch("rfc8448-data.pcapng");
    std::fs::write(&file, pcapng::write(&c)).expect("write capture");
    let payload: String = Trace::load()
        .get("app_payload")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = Command::new(tshark())
        .arg("-r")
        .arg(&file)
        .args(["-q", "-z", "follow,tls,raw,0"])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Both directions' 50 bytes, as tshark decrypted them.
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| *l == payload)
        .collect();
    assert_eq!(lines.len(), 2, "tshark's follow output:\n{text}");
    // Without the key log, nothing decrypts.
    let bare = Capture {
        keylog: String::new(),
        ..c
    };
    std::fs::write(&file, pcapng::write(&bare)).expect("write capture");
    let rows = fields(&file, &["tls.handshake.type"]);
    let types: Vec<&str> = rows
        .iter()
        .map(|r| r[0].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(types, ["1", "2"]);
}
