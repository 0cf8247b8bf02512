//! Precompressed copies of the bundle: `<file>.gz` beside each text and wasm file of `dist/`.
//!
//! The copies are gzip (RFC 1952), written with Zopfli, which searches much harder than
//! `gzip -9` for the same format: the module is about 5% smaller, and every browser reads it as
//! plain gzip. `cargo xtask serve` sends the copy with `Content-Encoding: gzip` to a browser that
//! accepts gzip, as static servers do with such files (nginx's `gzip_static`, for one); a host
//! that compresses on the fly with its own settings sends more. `make bench` reports both sizes.
//!
//! A copy is written again only when its file changed (the copy is older), so a second
//! `make build` with an unchanged module costs nothing.

use std::path::{Path, PathBuf};

/// Files worth compressing: everything the page loads that is not already compressed.
const EXTENSIONS: [&str; 5] = ["wasm", "js", "css", "html", "svg"];

/// Zopfli's iterations: its documented good value for files of this size.
const ITERATIONS: u64 = 15;

/// `bytes` as a gzip member, made with Zopfli (no file name, modification time 0).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(ITERATIONS).unwrap_or(std::num::NonZeroU64::MIN),
        ..zopfli::Options::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    zopfli::compress(options, zopfli::Format::Gzip, bytes, &mut out)?;
    Ok(out)
}

/// `<file>.gz` beside `path`.
fn copy_path(path: &Path) -> PathBuf {
    let mut gz = path.as_os_str().to_owned();
    gz.push(".gz");
    PathBuf::from(gz)
}

/// `path`'s precompressed copy, if it exists and is at least as new as the file.
pub fn fresh_copy(path: &Path) -> Option<PathBuf> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let gz = copy_path(path);
    (modified(&gz)? >= modified(path)?).then_some(gz)
}

/// Writes `<file>.gz` for each bundle file in `dir` that needs it; returns a summary line.
pub fn compress_bundle(dir: &Path) -> Result<String, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let (mut files, mut raw, mut packed) = (0, 0, 0);
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
        })
        .collect();
    paths.sort();
    for path in paths {
        let name = path.display().to_string();
        let gz = copy_path(&path);
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
        let size = if let Some(gz) = fresh_copy(&path) {
            std::fs::metadata(&gz).map_or(0, |m| m.len())
        } else {
            let out = gzip(&bytes).map_err(|e| format!("cannot compress {name}: {e}"))?;
            std::fs::write(&gz, &out).map_err(|e| format!("cannot write {}: {e}", gz.display()))?;
            out.len() as u64
        };
        files += 1;
        raw += bytes.len() as u64;
        packed += size;
    }
    Ok(format!(
        "{files} files, {raw} bytes, {packed} bytes as gzip (Zopfli)"
    ))
}

#[cfg(test)]
mod tests {
    use super::gzip;

    /// The copy is a gzip member any reader takes back to the original bytes.
    #[test]
    fn round_trips_through_gzip() {
        let text: Vec<u8> = (0..1_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let packed = gzip(&text).unwrap_or_default();
        assert_eq!(&packed[..3], &[0x1f, 0x8b, 8], "gzip magic and deflate");
        let mut child = std::process::Command::new("gzip")
            .arg("-dc")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("gzip runs");
        if let Some(mut stdin) = child.stdin.take() {
            std::io::Write::write_all(&mut stdin, &packed).expect("write");
        }
        let out = child.wait_with_output().expect("gzip -dc");
        assert!(out.status.success());
        assert_eq!(out.stdout, text);
    }
}
