//! The package databases of the breakdown: which distribution the image is
//! built on (os-release) and its packages (dpkg, apk), each sized by the
//! visible files it owns; conda environments' packages.

use std::collections::HashMap;

use ballast_ml::{apk, conda, dpkg, os_release, packages};

use super::tally::Bucket;
use super::text;
use crate::inspection::{CondaPackage, Distro, OsPackage, PackageManager};
use crate::tree::{ContentId, ContentSet, FileTree, VisibleFile};

/// The distribution os-release names (`etc/os-release`, else `usr/lib/os-release`).
pub(super) fn distro(tree: &FileTree) -> Option<Distro> {
    let f = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| tree.file(p))?;
    let r = os_release::parse(&text(&f)?)?;
    Some(Distro {
        id: r.id,
        version_id: r.version_id,
        codename: r.codename,
        pretty_name: r.pretty_name,
    })
}

/// The package databases' files, noted in the breakdown's one walk over
/// the tree.
#[derive(Default)]
pub(super) struct PackageFiles {
    /// dpkg's status and status.d files, one after the other.
    dpkg_status: String,
    /// Each package's `.list` files: each is decompressed when its package
    /// is sized, not all at once.
    dpkg_lists: HashMap<String, Vec<ContentId>>,
    /// The packages of conda environments.
    conda: Vec<CondaPackage>,
}

impl PackageFiles {
    pub(super) fn note(&mut self, f: &VisibleFile<'_>) {
        if f.path == "var/lib/dpkg/status" || f.path.starts_with("var/lib/dpkg/status.d/") {
            if let Some(t) = text(f) {
                self.dpkg_status.push_str(&t);
                self.dpkg_status.push_str("\n\n");
            }
        } else if let Some(package) = dpkg::list_file_package(f.path) {
            self.dpkg_lists
                .entry(package.to_string())
                .or_default()
                .push(f.content);
        } else if let Some(p) = conda::record_package(f.path) {
            self.conda.push(CondaPackage {
                name: p.name,
                version: p.version,
                build: p.build,
                prefix: p.prefix,
            });
        }
    }
}

/// The installed OS packages, largest first; the files the build-tool
/// packages among them own are added to `build_tools`.
pub(super) fn packages(
    tree: &FileTree,
    files: &PackageFiles,
    build_tools: &mut Bucket,
) -> Vec<OsPackage> {
    let mut owner = Owner {
        tree,
        claimed: ContentSet::new(tree),
        build_tools,
    };
    let mut out = dpkg_packages(&mut owner, files);
    out.extend(apk_packages(&mut owner));
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Sizes packages by the files they own, each file once across packages.
struct Owner<'t> {
    tree: &'t FileTree,
    claimed: ContentSet,
    build_tools: &'t mut Bucket,
}

impl Owner<'_> {
    /// Visible bytes of `paths` not yet claimed by another package.
    fn bytes<'p>(&mut self, paths: impl Iterator<Item = &'p str>, build_tool: bool) -> u64 {
        let mut bytes = 0;
        for entry in paths {
            // Lists name /bin/... on merged-/usr systems: resolve like the kernel.
            let Some(real) = self.tree.resolve(entry) else {
                continue;
            };
            let Some(f) = self.tree.file(&real) else {
                continue;
            };
            if build_tool {
                self.build_tools.add(&f);
            }
            if self.claimed.insert(f.content) {
                bytes += f.size;
            }
        }
        bytes
    }
}

fn dpkg_packages(owner: &mut Owner<'_>, files: &PackageFiles) -> Vec<OsPackage> {
    let tree = owner.tree;
    let lists = &files.dpkg_lists;
    dpkg::parse_status(&files.dpkg_status)
        .into_iter()
        .map(|p| {
            let build_tool = packages::is_build_tool(&p.name);
            // The last readable list of the package's name, as a map built in file order keeps.
            let list = lists.get(p.name.as_str()).and_then(|ids| {
                ids.iter()
                    .rev()
                    .find_map(|&id| tree.captured(id).and_then(|c| c.text()))
            });
            let bytes = match list {
                Some(list) => owner.bytes(dpkg::parse_list(&list), build_tool),
                None => p.installed_size_kib.unwrap_or(0) * 1024,
            };
            OsPackage {
                manager: PackageManager::Dpkg,
                build_tool,
                cuda: dpkg::is_cuda_package(&p.name),
                name: p.name,
                version: p.version,
                architecture: p.architecture,
                source: p.source,
                license: None,
                bytes,
            }
        })
        .collect()
}

fn apk_packages(owner: &mut Owner<'_>) -> Vec<OsPackage> {
    let Some(db) = owner
        .tree
        .file("lib/apk/db/installed")
        .and_then(|f| text(&f))
    else {
        return Vec::new();
    };
    apk::parse_installed(&db)
        .into_iter()
        .map(|p| {
            let build_tool = packages::is_build_tool(&p.name);
            let bytes = match p.files.is_empty() {
                false => owner.bytes(p.files.iter().map(String::as_str), build_tool),
                true => p.installed_size.unwrap_or(0),
            };
            OsPackage {
                manager: PackageManager::Apk,
                build_tool,
                cuda: false,
                source: p.origin.filter(|o| *o != p.name),
                name: p.name,
                version: p.version,
                architecture: p.architecture,
                license: p.license,
                bytes,
            }
        })
        .collect()
}

/// The packages conda environments record (`<prefix>/conda-meta/*.json`),
/// named by their records' file names.
pub(super) fn conda_packages(files: PackageFiles) -> Vec<CondaPackage> {
    let mut out = files.conda;
    out.sort_by(|a, b| (&a.prefix, &a.name).cmp(&(&b.prefix, &b.name)));
    out
}
