//! ## What it does
//! Flags a stage whose files end up in the image and that is built on a CUDA
//! *devel* image (`nvidia/cuda:*-devel-*`, `*-cudnn-devel-*`,
//! `pytorch/pytorch:*-devel`).
//!
//! ## Why it matters
//! Devel images add nvcc, headers, static libraries and profiling tools on
//! top of the runtime: `9.0-cudnn7-devel` is 2.58 GB against 1.15 GB for
//! `9.0-cudnn7-runtime`. They are needed to compile CUDA extensions
//! (flash-attn, custom kernels), in a builder stage; running needs only the
//! runtime. An image that compiles CUDA code while it runs (deepspeed's
//! ops, vLLM's and FlashInfer's JIT kernels, `TORCH_CUDA_ARCH_LIST` set for
//! extension builds) needs the toolkit: that is info, without a fix.
//!
//! ## Example
//! ```dockerfile
//! FROM nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04 AS build
//! # compile here
//! FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
//! COPY --from=build /venv /venv
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix switches the tag to the runtime flavour. No fix when a
//! step of the image compiles (`nvcc`, `cmake`, `make`, a Python install
//! built from source): it needs the devel toolkit.

use ballast_ml::images::cuda_flavor;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::base_saving;

pub(crate) static RULE: Rule = Rule {
    code: "BL302",
    name: names::CUDA_DEVEL_BASE_IN_FINAL_STAGE.as_str(),
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "The image is built on a CUDA devel base",
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let devel = cx
        .from_images(&cx.image_stages)
        .filter(|b| cuda_flavor(&b.reference).is_some_and(|f| f.is_devel()));
    for base in devel {
        let (image, span) = (base.image, base.span);
        let (bytes, basis) = base_saving(
            image,
            &image.replacen("-devel", "-runtime", 1),
            "CUDA devel",
        );
        // Steps of the image compile: they need the devel toolkit.
        let compiles = cx.compiles_in_image(true);
        let fix =
            (base.literal && base.reference.digest.is_none() && compiles.is_none()).then(|| {
                let new = span.text(cx.source).replacen("-devel", "-runtime", 1);
                Fix::unsafe_(format!("Use `{new}`"), vec![Edit::replace(span, new)])
            });
        let f = Finding::new(
            &RULE,
            span,
            format!("`{image}` is a CUDA devel image: compilers and headers ship in the image"),
        );
        // A program that compiles CUDA code while it runs needs the toolkit:
        // no saving to claim, no fix to offer.
        out.push(match cx.runtime_compiler() {
            Some(why) => Finding::new(
                &RULE,
                span,
                format!("`{image}` is a CUDA devel image, which the image needs: {why}"),
            )
            .help("keep it, or prebuild what compiles at run time in a builder stage and run on the runtime flavour")
            .severity(Severity::Info),
            None => f
                .help("compile in a builder stage on the devel image and run on the runtime flavour")
                .savings(Savings::image(bytes, basis))
                .maybe_fix(fix),
        });
    }
}
