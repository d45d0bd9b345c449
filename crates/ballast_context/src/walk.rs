//! Walking the build context in parallel, deciding for every entry whether
//! the build sends it. Symbolic links are reported as links and never
//! followed, so nothing outside the context is read.
//!
//! Decisions use moby's `MatchesUsingParentResults`, as BuildKit's walker
//! does: each directory passes its per-pattern results to its children.
//! Directories BuildKit would skip entirely (excluded, and no exception could
//! re-include anything below) are still walked for the statistics, their
//! contents marked as excluded by the directory's pattern.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::ignore::IgnoreFile;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One entry of the context.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Context-relative path, `/` separated.
    pub path: String,
    pub kind: Kind,
    /// Bytes (regular files only).
    pub size: u64,
    /// Not sent to the builder.
    pub excluded: bool,
    /// The ignore pattern (index) that decided.
    pub pattern: Option<usize>,
}

/// The walked context.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The context directory.
    pub root: PathBuf,
    /// Every entry, sorted by path.
    pub entries: Vec<Entry>,
    /// Directories that could not be read.
    pub errors: Vec<String>,
}

impl Context {
    /// Bytes and files the build sends (regular files).
    pub fn sent(&self) -> (u64, u64) {
        self.sum(false)
    }

    /// Bytes and files .dockerignore keeps out.
    pub fn ignored(&self) -> (u64, u64) {
        self.sum(true)
    }

    fn sum(&self, excluded: bool) -> (u64, u64) {
        self.entries
            .iter()
            .filter(|e| e.kind == Kind::File && e.excluded == excluded)
            .fold((0, 0), |(b, n), e| (b + e.size, n + 1))
    }

    /// The entry at a path.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Entries at or below a path (the path itself included); `""` is the whole context.
    pub fn under<'a>(&'a self, dir: &str) -> Box<dyn Iterator<Item = &'a Entry> + 'a> {
        if dir.is_empty() {
            return Box::new(self.entries.iter());
        }
        let prefix = format!("{dir}/");
        let start = self
            .entries
            .partition_point(|e| e.path.as_str() < prefix.as_str());
        let children = self.entries[start..]
            .iter()
            .take_while(move |e| e.path.starts_with(&prefix));
        Box::new(self.get(dir).into_iter().chain(children))
    }
}

/// Per-pattern results of a directory, passed to its children.
type MatchInfo = Vec<bool>;

/// Walks `root`, deciding each entry with `ignore`.
pub fn walk(root: &Path, ignore: &IgnoreFile) -> std::io::Result<Context> {
    std::fs::read_dir(root)?; // the root must be readable
    ballast_dockerfile::tally::walk(&root.display().to_string());
    let (mut entries, errors) = walk_dir(root, "", ignore, None, None);
    entries.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(Context {
        root: root.to_path_buf(),
        entries,
        errors,
    })
}

/// `forced`: the directory is excluded and BuildKit would skip it; its
/// contents inherit that decision.
fn walk_dir(
    dir: &Path,
    rel: &str,
    ignore: &IgnoreFile,
    parent: Option<&MatchInfo>,
    forced: Option<(bool, Option<usize>)>,
) -> (Vec<Entry>, Vec<String>) {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), vec![format!("{}: {e}", dir.display())]),
    };
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut subdirs = Vec::new();
    for item in read {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errors.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        let name = item.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let Ok(ft) = item.file_type() else { continue };
        let kind = if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        let size = if kind == Kind::File {
            item.metadata().map(|m| m.len()).unwrap_or(0)
        } else {
            0
        };
        let (excluded, pattern, info) = match forced {
            Some((ex, p)) => (ex, p, None),
            None => {
                let (excluded, pattern, info) = ignore_decision(ignore, &path, parent);
                (excluded, pattern, Some(info))
            }
        };
        if kind == Kind::Dir {
            let child_forced = forced.or_else(|| {
                (excluded && ignore.can_skip_excluded_dir(&path)).then_some((true, pattern))
            });
            subdirs.push((item.path(), path.clone(), info, child_forced));
        }
        entries.push(Entry {
            path,
            kind,
            size,
            excluded,
            pattern,
        });
    }
    let nested: Vec<(Vec<Entry>, Vec<String>)> = subdirs
        .into_par_iter()
        .map(|(p, r, info, f)| walk_dir(&p, &r, ignore, info.as_ref(), f))
        .collect();
    for (e, err) in nested {
        entries.extend(e);
        errors.extend(err);
    }
    (entries, errors)
}

/// moby's `MatchesUsingParentResults`.
fn ignore_decision(
    ignore: &IgnoreFile,
    path: &str,
    parent: Option<&MatchInfo>,
) -> (bool, Option<usize>, MatchInfo) {
    let Some(parent) = parent else {
        // No parent information: the same as MatchesOrParentMatches, and the
        // per-pattern results computed the same way.
        let mut info = vec![false; ignore.patterns.len()];
        let mut excluded = false;
        let mut deciding = None;
        for (i, p) in ignore.patterns.iter().enumerate() {
            if p.exception != excluded {
                continue;
            }
            let m = ignore.pattern_matches_path_or_parent(i, path);
            info[i] = m;
            if m {
                excluded = !p.exception;
                deciding = Some(i);
            }
        }
        return (excluded, deciding, info);
    };
    let mut info = vec![false; ignore.patterns.len()];
    let mut excluded = false;
    let mut deciding = None;
    for (i, p) in ignore.patterns.iter().enumerate() {
        let mut m = parent[i];
        if !m {
            if p.exception != excluded {
                continue;
            }
            m = ignore.pattern_matches(i, path);
        }
        info[i] = m;
        if m {
            excluded = !p.exception;
            deciding = Some(i);
        }
    }
    (excluded, deciding, info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_and_decides() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("foo")).unwrap();
        std::fs::write(root.join("bar"), "x").unwrap();
        std::fs::write(root.join("foo/bar2"), "yy").unwrap();
        std::fs::write(root.join("foo2"), "zzz").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        let ignore = IgnoreFile::parse("foo*\n!foo/bar2\n", None);
        let ctx = walk(root, &ignore).unwrap();
        let sent: Vec<&str> = ctx
            .entries
            .iter()
            .filter(|e| !e.excluded)
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(sent, ["bar", "foo/bar2", "link"]);
        assert_eq!(ctx.get("link").unwrap().kind, Kind::Symlink);
        assert_eq!(ctx.sent(), (3, 2));
        assert_eq!(ctx.ignored(), (3, 1));
        let under: Vec<&str> = ctx.under("foo").map(|e| e.path.as_str()).collect();
        assert_eq!(under, ["foo", "foo/bar2"]);
    }
}
