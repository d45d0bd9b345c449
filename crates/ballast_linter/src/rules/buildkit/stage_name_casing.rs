//! ## What it does
//! Flags a stage name (`FROM image AS Name`) that is not lowercase.
//!
//! ## Why it matters
//! BuildKit lower-cases stage names: `--target Builder`, `COPY
//! --from=BUILDER` and `FROM builder` all name the same stage. A name
//! written in capitals suggests a distinction the build does not make.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim AS Builder
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim AS builder
//! ```
//!
//! ## Fix safety
//! Safe: references to the stage are matched without case, so lowering the
//! name changes nothing else.

use super::stage_names;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL601",
    name: "stage-name-casing",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "Stage names should be lowercase",
    buildkit: Some("StageNameCasing"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (name, span) in stage_names(cx) {
        let lower = name.to_lowercase();
        if lower == name {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                span,
                format!("Stage name '{name}' should be lowercase"),
            )
            .help("BuildKit matches stage names without case; write them as it stores them")
            .fix(Fix::safe(
                format!("Rename the stage `{lower}`"),
                vec![Edit::replace(span, lower)],
            )),
        );
    }
}
