//! ## What it does
//! Flags an instruction keyword that is not cased like most of the file's:
//! all uppercase or all lowercase, whichever most instructions of the
//! stages use (uppercase on a tie). A keyword of mixed case (`From`) is
//! always flagged. ARGs before the first FROM are not counted, as in
//! BuildKit.
//!
//! ## Why it matters
//! Consistent keywords make a Dockerfile scan as a list of steps; a `copy`
//! among `COPY`s reads like a mistake and draws review time.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! copy . /app
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! COPY . /app
//! ```
//!
//! ## Fix safety
//! Safe: keywords are read without case.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL604",
    name: "consistent-instruction-casing",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "All instructions should use the same casing (either upper or lower)",
    buildkit: Some("ConsistentInstructionCasing"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let staged: Vec<_> = cx
        .df
        .instructions
        .iter()
        .enumerate()
        .filter(|(i, _)| cx.stage_of(*i).is_some())
        .map(|(_, inst)| inst)
        .collect();
    let (mut lower, mut upper) = (0, 0);
    for inst in &staged {
        let k = &inst.keyword_text;
        if *k == k.to_lowercase() {
            lower += 1;
        } else if *k == k.to_uppercase() {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for inst in staged {
        let k = &inst.keyword_text;
        let want = if majority_lower {
            k.to_lowercase()
        } else {
            k.to_uppercase()
        };
        if *k == want {
            continue;
        }
        let casing = if majority_lower {
            "lowercase"
        } else {
            "uppercase"
        };
        out.push(
            Finding::new(
                &RULE,
                inst.keyword_span,
                format!("Command '{k}' should match the case of the command majority ({casing})"),
            )
            .fix(Fix::safe(
                format!("Write `{want}`"),
                vec![Edit::replace(inst.keyword_span, want.clone())],
            )),
        );
    }
}
