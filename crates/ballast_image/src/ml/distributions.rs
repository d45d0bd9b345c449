//! Python distributions of the final filesystem: each sized by the files
//! its RECORD lists (a file once, for the first distribution that lists
//! it), those without a RECORD listed, the torch build named, and the
//! site-packages directories they sit in.

use std::collections::BTreeMap;

use ballast_ml::{paths, python, torch};

use super::tally::KeptFile;
use super::text;
use crate::inspection::{Distribution, PythonEnvironment, PythonReport, TorchReport};
use crate::tree::{ContentId, ContentSet, FileTree, VisibleFile};

/// The files the Python report reads, noted in the breakdown's one walk
/// over the tree.
#[derive(Default)]
pub(super) struct PythonFiles {
    /// Each `.dist-info/RECORD`.
    records: Vec<(String, ContentId)>,
    /// Each distribution without a RECORD: its metadata directory and the
    /// file naming it (see [`unrecorded_dist_dir`]).
    unrecorded: Vec<(String, KeptFile)>,
    /// Each pyvenv.cfg's directory and the Python version it names.
    venvs: Vec<(String, Option<String>)>,
}

impl PythonFiles {
    pub(super) fn note(&mut self, tree: &FileTree, f: &VisibleFile<'_>) {
        if f.path.ends_with(".dist-info/RECORD") {
            self.records.push((f.path.to_string(), f.content));
        } else if f.path.ends_with("pyvenv.cfg") {
            self.venvs.push(venv(f));
        } else if let Some(dist_dir) = unrecorded_dist_dir(tree, f.path) {
            self.unrecorded
                .push((dist_dir.to_string(), KeptFile::of(f)));
        }
    }
}

pub(super) fn python_report(
    tree: &FileTree,
    files: PythonFiles,
    warnings: &mut Vec<String>,
) -> PythonReport {
    let mut claimed = ContentSet::new(tree);
    let mut dists = Vec::new();
    let PythonFiles {
        mut records,
        unrecorded,
        venvs,
    } = files;
    records.sort();
    let mut torch_info = None;
    for (path, content) in &records {
        let dist_dir = &path[..path.len() - "/RECORD".len()];
        let site = dist_dir.rsplit_once('/').map_or("", |(s, _)| s).to_string();
        let meta_path = format!("{dist_dir}/METADATA");
        let meta = tree.file(&meta_path).map(|f| KeptFile::of(&f));
        let (name, version) = name_and_version(tree, dist_dir, meta.as_ref(), warnings);
        let installer = tree
            .file(&format!("{dist_dir}/INSTALLER"))
            .and_then(|f| text(&f))
            .map(|s| s.trim().to_string());
        let (mut bytes, mut count) = (0, 0);
        let readable = tree.captured(*content).is_some_and(|record| {
            record.for_each_line(|line| {
                let listed = python::parse_record(line)
                    .filter_map(|row| python::resolve_record_path(&site, &row.path));
                let (b, n) = claimed_bytes(listed, tree, &mut claimed);
                bytes += b;
                count += n;
            })
        });
        if !readable {
            warnings.push(format!("{path}: RECORD not readable; {name} is not sized"));
            continue;
        }
        if python::normalize_name(&name) == "torch" {
            torch_info = torch_report(tree, (&site, dist_dir), &version).or(torch_info);
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
    dists.extend(without_record(tree, unrecorded, &mut claimed, warnings));
    dists.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    PythonReport {
        environments: environments(&venvs, &dists),
        distributions: dists,
        torch: torch_info,
    }
}

/// The metadata directory of a distribution without a RECORD that `path`
/// names: the METADATA of a `.dist-info` directory of Debian's `python3-*`
/// packages (dpkg owns their files and drops the RECORD), the PKG-INFO of
/// an `.egg-info` directory (setuptools), or an `.egg-info` file in
/// site-packages (distutils writes PKG-INFO as a file named like the
/// directory).
fn unrecorded_dist_dir<'p>(tree: &FileTree, path: &'p str) -> Option<&'p str> {
    if let Some(d) = path
        .strip_suffix("/METADATA")
        .filter(|d| d.ends_with(".dist-info"))
    {
        return tree.file(&format!("{d}/RECORD")).is_none().then_some(d);
    }
    if let Some(d) = path
        .strip_suffix("/PKG-INFO")
        .filter(|d| d.ends_with(".egg-info"))
    {
        return Some(d);
    }
    (path.ends_with(".egg-info") && paths::is_in_site_packages(path)).then_some(path)
}

/// Distributions without a RECORD, in the order the walk met them: listed,
/// as an inventory needs them, and sized only from an egg's
/// `installed-files.txt`.
fn without_record(
    tree: &FileTree,
    unrecorded: Vec<(String, KeptFile)>,
    claimed: &mut ContentSet,
    warnings: &mut Vec<String>,
) -> Vec<Distribution> {
    let mut out = Vec::new();
    for (dist_dir, meta) in unrecorded {
        let (name, version) = name_and_version(tree, &dist_dir, Some(&meta), warnings);
        let listed_path = format!("{dist_dir}/installed-files.txt");
        let listed = tree
            .file(&listed_path)
            .and_then(|l| text(&l))
            .unwrap_or_default();
        // An egg lists its files relative to the `.egg-info` directory.
        let paths = listed
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| python::resolve_record_path(&dist_dir, l.trim()));
        let (bytes, count) = claimed_bytes(paths, tree, claimed);
        out.push(Distribution {
            name,
            version,
            bytes,
            files: count,
            site_packages: dist_dir.rsplit_once('/').map_or("", |(s, _)| s).to_string(),
            metadata_dir: dist_dir,
            installer: None,
        });
    }
    out
}

/// A distribution's name and version: from METADATA (or PKG-INFO), else from
/// the directory's name (`name-1.0.dist-info`, or `name.dist-info` without one).
fn name_and_version(
    tree: &FileTree,
    dist_dir: &str,
    meta_file: Option<&KeptFile>,
    warnings: &mut Vec<String>,
) -> (String, String) {
    let dir_name = dist_dir.rsplit('/').next().unwrap_or(dist_dir);
    // Descriptions in other encodings happen: the headers still count.
    let meta = meta_file
        .and_then(|f| tree.captured(f.content))
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
    tree: &FileTree,
    claimed: &mut ContentSet,
) -> (u64, u64) {
    let (mut bytes, mut count) = (0u64, 0u64);
    for p in paths {
        if let Some(f) = tree.file(&p)
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
    (site, dist_dir): (&str, &str),
    version: &str,
) -> Option<TorchReport> {
    let torch_dir = format!("{site}/torch");
    let version_path = format!("{torch_dir}/version.py");
    let version_py = tree.file(&version_path).and_then(|f| text(&f));
    let meta_path = format!("{dist_dir}/METADATA");
    let metadata = tree
        .file(&meta_path)
        .and_then(|f| text(&f))
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

/// A pyvenv.cfg's directory and the Python version it names.
fn venv(cfg_file: &VisibleFile<'_>) -> (String, Option<String>) {
    let root = cfg_file.path.rsplit_once('/').map_or("", |(d, _)| d);
    let cfg = text(cfg_file)
        .map(|t| python::parse_pyvenv_cfg(&t))
        .unwrap_or_default();
    let version = cfg
        .iter()
        .find(|(k, _)| k == "version" || k == "version_info")
        .map(|(_, v)| v.clone());
    (root.to_string(), version)
}

/// Every site-packages holding distributions, tied to a venv when a
/// pyvenv.cfg sits above it.
fn environments(
    venvs: &[(String, Option<String>)],
    dists: &[Distribution],
) -> Vec<PythonEnvironment> {
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
