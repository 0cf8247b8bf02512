//! What the inspector says about a TLS step once the version on screen is known.
//!
//! The catalogue in [`crate::model::step`] has one text per step id, written for a reader who has not
//! picked a version (the step list, docs/steps.md). Where a step behaves differently in TLS 1.3 and
//! TLS 1.2 (what is encrypted, which round trip it ends, which RFC defines it), the text here
//! replaces it for that version, so a TLS 1.2 handshake never explains itself with TLS 1.3's
//! rules or links RFC 8446, and the other way round. A test walks every preset in both versions
//! and checks each step's text and link against the version.

use crate::model::step::{Stage, StepInfo};
use crate::model::tls::Version;

/// The text of step `id` written for `version`, where it differs from the catalogue's.
pub fn for_version(id: &str, version: Version) -> Option<&'static StepInfo> {
    let table: &[StepInfo] = match version {
        Version::Tls13 => TLS13,
        Version::Tls12 => TLS12,
    };
    table.iter().find(|s| s.id == id)
}

const fn tls(
    id: &'static str,
    title: &'static str,
    explain: &'static str,
    why: &'static str,
    spec: (&'static str, &'static str),
) -> StepInfo {
    StepInfo {
        id,
        stage: Stage::Tls,
        title,
        explain,
        why,
        spec,
    }
}

static TLS13: &[StepInfo] = &[
    tls(
        "tls.server_change_cipher_spec",
        "ChangeCipherSpec (server): for middleboxes",
        "Right after its ServerHello the server sends a one-byte ChangeCipherSpec record. TLS 1.3 has no use for it: it is there so that the handshake looks like the resumption of an older protocol's session to the firewalls and proxies that would otherwise drop it. The client ignores it.",
        "It costs six bytes and nothing else; without this middlebox compatibility mode, early TLS 1.3 deployments failed on a few percent of networks.",
        ("RFC 8446 Appendix D.4 Middlebox Compatibility Mode", "https://www.rfc-editor.org/rfc/rfc8446#appendix-D.4"),
    ),
    tls(
        "tls.change_cipher_spec",
        "ChangeCipherSpec (client): for middleboxes",
        "Before its Finished the browser sends a one-byte ChangeCipherSpec record, as BoringSSL does whenever it has sent a legacy session id. TLS 1.3 does not need it (the keys changed with the ServerHello); the server drops it.",
        "Part of the disguise, as the resumption of an older session, that lets TLS 1.3 pass old middleboxes; it rides in the same TCP segment as the Finished.",
        ("RFC 8446 Appendix D.4 Middlebox Compatibility Mode", "https://www.rfc-editor.org/rfc/rfc8446#appendix-D.4"),
    ),
    tls(
        "tls.encrypted_extensions",
        "EncryptedExtensions",
        "The server's answers to the client's extensions that do not shape the keys, such as the chosen ALPN protocol. It is the first message under the handshake keys, so only the two ends can read it.",
        "An observer cannot see which application protocol was chosen.",
        ("RFC 8446 §4.3.1 EncryptedExtensions", "https://www.rfc-editor.org/rfc/rfc8446#section-4.3.1"),
    ),
    tls(
        "tls.client_certificate",
        "Client Certificate",
        "Because the server asked, the client sends its own certificate chain, encrypted under the handshake keys like the server's. If the browser has no suitable certificate it sends an empty list, and the server decides whether to continue.",
        "Authenticates the user or the device to the server without a password, and without showing the certificate to anyone on the path.",
        ("RFC 8446 §4.4.2 Certificate", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2"),
    ),
    tls(
        "tls.client_certificate_verify",
        "Client CertificateVerify",
        "The client signs a hash of the handshake so far with its certificate's private key. The server checks the signature with the public key in the client's certificate.",
        "Without it, a copied client certificate would be enough to log in.",
        ("RFC 8446 §4.4.3 CertificateVerify", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.3"),
    ),
    tls(
        "tls.session_keys",
        "Derive the session keys",
        "From the x25519 shared secret and a hash of the messages so far, HKDF derives the handshake keys, one per direction; after the Finished messages the same schedule gives the application keys. The keys themselves are never sent.",
        "Everything after the ServerHello, certificate included, is encrypted: the key schedule is why TLS 1.3 needs only one round trip.",
        ("RFC 8446 §7.1 key schedule", "https://www.rfc-editor.org/rfc/rfc8446#section-7.1"),
    ),
    tls(
        "tls.server_finished",
        "Finished (server)",
        "The server's HMAC over every handshake message so far, the last message of its only flight. When the client has checked it, both sides know they saw the same messages and hold the same keys.",
        "It reaches the client one round trip after the ClientHello; the client answers with its own Finished and can send the request right behind it.",
        ("RFC 8446 §4.4.4 Finished", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.4"),
    ),
    tls(
        "tls.new_session_ticket",
        "NewSessionTicket",
        "After the handshake the server gives the client a ticket, under the application keys. On a later connection the client offers it as a pre-shared key, and both sides skip the certificate and its checks.",
        "A resumed handshake sends no certificate and checks no signature chain, so it is smaller and cheaper.",
        ("RFC 8446 §4.6.1 NewSessionTicket", "https://www.rfc-editor.org/rfc/rfc8446#section-4.6.1"),
    ),
];

static TLS12: &[StepInfo] = &[
    tls(
        "tls.client_hello",
        "ClientHello",
        "The browser opens the handshake in the clear: the versions and cipher suites it supports (it offers the newest version too), a fresh client random, the host name it wants (SNI) and the application protocols it speaks (ALPN). The server will choose from these lists.",
        "secureConnectionStart in Navigation Timing: the handshake's round trips start here.",
        ("RFC 5246 §7.4.1.2 ClientHello", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.1.2"),
    ),
    tls(
        "tls.server_hello",
        "ServerHello",
        "The server picks TLS 1.2 and one cipher suite from the client's lists, sends its own random and the chosen ALPN protocol. The key exchange follows in later messages, so the rest of this flight travels in the clear.",
        "An eavesdropper still sees the certificate and so which site this is; only the Finished messages and what follows are encrypted.",
        ("RFC 5246 §7.4.1.3 ServerHello", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.1.3"),
    ),
    tls(
        "tls.certificate",
        "Certificate",
        "The server sends its certificate chain: its own certificate, which binds its public key to its host names, and the intermediate certificates that link it to a certificate authority. It travels in the clear, so anyone on the path can read which certificate, and so which site, is involved.",
        "The chain is usually the largest handshake message, a few kilobytes.",
        ("RFC 5246 §7.4.2 Server Certificate", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2"),
    ),
    tls(
        "tls.certificate_request",
        "CertificateRequest",
        "The server asks the client to prove who it is with a certificate of its own, as banks and company intranets sometimes do. It lists the certificate types and signature algorithms it accepts.",
        "The browser has to pick a client certificate (often by asking the user) and sign with its key.",
        ("RFC 5246 §7.4.4 CertificateRequest", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.4"),
    ),
    tls(
        "tls.alert",
        "Alert",
        "The client gives up on the handshake and tells the server why with a fatal alert: unknown_ca, certificate_expired or bad_certificate. Then it closes the connection.",
        "No request is ever sent: the server only learns that the handshake failed.",
        ("RFC 5246 §7.2 Alert protocol", "https://www.rfc-editor.org/rfc/rfc5246#section-7.2"),
    ),
    tls(
        "tls.change_cipher_spec",
        "ChangeCipherSpec (client)",
        "A one-byte message that tells the server that everything the client sends next is protected with the new session keys. It is not a handshake message but a record type of its own (content type 20).",
        "Marks the switch from plaintext to encrypted records in the client's direction.",
        ("RFC 5246 §7.1 ChangeCipherSpec", "https://www.rfc-editor.org/rfc/rfc5246#section-7.1"),
    ),
    tls(
        "tls.finished",
        "Finished (client)",
        "The client's first message under the new keys, right after its ChangeCipherSpec: 12 bytes of PRF output over every handshake message so far. If an attacker altered any of them, for example to force a weaker cipher, the server's check fails.",
        "Without False Start the client must now wait for the server's ChangeCipherSpec and Finished, a second round trip, before it sends the request; with False Start the request follows at once.",
        ("RFC 5246 §7.4.9 Finished", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.9"),
    ),
    tls(
        "tls.server_finished",
        "Finished (server)",
        "The server's 12 bytes of PRF output over the whole handshake, under its new keys. When the client has checked it, both sides know they saw the same messages and hold the same keys.",
        "The client waits for this before sending the request (without False Start): it ends the second round trip of the handshake.",
        ("RFC 5246 §7.4.9 Finished", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.9"),
    ),
    tls(
        "tls.new_session_ticket",
        "NewSessionTicket",
        "Before switching to its new keys the server hands the client a ticket: the session's state, encrypted with a key only the server knows. On the next connection the client presents it and both sides skip the certificate and the key exchange.",
        "A resumed handshake takes one round trip instead of two.",
        ("RFC 5077 §3.3 NewSessionTicket", "https://www.rfc-editor.org/rfc/rfc5077#section-3.3"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::step::StepId;

    /// Each text names a real TLS step, links its own version's RFC and says nothing about the
    /// other version.
    #[test]
    fn each_text_is_written_for_its_version() {
        for (table, own, other, other_rfc) in [
            (TLS13, "rfc8446", "TLS 1.2", "rfc5246"),
            (TLS12, "rfc5", "TLS 1.3", "rfc8446"),
        ] {
            for s in table {
                let step = StepId::parse(s.id).unwrap_or_else(|| panic!("{} is no step", s.id));
                assert_eq!(step.stage(), Stage::Tls, "{}", s.id);
                assert!(s.spec.1.contains(own), "{}: {}", s.id, s.spec.1);
                assert!(!s.spec.1.contains(other_rfc), "{}", s.id);
                assert!(
                    !s.explain.contains(other) && !s.why.contains(other),
                    "{} speaks of {other}",
                    s.id
                );
            }
        }
    }
}
