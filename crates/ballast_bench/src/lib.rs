//! `ballast_bench`: build Dockerfile variants with a real engine and measure
//! what users feel: image size (uncompressed and as pushed), layers, the
//! cold build, a rebuild after a one-line code change, a rebuild with no
//! change, and push and pull against a registry.
//!
//! - [`engine`]: the Docker CLI (BuildKit) and podman, behind one trait.
//! - [`local_registry`]: a local Distribution registry started for the run, or one given.
//! - [`run`]: the measurement of each variant, in order, leaving nothing behind.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod engine;
pub mod local_registry;
pub mod run;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Neither docker nor podman answers; why, for each.
    #[error("no container engine: {0}")]
    NoEngine(String),
    /// The engine's program could not be started.
    #[error("{engine}: {error}")]
    Spawn {
        engine: &'static str,
        error: std::io::Error,
    },
    /// An engine command failed; the end of its output.
    #[error("{engine} {command} failed: {output}")]
    Command {
        engine: &'static str,
        command: String,
        output: String,
    },
    /// A build failed; the end of its log.
    #[error("building {tag} failed:\n{log}")]
    Build { tag: String, log: String },
    /// The engine answered something that is not the figure asked for.
    #[error("{what} of {tag}: {answer:?} is not a number")]
    Unreadable {
        what: &'static str,
        tag: String,
        answer: String,
    },
    /// The file the code-change rebuild edits is not in the context.
    #[error("{0}: the file to change does not exist")]
    NoFileToChange(std::path::PathBuf),
    #[error("{path}: {error}")]
    Io {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    /// `docker-registry` could not be started.
    #[error("cannot start docker-registry ({0}); install it, or pass --registry HOST:PORT")]
    NoRegistry(std::io::Error),
    #[error("the local registry did not start")]
    RegistryTimeout,
    /// Pulling a variant back from the registry failed.
    #[error("pull failed")]
    Pull(#[from] ballast_image::error::ImageError),
}

pub type Result<T> = std::result::Result<T, BenchError>;
