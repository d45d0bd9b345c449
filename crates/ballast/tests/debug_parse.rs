//! `ballast debug parse` end to end: BuildKit's dumps through the binary,
//! positioned errors with exit status 2, and the JSON shape.

use std::path::PathBuf;

mod common;
use common::run;
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    ballast_testkit::corpus::corpus_dir()
}

/// `ballast` in the repository root (the tests pass absolute paths).
fn ballast() -> assert_cmd::Command {
    common::ballast(&common::root())
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn reproduces_every_buildkit_dump() {
    let Some(corpus) = corpus() else { return };
    let mut n = 0;
    for entry in std::fs::read_dir(corpus.join("buildkit-parser/testfiles")).unwrap() {
        let case = entry.unwrap().path();
        let expected = std::fs::read_to_string(case.join("result")).unwrap();
        let out = ballast()
            .args(["debug", "parse", "--dump", "buildkit"])
            .arg(case.join("Dockerfile"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", case.display());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected,
            "{}",
            case.display()
        );
        n += 1;
    }
    assert!(n >= 33);
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn negatives_exit_2_with_a_positioned_message() {
    let Some(corpus) = corpus() else { return };
    for entry in std::fs::read_dir(corpus.join("buildkit-parser/testfiles-negative")).unwrap() {
        let file = entry.unwrap().path().join("Dockerfile");
        let out = ballast()
            .args(["debug", "parse"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let stderr = String::from_utf8(out.stderr).unwrap();
        let first = stderr.lines().next().unwrap();
        let prefix = format!("{}:", file.display());
        let rest = first
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{first}"));
        let mut parts = rest.splitn(3, ':');
        assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{first}");
        assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{first}");
        assert!(!parts.next().unwrap().trim().is_empty(), "{first}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn json_dump_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    std::fs::write(
        &file,
        "FROM python:3.11 AS base\nENV A=1 B=\"2 3\"\nCOPY --from=base [\"a\", \"b\"]\nRUN <<EOF\necho hi\nEOF\nONBUILD RUN echo x\n",
    )
    .unwrap();
    let out = run(
        ballast()
            .args(["debug", "parse", "--dump", "json"])
            .arg(&file),
        0,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[1]["cmd"], "ENV");
    assert_eq!(
        items[1]["value"],
        serde_json::json!(["A", "1", "=", "B", "\"2 3\"", "="])
    );
    assert_eq!(items[2]["flags"], serde_json::json!(["--from=base"]));
    assert_eq!(items[2]["json"], true);
    assert_eq!(items[3]["start_line"], 4);
    assert_eq!(items[3]["end_line"], 6);
    assert_eq!(
        items[3]["heredocs"],
        serde_json::json!([{"name": "EOF", "content": "echo hi\n"}])
    );
    assert_eq!(items[4]["sub_cmd"], "RUN");
    assert_eq!(items[4]["value"], serde_json::json!(["echo x"]));
}

#[test]
fn bad_input_is_one_clear_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    std::fs::write(&file, b"FROM a\nRUN \xff\n").unwrap();
    let out = run(ballast().args(["debug", "parse"]).arg(&file), 2);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:2:5: the file is not valid UTF-8",
            file.display()
        )),
        "{stderr}"
    );

    let out = run(
        ballast().args(["debug", "parse", "/nonexistent/Dockerfile"]),
        2,
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("/nonexistent/Dockerfile")
    );

    let out = run(
        ballast()
            .args(["debug", "parse", "-"])
            .write_stdin("FROM a\nCMD [\"x\", [1]]\n"),
        2,
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("<stdin>:2:1: when using JSON array syntax")
    );
}
