//! What the user asks `slim` to remove beyond the unreachable bytes
//! (`--drop CLASS`, `--drop-path GLOB`), and what it never removes: the
//! paths the image's configuration names (entrypoint and command files,
//! the programs they run found on `PATH`, the working directory, volumes,
//! the home of its user) with the directories above them and what their
//! symbolic links lead to, and the package managers' records of what is
//! installed (`var/lib/dpkg/`, `*.dist-info/`, `*.egg-info/`).

use std::collections::HashSet;

use ballast_ml::droppable::{DropClass, drop_class};
use ballast_ml::images::user_home;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde_json::Value;

use super::plan::Reason;
use crate::tree::FileTree;

/// What to remove beyond the unreachable bytes.
#[derive(Debug, Clone, Default)]
pub struct DropRules {
    /// `--drop CLASS,...`.
    pub classes: Vec<DropClass>,
    /// `--drop-path GLOB` (`/` optional at the start; `*` stays within a
    /// component, `**` crosses them; a directory that matches takes
    /// everything below it).
    pub paths: Vec<String>,
}

impl DropRules {
    /// Whether only unreachable bytes go.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty() && self.paths.is_empty()
    }

    /// The name of a reason, as the audit and the summary give it.
    pub fn label(&self, reason: Reason) -> String {
        match reason {
            Reason::Class(c) => c.name().to_string(),
            Reason::Path(i) => format!("path:{}", self.paths[i]),
        }
    }
}

/// The rules ready to choose paths, with the protected ones.
pub(super) struct Compiled<'r> {
    rules: &'r DropRules,
    globs: GlobSet,
    protected: HashSet<String>,
}

impl<'r> Compiled<'r> {
    /// Compiles the globs; protects what `config` (the image's configuration
    /// JSON) names, resolved in `tree` (the final filesystem).
    pub(super) fn new(
        rules: &'r DropRules,
        config: &Value,
        passwd: Option<&str>,
        tree: &FileTree,
    ) -> Result<Self, String> {
        let mut set = GlobSetBuilder::new();
        for p in &rules.paths {
            set.add(glob(p)?);
        }
        let globs = set.build().map_err(|e| e.to_string())?;
        let protected = if rules.is_empty() {
            HashSet::new()
        } else {
            protect(&named_by_config(config, passwd), tree)
        };
        Ok(Compiled {
            rules,
            globs,
            protected,
        })
    }

    /// Why a visible path goes, if it does.
    pub(super) fn choose(&self, path: &[u8], dir: bool) -> Option<Reason> {
        let path = std::str::from_utf8(path).ok()?;
        if self.protected.contains(path) || is_install_record(path) {
            return None;
        }
        // A class's own directory (`root/.cache/pip`) is in it too.
        let own_dir = || dir.then(|| drop_class(&format!("{path}/"), &self.rules.classes));
        let class = drop_class(path, &self.rules.classes).or_else(|| own_dir().flatten());
        if let Some(class) = class {
            return Some(Reason::Class(class));
        }
        if self.globs.is_empty() {
            return None;
        }
        // The path or a directory above it.
        std::iter::once(path)
            .chain(path.rmatch_indices('/').map(|(i, _)| &path[..i]))
            .find_map(|p| self.globs.matches(p).first().copied())
            .map(Reason::Path)
    }
}

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern.trim_start_matches('/'))
        .literal_separator(true)
        .build()
        .map_err(|e| format!("--drop-path {pattern}: {e}"))
}

/// dpkg's database and Python's installation records: what stays must
/// still be known to be installed (and to scanners).
fn is_install_record(path: &str) -> bool {
    path.starts_with("var/lib/dpkg/")
        || path
            .split('/')
            .any(|c| c.ends_with(".dist-info") || c.ends_with(".egg-info"))
}

/// The paths the configuration names, root-relative.
fn named_by_config(config: &Value, passwd: Option<&str>) -> Vec<String> {
    let c = &config["config"];
    let workdir = c["WorkingDir"].as_str().unwrap_or("").trim_matches('/');
    let path_dirs: Vec<&str> = c["Env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str()?.strip_prefix("PATH="))
        .flat_map(|p| p.split(':'))
        .collect();
    let mut named = vec![workdir.to_string()];
    let words = ["Entrypoint", "Cmd"]
        .iter()
        .flat_map(|k| c[k].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .flat_map(str::split_whitespace);
    for word in words {
        if let Some(abs) = word.strip_prefix('/') {
            named.push(abs.to_string());
        } else if word.contains('/') || word.contains('.') {
            named.push(join(workdir, word));
        } else {
            named.extend(path_dirs.iter().map(|d| join(d.trim_matches('/'), word)));
        }
    }
    if let Some(volumes) = c["Volumes"].as_object() {
        named.extend(volumes.keys().map(|v| v.trim_matches('/').to_string()));
    }
    let user = c["User"].as_str().unwrap_or("");
    named.extend(passwd.and_then(|p| user_home(p, user)));
    named.retain(|p| !p.is_empty());
    named
}

fn join(dir: &str, rel: &str) -> String {
    let rel = rel.trim_start_matches("./");
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The named paths, what their links resolve to, and every directory above them.
fn protect(named: &[String], tree: &FileTree) -> HashSet<String> {
    let mut out = HashSet::new();
    for p in named {
        let resolved = tree.resolve(p);
        for p in std::iter::once(p.as_str()).chain(resolved.as_deref()) {
            out.insert(p.to_string());
            out.extend(p.match_indices('/').map(|(i, _)| p[..i].to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_configuration_names_its_files_dirs_and_home() {
        let config = json!({"config": {
            "Entrypoint": ["/docker-entrypoint.sh"],
            "Cmd": ["python", "serve.py", "--config", "/etc/app/app.toml"],
            "WorkingDir": "/srv/app",
            "Env": ["PATH=/usr/local/bin:/usr/bin"],
            "Volumes": {"/data": {}},
            "User": "app",
        }});
        let passwd = "app:x:1000:1000::/home/app:/bin/sh\n";
        let named = named_by_config(&config, Some(passwd));
        for want in [
            "docker-entrypoint.sh",
            "usr/local/bin/python",
            "usr/bin/python",
            "srv/app/serve.py",
            "etc/app/app.toml",
            "srv/app",
            "data",
            "home/app",
        ] {
            assert!(named.iter().any(|n| n == want), "{want} in {named:?}");
        }
    }

    #[test]
    fn protected_paths_and_records_are_never_chosen() {
        let rules = DropRules {
            classes: vec![DropClass::Docs, DropClass::Tests],
            paths: vec!["/opt/tools/**".into(), "srv/*.md".into()],
        };
        let config = json!({"config": {"Entrypoint": ["/opt/tools/run"], "WorkingDir": "/srv"}});
        let c = Compiled::new(&rules, &config, None, &FileTree::new()).unwrap();
        let why = |p: &str| c.choose(p.as_bytes(), false);
        assert_eq!(
            why("usr/share/man/man1/ls.1.gz"),
            Some(Reason::Class(DropClass::Docs))
        );
        assert_eq!(why("opt/tools/lib/x.so"), Some(Reason::Path(0)));
        assert_eq!(why("srv/README.md"), Some(Reason::Path(1)));
        // `*` stays within a component.
        assert_eq!(why("srv/docs/README.md"), None);
        // The entrypoint and the directories above it stay.
        assert_eq!(why("opt/tools/run"), None);
        assert_eq!(why("opt/tools"), None);
        // Installation records stay.
        let record = "usr/lib/python3/site-packages/x-1.0.dist-info/tests/RECORD";
        assert_eq!(why(record), None);
        assert_eq!(why("var/lib/dpkg/info/curl.list"), None);
    }

    #[test]
    fn a_directory_matched_takes_what_is_below_it() {
        let rules = DropRules {
            classes: vec![],
            paths: vec!["opt/conda/pkgs".into()],
        };
        let c = Compiled::new(&rules, &json!({}), None, &FileTree::new()).unwrap();
        assert_eq!(
            c.choose(b"opt/conda/pkgs/a/b.tar.bz2", false),
            Some(Reason::Path(0))
        );
        assert_eq!(c.choose(b"opt/conda/pkgsx", false), None);
    }

    #[test]
    fn a_bad_glob_is_named() {
        let rules = DropRules {
            classes: vec![],
            paths: vec!["a/[b".into()],
        };
        let err = Compiled::new(&rules, &json!({}), None, &FileTree::new())
            .err()
            .unwrap();
        assert!(err.starts_with("--drop-path a/[b: "), "{err}");
    }
}
