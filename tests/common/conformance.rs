//! Where the conformance data is, for every test crate (included with `#[path]`).

use std::path::PathBuf;

/// `../shared/conformance` beside the repository, or `$WIREWALK_CONFORMANCE`. A test that needs
/// it and cannot find it fails, saying so: it never passes without having run.
pub fn conformance_dir() -> PathBuf {
    let dir = std::env::var_os("WIREWALK_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"));
    assert!(
        dir.is_dir(),
        "the conformance data is missing: expected {} (the shared/ folder beside the repository), \
         or set WIREWALK_CONFORMANCE to its path",
        dir.display()
    );
    dir
}
