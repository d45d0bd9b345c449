//! ## What it does
//! Flags a secret written into a compose file's `environment`: a variable
//! with a secret's name (`*_TOKEN`, `*_PASSWORD`, `*_API_KEY`, ...) and a
//! literal value that is not a stand-in, or any value shaped like a token
//! (the same judgement as for `ARG` and `ENV` in Dockerfiles). Values taken
//! from the environment (`${OPENAI_API_KEY}`) are not secrets in the file.
//!
//! ## Why it matters
//! The compose file is committed, shared and pasted into issues; the value
//! also shows in `docker inspect` and to every process in the container.
//! Compose `secrets:` mount it as a file instead (`/run/secrets/<name>`),
//! and `${VAR}` keeps it out of the repository.
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     environment:
//!       OPENAI_API_KEY: sk-live-0123456789abcdef0123456789abcdef
//! ```
//!
//! Use instead:
//! ```yaml
//! services:
//!   api:
//!     environment:
//!       OPENAI_API_KEY: ${OPENAI_API_KEY}
//! ```
//!
//! ## Fix safety
//! No fix: where the value should come from is yours to choose.

use ballast_ml::secrets::is_secret_variable;

use crate::catalog::{Family, Rule, Severity};
use crate::compose::ServiceCx;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL910",
    name: "compose-secret-in-environment",
    family: Family::Runtime,
    severity: Severity::Warning,
    summary: "A secret is written in a service's environment",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    for (name, value, span) in cx.service.environment() {
        let Some(value) = value else { continue };
        if is_secret_variable(&name, &value) {
            // `${PASSWORD:-hunter2}`: the file ships a default for it.
            let written = cx.source.get(span.start..span.end).unwrap_or("");
            let how = if written.contains("${") {
                "a default for the secret"
            } else {
                "the secret"
            };
            out.push(
                Finding::new(
                    &RULE,
                    span,
                    format!("{} has {how} {name} written in its environment", cx.service.describe()),
                )
                .help(match cx.service.container {
                    None => format!("take it from the environment (`{name}: ${{{name}}}`) or a `.env` file kept out of git, or use compose `secrets:`"),
                    Some(_) => "take it from a Secret (`valueFrom.secretKeyRef`)".to_string(),
                }),
            );
        }
    }
}
