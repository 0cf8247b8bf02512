//! The `Alt-Svc` response header (RFC 7838) as Chromium reads, keeps and uses it: how a
//! browser learns that an origin it reached over TCP can also be reached over HTTP/3.
//!
//! - **Reading** follows quiche's `SpdyAltSvcWireFormat::ParseHeaderFieldValue`
//!   (https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/http2/core/spdy_alt_svc_wire_format.cc):
//!   `clear` only as the whole value; each entry a percent-encoded protocol id, `=`, a quoted
//!   alt-authority whose host is optional and whose port is required; parameters after `;`,
//!   names in any case, `ma` a positive 32-bit number of seconds (86,400 when absent), `v` a
//!   quoted list of versions, any other parameter (`persist` among them) ignored. Any error
//!   rejects the whole header, never one entry.
//! - **Keeping** follows `net::ProcessAlternativeServices`
//!   (https://source.chromium.org/chromium/chromium/src/+/main:net/http/alternative_service.cc):
//!   `h2` and the HTTP/3 versions Chromium supports — by default only `h3`, QUIC version 1
//!   (`DefaultSupportedQuicVersions`, net/quic/quic_context.h) — survive; legacy `quic` and
//!   `hq` entries and unknown ids are dropped; each expires `ma` seconds after the response.
//!   Only a secure response with no certificate error is read
//!   (`HttpNetworkTransaction`, net/http/http_network_transaction.cc). The new list replaces
//!   the origin's old one; an empty list (`clear`, or nothing kept) erases it
//!   (`HttpServerProperties::SetAlternativeServicesInternal`).
//! - **Using** follows `HttpStreamFactory::JobController::GetAlternativeServiceInfoInternal`
//!   (https://source.chromium.org/chromium/chromium/src/+/main:net/http/http_stream_factory_job_controller.cc):
//!   https URLs only; expired and broken alternatives skipped; an alternative on a port of
//!   1024 or more for an origin below 1024 skipped (`enable_user_alternate_protocol_ports` is
//!   off); `h2` alternatives skipped (`enable_http2_alternative_service` is off by default);
//!   an HTTP/3 alternative on another host allowed (`allow_remote_alt_svc`); the first usable
//!   one wins.
//!
//! Left out: the network anonymization key that partitions the store, the canonical-host
//! suffixes (`.googlevideo.com` and the like), the `hq` form's `quic=` parameter, and
//! persisting the store across browser restarts.

use std::collections::BTreeMap;
use std::fmt;

/// `ma` when the entry has none: 24 hours (RFC 7838 §3.1).
pub const DEFAULT_MAX_AGE_S: u32 = 86_400;

/// One entry of the header as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The ALPN protocol id, percent-decoded (`h3`, `h2`, `h3-29`).
    pub protocol_id: String,
    /// Empty for the origin's own host; an IPv6 address keeps its brackets.
    pub host: String,
    pub port: u16,
    pub max_age_s: u32,
    pub versions: Vec<u16>,
}

/// Why the header is rejected as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alt-Svc ignored: {}", self.0)
    }
}

/// The header's entries; `clear` is no entry (module doc).
pub fn parse(value: &str) -> Result<Vec<Entry>, Invalid> {
    if value.is_empty() {
        return Err(Invalid("an empty value"));
    }
    if value == "clear" {
        return Ok(Vec::new());
    }
    let b = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let eq = (b[i..].iter().position(|&c| c == b'=')).ok_or(Invalid("an entry without '='"))?;
        let protocol_id = percent_decode(&b[i..i + eq])?;
        i += eq + 1;
        let (authority, next) = quoted(b, i)?;
        let (host, port) = alt_authority(&authority)?;
        i = next;
        let (max_age_s, versions, next) = parameters(b, i)?;
        i = next;
        out.push(Entry {
            protocol_id,
            host,
            port,
            max_age_s,
            versions,
        });
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b',') {
            i += 1;
        }
    }
    Ok(out)
}

/// `%XX` sequences decoded; any other `%` is an error.
fn percent_decode(b: &[u8]) -> Result<String, Invalid> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = (b.get(i + 1..i + 3))
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .ok_or(Invalid("a '%' without two hex digits"))?;
        let s = std::str::from_utf8(hex).map_err(|_| Invalid("a bad percent-encoding"))?;
        out.push(u8::from_str_radix(s, 16).map_err(|_| Invalid("a bad percent-encoding"))?);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| Invalid("a protocol id that is not UTF-8"))
}

/// The quoted string at `i` with its backslash escapes removed, and where it ends.
fn quoted(b: &[u8], mut i: usize) -> Result<(String, usize), Invalid> {
    if b.get(i) != Some(&b'"') {
        return Err(Invalid("an alt-authority not in quotes"));
    }
    i += 1;
    let mut s = Vec::new();
    loop {
        match b.get(i) {
            None => return Err(Invalid("an unterminated alt-authority")),
            Some(b'"') => break,
            Some(b'\\') => {
                s.push(
                    *b.get(i + 1)
                        .ok_or(Invalid("an unterminated alt-authority"))?,
                );
                i += 2;
            }
            Some(c) => {
                s.push(*c);
                i += 1;
            }
        }
    }
    let s = String::from_utf8(s).map_err(|_| Invalid("an alt-authority that is not UTF-8"))?;
    if s.is_empty() {
        return Err(Invalid("an empty alt-authority"));
    }
    Ok((s, i + 1))
}

/// `[host]:port`: the host optional (brackets kept for IPv6), the port required, 1 to 65535.
fn alt_authority(a: &str) -> Result<(String, u16), Invalid> {
    let split = if a.starts_with('[') {
        a.find(']').ok_or(Invalid("an IPv6 host without ']'"))? + 1
    } else {
        a.find(':').unwrap_or(a.len())
    };
    let (host, rest) = a.split_at(split);
    let port = rest
        .strip_prefix(':')
        .ok_or(Invalid("an alt-authority without a port"))?;
    let port = positive(port, u64::from(u16::MAX)).ok_or(Invalid("a bad port"))?;
    Ok((host.to_string(), port as u16))
}

/// Digits only, above zero and at most `max`.
fn positive(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|v| (1..=max).contains(v))
}

/// The parameters from `i` up to the entry's end: `ma`, the versions, and where it ended.
fn parameters(b: &[u8], mut i: usize) -> Result<(u32, Vec<u16>, usize), Invalid> {
    let ows = |b: &[u8], mut i: usize, end: usize| {
        while i < end && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        i
    };
    let comma_after = |i: usize| {
        b[i..]
            .iter()
            .position(|&c| c == b',')
            .map_or(b.len(), |p| i + p)
    };
    let (mut max_age, mut versions) = (DEFAULT_MAX_AGE_S, Vec::new());
    let mut end = comma_after(i);
    while i < end {
        i = ows(b, i, end);
        if i == end {
            break;
        }
        if b[i] != b';' {
            return Err(Invalid("text after an entry that is not a parameter"));
        }
        i = ows(b, i + 1, end);
        if i == end {
            break;
        }
        let start = i;
        while i < end && !matches!(b[i], b'=' | b' ' | b'\t') {
            i += 1;
        }
        let name = String::from_utf8_lossy(&b[start..i]).to_ascii_lowercase();
        i = ows(b, i, end);
        if i == end || b[i] != b'=' {
            return Err(Invalid("a parameter without a value"));
        }
        i = ows(b, i + 1, end);
        let value_start = i;
        if name == "v" {
            let (list, next) = version_list(b, i)?;
            versions = list;
            i = next;
            end = comma_after(i);
            continue;
        }
        while i < end && !matches!(b[i], b';' | b' ' | b'\t') {
            i += 1;
        }
        if i == value_start {
            return Err(Invalid("a parameter without a value"));
        }
        if name == "ma" {
            let v = std::str::from_utf8(&b[value_start..i]).unwrap_or("");
            max_age = positive(v, u64::from(u32::MAX)).ok_or(Invalid("a bad ma"))? as u32;
        }
    }
    Ok((max_age, versions, i))
}

/// `v="1,2"`: positive 16-bit numbers, comma-separated, in quotes; where the list ends.
fn version_list(b: &[u8], i: usize) -> Result<(Vec<u16>, usize), Invalid> {
    if b.get(i) != Some(&b'"') {
        return Err(Invalid("a v list not in quotes"));
    }
    let close =
        (b[i + 1..].iter().position(|&c| c == b'"')).ok_or(Invalid("an unterminated v list"))?;
    let inside = std::str::from_utf8(&b[i + 1..i + 1 + close]).map_err(|_| Invalid("a bad v"))?;
    let list = (inside.split(','))
        .map(|v| positive(v.trim_matches([' ', '\t']), u64::from(u16::MAX)).map(|v| v as u16))
        .collect::<Option<Vec<u16>>>()
        .ok_or(Invalid("a bad version in v"))?;
    Ok((list, i + close + 2))
}

/// The protocols an alternative service may offer that Chromium keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    H2,
    /// HTTP/3 over QUIC version 1.
    H3,
}

/// An alternative Chromium keeps for an origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    pub protocol: Protocol,
    /// Empty for the origin's own host.
    pub host: String,
    pub port: u16,
    /// Seconds since the epoch after which it is no longer used.
    pub expires: i64,
}

/// The entries Chromium keeps, each expiring `ma` seconds after `now` (module doc).
pub fn keep(entries: &[Entry], now: i64) -> Vec<Alternative> {
    (entries.iter())
        .filter_map(|e| {
            let protocol = match e.protocol_id.as_str() {
                "h2" => Protocol::H2,
                "h3" => Protocol::H3,
                _ => return None,
            };
            Some(Alternative {
                protocol,
                host: e.host.clone(),
                port: e.port,
                expires: now.saturating_add(i64::from(e.max_age_s)),
            })
        })
        .collect()
}

/// The alternatives the browser knows, per origin (`https://host:port`), and the ones marked
/// broken until a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    by_origin: BTreeMap<String, Vec<Alternative>>,
    broken: BTreeMap<(Protocol, String, u16), i64>,
}

/// Why an origin's response left the store as it was, or what it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Learned {
    /// The response was not read: not secure, or its certificate had an error.
    NotRead,
    Invalid(Invalid),
    /// The origin's alternatives are now these (none: erased).
    Set(Vec<Alternative>),
}

impl Store {
    /// A response from `origin` (secure and with a valid certificate, or not) carrying `value`.
    pub fn learn(&mut self, origin: &str, secure_ok: bool, value: &str, now: i64) -> Learned {
        if !secure_ok {
            return Learned::NotRead;
        }
        let kept = match parse(value) {
            Ok(entries) => keep(&entries, now),
            Err(e) => return Learned::Invalid(e),
        };
        if kept.is_empty() {
            self.by_origin.remove(origin);
        } else {
            self.by_origin.insert(origin.to_string(), kept.clone());
        }
        Learned::Set(kept)
    }

    /// The alternative a request to `host:port` over https would race against TCP, if any
    /// (module doc).
    pub fn usable(&self, host: &str, port: u16, now: i64) -> Option<Alternative> {
        let list = self.by_origin.get(&format!("https://{host}:{port}"))?;
        list.iter()
            .filter(|a| a.expires > now)
            .filter(|a| a.protocol == Protocol::H3)
            .filter(|a| !(port < 1024 && a.port >= 1024))
            .map(|a| Alternative {
                host: if a.host.is_empty() {
                    host.to_string()
                } else {
                    a.host.clone()
                },
                ..a.clone()
            })
            .find(|a| !self.is_broken(a, now))
    }

    /// Marks `a` broken until `until` (the QUIC job failed where TCP worked).
    pub fn mark_broken(&mut self, a: &Alternative, until: i64) {
        self.broken
            .insert((a.protocol, a.host.clone(), a.port), until);
    }

    /// Whether `a` is marked broken at `now`.
    pub fn is_broken(&self, a: &Alternative, now: i64) -> bool {
        (self.broken.get(&(a.protocol, a.host.clone(), a.port))).is_some_and(|until| *until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Entry {
        let mut e = parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(e.len(), 1, "{v}");
        e.remove(0)
    }

    /// The cases of quiche's spdy_alt_svc_wire_format_test.cc and what its parser gives.
    #[test]
    fn reads_as_quiche_does() {
        assert_eq!(parse("clear"), Ok(vec![]));
        let e = one("quic=\"[2003:8:0:16::509d:9615]:443\"; v=\"36,35\"; ma=60");
        assert_eq!(e.host, "[2003:8:0:16::509d:9615]");
        assert_eq!((e.port, e.max_age_s, e.versions), (443, 60, vec![36, 35]));
        let e = one("h3=\":443\"");
        assert_eq!((e.protocol_id.as_str(), e.host.as_str()), ("h3", ""));
        assert_eq!((e.port, e.max_age_s), (443, DEFAULT_MAX_AGE_S));
        assert_eq!(one("h3=\":443\" ; ma = 60").max_age_s, 60);
        assert_eq!(one("h3=\":443\"; MA=60").max_age_s, 60);
        assert_eq!(one("h3=\":443\"; persist=1").max_age_s, DEFAULT_MAX_AGE_S);
        assert_eq!(one("h3%2D29=\":443\"").protocol_id, "h3-29");
        assert_eq!(one("h2=\"alt\\.example:8443\"").host, "alt.example");
        assert_eq!(parse("h3=\":443\",,, h2=\":443\"").map(|v| v.len()), Ok(2));
        // "clear" is special only as the whole value.
        assert_eq!(one("clear, h3=\":443\"").protocol_id, "clear, h3");
        for bad in [
            "",
            " clear",
            "a%",
            "a%x",
            "a=",
            "a=\"b\"",
            "a=\":\"",
            "a=\"c:foo\"",
            "a=\"c:42foo\"",
            "a=\"b:42\"bar",
            "a=\"b:42\" ; ma",
            "a=\"b:42\" ; ma=",
            "a=\"b:42\" ; ma=123bar",
            "a=\"b:42\" ; ma=0",
            "a=\"b:42\" ; ma=4294967296",
            "a=\"b:42\" ; v=24",
            "a=\"b:42\" ; v=\"24,\"",
            "a=\"b:42\" ; v=\"-3\"",
            "a=\":0\"",
            "a=\"[2003:8:0:16::509d:9615]\"",
            "h3=\":443\"; persist",
            "h3=\":443\", bogus",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn keeps_h2_and_h3_and_replaces_or_erases() {
        let mut s = Store::default();
        let o = "https://www.example.com:443";
        let got = s.learn(
            o,
            true,
            "h3-29=\":443\", h3=\":443\"; ma=3600, quic=\":443\"",
            1000,
        );
        let Learned::Set(kept) = got else {
            panic!("{got:?}")
        };
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].protocol, kept[0].expires), (Protocol::H3, 4600));
        let a = s.usable("www.example.com", 443, 1000).expect("usable");
        assert_eq!((a.host.as_str(), a.port), ("www.example.com", 443));
        assert_eq!(s.usable("www.example.com", 443, 4600), None, "expired");
        assert_eq!(s.learn(o, false, "h3=\":443\"", 1000), Learned::NotRead);
        assert!(matches!(s.learn(o, true, "h3=", 1000), Learned::Invalid(_)));
        assert!(s.usable("www.example.com", 443, 1000).is_some(), "kept");
        s.mark_broken(&a, 1300);
        assert_eq!(s.usable("www.example.com", 443, 1200), None, "broken");
        assert!(
            s.usable("www.example.com", 443, 1300).is_some(),
            "no longer"
        );
        assert_eq!(s.learn(o, true, "clear", 1000), Learned::Set(vec![]));
        assert_eq!(s.usable("www.example.com", 443, 1000), None, "cleared");
        s.learn(o, true, "h3=\":8443\"", 0);
        assert_eq!(s.usable("www.example.com", 443, 0), None, "a user port");
        s.learn(o, true, "h2=\":443\"", 0);
        assert_eq!(
            s.usable("www.example.com", 443, 0),
            None,
            "h2 alternatives are off"
        );
    }
}
