//! The `wirewalk` command line: the model's output as text or JSON.
//!
//! ```text
//! wirewalk url <input> [--base <url>] [--json]
//! wirewalk trace <url> [options] [--json|--svg]
//! wirewalk page <preset|file> [--json|--har|--svg|--events …]
//! wirewalk har|netlog <file> [--json]
//! ```
//!
//! The static server and the bundle's build steps are `cargo xtask` (the `xtask` package).
//!
//! Arguments are untrusted text: anything that is not valid gives a message and exit status 1 or 2
//! (2 for a usage error), never a panic.

use crate::model::initiator::Start;
use crate::model::journey::{self, Journey};
use crate::model::load::{PhaseName, Protocol};
use crate::model::navigation;
use crate::model::omnibox::Engine;
use crate::model::scenario::{
    AltSvcState, ApiChoice, CacheState, CertChoice, DnsState, HstsState, Ipv6State, Profile,
    ProfileName, Scenario, TlsChoice, MAX_BUSY_SOCKETS,
};
use crate::model::url::{self, Origin, Part};
use std::ffi::OsString;
use std::io::Write;

const USAGE: &str = "usage:
  wirewalk url <input> [--base <url>] [--json]   parse a URL as a browser does (WHATWG)
  wirewalk trace <url> [options] [--json|--svg]  the whole journey, event by event (--svg draws
                                                 its sequence diagram)
  wirewalk trace --preset <name> [--json|--svg]  a named scenario (--preset list to see them)
  wirewalk trace … --pcap FILE [--keylog FILE]   also write the run as a capture Wireshark opens
                                                 (pcapng, the TLS secrets inside) and the
                                                 secrets as an NSS key log
  wirewalk page --preset <name> [--json|--har|--svg]
                                                 a whole page load: pools, phases, same-origin checks
  wirewalk page <scenario.json> [--json|--har|--svg]
                                                 a page scenario from a file (its format:
                                                 docs/page-scenario.md);
                                                 --har writes it as a HAR 1.2 file, --svg draws
                                                 its waterfall
  wirewalk page --preset realtime --compare [--json|--svg]
                                                 one price ticker by polling, long polling,
                                                 server-sent events and a WebSocket: requests,
                                                 bytes per update, latency, sockets, cache
  wirewalk page <preset|file> --compare [--svg]  the page over HTTP/1.1, HTTP/2 and HTTP/3 (--svg:
                                                 three waterfalls on one time axis)
  wirewalk page <preset|file> --pcap FILE [--keylog FILE]
                                                 also write the load as a capture (as trace)
  wirewalk page <preset|file> --events [--request N | --connection N] [--json]
                                                 every message of the load (each connection's
                                                 handshakes, each request's exchange), or one
                                                 request's or one connection's
  wirewalk har <file.har> [--json]               a HAR recording (DevTools' Save all as HAR)
                                                 replayed as a page load
  wirewalk netlog <netlog.json> [--json]         a Chrome NetLog (chrome://net-export) replayed
                                                 with its real sockets (either command reads
                                                 either kind of file)
  wirewalk steps [--markdown]                    every step id, its stage and title

trace options:
  --profile local|transcontinental|intercontinental   network (RTT 23 / 120 / 225 ms)
  --rtt <ms> --bandwidth <Mbit/s>                      a custom network instead
  --cache empty|fresh|stale-etag|stale-last-modified|no-store   [--changed]
  --dns cold|resolver-cached|os-cached|browser-cached|nxdomain
  --tls 1.3|1.2-ecdhe|1.2-rsa   [--false-start]   [--resumption]
  --protocol h1|h2|h3                  what the document's server speaks on https (h3: QUIC)
  --quic-dcid <16 hex digits>          the browser's QUIC connection ID (RFC 9001 A: 8394c8f03e515708)
  --ipv6 none|ok|broken                the network's IPv6: none (A only); works; drops packets
                                       (Happy Eyeballs falls back to IPv4 after 300 ms)
  --loss PERCENT                        packets lost on the way down (0 to 50): resent a round
                                       trip late (page: --loss and --protocol h1|h2|h3 too)
  --https-rr                           the host's zone has an HTTPS record offering h3 (RFC 9460);
                                       the browser resolves with its built-in DNS client
  --doh                                secure DNS: lookups go over HTTPS (RFC 8484) to Google
                                       Public DNS, on a pooled connection of their own
  --alt-svc none|sent|learned|udp-blocked   the server's Alt-Svc: h3 (first visit; an earlier
                                       visit learnt it; learnt, but the network drops UDP)
  --cert valid|self-signed|expired|wrong-host      [--client-cert]
  --keep-alive on|off   [--existing-connection]   [--refused]
  --busy 0..6                          sockets of the origin busy in another tab
  --search-engine google|bing|duckduckgo   where text that is not a URL is searched
  --hsts none|learned|preloaded        what the browser knows of the host's HSTS
  --navigation typed|link|form         typed; a click on a search result; a form sent with POST
  --no-https-upgrades   [--no-https]   HTTPS-Upgrades off; the server has no https
  --no-preload                         Chrome's Preload pages off (as in Incognito): no
                                       connections opened as the navigation starts
  --api same-origin|cross-origin|cross-origin-blocked   where the click's fetch() goes";

/// Runs the command line; returns the process exit status.
pub fn run(args: &[OsString], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut words = Vec::with_capacity(args.len());
    for a in args {
        match a.to_str() {
            Some(s) => words.push(s.to_string()),
            None => {
                let _ = writeln!(err, "wirewalk: an argument is not valid UTF-8");
                return 2;
            }
        }
    }
    match words.first().map(String::as_str) {
        Some("url") => url_command(&words[1..], out, err),
        Some("trace") => trace_command(&words[1..], out, err),
        Some("page") => page_command(&words[1..], out, err),
        Some(c @ ("har" | "netlog")) => har_command(c, &words[1..], out, err),
        Some("steps") => {
            let markdown = words.get(1).map(String::as_str) == Some("--markdown");
            let _ = write!(out, "{}", steps_table(markdown));
            0
        }
        Some("-h" | "--help" | "help") => {
            let _ = writeln!(out, "{USAGE}");
            0
        }
        _ => {
            let _ = writeln!(err, "{USAGE}");
            2
        }
    }
}

fn url_command(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut input = None;
    let mut base = None;
    let mut json = false;
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "--json" => json = true,
            "--base" => {
                i += 1;
                match words.get(i) {
                    Some(b) => base = Some(b.as_str()),
                    None => {
                        let _ = writeln!(err, "wirewalk url: --base needs a URL\n{USAGE}");
                        return 2;
                    }
                }
            }
            // `--` ends the options, so an input that starts with "--" can still be given.
            "--" => {
                if let Some(rest) = words.get(i + 1) {
                    input = Some(rest.as_str());
                }
                break;
            }
            w if input.is_none() => input = Some(w),
            w => {
                let _ = writeln!(err, "wirewalk url: unexpected argument {w:?}\n{USAGE}");
                return 2;
            }
        }
        i += 1;
    }
    let Some(input) = input else {
        let _ = writeln!(err, "wirewalk url: no URL given\n{USAGE}");
        return 2;
    };
    match url::parse(input, base) {
        Ok(p) => {
            if json {
                let _ = writeln!(out, "{}", to_json(&p.getters));
            } else {
                let _ = write!(out, "{}", describe(&p));
            }
            0
        }
        Err(e) => {
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    to_json(&serde_json::json!({ "error": e.message }))
                );
            } else {
                let _ = writeln!(err, "wirewalk url: {}", e.message);
                let _ = writeln!(err, "  {}", input.escape_debug());
                let col = input
                    .get(..e.span.start)
                    .map_or(0, |b| b.escape_debug().count());
                let width = input
                    .get(e.span.clone())
                    .map_or(1, |s| s.escape_debug().count().max(1));
                let _ = writeln!(err, "  {}{}", " ".repeat(col), "^".repeat(width));
            }
            1
        }
    }
}

/// `wirewalk page … --compare`: the page over HTTP/1.1, HTTP/2 and HTTP/3, as a line each or
/// (`--svg`) three waterfalls on one time axis.
fn compare_protocols(
    sc: &crate::model::load::PageScenario,
    svg: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut loads = Vec::new();
    for (p, l) in crate::model::load::over_each_protocol(sc) {
        match l {
            Ok(l) => loads.push((p.name(), l)),
            Err(e) => {
                let _ = writeln!(err, "wirewalk page: {}: {e}", p.name());
                return 1;
            }
        }
    }
    if svg {
        let panels: Vec<(&str, &crate::model::load::PageLoad)> =
            loads.iter().map(|(n, l)| (*n, l)).collect();
        let title = format!("{} over HTTP/1.1, HTTP/2 and HTTP/3", sc.url);
        let _ = out.write_all(crate::svg::waterfalls(&panels, &title).as_bytes());
        return 0;
    }
    for (name, l) in &loads {
        let _ = writeln!(
            out,
            "{name:<9} loaded in {:>9.1} ms, {} requests, {} connections",
            l.end.as_ms(),
            l.requests.len(),
            l.connections.len()
        );
    }
    0
}

/// `wirewalk page --preset realtime --compare`: the ticker's feed by polling, long polling,
/// server-sent events and a WebSocket — a table of their figures, as JSON with `--json`, or
/// (`--svg`) four waterfalls on one time axis.
fn compare_techniques(svg: bool, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use crate::model::realtime;
    let all = match realtime::compare() {
        Ok(all) => all,
        Err(e) => {
            let _ = writeln!(err, "wirewalk page: {e}");
            return 1;
        }
    };
    if svg {
        let panels: Vec<(&str, &crate::model::load::PageLoad)> =
            all.iter().map(|(t, l, _)| (t.name(), l)).collect();
        let title =
            "One price ticker, four ways: polling, long polling, server-sent events, WebSocket";
        let _ = out.write_all(crate::svg::waterfalls(&panels, title).as_bytes());
        return 0;
    }
    let rows: Vec<realtime::Row> = all.into_iter().map(|(_, _, r)| r).collect();
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else {
        let _ = out.write_all(realtime::table(&rows).as_bytes());
    }
    0
}

/// `--protocol h1|h2|h3` or `--loss PERCENT` for a page: what `overrides` then holds.
fn set_network(
    overrides: &mut (Option<crate::model::load::Protocol>, Option<f64>),
    which: &str,
    v: &str,
) -> Result<(), String> {
    if which == "--protocol" {
        let p = crate::model::load::Protocol::parse(v)
            .ok_or_else(|| format!("--protocol {v:?} is not one of: h1, h2, h3"))?;
        overrides.0 = Some(p);
    } else {
        overrides.1 = Some(parse_loss(v)?);
    }
    Ok(())
}

/// A loss rate in percent, 0 to 50.
fn parse_loss(v: &str) -> Result<f64, String> {
    let max = crate::model::load::MAX_LOSS_PERCENT;
    v.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=max).contains(p))
        .ok_or_else(|| format!("--loss {v:?} is not a percentage from 0 to {max}"))
}

fn page_command(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use crate::model::{load, pages};
    let mut words = words.to_vec();
    let files = take_option(&mut words, "--pcap")
        .and_then(|p| Ok((p, take_option(&mut words, "--keylog")?)));
    let (pcap, keylog) = match files {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "wirewalk page: {e}\n{USAGE}");
            return 2;
        }
    };
    let mut json = false;
    let mut har = false;
    let mut svg = false;
    let mut events = false;
    let mut slice = Slice::All;
    let mut scenario = None;
    let mut overrides = (None, None);
    let mut compare = false;
    let mut doh = false;
    // The `realtime` preset compares four ways of bringing its feed, not three protocols.
    let mut techniques = false;
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "--json" => json = true,
            "--har" => har = true,
            "--svg" => svg = true,
            "--events" => events = true,
            "--compare" => compare = true,
            "--doh" => doh = true,
            which @ ("--loss" | "--protocol") => {
                i += 1;
                let v = words.get(i).map_or("", String::as_str);
                if let Err(e) = set_network(&mut overrides, which, v) {
                    let _ = writeln!(err, "wirewalk page: {e}");
                    return 2;
                }
            }
            which @ ("--request" | "--connection") => {
                i += 1;
                let Some(n) = words.get(i).and_then(|v| v.parse::<u32>().ok()) else {
                    let _ = writeln!(err, "wirewalk page: {which} needs a number (1, 2, …)");
                    return 2;
                };
                slice = if which == "--request" {
                    Slice::Request(n)
                } else {
                    Slice::Connection(n)
                };
            }
            "--preset" => {
                i += 1;
                let v = words.get(i).map_or("", String::as_str);
                match pages::preset(v) {
                    Some(p) => {
                        techniques = v == "realtime";
                        scenario = Some(p)
                    }
                    None => {
                        let _ = writeln!(
                            err,
                            "wirewalk page: --preset {v:?} is not one of: {}",
                            pages::NAMES.join(", ")
                        );
                        return 2;
                    }
                }
            }
            w if w.starts_with("--") => {
                let _ = writeln!(err, "wirewalk page: unknown option {w}\n{USAGE}");
                return 2;
            }
            path if scenario.is_none() => {
                let text = match read_limited(path, 2 * load::MAX_HTML_BYTES as u64 + 1) {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = writeln!(err, "wirewalk page: {path}: {e}");
                        return 1;
                    }
                };
                match load::PageScenario::from_json(&text) {
                    Ok(p) => scenario = Some(p),
                    Err(e) => {
                        let _ = writeln!(err, "wirewalk page: {path}: {e}");
                        return 1;
                    }
                }
            }
            w => {
                let _ = writeln!(err, "wirewalk page: unexpected argument {w:?}\n{USAGE}");
                return 2;
            }
        }
        i += 1;
    }
    let Some(mut sc) = scenario else {
        let _ = writeln!(
            err,
            "wirewalk page: give --preset NAME or a scenario file\n{USAGE}"
        );
        return 2;
    };
    if let Some(p) = overrides.0 {
        sc = sc.with_protocol(p);
    }
    if let Some(l) = overrides.1 {
        sc.loss_percent = l;
    }
    sc.doh |= doh;
    if compare && techniques {
        if har || events || pcap.is_some() || overrides != (None, None) || doh {
            let _ = writeln!(
                err,
                "wirewalk page: --compare of the realtime preset draws four loads: it takes --svg or --json"
            );
            return 2;
        }
        return compare_techniques(svg, json, out, err);
    }
    if compare {
        // The three loads replace the one the other outputs are of.
        if json || har || events || pcap.is_some() || overrides.0.is_some() {
            let _ = writeln!(
                err,
                "wirewalk page: --compare draws three loads: it takes --svg and --loss, not --json, --har, --events, --pcap or --protocol"
            );
            return 2;
        }
        return compare_protocols(&sc, svg, out, err);
    }
    let load = match load::run(&sc) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "wirewalk page: {e}");
            return 1;
        }
    };
    if slice != Slice::All && !events {
        let _ = writeln!(
            err,
            "wirewalk page: --request and --connection go with --events"
        );
        return 2;
    }
    let status = if events {
        page_events(&load, slice, json, out, err)
    } else {
        print_page(&sc, &load, (svg, har, json), out);
        0
    };
    // The load is printed whatever becomes of its capture.
    let files = (pcap.as_deref(), keylog.as_deref());
    let date = crate::model::scenario::VISIT_UNIX_TIME;
    write_capture(&load.trace, date, files, "page", err).unwrap_or(status)
}

/// A page load as `--svg`, `--har`, `--json` or text.
fn print_page(
    sc: &crate::model::load::PageScenario,
    load: &crate::model::load::PageLoad,
    (svg, har, json): (bool, bool, bool),
    out: &mut dyn Write,
) {
    if svg {
        let _ = write!(out, "{}", crate::svg::waterfall(load, &load.url));
    } else if har {
        let log = crate::model::har::export(sc, load, crate::model::scenario::VISIT_UNIX_TIME);
        // The export is compact JSON (the app's download); the CLI indents it for reading.
        let pretty = serde_json::from_str::<serde_json::Value>(&log)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or(log);
        let _ = writeln!(out, "{pretty}");
    } else if json {
        let _ = writeln!(out, "{}", page_json(load));
    } else {
        let _ = write!(out, "{}", page_text(load));
    }
}

/// Which events of a page load `--events` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slice {
    All,
    Request(u32),
    Connection(u32),
}

/// `wirewalk page … --events`: the load's events, or one request's or one connection's, one
/// line each (with the request and connection columns) or as JSON.
fn page_events(
    load: &crate::model::load::PageLoad,
    slice: Slice,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let keep = |e: &&crate::model::trace::Event| match slice {
        Slice::All => true,
        Slice::Request(n) => e.request == n,
        Slice::Connection(n) => e.connection == Some(n),
    };
    let picked: Vec<&crate::model::trace::Event> = load.trace.events.iter().filter(keep).collect();
    let exists = match slice {
        Slice::All => true,
        Slice::Request(n) => load.request(n).is_some(),
        Slice::Connection(n) => load.connections.iter().any(|c| c.id == n),
    };
    if !exists {
        let _ = writeln!(
            err,
            "wirewalk page: the load has {} requests and {} connections; {slice:?} is not one of them",
            load.requests.len(),
            load.connections.len()
        );
        return 1;
    }
    if json {
        // Each event with the names of the endpoints it involves (this server, that name server).
        let named: Vec<serde_json::Value> = picked
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                if let Some(name) = load.trace.endpoint_name(e.endpoint) {
                    v["endpoint"] = name.into();
                }
                if let Some(name) = load
                    .trace
                    .endpoint_name(e.flight.as_ref().and_then(|f| f.to_endpoint))
                {
                    v["to_endpoint"] = name.into();
                }
                v
            })
            .collect();
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&named).unwrap_or_default()
        );
    } else {
        let _ = write!(out, "{}", crate::model::trace::lines_with_ids(&picked));
    }
    0
}

/// `wirewalk har <file> [--json]` (or `netlog`): a browser's recording, a HAR file or a
/// Chrome NetLog, replayed as a page load.
fn har_command(command: &str, words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use crate::model::{har_replay, netlog};
    let json = words.iter().any(|w| w == "--json");
    let Some(path) = words.iter().find(|w| !w.starts_with("--")) else {
        let _ = writeln!(
            err,
            "wirewalk {command}: give a .har file or a NetLog (.json)\n{USAGE}"
        );
        return 2;
    };
    let loaded = read_limited(path, netlog::MAX_NETLOG_BYTES as u64 + 1)
        .and_then(|text| netlog::open(&text))
        .and_then(|rec| har_replay::replay_recording(&rec, path));
    match loaded {
        Ok(load) => {
            if json {
                let _ = writeln!(out, "{}", page_json(&load));
            } else {
                let _ = write!(out, "{}", page_text(&load));
            }
            0
        }
        Err(e) => {
            let _ = writeln!(err, "wirewalk {command}: {path}: {e}");
            1
        }
    }
}

/// Reads a file of at most `limit` bytes as UTF-8.
fn read_limited(path: &str, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 >= limit {
        return Err(format!("larger than {} bytes", limit - 1));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Phase durations in ms under short JSON names, DevTools' order.
fn phase_ms(r: &crate::model::load::Request) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (key, name) in [
        ("queueing", PhaseName::Queueing),
        ("stalled", PhaseName::Stalled),
        ("dns", PhaseName::DnsLookup),
        ("ssl", PhaseName::Ssl),
        ("request_sent", PhaseName::RequestSent),
        ("waiting", PhaseName::Waiting),
        ("content_download", PhaseName::ContentDownload),
    ] {
        m.insert(key.into(), serde_json::json!(r.phase(name).as_ms()));
        if key == "dns" {
            m.insert(
                "initial_connection".into(),
                serde_json::json!(r.initial_connection().as_ms()),
            );
        }
    }
    serde_json::Value::Object(m)
}

pub fn page_json(load: &crate::model::load::PageLoad) -> String {
    let mut v = serde_json::to_value(load).unwrap_or_default();
    let requests: Vec<serde_json::Value> = load
        .requests
        .iter()
        .map(|r| {
            let mut o = serde_json::to_value(r).unwrap_or_default();
            if let Some(m) = o.as_object_mut() {
                m.insert("durations".into(), phase_ms(r));
                m.insert(
                    "total".into(),
                    serde_json::json!(r.end.since(r.start).as_ms()),
                );
            }
            o
        })
        .collect();
    let mut conns = serde_json::Map::new();
    for (o, n) in load.connections_per_origin() {
        conns.insert(o, serde_json::json!(n));
    }
    let mut queued = serde_json::Map::new();
    for r in load.requests.iter().filter(|r| r.queued) {
        let e = queued
            .entry(r.origin.to_string())
            .or_insert(serde_json::json!(0));
        *e = serde_json::json!(e.as_u64().unwrap_or(0) + 1);
    }
    if let Some(m) = v.as_object_mut() {
        m.insert("requests".into(), serde_json::Value::Array(requests));
        m.insert("connections".into(), serde_json::Value::Object(conns));
        m.insert("queued".into(), serde_json::Value::Object(queued));
        m.insert(
            "connection_list".into(),
            serde_json::to_value(&load.connections).unwrap_or_default(),
        );
    }
    to_json(&v)
}

fn page_text(load: &crate::model::load::PageLoad) -> String {
    let f = |d: crate::model::time::Duration| crate::timeline::fixed(d.as_ms(), 1);
    let mut s = format!(
        "{}  {}  (RTT {} ms, {}, TLS {})\n",
        if load.name.is_empty() {
            "page"
        } else {
            &load.name
        },
        load.url,
        f(load.rtt),
        if load.bandwidth_bps == 0 {
            "bandwidth not recorded".to_string()
        } else {
            format!(
                "{} Mbit/s",
                crate::timeline::fixed(load.bandwidth_bps as f64 / 1e6, 1)
            )
        },
        load.tls
    );
    s.push_str(&format!(
        "{:>3}  {:<44} {:<8} {:>4} {:<6} {:>7} {:>7} {:>6} {:>6} {:>6} {:>5} {:>7} {:>8} {:>7}  outcome\n",
        "id", "url", "priority", "conn", "", "queue", "stalled", "dns", "conn", "ssl", "sent", "waiting", "download", "total"
    ));
    for r in &load.requests {
        let url = if r.url.chars().count() > 44 {
            format!(
                "…{}",
                r.url
                    .chars()
                    .rev()
                    .take(43)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
            )
        } else {
            r.url.clone()
        };
        let conn = r.connection.map_or("-".to_string(), |c| c.to_string());
        let how = if let Some(from) = r.from_cache.har_name() {
            from
        } else if r.connection.is_none() {
            "-"
        } else if r.reused {
            "reused"
        } else {
            "new"
        };
        s.push_str(&format!(
            "{:>3}  {:<44} {:<8} {:>4} {:<6} {:>7} {:>7} {:>6} {:>6} {:>6} {:>5} {:>7} {:>8} {:>7}  {}{}\n",
            r.id,
            url,
            crate::model::load::priority_label(r.priority),
            conn,
            how,
            f(r.phase(PhaseName::Queueing)),
            f(r.phase(PhaseName::Stalled)),
            f(r.phase(PhaseName::DnsLookup)),
            f(r.initial_connection()),
            f(r.phase(PhaseName::Ssl)),
            f(r.phase(PhaseName::RequestSent)),
            f(r.phase(PhaseName::Waiting)),
            f(r.phase(PhaseName::ContentDownload)),
            f(r.end.since(r.start)),
            if r.method == "GET" { String::new() } else { format!("{} ", r.method) },
            r.outcome.describe()
        ));
    }
    s.push_str("\nsocket groups\n");
    for g in &load.groups {
        s.push_str(&format!(
            "  {:<40} {:<8} {} requests, {} connection{} opened (at most {} at once), {} queued\n",
            g.group,
            g.protocol,
            g.requests,
            g.opened,
            if g.opened == 1 { "" } else { "s" },
            g.max_open,
            g.queued
        ));
    }
    if !load.main_thread.is_empty() {
        s.push_str("\nmain thread\n");
        for m in &load.main_thread {
            let what = match m.kind {
                crate::model::load::MainTaskKind::SyncXhr => "a synchronous XMLHttpRequest",
            };
            s.push_str(&format!(
                "  frozen {} → {} ms ({} ms) by {what}, request {}\n",
                f(m.start.since(crate::model::time::Instant::ZERO)),
                f(m.end.since(crate::model::time::Instant::ZERO)),
                f(m.end.since(m.start)),
                m.request
            ));
        }
    }
    if !load.console.is_empty() {
        s.push_str("\nconsole\n");
        for c in &load.console {
            s.push_str(&format!("  {c}\n"));
        }
    }
    if !load.problems.is_empty() {
        s.push_str("\nproblems\n");
        for p in &load.problems {
            s.push_str(&format!("  {p}\n"));
        }
    }
    s.push_str(&format!(
        "\nloaded in {} ms\n",
        f(load.end.since(crate::model::time::Instant::ZERO))
    ));
    s
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Serializing plain strings and numbers cannot fail; fall back to an error object anyway.
    serde_json::to_string(v).unwrap_or_else(|_| "{\"error\":\"could not encode JSON\"}".into())
}

/// The human-readable breakdown: one line per component, then the origin and what changed.
pub fn describe(p: &url::Parsed) -> String {
    let mut s = String::new();
    s.push_str(&format!("href      {}\n", p.getters.href));
    for seg in p.segments.iter().filter(|s| s.part != Part::Delimiter) {
        let note = if seg.implied {
            "  (default port, implied)"
        } else {
            ""
        };
        s.push_str(&format!("{:<9} {}{note}\n", seg.part.name(), seg.text));
    }
    match &p.origin {
        Origin::Tuple { scheme, host, port } => s.push_str(&format!(
            "origin    ({scheme}, {host}, {port})  = {}\n",
            p.getters.origin
        )),
        Origin::Opaque => s.push_str("origin    opaque (serialized as \"null\")\n"),
    }
    for c in &p.changes {
        s.push_str(&format!("changed   {}\n", c.note));
    }
    s
}

/// Builds a scenario from `trace` arguments; `Err` names the argument that is wrong.
pub fn trace_scenario(words: &[String]) -> Result<(Scenario, bool), String> {
    let mut sc = Scenario::default();
    let mut json = false;
    let mut url = None;
    let (mut rtt, mut bandwidth) = (None, None);
    let mut i = 0;
    fn value<'a>(words: &'a [String], i: usize, name: &str) -> Result<&'a str, String> {
        words
            .get(i + 1)
            .map(String::as_str)
            .ok_or_else(|| format!("{name} needs a value"))
    }
    fn bad(name: &str, v: &str, allowed: &str) -> String {
        format!("{name} {v:?} is not one of: {allowed}")
    }
    fn positive(name: &str, v: &str, unit: &str) -> Result<f64, String> {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x > 0.0)
            .ok_or_else(|| format!("{name} {v:?} is not a positive number of {unit}"))
    }
    // A preset is where the other options start from, wherever it stands.
    let mut preset_url = None;
    if let Some(at) = words.iter().position(|w| w == "--preset") {
        let v = value(words, at, "--preset")?;
        let names: Vec<&str> = crate::model::scenario::preset_names().collect();
        sc = crate::model::scenario::preset(v)
            .ok_or_else(|| bad("--preset", v, &names.join(", ")))?;
        preset_url = Some(sc.url.clone());
    }
    while i < words.len() {
        let w = words[i].as_str();
        let mut takes_value = true;
        match w {
            "--json" => {
                json = true;
                takes_value = false;
            }
            "--profile" => {
                let v = value(words, i, w)?;
                let name = ProfileName::parse(v)
                    .filter(|n| *n != ProfileName::Custom)
                    .ok_or_else(|| bad(w, v, "local, transcontinental, intercontinental"))?;
                sc.profile = Profile::builtin(name);
            }
            "--rtt" => rtt = Some(positive(w, value(words, i, w)?, "milliseconds")?),
            "--bandwidth" => bandwidth = Some(positive(w, value(words, i, w)?, "Mbit/s")?),
            "--cache" => {
                let v = value(words, i, w)?;
                sc.cache = CacheState::parse(v).ok_or_else(|| {
                    bad(w, v, &CacheState::ALL.map(CacheState::as_str).join(", "))
                })?;
            }
            "--dns" => {
                let v = value(words, i, w)?;
                sc.dns = DnsState::parse(v)
                    .ok_or_else(|| bad(w, v, &DnsState::ALL.map(DnsState::as_str).join(", ")))?;
            }
            "--tls" => {
                let v = value(words, i, w)?;
                sc.tls = TlsChoice::parse(v)
                    .ok_or_else(|| bad(w, v, &TlsChoice::ALL.map(TlsChoice::as_str).join(", ")))?;
            }
            "--cert" => {
                let v = value(words, i, w)?;
                sc.cert = CertChoice::parse(v).ok_or_else(|| {
                    bad(w, v, &CertChoice::ALL.map(CertChoice::as_str).join(", "))
                })?;
            }
            "--busy" => {
                let v = value(words, i, w)?;
                sc.busy_sockets = v
                    .parse::<u8>()
                    .ok()
                    .filter(|n| *n <= MAX_BUSY_SOCKETS)
                    .ok_or_else(|| bad(w, v, "a number of sockets from 0 to 6"))?;
            }
            "--search-engine" => {
                let v = value(words, i, w)?;
                sc.engine = Engine::parse(v)
                    .ok_or_else(|| bad(w, v, &Engine::ALL.map(Engine::as_str).join(", ")))?;
            }
            "--navigation" => {
                let v = value(words, i, w)?;
                sc.navigation = Start::parse(v)
                    .ok_or_else(|| bad(w, v, &Start::ALL.map(Start::as_str).join(", ")))?;
            }
            "--hsts" => {
                let v = value(words, i, w)?;
                sc.hsts = HstsState::parse(v)
                    .ok_or_else(|| bad(w, v, &HstsState::ALL.map(HstsState::as_str).join(", ")))?;
            }
            "--api" => {
                let v = value(words, i, w)?;
                sc.api = ApiChoice::parse(v)
                    .ok_or_else(|| bad(w, v, &ApiChoice::ALL.map(ApiChoice::as_str).join(", ")))?;
            }
            "--protocol" => {
                let v = value(words, i, w)?;
                sc.protocol = Protocol::parse(v).ok_or_else(|| bad(w, v, "h1, h2, h3"))?;
            }
            "--loss" => sc.loss_percent = parse_loss(value(words, i, w)?)?,
            "--ipv6" => {
                let v = value(words, i, w)?;
                sc.ipv6 = Ipv6State::parse(v)
                    .ok_or_else(|| bad(w, v, &Ipv6State::ALL.map(Ipv6State::as_str).join(", ")))?;
            }
            "--alt-svc" => {
                let v = value(words, i, w)?;
                sc.alt_svc = AltSvcState::parse(v).ok_or_else(|| {
                    bad(w, v, &AltSvcState::ALL.map(AltSvcState::as_str).join(", "))
                })?;
            }
            "--quic-dcid" => {
                let v = value(words, i, w)?;
                if crate::model::scenario::parse_cid(v).is_none() {
                    return Err(format!(
                        "--quic-dcid {v:?} is not 16 hex digits (an 8-byte connection ID, as Chromium's)"
                    ));
                }
                sc.quic_dcid = Some(v.to_ascii_lowercase());
            }
            "--keep-alive" => {
                let v = value(words, i, w)?;
                sc.keep_alive = match v {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad(w, v, "on, off")),
                };
            }
            "--changed"
            | "--false-start"
            | "--resumption"
            | "--client-cert"
            | "--existing-connection"
            | "--no-https-upgrades"
            | "--no-https"
            | "--no-preload"
            | "--https-rr"
            | "--doh"
            | "--refused" => {
                takes_value = false;
                match w {
                    "--changed" => sc.changed = true,
                    "--false-start" => sc.false_start = true,
                    "--resumption" => sc.resumption = true,
                    "--client-cert" => sc.client_cert = true,
                    "--existing-connection" => sc.existing_connection = true,
                    "--no-https-upgrades" => sc.https_upgrades = false,
                    "--no-https" => sc.no_https = true,
                    "--no-preload" => sc.preload = false,
                    "--https-rr" => sc.https_rr = true,
                    "--doh" => sc.doh = true,
                    _ => sc.refused = true,
                }
            }
            // Applied before the loop.
            "--preset" => {}
            "--" => {
                url = words.get(i + 1).cloned();
                break;
            }
            w if w.starts_with("--") => return Err(format!("unknown option {w}")),
            w if url.is_none() => {
                url = Some(w.to_string());
                takes_value = false;
            }
            w => return Err(format!("unexpected argument {w:?}")),
        }
        i += if takes_value { 2 } else { 1 };
    }
    sc.url = url.or(preset_url).ok_or("no URL given")?;
    sc.profile = sc.profile.with(rtt, bandwidth);
    Ok((sc, json))
}

/// Takes `name VALUE` out of `words`: the value, if the option is there.
fn take_option(words: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let Some(at) = words.iter().position(|w| w == name) else {
        return Ok(None);
    };
    if words.get(at + 1).is_none_or(|v| v.starts_with("--")) {
        return Err(format!("{name} needs a file name"));
    }
    let v = words.remove(at + 1);
    words.remove(at);
    Ok(Some(v))
}

/// `--pcap FILE` and `--keylog FILE`: the run as a capture ([`crate::model::capture`]) and its
/// TLS secrets as an NSS key log. Returns the exit status if writing failed.
fn write_capture(
    trace: &crate::model::trace::Trace,
    unix_time: i64,
    (pcap, keylog): (Option<&str>, Option<&str>),
    command: &str,
    err: &mut dyn Write,
) -> Option<i32> {
    if pcap.is_none() && keylog.is_none() {
        return None;
    }
    let c = match crate::model::capture::from_trace(trace, unix_time) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "wirewalk {command}: no capture written: {e}");
            return Some(1);
        }
    };
    let files = [
        (pcap, crate::model::pcapng::write(&c)),
        (keylog, c.keylog.clone().into_bytes()),
    ];
    for (path, bytes) in files {
        let Some(path) = path else { continue };
        if let Err(e) = std::fs::write(path, bytes) {
            let _ = writeln!(err, "wirewalk {command}: {path}: {e}");
            return Some(1);
        }
    }
    if let Some(path) = pcap {
        let secrets = if c.keylog.is_empty() {
            ""
        } else {
            ", the TLS secrets inside"
        };
        let _ = writeln!(
            err,
            "wirewalk {command}: {} packets written to {path} (pcapng{secrets})",
            c.packets.len()
        );
    }
    None
}

fn trace_command(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let svg = words.iter().any(|w| w == "--svg");
    let mut words: Vec<String> = words.iter().filter(|w| *w != "--svg").cloned().collect();
    let files = take_option(&mut words, "--pcap")
        .and_then(|p| Ok((p, take_option(&mut words, "--keylog")?)));
    let (pcap, keylog) = match files {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "wirewalk trace: {e}\n{USAGE}");
            return 2;
        }
    };
    let (sc, json) = match trace_scenario(&words) {
        Ok(x) => x,
        Err(e) => {
            let _ = writeln!(err, "wirewalk trace: {e}\n{USAGE}");
            return 2;
        }
    };
    let j = journey::run(&sc);
    if svg {
        let last = j.trace.events.len().saturating_sub(1);
        let _ = write!(out, "{}", crate::svg::sequence(&j.trace, last, &sc.url));
    } else if json {
        let _ = writeln!(out, "{}", to_json(&trace_json(&j)));
    } else {
        let _ = write!(out, "{}", j.trace);
        let _ = writeln!(out, "\nNavigation Timing (ms):");
        for (name, v) in j.timing.entries() {
            let _ = writeln!(out, "  {name:<28} {v:>10.3}");
        }
        let _ = writeln!(out, "\noutcome: {}", j.outcome.describe());
    }
    // The run is printed whatever becomes of its capture.
    let files = (pcap.as_deref(), keylog.as_deref());
    if let Some(status) = write_capture(&j.trace, j.unix_time, files, "trace", err) {
        return status;
    }
    match j.outcome {
        navigation::Outcome::Error { .. } => 1,
        _ => 0,
    }
}

/// The JSON form of a journey: events, Navigation Timing, outcome.
pub fn trace_json(j: &Journey) -> serde_json::Value {
    let events: Vec<serde_json::Value> = j
        .trace
        .events
        .iter()
        .map(|e| {
            let mut v = serde_json::json!({
                "at_ms": e.at.as_ms(),
                "seq": e.seq,
                "step": e.step.as_str(),
                "stage": e.stage,
                "actor": e.actor.name(),
                "summary": e.summary(),
                "fields": e.field_list().iter().map(|f| serde_json::json!({"name": f.name, "value": f.value})).collect::<Vec<_>>(),
            });
            if e.request != 0 {
                v["request"] = e.request.into();
            }
            if let Some(c) = e.connection {
                v["connection"] = c.into();
            }
            if let Some(name) = j.trace.endpoint_name(e.endpoint) {
                v["endpoint"] = name.into();
            }
            if let Some(fl) = &e.flight {
                v["to"] = fl.to.name().into();
                if let Some(name) = j.trace.endpoint_name(fl.to_endpoint) {
                    v["to_endpoint"] = name.into();
                }
                v["arrives_ms"] = fl.arrives_at.as_ms().into();
                v["bytes"] = fl.bytes.into();
            }
            // An Initial packet's keys, derived here (the app derives them in its bytes view).
            if let Some(keys) = initial_keys(e) {
                if let Some(list) = v["fields"].as_array_mut() {
                    list.extend(keys);
                }
            }
            // The message's bytes, where the model writes them: hex, and each field's place.
            if let Some(w) = &e.wire {
                v["wire"] = serde_json::to_value(&**w).unwrap_or_default();
            }
            v
        })
        .collect();
    let timing: serde_json::Map<String, serde_json::Value> = j
        .timing
        .entries()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
    serde_json::json!({ "events": events, "timing": timing, "outcome": j.outcome.describe() })
}

/// The Initial secrets, keys, IVs and header-protection keys of a QUIC datagram that carries
/// an Initial packet: the sender's, from the browser's Destination Connection ID (RFC 9001 §5.2).
fn initial_keys(e: &crate::model::trace::Event) -> Option<Vec<serde_json::Value>> {
    use crate::model::quic::Space;
    let shown = e.detail::<crate::model::quic_present::Shown>()?;
    let d = &shown.datagram;
    if !d.packets.iter().any(|p| p.space == Space::Initial) {
        return None;
    }
    let fields = crate::model::quic_keys::initial_fields(&shown.cid, d.from_client);
    Some(
        fields
            .iter()
            .map(|f| serde_json::json!({"name": f.name, "value": f.value}))
            .collect(),
    )
}

/// The step catalogue as text, or as the Markdown table docs/steps.md carries.
pub fn steps_table(markdown: bool) -> String {
    use crate::model::step::StepId;
    let mut s = String::new();
    if markdown {
        s.push_str("| id | stage | step | spec |\n|---|---|---|---|\n");
    }
    for id in StepId::all() {
        let i = id.info();
        if markdown {
            s.push_str(&format!(
                "| `{}` | {} | {} | [{}]({}) |\n",
                i.id,
                i.stage.label(),
                i.title,
                i.spec.0,
                i.spec.1
            ));
        } else {
            s.push_str(&format!(
                "{:<32} {:<12} {}\n",
                i.id,
                i.stage.label(),
                i.title
            ));
        }
    }
    s
}
