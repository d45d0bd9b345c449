//! ## What it does
//! Flags an image that runs as root: its last `USER` (through the stages it
//! is built `FROM`) is `root` or `0`, or there is no `USER` at all and the
//! base image is not known to set a non-root user (distroless `:nonroot`,
//! Chainguard and Bitnami images are).
//!
//! A Dockerfile whose image stages have no `CMD`, `ENTRYPOINT` or `EXPOSE`
//! and copy nothing from the build context builds a base for other images:
//! it is reported as info, since the images built on it are where the user
//! is chosen.
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
//! Unsafe: the fix creates an `app` user (uid 10001) before the first copy
//! of the build context into the image, owns the working directory by it,
//! gives it what COPY/ADD bring from the context (`--chown=app:app`), and
//! switches to it before `CMD` / `ENTRYPOINT`, first giving it the
//! directories the Dockerfile creates with `mkdir` (outside system paths).
//! When the Dockerfile already creates a user, the fix switches to that one
//! instead. Images without a shell (distroless, scratch) get `USER 65532`.
//! No fix when the app lives in a system directory (`/root`, `/usr/...`).
//! Files the process writes elsewhere must be made writable by hand.

use ballast_dockerfile::Keyword;
use ballast_ml::images::{ImageRef, is_musl, is_root_user, runs_as_non_root};

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    code: "BL401",
    name: names::ROOT_USER.as_str(),
    family: Family::Security,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "The image runs as root",
    hadolint: &["DL3002", "DL3063"],
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
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

/// Who the image's process runs as: what this rule judges, and what the
/// compose rules ask before dropping capabilities.
pub(crate) fn image_user(cx: &Checker<'_>) -> crate::compose::ImageUser {
    use crate::compose::ImageUser;
    match last_user(cx) {
        Some((_, user)) if is_root_user(&user) => ImageUser::Root,
        Some((_, user)) => ImageUser::NonRoot(user),
        None if drops_privileges(cx) => ImageUser::DropsPrivileges,
        None => match cx.base_image(cx.target) {
            Some((b, _)) if runs_as_non_root(&ImageRef::parse(&b)) => {
                ImageUser::NonRoot(format!("the user of {b}"))
            }
            _ => ImageUser::Root,
        },
    }
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    match last_user(cx) {
        Some((i, user)) if is_root_user(&user) => {
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
                || drops_privileges(cx)
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
            let fix = non_root_fix(cx, base.as_deref(), &body, tail_start);
            let f = Finding::new(&RULE, from.keyword_span, "no USER: the image runs as root")
                .help("create an unprivileged user and add `USER` before CMD/ENTRYPOINT")
                .maybe_fix(fix);
            out.push(if is_base_image(cx) {
                // Images built on it choose their user; base images stay
                // root so that they can still install packages.
                f.severity(Severity::Info).help(
                    "a base image (no CMD, ENTRYPOINT, EXPOSE or project files of its own): the images built on it should switch to an unprivileged user",
                )
            } else {
                f
            });
        }
    }
}

/// Whether the Dockerfile builds an image for other images to start from:
/// none of its image stages says what to run or which port it serves, and
/// none copies the project in (a service run with a command given at run
/// time still copies its code).
fn is_base_image(cx: &Checker<'_>) -> bool {
    !cx.image_instructions().into_iter().any(|i| {
        let inst = cx.inst(i);
        matches!(
            inst.keyword,
            Keyword::Cmd | Keyword::Entrypoint | Keyword::Expose
        ) || (matches!(inst.keyword, Keyword::Copy | Keyword::Add) && inst.flag("from").is_none())
    })
}

/// Tools an entrypoint uses to start the service as another user.
const PRIVILEGE_DROPPERS: &[&str] = &[
    "gosu",
    "su-exec",
    "setpriv",
    "runuser",
    "chpst",
    "s6-setuidgid",
    "setuidgid",
];

/// Whether the container starts as root only to drop to another user: its
/// ENTRYPOINT (or CMD) runs `gosu`/`su-exec`/`setpriv`/`runuser`, directly or
/// in the script it starts (read from the build context where a COPY put it).
fn drops_privileges(cx: &Checker<'_>) -> bool {
    cx.start_texts().iter().any(|text| {
        ballast_shell::parse(text).commands.iter().any(|c| {
            c.words
                .iter()
                .any(|w| PRIVILEGE_DROPPERS.contains(&w.text.rsplit('/').next().unwrap_or(&w.text)))
                || (c.name() == Some("su") && c.args().any(|a| a == "-c"))
        })
    })
}

/// Creates a user, owns the app's files and directory by it, switches to it.
fn non_root_fix(
    cx: &Checker<'_>,
    base: Option<&str>,
    body: &[usize],
    tail_start: Option<usize>,
) -> Option<Fix> {
    let stage = &cx.graph.stages[cx.target];
    let from = cx.inst(stage.from);
    let end = body.last().map_or(from.span.end, |i| cx.inst(*i).span.end);
    // Before the instruction and the comments that introduce it.
    let line_start = |i: usize| {
        let inst = cx.inst(i);
        let at = inst
            .comments
            .first()
            .map_or(inst.span.start, |c| c.span.start.min(inst.span.start));
        cx.source[..at].rfind('\n').map_or(0, |p| p + 1)
    };
    // Where USER goes: before CMD/ENTRYPOINT and friends, else at the end.
    let user_at = |text: &str| match tail_start {
        Some(i) => Edit::insert(line_start(i), format!("{text}\n")),
        None => Edit::insert(end, format!("\n{text}")),
    };
    let shell_less = matches!(stage.base, ballast_dockerfile::stages::Base::Scratch)
        || base.is_some_and(|b| b.contains("distroless"));
    if shell_less {
        return Some(Fix::unsafe_(
            "Run as uid 65532 (no shell to create a user)",
            vec![user_at("USER 65532")],
        ));
    }
    // The directories the app creates, given to the user before it takes over.
    let dirs: Vec<String> = cx.created_dirs().into_iter().map(|(d, _)| d).collect();
    let switch = |user: &str| {
        if dirs.is_empty() {
            format!("USER {user}")
        } else {
            format!("RUN chown {user}:{user} {}\nUSER {user}", dirs.join(" "))
        }
    };
    // A user the Dockerfile already creates (and gives the app's data to)
    // is the one to switch to.
    if let Some(user) = cx.created_user() {
        return Some(Fix::unsafe_(
            format!("Switch to the `{user}` user the Dockerfile creates"),
            vec![user_at(&switch(&user))],
        ));
    }
    let musl = base.is_some_and(|b| is_musl(&ImageRef::parse(b)));
    let create = if musl {
        "adduser -D -u 10001 app"
    } else {
        "useradd --create-home --uid 10001 app"
    };
    // The first copy of the build context into this stage.
    let context_copy = body.iter().copied().find(|i| {
        let inst = cx.inst(*i);
        matches!(inst.keyword, Keyword::Copy | Keyword::Add) && inst.flag("from").is_none()
    });
    let at = context_copy.or(tail_start);
    let wd = at.map_or_else(|| "/".to_string(), |i| cx.workdir(i).to_string());
    // The app lives in a system directory (`/`, `/root`, `/usr/...`): giving
    // it to a user, or running from it without, is not a mechanical change.
    if wd != "/" && crate::checker::is_system_path(&wd) {
        return None;
    }
    let own = if wd != "/" {
        format!(" && mkdir -p {wd} && chown app:app {wd}")
    } else {
        String::new()
    };
    let run = format!("RUN {create}{own}");
    let mut edits = Vec::new();
    match at {
        Some(i) if Some(i) != tail_start => {
            edits.push(Edit::insert(line_start(i), format!("{run}\n")));
            edits.push(user_at(&switch("app")));
        }
        _ => edits.push(user_at(&format!("{run}\n{}", switch("app")))),
    }
    for i in body
        .iter()
        .copied()
        .filter(|i| context_copy.is_some_and(|c| *i >= c))
    {
        let inst = cx.inst(i);
        if matches!(inst.keyword, Keyword::Copy | Keyword::Add)
            && inst.flag("from").is_none()
            && inst.flag("chown").is_none()
        {
            edits.push(Edit::insert(inst.keyword_span.end, " --chown=app:app"));
        }
    }
    Some(Fix::unsafe_(
        "Create an `app` user, give it the app's files and switch to it",
        edits,
    ))
}
