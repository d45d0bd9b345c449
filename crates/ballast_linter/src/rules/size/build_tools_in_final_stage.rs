//! ## What it does
//! In a multi-stage Dockerfile, flags compilers, build systems and `-dev`
//! packages (`build-essential`, `gcc`, `cmake`, `libpq-dev`, ...) installed
//! by the OS package manager in a stage whose files end up in the image,
//! unless the same RUN removes them again.
//!
//! Compilers are not counted when the image compiles while it runs
//! (`Checker::runtime_compiler`: deepspeed, vLLM, FlashInfer, ...).
//!
//! ## Why it matters
//! The Dockerfile already has a builder stage: compiling there and copying
//! the result (a virtualenv, wheels) leaves the toolchain out of the image.
//! `build-essential` alone is about 250 MB on Debian 12.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim AS builder
//! RUN python -m venv /venv && /venv/bin/pip install -r requirements.txt
//!
//! FROM python:3.11-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends gcc
//! COPY --from=builder /venv /venv
//! ```
//!
//! Use instead: install `gcc` in the builder stage only.
//!
//! ## Fix safety
//! No automatic fix: moving installs between stages is what `ballast fix
//! --restructure` does for the whole file.

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{base_has_toolchain, build_tools_shipped, build_tools_size};

pub(crate) static RULE: Rule = Rule {
    code: "BL106",
    name: names::BUILD_TOOLS_IN_FINAL_STAGE.as_str(),
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Compilers and -dev packages are installed in the image of a multi-stage build",
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    if !cx.has_builder_stages() {
        return;
    }
    for run in cx.image_runs() {
        let tools = build_tools_shipped(cx, run);
        let Some((first, _)) = tools.first() else {
            continue;
        };
        let names: Vec<String> = tools.iter().map(|(_, n)| n.clone()).collect();
        let (bytes, basis) = build_tools_size(&names);
        let savings = match cx
            .stage_of(run.index)
            .and_then(|s| base_has_toolchain(cx, s))
        {
            Some(_) => None,
            None => Some(Savings::image(bytes, basis)),
        };
        let span = ballast_dockerfile::Span::new(
            first.start,
            tools.last().map_or(first.end, |(s, _)| s.end),
        );
        out.push(
            Finding::new(
                &RULE,
                span,
                format!("build tools in the image: {}", names.join(", ")),
            )
            .help("install them in the builder stage and copy only the built result")
            .maybe_savings(savings),
        );
    }
}
