//! The view in the page's query string, so that a link reopens it: the journey's URL and knobs,
//! the step on screen, and the page load's preset and edits.
//!
//! Everything here is untrusted text from a link someone shared. [`decode`] never fails: an
//! unknown parameter, a value it cannot read or one over a limit is left out with a note saying
//! why, and the rest of the link still applies. [`encode`] writes only what differs from the
//! named presets, so the usual link stays short.
//!
//! | parameter | value | default |
//! |---|---|---|
//! | `preset` | a journey preset (`wirewalk presets`) | `default` |
//! | `url` | the URL typed (the address bar judges it: at most 2 MiB) | the preset's |
//! | `profile` | `local`, `transcontinental`, `intercontinental` | the preset's |
//! | `rtt`, `bw` | a custom network: round trip in ms, bandwidth in Mbit/s | - |
//! | `cache` | `empty`, `fresh`, `stale-etag`, `stale-last-modified`, `no-store` | the preset's |
//! | `dns` | `cold`, `resolver-cached`, `os-cached`, `browser-cached`, `nxdomain` | the preset's |
//! | `tls` | `1.3`, `1.2-ecdhe`, `1.2-rsa` | the preset's |
//! | `cert` | `valid`, `self-signed`, `expired`, `wrong-host` | the preset's |
//! | `client-cert`, `keep-alive`, `existing`, `resumption`, `false-start`, `refused`, `changed`, `https-rr` | `1` or `0` | the preset's |
//! | `alt-svc` | `none`, `sent`, `learned`, `udp-blocked` | the preset's |
//! | `ipv6` | `none`, `ok`, `broken` | the preset's |
//! | `loss` | packets lost on the way down, percent, 0 to 50 | the preset's |
//! | `navigation` | `typed`, `link` (a click on a search result), `form` (a form sent with POST) | the preset's |
//! | `step` | a step id, `@N` for request N (`http.response@1`) | the first step |
//! | `page` | a page-load preset (`wirewalk page --preset`) | `many-images` |
//! | `request`, `connection` | a request (as the waterfall numbers them) or a connection (as the socket pools do) of the page, whose messages the diagram shows; `step` is then one of them (`request=3&step=tls.server_hello`) | the typed URL's journey |
//! | `html`, `headers` | the page editor's text | the page preset's |
//!
//! Parameters the embedding options of a later version use (`embed`, `autoplay`, `controls`,
//! `theme`, `start`, `end`) are recognised and left to the caller.

use crate::model::initiator::Start;
use crate::model::journey::Subject;
use crate::model::load::{self, PageScenario};
use crate::model::omnibox::Engine;
use crate::model::pages;
use crate::model::scenario::{
    self, AltSvcState, ApiChoice, CacheState, CertChoice, DnsState, HstsState, Ipv6State, Profile,
    ProfileName, Scenario, TlsChoice, MAX_BUSY_SOCKETS,
};
use crate::model::step::StepId;
use crate::model::text;

/// The whole query string: the page editor's HTML may be long, but a link over this is refused.
pub const MAX_QUERY_BYTES: usize = 4 * 1024 * 1024;
/// The page preset when the link names none.
pub const DEFAULT_PAGE: &str = "many-images";

/// A step of the journey: its id, and which request (0 for the navigation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRef {
    pub id: StepId,
    pub request: u32,
}

/// What a link says about the page-load view.
#[derive(Clone, Debug, PartialEq)]
pub struct PageLink {
    pub preset: String,
    /// The editor's HTML when it differs from the preset's.
    pub html: Option<String>,
    /// The editor's header text when it differs from the preset's.
    pub headers: Option<String>,
}

impl Default for PageLink {
    fn default() -> Self {
        PageLink {
            preset: DEFAULT_PAGE.to_string(),
            html: None,
            headers: None,
        }
    }
}

/// The view a link describes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkState {
    /// The journey preset the knobs start from.
    pub preset: String,
    pub scenario: Scenario,
    pub step: Option<StepRef>,
    pub page: PageLink,
    /// The page's request or connection the diagram follows (none: the typed URL's journey).
    pub follow: Option<Subject>,
    /// Parameters for the caller (the embedding options), in link order.
    pub extra: Vec<(String, String)>,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState {
            preset: "default".to_string(),
            scenario: Scenario::default(),
            step: None,
            page: PageLink::default(),
            follow: None,
            extra: vec![],
        }
    }
}

/// A decoded link and what was left out of it.
#[derive(Debug)]
pub struct Decoded {
    pub state: LinkState,
    pub notes: Vec<String>,
}

const EXTRA: [&str; 6] = ["embed", "autoplay", "controls", "theme", "start", "end"];

/// A yes/no parameter: `1`, `true`, `on`, `yes` or their opposites.
pub(crate) fn flag(v: &str) -> Option<bool> {
    match v {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// "expected a, b or c", from a knob's values.
pub(crate) fn expected<const N: usize>(values: [&str; N]) -> String {
    match values.split_last() {
        Some((last, [])) => format!("expected {last}"),
        Some((last, rest)) => format!("expected {} or {last}", rest.join(", ")),
        None => "expected nothing".to_string(),
    }
}

/// At most 40 characters of `v`, for a note.
fn shown(v: &str) -> String {
    text::shorten(v, 40)
}

/// Reads a decimal with at most `decimals` digits after the point as a whole number of
/// 10^-`decimals` units (`12.5` with 3 decimals is 12500): the inverse of [`text::decimal`]. No
/// floating point: the link's numbers read back exactly, and the bundle needs no float parser.
pub fn parse_fixed(v: &str, decimals: u32) -> Option<u64> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty()
        || !digits(int)
        || !digits(frac)
        || int.len() > 12
        || frac.len() > decimals as usize
    {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let scale = 10u64.pow(decimals);
    let part: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().ok()? * 10u64.pow(decimals - frac.len() as u32)
    };
    whole.checked_mul(scale)?.checked_add(part)
}

/// Reads a step reference: `id` or `id@N`.
pub fn parse_step(v: &str) -> Option<StepRef> {
    let (id, request) = match v.split_once('@') {
        Some((id, n)) => (id, n.parse::<u32>().ok()?),
        None => (v, 0),
    };
    Some(StepRef {
        id: StepId::parse(id)?,
        request,
    })
}

impl StepRef {
    pub fn to_param(self) -> String {
        if self.request == 0 {
            self.id.as_str().to_string()
        } else {
            format!("{}@{}", self.id.as_str(), self.request)
        }
    }
}

/// Reads a query string (with or without its leading `?`). Never fails: what cannot be used is
/// noted and skipped.
pub fn decode(query: &str) -> Decoded {
    let mut notes = Vec::new();
    let mut state = LinkState::default();
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_BYTES {
        notes.push(format!(
            "the link's parameters are {} bytes, over the limit of {} bytes: none was used",
            query.len(),
            MAX_QUERY_BYTES
        ));
        return Decoded { state, notes };
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The presets first, whatever their place: the other parameters change them.
    for (k, v) in &pairs {
        match k.as_str() {
            "preset" => match scenario::preset(v) {
                Some(sc) => {
                    state.preset = v.clone();
                    state.scenario = sc;
                }
                None => notes.push(format!("preset \"{}\" is not a journey preset", shown(v))),
            },
            "page" => {
                if pages::NAMES.contains(&v.as_str()) {
                    state.page.preset = v.clone();
                } else {
                    notes.push(format!("page \"{}\" is not a page preset", shown(v)));
                }
            }
            _ => {}
        }
    }
    let (mut rtt, mut bw) = (None, None);
    for (k, v) in pairs {
        let sc = &mut state.scenario;
        let bad = |what: &str| format!("{k}=\"{}\" was ignored: {what}", shown(&v));
        let ok = match k.as_str() {
            "preset" | "page" => Ok(()),
            "url" => {
                // Its length and syntax are the address bar's to judge (`url::parse`).
                sc.url = v;
                Ok(())
            }
            "profile" => match ProfileName::parse(&v).filter(|p| *p != ProfileName::Custom) {
                Some(p) => {
                    sc.profile = Profile::builtin(p);
                    Ok(())
                }
                None => Err(bad("expected local, transcontinental or intercontinental")),
            },
            "rtt" => match parse_fixed(&v, 3) {
                Some(us) if us > 0 => {
                    rtt = Some(us);
                    Ok(())
                }
                _ => Err(bad("expected milliseconds, such as 80 or 12.5")),
            },
            "bw" => match parse_fixed(&v, 6) {
                Some(bps) if bps > 0 => {
                    bw = Some(bps);
                    Ok(())
                }
                _ => Err(bad("expected Mbit/s, such as 10 or 1.5")),
            },
            "cache" => CacheState::parse(&v)
                .map(|c| sc.cache = c)
                .ok_or_else(|| bad(&expected(CacheState::ALL.map(CacheState::as_str)))),
            "dns" => DnsState::parse(&v)
                .map(|d| sc.dns = d)
                .ok_or_else(|| bad(&expected(DnsState::ALL.map(DnsState::as_str)))),
            "tls" => TlsChoice::parse(&v)
                .map(|t| sc.tls = t)
                .ok_or_else(|| bad(&expected(TlsChoice::ALL.map(TlsChoice::as_str)))),
            "cert" => CertChoice::parse(&v)
                .map(|c| sc.cert = c)
                .ok_or_else(|| bad(&expected(CertChoice::ALL.map(CertChoice::as_str)))),
            "api" => ApiChoice::parse(&v)
                .map(|a| sc.api = a)
                .ok_or_else(|| bad(&expected(ApiChoice::ALL.map(ApiChoice::as_str)))),
            "search" => Engine::parse(&v)
                .map(|e| sc.engine = e)
                .ok_or_else(|| bad(&expected(Engine::ALL.map(Engine::as_str)))),
            "hsts" => HstsState::parse(&v)
                .map(|h| sc.hsts = h)
                .ok_or_else(|| bad(&expected(HstsState::ALL.map(HstsState::as_str)))),
            "protocol" => crate::model::load::Protocol::parse(&v)
                .map(|p| sc.protocol = p)
                .ok_or_else(|| bad("expected h1, h2 or h3")),
            "loss" => v
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=crate::model::load::MAX_LOSS_PERCENT).contains(p))
                .map(|p| sc.loss_percent = p)
                .ok_or_else(|| bad("expected a percentage from 0 to 50")),
            "ipv6" => Ipv6State::parse(&v)
                .map(|a| sc.ipv6 = a)
                .ok_or_else(|| bad(&expected(Ipv6State::ALL.map(Ipv6State::as_str)))),
            "alt-svc" => AltSvcState::parse(&v)
                .map(|a| sc.alt_svc = a)
                .ok_or_else(|| bad(&expected(AltSvcState::ALL.map(AltSvcState::as_str)))),
            "navigation" => Start::parse(&v)
                .map(|s| sc.navigation = s)
                .ok_or_else(|| bad(&expected(Start::ALL.map(Start::as_str)))),
            "busy" => v
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= MAX_BUSY_SOCKETS)
                .map(|n| sc.busy_sockets = n)
                .ok_or_else(|| bad("expected a number of sockets from 0 to 6")),
            "client-cert" | "keep-alive" | "existing" | "resumption" | "false-start"
            | "refused" | "changed" | "https-upgrades" | "no-https" | "preload" | "https-rr"
            | "doh" => match flag(&v) {
                Some(b) => {
                    *match k.as_str() {
                        "client-cert" => &mut sc.client_cert,
                        "keep-alive" => &mut sc.keep_alive,
                        "existing" => &mut sc.existing_connection,
                        "resumption" => &mut sc.resumption,
                        "false-start" => &mut sc.false_start,
                        "refused" => &mut sc.refused,
                        "https-upgrades" => &mut sc.https_upgrades,
                        "no-https" => &mut sc.no_https,
                        "preload" => &mut sc.preload,
                        "https-rr" => &mut sc.https_rr,
                        "doh" => &mut sc.doh,
                        _ => &mut sc.changed,
                    } = b;
                    Ok(())
                }
                None => Err(bad("expected 1 or 0")),
            },
            "step" => match parse_step(&v) {
                Some(s) => {
                    state.step = Some(s);
                    Ok(())
                }
                None => Err(bad("not a step id (docs/steps.md lists them)")),
            },
            "request" | "connection" => match v.parse::<u32>().ok().filter(|n| *n > 0) {
                Some(_) if state.follow.is_some() => {
                    Err(bad("a link follows one request or one connection"))
                }
                Some(n) => {
                    state.follow = Some(if k == "request" {
                        Subject::Request(n)
                    } else {
                        Subject::Connection(n)
                    });
                    Ok(())
                }
                None => Err(bad("expected a number from 1, as the waterfall shows it")),
            },
            "html" => {
                if v.len() > load::MAX_HTML_BYTES {
                    Err(format!(
                        "html was ignored: it is {} bytes, over the page editor's limit of {} bytes",
                        v.len(),
                        load::MAX_HTML_BYTES
                    ))
                } else {
                    state.page.html = Some(v);
                    Ok(())
                }
            }
            "headers" => {
                state.page.headers = Some(v);
                Ok(())
            }
            other if EXTRA.contains(&other) => {
                state.extra.push((k.clone(), v));
                Ok(())
            }
            _ => Err(format!("unknown parameter \"{}\" was ignored", shown(&k))),
        };
        if let Err(n) = ok {
            notes.push(n);
        }
    }
    if rtt.is_some() || bw.is_some() {
        let p = state.scenario.profile;
        state.scenario.profile =
            Profile::custom_exact(rtt.unwrap_or(p.rtt_us), bw.unwrap_or(p.bandwidth_bps));
    }
    Decoded { state, notes }
}

/// Writes a query string (without the `?`) that [`decode`] reads back to `state`. Only what
/// differs from the presets is written.
pub fn encode(state: &LinkState) -> String {
    let base = scenario::preset(&state.preset).unwrap_or_default();
    let sc = &state.scenario;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if state.preset != "default" {
        q.append_pair("preset", &state.preset);
    }
    if sc.url != base.url {
        q.append_pair("url", &sc.url);
    }
    if sc.profile != base.profile {
        if sc.profile.name == ProfileName::Custom {
            q.append_pair("rtt", &text::decimal(sc.profile.rtt_us, 3));
            q.append_pair("bw", &text::decimal(sc.profile.bandwidth_bps, 6));
        } else {
            q.append_pair("profile", sc.profile.name.as_str());
        }
    }
    if sc.cache != base.cache {
        q.append_pair("cache", sc.cache.as_str());
    }
    if sc.dns != base.dns {
        q.append_pair("dns", sc.dns.as_str());
    }
    if sc.tls != base.tls {
        q.append_pair("tls", sc.tls.as_str());
    }
    if sc.cert != base.cert {
        q.append_pair("cert", sc.cert.as_str());
    }
    if sc.api != base.api {
        q.append_pair("api", sc.api.as_str());
    }
    if sc.busy_sockets != base.busy_sockets {
        q.append_pair("busy", &sc.busy_sockets.to_string());
    }
    if sc.engine != base.engine {
        q.append_pair("search", sc.engine.as_str());
    }
    if sc.hsts != base.hsts {
        q.append_pair("hsts", sc.hsts.as_str());
    }
    if sc.loss_percent != base.loss_percent {
        q.append_pair("loss", &sc.loss_percent.to_string());
    }
    if sc.ipv6 != base.ipv6 {
        q.append_pair("ipv6", sc.ipv6.as_str());
    }
    if sc.alt_svc != base.alt_svc {
        q.append_pair("alt-svc", sc.alt_svc.as_str());
    }
    if sc.navigation != base.navigation {
        q.append_pair("navigation", sc.navigation.as_str());
    }
    if sc.protocol != base.protocol {
        let p = sc.protocol;
        q.append_pair(
            "protocol",
            if p == crate::model::load::Protocol::Http1 {
                "h1"
            } else {
                p.as_str()
            },
        );
    }
    for (key, now, was) in [
        ("client-cert", sc.client_cert, base.client_cert),
        ("keep-alive", sc.keep_alive, base.keep_alive),
        ("existing", sc.existing_connection, base.existing_connection),
        ("resumption", sc.resumption, base.resumption),
        ("false-start", sc.false_start, base.false_start),
        ("refused", sc.refused, base.refused),
        ("changed", sc.changed, base.changed),
        ("https-upgrades", sc.https_upgrades, base.https_upgrades),
        ("no-https", sc.no_https, base.no_https),
        ("preload", sc.preload, base.preload),
        ("https-rr", sc.https_rr, base.https_rr),
        ("doh", sc.doh, base.doh),
    ] {
        if now != was {
            q.append_pair(key, if now { "1" } else { "0" });
        }
    }
    match state.follow {
        Some(Subject::Request(n)) => q.append_pair("request", &n.to_string()),
        Some(Subject::Connection(c)) => q.append_pair("connection", &c.to_string()),
        None => &mut q,
    };
    if let Some(s) = state.step {
        q.append_pair("step", &s.to_param());
    }
    if state.page.preset != DEFAULT_PAGE {
        q.append_pair("page", &state.page.preset);
    }
    if let Some(h) = &state.page.html {
        q.append_pair("html", h);
    }
    if let Some(h) = &state.page.headers {
        q.append_pair("headers", h);
    }
    for (k, v) in &state.extra {
        q.append_pair(k, v);
    }
    q.finish()
}

/// The page scenario a link describes: the preset with the editor's text applied. An edit that
/// cannot be used is noted and the preset's own text kept.
pub fn page_scenario(page: &PageLink, notes: &mut Vec<String>) -> PageScenario {
    let mut sc = pages::preset(&page.preset)
        .or_else(|| pages::preset(DEFAULT_PAGE))
        .unwrap_or_default();
    if let Some(h) = &page.html {
        sc.html = h.clone();
    }
    if let Some(text) = &page.headers {
        match load::apply_headers_text(&sc, text) {
            Ok(s) => sc = s,
            Err(e) => notes.push(format!("headers were ignored: {e}")),
        }
    }
    sc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::step::steps;

    #[test]
    fn an_empty_link_is_the_default_view() {
        let d = decode("");
        assert!(d.notes.is_empty());
        assert_eq!(d.state, LinkState::default());
        assert_eq!(encode(&d.state), "");
    }

    #[test]
    fn knobs_step_and_page_round_trip() {
        let mut st = LinkState::default();
        st.scenario.url = "https://bücher.example/a b?q=1&r=<x>#frag".into();
        st.scenario.tls = TlsChoice::Tls12Rsa;
        st.scenario.cache = CacheState::StaleEtag;
        st.scenario.keep_alive = false;
        st.scenario.busy_sockets = 6;
        st.scenario.api = ApiChoice::CrossOriginBlocked;
        st.scenario.profile = Profile::custom(42.5, 3.0);
        st.scenario.engine = Engine::Bing;
        st.scenario.hsts = HstsState::Preloaded;
        st.scenario.https_upgrades = false;
        st.scenario.no_https = true;
        st.scenario.preload = false;
        st.step = Some(StepRef {
            id: steps::TLS_SERVER_HELLO,
            request: 0,
        });
        st.page = PageLink {
            preset: "multi-origin".into(),
            html: Some("<img src=\"/a.png\">&amp;".into()),
            headers: Some("https://x.example/\nA: b\n".into()),
        };
        let q = encode(&st);
        let d = decode(&q);
        assert!(d.notes.is_empty(), "{:?}", d.notes);
        assert_eq!(d.state, st, "{q}");
        assert!(
            q.contains("tls=1.2-rsa")
                && q.contains("keep-alive=0")
                && q.contains("busy=6")
                && q.contains("api=cross-origin-blocked")
                && q.contains("search=bing")
                && q.contains("hsts=preloaded")
                && q.contains("https-upgrades=0")
                && q.contains("no-https=1"),
            "{q}"
        );
    }

    #[test]
    fn a_preset_applies_before_the_knobs_wherever_it_stands() {
        let d = decode("tls=1.2-ecdhe&preset=local");
        assert!(d.notes.is_empty());
        assert_eq!(d.state.preset, "local");
        assert_eq!(d.state.scenario.tls, TlsChoice::Tls12Ecdhe);
        assert_eq!(
            d.state.scenario.profile,
            Profile::builtin(ProfileName::Local)
        );
    }

    #[test]
    fn bad_parameters_are_noted_and_the_rest_applies() {
        let d = decode(
            "?tls=9.9&nope=1&keep-alive=maybe&step=tls.nope&rtt=-3&cache=fresh&preset=%3Cb%3E",
        );
        assert_eq!(d.state.scenario.cache, CacheState::Fresh);
        assert_eq!(d.state.scenario.tls, TlsChoice::Tls13);
        assert_eq!(d.notes.len(), 6, "{:?}", d.notes);
        assert!(d
            .notes
            .iter()
            .any(|n| n.contains("unknown parameter \"nope\"")));
        assert!(d.notes.iter().any(|n| n.contains("preset \"<b>\"")));
    }

    #[test]
    fn a_link_over_the_limit_is_refused_whole() {
        let huge = "a".repeat(MAX_QUERY_BYTES + 1);
        let d = decode(&huge);
        assert_eq!(d.state, LinkState::default());
        assert!(d.notes[0].contains("over the limit"), "{:?}", d.notes);
    }

    #[test]
    fn numbers_are_fixed_point() {
        assert_eq!(parse_fixed("12.5", 3), Some(12_500));
        assert_eq!(parse_fixed(".25", 3), Some(250));
        assert_eq!(parse_fixed("7", 6), Some(7_000_000));
        for bad in [
            "",
            ".",
            "1.2345",
            "-1",
            "1e3",
            "NaN",
            "1,5",
            "9999999999999",
        ] {
            assert_eq!(parse_fixed(bad, 3), None, "{bad}");
        }
    }

    #[test]
    fn steps_name_their_request() {
        let s = parse_step("http.request@2").map(StepRef::to_param);
        assert_eq!(s.as_deref(), Some("http.request@2"));
        assert_eq!(parse_step("http.request@x"), None);
        assert_eq!(parse_step(""), None);
    }

    #[test]
    fn bad_headers_keep_the_presets() {
        let mut notes = vec![];
        let page = PageLink {
            preset: "single".into(),
            html: None,
            headers: Some("X-No-Url: 1".into()),
        };
        let sc = page_scenario(&page, &mut notes);
        assert_eq!(sc, pages::preset("single").unwrap_or_default());
        assert_eq!(notes.len(), 1);
    }
}
