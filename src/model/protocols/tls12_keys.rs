//! TLS 1.2's cryptography (RFC 5246), computed for real with the same crates as TLS 1.3's
//! ([`crate::model::tls_keys`]): the PRF (§5), the master secret — with the extended master
//! secret of RFC 7627, which Chromium offers and servers accept, so it is the one used — the key
//! block (§6.3), the Finished message's `verify_data` (§7.4.9), and the AES-GCM record
//! protection of RFC 5288 (a 4-byte implicit salt from the key block, an 8-byte explicit nonce
//! sent in each record).
//!
//! Modelled: the AES-GCM suites of both key exchanges, the ones the model's servers choose
//! (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `TLS_RSA_WITH_AES_128_GCM_SHA256`) and their
//! AES-256/SHA-384 twins. Left out: CBC suites (MAC-then-encrypt), ChaCha20-Poly1305 in TLS 1.2
//! (RFC 7905's nonce), and a handshake without the extended master secret.

use super::tls_keys::{Aead, Hash, TAG_LEN};

/// A TLS 1.2 AEAD cipher suite: its record protection and the hash of its PRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite12 {
    pub code: u16,
    pub aead: Aead,
    pub hash: Hash,
}

/// The explicit part of an AES-GCM record's nonce, sent before the ciphertext (RFC 5288 §3).
pub const EXPLICIT_NONCE_LEN: usize = 8;
/// The implicit part, from the key block.
pub const SALT_LEN: usize = 4;
/// A protected record's bytes beyond its plaintext: header, explicit nonce and tag.
pub const RECORD_OVERHEAD: usize = 5 + EXPLICIT_NONCE_LEN + TAG_LEN;
/// `verify_data`'s length for every suite here (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;
/// The master secret's length (§8.1).
pub const MASTER_LEN: usize = 48;

impl Suite12 {
    /// The suite of a code point, if it is one modelled (module doc).
    pub fn from_code(code: u16) -> Option<Suite12> {
        let (aead, hash) = match code {
            0xc02f | 0xc02b | 0x009c => (Aead::Aes128Gcm, Hash::Sha256),
            0xc030 | 0xc02c | 0x009d => (Aead::Aes256Gcm, Hash::Sha384),
            _ => return None,
        };
        Some(Suite12 { code, aead, hash })
    }
}

/// The PRF (RFC 5246 §5): `P_hash(secret, label + seed)` cut to `len` bytes, where `P_hash`
/// chains HMACs: A(0) = seed, A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) + seed).
pub fn prf(hash: Hash, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let mut full = Vec::with_capacity(label.len() + seed.len());
    full.extend_from_slice(label.as_bytes());
    full.extend_from_slice(seed);
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut a = hash.hmac(secret, &full);
    while out.len() < len {
        let mut input = a.clone();
        input.extend_from_slice(&full);
        out.extend_from_slice(&hash.hmac(secret, &input));
        a = hash.hmac(secret, &a);
    }
    out.truncate(len);
    out
}

/// The extended master secret (RFC 7627 §4): the PRF over the pre-master secret with the
/// session hash — the hash of every handshake message up to and including the
/// ClientKeyExchange — instead of the two randoms.
pub fn extended_master_secret(suite: Suite12, pre_master: &[u8], session_hash: &[u8]) -> Vec<u8> {
    prf(
        suite.hash,
        pre_master,
        "extended master secret",
        session_hash,
        MASTER_LEN,
    )
}

/// One direction's record protection: the AEAD key and the 4-byte salt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteKeys {
    pub aead: Aead,
    pub key: Vec<u8>,
    pub salt: [u8; SALT_LEN],
}

impl WriteKeys {
    /// The record's nonce: the salt, then the explicit part (RFC 5288 §3).
    pub fn nonce(&self, explicit: &[u8; EXPLICIT_NONCE_LEN]) -> [u8; 12] {
        let mut n = [0; 12];
        n[..SALT_LEN].copy_from_slice(&self.salt);
        n[SALT_LEN..].copy_from_slice(explicit);
        n
    }
}

/// The key block (§6.3) cut into the client's and the server's write keys: an AEAD suite has
/// no MAC keys, and its "IV" is the salt. The seed is the server's random then the client's.
pub fn key_block(
    suite: Suite12,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> (WriteKeys, WriteKeys) {
    let k = suite.aead.key_len();
    let seed = [&server_random[..], &client_random[..]].concat();
    let block = prf(
        suite.hash,
        master,
        "key expansion",
        &seed,
        2 * k + 2 * SALT_LEN,
    );
    let keys = |key: &[u8], salt: &[u8]| WriteKeys {
        aead: suite.aead,
        key: key.to_vec(),
        salt: salt.try_into().unwrap_or([0; SALT_LEN]),
    };
    (
        keys(&block[..k], &block[2 * k..2 * k + SALT_LEN]),
        keys(&block[k..2 * k], &block[2 * k + SALT_LEN..]),
    )
}

/// `verify_data` (§7.4.9): the PRF over the master secret with "client finished" or "server
/// finished" and the hash of the handshake so far.
pub fn verify_data(
    suite: Suite12,
    master: &[u8],
    from_client: bool,
    transcript_hash: &[u8],
) -> Vec<u8> {
    let label = if from_client {
        "client finished"
    } else {
        "server finished"
    };
    prf(suite.hash, master, label, transcript_hash, VERIFY_DATA_LEN)
}

/// The additional data of a record (§6.2.3.3): its sequence number, type, version and the
/// plaintext's length.
pub fn additional_data(seq: u64, content_type: u8, len: usize) -> [u8; 13] {
    let mut aad = [0; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = content_type;
    aad[9..11].copy_from_slice(&0x0303u16.to_be_bytes());
    aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls_messages::unhex as hex;

    /// The TLS 1.2 PRF test vector circulated on the IETF TLS list (P_SHA256, 100 bytes); the
    /// same 100 bytes came from OpenSSL 3's `openssl kdf … TLS1-PRF` on this machine.
    #[test]
    fn the_prf_gives_the_published_sha256_vector() {
        let out = prf(
            Hash::Sha256,
            &hex("9bbe436ba940f017b17652849a71db35"),
            "test label",
            &hex("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        );
        assert_eq!(
            out,
            hex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66")
        );
    }

    #[test]
    fn the_key_block_splits_keys_then_salts() {
        let s = Suite12::from_code(0xc02f).unwrap();
        let master = [7u8; MASTER_LEN];
        let (c, sv) = key_block(s, &master, &[1; 32], &[2; 32]);
        let seed = [[2u8; 32], [1u8; 32]].concat();
        let block = prf(Hash::Sha256, &master, "key expansion", &seed, 40);
        assert_eq!(c.key, block[..16]);
        assert_eq!(sv.key, block[16..32]);
        assert_eq!(c.salt[..], block[32..36]);
        assert_eq!(sv.salt[..], block[36..40]);
        assert_eq!(c.nonce(&[9; 8])[..4], block[32..36]);
        assert_eq!(c.nonce(&[9; 8])[4..], [9; 8]);
    }
}
