//! The inspection report: every figure ballast computes about an image, as
//! data. Its JSON form is versioned (`schema_version`) and documented in
//! `docs/inspect.md`; renderers live in `ballast_report`.

use ballast_ml::rules::{RuleName, Severity};
use serde::Serialize;

/// Version of the JSON schema. Bump on incompatible changes only.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything known about one image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub image: ImageInfo,
    pub totals: Totals,
    pub layers: Vec<LayerReport>,
    pub dive_compat: DiveCompat,
    pub python: PythonReport,
    pub cuda: CudaReport,
    pub model_weights: Vec<WeightsReport>,
    pub os_packages: Vec<OsPackage>,
    /// The distribution `/etc/os-release` names.
    pub distro: Option<Distro>,
    /// Packages of conda environments (`conda-meta` records).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conda_packages: Vec<CondaPackage>,
    pub categories: Categories,
    /// The final filesystem in disjoint groups: they add up to `final_bytes`.
    pub composition: Vec<GroupBytes>,
    pub biggest_files: Vec<PathBytes>,
    pub biggest_dirs: Vec<PathBytes>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
}

/// Identity of the image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageInfo {
    pub reference: String,
    pub format: String,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub created: Option<String>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// The configuration's labels (`org.opencontainers.image.base.name`, ...).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
}

impl ImageInfo {
    /// What the configuration says of an image read from `reference` in
    /// `format`.
    pub fn of(
        reference: String,
        format: &str,
        digests: (Option<String>, Option<String>),
        config: &crate::spec::Config,
    ) -> ImageInfo {
        let run = config.config.clone().unwrap_or_default();
        ImageInfo {
            reference,
            format: format.to_string(),
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
            manifest_digest: digests.0,
            config_digest: digests.1,
            created: config.created.clone(),
            user: run.user.filter(|u| !u.is_empty()),
            env: run.env.unwrap_or_default(),
            cmd: run.cmd,
            entrypoint: run.entrypoint,
            labels: run.labels.unwrap_or_default(),
        }
    }
}

/// What a registry's manifest and configuration alone say of an image
/// (`inspect --manifest-only`): the report's `image`, and its `totals` and
/// `layers` with only the figures a manifest gives.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestReport {
    pub schema_version: u32,
    pub image: ImageInfo,
    pub totals: ManifestTotals,
    pub layers: Vec<ManifestLayer>,
}

/// Totals a manifest gives.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestTotals {
    /// Blob bytes to pull.
    pub compressed_bytes: u64,
    pub layers: usize,
}

/// A layer as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestLayer {
    pub index: usize,
    pub digest: String,
    pub media_type: String,
    pub compressed_bytes: u64,
    /// The history entry that made the layer.
    pub created_by: Option<String>,
}

/// Image-wide figures (definitions in `docs/inspect.md`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Regular-file bytes visible in the final filesystem (a hard-link group once).
    pub final_bytes: u64,
    /// Regular-file bytes stored by all layers.
    pub stored_bytes: u64,
    /// Uncompressed tar bytes of all layers.
    pub tar_bytes: u64,
    /// Compressed (transfer) bytes of all layers.
    pub compressed_bytes: u64,
    /// Stored bytes not visible at the end.
    pub wasted_bytes: u64,
    /// `final_bytes / stored_bytes` (1 when nothing is stored).
    pub efficiency: f64,
    /// Regular files visible at the end.
    pub files: u64,
    /// Number of layers.
    pub layers: usize,
    /// How many of the bottom layers belong to the base image.
    pub base_layers: usize,
    /// How the base was recognised: `history`, `--base`, or `none`.
    pub base_source: String,
    /// Visible bytes of the base layers.
    pub base_bytes: u64,
    /// Visible bytes of your layers.
    pub your_bytes: u64,
    /// Wasted bytes stored in your layers.
    pub your_wasted_bytes: u64,
}

/// One layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    pub index: usize,
    pub diff_id: Option<String>,
    pub digest: Option<String>,
    pub media_type: Option<String>,
    pub compression: String,
    /// Uncompressed tar stream bytes.
    pub tar_bytes: u64,
    /// Regular-file bytes the tar stores.
    pub file_bytes: u64,
    /// Blob bytes as stored / transferred.
    pub compressed_bytes: u64,
    /// Files, links and special files (directories and whiteouts excluded).
    pub files: u64,
    /// The history entry that made the layer.
    pub created_by: Option<String>,
    /// Of `file_bytes`, still visible at the end.
    pub visible_bytes: u64,
    /// Of `file_bytes`, hidden or deleted by later layers.
    pub wasted_bytes: u64,
    /// Bytes of earlier layers' files this layer deletes: stored all the
    /// same, so a cleanup here saved nothing.
    #[serde(skip_serializing_if = "is_zero")]
    pub deleted_below_bytes: u64,
    /// Of `file_bytes`, what package caches and lists hold, by class.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_bytes: Vec<ClassBytes>,
    /// Part of the base image.
    pub base: bool,
}

/// Bytes of one class of paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassBytes {
    pub class: ballast_ml::paths::Class,
    pub bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// dive's own figures, computed by dive's formulas.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DiveCompat {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    /// A fraction (0.1 = 10 %); `null` where dive divides by zero.
    pub user_wasted_percent: Option<f64>,
    pub image_size: u64,
    pub user_size: u64,
}

/// Python environments and distributions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PythonReport {
    pub environments: Vec<PythonEnvironment>,
    pub distributions: Vec<Distribution>,
    pub torch: Option<TorchReport>,
}

/// A site-packages directory, and the venv it belongs to if any.
#[derive(Debug, Clone, Serialize)]
pub struct PythonEnvironment {
    pub site_packages: String,
    /// The virtualenv root (the directory holding `pyvenv.cfg`).
    pub venv: Option<String>,
    pub python_version: Option<String>,
    pub distributions: usize,
    pub bytes: u64,
}

/// An installed distribution.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub name: String,
    pub version: String,
    /// Visible bytes of the files its RECORD lists (each file once).
    pub bytes: u64,
    pub files: u64,
    pub site_packages: String,
    /// The `.dist-info` (or `.egg-info`) directory it was read from.
    pub metadata_dir: String,
    pub installer: Option<String>,
}

/// The installed torch.
#[derive(Debug, Clone, Serialize)]
pub struct TorchReport {
    pub version: String,
    /// `cpu`, `cu124`, `cuda`, `rocm6.2`, `xpu`.
    pub variant: String,
    pub site_packages: String,
}

/// CUDA and NVIDIA libraries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CudaReport {
    /// Bytes of CUDA libraries shipped by pip wheels.
    pub pip_bytes: u64,
    /// Bytes of CUDA libraries installed in the system (apt, base image).
    pub system_bytes: u64,
    /// Libraries present more than once (by soname).
    pub duplicates: Vec<CudaDuplicate>,
    /// Driver libraries baked into the image (they must come from the host).
    pub driver_libraries: Vec<String>,
}

/// One library found several times.
#[derive(Debug, Clone, Serialize)]
pub struct CudaDuplicate {
    pub soname: String,
    pub copies: Vec<PathBytes>,
    /// Bytes beyond the largest copy.
    pub extra_bytes: u64,
}

/// Model weights, grouped by Hugging Face repository or directory.
#[derive(Debug, Clone, Serialize)]
pub struct WeightsReport {
    /// `org/name` for a hub repository, else the directory.
    pub name: String,
    pub kind: String,
    pub bytes: u64,
    pub files: Vec<PathBytes>,
    /// Hub snapshots kept (several revisions of one repository).
    pub revisions: usize,
}

/// An OS package (Debian's dpkg or Alpine's apk).
#[derive(Debug, Clone, Serialize)]
pub struct OsPackage {
    pub manager: PackageManager,
    pub name: String,
    pub version: String,
    /// `amd64`, `x86_64`, `all`, `noarch`.
    pub architecture: String,
    /// The source package when it has another name (what advisories name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The licence the package declares (apk only: dpkg keeps licences in files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Visible bytes of the files it owns (or its Installed-Size when no file list exists).
    pub bytes: u64,
    pub build_tool: bool,
    pub cuda: bool,
}

/// A package of a conda environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CondaPackage {
    pub name: String,
    pub version: String,
    pub build: String,
    /// The environment's root.
    pub prefix: String,
}

/// Which package manager installed an OS package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Apk,
}

/// The distribution an image is built on, from os-release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distro {
    /// `debian`, `ubuntu`, `alpine`.
    pub id: String,
    pub version_id: Option<String>,
    pub codename: Option<String>,
    pub pretty_name: Option<String>,
}

/// Bytes per category of the final filesystem (a file may be in several).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Categories {
    pub nvidia_bytes: u64,
    pub cuda_libraries_bytes: u64,
    pub cuda_devel_bytes: u64,
    pub model_weights_bytes: u64,
    pub pip_cache_bytes: u64,
    pub uv_cache_bytes: u64,
    pub other_package_cache_bytes: u64,
    pub conda_pkgs_bytes: u64,
    pub hf_cache_bytes: u64,
    pub torch_hub_bytes: u64,
    pub pycache_bytes: u64,
    pub apt_bytes: u64,
    pub build_tools_bytes: u64,
    pub git_bytes: u64,
    pub tests_bytes: u64,
    pub docs_bytes: u64,
    pub notebooks_bytes: u64,
}

/// A category of the final filesystem: a field of [`Categories`], a row of
/// the report and a name `--max-category` takes. The one list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Cuda,
    Nvidia,
    CudaDevel,
    Weights,
    HfCache,
    TorchHub,
    PipCache,
    UvCache,
    OtherPackageCaches,
    CondaPkgs,
    Apt,
    BuildTools,
    Pycache,
    Tests,
    Docs,
    Git,
    Notebooks,
}

impl Category {
    /// Every category, in the report's order.
    pub const ALL: [Category; 17] = [
        Category::Cuda,
        Category::Nvidia,
        Category::CudaDevel,
        Category::Weights,
        Category::HfCache,
        Category::TorchHub,
        Category::PipCache,
        Category::UvCache,
        Category::OtherPackageCaches,
        Category::CondaPkgs,
        Category::Apt,
        Category::BuildTools,
        Category::Pycache,
        Category::Tests,
        Category::Docs,
        Category::Git,
        Category::Notebooks,
    ];

    /// The name gates use (`pip-cache`).
    pub fn name(self) -> &'static str {
        self.describe().0
    }

    /// How the report labels it.
    pub fn label(self) -> &'static str {
        self.describe().1
    }

    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Category::Cuda => ("cuda", "CUDA libraries (pip and system)"),
            Category::Nvidia => ("nvidia", "  of which pip nvidia-* wheels"),
            Category::CudaDevel => ("cuda-devel", "CUDA development files"),
            Category::Weights => ("weights", "model weights"),
            Category::HfCache => ("hf-cache", "Hugging Face cache"),
            Category::TorchHub => ("torch-hub", "torch hub cache"),
            Category::PipCache => ("pip-cache", "pip cache"),
            Category::UvCache => ("uv-cache", "uv cache"),
            Category::OtherPackageCaches => ("other-package-caches", "other package caches"),
            Category::CondaPkgs => ("conda-pkgs", "conda package cache"),
            Category::Apt => ("apt", "apt lists and archives"),
            Category::BuildTools => ("build-tools", "build tools"),
            Category::Pycache => ("pycache", "__pycache__ / .pyc"),
            Category::Tests => ("tests", "tests"),
            Category::Docs => ("docs", "docs and man pages"),
            Category::Git => ("git", ".git"),
            Category::Notebooks => ("notebooks", "notebooks"),
        }
    }

    /// The category a gate names.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl Categories {
    /// The bytes of one category.
    pub fn bytes(&self, c: Category) -> u64 {
        match c {
            Category::Cuda => self.cuda_libraries_bytes,
            Category::Nvidia => self.nvidia_bytes,
            Category::CudaDevel => self.cuda_devel_bytes,
            Category::Weights => self.model_weights_bytes,
            Category::HfCache => self.hf_cache_bytes,
            Category::TorchHub => self.torch_hub_bytes,
            Category::PipCache => self.pip_cache_bytes,
            Category::UvCache => self.uv_cache_bytes,
            Category::OtherPackageCaches => self.other_package_cache_bytes,
            Category::CondaPkgs => self.conda_pkgs_bytes,
            Category::Apt => self.apt_bytes,
            Category::BuildTools => self.build_tools_bytes,
            Category::Pycache => self.pycache_bytes,
            Category::Tests => self.tests_bytes,
            Category::Docs => self.docs_bytes,
            Category::Git => self.git_bytes,
            Category::Notebooks => self.notebooks_bytes,
        }
    }
}

/// The visible bytes and files of one group of the final filesystem
/// ([`ballast_ml::paths::group`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupBytes {
    pub group: ballast_ml::paths::Group,
    pub label: &'static str,
    pub bytes: u64,
    pub files: u64,
}

/// A path with its size.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PathBytes {
    pub path: String,
    pub bytes: u64,
}

/// Something worth changing, with what it would save.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The lint rule for the same cause.
    pub name: RuleName,
    pub severity: Severity,
    pub message: String,
    /// Bytes the fix would remove from the final image (0 when none).
    pub savings_bytes: u64,
    /// Example paths.
    pub paths: Vec<String>,
}
