//! ballast on the real-project corpus: 23 public ML services materialized
//! from `real-projects/` of the shared corpus, every Dockerfile through
//! `lint`, `context`, `rebuild` (an app file changed) and `check`.
//!
//! Every finding `lint` gives (info included) is labelled, by reading the
//! Dockerfile, in `tests/corpus/<project>.txt` as a true or false positive
//! with its reason; the test fails on any finding that is new, gone or not
//! yet reviewed. `BALLAST_BLESS=1` rewrites the files: labels of findings
//! that remain are kept, new ones are written as `?` with their message
//! (and still fail until a reviewer labels them). The README's precision
//! table is computed from the labels.

mod common;

use common::corpus::{Job, ballast, corpus, jobs, json, run_all, run_all_on};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Why a command may exit 2 on a corpus Dockerfile, by `project/dockerfile`.
/// Each is a property of the repository, not of ballast.
const DOCUMENTED_EXIT_2: &[(&str, &str)] = &[];

fn expected_exit(job: &Job<'_>, out: &Output, command: &str) -> Result<(), String> {
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panicked") {
        return Err(format!("{command} panicked: {stderr}"));
    }
    let key = format!("{}/{}", job.project, job.dockerfile.path);
    let documented = DOCUMENTED_EXIT_2.iter().any(|(k, _)| *k == key);
    match code {
        Some(0 | 1) if !documented => Ok(()),
        Some(2) if documented => Ok(()),
        _ => Err(format!("{command} on {key}: exit {code:?}: {stderr}")),
    }
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn context_rebuild_and_check_run_on_every_dockerfile() {
    let Some(c) = corpus() else { return };
    let jobs = jobs(c);
    let failures: Vec<String> = run_all(&jobs, |job| check_job(job).err())
        .into_iter()
        .flatten()
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `check`, `context` and `rebuild` on one Dockerfile, with what each must
/// hold: the context sends no more than it has, the change `check` picked is
/// a file the build copies and rebuilds the COPY that takes it.
fn check_job(job: &Job<'_>) -> Result<(), String> {
    let (ctx, file) = (job.context(), job.file());
    let key = format!("{}/{}", job.project, job.dockerfile.path);
    let out = ballast(&job.root, &["check", "--format", "json", "-f", file, ctx]);
    expected_exit(job, &out, "check")?;
    if out.status.code() == Some(2) {
        return Ok(());
    }
    let check = json(&out, "check");
    let out = ballast(&job.root, &["context", "--format", "json", "-f", file, ctx]);
    expected_exit(job, &out, "context")?;
    let context = json(&out, "context");
    let (total, sent) = (&context["total_bytes"], &context["sent_bytes"]);
    if sent.as_u64() > total.as_u64() {
        return Err(format!("{key}: sends {sent} of {total} bytes"));
    }
    for copy in context["copies"].as_array().unwrap() {
        if copy["bytes"].as_u64() > sent.as_u64() {
            return Err(format!("{key}: {copy} takes more than the context sends"));
        }
    }
    let Some(changed) = check["rebuild"]["changed"].as_str() else {
        return Ok(());
    };
    if !job.root.join(ctx).join(changed).is_file() {
        return Err(format!(
            "{key}: check's change {changed} is not in the context"
        ));
    }
    let out = ballast(
        &job.root,
        &[
            "rebuild",
            "--format",
            "json",
            "-f",
            file,
            ctx,
            "--changed",
            changed,
        ],
    );
    expected_exit(job, &out, "rebuild")?;
    let rebuild = json(&out, "rebuild");
    let steps = rebuild["steps"].as_array().unwrap();
    let rebuilt_by_change = steps
        .iter()
        .any(|s| s["status"] == "rebuilt" && s["reason"].as_str().unwrap_or("").contains(changed));
    if !rebuilt_by_change {
        return Err(format!(
            "{key}: changing {changed} rebuilds no step that takes it"
        ));
    }
    let total: u64 = steps.iter().filter_map(|s| s["cost_bytes"].as_u64()).sum();
    if rebuild["rebuilt_bytes"].as_u64() != Some(total) {
        return Err(format!(
            "{key}: rebuilt_bytes is not the sum of the steps' costs"
        ));
    }
    Ok(())
}

/// A lint finding as the expectations record it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    line: u64,
    rule: String,
    severity: String,
}

/// A reviewed finding: `tp`, `fp` or `?` (not yet reviewed), and why.
#[derive(Debug, Clone)]
struct Label {
    key: Key,
    verdict: String,
    reason: String,
}

/// One project's expectations: labels per Dockerfile path.
type Expectations = BTreeMap<String, Vec<Label>>;

fn expectations_path(project: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(format!("{project}.txt"))
}

fn read_expectations(project: &str) -> Expectations {
    let mut out = Expectations::new();
    let Ok(text) = std::fs::read_to_string(expectations_path(project)) else {
        return out;
    };
    let mut section = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_string());
            out.entry(name.to_string()).or_default();
            continue;
        }
        let label = parse_label(line).unwrap_or_else(|| {
            panic!(
                "{project}.txt:{}: not `LINE RULE SEVERITY VERDICT: reason`",
                n + 1
            )
        });
        let section = section
            .clone()
            .unwrap_or_else(|| panic!("{project}.txt:{}: no [Dockerfile]", n + 1));
        out.get_mut(&section).unwrap().push(label);
    }
    out
}

fn parse_label(line: &str) -> Option<Label> {
    let (head, reason) = line.split_once(':')?;
    let mut words = head.split_whitespace();
    let key = Key {
        line: words.next()?.parse().ok()?,
        rule: words.next()?.to_string(),
        severity: words.next()?.to_string(),
    };
    let verdict = words.next()?.to_string();
    if words.next().is_some() || !["tp", "fp", "?"].contains(&verdict.as_str()) {
        return None;
    }
    Some(Label {
        key,
        verdict,
        reason: reason.trim().to_string(),
    })
}

/// Every finding of `lint` on one Dockerfile (info too), with its message.
fn lint_findings(job: &Job<'_>) -> Result<Vec<(Key, String)>, String> {
    let (ctx, file) = (job.context(), job.file());
    let out = ballast(
        &job.root,
        &["lint", "--format", "json", "--context", ctx, file],
    );
    expected_exit(job, &out, "lint")?;
    if out.status.code() == Some(2) {
        return Ok(Vec::new());
    }
    Ok(keys(&json(&out, "lint")))
}

/// Every finding of `lint` on one compose file, run from the project's root.
fn lint_compose_findings(root: &Path, file: &str) -> Result<Vec<(Key, String)>, String> {
    let out = ballast(root, &["lint", "--format", "json", file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !matches!(out.status.code(), Some(0 | 1)) || stderr.contains("panicked") {
        return Err(format!("lint: exit {:?}: {stderr}", out.status.code()));
    }
    Ok(keys(&json(&out, "lint")))
}

/// The findings of a lint report as (line, rule, severity) and message.
fn keys(doc: &serde_json::Value) -> Vec<(Key, String)> {
    let mut found: Vec<(Key, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = Key {
                line: f["line"].as_u64().unwrap(),
                rule: f["name"].as_str().unwrap().to_string(),
                severity: f["severity"].as_str().unwrap().to_string(),
            };
            (key, f["message"].as_str().unwrap().to_string())
        })
        .collect();
    found.sort();
    found
}

/// What changed between the labels and the findings of one Dockerfile:
/// the merged labels (kept, or new as `?`) and the differences.
fn merge(labels: &[Label], found: &[(Key, String)]) -> (Vec<Label>, Vec<String>) {
    let mut left: Vec<Option<&Label>> = labels.iter().map(Some).collect();
    let mut merged = Vec::new();
    let mut diffs = Vec::new();
    for (key, message) in found {
        let kept = left
            .iter_mut()
            .find(|l| l.is_some_and(|l| &l.key == key))
            .and_then(Option::take);
        match kept {
            Some(l) => {
                if l.verdict == "?" {
                    diffs.push(format!(
                        "unreviewed: {} {} {}",
                        key.line, key.rule, key.severity
                    ));
                }
                merged.push(l.clone());
            }
            None => {
                diffs.push(format!(
                    "new: {} {} {}: {message}",
                    key.line, key.rule, key.severity
                ));
                merged.push(Label {
                    key: key.clone(),
                    verdict: "?".into(),
                    reason: message.clone(),
                });
            }
        }
    }
    for l in left.into_iter().flatten() {
        diffs.push(format!(
            "gone: {} {} {}",
            l.key.line, l.key.rule, l.key.severity
        ));
    }
    (merged, diffs)
}

fn write_expectations(project: &str, all: &Expectations) {
    let mut text = format!(
        "# {project}: every finding of `ballast lint` on its Dockerfiles,\n\
         # reviewed by reading the Dockerfile. LINE RULE SEVERITY tp|fp: why.\n"
    );
    for (dockerfile, labels) in all {
        text.push_str(&format!("\n[{dockerfile}]\n"));
        for l in labels {
            let k = &l.key;
            text.push_str(&format!(
                "{} {} {} {}: {}\n",
                k.line, k.rule, k.severity, l.verdict, l.reason
            ));
        }
    }
    let path = expectations_path(project);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn lint_findings_are_the_reviewed_ones() {
    let Some(c) = corpus() else { return };
    let jobs = jobs(c);
    let results = run_all(&jobs, lint_findings);
    let bless = std::env::var_os("BALLAST_BLESS").is_some();
    let mut failures = Vec::new();
    // Per project: the labels read (removed as Dockerfiles claim them) and
    // the labels merged with what lint found.
    let mut by_project: BTreeMap<&str, (Expectations, Expectations)> = BTreeMap::new();
    for (job, found) in jobs.iter().zip(results) {
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let (read, merged) = by_project
            .entry(job.project)
            .or_insert_with(|| (read_expectations(job.project), Expectations::new()));
        let labels = read.remove(&job.dockerfile.path).unwrap_or_default();
        let (labels, diffs) = merge(&labels, &found);
        for d in diffs {
            failures.push(format!("{}/{}: {d}", job.project, job.dockerfile.path));
        }
        merged.insert(job.dockerfile.path.clone(), labels);
    }
    // Compose files: every service through the runtime rules, labelled the
    // same way (a section per compose file).
    let compose: Vec<(&str, &PathBuf, &String)> = c
        .projects
        .iter()
        .flat_map(|p| {
            p.compose_files
                .iter()
                .map(move |f| (p.name.as_str(), &p.dir, f))
        })
        .collect();
    let results = run_all_on(&compose, |(project, _, file)| {
        lint_compose_findings(&c.root.join(project), file)
    });
    for ((project, _, file), found) in compose.iter().zip(results) {
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{project}/{file}: {e}"));
                continue;
            }
        };
        let (read, merged) = by_project
            .entry(project)
            .or_insert_with(|| (read_expectations(project), Expectations::new()));
        let labels = read.remove(file.as_str()).unwrap_or_default();
        let (labels, diffs) = merge(&labels, &found);
        for d in diffs {
            failures.push(format!("{project}/{file}: {d}"));
        }
        merged.insert((*file).clone(), labels);
    }
    for (project, (stale, merged)) in &by_project {
        for s in stale.keys() {
            failures.push(format!(
                "{project}: [{s}] is not a Dockerfile or compose file of the corpus"
            ));
        }
        if bless {
            write_expectations(project, merged);
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) with the reviewed findings (BALLAST_BLESS=1 writes them as `?` to review):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The README's precision table, from the labels: per rule, its findings
/// over the corpus (and how many are warnings or errors), true and false.
fn precision_table() -> String {
    // rule -> (findings, at warning or error, true, false)
    let mut rows: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for f in &files {
        let project = f.file_stem().unwrap().to_str().unwrap();
        for labels in read_expectations(project).values() {
            for l in labels {
                let r = rows.entry(l.key.rule.clone()).or_default();
                r.0 += 1;
                r.1 += usize::from(l.key.severity != "info");
                r.2 += usize::from(l.verdict == "tp");
                r.3 += usize::from(l.verdict == "fp");
            }
        }
    }
    let mut out = String::from(
        "| rule | findings | of which warning or error | true | false |\n|---|---:|---:|---:|---:|\n",
    );
    let mut total = (0, 0, 0, 0);
    for (rule, (n, w, t, f)) in &rows {
        out.push_str(&format!("| `{rule}` | {n} | {w} | {t} | {f} |\n"));
        total = (total.0 + n, total.1 + w, total.2 + t, total.3 + f);
    }
    out.push_str(&format!(
        "| all {} rules | {} | {} | {} | {} |\n",
        rows.len(),
        total.0,
        total.1,
        total.2,
        total.3
    ));
    out
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn readme_precision_table_is_the_labels() {
    common::readme_section("corpus-precision", &precision_table());
}

/// `ballast lint DIR` on a project finds exactly its Dockerfiles (every
/// naming the corpus uses: `GPUDockerfile`, `cuda.Dockerfile`,
/// `Dockerfile.dev`, ...) and compose files (`compose.cuda.yaml`,
/// `docker-compose-hub.yaml`, `api-compose.yaml`), skips its templates with
/// a note, and exits 0 or 1.
#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn directory_discovery_finds_every_dockerfile_of_each_project() {
    let Some(c) = corpus() else { return };
    let mut failures = Vec::new();
    for p in &c.projects {
        let dir = c.root.join(&p.name);
        let out = ballast(
            &dir,
            &[
                "lint",
                "--format",
                "json",
                "--failure-threshold",
                "none",
                ".",
            ],
        );
        let want = p
            .dockerfiles
            .iter()
            .filter(|d| d.kind != "template")
            .count();
        let templates = p.dockerfiles.len() - want;
        let want = want + p.compose_files.len();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let doc = json(&out, "lint DIR");
        let found = doc["summary"]["files"].as_u64().unwrap_or(0) as usize;
        if out.status.code() != Some(0) || found != want {
            failures.push(format!(
                "{}: {found} of {want} Dockerfiles and compose files, exit {:?}: {stderr}",
                p.name,
                out.status.code()
            ));
        }
        if templates > 0 && !stderr.contains("template") {
            failures.push(format!("{}: no note about its template: {stderr}", p.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The in-process materializer recreates a project exactly as the corpus's
/// own `materialize.sh` does: same paths, kinds, sizes, link targets and
/// executable bits (checked on a project with symlinks and one without).
#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn materialized_trees_match_materialize_sh() {
    let Some(c) = corpus() else { return };
    let script = ballast_testkit::corpus::corpus_dir()
        .unwrap()
        .join("real-projects/materialize.sh");
    for name in ["SciPhi-AI__R2R", "PromtEngineer__localGPT"] {
        let p = c.projects.iter().find(|p| p.name == name).unwrap();
        let dest = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("sh")
            .arg(&script)
            .arg(&p.dir)
            .arg(dest.path())
            .output()
            .unwrap();
        common::assert_success(&out);
        assert_eq!(listing(dest.path()), listing(&c.root.join(name)), "{name}");
    }
}

/// (path, kind, size, link target, executable) of every entry under `root`.
fn listing(root: &Path) -> Vec<(String, char, u64, String, bool)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let (kind, size, link) = if meta.file_type().is_symlink() {
                (
                    'l',
                    0,
                    std::fs::read_link(&path)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                )
            } else if meta.is_dir() {
                stack.push(path.clone());
                ('d', 0, String::new())
            } else {
                ('f', meta.len(), String::new())
            };
            let exec = kind == 'f' && meta.permissions().mode() & 0o111 != 0;
            out.push((rel, kind, size, link, exec));
        }
    }
    out.sort();
    out
}
