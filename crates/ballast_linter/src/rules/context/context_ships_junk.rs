//! ## What it does
//! With a `.dockerignore` in place, flags what it still lets through to the
//! builder: version control, virtualenvs, caches, bytecode, node_modules,
//! notebooks, datasets and model weights, build output, and secrets. Only
//! what the build sends counts: BuildKit transfers just the paths the
//! COPY/ADD/bind-mount sources of the stages it builds name. One finding
//! per kind of junk, with its total; a `.env`, key or credentials file is a
//! secret only when its contents hold one (a real value under a secret name,
//! a token, a private key; public build variables such as `NEXT_PUBLIC_*`
//! are not). When a COPY takes the junk into the image, the finding points
//! at that COPY. Needs the build context.
//!
//! ## Why it matters
//! Whatever the ignore file lets through is sent on every build, and
//! `COPY . .` bakes it into the image: a stray `.venv` or checkpoint adds
//! gigabytes, a `.env` leaks credentials to anyone who pulls the image.
//! Junk under 10 MB is reported as info: worth tidying, not worth failing
//! a build over. A secret is an error whatever its size. A development
//! image (see `Checker::is_dev_image`) is made to work on the project:
//! its notebooks, data and model files are what it is for, not junk.
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

use std::collections::BTreeMap;

use ballast_context::junk::{self, Junk, JunkClass};
use ballast_context::suggest::patterns_for;
use ballast_context::walk::Kind;

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::human;

pub(crate) static RULE: Rule = Rule {
    code: "BL502",
    name: names::CONTEXT_SHIPS_JUNK.as_str(),
    family: Family::Context,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "The .dockerignore lets junk, data or secrets into the context",
    check,
    ..Rule::OPTIONAL
};

/// Junk of a kind below this total is reported as info.
const SMALL: u64 = 10_000_000;

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    let Some(ignore_path) = &ctx.ignore_path else {
        return;
    };
    let ignore_name = ignore_path
        .file_name()
        .map_or(".dockerignore".into(), |n| n.to_string_lossy().into_owned());
    let dev = cx.is_dev_image();
    let mut by_class: BTreeMap<JunkClass, Vec<Junk>> = BTreeMap::new();
    for j in junk::find_sent(&ctx.context, &cx.transfer) {
        let wanted = dev
            && matches!(
                j.class,
                JunkClass::Notebooks | JunkClass::Dataset | JunkClass::ModelWeights
            );
        if j.sent && !wanted {
            by_class.entry(j.class).or_default().push(j);
        }
    }
    for (class, items) in by_class {
        out.push(class_finding(cx, &ignore_name, class, &items));
    }
}

/// Bytes and files of a piece of junk that the build sends.
fn sent_part(cx: &Checker<'_>, j: &Junk) -> (u64, u64) {
    let Some(ctx) = cx.context else {
        return (0, 0);
    };
    ctx.context
        .under(&j.path)
        .filter(|e| e.kind == Kind::File && cx.transfer.sends(&ctx.context, &e.path))
        .fold((0, 0), |(b, n), e| (b + e.size, n + 1))
}

fn class_finding(cx: &Checker<'_>, ignore_name: &str, class: JunkClass, items: &[Junk]) -> Finding {
    let ctx = cx.context.expect("checked by the caller");
    let (bytes, files) = items
        .iter()
        .map(|j| sent_part(cx, j))
        .fold((0, 0), |(b, n), (jb, jn)| (b + jb, n + jn));
    let mut largest: Vec<&Junk> = items.iter().collect();
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    let named: Vec<String> = largest
        .iter()
        .take(3)
        .map(|j| {
            let shown = format!("{}{}", j.path, if j.dir { "/" } else { "" });
            match &j.detail {
                Some(d) => format!("{shown} ({d})"),
                None => shown,
            }
        })
        .collect();
    let more = match items.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    // The image COPY that takes the most of it, if any.
    let taker = cx
        .uses
        .iter()
        .filter(|u| cx.image_stages.contains(&u.stage))
        .find(|u| items.iter().any(|j| u.would_take(&ctx.ignore, &j.path)));
    let basis = format!("measured: {files} file(s) the build sends");
    let (span, savings, where_) = match taker {
        Some(u) => (
            cx.inst(u.instruction).keyword_span,
            Savings::image(bytes, basis),
            format!(", and line {} copies it into the image", u.line),
        ),
        None => (
            cx.inst(cx.graph.stages[cx.target].from).keyword_span,
            Savings::context(bytes, basis),
            String::new(),
        ),
    };
    let mut patterns: Vec<String> = Vec::new();
    for j in &largest {
        for p in patterns_for(j) {
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
    }
    patterns.truncate(3);
    let f = Finding::new(
        &RULE,
        span,
        format!(
            "{ignore_name} lets {} through: {}{more}, {} in {files} file(s){where_}",
            class.describe(),
            named.join(", "),
            human(bytes),
        ),
    )
    .help(format!(
        "add {} to {ignore_name}",
        patterns
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .savings(savings);
    if class == JunkClass::Secret {
        f.severity(Severity::Error)
    } else if bytes < SMALL {
        f.severity(Severity::Info)
    } else {
        f
    }
}
