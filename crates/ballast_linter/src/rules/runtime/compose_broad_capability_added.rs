//! ## What it does
//! Flags a service given a capability that amounts to control of the host
//! or other containers: `cap_add` of `ALL`, `SYS_ADMIN`, `SYS_PTRACE`,
//! `SYS_MODULE`, `SYS_RAWIO`, `NET_ADMIN`, `DAC_READ_SEARCH`, `SYS_BOOT`,
//! `SYS_TIME`, `BPF` or `PERFMON`.
//!
//! ## Why it matters
//! `SYS_ADMIN` alone allows mounting file systems and is the usual first
//! step of a container escape; `SYS_PTRACE` reads other processes' memory;
//! `NET_ADMIN` rewrites the network. An ML service needs none of them.
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     image: my/api
//!     cap_add: [SYS_ADMIN]
//! ```
//!
//! ## Fix safety
//! No fix: what the service does with the capability is not visible here.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL904",
    name: "compose-broad-capability-added",
    family: Family::Runtime,
    severity: Severity::Warning,
    summary: "A service is given a capability that amounts to host control",
    compose: Some(check),
    ..Rule::OPTIONAL
};

const BROAD: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "SYS_TIME",
    "BPF",
    "PERFMON",
];

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let Some(added) = cx.service.get("cap_add") else {
        return;
    };
    for item in added.items() {
        let Some(cap) = item.text() else { continue };
        let name = cap.to_ascii_uppercase();
        let name = name.strip_prefix("CAP_").unwrap_or(&name);
        if BROAD.contains(&name) {
            out.push(
                Finding::new(
                    &RULE,
                    item.span,
                    format!("{} is given {name}", cx.service.describe()),
                )
                .help("remove it, or add back only the narrow capability the service needs"),
            );
        }
    }
}
