//! Image archives: `docker save` output (legacy and Docker 25+) and OCI
//! layouts in a tar. A file is indexed by seeking over member headers, then
//! layers are read in parallel straight from their byte ranges. A stream
//! (standard input) is read once, front to back: each layer is analysed as it
//! passes, so no temporary copy of the archive is made.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{ImageError, Result};
use crate::layer::{LayerScan, ScanOptions, clean_path, scan_layer, scan_layer_seek};
use crate::limits::{Document, Limits};
use crate::source::{LoadOptions, LoadedImage, Members, execute, plan};
use crate::tarstep;

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

fn member_name(raw: &[u8]) -> Option<String> {
    let cleaned = clean_path(raw).ok()??;
    Some(String::from_utf8_lossy(&cleaned).into_owned())
}

/// Resolves a symlink member relative to its directory.
fn link_target(member: &str, target: &[u8], symbolic: bool) -> Option<String> {
    let target = String::from_utf8_lossy(target);
    if !symbolic {
        return member_name(target.as_bytes());
    }
    let dir = member.rsplit_once('/').map_or("", |(d, _)| d);
    member_name(format!("{dir}/{target}").as_bytes())
}

fn resolve<'a>(members: &'a HashMap<String, Member>, path: &str) -> Option<&'a Member> {
    let mut cur = path.to_string();
    for _ in 0..8 {
        match members.get(&cur)? {
            Member::Link(t) => cur = t.clone(),
            file => return Some(file),
        }
    }
    None
}

/// A byte range of a file, read with `pread` so workers can share the file.
pub(crate) struct RangeReader {
    file: Arc<File>,
    start: u64,
    len: u64,
    pos: u64,
}

impl RangeReader {
    pub(crate) fn new(file: Arc<File>, start: u64, len: u64) -> Self {
        RangeReader {
            file,
            start,
            len,
            pos: 0,
        }
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(left as usize);
        let n = self.file.read_at(&mut buf[..want], self.start + self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive ends inside a member",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if new < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of a member",
            ));
        }
        self.pos = new as u64;
        Ok(self.pos)
    }
}

/// An archive file on disk.
pub(crate) struct ArchiveFile {
    file: Arc<File>,
    reference: String,
    members: HashMap<String, Member>,
}

impl ArchiveFile {
    pub(crate) fn open(
        path: &Path,
        reference: &str,
        opts: &LoadOptions<'_>,
    ) -> Result<ArchiveFile> {
        let file = File::open(path).map_err(ImageError::io(path))?;
        let len = file.metadata().map_err(ImageError::io(path))?.len();
        if path.is_dir() {
            return Err(ImageError::format(
                reference,
                "is a directory but not an OCI image layout",
            ));
        }
        let bad = |e: io::Error| {
            ImageError::format(reference, format!("not a readable tar archive: {e}"))
        };
        let (metered, step) = tarstep::metered(
            BufReader::new(file.try_clone().map_err(bad)?),
            tarstep::step_bound(opts.limits.max_path_bytes),
        );
        let mut archive = tar::Archive::new(metered);
        let mut members = HashMap::new();
        let mut iter = archive.entries_with_seek().map_err(bad)?;
        // Data is skipped by seeking: each step reads headers only.
        while let Some(entry) = step.next(&mut iter) {
            let entry = entry.map_err(|e| tar_error(reference, e, &opts.limits))?;
            let Some(name) = member_name(&entry.path_bytes()) else {
                continue;
            };
            let header = entry.header();
            let member = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let offset = entry.raw_file_position();
                    let size = entry.size();
                    if offset.saturating_add(size) > len {
                        return Err(ImageError::format(
                            reference,
                            format!(
                                "member {name} is truncated: the archive ends before its {size} bytes"
                            ),
                        ));
                    }
                    Member::File { offset, size }
                }
                t @ (tar::EntryType::Symlink | tar::EntryType::Link) => {
                    let target = entry.link_name_bytes().unwrap_or_default();
                    match link_target(&name, &target, t == tar::EntryType::Symlink) {
                        Some(t) => Member::Link(t),
                        None => continue,
                    }
                }
                _ => continue,
            };
            members.insert(name, member);
            if members.len() as u64 > opts.limits.max_entries_per_layer {
                return Err(ImageError::Limit {
                    what: reference.to_string(),
                    message: "too many archive members".into(),
                    limit: opts.limits.max_entries_per_layer,
                    option: "--max-entries",
                });
            }
        }
        if members.is_empty() {
            return Err(ImageError::format(
                reference,
                "not an image archive: empty or not a tar file",
            ));
        }
        Ok(ArchiveFile {
            file: Arc::new(file),
            reference: reference.to_string(),
            members,
        })
    }

    fn range(&self, path: &str) -> Result<(u64, u64)> {
        match resolve(&self.members, path) {
            Some(Member::File { offset, size }) => Ok((*offset, *size)),
            _ => Err(ImageError::format(
                &self.reference,
                format!("member {path} is missing"),
            )),
        }
    }
}

impl Members for ArchiveFile {
    fn reference(&self) -> &str {
        &self.reference
    }

    fn exists(&self, path: &str) -> bool {
        matches!(resolve(&self.members, path), Some(Member::File { .. }))
    }

    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        let what = doc.label();
        let (offset, size) = self.range(path)?;
        if size > limit {
            return Err(ImageError::Limit {
                what: format!("{}: {what}", self.reference),
                message: format!("is {size} bytes"),
                limit,
                option: doc.option(),
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        RangeReader::new(self.file.clone(), offset, size)
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::Read {
                what: format!("{}: {path}", self.reference),
                error: e,
            })?;
        Ok(buf)
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>> {
        let (offset, size) = self.range(path)?;
        Ok(Box::new(RangeReader::new(self.file.clone(), offset, size)))
    }

    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan> {
        let (offset, size) = self.range(path)?;
        let reader = RangeReader::new(self.file.clone(), offset, size);
        if opts.verify {
            // scan_layer buffers what it reads: a buffer here would copy
            // every byte once more and hold another MiB per layer in flight.
            scan_layer(path, reader, opts)
        } else {
            scan_layer_seek(path, reader, size, opts)
        }
    }
}

/// Loads an image from an archive file.
pub(crate) fn load_file(
    path: &Path,
    reference: &str,
    selector: Option<&str>,
    opts: &LoadOptions<'_>,
) -> Result<LoadedImage> {
    let archive = ArchiveFile::open(path, reference, opts)?;
    let plan = plan(&archive, selector, opts)?;
    execute(&archive, plan, opts)
}

/// Members of an archive read once from a stream.
struct StreamMembers {
    reference: String,
    small: HashMap<String, Vec<u8>>,
    layers: HashMap<String, LayerScan>,
    errors: HashMap<String, String>,
    links: HashMap<String, String>,
}

impl StreamMembers {
    fn resolve(&self, path: &str) -> String {
        let mut cur = path.to_string();
        for _ in 0..8 {
            match self.links.get(&cur) {
                Some(t) => cur = t.clone(),
                None => break,
            }
        }
        cur
    }
}

impl Members for StreamMembers {
    fn reference(&self) -> &str {
        &self.reference
    }

    fn exists(&self, path: &str) -> bool {
        let p = self.resolve(path);
        self.small.contains_key(&p) || self.layers.contains_key(&p) || self.errors.contains_key(&p)
    }

    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        let what = doc.label();
        let p = self.resolve(path);
        match self.small.get(&p) {
            Some(b) if b.len() as u64 <= limit => Ok(b.clone()),
            Some(b) => Err(ImageError::Limit {
                what: format!("{}: {what}", self.reference),
                message: format!("is {} bytes", b.len()),
                limit,
                option: doc.option(),
            }),
            None => Err(ImageError::format(
                &self.reference,
                format!("{what} {path} is not a JSON document"),
            )),
        }
    }

    fn scan(&self, path: &str, _opts: &ScanOptions<'_>) -> Result<LayerScan> {
        let p = self.resolve(path);
        if let Some(e) = self.errors.get(&p) {
            return Err(ImageError::layer(path, e.clone()));
        }
        self.layers.get(&p).cloned().ok_or_else(|| {
            ImageError::format(&self.reference, format!("member {path} is not a layer"))
        })
    }
}

/// Total bytes of JSON documents kept from a stream (many small blobs cannot
/// exhaust memory).
const MAX_STREAM_JSON_BYTES: u64 = 256 << 20;

/// Loads an image from a tar stream, in one pass.
pub(crate) fn load_stream<R: Read>(
    reader: R,
    reference: &str,
    selector: Option<&str>,
    opts: &LoadOptions<'_>,
) -> Result<LoadedImage> {
    use std::sync::atomic::AtomicU64;
    let total = AtomicU64::new(0);
    let scan_opts = opts.scan(&total);
    let bad =
        |e: io::Error| ImageError::format(reference, format!("not a readable tar archive: {e}"));
    let (metered, step) = tarstep::metered(reader, tarstep::step_bound(opts.limits.max_path_bytes));
    let mut archive = tar::Archive::new(metered);
    let mut m = StreamMembers {
        reference: reference.to_string(),
        small: HashMap::new(),
        layers: HashMap::new(),
        errors: HashMap::new(),
        links: HashMap::new(),
    };
    let mut json_bytes = 0u64;
    let mut count = 0u64;
    let mut iter = archive.entries().map_err(bad)?;
    while let Some(entry) = step.next(&mut iter) {
        let mut entry = entry.map_err(|e| tar_error(reference, e, &opts.limits))?;
        count += 1;
        if count > opts.limits.max_entries_per_layer {
            return Err(ImageError::Limit {
                what: reference.to_string(),
                message: "too many archive members".into(),
                limit: opts.limits.max_entries_per_layer,
                option: "--max-entries",
            });
        }
        read_stream_member(&mut entry, &mut m, &mut json_bytes, &scan_opts, reference)?;
        tarstep::drain(&mut entry).map_err(bad)?;
    }
    if m.small.is_empty() && m.layers.is_empty() {
        return Err(ImageError::format(
            reference,
            "not an image archive: empty or not a tar file",
        ));
    }
    let plan = plan(&m, selector, opts)?;
    execute(&m, plan, opts)
}

/// Keeps one member of a streamed archive: links, small JSON documents, and
/// layers scanned on the fly (the caller drains what is left).
fn read_stream_member<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    m: &mut StreamMembers,
    json_bytes: &mut u64,
    scan_opts: &ScanOptions<'_>,
    reference: &str,
) -> Result<()> {
    let bad =
        |e: io::Error| ImageError::format(reference, format!("not a readable tar archive: {e}"));
    let limits = &scan_opts.limits;
    let Some(name) = member_name(&entry.path_bytes()) else {
        return Ok(());
    };
    match entry.header().entry_type() {
        t @ (tar::EntryType::Symlink | tar::EntryType::Link) => {
            if let Some(target) = link_target(
                &name,
                &entry.link_name_bytes().unwrap_or_default(),
                t == tar::EntryType::Symlink,
            ) {
                m.links.insert(name, target);
            }
            return Ok(());
        }
        tar::EntryType::Regular | tar::EntryType::Continuous => {}
        _ => return Ok(()),
    }
    let size = entry.size();
    let mut buffered = BufReader::with_capacity(256 << 10, entry);
    let first = buffered.fill_buf().map_err(bad)?.first().copied();
    let looks_json =
        matches!(first, Some(b'{' | b'[')) || name == "oci-layout" || name == "repositories";
    if looks_json {
        *json_bytes += size;
        let limit = limits.max_config_bytes.max(limits.max_manifest_bytes);
        if size > limit || *json_bytes > MAX_STREAM_JSON_BYTES {
            // Too big to be a manifest or config we need: skipped.
            return Ok(());
        }
        let mut buf = Vec::with_capacity(size as usize);
        buffered.read_to_end(&mut buf).map_err(bad)?;
        m.small.insert(name, buf);
        return Ok(());
    }
    match scan_layer(&name, buffered, scan_opts) {
        Ok(scan) => {
            m.layers.insert(name, scan);
        }
        Err(e @ ImageError::Limit { .. }) => return Err(e),
        // Not every blob is a layer (attestations, artifacts): remember why.
        Err(e) => {
            m.errors.insert(name, e.to_string());
        }
    }
    Ok(())
}

/// A tar error while listing an archive, naming a limit that was hit.
fn tar_error(reference: &str, e: io::Error, limits: &Limits) -> ImageError {
    if tarstep::is_header_too_large(&e) {
        return ImageError::Limit {
            what: reference.to_string(),
            message: "a tar header with its long name or PAX records is too large".into(),
            limit: tarstep::step_bound(limits.max_path_bytes),
            option: "--max-path-bytes",
        };
    }
    ImageError::format(reference, format!("not a readable tar archive: {e}"))
}
