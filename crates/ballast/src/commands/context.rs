//! `ballast context [DIR]`: what a build sends, its junk, what each COPY
//! takes; `--suggest-dockerignore` prints a verified .dockerignore.

use anyhow::Result;
use ballast_context::copies::context_uses;
use ballast_context::ignore::IgnoreFile;
use ballast_context::{junk, suggest, walk};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::inputs::project::{self, ProjectArgs};
use crate::output::{ColorChoice, emit, json_text};

#[derive(Args, Debug)]
pub(crate) struct ContextArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Print the lines to add to the .dockerignore (or a new one) that drop
    /// the junk and keep what the Dockerfile copies.
    #[arg(long)]
    pub suggest_dockerignore: bool,
    /// With --suggest-dockerignore: print the whole file, the existing
    /// lines with the additions.
    #[arg(long, requires = "suggest_dockerignore")]
    pub merged: bool,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Format {
    Terminal,
    Json,
}

pub(crate) fn run(args: ContextArgs) -> Result<u8> {
    let p = project::load(&args.project)?;
    if args.suggest_dockerignore {
        // Junk and needs are judged on everything the directory holds,
        // starting from the ignore file in force.
        let everything = walk::walk(p.dir(), &IgnoreFile::default())?;
        let junk = junk::find(&everything);
        let uses = context_uses(&p.df, &p.graph, &everything);
        let existing = p.ignore_text();
        let s = suggest::suggest(
            &everything,
            &junk,
            &uses,
            p.dockerfile_in_context().as_deref(),
            existing.as_deref(),
        );
        let dropped = suggest::verify(&everything, &uses, &s.text, existing.as_deref());
        if !dropped.is_empty() {
            anyhow::bail!("could not keep every COPY source: {}", dropped.join(", "));
        }
        let name = p
            .ignore()
            .source
            .clone()
            .unwrap_or_else(|| ".dockerignore".to_string());
        let out = match (existing.is_some(), args.merged) {
            (_, true) | (false, _) => s.text.clone(),
            (true, false) => s.additions.clone(),
        };
        emit(&out)?;
        if existing.is_some() && s.additions.is_empty() {
            eprintln!("# {name} already keeps out every kind of junk ballast knows");
        } else {
            eprintln!(
                "# {} keeps {} in {} files out of the context; every COPY/ADD source is still sent",
                if existing.is_some() && !args.merged {
                    format!("adding these lines to {name}")
                } else {
                    "this file".to_string()
                },
                ballast_ml::units::format_bytes(s.excluded_bytes),
                s.excluded_files
            );
        }
        return Ok(exit::OK);
    }
    let uses = context_uses(&p.df, &p.graph, p.walked());
    let r = p.context_report(
        &uses,
        args.project.target.as_deref(),
        &p.dockerfile_path.display().to_string(),
    );
    let text = match args.format {
        Format::Json => json_text(&r)?,
        Format::Terminal => ballast_report::context::terminal(&r, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}
