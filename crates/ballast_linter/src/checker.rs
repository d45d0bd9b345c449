//! What rules see: the Dockerfile with its stage model, which stages reach
//! the target and which end up in its image, every RUN analysed with known
//! variables substituted, the Python installs with their requirements (read
//! from requirement files and pyproject.toml in the context), the GPU
//! signals, and the build context when there is one.

use std::collections::BTreeSet;

use ballast_context::copies::{ContextUse, Transfer, context_uses};
use ballast_context::installs::{Located, RunInstall, run_installs};
use ballast_context::origins::Origins;
use ballast_dockerfile::instructions::FromArgs;
use ballast_dockerfile::stages::{Base, Scope, StageGraph, env_pairs};
use ballast_dockerfile::{Dockerfile, Instruction, Keyword, Span};
use ballast_ml::images::{ImageRef, is_accelerator_image, is_gpu_image, ships_torch};
use ballast_ml::packages;
use ballast_ml::torch::{TorchSource, source_of};
use ballast_shell::Command;
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::Install;
use ballast_shell::requirements::Requirement;

use crate::settings::Settings;
use ballast_context::project::BuildContext;
use ballast_context::runs::{Part, Run};

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
    /// What makes torch come from another accelerator's index (XPU,
    /// Neuron, NPU), or the project's manifest choosing it per extra.
    pub accelerator_source: Option<String>,
    /// The project installed (its context directory), if the install is one.
    pub project: Option<String>,
    /// Requirement files or projects the install reads that are not where
    /// the build puts them: what they bring is unknown.
    pub unread: Vec<String>,
    /// The install runs inside another command's script (`make install`):
    /// where. Its words are not the Dockerfile's: no fix edits them.
    pub via: Option<String>,
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

    /// An insertion of ` text` after the install's subcommand (`pip
    /// install`), when its words are the Dockerfile's.
    pub fn insert_after_subcommand(&self, text: &str) -> Option<crate::finding::Edit> {
        if self.via.is_some() {
            return None;
        }
        crate::rules::common::insert_after_word(
            self.part,
            self.command,
            self.install.subcommand,
            text,
        )
    }

    /// The install as [`ballast_context::installs`] resolves it (without
    /// spans), for the judgements that live there.
    pub fn resolved(&self) -> ballast_context::installs::Resolved {
        ballast_context::installs::Resolved {
            requested: self
                .requested
                .iter()
                .map(|r| ballast_context::installs::Requested {
                    requirement: r.requirement.clone(),
                    word: 0,
                    file: r.file.clone(),
                })
                .collect(),
            cpu_source: self.cpu_source.clone(),
            gpu_source: self.gpu_source.clone(),
            accelerator_source: self.accelerator_source.clone(),
            torch_chosen_by_project: None,
            project: self.project.clone(),
            unread: self.unread.clone(),
        }
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
    /// Which context file a COPY or bind mount put at a container path.
    pub origins: Origins<'a>,
    pub settings: &'a Settings,
    /// Base images a registry or the daemon described (`--resolve-bases`).
    pub bases: &'a ballast_ml::bases::ResolvedBases,
    /// The working directory each instruction runs in (shared: a long path
    /// must not be copied once per instruction).
    workdirs: Vec<std::sync::Arc<str>>,
    /// The USER each instruction runs as (`None`: root, the default).
    users: Vec<Option<std::sync::Arc<str>>>,
    /// Context files changed by earlier fixes.
    overlay: &'a std::collections::BTreeMap<String, String>,
    /// Where torch already is before each instruction (computed on first use).
    torch: std::cell::OnceCell<Vec<Option<TorchOrigin>>>,
    installed: std::cell::OnceCell<Vec<BTreeSet<&'static str>>>,
    /// The Python installs of each RUN (computed on first use).
    resolved: Vec<std::cell::OnceCell<Vec<Located>>>,
    /// What the container runs at start (computed on first use).
    start: std::cell::OnceCell<Vec<String>>,
    /// Whether the target is a development image (computed on first use).
    dev: std::cell::OnceCell<bool>,
    /// The Dockerfile's path as shown, if any.
    path: Option<&'a str>,
    /// What the rules could not do, for the user (see [`Checker::note`]).
    notes: std::cell::RefCell<Vec<String>>,
}

/// System locations: what the build installs there is read, not written,
/// by the app.
pub fn is_system_path(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p.is_empty()
        || [
            "/usr",
            "/etc",
            "/lib",
            "/lib64",
            "/bin",
            "/sbin",
            "/var/lib",
            "/var/cache",
            "/proc",
            "/sys",
            "/boot",
            "/root",
        ]
        .iter()
        .any(|s| p == *s || p.starts_with(&format!("{s}/")))
        || p == "/opt"
        || p == "/var"
}

/// Whether a shell text installs a Python project editable
/// (`pip install -e`, `--editable`, also through uv).
fn installs_editable(text: &str) -> bool {
    ballast_shell::parse(text).commands.iter().any(|c| {
        ballast_shell::python::install(c).is_some_and(|i| {
            let editable = ["-e", "--editable"];
            i.has_option(&editable) || i.values_of(&editable).next().is_some()
        })
    })
}

/// Where torch already is in a stage: installed by an earlier RUN (or
/// shipped by the base image), and whether that was the CPU build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchOrigin {
    /// The 1-based line of the instruction that put it there.
    pub line: usize,
    /// It came from a CPU-only source.
    pub cpu: bool,
}

impl<'a> Checker<'a> {
    /// Builds the model. `None` when the file has no stage.
    pub fn new(
        df: &'a Dockerfile,
        graph: StageGraph,
        target: usize,
        options: &'a crate::LintOptions<'a>,
    ) -> Checker<'a> {
        let context = options.context;
        let settings = &options.settings;
        let overlay = &options.overlay;
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
        let origins = Origins::new(df, &graph, context.map(|c| &c.context));
        let workdirs = graph.workdirs(df);
        let users = graph.users(df);
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
            origins,
            settings,
            bases: &options.bases,
            workdirs,
            users,
            overlay,
            torch: std::cell::OnceCell::new(),
            installed: std::cell::OnceCell::new(),
            resolved: vec![std::cell::OnceCell::new(); df.instructions.len()],
            start: std::cell::OnceCell::new(),
            dev: std::cell::OnceCell::new(),
            path: options.path.as_deref(),
            notes: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Records something a rule could not do (a tool missing), once.
    pub fn note(&self, note: String) {
        let mut notes = self.notes.borrow_mut();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// The notes the rules recorded.
    pub fn notes(&self) -> Vec<String> {
        self.notes.borrow().clone()
    }

    /// Whether the target is a development image, not one that ships: a
    /// Dockerfile under `.devcontainer/` or a test directory (`tests/`,
    /// `e2e/`, `loadtest/`), or named for development
    /// (`Dockerfile.dev`, `dev.Dockerfile`), or a target stage named so
    /// (`dev`, `test`, `ci`, `debug`, `notebook`, `lint`). Rules about what
    /// a production image should not carry (dev tools, compilers, a full
    /// base, root) do not judge these. A container that installs the
    /// project editable when it starts (`pip install -e .` in its start
    /// script) is one too: it is made to work on the code; so is a
    /// workstation image that installs a graphical desktop (xfce4, ...).
    pub fn is_dev_image(&self) -> bool {
        *self.dev.get_or_init(|| self.judge_dev_image())
    }

    fn judge_dev_image(&self) -> bool {
        let by_path = self.project_path().is_some_and(|p| {
            let p = p.to_ascii_lowercase();
            let name = p.rsplit('/').next().unwrap_or(&p);
            let named_dev = ["dockerfile", "containerfile"].iter().any(|b| {
                ["dev", "development"].iter().any(|d| {
                    name == format!("{b}.{d}")
                        || name == format!("{b}-{d}")
                        || name == format!("{b}_{d}")
                        || name == format!("{d}.{b}")
                        || name.ends_with(&format!(".{d}.{b}"))
                })
            });
            // Images for the test suite: mocks, load tests, end-to-end runs.
            let dirs: Vec<&str> = p.split('/').rev().skip(1).collect();
            let test_dir = dirs.iter().any(|d| {
                [
                    "test",
                    "tests",
                    "testing",
                    "e2e",
                    "loadtest",
                    "load-test",
                    "load_test",
                ]
                .contains(d)
            });
            named_dev || test_dir
        });
        // A `.devcontainer` directory is one wherever the project lives.
        let devcontainer = self.path.is_some_and(|p| {
            std::path::Path::new(p)
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == ".devcontainer")
        });
        by_path
            || devcontainer
            || crate::rules::common::target_is_dev(self)
            || self.start_texts().iter().any(|t| installs_editable(t))
            || self.image_runs().any(|r| {
                crate::rules::common::package_commands(r)
                    .iter()
                    .any(|(_, _, pc)| {
                        pc.packages
                            .iter()
                            .any(|w| ballast_ml::packages::is_desktop_environment(&w.text))
                    })
            })
    }

    /// The Dockerfile's path inside the project: as given when relative
    /// (from where the user works), else relative to the build context when
    /// it is in it, else its file name alone (directories above the project
    /// say nothing about it).
    fn project_path(&self) -> Option<String> {
        let shown = std::path::Path::new(self.path?);
        let rel = if shown.is_relative() {
            shown.to_path_buf()
        } else {
            let inside = self.context.and_then(|c| {
                let root = std::path::absolute(&c.root).ok()?;
                shown.strip_prefix(root).ok().map(|r| r.to_path_buf())
            });
            match inside {
                Some(r) => r,
                None => std::path::PathBuf::from(shown.file_name()?),
            }
        };
        Some(
            rel.to_string_lossy()
                .replace('\\', "/")
                .trim_start_matches("./")
                .to_string(),
        )
    }

    /// What the container runs when it starts: the command line of the
    /// last ENTRYPOINT (else CMD) of the image, then the text of each
    /// script it names, read from the build context where a COPY put it.
    pub fn start_texts(&self) -> &[String] {
        self.start.get_or_init(|| {
            let start: Vec<usize> = self
                .image_instructions()
                .into_iter()
                .filter(|i| matches!(self.inst(*i).keyword, Keyword::Entrypoint | Keyword::Cmd))
                .collect();
            let last = start
                .iter()
                .rev()
                .find(|i| self.inst(**i).keyword == Keyword::Entrypoint)
                .or_else(|| start.last())
                .copied();
            let Some(i) = last else { return Vec::new() };
            let words: Vec<String> = self
                .inst(i)
                .values()
                .iter()
                .map(|v| v.to_string())
                .collect();
            let mut out = vec![words.join(" ")];
            out.extend(
                words
                    .iter()
                    .filter(|w| w.ends_with(".sh") || w.starts_with('/') || w.starts_with("./"))
                    .filter_map(|w| self.origins.context_path(i, w))
                    .filter_map(|rel| self.read(&rel)),
            );
            out
        })
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

    /// Whether what stage `s` installs can end up in the image: it is an
    /// image stage, or an image stage copies a directory out of it (a
    /// builder's virtualenv or site-packages), directly or through other
    /// stages. A stage only read for one file (`COPY --from=testing
    /// /app/test_results.txt`) does not.
    pub fn stage_reaches_image(&self, s: usize) -> bool {
        let mut reached: Vec<usize> = self.image_stages.clone();
        let mut i = 0;
        while i < reached.len() {
            let t = reached[i];
            i += 1;
            for d in &self.graph.stages[t].dependencies {
                if d.kind != ballast_dockerfile::stages::DependencyKind::CopyFrom
                    || reached.contains(&d.stage)
                {
                    continue;
                }
                let copies_dir =
                    ballast_dockerfile::instructions::CopyArgs::parse(self.inst(d.instruction))
                        .is_ok_and(|a| {
                            a.sources.iter().any(|src| match src {
                                ballast_dockerfile::instructions::CopySource::Path {
                                    value,
                                    ..
                                } => {
                                    let last = value
                                        .trim_end_matches('/')
                                        .rsplit('/')
                                        .next()
                                        .unwrap_or("");
                                    value.ends_with('/')
                                        || !last.contains('.')
                                        || last.starts_with("python")
                                }
                                _ => false,
                            })
                        });
                if copies_dir {
                    reached.push(d.stage);
                }
            }
        }
        reached.contains(&s)
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

    /// Why the image compiles native code when it runs, if it does: a
    /// distribution that JIT-compiles kernels (deepspeed, vLLM, FlashInfer;
    /// `ballast_ml::packages::COMPILES_AT_RUNTIME`) installed in an image
    /// stage, or `ENV TORCH_CUDA_ARCH_LIST` set for torch's extension
    /// builder. Such an image needs its compilers and CUDA toolkit.
    pub fn runtime_compiler(&self) -> Option<String> {
        for run in self.image_runs() {
            for p in self.python_installs(run) {
                let project = p.project.as_deref().and_then(|dir| {
                    ballast_context::manifests::project_name(dir, &|f| self.read(f))
                });
                let names = p
                    .requested
                    .iter()
                    .map(|r| r.requirement.name.clone())
                    .chain(project);
                for name in names {
                    if let Some(how) = ballast_ml::packages::compiles_at_runtime(&name) {
                        let line = self.inst(run.index).start_line;
                        return Some(format!("{name} (line {line}) {how}"));
                    }
                }
            }
        }
        self.image_instructions().into_iter().find_map(|i| {
            let inst = self.inst(i);
            (inst.keyword == Keyword::Env
                && env_pairs(inst)
                    .iter()
                    .any(|(k, _)| k == "TORCH_CUDA_ARCH_LIST"))
            .then(|| {
                format!(
                    "ENV TORCH_CUDA_ARCH_LIST (line {}) sets up torch's CUDA extension builds",
                    inst.start_line
                )
            })
        })
    }

    /// Directories the image's RUNs create with `mkdir` for the app to use:
    /// (absolute path, 1-based line). System locations (`/usr`, `/etc`,
    /// `/var/lib`, ...) hold what the build installs, not what the app
    /// writes, and are left out.
    pub fn created_dirs(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for run in self.image_runs() {
            for (_, cmd) in run.commands() {
                if cmd.name() != Some("mkdir") {
                    continue;
                }
                for a in cmd.args().filter(|a| !a.starts_with('-')) {
                    let abs = self.absolute(run.index, a);
                    if !is_system_path(&abs) && !out.iter().any(|(d, _)| *d == abs) {
                        out.push((abs, self.inst(run.index).start_line));
                    }
                }
            }
        }
        out
    }

    /// A user the image's RUNs create (`useradd`, `adduser`), if any.
    pub fn created_user(&self) -> Option<String> {
        self.image_runs().find_map(|run| {
            run.commands().find_map(|(_, cmd)| {
                if !matches!(cmd.name(), Some("useradd" | "adduser")) {
                    return None;
                }
                // The name is the last word that is not an option or its value.
                let args: Vec<&str> = cmd.args().collect();
                let mut name = None;
                let mut k = 0;
                while k < args.len() {
                    let a = args[k];
                    if a.starts_with('-') {
                        let takes_value = !a.contains('=')
                            && matches!(
                                a,
                                "-u" | "--uid"
                                    | "-g"
                                    | "--gid"
                                    | "-G"
                                    | "--groups"
                                    | "-d"
                                    | "--home"
                                    | "--home-dir"
                                    | "-s"
                                    | "--shell"
                                    | "-c"
                                    | "--comment"
                                    | "--gecos"
                                    | "--ingroup"
                                    | "-K"
                                    | "-k"
                                    | "--skel"
                                    | "-e"
                                    | "-f"
                            );
                        k += 1 + usize::from(takes_value);
                        continue;
                    }
                    name = Some(a.to_string());
                    k += 1;
                }
                name
            })
        })
    }

    /// Why the image stages compile code, if they do: a compiler or build
    /// system run (`nvcc`, `cmake`, `make`, `gcc`, `python setup.py build`),
    /// or, with `installs`, a Python install that builds from source
    /// (`--no-build-isolation`, `CMAKE_ARGS`, llama-cpp-python, flash-attn).
    pub fn compiles_in_image(&self, installs: bool) -> Option<String> {
        for run in self.image_runs() {
            let line = self.inst(run.index).start_line;
            for (_, cmd) in run.commands() {
                let name = cmd.name().unwrap_or("");
                let setup_build = name.starts_with("python")
                    && cmd.args().next() == Some("setup.py")
                    && cmd.args().nth(1).is_some_and(|a| {
                        matches!(
                            a,
                            "build" | "build_ext" | "install" | "develop" | "bdist_wheel"
                        )
                    });
                if matches!(
                    name,
                    "nvcc"
                        | "cmake"
                        | "make"
                        | "ninja"
                        | "gcc"
                        | "g++"
                        | "cc"
                        | "c++"
                        | "clang"
                        | "cargo"
                ) || setup_build
                {
                    return Some(format!("line {line} runs `{name}`"));
                }
            }
            if installs {
                for p in self.python_installs(run) {
                    let env_build = p
                        .command
                        .assignments
                        .iter()
                        .any(|(k, _)| k == "CMAKE_ARGS" || k.starts_with("NVCC"));
                    let source = p
                        .requested
                        .iter()
                        .find(|r| ballast_ml::packages::built_from_source(&r.requirement.name));
                    if p.install.has_option(&["--no-build-isolation"])
                        || env_build
                        || source.is_some()
                    {
                        return Some(format!("line {line} builds Python packages from source"));
                    }
                }
            }
        }
        None
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
        self.graph
            .base_image(stage)
            .map(|(img, from)| (img.to_string(), from))
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
        let inline = cmd.and_then(|c| c.assignment(name));
        inline
            .or_else(|| self.var(i, name))
            .is_some_and(ballast_shell::python::truthy)
    }

    /// Reads a file of the build context (as changed by earlier fixes).
    pub fn read(&self, rel: &str) -> Option<String> {
        let ctx = self.context?;
        let key = rel.trim_start_matches("./").trim_start_matches('/');
        self.overlay.get(key).cloned().or_else(|| ctx.read(rel))
    }

    /// The Python installs of a RUN, with everything they request: named
    /// packages, requirement files and projects traced through the copies
    /// to the context ([`ballast_context::installs`]).
    pub fn python_installs<'r>(&'r self, run: &'r Run) -> Vec<PyInstall<'r>> {
        self.run_installs(run)
            .into_iter()
            .map(|ri| {
                let RunInstall {
                    part,
                    command,
                    install,
                    resolved: r,
                    via,
                } = ri;
                let requested = r
                    .requested
                    .into_iter()
                    .map(|q| Requested {
                        span: command
                            .words
                            .get(q.word)
                            .map_or(part.span(command.span), |w| part.span(w.span)),
                        requirement: q.requirement,
                        file: q.file,
                    })
                    .collect();
                PyInstall {
                    run,
                    part,
                    command,
                    install,
                    requested,
                    cpu_source: r.cpu_source,
                    gpu_source: r.gpu_source,
                    accelerator_source: r.accelerator_source.or(r.torch_chosen_by_project),
                    project: r.project,
                    unread: r.unread,
                    via,
                }
            })
            .collect()
    }

    /// The Python installs of a RUN, resolved once per RUN of this
    /// Dockerfile (many rules and the image model ask).
    fn run_installs<'r>(&'r self, run: &'r Run) -> Vec<RunInstall<'r>> {
        let resolve = || {
            let files = InstallFiles {
                cx: self,
                at: run.index,
            };
            run_installs(run, self.workdir(run.index), &files)
        };
        let own = self
            .runs
            .get(run.index)
            .and_then(Option::as_ref)
            .is_some_and(|r| std::ptr::eq(r, run));
        if !own {
            return resolve();
        }
        self.resolved[run.index]
            .get_or_init(|| resolve().into_iter().map(|i| Located::of(run, i)).collect())
            .iter()
            .map(|l| l.restore(run))
            .collect()
    }

    /// What a RUN adds to its layer, estimated from its Python and OS
    /// installs ([`ballast_context::cost::run_cost`]).
    pub fn run_cost(&self, run: &Run) -> Option<ballast_context::cost::Cost> {
        ballast_context::cost::installs_cost(
            run,
            &self.run_installs(run),
            ballast_context::cost::Present {
                torch: self.torch_before(run.index).map(|t| t.line),
                python: self.python_installed_before(run.index),
                uv_compile_bytecode: self.truthy(run.index, None, "UV_COMPILE_BYTECODE"),
            },
            self.os_base(run.index),
        )
    }

    /// The base image instruction `i` runs on, for sizing OS packages.
    pub fn os_base(&self, i: usize) -> ballast_context::cost::OsBase {
        let base = self.stage_of(i).and_then(|s| self.base_image(s));
        ballast_context::cost::OsBase::of(base.as_ref().map(|(img, _)| img.as_str()))
    }

    /// What the Python installs of instruction `i`'s stage, and of the
    /// stages it is built on, installed before it.
    pub fn installed_before(&self, i: usize) -> ballast_context::installs::Installed {
        let mut out = ballast_context::installs::Installed::default();
        let Some(stage) = self.stage_of(i) else {
            return out;
        };
        let mut chain = self.graph.final_chain(stage);
        chain.reverse();
        for j in chain
            .into_iter()
            .flat_map(|s| self.graph.instructions_of(s))
        {
            if j >= i && self.stage_of(j) == Some(stage) {
                break;
            }
            if let Some(run) = self.runs[j].as_ref() {
                for p in self.python_installs(run) {
                    out.add(&p.install, &p.resolved());
                }
            }
        }
        out
    }

    /// Where torch already is when instruction `i` runs: an earlier RUN of
    /// its stage (or of the stages it is built on) installed it, or the
    /// base image ships it. An install of packages that depend on torch
    /// then keeps that torch instead of bringing the default CUDA build.
    pub fn torch_before(&self, i: usize) -> Option<&TorchOrigin> {
        self.torch
            .get_or_init(|| self.torch_states())
            .get(i)
            .and_then(Option::as_ref)
    }

    fn torch_states(&self) -> Vec<Option<TorchOrigin>> {
        let mut at = vec![None; self.df.instructions.len()];
        let mut stage_end: Vec<Option<TorchOrigin>> = Vec::new();
        for (s, stage) in self.graph.stages.iter().enumerate() {
            let mut state = match &stage.base {
                Base::Stage(p) => stage_end.get(*p).cloned().flatten(),
                Base::Image(img) if ships_torch(&ImageRef::parse(img)) => Some(TorchOrigin {
                    line: self.inst(stage.from).start_line,
                    cpu: img.contains("cpu"),
                }),
                _ => None,
            };
            for i in self.graph.instructions_of(s) {
                at[i] = state.clone();
                let Some(run) = &self.runs[i] else { continue };
                for p in self.python_installs(run) {
                    let explicit = p.requested.iter().any(|r| {
                        packages::TORCH_FAMILY.contains(
                            &ballast_ml::python::normalize_name(&r.requirement.name).as_str(),
                        )
                    });
                    let brings = explicit
                        || (!p.install.without_dependencies()
                            && p.requested.iter().any(|r| {
                                packages::brings_torch(&r.requirement.name, &r.requirement.extras)
                            }));
                    if brings && (state.is_none() || explicit) {
                        state = Some(TorchOrigin {
                            line: self.inst(i).start_line,
                            cpu: p.cpu_source.is_some(),
                        });
                    }
                }
                if ballast_context::cost::uninstalled(run, false).contains("torch") {
                    state = None;
                }
            }
            stage_end.push(state);
        }
        at
    }

    /// The Python distributions of the size table that earlier RUNs of the
    /// stage (or of the stages it is built on) installed before
    /// instruction `i`: pip finds them satisfied, so a later install adds
    /// only the rest (one home for "installed once": the model, the
    /// savings and `rebuild` all size installs through it).
    pub fn python_installed_before(&self, i: usize) -> &BTreeSet<&'static str> {
        &self.installed.get_or_init(|| self.installed_states())[i]
    }

    fn installed_states(&self) -> Vec<BTreeSet<&'static str>> {
        let mut at = vec![BTreeSet::new(); self.df.instructions.len()];
        let mut stage_end: Vec<BTreeSet<&'static str>> = Vec::new();
        for (s, stage) in self.graph.stages.iter().enumerate() {
            let mut state = match &stage.base {
                Base::Stage(p) => stage_end.get(*p).cloned().unwrap_or_default(),
                _ => BTreeSet::new(),
            };
            for i in self.graph.instructions_of(s) {
                at[i] = state.clone();
                let Some(run) = &self.runs[i] else { continue };
                let mut installs = ballast_ml::distributions::Installs::default();
                for p in self.python_installs(run) {
                    for r in &p.requested {
                        installs.add(&r.requirement.name, p.install.without_dependencies());
                    }
                }
                // Uninstalled anywhere in the RUN, then installed, then what
                // it uninstalls after installing.
                let any = ballast_context::cost::uninstalled(run, false);
                state.retain(|d| !any.contains(*d));
                state.extend(installs.distributions);
                let after = ballast_context::cost::uninstalled(run, true);
                state.retain(|d| !after.contains(*d));
            }
            stage_end.push(state);
        }
        at
    }

    /// Why the image is meant for a GPU, if anything says so: a GPU base
    /// image, NVIDIA/CUDA environment, GPU-only packages or a CUDA index.
    pub fn gpu_signal(&self) -> Option<String> {
        for &s in &self.reachable {
            if let Some((img, from)) = self.base_image(s)
                && (is_gpu_image(&ImageRef::parse(&img))
                    || is_accelerator_image(&ImageRef::parse(&img)))
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
                if let Some(g) = p.gpu_source.as_ref().or(p.accelerator_source.as_ref()) {
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
                if let Some(url) = pip_config_index(cmd)
                    && source_of(&url).is_some_and(|s| s != TorchSource::Cpu)
                {
                    return Some(format!(
                        "pip configured with {url} (line {})",
                        inst.start_line
                    ));
                }
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

/// The index a `pip config set global.index-url|extra-index-url URL` sets.
fn pip_config_index(cmd: &Command) -> Option<String> {
    let args: Vec<&str> = cmd.args().collect();
    let tail = match cmd.name()? {
        n if n.starts_with("pip") => &args[..],
        n if n.starts_with("python") && args.first() == Some(&"-m") => &args[2.min(args.len())..],
        _ => return None,
    };
    match tail {
        ["config", "set", key, value, ..]
            if key.ends_with("index-url") || key.ends_with("extra-index-url") =>
        {
            Some(value.to_string())
        }
        _ => None,
    }
}

/// What an install reads, as the checker sees it: container paths traced
/// to the context, files read (as changed by earlier fixes), variables in
/// force at the RUN and on the command line.
struct InstallFiles<'c, 'a> {
    cx: &'c Checker<'a>,
    at: usize,
}

impl ballast_context::installs::Files for InstallFiles<'_, '_> {
    fn locate(&self, abs: &str) -> Option<String> {
        self.cx.origins.context_path(self.at, abs)
    }

    fn read(&self, rel: &str) -> Option<String> {
        self.cx.read(rel)
    }

    fn var(&self, name: &str) -> Option<String> {
        self.cx.var(self.at, name).map(str::to_string)
    }
}
