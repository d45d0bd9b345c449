//! How many bytes a base image brings, for a prediction made without the
//! image. No registry of public images is reachable where ballast is built,
//! so these are dated estimates of the uncompressed linux/amd64 images (what
//! `docker images` shows and what an image's layers unpack to), from the
//! figures the images' users and the tables below name; `--image` replaces
//! them with the measured layers. The Debian and Ubuntu package tables
//! (`apt.rs`) give the same order: Debian 12's required packages add up to
//! 174 MB of Installed-Size, buildpack-deps' packages 733 MB more.

use crate::images::{CudaFlavor, ImageRef, PythonFlavor, cuda_flavor, python_flavor};

/// A base image's size and where the figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseSize {
    pub bytes: u64,
    pub basis: &'static str,
}

const MB: u64 = 1_000_000;

const fn size(bytes: u64, basis: &'static str) -> Option<BaseSize> {
    Some(BaseSize { bytes, basis })
}

/// The estimated size of a base image, `None` when the table does not know
/// it (a private or uncommon image).
pub fn base_size(image: &ImageRef<'_>) -> Option<BaseSize> {
    let name = image.short_name().to_ascii_lowercase();
    let tag = image.effective_tag().unwrap_or("").to_ascii_lowercase();
    if let Some(flavor) = python_flavor(image) {
        return match flavor {
            PythonFlavor::Full => size(
                1_020 * MB,
                "estimate: python:3.x (bookworm/trixie, on buildpack-deps) about 1.0 GB unpacked, 2025-2026",
            ),
            PythonFlavor::Slim => size(
                130 * MB,
                "estimate: python:3.x-slim about 130 MB unpacked, 2025-2026",
            ),
            PythonFlavor::Alpine => size(
                55 * MB,
                "estimate: python:3.x-alpine about 55 MB unpacked, 2025-2026",
            ),
            PythonFlavor::Windows => None,
        };
    }
    if let Some(flavor) = cuda_flavor(image) {
        return cuda_size(&name, flavor);
    }
    match name.as_str() {
        "debian" if tag.contains("slim") => size(
            75 * MB,
            "estimate: debian:*-slim about 75 MB unpacked, 2025-2026",
        ),
        "debian" => size(
            120 * MB,
            "estimate: debian:bookworm/trixie about 120 MB unpacked, 2025-2026",
        ),
        "ubuntu" => size(
            78 * MB,
            "estimate: ubuntu:22.04/24.04 about 78 MB unpacked, 2025-2026",
        ),
        "alpine" => size(
            8 * MB,
            "estimate: alpine:3.x about 8 MB unpacked, 2025-2026",
        ),
        "buildpack-deps" => size(
            900 * MB,
            "estimate: buildpack-deps:bookworm about 0.9 GB unpacked, 2025-2026",
        ),
        "nvidia/cuda" if tag.contains("base") => size(
            240 * MB,
            "estimate: nvidia/cuda:12.x-base-ubuntu22.04 about 240 MB unpacked, 2025",
        ),
        "ghcr.io/astral-sh/uv" | "astral-sh/uv" => None,
        _ => None,
    }
}

fn cuda_size(name: &str, flavor: CudaFlavor) -> Option<BaseSize> {
    let pytorch = name == "pytorch/pytorch";
    match (pytorch, flavor) {
        (false, CudaFlavor::Base) => size(
            240 * MB,
            "estimate: nvidia/cuda:12.x-base-ubuntu22.04 about 240 MB unpacked, 2025",
        ),
        (false, CudaFlavor::Runtime) => size(
            3_400 * MB,
            "estimate: nvidia/cuda:12.x-runtime-ubuntu22.04 about 3.4 GB unpacked, 2025",
        ),
        (false, CudaFlavor::CudnnRuntime) => size(
            4_400 * MB,
            "estimate: nvidia/cuda:12.x-cudnn-runtime-ubuntu22.04 about 4.4 GB unpacked, 2025",
        ),
        (false, CudaFlavor::Devel) => size(
            7_000 * MB,
            "estimate: nvidia/cuda:12.x-devel-ubuntu22.04 about 7 GB unpacked, 2025",
        ),
        (false, CudaFlavor::CudnnDevel) => size(
            9_000 * MB,
            "estimate: nvidia/cuda:12.x-cudnn-devel-ubuntu22.04 about 9 GB unpacked, 2025",
        ),
        (true, CudaFlavor::Devel | CudaFlavor::CudnnDevel) => size(
            15_000 * MB,
            "estimate: pytorch/pytorch:2.x-cuda12.x-cudnn9-devel about 15 GB unpacked, 2025",
        ),
        (true, _) => size(
            7_500 * MB,
            "estimate: pytorch/pytorch:2.x-cuda12.x-cudnn9-runtime about 7.5 GB unpacked, 2025",
        ),
    }
}

/// What building on `to` instead of `from` saves, by the same table, with
/// both figures as the basis: `None` when either is not in the table.
pub fn saving(from: &ImageRef<'_>, to: &ImageRef<'_>) -> Option<(u64, String)> {
    let (a, b) = (base_size(from)?, base_size(to)?);
    Some((
        a.bytes.saturating_sub(b.bytes),
        format!(
            "{} vs {}",
            a.basis,
            b.basis.trim_start_matches("estimate: ")
        ),
    ))
}

/// Whether the base is one of the full `python:3.x` images, built on
/// buildpack-deps: compilers, make, curl, git and many `-dev` packages are
/// already there.
pub fn is_buildpack_based(image: &ImageRef<'_>) -> bool {
    python_flavor(image) == Some(PythonFlavor::Full)
        || image.short_name().eq_ignore_ascii_case("buildpack-deps")
}

/// The environment variables a base image defines, for telling a variable
/// the Dockerfile never set from one the image provides; `None` when the
/// table does not know the image (most, and every CUDA or vendor image:
/// their lists are long and change by tag). Written from the official
/// images' Dockerfiles (docker-library, 2024-2026), with every variable any
/// supported tag sets, so a known image never makes a set variable look
/// unset. `scratch` has the PATH BuildKit gives an image without one.
pub fn base_env(image: &ImageRef<'_>) -> Option<&'static [&'static str]> {
    const PATH_ONLY: &[&str] = &["PATH"];
    const PYTHON: &[&str] = &[
        "PATH",
        "LANG",
        "GPG_KEY",
        "PYTHON_VERSION",
        "PYTHON_SHA256",
        "PYTHON_PIP_VERSION",
        "PYTHON_SETUPTOOLS_VERSION",
        "PYTHON_GET_PIP_URL",
        "PYTHON_GET_PIP_SHA256",
    ];
    if python_flavor(image).is_some() {
        return Some(PYTHON);
    }
    ["scratch", "debian", "ubuntu", "alpine", "busybox"]
        .iter()
        .any(|n| image.is_official(n))
        .then_some(PATH_ONLY)
}

/// The platforms a base image is published for, `None` when the table
/// does not know the image. Read from the manifest lists of the official
/// images and vendors' registries (2026-12): docker-library's python,
/// debian, ubuntu and alpine; `nvidia/cuda` 12 and later (amd64 and arm64;
/// 11.x also ppc64le); `pytorch/pytorch` (amd64 only); NGC's
/// `nvcr.io/nvidia/pytorch` (amd64 and arm64). Variants are left out
/// (`linux/arm64/v8` is `linux/arm64`).
pub fn base_platforms(image: &ImageRef<'_>) -> Option<&'static [&'static str]> {
    const PYTHON_DEBIAN: &[&str] = &[
        "linux/amd64",
        "linux/arm64",
        "linux/arm",
        "linux/386",
        "linux/ppc64le",
        "linux/s390x",
    ];
    const ALPINE: &[&str] = &[
        "linux/amd64",
        "linux/arm64",
        "linux/arm",
        "linux/386",
        "linux/ppc64le",
        "linux/riscv64",
        "linux/s390x",
    ];
    const DEBIAN: &[&str] = &[
        "linux/amd64",
        "linux/arm64",
        "linux/arm",
        "linux/386",
        "linux/mips64le",
        "linux/ppc64le",
        "linux/s390x",
    ];
    const UBUNTU: &[&str] = &[
        "linux/amd64",
        "linux/arm64",
        "linux/arm",
        "linux/ppc64le",
        "linux/riscv64",
        "linux/s390x",
    ];
    const AMD64_ARM64: &[&str] = &["linux/amd64", "linux/arm64"];
    const AMD64_ARM64_PPC: &[&str] = &["linux/amd64", "linux/arm64", "linux/ppc64le"];
    const AMD64: &[&str] = &["linux/amd64"];
    let tag = image.effective_tag().unwrap_or("latest");
    if python_flavor(image).is_some() {
        return Some(if tag.contains("alpine") {
            ALPINE
        } else {
            PYTHON_DEBIAN
        });
    }
    if image.is_official("alpine") {
        return Some(ALPINE);
    }
    if image.is_official("debian") {
        return Some(DEBIAN);
    }
    if image.is_official("ubuntu") {
        return Some(UBUNTU);
    }
    let docker_hub = crate::images::is_docker_hub(image.registry);
    match (docker_hub, image.registry, image.repository) {
        (true, _, "nvidia/cuda") if tag.starts_with("11.") => Some(AMD64_ARM64_PPC),
        (true, _, "nvidia/cuda") => Some(AMD64_ARM64),
        (true, _, "pytorch/pytorch") => Some(AMD64),
        (false, Some("nvcr.io"), "nvidia/pytorch") => Some(AMD64_ARM64),
        _ => None,
    }
}

/// `os/arch` of a platform, without its variant (`linux/arm64/v8` →
/// `linux/arm64`).
pub fn platform_without_variant(platform: &str) -> String {
    platform.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// What a registry or the daemon said of a base image (`ballast lint
/// --resolve-bases`), in place of the tables above: the platforms it is
/// published for and its environment's variable names for the platform
/// built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// `os/arch`, variants left out.
    pub platforms: Vec<String>,
    pub env: Vec<String>,
    /// Where it was read (`docker://...`, `daemon://...`).
    pub source: String,
}

/// Resolved base images by the reference their `FROM` names (ARGs
/// expanded).
pub type ResolvedBases = std::collections::BTreeMap<String, Resolved>;

/// The variable names of a base image's environment: as resolved, else
/// from the table ([`base_env`]); `None` when neither knows the image.
pub fn env_names<'a>(image: &str, resolved: &'a ResolvedBases) -> Option<Vec<&'a str>> {
    match resolved.get(image) {
        Some(r) => Some(r.env.iter().map(String::as_str).collect()),
        None => base_env(&ImageRef::parse(image)).map(|e| e.to_vec()),
    }
}

/// Where [`platforms`] says a list comes from when it is the table's.
pub const TABLE: &str = "ballast's table";

/// The platforms a base image is published for, as resolved, else from
/// the table ([`base_platforms`]), with where the list comes from.
pub fn platforms<'a>(image: &str, resolved: &'a ResolvedBases) -> Option<(Vec<&'a str>, &'a str)> {
    match resolved.get(image) {
        Some(r) => Some((r.platforms.iter().map(String::as_str).collect(), &r.source)),
        None => base_platforms(&ImageRef::parse(image)).map(|p| (p.to_vec(), TABLE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_flavour() {
        let b = |r: &str| base_size(&ImageRef::parse(r)).map(|s| s.bytes);
        assert!(b("python:3.11").unwrap() > 5 * b("python:3.11-slim").unwrap());
        assert!(b("python:3.11-alpine").unwrap() < b("python:3.11-slim").unwrap());
        assert!(
            b("nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04").unwrap()
                > b("nvidia/cuda:12.4.1-runtime-ubuntu22.04").unwrap()
        );
        assert!(
            b("nvidia/cuda:12.4.1-runtime-ubuntu22.04").unwrap()
                > b("nvidia/cuda:12.4.1-base-ubuntu22.04").unwrap()
        );
        assert_eq!(b("ubuntu:22.04"), Some(78 * MB));
        assert_eq!(b("example.com/private/thing:1"), None);
        let (bytes, basis) = saving(
            &ImageRef::parse("nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"),
            &ImageRef::parse("nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"),
        )
        .unwrap();
        assert_eq!(bytes, 4_600 * MB);
        assert!(basis.contains("devel") && basis.contains("vs"), "{basis}");
        assert_eq!(
            saving(
                &ImageRef::parse("corp/x:1"),
                &ImageRef::parse("python:3.11")
            ),
            None
        );
        assert!(is_buildpack_based(&ImageRef::parse("python:3.11-bookworm")));
        let p = |r: &str| base_platforms(&ImageRef::parse(r));
        assert_eq!(
            p("pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime"),
            Some(&["linux/amd64"][..])
        );
        assert!(p("python:3.12-slim").unwrap().contains(&"linux/arm64"));
        assert!(p("python:3.12-alpine").unwrap().contains(&"linux/riscv64"));
        assert!(
            !p("nvidia/cuda:12.4.1-runtime-ubuntu22.04")
                .unwrap()
                .contains(&"linux/ppc64le")
        );
        assert_eq!(p("corp/x:1"), None);
        // Docker Hub under any of its names.
        for hub in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
            assert_eq!(
                p(&format!(
                    "{hub}/pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime"
                )),
                Some(&["linux/amd64"][..]),
                "{hub}"
            );
        }
        assert_eq!(platform_without_variant("linux/arm64/v8"), "linux/arm64");
        assert!(!is_buildpack_based(&ImageRef::parse("python:3.11-slim")));
    }
}
