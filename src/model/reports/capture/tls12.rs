//! One connection's TLS 1.2 handshake, as the model's machines ran it, turned into real records:
//! each [`tls::Message`] after the ServerHello becomes its RFC 5246 structure
//! ([`tls12_messages`]) and [`Session12`] writes it, with keys derived for real.
//!
//! Inputs are the model's seeded values, as for TLS 1.3 ([`super::tls13`]): the randoms; the
//! server's 32 seeded key-share bytes are its x25519 private key (its public key goes in the
//! ServerKeyExchange) and the browser's ClientKeyExchange value is its own; an RSA exchange's
//! pre-master secret is 0x0303 and the 46 seeded bytes, encrypted to the leaf's key with
//! RSAES-PKCS1-v1_5 (RFC 8017 §7.2, its padding drawn from the secret). The ServerKeyExchange is
//! signed rsa_pss_rsae_sha256 over both randoms and the parameters (RFC 8422 §5.4), its salt
//! drawn from what it signs. A ticket is 192 bytes drawn from the master secret. Same trace,
//! same bytes.
//!
//! A resumed session (RFC 5077's abbreviated handshake) takes the master secret of the ticket a
//! server issued earlier in the run (or, for a visit before the run, one drawn from the seed),
//! new randoms giving new keys. A browser asked for its certificate sends it before its key
//! exchange and signs every handshake message so far in its CertificateVerify (RFC 5246
//! §7.4.8) with its P-256 key. Left out (an error, not a guess): a server key other than RSA
//! 2048.

use super::tls13::{client_signature, drawn, leaf_rsa_key, pss_sign, Drbg, Shared, Ticket12};
use super::CaptureError;
use crate::model::cert::Certificate;
use crate::model::tls::{KeyExchange, Message};
use crate::model::tls12_messages;
use crate::model::tls12_record::Session12;
use crate::model::tls_keys::{x25519_public, x25519_shared};
use crate::model::tls_messages::{self, bytes32, unhex, TICKET_LEN};
use crate::model::tls_record::Sent;
use crate::model::tls_wire::{Handshake, KeyExchangeValue};
use sha2::{Digest, Sha256};

/// What the ClientHello said, which a TLS 1.2 session goes on from.
pub struct Hello<'a> {
    /// The handshake message's bytes (the transcript's start).
    pub bytes: &'a [u8],
    pub random: [u8; 32],
    pub session_id: &'a [u8],
    pub sni: &'a str,
    /// The master secret of the session offered, if one was.
    pub resume: Option<&'a [u8]>,
}

/// A TLS 1.2 handshake after its ServerHello.
pub struct Tls12 {
    session: Session12,
    sni: String,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// The server's x25519 private key, once its ServerKeyExchange is written.
    server_private: Option<[u8; 32]>,
    leaf: Option<Certificate>,
    /// The browser's certificate, whose key signs its CertificateVerify.
    client_leaf: Option<Certificate>,
}

fn tls(e: impl std::fmt::Display) -> CaptureError {
    CaptureError::Tls(e.to_string())
}

impl Tls12 {
    /// The TLS 1.2 session of a connection whose handshake happened before the capture
    /// started ([`super::tls13::Tls::application_only`]): randoms and master secret drawn from
    /// `seed`, under TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (its records are the same as
    /// TLS_RSA_WITH_AES_128_GCM_SHA256's).
    pub fn application_only(seed: &[u8]) -> Result<Tls12, CaptureError> {
        let suite = crate::model::tls12_keys::Suite12::from_code(0xc02f).ok_or(
            CaptureError::Internal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        )?;
        let random = |label: &str| -> [u8; 32] {
            let mut r = [0; 32];
            r.copy_from_slice(&drawn(seed, label, 32));
            r
        };
        let (client_random, server_random) = (random("client random"), random("server random"));
        let master = drawn(seed, "master secret", 48);
        Ok(Tls12 {
            session: Session12::application_only(suite, &master, client_random, server_random),
            sni: String::new(),
            client_random,
            server_random,
            server_private: None,
            leaf: None,
            client_leaf: None,
        })
    }

    /// The ServerHello `m` answering `hello`: the session and the ServerHello's record. A
    /// server that resumes echoes the session id and takes the offered session's master
    /// secret (RFC 5077 §3.4).
    pub fn start(m: &Message, hello: Hello) -> Result<(Tls12, Sent), CaptureError> {
        let mut sh =
            tls12_messages::server_hello(m).ok_or(CaptureError::Internal("a ServerHello"))?;
        let mut session = Session12::new(hello.bytes, hello.random);
        if let Message::ServerHello { resumed: true, .. } = m {
            let master = hello
                .resume
                .ok_or(CaptureError::Internal("a TLS 1.2 session to resume"))?;
            session.resume(master);
            sh.session_id = hello.session_id.to_vec();
        }
        let sent = session.server_hello(&sh).map_err(tls)?;
        let t = Tls12 {
            session,
            sni: hello.sni.to_string(),
            client_random: hello.random,
            server_random: sh.random,
            server_private: None,
            leaf: None,
            client_leaf: None,
        };
        Ok((t, sent))
    }

    pub fn keylog(&self) -> String {
        self.session.keylog()
    }

    pub fn data(&mut self, from_client: bool, bytes: &[u8]) -> Result<Vec<Sent>, CaptureError> {
        self.session.data(from_client, bytes).map_err(tls)
    }

    /// The records a message of the trace puts on the wire.
    pub fn on(&mut self, m: &Message, shared: &mut Shared) -> Result<Vec<Sent>, CaptureError> {
        let one = |r: Result<Sent, _>| r.map(|s| vec![s]).map_err(tls);
        match m {
            Message::Certificate { from_client, chain } => {
                let leaf = chain.first().cloned();
                if *from_client {
                    self.client_leaf = leaf;
                } else {
                    self.leaf = leaf;
                }
                let certs = Handshake::Certificate12(shared.chain_der(chain));
                one(self.session.handshake(*from_client, &certs))
            }
            Message::ServerKeyExchange { key_share } => {
                let ske = self.server_key_exchange(&bytes32(key_share))?;
                one(self.session.handshake(false, &ske))
            }
            Message::ServerHelloDone => {
                one(self.session.handshake(false, &Handshake::ServerHelloDone))
            }
            Message::ClientKeyExchange { kx, value } => self.client_key_exchange(*kx, value),
            Message::ChangeCipherSpec { from_client } => {
                one(self.session.change_cipher_spec(*from_client))
            }
            Message::Finished { from_client } => self.session.finished(*from_client).map_err(tls),
            Message::NewSessionTicket { lifetime_s } => {
                let master = self
                    .session
                    .master()
                    .ok_or(CaptureError::Internal("a master secret before the ticket"))?
                    .to_vec();
                let ticket = self.ticket(&master);
                let issued = Ticket12 {
                    ticket: ticket.clone(),
                    master,
                };
                shared.tickets12.insert(self.sni.clone(), issued);
                let t = Handshake::NewSessionTicket12 {
                    lifetime_hint_s: *lifetime_s,
                    ticket,
                };
                one(self.session.handshake(false, &t))
            }
            // RFC 5246 §7.2: an error alert is fatal (level 2).
            Message::Alert {
                from_client, code, ..
            } => self.session.alert(*from_client, 2, *code).map_err(tls),
            Message::CertificateRequest => {
                let cr = tls12_messages::structure(m)
                    .ok_or(CaptureError::Internal("a CertificateRequest"))?;
                one(self.session.handshake(false, &cr))
            }
            // RFC 5246 §7.4.8: the signature covers every handshake message so far.
            Message::CertificateVerify { from_client: true } => {
                let signature =
                    client_signature(self.client_leaf.as_ref(), self.session.transcript())?;
                let cv = Handshake::CertificateVerify {
                    scheme: tls_messages::ECDSA_SECP256R1_SHA256,
                    signature,
                };
                one(self.session.handshake(true, &cv))
            }
            _ => Err(CaptureError::Internal("a TLS 1.2 message in its place")),
        }
    }

    /// The server's x25519 key, signed (RFC 8422 §5.4): the signature covers the client's
    /// random, the server's and the parameters.
    fn server_key_exchange(&mut self, private: &[u8; 32]) -> Result<Handshake, CaptureError> {
        let public = x25519_public(private);
        self.server_private = Some(*private);
        let Some(Handshake::ServerKeyExchange(mut params)) =
            tls12_messages::structure(&Message::ServerKeyExchange {
                key_share: String::new(),
            })
        else {
            return Err(CaptureError::Internal("a ServerKeyExchange"));
        };
        params.public = public.to_vec();
        let signed = [
            &self.client_random[..],
            &self.server_random[..],
            &params.signed_part(),
        ]
        .concat();
        params.signature = pss_sign(leaf_rsa_key(self.leaf.as_ref())?, &signed, &signed);
        Ok(Handshake::ServerKeyExchange(params))
    }

    /// The browser's key exchange and the master secret it gives (RFC 7627).
    fn client_key_exchange(
        &mut self,
        kx: KeyExchange,
        value: &str,
    ) -> Result<Vec<Sent>, CaptureError> {
        let (cke, pre_master) = match kx {
            KeyExchange::Ecdhe => {
                let private = bytes32(value);
                let server_private = self
                    .server_private
                    .ok_or(CaptureError::Internal("a ServerKeyExchange first"))?;
                let shared = x25519_shared(&server_private, &x25519_public(&private));
                let public = x25519_public(&private).to_vec();
                (KeyExchangeValue::Ecdhe(public), shared.to_vec())
            }
            KeyExchange::Rsa => {
                let mut pre_master = vec![3, 3];
                pre_master.extend_from_slice(&unhex(value));
                if pre_master.len() != 48 {
                    return Err(CaptureError::Internal("a 46-byte pre-master secret"));
                }
                let public = rsa::RsaPublicKey::from(&leaf_rsa_key(self.leaf.as_ref())?);
                let mut padding = Drbg::new(&pre_master);
                let encrypted = public
                    .encrypt(&mut padding, rsa::Pkcs1v15Encrypt, &pre_master)
                    .map_err(tls)?;
                (KeyExchangeValue::Rsa(encrypted), pre_master)
            }
        };
        let sent = self
            .session
            .handshake(true, &Handshake::ClientKeyExchange(cke))
            .map_err(tls)?;
        self.session.pre_master(&pre_master).map_err(tls)?;
        Ok(vec![sent])
    }

    /// A ticket's 192 bytes, drawn from the master secret (what a server's ticket encrypts)
    /// and the server's random (a resumed session gets a fresh one).
    fn ticket(&self, master: &[u8]) -> Vec<u8> {
        let seed = Sha256::digest([master, &self.server_random[..]].concat());
        drawn(&seed, "ticket", TICKET_LEN)
    }
}
