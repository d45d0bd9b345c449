//! The HTTP client: manifests and blobs, bearer-token and basic auth,
//! Docker credentials, retries, redirects kept on the same host.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use crate::digest::Digest;
use crate::error::{ImageError, Result};

use super::{RegistryRef, RemoteOptions};

/// Media types a manifest request accepts (the distribution registry hides
/// OCI manifests from clients that do not list them).
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// The longest total wait for `Retry-After`.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

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

/// What a request sends.
#[derive(Clone, Copy)]
pub(super) enum SendBody<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// A file, opened again for each attempt.
    File(&'a std::path::Path),
}

/// The first `limit` bytes of a response's body, as text (for messages).
fn body_start(resp: ureq::http::Response<ureq::Body>, limit: u64) -> String {
    let mut body = String::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(limit)
        .read_to_string(&mut body);
    body
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

    pub(super) fn remote(&self, message: impl Into<String>) -> ImageError {
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
                    url = self.redirect(&url, &host, header(&resp, "location"), redirects)?;
                }
                401 if host == origin && !authorized_once => {
                    authorized_once = true;
                    let challenge = header(&resp, "www-authenticate").unwrap_or_default();
                    self.authenticate(&challenge)?;
                }
                401 | 403 => return Err(self.unauthorized(status)),
                429 | 503 => {
                    let wait = self.retry_wait(&resp, status, waited)?;
                    std::thread::sleep(wait);
                    waited += wait;
                }
                404 => return Err(self.not_found(resp, &url, path)),
                _ => {
                    let first = body_start(resp, 4096);
                    let first = first.lines().next().unwrap_or("");
                    let first: String = first.chars().take(200).collect();
                    return Err(self.remote(format!("{url} answered {status}: {first}")));
                }
            }
        }
    }

    /// Where a redirect leads: an absolute URL, or a path on the same host.
    fn redirect(
        &self,
        url: &str,
        host: &str,
        location: Option<String>,
        redirects: u32,
    ) -> Result<String> {
        let location =
            location.ok_or_else(|| self.remote(format!("redirect without Location from {url}")))?;
        if redirects > 5 {
            return Err(self.remote(format!("too many redirects (last to {location})")));
        }
        if location.starts_with("http://") || location.starts_with("https://") {
            Ok(location)
        } else if location.starts_with('/') {
            let scheme = url.split("://").next().unwrap_or("https");
            Ok(format!("{scheme}://{host}{location}"))
        } else {
            Err(self.remote(format!("unsupported redirect location {location:?}")))
        }
    }

    fn unauthorized(&self, status: u16) -> ImageError {
        let how = if self.credentials.is_some() {
            "the credentials were refused".to_string()
        } else {
            format!(
                "log in with `docker login {}` or pass --username with --password-stdin",
                self.target.host
            )
        };
        self.remote(format!("unauthorized ({status}): {how}"))
    }

    /// How long `Retry-After` asks to wait, unless the waits would pass the limit.
    fn retry_wait(
        &self,
        resp: &ureq::http::Response<ureq::Body>,
        status: u16,
        waited: Duration,
    ) -> Result<Duration> {
        let retry = header(resp, "retry-after")
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
        Ok(wait)
    }

    /// A 404 named by the registry's error code.
    fn not_found(
        &self,
        resp: ureq::http::Response<ureq::Body>,
        url: &str,
        path: &str,
    ) -> ImageError {
        let body = body_start(resp, 64 << 10);
        let code = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["errors"][0]["code"].as_str().map(str::to_string))
            .unwrap_or_default();
        let t = &self.target;
        self.remote(match code.as_str() {
            "NAME_UNKNOWN" => format!("repository {} not found on {}", t.repository, t.host),
            "MANIFEST_UNKNOWN" => {
                format!("no image {}:{} on {}", t.repository, t.reference, t.host)
            }
            "BLOB_UNKNOWN" => format!("blob missing on {} ({path})", t.host),
            _ => format!("not found: {url}"),
        })
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

    /// A request that changes the registry (HEAD, POST, PUT; `push`), with
    /// authentication answered once; `url` is a path on the registry or an
    /// upload location it gave. Returns the status and the `Location` and
    /// `Docker-Content-Digest` headers.
    pub(super) fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: SendBody<'_>,
    ) -> Result<(u16, Option<String>, Option<String>)> {
        let url = if url.starts_with('/') {
            format!("{}://{}{url}", self.scheme, self.target.host)
        } else {
            url.to_string()
        };
        for attempt in 0..2 {
            let mut req = ureq::http::Request::builder().method(method).uri(&url);
            if let Some(t) = self.token.lock().expect("token").clone() {
                req = req.header("Authorization", t);
            }
            if let Some(c) = content_type {
                req = req.header("Content-Type", c);
            }
            let io = |e: std::io::Error| self.remote(format!("{method} {url}: {e}"));
            let resp = match body {
                SendBody::Empty => self
                    .agent
                    .run(req.body(()).map_err(|e| self.remote(e.to_string()))?),
                SendBody::Bytes(b) => self
                    .agent
                    .run(req.body(b).map_err(|e| self.remote(e.to_string()))?),
                SendBody::File(path) => {
                    let file = std::fs::File::open(path).map_err(io)?;
                    self.agent
                        .run(req.body(file).map_err(|e| self.remote(e.to_string()))?)
                }
            }
            .map_err(|e| self.transport_error(&url, e))?;
            let status = resp.status().as_u16();
            if status == 401 && attempt == 0 {
                let challenge = header(&resp, "www-authenticate").unwrap_or_default();
                self.authenticate(&challenge)?;
                continue;
            }
            if status == 401 || status == 403 {
                return Err(self.unauthorized(status));
            }
            if status >= 400 {
                let first = body_start(resp, 4096);
                let first: String = first
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                return Err(self.remote(format!("{method} {url} answered {status}: {first}")));
            }
            return Ok((
                status,
                header(&resp, "location"),
                header(&resp, "docker-content-digest"),
            ));
        }
        unreachable!("the loop returns on its second attempt")
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
