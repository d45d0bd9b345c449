//! Every lint output format on the same files: a Dockerfile with findings of
//! several families (fixes, savings, a help line), a clean one, and one that
//! could not be linted. Snapshots show each format whole; SARIF is validated
//! against its schema, GitLab's fingerprints are unique, and the JSON's
//! totals are the findings'.

use ballast_dockerfile::Dockerfile;
use ballast_linter::{LintOptions, lint, model};
use ballast_report::lint::{LintedFile, Summary, github, gitlab, json, sarif, summarize, terminal};
use serde_json::Value;

const NAIVE: &str = "FROM python:3.11
ARG API_TOKEN
RUN apt-get update && apt-get install -y build-essential
COPY . /app
RUN pip install torch==2.5.1 fastapi
CMD python /app/main.py
";

const CLEAN: &str =
    "FROM python:3.11-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000
WORKDIR /app
COPY main.py .
USER 1000
CMD [\"python\", \"main.py\"]
";

fn linted(path: &str, source: &str) -> LintedFile {
    let df = Dockerfile::parse(source);
    // ShellCheck runs as a process when installed: left out so the
    // snapshots do not depend on the machine.
    let mut options = LintOptions {
        path: Some(path.to_string()),
        ..LintOptions::default()
    };
    options.settings.ignore.push("shellcheck".into());
    let outcome = lint(&df, &options).expect("lints");
    let image = model::estimate(source, &options, &|_: &str| None, None).ok();
    LintedFile {
        path: path.to_string(),
        source: source.to_string(),
        findings: outcome.findings,
        error: None,
        image,
        line_starts: Default::default(),
    }
}

fn files() -> (Vec<LintedFile>, Summary) {
    let files = vec![
        linted("services/api/Dockerfile", NAIVE),
        linted("services/worker/Dockerfile", CLEAN),
        LintedFile {
            path: "broken/Dockerfile".into(),
            source: String::new(),
            findings: Vec::new(),
            error: Some("broken/Dockerfile:1:1: unknown instruction: FORM".into()),
            image: None,
            line_starts: Default::default(),
        },
    ];
    let summary = summarize(&files);
    (files, summary)
}

/// The version changes with every release; the snapshots should not.
fn without_version(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn terminal_output() {
    let (files, summary) = files();
    let text = terminal(&files, &summary, false);
    assert!(!text.contains('\u{1b}'), "no colour when not asked");
    insta::assert_snapshot!(without_version(&text));
}

#[test]
fn json_output() {
    let (files, summary) = files();
    let text = json(&files, &summary);
    let v: Value = serde_json::from_str(&text).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let linted: usize = files.iter().map(|f| f.findings.len()).sum();
    assert_eq!(findings.len(), linted);
    assert!(linted > 5, "{linted} findings");
    insta::assert_snapshot!(without_version(&text));
}

#[test]
fn sarif_output() {
    let (files, _) = files();
    let text = sarif(&files);
    let log: Value = serde_json::from_str(&text).unwrap();
    let errors = ballast_testkit::schemas::sarif_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}");
    // The rule descriptors are the whole registry: the snapshot keeps to
    // the results and the invocation.
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ballast_linter::catalog::all().len());
    let shown = serde_json::json!({
        "results": run["results"],
        "invocations": run["invocations"],
    });
    insta::assert_snapshot!(serde_json::to_string_pretty(&shown).unwrap());
}

#[test]
fn github_output() {
    let (files, _) = files();
    let text = github(&files);
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn gitlab_output() {
    let (files, _) = files();
    let text = gitlab(&files);
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), issues.len(), "fingerprints are unique");
    insta::assert_snapshot!(text);
}
