//! One module per subcommand.

pub(crate) mod bench;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod context;
pub(crate) mod debug;
pub(crate) mod diff;
pub(crate) mod explore;
pub(crate) mod fix;
pub(crate) mod inspect;
pub(crate) mod lint;
pub(crate) mod rebuild;
pub(crate) mod report;
pub(crate) mod rule;
pub(crate) mod sbom;
pub(crate) mod slim;
