//! What the breakdown adds up while the final filesystem's files stream
//! past: bytes per class and per group, the largest files and directories.
//! Each keeps only what its report shows, never a list of every file.

use std::collections::{BTreeMap, HashMap};

use ballast_ml::paths;

use crate::inspection::{GroupBytes, PathBytes};
use crate::tree::{ContentId, ContentSet, VisibleFile};

/// Sums bytes of distinct content objects, keeping the largest few files
/// as examples (so memory does not grow with the bucket).
pub(super) struct Bucket {
    seen: ContentSet,
    pub(super) bytes: u64,
    examples: Largest,
}

/// Examples kept per bucket.
const EXAMPLES: usize = 3;

impl Default for Bucket {
    fn default() -> Self {
        Bucket {
            seen: ContentSet::default(),
            bytes: 0,
            examples: Largest::new(EXAMPLES),
        }
    }
}

impl Bucket {
    pub(super) fn add(&mut self, f: &VisibleFile<'_>) {
        if self.seen.insert(f.content) {
            self.bytes += f.size;
            self.examples.add(f.path, f.size);
        }
    }

    /// The paths of the `n` largest files (`n` up to 3), by size and then path.
    pub(super) fn top_paths(&self, n: usize) -> Vec<String> {
        let examples = self.examples.files.iter().take(n);
        examples.map(|e| e.path.clone()).collect()
    }
}

/// The final filesystem in disjoint groups; a hard-link group's bytes go to
/// the group of its first path, so the groups add up to the image.
#[derive(Default)]
pub(super) struct Composition {
    seen: ContentSet,
    groups: BTreeMap<paths::Group, (u64, u64)>,
}

impl Composition {
    pub(super) fn add(&mut self, group: paths::Group, f: &VisibleFile<'_>) {
        let (bytes, files) = self.groups.entry(group).or_default();
        *files += 1;
        if self.seen.insert(f.content) {
            *bytes += f.size;
        }
    }

    /// Every group with files, largest first.
    pub(super) fn groups(self) -> Vec<GroupBytes> {
        let mut out: Vec<GroupBytes> = self
            .groups
            .into_iter()
            .map(|(group, (bytes, files))| GroupBytes {
                group,
                label: group.label(),
                bytes,
                files,
            })
            .collect();
        out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.group.cmp(&b.group)));
        out
    }
}

/// The `n` largest files, by size and then path: what sorting every file
/// and taking the first `n` gives, holding `n`.
#[derive(Default)]
pub(super) struct Largest {
    n: usize,
    files: Vec<PathBytes>,
}

impl Largest {
    pub(super) fn new(n: usize) -> Self {
        Largest {
            n,
            files: Vec::with_capacity(n + 1),
        }
    }

    pub(super) fn add(&mut self, path: &str, bytes: u64) {
        let at = self
            .files
            .partition_point(|f| f.bytes > bytes || (f.bytes == bytes && f.path.as_str() < path));
        if at < self.n {
            let path = path.to_string();
            self.files.insert(at, PathBytes { path, bytes });
            self.files.truncate(self.n);
        }
    }

    pub(super) fn into_files(self) -> Vec<PathBytes> {
        self.files
    }
}

/// Directories' visible bytes, each content object counted at its first path.
#[derive(Default)]
pub(super) struct DirBytes {
    seen: ContentSet,
    sizes: HashMap<String, u64>,
}

impl DirBytes {
    pub(super) fn add(&mut self, f: &VisibleFile<'_>) {
        if !self.seen.insert(f.content) {
            return;
        }
        let mut p = f.path;
        while let Some((dir, _)) = p.rsplit_once('/') {
            match self.sizes.get_mut(dir) {
                Some(bytes) => *bytes += f.size,
                None => {
                    self.sizes.insert(dir.to_string(), f.size);
                }
            }
            p = dir;
        }
    }

    /// The `n` largest directories, skipping ones whose bytes all sit in
    /// one child directory.
    pub(super) fn largest(&self, n: usize) -> Vec<PathBytes> {
        // A parent that only passes one child directory's bytes through adds nothing.
        let mut largest_child: HashMap<&str, u64> = HashMap::new();
        for (d, s) in &self.sizes {
            if let Some((parent, _)) = d.rsplit_once('/') {
                let e = largest_child.entry(parent).or_default();
                *e = (*e).max(*s);
            }
        }
        let mut dirs: Vec<(&str, u64)> = self.sizes.iter().map(|(d, s)| (d.as_str(), *s)).collect();
        dirs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut out: Vec<PathBytes> = Vec::new();
        for (dir, bytes) in dirs {
            if largest_child.get(dir) != Some(&bytes) {
                out.push(PathBytes {
                    path: dir.to_string(),
                    bytes,
                });
            }
            if out.len() == n {
                break;
            }
        }
        out
    }
}

/// A file kept past the walk that lent it.
pub(super) struct KeptFile {
    pub(super) path: String,
    pub(super) size: u64,
    pub(super) content: ContentId,
}

impl KeptFile {
    pub(super) fn of(f: &VisibleFile<'_>) -> Self {
        KeptFile {
            path: f.path.to_string(),
            size: f.size,
            content: f.content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_files_are_those_a_full_sort_puts_first() {
        let sizes = [5u64, 9, 5, 1, 9, 7, 5, 0, 9, 3];
        let paths: Vec<String> = (0..sizes.len()).map(|i| format!("d/{}", 9 - i)).collect();
        for n in [0, 1, 3, 4, 10, 20] {
            let mut largest = Largest::new(n);
            for (p, &s) in paths.iter().zip(&sizes) {
                largest.add(p, s);
            }
            let mut all: Vec<(u64, &str)> = sizes
                .iter()
                .copied()
                .zip(paths.iter().map(String::as_str))
                .collect();
            all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            let want: Vec<(u64, &str)> = all.into_iter().take(n).collect();
            let files = largest.into_files();
            let got: Vec<(u64, &str)> = files.iter().map(|f| (f.bytes, f.path.as_str())).collect();
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn a_bucket_counts_each_content_once_and_names_its_largest_files() {
        let mut bucket = Bucket::default();
        // (path, size, content): "d/b" is a hard link of "d/a"; "d/c" ties
        // "d/e" at the last example, and the smaller path is the one named
        // whichever comes first.
        for (path, size, content) in [
            ("d/a", 10, 0),
            ("d/b", 10, 0),
            ("d/e", 4, 1),
            ("d/f", 7, 2),
            ("d/c", 4, 3),
            ("d/g", 1, 4),
        ] {
            bucket.add(&VisibleFile {
                path,
                size,
                content,
                layer: 0,
                captured: None,
            });
        }
        assert_eq!(bucket.bytes, 10 + 4 + 7 + 4 + 1);
        assert_eq!(bucket.top_paths(3), ["d/a", "d/f", "d/c"]);
        assert_eq!(bucket.top_paths(1), ["d/a"]);
    }
}
