//! ## What it does
//! Flags a relative `WORKDIR` in a stage where no absolute `WORKDIR` was
//! set before, in the stage or a stage it is built on.
//!
//! ## Why it matters
//! A relative path is taken from the base image's working directory:
//! `WORKDIR app` is `/app` on `python:3.11` and `/workspace/app` on an
//! NVIDIA image. Changing the base moves the application, and every `COPY`
//! and `CMD` that follows.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! WORKDIR app
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! WORKDIR /app
//! ```
//!
//! ## Fix safety
//! No fix: the absolute path depends on the base image the author means.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::stages::Base;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL610",
    name: "workdir-relative-path",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    hadolint: &["DL3000"],
    buildkit: Some("WorkdirRelativePath"),
    check,
    ..Rule::OPTIONAL
};

/// Absolute on Linux (`/app`) or Windows (`C:\app`, `\app`) images.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with(['/', '\\'])
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    // Whether each stage ends with an absolute WORKDIR set in the build.
    let mut absolute = vec![false; cx.graph.stages.len()];
    for (s, stage) in cx.graph.stages.iter().enumerate() {
        let mut set = match stage.base {
            Base::Stage(parent) if parent < s => absolute[parent],
            _ => false,
        };
        for i in stage.body.clone() {
            let inst = &cx.df.instructions[i];
            if inst.keyword != Keyword::Workdir {
                continue;
            }
            let Some(raw) = inst.args.first().map(|a| a.value.as_str()) else {
                continue;
            };
            let path = match cx.scope(i) {
                Some(scope) => scope.expand_keep_unknown(raw, cx.df.escape),
                None => raw.to_string(),
            };
            if is_absolute(&path) {
                set = true;
            } else if !set && !path.starts_with('$') {
                out.push(Finding::new(
                    &RULE,
                    inst.span,
                    format!("Relative workdir {raw:?} can have unexpected results if the base image changes"),
                ));
            }
        }
        absolute[s] = set;
    }
}
