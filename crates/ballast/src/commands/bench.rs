//! `ballast bench [DIR]`: build the project's Dockerfile and its restructured
//! version (or the given variants) with a real engine, and print the
//! measured comparison.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Result, bail};
use ballast_bench::engine::Kind;
use ballast_bench::run::{Options, Variant, run as bench};
use ballast_context::copies::{context_uses, typical_code_change};
use ballast_linter::LintOptions;
use ballast_linter::restructure::{Refusal, restructure};
use ballast_report::Style;
use clap::{Args, ValueEnum};

use crate::commands::project::{self, ProjectArgs};
use crate::exit;
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub struct BenchArgs {
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Docker,
    Podman,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Terminal,
    Json,
    Markdown,
}

pub fn run(args: BenchArgs) -> Result<u8> {
    let p = project::load(&args.project)?;
    // The variants: given, or the project's Dockerfile and its restructured form.
    let scratch = tempfile::Builder::new().prefix("ballast-bench").tempdir()?;
    let mut variants = Vec::new();
    for v in &args.variants {
        let Some((name, path)) = v.split_once('=') else {
            bail!("--variant {v:?}: expected NAME=PATH");
        };
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("--variant {name}: {} is not a file", path.display());
        }
        variants.push(Variant {
            name: name.to_string(),
            dockerfile: path,
        });
    }
    if variants.is_empty() {
        variants.push(Variant {
            name: "original".into(),
            dockerfile: p.dockerfile_path.clone(),
        });
        let ctx = ballast_linter::BuildContext::load(&p.dir, Some(&p.dockerfile_path))?;
        let options = LintOptions {
            build: project::build_options(&args.project.build_args)?,
            target: args.project.target.clone(),
            context: Some(&ctx),
            ..LintOptions::default()
        };
        match restructure(&p.df, &options) {
            Ok(r) => {
                // Beside its own ignore file, so the user's context is untouched.
                let path = scratch.path().join("Dockerfile");
                std::fs::write(&path, &r.dockerfile)?;
                if let Some(ignore) = &r.dockerignore {
                    std::fs::write(scratch.path().join("Dockerfile.dockerignore"), ignore)?;
                } else if let Some(existing) = &ctx.ignore_path {
                    std::fs::copy(existing, scratch.path().join("Dockerfile.dockerignore"))?;
                }
                variants.push(Variant {
                    name: "restructured".into(),
                    dockerfile: path,
                });
            }
            Err(Refusal::Unsupported(why)) => {
                eprintln!("note: only the original is measured: not restructured: {why}")
            }
            Err(Refusal::Lint(e)) => bail!("{}: {e}", p.dockerfile_path.display()),
        }
    }
    // The file to change: given, or an application file the last COPY takes.
    let changed = match &args.change {
        Some(c) => c.clone(),
        None => {
            let walked = p.walk()?;
            let uses = context_uses(&p.df, &p.graph, &walked);
            let target = p.graph.target(args.project.target.as_deref());
            let needed = target.map(|t| p.graph.reachable(t)).unwrap_or_default();
            let image_stages = target.map(|t| p.graph.final_chain(t)).unwrap_or_default();
            typical_code_change(&walked, &uses, &needed, &image_stages)
                .map(std::path::PathBuf::from)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no application file to change: the build copies none (pass --change PATH)"
                    )
                })?
        }
    };
    let mut build_flags = Vec::new();
    for a in &args.project.build_args {
        build_flags.push("--build-arg".into());
        build_flags.push(a.clone());
    }
    if let Some(t) = &args.project.target {
        build_flags.push("--target".into());
        build_flags.push(t.clone());
    }
    let opts = Options {
        context: p.dir.clone(),
        variants,
        changed_file: changed,
        build_flags,
        engine: args.engine.map(|e| match e {
            EngineArg::Docker => Kind::Docker,
            EngineArg::Podman => Kind::Podman,
        }),
        registry: args.registry.clone(),
        keep: args.keep,
    };
    let show = std::io::stderr().is_terminal();
    let report = bench(&opts, &|step| {
        if show {
            eprintln!("bench: {step}");
        }
    })?;
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        Format::Markdown => ballast_report::bench::markdown(&report),
        Format::Terminal => ballast_report::bench::terminal(
            &report,
            Style {
                color: args.color.enabled(),
            },
        ),
    };
    emit(&text)?;
    Ok(exit::OK)
}
