//! The layer blobs of the slimmed image: a kept layer copied as its source
//! blob, a rewritten one streamed through the rewrite, hashed (diff_id and
//! digest) and compressed on the way.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::SlimOptions;
use super::pargz::ParGz;
use super::plan::LayerPlan;
use super::rewrite::rewrite;
use crate::digest::{Digest, HashingWriter};
use crate::error::{ImageError, Result};
use crate::layer::{Compression, Entry, read_up_to, sniff};
use crate::source::Members;

/// A blob written to the output.
pub(super) struct Written {
    pub(super) digest: Digest,
    pub(super) size: u64,
    pub(super) diff_id: Option<Digest>,
    pub(super) compression: Compression,
}

/// Copies a layer's blob as it is, hashing the copy: its digest must be
/// the source's (whose contents and diff_id the scan verified), so the
/// proof can take the source's entries for it without reading it again.
pub(super) fn copy_blob(
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
    let file =
        BufWriter::with_capacity(1 << 20, File::create(&path).map_err(ImageError::io(&path))?);
    let mut file = HashingWriter::new(file);
    let n = read_up_to(&mut src, &mut magic).map_err(ImageError::io(&path))?;
    file.write_all(&magic[..n]).map_err(ImageError::io(&path))?;
    io::copy(&mut src, &mut file).map_err(ImageError::io(&path))?;
    file.flush().map_err(ImageError::io(&path))?;
    let copied = Digest::from_hasher(file.hash);
    if copied != digest {
        return Err(ImageError::DigestMismatch {
            what: "layer",
            name: member.to_string(),
            expected: digest.to_string(),
            actual: copied.to_string(),
        });
    }
    Ok(Written {
        digest,
        size: file.count,
        diff_id: None,
        compression: sniff(&magic[..n]),
    })
}

pub(super) fn rewrite_blob(
    m: &dyn Members,
    member: &str,
    entries: &[Entry],
    plan: &LayerPlan,
    opts: &SlimOptions<'_>,
    blobs: &Path,
) -> Result<Written> {
    squash_blob(m, &[(member, entries, plan)], opts, blobs)
}

/// One layer made of several, bottom first, each rewritten as its plan
/// says and their tar streams joined (`--squash-from`; one layer for a
/// plain rewrite).
pub(super) fn squash_blob(
    m: &dyn Members,
    layers: &[(&str, &[Entry], &LayerPlan)],
    opts: &SlimOptions<'_>,
    blobs: &Path,
) -> Result<Written> {
    let compression = opts.compression;
    let tmp = tempfile::NamedTempFile::new_in(blobs).map_err(ImageError::io(blobs))?;
    let blob = HashingWriter::new(BufWriter::new(
        tmp.reopen().map_err(ImageError::io(tmp.path()))?,
    ));
    let encoder = Encoder::new(blob, compression).map_err(ImageError::io(tmp.path()))?;
    let mut tar_out = HashingWriter::new(encoder);
    for &(member, entries, plan) in layers {
        let tar = open_tar(m, member)?;
        tar_out = rewrite(member, tar, entries, plan, &opts.load.limits, tar_out)?;
    }
    let last = layers.last().map_or("", |l| l.0);
    let layer_err = |e: io::Error| ImageError::layer(last, e.to_string());
    // Two zero blocks end the archive.
    tar_out.write_all(&[0; 1024]).map_err(layer_err)?;
    let diff_id = Digest::from_hasher(tar_out.hash);
    let mut blob = tar_out.inner.finish().map_err(layer_err)?;
    blob.flush().map_err(ImageError::io(tmp.path()))?;
    let digest = Digest::from_hasher(blob.hash);
    let path = blobs.join(digest.hex());
    tmp.persist(&path)
        .map_err(|e| ImageError::io(&path)(e.error))?;
    Ok(Written {
        digest,
        size: blob.count,
        diff_id: Some(diff_id),
        compression: compression.0,
    })
}

/// A layer member's tar stream, decompressed as its first bytes say.
fn open_tar<'m>(m: &'m dyn Members, member: &str) -> Result<Box<dyn Read + Send + 'm>> {
    let mut src = io::BufReader::with_capacity(1 << 20, m.open(member)?);
    let magic = {
        use std::io::BufRead;
        src.fill_buf()
            .map_err(|e| ImageError::layer(member, e.to_string()))?
            .to_vec()
    };
    Ok(match sniff(&magic) {
        Compression::None => Box::new(src),
        Compression::Gzip => Box::new(MultiGzDecoder::new(src)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(src)
                .map_err(|e| ImageError::layer(member, e.to_string()))?,
        ),
    })
}

/// How rewritten layers are compressed: the kind and its level.
pub type LayerCompression = (Compression, Option<i32>);

/// A layer blob's compressor.
enum Encoder<W: Write> {
    None(W),
    Gzip(ParGz<W>),
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
                Encoder::Gzip(ParGz::new(inner, level))
            }
            Compression::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(inner, level.unwrap_or(3))?;
                // zstd, like gzip, compresses one layer on every core.
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
