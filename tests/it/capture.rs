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

pub(crate) fn tshark() -> PathBuf {
    let found = ["/usr/bin/tshark", "/usr/local/bin/tshark"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    found.unwrap_or_else(|| {
        panic!("tshark is not installed: run scripts/bootstrap.sh browser (it installs Debian's tshark)")
    })
}

/// tshark's fields of every packet, one line each, tab-separated.
pub(crate) fn fields(file: &Path, names: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(tshark());
    cmd.arg("-r")
        .arg(file)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
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

/// tshark's rows cut into one row per occurrence: a packet with three HTTP/2 frames gives three
/// rows of `cols` (the frames' fields, each field's occurrences aggregated with commas), each
/// with the packet's other columns `keep` first.
fn per_frame(rows: &[Vec<String>], keep: &[usize], cols: &[usize]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for r in rows {
        let split: Vec<Vec<&str>> = cols.iter().map(|&c| r[c].split(',').collect()).collect();
        for k in 0..split[0].len() {
            if split[0][k].is_empty() {
                continue;
            }
            let mut row: Vec<String> = keep.iter().map(|&c| r[c].clone()).collect();
            row.extend(
                split
                    .iter()
                    .map(|v| v.get(k).copied().unwrap_or("").to_string()),
            );
            out.push(row);
        }
    }
    out
}

/// One row per packet, each with its IPv4 checksum Good, its TCP or UDP checksum Good (status 1
/// is Wireshark's PROTO_CHECKSUM_E_GOOD) and no TCP analysis warning: the columns of those
/// fields in `rows` are (ip, tcp, udp, analysis).
pub(crate) fn assert_clean(
    rows: &[Vec<String>],
    packets: usize,
    (ip, tcp, udp, analysis): (usize, usize, usize, usize),
) {
    assert_eq!(rows.len(), packets, "one row per packet");
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[ip], "1", "IP checksum of packet {i}");
        assert!(
            r[tcp] == "1" || r[udp] == "1",
            "TCP or UDP checksum of packet {i}: {r:?}"
        );
        assert_eq!(
            r[analysis], "",
            "TCP analysis of packet {i}: {}",
            r[analysis]
        );
    }
}

/// The process ended with `code`; its error output says why if not.
pub(crate) fn expect_status(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `wirewalk <args> --pcap <pcap> [--keylog <keylog>]`, run as a process.
pub(crate) fn wirewalk_pcap(
    args: &[&str],
    pcap: &Path,
    keylog: Option<&Path>,
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirewalk"));
    cmd.args(args).arg("--pcap").arg(pcap);
    if let Some(k) = keylog {
        cmd.arg("--keylog").arg(k);
    }
    cmd.output().expect("run wirewalk")
}

pub(crate) fn scratch(name: &str) -> PathBuf {
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

/// `wirewalk trace <args> --pcap F --keylog K --json`, run as a process: the capture, the key
/// log and the trace's JSON.
pub(crate) fn journey_capture(
    name: &str,
    args: &[&str],
) -> (PathBuf, Capture, String, serde_json::Value) {
    let pcap = scratch(&format!("{name}.pcapng"));
    let keys = scratch(&format!("{name}.keys"));
    let mut all: Vec<&str> = vec!["trace"];
    all.extend_from_slice(args);
    let (p, k) = (pcap.to_string_lossy(), keys.to_string_lossy());
    all.extend_from_slice(&["--json", "--pcap", &p, "--keylog", &k]);
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(&all)
        .output()
        .expect("run wirewalk");
    expect_status(&out, 0);
    let bytes = std::fs::read(&pcap).expect("the capture was written");
    let read = pcapng::read(&bytes).expect("our reader reads it");
    let keylog = std::fs::read_to_string(&keys).expect("the key log was written");
    let trace = serde_json::from_slice(&out.stdout).expect("JSON");
    (pcap, read.capture, keylog, trace)
}

/// Every packet reads as IPv4 with TCP or UDP, every checksum verified; returns the TCP
/// payloads' total and the UDP payloads.
pub(crate) fn check_packets(c: &Capture) -> (usize, Vec<Vec<u8>>) {
    use wirewalk::model::{ip, tcp_wire};
    let mut tcp_bytes = 0;
    let mut udp = Vec::new();
    for (i, p) in c.packets.iter().enumerate() {
        let (h, rest) = ip::Ipv4::parse(&p.data).unwrap_or_else(|e| panic!("packet {i}: {e:?}"));
        match h.protocol {
            ip::PROTO_TCP => {
                let (_, payload) = tcp_wire::Header::parse(rest, h.src, h.dst, true)
                    .unwrap_or_else(|e| panic!("packet {i} ({}): {e:?}", p.comment));
                tcp_bytes += payload.len();
            }
            ip::PROTO_UDP => {
                let (_, _, payload) = ip::parse_udp(h.src, h.dst, rest)
                    .unwrap_or_else(|e| panic!("packet {i}: {e:?}"));
                udp.push(payload.to_vec());
            }
            other => panic!("packet {i}: protocol {other}"),
        }
    }
    (tcp_bytes, udp)
}

#[test]
fn the_default_journey_as_a_capture_reads_back_and_wireshark_decrypts_it() {
    let (file, c, keylog, trace) = journey_capture("journey", &["https://example.com/"]);
    assert!(c.packets.len() > 30, "{} packets", c.packets.len());
    assert_eq!(c.keylog, keylog, "the file's secrets and the key log agree");
    // Our reader: every checksum right, and the DNS datagrams are the trace's messages.
    let (_, udp) = check_packets(&c);
    let dns_wire: Vec<Vec<u8>> = trace["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| {
            matches!(
                e["step"].as_str(),
                Some("dns.query.resolver" | "dns.answer")
            )
        })
        .map(|e| {
            let hex = e["wire"]["hex"].as_str().expect("wire bytes");
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
                .collect()
        })
        .collect();
    assert_eq!(udp, dns_wire);

    // Wireshark: every checksum good, no TCP analysis warnings, the handshake decrypted and
    // both HTTP exchanges read from inside TLS.
    let rows = fields(
        &file,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "tcp.analysis.flags",
            "tls.handshake.type",
            "http.request.line",
            "http.request.uri",
            "http.response.code",
            "udp.checksum.status",
        ],
    );
    assert_clean(&rows, c.packets.len(), (0, 1, 7, 2));
    let types: Vec<&str> = rows
        .iter()
        .map(|r| r[3].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(types, ["1", "2", "8,11,15,20", "20", "4"]);
    let uris: Vec<&str> = rows
        .iter()
        .map(|r| r[5].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(uris, ["/", "/api/data"]);
    let codes: Vec<&str> = rows
        .iter()
        .map(|r| r[6].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(codes, ["200", "200"]);
    // The request Wireshark decrypted carries the fields the trace shows, in its order.
    let sent = trace["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["step"] == "http.request")
        .expect("a request");
    let first_field = &sent["fields"][0];
    let line = format!(
        "{}: {}\\r\\n",
        first_field["name"].as_str().expect("name"),
        first_field["value"].as_str().expect("value")
    );
    let decrypted = rows.iter().find(|r| !r[4].is_empty()).expect("a request");
    assert!(
        decrypted[4].starts_with(&line),
        "{} vs {line}",
        decrypted[4]
    );
}

/// The scenario's idle connection from before the load is picked up in mid-stream, as a
/// capture started when the load starts would show it: no handshake on it, the request's first
/// segment exactly as the trace shows it, every checksum right, and TLS application data that
/// Wireshark reads as records but cannot decrypt (the ClientHello whose random names the
/// secrets is not in the file), each packet saying why. A socket another tab was using when the
/// load started is refused.
#[test]
fn a_connection_open_before_the_load_is_picked_up_in_mid_stream() {
    use wirewalk::model::connection::Wrapping;
    use wirewalk::model::{capture, ip, journey, scenario, tcp_wire};
    let sc = scenario::preset("existing-connection").expect("preset");
    let j = journey::run(&sc);
    let c = capture::from_trace(&j.trace, sc.unix_time).expect("the capture is written");
    check_packets(&c);
    let w = (j.trace.events.iter())
        .find_map(|e| e.detail::<Wrapping>())
        .expect("the request's segments");
    let want = tcp_wire::Header::of(&w.first.segment);
    let headers: Vec<tcp_wire::Header> = (c.packets.iter())
        .filter_map(|p| {
            let (h, rest) = ip::Ipv4::parse(&p.data).ok()?;
            Some(tcp_wire::Header::parse(rest, h.src, h.dst, true).ok()?.0)
        })
        .collect();
    assert!(headers.contains(&want), "{want:?} is not in the capture");
    let port = want.src_port;
    assert!(
        !(headers.iter()).any(|h| h.src_port == port && h.flags & tcp_wire::flags::SYN != 0),
        "no handshake on the connection open before the load"
    );

    let pcap = scratch("existing-connection.pcapng");
    let out = wirewalk_pcap(&["trace", "--preset", "existing-connection"], &pcap, None);
    expect_status(&out, 0);
    let rows = fields(
        &pcap,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "tcp.srcport",
            "tcp.dstport",
            "tls.record.content_type",
            "http.request.uri",
            "frame.comment",
            "tls.handshake.type",
        ],
    );
    let on_it: Vec<&Vec<String>> = (rows.iter())
        .filter(|r| r[2] == port.to_string() || r[3] == port.to_string())
        .collect();
    assert!(on_it.len() > 10, "{} packets on it", on_it.len());
    for r in &on_it {
        assert_eq!((r[0].as_str(), r[1].as_str()), ("1", "1"), "{r:?}");
        assert!(r[5].is_empty(), "nothing on it decrypts: {r:?}");
        assert!(r[6].contains("open before the capture started"), "{r:?}");
    }
    let records: Vec<&str> = (on_it.iter())
        .map(|r| r[4].as_str())
        .filter(|t| !t.is_empty())
        .collect();
    assert!(records.len() >= 4, "{records:?}");
    assert!(
        records.iter().all(|t| t.split(',').all(|t| t == "23")),
        "{records:?}"
    );
    assert!(rows.iter().all(|r| r[7].is_empty()), "no handshake message");
    // The same over TLS 1.2: records Wireshark reads, and no key log line for a session whose
    // ClientHello it never sees.
    let pcap = scratch("existing-connection-tls12.pcapng");
    let keys = scratch("existing-connection-tls12.keys");
    let args = [
        "trace",
        "--preset",
        "existing-connection",
        "--tls",
        "1.2-ecdhe",
    ];
    expect_status(&wirewalk_pcap(&args, &pcap, Some(&keys)), 0);
    let rows = fields(&pcap, &["tcp.checksum.status", "tls.record.content_type"]);
    assert!(rows.iter().all(|r| r[0] == "1"), "{rows:?}");
    let types: Vec<&str> = (rows.iter().map(|r| r[1].as_str()))
        .filter(|t| !t.is_empty())
        .collect();
    assert!(
        types.len() >= 4 && types.iter().all(|t| *t == "23"),
        "{types:?}"
    );
    assert_eq!(std::fs::read_to_string(&keys).expect("key log"), "");
    // Over plain http the comment does not speak of decryption.
    let pcap = scratch("existing-connection-http.pcapng");
    let args = [
        "trace",
        "http://www.example.com/",
        "--existing-connection",
        "--no-https-upgrades",
    ];
    expect_status(&wirewalk_pcap(&args, &pcap, None), 0);
    let rows = fields(
        &pcap,
        &["tcp.checksum.status", "frame.comment", "http.request.uri"],
    );
    assert!(rows
        .iter()
        .all(|r| r[0] == "1" && r[1].contains("open before the capture started")));
    assert!(rows.iter().all(|r| !r[1].contains("decrypt")), "{rows:?}");
    assert!(
        rows.iter().any(|r| !r[2].is_empty()),
        "plain HTTP reads: {rows:?}"
    );

    let pcap = scratch("busy-origin.pcapng");
    let out = wirewalk_pcap(&["trace", "--preset", "busy-origin"], &pcap, None);
    expect_status(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot show a socket another tab was using when the load started"),
        "{err}"
    );
    assert!(!pcap.exists(), "no file for a refused run");
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(["trace", "--pcap"])
        .output()
        .expect("run wirewalk");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing file name is a usage error"
    );
}

#[test]
fn many_images_as_a_capture_every_connection_decrypts_in_wireshark() {
    every_connection_decrypts(
        "many-images",
        &["page", "--preset", "many-images", "--json"],
    );
}

/// A page of several origins, with a PNG and JPEGs among its resources: every connection and
/// every request in Wireshark, nothing malformed.
#[test]
fn multi_origin_as_a_capture_every_connection_decrypts_in_wireshark() {
    every_connection_decrypts(
        "multi-origin",
        &["page", "--preset", "multi-origin", "--json"],
    );
}

/// Runs `wirewalk <args> --pcap --keylog` (a page load, `--json`) and checks that Wireshark
/// decrypts every connection's handshake and every request and response of the load; returns
/// tshark's rows (columns: checksums, analysis, `tcp.stream`, `tls.handshake.type`, URI, code).
pub(crate) fn every_connection_decrypts(name: &str, args: &[&str]) -> Vec<Vec<String>> {
    let pcap = scratch(&format!("{name}.pcapng"));
    let keys = scratch(&format!("{name}.keys"));
    let out = wirewalk_pcap(args, &pcap, Some(&keys));
    expect_status(&out, 0);
    let load: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let c = pcapng::read(&std::fs::read(&pcap).expect("capture"))
        .expect("our reader reads it")
        .capture;
    let (tcp_bytes, _) = check_packets(&c);
    // Every response's head and body, inside TLS records, inside the TCP payloads.
    let responses: u64 = load["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|q| q["bytes"].as_u64().expect("bytes"))
        .sum();
    assert!(tcp_bytes as u64 > responses, "{tcp_bytes} ≤ {responses}");
    assert_eq!(
        c.keylog,
        std::fs::read_to_string(&keys).expect("key log"),
        "the file's secrets and the key log agree"
    );

    let rows = fields(
        &pcap,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "udp.checksum.status",
            "tcp.analysis.flags",
            "tcp.stream",
            "tls.handshake.type",
            "http.request.uri",
            "http.response.code",
            "_ws.malformed",
        ],
    );
    assert_clean(&rows, c.packets.len(), (0, 1, 2, 3));
    // Nothing Wireshark reads is malformed: the images' stand-ins are images it dissects.
    assert!(
        rows.iter().all(|r| r[8].is_empty()),
        "{name}: a malformed packet"
    );
    // Every connection the page opened: its Finished decrypted (the server's flight and the
    // client's), whether it resumed (EncryptedExtensions, Finished) or not.
    let connections = load["connection_list"]
        .as_array()
        .expect("connections")
        .len();
    let mut finished = std::collections::BTreeMap::<&str, usize>::new();
    for r in &rows {
        let n = r[5].split(',').filter(|t| *t == "20").count();
        if n > 0 {
            *finished.entry(r[4].as_str()).or_default() += n;
        }
    }
    assert_eq!(finished.len(), connections, "{finished:?}");
    assert!(finished.values().all(|n| *n == 2), "{finished:?}");
    // Every request of the load, read by Wireshark from inside TLS, and every answer a 200.
    let mut uris: Vec<String> = rows
        .iter()
        .filter(|r| !r[6].is_empty())
        .map(|r| r[6].clone())
        .collect();
    let mut expected: Vec<String> = load["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|q| {
            let url = q["url"].as_str().expect("url");
            url.splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_default()
        })
        .collect();
    uris.sort();
    expected.sort();
    assert_eq!(uris, expected);
    let codes = rows.iter().filter(|r| r[7] == "200").count();
    assert_eq!(codes, expected.len());
    rows
}

/// The certificates in the captures, checked by OpenSSL (a second implementation): the
/// model's chain for a host verifies against the model's root at the scenario's date, with the
/// host name, and a flipped byte in the leaf's signature does not.
#[test]
fn the_chain_verifies_with_openssl() {
    use wirewalk::model::capture::x509;
    use wirewalk::model::connection::{chain_for, web_roots};
    use wirewalk::model::scenario::{CertChoice, VISIT_UNIX_TIME};
    let chain = chain_for("www.example.com", CertChoice::Valid, VISIT_UNIX_TIME);
    let root = web_roots().roots[0].clone();
    let ders = x509::chain_der(&chain);
    let root_der = x509::chain_der(std::slice::from_ref(&root)).remove(0);
    let pem = |name: &str, der: &[u8]| {
        let path = scratch(name);
        let out = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-out"])
            .arg(&path)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(der)?;
                child.wait_with_output()
            })
            .expect("openssl runs (scripts/bootstrap.sh installs it)");
        assert!(out.status.success(), "openssl read {name}");
        path
    };
    let leaf = pem("leaf.pem", &ders[0]);
    let inter = pem("r11.pem", &ders[1]);
    let root_pem = pem("root.pem", &root_der);
    let verify = |leaf: &Path| {
        Command::new("openssl")
            .args([
                "verify",
                "-attime",
                &VISIT_UNIX_TIME.to_string(),
                "-verify_hostname",
            ])
            .arg("www.example.com")
            .arg("-CAfile")
            .arg(&root_pem)
            .arg("-untrusted")
            .arg(&inter)
            .arg(leaf)
            .output()
            .expect("openssl runs")
    };
    let ok = verify(&leaf);
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut bad = ders[0].clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let bad_leaf = pem("bad-leaf.pem", &bad);
    assert!(
        !verify(&bad_leaf).status.success(),
        "a broken signature is refused"
    );
}

/// The sequence numbers a trace states — where each TLS flight starts and how many bytes it
/// takes, where each request's first segment starts — as (seq, bytes or 0).
fn stated_seqs(events: &[serde_json::Value]) -> Vec<(u32, u64)> {
    let number = |s: &str| {
        s.split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    };
    let mut out = Vec::new();
    for e in events {
        for f in e["fields"].as_array().into_iter().flatten() {
            let (name, value) = (
                f["name"].as_str().unwrap_or(""),
                f["value"].as_str().unwrap_or(""),
            );
            if name == "tcp" && value.contains("byte(s) of TLS records from seq") {
                let bytes = number(value).expect("bytes");
                let seq = value
                    .split("from seq ")
                    .nth(1)
                    .and_then(number)
                    .expect("seq");
                out.push((seq as u32, bytes));
            } else if name == "tcp.seq" {
                out.push((number(value).expect("seq") as u32, 0));
            }
        }
    }
    out
}

/// Every sequence number the trace states is one a captured segment carries, and each TLS
/// flight ends where the capture's next bytes in that direction start: the trace and the
/// capture count the same bytes.
pub(crate) fn assert_same_numbers(events: &[serde_json::Value], c: &Capture) {
    use wirewalk::model::{ip, tcp_wire};
    let mut starts = std::collections::BTreeSet::new();
    let mut acks = std::collections::BTreeSet::new();
    for p in &c.packets {
        let (h, rest) = ip::Ipv4::parse(&p.data).expect("IPv4");
        if h.protocol == ip::PROTO_TCP {
            let (t, payload) = tcp_wire::Header::parse(rest, h.src, h.dst, true).expect("TCP");
            if !payload.is_empty() {
                starts.insert(t.seq);
            }
            acks.insert(t.ack);
        }
    }
    let stated = stated_seqs(events);
    assert!(stated.len() > 4, "{stated:?}");
    for (seq, bytes) in stated {
        assert!(
            starts.contains(&seq),
            "the trace's seq {seq} starts no captured segment"
        );
        if bytes > 0 {
            let end = seq.wrapping_add(bytes as u32);
            assert!(
                acks.contains(&end) || starts.contains(&end),
                "the flight's end {end} ({seq} + {bytes}) is neither acknowledged nor followed"
            );
        }
    }
}

#[test]
fn the_trace_and_its_capture_count_the_same_bytes() {
    let (_, c, _, trace) = journey_capture("numbers", &["https://example.com/"]);
    assert_same_numbers(trace["events"].as_array().expect("events"), &c);
    let pcap = scratch("numbers-page.pcapng");
    let args = ["page", "--preset", "many-images", "--events", "--json"];
    page_events_and_capture(&args, &pcap);
}

/// Writes the page scenario `json` to `file` and runs it as [`page_events_and_capture`] does,
/// its capture beside it (`file` with `.pcapng`).
fn scenario_capture(file: &Path, json: &str) -> (PathBuf, Capture) {
    std::fs::write(file, json).expect("scenario");
    let pcap = file.with_extension("pcapng");
    let path = file.to_str().expect("path");
    let c = page_events_and_capture(&["page", path, "--events", "--json"], &pcap);
    (pcap, c)
}

/// Runs `wirewalk page … --events --json --pcap FILE`, checks that the trace and the capture
/// count the same bytes, and returns the capture.
fn page_events_and_capture(args: &[&str], pcap: &Path) -> Capture {
    let out = wirewalk_pcap(args, pcap, None);
    expect_status(&out, 0);
    let events: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let c = pcapng::read(&std::fs::read(pcap).expect("capture"))
        .expect("reads")
        .capture;
    assert_same_numbers(&events, &c);
    c
}

/// Every TCP segment the trace shows — the handshakes', the resets and the closes' — is in the
/// capture with the same header: ports, numbers, flags, window and options (the timestamps
/// included), so the inspector's fields and Wireshark agree; for every journey preset the
/// capture writes, and the page presets.
#[test]
fn every_segment_the_trace_shows_is_in_the_capture_as_shown() {
    use wirewalk::model::{capture, journey, load, pages, scenario};
    let mut runs = Vec::new();
    for name in scenario::preset_names() {
        let sc = scenario::preset(name).expect("a preset");
        let j = journey::run(&sc);
        runs.push((name.to_string(), j.trace, sc.unix_time));
    }
    for name in pages::NAMES {
        let page = load::run(&pages::preset(name).expect("preset")).expect("a load");
        runs.push((
            format!("page {name}"),
            page.trace,
            scenario::VISIT_UNIX_TIME,
        ));
    }
    let mut written = 0;
    for (name, trace, unix) in &runs {
        let Ok(c) = capture::from_trace(trace, *unix) else {
            continue;
        };
        written += 1;
        same_segments(name, trace, &c);
    }
    assert!(written >= 30, "{written} runs written as captures");
}

fn same_segments(name: &str, trace: &wirewalk::model::trace::Trace, c: &Capture) {
    use wirewalk::model::{ip, tcp, tcp_wire};
    let headers: Vec<tcp_wire::Header> = c
        .packets
        .iter()
        .filter_map(|p| {
            let (h, rest) = ip::Ipv4::parse(&p.data).ok()?;
            let (t, _) = tcp_wire::Header::parse(rest, h.src, h.dst, true).ok()?;
            Some(t)
        })
        .collect();
    for e in &trace.events {
        let Some(s) = e.detail::<tcp::present::Shown>() else {
            continue;
        };
        let want = tcp_wire::Header::of(&s.segment.segment);
        assert!(
            headers.contains(&want),
            "{name}: {} {want:?} is not in the capture",
            e.step.as_str()
        );
    }
}

/// A page scenario's document is its own HTML in the capture, as Wireshark reads it from
/// inside TLS.
#[test]
fn the_pages_document_is_its_html_in_the_capture() {
    let pcap = scratch("single-html.pcapng");
    let out = wirewalk_pcap(&["page", "--preset", "many-images"], &pcap, None);
    expect_status(&out, 0);
    let html = wirewalk::model::pages::preset("many-images")
        .expect("preset")
        .html;
    let rows = fields(&pcap, &["http.content_type", "http.file_data"]);
    let body = rows
        .iter()
        .find(|r| r[0].starts_with("text/html"))
        .map(|r| r[1].clone())
        .expect("the document's response");
    // tshark writes the body as text with its line breaks escaped.
    let first_line = html.lines().next().expect("a first line");
    assert!(
        body.starts_with(first_line),
        "{}",
        &body[..body.len().min(200)]
    );
}

/// What the inspector shows as an event's bytes: the capture's, each with its fields named
/// and inside its bytes.
#[test]
fn each_event_has_its_bytes_with_named_fields() {
    use wirewalk::model::{capture, journey, scenario};
    let j = journey::run(&scenario::Scenario::default());
    let shown = capture::inspect(&j.trace, j.unix_time).expect("bytes");
    let of = |step: &str| {
        let e = j
            .trace
            .events
            .iter()
            .find(|e| e.step.as_str() == step)
            .unwrap_or_else(|| panic!("no {step}"));
        shown.get(&e.seq).cloned().unwrap_or_default()
    };
    let has = |step: &str, title: &str, field: &str| {
        let views = of(step);
        assert!(
            views.iter().any(|b| b.title.starts_with(title)
                && b.wire.fields.iter().any(|f| f.name.contains(field))),
            "{step}: no {title} with {field}: {:?}",
            views.iter().map(|b| &b.title).collect::<Vec<_>>()
        );
    };
    has("dns.query.resolver", "DNS message", "question");
    has("dns.query.resolver", "IPv4 packet", "udp.destination_port");
    has("tcp.syn", "IPv4 packet", "tcp.options");
    has(
        "tls.client_hello",
        "TLS record (handshake)",
        "ClientHello.random",
    );
    has(
        "tls.certificate",
        "decrypted: handshake",
        "Certificate.certificate_list",
    );
    has(
        "tls.server_finished",
        "TLS record (application_data)",
        "record.auth_tag",
    );
    has("http.request", "HTTP/1.1 request", "header: Host");
    has("http.response_body", "HTTP/1.1 response", "body");
    for views in shown.values() {
        for b in views {
            for f in &b.wire.fields {
                assert!(
                    f.start < f.end && f.end <= b.wire.bytes.len(),
                    "{}: {f:?}",
                    b.title
                );
            }
        }
    }
}

/// A rejected certificate: the browser's fatal alert, from the browser, under its handshake
/// keys, with the trace's description — as Wireshark decrypts it.
#[test]
fn the_browsers_alert_is_the_traces() {
    let pcap = scratch("expired.pcapng");
    let out = wirewalk_pcap(&["trace", "--preset", "expired"], &pcap, None);
    // The navigation fails (exit status 1); the capture is written all the same.
    expect_status(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("packets written"), "{err}");
    let rows = fields(
        &pcap,
        &[
            "ip.src",
            "tls.alert_message.level",
            "tls.alert_message.desc",
        ],
    );
    let alerts: Vec<&Vec<String>> = rows.iter().filter(|r| !r[2].is_empty()).collect();
    assert_eq!(alerts.len(), 1, "{rows:?}");
    assert_eq!(alerts[0][0], "192.168.1.23", "from the browser");
    assert_eq!(alerts[0][1], "2", "fatal");
    assert_eq!(alerts[0][2], "45", "certificate_expired");
}

/// A page over HTTP/2 (its document, then a stylesheet on the same connection) as a capture:
/// every packet clean, and Wireshark — whose HPACK decoder is not ours — reads both sides'
/// SETTINGS, each request's and response's header fields from inside TLS, and the DATA
/// frames; every segment the trace shows is in the capture.
#[test]
fn an_http2_page_as_a_capture_wireshark_reads_its_frames_and_headers() {
    let scenario = scratch("h2-page.json");
    let json = r#"{"url": "https://www.example.com/",
        "html": "<!doctype html><title>h2</title><link rel=stylesheet href=/site.css><p>Hello",
        "origins": [{"origin": "https://www.example.com", "protocol": "h2"}],
        "responses": [{"url": "https://www.example.com/site.css", "bytes": 40000}]}"#;
    let (pcap, c) = scenario_capture(&scenario, json);
    let sc = wirewalk::model::load::PageScenario::from_json(json).expect("scenario");
    let page = wirewalk::model::load::run(&sc).expect("a load");
    same_segments("h2 page", &page.trace, &c);

    let rows = fields(
        &pcap,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "udp.checksum.status",
            "tcp.analysis.flags",
        ],
    );
    assert_clean(&rows, c.packets.len(), (0, 1, 2, 3));
    let rows = fields(
        &pcap,
        &[
            "http2.type",
            "http2.streamid",
            "http2.header.name",
            "http2.header.value",
            "http2.length",
        ],
    );
    let frames = per_frame(&rows, &[], &[0, 1]);
    let count = |t: &str, s: &str| frames.iter().filter(|f| f[0] == t && f[1] == s).count();
    // SETTINGS (type 4) from both sides on both connections, with their ACKs.
    assert!(count("4", "0") >= 6, "{frames:?}");
    assert_eq!(
        count("1", "1"),
        2,
        "HEADERS both ways on stream 1: {frames:?}"
    );
    assert_eq!(
        count("1", "3"),
        2,
        "HEADERS both ways on stream 3: {frames:?}"
    );
    assert_eq!(
        count("0", "3"),
        4,
        "40,000 bytes in three DATA frames, then node's empty one that ends the stream: {frames:?}"
    );
    let text: String = rows
        .iter()
        .map(|r| format!("{}={}\n", r[2], r[3]))
        .collect();
    for want in [
        ":path",
        "/site.css",
        ":status",
        "200",
        "text/css",
        "40000",
        "u=0, i",
    ] {
        assert!(text.contains(want), "Wireshark's HPACK read {want}: {text}");
    }
    // The HAR's response headersSize is the server's HEADERS frame as Wireshark measures it.
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(["page", scenario.to_str().expect("path"), "--har"])
        .output()
        .expect("run wirewalk");
    expect_status(&out, 0);
    let har: serde_json::Value = serde_json::from_slice(&out.stdout).expect("HAR");
    let rows = fields(
        &pcap,
        &[
            "tcp.srcport",
            "http2.type",
            "http2.streamid",
            "http2.length",
        ],
    );
    let frames = per_frame(&rows, &[0], &[1, 2, 3]);
    let server_headers = |stream: &str| -> u64 {
        frames
            .iter()
            .find(|f| f[0] == "443" && f[1] == "1" && f[2] == stream)
            .map(|f| 9 + f[3].parse::<u64>().expect("a length"))
            .expect("the server's HEADERS")
    };
    for (path, stream) in [("/", "1"), ("/site.css", "3")] {
        let e = har["log"]["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| {
                e["request"]["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(path))
            })
            .expect("the entry");
        assert_eq!(
            e["response"]["headersSize"].as_u64(),
            Some(server_headers(stream)),
            "{path}"
        );
    }
}

/// The http2 preset — a document, a stylesheet and twenty images on one HTTP/2 connection, the
/// images requested while the document is still arriving and answered one after another — as
/// a capture: the trace and the capture count the same bytes, Wireshark reads every request's
/// `:path` with its own HPACK decoder and every stream's DATA, and decrypts every connection.
#[test]
fn the_http2_preset_as_a_capture_every_stream_reads_in_wireshark() {
    let pcap = scratch("http2-preset.pcapng");
    let args = ["page", "--preset", "http2", "--events", "--json"];
    let c = page_events_and_capture(&args, &pcap);
    let page =
        wirewalk::model::load::run(&wirewalk::model::pages::preset("http2").expect("preset"))
            .expect("a load");
    same_segments("http2", &page.trace, &c);
    let rows = fields(
        &pcap,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "udp.checksum.status",
            "tcp.analysis.flags",
            "http2.headers.path",
            "http2.type",
            "http2.streamid",
            "_ws.malformed",
        ],
    );
    assert_clean(&rows, c.packets.len(), (0, 1, 2, 3));
    assert!(rows.iter().all(|r| r[7].is_empty()), "nothing malformed");
    let mut paths: Vec<String> = rows
        .iter()
        .flat_map(|r| r[4].split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    paths.sort();
    let mut want: Vec<String> = page
        .requests
        .iter()
        .map(|q| {
            let u = ::url::Url::parse(&q.url).expect("a URL");
            u.path().to_string()
        })
        .collect();
    want.sort();
    assert_eq!(
        paths, want,
        "every request's :path, read by Wireshark's HPACK"
    );
    // Every response's body in DATA frames on its own stream, the last with END_STREAM.
    let data_streams: std::collections::BTreeSet<String> = per_frame(&rows, &[], &[5, 6])
        .into_iter()
        .filter(|f| f[0] == "0")
        .map(|f| f[1].clone())
        .collect();
    assert_eq!(data_streams.len(), want.len(), "{data_streams:?}");
}

/// A `fetch()` that POSTs a body over HTTP/2: its HEADERS leave the stream open and its body
/// follows in DATA frames of at most 16,384 bytes, the last ending the stream — counted in the
/// trace as written in the capture, and read so by Wireshark.
#[test]
fn an_http2_request_body_goes_in_data_frames() {
    let scenario = scratch("h2-post.json");
    let json = r#"{"url": "https://www.example.com/",
        "html": "<!doctype html><script>fetch('/api/save', {method: 'POST', headers: {'Content-Type': 'application/json', 'Content-Length': '20000'}})</script>",
        "origins": [{"origin": "https://www.example.com", "protocol": "h2"}],
        "responses": [{"url": "https://www.example.com/api/save", "bytes": 100}]}"#;
    let (pcap, _) = scenario_capture(&scenario, json);
    let rows = fields(
        &pcap,
        &[
            "tcp.srcport",
            "http2.streamid",
            "http2.type",
            "http2.length",
            "http2.flags.end_stream",
            "http2.headers.method",
            "_ws.malformed",
        ],
    );
    assert!(rows.iter().all(|r| r[6].is_empty()), "nothing malformed");
    let post = rows
        .iter()
        .find(|r| r[5] == "POST")
        .expect("the POST's HEADERS");
    assert_eq!(
        (post[1].as_str(), post[4].as_str()),
        ("3", "0"),
        "the stream stays open"
    );
    let data: Vec<(String, String)> = per_frame(&rows, &[0], &[1, 2, 3, 4])
        .into_iter()
        .filter(|f| f[0] != "443" && f[1] == "3" && f[2] == "0")
        .map(|f| (f[3].clone(), f[4].clone()))
        .collect();
    let want = [("16384", "0"), ("3616", "1")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(
        data, want,
        "the body in DATA frames, the last ending the stream"
    );
}
