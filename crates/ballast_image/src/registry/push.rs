//! Pushing the image of an OCI layout to a registry (distribution spec):
//! each blob the repository lacks is uploaded whole (`POST` an upload,
//! `PUT` it with its digest), the configuration and layers before the
//! manifest, which is put last under the tag, so a client never sees a
//! manifest whose blobs are missing.

use std::path::Path;

use serde_json::Value;

use super::client::SendBody;
use super::{Registry, RegistryRef, RemoteOptions};
use crate::digest::Digest;
use crate::error::{ImageError, Result};

/// Pushes the single image of `layout` to `target` (its tag or digest);
/// returns the manifest's digest, as the registry confirmed it.
pub fn push_layout(layout: &Path, target: &RegistryRef, opts: &RemoteOptions) -> Result<Digest> {
    let registry = Registry::new(target.clone(), opts)?;
    let read = |p: &Path| -> Result<Vec<u8>> { std::fs::read(p).map_err(ImageError::io(p)) };
    let json = |bytes: &[u8], what: &str| -> Result<Value> {
        serde_json::from_slice(bytes)
            .map_err(|e| ImageError::format(layout.display().to_string(), format!("{what}: {e}")))
    };
    let index = json(&read(&layout.join("index.json"))?, "index.json")?;
    let top = &index["manifests"][0];
    let (digest, media_type) = (
        top["digest"].as_str().unwrap_or_default(),
        top["mediaType"].as_str().unwrap_or_default(),
    );
    let digest = Digest::parse(digest)
        .map_err(|e| ImageError::format(layout.display().to_string(), e.to_string()))?;
    let blob_path = |d: &Digest| layout.join("blobs/sha256").join(d.hex());
    let manifest_bytes = read(&blob_path(&digest))?;
    let manifest = json(&manifest_bytes, "manifest")?;
    let blobs = std::iter::once(&manifest["config"])
        .chain(manifest["layers"].as_array().into_iter().flatten())
        .map(|d| {
            Digest::parse(d["digest"].as_str().unwrap_or_default())
                .map_err(|e| ImageError::format(layout.display().to_string(), e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    for blob in &blobs {
        upload(&registry, blob, &blob_path(blob))?;
    }
    let repo = &registry.target.repository;
    let path = format!("/v2/{repo}/manifests/{}", registry.target.reference);
    let (_, _, confirmed) = registry.send(
        "PUT",
        &path,
        Some(media_type),
        SendBody::Bytes(&manifest_bytes),
    )?;
    if let Some(c) = confirmed.filter(|c| c != digest.as_str()) {
        return Err(registry.remote(format!(
            "the registry stored the manifest as {c}, not {digest}"
        )));
    }
    Ok(digest)
}

/// Uploads a blob unless the repository has it.
fn upload(registry: &Registry, digest: &Digest, file: &Path) -> Result<()> {
    let repo = &registry.target.repository;
    let head = format!("/v2/{repo}/blobs/{digest}");
    if let Ok((200, _, _)) = registry.send("HEAD", &head, None, SendBody::Empty) {
        return Ok(());
    }
    let start = format!("/v2/{repo}/blobs/uploads/");
    let (_, location, _) = registry.send("POST", &start, None, SendBody::Empty)?;
    let location =
        location.ok_or_else(|| registry.remote("the upload was started without a Location"))?;
    let sep = if location.contains('?') { '&' } else { '?' };
    let put = format!("{location}{sep}digest={digest}");
    registry.send(
        "PUT",
        &put,
        Some("application/octet-stream"),
        SendBody::File(file),
    )?;
    Ok(())
}
