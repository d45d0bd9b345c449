//! `ballast lint` and `ballast rule` end to end: the bundled example, every
//! output format (SARIF checked against the 2.1.0 schema), exit statuses,
//! file discovery, standard input, configuration and its overrides.

mod common;

use common::{ballast, root, run, write};
use std::path::Path;

use serde_json::Value;

fn json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = ballast(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap())
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_example_shows_its_lessons_with_a_total() {
    let out = run(ballast(&root()).args(["lint", "examples/rag-service"]), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    for code in [
        "BL101", "BL102", "BL104", "BL109", "BL201", "BL202", "BL301", "BL107", "BL401", "BL402",
        "BL501",
    ] {
        assert!(
            text.contains(&format!("[{code}]")),
            "{code} missing:\n{text}"
        );
    }
    assert!(
        text.contains(" --> examples/rag-service/Dockerfile:12:5"),
        "{text}"
    );
    let last = text.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.starts_with("Estimated savings: ") && last.contains("GB smaller image"),
        "{last}"
    );
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("lint-example-terminal", text);
    });
}

#[test]
fn json_report_is_versioned_and_consistent() {
    let (v, code) = json(&root(), &["examples/rag-service"]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "ballast");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        v["summary"]["findings"].as_u64().unwrap() as usize,
        findings.len()
    );
    for f in findings {
        for key in [
            "code",
            "name",
            "family",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "fix",
            "savings",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        if let Some(fix) = f["fix"].as_object() {
            assert!(matches!(
                fix["applicability"].as_str(),
                Some("safe" | "unsafe")
            ));
        }
        if let Some(s) = f["savings"].as_object() {
            assert!(s["bytes"].as_u64().unwrap() > 0 && !s["basis"].as_str().unwrap().is_empty());
        }
    }
    let safe = findings
        .iter()
        .filter(|f| f["fix"]["applicability"] == "safe")
        .count();
    assert_eq!(
        v["summary"]["fixable"]["safe"].as_u64().unwrap() as usize,
        safe
    );
    // The CUDA torch finding reads requirements.txt from the context.
    let torch = findings.iter().find(|f| f["code"] == "BL301").unwrap();
    assert!(
        torch["message"]
            .as_str()
            .unwrap()
            .contains("requirements.txt:1")
    );
    assert!(torch["savings"]["bytes"].as_u64().unwrap() > 4_000_000_000);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let out = run(
        ballast(&root()).args([
            "lint",
            "--format",
            "sarif",
            "examples/rag-service",
            "testdata/dockerfiles",
        ]),
        1,
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = ballast_testkit::schemas::sarif_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Every rule, then one descriptor per ShellCheck code reported.
    let results = run["results"].as_array().unwrap();
    let shellcheck: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str().filter(|id| id.starts_with("SC")))
        .collect();
    assert!(
        !shellcheck.is_empty() || std::env::var_os("CI").is_none(),
        "no ShellCheck finding on the testdata"
    );
    assert_eq!(rules.len(), ballast_rules_count() + shellcheck.len());
    for (rule, code) in rules[ballast_rules_count()..].iter().zip(&shellcheck) {
        assert_eq!(rule["id"], *code);
        assert_eq!(
            rule["helpUri"],
            format!("https://www.shellcheck.net/wiki/{code}")
        );
    }
    assert!(results.len() > 100);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
}

fn ballast_rules_count() -> usize {
    let out = ballast(&root())
        .args(["rule", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().len()
}

#[test]
fn github_and_gitlab_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("Dockerfile", "FROM python:3.11\nRUN sudo pip install x\n")],
    );
    let out = ballast(dir.path())
        .args(["lint", "--format", "github", "--no-context"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
    assert!(
        text.contains(
            "::error file=Dockerfile,line=2,col=5,endLine=2,endColumn=9,title=BL405 sudo-in-run::"
        ),
        "{text}"
    );
    assert!(text.contains("::notice file=Dockerfile,line=1"), "{text}");
    let out = ballast(dir.path())
        .args(["lint", "--format", "gitlab", "--no-context"])
        .output()
        .unwrap();
    let issues: Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    assert!(!issues.is_empty());
    // Unique fingerprints: ballast_report's lint_formats test.
    assert!(issues.iter().all(|i| matches!(
        i["severity"].as_str(),
        Some("info" | "minor" | "major" | "critical" | "blocker")
    )));
    assert_eq!(issues[0]["location"]["path"], "Dockerfile");
}

#[test]
fn exit_statuses_follow_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 10001\n",
        )],
    );
    let status = |args: &[&str]| {
        ballast(dir.path())
            .arg("lint")
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(status(&[]), 0, "a clean file");
    write(
        dir.path(),
        &[("Dockerfile", "FROM python:3.11-slim\nUSER 10001\n")],
    );
    assert_eq!(
        status(&[]),
        0,
        "info findings pass the default threshold (warning)"
    );
    assert_eq!(status(&["--failure-threshold", "info"]), 1);
    write(
        dir.path(),
        &[("Dockerfile", "FROM python:3.11\nUSER 10001\n")],
    );
    assert_eq!(status(&[]), 1);
    assert_eq!(status(&["--failure-threshold", "error"]), 0);
    assert_eq!(status(&["--failure-threshold", "none"]), 0);
}

#[test]
fn bad_input_is_one_line_naming_the_place_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "Dockerfile",
                "FROM python:3.11-slim\nRUN <<EOF\nnever closed\n",
            ),
            ("good/Dockerfile", "FROM python:3.11\n"),
        ],
    );
    let out = run(ballast(dir.path()).args(["lint", "."]), 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: Dockerfile:2:1: unterminated heredoc"),
        "{err}"
    );
    // The other file was still linted.
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("good/Dockerfile")
    );
    // Bytes that are not UTF-8.
    std::fs::write(dir.path().join("bin.Dockerfile"), b"FROM a\nRUN \xff\n").unwrap();
    let out = run(ballast(dir.path()).args(["lint", "bin.Dockerfile"]), 2);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("bin.Dockerfile:2:5: the file is not valid UTF-8")
    );
    for args in [
        &["lint", "missing.Dockerfile"][..],
        &["lint", "--select", "BL999", "good"],
        &["lint", "--target", "nope", "good/Dockerfile"],
        &["lint", "--severity", "BL101=fatal", "good"],
    ] {
        let out = ballast(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn directories_are_searched_with_gitignore_respected() {
    let dir = tempfile::tempdir().unwrap();
    let df = "FROM python:3.11\n";
    write(
        dir.path(),
        &[
            (".gitignore", "ignored/\n"),
            ("Dockerfile", df),
            ("Dockerfile.dockerignore", ".git\n"),
            ("svc/Containerfile", df),
            ("svc/gpu.Dockerfile", df),
            ("svc/Dockerfile.dev", df),
            ("ignored/Dockerfile", df),
            (".devcontainer/Dockerfile", df),
            ("README.md", "x"),
        ],
    );
    // base-not-digest-pinned judges every file, development images too.
    let (v, _) = json(dir.path(), &["--select", "BL204"]);
    let mut paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            ".devcontainer/Dockerfile",
            "Dockerfile",
            "svc/Containerfile",
            "svc/Dockerfile.dev",
            "svc/gpu.Dockerfile"
        ]
    );
}

#[test]
fn standard_input_with_a_name() {
    let out = ballast(&root())
        .args([
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "api/Dockerfile",
            "-",
        ])
        .write_stdin("FROM python:3.11\nRUN pip install torch\n")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&v).contains(&"BL301".to_string()));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"] == "api/Dockerfile")
    );
}

#[test]
fn configuration_env_and_flags_layer() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "ballast.toml",
                "[lint]\nignore = [\"BL204\", \"root-user\"]\nfailure-threshold = \"error\"\n[lint.severity]\nfull-python-base = \"error\"\n[lint.per-path-ignores]\n\"dev/*\" = [\"size\"]\n",
            ),
            ("svc/Dockerfile", "FROM python:3.11\n"),
            ("dev/Dockerfile", "FROM python:3.11\n"),
        ],
    );
    let (v, code) = json(dir.path(), &["svc/Dockerfile", "dev/Dockerfile"]);
    assert_eq!(
        codes(&v),
        ["BL101"],
        "ignored by the file; size off under dev/"
    );
    assert_eq!(v["findings"][0]["severity"], "error");
    assert_eq!(code, 1, "an error reaches the configured threshold");
    // The environment overrides the file, the flag overrides the environment.
    run(
        ballast(dir.path())
            .args(["lint", "svc/Dockerfile"])
            .env("BALLAST_LINT_FAILURE_THRESHOLD", "none"),
        0,
    );
    run(
        ballast(dir.path())
            .args(["lint", "svc/Dockerfile", "--failure-threshold", "error"])
            .env("BALLAST_LINT_FAILURE_THRESHOLD", "none"),
        1,
    );
    let out = ballast(dir.path())
        .args(["lint", "--format", "json", "svc/Dockerfile"])
        .env("BALLAST_LINT_IGNORE", "BL101")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&v).is_empty());
    // [tool.ballast.lint] in pyproject.toml, found upward from the Dockerfile.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\n[tool.ballast.lint]\nselect = [\"BL401\"]\n",
            ),
            ("deploy/Dockerfile", "FROM python:3.11\n"),
        ],
    );
    let (v, _) = json(dir.path(), &["deploy"]);
    assert_eq!(codes(&v), ["BL401"]);
    // A broken configuration is an input error.
    write(
        dir.path(),
        &[("deploy/ballast.toml", "[lint]\nselect = 3\n")],
    );
    let out = run(ballast(dir.path()).args(["lint", "deploy"]), 2);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("ballast.toml")
    );
}

#[test]
fn trusted_registries_turn_on_the_registry_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n",
        )],
    );
    let (v, _) = json(dir.path(), &["--select", "security"]);
    assert!(!codes(&v).contains(&"BL407".to_string()));
    let (v, _) = json(
        dir.path(),
        &["--select", "security", "--trusted-registry", "docker.io"],
    );
    assert_eq!(codes(&v).iter().filter(|c| *c == "BL407").count(), 1, "{v}");
    let out = ballast(dir.path())
        .args(["lint", "--format", "json", "--select", "BL407"])
        .env("BALLAST_TRUSTED_REGISTRIES", "registry.corp,docker.io")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&v), ["BL407"]);
}

#[test]
fn many_files_lint_in_parallel_in_a_stable_order() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..120 {
        write(
            dir.path(),
            &[(
                &format!("svc{i:03}/Dockerfile"),
                "FROM python:3.11\nRUN pip install torch\n",
            )],
        );
    }
    let (a, _) = json(dir.path(), &["--no-context"]);
    let (b, _) = json(dir.path(), &["--no-context"]);
    assert_eq!(a, b);
    let paths: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(a["summary"]["files"], 120);
}

#[test]
fn rule_prints_documentation() {
    let out = ballast(&root())
        .args(["rule", "pip-cache-kept"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "BL102 pip-cache-kept (family: size, default severity: warning, fix: safe)"
        ),
        "{text}"
    );
    assert!(text.contains("## Why it matters") && text.contains("--mount=type=cache"));
    let by_code = ballast(&root()).args(["rule", "bl102"]).output().unwrap();
    assert_eq!(by_code.stdout, text.as_bytes());
    run(ballast(&root()).args(["rule", "no-such-rule"]), 2);
    let list = ballast(&root()).arg("rule").output().unwrap();
    assert_eq!(
        String::from_utf8(list.stdout).unwrap().lines().count(),
        ballast_rules_count()
    );
}

#[test]
fn real_world_dockerfiles_lint_without_errors() {
    // 35 Dockerfiles in the styles people write (multi-stage, CUDA, conda, uv,
    // poetry, pdm, heredocs, Alpine, distroless, Windows escape, CRLF...).
    let out = ballast(&root())
        .args([
            "lint",
            "--format",
            "json",
            "--no-context",
            "testdata/dockerfiles",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    assert!(v["summary"]["files"].as_u64().unwrap() >= 30);
    // Per file, the codes found: reviewed once, then kept stable.
    let mut lines = Vec::new();
    let mut by_file: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in v["findings"].as_array().unwrap() {
        let name = f["path"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        by_file.entry(name).or_default().push(format!(
            "{}:{}",
            f["code"].as_str().unwrap(),
            f["line"]
        ));
    }
    for (k, v) in by_file {
        lines.push(format!("{k}: {}", v.join(" ")));
    }
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("lint-real-world", lines.join("\n"));
    });
}

/// BuildKit's check controls from the file, `ballast.toml`, the flag and
/// `BUILDKIT_DOCKERFILE_CHECK`, each replacing the one before; a malformed
/// directive is one line naming the file and line, exit 2.
#[test]
fn buildkit_check_controls_layer_like_buildkit() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "Dockerfile",
            "# check=skip=FromAsCasing\nFROM python:3.11-slim as base\nCMD python app.py\n",
        )],
    );
    let buildkit = ["--no-context", "--select", "buildkit", "Dockerfile"];
    let (v, code) = json(dir.path(), &buildkit);
    assert_eq!(codes(&v), ["BL607"], "the directive skips FromAsCasing");
    assert_eq!(code, 1);
    write(
        dir.path(),
        &[("ballast.toml", "[lint]\nbuildkit-check = \"skip=all\"\n")],
    );
    let (v, code) = json(dir.path(), &buildkit);
    assert_eq!(
        codes(&v),
        Vec::<String>::new(),
        "the setting replaces the directive"
    );
    assert_eq!(code, 0);
    let out = ballast(dir.path())
        .args(["lint", "--format", "json"])
        .args(buildkit)
        .env(
            "BUILDKIT_DOCKERFILE_CHECK",
            "skip=JSONArgsRecommended;error=true",
        )
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&v), ["BL602"]);
    assert_eq!(v["findings"][0]["severity"], "error");
    // Without the setting, the file's directive is read, and checked.
    std::fs::remove_file(dir.path().join("ballast.toml")).unwrap();
    write(
        dir.path(),
        &[("bad/Dockerfile", "# check=skip=NoSuchCheck\nFROM scratch\n")],
    );
    let out = run(ballast(dir.path()).args(["lint", "bad/Dockerfile"]), 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad/Dockerfile:1:") && err.contains("NoSuchCheck"),
        "{err}"
    );
}

/// A project with `.hadolint.yaml` and no ballast configuration: its
/// ignored codes and overrides act on the ballast rules that are the same
/// check, and what does not carry over is named in one note.
#[test]
fn a_hadolint_configuration_is_read_when_ballast_has_none() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                ".hadolint.yaml",
                "ignored: [DL3042, DL3016]\noverride:\n  error: [DL3002]\nfailure-threshold: error\n",
            ),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nRUN pip install fastapi\nUSER root\nCMD [\"python\"]\n",
            ),
        ],
    );
    let out = ballast(dir.path())
        .args(["lint", "--no-context", "--format", "json", "Dockerfile"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = codes(&v);
    assert!(
        !found.contains(&"BL102".to_string()),
        "DL3042 ignored: {found:?}"
    );
    let root = ballast_testkit::json_item(&v["findings"], "name", "root-user");
    assert_eq!(root["severity"], "error", "DL3002 overridden to error");
    assert_eq!(out.status.code(), Some(1), "failure-threshold: error");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(".hadolint.yaml") && err.contains("DL3016"),
        "{err}"
    );
    // A ballast configuration wins.
    write(dir.path(), &[("ballast.toml", "[lint]\n")]);
    let (v, _) = json(dir.path(), &["--no-context", "Dockerfile"]);
    assert!(codes(&v).contains(&"BL102".to_string()));
}

#[test]
fn rule_maps_hadolint_codes_to_ballast_rules() {
    let out = ballast(&root())
        .args(["rule", "--map", "hadolint", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert!(rows.len() >= 60);
    let row = |code: &str| rows.iter().find(|r| r["hadolint"] == code).unwrap().clone();
    assert_eq!(row("DL3042")["rules"][0], "pip-cache-kept");
    assert_eq!(row("DL3025")["rules"][0], "json-args-recommended");
    assert_eq!(row("DL3008")["rules"][0], "package-version-unpinned");
    assert!(
        row("DL3016")["note"]
            .as_str()
            .unwrap()
            .contains("not covered")
    );
}
