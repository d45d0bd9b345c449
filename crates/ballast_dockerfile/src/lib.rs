//! `ballast_dockerfile`: read a Dockerfile exactly as BuildKit reads it, and
//! keep every byte.
//!
//! - [`Dockerfile::parse`] builds a lossless tree: every instruction, flag,
//!   argument, heredoc and comment carries its byte span, so a fix can edit
//!   one token and leave the rest of the file untouched. Parsing follows
//!   BuildKit's rules (directives, escape character, continuations, JSON vs
//!   shell form, heredocs) and reproduces BuildKit's AST dump byte for byte
//!   ([`dump::buildkit_dump`]). Errors are collected with positions instead
//!   of stopping at the first one.
//! - [`words::Lex`] is BuildKit's shell-word processor: quote removal and
//!   `$VAR` / `${VAR:-x}` / `${VAR#pat}`... expansion, reporting which
//!   variables were used and which were unset.
//! - [`stages::StageGraph`] is the build model: stages, ARG scopes, ENV
//!   accumulated through stages, the dependency graph and the stages a
//!   target needs.
//!
//! This crate does no I/O.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

mod ast;
pub mod dump;
mod go;
pub mod instructions;
pub mod json;
mod line_parsers;
pub mod names;
mod parser;
mod source;
pub mod stages;
pub mod tally;
mod validate;
pub mod words;

pub use ast::{
    Arg, Comment, Directive, Flag, Heredoc, Instruction, Keyword, ParseError, ParseWarning, Span,
};
pub use go::quote as go_quote;
pub use parser::{Dockerfile, MAX_LINE_BYTES, parse_heredoc_word};
pub use source::LineIndex;
