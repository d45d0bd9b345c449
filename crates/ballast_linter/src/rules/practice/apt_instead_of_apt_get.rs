//! ## What it does
//! Flags `apt` (the interactive front end) in a RUN where `apt-get` is
//! meant.
//!
//! ## Why it matters
//! `apt` is made for people at a terminal: its output is a progress bar,
//! it warns "apt does not have a stable CLI interface", and its defaults
//! change between releases (it deletes downloaded packages, `apt upgrade`
//! installs new dependencies where `apt-get upgrade` does not). Scripts,
//! and so Dockerfiles, use `apt-get` and `apt-cache`, whose behaviour is
//! stable.
//!
//! ## Example
//! ```dockerfile
//! RUN apt update && apt install -y ffmpeg
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y ffmpeg
//! ```
//!
//! ## Fix safety
//! Unsafe: for `update`, `install`, `remove`, `purge`, `autoremove` and
//! `clean` the fix writes `apt-get`; `apt` deletes the packages it
//! downloads and `apt-get` keeps them where the base image does not clean
//! its archive, so the image can change. Other subcommands get no fix.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL802",
    name: "apt-instead-of-apt-get",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "apt is the interactive front end; scripts use apt-get",
    hadolint: &["DL3027"],
    check,
    ..Rule::OPTIONAL
};

/// `apt` subcommands `apt-get` has with the same meaning.
const SAME_IN_APT_GET: [&str; 6] = [
    "update",
    "install",
    "remove",
    "purge",
    "autoremove",
    "clean",
];

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.runs.iter().flatten() {
        for (part, cmd) in run.commands() {
            let Some(word) = cmd.words.first().filter(|w| w.text == "apt") else {
                continue;
            };
            let sub = cmd.args().find(|a| !a.starts_with('-')).unwrap_or("");
            let fix = (part.editable && SAME_IN_APT_GET.contains(&sub)).then(|| {
                Fix::unsafe_(
                    "Use `apt-get`",
                    vec![Edit::replace(part.span(word.span), "apt-get")],
                )
            });
            out.push(
                Finding::new(
                    &RULE,
                    part.span(word.span),
                    "`apt` in a script: its interface is not stable; use `apt-get` (or `apt-cache`)",
                )
                .help("use `apt-get`")
                .maybe_fix(fix),
            );
        }
    }
}
