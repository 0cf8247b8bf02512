//! A TLS 1.2 connection's records made from its handshake messages with real keys:
//! [`Session12`] (RFC 5246 §6 and §7.4, with the extended master secret of RFC 7627 and the
//! AES-GCM records of RFC 5288).
//!
//! Until a side's ChangeCipherSpec its records go in the clear, one handshake message each (as
//! OpenSSL and BoringSSL write them). The ChangeCipherSpec switches that side to the key block's
//! keys, and its sequence numbers start at zero; its Finished is the first protected record.
//! A protected record is the header, an 8-byte explicit nonce — the record's sequence number,
//! as BoringSSL sends it (OpenSSL counts up from a random start instead; any nonce used once is
//! valid, RFC 5288 §3) — then the AES-GCM ciphertext and tag; the additional data is the
//! sequence number, type, version and the plaintext's length (§6.2.3.3).
//!
//! The master secret: from the pre-master secret and the hash of the handshake through the
//! ClientKeyExchange (RFC 7627), or, resuming a session with a ticket, the session's own. The
//! key log line is NSS's `CLIENT_RANDOM`, which Wireshark reads for any TLS 1.2 key exchange.
//!
//! Left out: renegotiation, CBC suites, a handshake without the extended master secret.

use super::tls12_keys::{
    additional_data, extended_master_secret, key_block, verify_data, Suite12, WriteKeys,
    EXPLICIT_NONCE_LEN,
};
use super::tls_keys::{BadRecordMac, TAG_LEN};
use super::tls_record::{
    alert_wire, clear, content, data_wire, fragments, header, plain, Epoch, RecordError, Sent,
    SessionError,
};
use super::tls_wire::{self, Handshake, ServerHello, WriteError, Writer};
use crate::model::trace::Wire;

#[derive(Clone, Debug, Default)]
struct Direction {
    keys: Option<WriteKeys>,
    seq: u64,
}

/// A TLS 1.2 connection's records (module doc).
#[derive(Clone, Debug)]
pub struct Session12 {
    /// Every handshake message so far, headers included.
    transcript: Vec<u8>,
    client_random: [u8; 32],
    server_random: Option<[u8; 32]>,
    suite: Option<Suite12>,
    master: Option<Vec<u8>>,
    client: Direction,
    server: Direction,
}

/// A protected TLS 1.2 record: `content` of type `content_type`, sealed under `keys` as
/// record number `seq` (module doc).
pub fn seal(
    keys: &WriteKeys,
    seq: u64,
    content_type: u8,
    content: &[u8],
) -> Result<Wire, WriteError> {
    let explicit = seq.to_be_bytes();
    let mut w = Writer::default();
    header(
        &mut w,
        content_type,
        0x0303,
        EXPLICIT_NONCE_LEN + content.len() + TAG_LEN,
    )?;
    let aad = additional_data(seq, content_type, content.len());
    let sealed = keys
        .aead
        .seal(&keys.key, &keys.nonce(&explicit), &aad, content);
    let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    w.raw("record.explicit_nonce", &explicit);
    w.raw("record.encrypted_record", body);
    w.raw("record.auth_tag", tag);
    Ok(w.into_wire())
}

/// Opens a protected record sealed as record number `seq`: its type and plaintext.
pub fn open(keys: &WriteKeys, seq: u64, record: &[u8]) -> Result<(u8, Vec<u8>), RecordError> {
    let mut r = tls_wire::Reader::new(record);
    let typ = r.u8().map_err(RecordError::Read)?;
    if r.take(2).map_err(RecordError::Read)? != [3, 3] {
        return Err(RecordError::Read(
            r.err("a record version other than TLS 1.2's"),
        ));
    }
    let body = r.bytes(2).map_err(RecordError::Read)?;
    if body.len() < EXPLICIT_NONCE_LEN + TAG_LEN {
        return Err(RecordError::Mac(BadRecordMac));
    }
    if !r.done() {
        return Err(RecordError::Read(r.err("bytes after the record")));
    }
    let (explicit, sealed) = body.split_at(EXPLICIT_NONCE_LEN);
    let explicit: [u8; EXPLICIT_NONCE_LEN] = explicit.try_into().unwrap_or_default();
    let aad = additional_data(seq, typ, sealed.len() - TAG_LEN);
    let plain = keys
        .aead
        .open(&keys.key, &keys.nonce(&explicit), &aad, sealed)
        .map_err(RecordError::Mac)?;
    Ok((typ, plain))
}

impl Session12 {
    /// A session whose ClientHello (`client_hello`: the handshake message's bytes) is sent.
    pub fn new(client_hello: &[u8], client_random: [u8; 32]) -> Session12 {
        Session12 {
            transcript: client_hello.to_vec(),
            client_random,
            server_random: None,
            suite: None,
            master: None,
            client: Direction::default(),
            server: Direction::default(),
        }
    }

    /// A session whose handshake is not in view (a capture started after it): its randoms and
    /// master secret only, both sides' keys from them, each side's records numbered from zero.
    pub fn application_only(
        suite: Suite12,
        master: &[u8],
        client_random: [u8; 32],
        server_random: [u8; 32],
    ) -> Session12 {
        let (client, server) = key_block(suite, master, &client_random, &server_random);
        Session12 {
            transcript: Vec::new(),
            client_random,
            server_random: Some(server_random),
            suite: Some(suite),
            master: Some(master.to_vec()),
            client: Direction {
                keys: Some(client),
                seq: 0,
            },
            server: Direction {
                keys: Some(server),
                seq: 0,
            },
        }
    }

    fn side(&mut self, from_client: bool) -> &mut Direction {
        if from_client {
            &mut self.client
        } else {
            &mut self.server
        }
    }

    fn suite(&self) -> Result<Suite12, SessionError> {
        self.suite
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))
    }

    /// The ServerHello, in the clear; its suite decides the keys to come.
    pub fn server_hello(&mut self, sh: &ServerHello) -> Result<Sent, SessionError> {
        self.suite = Some(
            Suite12::from_code(sh.cipher_suite)
                .ok_or(SessionError::UnknownSuite(sh.cipher_suite))?,
        );
        self.server_random = Some(sh.random);
        self.handshake(false, &Handshake::ServerHello(sh.clone()))
    }

    /// A handshake message in the clear, in a record of its own, added to the transcript (the
    /// model's messages are all under 2^14 bytes, which the record's header checks).
    pub fn handshake(&mut self, from_client: bool, m: &Handshake) -> Result<Sent, SessionError> {
        let wire = tls_wire::encode(m)?;
        self.transcript.extend_from_slice(&wire.bytes);
        Ok(clear(
            from_client,
            plain(content::HANDSHAKE, 0x0303, &wire)?,
        ))
    }

    /// Every handshake message so far (what a TLS 1.2 CertificateVerify signs, RFC 5246
    /// §7.4.8).
    pub fn transcript(&self) -> &[u8] {
        &self.transcript
    }

    /// The hash of the handshake so far, in the suite's hash.
    pub fn transcript_hash(&self) -> Result<Vec<u8>, SessionError> {
        Ok(self.suite()?.hash.digest(&self.transcript))
    }

    /// The master secret from the pre-master secret, once the ClientKeyExchange is in the
    /// transcript (RFC 7627 §4).
    pub fn pre_master(&mut self, pre_master: &[u8]) -> Result<(), SessionError> {
        let suite = self.suite()?;
        let session_hash = self.transcript_hash()?;
        self.master = Some(extended_master_secret(suite, pre_master, &session_hash));
        Ok(())
    }

    /// A resumed session's master secret (RFC 5077 §3.1: the ticket holds it).
    pub fn resume(&mut self, master: &[u8]) {
        self.master = Some(master.to_vec());
    }

    pub fn master(&self) -> Option<&[u8]> {
        self.master.as_deref()
    }

    /// A side's ChangeCipherSpec (§7.1), in the clear; that side's records are protected from
    /// here on, numbered from zero.
    pub fn change_cipher_spec(&mut self, from_client: bool) -> Result<Sent, SessionError> {
        let (suite, master) = (self.suite()?, self.master_or_err()?);
        let server_random = self
            .server_random
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))?;
        let (client, server) = key_block(suite, master, &self.client_random, &server_random);
        let dir = self.side(from_client);
        *dir = Direction {
            keys: Some(if from_client { client } else { server }),
            seq: 0,
        };
        let mut w = Writer::default();
        w.uint("change_cipher_spec", 1, 1);
        Ok(clear(
            from_client,
            plain(content::CHANGE_CIPHER_SPEC, 0x0303, &w.into_wire())?,
        ))
    }

    fn master_or_err(&self) -> Result<&[u8], SessionError> {
        self.master
            .as_deref()
            .ok_or(SessionError::OutOfOrder("no master secret yet"))
    }

    /// A side's Finished (§7.4.9) over the handshake so far, protected, then added to the
    /// transcript.
    pub fn finished(&mut self, from_client: bool) -> Result<Vec<Sent>, SessionError> {
        let (suite, master) = (self.suite()?, self.master_or_err()?);
        let v = verify_data(suite, master, from_client, &self.transcript_hash()?);
        let wire = tls_wire::encode(&Handshake::Finished(v))?;
        self.transcript.extend_from_slice(&wire.bytes);
        self.protect(from_client, content::HANDSHAKE, wire)
    }

    /// Application data, in records of at most 2^14 bytes each.
    pub fn data(&mut self, from_client: bool, bytes: &[u8]) -> Result<Vec<Sent>, SessionError> {
        self.protect(from_client, content::APPLICATION_DATA, data_wire(bytes))
    }

    /// An alert (§7.2), protected once the sender has switched keys, else in the clear.
    pub fn alert(
        &mut self,
        from_client: bool,
        level: u8,
        description: u8,
    ) -> Result<Vec<Sent>, SessionError> {
        let w = alert_wire(level, description);
        if self.side(from_client).keys.is_some() {
            return self.protect(from_client, content::ALERT, w);
        }
        Ok(vec![clear(from_client, plain(content::ALERT, 0x0303, &w)?)])
    }

    /// Seals `content` under the side's keys, cut into records of at most 2^14 bytes.
    fn protect(
        &mut self,
        from_client: bool,
        content_type: u8,
        content: Wire,
    ) -> Result<Vec<Sent>, SessionError> {
        let dir = self.side(from_client);
        let Some(keys) = dir.keys.clone() else {
            return Err(SessionError::OutOfOrder(
                "no ChangeCipherSpec from this side yet",
            ));
        };
        let mut out = Vec::new();
        for chunk in fragments(&content) {
            let record = seal(&keys, dir.seq, content_type, &chunk.bytes)?;
            out.push(Sent {
                from_client,
                record,
                epoch: Epoch::Application,
                seq: dir.seq,
                inner: Some((content_type, chunk)),
            });
            dir.seq += 1;
        }
        Ok(out)
    }

    /// The NSS key log line of this connection: `CLIENT_RANDOM`, the ClientHello's random and
    /// the master secret, in hex (empty before the master secret exists).
    pub fn keylog(&self) -> String {
        let Some(master) = &self.master else {
            return String::new();
        };
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        format!(
            "CLIENT_RANDOM {} {}\n",
            hex(&self.client_random),
            hex(master)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls_keys::Aead;

    #[test]
    fn a_sealed_record_opens_and_a_changed_byte_does_not() {
        let keys = WriteKeys {
            aead: Aead::Aes128Gcm,
            key: vec![3; 16],
            salt: [4; 4],
        };
        let r = seal(&keys, 5, content::APPLICATION_DATA, b"GET / HTTP/1.1\r\n").unwrap();
        assert_eq!(r.bytes.len(), 5 + 8 + 16 + 16);
        assert_eq!(r.bytes[5..13], 5u64.to_be_bytes());
        assert_eq!(
            open(&keys, 5, &r.bytes).unwrap(),
            (content::APPLICATION_DATA, b"GET / HTTP/1.1\r\n".to_vec())
        );
        assert!(open(&keys, 6, &r.bytes).is_err(), "another sequence number");
        for i in 0..r.bytes.len() {
            let mut bad = r.bytes.clone();
            bad[i] ^= 1;
            assert!(open(&keys, 5, &bad).is_err(), "byte {i}");
        }
        assert!(open(&keys, 0, &r.bytes[..20]).is_err(), "cut short");
    }
}
