//! `slim`: drop from an image what nobody can see, without rebuilding it.
//!
//! - [`plan`](plan::plan): which tar entries go, from the layers' headers;
//! - `rewrite`: a layer's tar stream copied without them, byte for byte
//!   otherwise (headers, extensions and contents as the source has them);
//! - [`write_oci`]: the slimmed image as an OCI layout, layers that drop
//!   nothing kept as their source blobs.

mod audit;
mod output;
mod plan;
mod rewrite;
mod rules;

pub use audit::{AuditLine, ClassTotal};
pub use output::{
    Destination, FinalFs, LayerCompression, SlimOptions, SlimReport, SlimmedLayer, final_fs, write,
    write_oci,
};
pub use plan::{Chooser, LayerPlan, Reason, SlimRefusal, plan, plan_with, slimmed_entries};
pub use rules::DropRules;
