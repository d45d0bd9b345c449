//! ## What it does
//! With trusted registries configured (`trusted-registries` in the `[lint]`
//! configuration, `--trusted-registry`), flags base images, `COPY --from`
//! images and `RUN --mount=from=` images from any other registry. Patterns:
//! an exact host, `*.corp.example` (suffix), `corp*` (prefix), `*` (all).
//! Images without a registry are Docker Hub (`docker.io`). `scratch` is
//! always allowed. Off when no registry is configured.
//!
//! ## Why it matters
//! Base images run with full trust in every build and every container.
//! Organisations mirror and scan what they allow; an image from elsewhere
//! bypasses that.
//!
//! ## Example
//! With `trusted-registries = ["registry.corp.example"]`:
//! ```dockerfile
//! FROM python:3.11-slim
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM registry.corp.example/python:3.11-slim
//! ```
//!
//! ## Fix safety
//! No automatic fix.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::Mount;
use ballast_ml::images::ImageRef;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::{Checker, FromImage};
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL407",
    name: "untrusted-registry",
    family: Family::Security,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An image comes from a registry that is not trusted",
    hadolint: &["DL3026"],
    needs_config: true,
    check,
    ..Rule::OPTIONAL
};

/// Whether `registry` matches a trusted pattern.
pub(crate) fn trusted(patterns: &[String], registry: &str) -> bool {
    patterns.iter().any(|p| {
        let p = p.trim();
        p == "*"
            || p == registry
            || p.strip_prefix('*')
                .is_some_and(|suffix| registry.ends_with(suffix))
            || p.strip_suffix('*')
                .is_some_and(|prefix| registry.starts_with(prefix))
            || (p == "docker.io" && ballast_ml::images::is_docker_hub(Some(registry)))
    })
}

fn registry_of(image: &str) -> String {
    ImageRef::parse(image)
        .registry
        .unwrap_or("docker.io")
        .to_string()
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let patterns = &cx.settings.trusted_registries;
    if patterns.is_empty() {
        return;
    }
    for FromImage { image, span, .. } in cx.from_images(&cx.reachable) {
        let reg = registry_of(image);
        if !trusted(patterns, &reg) {
            out.push(
                Finding::new(
                    &RULE,
                    span,
                    format!("`{image}` comes from {reg}, which is not a trusted registry"),
                )
                .help(format!("trusted: {}", patterns.join(", "))),
            );
        }
    }
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if !cx.is_reachable(i) {
            continue;
        }
        let mut froms: Vec<String> = Vec::new();
        if matches!(inst.keyword, Keyword::Copy | Keyword::Add)
            && let Some(f) = inst.flag("from").and_then(|f| f.value())
        {
            froms.push(f.to_string());
        }
        froms.extend(Mount::of(inst).into_iter().filter_map(|m| m.from));
        for f in froms {
            let f = cx
                .scope(i)
                .map_or(f.clone(), |sc| sc.expand_keep_unknown(&f, cx.df.escape));
            if cx.graph.find_stage(&f).is_some() || f.contains('$') {
                continue;
            }
            let reg = registry_of(&f);
            if !trusted(patterns, &reg) {
                out.push(
                    Finding::new(
                        &RULE,
                        inst.keyword_span,
                        format!("`{f}` comes from {reg}, which is not a trusted registry"),
                    )
                    .help(format!("trusted: {}", patterns.join(", "))),
                );
            }
        }
    }
}
