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
//! The messages' structures are [`tls_messages`]'s (Chromium 156's ClientHello among them);
//! this fills what only cryptography gives: the x25519 and X25519MLKEM768 key shares, the
//! GREASE ECH's key and payload, the certificates' and the CertificateVerify's signatures, the
//! Finished MACs (Session13's), a ticket; for a resumed handshake, the ticket the server named
//! last issued in the run (its PSK, its age obfuscated, the binder computed). A ServerHello
//! that picks TLS 1.2 hands the connection to [`super::tls12`]. Left out (an error, not a
//! guess): a server key other than RSA 2048, a client key other than ECDSA P-256. The browser's
//! certificate, when the server asks for it, goes with its CertificateVerify (signed with its
//! P-256 key, [`client_signature`]) in its Finished's record. A ticket from a visit
//! before the run (the scenario's resumption) is drawn from the connection's seeded key share:
//! its PSK is not the secret of any handshake in the capture, but everything after it is
//! derived from it for real.

use super::tls12::{self, Tls12};
use super::{x509, CaptureError};
use crate::model::cert::KeyKind;
use crate::model::time::Instant;
use crate::model::tls::{Message, Version};
use crate::model::tls_keys::Suite13;
use crate::model::tls_keys::{x25519_public, x25519_shared};
use crate::model::tls_messages::{self, bytes32, chromium_ext, X25519, X25519_MLKEM768};
use crate::model::tls_record::{Sent, Session13};
use crate::model::tls_wire::{self, ExtBody, Handshake, PskIdentity};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

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

/// Bytes from a seed, for values a browser draws at random.
pub(super) fn drawn(seed: &[u8], label: &str, n: usize) -> Vec<u8> {
    use rand_core::RngCore;
    let mut rng = Drbg::new(&[seed, label.as_bytes()].concat());
    let mut out = vec![0; n];
    rng.fill_bytes(&mut out);
    out
}

/// Puts the real values into a ClientHello's placeholders: the x25519 key share (the model's
/// seeded private key), the X25519MLKEM768 share (an ML-KEM-768 encapsulation key from seeds
/// drawn from that key, FIPS 203 `ML-KEM.KeyGen_internal`, then a second X25519 public key, as
/// BoringSSL generates one per group), and the GREASE ECH's encapsulated key and payload
/// (random by design: draft-ietf-tls-esni §6.2).
fn fill_client_hello(ch: &mut tls_wire::ClientHello, private: &[u8; 32]) {
    use ml_kem::{EncodedSizeUser, KemCore, MlKem768, B32};
    let d: [u8; 32] = drawn(private, "ml-kem d", 32).try_into().unwrap_or([0; 32]);
    let z: [u8; 32] = drawn(private, "ml-kem z", 32).try_into().unwrap_or([0; 32]);
    let (_, ek) = MlKem768::generate_deterministic(&B32::from(d), &B32::from(z));
    let hybrid_x25519: [u8; 32] = drawn(private, "hybrid x25519", 32)
        .try_into()
        .unwrap_or([0; 32]);
    let mut hybrid = ek.as_bytes().to_vec();
    hybrid.extend_from_slice(&x25519_public(&hybrid_x25519));
    for x in &mut ch.extensions {
        match &mut x.body {
            ExtBody::ClientShares(shares) => {
                for s in shares.iter_mut() {
                    match s.group {
                        X25519 => s.key = x25519_public(private).to_vec(),
                        X25519_MLKEM768 => s.key = hybrid.clone(),
                        _ => {}
                    }
                }
            }
            // type, KDF, AEAD, config id, then the encapsulated key and the payload.
            ExtBody::Opaque(body) if x.typ == chromium_ext::ENCRYPTED_CLIENT_HELLO => {
                let enc_scalar: [u8; 32] =
                    drawn(private, "ech enc", 32).try_into().unwrap_or([0; 32]);
                body[8..40].copy_from_slice(&x25519_public(&enc_scalar));
                let n = body.len() - 42;
                body[42..].copy_from_slice(&drawn(private, "ech payload", n));
            }
            _ => {}
        }
    }
}

/// The ticket of a visit before the run (the scenario's "resumption"), which the capture does
/// not hold: its PSK, its bytes and its age_add drawn from the connection's seeded key share,
/// issued at `now` (an age of zero). The connection's own secrets are derived from it for
/// real, and the key log decrypts the connection as any other.
fn earlier_visit_ticket(private: &[u8; 32], now: Instant) -> Ticket {
    let seed = drawn(private, "earlier visit", 32);
    let age_add = drawn(&seed, "age_add", 4);
    Ticket {
        psk: drawn(&seed, "psk", 32),
        ticket: drawn(&seed, "ticket", tls_messages::TICKET_LEN),
        age_add: u32::from_be_bytes([age_add[0], age_add[1], age_add[2], age_add[3]]),
        issued: now,
    }
}

/// A TLS 1.3 Certificate of `chain` (§4.4.2): its DER, no extensions per entry.
fn certificate(chain: &[crate::model::cert::Certificate], shared: &mut Shared) -> Handshake {
    let entries = shared
        .chain_der(chain)
        .into_iter()
        .map(|cert| tls_wire::CertificateEntry {
            cert,
            extensions: vec![],
        })
        .collect();
    Handshake::Certificate {
        context: vec![],
        entries,
    }
}

/// What a TLS 1.3 CertificateVerify signs (§4.4.3): 64 spaces, the side's context string, a
/// zero byte and the transcript hash.
fn verify_content(side: &str, transcript_hash: &[u8]) -> Vec<u8> {
    let mut content = vec![0x20u8; 64];
    content.extend_from_slice(format!("TLS 1.3, {side} CertificateVerify\0").as_bytes());
    content.extend_from_slice(transcript_hash);
    content
}

/// The server leaf's RSA 2048 key, which signs its handshake (and, in TLS 1.2's RSA key
/// exchange, decrypts the pre-master secret): the model sizes those signatures for an RSA 2048
/// leaf, as its servers have.
pub(super) fn leaf_rsa_key(
    leaf: Option<&crate::model::cert::Certificate>,
) -> Result<rsa::RsaPrivateKey, CaptureError> {
    let leaf = leaf.ok_or(CaptureError::Internal("no certificate"))?;
    match (leaf.key, x509::Key::subject(leaf)) {
        (KeyKind::Rsa2048, x509::Key::Rsa(k)) => Ok(*k),
        _ => Err(CaptureError::Unsupported(
            "a server certificate whose key is not RSA 2048",
        )),
    }
}

/// An rsa_pss_rsae_sha256 signature of `content` (RFC 8446 §4.2.3), its salt drawn from
/// `salt_seed`: the same input, the same signature.
pub(super) fn pss_sign(key: rsa::RsaPrivateKey, content: &[u8], salt_seed: &[u8]) -> Vec<u8> {
    use rsa::signature::{RandomizedSigner, SignatureEncoding};
    let signer = rsa::pss::SigningKey::<Sha256>::new(key);
    let mut salt = Drbg::new(salt_seed);
    signer.sign_with_rng(&mut salt, content).to_vec()
}

/// The browser's signature with its certificate's P-256 key (ecdsa_secp256r1_sha256, RFC 8446
/// §4.2.3), in DER at its longest ([`tls_messages::ECDSA_P256_SIGNATURE`], the size the trace
/// counts): ECDSA's nonce is drawn from what is signed until both integers take 33 bytes —
/// every such signature is as valid as any other.
pub(super) fn client_signature(
    leaf: Option<&crate::model::cert::Certificate>,
    content: &[u8],
) -> Result<Vec<u8>, CaptureError> {
    use p256::ecdsa::signature::RandomizedSigner;
    let leaf = leaf.ok_or(CaptureError::Internal("the browser's certificate"))?;
    let x509::Key::Ec(key) = x509::Key::subject(leaf) else {
        return Err(CaptureError::Unsupported(
            "a client certificate whose key is not ECDSA P-256",
        ));
    };
    for attempt in 0u8..=255 {
        let mut nonce = Drbg::new(&[content, &[attempt]].concat());
        let sig: p256::ecdsa::DerSignature = key.sign_with_rng(&mut nonce, content);
        if sig.as_bytes().len() == tls_messages::ECDSA_P256_SIGNATURE {
            return Ok(sig.as_bytes().to_vec());
        }
    }
    Err(CaptureError::Internal("an ECDSA signature of 72 bytes"))
}

/// TLS 1.2's [`earlier_visit_ticket`]: the session's master secret and its ticket, drawn the
/// same way.
fn earlier_visit_ticket12(private: &[u8; 32]) -> Ticket12 {
    let seed = drawn(private, "earlier visit", 32);
    Ticket12 {
        ticket: drawn(&seed, "ticket", tls_messages::TICKET_LEN),
        master: drawn(&seed, "master secret", crate::model::tls12_keys::MASTER_LEN),
    }
}

/// A TLS 1.3 ticket a server issued in this run, by the server name it was issued to (or one
/// of a visit before the run, [`earlier_visit_ticket`]): what a later connection to that name
/// resumes with.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub psk: Vec<u8>,
    pub ticket: Vec<u8>,
    pub age_add: u32,
    pub issued: Instant,
}

/// A TLS 1.2 ticket a server issued in this run (RFC 5077): the ticket and the master secret of
/// the session it resumes.
#[derive(Clone, Debug)]
pub struct Ticket12 {
    pub ticket: Vec<u8>,
    pub master: Vec<u8>,
}

/// What the connections of a run share: the tickets servers issued so far (TLS 1.3's and TLS
/// 1.2's, by server name), and each chain's DER once made (signing with the root's 4,096-bit
/// key is the capture's slowest step).
#[derive(Default)]
pub struct Shared {
    pub tickets: BTreeMap<String, Ticket>,
    pub tickets12: BTreeMap<String, Ticket12>,
    chains: BTreeMap<String, Vec<Vec<u8>>>,
}

impl Shared {
    pub(super) fn chain_der(&mut self, chain: &[crate::model::cert::Certificate]) -> Vec<Vec<u8>> {
        // Every field decides the bytes: the chain's whole description is the key.
        let key = format!("{chain:?}");
        self.chains
            .entry(key)
            .or_insert_with(|| x509::chain_der(chain))
            .clone()
    }
}

/// One connection's handshake in progress: TLS 1.3 here, or — once a ServerHello picks it —
/// TLS 1.2 ([`super::tls12`]), which takes over after the ClientHello (the same for both).
#[derive(Default)]
pub struct Tls {
    /// The server name the ClientHello asked for.
    sni: String,
    session: Session13,
    client_private: [u8; 32],
    session_id: Vec<u8>,
    /// The server's messages since its ServerHello, until its Finished.
    flight: Vec<Handshake>,
    /// The leaf, whose key signs the CertificateVerify.
    leaf: Option<crate::model::cert::Certificate>,
    /// The browser's certificate, whose key signs its CertificateVerify.
    client_leaf: Option<crate::model::cert::Certificate>,
    /// The browser's messages before its Finished, which go out in its Finished's record.
    client_flight: Vec<Handshake>,
    /// The ClientHello's handshake bytes, which a TLS 1.2 session's transcript starts with.
    hello: Vec<u8>,
    /// The TLS 1.2 session, once the ServerHello chose that version.
    tls12: Option<Box<Tls12>>,
    /// The master secret of the TLS 1.2 session the ClientHello offers to resume.
    resume12: Option<Vec<u8>>,
    /// Its handshake happened before the capture started: no key log line (it would name a
    /// ClientHello random the capture does not hold).
    picked_up: bool,
}

impl Tls {
    /// The TLS session of a connection whose handshake happened before the capture started
    /// ([`super::picked_up`]): in TLS 1.3 its application traffic secrets drawn from
    /// `seed` — the handshake that would have derived them is not in the trace — under
    /// TLS_AES_128_GCM_SHA256, the suite the capture's servers choose; or a TLS 1.2 session's
    /// ([`Tls12::application_only`]).
    pub fn application_only(version: Version, seed: &[u8]) -> Result<Tls, CaptureError> {
        let tls12 = match version {
            Version::Tls12 => Some(Box::new(Tls12::application_only(seed)?)),
            Version::Tls13 => None,
        };
        let suite =
            Suite13::from_code(0x1301).ok_or(CaptureError::Internal("TLS_AES_128_GCM_SHA256"))?;
        let session = Session13::application_only(
            suite,
            &drawn(seed, "client application traffic secret", 32),
            &drawn(seed, "server application traffic secret", 32),
        );
        Ok(Tls {
            session,
            tls12,
            picked_up: true,
            ..Tls::default()
        })
    }

    /// The TLS 1.3 key schedule, once the ServerHello has made it.
    pub fn schedule(&self) -> Option<&crate::model::tls_keys::Schedule> {
        self.session.schedule()
    }

    /// The NSS key log lines of the connection (empty before the ServerHello).
    pub fn keylog(&self) -> String {
        if self.picked_up {
            return String::new();
        }
        match &self.tls12 {
            Some(t) => t.keylog(),
            None => self.session.keylog(),
        }
    }

    /// Application data (an HTTP message) in records under the sender's current keys.
    pub fn data(&mut self, from_client: bool, bytes: &[u8]) -> Result<Vec<Sent>, CaptureError> {
        if let Some(t) = &mut self.tls12 {
            return t.data(from_client, bytes);
        }
        self.session
            .data(from_client, bytes)
            .map_err(CaptureError::tls)
    }

    /// The records a message of the trace puts on the wire (in TLS 1.3, none for a side's
    /// messages before its Finished, which ends its flight: they go out in its records).
    pub fn on(
        &mut self,
        m: &Message,
        version: Version,
        (now, shared): (Instant, &mut Shared),
    ) -> Result<Vec<Sent>, CaptureError> {
        if let Some(t) = &mut self.tls12 {
            return t.on(m, shared);
        }
        match (m, version) {
            (Message::ServerHello { .. }, Version::Tls12) => self.start12(m),
            (Message::ClientHello { .. }, _) => {
                let sent = self.client_hello(m, now, shared)?;
                // The ClientHello fits one record (about 2 KB): its handshake bytes follow the
                // record's 5-byte header.
                self.hello = sent.record.bytes.get(5..).unwrap_or_default().to_vec();
                Ok(vec![sent])
            }
            _ => self.on13(m, now, shared),
        }
    }

    /// A ServerHello that picks TLS 1.2: the connection goes on as [`Tls12`], from the
    /// ClientHello it kept.
    fn start12(&mut self, m: &Message) -> Result<Vec<Sent>, CaptureError> {
        // The ClientHello's random follows its 4-byte header and 2-byte version.
        let random: [u8; 32] = self
            .hello
            .get(6..38)
            .and_then(|b| b.try_into().ok())
            .ok_or(CaptureError::Internal(
                "a ClientHello before the ServerHello",
            ))?;
        let hello = tls12::Hello {
            bytes: &self.hello,
            random,
            session_id: &self.session_id,
            sni: &self.sni,
            resume: self.resume12.as_deref(),
        };
        let (t, sent) = Tls12::start(m, hello)?;
        self.tls12 = Some(Box::new(t));
        Ok(vec![sent])
    }

    /// A TLS 1.3 message after the ClientHello.
    fn on13(
        &mut self,
        m: &Message,
        now: Instant,
        shared: &mut Shared,
    ) -> Result<Vec<Sent>, CaptureError> {
        let tls = CaptureError::tls;
        Ok(match m {
            Message::ServerHello { key_share, .. } => vec![self.server_hello(m, key_share)?],
            Message::ChangeCipherSpec { from_client } => {
                vec![self.session.change_cipher_spec(*from_client).map_err(tls)?]
            }
            Message::EncryptedExtensions { .. } | Message::CertificateRequest => {
                let h = tls_messages::structure(m).ok_or(CaptureError::Internal("a message"))?;
                self.flight.push(h);
                vec![]
            }
            Message::Certificate { from_client, chain } => {
                let c = certificate(chain, shared);
                // Each side's goes out with its Finished (the browser's: BoringSSL's one record).
                if *from_client {
                    self.client_leaf = chain.first().cloned();
                    self.client_flight.push(c);
                } else {
                    self.leaf = chain.first().cloned();
                    self.flight.push(c);
                }
                vec![]
            }
            Message::CertificateVerify { from_client: false } => {
                let (scheme, signature) = self.certificate_verify()?;
                self.flight
                    .push(Handshake::CertificateVerify { scheme, signature });
                vec![]
            }
            Message::CertificateVerify { from_client: true } => {
                let cv = self.client_certificate_verify()?;
                self.client_flight.push(cv);
                vec![]
            }
            Message::Finished {
                from_client: false, ..
            } => {
                let flight = std::mem::take(&mut self.flight);
                self.session.server_flight(&flight).map_err(tls)?
            }
            Message::Finished {
                from_client: true, ..
            } => {
                let flight = std::mem::take(&mut self.client_flight);
                self.session.client_flight(&flight).map_err(tls)?
            }
            Message::NewSessionTicket { lifetime_s } => {
                self.new_session_ticket(*lifetime_s, now, shared)?
            }
            // RFC 8446 §6.2: an error alert is fatal (level 2); it goes under the sender's
            // current keys (the browser's handshake keys when it rejects a certificate).
            Message::Alert {
                from_client, code, ..
            } => self.session.alert(*from_client, 2, *code).map_err(tls)?,
            Message::ClientHello { .. }
            | Message::ServerKeyExchange { .. }
            | Message::ServerHelloDone
            | Message::ClientKeyExchange { .. } => {
                return Err(CaptureError::Internal(
                    "a TLS 1.2 message in a TLS 1.3 handshake",
                ))
            }
        })
    }

    /// The ServerHello with the server's x25519 key share (its seeded private key's public
    /// key), and the handshake keys it gives.
    fn server_hello(
        &mut self,
        m: &Message,
        key_share: &Option<String>,
    ) -> Result<Sent, CaptureError> {
        let private = bytes32(key_share.as_deref().unwrap_or_default());
        let mut sh =
            tls_messages::server_hello(m).ok_or(CaptureError::Internal("a ServerHello"))?;
        sh.session_id = self.session_id.clone();
        for x in &mut sh.extensions {
            if let ExtBody::ServerShare(share) = &mut x.body {
                share.key = x25519_public(&private).to_vec();
            }
        }
        let shared = x25519_shared(&private, &x25519_public(&self.client_private));
        self.session
            .server_hello(&sh, &shared)
            .map_err(CaptureError::tls)
    }

    /// The browser's CertificateVerify (§4.4.3): its context string over the transcript so
    /// far, signed with its P-256 key.
    fn client_certificate_verify(&mut self) -> Result<Handshake, CaptureError> {
        let hash = self
            .session
            .transcript_hash_with(&self.client_flight)
            .map_err(CaptureError::tls)?;
        let content = verify_content("client", &hash);
        Ok(Handshake::CertificateVerify {
            scheme: tls_messages::ECDSA_SECP256R1_SHA256,
            signature: client_signature(self.client_leaf.as_ref(), &content)?,
        })
    }

    /// The server's NewSessionTicket under its application keys; the run keeps it for a later
    /// connection to the same name.
    fn new_session_ticket(
        &mut self,
        lifetime_s: u32,
        now: Instant,
        shared: &mut Shared,
    ) -> Result<Vec<Sent>, CaptureError> {
        let t = self.ticket(lifetime_s);
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
            .map_err(CaptureError::tls)
    }

    fn client_hello(
        &mut self,
        m: &Message,
        now: Instant,
        shared: &Shared,
    ) -> Result<Sent, CaptureError> {
        let Message::ClientHello {
            sni,
            key_share,
            resume,
            ..
        } = m
        else {
            return Err(CaptureError::Internal("not a ClientHello"));
        };
        // Over QUIC, Chromium's QUIC ClientHello (no legacy session id, its transport parameters).
        let ch = match m {
            Message::ClientHello { quic: Some(_), .. } => crate::model::quic_tls::client_hello(m),
            _ => tls_messages::client_hello(m),
        };
        let mut ch = ch.ok_or(CaptureError::Internal("a ClientHello"))?;
        self.sni = sni.clone();
        self.client_private = bytes32(key_share);
        self.session_id = ch.session_id.clone();
        fill_client_hello(&mut ch, &self.client_private);
        match resume {
            None => return self.session.client_hello(&ch).map_err(CaptureError::tls),
            Some(Version::Tls12) => return self.client_hello12(ch, shared),
            Some(Version::Tls13) => {}
        }
        let earlier;
        let t = match shared.tickets.get(sni) {
            Some(t) => t,
            None => {
                earlier = earlier_visit_ticket(&self.client_private, now);
                &earlier
            }
        };
        let suite = Suite13::from_code(0x1301).ok_or(CaptureError::Internal("the suite"))?;
        // §4.2.11: the ticket, its age obfuscated by age_add; the binder is Session13's.
        let age_ms = (now.since(t.issued).micros() / 1000) as u32;
        if let Some(ExtBody::OfferedPsks { identities, .. }) =
            ch.extensions.last_mut().map(|x| &mut x.body)
        {
            identities[0] = PskIdentity {
                identity: t.ticket.clone(),
                obfuscated_ticket_age: age_ms.wrapping_add(t.age_add),
            };
        }
        self.session
            .client_hello_psk(&ch, &t.psk, suite)
            .map_err(CaptureError::tls)
    }

    /// A ClientHello that offers a TLS 1.2 session: its ticket in session_ticket (RFC 5077
    /// §3.2) and, as the session id, the ticket's SHA-256 — BoringSSL's fake session id for a
    /// ticket session (`ssl_process_new_session_ticket`), which the server echoes if it resumes.
    fn client_hello12(
        &mut self,
        mut ch: tls_wire::ClientHello,
        shared: &Shared,
    ) -> Result<Sent, CaptureError> {
        let earlier;
        let t = match shared.tickets12.get(&self.sni) {
            Some(t) => t,
            None => {
                earlier = earlier_visit_ticket12(&self.client_private);
                &earlier
            }
        };
        for x in &mut ch.extensions {
            if x.typ == chromium_ext::SESSION_TICKET {
                x.body = ExtBody::Opaque(t.ticket.clone());
            }
        }
        ch.session_id = Sha256::digest(&t.ticket).to_vec();
        self.session_id = ch.session_id.clone();
        self.resume12 = Some(t.master.clone());
        self.session.client_hello(&ch).map_err(CaptureError::tls)
    }

    /// The server's signature over the transcript so far (RFC 8446 §4.4.3): 64 spaces, the
    /// context string, a zero byte and the transcript hash, signed with the leaf's key —
    /// rsa_pss_rsae_sha256, its salt drawn from the transcript hash (deterministic).
    fn certificate_verify(&mut self) -> Result<(u16, Vec<u8>), CaptureError> {
        let key = leaf_rsa_key(self.leaf.as_ref())?;
        // The transcript must include the flight's messages so far.
        let hash = self
            .session
            .transcript_hash_with(&self.flight)
            .map_err(CaptureError::tls)?;
        let sig = pss_sign(key, &verify_content("server", &hash), &hash);
        Ok((tls_messages::RSA_PSS_RSAE_SHA256, sig))
    }

    /// A NewSessionTicket whose values come from the connection's own secrets.
    fn ticket(&self, lifetime_s: u32) -> Handshake {
        let seed = Sha256::digest(self.keylog().as_bytes());
        let mut ticket = Vec::with_capacity(tls_messages::TICKET_LEN);
        let mut block = seed.to_vec();
        while ticket.len() < tls_messages::TICKET_LEN {
            block = Sha256::digest(&block).to_vec();
            ticket.extend_from_slice(&block);
        }
        ticket.truncate(tls_messages::TICKET_LEN);
        Handshake::NewSessionTicket(tls_wire::NewSessionTicket {
            lifetime_s,
            age_add: u32::from_be_bytes([seed[0], seed[1], seed[2], seed[3]]),
            nonce: seed[4..4 + tls_messages::TICKET_NONCE_LEN].to_vec(),
            ticket,
            extensions: vec![],
        })
    }
}
