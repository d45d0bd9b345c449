//! Classifying file paths of an image's filesystem.
//!
//! Paths are relative to the image root, `/`-separated, without a leading
//! slash (`usr/lib/x86_64-linux-gnu/libcudnn.so.9`). A path can be in several
//! classes at once (a CUDA library pip installed under `site-packages/nvidia/`
//! is both [`Class::NvidiaPip`] and [`Class::CudaLibrary`]).

use serde::Serialize;

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Under a `site-packages/nvidia/` namespace (pip nvidia-* wheels).
    NvidiaPip,
    /// A CUDA / cuDNN / NCCL / TensorRT shared library (pip-shipped or system).
    CudaLibrary,
    /// CUDA development files: nvcc, headers, static libraries.
    CudaDevel,
    /// Model weights (safetensors, pickles, ONNX, GGUF, ...).
    ModelWeights,
    /// pip's cache.
    PipCache,
    /// uv's cache.
    UvCache,
    /// Another package manager's cache (poetry, pdm, npm, yarn).
    OtherPackageCache,
    /// conda's package cache (`<prefix>/pkgs/`).
    CondaPkgs,
    /// The Hugging Face hub cache.
    HfCache,
    /// torch.hub downloads.
    TorchHub,
    /// apt lists and downloaded archives.
    Apt,
    /// Python bytecode.
    Pycache,
    /// C/C++ toolchains.
    BuildTools,
    /// A `.git` directory.
    Git,
    /// Test suites.
    Tests,
    /// Documentation and man pages.
    Docs,
    /// Jupyter notebooks and their checkpoints.
    Notebooks,
}

/// The classes a path belongs to.
pub fn classify(path: &str) -> Vec<Class> {
    let mut out = Vec::new();
    let name = path.rsplit('/').next().unwrap_or(path);
    let comps = || path.split('/');
    let in_site = is_in_site_packages(path);

    if in_site && has_component_pair(path, "nvidia") {
        out.push(Class::NvidiaPip);
    }
    if is_cuda_library(name) {
        out.push(Class::CudaLibrary);
    }
    if is_cuda_devel(path, name) {
        out.push(Class::CudaDevel);
    }
    if is_model_weights(path, name, in_site) {
        out.push(Class::ModelWeights);
    }
    if path.contains(".cache/pip/") {
        out.push(Class::PipCache);
    }
    if path.contains(".cache/uv/") {
        out.push(Class::UvCache);
    }
    if [
        ".cache/pypoetry/",
        ".cache/pdm/",
        ".npm/_cacache/",
        ".cache/yarn/",
        "usr/local/share/.cache/yarn/",
    ]
    .iter()
    .any(|m| path.contains(m))
    {
        out.push(Class::OtherPackageCache);
    }
    if is_conda_pkgs(path) {
        out.push(Class::CondaPkgs);
    }
    if path.contains(".cache/huggingface/") || comps().any(is_hub_repo_dir) {
        out.push(Class::HfCache);
    }
    if path.contains(".cache/torch/hub/") || path.contains("torch/hub/checkpoints/") {
        out.push(Class::TorchHub);
    }
    if path.starts_with("var/lib/apt/lists/") || path.starts_with("var/cache/apt/") {
        out.push(Class::Apt);
    }
    if comps().any(|c| c == "__pycache__") || name.ends_with(".pyc") {
        out.push(Class::Pycache);
    }
    if is_build_tool(path, name) {
        out.push(Class::BuildTools);
    }
    if comps().any(|c| c == ".git") {
        out.push(Class::Git);
    }
    if comps().rev().skip(1).any(|c| c == "tests" || c == "test") {
        out.push(Class::Tests);
    }
    if [
        "usr/share/doc/",
        "usr/share/man/",
        "usr/share/info/",
        "usr/local/share/man/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
    {
        out.push(Class::Docs);
    }
    if name.ends_with(".ipynb") || comps().any(|c| c == ".ipynb_checkpoints") {
        out.push(Class::Notebooks);
    }
    out
}

/// The package cache or package lists a path is in (pip, uv, poetry and
/// the like, conda's `pkgs`, apt's lists and archives), if any: what a
/// layer keeps that an install with its cache avoided would not.
pub fn cache_class(path: &str) -> Option<Class> {
    const CACHES: [Class; 5] = [
        Class::PipCache,
        Class::UvCache,
        Class::OtherPackageCache,
        Class::CondaPkgs,
        Class::Apt,
    ];
    // Most paths are none of them: skip the full classification.
    if !(path.contains("cache") || path.contains("pkgs/") || path.starts_with("var/lib/apt/")) {
        return None;
    }
    classify(path).into_iter().find(|c| CACHES.contains(c))
}

/// Whether the path is inside a `site-packages` or `dist-packages` directory.
pub fn is_in_site_packages(path: &str) -> bool {
    below_site_packages(path).is_some()
}

/// What is below the path's first `site-packages/` (or `dist-packages/`):
/// the distribution's files, as the installer laid them out.
pub fn below_site_packages(path: &str) -> Option<&str> {
    ["site-packages/", "dist-packages/"]
        .iter()
        .find_map(|m| path.find(m).map(|i| &path[i + m.len()..]))
}

/// The `.../site-packages` (or `dist-packages`) prefix of a path.
pub fn site_packages_root(path: &str) -> Option<&str> {
    for marker in ["/site-packages/", "/dist-packages/"] {
        if let Some(i) = path.find(marker) {
            return Some(&path[..i + marker.len() - 1]);
        }
    }
    None
}

fn has_component_pair(path: &str, name: &str) -> bool {
    let mut prev_site = false;
    for c in path.split('/') {
        if prev_site && c == name {
            return true;
        }
        prev_site = c == "site-packages" || c == "dist-packages";
    }
    false
}

/// Shared-library stems of CUDA, cuDNN, NCCL, TensorRT and the CUDA parts of torch.
const CUDA_LIB_STEMS: &[&str] = &[
    "libcudart",
    "libcublas",
    "libcublasLt",
    "libcudnn",
    "libnccl",
    "libcufft",
    "libcufftw",
    "libcusparse",
    "libcusparseLt",
    "libcusolver",
    "libcusolverMg",
    "libcurand",
    "libnvrtc",
    "libnvJitLink",
    "libcupti",
    "libnvToolsExt",
    "libnvperf",
    "libnpp",
    "libnvjpeg",
    "libcufile",
    "libnvinfer",
    "libnvonnxparser",
    "libnvblas",
    "libcuda",
    "libtorch_cuda",
    "libc10_cuda",
    "libcaffe2_nvrtc",
    "libnvidia-ml",
];

/// Whether a file name is a CUDA-family shared library (`libcublas.so.12`, `libcudnn_ops.so.9`).
pub fn is_cuda_library(name: &str) -> bool {
    let Some(so) = name.find(".so") else {
        return false;
    };
    let stem = &name[..so];
    CUDA_LIB_STEMS.iter().any(|s| {
        stem == *s
            || stem.strip_prefix(s).is_some_and(|rest| {
                rest.starts_with(['_', '-']) || rest.chars().all(|c| c.is_ascii_digit())
            })
    })
}

/// The soname-like key used to find the same library twice (`libcublas.so.12`).
pub fn soname_key(name: &str) -> Option<String> {
    let so = name.find(".so")?;
    let rest = &name[so + 3..];
    let major = rest.trim_start_matches('.').split('.').next().unwrap_or("");
    if major.is_empty() {
        Some(name[..so + 3].to_string())
    } else {
        Some(format!("{}.so.{major}", &name[..so]))
    }
}

fn is_cuda_devel(path: &str, name: &str) -> bool {
    let in_cuda = path.starts_with("usr/local/cuda") || path.contains("/nvidia/");
    (in_cuda && (name == "nvcc" || path.contains("/nvvm/") || path.contains("/include/")))
        || (name.ends_with("_static.a")
            && (in_cuda || name.starts_with("libcu") || name.starts_with("libnpp")))
        || name == "nvcc"
}

const WEIGHT_SUFFIXES: &[&str] = &[
    ".safetensors",
    ".pt",
    ".pth",
    ".ckpt",
    ".onnx",
    ".onnx_data",
    ".onnx.data",
    ".gguf",
    ".ggml",
    ".keras",
    ".tflite",
    ".mlmodel",
    ".nemo",
    ".ot",
];

/// Whether a file holds model weights.
pub fn is_model_weights(path: &str, name: &str, in_site_packages: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    if WEIGHT_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return true;
    }
    if lower.starts_with("pytorch_model") && lower.ends_with(".bin")
        || lower == "tf_model.h5"
        || lower == "flax_model.msgpack"
        || lower == "saved_model.pb"
        || lower.starts_with("variables.data-")
    {
        return true;
    }
    // Generic containers count outside installed packages, in model folders.
    let model_dir = path
        .split('/')
        .any(|c| matches!(c, "models" | "model" | "weights" | "checkpoints"));
    !in_site_packages
        && model_dir
        && [".bin", ".h5", ".pkl", ".joblib", ".msgpack"]
            .iter()
            .any(|s| lower.ends_with(s))
}

/// `models--org--name`, `datasets--...`: a Hugging Face hub repository folder.
pub fn is_hub_repo_dir(component: &str) -> bool {
    ["models--", "datasets--", "spaces--", "kernels--"]
        .iter()
        .any(|p| component.starts_with(p))
}

fn is_conda_pkgs(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "conda",
        "miniconda3",
        "miniconda",
        "anaconda3",
        "mambaforge",
        "miniforge3",
        "micromamba",
    ];
    let comps: Vec<&str> = path.split('/').collect();
    comps
        .windows(2)
        .any(|w| w[1] == "pkgs" && PREFIXES.contains(&w[0]))
        || path.starts_with("home/mambauser/.mamba/pkgs/")
}

fn is_build_tool(path: &str, name: &str) -> bool {
    if path.starts_with("usr/lib/gcc/") || path.starts_with("usr/libexec/gcc/") {
        return true;
    }
    if let Some(bin) = path
        .strip_prefix("usr/bin/")
        .or_else(|| path.strip_prefix("usr/local/bin/"))
    {
        if bin.contains('/') {
            return false;
        }
        let tool = name
            .trim_start_matches("x86_64-linux-gnu-")
            .trim_start_matches("aarch64-linux-gnu-");
        let base = tool.split('-').next().unwrap_or(tool);
        return matches!(
            base,
            "gcc"
                | "g++"
                | "cc"
                | "c++"
                | "cpp"
                | "ld"
                | "ld.bfd"
                | "ld.gold"
                | "as"
                | "gfortran"
                | "make"
                | "cmake"
                | "nvcc"
                | "clang"
                | "clang++"
                | "rustc"
                | "cargo"
        );
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(path: &str, c: Class) -> bool {
        classify(path).contains(&c)
    }

    #[test]
    fn package_caches_and_lists() {
        assert_eq!(
            cache_class("root/.cache/pip/http-v2/a/b"),
            Some(Class::PipCache)
        );
        assert_eq!(
            cache_class("home/app/.cache/uv/wheels-v1/x"),
            Some(Class::UvCache)
        );
        assert_eq!(
            cache_class("root/.cache/pypoetry/cache/x"),
            Some(Class::OtherPackageCache)
        );
        assert_eq!(
            cache_class("opt/conda/pkgs/numpy-1.26/info/x"),
            Some(Class::CondaPkgs)
        );
        assert_eq!(
            cache_class("var/lib/apt/lists/deb.debian.org_Packages"),
            Some(Class::Apt)
        );
        assert_eq!(
            cache_class("var/cache/apt/archives/curl.deb"),
            Some(Class::Apt)
        );
        assert_eq!(cache_class("root/.cache/huggingface/hub/x"), None);
        assert_eq!(
            cache_class("usr/local/lib/python3.11/site-packages/pip/cache.py"),
            None
        );
    }

    #[test]
    fn cuda_libraries() {
        assert!(has(
            "usr/local/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12",
            Class::CudaLibrary
        ));
        assert!(has(
            "usr/local/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12",
            Class::NvidiaPip
        ));
        assert!(has(
            "usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.1.0",
            Class::CudaLibrary
        ));
        assert!(has(
            "opt/venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so",
            Class::CudaLibrary
        ));
        assert!(!has(
            "usr/lib/x86_64-linux-gnu/libcurl.so.4",
            Class::CudaLibrary
        ));
        assert!(!has("usr/lib/libcudart_helper.py", Class::CudaLibrary));
        assert_eq!(
            soname_key("libcublas.so.12.4.5.8").as_deref(),
            Some("libcublas.so.12")
        );
        assert_eq!(soname_key("libcudnn.so").as_deref(), Some("libcudnn.so"));
    }

    #[test]
    fn caches_and_weights() {
        assert!(has("root/.cache/pip/http-v2/a/b/c", Class::PipCache));
        assert!(has(
            "root/.cache/huggingface/hub/models--bert--base/blobs/abc",
            Class::HfCache
        ));
        assert!(has(
            "opt/hf/hub/models--bert--base/snapshots/1/model.safetensors",
            Class::HfCache
        ));
        assert!(has(
            "opt/hf/hub/models--bert--base/snapshots/1/model.safetensors",
            Class::ModelWeights
        ));
        assert!(has(
            "root/.cache/torch/hub/checkpoints/resnet50.pth",
            Class::TorchHub
        ));
        assert!(has("app/models/classifier.pkl", Class::ModelWeights));
        assert!(!has(
            "usr/local/lib/python3.11/site-packages/sklearn/data.pkl",
            Class::ModelWeights
        ));
        assert!(has("opt/conda/pkgs/numpy-1.26/info/x", Class::CondaPkgs));
        assert!(has("var/lib/apt/lists/deb.debian.org_dists", Class::Apt));
    }

    #[test]
    fn tools_tests_and_notebooks() {
        assert!(has("usr/bin/x86_64-linux-gnu-gcc-12", Class::BuildTools));
        assert!(has(
            "usr/lib/gcc/x86_64-linux-gnu/12/cc1",
            Class::BuildTools
        ));
        assert!(!has("usr/bin/gzip", Class::BuildTools));
        assert!(has(
            "usr/local/lib/python3.11/site-packages/pandas/tests/test_x.py",
            Class::Tests
        ));
        assert!(!has("app/tests", Class::Tests));
        assert!(has("app/notebooks/a.ipynb", Class::Notebooks));
        assert!(has("app/.git/objects/pack/p.pack", Class::Git));
        assert!(has("usr/local/cuda-12.4/bin/nvcc", Class::CudaDevel));
        assert!(has(
            "usr/local/cuda-12.4/lib64/libcublas_static.a",
            Class::CudaDevel
        ));
    }
}

/// The one group a file of the final filesystem is drawn in (the treemap of
/// the HTML report): every file is in exactly one, so the groups add up to
/// the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// CUDA, cuDNN and the other NVIDIA libraries, pip-shipped or system.
    Cuda,
    /// The torch package itself.
    Torch,
    /// Every other installed Python distribution.
    PythonPackages,
    /// Model weights, and the hub caches models are downloaded to.
    Weights,
    /// Package caches, apt lists, bytecode.
    Caches,
    /// The operating system and its programs (`usr`, `lib`, `etc`, `opt`...).
    Os,
    /// Everything else: the application's own files.
    App,
}

impl Group {
    /// Every group, in the order the report draws them.
    pub const ALL: [Group; 7] = [
        Group::Cuda,
        Group::Torch,
        Group::PythonPackages,
        Group::Weights,
        Group::Caches,
        Group::Os,
        Group::App,
    ];

    /// How the report labels it.
    pub fn label(self) -> &'static str {
        match self {
            Group::Cuda => "CUDA / NVIDIA",
            Group::Torch => "torch",
            Group::PythonPackages => "other Python packages",
            Group::Weights => "model weights",
            Group::Caches => "caches",
            Group::Os => "OS",
            Group::App => "app",
        }
    }
}

/// The group of a path whose [`classify`] classes are `classes`: weights,
/// then caches, then CUDA win over where the file lies.
pub fn group(path: &str, classes: &[Class]) -> Group {
    use Class::*;
    let any = |set: &[Class]| classes.iter().any(|c| set.contains(c));
    // A hub cache holds downloaded models: weights, not a package cache.
    if any(&[ModelWeights, HfCache, TorchHub]) {
        return Group::Weights;
    }
    if any(&[
        PipCache,
        UvCache,
        OtherPackageCache,
        CondaPkgs,
        Apt,
        Pycache,
    ]) {
        return Group::Caches;
    }
    if any(&[NvidiaPip, CudaLibrary, CudaDevel]) {
        return Group::Cuda;
    }
    if let Some(root) = site_packages_root(path) {
        let inside = path[root.len()..].trim_start_matches('/');
        let torch = inside.starts_with("torch/") || inside.starts_with("torch-");
        return if torch {
            Group::Torch
        } else {
            Group::PythonPackages
        };
    }
    let top = path.split('/').next().unwrap_or_default();
    let system = [
        "usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "var", "opt",
    ];
    if system.contains(&top) {
        Group::Os
    } else {
        Group::App
    }
}

#[cfg(test)]
mod group_tests {
    use super::*;

    fn group_of(path: &str) -> Group {
        group(path, &classify(path))
    }

    #[test]
    fn each_file_lands_in_one_group() {
        let sp = "usr/local/lib/python3.11/site-packages";
        assert_eq!(
            group_of(&format!("{sp}/torch/lib/libtorch_cpu.so")),
            Group::Torch
        );
        // torch's CUDA parts are CUDA libraries (CUDA_LIB_STEMS), as in the categories.
        assert_eq!(
            group_of(&format!("{sp}/torch/lib/libtorch_cuda.so")),
            Group::Cuda
        );
        assert_eq!(
            group_of(&format!("{sp}/torch-2.5.1.dist-info/RECORD")),
            Group::Torch
        );
        assert_eq!(
            group_of(&format!("{sp}/torchvision/io.py")),
            Group::PythonPackages
        );
        assert_eq!(
            group_of(&format!("{sp}/nvidia/cublas/lib/libcublas.so.12")),
            Group::Cuda
        );
        assert_eq!(
            group_of(&format!("{sp}/numpy/__pycache__/x.cpython-311.pyc")),
            Group::Caches
        );
        assert_eq!(group_of("root/.cache/pip/http-v2/a/b"), Group::Caches);
        assert_eq!(group_of("models/bert/model.safetensors"), Group::Weights);
        let hub = "root/.cache/huggingface/hub/models--org--m/blobs/0a1b";
        assert_eq!(group_of(hub), Group::Weights);
        assert_eq!(group_of("usr/bin/python3.11"), Group::Os);
        assert_eq!(group_of("app/main.py"), Group::App);
    }
}
