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
    fn url_shaped_text_parses_or_explains(
        scheme in "(https?|wss?|ftp|file|data|javascript|[a-z][a-z0-9+.-]{0,6})",
        sep in "(://|:/|:|:\\\\\\\\|://[^/]*@)",
        host in "[a-zA-Z0-9.\\-\\[\\]:%@ éü<>^|]{0,20}",
        port in "(:[0-9a-z]{0,7})?",
        rest in "[/a-z.?#%=&\\\\ ]{0,20}",
    ) {
        check(&format!("{scheme}{sep}{host}{port}{rest}"));
    }
}
