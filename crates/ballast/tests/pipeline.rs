//! Every command that judges a project reads its Dockerfile once, parses
//! that text once and walks its build context once, however many parts
//! (lint, the image model's rounds of fixes, context, rebuild, restructure)
//! it reports: `BALLAST_TALLY` makes the binary say how often it did each.

mod common;

use common::{ballast, root};

/// The tally lines of one run, after checking it ran to a verdict.
fn tally(args: &[&str]) -> Vec<String> {
    let out = ballast(&root())
        .args(args)
        .env("BALLAST_TALLY", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: exit {:?}: {stderr}",
        out.status.code()
    );
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("tally: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn each_command_reads_parses_and_walks_the_project_once() {
    let df = "examples/rag-service/Dockerfile";
    let ctx = "examples/rag-service";
    let once = [
        format!("read {df} 1"),
        format!("parsed {df} 1"),
        format!("walked {ctx} 1"),
    ];
    let runs: [&[&str]; 8] = [
        &["check", ctx],
        &["check", ctx, "--format", "json"],
        &["lint", ctx],
        // The bases are looked up from the parse the lint then uses.
        &["lint", ctx, "--resolve-bases=daemon"],
        &["fix", "--diff", df],
        &["fix", "--restructure", "--diff", df],
        &["rebuild", ctx, "--changed", "app/main.py"],
        &["context", ctx],
    ];
    for args in runs {
        let lines = tally(args);
        assert_eq!(lines, once, "{args:?}");
    }
}

#[test]
fn the_tally_sees_a_second_read() {
    // The proof above can fail: two Dockerfiles of one context are two
    // reads and one walk shared by both.
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n"),
            ("Dockerfile.dev", "FROM python:3.12-slim\nCOPY . /src\n"),
        ],
    );
    let out = ballast(dir.path())
        .args(["lint", ".", "--format", "json"])
        .env("BALLAST_TALLY", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("tally: "))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "parsed ./Dockerfile 1",
            "parsed ./Dockerfile.dev 1",
            "read ./Dockerfile 1",
            "read ./Dockerfile.dev 1",
            "walked . 1",
        ],
        "{stderr}"
    );
}
