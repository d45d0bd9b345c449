//! Every rewrite ballast makes of a corpus Dockerfile (the safe fixes, the
//! unsafe fixes, the restructure) keeps what the original builds: each is
//! checked with `ballast fix --verify`. A restructure that refuses says why
//! on stderr, exits 1 and prints nothing. The README's table of what each
//! Dockerfile gets is computed here (`BALLAST_BLESS=1` rewrites it).

mod common;

use std::path::Path;

use common::corpus::{Job, corpus, jobs, run_all};

/// One rewrite: the new text and the lines ballast printed about it.
struct Rewritten {
    text: String,
    stderr: String,
    code: Option<i32>,
}

fn rewrite(job: &Job<'_>, mode: &[&str]) -> Rewritten {
    let source = std::fs::read_to_string(job.root.join(job.file())).unwrap();
    let mut args = vec!["fix"];
    args.extend_from_slice(mode);
    args.extend_from_slice(&[
        "--context",
        job.context(),
        "--stdin-filename",
        job.file(),
        "-",
    ]);
    let out = common::ballast(&job.root)
        .args(&args)
        .write_stdin(source)
        .output()
        .unwrap();
    Rewritten {
        text: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// `ballast fix --verify` of a rewrite against the original: `Err` with
/// what it lost.
fn verify(job: &Job<'_>, text: &str, dir: &Path, name: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = common::ballast(&job.root)
        .args([
            "fix",
            "--verify",
            job.file(),
            path.to_str().unwrap(),
            "--context",
            job.context(),
        ])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Ok(()),
        c => Err(format!(
            "{name} (exit {c:?}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// How many fixes a `fix` run reports applying.
fn fixes(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.split(": ").nth(1).is_some_and(|c| c.starts_with("BL")))
        .count()
}

/// The row of the README table for one Dockerfile, or what went wrong.
fn check_job(job: &Job<'_>) -> Result<String, String> {
    let key = format!("{}/{}", job.project, job.dockerfile.path);
    let tmp = tempfile::tempdir().unwrap();
    let mut cells = Vec::new();
    for (name, mode) in [("safe", &[][..]), ("unsafe", &["--unsafe-fixes"][..])] {
        let r = rewrite(job, mode);
        if r.code != Some(0) {
            return Err(format!(
                "{key}: fix {mode:?} exited {:?}: {}",
                r.code, r.stderr
            ));
        }
        verify(job, &r.text, tmp.path(), name).map_err(|e| format!("{key}: {e}"))?;
        if r.stderr.contains("still changed the file") {
            return Err(format!(
                "{key}: {name} fixes did not converge: {}",
                r.stderr
            ));
        }
        cells.push(match fixes(&r.stderr) {
            0 => "none".to_string(),
            1 => "1 fix".to_string(),
            n => format!("{n} fixes"),
        });
    }
    let r = rewrite(job, &["--restructure"]);
    let cell = match r.code {
        Some(0) => {
            verify(job, &r.text, tmp.path(), "restructured").map_err(|e| format!("{key}: {e}"))?;
            if r.text.trim().is_empty() {
                return Err(format!("{key}: the restructure printed nothing"));
            }
            "done".to_string()
        }
        Some(1) => {
            let why = r
                .stderr
                .lines()
                .find_map(|l| {
                    l.split_once("not restructured: ")
                        .map(|(_, w)| w.to_string())
                })
                .ok_or_else(|| format!("{key}: refused without a reason: {}", r.stderr))?;
            if !r.text.is_empty() || why.contains("internal") {
                return Err(format!(
                    "{key}: refusal printed text or failed inside: {why}"
                ));
            }
            format!("refused: {}", why.replace('|', "\\|"))
        }
        c => return Err(format!("{key}: restructure exited {c:?}: {}", r.stderr)),
    };
    Ok(format!(
        "| `{key}` | {} | {} | {cell} |",
        cells[0], cells[1]
    ))
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn every_rewrite_of_the_corpus_keeps_what_the_original_builds() {
    let Some(c) = corpus() else { return };
    let jobs = jobs(c);
    let results = run_all(&jobs, check_job);
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let rows: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let done = rows.iter().filter(|r| r.ends_with("| done |")).count();
    let table = format!(
        "| Dockerfile | safe fixes | unsafe fixes | restructure |\n|---|---|---|---|\n{}\n\n{done} of {} Dockerfiles restructured.\n",
        rows.iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        rows.len()
    );
    common::readme_section("corpus-rewrites", &table);
    assert!(
        done * 2 >= rows.len(),
        "only {done} of {} restructured",
        rows.len()
    );
}

/// One compose file of the corpus fixed through standard input (safe and
/// unsafe fixes): `Err` with what is wrong, else (fixes applied, lines added).
fn fix_compose(root: &Path, file: &str) -> Result<(usize, usize), String> {
    let source = std::fs::read_to_string(root.join(file)).unwrap();
    let run = |args: &[&str], input: &str| {
        common::ballast(root)
            .args(args)
            .write_stdin(input.to_string())
            .output()
            .unwrap()
    };
    let out = run(
        &["fix", "--unsafe-fixes", "--stdin-filename", file, "-"],
        &source,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0) || stderr.contains("panicked") {
        return Err(format!(
            "{file}: fix exit {:?}: {stderr}",
            out.status.code()
        ));
    }
    let fixed = String::from_utf8(out.stdout).unwrap();
    // It reads back, with every service it had.
    let before = ballast_linter::compose::ComposeFile::parse(&source).unwrap();
    let after = ballast_linter::compose::ComposeFile::parse(&fixed)
        .map_err(|e| format!("{file}: the fixed file does not read back: {e}"))?;
    let names = |f: &ballast_linter::compose::ComposeFile| {
        f.services
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    if names(&before) != names(&after) {
        return Err(format!("{file}: services changed"));
    }
    // Fixes only add lines: the original's lines (comments included) are
    // all there, in order.
    let mut new_lines = fixed.lines();
    for line in source.lines() {
        if !new_lines.any(|l| l == line) {
            return Err(format!("{file}: the fixed file lost or changed {line:?}"));
        }
    }
    // Nothing left to fix.
    let out = run(
        &["lint", "--format", "json", "--stdin-filename", file, "-"],
        &fixed,
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{file}: lint of the fixed file: {e}"))?;
    let left = &doc["summary"]["fixable"];
    if left["safe"].as_u64() != Some(0) || left["unsafe"].as_u64() != Some(0) {
        return Err(format!("{file}: fixes left after fixing: {left}"));
    }
    Ok((
        fixes(&stderr),
        fixed.lines().count() - source.lines().count(),
    ))
}

/// Every compose file of the corpus fixed with all of the runtime rules'
/// fixes: the result reads back with the same services, keeps every line
/// of the original (comments and order), and leaves nothing to fix.
#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn compose_fixes_keep_every_line_and_read_back() {
    let Some(c) = corpus() else { return };
    let files: Vec<(std::path::PathBuf, &String)> = c
        .projects
        .iter()
        .flat_map(|p| p.compose_files.iter().map(|f| (c.root.join(&p.name), f)))
        .collect();
    let results = common::corpus::run_all_on(&files, |(root, f)| fix_compose(root, f));
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    let (fixes, files_changed) = results.iter().flatten().fold((0, 0), |(n, c), (f, added)| {
        (n + f, c + usize::from(*added > 0))
    });
    // The corpus has services the fixes harden: a fix that stopped
    // applying would pass the checks above vacuously.
    assert!(fixes >= 100, "only {fixes} fixes applied");
    eprintln!(
        "{fixes} fixes applied to {files_changed} of {} compose files",
        files.len()
    );
}
