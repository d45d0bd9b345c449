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

use ballast_dockerfile::stages::Base;
use ballast_ml::images::ImageRef;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
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
    for &s in &cx.reachable {
        let stage = &cx.graph.stages[s];
        let Base::Image(image) = &stage.base else {
            continue;
        };
        let r = ImageRef::parse(image);
        // No tag at all (or `latest`) is unpinned-base-image's case.
        if r.digest.is_some()
            || !stage.base_unresolved.is_empty()
            || matches!(r.effective_tag(), None | Some("latest"))
            || r.tag.is_none()
        {
            continue;
        }
        let Some((span, _)) = cx.from_image_span(s) else {
            continue;
        };
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
