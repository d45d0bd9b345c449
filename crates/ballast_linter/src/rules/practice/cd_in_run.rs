//! ## What it does
//! Flags a `cd` in a RUN that changes the directory of the commands after
//! it (one not inside a subshell or group, and not the last command).
//!
//! ## Why it matters
//! The directory a RUN works in then depends on reading every command
//! before: `WORKDIR` states it once, creates it, and applies to the later
//! RUN, COPY and CMD instructions too, where a `cd` ends with its RUN. A
//! `cd` that only matters for one step reads best in a subshell
//! (`(cd src && make)`), which this rule leaves alone.
//!
//! ## Example
//! ```dockerfile
//! RUN cd /app && pip install -r requirements.txt
//! ```
//!
//! Use instead:
//! ```dockerfile
//! WORKDIR /app
//! RUN pip install -r requirements.txt
//! ```
//!
//! ## Fix safety
//! No automatic fix: a WORKDIR also moves the instructions after it.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL803",
    name: "cd-in-run",
    family: Family::Practice,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "cd in a RUN where WORKDIR would say where the commands run",
    hadolint: &["DL3003"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.runs.iter().flatten() {
        for part in &run.parts {
            let commands = &part.script.commands;
            for (k, cmd) in commands.iter().enumerate() {
                let last = k + 1 == commands.len();
                if cmd.name() != Some("cd") || cmd.depth > 0 || last {
                    continue;
                }
                let dir = cmd.args().next().unwrap_or("~");
                out.push(
                    Finding::new(
                        &RULE,
                        part.span(cmd.span),
                        format!(
                            "`cd {dir}` moves the rest of the RUN: `WORKDIR {dir}` says it once"
                        ),
                    )
                    .help("use WORKDIR, or a subshell `(cd DIR && ...)` for one step"),
                );
            }
        }
    }
}
