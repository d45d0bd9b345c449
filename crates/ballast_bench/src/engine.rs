//! Container engines driven through their command line: the Docker CLI with
//! BuildKit (`DOCKER_BUILDKIT=1`, the daemon from `DOCKER_HOST`), or podman.
//! The CLI is what users have configured (contexts, credentials, insecure
//! registries); the API would bypass it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{BenchError, Result};

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Docker,
    Podman,
}

/// A container engine.
#[derive(Debug, Clone)]
pub struct Engine {
    pub kind: Kind,
    pub program: PathBuf,
}

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

impl Engine {
    /// The engine named, or the first that answers: docker, then podman.
    pub fn detect(choice: Option<Kind>) -> Result<Engine> {
        let candidates = match choice {
            Some(Kind::Docker) => vec![Kind::Docker],
            Some(Kind::Podman) => vec![Kind::Podman],
            None => vec![Kind::Docker, Kind::Podman],
        };
        let mut why = Vec::new();
        for kind in candidates {
            let name = match kind {
                Kind::Docker => "docker",
                Kind::Podman => "podman",
            };
            let Some(program) = find(name) else {
                why.push(format!("{name} is not installed"));
                continue;
            };
            let e = Engine { kind, program };
            match e.cmd(&["version"]).output() {
                Ok(o) if o.status.success() => return Ok(e),
                Ok(o) => why.push(format!("{name} does not answer: {}", first_line(&o.stderr))),
                Err(err) => why.push(format!("{name}: {err}")),
            }
        }
        Err(BenchError::NoEngine(why.join("; ")))
    }

    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Docker => "docker",
            Kind::Podman => "podman",
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.program);
        c.args(args).stdin(Stdio::null());
        if self.kind == Kind::Docker {
            c.env("DOCKER_BUILDKIT", "1");
        }
        c
    }

    fn spawn_error(&self, error: std::io::Error) -> BenchError {
        BenchError::Spawn {
            engine: self.name(),
            error,
        }
    }

    fn run(&self, args: &[&str]) -> Result<Output> {
        let out = self
            .cmd(args)
            .output()
            .map_err(|error| self.spawn_error(error))?;
        if !out.status.success() {
            return Err(BenchError::Command {
                engine: self.name(),
                command: args.first().copied().unwrap_or("").to_string(),
                output: tail(&out),
            });
        }
        Ok(out)
    }

    /// Builds `dockerfile` in `context` as `tag`; the wall time and the log.
    pub fn build(
        &self,
        context: &Path,
        dockerfile: &Path,
        tag: &str,
        no_cache: bool,
        extra: &[String],
    ) -> Result<(Duration, String)> {
        let file = dockerfile.to_string_lossy().into_owned();
        let ctx = context.to_string_lossy().into_owned();
        let mut args: Vec<&str> = vec!["build", "--network", "host", "-f", &file, "-t", tag];
        match self.kind {
            Kind::Docker => args.extend(["--progress", "plain"]),
            Kind::Podman => args.extend(["--layers", "--isolation", "chroot"]),
        }
        if no_cache {
            args.push("--no-cache");
        }
        args.extend(extra.iter().map(String::as_str));
        args.push(&ctx);
        let start = Instant::now();
        let out = self
            .cmd(&args)
            .output()
            .map_err(|error| self.spawn_error(error))?;
        let elapsed = start.elapsed();
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            return Err(BenchError::Build {
                tag: tag.to_string(),
                log: last_lines(&log, 30),
            });
        }
        Ok((elapsed, log))
    }

    /// The image size the engine reports (uncompressed layers).
    pub fn size(&self, tag: &str) -> Result<u64> {
        let out = self.run(&["image", "inspect", "--format", "{{.Size}}", tag])?;
        number(&out, "size", tag)
    }

    /// The number of layers.
    pub fn layers(&self, tag: &str) -> Result<usize> {
        let out = self.run(&[
            "image",
            "inspect",
            "--format",
            "{{len .RootFS.Layers}}",
            tag,
        ])?;
        number(&out, "layers", tag)
    }

    pub fn tag(&self, from: &str, to: &str) -> Result<()> {
        self.run(&["tag", from, to]).map(|_| ())
    }

    /// Pushes; the wall time.
    pub fn push(&self, tag: &str) -> Result<Duration> {
        let start = Instant::now();
        match self.kind {
            Kind::Docker => self.run(&["push", "-q", tag])?,
            Kind::Podman => self.run(&["push", "--tls-verify=false", tag])?,
        };
        Ok(start.elapsed())
    }

    /// Removes images (missing ones are fine).
    pub fn remove(&self, tags: &[&str]) {
        let mut args = vec!["rmi", "-f"];
        args.extend_from_slice(tags);
        let _ = self.cmd(&args).output();
    }

    /// Drops the build cache (best effort): what one variant's builds left
    /// must not fill the disk before the next (a CUDA torch image leaves
    /// gigabytes), and the next cold build does not use it anyway.
    pub fn drop_build_cache(&self) {
        let args: &[&str] = match self.kind {
            Kind::Docker => &["builder", "prune", "-af"],
            Kind::Podman => &["image", "prune", "-f"],
        };
        let _ = self.cmd(args).output();
    }
}

fn first_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn tail(o: &Output) -> String {
    last_lines(&String::from_utf8_lossy(&o.stderr), 10)
}

/// Whether a BuildKit plain log shows the step whose text contains `needle`
/// as cached (`#N CACHED`).
pub fn step_cached(log: &str, needle: &str) -> Option<bool> {
    let id = log
        .lines()
        .find(|l| l.starts_with('#') && l.contains(needle))?
        .split_whitespace()
        .next()?
        .to_string();
    Some(log.lines().any(|l| l == format!("{id} CACHED")))
}

/// The number an engine command printed.
fn number<T: std::str::FromStr>(out: &Output, what: &'static str, tag: &str) -> Result<T> {
    let answer = String::from_utf8_lossy(&out.stdout).trim().to_string();
    answer.parse().map_err(|_| BenchError::Unreadable {
        what,
        tag: tag.to_string(),
        answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(text: &str) -> Output {
        Output {
            status: std::process::ExitStatus::default(),
            stdout: text.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    #[test]
    fn an_engine_figure_is_a_number_or_an_error_naming_it() {
        assert_eq!(
            number::<u64>(&printed("1234\n"), "size", "t").unwrap(),
            1234
        );
        let e = number::<u64>(&printed("<no value>\n"), "size", "app:1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "size of app:1: \"<no value>\" is not a number"
        );
    }
}
