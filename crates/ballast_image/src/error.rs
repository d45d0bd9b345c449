//! Errors: each names the reference, blob or member concerned.

use std::path::PathBuf;

/// Something went wrong reading an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file or directory could not be read.
    // `error`, not `source`: the message says it already, and a source
    // would print it twice in an error chain.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Reading a stream failed.
    #[error("{what}: {error}")]
    Read {
        /// What was being read.
        what: String,
        /// Why.
        error: std::io::Error,
    },
    /// The input is not an image in a format ballast reads.
    #[error("{reference}: {message}")]
    Format {
        /// The image reference.
        reference: String,
        /// What is wrong.
        message: String,
    },
    /// A blob's content does not match its digest (or a layer its diff_id).
    #[error("{what} {name}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// "blob" or "layer".
        what: &'static str,
        /// The blob or layer named.
        name: String,
        /// Expected digest.
        expected: String,
        /// Computed digest.
        actual: String,
    },
    /// A blob's size does not match its descriptor.
    #[error("blob {name}: size mismatch: descriptor says {expected} bytes, blob has {actual}")]
    SizeMismatch {
        /// The blob.
        name: String,
        /// Expected size.
        expected: u64,
        /// Actual size.
        actual: u64,
    },
    /// A layer is malformed.
    #[error("layer {layer}: {message}")]
    Layer {
        /// Which layer (digest or member name).
        layer: String,
        /// What is wrong.
        message: String,
    },
    /// A configured limit was exceeded.
    #[error("{what}: {message} (limit {limit}; raise it with {option})")]
    Limit {
        /// Where.
        what: String,
        /// What exceeded.
        message: String,
        /// The limit.
        limit: u64,
        /// The option that raises it.
        option: &'static str,
    },
    /// Talking to a registry or daemon failed.
    #[error("{reference}: {message}")]
    Remote {
        /// The image reference or address.
        reference: String,
        /// What happened, with a hint where there is one.
        message: String,
    },
}

impl ImageError {
    /// The error of an I/O call on `path`, for `map_err`.
    pub fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> ImageError + Copy + '_ {
        move |error| ImageError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

impl ImageError {
    /// A format error.
    pub fn format(reference: impl Into<String>, message: impl Into<String>) -> Self {
        ImageError::Format {
            reference: reference.into(),
            message: message.into(),
        }
    }

    /// A layer error.
    pub fn layer(layer: impl Into<String>, message: impl Into<String>) -> Self {
        ImageError::Layer {
            layer: layer.into(),
            message: message.into(),
        }
    }
}

/// Result with [`ImageError`].
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
