//! `ballast completions SHELL` and `ballast man`: generated from the command
//! definitions, so they never disagree with `--help`.

use anyhow::{Context, Result};
use clap::Args;
use clap_complete::Shell;

use crate::exit;
use crate::output::emit;

#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for a shell.
pub(crate) fn run(args: &CompletionsArgs, mut cli: clap::Command) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "ballast", &mut script);
    emit(&String::from_utf8(script)?)?;
    Ok(exit::OK)
}

#[derive(Args, Debug)]
pub(crate) struct ManArgs {
    /// Write every page (`ballast.1`, `ballast-check.1`, ...) into this
    /// directory instead of printing `ballast(1)`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// Prints the manual page `ballast(1)` (synopsis, every command with its
/// summary, the version), or writes a page per command into a directory.
pub(crate) fn man(args: &ManArgs, cli: clap::Command) -> Result<u8> {
    // `ballast help` is `--help`: no page of its own for a page to point at.
    let cli = cli.disable_help_subcommand(true);
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            clap_mangen::generate_to(cli, dir)
                .with_context(|| format!("{}: cannot write the pages", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli).render(&mut page)?;
            emit(&String::from_utf8(page)?)?;
        }
    }
    Ok(exit::OK)
}
