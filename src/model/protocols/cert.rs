//! Certificates and the checks a browser runs on a server's chain.
//!
//! A certificate here keeps what the checks read (subject, issuer, subjectAltName host names,
//! validity dates, whether it may sign other certificates) and none of the bytes. Verification
//! follows the outline of RFC 5280 §6: build a path from the leaf through the intermediates to a
//! trust anchor in the root store, check each certificate's validity period, then match the
//! host name against the leaf's subjectAltName (RFC 9525 §6; Chrome 58 dropped the commonName
//! fallback). Each failure maps to the Chromium error the browser shows
//! (`net/base/net_error_list.h`).
//!
//! The browser verifies through a [`Verifier`] that remembers its recent results, as Chromium's
//! `CachingCertVerifier` does (`net/cert/caching_cert_verifier.cc`: 256 entries): the six
//! connections a page opens to one server check its chain once.
//!
//! Left out: signatures (the model trusts issuer names), key usage and name constraints,
//! revocation, Certificate Transparency, and IP-address SANs.

use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// dNSName entries of subjectAltName; `*.example.com` is a wildcard for one label.
    pub san: Vec<String>,
    /// Validity period, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// basicConstraints cA: may sign other certificates.
    pub is_ca: bool,
    pub key: KeyKind,
}

/// The kind of a certificate's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    Rsa4096,
    EcdsaP256,
}

impl KeyKind {
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa2048 => "RSA 2048",
            KeyKind::Rsa4096 => "RSA 4096",
            KeyKind::EcdsaP256 => "ECDSA P-256",
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Written as its name (`"RSA 2048"`), as the JSON has always shown it.
impl Serialize for KeyKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Certificate {
    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

/// A chain as a server presents it, leaf first: shared by the messages that carry it and the
/// checks that read it.
pub type Chain = Rc<[Certificate]>;

/// Why a chain is rejected, with Chromium's code and number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CertError {
    /// No path to a trusted root; a self-signed leaf is the classic case.
    AuthorityInvalid,
    /// A certificate of the chain is expired or not yet valid.
    DateInvalid,
    /// The host name is not among the leaf's names.
    CommonNameInvalid,
}

impl CertError {
    /// The name Chrome prints on its warning page.
    pub fn chromium_name(self) -> &'static str {
        match self {
            CertError::AuthorityInvalid => "NET::ERR_CERT_AUTHORITY_INVALID",
            CertError::DateInvalid => "NET::ERR_CERT_DATE_INVALID",
            CertError::CommonNameInvalid => "NET::ERR_CERT_COMMON_NAME_INVALID",
        }
    }

    /// `net/base/net_error_list.h`: -202, -201, -200.
    pub fn chromium_code(self) -> i32 {
        match self {
            CertError::AuthorityInvalid => -202,
            CertError::DateInvalid => -201,
            CertError::CommonNameInvalid => -200,
        }
    }

    /// The TLS alert's code (RFC 8446 §6.2's AlertDescription).
    pub fn alert_code(self) -> u8 {
        match self {
            CertError::AuthorityInvalid => 48,
            CertError::DateInvalid => 45,
            CertError::CommonNameInvalid => 42,
        }
    }

    /// The TLS alert the client sends before closing (RFC 8446 §6.2).
    pub fn alert(self) -> &'static str {
        match self {
            CertError::AuthorityInvalid => "unknown_ca (48)",
            CertError::DateInvalid => "certificate_expired (45)",
            CertError::CommonNameInvalid => "bad_certificate (42)",
        }
    }
}

/// One check and its result, for the inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// The outcome of verifying a chain: every check that ran, and the first error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub checks: Vec<Check>,
    pub error: Option<CertError>,
    /// Subjects from the leaf to the trust anchor, when a path was found.
    pub path: Vec<String>,
}

/// The browser's trusted roots.
#[derive(Clone, Debug, Default)]
pub struct RootStore {
    pub roots: Vec<Certificate>,
}

impl RootStore {
    pub fn find(&self, subject: &str) -> Option<&Certificate> {
        self.roots.iter().find(|r| r.subject == subject)
    }
}

/// How many results the verifier keeps (`kMaxCacheEntries` in Chromium's
/// `net/cert/caching_cert_verifier.cc`).
const RECENT: usize = 256;

/// The browser's verifier: its root store, and the results of its recent checks, each kept for
/// the same chain (the same shared list), host and moment.
#[derive(Debug, Default)]
pub struct Verifier {
    roots: RootStore,
    recent: RefCell<Vec<Recent>>,
}

/// One check the verifier remembers: the chain, for which host and when, and its verdict.
#[derive(Debug)]
struct Recent {
    chain: Chain,
    host: String,
    now: i64,
    verdict: Rc<Verdict>,
}

impl Verifier {
    pub fn new(roots: RootStore) -> Verifier {
        Verifier {
            roots,
            recent: RefCell::default(),
        }
    }

    /// [`verify`]s `chain` for `host` at `now`, or hands out the result of the same check.
    pub fn verify(&self, chain: &Chain, host: &str, now: i64) -> Rc<Verdict> {
        let mut recent = self.recent.borrow_mut();
        let same = |r: &&Recent| Rc::ptr_eq(&r.chain, chain) && r.now == now && r.host == host;
        if let Some(r) = recent.iter().rev().find(same) {
            return Rc::clone(&r.verdict);
        }
        let v = Rc::new(verify(chain, host, now, &self.roots));
        if recent.len() == RECENT {
            recent.remove(0);
        }
        recent.push(Recent {
            chain: Rc::clone(chain),
            host: host.to_string(),
            now,
            verdict: Rc::clone(&v),
        });
        v
    }
}

/// Verifies `chain` (leaf first) for `host` at `now` (seconds since the epoch).
pub fn verify(chain: &[Certificate], host: &str, now: i64, roots: &RootStore) -> Verdict {
    let mut checks = Vec::new();
    let mut error = None;
    let Some(leaf) = chain.first() else {
        return Verdict {
            checks: vec![Check {
                name: "chain",
                passed: false,
                detail: "the server sent no certificate".into(),
            }],
            error: Some(CertError::AuthorityInvalid),
            path: Vec::new(),
        };
    };

    // RFC 5280 §6.1: walk issuer names up to a trust anchor.
    let mut path = vec![leaf.subject.clone()];
    let mut current = leaf;
    let mut anchored = None;
    for _ in 0..=chain.len() {
        if let Some(root) = roots.find(&current.issuer) {
            anchored = Some(root);
            break;
        }
        match chain
            .iter()
            .skip(1)
            .find(|c| c.subject == current.issuer && c.is_ca && c.subject != current.subject)
        {
            Some(next) => {
                path.push(next.subject.clone());
                current = next;
            }
            None => break,
        }
    }
    match anchored {
        Some(root) => {
            if path.last() != Some(&root.subject) {
                path.push(root.subject.clone());
            }
            checks.push(Check {
                name: "chain to a trusted root",
                passed: true,
                detail: format!("{} (in the browser's root store)", path.join(" → ")),
            });
        }
        None => {
            let detail = if leaf.is_self_signed() {
                format!(
                    "\"{}\" is self-signed: it vouches for itself and no trusted root vouches for it",
                    leaf.subject
                )
            } else {
                format!(
                    "no path from \"{}\" to a root in the browser's store",
                    leaf.subject
                )
            };
            checks.push(Check {
                name: "chain to a trusted root",
                passed: false,
                detail,
            });
            error = Some(CertError::AuthorityInvalid);
        }
    }

    // RFC 5280 §6.1.3 (a)(2): every certificate of the path must be within its validity period.
    let mut dates_ok = true;
    for c in chain {
        let ok = c.not_before <= now && now <= c.not_after;
        if !ok {
            dates_ok = false;
            let when = if now > c.not_after {
                format!(
                    "expired on {}",
                    crate::model::http_date::date_only(c.not_after)
                )
            } else {
                format!(
                    "not valid before {}",
                    crate::model::http_date::date_only(c.not_before)
                )
            };
            checks.push(Check {
                name: "validity dates",
                passed: false,
                detail: format!(
                    "\"{}\" {when}; today is {}",
                    c.subject,
                    crate::model::http_date::date_only(now)
                ),
            });
        }
    }
    if dates_ok {
        checks.push(Check {
            name: "validity dates",
            passed: true,
            detail: format!(
                "valid until {} (today is {})",
                crate::model::http_date::date_only(leaf.not_after),
                crate::model::http_date::date_only(now)
            ),
        });
    } else if error.is_none() {
        error = Some(CertError::DateInvalid);
    }

    // RFC 9525 §6.3: the host must match a subjectAltName dNSName.
    let host_ok = leaf.san.iter().any(|n| host_matches(n, host));
    checks.push(Check {
        name: "host name",
        passed: host_ok,
        detail: if host_ok {
            format!(
                "{host} is listed in subjectAltName [{}]",
                leaf.san.join(", ")
            )
        } else {
            format!("{host} is not in subjectAltName [{}]", leaf.san.join(", "))
        },
    });
    if !host_ok && error.is_none() {
        error = Some(CertError::CommonNameInvalid);
    }

    Verdict {
        checks,
        error,
        path: if anchored.is_some() { path } else { Vec::new() },
    }
}

/// Matches a SAN dNSName against a host (RFC 9525 §6.3): case-insensitive; a `*` may stand for
/// exactly one whole left-most label, and never matches a public suffix alone (`*.com`).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => {
            rest.contains('.')
                && host
                    .split_once('.')
                    .is_some_and(|(label, tail)| !label.is_empty() && tail == rest)
        }
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn ca(subject: &str, issuer: &str) -> Certificate {
        Certificate {
            subject: subject.into(),
            issuer: issuer.into(),
            san: vec![],
            not_before: 0,
            not_after: 1000 * DAY,
            is_ca: true,
            key: KeyKind::Rsa2048,
        }
    }

    fn leaf(san: &[&str], issuer: &str, not_after: i64) -> Certificate {
        Certificate {
            subject: san.first().copied().unwrap_or("leaf").into(),
            issuer: issuer.into(),
            san: san.iter().map(|s| s.to_string()).collect(),
            not_before: 0,
            not_after,
            is_ca: false,
            key: KeyKind::EcdsaP256,
        }
    }

    fn store() -> RootStore {
        RootStore {
            roots: vec![ca("Root", "Root")],
        }
    }

    #[test]
    fn valid_chain() {
        let chain = [
            leaf(&["www.example.com"], "Inter", 500 * DAY),
            ca("Inter", "Root"),
        ];
        let v = verify(&chain, "www.example.com", 100 * DAY, &store());
        assert_eq!(v.error, None, "{v:?}");
        assert_eq!(v.path, ["www.example.com", "Inter", "Root"]);
        assert!(v.checks.iter().all(|c| c.passed));
    }

    #[test]
    fn self_signed_expired_and_wrong_host() {
        let s = leaf(&["www.example.com"], "www.example.com", 500 * DAY);
        let mut s = s;
        s.issuer = s.subject.clone();
        assert_eq!(
            verify(&[s], "www.example.com", DAY, &store()).error,
            Some(CertError::AuthorityInvalid)
        );
        let chain = [
            leaf(&["www.example.com"], "Inter", 50 * DAY),
            ca("Inter", "Root"),
        ];
        assert_eq!(
            verify(&chain, "www.example.com", 100 * DAY, &store()).error,
            Some(CertError::DateInvalid)
        );
        let chain = [
            leaf(&["other.example"], "Inter", 500 * DAY),
            ca("Inter", "Root"),
        ];
        let v = verify(&chain, "www.example.com", DAY, &store());
        assert_eq!(v.error, Some(CertError::CommonNameInvalid));
        assert_eq!(CertError::CommonNameInvalid.chromium_code(), -200);
        assert!(verify(&[], "x", 0, &store()).error.is_some());
    }

    #[test]
    fn wildcards() {
        assert!(host_matches("*.example.com", "www.example.com"));
        assert!(host_matches("*.Example.com.", "WWW.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.com", "example.com"));
        assert!(host_matches("example.com", "EXAMPLE.COM"));
    }

    #[test]
    fn the_verifier_checks_a_chain_once_for_each_host_and_moment() {
        let chain: Chain = Rc::from(vec![
            leaf(&["www.example.com"], "Inter", 500 * DAY),
            ca("Inter", "Root"),
        ]);
        let v = Verifier::new(store());
        let first = v.verify(&chain, "www.example.com", DAY);
        assert!(Rc::ptr_eq(
            &first,
            &v.verify(&chain, "www.example.com", DAY)
        ));
        assert_eq!(*first, verify(&chain, "www.example.com", DAY, &store()));
        let other_host = v.verify(&chain, "example.org", DAY);
        assert_eq!(other_host.error, Some(CertError::CommonNameInvalid));
        let later = v.verify(&chain, "www.example.com", 600 * DAY);
        assert_eq!(later.error, Some(CertError::DateInvalid));
        // An equal chain that is not the same list is checked again, with the same result.
        let copy: Chain = Rc::from(chain.to_vec());
        let again = v.verify(&copy, "www.example.com", DAY);
        assert!(!Rc::ptr_eq(&first, &again));
        assert_eq!(first, again);
    }

    #[test]
    fn a_cycle_in_issuers_ends() {
        let chain = [leaf(&["h"], "A", 10 * DAY), ca("A", "B"), ca("B", "A")];
        assert_eq!(
            verify(&chain, "h", DAY, &store()).error,
            Some(CertError::AuthorityInvalid)
        );
    }
}
