//! What commands read, shared by them: the project (a Dockerfile and its
//! context), the Dockerfiles to lint with their settings (`targets`), images
//! (`images`), base images resolved from a registry or the daemon
//! (`bases`), and user files read with errors that name the file and
//! position.

pub(crate) mod bases;
pub(crate) mod compose;
pub(crate) mod images;
pub(crate) mod project;
pub(crate) mod targets;

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The largest Dockerfile or ignore file read, unless `BALLAST_MAX_DOCKERFILE_BYTES`
/// says otherwise: real ones are kilobytes, and parsing costs memory in
/// proportion (docs/security.md).
pub(crate) const MAX_TEXT_BYTES: u64 = 1 << 20;
const MAX_TEXT_ENV: &str = "BALLAST_MAX_DOCKERFILE_BYTES";

fn max_text_bytes() -> u64 {
    std::env::var(MAX_TEXT_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_TEXT_BYTES)
}

/// Reads a text file (or stdin for `-`), rejecting invalid UTF-8 with the
/// line and column of the first bad byte.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let max = max_text_bytes();
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(max + 1)
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
            .with_context(|| format!("{}: cannot read", path.display()))?;
    }
    if bytes.len() as u64 > max {
        bail!(
            "{}: larger than {max} bytes (raise the limit with {MAX_TEXT_ENV})",
            display_name(path)
        );
    }
    let text = ballast_context::project::utf8(path, bytes)?;
    ballast_dockerfile::tally::read(&display_name(path), &text);
    Ok(text)
}

/// Reads a configuration file (`ballast.toml`, `pyproject.toml`,
/// `.hadolint.yaml`): at most [`MAX_TEXT_BYTES`], UTF-8.
pub(crate) fn read_config(path: &Path) -> Result<String> {
    use ballast_context::project::{read_bounded, utf8};
    let bytes = read_bounded(path, MAX_TEXT_BYTES).map_err(|e| match e.kind() {
        // The limit's error names the file already.
        std::io::ErrorKind::InvalidData => anyhow::anyhow!(e),
        _ => anyhow::anyhow!("{}: cannot read: {e}", path.display()),
    })?;
    Ok(utf8(path, bytes)?)
}

/// How a path is shown in messages (`-` is standard input).
pub(crate) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}
