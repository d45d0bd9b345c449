//! ## What it does
//! Flags a variable used in an instruction BuildKit expands (`ADD`,
//! `COPY`, `ENV`, `EXPOSE`, `LABEL`, `STOPSIGNAL`, `USER`, `VOLUME`,
//! `WORKDIR`, ARG defaults) that nothing defines at that point: no ARG or
//! ENV of the stage (or the stages it is built on) and not the base
//! image's environment. A close name is suggested. `RUN` is left alone:
//! its variables are the shell's. Judged only where the base image's
//! environment is known offline (`scratch`, the official python, debian,
//! ubuntu, alpine and busybox images, from a dated table in ballast_ml):
//! on any other base a variable may come from the image, so nothing is
//! said. With `--resolve-bases` the base's environment is read from the
//! registry (or the daemon) instead, and every base it reads is judged. Platform arguments used without `ARG` are not reported either.
//!
//! ## Why it matters
//! An undefined variable expands to nothing, silently: `COPY
//! $MODEL_DIR /models` copies the whole context, `ENV PATH=$PAHT:/opt/bin`
//! drops the system PATH, `WORKDIR $APP_HOME` lands in `/`. A global ARG
//! is the usual cause: it reaches FROM lines only, unless the stage
//! declares it again.
//!
//! ## Example
//! ```dockerfile
//! ARG MODEL_DIR=models
//! FROM python:3.11-slim
//! COPY $MODEL_DIR /models
//! ```
//!
//! Use instead:
//! ```dockerfile
//! ARG MODEL_DIR=models
//! FROM python:3.11-slim
//! ARG MODEL_DIR
//! COPY $MODEL_DIR /models
//! ```
//!
//! ## Fix safety
//! No fix: whether to declare the variable or correct its spelling is the
//! author's call.

use ballast_dockerfile::stages::{Base, Scope};
use ballast_dockerfile::words::{Env, Lex};
use ballast_dockerfile::{Instruction, Keyword};
use ballast_ml::bases::env_names;

use super::{PLATFORM_ARGS, suggest};
use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL620",
    name: "undefined-var",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Variables should be defined before their use",
    buildkit: Some("UndefinedVar"),
    check,
    ..Rule::OPTIONAL
};

/// What an instruction sees: its scope, then the base image's variables
/// (looked up in place: a file of many ENV lines must not copy its scope
/// once per line).
struct Visible<'a> {
    scope: &'a Scope,
    base: &'a [&'a str],
}

impl Env for Visible<'_> {
    fn lookup(&self, name: &str) -> Option<&str> {
        match self.scope.get(name) {
            Some(v) => Some(v.value.as_deref().unwrap_or("")),
            None => self.base.contains(&name).then_some(""),
        }
    }
}

/// The environment of the image a stage starts from, when known.
fn root_env<'a>(cx: &Checker<'a>, mut stage: usize) -> Option<Vec<&'a str>> {
    for _ in 0..cx.graph.stages.len() {
        match &cx.graph.stages[stage].base {
            Base::Scratch => return Some(vec!["PATH"]),
            Base::Image(image) => return env_names(image, cx.bases),
            Base::Stage(parent) if *parent < stage => stage = *parent,
            Base::Stage(_) => return None,
        }
    }
    None
}

/// The words of an instruction BuildKit expands: ENV and LABEL values
/// (not keys), ARG defaults, the arguments of the others.
fn expanded_words(inst: &Instruction) -> Vec<&str> {
    match inst.keyword {
        Keyword::Env | Keyword::Label => inst
            .args
            .chunks(3)
            .filter_map(|c| c.get(1).map(|a| a.value.as_str()))
            .collect(),
        Keyword::Arg => inst
            .args
            .iter()
            .filter_map(|a| a.value.split_once('=').map(|(_, d)| d))
            .collect(),
        Keyword::Add
        | Keyword::Copy
        | Keyword::Expose
        | Keyword::Stopsignal
        | Keyword::User
        | Keyword::Volume
        | Keyword::Workdir => inst.args.iter().map(|a| a.value.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// Findings of a file that get a `did you mean` suggestion.
const SUGGESTED: usize = 100;

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let lex = Lex::new(cx.df.escape);
    let before = out.len();
    for (s, stage) in cx.graph.stages.iter().enumerate() {
        let Some(base) = root_env(cx, s) else {
            continue;
        };
        for i in stage.body.clone() {
            let inst = &cx.df.instructions[i];
            let words = expanded_words(inst);
            if words.is_empty() || !words.iter().any(|w| w.contains('$')) {
                continue;
            }
            let Some(scope) = cx.scope(i) else {
                continue;
            };
            let env = Visible { scope, base: &base };
            let mut seen = Vec::new();
            for word in words {
                let Ok(x) = lex.process(word, &env) else {
                    continue;
                };
                for name in x.unmatched {
                    if PLATFORM_ARGS.contains(&name.as_str()) || seen.contains(&name) {
                        continue;
                    }
                    let mut message = format!("Usage of undefined variable '${name}'");
                    let names = scope
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .chain(base.iter().copied());
                    // A suggestion compares with every name in scope: past
                    // the first findings of a file, none is looked for.
                    if out.len() - before < SUGGESTED
                        && let Some(s) = suggest(&name, names)
                    {
                        message.push_str(&format!(" (did you mean ${s}?)"));
                    }
                    out.push(Finding::new(&RULE, inst.span, message));
                    seen.push(name);
                }
            }
        }
    }
}
