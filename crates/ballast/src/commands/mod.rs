//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod context;
pub mod debug;
pub mod diff;
pub mod fix;
pub mod inspect;
pub mod lint;
pub mod rebuild;
pub mod rule;
