//! ## What it does
//! Flags an image built on a CUDA *runtime* or *cuDNN runtime* base that
//! also installs torch from pip (or nvidia-* wheels directly). pip's torch
//! brings its own CUDA runtime, cuBLAS, cuDNN and NCCL as nvidia-* wheels.
//!
//! ## Why it matters
//! The base's copies under `/usr/local/cuda` and `/usr/lib/x86_64-linux-gnu`
//! are then never loaded by torch: switching such an image from
//! `cuda-runtime` to `cuda-base` saved 2.3 GB
//! (IBM/text-generation-inference#50). The `base` flavour keeps the driver
//! compatibility pieces torch needs.
//!
//! ## Example
//! ```dockerfile
//! FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
//! RUN pip install torch
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM nvidia/cuda:12.4.1-base-ubuntu22.04
//! RUN pip install torch
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix switches the tag to the base flavour; software that
//! links the system CUDA libraries (not pip's) would lose them.

use ballast_ml::images::{CudaFlavor, cuda_flavor};
use ballast_ml::packages::brings_torch;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::base_saving;

pub(crate) static RULE: Rule = Rule {
    code: "BL303",
    name: names::DUPLICATE_CUDA_RUNTIME.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "A CUDA runtime base duplicates the CUDA libraries pip's torch brings",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let runtime =
        cx.from_images(&cx.image_stages)
            .filter_map(|b| match cuda_flavor(&b.reference)? {
                f @ (CudaFlavor::Runtime | CudaFlavor::CudnnRuntime) => Some((f, b)),
                _ => None,
            });
    for (flavor, base) in runtime {
        let (image, r, span) = (base.image, &base.reference, base.span);
        // pip-shipped CUDA in the image.
        let pip_cuda = cx.image_runs().find_map(|run| {
            cx.python_installs(run).into_iter().find_map(|p| {
                if p.resolved.cpu_source.is_some() {
                    return None;
                }
                p.requested
                    .iter()
                    .find(|r| {
                        brings_torch(&r.requirement.name, &r.requirement.extras)
                            || ballast_ml::python::normalize_name(&r.requirement.name)
                                .starts_with("nvidia-")
                    })
                    .map(|r| (r.span, r.describe()))
            })
        });
        let Some((pkg_span, pkg)) = pip_cuda else {
            continue;
        };
        let (bytes, basis) = base_saving(image, &base_flavour(image), "CUDA runtime or cuDNN base");
        let fix =
            (base.literal && r.digest.is_none() && r.short_name() == "nvidia/cuda").then(|| {
                let new = base_flavour(span.text(cx.source));
                Fix::unsafe_(format!("Use `{new}`"), vec![Edit::replace(span, new)])
            });
        let what = if flavor == CudaFlavor::CudnnRuntime {
            "CUDA and cuDNN"
        } else {
            "CUDA"
        };
        out.push(
            Finding::new(
                &RULE,
                span,
                format!(
                    "`{image}` ships the {what} libraries that `{pkg}` brings again as pip wheels"
                ),
            )
            .help("use the `base` flavour: pip's nvidia-* wheels provide the libraries torch loads")
            .related(pkg_span, "installs the pip copies")
            .savings(Savings::image(bytes, basis))
            .maybe_fix(fix),
        );
    }
}

/// The same nvidia/cuda reference on the `-base` flavour.
fn base_flavour(text: &str) -> String {
    [
        "-cudnn9-runtime",
        "-cudnn8-runtime",
        "-cudnn-runtime",
        "-runtime",
    ]
    .iter()
    .find(|f| text.contains(*f))
    .map(|f| text.replacen(f, "-base", 1))
    .unwrap_or_else(|| text.to_string())
}
