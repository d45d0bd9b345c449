//! ## What it does
//! Flags an `apt-get` (or `apt`) `install`, `upgrade` or `remove` without
//! `-y` (`--yes`, `--assume-yes`, or `-qq`, which implies it).
//!
//! ## Why it matters
//! A build has no one to answer apt's "Do you want to continue? [Y/n]":
//! apt reads end of input and aborts, and the build fails the first time
//! the command pulls in a dependency (or removes one) beyond the packages
//! named. The same Dockerfile may build today and fail after a base image
//! update.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install --no-install-recommends curl
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! ```
//!
//! ## Fix safety
//! Safe: `-y` answers the question the build cannot; the same packages are
//! installed.

use ballast_shell::os::{Action, package_command};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL801",
    name: "apt-get-without-yes",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "apt-get install without -y waits for an answer the build cannot give",
    hadolint: &["DL3014"],
    check,
    ..Rule::OPTIONAL
};

/// Whether apt's options answer its question: `-y`, `--yes`,
/// `--assume-yes`, a short-flag group holding `y` (`-qy`), `-qq`
/// (quiet level 2 implies `-y`) or `-o APT::Get::Assume-Yes=true`.
fn assumes_yes(options: &[String]) -> bool {
    options.iter().any(|o| {
        matches!(
            o.as_str(),
            "--yes" | "--assume-yes" | "--force-yes" | "--quiet=2"
        ) || o.eq_ignore_ascii_case("apt::get::assume-yes=true")
            || (o.starts_with('-')
                && !o.starts_with("--")
                && (o.contains('y') || o.matches('q').count() >= 2))
    })
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.runs.iter().flatten() {
        for part in &run.parts {
            for (k, cmd) in part.script.commands.iter().enumerate() {
                // `yes | apt-get install ...` answers too.
                let answered = k > 0
                    && part.script.pipes_into_next(k - 1)
                    && part.script.commands[k - 1].name() == Some("yes");
                if !answered {
                    check_command(part, cmd, out);
                }
            }
        }
    }
}

fn check_command(
    part: &ballast_context::runs::Part,
    cmd: &ballast_shell::Command,
    out: &mut Vec<Finding>,
) {
    {
        {
            let Some(pc) = package_command(cmd) else {
                return;
            };
            let prompts = matches!(
                pc.action,
                Action::Install | Action::Upgrade | Action::Remove
            );
            if !pc.manager.is_apt() || !prompts || assumes_yes(&pc.options) {
                return;
            }
            let Some(verb) = cmd.words.get(pc.action_word) else {
                return;
            };
            let fix = part.editable.then(|| {
                Fix::safe(
                    "Add `-y`",
                    vec![Edit::insert(part.offset + verb.span.1, " -y")],
                )
            });
            out.push(
                Finding::new(
                    &RULE,
                    part.span(cmd.span),
                    format!(
                        "`{} {}` without `-y`: apt asks to confirm and the build cannot answer",
                        cmd.words[0].text, verb.text
                    ),
                )
                .help("add `-y`")
                .maybe_fix(fix),
            );
        }
    }
}
