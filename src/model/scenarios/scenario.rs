//! Everything the user can set, as plain data. A scenario fully decides the trace: the same
//! scenario always gives the same trace, byte for byte.
//!
//! Numbers here are either from a cited source (the profile round-trip times, Chromium's limits)
//! or assumptions of the scenario that the user can change and the view labels as such (server
//! think-time, document size, render costs).

use crate::model::time::Duration;
use serde::{Deserialize, Serialize};

/// The network between the browser and the web server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    Local,
    Transcontinental,
    Intercontinental,
    Custom,
}

impl ProfileName {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Local => "local",
            ProfileName::Transcontinental => "transcontinental",
            ProfileName::Intercontinental => "intercontinental",
            ProfileName::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<ProfileName> {
        match s {
            "local" => Some(ProfileName::Local),
            "transcontinental" => Some(ProfileName::Transcontinental),
            "intercontinental" => Some(ProfileName::Intercontinental),
            "custom" => Some(ProfileName::Custom),
            _ => None,
        }
    }
}

/// Round-trip time and bandwidth of the path to the web server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: ProfileName,
    /// Round-trip time in microseconds.
    pub rtt_us: u64,
    /// Downstream bandwidth in bits per second.
    pub bandwidth_bps: u64,
}

/// The built-in profiles' round-trip times are the source documents' figures for opening a new
/// TCP connection (003_f94fd188aac002da.txt: local 23 ms, transcontinental 120 ms,
/// intercontinental 225 ms); opening a connection costs exactly one round trip.
pub const LOCAL_RTT_MS: u64 = 23;
pub const TRANSCONTINENTAL_RTT_MS: u64 = 120;
pub const INTERCONTINENTAL_RTT_MS: u64 = 225;
/// 10 Mbit/s: Lighthouse's `desktopDense4G` throughput (GoogleChrome/lighthouse
/// core/config/constants.js), the broadband figure Chrome's own tooling uses.
pub const DEFAULT_BANDWIDTH_BPS: u64 = 10_000_000;

/// The round trips the model accepts: 0.1 ms to 10 s, in microseconds.
pub const RTT_US: std::ops::RangeInclusive<u64> = 100..=10_000_000;
/// The bandwidths the model accepts: 1 kbit/s to 100 Gbit/s.
pub const BANDWIDTH_BPS: std::ops::RangeInclusive<u64> = 1_000..=100_000_000_000;

impl Profile {
    pub fn builtin(name: ProfileName) -> Profile {
        let rtt_ms = match name {
            ProfileName::Local => LOCAL_RTT_MS,
            ProfileName::Transcontinental | ProfileName::Custom => TRANSCONTINENTAL_RTT_MS,
            ProfileName::Intercontinental => INTERCONTINENTAL_RTT_MS,
        };
        Profile {
            name,
            rtt_us: rtt_ms * 1000,
            bandwidth_bps: DEFAULT_BANDWIDTH_BPS,
        }
    }

    /// A custom profile; the values are clamped to what the model accepts ([`RTT_US`],
    /// [`BANDWIDTH_BPS`]); a value that is not a number keeps the default.
    pub fn custom(rtt_ms: f64, bandwidth_mbps: f64) -> Profile {
        // `as` saturates: a huge or negative figure lands on a bound after the clamp.
        let rtt_us = if rtt_ms.is_finite() {
            (rtt_ms * 1000.0).round() as u64
        } else {
            TRANSCONTINENTAL_RTT_MS * 1000
        };
        let bw = if bandwidth_mbps.is_finite() {
            (bandwidth_mbps * 1e6).round() as u64
        } else {
            DEFAULT_BANDWIDTH_BPS
        };
        Profile::custom_exact(rtt_us, bw)
    }

    /// This profile with the round trip (ms) and bandwidth (Mbit/s) that are given replacing
    /// its own: a custom profile then, else this one.
    pub fn with(self, rtt_ms: Option<f64>, bandwidth_mbps: Option<f64>) -> Profile {
        if rtt_ms.is_none() && bandwidth_mbps.is_none() {
            return self;
        }
        Profile::custom(
            rtt_ms.unwrap_or(self.rtt_us as f64 / 1000.0),
            bandwidth_mbps.unwrap_or(self.bandwidth_bps as f64 / 1e6),
        )
    }

    /// A custom profile from whole microseconds and bits per second, clamped to
    /// [`RTT_US`] and [`BANDWIDTH_BPS`].
    pub fn custom_exact(rtt_us: u64, bandwidth_bps: u64) -> Profile {
        Profile {
            name: ProfileName::Custom,
            rtt_us: rtt_us.clamp(*RTT_US.start(), *RTT_US.end()),
            bandwidth_bps: bandwidth_bps.clamp(*BANDWIDTH_BPS.start(), *BANDWIDTH_BPS.end()),
        }
    }

    pub fn rtt(&self) -> Duration {
        Duration::from_micros(self.rtt_us)
    }
}

/// What the HTTP cache holds for the URL when the navigation starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheState {
    /// Nothing stored.
    Empty,
    /// Stored 10 minutes ago with `max-age=3600`: fresh.
    Fresh,
    /// Stored an hour ago with `max-age=600` and an `ETag`: stale, revalidated with If-None-Match.
    StaleEtag,
    /// Stored 2 days ago with only `Last-Modified` (10 days before): the heuristic lifetime is
    /// 10% of that age, one day, so it is stale and revalidated with If-Modified-Since.
    StaleLastModified,
    /// The last response said `no-store`: nothing was kept.
    NoStore,
}

impl CacheState {
    pub const ALL: [CacheState; 5] = [
        CacheState::Empty,
        CacheState::Fresh,
        CacheState::StaleEtag,
        CacheState::StaleLastModified,
        CacheState::NoStore,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CacheState::Empty => "empty",
            CacheState::Fresh => "fresh",
            CacheState::StaleEtag => "stale-etag",
            CacheState::StaleLastModified => "stale-last-modified",
            CacheState::NoStore => "no-store",
        }
    }
    pub fn parse(s: &str) -> Option<CacheState> {
        CacheState::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where the host name's address is cached when the navigation starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DnsState {
    /// Nothing cached anywhere, not even at the recursive resolver: the full walk from the root.
    Cold,
    /// The recursive resolver has the answer cached (the common case): one round trip.
    ResolverCached,
    /// The operating system has it cached.
    OsCached,
    /// The browser's own host cache has it.
    BrowserCached,
    /// The name does not exist.
    Nxdomain,
}

impl DnsState {
    pub const ALL: [DnsState; 5] = [
        DnsState::Cold,
        DnsState::ResolverCached,
        DnsState::OsCached,
        DnsState::BrowserCached,
        DnsState::Nxdomain,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DnsState::Cold => "cold",
            DnsState::ResolverCached => "resolver-cached",
            DnsState::OsCached => "os-cached",
            DnsState::BrowserCached => "browser-cached",
            DnsState::Nxdomain => "nxdomain",
        }
    }
    pub fn parse(s: &str) -> Option<DnsState> {
        DnsState::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The TLS handshake used for https (http: has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsChoice {
    /// TLS 1.3: one round trip.
    Tls13,
    /// TLS 1.2 with ECDHE key exchange: two round trips.
    Tls12Ecdhe,
    /// TLS 1.2 with RSA key exchange (the client encrypts a pre-master secret to the server's key):
    /// two round trips, no forward secrecy.
    Tls12Rsa,
}

impl TlsChoice {
    pub const ALL: [TlsChoice; 3] = [TlsChoice::Tls13, TlsChoice::Tls12Ecdhe, TlsChoice::Tls12Rsa];
    pub fn as_str(self) -> &'static str {
        match self {
            TlsChoice::Tls13 => "1.3",
            TlsChoice::Tls12Ecdhe => "1.2-ecdhe",
            TlsChoice::Tls12Rsa => "1.2-rsa",
        }
    }
    pub fn parse(s: &str) -> Option<TlsChoice> {
        TlsChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The version the server picks: the client offers both.
    pub fn version(self) -> crate::model::tls::Version {
        match self {
            TlsChoice::Tls13 => crate::model::tls::Version::Tls13,
            TlsChoice::Tls12Ecdhe | TlsChoice::Tls12Rsa => crate::model::tls::Version::Tls12,
        }
    }

    /// The key exchange the server uses: ECDHE (x25519), or for `1.2-rsa` the client's
    /// pre-master secret encrypted to the certificate's RSA key.
    pub fn key_exchange(self) -> crate::model::tls::KeyExchange {
        match self {
            TlsChoice::Tls12Rsa => crate::model::tls::KeyExchange::Rsa,
            TlsChoice::Tls13 | TlsChoice::Tls12Ecdhe => crate::model::tls::KeyExchange::Ecdhe,
        }
    }
}

/// The certificate the server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertChoice {
    Valid,
    SelfSigned,
    Expired,
    WrongHost,
}

impl CertChoice {
    pub const ALL: [CertChoice; 4] = [
        CertChoice::Valid,
        CertChoice::SelfSigned,
        CertChoice::Expired,
        CertChoice::WrongHost,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CertChoice::Valid => "valid",
            CertChoice::SelfSigned => "self-signed",
            CertChoice::Expired => "expired",
            CertChoice::WrongHost => "wrong-host",
        }
    }
    pub fn parse(s: &str) -> Option<CertChoice> {
        CertChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where the page's click handler sends its `fetch()`: the page's own origin, or an API on
/// another origin of the same site (`https://api.example.com`) whose answer allows the page's
/// origin (`Access-Control-Allow-Origin`) or does not, so the browser blocks it (Fetch §4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiChoice {
    SameOrigin,
    CrossOrigin,
    CrossOriginBlocked,
}

impl ApiChoice {
    pub const ALL: [ApiChoice; 3] = [
        ApiChoice::SameOrigin,
        ApiChoice::CrossOrigin,
        ApiChoice::CrossOriginBlocked,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ApiChoice::SameOrigin => "same-origin",
            ApiChoice::CrossOrigin => "cross-origin",
            ApiChoice::CrossOriginBlocked => "cross-origin-blocked",
        }
    }
    pub fn parse(s: &str) -> Option<ApiChoice> {
        ApiChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the browser knows of the host's HTTP Strict Transport Security before the navigation
/// ([`crate::model::hsts`]); the built-in preload list's own entries (`*.dev`, `*.app`, …)
/// apply whatever this says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HstsState {
    /// Nothing beyond the preload list.
    None,
    /// A visit a day ago got `Strict-Transport-Security: max-age=31536000` from the host.
    Learned,
    /// The host is on the preload list (as if the site had asked to be).
    Preloaded,
}

impl HstsState {
    pub const ALL: [HstsState; 3] = [HstsState::None, HstsState::Learned, HstsState::Preloaded];
    pub fn as_str(self) -> &'static str {
        match self {
            HstsState::None => "none",
            HstsState::Learned => "learned",
            HstsState::Preloaded => "preloaded",
        }
    }
    pub fn parse(s: &str) -> Option<HstsState> {
        HstsState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The browser's HSTS state for `host` as this says.
    pub fn state_for(self, host: &str) -> crate::model::hsts::State {
        let mut s = crate::model::hsts::State::default();
        match self {
            HstsState::None => {}
            HstsState::Learned => {
                let h = crate::model::hsts::Header {
                    max_age_s: 31_536_000,
                    include_subdomains: false,
                };
                s.learn(host, h, 86_400);
            }
            HstsState::Preloaded => s.preload(host),
        }
        s
    }
}

/// What the document's server says of HTTP/3 with `Alt-Svc` (RFC 7838), and what the browser
/// learnt of it before the navigation ([`crate::model::alt_svc`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AltSvcState {
    /// The server says nothing of HTTP/3.
    #[default]
    None,
    /// The server's https responses say `Alt-Svc: h3=":443"; ma=86400`; the browser has not
    /// been there before (a first visit: it learns it).
    Sent,
    /// The same server, and a visit an hour ago learnt its `Alt-Svc` (the engine runs that
    /// visit): this one races QUIC against TCP.
    Learned,
    /// Learnt as above, but the network drops UDP to the server: QUIC fails, TCP carries the
    /// page, and the alternative is marked broken.
    UdpBlocked,
}

impl AltSvcState {
    pub const ALL: [AltSvcState; 4] = [
        AltSvcState::None,
        AltSvcState::Sent,
        AltSvcState::Learned,
        AltSvcState::UdpBlocked,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AltSvcState::None => "none",
            AltSvcState::Sent => "sent",
            AltSvcState::Learned => "learned",
            AltSvcState::UdpBlocked => "udp-blocked",
        }
    }
    pub fn parse(s: &str) -> Option<AltSvcState> {
        AltSvcState::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// The header the server sends, in every state but `None`.
    pub fn header(self) -> Option<&'static str> {
        (self != AltSvcState::None).then_some(ALT_SVC_H3)
    }
}

/// Whether the network reaches IPv6, as far as the document's server is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Ipv6State {
    /// No IPv6 route: Chromium's reachability probe fails, so it asks only for A records
    /// (`HostResolverManager`'s IPv6 probe).
    #[default]
    None,
    /// IPv6 works and the server has an AAAA record: the connection goes over IPv6.
    Ok,
    /// The route exists but drops the packets: Happy Eyeballs falls back to IPv4.
    Broken,
}

impl Ipv6State {
    pub const ALL: [Ipv6State; 3] = [Ipv6State::None, Ipv6State::Ok, Ipv6State::Broken];
    pub fn as_str(self) -> &'static str {
        match self {
            Ipv6State::None => "none",
            Ipv6State::Ok => "ok",
            Ipv6State::Broken => "broken",
        }
    }
    pub fn parse(s: &str) -> Option<Ipv6State> {
        Ipv6State::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The `Alt-Svc` value the scenario's server sends: HTTP/3 on UDP port 443 for a day (the
/// value Google's and Cloudflare's servers send, less their `ma=2592000`).
pub const ALT_SVC_H3: &str = "h3=\":443\"; ma=86400";

/// The most sockets a group holds (Chromium's 6): the most that can be busy.
pub const MAX_BUSY_SOCKETS: u8 = 6;

/// Costs that depend on the server and the page, not on the network: assumptions of the
/// scenario, shown as such.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// Server think-time to build the page, µs.
    pub server_us: u64,
    /// Size of the HTML body, bytes.
    pub document_bytes: u64,
    /// Main-thread time to parse the HTML, µs.
    pub parse_html_us: u64,
    /// Time to parse the stylesheet, µs.
    pub parse_css_us: u64,
    /// Time to run the page's script, µs.
    pub script_us: u64,
    /// Time for style, layout and the first paint, µs.
    pub paint_us: u64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            server_us: 20_000,
            document_bytes: 30_000,
            parse_html_us: 8_000,
            parse_css_us: 2_000,
            script_us: 6_000,
            paint_us: 10_000,
        }
    }
}

/// Round trips of the DNS walk, µs. Defaults: the recursive resolver sits in the user's ISP and
/// the root and TLD servers are anycast copies nearby, so they cost the source documents' "local"
/// round trip (23 ms); the authoritative server sits with the site, so it costs the profile's RTT
/// (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsLatency {
    pub resolver_rtt_us: u64,
    pub root_rtt_us: u64,
    pub tld_rtt_us: u64,
    pub authoritative_rtt_us: Option<u64>,
    /// TTL of the site's address record, seconds.
    pub ttl_s: u32,
}

impl Default for DnsLatency {
    fn default() -> Self {
        DnsLatency {
            resolver_rtt_us: LOCAL_RTT_MS * 1000,
            root_rtt_us: LOCAL_RTT_MS * 1000,
            tld_rtt_us: LOCAL_RTT_MS * 1000,
            authoritative_rtt_us: None,
            ttl_s: 300,
        }
    }
}

/// The simulated date of a visit, seconds since the Unix epoch: Sat, 21 Nov 2026 22:26:40 GMT.
pub const VISIT_UNIX_TIME: i64 = 1_795_300_000;

/// One navigation: the URL and every knob.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub url: String,
    pub profile: Profile,
    pub cache: CacheState,
    /// For a revalidation: has the resource changed on the server since it was stored
    /// (then the answer is 200 with a new body instead of 304)?
    pub changed: bool,
    pub dns: DnsState,
    pub dns_latency: DnsLatency,
    pub tls: TlsChoice,
    /// TLS 1.2 False Start (RFC 7918). Chromium enables it for ECDHE with ALPN; off by default
    /// here so the full two-round-trip TLS 1.2 handshake is what a learner sees first.
    pub false_start: bool,
    pub cert: CertChoice,
    pub client_cert: bool,
    /// TLS session resumption with a ticket from an earlier visit.
    pub resumption: bool,
    pub keep_alive: bool,
    /// An idle keep-alive connection to the origin is already in the pool.
    pub existing_connection: bool,
    /// Nothing listens on the port: the SYN is answered with RST.
    pub refused: bool,
    /// Connections to the document's origin already busy with another tab's downloads when the
    /// navigation starts (0 to [`MAX_BUSY_SOCKETS`]); the k-th finishes k round trips in (a
    /// scenario assumption). With all six busy the document's request waits in the pool's queue.
    pub busy_sockets: u8,
    /// Where the click's `fetch()` goes.
    pub api: ApiChoice,
    /// Cookies already in the jar for the URL's site, as `name=value`.
    pub cookies: Vec<String>,
    pub costs: Costs,
    /// The simulated date of the visit, seconds since the Unix epoch (for HTTP dates, cache
    /// ages and certificate validity).
    pub unix_time: i64,
    /// Seeds the random values (sequence numbers, TLS randoms).
    pub seed: u64,
    /// The address bar's default search engine.
    pub engine: crate::model::omnibox::Engine,
    /// HTTPS-Upgrades (on in Chromium): a host typed without a scheme tries https first.
    pub https_upgrades: bool,
    /// What the browser knows of the host's HSTS.
    pub hsts: HstsState,
    /// The server answers only plain http (nothing listens on port 443).
    pub no_https: bool,
    /// How the navigation starts: typed, a click on a search result, a form sent with POST.
    #[serde(default)]
    pub navigation: crate::model::initiator::Start,
    /// Chrome's "Preload pages" setting: two connections to the origin as the navigation
    /// starts ([`crate::model::predictor`]); off as in an Incognito window.
    #[serde(default = "on")]
    pub preload: bool,
    /// The protocol the document's server speaks on https: HTTP/1.1, HTTP/2 or HTTP/3 over
    /// QUIC.
    #[serde(default)]
    pub protocol: crate::model::load::Protocol,
    /// The browser's QUIC Destination Connection ID for the document's server, as 16 hex
    /// digits (`--quic-dcid`; RFC 9001 §A uses `8394c8f03e515708`); else drawn from the seed.
    #[serde(default)]
    pub quic_dcid: Option<String>,
    /// What the server says of HTTP/3 with `Alt-Svc`, and what an earlier visit learnt.
    #[serde(default)]
    pub alt_svc: AltSvcState,
    /// The host's zone publishes an HTTPS record offering `h3` (RFC 9460), and the browser
    /// resolves with its built-in DNS client, which asks for it.
    #[serde(default)]
    pub https_rr: bool,
    /// Secure DNS: the browser looks names up over HTTPS (RFC 8484) at Google Public DNS.
    #[serde(default)]
    pub doh: bool,
    /// Whether the network reaches IPv6 (the server has an AAAA record).
    #[serde(default)]
    pub ipv6: Ipv6State,
    /// Packets lost on the way down, in percent (0 to 50).
    #[serde(default)]
    pub loss_percent: f64,
}

/// The bytes of a QUIC connection ID given as text: exactly 16 hex digits, the 8 bytes
/// Chromium's client IDs have (`kQuicDefaultConnectionIdLength`).
pub fn parse_cid(v: &str) -> Option<Vec<u8>> {
    if v.len() != 16 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..8)
        .map(|i| u8::from_str_radix(v.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

impl Scenario {
    /// The scenario's QUIC connection ID, when it gives a valid one.
    pub fn quic_cid(&self) -> Option<Vec<u8>> {
        self.quic_dcid.as_deref().and_then(parse_cid)
    }
}

fn on() -> bool {
    true
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            url: crate::model::DEFAULT_URL.to_string(),
            profile: Profile::builtin(ProfileName::Transcontinental),
            cache: CacheState::Empty,
            changed: false,
            dns: DnsState::Cold,
            dns_latency: DnsLatency::default(),
            tls: TlsChoice::Tls13,
            false_start: false,
            cert: CertChoice::Valid,
            client_cert: false,
            resumption: false,
            keep_alive: true,
            existing_connection: false,
            refused: false,
            busy_sockets: 0,
            api: ApiChoice::SameOrigin,
            cookies: vec!["session=4f2a9c".to_string()],
            costs: Costs::default(),
            unix_time: VISIT_UNIX_TIME,
            seed: 0x7769_7265_7761_6c6b, // "wirewalk"
            engine: crate::model::omnibox::Engine::Google,
            https_upgrades: true,
            hsts: HstsState::None,
            no_https: false,
            navigation: crate::model::initiator::Start::Typed,
            preload: true,
            protocol: crate::model::load::Protocol::Http1,
            quic_dcid: None,
            alt_svc: AltSvcState::None,
            https_rr: false,
            doh: false,
            ipv6: Ipv6State::None,
            loss_percent: 0.0,
        }
    }
}

/// One preset: its name and what it changes from the default scenario. A table of data rather
/// than 25 struct literals: in the web bundle the code of building each was 10 KB.
#[derive(Clone, Copy)]
struct Preset {
    name: &'static str,
    url: Option<&'static str>,
    profile: Option<ProfileName>,
    cache: Option<CacheState>,
    changed: Option<bool>,
    dns: Option<DnsState>,
    tls: Option<TlsChoice>,
    false_start: Option<bool>,
    cert: Option<CertChoice>,
    client_cert: Option<bool>,
    resumption: Option<bool>,
    keep_alive: Option<bool>,
    existing_connection: Option<bool>,
    refused: Option<bool>,
    busy_sockets: Option<u8>,
    api: Option<ApiChoice>,
    hsts: Option<HstsState>,
    no_https: Option<bool>,
    navigation: Option<crate::model::initiator::Start>,
    preload: Option<bool>,
    protocol: Option<crate::model::load::Protocol>,
    alt_svc: Option<AltSvcState>,
    https_rr: Option<bool>,
    doh: Option<bool>,
    ipv6: Option<Ipv6State>,
    loss_percent: Option<f64>,
}

/// The default scenario: each preset sets only what it changes (`None` keeps the default).
const BASE: Preset = Preset {
    name: "default",
    url: None,
    profile: None,
    cache: None,
    changed: None,
    dns: None,
    tls: None,
    false_start: None,
    cert: None,
    client_cert: None,
    resumption: None,
    keep_alive: None,
    existing_connection: None,
    refused: None,
    busy_sockets: None,
    api: None,
    hsts: None,
    no_https: None,
    navigation: None,
    preload: None,
    protocol: None,
    alt_svc: None,
    https_rr: None,
    doh: None,
    ipv6: None,
    loss_percent: None,
};

const PRESETS: &[Preset] = &[
    BASE,
    Preset {
        name: "local",
        profile: Some(ProfileName::Local),
        ..BASE
    },
    Preset {
        name: "intercontinental",
        profile: Some(ProfileName::Intercontinental),
        ..BASE
    },
    Preset {
        name: "resolver-cached",
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "browser-dns-cached",
        dns: Some(DnsState::BrowserCached),
        ..BASE
    },
    Preset {
        name: "tls12-ecdhe",
        tls: Some(TlsChoice::Tls12Ecdhe),
        ..BASE
    },
    Preset {
        name: "tls12-ecdhe-false-start",
        tls: Some(TlsChoice::Tls12Ecdhe),
        false_start: Some(true),
        ..BASE
    },
    Preset {
        name: "tls12-rsa",
        tls: Some(TlsChoice::Tls12Rsa),
        ..BASE
    },
    Preset {
        name: "tls12-rsa-client-cert",
        tls: Some(TlsChoice::Tls12Rsa),
        client_cert: Some(true),
        ..BASE
    },
    Preset {
        name: "http2",
        protocol: Some(crate::model::load::Protocol::H2),
        ..BASE
    },
    Preset {
        name: "http3",
        protocol: Some(crate::model::load::Protocol::H3),
        ..BASE
    },
    Preset {
        name: "alt-svc-first-visit",
        protocol: Some(crate::model::load::Protocol::H2),
        alt_svc: Some(AltSvcState::Sent),
        ..BASE
    },
    Preset {
        name: "alt-svc-return-visit",
        protocol: Some(crate::model::load::Protocol::H2),
        alt_svc: Some(AltSvcState::Learned),
        ..BASE
    },
    Preset {
        name: "alt-svc-udp-blocked",
        protocol: Some(crate::model::load::Protocol::H2),
        alt_svc: Some(AltSvcState::UdpBlocked),
        ..BASE
    },
    Preset {
        name: "https-record",
        protocol: Some(crate::model::load::Protocol::H2),
        https_rr: Some(true),
        ..BASE
    },
    Preset {
        name: "secure-dns",
        doh: Some(true),
        ..BASE
    },
    Preset {
        name: "loss-http2",
        protocol: Some(crate::model::load::Protocol::H2),
        loss_percent: Some(20.0),
        ..BASE
    },
    Preset {
        name: "loss-http3",
        protocol: Some(crate::model::load::Protocol::H3),
        loss_percent: Some(20.0),
        ..BASE
    },
    Preset {
        name: "ipv6",
        ipv6: Some(Ipv6State::Ok),
        ..BASE
    },
    Preset {
        name: "ipv6-broken",
        ipv6: Some(Ipv6State::Broken),
        ..BASE
    },
    Preset {
        name: "tls13-resumption",
        resumption: Some(true),
        ..BASE
    },
    Preset {
        name: "fresh-cache",
        cache: Some(CacheState::Fresh),
        ..BASE
    },
    Preset {
        name: "stale-etag",
        cache: Some(CacheState::StaleEtag),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "stale-last-modified",
        cache: Some(CacheState::StaleLastModified),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "stale-changed",
        cache: Some(CacheState::StaleEtag),
        changed: Some(true),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "no-store",
        cache: Some(CacheState::NoStore),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "keep-alive-off",
        keep_alive: Some(false),
        dns: Some(DnsState::ResolverCached),
        // No spare connection from the navigation's start: the click's fetch() pays for a
        // connection of its own, the cost this preset is about.
        preload: Some(false),
        ..BASE
    },
    Preset {
        name: "existing-connection",
        existing_connection: Some(true),
        ..BASE
    },
    Preset {
        name: "http",
        url: Some("http://www.example.com/"),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "nxdomain",
        url: Some("https://www.no-such-host.example/"),
        dns: Some(DnsState::Nxdomain),
        ..BASE
    },
    Preset {
        name: "refused",
        refused: Some(true),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "busy-origin",
        busy_sockets: Some(MAX_BUSY_SOCKETS),
        ..BASE
    },
    Preset {
        name: "api-cross-origin",
        api: Some(ApiChoice::CrossOrigin),
        ..BASE
    },
    Preset {
        name: "api-cors-blocked",
        api: Some(ApiChoice::CrossOriginBlocked),
        ..BASE
    },
    Preset {
        name: "self-signed",
        cert: Some(CertChoice::SelfSigned),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "expired",
        cert: Some(CertChoice::Expired),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "wrong-host",
        cert: Some(CertChoice::WrongHost),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "typed-host",
        url: Some("www.example.com"),
        ..BASE
    },
    Preset {
        name: "https-fallback",
        url: Some("www.example.com"),
        no_https: Some(true),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "hsts-preloaded",
        url: Some("http://web.dev/"),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "hsts-learned",
        url: Some("http://www.example.com/"),
        hsts: Some(HstsState::Learned),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "search",
        url: Some("what is dns"),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "link-click",
        url: Some("http://www.example.com/"),
        navigation: Some(crate::model::initiator::Start::Link),
        dns: Some(DnsState::ResolverCached),
        ..BASE
    },
    Preset {
        name: "form-post",
        url: Some("https://www.example.com/order"),
        navigation: Some(crate::model::initiator::Start::Form),
        cache: Some(CacheState::Fresh),
        existing_connection: Some(true),
        ..BASE
    },
    Preset {
        name: "data-url",
        url: Some("data:text/html,<h1>hi</h1>"),
        ..BASE
    },
    Preset {
        name: "invalid-url",
        url: Some("https://exa mple.com/"),
        ..BASE
    },
];

impl Preset {
    fn scenario(&self) -> Scenario {
        let d = Scenario::default();
        Scenario {
            url: self.url.map_or(d.url, str::to_string),
            profile: self.profile.map_or(d.profile, Profile::builtin),
            cache: self.cache.unwrap_or(d.cache),
            changed: self.changed.unwrap_or(d.changed),
            dns: self.dns.unwrap_or(d.dns),
            tls: self.tls.unwrap_or(d.tls),
            false_start: self.false_start.unwrap_or(d.false_start),
            cert: self.cert.unwrap_or(d.cert),
            client_cert: self.client_cert.unwrap_or(d.client_cert),
            resumption: self.resumption.unwrap_or(d.resumption),
            keep_alive: self.keep_alive.unwrap_or(d.keep_alive),
            existing_connection: self.existing_connection.unwrap_or(d.existing_connection),
            refused: self.refused.unwrap_or(d.refused),
            busy_sockets: self.busy_sockets.unwrap_or(d.busy_sockets),
            api: self.api.unwrap_or(d.api),
            hsts: self.hsts.unwrap_or(d.hsts),
            no_https: self.no_https.unwrap_or(d.no_https),
            navigation: self.navigation.unwrap_or(d.navigation),
            preload: self.preload.unwrap_or(d.preload),
            protocol: self.protocol.unwrap_or(d.protocol),
            alt_svc: self.alt_svc.unwrap_or(d.alt_svc),
            https_rr: self.https_rr.unwrap_or(d.https_rr),
            doh: self.doh.unwrap_or(d.doh),
            ipv6: self.ipv6.unwrap_or(d.ipv6),
            loss_percent: self.loss_percent.unwrap_or(d.loss_percent),
            ..d
        }
    }
}

/// The presets' names, in order, without building their scenarios.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.name)
}

/// Named scenarios: each shows one part of the journey. The CLI, the page and the snapshot
/// tests share them.
pub fn presets() -> Vec<(&'static str, Scenario)> {
    PRESETS.iter().map(|p| (p.name, p.scenario())).collect()
}

/// The preset with this name, with its name as a `'static` string; only that one is built.
pub fn preset_named(name: &str) -> Option<(&'static str, Scenario)> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .map(|p| (p.name, p.scenario()))
}

/// The preset with this name.
pub fn preset(name: &str) -> Option<Scenario> {
    preset_named(name).map(|(_, s)| s)
}
