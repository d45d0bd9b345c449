//! The real-project corpus (`real-projects/` of the shared corpus): 23
//! public ML services, each with its Dockerfiles, manifests and whole file
//! tree with sizes. [`materialize`] recreates a project's tree as
//! `materialize.sh` does (real content from `files/`, sparse placeholders
//! of the recorded size elsewhere, symlinks, gitlinks as empty
//! directories), in-process and without a process per file.

use std::path::{Path, PathBuf};

/// One Dockerfile of a project, from its `meta.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDockerfile {
    /// Repository path.
    pub path: String,
    /// Build context directory, repository-relative (`.` is the root).
    pub context: String,
    /// `dockerfile`, or `template` for files that need rendering first.
    pub kind: String,
    pub primary: bool,
}

/// A project of the corpus.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder name (`owner__repo`).
    pub name: String,
    pub dir: PathBuf,
    pub dockerfiles: Vec<ProjectDockerfile>,
    /// Its compose files, repository paths, sorted (the corpus keeps every
    /// `docker-compose*.yml`, `compose*.yaml` and `*-compose.yaml`).
    pub compose_files: Vec<String>,
}

/// Every project of the corpus at `corpus` (the `corpus/` directory), by name.
pub fn projects(corpus: &Path) -> Vec<Project> {
    let root = corpus.join("real-projects");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else {
        return out;
    };
    for e in entries.flatten() {
        let meta = e.path().join("meta.toml");
        let Ok(text) = std::fs::read_to_string(&meta) else {
            continue;
        };
        out.push(Project {
            name: e.file_name().to_string_lossy().into_owned(),
            compose_files: compose_files(&e.path().join("files")),
            dir: e.path(),
            dockerfiles: dockerfiles(&text),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The compose files under a project's `files/`, repository paths, sorted.
fn compose_files(files: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![files.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            if path.is_dir() {
                stack.push(path);
            } else if name.contains("compose")
                && (name.ends_with(".yml") || name.ends_with(".yaml"))
            {
                let rel = path.strip_prefix(files).expect("under files/");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// The `[[dockerfile]]` tables of a meta.toml (a reader for the fields
/// used here, as the file writes them: `key = "value"` or `key = true`).
fn dockerfiles(meta: &str) -> Vec<ProjectDockerfile> {
    let mut out: Vec<ProjectDockerfile> = Vec::new();
    let mut current: Option<ProjectDockerfile> = None;
    for line in meta.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            out.extend(current.take());
            if line == "[[dockerfile]]" {
                current = Some(ProjectDockerfile {
                    path: String::new(),
                    context: ".".into(),
                    kind: "dockerfile".into(),
                    primary: false,
                });
            }
            continue;
        }
        let Some(d) = current.as_mut() else { continue };
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.split(" #").next().unwrap_or(v).trim();
        let s = v.trim_matches('"').to_string();
        match k.trim() {
            "path" => d.path = s,
            "context" => d.context = s,
            "kind" => d.kind = s,
            "primary" => d.primary = v == "true",
            _ => {}
        }
    }
    out.extend(current);
    out
}

/// Recreates a project's tree under `dest`: every `tree.tsv` entry, with
/// the real content from `files/` where there is one, a sparse file of the
/// recorded size elsewhere; symlinks with their recorded target (a
/// placeholder file when none is recorded); gitlinks as empty directories.
pub fn materialize(project: &Path, dest: &Path) -> std::io::Result<usize> {
    let tree = std::fs::read_to_string(project.join("tree.tsv"))?;
    let files = project.join("files");
    let mut n = 0;
    for line in tree.lines() {
        let mut cols = line.split('\t');
        let (Some(path), Some(size), Some(mode)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let target = dest.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match mode {
            "160000" => std::fs::create_dir_all(&target)?,
            "120000" if cols.clone().next().is_some_and(|l| !l.is_empty()) => {
                let link = unescape(cols.next().unwrap_or(""));
                let _ = std::fs::remove_file(&target);
                std::os::unix::fs::symlink(link, &target)?;
            }
            _ => {
                let real = files.join(path);
                if real.is_file() {
                    std::fs::copy(&real, &target)?;
                } else {
                    let f = std::fs::File::create(&target)?;
                    f.set_len(size.parse().unwrap_or(0))?;
                }
                if mode == "100755" {
                    use std::os::unix::fs::PermissionsExt as _;
                    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
                }
            }
        }
        n += 1;
    }
    Ok(n)
}

/// `\\`, `\t`, `\n`, `\r` as tree.tsv writes them in link targets.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dockerfile_tables() {
        let d = dockerfiles(
            "repo = \"a/b\"\n[[dockerfile]]\npath = \"Dockerfile\"\ncontext = \".\"\nprimary = true\n\n[[dockerfile]]\npath = \"x/Dockerfile.j2\"\ncontext = \"x\"\nkind = \"template\"\n",
        );
        assert_eq!(d.len(), 2);
        assert!(d[0].primary);
        assert_eq!(
            (d[1].kind.as_str(), d[1].context.as_str()),
            ("template", "x")
        );
    }

    #[test]
    fn materializes_sizes_contents_links_and_gitlinks() {
        let p = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(p.path().join("files/app")).unwrap();
        std::fs::write(p.path().join("files/app/req.txt"), "torch\n").unwrap();
        std::fs::write(
            p.path().join("tree.tsv"),
            "app/big.bin\t5000000\t100644\napp/req.txt\t6\t100644\nrun.sh\t10\t100755\nREADME.md\t10\t120000\tdocs/README.md\\n\nvendor/lib\t0\t160000\tabc\n",
        )
        .unwrap();
        let dest = tempfile::tempdir().unwrap();
        assert_eq!(materialize(p.path(), dest.path()).unwrap(), 5);
        let d = dest.path();
        assert_eq!(
            std::fs::metadata(d.join("app/big.bin")).unwrap().len(),
            5_000_000
        );
        assert_eq!(
            std::fs::read_to_string(d.join("app/req.txt")).unwrap(),
            "torch\n"
        );
        assert_eq!(
            std::fs::read_link(d.join("README.md")).unwrap(),
            PathBuf::from("docs/README.md\n")
        );
        assert!(d.join("vendor/lib").is_dir());
    }
}
