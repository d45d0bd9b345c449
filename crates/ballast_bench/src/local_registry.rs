//! The registry push and pull are measured against: one given with
//! `--registry HOST:PORT`, or a Distribution registry (`docker-registry`)
//! started on a free loopback port with its storage in a temporary
//! directory, stopped at the end.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::{BenchError, Result};

/// A registry for the run.
pub struct BenchRegistry {
    /// `host:port`.
    pub addr: String,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchRegistry {
    /// An existing registry.
    pub fn external(addr: &str) -> BenchRegistry {
        BenchRegistry {
            addr: addr.to_string(),
            child: None,
            _dir: None,
        }
    }

    /// Whether the run started it (and may start a new one).
    pub fn is_owned(&self) -> bool {
        self.child.is_some()
    }

    /// Starts `docker-registry serve` on a free loopback port.
    pub fn start() -> Result<BenchRegistry> {
        let dir = tempfile::Builder::new()
            .prefix("ballast-registry")
            .tempdir()
            .map_err(|error| BenchError::Io {
                path: std::env::temp_dir(),
                error,
            })?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|error| BenchError::Io {
                path: "127.0.0.1:0".into(),
                error,
            })?
            .port();
        let config = format!(
            "version: 0.1\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: ballast-bench\nlog:\n  level: error\n",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).map_err(|error| BenchError::Io {
            path: config_path.clone(),
            error,
        })?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(BenchError::NoRegistry)?;
        let r = BenchRegistry {
            addr: format!("127.0.0.1:{port}"),
            child: Some(child),
            _dir: Some(dir),
        };
        let start = Instant::now();
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = write!(s, "GET /v2/ HTTP/1.0\r\n\r\n");
                let mut head = String::new();
                let _ = BufReader::new(s).read_line(&mut head);
                if head.contains(" 200") {
                    return Ok(r);
                }
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err(BenchError::RegistryTimeout);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for BenchRegistry {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
