//! The `wirewalk url` command, run as a real process.

use std::process::Command;

fn wirewalk(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .args(args)
        .output()
        .expect("run wirewalk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn the_issue_example() {
    let (code, out, _) = wirewalk(&["url", "https://EXAMPLE.com:443/a/../b?x#y", "--json"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(r#""href":"https://example.com/b?x#y""#),
        "{out}"
    );
    assert!(out.contains(r#""origin":"https://example.com""#), "{out}");
    let v = json(&out);
    // The getters in the order of the URL API, as the standard lists them.
    let order = [
        "href", "protocol", "username", "password", "host", "hostname", "port", "pathname",
        "search", "hash", "origin",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|k| {
            out.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing: {out}"))
        })
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "keys out of order: {out}"
    );
    assert_eq!(v.as_object().map(|o| o.len()), Some(order.len()));
    assert_eq!(v["protocol"], "https:");
    assert_eq!(v["port"], "");
    assert_eq!(v["pathname"], "/b");
    assert_eq!(v["search"], "?x");
    assert_eq!(v["hash"], "#y");
}

#[test]
fn base_and_credentials() {
    let (code, out, _) = wirewalk(&[
        "url",
        "../c?d",
        "--base",
        "http://u:p@h.test:8080/a/b/",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["href"], "http://u:p@h.test:8080/a/c?d");
    assert_eq!(v["username"], "u");
    assert_eq!(v["password"], "p");
    assert_eq!(v["host"], "h.test:8080");
    assert_eq!(v["origin"], "http://h.test:8080");
}

#[test]
fn invalid_url_is_an_error_object_and_status_1() {
    for input in [
        "https://exa mple.com/",
        "no scheme",
        "https://x:99999/",
        "",
        "http://[::1",
    ] {
        let (code, out, _) = wirewalk(&["url", input, "--json"]);
        assert_eq!(code, 1, "{input:?}: {out}");
        let v = json(&out);
        assert_eq!(v.as_object().map(|o| o.len()), Some(1), "{out}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{out}");
    }
    let (_, out, _) = wirewalk(&["url", "https://ex<ample.com/", "--json"]);
    assert!(
        json(&out)["error"].as_str().unwrap_or("").contains("\"<\""),
        "{out}"
    );
}

#[test]
fn text_output_marks_the_problem() {
    let (code, out, err) = wirewalk(&["url", "https://example.com:8o/"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("only digits"), "{err}");
    assert!(
        err.contains(&format!("{}^", " ".repeat(2 + 21))),
        "caret under the 'o':\n{err}"
    );
    let (code, out, _) = wirewalk(&[
        "url",
        "https://www.example.com:443/path/page?query=123#section",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("port      443  (default port, implied)"),
        "{out}"
    );
    assert!(
        out.contains("origin    (https, www.example.com, 443)"),
        "{out}"
    );
}

#[test]
fn usage_errors_do_not_panic() {
    for args in [
        &[][..],
        &["url"],
        &["url", "--base"],
        &["url", "a", "b"],
        &["nope"],
        // The server and the bundle steps are the build-time tools' now (`cargo xtask`).
        &["serve", "--port", "8080"],
    ] {
        let (code, _, err) = wirewalk(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("usage"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_argument_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_wirewalk"))
        .arg("url")
        .arg(std::ffi::OsStr::from_bytes(b"https://\xff.example/"))
        .output()
        .expect("run wirewalk");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));
}

/// Issue 3's "done when": SYN at t, SYN-ACK received at t + 225 ms, TLS 1.3 one round trip
/// later, every stage present with its step id.
#[test]
fn trace_json_intercontinental() {
    let (code, out, err) = wirewalk(&[
        "trace",
        "https://www.example.com/",
        "--profile",
        "intercontinental",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let events = v["events"].as_array().expect("events");
    let find = |step: &str| {
        events
            .iter()
            .find(|e| e["step"] == step)
            .unwrap_or_else(|| panic!("{step} missing"))
    };
    let syn = find("tcp.syn")["at_ms"].as_f64().expect("at_ms");
    let syn_ack = find("tcp.syn_ack");
    assert_eq!(syn_ack["arrives_ms"].as_f64(), Some(syn + 225.0));
    assert_eq!(find("tls.finished")["at_ms"].as_f64(), Some(syn + 450.0));
    for e in events {
        for key in ["at_ms", "seq", "step", "actor", "summary"] {
            assert!(!e[key].is_null(), "{key} missing in {e}");
        }
    }
    let stages: std::collections::BTreeSet<&str> =
        events.iter().filter_map(|e| e["stage"].as_str()).collect();
    for s in [
        "url",
        "cache",
        "dns",
        "pool",
        "tcp",
        "tls",
        "http",
        "same_origin",
        "render",
        "event_loop",
    ] {
        assert!(stages.contains(s), "stage {s} missing");
    }
    assert_eq!(v["outcome"], "ok");
    assert_eq!(v["timing"]["connectStart"].as_f64(), Some(syn));
    let keys: Vec<&String> = v["timing"].as_object().expect("timing").keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("startTime"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("loadEventEnd"));
}

#[test]
fn trace_outcomes_and_errors() {
    let (code, out, _) = wirewalk(&["trace", "https://not a url", "--json"]);
    assert_eq!(code, 1);
    assert!(
        json(&out)["outcome"]
            .as_str()
            .unwrap_or("")
            .starts_with("error: INVALID_URL"),
        "{out}"
    );
    let (code, out, _) = wirewalk(&["trace", "https://x.example/", "--dns", "nxdomain", "--json"]);
    assert_eq!(code, 1);
    assert!(
        json(&out)["outcome"]
            .as_str()
            .unwrap_or("")
            .starts_with("error: ERR_NAME_NOT_RESOLVED"),
        "{out}"
    );
    let (code, out, _) = wirewalk(&["trace", "data:,hi", "--json"]);
    assert_eq!(code, 0);
    assert!(
        json(&out)["outcome"]
            .as_str()
            .unwrap_or("")
            .starts_with("not fetched"),
        "{out}"
    );
    for args in [
        &["trace"][..],
        &["trace", "https://a/", "--profile", "mars"],
        &["trace", "https://a/", "--tls", "1.0"],
        &["trace", "https://a/", "--rtt", "-5"],
        &["trace", "https://a/", "--rtt", "NaN"],
        &["trace", "https://a/", "--keep-alive"],
        &["trace", "https://a/", "--bogus"],
        &["trace", "--preset", "nope"],
    ] {
        let (code, _, err) = wirewalk(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, out, _) = wirewalk(&[
        "trace",
        "https://a.test/",
        "--rtt",
        "1e308",
        "--bandwidth",
        "1e-300",
    ]);
    assert!(code == 0 || code == 1, "{out}");
    let (code, out, _) = wirewalk(&["trace", "--preset", "tls12-rsa"]);
    assert_eq!(code, 0);
    assert!(out.contains("tls.client_key_exchange"));
    let (_, out, _) = wirewalk(&["steps"]);
    assert!(out.contains("tls.server_hello"));
}

#[test]
fn page_many_images_reports_six_connections_and_fourteen_queued() {
    let (code, out, err) = wirewalk(&["page", "--preset", "many-images", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["connections"]["https://img.example"], 6);
    assert_eq!(v["queued"]["https://img.example"], 14);
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 21);
    for key in [
        "url",
        "origin",
        "priority",
        "connection",
        "reused",
        "durations",
        "outcome",
    ] {
        assert!(reqs[8].get(key).is_some(), "{key} missing");
    }
    assert!(reqs[8]["durations"]["queueing"].as_f64().unwrap() > 0.0);
    // The text form: one line per request and the group summary.
    let (code, out, _) = wirewalk(&["page", "--preset", "many-images"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("https://img.example")
            && out.contains("6 connections opened")
            && out.contains("14 queued"),
        "{out}"
    );
}

#[test]
fn page_scenario_files_and_mistakes() {
    let dir = std::env::temp_dir().join(format!("wirewalk-page-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("page.json");
    std::fs::write(
        &good,
        r#"{"url": "https://a.example/", "html": "<img src=/x.png><script>fetch('https://b.example/d')</script>",
            "responses": [{"url": "https://b.example/d", "headers": ["Access-Control-Allow-Origin: *"]}]}"#,
    )
    .unwrap();
    let (code, out, err) = wirewalk(&["page", good.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["requests"].as_array().unwrap().len(), 3);
    assert_eq!(v["requests"][2]["outcome"]["kind"], "ok");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"url\": \"https://a.example/\", \"htlm\": \"\"}").unwrap();
    let (code, _, err) = wirewalk(&["page", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown field `htlm`"), "{err}");
    let (code, _, err) = wirewalk(&["page", "--preset", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("many-images"), "{err}");
    let (code, _, err) = wirewalk(&["page", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(!err.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_preset_is_the_base_wherever_it_stands() {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (sc, _) = wirewalk::cli::trace_scenario(&words(&["--tls", "1.2-rsa", "--preset", "local"]))
        .expect("valid");
    let local = wirewalk::model::scenario::preset("local").expect("preset");
    assert_eq!(sc.tls.as_str(), "1.2-rsa");
    assert_eq!((sc.profile, &sc.url), (local.profile, &local.url));
    // A URL given anywhere replaces the preset's.
    let (sc, _) =
        wirewalk::cli::trace_scenario(&words(&["https://a.example/", "--preset", "local"]))
            .expect("valid");
    assert_eq!(sc.url, "https://a.example/");
}

/// `wirewalk page --events`: one connection's slice is its own handshake and the requests it
/// carried; one request's slice is its exchange; mistakes are usage errors.
#[test]
fn page_events_slices() {
    let (code, out, err) = wirewalk(&[
        "page",
        "--preset",
        "many-images",
        "--events",
        "--connection",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().all(|l| l.contains(" conn 3 ")), "{out}");
    let pos = |step: &str| {
        lines
            .iter()
            .position(|l| l.contains(&format!(" {step} ")))
            .unwrap_or_else(|| panic!("{step} missing:\n{out}"))
    };
    assert!(pos("tcp.syn") < pos("tcp.syn_ack"));
    assert!(pos("tcp.ack") < pos("tls.client_hello"));
    assert!(pos("tls.client_hello") < pos("tls.finished"));
    assert!(pos("tls.finished") < pos("http.request"));

    let (code, out, err) = wirewalk(&[
        "page",
        "--preset",
        "many-images",
        "--events",
        "--request",
        "1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let events = v.as_array().expect("an array of events");
    assert!(events.iter().all(|e| e["request"] == 1), "{out}");
    let steps: Vec<&str> = events.iter().filter_map(|e| e["step"].as_str()).collect();
    for s in [
        "pool.request_socket",
        "dns.query.resolver",
        "tcp.syn",
        "tls.finished",
        "http.response",
    ] {
        assert!(steps.contains(&s), "{s} missing from {steps:?}");
    }

    let (code, _, err) = wirewalk(&[
        "page",
        "--preset",
        "single",
        "--events",
        "--connection",
        "99",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("connections"), "{err}");
    let (code, _, err) = wirewalk(&["page", "--preset", "single", "--request", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--events"), "{err}");
    let (code, _, err) = wirewalk(&["page", "--preset", "single", "--events", "--request", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a number"), "{err}");
}

/// docs/steps.md holds exactly the table `wirewalk steps --markdown` prints, so a step's title
/// or link cannot drift from the model's.
#[test]
fn the_step_table_in_the_docs_is_the_generated_one() {
    let (code, table, err) = wirewalk(&["steps", "--markdown"]);
    assert_eq!(code, 0, "{err}");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/steps.md"))
        .expect("docs/steps.md");
    assert!(
        doc.contains(table.trim()),
        "docs/steps.md differs from `wirewalk steps --markdown`: regenerate its table"
    );
}

/// The address bar as Chromium's omnibox: a host typed without a scheme goes to https first
/// (HTTPS-Upgrades), text that is not a URL is searched, and an HSTS host's http:// URL is
/// turned into https:// by an internal redirect, before any request.
#[test]
fn the_address_bar_sends_text_where_chromium_does() {
    let steps = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("step"), s("summary"))
            })
            .collect()
    };
    let (code, out, _) = wirewalk(&["trace", "example.com", "--json"]);
    assert_eq!(code, 0, "{out}");
    let v = json(&out);
    let s = steps(&v);
    assert_eq!(s[0].0, "url.omnibox");
    assert_eq!(
        s[1],
        ("url.parse".into(), "parsed http://example.com/".into())
    );
    // The browser preconnects the URL the navigation started with; HTTPS-Upgrades redirects
    // after, in the navigation's loader.
    assert_eq!(
        s[2],
        (
            "pool.navigation_preconnect".into(),
            "preconnect 2 sockets to http://example.com as the navigation starts".into()
        )
    );
    let upgrade = s
        .iter()
        .position(|(id, _)| id == "url.https_upgrade")
        .expect("upgraded");
    let request = s
        .iter()
        .position(|(id, _)| id == "http.request")
        .expect("a request");
    let syn = s
        .iter()
        .find(|(id, _)| id == "tcp.syn")
        .expect("a connection");
    assert!(syn.1.ends_with(":443"), "{syn:?}");
    let origin = s
        .iter()
        .find(|(id, _)| id == "policy.origin")
        .expect("committed");
    assert_eq!(origin.1, "the document's origin is https://example.com");
    assert!(request > upgrade && upgrade > 2);

    // No https on the server: HTTPS-Upgrades falls back to http after the refused attempt.
    let (code, out, _) = wirewalk(&["trace", "example.com", "--no-https", "--json"]);
    assert_eq!(code, 0, "{out}");
    let s = steps(&json(&out));
    let rst = s
        .iter()
        .position(|(id, _)| id == "tcp.rst")
        .expect("refused");
    let back = s
        .iter()
        .position(|(id, _)| id == "url.https_fallback")
        .expect("fallback");
    assert!(rst < back, "{s:?}");
    let origin = s
        .iter()
        .find(|(id, _)| id == "policy.origin")
        .expect("committed");
    assert_eq!(origin.1, "the document's origin is http://example.com");

    // Typed http:// explicitly: kept (HTTPS-Upgrades exempts it); HSTS still upgrades.
    let (_, out, _) = wirewalk(&["trace", "http://example.com/", "--json"]);
    let v = json(&out);
    assert!(!steps(&v).iter().any(|(id, _)| id.starts_with("url.https")));
    // The parse says why HTTPS-Upgrades left it alone.
    let why = v["events"][0]["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "https_upgrades"))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(why.contains("typed explicitly"), "{why}");
    let (_, out, _) = wirewalk(&["trace", "http://web.dev/", "--json"]);
    let s = steps(&json(&out));
    assert_eq!(s[1].0, "url.hsts", "{s:?}");
    assert!(s[1].1.ends_with("https://web.dev/"));

    // Words are a search on the default engine (a knob).
    let (code, out, _) = wirewalk(&["trace", "what is dns", "--json"]);
    assert_eq!(code, 0, "{out}");
    let s = steps(&json(&out));
    assert_eq!(s[0].1, "a search for \"what is dns\" on Google");
    assert_eq!(
        s[1].1,
        "parsed https://www.google.com/search?q=what+is+dns&sourceid=chrome&ie=UTF-8"
    );
    let (_, out, _) = wirewalk(&["trace", "cats", "--search-engine", "duckduckgo", "--json"]);
    assert_eq!(
        steps(&json(&out))[1].1,
        "parsed https://duckduckgo.com/?q=cats"
    );
}

/// A navigation started by a click on a search result or by a form sent with POST: what reaches
/// the server, field by field in Chromium's order (as a loopback server received a link's GET,
/// a form's POST and its 303's GET from Chromium 156), HTTPS-Upgrades for the link but not for
/// the POST, and Post/Redirect/Get ending in a GET that revalidates.
#[test]
fn a_link_and_a_form_navigate_as_chromium_does() {
    let requests = |args: &[&str]| -> Vec<(String, Vec<(String, String)>)> {
        let (code, out, err) = wirewalk(args);
        assert_eq!(code, 0, "{err}");
        json(&out)["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["step"] == "http.request")
            .map(|e| {
                let fields = e["fields"]
                    .as_array()
                    .expect("fields")
                    .iter()
                    .map(|f| {
                        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                        (s("name"), s("value"))
                    })
                    .filter(|(n, _)| n != "size")
                    .collect();
                (
                    e["summary"].as_str().unwrap_or_default().to_string(),
                    fields,
                )
            })
            .collect()
    };
    let names =
        |f: &[(String, String)]| -> Vec<String> { f.iter().map(|(n, _)| n.clone()).collect() };
    let value =
        |f: &[(String, String)], n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    // A click on a search result: cross-site from the results page, its origin as Referer;
    // the http:// link is upgraded to https.
    let link = requests(&["trace", "--preset", "link-click", "--json"]);
    let (line, f) = &link[0];
    assert!(line.starts_with("GET / HTTP/1.1"), "{line}");
    assert_eq!(value(f, "Sec-Fetch-Site").as_deref(), Some("cross-site"));
    assert_eq!(value(f, "Sec-Fetch-User").as_deref(), Some("?1"));
    assert_eq!(
        value(f, "Referer").as_deref(),
        Some("https://www.google.com/")
    );
    assert_eq!(value(f, "Host").as_deref(), Some("www.example.com"));
    let (_, out, _) = wirewalk(&["trace", "--preset", "link-click"]);
    assert!(out.contains("url.https_upgrade"), "{out}");
    // A form's POST, then the 303's GET.
    let form = requests(&["trace", "--preset", "form-post", "--json"]);
    assert_eq!(
        form.len(),
        3,
        "the POST, the GET after 303, the page's fetch()"
    );
    let (line, post) = &form[0];
    assert!(line.starts_with("POST /order HTTP/1.1"), "{line}");
    assert_eq!(
        names(post),
        [
            "Host",
            "Connection",
            "Content-Length",
            "Cache-Control",
            "sec-ch-ua",
            "sec-ch-ua-mobile",
            "sec-ch-ua-platform",
            "Upgrade-Insecure-Requests",
            "Content-Type",
            "User-Agent",
            "Origin",
            "Accept",
            "Sec-Fetch-Site",
            "Sec-Fetch-Mode",
            "Sec-Fetch-User",
            "Sec-Fetch-Dest",
            "Referer",
            "Accept-Encoding",
            "Accept-Language",
            "Cookie",
        ]
    );
    assert_eq!(value(post, "Content-Length").as_deref(), Some("13"));
    assert_eq!(
        value(post, "Origin").as_deref(),
        Some("https://www.example.com")
    );
    assert_eq!(
        value(post, "Sec-Fetch-Site").as_deref(),
        Some("same-origin")
    );
    let (line, get) = &form[1];
    assert!(line.starts_with("GET /order HTTP/1.1"), "{line}");
    assert_eq!(
        names(get),
        [
            "Host",
            "Connection",
            "Cache-Control",
            "Upgrade-Insecure-Requests",
            "User-Agent",
            "Accept",
            "Sec-Fetch-Site",
            "Sec-Fetch-Mode",
            "Sec-Fetch-User",
            "Sec-Fetch-Dest",
            "sec-ch-ua",
            "sec-ch-ua-mobile",
            "sec-ch-ua-platform",
            "Referer",
            "Accept-Encoding",
            "Accept-Language",
            "Cookie",
        ]
    );
    assert_eq!(value(get, "Origin"), None, "no Origin on the GET");
    let (_, out, _) = wirewalk(&["trace", "--preset", "form-post"]);
    for step in [
        "nav.form",
        "cache.invalidate",
        "303 See Other",
        "http.redirect",
    ] {
        assert!(out.contains(step), "{step}: {out}");
    }
    // A form's POST to http:// is not upgraded; a typed URL without a scheme cannot be a link.
    let (_, out, _) = wirewalk(&[
        "trace",
        "http://www.example.com/",
        "--navigation",
        "form",
        "--json",
    ]);
    assert!(out.contains("only GET navigations are upgraded"), "{out}");
    let (code, out, _) = wirewalk(&["trace", "example.com", "--navigation", "link"]);
    assert_eq!(code, 1);
    assert!(out.contains("a link goes to a whole URL"), "{out}");
    let (code, _, err) = wirewalk(&["trace", "https://a.example/", "--navigation", "click"]);
    assert_eq!(code, 2, "{err}");
}
