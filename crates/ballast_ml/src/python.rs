//! Installed Python distributions: dist-info directories, METADATA, RECORD,
//! virtual environments.

use std::fmt::Write as _;

/// A package name compared the PEP 503 way: lower case, runs of `-_.` as `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_sep = false;
        }
    }
    out
}

/// `(name, version)` from a `<name>-<version>.dist-info` (or `.egg-info`) directory name.
pub fn parse_dist_info_dir(dir: &str) -> Option<(String, String)> {
    let stem = dir
        .strip_suffix(".dist-info")
        .or_else(|| dir.strip_suffix(".egg-info"))?;
    let (name, version) = stem.split_once('-')?;
    let version = version.split('-').next().unwrap_or(version);
    Some((name.to_string(), version.to_string()))
}

/// The `Name` and `Version` headers of a METADATA (or PKG-INFO) file.
pub fn parse_metadata(text: &str) -> (Option<String>, Option<String>) {
    let mut name = None;
    let mut version = None;
    for line in metadata_headers(text).lines() {
        if let Some(v) = line.strip_prefix("Name:") {
            name.get_or_insert_with(|| v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Version:") {
            version.get_or_insert_with(|| v.trim().to_string());
        }
    }
    (name, version)
}

/// The `Requires-Dist` headers of a METADATA file.
pub fn requires_dist(text: &str) -> Vec<String> {
    metadata_headers(text)
        .lines()
        .filter_map(|l| l.strip_prefix("Requires-Dist:"))
        .map(|v| v.trim().to_string())
        .collect()
}

/// One row of a RECORD file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// The path as written (relative to site-packages, may climb with `..`).
    pub path: String,
    /// The size column, when present.
    pub size: Option<u64>,
}

/// Parses a RECORD file: CSV rows `path,hash,size`; CRLF or LF; quoted
/// paths may contain commas. Malformed rows are skipped. Rows come one at a
/// time: torch's RECORD has some 17,000.
pub fn parse_record(text: &str) -> impl Iterator<Item = RecordEntry> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            return None;
        }
        let mut fields = split_csv_line(line).into_iter();
        let path = fields.next().filter(|p| !p.is_empty())?;
        let size = fields.nth(1).and_then(|s| s.trim().parse::<u64>().ok());
        Some(RecordEntry { path, size })
    })
}

/// A RECORD as [`parse_record`] reads it, without the hash column: the rows
/// it yields are the same, in about half the bytes (an image's RECORDs are
/// held while its layers are read; torch's alone is over a megabyte).
pub fn condense_record(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for row in parse_record(text) {
        if row.path.contains([',', '"']) {
            out.push('"');
            out.push_str(&row.path.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&row.path);
        }
        out.push_str(",,");
        if let Some(size) = row.size {
            let _ = write!(out, "{size}"); // writing to a String cannot fail
        }
        out.push('\n');
    }
    out
}

/// The header section of a METADATA or PKG-INFO file: everything before the
/// first blank line (the body is the long description, often most of the
/// file). Every reader of headers here reads this.
pub fn metadata_headers(text: &str) -> &str {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            break;
        }
        end += line.len();
    }
    &text[..end]
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Resolves a RECORD path against the site-packages directory holding the
/// dist-info, as an image-root-relative path. `None` when it climbs above the root.
pub fn resolve_record_path(site_packages: &str, record_path: &str) -> Option<String> {
    if let Some(abs) = record_path.strip_prefix('/') {
        return normalize_path(abs);
    }
    normalize_path(&format!("{site_packages}/{record_path}"))
}

/// Collapses `.` and `..` segments and doubled slashes; `None` above the root.
pub fn normalize_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The keys of a `pyvenv.cfg` (`home`, `version`, `version_info`, `uv`, ...).
pub fn parse_pyvenv_cfg(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dirs() {
        assert_eq!(
            normalize_name("Sentence_Transformers"),
            "sentence-transformers"
        );
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(
            parse_dist_info_dir("nvidia_cublas_cu12-12.4.5.8.dist-info"),
            Some(("nvidia_cublas_cu12".into(), "12.4.5.8".into()))
        );
        assert_eq!(
            parse_dist_info_dir("torch-2.5.1+cpu.dist-info"),
            Some(("torch".into(), "2.5.1+cpu".into()))
        );
        assert_eq!(parse_dist_info_dir("README"), None);
    }

    #[test]
    fn condensed_record_reads_the_same() {
        let text = "tqdm/cli.py,sha256=abc,10509\r\n\"a,b.py\",sha256=x,3\n\
                    pip/__pycache__/x.pyc,,\n\nsay\"what\",sha256=y, 12 \n\
                    ,sha256=z,1\n../../../bin/pip,sha256=q,7\ntqdm-4.dist-info/RECORD,,";
        let condensed = condense_record(text);
        let before: Vec<RecordEntry> = parse_record(text).collect();
        let after: Vec<RecordEntry> = parse_record(&condensed).collect();
        assert_eq!(after, before);
        assert_eq!(before.len(), 6);
        assert!(!condensed.contains("sha256"), "{condensed}");
        assert!(condensed.len() < text.len());
    }

    #[test]
    fn metadata_headers_keep_what_the_readers_read() {
        let text = "Metadata-Version: 2.1\r\nName: torch\r\nVersion: 2.5.1\r\n\
                    Requires-Dist: filelock\r\n  \r\nName: not-this\n# torch\n";
        let headers = metadata_headers(text);
        assert!(headers.ends_with("filelock\r\n"), "{headers:?}");
        assert_eq!(parse_metadata(headers), parse_metadata(text));
        assert_eq!(requires_dist(headers), requires_dist(text));
        assert_eq!(metadata_headers("Name: x"), "Name: x");
        assert_eq!(metadata_headers("\nName: x"), "");
    }

    #[test]
    fn record_rows() {
        let text = "tqdm/cli.py,sha256=abc,10509\r\n\"a,b.py\",sha256=x,3\r\npip/__pycache__/x.pyc,,\r\ntqdm-4.dist-info/RECORD,,\r\n";
        let rows: Vec<RecordEntry> = parse_record(text).collect();
        assert_eq!(
            rows[0],
            RecordEntry {
                path: "tqdm/cli.py".into(),
                size: Some(10509)
            }
        );
        assert_eq!(rows[1].path, "a,b.py");
        assert_eq!(rows[2].size, None);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            resolve_record_path("opt/venv/lib/python3.11/site-packages", "../../../bin/pip")
                .as_deref(),
            Some("opt/venv/bin/pip")
        );
        assert_eq!(
            resolve_record_path("a/site-packages", "../../../../x"),
            None
        );
    }

    #[test]
    fn metadata_name_version_and_requirements() {
        let m = "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\nRequires-Dist: nvidia-cublas-cu12==12.4.5.8; platform_system == \"Linux\"\n\nName: not-a-header\n";
        assert_eq!(
            parse_metadata(m),
            (Some("torch".into()), Some("2.5.1".into()))
        );
        assert_eq!(requires_dist(m).len(), 1);
    }
}
