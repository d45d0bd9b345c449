//! ## What it does
//! Runs [ShellCheck](https://www.shellcheck.net) over every shell-form
//! `RUN` of every stage, as hadolint does, and reports its findings under
//! their own codes (`SC2086`). Each RUN is checked as a script whose
//! shebang is the stage's `SHELL` (`/bin/sh` by default) and which exports
//! every ARG and ENV the instruction sees, so a build argument is not
//! "referenced but not assigned". SC1090, SC1091 (a sourced file ShellCheck
//! cannot see) and SC2187 (ash checked as dash) are not reported, as in
//! hadolint.
//!
//! Findings point at the line and column the code is on, not at the RUN's
//! first line. A shell ShellCheck does not check (`pwsh`, `cmd`, `zsh`) is
//! skipped, and so is a heredoc script whose shebang names another
//! interpreter (`#!/usr/bin/env python3`).
//!
//! Needs `shellcheck` on PATH (or `BALLAST_SHELLCHECK`); without it one
//! note says the rule was skipped. Suppress a code like a rule:
//! `# hadolint ignore=SC2086` or `# ballast: ignore=SC2086` above the RUN,
//! `ignore = ["SC2086"]` in `ballast.toml`, or `ignored: [SC2086]` in
//! `.hadolint.yaml`; `shellcheck` names them all.
//!
//! ## Why it matters
//! A RUN is a shell script that runs once, at build time, where a quoting
//! mistake or an ignored failure is easy to miss: `cd $dir && ...` with an
//! unquoted path, `pip install $PACKAGES` splitting differently than
//! meant, or a `curl | tar` whose download failure the pipe hides.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN cd /app; pip install -r requirements.txt
//! RUN for f in $(ls /opt/models); do echo $f; done
//! ```
//!
//! ShellCheck reports SC2164 on line 2 ("Use 'cd ... || exit' or 'cd ...
//! || return' in case cd fails": the install would run in `/`), SC2045 and
//! SC2086 on line 3. Use instead:
//! ```dockerfile
//! FROM python:3.12-slim
//! WORKDIR /app
//! RUN pip install -r requirements.txt
//! RUN for f in /opt/models/*; do echo "$f"; done
//! ```
//!
//! ## Fix safety
//! No automatic fix: ShellCheck's suggestions change what the command does.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL701",
    name: "shellcheck",
    family: Family::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "ShellCheck finds a problem in a RUN instruction's shell code",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let scripts = crate::shellcheck::scripts(cx.df, &cx.graph);
    match crate::shellcheck::run(cx.source, &scripts) {
        Ok(comments) => {
            for c in comments {
                let mut f = Finding::new(&RULE, c.span, c.message)
                    .severity(c.severity)
                    .help(format!("https://www.shellcheck.net/wiki/SC{}", c.code));
                f.shellcheck = Some(c.code);
                out.push(f);
            }
        }
        Err(why) => cx.note(why.to_string()),
    }
}
