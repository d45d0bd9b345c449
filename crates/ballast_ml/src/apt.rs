//! What `apt-get install` adds when recommended packages are installed
//! too, from a dated table made from the Debian 12 and Ubuntu 22.04/24.04
//! package lists (`scripts/apt-recommends.py`, `data/apt-recommends.tsv`;
//! see [`table_date`]). The table is text read on first use: no start-up
//! cost for the commands that never ask.
//!
//! For each common package the table holds its own Recommends and every
//! package those bring (transitively, as apt does) that neither
//! `--no-install-recommends` nor the distribution's base image would
//! install, with their Installed-Size. Several packages share
//! recommendations, so an install is sized by the union.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::images::ImageRef;

/// The generated table (see `scripts/apt-recommends.py` for its format).
const TABLE: &str = include_str!("../data/apt-recommends.tsv");

/// One package of the table.
struct Row {
    package: &'static str,
    /// Its own Recommends (the first few).
    recommends: Vec<&'static str>,
    /// What its recommendations add that the base image lacks, with sizes.
    added: Vec<(&'static str, u64)>,
    /// What it needs without them that the base image lacks, itself
    /// included, with sizes.
    needs: Vec<(&'static str, u64)>,
    /// The names of `needs`, to look up.
    needed: HashSet<&'static str>,
}

impl Row {
    fn needs(&self, name: &str) -> bool {
        self.needed.contains(name)
    }
}

/// `name=bytes` entries of a table column.
fn sized(entries: Vec<&'static str>) -> Vec<(&'static str, u64)> {
    entries
        .into_iter()
        .map(|e| match e.split_once('=') {
            Some((n, b)) => (n, b.parse().unwrap_or(0)),
            None => (e, 0),
        })
        .collect()
}

/// Distribution → package → (line, its row once read).
type Index = HashMap<&'static str, HashMap<&'static str, (&'static str, OnceLock<Row>)>>;

/// The table's lines by (distribution, package), indexed on first use;
/// each line is read into a [`Row`] the first time it is asked for.
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = Index::new();
        for l in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = l.splitn(3, '\t');
            if let (Some(distro), Some(package)) = (cols.next(), cols.next()) {
                let rows = index.entry(distro).or_default();
                rows.insert(package, (l, OnceLock::new()));
            }
        }
        index
    })
}

fn row(distro: Distro, package: &str) -> Option<&'static Row> {
    let (line, parsed) = index().get(distro.key())?.get(package)?;
    Some(parsed.get_or_init(|| {
        let cols: Vec<&'static str> = line.split('\t').collect();
        let list = |i: usize| {
            cols.get(i)
                .map_or(Vec::new(), |c| c.split_whitespace().collect())
        };
        let needs = sized(list(4));
        Row {
            package: cols[1],
            recommends: list(2),
            added: sized(list(3)),
            needed: needs.iter().map(|(n, _)| *n).collect(),
            needs,
        }
    }))
}

/// When the table was made (`YYYY-MM-DD`).
pub fn table_date() -> &'static str {
    TABLE
        .lines()
        .find_map(|l| l.strip_prefix("date\t"))
        .unwrap_or("unknown")
}

/// A distribution the table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distro {
    Debian12,
    Debian13,
    Ubuntu2204,
    Ubuntu2404,
}

impl Distro {
    fn key(self) -> &'static str {
        match self {
            Distro::Debian12 => "debian12",
            Distro::Debian13 => "debian13",
            Distro::Ubuntu2204 => "ubuntu2204",
            Distro::Ubuntu2404 => "ubuntu2404",
        }
    }

    /// `Debian 12`, `Ubuntu 22.04`.
    pub fn label(self) -> &'static str {
        match self {
            Distro::Debian12 => "Debian 12",
            Distro::Debian13 => "Debian 13",
            Distro::Ubuntu2204 => "Ubuntu 22.04",
            Distro::Ubuntu2404 => "Ubuntu 24.04",
        }
    }
}

/// The distribution a base image is built on, and whether the image says
/// so (`false`: Debian 13 assumed, the default of the official images since
/// August 2025).
pub fn distro_of(image: &ImageRef<'_>) -> (Distro, bool) {
    let name = image.short_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("").to_ascii_lowercase();
    let says = |k: &str| tag.contains(k) || name.contains(k);
    if says("24.04") || says("noble") {
        (Distro::Ubuntu2404, true)
    } else if says("22.04") || says("jammy") {
        (Distro::Ubuntu2204, true)
    } else if name == "ubuntu" && (tag.is_empty() || tag == "latest") {
        (Distro::Ubuntu2404, true)
    } else if says("bookworm") || name == "debian" && tag.starts_with("12") {
        (Distro::Debian12, true)
    } else if says("trixie") || name == "debian" && tag.starts_with("13") {
        (Distro::Debian13, true)
    } else if name == "pytorch/pytorch" {
        (Distro::Ubuntu2204, true)
    } else {
        (Distro::Debian13, false)
    }
}

/// Third-party apt sources Dockerfiles add, by a text that names them in
/// the RUN that adds them, with the packages taken from them: the
/// distribution's table says nothing about those packages' Recommends.
pub const THIRD_PARTY_SOURCES: &[(&str, &str, &[&str])] = &[
    ("deb.nodesource.com", "NodeSource", &["nodejs"]),
    ("ppa:deadsnakes", "the deadsnakes PPA", &["python3."]),
    (
        "dl.google.com/linux/chrome",
        "Google's repository",
        &["google-chrome"],
    ),
    (
        "developer.download.nvidia.com",
        "NVIDIA's repository",
        &[
            "cuda-",
            "libcudnn",
            "libnccl",
            "libcublas",
            "libnvinfer",
            "tensorrt",
        ],
    ),
    (
        "packages.microsoft.com",
        "Microsoft's repository",
        &["msodbcsql", "mssql-tools", "dotnet-", "powershell"],
    ),
    (
        "download.docker.com",
        "Docker's repository",
        &[
            "docker-ce",
            "containerd.io",
            "docker-buildx-plugin",
            "docker-compose-plugin",
        ],
    ),
    (
        "apt.postgresql.org",
        "the PostgreSQL repository",
        &["postgresql-", "libpq"],
    ),
];

/// The third-party source `package` comes from, when a RUN text in
/// `build_text` adds one that ships it.
pub fn third_party_source(package: &str, build_text: &[&str]) -> Option<&'static str> {
    THIRD_PARTY_SOURCES
        .iter()
        .find(|(marker, _, pkgs)| {
            pkgs.iter().any(|p| package.starts_with(p))
                && build_text.iter().any(|t| t.contains(marker))
        })
        .map(|(_, label, _)| *label)
}

/// What the recommendations of some packages add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommended {
    /// Installed bytes of the packages added.
    pub bytes: u64,
    /// How many packages.
    pub packages: usize,
    /// Named packages with their own Recommends (those the install does
    /// not bring anyway).
    pub direct: Vec<(&'static str, Vec<&'static str>)>,
    /// The largest packages added, biggest first (at most four).
    pub largest: Vec<&'static str>,
    /// Every package added.
    pub added: Vec<&'static str>,
    /// Named packages the table does not cover.
    pub unknown: Vec<String>,
}

/// The recommendations `packages` bring on `distro`; `None` when the table
/// covers none of them.
pub fn recommended(distro: Distro, packages: &[&str], buildpack: bool) -> Option<Recommended> {
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p.split(['=', '/']).next().unwrap_or(p))
        .collect();
    let rows: Vec<&Row> = names.iter().filter_map(|n| row(distro, n)).collect();
    // What the install brings anyway, recommendations or not.
    let needed = |a: &str| {
        names.contains(&a)
            || rows.iter().any(|r| r.needs(a))
            || (buildpack && in_buildpack_deps(distro, a))
    };
    let mut by_size: Vec<(&'static str, u64)> = Vec::new();
    for r in &rows {
        for &(a, bytes) in &r.added {
            if !needed(a) && !by_size.iter().any(|(n, _)| *n == a) {
                by_size.push((a, bytes));
            }
        }
    }
    let direct = rows
        .iter()
        .map(|r| {
            let recs: Vec<&'static str> = r
                .recommends
                .iter()
                .copied()
                .filter(|a| !needed(a))
                .collect();
            (r.package, recs)
        })
        .filter(|(_, recs)| !recs.is_empty())
        .collect();
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !rows.iter().any(|r| r.package == **n))
        .map(|n| n.to_string())
        .collect();
    if unknown.len() == packages.len() {
        return None;
    }
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Some(Recommended {
        bytes: by_size.iter().map(|(_, b)| b).sum(),
        packages: by_size.len(),
        direct,
        largest: by_size.iter().take(4).map(|(n, _)| *n).collect(),
        added: by_size.iter().map(|(n, _)| *n).collect(),
        unknown,
    })
}

/// What installing some packages adds to an image, without their
/// recommendations: the union of what each needs that the base lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// Installed-Size of the packages added, each once.
    pub bytes: u64,
    /// How many packages are added.
    pub packages: usize,
    /// Named packages the table does not cover.
    pub unknown: Vec<String>,
}

/// The bytes `apt-get install --no-install-recommends PACKAGES` adds on
/// `distro`, counting nothing the base image already has: the
/// distribution's base, and with `buildpack` the packages of buildpack-deps
/// (under the full `python:3.x` images), where gcc, make, curl and git are
/// already installed.
pub fn installed(distro: Distro, packages: &[&str], buildpack: bool) -> Installed {
    let base = row(distro, "@buildpack-deps").filter(|_| buildpack);
    let present = |n: &str| base.is_some_and(|r| r.needs(n));
    let mut added: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut unknown = Vec::new();
    for p in packages {
        let name = p.split(['=', '/']).next().unwrap_or(p);
        match row(distro, name) {
            Some(r) => {
                for &(n, b) in &r.needs {
                    if !present(n) {
                        added.insert(n, b);
                    }
                }
            }
            None if present(name) => {}
            None => unknown.push(name.to_string()),
        }
    }
    Installed {
        bytes: added.values().sum(),
        packages: added.len(),
        unknown,
    }
}

/// Whether buildpack-deps (the full `python:3.x` images' base) has `package`.
pub fn in_buildpack_deps(distro: Distro, package: &str) -> bool {
    let name = package.split(['=', '/']).next().unwrap_or(package);
    row(distro, "@buildpack-deps").is_some_and(|r| r.needs(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python3_pip_brings_a_compiler() {
        let r = recommended(Distro::Debian12, &["python3-pip"], false).unwrap();
        assert!(r.direct[0].1.contains(&"build-essential"), "{r:?}");
        assert!(
            r.largest
                .iter()
                .any(|p| p.starts_with("gcc") || p.starts_with("g++")),
            "{r:?}"
        );
        assert!(r.bytes > 100_000_000, "{r:?}");
        // Shared recommendations count once.
        let both =
            recommended(Distro::Debian12, &["python3-pip", "build-essential"], false).unwrap();
        let alone = recommended(Distro::Debian12, &["build-essential"], false).unwrap();
        assert!(both.bytes < r.bytes + alone.bytes);
        assert_eq!(
            third_party_source(
                "nodejs",
                &["curl https://deb.nodesource.com/setup_20.x | bash -"]
            ),
            Some("NodeSource")
        );
        assert_eq!(
            third_party_source("nodejs", &["apt-get install -y curl"]),
            None
        );
        // A compiler installed on purpose is not a recommendation's cost.
        assert!(
            !both
                .largest
                .iter()
                .any(|p| p.starts_with("gcc-12") || p.starts_with("g++-12")),
            "{both:?}"
        );
        assert!(both.bytes < r.bytes, "{both:?} vs {r:?}");
        assert_eq!(
            recommended(Distro::Debian12, &["no-such-package"], false),
            None
        );
        // On the full python images (buildpack-deps) a compiler is there.
        let on_full = recommended(Distro::Debian12, &["python3-pip"], true).unwrap();
        assert!(on_full.bytes < r.bytes / 2, "{on_full:?}");
        let gcc = installed(Distro::Debian12, &["gcc", "make"], false);
        assert!(gcc.bytes > 50_000_000 && gcc.unknown.is_empty(), "{gcc:?}");
        assert_eq!(installed(Distro::Debian12, &["gcc", "git"], true).bytes, 0);
        assert!(in_buildpack_deps(Distro::Debian12, "libpq-dev"));
        let ffmpeg = installed(Distro::Debian12, &["ffmpeg", "nope"], true);
        assert!(ffmpeg.bytes > 0 && ffmpeg.unknown == ["nope"], "{ffmpeg:?}");
        let (d, exact) = distro_of(&ImageRef::parse("nvidia/cuda:12.4.1-base-ubuntu22.04"));
        assert_eq!((d, exact), (Distro::Ubuntu2204, true));
        assert_eq!(
            distro_of(&ImageRef::parse("python:3.11-slim")),
            (Distro::Debian13, false)
        );
        assert_eq!(
            distro_of(&ImageRef::parse("python:3.11-slim-bookworm")),
            (Distro::Debian12, true)
        );
    }
}
