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
    Conda,
    Mamba,
    Micromamba,
}

impl Tool {
    /// Whether the tool keeps a cache of downloaded packages by default.
    pub fn caches(self) -> bool {
        !matches!(self, Tool::Pipenv)
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
    // Find the tool and the index of its install subcommand.
    let (tool, sub) = match base {
        "pip" => (Tool::Pip, 1),
        "python" | "py"
            if w.get(1).is_some_and(|x| x.text == "-m")
                && w.get(2).is_some_and(|x| x.text.starts_with("pip")) =>
        {
            (Tool::Pip, 3)
        }
        "uv" if w.get(1).is_some_and(|x| x.text == "pip") => (Tool::UvPip, 2),
        "uv" if w.get(1).is_some_and(|x| x.text == "sync") => (Tool::UvSync, 1),
        "uv" if w.get(1).is_some_and(|x| x.text == "add") => (Tool::UvSync, 1),
        "poetry" => (Tool::Poetry, 1),
        "pdm" => (Tool::Pdm, 1),
        "pipenv" => (Tool::Pipenv, 1),
        "conda" => (Tool::Conda, 1),
        "mamba" => (Tool::Mamba, 1),
        "micromamba" => (Tool::Micromamba, 1),
        _ => return None,
    };
    // Global options may come before the subcommand (`pip --no-cache-dir install`).
    let mut s = sub;
    while w.get(s).is_some_and(|x| x.text.starts_with('-')) {
        s += 1;
    }
    let verb = w.get(s).map(|x| x.text.as_str()).unwrap_or("");
    let ok = match tool {
        Tool::Pip | Tool::UvPip => matches!(verb, "install" | "sync"),
        Tool::UvSync => matches!(verb, "sync" | "add"),
        Tool::Poetry => matches!(verb, "install" | "add" | "sync"),
        Tool::Pdm => matches!(verb, "install" | "sync" | "add"),
        Tool::Pipenv => matches!(verb, "install" | "sync"),
        Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            matches!(verb, "install" | "create" | "update")
                || (verb == "env"
                    && w.get(s + 1)
                        .is_some_and(|x| x.text == "create" || x.text == "update"))
        }
    };
    if !ok {
        return None;
    }
    let mut inst = Install {
        tool,
        subcommand: s,
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
    };
    let mut i = sub;
    while i < w.len() {
        if i == s || (verb == "env" && i == s + 1) {
            i += 1;
            continue;
        }
        let t = w[i].text.as_str();
        if t.starts_with('-') {
            inst.options.push(t.to_string());
            let key = t.split('=').next().unwrap_or(t);
            let takes_value = |k: &str| {
                matches!(
                    k,
                    "-r" | "--requirement"
                        | "-c"
                        | "--constraint"
                        | "-i"
                        | "--index-url"
                        | "--extra-index-url"
                        | "-f"
                        | "--find-links"
                        | "--trusted-host"
                        | "-t"
                        | "--target"
                        | "--prefix"
                        | "--root"
                        | "-e"
                        | "--editable"
                        | "--torch-backend"
                        | "-n"
                        | "--name"
                        | "-p"
                        | "--python"
                        | "--file"
                        | "-C"
                        | "--directory"
                        | "--group"
                        | "--with"
                        | "--without"
                        | "--only"
                        | "--extras"
                        | "-E"
                        | "--index"
                        | "--default-index"
                        | "--only-binary"
                        | "--no-binary"
                        | "--platform"
                        | "--python-version"
                        | "--abi"
                        | "--implementation"
                        | "--upgrade-strategy"
                        | "--progress-bar"
                        | "--root-user-action"
                )
            };
            match key {
                "--no-cache-dir" | "--no-cache" => inst.no_cache = true,
                _ => {}
            }
            if takes_value(key) {
                let (v, skip) = opt_value(w, i, key);
                let v = v.unwrap_or("").to_string();
                let conda = matches!(tool, Tool::Conda | Tool::Mamba | Tool::Micromamba);
                match key {
                    "--file" | "-f" if conda => inst.requirement_files.push(v),
                    "-r" | "--requirement" => inst.requirement_files.push(v),
                    "-c" | "--constraint" => inst.constraint_files.push(v),
                    "-i" | "--index-url" | "--default-index" => inst.index_url = Some(v),
                    "--extra-index-url" | "--index" => inst.extra_index_urls.push(v),
                    "--trusted-host" => inst.trusted_hosts.push(v),
                    "--torch-backend" => inst.torch_backend = Some(v),
                    "-e" | "--editable" => inst.local.push(v),
                    _ => {}
                }
                i += 1 + skip;
                continue;
            }
            i += 1;
            continue;
        }
        match parse_requirement(t) {
            Some(r) => inst.packages.push((r, w[i].clone())),
            None => inst.local.push(t.to_string()),
        }
        i += 1;
    }
    Some(inst)
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
    }
}
