//! ## What it does
//! Flags a `COPY` or `ADD` to a relative destination (`app/`, `.`) in a
//! stage where no `WORKDIR` has been set, in the stage or the stages it is
//! built `FROM`.
//!
//! ## Why it matters
//! A relative destination is relative to the working directory the base
//! image left: `/` for most official images, something else for others
//! (`/workspace`, `/opt/app`...). The files land where the base decides,
//! and move when the base changes. A `WORKDIR` makes the place explicit
//! (and creates it).
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.12-slim
//! COPY requirements.txt app/
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.12-slim
//! WORKDIR /app
//! COPY requirements.txt .
//! ```
//!
//! ## Fix safety
//! No automatic fix: a WORKDIR also moves the RUN and CMD after it.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::CopyArgs;
use ballast_dockerfile::stages::Base;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL807",
    name: "copy-relative-without-workdir",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "COPY to a relative destination with no WORKDIR set",
    hadolint: &["DL3045"],
    check,
    ..Rule::OPTIONAL
};

/// Whether a destination is absolute (POSIX or Windows) or a variable.
fn is_anchored(dest: &str) -> bool {
    let d = dest.trim_matches(['"', '\'']);
    let windows = d.len() > 2 && d.as_bytes()[1] == b':' && matches!(d.as_bytes()[2], b'\\' | b'/');
    d.starts_with('/') || d.starts_with('$') || windows
}

/// Whether a WORKDIR comes before instruction `i` in its stage or in any
/// stage the stage is built from.
fn workdir_set(cx: &Checker<'_>, mut stage: usize, i: usize) -> bool {
    let mut upto = i;
    loop {
        let s = &cx.graph.stages[stage];
        let set = s
            .body
            .clone()
            .filter(|&k| k < upto)
            .any(|k| cx.df.instructions[k].keyword == Keyword::Workdir);
        if set {
            return true;
        }
        match s.base {
            Base::Stage(p) if p < stage => {
                stage = p;
                upto = usize::MAX;
            }
            _ => return false,
        }
    }
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let (Some(stage), Ok(args)) = (cx.stage_of(i), CopyArgs::parse(inst)) else {
            continue;
        };
        if is_anchored(&args.dest) || workdir_set(cx, stage, i) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                args.dest_span,
                format!(
                    "`{}` to the relative `{}` with no WORKDIR: the files land where the base image's working directory is (`/` unless it sets one)",
                    inst.name(),
                    args.dest
                ),
            )
            .help("set a WORKDIR first, or give an absolute destination"),
        );
    }
}
