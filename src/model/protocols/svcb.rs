//! The HTTPS record's data (RFC 9460 §2.2, the SVCB format): a priority, a target name and
//! the service's parameters, written and read back byte for byte.
//!
//! Modelled: ServiceMode records (priority above 0) and AliasMode (priority 0, a target and
//! no parameters); the parameters a browser reads — `mandatory` (0), `alpn` (1),
//! `no-default-alpn` (2), `port` (3), `ipv4hint` (4), `ech` (5), `ipv6hint` (6) — and any other
//! key kept as its bytes. Reading refuses what the wire format forbids (RFC 9460 §2.2, §7): keys
//! out of order or repeated, a value of the wrong length, an empty `alpn` id, a cut record; it
//! never panics. What a client does with a valid record (AliasMode's parameters ignored, the
//! `mandatory` keys checked) is the reader's, not the parser's.
//! The target name is never compressed (§2.2). Left out: the presentation format's escapes.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The keys of RFC 9460 §14.3.2's registry that the model names.
pub mod key {
    pub const MANDATORY: u16 = 0;
    pub const ALPN: u16 = 1;
    pub const NO_DEFAULT_ALPN: u16 = 2;
    pub const PORT: u16 = 3;
    pub const IPV4HINT: u16 = 4;
    pub const ECH: u16 = 5;
    pub const IPV6HINT: u16 = 6;
}

/// One SvcParam (RFC 9460 §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Mandatory(Vec<u16>),
    Alpn(Vec<String>),
    NoDefaultAlpn,
    Port(u16),
    Ipv4Hint(Vec<Ipv4Addr>),
    /// An ECHConfigList (draft-ietf-tls-esni), as its bytes.
    Ech(Vec<u8>),
    Ipv6Hint(Vec<Ipv6Addr>),
    Other(u16, Vec<u8>),
}

impl Param {
    pub fn key(&self) -> u16 {
        match self {
            Param::Mandatory(_) => key::MANDATORY,
            Param::Alpn(_) => key::ALPN,
            Param::NoDefaultAlpn => key::NO_DEFAULT_ALPN,
            Param::Port(_) => key::PORT,
            Param::Ipv4Hint(_) => key::IPV4HINT,
            Param::Ech(_) => key::ECH,
            Param::Ipv6Hint(_) => key::IPV6HINT,
            Param::Other(k, _) => *k,
        }
    }

    fn value(&self) -> Vec<u8> {
        match self {
            Param::Mandatory(keys) => keys.iter().flat_map(|k| k.to_be_bytes()).collect(),
            Param::Alpn(ids) => ids
                .iter()
                .flat_map(|id| {
                    let b = id.as_bytes();
                    let n = b.len().min(255);
                    std::iter::once(n as u8).chain(b[..n].iter().copied())
                })
                .collect(),
            Param::NoDefaultAlpn => vec![],
            Param::Port(p) => p.to_be_bytes().to_vec(),
            Param::Ipv4Hint(a) => a.iter().flat_map(|a| a.octets()).collect(),
            Param::Ech(b) | Param::Other(_, b) => b.clone(),
            Param::Ipv6Hint(a) => a.iter().flat_map(|a| a.octets()).collect(),
        }
    }
}

impl fmt::Display for Param {
    /// The presentation form (RFC 9460 §2.1), the target without its final dot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: Vec<String>| v.join(",");
        match self {
            Param::Mandatory(k) => write!(
                f,
                "mandatory={}",
                list(k.iter().map(|k| key_name(*k)).collect())
            ),
            Param::Alpn(ids) => write!(f, "alpn=\"{}\"", ids.join(",")),
            Param::NoDefaultAlpn => f.write_str("no-default-alpn"),
            Param::Port(p) => write!(f, "port={p}"),
            Param::Ipv4Hint(a) => write!(
                f,
                "ipv4hint={}",
                list(a.iter().map(|a| a.to_string()).collect())
            ),
            Param::Ech(b) => write!(f, "ech=<{} bytes>", b.len()),
            Param::Ipv6Hint(a) => write!(
                f,
                "ipv6hint={}",
                list(a.iter().map(|a| a.to_string()).collect())
            ),
            Param::Other(k, b) => write!(f, "key{k}=<{} bytes>", b.len()),
        }
    }
}

/// A key's name (RFC 9460 §14.3.2), `keyNNNNN` for the others.
pub fn key_name(k: u16) -> String {
    match k {
        key::MANDATORY => "mandatory".into(),
        key::ALPN => "alpn".into(),
        key::NO_DEFAULT_ALPN => "no-default-alpn".into(),
        key::PORT => "port".into(),
        key::IPV4HINT => "ipv4hint".into(),
        key::ECH => "ech".into(),
        key::IPV6HINT => "ipv6hint".into(),
        k => format!("key{k}"),
    }
}

/// An HTTPS (or SVCB) record's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Https {
    /// 0: AliasMode; otherwise ServiceMode, lower first.
    pub priority: u16,
    /// Dotted; empty (`.`) for the owner name itself.
    pub target: String,
    /// In increasing key order.
    pub params: Vec<Param>,
}

impl fmt::Display for Https {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = if self.target.is_empty() {
            "."
        } else {
            &self.target
        };
        write!(f, "{} {target}", self.priority)?;
        for p in &self.params {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

impl Https {
    /// The ALPN ids the record offers: its `alpn` list, and `http/1.1` unless
    /// `no-default-alpn` (RFC 9460 §7.1.1).
    pub fn alpns(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = (self.params.iter())
            .filter_map(|p| match p {
                Param::Alpn(ids) => Some(ids.iter().map(String::as_str)),
                _ => None,
            })
            .flatten()
            .collect();
        if !self.params.contains(&Param::NoDefaultAlpn) {
            ids.push("http/1.1");
        }
        ids
    }

    /// Its `port`, if it names one.
    pub fn port(&self) -> Option<u16> {
        self.params.iter().find_map(|p| match p {
            Param::Port(p) => Some(*p),
            _ => None,
        })
    }
}

/// Why a record's data was refused, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTPS record at byte {}: {}", self.offset, self.what)
    }
}

/// The record's bytes (its parameters in the order given: [`decode`] checks the order).
pub fn encode(r: &Https) -> Vec<u8> {
    let mut out = r.priority.to_be_bytes().to_vec();
    for label in r
        .target
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        let b = label.as_bytes();
        let n = b.len().min(63);
        out.push(n as u8);
        out.extend_from_slice(&b[..n]);
    }
    out.push(0);
    for p in &r.params {
        let v = p.value();
        out.extend_from_slice(&p.key().to_be_bytes());
        out.extend_from_slice(&(v.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        out.extend_from_slice(&v);
    }
    out
}

/// Reads a record's data; never panics, whatever the bytes.
pub fn decode(b: &[u8]) -> Result<Https, Invalid> {
    let mut at = 0;
    let err = |offset, what| Invalid { offset, what };
    let take = |at: &mut usize, n: usize| -> Result<&[u8], Invalid> {
        let end = at.checked_add(n).filter(|e| *e <= b.len());
        let end = end.ok_or(err(*at, "the record ends too soon"))?;
        let s = &b[*at..end];
        *at = end;
        Ok(s)
    };
    let u16_at = |s: &[u8]| u16::from_be_bytes([s[0], s[1]]);
    let priority = u16_at(take(&mut at, 2)?);
    let mut labels = Vec::new();
    loop {
        let n = usize::from(take(&mut at, 1)?[0]);
        if n == 0 {
            break;
        }
        if n > 63 {
            return Err(err(
                at - 1,
                "a compressed or over-long label in the target name",
            ));
        }
        labels.push(String::from_utf8_lossy(take(&mut at, n)?).into_owned());
    }
    let mut params = Vec::new();
    let mut last: Option<u16> = None;
    while at < b.len() {
        let start = at;
        let k = u16_at(take(&mut at, 2)?);
        if last.is_some_and(|l| k <= l) {
            return Err(err(start, "SvcParamKeys out of order or repeated"));
        }
        last = Some(k);
        let n = usize::from(u16_at(take(&mut at, 2)?));
        let v = take(&mut at, n)?;
        params.push(param(k, v).ok_or(err(start, "a parameter value of the wrong form"))?);
    }
    Ok(Https {
        priority,
        target: labels.join("."),
        params,
    })
}

/// One parameter's value read (`None`: malformed, RFC 9460 §7).
fn param(k: u16, v: &[u8]) -> Option<Param> {
    Some(match k {
        key::MANDATORY if !v.is_empty() && v.len() % 2 == 0 => Param::Mandatory(
            v.chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        key::ALPN => {
            let mut ids = Vec::new();
            let mut rest = v;
            while let Some((&n, tail)) = rest.split_first() {
                let n = usize::from(n);
                if n == 0 || tail.len() < n {
                    return None;
                }
                ids.push(String::from_utf8_lossy(&tail[..n]).into_owned());
                rest = &tail[n..];
            }
            (!ids.is_empty()).then_some(Param::Alpn(ids))?
        }
        key::NO_DEFAULT_ALPN if v.is_empty() => Param::NoDefaultAlpn,
        key::PORT if v.len() == 2 => Param::Port(u16::from_be_bytes([v[0], v[1]])),
        key::IPV4HINT if !v.is_empty() && v.len() % 4 == 0 => Param::Ipv4Hint(
            v.chunks(4)
                .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                .collect(),
        ),
        key::ECH => Param::Ech(v.to_vec()),
        key::IPV6HINT if !v.is_empty() && v.len() % 16 == 0 => Param::Ipv6Hint(
            v.chunks(16)
                .map(|c| {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(c);
                    Ipv6Addr::from(o)
                })
                .collect(),
        ),
        key::MANDATORY | key::NO_DEFAULT_ALPN | key::PORT | key::IPV4HINT | key::IPV6HINT => {
            return None
        }
        k => Param::Other(k, v.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect()
    }

    /// RFC 9460 Appendix D.2's ServiceMode example with a port, `alpn`, and hints, written as
    /// the appendix gives it and read back.
    #[test]
    fn appendix_d_service_mode_round_trips() {
        // `16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1`
        let r = Https {
            priority: 16,
            target: "foo.example.org".into(),
            params: vec![
                Param::Mandatory(vec![key::ALPN, key::IPV4HINT]),
                Param::Alpn(vec!["h2".into(), "h3-19".into()]),
                Param::Ipv4Hint(vec![Ipv4Addr::new(192, 0, 2, 1)]),
            ],
        };
        let want = hex(concat!(
            "0010",
            "03666f6f076578616d706c65036f726700",
            "0000000400010004",
            "000100090268320568332d3139",
            "00040004c0000201"
        ));
        assert_eq!(encode(&r), want);
        assert_eq!(decode(&want), Ok(r.clone()));
        assert_eq!(r.alpns(), ["h2", "h3-19", "http/1.1"]);
        assert_eq!(
            r.to_string(),
            "16 foo.example.org mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1"
        );
    }

    #[test]
    fn alias_mode_and_no_default_alpn() {
        let alias = hex("0000036f6f6f076578616d706c6503636f6d00");
        let r = decode(&alias).expect("AliasMode");
        assert_eq!((r.priority, r.target.as_str()), (0, "ooo.example.com"));
        let r = Https {
            priority: 1,
            target: String::new(),
            params: vec![
                Param::Alpn(vec!["h3".into()]),
                Param::NoDefaultAlpn,
                Param::Port(8443),
            ],
        };
        let back = decode(&encode(&r)).expect("reads");
        assert_eq!(back.alpns(), ["h3"]);
        assert_eq!(back.port(), Some(8443));
    }

    /// Every cut of a record that is not at a parameter's end, and the forbidden forms, are
    /// refused, never a panic.
    #[test]
    fn cuts_and_bad_forms_are_refused() {
        let r = Https {
            priority: 1,
            target: String::new(),
            params: vec![
                Param::Alpn(vec!["h3".into(), "h2".into()]),
                Param::Port(443),
                Param::Ech(vec![1, 2, 3]),
            ],
        };
        let b = encode(&r);
        // A cut where a parameter ends is a shorter valid record; anywhere else, an error.
        let ends = [3, 3 + 4 + 6, 3 + 4 + 6 + 4 + 2, b.len()];
        for n in 0..b.len() {
            assert_eq!(decode(&b[..n]).is_ok(), ends.contains(&n), "cut at {n}");
        }
        // Keys out of order: port before alpn.
        let swapped = hex("000100000300020 1bb000100030268 33"
            .replace(' ', "")
            .as_str());
        assert!(decode(&swapped).is_err());
        // An empty alpn id; a port of three bytes.
        assert!(decode(&hex("00010000010001 00".replace(' ', "").as_str())).is_err());
        assert!(decode(&hex("0001000003000301bb00")).is_err());
    }
}
