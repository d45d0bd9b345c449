//! What `apt-get install` adds when recommended packages are installed
//! too, from a dated table made from the Debian 12 and Ubuntu 22.04/24.04
//! package lists (`scripts/apt-recommends.py`; see [`apt_table::DATE`]).
//!
//! For each common package the table holds its own Recommends and every
//! package those bring (transitively, as apt does) that neither
//! `--no-install-recommends` nor the distribution's base image would
//! install, with their Installed-Size. Several packages share
//! recommendations, so an install is sized by the union.

use crate::images::ImageRef;

#[path = "apt_table.rs"]
pub mod apt_table;

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

/// What the recommendations of some packages add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommended {
    /// Installed bytes of the packages added.
    pub bytes: u64,
    /// How many packages.
    pub packages: usize,
    /// Named packages with their own Recommends.
    pub direct: Vec<(&'static str, &'static [&'static str])>,
    /// The largest packages added, biggest first (at most four).
    pub largest: Vec<&'static str>,
    /// Named packages the table does not cover.
    pub unknown: Vec<String>,
}

/// The recommendations `packages` bring on `distro`; `None` when the table
/// covers none of them.
pub fn recommended(distro: Distro, packages: &[&str]) -> Option<Recommended> {
    let key = distro.key();
    let mut added: Vec<&'static str> = Vec::new();
    let mut direct = Vec::new();
    let mut unknown = Vec::new();
    for p in packages {
        let name = p.split(['=', '/']).next().unwrap_or(p);
        match apt_table::ROWS.iter().find(|r| r.0 == key && r.1 == name) {
            Some(row) => {
                if !row.2.is_empty() {
                    direct.push((row.1, row.2));
                }
                for a in row.3 {
                    // What the install names itself is installed anyway.
                    if !added.contains(a) && !packages.contains(a) {
                        added.push(a);
                    }
                }
            }
            None => unknown.push(name.to_string()),
        }
    }
    if unknown.len() == packages.len() {
        return None;
    }
    let size = |n: &str| {
        apt_table::SIZES
            .iter()
            .find(|s| s.0 == key && s.1 == n)
            .map_or(0, |s| s.2)
    };
    let mut by_size: Vec<(&'static str, u64)> = added.iter().map(|a| (*a, size(a))).collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Some(Recommended {
        bytes: by_size.iter().map(|(_, b)| b).sum(),
        packages: by_size.len(),
        direct,
        largest: by_size.iter().take(4).map(|(n, _)| *n).collect(),
        unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python3_pip_brings_a_compiler() {
        let r = recommended(Distro::Debian12, &["python3-pip"]).unwrap();
        assert!(r.direct[0].1.contains(&"build-essential"), "{r:?}");
        assert!(
            r.largest
                .iter()
                .any(|p| p.starts_with("gcc") || p.starts_with("g++")),
            "{r:?}"
        );
        assert!(r.bytes > 100_000_000, "{r:?}");
        // Shared recommendations count once.
        let both = recommended(Distro::Debian12, &["python3-pip", "build-essential"]).unwrap();
        let alone = recommended(Distro::Debian12, &["build-essential"]).unwrap();
        assert!(both.bytes < r.bytes + alone.bytes);
        assert_eq!(recommended(Distro::Debian12, &["no-such-package"]), None);
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
