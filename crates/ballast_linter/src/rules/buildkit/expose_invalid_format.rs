//! ## What it does
//! Flags `EXPOSE` with an IP address or a host port (`EXPOSE 8000:8000`,
//! `EXPOSE 127.0.0.1:8000:8000`).
//!
//! ## Why it matters
//! `EXPOSE` only documents the container's port; publishing to a host port
//! or address is for `docker run -p` and compose. The engine drops the
//! host part, so the line promises a binding the image cannot make, and
//! BuildKit says it will become an error.
//!
//! ## Example
//! ```dockerfile
//! EXPOSE 127.0.0.1:8000:8000
//! ```
//!
//! Use instead:
//! ```dockerfile
//! EXPOSE 8000
//! ```
//!
//! ## Fix safety
//! Safe: the engine exposes the container port alone either way, so the
//! image config is the same.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL617",
    name: "expose-invalid-format",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "IP address and host-port mapping should not be used in EXPOSE instruction",
    buildkit: Some("ExposeInvalidFormat"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for arg in super::exposed(cx) {
        if !arg.value.contains(':') || arg.value.contains('$') {
            continue;
        }
        let port = arg.value.rsplit(':').next().unwrap_or("");
        let mut f = Finding::new(
            &RULE,
            arg.span,
            format!(
                "EXPOSE instruction should not define an IP address or host-port mapping, found '{}'",
                arg.value
            ),
        );
        if !port.is_empty() && arg.span.text(cx.source) == arg.value {
            f = f.fix(Fix::safe(
                format!("Expose `{port}`"),
                vec![Edit::replace(arg.span, port.to_string())],
            ));
        }
        out.push(f);
    }
}
