//! Model weights of the final filesystem, grouped: a Hugging Face hub
//! repository's snapshots (each blob once, however many revisions link it),
//! hub blobs no snapshot names, and weight files anywhere else by directory.

use std::collections::{BTreeMap, HashSet};

use ballast_ml::paths;

use super::tally::KeptFile;
use crate::inspection::{PathBytes, WeightsReport};
use crate::tree::{ContentSet, FileTree, VisibleFile};

/// Hub blobs and weight files, noted in the breakdown's one walk over the
/// tree, each with its hub repository's name when it is a blob.
#[derive(Default)]
pub(super) struct WeightFiles(Vec<(KeptFile, Option<String>)>);

impl WeightFiles {
    pub(super) fn note(&mut self, f: &VisibleFile<'_>) {
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        // Hub blobs no snapshot points at, and weight files anywhere else.
        let hub = hub_repo(f.path).filter(|(root, _)| f.path[root.len()..].starts_with("/blobs/"));
        let is_weight = paths::is_model_weights(f.path, name, paths::is_in_site_packages(f.path));
        if hub.is_some() || is_weight {
            self.0.push((KeptFile::of(f), hub.map(|(_, repo)| repo)));
        }
    }
}

/// Adds a file to the group `(name, kind)` of weights.
fn add_weight(
    groups: &mut BTreeMap<String, WeightsReport>,
    (name, kind): (String, &str),
    path: String,
    bytes: u64,
) {
    let g = groups
        .entry(format!("{name}#{kind}"))
        .or_insert_with(|| WeightsReport {
            name,
            kind: kind.into(),
            bytes: 0,
            files: Vec::new(),
            revisions: 0,
        });
    g.bytes += bytes;
    g.files.push(PathBytes { path, bytes });
}

/// The weight groups, largest first; snapshot links are followed before
/// the noted files, so a blob a snapshot names is counted under its repository.
pub(super) fn report(tree: &FileTree, files: WeightFiles) -> Vec<WeightsReport> {
    let mut groups: BTreeMap<String, WeightsReport> = BTreeMap::new();
    let mut counted = ContentSet::new(tree);
    // Hub cache: follow each snapshot link once to name its blob.
    let mut revisions: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for (link, _) in tree.symlinks() {
        let Some((repo_root, repo)) = hub_repo(&link) else {
            continue;
        };
        let rest = &link[repo_root.len() + 1..];
        let Some(after) = rest.strip_prefix("snapshots/") else {
            continue;
        };
        let (rev, file_name) = after.split_once('/').unwrap_or((after, ""));
        revisions
            .entry(repo.clone())
            .or_default()
            .insert(rev.to_string());
        let Some(target) = tree.resolve(&link) else {
            continue;
        };
        let Some(f) = tree.file(&target) else {
            continue;
        };
        if !counted.insert(f.content) {
            continue;
        }
        let weight = paths::is_model_weights(
            file_name,
            file_name.rsplit('/').next().unwrap_or(file_name),
            false,
        );
        let kind = if weight { "hub" } else { "hub-other" };
        add_weight(
            &mut groups,
            (repo.clone(), kind),
            file_name.to_string(),
            f.size,
        );
    }
    for (f, hub) in files.0 {
        if !counted.insert(f.content) {
            continue;
        }
        let group = match hub {
            Some(repo) => (repo, "hub-unreferenced"),
            None => (
                f.path.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
                "files",
            ),
        };
        add_weight(&mut groups, group, f.path, f.size);
    }
    let mut out: Vec<WeightsReport> = groups
        .into_values()
        .map(|mut g| {
            g.revisions = revisions.get(&g.name).map_or(0, HashSet::len);
            g.files
                .sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
            g
        })
        .collect();
    out.sort_by_key(|w| std::cmp::Reverse(w.bytes));
    out
}

/// `(repo dir path, "org/name")` when a path is inside a hub repository
/// folder. It runs on every file of the walk: only a match allocates.
fn hub_repo(path: &str) -> Option<(&str, String)> {
    let mut end = 0;
    for comp in path.split('/') {
        end += comp.len();
        if paths::is_hub_repo_dir(comp) {
            let name = comp
                .split_once("--")
                .map_or(comp, |(_, n)| n)
                .replacen("--", "/", 1);
            return Some((&path[..end], name));
        }
        end += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_repo_names() {
        assert_eq!(
            hub_repo(
                "root/.cache/huggingface/hub/models--sentence-transformers--all-MiniLM-L6-v2/blobs/abc"
            ),
            Some((
                "root/.cache/huggingface/hub/models--sentence-transformers--all-MiniLM-L6-v2",
                "sentence-transformers/all-MiniLM-L6-v2".into()
            ))
        );
        assert_eq!(hub_repo("usr/lib/x"), None);
        // The directory is a prefix of the path as given, whatever its slashes.
        assert_eq!(
            hub_repo("/hf//models--org--m/blobs/b"),
            Some(("/hf//models--org--m", "org/m".into()))
        );
    }
}
