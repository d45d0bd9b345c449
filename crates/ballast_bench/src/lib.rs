//! `ballast_bench`: build Dockerfile variants with a real engine and measure
//! what users feel: image size (uncompressed and as pushed), layers, the
//! cold build, a rebuild after a one-line code change, a rebuild with no
//! change, and push and pull against a registry.
//!
//! - [`engine`]: the Docker CLI (BuildKit) and podman, behind one trait.
//! - [`registry`]: a local Distribution registry started for the run, or one given.
//! - [`run`]: the measurement of each variant, in order, leaving nothing behind.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod engine;
pub mod local_registry;
pub mod run;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Engine(String),
    #[error("{0}")]
    Registry(String),
    #[error("{0}")]
    Io(String),
}

pub type Result<T> = std::result::Result<T, BenchError>;
