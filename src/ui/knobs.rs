//! The scenario's knobs: every option of the model, plus named scenarios to try.

use super::state::{AppAction, Knob, Shared};
use crate::model::initiator::Start;
use crate::model::load::Protocol;
use crate::model::omnibox::Engine;
use crate::model::scenario::{
    preset_names, AltSvcState, ApiChoice, CacheState, CertChoice, DnsState, HstsState, Ipv6State,
    ProfileName, Scenario, TlsChoice,
};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Only what the knobs show: they are not rendered again when the cursor moves.
#[derive(Properties, PartialEq)]
pub struct KnobsProps {
    pub scenario: Shared<Scenario>,
    pub preset: Option<&'static str>,
    /// The URL is https (the TLS knob applies).
    pub https: bool,
    /// Start with the knobs shown (wide screens) or folded under a summary (phones).
    pub open: bool,
}

fn preset_label(name: &str) -> &'static str {
    match name {
        "default" => "Default: a cold first visit",
        "local" => "Same city (23 ms round trip)",
        "intercontinental" => "Across an ocean (225 ms round trip)",
        "resolver-cached" => "DNS answer cached at the resolver",
        "browser-dns-cached" => "DNS answer in the browser's cache",
        "tls12-ecdhe" => "TLS 1.2 with ECDHE",
        "tls12-ecdhe-false-start" => "TLS 1.2 with False Start",
        "tls12-rsa" => "TLS 1.2 with RSA key exchange",
        "tls12-rsa-client-cert" => "TLS 1.2 RSA with a client certificate",
        "tls13-resumption" => "TLS 1.3 session resumption",
        "http2" => "HTTP/2: one connection, streams",
        "http3" => "HTTP/3 over QUIC: one round trip to connect",
        "alt-svc-first-visit" => "Alt-Svc: a first visit learns HTTP/3",
        "alt-svc-return-visit" => "Alt-Svc: the next visit races QUIC and TCP",
        "alt-svc-udp-blocked" => "Alt-Svc, UDP blocked: back to TCP",
        "https-record" => "DNS HTTPS record: HTTP/3 on the first visit",
        "ipv6" => "IPv6: AAAA and a connection over IPv6",
        "loss-http2" => "20 % packet loss over HTTP/2",
        "loss-http3" => "20 % packet loss over HTTP/3",
        "ipv6-broken" => "Broken IPv6: Happy Eyeballs falls back",
        "fresh-cache" => "Fresh cache hit: no network",
        "stale-etag" => "Stale cache: revalidate with ETag",
        "stale-last-modified" => "Stale cache: revalidate with Last-Modified",
        "stale-changed" => "Stale cache, page changed: 200",
        "no-store" => "Cache-Control: no-store",
        "keep-alive-off" => "Keep-alive off: connections close",
        "existing-connection" => "Reuse an open connection",
        "http" => "Plain http: (no TLS)",
        "nxdomain" => "Failure: the name does not exist",
        "refused" => "Failure: connection refused",
        "busy-origin" => "Six sockets busy: the request queues",
        "api-cross-origin" => "fetch() to another origin, allowed",
        "api-cors-blocked" => "fetch() to another origin, blocked",
        "self-signed" => "Failure: self-signed certificate",
        "expired" => "Failure: expired certificate",
        "wrong-host" => "Failure: certificate for another host",
        "typed-host" => "Typed without https://: tried over https first",
        "https-fallback" => "No https on the server: fall back to http",
        "hsts-preloaded" => "http:// to an HSTS-preloaded host",
        "hsts-learned" => "http:// to a host that sent HSTS before",
        "search" => "Words, not a URL: a search",
        "link-click" => "A click on a search result (an http:// link)",
        "form-post" => "A form sent with POST, then 303 See Other",
        "data-url" => "A data: URL (not fetched)",
        "invalid-url" => "Failure: an invalid URL",
        _ => "Scenario",
    }
}

#[derive(Properties, PartialEq)]
struct SelectProps {
    id: AttrValue,
    label: AttrValue,
    value: AttrValue,
    /// (value, label) pairs.
    options: Vec<(&'static str, &'static str)>,
    onchange: Callback<String>,
}

#[component]
fn Select(p: &SelectProps) -> Html {
    let onchange = {
        let cb = p.onchange.clone();
        Callback::from(move |e: Event| {
            let el: HtmlSelectElement = e.target_unchecked_into();
            cb.emit(el.value());
        })
    };
    // The `selected` attributes only set the first choice: once a person has picked an option,
    // the browser no longer follows them (HTML's "dirtiness"), so the value is also set as a
    // property whenever it changes (a preset after a hand-picked option, say).
    let select = use_node_ref();
    {
        let select = select.clone();
        use_effect_with(p.value.clone(), move |v| {
            if let Some(el) = select.cast::<HtmlSelectElement>() {
                if el.value() != v.as_str() {
                    el.set_value(v);
                }
            }
        });
    }
    html! {
        <label class="knob" for={p.id.clone()}>
            <span class="knob-label">{ p.label.clone() }</span>
            <select id={p.id.clone()} ref={select} {onchange}>
                { for p.options.iter().map(|(v, l)| html! {
                    <option value={*v} selected={*v == p.value}>{ *l }</option>
                }) }
            </select>
        </label>
    }
}

#[derive(Properties, PartialEq)]
struct ToggleProps {
    id: AttrValue,
    label: AttrValue,
    on: bool,
    onclick: Callback<bool>,
}

#[component]
fn Toggle(p: &ToggleProps) -> Html {
    let onclick = {
        let (cb, on) = (p.onclick.clone(), p.on);
        Callback::from(move |_| cb.emit(!on))
    };
    html! {
        <button id={p.id.clone()} type="button" class="toggle"
            aria-pressed={p.on.to_string()} {onclick}>
            <span class="toggle-dot" aria-hidden="true"></span>{ p.label.clone() }
        </button>
    }
}

#[component]
pub fn Knobs(p: &KnobsProps) -> Html {
    let dispatch = super::use_dispatch();
    let sc = &p.scenario;
    let knob = |make: fn(String) -> Option<Knob>| {
        let d = dispatch.clone();
        Callback::from(move |v: String| {
            if let Some(k) = make(v) {
                d.emit(AppAction::Knob(k));
            }
        })
    };
    let toggle = |make: fn(bool) -> Knob| {
        let d = dispatch.clone();
        Callback::from(move |b: bool| d.emit(AppAction::Knob(make(b))))
    };
    let on_preset = {
        let d = dispatch.clone();
        Callback::from(move |v: String| d.emit(AppAction::Preset(v)))
    };
    let o = |v: &'static str, l: &'static str| (v, l);
    let mut preset_opts = vec![o("", "Choose a scenario…")];
    preset_opts.extend(preset_names().map(|n| o(n, preset_label(n))));
    let https = p.https;
    // A server that offers HTTP/3 speaks HTTP/2 and TLS 1.3 over TCP (the journey's rule).
    let offers_h3 = sc.alt_svc != AltSvcState::None || sc.https_rr;
    let mut loss_options = vec![
        o("0", "None"),
        o("1", "1 %"),
        o("2", "2 %"),
        o("3", "3 %"),
        o("5", "5 %"),
        o("10", "10 %"),
        o("20", "20 %"),
    ];
    let loss_value = format!("{}", sc.loss_percent);
    let loss_value = if loss_options.iter().any(|(v, _)| *v == loss_value) {
        loss_value
    } else {
        // A rate the link set that the list does not have.
        loss_options.push(o("other", "Another rate (from the link)"));
        "other".to_string()
    };
    let summary = match p.preset {
        Some(name) => format!("Scenario: {}", preset_label(name)),
        None => "Scenario: your own settings".to_string(),
    };
    html! {
        <details class="knobs-box" open={p.open}>
        <summary class="knobs-summary">{ summary }</summary>
        <section class="knobs" aria-label="Scenario">
            <Select id="knob-preset" label="Try" value={p.preset.unwrap_or("").to_string()} options={preset_opts} onchange={on_preset} />
            <Select id="knob-profile" label="Network" value={sc.profile.name.as_str().to_string()}
                options={vec![o("local", "Local · 23 ms RTT"), o("transcontinental", "Transcontinental · 120 ms"), o("intercontinental", "Intercontinental · 225 ms")]}
                onchange={knob(|v| ProfileName::parse(&v).filter(|n| *n != ProfileName::Custom).map(Knob::Profile))} />
            <Select id="knob-cache" label="Cache" value={sc.cache.as_str().to_string()}
                options={vec![o("empty", "Empty"), o("fresh", "Fresh copy"), o("stale-etag", "Stale, has ETag"), o("stale-last-modified", "Stale, Last-Modified only"), o("no-store", "no-store")]}
                onchange={knob(|v| CacheState::parse(&v).map(Knob::Cache))} />
            <Select id="knob-dns" label="DNS" value={sc.dns.as_str().to_string()}
                options={vec![o("cold", "Cold (walk from the root)"), o("resolver-cached", "Cached at resolver"), o("os-cached", "Cached by the OS"), o("browser-cached", "Cached by the browser"), o("nxdomain", "NXDOMAIN")]}
                onchange={knob(|v| DnsState::parse(&v).map(Knob::Dns))} />
            <Select id="knob-tls" label={if !https { "TLS (https only)" } else if offers_h3 { "TLS (1.3: the server offers HTTP/3)" } else { "TLS" }} value={sc.tls.as_str().to_string()}
                options={vec![o("1.3", "TLS 1.3"), o("1.2-ecdhe", "TLS 1.2 ECDHE"), o("1.2-rsa", "TLS 1.2 RSA")]}
                onchange={knob(|v| TlsChoice::parse(&v).map(Knob::Tls))} />
            <Select id="knob-protocol" label={if !https { "HTTP version (https only)" } else if offers_h3 && sc.protocol == Protocol::Http1 { "HTTP version (HTTP/2: the server offers HTTP/3)" } else { "HTTP version" }} value={if sc.protocol == Protocol::Http1 { "h1" } else { sc.protocol.as_str() }.to_string()}
                options={vec![o("h1", "HTTP/1.1 over TCP"), o("h2", "HTTP/2 over TCP"), o("h3", "HTTP/3 over QUIC")]}
                onchange={knob(|v| Protocol::parse(&v).map(Knob::Protocol))} />
            <Select id="knob-alt-svc" label={if https { "HTTP/3 via Alt-Svc" } else { "HTTP/3 via Alt-Svc (https only)" }} value={sc.alt_svc.as_str().to_string()}
                options={vec![o("none", "Not offered"), o("sent", "Offered: first visit learns it"), o("learned", "Learned: QUIC races TCP"), o("udp-blocked", "Learned, but UDP is blocked")]}
                onchange={knob(|v| AltSvcState::parse(&v).map(Knob::AltSvc))} />
            <Select id="knob-cert" label="Certificate" value={sc.cert.as_str().to_string()}
                options={vec![o("valid", "Valid"), o("self-signed", "Self-signed"), o("expired", "Expired"), o("wrong-host", "Wrong host")]}
                onchange={knob(|v| CertChoice::parse(&v).map(Knob::Cert))} />
            <details class="more">
            <summary>{ "More options" }</summary>
            <Select id="knob-api" label="The page's fetch()" value={sc.api.as_str().to_string()}
                options={vec![o("same-origin", "To its own origin"), o("cross-origin", "To another origin, allowed (CORS)"), o("cross-origin-blocked", "To another origin, not allowed")]}
                onchange={knob(|v| ApiChoice::parse(&v).map(Knob::Api))} />
            <Select id="knob-search" label="Search engine" value={sc.engine.as_str().to_string()}
                options={vec![o("google", "Google"), o("bing", "Bing"), o("duckduckgo", "DuckDuckGo")]}
                onchange={knob(|v| Engine::parse(&v).map(Knob::Engine))} />
            <Select id="knob-navigation" label="The navigation starts as" value={sc.navigation.as_str().to_string()}
                options={Start::ALL.iter().map(|s| o(s.as_str(), s.label())).collect::<Vec<_>>()}
                onchange={knob(|v| Start::parse(&v).map(Knob::Navigation))} />
            <Select id="knob-loss" label="Packet loss" value={loss_value}
                options={loss_options}
                onchange={knob(|v| v.parse::<f64>().ok().map(Knob::Loss))} />
            <Select id="knob-ipv6" label="IPv6" value={sc.ipv6.as_str().to_string()}
                options={vec![o("none", "No IPv6 on this network"), o("ok", "IPv6 works"), o("broken", "IPv6 broken: packets dropped")]}
                onchange={knob(|v| Ipv6State::parse(&v).map(Knob::Ipv6))} />
            <Select id="knob-hsts" label="HSTS for the host" value={sc.hsts.as_str().to_string()}
                options={vec![o("none", "Not known (unless preloaded)"), o("learned", "Learned on an earlier visit"), o("preloaded", "On the preload list")]}
                onchange={knob(|v| HstsState::parse(&v).map(Knob::Hsts))} />
            <Select id="knob-busy" label="Busy sockets (another tab)" value={sc.busy_sockets.to_string()}
                options={vec![o("0", "None"), o("1", "1 of 6"), o("2", "2 of 6"), o("3", "3 of 6"), o("4", "4 of 6"), o("5", "5 of 6"), o("6", "All 6: the request queues")]}
                onchange={knob(|v| v.parse::<u8>().ok().filter(|n| *n <= 6).map(Knob::Busy))} />
            <div class="toggles" role="group" aria-label="Options">
                <Toggle id="knob-keep-alive" label="Keep-alive" on={sc.keep_alive} onclick={toggle(Knob::KeepAlive)} />
                <Toggle id="knob-existing" label="Open connection" on={sc.existing_connection} onclick={toggle(Knob::ExistingConnection)} />
                <Toggle id="knob-client-cert" label="Client certificate" on={sc.client_cert} onclick={toggle(Knob::ClientCert)} />
                <Toggle id="knob-resumption" label="TLS resumption" on={sc.resumption} onclick={toggle(Knob::Resumption)} />
                <Toggle id="knob-false-start" label="False Start" on={sc.false_start} onclick={toggle(Knob::FalseStart)} />
                <Toggle id="knob-changed" label="Page changed" on={sc.changed} onclick={toggle(Knob::Changed)} />
                <Toggle id="knob-refused" label="Port closed" on={sc.refused} onclick={toggle(Knob::Refused)} />
                <Toggle id="knob-upgrades" label="HTTPS-Upgrades" on={sc.https_upgrades} onclick={toggle(Knob::HttpsUpgrades)} />
                <Toggle id="knob-no-https" label="Server has no https" on={sc.no_https} onclick={toggle(Knob::NoHttps)} />
                <Toggle id="knob-preload" label="Preload pages" on={sc.preload} onclick={toggle(Knob::Preload)} />
                <Toggle id="knob-https-rr" label="DNS HTTPS record (h3)" on={sc.https_rr} onclick={toggle(Knob::HttpsRr)} />
                <Toggle id="knob-doh" label="Secure DNS (DoH)" on={sc.doh} onclick={toggle(Knob::Doh)} />
            </div>
            </details>
        </section>
        </details>
    }
}
