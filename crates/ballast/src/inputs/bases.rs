//! `--resolve-bases`: the platforms and environment of each base image the
//! Dockerfiles start from, read from the registry their references name
//! (or the local daemon), for the rules that otherwise use ballast's dated
//! table (undefined-var, invalid-base-image-platform).

use ballast_linter::LintOptions;
use ballast_ml::bases::ResolvedBases;
use clap::{Args, ValueEnum};

/// `--resolve-bases[=registry|daemon]`, shared by the commands that lint.
#[derive(Args, Debug, Clone, Copy, Default)]
pub(crate) struct ResolveBasesArg {
    /// Read each base image's platforms and environment from the registry
    /// its reference names (or `daemon`: the local daemon) for
    /// undefined-var and invalid-base-image-platform, in place of ballast's
    /// dated table. Off by default: linting stays offline.
    #[arg(
        long = "resolve-bases",
        value_enum,
        value_name = "WHERE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "registry",
        env = "BALLAST_RESOLVE_BASES"
    )]
    pub source: Option<BaseSource>,
}

/// Where base images are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BaseSource {
    /// The registry each reference names (Docker Hub by default), as
    /// BuildKit resolves it: manifest and configuration only, no layers.
    Registry,
    /// The local Docker daemon (images already pulled or built).
    Daemon,
}

/// Resolves every base image of `sources` (Dockerfile texts with their
/// lint options) once; an image that cannot be read gets one note on
/// standard error and the table's facts.
pub(crate) fn resolve(source: BaseSource, sources: &[(String, LintOptions<'_>)]) -> ResolvedBases {
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (text, options) in sources {
        let Ok(images) = ballast_linter::base_images(&options.memo.parse(text), options) else {
            continue;
        };
        for pair in images {
            if !wanted.iter().any(|(i, _)| *i == pair.0) {
                wanted.push(pair);
            }
        }
    }
    let mut out = ResolvedBases::new();
    for (image, platform) in wanted {
        let found = match source {
            BaseSource::Registry => {
                let opts = ballast_image::LoadOptions::default();
                ballast_image::registry::resolve_base(&image, &platform, &opts)
            }
            BaseSource::Daemon => ballast_image::daemon::resolve_base(&image),
        };
        match found {
            Ok(r) => {
                out.insert(image, r);
            }
            Err(e) => eprintln!(
                "note: --resolve-bases: {}; ballast's table is used for it",
                crate::output::one_line(&e.to_string())
            ),
        }
    }
    out
}
