//! QPACK (RFC 9204) with its static table only: how an HTTP/3 request's or response's fields
//! are coded in its HEADERS frame when no dynamic table is used. Each field section starts
//! with a Required Insert Count and a Base of zero (§4.5.1); each field is then a static
//! table index when the table has the name and value (§4.5.2), the index of its name with the
//! value written out (§4.5.4), or the name and value written out (§4.5.6). Strings are
//! Huffman-coded with HPACK's code (RFC 7541 Appendix B) when that is shorter, as quiche's
//! `QpackInstructionEncoder` chooses.
//!
//! Left out: the dynamic table (its encoder and decoder streams' instructions), which a peer
//! that allows it (Chromium's SETTINGS offer 65,536 bytes) may use; this model's encoders do
//! not.

// Integers with an N-bit prefix are HPACK's (RFC 9204 §4.1.1 defers to RFC 7541 §5.1).
use super::hpack::{huffman_decode, huffman_encode, huffman_len, integer};
use crate::model::trace::WireField;
use std::fmt;

/// RFC 9204 Appendix A: the static table, index from 0.
pub const STATIC_TABLE: [(&str, &str); 99] = [
    (":authority", ""),
    (":path", "/"),
    ("age", "0"),
    ("content-disposition", ""),
    ("content-length", "0"),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("referer", ""),
    ("set-cookie", ""),
    (":method", "CONNECT"),
    (":method", "DELETE"),
    (":method", "GET"),
    (":method", "HEAD"),
    (":method", "OPTIONS"),
    (":method", "POST"),
    (":method", "PUT"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "103"),
    (":status", "200"),
    (":status", "304"),
    (":status", "404"),
    (":status", "503"),
    ("accept", "*/*"),
    ("accept", "application/dns-message"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-ranges", "bytes"),
    ("access-control-allow-headers", "cache-control"),
    ("access-control-allow-headers", "content-type"),
    ("access-control-allow-origin", "*"),
    ("cache-control", "max-age=0"),
    ("cache-control", "max-age=2592000"),
    ("cache-control", "max-age=604800"),
    ("cache-control", "no-cache"),
    ("cache-control", "no-store"),
    ("cache-control", "public, max-age=31536000"),
    ("content-encoding", "br"),
    ("content-encoding", "gzip"),
    ("content-type", "application/dns-message"),
    ("content-type", "application/javascript"),
    ("content-type", "application/json"),
    ("content-type", "application/x-www-form-urlencoded"),
    ("content-type", "image/gif"),
    ("content-type", "image/jpeg"),
    ("content-type", "image/png"),
    ("content-type", "text/css"),
    ("content-type", "text/html; charset=utf-8"),
    ("content-type", "text/plain"),
    ("content-type", "text/plain;charset=utf-8"),
    ("range", "bytes=0-"),
    ("strict-transport-security", "max-age=31536000"),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains; preload",
    ),
    ("vary", "accept-encoding"),
    ("vary", "origin"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    (":status", "100"),
    (":status", "204"),
    (":status", "206"),
    (":status", "302"),
    (":status", "400"),
    (":status", "403"),
    (":status", "421"),
    (":status", "425"),
    (":status", "500"),
    ("accept-language", ""),
    ("access-control-allow-credentials", "FALSE"),
    ("access-control-allow-credentials", "TRUE"),
    ("access-control-allow-headers", "*"),
    ("access-control-allow-methods", "get"),
    ("access-control-allow-methods", "get, post, options"),
    ("access-control-allow-methods", "options"),
    ("access-control-expose-headers", "content-length"),
    ("access-control-request-headers", "content-type"),
    ("access-control-request-method", "get"),
    ("access-control-request-method", "post"),
    ("alt-svc", "clear"),
    ("authorization", ""),
    (
        "content-security-policy",
        "script-src 'none'; object-src 'none'; base-uri 'none'",
    ),
    ("early-data", "1"),
    ("expect-ct", ""),
    ("forwarded", ""),
    ("if-range", ""),
    ("origin", ""),
    ("purpose", "prefetch"),
    ("server", ""),
    ("timing-allow-origin", "*"),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", ""),
    ("x-forwarded-for", ""),
    ("x-frame-options", "deny"),
    ("x-frame-options", "sameorigin"),
];

/// A field section's bytes, each field's bytes named by how it was coded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub bytes: Vec<u8>,
    pub fields: Vec<WireField>,
}

/// Codes `fields` (names in lower case) against the static table; `huffman` off writes every
/// string as it is (RFC 9204 Appendix B's examples do).
pub fn encode<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>, huffman: bool) -> Section {
    // The encoded Required Insert Count and the Base: both zero without a dynamic table.
    let mut s = Section {
        bytes: vec![0, 0],
        fields: vec![WireField {
            start: 0,
            end: 2,
            name: "prefix: Required Insert Count 0, Base 0".into(),
        }],
    };
    for (name, value) in fields {
        let start = s.bytes.len();
        let exact = STATIC_TABLE
            .iter()
            .position(|&(n, v)| n == name && v == value);
        let named = STATIC_TABLE.iter().position(|&(n, _)| n == name);
        let how = if let Some(i) = exact {
            integer(&mut s.bytes, 6, 0xc0, i as u64);
            format!("static index {i}")
        } else if let Some(i) = named {
            integer(&mut s.bytes, 4, 0x50, i as u64);
            string(&mut s.bytes, 7, 0x80, value.as_bytes(), huffman);
            format!("name from static index {i}, value written")
        } else {
            string(&mut s.bytes, 3, 0x20, name.as_bytes(), huffman);
            string(&mut s.bytes, 7, 0x80, value.as_bytes(), huffman);
            "name and value written".to_string()
        };
        s.fields.push(WireField {
            start,
            end: s.bytes.len(),
            name: format!("{name}: {value} — {how}"),
        });
    }
    s
}

/// §4.1.2: a string literal whose length has an N-bit `prefix` in a first byte with `flags`,
/// the Huffman bit (`h_bit`) just above the prefix, set when the code is shorter.
fn string(out: &mut Vec<u8>, prefix: u8, flags: u8, s: &[u8], huffman: bool) {
    let h_bit = 1u8 << prefix;
    let flags = flags & !h_bit;
    let h = huffman_len(s);
    if huffman && h < s.len() {
        integer(out, prefix, flags | h_bit, h as u64);
        huffman_encode(s, out);
    } else {
        integer(out, prefix, flags, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// Why a field section does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    Truncated,
    /// A reference to the dynamic table, which this model does not keep.
    Dynamic,
    BadIndex(u64),
    Huffman,
    NotUtf8,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("the field section ends early"),
            Error::Dynamic => f.write_str("a dynamic table reference (not modelled)"),
            Error::BadIndex(i) => write!(f, "static index {i} does not exist"),
            Error::Huffman => f.write_str("a bad Huffman code"),
            Error::NotUtf8 => f.write_str("a field that is not UTF-8"),
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&self) -> Result<u8, Error> {
        self.b.get(self.at).copied().ok_or(Error::Truncated)
    }

    fn integer(&mut self, prefix: u8) -> Result<u64, Error> {
        let max = (1u64 << prefix) - 1;
        let mut v = u64::from(self.byte()?) & max;
        self.at += 1;
        if v < max {
            return Ok(v);
        }
        for shift in (0..63).step_by(7) {
            let b = self.byte()?;
            self.at += 1;
            v = v
                .checked_add(u64::from(b & 0x7f) << shift)
                .ok_or(Error::Truncated)?;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Truncated)
    }

    fn string(&mut self, prefix: u8) -> Result<String, Error> {
        let huffman = self.byte()? & (1 << prefix) != 0;
        let len = self.integer(prefix)?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.at.checked_add(l))
            .filter(|&e| e <= self.b.len())
            .ok_or(Error::Truncated)?;
        let raw = &self.b[self.at..end];
        self.at = end;
        let bytes = if huffman {
            huffman_decode(raw).map_err(|_| Error::Huffman)?
        } else {
            raw.to_vec()
        };
        String::from_utf8(bytes).map_err(|_| Error::NotUtf8)
    }
}

fn entry(i: u64) -> Result<(&'static str, &'static str), Error> {
    usize::try_from(i)
        .ok()
        .and_then(|i| STATIC_TABLE.get(i))
        .copied()
        .ok_or(Error::BadIndex(i))
}

/// The fields of a static-only field section.
pub fn decode(b: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let mut r = Reader { b, at: 0 };
    if r.integer(8)? != 0 {
        return Err(Error::Dynamic);
    }
    r.integer(7)?;
    let mut out = Vec::new();
    while r.at < b.len() {
        let first = r.byte()?;
        let (name, value) = if first & 0x80 != 0 {
            if first & 0x40 == 0 {
                return Err(Error::Dynamic);
            }
            let (n, v) = entry(r.integer(6)?)?;
            (n.to_string(), v.to_string())
        } else if first & 0x40 != 0 {
            if first & 0x10 == 0 {
                return Err(Error::Dynamic);
            }
            let (n, _) = entry(r.integer(4)?)?;
            (n.to_string(), r.string(7)?)
        } else if first & 0x20 != 0 {
            (r.string(3)?, r.string(7)?)
        } else {
            return Err(Error::Dynamic);
        };
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9204 §B.1: `:path: /index.html` by its name's static index, no Huffman.
    #[test]
    fn appendix_b1_byte_for_byte() {
        let s = encode([(":path", "/index.html")], false);
        let hex: String = s.bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "0000510b2f696e6465782e68746d6c");
        assert_eq!(
            decode(&s.bytes),
            Ok(vec![(":path".into(), "/index.html".into())])
        );
    }

    #[test]
    fn a_request_round_trips_with_huffman() {
        let fields = [
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "www.example.com"),
            (":path", "/"),
            ("sec-ch-ua-mobile", "?0"),
            ("accept-encoding", "gzip, deflate, br, zstd"),
            ("priority", "u=0, i"),
        ];
        let s = encode(fields, true);
        let back = decode(&s.bytes).expect("decodes");
        let back: Vec<(&str, &str)> = back.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        assert_eq!(back, fields);
        // :method GET, :scheme https and :path / are one byte each.
        assert_eq!(s.fields[1].end - s.fields[1].start, 1);
        assert_eq!(s.fields[2].end - s.fields[2].start, 1);
        assert_eq!(s.fields[4].end - s.fields[4].start, 1);
        assert!(s.bytes.len() < encode(fields, false).bytes.len());
        for cut in 1..s.bytes.len() {
            let _ = decode(&s.bytes[..cut]);
        }
        assert_eq!(decode(&[0, 0, 0xff, 0x7f]), Err(Error::BadIndex(190)));
        assert_eq!(decode(&[1, 0]), Err(Error::Dynamic));
    }
}
