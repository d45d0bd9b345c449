//! ## What it does
//! Flags a `FROM` that names an image without a tag, or with the `latest`
//! tag, and no digest, in a stage the target needs. Variables are resolved
//! first: `FROM python:${PY}` with `ARG PY=3.11` is pinned.
//!
//! ## Why it matters
//! `latest` moves. A rebuild of an unchanged Dockerfile silently gets a new
//! Python, a new CUDA or a new distribution; when the base changes, every
//! cached step after it rebuilds.
//!
//! ## Example
//! ```dockerfile
//! FROM python
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11.10-slim-bookworm
//! ```
//!
//! ## Fix safety
//! No automatic fix: the version to pin is yours to choose.

use ballast_dockerfile::stages::Base;
use ballast_ml::images::ImageRef;

use crate::checker::Checker;
use crate::finding::Finding;
use crate::registry::{Family, FixAvailability, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    code: "BL203",
    name: "unpinned-base-image",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A base image has no tag or uses latest",
    hadolint: &["DL3006", "DL3007"],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for &s in &cx.reachable {
        let stage = &cx.graph.stages[s];
        let Base::Image(image) = &stage.base else {
            continue;
        };
        if !stage.base_unresolved.is_empty() {
            continue;
        }
        let r = ImageRef::parse(image);
        if r.digest.is_some() || r.tag.is_some_and(|t| t != "latest") {
            continue;
        }
        let Some((span, _)) = cx.from_image_span(s) else {
            continue;
        };
        let what = if r.tag.is_none() {
            "has no tag"
        } else {
            "uses the `latest` tag"
        };
        out.push(
            Finding::new(
                &RULE,
                span,
                format!(
                    "`{image}` {what}: rebuilds silently pick up whatever it points to that day"
                ),
            )
            .help("pin a version tag (and a digest for reproducible builds)"),
        );
    }
}
