//! The lesson's ladder for a user's own Dockerfile: the fixes applied one
//! kind at a time, each rung on top of the one before (slim base, then the
//! multi-stage restructure, then CPU torch, then a `.dockerignore` and a
//! non-root user), so `ballast bench --ladder` can measure what each step
//! buys. Every rung is written by ballast's own fixes and restructure, and
//! carries the image model's prediction.

use std::collections::BTreeMap;

use ballast_dockerfile::Dockerfile;

use crate::catalog::Rule;
use crate::fix::fix_until_stable;
use crate::restructure::{Refusal, restructure};
use crate::rules::{context, ml, security, size};
use crate::{Applicability, LintError, LintOptions, Settings};

/// One rung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    /// `as written`, `slim base`, `multi-stage`, `CPU torch`,
    /// `.dockerignore + non-root`.
    pub name: &'static str,
    pub dockerfile: String,
    /// The `.dockerignore` this rung builds with, when it brings its own.
    pub dockerignore: Option<String>,
    /// Context files the rung changed (context-relative path → text).
    pub files: BTreeMap<String, String>,
    /// The image model's prediction of the rung.
    pub predicted_bytes: u64,
    /// The base image in that prediction and its bytes from the table.
    pub predicted_base: Option<(String, u64)>,
    /// Why the rung is the same as the one before, when it is.
    pub same_as_before: Option<String>,
}

/// Why the ladder stops early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub at: &'static str,
    pub why: String,
}

/// The rules whose fixes make a rung.
const SLIM: &[&Rule] = &[
    &size::full_python_base::RULE,
    &ml::cuda_devel_base_in_final_stage::RULE,
];
const CPU_TORCH: &[&Rule] = &[&ml::cuda_torch_without_gpu::RULE];
const NON_ROOT: &[&Rule] = &[&security::root_user::RULE];
/// Rules the restructure must leave to later rungs.
const LATER: &[&Rule] = &[
    &ml::cuda_torch_without_gpu::RULE,
    &security::root_user::RULE,
    &context::missing_dockerignore::RULE,
];

/// The CPU index the CPU-torch rung installs from.
pub use ballast_ml::torch::CPU_INDEX;

/// The CPU-torch rung's name when the CPU index cannot be reached.
pub const CPU_TORCH_STAND_IN: &str = "CPU torch (stand-in: no CUDA wheels)";

/// Builds the ladder; `read` gives a context file's text. A rung that the
/// restructure refuses ends the ladder there (the rungs before it stand).
/// Without `cpu_index` (the CPU index is not reachable), the CPU-torch rung
/// is a stand-in: torch from the default index with its CUDA libraries
/// uninstalled in the same step ([`CPU_TORCH_STAND_IN`]).
pub fn ladder(
    df: &Dockerfile,
    options: &LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    cpu_index: bool,
) -> Result<(Vec<Rung>, Option<Stopped>), LintError> {
    let mut rungs = vec![rung(
        "as written",
        &df.source,
        None,
        BTreeMap::new(),
        options,
    )?];
    let slim = fixed_with(&rungs[0], SLIM, options, read)?;
    rungs.push(rung("slim base", &slim.0, None, slim.1, options)?);
    let mut opts = options.with_overlay(rungs[1].files.clone());
    opts.settings
        .ignore
        .extend(LATER.iter().map(|r| r.name.to_string()));
    let restructured = match restructure(&opts.memo.parse(&rungs[1].dockerfile), &opts) {
        Ok(r) => r,
        Err(Refusal::Lint(e)) => return Err(e),
        Err(Refusal::Unsupported(why)) => {
            return Ok((
                same_marked(rungs),
                Some(Stopped {
                    at: "multi-stage",
                    why,
                }),
            ));
        }
    };
    let mut files = rungs[1].files.clone();
    files.extend(restructured.files);
    rungs.push(rung(
        "multi-stage",
        &restructured.dockerfile,
        None,
        files,
        options,
    )?);
    let cpu = fixed_with(&rungs[2], CPU_TORCH, options, read)?;
    let stand_in = (!cpu_index)
        .then(|| without_cuda_libraries(&cpu.0))
        .flatten();
    match stand_in {
        Some(text) => rungs.push(rung(CPU_TORCH_STAND_IN, &text, None, cpu.1, options)?),
        None => rungs.push(rung("CPU torch", &cpu.0, None, cpu.1, options)?),
    }
    let user = fixed_with(&rungs[3], NON_ROOT, options, read)?;
    rungs.push(rung(
        ".dockerignore + non-root",
        &user.0,
        restructured.dockerignore,
        user.1,
        options,
    )?);
    Ok((same_marked(rungs), None))
}

/// The CPU-torch rung without the CPU index: each shell-form RUN that names
/// it installs from the default index instead and uninstalls torch's CUDA
/// libraries (its nvidia-* wheels and triton) in the same step, so the
/// layer holds torch without them. `None` when no RUN names the index, or
/// one cannot be rewritten (exec form, heredoc).
fn without_cuda_libraries(text: &str) -> Option<String> {
    let df = Dockerfile::parse(text);
    let flags = [
        format!(" --extra-index-url {CPU_INDEX}"),
        format!(" --extra-index-url={CPU_INDEX}"),
        format!(" --index-url {CPU_INDEX}"),
        format!(" --index-url={CPU_INDEX}"),
    ];
    let libraries = ballast_ml::packages::torch_cuda_libraries().join(" ");
    let mut out = text.to_string();
    let mut changed = false;
    // Last instruction first: earlier offsets stay valid.
    for inst in df.instructions.iter().rev() {
        let body = &text[inst.span.start..inst.span.end];
        let Some(flag) = flags.iter().find(|f| body.contains(f.as_str())) else {
            continue;
        };
        if inst.keyword != ballast_dockerfile::Keyword::Run || inst.json || body.contains("<<") {
            return None;
        }
        // The installer the flag was given to, called again to uninstall.
        let at = body.find(flag.as_str())?;
        let before = &body[..at];
        let start = before.rfind(['&', ';', '|', '\n']).map_or(0, |i| i + 1);
        let words: Vec<&str> = before[start..].split_whitespace().collect();
        let cut = words.iter().rposition(|w| *w == "install")?;
        // Past the keyword, its flags and variable assignments.
        let installer: Vec<&str> = words[..cut]
            .iter()
            .copied()
            .skip_while(|w| w.eq_ignore_ascii_case("run") || w.starts_with("--") || w.contains('='))
            .collect();
        if installer.is_empty() {
            return None;
        }
        let installer = installer.join(" ");
        let yes = if installer.starts_with("uv ") {
            ""
        } else {
            " -y"
        };
        let end = inst.span.start + body.trim_end().len();
        out.insert_str(
            end,
            &format!(" \\\n    && {installer} uninstall{yes} {libraries}"),
        );
        let flag_at = inst.span.start + at;
        out.replace_range(flag_at..flag_at + flag.len(), "");
        changed = true;
    }
    changed.then_some(out)
}

/// `prev`'s Dockerfile with the fixes of `rules` (safe and unsafe) applied.
fn fixed_with(
    prev: &Rung,
    rules: &[&Rule],
    options: &LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, BTreeMap<String, String>), LintError> {
    let mut opts = options.with_overlay(prev.files.clone());
    opts.settings = Settings {
        select: rules.iter().map(|r| r.name.to_string()).collect(),
        ..options.settings.clone()
    };
    let fixed = fix_until_stable(&prev.dockerfile, &mut opts, Applicability::Unsafe, read)?;
    let mut files = prev.files.clone();
    files.extend(fixed.files);
    Ok((fixed.text, files))
}

fn rung(
    name: &'static str,
    text: &str,
    dockerignore: Option<String>,
    files: BTreeMap<String, String>,
    options: &LintOptions<'_>,
) -> Result<Rung, LintError> {
    let opts = options.with_overlay(files.clone());
    let model = crate::model::predict_text(text, &opts)?;
    Ok(Rung {
        name,
        dockerfile: text.to_string(),
        dockerignore,
        files,
        predicted_bytes: model.bytes,
        predicted_base: model.base.map(|b| (b.image, b.bytes)),
        same_as_before: None,
    })
}

/// Marks each rung that changed nothing over the one before.
fn same_marked(mut rungs: Vec<Rung>) -> Vec<Rung> {
    for i in 1..rungs.len() {
        if rungs[i].dockerfile == rungs[i - 1].dockerfile
            && rungs[i].dockerignore.is_none()
            && rungs[i].files == rungs[i - 1].files
        {
            rungs[i].same_as_before = Some(format!(
                "nothing to change for {}: the same as `{}`",
                rungs[i].name,
                rungs[i - 1].name
            ));
        }
    }
    rungs
}
