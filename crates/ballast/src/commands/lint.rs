//! `ballast lint [PATH...]`: lint Dockerfiles (files, directories searched
//! recursively with .gitignore respected, or `-` for standard input) in
//! parallel and report in the chosen format.

use anyhow::Result;
use ballast_linter::{Severity, lint};
use ballast_report::lint::{LintedFile, summarize};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::inputs::images::history_layers;
use crate::inputs::targets::{Job, Prepared, TargetArgs, describe_error, prepare};
use crate::output::{ColorChoice, emit};
use ballast_linter::model::Layers;

#[derive(Args, Debug)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Output format.
    #[arg(long, value_enum, env = "BALLAST_LINT_FORMAT", default_value_t = Format::Terminal)]
    pub format: Format,
    /// Exit with 1 when a finding is at least this severe (`none`: never).
    #[arg(long, value_enum, env = "BALLAST_LINT_FAILURE_THRESHOLD")]
    pub failure_threshold: Option<Threshold>,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// A built image of the Dockerfile (any source `inspect` reads): the
    /// image model takes each step's and the base's bytes from its layers.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// rustc-style diagnostics with source snippets.
    Terminal,
    /// Versioned JSON (docs/lint.md).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub workflow annotations.
    Github,
    /// GitLab Code Quality.
    Gitlab,
}

/// The least severe finding that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Threshold {
    Error,
    Warning,
    Info,
    /// Never fail on findings.
    None,
}

impl Threshold {
    fn fails(self, s: Severity) -> bool {
        match self {
            Threshold::Error => s >= Severity::Error,
            Threshold::Warning => s >= Severity::Warning,
            Threshold::Info => true,
            Threshold::None => false,
        }
    }

    /// The threshold for a job: the flag, else its configuration, else `warning`.
    fn for_job(flag: Option<Threshold>, job: &Job) -> Threshold {
        flag.or(job.configured_threshold)
            .unwrap_or(Threshold::Warning)
    }
}

/// Lints one job; `image` is a built image's layers for the image model.
pub(crate) fn lint_job(prepared: &Prepared, job: &Job, image: Option<Layers<'_>>) -> LintedFile {
    let source = match prepared.source(job) {
        Ok(t) => t,
        Err(e) => {
            return LintedFile {
                path: job.display.clone(),
                source: String::new(),
                findings: Vec::new(),
                error: Some(e),
                image: None,
                line_starts: Default::default(),
            };
        }
    };
    if job.compose {
        return lint_compose_job(prepared, job, source);
    }
    let options = prepared.options(job);
    let df = options.memo.parse(&source);
    match lint(&df, &options) {
        Ok(mut outcome) => {
            let ctx = prepared.context(job);
            let read = |p: &str| ctx.and_then(|c| c.read(p));
            let mut estimate =
                ballast_linter::model::estimate(&source, &options, &read, image).ok();
            if let Some(e) = estimate.as_mut() {
                // The findings' savings become their marginal effects in
                // the model; a failure leaves their own estimates.
                let _ = ballast_linter::marginal::apportion(
                    &mut outcome.findings,
                    e,
                    &source,
                    &options,
                    &read,
                    image,
                );
            }
            let image = estimate;
            for note in &outcome.notes {
                crate::output::note_once(note);
            }
            for (line, problem) in &outcome.pragma_problems {
                eprintln!(
                    "warning: {}",
                    crate::output::one_line(&format!("{}:{line}: {problem}", job.display))
                );
            }
            LintedFile {
                path: job.display.clone(),
                source,
                findings: outcome.findings,
                error: None,
                image,
                line_starts: Default::default(),
            }
        }
        Err(e) => LintedFile {
            path: job.display.clone(),
            source,
            findings: Vec::new(),
            error: Some(describe_error(job, &e)),
            image: None,
            line_starts: Default::default(),
        },
    }
}

/// Lints a compose file with the runtime rules.
fn lint_compose_job(prepared: &Prepared, job: &Job, source: String) -> LintedFile {
    let result = crate::inputs::compose::lint(
        job.located(),
        &source,
        &job.settings,
        &job.display,
        &prepared.images,
    );
    let (findings, error) = match result {
        Ok((_, findings)) => (findings, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    LintedFile {
        path: job.display.clone(),
        source,
        findings,
        error,
        image: None,
        line_starts: Default::default(),
    }
}

pub(crate) fn run(args: LintArgs) -> Result<u8> {
    let prepared = prepare(&args.targets)?;
    let thresholds: Vec<Threshold> = prepared
        .jobs
        .iter()
        .map(|j| Threshold::for_job(args.failure_threshold, j))
        .collect();
    let layers = match &args.image {
        Some(_) if prepared.jobs.len() != 1 => {
            anyhow::bail!(
                "--image: {} Dockerfiles given; an image is the build of one",
                prepared.jobs.len()
            )
        }
        Some(img) => Some(history_layers(img)?),
        None => None,
    };
    let files: Vec<LintedFile> = prepared.map(|job| lint_job(&prepared, job, layers.as_deref()));
    let failing = files
        .iter()
        .zip(&thresholds)
        .any(|(f, t)| f.findings.iter().any(|x| t.fails(x.severity)));
    for f in &files {
        if let Some(e) = &f.error {
            crate::output::print_error(e);
        }
    }
    let summary = summarize(&files);
    let text = match args.format {
        Format::Terminal => ballast_report::lint::terminal(&files, &summary, args.color.enabled()),
        Format::Json => ballast_report::lint::json(&files, &summary),
        Format::Sarif => ballast_report::lint::sarif(&files),
        Format::Github => ballast_report::lint::github(&files),
        Format::Gitlab => ballast_report::lint::gitlab(&files),
    };
    emit(&text)?;
    Ok(if summary.input_errors > 0 {
        exit::ERROR
    } else if failing {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
