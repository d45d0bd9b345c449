//! What rules see: the Dockerfile with its stage model, which stages reach
//! the target and which end up in its image, every RUN analysed with known
//! variables substituted, the Python installs with their requirements (read
//! from requirement files and pyproject.toml in the context), the GPU
//! signals, and the build context when there is one.

use std::collections::BTreeSet;

use ballast_context::copies::{ContextUse, Transfer, context_uses};
use ballast_dockerfile::instructions::FromArgs;
use ballast_dockerfile::stages::{Base, Scope, StageGraph, env_pairs};
use ballast_dockerfile::{Dockerfile, Instruction, Keyword, Span};
use ballast_ml::images::{ImageRef, is_gpu_image};
use ballast_ml::packages;
use ballast_shell::Command;
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::{Install, Tool, install};
use ballast_shell::requirements::{Requirement, parse_requirement, parse_requirements_file};

use crate::runs::{Part, Run};
use crate::settings::Settings;
use ballast_context::project::BuildContext;

/// Environment variables that say the image is meant for a GPU.
const GPU_ENV: &[&str] = &[
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "NVIDIA_REQUIRE_CUDA",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_HOME",
    "CUDA_PATH",
    "CUDA_VERSION",
    "TORCH_CUDA_ARCH_LIST",
];

/// A requirement an install brings, and where it is written.
#[derive(Debug, Clone)]
pub struct Requested {
    pub requirement: Requirement,
    /// The Dockerfile bytes that name it: the package word, or the `-r`
    /// file word when it comes from a file.
    pub span: Span,
    /// The file and 1-based line it comes from, when not the command line.
    pub file: Option<(String, usize)>,
}

impl Requested {
    /// `torch` or `torch (requirements.txt:3)`.
    pub fn describe(&self) -> String {
        match &self.file {
            Some((f, line)) => format!("{} ({f}:{line})", self.requirement.name),
            None => self.requirement.name.clone(),
        }
    }
}

/// A Python package install inside a RUN.
#[derive(Debug)]
pub struct PyInstall<'r> {
    pub run: &'r Run,
    pub part: &'r Part,
    pub command: &'r Command,
    pub install: Install,
    pub requested: Vec<Requested>,
    /// What makes torch come from a CPU-only source, if anything.
    pub cpu_source: Option<String>,
    /// What makes torch come from an explicit GPU source (a CUDA index).
    pub gpu_source: Option<String>,
}

impl PyInstall<'_> {
    /// The Dockerfile span of the command's word `i`.
    pub fn word_span(&self, i: usize) -> Span {
        self.part.span(self.command.words[i].span)
    }

    /// The span of the whole command.
    pub fn span(&self) -> Span {
        self.part.span(self.command.span)
    }
}

/// The model rules run against.
pub struct Checker<'a> {
    pub df: &'a Dockerfile,
    pub source: &'a str,
    pub graph: StageGraph,
    /// The target stage.
    pub target: usize,
    /// Stages the target needs.
    pub reachable: BTreeSet<usize>,
    /// Stages whose files are in the target image, base first.
    pub image_stages: Vec<usize>,
    /// The RUN analysis of each instruction.
    pub runs: Vec<Option<Run>>,
    pub context: Option<&'a BuildContext>,
    /// What each COPY/ADD takes from the context (with a context).
    pub uses: Vec<ContextUse>,
    /// What BuildKit transfers of the context for the target.
    pub transfer: Transfer,
    pub settings: &'a Settings,
    /// The working directory each instruction runs in (shared: a long path
    /// must not be copied once per instruction).
    workdirs: Vec<std::sync::Arc<str>>,
    /// The USER each instruction runs as (`None`: root, the default).
    users: Vec<Option<std::sync::Arc<str>>>,
    /// Context files changed by earlier fixes.
    overlay: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> Checker<'a> {
    /// Builds the model. `None` when the file has no stage.
    pub fn new(
        df: &'a Dockerfile,
        graph: StageGraph,
        target: usize,
        context: Option<&'a BuildContext>,
        settings: &'a Settings,
        overlay: &'a std::collections::BTreeMap<String, String>,
    ) -> Checker<'a> {
        let reachable = graph.reachable(target);
        let mut image_stages = graph.final_chain(target);
        image_stages.reverse();
        let empty = Scope::default();
        let runs = df
            .instructions
            .iter()
            .enumerate()
            .map(|(i, inst)| {
                let scope = graph.scopes.get(i).unwrap_or(&empty);
                Run::new(i, inst, &df.source, df.escape, scope)
            })
            .collect();
        let uses = context.map_or_else(Vec::new, |c| context_uses(df, &graph, &c.context));
        let transfer = Transfer::of(&uses, &reachable);
        let workdirs = workdirs(df, &graph);
        let users = users(df, &graph);
        Checker {
            df,
            source: &df.source,
            graph,
            target,
            reachable,
            image_stages,
            runs,
            context,
            uses,
            transfer,
            settings,
            workdirs,
            users,
            overlay,
        }
    }

    /// The working directory instruction `i` runs in (`/` when unknown).
    pub fn workdir(&self, i: usize) -> &str {
        self.workdirs.get(i).map_or("/", |w| w)
    }

    /// A container path as absolute, relative ones taken from the working
    /// directory of instruction `i`.
    pub fn absolute(&self, i: usize, path: &str) -> String {
        let path = crate::rules::common::normalize_home(path);
        if path.starts_with('/') {
            path
        } else {
            let wd = self.workdir(i).trim_end_matches('/');
            let rel = path.trim_start_matches("./");
            if rel.is_empty() || rel == "." {
                if wd.is_empty() {
                    "/".into()
                } else {
                    wd.to_string()
                }
            } else {
                format!("{wd}/{rel}")
            }
        }
    }

    pub fn inst(&self, i: usize) -> &'a Instruction {
        &self.df.instructions[i]
    }

    pub fn stage_of(&self, i: usize) -> Option<usize> {
        self.graph.stage_of.get(i).copied().flatten()
    }

    /// Whether instruction `i` is built for the target.
    pub fn is_reachable(&self, i: usize) -> bool {
        self.stage_of(i)
            .is_some_and(|s| self.reachable.contains(&s))
    }

    /// Whether instruction `i` leaves its files in the target image.
    pub fn in_image(&self, i: usize) -> bool {
        self.stage_of(i)
            .is_some_and(|s| self.image_stages.contains(&s))
    }

    /// Whether the Dockerfile has stages whose files do not reach the image
    /// (a builder pattern).
    pub fn has_builder_stages(&self) -> bool {
        self.reachable.len() > self.image_stages.len()
    }

    /// The instructions of the image stages, base first.
    pub fn image_instructions(&self) -> Vec<usize> {
        self.image_stages
            .iter()
            .flat_map(|s| self.graph.instructions_of(*s))
            .collect()
    }

    /// RUNs whose layers are in the image, in build order.
    pub fn image_runs(&self) -> impl Iterator<Item = &Run> {
        self.image_instructions()
            .into_iter()
            .filter_map(|i| self.runs[i].as_ref())
    }

    /// RUNs built for the target, in file order.
    pub fn reachable_runs(&self) -> impl Iterator<Item = &Run> {
        self.runs
            .iter()
            .flatten()
            .filter(|r| self.is_reachable(r.index))
    }

    /// The variables instruction `i` sees.
    pub fn scope(&self, i: usize) -> Option<&Scope> {
        self.graph.scopes.get(i)
    }

    /// The external image a stage is built on (following `FROM <stage>`),
    /// with the index of the FROM naming it.
    pub fn base_image(&self, stage: usize) -> Option<(String, usize)> {
        let mut cur = stage;
        for _ in 0..=self.graph.stages.len() {
            let s = &self.graph.stages[cur];
            match &s.base {
                Base::Image(img) => return Some((img.clone(), s.from)),
                Base::Stage(p) => cur = *p,
                Base::Scratch => return None,
            }
        }
        None
    }

    /// The span of the image word of a stage's FROM, and whether it is
    /// literal (no variables), so it can be edited.
    pub fn from_image_span(&self, stage: usize) -> Option<(Span, bool)> {
        let inst = self.inst(self.graph.stages[stage].from);
        let args = FromArgs::parse(inst).ok()?;
        Some((args.image_span, !args.image.contains('$')))
    }

    /// A variable's known value at instruction `i`.
    pub fn var(&self, i: usize, name: &str) -> Option<&str> {
        self.scope(i).and_then(|s| s.value(name))
    }

    /// Whether a variable is set to a true value (`1`, `true`, `yes`, `on`)
    /// at instruction `i`, in the environment or as a prefix assignment of `cmd`.
    pub fn truthy(&self, i: usize, cmd: Option<&Command>, name: &str) -> bool {
        let inline = cmd.and_then(|c| {
            c.assignments
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        });
        inline.or_else(|| self.var(i, name)).is_some_and(|v| {
            matches!(
                v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
    }

    /// Reads a file of the build context (as changed by earlier fixes).
    pub fn read(&self, rel: &str) -> Option<String> {
        let ctx = self.context?;
        let key = rel.trim_start_matches("./").trim_start_matches('/');
        self.overlay.get(key).cloned().or_else(|| ctx.read(rel))
    }

    /// Reads a file an install names (`-r requirements.txt`), finding it in
    /// the context: as written, relative to the context root, or as the
    /// context file a COPY put at that place.
    pub fn read_install_file(&self, path: &str) -> Option<(String, String)> {
        self.context?;
        if let Some(t) = self.read(path) {
            return Some((path.trim_start_matches("./").to_string(), t));
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        for u in &self.uses {
            for s in &u.sources {
                for m in &s.matched {
                    if m.rsplit('/').next() == Some(base)
                        && let Some(t) = self.read(m)
                    {
                        return Some((m.clone(), t));
                    }
                }
            }
        }
        None
    }

    /// The Python installs of a RUN, with everything they request.
    pub fn python_installs<'r>(&'r self, run: &'r Run) -> Vec<PyInstall<'r>> {
        let mut out = Vec::new();
        for (part, cmd) in run.commands() {
            let Some(inst) = install(cmd) else { continue };
            let mut requested: Vec<Requested> = inst
                .packages
                .iter()
                .map(|(r, w)| Requested {
                    requirement: r.clone(),
                    span: part.span(w.span),
                    file: None,
                })
                .collect();
            let mut cpu = cpu_evidence_in_install(&inst);
            let mut gpu = gpu_evidence_in_install(&inst);
            for (k, v) in cmd
                .assignments
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain(
                    [
                        "PIP_INDEX_URL",
                        "PIP_EXTRA_INDEX_URL",
                        "UV_INDEX_URL",
                        "UV_EXTRA_INDEX_URL",
                        "UV_DEFAULT_INDEX",
                        "UV_INDEX",
                        "UV_TORCH_BACKEND",
                    ]
                    .iter()
                    .filter_map(|k| self.var(run.index, k).map(|v| (*k, v))),
                )
            {
                if k.starts_with("PIP_") || k.starts_with("UV_") {
                    if is_cpu_source(v) {
                        cpu.get_or_insert_with(|| format!("{k}={v}"));
                    } else if is_gpu_source(v) {
                        gpu.get_or_insert_with(|| format!("{k}={v}"));
                    }
                }
            }
            // Requirement files, following their includes.
            let mut pending: Vec<(String, Span)> = Vec::new();
            for (i, w) in cmd.words.iter().enumerate() {
                if inst
                    .requirement_files
                    .iter()
                    .any(|f| w.text == *f || w.text.ends_with(&format!("={f}")))
                {
                    pending.push((
                        w.text.rsplit('=').next().unwrap_or(&w.text).to_string(),
                        part.span(w.span),
                    ));
                } else if i > 0
                    && matches!(
                        cmd.words[i - 1].text.as_str(),
                        "-r" | "--requirement" | "--file" | "-f"
                    )
                    && inst.requirement_files.contains(&w.text)
                {
                    pending.push((w.text.clone(), part.span(w.span)));
                }
            }
            let mut seen = 0;
            while let Some((file, span)) = pending.pop() {
                seen += 1;
                if seen > 20 {
                    break;
                }
                let Some((rel, text)) = self.read_install_file(&file) else {
                    continue;
                };
                let parsed = if rel.ends_with(".yml") || rel.ends_with(".yaml") {
                    environment_yml(&text)
                } else {
                    parse_requirements_file(&text)
                };
                for u in parsed.index_url.iter().chain(&parsed.extra_index_urls) {
                    if is_cpu_source(u) {
                        cpu.get_or_insert_with(|| format!("{u} in {rel}"));
                    } else if is_gpu_source(u) {
                        gpu.get_or_insert_with(|| format!("{u} in {rel}"));
                    }
                }
                requested.extend(parsed.requirements.into_iter().map(|(line, r)| Requested {
                    requirement: r,
                    span,
                    file: Some((rel.clone(), line)),
                }));
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
                pending.extend(parsed.includes.into_iter().map(|i| {
                    let p = if dir.is_empty() {
                        i
                    } else {
                        format!("{dir}/{i}")
                    };
                    (p, span)
                }));
            }
            // Project installs read pyproject.toml (and the lock files).
            let project_install = matches!(inst.tool, Tool::UvSync | Tool::Poetry | Tool::Pdm)
                || inst.local.iter().any(|l| l == "." || l == "./");
            if project_install && let Some(text) = self.read("pyproject.toml") {
                let span = part.span(cmd.span);
                requested.extend(pyproject_requirements(&text).into_iter().map(|(line, r)| {
                    Requested {
                        requirement: r,
                        span,
                        file: Some(("pyproject.toml".to_string(), line)),
                    }
                }));
                for lock in ["pyproject.toml", "uv.lock", "poetry.lock", "pdm.lock"] {
                    if let Some(t) = if lock == "pyproject.toml" {
                        Some(text.clone())
                    } else {
                        self.read(lock)
                    } && (t.contains("download.pytorch.org/whl/cpu") || t.contains("+cpu\""))
                    {
                        cpu.get_or_insert_with(|| format!("the CPU index in {lock}"));
                    }
                }
            }
            if requested
                .iter()
                .any(|r| r.requirement.local_version() == Some("cpu"))
            {
                cpu.get_or_insert_with(|| "a +cpu version".to_string());
            }
            out.push(PyInstall {
                run,
                part,
                command: cmd,
                install: inst,
                requested,
                cpu_source: cpu,
                gpu_source: gpu,
            });
        }
        out
    }

    /// Why the image is meant for a GPU, if anything says so: a GPU base
    /// image, NVIDIA/CUDA environment, GPU-only packages or a CUDA index.
    pub fn gpu_signal(&self) -> Option<String> {
        for &s in &self.reachable {
            if let Some((img, from)) = self.base_image(s)
                && is_gpu_image(&ImageRef::parse(&img))
            {
                return Some(format!(
                    "base image {img} (line {})",
                    self.inst(from).start_line
                ));
            }
        }
        for (i, inst) in self.df.instructions.iter().enumerate() {
            if !self.is_reachable(i) {
                continue;
            }
            if matches!(inst.keyword, Keyword::Env | Keyword::Arg) {
                let names: Vec<String> = if inst.keyword == Keyword::Env {
                    env_pairs(inst).into_iter().map(|(k, _)| k).collect()
                } else {
                    inst.values()
                        .iter()
                        .map(|v| v.split('=').next().unwrap_or(v).to_string())
                        .collect()
                };
                if let Some(n) = names.iter().find(|n| GPU_ENV.contains(&n.as_str())) {
                    return Some(format!(
                        "{} {n} (line {})",
                        inst.keyword_text.to_ascii_uppercase(),
                        inst.start_line
                    ));
                }
            }
            let Some(run) = &self.runs[i] else { continue };
            for p in self.python_installs(run) {
                if let Some(g) = &p.gpu_source {
                    return Some(format!("{g} (line {})", inst.start_line));
                }
                if let Some(r) = p
                    .requested
                    .iter()
                    .find(|r| packages::signals_gpu(&r.requirement.name))
                {
                    return Some(format!(
                        "{} installed (line {})",
                        r.describe(),
                        inst.start_line
                    ));
                }
            }
            for (_, cmd) in run.commands() {
                if let Some(pc) = package_command(cmd).filter(|p| p.action == Action::Install)
                    && let Some(w) = pc.packages.iter().find(|w| {
                        let n = w.text.to_ascii_lowercase();
                        n.starts_with("cuda-")
                            || n.starts_with("libcudnn")
                            || n.starts_with("nvidia-")
                            || n.starts_with("libnvidia")
                    })
                {
                    return Some(format!("{} installed (line {})", w.text, inst.start_line));
                }
            }
        }
        None
    }

    /// Whether the file already relies on BuildKit (a `# syntax=` line,
    /// `RUN --mount`, heredocs, `COPY --link/--exclude/--parents`): a fix
    /// may then use BuildKit features too.
    pub fn uses_buildkit(&self) -> bool {
        self.df.directive("syntax").is_some()
            || self.df.instructions.iter().any(|i| {
                !i.heredocs.is_empty()
                    || i.flags.iter().any(|f| {
                        matches!(
                            f.name(),
                            "mount" | "link" | "exclude" | "parents" | "checksum"
                        )
                    })
            })
    }

    /// The user instruction `i` runs as (`None`: root, the default), from
    /// the USER lines of its stage and the stages it is built on.
    pub fn user_at(&self, i: usize) -> Option<String> {
        self.users.get(i)?.as_deref().map(str::to_string)
    }

    /// Whether instruction `i` runs as root.
    pub fn runs_as_root(&self, i: usize) -> bool {
        self.user_at(i)
            .is_none_or(|u| ballast_ml::images::is_root_user(&u))
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.df.line_col(offset).0
    }
}

/// The USER in force before each instruction, inherited from base stages.
fn users(df: &Dockerfile, graph: &StageGraph) -> Vec<Option<std::sync::Arc<str>>> {
    let mut out = vec![None; df.instructions.len()];
    let mut stage_end: Vec<Option<std::sync::Arc<str>>> = Vec::new();
    for stage in &graph.stages {
        let mut user = match stage.base {
            Base::Stage(p) => stage_end.get(p).cloned().flatten(),
            _ => None,
        };
        for i in std::iter::once(stage.from).chain(stage.body.clone()) {
            out[i] = user.clone();
            let inst = &df.instructions[i];
            if inst.keyword == Keyword::User
                && let Some(v) = inst.values().first()
            {
                user = Some(graph.scopes[i].expand_keep_unknown(v, df.escape).into());
            }
        }
        stage_end.push(user);
    }
    out
}

fn workdirs(df: &Dockerfile, graph: &StageGraph) -> Vec<std::sync::Arc<str>> {
    let root: std::sync::Arc<str> = "/".into();
    let mut out = vec![root.clone(); df.instructions.len()];
    let mut stage_end: Vec<std::sync::Arc<str>> = Vec::new();
    for stage in &graph.stages {
        let mut wd = match stage.base {
            Base::Stage(p) => stage_end.get(p).cloned().unwrap_or_else(|| root.clone()),
            _ => root.clone(),
        };
        for i in std::iter::once(stage.from).chain(stage.body.clone()) {
            let inst = &df.instructions[i];
            if inst.keyword == Keyword::Workdir
                && let Some(v) = inst.values().first()
            {
                let v = graph.scopes[i].expand_keep_unknown(v, df.escape);
                wd = if v.starts_with('/') {
                    v.into()
                } else {
                    format!("{}/{v}", wd.trim_end_matches('/')).into()
                };
            }
            out[i] = wd.clone();
        }
        stage_end.push(wd);
    }
    out
}

/// Whether an index URL or backend selects CPU-only torch.
pub fn is_cpu_source(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    v.contains("/whl/cpu") || v == "cpu" || v.ends_with("+cpu")
}

/// Whether an index URL or backend selects a GPU torch explicitly.
pub fn is_gpu_source(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    v.contains("/whl/cu")
        || v.contains("/whl/rocm")
        || v.starts_with("cu1")
        || v.starts_with("rocm")
}

fn cpu_evidence_in_install(inst: &Install) -> Option<String> {
    inst.index_url
        .iter()
        .chain(&inst.extra_index_urls)
        .find(|u| is_cpu_source(u))
        .map(|u| format!("index {u}"))
        .or_else(|| {
            inst.torch_backend
                .as_deref()
                .filter(|b| *b == "cpu")
                .map(|_| "--torch-backend=cpu".to_string())
        })
}

fn gpu_evidence_in_install(inst: &Install) -> Option<String> {
    inst.index_url
        .iter()
        .chain(&inst.extra_index_urls)
        .find(|u| is_gpu_source(u))
        .map(|u| format!("index {u}"))
        .or_else(|| {
            inst.torch_backend
                .as_deref()
                .filter(|b| is_gpu_source(b))
                .map(|b| format!("--torch-backend={b}"))
        })
}

/// The dependencies of a conda `environment.yml`: conda specs
/// (`numpy=1.26`, `conda-forge::pytorch`) and the `pip:` list, with lines.
/// A reader for the shape conda writes, not a YAML parser.
pub fn environment_yml(text: &str) -> ballast_shell::requirements::RequirementsFile {
    let mut out = ballast_shell::requirements::RequirementsFile::default();
    let mut in_deps = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if !line.starts_with([' ', '\t', '-']) && !trimmed.is_empty() {
            in_deps = trimmed.starts_with("dependencies:");
            continue;
        }
        let Some(item) = trimmed.strip_prefix("- ") else {
            continue;
        };
        let item = item
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if !in_deps || item.is_empty() || item.ends_with(':') {
            continue;
        }
        // `channel::name=version` and `name=version=build` are conda's forms.
        let spec = item.rsplit("::").next().unwrap_or(item);
        let spec = if spec.contains("==") || spec.contains(">=") || spec.contains('<') {
            spec.to_string()
        } else {
            spec.replacen('=', "==", 1)
        };
        let spec: String = spec.split('=').take(3).collect::<Vec<_>>().join("=");
        if let Some(r) = parse_requirement(&spec) {
            out.requirements.push((i + 1, r));
        }
    }
    out
}

/// Dependencies a pyproject.toml declares (`[project].dependencies`,
/// `[tool.poetry.dependencies]`), with their lines.
pub fn pyproject_requirements(text: &str) -> Vec<(usize, Requirement)> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    if let Some(deps) = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
    {
        names.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_string)));
    }
    if let Some(deps) = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        names.extend(deps.keys().filter(|k| *k != "python").cloned());
    }
    names
        .into_iter()
        .filter_map(|raw| {
            let req = parse_requirement(&raw)?;
            let line = text
                .lines()
                .position(|l| {
                    l.contains(&format!("\"{raw}\""))
                        || l.trim_start().starts_with(&format!("{} ", req.name))
                        || l.trim_start().starts_with(&format!("{}=", req.name))
                })
                .map_or(1, |p| p + 1);
            Some((line, req))
        })
        .collect()
}
