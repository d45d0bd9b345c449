//! Bounds that keep a hostile image from exhausting memory or time. Every
//! limit has a command-line option; `docs/security.md` lists the defaults.

/// Resource limits for reading one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest manifest or index document (bytes).
    pub max_manifest_bytes: u64,
    /// Largest image configuration (bytes).
    pub max_config_bytes: u64,
    /// Most entries in one layer.
    pub max_entries_per_layer: u64,
    /// Longest path of a layer entry (bytes).
    pub max_path_bytes: u64,
    /// Most uncompressed bytes in the whole image.
    pub max_uncompressed_bytes: u64,
    /// Highest ratio of uncompressed to compressed size of a layer (gzip bombs).
    pub max_compression_ratio: u64,
    /// Most layers.
    pub max_layers: u64,
    /// Largest file whose content is kept for analysis (RECORD, dpkg status, ...).
    pub max_captured_file_bytes: u64,
}

/// A JSON document of an image: its name in messages, and the limit (with
/// the option that raises it) that bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Document {
    /// `manifest.json` of a `docker save` archive.
    ArchiveManifest,
    /// `index.json` of an OCI layout.
    Index,
    /// An image manifest or a nested index.
    Manifest,
    /// The image configuration.
    Config,
}

impl Document {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Document::ArchiveManifest => "manifest.json",
            Document::Index => "index.json",
            Document::Manifest => "manifest",
            Document::Config => "configuration",
        }
    }

    pub(crate) fn limit(self, limits: &Limits) -> u64 {
        match self {
            Document::Config => limits.max_config_bytes,
            _ => limits.max_manifest_bytes,
        }
    }

    pub(crate) fn option(self) -> &'static str {
        match self {
            Document::Config => "--max-config-bytes",
            _ => "--max-manifest-bytes",
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_manifest_bytes: 4 << 20,
            max_config_bytes: 16 << 20,
            max_entries_per_layer: 10_000_000,
            max_path_bytes: 16 << 10,
            max_uncompressed_bytes: 2 << 40,
            max_compression_ratio: 10_000,
            max_layers: 4096,
            max_captured_file_bytes: 32 << 20,
        }
    }
}
