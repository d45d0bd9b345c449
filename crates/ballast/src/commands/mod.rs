//! One module per subcommand.

pub mod debug;
pub mod diff;
pub mod images;
pub mod inspect;
