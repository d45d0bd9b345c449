//! `ballast fix`, `ballast fix --restructure` and `ballast check` end to end:
//! atomic in-place writes that keep permissions and touch only what they
//! report, `--diff` and `--check` writing nothing, standard input, the
//! restructured example (a snapshot), refusals, and the audit's formats.

mod common;

use common::{ballast, copy_dir, root, run, write};
use std::path::Path;

use serde_json::Value;

/// A copy of the bundled example in a temporary directory.
/// The Dockerfile in `dir`, as it is now.
fn dockerfile_in(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("Dockerfile")).unwrap()
}

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
    let out = run(ballast(dir.path()).args(["fix", "Dockerfile"]), 0);
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("fixed Dockerfile:4: BL103"), "{report}");
    assert!(report.contains("fixed Dockerfile:5: BL102"), "{report}");
    assert!(report.contains("fixed Dockerfile:6: BL403"), "{report}");
    let text = dockerfile_in(dir.path());
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
    run(
        ballast(dir.path()).args(["fix", "--unsafe-fixes", "Dockerfile"]),
        0,
    );
    let text = dockerfile_in(dir.path());
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
    assert_eq!(dockerfile_in(dir.path()), before);
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
    let out = run(ballast(dir.path()).args(["fix", "--diff", "Dockerfile"]), 1);
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
    assert_eq!(dockerfile_in(dir.path()), NAIVE);
    let out = run(
        ballast(dir.path()).args(["fix", "--check", "Dockerfile"]),
        1,
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("would fix Dockerfile:5: BL102")
    );
    assert_eq!(dockerfile_in(dir.path()), NAIVE);
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
    let out = run(ballast(dir.path()).args(["fix", "Dockerfile"]), 2);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("error: Dockerfile:2:1:")
    );
    assert_eq!(dockerfile_in(dir.path()), broken);
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
    common::assert_success(&out);
    assert_nothing_fixable_left(&lint_json(dir.path()));
    let text = dockerfile_in(dir.path());
    assert!(
        text.contains("FROM python:3.11-slim") && text.contains(" requirements.txt ./\n"),
        "{text}"
    );
}

/// The example without its baked token: what a user has after following the
/// restructure's refusal.
fn example_without_secret() -> tempfile::TempDir {
    let dir = example();
    common::drop_baked_token(&dir.path().join("Dockerfile"));
    dir
}

#[test]
fn the_example_restructures_to_the_expected_file() {
    // As shipped, the example bakes a token: refused, naming it, nothing written.
    let dir = example();
    let out = run(ballast(dir.path()).args(["fix", "--restructure", "."]), 1);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Dockerfile: not restructured: line 15: ENV `HF_TOKEN` looks like a secret")
            && err.contains("docker run -e"),
        "{err}"
    );
    assert!(!dir.path().join(".dockerignore").exists());

    let dir = example_without_secret();
    // The diff first: the new .dockerignore reads from /dev/null, as git shows it.
    let out = ballast(dir.path())
        .args(["fix", "--restructure", "--diff", "."])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("--- /dev/null\n+++ b/.dockerignore\n")
            || diff.contains("--- /dev/null\n+++ b/./.dockerignore\n"),
        "{diff}"
    );
    // The comment the restructure makes false goes with the moved install.
    assert!(
        diff.contains("\n-# Copy the whole project, then install everything.\n")
            && !diff.contains("\n # Copy the whole project"),
        "{diff}"
    );
    let out = ballast(dir.path())
        .args(["fix", "--restructure", "."])
        .output()
        .unwrap();
    common::assert_success(&out);
    let dockerfile = dockerfile_in(dir.path());
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
    // The result still holds what the original held.
    let original = dir.path().join("original.Dockerfile");
    std::fs::write(
        &original,
        std::fs::read_to_string(example_without_secret().path().join("Dockerfile")).unwrap(),
    )
    .unwrap();
    let out = ballast(dir.path())
        .args(["fix", "--verify", "original.Dockerfile", "Dockerfile"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Restructuring the result again: the stage-by-stage fixes find nothing.
    let out = run(
        ballast(dir.path()).args(["fix", "--restructure", "Dockerfile"]),
        1,
    );
    assert!(String::from_utf8(out.stderr).unwrap().contains(
        "not restructured: the Dockerfile already has several stages, and no fix applies"
    ));
    assert_eq!(dockerfile_in(dir.path()), dockerfile);
}

#[test]
fn restructure_refuses_what_it_cannot_do_safely() {
    for (df, why) in [
        (
            "FROM python:3.11-alpine\nRUN pip install x\n",
            "line 1: `python:3.11-alpine` is a musl (Alpine) image",
        ),
        ("FROM python:3.11\nRUN conda install -y numpy\n", "line 2: "),
        (
            "FROM python:3.11\nCMD [\"python\"]\n",
            "no Python dependency install",
        ),
        (
            "FROM python:3.11\nENV OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789\nRUN pip install x\n",
            "line 2: ENV `OPENAI_API_KEY` holds what looks like a real token",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("Dockerfile", df)]);
        let out = ballast(dir.path())
            .args(["fix", "--restructure", "Dockerfile"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{df}");
        assert!(out.stdout.is_empty(), "{df}");
        let text = String::from_utf8(out.stderr).unwrap();
        assert!(
            text.starts_with("Dockerfile: not restructured: ") && text.contains(why),
            "{df}: {text}"
        );
        assert_eq!(text.lines().count(), 1, "{text}");
        assert_eq!(dockerfile_in(dir.path()), df, "unchanged");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing written"
        );
    }
}

#[test]
fn restructure_uses_each_tool_idiom() {
    let cases = [
        (
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install uv && uv sync --frozen\nCMD [\"python\", \"-m\", \"svc\"]\n",
            "pip install uv && uv sync --frozen --no-install-project\n",
            "ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy",
        ),
        (
            "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\nRUN poetry install\nCMD [\"python\", \"-m\", \"svc\"]\n",
            "poetry install --no-root\n",
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
        // The dependency layer comes before the code and after the tool.
        let layer = diff.find(install).unwrap();
        assert!(layer < diff.find("COPY . .").unwrap(), "{diff}");
        if let Some(tool) = diff.find("+RUN pip install poetry") {
            assert!(tool < layer, "{diff}");
        }
        // Only the environment goes to the runtime: the installer stays behind.
        let runtime = &diff[diff.rfind("+FROM").unwrap()..];
        assert!(!runtime.contains("pip install"), "{runtime}");
        assert!(
            diff.contains("+FROM python:") && diff.contains("-slim\n"),
            "{diff}"
        );
    }
}

#[test]
fn check_reports_everything_in_one_go() {
    let out = run(ballast(&root()).args(["check", "examples/rag-service"]), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "Lint: 12 problems",
        "Estimated savings:",
        "Build context: BuildKit sends",
        "Rebuild: changing app/config.py rebuilds",
        "advice: COPY . . at line 7",
        "Fits: unsafe fixes (`ballast fix --unsafe-fixes`)",
        "restructure (`ballast fix --restructure`): refused: line 15: ENV `HF_TOKEN`",
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
        v["restructure"]["refused"]
            .as_str()
            .unwrap()
            .starts_with("line 15: ENV `HF_TOKEN`")
    );
    assert_eq!(v["paths"]["fits"], "unsafe fixes");
    let ways = v["paths"]["ways"].as_array().unwrap();
    assert_eq!(ways.len(), 3);
    assert_eq!(ways[0]["changes"], 1, "{ways:?}");
    assert!(
        ways[1]["left"].as_array().unwrap().len() < ways[0]["left"].as_array().unwrap().len(),
        "{ways:?}"
    );

    // Once the token is gone, the restructure fits, and leaves least.
    let dir = example_without_secret();
    let out = ballast(dir.path())
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["paths"]["fits"], "restructure", "{}", v["paths"]);
    let ways = v["paths"]["ways"].as_array().unwrap();
    assert!(ways[2]["left"].as_array().unwrap().len() < ways[1]["left"].as_array().unwrap().len());
    assert!(
        v["restructure"]["diff"]
            .as_str()
            .unwrap()
            .contains("+FROM python:3.11 AS builder")
    );
    let out = ballast(dir.path())
        .args(["check", "--format", "markdown", "."])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("## ballast check:")
            && md.contains("**restructure (`ballast fix --restructure`)**")
            && md.contains("```diff\n"),
        "{md}"
    );
}
