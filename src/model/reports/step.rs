//! Step ids: the public, stable names of the journey's steps, and what the inspector says about
//! each. Tutorials deep-link to these ids (`?step=tls.server_hello`), so renaming one is a
//! breaking change: add a new id instead. docs/steps.md lists them all (a test checks it).
//!
//! Every explanation is written for wirewalk in plain words (2 to 4 sentences), with why the step
//! matters and the section of the specification that defines it.

use serde::{Serialize, Serializer};
use std::fmt;

/// The stages of the journey track, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Url,
    Cache,
    Dns,
    Pool,
    Tcp,
    /// QUIC, where it replaces TCP: the journey track shows one of the two.
    Quic,
    Tls,
    Http,
    SameOrigin,
    Render,
    EventLoop,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Stage::Url,
        Stage::Cache,
        Stage::Dns,
        Stage::Pool,
        Stage::Tcp,
        Stage::Quic,
        Stage::Tls,
        Stage::Http,
        Stage::SameOrigin,
        Stage::Render,
        Stage::EventLoop,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Url => "URL",
            Stage::Cache => "Cache",
            Stage::Dns => "DNS",
            Stage::Pool => "Socket pool",
            Stage::Tcp => "TCP",
            Stage::Quic => "QUIC",
            Stage::Tls => "TLS",
            Stage::Http => "HTTP",
            Stage::SameOrigin => "Same-origin",
            Stage::Render => "Render",
            Stage::EventLoop => "Event loop",
        }
    }
}

/// What the inspector shows about a step.
#[derive(Debug)]
pub struct StepInfo {
    pub id: &'static str,
    pub stage: Stage,
    pub title: &'static str,
    /// What happens, in plain words.
    pub explain: &'static str,
    /// Why it matters: its cost, or what it buys.
    pub why: &'static str,
    /// The specification section, as a label and a link.
    pub spec: (&'static str, &'static str),
}

/// A stable step id. Only the constants in [`steps`] exist; [`StepId::parse`] finds one by name.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StepId(u16);

impl StepId {
    pub fn as_str(self) -> &'static str {
        CATALOGUE[usize::from(self.0)].id
    }

    pub fn info(self) -> &'static StepInfo {
        &CATALOGUE[usize::from(self.0)]
    }

    /// What the inspector says about the step when the TLS version on screen is `tls`: the
    /// catalogue's text, or the one written for that version where they differ
    /// ([`crate::model::tls_text`]).
    pub fn info_for(self, tls: Option<crate::model::tls::Version>) -> &'static StepInfo {
        tls.and_then(|v| crate::model::tls_text::for_version(self.as_str(), v))
            .unwrap_or_else(|| self.info())
    }

    pub fn stage(self) -> Stage {
        CATALOGUE[usize::from(self.0)].stage
    }

    /// The step with this id, if there is one.
    pub fn parse(id: &str) -> Option<StepId> {
        CATALOGUE
            .iter()
            .position(|s| s.id == id)
            .map(|i| StepId(i as u16))
    }

    /// Every step, in catalogue order.
    pub fn all() -> impl Iterator<Item = StepId> {
        (0..CATALOGUE.len()).map(|i| StepId(i as u16))
    }
}

impl fmt::Debug for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StepId({})", self.as_str())
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StepId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

macro_rules! catalogue {
    ($( $name:ident = $id:literal, $stage:ident, $title:literal,
        explain: $explain:literal, why: $why:literal, spec: ($label:literal, $url:literal); )+) => {
        /// The step constants: `steps::TCP_SYN` is `tcp.syn`.
        pub mod steps {
            use super::StepId;
            catalogue!(@consts 0u16; $($name)+);
        }
        static CATALOGUE: &[StepInfo] = &[
            $( StepInfo { id: $id, stage: Stage::$stage, title: $title, explain: $explain, why: $why, spec: ($label, $url) }, )+
        ];
    };
    (@consts $n:expr; $first:ident $($rest:ident)*) => {
        pub const $first: StepId = StepId($n);
        catalogue!(@consts $n + 1u16; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

catalogue! {
    URL_PARSE = "url.parse", Url, "Parse the typed URL",
        explain: "The address bar text goes through the URL parser before anything else happens. It finds the scheme, host, port, path, query and fragment, normalises them, and works out the origin: the scheme, host and port that every later security decision compares.",
        why: "Costs no network time. An address that cannot be parsed stops here, and the browser treats the text as a search instead.",
        spec: ("WHATWG URL §4.4 basic URL parser", "https://url.spec.whatwg.org/#concept-basic-url-parser");
    URL_NOT_FETCHED = "url.not_fetched", Url, "Not a network scheme",
        explain: "Only http and https URLs are fetched from a server. A data: URL carries its own content, javascript: runs script in the current page, about: pages are built into the browser, and file: reads the local disk, so none of them has DNS, TCP, TLS or HTTP to show.",
        why: "These schemes get an opaque origin (file: is left to the browser), so they are never same-origin with a web site.",
        spec: ("Fetch §4.2 scheme fetch", "https://fetch.spec.whatwg.org/#scheme-fetch");
    URL_OMNIBOX = "url.omnibox", Url, "What the address bar makes of the text",
        explain: "Before anything is parsed, the omnibox decides what the text is. A scheme, a real top-level domain (example.com), an address, localhost or a port make it a URL; a single word (cats), an unknown domain or text with spaces (what is dns) becomes a search on the default engine. A URL typed without a scheme gets http:// and is marked as typed without one, so the browser tries https first.",
        why: "Most people never type a scheme: what the browser guesses decides whether the first request goes to the site, over https or http, or to a search engine.",
        spec: ("Chromium components/omnibox/browser/autocomplete_input.cc", "https://source.chromium.org/chromium/chromium/src/+/main:components/omnibox/browser/autocomplete_input.cc");
    URL_HSTS = "url.hsts", Url, "HSTS: go to https without asking",
        explain: "The host is on the browser's HSTS list, because it is preloaded into the browser or because an earlier https response said Strict-Transport-Security. The browser never sends the http:// request: it answers it itself with a 307 Internal Redirect to https:// (Non-Authoritative-Reason: HSTS), which costs no network time.",
        why: "Nothing ever crosses the network in plain text, so an attacker on the path cannot strip the site down to http. The preload list protects even the very first visit.",
        spec: ("RFC 6797 §8.3 URI loading", "https://www.rfc-editor.org/rfc/rfc6797#section-8.3");
    URL_HTTPS_UPGRADE = "url.https_upgrade", Url, "HTTPS-Upgrades: try https first",
        explain: "The navigation is to an http:// URL that was not typed with http:// explicitly, to a public host on the default port. Chromium's HTTPS-Upgrades rewrites it to https:// with an internal 307 redirect (Non-Authoritative-Reason: HttpsUpgrades) before any request leaves, and keeps the http:// URL ready in case https fails.",
        why: "Most sites answer https, so the page arrives encrypted even when nobody typed https. Localhost, addresses, single-label names and reserved names are left alone.",
        spec: ("Chromium chrome/browser/ssl/https_upgrades_interceptor.cc", "https://source.chromium.org/chromium/chromium/src/+/main:chrome/browser/ssl/https_upgrades_interceptor.cc");
    URL_HTTPS_FALLBACK = "url.https_fallback", Url, "Fall back to http",
        explain: "The upgraded https:// attempt failed with a network or certificate error, so HTTPS-Upgrades redirects back to the original http:// URL (another internal 307) and remembers the host for a week, so the next visit goes straight to http. An HTTP error status would not count as a failure: the https page is shown.",
        why: "The failed attempt costs its DNS lookup, connection attempt and round trips before the http load can start; the page then arrives unencrypted, marked Not secure.",
        spec: ("Chromium chrome/browser/ssl/https_upgrades_interceptor.cc", "https://source.chromium.org/chromium/chromium/src/+/main:chrome/browser/ssl/https_upgrades_interceptor.cc");
    NAV_LINK = "nav.link", Url, "A click on a link",
        explain: "The navigation starts on another page: the user clicks a link there (here, a result on the search engine's page). That page is the navigation's initiator, so the request says where it comes from: Sec-Fetch-Site compares the target with it (cross-site from a search engine), Sec-Fetch-User: ?1 says a person clicked, and Referer carries the page's origin alone, as the default referrer policy strict-origin-when-cross-origin allows. An http:// link is still upgraded to https by HTTPS-Upgrades.",
        why: "Servers see where visitors come from and whether a person or a script started the navigation; the omnibox's guesses play no part, since a link holds a whole URL.",
        spec: ("HTML §7.4.2 navigate; Fetch Metadata §2", "https://html.spec.whatwg.org/multipage/browsing-the-web.html#navigate");
    NAV_FORM = "nav.form", Url, "A form sent with POST",
        explain: "The user sends a form with method=post (here an order form on the site's own home page). The navigation is a POST whose body is the form's fields, url-encoded, with Content-Type, Content-Length, an Origin header and Cache-Control: max-age=0. The HTTP cache lets an unsafe method through, and HTTPS-Upgrades leaves a POST alone. A server following Post/Redirect/Get answers 303 See Other, and the browser fetches the Location with GET, so that reloading the result page does not send the order twice.",
        why: "A POST changes something on the server, so nothing may answer it from a cache and nothing may repeat it silently; the 303 turns the result into an ordinary page that can be reloaded and bookmarked.",
        spec: ("HTML §4.10.21.3 form submission; RFC 9110 §15.4.4 303 See Other", "https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#form-submission-algorithm");
    RENDER_TIGHT_MODE = "render.tight_mode", Render, "Held in the renderer before <body>",
        explain: "Until the parser inserts the page's body, Blink's own scheduler is in tight mode: a stylesheet, script, image or font below High priority starts only while fewer than two of the page's such requests are in flight, counting the stylesheets and scripts of the head; two Medium ones (the first images, boosted) are let through. The request waits in the renderer, before the network sees it, and starts when another ends or the body is inserted.",
        why: "The head's render-blocking stylesheets and scripts get the connections first; images queue behind them even with sockets free.",
        spec: ("Chromium third_party/blink/renderer/platform/loader/fetch/resource_load_scheduler.cc", "https://source.chromium.org/chromium/chromium/src/+/main:third_party/blink/renderer/platform/loader/fetch/resource_load_scheduler.cc");
    CACHE_LOOKUP = "cache.lookup", Cache, "Look in the HTTP cache",
        explain: "Before using the network the browser checks its own HTTP cache for a stored response to this URL. The entry is keyed by the URL (and, in Chromium, by the top-level site that asks) and keeps the response headers, the body and the time it was received.",
        why: "The fastest request is the one that never leaves the machine: a fresh entry costs no round trip at all.",
        spec: ("RFC 9111 §4 constructing responses from caches", "https://www.rfc-editor.org/rfc/rfc9111#section-4");
    CACHE_HIT = "cache.hit", Cache, "Fresh cache hit",
        explain: "The stored response is still fresh: its age is below its freshness lifetime (from max-age, from Expires minus Date, or the heuristic 10% of the time since Last-Modified). The browser uses it directly and skips DNS, the connection and the request.",
        why: "Zero network time. Navigation Timing shows no DNS, connect or request time, and transferSize is 0.",
        spec: ("RFC 9111 §4.2 freshness", "https://www.rfc-editor.org/rfc/rfc9111#section-4.2");
    CACHE_MISS = "cache.miss", Cache, "Cache miss",
        explain: "There is no usable stored response, so the request goes to the network. Either nothing was stored, or the last response said no-store.",
        why: "Every step below this one costs time.",
        spec: ("RFC 9111 §4 constructing responses from caches", "https://www.rfc-editor.org/rfc/rfc9111#section-4");
    CACHE_MEMORY_HIT = "cache.memory_hit", Cache, "Served from the memory cache",
        explain: "The page already asked for this URL: the renderer's memory cache shares that one response with every element that names the same URL, so this request reaches neither the HTTP cache nor the network. A repeat made while the first is still loading waits for it.",
        why: "A repeated image or stylesheet costs nothing more; DevTools shows it as (memory cache).",
        spec: ("Chromium blink/renderer/platform/loader/fetch/memory_cache.cc", "https://source.chromium.org/chromium/chromium/src/+/main:third_party/blink/renderer/platform/loader/fetch/memory_cache.cc");
    CACHE_REVALIDATE = "cache.revalidate", Cache, "Stale entry: ask the server",
        explain: "A stored response exists but may not be used as it is: it is stale, or it said no-cache. The browser sends a conditional request carrying the entry's validators, If-None-Match with its ETag and If-Modified-Since with its Last-Modified date, so the server can answer 304 Not Modified instead of sending the body again.",
        why: "Still a full round trip (and a connection if none is open), but a 304 saves downloading the body.",
        spec: ("RFC 9111 §4.3 validation", "https://www.rfc-editor.org/rfc/rfc9111#section-4.3");
    CACHE_NOT_MODIFIED = "cache.not_modified", Cache, "304: the stored copy is still good",
        explain: "The server answered 304 Not Modified. The browser updates the stored headers (and so the freshness) and serves the body it already had.",
        why: "The body is not downloaded again; Resource Timing reports a small transferSize for the headers only.",
        spec: ("RFC 9111 §4.3.4 freshening stored responses", "https://www.rfc-editor.org/rfc/rfc9111#section-4.3.4");
    CACHE_STORE = "cache.store", Cache, "Store the response",
        explain: "The response may be reused later, so the cache keeps it with its validators (ETag, Last-Modified) and the times it was requested and received, which later decide how old it is. A response marked no-store, or one with a status the cache does not understand, is not kept.",
        why: "The next visit can skip the network while the entry is fresh, or revalidate it cheaply once it is stale.",
        spec: ("RFC 9111 §3 storing responses in caches", "https://www.rfc-editor.org/rfc/rfc9111#section-3");
    CACHE_NO_STORE = "cache.no_store", Cache, "Not stored (no-store)",
        explain: "The response carried Cache-Control: no-store, so the cache must not keep any copy of it. The next visit starts from a cache miss.",
        why: "Used for sensitive pages; it costs a full fetch every time.",
        spec: ("RFC 9111 §5.2.2.5 no-store", "https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.5");
    CACHE_INVALIDATE = "cache.invalidate", Cache, "Invalidated by an unsafe method",
        explain: "The request was a POST (or another unsafe method) and the server answered without an error. The server has probably changed the resource, so the cache drops what it stored for that URL, and for the URL in the answer's Location or Content-Location when it is on the same origin.",
        why: "The next GET of that URL goes to the server instead of showing a copy from before the change.",
        spec: ("RFC 9111 §4.4 invalidating stored responses", "https://www.rfc-editor.org/rfc/rfc9111#section-4.4");
    DNS_BROWSER_CACHE = "dns.browser_cache", Dns, "Browser host cache",
        explain: "The browser keeps its own cache of host names it resolved recently. Chromium keeps an answer for the record's TTL but at least 60 seconds, and an answer from the operating system for exactly 60 seconds, because the OS does not say the TTL.",
        why: "A hit here costs nothing, which is why DNS usually happens once per host name per page load.",
        spec: ("Chromium net/dns/host_cache.cc", "https://source.chromium.org/chromium/chromium/src/+/main:net/dns/host_cache.cc");
    DNS_OS_CACHE = "dns.os_cache", Dns, "OS cache and hosts file",
        explain: "On a browser cache miss the name goes to the operating system's stub resolver, which checks the hosts file and its own cache before asking the network. The operating system shares this cache with every program on the machine, so another application may already have looked the name up.",
        why: "Still local: microseconds, not round trips.",
        spec: ("RFC 1034 §5.3.1 stub resolvers", "https://www.rfc-editor.org/rfc/rfc1034#section-5.3.1");
    DNS_QUERY_RESOLVER = "dns.query.resolver", Dns, "Ask the recursive resolver",
        explain: "The stub resolver sends one query over UDP to the configured recursive resolver (the ISP's, or a public one) and waits. The recursive resolver does the rest of the work and answers from its own cache when it can.",
        why: "One round trip to the resolver, plus whatever the resolver has to look up.",
        spec: ("RFC 1035 §4.1 message format", "https://www.rfc-editor.org/rfc/rfc1035#section-4.1");
    DNS_QUERY_ROOT = "dns.query.root", Dns, "Ask a root server",
        explain: "With nothing cached, the recursive resolver starts at the top of the name space: it asks a root server about the name. The root does not know the address; it answers with a referral to the servers of the top-level domain.",
        why: "One round trip from the resolver; in practice the root referral is almost always cached.",
        spec: ("RFC 1034 §5.3.3 resolver algorithm", "https://www.rfc-editor.org/rfc/rfc1034#section-5.3.3");
    DNS_REFERRAL_ROOT = "dns.referral.root", Dns, "Referral to the TLD servers",
        explain: "The root server replies with the name servers for the top-level domain (.com, .org ...) and their addresses. The resolver caches them for their TTL, two days for .com's delegation.",
        why: "The next query goes one level down the tree.",
        spec: ("RFC 1034 §4.3.2 algorithm", "https://www.rfc-editor.org/rfc/rfc1034#section-4.3.2");
    DNS_QUERY_TLD = "dns.query.tld", Dns, "Ask the TLD server",
        explain: "The resolver asks a server of the top-level domain about the name. It still does not know the address, but it knows which servers are authoritative for the domain.",
        why: "Another round trip from the resolver.",
        spec: ("RFC 1034 §5.3.3 resolver algorithm", "https://www.rfc-editor.org/rfc/rfc1034#section-5.3.3");
    DNS_REFERRAL_TLD = "dns.referral.tld", Dns, "Referral to the authoritative servers",
        explain: "The TLD server answers with the domain's name servers, the ones that hold its records. The resolver caches the referral.",
        why: "The next query reaches the server that has the answer.",
        spec: ("RFC 1034 §4.3.2 algorithm", "https://www.rfc-editor.org/rfc/rfc1034#section-4.3.2");
    DNS_QUERY_AUTHORITATIVE = "dns.query.authoritative", Dns, "Ask the authoritative server",
        explain: "The resolver asks the domain's own name server for the address record of the host. This server holds the domain's own zone, so its answer is final rather than a referral.",
        why: "The last round trip of a cold lookup.",
        spec: ("RFC 1034 §5.3.3 resolver algorithm", "https://www.rfc-editor.org/rfc/rfc1034#section-5.3.3");
    DNS_RESPONSE_AUTHORITATIVE = "dns.response.authoritative", Dns, "The authoritative answer",
        explain: "The authoritative server answers with the address and its TTL, how long anyone may cache it, or with NXDOMAIN if the name does not exist. Its AA flag marks the answer as coming from the source, not from somebody's cache.",
        why: "The TTL decides how long every cache on the way may skip this whole walk.",
        spec: ("RFC 1035 §4.1.3 resource records", "https://www.rfc-editor.org/rfc/rfc1035#section-4.1.3");
    DNS_ANSWER = "dns.answer", Dns, "The address reaches the browser",
        explain: "The recursive resolver passes the answer back to the stub resolver and the browser, and each of them caches it. The browser now knows which IP address to connect to.",
        why: "domainLookupEnd in Navigation Timing. A cold lookup costs a round trip to the resolver plus the resolver's own walk.",
        spec: ("RFC 1035 §4.1 message format", "https://www.rfc-editor.org/rfc/rfc1035#section-4.1");
    DNS_QUERY_HTTPS = "dns.query.https", Dns, "Ask for the HTTPS record",
        explain: "Chrome's own DNS client asks for the name's HTTPS record (type 65) in the same moment as its address. The record, when the zone has one, says how the site wants to be reached: which protocols it speaks (ALPN, such as h3 and h2), maybe another port, address hints, and the keys for Encrypted ClientHello. The system resolver that most programs use never asks for it.",
        why: "It costs no extra round trip: the queries travel together, and Chromium waits only a little (at most 50 ms) for an HTTPS answer that lags behind the address.",
        spec: ("RFC 9460 §9 the HTTPS record type", "https://www.rfc-editor.org/rfc/rfc9460#section-9");
    DNS_ANSWER_HTTPS = "dns.answer.https", Dns, "The HTTPS record",
        explain: "The answer to the HTTPS query: here a ServiceMode record (priority 1, target '.', meaning this very name) whose alpn list offers h3. Chromium uses the alpn list (with http/1.1 added unless no-default-alpn), skips a record whose port differs from the URL's, keeps the ech keys for the TLS handshake, and reads but does not use the address hints: the A and AAAA answers decide where to connect.",
        why: "An h3 in the list lets the very first connection try QUIC, with no earlier visit and no Alt-Svc header: Chromium starts a QUIC job from the DNS answer and races it against TCP.",
        spec: ("RFC 9460 §7 SvcParamKeys", "https://www.rfc-editor.org/rfc/rfc9460#section-7");
    DNS_QUERY_DOH = "dns.query.doh", Dns, "Ask over HTTPS (DNS over HTTPS)",
        explain: "With secure DNS on, the browser does not send its question in a plain UDP datagram that anyone on the path can read and forge. It puts the DNS message in an HTTPS request to its DoH server: GET /dns-query?dns= followed by the message in base64url, with Accept: application/dns-message, on a TLS connection the browser keeps open for every lookup. Chromium sends each question (AAAA, A, HTTPS) as its own request, all at once, with the message's ID set to 0 and padded to a multiple of 128 bytes so that its length does not give the name away.",
        why: "The first lookup pays for the connection to the DoH server (its own lookup of the server's name over plain DNS, then TCP and TLS); later lookups reuse it and cost one round trip plus the resolver's own work.",
        spec: ("RFC 8484 §4.1 the HTTP request", "https://www.rfc-editor.org/rfc/rfc8484#section-4.1");
    DNS_ANSWER_DOH = "dns.answer.doh", Dns, "The answer over HTTPS",
        explain: "The DoH server walks the DNS tree as any recursive resolver does and sends the answer back as the body of an HTTP 200 response of type application/dns-message. Chromium accepts nothing else (another status or type is a malformed answer) and keeps the address in its host cache for the record's TTL, at least 60 seconds.",
        why: "domainLookupEnd in Navigation Timing: the answer's arrival, after the DoH server's round trip and its walk.",
        spec: ("RFC 8484 §4.2 the HTTP response", "https://www.rfc-editor.org/rfc/rfc8484#section-4.2");
    DNS_NXDOMAIN = "dns.nxdomain", Dns, "The name does not exist",
        explain: "The answer is NXDOMAIN: no such name. There is nothing to connect to, so the navigation ends with the browser's error page, ERR_NAME_NOT_RESOLVED in Chromium.",
        why: "A failed lookup is a complete journey: the page never loads.",
        spec: ("RFC 8020 NXDOMAIN: there really is nothing underneath", "https://www.rfc-editor.org/rfc/rfc8020");
    POOL_REQUEST_SOCKET = "pool.request_socket", Pool, "Ask the socket pool for a connection",
        explain: "The request asks the socket pool for a connection to its group: scheme, host and port (Chromium also keys on privacy mode and the top-level site). The pool reuses an idle connection of the group if it has one; otherwise it opens a new one, as long as the group has fewer than 6 and the whole pool fewer than 256.",
        why: "Reuse skips DNS, TCP and TLS entirely. The 6-per-group limit is why the seventh image on an HTTP/1.1 site waits.",
        spec: ("Chromium net/socket/client_socket_pool_manager.cc", "https://source.chromium.org/chromium/chromium/src/+/main:net/socket/client_socket_pool_manager.cc");
    POOL_REUSE = "pool.reuse", Pool, "Reuse an idle keep-alive connection",
        explain: "An earlier response on this group left its connection open and idle (keep-alive). The pool hands it to this request, so the request can be written at once.",
        why: "No DNS, no TCP handshake, no TLS handshake: the request starts immediately.",
        spec: ("RFC 9112 §9.3 persistence", "https://www.rfc-editor.org/rfc/rfc9112#section-9.3");
    POOL_NEW_CONNECTION = "pool.new_connection", Pool, "Open a new connection",
        explain: "No idle connection is available and the group is below its limit, so the pool starts a connect job: resolve the host, open TCP, and for https run the TLS handshake. The connection is filed under the group key, so later requests to the same scheme, host and port can share it.",
        why: "This is where the round trips of the next stages come from.",
        spec: ("Fetch §4.10 obtain a connection", "https://fetch.spec.whatwg.org/#concept-connection-obtain");
    POOL_RELEASE = "pool.release", Pool, "Connection kept alive",
        explain: "The response is complete and the connection stays open, so the pool files it as idle in its group. Chromium closes an idle connection that was used after 5 minutes.",
        why: "The next request to the same origin can reuse it.",
        spec: ("Chromium net/socket/client_socket_pool.cc", "https://source.chromium.org/chromium/chromium/src/+/main:net/socket/client_socket_pool.cc");
    TCP_SYN = "tcp.syn", Tcp, "SYN",
        explain: "The browser's TCP stack opens the connection: a segment with the SYN flag and a random initial sequence number, plus the options it supports (maximum segment size, window scaling, selective acknowledgements, timestamps). The SYN carries no data; it only proposes the numbering and the options both sides will use.",
        why: "The start of the handshake that costs one round trip before any request can be sent.",
        spec: ("RFC 9293 §3.5 establishing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.5");
    TCP_SYN_ACK = "tcp.syn_ack", Tcp, "SYN-ACK",
        explain: "The server accepts: its segment has both SYN and ACK set, its own random initial sequence number, and acknowledges the client's number plus one. It also sends its own options.",
        why: "When it arrives, one full round trip has passed since the SYN.",
        spec: ("RFC 9293 §3.5 establishing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.5");
    TCP_ACK = "tcp.ack", Tcp, "ACK: connection established",
        explain: "The client acknowledges the server's sequence number plus one. Both sides are now ESTABLISHED, and the client may send data right behind this ACK without waiting.",
        why: "connectEnd for http; for https the TLS handshake starts now.",
        spec: ("RFC 9293 §3.5 establishing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.5");
    TCP_RST = "tcp.rst", Tcp, "RST: connection refused",
        explain: "Nothing listens on that port, so the server's TCP stack answers the SYN with a reset. The connection attempt fails at once.",
        why: "The navigation ends with ERR_CONNECTION_REFUSED after one round trip.",
        spec: ("RFC 9293 §3.5.2 reset generation", "https://www.rfc-editor.org/rfc/rfc9293#section-3.5.2");
    TCP_HAPPY_EYEBALLS = "tcp.happy_eyeballs", Tcp, "Happy Eyeballs: try IPv4 too",
        explain: "The server has an IPv6 and an IPv4 address, and the browser tried IPv6 first. That SYN has had no answer for 300 ms, so Chromium starts a second attempt to the IPv4 address beside it; whichever connects first is kept and the other is dropped. Here the IPv6 path is broken (a route that exists but drops the packets), so IPv4 wins.",
        why: "A broken IPv6 path costs 300 ms instead of a TCP timeout of many seconds. Chromium's delay is fixed; RFC 8305 suggests 250 ms and lets a client adapt it.",
        spec: ("RFC 8305 §5 Happy Eyeballs: when to start the next attempt", "https://www.rfc-editor.org/rfc/rfc8305#section-5");
    TCP_LOSS = "tcp.loss", Tcp, "A segment is lost",
        explain: "One TCP segment of the response never arrived. The segments after it do, and the browser's acknowledgments keep naming the missing bytes, so the server resends them: they arrive about a round trip late, and the server halves its window. TCP hands the browser its bytes strictly in order, so everything that arrived after the gap waits in the receive buffer until the gap is filled, whatever HTTP/2 stream it belongs to.",
        why: "On an HTTP/2 connection one lost segment stalls every response behind it, not just the one it carried: head-of-line blocking at the transport.",
        spec: ("RFC 5681 §3.2 fast retransmit; RFC 9293 §3.10.7.4 in-order delivery", "https://www.rfc-editor.org/rfc/rfc5681#section-3.2");
    TCP_SEGMENT = "tcp.segment", Tcp, "The request inside TCP and IP",
        explain: "The HTTP request does not travel alone: TCP adds a header with ports, sequence and acknowledgment numbers, and IP adds one with the two addresses. Each layer wraps the one above it, and the receiver unwraps them in reverse order.",
        why: "About 40 bytes of headers per packet (more with options), and at most one MSS of data in each segment.",
        spec: ("RFC 9293 §3.1 header format", "https://www.rfc-editor.org/rfc/rfc9293#section-3.1");
    TCP_CLOSE_FIN = "tcp.close.fin", Tcp, "FIN",
        explain: "With keep-alive off, the server closes the connection after the response: a segment with the FIN flag says it has nothing more to send. A FIN closes one direction only: the other side may still send until it sends its own.",
        why: "The next request to this origin will need a new handshake.",
        spec: ("RFC 9293 §3.6 closing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.6");
    TCP_CLOSE_FIN_ACK = "tcp.close.fin_ack", Tcp, "FIN-ACK",
        explain: "The client acknowledges the server's FIN and closes its own side in the same segment. Combining the two saves a segment compared with a separate ACK and FIN.",
        why: "Closing costs packets but no waiting for the page.",
        spec: ("RFC 9293 §3.6 closing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.6");
    TCP_CLOSE_ACK = "tcp.close.ack", Tcp, "Last ACK",
        explain: "The server acknowledges the client's FIN and the connection is gone. The side that sent the first FIN waits a little longer in TIME-WAIT, so that stray late segments cannot confuse a new connection on the same ports.",
        why: "The socket leaves the pool for good.",
        spec: ("RFC 9293 §3.6 closing a connection", "https://www.rfc-editor.org/rfc/rfc9293#section-3.6");
    QUIC_CLIENT_INITIAL = "quic.client_initial", Quic, "QUIC: the browser's Initial packets",
        explain: "Over QUIC there is no TCP handshake: the browser's very first UDP datagrams already carry its TLS ClientHello, in CRYPTO frames of Initial packets. The browser makes up a random Destination Connection ID, and both sides derive the Initial keys from it, so these packets are encrypted but anyone on the path could read them; the real secrets come from the key exchange inside. Chromium's ClientHello, with the QUIC transport parameters, takes two datagrams, each padded to 1,250 bytes.",
        why: "Transport and encryption start together: the connection is ready one round trip after this, where TCP and TLS 1.3 need two. The padding stops a forged small packet from making the server send a lot to someone else.",
        spec: ("RFC 9001 §5.2 Initial secrets; RFC 9000 §14.1 datagram size", "https://www.rfc-editor.org/rfc/rfc9001#section-5.2");
    QUIC_SERVER_INITIAL = "quic.server_initial", Quic, "QUIC: the server's Initial and Handshake packets",
        explain: "The server answers with its ServerHello in an Initial packet, which also acknowledges the browser's, and in the same datagram begins Handshake packets: EncryptedExtensions (with the server's transport parameters), its Certificate, CertificateVerify and Finished, protected with the keys the key exchange just made. Several packets of different types can share one datagram.",
        why: "The whole server side of the handshake leaves in one flight, so the browser can check the certificate and finish after a single round trip.",
        spec: ("RFC 9000 §12.2 coalescing packets; RFC 9001 §4.1.4", "https://www.rfc-editor.org/rfc/rfc9000#section-12.2");
    QUIC_HANDSHAKE = "quic.handshake", Quic, "QUIC: Handshake packets",
        explain: "Packets of the Handshake space carry the rest of the TLS handshake in CRYPTO frames, and their acknowledgments. The browser's Finished goes in one; once it is sent, the browser drops its Initial keys and may send its requests in 1-RTT packets right away.",
        why: "Each packet-number space has its own keys and its own acknowledgments, so a packet cannot be replayed into another stage of the handshake.",
        spec: ("RFC 9000 §12.3 packet number spaces", "https://www.rfc-editor.org/rfc/rfc9000#section-12.3");
    QUIC_HANDSHAKE_DONE = "quic.handshake_done", Quic, "QUIC: HANDSHAKE_DONE",
        explain: "When the browser's Finished arrives, the server confirms the handshake with a HANDSHAKE_DONE frame in a 1-RTT packet; its session ticket for a later visit usually travels with it. Both sides then throw away their Handshake keys.",
        why: "The browser may already have sent its requests: confirmation only tells it that the server will never need the handshake packets again.",
        spec: ("RFC 9001 §4.1.2 handshake confirmed", "https://www.rfc-editor.org/rfc/rfc9001#section-4.1.2");
    QUIC_ACK = "quic.ack", Quic, "QUIC: acknowledgments",
        explain: "A packet with only ACK frames tells the peer which packet numbers have arrived, per packet-number space. QUIC never reuses a packet number, so an acknowledgment always says exactly which transmission arrived.",
        why: "Loss detection and the round-trip estimate come from these: unlike TCP, a retransmission gets a new number, so there is no guessing which copy was acknowledged.",
        spec: ("RFC 9000 §13.2 generating acknowledgments", "https://www.rfc-editor.org/rfc/rfc9000#section-13.2");
    QUIC_BROKEN = "quic.broken", Quic, "HTTP/3 marked broken",
        explain: "The QUIC attempt got no answer: the network drops the UDP datagrams. The browser sent probes 300, 900 and 2,100 ms after its first flight, and 4 seconds after it, without a single packet from the server, its idle timer gives up (QUIC_NETWORK_IDLE_TIMEOUT, ERR_QUIC_PROTOCOL_ERROR: what Chromium 156 did on this machine). TCP, which raced it, already carries the requests, so nothing fails; the browser only remembers the alternative as broken for 5 minutes (Chromium doubles that after each new failure, up to 2 days; the model shows the first failure only).",
        why: "While it is broken, connections to the origin go straight to TCP without a race; networks that block UDP are common enough (some corporate firewalls) that every browser keeps such a fallback.",
        spec: ("RFC 7838 §2.4 (clients may stop using an alternative that fails); Chromium BrokenAlternativeServices", "https://source.chromium.org/chromium/chromium/src/+/main:net/http/broken_alternative_services.cc");
    QUIC_LOSS = "quic.loss", Quic, "A packet is lost",
        explain: "One QUIC packet of the response never arrived. Later packets did, and their acknowledgments reveal the gap in packet numbers, so the server sends the lost frames again in a new packet with a new number, about a round trip late, and halves its window. QUIC delivers each stream on its own: only the stream whose frames were in the lost packet waits; the other responses go on arriving.",
        why: "This is what HTTP/3 gains over HTTP/2 on a lossy network: a loss delays one response instead of all of them.",
        spec: ("RFC 9002 §6.1 loss detection; RFC 9000 §2.2 streams", "https://www.rfc-editor.org/rfc/rfc9002#section-6.1");
    QUIC_STREAM = "quic.stream", Quic, "The request inside QUIC and UDP",
        explain: "Over HTTP/3 the request is HTTP/3 frames on its own QUIC stream, in a STREAM frame inside a 1-RTT packet, encrypted with the keys of the handshake, inside a UDP datagram inside an IP packet. Each request gets a new bidirectional stream (0, 4, 8 and so on), and each stream is delivered independently of the others.",
        why: "A lost packet delays only the streams whose bytes it carried, where over TCP one lost segment holds up every response on the connection.",
        spec: ("RFC 9000 §2 streams; RFC 9114 §4.1", "https://www.rfc-editor.org/rfc/rfc9000#section-2");
    TLS_CLIENT_HELLO = "tls.client_hello", Tls, "ClientHello",
        explain: "The browser opens the TLS handshake in the clear: the TLS versions and cipher suites it supports, a fresh client random, the host name it wants (SNI) and the application protocols it speaks (ALPN: h2, http/1.1). For TLS 1.3 it also guesses a key-exchange group and sends its key share right away.",
        why: "secureConnectionStart in Navigation Timing. Sending the key share early is what lets TLS 1.3 finish in one round trip.",
        spec: ("RFC 8446 §4.1.2 ClientHello", "https://www.rfc-editor.org/rfc/rfc8446#section-4.1.2");
    TLS_SERVER_HELLO = "tls.server_hello", Tls, "ServerHello",
        explain: "The server picks the version and one cipher suite from the client's lists and sends its own random. In TLS 1.3 it also sends its key share, so both sides can compute the handshake keys and everything after this message is encrypted.",
        why: "From here on an eavesdropper of TLS 1.3 sees only ciphertext, certificate included.",
        spec: ("RFC 8446 §4.1.3 ServerHello", "https://www.rfc-editor.org/rfc/rfc8446#section-4.1.3");
    TLS_ENCRYPTED_EXTENSIONS = "tls.encrypted_extensions", Tls, "EncryptedExtensions",
        explain: "TLS 1.3 only: the server's answers to the client's extensions that do not shape the keys, such as the chosen ALPN protocol, sent already encrypted. In TLS 1.2 this information travelled in the clear inside ServerHello.",
        why: "Hides what used to travel in the clear in TLS 1.2's ServerHello.",
        spec: ("RFC 8446 §4.3.1 EncryptedExtensions", "https://www.rfc-editor.org/rfc/rfc8446#section-4.3.1");
    TLS_CERTIFICATE_REQUEST = "tls.certificate_request", Tls, "CertificateRequest",
        explain: "The server asks the client to prove who it is with a certificate of its own, as banks and company intranets sometimes do. Web sites rarely do this; most log users in with passwords or tokens after the handshake instead.",
        why: "The browser has to pick a client certificate (often by asking the user) and sign with its key.",
        spec: ("RFC 8446 §4.3.2 CertificateRequest", "https://www.rfc-editor.org/rfc/rfc8446#section-4.3.2");
    TLS_CERTIFICATE = "tls.certificate", Tls, "Certificate",
        explain: "The server sends its certificate chain: its own certificate, which binds its public key to its host names, and the intermediate certificates that link it to a certificate authority. In TLS 1.3 it is already encrypted, so an observer cannot see which certificate, and so which site, is involved.",
        why: "The chain is usually the largest handshake message, a few kilobytes.",
        spec: ("RFC 8446 §4.4.2 Certificate", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2");
    TLS_CERTIFICATE_VERIFY = "tls.certificate_verify", Tls, "CertificateVerify",
        explain: "TLS 1.3: the server signs a hash of the handshake so far with the private key of its certificate. Only the holder of that key can make this signature.",
        why: "Proves the server owns the certificate it sent, not just a copy of it.",
        spec: ("RFC 8446 §4.4.3 CertificateVerify", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.3");
    TLS_SERVER_KEY_EXCHANGE = "tls.server_key_exchange", Tls, "ServerKeyExchange",
        explain: "TLS 1.2 with ECDHE: the server sends a fresh elliptic-curve public key for this connection only, signed with its certificate's key. The signature stops an attacker in the middle from substituting a key of their own.",
        why: "Ephemeral keys give forward secrecy: stealing the server's key later does not decrypt this session.",
        spec: ("RFC 5246 §7.4.3 ServerKeyExchange", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.3");
    TLS_SERVER_HELLO_DONE = "tls.server_hello_done", Tls, "ServerHelloDone",
        explain: "TLS 1.2: the server has sent everything for its half of the negotiation and now waits for the client. It carries no content; it only marks the end of the server's flight.",
        why: "Ends the server's first flight; the client answers with its key exchange.",
        spec: ("RFC 5246 §7.4.5 ServerHelloDone", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.5");
    TLS_CERTIFICATE_CHECK = "tls.certificate_check", Tls, "Check the certificate",
        explain: "The browser checks the chain: each certificate is signed by the next, the last one is signed by a root in its trust store, every certificate is within its validity dates, and the host name in the URL is listed in the certificate's subjectAltName. Any failure stops the handshake before a single byte of the request is sent.",
        why: "Without this check, encryption would only protect the conversation with whoever answered, attacker or not.",
        spec: ("RFC 5280 §6 path validation", "https://www.rfc-editor.org/rfc/rfc5280#section-6");
    TLS_CERTIFICATE_ERROR = "tls.certificate_error", Tls, "Certificate error",
        explain: "The certificate fails a check: it is self-signed (no trusted root vouches for it), expired, or issued for another host name. The browser aborts the handshake and shows its warning page instead of the site.",
        why: "The user sees \"Your connection is not private\"; proceeding would mean trusting an unverified server.",
        spec: ("RFC 5280 §6 path validation", "https://www.rfc-editor.org/rfc/rfc5280#section-6");
    TLS_ALERT = "tls.alert", Tls, "Alert",
        explain: "The client gives up on the handshake and tells the server why with a fatal alert: unknown_ca, certificate_expired or bad_certificate. Then it closes the connection.",
        why: "No request is ever sent: the server only learns that the handshake failed.",
        spec: ("RFC 8446 §6 alert protocol", "https://www.rfc-editor.org/rfc/rfc8446#section-6");
    TLS_CLIENT_CERTIFICATE = "tls.client_certificate", Tls, "Client Certificate",
        explain: "Because the server asked, the client sends its own certificate chain. If the browser has no suitable certificate it sends an empty list, and the server decides whether to continue.",
        why: "Authenticates the user or the device to the server without a password.",
        spec: ("RFC 5246 §7.4.6 client Certificate", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.6");
    TLS_CLIENT_KEY_EXCHANGE = "tls.client_key_exchange", Tls, "ClientKeyExchange",
        explain: "TLS 1.2: with RSA key exchange the client makes a random 48-byte pre-master secret and encrypts it with the public key from the server's certificate; only the server can decrypt it. With ECDHE the client sends its own ephemeral public key instead. Either way both sides can now derive the master secret and the session keys.",
        why: "With RSA there is no forward secrecy: whoever later gets the server's private key can decrypt recorded sessions.",
        spec: ("RFC 5246 §7.4.7 ClientKeyExchange", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.7");
    TLS_CLIENT_CERTIFICATE_VERIFY = "tls.client_certificate_verify", Tls, "Client CertificateVerify",
        explain: "The client signs the handshake so far with its certificate's private key, proving it owns the certificate it sent. The server checks the signature with the public key in the client's certificate.",
        why: "Without it, a copied client certificate would be enough to log in.",
        spec: ("RFC 5246 §7.4.8 CertificateVerify", "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.8");
    TLS_SESSION_KEYS = "tls.session_keys", Tls, "Derive the session keys",
        explain: "Both sides turn the shared secret and the two randoms into the same set of symmetric keys, one for each direction, without ever sending them. From here on the records are encrypted and authenticated with these keys.",
        why: "Symmetric encryption is fast; the expensive public-key work happens only in the handshake.",
        spec: ("RFC 5246 §8.1 computing the master secret", "https://www.rfc-editor.org/rfc/rfc5246#section-8.1");
    TLS_CHANGE_CIPHER_SPEC = "tls.change_cipher_spec", Tls, "ChangeCipherSpec (client)",
        explain: "TLS 1.2: a one-byte message that tells the server that everything the client sends next is protected with the new session keys. It is not a handshake message but a record type of its own, which TLS 1.3 dropped.",
        why: "Marks the switch from plaintext to encrypted records in the client's direction.",
        spec: ("RFC 5246 §7.1 ChangeCipherSpec", "https://www.rfc-editor.org/rfc/rfc5246#section-7.1");
    TLS_FINISHED = "tls.finished", Tls, "Finished (client)",
        explain: "The client's first encrypted message: a keyed hash over every handshake message so far. If an attacker altered any of them, for example to force a weaker cipher, the server's check fails.",
        why: "In TLS 1.3 the request can follow right behind it; this is where connectEnd falls.",
        spec: ("RFC 8446 §4.4.4 Finished", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.4");
    TLS_SERVER_CHANGE_CIPHER_SPEC = "tls.server_change_cipher_spec", Tls, "ChangeCipherSpec (server)",
        explain: "TLS 1.2: the server switches its own direction to the session keys, after checking the client's Finished. From now on both directions are encrypted with the session keys.",
        why: "The second half of the switch to encryption.",
        spec: ("RFC 5246 §7.1 ChangeCipherSpec", "https://www.rfc-editor.org/rfc/rfc5246#section-7.1");
    TLS_SERVER_FINISHED = "tls.server_finished", Tls, "Finished (server)",
        explain: "The server's keyed hash over the whole handshake. When the client has checked it, both sides know they saw the same messages and hold the same keys.",
        why: "In TLS 1.2 the client waits for this before sending the request (without False Start): the second round trip.",
        spec: ("RFC 8446 §4.4.4 Finished", "https://www.rfc-editor.org/rfc/rfc8446#section-4.4.4");
    TLS_NEW_SESSION_TICKET = "tls.new_session_ticket", Tls, "NewSessionTicket",
        explain: "After the handshake the server gives the client a ticket. On the next connection the client presents it and both sides skip the certificate and the full key exchange.",
        why: "Resumption saves the certificate checks and, in TLS 1.2, a whole round trip.",
        spec: ("RFC 8446 §4.6.1 NewSessionTicket", "https://www.rfc-editor.org/rfc/rfc8446#section-4.6.1");
    HTTP_REQUEST = "http.request", Http, "Send the HTTP request",
        explain: "The browser writes the request: the method and path, the Host header, its User-Agent, what it accepts, the cookies it holds for this site and, for a stale cache entry, the validators. On https it travels encrypted inside TLS records, inside TCP segments, inside IP packets.",
        why: "requestStart in Navigation Timing. Everything before this was overhead.",
        spec: ("RFC 9112 §3 request line", "https://www.rfc-editor.org/rfc/rfc9112#section-3");
    HTTP_SERVER_PROCESSING = "http.server_processing", Http, "The server builds the response",
        explain: "The server reads the request: the path and query, the cookies that identify the session, and checks that the user is logged in. Then it builds the page, from a file or from a program and a database.",
        why: "Server think-time adds directly to the time to first byte.",
        spec: ("RFC 9110 §9.3.1 GET", "https://www.rfc-editor.org/rfc/rfc9110#section-9.3.1");
    HTTP_RESPONSE = "http.response", Http, "Response headers",
        explain: "The first bytes back are the status line and the headers: the status code, the content type, the caching rules (Cache-Control, ETag, Last-Modified) and any cookies to set. The body follows on the same connection right after the empty line that ends the headers.",
        why: "responseStart in Navigation Timing: the time to first byte.",
        spec: ("RFC 9110 §15 status codes", "https://www.rfc-editor.org/rfc/rfc9110#section-15");
    HTTP_RESPONSE_BODY = "http.response_body", Http, "Download the body",
        explain: "The body follows the headers. How long it takes depends on its size and the bandwidth, and on TCP's slow start, which lets only about ten segments out in the first round trip and doubles that each round trip after.",
        why: "responseEnd in Navigation Timing. Large pages pay in round trips, not just bytes.",
        spec: ("RFC 6928 increasing TCP's initial window", "https://www.rfc-editor.org/rfc/rfc6928");
    SSE_EVENT = "sse.event", Http, "The server writes an event on the open stream",
        explain: "An EventSource's response never ends by itself: the server keeps it open and writes each event when it happens, as lines of text (data:, and optionally event:, id: and retry:) closed by a blank line. The browser reads the lines as they arrive and, at the blank line, fires the event at the page: a message event unless the stream named another type. An id becomes the source's last event ID; a retry of digits becomes its reconnection delay.",
        why: "Each update costs only its own bytes and half a round trip from server to page, with no request at all. Over HTTP/1.1 the price is the connection: it stays taken for as long as the stream is open.",
        spec: ("HTML §9.2.6 interpreting an event stream", "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation");
    SSE_END = "sse.end", Http, "The stream ends; the browser will reconnect",
        explain: "The server ends the event stream's response (over HTTP/1.1 with the last, empty chunk). For an EventSource that is not the end: it fires an error event at the page, goes back to connecting, and after its reconnection delay (3 seconds in Chromium unless the stream sent retry:) it asks again, sending the last event ID it saw as Last-Event-ID.",
        why: "The socket goes back to the pool and the requests that waited for it may start. A server that knows Last-Event-ID can send what was missed in between, so nothing is lost.",
        spec: ("HTML §9.2.3 reestablish the connection", "https://html.spec.whatwg.org/multipage/server-sent-events.html#reestablish-the-connection");
    SSE_RECONNECT = "sse.reconnect", Http, "Reconnect with Last-Event-ID",
        explain: "The reconnection delay has passed, so the EventSource sends its request again: a GET with Accept: text/event-stream, Cache-Control: no-cache and, when the stream gave events an id, Last-Event-ID with the last one. It goes the same way as any request: the scheduler, the pool (it may have to wait for a socket), the connection.",
        why: "A live feed survives a dropped connection or a server that ends responses on purpose, at the cost of a new request and its wait for a socket.",
        spec: ("HTML §9.2.3 reestablish the connection", "https://html.spec.whatwg.org/multipage/server-sent-events.html#reestablish-the-connection");
    SSE_FAILED = "sse.failed", Http, "The browser fails the EventSource",
        explain: "The answer to an EventSource's request was not a 200 with Content-Type text/event-stream, or the same-origin rules blocked it. The browser does not reconnect: it closes the source, fires an error event at the page, and Chromium says why in the console.",
        why: "A misconfigured endpoint stops the feed for good rather than being retried forever; only a network error, or a stream that ends normally, leads to a reconnection.",
        spec: ("HTML §9.2.3 fail the connection", "https://html.spec.whatwg.org/multipage/server-sent-events.html#fail-the-connection");
    WS_OPEN = "ws.open", Http, "The WebSocket is open",
        explain: "The server answered the WebSocket's request with 101 Switching Protocols. The browser checks Sec-WebSocket-Accept: it must be the base64 of the SHA-1 of the key the browser sent followed by a fixed GUID, which proves the server understood this very handshake, and not a cache or a server that speaks only HTTP. From here on the TCP connection carries WebSocket frames, not HTTP. Over HTTP/2 there is no key: the answer to the extended CONNECT is a 200, and the stream carries the frames.",
        why: "One round trip more than the connection itself, and then messages go both ways at any time with a few bytes of framing each; the connection stays the WebSocket's until it closes.",
        spec: ("RFC 6455 §4.2.2 server's opening handshake", "https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2");
    WS_FRAME = "ws.frame", Http, "A WebSocket frame",
        explain: "One message in one frame: a byte with FIN and the opcode (text, binary, ping, pong), a byte with the mask bit and the length (with 2 or 8 more bytes for a long one), and the payload. Every frame the browser sends is masked with four random bytes, so that what a script sends cannot look like an HTTP request to a proxy on the way; the server's are not. A ping is answered by the browser itself with a pong.",
        why: "Two to fourteen bytes of overhead a message, no headers, no request: the cheapest way to push small updates either way once the socket is open.",
        spec: ("RFC 6455 §5.2 base framing protocol", "https://www.rfc-editor.org/rfc/rfc6455#section-5.2");
    WS_CLOSE = "ws.close", Http, "The close handshake",
        explain: "Either end sends a close frame with a status code (1000 for a normal close) and maybe a reason; the other answers with a close frame of its own, and then the server closes the TCP connection (over HTTP/2 it ends its stream with END_STREAM, and the connection stays open for the origin's other requests). After sending a close frame an end sends no more messages.",
        why: "Both ends know that nothing was lost; the page's close event says wasClean: true and gives the code.",
        spec: ("RFC 6455 §7 closing the connection", "https://www.rfc-editor.org/rfc/rfc6455#section-7");
    WS_FAILED = "ws.failed", Http, "The browser fails the WebSocket",
        explain: "Something broke the protocol: the handshake's answer was not 101, or its Sec-WebSocket-Accept did not match the key, or the server sent a close frame with a code that must never be sent (1005, 1006 or 1015), or a message too large. The browser drops the connection (over HTTP/2 it resets the WebSocket's stream with RST_STREAM and keeps the connection), fires error and then close with code 1006 at the page, and Chromium says what went wrong in the console.",
        why: "A WebSocket cannot half-work: the page learns at once that the socket is gone, and the console line tells the developer why.",
        spec: ("RFC 6455 §7.1.7 fail the WebSocket connection", "https://www.rfc-editor.org/rfc/rfc6455#section-7.1.7");
    WS_ENDPOINT_LOCK = "ws.endpoint_lock", Pool, "WebSocket: one connecting per address",
        explain: "RFC 6455 asks a browser to open only one WebSocket connection at a time to the same IP address and port. Chromium takes a lock on the address just before a WebSocket connection's SYN; a second WebSocket to the same address waits, without connecting, until the first's opening handshake has succeeded or its socket is gone, and then 10 ms more. Waiting sockets go first come, first served.",
        why: "The second socket's handshake starts a round trip or more later than it could: a page that opens several WebSockets to one server at once pays for them one after another.",
        spec: ("RFC 6455 §4.1 client requirements", "https://www.rfc-editor.org/rfc/rfc6455#section-4.1");
    WS_EXTENDED_CONNECT = "ws.extended_connect", Http, "WebSocket over HTTP/2: a stream, not a connection",
        explain: "Chromium looks for an HTTP/2 connection to the WebSocket's origin that is already open and whose server said, in its SETTINGS, SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. If it finds one, the handshake is an extended CONNECT on a new stream of it (:method CONNECT, :protocol websocket, no Sec-WebSocket-Key), the server answers 200, and the frames travel in DATA frames of that stream. If the connection exists but its server did not say so, the WebSocket opens a connection of its own whose TLS offers only http/1.1; Chromium never opens an HTTP/2 connection just for a WebSocket.",
        why: "No DNS, TCP or TLS handshake: the socket opens one round trip after the script asks, shares the connection's congestion window, and holds none of the pool's sockets.",
        spec: ("RFC 8441 §4 the extended CONNECT method", "https://www.rfc-editor.org/rfc/rfc8441#section-4");
    XHR_SYNC = "xhr.sync", EventLoop, "A synchronous XMLHttpRequest holds the main thread",
        explain: "The script called open() with async set to false, so send() does not return until the whole answer is in. Until then the main thread runs nothing else: no parsing, no rendering, no input, no timers. Chromium sends it at its highest priority, and DevTools files a deprecation issue for it.",
        why: "Every millisecond of the round trip, the server's work and the download is a frozen page; the parser resumes, and the rest of the page is found, only after it.",
        spec: ("XHR §3.5.6 the send() method", "https://xhr.spec.whatwg.org/#the-send()-method");
    XHR_EVENTS = "xhr.events", EventLoop, "The XMLHttpRequest's events fire",
        explain: "An XMLHttpRequest tells the page how it is doing through events: readystatechange as its readyState goes to 2 (headers in), 3 (body arriving) and 4 (done), progress as bytes arrive, then load on success or error on failure, and loadend last. A synchronous one fires only the last of them (readystatechange 4, load, loadend) before send() returns, and none at all when it fails: send() throws instead.",
        why: "This is the older, event-based way to what fetch() gives as a promise; the request on the wire is the same.",
        spec: ("XHR §3.6 events", "https://xhr.spec.whatwg.org/#events");
    HTTP_REDIRECT = "http.redirect", Http, "Follow the redirect",
        explain: "The answer is a redirect (301, 302, 303, 307 or 308) with a Location header, so the page is not shown: the browser makes a new request for the Location, resolved against the current URL. That request goes through the cache, the pool and the handshakes like any other: to the same origin it reuses the open connection, to another it may need DNS, TCP and TLS again. 303, and a POST answered by 301 or 302, become a GET. Chromium follows 19 redirects in a navigation, counting its own internal ones (HSTS, HTTPS-Upgrades), and gives up on the 20th with ERR_TOO_MANY_REDIRECTS, one sooner than the Fetch standard's 20.",
        why: "Each hop costs at least a round trip before the page can start; a permanent 301 or 308 is cached, so the next visit skips it. Navigation Timing counts the hops (redirectCount) when they stay on the page's origin.",
        spec: ("RFC 9110 §15.4 redirection 3xx", "https://www.rfc-editor.org/rfc/rfc9110#section-15.4");
    HTTP_HSTS_STORE = "http.hsts_store", Http, "Remember Strict-Transport-Security",
        explain: "An https response without certificate errors said Strict-Transport-Security: max-age=N. The browser remembers, for N seconds (at most a year in Chromium), that this host is only to be reached over https, and for its subdomains too with includeSubDomains. The same header over plain http is ignored, since an attacker could have written it.",
        why: "From now on an http:// URL for the host never leaves the browser: it becomes https:// by an internal redirect, so a later visit skips the insecure hop and its round trips.",
        spec: ("RFC 6797 §8.1 Strict-Transport-Security response header field processing", "https://www.rfc-editor.org/rfc/rfc6797#section-8.1");
    HTTP_ALT_SVC = "http.alt_svc", Http, "Remember Alt-Svc",
        explain: "The response carried an Alt-Svc header: the server says the same origin can also be reached another way, here HTTP/3 over QUIC on a UDP port, for ma seconds (a day when it says nothing). Chromium keeps h3 (and h2) entries per origin, only from https responses without certificate errors, and a new header replaces the old list. This request does not change: the connection it came on stays as it is.",
        why: "The next connection to this origin races a QUIC attempt against TCP; a first visit to a site that offers HTTP/3 therefore still goes over TCP, unless a DNS HTTPS record said so earlier.",
        spec: ("RFC 7838 §3 the Alt-Svc header field", "https://www.rfc-editor.org/rfc/rfc7838#section-3");
    HTTP_SETTINGS = "http.settings", Http, "HTTP/2: connection preface and SETTINGS",
        explain: "Once TLS has agreed on h2 (ALPN), the browser opens the connection with the fixed 24-byte preface, then a SETTINGS frame with only the values that differ from the protocol's defaults (Chromium: a header table of 65,536 bytes, server push off, a 6 MB window per stream, header lists up to 256 KB), and a WINDOW_UPDATE that raises the whole connection's window to 15 MB. Chromium writes the three into one packet. Every request then goes as a stream of this one connection.",
        why: "The large windows let a response arrive at full speed without waiting for flow-control updates; one connection carries the whole origin, so there is one handshake instead of six.",
        spec: ("RFC 9113 §3.4 HTTP/2 connection preface", "https://www.rfc-editor.org/rfc/rfc9113#section-3.4");
    HTTP_CONTROL_STREAMS = "http.control_streams", Http, "HTTP/3: control streams and SETTINGS",
        explain: "Once QUIC is up, each side opens three unidirectional streams of its own: a control stream whose first frame is SETTINGS, and the QPACK encoder and decoder streams. Chromium's SETTINGS allow a QPACK dynamic table of 64 KB, header sections up to 256 KB and 100 blocked streams, and turn on HTTP datagrams. Requests then go on bidirectional streams, one each.",
        why: "The browser does not wait for the server's SETTINGS before sending its first request: with the static table alone, QPACK needs nothing from the other side.",
        spec: ("RFC 9114 §6.2.1 control streams; RFC 9204 §4.2", "https://www.rfc-editor.org/rfc/rfc9114#section-6.2.1");
    HTTP_PRIORITY = "http.priority", Http, "HTTP/2: PRIORITY frames move a stream",
        explain: "A request's priority changed after its HEADERS left (layout found an image in the viewport), so the browser tells the server in PRIORITY frames. Chromium keeps an HTTP/2 connection's streams in one chain, highest priority first and, within a priority, in the order they joined it: the raised stream moves to its new place, and the stream that hung below it moves up to its old parent. Each frame names a stream, the stream it now depends on and its weight.",
        why: "The server sends waiting responses in the chain's order, so a raised image's bytes go before the ones still below it.",
        spec: ("RFC 9113 §6.3 PRIORITY", "https://www.rfc-editor.org/rfc/rfc9113#section-6.3");
    POOL_QUEUED = "pool.queued", Pool, "Wait for a free socket",
        explain: "Every connection the group may have (6 for an HTTP/1.1 origin) is busy or still opening, or the whole pool has its 256, so the request waits in the group's queue. The queue is ordered by priority and then by arrival: when a socket comes free, or a new one finishes its handshakes, the request at the head takes it, even if another request started that connection.",
        why: "This wait is the Queueing and Stalled time in DevTools, and the reason the seventh image of an HTTP/1.1 origin starts a round trip after the first six.",
        spec: ("Chromium net/socket/transport_client_socket_pool.cc", "https://source.chromium.org/chromium/chromium/src/+/main:net/socket/transport_client_socket_pool.cc");
    POOL_THROTTLED = "pool.throttled", Pool, "Held back by the ResourceScheduler",
        explain: "Before a page's request reaches the cache or the socket pool, the network service's ResourceScheduler decides whether it may start. A low-priority request (below Medium in Chromium's terms, such as an image not yet known to be visible) waits while the page already has 10 such requests in flight, or 6 requests of any priority to the same scheme, host and port over HTTP/1.1. It starts when one of them ends, or when its priority is raised.",
        why: "It keeps images from taking every connection before the scripts and stylesheets that block rendering; DevTools counts this wait as Queueing.",
        spec: ("Chromium services/network/resource_scheduler/resource_scheduler.cc", "https://source.chromium.org/chromium/chromium/src/+/main:services/network/resource_scheduler/resource_scheduler.cc");
    POOL_REPRIORITIZE = "pool.reprioritize", Pool, "Priority raised: the image is in the viewport",
        explain: "Images start at Low priority because the browser cannot know where they will appear. Once layout places an image inside the viewport, Blink raises it to High (never lowers one), and the new priority travels down: the ResourceScheduler no longer holds it back, and a request waiting in the socket pool's queue moves ahead of the lower-priority ones.",
        why: "What the reader sees first loads first: DevTools shows such an image's priority as High, and its initial priority as Low.",
        spec: ("Chromium third_party/blink/renderer/platform/loader/fetch/resource_fetcher.cc", "https://source.chromium.org/chromium/chromium/src/+/main:third_party/blink/renderer/platform/loader/fetch/resource_fetcher.cc");
    POOL_ALT_RACE = "pool.alt_race", Pool, "Race QUIC against TCP",
        explain: "An earlier response from this origin said, with Alt-Svc, that it also speaks HTTP/3 (or its DNS HTTPS record just did). Chromium then starts two jobs for the connection: the alternative job over QUIC and the main job over TCP and TLS. The main job waits for the QUIC job's DNS lookup, then for a delay: none until QUIC has worked at least once on this network, else one and a half times the server's round trip (300 ms when unknown), at most 3 seconds. Whichever connection is ready first carries the requests.",
        why: "QUIC's handshake takes one round trip where TCP and TLS 1.3 take two, so it usually wins; TCP in parallel means a network that blocks UDP costs nothing but a wasted attempt.",
        spec: ("RFC 7838 §2 alternative services; Chromium HttpStreamFactory::JobController", "https://source.chromium.org/chromium/chromium/src/+/main:net/http/http_stream_factory_job_controller.cc");
    POOL_RACE_LOST = "pool.race_lost", Pool, "TCP lost the race",
        explain: "The TCP and TLS connection that raced QUIC is ready, but QUIC was ready first and the request already went over it. Chromium drops its main job but lets the connection it was opening finish: the socket goes into the pool, idle, where it is closed after a while if nothing needs it.",
        why: "The cost of racing: one extra handshake and a few kilobytes, in exchange for never waiting on a network that blocks QUIC.",
        spec: ("Chromium HttpStreamFactory::JobController::OrphanUnboundJob", "https://source.chromium.org/chromium/chromium/src/+/main:net/http/http_stream_factory_job_controller.cc");
    POOL_NAVIGATION_PRECONNECT = "pool.navigation_preconnect", Pool, "Two connections as the navigation starts",
        explain: "The moment a navigation of the tab starts, before the cache is asked or the request is written, Chrome's LoadingPredictor asks the socket pool for two connections to the origin being navigated to. The document's request takes whichever connects first; the other is opened anyway and waits idle, ready for the page's next request to that origin, or for a redirect to the same host, which would otherwise wait for the first connection to finish reading.",
        why: "It is why DevTools and a server log show a second connection to the site that carried nothing, or that the first image then uses without a handshake. Turned off with Chrome's Preload pages setting, and absent in an Incognito window.",
        spec: ("Chromium chrome/browser/predictors/loading_predictor.cc", "https://source.chromium.org/chromium/chromium/src/+/main:chrome/browser/predictors/loading_predictor.cc");
    COOKIE_STORE = "cookie.store", Http, "Update the cookie jar",
        explain: "Each Set-Cookie header is stored in the browser's cookie jar for the site that sent it, with its expiry, path and flags (Secure, HttpOnly, SameSite). Later requests to that site carry it back.",
        why: "This is how the server recognises the same user on the next request.",
        spec: ("RFC 6265 §5.3 storage model", "https://www.rfc-editor.org/rfc/rfc6265#section-5.3");
    POLICY_ORIGIN = "policy.origin", SameOrigin, "Record the document's origin",
        explain: "The new document takes the origin of its URL. From now on every script, frame and request of the page is judged against it: only content with the same scheme, host and port may read it freely.",
        why: "The same-origin policy is what keeps another site's scripts from reading your mail.",
        spec: ("HTML §7.1.1 origins", "https://html.spec.whatwg.org/multipage/browsers.html#origin");
    POLICY_CHECK = "policy.check", SameOrigin, "May the page use the response?",
        explain: "When a response arrives, its origin is compared with the page's. A same-origin response is the page's to use. A cross-origin one passes only by a rule: an image or a stylesheet may be shown without the page reading it, a fetch() needs an Access-Control-Allow-Origin that names the page (and Allow-Credentials when cookies went along), and a frame can be refused by X-Frame-Options or the frame-ancestors directive.",
        why: "A blocked response has still crossed the network and cost the server its work; only the page is kept from reading it, which is why the console error comes after a full round trip.",
        spec: ("Fetch §4.9 CORS check", "https://fetch.spec.whatwg.org/#concept-cors-check");
    RENDER_PARSE_HTML = "render.parse_html", Render, "Parse HTML into the DOM",
        explain: "The HTML parser turns the bytes into a tree of elements, the DOM, as they arrive. Stylesheets and scripts it meets start downloads of their own.",
        why: "A script without async or defer stops the parser until it has run.",
        spec: ("HTML §13.2 parsing HTML documents", "https://html.spec.whatwg.org/multipage/parsing.html");
    RENDER_PARSE_CSS = "render.parse_css", Render, "Parse CSS into the CSSOM",
        explain: "Each stylesheet becomes a tree of rules, the CSSOM. Together with the DOM it decides what every element looks like.",
        why: "Stylesheets block rendering: nothing is painted until they are parsed.",
        spec: ("CSSOM", "https://www.w3.org/TR/cssom-1/");
    RENDER_SCRIPT = "render.script", Render, "Run the page's script",
        explain: "The JavaScript engine compiles and runs the page's script. It can read and change the DOM, and register handlers for events that come later.",
        why: "Long scripts delay DOMContentLoaded and make the page slow to respond.",
        spec: ("HTML §8.1.4 scripting", "https://html.spec.whatwg.org/multipage/webappapis.html#scripting");
    RENDER_DOM_CONTENT_LOADED = "render.dom_content_loaded", Render, "DOMContentLoaded",
        explain: "The parser has reached the end of the document and the deferred scripts have run. The DOMContentLoaded event fires, and scripts waiting for the DOM can start.",
        why: "domContentLoadedEventStart in Navigation Timing.",
        spec: ("HTML §13.2.7 the end", "https://html.spec.whatwg.org/multipage/parsing.html#the-end");
    RENDER_PAINT = "render.paint", Render, "Layout and first paint",
        explain: "The browser combines DOM and CSSOM into the render tree, computes where every box goes (layout), and paints the pixels. Later changes to the page repeat only the parts of this work that they affect.",
        why: "The first moment the user sees the page.",
        spec: ("HTML §8.1.7.3 update the rendering", "https://html.spec.whatwg.org/multipage/webappapis.html#update-the-rendering");
    RENDER_LOAD = "render.load", Render, "load",
        explain: "Every sub-resource (images, stylesheets, scripts, frames) has finished, and the window's load event fires. Scripts often wait for this event before doing work that needs every image in place.",
        why: "loadEventStart in Navigation Timing: the classic \"page loaded\" moment.",
        spec: ("HTML §13.2.7 the end", "https://html.spec.whatwg.org/multipage/parsing.html#the-end");
    LOOP_CLICK = "loop.click", EventLoop, "Task: a click",
        explain: "The user clicks a button. The browser queues a task, and when the event loop picks it up the click handler runs. In this page the handler starts a fetch() and sets a timer.",
        why: "While a task runs, nothing else on the page can: keep handlers short.",
        spec: ("HTML §8.1.7 event loops", "https://html.spec.whatwg.org/multipage/webappapis.html#event-loops");
    LOOP_TIMER = "loop.timer", EventLoop, "Task: a timer",
        explain: "The setTimeout delay has passed, so the timer's callback is queued as a task and runs when the loop reaches it, never earlier and sometimes later. Here it fires while the fetch() may still be in flight, because the two are independent.",
        why: "A timer's delay is a minimum, not a promise.",
        spec: ("HTML §8.6 timers", "https://html.spec.whatwg.org/multipage/timers-and-user-prompts.html#timers");
    LOOP_FETCH = "loop.fetch", EventLoop, "Task: fetch() completes",
        explain: "The response of the fetch() started by the click has arrived over the network (through the same cache, pool and connection machinery), and a task resolves its promise. The response object is available to the script only now, not when the bytes first arrived.",
        why: "This is where the network hands its result back to the page's JavaScript.",
        spec: ("Fetch §5.6 fetch method", "https://fetch.spec.whatwg.org/#fetch-method");
    LOOP_MICROTASK = "loop.microtask", EventLoop, "Microtask: the promise reaction",
        explain: "The .then() callback of the fetch promise runs as a microtask, right after the current task and before the loop renders or takes the next task. Promise callbacks always take this route, which is why they run before any timer that is already due.",
        why: "Microtasks always run before the next task: a long chain of them can starve rendering.",
        spec: ("HTML §8.1.7.2 microtask queue", "https://html.spec.whatwg.org/multipage/webappapis.html#microtask-queue");
    NAV_ERROR_PAGE = "nav.error_page", Url, "The browser's error page",
        explain: "The navigation failed before any response arrived, so the browser shows its own error page with the network error code (for example ERR_NAME_NOT_RESOLVED or ERR_CONNECTION_REFUSED). No part of the site reached the browser, so the page shows only the error and a way to retry.",
        why: "The journey ends here; nothing of the site is shown.",
        spec: ("Chromium net/base/net_error_list.h", "https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h");
    NAV_INTERSTITIAL = "nav.interstitial", Tls, "Warning page: your connection is not private",
        explain: "The certificate could not be trusted, so the browser shows a full-page warning instead of the site, naming the error (NET::ERR_CERT_AUTHORITY_INVALID, ERR_CERT_DATE_INVALID or ERR_CERT_COMMON_NAME_INVALID). The user can go back, which is what the browser recommends, or proceed at their own risk.",
        why: "Clicking through means sending cookies and passwords to a server nobody vouched for.",
        spec: ("Chromium net/base/net_error_list.h", "https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let ids: Vec<&str> = StepId::all().map(StepId::as_str).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate step id");
        for id in ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{id}"
            );
            assert_eq!(StepId::parse(id).map(StepId::as_str), Some(id));
        }
        assert_eq!(StepId::parse("nope"), None);
        assert_eq!(steps::TCP_SYN.as_str(), "tcp.syn");
    }

    #[test]
    fn explanations_are_two_to_four_sentences() {
        use crate::model::tls::Version;
        let versions = [None, Some(Version::Tls13), Some(Version::Tls12)];
        for (s, v) in StepId::all().flat_map(|s| versions.map(|v| (s, v))) {
            let i = s.info_for(v);
            assert_eq!(i.id, s.as_str());
            assert_eq!(i.stage, s.stage());
            let n = i.explain.matches(". ").count() + usize::from(i.explain.ends_with('.'));
            assert!((2..=4).contains(&n), "{}: {n} sentences", i.id);
            assert!(i.spec.1.starts_with("https://"), "{}", i.id);
            assert!(!i.why.is_empty() && !i.title.is_empty());
        }
    }
}
