//! `ballast bench [DIR]`: build the project's Dockerfile and its restructured
//! version (or the given variants) with a real engine, and print the
//! measured comparison.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ballast_bench::engine::Kind;
use ballast_bench::run::{Options, Variant, run as bench};
use ballast_context::copies::context_uses;
use ballast_linter::LintOptions;
use ballast_linter::restructure::{Refusal, restructure};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::inputs::project::{self, ProjectArgs};
use crate::output::ReportFormat as Format;
use crate::output::{ColorChoice, Steps, emit, json_text};

#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// A Dockerfile to measure, `NAME=PATH` (repeatable); default: the
    /// project's Dockerfile and ballast's restructured version of it.
    #[arg(long = "variant", value_name = "NAME=PATH")]
    pub variants: Vec<String>,
    /// The engine (default: docker if it answers, else podman).
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// A registry to push to and pull from (default: a local one started for the run).
    #[arg(long, value_name = "HOST:PORT")]
    pub registry: Option<String>,
    /// The application file the one-line change goes to (default: one the last COPY takes).
    #[arg(long, value_name = "PATH")]
    pub change: Option<PathBuf>,
    /// Keep the images built.
    #[arg(long)]
    pub keep: bool,
    /// Build the lesson's ladder: the Dockerfile as written, then with a
    /// slim base, restructured into stages, with CPU torch, with a
    /// .dockerignore and a non-root user, each rung on the one before.
    /// Where the PyTorch CPU index cannot be reached, the CPU-torch rung is
    /// a stand-in, named so: torch from the default index with its CUDA
    /// libraries uninstalled in the same step.
    #[arg(long)]
    pub ladder: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// No progress on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineArg {
    Docker,
    Podman,
}

/// Writes a variant's Dockerfile in its own directory beside its
/// `.dockerignore` (its own, else the project's), so the user's context is
/// untouched.
fn write_variant(
    scratch: &Path,
    name: &str,
    dockerfile: &str,
    dockerignore: Option<&str>,
    ctx: &ballast_linter::BuildContext,
) -> Result<PathBuf> {
    let dir = scratch.join(name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("Dockerfile");
    std::fs::write(&path, dockerfile)?;
    if let Some(ignore) = dockerignore {
        std::fs::write(dir.join("Dockerfile.dockerignore"), ignore)?;
    } else if let Some(existing) = &ctx.ignore_path {
        std::fs::copy(existing, dir.join("Dockerfile.dockerignore"))?;
    }
    Ok(path)
}

/// Whether the PyTorch CPU index answers a TCP connection (3 s at most).
fn cpu_index_reachable() -> bool {
    use std::net::ToSocketAddrs;
    let Ok(addrs) = ("download.pytorch.org", 443).to_socket_addrs() else {
        return false;
    };
    addrs.into_iter().any(|a| {
        std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(3)).is_ok()
    })
}

/// The ladder's rungs as variants; a rung equal to the one before, or one
/// that edits context files, is not built (a note says why).
fn ladder_variants(
    p: &project::Project,
    options: &LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    ctx: &ballast_linter::BuildContext,
    scratch: &Path,
) -> Result<Vec<Variant>> {
    let cpu_index = cpu_index_reachable();
    if !cpu_index {
        eprintln!(
            "note: the CPU index ({}) is not reachable: the CPU-torch rung is a stand-in, torch from the default index with its CUDA libraries uninstalled in the same step (`{}`)",
            ballast_linter::ladder::CPU_INDEX,
            ballast_linter::ladder::CPU_TORCH_STAND_IN
        );
    }
    let (rungs, stopped) = ballast_linter::ladder::ladder(&p.df, options, read, cpu_index)
        .map_err(|e| anyhow::anyhow!("{}: {e}", p.dockerfile_path.display()))?;
    let mut out = Vec::new();
    for r in &rungs {
        if let Some(why) = &r.same_as_before {
            eprintln!("note: {why}");
            continue;
        }
        if !r.files.is_empty() {
            let names: Vec<&str> = r.files.keys().map(String::as_str).collect();
            eprintln!(
                "note: `{}` is not built: it edits {} in the context",
                r.name,
                names.join(", ")
            );
            continue;
        }
        let dockerfile = if out.is_empty() {
            p.dockerfile_path.clone()
        } else {
            write_variant(
                scratch,
                r.name,
                &r.dockerfile,
                r.dockerignore.as_deref(),
                ctx,
            )?
        };
        out.push(Variant {
            name: r.name.to_string(),
            dockerfile,
            predicted_bytes: Some(r.predicted_bytes),
            predicted_base: r.predicted_base.clone(),
        });
    }
    if let Some(s) = stopped {
        eprintln!("note: the ladder stops before `{}`: {}", s.at, s.why);
    }
    Ok(out)
}

/// The image model's prediction of a Dockerfile, with the base it took from
/// the table (the engine measures its own copy instead).
fn prediction(text: &str, options: &LintOptions<'_>) -> (Option<u64>, Option<(String, u64)>) {
    match ballast_linter::model::predict_text(text, options) {
        Ok(m) => (Some(m.bytes), m.base.map(|b| (b.image, b.bytes))),
        Err(_) => (None, None),
    }
}

pub(crate) fn run(args: BenchArgs) -> Result<u8> {
    let p = project::load(&args.project)?;
    let scratch = tempfile::Builder::new().prefix("ballast-bench").tempdir()?;
    let variants = variants(&args, &p, scratch.path())?;
    let opts = Options {
        context: p.dir().to_path_buf(),
        variants,
        changed_file: changed_file(&args, &p)?,
        build_flags: build_flags(&args),
        engine: args.engine.map(|e| match e {
            EngineArg::Docker => Kind::Docker,
            EngineArg::Podman => Kind::Podman,
        }),
        registry: args.registry.clone(),
        keep: args.keep,
    };
    let steps = Steps::new(args.quiet);
    let report = bench(&opts, &|step| steps.start(step));
    steps.finish();
    let report = report?;
    let text = match args.format {
        Format::Json => json_text(&report)?,
        Format::Html => crate::commands::report::html(&report)?,
        Format::Markdown => ballast_report::bench::markdown(&report),
        Format::Terminal => ballast_report::bench::terminal(&report, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}

/// The variants: given with `--variant`, the ladder's rungs, or the
/// project's Dockerfile and its restructured form (written to `scratch`).
fn variants(
    args: &BenchArgs,
    p: &project::Project,
    scratch: &std::path::Path,
) -> Result<Vec<Variant>> {
    let given = given_variants(&args.variants)?;
    let ctx = &*p.context;
    let options = project::lint_options(p, &args.project);
    if args.ladder {
        if !given.is_empty() {
            bail!("--ladder makes its own variants: drop --variant");
        }
        let read = |rel: &str| ctx.read(rel);
        return ladder_variants(p, &options, &read, ctx, scratch);
    }
    if !given.is_empty() {
        return Ok(given);
    }
    let (predicted_bytes, predicted_base) = prediction(&p.df.source, &options);
    let mut variants = vec![Variant {
        name: "original".into(),
        dockerfile: p.dockerfile_path.clone(),
        predicted_bytes,
        predicted_base,
    }];
    match restructure(&p.df, &options) {
        Ok(r) => {
            let path = write_variant(
                scratch,
                "restructured",
                &r.dockerfile,
                r.dockerignore.as_deref(),
                ctx,
            )?;
            let after = options.with_overlay(r.files.clone());
            let (predicted_bytes, predicted_base) = prediction(&r.dockerfile, &after);
            variants.push(Variant {
                name: "restructured".into(),
                dockerfile: path,
                predicted_bytes,
                predicted_base,
            });
        }
        Err(Refusal::Unsupported(why)) => {
            eprintln!("note: only the original is measured: not restructured: {why}")
        }
        Err(Refusal::Lint(e)) => bail!("{}: {e}", p.dockerfile_path.display()),
    }
    Ok(variants)
}

/// `--variant NAME=PATH`, each an existing file.
fn given_variants(given: &[String]) -> Result<Vec<Variant>> {
    given
        .iter()
        .map(|v| {
            let Some((name, path)) = v.split_once('=') else {
                bail!("--variant {v:?}: expected NAME=PATH");
            };
            let path = PathBuf::from(path);
            if !path.is_file() {
                bail!("--variant {name}: {} is not a file", path.display());
            }
            Ok(Variant {
                name: name.to_string(),
                dockerfile: path,
                predicted_bytes: None,
                predicted_base: None,
            })
        })
        .collect()
}

/// The file to change: given, or an application file the last COPY takes.
fn changed_file(args: &BenchArgs, p: &project::Project) -> Result<PathBuf> {
    if let Some(c) = &args.change {
        return Ok(c.clone());
    }
    let uses = context_uses(&p.df, &p.graph, p.walked());
    p.typical_code_change(&uses, args.project.target.as_deref())
        .map(PathBuf::from)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no application file to change: the build copies none (pass --change PATH)"
            )
        })
}

/// `--build-arg` and `--target` as the engine takes them.
fn build_flags(args: &BenchArgs) -> Vec<String> {
    let mut flags = Vec::new();
    for a in &args.project.build_args {
        flags.push("--build-arg".into());
        flags.push(a.clone());
    }
    if let Some(t) = &args.project.target {
        flags.push("--target".into());
        flags.push(t.clone());
    }
    flags
}
