//! Reading user files with errors that name the file and position.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Reads a text file (or stdin for `-`), rejecting invalid UTF-8 with the
/// line and column of the first bad byte.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        buf
    } else {
        std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..good].iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = bytes[..good]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&bytes[line_start..good])
                .chars()
                .count()
                + 1;
            bail!(
                "{}:{line}:{column}: the file is not valid UTF-8",
                path.display()
            )
        }
    }
}

/// How a path is shown in messages (`-` is standard input).
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}
