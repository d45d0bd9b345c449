//! ## What it does
//! Flags a build that reads its context (COPY/ADD or a bind mount from it)
//! when the context has no `.dockerignore` (nor `<Dockerfile>.dockerignore`
//! beside the Dockerfile). The finding measures what a generated ignore file
//! would keep out: version control, virtualenvs, caches, bytecode,
//! notebooks, datasets, weights, secrets. Needs the build context.
//!
//! ## Why it matters
//! Without an ignore file the whole directory is sent to the builder on
//! every build, and `COPY . .` puts all of it in the image: `.git`, a local
//! `.venv` with its own torch, model checkpoints, `.env` files with secrets.
//! Any change to any of those files also invalidates the `COPY` and all
//! steps after it.
//!
//! ## Example
//! A context with `.git/`, `.venv/` and `data/` and this Dockerfile:
//! ```dockerfile
//! COPY . /app
//! ```
//!
//! Use instead: add a `.dockerignore` (`ballast context
//! --suggest-dockerignore` writes one that keeps what the Dockerfile needs).
//!
//! ## Fix safety
//! No fix of the Dockerfile; `ballast fix` writes the suggested
//! `.dockerignore` next to it.

use ballast_context::junk;
use ballast_context::suggest::suggest;

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::human;

pub(crate) static RULE: Rule = Rule {
    code: "BL501",
    name: "missing-dockerignore",
    family: Family::Context,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The build context has no .dockerignore",
    hadolint: &[],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    if ctx.ignore_path.is_some() {
        return;
    }
    let Some(first) = cx.uses.iter().find(|u| cx.reachable.contains(&u.stage)) else {
        return;
    };
    let junk = junk::find(&ctx.context);
    let s = suggest(&ctx.context, &junk, &cx.uses, None);
    let (sent, _) = ctx.context.sent();
    let mut classes: Vec<&str> = Vec::new();
    for j in &junk {
        let d = j.class.describe();
        if !classes.contains(&d) {
            classes.push(d);
        }
    }
    let what = if classes.is_empty() {
        String::new()
    } else {
        format!(", including {}", classes.join(", "))
    };
    let f = Finding::new(
        &RULE,
        cx.inst(first.instruction).keyword_span,
        format!("no .dockerignore: the whole context ({}) is sent{what}", human(sent)),
    )
    .help("add a .dockerignore; `ballast context --suggest-dockerignore` writes one that keeps what the Dockerfile copies");
    let f = if s.excluded_bytes > 0 {
        f.savings(Savings::context(
            s.excluded_bytes,
            format!(
                "measured: {} file(s) a generated .dockerignore keeps out of the context",
                s.excluded_files
            ),
        ))
    } else {
        f.severity(Severity::Info)
    };
    out.push(f);
}
