//! The TLS 1.3 messages that differ over QUIC (RFC 9001 §8): Chromium's ClientHello, and the
//! server's EncryptedExtensions with its transport parameters.
//!
//! Chromium 156's ClientHello over QUIC was recorded on this machine (`chromium
//! --origin-to-force-quic-on=www.example.com:4433` against a UDP port that never answers,
//! dumpcap on loopback, tshark decrypting the Initial packets with the keys their Destination
//! Connection ID gives). Unlike its ClientHello over TCP ([`super::tls_messages::client_hello`])
//! it has no legacy session id (RFC 9001 §8.4), offers TLS 1.3's three suites alone, and has
//! no GREASE value anywhere. Its twelve extensions come in an order BoringSSL draws afresh:
//! quic_transport_parameters ([`super::quic_transport::chromium_client`]), supported_groups
//! (X25519MLKEM768, x25519, P-256, P-384), supported_versions (TLS 1.3), server_name (none for
//! an address), trust_anchors (the TCP ClientHello's), application_settings (h3),
//! compress_certificate (brotli), ALPN (h3), a GREASE encrypted_client_hello,
//! key_share (X25519MLKEM768, x25519), psk_key_exchange_modes and signature_algorithms
//! ([`super::tls_messages::SIGNATURE_ALGORITHMS`], then rsa_pkcs1_sha1). A resumed handshake
//! adds pre_shared_key last, as over TCP.
//!
//! Left out: early_data (0-RTT), which Chromium offers with a ticket that allows it.

use super::tls::{Message, Version};
use super::tls_messages::{
    bytes32, chromium_ext as c, draws, unhex, MAC_LEN, SIGNATURE_ALGORITHMS, TICKET_LEN,
    TRUST_ANCHOR_IDS, X25519, X25519_MLKEM768, X25519_MLKEM768_SHARE,
};
use super::tls_wire::{ext, ClientHello, ExtBody, Extension, KeyShare};
use crate::model::rng::Rng;

/// quic_transport_parameters (RFC 9001 §8.2).
pub const QUIC_TRANSPORT_PARAMETERS: u16 = 0x39;

/// rsa_pkcs1_sha1, which Chromium's QUIC ClientHello lists last.
const RSA_PKCS1_SHA1: u16 = 0x0201;

/// How many extensions it permutes for a host name (one fewer for an address).
const EXTENSIONS: usize = 12;

/// Whether the ClientHello names the server: not for an address (RFC 6066 §3).
fn names(sni: &str) -> bool {
    !sni.is_empty()
        && sni
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_err()
}

/// The order of `n` extensions, drawn from the ClientHello's random (as [`draws`] does for
/// the TCP ClientHello's).
fn order(random: &[u8; 32], n: usize) -> Vec<usize> {
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&random[8..16]);
    let mut rng = Rng::new(u64::from_be_bytes(seed));
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u32() as usize) % (i + 1);
        order.swap(i, j);
    }
    order
}

fn e(typ: u16, body: ExtBody) -> Extension {
    Extension { typ, body }
}

/// The extensions [`client_hello`] builds, in the order it builds them before permuting:
/// each name and type.
const KINDS: [(&str, u16); EXTENSIONS] = [
    ("quic_transport_parameters", QUIC_TRANSPORT_PARAMETERS),
    ("supported_groups", ext::SUPPORTED_GROUPS),
    ("supported_versions", ext::SUPPORTED_VERSIONS),
    ("trust_anchors", c::TRUST_ANCHORS),
    ("application_settings", c::APPLICATION_SETTINGS),
    ("compress_certificate", c::COMPRESS_CERTIFICATE),
    ("application_layer_protocol_negotiation", ext::ALPN),
    ("encrypted_client_hello", c::ENCRYPTED_CLIENT_HELLO),
    ("key_share", ext::KEY_SHARE),
    ("psk_key_exchange_modes", ext::PSK_KEY_EXCHANGE_MODES),
    ("signature_algorithms", ext::SIGNATURE_ALGORITHMS),
    ("server_name", ext::SERVER_NAME),
];

/// The extensions' names in the order the ClientHello with `random` and `sni` sends them.
pub fn extension_names(random: &str, sni: &str) -> Vec<&'static str> {
    let n = if names(sni) {
        EXTENSIONS
    } else {
        EXTENSIONS - 1
    };
    order(&bytes32(random), n)
        .into_iter()
        .map(|i| KINDS[i].0)
        .collect()
}

/// What both [`client_hello`] and [`client_hello_len`] read of a ClientHello over QUIC: its
/// random, server name, resumption and transport parameters (hex); none for one over TCP.
fn quic_hello(m: &Message) -> Option<(&str, &str, Option<Version>, &str)> {
    match m {
        Message::ClientHello {
            random,
            sni,
            resume,
            quic: Some(params),
            ..
        } => Some((random, sni, *resume, params)),
        _ => None,
    }
}

/// Chromium's ClientHello over QUIC (module doc); key shares and the ECH payload are zeros
/// (the capture fills them), the transport parameters the message's.
pub fn client_hello(m: &Message) -> Option<ClientHello> {
    let (random, sni, resume, params) = quic_hello(m)?;
    let random = bytes32(random);
    let d = draws(&random);
    let mut ech = vec![0, 0, 1, 0, 1, d.ech_config_id, 0, 32];
    ech.extend_from_slice(&[0; 32]);
    ech.extend_from_slice(&(d.ech_payload as u16).to_be_bytes());
    ech.extend(std::iter::repeat_n(0, d.ech_payload));
    let mut sigs = SIGNATURE_ALGORITHMS.to_vec();
    sigs.push(RSA_PKCS1_SHA1);
    let mut all = vec![
        e(QUIC_TRANSPORT_PARAMETERS, ExtBody::Opaque(unhex(params))),
        e(
            ext::SUPPORTED_GROUPS,
            ExtBody::U16List(vec![X25519_MLKEM768, X25519, 0x0017, 0x0018]),
        ),
        e(ext::SUPPORTED_VERSIONS, ExtBody::Versions(vec![0x0304])),
        e(c::TRUST_ANCHORS, ExtBody::Opaque(unhex(TRUST_ANCHOR_IDS))),
        e(
            c::APPLICATION_SETTINGS,
            ExtBody::Opaque(vec![0, 3, 2, b'h', b'3']),
        ),
        e(c::COMPRESS_CERTIFICATE, ExtBody::Opaque(vec![2, 0, 2])),
        e(ext::ALPN, ExtBody::Alpn(vec!["h3".into()])),
        e(c::ENCRYPTED_CLIENT_HELLO, ExtBody::Opaque(ech)),
        e(
            ext::KEY_SHARE,
            ExtBody::ClientShares(vec![
                KeyShare {
                    group: X25519_MLKEM768,
                    key: vec![0; X25519_MLKEM768_SHARE],
                },
                KeyShare {
                    group: X25519,
                    key: vec![0; 32],
                },
            ]),
        ),
        e(ext::PSK_KEY_EXCHANGE_MODES, ExtBody::U8List(vec![1])),
        e(ext::SIGNATURE_ALGORITHMS, ExtBody::U16List(sigs)),
    ];
    if names(sni) {
        all.push(e(
            ext::SERVER_NAME,
            ExtBody::ServerName(vec![sni.to_string()]),
        ));
    }
    let mut extensions: Vec<Extension> = order(&random, all.len())
        .into_iter()
        .map(|i| all[i].clone())
        .collect();
    if resume == Some(Version::Tls13) {
        extensions.push(super::tls_messages::psk_offer());
    }
    Some(ClientHello {
        legacy_version: 0x0303,
        random,
        session_id: Vec::new(),
        cipher_suites: vec![0x1301, 0x1302, 0x1303],
        compression_methods: vec![0],
        extensions,
    })
}

/// [`client_hello`]'s length with its 4-byte header, counted without writing it.
pub fn client_hello_len(m: &Message) -> Option<u64> {
    let (random, sni, resume, params) = quic_hello(m)?;
    let d = draws(&bytes32(random));
    let mut exts = vec![
        params.len() / 2,                           // quic_transport_parameters
        2 + 2 * 4,                                  // supported_groups
        1 + 2,                                      // supported_versions
        TRUST_ANCHOR_IDS.len() / 2,                 // trust_anchors
        5,                                          // application_settings
        3,                                          // compress_certificate
        2 + 1 + 2,                                  // ALPN
        42 + d.ech_payload,                         // encrypted_client_hello
        2 + (4 + X25519_MLKEM768_SHARE) + (4 + 32), // key_share
        2,                                          // psk_key_exchange_modes
        2 + 2 * (SIGNATURE_ALGORITHMS.len() + 1),   // signature_algorithms
    ];
    if names(sni) {
        exts.push(2 + 3 + sni.len());
    }
    let mut body: usize = exts.iter().map(|n| 4 + n).sum();
    if resume == Some(Version::Tls13) {
        body += 4 + 2 + (2 + TICKET_LEN + 4) + 2 + (1 + MAC_LEN);
    }
    // Version, random, an empty session id, three suites, null compression, extensions' length.
    let fixed = 2 + 32 + 1 + (2 + 2 * 3) + (1 + 1) + 2;
    Some((4 + fixed + body) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quic_transport;
    use crate::model::tls_messages::{handshake_len, structure};
    use crate::model::tls_wire::{self, Handshake};

    fn hello(sni: &str, random: &str, params: &[u8], resume: Option<Version>) -> Message {
        Message::ClientHello {
            random: random.into(),
            session_id: String::new(),
            suites: &crate::model::tls::QUIC_SUITES,
            sni: sni.into(),
            alpn: &["h3"],
            versions: &[Version::Tls13],
            key_share: String::new(),
            resume,
            quic: Some(params.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }

    /// The recording's ClientHello to www.example.com: 1,941 bytes after its header, with an
    /// 84-byte quic_transport_parameters and a 250-byte encrypted_client_hello (a 208-byte
    /// payload).
    #[test]
    fn the_client_hello_is_chromiums_size() {
        for r in 0..40u8 {
            let random = format!("{r:02x}").repeat(32);
            let params = quic_transport::encode(&quic_transport::chromium_client(&mut Rng::new(
                u64::from(r),
            )));
            let m = hello("www.example.com", &random, &params, None);
            let ech = draws(&bytes32(&random)).ech_payload;
            let want = 1941 - 84 + params.len() - 208 + ech;
            assert_eq!(handshake_len(&m), Some(4 + want as u64));
            let written = tls_wire::encode(&structure(&m).expect("a structure")).expect("writes");
            assert_eq!(written.bytes.len(), 4 + want);
            let Ok(Handshake::ClientHello(ch)) = tls_wire::decode(&written.bytes) else {
                panic!("reads back")
            };
            assert!(ch.session_id.is_empty());
            assert_eq!(ch.cipher_suites, [0x1301, 0x1302, 0x1303]);
            assert_eq!(ch.extensions.len(), EXTENSIONS);
            let resumed = hello("www.example.com", &random, &params, Some(Version::Tls13));
            assert_eq!(handshake_len(&resumed), Some(4 + want as u64 + 239));
            let address = hello("127.0.0.1", &random, &params, None);
            assert_eq!(handshake_len(&address), Some(4 + want as u64 - 24));
        }
    }

    #[test]
    fn the_names_follow_the_extensions() {
        for (r, sni) in [("5a", "www.example.com"), ("07", "192.0.2.1")] {
            let random = r.repeat(32);
            let m = hello(sni, &random, &[1, 2, 3], None);
            let ch = client_hello(&m).expect("a ClientHello");
            let types: Vec<u16> = ch.extensions.iter().map(|e| e.typ).collect();
            let named: Vec<u16> = (extension_names(&random, sni).iter())
                .map(|n| KINDS.iter().find(|(k, _)| k == n).expect("a kind").1)
                .collect();
            assert_eq!(types, named, "{sni}");
        }
    }
}
