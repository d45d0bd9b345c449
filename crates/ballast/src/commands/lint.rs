//! `ballast lint [PATH...]`: lint Dockerfiles (files, directories searched
//! recursively with .gitignore respected, or `-` for standard input) in
//! parallel and report in the chosen format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ballast_dockerfile::Dockerfile;
use ballast_linter::{BuildContext, LintOptions, Settings, Severity, lint};
use ballast_report::lint::{LintedFile, summarize};
use clap::{Args, ValueEnum};
use rayon::prelude::*;

use crate::commands::project::build_options;
use crate::config::{self, LintConfig};
use crate::exit;
use crate::input::read_text;
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Dockerfiles, or directories to search (Dockerfile, Containerfile,
    /// *.Dockerfile, Dockerfile.*; .gitignore respected); `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, env = "BALLAST_LINT_FORMAT", default_value_t = Format::Terminal)]
    pub format: Format,
    /// Rules to run (codes, names, families, code prefixes, ALL), replacing the configured selection.
    #[arg(long, value_delimiter = ',', env = "BALLAST_LINT_SELECT")]
    pub select: Option<Vec<String>>,
    /// Rules to run in addition to the selection.
    #[arg(long, value_delimiter = ',', env = "BALLAST_LINT_EXTEND_SELECT")]
    pub extend_select: Vec<String>,
    /// Rules not to run (added to the configured ones).
    #[arg(long, value_delimiter = ',', env = "BALLAST_LINT_IGNORE")]
    pub ignore: Vec<String>,
    /// Severity override, `RULE=error|warning|info` (repeatable).
    #[arg(
        long,
        value_name = "RULE=LEVEL",
        value_delimiter = ',',
        env = "BALLAST_LINT_SEVERITY"
    )]
    pub severity: Vec<String>,
    /// Exit with 1 when a finding is at least this severe (`none`: never).
    #[arg(long, value_enum, env = "BALLAST_LINT_FAILURE_THRESHOLD")]
    pub failure_threshold: Option<Threshold>,
    /// A registry base images may come from (repeatable; turns on untrusted-registry).
    #[arg(
        long = "trusted-registry",
        value_delimiter = ',',
        env = "BALLAST_TRUSTED_REGISTRIES"
    )]
    pub trusted_registries: Vec<String>,
    /// The stage to judge (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// A build argument, `NAME=VALUE` (repeatable).
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
    /// The build context (default: each Dockerfile's directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Do not read the build context (context rules and requirement files are skipped).
    #[arg(long, conflicts_with = "context")]
    pub no_context: bool,
    /// Ignore `# ballast:` and `# hadolint` suppression comments.
    #[arg(long, env = "BALLAST_LINT_DISABLE_PRAGMAS")]
    pub disable_pragmas: bool,
    /// The configuration file (default: ballast.toml or pyproject.toml found upward).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The name to show for standard input.
    #[arg(long, default_value = "-")]
    pub stdin_filename: String,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Threshold {
    Error,
    Warning,
    Info,
    /// Never fail on findings.
    None,
}

impl Threshold {
    fn parse(s: &str) -> Option<Threshold> {
        <Threshold as ValueEnum>::from_str(s, true).ok()
    }

    fn fails(self, s: Severity) -> bool {
        match self {
            Threshold::Error => s >= Severity::Error,
            Threshold::Warning => s >= Severity::Warning,
            Threshold::Info => true,
            Threshold::None => false,
        }
    }
}

/// A file to lint, with the settings that apply to it.
struct Job {
    path: PathBuf,
    display: String,
    settings: Settings,
    threshold: Threshold,
    context_root: Option<PathBuf>,
}

/// Whether a file name is a Dockerfile by name.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

/// Dockerfiles under a directory, .gitignore respected, sorted.
fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| is_dockerfile_name(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// The settings from a configuration file, environment and flags.
fn settings_for(
    args: &LintArgs,
    cfg: &LintConfig,
    cfg_dir: Option<&Path>,
    path: &Path,
) -> Result<(Settings, Threshold)> {
    let mut s = Settings {
        select: args
            .select
            .clone()
            .or_else(|| cfg.select.clone())
            .unwrap_or_default(),
        extend_select: cfg
            .extend_select
            .iter()
            .chain(&args.extend_select)
            .cloned()
            .collect(),
        ignore: cfg.ignore.iter().chain(&args.ignore).cloned().collect(),
        trusted_registries: if args.trusted_registries.is_empty() {
            cfg.trusted_registries.clone()
        } else {
            args.trusted_registries.clone()
        },
        disable_pragmas: args.disable_pragmas || cfg.disable_pragmas,
        ..Settings::default()
    };
    for (rule, level) in &cfg.severity {
        let sev = Severity::parse(level).ok_or_else(|| {
            anyhow::anyhow!(
                "[lint.severity] {rule}: unknown severity {level:?} (error, warning, info)"
            )
        })?;
        s.severity.push((rule.clone(), sev));
    }
    for item in &args.severity {
        let Some((rule, level)) = item.split_once('=') else {
            bail!("--severity {item:?}: expected RULE=LEVEL");
        };
        let sev = Severity::parse(level).ok_or_else(|| {
            anyhow::anyhow!(
                "--severity {item:?}: unknown severity {level:?} (error, warning, info)"
            )
        })?;
        s.severity.push((rule.to_string(), sev));
    }
    // Per-path globs are relative to the configuration file's directory.
    if !cfg.per_path_ignores.is_empty() {
        let rel = cfg_dir
            .and_then(|d| {
                let d = std::fs::canonicalize(d).ok()?;
                let p = std::fs::canonicalize(path).ok()?;
                p.strip_prefix(d)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| path.to_string_lossy().into_owned());
        for (glob, rules) in &cfg.per_path_ignores {
            if ballast_linter::settings::glob_matches(glob, &rel) {
                s.ignore.extend(rules.iter().cloned());
            }
        }
    }
    s.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let threshold = match args.failure_threshold {
        Some(t) => t,
        None => match &cfg.failure_threshold {
            Some(t) => Threshold::parse(t).ok_or_else(|| {
                anyhow::anyhow!(
                    "[lint] failure-threshold: unknown value {t:?} (error, warning, info, none)"
                )
            })?,
            None => Threshold::Warning,
        },
    };
    Ok((s, threshold))
}

pub fn run(args: LintArgs) -> Result<u8> {
    // Configuration: one file for all with --config, else the nearest per directory.
    let explicit = match &args.config {
        Some(p) => Some(config::load(p)?),
        None => None,
    };
    let mut by_dir: HashMap<PathBuf, (LintConfig, Option<PathBuf>)> = HashMap::new();
    let mut config_for = |dir: &Path| -> Result<(LintConfig, Option<PathBuf>)> {
        if let Some(l) = &explicit {
            return Ok((
                l.config.lint.clone(),
                l.path
                    .as_ref()
                    .and_then(|p| p.parent().map(Path::to_path_buf)),
            ));
        }
        if let Some(c) = by_dir.get(dir) {
            return Ok(c.clone());
        }
        let l = config::discover(dir)?;
        let c = (
            l.config.lint.clone(),
            l.path
                .as_ref()
                .and_then(|p| p.parent().map(Path::to_path_buf)),
        );
        by_dir.insert(dir.to_path_buf(), c.clone());
        Ok(c)
    };

    let mut jobs = Vec::new();
    for p in &args.paths {
        let files = if p == Path::new("-") {
            vec![p.clone()]
        } else if p.is_dir() {
            let found = discover(p);
            if found.is_empty() {
                bail!(
                    "{}: no Dockerfile found (looked for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)",
                    p.display()
                );
            }
            found
        } else if p.exists() {
            vec![p.clone()]
        } else {
            bail!("{}: no such file or directory", p.display());
        };
        for f in files {
            let stdin = f == Path::new("-");
            let dir = if stdin {
                PathBuf::from(".")
            } else {
                f.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            };
            let (cfg, cfg_dir) = config_for(&dir)?;
            let (settings, threshold) = settings_for(&args, &cfg, cfg_dir.as_deref(), &f)?;
            let context_root = if args.no_context {
                None
            } else if let Some(c) = &args.context {
                Some(c.clone())
            } else if stdin {
                None
            } else {
                Some(dir.clone())
            };
            jobs.push(Job {
                display: if stdin {
                    args.stdin_filename.clone()
                } else {
                    // `ballast lint` on `.` shows `Dockerfile`, not `./Dockerfile`.
                    let shown = f.display().to_string();
                    shown
                        .strip_prefix("./")
                        .map(str::to_string)
                        .unwrap_or(shown)
                },
                path: f,
                settings,
                threshold,
                context_root,
            });
        }
    }
    if let Some(c) = &args.context
        && !c.is_dir()
    {
        bail!("--context {}: not a directory", c.display());
    }
    let build = build_options(&args.build_args)?;

    // Build contexts shared by Dockerfiles with the same root and ignore file.
    let mut keys: Vec<(PathBuf, Option<PathBuf>)> = jobs
        .iter()
        .filter_map(|j| {
            let root = j.context_root.clone()?;
            let df = (j.path != Path::new("-")).then(|| j.path.clone());
            Some((
                root.clone(),
                ballast_linter::project::ignore_file_for(&root, df.as_deref()),
            ))
        })
        .collect();
    keys.sort();
    keys.dedup();
    // One file needs no thread pool (starting one costs more than linting).
    let parallel = jobs.len() > 1;
    let load_context =
        |key: (PathBuf, Option<PathBuf>)| match BuildContext::load_with(&key.0, key.1.as_deref()) {
            Ok(c) => Some((key, c)),
            Err(e) => {
                eprintln!(
                    "warning: {}: cannot read the build context ({e}); linting without it",
                    key.0.display()
                );
                None
            }
        };
    let contexts: HashMap<(PathBuf, Option<PathBuf>), BuildContext> = if parallel {
        keys.into_par_iter().filter_map(load_context).collect()
    } else {
        keys.into_iter().filter_map(load_context).collect()
    };

    // Standard input is read once, before the parallel part.
    let stdin_text: Option<Result<String, String>> = jobs
        .iter()
        .any(|j| j.path == Path::new("-"))
        .then(|| read_text(Path::new("-")).map_err(|e| format!("{e:#}")));
    let lint_one = |job: &Job| {
        let text = match &stdin_text {
            Some(t) if job.path == Path::new("-") => t.clone(),
            _ => read_text(&job.path).map_err(|e| format!("{e:#}")),
        };
        let source = match text {
            Ok(t) => t,
            Err(e) => {
                return (
                    LintedFile {
                        path: job.display.clone(),
                        source: String::new(),
                        findings: Vec::new(),
                        error: Some(e),
                    },
                    job.threshold,
                );
            }
        };
        let ctx = job.context_root.as_ref().and_then(|root| {
            let df = (job.path != Path::new("-")).then(|| job.path.clone());
            contexts.get(&(
                root.clone(),
                ballast_linter::project::ignore_file_for(root, df.as_deref()),
            ))
        });
        let df = Dockerfile::parse(&source);
        let options = LintOptions {
            settings: job.settings.clone(),
            build: build.clone(),
            target: args.target.clone(),
            context: ctx,
            path: Some(job.display.clone()),
        };
        let file = match lint(&df, &options) {
            Ok(outcome) => {
                for (line, problem) in &outcome.pragma_problems {
                    eprintln!("warning: {}:{line}: {problem}", job.display);
                }
                LintedFile {
                    path: job.display.clone(),
                    source,
                    findings: outcome.findings,
                    error: None,
                }
            }
            Err(e) => {
                let message = match &e {
                    ballast_linter::LintError::UnknownTarget(_)
                    | ballast_linter::LintError::NoStage => format!("{}: {e}", job.display),
                    _ => format!("{}:{e}", job.display),
                };
                LintedFile {
                    path: job.display.clone(),
                    source,
                    findings: Vec::new(),
                    error: Some(message),
                }
            }
        };
        (file, job.threshold)
    };
    let results: Vec<(LintedFile, Threshold)> = if parallel {
        jobs.par_iter().map(lint_one).collect()
    } else {
        jobs.iter().map(lint_one).collect()
    };

    let failing = results
        .iter()
        .any(|(f, t)| f.findings.iter().any(|x| t.fails(x.severity)));
    let files: Vec<LintedFile> = results.into_iter().map(|(f, _)| f).collect();
    for f in &files {
        if let Some(e) = &f.error {
            eprintln!("error: {e}");
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
