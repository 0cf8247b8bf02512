//! TLS records on the wire (RFC 8446 §5), and a TLS 1.3 connection's records made from its
//! handshake messages with real keys: [`Session13`].
//!
//! A record is a 5-byte header (content type, legacy version, length) and a fragment of at most
//! 2^14 bytes (§5.1). Once keys exist, TLS 1.3 hides the real content type inside the encrypted
//! `TLSInnerPlaintext` and every protected record says `application_data` (§5.2); the
//! header is the AEAD's additional data and the nonce is the IV XORed with the record's sequence
//! number (§5.3), which counts from zero for each key.
//!
//! [`Session13`] follows a full TLS 1.3 handshake in the order its messages go on the wire and
//! gives each record's bytes, and the plaintext inside each protected one: it keeps the
//! transcript, runs the key schedule ([`crate::model::tls_keys`]) when the ServerHello arrives,
//! computes both Finished messages, and switches each direction's keys where RFC 8446 §4.4.4 and
//! §7 say. What the handshake messages contain (randoms, key shares, the certificate and its
//! signature) is its caller's input: the same inputs give the same bytes.
//!
//! TLS 1.2's records are [`crate::model::tls12_record`]'s. Left out: record padding (none is
//! sent, as browsers send none), the
//! middlebox-compatibility ChangeCipherSpec (Chromium sends it; the model's machine leaves it out),
//! and key updates.

use super::tls_keys::{BadRecordMac, Schedule, Suite13, TrafficKeys, TAG_LEN};
use super::tls_wire::{self, ExtBody, Handshake, ReadError, ServerHello, WriteError, Writer};
use crate::model::trace::Wire;
use std::fmt;

/// Content types (RFC 8446 §5.1).
pub mod content {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
}

/// The largest plaintext fragment of one record (§5.1).
pub const MAX_FRAGMENT: usize = 1 << 14;

/// The x25519 group's code point (RFC 8446 §4.2.7).
pub const X25519: u16 = 0x001d;

pub fn content_name(t: u8) -> &'static str {
    match t {
        content::CHANGE_CIPHER_SPEC => "change_cipher_spec",
        content::ALERT => "alert",
        content::HANDSHAKE => "handshake",
        content::APPLICATION_DATA => "application_data",
        _ => "unknown",
    }
}

/// A record in the clear: header and fragment, the fragment's fields (if given) shifted after
/// the header.
pub fn plain(content_type: u8, version: u16, fragment: &Wire) -> Result<Wire, WriteError> {
    let mut w = Writer::default();
    header(&mut w, content_type, version, fragment.bytes.len())?;
    let base = w.bytes.len();
    w.bytes.extend_from_slice(&fragment.bytes);
    w.fields
        .extend(fragment.fields.iter().map(|f| shifted(f, base)));
    Ok(w.into_wire())
}

fn shifted(f: &crate::model::trace::WireField, by: usize) -> crate::model::trace::WireField {
    crate::model::trace::WireField {
        start: f.start + by,
        end: f.end + by,
        name: f.name.clone(),
    }
}

pub(crate) fn header(
    w: &mut Writer,
    content_type: u8,
    version: u16,
    len: usize,
) -> Result<(), WriteError> {
    w.uint("record.content_type", 1, content_type as u64);
    w.uint("record.legacy_record_version", 2, version as u64);
    if len > MAX_FRAGMENT + 256 {
        // A protected record may carry 2^14 + 256 bytes (§5.2); none here is that large.
        return Err(WriteError {
            field: "record.length".into(),
            len,
        });
    }
    w.uint("record.length", 2, len as u64);
    Ok(())
}

/// A protected record (§5.2): `content` and its real type sealed under `keys` with sequence
/// number `seq`.
pub fn seal(
    keys: &TrafficKeys,
    seq: u64,
    inner_type: u8,
    content: &[u8],
) -> Result<Wire, WriteError> {
    let mut inner = Vec::with_capacity(content.len() + 1);
    inner.extend_from_slice(content);
    inner.push(inner_type);
    let mut w = Writer::default();
    header(
        &mut w,
        content::APPLICATION_DATA,
        0x0303,
        inner.len() + TAG_LEN,
    )?;
    let sealed = keys
        .aead
        .seal(&keys.key, &keys.nonce(seq), &w.bytes, &inner);
    let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    w.raw("record.encrypted_record", body);
    w.raw("record.auth_tag", tag);
    Ok(w.into_wire())
}

/// Why a record could not be read or opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    Read(ReadError),
    Mac(BadRecordMac),
    /// The decrypted plaintext is all zeros: no content type (§5.4).
    NoContentType,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Read(e) => e.fmt(f),
            RecordError::Mac(e) => e.fmt(f),
            RecordError::NoContentType => f.write_str("unexpected_message: no content type"),
        }
    }
}

/// Opens a protected record: its real content type and content.
pub fn open(keys: &TrafficKeys, seq: u64, record: &[u8]) -> Result<(u8, Vec<u8>), RecordError> {
    let mut r = tls_wire::Reader::new(record);
    let head = r.take(3).map_err(RecordError::Read)?;
    let body = r.bytes(2).map_err(RecordError::Read)?;
    let aad = &record[..5];
    debug_assert_eq!(&aad[..3], head);
    let mut inner = keys
        .aead
        .open(&keys.key, &keys.nonce(seq), aad, &body)
        .map_err(RecordError::Mac)?;
    // §5.4: padding zeros follow the content type, the last non-zero byte.
    while inner.last() == Some(&0) {
        inner.pop();
    }
    let t = inner.pop().ok_or(RecordError::NoContentType)?;
    Ok((t, inner))
}

/// Cuts a stream of records into records (each with its header); a record cut short is an
/// error at its offset.
pub fn split(stream: &[u8]) -> Result<Vec<&[u8]>, ReadError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        let rest = &stream[at..];
        if rest.len() < 5 {
            return Err(ReadError {
                offset: at,
                what: "record header cut short",
            });
        }
        let n = 5 + u16::from_be_bytes([rest[3], rest[4]]) as usize;
        if rest.len() < n {
            return Err(ReadError {
                offset: at,
                what: "record cut short",
            });
        }
        out.push(&rest[..n]);
        at += n;
    }
    Ok(out)
}

/// Which keys protect a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Epoch {
    Clear,
    Handshake,
    Application,
}

/// One record a [`Session13`] put on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub from_client: bool,
    pub record: Wire,
    pub epoch: Epoch,
    /// The record's sequence number under its keys.
    pub seq: u64,
    /// The real content type and the plaintext's fields, for a protected record.
    pub inner: Option<(u8, Wire)>,
}

/// Why a handshake could not go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    Write(WriteError),
    /// A message came before the one it needs (ServerHello before ClientHello, say).
    OutOfOrder(&'static str),
    /// The ServerHello's cipher suite is not one whose records are modelled (the three TLS 1.3
    /// suites, TLS 1.2's AES-GCM ones).
    UnknownSuite(u16),
}

impl From<WriteError> for SessionError {
    fn from(e: WriteError) -> Self {
        SessionError::Write(e)
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Write(e) => e.fmt(f),
            SessionError::OutOfOrder(what) => write!(f, "out of order: {what}"),
            SessionError::UnknownSuite(c) => {
                write!(
                    f,
                    "a cipher suite whose records are not modelled: 0x{c:04x}"
                )
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Direction {
    keys: Option<TrafficKeys>,
    epoch: Option<Epoch>,
    seq: u64,
}

impl Direction {
    fn install(&mut self, keys: TrafficKeys, epoch: Epoch) {
        self.keys = Some(keys);
        self.epoch = Some(epoch);
        self.seq = 0;
    }
}

/// A TLS 1.3 connection's records, from its handshake messages (module doc).
#[derive(Clone, Debug, Default)]
pub struct Session13 {
    /// Every handshake message so far, headers included (§4.4.1's transcript).
    transcript: Vec<u8>,
    client_random: Option<[u8; 32]>,
    suite: Option<Suite13>,
    schedule: Option<Schedule>,
    client: Direction,
    server: Direction,
    /// The transcript's length when the client's Finished was added.
    client_finished_at: Option<usize>,
    /// The pre-shared key the ClientHello offered (a ticket's), if any.
    psk: Option<Vec<u8>>,
}

impl Session13 {
    pub fn new() -> Session13 {
        Session13::default()
    }

    /// A session whose handshake is not in view (a capture started after it): only its
    /// application traffic secrets, each direction's records numbered from zero, and no key log
    /// line (the log names a session by its ClientHello's random, which is not in view either).
    pub fn application_only(suite: Suite13, client_secret: &[u8], server_secret: &[u8]) -> Self {
        let mut s = Session13 {
            suite: Some(suite),
            ..Session13::default()
        };
        s.client.install(
            TrafficKeys::from_secret(suite, client_secret),
            Epoch::Application,
        );
        s.server.install(
            TrafficKeys::from_secret(suite, server_secret),
            Epoch::Application,
        );
        s
    }

    pub fn schedule(&self) -> Option<&Schedule> {
        self.schedule.as_ref()
    }

    /// The transcript hash as it will be once `more` messages are added (a CertificateVerify
    /// signs the transcript up to the Certificate before the flight is sent).
    pub fn transcript_hash_with(&self, more: &[Handshake]) -> Result<Vec<u8>, SessionError> {
        let s = self
            .suite
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))?;
        let mut t = self.transcript.clone();
        for m in more {
            t.extend_from_slice(&tls_wire::encode(m)?.bytes);
        }
        Ok(s.hash.digest(&t))
    }

    fn hash_now(&self) -> Result<Vec<u8>, SessionError> {
        let s = self
            .suite
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))?;
        Ok(s.hash.digest(&self.transcript))
    }

    /// The ClientHello, in a record whose legacy version is TLS 1.0's (as RFC 8448 and
    /// browsers write the first record: §5.1 allows 0x0301 for the ClientHello).
    pub fn client_hello(&mut self, ch: &tls_wire::ClientHello) -> Result<Sent, SessionError> {
        self.client_random = Some(ch.random);
        let m = tls_wire::encode(&Handshake::ClientHello(ch.clone()))?;
        self.transcript.extend_from_slice(&m.bytes);
        Ok(clear(true, plain(content::HANDSHAKE, 0x0301, &m)?))
    }

    /// A ClientHello that offers a ticket: its pre_shared_key extension (the last) holds
    /// placeholder binders, which are computed here over the truncated ClientHello
    /// (§4.2.11.2) with `psk` and the hash of `suite` (the ticket's).
    pub fn client_hello_psk(
        &mut self,
        ch: &tls_wire::ClientHello,
        psk: &[u8],
        suite: Suite13,
    ) -> Result<Sent, SessionError> {
        let Some(ExtBody::OfferedPsks { binders, .. }) = ch.extensions.last().map(|e| &e.body)
        else {
            return Err(SessionError::OutOfOrder("no pre_shared_key extension last"));
        };
        if binders.len() != 1 || binders[0].len() != suite.hash.output_len() {
            return Err(SessionError::OutOfOrder("one binder of the hash's length"));
        }
        let tail = tls_wire::binders_len(binders);
        let mut m = tls_wire::encode(&Handshake::ClientHello(ch.clone()))?;
        let cut = m.bytes.len() - tail;
        let binder = Schedule::binder(suite, psk, &suite.hash.digest(&m.bytes[..cut]));
        // One binder: its length byte, then its bytes, end the message.
        let at = m.bytes.len() - binder.len();
        m.bytes[at..].copy_from_slice(&binder);
        self.psk = Some(psk.to_vec());
        self.client_random = Some(ch.random);
        self.transcript.extend_from_slice(&m.bytes);
        Ok(clear(true, plain(content::HANDSHAKE, 0x0301, &m)?))
    }

    /// The PSK a NewSessionTicket of this connection with `nonce` stands for (§4.6.1), once the
    /// client's Finished is in the transcript.
    pub fn ticket_psk(&self, nonce: &[u8]) -> Option<Vec<u8>> {
        let s = self.schedule.as_ref()?;
        Some(Schedule::ticket_psk(
            s.suite,
            &self.resumption_master_secret()?,
            nonce,
        ))
    }

    /// The ServerHello and, from `shared_secret` (the (EC)DHE result), the handshake keys of
    /// both directions.
    pub fn server_hello(
        &mut self,
        sh: &ServerHello,
        shared_secret: &[u8],
    ) -> Result<Sent, SessionError> {
        if self.client_random.is_none() {
            return Err(SessionError::OutOfOrder("ServerHello before ClientHello"));
        }
        let suite = Suite13::from_code(sh.cipher_suite)
            .ok_or(SessionError::UnknownSuite(sh.cipher_suite))?;
        let m = tls_wire::encode(&Handshake::ServerHello(sh.clone()))?;
        self.transcript.extend_from_slice(&m.bytes);
        self.suite = Some(suite);
        let schedule =
            Schedule::handshake(suite, self.psk.as_deref(), shared_secret, &self.hash_now()?);
        self.client.install(
            TrafficKeys::from_secret(suite, &schedule.client_handshake_traffic_secret),
            Epoch::Handshake,
        );
        self.server.install(
            TrafficKeys::from_secret(suite, &schedule.server_handshake_traffic_secret),
            Epoch::Handshake,
        );
        self.schedule = Some(schedule);
        Ok(clear(false, plain(content::HANDSHAKE, 0x0303, &m)?))
    }

    /// The server's encrypted flight — `messages` (EncryptedExtensions, Certificate,
    /// CertificateVerify) then the Finished this computes — in as few records as fit, then the
    /// server's switch to its application keys.
    pub fn server_flight(&mut self, messages: &[Handshake]) -> Result<Vec<Sent>, SessionError> {
        let w = self.with_finished(false, messages)?;
        let sent = self.protect(false, content::HANDSHAKE, w)?;
        let hash = self.hash_now()?;
        let suite = self
            .suite
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))?;
        let schedule = self
            .schedule
            .as_mut()
            .ok_or(SessionError::OutOfOrder("no keys yet"))?;
        schedule.application(&hash);
        let keys = TrafficKeys::from_secret(suite, &schedule.server_application_traffic_secret_0);
        self.server.install(keys, Epoch::Application);
        Ok(sent)
    }

    /// A side's flight: `messages`, then the Finished computed over the transcript with them,
    /// all added to the transcript, their fields named `message[i].` (the Finished alone
    /// unnamed).
    fn with_finished(
        &mut self,
        from_client: bool,
        messages: &[Handshake],
    ) -> Result<Wire, SessionError> {
        let mut w = Writer::default();
        for (i, m) in messages.iter().enumerate() {
            let start = w.bytes.len();
            tls_wire::encode_into(&mut w, m, &format!("message[{i}]."))?;
            self.transcript.extend_from_slice(&w.bytes[start..]);
        }
        let schedule = self
            .schedule
            .as_ref()
            .ok_or(SessionError::OutOfOrder("no keys yet"))?;
        let finished = Handshake::Finished(schedule.verify_data(from_client, &self.hash_now()?));
        let at = if messages.is_empty() {
            String::new()
        } else {
            format!("message[{}].", messages.len())
        };
        let start = w.bytes.len();
        tls_wire::encode_into(&mut w, &finished, &at)?;
        self.transcript.extend_from_slice(&w.bytes[start..]);
        Ok(w.into_wire())
    }

    /// The client's Finished, then its switch to its application keys.
    pub fn client_finished(&mut self) -> Result<Vec<Sent>, SessionError> {
        self.client_flight(&[])
    }

    /// The client's second flight: `messages` (its Certificate and CertificateVerify when the
    /// server asked for them, §4.4) then its Finished, in as few records as fit — as BoringSSL
    /// packs an encrypted flight — then its switch to its application keys.
    pub fn client_flight(&mut self, messages: &[Handshake]) -> Result<Vec<Sent>, SessionError> {
        let server_finished = self.schedule.as_ref().map(|s| &s.server_finished_hash);
        if server_finished.is_none_or(|h| h.is_empty()) {
            return Err(SessionError::OutOfOrder(
                "client Finished before the server's",
            ));
        }
        let w = self.with_finished(true, messages)?;
        self.client_finished_at = Some(self.transcript.len());
        let sent = self.protect(true, content::HANDSHAKE, w)?;
        let suite = self
            .suite
            .ok_or(SessionError::OutOfOrder("no ServerHello yet"))?;
        let secret = self
            .schedule
            .as_ref()
            .map(|s| s.client_application_traffic_secret_0.clone())
            .unwrap_or_default();
        let keys = TrafficKeys::from_secret(suite, &secret);
        self.client.install(keys, Epoch::Application);
        Ok(sent)
    }

    /// A ChangeCipherSpec record of middlebox compatibility (RFC 8446 §D.4): one byte, 0x01,
    /// never protected, in no transcript, and no record's sequence number.
    pub fn change_cipher_spec(&mut self, from_client: bool) -> Result<Sent, SessionError> {
        let mut w = Writer::default();
        w.uint("change_cipher_spec", 1, 1);
        Ok(clear(
            from_client,
            plain(content::CHANGE_CIPHER_SPEC, 0x0303, &w.into_wire())?,
        ))
    }

    /// A handshake message after the handshake (a NewSessionTicket), under current keys.
    pub fn post_handshake(
        &mut self,
        from_client: bool,
        m: &Handshake,
    ) -> Result<Vec<Sent>, SessionError> {
        let mut w = Writer::default();
        tls_wire::encode_into(&mut w, m, "")?;
        self.protect(from_client, content::HANDSHAKE, w.into_wire())
    }

    /// Application data, in records of at most 2^14 bytes each.
    pub fn data(&mut self, from_client: bool, bytes: &[u8]) -> Result<Vec<Sent>, SessionError> {
        self.protect(from_client, content::APPLICATION_DATA, data_wire(bytes))
    }

    /// An alert (§6): level 1 (warning) or 2 (fatal), and its description (0 is close_notify).
    pub fn alert(
        &mut self,
        from_client: bool,
        level: u8,
        description: u8,
    ) -> Result<Vec<Sent>, SessionError> {
        self.protect(from_client, content::ALERT, alert_wire(level, description))
    }

    /// Seals `content` under the direction's current keys, cut into records of at most
    /// [`MAX_FRAGMENT`] bytes; each record's plaintext keeps the fields that fall inside it.
    fn protect(
        &mut self,
        from_client: bool,
        inner_type: u8,
        content: Wire,
    ) -> Result<Vec<Sent>, SessionError> {
        let dir = if from_client {
            &mut self.client
        } else {
            &mut self.server
        };
        let (Some(keys), Some(epoch)) = (dir.keys.clone(), dir.epoch) else {
            return Err(SessionError::OutOfOrder("no keys for this direction yet"));
        };
        let mut out = Vec::new();
        for chunk in fragments(&content) {
            let record = seal(&keys, dir.seq, inner_type, &chunk.bytes)?;
            out.push(Sent {
                from_client,
                record,
                epoch,
                seq: dir.seq,
                inner: Some((inner_type, chunk)),
            });
            dir.seq += 1;
        }
        Ok(out)
    }

    /// The NSS key log lines of this connection's TLS 1.3 secrets (the format Wireshark reads:
    /// a label, the ClientHello's random and the secret, in hex).
    pub fn keylog(&self) -> String {
        let (Some(random), Some(s)) = (self.client_random, &self.schedule) else {
            return String::new();
        };
        let r = hex(&random);
        let mut out = String::new();
        for (label, secret) in [
            (
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                &s.client_handshake_traffic_secret,
            ),
            (
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                &s.server_handshake_traffic_secret,
            ),
            (
                "CLIENT_TRAFFIC_SECRET_0",
                &s.client_application_traffic_secret_0,
            ),
            (
                "SERVER_TRAFFIC_SECRET_0",
                &s.server_application_traffic_secret_0,
            ),
            ("EXPORTER_SECRET", &s.exporter_master_secret),
        ] {
            if !secret.is_empty() {
                out.push_str(&format!("{label} {r} {}\n", hex(secret)));
            }
        }
        out
    }

    /// `resumption_master_secret`, once the client's Finished is in the transcript.
    pub fn resumption_master_secret(&self) -> Option<Vec<u8>> {
        let at = self.client_finished_at?;
        let s = self.schedule.as_ref()?;
        Some(s.resumption_master_secret(&s.suite.hash.digest(&self.transcript[..at])))
    }
}

/// Application data's bytes, named.
pub(crate) fn data_wire(bytes: &[u8]) -> Wire {
    let mut w = Writer::default();
    w.raw("application_data", bytes);
    w.into_wire()
}

/// An alert's two bytes (§6): its level (1 warning, 2 fatal) and description.
pub(crate) fn alert_wire(level: u8, description: u8) -> Wire {
    let mut w = Writer::default();
    w.uint("alert.level", 1, level as u64);
    w.uint("alert.description", 1, description as u64);
    w.into_wire()
}

pub(crate) fn clear(from_client: bool, record: Wire) -> Sent {
    Sent {
        from_client,
        record,
        epoch: Epoch::Clear,
        seq: 0,
        inner: None,
    }
}

/// `content` cut at [`MAX_FRAGMENT`] bytes; a field that crosses a cut is named in both parts.
pub(crate) fn fragments(content: &Wire) -> Vec<Wire> {
    if content.bytes.len() <= MAX_FRAGMENT {
        return vec![content.clone()];
    }
    content
        .bytes
        .chunks(MAX_FRAGMENT)
        .enumerate()
        .map(|(i, bytes)| {
            let (lo, hi) = (i * MAX_FRAGMENT, i * MAX_FRAGMENT + bytes.len());
            let fields = content
                .fields
                .iter()
                .filter(|f| f.start < hi && f.end > lo)
                .map(|f| crate::model::trace::WireField {
                    start: f.start.max(lo) - lo,
                    end: f.end.min(hi) - lo,
                    name: f.name.clone(),
                })
                .collect();
            Wire {
                bytes: bytes.to_vec(),
                fields,
            }
        })
        .collect()
}

/// The x25519 public key a ServerHello's key_share carries, if it has one.
pub fn server_x25519(sh: &ServerHello) -> Option<[u8; 32]> {
    sh.extensions.iter().find_map(|e| match &e.body {
        ExtBody::ServerShare(s) if s.group == X25519 => s.key.as_slice().try_into().ok(),
        _ => None,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
