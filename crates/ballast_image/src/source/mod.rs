//! Image sources and how an image is resolved: references, platform
//! selection, digest and diff_id verification. The containers (archive,
//! layout directory, stream) only provide members; the plan is shared.

mod layout;
mod options;
mod pipeline;
mod reference;

pub(crate) use layout::LayoutDir;
pub use options::{LoadOptions, RemoteOptions};
pub use pipeline::{LoadedImage, LoadedLayer};
pub(crate) use pipeline::{Members, Plan, execute, plan};
#[cfg(feature = "registry")]
pub(crate) use pipeline::{check_blob, plan_from};
pub use reference::{Reference, RegistryRef};
