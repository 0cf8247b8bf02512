//! Chromium's first QUIC flight, recorded live and held against the model. Debian's Chromium
//! (the one the browser tests use) is told to speak QUIC to `www.example.com` on a loopback UDP
//! port this test listens on and never answers; the test opens each Initial packet with the
//! keys its Destination Connection ID gives (the model's RFC 9001 code, checked against
//! Appendix A in quic_rfc9001.rs), puts the CRYPTO frames back in order, and compares the
//! ClientHello and the packets with what the model writes for Chromium
//! (`quic_tls::client_hello`, `quic_transport::chromium_client`, `quic_conn`'s sizes).
//!
//! What Chromium draws afresh each time is compared by kind, not value: the order of the
//! extensions and of the transport parameters, the random, the key shares, the GREASE
//! encrypted_client_hello's and the GREASE transport parameter's lengths, and the GREASE
//! version. Chromium's chaos protection (its CRYPTO data cut among PING and PADDING frames) is
//! not in the model and is read through.
// The test waits on a real browser: it reads the real clock (the model takes `now` as a
// parameter, which is what the rule keeps).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wirewalk::model::quic_keys::InitialSecrets;
use wirewalk::model::quic_packet::{read_frames, unprotect, Frame};
use wirewalk::model::quic_transport::{self, id};
use wirewalk::model::rng::Rng;
use wirewalk::model::tls::{Message, Version, QUIC_SUITES};
use wirewalk::model::tls_wire::{self, ClientHello, ExtBody, Handshake};
use wirewalk::model::{quic_conn, quic_tls};

const CHROMIUM: &str = "/usr/bin/chromium";
const HOST: &str = "www.example.com";

/// What one connection attempt sent: its Initial packets' numbers and datagram sizes, and its
/// CRYPTO bytes by offset.
#[derive(Default)]
struct Attempt {
    numbers: Vec<u64>,
    datagrams: Vec<usize>,
    scid_empty: bool,
    crypto: BTreeMap<u64, Vec<u8>>,
}

impl Attempt {
    /// The ClientHello, once its bytes are all in.
    fn hello(&self) -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        for (off, data) in &self.crypto {
            if *off as usize > bytes.len() {
                return None;
            }
            let skip = bytes.len() - *off as usize;
            bytes.extend(data.iter().skip(skip));
        }
        let len = 4
            + ((usize::from(*bytes.get(1)?) << 16)
                | (usize::from(*bytes.get(2)?) << 8)
                | usize::from(*bytes.get(3)?));
        (bytes.len() >= len).then(|| bytes[..len].to_vec())
    }
}

/// Runs Chromium against a silent UDP port until one attempt's ClientHello is whole.
fn record() -> (Attempt, Vec<u8>, Vec<u8>) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: scripts/bootstrap.sh browser installs Debian's Chromium"
    );
    let sock = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
    let port = sock.local_addr().expect("its address").port();
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a timeout");
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("quic-profile-{port}"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-field-trial-config",
            "--enable-quic",
        ])
        .arg(format!("--origin-to-force-quic-on={HOST}:{port}"))
        .arg(format!("--host-resolver-rules=MAP {HOST} 127.0.0.1"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("https://{HOST}:{port}/"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Chromium starts");
    let mut attempts: BTreeMap<Vec<u8>, Attempt> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut found = None;
    let mut buf = [0u8; 2048];
    while found.is_none() && Instant::now() < deadline {
        let Ok((n, _)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let d = &buf[..n];
        // A long header's Destination Connection ID (RFC 9000 §17.2) names the attempt.
        if d.len() < 6 || d[0] & 0x80 == 0 {
            continue;
        }
        let Some(dcid) = d.get(6..6 + usize::from(d[5])) else {
            continue;
        };
        let keys = InitialSecrets::new(dcid).keys(true);
        let Ok(p) = unprotect(&keys, d) else { continue };
        let a = attempts.entry(dcid.to_vec()).or_default();
        a.numbers.push(p.header.packet_number);
        a.datagrams.push(n);
        a.scid_empty = p.header.scid.is_empty();
        for f in read_frames(&p.payload).expect("Chromium's frames read") {
            if let Frame::Crypto { offset, data } = f {
                a.crypto.insert(offset, data);
            }
        }
        if let Some(hello) = a.hello() {
            found = Some((dcid.to_vec(), hello));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&profile);
    let (dcid, hello) = found.expect("Chromium sent a whole ClientHello within 40 s");
    let attempt = attempts.remove(&dcid).expect("its attempt");
    (attempt, dcid, hello)
}

fn client_hello(bytes: &[u8]) -> ClientHello {
    match tls_wire::decode(bytes) {
        Ok(Handshake::ClientHello(ch)) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// Each extension's type and the length of its body, sorted by type.
fn extensions(ch: &ClientHello) -> BTreeMap<u16, usize> {
    (ch.extensions.iter())
        .map(|e| {
            let written = tls_wire::encode(&Handshake::ClientHello(ClientHello {
                extensions: vec![e.clone()],
                ..ch.clone()
            }))
            .expect("writes")
            .bytes
            .len();
            let bare = tls_wire::encode(&Handshake::ClientHello(ClientHello {
                extensions: vec![],
                ..ch.clone()
            }))
            .expect("writes")
            .bytes
            .len();
            (e.typ, written - bare)
        })
        .collect()
}

fn transport(ch: &ClientHello) -> Vec<quic_transport::Param> {
    let e = (ch.extensions.iter())
        .find(|e| e.typ == quic_tls::QUIC_TRANSPORT_PARAMETERS)
        .expect("quic_transport_parameters");
    let ExtBody::Opaque(b) = &e.body else {
        panic!("{:?}", e.body)
    };
    quic_transport::decode(b).expect("transport parameters read")
}

#[test]
fn chromiums_first_quic_flight_is_the_models() {
    let (attempt, dcid, hello) = record();
    // The packets: Chromium's 8-byte connection ID, none of its own, 1,250-byte datagrams
    // over IPv4, numbered from 1.
    assert_eq!(dcid.len(), quic_conn::CID_LEN);
    assert!(attempt.scid_empty);
    assert!(
        (attempt.datagrams.iter()).all(|n| *n == quic_conn::CHROMIUM_DATAGRAM),
        "{:?}",
        attempt.datagrams
    );
    assert_eq!(attempt.numbers.first(), Some(&1), "{:?}", attempt.numbers);

    let real = client_hello(&hello);
    let params = quic_transport::encode(&quic_transport::chromium_client(&mut Rng::new(1)));
    let m = Message::ClientHello {
        random: "5a".repeat(32),
        session_id: String::new(),
        suites: &QUIC_SUITES,
        sni: HOST.into(),
        alpn: &["h3"],
        versions: &[Version::Tls13],
        key_share: String::new(),
        resume: None,
        quic: Some(params.iter().map(|b| format!("{b:02x}")).collect()),
    };
    let model = quic_tls::client_hello(&m).expect("the model's ClientHello");
    assert_eq!(real.session_id, model.session_id);
    assert_eq!(real.cipher_suites, model.cipher_suites);
    assert_eq!(real.compression_methods, model.compression_methods);
    // The same extensions, each as long as the model's but those whose length is drawn.
    let (r, w) = (extensions(&real), extensions(&model));
    assert_eq!(r.len(), 12, "Chromium's twelve: {r:?}");
    assert_eq!(
        r.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>(),
        "extension types"
    );
    for (t, n) in &r {
        if *t != 0xfe0d && *t != quic_tls::QUIC_TRANSPORT_PARAMETERS {
            assert_eq!(Some(n), w.get(t), "extension 0x{t:04x}'s length");
        }
    }
    // The same transport parameters with the same values, but the drawn ones.
    let drawn = |p: &quic_transport::Param| p.name() == "GREASE";
    let by_id = |ps: Vec<quic_transport::Param>| -> BTreeMap<u64, Vec<u8>> {
        ps.into_iter()
            .filter(|p| !drawn(p))
            .map(|p| (p.id, p.value))
            .collect()
    };
    let (mut rp, mut wp) = (by_id(transport(&real)), by_id(transport(&model)));
    let (rv, wv) = (
        rp.remove(&id::VERSION_INFORMATION)
            .expect("version_information"),
        wp.remove(&id::VERSION_INFORMATION).expect("the model's"),
    );
    assert_eq!(rp, wp, "transport parameters");
    // Version 1 chosen, and offered beside one GREASE version.
    assert_eq!((rv.len(), &rv[..4]), (wv.len(), &wv[..4]));
    assert!(rv[4..].chunks(4).any(|v| v == [0, 0, 0, 1]), "{rv:?}");
}
