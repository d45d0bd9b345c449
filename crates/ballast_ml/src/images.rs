//! What a base image reference says about the image: a full or slim Python
//! image, a CUDA image and its flavour, a musl (Alpine) or distroless base,
//! a default non-root user. Judged from the reference alone (repository and
//! tag), the way a reader of the Dockerfile would.

/// Whether a reference's registry (`None` when it names none) is Docker
/// Hub, under any of the names Hub answers to.
pub fn is_docker_hub(registry: Option<&str>) -> bool {
    matches!(
        registry,
        None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io")
    )
}

/// A parsed image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host, when the reference names one (`nvcr.io`).
    pub registry: Option<&'a str>,
    /// The repository path without the registry (`nvidia/cuda`, `python`,
    /// `library/python`).
    pub repository: &'a str,
    /// The tag, when given.
    pub tag: Option<&'a str>,
    /// The digest, when given.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits a reference. Does not validate it.
    pub fn parse(reference: &'a str) -> ImageRef<'a> {
        let (name, tag, digest) = split(reference);
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), path)
            }
            _ => (None, name),
        };
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// Whether the reference is well formed, by the grammar of the
    /// distribution project's `reference` package that BuildKit parses
    /// with: lowercase path components, an optional registry host and
    /// port, a tag of at most 128 word characters, dots and dashes, and a
    /// digest `algorithm:hex`. An empty reference is not.
    pub fn is_valid(reference: &str) -> bool {
        let (name, tag, digest) = split(reference);
        let parts: Vec<&str> = name.split('/').collect();
        let path = match parts.as_slice() {
            [first, rest @ ..] if !rest.is_empty() && is_domain(first) => rest,
            all => all,
        };
        name.len() <= 255
            && path.iter().all(|c| is_path_component(c))
            && tag.is_none_or(is_tag)
            && digest.is_none_or(is_digest)
    }

    /// The repository without Docker Hub's `library/` prefix, lower-cased
    /// comparisons are the caller's business.
    pub fn short_name(&self) -> &'a str {
        if is_docker_hub(self.registry) {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(self.repository)
        } else {
            self.repository
        }
    }

    /// Whether it is an official Docker Hub image named `name`.
    pub fn is_official(&self, name: &str) -> bool {
        is_docker_hub(self.registry) && self.short_name() == name
    }

    /// The tag, `latest` when none is given and no digest pins the image.
    pub fn effective_tag(&self) -> Option<&'a str> {
        match (self.tag, self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

/// A Python base image's flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonFlavor {
    /// `python:3.11`, `python:3.11-bookworm`: the full Debian image with
    /// compilers and development headers.
    Full,
    /// `python:3.11-slim`, `-slim-bookworm`.
    Slim,
    /// `python:3.11-alpine`.
    Alpine,
    /// Windows Server Core images.
    Windows,
}

/// A reference's name, tag and digest: the digest after `@`, the tag after
/// the last `:` that comes after the last `/`.
fn split(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or dashes.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// A registry host (`[a-zA-Z0-9-]` labels joined by dots, or a bracketed
/// IPv6 address) with an optional port.
fn is_domain(d: &str) -> bool {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !d.starts_with('[') || h.ends_with(']') => (h, Some(p)),
        _ => (d, None),
    };
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-')
    };
    let host_ok = if host.starts_with('[') && host.ends_with(']') {
        host[1..host.len() - 1]
            .bytes()
            .all(|x| x.is_ascii_hexdigit() || x == b':')
    } else {
        host.split('.').all(label)
    };
    host_ok && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit()))
}

fn is_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

fn is_digest(d: &str) -> bool {
    let Some((algorithm, hex)) = d.split_once(':') else {
        return false;
    };
    !algorithm.is_empty()
        && algorithm
            .bytes()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"+._-".contains(&x))
        && hex.len() >= 32
        && hex.bytes().all(|x| x.is_ascii_hexdigit())
}

/// The flavour of an official `python` image, `None` for other images.
pub fn python_flavor(image: &ImageRef<'_>) -> Option<PythonFlavor> {
    if !image.is_official("python") {
        return None;
    }
    let tag = image.effective_tag().unwrap_or("latest");
    Some(if tag.contains("slim") {
        PythonFlavor::Slim
    } else if tag.contains("alpine") {
        PythonFlavor::Alpine
    } else if tag.contains("windowsservercore") || tag.contains("nanoserver") {
        PythonFlavor::Windows
    } else {
        PythonFlavor::Full
    })
}

/// The slim tag for a full python tag: `3.11` → `3.11-slim`,
/// `3.11-bookworm` → `3.11-slim-bookworm`, `latest` → `slim`.
pub fn slim_tag(tag: &str) -> String {
    const SUITES: &[&str] = &["bookworm", "bullseye", "buster", "trixie"];
    if tag == "latest" {
        return "slim".to_string();
    }
    for suite in SUITES {
        if tag == *suite {
            return format!("slim-{suite}");
        }
        if let Some(version) = tag.strip_suffix(&format!("-{suite}")) {
            return format!("{version}-slim-{suite}");
        }
    }
    format!("{tag}-slim")
}

/// The flavour of an NVIDIA CUDA image (tags `<version>-<flavour>-<os>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CudaFlavor {
    /// CUDA runtime (libcudart) only.
    Base,
    /// The CUDA math libraries and NCCL.
    Runtime,
    /// Runtime plus cuDNN.
    CudnnRuntime,
    /// Compilers, headers and static libraries.
    Devel,
    /// Devel plus cuDNN.
    CudnnDevel,
}

impl CudaFlavor {
    /// Whether the flavour carries the CUDA math libraries (and so duplicates
    /// what pip's nvidia-* wheels bring).
    pub fn has_math_libraries(self) -> bool {
        !matches!(self, CudaFlavor::Base)
    }

    /// Whether it is a development flavour.
    pub fn is_devel(self) -> bool {
        matches!(self, CudaFlavor::Devel | CudaFlavor::CudnnDevel)
    }
}

/// The CUDA flavour of an image that ships CUDA: `nvidia/cuda`,
/// `nvcr.io/nvidia/cuda`, and `pytorch/pytorch:*-cuda*-cudnn*-{runtime,devel}`.
pub fn cuda_flavor(image: &ImageRef<'_>) -> Option<CudaFlavor> {
    let name = image.short_name();
    let tag = image.tag?;
    let is_cuda_repo = name == "nvidia/cuda" || name.ends_with("/nvidia/cuda");
    let is_pytorch = name == "pytorch/pytorch" && tag.contains("cuda");
    if !is_cuda_repo && !is_pytorch {
        return None;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    let cudnn = parts.iter().any(|p| p.starts_with("cudnn"));
    if parts.contains(&"devel") {
        Some(if cudnn {
            CudaFlavor::CudnnDevel
        } else {
            CudaFlavor::Devel
        })
    } else if parts.contains(&"runtime") {
        Some(if cudnn {
            CudaFlavor::CudnnRuntime
        } else {
            CudaFlavor::Runtime
        })
    } else if parts.contains(&"base") {
        Some(CudaFlavor::Base)
    } else {
        None
    }
}

/// Whether the image is built for GPUs (CUDA, ROCm, NGC, GPU builds of the
/// frameworks), judged from its name and tag.
pub fn is_gpu_image(image: &ImageRef<'_>) -> bool {
    let name = image.short_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("").to_ascii_lowercase();
    image.registry == Some("nvcr.io")
        || name.contains("cuda")
        || name.contains("rocm")
        || name.starts_with("nvidia/")
        || tag.contains("cuda")
        || tag.contains("rocm")
        || tag.contains("gpu")
        || (name == "pytorch/pytorch" && !tag.contains("cpu") && tag != "latest" && !tag.is_empty())
}

/// Whether the image is built for an accelerator other than an NVIDIA or
/// AMD GPU (AWS Neuron, Ascend NPU, Habana Gaudi, Intel XPU): torch there is
/// neither the default CUDA build nor a CPU choice.
pub fn is_accelerator_image(image: &ImageRef<'_>) -> bool {
    let name = image.short_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("").to_ascii_lowercase();
    [
        "neuron",
        "ascend",
        "cann",
        "habana",
        "gaudi",
        "xpu",
        "intel-extension",
        "ipex",
    ]
    .iter()
    .any(|k| name.contains(k) || tag.contains(k))
}

/// Whether the image ships torch already (`pytorch/pytorch`,
/// `nvcr.io/nvidia/pytorch`, `rocm/pytorch`: a repository named
/// `pytorch`): an install of a package that depends on torch keeps it.
pub fn ships_torch(image: &ImageRef<'_>) -> bool {
    image.repository.rsplit('/').next() == Some("pytorch")
}

/// Whether the image uses musl libc (Alpine and images built on it).
pub fn is_musl(image: &ImageRef<'_>) -> bool {
    let name = image.short_name();
    let tag = image.effective_tag().unwrap_or("");
    name == "alpine" || name.ends_with("/alpine") || tag.contains("alpine")
}

/// Whether a `USER` value (`name`, `uid`, `name:group`) is root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// The home directory of a `USER` value (`name`, `uid`, `name:group`,
/// empty for root) in an `/etc/passwd` text, without its leading `/`.
pub fn user_home(passwd: &str, user: &str) -> Option<String> {
    let name = user.split(':').next().unwrap_or(user).trim();
    let name = if name.is_empty() { "root" } else { name };
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        let matches = f.len() >= 6 && (f[0] == name || f[2] == name);
        matches.then(|| f[5].trim_matches('/').to_string())
    })
}

/// Whether the image is known to run as a non-root user by default.
pub fn runs_as_non_root(image: &ImageRef<'_>) -> bool {
    let name = image.short_name();
    let tag = image.effective_tag().unwrap_or("");
    tag.contains("nonroot")
        || name.starts_with("chainguard/")
        || image.registry == Some("cgr.dev")
        || name.starts_with("bitnami/")
        || name == "mambaorg/micromamba"
        || name.starts_with("jupyter/")
        || (image.registry == Some("quay.io") && name.starts_with("jupyter/"))
        // USER locust; the entrypoint drops to pypiserver with gosu; Software
        // Collections images run as 1001.
        || name == "locustio/locust"
        || name == "pypiserver/pypiserver"
        || (image.registry == Some("quay.io") && name.starts_with("sclorg/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_home_by_name_uid_or_default_root() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\n";
        assert_eq!(user_home(passwd, "app").as_deref(), Some("home/app"));
        assert_eq!(user_home(passwd, "1000:1000").as_deref(), Some("home/app"));
        assert_eq!(user_home(passwd, "").as_deref(), Some("root"));
        assert_eq!(user_home(passwd, "nobody"), None);
    }

    #[test]
    fn references_are_validated_as_the_distribution_grammar_says() {
        for ok in [
            "python:3.11-slim",
            "nvcr.io/nvidia/pytorch:24.01-py3",
            "localhost:5000/team/app",
            "busybox:stable",
            "ghcr.io/a__b/c-d.e",
            "python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(ImageRef::is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "busybox:",
            ":latest",
            "Python:3",
            "a//b",
            "x:-tag",
            "x@sha256:12",
            "a-:1",
        ] {
            assert!(!ImageRef::is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn references() {
        let r = ImageRef::parse("nvcr.io/nvidia/pytorch:24.05-py3@sha256:abc");
        assert_eq!(r.registry, Some("nvcr.io"));
        assert_eq!(r.repository, "nvidia/pytorch");
        assert_eq!(r.tag, Some("24.05-py3"));
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(
            (r.registry, r.repository, r.tag),
            (Some("localhost:5000"), "app", None)
        );
        assert_eq!(r.effective_tag(), Some("latest"));
        assert!(ImageRef::parse("docker.io/library/python:3.11").is_official("python"));
    }

    #[test]
    fn flavours() {
        let f = |s: &str| python_flavor(&ImageRef::parse(s));
        assert_eq!(f("python:3.11"), Some(PythonFlavor::Full));
        assert_eq!(f("python"), Some(PythonFlavor::Full));
        assert_eq!(f("python:3.11-slim-bookworm"), Some(PythonFlavor::Slim));
        assert_eq!(f("python:3.12-alpine3.20"), Some(PythonFlavor::Alpine));
        assert_eq!(f("myorg/python:3.11"), None);
        assert_eq!(slim_tag("3.11"), "3.11-slim");
        assert_eq!(slim_tag("3.11.9-bookworm"), "3.11.9-slim-bookworm");
        assert_eq!(slim_tag("latest"), "slim");
        let c = |s: &str| cuda_flavor(&ImageRef::parse(s));
        assert_eq!(
            c("nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"),
            Some(CudaFlavor::CudnnDevel)
        );
        assert_eq!(
            c("nvidia/cuda:12.1.0-runtime-ubuntu22.04"),
            Some(CudaFlavor::Runtime)
        );
        assert_eq!(
            c("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"),
            Some(CudaFlavor::CudnnRuntime)
        );
        assert_eq!(
            c("nvidia/cuda:12.4.1-base-ubuntu22.04"),
            Some(CudaFlavor::Base)
        );
        assert_eq!(c("python:3.11"), None);
        assert!(is_gpu_image(&ImageRef::parse(
            "nvcr.io/nvidia/tritonserver:24.05-py3"
        )));
        assert!(!is_gpu_image(&ImageRef::parse("python:3.11-slim")));
        assert!(is_musl(&ImageRef::parse("python:3.11-alpine")));
        assert!(runs_as_non_root(&ImageRef::parse(
            "gcr.io/distroless/python3-debian12:nonroot"
        )));
    }
}
