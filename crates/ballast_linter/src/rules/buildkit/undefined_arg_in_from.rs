//! ## What it does
//! Flags a variable in a `FROM` line (the image or `--platform`) that no
//! `ARG` before the first `FROM` declares and that is not one of the
//! platform arguments BuildKit defines (`TARGETPLATFORM`, `BUILDARCH`,
//! ...). A close name is suggested.
//!
//! ## Why it matters
//! Only ARGs declared before the first FROM reach FROM lines: an ARG
//! declared later, or a misspelt one, expands to nothing, and the build
//! pulls `python:` or fails with a confusing reference error.
//!
//! ## Example
//! ```dockerfile
//! ARG PYTHON_VERSION=3.11
//! FROM python:${PYTHON_VERSON}-slim
//! ```
//!
//! Use instead:
//! ```dockerfile
//! ARG PYTHON_VERSION=3.11
//! FROM python:${PYTHON_VERSION}-slim
//! ```
//!
//! ## Fix safety
//! No fix: a suggestion is a guess.

use std::collections::HashMap;

use ballast_dockerfile::words::Lex;

use super::{PLATFORM_ARGS, froms, global_args, suggest};
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL609",
    name: "undefined-arg-in-from",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "FROM command must use declared ARGs",
    buildkit: Some("UndefinedArgInFrom"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let declared: Vec<String> = global_args(cx)
        .into_iter()
        .map(|(n, _)| n)
        .chain(PLATFORM_ARGS.iter().map(|a| a.to_string()))
        .collect();
    let env: HashMap<String, String> = declared
        .iter()
        .map(|n| (n.clone(), String::new()))
        .collect();
    let lex = Lex::new(cx.df.escape);
    for (_, inst, args) in froms(cx) {
        let words = args
            .platform
            .iter()
            .map(|p| (p.as_str(), inst.flag("platform").map(|f| f.span)))
            .chain([(args.image.as_str(), Some(args.image_span))]);
        for (word, span) in words {
            let Ok(expansion) = lex.process(word, &env) else {
                continue;
            };
            for name in &expansion.unmatched {
                let mut message = format!("FROM argument '{name}' is not declared");
                if let Some(s) = suggest(name, declared.iter().map(String::as_str)) {
                    message.push_str(&format!(" (did you mean {s}?)"));
                }
                out.push(Finding::new(&RULE, span.unwrap_or(inst.span), message));
            }
        }
    }
}
