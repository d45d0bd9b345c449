//! A content-addressed cache of downloaded blobs
//! (`<dir>/blobs/sha256/<hex>`): a layer streams into a temporary file while
//! it is scanned, and is kept only once its digest has been checked, so the
//! cache never holds a blob that does not match its name.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::digest::Digest;

/// The cache directory.
#[derive(Debug, Clone)]
pub struct BlobCache {
    dir: PathBuf,
}

impl BlobCache {
    pub fn new(dir: PathBuf) -> BlobCache {
        BlobCache { dir }
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        let d = Digest::parse(digest).ok()?;
        Some(self.dir.join("blobs/sha256").join(d.hex()))
    }

    /// Forgets a cached blob.
    pub fn remove(&self, digest: &str) {
        if let Some(p) = self.path(digest) {
            let _ = std::fs::remove_file(p);
        }
    }

    /// A cached blob, if present.
    pub fn open(&self, digest: &str) -> Option<File> {
        File::open(self.path(digest)?).ok()
    }

    /// Starts caching a blob; nothing is kept until [`CacheEntry::commit`].
    pub fn entry(&self, digest: &str) -> CacheEntry {
        let target = self.path(digest);
        let tmp = target.as_ref().and_then(|t| {
            let dir = t.parent()?;
            private_dirs(&self.dir, dir).ok()?;
            // Created 0600 by tempfile, and kept so by the rename.
            tempfile::NamedTempFile::new_in(dir).ok()
        });
        CacheEntry {
            target,
            tmp,
            failed: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Creates `leaf` and the directories between `root` and it, readable by
/// the owner only (an image pulled with credentials is private). The cache
/// root itself is shared with other caches and left as it is.
fn private_dirs(root: &std::path::Path, leaf: &std::path::Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::create_dir_all(root)?;
    let blobs = root.join("blobs");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(leaf)?;
    // Tighten a directory made by an older version.
    let meta = std::fs::metadata(&blobs)?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(&blobs, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A blob being cached.
pub struct CacheEntry {
    target: Option<PathBuf>,
    tmp: Option<tempfile::NamedTempFile>,
    failed: Arc<AtomicBool>,
}

impl CacheEntry {
    /// A reader that copies what it reads into the cache file.
    pub fn tee<R: Read>(&mut self, inner: R) -> Tee<R> {
        let out = self.tmp.as_ref().and_then(|t| t.as_file().try_clone().ok());
        if out.is_none() {
            self.failed.store(true, Ordering::Relaxed);
        }
        Tee {
            inner,
            out,
            failed: self.failed.clone(),
        }
    }

    /// Keeps the blob (when everything was written).
    pub fn commit(self) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        if let (Some(tmp), Some(target)) = (self.tmp, self.target) {
            let _ = tmp.persist(target);
        }
    }
}

/// See [`CacheEntry::tee`]. A failed cache write stops caching, not reading.
pub struct Tee<R> {
    inner: R,
    out: Option<File>,
    failed: Arc<AtomicBool>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(out) = &mut self.out
            && out.write_all(&buf[..n]).is_err()
        {
            self.out = None;
            self.failed.store(true, Ordering::Relaxed);
        }
        Ok(n)
    }
}
