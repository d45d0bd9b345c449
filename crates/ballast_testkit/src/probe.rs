// Where the conformance corpus is, and whether it is there. One file read
// two ways: as a module of the test kit (at run time) and, through
// `include!`, by the build scripts of the crates whose tests need the
// corpus, so that such a test shows in cargo's summary as ignored, with the
// reason, when the corpus is missing. With `CI` set nothing is ignored: a
// missing corpus fails the tests.

/// `$BALLAST_CORPUS`, else `shared/corpus` beside the repository
/// (`crate_dir` is a crate's directory, `crates/NAME`).
pub fn corpus_location(crate_dir: &std::path::Path) -> std::path::PathBuf {
    std::env::var_os("BALLAST_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../../shared/corpus"))
}

/// Whether `dir` holds the corpus.
pub fn corpus_present(dir: &std::path::Path) -> bool {
    dir.join("buildkit-parser").is_dir()
}

/// For build scripts: `cfg(ballast_no_corpus)` when the corpus is missing
/// and `CI` is not set; tests mark themselves
/// `#[cfg_attr(ballast_no_corpus, ignore = "...")]`.
#[allow(dead_code)]
pub fn declare_corpus_cfg() {
    println!("cargo::rustc-check-cfg=cfg(ballast_no_corpus)");
    println!("cargo::rerun-if-env-changed=BALLAST_CORPUS");
    println!("cargo::rerun-if-env-changed=CI");
    let crate_dir =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = corpus_location(&crate_dir);
    // Missing, the path makes cargo run this again each build: it is seen when it appears.
    println!("cargo::rerun-if-changed={}", dir.display());
    if !corpus_present(&dir) && std::env::var_os("CI").is_none() {
        println!("cargo::rustc-cfg=ballast_no_corpus");
    }
}
