//! ## What it does
//! Flags `COPY --from=NAME` inside the stage named NAME (or numbered so).
//!
//! ## Why it matters
//! A stage cannot copy from itself: BuildKit stops with "circular
//! dependency detected on stage". What was meant is an earlier stage, or a
//! plain `COPY` from the context, or a `RUN cp` inside the stage.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.12-slim AS app
//! COPY --from=app /opt/venv /opt/venv
//! ```
//!
//! ## Fix safety
//! No automatic fix: what was meant is the author's call.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL806",
    name: "copy-from-own-stage",
    family: Family::Practice,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "COPY --from names the stage it is in",
    hadolint: &["DL3023"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (_, stage, value, span) in super::copy_froms(cx) {
        let s = &cx.graph.stages[stage];
        let by_name = s
            .name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&value));
        let by_index = value.parse::<usize>() == Ok(stage);
        if by_name || by_index {
            out.push(
                Finding::new(
                    &RULE,
                    span,
                    format!("`--from={value}` is the stage this COPY is in: BuildKit stops with a circular dependency"),
                )
                .help("copy from an earlier stage, or use `RUN cp` inside this one"),
            );
        }
    }
}
