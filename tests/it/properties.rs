//! Properties of URL parsing that must hold for any text at all.

use proptest::prelude::*;
use wirewalk::model::url::{parse, Part};

fn check(input: &str) {
    match parse(input, None) {
        Ok(p) => {
            let joined: String = p
                .segments
                .iter()
                .filter(|s| !s.implied)
                .map(|s| s.text.as_str())
                .collect();
            assert_eq!(
                joined, p.getters.href,
                "segments must rebuild href for {input:?}"
            );
            assert!(p.segments.iter().all(|s| !s.text.is_empty()));
            let implied_ports = p
                .segments
                .iter()
                .filter(|s| s.implied && s.part == Part::Port)
                .count();
            assert!(implied_ports <= 1);
        }
        Err(e) => {
            assert!(
                input.get(e.span.clone()).is_some(),
                "span {:?} not in {input:?}",
                e.span
            );
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_explains(input in any::<String>()) {
        check(&input);
    }

    #[test]
    fn any_html_is_scanned_without_panic(html in any::<String>(), tagged in "(<[a-z]{1,6}( [a-z]{1,5}(=('[^']{0,8}'|\"[^\"]{0,8}\"|[a-z:/.]{0,8}))?){0,3}>?|fetch\\('[^']{0,10}'|@font-face\\{src:url\\(|</script>|<!--|[a-z ]{0,5}){0,30}") {
        let _ = wirewalk::model::page::discover(&html, "https://a.example/");
        let d = wirewalk::model::page::discover(&tagged, "https://a.example/dir/page");
        for r in d.resources {
            prop_assert!(r.url.as_str().starts_with("http://") || r.url.as_str().starts_with("https://"), "{}", r.url);
        }
    }

    #[test]
    fn url_shaped_text_parses_or_explains(
        scheme in "(https?|wss?|ftp|file|data|javascript|[a-z][a-z0-9+.-]{0,6})",
        sep in "(://|:/|:|:\\\\\\\\|://[^/]*@)",
        host in "[a-zA-Z0-9.\\-\\[\\]:%@ éü<>^|]{0,20}",
        port in "(:[0-9a-z]{0,7})?",
        rest in "[/a-z.?#%=&\\\\ ]{0,20}",
    ) {
        check(&format!("{scheme}{sep}{host}{port}{rest}"));
    }

    /// Any datagram, and any datagram that starts like a long header, is read or refused with a
    /// reason: QUIC packets and their frames are untrusted bytes.
    #[test]
    fn any_bytes_as_a_quic_packet_are_read_or_refused(
        bytes in proptest::collection::vec(any::<u8>(), 0..1300),
        dcid_len in 0u8..24,
    ) {
        use wirewalk::model::{quic_keys::InitialSecrets, quic_packet};
        let keys = InitialSecrets::new(&[1; 8]).keys(true);
        let _ = quic_packet::unprotect(&keys, &bytes);
        let mut long = vec![0xc3, 0, 0, 0, 1, dcid_len];
        long.extend_from_slice(&bytes);
        let _ = quic_packet::unprotect(&keys, &long);
        let _ = quic_packet::read_frames(&bytes);
        let _ = wirewalk::model::quic_transport::decode(&bytes);
        let _ = wirewalk::model::http3::Frame::read(&bytes);
        let _ = wirewalk::model::qpack::decode(&bytes);
    }

    /// Any Alt-Svc value, and any built of its own punctuation, is read or rejected with a
    /// reason.
    #[test]
    fn any_alt_svc_value_is_read_or_rejected(
        any in any::<String>(),
        shaped in "([a-z0-9%]{0,4}=\"[a-z.\\\\\\[\\]:0-9]{0,10}\"?( ?; ?[a-zA-Z]{0,3}( ?= ?\"?[0-9,]{0,6}\"?)?){0,3}[, ]{0,2}){0,3}",
    ) {
        let _ = wirewalk::model::alt_svc::parse(&any);
        let _ = wirewalk::model::alt_svc::parse(&shaped);
    }
}
