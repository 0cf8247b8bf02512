//! The model's answer for a page, what Chromium did with the same page, and every difference
//! between them, each either explained by an entry of [`EXPLANATIONS`] or UNEXPLAINED.
//!
//! What is compared, per page: the set of requests that reached a server (method and URL);
//! connections per origin (accepted, and those that carried a request); the requests each
//! connection carried, in order; the protocol each origin spoke; per kind of request
//! (document, iframe, style, script, image, font, fetch, preflight), the request header names
//! in order, and the values of the headers whose value a page decides or a load determines
//! ([`VALUE_HEADERS`]); each WebSocket's frames from the browser, in order; and the console. Times are shown, not compared: the harness's loopback
//! answers in microseconds where the model, even with its loopback knobs, keeps its own
//! main-thread and server figures.

use std::collections::BTreeMap;

use wirewalk::model::load::PageLoad;

use super::chromium::Message;
use super::server::Seen;

/// Headers whose values are compared (the others' names and order only): `user-agent` and
/// `sec-ch-ua` name headless Chromium and its full version, which the model writes as Chrome.
pub const VALUE_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "cookie",
    "if-modified-since",
    "if-none-match",
    "origin",
    "priority",
    "referer",
    ":protocol",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
    "sec-websocket-version",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-fetch-user",
    "upgrade-insecure-requests",
];

/// What a difference is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Requests,
    Protocol,
    Connections,
    PerConnection,
    HeaderNames,
    HeaderValue,
    Frames,
    Console,
}

impl Area {
    pub fn label(self) -> &'static str {
        match self {
            Area::Requests => "requests",
            Area::Protocol => "protocol",
            Area::Connections => "connections",
            Area::PerConnection => "requests per connection",
            Area::HeaderNames => "header names",
            Area::HeaderValue => "header value",
            Area::Frames => "WebSocket frames",
            Area::Console => "console",
        }
    }
}

/// One way the model and Chromium differ on a page.
#[derive(Clone)]
pub struct Difference {
    pub area: Area,
    pub subject: String,
    pub model: String,
    pub chromium: String,
    /// Facts the explanations test: `images-only` (the sequences differ only in which image
    /// is where), `favicon`, `filler-font`.
    pub tags: Vec<&'static str>,
    pub explained_by: Option<&'static Explanation>,
}

/// A known, deliberate difference between the model and Chromium, and why it is kept.
pub struct Explanation {
    pub id: &'static str,
    pub reason: &'static str,
    applies: fn(&Difference) -> bool,
}

/// Every explanation: a difference is explained only when one of these applies to it.
pub static EXPLANATIONS: &[Explanation] = &[
    Explanation {
        id: "favicon",
        reason: "After the load Chromium asks the page's origin for `/favicon.ico` for its tab strip. The model loads the page's own resources; the browser UI's icon is not one of them.",
        applies: |d| d.tags.contains(&"favicon"),
    },
    Explanation {
        id: "which-image-where",
        reason: "Which of several images of the same priority a freed connection (or an HTTP/2 stream slot) takes next depends on which response finished first. The model decides it from its own times; in Chromium it varies from run to run (the recordings in ../shared/conformance/chromium-recordings saw it vary over 7 runs). The counts per connection and the other requests' places are still compared.",
        applies: |d| d.tags.contains(&"images-only"),
    },
    Explanation {
        id: "third-party-cookie-sockets",
        reason: "Sockets opened ahead with credentials that Chromium's requests could not use because the harness's profile blocks third-party cookies. Every navigation, a frame's too, preconnects one socket to its URL as it starts (`NavigationRequest`'s constructor calls `PreconnectSockets(1, url, kInclude, …)`, content/browser/renderer_host/navigation_request.cc), and `<link rel=preconnect>` without `crossorigin` opens one with credentials. With third-party cookies blocked, the cross-site frame's request and the page's credentialed `fetch()` to that site go in privacy mode (`pmpsa/` in the NetLog's group id), another socket group: the preconnected sockets stay idle and the requests open their own. The model follows Chrome's default setting, in which those requests have their cookies and take the preconnected sockets. Applied only to an origin some of whose requests Chromium sent without the model's `Cookie`, when Chromium's idle sockets there are at most its frame's and `<link rel=preconnect>`'s, and every one of the model's connections there carried a request.",
        applies: |d| d.tags.contains(&"third-party-cookie-socket"),
    },
    Explanation {
        id: "third-party-cookies",
        reason: "The harness's fresh Chromium profile blocks third-party cookies: on a cross-site request Chromium sends no `Cookie` and says `Sec-Fetch-Storage-Access: none` (sent only when the request's cookies are blocked as third-party; services/network/sec_header_helpers.cc). The model follows Chrome's default setting, in which a cookie marked `SameSite=None; Secure` goes with cross-site requests, and the pages' cookies are such. Only those two fields are set aside; the rest of each request's fields is compared.",
        applies: |d| d.tags.contains(&"third-party-cookies"),
    },
    Explanation {
        id: "other-frame-console",
        reason: "DevTools' console lists every frame's messages, and so does the model's. The harness reads the top frame's log only, and Chromium writes an X-Frame-Options refusal of a cross-site frame outside it (checked with CDP's Log domain on the page's own target in Chromium 156: the refusal is not there, the page's CORS error, failed load and uncaught rejection are).",
        applies: |d| d.tags.contains(&"other-frame-console"),
    },
    Explanation {
        id: "which-idle-socket",
        reason: "One request took a different idle connection: in Chromium the connection the model gave it was idle too when it was issued (the response before it there had ended, and nothing else was sent on it before the request). Among a group's idle sockets the pool takes the one used last (`TransportClientSocketPool::Group`'s idle list, newest first; the model does the same), so the choice follows which of two responses ended last, microseconds apart on loopback where the model's ends follow its own server and transfer times. Applied only when moving that one request makes every connection's sequence equal.",
        applies: |d| d.tags.contains(&"idle-socket-choice"),
    },
    Explanation {
        id: "h2-session-first",
        reason: "On loopback the navigation's own HTTP/2 connection can be up before the LoadingPredictor's preconnect reaches the pool (the predictor first resolves the proxy and the host on its own; in the harness's NetLogs its job starts 10 to 40 ms after the navigation's), and a preconnect that finds an HTTP/2 session for its key opens nothing (`HTTP2_SESSION_POOL_FOUND_EXISTING_SESSION` on the `is_preconnect` job controller). Over any real round trip the handshakes take longer than that, the second socket is opened, and that is what the model shows: its second connection to the origin is the predictor's, idle. Applied only to an HTTP/2 origin where the model's only extra connection is that idle one.",
        applies: |d| d.tags.contains(&"h2-session-first"),
    },
    Explanation {
        id: "varies-between-runs",
        reason: "Chromium itself did what the model does in another load of the same page (the harness loads each preset five times and reports the first): which connection a request finds free, and so whether it opens another, depends on when earlier responses end against when it is issued, which varies from run to run on loopback. Applied only to connection counts and per-connection sequences, and only when another run of Chromium matched the model there.",
        applies: |d| d.tags.contains(&"varies-between-runs"),
    },
    Explanation {
        id: "filler-font",
        reason: "The harness serves filler bytes of the model's size, not a real font, so Chromium's font sanitizer rejects it and says so. The model assumes a valid font.",
        applies: |d| d.tags.contains(&"filler-font"),
    },
];

/// Chromium's other loads of the page (`others`: each load's differences from the model): a
/// difference in connections or requests per connection that one of them does not have is
/// Chromium varying between runs, and is explained so (said with how many runs matched).
pub fn by_variance(differences: &mut [Difference], others: &[Vec<Difference>]) {
    for d in differences.iter_mut() {
        if d.explained_by.is_some() || !matches!(d.area, Area::Connections | Area::PerConnection) {
            continue;
        }
        let matched = others
            .iter()
            .filter(|o| !o.iter().any(|x| x.area == d.area && x.subject == d.subject))
            .count();
        if matched > 0 {
            d.chromium = format!(
                "{}<br>(as the model in {matched} of Chromium's {} other runs)",
                d.chromium,
                others.len()
            );
            d.tags.push("varies-between-runs");
            d.explained_by = EXPLANATIONS.iter().find(|e| (e.applies)(d));
        }
    }
}

/// A request as the model made it.
#[derive(Clone, Debug)]
pub struct ModelRequest {
    pub id: u32,
    pub method: String,
    pub url: String,
    pub destination: String,
    pub connection: Option<u32>,
    pub headers: Vec<(String, String)>,
    /// A WebSocket's frames from the browser, as a server reads them: `text`, `pong`, `close`
    /// (over HTTP/2 `+END_STREAM` when their DATA frame ends the browser's side).
    pub frames: Vec<String>,
}

/// The model's answer, reduced to what a server sees.
pub struct ModelView {
    pub requests: Vec<ModelRequest>,
    /// `(id, origin, protocol, request ids in order, opened by a <link rel=preconnect>)`.
    pub connections: Vec<(u32, String, String, Vec<u32>, bool)>,
    pub console: Vec<String>,
}

impl ModelView {
    pub fn new(load: &PageLoad) -> ModelView {
        // The headers each request's `http.request` event says were sent (over HTTP/2, its
        // HEADERS frame's fields).
        let mut headers: BTreeMap<u64, Vec<(String, String)>> = BTreeMap::new();
        for e in &load.trace.events {
            if e.step != wirewalk::model::step::steps::HTTP_REQUEST {
                continue;
            }
            let Some(sent) = e.detail::<wirewalk::model::load::Sent>() else {
                continue;
            };
            let fields = sent
                .header_list()
                .0
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            headers.entry(u64::from(e.request)).or_insert(fields);
        }
        // The frames each WebSocket's browser side sent, in order.
        let mut frames: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for e in &load.trace.events {
            let Some(f) = e.detail::<wirewalk::model::websocket::present::Framed>() else {
                continue;
            };
            if f.from_browser {
                let end = if f.end_stream { "+END_STREAM" } else { "" };
                (frames.entry(u64::from(e.request)).or_default())
                    .push(format!("{}{end}", f.frame.opcode.name()));
            }
        }
        let requests = load
            .requests
            .iter()
            .map(|r| ModelRequest {
                id: r.id,
                // A WebSocket over HTTP/2 is an extended CONNECT on the wire (RFC 8441 §4).
                method: match r.websocket.as_ref().and_then(|h| h.http2_stream) {
                    Some(_) => "CONNECT".to_string(),
                    None => r.method.to_string(),
                },
                url: super::site::url_key(&r.url),
                destination: r.destination.to_string(),
                connection: r.connection,
                headers: headers.remove(&u64::from(r.id)).unwrap_or_default(),
                frames: frames.remove(&u64::from(r.id)).unwrap_or_default(),
            })
            .collect();
        let connections = load
            .connections
            .iter()
            .map(|c| {
                (
                    c.id,
                    c.origin.clone(),
                    c.protocol.to_string(),
                    c.uses.iter().map(|u| u.0).collect(),
                    c.preconnect == Some(wirewalk::model::load::Preconnector::Link),
                )
            })
            .collect();
        ModelView {
            requests,
            connections,
            console: load.console.clone(),
        }
    }

    /// The requests that went to a server (not answered by a cache).
    pub fn network(&self) -> Vec<&ModelRequest> {
        self.requests
            .iter()
            .filter(|r| r.connection.is_some())
            .collect()
    }

    fn request(&self, id: u32) -> Option<&ModelRequest> {
        self.requests.iter().find(|r| r.id == id)
    }
}

/// `GET /path` of a request.
fn label(method: &str, url: &str) -> String {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    format!("{method} {path}")
}

fn origin_of(url: &str) -> String {
    let scheme = url.split("://").next().unwrap_or("");
    format!(
        "{scheme}://{}",
        super::site::host_of(url).unwrap_or_default()
    )
}

fn is_image(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"]
        .iter()
        .any(|e| l.ends_with(e))
}

/// The kind of a request, for grouping its headers.
fn kind(r: &ModelRequest, page_origin: &str) -> String {
    if r.method == "OPTIONS" {
        return "preflight".into();
    }
    match r.destination.as_str() {
        "" | "empty" => {
            if origin_of(&r.url) == page_origin {
                "fetch (same-origin)".into()
            } else {
                "fetch (cross-origin)".into()
            }
        }
        d => d.to_string(),
    }
}

/// A console message as DevTools writes it: without chromedriver's `URL line:column` or
/// `URL -` in front, and with an unhandled rejection's `Uncaught (in promise)`, which
/// chromedriver's log writes `Uncaught` (CDP's `Runtime.exceptionThrown`, which DevTools
/// shows, says `Uncaught (in promise) TypeError: Failed to fetch` for the same exception).
pub fn console_text(m: &Message) -> String {
    let t = devtools_text(m);
    match t.strip_prefix("Uncaught ") {
        Some(rest) if !rest.starts_with("(in promise)") && rest.contains("Failed to fetch") => {
            format!("Uncaught (in promise) {rest}")
        }
        _ => t,
    }
}

/// [`console_text`] before the rejection's wording.
fn devtools_text(m: &Message) -> String {
    let t = m.text.trim();
    let mut words = t.splitn(3, ' ');
    let first = words.next().unwrap_or("");
    let looks_url = first.contains("://") || first.starts_with("data:");
    let out = if looks_url {
        let second = words.next().unwrap_or("");
        let rest = words.next().unwrap_or("");
        let is_pos = second.split(':').all(|p| p.parse::<u32>().is_ok());
        if second == "-" || is_pos {
            rest.to_string()
        } else {
            t.to_string()
        }
    } else {
        t.to_string()
    };
    let out = out.trim();
    let out = out
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(out);
    out.replace("\\\"", "\"")
}

fn diff(area: Area, subject: String, model: String, chromium: String) -> Difference {
    Difference {
        area,
        subject,
        model,
        chromium,
        tags: vec![],
        explained_by: None,
    }
}

/// Every difference between the model's `view` and what the servers `seen` and the console
/// said, each with its explanation if one applies.
pub fn compare(
    view: &ModelView,
    page_url: &str,
    seen: &Seen,
    console: &[Message],
) -> Vec<Difference> {
    let page_origin = origin_of(page_url);
    let mut out = Vec::new();
    // The favicon is one explained difference; the rest of the comparison leaves it out.
    let is_favicon = |r: &super::server::SeenRequest| {
        r.url.ends_with("/favicon.ico") && !view.requests.iter().any(|m| m.url == r.url)
    };
    let mut seen = seen.clone();
    let dropped: Vec<usize> = seen
        .requests
        .iter()
        .filter(|r| is_favicon(r))
        .map(|r| r.id)
        .collect();
    for r in seen.requests.iter().filter(|r| is_favicon(r)) {
        let place = seen
            .connections
            .iter()
            .position(|c| c.id == r.connection)
            .map_or(0, |i| i + 1);
        let mut d = diff(
            Area::Requests,
            format!("{} {}", r.method, r.url),
            "absent".into(),
            format!("on connection #{place}, after the page's requests"),
        );
        d.tags.push("favicon");
        out.push(d);
    }
    seen.requests.retain(|r| !dropped.contains(&r.id));
    for c in &mut seen.connections {
        c.requests.retain(|i| !dropped.contains(i));
    }
    let seen = &seen;

    // 1. The requests that reached a server.
    let model_net = view.network();
    let mut model_count: BTreeMap<String, usize> = BTreeMap::new();
    for r in &model_net {
        *model_count
            .entry(format!("{} {}", r.method, r.url))
            .or_default() += 1;
    }
    let mut seen_count: BTreeMap<String, usize> = BTreeMap::new();
    for r in &seen.requests {
        *seen_count
            .entry(format!("{} {}", r.method, r.url))
            .or_default() += 1;
    }
    let keys: std::collections::BTreeSet<&String> =
        model_count.keys().chain(seen_count.keys()).collect();
    for k in keys {
        let (m, c) = (
            model_count.get(k).copied().unwrap_or(0),
            seen_count.get(k).copied().unwrap_or(0),
        );
        if m != c {
            let d = diff(
                Area::Requests,
                k.clone(),
                if m == 0 {
                    "absent".into()
                } else {
                    format!("{m}×")
                },
                if c == 0 {
                    "absent".into()
                } else {
                    format!("{c}×")
                },
            );
            out.push(d);
        }
    }

    // 2. Protocols and connections per origin.
    let mut origins: Vec<String> = Vec::new();
    for (_, o, _, _, _) in &view.connections {
        if !origins.contains(o) {
            origins.push(o.clone());
        }
    }
    for c in &seen.connections {
        let o = format!("{}://{}", if c.tls { "https" } else { "http" }, c.host);
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    for o in &origins {
        let mconns: Vec<&(u32, String, String, Vec<u32>, bool)> =
            view.connections.iter().filter(|c| &c.1 == o).collect();
        let sconns: Vec<&super::server::SeenConnection> = seen
            .connections
            .iter()
            .filter(|c| &format!("{}://{}", if c.tls { "https" } else { "http" }, c.host) == o)
            .collect();
        let m_used = mconns.iter().filter(|c| !c.3.is_empty()).count();
        let s_used = sconns.iter().filter(|c| !c.requests.is_empty()).count();
        if mconns.len() != sconns.len() || m_used != s_used {
            let mut d = diff(
                Area::Connections,
                o.clone(),
                format!("{} opened, {m_used} carried requests", mconns.len()),
                format!("{} accepted, {s_used} carried requests", sconns.len()),
            );
            // Sockets preconnected with credentials to an origin whose requests Chromium made
            // without its third-party cookies, in another group, so they carried nothing: a
            // frame navigation's own preconnect, and a <link rel=preconnect>.
            let framed = view
                .requests
                .iter()
                .any(|r| origin_of(&r.url) == *o && r.destination == "iframe");
            let linked = mconns.iter().filter(|c| c.4).count();
            let stranded = usize::from(framed) + linked;
            let idle_extra = sconns.len() - s_used;
            let h2 = mconns.iter().any(|c| c.2 == "h2");
            if h2 && m_used == s_used && mconns.len() == sconns.len() + 1 && m_used == 1 {
                d.tags.push("h2-session-first");
            }
            if cookieless_in_chromium(view, seen, o)
                && m_used == s_used
                && mconns.iter().all(|c| !c.3.is_empty())
                && sconns.len() > mconns.len()
                && idle_extra <= stranded
            {
                d.tags.push("third-party-cookie-socket");
            }
            out.push(d);
        }
        // The protocol: the model's for the origin; ALPN's (or plain http/1.1) in Chromium.
        let mp: std::collections::BTreeSet<String> = mconns.iter().map(|c| c.2.clone()).collect();
        let sp: std::collections::BTreeSet<String> = sconns
            .iter()
            .filter(|c| !c.requests.is_empty())
            .map(|c| c.alpn.clone().unwrap_or_else(|| "http/1.1".into()))
            .collect();
        if !mp.is_empty() && !sp.is_empty() && mp != sp {
            out.push(diff(
                Area::Protocol,
                o.clone(),
                mp.into_iter().collect::<Vec<_>>().join(", "),
                sp.into_iter().collect::<Vec<_>>().join(", "),
            ));
        }
        // 3. Requests per connection: counts, then which requests and in what order.
        let mseq: Vec<Vec<String>> = mconns
            .iter()
            .filter(|c| !c.3.is_empty())
            .map(|c| {
                c.3.iter()
                    .filter_map(|id| view.request(*id))
                    .map(|r| label(&r.method, &r.url))
                    .collect()
            })
            .collect();
        let sseq: Vec<Vec<String>> = sconns
            .iter()
            .filter(|c| !c.requests.is_empty())
            .map(|c| {
                c.requests
                    .iter()
                    .filter_map(|i| seen.requests.iter().find(|r| r.id == *i))
                    .map(|r| label(&r.method, &r.url))
                    .collect()
            })
            .collect();
        let mut mcounts: Vec<usize> = mseq.iter().map(Vec::len).collect();
        let mut scounts: Vec<usize> = sseq.iter().map(Vec::len).collect();
        mcounts.sort_unstable_by(|a, b| b.cmp(a));
        scounts.sort_unstable_by(|a, b| b.cmp(a));
        let show = |seqs: &[Vec<String>]| {
            seqs.iter()
                .enumerate()
                .map(|(i, s)| format!("#{}: {}", i + 1, s.join(", ")))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        if mcounts != scounts {
            out.push(diff(
                Area::PerConnection,
                format!("{o}: requests on each connection (counts)"),
                format!("{mcounts:?}<br>{}", show(&mseq)),
                format!("{scounts:?}<br>{}", show(&sseq)),
            ));
        } else {
            let mut ms = mseq.clone();
            let mut ss = sseq.clone();
            ms.sort();
            ss.sort();
            if ms != ss {
                // Equal when every image is written `image`: only which image is where.
                let blur = |v: &[Vec<String>]| {
                    let mut b: Vec<Vec<String>> = v
                        .iter()
                        .map(|s| {
                            s.iter()
                                .map(|l| {
                                    if is_image(l) {
                                        "image".into()
                                    } else {
                                        l.clone()
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    b.sort();
                    b
                };
                let mut d = diff(
                    Area::PerConnection,
                    format!("{o}: which requests on which connection, in order"),
                    show(&mseq),
                    show(&sseq),
                );
                if blur(&mseq) == blur(&sseq) {
                    d.tags.push("images-only");
                } else if idle_choice(&mseq, &sseq, seen) {
                    d.tags.push("idle-socket-choice");
                }
                out.push(d);
            }
        }
    }

    // 4. Request headers, grouped by kind of request: names in order, then chosen values.
    let mut used = vec![false; seen.requests.len()];
    let mut third_party: Vec<String> = Vec::new();
    let mut names: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    let mut values: BTreeMap<(String, String, String, String), Vec<String>> = BTreeMap::new();
    for r in &model_net {
        let Some(i) = seen
            .requests
            .iter()
            .enumerate()
            .position(|(i, s)| !used[i] && s.method == r.method && s.url == r.url)
        else {
            continue;
        };
        used[i] = true;
        let s = &seen.requests[i];
        let k = kind(r, &page_origin);
        let mut mn: Vec<String> = r
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        let mut sn: Vec<String> = s
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        // Third-party cookies blocked in Chromium's profile: its Cookie and
        // Sec-Fetch-Storage-Access are one explained difference, set aside here.
        if sn.iter().any(|n| n == "sec-fetch-storage-access") {
            third_party.push(label(&r.method, &r.url));
            mn.retain(|n| n != "cookie");
            sn.retain(|n| n != "sec-fetch-storage-access");
        }
        if mn != sn {
            names
                .entry((k.clone(), mn.join(", "), sn.join(", ")))
                .or_default()
                .push(label(&r.method, &r.url));
        }
        for h in VALUE_HEADERS {
            let get = |hs: &[(String, String)]| {
                hs.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(h))
                    .map(|(_, v)| v.clone())
            };
            let (mv, sv) = (get(&r.headers), get(&s.headers));
            // A header missing on one side is a difference of names, shown there.
            if let (Some(mv), Some(sv)) = (mv, sv) {
                if mv != sv {
                    values
                        .entry((k.clone(), h.to_string(), mv, sv))
                        .or_default()
                        .push(label(&r.method, &r.url));
                }
            }
        }
    }
    let which = |urls: &[String]| {
        let mut s = urls.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        if urls.len() > 3 {
            s.push_str(&format!(" and {} more", urls.len() - 3));
        }
        s
    };
    if !third_party.is_empty() {
        let mut d = diff(
            Area::HeaderNames,
            format!(
                "third-party cookies: {} request(s): {}",
                third_party.len(),
                which(&third_party)
            ),
            "`Cookie` (SameSite=None)".into(),
            "no `Cookie`; `Sec-Fetch-Storage-Access: none`".into(),
        );
        d.tags.push("third-party-cookies");
        out.push(d);
    }
    for ((k, mn, sn), urls) in names {
        out.push(diff(
            Area::HeaderNames,
            format!("{k}: {} request(s): {}", urls.len(), which(&urls)),
            mn,
            sn,
        ));
    }
    for ((k, h, mv, sv), urls) in values {
        out.push(diff(
            Area::HeaderValue,
            format!("{k} `{h}`: {} request(s): {}", urls.len(), which(&urls)),
            format!("`{mv}`"),
            format!("`{sv}`"),
        ));
    }

    // 5. Each WebSocket's frames from the browser.
    out.extend(frame_differences(view, seen));

    // 6. The console.
    let mut mc: BTreeMap<String, usize> = BTreeMap::new();
    for m in &view.console {
        *mc.entry(m.clone()).or_default() += 1;
    }
    let mut sc: BTreeMap<String, usize> = BTreeMap::new();
    let mut favicon_text = std::collections::BTreeSet::new();
    for m in console {
        if m.text.contains("/favicon.ico") {
            favicon_text.insert(console_text(m));
        }
        *sc.entry(console_text(m)).or_default() += 1;
    }
    let keys: std::collections::BTreeSet<&String> = mc.keys().chain(sc.keys()).collect();
    for k in keys {
        let (m, c) = (
            mc.get(k).copied().unwrap_or(0),
            sc.get(k).copied().unwrap_or(0),
        );
        if m != c {
            let mut d = diff(
                Area::Console,
                k.clone(),
                if m == 0 {
                    "absent".into()
                } else {
                    format!("{m}×")
                },
                if c == 0 {
                    "absent".into()
                } else {
                    format!("{c}×")
                },
            );
            if m == 0 && favicon_text.contains(k.as_str()) {
                d.tags.push("favicon");
            }
            if c == 0 && k.contains("in a frame because it set 'X-Frame-Options'") {
                d.tags.push("other-frame-console");
            }
            if m == 0
                && (k.contains("Failed to decode downloaded font")
                    || k.contains("OTS parsing error"))
            {
                d.tags.push("filler-font");
            }
            out.push(d);
        }
    }

    for d in &mut out {
        d.explained_by = EXPLANATIONS.iter().find(|e| (e.applies)(d));
    }
    out
}

/// Whether Chromium sent a request to `origin` without the `Cookie` the model's same request
/// carries (its third-party cookies blocked).
/// Where a WebSocket's frames from the browser, in order, differ between the model and what the
/// servers read (matched by URL, the n-th socket to a URL with the n-th).
fn frame_differences(view: &ModelView, seen: &Seen) -> Vec<Difference> {
    let sockets = |urls: Vec<(&str, &[String])>| {
        let mut by_url: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (u, f) in urls {
            by_url.entry(u.to_string()).or_default().push(f.join(", "));
        }
        by_url
    };
    let model = sockets(
        (view.requests.iter())
            .filter(|r| r.destination == "websocket" && r.connection.is_some())
            .map(|r| (r.url.as_str(), r.frames.as_slice()))
            .collect(),
    );
    let chromium = sockets(
        (seen.requests.iter())
            .filter(|r| r.url.starts_with("ws"))
            .map(|r| (r.url.as_str(), r.frames.as_slice()))
            .collect(),
    );
    let mut out = Vec::new();
    for (url, m) in &model {
        let none = Vec::new();
        let c = chromium.get(url).unwrap_or(&none);
        for k in 0..m.len().max(c.len()) {
            let (mf, cf) = (m.get(k), c.get(k));
            if mf != cf {
                let say = |f: Option<&String>| match f {
                    None => "no socket".to_string(),
                    Some(f) if f.is_empty() => "none".to_string(),
                    Some(f) => f.clone(),
                };
                out.push(diff(Area::Frames, url.clone(), say(mf), say(cf)));
            }
        }
    }
    out
}

fn cookieless_in_chromium(view: &ModelView, seen: &Seen, origin: &str) -> bool {
    let has_cookie =
        |h: &[(String, String)]| h.iter().any(|(n, _)| n.eq_ignore_ascii_case("cookie"));
    view.requests
        .iter()
        .filter(|r| origin_of(&r.url) == origin && has_cookie(&r.headers))
        .any(|r| {
            seen.requests
                .iter()
                .any(|s| s.method == r.method && s.url == r.url && !has_cookie(&s.headers))
        })
}

/// Whether the sequences differ only in which idle connection one request took: moving one
/// request makes them equal, and in Chromium the connection the model put it on was idle when
/// it arrived (the request before it there had its response, and the next came after it).
fn idle_choice(mseq: &[Vec<String>], sseq: &[Vec<String>], seen: &Seen) -> bool {
    let find = |l: &str| seen.requests.iter().find(|r| label(&r.method, &r.url) == l);
    let without = |v: &[Vec<String>], l: &str| {
        let mut out: Vec<Vec<String>> = v
            .iter()
            .map(|s| s.iter().filter(|x| *x != l).cloned().collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect();
        out.sort();
        out
    };
    mseq.iter().any(|m| {
        m.iter().enumerate().skip(1).any(|(i, moved)| {
            let before = &m[i - 1];
            let after = m.get(i + 1);
            if without(mseq, moved) != without(sseq, moved) {
                return false;
            }
            let (Some(r), Some(b)) = (find(moved), find(before)) else {
                return false;
            };
            let idle_then = b.responded.is_some_and(|end| end <= r.arrived);
            let next_later = after
                .and_then(|a| find(a))
                .is_none_or(|a| a.arrived >= r.arrived);
            idle_then && next_later
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> Message {
        Message {
            level: "SEVERE".into(),
            source: "network".into(),
            text: text.into(),
        }
    }

    #[test]
    fn console_messages_lose_chromedrivers_prefix() {
        assert_eq!(
            console_text(&msg(
                "https://a.example/x - Failed to load resource: net::ERR_FAILED"
            )),
            "Failed to load resource: net::ERR_FAILED"
        );
        assert_eq!(
            console_text(&msg(
                "https://a.example/ 14:2 Uncaught TypeError: Failed to fetch"
            )),
            "Uncaught (in promise) TypeError: Failed to fetch",
            "chromedriver's wording of an unhandled rejection, as DevTools writes it"
        );
        assert_eq!(
            console_text(&msg("https://a.example/ 3:9 \"said \\\"hi\\\"\"")),
            "said \"hi\""
        );
        assert_eq!(console_text(&msg("plain words")), "plain words");
    }

    #[test]
    fn websocket_frames_are_compared_socket_by_socket() {
        let socket = |url: &str, frames: &[&str]| ModelRequest {
            id: 2,
            method: "GET".into(),
            url: url.into(),
            destination: "websocket".into(),
            connection: Some(2),
            headers: vec![],
            frames: frames.iter().map(|f| f.to_string()).collect(),
        };
        let view = ModelView {
            requests: vec![
                socket("wss://a.example/s", &["text", "pong", "close"]),
                socket("wss://a.example/t", &[]),
            ],
            connections: vec![],
            console: vec![],
        };
        let seen_socket =
            |id: usize, url: &str, frames: &[&str]| super::super::server::SeenRequest {
                id,
                connection: 0,
                method: "GET".into(),
                url: url.into(),
                headers: vec![],
                arrived: std::time::Instant::now(),
                responded: None,
                status: 101,
                frames: frames.iter().map(|f| f.to_string()).collect(),
            };
        let mut seen = Seen {
            connections: vec![],
            requests: vec![
                seen_socket(0, "wss://a.example/s", &["text", "pong", "close"]),
                seen_socket(1, "wss://a.example/t", &[]),
            ],
            t0: None,
        };
        assert!(frame_differences(&view, &seen).is_empty());
        seen.requests[0].frames.pop();
        let d = frame_differences(&view, &seen);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].area, d[0].model.as_str(), d[0].chromium.as_str()),
            (Area::Frames, "text, pong, close", "text, pong")
        );
        seen.requests.pop();
        let d = frame_differences(&view, &seen);
        assert_eq!(d[1].chromium, "no socket");
        // The model's side, read from its trace: the realtime page's subscription, its pong to
        // the server's ping, its close; over HTTP/2 the close ends the stream.
        let frames_of = |preset: &str| {
            let sc = wirewalk::model::pages::preset(preset).expect("preset");
            let view = ModelView::new(&wirewalk::model::load::run(&sc).expect("loads"));
            let ws = view.requests.iter().find(|r| r.destination == "websocket");
            ws.map(|r| r.frames.clone()).unwrap_or_default()
        };
        assert_eq!(frames_of("realtime"), ["text", "pong", "close"]);
        assert_eq!(
            frames_of("websocket-h2"),
            ["text", "pong", "close+END_STREAM"]
        );
    }

    #[test]
    fn labels_and_kinds() {
        assert_eq!(label("GET", "https://a.example/p?q=1"), "GET /p?q=1");
        assert_eq!(label("GET", "https://a.example"), "GET /");
        assert!(is_image("GET /photos/01.JPG") && !is_image("GET /app.js"));
        let r = ModelRequest {
            id: 1,
            method: "OPTIONS".into(),
            url: "https://b.example/api".into(),
            destination: "empty".into(),
            connection: Some(1),
            headers: vec![],
            frames: vec![],
        };
        assert_eq!(kind(&r, "https://a.example"), "preflight");
        let r = ModelRequest {
            method: "GET".into(),
            ..r
        };
        assert_eq!(kind(&r, "https://a.example"), "fetch (cross-origin)");
    }
}
