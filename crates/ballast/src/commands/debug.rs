//! `ballast debug parse`: print the parse tree as BuildKit's dump or as JSON.

use std::path::PathBuf;

use anyhow::Result;
use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::dump::{buildkit_dump, json_instructions};
use clap::{Subcommand, ValueEnum};

use crate::exit;
use crate::inputs::{display_name, read_text};
use crate::output::emit;

#[derive(Subcommand)]
pub(crate) enum DebugCommand {
    /// Parse a Dockerfile and print its syntax tree.
    Parse {
        /// The Dockerfile (`-` for standard input).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DumpFormat::Buildkit)]
        dump: DumpFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DumpFormat {
    /// BuildKit's AST dump, byte for byte.
    Buildkit,
    /// A JSON array of instructions.
    Json,
}

pub(crate) fn run(cmd: DebugCommand) -> Result<u8> {
    match cmd {
        DebugCommand::Parse { file, dump } => parse(file, dump),
    }
}

fn parse(file: PathBuf, dump: DumpFormat) -> Result<u8> {
    let text = read_text(&file)?;
    let df = Dockerfile::parse(&text);
    if !df.is_ok() {
        let name = display_name(&file);
        for e in &df.errors {
            eprintln!("{name}:{}:{}: {}", e.line, e.column, e.message);
        }
        return Ok(exit::ERROR);
    }
    match dump {
        DumpFormat::Buildkit => emit(&buildkit_dump(&df))?,
        DumpFormat::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json_instructions(&df))?
        ))?,
    }
    Ok(exit::OK)
}
