//! The rules, one per file, grouped by family. A rule file starts with its
//! documentation (what it does, why, an example, fix safety) as a `//!`
//! comment; the build script collects those into [`RULE_DOCS`].

pub(crate) mod buildkit;
pub(crate) mod cache;
pub(crate) mod common;
pub(crate) mod context;
pub(crate) mod cpu_torch;
pub(crate) mod ml;
pub(crate) mod practice;
pub(crate) mod reorder;
pub(crate) mod runtime;
pub(crate) mod security;
pub(crate) mod shell;
pub(crate) mod size;

use crate::catalog::Rule;

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

/// Every rule, in code order.
pub(crate) static RULES: &[&Rule] = &[
    &size::full_python_base::RULE,
    &size::pip_cache_kept::RULE,
    &size::apt_lists_kept::RULE,
    &size::apt_recommends_installed::RULE,
    &size::cleanup_in_later_layer::RULE,
    &size::build_tools_in_final_stage::RULE,
    &size::dev_packages_in_image::RULE,
    &size::copy_whole_filesystem::RULE,
    &size::no_multistage_with_build_deps::RULE,
    &size::os_package_cache_kept::RULE,
    &size::chown_in_later_layer::RULE,
    &cache::deps_installed_after_code::RULE,
    &cache::apt_update_alone::RULE,
    &cache::unpinned_base_image::RULE,
    &cache::base_not_digest_pinned::RULE,
    &ml::cuda_torch_without_gpu::RULE,
    &ml::cuda_devel_base_in_final_stage::RULE,
    &ml::duplicate_cuda_runtime::RULE,
    &ml::model_downloaded_at_build::RULE,
    &ml::hf_cache_in_image::RULE,
    &ml::opencv_gui_in_server::RULE,
    &ml::musl_base_with_binary_wheels::RULE,
    &security::root_user::RULE,
    &security::secret_in_arg_or_env::RULE,
    &security::add_instead_of_copy::RULE,
    &security::remote_script_piped_to_shell::RULE,
    &security::sudo_in_run::RULE,
    &security::secret_written_to_image::RULE,
    &security::tls_verification_disabled::RULE,
    &security::untrusted_registry::RULE,
    &security::non_numeric_user::RULE,
    &context::missing_dockerignore::RULE,
    &context::context_ships_junk::RULE,
    &buildkit::stage_name_casing::RULE,
    &buildkit::from_as_casing::RULE,
    &buildkit::no_empty_continuation::RULE,
    &buildkit::consistent_instruction_casing::RULE,
    &buildkit::duplicate_stage_name::RULE,
    &buildkit::reserved_stage_name::RULE,
    &buildkit::json_args_recommended::RULE,
    &buildkit::maintainer_deprecated::RULE,
    &buildkit::undefined_arg_in_from::RULE,
    &buildkit::workdir_relative_path::RULE,
    &buildkit::multiple_instructions_disallowed::RULE,
    &buildkit::legacy_key_value_format::RULE,
    &buildkit::redundant_target_platform::RULE,
    &buildkit::invalid_default_arg_in_from::RULE,
    &buildkit::from_platform_flag_const_disallowed::RULE,
    &buildkit::expose_proto_casing::RULE,
    &buildkit::expose_invalid_format::RULE,
    &buildkit::invalid_definition_description::RULE,
    &buildkit::copy_ignored_file::RULE,
    &buildkit::undefined_var::RULE,
    &buildkit::invalid_base_image_platform::RULE,
    &shell::shellcheck::RULE,
    &practice::apt_get_without_yes::RULE,
    &practice::apt_instead_of_apt_get::RULE,
    &practice::cd_in_run::RULE,
    &practice::pipe_without_pipefail::RULE,
    &practice::copy_from_unknown_stage::RULE,
    &practice::copy_from_own_stage::RULE,
    &practice::copy_relative_without_workdir::RULE,
    &practice::package_version_unpinned::RULE,
    &practice::consecutive_runs::RULE,
    &runtime::compose_not_read_only::RULE,
    &runtime::compose_writable_path_unmounted::RULE,
    &runtime::compose_capabilities_not_dropped::RULE,
    &runtime::compose_broad_capability_added::RULE,
    &runtime::compose_privileged::RULE,
    &runtime::compose_new_privileges_allowed::RULE,
    &runtime::compose_root_user::RULE,
    &runtime::compose_host_namespace::RULE,
    &runtime::compose_docker_socket_mounted::RULE,
    &runtime::compose_secret_in_environment::RULE,
    &runtime::compose_no_resource_limits::RULE,
    &runtime::compose_gpu_without_cuda_torch::RULE,
];

/// The documentation of a rule by name.
pub(crate) fn doc_of(name: &str) -> Option<&'static str> {
    RULE_DOCS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}
