//! The shared conformance corpus: `$BALLAST_CORPUS`, else `../shared/corpus`
//! beside the repository. With `CI` set, a missing corpus is a failure.

use std::path::{Path, PathBuf};

/// The corpus directory, or `None` (with a message) when it is missing
/// outside CI. Panics in CI when it is missing.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = crate::probe::corpus_location(Path::new(env!("CARGO_MANIFEST_DIR")));
    if crate::probe::corpus_present(&dir) {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the conformance corpus is missing at {} (set BALLAST_CORPUS)",
        dir.display()
    );
    eprintln!(
        "SKIPPED: no conformance corpus at {} (set BALLAST_CORPUS)",
        dir.display()
    );
    None
}
