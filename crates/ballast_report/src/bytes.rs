//! Byte sizes: one home in [`ballast_ml::units`], re-exported for renderers.

pub use ballast_ml::units::{format_bytes, format_delta, parse_bytes};
