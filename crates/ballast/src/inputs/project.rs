//! Finding a project's Dockerfile and loading it: read once, then parsed,
//! graphed and walked once by [`ballast_context::project::Project`].

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ballast_dockerfile::stages::BuildOptions;
use clap::Args;

pub(crate) use ballast_context::project::Project;

use crate::inputs::read_text;

/// Where the project is.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct ProjectArgs {
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

/// The Dockerfile of a context directory.
pub(crate) fn find_dockerfile(dir: &Path, file: Option<&Path>) -> Result<PathBuf> {
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

pub(crate) fn build_options(args: &[String]) -> Result<BuildOptions> {
    let mut o = BuildOptions::default();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            bail!("--build-arg {a:?}: expected NAME=VALUE")
        };
        o.build_args.insert(k.to_string(), v.to_string());
    }
    Ok(o)
}

/// Loads the project: the Dockerfile read once, then parsed, graphed and
/// its context walked once.
pub(crate) fn load(args: &ProjectArgs) -> Result<Project> {
    if !args.dir.is_dir() {
        bail!("{}: not a directory", args.dir.display());
    }
    let dockerfile_path = find_dockerfile(&args.dir, args.file.as_deref())?;
    let text = read_text(&dockerfile_path)?;
    Ok(Project::new(
        &args.dir,
        &dockerfile_path,
        &text,
        build_options(&args.build_args)?,
        args.target.as_deref(),
    )?)
}

/// Lint options for the project's Dockerfile with its build arguments and
/// target, reading its context; the memo knows the parsed Dockerfile.
pub(crate) fn lint_options<'a>(
    p: &'a Project,
    args: &ProjectArgs,
) -> ballast_linter::LintOptions<'a> {
    let options = ballast_linter::LintOptions {
        build: p.build.clone(),
        target: args.target.clone(),
        context: Some(&p.context),
        ..ballast_linter::LintOptions::default()
    };
    options.memo.seed(p.df.clone());
    options
}

/// The image model's bytes for each step of the image stages (by line), as
/// `lint` predicts them: `rebuild` and `check` cost rebuilt steps with them.
pub(crate) fn model_steps(p: &Project, args: &ProjectArgs) -> Vec<(usize, u64, String)> {
    let options = lint_options(p, args);
    ballast_linter::model::predict_text(&p.df.source, &options)
        .map(|m| m.step_bytes())
        .unwrap_or_default()
}
