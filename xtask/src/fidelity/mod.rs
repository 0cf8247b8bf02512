//! `cargo xtask fidelity`: the model's page load against a real Chromium's (issue 17, deliver 6).
//!
//! For each page preset: run the model on the preset with loopback knobs (a 0.1 ms round trip,
//! 1 Gbit/s, every host already resolved: what `--host-resolver-rules` gives Chromium), serve
//! the preset's responses from loopback servers ([`server`], [`h2`], answers from [`site`]),
//! load the page in Debian's Chromium through chromedriver ([`chromium`]), record what the
//! servers saw and the console, and compare ([`compare`]). Every difference is printed, either
//! with the explanation that keeps it or as UNEXPLAINED; the report goes to
//! `target/fidelity/report.md`, and the exit status is 1 if any difference is unexplained.
//! `docs/fidelity.md` says what is compared and what is not.
// The harness measures a real browser against real servers: it reads the real clock (the model,
// which takes `now` as a parameter, is what the rule keeps from it).
#![allow(clippy::disallowed_methods)]

pub mod chromium;
pub mod compare;
pub mod h2;
pub mod server;
pub mod site;
pub mod ws;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wirewalk::model::load::{self, PageScenario};
use wirewalk::model::pages;

use compare::{Difference, ModelView};
use server::{Recorder, Seen};

/// How long after the load event the servers must have been idle (no request in flight, none
/// new) before the load counts as over: the recordings' 500 ms, with room for a busy machine.
const QUIET: Duration = Duration::from_millis(700);
/// The most a load may take after the load event.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);

/// One preset's outcome.
pub struct PresetResult {
    pub name: String,
    pub url: String,
    pub notes: Vec<String>,
    pub seen: Seen,
    pub view: ModelView,
    pub differences: Vec<Difference>,
    pub console: Vec<chromium::Message>,
    pub seconds: f64,
    /// Why the preset could not be compared.
    pub failed: Option<String>,
}

/// The preset as the model sees a loopback Chromium: a 0.1 ms round trip (the least the model
/// takes), 1 Gbit/s, and every host in the host cache (the resolver rules answer at once).
pub fn loopback(sc: &PageScenario, hosts: &[String]) -> PageScenario {
    let mut sc = sc.clone();
    sc.rtt_ms = Some(0.1);
    sc.bandwidth_mbps = Some(1000.0);
    sc.resolved = hosts.to_vec();
    sc
}

fn hosts_of(sc: &PageScenario) -> Result<Vec<String>, String> {
    // The hosts the model's own load of the preset touches, and the scenario's.
    let first = load::run(sc)?;
    let mut hosts: Vec<String> = Vec::new();
    let urls = std::iter::once(sc.url.clone())
        .chain(sc.responses.iter().map(|r| r.url.clone()))
        .chain(first.requests.iter().map(|r| r.url.clone()));
    for u in urls {
        if let Some(h) = site::host_of(&u) {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    Ok(hosts)
}

/// `name=value; Secure; HttpOnly; SameSite=None` as CDP's `Network.setCookie` parameters.
fn cookie_params(url: &str, set_cookie: &str) -> serde_json::Value {
    let mut parts = set_cookie.split(';').map(str::trim);
    let (name, value) = parts
        .next()
        .and_then(|nv| nv.split_once('='))
        .unwrap_or(("", ""));
    let mut p = json!({"url": url, "name": name, "value": value});
    for a in parts {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        match k.to_ascii_lowercase().as_str() {
            "secure" => p["secure"] = json!(true),
            "httponly" => p["httpOnly"] = json!(true),
            "samesite" => p["sameSite"] = json!(v),
            "path" => p["path"] = json!(v),
            _ => {}
        }
    }
    p
}

/// Waits until the servers have been quiet for [`QUIET`] after a request came.
fn settle(rec: &Recorder) {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    while Instant::now() < deadline {
        if rec.any_request() && rec.is_quiet(QUIET) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Puts the preset's cookies in Chromium's jar.
fn prepare(session: &chromium::Session, sc: &PageScenario) -> Result<(), String> {
    for c in &sc.cookies {
        session.cdp("Network.setCookie", cookie_params(&c.url, &c.set_cookie))?;
    }
    Ok(())
}

/// How many times Chromium loads each preset: the first is reported, the others say where
/// Chromium itself varies ([`compare::by_variance`]).
pub const RUNS: usize = 5;

/// What one Chromium load of a preset needs: the browser, the page, its servers and the
/// resolver rules and certificate that reach them.
struct Load<'a> {
    driver: &'a chromium::Driver,
    sc: &'a PageScenario,
    site: &'a Arc<site::Site>,
    rec: &'a Recorder,
    rules: &'a str,
    spki: &'a str,
}

impl Load<'_> {
    /// One load in a fresh profile (after a first visit not compared, for a return visit):
    /// what the servers saw and the console; the NetLog to `netlog` if given.
    fn once(
        &self,
        profile: &Path,
        netlog: Option<&Path>,
    ) -> Result<(Seen, Vec<chromium::Message>), String> {
        self.rec.reset();
        self.site.restart();
        if let Some(age) = self.sc.warm_cache_s {
            // The first visit, served with a `Date` `age` seconds ago so that the second load's
            // cache ages are the model's; then Chromium is closed (its connections and host
            // cache go, the disk cache stays), as the model keeps only the HTTP cache.
            self.site.set_date_offset(age as i64);
            let s = self.driver.session(profile, self.rules, self.spki, None)?;
            prepare(&s, self.sc)?;
            s.navigate(&self.sc.url)?;
            settle(self.rec);
            s.quit()?;
            std::thread::sleep(Duration::from_millis(300));
            self.rec.reset();
            self.site.restart();
            self.site.set_date_offset(0);
        }
        let s = self
            .driver
            .session(profile, self.rules, self.spki, netlog)?;
        prepare(&s, self.sc)?;
        s.navigate(&self.sc.url)?;
        if self.site.has_streams() {
            // Open streams never let the servers go quiet: the load is watched as long as the
            // model watches it.
            let watch = Duration::from_secs_f64(self.sc.watch_ms.clamp(0.0, 60_000.0) / 1000.0);
            let until = self.rec.t0() + watch;
            while Instant::now() < until {
                std::thread::sleep(Duration::from_millis(25));
            }
        } else {
            settle(self.rec);
        }
        // A WebSocket server's last frame (a close with a reserved code, say) must reach the
        // browser before the console is read.
        if let Some(ms) = self.site.last_websocket_frame_ms() {
            let until = self.rec.t0() + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
            let until = until + Duration::from_millis(500);
            while Instant::now() < until {
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        // What the servers saw while the load was watched: a page with open streams is cut
        // there, as the model's is (closing the browser ends the streams, and a request that
        // was waiting for their sockets may then connect).
        let watched = self.site.has_streams().then(|| self.rec.seen());
        let console = s.console()?;
        s.quit()?;
        std::thread::sleep(Duration::from_millis(300));
        Ok((watched.unwrap_or_else(|| self.rec.seen()), console))
    }
}

/// Loads one preset in Chromium and compares it with the model.
fn run_preset(driver: &chromium::Driver, name: &str, dir: &Path) -> Result<PresetResult, String> {
    let t = Instant::now();
    let sc = scenario(name).ok_or_else(|| format!("no preset {name}"))?;
    let hosts = hosts_of(&sc)?;
    let model_sc = loopback(&sc, &hosts);
    let load = load::run(&model_sc)?;
    let view = ModelView::new(&load);
    let site = Arc::new(site::Site::new(&sc, &load));
    let rec = Recorder::default();
    let (listeners, spki) = server::start(&site, &rec)?;
    let mut rules: Vec<String> = listeners
        .iter()
        .map(|l| format!("MAP {} 127.0.0.1:{}", l.host, l.port))
        .collect();
    rules.push("MAP * ~NOTFOUND".into());
    rules.push("EXCLUDE localhost".into());
    let rules = rules.join(", ");
    let mut notes = vec![format!(
        "Model knobs: round trip 0.1 ms, 1 Gbit/s, hosts resolved ({}); the preset's server think-times, parse and script times unchanged.",
        hosts.join(", ")
    )];
    if let Some(age) = sc.warm_cache_s {
        notes.push(format!(
            "Return visit: a first load of the page (not compared) was served with `Date` {age} s in the past, then Chromium was closed and started again on the same profile; the load compared is the second."
        ));
    }
    let browser = Load {
        driver,
        sc: &sc,
        site: &site,
        rec: &rec,
        rules: &rules,
        spki: &spki,
    };
    // Run 1 is the one reported (its NetLog and the servers' view are kept); the others only
    // say whether Chromium itself varies where it differs from the model.
    let netlog = dir.join(format!("{name}.netlog.json"));
    let (seen, console) = browser.once(&chromium::profile_dir(dir, name)?, Some(&netlog))?;
    let mut others = Vec::new();
    for k in 2..=RUNS {
        let profile = chromium::profile_dir(dir, &format!("{name}-run{k}"))?;
        let (s, c) = browser.once(&profile, None)?;
        others.push(compare::compare(&view, &sc.url, &s, &c));
    }
    let _ = std::fs::write(
        dir.join(format!("{name}.server.json")),
        seen_json(&seen, &console),
    );
    let mut differences = compare::compare(&view, &sc.url, &seen, &console);
    compare::by_variance(&mut differences, &others);
    Ok(PresetResult {
        name: name.to_string(),
        url: sc.url.clone(),
        notes,
        seen,
        view,
        differences,
        console,
        seconds: t.elapsed().as_secs_f64(),
        failed: None,
    })
}

/// What the servers saw and the console, as JSON (`target/fidelity/<preset>.server.json`).
fn seen_json(seen: &Seen, console: &[chromium::Message]) -> String {
    let conns: Vec<serde_json::Value> = seen
        .connections
        .iter()
        .map(|c| {
            json!({
                "host": c.host, "tls": c.tls, "alpn": c.alpn, "clientPort": c.client_port,
                "acceptedMs": seen.ms(c.accepted), "closedMs": c.closed.map(|t| seen.ms(t)),
                "requests": c.requests.iter().filter_map(|i| seen.requests.iter().find(|r| r.id == *i)).map(|r| json!({
                    "method": r.method, "url": r.url, "status": r.status,
                    "arrivedMs": seen.ms(r.arrived), "respondedMs": r.responded.map(|t| seen.ms(t)),
                    "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let console: Vec<serde_json::Value> = console
        .iter()
        .map(|m| json!({"level": m.level, "source": m.source, "message": m.text}))
        .collect();
    serde_json::to_string_pretty(&json!({"connections": conns, "console": console}))
        .unwrap_or_default()
}

fn chromium_version() -> String {
    std::process::Command::new(chromium::CHROMIUM)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// The report, in Markdown.
pub fn report(results: &[PresetResult], version: &str, seconds: f64) -> String {
    let mut r = String::new();
    let unexplained: usize = results
        .iter()
        .map(|p| {
            p.differences
                .iter()
                .filter(|d| d.explained_by.is_none())
                .count()
        })
        .sum();
    let failed = results.iter().filter(|p| p.failed.is_some()).count();
    let _ = writeln!(r, "# wirewalk fidelity report\n");
    let _ = writeln!(
        r,
        "{version}, driven by chromedriver, against the model's loads of the same presets. {} preset(s) in {seconds:.1} s: {} unexplained difference(s), {failed} preset(s) not compared.\n",
        results.len(),
        unexplained
    );
    let _ = writeln!(
        r,
        "| preset | requests model / Chromium | connections model / Chromium | differences | explained | UNEXPLAINED | time |"
    );
    let _ = writeln!(r, "|---|---|---|---|---|---|---|");
    for p in results {
        if let Some(why) = &p.failed {
            let _ = writeln!(
                r,
                "| {} | not compared: {} | | | | | {:.1} s |",
                p.name,
                cell(why),
                p.seconds
            );
            continue;
        }
        let e = p
            .differences
            .iter()
            .filter(|d| d.explained_by.is_some())
            .count();
        let _ = writeln!(
            r,
            "| {} | {} / {} | {} / {} | {} | {} | {} | {:.1} s |",
            p.name,
            p.view.network().len(),
            p.seen.requests.len(),
            p.view.connections.len(),
            p.seen.connections.len(),
            p.differences.len(),
            e,
            p.differences.len() - e,
            p.seconds
        );
    }
    for p in results {
        let _ = writeln!(r, "\n## {} ({})\n", p.name, p.url);
        if let Some(why) = &p.failed {
            let _ = writeln!(r, "Not compared: {why}");
            continue;
        }
        for n in &p.notes {
            let _ = writeln!(r, "- {n}");
        }
        let _ = writeln!(
            r,
            "\nWhat the servers saw (times in ms after the first accept):\n"
        );
        let _ = writeln!(
            r,
            "| # | origin | ALPN | client port | accepted | closed | requests (arrival ms) |"
        );
        let _ = writeln!(r, "|---|---|---|---|---|---|---|");
        for (i, c) in p.seen.connections.iter().enumerate() {
            let reqs: Vec<String> = c
                .requests
                .iter()
                .filter_map(|id| p.seen.requests.iter().find(|q| q.id == *id))
                .map(|q| {
                    let path = q.url.splitn(4, '/').nth(3).unwrap_or("");
                    format!("{} /{path} ({:.1})", q.method, p.seen.ms(q.arrived))
                })
                .collect();
            let _ = writeln!(
                r,
                "| {} | {}://{} | {} | {} | {:.1} | {} | {} |",
                i + 1,
                if c.tls { "https" } else { "http" },
                c.host,
                c.alpn.as_deref().unwrap_or("-"),
                c.client_port,
                p.seen.ms(c.accepted),
                c.closed
                    .map_or("open".into(), |t| format!("{:.1}", p.seen.ms(t))),
                cell(&reqs.join(", "))
            );
        }
        let sockets: Vec<&server::SeenRequest> = (p.seen.requests.iter())
            .filter(|q| !q.frames.is_empty())
            .collect();
        if !sockets.is_empty() {
            let _ = writeln!(
                r,
                "\nWebSocket frames from Chromium, as the servers read them:\n"
            );
            for q in sockets {
                let _ = writeln!(r, "- {}: {}", q.url, q.frames.join(", "));
            }
        }
        if !p.console.is_empty() {
            let _ = writeln!(r, "\nChromium's console:\n");
            for m in &p.console {
                let _ = writeln!(r, "- {} ({}): {}", m.level, m.source, cell(&m.text));
            }
        }
        if p.differences.is_empty() {
            let _ = writeln!(r, "\nNo differences.");
            continue;
        }
        let _ = writeln!(r, "\n| | what | subject | model | Chromium |");
        let _ = writeln!(r, "|---|---|---|---|---|");
        for d in &p.differences {
            let verdict = match d.explained_by {
                Some(e) => format!("explained ({})", e.id),
                None => "**UNEXPLAINED**".into(),
            };
            let _ = writeln!(
                r,
                "| {verdict} | {} | {} | {} | {} |",
                d.area.label(),
                cell(&d.subject),
                cell(&d.model),
                cell(&d.chromium)
            );
        }
    }
    let _ = writeln!(r, "\n## Explanations\n");
    let _ = writeln!(r, "| id | why the difference is kept |");
    let _ = writeln!(r, "|---|---|");
    for e in compare::EXPLANATIONS {
        let _ = writeln!(r, "| {} | {} |", e.id, cell(e.reason));
    }
    r
}

/// Why the harness cannot serve the preset, if it cannot. Its servers answer HTTP, WebSockets
/// ([`ws`]), event streams over HTTP/1.1 and HTTP/2 and the feeds a `fetch()` polls; not an
/// event stream over HTTP/3.
fn unservable(sc: &load::PageScenario) -> Option<String> {
    let streams: Vec<&str> = (sc.responses.iter())
        .filter(|r| r.stream.is_some())
        .map(|r| r.url.as_str())
        .collect();
    if streams.is_empty() {
        return None;
    }
    let protocol = |url: &str| {
        let host = site::host_of(url);
        (sc.origins.iter())
            .find(|o| site::host_of(&o.origin) == host)
            .map_or(sc.protocol, |o| o.protocol)
    };
    if let Some(u) =
        (streams.iter()).find(|u| u.starts_with("https:") && protocol(u) == load::Protocol::H3)
    {
        return Some(format!(
            "{u}: the harness serves event streams over HTTP/1.1 and HTTP/2, not HTTP/3"
        ));
    }
    None
}

/// Pages a whole run also loads: the event streams over HTTP/2, where each is a stream of one
/// connection and nothing waits for a socket, and the ticker's other three ways of the
/// four-way comparison.
pub const OTHER_PROTOCOLS: &[&str] = &[
    "event-streams@h2",
    "realtime@polling",
    "realtime@long-polling",
    "realtime@sse",
];

/// The page a word names: a preset; `preset@h1` / `preset@h2`, the preset with every https
/// origin speaking that protocol (as `wirewalk page --protocol` makes it); or
/// `realtime@polling`, `@long-polling`, `@sse`, the ticker of `wirewalk page --preset realtime
/// --compare` done that way (the preset itself is its WebSocket).
pub fn scenario(word: &str) -> Option<PageScenario> {
    use wirewalk::model::realtime::{self, Technique};
    let (name, protocol) = match word.split_once('@') {
        Some((name, "h1")) => (name, Some(load::Protocol::Http1)),
        Some((name, "h2")) => (name, Some(load::Protocol::H2)),
        Some(("realtime", way)) => {
            let way = match way {
                "polling" => Technique::Polling,
                "long-polling" => Technique::LongPolling,
                "sse" => Technique::ServerSentEvents,
                _ => return None,
            };
            return Some(realtime::scenario(way));
        }
        Some(_) => return None,
        None => (word, None),
    };
    let sc = pages::preset(name)?;
    Some(protocol.map_or_else(|| sc.clone(), |p| sc.with_protocol(p)))
}

/// `cargo xtask fidelity [PRESET…]`: the exit status (0 no unexplained difference, 1 some or a
/// failure, 2 misused).
pub fn run(words: &[String], out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> u8 {
    let names: Vec<String> = if words.is_empty() {
        (pages::NAMES.iter().chain(OTHER_PROTOCOLS))
            .filter(|n| scenario(n).is_some_and(|sc| unservable(&sc).is_none()))
            .map(|s| s.to_string())
            .collect()
    } else {
        words.to_vec()
    };
    if let Some(bad) = names.iter().find(|n| scenario(n).is_none()) {
        let _ = writeln!(
            err,
            "xtask fidelity: {bad:?} is not a preset, or a preset@h1 or @h2 (presets: {})",
            pages::NAMES.join(", ")
        );
        return 2;
    }
    if let Some((n, why)) = (names.iter()).find_map(|n| Some((n, unservable(&scenario(n)?)?))) {
        let _ = writeln!(err, "xtask fidelity: {n}: {why}");
        return 2;
    }
    let dir =
        PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()))
            .join("fidelity");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let _ = writeln!(err, "xtask fidelity: {}: {e}", dir.display());
        return 1;
    }
    let t = Instant::now();
    let driver = match chromium::Driver::start() {
        Ok(d) => d,
        Err(e) => {
            let _ = writeln!(err, "xtask fidelity: {e}");
            return 1;
        }
    };
    let mut results = Vec::new();
    for name in &names {
        let _ = writeln!(out, "xtask fidelity: {name}…");
        let t = Instant::now();
        let result = run_preset(&driver, name, &dir).unwrap_or_else(|e| PresetResult {
            name: name.clone(),
            url: scenario(name).map(|p| p.url).unwrap_or_default(),
            notes: vec![],
            seen: Seen::default(),
            view: ModelView {
                requests: vec![],
                connections: vec![],
                console: vec![],
            },
            differences: vec![],
            console: vec![],
            seconds: t.elapsed().as_secs_f64(),
            failed: Some(e),
        });
        results.push(result);
    }
    drop(driver);
    let text = report(&results, &chromium_version(), t.elapsed().as_secs_f64());
    let path = dir.join("report.md");
    if let Err(e) = std::fs::write(&path, &text) {
        let _ = writeln!(err, "xtask fidelity: {}: {e}", path.display());
        return 1;
    }
    let _ = writeln!(
        out,
        "{text}\nxtask fidelity: the report is {}",
        path.display()
    );
    let bad = results
        .iter()
        .any(|p| p.failed.is_some() || p.differences.iter().any(|d| d.explained_by.is_none()));
    u8::from(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_become_cdp_parameters() {
        let p = cookie_params(
            "https://pay.example/",
            "wallet=77ab; SameSite=None; Secure; HttpOnly",
        );
        assert_eq!(p["name"], "wallet");
        assert_eq!(p["value"], "77ab");
        assert_eq!(p["sameSite"], "None");
        assert_eq!(
            (p["secure"].clone(), p["httpOnly"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(
            cookie_params("https://a/", "theme=dark")["secure"],
            json!(null)
        );
    }

    #[test]
    fn words_name_presets_over_a_protocol_and_what_cannot_be_served_says_why() {
        let h2 = scenario("event-streams@h2").expect("a page");
        assert_eq!(h2.protocol, load::Protocol::H2);
        assert_eq!(unservable(&h2), None);
        assert_eq!(
            scenario("event-streams@h1").map(|s| s.protocol),
            Some(load::Protocol::Http1)
        );
        assert!(scenario("event-streams@h3").is_none() && scenario("nope").is_none());
        assert!(scenario("realtime@long-polling").is_some_and(|s| unservable(&s).is_none()));
        assert!(scenario("realtime@carrier-pigeon").is_none());
        let h3 = pages::preset("event-streams")
            .expect("a page")
            .with_protocol(load::Protocol::H3);
        assert!(unservable(&h3).is_some_and(|w| w.contains("not HTTP/3")));
        assert!(OTHER_PROTOCOLS.iter().all(|w| scenario(w).is_some()));
    }

    #[test]
    fn every_preset_has_hosts_and_a_loopback_model() {
        for name in pages::NAMES {
            let sc = pages::preset(name).unwrap();
            let hosts = hosts_of(&sc).unwrap();
            assert!(!hosts.is_empty(), "{name}");
            let l = loopback(&sc, &hosts);
            assert!(load::run(&l).is_ok(), "{name}");
        }
    }
}
