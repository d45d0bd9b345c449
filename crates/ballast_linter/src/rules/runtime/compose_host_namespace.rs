//! ## What it does
//! Flags a service that shares a namespace with the host:
//! `network_mode: host`, `pid: host`, `ipc: host`, `uts: host` or
//! `userns_mode: host`.
//!
//! ## Why it matters
//! The host's network namespace exposes every host port and local-only
//! service (a database on 127.0.0.1, the cloud metadata endpoint) to the
//! container; the host's PID namespace lets it see and signal every
//! process; `userns_mode: host` turns off user-namespace remapping.
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     image: my/api
//!     network_mode: host
//! ```
//!
//! ## Fix safety
//! No fix: publishing the service's ports instead (`ports:`) changes how
//! it is reached.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL908",
    name: "compose-host-namespace",
    family: Family::Runtime,
    severity: Severity::Warning,
    summary: "A service shares the host's network, PID, IPC or user namespace",
    compose: Some(check),
    ..Rule::OPTIONAL
};

const KEYS: &[(&str, &str)] = &[
    ("network_mode", "network"),
    ("pid", "process (PID)"),
    ("ipc", "IPC"),
    ("uts", "UTS"),
    ("userns_mode", "user"),
];

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    for (key, what) in KEYS {
        if cx.service.get(key).and_then(|v| v.text()) == Some("host") {
            let span = cx.service.key_span(key).expect("key");
            out.push(
                Finding::new(
                    &RULE,
                    span,
                    format!(
                        "{} shares the host's {what} namespace",
                        cx.service.describe()
                    ),
                )
                .help(if *key == "network_mode" {
                    cx.says(
                        "publish the ports it serves with `ports:` instead",
                        "reach it through a Service instead of `hostNetwork`",
                    )
                } else {
                    "remove it unless the service must see the host's processes"
                }),
            );
        }
    }
}
