//! `ballast report FILE.json`: a saved JSON report drawn as the page
//! `--format html` gives, so a CI job can keep the JSON and show the page.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use crate::exit;
use crate::output::emit;

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The JSON of `ballast inspect`, `diff`, `check` or `bench` (`--format json`); `-` reads standard input.
    pub file: PathBuf,
}

pub(crate) fn run(args: &ReportArgs) -> Result<u8> {
    let shown = args.file.display();
    let bytes = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("cannot read standard input")?;
        buf
    } else {
        std::fs::read(&args.file).with_context(|| format!("cannot read {shown}"))?
    };
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{shown}: not JSON"))?;
    let page = ballast_report::html::render(&json, env!("BALLAST_VERSION"))
        .with_context(|| format!("{shown}"))?;
    emit(&page)?;
    Ok(exit::OK)
}

/// The page of a report the command just made.
pub(crate) fn html(report: &impl Serialize) -> Result<String> {
    let json = serde_json::to_value(report)?;
    Ok(ballast_report::html::render(
        &json,
        env!("BALLAST_VERSION"),
    )?)
}
