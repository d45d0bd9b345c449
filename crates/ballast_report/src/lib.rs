//! `ballast_report`: how findings and figures are shown: terminal (with
//! colour when wanted), Markdown for pull-request comments, and the helpers
//! they share (byte sizes, aligned tables). JSON is the serde form of the
//! report types themselves.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod bench;
pub mod bytes;
pub mod check;
pub mod context;
pub mod diff;
#[cfg(feature = "tui")]
pub mod explore;
pub mod html;
pub mod inspect;
pub mod lint;
pub mod slim;
mod style;
mod table;

pub use style::Style;

/// `ballast rebuild` rendering.
pub mod runtime;
pub mod sbom;
pub mod rebuild {
    pub use crate::context::rebuild_terminal as terminal;
}
