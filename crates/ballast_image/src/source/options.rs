//! How to load an image: verification, platform, limits, progress, what
//! to capture, how to reach a registry.

use std::path::PathBuf;

use std::sync::atomic::AtomicU64;

use crate::layer::{Capture, NoProgress, Progress, ScanOptions};
use crate::limits::Limits;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct RemoteOptions {
    /// Allow plain HTTP to a registry that is not on loopback.
    pub insecure: bool,
    /// Credentials given by the user (instead of the Docker configuration).
    pub credentials: Option<(String, String)>,
    /// Where downloaded layers are kept (`None`: not kept).
    pub cache_dir: Option<PathBuf>,
}

/// How to load an image.
pub struct LoadOptions<'a> {
    /// Verify every digest and diff_id (default).
    pub verify: bool,
    /// `os/arch[/variant]` for indexes.
    pub platform: Option<String>,
    /// Resource limits.
    pub limits: Limits,
    /// Progress sink (compressed bytes).
    pub progress: &'a dyn Progress,
    /// Which small files to keep the content of.
    pub capture: &'a (dyn Fn(&[u8], u64) -> Capture + Sync),
    /// Registry access (credentials, cache, plain HTTP).
    pub remote: RemoteOptions,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions {
            verify: true,
            platform: None,
            limits: Limits::default(),
            progress: &NoProgress,
            capture: &|_, _| Capture::Skip,
            remote: RemoteOptions::default(),
        }
    }
}

impl<'a> LoadOptions<'a> {
    /// The defaults, capturing the small files the inspection report reads
    /// (package metadata, dpkg's status, os-release: [`crate::capture`]).
    pub fn for_report() -> Self {
        LoadOptions {
            capture: &crate::ml::capture,
            ..LoadOptions::default()
        }
    }

    /// How to read each layer of this load; `total` counts the uncompressed
    /// bytes of all its layers (for the `--max-image-bytes` limit).
    pub(crate) fn scan<'s>(&'s self, total: &'s AtomicU64) -> ScanOptions<'s>
    where
        'a: 's,
    {
        ScanOptions {
            verify: self.verify,
            limits: self.limits,
            capture: self.capture,
            progress: self.progress,
            uncompressed_total: total,
        }
    }
}
