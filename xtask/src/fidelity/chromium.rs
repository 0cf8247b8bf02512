//! Debian's Chromium, driven through Debian's chromedriver (W3C WebDriver over HTTP on
//! 127.0.0.1), with the switches the repository's recordings were made with
//! (`../shared/conformance/chromium-recordings/README.md`): a fresh profile, no background
//! networking, HTTPS-Upgrades off, every page host mapped to its loopback server and every
//! other name refused. chromedriver's browser log (`goog:loggingPrefs`) is the console.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The switches of the recordings (a subset of playwright's), less the NetLog's.
const SWITCHES: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-field-trial-config",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--mute-audio",
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,OptimizationHints,NetworkTimeServiceQuerying,PreconnectToSearch,AimEnabled,MediaRouter",
    "--no-proxy-server",
    "--window-size=1280,800",
];

/// A running chromedriver.
pub struct Driver {
    child: Child,
    port: u16,
}

/// One Chromium, with its own profile.
pub struct Session {
    port: u16,
    id: String,
}

/// A console message, as chromedriver's browser log gives it.
#[derive(Clone, Debug)]
pub struct Message {
    pub level: String,
    pub source: String,
    pub text: String,
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// One WebDriver call: `method path` with a JSON body; the answer's JSON.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("chromedriver on port {port}: {e}"))?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())
        .map_err(|e| format!("chromedriver {path}: {e}"))?;
    // chromedriver may keep the connection open: read the head, then what it announces.
    let mut reader = std::io::BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut reader, &mut line)
            .map_err(|e| format!("chromedriver {path}: {e}"))?;
        if n == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let lower = head.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = Vec::new();
    if let Some(n) = length {
        body.resize(n, 0);
        reader
            .read_exact(&mut body)
            .map_err(|e| format!("chromedriver {path}: {e}"))?;
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            std::io::BufRead::read_line(&mut reader, &mut size)
                .map_err(|e| format!("chromedriver {path}: {e}"))?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader
                .read_exact(&mut chunk)
                .map_err(|e| format!("chromedriver {path}: {e}"))?;
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        reader
            .read_to_end(&mut body)
            .map_err(|e| format!("chromedriver {path}: {e}"))?;
    }
    let json_text = String::from_utf8_lossy(&body).into_owned();
    let v: Value = serde_json::from_str(&json_text)
        .map_err(|e| format!("chromedriver {path}: not JSON ({e}): {json_text:.200}"))?;
    let status = head.split(' ').nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!(
            "chromedriver {method} {path} answered {status}: {v}"
        ));
    }
    Ok(v)
}

impl Driver {
    pub fn start() -> Result<Driver, String> {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(bin).exists() {
                return Err(format!(
                    "{bin} is missing (scripts/bootstrap.sh browser installs Debian's chromium and chromium-driver; `make fidelity` runs it)"
                ));
            }
        }
        let port = free_port()?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {CHROMEDRIVER}: {e}"))?;
        let d = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = call(port, "GET", "/status", None) {
                if v["value"]["ready"] == true {
                    return Ok(d);
                }
            }
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready in 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A new Chromium with `profile` as its user data folder, `rules` its host-resolver rules.
    /// `spki`: the servers' certificate key hash; `netlog`: where Chromium writes its NetLog.
    pub fn session(
        &self,
        profile: &Path,
        rules: &str,
        spki: &str,
        netlog: Option<&Path>,
    ) -> Result<Session, String> {
        let mut args: Vec<String> = SWITCHES.iter().map(|s| s.to_string()).collect();
        // The servers' self-signed certificate is trusted by its key, not merely let through
        // (`--ignore-certificate-errors` leaves an error on the connection, and Chromium then
        // neither caches the responses nor honours Strict-Transport-Security).
        args.push(format!("--ignore-certificate-errors-spki-list={spki}"));
        if let Some(p) = netlog {
            args.push(format!("--log-net-log={}", p.display()));
            args.push("--net-log-capture-mode=Default".into());
        }
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--host-resolver-rules={rules}"));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let v = call(self.port, "POST", "/session", Some(&caps))?;
        let id = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("chromedriver made no session: {v}"))?
            .to_string();
        Ok(Session {
            port: self.port,
            id,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Session {
    fn path(&self, tail: &str) -> String {
        format!("/session/{}{tail}", self.id)
    }

    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        call(
            self.port,
            "POST",
            &self.path("/goog/cdp/execute"),
            Some(&json!({"cmd": cmd, "params": params})),
        )
    }

    /// Loads `url` and returns once the load event has fired.
    pub fn navigate(&self, url: &str) -> Result<(), String> {
        call(
            self.port,
            "POST",
            &self.path("/url"),
            Some(&json!({ "url": url })),
        )
        .map(|_| ())
    }

    /// The console messages since the last call.
    pub fn console(&self) -> Result<Vec<Message>, String> {
        let v = call(
            self.port,
            "POST",
            &self.path("/se/log"),
            Some(&json!({"type": "browser"})),
        )?;
        Ok(v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| Message {
                        level: m["level"].as_str().unwrap_or("").to_string(),
                        source: m["source"].as_str().unwrap_or("").to_string(),
                        text: m["message"].as_str().unwrap_or("").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Closes Chromium (its connections close with it).
    pub fn quit(self) -> Result<(), String> {
        call(self.port, "DELETE", &self.path(""), None).map(|_| ())
    }
}

/// A new empty profile folder under `target/fidelity/`.
pub fn profile_dir(root: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = root.join(format!("profile-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}
