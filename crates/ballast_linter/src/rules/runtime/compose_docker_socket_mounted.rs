//! ## What it does
//! Flags a service that mounts the Docker socket (`/var/run/docker.sock`,
//! `/run/docker.sock`, a Podman socket).
//!
//! ## Why it matters
//! Whoever can talk to the socket can start a privileged container with
//! the host's root file system mounted: it is root on the host, whatever
//! the container's own user and capabilities.
//!
//! ## Example
//! ```yaml
//! services:
//!   sandbox:
//!     image: my/runner
//!     volumes:
//!       - /var/run/docker.sock:/var/run/docker.sock
//! ```
//!
//! ## Fix safety
//! No fix. Where a service must start containers, put a socket proxy that
//! allows only the calls it needs in between, or use a rootless engine.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL909",
    name: "compose-docker-socket-mounted",
    family: Family::Runtime,
    severity: Severity::Error,
    summary: "A service mounts the container engine's socket",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn is_engine_socket(path: &str) -> bool {
    path.ends_with("/docker.sock")
        || path.ends_with("/podman.sock")
        || path.ends_with("/containerd.sock")
}

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    for v in cx.service.volumes() {
        let source = v.source.as_deref().unwrap_or("");
        if is_engine_socket(source) || is_engine_socket(&v.target) {
            out.push(
                Finding::new(
                    &RULE,
                    v.span,
                    format!(
                        "{} mounts the container engine's socket{}: it can take over the host",
                        cx.service.describe(),
                        if v.read_only { " (read-only does not limit the API)" } else { "" }
                    ),
                )
                .help("use a socket proxy that allows only the calls the service makes, or a rootless engine"),
            );
        }
    }
}
