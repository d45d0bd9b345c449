//! The build cache: what rebuilds, and reproducibility.
pub(crate) mod apt_update_alone;
pub(crate) mod base_not_digest_pinned;
pub(crate) mod deps_installed_after_code;
pub(crate) mod unpinned_base_image;
