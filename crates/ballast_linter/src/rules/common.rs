//! Helpers the rules share: size estimates from the `ballast_ml` tables,
//! edits at shell words, and small recognisers.

use ballast_dockerfile::Span;
use ballast_ml::packages;
use ballast_shell::Command;
use ballast_shell::os::{Action, PackageCommand, package_command};

use crate::checker::{Checker, PyInstall};
use crate::finding::Edit;
use ballast_context::runs::{Part, Run};

/// Bytes assumed for a Python package missing from the size table.
pub(crate) use ballast_context::cost::UNKNOWN_PYTHON_PACKAGE as UNKNOWN_PACKAGE;

/// A typical size from the dated table, with its basis.
pub(crate) fn typical(prefix: &str) -> (u64, String) {
    match packages::typical(prefix) {
        Some(t) => (t.bytes, format!("estimate: {}", t.basis)),
        None => (0, "estimate: unknown".to_string()),
    }
}

/// What building on `to` instead of `from` saves, from the base-image table
/// the image model uses; the typical figure `fallback` names when the
/// table does not know one of them.
pub(crate) fn base_saving(from: &str, to: &str, fallback: &str) -> (u64, String) {
    use ballast_ml::images::ImageRef;
    ballast_ml::bases::saving(&ImageRef::parse(from), &ImageRef::parse(to))
        .unwrap_or_else(|| typical(fallback))
}

pub(crate) use ballast_context::cost::Cost;

/// The installed bytes the installs of one RUN add, each package once,
/// with the basis ([`ballast_context::cost::python_cost`]): `None` when
/// nothing they install is known (a project or requirement file ballast
/// could not read, a wheel or URL).
pub(crate) fn installs_size(cx: &Checker<'_>, installs: &[PyInstall<'_>]) -> Option<Cost> {
    let all: Vec<&PyInstall<'_>> = installs.iter().collect();
    sized(cx, &all, false)
}

/// [`installs_size`] of some of a RUN's installs.
pub(crate) fn some_installs_size(cx: &Checker<'_>, installs: &[&PyInstall<'_>]) -> Option<Cost> {
    sized(cx, installs, false)
}

/// [`installs_size`] with `cuda-torch-without-gpu`'s fix applied: torch
/// as the CPU build where that finding fires. What other findings save on
/// the install (its cache) is their effect with that fix made, so the two
/// do not count the CUDA wheels twice.
pub(crate) fn installs_size_after_fixes(
    cx: &Checker<'_>,
    installs: &[PyInstall<'_>],
) -> Option<Cost> {
    let cpu = installs
        .iter()
        .any(|p| crate::rules::ml::cuda_torch_without_gpu::cuda_torch_of(cx, p).is_some());
    let all: Vec<&PyInstall<'_>> = installs.iter().collect();
    let mut cost = sized(cx, &all, cpu)?;
    if cpu {
        cost.basis = format!(
            "{}, with torch from the CPU index (cuda-torch-without-gpu's fix)",
            cost.basis
        );
    }
    Some(cost)
}

fn sized(cx: &Checker<'_>, installs: &[&PyInstall<'_>], cpu_torch: bool) -> Option<Cost> {
    use ballast_context::cost::{PricedInstall, python_installs_cost};
    let first = installs.first()?;
    let priced: Vec<PricedInstall<'_>> = installs
        .iter()
        .map(|p| {
            let bytecode = cx.truthy(p.run.index, None, "UV_COMPILE_BYTECODE");
            PricedInstall::new((&p.install, p.command), &p.resolved, bytecode)
        })
        .collect();
    let at = first.run.index;
    let before = (
        cx.torch_before(at).map(|t| t.line),
        cx.python_installed_before(at),
    );
    python_installs_cost(first.run, &priced, before, cpu_torch)
}

/// Bytes for people, as every command prints them.
pub(crate) use ballast_ml::units::format_bytes as human;

/// How an install command is called: `pip`, `uv pip`, `poetry`.
pub(crate) fn tool_label(tool: ballast_shell::python::Tool) -> &'static str {
    use ballast_shell::python::Tool;
    match tool {
        Tool::Pip => "pip install",
        Tool::UvPip => "uv pip install",
        Tool::UvSync => "uv sync",
        Tool::Poetry => "poetry install",
        Tool::Pdm => "pdm install",
        Tool::Pipenv => "pipenv install",
        Tool::SetupPy => "setup.py install",
        Tool::Conda => "conda install",
        Tool::Mamba => "mamba install",
        Tool::Micromamba => "micromamba install",
    }
}

/// An insertion of ` text` right after word `i` of a command.
pub(crate) fn insert_after_word(part: &Part, cmd: &Command, i: usize, text: &str) -> Option<Edit> {
    if !part.editable {
        return None;
    }
    let w = cmd.words.get(i)?;
    Some(Edit::insert(part.offset + w.span.1, format!(" {text}")))
}

/// OS package commands of a RUN with the part they are in.
pub(crate) fn package_commands(run: &Run) -> Vec<(&Part, &Command, PackageCommand)> {
    run.commands()
        .filter_map(|(p, c)| package_command(c).map(|pc| (p, c, pc)))
        .collect()
}

/// A later RUN of the build (in the stage or the stages built on it) that
/// installs with apt without updating the lists first: it relies on lists an
/// earlier RUN left. Returns its instruction.
pub(crate) fn later_apt_install_without_update(cx: &Checker<'_>, after: usize) -> Option<usize> {
    let stage = cx.stage_of(after)?;
    cx.reachable_runs()
        .filter(|r| r.index > after)
        .filter(|r| {
            cx.stage_of(r.index)
                .is_some_and(|s| s == stage || cx.graph.final_chain(s).contains(&stage))
        })
        .find(|r| {
            let mut updated = false;
            for (_, c) in r.commands() {
                if ballast_shell::misc::installs_os_packages_itself(c) {
                    return false;
                }
                match package_command(c) {
                    Some(pc) if pc.is_apt_update() => updated = true,
                    Some(pc) if pc.manager.is_apt() && pc.action == Action::Install => {
                        return !updated;
                    }
                    _ => {}
                }
            }
            false
        })
        .map(|r| r.index)
}

/// Whether a command deletes `path` (or a parent of it, or its contents).
pub(crate) fn deletes(cmd: &Command, path: &str) -> bool {
    let path = path.trim_end_matches(['/', '*']);
    ballast_shell::misc::removed_paths(cmd).iter().any(|p| {
        let p = normalize_home(p);
        let p = p.trim_end_matches(['*', '/']);
        !p.is_empty() && (path == p || path.starts_with(&format!("{p}/")))
    }) || ballast_shell::misc::cleaned_caches(cmd).contains(&path)
}

/// `~` and `$HOME` as root's home.
pub(crate) fn normalize_home(p: &str) -> String {
    if let Some(rest) = p.strip_prefix("~/") {
        format!("/root/{rest}")
    } else if let Some(rest) = p
        .strip_prefix("$HOME/")
        .or_else(|| p.strip_prefix("${HOME}/"))
    {
        format!("/root/{rest}")
    } else if p == "~" || p == "$HOME" {
        "/root".to_string()
    } else {
        p.to_string()
    }
}

/// The build tools of [`build_tools_kept`] that are dead weight in the image:
/// a compiler the program uses while it runs (a JIT) is not.
pub(crate) fn build_tools_shipped(cx: &Checker<'_>, run: &Run) -> Vec<(Span, String)> {
    let jit = cx.runtime_compiler().is_some();
    let mut tools = build_tools_kept(run);
    tools.retain(|(_, n)| !(jit && ballast_ml::packages::is_runtime_compiler(n)));
    tools
}

/// OS build tools a RUN installs and does not remove again in the same RUN:
/// `(span of the package word, name)`.
pub(crate) fn build_tools_kept(run: &Run) -> Vec<(Span, String)> {
    let cmds = package_commands(run);
    let mut out = Vec::new();
    for (i, (part, cmd, pc)) in cmds.iter().enumerate() {
        if pc.action != Action::Install {
            continue;
        }
        // `apk add --virtual .build-deps ...` removed later by `apk del .build-deps`.
        let virtual_name = cmd
            .words
            .windows(2)
            .find(|w| w[0].text == "--virtual" || w[0].text == "-t")
            .map(|w| w[1].text.clone());
        let later = &cmds[i + 1..];
        let removed = |name: &str| {
            later.iter().any(|(_, _, l)| {
                matches!(l.action, Action::Remove)
                    && (l.packages.iter().any(|w| w.text == name)
                        || virtual_name
                            .as_deref()
                            .is_some_and(|v| l.packages.iter().any(|w| w.text == v)))
            })
        };
        for w in &pc.packages {
            if packages::is_build_tool(&w.text) && !removed(&w.text) {
                out.push((part.span(w.span), w.text.clone()));
            }
        }
    }
    out
}

/// Whether a stage's base already ships compilers (the full `python`
/// images and `buildpack-deps`), so installing build tools adds little.
pub(crate) fn base_has_toolchain(cx: &Checker<'_>, stage: usize) -> Option<String> {
    use ballast_ml::images::{ImageRef, PythonFlavor, python_flavor};
    let (image, _) = cx.base_image(stage)?;
    let r = ImageRef::parse(&image);
    (python_flavor(&r) == Some(PythonFlavor::Full) || r.short_name() == "buildpack-deps")
        .then_some(image)
}

/// The estimated bytes of a set of build tools.
pub(crate) fn build_tools_size(tools: &[String]) -> (u64, String) {
    let toolchain = tools.iter().any(|t| {
        let t = t.split(['=', '/']).next().unwrap_or(t);
        matches!(
            t,
            "build-essential"
                | "build-base"
                | "gcc"
                | "g++"
                | "clang"
                | "gcc-c++"
                | "@development-tools"
                | "development tools"
        ) || t.starts_with("gcc-")
            || t.starts_with("g++-")
    });
    let dev = tools
        .iter()
        .filter(|t| {
            !matches!(
                t.as_str(),
                "build-essential" | "build-base" | "gcc" | "g++" | "clang" | "gcc-c++"
            ) && !t.starts_with("gcc-")
                && !t.starts_with("g++-")
        })
        .count() as u64;
    let (chain, chain_basis) = typical("C/C++ toolchain");
    let (each, each_basis) = typical("development package");
    let each_basis = each_basis.trim_start_matches("estimate: ").to_string();
    let bytes = if toolchain { chain } else { 0 } + dev * each;
    let basis = match (toolchain, dev) {
        (true, 0) => chain_basis,
        (true, n) => format!("{chain_basis}; plus {n} other build package(s), {each_basis}"),
        (false, n) => format!("{n} build package(s), {each_basis}"),
    };
    (bytes, basis)
}

/// The savings kind helper for a checker: whether the target stage looks
/// like a development or test target (dev tools belong there).
pub(crate) fn target_is_dev(cx: &Checker<'_>) -> bool {
    cx.graph.stages[cx.target].name.as_deref().is_some_and(|n| {
        ["dev", "test", "ci", "debug", "notebook", "jupyter", "lint"]
            .iter()
            .any(|k| n.split(['-', '_']).any(|p| p == *k) || n.starts_with(k))
    })
}
