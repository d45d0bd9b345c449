//! The documents of an image: index, manifest, configuration, and Docker's
//! legacy `manifest.json`. Only the fields ballast uses are modelled; digests
//! are always computed over the raw bytes, never over re-serialised JSON.

use serde::Deserialize;

use crate::digest::Digest;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// Layer media types ballast reads (compression is sniffed, not trusted).
pub const LAYER_TYPES: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// A platform of an index entry or a config.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn label(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{}", self.os, self.architecture, v),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// Whether `wanted` (`os/arch[/variant]`) names this platform.
    pub fn matches(&self, wanted: &str) -> bool {
        let mut parts = wanted.split('/');
        let os = parts.next().unwrap_or("");
        let arch = parts.next().unwrap_or("");
        let variant = parts.next();
        self.os == os
            && self.architecture == arch
            && variant.is_none_or(|v| self.variant.as_deref() == Some(v))
    }
}

/// A content descriptor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
    #[serde(default)]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

impl Descriptor {
    /// The parsed digest.
    pub fn parsed_digest(&self) -> Result<Digest, String> {
        Digest::parse(&self.digest)
    }
}

/// An index or manifest list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    pub manifests: Vec<Descriptor>,
}

/// An image manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// Either kind of manifest document.
#[derive(Debug, Clone)]
pub enum ManifestDoc {
    Index(Index),
    Image(Manifest),
}

/// Classifies and parses a manifest or index document.
pub fn parse_manifest_doc(
    bytes: &[u8],
    declared_type: Option<&str>,
) -> Result<ManifestDoc, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    let obj = value
        .as_object()
        .ok_or("a manifest must be a JSON object")?;
    let schema = obj.get("schemaVersion").and_then(|v| v.as_u64());
    if schema != Some(2) {
        return Err(format!(
            "unsupported manifest schema version {} (only 2 is supported)",
            schema.map_or("missing".to_string(), |s| s.to_string())
        ));
    }
    let media = obj
        .get("mediaType")
        .and_then(|v| v.as_str())
        .or(declared_type);
    let is_index = match media {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        Some(other) => return Err(format!("unknown manifest media type {other:?}")),
        None => obj.contains_key("manifests"),
    };
    if is_index {
        serde_json::from_value(value)
            .map(ManifestDoc::Index)
            .map_err(|e| format!("malformed index: {e}"))
    } else {
        serde_json::from_value(value)
            .map(ManifestDoc::Image)
            .map_err(|e| format!("malformed manifest: {e}"))
    }
}

/// One history entry of the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct History {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub empty_layer: bool,
    pub comment: Option<String>,
}

/// The runtime part of the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RunConfig {
    pub env: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub labels: Option<std::collections::BTreeMap<String, String>>,
}

/// `rootfs` of the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RootFs {
    pub diff_ids: Vec<String>,
}

/// The image configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
    pub created: Option<String>,
    pub config: Option<RunConfig>,
    pub rootfs: RootFs,
    pub history: Vec<History>,
}

impl Config {
    /// Parses a configuration.
    pub fn parse(bytes: &[u8]) -> Result<Config, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("malformed image configuration: {e}"))
    }

    /// The environment as key/value pairs.
    pub fn env(&self) -> Vec<(String, String)> {
        self.config
            .as_ref()
            .and_then(|c| c.env.as_ref())
            .map(|env| {
                env.iter()
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.clone(), String::new()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// History entries that created a layer, in layer order.
    pub fn layer_history(&self) -> Vec<&History> {
        self.history.iter().filter(|h| !h.empty_layer).collect()
    }

    /// The step that made each of `layers` layers; `None` when the history
    /// does not list one entry per layer (then it cannot be matched).
    pub fn created_by(&self, layers: usize) -> Option<Vec<Option<String>>> {
        let history = self.layer_history();
        (history.len() == layers).then(|| history.iter().map(|h| h.created_by.clone()).collect())
    }
}

/// One entry of Docker's `manifest.json` in a `docker save` archive.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArchiveManifestEntry {
    pub config: String,
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

/// Parses Docker's `manifest.json`.
pub fn parse_archive_manifest(bytes: &[u8]) -> Result<Vec<ArchiveManifestEntry>, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("malformed manifest.json: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_documents() {
        let idx = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert!(matches!(
            parse_manifest_doc(idx, None),
            Ok(ManifestDoc::Index(_))
        ));
        let bad = br#"{"schemaVersion":1,"fsLayers":[]}"#;
        assert!(
            parse_manifest_doc(bad, None)
                .unwrap_err()
                .contains("schema version 1")
        );
        let unknown = br#"{"schemaVersion":2,"mediaType":"application/x-foo"}"#;
        assert!(
            parse_manifest_doc(unknown, None)
                .unwrap_err()
                .contains("unknown manifest media type")
        );
        let p = Platform {
            architecture: "arm64".into(),
            os: "linux".into(),
            variant: Some("v8".into()),
        };
        assert!(
            p.matches("linux/arm64") && p.matches("linux/arm64/v8") && !p.matches("linux/amd64")
        );
    }
}
