//! Bytes in the final image.
pub(crate) mod apt_lists_kept;
pub(crate) mod apt_recommends_installed;
pub(crate) mod build_tools_in_final_stage;
pub(crate) mod chown_in_later_layer;
pub(crate) mod cleanup_in_later_layer;
pub(crate) mod copy_whole_filesystem;
pub(crate) mod dev_packages_in_image;
pub(crate) mod full_python_base;
pub(crate) mod no_multistage_with_build_deps;
pub(crate) mod os_package_cache_kept;
pub(crate) mod pip_cache_kept;
