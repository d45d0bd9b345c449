//! Reading one layer as a stream: the compressed bytes are hashed (blob
//! digest), decompressed (gzip or zstd, sniffed from the magic bytes, never
//! trusted from the media type), hashed again (diff_id) and parsed as a tar
//! archive. Only headers are kept, plus the content of the few small files the
//! analysis needs (RECORD, dpkg status, ...). Nothing is written to disk.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::bufread::MultiGzDecoder;
use serde::Serialize;

pub use crate::captured::Captured;
use crate::digest::{Digest, HashingReader};
use crate::entries::Entries;
use crate::error::{ImageError, Result};
use crate::limits::Limits;
use crate::tarstep;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Recognises the compression from the first bytes.
pub fn sniff(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// What one entry of a layer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file with its size.
    File(u64),
    /// A directory.
    Dir,
    /// A symbolic link and its target as written.
    Symlink(Box<[u8]>),
    /// A hard link to another path of the image.
    Hardlink(Box<[u8]>),
    /// A whiteout: the entry's path (prefix removed) is deleted from lower layers.
    Whiteout,
    /// An opaque marker: the directory hides its lower-layer contents.
    Opaque,
    /// A device or FIFO.
    Other,
    /// A tar entry type that neither tar tools nor engines unpack (the
    /// typeflag byte): shown in a warning, not counted.
    Unsupported(u8),
}

/// One entry of a layer tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Root-relative path without leading or trailing `/` (for whiteouts,
    /// the deleted path; for opaque markers, the directory).
    pub path: Box<[u8]>,
    /// What it is.
    pub kind: EntryKind,
    /// The content, for files the analysis asked for.
    pub captured: Option<Captured>,
}

impl Entry {
    /// An entry without captured content.
    pub fn new(path: impl AsRef<[u8]>, kind: EntryKind) -> Entry {
        Entry {
            path: path.as_ref().into(),
            kind,
            captured: None,
        }
    }
}

/// The result of reading a layer.
#[derive(Debug, Clone)]
pub struct LayerScan {
    /// Detected compression.
    pub compression: Compression,
    /// Size of the blob as stored.
    pub compressed_bytes: u64,
    /// sha256 of the blob (when verifying).
    pub blob_digest: Option<Digest>,
    /// Size of the uncompressed tar stream.
    pub tar_bytes: u64,
    /// sha256 of the uncompressed tar (when verifying or uncompressed).
    pub diff_id: Option<Digest>,
    /// Entries in tar order.
    pub entries: Entries,
}

/// Receives progress in compressed bytes read.
pub trait Progress: Sync {
    /// `bytes` more were read.
    fn add(&self, bytes: u64);
}

/// Ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn add(&self, _bytes: u64) {}
}

/// What a scan keeps of a regular file's content.
#[derive(Debug, Clone, Copy)]
pub enum Capture {
    /// Nothing: only the header is kept.
    Skip,
    /// All of it.
    Whole,
    /// What the function keeps of it (it is read whole, then condensed, so
    /// that only what the analysis reads is held until the analysis).
    Condensed(fn(Vec<u8>) -> Vec<u8>),
}

impl Capture {
    /// Whether any of the content is kept.
    pub fn keeps(self) -> bool {
        !matches!(self, Capture::Skip)
    }
}

/// How to read layers.
pub struct ScanOptions<'a> {
    /// Hash every blob and tar stream.
    pub verify: bool,
    /// Resource limits.
    pub limits: Limits,
    /// Which files to keep the content of: `(path, size)`.
    pub capture: &'a (dyn Fn(&[u8], u64) -> Capture + Sync),
    /// Progress sink.
    pub progress: &'a dyn Progress,
    /// Uncompressed bytes read by every layer of the image so far.
    pub uncompressed_total: &'a AtomicU64,
}

struct ProgressReader<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
    count: &'a AtomicU64,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add(n as u64);
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops a decompressed stream that grows beyond the limits (gzip bombs).
struct BombGuard<'a, R> {
    inner: R,
    compressed: &'a AtomicU64,
    out: u64,
    limits: Limits,
    total: &'a AtomicU64,
}

impl<R: Read> Read for BombGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let total = self.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let compressed = self.compressed.load(Ordering::Relaxed).max(64 << 10);
        if self.out > compressed.saturating_mul(self.limits.max_compression_ratio) {
            return Err(io::Error::other(LimitHit::Ratio));
        }
        if total > self.limits.max_uncompressed_bytes {
            return Err(io::Error::other(LimitHit::Total));
        }
        Ok(n)
    }
}

#[derive(Debug)]
enum LimitHit {
    Ratio,
    Total,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitHit::Ratio => "compression ratio limit",
            LimitHit::Total => "uncompressed size limit",
        })
    }
}

impl std::error::Error for LimitHit {}

fn io_to_layer_error(name: &str, e: io::Error, limits: &Limits) -> ImageError {
    if tarstep::is_header_too_large(&e) {
        return ImageError::Limit {
            what: format!("layer {name}"),
            message: "a tar header with its long name or PAX records is too large".into(),
            limit: tarstep::step_bound(limits.max_path_bytes),
            option: "--max-path-bytes",
        };
    }
    if let Some(hit) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitHit>())
    {
        return match hit {
            LimitHit::Ratio => ImageError::Limit {
                what: format!("layer {name}"),
                message: "decompresses to more than the allowed multiple of its compressed size"
                    .into(),
                limit: limits.max_compression_ratio,
                option: "--max-compression-ratio",
            },
            LimitHit::Total => ImageError::Limit {
                what: format!("layer {name}"),
                message: "the image decompresses to more bytes than allowed".into(),
                limit: limits.max_uncompressed_bytes,
                option: "--max-uncompressed-bytes",
            },
        };
    }
    let message = match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "truncated: the stream ends before the archive does".to_string()
        }
        _ => e.to_string(),
    };
    ImageError::layer(name, message)
}

/// Reads a layer from a stream (any compression).
pub fn scan_layer<R: Read>(name: &str, reader: R, opts: &ScanOptions<'_>) -> Result<LayerScan> {
    let compressed_count = AtomicU64::new(0);
    let progress = ProgressReader {
        inner: reader,
        progress: opts.progress,
        count: &compressed_count,
    };
    let hashed = HashingReader::new(progress, opts.verify);
    let mut buffered = BufReader::with_capacity(256 << 10, hashed);
    let magic = peek(&mut buffered, 4).map_err(|e| io_to_layer_error(name, e, &opts.limits))?;
    let compression = sniff(&magic);
    let err = |e: io::Error| io_to_layer_error(name, e, &opts.limits);
    // The tar stream is hashed for the diff_id when verifying, except when
    // the blob is uncompressed: then the blob digest is the diff_id.
    let hash_tar = opts.verify && compression != Compression::None;
    let decoded: Box<dyn Decoded<_>> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(MultiGzDecoder::new(buffered)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(buffered).map_err(err)?)
        }
    };
    let (entries, tar_bytes, diff_id, buffered) =
        scan_decoded(name, decoded, &compressed_count, hash_tar, opts)?;
    // Hash whatever follows the compressed stream too: the digest covers the whole blob.
    let (compressed_bytes, blob_digest, _) = buffered.into_inner().finish().map_err(err)?;
    // An uncompressed blob is its own tar stream: one hash serves both.
    let diff_id = if compression == Compression::None {
        blob_digest.clone()
    } else {
        diff_id
    };
    Ok(LayerScan {
        compression,
        compressed_bytes,
        blob_digest,
        tar_bytes,
        diff_id,
        entries,
    })
}

/// Reads an uncompressed layer from a seekable source without reading file
/// contents: only headers are read and contents are skipped by seeking. Used
/// with `--no-verify`; compressed layers fall back to [`scan_layer`].
pub fn scan_layer_seek<R: Read + Seek>(
    name: &str,
    mut reader: R,
    len: u64,
    opts: &ScanOptions<'_>,
) -> Result<LayerScan> {
    let err = |e: io::Error| io_to_layer_error(name, e, &opts.limits);
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut reader, &mut magic).map_err(err)?;
    reader.seek(SeekFrom::Start(0)).map_err(err)?;
    let compression = sniff(&magic[..n]);
    if compression != Compression::None || opts.verify {
        return scan_layer(name, reader, opts);
    }
    let (metered, step) = tarstep::metered(reader, tarstep::step_bound(opts.limits.max_path_bytes));
    let mut archive = tar::Archive::new(metered);
    let mut entries = Entries::new();
    let mut iter = archive.entries_with_seek().map_err(err)?;
    // Data is skipped by seeking: each step reads headers only.
    while let Some(entry) = step.next(&mut iter) {
        let mut entry = entry.map_err(err)?;
        if let Some(e) = convert_entry(name, &mut entry, opts)? {
            entries.push(e);
            check_entry_count(name, entries.len(), opts)?;
        }
    }
    opts.progress.add(len);
    entries.shrink_to_fit(); // held until the analysis: no room left over from growing
    Ok(LayerScan {
        compression,
        compressed_bytes: len,
        blob_digest: None,
        tar_bytes: len,
        diff_id: None,
        entries,
    })
}

/// A decompressed view of the buffered blob that gives the blob back when
/// done, so what follows the compressed stream is hashed too.
trait Decoded<S>: Read {
    fn into_source(self: Box<Self>) -> S;
}

impl<S: BufRead> Decoded<S> for S {
    fn into_source(self: Box<Self>) -> S {
        *self
    }
}

impl<S: BufRead> Decoded<S> for MultiGzDecoder<S> {
    fn into_source(self: Box<Self>) -> S {
        (*self).into_inner()
    }
}

impl<S: BufRead> Decoded<S> for zstd::stream::read::Decoder<'static, S> {
    fn into_source(self: Box<Self>) -> S {
        (*self).finish()
    }
}

/// Parses the decompressed tar stream, hashing it when asked.
fn scan_decoded<S>(
    name: &str,
    decoded: Box<dyn Decoded<S> + '_>,
    compressed: &AtomicU64,
    hash_tar: bool,
    opts: &ScanOptions<'_>,
) -> Result<(Entries, u64, Option<Digest>, S)> {
    let guard = BombGuard {
        inner: decoded,
        compressed,
        out: 0,
        limits: opts.limits,
        total: opts.uncompressed_total,
    };
    let tar_reader = HashingReader::new(guard, hash_tar);
    let (entries, tar_reader) = read_entries(name, tar_reader, opts)?;
    let (n, digest, guard) = tar_reader
        .finish()
        .map_err(|e| io_to_layer_error(name, e, &opts.limits))?;
    Ok((entries, n, digest, guard.inner.into_source()))
}

/// Reads until `buf` is full or the stream ends; returns how much it read.
pub(crate) fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn peek<R: Read>(r: &mut BufReader<R>, n: usize) -> io::Result<Vec<u8>> {
    let buf = r.fill_buf()?;
    Ok(buf[..buf.len().min(n)].to_vec())
}

fn check_entry_count(name: &str, count: usize, opts: &ScanOptions<'_>) -> Result<()> {
    if count as u64 > opts.limits.max_entries_per_layer {
        return Err(ImageError::Limit {
            what: format!("layer {name}"),
            message: "too many entries".into(),
            limit: opts.limits.max_entries_per_layer,
            option: "--max-entries",
        });
    }
    Ok(())
}

fn read_entries<R: Read>(name: &str, reader: R, opts: &ScanOptions<'_>) -> Result<(Entries, R)> {
    let err = |e: io::Error| io_to_layer_error(name, e, &opts.limits);
    let (metered, step) = tarstep::metered(reader, tarstep::step_bound(opts.limits.max_path_bytes));
    let mut archive = tar::Archive::new(metered);
    let mut entries = Entries::new();
    {
        let mut iter = archive.entries().map_err(err)?;
        while let Some(entry) = step.next(&mut iter) {
            let mut entry = entry.map_err(err)?;
            if let Some(e) = convert_entry(name, &mut entry, opts)? {
                entries.push(e);
                check_entry_count(name, entries.len(), opts)?;
            }
            tarstep::drain(&mut entry).map_err(err)?;
        }
    }
    // Held until the analysis: no room left over from growing.
    entries.shrink_to_fit();
    Ok((entries, archive.into_inner().into_inner()))
}

pub(crate) fn convert_entry<R: Read>(
    name: &str,
    entry: &mut tar::Entry<'_, R>,
    opts: &ScanOptions<'_>,
) -> Result<Option<Entry>> {
    use tar::EntryType as T;
    let etype = entry.header().entry_type();
    if matches!(
        etype,
        T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink
    ) {
        return Ok(None);
    }
    let raw_path = entry.path_bytes().into_owned();
    if raw_path.len() as u64 > opts.limits.max_path_bytes {
        return Err(ImageError::Limit {
            what: format!("layer {name}"),
            message: format!("an entry name is {} bytes long", raw_path.len()),
            limit: opts.limits.max_path_bytes,
            option: "--max-path-bytes",
        });
    }
    let Some(path) = clean_path(&raw_path).map_err(|m| ImageError::layer(name, m))? else {
        return Ok(None); // the root directory itself
    };
    let file_name = path.rsplit(|&b| b == b'/').next().unwrap_or(&path);
    let parent_len = path.len() - file_name.len();
    if let Some(stripped) = file_name.strip_prefix(b".wh.") {
        let parent = &path[..parent_len.saturating_sub(1)];
        if stripped == b".wh..opq" {
            return Ok(Some(Entry {
                path: parent.into(),
                kind: EntryKind::Opaque,
                captured: None,
            }));
        }
        let mut target = path[..parent_len].to_vec();
        target.extend_from_slice(stripped);
        return Ok(Some(Entry {
            path: target.into(),
            kind: EntryKind::Whiteout,
            captured: None,
        }));
    }
    let link = || {
        entry
            .link_name_bytes()
            .map(|l| l.into_owned().into_boxed_slice())
            .unwrap_or_default()
    };
    let kind = match etype {
        T::Regular | T::Continuous | T::GNUSparse => EntryKind::File(entry.size()),
        T::Directory => EntryKind::Dir,
        T::Symlink => EntryKind::Symlink(link()),
        T::Link => {
            let target = link();
            match clean_path(&target).map_err(|m| ImageError::layer(name, m))? {
                Some(t) => EntryKind::Hardlink(t.into()),
                None => {
                    return Err(ImageError::layer(
                        name,
                        "a hard link points at the root directory",
                    ));
                }
            }
        }
        T::Char | T::Block | T::Fifo => EntryKind::Other,
        other => EntryKind::Unsupported(other.as_byte()),
    };
    let mut captured = None;
    if let EntryKind::File(size) = kind
        && size <= opts.limits.max_captured_file_bytes
    {
        let keep = (opts.capture)(&path, size);
        if keep.keeps() {
            let mut buf = Vec::with_capacity(size as usize);
            entry
                .read_to_end(&mut buf)
                .map_err(|e| io_to_layer_error(name, e, &opts.limits))?;
            if let Capture::Condensed(condense) = keep {
                buf = condense(buf);
            }
            captured = Some(Captured::new(&buf));
        }
    }
    Ok(Some(Entry {
        path: path.into(),
        kind,
        captured,
    }))
}

/// Normalises a member name: leading `/` and `./` removed, `.` segments and
/// doubled slashes dropped, `..` resolved. `Ok(None)` for the root itself;
/// an error when the name climbs out of the root (Docker refuses such layers).
pub fn clean_path(raw: &[u8]) -> std::result::Result<Option<Vec<u8>>, String> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for seg in raw.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "member {:?} points outside the image root",
                        String::from_utf8_lossy(raw)
                    ));
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join(&b'/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_member_names() {
        assert_eq!(
            clean_path(b"./usr//bin/./x").unwrap(),
            Some(b"usr/bin/x".to_vec())
        );
        assert_eq!(
            clean_path(b"/etc/passwd").unwrap(),
            Some(b"etc/passwd".to_vec())
        );
        assert_eq!(clean_path(b"a/../b").unwrap(), Some(b"b".to_vec()));
        assert_eq!(clean_path(b"./").unwrap(), None);
        assert!(clean_path(b"../etc/passwd").is_err());
        assert!(clean_path(b"a/../../x").is_err());
    }

    #[test]
    fn sniffs_magic() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"usr/"), Compression::None);
    }
}
