//! TLS handshake messages on the wire (RFC 8446 §4), written and read back byte for byte, each
//! field's place in the bytes returned for the inspector (a [`Wire`]).
//!
//! Modelled: the 4-byte handshake header and the bodies of ClientHello, ServerHello,
//! EncryptedExtensions, CertificateRequest, Certificate (TLS 1.3's, with its per-entry
//! extensions), CertificateVerify, Finished and NewSessionTicket; any other handshake type is
//! kept as bytes. Extensions are read
//! into types where the RFCs give them a structure a browser's handshake uses — server_name
//! (RFC 6066 §3), supported_groups (RFC 8446 §4.2.7), ec_point_formats (RFC 8422 §5.1.2),
//! signature_algorithms (§4.2.3), ALPN (RFC 7301), record_size_limit (RFC 8449),
//! supported_versions (§4.2.1), psk_key_exchange_modes (§4.2.9), key_share (§4.2.8),
//! pre_shared_key (§4.2.11) and renegotiation_info (RFC 5746) — and kept as bytes otherwise (GREASE, padding, and any
//! extension whose bytes do not read back the same way), so that what is read writes back to
//! the same bytes. Reading never panics: a length that overruns its enclosing vector is an
//! error with its offset.
//!
//! TLS 1.2's own messages and forms (RFC 5246 §7.4: its Certificate and CertificateRequest, the
//! ECDHE ServerKeyExchange of RFC 8422 §5.4, ServerHelloDone, ClientKeyExchange, RFC 5077's
//! NewSessionTicket) are written the same way and read with [`decode_next_as`], which needs the
//! connection's version and key exchange ([`Dialect`]) where the bytes alone do not say.
//!
//! Left out: the early_data extension (kept as bytes), a ServerKeyExchange for finite-field
//! Diffie-Hellman, and certificates' contents (`cert` models the chain; here a certificate is
//! its DER bytes).

use crate::model::trace::{Wire, WireField};
use std::fmt;

/// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
pub mod hs {
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const NEW_SESSION_TICKET: u8 = 4;
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    pub const CERTIFICATE: u8 = 11;
    /// TLS 1.2's (RFC 5246 §7.4).
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    pub const CERTIFICATE_REQUEST: u8 = 13;
    pub const SERVER_HELLO_DONE: u8 = 14;
    pub const CERTIFICATE_VERIFY: u8 = 15;
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    pub const FINISHED: u8 = 20;
}

/// Extension types (RFC 8446 §4.2 and the RFCs named in the module doc).
pub mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const RECORD_SIZE_LIMIT: u16 = 28;
    pub const SESSION_TICKET: u16 = 35;
    pub const PRE_SHARED_KEY: u16 = 41;
    pub const EARLY_DATA: u16 = 42;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    pub const KEY_SHARE: u16 = 51;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// An extension's name as the IANA registry spells it, for the inspector.
pub fn ext_name(t: u16) -> String {
    let known = match t {
        ext::SERVER_NAME => "server_name",
        ext::SUPPORTED_GROUPS => "supported_groups",
        ext::EC_POINT_FORMATS => "ec_point_formats",
        ext::SIGNATURE_ALGORITHMS => "signature_algorithms",
        ext::ALPN => "application_layer_protocol_negotiation",
        ext::RECORD_SIZE_LIMIT => "record_size_limit",
        ext::SESSION_TICKET => "session_ticket",
        ext::PRE_SHARED_KEY => "pre_shared_key",
        ext::EARLY_DATA => "early_data",
        ext::SUPPORTED_VERSIONS => "supported_versions",
        ext::PSK_KEY_EXCHANGE_MODES => "psk_key_exchange_modes",
        ext::KEY_SHARE => "key_share",
        ext::RENEGOTIATION_INFO => "renegotiation_info",
        // RFC 8701: GREASE values are 0x?a?a with both bytes equal.
        t if t & 0x0f0f == 0x0a0a && t >> 8 == t & 0xff => "GREASE",
        _ => return format!("extension_{t}"),
    };
    known.to_string()
}

/// One key share: a group and its public value (RFC 8446 §4.2.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShare {
    pub group: u16,
    pub key: Vec<u8>,
}

/// An extension's body, typed where the module doc says, else its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtBody {
    /// Host names (RFC 6066 §3); a server's acknowledgement is the empty list with no bytes at
    /// all, which is [`ExtBody::Opaque`] of nothing.
    ServerName(Vec<String>),
    /// A list of 16-bit code points: supported_groups, signature_algorithms.
    U16List(Vec<u16>),
    /// A list of 8-bit code points: ec_point_formats, psk_key_exchange_modes.
    U8List(Vec<u8>),
    Alpn(Vec<String>),
    /// One 16-bit value: record_size_limit, and the version a server selected.
    U16(u16),
    /// The versions a client offers (an 8-bit length, unlike [`ExtBody::U16List`]).
    Versions(Vec<u16>),
    ClientShares(Vec<KeyShare>),
    ServerShare(KeyShare),
    /// renegotiation_info: an 8-bit-length vector (empty on a first handshake).
    Renegotiation(Vec<u8>),
    /// A client's pre_shared_key (§4.2.11): the tickets it offers and a binder for each.
    OfferedPsks {
        identities: Vec<PskIdentity>,
        binders: Vec<Vec<u8>>,
    },
    /// A server's pre_shared_key: which offered identity it took.
    SelectedPsk(u16),
    Opaque(Vec<u8>),
}

/// A ticket the client offers (§4.2.11), with its obfuscated age in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    pub identity: Vec<u8>,
    pub obfuscated_ticket_age: u32,
}

/// The bytes the binders of an [`ExtBody::OfferedPsks`] take at the end of a ClientHello (their
/// list's 2-byte length included): what RFC 8446 §4.2.11.2's truncated ClientHello leaves out.
pub fn binders_len(binders: &[Vec<u8>]) -> usize {
    2 + binders.iter().map(|b| 1 + b.len()).sum::<usize>()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    pub body: ExtBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    pub extensions: Vec<Extension>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression_method: u8,
    pub extensions: Vec<Extension>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// The certificate's DER bytes.
    pub cert: Vec<u8>,
    pub extensions: Vec<Extension>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    pub lifetime_s: u32,
    pub age_add: u32,
    pub nonce: Vec<u8>,
    pub ticket: Vec<u8>,
    pub extensions: Vec<Extension>,
}

/// A ServerKeyExchange's signed ECDHE parameters (RFC 8422 §5.4; the curve type is always
/// `named_curve`, 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheParams {
    pub curve: u16,
    pub public: Vec<u8>,
    pub scheme: u16,
    pub signature: Vec<u8>,
}

impl EcdheParams {
    /// The bytes the signature covers after the two randoms: curve type, curve, public key.
    pub fn signed_part(&self) -> Vec<u8> {
        let mut out = vec![3];
        out.extend_from_slice(&self.curve.to_be_bytes());
        out.push(self.public.len() as u8);
        out.extend_from_slice(&self.public);
        out
    }
}

/// What a TLS 1.2 ClientKeyExchange carries, by key exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyExchangeValue {
    Ecdhe(Vec<u8>),
    Rsa(Vec<u8>),
}

/// Which version's forms a reader expects where TLS 1.2 and 1.3 share a type (Certificate,
/// NewSessionTicket) or where only a 1.2 key exchange says the length's width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Tls13,
    Tls12Ecdhe,
    Tls12Rsa,
}

/// A handshake message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handshake {
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    EncryptedExtensions(Vec<Extension>),
    Certificate {
        context: Vec<u8>,
        entries: Vec<CertificateEntry>,
    },
    CertificateVerify {
        scheme: u16,
        signature: Vec<u8>,
    },
    Finished(Vec<u8>),
    NewSessionTicket(NewSessionTicket),
    /// TLS 1.3's CertificateRequest (RFC 8446 §4.3.2): a context and extensions
    /// (signature_algorithms at least).
    CertificateRequest {
        context: Vec<u8>,
        extensions: Vec<Extension>,
    },
    /// TLS 1.2's (RFC 5246 §7.4.4): the certificate types, signature algorithms and the
    /// distinguished names of the CAs the server accepts.
    CertificateRequest12 {
        types: Vec<u8>,
        schemes: Vec<u16>,
        authorities: Vec<Vec<u8>>,
    },
    /// TLS 1.2's Certificate (RFC 5246 §7.4.2): the DER certificates, no context or extensions.
    Certificate12(Vec<Vec<u8>>),
    /// TLS 1.2's ServerKeyExchange for ECDHE (RFC 8422 §5.4): a named curve's ephemeral public
    /// key, signed with the certificate's key.
    ServerKeyExchange(EcdheParams),
    ServerHelloDone,
    /// TLS 1.2's ClientKeyExchange (RFC 5246 §7.4.7): the client's ECDHE public key (a vector
    /// with an 8-bit length, RFC 8422 §5.7) or the RSA-encrypted pre-master secret (16-bit).
    ClientKeyExchange(KeyExchangeValue),
    /// TLS 1.2's NewSessionTicket (RFC 5077 §3.3): a lifetime hint and the ticket.
    NewSessionTicket12 {
        lifetime_hint_s: u32,
        ticket: Vec<u8>,
    },
    /// Any other type, its body as bytes.
    Other {
        typ: u8,
        body: Vec<u8>,
    },
}

impl Handshake {
    pub fn typ(&self) -> u8 {
        match self {
            Handshake::ClientHello(_) => hs::CLIENT_HELLO,
            Handshake::ServerHello(_) => hs::SERVER_HELLO,
            Handshake::EncryptedExtensions(_) => hs::ENCRYPTED_EXTENSIONS,
            Handshake::Certificate { .. } => hs::CERTIFICATE,
            Handshake::CertificateVerify { .. } => hs::CERTIFICATE_VERIFY,
            Handshake::Finished(_) => hs::FINISHED,
            Handshake::NewSessionTicket(_) | Handshake::NewSessionTicket12 { .. } => {
                hs::NEW_SESSION_TICKET
            }
            Handshake::Certificate12(_) => hs::CERTIFICATE,
            Handshake::CertificateRequest { .. } | Handshake::CertificateRequest12 { .. } => {
                hs::CERTIFICATE_REQUEST
            }
            Handshake::ServerKeyExchange(_) => hs::SERVER_KEY_EXCHANGE,
            Handshake::ServerHelloDone => hs::SERVER_HELLO_DONE,
            Handshake::ClientKeyExchange(_) => hs::CLIENT_KEY_EXCHANGE,
            Handshake::Other { typ, .. } => *typ,
        }
    }

    /// The message's name as RFC 8446 writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Handshake::ClientHello(_) => "ClientHello",
            Handshake::ServerHello(_) => "ServerHello",
            Handshake::EncryptedExtensions(_) => "EncryptedExtensions",
            Handshake::Certificate { .. } | Handshake::Certificate12(_) => "Certificate",
            Handshake::CertificateVerify { .. } => "CertificateVerify",
            Handshake::Finished(_) => "Finished",
            Handshake::NewSessionTicket(_) | Handshake::NewSessionTicket12 { .. } => {
                "NewSessionTicket"
            }
            Handshake::ServerKeyExchange(_) => "ServerKeyExchange",
            Handshake::CertificateRequest { .. } | Handshake::CertificateRequest12 { .. } => {
                "CertificateRequest"
            }
            Handshake::ServerHelloDone => "ServerHelloDone",
            Handshake::ClientKeyExchange(_) => "ClientKeyExchange",
            Handshake::Other { .. } => "handshake message",
        }
    }
}

/// A message that does not fit its length fields (a vector over 2^16 - 1 bytes, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteError {
    pub field: String,
    pub len: usize,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} bytes do not fit its length field",
            self.field, self.len
        )
    }
}

/// Bytes that are not a well-formed message, and where reading stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.what)
    }
}

/// Writes bytes and names each field's span; length prefixes are reserved and filled in when
/// their vector ends.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
    pub fields: Vec<WireField>,
}

/// A length prefix waiting for its vector's end.
pub struct Open {
    at: usize,
    width: usize,
    field: usize,
}

impl Writer {
    pub fn into_wire(self) -> Wire {
        Wire {
            bytes: self.bytes,
            fields: self.fields,
        }
    }

    fn mark(&mut self, start: usize, name: String) {
        self.fields.push(WireField {
            start,
            end: self.bytes.len(),
            name,
        });
    }

    pub fn raw(&mut self, name: impl Into<String>, data: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(data);
        self.mark(start, name.into());
    }

    pub fn uint(&mut self, name: impl Into<String>, width: usize, v: u64) {
        let b = v.to_be_bytes();
        self.raw(name, &b[8 - width..]);
    }

    /// Starts a vector with a `width`-byte length; its bytes follow until [`Writer::close`].
    pub fn open(&mut self, name: impl Into<String>, width: usize) -> Open {
        let at = self.bytes.len();
        self.uint(name, width, 0);
        Open {
            at,
            width,
            field: self.fields.len() - 1,
        }
    }

    pub fn close(&mut self, o: Open) -> Result<(), WriteError> {
        let len = self.bytes.len() - o.at - o.width;
        if len >= 1usize << (8 * o.width) {
            return Err(WriteError {
                field: self.fields[o.field].name.clone(),
                len,
            });
        }
        let b = (len as u64).to_be_bytes();
        self.bytes[o.at..o.at + o.width].copy_from_slice(&b[8 - o.width..]);
        Ok(())
    }

    /// A vector of bytes with its length prefix: `name.length` then `name`.
    pub fn vec(&mut self, name: &str, width: usize, data: &[u8]) -> Result<(), WriteError> {
        let o = self.open(format!("{name}.length"), width);
        if !data.is_empty() {
            self.raw(name, data);
        }
        self.close(o)
    }
}

/// Writes a handshake message with its header (type, 24-bit length).
pub fn encode(m: &Handshake) -> Result<Wire, WriteError> {
    let mut w = Writer::default();
    encode_into(&mut w, m, "")?;
    Ok(w.into_wire())
}

/// Writes a handshake message into `w`, its fields named under `at` (`""` or `"message[1]."`).
pub fn encode_into(w: &mut Writer, m: &Handshake, at: &str) -> Result<(), WriteError> {
    let name = m.name();
    w.uint(format!("{at}{name}.msg_type"), 1, m.typ() as u64);
    let o = w.open(format!("{at}{name}.length"), 3);
    let p = format!("{at}{name}.");
    match m {
        Handshake::ClientHello(c) => client_hello(w, c, &p)?,
        Handshake::ServerHello(s) => server_hello(w, s, &p)?,
        Handshake::EncryptedExtensions(e) => extensions(w, e, &p)?,
        Handshake::Certificate { context, entries } => certificate(w, context, entries, &p)?,
        Handshake::CertificateVerify { scheme, signature } => {
            w.uint(format!("{p}algorithm"), 2, *scheme as u64);
            w.vec(&format!("{p}signature"), 2, signature)?;
        }
        Handshake::Finished(v) => w.raw(format!("{p}verify_data"), v),
        Handshake::NewSessionTicket(t) => ticket(w, t, &p)?,
        Handshake::CertificateRequest {
            context,
            extensions: e,
        } => {
            w.vec(&format!("{p}certificate_request_context"), 1, context)?;
            extensions(w, e, &p)?;
        }
        Handshake::Other { body, .. } => w.raw(format!("{p}body"), body),
        Handshake::Certificate12(_)
        | Handshake::CertificateRequest12 { .. }
        | Handshake::ServerKeyExchange(_)
        | Handshake::ServerHelloDone
        | Handshake::ClientKeyExchange(_)
        | Handshake::NewSessionTicket12 { .. } => tls12(w, m, &p)?,
    }
    w.close(o)
}

/// The bodies of TLS 1.2's own messages (RFC 5246 §7.4, RFC 8422 §5.4 and §5.7, RFC 5077 §3.3).
fn tls12(w: &mut Writer, m: &Handshake, p: &str) -> Result<(), WriteError> {
    match m {
        Handshake::Certificate12(certs) => {
            let o = w.open(format!("{p}certificate_list.length"), 3);
            for (i, c) in certs.iter().enumerate() {
                w.vec(&format!("{p}certificate_list[{i}]"), 3, c)?;
            }
            w.close(o)?;
        }
        Handshake::CertificateRequest12 {
            types,
            schemes,
            authorities,
        } => {
            w.vec(&format!("{p}certificate_types"), 1, types)?;
            let o = w.open(format!("{p}supported_signature_algorithms.length"), 2);
            for (i, s) in schemes.iter().enumerate() {
                w.uint(
                    format!("{p}supported_signature_algorithms[{i}]"),
                    2,
                    *s as u64,
                );
            }
            w.close(o)?;
            let o = w.open(format!("{p}certificate_authorities.length"), 2);
            for (i, a) in authorities.iter().enumerate() {
                w.vec(&format!("{p}certificate_authorities[{i}]"), 2, a)?;
            }
            w.close(o)?;
        }
        Handshake::ServerKeyExchange(k) => {
            w.uint(format!("{p}params.curve_type"), 1, 3);
            w.uint(format!("{p}params.named_curve"), 2, k.curve as u64);
            w.vec(&format!("{p}params.public"), 1, &k.public)?;
            w.uint(format!("{p}signed_params.algorithm"), 2, k.scheme as u64);
            w.vec(&format!("{p}signed_params.signature"), 2, &k.signature)?;
        }
        Handshake::ClientKeyExchange(KeyExchangeValue::Ecdhe(public)) => {
            w.vec(&format!("{p}ecdh_Yc"), 1, public)?;
        }
        Handshake::ClientKeyExchange(KeyExchangeValue::Rsa(encrypted)) => {
            w.vec(&format!("{p}encrypted_pre_master_secret"), 2, encrypted)?;
        }
        Handshake::NewSessionTicket12 {
            lifetime_hint_s,
            ticket,
        } => {
            w.uint(
                format!("{p}ticket_lifetime_hint"),
                4,
                *lifetime_hint_s as u64,
            );
            w.vec(&format!("{p}ticket"), 2, ticket)?;
        }
        // ServerHelloDone is empty; the other types have their writers in `encode_into`.
        Handshake::ServerHelloDone
        | Handshake::ClientHello(_)
        | Handshake::ServerHello(_)
        | Handshake::EncryptedExtensions(_)
        | Handshake::Certificate { .. }
        | Handshake::CertificateRequest { .. }
        | Handshake::CertificateVerify { .. }
        | Handshake::Finished(_)
        | Handshake::NewSessionTicket(_)
        | Handshake::Other { .. } => {}
    }
    Ok(())
}

fn client_hello(w: &mut Writer, c: &ClientHello, p: &str) -> Result<(), WriteError> {
    w.uint(format!("{p}legacy_version"), 2, c.legacy_version as u64);
    w.raw(format!("{p}random"), &c.random);
    w.vec(&format!("{p}legacy_session_id"), 1, &c.session_id)?;
    let o = w.open(format!("{p}cipher_suites.length"), 2);
    for (i, s) in c.cipher_suites.iter().enumerate() {
        w.uint(format!("{p}cipher_suites[{i}]"), 2, *s as u64);
    }
    w.close(o)?;
    w.vec(
        &format!("{p}legacy_compression_methods"),
        1,
        &c.compression_methods,
    )?;
    extensions(w, &c.extensions, p)
}

fn server_hello(w: &mut Writer, s: &ServerHello, p: &str) -> Result<(), WriteError> {
    w.uint(format!("{p}legacy_version"), 2, s.legacy_version as u64);
    w.raw(format!("{p}random"), &s.random);
    w.vec(&format!("{p}legacy_session_id_echo"), 1, &s.session_id)?;
    w.uint(format!("{p}cipher_suite"), 2, s.cipher_suite as u64);
    w.uint(
        format!("{p}legacy_compression_method"),
        1,
        s.compression_method as u64,
    );
    extensions(w, &s.extensions, p)
}

fn certificate(
    w: &mut Writer,
    context: &[u8],
    entries: &[CertificateEntry],
    p: &str,
) -> Result<(), WriteError> {
    w.vec(&format!("{p}certificate_request_context"), 1, context)?;
    let o = w.open(format!("{p}certificate_list.length"), 3);
    for (i, e) in entries.iter().enumerate() {
        let q = format!("{p}certificate_list[{i}].");
        w.vec(&format!("{q}cert_data"), 3, &e.cert)?;
        extensions(w, &e.extensions, &q)?;
    }
    w.close(o)
}

fn ticket(w: &mut Writer, t: &NewSessionTicket, p: &str) -> Result<(), WriteError> {
    w.uint(format!("{p}ticket_lifetime"), 4, t.lifetime_s as u64);
    w.uint(format!("{p}ticket_age_add"), 4, t.age_add as u64);
    w.vec(&format!("{p}ticket_nonce"), 1, &t.nonce)?;
    w.vec(&format!("{p}ticket"), 2, &t.ticket)?;
    extensions(w, &t.extensions, p)
}

fn extensions(w: &mut Writer, exts: &[Extension], p: &str) -> Result<(), WriteError> {
    let o = w.open(format!("{p}extensions.length"), 2);
    for (i, e) in exts.iter().enumerate() {
        let q = format!("{p}extensions[{i}] {}", ext_name(e.typ));
        w.uint(format!("{q}.type"), 2, e.typ as u64);
        let body = w.open(format!("{q}.length"), 2);
        ext_body(w, &e.body, &q)?;
        w.close(body)?;
    }
    w.close(o)
}

fn ext_body(w: &mut Writer, b: &ExtBody, q: &str) -> Result<(), WriteError> {
    match b {
        ExtBody::ServerName(names) => {
            let o = w.open(format!("{q}.server_name_list.length"), 2);
            for (i, n) in names.iter().enumerate() {
                w.uint(format!("{q}.server_name_list[{i}].name_type"), 1, 0);
                w.vec(
                    &format!("{q}.server_name_list[{i}].host_name"),
                    2,
                    n.as_bytes(),
                )?;
            }
            w.close(o)?;
        }
        ExtBody::U16List(v) => {
            let o = w.open(format!("{q}.list.length"), 2);
            for (i, x) in v.iter().enumerate() {
                w.uint(format!("{q}[{i}]"), 2, *x as u64);
            }
            w.close(o)?;
        }
        ExtBody::U8List(v) => w.vec(&format!("{q}.list"), 1, v)?,
        ExtBody::Alpn(v) => {
            let o = w.open(format!("{q}.protocol_name_list.length"), 2);
            for (i, x) in v.iter().enumerate() {
                w.vec(&format!("{q}.protocol_name_list[{i}]"), 1, x.as_bytes())?;
            }
            w.close(o)?;
        }
        ExtBody::U16(v) => w.uint(format!("{q}.value"), 2, *v as u64),
        ExtBody::Versions(v) => {
            let o = w.open(format!("{q}.versions.length"), 1);
            for (i, x) in v.iter().enumerate() {
                w.uint(format!("{q}.versions[{i}]"), 2, *x as u64);
            }
            w.close(o)?;
        }
        ExtBody::ClientShares(v) => {
            let o = w.open(format!("{q}.client_shares.length"), 2);
            for (i, s) in v.iter().enumerate() {
                share(w, s, &format!("{q}.client_shares[{i}]"))?;
            }
            w.close(o)?;
        }
        ExtBody::ServerShare(s) => share(w, s, &format!("{q}.server_share"))?,
        ExtBody::Renegotiation(v) => w.vec(&format!("{q}.renegotiated_connection"), 1, v)?,
        ExtBody::OfferedPsks {
            identities,
            binders,
        } => {
            let o = w.open(format!("{q}.identities.length"), 2);
            for (i, id) in identities.iter().enumerate() {
                w.vec(&format!("{q}.identities[{i}].identity"), 2, &id.identity)?;
                w.uint(
                    format!("{q}.identities[{i}].obfuscated_ticket_age"),
                    4,
                    id.obfuscated_ticket_age as u64,
                );
            }
            w.close(o)?;
            let o = w.open(format!("{q}.binders.length"), 2);
            for (i, b) in binders.iter().enumerate() {
                w.vec(&format!("{q}.binders[{i}]"), 1, b)?;
            }
            w.close(o)?;
        }
        ExtBody::SelectedPsk(v) => w.uint(format!("{q}.selected_identity"), 2, *v as u64),
        ExtBody::Opaque(v) => {
            if !v.is_empty() {
                w.raw(format!("{q}.data"), v);
            }
        }
    }
    Ok(())
}

fn share(w: &mut Writer, s: &KeyShare, q: &str) -> Result<(), WriteError> {
    w.uint(format!("{q}.group"), 2, s.group as u64);
    w.vec(&format!("{q}.key_exchange"), 2, &s.key)
}

/// Reads bytes; each read checks what is left first.
pub struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    /// The offset of `b[0]` in the message, for errors.
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, pos: 0, base: 0 }
    }

    pub fn err(&self, what: &'static str) -> ReadError {
        ReadError {
            offset: self.base + self.pos,
            what,
        }
    }

    pub fn done(&self) -> bool {
        self.pos == self.b.len()
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        if self.b.len() - self.pos < n {
            return Err(self.err("cut short"));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn uint(&mut self, width: usize) -> Result<u64, ReadError> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |a, &b| (a << 8) | b as u64))
    }

    pub fn u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.uint(1)? as u8)
    }

    pub fn u16(&mut self) -> Result<u16, ReadError> {
        Ok(self.uint(2)? as u16)
    }

    /// A vector with a `width`-byte length, as a reader of its own.
    pub fn sub(&mut self, width: usize) -> Result<Reader<'a>, ReadError> {
        let n = self.uint(width)? as usize;
        let base = self.base + self.pos;
        Ok(Reader {
            b: self.take(n)?,
            pos: 0,
            base,
        })
    }

    pub fn bytes(&mut self, width: usize) -> Result<Vec<u8>, ReadError> {
        Ok(self.sub(width)?.b.to_vec())
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = &self.b[self.pos..];
        self.pos = self.b.len();
        s
    }
}

/// Reads one handshake message, header included; the bytes must be exactly one message.
pub fn decode(b: &[u8]) -> Result<Handshake, ReadError> {
    let mut r = Reader::new(b);
    let m = decode_next(&mut r)?;
    if !r.done() {
        return Err(r.err("bytes after the message"));
    }
    Ok(m)
}

/// Reads the next handshake message from a run of them (a record's plaintext holds several).
pub fn decode_next(r: &mut Reader) -> Result<Handshake, ReadError> {
    decode_next_as(r, Dialect::Tls13)
}

/// [`decode_next`] for a connection of the given version and key exchange.
pub fn decode_next_as(r: &mut Reader, dialect: Dialect) -> Result<Handshake, ReadError> {
    let typ = r.u8()?;
    let mut body = r.sub(3)?;
    let m = if dialect == Dialect::Tls13 {
        read13(typ, &mut body)?
    } else {
        read12(typ, &mut body, dialect)?
    };
    if !body.done() {
        return Err(body.err("bytes after the message's last field"));
    }
    Ok(m)
}

/// TLS 1.2's forms of the types they share with 1.3, and 1.2's own types.
fn read12(typ: u8, body: &mut Reader, dialect: Dialect) -> Result<Handshake, ReadError> {
    Ok(match typ {
        hs::CERTIFICATE => {
            let mut list = body.sub(3)?;
            let mut certs = Vec::new();
            while !list.done() {
                certs.push(list.bytes(3)?);
            }
            Handshake::Certificate12(certs)
        }
        hs::SERVER_KEY_EXCHANGE => {
            if body.u8()? != 3 {
                return Err(body.err("a curve type other than named_curve"));
            }
            Handshake::ServerKeyExchange(EcdheParams {
                curve: body.u16()?,
                public: body.bytes(1)?,
                scheme: body.u16()?,
                signature: body.bytes(2)?,
            })
        }
        hs::SERVER_HELLO_DONE => Handshake::ServerHelloDone,
        hs::CERTIFICATE_REQUEST => {
            let types = body.bytes(1)?;
            let mut list = body.sub(2)?;
            let mut schemes = Vec::new();
            while !list.done() {
                schemes.push(list.u16()?);
            }
            let mut list = body.sub(2)?;
            let mut authorities = Vec::new();
            while !list.done() {
                authorities.push(list.bytes(2)?);
            }
            Handshake::CertificateRequest12 {
                types,
                schemes,
                authorities,
            }
        }
        hs::CLIENT_KEY_EXCHANGE if dialect == Dialect::Tls12Rsa => {
            Handshake::ClientKeyExchange(KeyExchangeValue::Rsa(body.bytes(2)?))
        }
        hs::CLIENT_KEY_EXCHANGE => {
            Handshake::ClientKeyExchange(KeyExchangeValue::Ecdhe(body.bytes(1)?))
        }
        hs::NEW_SESSION_TICKET => Handshake::NewSessionTicket12 {
            lifetime_hint_s: body.uint(4)? as u32,
            ticket: body.bytes(2)?,
        },
        hs::ENCRYPTED_EXTENSIONS => return Err(body.err("EncryptedExtensions in TLS 1.2")),
        _ => read13(typ, body)?,
    })
}

fn read13(typ: u8, body: &mut Reader) -> Result<Handshake, ReadError> {
    let m = match typ {
        hs::CLIENT_HELLO => Handshake::ClientHello(read_client_hello(body)?),
        hs::SERVER_HELLO => Handshake::ServerHello(read_server_hello(body)?),
        hs::ENCRYPTED_EXTENSIONS => {
            Handshake::EncryptedExtensions(read_extensions(body, Side::Server)?)
        }
        hs::CERTIFICATE => read_certificate(body)?,
        hs::CERTIFICATE_VERIFY => Handshake::CertificateVerify {
            scheme: body.u16()?,
            signature: body.bytes(2)?,
        },
        hs::FINISHED => Handshake::Finished(body.rest().to_vec()),
        hs::CERTIFICATE_REQUEST => Handshake::CertificateRequest {
            context: body.bytes(1)?,
            extensions: read_extensions(body, Side::Server)?,
        },
        hs::NEW_SESSION_TICKET => Handshake::NewSessionTicket(NewSessionTicket {
            lifetime_s: body.uint(4)? as u32,
            age_add: body.uint(4)? as u32,
            nonce: body.bytes(1)?,
            ticket: body.bytes(2)?,
            extensions: read_extensions(body, Side::Server)?,
        }),
        _ => Handshake::Other {
            typ,
            body: body.rest().to_vec(),
        },
    };
    Ok(m)
}

fn random(r: &mut Reader) -> Result<[u8; 32], ReadError> {
    let mut out = [0; 32];
    out.copy_from_slice(r.take(32)?);
    Ok(out)
}

fn read_client_hello(r: &mut Reader) -> Result<ClientHello, ReadError> {
    let legacy_version = r.u16()?;
    let random = random(r)?;
    let session_id = r.bytes(1)?;
    let mut s = r.sub(2)?;
    let mut cipher_suites = Vec::new();
    while !s.done() {
        cipher_suites.push(s.u16()?);
    }
    let compression_methods = r.bytes(1)?;
    Ok(ClientHello {
        legacy_version,
        random,
        session_id,
        cipher_suites,
        compression_methods,
        extensions: read_extensions(r, Side::Client)?,
    })
}

fn read_server_hello(r: &mut Reader) -> Result<ServerHello, ReadError> {
    Ok(ServerHello {
        legacy_version: r.u16()?,
        random: random(r)?,
        session_id: r.bytes(1)?,
        cipher_suite: r.u16()?,
        compression_method: r.u8()?,
        extensions: read_extensions(r, Side::Server)?,
    })
}

fn read_certificate(r: &mut Reader) -> Result<Handshake, ReadError> {
    let context = r.bytes(1)?;
    let mut list = r.sub(3)?;
    let mut entries = Vec::new();
    while !list.done() {
        entries.push(CertificateEntry {
            cert: list.bytes(3)?,
            extensions: read_extensions(&mut list, Side::Server)?,
        });
    }
    Ok(Handshake::Certificate { context, entries })
}

/// Who wrote an extension: key_share and supported_versions differ by side.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Server,
}

fn read_extensions(r: &mut Reader, side: Side) -> Result<Vec<Extension>, ReadError> {
    let mut list = r.sub(2)?;
    let mut out = Vec::new();
    while !list.done() {
        let typ = list.u16()?;
        let data = list.bytes(2)?;
        out.push(Extension {
            typ,
            body: typed(typ, &data, side),
        });
    }
    Ok(out)
}

/// The typed body of an extension's bytes, if it reads as its type and writes back to the same
/// bytes; else the bytes.
fn typed(typ: u16, data: &[u8], side: Side) -> ExtBody {
    let body = read_body(typ, data, side).ok().flatten();
    let same = body.as_ref().is_some_and(|b| {
        let mut w = Writer::default();
        ext_body(&mut w, b, "").is_ok() && w.bytes == data
    });
    match body {
        Some(b) if same => b,
        _ => ExtBody::Opaque(data.to_vec()),
    }
}

fn read_body(typ: u16, data: &[u8], side: Side) -> Result<Option<ExtBody>, ReadError> {
    let mut r = Reader::new(data);
    let body = match (typ, side) {
        _ if data.is_empty() => return Ok(None),
        (ext::SERVER_NAME, _) => {
            let mut l = r.sub(2)?;
            let mut names = Vec::new();
            while !l.done() {
                if l.u8()? != 0 {
                    return Ok(None);
                }
                names.push(String::from_utf8_lossy(&l.bytes(2)?).into_owned());
            }
            ExtBody::ServerName(names)
        }
        (ext::SUPPORTED_GROUPS | ext::SIGNATURE_ALGORITHMS, _) => {
            let mut l = r.sub(2)?;
            let mut v = Vec::new();
            while !l.done() {
                v.push(l.u16()?);
            }
            ExtBody::U16List(v)
        }
        (ext::EC_POINT_FORMATS | ext::PSK_KEY_EXCHANGE_MODES, _) => ExtBody::U8List(r.bytes(1)?),
        (ext::ALPN, _) => {
            let mut l = r.sub(2)?;
            let mut v = Vec::new();
            while !l.done() {
                v.push(String::from_utf8_lossy(&l.bytes(1)?).into_owned());
            }
            ExtBody::Alpn(v)
        }
        (ext::RECORD_SIZE_LIMIT, _) | (ext::SUPPORTED_VERSIONS, Side::Server) => {
            ExtBody::U16(r.u16()?)
        }
        (ext::SUPPORTED_VERSIONS, Side::Client) => {
            let mut l = r.sub(1)?;
            let mut v = Vec::new();
            while !l.done() {
                v.push(l.u16()?);
            }
            ExtBody::Versions(v)
        }
        (ext::KEY_SHARE, Side::Client) => {
            let mut l = r.sub(2)?;
            let mut v = Vec::new();
            while !l.done() {
                v.push(KeyShare {
                    group: l.u16()?,
                    key: l.bytes(2)?,
                });
            }
            ExtBody::ClientShares(v)
        }
        (ext::KEY_SHARE, Side::Server) => ExtBody::ServerShare(KeyShare {
            group: r.u16()?,
            key: r.bytes(2)?,
        }),
        (ext::RENEGOTIATION_INFO, _) => ExtBody::Renegotiation(r.bytes(1)?),
        (ext::PRE_SHARED_KEY, Side::Server) => ExtBody::SelectedPsk(r.u16()?),
        (ext::PRE_SHARED_KEY, Side::Client) => {
            let mut ids = r.sub(2)?;
            let mut identities = Vec::new();
            while !ids.done() {
                identities.push(PskIdentity {
                    identity: ids.bytes(2)?,
                    obfuscated_ticket_age: ids.uint(4)? as u32,
                });
            }
            let mut bs = r.sub(2)?;
            let mut binders = Vec::new();
            while !bs.done() {
                binders.push(bs.bytes(1)?);
            }
            ExtBody::OfferedPsks {
                identities,
                binders,
            }
        }
        _ => return Ok(None),
    };
    Ok(r.done().then_some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_too_long_for_its_length_is_refused() {
        let m = Handshake::Finished(vec![0; 1 << 24]);
        let e = encode(&m).unwrap_err();
        assert_eq!(e.field, "Finished.length");
        let ch = ClientHello {
            legacy_version: 0x0303,
            random: [0; 32],
            session_id: vec![0; 256],
            cipher_suites: vec![0x1301],
            compression_methods: vec![0],
            extensions: vec![],
        };
        let e = encode(&Handshake::ClientHello(ch)).unwrap_err();
        assert_eq!(e.field, "ClientHello.legacy_session_id.length");
    }

    #[test]
    fn lying_lengths_are_refused_where_they_go_wrong() {
        // A Finished whose 24-bit length claims more bytes than follow.
        let e = decode(&[20, 0, 0, 40, 1, 2, 3]).unwrap_err();
        assert_eq!(
            e,
            ReadError {
                offset: 4,
                what: "cut short"
            }
        );
        // A CertificateVerify with a byte after its signature.
        let e = decode(&[15, 0, 0, 6, 8, 4, 0, 1, 9, 9]).unwrap_err();
        assert_eq!(e.what, "bytes after the message's last field");
    }

    #[test]
    fn an_extension_that_does_not_read_back_the_same_stays_bytes() {
        // server_name with a name_type other than host_name (0).
        let data = vec![0, 4, 1, 0, 1, b'a'];
        assert_eq!(
            typed(ext::SERVER_NAME, &data, Side::Client),
            ExtBody::Opaque(data)
        );
        // supported_versions of a server: exactly two bytes.
        assert_eq!(
            typed(ext::SUPPORTED_VERSIONS, &[3, 4], Side::Server),
            ExtBody::U16(0x0304)
        );
        assert_eq!(ext_name(0x2a2a), "GREASE");
        assert_eq!(ext_name(0x2a3a), "extension_10810");
    }
}
