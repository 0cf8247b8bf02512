//! Redirects as Chromium follows them: each hop a request of its own through the cache and the
//! pool, HSTS learned on the way and used on the next visit, Navigation Timing's redirect
//! fields, and the limits (20 redirects, unsafe and invalid Locations).

use wirewalk::model::load::{self, Outcome, PageLoad, PageScenario, ResponseSpec};
use wirewalk::model::navigation;
use wirewalk::model::pages;
use wirewalk::model::step::steps;

fn moved(from: &str, status: u16, to: &str) -> ResponseSpec {
    ResponseSpec {
        url: from.into(),
        status,
        headers: vec![format!("Location: {to}")],
        ..ResponseSpec::default()
    }
}

fn statuses(l: &PageLoad) -> Vec<u16> {
    l.requests
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Ok { status, .. } => *status,
            _ => 0,
        })
        .collect()
}

fn steps_of(l: &PageLoad, request: u32) -> Vec<&'static str> {
    l.trace
        .events
        .iter()
        .filter(|e| e.request == request)
        .map(|e| e.step.as_str())
        .collect()
}

#[test]
fn a_chain_is_a_request_per_hop_and_the_page_is_the_last() {
    let l = load::run(&pages::preset("redirects").expect("preset")).expect("loads");
    assert_eq!(l.documents, vec![1, 2, 3]);
    assert_eq!(&statuses(&l)[..3], &[301, 301, 200]);
    assert_eq!(l.url, "https://www.blog.example/");
    assert_eq!(l.page_origin, "https://www.blog.example");
    for hop in [1, 2] {
        assert!(steps_of(&l, hop).contains(&"http.redirect"), "hop {hop}");
        assert!(
            !steps_of(&l, hop).contains(&"policy.origin"),
            "hop {hop} commits"
        );
    }
    assert!(steps_of(&l, 2).contains(&"http.hsts_store"));
    assert!(steps_of(&l, 3).contains(&"policy.origin"));
    // Each hop starts when the one before ends.
    let r = &l.requests;
    assert_eq!(r[1].start, r[0].end);
    assert_eq!(r[2].start, r[1].end);
    // The hops change origin (http → https → www): Navigation Timing shows no redirect.
    assert_eq!((l.timing.redirect_count, l.timing.redirect_start), (0, 0.0));
    assert_eq!(l.timing.fetch_start, r[2].start.as_ms());
}

/// The return visit: the https hop's Strict-Transport-Security turns the typed http:// URL into
/// an internal redirect, and the cached 301 answers the second hop: no network before the page.
#[test]
fn a_return_visit_uses_hsts_and_the_cached_301() {
    let sc = PageScenario {
        warm_cache_s: Some(3600),
        ..pages::preset("redirects").expect("preset")
    };
    let l = load::run(&sc).expect("loads");
    let first = steps_of(&l, 1);
    assert_eq!(&first[..2], &["url.parse", "url.hsts"], "{first:?}");
    assert!(first.contains(&"cache.hit") && first.contains(&"http.redirect"));
    assert!(!first.contains(&"tcp.syn"), "{first:?}");
    assert_eq!(l.requests[0].url, "https://blog.example/");
    assert_eq!(l.requests[1].url, "https://www.blog.example/");
    assert_eq!(l.requests[1].start, l.requests[0].start);
}

#[test]
fn same_origin_redirects_reuse_the_connection_and_show_in_navigation_timing() {
    let sc = PageScenario {
        url: "https://a.example/old".into(),
        html: "<p>new</p>".into(),
        responses: vec![
            moved("https://a.example/old", 302, "/older"),
            moved("https://a.example/older", 307, "https://a.example/new"),
        ],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(l.documents, vec![1, 2, 3]);
    assert!(
        steps_of(&l, 2).contains(&"pool.reuse"),
        "{:?}",
        steps_of(&l, 2)
    );
    assert!(!steps_of(&l, 3).contains(&"tcp.syn"));
    let t = &l.timing;
    assert_eq!(t.redirect_count, 2);
    assert_eq!(t.redirect_start, 0.0);
    assert_eq!(t.redirect_end, l.requests[1].end.as_ms());
    assert_eq!(t.fetch_start, l.requests[2].start.as_ms());
    assert!(l.failed.is_none());
}

/// A navigation follows nineteen redirects; its twentieth fails (`NavigationURLLoaderImpl`
/// decrements its limit of 20 before testing it; a Chromium 156 sent 20 requests to a server
/// that redirected every one).
#[test]
fn nineteen_redirects_are_followed_and_the_twentieth_is_an_error() {
    let sc = PageScenario {
        url: "https://loop.example/a".into(),
        responses: vec![
            moved("https://loop.example/a", 302, "/b"),
            moved("https://loop.example/b", 302, "/a"),
        ],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(l.documents.len(), 20);
    match &l.failed {
        Some(navigation::Outcome::Error {
            code, net_error, ..
        }) => assert_eq!(
            (code.as_str(), *net_error),
            ("ERR_TOO_MANY_REDIRECTS", Some(-310))
        ),
        other => panic!("{other:?}"),
    }
    let last = steps_of(&l, 20);
    assert!(last.contains(&"nav.error_page") && !last.contains(&"http.redirect"));
    assert_eq!(
        l.trace
            .events
            .iter()
            .filter(|e| e.step == steps::HTTP_REDIRECT)
            .count(),
        19
    );
}

/// HSTS's internal redirects count toward the limit: a loop of https answers that send the
/// browser to http:// URLs of their own host, which their Strict-Transport-Security header made
/// an HSTS host, follows ten HTTP redirects and nine internal ones; the tenth internal one is
/// the navigation's twentieth redirect, and fails.
#[test]
fn hsts_internal_redirects_count_toward_the_limit() {
    let hop = |from: &str, to: &str| ResponseSpec {
        url: from.into(),
        status: 302,
        headers: vec![
            format!("Location: {to}"),
            "Strict-Transport-Security: max-age=600".into(),
        ],
        ..ResponseSpec::default()
    };
    let sc = PageScenario {
        url: "https://loop.example/a".into(),
        responses: vec![
            hop("https://loop.example/a", "http://loop.example/b"),
            hop("https://loop.example/b", "http://loop.example/a"),
        ],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let count = |step| l.trace.events.iter().filter(|e| e.step == step).count();
    assert_eq!(count(steps::HTTP_REDIRECT), 10);
    assert_eq!(count(steps::URL_HSTS), 9);
    assert_eq!(l.documents.len(), 10);
    assert!(matches!(
        &l.failed,
        Some(navigation::Outcome::Error { code, .. }) if code == "ERR_TOO_MANY_REDIRECTS"
    ));
}

/// An http:// hop is upgraded by HTTPS-Upgrades as the first URL would be: an internal
/// redirect to https before any request leaves (counted among the redirects).
#[test]
fn https_upgrades_upgrades_an_http_hop() {
    let sc = PageScenario {
        url: "https://a.example/".into(),
        responses: vec![moved(
            "https://a.example/",
            302,
            "http://www.example.com/page",
        )],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(l.url, "https://www.example.com/page");
    let hop = steps_of(&l, 2);
    assert_eq!(hop.first(), Some(&"url.https_upgrade"), "{hop:?}");
    assert!(l.requests.iter().all(|r| !r.url.starts_with("http://")));
    // A reserved name (RFC 2606's .example) is left alone, as HTTPS-Upgrades leaves it.
    let sc = PageScenario {
        responses: vec![moved("https://a.example/", 302, "http://b.example/page")],
        ..sc
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(l.url, "http://b.example/page");
    assert!(!steps_of(&l, 2).contains(&"url.https_upgrade"));
}

/// A site that redirects its https page to http: HTTPS-Upgrades upgrades the http:// hop once;
/// when the upgraded URL redirects back to it, that is a loop, and it falls back to http
/// instead of upgrading again (`urls_seen_` in Chromium's HttpsUpgradesInterceptor).
#[test]
fn an_upgraded_hop_that_comes_back_falls_back_to_http() {
    let sc = PageScenario {
        url: "https://www.example.com/".into(),
        responses: vec![moved(
            "https://www.example.com/",
            302,
            "http://www.example.com/",
        )],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    let urls: Vec<&str> = l.requests.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        &urls[..3],
        &[
            "https://www.example.com/",
            "https://www.example.com/",
            "http://www.example.com/"
        ]
    );
    assert_eq!(l.url, "http://www.example.com/");
    assert!(l.failed.is_none(), "{:?}", l.failed);
    assert!(steps_of(&l, 2).contains(&"url.https_upgrade"));
    assert!(steps_of(&l, 3).contains(&"url.https_fallback"));
}

#[test]
fn a_location_the_browser_will_not_load_fails_the_navigation() {
    for (location, code) in [
        ("file:///etc/passwd", "ERR_UNSAFE_REDIRECT"),
        ("javascript:alert(1)", "ERR_UNSAFE_REDIRECT"),
        ("http://[::1", "ERR_INVALID_REDIRECT"),
    ] {
        let sc = PageScenario {
            url: "https://a.example/".into(),
            responses: vec![moved("https://a.example/", 301, location)],
            ..PageScenario::default()
        };
        let l = load::run(&sc).expect("loads");
        assert!(
            matches!(&l.failed, Some(navigation::Outcome::Error { code: c, .. }) if c == code),
            "{location}: {:?}",
            l.failed
        );
        assert_eq!(l.documents, vec![1]);
    }
}

/// A 303 after a form's POST becomes a GET; a 307 would keep the POST.
#[test]
fn redirect_methods_follow_chromium() {
    use wirewalk::model::redirect::method_after;
    assert_eq!(method_after("POST", 303), "GET");
    assert_eq!(method_after("POST", 307), "POST");
    let l = load::run(&pages::preset("redirects").expect("preset")).expect("loads");
    let hop = l
        .trace
        .events
        .iter()
        .find(|e| e.step == steps::HTTP_REDIRECT)
        .expect("a redirect");
    assert_eq!(hop.get("method"), Some("GET"));
}

/// An empty Location is no redirect (Chromium's `HttpResponseHeaders::IsRedirect` skips it):
/// the 3xx answer is the page.
#[test]
fn an_empty_location_is_not_followed() {
    let sc = PageScenario {
        url: "https://a.example/".into(),
        responses: vec![ResponseSpec {
            url: "https://a.example/".into(),
            status: 302,
            headers: vec!["Location:".into()],
            ..ResponseSpec::default()
        }],
        ..PageScenario::default()
    };
    let l = load::run(&sc).expect("loads");
    assert_eq!(l.documents, vec![1]);
    assert!(l.failed.is_none());
    assert!(!steps_of(&l, 1).contains(&"http.redirect"));
}

/// After a cross-origin redirect the page is the last hop's: its sub-resources send the
/// Referer of that page (its origin alone to another origin), not of a hop.
#[test]
fn the_referer_is_the_final_pages() {
    let mut sc = pages::preset("redirects").expect("preset");
    sc.html.push_str("<img src=\"https://blog.example/x.png\">");
    let l = load::run(&sc).expect("loads");
    let img = l
        .requests
        .iter()
        .find(|r| r.url == "https://blog.example/x.png")
        .expect("the image");
    let sent = l
        .trace
        .events
        .iter()
        .find(|e| e.request == img.id && e.step == steps::HTTP_REQUEST)
        .expect("sent");
    assert_eq!(sent.get("Referer"), Some("https://www.blog.example/"));
}
