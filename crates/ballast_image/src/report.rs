//! The inspection report: every figure ballast computes about an image, as
//! data. Its JSON form is versioned (`schema_version`) and documented in
//! `docs/inspect.md`; renderers live in `ballast_report`.

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
    pub categories: Categories,
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

/// A Debian package.
#[derive(Debug, Clone, Serialize)]
pub struct OsPackage {
    pub name: String,
    pub version: String,
    /// Visible bytes of the files it owns (or its Installed-Size when no file list exists).
    pub bytes: u64,
    pub build_tool: bool,
    pub cuda: bool,
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
    pub name: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub message: String,
    /// Bytes the fix would remove from the final image (0 when none).
    pub savings_bytes: u64,
    /// Example paths.
    pub paths: Vec<String>,
}
