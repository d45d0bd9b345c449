//! A small image builder: a declarative spec in, a real image out.
//!
//! Layer tars are written deterministically (fixed mtime, owner and mode), so
//! digests are stable and expected numbers can be worked out by hand. Large
//! files are streamed (`Content::Zeros`, `Content::Pseudo`), so multi-GB test
//! and benchmark images need no memory.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// File content.
#[derive(Debug, Clone)]
pub enum Content {
    /// These bytes.
    Bytes(Vec<u8>),
    /// `n` zero bytes (compresses to almost nothing).
    Zeros(u64),
    /// `n` pseudo-random bytes from a seed (does not compress).
    Pseudo(u64, u64),
    /// The bytes of a file on disk.
    File(PathBuf),
}

impl Content {
    fn len(&self) -> io::Result<u64> {
        Ok(match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Zeros(n) | Content::Pseudo(n, _) => *n,
            Content::File(p) => fs::metadata(p)?.len(),
        })
    }

    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Content::Bytes(b) => Box::new(&b[..]),
            Content::Zeros(n) => Box::new(io::repeat(0).take(*n)),
            Content::Pseudo(n, seed) => Box::new(PseudoReader {
                state: seed | 1,
                left: *n,
            }),
            Content::File(p) => Box::new(File::open(p)?),
        })
    }
}

struct PseudoReader {
    state: u64,
    left: u64,
}

impl Read for PseudoReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            // xorshift64: cheap, deterministic, incompressible enough.
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// One entry of a layer tar.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A directory.
    Dir(String),
    /// A regular file.
    File(String, Content),
    /// A symbolic link: path, target.
    Symlink(String, String),
    /// A hard link: path, target path.
    Hardlink(String, String),
    /// A whiteout deleting `path` from lower layers (written as `.wh.<name>`).
    Whiteout(String),
    /// An opaque marker for a directory (written as `<dir>/.wh..wh..opq`).
    Opaque(String),
    /// A raw tar header and data, for malformed or unusual archives.
    Raw {
        header: Box<tar::Header>,
        data: Vec<u8>,
    },
}

/// A convenience for a file with text content.
pub fn text(path: &str, content: &str) -> Entry {
    Entry::File(
        path.to_string(),
        Content::Bytes(content.as_bytes().to_vec()),
    )
}

/// A raw tar entry: a header of `kind` named `name` (mode 0644) and its data.
pub fn raw(name: &str, kind: tar::EntryType, data: Vec<u8>) -> Entry {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).expect("a ustar name");
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    Entry::Raw {
        header: Box::new(h),
        data,
    }
}

/// A convenience for a file of `n` zero bytes.
pub fn zeros(path: &str, n: u64) -> Entry {
    Entry::File(path.to_string(), Content::Zeros(n))
}

/// Layer compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One layer.
#[derive(Debug, Clone)]
pub struct Layer {
    pub entries: Vec<Entry>,
    pub compression: Compression,
    /// The history `created_by` of this layer.
    pub created_by: String,
}

impl Layer {
    /// A gzip layer.
    pub fn new(created_by: &str, entries: Vec<Entry>) -> Layer {
        Layer {
            entries,
            compression: Compression::Gzip,
            created_by: created_by.into(),
        }
    }

    /// The same layer with another compression.
    pub fn compressed(mut self, c: Compression) -> Layer {
        self.compression = c;
        self
    }
}

/// A history entry with no layer (`ENV`, `CMD`, ...).
#[derive(Debug, Clone)]
pub struct EmptyStep {
    /// Index of the layer it follows (0 = before the first layer).
    pub before_layer: usize,
    pub created_by: String,
}

/// An image.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub layers: Vec<Layer>,
    pub empty_steps: Vec<EmptyStep>,
    pub os: String,
    pub architecture: String,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub cmd: Vec<String>,
    pub tag: String,
    /// Extra configuration keys merged in (for unusual configs).
    pub config_extra: Option<Value>,
}

impl ImageSpec {
    /// An image with these layers, linux/amd64, tagged `test:1`.
    pub fn new(layers: Vec<Layer>) -> ImageSpec {
        ImageSpec {
            layers,
            empty_steps: Vec::new(),
            os: "linux".into(),
            architecture: "amd64".into(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            user: None,
            cmd: vec!["sh".into()],
            tag: "test:1".into(),
            config_extra: None,
        }
    }

    /// Adds a layer-less history step before layer `before_layer`.
    pub fn step(mut self, before_layer: usize, created_by: &str) -> ImageSpec {
        self.empty_steps.push(EmptyStep {
            before_layer,
            created_by: created_by.into(),
        });
        self
    }
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An OCI image layout directory.
    OciLayout,
    /// A tar of an OCI image layout.
    OciArchive,
    /// Legacy `docker save` (`<id>/layer.tar`, uncompressed layers).
    DockerArchive,
    /// Docker 25+ `docker save` (an OCI layout plus `manifest.json`).
    DockerArchiveOci,
}

impl Format {
    /// Every format, in the order above.
    pub const ALL: [Format; 4] = [
        Format::OciLayout,
        Format::OciArchive,
        Format::DockerArchive,
        Format::DockerArchiveOci,
    ];
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub manifest_digest: String,
    pub config_digest: String,
    pub layer_digests: Vec<String>,
    pub diff_ids: Vec<String>,
    pub layer_sizes: Vec<u64>,
}

struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W> HashWriter<W> {
    fn new(inner: W) -> HashWriter<W> {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }
}

/// The entries as a tar through `encoder`, with the tar's digest (the
/// layer's diff_id) and what `finish` makes of the encoder.
fn hashed_tar<W: Write, O>(
    entries: &[Entry],
    encoder: W,
    finish: impl FnOnce(W) -> io::Result<O>,
) -> io::Result<(Option<String>, O)> {
    let inner = write_entries(entries, HashWriter::new(encoder))?;
    Ok((Some(digest_of(inner.hasher)), finish(inner.inner)?))
}

fn digest_of(hasher: Sha256) -> String {
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

fn header(path: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    let _ = h.set_path(path);
    h.set_cksum();
    h
}

fn write_entries<W: Write>(entries: &[Entry], out: W) -> io::Result<W> {
    let mut b = tar::Builder::new(out);
    b.mode(tar::HeaderMode::Deterministic);
    for e in entries {
        match e {
            Entry::Dir(p) => {
                let mut h = header(p, tar::EntryType::Directory, 0, 0o755);
                b.append_data(&mut h, format!("{}/", p.trim_end_matches('/')), io::empty())?;
            }
            Entry::File(p, c) => {
                let mut h = header(p, tar::EntryType::Regular, c.len()?, 0o644);
                b.append_data(&mut h, p, c.reader()?)?;
            }
            Entry::Symlink(p, t) => {
                let mut h = header(p, tar::EntryType::Symlink, 0, 0o777);
                b.append_link(&mut h, p, t)?;
            }
            Entry::Hardlink(p, t) => {
                let mut h = header(p, tar::EntryType::Link, 0, 0o644);
                b.append_link(&mut h, p, t)?;
            }
            Entry::Whiteout(p) => {
                let (dir, name) = p.rsplit_once('/').map_or(("", p.as_str()), |(d, n)| (d, n));
                let wh = if dir.is_empty() {
                    format!(".wh.{name}")
                } else {
                    format!("{dir}/.wh.{name}")
                };
                let mut h = header(&wh, tar::EntryType::Regular, 0, 0o644);
                b.append_data(&mut h, wh, io::empty())?;
            }
            Entry::Opaque(dir) => {
                let p = format!("{}/.wh..wh..opq", dir.trim_end_matches('/'));
                let mut h = header(&p, tar::EntryType::Regular, 0, 0o644);
                b.append_data(&mut h, p, io::empty())?;
            }
            Entry::Raw { header, data } => {
                b.append(header, &data[..])?;
            }
        }
    }
    b.into_inner()
}

/// Writes a layer blob to `dir/<tmp>`, returning (digest, diff_id, size, path).
fn write_layer(
    layer: &Layer,
    dir: &Path,
    force_uncompressed: bool,
) -> io::Result<(String, String, u64, PathBuf)> {
    let tmp = dir.join(format!(".layer-{}", std::process::id()));
    let file = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    let outer = HashWriter::new(file);
    let compression = if force_uncompressed {
        Compression::None
    } else {
        layer.compression
    };
    let (diff_id, outer) = match compression {
        Compression::None => {
            let tar = write_entries(&layer.entries, outer)?;
            (None, tar)
        }
        Compression::Gzip => hashed_tar(
            &layer.entries,
            GzEncoder::new(outer, GzLevel::fast()),
            GzEncoder::finish,
        )?,
        Compression::Zstd => hashed_tar(
            &layer.entries,
            zstd::Encoder::new(outer, 3)?,
            zstd::Encoder::finish,
        )?,
    };
    let mut outer = outer;
    outer.flush()?;
    let size = outer.count;
    let digest = digest_of(outer.hasher);
    let diff_id = diff_id.unwrap_or_else(|| digest.clone());
    Ok((digest, diff_id, size, tmp))
}

fn layer_media_type(c: Compression, force_uncompressed: bool) -> &'static str {
    match (c, force_uncompressed) {
        (_, true) | (Compression::None, _) => "application/vnd.oci.image.layer.v1.tar",
        (Compression::Gzip, _) => "application/vnd.oci.image.layer.v1.tar+gzip",
        (Compression::Zstd, _) => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

fn config_json(spec: &ImageSpec, diff_ids: &[String]) -> Vec<u8> {
    let mut history = Vec::new();
    for (i, l) in spec.layers.iter().enumerate() {
        for s in spec.empty_steps.iter().filter(|s| s.before_layer == i) {
            history.push(json!({"created": "2026-01-01T00:00:00Z", "created_by": s.created_by, "empty_layer": true}));
        }
        history.push(json!({"created": "2026-01-01T00:00:00Z", "created_by": l.created_by}));
    }
    for s in spec
        .empty_steps
        .iter()
        .filter(|s| s.before_layer >= spec.layers.len())
    {
        history.push(json!({"created": "2026-01-01T00:00:00Z", "created_by": s.created_by, "empty_layer": true}));
    }
    let mut config = json!({"Env": spec.env, "Cmd": spec.cmd});
    if let Some(u) = &spec.user {
        config["User"] = json!(u);
    }
    let mut v = json!({
        "architecture": spec.architecture,
        "os": spec.os,
        "created": "2026-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    if let (Some(extra), Some(obj)) = (&spec.config_extra, v.as_object_mut()) {
        for (k, val) in extra.as_object().into_iter().flatten() {
            obj.insert(k.clone(), val.clone());
        }
    }
    serde_json::to_vec(&v).expect("json")
}

fn put_blob(blobs: &Path, bytes: &[u8]) -> io::Result<String> {
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
    fs::write(blobs.join(&digest[7..]), bytes)?;
    Ok(digest)
}

/// Writes an OCI layout for one or more images into `dir` (created).
/// Returns what was written for each image; several images get platform
/// entries in the index.
fn write_oci_dir(
    specs: &[&ImageSpec],
    dir: &Path,
    force_uncompressed: bool,
) -> io::Result<Vec<Written>> {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs)?;
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut manifests = Vec::new();
    let mut out = Vec::new();
    for spec in specs {
        let mut layers = Vec::new();
        let mut written = Written {
            path: dir.to_path_buf(),
            manifest_digest: String::new(),
            config_digest: String::new(),
            layer_digests: vec![],
            diff_ids: vec![],
            layer_sizes: vec![],
        };
        for l in &spec.layers {
            let (digest, diff_id, size, tmp) = write_layer(l, &blobs, force_uncompressed)?;
            fs::rename(&tmp, blobs.join(&digest[7..]))?;
            layers.push(json!({"mediaType": layer_media_type(l.compression, force_uncompressed), "digest": digest, "size": size}));
            written.layer_digests.push(digest);
            written.diff_ids.push(diff_id);
            written.layer_sizes.push(size);
        }
        let config = config_json(spec, &written.diff_ids);
        let config_digest = put_blob(&blobs, &config)?;
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": layers,
        }))
        .expect("json");
        let manifest_digest = put_blob(&blobs, &manifest)?;
        let mut desc = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest.len()});
        if specs.len() > 1 {
            desc["platform"] = json!({"os": spec.os, "architecture": spec.architecture});
        } else {
            desc["annotations"] = json!({"org.opencontainers.image.ref.name": spec.tag.rsplit(':').next().unwrap_or("latest"), "io.containerd.image.name": spec.tag});
        }
        manifests.push(desc);
        written.manifest_digest = manifest_digest;
        written.config_digest = config_digest;
        out.push(written);
    }
    fs::write(dir.join("index.json"), serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})).expect("json"))?;
    Ok(out)
}

/// Writes a docker-archive's `manifest.json` into `tmp` (its configuration
/// member and tag, its layer members), tars `tmp` to `path` and removes it.
fn finish_docker_archive(
    tmp: &Path,
    path: &Path,
    (config, tag): (&str, &str),
    layers: &[String],
) -> io::Result<()> {
    let manifest = json!([{"Config": config, "RepoTags": [tag], "Layers": layers}]);
    fs::write(
        tmp.join("manifest.json"),
        serde_json::to_vec(&manifest).expect("json"),
    )?;
    tar_dir(tmp, path)?;
    fs::remove_dir_all(tmp)
}

/// Tars a directory tree (sorted, deterministic).
fn tar_dir(src: &Path, dest: &Path) -> io::Result<()> {
    let mut b = tar::Builder::new(BufWriter::with_capacity(1 << 20, File::create(dest)?));
    b.mode(tar::HeaderMode::Deterministic);
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut names: Vec<_> = fs::read_dir(src.join(&rel))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for name in names.into_iter().rev() {
            let r = rel.join(&name);
            let full = src.join(&r);
            if full.is_dir() {
                b.append_dir(&r, &full)?;
                stack.push(r);
            } else {
                b.append_path_with_name(&full, &r)?;
            }
        }
    }
    b.into_inner()?.flush()
}

impl ImageSpec {
    /// Writes the image in `format` at `path`.
    pub fn write(&self, format: Format, path: &Path) -> io::Result<Written> {
        match format {
            Format::OciLayout => Ok(write_oci_dir(&[self], path, false)?.remove(0)),
            Format::OciArchive => {
                let tmp = path.with_extension("layout.tmp");
                let mut w = write_oci_dir(&[self], &tmp, false)?.remove(0);
                tar_dir(&tmp, path)?;
                fs::remove_dir_all(&tmp)?;
                w.path = path.to_path_buf();
                Ok(w)
            }
            Format::DockerArchiveOci => {
                let tmp = path.with_extension("layout.tmp");
                let mut w = write_oci_dir(&[self], &tmp, false)?.remove(0);
                let layers: Vec<String> = w
                    .layer_digests
                    .iter()
                    .map(|d| format!("blobs/sha256/{}", &d[7..]))
                    .collect();
                let config = format!("blobs/sha256/{}", &w.config_digest[7..]);
                finish_docker_archive(&tmp, path, (&config, &self.tag), &layers)?;
                w.path = path.to_path_buf();
                Ok(w)
            }
            Format::DockerArchive => self.write_docker_legacy(path),
        }
    }

    fn write_docker_legacy(&self, path: &Path) -> io::Result<Written> {
        let tmp = path.with_extension("legacy.tmp");
        fs::create_dir_all(&tmp)?;
        let mut written = Written {
            path: path.to_path_buf(),
            manifest_digest: String::new(),
            config_digest: String::new(),
            layer_digests: vec![],
            diff_ids: vec![],
            layer_sizes: vec![],
        };
        let mut layer_paths = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let (digest, diff_id, size, file) = write_layer(l, &tmp, true)?;
            let id = format!("{:064x}", i + 1);
            fs::create_dir_all(tmp.join(&id))?;
            fs::rename(&file, tmp.join(&id).join("layer.tar"))?;
            fs::write(tmp.join(&id).join("VERSION"), "1.0")?;
            fs::write(tmp.join(&id).join("json"), format!("{{\"id\":\"{id}\"}}"))?;
            layer_paths.push(format!("{id}/layer.tar"));
            written.layer_digests.push(digest);
            written.diff_ids.push(diff_id);
            written.layer_sizes.push(size);
        }
        let config = config_json(self, &written.diff_ids);
        let config_digest = format!("sha256:{}", hex::encode(Sha256::digest(&config)));
        fs::write(tmp.join(format!("{}.json", &config_digest[7..])), &config)?;
        let config_member = format!("{}.json", &config_digest[7..]);
        finish_docker_archive(&tmp, path, (&config_member, &self.tag), &layer_paths)?;
        written.config_digest = config_digest;
        Ok(written)
    }
}

/// Writes several images as one multi-platform OCI layout.
pub fn write_multi_platform(specs: &[&ImageSpec], dir: &Path) -> io::Result<Vec<Written>> {
    write_oci_dir(specs, dir, false)
}

/// Rewrites the configuration of a single-image OCI layout, then the manifest
/// and index that point at it, so only the change under test is wrong.
pub fn rewrite_config(dir: &Path, edit: impl FnOnce(&mut Value)) -> io::Result<()> {
    rewrite_manifest(dir, |manifest, blobs| {
        let digest = manifest["config"]["digest"]
            .as_str()
            .expect("config digest")
            .to_string();
        let mut config: Value = serde_json::from_slice(&fs::read(blobs.join(&digest[7..]))?)
            .map_err(io::Error::other)?;
        edit(&mut config);
        let bytes = serde_json::to_vec(&config).map_err(io::Error::other)?;
        let new = put_blob(blobs, &bytes)?;
        manifest["config"]["digest"] = json!(new);
        manifest["config"]["size"] = json!(bytes.len());
        Ok(())
    })
}

/// Rewrites the manifest of a single-image OCI layout and fixes up the index.
pub fn rewrite_manifest(
    dir: &Path,
    edit: impl FnOnce(&mut Value, &Path) -> io::Result<()>,
) -> io::Result<()> {
    let blobs = dir.join("blobs/sha256");
    let mut index: Value =
        serde_json::from_slice(&fs::read(dir.join("index.json"))?).map_err(io::Error::other)?;
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .expect("manifest digest")
        .to_string();
    let mut manifest: Value =
        serde_json::from_slice(&fs::read(blobs.join(&digest[7..]))?).map_err(io::Error::other)?;
    edit(&mut manifest, &blobs)?;
    let bytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    let new = put_blob(&blobs, &bytes)?;
    index["manifests"][0]["digest"] = json!(new);
    index["manifests"][0]["size"] = json!(bytes.len());
    fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    )
}
