//! ## What it does
//! Flags a dependency install (pip, uv, poetry, pdm, conda, npm, ...) that
//! runs after the application code, or the whole build context, was copied
//! into the same stage. Copies of dependency manifests only
//! (`requirements*.txt`, `pyproject.toml`, lock files) are fine; with a build
//! context at hand, what a COPY takes is read from the context.
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

use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};
use crate::finding::{Finding, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{install_size, is_dependency_manifest};

pub(crate) static RULE: Rule = Rule {
    code: "BL201",
    name: "deps-installed-after-code",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "Dependencies are installed after the code is copied, so every code change reinstalls them",
    hadolint: &[],
    needs_config: false,
    check,
};

/// Whether COPY/ADD `i` brings application code (anything but manifests).
pub(crate) fn copies_code(cx: &Checker<'_>, i: usize) -> bool {
    let inst = cx.inst(i);
    if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
        return false;
    }
    if let (Some(ctx), Some(u)) = (cx.context, cx.uses.iter().find(|u| u.instruction == i)) {
        return u.sources.iter().any(|s| {
            s.matched.iter().any(|m| {
                ctx.context.under(m).any(|e| {
                    e.kind == Kind::File && !e.excluded && !is_dependency_manifest(&e.path)
                })
            })
        });
    }
    let Ok(args) = CopyArgs::parse(inst) else {
        return false;
    };
    args.sources.iter().any(|s| match s {
        CopySource::Path { value, .. } => {
            !value.contains("://")
                && !is_dependency_manifest(value)
                && !value.contains("requirements")
        }
        CopySource::Heredoc { .. } => false,
    })
}

/// Whether an install only adds the project itself on top of dependencies
/// installed earlier (`uv sync` after `uv sync --no-install-project`,
/// `poetry install` after `poetry install --no-root`, `pip install .`).
fn is_project_install(p: &PyInstall<'_>) -> bool {
    matches!(
        p.install.tool,
        Tool::UvSync | Tool::Poetry | Tool::Pdm | Tool::Pipenv
    ) || (p
        .requested
        .iter()
        .all(|r| r.file.as_ref().is_some_and(|(f, _)| f == "pyproject.toml"))
        && p.install.requirement_files.is_empty()
        && p.install.local.iter().any(|l| l == "." || l == "./"))
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for &s in &cx.reachable {
        let mut code_copy: Option<usize> = None;
        let mut installed_before = false;
        for i in cx.graph.instructions_of(s) {
            if code_copy.is_none() && copies_code(cx, i) {
                code_copy = Some(i);
                continue;
            }
            let Some(run) = cx.runs[i].as_ref() else {
                continue;
            };
            let Some(copy) = code_copy else {
                installed_before |= !cx.python_installs(run).is_empty();
                continue;
            };
            for p in cx.python_installs(run) {
                let no_deps = p.install.options.iter().any(|o| {
                    matches!(
                        o.as_str(),
                        "--no-deps" | "--no-dependencies" | "--only-root"
                    )
                });
                let installs_deps = !p.requested.is_empty()
                    || !p.install.requirement_files.is_empty()
                    || !p.install.local.is_empty()
                    || matches!(
                        p.install.tool,
                        Tool::UvSync | Tool::Poetry | Tool::Pdm | Tool::Pipenv
                    );
                // The dependencies were installed before the code: this
                // step only adds the project, and is cheap to rerun.
                if no_deps || !installs_deps || (installed_before && is_project_install(&p)) {
                    continue;
                }
                let savings = (!p.requested.is_empty()).then(|| {
                    let (bytes, basis) = install_size(&p.requested, p.cpu_source.is_some());
                    Savings::rebuild(
                        bytes,
                        format!("{basis}; reinstalled after each code change"),
                    )
                });
                let copy_inst = cx.inst(copy);
                out.push(
                    Finding::new(
                        &RULE,
                        p.span(),
                        format!(
                            "this install runs after line {} copies the code: every code change reinstalls {}",
                            copy_inst.start_line,
                            if p.requested.is_empty() { "the dependencies".to_string() } else { format!("{} package(s)", p.requested.len()) }
                        ),
                    )
                    .help("copy only the dependency files first, install, then copy the code")
                    .related(copy_inst.keyword_span, "the code is copied here")
                    .maybe_savings(savings)
                    .maybe_fix(crate::rules::reorder::fix(cx, copy, &p)),
                );
            }
            // Other ecosystems' installs.
            for (part, cmd) in run.commands() {
                let args: Vec<&str> = cmd.args().collect();
                let js = matches!(cmd.name(), Some("npm" | "yarn" | "pnpm"))
                    && matches!(args.first(), Some(&"install" | &"ci" | &"i") | None);
                if js {
                    out.push(
                        Finding::new(&RULE, part.span(cmd.span), format!("`{}` runs after line {} copies the code: every code change reinstalls the dependencies", cmd.name().unwrap_or("npm"), cx.inst(copy).start_line))
                            .help("copy package.json and the lock file first, install, then copy the code")
                            .related(cx.inst(copy).keyword_span, "the code is copied here"),
                    );
                }
            }
        }
    }
}
