//! `ballast slim SOURCE -o DEST`: the image without what nobody can see
//! (files deleted or overwritten by later layers, whiteouts that then hide
//! nothing), written as a new OCI layout or archive, read back and proven to
//! hold the same final filesystem before anything is left at DEST.

use anyhow::Result;
use ballast_image::LoadOptions;
use ballast_image::layer::Compression;
use ballast_image::slim::{Destination, SlimOptions, write};
use ballast_report::Style;
use clap::{Args, ValueEnum};

use crate::exit;
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub(crate) struct SlimArgs {
    /// The image: a docker-archive, an OCI archive or an OCI layout.
    pub source: String,
    /// Where to write, which must not exist: `oci:DIR` (or `DIR`), a new OCI
    /// layout; `oci-archive:FILE`; `docker-archive:FILE[:NAME:TAG]`, which
    /// `docker load` reads.
    #[arg(short, long, value_name = "DEST")]
    pub output: String,
    /// Platform to pick from a multi-platform index (`os/arch[/variant]`).
    #[arg(long)]
    pub platform: Option<String>,
    /// How rewritten layers are compressed (untouched layers keep their blob).
    #[arg(long, value_enum, default_value_t = SlimCompression::Gzip)]
    pub compression: SlimCompression,
    /// The compression level (gzip 0-9, default 6; zstd 1-22, default 3).
    #[arg(long, value_name = "N")]
    pub level: Option<i32>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = SlimFormat::Terminal)]
    pub format: SlimFormat,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimCompression {
    Gzip,
    /// On every core (not for docker-archive: docker load reads gzip).
    Zstd,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimFormat {
    Terminal,
    Json,
}

pub(crate) fn run(args: SlimArgs) -> Result<u8> {
    let dest = Destination::parse(&args.output).map_err(anyhow::Error::msg)?;
    let opts = SlimOptions {
        load: LoadOptions {
            platform: args.platform.clone(),
            ..LoadOptions::default()
        },
        compression: (
            match args.compression {
                SlimCompression::Gzip => Compression::Gzip,
                SlimCompression::Zstd => Compression::Zstd,
                SlimCompression::None => Compression::None,
            },
            args.level,
        ),
        before_proof: None,
    };
    let report = write(&args.source, &dest, &opts)?;
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
