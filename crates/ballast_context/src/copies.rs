//! What each COPY/ADD (and each `RUN --mount=type=bind`) takes from the
//! build context, after `.dockerignore`.
//!
//! Sources are expanded with the variables the instruction sees, cleaned and
//! made relative to the context root. A source with `*`, `?` or `[` matches
//! context paths with Go's `filepath.Match` (as BuildKit resolves wildcards);
//! a matched directory is taken whole. `--exclude` patterns (moby syntax)
//! drop files. Sources from another stage (`--from`), URLs, git repositories
//! and heredocs take nothing from the context.

use ballast_dockerfile::instructions::{CopyArgs, CopySource, Mount, MountType};
use ballast_dockerfile::stages::StageGraph;
use ballast_dockerfile::{Dockerfile, Instruction, Keyword};
use serde::Serialize;

use crate::ignore::{IgnoreFile, clean, go_match};
use crate::walk::{Context, Kind};

/// One source of a context use.
#[derive(Debug, Clone, Serialize)]
pub struct SourceUse {
    /// As written.
    pub written: String,
    /// Expanded and cleaned, context-relative (`""` is the whole context).
    pub path: String,
    /// Whether it has wildcards.
    pub wildcard: bool,
    /// Context paths it matched (files or directories), when any.
    pub matched: Vec<String>,
    /// Matched nothing the build sends (missing, or excluded by .dockerignore).
    pub missing: bool,
}

/// An instruction that reads the build context.
#[derive(Debug, Clone, Serialize)]
pub struct ContextUse {
    /// Index in the Dockerfile's instructions.
    pub instruction: usize,
    /// 1-based first line.
    pub line: usize,
    /// The stage it belongs to.
    pub stage: usize,
    /// `COPY`, `ADD` or `RUN` (bind mount).
    pub keyword: String,
    /// The instruction as written (logical line).
    pub text: String,
    pub sources: Vec<SourceUse>,
    /// Regular files taken.
    pub files: u64,
    /// Bytes taken.
    pub bytes: u64,
    #[serde(skip)]
    excludes: IgnoreFile,
}

/// Whether a context path is a dependency manifest: what a dependency
/// install reads, as opposed to application code. Requirement files by any
/// name (`requirements-docker.txt`, `vectordb.requirements.txt`,
/// `requirements/base.in`, `requirements_install_from_poetry.sh`),
/// constraints, lock files, project manifests (`pyproject.toml`,
/// `setup.py`, `setup.cfg`, `poetry.toml`, `Pipfile`), conda environment
/// files and the manifests of other ecosystems.
pub fn is_dependency_manifest(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    let in_requirements_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|d| d == "requirements" || d == "reqs")
        && (name.ends_with(".txt") || name.ends_with(".in"));
    (name.contains("requirements") && !name.ends_with(".py"))
        || name.starts_with("constraints")
        || in_requirements_dir
        || name.ends_with(".lock")
        || (yaml && (name.starts_with("env") || name.contains("conda")))
        || matches!(
            name.as_str(),
            "pyproject.toml"
                | "pipfile"
                | "setup.py"
                | "setup.cfg"
                | "poetry.toml"
                | "uv.toml"
                | "manifest.in"
                | "package.json"
                | "package-lock.json"
                | "pnpm-lock.yaml"
                | "pnpm-workspace.yaml"
                | ".npmrc"
                | ".yarnrc.yml"
                | "go.mod"
                | "go.sum"
                | "cargo.toml"
                | "gemfile"
                | ".python-version"
        )
}

/// Whether a context path is build metadata rather than application code:
/// a dependency manifest, documentation the manifest names (`README*`,
/// `LICENSE*`), the Dockerfile and its ignore file, a Makefile, a version
/// file, or a build-backend script (`build_backend.py`, `hatch_build.py`).
/// A change to these rarely comes with a code change, so copying them
/// before the dependency install is the point of a dependency layer.
pub fn is_build_metadata(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.split('.').next().unwrap_or(&name);
    is_dependency_manifest(path)
        || matches!(
            stem,
            "readme" | "license" | "licence" | "copying" | "notice" | "authors" | "changelog"
        )
        || ballast_dockerfile::names::is_dockerfile_name(&name)
        || name.ends_with(".dockerignore")
        || matches!(
            name.as_str(),
            "makefile"
                | "version"
                | "version.txt"
                | "version.py"
                | "_version.py"
                | "__version__.py"
                | "__about__.py"
                | "build.py"
                | "hatch_build.py"
                | ".gitattributes"
                | ".gitignore"
        )
        || (name.ends_with(".py") && (stem.starts_with("build_") || stem.ends_with("_build")))
}

/// The file a typical code change touches: an application source file
/// the build copies from the context into the image (or into a stage the
/// target needs). Never junk (virtualenvs, caches, bytecode, VCS, ...),
/// never ignored, never build metadata. A Python file outside tests is
/// preferred, then any source file; one in a package directory, the
/// shallowest first.
pub fn typical_code_change(
    ctx: &Context,
    uses: &[ContextUse],
    stages: &std::collections::BTreeSet<usize>,
    image_stages: &[usize],
) -> Option<String> {
    let junk = crate::junk::find(ctx);
    let in_junk = |p: &str| {
        junk.iter()
            .any(|j| p == j.path || p.starts_with(&format!("{}/", j.path)))
    };
    let mut candidates: Vec<(&str, bool)> = uses
        .iter()
        .filter(|u| stages.contains(&u.stage) && u.keyword != "RUN")
        .flat_map(|u| {
            let image = image_stages.contains(&u.stage);
            u.sources
                .iter()
                .flat_map(|s| s.matched.iter())
                .flat_map(|m| ctx.under(m))
                .filter(|e| e.kind == Kind::File && !e.excluded)
                .filter(|e| !u.excludes.is_excluded(&e.path))
                .map(move |e| (e.path.as_str(), image))
        })
        .filter(|(p, _)| !is_build_metadata(p) && !in_junk(p))
        .filter(|(p, _)| !p.split('/').any(|c| c.starts_with('.')))
        .collect();
    let source = |p: &str| {
        [
            ".py", ".ts", ".tsx", ".js", ".jsx", ".go", ".rs", ".java", ".rb",
        ]
        .iter()
        .any(|s| p.ends_with(s))
    };
    let test = |p: &str| p.split('/').any(|c| c == "tests" || c == "test") || p.contains("test_");
    candidates.sort_by_key(|(p, image)| {
        (
            !image,
            !p.ends_with(".py"),
            !source(p),
            test(p),
            p.ends_with("__init__.py"),
            // Root-level files are scripts and configs more often than code.
            !p.contains('/'),
            p.matches('/').count(),
            *p,
        )
    });
    candidates.first().map(|(p, _)| p.to_string())
}

fn is_remote(src: &str) -> bool {
    src.starts_with("http://")
        || src.starts_with("https://")
        || src.starts_with("git@")
        || src.ends_with(".git")
        || src.contains(".git#")
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// A source path made context-relative.
fn normalize(src: &str) -> String {
    let c = clean(src.trim_start_matches('/'));
    if c == "." { String::new() } else { c }
}

impl ContextUse {
    /// Whether this instruction takes `path` (context-relative) given its
    /// source patterns: true for existing files it takes and for files that
    /// would be taken if they existed (a deleted file changes the copy too).
    pub fn would_take(&self, ignore: &IgnoreFile, path: &str) -> bool {
        if ignore.is_excluded(path) {
            return false;
        }
        let covered = self.sources.iter().any(|s| {
            if s.path.is_empty() {
                return true;
            }
            if s.wildcard {
                let mut prefix = String::new();
                for comp in path.split('/') {
                    if !prefix.is_empty() {
                        prefix.push('/');
                    }
                    prefix.push_str(comp);
                    if go_match(&s.path, &prefix).unwrap_or(false) {
                        return true;
                    }
                }
                false
            } else {
                path == s.path || path.starts_with(&format!("{}/", s.path))
            }
        });
        covered && !self.excludes.is_excluded(path)
    }
}

/// What BuildKit transfers of the context for one build. The Dockerfile
/// frontend passes the sources that the COPY, ADD and bind mounts of the
/// stages it builds name to the context source as `FollowPaths`, so only
/// those paths (after `.dockerignore`) travel to the builder; a source that
/// names the whole context (`.`) sends all of it, and a build that names
/// none reads nothing. The classic builder and `podman build` read the
/// whole context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Some source names the whole context.
    pub whole: bool,
    /// The context paths named (files or directories), sorted, none inside another.
    pub roots: Vec<String>,
}

impl Transfer {
    /// The transfer of the uses made by `stages` (the stages the target needs).
    pub fn of(uses: &[ContextUse], stages: &std::collections::BTreeSet<usize>) -> Transfer {
        let mut whole = false;
        let mut roots: Vec<String> = Vec::new();
        for u in uses.iter().filter(|u| stages.contains(&u.stage)) {
            for s in &u.sources {
                for m in &s.matched {
                    if m.is_empty() {
                        whole = true;
                    } else {
                        roots.push(m.clone());
                    }
                }
            }
        }
        roots.sort();
        roots.dedup();
        let mut kept: Vec<String> = Vec::new();
        for r in roots {
            if !kept.last().is_some_and(|k| r.starts_with(&format!("{k}/"))) {
                kept.push(r);
            }
        }
        Transfer { whole, roots: kept }
    }

    /// Whether a context path (a file, or a directory with anything of it)
    /// travels to the builder, before `.dockerignore` is applied.
    pub fn covers(&self, path: &str) -> bool {
        self.whole
            || self.roots.iter().any(|r| {
                path == r
                    || path.starts_with(&format!("{r}/"))
                    || r.starts_with(&format!("{path}/"))
            })
    }

    /// Whether a file travels: covered and not excluded by `.dockerignore`.
    pub fn sends(&self, ctx: &Context, path: &str) -> bool {
        ctx.get(path).is_some_and(|e| !e.excluded) && self.covers_file(path)
    }

    fn covers_file(&self, path: &str) -> bool {
        self.whole
            || self
                .roots
                .iter()
                .any(|r| path == r || path.starts_with(&format!("{r}/")))
    }

    /// Regular-file bytes and files transferred.
    pub fn totals(&self, ctx: &Context) -> (u64, u64) {
        let files: Box<dyn Iterator<Item = &crate::walk::Entry>> = if self.whole {
            Box::new(ctx.entries.iter())
        } else {
            Box::new(self.roots.iter().flat_map(|r| ctx.under(r)))
        };
        files
            .filter(|e| e.kind == Kind::File && !e.excluded)
            .fold((0, 0), |(b, n), e| (b + e.size, n + 1))
    }
}

/// Every use of the context by the Dockerfile, in instruction order.
pub fn context_uses(df: &Dockerfile, graph: &StageGraph, ctx: &Context) -> Vec<ContextUse> {
    let mut out = Vec::new();
    for (i, inst) in df.instructions.iter().enumerate() {
        let Some(stage) = graph.stage_of[i] else {
            continue;
        };
        let Some((written, excludes)) = context_sources(inst) else {
            continue;
        };
        let scope = &graph.scopes[i];
        let excludes = IgnoreFile::parse(&excludes, Some("--exclude"));
        let mut sources = Vec::new();
        let mut taken: Vec<&str> = Vec::new();
        for w in written {
            let path = normalize(&scope.expand_keep_unknown(&w, df.escape));
            let wildcard = has_wildcard(&path);
            let matched = matches_of(ctx, &path, wildcard);
            for root in &matched {
                taken.extend(
                    ctx.under(root)
                        .filter(|e| {
                            e.kind == Kind::File && !e.excluded && !excludes.is_excluded(&e.path)
                        })
                        .map(|e| e.path.as_str()),
                );
            }
            sources.push(SourceUse {
                written: w,
                missing: matched.is_empty(),
                path,
                wildcard,
                matched,
            });
        }
        taken.sort_unstable();
        taken.dedup();
        let bytes = taken
            .iter()
            .filter_map(|p| ctx.get(p))
            .map(|e| e.size)
            .sum();
        out.push(ContextUse {
            instruction: i,
            line: inst.start_line,
            stage,
            keyword: inst.name(),
            text: inst.original.clone(),
            files: taken.len() as u64,
            bytes,
            sources,
            excludes,
        });
    }
    out
}

/// The context paths an instruction names as written (a COPY/ADD's local
/// sources, a RUN's bind mounts of the context) and its `--exclude`
/// patterns, one a line; `None` when it takes nothing from the context.
fn context_sources(inst: &Instruction) -> Option<(Vec<String>, String)> {
    let mut written: Vec<String> = Vec::new();
    let mut excludes = String::new();
    match inst.keyword {
        Keyword::Copy | Keyword::Add => {
            if inst.flag("from").is_some() {
                return None;
            }
            let args = CopyArgs::parse(inst).ok()?;
            for s in args.sources {
                if let CopySource::Path { value, .. } = s
                    && !(inst.keyword == Keyword::Add && is_remote(&value))
                {
                    written.push(value);
                }
            }
            for f in inst.flags_named("exclude") {
                excludes.push_str(f.value().unwrap_or(""));
                excludes.push('\n');
            }
        }
        Keyword::Run => {
            for m in Mount::of(inst) {
                if m.kind == MountType::Bind && m.from.is_none() {
                    written.push(m.source.clone().unwrap_or_else(|| ".".into()));
                }
            }
        }
        _ => return None,
    }
    (!written.is_empty()).then_some((written, excludes))
}

/// The context paths a source (normalized, variables expanded) names: the
/// whole context for an empty path, every path a wildcard matches, or the
/// path itself; never what `.dockerignore` excludes.
fn matches_of(ctx: &Context, path: &str, wildcard: bool) -> Vec<String> {
    if path.is_empty() {
        vec![String::new()]
    } else if wildcard {
        ctx.entries
            .iter()
            .filter(|e| !e.excluded && go_match(path, &e.path).unwrap_or(false))
            .map(|e| e.path.clone())
            .collect()
    } else {
        ctx.get(path)
            .filter(|e| !e.excluded)
            .map(|e| vec![e.path.clone()])
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::walk;
    use ballast_dockerfile::stages::BuildOptions;

    #[test]
    fn resolves_sources_and_wildcards() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for (p, n) in [
            ("requirements.txt", 10),
            ("requirements-dev.txt", 5),
            ("app/main.py", 100),
            ("app/util.py", 50),
            ("secret.env", 1),
            ("README.md", 7),
        ] {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), vec![b'x'; n]).unwrap();
        }
        let ignore = IgnoreFile::parse("secret.env\n", None);
        let ctx = walk(r, &ignore).unwrap();
        let df = Dockerfile::parse(
            "FROM python AS base\nARG SRC=app\nCOPY requirements*.txt ./\nCOPY ${SRC}/ /srv/\nCOPY secret.env /x\nCOPY --exclude=*.md . /all\nRUN --mount=type=bind,source=app,target=/a true\nCOPY --from=base /x /y\nADD https://example.com/f /f\n",
        );
        let graph = StageGraph::new(&df, &BuildOptions::default());
        let uses = context_uses(&df, &graph, &ctx);
        let summary: Vec<(usize, u64, u64)> =
            uses.iter().map(|u| (u.line, u.files, u.bytes)).collect();
        assert_eq!(
            summary,
            vec![(3, 2, 15), (4, 2, 150), (5, 0, 0), (6, 4, 165), (7, 2, 150)]
        );
        assert!(uses[2].sources[0].missing, "excluded by .dockerignore");
        assert!(uses[1].would_take(&ignore, "app/new.py"));
        assert!(!uses[1].would_take(&ignore, "requirements.txt"));
        assert!(uses[0].would_take(&ignore, "requirements-test.txt"));
        assert!(!uses[3].would_take(&ignore, "README.md"), "--exclude");
        assert!(!uses[3].would_take(&ignore, "secret.env"), ".dockerignore");
    }
}
