//! ## What it does
//! Flags a `FROM` whose image, expanded with the defaults of the ARGs
//! before the first FROM (no build arguments), is empty or not a valid
//! reference: `ARG TAG` then `FROM python:$TAG`.
//!
//! ## Why it matters
//! The build works only while every caller passes `--build-arg`; a plain
//! `docker build .`, a CI job or a tool that builds with defaults fails on
//! `python:`. A default keeps the file buildable as it stands.
//!
//! ## Example
//! ```dockerfile
//! ARG PYTHON_TAG
//! FROM python:${PYTHON_TAG}
//! ```
//!
//! Use instead:
//! ```dockerfile
//! ARG PYTHON_TAG=3.11-slim
//! FROM python:${PYTHON_TAG}
//! ```
//!
//! ## Fix safety
//! No fix: the default to give is the author's.

use std::collections::HashMap;

use ballast_dockerfile::words::Lex;
use ballast_ml::images::ImageRef;

use super::{froms, global_args};
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL614",
    name: "invalid-default-arg-in-from",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Default value for global ARG results in an empty or invalid base image name",
    buildkit: Some("InvalidDefaultArgInFrom"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let defaults: HashMap<String, String> = global_args(cx)
        .into_iter()
        .filter_map(|(n, d)| d.map(|d| (n, d)))
        .collect();
    let lex = Lex::new(cx.df.escape);
    for (_, _, args) in froms(cx) {
        if !args.image.contains('$') {
            continue;
        }
        let Ok(image) = lex.process_word(&args.image, &defaults) else {
            continue;
        };
        if ImageRef::is_valid(&image) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                args.image_span,
                format!(
                    "Default value for ARG {} results in empty or invalid base image name",
                    args.image
                ),
            )
            .help(if image.is_empty() {
                "give the ARG a default: without --build-arg the image is empty".to_string()
            } else {
                format!("give the ARG a default: without --build-arg the image is `{image}`")
            }),
        );
    }
}
