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
//! Unsafe, and only for the official `python` image when the project says
//! which Python it uses (`.python-version`, `requires-python` in
//! pyproject.toml, or a `python3.X` path in the Dockerfile): the fix pins
//! the `-slim` tag of that version. Otherwise the version is yours to
//! choose.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL203",
    name: "unpinned-base-image",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "A base image has no tag or uses latest",
    hadolint: &["DL3006", "DL3007"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let floating = cx.from_images(&cx.reachable).filter(|b| {
        let r = &b.reference;
        b.resolved && r.digest.is_none() && r.tag.is_none_or(|t| t == "latest")
    });
    for base in floating {
        let (image, r, span) = (base.image, &base.reference, base.span);
        let what = if r.tag.is_none() {
            "has no tag"
        } else {
            "uses the `latest` tag"
        };
        let fix = (r.is_official("python") && base.literal)
            .then(|| python_version_hint(cx))
            .flatten()
            .map(|(version, basis)| {
                let new = format!("python:{version}-slim");
                Fix::unsafe_(
                    format!("Pin `{new}` (the project's Python, from {basis})"),
                    vec![Edit::replace(span, new)],
                )
            });
        out.push(
            Finding::new(
                &RULE,
                span,
                format!(
                    "`{image}` {what}: rebuilds silently pick up whatever it points to that day"
                ),
            )
            .maybe_fix(fix)
            .help("pin a version tag (and a digest for reproducible builds)"),
        );
    }
}

/// The Python version the project says it uses: `3.11`, with where it says so.
pub(crate) fn python_version_hint(cx: &Checker<'_>) -> Option<(String, String)> {
    let minor = |s: &str| -> Option<String> {
        let digits: String = s
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = digits.split('.');
        let (major, minor) = (parts.next()?, parts.next()?);
        (major == "3" && !minor.is_empty()).then(|| format!("3.{minor}"))
    };
    if let Some(v) = cx
        .read(".python-version")
        .and_then(|t| t.lines().next().and_then(|l| minor(l.trim())))
    {
        return Some((v, ".python-version".into()));
    }
    if let Some(text) = cx.read("pyproject.toml")
        && let Ok(doc) = text.parse::<toml::Table>()
    {
        let requires = doc
            .get("project")
            .and_then(|p| p.get("requires-python"))
            .and_then(|v| v.as_str())
            .or_else(|| {
                doc.get("tool")?
                    .get("poetry")?
                    .get("dependencies")?
                    .get("python")?
                    .as_str()
            });
        if let Some(v) = requires.and_then(minor) {
            return Some((v, "requires-python in pyproject.toml".into()));
        }
    }
    let re = regex::Regex::new(r"python(3\.\d{1,2})\b").expect("regex");
    re.captures(&cx.df.source)
        .map(|c| (c[1].to_string(), "a path in the Dockerfile".into()))
}
