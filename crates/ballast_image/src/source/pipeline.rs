//! The plan of an image (its manifest, configuration and layers, the
//! platform chosen) and its execution: every blob read and verified, the
//! layers scanned in parallel. The containers only provide members.

use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use super::options::LoadOptions;
use crate::digest::Digest;
use crate::error::{ImageError, Result};
use crate::layer::{LayerScan, ScanOptions};
use crate::limits::Document;
use crate::spec::{self, Config, Descriptor, Index, ManifestDoc};

/// One layer of a loaded image.
#[derive(Debug, Clone)]
pub struct LoadedLayer {
    /// The blob digest (from the descriptor, or computed).
    pub digest: Option<String>,
    /// The diff_id from the configuration.
    pub diff_id: Option<String>,
    /// The declared media type.
    pub media_type: Option<String>,
    /// What reading the layer found.
    pub scan: LayerScan,
}

/// An image read from a source.
#[derive(Debug, Clone)]
pub struct LoadedImage {
    /// The reference as given.
    pub reference: String,
    /// The container format.
    pub format: &'static str,
    /// The manifest digest, when there is a manifest.
    pub manifest_digest: Option<String>,
    /// The configuration digest, when known.
    pub config_digest: Option<String>,
    /// The parsed configuration.
    pub config: Config,
    /// Layers, bottom first.
    pub layers: Vec<LoadedLayer>,
}

/// Something that holds the members of an image: an archive, a layout
/// directory, or an already-read stream.
pub(crate) trait Members: Sync {
    /// The reference, for messages.
    fn reference(&self) -> &str;
    /// Whether a member exists.
    fn exists(&self, path: &str) -> bool;
    /// Reads a small member, failing beyond `limit` bytes.
    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>>;
    /// Scans a layer member.
    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan>;
    /// Opens a member to read it again (`slim` copies and rewrites layers);
    /// a source read once, as a stream, cannot.
    fn open(&self, path: &str) -> Result<Box<dyn std::io::Read + Send + '_>> {
        Err(ImageError::format(
            self.reference(),
            format!("member {path} cannot be read twice from this source"),
        ))
    }
}

/// What to read, once the manifest is understood.
pub(crate) struct Plan {
    pub format: &'static str,
    pub manifest_digest: Option<String>,
    pub config_path: String,
    pub config_expected: Option<Digest>,
    pub config_size: Option<u64>,
    pub layers: Vec<PlannedLayer>,
}

pub(crate) struct PlannedLayer {
    pub path: String,
    pub expected: Option<Digest>,
    pub size: Option<u64>,
    pub media_type: Option<String>,
}

/// `blobs/sha256/<hex>` for a digest.
pub(crate) fn blob_path(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

/// The digest a member name encodes (`blobs/sha256/<hex>`, `<hex>.json`), if any.
fn digest_from_name(path: &str) -> Option<Digest> {
    let name = path.rsplit('/').next()?;
    let hex = name.strip_suffix(".json").unwrap_or(name);
    Digest::parse(&format!("sha256:{hex}")).ok()
}

fn fmt_err(m: &dyn Members, message: impl Into<String>) -> ImageError {
    ImageError::format(m.reference(), message)
}

/// Works out the plan of an archive or layout.
pub(crate) fn plan(
    m: &dyn Members,
    selector: Option<&str>,
    opts: &LoadOptions<'_>,
) -> Result<Plan> {
    if m.exists("manifest.json") {
        return plan_docker(m, selector, opts);
    }
    if m.exists("index.json") {
        return plan_oci(m, selector, opts);
    }
    Err(fmt_err(
        m,
        "not an image: no manifest.json (docker save) or index.json (OCI layout) found",
    ))
}

fn plan_docker(m: &dyn Members, selector: Option<&str>, opts: &LoadOptions<'_>) -> Result<Plan> {
    let doc = Document::ArchiveManifest;
    let bytes = m.read_small("manifest.json", doc.limit(&opts.limits), doc)?;
    let entries = spec::parse_archive_manifest(&bytes).map_err(|e| fmt_err(m, e))?;
    let entry = match (entries.len(), selector) {
        (0, _) => return Err(fmt_err(m, "manifest.json lists no image")),
        (_, Some(sel)) => entries
            .iter()
            .find(|e| {
                e.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| t == sel || t.ends_with(&format!("/{sel}")))
            })
            .ok_or_else(|| fmt_err(m, format!("no image tagged {sel:?} in the archive")))?,
        (1, None) => &entries[0],
        (_, None) => {
            let tags: Vec<String> = entries
                .iter()
                .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
                .collect();
            return Err(fmt_err(
                m,
                format!(
                    "the archive holds {} images; name one with docker-archive:PATH:TAG ({})",
                    entries.len(),
                    tags.join(", ")
                ),
            ));
        }
    };
    // Docker 25+ archives are OCI layouts with a legacy manifest.json beside.
    let format = if m.exists("index.json") {
        "docker-archive (OCI layout)"
    } else {
        "docker-archive"
    };
    Ok(Plan {
        format,
        manifest_digest: None,
        config_path: entry.config.clone(),
        config_expected: digest_from_name(&entry.config),
        config_size: None,
        layers: entry
            .layers
            .iter()
            .map(|p| PlannedLayer {
                path: p.clone(),
                expected: digest_from_name(p).filter(|_| p.starts_with("blobs/")),
                size: None,
                media_type: None,
            })
            .collect(),
    })
}

fn read_blob(
    m: &dyn Members,
    d: &Descriptor,
    limit: u64,
    doc: Document,
    verify: bool,
) -> Result<(Digest, Vec<u8>)> {
    let what = doc.label();
    let digest = d
        .parsed_digest()
        .map_err(|e| fmt_err(m, format!("{what}: {e}")))?;
    if d.size > limit {
        return Err(ImageError::Limit {
            what: format!("{what} {digest}"),
            message: format!("is {} bytes", d.size),
            limit,
            option: doc.option(),
        });
    }
    let path = blob_path(&digest);
    if !m.exists(&path) {
        return Err(fmt_err(m, format!("{what} blob {digest} is missing")));
    }
    let bytes = m.read_small(&path, limit, doc)?;
    if verify {
        check_blob(
            digest.as_str(),
            &Digest::of(&bytes),
            Some(d.size),
            bytes.len() as u64,
        )?;
    }
    Ok((digest, bytes))
}

/// A blob read is the one its digest names (and, when known, its size).
pub(crate) fn check_blob(
    name: &str,
    actual: &Digest,
    expected_size: Option<u64>,
    actual_size: u64,
) -> Result<()> {
    if actual.as_str() != name {
        return Err(ImageError::DigestMismatch {
            what: "blob",
            name: name.to_string(),
            expected: name.to_string(),
            actual: actual.to_string(),
        });
    }
    if let Some(size) = expected_size.filter(|s| *s != actual_size) {
        return Err(ImageError::SizeMismatch {
            name: name.to_string(),
            expected: size,
            actual: actual_size,
        });
    }
    Ok(())
}

fn choose_manifest<'d>(
    m: &dyn Members,
    index: &'d Index,
    selector: Option<&str>,
    platform: Option<&str>,
) -> Result<&'d Descriptor> {
    let ref_name = |d: &Descriptor| {
        d.annotations
            .as_ref()
            .and_then(|a| a.get("org.opencontainers.image.ref.name"))
            .cloned()
    };
    let mut candidates: Vec<&Descriptor> = index.manifests.iter().collect();
    if let Some(sel) = selector {
        candidates.retain(|d| ref_name(d).as_deref() == Some(sel) || d.digest == sel);
        if candidates.is_empty() {
            return Err(fmt_err(m, format!("no image named {sel:?} in the index")));
        }
    }
    // Attestation manifests carry an unknown platform: never pick them.
    candidates.retain(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown"));
    if let Some(p) = platform {
        let with = candidates
            .iter()
            .copied()
            .filter(|d| d.platform.as_ref().is_some_and(|pl| pl.matches(p)))
            .collect::<Vec<_>>();
        if with.is_empty() && candidates.iter().any(|d| d.platform.is_some()) {
            let have: Vec<String> = candidates
                .iter()
                .filter_map(|d| d.platform.as_ref().map(|p| p.label()))
                .collect();
            return Err(fmt_err(
                m,
                format!(
                    "no manifest for platform {p} (the index has {})",
                    have.join(", ")
                ),
            ));
        }
        if !with.is_empty() {
            candidates = with;
        }
    }
    match candidates.len() {
        0 => Err(fmt_err(m, "the index lists no image manifest")),
        1 => Ok(candidates[0]),
        _ => {
            if let Some(d) = candidates.iter().find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| p.matches("linux/amd64"))
            }) {
                return Ok(d);
            }
            let have: Vec<String> = candidates
                .iter()
                .map(|d| d.platform.as_ref().map_or(d.digest.clone(), |p| p.label()))
                .collect();
            Err(fmt_err(
                m,
                format!(
                    "the index lists several images; choose one with --platform ({})",
                    have.join(", ")
                ),
            ))
        }
    }
}

/// Indexes of indexes deeper than this are refused (real ones nest at most
/// twice: an outer index naming a multi-platform one).
const MAX_NESTED_INDEXES: usize = 8;

fn plan_oci(m: &dyn Members, selector: Option<&str>, opts: &LoadOptions<'_>) -> Result<Plan> {
    let limit = opts.limits.max_manifest_bytes;
    let bytes = m.read_small("index.json", limit, Document::Index)?;
    let doc = spec::parse_manifest_doc(&bytes, Some(spec::OCI_INDEX))
        .map_err(|e| fmt_err(m, format!("index.json: {e}")))?;
    plan_from(m, doc, None, selector, opts)
}

/// The plan from a parsed index or manifest (`digest`: the manifest's own,
/// when the top document is one), following indexes to the platform's
/// manifest; blobs are read from `m`.
pub(crate) fn plan_from(
    m: &dyn Members,
    mut doc: ManifestDoc,
    digest: Option<String>,
    selector: Option<&str>,
    opts: &LoadOptions<'_>,
) -> Result<Plan> {
    let limit = opts.limits.max_manifest_bytes;
    let mut seen: Vec<String> = digest.into_iter().collect();
    let mut selector = selector;
    loop {
        match doc {
            ManifestDoc::Index(index) => {
                let d = choose_manifest(m, &index, selector, opts.platform.as_deref())?.clone();
                if seen.contains(&d.digest) {
                    return Err(fmt_err(m, format!("index {} refers to itself", d.digest)));
                }
                if seen.len() >= MAX_NESTED_INDEXES {
                    return Err(fmt_err(
                        m,
                        format!("indexes nested more than {MAX_NESTED_INDEXES} deep"),
                    ));
                }
                seen.push(d.digest.clone());
                let (_, bytes) = read_blob(m, &d, limit, Document::Manifest, opts.verify)?;
                doc = spec::parse_manifest_doc(&bytes, Some(&d.media_type))
                    .map_err(|e| fmt_err(m, format!("manifest {}: {e}", d.digest)))?;
                selector = None; // the tag selected the top-level entry
            }
            ManifestDoc::Image(manifest) => {
                let config_digest = manifest
                    .config
                    .parsed_digest()
                    .map_err(|e| fmt_err(m, format!("config: {e}")))?;
                let mut layers = Vec::new();
                for l in &manifest.layers {
                    if !spec::LAYER_TYPES.contains(&l.media_type.as_str())
                        && !l.media_type.is_empty()
                    {
                        return Err(fmt_err(
                            m,
                            format!("layer {}: unknown media type {:?}", l.digest, l.media_type),
                        ));
                    }
                    let d = l
                        .parsed_digest()
                        .map_err(|e| fmt_err(m, format!("layer: {e}")))?;
                    layers.push(PlannedLayer {
                        path: blob_path(&d),
                        expected: Some(d),
                        size: Some(l.size),
                        media_type: Some(l.media_type.clone()),
                    });
                }
                return Ok(Plan {
                    format: "oci",
                    manifest_digest: seen.last().cloned(),
                    config_path: blob_path(&config_digest),
                    config_expected: Some(config_digest),
                    config_size: Some(manifest.config.size),
                    layers,
                });
            }
        }
    }
}

/// Reads the configuration and scans the layers of a plan (in parallel when
/// the members allow random access).
pub(crate) fn execute(m: &dyn Members, plan: Plan, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    if plan.layers.len() as u64 > opts.limits.max_layers {
        return Err(ImageError::Limit {
            what: m.reference().to_string(),
            message: format!("the image has {} layers", plan.layers.len()),
            limit: opts.limits.max_layers,
            option: "--max-layers",
        });
    }
    let (config, config_digest) = read_config(m, &plan, opts)?;
    if let Some(missing) = plan.layers.iter().find(|l| !m.exists(&l.path)) {
        return Err(fmt_err(
            m,
            format!("layer {} is missing from the image", missing.path),
        ));
    }
    let total = AtomicU64::new(0);
    let scan_opts = opts.scan(&total);
    let scans: Vec<Result<LayerScan>> = plan
        .layers
        .par_iter()
        .map(|l| m.scan(&l.path, &scan_opts))
        .collect();
    let diff_ids = &config.rootfs.diff_ids;
    if opts.verify && diff_ids.len() != plan.layers.len() {
        return Err(fmt_err(
            m,
            format!(
                "the configuration lists {} diff_ids for {} layers",
                diff_ids.len(),
                plan.layers.len()
            ),
        ));
    }
    let mut layers = Vec::with_capacity(scans.len());
    for (i, (l, scan)) in plan.layers.iter().zip(scans).enumerate() {
        let scan = scan?;
        if opts.verify {
            check_layer(l, &scan, diff_ids.get(i))?;
        }
        let digest = l
            .expected
            .as_ref()
            .map(|d| d.to_string())
            .or_else(|| scan.blob_digest.as_ref().map(|d| d.to_string()));
        layers.push(LoadedLayer {
            digest,
            diff_id: diff_ids.get(i).cloned(),
            media_type: l.media_type.clone(),
            scan,
        });
    }
    Ok(LoadedImage {
        reference: m.reference().to_string(),
        format: plan.format,
        manifest_digest: plan.manifest_digest,
        config_digest: Some(config_digest.to_string()),
        config,
        layers,
    })
}

/// Reads, checks and parses the configuration; it must be for the platform asked.
fn read_config(m: &dyn Members, plan: &Plan, opts: &LoadOptions<'_>) -> Result<(Config, Digest)> {
    if !m.exists(&plan.config_path) {
        return Err(fmt_err(
            m,
            format!("configuration {} is missing", plan.config_path),
        ));
    }
    let config_bytes = m.read_small(
        &plan.config_path,
        Document::Config.limit(&opts.limits),
        Document::Config,
    )?;
    let config_digest = Digest::of(&config_bytes);
    if opts.verify
        && let Some(expected) = &plan.config_expected
    {
        check_blob(
            expected.as_str(),
            &config_digest,
            plan.config_size,
            config_bytes.len() as u64,
        )?;
    }
    let config = Config::parse(&config_bytes).map_err(|e| fmt_err(m, e))?;
    if let Some(wanted) = opts.platform.as_deref() {
        let have = crate::spec::Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        };
        if !have.matches(wanted) {
            return Err(fmt_err(
                m,
                format!("the image is {}, not {wanted}", have.label()),
            ));
        }
    }
    Ok((config, config_digest))
}

/// A layer read is the one the manifest and the configuration name: blob
/// digest, size and diff_id.
fn check_layer(l: &PlannedLayer, scan: &LayerScan, diff_id: Option<&String>) -> Result<()> {
    let name = l
        .expected
        .as_ref()
        .map_or(l.path.clone(), |d| d.to_string());
    if let (Some(expected), Some(actual)) = (&l.expected, &scan.blob_digest)
        && expected != actual
    {
        return Err(ImageError::DigestMismatch {
            what: "blob",
            name,
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    if let Some(size) = l.size.filter(|s| *s != scan.compressed_bytes) {
        return Err(ImageError::SizeMismatch {
            name,
            expected: size,
            actual: scan.compressed_bytes,
        });
    }
    if let (Some(expected), Some(actual)) = (diff_id, &scan.diff_id)
        && expected != actual.as_str()
    {
        return Err(ImageError::DigestMismatch {
            what: "layer",
            name: format!("{name} (diff_id)"),
            expected: expected.clone(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_give_digests() {
        assert_eq!(
            digest_from_name(
                "blobs/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
            .map(|d| d.hex().len()),
            Some(64)
        );
        assert_eq!(digest_from_name("abc/layer.tar"), None);
    }
}
