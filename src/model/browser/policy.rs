//! Same-origin and cross-origin decisions for a page's sub-resources, with the rule that decided
//! and, for a blocked request, the message a browser prints in its console.
//!
//! Two origins are the same when scheme, host and port are all equal (HTML §7.1.1). Across
//! origins, what a page may embed depends on what it asks for:
//! - `<script>`, `<img>`, `<audio>`/`<video>`: allowed without CORS (a no-cors request); a script
//!   is still blocked if its MIME type is image, audio, video or text/csv, or if the response says
//!   `X-Content-Type-Options: nosniff` and the type is not JavaScript (Fetch §3.5, "should
//!   response to request be blocked due to its MIME type?" and "...due to nosniff?");
//! - `<link rel=stylesheet>`: only with `Content-Type: text/css` (HTML §4.6.7 "link type
//!   stylesheet"; strict MIME checking for cross-origin sheets);
//! - fonts: fetched in CORS mode (CSS Fonts 4 §4.9), so the response must allow the page's origin;
//! - `<iframe>`: loads, unless the framed page refuses with `X-Frame-Options` or CSP
//!   `frame-ancestors` (which takes precedence when present);
//! - `fetch()`: CORS mode; a request that is not "simple" (a method other than GET, HEAD or POST,
//!   or a header outside the safelist) is preceded by an OPTIONS preflight (Fetch §3.2), and the
//!   response must carry `Access-Control-Allow-Origin` (exact, with `Allow-Credentials: true`,
//!   when credentials are sent).
//!
//! Left out: CORP, COEP/COOP, ORB's sniffing of bodies, `document.domain`, and redirects.

use crate::model::url::Origin;
use std::borrow::Cow;

/// What the page asks for, as the Fetch standard's request destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Document,
    Script,
    Style,
    Image,
    Media,
    Font,
    Iframe,
    Fetch,
}

impl Destination {
    pub fn name(self) -> &'static str {
        match self {
            Destination::Document => "document",
            Destination::Script => "script",
            Destination::Style => "stylesheet",
            Destination::Image => "image",
            Destination::Media => "media",
            Destination::Font => "font",
            Destination::Iframe => "iframe",
            Destination::Fetch => "fetch",
        }
    }
}

/// The part-by-part comparison of two origins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// (name, page's value, resource's value, equal)
    pub parts: Vec<(&'static str, String, String, bool)>,
    pub same_origin: bool,
}

/// HTML §7.1.1: same origin when both are tuples with equal scheme, host and port.
pub fn compare(page: &Origin, resource: &Origin) -> Comparison {
    match (page, resource) {
        (
            Origin::Tuple {
                scheme: s1,
                host: h1,
                port: p1,
            },
            Origin::Tuple {
                scheme: s2,
                host: h2,
                port: p2,
            },
        ) => {
            let parts = vec![
                ("scheme", s1.clone(), s2.clone(), s1 == s2),
                ("host", h1.clone(), h2.clone(), h1 == h2),
                ("port", p1.to_string(), p2.to_string(), p1 == p2),
            ];
            let same_origin = parts.iter().all(|p| p.3);
            Comparison { parts, same_origin }
        }
        _ => Comparison {
            parts: vec![("origin", "opaque".into(), "opaque".into(), false)],
            same_origin: false,
        },
    }
}

/// HTML §7.1.1 without the part-by-part comparison ([`compare`] gives that).
pub fn same_origin(a: &Origin, b: &Origin) -> bool {
    matches!(a, Origin::Tuple { .. }) && a == b
}

/// What Chromium's CORS error calls the API a request was made with.
fn api_name(req: &Request<'_>) -> &'static str {
    match req.api {
        CorsName::Fetch => "fetch",
        CorsName::Xhr => "XMLHttpRequest",
        CorsName::Resource => "resource",
    }
}

/// The request as the policy sees it (its texts borrowed from the request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub url: &'a str,
    pub destination: Destination,
    pub method: &'a str,
    /// Headers the page's script added (for `fetch()`).
    pub headers: Vec<(String, String)>,
    /// Cookies and other credentials are sent.
    pub credentials: bool,
    /// The API that made it, as Chromium's CORS error names it.
    pub api: CorsName,
}

/// What Chromium's CORS error calls the resource (`ResourceTypeToString` in
/// third_party/blink/renderer/platform/loader/cors/cors_error_string.cc): `fetch` for a
/// `fetch()`, `XMLHttpRequest`, and `resource` for one with no initiator name, as an
/// `EventSource`'s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CorsName {
    #[default]
    Fetch,
    Xhr,
    Resource,
}

/// The response headers the policy reads (for a preflight too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub content_type: Option<String>,
    pub nosniff: bool,
    pub allow_origin: Option<String>,
    pub allow_credentials: bool,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub x_frame_options: Option<String>,
    pub frame_ancestors: Option<String>,
}

/// The OPTIONS request sent before a non-simple `fetch()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preflight {
    pub request_method: String,
    pub request_headers: Vec<String>,
    /// Why the request is not simple.
    pub because: String,
}

/// The outcome, with the rule that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        rule: Cow<'static, str>,
    },
    /// `console` is what Chromium prints.
    Blocked {
        rule: Cow<'static, str>,
        console: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub preflight: Option<Preflight>,
    /// The preflight's own verdict, when one was needed.
    pub preflight_verdict: Option<Verdict>,
    pub verdict: Verdict,
}

fn allowed(rule: &'static str) -> Verdict {
    Verdict::Allowed {
        rule: Cow::Borrowed(rule),
    }
}

fn essence(ct: &Option<String>) -> String {
    ct.as_deref()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Fetch §2.2.2: a JavaScript MIME type.
fn is_javascript(mime: &str) -> bool {
    matches!(
        mime,
        "text/javascript"
            | "application/javascript"
            | "application/ecmascript"
            | "application/x-javascript"
            | "text/ecmascript"
            | "text/jscript"
            | "module"
    )
}

/// Fetch §2.2.2: is this header a CORS-safelisted request-header?
fn safelisted(name: &str, value: &str) -> bool {
    if value.len() > 128 {
        return false;
    }
    // A CORS-unsafe request-header byte: a control other than tab, `"():<>?@[\]{}` or DEL.
    let unsafe_byte =
        |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f || b"\"():<>?@[\\]{}".contains(&b);
    let has_unsafe = value.bytes().any(unsafe_byte);
    match name.to_ascii_lowercase().as_str() {
        "accept" => !has_unsafe,
        "accept-language" | "content-language" => value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b)),
        "content-type" => {
            !has_unsafe
                && matches!(
                    value
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                        .as_str(),
                    "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                )
        }
        _ => false,
    }
}

/// Fetch §3.2.5 (CORS check): the response allows `origin`.
fn cors_allows(resp: &Response, origin: &str, credentials: bool) -> Result<(), String> {
    match resp.allow_origin.as_deref() {
        None => Err("No 'Access-Control-Allow-Origin' header is present on the requested resource.".to_string()),
        Some("*") if credentials => Err("The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.".to_string()),
        Some("*") => Ok(()),
        Some(o) if o == origin => {
            if credentials && !resp.allow_credentials {
                Err("The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.".to_string())
            } else {
                Ok(())
            }
        }
        Some(o) => Err(format!("The 'Access-Control-Allow-Origin' header has a value '{o}' that is not equal to the supplied origin.")),
    }
}

/// Decides whether the page at `page` may use `req`, given the `resp` it got (and `preflight`,
/// the answer to the OPTIONS request when one is needed).
pub fn decide(
    page: &Origin,
    resource: &Origin,
    req: &Request<'_>,
    resp: &Response,
    preflight_resp: Option<&Response>,
) -> Decision {
    let same = same_origin(page, resource);
    // Only the rules of a cross-origin font or fetch() name the page's origin.
    let page_serial = if !same && matches!(req.destination, Destination::Font | Destination::Fetch)
    {
        page.serialize()
    } else {
        String::new()
    };
    let mut preflight = None;
    let mut preflight_verdict = None;
    let verdict = match req.destination {
        Destination::Document => allowed("a top-level navigation may go to any origin"),
        Destination::Script => {
            let mime = essence(&resp.content_type);
            if mime.starts_with("image/")
                || mime.starts_with("audio/")
                || mime.starts_with("video/")
                || mime == "text/csv"
            {
                Verdict::Blocked {
                    rule: "Fetch §3.5: a script with an image, audio, video or CSV MIME type is never executed".into(),
                    console: format!("Refused to execute script from '{}' because its MIME type ('{mime}') is not executable.", req.url),
                }
            } else if resp.nosniff && !is_javascript(&mime) {
                Verdict::Blocked {
                    rule: "Fetch §3.5: with X-Content-Type-Options: nosniff a script must have a JavaScript MIME type".into(),
                    console: format!("Refused to execute script from '{}' because its MIME type ('{mime}') is not executable, and strict MIME type checking is enabled.", req.url),
                }
            } else if same {
                allowed("same origin")
            } else {
                allowed("a page may run scripts from other origins (a no-cors request; error details stay hidden)")
            }
        }
        Destination::Image | Destination::Media => {
            if same {
                allowed("same origin")
            } else {
                allowed("a page may show images and media from other origins; it cannot read their pixels without CORS")
            }
        }
        Destination::Style => {
            let mime = essence(&resp.content_type);
            if mime == "text/css" {
                allowed(if same {
                    "same origin"
                } else {
                    "a cross-origin stylesheet is applied when it is served as text/css"
                })
            } else {
                Verdict::Blocked {
                    rule: "HTML §4.6.7: a stylesheet must be served as text/css".into(),
                    console: format!("Refused to apply style from '{}' because its MIME type ('{mime}') is not a supported stylesheet MIME type, and strict MIME checking is enabled.", req.url),
                }
            }
        }
        Destination::Font => {
            if same {
                allowed("same origin")
            } else {
                match cors_allows(resp, &page_serial, false) {
                    Ok(()) => allowed("fonts are fetched with CORS, and the response allows this origin"),
                    Err(why) => Verdict::Blocked {
                        rule: "CSS Fonts §4.9: fonts are fetched in CORS mode".into(),
                        console: format!("Access to font at '{}' from origin '{page_serial}' has been blocked by CORS policy: {why}", req.url),
                    },
                }
            }
        }
        Destination::Iframe => frame_verdict(page, resource, req.url, resp),
        Destination::Fetch => {
            if same {
                allowed("same origin: the page may read the response")
            } else {
                let method = req.method.to_ascii_uppercase();
                let unsafe_headers: Vec<String> = req
                    .headers
                    .iter()
                    .filter(|(n, v)| !safelisted(n, v))
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect();
                let simple_method = matches!(method.as_str(), "GET" | "HEAD" | "POST");
                let mut blocked = None;
                if !simple_method || !unsafe_headers.is_empty() {
                    let because = if !simple_method {
                        format!("{method} is not GET, HEAD or POST")
                    } else {
                        format!(
                            "the header{} {} {} not on the CORS safelist",
                            if unsafe_headers.len() > 1 { "s" } else { "" },
                            unsafe_headers.join(", "),
                            if unsafe_headers.len() > 1 {
                                "are"
                            } else {
                                "is"
                            }
                        )
                    };
                    preflight = Some(Preflight {
                        request_method: method.clone(),
                        request_headers: unsafe_headers.clone(),
                        because,
                    });
                    let pr = preflight_resp.cloned().unwrap_or_default();
                    let v = match cors_allows(&pr, &page_serial, req.credentials) {
                        Err(why) => Err(why),
                        Ok(()) if !simple_method && !pr.allow_methods.iter().any(|m| m.eq_ignore_ascii_case(&method) || m == "*") => {
                            Err(format!("Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."))
                        }
                        Ok(()) => match unsafe_headers.iter().find(|h| !pr.allow_headers.iter().any(|a| a.eq_ignore_ascii_case(h) || a == "*")) {
                            Some(h) => Err(format!("Request header field {h} is not allowed by Access-Control-Allow-Headers in preflight response.")),
                            None => Ok(()),
                        },
                    };
                    match v {
                        Ok(()) => {
                            preflight_verdict =
                                Some(allowed("the preflight allows the method and headers"))
                        }
                        Err(why) => {
                            let msg = if why.starts_with("Method")
                                || why.starts_with("Request header")
                            {
                                why
                            } else {
                                format!("Response to preflight request doesn't pass access control check: {why}")
                            };
                            let console = format!("Access to {} at '{}' from origin '{page_serial}' has been blocked by CORS policy: {msg}", api_name(req), req.url);
                            preflight_verdict = Some(Verdict::Blocked {
                                rule: "Fetch §4.8: the preflight must allow the request".into(),
                                console: console.clone(),
                            });
                            blocked = Some(Verdict::Blocked {
                                rule: "Fetch §4.8: CORS-preflight fetch".into(),
                                console,
                            });
                        }
                    }
                }
                match blocked {
                    Some(b) => b,
                    None => match cors_allows(resp, &page_serial, req.credentials) {
                        Ok(()) => allowed("the response's Access-Control-Allow-Origin allows this origin"),
                        Err(why) => Verdict::Blocked {
                            rule: "Fetch §3.2.5: CORS check".into(),
                            console: format!("Access to {} at '{}' from origin '{page_serial}' has been blocked by CORS policy: {why}", api_name(req), req.url),
                        },
                    },
                }
            }
        }
    };
    Decision {
        preflight,
        preflight_verdict,
        verdict,
    }
}

/// HTML §7.7 (X-Frame-Options) and CSP3 `frame-ancestors`, which wins when present.
fn frame_verdict(page: &Origin, frame: &Origin, url: &str, resp: &Response) -> Verdict {
    let same = same_origin(page, frame);
    if let Some(fa) = &resp.frame_ancestors {
        let sources: Vec<&str> = fa.split_whitespace().collect();
        let page_s = page.serialize();
        let ok = sources.iter().any(|s| match *s {
            "'none'" => false,
            "'self'" => same,
            "*" => true,
            other => other.trim_end_matches('/') == page_s,
        });
        return if ok {
            allowed("CSP frame-ancestors lists the embedding page")
        } else {
            Verdict::Blocked {
                rule: "CSP3 frame-ancestors (it takes precedence over X-Frame-Options)".into(),
                console: format!("Refused to frame '{url}' because an ancestor violates the following Content Security Policy directive: \"frame-ancestors {fa}\"."),
            }
        };
    }
    match resp.x_frame_options.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if v == "deny" => Verdict::Blocked {
            rule: "X-Frame-Options: DENY forbids every frame".into(),
            console: format!("Refused to display '{url}' in a frame because it set 'X-Frame-Options' to 'deny'."),
        },
        Some(v) if v == "sameorigin" && !same => Verdict::Blocked {
            rule: "X-Frame-Options: SAMEORIGIN forbids frames on other origins".into(),
            console: format!("Refused to display '{url}' in a frame because it set 'X-Frame-Options' to 'sameorigin'."),
        },
        _ if same => allowed("same origin: the page can also reach into the frame's document"),
        _ => allowed("a cross-origin frame loads, but the page's scripts cannot reach into it"),
    }
}

/// The policy's part of the trace: what each event keeps, its words written when read
/// ([`crate::model::trace::Detail`]).
pub mod present {
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;
    use std::rc::Rc;

    /// `policy.check`: the same-origin decision on a response, by which rule; blocked ones
    /// with what the console prints. `other` holds the resource's and the page's origins when
    /// they differ.
    #[derive(Clone, Debug)]
    pub struct Check {
        pub rule: Cow<'static, str>,
        pub console: Option<String>,
        pub other: Option<(Rc<str>, Rc<str>)>,
    }

    impl Detail for Check {
        fn summary(&self) -> Cow<'static, str> {
            let verdict = if self.console.is_some() {
                "blocked"
            } else {
                "allowed"
            };
            format!("{verdict}: {}", self.rule).into()
        }

        fn fields(&self) -> Vec<Field> {
            let origin = match &self.other {
                None => Field::note("origin", "same origin as the page"),
                Some((resource, page)) => Field::new(
                    "origin",
                    format_args!("{resource} is not the page's origin {page}"),
                ),
            };
            let mut f = vec![origin, Field::new("rule", &self.rule)];
            if let Some(c) = &self.console {
                f.push(Field::new("console", c));
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safelisted_headers_follow_fetch() {
        assert!(safelisted("Content-Type", "text/plain;charset=UTF-8"));
        assert!(safelisted("accept", "application/json, text/*"));
        assert!(safelisted("Accept-Language", "en-GB,en;q=0.9"));
        // A quote, a bracket or a control is a CORS-unsafe byte, whatever the type.
        assert!(!safelisted("content-type", "text/plain; a=\"b\""));
        assert!(!safelisted("accept", "<x>"));
        assert!(!safelisted("accept", "a\u{1}"));
        // Languages allow only letters, digits and ` *,-.;=`.
        assert!(!safelisted("content-language", "en_GB"));
        assert!(!safelisted("content-type", "application/json"));
        assert!(!safelisted(
            "content-type",
            &format!("text/plain;{}", "a".repeat(130))
        ));
        assert!(!safelisted("x-token", ""));
    }

    fn o(s: &str, h: &str, p: u16) -> Origin {
        Origin::Tuple {
            scheme: s.into(),
            host: h.into(),
            port: p,
        }
    }

    fn req<'a>(d: Destination, method: &'a str, headers: &[(&str, &str)]) -> Request<'a> {
        Request {
            url: "https://api.example/x",
            destination: d,
            method,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            credentials: false,
            api: CorsName::Fetch,
        }
    }

    /// The verdict for a GET of `d` from `page` to `res`, answered with `resp`.
    fn verdict(page: &Origin, res: &Origin, d: Destination, resp: &Response) -> Verdict {
        decide(page, res, &req(d, "GET", &[]), resp, None).verdict
    }

    fn blocked(v: &Verdict) -> bool {
        matches!(v, Verdict::Blocked { .. })
    }

    #[test]
    fn comparison_part_by_part() {
        let c = compare(
            &o("https", "a.example", 443),
            &o("https", "a.example", 8443),
        );
        assert!(!c.same_origin);
        assert_eq!(
            c.parts
                .iter()
                .filter(|p| !p.3)
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            ["port"]
        );
        assert!(compare(&o("https", "a.example", 443), &o("https", "a.example", 443)).same_origin);
        assert!(!compare(&Origin::Opaque, &Origin::Opaque).same_origin);
        let all = [
            o("https", "a.example", 443),
            o("http", "a.example", 443),
            o("https", "b.example", 443),
            o("https", "a.example", 8443),
            Origin::Opaque,
        ];
        for a in &all {
            for b in &all {
                assert_eq!(same_origin(a, b), compare(a, b).same_origin, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn embedding_rules() {
        let page = o("https", "www.example", 443);
        let other = o("https", "cdn.example", 443);
        let js = Response {
            content_type: Some("text/javascript".into()),
            ..Response::default()
        };
        assert!(!blocked(&verdict(&page, &other, Destination::Script, &js)));
        let img_as_js = Response {
            content_type: Some("image/png".into()),
            ..Response::default()
        };
        assert!(blocked(&verdict(
            &page,
            &other,
            Destination::Script,
            &img_as_js
        )));
        let plain = Response {
            content_type: Some("text/plain".into()),
            ..Response::default()
        };
        let d = decide(
            &page,
            &other,
            &req(Destination::Style, "GET", &[]),
            &plain,
            None,
        );
        assert!(
            matches!(&d.verdict, Verdict::Blocked { console, .. } if console.contains("not a supported stylesheet MIME type"))
        );
        assert!(!blocked(&verdict(
            &page,
            &other,
            Destination::Image,
            &plain
        )));
        let font = decide(
            &page,
            &other,
            &req(Destination::Font, "GET", &[]),
            &Response::default(),
            None,
        );
        assert!(
            matches!(&font.verdict, Verdict::Blocked { console, .. } if console.contains("No 'Access-Control-Allow-Origin'"))
        );
        let cors = Response {
            allow_origin: Some("*".into()),
            ..Response::default()
        };
        assert!(!blocked(&verdict(&page, &other, Destination::Font, &cors)));
    }

    #[test]
    fn frames() {
        let page = o("https", "www.example", 443);
        let other = o("https", "widgets.example", 443);
        let deny = Response {
            x_frame_options: Some("DENY".into()),
            ..Response::default()
        };
        assert!(blocked(&verdict(&page, &other, Destination::Iframe, &deny)));
        let same = Response {
            x_frame_options: Some("SAMEORIGIN".into()),
            ..Response::default()
        };
        assert!(blocked(&verdict(&page, &other, Destination::Iframe, &same)));
        assert!(!blocked(&verdict(&page, &page, Destination::Iframe, &same)));
        // frame-ancestors wins over X-Frame-Options.
        let csp = Response {
            x_frame_options: Some("DENY".into()),
            frame_ancestors: Some("https://www.example".into()),
            ..Response::default()
        };
        assert!(!blocked(&verdict(&page, &other, Destination::Iframe, &csp)));
    }

    #[test]
    fn fetch_cors_and_preflight() {
        let page = o("https", "www.example", 443);
        let api = o("https", "api.example", 443);
        let none = Response::default();
        let d = decide(
            &page,
            &api,
            &req(Destination::Fetch, "GET", &[]),
            &none,
            None,
        );
        assert!(d.preflight.is_none());
        assert!(
            matches!(&d.verdict, Verdict::Blocked { console, .. } if console.starts_with("Access to fetch at 'https://api.example/x' from origin 'https://www.example' has been blocked by CORS policy"))
        );
        let ok = Response {
            allow_origin: Some("https://www.example".into()),
            ..Response::default()
        };
        assert!(!blocked(
            &decide(
                &page,
                &api,
                &req(Destination::Fetch, "GET", &[("Accept", "application/json")]),
                &ok,
                None
            )
            .verdict
        ));
        // A custom header or PUT needs a preflight.
        let r = req(Destination::Fetch, "PUT", &[("X-Token", "1")]);
        let pre_ok = Response {
            allow_origin: Some("https://www.example".into()),
            allow_methods: vec!["PUT".into()],
            allow_headers: vec!["x-token".into()],
            ..Response::default()
        };
        let d = decide(&page, &api, &r, &ok, Some(&pre_ok));
        assert_eq!(
            d.preflight.as_ref().map(|p| p.request_method.as_str()),
            Some("PUT")
        );
        assert!(!blocked(&d.verdict));
        let pre_no_header = Response {
            allow_headers: vec![],
            ..pre_ok.clone()
        };
        let d = decide(&page, &api, &r, &ok, Some(&pre_no_header));
        assert!(
            matches!(&d.verdict, Verdict::Blocked { console, .. } if console.contains("Request header field x-token is not allowed"))
        );
        // Credentials need an exact origin and Allow-Credentials.
        let star = Response {
            allow_origin: Some("*".into()),
            ..Response::default()
        };
        let mut cred = req(Destination::Fetch, "GET", &[]);
        cred.credentials = true;
        assert!(blocked(&decide(&page, &api, &cred, &star, None).verdict));
        let exact = Response {
            allow_origin: Some("https://www.example".into()),
            allow_credentials: true,
            ..Response::default()
        };
        assert!(!blocked(&decide(&page, &api, &cred, &exact, None).verdict));
        assert!(!blocked(
            &decide(
                &page,
                &page,
                &req(Destination::Fetch, "DELETE", &[]),
                &none,
                None
            )
            .verdict
        ));
    }
}
