//! Reading images from an OCI distribution registry.
//!
//! A small synchronous client (ureq): layer bodies stream straight into the
//! layer scanner (no async bridge), and every header the protocol needs is
//! in reach: `Accept` with both OCI and Docker media types, the
//! `WWW-Authenticate` bearer-token and basic flows, `Retry-After` on 429 and
//! 503 within a bound, and redirects followed by hand so `Authorization`
//! never goes to another host. Plain HTTP only for loopback registries or
//! with `insecure`. Credentials: explicit, else the Docker configuration
//! (`auths`, `credsStore`, `credHelpers`) through `docker_credential`.
//!
//! The registry is one more [`Members`] container: the plan/execute
//! pipeline of the other sources resolves the index by platform, verifies
//! digests and scans layers in parallel. Layers land in a content-addressed
//! [`BlobCache`] as they stream, once verified.

use std::io::{self, Read};
use std::sync::Mutex;
use std::time::Duration;

use crate::blobcache::BlobCache;
use crate::digest::Digest;
use crate::error::{ImageError, Result};
use crate::layer::{LayerScan, ScanOptions, scan_layer};
use crate::limits::Document;
use crate::source::{self, LoadOptions, LoadedImage, Members};
use crate::spec;

/// Media types a manifest request accepts (the distribution registry hides
/// OCI manifests from clients that do not list them).
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// The longest total wait for `Retry-After`.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

pub use crate::source::{RegistryRef, RemoteOptions};

/// A registry session: the agent, the credentials, the current token.
pub struct Registry {
    agent: ureq::Agent,
    pub target: RegistryRef,
    scheme: &'static str,
    credentials: Option<(String, String)>,
    token: Mutex<Option<String>>,
    display: String,
}

/// An HTTP response the client keeps: status, headers it needs, the body.
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub docker_digest: Option<String>,
    pub body: Box<dyn Read + Send>,
}

fn header(r: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `key="value"` parameters of a `WWW-Authenticate` challenge.
fn challenge_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (q[..end].to_string(), &q[(end + 1).min(q.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.push((key, value));
        rest = next;
    }
    out
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// Credentials for a host from the Docker configuration (helpers included).
fn docker_credentials(host: &str) -> Option<(String, String)> {
    let keys: Vec<&str> = if host == "registry-1.docker.io" {
        vec![
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
        ]
    } else {
        vec![host]
    };
    for key in keys {
        if let Ok(docker_credential::DockerCredential::UsernamePassword(u, p)) =
            docker_credential::get_credential(key)
        {
            return Some((u, p));
        }
    }
    None
}

impl Registry {
    /// A session for a reference.
    pub fn new(target: RegistryRef, opts: &RemoteOptions) -> Result<Registry> {
        let display = format!(
            "docker://{}/{}:{}",
            target.host, target.repository, target.reference
        )
        .replace(":sha256:", "@sha256:");
        let scheme = if target.is_loopback() || opts.insecure {
            "http"
        } else {
            "https"
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .user_agent(concat!("ballast/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .into();
        let credentials = opts
            .credentials
            .clone()
            .or_else(|| docker_credentials(&target.host));
        Ok(Registry {
            agent,
            target,
            scheme,
            credentials,
            token: Mutex::new(None),
            display,
        })
    }

    /// The reference, for messages.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn remote(&self, message: impl Into<String>) -> ImageError {
        ImageError::Remote {
            reference: self.display.clone(),
            message: message.into(),
        }
    }

    fn transport_error(&self, url: &str, e: ureq::Error) -> ImageError {
        let host = &self.target.host;
        // rustls reports a failed handshake through the stream as InvalidData.
        let tls_in_io = matches!(&e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData)
            && url.starts_with("https://");
        let message = match &e {
            ureq::Error::HostNotFound => format!("cannot resolve {host}"),
            _ if tls_in_io => format!(
                "TLS handshake with {host} failed: {e}; a registry serving plain HTTP needs --insecure"
            ),
            ureq::Error::ConnectionFailed | ureq::Error::Io(_) => {
                format!("cannot connect to {host} ({url}): {e}")
            }
            ureq::Error::Timeout(_) => format!("{host} did not answer in time ({url})"),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                format!(
                    "TLS handshake with {host} failed: {e}; a registry serving plain HTTP needs --insecure"
                )
            }
            _ => format!("request to {url} failed: {e}"),
        };
        self.remote(message)
    }

    /// GET with authentication, redirects and rate limits handled.
    pub fn get(&self, path: &str, accept: Option<&str>) -> Result<Response> {
        let mut url = format!("{}://{}{}", self.scheme, self.target.host, path);
        let origin = self.target.host.clone();
        let mut authorized_once = false;
        let mut waited = Duration::ZERO;
        let mut redirects = 0;
        loop {
            let host = url
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or("")
                .to_string();
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            // Credentials only ever go to the registry itself.
            if host == origin
                && let Some(t) = self.token.lock().expect("token").clone()
            {
                req = req.header("Authorization", t);
            }
            let resp = req.call().map_err(|e| self.transport_error(&url, e))?;
            let status = resp.status().as_u16();
            match status {
                200..=299 => {
                    return Ok(Response {
                        status,
                        content_type: header(&resp, "content-type"),
                        docker_digest: header(&resp, "docker-content-digest"),
                        body: Box::new(resp.into_body().into_reader()),
                    });
                }
                301 | 302 | 303 | 307 | 308 => {
                    redirects += 1;
                    let location = header(&resp, "location").ok_or_else(|| {
                        self.remote(format!("redirect without Location from {url}"))
                    })?;
                    if redirects > 5 {
                        return Err(self.remote(format!("too many redirects (last to {location})")));
                    }
                    url = if location.starts_with("http://") || location.starts_with("https://") {
                        location
                    } else if location.starts_with('/') {
                        format!(
                            "{}://{}{}",
                            url.split("://").next().unwrap_or("https"),
                            host,
                            location
                        )
                    } else {
                        return Err(
                            self.remote(format!("unsupported redirect location {location:?}"))
                        );
                    };
                }
                401 if host == origin && !authorized_once => {
                    authorized_once = true;
                    let challenge = header(&resp, "www-authenticate").unwrap_or_default();
                    self.authenticate(&challenge)?;
                }
                401 | 403 => {
                    let how = if self.credentials.is_some() {
                        "the credentials were refused".to_string()
                    } else {
                        format!(
                            "log in with `docker login {}` or pass --username with --password-stdin",
                            self.target.host
                        )
                    };
                    return Err(self.remote(format!("unauthorized ({status}): {how}")));
                }
                429 | 503 => {
                    let retry = header(&resp, "retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1);
                    let wait = Duration::from_secs(retry.max(1));
                    if waited + wait > MAX_RETRY_WAIT {
                        return Err(self.remote(format!(
                            "rate limited by {} ({status}, Retry-After {retry} s; waited {} s already)",
                            self.target.host,
                            waited.as_secs()
                        )));
                    }
                    std::thread::sleep(wait);
                    waited += wait;
                }
                404 => {
                    let mut body = String::new();
                    let _ = resp
                        .into_body()
                        .into_reader()
                        .take(64 << 10)
                        .read_to_string(&mut body);
                    let code = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["errors"][0]["code"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let what = match code.as_str() {
                        "NAME_UNKNOWN" => format!(
                            "repository {} not found on {}",
                            self.target.repository, self.target.host
                        ),
                        "MANIFEST_UNKNOWN" => format!(
                            "no image {}:{} on {}",
                            self.target.repository, self.target.reference, self.target.host
                        ),
                        "BLOB_UNKNOWN" => format!("blob missing on {} ({path})", self.target.host),
                        _ => format!("not found: {url}"),
                    };
                    return Err(self.remote(what));
                }
                _ => {
                    let mut body = String::new();
                    let _ = resp
                        .into_body()
                        .into_reader()
                        .take(4096)
                        .read_to_string(&mut body);
                    let first = body
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(200)
                        .collect::<String>();
                    return Err(self.remote(format!("{url} answered {status}: {first}")));
                }
            }
        }
    }

    /// Answers a `WWW-Authenticate` challenge: a bearer token from the
    /// realm (with basic credentials when known), or basic auth.
    fn authenticate(&self, challenge: &str) -> Result<()> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let Some((u, p)) = &self.credentials else {
                    return Err(self.remote(format!(
                        "unauthorized: {} needs credentials; log in with `docker login {}` or pass --username with --password-stdin",
                        self.target.host, self.target.host
                    )));
                };
                *self.token.lock().expect("token") = Some(basic(u, p));
                Ok(())
            }
            "bearer" => {
                let params = challenge_params(params);
                let get = |k: &str| {
                    params
                        .iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.clone())
                };
                let realm =
                    get("realm").ok_or_else(|| self.remote("bearer challenge without a realm"))?;
                let scope = get("scope")
                    .unwrap_or_else(|| format!("repository:{}:pull", self.target.repository));
                let mut url = format!(
                    "{realm}{}scope={}",
                    if realm.contains('?') { "&" } else { "?" },
                    encode(&scope)
                );
                if let Some(s) = get("service") {
                    url.push_str(&format!("&service={}", encode(&s)));
                }
                let mut req = self.agent.get(&url);
                if let Some((u, p)) = &self.credentials {
                    req = req.header("Authorization", basic(u, p));
                }
                let resp = req.call().map_err(|e| self.transport_error(&url, e))?;
                let status = resp.status().as_u16();
                if status != 200 {
                    let how = if self.credentials.is_some() {
                        "the credentials were refused"
                    } else {
                        "the registry wants credentials"
                    };
                    return Err(self.remote(format!("token request to {realm} answered {status}: {how}; log in with `docker login {}` or pass --username with --password-stdin", self.target.host)));
                }
                let mut body = String::new();
                resp.into_body()
                    .into_reader()
                    .take(1 << 20)
                    .read_to_string(&mut body)
                    .map_err(|e| self.remote(format!("reading the token: {e}")))?;
                let v: serde_json::Value = serde_json::from_str(&body)
                    .map_err(|e| self.remote(format!("malformed token response: {e}")))?;
                let token = v["token"]
                    .as_str()
                    .or(v["access_token"].as_str())
                    .ok_or_else(|| self.remote("token response without a token"))?;
                *self.token.lock().expect("token") = Some(format!("Bearer {token}"));
                Ok(())
            }
            other => Err(self.remote(format!("unsupported authentication scheme {other:?}"))),
        }
    }

    /// A manifest by tag or digest: its bytes, media type and digest.
    pub fn manifest(
        &self,
        reference: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, Option<String>, Digest)> {
        let resp = self.get(
            &format!("/v2/{}/manifests/{reference}", self.target.repository),
            Some(ACCEPT),
        )?;
        let mut bytes = Vec::new();
        resp.body
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.remote(format!("reading the manifest: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(ImageError::Limit {
                what: format!("{}: manifest", self.display),
                message: "is too large".into(),
                limit,
                option: "--max-manifest-bytes",
            });
        }
        let digest = Digest::of(&bytes);
        if reference.starts_with("sha256:") && digest.as_str() != reference {
            return Err(ImageError::DigestMismatch {
                what: "manifest",
                name: reference.to_string(),
                expected: reference.to_string(),
                actual: digest.to_string(),
            });
        }
        Ok((bytes, resp.content_type, digest))
    }

    /// A blob's body, streaming.
    pub fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        Ok(self
            .get(
                &format!("/v2/{}/blobs/{digest}", self.target.repository),
                None,
            )?
            .body)
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The registry as a container of members for the shared pipeline.
struct RegistryMembers<'a> {
    registry: &'a Registry,
    /// Manifests already fetched, by digest.
    manifests: Mutex<Vec<(String, Vec<u8>)>>,
    cache: Option<BlobCache>,
}

impl Members for RegistryMembers<'_> {
    fn reference(&self) -> &str {
        self.registry.display()
    }

    fn exists(&self, path: &str) -> bool {
        // Blobs only (missing ones are reported when fetched): the top
        // document is read before the plan.
        path.starts_with("blobs/")
    }

    fn read_small(&self, path: &str, limit: u64, doc: Document) -> Result<Vec<u8>> {
        let what = doc.label();
        let hex = path
            .strip_prefix("blobs/sha256/")
            .ok_or_else(|| self.registry.remote(format!("no member {path}")))?;
        let digest = format!("sha256:{hex}");
        if let Some((_, b)) = self
            .manifests
            .lock()
            .expect("manifests")
            .iter()
            .find(|(d, _)| *d == digest)
        {
            return Ok(b.clone());
        }
        if doc == Document::Manifest {
            let (bytes, _, _) = self.registry.manifest(&digest, limit)?;
            self.manifests
                .lock()
                .expect("manifests")
                .push((digest, bytes.clone()));
            return Ok(bytes);
        }
        let mut bytes = Vec::new();
        self.registry
            .blob(&digest)?
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                self.registry
                    .remote(format!("reading {what} {digest}: {e}"))
            })?;
        if bytes.len() as u64 > limit {
            return Err(ImageError::Limit {
                what: format!("{}: {what}", self.registry.display()),
                message: "is too large".into(),
                limit,
                option: doc.option(),
            });
        }
        Ok(bytes)
    }

    fn scan(&self, path: &str, opts: &ScanOptions<'_>) -> Result<LayerScan> {
        let hex = path.strip_prefix("blobs/sha256/").unwrap_or(path);
        let digest = format!("sha256:{hex}");
        if let Some(cache) = &self.cache
            && let Some(file) = cache.open(&digest)
        {
            let scan = scan_layer(&digest, io::BufReader::with_capacity(1 << 20, file), opts);
            let good = scan.as_ref().is_ok_and(|s| {
                !opts.verify || s.blob_digest.as_ref().is_some_and(|d| d.as_str() == digest)
            });
            if good {
                return scan;
            }
            // A damaged or tampered cache entry: drop it and fetch again.
            cache.remove(&digest);
        }
        let body = self.registry.blob(&digest)?;
        match (&self.cache, opts.verify) {
            (Some(cache), true) => {
                let mut entry = cache.entry(&digest);
                let scan = scan_layer(&digest, entry.tee(body), opts)?;
                // Kept only when the whole blob was read and its digest checked.
                if scan
                    .blob_digest
                    .as_ref()
                    .is_some_and(|d| d.as_str() == digest)
                {
                    entry.commit();
                }
                Ok(scan)
            }
            _ => scan_layer(&digest, body, opts),
        }
    }
}

/// A registry reference given as text (`host/repo:tag`), or an error
/// naming it.
fn parse_target(reference: &str) -> Result<RegistryRef> {
    match crate::source::Reference::parse(&format!("docker://{reference}"))? {
        crate::source::Reference::Registry(r) => Ok(r),
        _ => unreachable!("a docker:// reference is a registry's"),
    }
}

/// Loads an image from a registry.
pub fn load(target: &RegistryRef, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    let registry = Registry::new(target.clone(), &opts.remote)?;
    let (top, content_type, digest) =
        registry.manifest(&registry.target.reference, opts.limits.max_manifest_bytes)?;
    let doc = spec::parse_manifest_doc(&top, content_type.as_deref())
        .map_err(|e| registry.remote(format!("manifest: {e}")))?;
    // A single manifest is its own digest; an index's is not the image's.
    let own = matches!(doc, spec::ManifestDoc::Image(_)).then(|| digest.to_string());
    let members = RegistryMembers {
        registry: &registry,
        manifests: Mutex::new(vec![(digest.to_string(), top)]),
        cache: opts
            .remote
            .cache_dir
            .as_ref()
            .map(|d| BlobCache::new(d.clone())),
    };
    let plan = source::plan_from(&members, doc, own, None, opts)?;
    source::execute(&members, plan, opts)
}

/// Downloads every layer of a registry image, as a node pulling it would
/// (in parallel, each checked against its digest), without keeping or
/// analysing them: the compressed bytes fetched.
pub fn download(reference: &str, opts: &LoadOptions<'_>) -> Result<u64> {
    use rayon::prelude::*;
    use sha2::Digest as _;
    let target = parse_target(reference)?;
    let info = manifest_only(&target, opts)?;
    let registry = Registry::new(target, &opts.remote)?;
    let sizes: Vec<Result<u64>> = info
        .layers
        .par_iter()
        .map(|(digest, _, _)| {
            let mut body = registry.blob(digest)?;
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0u64;
            loop {
                let n = body
                    .read(&mut buf)
                    .map_err(|e| registry.remote(format!("downloading {digest}: {e}")))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            let actual = Digest::from_hasher(hasher);
            if actual.as_str() != digest {
                return Err(ImageError::DigestMismatch {
                    what: "blob",
                    name: digest.clone(),
                    expected: digest.clone(),
                    actual: actual.to_string(),
                });
            }
            Ok(total)
        })
        .collect();
    sizes.into_iter().sum()
}

/// What `--manifest-only` reports: the manifest, the configuration, and
/// each layer's compressed size, without downloading layers.
#[derive(Debug, Clone)]
pub struct ManifestInfo {
    pub reference: String,
    pub manifest_digest: Option<String>,
    pub config: spec::Config,
    /// (digest, compressed bytes, media type), bottom first.
    pub layers: Vec<(String, u64, String)>,
}

impl ManifestInfo {
    /// The report of what the manifest and configuration say.
    pub fn report(&self) -> crate::inspection::ManifestReport {
        use crate::inspection::{ImageInfo, ManifestLayer, ManifestReport, ManifestTotals};
        // History entries that made a layer, in order.
        let mut steps = self
            .config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone());
        let layers: Vec<ManifestLayer> = self
            .layers
            .iter()
            .enumerate()
            .map(|(index, (digest, size, media))| ManifestLayer {
                index,
                digest: digest.clone(),
                media_type: media.clone(),
                compressed_bytes: *size,
                created_by: steps.next().flatten(),
            })
            .collect();
        ManifestReport {
            schema_version: crate::inspection::SCHEMA_VERSION,
            image: ImageInfo::of(
                self.reference.clone(),
                "oci",
                (self.manifest_digest.clone(), None),
                &self.config,
            ),
            totals: ManifestTotals {
                compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
                layers: layers.len(),
            },
            layers,
        }
    }
}

/// Reads only the manifest and configuration of a registry image.
pub fn manifest_only(target: &RegistryRef, opts: &LoadOptions<'_>) -> Result<ManifestInfo> {
    let platform = opts.platform.as_deref().unwrap_or("linux/amd64");
    let found = image_manifest(target, platform, opts)?;
    Ok(ManifestInfo {
        reference: found.registry.display().to_string(),
        manifest_digest: Some(found.digest.to_string()),
        layers: found
            .manifest
            .layers
            .iter()
            .map(|l| (l.digest.clone(), l.size, l.media_type.clone()))
            .collect(),
        config: found.config,
    })
}

/// What `ballast lint --resolve-bases` reads of a base image in a
/// registry: the platforms its index lists (or its configuration's, for a
/// single manifest) and, for `platform`, its environment's names.
pub fn resolve_base(
    reference: &str,
    platform: &str,
    opts: &LoadOptions<'_>,
) -> Result<ballast_ml::bases::Resolved> {
    let found = image_manifest(&parse_target(reference)?, platform, opts)?;
    let platforms = match found.platforms {
        Some(p) => p,
        None => vec![format!("{}/{}", found.config.os, found.config.architecture)],
    };
    Ok(ballast_ml::bases::Resolved {
        platforms,
        env: found.config.env().into_iter().map(|(k, _)| k).collect(),
        source: format!("docker://{}", found.registry.display()),
    })
}

/// A registry image's manifest for one platform, and its configuration.
struct Found {
    registry: Registry,
    digest: Digest,
    manifest: spec::Manifest,
    config: spec::Config,
    /// The platforms of the index it was chosen from (`os/arch`), if any.
    platforms: Option<Vec<String>>,
}

/// Follows a reference through indexes to the image manifest for
/// `platform` (the first one when none matches), and reads its
/// configuration.
fn image_manifest(target: &RegistryRef, platform: &str, opts: &LoadOptions<'_>) -> Result<Found> {
    let registry = Registry::new(target.clone(), &opts.remote)?;
    let limit = opts.limits.max_manifest_bytes;
    let (mut bytes, mut ct, mut digest) = registry.manifest(&registry.target.reference, limit)?;
    let mut platforms = None;
    for _ in 0..4 {
        match spec::parse_manifest_doc(&bytes, ct.as_deref())
            .map_err(|e| registry.remote(format!("manifest: {e}")))?
        {
            spec::ManifestDoc::Index(index) => {
                let listed: Vec<String> = index
                    .manifests
                    .iter()
                    .filter_map(|d| d.platform.as_ref())
                    .map(|p| format!("{}/{}", p.os, p.architecture))
                    .filter(|p| p != "unknown/unknown")
                    .collect();
                if !listed.is_empty() {
                    platforms = Some(listed);
                }
                let d = index
                    .manifests
                    .iter()
                    .find(|d| d.platform.as_ref().is_some_and(|p| p.matches(platform)))
                    .or(index.manifests.first())
                    .ok_or_else(|| registry.remote("the index lists no manifest"))?;
                (bytes, ct, digest) = registry.manifest(&d.digest, limit)?;
            }
            spec::ManifestDoc::Image(manifest) => {
                let config = read_config(&registry, &manifest.config.digest, opts)?;
                return Ok(Found {
                    registry,
                    digest,
                    manifest,
                    config,
                    platforms,
                });
            }
        }
    }
    Err(registry.remote("index nesting too deep"))
}

/// An image configuration blob, verified against its digest when asked.
fn read_config(registry: &Registry, digest: &str, opts: &LoadOptions<'_>) -> Result<spec::Config> {
    let mut config = Vec::new();
    registry
        .blob(digest)?
        .take(opts.limits.max_config_bytes + 1)
        .read_to_end(&mut config)
        .map_err(|e| registry.remote(format!("reading the configuration: {e}")))?;
    if opts.verify && Digest::of(&config).as_str() != digest {
        return Err(ImageError::DigestMismatch {
            what: "blob",
            name: digest.to_string(),
            expected: digest.to_string(),
            actual: Digest::of(&config).to_string(),
        });
    }
    spec::Config::parse(&config).map_err(|e| registry.remote(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(p[0], ("realm".into(), "https://auth.example/token".into()));
        assert_eq!(p[2].1, "repository:a/b:pull");
    }
}
