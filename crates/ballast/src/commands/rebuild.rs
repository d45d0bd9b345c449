//! `ballast rebuild [DIR] (--changed PATH... | --since REV)`: which steps a
//! change rebuilds, why, and what it costs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use ballast_context::copies::context_uses;
use ballast_context::ignore::clean;
use ballast_context::rebuild::{Inputs, predict};
use ballast_dockerfile::Dockerfile;
use clap::Args;

use crate::commands::context::Format;
use crate::exit;
use crate::inputs::images::history_layers;
use crate::inputs::project::{self, ProjectArgs};
use crate::output::{ColorChoice, emit, json_text};

#[derive(Args, Debug)]
pub(crate) struct RebuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Files that changed (relative to the context, or to the current directory).
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "since", required_unless_present_any = ["since", "changed_arg"])]
    pub changed: Vec<String>,
    /// Everything changed since this git revision (the Dockerfile too).
    #[arg(long, value_name = "GITREV")]
    pub since: Option<String>,
    /// A build argument whose value changes (repeatable).
    #[arg(long = "changed-arg", value_name = "NAME")]
    pub changed_arg: Vec<String>,
    /// A built image of this Dockerfile: rebuilt steps cost their measured layer bytes.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("running git")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Files changed since `rev` (tracked changes and untracked files),
/// relative to the context, and the Dockerfile as it was.
fn since(dir: &Path, dockerfile: &Path, rev: &str) -> Result<(Vec<String>, Option<String>)> {
    // `diff --relative` and `ls-files` name paths from `dir`, the context.
    let mut files: Vec<String> = git(dir, &["diff", "--name-only", "--relative", rev, "--"])?
        .lines()
        .map(str::to_string)
        .collect();
    files.extend(
        git(dir, &["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(str::to_string),
    );
    files.sort();
    files.dedup();
    let df_rel = std::fs::canonicalize(dockerfile)?;
    let top = std::path::PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?.trim());
    let old = df_rel
        .strip_prefix(&top)
        .ok()
        .and_then(|p| git(dir, &["show", &format!("{rev}:{}", p.display())]).ok());
    Ok((files, old))
}

/// A changed path as given on the command line, made context-relative: a
/// path that exists from the current directory inside the context, or else a
/// path relative to the context that stays inside it. Anything else is not
/// part of what the build sees, and is refused.
fn context_relative(dir: &Path, p: &str) -> Result<String> {
    let path = Path::new(p);
    if let (Ok(abs), Ok(root)) = (std::fs::canonicalize(path), std::fs::canonicalize(dir))
        && let Ok(rel) = abs.strip_prefix(&root)
    {
        return Ok(rel.to_string_lossy().into_owned());
    }
    let rel = clean(p);
    if rel.starts_with('/') || rel == "." || rel == ".." || rel.starts_with("../") {
        bail!("{p}: not inside the build context {}", dir.display());
    }
    Ok(rel)
}

pub(crate) fn run(args: RebuildArgs) -> Result<u8> {
    let p = project::load(&args.project)?;
    let ctx = p.walked();
    let uses = context_uses(&p.df, &p.graph, ctx);
    let (changed, old_text) = match &args.since {
        Some(rev) => since(p.dir(), &p.dockerfile_path, rev)?,
        None => (
            args.changed
                .iter()
                .map(|c| context_relative(p.dir(), c))
                .collect::<Result<_>>()?,
            None,
        ),
    };
    let old = old_text.as_deref().map(Dockerfile::parse);
    let layers = args.image.as_deref().map(history_layers).transpose()?;
    let model_steps = project::model_steps(&p, &args.project);
    let read = |rel: &str| p.read_context_file(rel);
    let prediction = predict(&Inputs {
        df: &p.df,
        graph: &p.graph,
        ignore: p.ignore(),
        uses: &uses,
        old: old.as_ref(),
        changed: &changed,
        changed_args: &args.changed_arg,
        target: args.project.target.as_deref(),
        read: &read,
        context: Some(ctx),
        image_layers: layers.as_deref(),
        model_steps: &model_steps,
    });
    let text = match args.format {
        Format::Json => json_text(&prediction)?,
        Format::Terminal => ballast_report::rebuild::terminal(&prediction, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}
