//! ## What it does
//! Opt-in (select `consecutive-runs`): flags a RUN right after another RUN
//! of the same stage with the same flags (mounts, network, security), when
//! both run a single command (a RUN of chained commands is a step written
//! apart on purpose).
//!
//! ## Why it matters
//! Each RUN is a layer: files one RUN writes and the next deletes stay in
//! the image, and every layer adds a little to pull and to cache lookups.
//! Joining steps with `&&` makes one layer. Separate RUNs are also what
//! keeps the build cache useful (a slow install apart from a quick
//! configuration step), which is why this is a style many teams switch
//! off, and why ballast runs it only on request (as hadolint's DL3059).
//! ballast's size rules already find the layers where splitting costs
//! bytes (`cleanup-in-later-layer`, `chown-in-later-layer`).
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update
//! RUN apt-get install -y --no-install-recommends curl
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! ```
//!
//! ## Fix safety
//! No automatic fix: which steps belong together is the author's call.

use ballast_dockerfile::Keyword;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL809",
    name: "consecutive-runs",
    family: Family::Practice,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "Consecutive RUN instructions could be one layer (opt-in)",
    hadolint: &["DL3059"],
    needs_config: true,
    check,
    ..Rule::OPTIONAL
};

/// Whether a RUN chains commands (`a && b`, `a | b`): a step written
/// apart on purpose (hadolint 2.15's exception too).
fn chained(cx: &Checker<'_>, i: usize) -> bool {
    cx.runs[i]
        .as_ref()
        .is_some_and(|r| r.commands().count() > 1)
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let insts = &cx.df.instructions;
    for i in 1..insts.len() {
        let (prev, inst) = (&insts[i - 1], &insts[i]);
        let same_stage = cx.stage_of(i).is_some() && cx.stage_of(i) == cx.stage_of(i - 1);
        let flags = |x: &ballast_dockerfile::Instruction| -> Vec<String> {
            x.flags.iter().map(|f| f.text.clone()).collect()
        };
        if prev.keyword != Keyword::Run
            || inst.keyword != Keyword::Run
            || !same_stage
            || flags(prev) != flags(inst)
            || chained(cx, i - 1)
            || chained(cx, i)
        {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                inst.keyword_span,
                "a RUN right after another RUN: one layer each",
            )
            .related(prev.keyword_span, "the RUN before")
            .help("join them with `&&` if they belong together"),
        );
    }
}
