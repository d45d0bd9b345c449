//! Machine-learning specifics: torch builds, CUDA bases, models.
pub(crate) mod cuda_devel_base_in_final_stage;
pub(crate) mod cuda_torch_without_gpu;
pub(crate) mod duplicate_cuda_runtime;
pub(crate) mod hf_cache_in_image;
pub(crate) mod model_downloaded_at_build;
pub(crate) mod musl_base_with_binary_wheels;
pub(crate) mod opencv_gui_in_server;
