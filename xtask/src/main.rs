//! `cargo xtask <command>`: wirewalk's build-time tools (the alias is in `.cargo/config.toml`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask serve [--dir <dir>] [--port <port>] [--base <path>]
                                        serve the built app on 127.0.0.1 (at <path>, default /)
  cargo xtask shorten-imports [<dir>]   give the module's imports from its glue short names,
                                        in both files
  cargo xtask secure-bundle [<dir>]     move the start script out of dist/index.html and add
                                        the Content-Security-Policy
  cargo xtask compress-bundle [<dir>]   write <file>.gz (gzip by Zopfli) beside each file, which
                                        `serve` sends to browsers
  cargo xtask fidelity [<preset>[@h1|@h2]…]
                                        load the page presets in Debian's Chromium from loopback
                                        servers and compare with the model (target/fidelity/);
                                        @h2 serves every https origin over HTTP/2";

fn main() -> ExitCode {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let code = run(&words, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code)
}

/// Runs one command; the exit status (0 done, 1 failed, 2 misused).
pub fn run(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match words.first().map(String::as_str) {
        Some("serve") => serve(&words[1..], out, err),
        Some("fidelity") => xtask::fidelity::run(&words[1..], out, err),
        Some(step @ ("secure-bundle" | "compress-bundle" | "shorten-imports")) => {
            let dir = Path::new(words.get(1).map_or("dist", String::as_str));
            let done = match step {
                "secure-bundle" => xtask::csp::secure_bundle(dir),
                "shorten-imports" => xtask::imports::shorten_bundle(dir),
                _ => xtask::compress::compress_bundle(dir),
            };
            match done {
                Ok(msg) => {
                    let _ = writeln!(out, "xtask {step}: {msg}");
                    0
                }
                Err(e) => {
                    let _ = writeln!(err, "xtask {step}: {e}");
                    1
                }
            }
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

fn serve(words: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut dir = "dist".to_string();
    let mut port: u16 = 8080;
    let mut base = "/".to_string();
    let mut i = 0;
    while i < words.len() {
        let value = words.get(i + 1);
        match (words[i].as_str(), value) {
            ("--dir", Some(v)) => dir = v.clone(),
            ("--base", Some(v)) => base = v.clone(),
            ("--port", Some(v)) => match v.parse() {
                Ok(p) => port = p,
                Err(_) => {
                    let _ = writeln!(
                        err,
                        "xtask serve: --port takes a number from 0 to 65535\n{USAGE}"
                    );
                    return 2;
                }
            },
            (w, _) => {
                let _ = writeln!(err, "xtask serve: unexpected argument {w:?}\n{USAGE}");
                return 2;
            }
        }
        i += 2;
    }
    match xtask::serve::Server::start_under(Path::new(&dir), port, &base) {
        Ok(server) => {
            let base = format!("/{}/", base.trim_matches('/')).replace("//", "/");
            let _ = writeln!(
                out,
                "wirewalk: serving {dir} on http://{}{base}",
                server.addr()
            );
            let _ = out.flush();
            server.wait();
            0
        }
        Err(e) => {
            let _ = writeln!(err, "xtask serve: cannot serve {dir} on port {port}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::run;

    fn call(words: &[&str]) -> (u8, String) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&words, &mut out, &mut err);
        (code, String::from_utf8_lossy(&err).into_owned())
    }

    #[test]
    fn usage_errors_are_status_2_with_the_reason() {
        let (code, err) = call(&["serve", "--port", "x"]);
        assert_eq!(code, 2);
        assert!(err.contains("--port takes a number"), "{err}");
        let (code, err) = call(&["serve", "--nope", "1"]);
        assert_eq!(code, 2);
        assert!(err.contains("unexpected argument"), "{err}");
        assert_eq!(call(&["frobnicate"]).0, 2);
        assert_eq!(call(&[]).0, 2);
    }

    #[test]
    fn a_missing_bundle_is_a_failure_not_a_panic() {
        let dir = std::env::temp_dir().join("xtask-no-bundle-here");
        let _ = std::fs::create_dir_all(&dir);
        let d = dir.to_string_lossy().to_string();
        for step in ["secure-bundle", "shorten-imports"] {
            let (code, err) = call(&[step, &d]);
            assert_eq!(code, 1, "{step}: {err}");
        }
        let (code, err) = call(&["serve", "--dir", &d, "--port", "0"]);
        assert_eq!(code, 1, "{err}");
    }
}
