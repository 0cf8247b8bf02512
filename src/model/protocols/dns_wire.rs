//! DNS messages on the wire (RFC 1035 §4): the header, the question, and resource records, with
//! domain-name compression, written and read back byte for byte.
//!
//! Modelled: the 12-byte header and its flags (§4.1.1), questions (§4.1.2), resource records
//! (§4.1.3) of the types a browser's lookup meets — A, AAAA (RFC 3596), NS, CNAME, SOA (the
//! authority of a negative answer, RFC 2308) and HTTPS (RFC 9460, [`crate::model::svcb`]) — and any other type kept as opaque bytes;
//! compression (§4.1.4): a name, or the tail of a name, already written is replaced by a
//! two-byte pointer to it, in owner names and in the names inside NS, CNAME and SOA data (RFC
//! 3597 §4 allows it for those well-known types only). Reading refuses what a resolver would
//! refuse — a message cut short, a label over 63 bytes, a name over 255, a pointer forward or
//! in a loop — with the offset where it went wrong; it never panics. Each field's place in the
//! bytes is returned too (a [`Wire`], the trace's), for an inspector that highlights a field's
//! bytes. A message the wire cannot carry (a name too long, more than 65,535 records in a
//! section or data bytes in a record) is refused when written, never cut short.
//!
//! Left out: EDNS(0) (RFC 6891) and DNSSEC records (kept as opaque types), TCP's two-byte
//! length prefix, and name case randomisation.

use crate::model::trace::{Wire, WireField};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Record types (RFC 1035 §3.2.2, RFC 3596 §2.1).
pub mod rtype {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const AAAA: u16 = 28;
    /// RFC 9460 §9.
    pub const HTTPS: u16 = 65;
}

/// The Internet class (RFC 1035 §3.2.4).
pub const CLASS_IN: u16 = 1;

/// Longest name on the wire, length bytes included (RFC 1035 §2.3.4).
pub const MAX_NAME: usize = 255;
/// Longest label (RFC 1035 §2.3.4): the two top bits of a length byte are its kind.
pub const MAX_LABEL: usize = 63;

/// A DNS message (RFC 1035 §4.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub flags: Flags,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

/// The header's second 16 bits (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// A response (1) or a query (0).
    pub qr: bool,
    pub opcode: u8,
    /// Authoritative answer.
    pub aa: bool,
    /// Truncated.
    pub tc: bool,
    /// Recursion desired (the stub resolver asks the recursive resolver to walk the tree).
    pub rd: bool,
    /// Recursion available.
    pub ra: bool,
    /// The three reserved bits (`Z`; RFC 4035 later gave two of them to DNSSEC), kept as read.
    pub z: u8,
    /// 0 no error, 2 server failure, 3 name error (NXDOMAIN), 5 refused.
    pub rcode: u8,
}

impl Flags {
    pub fn to_u16(self) -> u16 {
        (u16::from(self.qr) << 15)
            | (u16::from(self.opcode & 0xf) << 11)
            | (u16::from(self.aa) << 10)
            | (u16::from(self.tc) << 9)
            | (u16::from(self.rd) << 8)
            | (u16::from(self.ra) << 7)
            | (u16::from(self.z & 0x7) << 4)
            | u16::from(self.rcode & 0xf)
    }

    pub fn from_u16(v: u16) -> Flags {
        Flags {
            qr: v & 0x8000 != 0,
            opcode: ((v >> 11) & 0xf) as u8,
            aa: v & 0x0400 != 0,
            tc: v & 0x0200 != 0,
            rd: v & 0x0100 != 0,
            ra: v & 0x0080 != 0,
            z: ((v >> 4) & 0x7) as u8,
            rcode: (v & 0xf) as u8,
        }
    }
}

/// A question: the name, type and class asked for (RFC 1035 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Dotted, without the root's final dot; empty for the root.
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// A resource record (RFC 1035 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    /// Seconds the record may be cached.
    pub ttl: u32,
    pub data: RData,
}

/// A record's data, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// NS and CNAME: a name.
    Name(String),
    /// The zone's start of authority (RFC 1035 §3.3.13), in a negative answer's authority
    /// section: its `minimum` bounds how long the negative answer is cached (RFC 2308 §5).
    Soa(Soa),
    /// An HTTPS record (RFC 9460): its target name is never compressed (§2.2).
    Https(crate::model::svcb::Https),
    /// Any other type, as it is on the wire.
    Opaque(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: String,
    pub rname: String,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// Why bytes are not a DNS message, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.what)
    }
}

/// Why a message cannot be written: `what` of `subject` (a name, a count, a record) does not
/// fit the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteError {
    pub subject: String,
    pub what: &'static str,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.subject, self.what)
    }
}

/// `n` as a 16-bit field, or why it does not fit.
fn u16_of(n: usize, subject: &str) -> Result<u16, WriteError> {
    u16::try_from(n).map_err(|_| WriteError {
        subject: subject.to_string(),
        what: "more than a 16-bit field holds",
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes `m` with compression (RFC 1035 §4.1.4): its bytes and each field's place.
pub fn encode(m: &Message) -> Result<Wire, WriteError> {
    let mut w = Writer::default();
    w.u16(m.id, "header.id");
    w.u16(m.flags.to_u16(), "header.flags");
    for (n, what) in [
        (m.questions.len(), "header.qdcount"),
        (m.answers.len(), "header.ancount"),
        (m.authority.len(), "header.nscount"),
        (m.additional.len(), "header.arcount"),
    ] {
        w.u16(u16_of(n, what)?, what);
    }
    for (i, q) in m.questions.iter().enumerate() {
        w.name(&q.name, &format!("question[{i}].name"))?;
        w.u16(q.qtype, &format!("question[{i}].type"));
        w.u16(q.qclass, &format!("question[{i}].class"));
    }
    for (section, records) in [
        ("answer", &m.answers),
        ("authority", &m.authority),
        ("additional", &m.additional),
    ] {
        for (i, r) in records.iter().enumerate() {
            w.record(r, &format!("{section}[{i}]"))?;
        }
    }
    Ok(Wire {
        bytes: w.bytes,
        fields: w.spans,
    })
}

/// Writes `m` (see [`encode`]): just the bytes.
pub fn to_bytes(m: &Message) -> Result<Vec<u8>, WriteError> {
    encode(m).map(|w| w.bytes)
}

#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    spans: Vec<WireField>,
    /// Names written so far, each suffix with where it starts (only offsets a pointer can
    /// reach, below 0x4000).
    suffixes: Vec<(String, u16)>,
}

impl Writer {
    fn span(&mut self, start: usize, field: &str) {
        self.spans.push(WireField {
            start,
            end: self.bytes.len(),
            name: field.to_string(),
        });
    }

    fn u16(&mut self, v: u16, field: &str) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&v.to_be_bytes());
        self.span(start, field);
    }

    fn u32(&mut self, v: u32, field: &str) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&v.to_be_bytes());
        self.span(start, field);
    }

    /// A name: its labels until a suffix already written, then a pointer to it (or the root's
    /// zero byte).
    fn name(&mut self, name: &str, field: &str) -> Result<(), WriteError> {
        let start = self.bytes.len();
        let labels = labels(name)?;
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".");
            if let Some(&(_, at)) = self.suffixes.iter().find(|(s, _)| *s == suffix) {
                self.bytes.extend_from_slice(&(0xc000 | at).to_be_bytes());
                self.span(start, field);
                return Ok(());
            }
            if let Ok(at) = u16::try_from(self.bytes.len()) {
                if at < 0x4000 {
                    self.suffixes.push((suffix, at));
                }
            }
            self.bytes.push(labels[i].len() as u8);
            self.bytes.extend_from_slice(labels[i].as_bytes());
        }
        self.bytes.push(0);
        self.span(start, field);
        Ok(())
    }

    fn record(&mut self, r: &Record, at: &str) -> Result<(), WriteError> {
        self.name(&r.name, &format!("{at}.name"))?;
        self.u16(r.rtype, &format!("{at}.type"));
        self.u16(r.class, &format!("{at}.class"));
        self.u32(r.ttl, &format!("{at}.ttl"));
        let len_at = self.bytes.len();
        self.u16(0, &format!("{at}.rdlength"));
        let start = self.bytes.len();
        match &r.data {
            RData::A(a) => self.bytes.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => self.bytes.extend_from_slice(&a.octets()),
            RData::Name(n) => self.name(n, &format!("{at}.target"))?,
            RData::Soa(s) => {
                self.name(&s.mname, &format!("{at}.mname"))?;
                self.name(&s.rname, &format!("{at}.rname"))?;
                for (v, f) in [
                    (s.serial, "serial"),
                    (s.refresh, "refresh"),
                    (s.retry, "retry"),
                    (s.expire, "expire"),
                    (s.minimum, "minimum"),
                ] {
                    self.u32(v, &format!("{at}.{f}"));
                }
            }
            RData::Opaque(b) => self.bytes.extend_from_slice(b),
            RData::Https(h) => self.bytes.extend_from_slice(&crate::model::svcb::encode(h)),
        }
        if matches!(
            r.data,
            RData::A(_) | RData::Aaaa(_) | RData::Opaque(_) | RData::Https(_)
        ) {
            self.span(start, &format!("{at}.data"));
        }
        let len = u16_of(self.bytes.len() - start, &format!("{at}.rdlength"))?;
        self.bytes[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }
}

/// A name's labels, checked against the wire's limits.
fn labels(name: &str) -> Result<Vec<&str>, WriteError> {
    let bad = |what| WriteError {
        subject: name.to_string(),
        what,
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Ok(vec![]);
    }
    let labels: Vec<&str> = trimmed.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(bad("an empty label"));
    }
    if labels.iter().any(|l| l.len() > MAX_LABEL) {
        return Err(bad("a label over 63 bytes"));
    }
    if trimmed.len() + 2 > MAX_NAME {
        return Err(bad("a name over 255 bytes"));
    }
    Ok(labels)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads a message; never panics, whatever the bytes.
pub fn decode(b: &[u8]) -> Result<Message, WireError> {
    let mut r = Reader { b, at: 0 };
    let id = r.u16()?;
    let flags = Flags::from_u16(r.u16()?);
    let counts = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
    let mut m = Message {
        id,
        flags,
        ..Message::default()
    };
    for _ in 0..counts[0] {
        let name = r.name()?;
        m.questions.push(Question {
            name,
            qtype: r.u16()?,
            qclass: r.u16()?,
        });
    }
    for (n, section) in counts[1..].iter().zip(0..) {
        for _ in 0..*n {
            let rec = r.record()?;
            match section {
                0 => m.answers.push(rec),
                1 => m.authority.push(rec),
                _ => m.additional.push(rec),
            }
        }
    }
    if r.at != b.len() {
        return Err(r.err("bytes after the last record"));
    }
    Ok(m)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn err(&self, what: &'static str) -> WireError {
        WireError {
            offset: self.at,
            what,
        }
    }

    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len());
        let Some(end) = end else {
            return Err(self.err("the message ends too soon"));
        };
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// A name at the cursor; the cursor moves past it (past its pointer, if any).
    fn name(&mut self) -> Result<String, WireError> {
        let (name, end) = read_name(self.b, self.at)?;
        self.at = end;
        Ok(name)
    }

    fn record(&mut self) -> Result<Record, WireError> {
        let name = self.name()?;
        let rtype = self.u16()?;
        let class = self.u16()?;
        let ttl = self.u32()?;
        let len = usize::from(self.u16()?);
        let start = self.at;
        self.take(len)?;
        let end = self.at;
        self.at = start;
        let data = match rtype {
            rtype::A if len == 4 => {
                let s = self.take(4)?;
                RData::A(Ipv4Addr::new(s[0], s[1], s[2], s[3]))
            }
            rtype::AAAA if len == 16 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(self.take(16)?);
                RData::Aaaa(Ipv6Addr::from(o))
            }
            rtype::A | rtype::AAAA => return Err(self.err("an address of the wrong length")),
            rtype::NS | rtype::CNAME => RData::Name(self.name()?),
            rtype::SOA => RData::Soa(Soa {
                mname: self.name()?,
                rname: self.name()?,
                serial: self.u32()?,
                refresh: self.u32()?,
                retry: self.u32()?,
                expire: self.u32()?,
                minimum: self.u32()?,
            }),
            rtype::HTTPS => {
                let at = self.at;
                let data = self.take(len)?;
                RData::Https(crate::model::svcb::decode(data).map_err(|e| WireError {
                    offset: at + e.offset,
                    what: e.what,
                })?)
            }
            _ => RData::Opaque(self.take(len)?.to_vec()),
        };
        if self.at != end {
            return Err(self.err("record data of another length than RDLENGTH says"));
        }
        Ok(Record {
            name,
            rtype,
            class,
            ttl,
            data,
        })
    }
}

/// The name at `at` in `b` and the offset just past it where it was written (pointers
/// followed: each must point backwards, so a loop cannot happen).
pub fn read_name(b: &[u8], at: usize) -> Result<(String, usize), WireError> {
    let err = |offset, what| WireError { offset, what };
    let mut labels: Vec<String> = Vec::new();
    let mut len = 1;
    let mut pos = at;
    let mut end = None;
    loop {
        let Some(&n) = b.get(pos) else {
            return Err(err(pos, "the message ends inside a name"));
        };
        match n & 0xc0 {
            0x00 if n == 0 => {
                let end = end.unwrap_or(pos + 1);
                return Ok((labels.join("."), end));
            }
            0x00 => {
                let n = usize::from(n);
                let Some(label) = b.get(pos + 1..pos + 1 + n) else {
                    return Err(err(pos, "the message ends inside a label"));
                };
                len += n + 1;
                if len > MAX_NAME {
                    return Err(err(pos, "a name over 255 bytes"));
                }
                labels.push(label.iter().map(|&c| escape(c)).collect());
                pos += 1 + n;
            }
            0xc0 => {
                let Some(&lo) = b.get(pos + 1) else {
                    return Err(err(pos, "the message ends inside a pointer"));
                };
                let target = usize::from(u16::from_be_bytes([n & 0x3f, lo]));
                if target >= pos {
                    return Err(err(pos, "a pointer that does not point backwards"));
                }
                end.get_or_insert(pos + 2);
                pos = target;
            }
            _ => return Err(err(pos, "a label type that is not defined (0x40 or 0x80)")),
        }
    }
}

/// A label byte as text: printable ASCII as it is, `.` and `\` escaped, others as `\DDD`
/// (RFC 4343 §2.1's presentation form).
fn escape(c: u8) -> String {
    match c {
        b'.' | b'\\' => format!("\\{}", c as char),
        0x21..=0x7e => (c as char).to_string(),
        _ => format!("\\{c:03}"),
    }
}

/// The name of a record type, for the inspector.
pub fn type_name(t: u16) -> String {
    match t {
        rtype::A => "A".into(),
        rtype::NS => "NS".into(),
        rtype::CNAME => "CNAME".into(),
        rtype::SOA => "SOA".into(),
        rtype::AAAA => "AAAA".into(),
        rtype::HTTPS => "HTTPS".into(),
        other => format!("TYPE{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, t: u16) -> Message {
        Message {
            id: 0,
            flags: Flags {
                rd: true,
                ..Flags::default()
            },
            questions: vec![Question {
                name: name.into(),
                qtype: t,
                qclass: CLASS_IN,
            }],
            ..Message::default()
        }
    }

    #[test]
    fn a_query_is_rfc_8484s_example() {
        let b = to_bytes(&query("www.example.com", rtype::A)).unwrap();
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(
            hex,
            "00000100000100000000000003777777076578616d706c6503636f6d0000010001"
        );
    }

    #[test]
    fn names_repeat_as_pointers() {
        let mut m = query("www.example.com", rtype::A);
        m.flags.qr = true;
        m.answers.push(Record {
            name: "www.example.com".into(),
            rtype: rtype::CNAME,
            class: CLASS_IN,
            ttl: 300,
            data: RData::Name("cdn.example.com".into()),
        });
        let w = encode(&m).unwrap();
        let (b, spans) = (w.bytes, w.fields);
        // The answer's owner is a pointer to the question's name at 12; its target writes
        // `cdn` then points at `example.com` (16).
        assert_eq!(&b[33..35], &[0xc0, 0x0c]);
        assert!(b.windows(6).any(|w| w == [3, b'c', b'd', b'n', 0xc0, 0x10]));
        assert_eq!(decode(&b).unwrap(), m);
        let s = spans.iter().find(|s| s.name == "answer[0].ttl").unwrap();
        assert_eq!(&b[s.start..s.end], &300u32.to_be_bytes());
    }

    #[test]
    fn bad_bytes_are_refused_where_they_go_wrong() {
        let good = to_bytes(&query("example.com", rtype::A)).unwrap();
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        // A pointer to itself.
        let mut looped = good.clone();
        looped[12] = 0xc0;
        looped[13] = 12;
        assert_eq!(
            decode(&looped).unwrap_err().what,
            "a pointer that does not point backwards"
        );
        let mut reserved = good;
        reserved[12] = 0x40;
        assert!(decode(&reserved).is_err());
    }

    #[test]
    fn names_the_wire_cannot_carry_are_refused() {
        let long = "a".repeat(64);
        assert!(to_bytes(&query(&long, rtype::A)).is_err());
        let many = vec!["abcdefgh"; 30].join(".");
        assert!(to_bytes(&query(&many, rtype::A)).is_err());
        assert!(to_bytes(&query("a..b", rtype::A)).is_err());
        assert!(to_bytes(&query("", rtype::NS)).is_ok());
        // Record data over 65,535 bytes does not fit RDLENGTH: refused, not cut short.
        let mut big = query("a", rtype::A);
        big.answers.push(Record {
            name: "a".into(),
            rtype: 99,
            class: CLASS_IN,
            ttl: 0,
            data: RData::Opaque(vec![0; 70_000]),
        });
        assert_eq!(to_bytes(&big).unwrap_err().subject, "answer[0].rdlength");
    }
}
