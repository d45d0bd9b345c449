//! `ballast_image`: read container images from where they live and account
//! for every byte.
//!
//! - Sources ([`source::Reference`]): `docker save` archives (legacy and
//!   Docker 25+), OCI layout directories, OCI archives, and a tar on standard
//!   input, all behind one plan/execute pipeline; indexes resolved by platform.
//! - [`registry`]: OCI distribution registries (token and basic auth,
//!   Docker credentials, redirects, rate limits) with a [`blobcache`];
//!   [`daemon`]: the Docker Engine API (and podman's).
//! - [`layer`]: the streaming layer reader: blob digest, sniffed
//!   decompression, diff_id, tar headers; nothing extracted to disk.
//! - [`tree`]: the layered file tree (whiteouts, opaque directories, hard
//!   links, file/directory replacement) and the waste arithmetic.
//! - [`dive`]: dive's figures by dive's formulas, for comparison.
//! - [`analysis`]: the [`inspection::Report`]: layers, totals, base image, and
//!   the ML breakdown (Python distributions from RECORD, torch variant, CUDA
//!   libraries, model weights, caches, OS packages) with findings.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
mod archive;
pub mod blobcache;
mod captured;
mod compact;
#[cfg(feature = "daemon")]
pub mod daemon;
pub mod diff;
pub mod digest;
pub mod dive;
pub mod entries;
pub mod error;
pub mod explore;
pub mod gates;
pub mod inspection;
pub mod layer;
pub mod limits;
mod ml;
#[cfg(feature = "registry")]
pub mod registry;
pub mod sbom;
pub mod slim;
pub mod source;
pub mod spec;
mod tarstep;
pub mod tree;

pub use analysis::{AnalyzeOptions, analyze, analyze_with_files};
pub use entries::{Entries, EntryRef, KindRef};
pub use error::{ImageError, Result};
pub use layer::{Capture, Captured};
pub use ml::capture;
pub use source::{LoadOptions, LoadedImage, Reference};

/// Loads an image from a reference string (see [`Reference::parse`]).
pub fn load(reference: &str, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    let parsed = Reference::parse(reference)?;
    #[cfg(feature = "daemon")]
    let parsed = parsed.or_daemon(reference);
    match parsed {
        Reference::DockerArchive { path, image } => {
            archive::load_file(&path, reference, image.as_deref(), opts)
        }
        Reference::OciArchive { path, tag } => {
            archive::load_file(&path, reference, tag.as_deref(), opts)
        }
        Reference::OciLayout { path, tag } => {
            let dir = source::LayoutDir::open(&path, reference)?;
            let plan = source::plan(&dir, tag.as_deref(), opts)?;
            source::execute(&dir, plan, opts)
        }
        Reference::Stdin => {
            let stdin = std::io::stdin();
            archive::load_stream(
                std::io::BufReader::with_capacity(1 << 20, stdin.lock()),
                "<stdin>",
                None,
                opts,
            )
        }
        #[cfg(feature = "registry")]
        Reference::Registry(r) => registry::load(&r, opts),
        #[cfg(feature = "daemon")]
        Reference::Daemon(r) => daemon::load(&r, opts),
        #[cfg(not(feature = "registry"))]
        Reference::Registry(_) => Err(not_built(reference, "registry")),
        #[cfg(not(feature = "daemon"))]
        Reference::Daemon(r) => Err(not_built(&r, "daemon")),
    }
}

/// The error for a source this build of the crate leaves out.
#[cfg(not(all(feature = "registry", feature = "daemon")))]
fn not_built(reference: &str, feature: &str) -> ImageError {
    ImageError::Format {
        reference: reference.to_string(),
        message: format!("built without the `{feature}` feature"),
    }
}

/// Loads an image from any reader holding a tar (an archive stream).
pub fn load_reader<R: std::io::Read>(
    reader: R,
    reference: &str,
    opts: &LoadOptions<'_>,
) -> Result<LoadedImage> {
    archive::load_stream(reader, reference, None, opts)
}
