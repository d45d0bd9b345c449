//! A real Docker daemon for end-to-end tests and benchmarks: dockerd (the
//! Debian `docker.io` package) started with all its state in a temporary
//! directory, on a unix socket, no bridge network (builds and containers use
//! the host network), torn down on drop. Base images are made locally: there
//! is no registry to pull public images from (see ../shared/docs/engines.md).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where tests keep downloads between runs.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("ballast")
}

pub use crate::probe::engine_available;

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running dockerd.
pub struct Dockerd {
    pub root: tempfile::TempDir,
    pub socket: PathBuf,
    child: Child,
}

fn ping(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200")
}

impl Dockerd {
    /// Starts dockerd with its data, exec root and socket in a new temporary directory.
    /// Fails at once, saying why, where no engine can run (not root, tools missing).
    pub fn start() -> Result<Dockerd, String> {
        engine_available()?;
        sweep_stale_roots(Path::new("/tmp"));
        // Short paths: unix sockets are limited to about 107 bytes.
        let root = tempfile::Builder::new()
            .prefix("bd")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let r = root.path();
        std::fs::create_dir_all(r.join("config")).map_err(|e| e.to_string())?;
        std::fs::write(r.join("daemon.json"), "{}").map_err(|e| e.to_string())?;
        let socket = r.join("d.sock");
        let log = std::fs::File::create(r.join("dockerd.log")).map_err(|e| e.to_string())?;
        let child = Command::new("dockerd")
            .arg("--config-file")
            .arg(r.join("daemon.json"))
            .arg("--data-root")
            .arg(r.join("data"))
            .arg("--exec-root")
            .arg(r.join("exec"))
            .arg("--pidfile")
            .arg(r.join("docker.pid"))
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .args([
                "--iptables=false",
                "--ip-forward=false",
                "--ip-masq=false",
                "--bridge=none",
                "--storage-driver",
                "overlay2",
            ])
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("dockerd: {e}"))?;
        let d = Dockerd {
            root,
            socket,
            child,
        };
        let start = Instant::now();
        while !ping(&d.socket) {
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("dockerd did not answer in 60 s: {}", d.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(d)
    }

    /// The end of dockerd's log, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.root.path().join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// The Debian docker client (with its built-in BuildKit) talking to this daemon.
    pub fn docker(&self) -> Command {
        let mut c = Command::new("/usr/bin/docker");
        c.env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env("DOCKER_CONFIG", self.root.path().join("config"))
            .env("DOCKER_BUILDKIT", "1")
            .env_remove("DOCKER_CONTEXT");
        c
    }

    /// Runs a docker command; its output, or an error with its stderr.
    pub fn run(&self, args: &[&str]) -> Result<Output, String> {
        let out = self
            .docker()
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "docker {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(out)
    }

    /// `docker build --network host --progress plain -t TAG DIR`, with its log
    /// (BuildKit writes it to stderr) and wall time.
    pub fn build(
        &self,
        dir: &Path,
        tag: &str,
        extra: &[&str],
    ) -> Result<(String, Duration), String> {
        let start = Instant::now();
        let out = self
            .docker()
            .args([
                "build",
                "--network",
                "host",
                "--progress",
                "plain",
                "-t",
                tag,
            ])
            .args(extra)
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().collect();
            return Err(format!(
                "build of {tag} failed:\n{}",
                tail[tail.len().saturating_sub(40)..].join("\n")
            ));
        }
        Ok((log, elapsed))
    }

    /// Removes images by tag and every build cache record: a run that builds
    /// many images keeps only what it still needs on disk (each corpus proof
    /// holds gigabytes of layers and cache).
    pub fn remove_images(&self, tags: &[&str]) -> Result<(), String> {
        let mut args = vec!["image", "rm", "--force"];
        args.extend_from_slice(tags);
        self.run(&args)?;
        self.run(&["builder", "prune", "--all", "--force"])?;
        Ok(())
    }

    /// An image's size in bytes (`docker image inspect`).
    pub fn image_size(&self, tag: &str) -> Result<u64, String> {
        let out = self.run(&["image", "inspect", "--format", "{{.Size}}", tag])?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|e| format!("size of {tag}: {e}"))
    }

    /// Starts a container on the host network, waits until `GET path` on
    /// `port` answers 200, returns the body, and removes the container.
    pub fn run_http(
        &self,
        image: &str,
        command: &[&str],
        port: u16,
        path: &str,
    ) -> Result<String, String> {
        self.run_http_with(image, &[], command, port, path)
    }

    /// [`Dockerd::run_http`] with `docker run` options (`--read-only`,
    /// `--cap-drop ALL`, ...) before the image.
    pub fn run_http_with(
        &self,
        image: &str,
        options: &[&str],
        command: &[&str],
        port: u16,
        path: &str,
    ) -> Result<String, String> {
        let name = format!("t{}", free_port());
        let mut args = vec!["run", "-d", "--name", &name, "--network", "host"];
        args.extend_from_slice(options);
        args.push(image);
        args.extend_from_slice(command);
        self.run(&args)?;
        let start = Instant::now();
        let result = loop {
            if let Some(body) = http_get(port, path) {
                break Ok(body);
            }
            if start.elapsed() > Duration::from_secs(60) {
                let logs = self
                    .docker()
                    .args(["logs", &name])
                    .output()
                    .map(|o| {
                        format!(
                            "{}{}",
                            String::from_utf8_lossy(&o.stdout),
                            String::from_utf8_lossy(&o.stderr)
                        )
                    })
                    .unwrap_or_default();
                break Err(format!("{image} did not answer on port {port}: {logs}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let _ = self.docker().args(["rm", "-f", &name]).output();
        result
    }

    /// Saves an image as a docker-archive.
    pub fn save(&self, image: &str, dest: &Path) -> Result<(), String> {
        self.run(&["save", "-o", &dest.display().to_string(), image])
            .map(|_| ())
    }
}

/// `GET path` on loopback: the body when the status is 200.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| body.to_string())
        .or_else(|| head.starts_with("HTTP/1.0 200").then(|| body.to_string()))
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        unmount_below(self.root.path());
    }
}

/// apt's hooks that delete downloaded packages after each install, as the
/// official Debian images set them.
const APT_CLEAN: &str = "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nAPT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n";

/// A Debian bookworm root filesystem tarball (debootstrap minbase with the
/// given packages), cached under [`cache_dir`] by its package list.
pub fn debian_rootfs(include: &[&str]) -> Result<PathBuf, String> {
    let key = include.join(",");
    // The apt settings below are part of what is cached: their version too.
    let name = format!("rootfs-bookworm-{:016x}.tar", fnv(&format!("{key};apt-v2")));
    let tar = cache_dir().join(&name);
    if tar.is_file() {
        return Ok(tar);
    }
    std::fs::create_dir_all(cache_dir()).map_err(|e| e.to_string())?;
    let dir = tempfile::Builder::new()
        .prefix("rootfs")
        .tempdir_in(cache_dir())
        .map_err(|e| e.to_string())?;
    let rootfs = dir.path().join("rootfs");
    let out = Command::new("debootstrap")
        .args(["--variant=minbase", &format!("--include={key}"), "bookworm"])
        .arg(&rootfs)
        .arg("http://deb.debian.org/debian")
        .output()
        .map_err(|e| format!("debootstrap: {e}"))?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = log.lines().collect();
        return Err(format!(
            "debootstrap failed: {}",
            lines[lines.len().saturating_sub(20)..].join("\n")
        ));
    }
    // Like the official python images: pip may install system-wide.
    for entry in glob_dirs(&rootfs.join("usr/lib"), "python3") {
        let _ = std::fs::remove_file(entry.join("EXTERNALLY-MANAGED"));
    }
    // Like the official Debian images: apt deletes the packages it
    // downloaded, keeps its lists gzipped and fetches no translations, so an
    // `apt-get install` stores what the image model predicts.
    let conf = rootfs.join("etc/apt/apt.conf.d");
    std::fs::create_dir_all(&conf).map_err(|e| e.to_string())?;
    std::fs::write(conf.join("docker-clean"), APT_CLEAN).map_err(|e| e.to_string())?;
    std::fs::write(
        conf.join("docker-gzip-indexes"),
        "Acquire::GzipIndexes \"true\";\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        conf.join("docker-no-languages"),
        "Acquire::Languages \"none\";\n",
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(rootfs.join("var/cache/apt/archives"));
    let _ = std::fs::create_dir_all(rootfs.join("var/cache/apt/archives/partial"));
    let partial = dir.path().join("rootfs.tar");
    let status = Command::new("tar")
        .args(["--numeric-owner", "-C"])
        .arg(&rootfs)
        .args(["-cf"])
        .arg(&partial)
        .arg(".")
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("tar of the rootfs failed".into());
    }
    std::fs::rename(&partial, &tar).map_err(|e| e.to_string())?;
    Ok(tar)
}

fn glob_dirs(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// Wheels for `packages` (CPython 3.11, manylinux x86_64), downloaded on
/// the host once and cached under [`cache_dir`].
pub fn wheels(packages: &[&str]) -> Result<PathBuf, String> {
    let key = packages.join(" ");
    let dir = cache_dir().join(format!("wheels-{:016x}", fnv(&key)));
    if dir.join(".done").is_file() {
        return Ok(dir);
    }
    let python = match std::env::var_os("BALLAST_PEERS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let venv = cache_dir().join("pip-venv");
            if !venv.join("bin/pip").is_file() {
                let st = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .map_err(|e| e.to_string())?;
                if !st.success() {
                    return Err("python3 -m venv failed".into());
                }
            }
            venv.join("bin/python")
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "-q",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
        ])
        .args([
            "--platform",
            "manylinux2014_x86_64",
            "--platform",
            "manylinux_2_17_x86_64",
            "--platform",
            "manylinux_2_28_x86_64",
            "--platform",
            "any",
        ])
        .arg("--dest")
        .arg(&dir)
        .args(packages)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "pip download failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::write(dir.join(".done"), "").map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Serves the files of a directory over HTTP on a loopback port (an HTML
/// listing at `/`, which pip reads as `--find-links`), until dropped.
pub struct WheelServer {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl WheelServer {
    pub fn start(dir: &Path) -> Result<WheelServer, String> {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let dir = dir.to_path_buf();
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let Ok((mut s, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let _ = s.set_nonblocking(false);
                    let mut buf = [0u8; 8192];
                    let n = s.read(&mut buf).unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]);
                    let path = req
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("/")
                        .trim_start_matches('/')
                        .to_string();
                    if path.is_empty() {
                        let mut html = String::from("<html><body>\n");
                        let mut names: Vec<String> = std::fs::read_dir(&dir)
                            .map(|rd| {
                                rd.flatten()
                                    .map(|e| e.file_name().to_string_lossy().into_owned())
                                    .collect()
                            })
                            .unwrap_or_default();
                        names.sort();
                        for n in names
                            .iter()
                            .filter(|n| n.ends_with(".whl") || n.ends_with(".tar.gz"))
                        {
                            html.push_str(&format!("<a href=\"/{n}\">{n}</a><br>\n"));
                        }
                        html.push_str("</body></html>\n");
                        let _ = write!(
                            s,
                            "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{html}",
                            html.len()
                        );
                        return;
                    }
                    let file = dir.join(&path);
                    match (path.contains(".."), std::fs::File::open(&file)) {
                        (false, Ok(mut f)) => {
                            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                            // Cacheable as PyPI's file host serves wheels, so
                            // pip keeps them in its cache as it does there
                            // (its HTTP cache wants a Date with max-age).
                            let date = httpdate::fmt_http_date(std::time::SystemTime::now());
                            let _ = write!(
                                s,
                                "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\nDate: {date}\r\nCache-Control: max-age=365000000, immutable, public\r\n\r\n"
                            );
                            let _ = std::io::copy(&mut f, &mut s);
                        }
                        _ => {
                            let _ =
                                write!(s, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                        }
                    }
                });
            }
        });
        Ok(WheelServer { port, stop })
    }
}

impl Drop for WheelServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The Debian root filesystem every engine test starts from: Python with
/// pip and venv (one debootstrap, cached, shared by all of them).
pub fn python_rootfs() -> Result<PathBuf, String> {
    debian_rootfs(&[
        "python3",
        "python3-pip",
        "python3-venv",
        "python-is-python3",
        "ca-certificates",
    ])
}

/// Makes `python:3.11-slim` and `python:3.11` in the daemon from a Debian
/// rootfs: Python 3.11 with pip and venv, pip set to install offline from
/// the wheel server on the host (builds use the host network), so the
/// wheels never enter an image; the full image adds compilers, curl and
/// git, like the official one. The wheel server is a trusted host, so pip
/// caches what it downloads as it does from PyPI over HTTPS.
pub fn python_bases(d: &Dockerd, wheel_port: u16) -> Result<(), String> {
    let rootfs = python_rootfs()?;
    d.run(&[
        "import",
        &rootfs.display().to_string(),
        "ballast-test/rootfs:bookworm",
    ])?;
    let ctx = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM ballast-test/rootfs:bookworm\nENV LANG=C.UTF-8 PIP_NO_INDEX=1 PIP_FIND_LINKS=http://127.0.0.1:{wheel_port}/ PIP_TRUSTED_HOST=127.0.0.1 PIP_DISABLE_PIP_VERSION_CHECK=1\nCMD [\"python3\"]\n"),
    )
    .map_err(|e| e.to_string())?;
    d.build(ctx.path(), "python:3.11-slim", &[])?;
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential curl git && rm -rf /var/lib/apt/lists/*\n",
    )
    .map_err(|e| e.to_string())?;
    d.build(ctx.path(), "python:3.11", &[])?;
    Ok(())
}

/// Copies a directory tree, symbolic links as links.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dest = to.join(e.file_name());
        let kind = e.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path())?, &dest)?;
        } else if kind.is_dir() {
            copy_tree(&e.path(), &dest)?;
        } else {
            std::fs::copy(e.path(), dest)?;
        }
    }
    Ok(())
}

/// podman's Docker-compatible API service (`podman system service`), with
/// its storage and configuration in a temporary directory (overlay storage,
/// runc, lower ulimits; see engines.md).
pub struct PodmanService {
    pub root: tempfile::TempDir,
    pub socket: PathBuf,
    child: Child,
}

impl PodmanService {
    fn env(root: &Path) -> Vec<(String, PathBuf)> {
        vec![
            ("CONTAINERS_STORAGE_CONF".into(), root.join("storage.conf")),
            (
                "CONTAINERS_REGISTRIES_CONF".into(),
                root.join("registries.conf"),
            ),
            ("CONTAINERS_CONF".into(), root.join("containers.conf")),
        ]
    }

    /// Starts the service on a unix socket in a new temporary directory.
    pub fn start() -> Result<PodmanService, String> {
        let root = tempfile::Builder::new()
            .prefix("pd")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let r = root.path();
        let files = [
            ("storage.conf", format!("[storage]\ndriver = \"overlay\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n", r.join("storage").display(), r.join("run").display())),
            ("registries.conf", "unqualified-search-registries = []\n".to_string()),
            ("containers.conf", "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n[engine]\nruntime = \"runc\"\n".to_string()),
        ];
        for (name, text) in files {
            std::fs::write(r.join(name), text).map_err(|e| e.to_string())?;
        }
        let socket = r.join("p.sock");
        let log = std::fs::File::create(r.join("podman.log")).map_err(|e| e.to_string())?;
        let mut c = Command::new("podman");
        c.args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()));
        for (k, v) in Self::env(r) {
            c.env(k, v);
        }
        let child = c
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("podman: {e}"))?;
        let p = PodmanService {
            root,
            socket,
            child,
        };
        let start = Instant::now();
        while !ping(&p.socket) {
            if start.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "podman did not answer: {}",
                    std::fs::read_to_string(p.root.path().join("podman.log")).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(p)
    }

    /// Runs a podman command against the same storage.
    pub fn podman(&self, args: &[&str]) -> Result<Output, String> {
        let mut c = Command::new("podman");
        for (k, v) in Self::env(self.root.path()) {
            c.env(k, v);
        }
        let out = c.args(args).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "podman {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(out)
    }
}

/// Removes the state directories of daemons that a killed test run left
/// behind under `tmp` (a run that dies skips [`Dockerd`]'s `Drop`, and each
/// holds gigabytes). Only directories this module made (a `daemon.json` and a
/// `dockerd.log`), whose daemon is gone, and untouched for ten minutes.
fn sweep_stale_roots(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for dir in entries.flatten().map(|e| e.path()) {
        let ours = dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bd"))
            && dir.join("daemon.json").is_file()
            && dir.join("dockerd.log").is_file();
        let idle = std::fs::metadata(dir.join("dockerd.log"))
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|e| e > Duration::from_secs(600)));
        if ours && idle && !daemon_alive(&dir.join("docker.pid")) {
            unmount_below(&dir);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Whether the process a pid file names is running.
fn daemon_alive(pidfile: &Path) -> bool {
    std::fs::read_to_string(pidfile)
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// Unmounts what an engine left mounted (netns, overlay) under its state
/// directory, deepest first, so the directory can be removed.
fn unmount_below(root: &Path) {
    let Ok(out) = Command::new("findmnt")
        .args(["-rn", "-o", "TARGET"])
        .output()
    else {
        return;
    };
    let root = root.display().to_string();
    let mut mounts: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|m| m.starts_with(&root))
        .map(str::to_string)
        .collect();
    mounts.sort_by(|a, b| b.cmp(a));
    for m in mounts {
        let _ = Command::new("umount").arg(&m).status();
    }
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        unmount_below(self.root.path());
    }
}

#[cfg(test)]
mod uid_tests {
    #[test]
    fn effective_uid_is_what_id_says() {
        let id = std::process::Command::new("id").arg("-u").output().unwrap();
        let expected: u32 = String::from_utf8_lossy(&id.stdout).trim().parse().unwrap();
        assert_eq!(crate::probe::effective_uid(), Some(expected));
    }
}
