//! ## What it does
//! Flags `FROM --platform=` with a constant platform (`linux/amd64`),
//! unless the stage's name says the platform (`AS build-amd64`).
//!
//! ## Why it matters
//! A constant platform pins the stage whatever `--platform` the build asks
//! for: an arm64 build silently gets amd64 binaries, run under emulation
//! or not at all. `$BUILDPLATFORM` (for a builder stage) or no flag says
//! what is meant.
//!
//! ## Example
//! ```dockerfile
//! FROM --platform=linux/amd64 python:3.11-slim
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM --platform=$BUILDPLATFORM python:3.11-slim AS build
//! ```
//!
//! ## Fix safety
//! No fix: which platform variable fits is the author's call.

use super::froms;
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL615",
    name: "from-platform-flag-const-disallowed",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "FROM --platform flag should not use a constant value",
    hadolint: &["DL3029"],
    buildkit: Some("FromPlatformFlagConstDisallowed"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (_, inst, args) in froms(cx) {
        let Some(flag) = inst.flag("platform") else {
            continue;
        };
        let value = flag.value().unwrap_or("");
        if value.is_empty() || value.contains('$') {
            continue;
        }
        let mut parts = value.split('/');
        let (os, arch) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let named = args.name.as_deref().unwrap_or("").to_lowercase();
        if (!os.is_empty() && named.contains(&os.to_lowercase()))
            || (!arch.is_empty() && named.contains(&arch.to_lowercase()))
        {
            continue;
        }
        out.push(Finding::new(
            &RULE,
            flag.span,
            format!("FROM --platform flag should not use constant value {value:?}"),
        ));
    }
}
