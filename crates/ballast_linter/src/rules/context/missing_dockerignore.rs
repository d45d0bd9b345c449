//! ## What it does
//! Flags a build whose context has no `.dockerignore` (nor
//! `<Dockerfile>.dockerignore` beside the Dockerfile) when what the build
//! sends holds junk: version control, virtualenvs, caches, bytecode,
//! notebooks, datasets, weights, secrets. BuildKit sends only the paths the
//! build's COPY/ADD/bind mounts name, so a build that copies `app/` and
//! `requirements.txt` loses nothing without an ignore file, while
//! `COPY . .` sends everything. The finding measures the junk sent; under
//! 10 MB it is info. Needs the build context.
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

use ballast_context::junk::{self, JunkClass};
use ballast_context::walk::Kind;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use crate::rules::common::human;

pub(crate) static RULE: Rule = Rule {
    code: "BL501",
    name: "missing-dockerignore",
    family: Family::Context,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The build context has no .dockerignore",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    if ctx.ignore_path.is_some() {
        return;
    }
    let Some(first) = cx.uses.iter().find(|u| cx.reachable.contains(&u.stage)) else {
        return;
    };
    let junk: Vec<_> = junk::find_sent(&ctx.context, &cx.transfer)
        .into_iter()
        .filter(|j| j.sent)
        .collect();
    let (bytes, files) = junk
        .iter()
        .flat_map(|j| ctx.context.under(&j.path))
        .filter(|e| e.kind == Kind::File && cx.transfer.sends(&ctx.context, &e.path))
        .fold((0u64, 0u64), |(b, n), e| (b + e.size, n + 1));
    if files == 0 {
        return;
    }
    let mut classes: Vec<&str> = Vec::new();
    for j in &junk {
        let d = j.class.describe();
        if !classes.contains(&d) {
            classes.push(d);
        }
    }
    let (sent, _) = cx.transfer.totals(&ctx.context);
    let what = if cx.transfer.whole {
        format!("the whole context ({}) is sent", human(sent))
    } else {
        format!("the build sends {}", human(sent))
    };
    let secret = junk.iter().any(|j| j.class == JunkClass::Secret);
    let f = Finding::new(
        &RULE,
        cx.inst(first.instruction).keyword_span,
        format!(
            "no .dockerignore: {what}, including {} ({})",
            classes.join(", "),
            human(bytes)
        ),
    )
    .help("add a .dockerignore; `ballast context --suggest-dockerignore` writes one that keeps what the Dockerfile copies")
    .savings(Savings::context(
        bytes,
        format!("measured: {files} junk file(s) the build sends"),
    ));
    out.push(if bytes < SMALL && !secret {
        f.severity(Severity::Info)
    } else {
        f
    });
}

/// Junk below this total is reported as info.
const SMALL: u64 = 10_000_000;
