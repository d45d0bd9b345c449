//! The registry as a container of members for the shared plan and
//! execution: manifests by digest, layers streamed into the scanner and the
//! blob cache.

use std::io::{self, Read};
use std::sync::Mutex;

use crate::blobcache::BlobCache;
use crate::error::{ImageError, Result};
use crate::layer::{LayerScan, ScanOptions, scan_layer};
use crate::limits::Document;
use crate::source::Members;

use super::Registry;

/// The registry as a container of members for the shared pipeline.
pub(super) struct RegistryMembers<'a> {
    pub(super) registry: &'a Registry,
    /// Manifests already fetched, by digest.
    pub(super) manifests: Mutex<Vec<(String, Vec<u8>)>>,
    pub(super) cache: Option<BlobCache>,
}

impl Members for RegistryMembers<'_> {
    fn reference(&self) -> &str {
        self.registry.display()
    }

    fn exists(&self, path: &str) -> bool {
        // Blobs only (missing ones are reported when fetched): the top
        // document is read before the plan.
        path.starts_with("blobs/")
    }

    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        let what = doc.label();
        let hex = path
            .strip_prefix("blobs/sha256/")
            .ok_or_else(|| self.registry.remote(format!("no member {path}")))?;
        let digest = format!("sha256:{hex}");
        if let Some((_, b)) = self
            .manifests
            .lock()
            .expect("manifests")
            .iter()
            .find(|(d, _)| *d == digest)
        {
            return Ok(b.clone());
        }
        if doc == Document::Manifest {
            let (bytes, _, _) = self.registry.manifest(&digest, limit)?;
            self.manifests
                .lock()
                .expect("manifests")
                .push((digest, bytes.clone()));
            return Ok(bytes);
        }
        let mut bytes = Vec::new();
        self.registry
            .blob(&digest)?
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                self.registry
                    .remote(format!("reading {what} {digest}: {e}"))
            })?;
        if bytes.len() as u64 > limit {
            return Err(ImageError::Limit {
                what: format!("{}: {what}", self.registry.display()),
                message: "is too large".into(),
                limit,
                option: doc.option(),
            });
        }
        Ok(bytes)
    }

    /// A layer again: from the cache when the scan kept it there (its
    /// digest checked), else from the registry.
    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>> {
        let hex = path.strip_prefix("blobs/sha256/").unwrap_or(path);
        let digest = format!("sha256:{hex}");
        if let Some(file) = self.cache.as_ref().and_then(|c| c.open(&digest)) {
            return Ok(Box::new(file));
        }
        self.registry.blob(&digest)
    }

    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan> {
        let hex = path.strip_prefix("blobs/sha256/").unwrap_or(path);
        let digest = format!("sha256:{hex}");
        if let Some(cache) = &self.cache
            && let Some(file) = cache.open(&digest)
        {
            let scan = scan_layer(&digest, io::BufReader::with_capacity(1 << 20, file), opts);
            let good = scan.as_ref().is_ok_and(|s| {
                !opts.verify || s.blob_digest.as_ref().is_some_and(|d| d.as_str() == digest)
            });
            if good {
                return scan;
            }
            // A damaged or tampered cache entry: drop it and fetch again.
            cache.remove(&digest);
        }
        let body = self.registry.blob(&digest)?;
        match (&self.cache, opts.verify) {
            (Some(cache), true) => {
                let mut entry = cache.entry(&digest);
                let scan = scan_layer(&digest, entry.tee(body), opts)?;
                // Kept only when the whole blob was read and its digest checked.
                if scan
                    .blob_digest
                    .as_ref()
                    .is_some_and(|d| d.as_str() == digest)
                {
                    entry.commit();
                }
                Ok(scan)
            }
            _ => scan_layer(&digest, body, opts),
        }
    }
}
