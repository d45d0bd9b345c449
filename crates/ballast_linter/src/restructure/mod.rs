//! `ballast fix --restructure`: a Python service's Dockerfile rewritten into
//! the optimized multi-stage form, or improved stage by stage when it
//! already is multi-stage.
//!
//! - A single-stage service is split ([`split`]): a builder on the original
//!   base replays the stage up to its last dependency install, copying
//!   only the files the installs read first, and installs into a
//!   virtualenv (the original's, or `/opt/venv`) with a cache mount (CPU
//!   torch when nothing uses a GPU); the runtime stage keeps the original
//!   stage in its order, on the slim (or CUDA runtime) flavour of the base,
//!   with the installs replaced by a copy of the virtualenv, the build
//!   tools left in the builder, and a non-root user.
//! - A multi-stage file gets the linter's safe and unsafe fixes.
//! - Every result passes the preservation check ([`crate::preserve`])
//!   against the original, or the restructure refuses, listing what it
//!   would lose. A refusal names the line and the reason.

mod deps_layer;
mod runtime;
mod split;
mod text;

use std::collections::BTreeMap;

use ballast_context::copies::context_uses;
use ballast_context::junk;
use ballast_context::suggest::{suggest, verify};
use ballast_dockerfile::stages::Base;
use ballast_dockerfile::{Dockerfile, Keyword};
use ballast_ml::images::{ImageRef, PythonFlavor, cuda_flavor, is_musl, python_flavor, slim_tag};

use crate::checker::Checker;
use crate::fix::fix_until_stable;
use crate::{Applicability, LintError, LintOptions};

/// The restructured project.
#[derive(Debug, Clone)]
pub struct Restructured {
    pub dockerfile: String,
    /// A `.dockerignore` to write (only when the context had none).
    pub dockerignore: Option<String>,
    /// Context files changed (context-relative path → new text).
    pub files: BTreeMap<String, String>,
    /// What was decided, for the user.
    pub notes: Vec<String>,
}

/// Why a file was not restructured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Lint(LintError),
    /// The reason, starting with `line N: ` when one line is the cause.
    Unsupported(String),
}

pub(crate) fn no(why: impl Into<String>) -> Refusal {
    Refusal::Unsupported(why.into())
}

pub(crate) fn no_at(line: usize, why: impl Into<String>) -> Refusal {
    Refusal::Unsupported(format!("line {line}: {}", why.into()))
}

/// Restructures the target stage of `df`. `read` gives a context file's
/// text (for fixes that edit one).
pub fn restructure(df: &Dockerfile, options: &LintOptions<'_>) -> Result<Restructured, Refusal> {
    let (graph, target) = crate::stage_model(df, options).map_err(Refusal::Lint)?;
    if df.escape != '\\' {
        return Err(no("the escape character is not `\\`"));
    }
    let cx = Checker::new(df, graph, target, options);
    refuse_secrets(&cx, options)?;
    for i in cx.image_instructions() {
        if cx.inst(i).keyword == Keyword::Onbuild {
            return Err(no_at(
                cx.inst(i).start_line,
                "ONBUILD instructions run in other builds",
            ));
        }
    }
    let mut r = if cx.graph.stages.len() > 1 {
        stage_by_stage(df, options)?
    } else {
        single(&cx, options)?
    };
    // The gate: nothing of the original is lost.
    let new = options.memo.parse(&r.dockerfile);
    if let Err(e) = crate::stage_model(&new, options) {
        return Err(no(format!(
            "internal: the restructured file does not read back ({e})"
        )));
    }
    let after = options.with_overlay(r.files.clone());
    let losses = crate::preserve::check(df, &new, options, &after).map_err(Refusal::Lint)?;
    if !losses.is_empty() {
        let list: Vec<String> = losses.iter().map(|l| l.to_string()).collect();
        return Err(no(format!(
            "the restructured file would lose: {}",
            list.join("; ")
        )));
    }
    r.dockerignore = write_ignore(&cx, &new, options, &mut r.notes);
    Ok(r)
}

/// ENV and ARG secrets cannot be carried into a new stage silently.
fn refuse_secrets(cx: &Checker<'_>, options: &LintOptions<'_>) -> Result<(), Refusal> {
    let mut options = options.with_overlay(BTreeMap::new());
    options.settings = crate::Settings::only(&["secret-in-arg-or-env"]);
    let outcome = crate::lint(cx.df, &options).map_err(Refusal::Lint)?;
    let Some(first) = outcome.findings.first() else {
        return Ok(());
    };
    let named: Vec<String> = outcome
        .findings
        .iter()
        .skip(1)
        .map(|f| format!("line {}: {}", cx.df.line_col(f.span.start).0, f.message))
        .collect();
    let also = if named.is_empty() {
        String::new()
    } else {
        format!(" (also {})", named.join("; "))
    };
    Err(no_at(
        cx.df.line_col(first.span.start).0,
        format!(
            "{}{also}; a restructure does not carry a secret into a new stage: pass it at run time \
             (`docker run -e NAME`) or, where a RUN needs it, as a build secret \
             (`RUN --mount=type=secret`), then restructure",
            first.message
        ),
    ))
}

/// A file that already has several stages: the linter's fixes, safe and
/// unsafe, each checked by the fix loop.
fn stage_by_stage(df: &Dockerfile, options: &LintOptions<'_>) -> Result<Restructured, Refusal> {
    let mut opts = options.with_overlay(options.overlay.clone());
    let read = |p: &str| options.context.and_then(|c| c.read(p));
    let fixed = fix_until_stable(&df.source, &mut opts, Applicability::Unsafe, &read)
        .map_err(Refusal::Lint)?;
    if fixed.text == df.source && fixed.files.is_empty() {
        return Err(no(
            "the Dockerfile already has several stages, and no fix applies to them",
        ));
    }
    let mut notes = vec![
        "the file already has several stages: the safe and unsafe fixes are applied stage by stage"
            .into(),
    ];
    notes.extend(
        fixed
            .applied
            .iter()
            .map(|a| format!("line {}: {} ({})", a.line, a.message, a.name)),
    );
    notes.extend(
        fixed
            .rejected
            .iter()
            .map(|r| format!("line {}: not applied: {} ({})", r.line, r.message, r.name)),
    );
    Ok(Restructured {
        dockerfile: fixed.text,
        dockerignore: None,
        files: fixed.files,
        notes,
    })
}

/// A single-stage file: split into a builder and a runtime stage, then
/// given a non-root user and clean package lists by the linter's fixes.
fn single(cx: &Checker<'_>, options: &LintOptions<'_>) -> Result<Restructured, Refusal> {
    let stage = &cx.graph.stages[cx.target];
    let Base::Image(base) = &stage.base else {
        return Err(no("the stage is not built on an image"));
    };
    let from_line = cx.inst(stage.from).start_line;
    let image = ImageRef::parse(base);
    if is_musl(&image) {
        return Err(no_at(
            from_line,
            format!("`{base}` is a musl (Alpine) image: wheels and virtualenvs differ there"),
        ));
    }
    if python_flavor(&image) == Some(PythonFlavor::Windows) {
        return Err(no_at(from_line, format!("`{base}` is a Windows image")));
    }
    let (runtime_from, base_note) = runtime_from(cx);
    let split = split::split(cx, &runtime_from)?;
    let prefix = preamble(cx.df, stage.from);
    let mut text = format!(
        "{prefix}# Restructured by ballast: the dependencies are installed into a virtualenv in a\n# builder stage; the runtime stage copies it instead of installing them.\n{}\n{}",
        split.builder, split.runtime
    );
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut notes = split.notes;
    notes.extend(base_note);
    // Then every fix of the linter, unsafe ones too, each checked by the
    // fix loop (the gate in `restructure` checks the whole against the original).
    let mut opts = options.with_overlay(options.overlay.clone());
    let read = |p: &str| options.context.and_then(|c| c.read(p));
    let mut files = BTreeMap::new();
    if opts.memo.parse(&text).is_ok()
        && let Ok(fixed) = fix_until_stable(&text, &mut opts, Applicability::Unsafe, &read)
    {
        notes.extend(
            fixed
                .applied
                .iter()
                .map(|a| format!("{} ({})", a.message, a.name)),
        );
        notes.extend(fixed.rejected.iter().map(|r| {
            format!(
                "not applied: {} ({}): it would lose {}",
                r.message,
                r.name,
                r.lost()
            )
        }));
        text = fixed.text;
        files = fixed.files;
    }
    Ok(Restructured {
        dockerfile: text,
        dockerignore: None,
        files,
        notes,
    })
}

/// What comes before the stage's FROM (the syntax directive, global ARGs,
/// comments), and the FROM line's own comments.
fn preamble(df: &Dockerfile, from: usize) -> String {
    let end = text::comment_start(df, from);
    let mut s = df.source[..end].to_string();
    // The FROM's comments stay above the builder's FROM.
    let inst = &df.instructions[from];
    let comments = &df.source[end..inst.span.start];
    s.push_str(comments);
    s
}

/// The runtime stage's FROM line: the slim flavour of an official python
/// image, the runtime flavour of a CUDA devel image when nothing compiles
/// in the image, else the original base (a base given by a build argument
/// stays as written); `--platform` kept.
fn runtime_from(cx: &Checker<'_>) -> (String, Option<String>) {
    let stage = &cx.graph.stages[cx.target];
    let from = cx.inst(stage.from);
    let platform = from
        .flag("platform")
        .and_then(|f| f.value())
        .map(|p| format!("--platform={p} "))
        .unwrap_or_default();
    let Some((span, literal)) = cx.from_image_span(cx.target) else {
        return (format!("FROM {platform}scratch\n"), None);
    };
    let written = span.text(cx.source).to_string();
    if !literal {
        return (format!("FROM {platform}{written}\n"), None);
    }
    let image = ImageRef::parse(&written);
    let replaced = match python_flavor(&image) {
        Some(PythonFlavor::Full) if cx.runtime_compiler().is_none() => {
            let tag = image.effective_tag().unwrap_or("latest");
            let name = written.split(['@']).next().unwrap_or(&written);
            let name = match image.tag {
                Some(t) => &name[..name.len() - t.len() - 1],
                None => name,
            };
            Some(format!("{name}:{}", slim_tag(tag)))
        }
        // The builder keeps the devel image for the installs; the runtime
        // needs it only if it compiles or runs a JIT.
        _ if cuda_flavor(&image).is_some_and(|f| f.is_devel())
            && cx.runtime_compiler().is_none()
            && cx.compiles_in_image(false).is_none() =>
        {
            Some(written.replacen("-devel", "-runtime", 1))
        }
        _ => None,
    };
    match replaced {
        Some(new) => {
            let note = format!("the runtime stage runs on `{new}`; the builder keeps `{written}`");
            (format!("FROM {platform}{new}\n"), Some(note))
        }
        None => (format!("FROM {platform}{written}\n"), None),
    }
}

/// A `.dockerignore` for a context that has none, keeping every source the
/// restructured file copies.
fn write_ignore(
    cx: &Checker<'_>,
    new: &Dockerfile,
    options: &LintOptions<'_>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let ctx = cx.context?;
    if ctx.ignore_path.is_some() {
        return None;
    }
    let (graph, _) = crate::stage_model(new, options).ok()?;
    let uses = context_uses(new, &graph, &ctx.context);
    let found = junk::find(&ctx.context);
    let s = suggest(&ctx.context, &found, &uses, None, None);
    if s.excluded_files == 0 {
        return None;
    }
    let dropped = verify(&ctx.context, &uses, &s.text, None);
    if !dropped.is_empty() {
        notes.push(format!(
            "no .dockerignore written: it would drop {}",
            dropped.join(", ")
        ));
        return None;
    }
    notes.push(format!(
        "a .dockerignore keeps {} file(s), {}, out of the context",
        s.excluded_files,
        ballast_ml::units::format_bytes(s.excluded_bytes)
    ));
    Some(s.text)
}
