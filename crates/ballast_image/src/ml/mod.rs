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
    Categories, CudaDuplicate, CudaReport, Distribution, Finding, LayerReport, PathBytes,
    PythonReport, Report, WeightsReport,
};
use crate::layer::Capture;
use crate::spec::Config;
use crate::tree::{FileTree, VisibleFile};

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

const TOP: usize = 20;

/// Fills the report's ML sections (Python, CUDA, model weights, OS and
/// conda packages, distribution, categories, composition, the largest files
/// and directories, findings) from the final filesystem, and adds its
/// warnings; returns how many files the filesystem holds.
pub(crate) fn breakdown(tree: &FileTree, config: &Config, report: &mut Report) -> u64 {
    let Walk {
        mut buckets,
        cuda_libs,
        composition,
        biggest,
        dirs,
        file_count,
        python_files,
        package_files,
        weight_files,
    } = Walk::of(tree);
    let python = distributions::python_report(tree, python_files, &mut report.warnings);
    let mut build_tools = std::mem::take(buckets.entry(Class::BuildTools).or_default());
    let os_packages = os::packages(tree, &package_files, &mut build_tools);
    let cuda = cuda_report(&cuda_libs);
    let weights = weights::report(tree, weight_files);
    let ctx = FindingContext {
        buckets: &buckets,
        build_tools: &build_tools,
        config,
        layers: &report.layers,
        python: &python,
        cuda: &cuda,
        weights: &weights,
    };
    report.findings = findings(&ctx);
    report.categories = categories(&buckets, &build_tools, &weights);
    report.python = python;
    report.cuda = cuda;
    report.model_weights = weights;
    report.os_packages = os_packages;
    report.distro = os::distro(tree);
    report.conda_packages = os::conda_packages(package_files);
    report.composition = composition.groups();
    report.biggest_files = biggest.into_files();
    report.biggest_dirs = dirs.largest(TOP);
    file_count
}

/// What one walk over the final filesystem's files adds up and notes.
#[derive(Default)]
struct Walk {
    buckets: BTreeMap<Class, Bucket>,
    cuda_libs: Vec<KeptFile>,
    composition: Composition,
    biggest: Largest,
    dirs: DirBytes,
    file_count: u64,
    python_files: PythonFiles,
    package_files: PackageFiles,
    weight_files: WeightFiles,
}

impl Walk {
    fn of(tree: &FileTree) -> Walk {
        let mut w = Walk {
            biggest: Largest::new(TOP),
            ..Walk::default()
        };
        tree.for_each_file(|f| {
            w.file_count += 1;
            let classes = paths::classify(f.path);
            for &class in &classes {
                w.buckets.entry(class).or_default().add(f);
                if class == Class::CudaLibrary {
                    w.cuda_libs.push(KeptFile::of(f));
                }
            }
            w.composition.add(paths::group(f.path, &classes), f);
            w.biggest.add(f.path, f.size);
            w.dirs.add(f);
            w.python_files.note(tree, f);
            w.package_files.note(f);
            w.weight_files.note(f);
        });
        w
    }
}

/// The bytes of each category the report names.
fn categories(
    buckets: &BTreeMap<Class, Bucket>,
    build_tools: &Bucket,
    weights: &[WeightsReport],
) -> Categories {
    let bytes_of = |c: Class| buckets.get(&c).map_or(0, |b| b.bytes);
    Categories {
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
mod weights;
use checks::findings;
use distributions::PythonFiles;
use os::PackageFiles;
use tally::{Bucket, Composition, DirBytes, KeptFile, Largest};
use weights::WeightFiles;

#[cfg(test)]
mod tests {
    use super::*;

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
