//! ## What it does
//! Flags torch, torchvision or torchaudio (directly, or through a package
//! that depends on torch such as sentence-transformers) installed from the
//! default index in a build that shows no sign of a GPU: no CUDA base image,
//! no NVIDIA/CUDA environment variables, no GPU-only packages, no CUDA
//! index. Requirement files and pyproject.toml in the build context are
//! read, including the indexes they name; `PIP_INDEX_URL`,
//! `PIP_EXTRA_INDEX_URL` and `UV_TORCH_BACKEND` count.
//!
//! ## Why it matters
//! On Linux x86_64 the default index serves the CUDA build of torch, which
//! pulls about fifteen nvidia-* and cuda-* wheels and triton: measured at
//! 5.2 GB installed for torch 2.5.1 (CUDA 12) and 5.5 GB for torch 2.15
//! (CUDA 13, `bench/distribution-sizes.sh`, 2026-12-05), against about
//! 0.7 GB for the CPU build. An image that never sees a GPU carries about
//! 5 GB of dead weight, in every pull.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! RUN pip install torch sentence-transformers
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu torch sentence-transformers
//! ```
//! or with uv: `uv pip install --torch-backend=cpu ...`.
//!
//! ## Fix safety
//! Unsafe: for pip the fix adds the CPU index (`--index-url` when the
//! command installs only the torch family, `--extra-index-url` otherwise);
//! for `uv pip`, `--torch-backend=cpu`; for `uv sync`, poetry and pdm it
//! adds the CPU index to pyproject.toml as each tool documents it
//! (`[[tool.uv.index]]` + `[tool.uv.sources]`, an explicit
//! `[[tool.poetry.source]]`, `[[tool.pdm.source]]` with
//! `include_packages`); the lock file must then be updated. Code that calls
//! CUDA would stop working.

use ballast_ml::packages::{brings_torch, cuda_torch_bytes, installed_size, is_torch_family};
use ballast_ml::torch::CPU_INDEX;
use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::cpu_torch::pyproject_with_cpu_torch;

pub(crate) static RULE: Rule = Rule {
    code: "BL301",
    name: names::CUDA_TORCH_WITHOUT_GPU.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "torch from the default index brings CUDA libraries to an image with no GPU",
    check,
    ..Rule::OPTIONAL
};

/// The requirement through which install `p` brings CUDA torch to an
/// image where nothing uses a GPU: the finding's subject. Other findings
/// size what the install leaves as if its fix were applied.
pub(crate) fn cuda_torch_of<'p>(
    cx: &Checker<'_>,
    p: &'p crate::checker::PyInstall<'_>,
) -> Option<&'p crate::checker::Requested> {
    if cx.gpu_signal().is_some()
        || p.resolved.cpu_source.is_some()
        || p.resolved.gpu_source.is_some()
        || p.resolved.accelerator_source.is_some()
    {
        return None;
    }
    let run = p.run;
    let family = |r: &crate::checker::Requested| is_torch_family(&r.requirement.name);
    // A dependent keeps the torch already there (or brings none
    // with --no-deps); only naming torch itself replaces it.
    let already = cx.torch_before(run.index).is_some();
    // torch itself when named, else the first package that brings it.
    let named = |r: &&crate::checker::Requested| !r.requirement.raw.contains("://");
    let torch = p
        .requested
        .iter()
        .filter(named)
        .find(|r| family(r))
        .or_else(|| {
            p.requested.iter().filter(named).find(|r| {
                !already
                    && !p.install.without_dependencies()
                    && brings_torch(&r.requirement.name, &r.requirement.extras)
            })
        })?;
    if family(torch)
        && cx.torch_before(run.index).is_some_and(|t| t.cpu)
        && torch.requirement.pinned_version().is_none()
    {
        return None;
    }
    Some(torch)
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        for p in cx.python_installs(run) {
            let Some(torch) = cuda_torch_of(cx, &p) else {
                continue;
            };
            let cpu = installed_size("torch+cpu").map_or(0, |x| x.0);
            let bytes = cuda_torch_bytes().saturating_sub(cpu);
            let via = if is_torch_family(&torch.requirement.name) {
                String::new()
            } else {
                " (it depends on torch)".to_string()
            };
            out.push(
                Finding::new(
                    &RULE,
                    torch.span,
                    format!("`{}`{via} comes from the default index as the CUDA build, and nothing in this build uses a GPU", torch.describe()),
                )
                .help(format!("install torch from the CPU index ({CPU_INDEX}) or with `uv pip install --torch-backend=cpu`"))
                .savings(Savings::image(
                    bytes,
                    format!(
                        "estimate: torch's CUDA build with its nvidia-*, cuda-* and triton wheels, {} installed (measured {}, bench/distribution-sizes.sh), less an estimated 0.7 GB for the CPU build",
                        crate::rules::common::human(cuda_torch_bytes()),
                        ballast_ml::distributions::table_date()
                    ),
                ))
                .maybe_fix(cpu_torch_fix(cx, &p)),
            );
        }
    }
}

/// Takes the install's torch from the CPU index: a flag for pip and uv pip,
/// the project's pyproject.toml for the project tools (their configuration
/// chooses the index).
fn cpu_torch_fix(cx: &Checker<'_>, p: &PyInstall<'_>) -> Option<Fix> {
    match p.install.tool {
        Tool::Pip => {
            // Only torch's family requested: the CPU index can be the only one.
            let all_torch = p
                .requested
                .iter()
                .all(|r| r.file.is_none() && is_torch_family(&r.requirement.name));
            let flag = if all_torch {
                format!("--index-url {CPU_INDEX}")
            } else {
                format!("--extra-index-url {CPU_INDEX}")
            };
            p.insert_after_subcommand(&flag).map(|e| {
                Fix::unsafe_(
                    format!("Install torch from the CPU index (`{flag}`)"),
                    vec![e],
                )
            })
        }
        Tool::UvPip => p
            .insert_after_subcommand("--torch-backend=cpu")
            .map(|e| Fix::unsafe_("Add `--torch-backend=cpu`", vec![e])),
        tool @ (Tool::UvSync | Tool::Poetry | Tool::Pdm) => pyproject_fix(cx, p, tool),
        _ => None,
    }
}

/// Points pyproject.toml's torch, torchvision and torchaudio (those the
/// install takes from it) at the PyTorch CPU index.
fn pyproject_fix(cx: &Checker<'_>, p: &PyInstall<'_>, tool: Tool) -> Option<Fix> {
    let family: Vec<&str> = ballast_ml::packages::TORCH_FAMILY
        .iter()
        .copied()
        .filter(|n| {
            p.requested.iter().any(|r| {
                ballast_ml::python::normalize_name(&r.requirement.name) == *n
                    && r.file.as_ref().is_some_and(|(f, _)| f == "pyproject.toml")
            })
        })
        .collect();
    let text = cx.read("pyproject.toml");
    text.zip((!family.is_empty()).then_some(()))
        .and_then(|(t, ())| {
            let new = pyproject_with_cpu_torch(&t, tool, &family)?;
            let lock = match tool {
                Tool::UvSync => "uv lock",
                Tool::Poetry => "poetry lock",
                _ => "pdm lock",
            };
            Some(Fix::unsafe_(
                format!(
                    "Take {} from the PyTorch CPU index in pyproject.toml (run `{lock}` after)",
                    family.join(", ")
                ),
                vec![
                    Edit::replace(ballast_dockerfile::Span::new(0, t.len()), new)
                        .in_file("pyproject.toml"),
                ],
            ))
        })
}
