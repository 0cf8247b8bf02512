//! One connection's TLS 1.3 handshake, as the model's machines ran it, turned into real records:
//! each [`tls::Message`] of the trace becomes its RFC 8446 structure ([`tls_wire`]) and
//! [`Session13`] seals it with keys derived for real.
//!
//! Inputs are the model's seeded values: the ClientHello's and ServerHello's randoms and the
//! legacy session id as the trace shows them; each side's 32 seeded key-share bytes are its
//! X25519 private key, whose public key goes in the key_share extension. The certificate chain
//! is [`x509`]'s DER and the CertificateVerify is the leaf key's signature over the transcript
//! (RFC 8446 §4.4.3): RSA-PSS for the model's RSA leaves. A ticket's age_add, nonce and 192 bytes of ticket come from the
//! connection's seeded values too. Same trace, same bytes.
//!
//! What the ClientHello carries: the cipher suites, server name, ALPN protocols and versions
//! the model's message names; the x25519 group and key share; signature algorithms and the
//! point formats and PSK modes a browser sends, and for a resumed handshake the ticket the
//! server named last issued in the run (its PSK, its age obfuscated, the binder computed).
//! Left out (an error, not a guess): TLS 1.2, a ticket from before the run, and a client
//! certificate.

use super::{x509, CaptureError};
use crate::model::time::Instant;
use crate::model::tls::{Message, Version};
use crate::model::tls_keys::Suite13;
use crate::model::tls_keys::{x25519_public, x25519_shared};
use crate::model::tls_record::{Sent, Session13, X25519};
use crate::model::tls_wire::{self, ext, ExtBody, Extension, Handshake, KeyShare, PskIdentity};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::DerSignature;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The signature algorithms a Chromium ClientHello offers, in its order (BoringSSL's
/// `kVerifySignatureAlgorithms`): ECDSA P-256/SHA-256, RSA-PSS/SHA-256, PKCS#1/SHA-256,
/// ECDSA P-384/SHA-384, RSA-PSS/SHA-384, PKCS#1/SHA-384, RSA-PSS/SHA-512, PKCS#1/SHA-512.
const SIGNATURE_ALGORITHMS: [u16; 8] = [
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];
/// ecdsa_secp256r1_sha256 (RFC 8446 §4.2.3).
const ECDSA_P256_SHA256: u16 = 0x0403;
/// rsa_pss_rsae_sha256 (RFC 8446 §4.2.3): RSA-PSS with SHA-256, salt as long as the hash.
const RSA_PSS_RSAE_SHA256: u16 = 0x0804;

/// Bytes from SHA-256 in counter mode over a seed: the "randomness" a deterministic signature
/// scheme draws (RSA-PSS's salt), so the same transcript gives the same signature.
pub struct Drbg {
    seed: [u8; 32],
    counter: u64,
}

impl Drbg {
    pub fn new(seed: &[u8]) -> Drbg {
        Drbg {
            seed: Sha256::digest(seed).into(),
            counter: 0,
        }
    }
}

impl rand_core::RngCore for Drbg {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_be_bytes());
            self.counter += 1;
            chunk.copy_from_slice(&h.finalize()[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Not random at all, but what the signature APIs ask for; nothing secret depends on it.
impl rand_core::CryptoRng for Drbg {}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// 32 bytes from the model's hex, or the SHA-256 of the text if it is not 32 bytes of hex.
fn bytes32(hex: &str) -> [u8; 32] {
    unhex(hex)
        .try_into()
        .unwrap_or_else(|_| Sha256::digest(hex.as_bytes()).into())
}

fn version_code(v: Version) -> u16 {
    match v {
        Version::Tls13 => 0x0304,
        Version::Tls12 => 0x0303,
    }
}

/// A ticket a server issued in this run, by the server name it was issued to: what a later
/// connection to that name resumes with.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub psk: Vec<u8>,
    pub ticket: Vec<u8>,
    pub age_add: u32,
    pub issued: Instant,
}

/// What the connections of a run share: the tickets servers issued so far, and each chain's
/// DER once made (signing with the root's 4,096-bit key is the capture's slowest step).
#[derive(Default)]
pub struct Shared {
    pub tickets: BTreeMap<String, Ticket>,
    chains: BTreeMap<Vec<(String, String)>, Vec<Vec<u8>>>,
}

impl Shared {
    fn chain_der(&mut self, chain: &[crate::model::cert::Certificate]) -> Vec<Vec<u8>> {
        let key: Vec<(String, String)> = chain
            .iter()
            .map(|c| (c.subject.clone(), c.issuer.clone()))
            .collect();
        self.chains
            .entry(key)
            .or_insert_with(|| x509::chain_der(chain))
            .clone()
    }
}

/// One connection's handshake in progress.
#[derive(Default)]
pub struct Tls13 {
    /// The server name the ClientHello asked for.
    sni: String,
    session: Session13,
    client_private: [u8; 32],
    session_id: Vec<u8>,
    /// The server's messages since its ServerHello, until its Finished.
    flight: Vec<Handshake>,
    /// The leaf, whose key signs the CertificateVerify.
    leaf: Option<crate::model::cert::Certificate>,
}

impl Tls13 {
    /// The NSS key log lines of the connection (empty before the ServerHello).
    pub fn keylog(&self) -> String {
        self.session.keylog()
    }

    /// Application data (an HTTP message) in records under the sender's current keys.
    pub fn data(&mut self, from_client: bool, bytes: &[u8]) -> Result<Vec<Sent>, CaptureError> {
        self.session
            .data(from_client, bytes)
            .map_err(CaptureError::tls)
    }

    /// The records a message of the trace puts on the wire (none for the server's messages
    /// before its Finished, which ends its flight: the flight goes out as one run of records).
    pub fn on(
        &mut self,
        m: &Message,
        version: Version,
        (now, shared): (Instant, &mut Shared),
    ) -> Result<Vec<Sent>, CaptureError> {
        if version != Version::Tls13 {
            return Err(CaptureError::Unsupported("TLS 1.2 connections"));
        }
        let out = match m {
            Message::ClientHello { .. } => vec![self.client_hello(m, now, &shared.tickets)?],
            Message::ServerHello {
                random,
                key_share,
                suite,
                resumed,
                ..
            } => {
                let private = bytes32(key_share.as_deref().unwrap_or_default());
                let sh = tls_wire::ServerHello {
                    legacy_version: 0x0303,
                    random: bytes32(random),
                    session_id: self.session_id.clone(),
                    cipher_suite: suite.code,
                    compression_method: 0,
                    extensions: vec![
                        Extension {
                            typ: ext::SUPPORTED_VERSIONS,
                            body: ExtBody::U16(0x0304),
                        },
                        Extension {
                            typ: ext::KEY_SHARE,
                            body: ExtBody::ServerShare(KeyShare {
                                group: X25519,
                                key: x25519_public(&private).to_vec(),
                            }),
                        },
                    ],
                };
                let mut sh = sh;
                if *resumed {
                    // §4.2.11: the server took the one ticket offered.
                    sh.extensions.push(Extension {
                        typ: ext::PRE_SHARED_KEY,
                        body: ExtBody::SelectedPsk(0),
                    });
                }
                let shared = x25519_shared(&private, &x25519_public(&self.client_private));
                vec![self
                    .session
                    .server_hello(&sh, &shared)
                    .map_err(CaptureError::tls)?]
            }
            Message::EncryptedExtensions { alpn } => {
                self.flight
                    .push(Handshake::EncryptedExtensions(vec![Extension {
                        typ: ext::ALPN,
                        body: ExtBody::Alpn(vec![alpn.to_string()]),
                    }]));
                vec![]
            }
            Message::Certificate {
                from_client: false,
                chain,
            } => {
                self.leaf = chain.first().cloned();
                let entries = shared
                    .chain_der(chain)
                    .into_iter()
                    .map(|cert| tls_wire::CertificateEntry {
                        cert,
                        extensions: vec![],
                    })
                    .collect();
                self.flight.push(Handshake::Certificate {
                    context: vec![],
                    entries,
                });
                vec![]
            }
            Message::CertificateVerify { from_client: false } => {
                let (scheme, signature) = self.certificate_verify()?;
                self.flight
                    .push(Handshake::CertificateVerify { scheme, signature });
                vec![]
            }
            Message::Finished {
                from_client: false, ..
            } => {
                let flight = std::mem::take(&mut self.flight);
                self.session
                    .server_flight(&flight)
                    .map_err(CaptureError::tls)?
            }
            Message::Finished {
                from_client: true, ..
            } => self.session.client_finished().map_err(CaptureError::tls)?,
            Message::NewSessionTicket { lifetime_s } => {
                let t = self.ticket(*lifetime_s);
                if let Handshake::NewSessionTicket(n) = &t {
                    if let Some(psk) = self.session.ticket_psk(&n.nonce) {
                        let issued = Ticket {
                            psk,
                            ticket: n.ticket.clone(),
                            age_add: n.age_add,
                            issued: now,
                        };
                        shared.tickets.insert(self.sni.clone(), issued);
                    }
                }
                self.session
                    .post_handshake(false, &t)
                    .map_err(CaptureError::tls)?
            }
            Message::Alert { .. } => {
                // Every alert the model sends ends the connection (RFC 8446 §6.2: fatal).
                let client = m.from_client();
                self.session
                    .alert(client, 2, 0)
                    .map_err(CaptureError::tls)?
            }
            Message::CertificateRequest
            | Message::Certificate {
                from_client: true, ..
            }
            | Message::CertificateVerify { from_client: true } => {
                return Err(CaptureError::Unsupported("client certificates"))
            }
            _ => return Err(CaptureError::Unsupported("TLS 1.2 messages")),
        };
        Ok(out)
    }

    fn client_hello(
        &mut self,
        m: &Message,
        now: Instant,
        tickets: &BTreeMap<String, Ticket>,
    ) -> Result<Sent, CaptureError> {
        let Message::ClientHello {
            random,
            session_id,
            suites,
            sni,
            alpn,
            versions,
            key_share,
            ..
        } = m
        else {
            return Err(CaptureError::Internal("not a ClientHello"));
        };
        let Message::ClientHello { resume, .. } = m else {
            return Err(CaptureError::Internal("not a ClientHello"));
        };
        self.sni = sni.clone();
        self.client_private = bytes32(key_share);
        self.session_id = bytes32(session_id).to_vec();
        let e = |typ, body| Extension { typ, body };
        let ch = tls_wire::ClientHello {
            legacy_version: 0x0303,
            random: bytes32(random),
            session_id: self.session_id.clone(),
            cipher_suites: suites.iter().map(|s| s.code).collect(),
            compression_methods: vec![0],
            extensions: vec![
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
                        key: x25519_public(&self.client_private).to_vec(),
                    }]),
                ),
            ],
        };
        if !resume {
            return self.session.client_hello(&ch).map_err(CaptureError::tls);
        }
        let t = tickets.get(sni).ok_or(CaptureError::Unsupported(
            "a resumed TLS 1.3 handshake whose ticket came from before the run",
        ))?;
        let suite = Suite13::from_code(0x1301).ok_or(CaptureError::Internal("the suite"))?;
        let mut ch = ch;
        // §4.2.11: pre_shared_key is the last extension; the age is obfuscated by age_add.
        let age_ms = (now.since(t.issued).micros() / 1000) as u32;
        ch.extensions.push(Extension {
            typ: ext::PRE_SHARED_KEY,
            body: ExtBody::OfferedPsks {
                identities: vec![PskIdentity {
                    identity: t.ticket.clone(),
                    obfuscated_ticket_age: age_ms.wrapping_add(t.age_add),
                }],
                binders: vec![vec![0; suite.hash.output_len()]],
            },
        });
        self.session
            .client_hello_psk(&ch, &t.psk, suite)
            .map_err(CaptureError::tls)
    }

    /// The server's signature over the transcript so far (RFC 8446 §4.4.3): 64 spaces, the
    /// context string, a zero byte and the transcript hash, signed with the leaf's key —
    /// rsa_pss_rsae_sha256 (its salt drawn from the transcript hash: deterministic) or
    /// ecdsa_secp256r1_sha256.
    fn certificate_verify(&mut self) -> Result<(u16, Vec<u8>), CaptureError> {
        let leaf = self
            .leaf
            .as_ref()
            .ok_or(CaptureError::Internal("no certificate"))?;
        // The transcript must include the flight's messages so far.
        let hash = self
            .session
            .transcript_hash_with(&self.flight)
            .map_err(CaptureError::tls)?;
        let mut content = vec![0x20u8; 64];
        content.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
        content.extend_from_slice(&hash);
        Ok(match x509::Key::subject(leaf) {
            x509::Key::Rsa(k) => {
                use rsa::signature::{RandomizedSigner, SignatureEncoding};
                let signer = rsa::pss::SigningKey::<Sha256>::new(*k);
                let mut salt = Drbg::new(&hash);
                (
                    RSA_PSS_RSAE_SHA256,
                    signer.sign_with_rng(&mut salt, &content).to_vec(),
                )
            }
            x509::Key::Ec(k) => {
                let sig: DerSignature = k.sign(&content);
                (ECDSA_P256_SHA256, sig.as_bytes().to_vec())
            }
        })
    }

    /// A NewSessionTicket whose values come from the connection's own secrets.
    fn ticket(&self, lifetime_s: u32) -> Handshake {
        let seed = Sha256::digest(self.keylog().as_bytes());
        let mut ticket = Vec::with_capacity(192);
        let mut block = seed.to_vec();
        while ticket.len() < 192 {
            block = Sha256::digest(&block).to_vec();
            ticket.extend_from_slice(&block);
        }
        ticket.truncate(192);
        Handshake::NewSessionTicket(tls_wire::NewSessionTicket {
            lifetime_s,
            age_add: u32::from_be_bytes([seed[0], seed[1], seed[2], seed[3]]),
            nonce: vec![0],
            ticket,
            extensions: vec![],
        })
    }
}
