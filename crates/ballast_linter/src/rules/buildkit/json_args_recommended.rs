//! ## What it does
//! Flags `CMD` and `ENTRYPOINT` in shell form (`CMD uvicorn app:app`),
//! unless the stage, or a stage it is built on, sets its own `SHELL`.
//!
//! ## Why it matters
//! The shell form runs the command under `/bin/sh -c`: the shell is PID 1,
//! and `docker stop` sends SIGTERM to the shell, not to the server. An
//! inference server then never drains its requests and is killed after the
//! timeout. The exec form runs the program itself.
//!
//! ## Example
//! ```dockerfile
//! CMD uvicorn app.main:app --host 0.0.0.0
//! ```
//!
//! Use instead:
//! ```dockerfile
//! CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
//! ```
//!
//! ## Fix safety
//! Unsafe, and offered only for plain words (no variables, quotes,
//! operators or globs): the program becomes PID 1 and receives signals
//! itself, which is the point, but a program that relied on the shell
//! behaves differently.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::stages::Base;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL607",
    name: "json-args-recommended",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    hadolint: &["DL3025"],
    buildkit: Some("JSONArgsRecommended"),
    check,
    ..Rule::OPTIONAL
};

/// Whether a stage, or one it is built on, sets `SHELL`.
fn sets_shell(cx: &Checker<'_>, mut stage: usize) -> bool {
    for _ in 0..cx.graph.stages.len() {
        let s = &cx.graph.stages[stage];
        if s.body
            .clone()
            .any(|i| cx.df.instructions[i].keyword == Keyword::Shell)
        {
            return true;
        }
        match s.base {
            Base::Stage(parent) if parent < stage => stage = parent,
            _ => return false,
        }
    }
    false
}

/// The exec form of a command of plain words, if it is one.
fn exec_form(command: &str) -> Option<String> {
    let plain = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c))
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.is_empty() || !words.iter().all(|w| plain(w)) {
        return None;
    }
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    Some(format!("[{}]", quoted.join(", ")))
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if !matches!(inst.keyword, Keyword::Cmd | Keyword::Entrypoint) || inst.json {
            continue;
        }
        let Some(stage) = cx.stage_of(i) else {
            continue;
        };
        if sets_shell(cx, stage) {
            continue;
        }
        let name = inst.name();
        let mut f = Finding::new(
            &RULE,
            inst.span,
            format!("JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"),
        )
        .help("the exec form runs the program as PID 1, so it receives SIGTERM on `docker stop`");
        if let Some(rest) = inst.rest_span
            && let Some(json) = exec_form(rest.text(cx.source))
        {
            f = f.fix(Fix::unsafe_(
                format!("Write {name} in exec form"),
                vec![Edit::replace(rest, json)],
            ));
        }
        out.push(f);
    }
}
