//! Snapshot files: a text the model computes must equal the file that holds it. To accept a
//! deliberate change, run with `WIREWALK_UPDATE_SNAPSHOTS=1` and review the diff; every
//! difference needs its reason in the commit message.

use std::path::Path;

/// Compares `text` with the file at `path` (or writes it, when updating). Returns what differs,
/// as a message naming the file, the first line that differs and both versions of it.
pub fn check(name: &str, path: &Path, text: &str) -> Option<String> {
    if std::env::var_os("WIREWALK_UPDATE_SNAPSHOTS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("snapshot folder");
        }
        std::fs::write(path, text).expect("write snapshot");
        return None;
    }
    match std::fs::read_to_string(path) {
        Ok(old) if old == text => None,
        Ok(old) => {
            let line = old
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(old.lines().count().min(text.lines().count()));
            Some(format!(
                "{name}: differs from {} at line {}:\n  was: {}\n  now: {}",
                path.display(),
                line + 1,
                old.lines().nth(line).unwrap_or("(end)"),
                text.lines().nth(line).unwrap_or("(end)")
            ))
        }
        Err(_) => Some(format!(
            "{name}: no snapshot at {} (run with WIREWALK_UPDATE_SNAPSHOTS=1)",
            path.display()
        )),
    }
}
