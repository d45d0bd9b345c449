//! Parser throughput in MB/s over the project's Dockerfiles and BuildKit's
//! test files, repeated to a few megabytes. Run with
//! `cargo bench -p ballast_dockerfile --bench parse_throughput`.

use std::path::Path;
use std::time::Instant;

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::stages::{BuildOptions, StageGraph};

fn load(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            load(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("Dockerfile"))
            && let Ok(text) = std::fs::read_to_string(&p)
        {
            out.push(text);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    load(&root.join("testdata/dockerfiles"), &mut files);
    load(
        &root.join("../shared/corpus/buildkit-parser/testfiles"),
        &mut files,
    );
    let bytes: usize = files.iter().map(String::len).sum();
    assert!(bytes > 0, "no Dockerfiles found");
    let rounds = (8 * 1024 * 1024 / bytes).max(1);
    for (label, with_stages) in [("parse", false), ("parse + stage graph", true)] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            for _ in 0..rounds {
                for f in &files {
                    let df = Dockerfile::parse(f);
                    if with_stages {
                        std::hint::black_box(StageGraph::new(&df, &BuildOptions::default()));
                    }
                    std::hint::black_box(df);
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        let mb = (bytes * rounds) as f64 / 1e6;
        println!(
            "{label}: {} files x {rounds} rounds = {mb:.1} MB in {best:.3} s: {:.1} MB/s ({:.1} us per file)",
            files.len(),
            mb / best,
            best * 1e6 / (files.len() * rounds) as f64
        );
    }
}
