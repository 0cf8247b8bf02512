//! A small static file server for the built bundle, on 127.0.0.1 only.
//!
//! `make run` serves `dist/` with it, and the browser tests start one on a free port. It answers
//! GET and HEAD for files under its root, with the content types the app needs (`application/wasm`
//! lets the browser compile the module while it downloads), and refuses anything that would
//! leave the root. One thread per connection, `Connection: close`: enough for one person and a
//! test browser, not a production server.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread::JoinHandle;

/// A running server. Dropping it leaves the thread running until the process ends.
pub struct Server {
    addr: SocketAddr,
    handle: JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 picks a free port) and serves `root` on a background thread.
    pub fn start(root: &Path, port: u16) -> std::io::Result<Server> {
        Server::start_under(root, port, "/")
    }

    /// As [`Server::start`], with `root` at the path `base` (`/wirewalk/`, say) as a static host
    /// serves a project site; anything outside `base` is not found.
    pub fn start_under(root: &Path, port: u16, base: &str) -> std::io::Result<Server> {
        let base = format!("/{}/", base.trim_matches('/')).replace("//", "/");
        if !root.join("index.html").is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} has no index.html (build it first)", root.display()),
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let root = root.to_path_buf();
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, base) = (root.clone(), base.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &root, &base);
                });
            }
        });
        Ok(Server { addr, handle })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks for as long as the server runs.
    pub fn wait(self) {
        let _ = self.handle.join();
    }
}

fn handle(stream: TcpStream, root: &Path, base: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read the headers: only Accept-Encoding changes the answer.
    let mut line = String::new();
    let mut gzip_ok = false;
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            gzip_ok |= name.trim().eq_ignore_ascii_case("accept-encoding") && accepts_gzip(value);
        }
        line.clear();
    }
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("");
    let target = words.next().unwrap_or("/");
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut out,
            "405 Method Not Allowed",
            "text/plain",
            b"",
            method,
        );
    }
    let inside = target.strip_prefix(base).map(|rest| format!("/{rest}"));
    match inside.and_then(|t| resolve(root, &t)) {
        Some(path) => match read_encoded(&path, gzip_ok) {
            Ok((body, encoding)) => respond_with(
                &mut out,
                "200 OK",
                content_type(&path),
                encoding,
                &body,
                method,
            ),
            Err(_) => respond(
                &mut out,
                "404 Not Found",
                "text/plain",
                b"not found\n",
                method,
            ),
        },
        None => respond(
            &mut out,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            method,
        ),
    }
}

/// Maps a request target to a file under `root`; `None` for anything outside it.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let mut out = root.to_path_buf();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Whether an Accept-Encoding value allows gzip (RFC 9110 §12.5.3): listed, or `*`, and not
/// with `q=0`.
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .is_some_and(|q| q.trim().chars().all(|c| c == '0' || c == '.'))
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// The file's bytes, or those of its precompressed copy `<file>.gz` (see `compress`) when the
/// browser accepts gzip and the copy is at least as new as the file.
fn read_encoded(path: &Path, gzip_ok: bool) -> std::io::Result<(Vec<u8>, Option<&'static str>)> {
    if let Some(gz) = gzip_ok.then(|| crate::compress::fresh_copy(path)).flatten() {
        if let Ok(body) = std::fs::read(&gz) {
            return Ok((body, Some("gzip")));
        }
    }
    Ok((std::fs::read(path)?, None))
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    method: &str,
) -> std::io::Result<()> {
    respond_with(out, status, content_type, None, body, method)
}

fn respond_with(
    out: &mut TcpStream,
    status: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: &[u8],
    method: &str,
) -> std::io::Result<()> {
    let encoding = encoding.map_or(String::new(), |e| format!("Content-Encoding: {e}\r\n"));
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{encoding}Content-Length: {}\r\n\
         Vary: Accept-Encoding\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_leave_the_root() {
        let root = std::env::temp_dir().join("wirewalk-serve-test");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        assert!(resolve(&root, "/").is_some());
        assert!(resolve(&root, "/index.html?x=1").is_some());
        assert!(resolve(&root, "/../etc/passwd").is_none());
        assert!(resolve(&root, "/%2e%2e/etc/passwd").is_none());
        assert!(resolve(&root, "/%zz").is_none());
        assert!(resolve(&root, "/nope").is_none());
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        for (value, ok) in [
            ("gzip, deflate, br, zstd", true),
            (" GZIP", true),
            ("*", true),
            ("gzip;q=0.5", true),
            ("gzip;q=0", false),
            ("gzip; q=0.000", false),
            ("identity", false),
            ("", false),
        ] {
            assert_eq!(accepts_gzip(value), ok, "{value:?}");
        }
        let root = std::env::temp_dir().join(format!("wirewalk-serve-gz-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let file = root.join("app.js");
        std::fs::write(&file, "plain").unwrap();
        assert_eq!(
            read_encoded(&file, true).unwrap(),
            (b"plain".to_vec(), None)
        );
        std::fs::write(root.join("app.js.gz"), "packed").unwrap();
        assert_eq!(
            read_encoded(&file, true).unwrap(),
            (b"packed".to_vec(), Some("gzip"))
        );
        assert_eq!(
            read_encoded(&file, false).unwrap(),
            (b"plain".to_vec(), None)
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
