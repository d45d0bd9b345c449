//! `ballast diff A B`: the comparison table, per-distribution and per-layer
//! deltas, files added, removed and changed.

use anyhow::Result;
use ballast_report::Style;
use clap::Args;

use crate::commands::inspect::InspectFormat;
use crate::exit;
use crate::inputs::images::{ImageArgs, load_and_analyze};
use crate::output::{ColorChoice, emit};

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The first image (any source `ballast inspect` reads).
    pub a: String,
    /// The second image.
    pub b: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Terminal)]
    pub format: InspectFormat,
    #[command(flatten)]
    pub image_args: ImageArgs,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub(crate) fn run(args: DiffArgs) -> Result<u8> {
    let (a, files_a) = load_and_analyze(&args.a, &args.image_args, true)?;
    let (b, files_b) = load_and_analyze(&args.b, &args.image_args, true)?;
    let d = ballast_image::diff::diff(&a, &files_a, &b, &files_b);
    let text = match args.format {
        InspectFormat::Json => format!("{}\n", serde_json::to_string_pretty(&d)?),
        InspectFormat::Html => crate::commands::report::html(&d)?,
        InspectFormat::Markdown => ballast_report::diff::markdown(&d),
        InspectFormat::Terminal => ballast_report::diff::terminal(
            &d,
            Style {
                color: args.color.enabled(),
            },
        ),
    };
    emit(&text)?;
    Ok(exit::OK)
}
