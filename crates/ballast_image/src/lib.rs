//! `ballast_image`: read container images from where they live and account
//! for every byte.
//!
//! - Sources ([`source::Reference`]): `docker save` archives (legacy and
//!   Docker 25+), OCI layout directories, OCI archives, and a tar on standard
//!   input, all behind one plan/execute pipeline; indexes resolved by platform.
//! - [`layer`]: the streaming layer reader: blob digest, sniffed
//!   decompression, diff_id, tar headers; nothing extracted to disk.
//! - [`tree`]: the layered file tree (whiteouts, opaque directories, hard
//!   links, file/directory replacement) and the waste arithmetic.
//! - [`dive`]: dive's figures by dive's formulas, for comparison.
//! - [`analysis`]: the [`report::Report`]: layers, totals, base image, and
//!   the ML breakdown (Python distributions from RECORD, torch variant, CUDA
//!   libraries, model weights, caches, OS packages) with findings.

pub mod analysis;
mod archive;
pub mod diff;
pub mod digest;
pub mod dive;
pub mod error;
pub mod layer;
pub mod limits;
mod ml;
pub mod report;
pub mod source;
pub mod spec;
pub mod tree;

pub use analysis::{AnalyzeOptions, analyze, analyze_with_files};
pub use error::{ImageError, Result};
pub use ml::capture;
pub use source::{LoadOptions, LoadedImage, Reference};

/// Loads an image from a reference string (see [`Reference::parse`]).
pub fn load(reference: &str, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    match Reference::parse(reference) {
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
        Reference::Registry(r) => Err(ImageError::Remote {
            reference: format!("docker://{r}"),
            message: "registry sources are not available in this build".into(),
        }),
        Reference::Daemon(r) => Err(ImageError::Remote {
            reference: format!("daemon://{r}"),
            message: "daemon sources are not available in this build".into(),
        }),
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
