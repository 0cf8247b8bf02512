//! HPACK, HTTP/2's header compression (RFC 7541): each side keeps a table of the header fields it
//! has sent (the static table of 61 common fields, then a dynamic table of recent ones), and a
//! field already in the table goes out as one small index.
//!
//! Modelled: integers with an N-bit prefix (§5.1), string literals raw or with the static
//! Huffman code (§5.2, Appendix B), the static table (Appendix A), the dynamic table with its
//! size accounting and eviction (§4), the four representations (§6: indexed, literal with
//! incremental indexing, without indexing, never indexed) and the dynamic table size update
//! (§6.3). The [`Encoder`] chooses as Chromium's encoder does (quiche's `HpackEncoder`,
//! <https://github.com/google/quiche/blob/main/quiche/http2/hpack/hpack_encoder.cc>):
//! pseudo-header fields first; a field whose name and value are both in a table is indexed
//! (static table first); every regular field and `:authority` is added to the dynamic table,
//! the other pseudo-header fields are not; `cookie` is split into its crumbs (RFC 9113
//! §8.2.3); a string is Huffman-coded when that is strictly shorter. [`Policy::All`] indexes
//! everything, as RFC 7541 Appendix C's examples do. The [`Decoder`] reads any block back and
//! never panics on one. [`Policy::Nghttp2`] chooses as nghttp2 does (`deflate_nv` and
//! `hd_deflate_decide_indexing`, <https://github.com/nghttp2/nghttp2/blob/master/lib/nghttp2_hd.c>:
//! the h2-tls recording's server is node's `http2`, which is nghttp2): `:path`, `age`,
//! `content-length`, `etag`, `if-modified-since`, `if-none-match`, `location` and `set-cookie`
//! are not indexed, nor an entry over three quarters of the table; `authorization` and a
//! `cookie` under 20 bytes are never indexed; its first block opens with a size update to its
//! 4,096-byte table, because Chromium's SETTINGS announced 65,536.
//!
//! Left out: Chromium's encoder sends a size update only when the server announces a table
//! size other than 4,096 (the model's server announces none).

use crate::model::trace::WireField;
use std::collections::VecDeque;
use std::fmt;

/// The length in bits of each symbol's code (RFC 7541 Appendix B; 256 is EOS). The code is
/// canonical — symbols with codes of one length take consecutive values, in symbol order, after
/// the shorter ones — so the lengths alone give every code ([`code`]).
const CODE_BITS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32 ' '
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48 '0'
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64 '@'
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80 'P'
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96 '`'
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112 'p'
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240
    30, // 256 EOS
];

const EOS: usize = 256;

/// Every symbol's code, right-aligned, from [`CODE_BITS`] (canonical assignment).
fn codes() -> &'static [u32; 257] {
    static CODES: std::sync::OnceLock<[u32; 257]> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut order: Vec<usize> = (0..257).collect();
        order.sort_by_key(|&s| (CODE_BITS[s], s));
        let mut out = [0u32; 257];
        let (mut next, mut bits) = (0u32, CODE_BITS[order[0]]);
        for s in order {
            next <<= CODE_BITS[s] - bits;
            bits = CODE_BITS[s];
            out[s] = next;
            next += 1;
        }
        out
    })
}

/// One symbol's code and its length in bits.
pub fn code(symbol: usize) -> (u32, u8) {
    (codes()[symbol], CODE_BITS[symbol])
}

/// How many bytes `s` takes Huffman-coded (§5.2: padded to a whole byte).
pub fn huffman_len(s: &[u8]) -> usize {
    let bits: usize = s.iter().map(|&b| CODE_BITS[b as usize] as usize).sum();
    bits.div_ceil(8)
}

/// `s` Huffman-coded, padded with the most significant bits of EOS (all ones).
pub fn huffman_encode(s: &[u8], out: &mut Vec<u8>) {
    let (mut acc, mut n) = (0u64, 0u32);
    for &b in s {
        let (c, len) = code(b as usize);
        acc = (acc << len) | c as u64;
        n += len as u32;
        while n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    if n > 0 {
        out.push(((acc << (8 - n)) | (0xff >> n)) as u8);
    }
}

/// Huffman-coded bytes back to the string: an error for EOS inside the string, padding longer
/// than 7 bits, or padding that is not EOS's prefix (§5.2).
pub fn huffman_decode(b: &[u8]) -> Result<Vec<u8>, Error> {
    let codes = codes();
    // (length, code) → symbol, looked up as the bits arrive: at most 30 bits per symbol.
    let mut by_code: Vec<(u8, u32, u16)> = (0..257)
        .map(|s| (CODE_BITS[s], codes[s], s as u16))
        .collect();
    by_code.sort_unstable();
    let (mut acc, mut n, mut out) = (0u32, 0u8, Vec::new());
    for bit in b
        .iter()
        .flat_map(|&x| (0..8).rev().map(move |i| (x >> i) & 1))
    {
        acc = (acc << 1) | bit as u32;
        n += 1;
        if let Ok(i) = by_code.binary_search_by(|e| (e.0, e.1).cmp(&(n, acc))) {
            if by_code[i].2 as usize == EOS {
                return Err(Error::Huffman);
            }
            out.push(by_code[i].2 as u8);
            (acc, n) = (0, 0);
        } else if n >= 30 {
            return Err(Error::Huffman);
        }
    }
    if n > 7 || acc != (1u32 << n) - 1 {
        return Err(Error::Huffman);
    }
    Ok(out)
}

/// RFC 7541 Appendix A.
pub const STATIC_TABLE: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// The default and initial dynamic table size (RFC 9113 §6.5.2, SETTINGS_HEADER_TABLE_SIZE).
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// A dynamic table (§4): newest entry first; an entry costs its name, its value and 32 bytes.
#[derive(Clone, Debug, Default)]
struct Table {
    entries: VecDeque<(String, String)>,
    size: usize,
    max: usize,
}

impl Table {
    fn new(max: usize) -> Table {
        Table {
            max,
            ..Table::default()
        }
    }

    fn entry_size(name: &str, value: &str) -> usize {
        name.len() + value.len() + 32
    }

    /// Adds an entry, evicting the oldest until it fits (§4.4); one larger than the table
    /// empties it and is not added.
    fn add(&mut self, name: &str, value: &str) {
        let need = Table::entry_size(name, value);
        while self.size + need > self.max {
            match self.entries.pop_back() {
                Some((n, v)) => self.size -= Table::entry_size(&n, &v),
                None => return,
            }
        }
        self.size += need;
        self.entries
            .push_front((name.to_string(), value.to_string()));
    }

    fn resize(&mut self, max: usize) {
        self.max = max;
        while self.size > self.max {
            if let Some((n, v)) = self.entries.pop_back() {
                self.size -= Table::entry_size(&n, &v);
            }
        }
    }

    /// The field at a combined index (§2.3.3: static 1–61, then dynamic newest first).
    fn get(&self, index: u64) -> Option<(&str, &str)> {
        let i = usize::try_from(index).ok()?;
        match i {
            0 => None,
            1..=61 => Some(STATIC_TABLE[i - 1]),
            _ => self
                .entries
                .get(i - 62)
                .map(|(n, v)| (n.as_str(), v.as_str())),
        }
    }

    /// The index of `name: value`, or (`false`) of the name alone: static table first, its first
    /// entry with the name; then the dynamic table's newest.
    fn find(&self, name: &str, value: &str) -> Option<(usize, bool)> {
        let stat = STATIC_TABLE.iter().position(|e| *e == (name, value));
        let dynamic = || {
            self.entries
                .iter()
                .position(|(n, v)| n == name && v == value)
        };
        if let Some(i) = stat.map(|i| i + 1).or_else(|| dynamic().map(|i| i + 62)) {
            return Some((i, true));
        }
        let stat = STATIC_TABLE.iter().position(|e| e.0 == name);
        let dynamic = || self.entries.iter().position(|(n, _)| n == name);
        stat.map(|i| i + 1)
            .or_else(|| dynamic().map(|i| i + 62))
            .map(|i| (i, false))
    }
}

/// How a field went out (§6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Representation {
    /// §6.1: the whole field is the table entry at this index.
    Indexed(usize),
    /// §6.2.1: a literal value, the field then added to the dynamic table; the name by index
    /// or (`None`) literal.
    Incremental(Option<usize>),
    /// §6.2.2.
    WithoutIndexing(Option<usize>),
    /// §6.2.3: intermediaries must not index it either.
    NeverIndexed(Option<usize>),
}

impl Representation {
    fn describe(self) -> String {
        let name = |n: Option<usize>| match n {
            Some(i) => format!("name from the table ({})", where_(i)),
            None => "name literal".to_string(),
        };
        match self {
            Representation::Indexed(i) => format!("indexed: {}", where_(i)),
            Representation::Incremental(n) => {
                format!("literal, added to the dynamic table; {}", name(n))
            }
            Representation::WithoutIndexing(n) => format!("literal, not indexed; {}", name(n)),
            Representation::NeverIndexed(n) => format!("literal, never indexed; {}", name(n)),
        }
    }
}

fn where_(i: usize) -> String {
    if i <= 61 {
        format!("static {i}")
    } else {
        format!("dynamic {i}")
    }
}

/// Which fields an encoder adds to its dynamic table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// quiche's `DefaultPolicy`: every regular field and `:authority`.
    Chromium,
    /// nghttp2's `hd_deflate_decide_indexing` (module doc).
    Nghttp2,
    /// Every field, and Huffman whenever it is no longer (RFC 7541 Appendix C's examples).
    All,
}

/// One header block, encoded: its bytes and each field's representation, for the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub bytes: Vec<u8>,
    pub fields: Vec<WireField>,
}

/// One side's encoder: its dynamic table lives as long as the connection.
#[derive(Clone, Debug)]
pub struct Encoder {
    table: Table,
    policy: Policy,
    /// A size update the next block opens with (§4.2).
    update: Option<usize>,
}

impl Encoder {
    pub fn new(policy: Policy) -> Encoder {
        Encoder::with_table_size(policy, DEFAULT_TABLE_SIZE)
    }

    pub fn with_table_size(policy: Policy, max: usize) -> Encoder {
        Encoder {
            table: Table::new(max),
            policy,
            update: None,
        }
    }

    /// The peer announced SETTINGS_HEADER_TABLE_SIZE `limit`: nghttp2 keeps at most its own
    /// 4,096 bytes and says so at the start of its next block; quiche takes the peer's size.
    pub fn peer_table_size(&mut self, limit: usize) {
        let size = match self.policy {
            Policy::Nghttp2 => limit.min(DEFAULT_TABLE_SIZE),
            _ => limit,
        };
        if size != self.table.max || self.policy == Policy::Nghttp2 {
            self.table.resize(size);
            self.update = Some(size);
        }
    }

    /// Encodes one header list (names lowercase): pseudo-header fields first, cookies crumbled.
    pub fn encode<'a>(&mut self, headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Block {
        let (pseudo, regular): (Vec<_>, Vec<_>) =
            headers.into_iter().partition(|(n, _)| n.starts_with(':'));
        let mut block = Block {
            bytes: Vec::new(),
            fields: Vec::new(),
        };
        if let Some(size) = self.update.take() {
            integer(&mut block.bytes, 5, 0x20, size as u64);
            block.fields.push(WireField {
                start: 0,
                end: block.bytes.len(),
                name: format!("dynamic table size update: {size} bytes"),
            });
        }
        for (n, v) in pseudo.into_iter().chain(crumbs(regular)) {
            let start = block.bytes.len();
            let how = self.field(n, v, &mut block.bytes);
            block.fields.push(WireField {
                start,
                end: block.bytes.len(),
                name: format!("{n}: {v} — {}", how.describe()),
            });
        }
        block
    }

    /// How the policy sends a field not in the table: (indexed after, never indexed).
    fn indexing(&self, name: &str, value: &str) -> (bool, bool) {
        match self.policy {
            Policy::All => (true, false),
            Policy::Chromium => (!name.starts_with(':') || name == ":authority", false),
            Policy::Nghttp2 => {
                let never = name == "authorization" || name == "cookie" && value.len() < 20;
                let not = [
                    ":path",
                    "age",
                    "content-length",
                    "etag",
                    "if-modified-since",
                    "if-none-match",
                    "location",
                    "set-cookie",
                ]
                .contains(&name)
                    || Table::entry_size(name, value) > self.table.max * 3 / 4;
                (!never && !not, never)
            }
        }
    }

    fn field(&mut self, name: &str, value: &str, out: &mut Vec<u8>) -> Representation {
        let (index, never) = self.indexing(name, value);
        let found = self.table.find(name, value);
        if let Some((i, true)) = found.filter(|_| !never) {
            integer(out, 7, 0x80, i as u64);
            return Representation::Indexed(i);
        }
        let name_index = found.map(|(i, _)| i);
        let how = if never {
            integer(out, 4, 0x10, name_index.unwrap_or(0) as u64);
            Representation::NeverIndexed(name_index)
        } else if index {
            integer(out, 6, 0x40, name_index.unwrap_or(0) as u64);
            self.table.add(name, value);
            Representation::Incremental(name_index)
        } else {
            integer(out, 4, 0x00, name_index.unwrap_or(0) as u64);
            Representation::WithoutIndexing(name_index)
        };
        let ties = self.policy == Policy::All;
        if name_index.is_none() {
            string(out, name.as_bytes(), ties);
        }
        string(out, value.as_bytes(), ties);
        how
    }
}

/// `cookie` split at each ";" into its own fields (RFC 9113 §8.2.3), as quiche's
/// `CookieToCrumbs` does: the value trimmed of spaces and tabs, one space after each ";"
/// skipped, empty crumbs kept; unchanged crumbs then index on their own.
fn crumbs<'a>(headers: Vec<(&'a str, &'a str)>) -> impl Iterator<Item = (&'a str, &'a str)> {
    headers.into_iter().flat_map(|(n, v)| {
        let parts: Vec<&str> = if n == "cookie" {
            v.trim_matches([' ', '\t'])
                .split(';')
                .enumerate()
                .map(|(i, c)| {
                    if i > 0 {
                        c.strip_prefix(' ').unwrap_or(c)
                    } else {
                        c
                    }
                })
                .collect()
        } else {
            vec![v]
        };
        parts.into_iter().map(move |p| (n, p))
    })
}

/// §5.1: `v` in an N-bit prefix of a first byte whose other bits are `flags`.
pub fn integer(out: &mut Vec<u8>, prefix: u8, flags: u8, mut v: u64) {
    let max = (1u64 << prefix) - 1;
    if v < max {
        out.push(flags | v as u8);
        return;
    }
    out.push(flags | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// §5.2: a string, Huffman-coded when strictly shorter (or, `ties`, no longer).
fn string(out: &mut Vec<u8>, s: &[u8], ties: bool) {
    let h = huffman_len(s);
    if h < s.len() || ties && h == s.len() {
        integer(out, 7, 0x80, h as u64);
        huffman_encode(s, out);
    } else {
        integer(out, 7, 0x00, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// Why a header block does not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    Truncated(usize),
    IntegerOverflow(usize),
    BadIndex(u64),
    Huffman,
    NotUtf8,
    /// A size update above the limit the decoder's side announced (§6.3).
    TableSize(u64),
    /// A size update after a field (§4.2).
    LateSizeUpdate(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated(at) => write!(f, "the block ends inside a field (byte {at})"),
            Error::IntegerOverflow(at) => write!(f, "an integer too large at byte {at}"),
            Error::BadIndex(i) => write!(f, "index {i} is in neither table"),
            Error::Huffman => write!(f, "a Huffman-coded string does not decode"),
            Error::NotUtf8 => write!(f, "a field is not UTF-8"),
            Error::TableSize(n) => write!(f, "a table size update to {n} is over the limit"),
            Error::LateSizeUpdate(at) => write!(f, "a table size update after a field (byte {at})"),
        }
    }
}

/// One side's decoder.
#[derive(Clone, Debug)]
pub struct Decoder {
    table: Table,
    limit: usize,
}

/// A decoded field and how it came.
pub type Field = (String, String, Representation);

impl Decoder {
    pub fn new(limit: usize) -> Decoder {
        Decoder {
            table: Table::new(limit.min(DEFAULT_TABLE_SIZE)),
            limit,
        }
    }

    /// Decodes one header block, updating the table as it goes.
    pub fn decode(&mut self, b: &[u8]) -> Result<Vec<Field>, Error> {
        let mut r = Reader { b, at: 0 };
        let mut out: Vec<Field> = Vec::new();
        while r.at < b.len() {
            let first = b[r.at];
            if first & 0xe0 == 0x20 && !out.is_empty() {
                // §4.2: a size update comes only at the start of a block.
                return Err(Error::LateSizeUpdate(r.at));
            }
            if first & 0x80 != 0 {
                let i = r.integer(7)?;
                let (n, v) = self.table.get(i).ok_or(Error::BadIndex(i))?;
                out.push((
                    n.to_string(),
                    v.to_string(),
                    Representation::Indexed(i as usize),
                ));
            } else if first & 0xe0 == 0x20 {
                let n = r.integer(5)?;
                if n > self.limit as u64 {
                    return Err(Error::TableSize(n));
                }
                self.table.resize(n as usize);
            } else {
                out.push(self.literal(&mut r, first)?);
            }
        }
        Ok(out)
    }

    fn literal(&mut self, r: &mut Reader, first: u8) -> Result<Field, Error> {
        let (prefix, kind) = match first & 0xf0 {
            f if f & 0xc0 == 0x40 => (6, 0),
            0x10 => (4, 2),
            _ => (4, 1),
        };
        let i = r.integer(prefix)?;
        let name = match i {
            0 => r.string()?,
            _ => self.table.get(i).ok_or(Error::BadIndex(i))?.0.to_string(),
        };
        let value = r.string()?;
        let index = (i != 0).then_some(i as usize);
        let how = match kind {
            0 => {
                self.table.add(&name, &value);
                Representation::Incremental(index)
            }
            1 => Representation::WithoutIndexing(index),
            _ => Representation::NeverIndexed(index),
        };
        Ok((name, value, how))
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, Error> {
        let x = *self.b.get(self.at).ok_or(Error::Truncated(self.at))?;
        self.at += 1;
        Ok(x)
    }

    fn integer(&mut self, prefix: u8) -> Result<u64, Error> {
        let start = self.at;
        let max = (1u64 << prefix) - 1;
        let mut v = (self.byte()? as u64) & max;
        if v < max {
            return Ok(v);
        }
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 56 {
                return Err(Error::IntegerOverflow(start));
            }
            v += ((b & 0x7f) as u64) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        let huffman = self.b.get(self.at).ok_or(Error::Truncated(self.at))? & 0x80 != 0;
        let len = self.integer(7)?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.at.checked_add(l))
            .filter(|&e| e <= self.b.len())
            .ok_or(Error::Truncated(self.at))?;
        let raw = &self.b[self.at..end];
        self.at = end;
        let bytes = if huffman {
            huffman_decode(raw)?
        } else {
            raw.to_vec()
        };
        String::from_utf8(bytes).map_err(|_| Error::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_complete_and_matches_appendix_b() {
        // Kraft's sum is exactly one: every bit string is a code's prefix or starts with one.
        let sum: u64 = CODE_BITS.iter().map(|&b| 1u64 << (30 - b)).sum();
        assert_eq!(sum, 1 << 30);
        for (sym, hex, bits) in [
            (0, 0x1ff8, 13),
            (10, 0x3ffffffc, 30),
            (32, 0x14, 6),
            (48, 0x0, 5),
            (92, 0x7fff0, 19),
            (127, 0xffffffc, 28),
            (199, 0x1ffffec, 25),
            (255, 0x3ffffee, 26),
            (256, 0x3fffffff, 30),
        ] {
            assert_eq!(code(sym), (hex, bits), "symbol {sym}");
        }
    }

    #[test]
    fn integers_as_section_5_1_shows() {
        let mut out = Vec::new();
        integer(&mut out, 5, 0, 10);
        integer(&mut out, 5, 0, 1337);
        integer(&mut out, 8, 0, 42);
        assert_eq!(out, [0x0a, 0x1f, 0x9a, 0x0a, 0x2a]);
    }

    /// A response's header block as node 20's `http2` server (nghttp2) sent it to Chromium's
    /// SETTINGS on this machine: read back, and the nghttp2 policy writes the same bytes.
    #[test]
    fn nghttp2_policy_writes_what_nghttp2_wrote() {
        let hex = "3fe11f885f87497ca58ae819aa0f2803613d624086f2b12d424f4f849cb4507f\
                   6196c361be94034a5f29141004e2816ee09db81794c5a37f";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let read = Decoder::new(65_536).decode(&bytes).unwrap();
        let names: Vec<&str> = read.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            [":status", "content-type", "set-cookie", "x-custom", "date"]
        );
        let mut enc = Encoder::new(Policy::Nghttp2);
        enc.peer_table_size(65_536);
        let again = enc.encode(read.iter().map(|(n, v, _)| (n.as_str(), v.as_str())));
        assert_eq!(again.bytes, bytes);
    }

    #[test]
    fn huffman_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let mut out = Vec::new();
        huffman_encode(&all, &mut out);
        assert_eq!(out.len(), huffman_len(&all));
        assert_eq!(huffman_decode(&out).unwrap(), all);
        assert_eq!(
            huffman_decode(&[0xff, 0xff, 0xff, 0xff]),
            Err(Error::Huffman)
        );
    }
}
