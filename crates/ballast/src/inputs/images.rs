//! Options shared by the commands that read images, and loading with a
//! progress bar.

use anyhow::Result;
use ballast_context::rebuild::MeasuredLayer;
use ballast_image::inspection::Report;
use ballast_image::layer::Progress;
use ballast_image::limits::Limits;
use ballast_image::registry::RemoteOptions;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze_with_files};
use clap::Args;

/// How to read images.
#[derive(Args, Debug, Clone)]
pub(crate) struct ImageArgs {
    /// Platform to pick from a multi-platform index (`os/arch[/variant]`).
    #[arg(long)]
    pub platform: Option<String>,
    /// Skip digest and diff_id checks (faster; uncompressed layers are read by seeking).
    #[arg(long)]
    pub no_verify: bool,
    /// An image whose layers are the base (instead of guessing from history).
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,
    /// Largest manifest or index accepted.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_manifest_bytes, hide_short_help = true)]
    pub max_manifest_bytes: u64,
    /// Largest image configuration accepted.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_config_bytes, hide_short_help = true)]
    pub max_config_bytes: u64,
    /// Most entries in one layer.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries_per_layer, hide_short_help = true)]
    pub max_entries: u64,
    /// Longest entry name in a layer.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_path_bytes, hide_short_help = true)]
    pub max_path_bytes: u64,
    /// Most uncompressed bytes in the image.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_uncompressed_bytes, hide_short_help = true)]
    pub max_uncompressed_bytes: u64,
    /// Highest uncompressed/compressed ratio of a layer.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_compression_ratio, hide_short_help = true)]
    pub max_compression_ratio: u64,
    /// Most layers.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_layers, hide_short_help = true)]
    pub max_layers: u64,
    /// Do not show a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct RegistryArgs {
    /// Allow plain HTTP to a registry that is not on loopback.
    #[arg(long)]
    pub insecure: bool,
    /// Registry user name (the password is read from standard input with --password-stdin).
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Where downloaded layers are cached (default: the user's cache directory).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

impl RegistryArgs {
    /// Registry options: credentials (the password read from standard
    /// input once), the blob cache, plain HTTP.
    pub(crate) fn remote(&self) -> Result<RemoteOptions> {
        let credentials = match (&self.username, self.password_stdin) {
            (Some(u), true) => {
                let mut password = String::new();
                std::io::stdin().read_line(&mut password)?;
                let password = password.trim_end_matches(['\n', '\r']).to_string();
                if password.is_empty() {
                    anyhow::bail!("--password-stdin: no password on standard input");
                }
                Some((u.clone(), password))
            }
            _ => None,
        };
        let cache_dir = if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(default_cache_dir)
        };
        Ok(RemoteOptions {
            insecure: self.insecure,
            credentials,
            cache_dir,
        })
    }
}

impl ImageArgs {
    /// Defaults, without a progress bar.
    pub(crate) fn quiet() -> ImageArgs {
        let l = Limits::default();
        ImageArgs {
            platform: None,
            no_verify: false,
            base: None,
            max_manifest_bytes: l.max_manifest_bytes,
            max_config_bytes: l.max_config_bytes,
            max_entries: l.max_entries_per_layer,
            max_path_bytes: l.max_path_bytes,
            max_uncompressed_bytes: l.max_uncompressed_bytes,
            max_compression_ratio: l.max_compression_ratio,
            max_layers: l.max_layers,
            quiet: true,
            registry: RegistryArgs::default(),
        }
    }

    /// Registry options.
    pub(crate) fn remote(&self) -> Result<RemoteOptions> {
        self.registry.remote()
    }

    /// How to read the image: verification, platform, limits, registry
    /// access (no progress, nothing captured).
    pub(crate) fn load_options(&self) -> Result<LoadOptions<'static>> {
        Ok(LoadOptions {
            verify: !self.no_verify,
            platform: self.platform.clone(),
            limits: self.limits(),
            remote: self.remote()?,
            ..LoadOptions::default()
        })
    }

    fn limits(&self) -> Limits {
        Limits {
            max_manifest_bytes: self.max_manifest_bytes,
            max_config_bytes: self.max_config_bytes,
            max_entries_per_layer: self.max_entries,
            max_path_bytes: self.max_path_bytes,
            max_uncompressed_bytes: self.max_uncompressed_bytes,
            max_compression_ratio: self.max_compression_ratio,
            max_layers: self.max_layers,
            ..Limits::default()
        }
    }
}

/// `$XDG_CACHE_HOME/ballast` (or `~/.cache/ballast`); no cache when neither
/// is set, rather than a shared directory such as /tmp that another user
/// could prepare.
pub(crate) fn default_cache_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(".cache"))
        })
        .map(|d| d.join("ballast"))
}

/// A spinner on stderr counting the compressed bytes read (hidden when
/// stderr is not a terminal or with `--quiet`).
pub(crate) struct Bar(pub(crate) indicatif::ProgressBar);

impl Bar {
    /// `{verb} {what}: {bytes} ({bytes_per_sec})`.
    pub(crate) fn new(verb: &str, what: &str, quiet: bool) -> Bar {
        let template = format!("{{spinner}} {verb} {{msg}}: {{bytes}} ({{bytes_per_sec}})");
        let bar = crate::output::spinner(&template, quiet);
        bar.set_message(what.to_string());
        Bar(bar)
    }
}

impl Progress for Bar {
    fn add(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

/// A built image's layers, bottom first: the history entry that made each
/// and its regular-file bytes (what `--image` calibrates predictions with).
pub(crate) fn history_layers(reference: &str) -> Result<Vec<MeasuredLayer>> {
    let (report, _) = load_and_analyze(reference, &ImageArgs::quiet(), false)?;
    Ok(report
        .layers
        .iter()
        .map(|l| MeasuredLayer {
            created_by: l.created_by.clone(),
            bytes: l.file_bytes,
            deleted_below: l.deleted_below_bytes,
            caches: l.cache_bytes.iter().map(|c| (c.class, c.bytes)).collect(),
        })
        .collect())
}

/// Loads and analyses an image; `keep_files` also returns the final files.
pub(crate) fn load_and_analyze(
    reference: &str,
    args: &ImageArgs,
    keep_files: bool,
) -> Result<(Report, Vec<(String, u64)>)> {
    let progress = Bar::new("reading", reference, args.quiet);
    let bar = progress.0.clone();
    let opts = LoadOptions {
        progress: &progress,
        capture: &ballast_image::capture,
        ..args.load_options()?
    };
    let base_diff_ids = match &args.base {
        Some(base) => {
            let base_opts = LoadOptions {
                progress: &progress,
                ..args.load_options()?
            };
            Some(
                ballast_image::load(base, &base_opts)?
                    .config
                    .rootfs
                    .diff_ids,
            )
        }
        None => None,
    };
    let image = ballast_image::load(reference, &opts);
    bar.finish_and_clear();
    let image = image?;
    Ok(analyze_with_files(
        image,
        &AnalyzeOptions { base_diff_ids },
        keep_files,
    ))
}
