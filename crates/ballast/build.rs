//! Names the commit the binary is built from, for `ballast --version`
//! (`BALLAST_VERSION`: the version with a short hash and the commit date,
//! the version alone when the source is not a git checkout); marks the
//! tests that need the conformance corpus as ignored, with the reason, when
//! it is missing outside CI, and the tests that need a peer tool or a real
//! engine when they are (see ballast_testkit's probe.rs).

include!("../ballast_testkit/src/probe.rs");

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    declare_corpus_cfg();
    declare_bench_image_cfg();
    declare_tool_cfgs(&[
        ("hadolint", "BALLAST_HADOLINT"),
        ("peers-python", "BALLAST_PEERS_PYTHON"),
        ("groff", "BALLAST_GROFF"),
        ("docker-registry", "BALLAST_DOCKER_REGISTRY"),
        ("skopeo", "BALLAST_SKOPEO"),
        ("htpasswd", "BALLAST_HTPASSWD"),
        ("maturin", "BALLAST_MATURIN"),
        ("pre-commit", "BALLAST_PRE_COMMIT"),
        ("chromium", "BALLAST_CHROMIUM"),
        ("tmux", "BALLAST_TMUX"),
        ("pyspdxtools", "BALLAST_PYSPDXTOOLS"),
    ]);
    let commit = git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]);
    println!(
        "cargo:rustc-env=BALLAST_VERSION={}{}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        commit.map(|c| format!(" ({c})")).unwrap_or_default()
    );
    // A new commit or checkout moves HEAD or the branch it names.
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{head}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
