//! `ballast check [DIR]`: the one-command audit of a project. Lint findings
//! with the total estimated saving, what the build context ships, what a
//! typical code change rebuilds, and the restructured Dockerfile as a diff.

use anyhow::Result;
use ballast_context::copies::context_uses;
use ballast_context::rebuild::{Inputs, predict};
use ballast_linter::paths::Paths;
use ballast_linter::restructure::Refusal;
use ballast_report::check::{Check, Restructure};
use ballast_report::lint::summarize;
use clap::Args;

use crate::commands::lint::lint_job;
use crate::exit;
use crate::inputs::project::{self, Project, ProjectArgs};
use crate::inputs::targets::{TargetArgs, prepare_with};
use crate::output::ReportFormat as Format;
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// A built image of the Dockerfile (any source `inspect` reads): the
    /// image model takes each step's and the base's bytes from its layers.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    #[command(flatten)]
    pub resolve_bases: crate::inputs::bases::ResolveBasesArg,
    /// The compose file that runs the image (default: DIR's compose.yaml,
    /// compose.yml, docker-compose.yaml or docker-compose.yml).
    #[arg(long, value_name = "FILE")]
    pub compose: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: CheckArgs) -> Result<u8> {
    let p = project::load(&args.project)?;
    let prepared = prepare_with(&lint_targets(&args, &p), Some(&p))?;
    let job = &prepared.jobs[0];
    let layers = args
        .image
        .as_deref()
        .map(crate::inputs::images::history_layers)
        .transpose()?;
    let linted = lint_job(&prepared, job, layers.as_deref());
    if let Some(e) = &linted.error {
        anyhow::bail!("{e}");
    }
    let summary = summarize(std::slice::from_ref(&linted));
    let target = args.project.target.as_deref();
    let uses = context_uses(&p.df, &p.graph, p.walked());
    let df_name = p
        .dockerfile_in_context()
        .unwrap_or_else(|| p.dockerfile_path.display().to_string());
    let context = p.context_report(&uses, target, &df_name);
    let changed_file = p.typical_code_change(&uses, target);
    let read = |rel: &str| p.read_context_file(rel);
    let model_steps = linted
        .image
        .as_ref()
        .map(|e| e.model.step_bytes())
        .unwrap_or_default();
    let prediction = changed_file.as_ref().map(|f| {
        predict(&Inputs {
            df: &p.df,
            graph: &p.graph,
            ignore: p.ignore(),
            uses: &uses,
            old: None,
            changed: std::slice::from_ref(f),
            changed_args: &[],
            target,
            read: &read,
            context: Some(p.walked()),
            image_layers: layers.as_deref(),
            model_steps: &model_steps,
        })
    });

    let paths = ballast_linter::paths::compare(&p.df, &prepared.options(job), &read)?;
    let restructured = restructure_diff(&p, &paths);
    let runtime = crate::inputs::compose::runtime(
        args.compose.as_deref(),
        &p,
        &prepared.options(job),
        &job.settings,
    )?;
    let check = Check {
        lint: &linted,
        summary: &summary,
        context: &context,
        rebuild: changed_file.as_deref().zip(prediction.as_ref()),
        restructure: &restructured,
        paths: &paths,
        runtime: &runtime,
    };
    let text = match args.format {
        Format::Terminal => ballast_report::check::terminal(&check, args.color.enabled()),
        Format::Markdown => ballast_report::check::markdown(&check),
        Format::Json => {
            ballast_report::check::json(&check, &p.dockerfile_path.display().to_string())
        }
        Format::Html => crate::commands::report::html(&ballast_report::check::json_value(
            &check,
            &p.dockerfile_path.display().to_string(),
        ))?,
    };
    emit(&text)?;
    let compose = runtime.compose.iter().flat_map(|c| &c.findings);
    let failing = linted
        .findings
        .iter()
        .chain(compose)
        .any(|f| f.severity >= ballast_linter::Severity::Warning);
    Ok(if failing { exit::FINDINGS } else { exit::OK })
}

/// Lint the project's Dockerfile with its configuration, reading its context.
fn lint_targets(args: &CheckArgs, p: &Project) -> TargetArgs {
    TargetArgs {
        paths: vec![p.dockerfile_path.clone()],
        select: None,
        extend_select: Vec::new(),
        ignore: Vec::new(),
        severity: Vec::new(),
        trusted_registries: Vec::new(),
        target: args.project.target.clone(),
        build_args: args.project.build_args.clone(),
        context: Some(p.dir().to_path_buf()),
        no_context: false,
        disable_pragmas: false,
        buildkit_check: None,
        config: None,
        stdin_filename: "-".into(),
        resolve_bases: args.resolve_bases,
    }
}

/// The restructured Dockerfile (and `.dockerignore`) as a diff, or why not.
fn restructure_diff(p: &Project, paths: &Paths) -> Restructure {
    match &paths.restructured {
        Ok(r) => {
            let name = p
                .dockerfile_path
                .file_name()
                .map_or("Dockerfile".into(), |n| n.to_string_lossy().into_owned());
            let mut diff =
                similar::TextDiff::from_lines(p.df.source.as_str(), r.dockerfile.as_str())
                    .unified_diff()
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string();
            if let Some(ignore) = &r.dockerignore {
                diff.push_str(
                    &similar::TextDiff::from_lines("", ignore.as_str())
                        .unified_diff()
                        .header("a/.dockerignore", "b/.dockerignore")
                        .to_string(),
                );
            }
            Restructure::Diff {
                diff,
                notes: r.notes.clone(),
            }
        }
        Err(Refusal::Unsupported(why)) => Restructure::Refused(why.clone()),
        Err(Refusal::Lint(e)) => Restructure::Refused(e.to_string()),
    }
}
