//! The proof: the slimmed image read back (every digest and diff_id
//! verified by the loader `inspect` uses) and its final filesystem compared
//! with the one it must have.

use std::collections::HashMap;

use sha2::{Digest as _, Sha256};

use crate::archive::ArchiveFile;
use crate::digest::Digest;
use crate::entries::Entries;
use crate::error::{ImageError, Result};
use crate::layer::{Entry, LayerScan, ScanOptions};
use crate::limits::Document;
use crate::source::{LayoutDir, LoadOptions, LoadedImage, Members, Reference};
use crate::tree::FileTree;

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
    pub(super) fn of_layers(layers: impl IntoIterator<Item = impl Into<Entries>>) -> FinalFs {
        let mut tree = FileTree::new();
        for entries in layers {
            tree.apply(entries);
        }
        FinalFs::of(tree)
    }

    pub(super) fn of(tree: FileTree) -> FinalFs {
        FinalFs::of_capped(tree, None)
    }

    /// As [`FinalFs::of`], the layers from `squash` upward counted as one.
    pub(super) fn of_capped(tree: FileTree, squash: Option<usize>) -> FinalFs {
        let cap = squash.map_or(u16::MAX, |n| n.min(u16::MAX as usize) as u16);
        let mut hash = Sha256::new();
        tree.describe_with(
            |layer| layer.min(cap),
            |path, what| {
                hash.update(path.as_bytes());
                hash.update(b"\t");
                hash.update(what.as_bytes());
                hash.update(b"\n");
            },
        );
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

/// Layers of the output copied byte for byte from the source, by member
/// path (`blobs/sha256/HEX`): their copies were hashed to the source's
/// digest, whose contents and diff_id the source's scan verified, so the
/// proof takes the source's scan for them instead of reading them again.
pub(super) type Known = HashMap<String, LayerScan>;

/// The output's members, the copied layers answered from [`Known`].
struct WithKnown<'a> {
    inner: &'a dyn Members,
    known: &'a Known,
}

impl Members for WithKnown<'_> {
    fn reference(&self) -> &str {
        self.inner.reference()
    }
    fn exists(&self, path: &str) -> bool {
        self.inner.exists(path)
    }
    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        self.inner.read_small(path, limit, doc)
    }
    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan> {
        match self.known.get(path) {
            Some(scan) => Ok(scan.clone()),
            None => self.inner.scan(path, opts),
        }
    }
}

/// Reads the output back (every digest and diff_id verified: the
/// configuration's, the manifest's, each rewritten layer's from its bytes,
/// each copied layer's when it was copied) and compares its final
/// filesystem with the one it must have; any difference is an error.
pub(super) fn prove(
    expected: &FinalFs,
    output: &str,
    load: &LoadOptions<'_>,
    known: &Known,
) -> Result<()> {
    let after = match Reference::parse(output)? {
        Reference::OciLayout { path, .. } => {
            let dir = LayoutDir::open(&path, output)?;
            read_back(&dir, load, known)?
        }
        Reference::OciArchive { path, .. } | Reference::DockerArchive { path, .. } => {
            let archive = ArchiveFile::open(&path, output, load)?;
            read_back(&archive, load, known)?
        }
        _ => return Err(ImageError::format(output, "not an output slim writes")),
    };
    let after = FinalFs::of_layers(after.layers.into_iter().map(|l| l.scan.entries));
    match expected.first_difference(&after) {
        None => Ok(()),
        Some(at) => Err(ImageError::format(
            output,
            format!("the slimmed image differs from the source: {at}; nothing written"),
        )),
    }
}

fn read_back(m: &dyn Members, load: &LoadOptions<'_>, known: &Known) -> Result<LoadedImage> {
    let plan = crate::source::plan(m, None, load)?;
    crate::source::execute(&WithKnown { inner: m, known }, plan, load)
}
