//! A real OCI distribution registry for tests (Debian's `docker-registry`,
//! plain HTTP on a loopback port, optionally with htpasswd auth), skopeo to
//! push images into it, and a small front server written here for what the
//! registry cannot show: the bearer-token flow, rate limiting with
//! `Retry-After`, and blob redirects to another host.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::free_port;

/// Whether the registry tools are installed.
pub fn registry_available() -> Result<(), String> {
    for tool in ["docker-registry", "skopeo", "htpasswd"] {
        if crate::probe::on_path(tool).is_none() {
            return Err(format!("{tool} is not installed"));
        }
    }
    Ok(())
}

/// A running registry.
pub struct Registry {
    pub root: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Registry {
    /// Starts `docker-registry serve` on a free loopback port, with
    /// htpasswd basic auth when `auth` is given.
    pub fn start(auth: Option<(&str, &str)>) -> Result<Registry, String> {
        registry_available()?;
        let root = tempfile::Builder::new()
            .prefix("reg")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: fixed-test-secret\nlog:\n  level: error\n",
            root.path().join("data").display()
        );
        if let Some((user, pass)) = auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .map_err(|e| format!("htpasswd: {e}"))?;
            std::fs::write(root.path().join("htpasswd"), &out.stdout).map_err(|e| e.to_string())?;
            config.push_str(&format!(
                "auth:\n  htpasswd: {{realm: ballast-test, path: {}}}\n",
                root.path().join("htpasswd").display()
            ));
        }
        std::fs::write(root.path().join("config.yml"), config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(root.path().join("log")).map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(root.path().join("config.yml"))
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("docker-registry: {e}"))?;
        let r = Registry { root, port, child };
        let start = Instant::now();
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = write!(s, "GET /v2/ HTTP/1.0\r\n\r\n");
                let mut head = String::new();
                let _ = BufReader::new(s).read_line(&mut head);
                if head.contains(" 200") || head.contains(" 401") {
                    return Ok(r);
                }
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err(format!(
                    "the registry did not start: {}",
                    std::fs::read_to_string(r.root.path().join("log")).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Copies an image into the registry with skopeo (`src` in skopeo's
    /// transport syntax, e.g. `oci:/path:tag`), as `repo:tag`.
    pub fn push(
        &self,
        src: &str,
        dest: &str,
        all: bool,
        creds: Option<(&str, &str)>,
    ) -> Result<(), String> {
        let mut c = Command::new("skopeo");
        c.args(["--insecure-policy", "copy", "--dest-tls-verify=false", "-q"]);
        if all {
            c.arg("--all");
        }
        if let Some((u, p)) = creds {
            c.arg("--dest-creds").arg(format!("{u}:{p}"));
        }
        let out = c
            .arg(src)
            .arg(format!("docker://{}/{dest}", self.addr()))
            .output()
            .map_err(|e| format!("skopeo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "skopeo copy {src}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the front server does besides requiring a bearer token.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrontOptions {
    /// Answer the first authorized request with 429 and `Retry-After: 1`.
    pub rate_limit_once: bool,
    /// Answer every request with 429 and `Retry-After: 3600`.
    pub rate_limit_always: bool,
    /// Redirect blob requests to a second server (another host:port).
    pub redirect_blobs: bool,
}

/// A registry front: requires `Bearer` tokens issued by its own `/token`
/// endpoint (basic credentials checked), then forwards to the registry.
pub struct TokenFront {
    pub port: u16,
    /// `Authorization` headers seen by the redirect target (must stay empty).
    pub redirect_auth: Arc<Mutex<Vec<String>>>,
    /// Requests served by the redirect target.
    pub redirected: Arc<AtomicUsize>,
    /// Token requests served.
    pub tokens: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

const TOKEN: &str = "t0k3n-ballast";

struct Request {
    path: String,
    headers: Vec<(String, String)>,
}

fn read_request(s: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Some(Request { path, headers })
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = s.write_all(out.as_bytes());
    let _ = s.write_all(body);
}

/// Forwards a GET to the registry over HTTP/1.0 and streams the answer back.
fn forward(s: &mut TcpStream, upstream: u16, req: &Request) {
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else {
        respond(s, "502 Bad Gateway", &[], b"");
        return;
    };
    let accept = req
        .headers
        .iter()
        .find(|(k, _)| k == "accept")
        .map(|(_, v)| v.clone());
    let mut head = format!(
        "GET {} HTTP/1.0\r\nHost: 127.0.0.1:{upstream}\r\n",
        req.path
    );
    if let Some(a) = accept {
        head.push_str(&format!("Accept: {a}\r\n"));
    }
    head.push_str("\r\n");
    if up.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut buf = [0u8; 64 << 10];
    loop {
        match up.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

fn serve(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handler: impl Fn(&mut TcpStream, Request) + Send + Sync + 'static,
) {
    let handler = Arc::new(handler);
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let h = handler.clone();
                    std::thread::spawn(move || {
                        if let Some(req) = read_request(&mut s) {
                            h(&mut s, req);
                        }
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

impl TokenFront {
    /// Starts the front for the registry on `upstream` with these credentials.
    pub fn start(upstream: u16, user: &str, pass: &str, opts: FrontOptions) -> TokenFront {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let redirect_listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let redirect_port = redirect_listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let redirect_auth = Arc::new(Mutex::new(Vec::new()));
        let redirected = Arc::new(AtomicUsize::new(0));
        let tokens = Arc::new(AtomicUsize::new(0));
        let basic = {
            use base64::Engine;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            )
        };
        let limited = Arc::new(AtomicBool::new(false));
        {
            let tokens = tokens.clone();
            serve(listener, stop.clone(), move |s, req| {
                let auth = req
                    .headers
                    .iter()
                    .find(|(k, _)| k == "authorization")
                    .map(|(_, v)| v.clone());
                if req.path.starts_with("/token") {
                    let granted = auth.as_deref() == Some(basic.as_str());
                    if granted {
                        tokens.fetch_add(1, Ordering::Relaxed);
                    }
                    answer_token(s, granted);
                    return;
                }
                if auth.as_deref() != Some(&format!("Bearer {TOKEN}")) {
                    challenge(s, port, &req.path);
                    return;
                }
                if opts.rate_limit_always
                    || (opts.rate_limit_once && !limited.swap(true, Ordering::Relaxed))
                {
                    let wait = if opts.rate_limit_always { "3600" } else { "1" };
                    respond(
                        s,
                        "429 Too Many Requests",
                        &[("Retry-After", wait.into())],
                        b"{\"errors\":[{\"code\":\"TOOMANYREQUESTS\"}]}",
                    );
                    return;
                }
                if opts.redirect_blobs && req.path.contains("/blobs/") {
                    respond(
                        s,
                        "307 Temporary Redirect",
                        &[(
                            "Location",
                            format!("http://127.0.0.1:{redirect_port}{}", req.path),
                        )],
                        b"",
                    );
                    return;
                }
                forward(s, upstream, &req);
            });
        }
        {
            let seen = redirect_auth.clone();
            let count = redirected.clone();
            serve(redirect_listener, stop.clone(), move |s, req| {
                count.fetch_add(1, Ordering::Relaxed);
                if let Some((_, v)) = req.headers.iter().find(|(k, _)| k == "authorization") {
                    seen.lock().unwrap().push(v.clone());
                }
                forward(s, upstream, &req);
            });
        }
        TokenFront {
            port,
            redirect_auth,
            redirected,
            tokens,
            stop,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TokenFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The token endpoint's answer: a token, or 401 for wrong credentials.
fn answer_token(s: &mut TcpStream, granted: bool) {
    if granted {
        respond(
            s,
            "200 OK",
            &[("Content-Type", "application/json".into())],
            format!("{{\"token\":\"{TOKEN}\",\"expires_in\":300}}").as_bytes(),
        );
    } else {
        respond(
            s,
            "401 Unauthorized",
            &[],
            b"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
        );
    }
}

/// 401 with a bearer challenge for the repository a path names.
fn challenge(s: &mut TcpStream, port: u16, path: &str) {
    let repo = path
        .strip_prefix("/v2/")
        .and_then(|p| {
            p.rsplit_once("/manifests/")
                .or_else(|| p.rsplit_once("/blobs/"))
        })
        .map_or("", |(r, _)| r);
    let challenge = format!(
        "Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"ballast-test\",scope=\"repository:{repo}:pull\""
    );
    respond(
        s,
        "401 Unauthorized",
        &[("WWW-Authenticate", challenge)],
        b"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
    );
}
