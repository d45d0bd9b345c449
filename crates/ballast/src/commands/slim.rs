//! `ballast slim SOURCE -o DEST`: the image without what nobody can see
//! (files deleted or overwritten by later layers, whiteouts that then hide
//! nothing), written as a new OCI layout or archive, read back and proven to
//! hold the same final filesystem before anything is left at DEST.

use std::path::PathBuf;

use anyhow::Result;
use ballast_image::LoadOptions;
use ballast_image::layer::Compression;
use ballast_image::slim::{Destination, DropRules, ImageFormat, SlimOptions, write};
use ballast_ml::droppable::DropClass;
use clap::{Args, ValueEnum};

use crate::exit;
use crate::inputs::images::{Bar, RegistryArgs};
use crate::output::{ColorChoice, emit, json_text};

#[derive(Args, Debug)]
pub(crate) struct SlimArgs {
    /// The image: a docker-archive, an OCI archive or layout, `docker://REF`
    /// (a registry) or `daemon://NAME` (the Docker daemon).
    pub source: String,
    /// Where to write: `oci:DIR` (or `DIR`), a new OCI layout;
    /// `oci-archive:FILE`; `docker-archive:FILE[:NAME:TAG]`, which `docker
    /// load` reads (a file or directory must not exist);
    /// `daemon://NAME[:TAG]`, loaded into the daemon; `docker://REF`, pushed.
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
    /// The manifest's media types (default: the source's; Docker's for a
    /// `docker save` archive). Docker's have no zstd.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub image_format: Option<SlimImageFormat>,
    /// Also remove reachable files of these classes: pip-cache, uv-cache,
    /// conda-pkgs, apt-lists, apt-archives, pycache, hf-cache, docs,
    /// static-libs, headers, tests, git (never what the configuration names,
    /// nor dpkg's and Python's installation records).
    #[arg(long, value_name = "CLASS,...", value_delimiter = ',', value_parser = parse_class)]
    pub drop: Vec<DropClass>,
    /// Also remove the paths matching this glob, and what is below a
    /// directory that matches (repeatable; `*` stays within a component,
    /// `**` crosses them).
    #[arg(long, value_name = "GLOB")]
    pub drop_path: Vec<String>,
    /// Merge the layers from N (0 is the bottom layer, as in the summary)
    /// upward into one; the layers below keep their blobs.
    #[arg(long, value_name = "N")]
    pub squash_from: Option<usize>,
    /// Write every removed entry to FILE as JSON lines (path, kind, bytes,
    /// class, layer); FILE must not exist.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = SlimFormat::Terminal)]
    pub format: SlimFormat,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Do not show a progress spinner.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn parse_class(name: &str) -> Result<DropClass, String> {
    DropClass::parse(name).ok_or_else(|| {
        let names: Vec<&str> = DropClass::ALL.iter().map(|c| c.name()).collect();
        format!("not a class; the classes are {}", names.join(", "))
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimCompression {
    Gzip,
    /// On every core (not for docker-archive: docker load reads gzip).
    Zstd,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimImageFormat {
    Oci,
    Docker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SlimFormat {
    Terminal,
    Json,
}

pub(crate) fn run(args: SlimArgs) -> Result<u8> {
    let dest = Destination::parse(&args.output).map_err(anyhow::Error::msg)?;
    // Bytes read: the source's layers, then the rewritten ones read back.
    let progress = Bar::new("slimming", &args.source, args.quiet);
    let opts = SlimOptions {
        load: LoadOptions {
            platform: args.platform.clone(),
            remote: args.registry.remote()?,
            progress: &progress,
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
        image_format: args.image_format.map(|f| match f {
            SlimImageFormat::Oci => ImageFormat::Oci,
            SlimImageFormat::Docker => ImageFormat::Docker,
        }),
        drop: DropRules {
            classes: args.drop.clone(),
            paths: args.drop_path.clone(),
        },
        squash_from: args.squash_from,
        audit: args.audit.clone(),
        before_proof: None,
    };
    let report = write(&args.source, &dest, &opts);
    progress.0.finish_and_clear();
    let report = report?;
    let text = match args.format {
        SlimFormat::Json => json_text(&report)?,
        SlimFormat::Terminal => ballast_report::slim::terminal(&report, args.color.style()),
    };
    emit(&text)?;
    Ok(exit::OK)
}
