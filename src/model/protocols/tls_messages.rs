//! The model's TLS 1.3 handshake messages ([`Message`]) as their RFC 8446 structures
//! ([`Handshake`]): what sizes them in the trace, and — once the capture
//! (`reports/capture/tls13.rs`) has put the real key material in — their bytes.
//!
//! Where only cryptography can give a value (a key share's public key, a certificate's
//! signature, the CertificateVerify, a Finished MAC, a ticket), the structure holds zeros of the
//! real length, so a message's size here is its size on the wire. The values the model draws
//! itself (randoms, the legacy session id) are the message's own.
//!
//! The ClientHello: the cipher suites, server name, ALPN protocols and versions the model's
//! message names, the x25519 group and its key share, the signature algorithms of BoringSSL's
//! `kVerifySignatureAlgorithms`, point formats and PSK modes; a resumed one offers one ticket
//! of [`TICKET_LEN`] bytes with its binder, last (§4.2.11). The server: a ServerHello with
//! supported_versions and its x25519 share (and pre_shared_key when it resumes), an
//! EncryptedExtensions with the ALPN protocol, the chain as [`crate::model::x509`] writes it, an
//! RSA-PSS CertificateVerify (the model's server certificates have RSA 2048 keys), Finished, and
//! a NewSessionTicket as OpenSSL writes it (an 8-byte nonce, a 192-byte ticket).
//!
//! Left out: TLS 1.2's messages (sized in [`Message::wire_len`] from their structures' fixed
//! parts), client certificates, HelloRetryRequest.

use super::tls::{Message, Version};
use super::tls_wire::{
    ext, ClientHello, ExtBody, Extension, Handshake, KeyShare, NewSessionTicket, PskIdentity,
    ServerHello,
};
use crate::model::x509;

/// The x25519 group (RFC 8446 §4.2.7).
pub const X25519: u16 = 0x001d;
/// A ticket's length as OpenSSL issues them.
pub const TICKET_LEN: usize = 192;
/// A ticket nonce's length as OpenSSL issues them.
pub const TICKET_NONCE_LEN: usize = 8;
/// A Finished MAC and a PSK binder with SHA-256.
pub const MAC_LEN: usize = 32;
/// An RSA 2048 signature.
pub const RSA_2048_SIGNATURE: usize = 256;
/// rsa_pss_rsae_sha256 (RFC 8446 §4.2.3).
pub const RSA_PSS_RSAE_SHA256: u16 = 0x0804;
/// The signature algorithms a Chromium ClientHello offers, in its order (BoringSSL's
/// `kVerifySignatureAlgorithms`): ECDSA P-256/SHA-256, RSA-PSS/SHA-256, PKCS#1/SHA-256,
/// ECDSA P-384/SHA-384, RSA-PSS/SHA-384, PKCS#1/SHA-384, RSA-PSS/SHA-512, PKCS#1/SHA-512.
pub const SIGNATURE_ALGORITHMS: [u16; 8] = [
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

/// Bytes from the model's hex (pairs that are not hex are skipped).
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// 32 bytes from the model's hex (zeros where it is shorter).
pub fn bytes32(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(unhex(hex)) {
        *o = b;
    }
    out
}

fn version_code(v: Version) -> u16 {
    match v {
        Version::Tls13 => 0x0304,
        Version::Tls12 => 0x0303,
    }
}

fn e(typ: u16, body: ExtBody) -> Extension {
    Extension { typ, body }
}

/// The structure of a TLS 1.3 handshake message (module doc), or `None` for a message this
/// module leaves out.
pub fn structure(m: &Message) -> Option<Handshake> {
    Some(match m {
        Message::ClientHello { .. } => Handshake::ClientHello(client_hello(m)?),
        Message::ServerHello { .. } => Handshake::ServerHello(server_hello(m)?),
        Message::EncryptedExtensions { alpn } => Handshake::EncryptedExtensions(vec![e(
            ext::ALPN,
            ExtBody::Alpn(vec![alpn.to_string()]),
        )]),
        Message::Certificate {
            chain,
            from_client: false,
        } => Handshake::Certificate {
            context: vec![],
            entries: x509::chain_lens(chain)
                .into_iter()
                .map(|n| super::tls_wire::CertificateEntry {
                    cert: vec![0; n],
                    extensions: vec![],
                })
                .collect(),
        },
        Message::CertificateVerify { from_client: false } => Handshake::CertificateVerify {
            scheme: RSA_PSS_RSAE_SHA256,
            signature: vec![0; RSA_2048_SIGNATURE],
        },
        Message::Finished { .. } => Handshake::Finished(vec![0; MAC_LEN]),
        Message::NewSessionTicket { lifetime_s } => Handshake::NewSessionTicket(NewSessionTicket {
            lifetime_s: *lifetime_s,
            age_add: 0,
            nonce: vec![0; TICKET_NONCE_LEN],
            ticket: vec![0; TICKET_LEN],
            extensions: vec![],
        }),
        _ => return None,
    })
}

/// The ClientHello; a resumed one ends with a pre_shared_key offering one ticket of zeros
/// and a binder of zeros, which the capture replaces.
pub fn client_hello(m: &Message) -> Option<ClientHello> {
    let Message::ClientHello {
        random,
        session_id,
        suites,
        sni,
        alpn,
        versions,
        resume,
        ..
    } = m
    else {
        return None;
    };
    let mut extensions = vec![
        e(ext::SERVER_NAME, ExtBody::ServerName(vec![sni.clone()])),
        e(
            ext::SUPPORTED_GROUPS,
            ExtBody::U16List(vec![X25519, 0x0017, 0x0018]),
        ),
        e(ext::EC_POINT_FORMATS, ExtBody::U8List(vec![0])),
        e(
            ext::SIGNATURE_ALGORITHMS,
            ExtBody::U16List(SIGNATURE_ALGORITHMS.to_vec()),
        ),
        e(
            ext::ALPN,
            ExtBody::Alpn(alpn.iter().map(|a| a.to_string()).collect()),
        ),
        e(
            ext::SUPPORTED_VERSIONS,
            ExtBody::Versions(versions.iter().map(|v| version_code(*v)).collect()),
        ),
        e(ext::PSK_KEY_EXCHANGE_MODES, ExtBody::U8List(vec![1])),
        e(
            ext::KEY_SHARE,
            ExtBody::ClientShares(vec![KeyShare {
                group: X25519,
                key: vec![0; 32],
            }]),
        ),
    ];
    if *resume {
        extensions.push(e(
            ext::PRE_SHARED_KEY,
            ExtBody::OfferedPsks {
                identities: vec![PskIdentity {
                    identity: vec![0; TICKET_LEN],
                    obfuscated_ticket_age: 0,
                }],
                binders: vec![vec![0; MAC_LEN]],
            },
        ));
    }
    Some(ClientHello {
        legacy_version: 0x0303,
        random: bytes32(random),
        session_id: bytes32(session_id).to_vec(),
        cipher_suites: suites.iter().map(|s| s.code).collect(),
        compression_methods: vec![0],
        extensions,
    })
}

/// The ServerHello, echoing a 32-byte legacy session id (the browser always sends one: the
/// middlebox compatibility mode of RFC 8446 §D.4), with an x25519 share of zeros.
pub fn server_hello(m: &Message) -> Option<ServerHello> {
    let Message::ServerHello {
        random,
        suite,
        resumed,
        ..
    } = m
    else {
        return None;
    };
    let mut extensions = vec![
        e(ext::SUPPORTED_VERSIONS, ExtBody::U16(0x0304)),
        e(
            ext::KEY_SHARE,
            ExtBody::ServerShare(KeyShare {
                group: X25519,
                key: vec![0; 32],
            }),
        ),
    ];
    if *resumed {
        extensions.push(e(ext::PRE_SHARED_KEY, ExtBody::SelectedPsk(0)));
    }
    Some(ServerHello {
        legacy_version: 0x0303,
        random: bytes32(random),
        session_id: vec![0; 32],
        cipher_suite: suite.code,
        compression_method: 0,
        extensions,
    })
}

/// A TLS 1.3 message's length with its 4-byte header, from its structure.
pub fn handshake_len(m: &Message) -> Option<u64> {
    let s = structure(m)?;
    super::tls_wire::encode(&s)
        .ok()
        .map(|w| w.bytes.len() as u64)
}
