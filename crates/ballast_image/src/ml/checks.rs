//! The image's ML findings: one small check per concern, run in order and
//! sorted by saving.

use super::*;
use ballast_ml::rules::names;

const MIN_BYTES: u64 = 1 << 20;

/// The image findings, largest saving first.
pub(super) fn findings(c: &FindingContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in [
        caches,
        waste,
        cuda,
        torch_without_gpu,
        packages_in_image,
        weights,
        junk,
        configuration,
    ] {
        check(c, &mut out);
    }
    out.sort_by(|a, b| {
        b.savings_bytes
            .cmp(&a.savings_bytes)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// Package and model caches left in the image.
fn caches(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let bucket = |class: Class| c.buckets.get(&class);
    let mb = ballast_ml::units::format_bytes;
    for (class, label) in [(Class::PipCache, "pip"), (Class::UvCache, "uv")] {
        if let Some(b) = bucket(class).filter(|b| b.bytes >= MIN_BYTES) {
            out.push(finding(names::PIP_CACHE_KEPT, Severity::Warning, format!("the {label} cache is in the image ({}): install with --no-cache-dir or a cache mount", mb(b.bytes)), b.bytes, b.top_paths(3)));
        }
    }
    if let Some(b) = bucket(Class::Apt).filter(|b| b.bytes >= MIN_BYTES) {
        out.push(finding(names::APT_LISTS_KEPT, Severity::Warning, format!("apt lists and archives are in the image ({}): remove /var/lib/apt/lists/* in the same RUN", mb(b.bytes)), b.bytes, b.top_paths(3)));
    }
    if let Some(b) = bucket(Class::CondaPkgs).filter(|b| b.bytes >= MIN_BYTES) {
        out.push(finding(names::PIP_CACHE_KEPT, Severity::Warning, format!("conda's package cache is in the image ({}): run `conda clean -afy` in the same RUN", mb(b.bytes)), b.bytes, b.top_paths(3)));
    }
    if let Some(b) = bucket(Class::HfCache).filter(|b| b.bytes >= MIN_BYTES) {
        out.push(finding(names::HF_CACHE_IN_IMAGE, Severity::Warning, format!("a Hugging Face cache is baked into the image ({}): mount it at run time or download to a named directory without the cache", mb(b.bytes)), 0, b.top_paths(3)));
    }
}

/// Bytes of the image's own layers deleted or overwritten later.
fn waste(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let mb = ballast_ml::units::format_bytes;
    let wasted: u64 = c
        .layers
        .iter()
        .filter(|l| !l.base)
        .map(|l| l.wasted_bytes)
        .sum();
    if wasted >= MIN_BYTES {
        let worst = c
            .layers
            .iter()
            .filter(|l| !l.base)
            .max_by_key(|l| l.wasted_bytes)
            .map(|l| {
                format!(
                    "layer {} ({})",
                    l.index,
                    l.created_by.as_deref().unwrap_or("unknown step")
                )
            })
            .unwrap_or_default();
        out.push(finding(names::CLEANUP_IN_LATER_LAYER, Severity::Warning, format!("{} stored in your layers is deleted or overwritten later; deleting in a later RUN does not shrink the image (most in {worst})", mb(wasted)), wasted, Vec::new()));
    }
}

/// CUDA development files, duplicated CUDA libraries, driver libraries.
fn cuda(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let bucket = |class: Class| c.buckets.get(&class);
    let mb = ballast_ml::units::format_bytes;
    if let Some(b) = bucket(Class::CudaDevel).filter(|b| b.bytes >= MIN_BYTES) {
        out.push(finding(names::CUDA_DEVEL_BASE_IN_FINAL_STAGE, Severity::Warning, format!("CUDA development files (nvcc, headers, static libraries) are in the final image ({}): build in a devel stage and run on a runtime base", mb(b.bytes)), b.bytes, b.top_paths(3)));
    }
    let dup: u64 = c.cuda.duplicates.iter().map(|d| d.extra_bytes).sum();
    if dup >= MIN_BYTES {
        out.push(finding(names::DUPLICATE_CUDA_RUNTIME, Severity::Warning, format!("{} CUDA libraries are present more than once (system and pip copies): use a base without them, or drop the duplicate", c.cuda.duplicates.len()), dup, c.cuda.duplicates.iter().take(3).map(|d| d.soname.clone()).collect()));
    }
    if !c.cuda.driver_libraries.is_empty() {
        out.push(finding(names::DUPLICATE_CUDA_RUNTIME, Severity::Warning, "NVIDIA driver libraries are baked into the image; the container toolkit injects them from the host".into(), 0, c.cuda.driver_libraries.clone()));
    }
}

/// A CUDA torch in an image with no GPU signal.
fn torch_without_gpu(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let bucket = |class: Class| c.buckets.get(&class);
    if let Some(t) = &c.python.torch
        && t.variant != "cpu"
    {
        let env: Vec<(String, String)> = c.config.env();
        let gpu_signal = env
            .iter()
            .any(|(k, _)| k.starts_with("NVIDIA_") || k == "CUDA_VERSION");
        if !gpu_signal {
            let nvidia = bucket(Class::NvidiaPip).map_or(0, |b| b.bytes);
            out.push(finding(names::CUDA_TORCH_WITHOUT_GPU, Severity::Warning, format!("torch {} ({}) ships CUDA libraries but the image has no GPU signal (no CUDA base, no NVIDIA_* variables): the CPU build would save them", t.version, t.variant), nvidia, Vec::new()));
        }
    }
}

/// Development packages, build tools and OpenCV's GUI build in the runtime image.
fn packages_in_image(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let mb = ballast_ml::units::format_bytes;
    let dev: Vec<&Distribution> = c
        .python
        .distributions
        .iter()
        .filter(|d| packages::is_dev_package(&d.name))
        .collect();
    let dev_bytes: u64 = dev.iter().map(|d| d.bytes).sum();
    if !dev.is_empty() {
        out.push(finding(
            names::DEV_PACKAGES_IN_IMAGE,
            Severity::Warning,
            format!(
                "development packages are installed in the runtime image: {}",
                dev.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            dev_bytes,
            Vec::new(),
        ));
    }
    if c.build_tools.bytes >= MIN_BYTES {
        out.push(finding(names::BUILD_TOOLS_IN_FINAL_STAGE, Severity::Warning, format!("compilers and build tools are in the final image ({}): build wheels in a builder stage", mb(c.build_tools.bytes)), c.build_tools.bytes, c.build_tools.top_paths(3)));
    }
    for d in &c.python.distributions {
        if let Some(headless) = packages::opencv_headless_variant(&d.name) {
            let est = packages::typical("OpenCV GUI").map_or(0, |t| t.bytes);
            out.push(finding(
                names::OPENCV_GUI_IN_SERVER,
                Severity::Warning,
                format!(
                    "{} bundles GUI libraries a server does not use; install {headless}",
                    d.name
                ),
                est.min(d.bytes),
                Vec::new(),
            ));
        }
    }
}

/// Model weights: unreferenced hub blobs, formats PyTorch does not load, revisions, the total.
fn weights(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let mb = ballast_ml::units::format_bytes;
    let unreferenced: u64 = c
        .weights
        .iter()
        .filter(|w| w.kind == "hub-unreferenced")
        .map(|w| w.bytes)
        .sum();
    if unreferenced >= MIN_BYTES {
        out.push(finding(names::HF_CACHE_IN_IMAGE, Severity::Warning, format!("{} of hub blobs are not referenced by any snapshot (interrupted or superseded downloads)", mb(unreferenced)), unreferenced, Vec::new()));
    }
    for w in c.weights.iter().filter(|w| w.kind == "hub") {
        let unused: Vec<&PathBytes> = w
            .files
            .iter()
            .filter(|f| {
                ["flax_model.msgpack", "tf_model.h5", "rust_model.ot"]
                    .iter()
                    .any(|n| f.path.ends_with(n))
            })
            .collect();
        let bytes: u64 = unused.iter().map(|f| f.bytes).sum();
        if bytes >= MIN_BYTES {
            out.push(finding(
                names::MODEL_DOWNLOADED_AT_BUILD,
                Severity::Warning,
                format!(
                    "{} ships weight formats PyTorch does not load ({})",
                    w.name,
                    unused
                        .iter()
                        .map(|f| f.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                bytes,
                Vec::new(),
            ));
        }
        if w.revisions > 1 {
            out.push(finding(
                names::MODEL_DOWNLOADED_AT_BUILD,
                Severity::Info,
                format!(
                    "{} keeps {} revisions in the hub cache",
                    w.name, w.revisions
                ),
                0,
                Vec::new(),
            ));
        }
    }
    let weights_total: u64 = c
        .weights
        .iter()
        .filter(|w| w.kind != "hub-other")
        .map(|w| w.bytes)
        .sum();
    if weights_total >= MIN_BYTES {
        out.push(finding(names::MODEL_DOWNLOADED_AT_BUILD, Severity::Info, format!("{} of model weights are baked into the image: every rebuild and pull moves them; consider a volume or a separate model layer", mb(weights_total)), 0, Vec::new()));
    }
}

/// Repository and notebook files shipped from the context.
fn junk(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let bucket = |class: Class| c.buckets.get(&class);
    let mb = ballast_ml::units::format_bytes;
    for (class, what) in [
        (Class::Git, ".git directories"),
        (Class::Notebooks, "notebooks"),
    ] {
        if let Some(b) = bucket(class).filter(|b| b.bytes > 0) {
            out.push(finding(
                names::CONTEXT_SHIPS_JUNK,
                Severity::Info,
                format!(
                    "{what} are in the image ({}): exclude them in .dockerignore",
                    mb(b.bytes)
                ),
                b.bytes,
                b.top_paths(3),
            ));
        }
    }
}

/// The configuration: root user, secrets in the environment.
fn configuration(c: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let user = c
        .config
        .config
        .as_ref()
        .and_then(|r| r.user.clone())
        .unwrap_or_default();
    if user.is_empty() || is_root_user(&user) {
        out.push(finding(
            names::ROOT_USER,
            Severity::Info,
            "the container runs as root (no USER, or USER root)".into(),
            0,
            Vec::new(),
        ));
    }
    for (k, v) in c.config.env() {
        if is_secret_variable(&k, &v) {
            out.push(finding(
                names::SECRET_IN_ARG_OR_ENV,
                Severity::Error,
                format!("the image configuration sets {k}: anyone who pulls the image can read it"),
                0,
                Vec::new(),
            ));
        }
    }
}
