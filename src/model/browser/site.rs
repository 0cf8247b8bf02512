//! Sites: the registrable domain of a host from the Public Suffix List, and HTML's same-site.
//!
//! Two URLs are same-origin when scheme, host and port are all equal. They are same-site when
//! the scheme is equal and the hosts share a registrable domain: the public suffix (`com`,
//! `co.uk`, `github.io`) plus one label (HTML §7.1.1 "sites"; the algorithm of
//! <https://publicsuffix.org/list/>). So `https://a.example.com` and `https://b.example.com`
//! are cross-origin but same-site, while two `github.io` pages of different users are not even
//! same-site.
//!
//! The list is data handed in ([`SuffixList::parse`]); rules and hosts are compared in their
//! ASCII (punycode) form. Left out: the list's private/ICANN section split (browsers use both).

use crate::model::url::Origin;
use std::collections::BTreeMap;

/// The rules of a Public Suffix List. Only membership is asked; the value (the rule's first line
/// in the list) is there so these maps share the web bundle's one `BTreeMap<String, usize>`
/// instantiation with the page load's indexes.
#[derive(Clone, Debug, Default)]
pub struct SuffixList {
    rules: BTreeMap<String, usize>,
    /// `*.ck` is stored as `ck`.
    wildcards: BTreeMap<String, usize>,
    /// `!www.ck` is stored as `www.ck`.
    exceptions: BTreeMap<String, usize>,
}

/// A host in its ASCII form, lower-cased; `None` if it is not a valid domain.
fn to_ascii(host: &str) -> Option<String> {
    if host.is_empty() || host.starts_with('.') {
        return None;
    }
    match ::url::Host::parse(host).ok()? {
        ::url::Host::Domain(d) => Some(d),
        _ => None,
    }
}

impl SuffixList {
    /// Parses the list's text format: one rule per line, `//` comments, the rule ending at the
    /// first white space.
    pub fn parse(text: &str) -> SuffixList {
        let mut l = SuffixList::default();
        for (at, line) in text.lines().enumerate() {
            let rule = line.split_whitespace().next().unwrap_or("");
            if rule.is_empty() || rule.starts_with("//") {
                continue;
            }
            if let Some(r) = rule.strip_prefix('!') {
                if let Some(a) = to_ascii(r) {
                    l.exceptions.entry(a).or_insert(at + 1);
                }
            } else if let Some(r) = rule.strip_prefix("*.") {
                if let Some(a) = to_ascii(r) {
                    l.wildcards.entry(a).or_insert(at + 1);
                }
            } else if let Some(a) = to_ascii(rule) {
                l.rules.entry(a).or_insert(at + 1);
            }
        }
        l
    }

    pub fn len(&self) -> usize {
        self.rules.len() + self.wildcards.len() + self.exceptions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many labels of `labels` form the public suffix (the list's algorithm: an exception
    /// wins and loses its left-most label; otherwise the longest rule; with no match, `*`).
    fn suffix_labels(&self, labels: &[&str]) -> usize {
        let n = labels.len();
        if self.is_empty() {
            // Only the implicit `*` rule: the last label.
            return 1;
        }
        let mut longest = 1;
        for i in 0..n {
            let s = labels[i..].join(".");
            if self.exceptions.contains_key(&s) {
                return n - i - 1;
            }
            if self.rules.contains_key(&s) {
                longest = longest.max(n - i);
            }
            if i + 1 < n && self.wildcards.contains_key(&labels[i + 1..].join(".")) {
                longest = longest.max(n - i);
            }
        }
        longest
    }

    /// The registrable domain (eTLD+1) of `host`, in the form it was given (Unicode stays
    /// Unicode); `None` for a public suffix itself, an invalid host, or a leading dot.
    pub fn registrable_domain(&self, host: &str) -> Option<String> {
        let ascii = to_ascii(host)?;
        let labels: Vec<&str> = ascii.split('.').collect();
        if labels.iter().any(|l| l.is_empty()) {
            return None;
        }
        let suffix = self.suffix_labels(&labels);
        if labels.len() <= suffix {
            return None;
        }
        let domain = labels[labels.len() - suffix - 1..].join(".");
        if host.is_ascii() {
            Some(domain)
        } else {
            Some(::url::quirks::domain_to_unicode(&domain))
        }
    }

    /// HTML's "same site" for two origins: both opaque and equal, or the same scheme and the same
    /// registrable domain (the host itself when it has none, such as an IP address).
    pub fn same_site(&self, a: &Origin, b: &Origin) -> bool {
        Self::same_site_by(a, b, |h| {
            self.registrable_domain(h)
                .unwrap_or_else(|| h.to_ascii_lowercase())
        })
    }

    /// [`SuffixList::same_site`] with each host's site found by `site` (a caller that asks
    /// about many requests keeps the sites it has worked out).
    pub fn same_site_by<S: PartialEq>(
        a: &Origin,
        b: &Origin,
        mut site: impl FnMut(&str) -> S,
    ) -> bool {
        match (a, b) {
            (
                Origin::Tuple {
                    scheme: sa,
                    host: ha,
                    ..
                },
                Origin::Tuple {
                    scheme: sb,
                    host: hb,
                    ..
                },
            ) => sa == sb && site(ha) == site(hb),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "// comment\ncom\nuk\nco.uk\n*.ck\n!www.ck\ngithub.io\n";

    #[test]
    fn rules_wildcards_and_exceptions() {
        let l = SuffixList::parse(LIST);
        assert_eq!(
            l.registrable_domain("a.b.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            l.registrable_domain("example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(l.registrable_domain("co.uk"), None);
        assert_eq!(
            l.registrable_domain("x.foo.ck").as_deref(),
            Some("x.foo.ck")
        );
        assert_eq!(l.registrable_domain("foo.ck"), None);
        assert_eq!(l.registrable_domain("www.ck").as_deref(), Some("www.ck"));
        assert_eq!(l.registrable_domain("a.www.ck").as_deref(), Some("www.ck"));
        assert_eq!(l.registrable_domain(".com"), None);
        assert_eq!(
            l.registrable_domain("unlisted.tld").as_deref(),
            Some("unlisted.tld")
        );
    }

    #[test]
    fn same_site_versus_same_origin() {
        let l = SuffixList::parse(LIST);
        let o = |s: &str, h: &str| Origin::Tuple {
            scheme: s.into(),
            host: h.into(),
            port: 443,
        };
        assert!(l.same_site(&o("https", "a.example.com"), &o("https", "b.example.com")));
        assert!(!l.same_site(&o("http", "a.example.com"), &o("https", "a.example.com")));
        assert!(!l.same_site(&o("https", "alice.github.io"), &o("https", "bob.github.io")));
        assert!(!l.same_site(&Origin::Opaque, &Origin::Opaque));
    }
}
