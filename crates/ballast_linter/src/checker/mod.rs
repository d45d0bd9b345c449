//! What rules see: the Dockerfile with its stage model, which stages reach
//! the target and which end up in its image, every RUN analysed with known
//! variables substituted, the Python installs with their requirements (read
//! from requirement files and pyproject.toml in the context), the GPU
//! signals, and the build context when there is one.

use std::collections::BTreeSet;

use ballast_context::copies::{ContextUse, Transfer, context_uses};
use ballast_context::installs::Located;
use ballast_context::origins::Origins;
use ballast_dockerfile::instructions::FromArgs;
use ballast_dockerfile::stages::{Base, Scope, StageGraph, env_pairs};
use ballast_dockerfile::{Dockerfile, Instruction, Keyword, Span};
use ballast_ml::images::ImageRef;
use ballast_shell::Command;

mod gpu;
mod python;
mod users;

pub use python::{PyInstall, Requested, TorchOrigin};

use crate::settings::Settings;
use ballast_context::project::BuildContext;
use ballast_context::runs::Run;

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

/// A stage's FROM naming an external image, as the base-image rules see it.
pub struct FromImage<'c> {
    pub stage: usize,
    /// The image, with the ARGs known before the first FROM substituted.
    pub image: &'c str,
    pub reference: ImageRef<'c>,
    /// The image word in the FROM instruction.
    pub span: Span,
    /// Whether that word is literal (no variables), so a fix can edit it.
    pub literal: bool,
    /// Whether every variable of the image was known.
    pub resolved: bool,
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
                let project = p.resolved.project.as_deref().and_then(|dir| {
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

    /// The stages among `stages` built on an external image, with their FROM
    /// parsed (a FROM that does not parse is BuildKit's error, not a rule's).
    pub fn from_images<'c>(
        &'c self,
        stages: impl IntoIterator<Item = &'c usize> + 'c,
    ) -> impl Iterator<Item = FromImage<'c>> + 'c {
        stages.into_iter().filter_map(move |&stage| {
            let s = &self.graph.stages[stage];
            let Base::Image(image) = &s.base else {
                return None;
            };
            let (span, literal) = self.from_image_span(stage)?;
            Some(FromImage {
                stage,
                image,
                reference: ImageRef::parse(image),
                span,
                literal,
                resolved: s.base_unresolved.is_empty(),
            })
        })
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

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.df.line_col(offset).0
    }
}
