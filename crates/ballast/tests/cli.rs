//! The command line as a user sees it: each command's whole output on the
//! example project and on bad input, exit code included, as snapshots in
//! insta_cmd's shape (`tests/snapshots/cli-*.snap`). A change to any output
//! shows here first; read the diff before accepting it.

mod common;

use common::{ballast, cmd_snapshot, root};

fn snapshot(name: &str, args: &[&str]) {
    let out = ballast(&root()).args(args).output().unwrap();
    let text = cmd_snapshot(args, &out);
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("cli-{name}"), text);
    });
}

#[test]
fn check_on_the_example() {
    snapshot("check", &["check", "examples/rag-service"]);
}

#[test]
fn check_as_markdown() {
    snapshot(
        "check-markdown",
        &["check", "examples/rag-service", "--format", "markdown"],
    );
}

#[test]
fn context_of_the_example() {
    snapshot("context", &["context", "examples/rag-service"]);
}

#[test]
fn rebuild_after_a_code_change() {
    snapshot(
        "rebuild",
        &[
            "rebuild",
            "examples/rag-service",
            "--changed",
            "app/main.py",
        ],
    );
}

#[test]
fn fix_as_a_diff() {
    snapshot(
        "fix-diff",
        &["fix", "--diff", "examples/rag-service/Dockerfile"],
    );
}

#[test]
fn a_rule_explained() {
    snapshot("rule", &["rule", "pip-cache-kept"]);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    snapshot("missing-file", &["lint", "no/such/Dockerfile"]);
    snapshot(
        "unknown-target",
        &["check", "examples/rag-service", "--target", "nope"],
    );
    snapshot(
        "bad-gate",
        &["inspect", "--max-category", "nope=1", "x.tar"],
    );
    snapshot(
        "unknown-rule",
        &["lint", "examples/rag-service", "--select", "no-such-rule"],
    );
}

#[test]
fn version_names_the_commit() {
    let out = ballast(&root()).arg("--version").output().unwrap();
    assert!(out.status.success());
    let version = String::from_utf8(out.stdout).unwrap();
    let head = std::process::Command::new("git")
        .args(["log", "-1", "--format=%h", "--abbrev=12"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built from this checkout: the version names its commit.
        Some(hash) => assert!(
            version.starts_with(&format!("ballast {} ({hash} ", env!("CARGO_PKG_VERSION"))),
            "{version}"
        ),
        None => assert_eq!(
            version.trim(),
            format!("ballast {}", env!("CARGO_PKG_VERSION"))
        ),
    }
}

#[test]
fn bench_refuses_bad_variants_before_building() {
    snapshot(
        "bench-variant-without-path",
        &["bench", "examples/rag-service", "--variant", "fast"],
    );
    snapshot(
        "bench-ladder-with-variants",
        &[
            "bench",
            "examples/rag-service",
            "--ladder",
            "--variant",
            "a=examples/rag-service/Dockerfile",
        ],
    );
}
