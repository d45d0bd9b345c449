//! What a Python install asks for: the packages it names, the
//! requirement files it reads (`-r`, their includes, conda `-f`), and the
//! project it installs (`pip install .`, `-e .[extra]`, `uv sync`,
//! `poetry install`, `python setup.py install`) with the dependencies its
//! manifest declares, plus where torch comes from. Files are found where
//! the build puts them: a container path is traced to the context file a
//! COPY or bind mount placed there ([`crate::origins`]), never guessed by
//! name. The linter and the rebuild cost both resolve installs here.

use ballast_ml::torch::{TorchSource, source_of};
use ballast_shell::python::{Install, Tool};
use ballast_shell::requirements::{Requirement, parse_requirements_file};

use crate::manifests::{Selection, environment_yml, project_deps};
use crate::origins::absolute;

/// How an install finds its files and environment.
pub trait Files {
    /// The context path at an absolute container path, if a COPY or bind
    /// mount put one there.
    fn locate(&self, abs: &str) -> Option<String>;
    /// Reads a context file.
    fn read(&self, rel: &str) -> Option<String>;
    /// An environment variable in force (ARG/ENV, or a prefix assignment).
    fn var(&self, name: &str) -> Option<String>;
}

/// A requirement an install brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub requirement: Requirement,
    /// The command word that brings it: the package, the `-r` file, the
    /// project path, or [`WHOLE_COMMAND`] for `uv sync` / `poetry install`.
    pub word: usize,
    /// The file and 1-based line it is written on, when not the command line.
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

/// An install, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub requested: Vec<Requested>,
    /// What makes torch come from a CPU-only source, if anything.
    pub cpu_source: Option<String>,
    /// What makes torch come from an explicit GPU (CUDA, ROCm) source.
    pub gpu_source: Option<String>,
    /// What makes torch come from another accelerator's index.
    pub accelerator_source: Option<String>,
    /// The project's manifest picks torch's build (per extra or group).
    pub torch_chosen_by_project: Option<String>,
    /// The project installed (its context directory), when it is one.
    pub project: Option<String>,
    /// Files or projects the install reads that the context does not hold
    /// where the build puts them (what they bring is unknown).
    pub unread: Vec<String>,
}

/// Variables that point pip and uv at an index.
const INDEX_VARS: &[&str] = &[
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_TORCH_BACKEND",
];

/// [`Requested::word`] for what the whole command brings (`uv sync`).
pub const WHOLE_COMMAND: usize = usize::MAX;

/// The most requirement files one install follows through includes.
const MAX_FILES: usize = 32;

/// A Python install inside a RUN, resolved.
#[derive(Debug, Clone)]
pub struct RunInstall<'r> {
    pub part: &'r crate::runs::Part,
    /// The RUN's command: the install itself, or the `make` that runs it.
    pub command: &'r ballast_shell::Command,
    pub install: Install,
    pub resolved: Resolved,
    /// The install runs inside another command's script (`make install`
    /// running a Makefile recipe): where, e.g. `make install (Makefile:75)`.
    /// Its words are not the Dockerfile's, so no fix can edit it there.
    pub via: Option<String>,
}

/// A [`RunInstall`] that names its part and command by position in the
/// RUN, so it can be kept beside the RUN (a cache) without borrowing it.
#[derive(Debug, Clone)]
pub struct Located {
    part: usize,
    command: usize,
    install: Install,
    resolved: Resolved,
    via: Option<String>,
}

impl Located {
    /// `install`, found in `run`.
    pub fn of(run: &crate::runs::Run, install: RunInstall<'_>) -> Located {
        let part = run
            .parts
            .iter()
            .position(|p| std::ptr::eq(p, install.part))
            .expect("the install's part is the run's");
        let command = run.parts[part]
            .script
            .commands
            .iter()
            .position(|c| std::ptr::eq(c, install.command))
            .expect("the install's command is the part's");
        Located {
            part,
            command,
            install: install.install,
            resolved: install.resolved,
            via: install.via,
        }
    }

    /// The install again, borrowing `run` (the RUN it was found in).
    pub fn restore<'r>(&self, run: &'r crate::runs::Run) -> RunInstall<'r> {
        let part = &run.parts[self.part];
        RunInstall {
            part,
            command: &part.script.commands[self.command],
            install: self.install.clone(),
            resolved: self.resolved.clone(),
            via: self.via.clone(),
        }
    }
}

/// The Python installs of a RUN whose working directory is `workdir`,
/// each resolved in the directory it runs in (following `cd`).
pub fn run_installs<'r>(
    run: &'r crate::runs::Run,
    workdir: &str,
    files: &dyn Files,
) -> Vec<RunInstall<'r>> {
    let mut out = Vec::new();
    for part in &run.parts {
        let dirs = part.script.working_dirs(workdir);
        for (cmd, cwd) in part.script.commands.iter().zip(dirs) {
            if let Some(install) = ballast_shell::python::install(cmd) {
                let resolved = resolve(&install, cmd, cwd.as_deref(), files);
                out.push(RunInstall {
                    part,
                    command: cmd,
                    install,
                    resolved,
                    via: None,
                });
                continue;
            }
            // `make install`: the installs in the target's recipe.
            for (recipe_cmd, dir, via) in make_recipe(cmd, cwd.as_deref(), files) {
                if let Some(install) = ballast_shell::python::install(&recipe_cmd) {
                    let resolved = resolve(&install, &recipe_cmd, Some(&dir), files);
                    out.push(RunInstall {
                        part,
                        command: cmd,
                        install,
                        resolved,
                        via: Some(via.clone()),
                    });
                }
            }
        }
    }
    out
}

/// The commands of the recipe a `make [TARGET]` runs, read from the
/// Makefile where the build put it, with the directory they run in and
/// where the recipe is. Only the target's own recipe is read.
fn make_recipe(
    cmd: &ballast_shell::Command,
    cwd: Option<&str>,
    files: &dyn Files,
) -> Vec<(ballast_shell::Command, String, String)> {
    if !matches!(cmd.name(), Some("make" | "gmake")) {
        return Vec::new();
    }
    let args: Vec<&str> = cmd.args().collect();
    let mut dir = cwd.map(str::to_string);
    let mut makefile = "Makefile".to_string();
    let mut targets = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "-C" => {
                dir = dir.zip(args.get(i + 1)).map(|(d, c)| absolute(&d, c));
                i += 1;
            }
            "-f" => {
                if let Some(f) = args.get(i + 1) {
                    makefile = f.to_string();
                }
                i += 1;
            }
            a if a.starts_with('-') || a.contains('=') => {}
            a => targets.push(a.to_string()),
        }
        i += 1;
    }
    let Some(dir) = dir else { return Vec::new() };
    let Some(rel) = files.locate(&absolute(&dir, &makefile)) else {
        return Vec::new();
    };
    let Some(text) = files.read(&rel) else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let is_rule = |l: &str| {
        !l.starts_with(['\t', ' ', '#', '.'])
            && l.split_once(':').is_some_and(|(t, rest)| {
                !t.contains('=') && !rest.starts_with('=') && !t.trim().is_empty()
            })
    };
    let target = targets.first().cloned().or_else(|| {
        lines
            .iter()
            .find(|l| is_rule(l))
            .and_then(|l| l.split(':').next())
            .map(|t| t.split_whitespace().next().unwrap_or("").to_string())
    });
    let Some(target) = target else {
        return Vec::new();
    };
    let Some(at) = lines.iter().position(|l| {
        is_rule(l)
            && l.split(':')
                .next()
                .is_some_and(|t| t.split_whitespace().any(|n| n == target))
    }) else {
        return Vec::new();
    };
    let recipe: Vec<String> = lines[at + 1..]
        .iter()
        .take_while(|l| l.starts_with('\t'))
        .map(|l| {
            l.trim_start_matches('\t')
                .trim_start_matches(['@', '-', '+'])
                .to_string()
        })
        .collect();
    let via = format!("make {target} ({rel}:{})", at + 1);
    ballast_shell::parse(&recipe.join("\n"))
        .commands
        .into_iter()
        .map(|c| (c, dir.clone(), via.clone()))
        .collect()
}

/// Resolves an install run in `cwd` (absolute; `None`: unknown after a
/// `cd` to a variable).
pub fn resolve(
    install: &Install,
    cmd: &ballast_shell::Command,
    cwd: Option<&str>,
    files: &dyn Files,
) -> Resolved {
    let words: Vec<String> = cmd.words.iter().map(|w| w.text.clone()).collect();
    let mut out = Resolved::default();
    for (r, w) in &install.packages {
        let word = words.iter().position(|t| *t == w.text).unwrap_or(0);
        out.requested.push(Requested {
            requirement: r.clone(),
            word,
            file: None,
        });
    }
    for (value, what) in index_evidence(install, cmd, files) {
        for v in value.split_whitespace() {
            classify(&mut out, source_of(v), what.clone());
        }
    }
    read_requirement_files(&mut out, install, &words, cwd, files);
    for (dir, word, written) in project_dirs(install, &words) {
        read_project(&mut out, install, (dir, word, written), cwd, files);
    }
    // A pinned `+cpu` (or `+cu121`) says where torch comes from.
    for (src, what) in pinned_local_versions(&out) {
        classify(&mut out, src, what);
    }
    out
}

/// What names an index: the install's options, then the environment
/// (`PIP_INDEX_URL`...), each with how to say it.
fn index_evidence(
    install: &Install,
    cmd: &ballast_shell::Command,
    files: &dyn Files,
) -> Vec<(String, String)> {
    let var = |name: &str| {
        cmd.assignments
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| files.var(name))
    };
    install
        .index_url
        .iter()
        .chain(&install.extra_index_urls)
        .map(|u| (u.clone(), format!("index {u}")))
        .chain(
            install
                .torch_backend
                .iter()
                .map(|b| (b.clone(), format!("--torch-backend={b}"))),
        )
        .chain(
            INDEX_VARS
                .iter()
                .filter_map(|k| var(k).map(|v| (v.clone(), format!("{k}={v}")))),
        )
        .collect()
}

/// The install's requirement files, following their includes: what they
/// request and the indexes they name; those not found are unread.
fn read_requirement_files(
    out: &mut Resolved,
    install: &Install,
    words: &[String],
    cwd: Option<&str>,
    files: &dyn Files,
) {
    let conda = matches!(install.tool, Tool::Conda | Tool::Mamba | Tool::Micromamba);
    let mut pending: Vec<(String, usize)> = install
        .requirement_files
        .iter()
        .map(|f| (f.clone(), word_of(words, f)))
        .collect();
    let mut seen = 0;
    while let Some((file, word)) = pending.pop() {
        seen += 1;
        if seen > MAX_FILES {
            break;
        }
        let abs = match (cwd, file.starts_with('/')) {
            (_, true) => absolute("/", &file),
            (Some(c), false) => absolute(c, &file),
            (None, false) => {
                out.unread.push(file);
                continue;
            }
        };
        let Some((rel, text)) = files
            .locate(&abs)
            .and_then(|r| files.read(&r).map(|t| (r, t)))
        else {
            out.unread.push(file);
            continue;
        };
        let parsed = if conda || rel.ends_with(".yml") || rel.ends_with(".yaml") {
            environment_yml(&text)
        } else {
            parse_requirements_file(&text)
        };
        for u in parsed.index_url.iter().chain(&parsed.extra_index_urls) {
            classify(out, source_of(u), format!("{u} in {rel}"));
        }
        for (line, r) in parsed.requirements {
            if r.applies_on_linux() {
                out.requested.push(Requested {
                    requirement: r,
                    word,
                    file: Some((rel.clone(), line)),
                });
            }
        }
        let dir = abs
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        pending.extend(
            parsed
                .includes
                .into_iter()
                .map(|i| (absolute(dir, &i), word)),
        );
    }
}

/// The projects an install installs: (directory, the word naming it, the
/// text as written). `uv sync`, poetry and pdm install the one they run in.
fn project_dirs(install: &Install, words: &[String]) -> Vec<(String, usize, Option<String>)> {
    match install.tool {
        Tool::UvSync | Tool::Poetry | Tool::Pdm => {
            let dir = install
                .values_of(&["--directory", "-C", "--project"])
                .next()
                .map_or_else(|| ".".to_string(), str::to_string);
            // The whole command brings the project's dependencies.
            vec![(dir, WHOLE_COMMAND, None)]
        }
        _ => install
            .local
            .iter()
            .filter(|l| !l.ends_with(".whl") && !l.contains("://") && !l.starts_with("git+"))
            .filter(|l| !l.ends_with(".tar.gz") && !l.ends_with(".zip"))
            .map(|l| {
                (
                    l.split('[').next().unwrap_or(l).to_string(),
                    word_of(words, l),
                    Some(l.clone()),
                )
            })
            .collect(),
    }
}

/// A project the install installs, read from the context: what its
/// manifest requests (unless `--no-deps`) and where it says torch comes
/// from; a project the context does not hold is unread.
fn read_project(
    out: &mut Resolved,
    install: &Install,
    (dir, word, written): (String, usize, Option<String>),
    cwd: Option<&str>,
    files: &dyn Files,
) {
    let abs_dir = if dir.starts_with('/') {
        Some(absolute("/", &dir))
    } else {
        cwd.map(|c| absolute(c, &dir))
    };
    let Some(abs_dir) = abs_dir else {
        out.unread.push(dir);
        return;
    };
    let ctx_dir = ["pyproject.toml", "setup.py", "setup.cfg"]
        .iter()
        .find_map(|m| {
            let inside = format!("{}/{m}", abs_dir.trim_end_matches('/'));
            files
                .locate(&inside)
                .filter(|r| files.read(r).is_some())
                .map(|r| {
                    r.rsplit_once('/')
                        .map_or(String::new(), |(d, _)| d.to_string())
                })
        });
    let Some(ctx_dir) = ctx_dir else {
        out.unread.push(written.unwrap_or(dir));
        return;
    };
    out.project = Some(ctx_dir.clone());
    if install.without_dependencies() {
        return;
    }
    let sel = Selection::of(install, written.as_deref());
    let Some(p) = project_deps(&ctx_dir, &sel, &|r| files.read(r)) else {
        return;
    };
    if let Some((src, what)) = p.torch {
        classify(out, Some(src), what);
    }
    if let Some(c) = p.torch_chosen_by_project {
        out.torch_chosen_by_project.get_or_insert(c);
    }
    out.requested.extend(p.deps.into_iter().map(|d| Requested {
        requirement: d.requirement,
        word,
        file: Some((d.file, d.line)),
    }));
}

/// Where a pinned local version of a torch-family package (`+cpu`,
/// `+cu121`) says torch comes from.
fn pinned_local_versions(out: &Resolved) -> Vec<(Option<TorchSource>, String)> {
    out.requested
        .iter()
        .filter(|r| ballast_ml::packages::is_torch_family(&r.requirement.name))
        .filter_map(|r| {
            r.requirement
                .local_version()
                .map(|l| (source_of(l), format!("a +{l} version ({})", r.describe())))
        })
        .collect()
}

/// Whether an install only adds packaging tools (`pip install -U pip
/// setuptools wheel`): it does not depend on the code.
pub fn only_packaging_tools(install: &Install, r: &Resolved) -> bool {
    !r.requested.is_empty()
        && r.project.is_none()
        && install.requirement_files.is_empty()
        && r.requested.iter().all(|q| {
            ballast_ml::packages::is_packaging_tool(&ballast_ml::python::normalize_name(
                &q.requirement.name,
            ))
        })
}

/// What the installs of a stage (and the stages it is built on) left.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    /// Normalised names of the requirements installed.
    pub names: std::collections::BTreeSet<String>,
    /// Projects whose dependencies were installed (context directories).
    pub projects: Vec<String>,
    /// A project tool installed dependencies only (`--no-install-project`,
    /// `--no-root`, `--no-self`).
    pub deps_only_tool: bool,
}

impl Installed {
    /// Records an install.
    pub fn add(&mut self, install: &Install, r: &Resolved) {
        if only_packaging_tools(install, r) {
            return;
        }
        self.names.extend(
            r.requested
                .iter()
                .map(|q| ballast_ml::python::normalize_name(&q.requirement.name)),
        );
        if install.has_option(&["--no-install-project", "--no-root", "--no-self"]) {
            self.deps_only_tool = true;
        }
        if let Some(d) = &r.project
            && !install.without_dependencies()
        {
            self.projects.push(d.clone());
        }
    }
}

/// Whether an install only adds the project itself on top of dependencies
/// installed before: `--no-deps`, a project tool after its dependency-only
/// run (`uv sync` after `--no-install-project`, `poetry install` after
/// `--no-root`), or a pip/uv install of the project whose dependencies were
/// all installed before. Rerunning it after a code change is cheap.
pub fn is_project_only(install: &Install, r: &Resolved, before: &Installed) -> bool {
    if install.without_dependencies() {
        return true;
    }
    let tool = matches!(install.tool, Tool::UvSync | Tool::Poetry | Tool::Pdm);
    if tool
        && before.deps_only_tool
        && !install.has_option(&["--no-install-project", "--no-root", "--no-self"])
    {
        return true;
    }
    let Some(project) = &r.project else {
        return false;
    };
    install.requirement_files.is_empty()
        && install.packages.is_empty()
        && (before.projects.contains(project)
            || (!r.requested.is_empty()
                && r.requested.iter().all(|q| {
                    before
                        .names
                        .contains(&ballast_ml::python::normalize_name(&q.requirement.name))
                })))
}

/// Whether an install brings dependencies at all (a project tool always
/// does, even when its manifest cannot be read).
pub fn installs_dependencies(install: &Install, r: &Resolved) -> bool {
    !r.requested.is_empty()
        || !install.requirement_files.is_empty()
        || !install.local.is_empty()
        || r.project.is_some()
        || matches!(
            install.tool,
            Tool::UvSync | Tool::Poetry | Tool::Pdm | Tool::Pipenv
        )
}

fn classify(out: &mut Resolved, src: Option<TorchSource>, what: String) {
    let slot = match src {
        Some(TorchSource::Cpu) => &mut out.cpu_source,
        Some(TorchSource::Gpu) => &mut out.gpu_source,
        Some(TorchSource::Accelerator) => &mut out.accelerator_source,
        None => return,
    };
    // The first evidence is the one reported.
    slot.get_or_insert(what);
}

fn word_of(words: &[String], text: &str) -> usize {
    words
        .iter()
        .position(|w| w == text || w.ends_with(&format!("={text}")))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        placed: Vec<(&'static str, &'static str)>,
        files: Vec<(&'static str, &'static str)>,
        vars: Vec<(&'static str, &'static str)>,
    }

    impl Files for Fake {
        fn locate(&self, abs: &str) -> Option<String> {
            self.placed
                .iter()
                .find(|(a, _)| *a == abs)
                .map(|(_, r)| r.to_string())
        }
        fn read(&self, rel: &str) -> Option<String> {
            self.files
                .iter()
                .find(|(r, _)| *r == rel)
                .map(|(_, t)| t.to_string())
        }
        fn var(&self, name: &str) -> Option<String> {
            self.vars
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn run(cmd: &str, cwd: &str, fake: &Fake) -> Resolved {
        let c = &ballast_shell::parse(cmd).commands[0];
        resolve(
            &ballast_shell::python::install(c).unwrap(),
            c,
            Some(cwd),
            fake,
        )
    }

    #[test]
    fn follows_the_copy_not_the_name() {
        let fake = Fake {
            placed: vec![("/tmp/reqs.txt", "deploy/requirements-prod.txt")],
            files: vec![
                (
                    "deploy/requirements-prod.txt",
                    "torch==2.4.1\n-r base.txt\n",
                ),
                ("requirements.txt", "fastapi\n"),
            ],
            vars: vec![],
        };
        let r = run("pip install -r /tmp/reqs.txt", "/app", &fake);
        assert_eq!(r.requested.len(), 1);
        assert_eq!(
            r.requested[0].describe(),
            "torch (deploy/requirements-prod.txt:1)"
        );
        assert_eq!(r.unread, ["/tmp/base.txt"]);
        let r = run("pip install -r requirements.txt", "/app", &fake);
        assert!(
            r.requested.is_empty(),
            "no COPY put requirements.txt in /app"
        );
        assert_eq!(r.unread, ["requirements.txt"]);
    }

    #[test]
    fn make_targets_are_followed() {
        let fake = Fake {
            placed: vec![
                ("/root/Makefile", "Makefile"),
                ("/root/setup.py", "setup.py"),
            ],
            files: vec![
                (
                    "Makefile",
                    "test:\n\tpytest\ninstall:\t## install\n\tpip install -e .[all]\n\ndocs:\n\tmake html\n",
                ),
                (
                    "setup.py",
                    "setup(install_requires=['torch', 'numpy'], extras_require={'all': ['black']})\n",
                ),
            ],
            vars: vec![],
        };
        let script = ballast_shell::parse("cd /root && make install");
        let run = crate::runs::Run {
            index: 0,
            parts: vec![crate::runs::Part {
                kind: crate::runs::PartKind::Shell,
                text: String::new(),
                offset: 0,
                script,
                editable: true,
            }],
            mounts: Vec::new(),
            json: false,
        };
        let found = run_installs(&run, "/", &fake);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].via.as_deref(), Some("make install (Makefile:3)"));
        let names: Vec<&str> = found[0]
            .resolved
            .requested
            .iter()
            .map(|q| q.requirement.name.as_str())
            .collect();
        assert_eq!(names, ["torch", "numpy", "black"]);
    }

    #[test]
    fn projects_and_sources() {
        let fake = Fake {
            placed: vec![("/app/pyproject.toml", "libs/emb/pyproject.toml")],
            files: vec![(
                "libs/emb/pyproject.toml",
                "[project]\nname='x'\ndependencies=['numpy']\n[project.optional-dependencies]\ncore=['torch']\n",
            )],
            vars: vec![(
                "PIP_EXTRA_INDEX_URL",
                "https://download.pytorch.org/whl/cpu https://x/y",
            )],
        };
        let r = run("pip install -e '.[core]'", "/app", &fake);
        let names: Vec<&str> = r
            .requested
            .iter()
            .map(|q| q.requirement.name.as_str())
            .collect();
        assert_eq!(names, ["numpy", "torch"]);
        assert_eq!(r.project.as_deref(), Some("libs/emb"));
        assert!(r.cpu_source.unwrap().starts_with("PIP_EXTRA_INDEX_URL"));
        let r = run("pip install --no-deps .", "/app", &fake);
        assert!(r.requested.is_empty());
        assert_eq!(r.project.as_deref(), Some("libs/emb"));
        let r = run("uv sync --frozen", "/app", &fake);
        assert_eq!(r.requested.len(), 1);
        let r = run("pip install .", "/srv", &fake);
        assert_eq!(r.unread, ["."]);
    }
}
