//! Hostile inputs, generated here (never committed as binaries): archives and
//! layers built header by header, broken metadata, malformed Dockerfiles and
//! build contexts. Every case must end with a clear one-line error and exit
//! code 2, or with a correct result; never a panic, a signal or a hang, and
//! always within a memory bound (each run under `ulimit -v`, 4 GiB).
//!
//! The test prints how many inputs it tried (the figure in the README's
//! reliability section) and the largest peak memory any of them needed.

// wait4 (peak memory of each run) and kill (the hang watchdog) have no safe
// std equivalent.
#![allow(unsafe_code)]

mod archives;
mod dockerfiles;
mod metadata;

use std::ffi::OsString;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Address space each run may use.
const MEMORY_LIMIT_KIB: u64 = 4 * 1024 * 1024;
/// A case still running after this is a hang.
const HANG: Duration = Duration::from_secs(180);

type Check = Box<dyn Fn(&Value) -> Result<(), String> + Send + Sync>;
type TextCheck = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// What a case must end with.
pub enum Expect {
    /// Exit 2 and exactly one line on stderr, `error: ...`, containing this.
    Error(&'static str),
    /// `inspect --format json` succeeded (exit 0) with a report that passes
    /// the check.
    Image(Check),
    /// Exit 0 or 1 (findings), and standard output that passes the check.
    Output(TextCheck),
    /// `slim` to this destination: exit 0 with an OCI layout there, or exit
    /// 2 with one `error: ` line and nothing there.
    Slim(PathBuf),
}

pub struct Case {
    pub name: String,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    pub stdin: Option<PathBuf>,
    pub expect: Expect,
}

/// Collects cases; each gets its own directory under one temporary root.
pub struct Cases {
    root: tempfile::TempDir,
    pub list: Vec<Case>,
}

impl Cases {
    fn new() -> Cases {
        Cases {
            root: tempfile::tempdir().expect("tempdir"),
            list: Vec::new(),
        }
    }

    /// A fresh directory for a case.
    pub fn dir(&self, name: &str) -> PathBuf {
        let d = self.root.path().join(name);
        std::fs::create_dir_all(&d).expect("case dir");
        d
    }

    /// `ballast ARGS...` run in `cwd`.
    pub fn push(&mut self, name: &str, cwd: &Path, args: &[&str], expect: Expect) {
        self.list.push(Case {
            name: name.to_string(),
            args: args.iter().map(OsString::from).collect(),
            cwd: cwd.to_path_buf(),
            stdin: None,
            expect,
        });
    }

    /// `ballast inspect --format json --quiet [EXTRA...] IMAGE`, and without
    /// extra options `ballast slim IMAGE -o DEST` too.
    pub fn inspect(&mut self, name: &str, image: &Path, extra: &[&str], expect: Expect) {
        if extra.is_empty() {
            let dest = self.root.path().join(format!("{name}.slim"));
            let args = [image.as_os_str(), "-o".as_ref(), dest.as_os_str()];
            self.list.push(Case {
                name: format!("{name} (slim)"),
                args: std::iter::once(OsString::from("slim"))
                    .chain(args.iter().map(|a| a.to_os_string()))
                    .collect(),
                cwd: self.root.path().to_path_buf(),
                stdin: None,
                expect: Expect::Slim(dest),
            });
        }
        let mut args: Vec<OsString> = ["inspect", "--format", "json", "--quiet", "--no-cache"]
            .iter()
            .map(OsString::from)
            .collect();
        args.extend(extra.iter().map(OsString::from));
        args.push(image.as_os_str().to_owned());
        self.list.push(Case {
            name: name.to_string(),
            args,
            cwd: self.root.path().to_path_buf(),
            stdin: None,
            expect,
        });
    }
}

/// The report lists this file with this size among the biggest files.
pub fn has_file(path: &'static str, bytes: u64) -> Check {
    Box::new(move |v| {
        let found = v["biggest_files"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["path"] == path && f["bytes"] == bytes);
        if found {
            Ok(())
        } else {
            Err(format!(
                "{path} ({bytes} B) not among biggest_files: {}",
                v["biggest_files"]
            ))
        }
    })
}

/// The final filesystem has this many regular files and bytes.
pub fn totals(files: u64, final_bytes: u64) -> Check {
    Box::new(move |v| {
        let t = &v["totals"];
        if t["files"] == files && t["final_bytes"] == final_bytes {
            Ok(())
        } else {
            Err(format!(
                "want {files} files / {final_bytes} B, got {} / {}",
                t["files"], t["final_bytes"]
            ))
        }
    })
}

/// The report warns with this text.
pub fn warns(needle: &'static str) -> Check {
    Box::new(move |v| {
        let found = v["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|w| w.as_str().is_some_and(|w| w.contains(needle)));
        if found {
            Ok(())
        } else {
            Err(format!("no warning with {needle:?}: {}", v["warnings"]))
        }
    })
}

/// Both checks.
pub fn all(a: Check, b: Check) -> Check {
    Box::new(move |v| a(v).and_then(|()| b(v)))
}

/// Standard output contains this.
pub fn prints(needle: &'static str) -> TextCheck {
    Box::new(move |out| {
        if out.contains(needle) {
            Ok(())
        } else {
            Err(format!("stdout lacks {needle:?}"))
        }
    })
}

/// A named pipe (reading one blocks until a writer comes: it must not hang ballast).
pub fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    max_rss_kib: i64,
    elapsed: Duration,
}

/// Runs one case under the memory limit, with a hang watchdog, and reads its
/// peak memory from `wait4`.
fn run(case: &Case) -> Outcome {
    let bin = assert_cmd::cargo::cargo_bin("ballast");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(&bin)
        .args(&case.args)
        .current_dir(&case.cwd)
        .env("NO_COLOR", "1")
        .env_remove("BALLAST_MAX_DOCKERFILE_BYTES")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).expect("stdin file")),
        None => cmd.stdin(Stdio::null()),
    };
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(HANG).is_err() {
            // SAFETY: pid is our child, not yet reaped (we reap it below).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut status: libc::c_int = 0;
    // SAFETY: plain FFI calls on zeroed out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    let _ = done_tx.send(());
    watchdog.join().expect("watchdog");
    std::mem::forget(child); // reaped by wait4
    let exited = libc::WIFEXITED(status);
    Outcome {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
        max_rss_kib: usage.ru_maxrss,
        elapsed: start.elapsed(),
    }
}

/// Whether the case ended as it must; the reason when not.
fn judge(case: &Case, o: &Outcome) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&o.stderr);
    if let Some(sig) = o.signal {
        return Err(format!(
            "killed by signal {sig} after {:?} (hang or memory limit); stderr: {stderr}",
            o.elapsed
        ));
    }
    if stderr.contains("panicked") || o.code == Some(101) {
        return Err(format!("panic: {stderr}"));
    }
    match &case.expect {
        Expect::Error(needle) => {
            let lines: Vec<&str> = stderr.lines().collect();
            if o.code != Some(2) {
                return Err(format!("exit {:?}, want 2; stderr: {stderr}", o.code));
            }
            if lines.len() != 1 || !lines[0].starts_with("error: ") {
                return Err(format!("want one `error: ` line, got: {stderr:?}"));
            }
            if !lines[0].contains(needle) {
                return Err(format!("error lacks {needle:?}: {}", lines[0]));
            }
            Ok(())
        }
        Expect::Image(check) => {
            if o.code != Some(0) {
                return Err(format!("exit {:?}, want 0; stderr: {stderr}", o.code));
            }
            let v: Value = serde_json::from_slice(&o.stdout)
                .map_err(|e| format!("stdout is not JSON ({e})"))?;
            check(&v)
        }
        Expect::Output(check) => {
            if !matches!(o.code, Some(0 | 1)) {
                return Err(format!("exit {:?}, want 0 or 1; stderr: {stderr}", o.code));
            }
            check(&String::from_utf8_lossy(&o.stdout))
        }
        Expect::Slim(dest) => match o.code {
            Some(0) if dest.join("index.json").is_file() => Ok(()),
            Some(0) => Err(format!("exit 0 but no OCI layout at {}", dest.display())),
            Some(2) if dest.exists() => Err(format!("failed but left {}", dest.display())),
            Some(2) if stderr.lines().count() == 1 && stderr.starts_with("error: ") => Ok(()),
            code => Err(format!(
                "exit {code:?}, want 0 or 2 with one error line: {stderr:?}"
            )),
        },
    }
}

#[test]
fn every_hostile_input_ends_with_a_clear_error_or_a_correct_result() {
    let mut cases = Cases::new();
    archives::cases(&mut cases);
    metadata::cases(&mut cases);
    dockerfiles::cases(&mut cases);
    let total = cases.list.len();
    let mut names: Vec<&str> = cases.list.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), total, "case names must be unique");

    // Two workers: the suite runs on two cores.
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let peak = Mutex::new((0i64, String::new()));
    let slowest = Mutex::new((Duration::ZERO, String::new()));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.list.get(i) else { break };
                    let outcome = run(case);
                    if let Err(why) = judge(case, &outcome) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {why}", case.name));
                    }
                    let mut p = peak.lock().unwrap();
                    if outcome.max_rss_kib > p.0 {
                        *p = (outcome.max_rss_kib, case.name.clone());
                    }
                    let mut t = slowest.lock().unwrap();
                    if outcome.elapsed > t.0 {
                        *t = (outcome.elapsed, case.name.clone());
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let (rss, rss_case) = peak.into_inner().unwrap();
    let (time, time_case) = slowest.into_inner().unwrap();
    println!(
        "hostile inputs: {total} tried, {} ended with a clear error or a correct result; \
         peak memory {} MiB ({rss_case}), slowest {:.1} s ({time_case})",
        total - failures.len(),
        rss / 1024,
        time.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} hostile inputs were mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
