//! ## What it does
//! With a `.dockerignore` in place, flags what it still lets through:
//! version control, virtualenvs, caches, bytecode, node_modules, notebooks,
//! datasets and model weights over 10 MB, build output, secrets (`.env`,
//! keys). Each is measured in the build context; when a COPY takes it into
//! the image, the finding points at that COPY. Needs the build context.
//!
//! ## Why it matters
//! Whatever the ignore file lets through is sent on every build, and
//! `COPY . .` bakes it into the image: a stray `.venv` or checkpoint adds
//! gigabytes, a `.env` leaks credentials to anyone who pulls the image.
//!
//! ## Example
//! `.dockerignore`:
//! ```text
//! .git
//! ```
//! with a `.venv/` and `models/` in the context and `COPY . /app`.
//!
//! Use instead: add `.venv` and `models` (or `**/.venv`) to `.dockerignore`.
//!
//! ## Fix safety
//! No fix of the Dockerfile; the patterns to add are in the message.

use ballast_context::junk::{self, JunkClass};

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::human;

pub(crate) static RULE: Rule = Rule {
    code: "BL502",
    name: "context-ships-junk",
    family: Family::Context,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The .dockerignore lets junk, data or secrets into the context",
    hadolint: &[],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    let Some(ignore_path) = &ctx.ignore_path else {
        return;
    };
    let ignore_name = ignore_path
        .file_name()
        .map_or(".dockerignore".into(), |n| n.to_string_lossy().into_owned());
    let fallback = cx.inst(cx.graph.stages[cx.target].from).keyword_span;
    for j in junk::find(&ctx.context) {
        if !j.sent {
            continue;
        }
        // The COPY of the image that takes it, if any.
        let taker = cx
            .uses
            .iter()
            .find(|u| cx.image_stages.contains(&u.stage) && u.would_take(&ctx.ignore, &j.path));
        let (span, savings, where_) = match taker {
            Some(u) => (
                cx.inst(u.instruction).keyword_span,
                Savings::image(
                    j.bytes,
                    format!(
                        "measured: {} file(s) under {} in the build context",
                        j.files, j.path
                    ),
                ),
                format!(", and line {} copies it into the image", u.line),
            ),
            None => (
                fallback,
                Savings::context(
                    j.bytes,
                    format!(
                        "measured: {} file(s) under {} in the build context",
                        j.files, j.path
                    ),
                ),
                String::new(),
            ),
        };
        let pattern = if j.dir {
            format!("{}/", j.path)
        } else {
            j.path.clone()
        };
        let mut f = Finding::new(
            &RULE,
            span,
            format!(
                "{ignore_name} lets {} through: {pattern} ({}){where_}",
                j.class.describe(),
                human(j.bytes)
            ),
        )
        .help(format!("add `{}` to {ignore_name}", j.path))
        .savings(savings);
        if j.class == JunkClass::Secret {
            f = f.severity(Severity::Error);
        }
        out.push(f);
    }
}
