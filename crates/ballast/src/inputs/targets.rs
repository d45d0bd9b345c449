//! What `lint` and `fix` share: the Dockerfiles to work on (files,
//! directories searched with .gitignore respected, standard input), the
//! settings for each from configuration, environment and flags, their build
//! contexts, and running the work in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ballast_dockerfile::stages::BuildOptions;
use std::sync::Arc;

use ballast_context::project::{Project, ignore_file_for};
use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::names::{is_dockerfile_name, is_template_name};
use ballast_linter::{BuildContext, LintError, LintOptions, Memo, Settings, Severity};
use ballast_ml::bases::ResolvedBases;
use clap::Args;
use rayon::prelude::*;

use crate::config::{self, LintConfig};
use crate::inputs::bases;
use crate::inputs::project::build_options;
use crate::inputs::read_text;
use ballast_linter::compose::is_compose_name;

/// Which Dockerfiles, and the rule settings.
#[derive(Args, Debug, Clone)]
pub(crate) struct TargetArgs {
    /// Dockerfiles, or directories to search (Dockerfile, Containerfile,
    /// *Dockerfile, Dockerfile.*, Dockerfile-*, Dockerfile_*; templates and
    /// .gitignore'd files skipped); `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
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
    /// BuildKit's check controls for every file (`skip=Rule1,Rule2|all;
    /// error=true;experimental=Rule`), in place of each file's `# check=`
    /// directive, as BuildKit's build argument of the same name.
    #[arg(long, value_name = "CONTROLS", env = "BUILDKIT_DOCKERFILE_CHECK")]
    pub buildkit_check: Option<String>,
    /// The configuration file (default: ballast.toml or pyproject.toml found upward).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub resolve_bases: crate::inputs::bases::ResolveBasesArg,
    /// The name to show for standard input.
    #[arg(long, default_value = "-")]
    pub stdin_filename: String,
}

/// A build context: its root and the ignore file in force.
type ContextKey = (PathBuf, Option<PathBuf>);

/// One Dockerfile to work on.
#[derive(Debug)]
pub(crate) struct Job {
    pub path: PathBuf,
    /// The path as shown.
    pub display: String,
    pub settings: Settings,
    /// `[lint] failure-threshold` of its configuration file.
    pub configured_threshold: Option<crate::commands::lint::Threshold>,
    context_key: Option<ContextKey>,
    /// What its lints share: the parsed text, findings and models.
    memo: Memo,
    /// The Dockerfile as a command already read and parsed it.
    parsed: Option<Arc<Dockerfile>>,
    /// A compose file (judged by the runtime rules), not a Dockerfile.
    pub compose: bool,
}

impl Job {
    pub(crate) fn is_stdin(&self) -> bool {
        self.path == Path::new("-")
    }

    /// Where the file is, for the paths it names: standard input stands
    /// where `--stdin-filename` says.
    pub(crate) fn located(&self) -> &Path {
        if self.is_stdin() {
            Path::new(&self.display)
        } else {
            &self.path
        }
    }
}

/// The jobs with their shared inputs.
pub(crate) struct Prepared {
    pub jobs: Vec<Job>,
    pub build: BuildOptions,
    pub target: Option<String>,
    contexts: HashMap<ContextKey, Arc<BuildContext>>,
    stdin: Option<Result<String, String>>,
    /// Base images resolved with `--resolve-bases`.
    bases: std::sync::Arc<ResolvedBases>,
    /// The images compose files' services build, judged once each.
    pub images: crate::inputs::compose::Images,
}

/// Whether a file is a Kubernetes manifest beside a Dockerfile (or in a
/// `k8s` or `kubernetes` directory): a YAML file whose text has
/// `apiVersion` and `kind` at the top.
fn is_manifest_beside(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase());
    let yaml = name.is_some_and(|n| n.ends_with(".yaml") || n.ends_with(".yml"));
    let Some(dir) = path.parent().filter(|_| yaml) else {
        return false;
    };
    let k8s_dir = dir
        .file_name()
        .is_some_and(|d| matches!(d.to_string_lossy().as_ref(), "k8s" | "kubernetes"));
    (k8s_dir || dir.join("Dockerfile").is_file()) && {
        // The head is enough to tell; the job reads the file whole.
        let mut head = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                std::io::Read::read_to_end(&mut std::io::Read::take(f, 64 * 1024), &mut head)
            })
            .is_ok_and(|_| ballast_linter::compose::is_manifest(&String::from_utf8_lossy(&head)))
    }
}

/// Dockerfiles under a directory, .gitignore respected, sorted. Templates
/// (`Dockerfile.jinja2`) are left out, each with a note on stderr.
fn discover(dir: &Path) -> Vec<PathBuf> {
    let found: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            is_dockerfile_name(&name) || is_compose_name(&name) || is_manifest_beside(e.path())
        })
        .map(|e| e.into_path())
        .collect();
    let (templates, mut out): (Vec<PathBuf>, Vec<PathBuf>) = found.into_iter().partition(|p| {
        p.file_name()
            .is_some_and(|n| is_template_name(&n.to_string_lossy()))
    });
    for t in templates {
        eprintln!(
            "note: {}: skipped, a template (render it, then lint the result)",
            crate::output::one_line(&t.display().to_string())
        );
    }
    out.sort();
    out
}

/// The settings from a configuration file, environment and flags.
fn settings_for(
    args: &TargetArgs,
    cfg: &LintConfig,
    cfg_dir: Option<&Path>,
    path: &Path,
) -> Result<Settings> {
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
        buildkit_check: args
            .buildkit_check
            .clone()
            .or_else(|| cfg.buildkit_check.clone()),
        ..Settings::default()
    };
    for (rule, sev) in &cfg.severity {
        s.severity.push((rule.clone(), *sev));
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
    Ok(s)
}

/// Finds the Dockerfiles, their settings and build contexts.
pub(crate) fn prepare(args: &TargetArgs) -> Result<Prepared> {
    prepare_with(args, None)
}

/// The same for a project a command has loaded: its Dockerfile is not read
/// or parsed again, nor its context walked again.
pub(crate) fn prepare_with(args: &TargetArgs, known: Option<&Project>) -> Result<Prepared> {
    if let Some(c) = &args.context
        && !c.is_dir()
    {
        bail!("--context {}: not a directory", c.display());
    }
    let mut configs = Configs::new(args.config.as_deref())?;
    let mut jobs = Vec::new();
    for p in &args.paths {
        for f in files_of(p)? {
            jobs.push(job_for(args, f, &mut configs)?);
        }
    }
    let mut contexts = HashMap::new();
    if let Some(p) = known {
        let key = (p.dir().to_path_buf(), p.context.ignore_path.clone());
        contexts.insert(key, p.context.clone());
        for job in jobs.iter_mut().filter(|j| j.path == p.dockerfile_path) {
            job.memo.seed(p.df.clone());
            job.parsed = Some(p.df.clone());
        }
    }
    load_contexts(&jobs, &mut contexts);
    // Standard input is read once, before the parallel part.
    let stdin = jobs
        .iter()
        .any(Job::is_stdin)
        .then(|| read_text(Path::new("-")).map_err(|e| format!("{e:#}")));
    let mut prepared = Prepared {
        jobs,
        build: build_options(&args.build_args)?,
        target: args.target.clone(),
        contexts,
        stdin,
        bases: Default::default(),
        images: Default::default(),
    };
    if let Some(source) = args.resolve_bases.source {
        // Read and parsed here once, for the lookup and then the lint.
        for i in 0..prepared.jobs.len() {
            if prepared.jobs[i].compose {
                continue;
            }
            if let Ok(text) = prepared.source(&prepared.jobs[i]) {
                let job = &mut prepared.jobs[i];
                job.parsed = Some(job.memo.parse(&text));
            }
        }
        let sources: Vec<(String, LintOptions<'_>)> = prepared
            .jobs
            .iter()
            .filter(|j| !j.compose)
            .filter_map(|j| Some((prepared.source(j).ok()?, prepared.options(j))))
            .collect();
        let bases = bases::resolve(source, &sources);
        drop(sources);
        prepared.bases = std::sync::Arc::new(bases);
    }
    Ok(prepared)
}

/// The Dockerfiles a path names: standard input, the file, or those found
/// in a directory.
fn files_of(p: &Path) -> Result<Vec<PathBuf>> {
    if p == Path::new("-") {
        return Ok(vec![p.to_path_buf()]);
    }
    if p.is_dir() {
        let found = discover(p);
        if found.is_empty() {
            bail!(
                "{}: no Dockerfile or compose file found (looked for Dockerfile, Containerfile, *Dockerfile, Dockerfile.*, Dockerfile-*, Dockerfile_*, compose*.yaml, docker-compose*.yml)",
                p.display()
            );
        }
        return Ok(found);
    }
    if !p.exists() {
        bail!("{}: no such file or directory", p.display());
    }
    Ok(vec![p.to_path_buf()])
}

/// One Dockerfile's job: its settings from the configuration nearest it,
/// its build context, how it is shown.
fn job_for(args: &TargetArgs, f: PathBuf, configs: &mut Configs) -> Result<Job> {
    let stdin = f == Path::new("-");
    let dir = if stdin {
        PathBuf::from(".")
    } else {
        f.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let (cfg, cfg_dir) = configs.for_dir(&dir)?;
    let settings = settings_for(args, &cfg, cfg_dir.as_deref(), &f)?;
    // Standard input is a compose file when `--stdin-filename` names one.
    let named = if stdin {
        Path::new(&args.stdin_filename)
    } else {
        f.as_path()
    };
    let compose = named
        .file_name()
        .is_some_and(|n| ballast_linter::compose::is_compose_path(&n.to_string_lossy()));
    let root = match &args.context {
        // A compose file names its services' contexts itself.
        _ if args.no_context || compose => None,
        Some(c) => Some(c.clone()),
        None if stdin => None,
        None => Some(dir),
    };
    let context_key = root.map(|root| {
        let ignore = ignore_file_for(&root, (!stdin).then_some(f.as_path()));
        (root, ignore)
    });
    let display = if stdin {
        args.stdin_filename.clone()
    } else {
        // `ballast lint` on `.` shows `Dockerfile`, not `./Dockerfile`.
        let shown = f.display().to_string();
        shown
            .strip_prefix("./")
            .map(str::to_string)
            .unwrap_or(shown)
    };
    Ok(Job {
        display,
        path: f,
        settings,
        configured_threshold: cfg.failure_threshold,
        context_key,
        memo: Memo::default(),
        parsed: None,
        compose,
    })
}

/// The configuration of each directory: one file for all with `--config`,
/// else the nearest, each read once (and its notes said once).
struct Configs {
    explicit: Option<config::Loaded>,
    by_dir: HashMap<PathBuf, (LintConfig, Option<PathBuf>)>,
    noted: std::collections::HashSet<PathBuf>,
}

impl Configs {
    fn new(explicit: Option<&Path>) -> Result<Configs> {
        Ok(Configs {
            explicit: explicit.map(config::load).transpose()?,
            by_dir: HashMap::new(),
            noted: Default::default(),
        })
    }

    /// The `[lint]` settings for a directory, and the directory of the
    /// file they come from (per-path globs are relative to it).
    fn for_dir(&mut self, dir: &Path) -> Result<(LintConfig, Option<PathBuf>)> {
        let parent = |l: &config::Loaded| {
            l.path
                .as_ref()
                .and_then(|p| p.parent().map(Path::to_path_buf))
        };
        if let Some(l) = &self.explicit {
            return Ok((l.config.lint.clone(), parent(l)));
        }
        if let Some(c) = self.by_dir.get(dir) {
            return Ok(c.clone());
        }
        let l = config::discover(dir)?;
        if let Some(path) = &l.path
            && !l.notes.is_empty()
            && self.noted.insert(path.clone())
        {
            eprintln!(
                "note: {}: read as ballast settings; not carried over: {}",
                crate::output::one_line(&path.display().to_string()),
                l.notes.join("; ")
            );
        }
        let c = (l.config.lint.clone(), parent(&l));
        self.by_dir.insert(dir.to_path_buf(), c.clone());
        Ok(c)
    }
}

/// Walks the build contexts the jobs need and `contexts` lacks, each once
/// however many Dockerfiles share its root and ignore file.
fn load_contexts(jobs: &[Job], contexts: &mut HashMap<ContextKey, Arc<BuildContext>>) {
    let mut keys: Vec<ContextKey> = jobs.iter().filter_map(|j| j.context_key.clone()).collect();
    keys.sort();
    keys.dedup();
    keys.retain(|k| !contexts.contains_key(k));
    let load = |key: ContextKey| match BuildContext::load_with(&key.0, key.1.as_deref()) {
        Ok(c) => Some((key, Arc::new(c))),
        Err(e) => {
            eprintln!(
                "warning: {}: cannot read the build context ({e}); working without it",
                key.0.display()
            );
            None
        }
    };
    if jobs.len() > 1 {
        contexts.par_extend(keys.into_par_iter().filter_map(load));
    } else {
        contexts.extend(keys.into_iter().filter_map(load));
    }
}

impl Prepared {
    /// The text of a job's Dockerfile, or why it cannot be read.
    pub(crate) fn source(&self, job: &Job) -> Result<String, String> {
        if let Some(df) = &job.parsed {
            return Ok(df.source.clone());
        }
        match &self.stdin {
            Some(t) if job.is_stdin() => t.clone(),
            _ => read_text(&job.path).map_err(|e| format!("{e:#}")),
        }
    }

    /// A job's build context, if it has one.
    pub(crate) fn context(&self, job: &Job) -> Option<&BuildContext> {
        self.contexts.get(job.context_key.as_ref()?).map(|c| &**c)
    }

    /// Lint options for a job.
    pub(crate) fn options(&self, job: &Job) -> LintOptions<'_> {
        LintOptions {
            settings: job.settings.clone(),
            build: self.build.clone(),
            target: self.target.clone(),
            context: self.context(job),
            path: Some(job.display.clone()),
            bases: self.bases.clone(),
            memo: job.memo.clone(),
            ..LintOptions::default()
        }
    }

    /// Runs `f` on every job, in parallel when there are several (starting
    /// a thread pool costs more than linting one file); results in job order.
    pub(crate) fn map<T: Send>(&self, f: impl Fn(&Job) -> T + Sync + Send) -> Vec<T> {
        if self.jobs.len() > 1 {
            self.jobs.par_iter().map(f).collect()
        } else {
            self.jobs.iter().map(f).collect()
        }
    }
}

/// A lint error as one line naming the file.
pub(crate) fn describe_error(job: &Job, e: &LintError) -> String {
    match e {
        LintError::UnknownTarget(_) | LintError::NoStage => format!("{}: {e}", job.display),
        _ => format!("{}:{e}", job.display),
    }
}
