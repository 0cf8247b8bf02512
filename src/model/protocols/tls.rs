//! The TLS handshake, message by message: TLS 1.3 (RFC 8446), and TLS 1.2 (RFC 5246) with ECDHE
//! (RFC 8422) or RSA key exchange.
//!
//! Two sans-IO machines, [`Client`] and [`Server`]: messages go in with `handle`, and
//! [`Output`]s (messages to send, the certificate verdict, the switch to session keys, the end
//! of the handshake) come out of `poll_output`. The client's states are named after the message
//! it expects next, as rustls names them.
//!
//! Modelled: version and cipher-suite negotiation (the client offers 1.3 and 1.2, the server
//! picks what it supports), SNI and ALPN, the key share, the certificate chain and its checks
//! (see [`crate::model::cert`]), an optional client certificate, session resumption with a ticket
//! (TLS 1.3 PSK; TLS 1.2's abbreviated handshake), TLS 1.2 False Start (RFC 7918: the client
//! sends data after its Finished without waiting for the server's; Chromium allows it only with
//! ECDHE and ALPN), and the alert that ends a failed handshake. A TLS 1.3 message's size is its
//! RFC 8446 structure's ([`crate::model::tls_messages`], the structure the capture fills with
//! real keys, so the trace and the capture count the same bytes); a certificate's is its DER's
//! ([`crate::model::x509`]); TLS 1.2's messages are sized from their structures' fixed parts
//! with RSA 2048 keys. A flight's encrypted TLS 1.3 messages share records ([`flight_lens`]).
//!
//! Left out here: the cryptography (randoms and key-share private keys are seeded hex strings;
//! the capture derives the rest),
//! HelloRetryRequest, 0-RTT early data (disabled by default in Chromium: `kEnableTLS13EarlyData`),
//! and renegotiation. TLS 1.3's middlebox-compatibility ChangeCipherSpec (RFC 8446 §D.4) is sent
//! as Chromium and OpenSSL send it: the server's after its ServerHello, the client's before its
//! second flight.

use crate::model::cert::{self, CertError, Chain, Verdict};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    Tls12,
    Tls13,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Tls12 => "TLS 1.2 (0x0303)",
            Version::Tls13 => "TLS 1.3 (0x0304)",
        })
    }
}

/// How a TLS 1.2 handshake agrees on the pre-master secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyExchange {
    /// Ephemeral elliptic-curve Diffie-Hellman (x25519), signed by the server: forward secrecy.
    Ecdhe,
    /// The client encrypts a random pre-master secret to the certificate's RSA key.
    Rsa,
}

/// A cipher suite by its IANA code point. The key exchange of a TLS 1.2 suite is part of the
/// suite (RFC 5246 Appendix A.5); a TLS 1.3 suite names only the AEAD and the hash, the key
/// exchange being negotiated apart (RFC 8446 §4.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipherSuite {
    pub code: u16,
    pub name: &'static str,
    /// The TLS 1.2 key exchange; `None` for a TLS 1.3 suite.
    pub kx: Option<KeyExchange>,
}

impl fmt::Display for CipherSuite {
    /// `TLS_AES_128_GCM_SHA256 (0x1301)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:04x})", self.name, self.code)
    }
}

const fn suite(code: u16, name: &'static str, kx: Option<KeyExchange>) -> CipherSuite {
    CipherSuite { code, name, kx }
}

const ECDHE: Option<KeyExchange> = Some(KeyExchange::Ecdhe);
const RSA: Option<KeyExchange> = Some(KeyExchange::Rsa);

/// The cipher suites Chromium 156 offers, in its order (TLS 1.3 suites first; recorded from its
/// ClientHello, which puts a GREASE value before them, RFC 8701).
pub const CLIENT_SUITES: [CipherSuite; 15] = [
    suite(0x1301, "TLS_AES_128_GCM_SHA256", None),
    suite(0x1302, "TLS_AES_256_GCM_SHA384", None),
    suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", None),
    suite(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ECDHE),
    suite(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ECDHE),
    suite(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", ECDHE),
    suite(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", ECDHE),
    suite(
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        ECDHE,
    ),
    suite(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", ECDHE),
    suite(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", ECDHE),
    suite(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", ECDHE),
    suite(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", RSA),
    suite(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", RSA),
    suite(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", RSA),
    suite(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", RSA),
];

/// The suites a ClientHello over QUIC offers: TLS 1.3's three alone (quiche sets TLS 1.3 as the
/// minimum and maximum version, `TlsClientConnection`).
pub const QUIC_SUITES: [CipherSuite; 3] = [CLIENT_SUITES[0], CLIENT_SUITES[1], CLIENT_SUITES[2]];

/// [`CLIENT_SUITES`] as the ClientHello's field shows them (every connection's ClientHello
/// offers the same list; a test checks the two agree).
pub const CLIENT_SUITES_TEXT: &str = "TLS_AES_128_GCM_SHA256 (0x1301), TLS_AES_256_GCM_SHA384 (0x1302), TLS_CHACHA20_POLY1305_SHA256 (0x1303), TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f), TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c), TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030), TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9), TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca8), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013), TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA (0xc014), TLS_RSA_WITH_AES_128_GCM_SHA256 (0x009c), TLS_RSA_WITH_AES_256_GCM_SHA384 (0x009d), TLS_RSA_WITH_AES_128_CBC_SHA (0x002f), TLS_RSA_WITH_AES_256_CBC_SHA (0x0035)";

/// A session ticket from an earlier connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub version: Version,
    pub lifetime_s: u32,
}

/// The handshake messages (RFC 8446 §4, RFC 5246 §7.4) and the two that are not handshake
/// messages: ChangeCipherSpec (its own content type) and Alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    ClientHello {
        random: String,
        session_id: String,
        suites: &'static [CipherSuite],
        sni: String,
        alpn: &'static [&'static str],
        versions: &'static [Version],
        key_share: String,
        /// The version of the session it offers to resume (its ticket's), if any: a TLS 1.3
        /// ticket goes in pre_shared_key, a TLS 1.2 one in session_ticket.
        resume: Option<Version>,
        /// Over QUIC, the quic_transport_parameters' bytes as hex (RFC 9001 §8.2); such a
        /// ClientHello offers TLS 1.3 alone and no legacy session id (§8.4).
        quic: Option<String>,
    },
    ServerHello {
        version: Version,
        random: String,
        suite: CipherSuite,
        key_share: Option<String>,
        alpn: Option<&'static str>,
        resumed: bool,
        /// Over QUIC: the ClientHello had no legacy session id, so none is echoed (RFC 9001
        /// §8.4); over TCP the browser's 32 bytes come back.
        quic: bool,
    },
    EncryptedExtensions {
        alpn: &'static str,
        /// Over QUIC, the server's transport parameters as hex (RFC 9001 §8.2).
        quic: Option<String>,
    },
    CertificateRequest,
    Certificate {
        chain: Chain,
        from_client: bool,
    },
    CertificateVerify {
        from_client: bool,
    },
    ServerKeyExchange {
        key_share: String,
    },
    ServerHelloDone,
    ClientKeyExchange {
        kx: KeyExchange,
        /// The pre-master secret's 46 random bytes (RSA) or the browser's x25519 key (ECDHE), as
        /// hex: the seeded value the capture computes the message's bytes from.
        value: String,
    },
    ChangeCipherSpec {
        from_client: bool,
    },
    Finished {
        from_client: bool,
    },
    NewSessionTicket {
        lifetime_s: u32,
    },
    Alert {
        /// Who sends it (the model's are the browser's, on a certificate it rejects).
        from_client: bool,
        /// RFC 8446 §6.2's AlertDescription, and its name with the code (`unknown_ca (48)`).
        code: u8,
        description: &'static str,
    },
}

impl Message {
    /// Bytes on the wire of the message alone in its record: the handshake message with its
    /// 4-byte header, inside a record (5-byte header; an encrypted record adds a 16-byte AEAD
    /// tag, plus the inner content type in TLS 1.3 or an 8-byte explicit nonce in TLS 1.2
    /// AES-GCM). A TLS 1.3 message's length is its structure's
    /// ([`crate::model::tls_messages`]); a flight's encrypted messages share records
    /// ([`flight_lens`]).
    pub fn wire_len(&self, version: Version) -> u64 {
        self.message_len(version) + self.record_overhead(version)
    }

    /// The handshake message with its 4-byte header (a ChangeCipherSpec's or an alert's
    /// bytes for those two).
    pub fn message_len(&self, version: Version) -> u64 {
        let structured = match version {
            Version::Tls13 => super::tls_messages::handshake_len(self),
            Version::Tls12 => super::tls12_messages::handshake_len(self),
        };
        if let Some(n) = structured {
            return n;
        }
        // The two that are not handshake messages; every other message has its structure in
        // its version (tests hold each size equal to its structure's bytes). What is left is a
        // message the version does not have, which no machine sends.
        match self {
            Message::ChangeCipherSpec { .. } => 1,
            Message::Alert { .. } => 2,
            Message::EncryptedExtensions { .. }
            | Message::CertificateVerify { .. }
            | Message::ServerKeyExchange { .. }
            | Message::ServerHelloDone
            | Message::ClientKeyExchange { .. }
            | Message::ClientHello { .. }
            | Message::ServerHello { .. }
            | Message::CertificateRequest
            | Message::Certificate { .. }
            | Message::Finished { .. }
            | Message::NewSessionTicket { .. } => 0,
        }
    }

    /// The record's bytes around the message when it travels alone.
    fn record_overhead(&self, version: Version) -> u64 {
        if self.encrypted(version) {
            protected_overhead(version)
        } else {
            5
        }
    }

    /// Whether the message travels encrypted: in TLS 1.3 everything after ServerHello; in TLS
    /// 1.2 only Finished (what follows it is application data).
    pub fn encrypted(&self, version: Version) -> bool {
        match version {
            Version::Tls13 => !matches!(
                self,
                Message::ClientHello { .. }
                    | Message::ServerHello { .. }
                    | Message::ChangeCipherSpec { .. }
            ),
            // RFC 5077 §3.3: the ticket comes before the server's ChangeCipherSpec, in the clear.
            Version::Tls12 => matches!(self, Message::Finished { .. }),
        }
    }

    pub fn from_client(&self) -> bool {
        match self {
            Message::ClientHello { .. } | Message::ClientKeyExchange { .. } => true,
            Message::Certificate { from_client, .. }
            | Message::CertificateVerify { from_client }
            | Message::ChangeCipherSpec { from_client }
            | Message::Finished { from_client, .. }
            | Message::Alert { from_client, .. } => *from_client,
            _ => false,
        }
    }
}

/// A protected record's bytes around its content: the 5-byte header and the 16-byte AEAD tag,
/// with TLS 1.3's 1-byte inner content type (RFC 8446 §5.2) or TLS 1.2 AES-GCM's 8-byte
/// explicit nonce (RFC 5288 §3, [`super::tls12_keys::RECORD_OVERHEAD`]).
pub fn protected_overhead(version: Version) -> u64 {
    match version {
        Version::Tls13 => 5 + 1 + super::tls_keys::TAG_LEN as u64,
        Version::Tls12 => super::tls12_keys::RECORD_OVERHEAD as u64,
    }
}

impl AsRef<Message> for Message {
    fn as_ref(&self) -> &Message {
        self
    }
}

/// Each message's share of a flight's bytes on the wire, the flight sent together: in TLS 1.3
/// the encrypted messages that follow one another share records (as servers send
/// EncryptedExtensions to Finished in one: RFC 8448 §3), each record of at most 2^14 bytes of
/// content adding its 22 bytes to the message that opens it; every other message is alone in
/// its record ([`Message::wire_len`]). The shares add up to the flight's bytes.
pub fn flight_lens<M: AsRef<Message>>(msgs: &[M], version: Version) -> Vec<u64> {
    flight_lens_by(msgs, version, |m| m.message_len(version))
}

/// [`flight_lens`] with each message's length from `message_len` (a caller that knows some
/// lengths already: the engine's Certificate messages, whose chains it shares).
pub fn flight_lens_by<M: AsRef<Message>>(
    msgs: &[M],
    version: Version,
    message_len: impl Fn(&Message) -> u64,
) -> Vec<u64> {
    const MAX: u64 = 1 << 14;
    let mut out = Vec::with_capacity(msgs.len());
    // Bytes of content in the record being filled, if one is open.
    let mut open: Option<u64> = None;
    for m in msgs.iter().map(AsRef::as_ref) {
        let shared = version == Version::Tls13 && m.encrypted(version);
        let len = message_len(m);
        if !shared {
            open = None;
            out.push(len + m.record_overhead(version));
            continue;
        }
        let filled = open.unwrap_or(MAX);
        // New records: those the message starts beyond the open one's room.
        let room = MAX - filled.min(MAX);
        let beyond = len.saturating_sub(room);
        let records = beyond.div_ceil(MAX);
        out.push(len + 22 * records);
        open = Some(if records == 0 {
            filled + len
        } else {
            beyond - (records - 1) * MAX
        });
    }
    out
}

/// What a machine has to say after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Put this message on the wire.
    Send(Message),
    /// The client checked the server's certificate chain.
    Verified(Rc<Verdict>),
    /// This side now encrypts with the session keys.
    Keys,
    /// The client may send application data (its request) from now on.
    ReadyToSend,
    /// The handshake is complete.
    Connected {
        version: Version,
        suite: CipherSuite,
        alpn: &'static str,
        resumed: bool,
    },
    /// The handshake failed: the certificate was rejected.
    Failed(CertError),
}

/// The client's states, named after what it waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientState {
    ExpectServerHello,
    ExpectEncryptedExtensions,
    ExpectCertificate,
    ExpectCertificateVerify,
    ExpectServerKeyExchange,
    ExpectServerHelloDone,
    ExpectChangeCipherSpec,
    ExpectFinished,
    Connected,
    Failed,
}

impl fmt::Display for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientState::ExpectServerHello => "ExpectServerHello",
            ClientState::ExpectEncryptedExtensions => "ExpectEncryptedExtensions",
            ClientState::ExpectCertificate => "ExpectCertificate",
            ClientState::ExpectCertificateVerify => "ExpectCertificateVerify",
            ClientState::ExpectServerKeyExchange => "ExpectServerKeyExchange",
            ClientState::ExpectServerHelloDone => "ExpectServerHelloDone",
            ClientState::ExpectChangeCipherSpec => "ExpectChangeCipherSpec",
            ClientState::ExpectFinished => "ExpectFinished",
            ClientState::Connected => "Connected",
            ClientState::Failed => "Failed",
        })
    }
}

pub struct ClientConfig {
    pub host: String,
    pub alpn: &'static [&'static str],
    /// The browser's verifier, shared by its connections.
    pub verifier: Rc<cert::Verifier>,
    /// The simulated date, for the certificate's validity period.
    pub now_unix: i64,
    pub ticket: Option<Ticket>,
    pub client_chain: Option<Chain>,
    pub false_start: bool,
    pub random: String,
    pub key_share: String,
    pub secret: String,
    /// Over QUIC: the transport parameters it sends (hex).
    pub quic: Option<String>,
}

pub struct Client {
    cfg: ClientConfig,
    state: ClientState,
    version: Version,
    suite: CipherSuite,
    alpn: &'static str,
    kx: KeyExchange,
    resumed: bool,
    cert_requested: bool,
    server_chain: Option<Chain>,
    out: VecDeque<Output>,
}

impl Client {
    /// Starts the handshake: the ClientHello is the first output.
    pub fn new(cfg: ClientConfig) -> Client {
        // Over QUIC, BoringSSL offers TLS 1.3 alone and leaves out the middlebox-compatibility
        // session id (RFC 9001 §8.4; `ssl_add_client_hello`, `SSL_is_quic`).
        let over_quic = cfg.quic.is_some();
        let hello = Message::ClientHello {
            random: cfg.random.clone(),
            session_id: if over_quic {
                String::new()
            } else {
                cfg.random.chars().rev().collect()
            },
            suites: if over_quic {
                &QUIC_SUITES
            } else {
                &CLIENT_SUITES
            },
            sni: cfg.host.clone(),
            alpn: cfg.alpn,
            versions: if over_quic {
                &[Version::Tls13]
            } else {
                &[Version::Tls13, Version::Tls12]
            },
            key_share: cfg.key_share.clone(),
            resume: cfg.ticket.as_ref().map(|t| t.version),
            quic: cfg.quic.clone(),
        };
        let mut out = VecDeque::with_capacity(8);
        out.push_back(Output::Send(hello));
        Client {
            cfg,
            state: ClientState::ExpectServerHello,
            version: Version::Tls13,
            suite: CLIENT_SUITES[0],
            alpn: "http/1.1",
            kx: KeyExchange::Ecdhe,
            resumed: false,
            cert_requested: false,
            server_chain: None,
            out,
        }
    }

    pub fn state(&self) -> ClientState {
        self.state
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn send(&mut self, m: Message) {
        self.out.push_back(Output::Send(m));
    }

    fn fail(&mut self, e: CertError) {
        self.send(Message::Alert {
            from_client: true,
            code: e.alert_code(),
            description: e.alert(),
        });
        self.out.push_back(Output::Failed(e));
        self.state = ClientState::Failed;
    }

    fn connected(&mut self) {
        self.state = ClientState::Connected;
        self.out.push_back(Output::Connected {
            version: self.version,
            suite: self.suite,
            alpn: self.alpn,
            resumed: self.resumed,
        });
    }

    /// Checks the server's chain; false (and the alert queued) when it fails.
    fn check_certificate(&mut self) -> bool {
        let verdict = match &self.server_chain {
            Some(chain) => self
                .cfg
                .verifier
                .verify(chain, &self.cfg.host, self.cfg.now_unix),
            // No Certificate arrived (the states check only after one): an empty chain's verdict.
            None => Rc::new(cert::verify(
                &[],
                &self.cfg.host,
                self.cfg.now_unix,
                &cert::RootStore::default(),
            )),
        };
        let error = verdict.error;
        self.out.push_back(Output::Verified(verdict));
        match error {
            Some(e) => {
                self.fail(e);
                false
            }
            None => true,
        }
    }

    /// The client's second flight: its certificate if asked, the key exchange (TLS 1.2), the
    /// switch to the new keys and Finished.
    fn second_flight(&mut self) {
        if self.version == Version::Tls13 && self.cfg.quic.is_none() {
            // RFC 8446 §D.4, middlebox compatibility: BoringSSL sends a dummy ChangeCipherSpec
            // before its second flight (recorded from Chromium 156: `140303000101`); never over
            // QUIC (RFC 9001 §8.4, `tls_add_change_cipher_spec`).
            self.send(Message::ChangeCipherSpec { from_client: true });
        }
        if self.cert_requested {
            let chain = self
                .cfg
                .client_chain
                .clone()
                .unwrap_or_else(|| Rc::from([]));
            let has = !chain.is_empty();
            self.send(Message::Certificate {
                chain,
                from_client: true,
            });
            if self.version == Version::Tls12 && !self.resumed {
                self.send(Message::ClientKeyExchange {
                    kx: self.kx,
                    value: self.cfg.secret.clone(),
                });
            }
            if has {
                self.send(Message::CertificateVerify { from_client: true });
            }
        } else if self.version == Version::Tls12 && !self.resumed {
            self.send(Message::ClientKeyExchange {
                kx: self.kx,
                value: self.cfg.secret.clone(),
            });
        }
        if self.version == Version::Tls12 {
            self.send(Message::ChangeCipherSpec { from_client: true });
            self.out.push_back(Output::Keys);
        }
        self.send(Message::Finished { from_client: true });
    }

    pub fn handle(&mut self, m: &Message) {
        use ClientState as S;
        match (self.state, m) {
            (
                S::ExpectServerHello,
                Message::ServerHello {
                    version,
                    suite,
                    alpn,
                    resumed,
                    ..
                },
            ) => {
                self.version = *version;
                self.suite = *suite;
                self.resumed = *resumed;
                // A TLS 1.3 suite leaves the key exchange to the key_share: (EC)DHE.
                self.kx = suite.kx.unwrap_or(KeyExchange::Ecdhe);
                if let Some(a) = alpn {
                    self.alpn = a;
                }
                self.state = match (version, resumed) {
                    (Version::Tls13, _) => {
                        // Both key shares are known: handshake keys from here on (RFC 8446 §7.1).
                        self.out.push_back(Output::Keys);
                        S::ExpectEncryptedExtensions
                    }
                    (Version::Tls12, true) => S::ExpectChangeCipherSpec,
                    (Version::Tls12, false) => S::ExpectCertificate,
                };
            }
            (S::ExpectEncryptedExtensions, Message::EncryptedExtensions { alpn, .. }) => {
                self.alpn = alpn;
                self.state = if self.resumed {
                    S::ExpectFinished
                } else {
                    S::ExpectCertificate
                };
            }
            (S::ExpectCertificate | S::ExpectServerHelloDone, Message::CertificateRequest) => {
                self.cert_requested = true;
            }
            (
                S::ExpectCertificate,
                Message::Certificate {
                    chain,
                    from_client: false,
                },
            ) => {
                self.server_chain = Some(Rc::clone(chain));
                match self.version {
                    Version::Tls13 => self.state = S::ExpectCertificateVerify,
                    Version::Tls12 => {
                        // TLS 1.2 sends no proof of key possession: the chain is checked now.
                        if self.check_certificate() {
                            self.state = match self.kx {
                                KeyExchange::Ecdhe => S::ExpectServerKeyExchange,
                                KeyExchange::Rsa => S::ExpectServerHelloDone,
                            };
                        }
                    }
                }
            }
            (S::ExpectCertificateVerify, Message::CertificateVerify { from_client: false }) => {
                // TLS 1.3: the signature proves key possession; now the chain itself is checked.
                if !self.check_certificate() {
                    return;
                }
                self.state = S::ExpectFinished;
            }
            (S::ExpectServerKeyExchange, Message::ServerKeyExchange { .. }) => {
                self.state = S::ExpectServerHelloDone;
            }
            (S::ExpectServerHelloDone, Message::ServerHelloDone) => {
                self.second_flight();
                // RFC 7918: with a forward-secret key exchange and ALPN, Chromium may send its
                // request now instead of waiting a round trip for the server's Finished.
                if self.cfg.false_start && self.kx == KeyExchange::Ecdhe {
                    self.out.push_back(Output::ReadyToSend);
                }
                self.state = S::ExpectChangeCipherSpec;
            }
            (S::ExpectChangeCipherSpec, Message::NewSessionTicket { .. }) => {}
            (S::ExpectChangeCipherSpec, Message::ChangeCipherSpec { from_client: false }) => {
                self.state = S::ExpectFinished;
            }
            (
                S::ExpectFinished,
                Message::Finished {
                    from_client: false, ..
                },
            ) => match self.version {
                Version::Tls13 => {
                    self.second_flight();
                    self.out.push_back(Output::ReadyToSend);
                    self.connected();
                }
                Version::Tls12 => {
                    if self.resumed {
                        // Abbreviated handshake: the server finished first, the client answers.
                        self.second_flight();
                    }
                    let sent_early =
                        self.cfg.false_start && self.kx == KeyExchange::Ecdhe && !self.resumed;
                    if !sent_early {
                        self.out.push_back(Output::ReadyToSend);
                    }
                    self.connected();
                }
            },
            _ => {}
        }
    }
}

pub struct ServerConfig {
    pub max_version: Version,
    /// The server speaks HTTP/2: offered `h2`, ALPN picks it (RFC 7301 §3.2).
    pub h2: bool,
    pub kx: KeyExchange,
    pub chain: Chain,
    pub request_client_cert: bool,
    pub accept_ticket: bool,
    pub random: String,
    pub key_share: String,
    /// Over QUIC: the transport parameters it sends in EncryptedExtensions (hex).
    pub quic: Option<String>,
}

pub struct Server {
    cfg: ServerConfig,
    version: Version,
    resumed: bool,
    out: VecDeque<Output>,
    done: bool,
}

impl Server {
    pub fn new(cfg: ServerConfig) -> Server {
        Server {
            version: cfg.max_version,
            cfg,
            resumed: false,
            out: VecDeque::with_capacity(8),
            done: false,
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn send(&mut self, m: Message) {
        self.out.push_back(Output::Send(m));
    }

    fn suite(&self) -> CipherSuite {
        match (self.version, self.cfg.kx) {
            (Version::Tls13, _) => CLIENT_SUITES[0],
            (Version::Tls12, KeyExchange::Ecdhe) => CLIENT_SUITES[4],
            // TLS_RSA_WITH_AES_128_GCM_SHA256 (0x009c).
            (Version::Tls12, KeyExchange::Rsa) => CLIENT_SUITES[11],
        }
    }

    pub fn handle(&mut self, m: &Message) {
        match m {
            Message::ClientHello {
                versions,
                alpn,
                resume,
                quic,
                ..
            } => {
                // RFC 8446 §4.2.1: the highest version both support.
                self.version = versions
                    .iter()
                    .copied()
                    .filter(|v| *v <= self.cfg.max_version)
                    .max()
                    .unwrap_or(Version::Tls12);
                // A ticket resumes a session of the version it was issued in.
                self.resumed = *resume == Some(self.version) && self.cfg.accept_ticket;
                let over_quic = quic.is_some() && self.cfg.quic.is_some();
                let chosen = if over_quic && alpn.contains(&"h3") {
                    "h3"
                } else if self.cfg.h2 && alpn.contains(&"h2") {
                    "h2"
                } else if alpn.contains(&"http/1.1") {
                    "http/1.1"
                } else {
                    alpn.first().copied().unwrap_or("http/1.1")
                };
                let tls13 = self.version == Version::Tls13;
                self.send(Message::ServerHello {
                    version: self.version,
                    random: self.cfg.random.clone(),
                    suite: self.suite(),
                    key_share: tls13.then(|| self.cfg.key_share.clone()),
                    alpn: (!tls13).then_some(chosen),
                    resumed: self.resumed,
                    quic: over_quic,
                });
                if tls13 {
                    // RFC 8446 §D.4: a client that sent a legacy session id (every browser over
                    // TCP does) is in middlebox-compatibility mode, and the server answers its
                    // first handshake message with a dummy ChangeCipherSpec (as OpenSSL does);
                    // over QUIC there is none (RFC 9001 §8.4).
                    if !over_quic {
                        self.send(Message::ChangeCipherSpec { from_client: false });
                    }
                    self.out.push_back(Output::Keys);
                    self.send(Message::EncryptedExtensions {
                        alpn: chosen,
                        quic: self.cfg.quic.clone().filter(|_| over_quic),
                    });
                    if !self.resumed {
                        if self.cfg.request_client_cert {
                            self.send(Message::CertificateRequest);
                        }
                        self.send(Message::Certificate {
                            chain: self.cfg.chain.clone(),
                            from_client: false,
                        });
                        self.send(Message::CertificateVerify { from_client: false });
                    }
                    self.send(Message::Finished { from_client: false });
                } else if self.resumed {
                    // RFC 5246 §7.3 abbreviated handshake: straight to ChangeCipherSpec and Finished.
                    self.send(Message::NewSessionTicket { lifetime_s: 7200 });
                    self.send(Message::ChangeCipherSpec { from_client: false });
                    self.out.push_back(Output::Keys);
                    self.send(Message::Finished { from_client: false });
                } else {
                    self.send(Message::Certificate {
                        chain: self.cfg.chain.clone(),
                        from_client: false,
                    });
                    if self.cfg.kx == KeyExchange::Ecdhe {
                        self.send(Message::ServerKeyExchange {
                            key_share: self.cfg.key_share.clone(),
                        });
                    }
                    if self.cfg.request_client_cert {
                        self.send(Message::CertificateRequest);
                    }
                    self.send(Message::ServerHelloDone);
                }
            }
            Message::Finished {
                from_client: true, ..
            } if !self.done => {
                self.done = true;
                match self.version {
                    // RFC 8446 §4.6.1: tickets come after the handshake.
                    Version::Tls13 => self.send(Message::NewSessionTicket {
                        lifetime_s: 7 * 24 * 3600,
                    }),
                    Version::Tls12 if !self.resumed => {
                        self.send(Message::NewSessionTicket { lifetime_s: 7200 });
                        self.send(Message::ChangeCipherSpec { from_client: false });
                        self.out.push_back(Output::Keys);
                        self.send(Message::Finished { from_client: false });
                    }
                    Version::Tls12 => {}
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cert::{Certificate, RootStore};

    const DAY: i64 = 86_400;

    fn chain(host: &str) -> Chain {
        Rc::from(vec![
            Certificate {
                subject: host.into(),
                issuer: "CA".into(),
                san: vec![host.into()],
                not_before: 0,
                not_after: 100 * DAY,
                is_ca: false,
                key: cert::KeyKind::Rsa2048,
            },
            Certificate {
                subject: "CA".into(),
                issuer: "Root".into(),
                san: vec![],
                not_before: 0,
                not_after: 100 * DAY,
                is_ca: true,
                key: cert::KeyKind::Rsa2048,
            },
        ])
    }

    fn roots() -> RootStore {
        RootStore {
            roots: vec![Certificate {
                subject: "Root".into(),
                issuer: "Root".into(),
                san: vec![],
                not_before: 0,
                not_after: 100 * DAY,
                is_ca: true,
                key: cert::KeyKind::Rsa4096,
            }],
        }
    }

    /// A browser, with a ticket of a session of `ticket`'s version if given.
    fn client(ticket: Option<Version>, false_start: bool) -> Client {
        Client::new(client_config(ticket, false_start))
    }

    fn client_config(ticket: Option<Version>, false_start: bool) -> ClientConfig {
        ClientConfig {
            host: "a.test".into(),
            alpn: &["h2", "http/1.1"],
            verifier: Rc::new(cert::Verifier::new(roots())),
            now_unix: DAY,
            ticket: ticket.map(|version| Ticket {
                version,
                lifetime_s: 100,
            }),
            client_chain: None,
            false_start,
            random: "aa".repeat(32),
            key_share: "bb".repeat(32),
            secret: "cc".repeat(48),
            quic: None,
        }
    }

    fn server(version: Version, kx: KeyExchange, host: &str) -> Server {
        Server::new(server_config(version, kx, host))
    }

    fn server_config(version: Version, kx: KeyExchange, host: &str) -> ServerConfig {
        ServerConfig {
            h2: false,
            max_version: version,
            kx,
            chain: chain(host),
            request_client_cert: false,
            accept_ticket: true,
            random: "dd".repeat(32),
            key_share: "ee".repeat(32),
            quic: None,
        }
    }

    /// Over QUIC (RFC 9001 §8): TLS 1.3 alone, no session id, no ChangeCipherSpec either way,
    /// ALPN h3, and each side's transport parameters in its first message.
    #[test]
    fn over_quic_the_handshake_has_no_change_cipher_spec() {
        let mut c = Client::new(ClientConfig {
            alpn: &["h3"],
            quic: Some("0102".into()),
            ..client_config(None, false)
        });
        let mut s = Server::new(ServerConfig {
            quic: Some("0304".into()),
            ..server_config(Version::Tls13, KeyExchange::Ecdhe, "a.test")
        });
        let flights = run(&mut c, &mut s);
        let names: Vec<&str> = flights
            .iter()
            .flat_map(|(_, n, _)| n.iter().copied())
            .collect();
        assert!(!names.contains(&"ChangeCipherSpec"), "{names:?}");
        assert_eq!(
            flights.iter().map(|(_, n, _)| n.len()).collect::<Vec<_>>(),
            [1, 5, 1, 1],
            "{flights:?}"
        );
        let mut c = Client::new(ClientConfig {
            alpn: &["h3"],
            quic: Some("0102".into()),
            ..client_config(None, false)
        });
        let Some(Output::Send(Message::ClientHello {
            session_id,
            versions,
            suites,
            ..
        })) = c.poll_output()
        else {
            panic!("a ClientHello")
        };
        assert!(session_id.is_empty());
        assert_eq!(versions, &[Version::Tls13]);
        assert_eq!(suites.len(), 3);
        let mut s = Server::new(ServerConfig {
            quic: Some("0304".into()),
            ..server_config(Version::Tls13, KeyExchange::Ecdhe, "a.test")
        });
        let hello = client(None, false).poll_output();
        let Some(Output::Send(tcp_hello)) = hello else {
            panic!("a ClientHello")
        };
        s.handle(&tcp_hello);
        let ee = std::iter::from_fn(|| s.poll_output()).find_map(|o| match o {
            Output::Send(m @ Message::EncryptedExtensions { .. }) => Some(m),
            _ => None,
        });
        assert_eq!(
            ee,
            Some(Message::EncryptedExtensions {
                alpn: "http/1.1",
                quic: None
            }),
            "a ClientHello over TCP gets no transport parameters"
        );
    }

    /// Runs the handshake flight by flight; returns each flight's message names, and whether the
    /// client became ready to send after that flight.
    fn run(c: &mut Client, s: &mut Server) -> Vec<(bool, Vec<&'static str>, bool)> {
        let mut flights = Vec::new();
        let mut to_server: Vec<Message> = Vec::new();
        let drain_client = |c: &mut Client, to_server: &mut Vec<Message>| {
            let mut ready = false;
            while let Some(o) = c.poll_output() {
                match o {
                    Output::Send(m) => to_server.push(m),
                    Output::ReadyToSend => ready = true,
                    _ => {}
                }
            }
            ready
        };
        drain_client(c, &mut to_server);
        for _ in 0..6 {
            if to_server.is_empty() {
                break;
            }
            flights.push((true, to_server.iter().map(name).collect(), false));
            let mut to_client = Vec::new();
            for m in to_server.drain(..) {
                s.handle(&m);
            }
            while let Some(o) = s.poll_output() {
                if let Output::Send(m) = o {
                    to_client.push(m);
                }
            }
            if to_client.is_empty() {
                break;
            }
            let mut ready = false;
            let names = to_client.iter().map(name).collect();
            for m in &to_client {
                c.handle(m);
                ready |= drain_client(c, &mut to_server);
            }
            flights.push((false, names, ready));
        }
        flights
    }

    /// Runs a whole handshake: the client and its flights.
    type Flights = Vec<(bool, Vec<&'static str>, bool)>;
    fn handshake(
        ticket: bool,
        false_start: bool,
        v: Version,
        kx: KeyExchange,
        host: &str,
    ) -> (Client, Flights) {
        let (mut c, mut s) = (
            client(ticket.then_some(v), false_start),
            server(v, kx, host),
        );
        let f = run(&mut c, &mut s);
        (c, f)
    }

    fn name(m: &Message) -> &'static str {
        match m {
            Message::ClientHello { .. } => "ClientHello",
            Message::ServerHello { .. } => "ServerHello",
            Message::EncryptedExtensions { .. } => "EncryptedExtensions",
            Message::CertificateRequest => "CertificateRequest",
            Message::Certificate { .. } => "Certificate",
            Message::CertificateVerify { .. } => "CertificateVerify",
            Message::ServerKeyExchange { .. } => "ServerKeyExchange",
            Message::ServerHelloDone => "ServerHelloDone",
            Message::ClientKeyExchange { .. } => "ClientKeyExchange",
            Message::ChangeCipherSpec { .. } => "ChangeCipherSpec",
            Message::Finished { .. } => "Finished",
            Message::NewSessionTicket { .. } => "NewSessionTicket",
            Message::Alert { .. } => "Alert",
        }
    }

    #[test]
    fn tls13_is_one_round_trip() {
        let (c, f) = handshake(false, false, Version::Tls13, KeyExchange::Ecdhe, "a.test");
        assert_eq!(f[0].1, ["ClientHello"]);
        // With the ChangeCipherSpec records of middlebox compatibility (RFC 8446 §D.4).
        assert_eq!(
            f[1].1,
            [
                "ServerHello",
                "ChangeCipherSpec",
                "EncryptedExtensions",
                "Certificate",
                "CertificateVerify",
                "Finished"
            ]
        );
        assert!(f[1].2, "ready to send after one round trip");
        assert_eq!(f[2].1, ["ChangeCipherSpec", "Finished"]);
        assert_eq!(c.state(), ClientState::Connected);
    }

    #[test]
    fn tls12_rsa_is_two_round_trips() {
        let (_, f) = handshake(false, false, Version::Tls12, KeyExchange::Rsa, "a.test");
        assert_eq!(f[1].1, ["ServerHello", "Certificate", "ServerHelloDone"]);
        assert!(!f[1].2);
        assert_eq!(
            f[2].1,
            ["ClientKeyExchange", "ChangeCipherSpec", "Finished"]
        );
        assert_eq!(f[3].1, ["NewSessionTicket", "ChangeCipherSpec", "Finished"]);
        assert!(f[3].2, "ready only after the server's Finished");
    }

    #[test]
    fn tls12_ecdhe_with_false_start() {
        let (_, f) = handshake(false, true, Version::Tls12, KeyExchange::Ecdhe, "a.test");
        assert_eq!(
            f[1].1,
            [
                "ServerHello",
                "Certificate",
                "ServerKeyExchange",
                "ServerHelloDone"
            ]
        );
        assert!(f[1].2, "False Start: ready after the first round trip");
        assert!(!f[3].2);
    }

    /// A ticket resumes only a session of its own version: a TLS 1.3 ticket offered to a
    /// server that speaks TLS 1.2 gets a full handshake.
    #[test]
    fn a_ticket_of_another_version_does_not_resume() {
        let (mut c, mut s) = (
            client(Some(Version::Tls13), false),
            server(Version::Tls12, KeyExchange::Ecdhe, "a.test"),
        );
        let f = run(&mut c, &mut s);
        assert_eq!(f[1].1[..2], ["ServerHello", "Certificate"]);
        assert_eq!(c.state(), ClientState::Connected);
    }

    #[test]
    fn resumption_skips_the_certificate() {
        let (_, f) = handshake(true, false, Version::Tls13, KeyExchange::Ecdhe, "a.test");
        assert_eq!(
            f[1].1,
            [
                "ServerHello",
                "ChangeCipherSpec",
                "EncryptedExtensions",
                "Finished"
            ]
        );
        let (_, f) = handshake(true, false, Version::Tls12, KeyExchange::Ecdhe, "a.test");
        assert_eq!(
            f[1].1,
            [
                "ServerHello",
                "NewSessionTicket",
                "ChangeCipherSpec",
                "Finished"
            ]
        );
        assert_eq!(f[2].1, ["ChangeCipherSpec", "Finished"]);
        assert!(f[1].2, "abbreviated handshake: one round trip");
    }

    #[test]
    fn wrong_host_ends_with_an_alert() {
        let (c, f) = handshake(false, false, Version::Tls13, KeyExchange::Ecdhe, "b.test");
        assert_eq!(f.last().map(|x| x.1.clone()), Some(vec!["Alert"]));
        assert_eq!(c.state(), ClientState::Failed);
    }

    #[test]
    fn the_servers_suites_are_the_ones_named() {
        assert_eq!(CLIENT_SUITES[4].code, 0xc02f);
        assert_eq!(CLIENT_SUITES[11].code, 0x009c);
    }

    #[test]
    fn the_suites_text_is_the_list() {
        let joined: Vec<String> = CLIENT_SUITES.iter().map(|s| s.to_string()).collect();
        assert_eq!(CLIENT_SUITES_TEXT, joined.join(", "));
    }

    #[test]
    fn sizes_follow_the_structures() {
        let sh = Message::ServerHello {
            version: Version::Tls13,
            random: String::new(),
            suite: CLIENT_SUITES[0],
            key_share: None,
            alpn: None,
            resumed: false,
            quic: false,
        };
        // RFC 8448 §3's ServerHello is 90 bytes with an empty legacy session id; a browser's
        // is echoed, 32 bytes more; the record adds 5.
        assert_eq!(sh.wire_len(Version::Tls13), 90 + 32 + 5);
        assert!(!sh.encrypted(Version::Tls13));
        assert!(Message::EncryptedExtensions {
            alpn: "h2",
            quic: None,
        }
        .encrypted(Version::Tls13));
    }

    #[test]
    fn a_flights_encrypted_messages_share_records() {
        let ee = Message::EncryptedExtensions {
            alpn: "h2",
            quic: None,
        };
        let fin = Message::Finished { from_client: false };
        let v = Version::Tls13;
        let lens = flight_lens(&[ee.clone(), fin.clone()], v);
        assert_eq!(lens, [ee.message_len(v) + 22, fin.message_len(v)]);
        // Over 2^14 bytes of content, a second record adds its 22 bytes.
        let many = vec![fin.clone(); 500];
        let total: u64 = flight_lens(&many, v).iter().sum();
        assert_eq!(total, 500 * 36 + 2 * 22);
        // TLS 1.2: each message in its own record.
        let v12 = Version::Tls12;
        assert_eq!(
            flight_lens(std::slice::from_ref(&fin), v12),
            [fin.wire_len(v12)]
        );
    }
}

/// How a message appears in the trace: its step id, a one-line summary and its fields.
pub mod present {
    use super::{CipherSuite, KeyExchange, Message, Version};
    use crate::model::step::{steps, StepId};
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    pub fn step(m: &Message) -> StepId {
        match m {
            Message::ClientHello { .. } => steps::TLS_CLIENT_HELLO,
            Message::ServerHello { .. } => steps::TLS_SERVER_HELLO,
            Message::EncryptedExtensions { .. } => steps::TLS_ENCRYPTED_EXTENSIONS,
            Message::CertificateRequest => steps::TLS_CERTIFICATE_REQUEST,
            Message::Certificate {
                from_client: false, ..
            } => steps::TLS_CERTIFICATE,
            Message::Certificate {
                from_client: true, ..
            } => steps::TLS_CLIENT_CERTIFICATE,
            Message::CertificateVerify { from_client: false } => steps::TLS_CERTIFICATE_VERIFY,
            Message::CertificateVerify { from_client: true } => {
                steps::TLS_CLIENT_CERTIFICATE_VERIFY
            }
            Message::ServerKeyExchange { .. } => steps::TLS_SERVER_KEY_EXCHANGE,
            Message::ServerHelloDone => steps::TLS_SERVER_HELLO_DONE,
            Message::ClientKeyExchange { .. } => steps::TLS_CLIENT_KEY_EXCHANGE,
            Message::ChangeCipherSpec { from_client: true } => steps::TLS_CHANGE_CIPHER_SPEC,
            Message::ChangeCipherSpec { from_client: false } => {
                steps::TLS_SERVER_CHANGE_CIPHER_SPEC
            }
            Message::Finished {
                from_client: true, ..
            } => steps::TLS_FINISHED,
            Message::Finished {
                from_client: false, ..
            } => steps::TLS_SERVER_FINISHED,
            Message::NewSessionTicket { .. } => steps::TLS_NEW_SESSION_TICKET,
            Message::Alert { .. } => steps::TLS_ALERT,
        }
    }

    /// The ClientHello's fields that differ over TCP: key shares, signature schemes and the
    /// extensions' order, all with GREASE (RFC 8701).
    fn tcp_client_hello_fields(f: &mut Vec<Field>, random: &str) {
        f.push(
            Field::new(
                "key_share",
                "GREASE (1 byte), X25519MLKEM768 (1,216 bytes: an ML-KEM-768 key, then an X25519 key), x25519 (32 bytes)",
            )
            .spec("RFC 8446 §4.2.8"),
        );
        f.push(Field::new(
            "signature_algorithms",
            "GREASE, ML-DSA-44/65/87, ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256, …",
        ));
        let d = crate::model::tls_messages::draws(&crate::model::tls_messages::bytes32(random));
        f.push(Field::new(
            "extensions",
            format!(
                "{} in this order: BoringSSL shuffles them for every connection, a GREASE one first and last",
                crate::model::tls_messages::extension_names(&d).join(", ")
            ),
        ));
    }

    /// The same over QUIC (no GREASE), and the transport parameters, each by name.
    fn quic_client_hello_fields(f: &mut Vec<Field>, random: &str, sni: &str, params: &str) {
        f.push(
            Field::new(
                "key_share",
                "X25519MLKEM768 (1,216 bytes: an ML-KEM-768 key, then an X25519 key), x25519 (32 bytes)",
            )
            .spec("RFC 8446 §4.2.8"),
        );
        f.push(Field::new(
            "signature_algorithms",
            "ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256, …, rsa_pkcs1_sha1",
        ));
        f.push(Field::new(
            "extensions",
            format!(
                "{} in this order: BoringSSL shuffles them for every connection",
                crate::model::quic_tls::extension_names(random, sni).join(", ")
            ),
        ));
        let bytes = crate::model::tls_messages::unhex(params);
        let listed = crate::model::quic_transport::decode(&bytes).map(|ps| {
            ps.iter()
                .map(|p| match crate::model::quic_transport::int(p) {
                    Some(v) if p.name() != "GREASE" => format!("{} {v}", p.name()),
                    _ => format!("{} ({} bytes)", p.name(), p.value.len()),
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        f.push(
            Field::new(
                "quic_transport_parameters",
                listed.unwrap_or_else(|| format!("{} bytes", bytes.len())),
            )
            .spec("RFC 9000 §18"),
        );
    }

    fn short(hex: &str) -> String {
        if hex.len() > 16 {
            format!(
                "{}…{} ({} bytes)",
                &hex[..8],
                &hex[hex.len() - 8..],
                hex.len() / 2
            )
        } else {
            hex.to_string()
        }
    }

    pub fn summary(m: &Message, version: Version) -> String {
        match m {
            Message::ClientHello {
                sni,
                resume,
                suites,
                quic,
                ..
            } => format!(
                "ClientHello: TLS {}, {} cipher suites, SNI {sni}{}",
                // Over QUIC, TLS 1.3 alone (RFC 9001 §4.2).
                if quic.is_some() { "1.3" } else { "1.3 and 1.2" },
                suites.len(),
                if resume.is_some() {
                    ", with a session ticket"
                } else {
                    ""
                }
            ),
            Message::ServerHello {
                version,
                suite,
                resumed,
                ..
            } => {
                let v = if *version == Version::Tls13 {
                    "TLS 1.3"
                } else {
                    "TLS 1.2"
                };
                format!(
                    "ServerHello: {v}, {}{}",
                    suite.name,
                    if *resumed {
                        ", resuming the session"
                    } else {
                        ""
                    }
                )
            }
            Message::EncryptedExtensions { alpn, .. } => {
                format!("EncryptedExtensions: ALPN {alpn}")
            }
            Message::CertificateRequest => {
                "CertificateRequest: the server wants a client certificate".into()
            }
            Message::Certificate { chain, from_client } => {
                let who = if *from_client { "client" } else { "server" };
                match chain.first() {
                    Some(c) => format!("Certificate ({who}): {} issued by {}", c.subject, c.issuer),
                    None => format!("Certificate ({who}): empty (no certificate to offer)"),
                }
            }
            Message::CertificateVerify { from_client } => format!(
                "CertificateVerify: the {} signs the handshake",
                if *from_client { "client" } else { "server" }
            ),
            Message::ServerKeyExchange { .. } => {
                "ServerKeyExchange: an ephemeral x25519 key, signed".into()
            }
            Message::ServerHelloDone => "ServerHelloDone".into(),
            Message::ClientKeyExchange {
                kx: KeyExchange::Rsa,
                ..
            } => "ClientKeyExchange: the pre-master secret, encrypted with the server's RSA key"
                .into(),
            Message::ClientKeyExchange {
                kx: KeyExchange::Ecdhe,
                ..
            } => "ClientKeyExchange: the client's ephemeral x25519 key".into(),
            Message::ChangeCipherSpec { from_client } if version == Version::Tls13 => format!(
                "ChangeCipherSpec ({}): a dummy record for middleboxes, ignored",
                if *from_client { "client" } else { "server" }
            ),
            Message::ChangeCipherSpec { from_client } => format!(
                "ChangeCipherSpec: the {} switches to the session keys",
                if *from_client { "client" } else { "server" }
            ),
            Message::Finished { from_client, .. } => format!(
                "Finished ({}): a MAC over the whole handshake{}",
                if *from_client { "client" } else { "server" },
                if version == Version::Tls13 || !*from_client {
                    ""
                } else {
                    ", encrypted"
                }
            ),
            Message::NewSessionTicket { lifetime_s } => {
                format!("NewSessionTicket: resume within {} h", lifetime_s / 3600)
            }
            Message::Alert { description, .. } => format!("Alert: fatal, {description}"),
        }
    }

    /// A handshake message as its event keeps it, its words written when read: the message,
    /// the version negotiated, and for the first message of a flight the TCP bytes that carry
    /// the flight (all of its records' bytes, the first sequence number, and that number
    /// relative to the sender's initial one).
    #[derive(Clone, Debug)]
    pub struct Record {
        pub msg: Rc<Message>,
        pub version: Version,
        pub carried: Option<(u64, u32, u32)>,
    }

    impl Detail for Record {
        fn summary(&self) -> Cow<'static, str> {
            summary(&self.msg, self.version).into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = fields(&self.msg, self.version);
            if let Some((bytes, seq, relative)) = self.carried {
                f.push(Field::new(
                    "tcp",
                    format_args!(
                        "{bytes} byte(s) of TLS records from seq {seq} (relative {relative})"
                    ),
                ));
            }
            f
        }
    }

    pub fn fields(m: &Message, version: Version) -> Vec<Field> {
        let mut f = Vec::new();
        // TLS 1.3 hides the real content type inside the encryption: every encrypted record
        // says application_data outside (RFC 8446 §5.2). TLS 1.2 keeps the handshake type.
        let enc = match (m.encrypted(version), version) {
            (false, _) => "plaintext",
            (true, Version::Tls13) => {
                "encrypted: an application_data record (type 23) with the handshake message inside"
            }
            (true, Version::Tls12) => "encrypted: a handshake record (type 22) under the new keys",
        };
        match m {
            Message::ClientHello {
                random,
                session_id,
                suites,
                sni,
                alpn,
                versions,
                // The seeded private key: its public key is in the capture's bytes.
                key_share: _,
                resume,
                quic,
            } => {
                f.push(
                    Field::new("legacy_version", "0x0303 (TLS 1.2, kept for middleboxes)")
                        .spec("RFC 8446 §4.1.2"),
                );
                f.push(Field::new("random", short(random)));
                f.push(Field::new(
                    "legacy_session_id",
                    if quic.is_some() {
                        "empty: no middlebox compatibility mode over QUIC (RFC 9001 §8.4)"
                            .to_string()
                    } else if *resume == Some(Version::Tls12) {
                        // BoringSSL's id for a ticket session: its ticket's SHA-256.
                        "32 bytes: the SHA-256 of the ticket it offers".to_string()
                    } else {
                        short(session_id)
                    },
                ));
                f.push(Field::new(
                    "cipher_suites",
                    if suites[..] == super::CLIENT_SUITES[..] {
                        format!("a GREASE value (RFC 8701), {}", super::CLIENT_SUITES_TEXT)
                    } else {
                        suites
                            .iter()
                            .map(CipherSuite::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ));
                f.push(Field::new("server_name (SNI)", sni).spec("RFC 6066 §3"));
                f.push(Field::new("alpn", alpn.join(", ")).spec("RFC 7301"));
                f.push(
                    Field::new(
                        "supported_versions",
                        versions
                            .iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                    .spec("RFC 8446 §4.2.1"),
                );
                if let Some(params) = quic {
                    quic_client_hello_fields(&mut f, random, sni, params);
                } else {
                    tcp_client_hello_fields(&mut f, random);
                }
                let d =
                    crate::model::tls_messages::draws(&crate::model::tls_messages::bytes32(random));
                f.push(Field::new(
                    "encrypted_client_hello",
                    format!(
                        "GREASE: {} bytes of random payload, sent to every server (the real ECH needs the server's HTTPS record)",
                        d.ech_payload
                    ),
                ));
                match resume {
                    Some(Version::Tls13) => f.push(
                        Field::new(
                            "pre_shared_key",
                            "a TLS 1.3 ticket from an earlier connection, with its binder",
                        )
                        .spec("RFC 8446 §4.2.11"),
                    ),
                    Some(Version::Tls12) => f.push(
                        Field::new(
                            "session_ticket",
                            "a TLS 1.2 ticket from an earlier connection; the session id is its SHA-256, which the server echoes if it resumes",
                        )
                        .spec("RFC 5077 §3.4"),
                    ),
                    None => {}
                }
            }
            Message::ServerHello {
                version,
                random,
                suite,
                key_share,
                alpn,
                resumed,
                ..
            } => {
                f.push(Field::new("selected_version", version).spec("RFC 8446 §4.2.1"));
                f.push(Field::new("random", short(random)));
                f.push(Field::new("cipher_suite", suite));
                if key_share.is_some() {
                    f.push(
                        Field::new("key_share", "x25519 (32 bytes), the browser's second offer")
                            .spec("RFC 8446 §4.2.8"),
                    );
                }
                if let Some(a) = alpn {
                    f.push(Field::new("alpn", a));
                }
                if *version == Version::Tls12 {
                    f.push(
                        Field::new(
                            "extended_master_secret",
                            "agreed: the master secret hashes the whole handshake so far, not only the randoms",
                        )
                        .spec("RFC 7627 §4"),
                    );
                }
                f.push(Field::new(
                    "resumed",
                    if *resumed {
                        "yes: no certificate this time"
                    } else {
                        "no: full handshake"
                    },
                ));
            }
            Message::EncryptedExtensions { alpn, .. } => {
                f.push(Field::new("alpn", alpn).spec("RFC 7301 §3.1"))
            }
            Message::CertificateRequest => f.push(Field::new(
                "signature_algorithms",
                "ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256",
            )),
            Message::Certificate { chain, .. } => {
                for (i, c) in chain.iter().enumerate() {
                    f.push(Field::new(
                        format!("certificate[{i}]"),
                        format!("subject {}, issuer {}, {}", c.subject, c.issuer, c.key),
                    ));
                    if !c.san.is_empty() {
                        f.push(
                            Field::new(
                                format!("certificate[{i}].subjectAltName"),
                                c.san.join(", "),
                            )
                            .spec("RFC 5280 §4.2.1.6"),
                        );
                    }
                    f.push(Field::new(
                        format!("certificate[{i}].validity"),
                        format!(
                            "{} to {}",
                            crate::model::http_date::date_only(c.not_before),
                            crate::model::http_date::date_only(c.not_after)
                        ),
                    ));
                }
            }
            Message::CertificateVerify { from_client: false } => f.push(
                Field::new("signature", "rsa_pss_rsae_sha256 over the transcript hash")
                    .spec("RFC 8446 §4.4.3"),
            ),
            // The browser's certificate has a P-256 key (`connection::client_chain`).
            Message::CertificateVerify { from_client: true } => f.push(
                Field::new(
                    "signature",
                    if version == Version::Tls13 {
                        "ecdsa_secp256r1_sha256 with the browser's key, over the transcript hash"
                    } else {
                        "ecdsa_secp256r1_sha256 with the browser's key, over every handshake message so far"
                    },
                )
                .spec(if version == Version::Tls13 {
                    "RFC 8446 §4.4.3"
                } else {
                    "RFC 5246 §7.4.8"
                }),
            ),
            // The seeded private key: its public key is in the capture's bytes.
            Message::ServerKeyExchange { key_share: _ } => {
                f.push(Field::new("curve", "x25519 (named_curve 29)").spec("RFC 8422 §5.4"));
                f.push(Field::new(
                    "public",
                    "32 bytes: the server's ephemeral x25519 key, new for this connection",
                ));
                f.push(
                    Field::new(
                        "signature",
                        "rsa_pss_rsae_sha256 (256 bytes) over both randoms and the key: proves the certificate's owner chose it",
                    )
                    .spec("RFC 8446 §4.2.3"),
                );
            }
            Message::ServerHelloDone => {}
            Message::ClientKeyExchange { kx, value } => match kx {
                KeyExchange::Rsa => {
                    f.push(
                        Field::new(
                            "pre_master_secret",
                            format!("48 bytes: 0x0303 + 46 random bytes, {}", short(value)),
                        )
                        .spec("RFC 5246 §7.4.7.1"),
                    );
                    f.push(
                        Field::new(
                            "encrypted_pre_master_secret",
                            "256 bytes: RSAES-PKCS1-v1_5 to the certificate's 2048-bit key",
                        )
                        .spec("RFC 8017 §7.2"),
                    );
                    f.push(Field::new(
                        "forward_secrecy",
                        "none: the server's private key decrypts every recorded session",
                    ));
                }
                KeyExchange::Ecdhe => {
                    f.push(
                        Field::new(
                            "public",
                            "32 bytes: the browser's ephemeral x25519 key; with the server's it gives the pre-master secret",
                        )
                        .spec("RFC 8422 §5.7"),
                    );
                    f.push(Field::new(
                        "forward_secrecy",
                        "yes: the keys are thrown away after the handshake",
                    ));
                }
            },
            Message::ChangeCipherSpec { .. } if version == Version::Tls13 => f.push(
                Field::new(
                    "content_type",
                    "change_cipher_spec (20), 1 byte: 0x01, never encrypted; the peer drops it",
                )
                .spec("RFC 8446 §D.4"),
            ),
            Message::ChangeCipherSpec { .. } => f.push(
                Field::new("content_type", "change_cipher_spec (20), 1 byte: 0x01")
                    .spec("RFC 5246 §7.1"),
            ),
            Message::Finished { .. } => {
                let len = if version == Version::Tls13 {
                    "32 bytes: an HMAC-SHA256 over the transcript, keyed from the handshake secret"
                } else {
                    "12 bytes: the PRF of the master secret over the transcript"
                };
                f.push(Field::new("verify_data", len));
            }
            Message::NewSessionTicket { lifetime_s } => {
                f.push(Field::new("ticket_lifetime", format!("{lifetime_s} s")))
            }
            Message::Alert { description, .. } => f.push(
                Field::new("alert", format!("level fatal (2), {description}"))
                    .spec("RFC 8446 §6.2"),
            ),
        }
        f.push(Field::new(
            "record",
            format!("{} bytes of message, {enc}", m.message_len(version)),
        ));
        f
    }
}
