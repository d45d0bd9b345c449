//! The shell code of RUN instructions, checked by ShellCheck.
pub(crate) mod shellcheck;
