//! The preservation check: does a rewritten Dockerfile still build the
//! image the original built? Run on every rewrite (each round of fixes, the
//! restructure) before anything is written, and by `ballast fix --verify`.
//!
//! For the target, compared between the two files:
//! - the Python requirements installed where the image gets them (names,
//!   extras, versions; a local version such as `+cpu` may change, and
//!   `opencv-python` may become its headless build), and the projects
//!   installed from the context;
//! - the OS packages installed in the image (build tools may move to a stage
//!   outside it);
//! - every command RUN (split at `&&`, `;`, `||`, newlines): the ones of the
//!   image stages still run in the image stages, the others somewhere in the
//!   build; known cleanups (caches, package lists), `apt-get update` and
//!   `chown`s replaced by `COPY --chown` are accounted for;
//! - the final stage's ENTRYPOINT, CMD, EXPOSE, HEALTHCHECK, VOLUME,
//!   WORKDIR, STOPSIGNAL, SHELL, LABELs, ENV keys, ARG names and
//!   `FROM --platform`;
//! - every COPY/ADD source of the image lands at the same place;
//! - no RUN installs with apt after a rewrite removed the lists it needs;
//! - the directories the app creates stay writable by the user it runs as.

mod model;

pub(crate) use model::venv_created;

use ballast_dockerfile::Dockerfile;

use crate::checker::Checker;
use crate::{LintError, LintOptions};
pub(crate) use model::Model;
use model::Req;

/// Something of the original the rewrite does not carry over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loss {
    /// 1-based line in the original (0: the file as a whole), or in the
    /// rewrite when `in_rewrite`.
    pub line: usize,
    pub in_rewrite: bool,
    pub what: String,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.in_rewrite) {
            (0, _) => f.write_str(&self.what),
            (n, false) => write!(f, "line {n}: {}", self.what),
            (n, true) => write!(f, "line {n} of the rewrite: {}", self.what),
        }
    }
}

/// Checks `rewritten` against `original`. `before` are the options the
/// original is read with, `after` those of the rewrite (context files a fix
/// changed are in its overlay). `Err` when a file cannot be read.
pub fn check(
    original: &Dockerfile,
    rewritten: &Dockerfile,
    before: &LintOptions<'_>,
    after: &LintOptions<'_>,
) -> Result<Vec<Loss>, LintError> {
    let a = model_of(original, before)?;
    let b = model_of(rewritten, after)?;
    let mut out = Vec::new();
    python(&a, &b, &mut out);
    os_packages(&a, &b, &mut out);
    commands(&a, &b, &mut out);
    metadata(&a, &b, &mut out);
    copies(&a, &b, &mut out);
    apt_lists(original, rewritten, before, after, &mut out)?;
    writable(&a, &b, rewritten, after, &mut out)?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn model_of(df: &Dockerfile, options: &LintOptions<'_>) -> Result<Model, LintError> {
    let key = crate::memo::Key::of(&df.source, options);
    options.memo.kept(key, || {
        let (graph, target) = crate::stage_model(df, options)?;
        let cx = Checker::new(df, graph, target, options);
        Ok(Model::of(&cx))
    })
}

/// Renames a rewrite may make: the headless build of OpenCV.
fn same_package(a: &str, b: &str) -> bool {
    let headless = |n: &str| n.replace("-headless", "");
    a == b || (a.starts_with("opencv-") && headless(a) == headless(b))
}

fn python(a: &Model, b: &Model, out: &mut Vec<Loss>) {
    let found = |r: &Req| {
        b.python.iter().any(|x| {
            same_package(&r.name, &x.name)
                && x.extras == r.extras
                && x.spec == r.spec
                && (x.reaches_image || !r.reaches_image)
        })
    };
    // A packaging tool (uv, poetry, pip) may stay in the builder when the
    // image never runs it.
    let moved_tool = |r: &Req| {
        r.reaches_image
            && ballast_ml::packages::is_packaging_tool(&r.name)
            && b.python.iter().any(|x| x.name == r.name)
            && !b.runs_tool(&r.name)
    };
    for r in a.python.iter().filter(|r| !found(r) && !moved_tool(r)) {
        let why = match b.python.iter().find(|x| same_package(&r.name, &x.name)) {
            Some(x) if x.extras != r.extras || x.spec != r.spec => format!(
                "installed as `{}{}{}` instead",
                x.name,
                bracket(&x.extras),
                x.spec
            ),
            Some(_) => {
                "installed where the image does not get it (a stage the image does not copy from)"
                    .into()
            }
            None => "no longer installed".into(),
        };
        out.push(Loss {
            line: r.line,
            in_rewrite: false,
            what: format!(
                "Python requirement `{}{}{}`: {why}",
                r.name,
                bracket(&r.extras),
                r.spec
            ),
        });
    }
    for (dir, line, reaches, code) in &a.projects {
        let shown = if dir.is_empty() { "." } else { dir };
        let installed: Vec<_> = b
            .projects
            .iter()
            .filter(|(d, _, r, _)| d == dir && (*r || !reaches))
            .collect();
        if installed.is_empty() {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: format!(
                    "the project `{shown}` is no longer installed where the image gets it"
                ),
            });
        } else if *code && !installed.iter().any(|(_, _, _, c)| *c) {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: format!("the project `{shown}` is installed without its code"),
            });
        }
    }
}

fn bracket(extras: &[String]) -> String {
    if extras.is_empty() {
        String::new()
    } else {
        format!("[{}]", extras.join(","))
    }
}

fn os_packages(a: &Model, b: &Model, out: &mut Vec<Loss>) {
    for (name, line, in_image) in &a.os {
        let kept = b.os.iter().any(|(n, _, img)| {
            n == name && (*img || !in_image || ballast_ml::packages::is_build_tool(name))
        });
        if !kept {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: format!("OS package `{name}` is no longer installed in the image"),
            });
        }
    }
}

fn commands(a: &Model, b: &Model, out: &mut Vec<Loss>) {
    // Each command of the rewrite accounts for one of the original.
    let mut left: Vec<&model::Cmd> = b.commands.iter().collect();
    for c in &a.commands {
        let at = left
            .iter()
            .position(|x| x.text == c.text && (x.in_image || !c.in_image));
        match at {
            Some(k) => {
                left.remove(k);
            }
            None if replaced_by_copy_chown(c, b) => {}
            // A virtualenv made in a builder and copied whole into the image.
            None if c.venv.as_ref().is_some_and(|v| b.copies_from_stage(v)) => {}
            None => out.push(Loss {
                line: c.line,
                in_rewrite: false,
                what: if b.commands.iter().any(|x| x.text == c.text) {
                    format!("`{}` now runs in a stage the image does not keep", c.text)
                } else {
                    format!("`{}` is no longer run", c.text)
                },
            }),
        }
    }
}

/// A `chown`/`chmod` the rewrite replaced with `COPY --chown/--chmod` into
/// the same path.
fn replaced_by_copy_chown(c: &model::Cmd, b: &Model) -> bool {
    let mut words = c.text.split_whitespace();
    let name = words.next().unwrap_or("");
    if !matches!(name, "chown" | "chmod") {
        return false;
    }
    let paths: Vec<&str> = words.filter(|w| !w.starts_with('-')).skip(1).collect();
    !paths.is_empty() && paths.iter().all(|p| b.copied_with_owner(p))
}

impl Model {
    /// Whether a `COPY --from` of a stage puts `path` in the image whole.
    fn copies_from_stage(&self, path: &str) -> bool {
        self.placements.iter().any(|p| {
            p.from
                .as_deref()
                .is_some_and(|f| f.starts_with("stage on ") || f == "a stage")
                && p.source.trim_end_matches('/') == path
                && p.dest.trim_end_matches('/') == path
        })
    }

    /// Whether a COPY with `--chown`/`--chmod` puts files at or under `path`.
    fn copied_with_owner(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        self.placements.iter().any(|p| {
            p.owned && {
                let d = p.dest.trim_end_matches('/');
                d == path || d.starts_with(&format!("{path}/"))
            }
        })
    }
}

fn metadata(a: &Model, b: &Model, out: &mut Vec<Loss>) {
    let (ma, mb) = (&a.meta, &b.meta);
    let single = |what: &str,
                  x: &Option<(String, usize)>,
                  y: &Option<(String, usize)>,
                  out: &mut Vec<Loss>| {
        if let Some((v, line)) = x
            && y.as_ref().map(|(w, _)| w) != Some(v)
        {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: match y {
                    Some((w, _)) => format!("{what} `{v}` became `{w}`"),
                    None => format!("{what} `{v}` is gone"),
                },
            });
        }
    };
    single("ENTRYPOINT", &ma.entrypoint, &mb.entrypoint, out);
    single("CMD", &ma.cmd, &mb.cmd, out);
    single("HEALTHCHECK", &ma.healthcheck, &mb.healthcheck, out);
    single("STOPSIGNAL", &ma.stopsignal, &mb.stopsignal, out);
    single("SHELL", &ma.shell, &mb.shell, out);
    single("FROM --platform", &ma.platform, &mb.platform, out);
    if ma.workdir != mb.workdir {
        out.push(Loss {
            line: 0,
            in_rewrite: false,
            what: format!("the final WORKDIR `{}` became `{}`", ma.workdir, mb.workdir),
        });
    }
    let set = |what: &str, x: &[(String, usize)], y: &[(String, usize)], out: &mut Vec<Loss>| {
        for (v, line) in x {
            if !y.iter().any(|(w, _)| w == v) {
                out.push(Loss {
                    line: *line,
                    in_rewrite: false,
                    what: format!("{what} `{v}` is gone"),
                });
            }
        }
    };
    set("EXPOSE", &ma.expose, &mb.expose, out);
    set("VOLUME", &ma.volumes, &mb.volumes, out);
    set("ENV", &ma.env_keys, &mb.env_keys, out);
    set("ARG", &ma.args, &mb.args, out);
    for (k, v, line) in &ma.labels {
        if !mb.labels.iter().any(|(x, y, _)| x == k && y == v) {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: format!("LABEL `{k}` is gone or changed"),
            });
        }
    }
}

fn copies(a: &Model, b: &Model, out: &mut Vec<Loss>) {
    for p in &a.placements {
        let key = p.source.trim_start_matches("./").trim_end_matches('/');
        let want = p.lands(key);
        let kept = b.placements.iter().any(|q| q.from == p.from && q.lands(key) == want && want.is_some())
            // An image's file (`COPY --from=uv /uv /bin/`) compares as written.
            || (p.from.is_some() && b.placements.iter().any(|q| q.from == p.from && q.source == p.source && q.dest == p.dest));
        if !kept {
            let from = p
                .from
                .as_deref()
                .map(|f| format!(" from {f}"))
                .unwrap_or_default();
            out.push(Loss {
                line: p.line,
                in_rewrite: false,
                what: format!(
                    "`{}`{from} no longer lands at `{}`",
                    p.source,
                    want.unwrap_or_else(|| p.dest.clone())
                ),
            });
        }
    }
}

/// RUNs that install with apt relying on lists an earlier RUN left, where
/// the rewrite removed those lists (and the original did not).
fn apt_lists(
    original: &Dockerfile,
    rewritten: &Dockerfile,
    before: &LintOptions<'_>,
    after: &LintOptions<'_>,
    out: &mut Vec<Loss>,
) -> Result<(), LintError> {
    let broken_a = installs_without_lists(original, before)?;
    for (cmd, line) in installs_without_lists(rewritten, after)? {
        if !broken_a.iter().any(|(c, _)| *c == cmd) {
            out.push(Loss {
                line,
                in_rewrite: true,
                what: format!("`{cmd}` would run after the apt lists it needs were removed"),
            });
        }
    }
    Ok(())
}

/// The apt installs (text, line) that run with no package lists: none
/// downloaded in their RUN, and the stage's earlier RUNs left none.
fn installs_without_lists(
    df: &Dockerfile,
    options: &LintOptions<'_>,
) -> Result<Vec<(String, usize)>, LintError> {
    use crate::rules::size::apt_lists_kept::APT_LISTS;
    use ballast_shell::os::{Action, package_command};
    let (graph, target) = crate::stage_model(df, options)?;
    let cx = Checker::new(df, graph, target, options);
    let mut out = Vec::new();
    for &s in &cx.graph.reachable(target) {
        let mut lists = false;
        let chain = {
            let mut c = cx.graph.final_chain(s);
            c.reverse();
            c
        };
        for st in chain {
            for i in cx.graph.instructions_of(st) {
                let Some(run) = &cx.runs[i] else { continue };
                for (_, cmd) in run.commands() {
                    if let Some(pc) = package_command(cmd).filter(|pc| pc.manager.is_apt()) {
                        match pc.action {
                            Action::Update => lists = true,
                            Action::Install if !lists && st == s => {
                                let text: Vec<&str> =
                                    cmd.words.iter().map(|w| w.text.as_str()).collect();
                                out.push((text.join(" "), cx.inst(i).start_line));
                            }
                            _ => {}
                        }
                    } else if crate::rules::common::deletes(cmd, APT_LISTS) {
                        lists = false;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The directories the original image creates, writable by the user the
/// rewritten image runs as (when the original ran as root).
fn writable(
    a: &Model,
    b: &Model,
    rewritten: &Dockerfile,
    after: &LintOptions<'_>,
    out: &mut Vec<Loss>,
) -> Result<(), LintError> {
    let Some(user) = &b.user else { return Ok(()) };
    if a.user.is_some() {
        return Ok(());
    }
    let (graph, target) = crate::stage_model(rewritten, after)?;
    let cx = Checker::new(rewritten, graph, target, after);
    let name = user.split(':').next().unwrap_or(user);
    // What a root RUN downloads into /root, which the user cannot read.
    for i in cx.image_instructions() {
        let Some(run) = &cx.runs[i] else { continue };
        if !cx.runs_as_root(i) {
            continue;
        }
        for (_, cmd) in run.commands() {
            if let Some((what, env)) = ballast_shell::misc::home_downloads(cmd)
                && cx.var(i, env).is_none()
            {
                out.push(Loss {
                    line: cx.inst(i).start_line,
                    in_rewrite: true,
                    what: format!(
                        "{what} puts its files under /root as the build runs as root, but the image now runs as `{name}`, who cannot read them (set {env})"
                    ),
                });
            }
        }
    }
    for (dir, line) in &a.created_dirs {
        if !writable_by(&cx, dir, name) {
            out.push(Loss {
                line: *line,
                in_rewrite: false,
                what: format!("`{dir}` is created as root but the image now runs as `{name}`, who cannot write it"),
            });
        }
    }
    Ok(())
}

/// Whether the rewritten image gives `dir` to `user`: a `chown` of it (or
/// of a directory above it, recursively), or a `mkdir` of it run as the user.
fn writable_by(cx: &Checker<'_>, dir: &str, user: &str) -> bool {
    let covers = |p: &str, recursive: bool| {
        let p = p.trim_end_matches('/');
        p == dir || (recursive && dir.starts_with(&format!("{p}/")))
    };
    for i in cx.image_instructions() {
        let Some(run) = &cx.runs[i] else { continue };
        let as_user = cx
            .user_at(i)
            .is_some_and(|u| u.split(':').next() == Some(user));
        for (_, cmd) in run.commands() {
            match cmd.name() {
                Some("chown") => {
                    let recursive = cmd.args().any(|a| a == "-R" || a == "--recursive");
                    let mut args = cmd.args().filter(|a| !a.starts_with('-'));
                    let owner = args.next().unwrap_or("");
                    if owner.split(':').next() == Some(user)
                        && args.any(|p| covers(&cx.absolute(i, p), recursive))
                    {
                        return true;
                    }
                }
                Some("mkdir")
                    if as_user && cmd.args().any(|p| covers(&cx.absolute(i, p), false)) =>
                {
                    return true;
                }
                _ => {}
            }
        }
    }
    false
}
