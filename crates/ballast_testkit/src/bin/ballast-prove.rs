//! Issue 14's proof by building, for benchmark scripts: the corpus cases of
//! `ballast_testkit::proof` built as written and restructured in a throwaway
//! dockerd, each pair compared from inside; with `--bench`, `ballast bench`
//! on each (sizes, rebuild after a one-line code change) as a Markdown table.
//!
//!   ballast-prove --ballast PATH [--full] [--bench] [NAME...]
//!
//! `--full` keeps every requirement (torch included: gigabytes of wheels
//! from the package index); NAME picks the cases whose name contains it.

use std::path::PathBuf;
use std::process::Command;

use ballast_testkit::engine::{Dockerd, WheelServer, python_bases};
use ballast_testkit::proof::{self, CASES};

struct Options {
    ballast: PathBuf,
    full: bool,
    bench: bool,
    names: Vec<String>,
}

fn options() -> Options {
    let mut o = Options {
        ballast: PathBuf::new(),
        full: false,
        bench: false,
        names: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ballast" => {
                o.ballast = args
                    .next()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .unwrap_or_default()
            }
            "--full" => o.full = true,
            "--bench" => o.bench = true,
            _ if a.starts_with('-') => fail(&format!("unknown option {a}")),
            _ => o.names.push(a),
        }
    }
    if o.ballast.as_os_str().is_empty() {
        fail("usage: ballast-prove --ballast PATH [--full] [--bench] [NAME...]");
    }
    o
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2)
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn main() {
    let o = options();
    let corpus = ballast_testkit::corpus::corpus_dir()
        .unwrap_or_else(|| fail("no corpus (set BALLAST_CORPUS)"))
        .join("real-projects");
    let cases: Vec<proof::Case> = CASES
        .iter()
        .filter(|c| o.names.is_empty() || o.names.iter().any(|n| c.name().contains(n.as_str())))
        .copied()
        .collect();
    let work = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let prepared =
        proof::prepare_cases(&corpus, &cases, work.path(), o.full).unwrap_or_else(|e| fail(&e));
    let wheel_dir = work.path().join("wheels");
    let sets: Vec<Vec<String>> = prepared.iter().map(|(_, _, s)| s.clone()).collect();
    proof::wheelhouse(&sets, &wheel_dir).unwrap_or_else(|e| fail(&e));
    let d = Dockerd::start().unwrap_or_else(|e| fail(&e));
    let server = WheelServer::start(&wheel_dir).unwrap_or_else(|e| fail(&e));
    python_bases(&d, server.port).unwrap_or_else(|e| fail(&e));
    proof::tag_bases(&d).unwrap_or_else(|e| fail(&e));

    let mut failed = false;
    let mut rows = Vec::new();
    let mut checks = Vec::new();
    for (case, dir, _) in &prepared {
        let p = match proof::prove(&d, &o.ballast, dir, case) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", case.name());
                failed = true;
                continue;
            }
        };
        let problems = p.problems();
        eprintln!(
            "{}: {} -> {}, {} distributions, code change rebuild {:.1} s, {}",
            case.name(),
            mib(p.original_bytes),
            mib(p.restructured_bytes),
            p.restructured.libraries().len(),
            p.code_change_rebuild.as_secs_f64(),
            if problems.is_empty() {
                "same contents".to_string()
            } else {
                problems.join("; ")
            }
        );
        failed |= !problems.is_empty();
        checks.push(validation_row(case, &p));
        if o.bench {
            rows.push(bench_row(&o, &d, case, dir, &p));
        }
    }
    if o.bench {
        println!(
            "| Dockerfile | image before | image after | code-change rebuild before | after | distributions |"
        );
        println!("|---|---|---|---|---|---|");
        for r in rows {
            println!("{r}");
        }
    }
    println!();
    println!(
        "| Dockerfile | base (local) | built before | predicted | error | built after | predicted | error | saving built | predicted | error |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in checks {
        println!("{r}");
    }
    std::process::exit(i32::from(failed));
}

/// The model's predictions beside the built images (issue 15): the
/// predicted bytes above the base plus the local base as measured.
fn validation_row(case: &proof::Case, p: &proof::Proof) -> String {
    let v = &p.predicted;
    let (a, b) = v.errors(p.original_bytes, p.restructured_bytes);
    let (built, predicted, ratio) = v.saving(p.original_bytes, p.restructured_bytes);
    let pct = |x: f64| format!("{:+.0}%", x * 100.0);
    let signed = |x: i64| {
        let m = mib(x.unsigned_abs());
        if x < 0 { format!("-{m}") } else { m }
    };
    let saving_error = ratio.map_or_else(|| signed(predicted - built), pct);
    format!(
        "| {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        case.name(),
        v.original.base_image,
        mib(v.original.base_measured),
        mib(p.original_bytes),
        mib(v.original.on_local_base()),
        pct(a),
        mib(p.restructured_bytes),
        mib(v.restructured.on_local_base()),
        pct(b),
        signed(built),
        signed(predicted),
        saving_error
    )
}

/// `ballast bench` on the prepared (not restructured) project: the original
/// against ballast's restructure, as one Markdown row.
fn bench_row(
    o: &Options,
    d: &Dockerd,
    case: &proof::Case,
    dir: &std::path::Path,
    p: &proof::Proof,
) -> String {
    let context = dir.join(case.context);
    let out = Command::new(&o.ballast)
        .arg("bench")
        .arg(&context)
        .arg("-f")
        .arg(dir.join(case.dockerfile))
        .args(["--change", case.code_file, "--format", "json"])
        .env("DOCKER_HOST", format!("unix://{}", d.socket.display()))
        .env("DOCKER_CONFIG", d.root.path().join("config"))
        .output()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        fail(&format!(
            "{}: bench: {}",
            case.name(),
            String::from_utf8_lossy(&out.stderr)
        ))
    });
    let variant = |i: usize, key: &str| v["variants"][i][key].clone();
    let secs = |x: serde_json::Value| format!("{:.1} s", x.as_f64().unwrap_or(f64::NAN));
    format!(
        "| `{}` | {} | {} | {} | {} | {} |",
        case.name(),
        mib(variant(0, "size_bytes").as_u64().unwrap_or(0)),
        mib(variant(1, "size_bytes").as_u64().unwrap_or(0)),
        secs(variant(0, "code_change_rebuild_seconds")),
        secs(variant(1, "code_change_rebuild_seconds")),
        p.restructured.libraries().len()
    )
}
