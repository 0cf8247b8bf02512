//! The `wirewalk` command line: the model's output as text or JSON.
//!
//! ```text
//! wirewalk url <input> [--base <url>] [--json]
//! wirewalk serve [--dir <dir>] [--port <port>]
//! ```
//!
//! Arguments are untrusted text: anything that is not valid gives a message and exit status 1 or 2
//! (2 for a usage error), never a panic.

use crate::model::url::{self, Origin, Part};
use std::ffi::OsString;
use std::io::Write;

const USAGE: &str = "usage:
  wirewalk url <input> [--base <url>] [--json]   parse a URL as a browser does (WHATWG)
  wirewalk serve [--dir <dir>] [--port <port>]   serve the built app on 127.0.0.1";

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
        Some("serve") => serve_command(&words[1..], out, err),
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

fn serve_command(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut dir = "dist".to_string();
    let mut port: u16 = 8080;
    let mut i = 0;
    while i < words.len() {
        let value = words.get(i + 1);
        match (words[i].as_str(), value) {
            ("--dir", Some(v)) => dir = v.clone(),
            ("--port", Some(v)) => match v.parse() {
                Ok(p) => port = p,
                Err(_) => {
                    let _ = writeln!(
                        err,
                        "wirewalk serve: --port takes a number from 0 to 65535\n{USAGE}"
                    );
                    return 2;
                }
            },
            (w, _) => {
                let _ = writeln!(err, "wirewalk serve: unexpected argument {w:?}\n{USAGE}");
                return 2;
            }
        }
        i += 2;
    }
    match crate::serve::Server::start(std::path::Path::new(&dir), port) {
        Ok(server) => {
            let _ = writeln!(out, "wirewalk: serving {dir} on http://{}/", server.addr());
            let _ = out.flush();
            server.wait();
            0
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "wirewalk serve: cannot serve {dir} on port {port}: {e}"
            );
            1
        }
    }
}
