//! Finding and reading a project: the Dockerfile, its stages, the ignore
//! file and the build context.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ballast_context::copies::{ContextUse, Transfer};
use ballast_context::ignore::IgnoreFile;
use ballast_context::project::{ignore_file_for, read_in_context};
use ballast_context::walk::{Context, walk};
use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::stages::{BuildOptions, StageGraph};
use clap::Args;

use crate::input::read_text;

/// Where the project is.
#[derive(Args, Debug, Clone, Default)]
pub struct ProjectArgs {
    /// The build context directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The Dockerfile (default: DIR/Dockerfile, else DIR/Containerfile).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The stage to build (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// A build argument, `NAME=VALUE` (repeatable).
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
}

/// A loaded project.
pub struct Project {
    pub dir: PathBuf,
    pub dockerfile_path: PathBuf,
    pub df: Dockerfile,
    pub graph: StageGraph,
    pub ignore: IgnoreFile,
}

/// The Dockerfile of a context directory.
pub fn find_dockerfile(dir: &Path, file: Option<&Path>) -> Result<PathBuf> {
    if let Some(f) = file {
        return Ok(f.to_path_buf());
    }
    for name in ["Dockerfile", "Containerfile", "dockerfile"] {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "{}: no Dockerfile or Containerfile found (give one with -f)",
        dir.display()
    )
}

/// Reads and checks a Dockerfile: a malformed file is an error naming the
/// first problem as `path:line:col: message`.
pub fn parse_dockerfile(path: &Path) -> Result<Dockerfile> {
    let text = read_text(path)?;
    let df = Dockerfile::parse(&text);
    if let Some(e) = df.errors.first() {
        let more = if df.errors.len() > 1 {
            format!(" (and {} more)", df.errors.len() - 1)
        } else {
            String::new()
        };
        bail!(
            "{}:{}:{}: {}{more}",
            path.display(),
            e.line,
            e.column,
            e.message
        );
    }
    Ok(df)
}

pub fn build_options(args: &[String]) -> Result<BuildOptions> {
    let mut o = BuildOptions::default();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            bail!("--build-arg {a:?}: expected NAME=VALUE")
        };
        o.build_args.insert(k.to_string(), v.to_string());
    }
    Ok(o)
}

/// Loads the project.
pub fn load(args: &ProjectArgs) -> Result<Project> {
    if !args.dir.is_dir() {
        bail!("{}: not a directory", args.dir.display());
    }
    let dockerfile_path = find_dockerfile(&args.dir, args.file.as_deref())?;
    let df = parse_dockerfile(&dockerfile_path)?;
    let graph = StageGraph::new(&df, &build_options(&args.build_args)?);
    if let Some(t) = &args.target
        && graph.find_stage(t).is_none()
    {
        bail!("{}: no stage named {t:?}", dockerfile_path.display());
    }
    let ignore = match ignore_file_for(&args.dir, Some(&dockerfile_path)) {
        Some(p) => IgnoreFile::parse(&read_text(&p)?, Some(&p.display().to_string())),
        None => IgnoreFile::default(),
    };
    Ok(Project {
        dir: args.dir.clone(),
        dockerfile_path,
        df,
        graph,
        ignore,
    })
}

impl Project {
    /// Walks the build context with the ignore file.
    pub fn walk(&self) -> Result<Context> {
        walk(&self.dir, &self.ignore).map_err(|e| anyhow::anyhow!("{}: {e}", self.dir.display()))
    }

    /// The Dockerfile's path relative to the context, when inside it.
    pub fn dockerfile_in_context(&self) -> Option<String> {
        let dir = std::fs::canonicalize(&self.dir).ok()?;
        let f = std::fs::canonicalize(&self.dockerfile_path).ok()?;
        f.strip_prefix(dir)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// Reads a context file (for requirement files), bounded and never
    /// leaving the context.
    pub fn read_context_file(&self, rel: &str) -> Option<String> {
        read_in_context(&self.dir, rel)
    }

    /// The text of the ignore file in force, if there is one.
    pub fn ignore_text(&self) -> Option<String> {
        let path = ignore_file_for(&self.dir, Some(&self.dockerfile_path))?;
        read_text(&path).ok()
    }

    /// What BuildKit transfers of the context for the target.
    pub fn transfer(&self, uses: &[ContextUse], target: Option<&str>) -> Transfer {
        let stages = self
            .graph
            .target(target)
            .map(|t| self.graph.reachable(t))
            .unwrap_or_default();
        Transfer::of(uses, &stages)
    }

    /// A stage's label.
    pub fn stage_label(&self, s: usize) -> String {
        self.graph
            .stages
            .get(s)
            .map(|st| st.label())
            .unwrap_or_default()
    }
}

/// Lint options for the project's Dockerfile with its build arguments and
/// target, reading `ctx`.
pub fn lint_options<'a>(
    args: &ProjectArgs,
    ctx: &'a ballast_linter::BuildContext,
) -> Result<ballast_linter::LintOptions<'a>> {
    Ok(ballast_linter::LintOptions {
        build: build_options(&args.build_args)?,
        target: args.target.clone(),
        context: Some(ctx),
        ..ballast_linter::LintOptions::default()
    })
}

/// The image model's bytes for each step of the image stages (by line), as
/// `lint` predicts them: `rebuild` and `check` cost rebuilt steps with them.
pub fn model_steps(p: &Project, args: &ProjectArgs) -> Result<Vec<(usize, u64, String)>> {
    let ctx = ballast_linter::BuildContext::load(&p.dir, Some(&p.dockerfile_path))?;
    let options = lint_options(args, &ctx)?;
    Ok(ballast_linter::model::predict_text(&p.df.source, &options)
        .map(|m| m.step_bytes())
        .unwrap_or_default())
}
