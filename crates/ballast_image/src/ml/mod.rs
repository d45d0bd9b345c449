//! The ML-aware breakdown of an image's final filesystem: Python
//! environments and distributions (sized from RECORD, per file), the torch
//! variant, CUDA libraries and their duplicates, model weights (hub cache
//! layout included), caches, OS packages (dpkg), toolchains; and findings
//! named like the lint rules, each with the bytes its fix would save.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use ballast_ml::images::is_root_user;
use ballast_ml::paths::{self, Class};
use ballast_ml::rules::{RuleName, Severity};
use ballast_ml::secrets::is_secret_variable;
use ballast_ml::{packages, python, torch};

use crate::inspection::{
    Categories, CondaPackage, CudaDuplicate, CudaReport, Distribution, Distro, Finding, GroupBytes,
    LayerReport, OsPackage, PathBytes, PythonEnvironment, PythonReport, TorchReport, WeightsReport,
};
use crate::layer::Capture;
use crate::spec::Config;
use crate::tree::{FileIndex, FileTree, VisibleFile};

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

/// Sums bytes of distinct content objects.
#[derive(Default)]
struct Bucket {
    seen: HashSet<u32>,
    bytes: u64,
    examples: Vec<(u64, String)>,
}

/// The final filesystem in disjoint groups; a hard-link group's bytes go to
/// the group of its first path, so the groups add up to the image.
#[derive(Default)]
struct Composition {
    seen: HashSet<u32>,
    groups: BTreeMap<paths::Group, (u64, u64)>,
}

impl Composition {
    fn add(&mut self, group: paths::Group, f: &VisibleFile<'_>) {
        let (bytes, files) = self.groups.entry(group).or_default();
        *files += 1;
        if self.seen.insert(f.content) {
            *bytes += f.size;
        }
    }

    /// Every group with files, largest first.
    fn groups(self) -> Vec<GroupBytes> {
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

/// Examples kept per bucket (the largest files).
const EXAMPLES: usize = 3;

impl Bucket {
    fn add(&mut self, f: &VisibleFile<'_>) {
        if self.seen.insert(f.content) {
            self.bytes += f.size;
            // Keep only the largest few, so memory does not grow with the bucket.
            let smallest = self.examples.iter().map(|e| e.0).min().unwrap_or(0);
            if self.examples.len() < EXAMPLES || f.size > smallest {
                self.examples.push((f.size, f.path.to_string()));
                self.examples
                    .sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
                self.examples.truncate(EXAMPLES);
            }
        }
    }

    fn top_paths(&self, n: usize) -> Vec<String> {
        self.examples
            .iter()
            .take(n)
            .map(|(_, p)| p.clone())
            .collect()
    }
}

pub(crate) fn breakdown(tree: &FileTree, config: &Config, layers: &[LayerReport]) -> MlBreakdown {
    let files = tree.files();
    let by_path = FileIndex::new(&files);
    let mut warnings = Vec::new();
    let mut buckets: BTreeMap<Class, Bucket> = BTreeMap::new();
    let mut cuda_libs: Vec<&VisibleFile<'_>> = Vec::new();
    let mut composition = Composition::default();
    for f in &files {
        let classes = paths::classify(f.path);
        for &class in &classes {
            buckets.entry(class).or_default().add(f);
            if class == Class::CudaLibrary {
                cuda_libs.push(f);
            }
        }
        composition.add(paths::group(f.path, &classes), f);
    }

    let python = python_report(tree, &files, &by_path, &mut warnings);
    let (os_packages, build_tool_files) = os::packages(tree, &files, &by_path);
    let mut build_tools = std::mem::take(buckets.entry(Class::BuildTools).or_default());
    for f in build_tool_files {
        build_tools.add(f);
    }
    let cuda = cuda_report(&cuda_libs);
    let weights = weights_report(tree, &files, &by_path);
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

    let mut order: Vec<&VisibleFile<'_>> = files.iter().collect();
    order.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(b.path)));
    let biggest: Vec<PathBytes> = order
        .iter()
        .take(TOP)
        .map(|f| PathBytes {
            path: f.path.to_string(),
            bytes: f.size,
        })
        .collect();
    drop(order);

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
        distro: os::distro(&by_path),
        conda_packages: os::conda_packages(&files),
        categories,
        composition: composition.groups(),
        biggest_files: biggest,
        biggest_dirs: biggest_dirs(&files),
        warnings,
        file_count: files.len() as u64,
    }
}

/// Directories by total visible bytes, skipping ones whose bytes all sit in one child directory.
fn biggest_dirs(files: &[VisibleFile<'_>]) -> Vec<PathBytes> {
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    let mut seen = HashSet::new();
    for f in files {
        if !seen.insert(f.content) {
            continue;
        }
        let mut p = f.path;
        while let Some((dir, _)) = p.rsplit_once('/') {
            *sizes.entry(dir).or_default() += f.size;
            p = dir;
        }
    }
    // A parent that only passes one child directory's bytes through adds nothing.
    let mut largest_child: HashMap<&str, u64> = HashMap::new();
    for (d, s) in &sizes {
        if let Some((parent, _)) = d.rsplit_once('/') {
            let e = largest_child.entry(parent).or_default();
            *e = (*e).max(*s);
        }
    }
    let mut dirs: Vec<(&str, u64)> = sizes.iter().map(|(d, s)| (*d, *s)).collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut out: Vec<PathBytes> = Vec::new();
    for (dir, bytes) in dirs {
        if largest_child.get(dir) != Some(&bytes) {
            out.push(PathBytes {
                path: dir.to_string(),
                bytes,
            });
        }
        if out.len() == TOP {
            break;
        }
    }
    out
}

fn text<'a>(f: &VisibleFile<'a>) -> Option<Cow<'a, str>> {
    f.captured?.text()
}

fn python_report(
    tree: &FileTree,
    files: &[VisibleFile<'_>],
    by_path: &FileIndex<'_, '_>,
    warnings: &mut Vec<String>,
) -> PythonReport {
    let mut claimed: HashSet<u32> = HashSet::new();
    let mut dists = Vec::new();
    let mut records: Vec<&VisibleFile<'_>> = files
        .iter()
        .filter(|f| f.path.ends_with(".dist-info/RECORD"))
        .collect();
    records.sort_by(|a, b| a.path.cmp(b.path));
    let mut torch_info = None;
    for rec in records {
        let dist_dir = &rec.path[..rec.path.len() - "/RECORD".len()];
        let site = dist_dir.rsplit_once('/').map_or("", |(s, _)| s).to_string();
        let meta = by_path.get(format!("{dist_dir}/METADATA").as_str());
        let (name, version) = name_and_version(dist_dir, meta, warnings);
        let installer = by_path
            .get(format!("{dist_dir}/INSTALLER").as_str())
            .and_then(|f| text(f))
            .map(|s| s.trim().to_string());
        let (mut bytes, mut count) = (0, 0);
        let readable = rec.captured.is_some_and(|record| {
            record.for_each_line(|line| {
                let listed = python::parse_record(line)
                    .filter_map(|row| python::resolve_record_path(&site, &row.path));
                let (b, n) = claimed_bytes(listed, by_path, &mut claimed);
                bytes += b;
                count += n;
            })
        });
        if !readable {
            warnings.push(format!(
                "{}: RECORD not readable; {name} is not sized",
                rec.path
            ));
            continue;
        }
        if python::normalize_name(&name) == "torch" {
            torch_info = torch_report(tree, by_path, (&site, dist_dir), &version).or(torch_info);
        }
        dists.push(Distribution {
            name,
            version,
            bytes,
            files: count,
            site_packages: site,
            metadata_dir: dist_dir.to_string(),
            installer,
        });
    }
    dists.extend(without_record(files, by_path, &mut claimed, warnings));
    dists.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    PythonReport {
        environments: environments(files, &dists),
        distributions: dists,
        torch: torch_info,
    }
}

/// Distributions without a RECORD: `.dist-info` directories of Debian's
/// `python3-*` packages (dpkg owns their files and drops the RECORD),
/// `.egg-info` directories and files (setuptools, distutils). Listed, as an
/// inventory needs them, and sized only from an egg's `installed-files.txt`.
fn without_record(
    files: &[VisibleFile<'_>],
    by_path: &FileIndex<'_, '_>,
    claimed: &mut HashSet<u32>,
    warnings: &mut Vec<String>,
) -> Vec<Distribution> {
    let mut out = Vec::new();
    for f in files {
        let p = f.path;
        let dist_dir = if let Some(d) = p
            .strip_suffix("/METADATA")
            .filter(|d| d.ends_with(".dist-info"))
        {
            if by_path.get(format!("{d}/RECORD").as_str()).is_some() {
                continue;
            }
            d
        } else if let Some(d) = p
            .strip_suffix("/PKG-INFO")
            .filter(|d| d.ends_with(".egg-info"))
        {
            d
        } else if p.ends_with(".egg-info") && paths::is_in_site_packages(p) {
            p // distutils writes PKG-INFO as a file named like the directory
        } else {
            continue;
        };
        let (name, version) = name_and_version(dist_dir, Some(f), warnings);
        let listed = by_path
            .get(format!("{dist_dir}/installed-files.txt").as_str())
            .and_then(|l| text(l))
            .unwrap_or_default();
        // An egg lists its files relative to the `.egg-info` directory.
        let paths = listed
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| python::resolve_record_path(dist_dir, l.trim()));
        let (bytes, count) = claimed_bytes(paths, by_path, claimed);
        out.push(Distribution {
            name,
            version,
            bytes,
            files: count,
            site_packages: dist_dir.rsplit_once('/').map_or("", |(s, _)| s).to_string(),
            metadata_dir: dist_dir.to_string(),
            installer: None,
        });
    }
    out
}

/// A distribution's name and version: from METADATA (or PKG-INFO), else from
/// the directory's name (`name-1.0.dist-info`, or `name.dist-info` without one).
fn name_and_version(
    dist_dir: &str,
    meta_file: Option<&VisibleFile<'_>>,
    warnings: &mut Vec<String>,
) -> (String, String) {
    let dir_name = dist_dir.rsplit('/').next().unwrap_or(dist_dir);
    // Descriptions in other encodings happen: the headers still count.
    let meta = meta_file
        .and_then(|f| f.captured)
        .map(|c| python::parse_metadata(&String::from_utf8_lossy(&c.bytes())));
    if let (Some(f), None) = (meta_file, &meta) {
        warnings.push(format!(
            "{}: {} not read (over the size read for analysis); name and version taken from the directory",
            f.path,
            f.path.rsplit('/').next().unwrap_or("METADATA")
        ));
    }
    let (dir_n, dir_v) = python::parse_dist_info_dir(dir_name).unwrap_or_else(|| {
        let stem = dir_name
            .trim_end_matches(".dist-info")
            .trim_end_matches(".egg-info");
        (stem.to_string(), String::new())
    });
    let (meta_n, meta_v) = meta.unwrap_or_default();
    (meta_n.unwrap_or(dir_n), meta_v.unwrap_or(dir_v))
}

/// The bytes and files of `paths` that no distribution read before claimed.
fn claimed_bytes(
    paths: impl Iterator<Item = String>,
    by_path: &FileIndex<'_, '_>,
    claimed: &mut HashSet<u32>,
) -> (u64, u64) {
    let (mut bytes, mut count) = (0u64, 0u64);
    for p in paths {
        if let Some(f) = by_path.get(p.as_str())
            && claimed.insert(f.content)
        {
            bytes += f.size;
            count += 1;
        }
    }
    (bytes, count)
}

/// Which torch build a torch distribution is, from its files and metadata.
fn torch_report(
    tree: &FileTree,
    by_path: &FileIndex<'_, '_>,
    (site, dist_dir): (&str, &str),
    version: &str,
) -> Option<TorchReport> {
    let torch_dir = format!("{site}/torch");
    let version_py = by_path
        .get(format!("{torch_dir}/version.py").as_str())
        .and_then(|f| text(f));
    let metadata = by_path
        .get(format!("{dist_dir}/METADATA").as_str())
        .and_then(|f| text(f))
        .unwrap_or_default();
    let evidence = torch::TorchEvidence {
        version: Some(version),
        version_py: version_py.as_deref(),
        has_libtorch_cuda: tree
            .kind(&format!("{torch_dir}/lib/libtorch_cuda.so"))
            .is_some(),
        has_libtorch_hip: tree
            .kind(&format!("{torch_dir}/lib/libtorch_hip.so"))
            .is_some(),
        requires_nvidia: python::requires_dist(&metadata)
            .iter()
            .any(|r| r.starts_with("nvidia-")),
    };
    torch::detect(&evidence).map(|v| TorchReport {
        version: version.to_string(),
        variant: v.label(),
        site_packages: site.to_string(),
    })
}

/// Every site-packages holding distributions, tied to a venv when a
/// pyvenv.cfg sits above it.
fn environments(files: &[VisibleFile<'_>], dists: &[Distribution]) -> Vec<PythonEnvironment> {
    let venvs: Vec<(&str, Option<String>)> = files
        .iter()
        .filter(|f| f.path.ends_with("pyvenv.cfg"))
        .map(|f| {
            let root = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            let cfg = text(f)
                .map(|t| python::parse_pyvenv_cfg(&t))
                .unwrap_or_default();
            let version = cfg
                .iter()
                .find(|(k, _)| k == "version" || k == "version_info")
                .map(|(_, v)| v.clone());
            (root, version)
        })
        .collect();
    let mut envs: BTreeMap<String, PythonEnvironment> = BTreeMap::new();
    for d in dists {
        let env = envs.entry(d.site_packages.clone()).or_insert_with(|| {
            let venv = venvs.iter().find(|(root, _)| {
                !root.is_empty() && d.site_packages.starts_with(&format!("{root}/"))
            });
            let python_version = venv.and_then(|(_, v)| v.clone()).or_else(|| {
                d.site_packages
                    .split('/')
                    .find(|c| c.starts_with("python3"))
                    .map(|c| c.trim_start_matches("python").to_string())
            });
            PythonEnvironment {
                site_packages: d.site_packages.clone(),
                venv: venv.map(|(r, _)| r.to_string()),
                python_version,
                distributions: 0,
                bytes: 0,
            }
        });
        env.distributions += 1;
        env.bytes += d.bytes;
    }
    envs.into_values().collect()
}

fn cuda_report(libs: &[&VisibleFile<'_>]) -> CudaReport {
    let mut report = CudaReport::default();
    let mut by_soname: BTreeMap<String, Vec<&VisibleFile<'_>>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for f in libs {
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        if name.starts_with("libcuda.so") || name.starts_with("libnvidia-ml.so") {
            if !f.path.contains("/stubs/") {
                report.driver_libraries.push(f.path.to_string());
            }
            continue;
        }
        if !seen.insert(f.content) {
            continue;
        }
        if paths::is_in_site_packages(f.path) {
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
                    path: f.path.to_string(),
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

fn weights_report(
    tree: &FileTree,
    files: &[VisibleFile<'_>],
    by_path: &FileIndex<'_, '_>,
) -> Vec<WeightsReport> {
    let mut groups: BTreeMap<String, WeightsReport> = BTreeMap::new();
    let mut counted = HashSet::new();
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
        let Some(f) = by_path.get(target.as_str()) else {
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
    for f in files {
        if counted.contains(&f.content) {
            continue;
        }
        let name = f.path.rsplit('/').next().unwrap_or(f.path);
        // Hub blobs no snapshot points at, and weight files anywhere else.
        let hub = hub_repo(f.path).filter(|(root, _)| f.path[root.len()..].starts_with("/blobs/"));
        let is_weight = paths::is_model_weights(f.path, name, paths::is_in_site_packages(f.path));
        if hub.is_none() && !is_weight {
            continue;
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
mod os;
use checks::findings;

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
