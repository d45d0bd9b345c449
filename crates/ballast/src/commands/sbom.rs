//! `ballast sbom IMAGE`: the image's software bill of materials (OS
//! packages, Python distributions, distribution, base image) as CycloneDX
//! 1.5 or SPDX 2.3 JSON, for vulnerability scanners to read offline.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use ballast_image::sbom::{self, Format, Inventory};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::inputs::images::{ImageArgs, load_and_analyze};
use crate::output::{emit, json_text};
use crate::replace::{Change, replace_all};

#[derive(Args, Debug)]
pub(crate) struct SbomArgs {
    /// The image (any source `ballast inspect` reads).
    pub image: String,
    /// Document format.
    #[arg(long, value_enum, default_value_t = SbomFormat::CyclonedxJson)]
    pub format: SbomFormat,
    /// Write the document to FILE (replaced atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub image_args: ImageArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum SbomFormat {
    /// CycloneDX 1.5 JSON.
    CyclonedxJson,
    /// SPDX 2.3 JSON.
    SpdxJson,
}

impl SbomFormat {
    fn format(self) -> Format {
        match self {
            SbomFormat::CyclonedxJson => Format::CycloneDx,
            SbomFormat::SpdxJson => Format::Spdx,
        }
    }
}

pub(crate) fn run(args: SbomArgs) -> Result<u8> {
    let created = creation_time()?;
    let (report, _) = load_and_analyze(&args.image, &args.image_args, false)?;
    let inventory = Inventory::of(&report, args.image_args.base.as_deref());
    let doc = inventory.to_json(args.format.format(), created);
    let text = json_text(&doc)?;
    match &args.output {
        None => emit(&text)?,
        Some(path) => {
            let old = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => bail!("{}: {e}", path.display()),
            };
            replace_all(&[Change {
                path,
                old: &old,
                new: &text,
            }])?;
            if !args.image_args.quiet {
                eprintln!("{}: {}", path.display(), describe(&inventory));
            }
        }
    }
    Ok(exit::OK)
}

/// `312 packages (120 Debian packages (dpkg), 192 Python distributions), debian 12`.
fn describe(inv: &Inventory) -> String {
    let parts: Vec<String> = inv
        .counts()
        .iter()
        .map(|(e, n)| format!("{n} {}", e.label()))
        .collect();
    let mut out = format!("{} packages ({})", inv.packages.len(), parts.join(", "));
    if let Some(d) = &inv.distro {
        out.push_str(&format!(
            ", {} {}",
            d.id,
            d.version_id.as_deref().unwrap_or("")
        ));
    }
    out.trim_end().to_string()
}

/// When the document says it was made: `SOURCE_DATE_EPOCH` (reproducible
/// builds' convention) if set, else now.
fn creation_time() -> Result<u64> {
    let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()));
    };
    let secs: u64 = v
        .trim()
        .parse()
        .with_context(|| format!("SOURCE_DATE_EPOCH={v}: not a number of seconds"))?;
    if secs > sbom::LATEST_TIMESTAMP {
        bail!(
            "SOURCE_DATE_EPOCH={v}: after {}, the latest time an SBOM can state",
            sbom::utc_timestamp(sbom::LATEST_TIMESTAMP)
        );
    }
    Ok(secs)
}
