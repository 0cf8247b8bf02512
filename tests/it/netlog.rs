//! Chrome NetLog import, checked against real Chromium 156 loads
//! (`chromium-recordings/`): what the servers saw (`server.json`) and what DevTools' HAR of the
//! same load says (`devtools.har`, written by chrome-har from CDP events), so the reader is
//! tested against files other tools wrote, through the code the app and the CLI use
//! ([`netlog::open`], [`har_replay::replay_recording`]).

use serde_json::Value;
use std::collections::BTreeMap;
use wirewalk::model::har_replay::{self, Recording, Source};
use wirewalk::model::load::{PageLoad, Protocol};
use wirewalk::model::netlog;

fn read(page: &str, file: &str) -> String {
    let path = crate::conformance_dir()
        .join("chromium-recordings")
        .join(page)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn open(page: &str) -> (Recording, PageLoad) {
    let rec = netlog::open(&read(page, "netlog.json")).expect("the NetLog reads");
    let load = har_replay::replay_recording(&rec, page).expect("it replays");
    (rec, load)
}

/// The path and query of a URL, as the servers logged requests.
fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).expect("a URL");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Per connection: its origin and its requests in order (`METHOD /path`), as a sorted list.
fn per_connection(load: &PageLoad) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = load
        .connections
        .iter()
        .filter(|c| !c.uses.is_empty())
        .map(|c| {
            let mut uses = c.uses.clone();
            uses.sort_by_key(|u| u.1);
            let reqs = uses
                .iter()
                .map(|(id, _, _)| {
                    let r = &load.requests[*id as usize - 1];
                    format!("{} {}", r.method, path_of(&r.url))
                })
                .collect();
            (c.origin.clone(), reqs)
        })
        .collect();
    out.sort();
    out
}

/// The same from `server.json`.
fn server_connections(page: &str) -> Vec<(String, Vec<String>)> {
    let server: Value = serde_json::from_str(&read(page, "server.json")).expect("json");
    let mut out = Vec::new();
    for o in server["origins"].as_array().expect("origins") {
        let origin = o["origin"].as_str().expect("origin").to_string();
        for c in o["connections"].as_array().expect("connections") {
            let reqs = c["requests"]
                .as_array()
                .expect("requests")
                .iter()
                .map(|r| r.as_str().expect("text").to_string())
                .collect();
            out.push((origin.clone(), reqs));
        }
    }
    out.sort();
    out
}

/// Every connection of the h1-mixed load, with the requests it carried in their order, is the
/// one the servers saw: six to shop.test, one each to cdn.test and api.test (the preflight and
/// its fetch on the same one).
#[test]
fn the_netlog_connections_are_the_ones_the_server_saw() {
    for page in ["h1-mixed", "h2-tls"] {
        let (rec, load) = open(page);
        assert_eq!(rec.source, Source::NetLog);
        assert_eq!(
            per_connection(&load),
            server_connections(page),
            "{page}: connections and their requests"
        );
    }
    let (_, h2) = open("h2-tls");
    assert_eq!(h2.connections.len(), 1);
    assert_eq!(h2.connections[0].protocol, Protocol::H2);
    assert_eq!(h2.requests.len(), 32);
    assert!(h2.requests.iter().all(|r| r.protocol == Protocol::H2));
}

/// A request's connection, status and priority.
type Said = (Option<String>, u16, Option<String>);

/// DevTools' HAR of the same load names each request's connection by the NetLog's socket id,
/// and its priority and status: the NetLog's entries say the same.
#[test]
fn the_netlog_agrees_with_devtools_har_of_the_same_load() {
    for page in ["h1-mixed", "h2-tls"] {
        let (rec, _) = open(page);
        let har: Value = serde_json::from_str(&read(page, "devtools.har")).expect("json");
        let entries = har["log"]["entries"].as_array().expect("entries");
        assert_eq!(rec.entries.len(), entries.len(), "{page}: requests");
        let mut ours: BTreeMap<(String, String), Said> = BTreeMap::new();
        for e in &rec.entries {
            ours.insert(
                (e.method.clone(), e.url.clone()),
                (e.connection.clone(), e.status, e.priority.clone()),
            );
        }
        for e in entries {
            let key = (
                e["request"]["method"].as_str().unwrap().to_string(),
                e["request"]["url"].as_str().unwrap().to_string(),
            );
            let (conn, status, priority) = ours
                .get(&key)
                .unwrap_or_else(|| panic!("{page}: {key:?} not in the NetLog's page"));
            assert_eq!(conn.as_deref(), e["connection"].as_str(), "{page} {key:?}");
            assert_eq!(
                *status as u64,
                e["response"]["status"].as_u64().unwrap(),
                "{page} {key:?}"
            );
            assert_eq!(
                priority.as_deref(),
                e["_priority"].as_str(),
                "{page} {key:?}: the priority after layout raised it"
            );
        }
    }
}

/// What the NetLog shows that a HAR cannot: the document's connection opened before the
/// navigation's request (Chromium's preconnect for a navigation), requests held by the pool's
/// per-group limit, and the browser's own requests left out with a note.
#[test]
fn the_netlog_shows_the_preconnect_and_the_pool_stalls() {
    let (rec, load) = open("h1-mixed");
    let doc = &load.requests[0];
    assert!(doc.url.starts_with("http://shop.test:"), "{}", doc.url);
    let c = &load.connections[doc.connection.expect("a connection") as usize - 1];
    assert_eq!(
        c.preconnect,
        Some(wirewalk::model::load::Preconnector::Recorded),
        "the document's socket was connected ahead"
    );
    assert!(c.ready <= doc.start, "connected before the request began");
    assert!(!doc.reused, "its first request does not reuse it");
    let stalled = rec
        .entries
        .iter()
        .filter(|e| {
            e.waited
                .as_deref()
                .is_some_and(|w| w.contains("SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP"))
        })
        .count();
    assert_eq!(
        stalled, 6,
        "the README's SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP ×6"
    );
    let notes = load.problems.join("\n");
    assert!(notes.contains("Chromium 156.0.8078.114"), "{notes}");
    assert!(
        notes.contains("4 requests not of this page") && notes.contains("accounts.google.com"),
        "{notes}"
    );
    // The preflight is the page's own entry, on the fetch's connection.
    let pre = load
        .requests
        .iter()
        .find(|r| &*r.method == "OPTIONS")
        .expect("the preflight");
    let get = load
        .requests
        .iter()
        .find(|r| r.url.ends_with("/items") && &*r.method == "GET")
        .expect("the fetch");
    assert_eq!(pre.connection, get.connection);
    assert!(pre.kind.preflight);
}

/// A NetLog cut short (Chrome never wrote its end) reads up to the cut, with a note; a file
/// of an unknown format version, one without the events this reader needs, and text that is
/// not JSON are refused with the reason.
#[test]
fn a_damaged_netlog_is_read_or_refused_with_the_reason() {
    let text = read("h1-mixed", "netlog.json");
    let cut = &text[..text.len() * 3 / 5];
    let rec = netlog::open(cut).expect("a cut-short NetLog reads");
    assert!(rec.notes[0].contains("cut short"), "{:?}", rec.notes);
    let load = har_replay::replay_recording(&rec, "cut").expect("replays");
    assert!(!load.requests.is_empty());

    let v2 = text.replacen("\"logFormatVersion\":1", "\"logFormatVersion\":2", 1);
    let e = netlog::open(&v2).expect_err("version 2");
    assert!(e.contains("unknown format version (2)"), "{e}");

    let renamed = text.replacen("\"REQUEST_ALIVE\":", "\"REQUEST_ALIVE_RENAMED\":", 1);
    let e = netlog::open(&renamed).expect_err("no REQUEST_ALIVE");
    assert!(e.contains("lack REQUEST_ALIVE"), "{e}");

    // A clock offset out of range is refused; absurd byte counts are read without overflow.
    let far = text.replacen("\"timeTickOffset\":", "\"timeTickOffset\":1e300,\"x\":", 1);
    let e = netlog::open(&far).expect_err("offset");
    assert!(e.contains("timeTickOffset"), "{e}");
    let huge = text.replace("\"byte_count\":1614", "\"byte_count\":1e30");
    let rec = netlog::open(&huge).expect("reads");
    har_replay::replay_recording(&rec, "huge").expect("replays");
    let e = netlog::open("{\"constants\": 5").expect_err("not JSON");
    assert!(e.contains("not a HAR file or NetLog"), "{e}");
    let e = netlog::open("{\"constants\":{},\"events\":[]}").expect_err("empty constants");
    assert!(e.contains("unknown format version"), "{e}");
    let no_page = text.replace(
        "\"request_type\":\"main frame\"",
        "\"request_type\":\"other\"",
    );
    let e = netlog::open(&no_page).expect_err("no navigation");
    assert!(e.contains("no main-frame request"), "{e}");
}

/// The same function reads a HAR file: the CLI's and the app's one entry point for both.
#[test]
fn the_reader_takes_a_har_file_too() {
    let rec = netlog::open(&read("h1-mixed", "devtools.har")).expect("a HAR file reads");
    assert_eq!(rec.source, Source::Har);
    assert_eq!(rec.entries.len(), 19);
}

/// The header fields the model writes, in order, are the ones Chromium 156 sent in these
/// recordings, as the servers received them: the https document and sub-resources over
/// HTTP/2 (client hints and Fetch Metadata included), the http ones over HTTP/1.1 (neither).
#[test]
fn the_model_writes_the_headers_chromium_sent() {
    use wirewalk::model::cache::Headers;
    use wirewalk::model::http::{self, Dest, FetchSite, Kind, Mode};
    use wirewalk::model::pool::Priority;
    let received = |page: &str, path: &str| -> Vec<String> {
        let server: Value = serde_json::from_str(&read(page, "server.json")).expect("json");
        let r = server["origins"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["requests"].as_array().into_iter().flatten())
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("{page}: {path}"));
        r["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| {
                // `:method: GET` over HTTP/2: the pseudo-header's name keeps its colon.
                let h = h.as_str().expect("text");
                let cut = h[1..].find(':').map_or(h.len(), |k| k + 1);
                h[..cut].to_string()
            })
            .collect()
    };
    let names = |h: &Headers| -> Vec<String> { h.0.iter().map(|(n, _)| n.to_string()).collect() };
    let sub = |dest, https: bool| Kind {
        dest,
        mode: Mode::NoCors,
        site: FetchSite::SameOrigin,
        trustworthy: https,
        https,
        preflight: false,
        redirected: false,
        channel: wirewalk::model::http::Channel::Http,
    };
    let nav = http::navigation_request(
        "GET",
        "secure.test:1",
        "/",
        None,
        &Headers::new(),
        Kind::typed_navigation(true, true),
    );
    let h2 = http::h2_fields(
        &nav,
        "GET",
        "https",
        http::priority_field(Priority::Highest, Dest::Document),
    );
    assert_eq!(names(&h2), received("h2-tls", "/"), "document");
    for (path, dest, p) in [
        ("/css/site.css", Dest::Style, Priority::Highest),
        ("/img/1.png", Dest::Image, Priority::Lowest),
    ] {
        let r = http::fetch_request(
            "secure.test:1",
            path,
            Some("https://secure.test:1/"),
            None,
            sub(dest, true),
        );
        let h2 = http::h2_fields(&r, "GET", "https", http::priority_field(p, dest));
        assert_eq!(names(&h2), received("h2-tls", path), "{path}");
    }
    let nav = http::navigation_request(
        "GET",
        "shop.test:1",
        "/",
        None,
        &Headers::new(),
        Kind::typed_navigation(false, false),
    );
    assert_eq!(
        names(&nav.headers),
        received("h1-mixed", "/"),
        "http document"
    );
    let img = http::fetch_request(
        "shop.test:1",
        "/img/1.png",
        Some("http://shop.test:1/"),
        None,
        sub(Dest::Image, false),
    );
    assert_eq!(
        names(&img.headers),
        received("h1-mixed", "/img/1.png"),
        "http image"
    );
}

/// A NetLog that starts on another page (a browser's start page, a failed first try) shows the
/// navigation whose page made the most requests, and says how many navigations it holds; a
/// page whose only request failed without a socket is not taken for a file without socket ids.
#[test]
fn the_page_with_the_most_requests_is_the_one_shown() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/har/netlog.json");
    let mut log: Value =
        serde_json::from_str(&std::fs::read_to_string(seed).expect("seed")).expect("json");
    let t = |n: &str| log["constants"]["logEventTypes"][n].clone();
    let ev = |ty: Value, id: u64, time: u64, phase: u64, params: Value| {
        serde_json::json!({"type": ty, "source": {"id": id, "type": 1}, "time": time.to_string(),
                           "phase": phase, "params": params})
    };
    let start = serde_json::json!({"method": "GET", "request_type": "main frame",
                                   "network_isolation_key": "https://start.test https://start.test"});
    let extra = [
        // A start page before the page, failed without a socket.
        ev(
            t("REQUEST_ALIVE"),
            90,
            1,
            1,
            serde_json::json!({"url": "https://start.test/", "priority": "HIGHEST"}),
        ),
        ev(t("URL_REQUEST_START_JOB"), 90, 1, 1, start),
        ev(
            t("REQUEST_ALIVE"),
            90,
            2,
            2,
            serde_json::json!({"net_error": -105}),
        ),
        // A second request of the seed's page.
        ev(
            t("REQUEST_ALIVE"),
            91,
            130,
            1,
            serde_json::json!({"url": "https://a.test/x.png", "priority": "LOWEST"}),
        ),
        ev(
            t("URL_REQUEST_START_JOB"),
            91,
            130,
            1,
            serde_json::json!({"method": "GET", "request_type": "other",
            "network_isolation_key": "https://a.test https://a.test"}),
        ),
        ev(t("REQUEST_ALIVE"), 91, 140, 2, serde_json::json!({})),
    ];
    log["events"].as_array_mut().expect("events").extend(extra);
    let rec = netlog::open(&log.to_string()).expect("reads");
    let load = har_replay::replay_recording(&rec, "two").expect("replays");
    assert!(load.url.starts_with("https://a.test/"), "{}", load.url);
    let notes = load.problems.join("\n");
    assert!(notes.contains("holds 2 navigations"), "{notes}");
    assert!(notes.contains("start.test"), "{notes}");
    // The start page alone: its one failed request is shown as failed, not as a HAR without ids.
    let only_start: Vec<Value> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"]["id"] == 90 || e["source"]["id"] == 2)
        .cloned()
        .collect();
    log["events"] = Value::Array(only_start);
    let load = har_replay::replay_recording(&netlog::open(&log.to_string()).unwrap(), "start")
        .expect("replays");
    assert!(!load
        .problems
        .iter()
        .any(|p| p.contains("no connection ids")));
    assert!(load
        .console
        .iter()
        .any(|c| c.contains("net::ERR_NAME_NOT_RESOLVED")));
}
