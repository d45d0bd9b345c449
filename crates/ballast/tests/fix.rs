//! `ballast fix`, `ballast fix --restructure` and `ballast check` end to end:
//! atomic in-place writes that keep permissions and touch only what they
//! report, `--diff` and `--check` writing nothing, standard input, the
//! restructured example (a snapshot), refusals, and the audit's formats.

mod common;

use common::{ballast, copy_dir, root, write};
use std::path::Path;

use serde_json::Value;

/// A copy of the bundled example in a temporary directory.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/rag-service"), dir.path());
    dir
}

/// No size or cache finding with a fix is left.
fn assert_nothing_fixable_left(v: &Value) {
    for f in v["findings"].as_array().unwrap() {
        let family = f["family"].as_str().unwrap();
        assert!(
            !matches!(family, "size" | "cache") || f["fix"].is_null(),
            "fixable finding left: {f}"
        );
    }
}

fn lint_json(dir: &Path) -> Value {
    let out = ballast(dir)
        .args(["lint", "--format", "json", "."])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

const NAIVE: &str = "# keep this comment\nFROM python:3.11-slim\n\nRUN apt-get update && apt-get install -y curl\nRUN pip install fastapi   # and this one\nADD app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n";

#[test]
fn safe_fixes_write_in_place_keep_the_rest_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Dockerfile", NAIVE),
            ("app.py", "print(1)\n"),
            (".dockerignore", ".git\n"),
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("Dockerfile"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
    }
    let out = ballast(dir.path())
        .args(["fix", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("fixed Dockerfile:4: BL103"), "{report}");
    assert!(report.contains("fixed Dockerfile:5: BL102"), "{report}");
    assert!(report.contains("fixed Dockerfile:6: BL403"), "{report}");
    let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(
        text,
        "# keep this comment\nFROM python:3.11-slim\n\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir fastapi   # and this one\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("Dockerfile"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // Unsafe fixes wait for the flag, then apply.
    assert!(report.contains("fixable with --unsafe-fixes"), "{report}");
    let out = ballast(dir.path())
        .args(["fix", "--unsafe-fixes", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        text.contains("--no-install-recommends") && text.contains("USER app"),
        "{text}"
    );
    // Fixing again changes nothing.
    let before = text.clone();
    ballast(dir.path())
        .args(["fix", "--unsafe-fixes", "Dockerfile"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        before
    );
}

#[test]
fn diff_and_check_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Dockerfile", NAIVE),
            ("app.py", "print(1)\n"),
            (".dockerignore", ".git\n"),
        ],
    );
    let out = ballast(dir.path())
        .args(["fix", "--diff", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-RUN pip install fastapi   # and this one\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+RUN pip install --no-cache-dir fastapi   # and this one\n"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        NAIVE
    );
    let out = ballast(dir.path())
        .args(["fix", "--check", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("would fix Dockerfile:5: BL102")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        NAIVE
    );
    // A clean file passes the check.
    write(
        dir.path(),
        &[("Dockerfile", "FROM python:3.11-slim\nUSER 10001\n")],
    );
    ballast(dir.path())
        .args(["fix", "--check", "Dockerfile"])
        .assert()
        .code(0);
}

#[test]
fn standard_input_goes_to_standard_output() {
    let out = ballast(&root())
        .args(["fix", "-"])
        .write_stdin("FROM python:3.11-slim\nRUN pip install x\n")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir x\n"
    );
    assert!(String::from_utf8(out.stderr).unwrap().contains("BL102"));
}

#[test]
fn a_broken_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "FROM python\nRUN <<EOF\nnever closed\n";
    write(dir.path(), &[("Dockerfile", broken)]);
    let out = ballast(dir.path())
        .args(["fix", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("error: Dockerfile:2:1:")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        broken
    );
}

#[test]
fn context_files_are_fixed_too() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "Dockerfile",
                "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER 10001\n",
            ),
            ("requirements.txt", "opencv-python==4.10.0.84\n"),
            (".dockerignore", ".git\n"),
        ],
    );
    let out = ballast(dir.path())
        .args(["fix", "--unsafe-fixes", "Dockerfile"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("[requirements.txt]")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("requirements.txt")).unwrap(),
        "opencv-python-headless==4.10.0.84\n"
    );
}

#[test]
fn unsafe_fixes_leave_no_fixable_size_or_cache_finding_on_the_example() {
    let dir = example();
    let out = ballast(dir.path())
        .args(["fix", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_nothing_fixable_left(&lint_json(dir.path()));
    let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        text.contains("FROM python:3.11-slim") && text.contains(" requirements.txt ./\n"),
        "{text}"
    );
}

#[test]
fn the_example_restructures_to_the_expected_file() {
    let dir = example();
    let out = ballast(dir.path())
        .args(["fix", "--restructure", "."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("restructured-example-Dockerfile", dockerfile);
        insta::assert_snapshot!("restructured-example-dockerignore", ignore);
    });
    // What lint still says: nothing fixable in size or cache.
    let v = lint_json(dir.path());
    assert_nothing_fixable_left(&v);
    for f in v["findings"].as_array().unwrap() {
        assert_ne!(f["code"], "BL301", "CPU torch");
        assert_ne!(f["code"], "BL401", "non-root");
        assert_ne!(f["code"], "BL201", "dependencies before code");
        assert_ne!(f["code"], "BL501", ".dockerignore written");
    }
    // Restructuring the result is refused: it already has stages.
    let out = ballast(dir.path())
        .args(["fix", "--restructure", "."])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("not restructured: the Dockerfile already has several stages")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        dockerfile
    );
}

#[test]
fn restructure_refuses_what_it_cannot_do_safely() {
    for (df, why) in [
        (
            "FROM python:3.11-alpine\nRUN pip install x\n",
            "not a Debian-based python image",
        ),
        (
            "FROM ubuntu:24.04\nRUN pip install x\n",
            "is not an official python image",
        ),
        ("FROM python:3.11\nRUN conda install -y numpy\n", "conda"),
        (
            "FROM python:3.11\nCOPY . /app\nRUN pip install /app\n",
            "the project itself is installed",
        ),
        (
            "FROM python:3.11\nCMD [\"python\"]\n",
            "no Python dependency install",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("Dockerfile", df)]);
        let out = ballast(dir.path())
            .args(["fix", "--restructure", "Dockerfile"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(why), "{df}: {text}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            df,
            "unchanged"
        );
    }
}

#[test]
fn restructure_uses_each_tool_idiom() {
    let cases = [
        (
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install uv && uv sync --frozen\nCMD [\"python\", \"-m\", \"svc\"]\n",
            "uv sync --frozen --no-install-project --no-dev",
            "UV_PROJECT_ENVIRONMENT=/opt/venv",
        ),
        (
            "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\nRUN poetry install\nCMD [\"python\", \"-m\", \"svc\"]\n",
            "poetry install --no-root --only main",
            "POETRY_VIRTUALENVS_CREATE=false",
        ),
    ];
    for (df, install, env) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("Dockerfile", df),
                (
                    "pyproject.toml",
                    "[project]\nname = \"svc\"\nversion = \"0\"\ndependencies = [\"fastapi\"]\n",
                ),
                ("uv.lock", "version = 1\n"),
                ("poetry.lock", "# lock\n"),
                ("svc/__main__.py", "print(1)\n"),
            ],
        );
        let out = ballast(dir.path())
            .args(["fix", "--restructure", "--diff", "Dockerfile"])
            .output()
            .unwrap();
        let diff = String::from_utf8(out.stdout).unwrap();
        assert!(diff.contains(install) && diff.contains(env), "{df}\n{diff}");
        assert!(
            diff.contains("+FROM python:") && diff.contains("-slim\n"),
            "{diff}"
        );
    }
}

#[test]
fn check_reports_everything_in_one_go() {
    let out = ballast(&root())
        .args(["check", "examples/rag-service"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "Lint: 12 problems",
        "Estimated savings:",
        "Build context: BuildKit sends",
        "Rebuild: changing app/config.py rebuilds",
        "advice: COPY . . at line 7",
        "Restructured Dockerfile",
        "+FROM python:3.11-slim",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let out = ballast(&root())
        .args(["check", "--format", "json", "examples/rag-service"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["lint"]["summary"]["findings"], 12);
    assert!(v["context"]["total_bytes"].as_u64().unwrap() > 10_000);
    assert_eq!(v["rebuild"]["changed"], "app/config.py");
    assert!(
        v["rebuild"]["prediction"]["rebuilt_bytes"]
            .as_u64()
            .unwrap()
            > 1_000_000_000
    );
    assert!(
        v["restructure"]["diff"]
            .as_str()
            .unwrap()
            .contains("+FROM python:3.11 AS builder")
    );
    let out = ballast(&root())
        .args(["check", "--format", "markdown", "examples/rag-service"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("## ballast check:") && md.contains("```diff\n"),
        "{md}"
    );
}
