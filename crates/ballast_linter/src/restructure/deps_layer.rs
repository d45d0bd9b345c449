//! The builder's dependency layer: before the code copy, the files the
//! project installs read and an install of the projects' dependencies only,
//! so that a code change reuses it (pip and uv pip: the requirements files
//! and the requirements the manifests list; uv sync: `--no-install-project`;
//! poetry: `--no-root`).
//!
//! The layer stands where the code copy stood, so it is written only when
//! its installs run there as they ran after the copy. The steps between the
//! copy and the last project install either move before the layer with it
//! (installers, OS packages: they read no code), stay after it (copies,
//! the project installs, other dependency installs, labels) or leave the
//! builder without a layer (an ENV, ARG, WORKDIR or USER, any other RUN).
//! The same holds for the commands before an install in its own RUN. What an install reads is
//! copied first: a requirements or constraints file that names further
//! files (`-r`, `-c`, a local path) leaves the builder without a layer too.

use ballast_dockerfile::Keyword;
use ballast_shell::Command;
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::Tool;
use ballast_shell::requirements::parse_requirements_file;

use super::split::{Plan, Role, command_role, container_path_of};
use crate::checker::{Checker, PyInstall};
use crate::rules::size::apt_lists_kept::APT_LISTS;
use ballast_ml::torch::CPU_INDEX;

/// A dependency layer for the builder.
pub(super) struct Layer {
    /// The steps between the code copy and the first project install that
    /// move before the layer, in order.
    pub(super) hoisted: Vec<usize>,
    /// The copies and the installs.
    pub(super) text: String,
}

/// The layer before code COPY `i`, or `None` when a project's dependencies
/// are unknown or would not install there as they did after the copy.
pub(super) fn dependency_layer(cx: &Checker<'_>, plan: &Plan<'_>, i: usize) -> Option<Layer> {
    let projects: Vec<&PyInstall<'_>> = plan
        .installs
        .iter()
        .filter(|p| p.resolved.project.is_some())
        .collect();
    let hoisted = steps_that_move(cx, plan, i, projects.last()?.run.index)?;
    let mut copies = String::new();
    let mut runs = String::new();
    let mut copied: Vec<String> = Vec::new();
    for p in projects {
        let (install, files) = match p.install.tool {
            Tool::Pip | Tool::UvPip => pip_dependencies(cx, plan, p)?,
            _ => (project_dependencies(p)?, manifests(cx, p)),
        };
        runs.push_str(&as_run(cx, plan, p, &install)?);
        for f in files {
            if copied.contains(&f) {
                continue;
            }
            let dest = container_path_of(cx, i, &f)?;
            copies.push_str(&format!("COPY {f} {dest}\n"));
            copied.push(f);
        }
    }
    (!runs.is_empty()).then(|| Layer {
        hoisted,
        text: format!("{copies}{runs}"),
    })
}

/// The RUNs after code COPY `i` and before instruction `until` that move
/// before the layer (each installs only tooling or OS packages); `None`
/// when a step between would change what the layer's installs see.
fn steps_that_move(
    cx: &Checker<'_>,
    plan: &Plan<'_>,
    i: usize,
    until: usize,
) -> Option<Vec<usize>> {
    let mut moved = Vec::new();
    for j in cx.graph.stages[cx.target].body.clone() {
        if j <= i || j >= until {
            continue;
        }
        match cx.inst(j).keyword {
            Keyword::Copy | Keyword::Add | Keyword::Label | Keyword::Expose => {}
            Keyword::Run => {
                let run = cx.runs[j].as_ref()?;
                let roles: Vec<Role> = run
                    .commands()
                    .map(|(_, c)| match command_role(plan, cx, run, c) {
                        Role::Other if os_package_step(c) => Role::Tooling,
                        role => role,
                    })
                    .collect();
                if roles.is_empty() || roles.contains(&Role::Other) {
                    return None;
                }
                if roles.iter().all(|r| *r == Role::Tooling) {
                    moved.push(j);
                }
            }
            _ => return None,
        }
    }
    Some(moved)
}

/// An OS package command that reads nothing from the context (`apt-get
/// update`, `apt-get install -y gcc`), or the deletion of the apt lists.
fn os_package_step(c: &Command) -> bool {
    let packages = package_command(c).is_some_and(|pc| {
        matches!(
            pc.action,
            Action::Update | Action::Install | Action::Upgrade | Action::Clean
        ) && pc.packages.iter().all(|w| !w.text.starts_with(['.', '/']))
    });
    packages
        || (c.name() == Some("rm")
            && c.args()
                .all(|a| a.starts_with('-') || a.starts_with(APT_LISTS)))
}

/// The install as a RUN of the layer: with the tool's cache mounted, after
/// the commands before it in its RUN (which must all be installers or OS
/// packages: anything else, a `cd` or an `export`, may be what it needs).
fn as_run(cx: &Checker<'_>, plan: &Plan<'_>, p: &PyInstall<'_>, install: &str) -> Option<String> {
    let cache = p.install.tool.root_cache_dir()?;
    let mut prefix = String::new();
    for c in p
        .part
        .script
        .commands
        .iter()
        .take_while(|c| !std::ptr::eq(*c, p.command))
    {
        if command_role(plan, cx, p.run, c) != Role::Tooling && !os_package_step(c) {
            return None;
        }
        prefix.push_str(&format!("{} && ", written(p, (c.start, c.span.1))));
    }
    Some(format!(
        "RUN --mount=type=cache,target={cache} {prefix}{install}\n"
    ))
}

/// The Dockerfile's text of a span of the install's part: words as written,
/// quotes and variables kept.
fn written<'p>(p: &'p PyInstall<'_>, (start, end): (usize, usize)) -> &'p str {
    &p.part.text[start..end]
}

/// pip and uv pip: the command as written without the projects (and their
/// `-e`), with the requirements the projects' manifests list; and the
/// requirements and constraints files the command names, which the layer
/// copies.
fn pip_dependencies(
    cx: &Checker<'_>,
    plan: &Plan<'_>,
    p: &PyInstall<'_>,
) -> Option<(String, Vec<String>)> {
    let files = named_files(cx, p)?;
    let listed: Vec<String> = p
        .requested
        .iter()
        .filter(|q| q.file.as_ref().is_some_and(|(f, _)| !files.contains(f)))
        .map(|q| format!(" '{}'", q.requirement.raw.replace('\'', "")))
        .collect();
    if listed.is_empty() && files.is_empty() {
        return None;
    }
    let words = &p.command.words;
    let mut kept: Vec<&str> = vec![assignments(p)];
    let mut k = 0;
    while k < words.len() {
        let w = words[k].text.as_str();
        if matches!(w, "-e" | "--editable") {
            k += 2;
            continue;
        }
        let dropped = w.starts_with("--editable=")
            || p.install.local.iter().any(|l| l == w)
            || matches!(w, "--no-cache-dir" | "--no-cache" | "--system" | "--user");
        if !dropped {
            kept.push(written(p, words[k].span));
        }
        k += 1;
    }
    let torch = match (plan.cpu_torch, p.install.tool) {
        (false, _) => String::new(),
        (true, Tool::Pip) => format!(" --extra-index-url {CPU_INDEX}"),
        (true, _) => " --torch-backend=cpu".to_string(),
    };
    Some((
        format!(
            "{}{}{torch}{}",
            kept[0],
            kept[1..].join(" "),
            listed.concat()
        ),
        files,
    ))
}

/// The `NAME=value ` prefixes of the install's command, as written.
fn assignments<'p>(p: &'p PyInstall<'_>) -> &'p str {
    written(p, (p.command.start, p.command.span.0))
}

/// The requirements (`-r`) and constraints (`-c`) files an install names,
/// as context paths; `None` when one is not from the context or names
/// further files, which the layer would not have.
fn named_files(cx: &Checker<'_>, p: &PyInstall<'_>) -> Option<Vec<String>> {
    let at = p.run.index;
    let named = p
        .install
        .requirement_files
        .iter()
        .map(String::as_str)
        .chain(p.install.values_of(&["-c", "--constraint"]));
    let mut files = Vec::new();
    for f in named {
        let rel = cx.origins.context_path(at, &cx.absolute(at, f))?;
        if !names_no_other_file(&cx.read(&rel)?) {
            return None;
        }
        files.push(rel);
    }
    Some(files)
}

/// Whether a requirements file names only packages: no included or
/// constraints file, no local path, no local find-links directory.
fn names_no_other_file(text: &str) -> bool {
    let parsed = parse_requirements_file(text);
    let local = text.lines().any(|line| {
        let first = line.split_whitespace().next().unwrap_or("");
        matches!(first, "-e" | "--editable")
            || first.starts_with("--editable=")
            || first.starts_with(['.', '/'])
            || first.starts_with("file:")
    });
    !local
        && parsed.includes.is_empty()
        && parsed.constraints.is_empty()
        && parsed.find_links.iter().all(|f| f.contains("://"))
}

/// uv sync and poetry: the command as written, told to leave the project
/// out.
fn project_dependencies(p: &PyInstall<'_>) -> Option<String> {
    let has = |w: &str| p.command.words.iter().any(|x| x.text == w);
    let flag = match p.install.tool {
        Tool::UvSync if !has("--no-install-project") => "--no-install-project",
        Tool::Poetry if !has("--no-root") && !has("--only-root") => "--no-root",
        _ => return None,
    };
    let command = written(p, (p.command.start, p.command.span.1));
    Some(format!("{command} {flag}"))
}

/// The manifests uv or poetry reads, and its lock file when there is one,
/// as context paths.
fn manifests(cx: &Checker<'_>, p: &PyInstall<'_>) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for q in &p.requested {
        if let Some((f, _)) = &q.file
            && !files.contains(f)
        {
            files.push(f.clone());
        }
    }
    let lock_name = match p.install.tool {
        Tool::UvSync => "uv.lock",
        _ => "poetry.lock",
    };
    let lock = match p.resolved.project.as_deref() {
        Some("") | None => lock_name.to_string(),
        Some(d) => format!("{d}/{lock_name}"),
    };
    if cx.read(&lock).is_some() {
        files.push(lock);
    }
    files
}
