//! ## What it does
//! Flags a `COPY` or `ADD` source from the build context that
//! `.dockerignore` excludes. Needs the build context. Experimental in
//! BuildKit, so off by default: turn it on with
//! `# check=experimental=CopyIgnoredFile` or by selecting it.
//!
//! ## Why it matters
//! The file never reaches the builder: the build fails with a bare
//! "not found" that does not mention `.dockerignore`, or, with a wildcard,
//! silently copies less than the line says.
//!
//! ## Example
//! ```dockerfile
//! # .dockerignore holds `models/`
//! COPY models/ /app/models/
//! ```
//!
//! Use instead: take the path out of `.dockerignore` (`!models/tokenizer/`),
//! or fetch the files another way (a bind mount of another build context,
//! a download in a builder stage).
//!
//! ## Fix safety
//! No fix: whether the ignore file or the Dockerfile is wrong is the
//! author's call.

use ballast_dockerfile::Keyword;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL619",
    name: "copy-ignored-file",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Attempting to Copy file that is excluded by .dockerignore",
    needs_config: true,
    buildkit: Some("CopyIgnoredFile"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else {
        return;
    };
    for u in &cx.uses {
        let inst = &cx.df.instructions[u.instruction];
        let verb = match inst.keyword {
            Keyword::Copy => "Copy",
            Keyword::Add => "Add",
            _ => continue,
        };
        for s in u.sources.iter().filter(|s| s.missing && !s.wildcard) {
            if !ctx.context.get(&s.path).is_some_and(|e| e.excluded) {
                continue;
            }
            out.push(Finding::new(
                &RULE,
                inst.span,
                format!(
                    "Attempting to {verb} file {:?} that is excluded by .dockerignore",
                    s.written
                ),
            ));
        }
    }
}
