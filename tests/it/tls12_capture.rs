//! TLS 1.2 captures, opened by implementations other than the one that wrote them: Wireshark's
//! `tshark` decrypts each with the file's own secrets (NSS `CLIENT_RANDOM` lines, the master
//! secret) and, for the RSA key exchange, with nothing but the server's private key — it then
//! decrypts the pre-master secret itself and derives the extended master secret (RFC 7627) and
//! the keys on its own; OpenSSL's TLS 1.2 PRF (`openssl kdf … TLS1-PRF`) recomputes both
//! Finished messages' `verify_data` from the master secret and the handshake's bytes.

use crate::capture::{
    assert_clean, assert_same_numbers, check_packets, every_connection_decrypts, fields,
    journey_capture, scratch, tshark,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;
use wirewalk::model::pcapng::Capture;

fn non_empty(rows: &[Vec<String>], col: usize) -> Vec<String> {
    rows.iter()
        .map(|r| r[col].clone())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Wireshark's handshake types and HTTP of a capture decrypted with `extra` options.
fn decrypted(file: &Path, extra: &[&str]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut cmd = Command::new(tshark());
    cmd.arg("-r").arg(file).args(extra).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-e",
        "tls.handshake.type",
        "-e",
        "http.request.uri",
        "-e",
        "http.response.code",
    ]);
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    (
        non_empty(&rows, 0),
        non_empty(&rows, 1),
        non_empty(&rows, 2),
    )
}

/// The TLS records each side sent, in order: (from the browser, content type, fragment).
fn records(c: &Capture) -> Vec<(bool, u8, Vec<u8>)> {
    use wirewalk::model::{connection::CLIENT_ADDR, ip, tcp_wire};
    let (mut up, mut down) = (Vec::new(), Vec::new());
    let mut order = Vec::new();
    for p in &c.packets {
        let (h, rest) = ip::Ipv4::parse(&p.data).expect("IPv4");
        if h.protocol != ip::PROTO_TCP {
            continue;
        }
        let (_, payload) = tcp_wire::Header::parse(rest, h.src, h.dst, true).expect("TCP");
        let from_client = h.src == CLIENT_ADDR;
        let buf: &mut Vec<u8> = if from_client { &mut up } else { &mut down };
        buf.extend_from_slice(payload);
        // Whole records off the front of the stream, in the order they completed.
        while buf.len() >= 5 {
            let n = 5 + u16::from_be_bytes([buf[3], buf[4]]) as usize;
            if buf.len() < n {
                break;
            }
            let r: Vec<u8> = buf.drain(..n).collect();
            order.push((from_client, r[0], r[5..].to_vec()));
        }
    }
    order
}

/// OpenSSL's TLS 1.2 PRF: 12 bytes of `label` over `hash` keyed by `master`.
fn openssl_verify_data(master_hex: &str, label: &str, hash: &[u8]) -> Vec<u8> {
    let seed: String = label
        .bytes()
        .chain(hash.iter().copied())
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = Command::new("openssl")
        .args(["kdf", "-keylen", "12", "-kdfopt", "digest:SHA256"])
        .args(["-kdfopt", &format!("hexsecret:{master_hex}")])
        .args(["-kdfopt", &format!("hexseed:{seed}")])
        .arg("TLS1-PRF")
        .output()
        .expect("openssl is installed (scripts/bootstrap.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).expect("hex"))
        .collect()
}

/// The plaintexts Wireshark decrypted, in packet order (`tshark -x`'s "Decrypted TLS" dumps).
fn wireshark_plaintexts(file: &Path) -> Vec<Vec<u8>> {
    let out = Command::new(tshark())
        .arg("-r")
        .arg(file)
        .arg("-x")
        .output()
        .expect("tshark runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut all = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in text.lines() {
        if line.starts_with("Decrypted TLS") {
            all.extend(current.take());
            current = Some(Vec::new());
        } else if let Some(buf) = current.as_mut() {
            // "0000  14 00 00 0c de …   text": offset, then up to 16 hex bytes.
            let mut parts = line.split("  ");
            if parts.next().is_some_and(|o| o.len() == 4) {
                let hex = parts.next().unwrap_or("");
                buf.extend(
                    hex.split(' ')
                        .filter(|h| h.len() == 2)
                        .map(|h| u8::from_str_radix(h, 16).expect("hex")),
                );
            } else {
                all.extend(current.take());
            }
        }
    }
    all.extend(current);
    all
}

/// Both Finished messages Wireshark decrypted hold the `verify_data` OpenSSL's PRF gives
/// from the key log's master secret and the handshake's bytes (RFC 5246 §7.4.9).
fn finished_verify_data_is_openssls(file: &Path, c: &Capture, keylog: &str) {
    let master = keylog
        .split_whitespace()
        .nth(2)
        .expect("CLIENT_RANDOM line");
    let recs = records(c);
    // The handshake in the clear, in transcript order, up to the browser's ChangeCipherSpec.
    let mut transcript = Vec::new();
    let mut ticket = Vec::new();
    for (from_client, typ, frag) in &recs {
        match (typ, from_client) {
            (20, true) => break,
            (22, _) => transcript.extend_from_slice(frag),
            _ => {}
        }
    }
    for (from_client, typ, frag) in &recs {
        if (*typ, *from_client, frag.first()) == (22, false, Some(&4)) {
            ticket = frag.clone();
        }
    }
    assert!(!ticket.is_empty(), "the server's NewSessionTicket");
    let finished: Vec<Vec<u8>> = wireshark_plaintexts(file)
        .into_iter()
        .filter(|p| p.len() == 16 && p[..4] == [20, 0, 0, 12])
        .collect();
    assert_eq!(finished.len(), 2, "both Finished decrypted by Wireshark");
    let client = openssl_verify_data(master, "client finished", &Sha256::digest(&transcript));
    assert_eq!(finished[0][4..], client, "the browser's Finished");
    transcript.extend_from_slice(&finished[0]);
    transcript.extend_from_slice(&ticket);
    let server = openssl_verify_data(master, "server finished", &Sha256::digest(&transcript));
    assert_eq!(finished[1][4..], server, "the server's Finished");
}

fn tls12_journey(preset: &str, server_flight: &str) {
    let (file, c, keylog, trace) = journey_capture(preset, &["--preset", preset]);
    assert_eq!(c.keylog, keylog, "the file's secrets and the key log agree");
    assert!(keylog.starts_with("CLIENT_RANDOM "), "{keylog}");
    check_packets(&c);
    assert_same_numbers(trace["events"].as_array().expect("events"), &c);
    let rows = fields(
        &file,
        &[
            "ip.checksum.status",
            "tcp.checksum.status",
            "tcp.analysis.flags",
            "udp.checksum.status",
        ],
    );
    assert_clean(&rows, c.packets.len(), (0, 1, 3, 2));
    let (types, uris, codes) = decrypted(&file, &[]);
    assert_eq!(
        types,
        ["1", "2", server_flight, "16,20", "4,20"],
        "{preset}"
    );
    assert_eq!(uris.len(), 2, "{preset}: both requests decrypted: {uris:?}");
    assert_eq!(codes, ["200", "200"], "{preset}");
    finished_verify_data_is_openssls(&file, &c, &keylog);
}

#[test]
fn tls12_ecdhe_journeys_decrypt_in_wireshark_and_their_finished_are_openssls() {
    tls12_journey("tls12-ecdhe", "11,12,14");
    tls12_journey("tls12-ecdhe-false-start", "11,12,14");
}

/// With the file's secrets discarded (`editcap --discard-all-secrets`), Wireshark decrypts the
/// RSA exchange from the server's private key alone: the pre-master secret the browser
/// encrypted, the extended master secret, the keys and every record.
#[test]
fn tls12_rsa_decrypts_in_wireshark_with_the_servers_key_alone() {
    tls12_journey("tls12-rsa", "11,14");
    let (file, ..) = journey_capture("tls12-rsa-key", &["--preset", "tls12-rsa"]);
    let bare = scratch("tls12-rsa-no-secrets.pcapng");
    let editcap = tshark().with_file_name("editcap");
    let ok = Command::new(editcap)
        .arg("--discard-all-secrets")
        .arg(&file)
        .arg(&bare)
        .status()
        .expect("editcap (beside tshark) runs");
    assert!(ok.success());
    let (types, uris, _) = decrypted(&bare, &[]);
    assert!(
        uris.is_empty(),
        "nothing decrypts without a secret: {uris:?}"
    );
    assert!(!types.contains(&"4,20".to_string()), "{types:?}");
    // The leaf's key, as the model's servers hold it (src/model/reports/capture/keys).
    let der = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/model/reports/capture/keys/leaf-rsa2048.der");
    let pem = scratch("leaf-rsa2048.pem");
    let ok = Command::new("openssl")
        .args(["pkey", "-inform", "DER", "-in"])
        .arg(&der)
        .arg("-out")
        .arg(&pem)
        .status()
        .expect("openssl runs");
    assert!(ok.success());
    let key = format!("uat:rsa_keys:\"{}\",\"\"", pem.display());
    let (types, uris, codes) = decrypted(&bare, &["-o", &key]);
    assert_eq!(types, ["1", "2", "11,14", "16,20", "4,20"]);
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert_eq!(codes, ["200", "200"]);
}

/// A page over TLS 1.2: its later connections to the same server resume the first one's session
/// with its ticket (RFC 5077's abbreviated handshake: no Certificate, the master secret the
/// ticket stands for), and Wireshark decrypts every connection, full or resumed, and every
/// request.
#[test]
fn a_tls12_page_resumes_with_its_tickets_and_every_connection_decrypts() {
    use wirewalk::model::pages;
    let mut sc = pages::preset("many-images").expect("preset");
    sc.tls = "1.2-ecdhe".into();
    let file = scratch("many-images-tls12.json");
    std::fs::write(&file, serde_json::to_string(&sc).expect("JSON")).expect("written");
    let path = file.to_string_lossy();
    let rows = every_connection_decrypts("many-images-tls12", &["page", &path, "--json"]);
    let mut streams = std::collections::BTreeMap::<&str, Vec<&str>>::new();
    for r in &rows {
        streams
            .entry(r[4].as_str())
            .or_default()
            .extend(r[5].split(',').filter(|t| !t.is_empty()));
    }
    let tls: Vec<&Vec<&str>> = streams.values().filter(|t| t.contains(&"1")).collect();
    let full = tls.iter().filter(|t| t.contains(&"11")).count();
    let resumed = tls.len() - full;
    assert!(
        full >= 1 && resumed >= 1,
        "{full} full, {resumed} resumed: {streams:?}"
    );
    for t in tls.iter().filter(|t| !t.contains(&"11")) {
        assert_eq!(**t, ["1", "2", "4", "20", "20"], "an abbreviated handshake");
    }
}

/// A journey that resumes a session from a visit before the run (`--resumption`): the capture
/// holds that session's ticket and secret drawn from the seed, the handshake is the abbreviated
/// one (ServerHello, NewSessionTicket, Finished both ways; TLS 1.3's ServerHello,
/// EncryptedExtensions and Finished), and Wireshark decrypts both requests.
#[test]
fn resumed_journeys_of_both_versions_decrypt_in_wireshark() {
    for (name, args, flights) in [
        (
            "resumed-tls12",
            &[
                "https://www.example.com/",
                "--tls",
                "1.2-ecdhe",
                "--resumption",
            ][..],
            &["1", "2,4,20", "20"][..],
        ),
        (
            "resumed-tls13",
            &["--preset", "tls13-resumption"][..],
            &["1", "2,8,20", "20", "4"][..],
        ),
    ] {
        let (file, c, keylog, trace) = journey_capture(name, args);
        assert_eq!(c.keylog, keylog);
        assert_same_numbers(trace["events"].as_array().expect("events"), &c);
        let (types, uris, codes) = decrypted(&file, &[]);
        assert_eq!(types, flights, "{name}");
        assert_eq!(uris.len(), 2, "{name}: {uris:?}");
        assert_eq!(codes, ["200", "200"], "{name}");
    }
}

/// A server that asks for the browser's certificate (the tls12-rsa-client-cert preset; TLS 1.3
/// and ECDHE with `--client-cert`): every connection decrypts in Wireshark with the
/// CertificateRequest and the browser's Certificate and CertificateVerify in place, and OpenSSL
/// verifies the TLS 1.2 CertificateVerify — an ECDSA P-256 signature over every handshake
/// message before it (RFC 5246 §7.4.8) — with the public key of the certificate the browser sent.
#[test]
fn client_certificates_are_sent_signed_and_decrypt() {
    for (name, args, flights) in [
        (
            "client-cert-tls12-rsa",
            &["--preset", "tls12-rsa-client-cert"][..],
            &["1", "2", "11,13,14", "11,16,15,20", "4,20"][..],
        ),
        (
            "client-cert-tls12-ecdhe",
            &[
                "https://www.example.com/",
                "--tls",
                "1.2-ecdhe",
                "--client-cert",
            ][..],
            &["1", "2", "11,12,13,14", "11,16,15,20", "4,20"][..],
        ),
        (
            "client-cert-tls13",
            &["https://www.example.com/", "--client-cert"][..],
            &["1", "2", "8,13,11,15,20", "11,15,20", "4"][..],
        ),
    ] {
        let (file, c, _, trace) = journey_capture(name, args);
        assert_same_numbers(trace["events"].as_array().expect("events"), &c);
        let (types, uris, _) = decrypted(&file, &[]);
        assert_eq!(types, flights, "{name}");
        assert_eq!(uris.len(), 2, "{name}: {uris:?}");
        if name.starts_with("client-cert-tls12") {
            openssl_verifies_the_certificate_verify(name, &c);
        }
    }
}

fn openssl_verifies_the_certificate_verify(name: &str, c: &Capture) {
    let mut transcript = Vec::new();
    let (mut cert, mut signature) = (None, None);
    for (from_client, typ, frag) in records(c) {
        if typ != 22 {
            continue;
        }
        match (from_client, frag.first()) {
            (true, Some(15)) => {
                // msg_type, length (3), scheme (2), signature length (2), signature.
                assert_eq!(frag[4..6], [4, 3], "ecdsa_secp256r1_sha256");
                signature = Some(frag[8..].to_vec());
                break;
            }
            // The browser's Certificate: the list's and the first entry's lengths, then DER.
            (true, Some(11)) => cert = Some(frag[10..].to_vec()),
            _ => {}
        }
        transcript.extend_from_slice(&frag);
    }
    let (cert, signature) = (
        cert.expect("a certificate"),
        signature.expect("a signature"),
    );
    let write = |suffix: &str, bytes: &[u8]| {
        let p = scratch(&format!("{name}.{suffix}"));
        std::fs::write(&p, bytes).expect("written");
        p
    };
    let (cert, sig, data) = (
        write("client.der", &cert),
        write("cv.sig", &signature),
        write("transcript.bin", &transcript),
    );
    let key = scratch(&format!("{name}.client.pub"));
    let ok = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .arg("-out")
        .arg(&key)
        .status()
        .expect("openssl runs");
    assert!(ok.success(), "the browser's certificate reads as X.509");
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&key)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .expect("openssl runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Verified OK",
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
