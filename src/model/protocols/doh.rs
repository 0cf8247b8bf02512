//! DNS over HTTPS (RFC 8484): a DNS query carried in an HTTPS request, its answer in the
//! response. With the GET method the query's bytes go in the URI, base64url-coded without
//! padding (RFC 4648 §5) as the `dns` variable of the server's URI template (RFC 8484 §4.1);
//! the answer comes back as the body, of media type `application/dns-message` (§6).
//!
//! Modelled: the query as Chromium sends it (ID 0, recursion desired, an EDNS OPT record whose
//! Padding option fills the message to a multiple of 128 bytes, RFC 8467 §4.1), the request's
//! target and header fields, and the answer message, padded to a multiple of 468 bytes as RFC
//! 8467 §4.1 recommends for a server. Left out: POST (for templates without
//! `{?dns}`), and the server's HTTP caching of answers (§5.1).

use super::dns_wire::{self, Message, Question, RData, Record};

/// The DNS message's media type (RFC 8484 §6).
pub const MEDIA_TYPE: &str = "application/dns-message";

/// The OPT pseudo-record's type (RFC 6891 §6.1.1).
pub const OPT: u16 = 41;
/// The EDNS Padding option's code (RFC 7830 §3).
pub const PADDING_OPTION: u16 = 12;
/// The block a padded query fills (RFC 8467 §4.1's recommended 128 bytes).
pub const BLOCK: usize = 128;

/// A provider of DNS over HTTPS: its host and its URI template (RFC 6570 Level 3, with the
/// `dns` variable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provider {
    pub name: &'static str,
    pub host: &'static str,
    pub template: &'static str,
}

/// Google Public DNS, as Chromium's list of DoH providers has it
/// (https://source.chromium.org/chromium/chromium/src/+/main:net/dns/public/doh_provider_entry.cc).
pub const GOOGLE: Provider = Provider {
    name: "Google Public DNS",
    host: "dns.google",
    template: "https://dns.google/dns-query{?dns}",
};

/// `b` in base64url without padding (RFC 4648 §5; RFC 8484 §4.1 drops the `=`).
pub fn base64url(b: &[u8]) -> String {
    crate::model::text::base64url(b)
}

/// A query for `name`'s records of type `qtype` as a browser sends it over HTTPS: ID 0 (the
/// HTTP exchange pairs the answer with its query, so RFC 8484 §4.1 asks for 0), recursion
/// desired, and when `padded`, an OPT record whose Padding option fills the message to a
/// multiple of [`BLOCK`] bytes.
pub fn query(name: &str, qtype: u16, padded: bool) -> Message {
    let mut m = Message {
        id: 0,
        flags: dns_wire::Flags {
            rd: true,
            ..Default::default()
        },
        questions: vec![Question {
            name: name.to_string(),
            qtype,
            qclass: dns_wire::CLASS_IN,
        }],
        ..Default::default()
    };
    if padded {
        m.additional.push(opt(Vec::new()));
        let unpadded = dns_wire::encode(&m).map_or(0, |w| w.bytes.len());
        m.additional = vec![opt(padding(unpadded, BLOCK))];
    }
    m
}

/// The block a padded response fills (RFC 8467 §4.1's recommended 468 bytes).
pub const RESPONSE_BLOCK: usize = 468;

/// The answer to `query` (recursion available; `nx`: NXDOMAIN) with `records` — each the
/// data of a record for the question's name and type, with its TTL — and the query's OPT
/// record, its padding filling the answer to a multiple of [`RESPONSE_BLOCK`] bytes.
pub fn answer(
    query: &Message,
    records: impl IntoIterator<Item = (RData, u32)>,
    nx: bool,
) -> Message {
    let mut m = query.clone();
    m.flags.qr = true;
    m.flags.ra = true;
    m.flags.rcode = if nx { 3 } else { 0 };
    let (name, qtype) = query
        .questions
        .first()
        .map_or((String::new(), 0), |q| (q.name.clone(), q.qtype));
    m.answers = (records.into_iter())
        .map(|(data, ttl)| Record {
            name: name.clone(),
            rtype: qtype,
            class: dns_wire::CLASS_IN,
            ttl,
            data,
        })
        .collect();
    m.additional = vec![opt(Vec::new())];
    let unpadded = dns_wire::encode(&m).map_or(0, |w| w.bytes.len());
    m.additional = vec![opt(padding(unpadded, RESPONSE_BLOCK))];
    m
}

/// A Padding option that fills a message of `len` bytes (its empty OPT record included) to a
/// multiple of `block`: the option's own four bytes come out of the room it fills.
fn padding(len: usize, block: usize) -> Vec<u8> {
    let fill = (len + 4).next_multiple_of(block) - len - 4;
    let mut option = PADDING_OPTION.to_be_bytes().to_vec();
    option.extend_from_slice(&(fill as u16).to_be_bytes());
    option.resize(4 + fill, 0);
    option
}

/// An OPT pseudo-record with `options` (RFC 6891 §6.1.2): the root's name, a UDP payload size
/// of 4,096 bytes in the class field, no extended flags.
fn opt(options: Vec<u8>) -> Record {
    Record {
        name: String::new(),
        rtype: OPT,
        class: 4096,
        ttl: 0,
        data: RData::Opaque(options),
    }
}

/// The request target for `query` under a template ending in `{?dns}` (RFC 6570 §3.2.8: a
/// form-style query, `?dns=` and the value): the path and `?dns=` with its bytes.
pub fn target(provider: &Provider, query: &[u8]) -> String {
    let path = provider
        .template
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/dns-query{?dns}");
    let path = path.split('{').next().unwrap_or(path);
    format!("{path}?dns={}", base64url(query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648s_vectors() {
        // RFC 4648 §10, with base64url's alphabet and no padding.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(plain.as_bytes()), coded);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn rfc_8484s_get_example() {
        // RFC 8484 §4.1.1: www.example.com's A record, ID 0, RD, no EDNS.
        let m = query("www.example.com", dns_wire::rtype::A, false);
        let bytes = dns_wire::encode(&m).expect("encodes").bytes;
        assert_eq!(
            target(&GOOGLE, &bytes),
            "/dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"
        );
    }

    #[test]
    fn a_padded_query_fills_a_block_and_reads_back() {
        for name in ["a.example", "www.example.com", &"x".repeat(60)] {
            let m = query(name, dns_wire::rtype::AAAA, true);
            let bytes = dns_wire::encode(&m).expect("encodes").bytes;
            assert_eq!(bytes.len() % BLOCK, 0, "{name}: {}", bytes.len());
            let back = dns_wire::decode(&bytes).expect("decodes");
            assert_eq!(back.additional.len(), 1);
            assert_eq!(back.additional[0].rtype, OPT);
            match &back.additional[0].data {
                RData::Opaque(o) => assert_eq!(&o[..2], &PADDING_OPTION.to_be_bytes()),
                other => panic!("{other:?}"),
            }
        }
    }
}
