//! ## What it does
//! Flags a stage named `scratch` or `context`, names BuildKit reserves.
//!
//! ## Why it matters
//! `FROM scratch` means the empty image and `context` names the build
//! context in `--build-context`: a stage with either name is shadowed or
//! shadows, and references to it do not do what they read.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11 AS context
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11 AS app-context
//! ```
//!
//! ## Fix safety
//! No fix: the new name, and the references to update, are the author's.

use super::stage_names;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL606",
    name: "reserved-stage-name",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Reserved words should not be used as stage names",
    buildkit: Some("ReservedStageName"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (name, span) in stage_names(cx) {
        let key = name.to_lowercase();
        if matches!(key.as_str(), "scratch" | "context") {
            out.push(Finding::new(
                &RULE,
                span,
                format!("Stage name should not use the same name as reserved stage {key:?}"),
            ));
        }
    }
}
