//! What names an image: a file, a layout, standard input, a registry or
//! the daemon.

use std::path::{Path, PathBuf};

use ballast_ml::images::ImageRef;

use crate::digest::Digest;
use crate::error::{ImageError, Result};

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A `docker save` archive (legacy or Docker 25+), optionally naming one image.
    DockerArchive {
        path: PathBuf,
        image: Option<String>,
    },
    /// An OCI image layout directory, optionally with a tag.
    OciLayout { path: PathBuf, tag: Option<String> },
    /// A tar of an OCI image layout.
    OciArchive { path: PathBuf, tag: Option<String> },
    /// A tar on standard input.
    Stdin,
    /// A registry (`docker://host[:port]/repo[:tag|@digest]`).
    Registry(RegistryRef),
    /// The Docker Engine (or podman's compatible API).
    Daemon(String),
}

impl Reference {
    /// Parses a reference: `-`, `docker-archive:`, `oci:`, `oci-archive:`,
    /// `docker://`, `daemon://`, or a path (autodetected). A registry
    /// reference that is not well formed is an error naming it.
    pub fn parse(s: &str) -> Result<Reference> {
        if s == "-" {
            return Ok(Reference::Stdin);
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return RegistryRef::resolve(rest).map(Reference::Registry);
        }
        if let Some(rest) = s.strip_prefix("daemon://") {
            return Ok(Reference::Daemon(rest.to_string()));
        }
        Ok(Reference::local(s))
    }

    /// A file, a layout directory, or an archive path with a tag.
    fn local(s: &str) -> Reference {
        let split = |rest: &str| -> (PathBuf, Option<String>) {
            if Path::new(rest).exists() {
                return (PathBuf::from(rest), None);
            }
            match rest.rsplit_once(':') {
                Some((p, t)) if Path::new(p).exists() => (PathBuf::from(p), Some(t.to_string())),
                _ => (PathBuf::from(rest), None),
            }
        };
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (path, image) = split(rest);
            return Reference::DockerArchive { path, image };
        }
        if let Some(rest) = s.strip_prefix("oci-archive:") {
            let (path, tag) = split(rest);
            return Reference::OciArchive { path, tag };
        }
        if let Some(rest) = s.strip_prefix("oci:") {
            let (path, tag) = split(rest);
            return Reference::OciLayout { path, tag };
        }
        let path = PathBuf::from(s);
        if path.is_dir() {
            Reference::OciLayout { path, tag: None }
        } else {
            // An archive of either kind: told apart by its members.
            Reference::DockerArchive { path, image: None }
        }
    }

    /// The daemon's image, for a bare name (`python:3.12`) that is not a
    /// file when a daemon answers; else the reference itself.
    #[cfg(feature = "daemon")]
    pub fn or_daemon(self, raw: &str) -> Reference {
        match &self {
            Reference::DockerArchive { path, .. }
                if !path.exists()
                    && !raw.starts_with("docker-archive:")
                    && looks_like_image_name(raw)
                    && crate::daemon::available() =>
            {
                Reference::Daemon(raw.to_string())
            }
            _ => self,
        }
    }
}

/// `name[:tag]` or `registry/name[:tag]` (no path separators a file would have).
#[cfg(feature = "daemon")]
fn looks_like_image_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['/', '.', '~'])
        && !s.ends_with(".tar")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/:._-@".contains(c))
}

/// An image in a registry, fully resolved: the host requests go to (Docker
/// Hub's for a name without one), the repository (`library/` added for an
/// official image), the tag or digest asked for (`latest` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// The host (and port) requests go to.
    pub host: String,
    pub repository: String,
    /// A tag or a digest.
    pub reference: String,
    /// The digest, when the reference pins one.
    pub digest: Option<String>,
}

impl RegistryRef {
    /// `host[:port]/repository[:tag][@digest]`, split as every image
    /// reference is ([`ImageRef`]) and checked against the distribution
    /// grammar BuildKit uses.
    pub fn parse(s: &str) -> std::result::Result<RegistryRef, String> {
        let r = ImageRef::parse(s);
        if let Some(d) = r.digest {
            Digest::parse(d).map_err(|e| format!("bad digest {d:?}: {e}"))?;
        }
        if !ImageRef::is_valid(s) {
            return Err(format!(
                "bad repository name {:?}: lowercase letters, digits and separators, a tag of word characters",
                r.repository
            ));
        }
        let hub = ballast_ml::images::is_docker_hub(r.registry);
        let host = match r.registry {
            Some(h) if !hub => h.to_string(),
            _ => "registry-1.docker.io".to_string(),
        };
        let repository = if hub && !r.repository.contains('/') {
            format!("library/{}", r.repository)
        } else {
            r.repository.to_string()
        };
        Ok(RegistryRef {
            host,
            repository,
            reference: r.digest.or(r.tag).unwrap_or("latest").to_string(),
            digest: r.digest.map(str::to_string),
        })
    }

    /// [`RegistryRef::parse`] with an error naming `docker://REFERENCE`.
    pub fn resolve(reference: &str) -> Result<RegistryRef> {
        RegistryRef::parse(reference).map_err(|message| ImageError::Remote {
            reference: format!("docker://{reference}"),
            message,
        })
    }

    /// Whether the host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        let name = if let Some(rest) = self.host.strip_prefix('[') {
            rest.split(']').next().unwrap_or(rest)
        } else {
            self.host.split(':').next().unwrap_or(&self.host)
        };
        name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_references() {
        let r = RegistryRef::parse("127.0.0.1:5000/team/app:1.0").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.reference.as_str()),
            ("127.0.0.1:5000", "team/app", "1.0")
        );
        assert!(r.is_loopback());
        let r = RegistryRef::parse("python").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.reference.as_str()),
            ("registry-1.docker.io", "library/python", "latest")
        );
        assert!(!r.is_loopback());
        let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let r = RegistryRef::parse(&format!("localhost/app@{d}")).unwrap();
        assert_eq!(r.reference, d);
        assert!(RegistryRef::parse("localhost/App").is_err());
        assert!(RegistryRef::parse("localhost/app@sha256:zz").is_err());
    }

    #[test]
    fn parses_references() {
        assert_eq!(Reference::parse("-").unwrap(), Reference::Stdin);
        assert_eq!(
            Reference::parse("docker://localhost:5000/app:1").unwrap(),
            Reference::Registry(RegistryRef::parse("localhost:5000/app:1").unwrap())
        );
        assert!(Reference::parse("docker://localhost/App").is_err());
        assert_eq!(
            Reference::parse("oci:/nonexistent/dir").unwrap(),
            Reference::OciLayout {
                path: "/nonexistent/dir".into(),
                tag: None
            }
        );
        assert_eq!(
            Reference::parse("docker-archive:/no/such.tar").unwrap(),
            Reference::DockerArchive {
                path: "/no/such.tar".into(),
                image: None
            }
        );
    }
}
