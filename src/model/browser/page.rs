//! A page's sub-resources, found in its HTML in document order, with the priority Chromium
//! gives each request.
//!
//! The scan reads start tags and their attributes (case-insensitive names; quoted, unquoted and
//! boolean values), skips comments, and treats the contents of `<script>` and `<style>` as text:
//! from a stylesheet it takes `@import` and `@font-face` URLs, from an inline script the
//! `fetch()` calls with a literal URL and, when written as a literal, their `method`, header
//! names and `credentials`, and its `new EventSource(url, { withCredentials })` with a literal
//! URL, in the order the script makes them. URLs are resolved against the document's URL; one that does not
//! parse is reported, not fetched.
//!
//! Priorities follow Chromium's loader (Blink `ResourceFetcher`, as tabulated in "Resource Fetch
//! Prioritization and Scheduling in Chromium"): stylesheets and fonts Highest; a script High
//! before the first image and Medium after it, Low when `async`, `defer` or a module; images and
//! media Low, except the page's first five images not declared small, boosted to Medium
//! ([`image_priority`]; the engine raises images in the viewport after layout); `fetch()` and
//! `EventSource` High (Blink's `kHigh` for a `kRaw` resource, net `MEDIUM`). An iframe's
//! document is given Highest here, as a navigation (unverified).
//!
//! Left out: full HTML tokenization (character references, `<template>`, `<noscript>`),
//! `srcset` and `<picture>` selection, CSS `background-image` URLs, and script-inserted elements.

use crate::model::policy::Destination;
use crate::model::pool::Priority;
use std::borrow::Cow;

/// One request the page will make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Without its fragment, which never leaves the browser.
    pub url: ::url::Url,
    pub destination: Destination,
    pub priority: Priority,
    /// Where it came from, as written (`<script src="…" async>`).
    pub source: String,
    /// Byte offset in the document: discovery order.
    pub offset: usize,
    /// For `fetch()`: the method, the headers as `Name: value` lines, and whether credentials
    /// are included. A value written as a string literal is kept; any other expression (a
    /// variable, a call) is left empty (`Name:`), since the model runs no script.
    pub method: Cow<'static, str>,
    pub headers: Vec<String>,
    pub credentials: bool,
    /// A classic `<script src>` without `async` or `defer`: the parser stops until it has
    /// loaded and run.
    pub parser_blocking: bool,
    /// A `defer` classic script or a module script, without `async`: it runs once the document
    /// is parsed, in document order, before `DOMContentLoaded` (HTML §13.2.7 "The end").
    pub deferred: bool,
    /// A `<link rel=preload>`: fetched as soon as the preload scanner finds it, whatever its
    /// type, and it blocks nothing (Preload §3: it is not applied, only fetched).
    pub preload: bool,
    /// A `fetch()` whose rejection nothing handles ([`unhandled_rejection`]): when it fails,
    /// the console says `Uncaught (in promise) TypeError: Failed to fetch`.
    pub unhandled: bool,
    /// The script API that makes the request; `None` for the parser's own.
    pub api: Option<Api>,
    /// A `fetch()` the script makes again and again ([`Repeat`]).
    pub repeat: Option<Repeat>,
    /// A WebSocket's subprotocols, as `new WebSocket(url, protocols)` names them, in order
    /// (valid and distinct: the constructor throws otherwise).
    pub protocols: Vec<String>,
}

/// How a script repeats a `fetch()`: the two ways a page polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Inside a `setInterval(callback, ms)`: every `ms` milliseconds, the first `ms` after
    /// the script runs (HTML §8.6 timers; a delay under 1 ms is 1 ms, and the model takes no
    /// less than 4).
    Every(u64),
    /// Inside a function that calls itself again after the `fetch()` (`async function poll()
    /// { await fetch(u); …; poll(); }`): a long poll, asking again as soon as the answer is in.
    OnAnswer,
}

/// The shortest interval the model repeats a `fetch()` at, ms.
pub const MIN_INTERVAL_MS: u64 = 4;
/// The longest it takes, ms: ten minutes, the most a page scenario follows.
pub const MAX_INTERVAL_MS: u64 = 600_000;

/// A script API that makes requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `fetch(url, init)`.
    Fetch,
    /// `new EventSource(url, { withCredentials })`: a stream of server-sent events (HTML §9.2),
    /// which reconnects when it ends.
    EventSource,
    /// `new WebSocket(url)`: its URL is `ws:` or `wss:` (a relative one resolves against the
    /// document and takes the `ws` twin of its scheme, HTML §9.3.1).
    WebSocket,
    /// `xhr.open(method, url, async)` then `xhr.send()` on a `new XMLHttpRequest()`; `sync`
    /// when `async` is the literal `false` (XHR §3.5.1).
    Xhr { sync: bool },
}

/// A `<link rel=preconnect href=… [crossorigin]>` hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preconnect {
    pub origin: String,
    /// With `crossorigin` the socket is opened without credentials, so only CORS requests
    /// without credentials (fonts, anonymous fetches) can use it.
    pub anonymous: bool,
}

/// What the scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovery {
    pub resources: Vec<Resource>,
    /// `<link rel=preconnect>` hints, in order.
    pub preconnects: Vec<Preconnect>,
    /// URLs that could not be used, with the reason.
    pub problems: Vec<String>,
    /// Where the `<body>` start tag is (else the end of `<head>`, else the end of the
    /// document): the parser inserts the body there.
    pub body: usize,
}

/// A start tag: its name and attributes as written in the document (compared without case),
/// and its byte range.
#[derive(Debug)]
struct Tag<'h> {
    name: &'h str,
    attrs: Vec<(&'h str, &'h str)>,
    start: usize,
    end: usize,
}

impl<'h> Tag<'h> {
    /// The first attribute called `name` (lower case), as HTML's tokenizer keeps the first.
    fn attr(&self, name: &str) -> Option<&'h str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }
}

/// A short name in lower case, in `buf`; a name longer than `buf` is none this parser reads
/// (it gives the empty string).
fn lower_name<'b>(name: &str, buf: &'b mut [u8; 8]) -> &'b str {
    let Some(out) = buf.get_mut(..name.len()) else {
        return "";
    };
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).unwrap_or_default()
}

/// Why there is no start tag at a `<`.
enum NoTag {
    /// Not a start tag (`< `, `</p>`, `<!x>`): go on after the `<`.
    NotATag,
    /// A start tag the document ends inside (an open quote, no `>`): as in HTML's tokenizer,
    /// the rest of the document is part of it, so nothing after it is a tag.
    Eof,
}

/// Reads the start tag at `at` (which points at `<`).
fn read_tag(html: &str, at: usize) -> Result<Tag<'_>, NoTag> {
    let b = html.as_bytes();
    let mut i = at + 1;
    if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return Err(NoTag::NotATag);
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    let name = &html[name_start..i];
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return Err(NoTag::Eof);
        }
        if b[i] == b'>' {
            return Ok(Tag {
                name,
                attrs,
                start: at,
                end: i + 1,
            });
        }
        let n0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let an = &html[n0..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let v0 = i + 1;
                    let close = html[v0..].find(q as char).ok_or(NoTag::Eof)? + v0;
                    value = &html[v0..close];
                    i = close + 1;
                }
                _ => {
                    let v0 = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &html[v0..i];
                }
            }
        }
        if !an.is_empty() {
            attrs.push((an, value));
        }
    }
}

/// Finds the page's requests. `base` is the document's URL.
pub fn discover(html: &str, base: &str) -> Discovery {
    let mut d = Discovery::default();
    let Ok(base_url) = ::url::Url::parse(base) else {
        d.problems
            .push(format!("the document URL \"{base}\" is not valid"));
        return d;
    };
    let resolve = |raw: &str, d: &mut Discovery| -> Option<::url::Url> {
        let raw = raw.trim();
        match base_url.join(raw) {
            Ok(mut u) if matches!(u.scheme(), "http" | "https") => {
                u.set_fragment(None);
                Some(u)
            }
            Ok(u) => {
                d.problems.push(format!(
                    "{raw}: a {}: URL is not fetched over the network",
                    u.scheme()
                ));
                None
            }
            Err(e) => {
                d.problems.push(format!("\"{raw}\": not a valid URL ({e})"));
                None
            }
        }
    };
    // Lower-cased once (the same byte offsets), for the searches for closing tags.
    let lower = html.to_ascii_lowercase();
    let mut seen_image = false;
    let mut boosted = 0;
    let mut budget = REPEAT_BUDGET;
    let mut body: Option<usize> = None;
    let mut i = 0;
    while let Some(rel) = html.get(i..).and_then(|r| r.find('<')) {
        let at = i + rel;
        if html[at..].starts_with("<!--") {
            i = html[at..].find("-->").map_or(html.len(), |e| at + e + 3);
            continue;
        }
        let tag = match read_tag(html, at) {
            Ok(t) => t,
            Err(NoTag::NotATag) => {
                i = at + 1;
                continue;
            }
            Err(NoTag::Eof) => break,
        };
        i = tag.end;
        // The tag as written, for the resources it makes (most tags make none).
        let source = &html[tag.start..tag.end];
        let push = |d: &mut Discovery, url: ::url::Url, destination, priority| {
            d.resources.push(Resource {
                url,
                destination,
                priority,
                source: source.to_string(),
                offset: tag.start,
                method: "GET".into(),
                headers: vec![],
                credentials: false,
                parser_blocking: false,
                deferred: false,
                preload: false,
                unhandled: false,
                api: None,
                repeat: None,
                protocols: vec![],
            });
        };
        let mut buf = [0u8; 8];
        match lower_name(tag.name, &mut buf) {
            "link" => {
                let rels: Vec<String> = tag
                    .attr("rel")
                    .unwrap_or("")
                    .split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
                let Some(href) = tag.attr("href") else {
                    continue;
                };
                if rels.iter().any(|r| r == "preconnect") {
                    if let Some(p) = resolve(href, &mut d) {
                        d.preconnects.push(Preconnect {
                            origin: p.origin().ascii_serialization(),
                            anonymous: tag.has("crossorigin"),
                        });
                    }
                } else if rels.iter().any(|r| r == "stylesheet") {
                    if let Some(u) = resolve(href, &mut d) {
                        push(&mut d, u, Destination::Style, Priority::Highest);
                    }
                } else if rels.iter().any(|r| r == "preload") {
                    let (dest, pri) = match tag.attr("as").unwrap_or("") {
                        "font" => (Destination::Font, Priority::Highest),
                        "style" => (Destination::Style, Priority::Highest),
                        "script" => (Destination::Script, Priority::Medium),
                        "image" => (Destination::Image, Priority::Lowest),
                        "fetch" => (Destination::Fetch, Priority::Medium),
                        _ => continue,
                    };
                    if let Some(u) = resolve(href, &mut d) {
                        push(&mut d, u, dest, pri);
                        if let Some(last) = d.resources.last_mut() {
                            last.preload = true;
                        }
                    }
                }
            }
            "script" => {
                let close = lower[i..].find("</script").map_or(html.len(), |e| i + e);
                if let Some(src) = tag.attr("src") {
                    let module = tag
                        .attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("module"));
                    let deferred = !tag.has("async") && (tag.has("defer") || module);
                    let later = tag.has("async") || deferred;
                    let pri = if later {
                        Priority::Lowest
                    } else if seen_image {
                        Priority::Low
                    } else {
                        Priority::Medium
                    };
                    if let Some(u) = resolve(src, &mut d) {
                        push(&mut d, u, Destination::Script, pri);
                        if let Some(last) = d.resources.last_mut() {
                            last.parser_blocking = !later;
                            last.deferred = deferred;
                        }
                    }
                } else {
                    for mut f in script_calls(&html[i..close], &mut budget) {
                        let u = match f.api {
                            Api::WebSocket => match base_url.join(f.url.trim()) {
                                Ok(u) => websocket_url(u, &base_url, &f.protocols, &mut d),
                                Err(e) => {
                                    d.problems.push(format!("{}: {e}", f.url));
                                    None
                                }
                            },
                            _ => resolve(&f.url, &mut d),
                        };
                        if let Some(u) = u {
                            let source = match f.api {
                                Api::Fetch => format!("fetch('{}')", f.url),
                                Api::EventSource => format!("new EventSource('{}')", f.url),
                                Api::WebSocket => match f.protocols.as_slice() {
                                    [] => format!("new WebSocket('{}')", f.url),
                                    [one] => format!("new WebSocket('{}', '{one}')", f.url),
                                    list => format!(
                                        "new WebSocket('{}', ['{}'])",
                                        f.url,
                                        list.join("', '")
                                    ),
                                },
                                Api::Xhr { sync } => format!(
                                    "XMLHttpRequest open('{}', '{}'{})",
                                    f.method,
                                    f.url,
                                    if sync { ", false" } else { "" }
                                ),
                            };
                            // A synchronous XHR holds the main thread, so the parser, until
                            // it has its answer; it goes at Blink's kVeryHigh (net HIGHEST:
                            // `FetchParameters::MakeSynchronous`). A WebSocket's handshake is
                            // net's own request at `DEFAULT_PRIORITY`, LOWEST
                            // (net/websockets/websocket_stream.cc, net/base/request_priority.h).
                            let sync = f.api == Api::Xhr { sync: true };
                            d.resources.push(Resource {
                                url: u,
                                destination: Destination::Fetch,
                                priority: match f.api {
                                    _ if sync => Priority::Highest,
                                    Api::WebSocket => Priority::Lowest,
                                    _ => Priority::Medium,
                                },
                                source,
                                offset: i,
                                method: f.method.into(),
                                headers: f.headers,
                                credentials: f.credentials,
                                parser_blocking: sync,
                                deferred: false,
                                preload: false,
                                unhandled: f.unhandled,
                                api: Some(f.api),
                                repeat: f.repeat,
                                protocols: std::mem::take(&mut f.protocols),
                            });
                        }
                    }
                }
                i = close;
            }
            "style" => {
                let close = lower[i..].find("</style").map_or(html.len(), |e| i + e);
                for (url, kind) in css_urls(&html[i..close]) {
                    if let Some(u) = resolve(&url, &mut d) {
                        let dest = if kind == "font" {
                            Destination::Font
                        } else {
                            Destination::Style
                        };
                        d.resources.push(Resource {
                            url: u,
                            destination: dest,
                            priority: Priority::Highest,
                            source: format!("{kind} url({url})"),
                            offset: i,
                            method: "GET".into(),
                            headers: vec![],
                            credentials: false,
                            parser_blocking: false,
                            deferred: false,
                            preload: false,
                            unhandled: false,
                            api: None,
                            repeat: None,
                            protocols: vec![],
                        });
                    }
                }
                i = close;
            }
            "img" => {
                seen_image = true;
                if let Some(src) = tag.attr("src") {
                    if let Some(u) = resolve(src, &mut d) {
                        let priority = image_priority(&tag, &mut boosted);
                        push(&mut d, u, Destination::Image, priority);
                    }
                }
            }
            "video" | "audio" | "source" => {
                if let Some(src) = tag.attr("src") {
                    if let Some(u) = resolve(src, &mut d) {
                        push(&mut d, u, Destination::Media, Priority::Lowest);
                    }
                }
            }
            "iframe" => {
                if let Some(src) = tag.attr("src") {
                    if let Some(u) = resolve(src, &mut d) {
                        push(&mut d, u, Destination::Iframe, Priority::Highest);
                    }
                }
            }
            "body" if body.is_none() => body = Some(tag.start),
            _ => {}
        }
    }
    d.body = body.or_else(|| lower.find("</head")).unwrap_or(html.len());
    d
}

/// `@import url(...)` / `@import "..."` and `@font-face { src: url(...) }` in a stylesheet.
fn css_urls(css: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let lower = css.to_ascii_lowercase();
    let mut i = 0;
    while let Some(p) = lower[i..].find("@import") {
        let at = i + p + 7;
        // The rule ends at `;`, or where the next at-rule starts.
        let end = css[at..].find([';', '@']).map_or(css.len(), |e| at + e);
        if let Some(u) = css_url_at(&css[at..end]) {
            out.push((u, "@import"));
        }
        i = at;
    }
    let mut i = 0;
    while let Some(p) = lower[i..].find("@font-face") {
        let at = i + p;
        let end = lower[at..].find('}').map_or(css.len(), |e| at + e);
        if let Some(src) = lower[at..end].find("src") {
            if let Some(u) = css_url_at(&css[at + src..end]) {
                out.push((u, "font"));
            }
        }
        i = end.max(at + 1);
    }
    out
}

/// The first `url(...)` or quoted string in `s`.
fn css_url_at(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    if let Some(p) = lower.find("url(") {
        let rest = &s[p + 4..];
        let close = rest.find(')')?;
        return Some(rest[..close].trim().trim_matches(['"', '\'']).to_string());
    }
    let q = s.find(['"', '\''])?;
    let quote = s[q..].chars().next()?;
    let close = s[q + 1..].find(quote)?;
    Some(s[q + 1..q + 1 + close].to_string())
}

/// How many of a page's first images Blink boosts (`kBoostImagePriorityImageCount`), and the
/// area at or under which an image of a declared size is small and not boosted
/// (`kBoostImagePriorityImageSize`, px²): third_party/blink/common/features.cc.
pub const BOOSTED_IMAGES: usize = 5;
pub const SMALL_IMAGE_AREA: u64 = 10_000;

/// An `<img>`'s priority (`ResourceFetcher::ComputeLoadPriority`, `kBoostImagePriority`): the
/// page's first five images that are not small (no `width` and `height` attributes, or more
/// than 10,000 px² between them) start at Blink's `kMedium` (net `LOW`, DevTools' Medium); the
/// others at `kLow` (net `LOWEST`). `boosted` counts the boosts so far.
fn image_priority(tag: &Tag<'_>, boosted: &mut usize) -> Priority {
    let px = |name: &str| {
        tag.attr(name)
            .and_then(|v| v.trim().trim_end_matches("px").parse::<u64>().ok())
    };
    let small = match (px("width"), px("height")) {
        (Some(w), Some(h)) => w.saturating_mul(h) <= SMALL_IMAGE_AREA,
        _ => false,
    };
    if small || *boosted >= BOOSTED_IMAGES {
        return Priority::Lowest;
    }
    *boosted += 1;
    Priority::Low
}

/// One `fetch()` call or `new EventSource()` read from a script.
struct FetchCall {
    api: Api,
    /// Where the call is in the script: the calls run in this order.
    at: usize,
    url: String,
    method: String,
    /// `Name: value` header lines.
    headers: Vec<String>,
    credentials: bool,
    /// Nothing handles a rejection of the promise it returns ([`unhandled_rejection`]).
    unhandled: bool,
    repeat: Option<Repeat>,
    /// `new WebSocket(url, protocols)`'s subprotocols, as written (not yet checked).
    protocols: Vec<String>,
}

/// Whether the promise of a call with `before` and `after` around it rejects unhandled: the
/// call starts a statement (it is not awaited, assigned, returned or passed on, where a handler
/// may be added later) and the statement's chain (`.then(…)`, `.catch(…)`) gives no rejection
/// handler: no `.catch(…)`, no `.then(…)` with a second argument. A `.then(f)` alone passes the
/// rejection on to the promise it returns, which nothing handles, so V8 reports it
/// (`Uncaught (in promise)`). A newline ends the statement as automatic semicolon insertion
/// does, unless the next line continues the chain.
fn unhandled_rejection(before: &str, after: &str) -> bool {
    let b = before.trim_end();
    let starts = b.is_empty()
        || b.ends_with([';', '{', '}'])
        || (before[b.len()..].contains('\n')
            && !b.ends_with([
                '=', '(', ',', ':', '?', '&', '|', '+', '-', '*', '/', '!', '<', '>',
            ])
            && !["await", "return", "yield", "void", "typeof"]
                .iter()
                .any(|w| b.ends_with(w)));
    let chain = statement_rest(after).trim_start();
    // Anything but a chain continues a larger expression, which the model does not follow.
    starts && (chain.is_empty() || chain.starts_with('.')) && !handles_rejection(chain)
}

/// The rest of the statement `after` starts: up to a `;` or a closing `}` outside brackets, or a
/// newline that the next line does not continue with `.`.
fn statement_rest(after: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in after.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ';' | '}' if depth == 0 => return &after[..i],
            '\n' if depth == 0 && !after[i..].trim_start().starts_with('.') => return &after[..i],
            _ => {}
        }
    }
    after
}

/// Whether a promise chain (`.then(…).catch(…)`) handles a rejection.
fn handles_rejection(chain: &str) -> bool {
    if chain.contains(".catch(") {
        return true;
    }
    // `.then(onFulfilled, onRejected)`: a comma at the call's own depth.
    chain.match_indices(".then(").any(|(i, m)| {
        let mut depth = 1;
        for c in chain[i + m.len()..].chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return false;
                    }
                }
                ',' if depth == 1 => return true,
                _ => {}
            }
        }
        false
    })
}

/// `fetch('url', { method: 'PUT', headers: { 'X-A': ... }, credentials: 'include' })` calls with
/// a literal URL.
fn fetch_calls(js: &str, budget: &mut usize) -> Vec<FetchCall> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = js[i..].find("fetch(") {
        let at = i + p + 6;
        i = at;
        // One call is read no further than the next one starts (each byte is read once or twice).
        let next = js[at..].find("fetch(").map_or(js.len(), |n| at + n);
        let Some((url, after)) = literal_arg(&js[at..next]) else {
            continue;
        };
        let url = url.to_string();
        // The options object, up to the call's closing parenthesis (no nesting of calls assumed).
        let opts_end = after.find(')').unwrap_or(after.len());
        let opts = &after[..opts_end];
        let method =
            literal_after(opts, "method").map_or("GET".to_string(), |m| m.to_ascii_uppercase());
        let credentials = literal_after(opts, "credentials").is_some_and(|c| c == "include");
        let mut headers = Vec::new();
        if let Some(h) = opts.find("headers") {
            if let (Some(o), Some(c)) = (opts[h..].find('{'), opts[h..].find('}')) {
                let body = &opts[h + o + 1..h + c.max(o + 1)];
                for part in body.split(',') {
                    if let Some((k, v)) = part.split_once(':') {
                        let k = k.trim().trim_matches(['"', '\'', '`']);
                        let v = v.trim();
                        // Only a plain string literal has a value the model can know: not a
                        // concatenation, an escape or a template with a substitution.
                        let literal = v
                            .chars()
                            .next()
                            .filter(|q| matches!(q, '\'' | '"' | '`'))
                            .and_then(|q| v[1..].strip_suffix(q).map(|inner| (q, inner)))
                            .filter(|(q, inner)| {
                                !inner.contains(*q)
                                    && !inner.contains('\\')
                                    && !inner.contains("${")
                            })
                            .map_or("", |(_, inner)| inner);
                        if !k.is_empty() {
                            headers.push(if literal.is_empty() {
                                format!("{k}:")
                            } else {
                                format!("{k}: {literal}")
                            });
                        }
                    }
                }
            }
        }
        let tail = after.get(opts_end + 1..).unwrap_or("");
        let unhandled = unhandled_rejection(&js[..at - 6], tail);
        out.push(FetchCall {
            api: Api::Fetch,
            repeat: repeat_of(js, at, budget),
            at,
            url,
            method,
            headers,
            credentials,
            unhandled,
            protocols: vec![],
        });
    }
    out
}

/// The requests an inline script makes, in the order it makes them: its `fetch()` calls and
/// its `new EventSource(url, { withCredentials: true })`s with a literal URL.
fn script_calls(js: &str, budget: &mut usize) -> Vec<FetchCall> {
    let mut out = fetch_calls(js, budget);
    out.extend(constructed(js, ("EventSource(", Api::EventSource)));
    out.extend(constructed(js, ("WebSocket(", Api::WebSocket)));
    out.extend(xhr_calls(js));
    out.sort_by_key(|c| c.at);
    out
}

/// `new EventSource('url')`, `new EventSource('url', { withCredentials: true })` and
/// `new WebSocket('url')` with a literal URL (HTML §9.2.2: an EventSource's request's
/// credentials mode is `include` with `withCredentials`, else `same-origin`; a WebSocket's is
/// always `include`, Fetch §4.1 "obtain a WebSocket connection"). The APIs' own fields are the
/// engine's.
fn constructed(js: &str, (new, api): (&str, Api)) -> Vec<FetchCall> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = js[i..].find(new) {
        let at = i + p + new.len();
        i = at;
        if !js[..at - new.len()].trim_end().ends_with("new") {
            continue;
        }
        let next = js[at..].find(new).map_or(js.len(), |n| at + n);
        let Some((url, after)) = literal_arg(&js[at..next]) else {
            continue;
        };
        let opts = &after[..after.find(')').unwrap_or(after.len())];
        let protocols = if api == Api::WebSocket {
            subprotocols(opts)
        } else {
            vec![]
        };
        let credentials = api == Api::WebSocket
            || opts
                .find("withCredentials")
                .map(|k| opts[k + "withCredentials".len()..].trim_start())
                .and_then(|v| v.strip_prefix(':'))
                .is_some_and(|v| v.trim_start().starts_with("true"));
        out.push(FetchCall {
            api,
            repeat: None,
            protocols,
            at,
            url: url.to_string(),
            method: "GET".into(),
            headers: vec![],
            credentials,
            unhandled: false,
        });
    }
    out
}

/// The subprotocols after a WebSocket's URL: `, 'chat'` or `, ['chat', 'superchat']`, each a
/// string literal (a list that is not all literals is read as far as it is).
fn subprotocols(args: &str) -> Vec<String> {
    let Some(rest) = args.trim_start().strip_prefix(',') else {
        return vec![];
    };
    let Some(mut list) = rest.trim_start().strip_prefix('[') else {
        return literal_arg(rest).map_or(vec![], |(p, _)| vec![p.to_string()]);
    };
    let mut out = Vec::new();
    while let Some((p, after)) = literal_arg(list) {
        out.push(p.to_string());
        match after.trim_start().strip_prefix(',') {
            Some(next) => list = next,
            None => break,
        }
    }
    out
}

/// The `SyntaxError` `new WebSocket(url, protocols)` throws for its subprotocols, if it does
/// (HTML §9.3.1: each must be a token, RFC 9110 §5.6.2, and none may repeat), in Blink's
/// words (`WebSocketCommon::Connect`, third_party/blink/renderer/modules/websockets/
/// websocket_common.cc, which escapes what is not printable ASCII).
fn subprotocol_error(protocols: &[String]) -> Option<String> {
    const SEPARATORS: &str = "()<>@,;:\\\"/[]?={} \t";
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| ('\u{21}'..='\u{7e}').contains(&c) && !SEPARATORS.contains(c))
    };
    let escaped = |p: &str| -> String {
        p.chars()
            .map(|c| match c {
                '\\' => "\\\\".to_string(),
                ' '..='~' => c.to_string(),
                _ => c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04X}"))
                    .collect(),
            })
            .collect()
    };
    let say = |p: &str, what: &str| {
        format!(
            "Uncaught SyntaxError: Failed to construct 'WebSocket': The subprotocol '{}' is {what}.",
            escaped(p)
        )
    };
    if let Some(bad) = protocols.iter().find(|p| !valid(p)) {
        return Some(say(bad, "invalid"));
    }
    let repeated = (protocols.iter().enumerate()).find(|(i, p)| protocols[..*i].contains(p));
    repeated.map(|(_, p)| say(p, "duplicated"))
}

/// `const x = new XMLHttpRequest(); x.open('POST', '/u', false); x.withCredentials = true;
/// x.setRequestHeader('X-A', 'v'); x.send(…)`: each variable given a new XMLHttpRequest, with
/// what the script sets on it by name (literal values only), made where it calls `open`.
fn xhr_calls(js: &str) -> Vec<FetchCall> {
    const NEW: &str = "new XMLHttpRequest(";
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = js[i..].find(NEW) {
        let at = i + p;
        i = at + NEW.len();
        // `const x = new …`, `let x = new …`, `x = new …`: the name before the `=`.
        let before = js[..at].trim_end();
        let Some(before) = before.strip_suffix('=') else {
            continue;
        };
        let name: String = (before.trim_end().chars().rev())
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if name.is_empty() {
            continue;
        }
        // What the script does with it, up to the next XMLHttpRequest (or the script's end).
        let end = js[i..].find(NEW).map_or(js.len(), |n| i + n);
        if let Some(call) = xhr_of(&js[i..end], &name, i) {
            out.push(call);
        }
    }
    out
}

/// The request the XMLHttpRequest called `name` makes in `js` (which starts at `offset`):
/// its `open(method, url, async)`, `withCredentials` and `setRequestHeader` calls.
fn xhr_of(js: &str, name: &str, offset: usize) -> Option<FetchCall> {
    let open = format!("{name}.open(");
    let o = js.find(&open)? + open.len();
    let (method, after) = literal_arg(&js[o..])?;
    let (url, after) = literal_arg(after.trim_start().strip_prefix(',')?)?;
    let third = after.trim_start();
    let sync = third
        .strip_prefix(',')
        .is_some_and(|rest| rest.trim_start().starts_with("false"));
    let credentials = js
        .find(&format!("{name}.withCredentials"))
        .map(|k| js[k + name.len() + ".withCredentials".len()..].trim_start())
        .and_then(|v| v.strip_prefix('='))
        .is_some_and(|v| v.trim_start().starts_with("true"));
    let set = format!("{name}.setRequestHeader(");
    let headers = (js.match_indices(&set))
        .filter_map(|(k, _)| {
            let (n, rest) = literal_arg(&js[k + set.len()..])?;
            let v = literal_arg(rest.trim_start().strip_prefix(',')?).map_or("", |(v, _)| v);
            Some(if v.is_empty() {
                format!("{n}:")
            } else {
                format!("{n}: {v}")
            })
        })
        .collect();
    Some(FetchCall {
        api: Api::Xhr { sync },
        repeat: None,
        protocols: vec![],
        at: offset + o,
        url: url.to_string(),
        method: method.to_ascii_uppercase(),
        headers,
        credentials,
        unhandled: false,
    })
}

/// How the script repeats the `fetch()` at `at`, if it does: inside a `setInterval` with a
/// literal delay, or inside a named function that calls itself after it.
fn repeat_of(js: &str, at: usize, budget: &mut usize) -> Option<Repeat> {
    // Looked for a few kilobytes around the call, within the document's budget.
    let mut start = at.saturating_sub(REACH);
    while !js.is_char_boundary(start) {
        start -= 1;
    }
    let mut from = start;
    while let Some(p) = js[from..at].find("setInterval(") {
        let open = from + p + "setInterval(".len();
        from = open;
        let Some(close) = closing(js, open, (b'(', b')'), budget) else {
            continue;
        };
        if at < close {
            let args = &js[open..close];
            let delay = args.rsplit(',').next()?.trim().parse::<f64>().ok()?;
            let ms = if delay.is_finite() {
                delay.max(0.0) as u64
            } else {
                0
            };
            return Some(Repeat::Every(ms.clamp(MIN_INTERVAL_MS, MAX_INTERVAL_MS)));
        }
    }
    let mut from = start;
    while let Some(p) = js[from..at].find("function ") {
        let name_at = from + p + "function ".len();
        from = name_at;
        let name: String = js[name_at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        let Some(body) = js[name_at..at].find('{').map(|b| name_at + b + 1) else {
            continue;
        };
        let Some(end) = closing(js, body, (b'{', b'}'), budget) else {
            continue;
        };
        if !name.is_empty() && at < end && js[at..end].contains(&format!("{name}(")) {
            return Some(Repeat::OnAnswer);
        }
    }
    None
}

/// How far from a `fetch()` the script is read for the timer or function around it.
const REACH: usize = 4096;
/// How many bytes a document's scan reads in all looking for timers and functions around its
/// `fetch()` calls: past it, a call is taken as made once, so that a crafted page of a
/// hundred thousand calls is read in bounded time.
pub const REPEAT_BUDGET: usize = 32 << 20;

/// Where the bracket opened just before `open` closes (`close` matching `open_b`, nested ones
/// counted; brackets inside quotes are not told apart).
fn closing(
    js: &str,
    open: usize,
    (open_b, close_b): (u8, u8),
    budget: &mut usize,
) -> Option<usize> {
    let mut depth = 1usize;
    let reach = (2 * REACH).min(*budget);
    *budget -= reach;
    for (i, b) in js.bytes().enumerate().skip(open).take(reach) {
        if b == open_b {
            depth += 1;
        } else if b == close_b {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// A WebSocket's URL (HTML §9.3.1, the `WebSocket(url, protocols)` constructor): an `http:` or
/// `https:` one becomes `ws:` or `wss:`; another scheme, a fragment or a bad subprotocol is the
/// `SyntaxError` Chromium throws, reported with its words. From a page loaded over https a `ws:` URL to a host that is not
/// potentially trustworthy is mixed content: Blink blocks it and the constructor throws a
/// `SecurityError` before anything is sent (`WebSocketCommon::Connect`,
/// third_party/blink/renderer/modules/websockets/websocket_common.cc, and
/// `MixedContentChecker::IsWebSocketAllowed`; the exception's words checked in Chromium 156).
fn websocket_url(
    mut u: ::url::Url,
    page: &::url::Url,
    protocols: &[String],
    d: &mut Discovery,
) -> Option<::url::Url> {
    let twin = match u.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => {
            d.problems.push(format!(
                "Failed to construct 'WebSocket': The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '{other}' is not allowed."
            ));
            return None;
        }
    };
    if let Some(f) = u.fragment() {
        d.problems.push(format!(
            "Failed to construct 'WebSocket': The URL contains a fragment identifier ('{f}'). Fragment identifiers are not allowed in WebSocket URLs."
        ));
        return None;
    }
    u.set_scheme(twin).ok()?;
    if let Some(e) = subprotocol_error(protocols) {
        d.problems.push(e);
        return None;
    }
    if page.scheme() == "https" && !crate::model::http::potentially_trustworthy(&u) {
        d.problems.push(format!(
            "Mixed Content: The page at '{page}' was loaded over HTTPS, but attempted to connect to the insecure WebSocket endpoint '{u}'. This request has been blocked; this endpoint must be available over WSS."
        ));
        d.problems.push(
            "Uncaught SecurityError: Failed to construct 'WebSocket': An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.".into(),
        );
        return None;
    }
    Some(u)
}

/// A call's first argument when it is a string literal (quoted with `'`, `"` or a backtick):
/// its text and what follows its closing quote.
fn literal_arg(args: &str) -> Option<(&str, &str)> {
    let rest = args.trim_start();
    let q = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let close = rest[1..].find(q)?;
    Some((&rest[1..1 + close], &rest[1 + close + 1..]))
}

/// The quoted value after `key:` in a JavaScript object literal.
fn literal_after(s: &str, key: &str) -> Option<String> {
    let p = s.find(key)?;
    let rest = s[p + key.len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let q = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let close = rest[1..].find(q)?;
    Some(rest[1..1 + close].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head>
<link rel="preconnect" href="https://fonts.example">
<link rel=stylesheet href="/site.css">
<script src="https://cdn.example/lib.js"></script>
<script src="/analytics.js" async></script>
<style>@font-face { font-family: X; src: url("https://fonts.example/x.woff2") format("woff2"); }</style>
<!-- <img src="commented-out.png"> -->
</head><body>
<img src="a.png"><img SRC='https://img.example/b.png'>
<script src="late.js"></script>
<iframe src="https://widgets.example/frame"></iframe>
<script>
  fetch('https://api.example/data', { method: 'put', headers: { 'X-Token': t, "Content-Type": 'application/json' }, credentials: 'include' })
  fetch("/same-origin.json")
</script>
<img src="javascript:alert(1)">
</body></html>"#;

    #[test]
    fn finds_everything_in_order_with_priorities() {
        let d = discover(PAGE, "https://www.example/index.html");
        let got: Vec<(&str, Destination, Priority)> = d
            .resources
            .iter()
            .map(|r| (r.url.as_str(), r.destination, r.priority))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "https://www.example/site.css",
                    Destination::Style,
                    Priority::Highest
                ),
                (
                    "https://cdn.example/lib.js",
                    Destination::Script,
                    Priority::Medium
                ),
                (
                    "https://www.example/analytics.js",
                    Destination::Script,
                    Priority::Lowest
                ),
                (
                    "https://fonts.example/x.woff2",
                    Destination::Font,
                    Priority::Highest
                ),
                // Among the first five images not declared small: boosted to Medium (net LOW).
                (
                    "https://www.example/a.png",
                    Destination::Image,
                    Priority::Low
                ),
                (
                    "https://img.example/b.png",
                    Destination::Image,
                    Priority::Low
                ),
                (
                    "https://www.example/late.js",
                    Destination::Script,
                    Priority::Low
                ),
                (
                    "https://widgets.example/frame",
                    Destination::Iframe,
                    Priority::Highest
                ),
                (
                    "https://api.example/data",
                    Destination::Fetch,
                    Priority::Medium
                ),
                (
                    "https://www.example/same-origin.json",
                    Destination::Fetch,
                    Priority::Medium
                ),
            ]
        );
        let f = &d.resources[8];
        assert_eq!((f.method.as_ref(), f.credentials), ("PUT", true));
        assert_eq!(f.headers, ["X-Token:", "Content-Type: application/json"]);
        let pc: Vec<(&str, bool)> = d
            .preconnects
            .iter()
            .map(|p| (p.origin.as_str(), p.anonymous))
            .collect();
        assert_eq!(pc, [("https://fonts.example", false)]);
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
    }

    /// `kBoostImagePriority`: the first five images not declared small start at Medium (net
    /// LOW: `priority: u=2, i` over HTTP/2, as Chromium 156 sent for the http2 preset's first
    /// five photos in the fidelity harness); a 16×16 image (the h2-tls recording's, all Low)
    /// is small, neither boosted nor counted.
    #[test]
    fn the_first_five_images_not_declared_small_are_boosted() {
        let mut html = String::from("<img src=tiny.png width=16 height=16>");
        for i in 0..7 {
            html.push_str(&format!("<img src={i}.png>"));
        }
        html.push_str("<img src=big.png width=200 height=100>");
        let d = discover(&html, "https://a.example/");
        let got: Vec<Priority> = d.resources.iter().map(|r| r.priority).collect();
        let (lo, lowest) = (Priority::Low, Priority::Lowest);
        assert_eq!(got, [lowest, lo, lo, lo, lo, lo, lowest, lowest, lowest]);
        let d = discover("<img src=a.png width=101 height=100>", "https://a.example/");
        assert_eq!(
            d.resources[0].priority,
            Priority::Low,
            "10,100 px² is not small"
        );
    }

    /// A `fetch()` whose rejection nothing handles: a statement of its own, chained or not,
    /// without `.catch` or a second `.then` argument.
    #[test]
    fn a_fetch_without_a_rejection_handler_is_unhandled() {
        let unhandled = |js: &str| -> Vec<bool> {
            fetch_calls(js, &mut { REPEAT_BUDGET })
                .into_iter()
                .map(|f| f.unhandled)
                .collect()
        };
        assert_eq!(unhandled("fetch('/a');"), [true]);
        assert_eq!(
            unhandled("  fetch('/a')\n  fetch('/b', { method: 'PUT' })\n"),
            [true, true]
        );
        assert_eq!(unhandled("fetch('/a').then(r => r.json());"), [true]);
        assert_eq!(unhandled("fetch('/a').then(r => f(r, 1));"), [true]);
        assert_eq!(unhandled("fetch('/a').then(ok, bad);"), [false]);
        assert_eq!(
            unhandled("fetch('/a')\n  .then(ok)\n  .catch(() => {});"),
            [false]
        );
        assert_eq!(unhandled("const p = fetch('/a');"), [false]);
        assert_eq!(unhandled("await fetch('/a');"), [false]);
        assert_eq!(unhandled("use(fetch('/a'));"), [false]);
        assert_eq!(unhandled("if (x) { fetch('/a') }"), [true]);
    }

    #[test]
    fn event_sources_are_found_in_order_with_the_fetches() {
        let d = discover(
            "<script>fetch('/a'); const s = new EventSource(\"/feed\", { withCredentials: true });\nnew EventSource('https://x.example/s');\nEventSource('/not-new'); fetch('/b')</script>",
            "https://a.example/",
        );
        let seen: Vec<(&str, Option<Api>, bool)> = (d.resources.iter())
            .map(|r| (r.url.as_str(), r.api, r.credentials))
            .collect();
        assert_eq!(
            seen,
            [
                ("https://a.example/a", Some(Api::Fetch), false),
                ("https://a.example/feed", Some(Api::EventSource), true),
                ("https://x.example/s", Some(Api::EventSource), false),
                ("https://a.example/b", Some(Api::Fetch), false),
            ]
        );
        assert_eq!(d.resources[1].source, "new EventSource('/feed')");
        assert_eq!(
            d.resources[1].priority,
            Priority::Medium,
            "Blink's kHigh, as fetch()"
        );
    }

    #[test]
    fn a_fetch_in_a_timer_or_a_self_calling_function_repeats() {
        let repeat = |js: &str| {
            let d = discover(&format!("<script>{js}</script>"), "https://a.example/");
            d.resources.iter().map(|r| r.repeat).collect::<Vec<_>>()
        };
        assert_eq!(
            repeat("setInterval(() => fetch('/p').then(r => r.json()), 1000);"),
            [Some(Repeat::Every(1000))]
        );
        assert_eq!(
            repeat("setInterval(function () { fetch('/p') }, 0)"),
            [Some(Repeat::Every(MIN_INTERVAL_MS))]
        );
        assert_eq!(
            repeat("async function poll() { await fetch('/u'); poll(); }\npoll();"),
            [Some(Repeat::OnAnswer)]
        );
        // Not repeats: a timer without a literal delay, a function that calls another.
        assert_eq!(repeat("setInterval(() => fetch('/p'), delay)"), [None]);
        assert_eq!(repeat("function go() { fetch('/u'); done(); }"), [None]);
        assert_eq!(
            repeat("setTimeout(() => fetch('/p'), 10); fetch('/q')"),
            [None, None]
        );
    }

    #[test]
    fn a_websockets_subprotocols_are_read_and_checked_as_blink_does() {
        let ws = |args: &str| {
            let html = format!("<script>new WebSocket('wss://a.example/s'{args});</script>");
            discover(&html, "https://a.example/")
        };
        let d = ws(", ['chat.v2', \"chat.v1\"]");
        assert_eq!(d.resources[0].protocols, ["chat.v2", "chat.v1"]);
        assert_eq!(
            d.resources[0].source,
            "new WebSocket('wss://a.example/s', ['chat.v2', 'chat.v1'])"
        );
        assert_eq!(ws(", 'mqtt'").resources[0].protocols, ["mqtt"]);
        assert!(ws("").resources[0].protocols.is_empty());
        // Not a literal: nothing the model can read.
        assert!(ws(", names").resources[0].protocols.is_empty());
        for (args, error) in [
            (", 'a b'", "The subprotocol 'a b' is invalid."),
            (", ['x', '']", "The subprotocol '' is invalid."),
            (", 'chat/1'", "The subprotocol 'chat/1' is invalid."),
            (", 'caf\u{e9}'", "The subprotocol 'caf\\u00E9' is invalid."),
            (
                ", ['v1', 'v2', 'v1']",
                "The subprotocol 'v1' is duplicated.",
            ),
        ] {
            let d = ws(args);
            assert!(d.resources.is_empty(), "{args}");
            assert_eq!(
                d.problems,
                [format!(
                    "Uncaught SyntaxError: Failed to construct 'WebSocket': {error}"
                )],
                "{args}"
            );
        }
    }

    #[test]
    fn hostile_or_broken_html_does_not_panic() {
        for html in [
            "<",
            "<script",
            "<a href='",
            "<img src=>",
            "<style>@font-face{src:url(",
            "<script>fetch('",
            "<script>new EventSource('",
            "<script>new EventSource(`x`, {withCredentials",
            "<script>new WebSocket('wss://a/', ['",
            "<script>new WebSocket('wss://a/', [,,'x'",
            "<script>new WebSocket('wss://a/', '\u{1F4A5}\\')",
            "<script>setInterval(() => fetch('/p'), 1e400)",
            "<script>setInterval(fetch('/p'",
            "<script>function f( { fetch('/p'); f(",
            "<link rel=stylesheet href='http://[::1'>",
            "\u{0}<img src=\u{1F4A5}>",
            &"<div>".repeat(10_000),
        ] {
            let _ = discover(html, "https://a.example/");
        }
        assert!(!discover("x", "not a url").problems.is_empty());
    }
}
