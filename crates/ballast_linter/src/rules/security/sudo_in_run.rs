//! ## What it does
//! Flags `sudo` in a RUN.
//!
//! ## Why it matters
//! Build steps run as the current `USER`; when that is root, `sudo` does
//! nothing but add a setuid binary and its configuration to the image. When
//! it is not root, `sudo` means the image grants privilege escalation to
//! its runtime user: switch `USER root` for the step instead.
//!
//! ## Example
//! ```dockerfile
//! RUN sudo apt-get update
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update
//! ```
//!
//! ## Fix safety
//! Safe when the step runs as root (no earlier `USER`, or `USER root`): the
//! fix deletes `sudo`. No fix otherwise.

use ballast_dockerfile::Span;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL405",
    name: "sudo-in-run",
    family: Family::Security,
    severity: Severity::Error,
    fix: FixAvailability::Safe,
    summary: "sudo is used in a RUN",
    hadolint: &["DL3004"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let root = cx.runs_as_root(run.index);
        for (part, cmd) in run.commands() {
            if !ballast_shell::misc::uses_sudo(cmd) {
                continue;
            }
            let w = &cmd.words[0];
            let plain = cmd.words.get(1).is_some_and(|n| !n.text.starts_with('-'));
            let fix = (root && plain && part.editable).then(|| {
                let next = cmd.words[1].span.0;
                Fix::safe(
                    "Remove `sudo`",
                    vec![Edit::delete(Span::new(
                        part.offset + w.span.0,
                        part.offset + next,
                    ))],
                )
            });
            out.push(
                Finding::new(
                    &RULE,
                    part.span(w.span),
                    if root {
                        "`sudo` in a step that already runs as root"
                    } else {
                        "`sudo` in the image lets its user escalate privileges"
                    },
                )
                .help(if root {
                    "remove it"
                } else {
                    "use `USER root` for the step and switch back after"
                })
                .maybe_fix(fix),
            );
        }
    }
}
