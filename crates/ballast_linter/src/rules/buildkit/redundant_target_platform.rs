//! ## What it does
//! Flags `FROM --platform=$TARGETPLATFORM`.
//!
//! ## Why it matters
//! Every stage is built for the target platform unless told otherwise:
//! the flag says nothing, and suggests to a reader that the stage differs
//! from the others.
//!
//! ## Example
//! ```dockerfile
//! FROM --platform=$TARGETPLATFORM python:3.11-slim
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! ```
//!
//! ## Fix safety
//! Safe: the stage is built for the same platform without the flag.

use ballast_dockerfile::Span;

use super::froms;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL613",
    name: "redundant-target-platform",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    hadolint: &["DL3065"],
    buildkit: Some("RedundantTargetPlatform"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (_, inst, _) in froms(cx) {
        let Some(flag) = inst.flag("platform") else {
            continue;
        };
        let value = flag.value().unwrap_or("");
        if !matches!(value, "$TARGETPLATFORM" | "${TARGETPLATFORM}") {
            continue;
        }
        // The flag and the blanks after it.
        let after = cx.source[flag.span.end..]
            .find(|c: char| !c.is_ascii_whitespace() || c == '\n')
            .map_or(flag.span.end, |n| flag.span.end + n);
        out.push(
            Finding::new(
                &RULE,
                flag.span,
                format!("Setting platform to predefined {value} in FROM is redundant as this is the default behavior"),
            )
            .fix(Fix::safe(
                "Remove the flag",
                vec![Edit::delete(Span::new(flag.span.start, after))],
            )),
        );
    }
}
