//! Configuration: `ballast.toml`, or `[tool.ballast]` in `pyproject.toml`,
//! found by walking up from a starting directory; without either, a
//! hadolint configuration (`.hadolint.yaml`) found the same way, read as
//! ballast settings ([`crate::hadolint_config`]). Command-line flags and
//! environment variables override the file.

use std::path::{Path, PathBuf};

use anyhow::Result;
use ballast_image::gates;
use ballast_linter::Severity;

use crate::commands::lint::Threshold;
use ballast_image::inspection::Category;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Config {
    /// `ballast inspect` gates.
    #[serde(default)]
    pub inspect: InspectConfig,
    /// `ballast lint` settings.
    #[serde(default)]
    pub lint: LintConfig,
}

/// `[lint]`: which rules run, how severe they are, when lint fails.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LintConfig {
    /// Rules to run (replaces the default selection).
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub extend_select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rule (or family, prefix) to severity: `error`, `warning`, `info`.
    #[serde(default, deserialize_with = "severities")]
    pub severity: std::collections::BTreeMap<String, Severity>,
    /// `error`, `warning`, `info` or `none`.
    pub failure_threshold: Option<Threshold>,
    /// Glob (relative to the configuration file) to rules not run there.
    #[serde(default)]
    pub per_path_ignores: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    #[serde(default)]
    pub disable_pragmas: bool,
    /// BuildKit's check controls for every file (`skip=...;error=true`),
    /// in place of each file's `# check=` directive, as the
    /// `BUILDKIT_DOCKERFILE_CHECK` build argument.
    pub buildkit_check: Option<String>,
}

/// CI gates for `ballast inspect`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct InspectConfig {
    #[serde(default, deserialize_with = "size")]
    pub max_size: Option<u64>,
    #[serde(default, deserialize_with = "size")]
    pub max_compressed: Option<u64>,
    #[serde(default, deserialize_with = "size")]
    pub max_wasted: Option<u64>,
    #[serde(default, deserialize_with = "fraction")]
    pub min_efficiency: Option<f64>,
    /// Category name to size, in the file's order.
    #[serde(default, deserialize_with = "category_limits")]
    pub max_category: Vec<(Category, u64)>,
}

/// `{ root-user = "error" }`, in any case, `warn` for `warning`.
fn severities<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, Severity>, D::Error> {
    let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
    map.into_iter()
        .map(|(rule, level)| match Severity::parse(&level) {
            Some(s) => Ok((rule, s)),
            None => Err(D::Error::custom(format!(
                "{rule}: unknown severity {level:?} (error, warning, info)"
            ))),
        })
        .collect()
}

/// A size written as text (`"2GB"`).
fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    gates::parse_size(&text).map(Some).map_err(D::Error::custom)
}

/// An efficiency from 0 to 1.
fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    gates::fraction(f64::deserialize(d)?)
        .map(Some)
        .map_err(D::Error::custom)
}

/// `{ cuda = "1GB" }`.
fn category_limits<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Category, u64)>, D::Error> {
    let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
    map.iter()
        .map(|(name, size)| {
            let c = gates::parse_category(name).map_err(D::Error::custom)?;
            let bytes =
                gates::parse_size(size).map_err(|e| D::Error::custom(format!("{name}: {e}")))?;
            Ok((c, bytes))
        })
        .collect()
}

/// A loaded configuration and where it came from.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
    /// What the file says that ballast does not act on (a hadolint file's
    /// unmapped entries), for a note.
    pub notes: Vec<String>,
}

/// Finds the nearest `ballast.toml` (or `pyproject.toml` with `[tool.ballast]`)
/// at or above `start`.
pub(crate) fn discover(start: &Path) -> Result<Loaded> {
    let start = if start.is_file() {
        start.parent().unwrap_or(Path::new("."))
    } else {
        start
    };
    let mut dir = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    loop {
        let own = dir.join("ballast.toml");
        if own.is_file() {
            return load_file(&own, false);
        }
        let py = dir.join("pyproject.toml");
        if py.is_file() {
            let loaded = load_file(&py, true)?;
            if loaded.path.is_some() {
                return Ok(loaded);
            }
        }
        if !dir.pop() {
            return discover_hadolint(start);
        }
    }
}

/// The nearest hadolint configuration at or above `start`, as settings.
fn discover_hadolint(start: &Path) -> Result<Loaded> {
    let mut dir = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    loop {
        if let Some(path) = crate::hadolint_config::find_in(&dir) {
            let (lint, notes) = crate::hadolint_config::read(&path)?;
            return Ok(Loaded {
                config: Config {
                    lint,
                    ..Config::default()
                },
                path: Some(path),
                notes,
            });
        }
        if !dir.pop() {
            return Ok(Loaded::default());
        }
    }
}

/// Loads a configuration file given by the user (`ballast.toml`, or a
/// `pyproject.toml` whose `[tool.ballast]` is read).
pub(crate) fn load(path: &Path) -> Result<Loaded> {
    let pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let loaded = load_file(path, pyproject)?;
    if loaded.path.is_none() {
        anyhow::bail!("{}: no [tool.ballast] section", path.display());
    }
    Ok(loaded)
}

fn load_file(path: &Path, pyproject: bool) -> Result<Loaded> {
    let text = crate::inputs::read_config(path)?;
    let config = if pyproject {
        let doc: toml::Table = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), join_lines(&e.to_string())))?;
        let Some(section) = doc.get("tool").and_then(|t| t.get("ballast")) else {
            return Ok(Loaded::default());
        };
        section.clone().try_into().map_err(|e: toml::de::Error| {
            anyhow::anyhow!(
                "{}: [tool.ballast]: {}",
                path.display(),
                join_lines(&e.to_string())
            )
        })?
    } else {
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), join_lines(&e.to_string())))?
    };
    Ok(Loaded {
        config,
        path: Some(path.to_path_buf()),
        notes: Vec::new(),
    })
}

fn join_lines(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
