//! The slimmed image written as an OCI image layout, then read back and
//! proven: every digest and diff_id verified by the same loader `inspect`
//! uses, and the final filesystem compared with the source's.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::audit::{
    AuditLine, ClassTotal, RemovedFrom, class_totals, layer_audit, removed_from, write_audit,
};
use super::blobs::{LayerCompression, Written, copy_blob, rewrite_blob, squash_blob};
use super::layout::{ImageFormat, docker_manifest, tar_layout, write_metadata};
use super::plan::{LayerPlan, plan_with};
use super::proof::{FinalFs, Known, prove};
use super::rules::{Compiled, DropRules};
use crate::digest::Digest;
use crate::error::{ImageError, Result};
use crate::layer::{Capture, Compression, Entry};
use crate::limits::Document;
use crate::source::{LayoutDir, LoadOptions, LoadedImage, Members, Reference};
use crate::tree::FileTree;

/// How to slim.
pub struct SlimOptions<'a> {
    /// How the source is read (limits, platform).
    pub load: LoadOptions<'a>,
    /// How rewritten layers are compressed (default gzip at its default level).
    pub compression: LayerCompression,
    /// The manifest's media types; `None`: the source's.
    pub image_format: Option<ImageFormat>,
    /// What to remove beyond the unreachable bytes.
    pub drop: DropRules,
    /// Merge the layers from this one (0 at the bottom) upward into one.
    pub squash_from: Option<usize>,
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
            image_format: None,
            drop: DropRules::default(),
            squash_from: None,
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
    /// Merged with the layers above it into one (`--squash-from`): the
    /// digests are the merged layer's, its blob size counted on the last.
    pub squashed: bool,
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
    /// The ten directories most bytes were removed from (the difference
    /// between the two images: the final filesystems differ by the removed
    /// paths only), per class.
    pub removed_from: Vec<RemovedFrom>,
    /// The audit log written, if asked for.
    pub audit: Option<String>,
    /// The new configuration's digest (rewritten layers change its diff_ids).
    pub config_digest: String,
    /// The manifest's media types.
    pub image_format: ImageFormat,
    /// The first layer merged into the last, with `--squash-from`.
    pub squashed_from: Option<usize>,
    /// The output's layer digests and diff_ids, bottom first (fewer than
    /// `layers` when squashed).
    pub layer_digests: Vec<String>,
    pub diff_ids: Vec<String>,
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
    /// Loaded into the Docker daemon under this name.
    Daemon(String),
    /// Pushed to a registry (`host/repository:tag`).
    Registry(String),
}

impl Destination {
    /// `oci:DIR` (or a bare `DIR`), `oci-archive:FILE`,
    /// `docker-archive:FILE[:NAME:TAG]`, `daemon://NAME[:TAG]`,
    /// `docker://HOST/REPOSITORY[:TAG]`.
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
        if let Some(name) = s.strip_prefix("daemon://") {
            return Ok(Destination::Daemon(with_tag(name)));
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return Ok(Destination::Registry(with_tag(rest)));
        }
        match s.split_once(':') {
            Some((kind, _)) if !kind.contains('/') && !kind.is_empty() => Err(format!(
                "{s}: slim writes oci:DIR, oci-archive:FILE, docker-archive:FILE[:NAME:TAG], daemon://NAME[:TAG] and docker://HOST/REPOSITORY[:TAG], not {kind}:"
            )),
            _ => Ok(Destination::OciLayout(s.into())),
        }
    }

    /// The file or directory written, for the local destinations.
    fn path(&self) -> Option<&Path> {
        match self {
            Destination::OciLayout(p) | Destination::OciArchive(p) => Some(p),
            Destination::DockerArchive(p, _) => Some(p),
            Destination::Daemon(_) | Destination::Registry(_) => None,
        }
    }

    fn display(&self) -> String {
        match self {
            Destination::Daemon(n) => format!("daemon://{n}"),
            Destination::Registry(r) => format!("docker://{r}"),
            _ => self
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        }
    }
}

/// A name with `:latest` when it has no tag (a colon after the last `/`).
fn with_tag(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || last.contains('@') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// Slims the image at `reference` (anything `inspect` reads but standard
/// input) into `dest`. A file or directory must not exist. The result is
/// written to a directory beside it (for the daemon and registries, a
/// temporary one), read back and proven, and only then renamed to `dest`,
/// loaded or pushed: on any error nothing is there.
pub fn write(reference: &str, dest: &Destination, opts: &SlimOptions<'_>) -> Result<SlimReport> {
    let needs_gzip = matches!(
        dest,
        Destination::DockerArchive(..) | Destination::Daemon(_)
    );
    if needs_gzip && opts.compression.0 == Compression::Zstd {
        return Err(ImageError::format(
            dest.display(),
            "docker load reads gzip or uncompressed layers: write zstd to oci: or oci-archive:",
        ));
    }
    if let Destination::Registry(r) = dest {
        crate::source::RegistryRef::resolve(r)?;
    }
    for p in dest.path().into_iter().chain(opts.audit.as_deref()) {
        if p.exists() {
            return Err(ImageError::format(
                p.display().to_string(),
                "already exists: slim writes a new file there",
            ));
        }
    }
    let staging = match dest.path() {
        Some(path) => {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            tempfile::Builder::new()
                .prefix(".ballast-slim-")
                .tempdir_in(parent)
                .map_err(ImageError::io(parent))?
        }
        None => tempfile::Builder::new()
            .prefix("ballast-slim-")
            .tempdir()
            .map_err(ImageError::io(&std::env::temp_dir()))?,
    };
    let layout = staging.path().join("layout");
    let Slimmed {
        report,
        expected,
        audit,
        known,
    } = slim_source(reference, &layout, opts)?;
    if let Some(hook) = opts.before_proof {
        hook(&layout);
    }
    let (written, out_ref) = package(dest, &layout, staging.path(), &report)?;
    prove(&expected, &out_ref, &opts.load, &known)?;
    drop(known);
    if let Some(file) = &opts.audit {
        write_audit(file, &audit)?;
    }
    if let Err(e) = deliver(dest, &written, &report, opts) {
        if let Some(file) = &opts.audit {
            let _ = std::fs::remove_file(file);
        }
        return Err(e);
    }
    Ok(SlimReport {
        source: reference.to_string(),
        destination: dest.display(),
        audit: opts.audit.as_ref().map(|p| p.display().to_string()),
        ..report
    })
}

/// The written layout as the destination takes it: itself, or a tar of it
/// (with Docker's `manifest.json` for `docker load`); its path and the
/// reference the proof reads it by.
fn package(
    dest: &Destination,
    layout: &Path,
    staging: &Path,
    report: &SlimReport,
) -> Result<(PathBuf, String)> {
    let file = staging.join("image.tar");
    let docker_tag = match dest {
        Destination::OciLayout(_) | Destination::Registry(_) => {
            return Ok((layout.to_path_buf(), format!("oci:{}", layout.display())));
        }
        Destination::OciArchive(_) => {
            tar_layout(layout, &file, None)?;
            return Ok((file.clone(), format!("oci-archive:{}", file.display())));
        }
        Destination::DockerArchive(_, tag) => tag.as_deref(),
        Destination::Daemon(name) => Some(name.as_str()),
    };
    tar_layout(layout, &file, Some(docker_manifest(report, docker_tag)))?;
    Ok((file.clone(), format!("docker-archive:{}", file.display())))
}

/// Puts the proven image where it goes: renamed into place, loaded into
/// the daemon (which must then hold its layers), or pushed.
fn deliver(
    dest: &Destination,
    written: &Path,
    report: &SlimReport,
    opts: &SlimOptions<'_>,
) -> Result<()> {
    // Without these features, only file destinations are written.
    #[cfg(not(all(feature = "daemon", feature = "registry")))]
    let _ = (report, opts);
    match dest {
        Destination::OciLayout(p)
        | Destination::OciArchive(p)
        | Destination::DockerArchive(p, _) => {
            std::fs::rename(written, p).map_err(ImageError::io(p))
        }
        #[cfg(feature = "daemon")]
        Destination::Daemon(name) => crate::daemon::load_archive(written, name, &report.diff_ids),
        #[cfg(feature = "registry")]
        Destination::Registry(r) => {
            let target = crate::source::RegistryRef::resolve(r)?;
            crate::registry::push_layout(written, &target, &opts.load.remote).map(|_| ())
        }
        #[allow(unreachable_patterns)]
        _ => Err(ImageError::format(
            dest.display(),
            "this build of ballast has no daemon or registry support",
        )),
    }
}

/// [`write`] to a new OCI layout directory.
pub fn write_oci(reference: &str, dest: &Path, opts: &SlimOptions<'_>) -> Result<SlimReport> {
    write(reference, &Destination::OciLayout(dest.to_path_buf()), opts)
}

/// The report, the final filesystem the output must have, and the audit.
struct Slimmed {
    report: SlimReport,
    expected: FinalFs,
    audit: Vec<AuditLine>,
    /// The scans of the layers copied as they were, for the proof.
    known: Known,
}

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
        #[cfg(feature = "registry")]
        Reference::Registry(target) => slim_registry(&target, out, opts),
        #[cfg(feature = "daemon")]
        Reference::Daemon(name) => slim_daemon(&name, out, opts),
        _ => Err(ImageError::format(
            reference,
            "slim reads archives, OCI layouts, registries and the daemon, not standard input: save the image to a file first",
        )),
    }
}

/// The file whose content `slim` reads: the users' homes are protected.
const PASSWD: &[u8] = b"etc/passwd";

/// What the caller captures, and `/etc/passwd` (the users' homes are protected).
fn with_passwd<'a>(opts: &'a SlimOptions<'_>) -> impl Fn(&[u8], u64) -> Capture + Sync + 'a {
    |p: &[u8], size: u64| {
        if p == PASSWD && size < 1 << 20 {
            Capture::Whole
        } else {
            (opts.load.capture)(p, size)
        }
    }
}

/// How `slim` reads its source: as asked, with `/etc/passwd` captured.
fn slim_load<'a>(
    opts: &'a SlimOptions<'_>,
    capture: &'a (dyn Fn(&[u8], u64) -> Capture + Sync),
) -> LoadOptions<'a> {
    LoadOptions {
        verify: opts.load.verify,
        platform: opts.load.platform.clone(),
        limits: opts.load.limits,
        progress: opts.load.progress,
        capture,
        remote: opts.load.remote.clone(),
    }
}

/// Slims an archive or layout and writes; returns the report, the final
/// filesystem the output must have and the audit.
fn slim_members(
    m: &dyn Members,
    selector: Option<&str>,
    out: &Path,
    opts: &SlimOptions<'_>,
) -> Result<Slimmed> {
    let capture = with_passwd(opts);
    let load = &slim_load(opts, &capture);
    let source_plan = crate::source::plan(m, selector, load)?;
    slim_planned(m, source_plan, load, out, opts)
}

/// Slims an image in a registry: its layers land in a blob cache beside the
/// output as they are scanned, and are copied or rewritten from there.
#[cfg(feature = "registry")]
fn slim_registry(
    target: &crate::source::RegistryRef,
    out: &Path,
    opts: &SlimOptions<'_>,
) -> Result<Slimmed> {
    let capture = with_passwd(opts);
    let mut load = slim_load(opts, &capture);
    let staging = out.parent().unwrap_or(out);
    load.remote.cache_dir = Some(
        load.remote
            .cache_dir
            .clone()
            .unwrap_or_else(|| staging.join("source")),
    );
    crate::registry::with_members(target, &load, |m, plan| {
        slim_planned(m, plan, &load, out, opts)
    })
}

/// Slims an image in the Docker daemon: saved to an archive beside the
/// output first (the daemon streams it once), then slimmed from there.
#[cfg(feature = "daemon")]
fn slim_daemon(name: &str, out: &Path, opts: &SlimOptions<'_>) -> Result<Slimmed> {
    let archive = out.parent().unwrap_or(out).join("source.tar");
    crate::daemon::save(name, &archive)?;
    let reference = format!("docker-archive:{}", archive.display());
    let file = crate::archive::ArchiveFile::open(&archive, &reference, &opts.load)?;
    slim_members(&file, None, out, opts)
}

/// Slims a planned image and writes it to `out`.
fn slim_planned(
    m: &dyn Members,
    source_plan: crate::source::Plan,
    load: &LoadOptions<'_>,
    out: &Path,
    opts: &SlimOptions<'_>,
) -> Result<Slimmed> {
    let members: Vec<(String, Option<String>)> = source_plan
        .layers
        .iter()
        .map(|l| (l.path.clone(), l.media_type.clone()))
        .collect();
    let declared: Vec<Option<String>> = members.iter().map(|(_, t)| t.clone()).collect();
    let format = output_format(&declared, opts, m.reference())?;
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
    let squash = squash_from(opts.squash_from, plans.len(), m.reference())?;
    let layers: Vec<SourceLayer<'_>> = (0..plans.len())
        .map(|i| SourceLayer {
            member: &members[i].0,
            scan: &image.layers[i].scan,
            plan: &plans[i],
        })
        .collect();
    let written = write_blobs(m, &layers, squash, opts, out)?;
    let config_digest = write_metadata(
        out,
        format,
        &config_bytes,
        &image,
        &declared,
        &written,
        squash,
    )?;
    let layers = summarise(&image, &plans, &written, squash);
    let audit: Vec<AuditLine> = (0..plans.len())
        .flat_map(|i| {
            layer_audit(
                i,
                image.layers[i].scan.entries.as_slice(),
                &plans[i],
                &opts.drop,
            )
        })
        .collect();
    let final_before = tree.final_bytes();
    remove_from_tree(&mut tree, &audit);
    // A squashed image stores in one layer what the source stored in several.
    let expected = FinalFs::of_capped(tree, squash);
    let mut report = report(layers, final_before, &expected, config_digest);
    report.classes = class_totals(&audit);
    report.removed_from = removed_from(&audit, 10);
    report.image_format = format;
    report.squashed_from = squash;
    (report.layer_digests, report.diff_ids) = output_ids(&written, &image);
    let known = known_scans(image, &written);
    Ok(Slimmed {
        report,
        expected,
        audit,
        known,
    })
}

/// The media types to write: asked for, else the source's; Docker's have no zstd.
fn output_format(
    declared: &[Option<String>],
    opts: &SlimOptions<'_>,
    reference: &str,
) -> Result<ImageFormat> {
    let format = opts
        .image_format
        .unwrap_or_else(|| ImageFormat::of_source(declared));
    if format == ImageFormat::Docker && opts.compression.0 == Compression::Zstd {
        return Err(ImageError::format(
            reference,
            "Docker's media types have no zstd: add --image-format oci, or keep gzip",
        ));
    }
    Ok(format)
}

/// A layer of the source, with what slimming does to it.
struct SourceLayer<'a> {
    member: &'a str,
    scan: &'a crate::layer::LayerScan,
    plan: &'a LayerPlan,
}

/// The output's layer blobs, bottom first: each layer copied or rewritten,
/// in parallel; with `squash`, the layers from it upward as one blob.
fn write_blobs(
    m: &dyn Members,
    layers: &[SourceLayer<'_>],
    squash: Option<usize>,
    opts: &SlimOptions<'_>,
    out: &Path,
) -> Result<Vec<Written>> {
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(ImageError::io(&blobs))?;
    let one = |l: &SourceLayer<'_>| {
        if l.plan.unchanged() {
            copy_blob(m, l.member, l.scan.blob_digest.as_ref(), &blobs)
        } else {
            rewrite_blob(m, l.member, l.scan.entries.as_slice(), l.plan, opts, &blobs)
        }
    };
    let squashed = |n: usize| {
        let group = &layers[n..];
        let entries: Vec<&[Entry]> = group.iter().map(|l| l.scan.entries.as_slice()).collect();
        let plans: Vec<&LayerPlan> = group.iter().map(|l| l.plan).collect();
        let merged = once_per_path(&entries, &plans);
        let parts: Vec<(&str, &[Entry], &LayerPlan)> = group
            .iter()
            .zip(&merged)
            .map(|(l, p)| (l.member, l.scan.entries.as_slice(), p))
            .collect();
        squash_blob(m, &parts, opts, &blobs)
    };
    let singles = &layers[..squash.unwrap_or(layers.len())];
    let (written, merged) = rayon::join(
        || singles.par_iter().map(one).collect::<Result<Vec<_>>>(),
        || squash.map(squashed).transpose(),
    );
    let mut written = written?;
    written.extend(merged?);
    Ok(written)
}

/// The output's layer digests and diff_ids.
fn output_ids(written: &[Written], image: &LoadedImage) -> (Vec<String>, Vec<String>) {
    let digests = written.iter().map(|w| w.digest.to_string()).collect();
    let diff_ids = written
        .iter()
        .zip(&image.layers)
        .map(|(w, l)| {
            let id = w.diff_id.as_ref().or(l.scan.diff_id.as_ref());
            id.map(|d| d.to_string()).unwrap_or_default()
        })
        .collect();
    (digests, diff_ids)
}

/// The source's scans of the layers copied as they were, for the proof.
fn known_scans(image: LoadedImage, written: &[Written]) -> Known {
    image
        .layers
        .into_iter()
        .zip(written)
        .filter(|(_, w)| w.diff_id.is_none())
        .map(|(l, w)| (format!("blobs/sha256/{}", w.digest.hex()), l.scan))
        .collect()
}

/// The plans of layers merged into one, each path written once: a
/// directory several of them hold keeps only its topmost entry (the one
/// whose metadata the merged view shows; an extractor makes it for what is
/// below it until then). Docker refuses a layer with a path twice.
fn once_per_path(entries: &[&[Entry]], plans: &[&LayerPlan]) -> Vec<LayerPlan> {
    let mut above: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    let mut out: Vec<LayerPlan> = Vec::with_capacity(plans.len());
    for (layer, source) in entries.iter().zip(plans).rev() {
        let mut plan = (*source).clone();
        let kept: Vec<usize> = (0..layer.len()).filter(|&i| plan.keep[i]).collect();
        let mut here = vec![];
        for i in kept {
            let path = layer[i].path.as_ref();
            if above.contains(path) {
                plan.keep[i] = false;
            } else {
                here.push(path);
            }
        }
        plan.add_dirs.retain(|(_, d)| !above.contains(d.as_ref()));
        here.extend(
            source
                .add_dirs
                .iter()
                .map(|(_, d)| d.as_ref())
                .filter(|d| !above.contains(d)),
        );
        above.extend(here);
        out.push(plan);
    }
    out.reverse();
    out
}

/// The first layer `--squash-from` merges, when it merges two or more.
fn squash_from(asked: Option<usize>, layers: usize, reference: &str) -> Result<Option<usize>> {
    match asked {
        Some(n) if n >= layers => Err(ImageError::format(
            reference,
            format!(
                "--squash-from {n}: the image has {layers} layers, numbered 0 to {}",
                layers.saturating_sub(1)
            ),
        )),
        Some(n) if n + 1 < layers => Ok(Some(n)),
        _ => Ok(None),
    }
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
        .as_ref()
        .map(|c| String::from_utf8_lossy(&c.bytes()).into_owned())
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

/// What became of each layer (of the source).
fn summarise(
    image: &LoadedImage,
    plans: &[LayerPlan],
    written: &[Written],
    squash: Option<usize>,
) -> Vec<(SlimmedLayer, u64)> {
    let last = image.layers.len().saturating_sub(1);
    image
        .layers
        .iter()
        .zip(plans)
        .enumerate()
        .map(|(i, (l, p))| {
            let squashed = squash.is_some_and(|n| i >= n);
            let w = &written[squash.map_or(i, |n| i.min(n))];
            let layer = SlimmedLayer {
                unchanged: p.unchanged() && !squashed,
                squashed,
                dropped_bytes: p.dropped_bytes,
                dropped_entries: p.dropped_entries,
                compressed_before: l.scan.compressed_bytes,
                compressed_after: if squashed && i < last { 0 } else { w.size },
                digest: w.digest.to_string(),
                diff_id: w
                    .diff_id
                    .as_ref()
                    .or(l.scan.diff_id.as_ref())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            };
            (layer, stored(l.scan.entries.as_slice()))
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
        removed_from: vec![],
        audit: None,
        image_format: ImageFormat::Oci,
        squashed_from: None,
        layer_digests: vec![],
        diff_ids: vec![],
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
