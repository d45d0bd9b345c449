//! The build context.
pub(crate) mod context_ships_junk;
pub(crate) mod missing_dockerignore;
