//! One module per subcommand.

pub mod bases;
pub mod bench;
pub mod check;
pub mod context;
pub mod debug;
pub mod diff;
pub mod fix;
pub mod images;
pub mod inspect;
pub mod lint;
pub mod project;
pub mod rebuild;
pub mod rule;
pub mod targets;
