//! The slimmed image written as an OCI image layout, then read back and
//! proven: every digest and diff_id verified by the same loader `inspect`
//! uses, and the final filesystem compared with the source's.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::audit::{AuditLine, ClassTotal, class_totals, layer_audit, write_audit};
use super::plan::{LayerPlan, plan_with};
use super::rewrite::rewrite;
use super::rules::{Compiled, DropRules};
use crate::digest::{Digest, HashingWriter};
use crate::error::{ImageError, Result};
use crate::layer::{Compression, Entry, read_up_to, sniff};
use crate::limits::Document;
use crate::source::{LayoutDir, LoadOptions, LoadedImage, Members, Reference};
use crate::tree::FileTree;

/// How to slim.
pub struct SlimOptions<'a> {
    /// How the source is read (limits, platform).
    pub load: LoadOptions<'a>,
    /// How rewritten layers are compressed (default gzip at its default level).
    pub compression: LayerCompression,
    /// What to remove beyond the unreachable bytes.
    pub drop: DropRules,
    /// Where to write the audit log (JSON lines), which must not exist.
    pub audit: Option<PathBuf>,
    /// Called with the written layout before it is proven: tests corrupt it
    /// there to show that the proof catches it.
    pub before_proof: Option<&'a (dyn Fn(&Path) + Sync)>,
}

impl Default for SlimOptions<'_> {
    fn default() -> Self {
        SlimOptions {
            load: LoadOptions::default(),
            compression: (Compression::Gzip, None),
            drop: DropRules::default(),
            audit: None,
            before_proof: None,
        }
    }
}

/// What became of one layer.
#[derive(Debug, Clone, Serialize)]
pub struct SlimmedLayer {
    /// Kept byte for byte: the source's blob.
    pub unchanged: bool,
    /// Regular-file bytes no longer stored.
    pub dropped_bytes: u64,
    /// Entries dropped.
    pub dropped_entries: usize,
    /// The blob's size before and after.
    pub compressed_before: u64,
    pub compressed_after: u64,
    /// The layer's digest and diff_id after.
    pub digest: String,
    pub diff_id: String,
}

/// The result of `slim`.
#[derive(Debug, Clone, Serialize)]
pub struct SlimReport {
    pub source: String,
    pub destination: String,
    pub layers: Vec<SlimmedLayer>,
    /// Regular-file bytes stored before and after (every layer's, hidden ones included).
    pub stored_before: u64,
    pub stored_after: u64,
    /// Blob bytes before and after.
    pub compressed_before: u64,
    pub compressed_after: u64,
    /// The final filesystem's bytes before and after (the same unless
    /// `--drop` rules removed visible files; proven).
    pub final_bytes: u64,
    pub final_bytes_after: u64,
    /// Entries and bytes removed per class (`unreachable`, the `--drop`
    /// classes, `path:GLOB`): they add up to `stored_before - stored_after`.
    pub classes: Vec<ClassTotal>,
    /// The audit log written, if asked for.
    pub audit: Option<String>,
    /// The new configuration's digest (rewritten layers change its diff_ids).
    pub config_digest: String,
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> ImageError + '_ {
    move |e| ImageError::Io {
        path: path.to_path_buf(),
        error: e,
    }
}

/// Where the slimmed image goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A new OCI image layout directory.
    OciLayout(PathBuf),
    /// An OCI layout as a tar file (`podman load`, `skopeo copy oci-archive:`).
    OciArchive(PathBuf),
    /// An archive `docker load` reads (an OCI layout with Docker's
    /// `manifest.json`), the image tagged with the name given.
    DockerArchive(PathBuf, Option<String>),
}

impl Destination {
    /// `oci:DIR` (or a bare `DIR`), `oci-archive:FILE`,
    /// `docker-archive:FILE[:NAME:TAG]`.
    pub fn parse(s: &str) -> std::result::Result<Destination, String> {
        if let Some(rest) = s.strip_prefix("oci:") {
            return Ok(Destination::OciLayout(rest.into()));
        }
        if let Some(rest) = s.strip_prefix("oci-archive:") {
            return Ok(Destination::OciArchive(rest.into()));
        }
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            // FILE, then an optional NAME[:TAG] after the first colon.
            return Ok(match rest.split_once(':') {
                Some((file, tag)) => Destination::DockerArchive(file.into(), Some(tag.into())),
                None => Destination::DockerArchive(rest.into(), None),
            });
        }
        match s.split_once(':') {
            Some((kind, _)) if !kind.contains('/') && !kind.is_empty() => Err(format!(
                "{s}: slim writes oci:DIR, oci-archive:FILE and docker-archive:FILE[:NAME:TAG]; not yet {kind}:"
            )),
            _ => Ok(Destination::OciLayout(s.into())),
        }
    }

    fn path(&self) -> &Path {
        match self {
            Destination::OciLayout(p) | Destination::OciArchive(p) => p,
            Destination::DockerArchive(p, _) => p,
        }
    }
}

/// Slims the image at `reference` (an archive or an OCI layout) into `dest`,
/// which must not exist. The result is written beside it, read back and
/// proven, and only then renamed to `dest`: on any error nothing is there.
pub fn write(reference: &str, dest: &Destination, opts: &SlimOptions<'_>) -> Result<SlimReport> {
    let path = dest.path();
    if matches!(dest, Destination::DockerArchive(..)) && opts.compression.0 == Compression::Zstd {
        return Err(ImageError::format(
            path.display().to_string(),
            "docker load reads gzip or uncompressed layers: write zstd to oci: or oci-archive:",
        ));
    }
    for p in std::iter::once(path).chain(opts.audit.as_deref()) {
        if p.exists() {
            return Err(ImageError::format(
                p.display().to_string(),
                "already exists: slim writes a new file there",
            ));
        }
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".ballast-slim-")
        .tempdir_in(parent)
        .map_err(io_err(parent))?;
    let layout = staging.path().join("layout");
    let (report, expected, audit) = slim_source(reference, &layout, opts)?;
    if let Some(hook) = opts.before_proof {
        hook(&layout);
    }
    let (written, out_ref) = match dest {
        Destination::OciLayout(_) => (layout.clone(), format!("oci:{}", layout.display())),
        Destination::OciArchive(_) => {
            let file = staging.path().join("image.tar");
            tar_layout(&layout, &file, None)?;
            (file.clone(), format!("oci-archive:{}", file.display()))
        }
        Destination::DockerArchive(_, tag) => {
            let file = staging.path().join("image.tar");
            tar_layout(
                &layout,
                &file,
                Some(docker_manifest(&report, tag.as_deref())),
            )?;
            (file.clone(), format!("docker-archive:{}", file.display()))
        }
    };
    prove(&expected, &out_ref, &opts.load)?;
    if let Some(file) = &opts.audit {
        write_audit(file, &audit)?;
    }
    if let Err(e) = std::fs::rename(&written, path) {
        if let Some(file) = &opts.audit {
            let _ = std::fs::remove_file(file);
        }
        return Err(io_err(path)(e));
    }
    Ok(SlimReport {
        source: reference.to_string(),
        destination: path.display().to_string(),
        audit: opts.audit.as_ref().map(|p| p.display().to_string()),
        ..report
    })
}

/// [`write`] to a new OCI layout directory.
pub fn write_oci(reference: &str, dest: &Path, opts: &SlimOptions<'_>) -> Result<SlimReport> {
    write(reference, &Destination::OciLayout(dest.to_path_buf()), opts)
}

/// The report, the final filesystem the output must have, and the audit.
type Slimmed = (SlimReport, FinalFs, Vec<AuditLine>);

fn slim_source(reference: &str, out: &Path, opts: &SlimOptions<'_>) -> Result<Slimmed> {
    match Reference::parse(reference)? {
        Reference::DockerArchive { path, image } => {
            let archive = crate::archive::ArchiveFile::open(&path, reference, &opts.load)?;
            slim_members(&archive, image.as_deref(), out, opts)
        }
        Reference::OciArchive { path, tag } => {
            let archive = crate::archive::ArchiveFile::open(&path, reference, &opts.load)?;
            slim_members(&archive, tag.as_deref(), out, opts)
        }
        Reference::OciLayout { path, tag } => {
            let dir = LayoutDir::open(&path, reference)?;
            slim_members(&dir, tag.as_deref(), out, opts)
        }
        _ => Err(ImageError::format(
            reference,
            "slim reads docker-archive and OCI archives and layouts; save the image to one first (docker save, skopeo copy)",
        )),
    }
}

/// Docker's `manifest.json` for the layout's image: `docker load` reads it
/// (and the blobs it names) and ignores the OCI files beside it.
fn docker_manifest(report: &SlimReport, tag: Option<&str>) -> Vec<u8> {
    let blob = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
    let manifest = json!([{
        "Config": blob(&report.config_digest),
        "RepoTags": tag.map(|t| vec![t]),
        "Layers": report.layers.iter().map(|l| blob(&l.digest)).collect::<Vec<_>>(),
    }]);
    serde_json::to_vec(&manifest).expect("JSON")
}

/// The layout as one tar file, with Docker's manifest when given.
fn tar_layout(layout: &Path, file: &Path, docker_manifest: Option<Vec<u8>>) -> Result<()> {
    let out = BufWriter::new(File::create(file).map_err(io_err(file))?);
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    tar.append_dir_all(".", layout).map_err(io_err(layout))?;
    if let Some(bytes) = docker_manifest {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "manifest.json", bytes.as_slice())
            .map_err(io_err(file))?;
    }
    let mut out = tar.into_inner().map_err(io_err(file))?;
    out.flush().map_err(io_err(file))
}

/// The file whose content `slim` reads: the users' homes are protected.
const PASSWD: &[u8] = b"etc/passwd";

/// Slims and writes; returns the report, the final filesystem the output
/// must have and the audit.
fn slim_members(
    m: &dyn Members,
    selector: Option<&str>,
    out: &Path,
    opts: &SlimOptions<'_>,
) -> Result<Slimmed> {
    let capture =
        |p: &[u8], size: u64| p == PASSWD && size < 1 << 20 || (opts.load.capture)(p, size);
    let load = &LoadOptions {
        verify: opts.load.verify,
        platform: opts.load.platform.clone(),
        limits: opts.load.limits,
        progress: opts.load.progress,
        capture: &capture,
        remote: opts.load.remote.clone(),
    };
    let source_plan = crate::source::plan(m, selector, load)?;
    let members: Vec<(String, Option<String>)> = source_plan
        .layers
        .iter()
        .map(|l| (l.path.clone(), l.media_type.clone()))
        .collect();
    let config_bytes = m.read_small(
        &source_plan.config_path,
        Document::Config.limit(&load.limits),
        Document::Config,
    )?;
    let image = crate::source::execute(m, source_plan, load)?;
    let entries: Vec<&[Entry]> = image
        .layers
        .iter()
        .map(|l| l.scan.entries.as_slice())
        .collect();
    let mut tree = source_tree(&image);
    let config: Value = serde_json::from_slice(&config_bytes)
        .map_err(|e| ImageError::format(m.reference(), e.to_string()))?;
    let rules = Compiled::new(&opts.drop, &config, passwd(&image).as_deref(), &tree)
        .map_err(|e| ImageError::format(m.reference(), e))?;
    let plans = plan_with(&entries, &|p, dir| rules.choose(p, dir))
        .map_err(|r| ImageError::format(m.reference(), r.to_string()))?;
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(io_err(&blobs))?;
    let written: Vec<Written> = (0..plans.len())
        .into_par_iter()
        .map(|i| {
            let source = &image.layers[i];
            let member = &members[i].0;
            if plans[i].unchanged() {
                copy_blob(m, member, source.scan.blob_digest.as_ref(), &blobs)
            } else {
                rewrite_blob(m, member, &source.scan.entries, &plans[i], opts, &blobs)
            }
        })
        .collect::<Result<_>>()?;
    let config_digest = write_metadata(out, &config_bytes, &image, &members, &written)?;
    let layers = summarise(&image, &plans, &written);
    let audit: Vec<AuditLine> = (0..plans.len())
        .flat_map(|i| layer_audit(i, &image.layers[i].scan.entries, &plans[i], &opts.drop))
        .collect();
    let final_before = tree.final_bytes();
    remove_from_tree(&mut tree, &audit);
    let expected = FinalFs::of(tree);
    let mut report = report(layers, final_before, &expected, config_digest);
    report.classes = class_totals(&audit);
    Ok((report, expected, audit))
}

/// The source's final filesystem.
fn source_tree(image: &LoadedImage) -> FileTree {
    let mut tree = FileTree::new();
    for l in &image.layers {
        tree.apply(l.scan.entries.clone());
    }
    tree
}

/// The content of `/etc/passwd` as the final filesystem has it.
fn passwd(image: &LoadedImage) -> Option<String> {
    let last = image
        .layers
        .iter()
        .flat_map(|l| &l.scan.entries)
        .rfind(|e| e.path.as_ref() == PASSWD)?;
    last.captured
        .as_deref()
        .map(|c| String::from_utf8_lossy(c).into_owned())
}

/// The final filesystem without what the rules removed: a whiteout for
/// each removed path (unreachable entries are not in it already).
fn remove_from_tree(tree: &mut FileTree, audit: &[AuditLine]) {
    let whiteouts: Vec<Entry> = audit
        .iter()
        .filter(|a| a.class != "unreachable")
        .map(|a| Entry {
            path: a.path.as_bytes().into(),
            kind: crate::layer::EntryKind::Whiteout,
            captured: None,
        })
        .collect();
    if !whiteouts.is_empty() {
        tree.apply(whiteouts);
    }
}

/// A blob written to the output.
struct Written {
    digest: Digest,
    size: u64,
    diff_id: Option<Digest>,
    compression: Compression,
}

fn copy_blob(
    m: &dyn Members,
    member: &str,
    digest: Option<&Digest>,
    blobs: &Path,
) -> Result<Written> {
    let digest = digest.cloned().ok_or_else(|| {
        ImageError::format(
            m.reference(),
            format!("layer {member}: its digest is unknown"),
        )
    })?;
    let path = blobs.join(digest.hex());
    let mut src = m.open(member)?;
    let mut magic = [0u8; 4];
    let mut file = BufWriter::new(File::create(&path).map_err(io_err(&path))?);
    let n = read_up_to(&mut src, &mut magic).map_err(io_err(&path))?;
    file.write_all(&magic[..n]).map_err(io_err(&path))?;
    let size = n as u64 + io::copy(&mut src, &mut file).map_err(io_err(&path))?;
    file.flush().map_err(io_err(&path))?;
    Ok(Written {
        digest,
        size,
        diff_id: None,
        compression: sniff(&magic[..n]),
    })
}

fn rewrite_blob(
    m: &dyn Members,
    member: &str,
    entries: &[Entry],
    plan: &LayerPlan,
    opts: &SlimOptions<'_>,
    blobs: &Path,
) -> Result<Written> {
    let (load, compression) = (&opts.load, opts.compression);
    let mut src = io::BufReader::with_capacity(1 << 20, m.open(member)?);
    let magic = {
        use std::io::BufRead;
        src.fill_buf()
            .map_err(|e| ImageError::layer(member, e.to_string()))?
            .to_vec()
    };
    let tar: Box<dyn Read + Send> = match sniff(&magic) {
        Compression::None => Box::new(src),
        Compression::Gzip => Box::new(MultiGzDecoder::new(src)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(src)
                .map_err(|e| ImageError::layer(member, e.to_string()))?,
        ),
    };
    let tmp = tempfile::NamedTempFile::new_in(blobs).map_err(io_err(blobs))?;
    let blob = HashingWriter::new(BufWriter::new(tmp.reopen().map_err(io_err(tmp.path()))?));
    let encoder = Encoder::new(blob, compression).map_err(io_err(tmp.path()))?;
    let tar_out = HashingWriter::new(encoder);
    let tar_out = rewrite(member, tar, entries, plan, &load.limits, tar_out)?;
    let diff_id = Digest::from_hasher(tar_out.hash);
    let mut blob = tar_out
        .inner
        .finish()
        .map_err(|e| ImageError::layer(member, e.to_string()))?;
    blob.flush().map_err(io_err(tmp.path()))?;
    let digest = Digest::from_hasher(blob.hash);
    let path = blobs.join(digest.hex());
    tmp.persist(&path).map_err(|e| io_err(&path)(e.error))?;
    Ok(Written {
        digest,
        size: blob.count,
        diff_id: Some(diff_id),
        compression: compression.0,
    })
}

/// How rewritten layers are compressed: the kind and its level.
pub type LayerCompression = (Compression, Option<i32>);

/// A layer blob's compressor.
enum Encoder<W: Write> {
    None(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    fn new(inner: W, (kind, level): LayerCompression) -> io::Result<Self> {
        Ok(match kind {
            Compression::None => Encoder::None(inner),
            Compression::Gzip => {
                let level = level.map_or(flate2::Compression::default(), |l| {
                    flate2::Compression::new(l.clamp(0, 9) as u32)
                });
                Encoder::Gzip(flate2::write::GzEncoder::new(inner, level))
            }
            Compression::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(inner, level.unwrap_or(3))?;
                // zstd compresses one layer on every core; gzip, one core a layer.
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
                z.multithread(threads)?;
                Encoder::Zstd(z)
            }
        })
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(g) => g.finish(),
            Encoder::Zstd(z) => z.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(g) => g.write(buf),
            Encoder::Zstd(z) => z.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(g) => g.flush(),
            Encoder::Zstd(z) => z.flush(),
        }
    }
}

/// The layer media type: the source's for a blob kept as it was, else OCI's for its compression.
fn media_type(declared: Option<&str>, w: &Written) -> String {
    match (declared, w.diff_id.is_none()) {
        (Some(d), true) if d.contains("oci") => d.to_string(),
        _ => match w.compression {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
        .to_string(),
    }
}

fn write_blob(out: &Path, bytes: &[u8]) -> Result<Digest> {
    let digest = Digest::of(bytes);
    let path = out.join("blobs/sha256").join(digest.hex());
    std::fs::write(&path, bytes).map_err(io_err(&path))?;
    Ok(digest)
}

/// The configuration (diff_ids of rewritten layers replaced), the
/// manifest, the index and the layout marker; returns the configuration's digest.
fn write_metadata(
    out: &Path,
    config_bytes: &[u8],
    image: &LoadedImage,
    members: &[(String, Option<String>)],
    written: &[Written],
) -> Result<Digest> {
    let bad = |e: serde_json::Error| ImageError::format(&image.reference, e.to_string());
    let mut config: Value = serde_json::from_slice(config_bytes).map_err(bad)?;
    for (i, w) in written.iter().enumerate() {
        if let Some(d) = &w.diff_id {
            config["rootfs"]["diff_ids"][i] = json!(d.as_str());
        }
    }
    let config_bytes = serde_json::to_vec(&config).map_err(bad)?;
    let config_digest = write_blob(out, &config_bytes)?;
    let layers: Vec<Value> = written
        .iter()
        .zip(members)
        .map(|(w, (_, declared))| {
            json!({"mediaType": media_type(declared.as_deref(), w), "digest": w.digest.as_str(), "size": w.size})
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.as_str(), "size": config_bytes.len()},
        "layers": layers,
    });
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(bad)?;
    let manifest_digest = write_blob(out, &manifest_bytes)?;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest.as_str(), "size": manifest_bytes.len()}],
    });
    let files = [
        ("index.json", serde_json::to_vec(&index).map_err(bad)?),
        ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
    ];
    for (name, bytes) in files {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(io_err(&path))?;
    }
    Ok(config_digest)
}

/// What became of each layer.
fn summarise(
    image: &LoadedImage,
    plans: &[LayerPlan],
    written: &[Written],
) -> Vec<(SlimmedLayer, u64)> {
    image
        .layers
        .iter()
        .zip(plans)
        .zip(written)
        .map(|((l, p), w)| {
            let layer = SlimmedLayer {
                unchanged: p.unchanged(),
                dropped_bytes: p.dropped_bytes,
                dropped_entries: p.dropped_entries,
                compressed_before: l.scan.compressed_bytes,
                compressed_after: w.size,
                digest: w.digest.to_string(),
                diff_id: w
                    .diff_id
                    .as_ref()
                    .or(l.scan.diff_id.as_ref())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            };
            (layer, stored(&l.scan.entries))
        })
        .collect()
}

/// The report from the layers (with the bytes each stored before); the
/// source and destination are filled in by [`write`].
fn report(
    layers: Vec<(SlimmedLayer, u64)>,
    final_before: u64,
    after: &FinalFs,
    config_digest: Digest,
) -> SlimReport {
    let stored_before: u64 = layers.iter().map(|(_, s)| s).sum();
    let dropped: u64 = layers.iter().map(|(l, _)| l.dropped_bytes).sum();
    let layers: Vec<SlimmedLayer> = layers.into_iter().map(|(l, _)| l).collect();
    SlimReport {
        source: String::new(),
        destination: String::new(),
        stored_before,
        stored_after: stored_before - dropped,
        compressed_before: layers.iter().map(|l| l.compressed_before).sum(),
        compressed_after: layers.iter().map(|l| l.compressed_after).sum(),
        final_bytes: final_before,
        final_bytes_after: after.bytes(),
        classes: vec![],
        audit: None,
        config_digest: config_digest.to_string(),
        layers,
    }
}

fn stored(entries: &[Entry]) -> u64 {
    entries
        .iter()
        .map(|e| match e.kind {
            crate::layer::EntryKind::File(s) => s,
            _ => 0,
        })
        .sum()
}

/// The final filesystem of layers given by their entries, as `slim` must
/// keep it: every path, its kind, size, link target, the layer storing its
/// bytes, and the hard-link groups ([`FileTree::describe`]).
pub fn final_fs(layers: &[Vec<Entry>]) -> FinalFs {
    FinalFs::of_layers(layers.iter().cloned())
}

/// A final filesystem: its tree, with a digest of its description.
pub struct FinalFs {
    tree: FileTree,
    digest: Digest,
}

impl FinalFs {
    /// Applies the layers, lowest first, and describes the result.
    fn of_layers(layers: impl IntoIterator<Item = Vec<Entry>>) -> FinalFs {
        let mut tree = FileTree::new();
        for entries in layers {
            tree.apply(entries);
        }
        FinalFs::of(tree)
    }

    fn of(tree: FileTree) -> FinalFs {
        let mut hash = Sha256::new();
        tree.describe(|path, what| {
            hash.update(path.as_bytes());
            hash.update(b"\t");
            hash.update(what.as_bytes());
            hash.update(b"\n");
        });
        FinalFs {
            tree,
            digest: Digest::from_hasher(hash),
        }
    }

    /// The bytes of its regular files (hard links once).
    pub fn bytes(&self) -> u64 {
        self.tree.final_bytes()
    }

    /// The first path where two final filesystems differ, with what each has there.
    pub fn first_difference(&self, other: &FinalFs) -> Option<String> {
        if self.digest == other.digest {
            return None;
        }
        let listing = |t: &FileTree| {
            let mut v = Vec::new();
            t.describe(|p, w| v.push((p.to_string(), w.to_string())));
            v
        };
        let (a, b) = (listing(&self.tree), listing(&other.tree));
        let missing = (String::new(), "nothing".to_string());
        let at = (0..a.len().max(b.len()))
            .find(|&i| a.get(i) != b.get(i))
            .unwrap_or(0);
        let (x, y) = (a.get(at).unwrap_or(&missing), b.get(at).unwrap_or(&missing));
        Some(format!("{} ({}) against {} ({})", x.0, x.1, y.0, y.1))
    }
}

impl PartialEq for FinalFs {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}

impl std::fmt::Debug for FinalFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut t = String::new();
        self.tree
            .describe(|p, w| t.push_str(&format!("{p}\t{w}\n")));
        write!(f, "FinalFs {}\n{t}", self.digest)
    }
}

/// Reads the output back (every digest and diff_id verified) and compares
/// its final filesystem with the source's; any difference is an error.
fn prove(source: &FinalFs, output: &str, load: &LoadOptions<'_>) -> Result<()> {
    let after = crate::load(output, load)?;
    let after = FinalFs::of_layers(after.layers.into_iter().map(|l| l.scan.entries));
    match source.first_difference(&after) {
        None => Ok(()),
        Some(at) => Err(ImageError::format(
            output,
            format!("the slimmed image differs from the source: {at}; nothing written"),
        )),
    }
}
