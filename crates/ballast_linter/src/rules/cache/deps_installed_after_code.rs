//! ## What it does
//! Flags a RUN that installs dependencies (pip, uv, poetry, pdm, conda,
//! npm, ...) after the application code, or the whole build context, was
//! copied into its stage or a stage it is built on. One finding per RUN.
//! Copies of build metadata do not count as code: dependency manifests by
//! any name (`requirements-docker.txt`, `vectordb.requirements.txt`,
//! `requirements/`, constraints, lock files, `pyproject.toml`,
//! `poetry.toml`, `setup.cfg`), the README and license a manifest names,
//! version and build-backend files, the Dockerfile itself. Nor do installs
//! that cannot depend on the code or are cheap to rerun: packaging tools
//! only (`pip install -U pip setuptools wheel`), and the project itself
//! on top of dependencies installed before (`--no-deps`, `poetry install`
//! after `--no-root`, `uv sync` after `--no-install-project`, `pip install
//! -e .` after its dependencies). With a build context at hand, what a
//! COPY takes is read from the context.
//!
//! ## Why it matters
//! BuildKit reuses a step only if nothing before it changed. With the code
//! copied first, every one-line code change invalidates the copy, so the
//! install after it runs again: all packages downloaded and installed anew
//! (gigabytes for an ML stack) and the layer pushed and pulled again.
//!
//! ## Example
//! ```dockerfile
//! COPY . /app
//! RUN pip install -r /app/requirements.txt
//! ```
//!
//! Use instead:
//! ```dockerfile
//! COPY requirements.txt /app/
//! RUN pip install -r /app/requirements.txt
//! COPY . /app
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix replaces the code copy with a copy of the manifests the
//! install reads (requirement and constraint files; pyproject.toml with
//! uv.lock, poetry.lock or pdm.lock; Pipfile and Pipfile.lock) and copies
//! the code right after the install. uv, poetry and pdm first install the
//! dependencies only (`--no-install-project`, `--no-root`, `--no-self`),
//! then the project after the code. No fix when a step between the copy and
//! the install might use the code, or the manifests cannot be located.

use ballast_context::walk::Kind;
use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};

use ballast_context::installs::{installs_dependencies, is_project_only, only_packaging_tools};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::{Checker, PyInstall};
use crate::finding::{Finding, Savings};
use crate::rules::common::installs_size;
use ballast_context::copies::is_build_metadata;

pub(crate) static RULE: Rule = Rule {
    code: "BL201",
    name: "deps-installed-after-code",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "Dependencies are installed after the code is copied, so every code change reinstalls them",
    check,
    ..Rule::OPTIONAL
};

/// Whether COPY/ADD `i` brings application code (anything but build
/// metadata: manifests, README, version and build files, the Dockerfile).
pub(crate) fn copies_code(cx: &Checker<'_>, i: usize) -> bool {
    let inst = cx.inst(i);
    if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
        return false;
    }
    let Ok(args) = CopyArgs::parse(inst) else {
        return false;
    };
    // Files named one by one, like `COPY pkg/__init__.py pkg/`, are taken
    // for their version, not their code.
    let named_init = |path: &str| path.ends_with("/__init__.py") || path == "__init__.py";
    if let (Some(ctx), Some(u)) = (cx.context, cx.uses.iter().find(|u| u.instruction == i)) {
        return u.sources.iter().any(|s| {
            s.matched.iter().any(|m| {
                let dir = ctx.context.get(m).is_none_or(|e| e.kind == Kind::Dir);
                ctx.context.under(m).any(|e| {
                    e.kind == Kind::File
                        && !e.excluded
                        && !is_build_metadata(&e.path)
                        && (dir || s.wildcard || !named_init(&e.path))
                })
            })
        });
    }
    args.sources.iter().any(|s| match s {
        CopySource::Path { value, .. } => {
            !value.contains("://") && !is_build_metadata(value) && !named_init(value)
        }
        CopySource::Heredoc { .. } => false,
    })
}

/// What a code COPY takes and which changes it carries, for a message:
/// `copies the code: every code change` for the whole context, else its
/// sources.
fn copied(cx: &Checker<'_>, i: usize) -> String {
    const WHOLE: &str = "copies the code: every code change";
    let Ok(args) = CopyArgs::parse(cx.inst(i)) else {
        return WHOLE.into();
    };
    let paths: Vec<&str> = args
        .sources
        .iter()
        .filter_map(|s| match s {
            CopySource::Path { value, .. } => Some(value.as_str()),
            CopySource::Heredoc { .. } => None,
        })
        .collect();
    if paths.is_empty()
        || paths
            .iter()
            .any(|p| matches!(p.trim_end_matches('/'), "." | "./" | ""))
    {
        return WHOLE.into();
    }
    let shown: Vec<String> = paths.iter().take(2).map(|p| format!("`{p}`")).collect();
    let more = if paths.len() > 2 { ", ..." } else { "" };
    format!("copies {}{more}: every change there", shown.join(", "))
}

/// The instructions of a stage and of the stages it is built on, base first.
fn stage_chain_instructions(cx: &Checker<'_>, stage: usize) -> Vec<usize> {
    let mut chain = cx.graph.final_chain(stage);
    chain.reverse();
    chain
        .into_iter()
        .flat_map(|s| cx.graph.instructions_of(s))
        .collect()
}

/// The code copy the instructions before `i` make in its stage chain.
fn code_copy_before(cx: &Checker<'_>, i: usize) -> Option<usize> {
    let stage = cx.stage_of(i)?;
    stage_chain_instructions(cx, stage)
        .into_iter()
        .filter(|j| *j < i || cx.stage_of(*j) != Some(stage))
        .find(|j| copies_code(cx, *j))
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let Some(copy) = code_copy_before(cx, run.index) else {
            continue;
        };
        let before = cx.installed_before(run.index);
        let copy_inst = cx.inst(copy);
        let mut installs: Vec<PyInstall<'_>> = Vec::new();
        for p in cx.python_installs(run) {
            let r = &p.resolved;
            if installs_dependencies(&p.install, r)
                && !only_packaging_tools(&p.install, r)
                && !is_project_only(&p.install, r, &before)
            {
                installs.push(p);
            }
        }
        if let Some(first) = installs.first() {
            out.push(python_finding(cx, copy, first, &installs));
        }
        // Other ecosystems' installs.
        for (part, cmd) in run.commands() {
            let args: Vec<&str> = cmd.args().collect();
            let js = matches!(cmd.name(), Some("npm" | "yarn" | "pnpm" | "bun"))
                && matches!(
                    args.first(),
                    Some(&"install" | &"ci" | &"i" | &"add") | None
                );
            if js {
                out.push(
                    Finding::new(
                        &RULE,
                        part.span(cmd.span),
                        format!(
                            "`{}` runs after line {} {} reinstalls the dependencies",
                            cmd.name().unwrap_or("npm"),
                            copy_inst.start_line,
                            copied(cx, copy)
                        ),
                    )
                    .help("copy package.json and the lock file first, install, then copy the code")
                    .related(copy_inst.keyword_span, "the code is copied here"),
                );
            }
        }
    }
}

fn python_finding(
    cx: &Checker<'_>,
    copy: usize,
    first: &PyInstall<'_>,
    installs: &[PyInstall<'_>],
) -> Finding {
    let copy_inst = cx.inst(copy);
    // An unpinned torch requirement is satisfied by a torch already there.
    let torch_there = cx.torch_before(first.run.index).is_some();
    let satisfied = |r: &ballast_shell::requirements::Requirement| {
        torch_there
            && r.pinned_version().is_none()
            && ballast_ml::packages::is_torch_family(&r.name)
    };
    let mut names: Vec<String> = Vec::new();
    for p in installs {
        for r in &p.requested {
            if !names.contains(&r.requirement.name) && !satisfied(&r.requirement) {
                names.push(r.requirement.name.clone());
            }
        }
    }
    let what = match names.len() {
        0 => "the dependencies".to_string(),
        1..=4 => format!("{} ({})", plural(names.len()), names.join(", ")),
        n => format!("{} ({}, ...)", plural(n), names[..3].join(", ")),
    };
    let savings = installs_size(cx, installs).map(|c| {
        Savings::rebuild(
            c.bytes,
            format!("{}; reinstalled after each code change", c.basis),
        )
        .assumed(c.assumed)
    });
    let fix = (installs.len() == 1)
        .then(|| crate::rules::reorder::fix(cx, copy, first))
        .flatten();
    Finding::new(
        &RULE,
        first.span(),
        format!(
            "this RUN installs {what} after line {} {} reinstalls them",
            copy_inst.start_line,
            copied(cx, copy)
        ),
    )
    .help("copy only the dependency files first, install, then copy the code")
    .related(copy_inst.keyword_span, "the code is copied here")
    .maybe_savings(savings)
    .maybe_fix(fix)
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 package".to_string()
    } else {
        format!("{n} packages")
    }
}
