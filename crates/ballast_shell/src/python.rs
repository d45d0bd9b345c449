//! Python package installs: pip (`pip`, `pip3`, `python -m pip`), uv
//! (`uv pip install`, `uv sync`), poetry, pdm, pipenv, conda and mamba.

use crate::requirements::{Requirement, parse_requirement};
use crate::{Command, Word};

/// Which tool installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Pip,
    UvPip,
    UvSync,
    Poetry,
    Pdm,
    Pipenv,
    /// `python setup.py install|develop` (setuptools' own installer: no
    /// pip, no cache).
    SetupPy,
    Conda,
    Mamba,
    Micromamba,
}

impl Tool {
    /// Where the tool keeps its cache of downloaded packages when it runs
    /// as root with nothing set: `None` for the tools ballast knows keep
    /// none (pipenv hands installs to pip; setup.py downloads nothing).
    pub fn root_cache_dir(self) -> Option<&'static str> {
        match self {
            Tool::Pip => Some("/root/.cache/pip"),
            Tool::UvPip | Tool::UvSync => Some("/root/.cache/uv"),
            Tool::Poetry => Some("/root/.cache/pypoetry"),
            Tool::Pdm => Some("/root/.cache/pdm"),
            Tool::Conda | Tool::Mamba | Tool::Micromamba => Some("/opt/conda/pkgs"),
            Tool::Pipenv | Tool::SetupPy => None,
        }
    }
}

/// A Python install command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub tool: Tool,
    /// The index of the word after which flags can be inserted (the
    /// `install` / `sync` subcommand).
    pub subcommand: usize,
    /// Options as written (`--no-cache-dir`, `--index-url`, ...).
    pub options: Vec<String>,
    /// Named requirements with the word they come from.
    pub packages: Vec<(Requirement, Word)>,
    /// `-r` files.
    pub requirement_files: Vec<String>,
    /// `-c` files.
    pub constraint_files: Vec<String>,
    /// `--index-url` / `-i` (pip, uv).
    pub index_url: Option<String>,
    /// `--extra-index-url`.
    pub extra_index_urls: Vec<String>,
    /// Local paths, wheels and URLs installed (`.`, `./pkg`, `x.whl`).
    pub local: Vec<String>,
    /// `--no-cache-dir` / `--no-cache` given.
    pub no_cache: bool,
    /// `--trusted-host` given.
    pub trusted_hosts: Vec<String>,
    /// uv's `--torch-backend`.
    pub torch_backend: Option<String>,
    /// Every option that takes a value, with its value (`--extra`, `cpu`).
    pub values: Vec<(String, String)>,
}

impl Install {
    /// The values given to any of the named options.
    pub fn values_of<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .iter()
            .filter(move |(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a flag was given (`--no-deps`).
    pub fn has_option(&self, names: &[&str]) -> bool {
        self.options
            .iter()
            .any(|o| names.contains(&o.split('=').next().unwrap_or(o)))
    }

    /// Whether the install only adds named packages or the project itself,
    /// without resolving dependencies (`--no-deps`, poetry's `--only-root`).
    pub fn without_dependencies(&self) -> bool {
        self.has_option(&["--no-deps", "--no-dependencies", "--only-root"])
    }

    /// Whether the install, run by `cmd`, writes `.pyc` files beside what
    /// it installs: pip compiles unless told `--no-compile`; uv compiles
    /// only with `--compile-bytecode` or `UV_COMPILE_BYTECODE` true (a
    /// prefix assignment on `cmd`, else `env_set`: the environment the RUN
    /// sees), and `--no-compile-bytecode` wins.
    pub fn compiles_bytecode(&self, cmd: &Command, env_set: bool) -> bool {
        match self.tool {
            Tool::UvPip | Tool::UvSync => {
                let uv_env = cmd
                    .assignment("UV_COMPILE_BYTECODE")
                    .map_or(env_set, truthy);
                !self.has_option(&["--no-compile-bytecode"])
                    && (uv_env || self.has_option(&["--compile-bytecode", "--compile"]))
            }
            _ => !self.has_option(&["--no-compile"]),
        }
    }
}

/// Whether an environment value means true, as pip and uv read booleans
/// (`1`, `true`, `yes`, `on`, any case, quotes ignored).
pub fn truthy(value: &str) -> bool {
    matches!(
        value
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn opt_value<'a>(words: &'a [Word], i: usize, name: &str) -> (Option<&'a str>, usize) {
    let w = &words[i].text;
    if let Some(v) = w.strip_prefix(&format!("{name}=")) {
        return (Some(v), 0);
    }
    (words.get(i + 1).map(|w| w.text.as_str()), 1)
}

/// Recognises a Python install command.
pub fn install(cmd: &Command) -> Option<Install> {
    let w = &cmd.words;
    let name = cmd.name()?;
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if matches!(base, "python" | "py")
        && w.get(1).is_some_and(|x| x.text.ends_with("setup.py"))
        && w.get(2)
            .is_some_and(|x| matches!(x.text.as_str(), "install" | "develop"))
    {
        return Some(setup_py_install(w));
    }
    let (tool, sub) = tool_of(base, w)?;
    // Global options may come before the subcommand (`pip --no-cache-dir install`).
    let mut s = sub;
    while w.get(s).is_some_and(|x| x.text.starts_with('-')) {
        s += 1;
    }
    let verb = w.get(s).map(|x| x.text.as_str()).unwrap_or("");
    let next = w.get(s + 1).map(|x| x.text.as_str());
    if !installs(tool, verb, next) {
        return None;
    }
    let mut inst = Install::new(tool, s);
    let conda = matches!(tool, Tool::Conda | Tool::Mamba | Tool::Micromamba);
    let mut i = sub;
    while i < w.len() {
        if i == s || (verb == "env" && i == s + 1) {
            i += 1;
            continue;
        }
        let t = w[i].text.as_str();
        if t.starts_with('-') {
            i += 1 + inst.option(w, i, conda);
            continue;
        }
        if tool == Tool::UvPip && verb == "sync" {
            // `uv pip sync FILE...` installs exactly what the files list.
            inst.requirement_files.push(t.to_string());
        } else {
            let spec = if conda { conda_spec(t) } else { t.to_string() };
            match parse_requirement(&spec) {
                Some(r) => inst.packages.push((r, w[i].clone())),
                None => inst.local.push(t.to_string()),
            }
        }
        i += 1;
    }
    Some(inst)
}

/// The installer a command runs (by its name, or `python -m NAME`) and the
/// index of the word its subcommand is expected at.
fn tool_of(base: &str, w: &[Word]) -> Option<(Tool, usize)> {
    let module = |name: &str| {
        matches!(base, "python" | "py")
            && w.get(1).is_some_and(|x| x.text == "-m")
            && w.get(2).is_some_and(|x| {
                x.text == name
                    || (name == "pip" && x.text.trim_end_matches(char::is_numeric) == "pip")
            })
    };
    let arg = |i: usize, t: &str| w.get(i).is_some_and(|x| x.text == t);
    Some(match base {
        "pip" => (Tool::Pip, 1),
        _ if module("pip") => (Tool::Pip, 3),
        _ if module("uv") && arg(3, "pip") => (Tool::UvPip, 4),
        _ if module("uv") && (arg(3, "sync") || arg(3, "add")) => (Tool::UvSync, 3),
        _ if module("poetry") => (Tool::Poetry, 3),
        "uv" if arg(1, "pip") => (Tool::UvPip, 2),
        "uv" if arg(1, "sync") || arg(1, "add") => (Tool::UvSync, 1),
        "poetry" => (Tool::Poetry, 1),
        "pdm" => (Tool::Pdm, 1),
        "pipenv" => (Tool::Pipenv, 1),
        "conda" => (Tool::Conda, 1),
        "mamba" => (Tool::Mamba, 1),
        "micromamba" => (Tool::Micromamba, 1),
        _ => return None,
    })
}

/// Whether the tool's subcommand `verb` (followed by `next`) installs.
fn installs(tool: Tool, verb: &str, next: Option<&str>) -> bool {
    match tool {
        Tool::Pip | Tool::UvPip => matches!(verb, "install" | "sync"),
        Tool::UvSync => matches!(verb, "sync" | "add"),
        Tool::Poetry => matches!(verb, "install" | "add" | "sync"),
        Tool::Pdm => matches!(verb, "install" | "sync" | "add"),
        Tool::Pipenv => matches!(verb, "install" | "sync"),
        Tool::SetupPy => false, // recognised by its script
        Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            matches!(verb, "install" | "create" | "update")
                || (verb == "env" && matches!(next, Some("create" | "update")))
        }
    }
}

/// Options of the installers that take a value (the next word, or after `=`).
const VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-e",
    "--editable",
    "--torch-backend",
    "-n",
    "--name",
    "-p",
    "--python",
    "--file",
    "-C",
    "--directory",
    "--group",
    "--with",
    "--without",
    "--only",
    "--extras",
    "-E",
    "--index",
    "--default-index",
    "--only-binary",
    "--no-binary",
    "--platform",
    "--python-version",
    "--abi",
    "--implementation",
    "--upgrade-strategy",
    "--progress-bar",
    "--root-user-action",
    "--extra",
    "--only-group",
    "--no-group",
    "--package",
    "--index-strategy",
    "--config-settings",
    "--channel",
    "--src",
    "--cache-dir",
    "--log",
    "--timeout",
    "--retries",
];

impl Install {
    /// An install by `tool` whose subcommand is word `subcommand`, nothing
    /// read yet.
    fn new(tool: Tool, subcommand: usize) -> Install {
        Install {
            tool,
            subcommand,
            options: Vec::new(),
            packages: Vec::new(),
            requirement_files: Vec::new(),
            constraint_files: Vec::new(),
            index_url: None,
            extra_index_urls: Vec::new(),
            local: Vec::new(),
            no_cache: false,
            trusted_hosts: Vec::new(),
            torch_backend: None,
            values: Vec::new(),
        }
    }

    /// Records the option at word `i`; how many more words its value took.
    fn option(&mut self, w: &[Word], i: usize, conda: bool) -> usize {
        let t = w[i].text.as_str();
        self.options.push(t.to_string());
        let key = t.split('=').next().unwrap_or(t);
        if matches!(key, "--no-cache-dir" | "--no-cache") {
            self.no_cache = true;
        }
        if !VALUE_OPTIONS.contains(&key) {
            return 0;
        }
        let (v, skip) = opt_value(w, i, key);
        let v = v.unwrap_or("").to_string();
        self.values.push((key.to_string(), v.clone()));
        match key {
            // conda's `-c` is a channel, not a constraints file.
            "-c" | "--channel" if conda => {}
            "--file" | "-f" if conda => self.requirement_files.push(v),
            "-r" | "--requirement" => self.requirement_files.push(v),
            "-c" | "--constraint" => self.constraint_files.push(v),
            "-i" | "--index-url" | "--default-index" => self.index_url = Some(v),
            "--extra-index-url" | "--index" => self.extra_index_urls.push(v),
            "--trusted-host" => self.trusted_hosts.push(v),
            "--torch-backend" => self.torch_backend = Some(v),
            "-e" | "--editable" => self.local.push(v),
            _ => {}
        }
        skip
    }
}

/// `python setup.py install|develop`: the project in the working directory.
fn setup_py_install(w: &[Word]) -> Install {
    let dir = w[1].text.trim_end_matches("setup.py").trim_end_matches('/');
    Install {
        options: w[3..]
            .iter()
            .map(|x| x.text.clone())
            .filter(|t| t.starts_with('-'))
            .collect(),
        local: vec![if dir.is_empty() { "." } else { dir }.to_string()],
        ..Install::new(Tool::SetupPy, 2)
    }
}

/// A conda match spec as a requirement: `numpy=1.26` → `numpy==1.26`,
/// `conda-forge::pytorch` → `pytorch`, `pytorch-cuda=12.1` kept by name.
fn conda_spec(t: &str) -> String {
    let spec = t.rsplit("::").next().unwrap_or(t);
    if spec.contains("==") || spec.contains(">=") || spec.contains('<') || spec.contains('>') {
        return spec.to_string();
    }
    match spec.split_once('=') {
        Some((name, ver)) => format!("{name}=={}", ver.split('=').next().unwrap_or(ver)),
        None => spec.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn first(s: &str) -> Install {
        install(&parse(s).commands[0]).unwrap()
    }

    #[test]
    fn pip_variants() {
        let i = first(
            "pip3 install --no-cache-dir -r requirements.txt torch==2.3.0 --index-url https://download.pytorch.org/whl/cpu",
        );
        assert_eq!(i.tool, Tool::Pip);
        assert!(i.no_cache);
        assert_eq!(i.requirement_files, ["requirements.txt"]);
        assert_eq!(i.packages[0].0.name, "torch");
        assert_eq!(
            i.index_url.as_deref(),
            Some("https://download.pytorch.org/whl/cpu")
        );
        let i = first("python3 -m pip install -U pip");
        assert_eq!((i.tool, i.subcommand), (Tool::Pip, 3));
        assert_eq!(i.packages[0].0.name, "pip");
        let i = first("pip install .");
        assert_eq!(i.local, ["."]);
        assert!(install(&parse("pip download x").commands[0]).is_none());
        assert!(install(&parse("pip --version").commands[0]).is_none());
    }

    #[test]
    fn uv_poetry_conda() {
        let i = first("uv pip install --system --torch-backend=cpu torch");
        assert_eq!(i.tool, Tool::UvPip);
        assert_eq!(i.torch_backend.as_deref(), Some("cpu"));
        assert_eq!(first("uv sync --frozen --no-dev").tool, Tool::UvSync);
        assert_eq!(
            first("poetry install --no-root --only main").tool,
            Tool::Poetry
        );
        let i = first("conda env create -f environment.yml");
        assert_eq!(i.tool, Tool::Conda);
        assert_eq!(i.requirement_files, ["environment.yml"]);
        let i = first("micromamba install -y -n base -f /tmp/env.yaml");
        assert_eq!(i.tool, Tool::Micromamba);
        assert_eq!(i.requirement_files, ["/tmp/env.yaml"]);
        let i = first("conda install --yes pytorch==2.2.2 pytorch-cuda=12.1 -c pytorch -c nvidia");
        assert!(i.constraint_files.is_empty(), "-c is a channel for conda");
        let names: Vec<&str> = i.packages.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!(names, ["pytorch", "pytorch-cuda"]);
        assert_eq!(i.packages[1].0.pinned_version(), Some("12.1"));
    }

    #[test]
    fn module_and_setup_py_forms() {
        let i = first("python3 -m uv pip install --no-cache-dir -r /tmp/requirements.txt");
        assert_eq!((i.tool, i.requirement_files.len()), (Tool::UvPip, 1));
        assert_eq!(first("python -m uv sync --frozen").tool, Tool::UvSync);
        assert_eq!(
            first("python3 -m poetry install --no-root").tool,
            Tool::Poetry
        );
        let i = first("python setup.py install");
        assert_eq!(
            (i.tool, i.local.as_slice()),
            (Tool::SetupPy, [".".to_string()].as_slice())
        );
        let i = first("uv sync --extra cuda --no-dev --frozen");
        assert_eq!(i.values_of(&["--extra"]).collect::<Vec<_>>(), ["cuda"]);
        assert!(first("pip install --no-deps .").without_dependencies());
        let i = first("uv pip sync requirements.lock");
        assert_eq!(i.requirement_files, ["requirements.lock"]);
    }
}
