//! The package databases of the breakdown: which distribution the image is
//! built on (os-release) and its packages (dpkg, apk), each sized by the
//! visible files it owns; conda environments' packages.

use std::collections::{HashMap, HashSet};

use ballast_ml::{apk, conda, dpkg, os_release, packages};

use super::text;
use crate::inspection::{CondaPackage, Distro, OsPackage, PackageManager};
use crate::tree::{FileIndex, FileTree, VisibleFile};

/// The distribution os-release names (`etc/os-release`, else `usr/lib/os-release`).
pub(super) fn distro(by_path: &FileIndex<'_, '_>) -> Option<Distro> {
    let f = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| by_path.get(p))?;
    let r = os_release::parse(&text(f)?)?;
    Some(Distro {
        id: r.id,
        version_id: r.version_id,
        codename: r.codename,
        pretty_name: r.pretty_name,
    })
}

/// The installed OS packages, largest first, and the files the build-tool
/// packages among them own.
pub(super) fn packages<'a>(
    tree: &FileTree,
    files: &'a [VisibleFile<'a>],
    by_path: &FileIndex<'a, 'a>,
) -> (Vec<OsPackage>, Vec<&'a VisibleFile<'a>>) {
    let mut owner = Owner {
        tree,
        by_path,
        claimed: HashSet::new(),
        build_tool_files: Vec::new(),
    };
    let mut out = dpkg_packages(files, &mut owner);
    out.extend(apk_packages(by_path, &mut owner));
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    (out, owner.build_tool_files)
}

/// Sizes packages by the files they own, each file once across packages.
struct Owner<'t, 'a> {
    tree: &'t FileTree,
    by_path: &'t FileIndex<'a, 'a>,
    claimed: HashSet<u32>,
    build_tool_files: Vec<&'a VisibleFile<'a>>,
}

impl<'a> Owner<'_, 'a> {
    /// Visible bytes of `paths` not yet claimed by another package.
    fn bytes<'p>(&mut self, paths: impl Iterator<Item = &'p str>, build_tool: bool) -> u64 {
        let mut bytes = 0;
        for entry in paths {
            // Lists name /bin/... on merged-/usr systems: resolve like the kernel.
            let Some(f) = self
                .tree
                .resolve(entry)
                .and_then(|real| self.by_path.get(real.as_str()))
            else {
                continue;
            };
            if build_tool {
                self.build_tool_files.push(f);
            }
            if self.claimed.insert(f.content) {
                bytes += f.size;
            }
        }
        bytes
    }
}

fn dpkg_packages(files: &[VisibleFile<'_>], owner: &mut Owner<'_, '_>) -> Vec<OsPackage> {
    let mut status_text = String::new();
    for f in files
        .iter()
        .filter(|f| f.path == "var/lib/dpkg/status" || f.path.starts_with("var/lib/dpkg/status.d/"))
    {
        if let Some(t) = text(f) {
            status_text.push_str(&t);
            status_text.push_str("\n\n");
        }
    }
    // Each list is decompressed when its package is sized, not all at once.
    let mut lists: HashMap<&str, Vec<&VisibleFile<'_>>> = HashMap::new();
    for f in files {
        if let Some(package) = dpkg::list_file_package(f.path) {
            lists.entry(package).or_default().push(f);
        }
    }
    dpkg::parse_status(&status_text)
        .into_iter()
        .map(|p| {
            let build_tool = packages::is_build_tool(&p.name);
            // The last readable list of the package's name, as a map built in file order keeps.
            let list = lists
                .get(p.name.as_str())
                .and_then(|fs| fs.iter().rev().find_map(|f| text(f)));
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

fn apk_packages(by_path: &FileIndex<'_, '_>, owner: &mut Owner<'_, '_>) -> Vec<OsPackage> {
    let Some(db) = by_path.get("lib/apk/db/installed").and_then(text) else {
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
pub(super) fn conda_packages(files: &[VisibleFile<'_>]) -> Vec<CondaPackage> {
    let mut out: Vec<CondaPackage> = files
        .iter()
        .filter_map(|f| conda::record_package(f.path))
        .map(|p| CondaPackage {
            name: p.name,
            version: p.version,
            build: p.build,
            prefix: p.prefix,
        })
        .collect();
    out.sort_by(|a, b| (&a.prefix, &a.name).cmp(&(&b.prefix, &b.name)));
    out
}
