//! ## What it does
//! Flags `COPY --from=NAME` (or `ADD --from=`) where NAME is no stage of
//! the file and does not look like an image reference (no registry, tag or
//! digest): most often a stage name misspelt or renamed.
//!
//! ## Why it matters
//! BuildKit reads a `--from` that names no stage as an image: a typo
//! (`--from=buildr`) pulls `docker.io/library/buildr:latest`, fails with an
//! "access denied" far from the cause, or, worse, copies from whatever
//! image of that name exists. A named build context
//! (`docker buildx build --build-context NAME=...`) is the one legitimate
//! use; suppress the finding there.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.12-slim AS builder
//! RUN pip wheel --wheel-dir /wheels numpy
//! FROM python:3.12-slim
//! COPY --from=build /wheels /wheels
//! ```
//!
//! Use instead:
//! ```dockerfile
//! COPY --from=builder /wheels /wheels
//! ```
//!
//! ## Fix safety
//! No automatic fix: which stage was meant is the author's call (the
//! message suggests the closest name).

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;
use crate::rules::buildkit::suggest;

pub(crate) static RULE: Rule = Rule {
    code: "BL805",
    name: "copy-from-unknown-stage",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "COPY --from names no stage of the file and is read as an image",
    hadolint: &["DL3022"],
    check,
    ..Rule::OPTIONAL
};

/// Whether a `--from` value reads as an image reference on purpose: a
/// registry or path (`/`), a tag (`:`), a digest (`@`), or a variable left.
fn looks_like_image(value: &str) -> bool {
    value.contains(['/', ':', '@', '.', '$'])
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let names: Vec<&str> = cx
        .graph
        .stages
        .iter()
        .filter_map(|s| s.name.as_deref())
        .collect();
    for (_, _, value, span) in super::copy_froms(cx) {
        let index = value
            .parse::<usize>()
            .is_ok_and(|n| n < cx.graph.stages.len());
        let named = names.iter().any(|n| n.eq_ignore_ascii_case(&value));
        if index || named || looks_like_image(&value) || value.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            span,
            format!("`--from={value}` names no stage: BuildKit pulls the image `{value}`"),
        );
        f = match suggest(&value, names.iter().copied()) {
            Some(s) => f.help(format!("did you mean `--from={s}`?")),
            None => f.help("name a stage of the file, or a full image reference"),
        };
        out.push(f);
    }
}
