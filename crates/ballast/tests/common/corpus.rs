//! The real-project corpus for the command-line tests: materialized once
//! per test binary, every Dockerfile a job run from its project's root.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ballast_testkit::projects::{self, Project, ProjectDockerfile};

/// The corpus materialized once for the whole file.
pub(crate) struct Corpus {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub projects: Vec<Project>,
}

pub(crate) fn corpus() -> Option<&'static Corpus> {
    static CORPUS: OnceLock<Option<Corpus>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let dir = ballast_testkit::corpus::corpus_dir()?;
            let projects = projects::projects(&dir);
            assert_eq!(projects.len(), 23, "the corpus has 23 projects");
            let tmp = tempfile::tempdir().unwrap();
            for p in &projects {
                projects::materialize(&p.dir, &tmp.path().join(&p.name)).unwrap();
            }
            Some(Corpus {
                root: tmp.path().to_path_buf(),
                _dir: tmp,
                projects,
            })
        })
        .as_ref()
}

/// One Dockerfile to run: its project, and its paths in the materialized
/// tree. Commands run from the project's root with relative paths, as a
/// user in the repository would.
pub(crate) struct Job<'a> {
    pub project: &'a str,
    pub dockerfile: &'a ProjectDockerfile,
    pub root: PathBuf,
}

impl Job<'_> {
    pub(crate) fn file(&self) -> &str {
        &self.dockerfile.path
    }

    pub(crate) fn context(&self) -> &str {
        &self.dockerfile.context
    }
}

pub(crate) fn jobs(c: &Corpus) -> Vec<Job<'_>> {
    let mut out = Vec::new();
    for p in &c.projects {
        for d in &p.dockerfiles {
            if d.kind == "template" {
                continue;
            }
            out.push(Job {
                project: &p.name,
                dockerfile: d,
                root: c.root.join(&p.name),
            });
        }
    }
    out
}

/// `f` over every job on all cores, results in job order.
pub(crate) fn run_all<T: Send>(jobs: &[Job<'_>], f: impl Fn(&Job<'_>) -> T + Sync) -> Vec<T> {
    run_all_on(jobs, f)
}

/// `f` over every item on all cores, results in item order.
pub(crate) fn run_all_on<J: Sync, T: Send>(jobs: &[J], f: impl Fn(&J) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut results: Vec<(usize, T)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        mine.push((i, f(job)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, t)| t).collect()
}

pub(crate) fn ballast(dir: &Path, args: &[&str]) -> Output {
    super::ballast(dir).args(args).output().unwrap()
}

pub(crate) fn json(out: &Output, what: &str) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
