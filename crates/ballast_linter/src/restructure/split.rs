//! A single-stage Python service split into a builder that installs the
//! dependencies into a virtualenv and a runtime stage that copies it.
//!
//! The builder replays the stage up to its last dependency install: the
//! same base, ARGs, ENVs, WORKDIRs, OS packages and setup steps; the files
//! the installs read are copied first (a requirements file or a project's
//! manifests, at the paths the original gave them), so that the install
//! layer is rebuilt only when they change. The runtime stage (`runtime.rs`) is the
//! original stage, in its order, with the dependency installs (and the
//! installers and compilers they needed) replaced by a copy of the
//! virtualenv where the first install was. Libraries' `-dev` packages stay:
//! they bring the runtime libraries what was built links to.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::Tool;

use super::deps_layer::dependency_layer;
use super::text::{
    bare_text, blank_lines_before, delete_commands, delete_words, edited_run, inst_text,
    script_parts,
};
use super::{Refusal, no, no_at};
use crate::checker::{Checker, PyInstall};
use crate::finding::Edit;
use ballast_ml::torch::CPU_INDEX;

/// The two stages, as text.
pub(super) struct Split {
    pub builder: String,
    pub runtime: String,
    pub notes: Vec<String>,
}

/// What a command of the stage is, for the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Installs Python dependencies: moves to the builder.
    Deps,
    /// Installs an installer (`pip install uv`), upgrades pip, or creates
    /// the virtualenv: the builder needs it, the runtime gets the result.
    Tooling,
    /// Anything else: stays where it is.
    Other,
}

pub(super) struct Plan<'c> {
    pub(super) installs: Vec<PyInstall<'c>>,
    /// Instruction of the last dependency install.
    pub(super) last: usize,
    pub(super) venv: String,
    /// The original creates the virtualenv itself.
    pub(super) own_venv: bool,
    pub(super) tool: Tool,
    pub(super) cpu_torch: bool,
}

pub(super) fn split(cx: &Checker<'_>, runtime_from: &str) -> Result<Split, Refusal> {
    let plan = plan(cx)?;
    let mut notes = Vec::new();
    let builder = builder(cx, &plan, &mut notes)?;
    let runtime = super::runtime::runtime(cx, &plan, runtime_from, &mut notes)?;
    if plan.cpu_torch {
        notes.push(match plan.tool {
            Tool::Pip | Tool::UvPip => "torch comes from the PyTorch CPU index: nothing in the build uses a GPU".into(),
            _ => "torch: nothing uses a GPU; `ballast fix --unsafe-fixes` points pyproject.toml at the PyTorch CPU index".into(),
        });
    }
    Ok(Split {
        builder,
        runtime,
        notes,
    })
}

fn plan<'c>(cx: &'c Checker<'c>) -> Result<Plan<'c>, Refusal> {
    let installs = dependency_installs(cx);
    let Some(first) = installs.first() else {
        return Err(no(
            "no Python dependency install to move into a builder stage",
        ));
    };
    let tool = first.install.tool;
    for p in &installs {
        if let Some(why) = why_not_movable(p, tool) {
            return Err(no_at(cx.inst(p.run.index).start_line, why));
        }
    }
    let first_i = installs[0].run.index;
    let last = installs.last().map(|p| p.run.index).unwrap_or(first_i);
    let (venv, own_venv) = venv_of(cx, &installs);
    let cpu_torch = wants_cpu_torch(cx, &installs);
    Ok(Plan {
        installs,
        last,
        venv,
        own_venv,
        tool,
        cpu_torch,
    })
}

/// The target stage's Python installs that bring dependencies, in order.
fn dependency_installs<'c>(cx: &'c Checker<'c>) -> Vec<PyInstall<'c>> {
    let mut installs = Vec::new();
    for i in cx.graph.stages[cx.target].body.clone() {
        if let Some(run) = &cx.runs[i] {
            installs.extend(
                cx.python_installs(run)
                    .into_iter()
                    .filter(|p| role_of(p) == Role::Deps),
            );
        }
    }
    installs
}

/// Why an install cannot move into a builder stage beside the first's
/// `tool`, if it cannot.
fn why_not_movable(p: &PyInstall<'_>, tool: Tool) -> Option<String> {
    if let Some(via) = &p.via {
        return Some(format!(
            "dependencies are installed through {via}, which a restructure cannot rewrite"
        ));
    }
    let pip_like = |t: Tool| matches!(t, Tool::Pip | Tool::UvPip);
    let why = match p.install.tool {
        Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            "a conda environment needs conda-pack to move between stages"
        }
        Tool::SetupPy => "`python setup.py install` is not a pip install",
        Tool::Pdm | Tool::Pipenv => {
            "pdm and pipenv projects are not restructured (pip, uv and poetry are)"
        }
        t if t != tool && !(pip_like(t) && pip_like(tool)) => {
            "dependencies are installed with several tools"
        }
        _ if p.command.words.first().is_some_and(|w| {
            w.text.starts_with('/')
                && !w.text.contains("/bin/pip")
                && !w.text.contains("/bin/python")
        }) =>
        {
            "the installer is called by an absolute path outside a virtualenv"
        }
        _ => return None,
    };
    Some(why.to_string())
}

/// Whether the builder installs torch from the PyTorch CPU index: torch is
/// installed, nothing uses a GPU, no install names its own torch source,
/// and the user has not turned cuda-torch-without-gpu off (which keeps
/// torch as written).
fn wants_cpu_torch(cx: &Checker<'_>, installs: &[PyInstall<'_>]) -> bool {
    let torch = installs.iter().any(|p| {
        p.requested
            .iter()
            .any(|r| ballast_ml::packages::brings_torch(&r.requirement.name, &r.requirement.extras))
    });
    let cpu_rule_on = cx
        .settings
        .enables(&crate::rules::ml::cuda_torch_without_gpu::RULE);
    torch
        && cpu_rule_on
        && cx.gpu_signal().is_none()
        && installs.iter().all(|p| {
            p.resolved.gpu_source.is_none()
                && p.resolved.accelerator_source.is_none()
                && p.resolved.cpu_source.is_none()
        })
}

/// Whether an install brings dependencies or only tooling.
fn role_of(p: &PyInstall<'_>) -> Role {
    let r = &p.resolved;
    if ballast_context::installs::only_packaging_tools(&p.install, r) {
        Role::Tooling
    } else if ballast_context::installs::installs_dependencies(&p.install, r) {
        Role::Deps
    } else {
        Role::Tooling
    }
}

/// The virtualenv the dependencies go to: the one the original creates
/// (`python -m venv X` with its `bin` on PATH, or `VIRTUAL_ENV`), the
/// project environment of uv, else `/opt/venv`.
fn venv_of(cx: &Checker<'_>, installs: &[PyInstall<'_>]) -> (String, bool) {
    let first = installs[0].run.index;
    if installs[0].install.tool == Tool::UvSync {
        let env = cx
            .var(first, "UV_PROJECT_ENVIRONMENT")
            .map(|v| cx.absolute(first, v));
        return (env.unwrap_or_else(|| cx.absolute(first, ".venv")), true);
    }
    if let Some(v) = cx.var(first, "VIRTUAL_ENV") {
        return (cx.absolute(first, v), true);
    }
    for run in cx.image_runs().filter(|r| r.index <= first) {
        for (_, cmd) in run.commands() {
            if let Some(dir) = crate::preserve::venv_created(cmd) {
                return (cx.absolute(run.index, &dir), true);
            }
        }
    }
    ("/opt/venv".into(), false)
}

/// The role of command `k` of a RUN part, given the stage's dependency installs.
pub(super) fn command_role(
    plan: &Plan<'_>,
    cx: &Checker<'_>,
    run: &crate::runs::Run,
    cmd: &ballast_shell::Command,
) -> Role {
    if plan.installs.iter().any(|p| std::ptr::eq(p.command, cmd)) {
        return Role::Deps;
    }
    if crate::preserve::venv_created(cmd).is_some() {
        return Role::Tooling;
    }
    let tooling = cx
        .python_installs(run)
        .iter()
        .any(|p| std::ptr::eq(p.command, cmd) && role_of(p) == Role::Tooling);
    if tooling { Role::Tooling } else { Role::Other }
}

fn builder(cx: &Checker<'_>, plan: &Plan<'_>, notes: &mut Vec<String>) -> Result<String, Refusal> {
    let df = cx.df;
    let stage = &cx.graph.stages[cx.target];
    let mut b = String::new();
    b.push_str(&from_as_builder(cx));
    if matches!(plan.tool, Tool::UvSync | Tool::UvPip) {
        // As uv's Docker guide: bytecode compiled once at build time, and
        // copies (not links) out of the cache mount.
        b.push_str("ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy\n");
    }
    // Code copies before the last install.
    let code_copies: Vec<usize> = stage
        .body
        .clone()
        .filter(|&i| {
            i < plan.last && crate::rules::cache::deps_installed_after_code::copies_code(cx, i)
        })
        .collect();
    let projects = plan.installs.iter().any(|p| p.resolved.project.is_some());
    let needs_code = projects || step_needs_code(cx, plan, &code_copies);
    let mut venv_made = plan.own_venv;
    let mut layered = false;
    let mut hoisted: Vec<usize> = Vec::new();
    for i in stage.body.clone().filter(|&i| i <= plan.last) {
        if hoisted.contains(&i) {
            continue;
        }
        let inst = cx.inst(i);
        b.push_str(&blank_lines_before(df, i));
        match inst.keyword {
            Keyword::Arg
            | Keyword::Env
            | Keyword::Workdir
            | Keyword::Shell
            | Keyword::User
            | Keyword::Label => {
                b.push_str(&inst_text(df, i));
            }
            Keyword::Copy | Keyword::Add if code_copies.contains(&i) && !needs_code => {
                b.push_str(&read_files_copy(cx, plan, i)?);
            }
            Keyword::Copy | Keyword::Add if code_copies.contains(&i) && projects && !layered => {
                // The project's dependencies first, from its manifests alone.
                if let Some(layer) = dependency_layer(cx, plan, i) {
                    if !venv_made {
                        b.push_str(&make_venv(cx, plan));
                        venv_made = true;
                    }
                    // The steps between the copy and the install that read
                    // no code (installers, OS packages) come first: the
                    // layer needs them.
                    for &j in &layer.hoisted {
                        b.push_str(&inst_text(df, j));
                    }
                    hoisted.extend(layer.hoisted);
                    b.push_str(&layer.text);
                    layered = true;
                }
                b.push_str(&inst_text(df, i));
            }
            Keyword::Copy | Keyword::Add => b.push_str(&inst_text(df, i)),
            Keyword::Run => {
                let run = cx.runs[i].as_ref().expect("run");
                let has_deps = run
                    .commands()
                    .any(|(_, c)| command_role(plan, cx, run, c) == Role::Deps);
                // Every Python install goes into the virtualenv, tools too:
                // what the image needs of them comes with its copy.
                if !venv_made && !cx.python_installs(run).is_empty() {
                    b.push_str(&make_venv(cx, plan));
                    venv_made = true;
                }
                b.push_str(&builder_run(cx, plan, i, has_deps)?);
            }
            _ => {}
        }
    }
    notes.extend(builder_notes(
        plan,
        layered,
        !code_copies.is_empty(),
        needs_code,
    ));
    Ok(b)
}

/// Whether a step between a code copy and the last install, not an install
/// itself, may need the code: the builder then copies it as the original does.
fn step_needs_code(cx: &Checker<'_>, plan: &Plan<'_>, code_copies: &[usize]) -> bool {
    let stage = &cx.graph.stages[cx.target];
    code_copies.iter().any(|&c| {
        stage
            .body
            .clone()
            .filter(|&j| j > c && j < plan.last)
            .any(|j| {
                cx.runs[j].as_ref().is_some_and(|run| {
                    run.commands().any(|(_, cmd)| {
                        command_role(plan, cx, run, cmd) == Role::Other
                            && package_command(cmd).is_none()
                    })
                })
            })
    })
}

/// What the builder stage does for a code change, in words.
fn builder_notes(
    plan: &Plan<'_>,
    layered: bool,
    copies_code: bool,
    needs_code: bool,
) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    if layered {
        notes.push("the builder installs the project's dependencies before copying the code, so a code change reinstalls only the project".into());
        if matches!(plan.tool, Tool::Pip | Tool::UvPip) {
            notes.push("the dependency layer lists the project's requirements as its manifest has them today; the project install after the code copy still installs whatever a later edit adds".into());
        }
    } else if copies_code && !needs_code {
        notes.push("the builder copies only the files the installs read, so a code change keeps the installed dependencies cached".into());
    } else if copies_code {
        notes.push("a step before the install needs the code, so the builder copies it as the original does".into());
    }
    notes
}

/// The original FROM, named `builder`.
fn from_as_builder(cx: &Checker<'_>) -> String {
    let from = cx.graph.stages[cx.target].from;
    let text = bare_text(cx.df, from);
    let line = text.trim_end();
    let base = match line.to_ascii_lowercase().rfind(" as ") {
        Some(at) => &line[..at],
        None => line,
    };
    format!("{base} AS builder\n")
}

/// The virtualenv the builder installs into. On a base without Python of
/// its own (Debian, Ubuntu, CUDA images with Python from apt), the venv
/// module comes from the distribution's `-venv` package.
fn make_venv(cx: &Checker<'_>, plan: &Plan<'_>) -> String {
    let v = &plan.venv;
    let poetry = if plan.tool == Tool::Poetry {
        " POETRY_VIRTUALENVS_CREATE=false"
    } else {
        ""
    };
    let (python, venv_pkg) = match apt_python(cx) {
        Some((python, pkg)) if !base_has_python(cx) => (python, pkg),
        _ => ("python".to_string(), None),
    };
    let install = venv_pkg.map_or(String::new(), |p| {
        format!("RUN apt-get update && apt-get install -y --no-install-recommends {p} && rm -rf /var/lib/apt/lists/*\n")
    });
    // On a base that ships Python packages (torch in a PyTorch image), the
    // virtualenv sees them, as the system install did.
    let system = if uses_official_python(cx) {
        ""
    } else {
        " --system-site-packages"
    };
    format!(
        "{install}RUN {python} -m venv{system} {v}\nENV VIRTUAL_ENV={v} PATH=\"{v}/bin:$PATH\"{poetry}\n"
    )
}

/// Whether the base image brings its own Python (official python images,
/// PyTorch and conda images, images named for Python).
fn base_has_python(cx: &Checker<'_>) -> bool {
    cx.base_image(cx.target).is_some_and(|(b, _)| {
        let image = ballast_ml::images::ImageRef::parse(&b);
        let name = image.short_name().to_ascii_lowercase();
        let tag = image.effective_tag().unwrap_or("").to_ascii_lowercase();
        ballast_ml::images::python_flavor(&image).is_some()
            || ballast_ml::images::ships_torch(&image)
            || name.contains("python")
            || tag.contains("python")
            || name.contains("conda")
            || name.contains("pytorch")
    })
}

/// The interpreter the stage installs with apt (`python3`, `python3.12`)
/// and the venv package it lacks, if any.
fn apt_python(cx: &Checker<'_>) -> Option<(String, Option<String>)> {
    let mut pythons: Vec<String> = Vec::new();
    let mut has_venv = false;
    for run in cx.image_runs() {
        for (_, cmd) in run.commands() {
            let Some(pc) = package_command(cmd)
                .filter(|pc| pc.action == Action::Install && pc.manager.is_apt())
            else {
                continue;
            };
            for w in &pc.packages {
                let n = w.text.split(['=', '/']).next().unwrap_or(&w.text);
                if n.ends_with("-venv") {
                    has_venv = true;
                }
                let versioned = n
                    .strip_prefix("python3.")
                    .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()));
                if versioned || n == "python3" || n == "python3-pip" || n == "pip" {
                    let py = if versioned {
                        n.to_string()
                    } else {
                        "python3".to_string()
                    };
                    if !pythons.contains(&py) {
                        pythons.push(py);
                    }
                }
            }
        }
    }
    // A versioned interpreter (deadsnakes) wins over the distribution's.
    let python = pythons
        .iter()
        .find(|p| p.contains('.'))
        .or(pythons.first())?
        .clone();
    let pkg = (!has_venv).then(|| format!("{python}-venv"));
    Some((python, pkg))
}

fn uses_official_python(cx: &Checker<'_>) -> bool {
    cx.base_image(cx.target).is_some_and(|(b, _)| {
        ballast_ml::images::python_flavor(&ballast_ml::images::ImageRef::parse(&b)).is_some()
    })
}

/// A COPY of the files the installs read from what instruction `i` copies,
/// each at the path the original gave it.
fn read_files_copy(cx: &Checker<'_>, plan: &Plan<'_>, i: usize) -> Result<String, Refusal> {
    let mut lines = String::new();
    let mut seen: Vec<String> = Vec::new();
    for p in &plan.installs {
        let at = p.run.index;
        let mut paths: Vec<String> = p
            .install
            .requirement_files
            .iter()
            .chain(&p.install.constraint_files)
            .cloned()
            .collect();
        // Files the requirement files include (`-r base.txt`) and project manifests.
        for q in &p.requested {
            if let Some((file, _)) = &q.file
                && !paths.contains(file)
            {
                paths.push(format!("@ctx:{file}"));
            }
        }
        for path in paths {
            let (ctx_path, container) = match path.strip_prefix("@ctx:") {
                Some(ctx_file) => match container_path_of(cx, i, ctx_file) {
                    Some(c) => (ctx_file.to_string(), c),
                    None => continue,
                },
                None => {
                    let abs = cx.absolute(at, &path);
                    match cx.origins.context_path(at, &path) {
                        Some(c) if copied_by(cx, i, &c) => (c, abs),
                        _ => continue,
                    }
                }
            };
            if seen.contains(&ctx_path) {
                continue;
            }
            seen.push(ctx_path.clone());
            lines.push_str(&format!("COPY {ctx_path} {container}\n"));
        }
    }
    if lines.is_empty() {
        // The install reads nothing known from this copy: keep it.
        return Ok(inst_text(cx.df, i));
    }
    let _ = plan;
    Ok(lines)
}

/// Whether COPY `i` takes context path `ctx`.
fn copied_by(cx: &Checker<'_>, i: usize, ctx: &str) -> bool {
    cx.uses.iter().filter(|u| u.instruction == i).any(|u| {
        u.sources.iter().any(|s| {
            s.matched
                .iter()
                .any(|m| m.is_empty() || ctx == m || ctx.starts_with(&format!("{m}/")))
        })
    })
}

/// Where COPY `i` puts context file `ctx` (absolute), if it takes it.
pub(super) fn container_path_of(cx: &Checker<'_>, i: usize, ctx: &str) -> Option<String> {
    let inst = cx.inst(i);
    let args = CopyArgs::parse(inst).ok()?;
    let dest = cx.absolute(i, &args.dest);
    let into_dir = args.dest.ends_with('/')
        || args.sources.len() > 1
        || matches!(args.dest.as_str(), "." | "./");
    for s in &args.sources {
        let CopySource::Path { value, .. } = s else {
            continue;
        };
        let src = value.trim_start_matches("./").trim_end_matches('/');
        let src = if src == "." { "" } else { src };
        let is_dir = src.is_empty()
            || cx
                .context
                .and_then(|c| c.context.get(src))
                .is_some_and(|e| e.kind == ballast_context::walk::Kind::Dir);
        let d = dest.trim_end_matches('/');
        if is_dir {
            let rel = if src.is_empty() {
                Some(ctx)
            } else {
                ctx.strip_prefix(&format!("{src}/"))
            };
            if let Some(rel) = rel {
                return Some(format!("{d}/{rel}"));
            }
        } else if src == ctx {
            let name = ctx.rsplit('/').next().unwrap_or(ctx);
            return Some(if into_dir {
                format!("{d}/{name}")
            } else {
                d.to_string()
            });
        }
    }
    None
}

/// A RUN of the builder: the original, with its dependency installs made
/// to install into the virtualenv (no `--system`/`--user`), with a cache
/// mount, and from the CPU index when nothing uses a GPU.
fn builder_run(
    cx: &Checker<'_>,
    plan: &Plan<'_>,
    i: usize,
    has_deps: bool,
) -> Result<String, Refusal> {
    let run = cx.runs[i].as_ref().expect("run");
    if !has_deps {
        return Ok(inst_text(cx.df, i));
    }
    // The cache to mount: the tool's (pip, uv and poetry each have one),
    // unless the RUN mounts it already or runs as another user.
    let cache_mount = plan.tool.root_cache_dir().filter(|&cache| {
        run.mounts
            .iter()
            .all(|m| m.target.as_deref() != Some(cache))
            && cx.runs_as_root(i)
    });
    let mount = cache_mount.is_some();
    let mut edits: Vec<Edit> = Vec::new();
    for p in plan.installs.iter().filter(|p| p.run.index == i) {
        let part = p.part;
        for (k, w) in p.command.words.iter().enumerate() {
            // Into the virtualenv; and with the cache mount, the cache kept.
            let cacheless = mount && matches!(w.text.as_str(), "--no-cache-dir" | "--no-cache");
            if matches!(w.text.as_str(), "--system" | "--user") || cacheless {
                edits.extend(delete_words(part, p.command, &[k]));
            }
        }
        if plan.cpu_torch
            && !part.text[p.command.span.0..p.command.span.1].contains("download.pytorch.org")
        {
            let flag = match p.install.tool {
                Tool::Pip => Some(format!(" --extra-index-url {CPU_INDEX}")),
                Tool::UvPip => Some(" --torch-backend=cpu".to_string()),
                _ => None,
            };
            if let (Some(flag), Some(w)) = (flag, p.command.words.get(p.install.subcommand)) {
                edits.push(Edit::insert(part.offset + w.span.1, flag));
            }
        }
    }
    // What the RUN does after its last install serves the image, not the
    // build (`playwright install`): it runs in the runtime stage only.
    for (_, part) in script_parts(run) {
        let cmds = &part.script.commands;
        let Some(last) = cmds
            .iter()
            .rposition(|c| command_role(plan, cx, run, c) != Role::Other)
        else {
            continue;
        };
        let after: Vec<usize> = (last + 1..cmds.len()).collect();
        if !after.is_empty()
            && let Some(e) = delete_commands(part, &after)
        {
            edits.extend(e);
        }
    }
    let mut text = edited_run(cx.df, i, &edits)
        .ok_or_else(|| no_at(cx.inst(i).start_line, "the install cannot be edited"))?;
    if let Some(cache) = cache_mount {
        let kw = cx.inst(i).keyword_span;
        let at = kw.end - super::text::comment_start(cx.df, i);
        text.insert_str(at, &format!(" --mount=type=cache,target={cache}"));
    }
    Ok(text)
}
