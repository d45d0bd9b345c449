//! ## What it does
//! Flags a service whose `user:` is root (`root`, `0`, `0:0`). It is an
//! error when the project's Dockerfile makes the image run as a non-root
//! user: the compose file undoes it.
//!
//! ## Why it matters
//! The image's `USER` is the lesson's second practice; a `user: root` in
//! the compose file takes it back silently, and every other hardening then
//! protects a root process.
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     build: .
//!     user: root
//! ```
//!
//! ## Fix safety
//! No fix: the service may need root for what it does at start (a volume
//! owned by root); remove the line once it does not.

use crate::catalog::{Family, Rule, Severity};
use crate::compose::{ImageUser, ServiceCx};
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL907",
    name: "compose-root-user",
    family: Family::Runtime,
    severity: Severity::Warning,
    summary: "A service is run as root by its compose file",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let Some(user) = cx.service.get("user").and_then(|u| u.text()) else {
        return;
    };
    let name = user.split(':').next().unwrap_or(user);
    if !ballast_ml::images::is_root_user(name) {
        return;
    }
    let span = cx.service.key_span("user").expect("user");
    let written = cx.says("user", "runAsUser");
    let base = format!(
        "{} runs as root (`{written}: {user}`)",
        cx.service.describe()
    );
    out.push(match cx.image.map(|f| &f.user) {
        Some(ImageUser::NonRoot(u)) => Finding::new(
            &RULE,
            span,
            format!("{base}, overriding the image's user `{u}`"),
        )
        .severity(Severity::Error)
        .help(cx.says(
        "remove `user:`: the image already runs as a non-root user",
        "remove `runAsUser: 0`: the image already runs as a non-root user",
    )),
        _ => Finding::new(&RULE, span, base).help(
            cx.says(
        "run it as an unprivileged user (`user: \"10001:10001\"`), or set one in its Dockerfile",
        "run it as an unprivileged user (`runAsUser: 10001`, `runAsNonRoot: true`), or set one in its Dockerfile",
    ),
        ),
    });
}
