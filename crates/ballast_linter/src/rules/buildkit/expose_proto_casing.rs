//! ## What it does
//! Flags a protocol in `EXPOSE` that is not lowercase (`8000/TCP`).
//!
//! ## Why it matters
//! The engine stores protocols in lowercase; the image config then shows
//! a different spelling from the Dockerfile, and tools comparing the two
//! see a difference where there is none.
//!
//! ## Example
//! ```dockerfile
//! EXPOSE 8000/TCP
//! ```
//!
//! Use instead:
//! ```dockerfile
//! EXPOSE 8000/tcp
//! ```
//!
//! ## Fix safety
//! Safe: the port exposed is the same.

use ballast_dockerfile::Span;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL616",
    name: "expose-proto-casing",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "Protocol in EXPOSE instruction should be lowercase",
    buildkit: Some("ExposeProtoCasing"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for arg in super::exposed(cx) {
        let Some((_, proto)) = arg.value.split_once('/') else {
            continue;
        };
        if proto == proto.to_lowercase() {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            arg.span,
            format!(
                "Defined protocol '{}' in EXPOSE instruction should be lowercase",
                arg.value
            ),
        );
        let written = arg.span.text(cx.source);
        if let Some(slash) = written.rfind('/')
            && written[slash + 1..] == *proto
        {
            let at = Span::new(arg.span.start + slash + 1, arg.span.end);
            f = f.fix(Fix::safe(
                "Lowercase the protocol",
                vec![Edit::replace(at, proto.to_lowercase())],
            ));
        }
        out.push(f);
    }
}
