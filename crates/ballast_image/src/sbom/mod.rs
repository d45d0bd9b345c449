//! A software bill of materials of an image: what the inspection found
//! installed (OS packages from dpkg and apk, Python distributions from their
//! metadata directories, conda environments' records), on which distribution and over which base image,
//! written as CycloneDX 1.5 or SPDX 2.3 JSON for vulnerability scanners, and
//! read back from either format (ours or another tool's) to compare two.
//!
//! Package URLs carry what scanners match on: `pkg:deb/debian/libssl3@3.0.15-1
//! ?arch=amd64&distro=debian-12&upstream=openssl`, `pkg:apk/alpine/...`,
//! `pkg:pypi/torch@2.5.1`.

mod cyclonedx;
pub mod delta;
mod spdx;

use std::collections::BTreeMap;

use packageurl::PackageUrl;
use serde::Serialize;

use crate::inspection::{Distro, PackageManager, Report};

pub use delta::{SbomDelta, compare};

/// The two formats written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CycloneDx,
    Spdx,
}

/// What an SBOM says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub image: Subject,
    pub distro: Option<Distro>,
    pub base: Option<BaseImage>,
    pub packages: Vec<Package>,
}

/// The image described.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The reference it was read from.
    pub name: String,
    /// The manifest digest (else the configuration's).
    pub digest: Option<String>,
    /// `linux/amd64`.
    pub platform: Option<String>,
}

/// The image the described one is built on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaseImage {
    /// Its reference, when known (`--base`, or the
    /// `org.opencontainers.image.base.name` label).
    pub name: Option<String>,
    /// How many of the bottom layers are the base's.
    pub layers: usize,
    /// The diff_id of its top layer.
    pub top_layer: Option<String>,
}

/// Which ecosystem a package belongs to (its package URL's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Deb,
    Apk,
    Pypi,
    Conda,
    /// Any other type another tool wrote (`npm`, `golang`, ...).
    Other,
}

impl Ecosystem {
    /// The ecosystem of a package URL type.
    pub fn of_purl_type(ty: &str) -> Ecosystem {
        match ty {
            "deb" => Ecosystem::Deb,
            "apk" => Ecosystem::Apk,
            "pypi" => Ecosystem::Pypi,
            "conda" => Ecosystem::Conda,
            _ => Ecosystem::Other,
        }
    }

    /// How the reports name it.
    pub fn label(self) -> &'static str {
        match self {
            Ecosystem::Deb => "Debian packages (dpkg)",
            Ecosystem::Apk => "Alpine packages (apk)",
            Ecosystem::Pypi => "Python distributions",
            Ecosystem::Conda => "conda packages",
            Ecosystem::Other => "other packages",
        }
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: Option<String>,
    /// Where it is installed (a Python distribution's metadata directory).
    pub location: Option<String>,
    /// The licence it declares, as written.
    pub license: Option<String>,
    /// Its CPE, for what scanners match by CPE rather than package URL.
    pub cpe: Option<String>,
    /// Visible bytes of the files it owns (measured by the inspection).
    pub bytes: Option<u64>,
}

impl Inventory {
    /// The inventory of an inspected image; `base_name` is the reference of
    /// the image given as its base, if any.
    pub fn of(report: &Report, base_name: Option<&str>) -> Inventory {
        let distro = report.distro.clone();
        let mut packages: Vec<Package> = report
            .os_packages
            .iter()
            .map(|p| Package {
                ecosystem: match p.manager {
                    PackageManager::Dpkg => Ecosystem::Deb,
                    PackageManager::Apk => Ecosystem::Apk,
                },
                purl: os_purl(p, distro.as_ref()),
                name: p.name.clone(),
                version: p.version.clone(),
                location: None,
                license: p.license.clone(),
                cpe: None,
                bytes: Some(p.bytes),
            })
            .collect();
        packages.extend(report.python.distributions.iter().map(|d| Package {
            ecosystem: Ecosystem::Pypi,
            purl: purl("pypi", None, &d.name, &d.version, &[]),
            name: d.name.clone(),
            version: d.version.clone(),
            location: Some(format!("/{}", d.metadata_dir)),
            license: None,
            cpe: None,
            bytes: Some(d.bytes),
        }));
        packages.extend(report.conda_packages.iter().map(|c| Package {
            ecosystem: Ecosystem::Conda,
            purl: purl("conda", None, &c.name, &c.version, &[("build", &c.build)]),
            name: c.name.clone(),
            version: c.version.clone(),
            location: Some(format!("/{}", c.prefix)),
            license: None,
            cpe: None,
            bytes: None,
        }));
        packages.extend(interpreter(report));
        sort(&mut packages);
        let info = &report.image;
        Inventory {
            image: Subject {
                name: info.reference.clone(),
                digest: info.manifest_digest.clone().or(info.config_digest.clone()),
                platform: (!info.os.is_empty()).then(|| {
                    let mut p = format!("{}/{}", info.os, info.architecture);
                    if let Some(v) = &info.variant {
                        p = format!("{p}/{v}");
                    }
                    p
                }),
            },
            distro,
            base: base_image(report, base_name),
            packages,
        }
    }

    /// Packages per ecosystem.
    pub fn counts(&self) -> BTreeMap<Ecosystem, usize> {
        let mut out = BTreeMap::new();
        for p in &self.packages {
            *out.entry(p.ecosystem).or_default() += 1;
        }
        out
    }

    /// The SBOM document in `format`; `created` is seconds since the epoch
    /// (the caller's clock, or `SOURCE_DATE_EPOCH` for reproducible output).
    pub fn to_json(&self, format: Format, created: u64) -> serde_json::Value {
        match format {
            Format::CycloneDx => cyclonedx::write(self, created),
            Format::Spdx => spdx::write(self, created),
        }
    }
}

/// The order packages are listed in: by ecosystem, name, version, location.
fn sort(packages: &mut [Package]) {
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version, &a.location).cmp(&(
            b.ecosystem,
            &b.name,
            &b.version,
            &b.location,
        ))
    });
}

/// The name written for a base image nobody named, and not read back as one.
const UNNAMED_BASE: &str = "base image (unnamed)";

/// A JSON string's value.
fn str_of(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The largest SBOM file read (a multi-GB image's is a few megabytes).
pub const MAX_SBOM_BYTES: u64 = 256 << 20;

/// Reads an SBOM (CycloneDX or SPDX JSON, ours or another tool's). Nesting
/// deeper than serde_json's 128 levels is an error; nested components are
/// walked without recursion.
pub fn read(text: &str) -> Result<Inventory, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if v.get("bomFormat").and_then(|f| f.as_str()) == Some("CycloneDX") {
        Ok(cyclonedx::read(&v))
    } else if v
        .get("spdxVersion")
        .and_then(|f| f.as_str())
        .is_some_and(|s| s.starts_with("SPDX-2."))
    {
        Ok(spdx::read(&v))
    } else {
        Err("neither a CycloneDX (`bomFormat`) nor an SPDX 2 (`spdxVersion`) JSON document".into())
    }
}

/// Whether a file's first bytes look like a JSON document (an SBOM) rather
/// than an image (tar archives and OCI layouts never start with `{`).
pub fn looks_like_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// CPython built into `/usr/local` (the official `python` images and those
/// built on them): no package database lists it; its version is the
/// image's `PYTHON_VERSION`, and its site-packages shows it is there.
/// Scanners match it by CPE.
fn interpreter(report: &Report) -> Option<Package> {
    let version = report
        .image
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PYTHON_VERSION="))?;
    let minor: Vec<&str> = version.split('.').take(2).collect();
    let minor = minor.join(".");
    let site = format!("usr/local/lib/python{minor}/site-packages");
    if !report
        .python
        .environments
        .iter()
        .any(|e| e.site_packages == site)
    {
        return None;
    }
    Some(Package {
        ecosystem: Ecosystem::Other,
        name: "python".into(),
        version: version.to_string(),
        purl: purl("generic", None, "python", version, &[]),
        location: Some(format!("/usr/local/bin/python{minor}")),
        license: None,
        cpe: Some(format!("cpe:2.3:a:python:python:{version}:*:*:*:*:*:*:*")),
        bytes: None,
    })
}

fn base_image(report: &Report, base_name: Option<&str>) -> Option<BaseImage> {
    let layers = report.totals.base_layers;
    let label = report
        .image
        .labels
        .get("org.opencontainers.image.base.name");
    let name = base_name.map(str::to_string).or_else(|| label.cloned());
    if layers == 0 && name.is_none() {
        return None;
    }
    Some(BaseImage {
        name,
        layers,
        top_layer: layers
            .checked_sub(1)
            .and_then(|i| report.layers.get(i))
            .and_then(|l| l.diff_id.clone()),
    })
}

fn os_purl(p: &crate::inspection::OsPackage, distro: Option<&Distro>) -> Option<String> {
    let (ty, default_ns) = match p.manager {
        PackageManager::Dpkg => ("deb", "debian"),
        PackageManager::Apk => ("apk", "alpine"),
    };
    let ns = distro.map_or(default_ns, |d| d.id.as_str());
    let distro_q = distro.map(|d| match &d.version_id {
        Some(v) => format!("{}-{v}", d.id),
        None => d.id.clone(),
    });
    let mut q: Vec<(&str, &str)> = Vec::new();
    if !p.architecture.is_empty() {
        q.push(("arch", &p.architecture));
    }
    if let Some(d) = &distro_q {
        q.push(("distro", d));
    }
    if let Some(s) = &p.source {
        q.push(("upstream", s));
    }
    purl(ty, Some(ns), &p.name, &p.version, &q)
}

/// A package URL, or `None` when a part cannot be one (an empty name).
fn purl(
    ty: &str,
    ns: Option<&str>,
    name: &str,
    version: &str,
    q: &[(&str, &str)],
) -> Option<String> {
    let mut p = PackageUrl::new(ty, name).ok()?;
    if let Some(ns) = ns {
        p.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        p.with_version(version).ok()?;
    }
    for (k, v) in q {
        p.add_qualifier(*k, *v).ok()?;
    }
    Some(p.to_string())
}

/// The latest time a document can state, 9999-12-31T23:59:59Z: RFC 3339
/// years, which both formats' schemas require, have four digits.
pub const LATEST_TIMESTAMP: u64 = 253_402_300_799;

/// `2026-12-06T21:19:12Z` for seconds since the epoch (UTC); a later time
/// than [`LATEST_TIMESTAMP`] is stated as it.
pub fn utc_timestamp(secs: u64) -> String {
    let secs = i64::try_from(secs.min(LATEST_TIMESTAMP)).unwrap_or(0);
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A stable identifier of a document: hex of SHA-256 over its parts.
fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests;
