//! ## What it does
//! Flags a comment right above an `ARG` or a named `FROM` (no blank line
//! between) that does not start with the name it describes:
//! `# PYTHON_VERSION the interpreter to build on` above `ARG
//! PYTHON_VERSION=3.11`. Experimental in BuildKit, so off by default: turn
//! it on with `# check=experimental=InvalidDefinitionDescription` or by
//! selecting it.
//!
//! ## Why it matters
//! BuildKit and Docker's build UI read such a comment as the description
//! of the build argument or stage (`docker buildx build --call=outline`);
//! a comment of another shape is shown as one, wrongly, or not at all.
//!
//! ## Example
//! ```dockerfile
//! # the interpreter version
//! ARG PYTHON_VERSION=3.11
//! ```
//!
//! Use instead:
//! ```dockerfile
//! # PYTHON_VERSION the interpreter version
//! ARG PYTHON_VERSION=3.11
//! ```
//!
//! ## Fix safety
//! No fix: whether the comment is a description is the author's call (a
//! blank line above the instruction says it is not).

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::FromArgs;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL618",
    name: "invalid-definition-description",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`",
    needs_config: true,
    buildkit: Some("InvalidDefinitionDescription"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for inst in &cx.df.instructions {
        let names: Vec<String> = match inst.keyword {
            Keyword::Arg => inst
                .args
                .iter()
                .map(|a| a.value.split('=').next().unwrap_or("").to_string())
                .collect(),
            Keyword::From => match FromArgs::parse(inst).ok().and_then(|a| a.name) {
                Some(n) => vec![n],
                None => continue,
            },
            _ => continue,
        };
        let Some(comment) = inst.comments.last() else {
            continue;
        };
        if comment.line + 1 != inst.start_line || comment.text.is_empty() {
            continue;
        }
        let first = comment.text.split_whitespace().next().unwrap_or("");
        if names.iter().any(|n| n == first) {
            continue;
        }
        let shown = match names.as_slice() {
            [one] => one.as_str(),
            _ => "<arg_key>",
        };
        out.push(
            Finding::new(
                &RULE,
                inst.span,
                format!(
                    "Comment for {} should follow the format: `# {shown} <description>`",
                    inst.name()
                ),
            )
            .related(comment.span, "the comment read as its description"),
        );
    }
}
