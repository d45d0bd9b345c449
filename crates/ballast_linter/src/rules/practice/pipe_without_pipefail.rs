//! ## What it does
//! Flags a RUN with a pipe (`curl ... | tar x`) when nothing makes the
//! pipe's failures count: no `SHELL` with `-o pipefail` in force for the
//! stage and no `set -o pipefail` earlier in the RUN.
//!
//! ## Why it matters
//! A pipe's status is its last command's: `curl -fsSL $URL | python3 -`
//! succeeds when the download fails, as Python runs the empty script it
//! reads, and the build goes on without what the script installs, to fail
//! later (or not at all) far from the cause.
//!
//! Pipes whose first commands cannot fail (`echo`, `printf`) are left
//! alone, and so is `yes | ...`, which pipefail would break (`yes` ends by
//! SIGPIPE), and a pipe into a command that fails on empty input
//! (`apt-key add -`, `sha256sum -c -`), where a failed download fails the
//! build anyway. hadolint reports those too, and does not see a
//! `set -o pipefail` in the RUN itself.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN curl -fsSL https://install.python-poetry.org | python3 -
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.12-slim
//! SHELL ["/bin/bash", "-o", "pipefail", "-c"]
//! RUN curl -fsSL https://install.python-poetry.org | python3 -
//! ```
//!
//! On Alpine (no bash), `SHELL ["/bin/ash", "-eo", "pipefail", "-c"]`.
//!
//! ## Fix safety
//! No automatic fix: a SHELL applies to every later RUN of the stage.

use ballast_shell::Command;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL804",
    name: "pipe-without-pipefail",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A pipe in a RUN without -o pipefail hides the failure of its first commands",
    hadolint: &["DL4006"],
    check,
    ..Rule::OPTIONAL
};

/// Whether words set pipefail: `-o pipefail`, `-euo pipefail`, `-opipefail`.
fn sets_pipefail<'a>(words: impl Iterator<Item = &'a str>) -> bool {
    let words: Vec<&str> = words.collect();
    words.iter().enumerate().any(|(k, w)| {
        let short = w.starts_with('-') && !w.starts_with("--");
        (short && w.ends_with('o') && words.get(k + 1) == Some(&"pipefail"))
            || (short && w.ends_with("opipefail"))
    })
}

/// Shells that are not POSIX shells: pipes mean something else there.
fn is_posix_shell(program: &str) -> bool {
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    ![
        "pwsh",
        "powershell",
        "powershell.exe",
        "pwsh.exe",
        "cmd",
        "cmd.exe",
    ]
    .contains(&name.to_ascii_lowercase().as_str())
}

/// Commands whose failure in a pipe means nothing (or whose end pipefail
/// would make one: `yes`).
fn cannot_fail(cmd: &Command) -> bool {
    matches!(cmd.name(), Some("echo" | "printf" | "yes"))
}

/// Commands that fail on empty input, so a failed producer still fails
/// the pipe: `apt-key add -`, `sha256sum -c -` (and the other sums).
fn fails_on_empty_input(cmd: &Command) -> bool {
    match cmd.name() {
        Some("apt-key") => cmd.args().next() == Some("add"),
        Some("sha256sum" | "sha512sum" | "sha1sum" | "md5sum") => {
            cmd.has_word("-c") || cmd.has_word("--check")
        }
        _ => false,
    }
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let shells = cx.graph.shells(cx.df);
    for run in cx.runs.iter().flatten() {
        if run.json {
            continue;
        }
        let shell = shells[run.index].as_deref().unwrap_or(&[]);
        if shell.first().is_some_and(|p| !is_posix_shell(p))
            || sets_pipefail(shell.iter().map(String::as_str))
        {
            continue;
        }
        'parts: for part in &run.parts {
            let commands = &part.script.commands;
            let mut feeding: Vec<&Command> = Vec::new();
            for (k, cmd) in commands.iter().enumerate() {
                if cmd.name() == Some("set") && sets_pipefail(cmd.args()) {
                    break 'parts;
                }
                if part.script.pipes_into_next(k) {
                    feeding.push(cmd);
                    continue;
                }
                let first = feeding.first().copied();
                let hides = !feeding.is_empty()
                    && !feeding.iter().all(|c| cannot_fail(c))
                    && !fails_on_empty_input(cmd);
                feeding.clear();
                let (Some(first), true) = (first, hides) else {
                    continue;
                };
                out.push(
                    Finding::new(
                        &RULE,
                        part.span((first.span.0, cmd.span.1)),
                        "the pipe's status is its last command's: a failing first command does not fail the build",
                    )
                    .help("add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this RUN (Alpine: `/bin/ash`), or start the RUN with `set -o pipefail &&` where the shell has it"),
                );
                break 'parts;
            }
        }
    }
}
