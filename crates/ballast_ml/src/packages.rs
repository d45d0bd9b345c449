//! Families of Python packages that matter for image size, and the dated
//! table of typical installed sizes used for estimates when no image is given.

use crate::python::normalize_name;

/// Tools for development, testing and notebooks that a serving image rarely
/// needs. Plotting libraries (matplotlib, seaborn, plotly) are not here:
/// applications draw charts with them at run time.
pub const DEV_PACKAGES: &[&str] = &[
    "jupyter",
    "jupyterlab",
    "jupyter-server",
    "jupyter-client",
    "jupyter-core",
    "notebook",
    "nbconvert",
    "ipython",
    "ipykernel",
    "ipywidgets",
    "pytest",
    "pytest-cov",
    "pytest-asyncio",
    "black",
    "flake8",
    "ruff",
    "mypy",
    "pylint",
    "isort",
    "pre-commit",
    "debugpy",
    "tensorboard",
];

/// Whether a distribution is a development-time tool (by normalised name).
pub fn is_dev_package(name: &str) -> bool {
    let n = normalize_name(name);
    DEV_PACKAGES.contains(&n.as_str()) || n.starts_with("pytest-") || n.starts_with("jupyterlab-")
}

/// The torch family: installing any of these from the default index on Linux
/// x86_64 brings the CUDA build and its nvidia-* libraries.
pub const TORCH_FAMILY: &[&str] = &["torch", "torchvision", "torchaudio"];

/// Packages that pull torch in as a dependency.
pub const TORCH_DEPENDENTS: &[&str] = &[
    "sentence-transformers",
    "accelerate",
    "timm",
    "ultralytics",
    "lightning",
    "pytorch-lightning",
    "torchmetrics",
    "peft",
    "bitsandbytes",
    "diffusers",
    "xformers",
    "vllm",
    "flash-attn",
    "open-clip-torch",
    "easyocr",
    "openai-whisper",
];

/// Inference and training frameworks besides the torch family: a service
/// that runs one is an ML service (memory-hungry, model caches on disk).
pub const ML_FRAMEWORKS: &[&str] = &[
    "transformers",
    "tensorflow",
    "tensorflow-cpu",
    "jax",
    "onnxruntime",
    "onnxruntime-gpu",
    "ctranslate2",
    "faster-whisper",
    "llama-cpp-python",
    "paddlepaddle",
    "tensorrt",
];

/// Whether a distribution (normalised name) runs models: the torch family,
/// what pulls torch in, or another framework.
pub fn is_ml_framework(name: &str) -> bool {
    TORCH_FAMILY.contains(&name)
        || TORCH_DEPENDENTS.contains(&name)
        || ML_FRAMEWORKS.contains(&name)
}

/// Whether a distribution (any spelling) is torch, torchvision or torchaudio.
pub fn is_torch_family(name: &str) -> bool {
    TORCH_FAMILY.contains(&normalize_name(name).as_str())
}

/// Whether installing this requirement brings torch (directly or as a dependency).
pub fn brings_torch(name: &str, extras: &[String]) -> bool {
    let n = normalize_name(name);
    TORCH_FAMILY.contains(&n.as_str())
        || TORCH_DEPENDENTS.contains(&n.as_str())
        || (n == "transformers" && extras.iter().any(|e| e == "torch"))
}

/// Distributions that are explicitly GPU builds.
pub fn is_gpu_build(name: &str) -> bool {
    let n = normalize_name(name);
    matches!(
        n.as_str(),
        "onnxruntime-gpu" | "faiss-gpu" | "paddlepaddle-gpu" | "tensorflow-gpu" | "jaxlib-cuda"
    ) || n.starts_with("cupy-cuda")
        || n.starts_with("nvidia-")
        || n.starts_with("faiss-gpu-")
}

/// Python distributions that only run on a GPU: their presence says the
/// image is meant for one.
pub const GPU_ONLY: &[&str] = &[
    "vllm",
    "flash-attn",
    "xformers",
    "bitsandbytes",
    "deepspeed",
    "apex",
    "tensorrt",
    "auto-gptq",
    "exllamav2",
];

/// Whether a distribution says the image targets a GPU.
pub fn signals_gpu(name: &str) -> bool {
    let n = normalize_name(name);
    is_gpu_build(&n) || GPU_ONLY.contains(&n.as_str())
}

/// OS packages that compile software: needed to build wheels, dead weight at run time.
pub const BUILD_TOOLS: &[&str] = &[
    "build-essential",
    "build-base",
    "gcc",
    "g++",
    "clang",
    "make",
    "cmake",
    "ninja-build",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "gfortran",
    "cargo",
    "rustc",
    "musl-dev",
    "linux-headers",
    "development tools",
    "@development-tools",
    "gcc-c++",
];

/// OS packages of a graphical desktop: an image that installs one is a
/// workstation (a remote desktop, a computer-use sandbox), where compilers,
/// headers and recommended extras are part of what it offers.
pub const DESKTOP_ENVIRONMENTS: &[&str] = &[
    "xfce4",
    "xfce4-session",
    "lxde",
    "lxde-core",
    "lxqt",
    "mate-desktop-environment",
    "gnome-session",
    "ubuntu-desktop",
    "kde-plasma-desktop",
    "cinnamon",
];

/// Whether an OS package is a graphical desktop environment.
pub fn is_desktop_environment(package: &str) -> bool {
    DESKTOP_ENVIRONMENTS.contains(&package.split(['=', '/']).next().unwrap_or(package))
}

/// Python distributions that compile native code while the program runs,
/// with how: their image needs a compiler (and, for CUDA kernels, the CUDA
/// toolkit of a devel base) at run time, not only at build time.
pub const COMPILES_AT_RUNTIME: &[(&str, &str)] = &[
    (
        "deepspeed",
        "builds its CUDA ops with nvcc and ninja on first use",
    ),
    ("flashinfer-python", "JIT-compiles its CUDA kernels"),
    ("flashinfer", "JIT-compiles its CUDA kernels"),
    (
        "vllm",
        "JIT-compiles FlashInfer and Triton kernels at engine start",
    ),
    (
        "sglang",
        "JIT-compiles FlashInfer and Triton kernels at start",
    ),
    (
        "xinference",
        "installs model dependencies into virtualenvs at run time",
    ),
    (
        "liger-kernel",
        "compiles Triton kernels (C launchers) at run time",
    ),
    (
        "unsloth",
        "compiles Triton kernels (C launchers) at run time",
    ),
];

/// Python distributions whose install compiles native (often CUDA) code
/// from source: their install needs the toolchain of a devel image.
pub const BUILT_FROM_SOURCE: &[&str] = &[
    "llama-cpp-python",
    "flash-attn",
    "apex",
    "auto-gptq",
    "mamba-ssm",
    "causal-conv1d",
    "exllamav2",
];

/// Whether installing a distribution compiles it from source.
pub fn built_from_source(name: &str) -> bool {
    BUILT_FROM_SOURCE.contains(&crate::python::normalize_name(name).as_str())
}

/// How a distribution compiles at run time, when it does.
pub fn compiles_at_runtime(name: &str) -> Option<&'static str> {
    let n = crate::python::normalize_name(name);
    COMPILES_AT_RUNTIME
        .iter()
        .find(|(p, _)| *p == n)
        .map(|(_, how)| *how)
}

/// OS packages a program that compiles at run time needs: the C/C++
/// compilers, make and ninja, Python's headers.
pub fn is_runtime_compiler(package: &str) -> bool {
    let name = package.split(['=', '/']).next().unwrap_or(package);
    [
        "build-essential",
        "gcc",
        "g++",
        "clang",
        "make",
        "ninja-build",
        "libc6-dev",
    ]
    .contains(&name)
        || name.starts_with("gcc-")
        || name.starts_with("g++-")
        || (name.starts_with("python3") && name.ends_with("-dev"))
        || (name.starts_with("libpython3") && name.ends_with("-dev"))
}

/// Whether an OS package is only a toolchain (a compiler, a build system,
/// Python's headers): what it installs serves builds alone. A library's
/// `-dev` package is not: it brings the runtime library with it, which
/// what was built links to.
pub fn is_toolchain(package: &str) -> bool {
    let name = package
        .split(['=', '/'])
        .next()
        .unwrap_or(package)
        .to_ascii_lowercase();
    (BUILD_TOOLS.contains(&name.as_str()) && name != "musl-dev" && name != "linux-headers")
        || name.starts_with("gcc-")
        || name.starts_with("g++-")
        || (name.starts_with("python3") && name.ends_with("-dev"))
        || (name.starts_with("libpython3") && name.ends_with("-dev"))
}

/// Whether an OS package is a compiler, build system or development package
/// (`*-dev`, `*-devel`, `*-headers`): as a Dockerfile requests it (`pkg=1.2`,
/// `pkg/suite`) or as dpkg lists it installed (`gcc-12`, `cpp-12`,
/// `binutils-x86-64-linux-gnu`). cuDNN's `-dev` packages are not: they carry
/// the library itself and are counted as CUDA libraries.
pub fn is_build_tool(package: &str) -> bool {
    // apt allows `pkg=version` and `pkg/suite`; apk `pkg=ver`; dnf `pkg-1.2`.
    let name = package
        .split(['=', '/'])
        .next()
        .unwrap_or(package)
        .to_ascii_lowercase();
    let versioned = |family: &str| name == family || name.starts_with(&format!("{family}-"));
    BUILD_TOOLS.contains(&name.as_str())
        || TOOLCHAIN_FAMILIES.iter().any(|f| versioned(f))
        || name == "libc-dev-bin"
        || ((name.ends_with("-dev") || name.ends_with("-devel")) && !name.starts_with("libcudnn"))
        || name.ends_with("-headers")
}

/// Toolchains whose packages carry a version or a target in their name
/// (`gcc-12`, `clang-15`, `binutils-x86-64-linux-gnu`, `cuda-nvcc-12-4`).
const TOOLCHAIN_FAMILIES: &[&str] = &[
    "gcc",
    "g++",
    "cpp",
    "gfortran",
    "clang",
    "llvm",
    "binutils",
    "dpkg-dev",
    "cuda-nvcc",
    "cuda-toolkit",
    "cuda-compiler",
];

/// Downloaded wheels (what pip's and uv's caches keep) per installed byte,
/// in thousandths: measured 2026-11-26 by `bench/inspect.sh`, 3,045,141,119
/// bytes of wheels for 5,394,070,509 bytes installed (torch 2.5.1 with its
/// CUDA wheels, transformers, numpy, tokenizers).
pub const WHEEL_PER_INSTALLED_PERMILLE: u64 = 565;

/// How an installer's cache sits in a layer beside what it installed,
/// measured 2026-12-05 by `bench/cache-ratios.sh` (fastapi, uvicorn, numpy,
/// pandas and scikit-learn: 84,720,246 bytes of wheels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheLayout {
    /// pip (and poetry, pdm): the downloaded wheels; pip 85,126,918 bytes
    /// (1.005 per wheel byte), poetry 2.5.1 85,821,482 (1.013, its
    /// repository metadata beside the wheels; measured 2026-12-06): the
    /// wheels' bytes are the figure.
    Wheels,
    /// uv, hard-linking from its cache (its default on Linux, and what a
    /// RUN without a cache mount gets): the unpacked wheels share their
    /// bytes with the environment; the layer stores 3,287,276 bytes more
    /// (0.039 per wheel byte).
    UvLinked,
    /// uv with `UV_LINK_MODE=copy`: a second copy of the environment,
    /// 280,308,124 bytes beside 280,103,470 (1.001 per installed byte).
    UvCopied,
}

impl CacheLayout {
    /// The bytes the cache adds to the layer for packages of `wheel` bytes
    /// downloaded and `installed` bytes unpacked.
    pub fn layer_bytes(self, wheel: u64, installed: u64) -> u64 {
        match self {
            CacheLayout::Wheels => wheel,
            CacheLayout::UvLinked => wheel / 1000 * 39,
            CacheLayout::UvCopied => installed / 1000 * 1001,
        }
    }

    /// What the figure rests on, for a finding's basis.
    pub fn basis(self) -> &'static str {
        match self {
            CacheLayout::Wheels => {
                "the cache keeps the wheels downloaded, their bytes measured per distribution"
            }
            CacheLayout::UvLinked => {
                "uv hard-links the environment from its cache, so the layer stores the files once and the cache adds its metadata, 0.039 per wheel byte (bench/cache-ratios.sh)"
            }
            CacheLayout::UvCopied => {
                "with UV_LINK_MODE=copy the cache is a second copy of what is installed (bench/cache-ratios.sh)"
            }
        }
    }
}

/// The bytes a package cache keeps for `installed` bytes of packages.
pub fn cache_bytes_for(installed: u64) -> u64 {
    installed / 1000 * WHEEL_PER_INSTALLED_PERMILLE
}

/// The headless variant of an OpenCV distribution that links GUI libraries.
pub fn opencv_headless_variant(name: &str) -> Option<&'static str> {
    match normalize_name(name).as_str() {
        "opencv-python" => Some("opencv-python-headless"),
        "opencv-contrib-python" => Some("opencv-contrib-python-headless"),
        _ => None,
    }
}

/// Packages with compiled extensions that publish no musllinux (Alpine) wheels,
/// so pip builds them from source on Alpine or fails.
pub const NO_MUSL_WHEELS: &[&str] = &[
    "torch",
    "torchvision",
    "torchaudio",
    "tensorflow",
    "onnxruntime",
    "jaxlib",
    "triton",
    "xformers",
    "vllm",
];

/// Packages whose musllinux wheels only exist from a version on; older pins build from source.
pub const MUSL_WHEELS_SINCE: &[(&str, &str)] = &[
    ("numpy", "1.25.0"),
    ("pandas", "2.0.0"),
    ("scipy", "1.11.0"),
    ("scikit-learn", "1.3.0"),
    ("pyarrow", "15.0.0"),
    ("grpcio", "1.60.0"),
];

/// A typical installed size with where the figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypicalSize {
    /// What is measured.
    pub what: &'static str,
    /// Bytes.
    pub bytes: u64,
    /// Where the figure comes from, and when.
    pub basis: &'static str,
}

const MB: u64 = 1_000_000;

/// Typical sizes for estimates when no image is available. Dated: wheels grow
/// with every release, so an image measurement always replaces these.
pub const TYPICAL_SIZES: &[TypicalSize] = &[
    TypicalSize {
        what: "nvidia-* CUDA libraries pulled by torch from the default index",
        bytes: 3_300 * MB,
        basis: "installed site-packages/nvidia of a torch 2.x CUDA 12 image, 3.3 GB (IBM/text-generation-inference#50, 2024)",
    },
    TypicalSize {
        what: "torch CUDA build vs CPU build, torch package itself",
        bytes: 1_000 * MB,
        basis: "torch/lib/libtorch_cuda.so and CUDA kernels absent from the +cpu wheel; wheel 873 MB vs 200 MB download (VWS-Python/vws-python-mock#2949, 2025)",
    },
    TypicalSize {
        what: "pip cache left by `pip install` of an ML requirements set",
        bytes: 1_200 * MB,
        basis: "pip keeps every downloaded wheel under /root/.cache/pip; roughly the compressed size of the wheels installed (torch CPU ~200 MB, CUDA ~3 GB with nvidia-*), estimate 2026-11",
    },
    TypicalSize {
        what: "apt lists after `apt-get update`",
        bytes: 26 * MB,
        basis: "/var/lib/apt/lists on Debian 12 with compressed indexes, 26 MB (observed, ml-facts.md)",
    },
    TypicalSize {
        what: "recommended packages pulled by `apt-get install` without --no-install-recommends",
        bytes: 60 * MB,
        basis: "typical difference for build-essential/python3-pip on Debian 12, estimate 2026-11",
    },
    TypicalSize {
        what: "full python:3.x image over python:3.x-slim",
        bytes: 870 * MB,
        basis: "python:3.11-bookworm 1.01 GB vs python:3.11-slim-bookworm 131 MB uncompressed (Docker Hub tag pages, 2025)",
    },
    TypicalSize {
        what: "CUDA devel base over runtime base",
        bytes: 1_400 * MB,
        basis: "nvidia/cuda 9.0-cudnn7-devel 2.58 GB vs -runtime 1.15 GB (kubeflow/kubeflow#1783)",
    },
    TypicalSize {
        what: "CUDA runtime or cuDNN base over the base flavour",
        bytes: 2_300 * MB,
        basis: "cuda-runtime to cuda-base saved 2.3 GB next to pip's nvidia-* wheels (IBM/text-generation-inference#50)",
    },
    TypicalSize {
        what: "development package (-dev headers)",
        bytes: 15 * MB,
        basis: "headers, static libraries and pkg-config files of one -dev package on Debian 12, estimate 2026-11",
    },
    TypicalSize {
        what: "apk package index cache",
        bytes: 3 * MB,
        basis: "/var/cache/apk APKINDEX files for main and community, about 3 MB, estimate 2026-11",
    },
    TypicalSize {
        what: "dnf/yum metadata cache",
        bytes: 100 * MB,
        basis: "/var/cache/dnf repository metadata of a Fedora/UBI system, 60-150 MB, estimate 2026-11",
    },
    TypicalSize {
        what: "jupyter and notebook stack",
        bytes: 120 * MB,
        basis: "jupyter metapackage with jupyterlab, notebook, ipykernel and dependencies installed, estimate 2026-11",
    },
    TypicalSize {
        what: "matplotlib with its dependencies",
        bytes: 45 * MB,
        basis: "matplotlib 3.9 + pillow, fonttools, kiwisolver, contourpy installed, estimate 2026-11",
    },
    TypicalSize {
        what: "C/C++ toolchain (build-essential)",
        bytes: 250 * MB,
        basis: "build-essential with gcc-12, g++-12, libc6-dev on Debian 12, estimate 2026-11",
    },
    TypicalSize {
        what: "OpenCV GUI variant over headless",
        bytes: 60 * MB,
        basis: "opencv-python bundles Qt and X11 libraries that opencv-python-headless omits, estimate 2026-11",
    },
];

/// Installed sizes of individual distributions: `(normalised name, bytes,
/// basis)`. "measured" figures come from `bench/inspect.sh` (site-packages of
/// torch 2.5.1 from PyPI with its CUDA 12.4 dependencies, Python 3.11, Linux
/// x86_64, 2026-11-26); the others are estimates of the same date.
pub const INSTALLED_SIZES: &[(&str, u64, &str)] = &[
    (
        "torch",
        1_752_659_457,
        "measured: torch 2.5.1 (CUDA build from PyPI), 2026-11-26",
    ),
    (
        "nvidia-*",
        2_874_634_121,
        "measured: the 12 nvidia-*-cu12 wheels torch 2.5.1 pulls, 2026-11-26",
    ),
    (
        "triton",
        580_291_847,
        "measured: triton 3.1.0 pulled by torch 2.5.1, 2026-11-26",
    ),
    (
        "torch+cpu",
        700_000_000,
        "estimate: torch +cpu wheels are about 200 MB compressed, 0.7 GB installed, 2026-11",
    ),
    ("numpy", 64_669_530, "measured: numpy 1.26.4, 2026-11-26"),
    (
        "transformers",
        44_823_875,
        "measured: transformers 4.46.3, 2026-11-26",
    ),
    ("sympy", 26_313_341, "measured: sympy 1.13.1, 2026-11-26"),
    (
        "tokenizers",
        9_091_891,
        "measured: tokenizers 0.20.3, 2026-11-26",
    ),
    (
        "tensorflow",
        1_700_000_000,
        "estimate: tensorflow 2.x with its CUDA extras, 2026-11",
    ),
    (
        "pandas",
        70_000_000,
        "estimate: pandas 2.2 installed, 2026-11",
    ),
    (
        "scipy",
        110_000_000,
        "estimate: scipy 1.14 installed, 2026-11",
    ),
    (
        "scikit-learn",
        45_000_000,
        "estimate: scikit-learn 1.5 installed, 2026-11",
    ),
    (
        "chromadb",
        160_000_000,
        "estimate: chromadb 0.5 with onnxruntime and its dependencies, 2026-11",
    ),
    (
        "langchain",
        25_000_000,
        "estimate: langchain 0.3 with langchain-core, 2026-11",
    ),
    (
        "sentence-transformers",
        5_000_000,
        "estimate: the package alone; it brings torch, 2026-11",
    ),
    (
        "jupyter",
        120_000_000,
        "estimate: jupyter metapackage and its dependencies, 2026-11",
    ),
    (
        "matplotlib",
        45_000_000,
        "estimate: matplotlib 3.9 with pillow, fonttools, kiwisolver, 2026-11",
    ),
    (
        "opencv-python",
        90_000_000,
        "estimate: opencv-python 4.10 wheel installed, 2026-11",
    ),
    (
        "opencv-python-headless",
        60_000_000,
        "estimate: opencv-python-headless 4.10 installed, 2026-11",
    ),
    (
        "onnxruntime-gpu",
        400_000_000,
        "estimate: onnxruntime-gpu 1.19 installed, 2026-11",
    ),
];

/// The installed size of one distribution (torch: the CUDA build), alone:
/// measured from its wheel ([`crate::distributions`]) where the table has
/// it, else the dated estimate above. `nvidia-*` is every nvidia wheel
/// torch's CUDA build installs.
pub fn installed_size(name: &str) -> Option<(u64, &'static str)> {
    const MEASURED: &str = "measured: installed from its wheel by bench/distribution-sizes.sh";
    let n = normalize_name(name);
    if n.starts_with("nvidia-") || n == "nvidia-*" {
        let all: u64 = torch_cuda_parts()
            .filter(|d| d.starts_with("nvidia-"))
            .filter_map(crate::distributions::distribution)
            .map(|d| d.installed_bytes)
            .sum();
        if all > 0 {
            return Some((all, MEASURED));
        }
    } else if let Some(d) = crate::distributions::distribution(&n) {
        return Some((d.installed_bytes, MEASURED));
    }
    let key = if n.starts_with("nvidia-") {
        "nvidia-*"
    } else {
        n.as_str()
    };
    INSTALLED_SIZES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, b, basis)| (*b, *basis))
}

/// Whether a distribution is part of what torch's CUDA build installs from
/// the default index: torch, its nvidia-* and cuda-* libraries, triton.
pub fn is_cuda_torch_part(name: &str) -> bool {
    name == "torch" || name == "triton" || name.starts_with("nvidia-") || name.starts_with("cuda-")
}

/// The nvidia-* wheels torch's CUDA 12 builds on the package index require
/// (torch 2.5.1's METADATA, as downloaded for bench/example.sh full, and
/// the later 2.x releases' additions): the measured closure names the
/// newest release's, which a pinned older torch does not use.
const TORCH_CUDA12_LIBRARIES: &[&str] = &[
    "nvidia-cublas-cu12",
    "nvidia-cuda-cupti-cu12",
    "nvidia-cuda-nvrtc-cu12",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cudnn-cu12",
    "nvidia-cufft-cu12",
    "nvidia-cufile-cu12",
    "nvidia-curand-cu12",
    "nvidia-cusolver-cu12",
    "nvidia-cusparse-cu12",
    "nvidia-cusparselt-cu12",
    "nvidia-nccl-cu12",
    "nvidia-nvjitlink-cu12",
    "nvidia-nvshmem-cu12",
    "nvidia-nvtx-cu12",
];

/// The CUDA libraries torch's default builds bring beside torch itself
/// (nvidia-* wheels and triton): the measured closure's and those of the
/// CUDA 12 builds, so a pinned older torch's are named too.
pub fn torch_cuda_libraries() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = torch_cuda_parts().filter(|d| *d != "torch").collect();
    all.extend(TORCH_CUDA12_LIBRARIES);
    all.push("triton");
    all.sort_unstable();
    all.dedup();
    all
}

/// The distributions of torch's closure that its CUDA build brings.
fn torch_cuda_parts() -> impl Iterator<Item = &'static str> {
    crate::distributions::closure("torch")
        .unwrap_or(&[])
        .iter()
        .copied()
        .filter(|d| is_cuda_torch_part(d))
}

/// What installing torch from the default index adds on Linux x86_64: the
/// CUDA build, its nvidia-* libraries and triton.
pub fn cuda_torch_bytes() -> u64 {
    let measured: u64 = torch_cuda_parts()
        .filter_map(crate::distributions::distribution)
        .map(|d| d.installed_bytes)
        .sum();
    if measured > 0 {
        return measured;
    }
    ["torch", "nvidia-*", "triton"]
        .iter()
        .filter_map(|k| INSTALLED_SIZES.iter().find(|(n, _, _)| n == k))
        .map(|(_, b, _)| b)
        .sum()
}

/// The typical size entry whose description starts with `prefix`.
pub fn typical(prefix: &str) -> Option<&'static TypicalSize> {
    TYPICAL_SIZES.iter().find(|t| t.what.starts_with(prefix))
}

/// Packaging tools: installing only these does not depend on the code, and
/// an image needs them only when it runs them.
const PACKAGING_TOOLS: &[&str] = &[
    "pip",
    "setuptools",
    "wheel",
    "uv",
    "poetry",
    "pdm",
    "pipenv",
    "hatchling",
    "hatch",
    "editables",
    "packaging",
    "pybind11",
    "ninja",
    "cmake",
    "scikit-build",
    "build",
    "setuptools-scm",
    "cython",
    "virtualenv",
];

/// Whether a (normalized) distribution name is a packaging tool: an
/// installer, a build backend or a build helper.
pub fn is_packaging_tool(name: &str) -> bool {
    PACKAGING_TOOLS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_tools_as_requested_and_as_installed() {
        // As a Dockerfile requests them.
        for p in [
            "build-essential",
            "gcc",
            "g++=4:12.2.0-3",
            "cmake/bookworm",
            "libpq-dev",
            "openssl-devel",
            "linux-headers",
        ] {
            assert!(is_build_tool(p), "{p}");
        }
        // As dpkg lists them installed: versions and targets in the name.
        for p in [
            "gcc-12",
            "cpp-12",
            "binutils-x86-64-linux-gnu",
            "libgcc-12-dev",
            "libc-dev-bin",
            "clang-15",
            "cuda-nvcc-12-4",
            "dpkg-dev",
        ] {
            assert!(is_build_tool(p), "{p}");
        }
        // Runtime libraries, and cuDNN's -dev package (the library itself).
        for p in [
            "libssl3",
            "libgcc-s1",
            "libstdc++6",
            "cppcheck",
            "libcudnn9-dev-cuda-12",
            "python3",
        ] {
            assert!(!is_build_tool(p), "{p}");
        }
    }

    #[test]
    fn families() {
        assert!(is_dev_package("Jupyter"));
        assert!(is_dev_package("pytest_mock"));
        assert!(!is_dev_package("fastapi"));
        assert!(brings_torch("sentence_transformers", &[]));
        assert!(brings_torch("transformers", &["torch".into()]));
        assert!(!brings_torch("transformers", &[]));
        assert!(is_gpu_build("nvidia-cublas-cu12"));
        assert_eq!(
            opencv_headless_variant("OpenCV-Python"),
            Some("opencv-python-headless")
        );
        assert!(typical("apt lists").is_some());
        assert!(installed_size("nvidia_cudnn_cu12").unwrap().0 > 2_000_000_000);
        assert!(cuda_torch_bytes() > 5_000_000_000);
        assert!(is_build_tool("build-essential"));
        assert!(is_build_tool("libpq-dev=15.8-0+deb12u1"));
        assert!(is_build_tool("python3.11-dev"));
        assert!(!is_build_tool("libpq5"));
        assert!(signals_gpu("flash_attn"));
        assert_eq!(cache_bytes_for(1_000_000), 565_000);
    }
}
