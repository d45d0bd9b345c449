//! `ballast fix [PATH...]`: apply the linter's fixes in place (safe ones by
//! default, unsafe ones with `--unsafe-fixes`), or `--restructure` a
//! single-stage Python service into the optimized multi-stage form.
//! `--diff` prints what would change, `--check` only says whether anything
//! would; both write nothing. Files are replaced atomically (see `replace`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use ballast_linter::fix::{Fixed, fix_until_stable};
use ballast_linter::{Applicability, BuildContext, restructure};
use clap::Args;

use crate::exit;
use crate::inputs::targets::{Job, Prepared, TargetArgs, describe_error, prepare};
use crate::output::emit;
use crate::replace::{Change, replace_all};

#[derive(Args, Debug)]
pub(crate) struct FixArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Also apply fixes that may change behaviour (another base image, a moved COPY, a new user).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Rewrite a single-stage Python service into a builder and a slim runtime stage,
    /// and write a .dockerignore when there is none.
    #[arg(long)]
    pub restructure: bool,
    /// Print a unified diff of the changes and write nothing (exit 1 when there are changes).
    #[arg(long)]
    pub diff: bool,
    /// Write nothing; exit 1 when a fix would apply.
    #[arg(long)]
    pub check: bool,
    /// Check that REWRITTEN still builds what ORIGINAL built (requirements,
    /// OS packages, commands, metadata, copies, writable directories); print
    /// what it lost and exit 1 when it lost anything. The context and
    /// options apply to both.
    #[arg(long, num_args = 2, value_names = ["ORIGINAL", "REWRITTEN"], conflicts_with_all = ["restructure", "diff", "check", "unsafe_fixes"])]
    pub verify: Option<Vec<PathBuf>>,
}

/// What fixing one file produced.
struct Outcome {
    display: String,
    /// (path on disk, old text, new text) for every file that changes.
    changes: Vec<(PathBuf, String, String)>,
    /// Lines describing what was applied.
    applied: Vec<String>,
    /// What is left, or why nothing was done.
    notes: Vec<String>,
    error: Option<String>,
    /// Why the restructure was refused.
    refused: Option<String>,
    stdin: bool,
}

impl Outcome {
    fn new(job: &Job) -> Self {
        Outcome {
            display: job.display.clone(),
            changes: Vec::new(),
            applied: Vec::new(),
            notes: Vec::new(),
            error: None,
            refused: None,
            stdin: job.is_stdin(),
        }
    }

    /// Records the context files a fix writes, each with its text before.
    fn context_files<'f>(
        &mut self,
        ctx: Option<&BuildContext>,
        files: impl IntoIterator<Item = (&'f String, &'f String)>,
    ) {
        let Some(ctx) = ctx else {
            return;
        };
        for (rel, text) in files {
            let old = ctx.read(rel).unwrap_or_default();
            self.changes.push((ctx.root.join(rel), old, text.clone()));
        }
    }
}

fn fix_job(prepared: &Prepared, job: &Job, args: &FixArgs) -> Outcome {
    let mut out = Outcome::new(job);
    let source = match prepared.source(job) {
        Ok(s) => s,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    if job.compose {
        fix_compose_job(&mut out, prepared, job, source, args);
        return out;
    }
    let ctx = prepared.context(job);
    let mut options = prepared.options(job);
    // The image as written, before a fix changes the options' files.
    let before = ballast_linter::model::predict_text(&source, &options)
        .ok()
        .map(|m| m.bytes);
    if args.restructure {
        restructure_job(&mut out, job, source, (&options, before), ctx);
        return out;
    }
    let max = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let read = |p: &str| ctx.and_then(|c| c.read(p));
    match fix_until_stable(&source, &mut options, max, &read) {
        Ok(fixed) => {
            if fixed.text != source || !fixed.files.is_empty() {
                out.notes.extend(image_note(
                    &job.display,
                    before,
                    &fixed.text,
                    &fixed.files,
                    &options,
                ));
            }
            record_fixes(&mut out, job, source, &fixed, ctx);
            report_left(&mut out, job, &fixed, args.unsafe_fixes);
        }
        Err(e) => out.error = Some(describe_error(job, &e)),
    }
    out
}

/// Fixes a compose file: the runtime rules' fixes, applied round by round
/// on the lossless YAML tree.
fn fix_compose_job(
    out: &mut Outcome,
    prepared: &Prepared,
    job: &Job,
    source: String,
    args: &FixArgs,
) {
    if args.restructure {
        out.refused = Some(format!(
            "{}: a compose file: --restructure rewrites Dockerfiles",
            job.display
        ));
        return;
    }
    let max = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let lint = |text: &str, _: &ballast_linter::compose::ComposeFile| {
        crate::inputs::compose::lint(
            job.located(),
            text,
            &job.settings,
            &job.display,
            &prepared.images,
        )
        .map(|(_, findings)| findings)
        .unwrap_or_default()
    };
    match ballast_linter::compose::fix_until_stable(&source, &lint, max) {
        Ok(fixed) => {
            record_fixes(out, job, source, &fixed, None);
            report_left(out, job, &fixed, args.unsafe_fixes);
        }
        Err(e) => out.error = Some(format!("{}:{e}", job.display)),
    }
}

/// `fix --restructure`: the new Dockerfile, `.dockerignore` and files, or why not.
fn restructure_job(
    out: &mut Outcome,
    job: &Job,
    source: String,
    (options, before): (&ballast_linter::LintOptions<'_>, Option<u64>),
    ctx: Option<&BuildContext>,
) {
    let df = options.memo.parse(&source);
    match restructure::restructure(&df, options) {
        Ok(r) => {
            out.applied
                .extend(r.notes.iter().map(|n| format!("restructure: {n}")));
            out.notes.extend(image_note(
                &job.display,
                before,
                &r.dockerfile,
                &r.files,
                options,
            ));
            out.changes.push((job.path.clone(), source, r.dockerfile));
            if let (Some(text), Some(ctx)) = (r.dockerignore, ctx) {
                out.changes
                    .push((ctx.root.join(".dockerignore"), String::new(), text));
            }
            out.context_files(ctx, &r.files);
        }
        Err(restructure::Refusal::Lint(e)) => out.error = Some(describe_error(job, &e)),
        Err(restructure::Refusal::Unsupported(why)) => {
            out.refused = Some(format!("{}: not restructured: {why}", job.display));
        }
    }
}

/// The fixes applied and the files they change.
fn record_fixes(
    out: &mut Outcome,
    job: &Job,
    source: String,
    fixed: &Fixed,
    ctx: Option<&BuildContext>,
) {
    for a in &fixed.applied {
        let files = if a.files.is_empty() {
            String::new()
        } else {
            format!(" [{}]", a.files.join(", "))
        };
        out.applied.push(format!(
            "{}:{}: {} {}: {}{files}",
            job.display, a.line, a.code, a.name, a.message
        ));
    }
    if fixed.text != source {
        out.changes
            .push((job.path.clone(), source, fixed.text.clone()));
    }
    out.context_files(ctx, &fixed.files);
}

/// What the fixes left: rejected fixes, problems remaining, rounds run out.
fn report_left(out: &mut Outcome, job: &Job, fixed: &Fixed, unsafe_fixes: bool) {
    for r in &fixed.rejected {
        out.notes.push(format!(
            "{}:{}: {} {}: not applied ({}): it would lose {}",
            job.display,
            r.line,
            r.code,
            r.name,
            r.message,
            r.lost()
        ));
    }
    let unsafe_left = fixed
        .remaining
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Unsafe)
        })
        .count();
    if !fixed.remaining.is_empty() {
        let mut note = format!("{}: {} problem(s) left", job.display, fixed.remaining.len());
        if unsafe_left > 0 && !unsafe_fixes {
            note.push_str(&format!(", {unsafe_left} fixable with --unsafe-fixes"));
        }
        out.notes.push(note);
    }
    if !fixed.converged {
        out.notes.push(format!(
            "{}: fixes still changed the file after {} rounds; run again",
            job.display, fixed.rounds
        ));
    }
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    let name = name.strip_prefix("./").unwrap_or(&name);
    // A file the change creates reads from /dev/null, as git shows it.
    let from = if path.exists() {
        format!("a/{name}")
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{name}"))
        .to_string()
}

/// `--verify ORIGINAL REWRITTEN`.
fn verify(args: &FixArgs, pair: &[PathBuf]) -> Result<u8> {
    let mut targets = args.targets.clone();
    targets.paths = vec![pair[0].clone()];
    let prepared = prepare(&targets)?;
    let Some(job) = prepared.jobs.first() else {
        return Ok(exit::ERROR);
    };
    let parse = |path: &Path, text: Result<String, String>| match text {
        Ok(t) => {
            let df = ballast_dockerfile::Dockerfile::parse(&t);
            match df.errors.first() {
                Some(e) => Err(format!(
                    "{}:{}:{}: {}",
                    path.display(),
                    e.line,
                    e.column,
                    e.message
                )),
                None => Ok(df),
            }
        }
        Err(e) => Err(e),
    };
    let original = parse(&pair[0], prepared.source(job));
    let rewritten = parse(
        &pair[1],
        crate::inputs::read_text(&pair[1]).map_err(|e| format!("{e:#}")),
    );
    let (original, rewritten) = match (original, rewritten) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            crate::output::print_error(e);
            return Ok(exit::ERROR);
        }
    };
    let options = prepared.options(job);
    let losses = match ballast_linter::preserve::check(&original, &rewritten, &options, &options) {
        Ok(l) => l,
        Err(e) => {
            crate::output::print_error(describe_error(job, &e));
            return Ok(exit::ERROR);
        }
    };
    let mut text = String::new();
    for l in &losses {
        text.push_str(&format!(
            "{}: {l} (of {})\n",
            pair[1].display(),
            pair[0].display()
        ));
    }
    text.push_str(&match losses.len() {
        0 => format!(
            "{} keeps everything {} builds.\n",
            pair[1].display(),
            pair[0].display()
        ),
        n => format!("{n} thing(s) of {} lost.\n", pair[0].display()),
    });
    emit(&text)?;
    Ok(if losses.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

pub(crate) fn run(args: FixArgs) -> Result<u8> {
    if let Some(pair) = &args.verify {
        return verify(&args, pair);
    }
    let prepared = prepare(&args.targets)?;
    let outcomes = prepared.map(|job| fix_job(&prepared, job, &args));
    let mut text = String::new();
    let mut tally = Tally::default();
    for o in &outcomes {
        render_outcome(o, &args, &prepared, &mut text, &mut tally);
    }
    if let Some(line) = summary_line(&outcomes, &args, tally.changed) {
        text.push_str(&line);
    }
    emit(&text)?;
    Ok(if tally.errors {
        exit::ERROR
    } else if tally.refused || ((args.check || args.diff) && tally.changed > 0) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// What the outcomes came to, for the exit code and the summary.
#[derive(Default)]
struct Tally {
    errors: bool,
    refused: bool,
    changed: usize,
}

/// One file's outcome: errors and refusals to stderr; the fixed text (from
/// standard input), the diff, or the files rewritten in place, and the
/// lines saying what was fixed.
fn render_outcome(
    o: &Outcome,
    args: &FixArgs,
    prepared: &Prepared,
    text: &mut String,
    tally: &mut Tally,
) {
    if let Some(e) = &o.error {
        crate::output::print_error(e);
        tally.errors = true;
        return;
    }
    if let Some(why) = &o.refused {
        eprintln!("{why}");
        tally.refused = true;
        return;
    }
    tally.changed += o.changes.len();
    if o.stdin && !args.diff && !args.check {
        // The fixed text replaces the input on standard output.
        let fixed = o.changes.first().map_or_else(
            || prepared.source(&prepared.jobs[0]).unwrap_or_default(),
            |c| c.2.clone(),
        );
        text.push_str(&fixed);
        for line in o.applied.iter().chain(&o.notes) {
            eprintln!("{line}");
        }
        return;
    }
    if args.diff {
        for (path, old, new) in &o.changes {
            text.push_str(&unified_diff(path, old, new));
        }
    } else if !args.check {
        let changes: Vec<Change<'_>> = o
            .changes
            .iter()
            .map(|(path, old, new)| Change { path, old, new })
            .collect();
        if let Err(e) = replace_all(&changes) {
            crate::output::print_error(format!("{e:#}"));
            tally.errors = true;
            return;
        }
    }
    report_fixes(o, args, text);
}

/// The lines saying what was (or would be) fixed, and the notes: on
/// stdout, or on stderr beside a diff.
fn report_fixes(o: &Outcome, args: &FixArgs, text: &mut String) {
    let verb = if args.check || args.diff {
        "would fix"
    } else {
        "fixed"
    };
    let applied = o.applied.iter().map(|line| {
        line.strip_prefix("restructure: ").map_or_else(
            || format!("{verb} {line}"),
            |n| format!("{}: {n}", o.display),
        )
    });
    for line in applied.chain(o.notes.iter().cloned()) {
        if args.diff {
            eprintln!("{line}");
        } else {
            text.push_str(&line);
            text.push('\n');
        }
    }
}

/// `N problem(s) fixed, M file(s) changed.` (or what would be), unless the
/// output is a diff, a fixed standard input, or every file was refused.
fn summary_line(outcomes: &[Outcome], args: &FixArgs, changed: usize) -> Option<String> {
    let all_refused = outcomes.iter().all(|o| o.refused.is_some());
    if args.diff || outcomes.iter().any(|o| o.stdin) || all_refused {
        return None;
    }
    let fixes: usize = outcomes
        .iter()
        .map(|o| {
            o.applied
                .iter()
                .filter(|a| !a.starts_with("restructure: "))
                .count()
        })
        .sum();
    let (verb, would) = if args.check {
        ("would be fixed", "would change")
    } else {
        ("fixed", "changed")
    };
    Some(if args.restructure {
        format!("Restructured: {changed} file(s) {would}.\n")
    } else {
        format!("{fixes} problem(s) {verb}, {changed} file(s) {would}.\n")
    })
}

/// The image before and after the rewrite, as ballast's image model
/// predicts them: `None` when either cannot be predicted.
fn image_note(
    display: &str,
    before: Option<u64>,
    after: &str,
    files: &std::collections::BTreeMap<String, String>,
    options: &ballast_linter::LintOptions<'_>,
) -> Option<String> {
    use ballast_report::bytes::format_bytes;
    let new =
        ballast_linter::model::predict_text(after, &options.with_overlay(files.clone())).ok()?;
    Some(format!(
        "{display}: image about {} before, about {} after (estimate: ballast's image model; `ballast lint --format json` gives it step by step)",
        format_bytes(before?),
        format_bytes(new.bytes)
    ))
}
