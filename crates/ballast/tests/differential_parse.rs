//! Runs `scripts/differential-parse.py` against BuildKit's own parser (the
//! `dockerfile` package) on the project's Dockerfiles, the example, the
//! BuildKit corpus and 300 generated files: no unexpected difference.
//! Needs `$BALLAST_PEERS_PYTHON` (an interpreter with `dockerfile`); `.ci/run`
//! provides it, and in CI its absence is a failure.

use std::path::PathBuf;
use std::process::Command;

#[test]
#[cfg_attr(
    ballast_no_peers_python,
    ignore = "needs $BALLAST_PEERS_PYTHON: a Python with the `dockerfile` package (.ci/run makes one)"
)]
fn parser_agrees_with_buildkit_except_documented_changes() {
    let Some(python) = ballast_testkit::tool_from_env(
        "BALLAST_PEERS_PYTHON",
        "a Python with the `dockerfile` package",
    ) else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("scripts/differential-parse.py"))
        .arg("--python")
        .arg(python)
        .arg("--ballast")
        .arg(env!("CARGO_BIN_EXE_ballast"))
        .args(["--generate", "300", "--seed", "7"])
        .arg(root.join("testdata/dockerfiles"))
        .arg(root.join("examples"));
    if let Some(corpus) = ballast_testkit::corpus::corpus_dir() {
        cmd.arg(corpus.join("buildkit-parser"));
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    ballast_testkit::assert_ran(&out, &format!("unexpected differences:\n{stdout}"));
    let summary = stdout.lines().last().unwrap_or("");
    assert!(summary.contains(", 0 unexpected"), "{summary}");
}
