//! ## What it does
//! Flags `privileged: true`.
//!
//! ## Why it matters
//! A privileged container has every capability, every device of the host
//! and no seccomp or AppArmor profile: root in it is root on the host. GPU
//! access does not need it (`deploy.resources.reservations.devices` with
//! the NVIDIA runtime, or CDI, give the GPU alone).
//!
//! ## Example
//! ```yaml
//! services:
//!   worker:
//!     image: my/worker
//!     privileged: true
//! ```
//!
//! ## Fix safety
//! No fix: the devices or capabilities it was added for must be named by
//! hand.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL905",
    name: "compose-privileged",
    family: Family::Runtime,
    severity: Severity::Error,
    summary: "A service runs privileged",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    if cx.service.get("privileged").is_some_and(|v| v.is_true()) {
        let span = cx.service.key_span("privileged").expect("privileged");
        out.push(
            Finding::new(
                &RULE,
                span,
                format!("{} runs privileged: root in it is root on the host", cx.service.describe()),
            )
            .help(cx.says(
        "remove `privileged`; give GPUs with `deploy.resources.reservations.devices`, and only the capabilities needed with `cap_add`",
        "remove `privileged: true`; request GPUs with `resources.limits` (`nvidia.com/gpu`), and only the capabilities needed with `capabilities.add`",
    )),
        );
    }
}
