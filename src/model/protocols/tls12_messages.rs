//! The model's TLS 1.2 handshake messages ([`Message`]) as their RFC 5246 structures
//! ([`Handshake`]): what sizes them in the trace and — once the capture
//! (`reports/capture/tls12.rs`) has put the real key material in — their bytes. As in
//! [`crate::model::tls_messages`], a value only cryptography gives (a public key, a signature,
//! the encrypted pre-master secret, `verify_data`, a ticket) is zeros of its real length here.
//!
//! The browser's ClientHello is the same whatever the server then picks: [`tls_messages`]'s.
//! The server is OpenSSL's (the model's servers are `openssl`/node-style): its TLS 1.2
//! ServerHello carries its extensions in the order of OpenSSL's `ext_defs` table
//! (ssl/statem/extensions.c): renegotiation_info (RFC 5746), ec_point_formats for an ECDHE
//! suite (RFC 8422 §5.1.2, the three formats OpenSSL lists), session_ticket (it will send a
//! ticket, RFC 5077), ALPN and extended_master_secret (RFC 7627). A new session gets a 32-byte
//! session id (the model's, drawn from the server's random). The ServerKeyExchange signs an
//! x25519 key with rsa_pss_rsae_sha256 (what OpenSSL picks for an RSA key when the client
//! offers it); the ClientKeyExchange carries the browser's x25519 key or the 256-byte
//! RSA-encrypted pre-master secret; the ticket is [`TICKET_LEN`] bytes.
//!
//! A server that asks for a client certificate sends a CertificateRequest for rsa_sign and
//! ecdsa_sign keys with the two signature schemes its field names and no list of CAs (OpenSSL
//! lists more types and schemes: a few bytes more); the
//! browser's CertificateVerify is an ECDSA P-256 signature (its client key), at its longest DER
//! length ([`tls_messages::ECDSA_P256_SIGNATURE`]).
//!
//! Left out: a ServerHello that resumes a session by its id (the model's resumptions are
//! tickets).

use super::tls::{KeyExchange, Message};
use super::tls_messages::{
    self, bytes32, CLIENT_SIGNATURE_SCHEMES, ECDSA_P256_SIGNATURE, ECDSA_SECP256R1_SHA256,
    RSA_2048_SIGNATURE, RSA_PSS_RSAE_SHA256, TICKET_LEN, X25519,
};
use super::tls_wire::{
    ext, EcdheParams, ExtBody, Extension, Handshake, KeyExchangeValue, ServerHello,
};
use super::x509;

pub use super::tls12_keys::VERIFY_DATA_LEN;
use super::tls_messages::chromium_ext::EXTENDED_MASTER_SECRET;
/// An RSA 2048 key's ciphertext: the encrypted pre-master secret's length.
pub const RSA_2048_CIPHERTEXT: usize = 256;
/// ec_point_formats as OpenSSL sends it: uncompressed, ansiX962_compressed_prime and
/// ansiX962_compressed_char2 (`ecformats_default` in ssl/t1_lib.c).
const POINT_FORMATS: [u8; 3] = [0, 1, 2];
/// The certificate types a CertificateRequest accepts: rsa_sign and ecdsa_sign (RFC 8422 §5.5),
/// no list of CAs.
const CERTIFICATE_TYPES: [u8; 2] = [1, 64];

fn e(typ: u16, body: ExtBody) -> Extension {
    Extension { typ, body }
}

/// The TLS 1.2 ServerHello: the model's random, a session id drawn from it (the random read
/// backwards, as the browser's is), the suite and the extensions of the module doc.
pub fn server_hello(m: &Message) -> Option<ServerHello> {
    let Message::ServerHello {
        random,
        suite,
        alpn,
        ..
    } = m
    else {
        return None;
    };
    let random = bytes32(random);
    let mut session_id = random.to_vec();
    session_id.reverse();
    let mut extensions = vec![e(ext::RENEGOTIATION_INFO, ExtBody::Renegotiation(vec![]))];
    if suite.kx == Some(KeyExchange::Ecdhe) {
        extensions.push(e(
            ext::EC_POINT_FORMATS,
            ExtBody::U8List(POINT_FORMATS.to_vec()),
        ));
    }
    extensions.push(e(ext::SESSION_TICKET, ExtBody::Opaque(vec![])));
    if let Some(a) = alpn {
        extensions.push(e(ext::ALPN, ExtBody::Alpn(vec![a.to_string()])));
    }
    extensions.push(e(EXTENDED_MASTER_SECRET, ExtBody::Opaque(vec![])));
    Some(ServerHello {
        legacy_version: 0x0303,
        random,
        session_id,
        cipher_suite: suite.code,
        compression_method: 0,
        extensions,
    })
}

/// The structure of a TLS 1.2 message (module doc), or `None` for one left out.
pub fn structure(m: &Message) -> Option<Handshake> {
    Some(match m {
        Message::ClientHello { .. } => return tls_messages::structure(m),
        Message::ServerHello { .. } => Handshake::ServerHello(server_hello(m)?),
        Message::CertificateRequest => Handshake::CertificateRequest12 {
            types: CERTIFICATE_TYPES.to_vec(),
            schemes: CLIENT_SIGNATURE_SCHEMES.to_vec(),
            authorities: vec![],
        },
        Message::CertificateVerify { from_client: true } => Handshake::CertificateVerify {
            scheme: ECDSA_SECP256R1_SHA256,
            signature: vec![0; ECDSA_P256_SIGNATURE],
        },
        Message::Certificate { chain, .. } => Handshake::Certificate12(
            x509::chain_lens(chain)
                .into_iter()
                .map(|n| vec![0; n])
                .collect(),
        ),
        Message::ServerKeyExchange { .. } => Handshake::ServerKeyExchange(EcdheParams {
            curve: X25519,
            public: vec![0; 32],
            scheme: RSA_PSS_RSAE_SHA256,
            signature: vec![0; RSA_2048_SIGNATURE],
        }),
        Message::ServerHelloDone => Handshake::ServerHelloDone,
        Message::ClientKeyExchange {
            kx: KeyExchange::Ecdhe,
            ..
        } => Handshake::ClientKeyExchange(KeyExchangeValue::Ecdhe(vec![0; 32])),
        Message::ClientKeyExchange {
            kx: KeyExchange::Rsa,
            ..
        } => Handshake::ClientKeyExchange(KeyExchangeValue::Rsa(vec![0; RSA_2048_CIPHERTEXT])),
        Message::Finished { .. } => Handshake::Finished(vec![0; VERIFY_DATA_LEN]),
        Message::NewSessionTicket { lifetime_s } => Handshake::NewSessionTicket12 {
            lifetime_hint_s: *lifetime_s,
            ticket: vec![0; TICKET_LEN],
        },
        _ => return None,
    })
}

/// A TLS 1.2 message's length with its 4-byte header, counted without writing it (the engine
/// sizes every message; a test holds each equal to [`structure`]'s bytes).
pub fn handshake_len(m: &Message) -> Option<u64> {
    let body: usize = match m {
        Message::ClientHello { .. } => return tls_messages::handshake_len(m),
        Message::ServerHello { suite, alpn, .. } => {
            let ecdhe = suite.kx == Some(KeyExchange::Ecdhe);
            let exts = (4 + 1)
                + if ecdhe {
                    4 + 1 + POINT_FORMATS.len()
                } else {
                    0
                }
                + 4
                + alpn.map_or(0, |a| 4 + 2 + 1 + a.len())
                + 4;
            2 + 32 + (1 + 32) + 2 + 1 + 2 + exts
        }
        Message::CertificateRequest => {
            (1 + CERTIFICATE_TYPES.len()) + (2 + 2 * CLIENT_SIGNATURE_SCHEMES.len()) + 2
        }
        Message::CertificateVerify { from_client: true } => 2 + 2 + ECDSA_P256_SIGNATURE,
        Message::Certificate { chain, .. } => {
            3 + x509::chain_lens(chain).iter().map(|n| 3 + n).sum::<usize>()
        }
        Message::ServerKeyExchange { .. } => (1 + 2 + 1 + 32) + (2 + 2 + RSA_2048_SIGNATURE),
        Message::ServerHelloDone => 0,
        Message::ClientKeyExchange {
            kx: KeyExchange::Ecdhe,
            ..
        } => 1 + 32,
        Message::ClientKeyExchange {
            kx: KeyExchange::Rsa,
            ..
        } => 2 + RSA_2048_CIPHERTEXT,
        Message::Finished { .. } => VERIFY_DATA_LEN,
        Message::NewSessionTicket { .. } => 4 + 2 + TICKET_LEN,
        _ => return None,
    };
    Some(4 + body as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls::{Version, CLIENT_SUITES};
    use crate::model::tls_wire::{self, Dialect, Reader};

    fn messages() -> Vec<Message> {
        use crate::model::connection::chain_for;
        use crate::model::scenario::CertChoice;
        let chain: crate::model::cert::Chain =
            chain_for("www.example.com", CertChoice::Valid, 1_700_000_000).into();
        let mut out = vec![
            Message::Certificate {
                chain,
                from_client: false,
            },
            Message::ServerKeyExchange {
                key_share: "22".repeat(32),
            },
            Message::ServerHelloDone,
            Message::ClientKeyExchange {
                kx: KeyExchange::Ecdhe,
                value: "33".repeat(32),
            },
            Message::ClientKeyExchange {
                kx: KeyExchange::Rsa,
                value: "33".repeat(32),
            },
            Message::Finished { from_client: true },
            Message::NewSessionTicket { lifetime_s: 7200 },
            Message::CertificateRequest,
            Message::Certificate {
                chain: crate::model::connection::client_chain(1_700_000_000),
                from_client: true,
            },
            Message::CertificateVerify { from_client: true },
        ];
        for (suite, alpn) in [
            (CLIENT_SUITES[4], Some("h2")),
            (CLIENT_SUITES[11], Some("http/1.1")),
            (CLIENT_SUITES[11], None),
        ] {
            out.push(Message::ServerHello {
                version: Version::Tls12,
                random: "11".repeat(32),
                suite,
                key_share: None,
                alpn,
                resumed: false,
                quic: false,
            });
        }
        out
    }

    #[test]
    fn every_size_counted_is_the_structures_and_reads_back() {
        for m in messages() {
            let h = structure(&m).expect("a structure");
            let bytes = tls_wire::encode(&h).expect("writes").bytes;
            assert_eq!(handshake_len(&m), Some(bytes.len() as u64), "{m:?}");
            let dialect = match m {
                Message::ClientKeyExchange {
                    kx: KeyExchange::Rsa,
                    ..
                } => Dialect::Tls12Rsa,
                _ => Dialect::Tls12Ecdhe,
            };
            let back = tls_wire::decode_next_as(&mut Reader::new(&bytes), dialect).expect("reads");
            assert_eq!(back, h, "{m:?}");
        }
    }

    /// An ECDHE ServerHello with h2 from OpenSSL's extension order: 89 bytes of extensions
    /// and header, as counted by hand from RFC 5246 §7.4.1.3.
    #[test]
    fn the_server_hello_has_openssls_extensions_in_order() {
        let m = &messages()[10];
        let Some(Handshake::ServerHello(sh)) = structure(m) else {
            panic!("a ServerHello")
        };
        let types: Vec<u16> = sh.extensions.iter().map(|x| x.typ).collect();
        assert_eq!(types, [0xff01, 11, 35, 16, 23]);
        assert_eq!(sh.session_id.len(), 32);
        assert_eq!(handshake_len(m), Some(4 + 70 + 2 + 5 + 8 + 4 + 9 + 4));
    }
}
