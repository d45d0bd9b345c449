//! Building blocks for hostile inputs: tar streams written header by header
//! (any name, size field, type or extension, checksums right or wrong), and
//! OCI layouts and docker archives assembled from raw blobs, so a test can
//! make exactly one thing wrong.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// gzip of some bytes (fast level).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

/// zstd of some bytes.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

/// Entry types, as the typeflag byte.
pub mod kind {
    pub const FILE: u8 = b'0';
    pub const HARDLINK: u8 = b'1';
    pub const SYMLINK: u8 = b'2';
    pub const CHAR: u8 = b'3';
    pub const DIR: u8 = b'5';
    pub const FIFO: u8 = b'6';
    pub const PAX: u8 = b'x';
    pub const PAX_GLOBAL: u8 = b'g';
    pub const GNU_LONG_NAME: u8 = b'L';
    pub const GNU_LONG_LINK: u8 = b'K';
}

/// A tar stream written member by member.
#[derive(Default, Clone)]
pub struct RawTar {
    pub bytes: Vec<u8>,
}

/// One header, as written.
#[derive(Clone)]
pub struct Header<'a> {
    pub name: &'a [u8],
    pub kind: u8,
    /// The size field (may differ from the data that follows).
    pub size: u64,
    pub link: &'a [u8],
    /// Spoil the checksum.
    pub bad_checksum: bool,
}

impl<'a> Header<'a> {
    pub fn new(name: &'a [u8], kind: u8, size: u64) -> Header<'a> {
        Header {
            name,
            kind,
            size,
            link: b"",
            bad_checksum: false,
        }
    }
}

fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let s = format!("{value:0width$o}");
    if s.len() <= width {
        field[..width].copy_from_slice(s.as_bytes());
        field[width] = 0;
    } else {
        // GNU base-256 for values that do not fit.
        field.fill(0);
        field[0] = 0x80;
        let be = value.to_be_bytes();
        let n = field.len();
        field[n - 8..].copy_from_slice(&be);
    }
}

impl RawTar {
    pub fn new() -> RawTar {
        RawTar::default()
    }

    /// A header block (name and link cut to 100 bytes: longer ones need
    /// [`RawTar::long_name`] or PAX).
    pub fn header(&mut self, h: &Header<'_>) -> &mut Self {
        let mut b = [0u8; 512];
        let n = h.name.len().min(100);
        b[..n].copy_from_slice(&h.name[..n]);
        octal(&mut b[100..108], 0o644);
        octal(&mut b[108..116], 0);
        octal(&mut b[116..124], 0);
        octal(&mut b[124..136], h.size);
        octal(&mut b[136..148], 1_767_225_600);
        b[156] = h.kind;
        let l = h.link.len().min(100);
        b[157..157 + l].copy_from_slice(&h.link[..l]);
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].fill(b' ');
        let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
        let sum = if h.bad_checksum { sum + 1 } else { sum };
        octal(&mut b[148..155], u64::from(sum));
        b[155] = b' ';
        self.bytes.extend_from_slice(&b);
        self
    }

    /// Data padded to the block size.
    pub fn data(&mut self, data: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.bytes.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    /// A member whose size field matches its data.
    pub fn member(&mut self, name: &[u8], kind: u8, data: &[u8], link: &[u8]) -> &mut Self {
        let h = Header {
            link,
            ..Header::new(name, kind, data.len() as u64)
        };
        self.header(&h).data(data)
    }

    pub fn file(&mut self, name: &[u8], data: &[u8]) -> &mut Self {
        self.member(name, kind::FILE, data, b"")
    }

    pub fn dir(&mut self, name: &[u8]) -> &mut Self {
        self.member(name, kind::DIR, b"", b"")
    }

    pub fn symlink(&mut self, name: &[u8], target: &[u8]) -> &mut Self {
        self.member(name, kind::SYMLINK, b"", target)
    }

    pub fn hardlink(&mut self, name: &[u8], target: &[u8]) -> &mut Self {
        self.member(name, kind::HARDLINK, b"", target)
    }

    /// A GNU long-name member for the next entry.
    pub fn long_name(&mut self, name: &[u8]) -> &mut Self {
        let mut data = name.to_vec();
        data.push(0);
        self.member(b"././@LongLink", kind::GNU_LONG_NAME, &data, b"")
    }

    /// A PAX extended header for the next entry.
    pub fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        let mut data = Vec::new();
        for (k, v) in records {
            // "<len> <key>=<value>\n", where len counts itself.
            let body = k.len() + v.len() + 3;
            let mut len = body + body.to_string().len();
            if (len).to_string().len() != body.to_string().len() {
                len += 1;
            }
            data.extend_from_slice(format!("{len} {k}=").as_bytes());
            data.extend_from_slice(v);
            data.push(b'\n');
        }
        self.member(b"PaxHeaders/x", kind::PAX, &data, b"")
    }

    /// The end-of-archive marker.
    pub fn finish(&mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0u8; 1024]);
        std::mem::take(&mut self.bytes)
    }
}

/// A layer blob with its descriptor fields.
#[derive(Clone)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub media_type: String,
    /// The diff_id the config claims.
    pub diff_id: String,
}

impl Blob {
    /// An uncompressed tar layer (its diff_id is its digest).
    pub fn tar(tar: Vec<u8>) -> Blob {
        Blob {
            diff_id: sha256(&tar),
            bytes: tar,
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
        }
    }

    /// A gzip layer.
    pub fn gzip(tar: &[u8]) -> Blob {
        Blob {
            diff_id: sha256(tar),
            bytes: gzip(tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        }
    }

    /// A zstd layer.
    pub fn zstd(tar: &[u8]) -> Blob {
        Blob {
            diff_id: sha256(tar),
            bytes: zstd(tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd".into(),
        }
    }
}

/// The configuration of an image with these layers.
pub fn config_for(layers: &[Blob]) -> Value {
    json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        "history": layers.iter().map(|_| json!({"created_by": "hostile"})).collect::<Vec<_>>(),
    })
}

/// The manifest for a config and layers (already stored).
pub fn manifest_for(config: &[u8], layers: &[Blob]) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": config.len()},
        "layers": layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": sha256(&l.bytes), "size": l.bytes.len()})).collect::<Vec<_>>(),
    })
}

/// Stores a blob in an OCI layout, returning its digest.
pub fn put(dir: &Path, bytes: &[u8]) -> io::Result<String> {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs)?;
    let d = sha256(bytes);
    fs::write(blobs.join(&d[7..]), bytes)?;
    Ok(d)
}

/// Writes an OCI layout whose index points at `manifest` (raw bytes, any
/// content), with `media_type` in the index descriptor.
pub fn layout_with_manifest(dir: &Path, manifest: &[u8], media_type: &str) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let d = put(dir, manifest)?;
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": media_type, "digest": d, "size": manifest.len()}],
    });
    fs::write(dir.join("index.json"), serde_json::to_vec(&index)?)?;
    Ok(())
}

/// Writes an OCI layout of `layers`; `edit` may change the configuration and
/// then the manifest before they are stored.
pub fn layout(
    dir: &Path,
    layers: &[Blob],
    edit_config: impl FnOnce(&mut Value),
    edit_manifest: impl FnOnce(&mut Value),
) -> io::Result<()> {
    for l in layers {
        put(dir, &l.bytes)?;
    }
    let mut config = config_for(layers);
    edit_config(&mut config);
    let config = serde_json::to_vec(&config)?;
    put(dir, &config)?;
    let mut manifest = manifest_for(&config, layers);
    edit_manifest(&mut manifest);
    layout_with_manifest(
        dir,
        &serde_json::to_vec(&manifest)?,
        "application/vnd.oci.image.manifest.v1+json",
    )
}

/// A small, well-formed base layer (so a hostile layer is not alone).
pub fn base_layer() -> Blob {
    Blob::gzip(
        &RawTar::new()
            .dir(b"etc/")
            .file(b"etc/os-release", b"ID=hostile\n")
            .finish(),
    )
}

/// A legacy `docker save` archive: `manifest.json`, the config and one
/// `<n>/layer.tar` per layer, with `extra` members appended (or put first
/// when `extra_first`).
pub fn docker_archive(layers: &[Blob], extra: &RawTar, extra_first: bool) -> Vec<u8> {
    let config = serde_json::to_vec(&config_for(layers)).expect("json");
    let cfg_name = format!("{}.json", &sha256(&config)[7..]);
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("{i}/layer.tar"))
        .collect();
    let manifest = json!([{"Config": cfg_name, "RepoTags": ["hostile:1"], "Layers": names}]);
    let mut t = RawTar::new();
    if extra_first {
        t.bytes.extend_from_slice(&extra.bytes);
    }
    t.file(
        b"manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    t.file(cfg_name.as_bytes(), &config);
    for (name, l) in names.iter().zip(layers) {
        t.file(name.as_bytes(), &l.bytes);
    }
    if !extra_first {
        t.bytes.extend_from_slice(&extra.bytes);
    }
    t.finish()
}
