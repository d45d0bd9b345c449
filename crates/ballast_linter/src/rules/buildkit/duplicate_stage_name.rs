//! ## What it does
//! Flags a stage named like an earlier one (names compared without case).
//!
//! ## Why it matters
//! `COPY --from=name`, `FROM name` and `--target name` reach only one of
//! the two stages; which one depends on where the reference is. The
//! duplicate is almost always a copy-paste slip.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11 AS build
//! FROM node:22 AS build
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11 AS build-python
//! FROM node:22 AS build-web
//! ```
//!
//! ## Fix safety
//! No fix: which references meant which stage is for the author to say.

use super::stage_names;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL605",
    name: "duplicate-stage-name",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Stage names should be unique",
    hadolint: &["DL3024"],
    buildkit: Some("DuplicateStageName"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let mut seen = std::collections::BTreeMap::new();
    for (name, span) in stage_names(cx) {
        let key = name.to_lowercase();
        if let Some(first) = seen.get(&key) {
            out.push(
                Finding::new(
                    &RULE,
                    span,
                    format!("Duplicate stage name {key:?}, stage names should be unique"),
                )
                .related(*first, "first named here"),
            );
        } else {
            seen.insert(key, span);
        }
    }
}
