//! An OCI image layout directory as a source of members.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::pipeline::Members;
use crate::error::{ImageError, Result};
use crate::layer::{LayerScan, ScanOptions, scan_layer, scan_layer_seek};
use crate::limits::Document;

/// An OCI image layout directory.
pub(crate) struct LayoutDir {
    root: PathBuf,
    /// `root` with symlinks resolved: no member may lead out of it.
    canonical_root: PathBuf,
    reference: String,
}

impl LayoutDir {
    pub(crate) fn open(root: &Path, reference: &str) -> Result<LayoutDir> {
        if !root.join("oci-layout").is_file() && !root.join("index.json").is_file() {
            return Err(ImageError::format(
                reference,
                "not an OCI image layout (no oci-layout or index.json)",
            ));
        }
        let canonical_root = std::fs::canonicalize(root).map_err(ImageError::io(root))?;
        Ok(LayoutDir {
            root: root.to_path_buf(),
            canonical_root,
            reference: reference.to_string(),
        })
    }

    fn member(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// The member as a regular file inside the layout: a symlink that leads
    /// out of it (to `/etc/passwd`, say), a directory or a FIFO is refused
    /// before anything is opened.
    fn regular_member(&self, path: &str) -> Result<PathBuf> {
        let p = self.member(path);
        let real = std::fs::canonicalize(&p).map_err(ImageError::io(&p))?;
        if !real.starts_with(&self.canonical_root) {
            return Err(ImageError::format(
                &self.reference,
                format!("{path} is a symlink leading out of the layout"),
            ));
        }
        let meta = std::fs::metadata(&real).map_err(ImageError::io(&p))?;
        if !meta.is_file() {
            return Err(ImageError::format(
                &self.reference,
                format!("{path} is not a regular file"),
            ));
        }
        Ok(real)
    }
}

impl Members for LayoutDir {
    fn reference(&self) -> &str {
        &self.reference
    }

    fn exists(&self, path: &str) -> bool {
        !path.split('/').any(|c| c == "..") && self.member(path).symlink_metadata().is_ok()
    }

    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        let what = doc.label();
        let p = self.regular_member(path)?;
        let len = std::fs::metadata(&p).map_err(ImageError::io(&p))?.len();
        if len > limit {
            return Err(ImageError::Limit {
                what: format!("{}: {what}", self.reference),
                message: format!("is {len} bytes"),
                limit,
                option: doc.option(),
            });
        }
        std::fs::read(&p).map_err(ImageError::io(&p))
    }

    fn open(&self, path: &str) -> Result<Box<dyn std::io::Read + Send + '_>> {
        let p = self.regular_member(path)?;
        let file = File::open(&p).map_err(ImageError::io(&p))?;
        Ok(Box::new(file))
    }

    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan> {
        let p = self.regular_member(path)?;
        let file = File::open(&p).map_err(ImageError::io(&p))?;
        let len = file.metadata().map_err(ImageError::io(&p))?.len();
        let name = path
            .rsplit('/')
            .next()
            .map(|h| format!("sha256:{h}"))
            .unwrap_or_default();
        if opts.verify {
            // scan_layer buffers what it reads (see archive.rs).
            scan_layer(&name, file, opts)
        } else {
            scan_layer_seek(&name, file, len, opts)
        }
    }
}
