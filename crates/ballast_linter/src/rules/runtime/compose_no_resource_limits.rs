//! ## What it does
//! Flags an ML service with no memory limit: one that asks for a GPU, or
//! whose image (built by the project) runs models, and that sets neither
//! `deploy.resources.limits.memory` nor `mem_limit`.
//!
//! ## Why it matters
//! Loading a model takes gigabytes, and a second concurrent request or a
//! larger model can take the whole host's memory: the kernel's OOM killer
//! then picks any process, often not the service. A limit makes the
//! service fail alone and be restarted.
//!
//! ## Example
//! ```yaml
//! services:
//!   inference:
//!     build: .
//! ```
//!
//! Use instead:
//! ```yaml
//! services:
//!   inference:
//!     build: .
//!     deploy:
//!       resources:
//!         limits:
//!           memory: 8g
//! ```
//!
//! ## Fix safety
//! No fix: the right limit depends on the models and the traffic.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

use super::missing;

pub(crate) static RULE: Rule = Rule {
    code: "BL911",
    name: "compose-no-resource-limits",
    family: Family::Runtime,
    severity: Severity::Info,
    summary: "An ML service has no memory limit",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let s = cx.service;
    let limited =
        s.setting("mem_limit").is_some() || s.has_at(&["deploy", "resources", "limits", "memory"]);
    if limited || super::judged_on_base(cx) {
        return;
    }
    let why = match (s.gpu_request(), cx.image) {
        (Some(g), _) => format!("it asks for a GPU ({})", g.how),
        (None, Some(f)) if f.ml => format!("its image ({}) runs models", f.dockerfile),
        _ => return,
    };
    out.push(
        missing(
            &RULE,
            cx,
            format!("ML {} has no memory limit: {why}", s.describe()),
        )
        .help(cx.says(
            "set `deploy.resources.limits.memory` (and `cpus`) to what its models need",
            "set `resources.limits.memory` (and `cpu`) to what its models need",
        )),
    );
}
