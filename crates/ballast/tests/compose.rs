//! Compose files through the command line: found in a directory beside
//! the Dockerfiles, linted service by service, fixed in place with every
//! comment kept, refused with one line when they are not YAML, and shown in
//! `check`'s runtime section with the hardened service block.

mod common;

use std::path::Path;

use common::{ballast, run};
use serde_json::Value;

const DOCKERFILE: &str = "FROM python:3.12-slim\nRUN useradd -m app\nWORKDIR /app\nCOPY app.py .\nUSER app\nCMD [\"python\", \"app.py\"]\n";

const COMPOSE: &str = "\
# The API and its database.
services:
  api:
    build: .
    ports:
      - \"8000:8000\" # published
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: hunter2hunter2
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
";

fn project(compose: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(dir.path().join("app.py"), "print('hi')\n").unwrap();
    std::fs::write(dir.path().join(".dockerignore"), ".git\n").unwrap();
    if let Some(c) = compose {
        std::fs::write(dir.path().join("compose.yaml"), c).unwrap();
    }
    dir
}

fn json(dir: &Path, args: &[&str], code: i32) -> Value {
    let out = run(ballast(dir).args(args), code);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (file, line, code) of every finding of a lint report.
fn findings(v: &Value) -> Vec<(String, u64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn lint_finds_the_compose_file_and_judges_each_service() {
    let dir = project(Some(COMPOSE));
    let v = json(dir.path(), &["lint", "--format", "json", "."], 1);
    assert_eq!(v["summary"]["files"], 2);
    let compose: Vec<(u64, String)> = findings(&v)
        .into_iter()
        .filter(|(p, _, _)| p == "compose.yaml")
        .map(|(_, l, c)| (l, c))
        .collect();
    // The built service lacks the hardening; the database is judged only
    // for what the file gives it.
    assert_eq!(
        compose,
        [
            (3, "BL901".to_string()),
            (3, "BL903".to_string()),
            (3, "BL906".to_string()),
            (10, "BL910".to_string()),
            (12, "BL909".to_string()),
        ]
    );
    // The non-root image makes dropping capabilities a safe fix.
    let cap = ballast_testkit::json_item(&v["findings"], "code", "BL903");
    assert_eq!(cap["fix"]["applicability"], "safe", "{cap}");
}

#[test]
fn a_comment_silences_a_service_rule() {
    let compose = COMPOSE.replace(
        "  api:\n",
        "  # ballast: ignore=BL903,compose-new-privileges-allowed -- hardened by the platform\n  api:\n",
    );
    let dir = project(Some(&compose));
    let v = json(dir.path(), &["lint", "--format", "json", "compose.yaml"], 1);
    let codes: Vec<String> = findings(&v).into_iter().map(|(_, _, c)| c).collect();
    assert_eq!(codes, ["BL901", "BL910", "BL909"]);
}

#[test]
fn fix_hardens_in_place_keeping_every_line() {
    let dir = project(Some(COMPOSE));
    let path = dir.path().join("compose.yaml");
    // --diff writes nothing and exits 1.
    let out = run(
        ballast(dir.path()).args(["fix", "--unsafe-fixes", "--diff", "compose.yaml"]),
        1,
    );
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("+    read_only: true"), "{diff}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), COMPOSE);
    // Safe fixes only: capabilities and no-new-privileges.
    run(ballast(dir.path()).args(["fix", "compose.yaml"]), 0);
    let safe = std::fs::read_to_string(&path).unwrap();
    assert!(
        safe.contains("    cap_drop:\n      - ALL\n")
            && safe.contains("      - no-new-privileges:true\n")
            && !safe.contains("read_only"),
        "{safe}"
    );
    // Then the unsafe one: read-only with a tmpfs for /tmp.
    run(
        ballast(dir.path()).args(["fix", "--unsafe-fixes", "compose.yaml"]),
        0,
    );
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(
        fixed.contains("    read_only: true\n    tmpfs:\n      - /tmp\n"),
        "{fixed}"
    );
    let mut lines = fixed.lines();
    for line in COMPOSE.lines() {
        assert!(lines.any(|l| l == line), "lost {line:?}:\n{fixed}");
    }
    // Nothing left to fix; the service's findings are gone.
    let v = json(dir.path(), &["lint", "--format", "json", "compose.yaml"], 1);
    let codes: Vec<String> = findings(&v).into_iter().map(|(_, _, c)| c).collect();
    assert_eq!(codes, ["BL910", "BL909"]);
}

#[test]
fn a_file_that_is_not_yaml_is_one_line_and_exit_2() {
    let dir = project(Some("services:\n  api: [unclosed\n"));
    let out = run(ballast(dir.path()).args(["lint", "compose.yaml"]), 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: compose.yaml:"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        "services:\n  api: [unclosed\n"
    );
}

#[test]
fn check_shows_the_compose_findings_and_the_hardened_service() {
    let dir = project(Some(COMPOSE));
    let v = json(dir.path(), &["check", "--format", "json", "."], 1);
    let r = &v["runtime"];
    assert_eq!(r["compose"], "./compose.yaml");
    assert_eq!(r["services"], serde_json::json!(["api"]));
    assert_eq!(r["lint"]["summary"]["findings"], 5, "{r}");
    let block = r["hardened"].as_str().unwrap();
    assert_eq!(
        block,
        "services:\n  api:\n    build: .\n    ports:\n      - \"8000:8000\" # published\n    read_only: true\n    tmpfs:\n      - /tmp\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n"
    );
    // The compose file itself is not written by check.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        COMPOSE
    );
    let text = String::from_utf8(run(ballast(dir.path()).args(["check", "."]), 1).stdout).unwrap();
    assert!(
        text.contains("Runtime:\n./compose.yaml: 5 runtime finding(s):")
            && text.contains("\nHardened service (./compose.yaml with every runtime fix"),
        "{text}"
    );
}

#[test]
fn check_without_a_compose_file_writes_the_service_from_the_dockerfile() {
    let dir = project(None);
    // Nothing to find in this Dockerfile: exit 0.
    let v = json(dir.path(), &["check", "--format", "json", "."], 0);
    let r = &v["runtime"];
    assert_eq!(r["compose"], Value::Null);
    assert!(
        r["basis"]
            .as_str()
            .unwrap()
            .starts_with("written from the Dockerfile"),
        "{r}"
    );
    assert_eq!(
        r["hardened"],
        "services:\n  app:\n    build: .\n    read_only: true\n    tmpfs:\n      - /tmp\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n"
    );
}

/// Hostile compose files end in one line and exit 2: aliases of aliases
/// that would expand exponentially, and nesting past the parser's limit.
#[test]
fn alias_bombs_and_deep_nesting_are_refused() {
    let mut bomb = String::from("x0: &a0 [1, 2]\n");
    for i in 1..30 {
        let p = i - 1;
        bomb.push_str(&format!("x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    bomb.push_str("services:\n  a:\n    image: x\n    environment: *a29\n");
    let deep = format!("services:\n  a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    for (text, says) in [
        (bomb, "aliases expand to more than 200000 values"),
        (deep, "nested too deeply"),
    ] {
        let dir = project(Some(&text));
        let out = run(ballast(dir.path()).args(["lint", "compose.yaml"]), 2);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.lines().count() == 1
                && err.starts_with("error: compose.yaml:")
                && err.contains(says),
            "{err}"
        );
    }
}

const MANIFEST: &str = "\
# The API on the cluster.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0 # built from ./Dockerfile
          env:
            - name: HF_TOKEN
              valueFrom:
                secretKeyRef: {name: hf, key: token}
        - name: cache
          image: redis:7
---
apiVersion: v1
kind: Service
metadata:
  name: api
";

/// A Kubernetes manifest beside the Dockerfile: found in the directory (a
/// YAML file that is not one is left alone), its built container judged by
/// the same rules in Kubernetes' terms, and fixed in its securityContext.
#[test]
fn a_kubernetes_manifest_beside_the_dockerfile_is_judged_and_fixed() {
    let dir = project(None);
    std::fs::write(dir.path().join("deploy.yaml"), MANIFEST).unwrap();
    std::fs::write(dir.path().join("settings.yaml"), "log_level: info\n").unwrap();
    let v = json(dir.path(), &["lint", "--format", "json", "."], 1);
    assert_eq!(v["summary"]["files"], 2, "{}", v["summary"]);
    let found: Vec<(u64, String)> = findings(&v)
        .into_iter()
        .filter(|(p, _, _)| p == "deploy.yaml")
        .map(|(_, l, c)| (l, c))
        .collect();
    // The redis container is not built here; the api container lacks the
    // hardening.
    assert_eq!(
        found,
        [
            (10, "BL901".to_string()),
            (10, "BL903".to_string()),
            (10, "BL906".to_string()),
        ]
    );
    run(ballast(dir.path()).args(["fix", "deploy.yaml"]), 0);
    let fixed = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    assert!(
        fixed.contains(
            "                secretKeyRef: {name: hf, key: token}\n          securityContext:\n            capabilities:\n              drop:\n                - ALL\n            allowPrivilegeEscalation: false\n        - name: cache\n"
        ),
        "{fixed}"
    );
    let mut lines = fixed.lines();
    for line in MANIFEST.lines() {
        assert!(lines.any(|l| l == line), "lost {line:?}:\n{fixed}");
    }
}
