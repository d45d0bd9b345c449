//! ## What it does
//! Flags a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` followed by another of the
//! same kind in the same stage: only the last one counts.
//!
//! ## Why it matters
//! The earlier one is dead text that reads as if it ran: a reviewer sees
//! a health check or a start command the image does not have.
//!
//! ## Example
//! ```dockerfile
//! CMD ["python", "serve.py"]
//! CMD ["uvicorn", "app:app"]
//! ```
//!
//! Use instead:
//! ```dockerfile
//! CMD ["uvicorn", "app:app"]
//! ```
//!
//! ## Fix safety
//! No fix: whether the first or the last was meant is the author's call.

use ballast_dockerfile::Keyword;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL611",
    name: "multiple-instructions-disallowed",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Multiple instructions of the same type should not be used in the same stage",
    hadolint: &["DL4003", "DL4004", "DL3012"],
    buildkit: Some("MultipleInstructionsDisallowed"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for stage in &cx.graph.stages {
        for kind in [Keyword::Entrypoint, Keyword::Cmd, Keyword::Healthcheck] {
            let all: Vec<usize> = stage
                .body
                .clone()
                .filter(|i| cx.df.instructions[*i].keyword == kind)
                .collect();
            let Some((last, earlier)) = all.split_last() else {
                continue;
            };
            for i in earlier {
                let inst = &cx.df.instructions[*i];
                let name = inst.name();
                out.push(
                    Finding::new(
                        &RULE,
                        inst.span,
                        format!("Multiple {name} instructions should not be used in the same stage because only the last one will be used"),
                    )
                    .related(cx.df.instructions[*last].span, "the one that counts"),
                );
            }
        }
    }
}
