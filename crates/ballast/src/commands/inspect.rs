//! `ballast inspect IMAGE`: what an image holds, where its bytes are, what
//! is wasted; and CI gates.

use anyhow::{Result, bail};
use ballast_image::gates::{self, Gates};
use ballast_image::inspection::Category;
use ballast_report::inspect;
use clap::{Args, ValueEnum};

use crate::config;
use crate::exit;
use crate::inputs::images::{ImageArgs, load_and_analyze};
use crate::output::{ColorChoice, emit, json_text};

#[derive(Args, Debug)]
pub(crate) struct InspectArgs {
    /// The image: a docker-archive or OCI archive file, an OCI layout
    /// directory, `-` for a tar on standard input, `docker://HOST/REPO:TAG`
    /// (a registry), `daemon://NAME` or a bare image name (the Docker
    /// daemon), or with a prefix `docker-archive:`, `oci:`, `oci-archive:`.
    pub image: String,
    /// Registry images: only the manifest and configuration (compressed
    /// sizes per layer, history), no layer downloaded.
    #[arg(long)]
    pub manifest_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Terminal)]
    pub format: InspectFormat,
    #[command(flatten)]
    pub image_args: ImageArgs,
    #[command(flatten)]
    pub gates: GateArgs,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum InspectFormat {
    Terminal,
    Json,
    Markdown,
    /// One self-contained page with charts (see `ballast report`).
    Html,
}

/// CI gates. A gate fails when the value is strictly beyond its limit.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct GateArgs {
    /// Fail when the final image size (regular files visible at the end) is above this (e.g. 2GB).
    #[arg(long, value_name = "SIZE", value_parser = gates::parse_size)]
    pub max_size: Option<u64>,
    /// Fail when the compressed (pull) size is above this.
    #[arg(long, value_name = "SIZE", value_parser = gates::parse_size)]
    pub max_compressed: Option<u64>,
    /// Fail when the wasted bytes are above this.
    #[arg(long, value_name = "SIZE", value_parser = gates::parse_size)]
    pub max_wasted: Option<u64>,
    /// Fail when the efficiency (final / stored) is below this (0 to 1).
    #[arg(long, value_name = "FRACTION", value_parser = gates::parse_fraction)]
    pub min_efficiency: Option<f64>,
    /// Fail when a category is above a size: `cuda=1GB`, `weights=500MB`, `pip-cache=0` (repeatable).
    #[arg(long, value_name = "CATEGORY=SIZE", value_parser = gates::parse_category_limit)]
    pub max_category: Vec<(Category, u64)>,
}

/// The command line's gates over the configuration file's.
fn effective_gates(cli: &GateArgs, file: &config::InspectConfig) -> Gates {
    let mut max_category = file.max_category.clone();
    max_category.extend(cli.max_category.iter().copied());
    Gates {
        max_size: cli.max_size.or(file.max_size),
        max_compressed: cli.max_compressed.or(file.max_compressed),
        max_wasted: cli.max_wasted.or(file.max_wasted),
        min_efficiency: cli.min_efficiency.or(file.min_efficiency),
        max_category,
    }
}

pub(crate) fn run(args: InspectArgs) -> Result<u8> {
    let cfg = config::discover(&std::env::current_dir()?)?;
    let gates = effective_gates(&args.gates, &cfg.config.inspect);
    if args.manifest_only {
        return manifest_only(&args);
    }
    let (report, _) = load_and_analyze(&args.image, &args.image_args, false)?;
    let text = match args.format {
        InspectFormat::Json => json_text(&report)?,
        InspectFormat::Html => crate::commands::report::html(&report)?,
        InspectFormat::Markdown => inspect::markdown(&report),
        InspectFormat::Terminal => inspect::terminal(&report, args.color.style()),
    };
    emit(&text)?;
    let failed = gates.check(&report);
    for f in &failed {
        eprintln!("gate failed: {f}");
    }
    Ok(if failed.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// `--manifest-only`: layer sizes and history from the manifest and the
/// configuration of a registry image.
fn manifest_only(args: &InspectArgs) -> Result<u8> {
    let ballast_image::Reference::Registry(target) = ballast_image::Reference::parse(&args.image)?
    else {
        bail!("--manifest-only reads registry images (docker://HOST/REPO:TAG)");
    };
    let opts = args.image_args.load_options()?;
    let report = ballast_image::registry::manifest_only(&target, &opts)?.report();
    let text = match args.format {
        InspectFormat::Json => json_text(&report)?,
        _ => inspect::manifest_terminal(&report),
    };
    emit(&text)?;
    Ok(exit::OK)
}
