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
//! A server that asks for a client certificate sends a CertificateRequest with the two signature
//! schemes the model's servers accept (OpenSSL's own list is longer: a few bytes more); the browser's CertificateVerify is an ECDSA P-256 signature.
//! TLS 1.2's messages are [`crate::model::tls12_messages`]'s. Left out: HelloRetryRequest.

use super::tls::{Message, Version};
#[cfg(test)]
use super::tls_wire;
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
/// ecdsa_secp256r1_sha256 (RFC 8446 §4.2.3): the browser's signature with its P-256 client key.
pub const ECDSA_SECP256R1_SHA256: u16 = 0x0403;
/// The client's ECDSA P-256 signature in DER at its longest (both integers 33 bytes): the
/// capture draws the signature's nonce until it is this long, so the size is known beforehand.
pub const ECDSA_P256_SIGNATURE: usize = 72;
/// What the model's servers accept in a CertificateRequest (its field in the trace says so).
pub const CLIENT_SIGNATURE_SCHEMES: [u16; 2] = [ECDSA_SECP256R1_SHA256, RSA_PSS_RSAE_SHA256];
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
        Message::ClientHello { quic: Some(_), .. } => {
            Handshake::ClientHello(super::quic_tls::client_hello(m)?)
        }
        Message::ClientHello { .. } => Handshake::ClientHello(client_hello(m)?),
        Message::ServerHello { .. } => Handshake::ServerHello(server_hello(m)?),
        Message::EncryptedExtensions { alpn, quic } => {
            let mut exts = vec![e(ext::ALPN, ExtBody::Alpn(vec![alpn.to_string()]))];
            if let Some(params) = quic {
                exts.push(e(
                    super::quic_tls::QUIC_TRANSPORT_PARAMETERS,
                    ExtBody::Opaque(unhex(params)),
                ));
            }
            Handshake::EncryptedExtensions(exts)
        }
        Message::CertificateRequest => Handshake::CertificateRequest {
            context: vec![],
            extensions: vec![e(
                ext::SIGNATURE_ALGORITHMS,
                ExtBody::U16List(CLIENT_SIGNATURE_SCHEMES.to_vec()),
            )],
        },
        Message::Certificate { chain, .. } => Handshake::Certificate {
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
        Message::CertificateVerify { from_client: true } => Handshake::CertificateVerify {
            scheme: ECDSA_SECP256R1_SHA256,
            signature: vec![0; ECDSA_P256_SIGNATURE],
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

/// Extension types of a Chromium ClientHello beyond [`ext`]'s.
pub mod chromium_ext {
    pub const STATUS_REQUEST: u16 = 5;
    pub const SIGNED_CERTIFICATE_TIMESTAMP: u16 = 18;
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    pub const COMPRESS_CERTIFICATE: u16 = 27;
    pub const SESSION_TICKET: u16 = 35;
    /// application_settings (ALPS), its new code point.
    pub const APPLICATION_SETTINGS: u16 = 0x44cd;
    /// trust_anchors (draft-ietf-tls-trust-anchor-ids).
    pub const TRUST_ANCHORS: u16 = 0xca34;
    pub const ENCRYPTED_CLIENT_HELLO: u16 = 0xfe0d;
}

/// The hybrid post-quantum group X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem): its key share is
/// an ML-KEM-768 encapsulation key (1,184 bytes) then an X25519 public key.
pub const X25519_MLKEM768: u16 = 0x11ec;
/// Its key share's length.
pub const X25519_MLKEM768_SHARE: usize = 1184 + 32;

/// The trust anchor IDs Chromium 156 sends (28 of them, as relative OIDs), recorded from its
/// ClientHello on this machine (the one-time capture the issue-18 notes describe).
pub(crate) const TRUST_ANCHOR_IDS: &str = "00b80582df1302010582df1302060582df13020d0582df13020e0582df13020f0582df1302120582df1302130582df13021408839a648c9b2d010708839a648c9b2d010808839a648c9b2d010908839a648c9b2d010a08839a648c9b2d010b08839a648c9b2d010c08839a648c9b2d010d08839a648c9b2d011208839a648c9b2d011304d679090104d679090404d679090504d679090604d679090704d679090804d679090a04d679090b04d679090c04d679090d04d679090f";

/// What BoringSSL draws afresh for each ClientHello (`grease_seed`, the extension permutation,
/// the GREASE ECH payload's length and config id; ssl/handshake.cc, ssl/extensions.cc
/// `ssl_setup_extension_permutation`, ssl/encrypted_client_hello.cc `setup_ech_grease`), drawn
/// here from the ClientHello's random (the model's seeded value) so that the trace and the
/// capture draw the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draws {
    /// GREASE values (RFC 8701): cipher, group, first and last extension, version, signature.
    pub grease: [u16; 6],
    /// The order of the [`PERMUTED`] extensions.
    pub order: Vec<usize>,
    /// The GREASE ECH payload's length: 32 × 4..7 plus AES-128-GCM's 16-byte tag.
    pub ech_payload: usize,
    pub ech_config_id: u8,
}

/// How many extensions BoringSSL permutes (all but the two GREASE ones and pre_shared_key).
pub const PERMUTED: usize = 17;

/// A GREASE value from a byte of the seed (`grease_index_to_value`: 0x?A?A).
fn grease(b: u8) -> u16 {
    let v = u16::from((b & 0xf0) | 0x0a);
    v | (v << 8)
}

/// The draws for a ClientHello with `random`.
pub fn draws(random: &[u8; 32]) -> Draws {
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&random[..8]);
    let mut rng = crate::model::rng::Rng::new(u64::from_be_bytes(seed));
    let bytes = rng.next_u64().to_be_bytes();
    let mut g = [0u16; 6];
    for (v, b) in g.iter_mut().zip(bytes) {
        *v = grease(b);
    }
    // ssl_get_grease_value: the two extensions' values differ.
    if g[3] == g[2] {
        g[3] ^= 0x1010;
    }
    let mut order: Vec<usize> = (0..PERMUTED).collect();
    for i in (1..PERMUTED).rev() {
        let j = (rng.next_u32() as usize) % (i + 1);
        order.swap(i, j);
    }
    Draws {
        grease: g,
        order,
        ech_payload: 32 * (4 + (rng.next_u32() as usize % 4)) + 16,
        ech_config_id: bytes[6],
    }
}

/// The extensions' names in the order a ClientHello with `d` sends them (pre_shared_key, when
/// resuming, after the last).
pub fn extension_names(d: &Draws) -> Vec<&'static str> {
    const NAMES: [&str; PERMUTED] = [
        "encrypted_client_hello",
        "supported_groups",
        "renegotiation_info",
        "status_request",
        "supported_versions",
        "application_layer_protocol_negotiation",
        "signature_algorithms",
        "ec_point_formats",
        "trust_anchors",
        "psk_key_exchange_modes",
        "signed_certificate_timestamp",
        "session_ticket",
        "key_share",
        "extended_master_secret",
        "server_name",
        "compress_certificate",
        "application_settings",
    ];
    let mut out = vec!["GREASE"];
    out.extend(d.order.iter().map(|&i| NAMES[i]));
    out.push("GREASE");
    out
}

/// The ClientHello Chromium 156 sends (recorded on this machine; BoringSSL's
/// `ssl_add_clienthello_tlsext`): a GREASE cipher suite first; a GREASE extension first and a
/// one-byte GREASE extension last, the seventeen between in the order [`draws`] gives —
/// encrypted_client_hello (a GREASE one: ECH is offered to every server), supported_groups
/// (GREASE, X25519MLKEM768, x25519, P-256, P-384), renegotiation_info, status_request,
/// supported_versions (GREASE, 1.3, 1.2), ALPN, signature_algorithms (GREASE, ML-DSA's three,
/// then [`SIGNATURE_ALGORITHMS`]), ec_point_formats, trust_anchors, psk_key_exchange_modes,
/// signed_certificate_timestamp, session_ticket, key_share (GREASE, X25519MLKEM768, x25519),
/// extended_master_secret, server_name, compress_certificate (brotli) and application_settings
/// (h2) — and for a resumed handshake pre_shared_key after them all. Key shares, the ECH
/// payload and the ticket are zeros here (the capture fills them).
pub fn client_hello(m: &Message) -> Option<ClientHello> {
    use chromium_ext as c;
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
    let random = bytes32(random);
    let d = draws(&random);
    let [g_cipher, g_group, g_first, g_last, g_version, g_sig] = d.grease;
    let mut ech = vec![0, 0, 1, 0, 1, d.ech_config_id, 0, 32];
    ech.extend_from_slice(&[0; 32]);
    ech.extend_from_slice(&(d.ech_payload as u16).to_be_bytes());
    ech.extend(std::iter::repeat_n(0, d.ech_payload));
    let mut sigs = vec![g_sig, 0x0904, 0x0905, 0x0906];
    sigs.extend_from_slice(&SIGNATURE_ALGORITHMS);
    let mut vs = vec![g_version];
    vs.extend(versions.iter().map(|v| version_code(*v)));
    let h2 = alpn.contains(&"h2");
    let permuted = [
        e(c::ENCRYPTED_CLIENT_HELLO, ExtBody::Opaque(ech)),
        e(
            ext::SUPPORTED_GROUPS,
            ExtBody::U16List(vec![g_group, X25519_MLKEM768, X25519, 0x0017, 0x0018]),
        ),
        e(ext::RENEGOTIATION_INFO, ExtBody::Renegotiation(vec![])),
        e(c::STATUS_REQUEST, ExtBody::Opaque(vec![1, 0, 0, 0, 0])),
        e(ext::SUPPORTED_VERSIONS, ExtBody::Versions(vs)),
        e(
            ext::ALPN,
            ExtBody::Alpn(alpn.iter().map(|a| a.to_string()).collect()),
        ),
        e(ext::SIGNATURE_ALGORITHMS, ExtBody::U16List(sigs)),
        e(ext::EC_POINT_FORMATS, ExtBody::U8List(vec![0])),
        e(c::TRUST_ANCHORS, ExtBody::Opaque(unhex(TRUST_ANCHOR_IDS))),
        e(ext::PSK_KEY_EXCHANGE_MODES, ExtBody::U8List(vec![1])),
        e(c::SIGNED_CERTIFICATE_TIMESTAMP, ExtBody::Opaque(vec![])),
        // A TLS 1.2 session's ticket goes here (RFC 5077 §3.2); the capture fills it.
        e(
            c::SESSION_TICKET,
            ExtBody::Opaque(if *resume == Some(Version::Tls12) {
                vec![0; TICKET_LEN]
            } else {
                vec![]
            }),
        ),
        e(
            ext::KEY_SHARE,
            ExtBody::ClientShares(vec![
                KeyShare {
                    group: g_group,
                    key: vec![0],
                },
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
        e(c::EXTENDED_MASTER_SECRET, ExtBody::Opaque(vec![])),
        e(ext::SERVER_NAME, ExtBody::ServerName(vec![sni.clone()])),
        e(c::COMPRESS_CERTIFICATE, ExtBody::Opaque(vec![2, 0, 2])),
        e(
            c::APPLICATION_SETTINGS,
            ExtBody::Opaque(if h2 {
                vec![0, 3, 2, b'h', b'2']
            } else {
                vec![0, 0]
            }),
        ),
    ];
    let mut extensions = vec![e(g_first, ExtBody::Opaque(vec![]))];
    extensions.extend(d.order.iter().map(|&i| permuted[i].clone()));
    extensions.push(e(g_last, ExtBody::Opaque(vec![0])));
    if *resume == Some(Version::Tls13) {
        extensions.push(psk_offer());
    }
    let mut cipher_suites = vec![g_cipher];
    cipher_suites.extend(suites.iter().map(|s| s.code));
    Some(ClientHello {
        legacy_version: 0x0303,
        random,
        session_id: bytes32(session_id).to_vec(),
        cipher_suites,
        compression_methods: vec![0],
        extensions,
    })
}

/// The pre_shared_key extension of a ClientHello that resumes a TLS 1.3 session: one ticket's
/// identity and its binder, zeros here (the capture fills them); last of the extensions
/// (RFC 8446 §4.2.11).
pub(crate) fn psk_offer() -> Extension {
    e(
        ext::PRE_SHARED_KEY,
        ExtBody::OfferedPsks {
            identities: vec![PskIdentity {
                identity: vec![0; TICKET_LEN],
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; MAC_LEN]],
        },
    )
}

/// [`client_hello`]'s length with its header, counted without writing it (the engine sizes
/// every connection's ClientHello; a test holds the two equal).
fn client_hello_len(m: &Message) -> Option<u64> {
    let Message::ClientHello {
        random,
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
    let d = draws(&bytes32(random));
    let alpn_list: usize = alpn.iter().map(|a| 1 + a.len()).sum();
    let alps = if alpn.contains(&"h2") { 5 } else { 2 };
    let exts = [
        0,                                                    // GREASE, empty
        42 + d.ech_payload,                                   // encrypted_client_hello
        2 + 2 * 5,                                            // supported_groups
        1,                                                    // renegotiation_info
        5,                                                    // status_request
        1 + 2 * (1 + versions.len()),                         // supported_versions
        2 + alpn_list,                                        // ALPN
        2 + 2 * (4 + SIGNATURE_ALGORITHMS.len()),             // signature_algorithms
        2,                                                    // ec_point_formats
        TRUST_ANCHOR_IDS.len() / 2,                           // trust_anchors
        2,                                                    // psk_key_exchange_modes
        0,                                                    // signed_certificate_timestamp
        0,                                                    // session_ticket
        2 + (4 + 1) + (4 + X25519_MLKEM768_SHARE) + (4 + 32), // key_share
        0,                                                    // extended_master_secret
        2 + 3 + sni.len(),                                    // server_name
        3,                                                    // compress_certificate
        alps,                                                 // application_settings
        1,                                                    // GREASE, one byte
    ];
    let mut body: usize = exts.iter().map(|n| 4 + n).sum();
    match resume {
        Some(Version::Tls13) => body += 4 + 2 + (2 + TICKET_LEN + 4) + 2 + (1 + MAC_LEN),
        Some(Version::Tls12) => body += TICKET_LEN,
        None => {}
    }
    let fixed = 2 + 32 + (1 + 32) + (2 + 2 * (1 + suites.len())) + (1 + 1) + 2;
    Some((4 + fixed + body) as u64)
}

/// The ServerHello, echoing over TCP a 32-byte legacy session id (the browser always sends one:
/// the middlebox compatibility mode of RFC 8446 §D.4) and over QUIC none (RFC 9001 §8.4), with
/// an x25519 share of zeros.
pub fn server_hello(m: &Message) -> Option<ServerHello> {
    let Message::ServerHello {
        random,
        suite,
        resumed,
        quic,
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
        session_id: if *quic { vec![] } else { vec![0; 32] },
        cipher_suite: suite.code,
        compression_method: 0,
        extensions,
    })
}

/// A TLS 1.3 message's length with its 4-byte header, counted from the structure's parts
/// without writing it (the engine sizes every message of every connection; the first screen
/// carries this, not the writer). A test holds each equal to [`structure`]'s bytes.
pub fn handshake_len(m: &Message) -> Option<u64> {
    let body: usize = match m {
        Message::ClientHello { quic: Some(_), .. } => return super::quic_tls::client_hello_len(m),
        Message::ClientHello { .. } => return client_hello_len(m),
        Message::ServerHello { resumed, quic, .. } => {
            let echo = if *quic { 0 } else { 32 };
            2 + 32 + (1 + echo) + 2 + 1 + 2 + (4 + 2) + (4 + 4 + 32) + if *resumed { 6 } else { 0 }
        }
        Message::EncryptedExtensions { alpn, quic } => {
            2 + 4 + 2 + 1 + alpn.len() + quic.as_ref().map_or(0, |p| 4 + p.len() / 2)
        }
        Message::CertificateRequest => 1 + 2 + 4 + 2 + 2 * CLIENT_SIGNATURE_SCHEMES.len(),
        Message::Certificate { chain, .. } => {
            1 + 3
                + x509::chain_lens(chain)
                    .iter()
                    .map(|n| 3 + n + 2)
                    .sum::<usize>()
        }
        Message::CertificateVerify { from_client: false } => 2 + 2 + RSA_2048_SIGNATURE,
        Message::CertificateVerify { from_client: true } => 2 + 2 + ECDSA_P256_SIGNATURE,
        Message::Finished { .. } => MAC_LEN,
        Message::NewSessionTicket { .. } => 4 + 4 + 1 + TICKET_NONCE_LEN + 2 + TICKET_LEN + 2,
        _ => return None,
    };
    Some(4 + body as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls::CLIENT_SUITES;

    fn hello(sni: &str, random: &str, resume: Option<Version>) -> Message {
        Message::ClientHello {
            random: random.into(),
            session_id: "ab".repeat(32),
            suites: &CLIENT_SUITES,
            sni: sni.into(),
            alpn: &["h2", "http/1.1"],
            versions: &[Version::Tls13, Version::Tls12],
            key_share: "cd".repeat(32),
            resume,
            quic: None,
        }
    }

    fn written(m: &Message) -> u64 {
        tls_wire::encode(&structure(m).expect("a structure"))
            .expect("writes")
            .bytes
            .len() as u64
    }

    /// Chromium 156's ClientHello to www.example.test, recorded on this machine, is 1,771 bytes
    /// plus its ECH payload (1,915 with 144), header not counted; resumed, 239 more.
    #[test]
    fn the_client_hello_is_chromiums_size() {
        for r in 0..40u8 {
            let random = format!("{:02x}", r).repeat(32);
            let m = hello("www.example.test", &random, None);
            let ech = draws(&bytes32(&random)).ech_payload;
            assert!([144, 176, 208, 240].contains(&ech));
            assert_eq!(handshake_len(&m), Some(4 + 1771 + ech as u64));
            let resumed = hello("www.example.test", &random, Some(Version::Tls13));
            assert_eq!(handshake_len(&resumed), Some(4 + 1771 + ech as u64 + 239));
        }
    }

    #[test]
    fn every_size_counted_is_the_structures() {
        use crate::model::connection::chain_for;
        use crate::model::scenario::CertChoice;
        let chain: crate::model::cert::Chain =
            chain_for("www.example.com", CertChoice::Valid, 1_700_000_000).into();
        let mut messages = vec![
            Message::EncryptedExtensions {
                alpn: "h2",
                quic: None,
            },
            Message::EncryptedExtensions {
                alpn: "http/1.1",
                quic: None,
            },
            Message::EncryptedExtensions {
                alpn: "h3",
                quic: Some("0f08".repeat(20)),
            },
            Message::Certificate {
                chain,
                from_client: false,
            },
            Message::CertificateVerify { from_client: false },
            Message::Finished { from_client: true },
            Message::NewSessionTicket { lifetime_s: 7200 },
            Message::CertificateRequest,
            Message::Certificate {
                chain: crate::model::connection::client_chain(1_700_000_000),
                from_client: true,
            },
            Message::CertificateVerify { from_client: true },
        ];
        for resumed in [false, true] {
            messages.push(Message::ServerHello {
                version: Version::Tls13,
                random: "11".repeat(32),
                suite: CLIENT_SUITES[0],
                key_share: Some("22".repeat(32)),
                alpn: None,
                resumed,
                quic: false,
            });
        }
        for (i, host) in ["a.b", "www.example.com", &"x".repeat(200)]
            .iter()
            .enumerate()
        {
            let resume = [None, Some(Version::Tls13), Some(Version::Tls12)][i];
            messages.push(hello(host, &format!("{i:02x}").repeat(32), resume));
        }
        for m in &messages {
            assert_eq!(handshake_len(m), Some(written(m)), "{m:?}");
        }
    }

    #[test]
    fn the_names_follow_the_extensions() {
        let m = hello("www.example.test", &"5a".repeat(32), None);
        let ch = client_hello(&m).expect("a ClientHello");
        let names = extension_names(&draws(&bytes32(&"5a".repeat(32))));
        assert_eq!(names.len(), ch.extensions.len());
        for (name, x) in names.iter().zip(&ch.extensions) {
            let known = tls_wire::ext_name(x.typ);
            if !known.starts_with("extension_") && known != "GREASE" {
                assert_eq!(*name, known);
            }
        }
    }

    #[test]
    fn grease_values_and_the_order_are_boringssls_kind() {
        let d = draws(&[7; 32]);
        for g in d.grease {
            assert_eq!(g & 0x0f0f, 0x0a0a);
            assert_eq!(g >> 8, g & 0xff);
        }
        assert_ne!(d.grease[2], d.grease[3], "the two GREASE extensions differ");
        let mut sorted = d.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..PERMUTED).collect::<Vec<_>>());
        assert_ne!(
            draws(&[8; 32]).order,
            d.order,
            "another random, another order"
        );
    }
}
