//! Where a file inside a stage comes from: which context file a COPY, ADD
//! or bind mount put at a container path. A requirement file the install
//! names as `/tmp/reqs.txt` is read from the context file a COPY renamed to
//! it, not from whatever file of that name sits at the context root.
//!
//! Copies follow Docker's rules: a file source lands at the destination
//! (renamed) unless the destination ends with `/`, there are several
//! sources or the source has wildcards, when it lands inside it; a
//! directory source has its contents copied into the destination.
//! `COPY --from=<stage>` is followed into that stage. A file a RUN writes
//! later is not tracked (a COPY is the only way a context file gets in).

use ballast_dockerfile::instructions::{CopyArgs, CopySource, Mount, MountType};
use ballast_dockerfile::stages::{Base, StageGraph};
use ballast_dockerfile::{Dockerfile, Keyword};

use crate::ignore::clean;
use crate::walk::{Context, Kind};

/// A context path placed at a container path by one instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placement {
    instruction: usize,
    /// Absolute container path, without a trailing `/`.
    dest: String,
    /// Where it comes from: a context path (`""` is the context root), or
    /// a path in another stage.
    source: Source,
    /// The source is a directory: its contents are under `dest`.
    dir: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Context(String),
    Stage(usize, String),
}

/// The copies of a Dockerfile, for looking up where container paths come from.
#[derive(Debug, Clone)]
pub struct Origins<'c> {
    ctx: Option<&'c Context>,
    placements: Vec<Placement>,
    workdirs: Vec<std::sync::Arc<str>>,
    stage_of: Vec<Option<usize>>,
    bases: Vec<Option<usize>>,
    /// For each stage, its instruction range end (exclusive).
    stage_end: Vec<usize>,
    binds: Vec<Vec<(String, String)>>,
}

/// Makes a container path absolute against a working directory and cleans it.
pub fn absolute(workdir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", workdir.trim_end_matches('/'))
    };
    let c = clean(&joined);
    if c == "." { "/".into() } else { c }
}

fn context_rel(src: &str) -> String {
    let c = clean(src.trim_start_matches('/'));
    if c == "." { String::new() } else { c }
}

impl<'c> Origins<'c> {
    /// Reads the copies of every stage. `ctx` tells files from directories;
    /// without it, a source is a directory when it ends with `/` or is `.`.
    pub fn new(df: &Dockerfile, graph: &StageGraph, ctx: Option<&'c Context>) -> Origins<'c> {
        let workdirs = graph.workdirs(df);
        let mut placements = Vec::new();
        let mut binds = vec![Vec::new(); df.instructions.len()];
        for (i, inst) in df.instructions.iter().enumerate() {
            let Some(stage) = graph.stage_of.get(i).copied().flatten() else {
                continue;
            };
            let scope = &graph.scopes[i];
            let expand = |s: &str| scope.expand_keep_unknown(s, df.escape);
            match inst.keyword {
                Keyword::Copy | Keyword::Add => {
                    let from = inst.flag("from").and_then(|f| f.value()).map(expand);
                    let from_stage = match &from {
                        Some(f) => match graph.find_stage(f) {
                            Some(s) if s < stage => Some(s),
                            _ => continue, // an external image
                        },
                        None => None,
                    };
                    let Ok(args) = CopyArgs::parse(inst) else {
                        continue;
                    };
                    let dest_raw = expand(&args.dest);
                    let dest = absolute(&workdirs[i], &dest_raw);
                    let paths: Vec<String> = args
                        .sources
                        .iter()
                        .filter_map(|s| match s {
                            CopySource::Path { value, .. } => Some(expand(value)),
                            CopySource::Heredoc { .. } => None,
                        })
                        .filter(|v| !v.contains("://") && !v.starts_with("git@"))
                        .collect();
                    let into_dir = dest_raw.ends_with('/')
                        || matches!(dest_raw.as_str(), "." | "./")
                        || paths.len() > 1;
                    for src in paths {
                        placements.extend(place(i, &src, &dest, into_dir, from_stage, ctx));
                    }
                }
                Keyword::Run => {
                    for m in Mount::of(inst) {
                        if m.kind != MountType::Bind || m.from.is_some() {
                            continue;
                        }
                        let Some(target) = m.target.as_deref() else {
                            continue;
                        };
                        let src = context_rel(&expand(m.source.as_deref().unwrap_or(".")));
                        binds[i].push((absolute(&workdirs[i], &expand(target)), src));
                    }
                }
                _ => {}
            }
        }
        let stage_end = graph
            .stages
            .iter()
            .map(|s| s.body.end.max(s.from + 1))
            .collect();
        let bases = graph
            .stages
            .iter()
            .map(|s| match s.base {
                Base::Stage(p) => Some(p),
                _ => None,
            })
            .collect();
        Origins {
            ctx,
            placements,
            workdirs,
            stage_of: graph.stage_of.clone(),
            bases,
            stage_end,
            binds,
        }
    }

    /// The working directory of instruction `i`.
    pub fn workdir(&self, i: usize) -> &str {
        self.workdirs.get(i).map_or("/", |w| w)
    }

    /// The context path a container path holds when instruction `at` runs
    /// (its own bind mounts, then the copies before it in its stage and the
    /// stages that stage is built on). `path` may be relative to the
    /// instruction's working directory.
    pub fn context_path(&self, at: usize, path: &str) -> Option<String> {
        let abs = absolute(self.workdir(at), path);
        for (target, src) in self.binds.get(at).into_iter().flatten() {
            if let Some(rel) = under(&abs, target) {
                return Some(join(src, rel));
            }
        }
        let stage = self.stage_of.get(at).copied().flatten()?;
        self.lookup(stage, at, &abs, 0)
    }

    /// The context path behind `abs` as seen before instruction `before` of `stage`.
    fn lookup(&self, stage: usize, before: usize, abs: &str, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let found = self
            .placements
            .iter()
            .rev()
            .filter(|p| p.instruction < before && self.stage_of[p.instruction] == Some(stage))
            .find_map(|p| {
                let rel = if p.dir {
                    under(abs, &p.dest)?
                } else if abs == p.dest {
                    ""
                } else {
                    return None;
                };
                Some(match &p.source {
                    // A directory copy holds only what the context has.
                    Source::Context(c) => {
                        let path = join(c, rel);
                        if self.ctx.is_some_and(|ctx| ctx.get(&path).is_none()) && !rel.is_empty() {
                            return None;
                        }
                        Some(path)
                    }
                    Source::Stage(s, path) => {
                        let inner = if rel.is_empty() {
                            path.clone()
                        } else {
                            format!("{}/{rel}", path.trim_end_matches('/'))
                        };
                        self.lookup(*s, self.stage_end[*s], &inner, depth + 1)
                    }
                })
            });
        match found {
            Some(r) => r,
            None => {
                let base = self.bases.get(stage).copied().flatten()?;
                self.lookup(base, self.stage_end[base], abs, depth + 1)
            }
        }
    }
}

/// The placements one source of a COPY makes.
fn place(
    i: usize,
    src: &str,
    dest: &str,
    into_dir: bool,
    from_stage: Option<usize>,
    ctx: Option<&Context>,
) -> Vec<Placement> {
    let wildcard = src.contains(['*', '?', '[']);
    let dest = dest.trim_end_matches('/').to_string();
    let dest = if dest.is_empty() {
        "/".to_string()
    } else {
        dest
    };
    let target_in = |name: &str| {
        if dest == "/" {
            format!("/{name}")
        } else {
            format!("{dest}/{name}")
        }
    };
    if let Some(stage) = from_stage {
        let abs = absolute("/", src);
        // Another stage's directory or file: without knowing which, a
        // trailing `/` or a directory-like destination makes it a directory.
        let name = abs.rsplit('/').next().unwrap_or("").to_string();
        let dir = src.ends_with('/') || src.ends_with("/.") || name.is_empty();
        let placed = if dir || !into_dir {
            dest.clone()
        } else {
            target_in(&name)
        };
        return vec![Placement {
            instruction: i,
            dest: placed,
            source: Source::Stage(stage, abs),
            dir: true, // a file looks like a directory with one entry
        }];
    }
    let rel = context_rel(src);
    let matches: Vec<(String, bool)> = match ctx {
        Some(c) if wildcard => c
            .entries
            .iter()
            .filter(|e| crate::ignore::go_match(&rel, &e.path).unwrap_or(false))
            .map(|e| (e.path.clone(), e.kind == Kind::Dir))
            .collect(),
        Some(c) => {
            let dir = rel.is_empty() || c.get(&rel).is_some_and(|e| e.kind == Kind::Dir);
            vec![(rel.clone(), dir)]
        }
        None if wildcard => Vec::new(),
        None => {
            let dir = rel.is_empty() || src.ends_with('/') || src.ends_with("/.");
            vec![(rel.clone(), dir)]
        }
    };
    matches
        .into_iter()
        .map(|(path, dir)| {
            let name = path.rsplit('/').next().unwrap_or(&path);
            let placed = if dir || (!into_dir && !wildcard) {
                dest.clone()
            } else {
                target_in(name)
            };
            Placement {
                instruction: i,
                dest: placed,
                source: Source::Context(path.clone()),
                dir,
            }
        })
        .collect()
}

/// `path` relative to `dir` when inside it (`""` for `dir` itself).
fn under<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir == "/" {
        return Some(path.trim_start_matches('/'));
    }
    if path == dir {
        return Some("");
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

fn join(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (_, true) => base.to_string(),
        (true, false) => rel.to_string(),
        (false, false) => format!("{base}/{rel}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballast_dockerfile::stages::BuildOptions;

    fn context(files: &[&str]) -> Context {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        crate::walk::walk(dir.path(), &crate::ignore::IgnoreFile::default()).unwrap()
    }

    fn parse(text: &str) -> (Dockerfile, StageGraph) {
        let df = Dockerfile::parse(text);
        let graph = StageGraph::new(&df, &BuildOptions::default());
        (df, graph)
    }

    #[test]
    fn follows_renames_directories_and_workdirs() {
        let ctx = context(&[
            "requirements.txt",
            "requirements-docker.txt",
            "deploy/requirements-prod.txt",
            "libs/emb/pyproject.toml",
            "a.txt",
            "b.txt",
            "pyproject.toml",
        ]);
        let (df, graph) = parse(
            "FROM python\nWORKDIR /app\nCOPY requirements-docker.txt ./requirements.txt\nCOPY deploy/requirements-prod.txt /tmp/reqs.txt\nCOPY libs/emb .\nCOPY a.txt b.txt /opt/\nRUN --mount=type=bind,source=pyproject.toml,target=/src/pyproject.toml pip install .\n",
        );
        let o = Origins::new(&df, &graph, Some(&ctx));
        let run = df.instructions.len() - 1;
        assert_eq!(
            o.context_path(run, "requirements.txt").as_deref(),
            Some("requirements-docker.txt")
        );
        assert_eq!(
            o.context_path(run, "/tmp/reqs.txt").as_deref(),
            Some("deploy/requirements-prod.txt")
        );
        assert_eq!(
            o.context_path(run, "/app/pyproject.toml").as_deref(),
            Some("libs/emb/pyproject.toml")
        );
        assert_eq!(o.context_path(run, "/opt/b.txt").as_deref(), Some("b.txt"));
        assert_eq!(
            o.context_path(run, "/src/pyproject.toml").as_deref(),
            Some("pyproject.toml")
        );
        assert_eq!(o.context_path(run, "/etc/passwd"), None);
        // Before the copies, nothing is there.
        assert_eq!(o.context_path(1, "/tmp/reqs.txt"), None);
    }

    #[test]
    fn follows_stages() {
        let ctx = context(&["req/a.txt", "req/b.txt"]);
        let (df, graph) = parse(
            "FROM python AS base\nCOPY . /src\nFROM base AS deps\nCOPY --from=base /src/req /r\nRUN pip install -r /r/a.txt -r /src/req/b.txt\n",
        );
        let o = Origins::new(&df, &graph, Some(&ctx));
        let run = df.instructions.len() - 1;
        assert_eq!(
            o.context_path(run, "/r/a.txt").as_deref(),
            Some("req/a.txt")
        );
        assert_eq!(
            o.context_path(run, "/src/req/b.txt").as_deref(),
            Some("req/b.txt")
        );
    }
}
