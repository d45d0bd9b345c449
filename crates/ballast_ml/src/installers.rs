//! Official installer scripts that projects document as `curl URL | sh`.
//!
//! Piping a download into a shell runs whatever the server returns; when the
//! URL is the vendor's own installer, served over HTTPS, the remaining risk
//! is the vendor's (the same as installing its package) and the practical
//! cost is reproducibility: the script, and what it installs, can change
//! between builds.

/// `(host and path prefix, what it installs)`: installers each vendor's
/// documentation tells users to pipe into a shell.
pub const VENDOR_INSTALLERS: &[(&str, &str)] = &[
    ("sh.rustup.rs", "rustup"),
    ("astral.sh/uv/", "uv"),
    ("astral.sh/ruff/", "ruff"),
    ("install.python-poetry.org", "Poetry"),
    ("bootstrap.pypa.io/get-pip.py", "get-pip"),
    ("bun.sh/install", "Bun"),
    ("deb.nodesource.com/setup_", "NodeSource"),
    ("rpm.nodesource.com/setup_", "NodeSource"),
    ("get.docker.com", "Docker"),
    ("ollama.com/install.sh", "Ollama"),
    ("get.pnpm.io/install.sh", "pnpm"),
    ("deno.land/install.sh", "Deno"),
    ("pyenv.run", "pyenv"),
    ("micro.mamba.pm/install.sh", "micromamba"),
    ("raw.githubusercontent.com/nvm-sh/nvm/", "nvm"),
    ("sdk.cloud.google.com", "Google Cloud SDK"),
    ("aka.ms/InstallAzureCLIDeb", "Azure CLI"),
];

/// What a vendor's installer at `url` installs, when the URL is one of
/// [`VENDOR_INSTALLERS`] over HTTPS (never plain HTTP).
pub fn vendor_installer(url: &str) -> Option<&'static str> {
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    VENDOR_INSTALLERS
        .iter()
        .find(|(entry, _)| {
            let (h, p) = entry.split_at(entry.find('/').unwrap_or(entry.len()));
            host.eq_ignore_ascii_case(h) && path.starts_with(p)
        })
        .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_installers_over_https_only() {
        assert_eq!(vendor_installer("https://sh.rustup.rs"), Some("rustup"));
        assert_eq!(
            vendor_installer("https://deb.nodesource.com/setup_20.x"),
            Some("NodeSource")
        );
        assert_eq!(vendor_installer("http://sh.rustup.rs"), None);
        assert_eq!(
            vendor_installer("https://sh.rustup.rs.evil.example/x"),
            None
        );
        assert_eq!(
            vendor_installer("https://astral.sh/uv/0.5.0/install.sh"),
            Some("uv")
        );
        assert_eq!(vendor_installer("https://astral.sh/other.sh"), None);
        assert_eq!(vendor_installer("https://example.com/install.sh"), None);
    }
}
