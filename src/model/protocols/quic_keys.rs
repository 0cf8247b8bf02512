//! QUIC's packet protection keys (RFC 9001 §5): the Initial secrets every observer can derive
//! from the client's first Destination Connection ID (§5.2), each packet-number space's AEAD
//! key, IV and header-protection key from its secret (§5.1), the packet's nonce (§5.3) and the
//! header-protection mask (§5.4).
//!
//! Modelled: QUIC version 1's Initial salt; the AES-based suites' header protection (AES-ECB
//! over the sample, §5.4.3), which TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384 use. Left
//! out: ChaCha20 header protection (§5.4.4), key updates (§6) and Retry integrity (§5.8).
//! Chromium's implementation of the same derivation is quiche's `CryptoUtils::CreateInitialObfuscators`
//! (https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/crypto/crypto_utils.cc).

use super::tls_keys::{expand_label, Aead, Hash, NONCE_LEN};
use aes_gcm::aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};

/// The salt of QUIC version 1's Initial secret (RFC 9001 §5.2).
pub const INITIAL_SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];

/// The bytes of ciphertext sampled for header protection (§5.4.2).
pub const SAMPLE_LEN: usize = 16;

/// The Initial secrets of a connection, from the Destination Connection ID of the client's
/// first Initial packet (§5.2): SHA-256 throughout, AEAD_AES_128_GCM for the packets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialSecrets {
    pub initial_secret: Vec<u8>,
    pub client: Vec<u8>,
    pub server: Vec<u8>,
}

impl InitialSecrets {
    pub fn new(client_dcid: &[u8]) -> InitialSecrets {
        let initial_secret = Hash::Sha256.extract(&INITIAL_SALT_V1, client_dcid);
        let side = |label| expand_label(Hash::Sha256, &initial_secret, label, &[], 32);
        InitialSecrets {
            client: side("client in"),
            server: side("server in"),
            initial_secret,
        }
    }

    /// One side's Initial packet keys.
    pub fn keys(&self, client: bool) -> PacketKeys {
        let secret = if client { &self.client } else { &self.server };
        PacketKeys::from_secret(Aead::Aes128Gcm, Hash::Sha256, secret)
    }
}

/// The Initial secrets and one side's keys as the inspector lists them: the secret both sides
/// start from, then the side's secret, AEAD key, IV and header-protection key (RFC 9001 §5.2,
/// §A.1 lists the same five for the connection ID `8394c8f03e515708`).
pub fn initial_fields(client_dcid: &[u8], client: bool) -> Vec<crate::model::trace::Field> {
    use crate::model::trace::Field;
    let hex = super::quic_present::hex;
    let s = InitialSecrets::new(client_dcid);
    let k = s.keys(client);
    let who = if client { "client" } else { "server" };
    vec![
        Field::new("initial_secret", hex(&s.initial_secret)).spec("RFC 9001 §5.2"),
        Field::new(
            format!("{who}_initial_secret"),
            hex(if client { &s.client } else { &s.server }),
        ),
        Field::new(format!("{who}_key"), hex(&k.key)).spec("RFC 9001 §5.1"),
        Field::new(format!("{who}_iv"), hex(&k.iv)),
        Field::new(format!("{who}_hp"), hex(&k.hp)).spec("RFC 9001 §5.4"),
    ]
}

/// A sender's keys in one packet-number space (§5.1): the AEAD key, the IV its nonces come from,
/// and the header-protection key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketKeys {
    pub aead: Aead,
    pub key: Vec<u8>,
    pub iv: [u8; NONCE_LEN],
    pub hp: Vec<u8>,
}

/// Header protection with a key this model does not apply (ChaCha20's, §5.4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsupportedHeaderProtection;

impl PacketKeys {
    /// The labels are TLS 1.3's HKDF-Expand-Label with QUIC's names: "quic key", "quic iv",
    /// "quic hp" (§5.1).
    pub fn from_secret(aead: Aead, hash: Hash, secret: &[u8]) -> PacketKeys {
        let key_len = aead.key_len();
        let mut iv = [0; NONCE_LEN];
        iv.copy_from_slice(&expand_label(hash, secret, "quic iv", &[], NONCE_LEN));
        PacketKeys {
            aead,
            key: expand_label(hash, secret, "quic key", &[], key_len),
            iv,
            hp: expand_label(hash, secret, "quic hp", &[], key_len),
        }
    }

    /// A packet's nonce: its full packet number, left-padded to the IV's length, XORed with
    /// the IV (§5.3).
    pub fn nonce(&self, packet_number: u64) -> [u8; NONCE_LEN] {
        let mut n = self.iv;
        for (i, b) in packet_number.to_be_bytes().iter().enumerate() {
            n[NONCE_LEN - 8 + i] ^= b;
        }
        n
    }

    /// The five mask bytes for a packet whose ciphertext sample is `sample` (§5.4.1, §5.4.3:
    /// the first five bytes of the sample encrypted under the hp key with AES-ECB).
    pub fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> Result<[u8; 5], UnsupportedHeaderProtection> {
        let mut block = GenericArray::clone_from_slice(sample);
        match self.aead {
            Aead::Aes128Gcm => aes_gcm::aes::Aes128::new_from_slice(&self.hp)
                .map_err(|_| UnsupportedHeaderProtection)?
                .encrypt_block(&mut block),
            Aead::Aes256Gcm => aes_gcm::aes::Aes256::new_from_slice(&self.hp)
                .map_err(|_| UnsupportedHeaderProtection)?
                .encrypt_block(&mut block),
            Aead::ChaCha20Poly1305 => return Err(UnsupportedHeaderProtection),
        }
        let mut mask = [0; 5];
        mask.copy_from_slice(&block[..5]);
        Ok(mask)
    }
}
