//! Alpine packages: `/lib/apk/db/installed`, one stanza per package of
//! one-letter fields (`P` name, `V` version, `A` architecture, `o` origin,
//! `L` licence, `I` installed size, `F` a directory, `R` a file in the last `F`).

/// One installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// The source package (`o:`), what Alpine's advisories name.
    pub origin: Option<String>,
    /// The licence as the package declares it (`L:`).
    pub license: Option<String>,
    /// `I:` in bytes (an estimate made when the package was built).
    pub installed_size: Option<u64>,
    /// The files it owns, root-relative.
    pub files: Vec<String>,
}

/// Parses the installed database; stanzas without a name are skipped.
pub fn parse_installed(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let mut p = Package::default();
        let mut dir = String::new();
        for line in stanza.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim_end_matches('\r');
            match k {
                "P" => p.name = v.to_string(),
                "V" => p.version = v.to_string(),
                "A" => p.architecture = v.to_string(),
                "o" => p.origin = Some(v.to_string()),
                "L" => p.license = Some(v.to_string()).filter(|l| !l.is_empty()),
                "I" => p.installed_size = v.parse().ok(),
                "F" => dir = v.trim_matches('/').to_string(),
                "R" if dir.is_empty() => p.files.push(v.to_string()),
                "R" => p.files.push(format!("{dir}/{v}")),
                _ => {}
            }
        }
        if !p.name.is_empty() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_files() {
        let db = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:400000\nI:700000\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\nZ:Q1x=\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nF:bin\nR:busybox\nF:etc/busybox-paths.d\n\nV:orphan\n";
        let pkgs = parse_installed(db);
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].name, "musl");
        assert_eq!(pkgs[0].version, "1.2.5-r0");
        assert_eq!(pkgs[0].installed_size, Some(700000));
        assert_eq!(
            pkgs[0].files,
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(pkgs[1].origin.as_deref(), Some("busybox"));
        assert_eq!(pkgs[1].license.as_deref(), Some("GPL-2.0-only"));
        assert_eq!(pkgs[1].files, ["bin/busybox"]);
    }
}
