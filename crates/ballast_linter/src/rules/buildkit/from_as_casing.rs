//! ## What it does
//! Flags `FROM ... AS name` whose `AS` keyword is not cased like its `FROM`
//! (`FROM image as name`, `from image AS name`). A `FROM` of mixed case is
//! left to `consistent-instruction-casing`.
//!
//! ## Why it matters
//! The keywords read as one instruction; mixed casing is noise a reviewer
//! has to look past, and BuildKit's check reports it on every build.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim as builder
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim AS builder
//! ```
//!
//! ## Fix safety
//! Safe: keywords are read without case.

use super::froms;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL602",
    name: "from-as-casing",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "The 'as' keyword should match the case of the 'from' keyword",
    buildkit: Some("FromAsCasing"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (_, inst, _) in froms(cx) {
        let Some(as_arg) = inst.args.get(1) else {
            continue;
        };
        let (from, kw) = (inst.keyword_text.as_str(), as_arg.value.as_str());
        let want = if from == from.to_uppercase() {
            kw.to_uppercase()
        } else if from == from.to_lowercase() {
            kw.to_lowercase()
        } else {
            continue;
        };
        if want == kw {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                as_arg.span,
                format!("'{kw}' and '{from}' keywords' casing do not match"),
            )
            .fix(Fix::safe(
                format!("Write `{want}`"),
                vec![Edit::replace(as_arg.span, want.clone())],
            )),
        );
    }
}
