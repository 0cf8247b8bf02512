//! The pcapng capture file format (draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump File
//! Format"), written and read back: what Wireshark and tshark open.
//!
//! Written: a Section Header Block (§4.1) naming the writer, one Interface Description Block
//! (§4.2) of link type `LINKTYPE_RAW` (101: each packet starts with its IPv4 header, no link
//! layer) with microsecond timestamps, a Decryption Secrets Block (§4.7) holding the TLS key
//! log (`TLSK`, the NSS format) when there are secrets, so that Wireshark decrypts TLS on
//! opening with nothing beside the file, then one Enhanced Packet Block (§4.3) per packet with
//! an `opt_comment` (§3.5) naming the model's step. Little-endian, as the byte-order magic says.
//!
//! Read: the same blocks, in either byte order, for the tests and for files other tools wrote;
//! other block types are skipped. Reading never panics: a block whose length lies is an error at
//! its offset.
//!
//! Left out: several sections or interfaces per file, `if_tsresol` (timestamps are read as
//! microseconds, the default), Simple Packet Blocks, name resolution and
//! statistics blocks, and option types other than comments and the writer's name.

use std::fmt;

/// Block types (§4 and §10.1).
mod block {
    pub const SECTION_HEADER: u32 = 0x0A0D_0D0A;
    pub const INTERFACE: u32 = 0x0000_0001;
    pub const ENHANCED_PACKET: u32 = 0x0000_0006;
    pub const DECRYPTION_SECRETS: u32 = 0x0000_000A;
}

const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// `LINKTYPE_RAW`: the packet is an IPv4 or IPv6 packet (the tcpdump.org link-type list).
pub const LINKTYPE_RAW: u16 = 101;
/// The TLS key log secrets type of a Decryption Secrets Block (§4.7: "TLSK").
pub const SECRETS_TLS_KEY_LOG: u32 = 0x544C_534B;
const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;

/// One packet: when it was seen (microseconds since the Unix epoch), its bytes from the IP
/// header on, and a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub at_us: u64,
    pub data: Vec<u8>,
    pub comment: String,
}

/// A capture: its packets in order and the TLS key log that decrypts them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    pub packets: Vec<Packet>,
    /// NSS key log lines (`CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>`).
    pub keylog: String,
}

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends one block: type, total length, body (padded), total length again (§3.1).
fn put_block(out: &mut Vec<u8>, typ: u32, body: &[u8]) {
    let total = (12 + pad4(body.len())) as u32;
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + pad4(body.len()) - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

fn put_option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&(value.len() as u16).to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len() + pad4(value.len()) - value.len(), 0);
}

fn end_options(body: &mut Vec<u8>) {
    body.extend_from_slice(&OPT_END.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
}

/// The file's bytes.
pub fn write(c: &Capture) -> Vec<u8> {
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&u64::MAX.to_le_bytes()); // section length: not given
    put_option(
        &mut shb,
        SHB_USERAPPL,
        b"wirewalk (a model of a browser's page load)",
    );
    end_options(&mut shb);
    put_block(&mut out, block::SECTION_HEADER, &shb);

    let mut idb = Vec::new();
    idb.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes()); // snap length: no limit
    put_option(&mut idb, IF_NAME, b"wirewalk model");
    end_options(&mut idb);
    put_block(&mut out, block::INTERFACE, &idb);

    if !c.keylog.is_empty() {
        let mut dsb = Vec::new();
        dsb.extend_from_slice(&SECRETS_TLS_KEY_LOG.to_le_bytes());
        dsb.extend_from_slice(&(c.keylog.len() as u32).to_le_bytes());
        dsb.extend_from_slice(c.keylog.as_bytes());
        dsb.resize(pad4(dsb.len()), 0);
        put_block(&mut out, block::DECRYPTION_SECRETS, &dsb);
    }

    for p in &c.packets {
        let mut epb = Vec::with_capacity(32 + p.data.len() + p.comment.len());
        epb.extend_from_slice(&0u32.to_le_bytes()); // interface 0
        epb.extend_from_slice(&((p.at_us >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(p.at_us as u32).to_le_bytes());
        epb.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&p.data);
        epb.resize(pad4(epb.len()), 0);
        if !p.comment.is_empty() {
            // An option's length is 16 bits: a longer comment is cut at a character's edge.
            let mut n = p.comment.len().min(u16::MAX as usize - 3);
            while !p.comment.is_char_boundary(n) {
                n -= 1;
            }
            let comment = &p.comment.as_bytes()[..n];
            put_option(&mut epb, OPT_COMMENT, comment);
            end_options(&mut epb);
        }
        put_block(&mut out, block::ENHANCED_PACKET, &epb);
    }
    out
}

/// Bytes that are not a pcapng file this reader understands, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcapngError {
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for PcapngError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pcapng byte {}: {}", self.offset, self.what)
    }
}

/// What a file holds: the link type of its interface, the packets, the key log (every
/// Decryption Secrets Block of the TLS type, joined).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Read {
    pub linktype: Option<u16>,
    pub capture: Capture,
}

/// Reads a file.
pub fn read(b: &[u8]) -> Result<Read, PcapngError> {
    let err = |offset, what| PcapngError { offset, what };
    if b.len() < 12
        || u32::from_le_bytes(b[0..4].try_into().unwrap_or_default()) != block::SECTION_HEADER
    {
        return Err(err(0, "not a pcapng file (no Section Header Block)"));
    }
    let little = match b[8..12].try_into().map(u32::from_le_bytes) {
        Ok(BYTE_ORDER_MAGIC) => true,
        Ok(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => false,
        _ => return Err(err(8, "bad byte-order magic")),
    };
    let u32_at = |at: usize| -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    };
    let mut out = Read::default();
    let mut at = 0;
    while at < b.len() {
        let (Some(typ), Some(total)) = (u32_at(at), u32_at(at + 4)) else {
            return Err(err(at, "block header cut short"));
        };
        let total = total as usize;
        if total < 12 || total % 4 != 0 || b.len() - at < total {
            return Err(err(at + 4, "block length does not fit the file"));
        }
        if u32_at(at + total - 4) != Some(total as u32) {
            return Err(err(at + total - 4, "block's trailing length differs"));
        }
        let body = &b[at + 8..at + total - 4];
        match typ {
            block::INTERFACE if body.len() >= 8 => {
                let lt = u32_at(at + 8).unwrap_or_default();
                out.linktype = Some(if little { lt as u16 } else { (lt >> 16) as u16 });
            }
            block::ENHANCED_PACKET => {
                out.capture
                    .packets
                    .push(packet(body, at + 8, little, &u32_at)?)
            }
            block::DECRYPTION_SECRETS => {
                let (Some(kind), Some(len)) = (u32_at(at + 8), u32_at(at + 12)) else {
                    return Err(err(at + 8, "secrets block cut short"));
                };
                let data = body
                    .get(8..8usize.saturating_add(len as usize))
                    .ok_or(err(at + 12, "secrets longer than their block"))?;
                if kind == SECRETS_TLS_KEY_LOG {
                    out.capture.keylog.push_str(&String::from_utf8_lossy(data));
                }
            }
            _ => {}
        }
        at += total;
    }
    Ok(out)
}

fn packet(
    body: &[u8],
    base: usize,
    little: bool,
    u32_at: &dyn Fn(usize) -> Option<u32>,
) -> Result<Packet, PcapngError> {
    let cut = PcapngError {
        offset: base,
        what: "packet block cut short",
    };
    let field = |i: usize| u32_at(base + 4 * i).ok_or(cut.clone());
    let (hi, lo, caplen) = (field(1)?, field(2)?, field(3)? as usize);
    let data = body
        .get(20..20usize.saturating_add(caplen))
        .ok_or(PcapngError {
            offset: base + 12,
            what: "captured length longer than its block",
        })?;
    let u16_of = |h: &[u8]| {
        if little {
            u16::from_le_bytes([h[0], h[1]])
        } else {
            u16::from_be_bytes([h[0], h[1]])
        }
    };
    let mut comment = String::new();
    // `data` fits in the body, so these sums cannot overflow.
    let mut o = 20 + pad4(caplen);
    while let Some(head) = body.get(o..o + 4) {
        let (code, len) = (u16_of(&head[..2]), u16_of(&head[2..]) as usize);
        if code == OPT_END {
            break;
        }
        let value = body.get(o + 4..o + 4 + len).ok_or(PcapngError {
            offset: base + o,
            what: "option longer than its block",
        })?;
        if code == OPT_COMMENT {
            comment = String::from_utf8_lossy(value).into_owned();
        }
        o += 4 + pad4(len);
    }
    Ok(Packet {
        at_us: ((hi as u64) << 32) | lo as u64,
        data: data.to_vec(),
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Capture {
        Capture {
            packets: vec![
                Packet {
                    at_us: 1_700_000_000_123_456,
                    data: vec![0x45, 0, 0, 20, 1, 2, 3],
                    comment: "tcp.syn".into(),
                },
                Packet {
                    at_us: 1_700_000_000_223_456,
                    data: vec![0x45; 41],
                    comment: String::new(),
                },
            ],
            keylog: "CLIENT_TRAFFIC_SECRET_0 00 11\n".into(),
        }
    }

    #[test]
    fn a_capture_reads_back() {
        let c = sample();
        let bytes = write(&c);
        assert_eq!(bytes.len() % 4, 0);
        let r = read(&bytes).unwrap();
        assert_eq!(r.linktype, Some(LINKTYPE_RAW));
        assert_eq!(r.capture, c);
    }

    #[test]
    fn every_cut_is_an_error_and_never_a_panic() {
        let bytes = write(&sample());
        for n in 0..bytes.len() {
            let r = read(&bytes[..n]);
            // A cut at a block boundary is a shorter, valid file.
            if let Ok(r) = r {
                assert!(r.capture.packets.len() < 2, "cut at {n}");
            }
        }
        let mut lying = bytes.clone();
        lying[4] = 0xff; // the SHB's length
        assert!(read(&lying).is_err());
    }
}
