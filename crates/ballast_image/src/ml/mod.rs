//! The ML-aware breakdown of an image's final filesystem: Python
//! environments and distributions (sized from RECORD, per file), the torch
//! variant, CUDA libraries and their duplicates, model weights (hub cache
//! layout included), caches, OS packages (dpkg), toolchains; and findings
//! named like the lint rules, each with the bytes its fix would save.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use ballast_ml::images::is_root_user;
use ballast_ml::paths::{self, Class};
use ballast_ml::rules::{RuleName, Severity};
use ballast_ml::secrets::is_secret_variable;
use ballast_ml::{packages, python};

use crate::inspection::{
    Categories, CondaPackage, CudaDuplicate, CudaReport, Distribution, Distro, Finding, GroupBytes,
    LayerReport, OsPackage, PathBytes, PythonReport, WeightsReport,
};
use crate::layer::Capture;
use crate::spec::Config;
use crate::tree::{ContentSet, FileTree, VisibleFile};

/// Which files' contents the analysis needs while layers stream past, and
/// how much of each: RECORDs without their hash column, METADATA and
/// PKG-INFO without their body (what the readers here read of them).
pub fn capture(path: &[u8], _size: u64) -> Capture {
    let Ok(p) = std::str::from_utf8(path) else {
        return Capture::Skip;
    };
    let name = p.rsplit('/').next().unwrap_or(p);
    let parent = p.rsplit_once('/').map_or("", |(d, _)| d);
    if name == "RECORD" && parent.ends_with(".dist-info") {
        Capture::Condensed(condensed_record)
    } else if (name == "METADATA" && parent.ends_with(".dist-info"))
        || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
        || (name.ends_with(".egg-info") && ballast_ml::paths::is_in_site_packages(p))
    {
        Capture::Condensed(metadata_headers)
    } else if (name == "INSTALLER" && parent.ends_with(".dist-info"))
        || (name == "installed-files.txt" && parent.ends_with(".egg-info"))
        || name == "pyvenv.cfg"
        || p == "var/lib/dpkg/status"
        || p == "lib/apk/db/installed"
        || p.starts_with("var/lib/dpkg/status.d/")
        || (p.starts_with("var/lib/dpkg/info/") && name.ends_with(".list"))
        || p.ends_with("/torch/version.py")
        || p == "etc/os-release"
        || p == "usr/lib/os-release"
    {
        Capture::Whole
    } else {
        Capture::Skip
    }
}

/// [`python::condense_record`] of a captured RECORD (one that is not UTF-8
/// is kept as it is: the report says it is not readable).
fn condensed_record(bytes: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(bytes) {
        Ok(text) => python::condense_record(&text).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

/// [`python::metadata_headers`] of a captured METADATA or PKG-INFO.
fn metadata_headers(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let keep = python::metadata_headers(text).len();
        bytes.truncate(keep);
    }
    bytes
}

/// What the breakdown found.
pub(crate) struct MlBreakdown {
    pub python: PythonReport,
    pub cuda: CudaReport,
    pub weights: Vec<WeightsReport>,
    pub os_packages: Vec<OsPackage>,
    pub distro: Option<Distro>,
    pub conda_packages: Vec<CondaPackage>,
    pub categories: Categories,
    pub composition: Vec<GroupBytes>,
    pub biggest_files: Vec<PathBytes>,
    pub biggest_dirs: Vec<PathBytes>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub file_count: u64,
}

const TOP: usize = 20;

pub(crate) fn breakdown(tree: &FileTree, config: &Config, layers: &[LayerReport]) -> MlBreakdown {
    let mut warnings = Vec::new();
    let mut buckets: BTreeMap<Class, Bucket> = BTreeMap::new();
    let mut cuda_libs: Vec<KeptFile> = Vec::new();
    let mut composition = Composition::default();
    let mut biggest = Largest::new(TOP);
    let mut dirs = DirBytes::default();
    let mut file_count = 0;
    tree.for_each_file(|f| {
        file_count += 1;
        let classes = paths::classify(f.path);
        for &class in &classes {
            buckets.entry(class).or_default().add(f);
            if class == Class::CudaLibrary {
                cuda_libs.push(KeptFile::of(f));
            }
        }
        composition.add(paths::group(f.path, &classes), f);
        biggest.add(f.path, f.size);
        dirs.add(f);
    });

    let python = distributions::python_report(tree, &mut warnings);
    let mut build_tools = std::mem::take(buckets.entry(Class::BuildTools).or_default());
    let os_packages = os::packages(tree, &mut build_tools);
    let cuda = cuda_report(&cuda_libs);
    let weights = weights_report(tree);
    let bytes_of = |c: Class| buckets.get(&c).map_or(0, |b| b.bytes);
    let categories = Categories {
        nvidia_bytes: bytes_of(Class::NvidiaPip),
        cuda_libraries_bytes: bytes_of(Class::CudaLibrary),
        cuda_devel_bytes: bytes_of(Class::CudaDevel),
        model_weights_bytes: weights
            .iter()
            .filter(|w| w.kind != "hub-other")
            .map(|w| w.bytes)
            .sum::<u64>()
            .max(bytes_of(Class::ModelWeights)),
        pip_cache_bytes: bytes_of(Class::PipCache),
        uv_cache_bytes: bytes_of(Class::UvCache),
        other_package_cache_bytes: bytes_of(Class::OtherPackageCache),
        conda_pkgs_bytes: bytes_of(Class::CondaPkgs),
        hf_cache_bytes: bytes_of(Class::HfCache),
        torch_hub_bytes: bytes_of(Class::TorchHub),
        pycache_bytes: bytes_of(Class::Pycache),
        apt_bytes: bytes_of(Class::Apt),
        build_tools_bytes: build_tools.bytes,
        git_bytes: bytes_of(Class::Git),
        tests_bytes: bytes_of(Class::Tests),
        docs_bytes: bytes_of(Class::Docs),
        notebooks_bytes: bytes_of(Class::Notebooks),
    };

    let ctx = FindingContext {
        buckets: &buckets,
        build_tools: &build_tools,
        config,
        layers,
        python: &python,
        cuda: &cuda,
        weights: &weights,
    };
    MlBreakdown {
        findings: findings(&ctx),
        python,
        cuda,
        weights,
        os_packages,
        distro: os::distro(tree),
        conda_packages: os::conda_packages(tree),
        categories,
        composition: composition.groups(),
        biggest_files: biggest.into_files(),
        biggest_dirs: dirs.largest(TOP),
        warnings,
        file_count,
    }
}

fn text<'a>(f: &VisibleFile<'a>) -> Option<Cow<'a, str>> {
    f.captured?.text()
}

fn cuda_report(libs: &[KeptFile]) -> CudaReport {
    let mut report = CudaReport::default();
    let mut by_soname: BTreeMap<String, Vec<&KeptFile>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for f in libs {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        if name.starts_with("libcuda.so") || name.starts_with("libnvidia-ml.so") {
            if !f.path.contains("/stubs/") {
                report.driver_libraries.push(f.path.to_string());
            }
            continue;
        }
        if !seen.insert(f.content) {
            continue;
        }
        if paths::is_in_site_packages(&f.path) {
            report.pip_bytes += f.size;
        } else {
            report.system_bytes += f.size;
        }
        if f.size > 0
            && let Some(key) = paths::soname_key(name)
        {
            by_soname.entry(key).or_default().push(f);
        }
    }
    for (soname, copies) in by_soname {
        if copies.len() < 2 {
            continue;
        }
        let total: u64 = copies.iter().map(|f| f.size).sum();
        let largest = copies.iter().map(|f| f.size).max().unwrap_or(0);
        report.duplicates.push(CudaDuplicate {
            soname,
            copies: copies
                .iter()
                .map(|f| PathBytes {
                    path: f.path.clone(),
                    bytes: f.size,
                })
                .collect(),
            extra_bytes: total - largest,
        });
    }
    report
        .duplicates
        .sort_by_key(|d| std::cmp::Reverse(d.extra_bytes));
    report
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

fn weights_report(tree: &FileTree) -> Vec<WeightsReport> {
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
    tree.for_each_file(|f| {
        if counted.contains(f.content) {
            return;
        }
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        // Hub blobs no snapshot points at, and weight files anywhere else.
        let hub = hub_repo(f.path).filter(|(root, _)| f.path[root.len()..].starts_with("/blobs/"));
        let is_weight = paths::is_model_weights(f.path, name, paths::is_in_site_packages(f.path));
        if hub.is_none() && !is_weight {
            return;
        }
        counted.insert(f.content);
        let group = match hub {
            Some((_, repo)) => (repo, "hub-unreferenced"),
            None => (
                f.path.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
                "files",
            ),
        };
        add_weight(&mut groups, group, f.path.to_string(), f.size);
    });
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

/// `(repo dir path, "org/name")` when a path is inside a hub repository folder.
fn hub_repo(path: &str) -> Option<(String, String)> {
    let mut prefix = String::new();
    for comp in path.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(comp);
        if paths::is_hub_repo_dir(comp) {
            let name = comp
                .split_once("--")
                .map_or(comp, |(_, n)| n)
                .replacen("--", "/", 1);
            return Some((prefix, name));
        }
    }
    None
}

struct FindingContext<'a> {
    buckets: &'a BTreeMap<Class, Bucket>,
    build_tools: &'a Bucket,
    config: &'a Config,
    layers: &'a [LayerReport],
    python: &'a PythonReport,
    cuda: &'a CudaReport,
    weights: &'a [WeightsReport],
}

fn finding(
    name: RuleName,
    severity: Severity,
    message: String,
    savings: u64,
    paths: Vec<String>,
) -> Finding {
    Finding {
        name,
        severity,
        message,
        savings_bytes: savings,
        paths,
    }
}

mod checks;
mod distributions;
mod os;
mod tally;
use checks::findings;
use tally::{Bucket, Composition, DirBytes, KeptFile, Largest};

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
                "root/.cache/huggingface/hub/models--sentence-transformers--all-MiniLM-L6-v2"
                    .into(),
                "sentence-transformers/all-MiniLM-L6-v2".into()
            ))
        );
        assert_eq!(hub_repo("usr/lib/x"), None);
    }

    #[test]
    fn captures_what_the_analysis_reads() {
        let dist = "usr/local/lib/python3.11/site-packages/torch-2.5.1.dist-info";
        let Capture::Condensed(record) = capture(format!("{dist}/RECORD").as_bytes(), 10) else {
            panic!("a RECORD is condensed");
        };
        let text = b"torch/__init__.py,sha256=Zm9v,42\ntorch/x.py,sha256=YmFy,7\n".to_vec();
        assert_eq!(record(text), b"torch/__init__.py,,42\ntorch/x.py,,7\n");
        assert_eq!(record(vec![0xff, b',']), [0xff, b','], "not UTF-8: kept");
        let Capture::Condensed(meta) = capture(format!("{dist}/METADATA").as_bytes(), 10) else {
            panic!("a METADATA is condensed");
        };
        assert_eq!(
            meta(b"Name: torch\nVersion: 2\n\n# torch\n".to_vec()),
            b"Name: torch\nVersion: 2\n"
        );
        for whole in [
            "var/lib/dpkg/info/libc6:amd64.list",
            "opt/venv/pyvenv.cfg",
            &format!("{dist}/INSTALLER"),
        ] {
            assert!(
                matches!(capture(whole.as_bytes(), 10), Capture::Whole),
                "{whole}"
            );
        }
        assert!(!capture(b"usr/lib/x.so", 10).keeps());
    }
}
