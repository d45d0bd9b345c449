//! `ballast fix --restructure`: a single-stage Python service Dockerfile
//! rewritten into the optimized multi-stage form.
//!
//! - a builder stage on the original base: the build tools it installed, a
//!   virtualenv, the dependency manifests copied first, the install with a
//!   cache mount, in the dependency manager's own idiom (pip, uv, poetry,
//!   pdm, pipenv), CPU-only torch when nothing uses a GPU;
//! - a slim runtime stage: runtime OS packages only, the virtualenv and the
//!   application copied (owned by a non-root user), `PYTHONDONTWRITEBYTECODE`
//!   and `PYTHONUNBUFFERED`, and the original ENV, ARG, WORKDIR, EXPOSE,
//!   VOLUME, LABEL, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT and CMD kept;
//! - a `.dockerignore` from the context analysis when there is none, that
//!   keeps every source a COPY of the new file needs.
//!
//! What it cannot restructure safely (several stages, a non-Python or musl
//! or CUDA base, conda, a project installed with `pip install .`, SHELL,
//! ONBUILD) it refuses with the reason, changing nothing.

use ballast_context::copies::context_uses;
use ballast_context::junk;
use ballast_context::suggest::{suggest, verify};
use ballast_dockerfile::stages::{Base, StageGraph, env_pairs};
use ballast_dockerfile::{Dockerfile, Keyword};
use ballast_ml::images::{
    ImageRef, PythonFlavor, cuda_flavor, is_gpu_image, python_flavor, slim_tag,
};
use ballast_ml::packages::{brings_torch, is_build_tool};
use ballast_shell::os::{Action, Manager};
use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};
use crate::rules::common::package_commands;
use crate::rules::cpu_torch::CPU_INDEX;
use crate::{LintError, LintOptions};

/// The restructured project.
#[derive(Debug, Clone)]
pub struct Restructured {
    pub dockerfile: String,
    /// A `.dockerignore` to write (only when the context had none).
    pub dockerignore: Option<String>,
    /// What was decided, for the user.
    pub notes: Vec<String>,
}

/// Why a file was not restructured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Lint(LintError),
    Unsupported(String),
}

fn no(why: impl Into<String>) -> Refusal {
    Refusal::Unsupported(why.into())
}

/// How the dependencies are installed.
struct Plan {
    tool: Tool,
    /// Where the environment lives in both stages.
    venv: String,
    /// ENV lines for the builder before the install.
    builder_env: Vec<String>,
    /// Context files to copy before the install (context-relative), and the
    /// directory (relative to WORKDIR) each goes to.
    manifests: Vec<(String, String)>,
    /// The install commands, with their cache mounts.
    installs: Vec<String>,
}

/// Restructures the target stage of `df`.
pub fn restructure(df: &Dockerfile, options: &LintOptions<'_>) -> Result<Restructured, Refusal> {
    let (graph, target) = crate::stage_model(df, options).map_err(Refusal::Lint)?;
    if graph.stages.len() != 1 {
        return Err(no("the Dockerfile already has several stages"));
    }
    if df.escape != '\\' {
        return Err(no("the escape character is not `\\`"));
    }
    let cx = Checker::new(df, graph, target, options);
    let stage = &cx.graph.stages[target];
    let Base::Image(base) = &stage.base else {
        return Err(no("the stage is not built on an image"));
    };
    let image = ImageRef::parse(base);
    let flavor = python_flavor(&image)
        .ok_or_else(|| no(format!("`{base}` is not an official python image")))?;
    if flavor == PythonFlavor::Alpine || flavor == PythonFlavor::Windows {
        return Err(no(format!("`{base}` is not a Debian-based python image")));
    }
    if cuda_flavor(&image).is_some() || is_gpu_image(&image) {
        return Err(no(
            "CUDA bases keep their runtime flavour: restructure by hand",
        ));
    }
    let (base_literal_span, literal) = cx
        .from_image_span(target)
        .ok_or_else(|| no("cannot read the FROM line"))?;
    let base_text = if literal {
        base_literal_span.text(df.source.as_str()).to_string()
    } else {
        base.clone()
    };
    let runtime_base = {
        let r = ImageRef::parse(&base_text);
        let tag = r.effective_tag().unwrap_or("latest");
        let tag = if tag.contains("slim") {
            tag.to_string()
        } else {
            slim_tag(tag)
        };
        let name = base_text.split('@').next().unwrap_or(&base_text);
        let name = match r.tag {
            Some(t) => &name[..name.len() - t.len() - 1],
            None => name,
        };
        format!("{name}:{tag}")
    };

    let body: Vec<usize> = stage.body.clone().collect();
    for &i in &body {
        match cx.inst(i).keyword {
            Keyword::Shell => return Err(no("SHELL changes how RUN is read")),
            Keyword::Onbuild => return Err(no("ONBUILD instructions")),
            Keyword::User => return Err(no("the file already switches users")),
            _ => {}
        }
    }

    // The Python installs.
    let installs: Vec<PyInstall<'_>> = body
        .iter()
        .filter_map(|i| cx.runs[*i].as_ref())
        .flat_map(|r| cx.python_installs(r))
        .collect();
    if installs.is_empty() {
        return Err(no(
            "no Python dependency install to move into a builder stage",
        ));
    }
    if let Some(p) = installs.iter().find(|p| p.via.is_some()) {
        return Err(Refusal::Unsupported(format!(
            "line {}: dependencies are installed through {}, which a restructure cannot rewrite",
            cx.inst(p.run.index).start_line,
            p.via.as_deref().unwrap_or("another command")
        )));
    }
    let deps: Vec<&PyInstall<'_>> = installs
        .iter()
        .filter(|p| {
            !(p.requested.len() == 1
                && p.requested[0].file.is_none()
                && matches!(
                    p.requested[0].requirement.name.as_str(),
                    "uv" | "poetry" | "pdm" | "pipenv" | "pip" | "setuptools" | "wheel"
                ))
        })
        .collect();
    let Some(main) = deps.first() else {
        return Err(no("only tools are installed, no dependencies"));
    };
    let gpu = cx.gpu_signal();
    let torch = deps.iter().any(|p| {
        p.requested
            .iter()
            .any(|r| brings_torch(&r.requirement.name, &r.requirement.extras))
    });
    let cpu_torch = torch && gpu.is_none() && deps.iter().all(|p| p.gpu_source.is_none());
    let mut notes = Vec::new();
    let workdir = cx.workdir(main.run.index).to_string();
    let plan = plan_install(&cx, &deps, &workdir, cpu_torch, &mut notes)?;
    if cpu_torch && matches!(plan.tool, Tool::Pip | Tool::UvPip) {
        notes
            .push("torch comes from the PyTorch CPU index: nothing in the build uses a GPU".into());
    } else if let Some(g) = &gpu {
        notes.push(format!("torch keeps its default (CUDA) build: {g}"));
    }

    // Steps that install the installers (pip install uv, COPY --from=uv image) go to the builder.
    let install_indices: Vec<usize> = deps.iter().map(|p| p.run.index).collect();
    let mut builder_tools: Vec<String> = Vec::new();
    let mut build_pkgs: Vec<String> = Vec::new();
    let mut runtime_pkgs: Vec<String> = Vec::new();
    let mut runtime_steps: Vec<usize> = Vec::new();
    for &i in &body {
        let inst = cx.inst(i);
        let text = inst_text(df, i);
        match inst.keyword {
            Keyword::Run if install_indices.contains(&i) => {}
            Keyword::Run => {
                let run = cx.runs[i].as_ref().expect("run");
                let pkgs = package_commands(run);
                let py = cx.python_installs(run);
                let all_commands = run.commands().count();
                let cleanup = run
                    .commands()
                    .filter(|(_, c)| c.name() == Some("rm"))
                    .count();
                if !pkgs.is_empty() && pkgs.len() + cleanup == all_commands {
                    for (_, _, pc) in &pkgs {
                        if !matches!(pc.manager, Manager::AptGet | Manager::Apt) {
                            return Err(no(
                                "OS packages are installed with another manager than apt",
                            ));
                        }
                        if pc.action == Action::Install {
                            for w in &pc.packages {
                                let list = if is_build_tool(&w.text) {
                                    &mut build_pkgs
                                } else {
                                    &mut runtime_pkgs
                                };
                                if !list.contains(&w.text) {
                                    list.push(w.text.clone());
                                }
                            }
                        }
                    }
                } else if !py.is_empty() && py.len() == all_commands {
                    // Installing an installer (uv, poetry): the builder needs it.
                    builder_tools.push(text);
                } else {
                    runtime_steps.push(i);
                }
            }
            Keyword::Copy | Keyword::Add if inst.flag("from").is_some() => {
                if text.contains("astral-sh/uv") {
                    builder_tools.push(text);
                } else {
                    runtime_steps.push(i);
                }
            }
            _ => runtime_steps.push(i),
        }
    }
    if flavor == PythonFlavor::Full {
        // The full python image ships the toolchain already.
        let before = build_pkgs.len();
        build_pkgs.retain(|p| {
            !matches!(
                p.split('=').next().unwrap_or(p),
                "build-essential" | "gcc" | "g++" | "make"
            )
        });
        if build_pkgs.len() < before {
            notes.push(format!("the builder stage keeps `{base_text}`, which has compilers; the runtime stage is `{runtime_base}`"));
        }
    }
    if !build_pkgs.is_empty() {
        notes.push(format!(
            "build packages stay in the builder stage: {}",
            build_pkgs.join(", ")
        ));
    }

    // The builder stage.
    let mut b = String::new();
    let from = cx.inst(stage.from);
    let from_text = inst_text(df, stage.from);
    let from_line_start = from_text.len() - (inst_end(df, stage.from) - from.span.start);
    b.push_str(&from_text[..from_line_start]);
    b.push_str("# Restructured by ballast: the dependencies are built into a virtualenv in a\n");
    b.push_str("# builder stage; the slim runtime stage copies it with the application.\n");
    for i in 0..stage.from {
        // Global ARGs (and what precedes the FROM) stay as they are.
        b.push_str(&inst_text(df, i));
    }
    b.push_str(&format!("FROM {base_text} AS builder\n"));
    for &i in &body {
        if cx.inst(i).keyword == Keyword::Arg {
            b.push_str(&inst_text(df, i));
        }
    }
    for &i in &body {
        let inst = cx.inst(i);
        if inst.keyword == Keyword::Env
            && env_pairs(inst).iter().any(|(k, _)| {
                k.starts_with("PIP_")
                    || k.starts_with("UV_")
                    || k.starts_with("POETRY_")
                    || k.starts_with("PDM_")
                    || k.starts_with("PIPENV_")
            })
        {
            b.push_str(&inst_text(df, i));
        }
    }
    if !build_pkgs.is_empty() {
        b.push_str(&apt_install(&build_pkgs));
    }
    for t in &builder_tools {
        b.push_str(t);
    }
    if workdir != "/" {
        b.push_str(&format!("WORKDIR {workdir}\n"));
    }
    for line in &plan.builder_env {
        b.push_str(line);
        b.push('\n');
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (path, dir) in &plan.manifests {
        match groups.iter_mut().find(|(d, _)| d == dir) {
            Some((_, v)) => v.push(path.clone()),
            None => groups.push((dir.clone(), vec![path.clone()])),
        }
    }
    for (dir, paths) in &groups {
        b.push_str(&format!("COPY {} ./{dir}\n", paths.join(" ")));
    }
    for line in &plan.installs {
        b.push_str(line);
        b.push('\n');
    }

    // The runtime stage.
    let mut r = String::from("\n");
    r.push_str(&format!("FROM {runtime_base}\n"));
    r.push_str(&format!(
        "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    VIRTUAL_ENV={venv} \\\n    PATH=\"{venv}/bin:$PATH\"\n",
        venv = plan.venv
    ));
    if !runtime_pkgs.is_empty() {
        r.push_str(&apt_install(&runtime_pkgs));
    }
    r.push_str("RUN useradd --create-home --uid 10001 app\n");
    let mut venv_copied = false;
    let tail_kinds = |k: Keyword| {
        matches!(
            k,
            Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Expose
                | Keyword::Healthcheck
                | Keyword::Stopsignal
                | Keyword::Volume
        )
    };
    let mut tail = String::new();
    for &i in &runtime_steps {
        let inst = cx.inst(i);
        let text = inst_text(df, i);
        match inst.keyword {
            k if tail_kinds(k) => tail.push_str(&text),
            Keyword::Copy | Keyword::Add if inst.flag("from").is_none() => {
                if !venv_copied {
                    r.push_str(&format!(
                        "COPY --from=builder {venv} {venv}\n",
                        venv = plan.venv
                    ));
                    venv_copied = true;
                }
                if inst.flag("chown").is_some() {
                    r.push_str(&text);
                } else {
                    // After the keyword (the text may start with comments).
                    let at = text.len() - (inst_end(df, i) - inst.keyword_span.end);
                    r.push_str(&format!("{} --chown=app:app{}", &text[..at], &text[at..]));
                }
            }
            Keyword::Workdir => {
                r.push_str(&text);
                let wd = cx.workdir(i);
                if wd != "/" && !venv_copied {
                    // The user may write to its working directory.
                    r.push_str(&format!("RUN chown app:app {wd}\n"));
                }
            }
            _ => r.push_str(&text),
        }
    }
    if !venv_copied {
        r.push_str(&format!(
            "COPY --from=builder {venv} {venv}\n",
            venv = plan.venv
        ));
    }
    r.push_str("USER app\n");
    r.push_str(&tail);
    if runtime_steps
        .iter()
        .any(|i| cx.inst(*i).keyword == Keyword::Run)
    {
        notes.push(
            "other RUN steps are kept in the runtime stage, in their order, before USER".into(),
        );
    }

    let dockerfile = format!("{b}{r}");
    let reparsed = Dockerfile::parse(&dockerfile);
    if !reparsed.is_ok() {
        return Err(no(format!(
            "internal: the restructured file does not parse ({})",
            reparsed.errors[0].message
        )));
    }
    let dockerignore = write_ignore(&cx, &reparsed, options, &mut notes);
    Ok(Restructured {
        dockerfile,
        dockerignore,
        notes,
    })
}

/// Where [`inst_text`] of instruction `i` ends in the source (before the
/// newline it adds).
fn inst_end(df: &Dockerfile, i: usize) -> usize {
    let inst = &df.instructions[i];
    let t = &df.source[..inst.span.end];
    if t.ends_with('\n') {
        inst.span.end
    } else {
        inst.span.end + 1
    }
}

/// The text of instruction `i` with its preceding comments, ending in a newline.
fn inst_text(df: &Dockerfile, i: usize) -> String {
    let inst = &df.instructions[i];
    let start = inst
        .comments
        .first()
        .map_or(inst.span.start, |c| c.span.start.min(inst.span.start));
    let start = df.source[..start].rfind('\n').map_or(0, |p| p + 1);
    let mut t = df.source[start..inst.span.end].to_string();
    if !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

fn apt_install(pkgs: &[String]) -> String {
    format!(
        "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends {} \\\n    && rm -rf /var/lib/apt/lists/*\n",
        pkgs.join(" ")
    )
}

/// The install, in the tool's own idiom.
fn plan_install(
    cx: &Checker<'_>,
    deps: &[&PyInstall<'_>],
    workdir: &str,
    cpu_torch: bool,
    notes: &mut Vec<String>,
) -> Result<Plan, Refusal> {
    let tool = deps[0].install.tool;
    if deps.iter().any(|p| p.install.tool != tool) {
        return Err(no("dependencies are installed with several tools"));
    }
    let wd = workdir.trim_end_matches('/');
    // A path the install reads, relative to WORKDIR, and the context file it comes from.
    let manifest = |path: &str| -> Result<(String, String), Refusal> {
        let abs = cx.absolute(deps[0].run.index, path);
        let rel = abs
            .strip_prefix(&format!("{wd}/"))
            .map(str::to_string)
            .ok_or_else(|| no(format!("{path} is outside the working directory")))?;
        let ctx_path = context_source(cx, &abs).unwrap_or_else(|| rel.clone());
        let dir = rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        Ok((ctx_path, dir))
    };
    let lock_files = |names: &[&str]| -> Vec<(String, String)> {
        names
            .iter()
            .filter(|n| cx.context.is_none() || cx.read(n).is_some())
            .map(|n| (n.to_string(), String::new()))
            .collect()
    };
    let text_of = |p: &PyInstall<'_>| {
        let part = p.part;
        part.text[p.command.span.0..p.command.span.1].to_string()
    };
    Ok(match tool {
        Tool::SetupPy => {
            return Err(no(
                "the project is installed with `python setup.py install`; install it with pip first",
            ));
        }
        Tool::Pip | Tool::UvPip => {
            let mut manifests = Vec::new();
            let mut installs = Vec::new();
            for p in deps {
                if p.install.local.iter().any(|l| !l.ends_with(".whl")) {
                    return Err(no(
                        "the project itself is installed (`pip install .`): restructure by hand",
                    ));
                }
                for f in p
                    .install
                    .requirement_files
                    .iter()
                    .chain(&p.install.constraint_files)
                {
                    let m = manifest(f)?;
                    if !manifests.contains(&m) {
                        manifests.push(m);
                    }
                }
                let mut cmd = text_of(p);
                let first_words = if tool == Tool::Pip {
                    "pip install"
                } else {
                    "uv pip install"
                };
                // Run the venv's pip whatever the original called.
                let rest = &cmd[p.command.words[p.install.subcommand].span.1 - p.command.span.0..];
                cmd = format!("{first_words}{rest}");
                if cpu_torch && !cmd.contains("download.pytorch.org") {
                    cmd = if tool == Tool::Pip {
                        cmd.replacen(
                            "pip install",
                            &format!("pip install --extra-index-url {CPU_INDEX}"),
                            1,
                        )
                    } else {
                        cmd.replacen("uv pip install", "uv pip install --torch-backend=cpu", 1)
                    };
                }
                let cache = if tool == Tool::Pip {
                    "/root/.cache/pip"
                } else {
                    "/root/.cache/uv"
                };
                installs.push(format!(
                    "RUN --mount=type=cache,target={cache} \\\n    {cmd}"
                ));
            }
            Plan {
                tool,
                venv: "/opt/venv".into(),
                builder_env: vec![
                    "RUN python -m venv /opt/venv".into(),
                    "ENV VIRTUAL_ENV=/opt/venv PATH=\"/opt/venv/bin:$PATH\"".into(),
                ],
                manifests,
                installs,
            }
        }
        Tool::UvSync => {
            let mut manifests = vec![("pyproject.toml".to_string(), String::new())];
            manifests.extend(lock_files(&["uv.lock"]));
            let frozen = if manifests.len() > 1 { " --frozen" } else { "" };
            notes.push("uv installs the dependencies only (`--no-install-project`); the project runs from the copied source".into());
            if cpu_torch {
                notes.push("torch: `ballast fix --unsafe-fixes` points pyproject.toml at the PyTorch CPU index".into());
            }
            Plan {
                tool,
                venv: "/opt/venv".into(),
                builder_env: vec![
                    "ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv"
                        .into(),
                ],
                manifests,
                installs: vec![format!(
                    "RUN --mount=type=cache,target=/root/.cache/uv \\\n    uv sync{frozen} --no-install-project --no-dev"
                )],
            }
        }
        Tool::Poetry => {
            let mut manifests = vec![("pyproject.toml".to_string(), String::new())];
            manifests.extend(lock_files(&["poetry.lock"]));
            if cpu_torch {
                notes.push("torch: `ballast fix --unsafe-fixes` points pyproject.toml at the PyTorch CPU index".into());
            }
            Plan {
                tool,
                venv: "/opt/venv".into(),
                builder_env: vec![
                    "RUN python -m venv /opt/venv".into(),
                    "ENV VIRTUAL_ENV=/opt/venv PATH=\"/opt/venv/bin:$PATH\" POETRY_VIRTUALENVS_CREATE=false".into(),
                ],
                manifests,
                installs: vec!["RUN --mount=type=cache,target=/root/.cache/pypoetry \\\n    poetry install --no-root --only main --no-interaction".into()],
            }
        }
        Tool::Pdm => {
            let mut manifests = vec![("pyproject.toml".to_string(), String::new())];
            manifests.extend(lock_files(&["pdm.lock"]));
            Plan {
                tool,
                venv: format!("{wd}/.venv"),
                builder_env: vec!["ENV PDM_CHECK_UPDATE=false".into()],
                manifests,
                installs: vec!["RUN --mount=type=cache,target=/root/.cache/pdm \\\n    pdm install --check --prod --no-editable --no-self".into()],
            }
        }
        Tool::Pipenv => {
            let mut manifests = vec![("Pipfile".to_string(), String::new())];
            manifests.extend(lock_files(&["Pipfile.lock"]));
            Plan {
                tool,
                venv: format!("{wd}/.venv"),
                builder_env: vec!["ENV PIPENV_VENV_IN_PROJECT=1".into()],
                manifests,
                installs: vec!["RUN --mount=type=cache,target=/root/.cache/pipenv \\\n    pipenv install --deploy".into()],
            }
        }
        Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            return Err(no(
                "conda environments need conda-pack to move between stages: restructure by hand",
            ));
        }
    })
}

/// The context file a COPY put at absolute path `abs`, when one did.
fn context_source(cx: &Checker<'_>, abs: &str) -> Option<String> {
    use ballast_dockerfile::instructions::{CopyArgs, CopySource};
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            continue;
        }
        let Ok(args) = CopyArgs::parse(inst) else {
            continue;
        };
        let dest = cx.absolute(i, &args.dest);
        let dest = dest.trim_end_matches('/');
        let into_dir = args.dest.ends_with('/')
            || matches!(args.dest.as_str(), "." | "./")
            || args.sources.len() > 1;
        for s in &args.sources {
            let CopySource::Path { value, .. } = s else {
                continue;
            };
            let src = value.trim_end_matches('/').trim_start_matches("./");
            let is_dir = src == "."
                || cx
                    .context
                    .and_then(|c| c.context.get(src))
                    .is_some_and(|e| e.kind == ballast_context::walk::Kind::Dir);
            if is_dir {
                if let Some(rel) = abs.strip_prefix(&format!("{dest}/")) {
                    return Some(if src == "." {
                        rel.to_string()
                    } else {
                        format!("{src}/{rel}")
                    });
                }
            } else {
                let name = src.rsplit('/').next().unwrap_or(src);
                let target = if into_dir {
                    format!("{dest}/{name}")
                } else {
                    dest.to_string()
                };
                if target == abs {
                    return Some(src.to_string());
                }
            }
        }
    }
    None
}

/// A `.dockerignore` for a context that has none, keeping every source the
/// restructured file copies.
fn write_ignore(
    cx: &Checker<'_>,
    new: &Dockerfile,
    options: &LintOptions<'_>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let ctx = cx.context?;
    if ctx.ignore_path.is_some() {
        return None;
    }
    let graph = StageGraph::new(new, &options.build);
    let uses = context_uses(new, &graph, &ctx.context);
    let found = junk::find(&ctx.context);
    let s = suggest(&ctx.context, &found, &uses, None, None);
    if s.excluded_files == 0 {
        return None;
    }
    let dropped = verify(&ctx.context, &uses, &s.text, None);
    if !dropped.is_empty() {
        notes.push(format!(
            "no .dockerignore written: it would drop {}",
            dropped.join(", ")
        ));
        return None;
    }
    notes.push(format!(
        "a .dockerignore keeps {} file(s), {} bytes, out of the context",
        s.excluded_files, s.excluded_bytes
    ));
    Some(s.text)
}
