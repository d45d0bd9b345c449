//! ## What it does
//! Reports a `FROM` that names an image by tag without a digest
//! (`@sha256:...`), in a stage the target needs.
//!
//! ## Why it matters
//! Tags are mutable: `python:3.11-slim` is rebuilt for security fixes, so
//! two builds of the same Dockerfile can differ. A digest makes the build
//! reproducible and its cache stable; update it deliberately (Renovate and
//! Dependabot do).
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim@sha256:<digest>
//! ```
//!
//! ## Fix safety
//! No automatic fix without a registry to ask for the digest.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::{Checker, FromImage};
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL204",
    name: "base-not-digest-pinned",
    family: Family::Cache,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A base image is pinned by tag, not by digest",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    // No tag at all (or `latest`) is unpinned-base-image's case.
    let tag_only = cx.from_images(&cx.reachable).filter(|b| {
        let r = &b.reference;
        b.resolved && r.digest.is_none() && r.tag.is_some_and(|t| t != "latest")
    });
    for FromImage { image, span, .. } in tag_only {
        out.push(
            Finding::new(
                &RULE,
                span,
                format!(
                    "`{image}` is pinned by tag only: the tag can move under the same Dockerfile"
                ),
            )
            .help("append the digest: `image:tag@sha256:...`"),
        );
    }
}
