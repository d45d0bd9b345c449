//! ## What it does
//! Flags `COPY --from=<stage or image> / <dest>`: copying the whole root
//! filesystem of another stage into a stage whose files end up in the image.
//!
//! ## Why it matters
//! It brings everything the other stage has: its base image, compilers,
//! package caches and build leftovers, defeating the point of a builder
//! stage. Copy the directories the application needs (a virtualenv,
//! `/usr/local/lib/python3.11/site-packages`, a binary).
//!
//! ## Example
//! ```dockerfile
//! COPY --from=builder / /
//! ```
//!
//! Use instead:
//! ```dockerfile
//! COPY --from=builder /venv /venv
//! ```
//!
//! ## Fix safety
//! No automatic fix: which directories matter depends on the build.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Finding, Savings};

pub(crate) static RULE: Rule = Rule {
    code: "BL108",
    name: "copy-whole-filesystem",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "COPY --from copies a whole root filesystem",
    hadolint: &["DL3067"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        if inst.keyword != Keyword::Copy {
            continue;
        }
        let Some(from) = inst.flag("from").and_then(|f| f.value()) else {
            continue;
        };
        let Ok(args) = CopyArgs::parse(inst) else {
            continue;
        };
        let scope = cx.scope(i);
        let root = args.sources.iter().find_map(|s| match s {
            CopySource::Path { value, span } => {
                let v = scope.map_or(value.clone(), |sc| {
                    sc.expand_keep_unknown(value, cx.df.escape)
                });
                matches!(v.as_str(), "/" | "/." | "/*").then_some(*span)
            }
            _ => None,
        });
        let Some(span) = root else { continue };
        // What the source stage installed comes along.
        let from = scope.map_or(from.to_string(), |sc| {
            sc.expand_keep_unknown(from, cx.df.escape)
        });
        let savings = cx.graph.find_stage(&from).and_then(|s| {
            let (mut bytes, mut assumed) = (0, 0);
            for j in cx.graph.instructions_of(s) {
                if let Some(run) = &cx.runs[j]
                    && let Some(c) = cx.run_cost(run)
                {
                    bytes += c.bytes;
                    assumed += c.assumed;
                }
            }
            (bytes > 0).then(|| {
                Savings::image(
                    bytes,
                    format!("estimate: what stage `{from}` installs comes along whole, sized as the image model sizes installs"),
                )
                .assumed(assumed)
            })
        });
        out.push(
            Finding::new(&RULE, span, format!("copies the whole filesystem of `{from}` into the image"))
                .help("copy only the directories the application needs (a virtualenv, site-packages, a binary)")
                .maybe_savings(savings),
        );
    }
}
