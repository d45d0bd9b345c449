//! ## What it does
//! Flags an image that runs as root: its last `USER` (through the stages it
//! is built `FROM`) is `root` or `0`, or there is no `USER` at all and the
//! base image is not known to set a non-root user (distroless `:nonroot`,
//! Chainguard and Bitnami images are).
//!
//! ## Why it matters
//! A process running as root in the container is root on the host's kernel
//! if it escapes, can rewrite the application's own files, and trips
//! Kubernetes `runAsNonRoot` policies. No `USER` line at all is the most
//! common way to get there, and the one other linters do not report.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-slim
//! COPY . /app
//! CMD ["python", "/app/main.py"]
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! RUN useradd --create-home --uid 10001 app
//! COPY --chown=app . /app
//! USER app
//! CMD ["python", "/app/main.py"]
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix creates an `app` user and switches to it before `CMD` /
//! `ENTRYPOINT`; files the process writes must then be writable by it.

use ballast_dockerfile::Keyword;
use ballast_ml::images::{ImageRef, is_musl, runs_as_non_root};

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};
use crate::registry::{Family, FixAvailability, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    code: "BL401",
    name: "root-user",
    family: Family::Security,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "The image runs as root",
    hadolint: &["DL3002"],
    needs_config: false,
    check,
};

/// The last USER of the image: (instruction, user name as resolved).
pub(crate) fn last_user(cx: &Checker<'_>) -> Option<(usize, String)> {
    let mut last = None;
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        if inst.keyword == Keyword::User
            && let Some(v) = inst.values().first()
        {
            let v = cx
                .scope(i)
                .map_or(v.to_string(), |s| s.expand_keep_unknown(v, cx.df.escape));
            last = Some((i, v));
        }
    }
    last
}

pub(crate) fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    match last_user(cx) {
        Some((i, user)) if is_root(&user) => {
            out.push(
                Finding::new(
                    &RULE,
                    cx.inst(i).span,
                    format!("the image runs as `{user}`"),
                )
                .help("switch to an unprivileged user at the end of the stage"),
            );
        }
        Some(_) => {}
        None => {
            let base = cx.base_image(cx.target).map(|(b, _)| b);
            if base
                .as_deref()
                .is_some_and(|b| runs_as_non_root(&ImageRef::parse(b)))
            {
                return;
            }
            let stage = &cx.graph.stages[cx.target];
            let from = cx.inst(stage.from);
            // Insert before the first CMD/ENTRYPOINT at the end of the stage, else at the end.
            let body: Vec<usize> = stage.body.clone().collect();
            let tail_start = body
                .iter()
                .rev()
                .take_while(|i| {
                    matches!(
                        cx.inst(**i).keyword,
                        Keyword::Cmd
                            | Keyword::Entrypoint
                            | Keyword::Expose
                            | Keyword::Healthcheck
                            | Keyword::Label
                            | Keyword::Stopsignal
                    )
                })
                .last()
                .copied();
            let musl = base
                .as_deref()
                .is_some_and(|b| is_musl(&ImageRef::parse(b)));
            let create = if musl {
                "adduser -D -u 10001 app"
            } else {
                "useradd --create-home --uid 10001 app"
            };
            let text = format!("RUN {create}\nUSER app\n");
            let fix = match tail_start {
                Some(i) => Some(Edit::insert(cx.inst(i).span.start, text)),
                None => {
                    let end = body.last().map_or(from.span.end, |i| cx.inst(*i).span.end);
                    Some(Edit::insert(end, format!("\n{}", text.trim_end())))
                }
            }
            .map(|e| Fix::unsafe_("Create an `app` user and switch to it", vec![e]));
            out.push(
                Finding::new(&RULE, from.keyword_span, "no USER: the image runs as root")
                    .help("create an unprivileged user and add `USER` before CMD/ENTRYPOINT")
                    .maybe_fix(fix),
            );
        }
    }
}
