//! ## What it does
//! Flags an empty line inside an instruction continued with `\`.
//!
//! ## Why it matters
//! BuildKit skips the empty line today and warns that it will become an
//! error: a file that builds now stops building after an upgrade. The
//! empty line also hides where the instruction ends from a reader.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && \
//!
//!     apt-get install -y curl
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && \
//!     apt-get install -y curl
//! ```
//!
//! ## Fix safety
//! Safe: the instruction BuildKit reads is the same without the line.
//! ballast reports the empty line itself; BuildKit reports the
//! instruction's last line.

use ballast_dockerfile::Span;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL603",
    name: "no-empty-continuation",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "Empty continuation lines will become errors in a future release",
    buildkit: Some("NoEmptyContinuation"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for w in cx
        .df
        .warnings
        .iter()
        .filter(|w| w.code == RULE.buildkit.unwrap())
    {
        let start = w.span.start;
        let rest = &cx.source[start..];
        let end = rest.find('\n').map_or(cx.source.len(), |n| start + n);
        let line = Span::new(start, end);
        let with_newline = Span::new(start, (end + 1).min(cx.source.len()));
        out.push(
            Finding::new(&RULE, line, "Empty continuation line")
                .help("remove the empty line, or end the instruction before it")
                .fix(Fix::safe(
                    "Remove the empty line",
                    vec![Edit::delete(with_newline)],
                )),
        );
    }
}
