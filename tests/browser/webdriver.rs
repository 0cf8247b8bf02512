//! A small WebDriver client (W3C WebDriver over HTTP) for Debian's chromedriver + chromium,
//! plus the static server for the built bundle. Just what the browser tests need.
//!
//! Every session records the page's console: chromedriver's browser log (`goog:loggingPrefs`)
//! catches console errors, uncaught exceptions and failed loads; a script installed before the
//! page's own scripts also keeps `console.error` calls and `error` / `unhandledrejection` events.
//! [`Session::assert_no_errors`] fails on any of them.
#![allow(clippy::disallowed_methods)] // tests wait on real time

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The built release bundle: `$WIREWALK_DIST` or `dist/`. Missing means the tests cannot run,
/// which is a failure, not a skip.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("WIREWALK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "no built bundle at {}: the browser tests run against the release build (`make test` \
         builds it first, or run `make build`)",
        dir.display()
    );
    dir
}

/// axe-core's script, installed by scripts/bootstrap.sh from npm.
pub fn axe_source() -> String {
    let tools = std::env::var_os("WIREWALK_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wirewalk-tools"))
        })
        .unwrap_or_default();
    let path = tools.join("npm/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("axe-core is missing at {} ({e}): scripts/bootstrap.sh installs it (`make test` runs it)", path.display())
    })
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

pub struct Driver {
    child: Child,
    base: String,
}

impl Driver {
    pub fn start() -> Driver {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: the browser tests need Debian's chromium and chromium-driver \
                 (scripts/bootstrap.sh installs them; `make test` runs it)"
            );
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = ureq::get(&format!("{base}/status")).call() {
                let v: Value = r.into_json().unwrap_or(Value::Null);
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, base }
    }

    /// A new headless Chromium with its own empty profile, `width`×`height` CSS pixels.
    pub fn session(&self, width: u32, height: u32) -> Session {
        self.session_with(width, height, &[])
    }

    /// [`Self::session`] with more command-line switches (the benchmark's unthrottled frames).
    pub fn session_with(&self, width: u32, height: u32, extra: &[&str]) -> Session {
        self.new_session(width, height, extra, false)
    }

    /// [`Self::session`] with scrollbars drawn as a desktop draws them, taking room from what
    /// scrolls (headless Chromium hides them otherwise).
    pub fn session_showing_scrollbars(&self, width: u32, height: u32) -> Session {
        self.new_session(width, height, &[], true)
    }

    fn new_session(&self, width: u32, height: u32, extra: &[&str], scrollbars: bool) -> Session {
        let profile = std::env::temp_dir().join(format!("wirewalk-chromium-{}", free_port()));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ]
        .iter()
        .filter(|a| !(scrollbars && **a == "--hide-scrollbars"))
        .chain(extra)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args
            }
        }}});
        let v = post(&format!("{}/session", self.base), &caps);
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        let s = Session {
            url: format!("{}/session/{id}", self.base),
            profile,
        };
        s.set_viewport(width, height);
        // Keep every console error and uncaught exception, from before the app's scripts run.
        s.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": r#"
                window.__errors = [];
                const keep = (what) => window.__errors.push(String(what));
                const orig = console.error.bind(console);
                console.error = (...a) => { keep(a.join(' ')); orig(...a); };
                addEventListener('error', (e) => keep('error: ' + (e.message || e.target && e.target.src)), true);
                addEventListener('unhandledrejection', (e) => keep('unhandled rejection: ' + e.reason));
                document.addEventListener('securitypolicyviolation', (e) => keep('Content Security Policy: ' + e.violatedDirective + ' blocked ' + e.blockedURI));
            "#}),
        );
        s
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(url: &str, body: &Value) -> Value {
    match ureq::post(url).send_json(body.clone()) {
        Ok(r) => r.into_json().unwrap_or(Value::Null),
        Err(ureq::Error::Status(code, r)) => {
            let text = r.into_string().unwrap_or_default();
            panic!("WebDriver {url} answered {code}: {text}")
        }
        Err(e) => panic!("WebDriver {url}: {e}"),
    }
}

fn get(url: &str) -> Value {
    match ureq::get(url).call() {
        Ok(r) => r.into_json().unwrap_or(Value::Null),
        Err(e) => panic!("WebDriver {url}: {e}"),
    }
}

pub struct Session {
    url: String,
    profile: PathBuf,
}

#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        post(
            &format!("{}/goog/cdp/execute", self.url),
            &json!({"cmd": cmd, "params": params}),
        )
    }

    /// Makes the browser refuse requests to the addresses matching `patterns` (`*` any run of
    /// characters; none: nothing refused), as a dropped connection would.
    pub fn block_urls(&self, patterns: &[&str]) {
        self.cdp("Network.enable", json!({}));
        self.cdp("Network.setBlockedURLs", json!({ "urls": patterns }));
    }

    /// Sets the layout viewport exactly (the window size includes no browser chrome in headless
    /// mode, but this makes it certain), and the device as a phone when narrow.
    pub fn set_viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
    }

    pub fn dark_mode(&self, on: bool) {
        let value = if on { "dark" } else { "light" };
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
        );
    }

    pub fn goto(&self, url: &str) {
        post(&format!("{}/url", self.url), &json!({"url": url}));
    }

    pub fn js(&self, script: &str) -> Value {
        let v = post(
            &format!("{}/execute/sync", self.url),
            &json!({"script": script, "args": []}),
        );
        v["value"].clone()
    }

    /// Runs an async script: its last argument is the callback that returns the value.
    pub fn js_async(&self, script: &str) -> Value {
        let v = post(
            &format!("{}/execute/async", self.url),
            &json!({"script": script, "args": []}),
        );
        v["value"].clone()
    }

    /// Waits up to 10 s for `script` (a JS expression) to be truthy.
    pub fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.js(&format!("return !!({script});"));
            if v == true {
                return;
            }
            if Instant::now() > deadline {
                let errors = self.js("return window.__errors || [];");
                panic!("timed out waiting for {what} ({script}); page errors: {errors}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn find(&self, css: &str) -> Element {
        let v = post(
            &format!("{}/element", self.url),
            &json!({"using": "css selector", "value": css}),
        );
        match v["value"][ELEMENT_KEY].as_str() {
            Some(id) => Element(id.to_string()),
            None => panic!("no element {css}: {v}"),
        }
    }

    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        get(&format!("{}/element/{}/text", self.url, e.0))["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Empties a text field the way a person does, select-all then Backspace, so the page sees
    /// `input` events. (WebDriver's own Element Clear fires none, and a page that re-renders the
    /// field from its state would put the old text back.)
    pub fn clear(&self, e: &Element) {
        post(
            &format!("{}/element/{}/value", self.url, e.0),
            &json!({"text": "\u{E009}a\u{E000}\u{E003}"}),
        );
    }

    /// Types into an element the way a person does: key events, one character at a time.
    /// `\u{E007}` is the Enter key.
    pub fn type_text(&self, e: &Element, text: &str) {
        post(
            &format!("{}/element/{}/value", self.url, e.0),
            &json!({"text": text}),
        );
    }

    /// Scrolls the element to the middle of the view, as a person would before clicking it
    /// (the page has a sticky player at the bottom), then clicks it.
    pub fn click(&self, e: &Element) {
        post(
            &format!("{}/execute/sync", self.url),
            &json!({"script": "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});", "args": [{ELEMENT_KEY: e.0}]}),
        );
        post(&format!("{}/element/{}/click", self.url, e.0), &json!({}));
    }

    /// Saves a PNG of the viewport under `target/screenshots/<name>.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let v = get(&format!("{}/screenshot", self.url));
        save_png(name, v["value"].as_str())
    }

    /// Saves a PNG of the whole page, below the fold too.
    pub fn screenshot_full(&self, name: &str) -> PathBuf {
        let v = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        save_png(name, v["value"]["data"].as_str())
    }

    /// Fails on anything the page reported as an error: chromedriver's browser log at level
    /// SEVERE, and what the early script kept.
    pub fn assert_no_errors(&self) {
        let errors = self.errors();
        assert!(
            errors.is_empty(),
            "the page reported errors:\n{}",
            errors.join("\n")
        );
    }

    /// Everything the page reported as an error so far (see [`Self::assert_no_errors`]).
    pub fn errors(&self) -> Vec<String> {
        let log = post(&format!("{}/se/log", self.url), &json!({"type": "browser"}));
        let entries = log["value"].as_array().cloned().unwrap_or_default();
        let severe: Vec<String> = entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect();
        let kept = self.js("return window.__errors || [];");
        let kept: Vec<String> = kept
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        severe.into_iter().chain(kept).collect()
    }
}

fn save_png(name: &str, b64: Option<&str>) -> PathBuf {
    use base64::Engine;
    let b64 = b64.unwrap_or_else(|| panic!("no screenshot data for {name}"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("screenshot is base64");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    path
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url).call();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The release bundle served on 127.0.0.1 by wirewalk's own static server.
pub fn serve_dist() -> String {
    xtask_serve(&dist_dir())
}

/// `dir` served on 127.0.0.1 by wirewalk's own static server: its address.
pub fn xtask_serve(dir: &Path) -> String {
    let server = xtask::serve::Server::start(dir, 0).expect("serve a folder");
    // Dropping the handle detaches the thread: it serves until the test process ends.
    format!("http://{}/", server.addr())
}
