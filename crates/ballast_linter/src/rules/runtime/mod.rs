//! Runtime rules: how a compose file runs each service (the hardening the
//! image alone cannot give). They run over compose files, not Dockerfiles.

pub(crate) mod compose_broad_capability_added;
pub(crate) mod compose_capabilities_not_dropped;
pub(crate) mod compose_docker_socket_mounted;
pub(crate) mod compose_gpu_without_cuda_torch;
pub(crate) mod compose_host_namespace;
pub(crate) mod compose_new_privileges_allowed;
pub(crate) mod compose_no_resource_limits;
pub(crate) mod compose_not_read_only;
pub(crate) mod compose_privileged;
pub(crate) mod compose_root_user;
pub(crate) mod compose_secret_in_environment;
pub(crate) mod compose_writable_path_unmounted;

use crate::catalog::Rule;
use crate::compose::{ServiceCx, service_span};
use crate::finding::Finding;

/// A finding about a setting the service lacks: it points at the
/// service's name.
pub(crate) fn missing(rule: &'static Rule, cx: &ServiceCx<'_>, message: String) -> Finding {
    Finding::new(rule, service_span(cx.service), message)
}

/// The image's user, as a phrase: "the image runs as `app`".
pub(crate) fn runs_as(cx: &ServiceCx<'_>) -> Option<String> {
    use crate::compose::ImageUser;
    let facts = cx.image?;
    Some(match &facts.user {
        ImageUser::Root => format!("{} runs as root", facts.dockerfile),
        ImageUser::NonRoot(u) => format!("{} runs as `{u}`", facts.dockerfile),
        ImageUser::DropsPrivileges => format!(
            "{} starts as root and switches user in its entrypoint",
            facts.dockerfile
        ),
    })
}

/// Whether a missing setting is judged on another service: one that
/// builds on another (`extends`, an overlay of the base file) takes what
/// it lacks from there, and the base's finding (and fix) covers both.
pub(crate) fn judged_on_base(cx: &ServiceCx<'_>) -> bool {
    cx.service.inherited.from.is_some()
}
