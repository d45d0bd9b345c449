//! Users, secrets and provenance.
pub(crate) mod add_instead_of_copy;
pub(crate) mod non_numeric_user;
pub(crate) mod remote_script_piped_to_shell;
pub(crate) mod root_user;
pub(crate) mod secret_in_arg_or_env;
pub(crate) mod secret_written_to_image;
pub(crate) mod sudo_in_run;
pub(crate) mod tls_verification_disabled;
pub(crate) mod untrusted_registry;
