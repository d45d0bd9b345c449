// Where the conformance corpus is, and whether it is there. One file read
// two ways: as a module of the test kit (at run time) and, through
// `include!`, by the build scripts of the crates whose tests need the
// corpus, so that such a test shows in cargo's summary as ignored, with the
// reason, when the corpus is missing. With `CI` set nothing is ignored: a
// missing corpus fails the tests.

/// `$BALLAST_CORPUS`, else `shared/corpus` beside the repository
/// (`crate_dir` is a crate's directory, `crates/NAME`).
#[allow(dead_code)]
pub fn corpus_location(crate_dir: &std::path::Path) -> std::path::PathBuf {
    std::env::var_os("BALLAST_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../../shared/corpus"))
}

/// Whether `dir` holds the corpus.
#[allow(dead_code)]
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

/// Marks the tests that read the multi-GB image `bench/ml-image.sh` builds
/// as ignored, with their reason, when it has not been built (in CI too: it
/// is data a benchmark makes, ~3.5 GB of wheels, not a tool CI installs).
#[allow(dead_code)]
pub fn declare_bench_image_cfg() {
    println!("cargo::rustc-check-cfg=cfg(ballast_no_bench_image)");
    let crate_dir =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let image = crate_dir.join("../../bench/results/inspect/ml.docker-archive.tar");
    // Missing, the path makes cargo run this again each build: it is seen when it appears.
    println!("cargo::rerun-if-changed={}", image.display());
    if !image.is_file() {
        println!("cargo::rustc-cfg=ballast_no_bench_image");
    }
}

/// A program a test runs: `$var` when set (it must exist), else `name` on PATH.
#[allow(dead_code)]
pub fn tool_path(name: &str, var: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        let path = std::path::PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    on_path(name)
}

/// `name` in a directory of PATH.
#[allow(dead_code)]
pub fn on_path(name: &str) -> Option<std::path::PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The effective user id, from `/proc/self/status` (`Uid: real effective ...`).
#[allow(dead_code)]
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Whether this machine can run the real-engine tests: they start their own
/// dockerd and debootstrap base images, which needs both installed and root.
#[allow(dead_code)]
pub fn engine_available() -> Result<(), String> {
    for tool in ["dockerd", "debootstrap"] {
        let sbin = std::path::Path::new("/usr/sbin").join(tool);
        if on_path(tool).is_none() && !sbin.is_file() {
            return Err(format!("{tool} is not installed"));
        }
    }
    if !std::path::Path::new("/usr/bin/docker").is_file() {
        return Err("/usr/bin/docker (the docker.io client with BuildKit) is not installed".into());
    }
    match effective_uid() {
        Some(0) => Ok(()),
        Some(uid) => Err(format!(
            "these tests start their own dockerd and debootstrap a base image: they need root (running as uid {uid})"
        )),
        None => Err("cannot tell the user this runs as (no /proc/self/status)".into()),
    }
}

/// For build scripts: `cfg(ballast_no_<name>)` for each tool (name, variable)
/// that is missing, and `cfg(ballast_no_engine)` when the real-engine tests
/// cannot run; tests mark themselves `#[cfg_attr(ballast_no_dive, ignore =
/// "...")]`. Nothing is set with `CI`: there a missing tool fails its tests.
#[allow(dead_code)]
pub fn declare_tool_cfgs(tools: &[(&str, &str)]) {
    let ci = std::env::var_os("CI").is_some();
    println!("cargo::rerun-if-env-changed=CI");
    for (name, var) in tools {
        let cfg = format!("ballast_no_{}", name.replace('-', "_"));
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={var}");
        if !ci && tool_path(name, var).is_none() {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    println!("cargo::rustc-check-cfg=cfg(ballast_no_engine)");
    if !ci && engine_available().is_err() {
        println!("cargo::rustc-cfg=ballast_no_engine");
    }
}
