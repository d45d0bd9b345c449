//! `ballast diff A B`: the comparison table, per-distribution and per-layer
//! deltas, files added, removed and changed. When either side is an SBOM
//! (CycloneDX or SPDX JSON), the package delta of the two inventories.

use std::io::Read as _;

use anyhow::{Context as _, Result, bail};
use ballast_image::sbom::{self, Inventory};
use clap::Args;

use crate::commands::inspect::InspectFormat;
use crate::exit;
use crate::inputs::images::{ImageArgs, load_and_analyze};
use crate::output::{ColorChoice, emit, json_text};

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
    let (sbom_a, sbom_b) = (read_sbom(&args.a)?, read_sbom(&args.b)?);
    if sbom_a.is_some() || sbom_b.is_some() {
        return packages(&args, sbom_a, sbom_b);
    }
    let (a, files_a) = load_and_analyze(&args.a, &args.image_args, true)?;
    let (b, files_b) = load_and_analyze(&args.b, &args.image_args, true)?;
    let d = ballast_image::diff::diff(&a, &files_a, &b, &files_b);
    let text = match args.format {
        InspectFormat::Json => json_text(&d)?,
        InspectFormat::Html => crate::commands::report::html(&d)?,
        InspectFormat::Markdown => ballast_report::diff::markdown(&d),
        InspectFormat::Terminal => ballast_report::diff::terminal(&d, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}

/// The inventory in `arg` if it is a file holding a JSON document (an SBOM);
/// `None` for an image.
fn read_sbom(arg: &str) -> Result<Option<Inventory>> {
    let path = std::path::Path::new(arg);
    if !path.is_file() {
        return Ok(None);
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| arg.to_string())?;
    if !sbom::looks_like_json(&head[..n]) {
        return Ok(None);
    }
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if size > sbom::MAX_SBOM_BYTES {
        bail!(
            "{arg}: {size} bytes, more than the {} an SBOM may have",
            sbom::MAX_SBOM_BYTES
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| arg.to_string())?;
    match sbom::read(&text) {
        Ok(inv) => Ok(Some(inv)),
        Err(e) => bail!("{arg}: {e}"),
    }
}

/// The package delta; an image side is read and inventoried as `sbom` would.
fn packages(args: &DiffArgs, a: Option<Inventory>, b: Option<Inventory>) -> Result<u8> {
    let inventory = |given: Option<Inventory>, reference: &str| -> Result<Inventory> {
        match given {
            Some(inv) => Ok(inv),
            None => {
                let (report, _) = load_and_analyze(reference, &args.image_args, false)?;
                Ok(Inventory::of(&report, args.image_args.base.as_deref()))
            }
        }
    };
    if let InspectFormat::Html = args.format {
        bail!("--format html: the package delta of SBOMs prints as terminal, markdown or json");
    }
    let d = sbom::compare(&inventory(a, &args.a)?, &inventory(b, &args.b)?);
    let text = match args.format {
        InspectFormat::Json => json_text(&d)?,
        InspectFormat::Markdown => ballast_report::sbom::markdown(&d),
        _ => ballast_report::sbom::terminal(&d, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}
