//! Reading images from an OCI distribution registry.
//!
//! A small synchronous client (ureq): layer bodies stream straight into the
//! layer scanner (no async bridge), and every header the protocol needs is
//! in reach: `Accept` with both OCI and Docker media types, the
//! `WWW-Authenticate` bearer-token and basic flows, `Retry-After` on 429 and
//! 503 within a bound, and redirects followed by hand so `Authorization`
//! never goes to another host. Plain HTTP only for loopback registries or
//! with `insecure`. Credentials: explicit, else the Docker configuration
//! (`auths`, `credsStore`, `credHelpers`) through `docker_credential`.
//!
//! The registry is one more [`Members`] container: the plan/execute
//! pipeline of the other sources resolves the index by platform, verifies
//! digests and scans layers in parallel. Layers land in a content-addressed
//! [`BlobCache`] as they stream, once verified.

mod client;
mod members;
mod push;

pub use crate::source::{RegistryRef, RemoteOptions};
pub use client::{ACCEPT, Registry, Response};
use members::RegistryMembers;
pub use push::push_layout;

use std::io::Read;
use std::sync::Mutex;

use crate::blobcache::BlobCache;
use crate::digest::Digest;
use crate::error::{ImageError, Result};
use crate::source::{self, LoadOptions, LoadedImage};
use crate::spec;

/// Loads an image from a registry.
pub fn load(target: &RegistryRef, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    with_members(target, opts, |members, plan| {
        source::execute(members, plan, opts)
    })
}

/// Resolves a reference to the image's plan (an index by platform) and
/// hands it, with the registry as members, to `f`.
pub(crate) fn with_members<T>(
    target: &RegistryRef,
    opts: &LoadOptions<'_>,
    f: impl FnOnce(&dyn source::Members, source::Plan) -> Result<T>,
) -> Result<T> {
    let registry = Registry::new(target.clone(), &opts.remote)?;
    let (top, content_type, digest) =
        registry.manifest(&registry.target.reference, opts.limits.max_manifest_bytes)?;
    let doc = spec::parse_manifest_doc(&top, content_type.as_deref())
        .map_err(|e| registry.remote(format!("manifest: {e}")))?;
    // A single manifest is its own digest; an index's is not the image's.
    let own = matches!(doc, spec::ManifestDoc::Image(_)).then(|| digest.to_string());
    let members = RegistryMembers {
        registry: &registry,
        manifests: Mutex::new(vec![(digest.to_string(), top)]),
        cache: opts
            .remote
            .cache_dir
            .as_ref()
            .map(|d| BlobCache::new(d.clone())),
    };
    let plan = source::plan_from(&members, doc, own, None, opts)?;
    f(&members, plan)
}

/// Downloads every layer of a registry image, as a node pulling it would
/// (in parallel, each checked against its digest), without keeping or
/// analysing them: the compressed bytes fetched.
pub fn download(reference: &str, opts: &LoadOptions<'_>) -> Result<u64> {
    use rayon::prelude::*;
    use sha2::Digest as _;
    let target = RegistryRef::resolve(reference)?;
    let info = manifest_only(&target, opts)?;
    let registry = Registry::new(target, &opts.remote)?;
    let sizes: Vec<Result<u64>> = info
        .layers
        .par_iter()
        .map(|(digest, _, _)| {
            let mut body = registry.blob(digest)?;
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0u64;
            loop {
                let n = body
                    .read(&mut buf)
                    .map_err(|e| registry.remote(format!("downloading {digest}: {e}")))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            source::check_blob(digest, &Digest::from_hasher(hasher), None, total)?;
            Ok(total)
        })
        .collect();
    sizes.into_iter().sum()
}

/// What `--manifest-only` reports: the manifest, the configuration, and
/// each layer's compressed size, without downloading layers.
#[derive(Debug, Clone)]
pub struct ManifestInfo {
    pub reference: String,
    pub manifest_digest: Option<String>,
    pub config: spec::Config,
    /// (digest, compressed bytes, media type), bottom first.
    pub layers: Vec<(String, u64, String)>,
}

impl ManifestInfo {
    /// The report of what the manifest and configuration say.
    pub fn report(&self) -> crate::inspection::ManifestReport {
        use crate::inspection::{ImageInfo, ManifestLayer, ManifestReport, ManifestTotals};
        // History entries that made a layer, in order.
        let mut steps = self
            .config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone());
        let layers: Vec<ManifestLayer> = self
            .layers
            .iter()
            .enumerate()
            .map(|(index, (digest, size, media))| ManifestLayer {
                index,
                digest: digest.clone(),
                media_type: media.clone(),
                compressed_bytes: *size,
                created_by: steps.next().flatten(),
            })
            .collect();
        ManifestReport {
            schema_version: crate::inspection::SCHEMA_VERSION,
            image: ImageInfo::of(
                self.reference.clone(),
                "oci",
                (self.manifest_digest.clone(), None),
                &self.config,
            ),
            totals: ManifestTotals {
                compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
                layers: layers.len(),
            },
            layers,
        }
    }
}

/// Reads only the manifest and configuration of a registry image.
pub fn manifest_only(target: &RegistryRef, opts: &LoadOptions<'_>) -> Result<ManifestInfo> {
    let platform = opts.platform.as_deref().unwrap_or("linux/amd64");
    let found = image_manifest(target, platform, opts)?;
    Ok(ManifestInfo {
        reference: found.registry.display().to_string(),
        manifest_digest: Some(found.digest.to_string()),
        layers: found
            .manifest
            .layers
            .iter()
            .map(|l| (l.digest.clone(), l.size, l.media_type.clone()))
            .collect(),
        config: found.config,
    })
}

/// What `ballast lint --resolve-bases` reads of a base image in a
/// registry: the platforms its index lists (or its configuration's, for a
/// single manifest) and, for `platform`, its environment's names.
pub fn resolve_base(
    reference: &str,
    platform: &str,
    opts: &LoadOptions<'_>,
) -> Result<ballast_ml::bases::Resolved> {
    let found = image_manifest(&RegistryRef::resolve(reference)?, platform, opts)?;
    let platforms = match found.platforms {
        Some(p) => p,
        None => vec![format!("{}/{}", found.config.os, found.config.architecture)],
    };
    Ok(ballast_ml::bases::Resolved {
        platforms,
        env: found.config.env().into_iter().map(|(k, _)| k).collect(),
        source: format!("docker://{}", found.registry.display()),
    })
}

/// A registry image's manifest for one platform, and its configuration.
struct Found {
    registry: Registry,
    digest: Digest,
    manifest: spec::Manifest,
    config: spec::Config,
    /// The platforms of the index it was chosen from (`os/arch`), if any.
    platforms: Option<Vec<String>>,
}

/// Follows a reference through indexes to the image manifest for
/// `platform` (the first one when none matches), and reads its
/// configuration.
fn image_manifest(target: &RegistryRef, platform: &str, opts: &LoadOptions<'_>) -> Result<Found> {
    let registry = Registry::new(target.clone(), &opts.remote)?;
    let limit = opts.limits.max_manifest_bytes;
    let (mut bytes, mut ct, mut digest) = registry.manifest(&registry.target.reference, limit)?;
    let mut platforms = None;
    for _ in 0..4 {
        match spec::parse_manifest_doc(&bytes, ct.as_deref())
            .map_err(|e| registry.remote(format!("manifest: {e}")))?
        {
            spec::ManifestDoc::Index(index) => {
                let listed: Vec<String> = index
                    .manifests
                    .iter()
                    .filter_map(|d| d.platform.as_ref())
                    .map(|p| format!("{}/{}", p.os, p.architecture))
                    .filter(|p| p != "unknown/unknown")
                    .collect();
                if !listed.is_empty() {
                    platforms = Some(listed);
                }
                let d = index
                    .manifests
                    .iter()
                    .find(|d| d.platform.as_ref().is_some_and(|p| p.matches(platform)))
                    .or(index.manifests.first())
                    .ok_or_else(|| registry.remote("the index lists no manifest"))?;
                (bytes, ct, digest) = registry.manifest(&d.digest, limit)?;
            }
            spec::ManifestDoc::Image(manifest) => {
                let config = read_config(&registry, &manifest.config.digest, opts)?;
                return Ok(Found {
                    registry,
                    digest,
                    manifest,
                    config,
                    platforms,
                });
            }
        }
    }
    Err(registry.remote("index nesting too deep"))
}

/// An image configuration blob, verified against its digest when asked.
fn read_config(registry: &Registry, digest: &str, opts: &LoadOptions<'_>) -> Result<spec::Config> {
    let mut config = Vec::new();
    registry
        .blob(digest)?
        .take(opts.limits.max_config_bytes + 1)
        .read_to_end(&mut config)
        .map_err(|e| registry.remote(format!("reading the configuration: {e}")))?;
    if opts.verify && Digest::of(&config).as_str() != digest {
        return Err(ImageError::DigestMismatch {
            what: "blob",
            name: digest.to_string(),
            expected: digest.to_string(),
            actual: Digest::of(&config).to_string(),
        });
    }
    spec::Config::parse(&config).map_err(|e| registry.remote(e))
}
