//! ## What it does
//! Flags a Dockerfile without a builder stage that installs compilers,
//! build systems or `-dev` packages (`build-essential`, `gcc`, `cmake`,
//! `python3-dev`, ...) and does not remove them in the same RUN.
//!
//! Compilers are not counted when the image compiles while it runs
//! (`Checker::runtime_compiler`: deepspeed, vLLM, FlashInfer, ...).
//!
//! ## Why it matters
//! Build dependencies are needed to compile wheels, not to run them. In a
//! single-stage build they ship in the image: `build-essential` alone is
//! about 250 MB on Debian 12. A builder stage compiles into a virtualenv
//! that the runtime stage copies, leaving the toolchain behind.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! RUN apt-get update && apt-get install -y build-essential
//! RUN pip install -r requirements.txt
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim AS builder
//! RUN apt-get update && apt-get install -y build-essential
//! RUN python -m venv /venv && /venv/bin/pip install -r requirements.txt
//!
//! FROM python:3.11-slim
//! COPY --from=builder /venv /venv
//! ENV PATH=/venv/bin:$PATH
//! ```
//!
//! ## Fix safety
//! No automatic fix here; `ballast fix --restructure` rewrites the file into
//! this form.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use crate::rules::common::{base_has_toolchain, build_tools_shipped, build_tools_size};

pub(crate) static RULE: Rule = Rule {
    code: "BL109",
    name: "no-multistage-with-build-deps",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Build dependencies ship in the image because there is no builder stage",
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    if cx.has_builder_stages() {
        return;
    }
    let mut names = Vec::new();
    let mut first = None;
    for run in cx.image_runs() {
        for (span, name) in build_tools_shipped(cx, run) {
            first.get_or_insert((run.index, span));
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let Some((index, span)) = first else { return };
    let (bytes, basis) = build_tools_size(&names);
    // On a base that already has compilers the install adds little; the
    // bytes are counted by full-python-base.
    let savings = match cx.stage_of(index).and_then(|s| base_has_toolchain(cx, s)) {
        Some(_) => None,
        None => Some(Savings::image(bytes, basis)),
    };
    let from = cx.inst(cx.graph.stages[cx.target].from);
    out.push(
        Finding::new(&RULE, span, format!("build dependencies ({}) ship in the image: there is no builder stage", names.join(", ")))
            .help("compile in a builder stage and copy the virtualenv or wheels into a clean runtime stage")
            .related(from.keyword_span, "the only stage")
            .maybe_savings(savings),
    );
}
