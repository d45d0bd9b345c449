//! What a Dockerfile's target image holds and does, as far as the
//! preservation check compares it: the Python requirements installed where
//! the image gets them, the OS packages, the commands RUN, the final
//! stage's metadata, where each context source lands, the directories the
//! app creates and the user it runs as.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_dockerfile::stages::{Base, env_pairs};
use ballast_ml::python::normalize_name;
use ballast_shell::Command;
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};

/// A Python requirement as installed: normalized name, extras, version
/// specifier without the local version part, and where it was installed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Req {
    pub name: String,
    pub extras: Vec<String>,
    pub spec: String,
    /// 1-based line of the installing instruction.
    pub line: usize,
    /// The stage installed in, and whether its files reach the image.
    pub reaches_image: bool,
}

/// A command RUN by the build, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cmd {
    pub text: String,
    pub line: usize,
    /// Run in a stage of the image (the target and the stages it is built on).
    pub in_image: bool,
    /// The virtualenv it creates (`python -m venv X`, `uv venv X`), absolute.
    pub venv: Option<String>,
}

/// Where a COPY/ADD puts a source: `(source, from, destination)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The source as written (`app/`, `requirements.txt`, `/uv` for an image).
    pub source: String,
    /// `None` for the build context, else the image or stage name.
    pub from: Option<String>,
    /// The absolute destination directory or file.
    pub dest: String,
    /// The destination is a directory the source goes into.
    pub into_dir: bool,
    /// The source is a directory (its contents are copied).
    pub source_is_dir: bool,
    /// `--chown` or `--chmod` given.
    pub owned: bool,
    pub line: usize,
}

impl Placement {
    /// Where context path `path` (a file or directory the source names or
    /// holds) lands, if this placement takes it.
    pub(crate) fn lands(&self, path: &str) -> Option<String> {
        let src = self.source.trim_start_matches("./").trim_end_matches('/');
        let src = if src == "." { "" } else { src };
        let path = path.trim_start_matches("./").trim_end_matches('/');
        let dest = self.dest.trim_end_matches('/');
        if self.source_is_dir {
            if src.is_empty() {
                return Some(format!("{dest}/{path}"));
            }
            if path == src {
                return Some(dest.to_string());
            }
            return path
                .strip_prefix(&format!("{src}/"))
                .map(|rest| format!("{dest}/{rest}"));
        }
        (path == src).then(|| {
            if self.into_dir {
                format!("{dest}/{}", src.rsplit('/').next().unwrap_or(src))
            } else {
                dest.to_string()
            }
        })
    }
}

/// The final stage's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub entrypoint: Option<(String, usize)>,
    pub cmd: Option<(String, usize)>,
    pub healthcheck: Option<(String, usize)>,
    pub stopsignal: Option<(String, usize)>,
    pub shell: Option<(String, usize)>,
    pub workdir: String,
    pub expose: Vec<(String, usize)>,
    pub volumes: Vec<(String, usize)>,
    pub labels: Vec<(String, String, usize)>,
    pub env_keys: Vec<(String, usize)>,
    pub args: Vec<(String, usize)>,
    pub platform: Option<(String, usize)>,
}

/// Everything compared, for one Dockerfile and target.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    pub python: Vec<Req>,
    /// Projects installed from the context (`pip install .`): (dir, line,
    /// reaches the image, its code was copied before the install).
    pub projects: Vec<(String, usize, bool, bool)>,
    /// OS packages installed: (name, line, in an image stage).
    pub os: Vec<(String, usize, bool)>,
    pub commands: Vec<Cmd>,
    pub meta: Meta,
    pub placements: Vec<Placement>,
    /// Directories created in the image stages: (absolute path, line).
    pub created_dirs: Vec<(String, usize)>,
    /// The user the image runs as (`None`: root).
    pub user: Option<String>,
}

impl Model {
    /// Whether the image runs `tool` (as a command or `python -m tool`):
    /// in ENTRYPOINT, CMD, HEALTHCHECK or a RUN of an image stage.
    pub(crate) fn runs_tool(&self, tool: &str) -> bool {
        let starts = [
            &self.meta.entrypoint,
            &self.meta.cmd,
            &self.meta.healthcheck,
        ];
        let texts = starts.into_iter().flatten().map(|(t, _)| t.as_str()).chain(
            self.commands
                .iter()
                .filter(|c| c.in_image)
                .map(|c| c.text.as_str()),
        );
        texts.into_iter().any(|t| {
            t.split(|c: char| c.is_whitespace() || "\"',[]".contains(c))
                .any(|w| w == tool || w.ends_with(&format!("/{tool}")))
        })
    }

    pub(crate) fn of(cx: &Checker<'_>) -> Model {
        let mut m = Model::default();
        for run in cx.reachable_runs() {
            let line = cx.inst(run.index).start_line;
            let in_image = cx.in_image(run.index);
            let installs = cx.python_installs(run);
            for p in &installs {
                let reaches = in_image || reaches_image(cx, p);
                for r in &p.requested {
                    m.python.push(Req {
                        name: normalize_name(&r.requirement.name),
                        extras: {
                            let mut e = r.requirement.extras.clone();
                            e.sort();
                            e
                        },
                        spec: spec_without_local(&r.requirement.spec),
                        line,
                        reaches_image: reaches,
                    });
                }
                if let Some(dir) = &p.resolved.project {
                    m.projects
                        .push((dir.clone(), line, reaches, code_before(cx, run.index, dir)));
                }
            }
            for (_, cmd) in run.commands() {
                let unwrapped = without_sudo(cmd);
                let cmd = unwrapped.as_ref().unwrap_or(cmd);
                if let Some(pc) = package_command(cmd) {
                    if pc.action == Action::Install {
                        for w in &pc.packages {
                            let name = w.text.split(['=', '/']).next().unwrap_or(&w.text);
                            m.os.push((name.to_string(), line, in_image));
                        }
                    }
                    if matches!(pc.action, Action::Install | Action::Update | Action::Clean) {
                        continue;
                    }
                }
                if installs.iter().any(|p| {
                    std::ptr::eq(p.command, cmd)
                        || unwrapped
                            .as_ref()
                            .is_some_and(|u| u.words == p.command.words)
                }) {
                    continue;
                }
                if let Some(text) = normalized(cmd) {
                    let venv = venv_created(cmd).map(|d| cx.absolute(run.index, &d));
                    m.commands.push(Cmd {
                        text,
                        line,
                        in_image,
                        venv,
                    });
                }
            }
        }
        m.created_dirs = cx.created_dirs();
        m.meta = meta(cx);
        m.placements = placements(cx);
        m.user = crate::rules::security::root_user::last_user(cx)
            .map(|(_, u)| u)
            .filter(|u| !ballast_ml::images::is_root_user(u));
        m
    }
}

/// The command `sudo` runs (`sudo -E apt-get ...` → `apt-get ...`).
fn without_sudo(cmd: &Command) -> Option<Command> {
    if cmd.name() != Some("sudo") {
        return None;
    }
    let at = cmd
        .words
        .iter()
        .skip(1)
        .position(|w| !w.text.starts_with('-'))?
        + 1;
    let mut c = cmd.clone();
    c.words.drain(..at);
    Some(c)
}

/// The directory `python -m venv DIR` (or `virtualenv DIR`, `uv venv DIR`) creates.
pub(crate) fn venv_created(cmd: &Command) -> Option<String> {
    let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    let name = words.first()?.rsplit('/').next()?;
    let rest: &[&str] = if name.starts_with("python")
        && words.get(1) == Some(&"-m")
        && matches!(words.get(2), Some(&"venv" | &"virtualenv"))
    {
        &words[3..]
    } else if name == "virtualenv" {
        &words[1..]
    } else if name == "uv" && words.get(1) == Some(&"venv") {
        &words[2..]
    } else {
        return None;
    };
    // Options that take a value (`--python 3.11`).
    let mut k = 0;
    while k < rest.len() {
        let w = rest[k];
        if w.starts_with('-') {
            k += 1 + usize::from(matches!(w, "--python" | "-p" | "--prompt"));
            continue;
        }
        return Some(w.trim_end_matches('/').to_string());
    }
    None
}

/// Whether a COPY before instruction `at`, in its stage or those it is
/// built on, brings code of the project in context directory `dir`.
fn code_before(cx: &Checker<'_>, at: usize, dir: &str) -> bool {
    let Some(stage) = cx.stage_of(at) else {
        return false;
    };
    let chain: Vec<usize> = cx
        .graph
        .final_chain(stage)
        .into_iter()
        .flat_map(|s| cx.graph.instructions_of(s))
        .collect();
    chain
        .into_iter()
        .filter(|&j| j < at || cx.stage_of(j) != Some(stage))
        .any(|j| {
            crate::rules::cache::deps_installed_after_code::copies_code(cx, j)
                && cx.uses.iter().filter(|u| u.instruction == j).any(|u| {
                    u.sources.iter().any(|s| {
                        s.matched.iter().any(|m| {
                            m.is_empty()
                                || dir.is_empty()
                                || dir == m
                                || dir.starts_with(&format!("{m}/"))
                                || m.starts_with(&format!("{dir}/"))
                        })
                    })
                })
        })
}

/// `==2.4.1+cpu` compares as `==2.4.1`: the local version is the build
/// variant (CPU, CUDA), which the torch fix may change.
fn spec_without_local(spec: &str) -> String {
    let s = spec.trim();
    match s.split_once('+') {
        Some((v, rest)) if s.starts_with("==") => {
            // Keep a marker after the local version.
            let marker = rest
                .split_once(';')
                .map(|(_, m)| format!(";{m}"))
                .unwrap_or_default();
            format!("{v}{marker}").replace(' ', "")
        }
        _ => s.replace(' ', ""),
    }
}

/// Whether an install in a stage outside the image reaches it: a
/// `COPY --from` of that stage (or one built on it) in the image stages
/// takes the directory the packages go to.
fn reaches_image(cx: &Checker<'_>, p: &PyInstall<'_>) -> bool {
    let Some(stage) = cx.stage_of(p.run.index) else {
        return false;
    };
    let location = install_location(cx, p);
    cx.image_instructions().into_iter().any(|i| {
        let inst = cx.inst(i);
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            return false;
        }
        let Some(from) = inst.flag("from").and_then(|f| f.value()) else {
            return false;
        };
        let Some(src_stage) = cx.graph.find_stage(from) else {
            return false;
        };
        // The stage itself or one built on it.
        if !(src_stage == stage || cx.graph.final_chain(src_stage).contains(&stage)) {
            return false;
        }
        let Ok(args) = CopyArgs::parse(inst) else {
            return false;
        };
        args.sources.iter().any(|s| match s {
            CopySource::Path { value, .. } => {
                let v = value.trim_end_matches('/');
                v.is_empty() || location == v || location.starts_with(&format!("{v}/")) || v == "/"
            }
            CopySource::Heredoc { .. } => false,
        })
    })
}

/// Where an install puts its packages (an absolute directory).
fn install_location(cx: &Checker<'_>, p: &PyInstall<'_>) -> String {
    let i = p.run.index;
    let values = |names: &[&str]| p.install.values_of(names).next().map(str::to_string);
    if let Some(t) = values(&["--target", "-t", "--prefix"]) {
        return cx.absolute(i, &t);
    }
    match p.install.tool {
        Tool::UvSync => cx
            .var(i, "UV_PROJECT_ENVIRONMENT")
            .map(|v| cx.absolute(i, v))
            .unwrap_or_else(|| cx.absolute(i, ".venv")),
        Tool::UvPip if p.install.has_option(&["--system"]) => "/usr".into(),
        Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            cx.var(i, "CONDA_DIR").unwrap_or("/opt/conda").into()
        }
        _ => {
            if p.install.has_option(&["--user"]) {
                return format!("{}/.local", cx.var(i, "HOME").unwrap_or("/root"));
            }
            // The pip of a virtualenv, called by path or found on PATH.
            let exe = p.command.words.first().map_or("", |w| w.text.as_str());
            if let Some(venv) = exe
                .strip_suffix("/bin/pip")
                .or_else(|| exe.strip_suffix("/bin/pip3"))
                .or_else(|| exe.strip_suffix("/bin/python"))
                .or_else(|| exe.strip_suffix("/bin/python3"))
            {
                return cx.absolute(i, venv);
            }
            if let Some(v) = cx.var(i, "VIRTUAL_ENV") {
                return v.to_string();
            }
            if let Some(path) = cx.var(i, "PATH")
                && let Some(first) = path.split(':').find(|d| {
                    d.ends_with("/bin") && !d.starts_with("/usr") && d != &"/bin" && d != &"/sbin"
                })
            {
                return first.trim_end_matches("/bin").to_string();
            }
            "/usr".into()
        }
    }
}

/// A command as compared: its words, `sudo` and a leading `env` removed;
/// `None` for commands that change nothing the image keeps.
fn normalized(cmd: &Command) -> Option<String> {
    let mut words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    while matches!(words.first(), Some(&"sudo")) {
        words.remove(0);
    }
    let name = words.first()?.rsplit('/').next()?;
    let quiet = matches!(
        name,
        "cd" | "set" | "true" | ":" | "export" | "source" | "."
    ) || (matches!(name, "echo" | "printf")
        && cmd
            .redirects
            .iter()
            .all(|r| !r.starts_with('>') || r.contains("&")));
    if quiet || known_cleanup(&words) {
        return None;
    }
    // apt's "assume yes" answers a question; the same packages change.
    if matches!(name, "apt-get" | "apt") {
        words.retain(|w| !matches!(*w, "-y" | "--yes" | "--assume-yes"));
    }
    let mut text = words.join(" ");
    for r in &cmd.redirects {
        text.push(' ');
        text.push_str(r);
    }
    Some(text)
}

/// Cleanups the fixes add or move: removing caches and package lists.
fn known_cleanup(words: &[&str]) -> bool {
    let cache = |p: &str| {
        let p = p.trim_end_matches('*').trim_end_matches('/');
        p.starts_with("/var/lib/apt/lists")
            || p.starts_with("/var/cache/")
            || p.starts_with("/root/.cache")
            || p.ends_with("/.cache/pip")
            || p.ends_with("/.cache/uv")
            || p == "/tmp"
            || p.starts_with("/tmp/")
    };
    match words.first().map(|w| w.rsplit('/').next().unwrap_or(w)) {
        Some("rm") => {
            let paths: Vec<&&str> = words[1..].iter().filter(|w| !w.starts_with('-')).collect();
            !paths.is_empty() && paths.iter().all(|p| cache(p))
        }
        Some("pip" | "pip3") => words.get(1..3) == Some(&["cache", "purge"][..]),
        Some("conda" | "mamba" | "micromamba") => words.get(1) == Some(&"clean"),
        Some("npm") => words.get(1..3) == Some(&["cache", "clean"][..]),
        _ => false,
    }
}

/// A port as the engine records `EXPOSE` it: the host address and port
/// dropped, the protocol lowercase, and `tcp` (the default) left out.
fn exposed_port(spec: &str) -> String {
    let port = spec.rsplit(':').next().unwrap_or(spec).to_lowercase();
    port.strip_suffix("/tcp")
        .map_or(port.clone(), str::to_string)
}

fn meta(cx: &Checker<'_>) -> Meta {
    let mut m = Meta::default();
    let image = cx.image_instructions();
    let text = |i: usize| {
        let inst = cx.inst(i);
        let v: Vec<String> = inst.values().iter().map(|s| expand(cx, i, s)).collect();
        (v.join(" "), inst.start_line)
    };
    for &i in &image {
        let inst = cx.inst(i);
        match inst.keyword {
            Keyword::Entrypoint => m.entrypoint = Some(text(i)),
            Keyword::Cmd => m.cmd = Some(text(i)),
            Keyword::Healthcheck => m.healthcheck = Some(text(i)),
            Keyword::Stopsignal => m.stopsignal = Some(text(i)),
            Keyword::Shell => m.shell = Some(text(i)),
            Keyword::Expose => m.expose.extend(
                inst.values()
                    .iter()
                    .map(|v| (exposed_port(&expand(cx, i, v)), inst.start_line)),
            ),
            Keyword::Volume => m.volumes.extend(
                inst.values()
                    .iter()
                    .map(|v| (expand(cx, i, v), inst.start_line)),
            ),
            Keyword::Label => m.labels.extend(
                env_pairs(inst)
                    .into_iter()
                    .map(|(k, v)| (k, v, inst.start_line)),
            ),
            Keyword::Env => m.env_keys.extend(
                env_pairs(inst)
                    .into_iter()
                    .map(|(k, _)| (k, inst.start_line)),
            ),
            Keyword::From => {
                // `$TARGETPLATFORM` is what a FROM without the flag builds for.
                if let Some(p) = inst.flag("platform").and_then(|f| f.value())
                    && !matches!(p, "$TARGETPLATFORM" | "${TARGETPLATFORM}")
                {
                    m.platform = Some((p.to_string(), inst.start_line));
                }
            }
            _ => {}
        }
    }
    // ARG names of every stage built, and the global ones.
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if inst.keyword == Keyword::Arg && (cx.stage_of(i).is_none() || cx.is_reachable(i)) {
            for v in inst.values() {
                let name = v.split('=').next().unwrap_or(v).to_string();
                if !m.args.iter().any(|(n, _)| *n == name) {
                    m.args.push((name, inst.start_line));
                }
            }
        }
    }
    m.workdir = image
        .last()
        .map_or("/".into(), |i| cx.workdir(*i).to_string());
    m
}

fn expand(cx: &Checker<'_>, i: usize, v: &str) -> String {
    cx.scope(i)
        .map_or(v.to_string(), |s| s.expand_keep_unknown(v, cx.df.escape))
}

/// Where each COPY/ADD of the image stages puts its sources.
fn placements(cx: &Checker<'_>) -> Vec<Placement> {
    let mut out = Vec::new();
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let Ok(args) = CopyArgs::parse(inst) else {
            continue;
        };
        let from = inst.flag("from").and_then(|f| f.value()).map(|f| {
            let f = expand(cx, i, f);
            match cx.graph.find_stage(&f) {
                // A stage compares by what it is built on, not its name.
                Some(s) => match &cx.graph.stages[s].base {
                    Base::Image(img) => format!("stage on {img}"),
                    _ => "a stage".into(),
                },
                None => f,
            }
        });
        let dest = cx.absolute(i, &expand(cx, i, &args.dest));
        let paths: Vec<String> = args
            .sources
            .iter()
            .filter_map(|s| match s {
                CopySource::Path { value, .. } => Some(expand(cx, i, value)),
                CopySource::Heredoc { .. } => None,
            })
            .collect();
        let into_dir =
            args.dest.ends_with('/') || paths.len() > 1 || matches!(args.dest.as_str(), "." | "./");
        for p in paths {
            let source_is_dir = from.is_none()
                && (p == "."
                    || p.ends_with('/')
                    || cx
                        .context
                        .and_then(|c| {
                            c.context
                                .get(p.trim_start_matches("./").trim_end_matches('/'))
                        })
                        .is_some_and(|e| e.kind == ballast_context::walk::Kind::Dir));
            out.push(Placement {
                source: p,
                from: from.clone(),
                dest: dest.clone(),
                into_dir,
                source_is_dir,
                owned: inst.flag("chown").is_some() || inst.flag("chmod").is_some(),
                line: inst.start_line,
            });
        }
    }
    out
}
