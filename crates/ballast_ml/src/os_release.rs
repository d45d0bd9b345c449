//! `/etc/os-release` (or `/usr/lib/os-release`): which distribution an image
//! is built on, as scanners need it to match OS packages to advisories.

/// The fields of os-release an SBOM needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID`: `debian`, `ubuntu`, `alpine`, ...
    pub id: String,
    /// `VERSION_ID`: `12`, `22.04`, `3.20.3`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`, `jammy`.
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

/// Parses an os-release file: `KEY=value` lines, values optionally quoted
/// (shell-style, with backslash escapes inside double quotes). `None`
/// without an `ID`.
pub fn parse(text: &str) -> Option<OsRelease> {
    let mut out = OsRelease::default();
    for line in text.lines() {
        let Some((key, raw)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim());
        let value = (!value.is_empty()).then_some(value);
        match key {
            "ID" => out.id = value.unwrap_or_default(),
            "VERSION_ID" => out.version_id = value,
            "VERSION_CODENAME" => out.codename = value,
            "PRETTY_NAME" => out.pretty_name = value,
            _ => {}
        }
    }
    (!out.id.is_empty()).then_some(out)
}

fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                c => out.push(c),
            }
        }
        out
    } else if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        inner.to_string()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_and_alpine() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let d = parse(debian).unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let alpine = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME='Alpine Linux v3.20'\n";
        let a = parse(alpine).unwrap();
        assert_eq!(
            (a.id.as_str(), a.version_id.as_deref()),
            ("alpine", Some("3.20.3"))
        );
        assert_eq!(a.pretty_name.as_deref(), Some("Alpine Linux v3.20"));
        assert_eq!(parse("NAME=x\n# no id\n"), None);
        assert_eq!(parse("ID=\"a\\\"b\"").unwrap().id, "a\"b");
    }
}
