//! RFC 7541 Appendix C's examples, through the HPACK code the engine and the capture use:
//! each header list encodes to the published bytes and the bytes decode to the list, with the
//! dynamic table carried from one block to the next (and, in C.6, evicting at 256 bytes).

use wirewalk::model::hpack::{Decoder, Encoder, Policy, DEFAULT_TABLE_SIZE};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Encodes and decodes each block in turn with one encoder and one decoder.
fn run(table: usize, blocks: &[(&[(&str, &str)], &str)]) {
    let mut enc = Encoder::with_table_size(Policy::All, table);
    let mut dec = Decoder::new(table);
    for (i, (headers, want)) in blocks.iter().enumerate() {
        let got = enc.encode(headers.iter().copied());
        assert_eq!(got.bytes, hex(want), "block {} encodes as published", i + 1);
        let read = dec.decode(&hex(want)).unwrap();
        let read: Vec<(&str, &str)> = read.iter().map(|(n, v, _)| (&n[..], &v[..])).collect();
        assert_eq!(&read, headers, "block {} decodes", i + 1);
    }
}

#[test]
fn c4_requests_with_huffman() {
    run(
        DEFAULT_TABLE_SIZE,
        &[
            (
                &[
                    (":method", "GET"),
                    (":scheme", "http"),
                    (":path", "/"),
                    (":authority", "www.example.com"),
                ],
                "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            ),
            (
                &[
                    (":method", "GET"),
                    (":scheme", "http"),
                    (":path", "/"),
                    (":authority", "www.example.com"),
                    ("cache-control", "no-cache"),
                ],
                "8286 84be 5886 a8eb 1064 9cbf",
            ),
            (
                &[
                    (":method", "GET"),
                    (":scheme", "https"),
                    (":path", "/index.html"),
                    (":authority", "www.example.com"),
                    ("custom-key", "custom-value"),
                ],
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
            ),
        ],
    );
}

#[test]
fn c6_responses_with_huffman_and_eviction() {
    let date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    let date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    let loc = "https://www.example.com";
    run(
        256,
        &[
            (
                &[
                    (":status", "302"),
                    ("cache-control", "private"),
                    ("date", date1),
                    ("location", loc),
                ],
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            ),
            (
                &[
                    (":status", "307"),
                    ("cache-control", "private"),
                    ("date", date1),
                    ("location", loc),
                ],
                "4883 640e ffc1 c0bf",
            ),
            (
                &[
                    (":status", "200"),
                    ("cache-control", "private"),
                    ("date", date2),
                    ("location", loc),
                    ("content-encoding", "gzip"),
                    (
                        "set-cookie",
                        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
                    ),
                ],
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            ),
        ],
    );
}

#[test]
fn raw_literals_decode() {
    // C.2.1 (literal with indexing, names and values raw), C.2.2 (without indexing, static
    // name), C.2.3 (never indexed), C.3.1 (a request without Huffman).
    let mut dec = Decoder::new(DEFAULT_TABLE_SIZE);
    let f = dec
        .decode(&hex(
            "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        ))
        .unwrap();
    assert_eq!((&f[0].0[..], &f[0].1[..]), ("custom-key", "custom-header"));
    let f = dec
        .decode(&hex("040c 2f73 616d 706c 652f 7061 7468"))
        .unwrap();
    assert_eq!((&f[0].0[..], &f[0].1[..]), (":path", "/sample/path"));
    let f = dec
        .decode(&hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))
        .unwrap();
    assert_eq!((&f[0].0[..], &f[0].1[..]), ("password", "secret"));
    let mut dec = Decoder::new(DEFAULT_TABLE_SIZE);
    let f = dec
        .decode(&hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))
        .unwrap();
    assert_eq!(
        (&f[3].0[..], &f[3].1[..]),
        (":authority", "www.example.com")
    );
}

#[test]
fn chromium_policy_indexes_authority_and_regular_fields_only() {
    let mut enc = Encoder::new(Policy::Chromium);
    let h = [
        (":method", "GET"),
        (":authority", "www.example.com"),
        (":scheme", "https"),
        (":path", "/a.css"),
        ("cookie", "a=1; b=2"),
        ("accept", "text/css,*/*;q=0.1"),
    ];
    let first = enc.encode(h.iter().copied());
    let second = enc.encode(h.iter().copied());
    // The second time only :path goes literal again; every other field is one index byte
    // (the two cookie crumbs are two fields).
    let mut dec = Decoder::new(DEFAULT_TABLE_SIZE);
    let fields = |b: &[u8], dec: &mut Decoder| -> Vec<(String, String)> {
        let read = dec.decode(b).unwrap();
        read.into_iter().map(|(n, v, _)| (n, v)).collect()
    };
    let a = fields(&first.bytes, &mut dec);
    assert_eq!(a.len(), 7);
    assert_eq!(a[4], ("cookie".to_string(), "a=1".to_string()));
    assert_eq!(fields(&second.bytes, &mut dec), a);
    let path = "/a.css"
        .len()
        .min(wirewalk::model::hpack::huffman_len(b"/a.css"));
    assert_eq!(
        second.bytes.len(),
        6 + 2 + path,
        "six indexed fields and :path"
    );
}

#[test]
fn bad_blocks_are_errors() {
    for b in [
        "ff",
        "be",
        "40",
        "82c0",
        "41ff ffff ffff ffff ffff ff7f",
        "3fe2 1f",
        "82 3fe1 1f",
    ] {
        assert!(
            Decoder::new(DEFAULT_TABLE_SIZE).decode(&hex(b)).is_err(),
            "{b}"
        );
    }
}
