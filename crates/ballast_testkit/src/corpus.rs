//! The shared conformance corpus: `$BALLAST_CORPUS`, else `../shared/corpus`
//! beside the repository. With `CI` set, a missing corpus is a failure.

use std::path::PathBuf;

/// The corpus directory, or `None` (with a message) when it is missing
/// outside CI. Panics in CI when it is missing.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BALLAST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if dir.join("buildkit-parser").is_dir() {
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
