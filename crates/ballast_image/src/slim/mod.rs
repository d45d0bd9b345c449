//! `slim`: drop from an image what nobody can see, without rebuilding it.
//!
//! - [`plan`](plan::plan): which tar entries go, from the layers' headers;
//! - `rewrite`: a layer's tar stream copied without them, byte for byte
//!   otherwise (headers, extensions and contents as the source has them);
//! - `rules`: what `--drop` and `--drop-path` name, and what is protected;
//! - `blobs`: each layer's blob, kept as the source's when nothing drops;
//! - `layout`: configuration, manifest and index (OCI or Docker media types);
//! - `proof`: the output read back and its final filesystem compared;
//! - `audit`: every removed entry, and the totals per class;
//! - [`write`]: all of it, staged beside the destination and renamed once proven.

mod audit;
mod blobs;
mod layout;
mod output;
mod pargz;
mod plan;
mod proof;
mod rewrite;
mod rules;

pub use audit::{AuditLine, ClassTotal, RemovedFrom};
pub use blobs::LayerCompression;
pub use layout::ImageFormat;
pub use output::{Destination, SlimOptions, SlimReport, SlimmedLayer, write, write_oci};
pub use plan::{Chooser, LayerPlan, Reason, SlimRefusal, plan, plan_with, slimmed_entries};
pub use proof::{FinalFs, final_fs};
pub use rules::DropRules;
