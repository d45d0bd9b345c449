//! Debian packages: `/var/lib/dpkg/status`, `status.d/*` (distroless) and
//! `info/<pkg>.list` file lists.

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Architecture (`amd64`, `all`).
    pub architecture: String,
    /// `Installed-Size` in KiB (an estimate made when the package was built).
    pub installed_size_kib: Option<u64>,
    /// The source package when it differs (`Source: openssl (3.0.15-1)`):
    /// what Debian's advisories name.
    pub source: Option<String>,
}

/// Parses a status file (or a `status.d` stanza file): installed packages only.
pub fn parse_status(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let mut name = None;
        let mut version = String::new();
        let mut arch = String::new();
        let mut size = None;
        let mut installed = true;
        let mut source = None;
        for line in stanza.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim();
            match k {
                "Package" => name = Some(v.to_string()),
                "Version" => version = v.to_string(),
                "Architecture" => arch = v.to_string(),
                "Installed-Size" => size = v.parse().ok(),
                "Status" => installed = v.ends_with(" installed"),
                "Source" => source = v.split_whitespace().next().map(str::to_string),
                _ => {}
            }
        }
        if let (Some(name), true) = (name, installed) {
            out.push(Package {
                name,
                version,
                architecture: arch,
                installed_size_kib: size,
                source,
            });
        }
    }
    out
}

/// The package a `var/lib/dpkg/info/<pkg>[:arch].list` path belongs to.
pub fn list_file_package(path: &str) -> Option<&str> {
    let name = path
        .strip_prefix("var/lib/dpkg/info/")?
        .strip_suffix(".list")?;
    Some(name.split(':').next().unwrap_or(name))
}

/// The paths of a `.list` file, root-relative (`/.` and empty lines dropped).
pub fn parse_list(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_start_matches('/'))
        .filter(|l| !l.is_empty() && *l != ".")
}

/// Packages that ship CUDA libraries.
pub fn is_cuda_package(name: &str) -> bool {
    [
        "cuda-",
        "libcublas",
        "libcudnn",
        "libnccl",
        "libnpp",
        "libcufft",
        "libcurand",
        "libcusolver",
        "libcusparse",
        "libnvinfer",
        "libnvjitlink",
        "libnvjpeg",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_stanzas() {
        let text = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\nInstalled-Size: 12000\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: gcc-12\nStatus: install ok installed\nSource: gcc-12 (12.2.0-14)\nVersion: 12.2\nDescription: x\n continued\n";
        let pkgs = parse_status(text);
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].installed_size_kib, Some(12000));
        assert_eq!(pkgs[1].name, "gcc-12");
        assert_eq!(pkgs[1].source.as_deref(), Some("gcc-12"));
        assert_eq!(pkgs[0].source, None);
    }

    #[test]
    fn lists_and_families() {
        assert_eq!(
            list_file_package("var/lib/dpkg/info/binutils-common:amd64.list"),
            Some("binutils-common")
        );
        assert_eq!(
            parse_list("/.\n/usr\n/usr/bin/cat\n").collect::<Vec<_>>(),
            ["usr", "usr/bin/cat"]
        );
        assert!(is_cuda_package("libcudnn9-cuda-12"));
    }
}
