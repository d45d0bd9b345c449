//! The slimmed image's metadata: its configuration (rewritten layers'
//! diff_ids replaced), manifest, index and layout marker, in OCI's or
//! Docker's media types; and the layout as one tar (`oci-archive:`, and
//! `docker-archive:` with Docker's `manifest.json`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use super::SlimReport;
use super::blobs::Written;
use crate::digest::Digest;
use crate::error::{ImageError, Result};
use crate::layer::Compression;
use crate::source::LoadedImage;

/// The media types of the manifest the output carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// `application/vnd.oci.image.*`.
    Oci,
    /// Docker's image manifest v2, schema 2 (`application/vnd.docker.*`).
    Docker,
}

impl ImageFormat {
    /// The source's, from its layers' media types: Docker's when it names
    /// them or names none (a `docker save` archive), else OCI's.
    pub(super) fn of_source(layer_types: &[Option<String>]) -> ImageFormat {
        let docker = layer_types
            .iter()
            .flatten()
            .any(|t| t.starts_with("application/vnd.docker."));
        let oci = layer_types
            .iter()
            .flatten()
            .any(|t| t.starts_with("application/vnd.oci."));
        if docker || !oci {
            ImageFormat::Docker
        } else {
            ImageFormat::Oci
        }
    }

    fn manifest(self) -> &'static str {
        match self {
            ImageFormat::Oci => "application/vnd.oci.image.manifest.v1+json",
            ImageFormat::Docker => "application/vnd.docker.distribution.manifest.v2+json",
        }
    }

    fn config(self) -> &'static str {
        match self {
            ImageFormat::Oci => "application/vnd.oci.image.config.v1+json",
            ImageFormat::Docker => "application/vnd.docker.container.image.v1+json",
        }
    }

    /// A layer's media type for its compression; Docker's has no zstd.
    fn layer(self, c: Compression) -> Option<&'static str> {
        Some(match (self, c) {
            (ImageFormat::Oci, Compression::None) => "application/vnd.oci.image.layer.v1.tar",
            (ImageFormat::Oci, Compression::Gzip) => "application/vnd.oci.image.layer.v1.tar+gzip",
            (ImageFormat::Oci, Compression::Zstd) => "application/vnd.oci.image.layer.v1.tar+zstd",
            (ImageFormat::Docker, Compression::None) => {
                "application/vnd.docker.image.rootfs.diff.tar"
            }
            (ImageFormat::Docker, Compression::Gzip) => {
                "application/vnd.docker.image.rootfs.diff.tar.gzip"
            }
            (ImageFormat::Docker, Compression::Zstd) => return None,
        })
    }
}

/// The layer media type: the source's for a blob kept as it was when it is
/// of the format written (it may say more, e.g. a non-distributable layer),
/// else the format's for the blob's compression.
fn media_type(
    format: ImageFormat,
    declared: Option<&str>,
    w: &Written,
    layer: usize,
) -> Result<String> {
    let family = match format {
        ImageFormat::Oci => "application/vnd.oci.",
        ImageFormat::Docker => "application/vnd.docker.",
    };
    if let Some(d) = declared.filter(|d| w.diff_id.is_none() && d.starts_with(family)) {
        return Ok(d.to_string());
    }
    format.layer(w.compression).map(str::to_string).ok_or_else(|| {
        ImageError::format(
            format!("layer {layer}"),
            "zstd has no Docker media type: write it with --image-format oci, or recompress with --compression gzip",
        )
    })
}

/// The history of a squashed image: the steps that made layers `n` and
/// above stay, all but the last marked as making no layer, so the history
/// still has one layer-making step per layer.
fn squash_history(config: &mut Value, n: usize) {
    let Some(history) = config["history"].as_array_mut() else {
        return;
    };
    let makes_layer = |h: &Value| !h["empty_layer"].as_bool().unwrap_or(false);
    let layer_steps: Vec<usize> = (0..history.len())
        .filter(|&i| makes_layer(&history[i]))
        .collect();
    let Some((&last, merged)) = layer_steps.get(n..).and_then(|s| s.split_last()) else {
        return;
    };
    for &i in merged {
        history[i]["empty_layer"] = json!(true);
    }
    let note = format!(
        "ballast slim --squash-from {n}: this layer holds layers {n} to {}",
        n + merged.len()
    );
    let comment = match history[last]["comment"].as_str() {
        Some(c) if !c.is_empty() => format!("{c}; {note}"),
        _ => note,
    };
    history[last]["comment"] = json!(comment);
}

fn write_blob(out: &Path, bytes: &[u8]) -> Result<Digest> {
    let digest = Digest::of(bytes);
    let path = out.join("blobs/sha256").join(digest.hex());
    std::fs::write(&path, bytes).map_err(ImageError::io(&path))?;
    Ok(digest)
}

/// The configuration (kept byte for byte when no layer was rewritten), the
/// manifest, the index and the layout marker; returns the configuration's
/// digest. `written` has one blob per output layer: with `squash` (the
/// first layer merged), the last stands for that layer and all above it.
pub(super) fn write_metadata(
    out: &Path,
    format: ImageFormat,
    config_bytes: &[u8],
    image: &LoadedImage,
    declared: &[Option<String>],
    written: &[Written],
    squash: Option<usize>,
) -> Result<Digest> {
    let bad = |e: serde_json::Error| ImageError::format(&image.reference, e.to_string());
    let config_bytes = if written.iter().all(|w| w.diff_id.is_none()) {
        config_bytes.to_vec()
    } else {
        let mut config: Value = serde_json::from_slice(config_bytes).map_err(bad)?;
        let diff_ids: Vec<Value> = written
            .iter()
            .enumerate()
            .map(|(i, w)| match &w.diff_id {
                Some(d) => json!(d.as_str()),
                None => config["rootfs"]["diff_ids"][i].clone(),
            })
            .collect();
        config["rootfs"]["diff_ids"] = Value::Array(diff_ids);
        if let Some(n) = squash {
            squash_history(&mut config, n);
        }
        serde_json::to_vec(&config).map_err(bad)?
    };
    let config_digest = write_blob(out, &config_bytes)?;
    let layers: Vec<Value> = written
        .iter()
        .zip(declared)
        .enumerate()
        .map(|(i, (w, declared))| {
            let media = media_type(format, declared.as_deref(), w, i)?;
            Ok(json!({"mediaType": media, "digest": w.digest.as_str(), "size": w.size}))
        })
        .collect::<Result<_>>()?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": format.manifest(),
        "config": {"mediaType": format.config(), "digest": config_digest.as_str(), "size": config_bytes.len()},
        "layers": layers,
    });
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(bad)?;
    let manifest_digest = write_blob(out, &manifest_bytes)?;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": format.manifest(), "digest": manifest_digest.as_str(), "size": manifest_bytes.len()}],
    });
    let files = [
        ("index.json", serde_json::to_vec(&index).map_err(bad)?),
        ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
    ];
    for (name, bytes) in files {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(ImageError::io(&path))?;
    }
    Ok(config_digest)
}

/// Docker's `manifest.json` for the layout's image: `docker load` reads it
/// (and the blobs it names) and ignores the OCI files beside it.
pub(super) fn docker_manifest(report: &SlimReport, tag: Option<&str>) -> Vec<u8> {
    let blob = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
    let manifest = json!([{
        "Config": blob(&report.config_digest),
        "RepoTags": tag.map(|t| vec![t]),
        "Layers": report.layer_digests.iter().map(|d| blob(d)).collect::<Vec<_>>(),
    }]);
    serde_json::to_vec(&manifest).expect("JSON")
}

/// The layout as one tar file, with Docker's manifest when given. The
/// layout is consumed: each blob is removed once it is in the tar, so the
/// disk holds the image about once, not twice.
pub(super) fn tar_layout(
    layout: &Path,
    file: &Path,
    docker_manifest: Option<Vec<u8>>,
) -> Result<()> {
    let out = BufWriter::new(File::create(file).map_err(ImageError::io(file))?);
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    let blobs = layout.join("blobs/sha256");
    let mut names: Vec<_> = std::fs::read_dir(&blobs)
        .map_err(ImageError::io(&blobs))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::io::Result<_>>()
        .map_err(ImageError::io(&blobs))?;
    names.sort();
    for dir in ["blobs", "blobs/sha256"] {
        tar.append_dir(dir, layout.join(dir))
            .map_err(ImageError::io(file))?;
    }
    for name in names {
        let path = blobs.join(&name);
        let inside = Path::new("blobs/sha256").join(&name);
        tar.append_path_with_name(&path, inside)
            .map_err(ImageError::io(&path))?;
        std::fs::remove_file(&path).map_err(ImageError::io(&path))?;
    }
    for name in ["index.json", "oci-layout"] {
        tar.append_path_with_name(layout.join(name), name)
            .map_err(ImageError::io(file))?;
    }
    if let Some(bytes) = docker_manifest {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "manifest.json", bytes.as_slice())
            .map_err(ImageError::io(file))?;
    }
    let mut out = tar.into_inner().map_err(ImageError::io(file))?;
    out.flush().map_err(ImageError::io(file))
}
