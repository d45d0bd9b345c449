//! `ballast slim SOURCE -o DEST`: the image without what nobody can see
//! (files deleted or overwritten by later layers, whiteouts that then hide
//! nothing), written as a new OCI layout, read back and proven to hold the
//! same final filesystem before anything is left at DEST.

use std::path::PathBuf;

use anyhow::{Result, bail};
use ballast_image::LoadOptions;
use ballast_image::slim::{SlimOptions, write_oci};
use ballast_report::Style;
use clap::{Args, ValueEnum};

use crate::exit;
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub(crate) struct SlimArgs {
    /// The image: a docker-archive, an OCI archive or an OCI layout.
    pub source: String,
    /// Where to write: `oci:DIR` (or `DIR`), a new OCI layout; DIR must not exist.
    #[arg(short, long, value_name = "DEST")]
    pub output: String,
    /// Platform to pick from a multi-platform index (`os/arch[/variant]`).
    #[arg(long)]
    pub platform: Option<String>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = SlimFormat::Terminal)]
    pub format: SlimFormat,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimFormat {
    Terminal,
    Json,
}

/// The directory of an `oci:DIR` destination; other kinds are not written yet.
fn destination(dest: &str) -> Result<PathBuf> {
    let dir = dest.strip_prefix("oci:").unwrap_or(dest);
    if let Some((kind, _)) = dest.split_once(':')
        && kind != "oci"
        && !dest.starts_with('/')
        && !dest.starts_with('.')
    {
        bail!("{dest}: slim writes OCI layouts only (oci:DIR); not yet {kind}:");
    }
    Ok(PathBuf::from(dir))
}

pub(crate) fn run(args: SlimArgs) -> Result<u8> {
    let dest = destination(&args.output)?;
    let opts = SlimOptions {
        load: LoadOptions {
            platform: args.platform.clone(),
            ..LoadOptions::default()
        },
        before_proof: None,
    };
    let report = write_oci(&args.source, &dest, &opts)?;
    let text = match args.format {
        SlimFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        SlimFormat::Terminal => ballast_report::slim::terminal(
            &report,
            Style {
                color: args.color.enabled(),
            },
        ),
    };
    emit(&text)?;
    Ok(exit::OK)
}
