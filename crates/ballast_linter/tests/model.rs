//! The image model (issue 15): each step's parts come from the tables and
//! the context, the image after the fixes is the model of the fixed
//! Dockerfile, and the saving is their difference.

use ballast_dockerfile::Dockerfile;
use ballast_linter::model::{ImageEstimate, estimate};
use ballast_linter::{BuildContext, LintOptions};
use ballast_ml::distributions::{Installs, closure};
use ballast_ml::packages::CacheLayout;

/// A build context holding `files`.
fn context_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn estimate_of(dockerfile: &str, files: &[(&str, &str)]) -> ImageEstimate {
    let dir = context_dir(files);
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let ctx = BuildContext::load(dir.path(), None).unwrap();
    let options = LintOptions {
        context: Some(&ctx),
        ..LintOptions::default()
    };
    assert!(Dockerfile::parse(dockerfile).errors.is_empty());
    estimate(dockerfile, &options, &|p| ctx.read(p), None).unwrap()
}

fn closure_of(names: &[&str]) -> Installs {
    let mut i = Installs::default();
    for n in names {
        assert!(closure(n).is_some(), "{n} is in the closure table");
        i.add(n, false);
    }
    i
}

fn part(e: &ImageEstimate, line: usize, what: &str) -> Option<u64> {
    e.model
        .steps
        .iter()
        .find(|s| s.line == line)?
        .parts
        .iter()
        .find(|p| p.what.starts_with(what))
        .map(|p| p.bytes)
}

/// uv hard-links the environment from its cache (its default on Linux): the
/// layer stores the files once and the cache adds its metadata; with
/// `UV_LINK_MODE=copy` the cache is a second copy of what is installed
/// (bench/cache-ratios.sh measured both).
#[test]
fn a_uv_cache_costs_what_its_link_mode_stores() {
    let want = closure_of(&["fastapi", "uvicorn"]);
    // uv compiles no bytecode by default: what it installs has no .pyc.
    let wheels = want.wheel_bytes(|_| false);
    let installed = want.installed_bytes(|_| false) - want.pyc_bytes(|_| false);
    let cache_of = |text: &str| {
        let e = estimate_of(text, &[]);
        part(&e, 3, "package cache /root/.cache/uv").unwrap()
    };
    let linked = cache_of(
        "FROM python:3.11-slim\nWORKDIR /app\nRUN uv pip install --system fastapi uvicorn\n",
    );
    assert_eq!(linked, CacheLayout::UvLinked.layer_bytes(wheels, installed));
    assert!(linked < wheels / 10, "{linked} of {wheels}");
    let copied = cache_of(
        "FROM python:3.11-slim\nENV UV_LINK_MODE=copy\nRUN uv pip install --system fastapi uvicorn\n",
    );
    assert_eq!(copied, CacheLayout::UvCopied.layer_bytes(wheels, installed));
    assert!(copied > installed, "{copied} of {installed}");
    let flag = cache_of(
        "FROM python:3.11-slim\nWORKDIR /app\nRUN uv pip install --system --link-mode=copy fastapi uvicorn\n",
    );
    assert_eq!(flag, copied);
}

/// What a step uninstalls after installing is not in its layer, and a
/// later step installing it again counts it again.
#[test]
fn what_a_step_uninstalls_is_not_in_its_layer() {
    let with = estimate_of(
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir fastapi uvicorn\n",
        &[],
    );
    let without = estimate_of(
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir fastapi uvicorn && pip uninstall -y uvicorn\nRUN pip install --no-cache-dir uvicorn\n",
        &[],
    );
    let uvicorn = ballast_ml::distributions::distribution("uvicorn")
        .unwrap()
        .installed_bytes;
    let (a, b) = (
        part(&with, 2, "packages").unwrap(),
        part(&without, 2, "packages").unwrap(),
    );
    assert_eq!(a - b, uvicorn);
    let basis = &without.model.steps[1].parts[0].basis;
    assert!(basis.contains("uninstalled in the same step"), "{basis}");
    assert_eq!(part(&without, 3, "packages"), Some(uvicorn));
    // An uninstall before the install makes room for it: all counted.
    let room = estimate_of(
        "FROM python:3.11-slim\nRUN pip uninstall -y uvicorn && pip install --no-cache-dir uvicorn\n",
        &[],
    );
    assert_eq!(
        part(&room, 2, "packages"),
        Some(closure_of(&["uvicorn"]).installed_bytes(|_| false))
    );
}

/// A later install counts only what the earlier ones did not bring: pip
/// finds the rest satisfied. A stage built on another inherits its installs.
#[test]
fn what_an_earlier_step_installed_counts_once() {
    let e = estimate_of(
        "FROM python:3.11-slim AS base\nRUN pip install --no-cache-dir fastapi\nFROM base\nRUN pip install --no-cache-dir fastapi uvicorn\n",
        &[],
    );
    let first = part(&e, 2, "packages").unwrap();
    let second = part(&e, 4, "packages").unwrap();
    let both = closure_of(&["fastapi", "uvicorn"]).installed_bytes(|_| false);
    assert_eq!(first, closure_of(&["fastapi"]).installed_bytes(|_| false));
    assert_eq!(first + second, both, "{first} + {second}");
    let basis = &e.model.steps.iter().find(|s| s.line == 4).unwrap().parts[0].basis;
    assert!(
        basis.contains("already installed by earlier steps"),
        "{basis}"
    );
}

/// pip compiles `.pyc` files as it installs (unless `--no-compile`); uv
/// does only with `--compile-bytecode` or `UV_COMPILE_BYTECODE`, so the
/// same packages take less room installed by uv as it comes.
#[test]
fn packages_hold_bytecode_only_where_the_installer_compiles_it() {
    let want = closure_of(&["fastapi", "uvicorn"]);
    let (all, pyc) = (want.installed_bytes(|_| false), want.pyc_bytes(|_| false));
    assert!(pyc > all / 10, "{pyc} of {all}");
    let packages = |run: &str| {
        let e = estimate_of(&format!("FROM python:3.11-slim\n{run}\n"), &[]);
        part(&e, 2, "packages").unwrap_or_else(|| panic!("{run}: {:#?}", e.model.steps))
    };
    assert_eq!(packages("RUN pip install fastapi uvicorn"), all);
    assert_eq!(
        packages("RUN pip install --no-compile fastapi uvicorn"),
        all - pyc
    );
    assert_eq!(
        packages("RUN uv pip install --system fastapi uvicorn"),
        all - pyc
    );
    for compiled in [
        "RUN uv pip install --system --compile-bytecode fastapi uvicorn",
        "RUN UV_COMPILE_BYTECODE=1 uv pip install --system fastapi uvicorn",
        "ENV UV_COMPILE_BYTECODE=1\nRUN uv pip install --system fastapi uvicorn",
    ] {
        let e = estimate_of(&format!("FROM python:3.11-slim\n{compiled}\n"), &[]);
        let line = if compiled.starts_with("ENV") { 3 } else { 2 };
        assert_eq!(part(&e, line, "packages"), Some(all), "{compiled}");
    }
    assert_eq!(
        packages("RUN UV_COMPILE_BYTECODE=0 uv pip install --system fastapi uvicorn"),
        all - pyc
    );
}

#[test]
fn steps_are_the_base_the_closure_the_cache_and_the_context() {
    let app = "print('hello')\n".repeat(40);
    let e = estimate_of(
        "FROM python:3.11-slim\nWORKDIR /app\nRUN pip install fastapi uvicorn\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n",
        &[("app.py", &app)],
    );
    let want = closure_of(&["fastapi", "uvicorn"]);
    let packages = part(&e, 3, "packages").unwrap();
    let cache = part(&e, 3, "package cache /root/.cache/pip").unwrap();
    assert_eq!(packages, want.installed_bytes(|_| false));
    let wheels = want.wheel_bytes(|_| false);
    assert_eq!(cache, CacheLayout::Wheels.layer_bytes(wheels, packages));
    assert!(cache >= wheels && cache < packages);
    assert_eq!(part(&e, 4, "context"), Some(app.len() as u64));
    let base = e.model.base.as_ref().unwrap();
    assert_eq!(base.image, "python:3.11-slim");
    assert_eq!(
        e.predicted_bytes,
        base.bytes + packages + cache + app.len() as u64
    );
    // The safe fix (`--no-cache-dir`) drops exactly the cache.
    assert_eq!(e.safe_after_fixes_bytes, e.predicted_bytes - cache);
    assert!(e.predicted_after_fixes_bytes <= e.safe_after_fixes_bytes);
    assert_eq!(
        e.savings_bytes(),
        e.predicted_bytes - e.predicted_after_fixes_bytes
    );
}

#[test]
fn shared_dependencies_count_once_and_torch_follows_its_source() {
    let e = estimate_of(
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir transformers sentence-transformers\n",
        &[],
    );
    let both = closure_of(&["transformers", "sentence-transformers"]);
    assert_eq!(
        part(&e, 2, "packages"),
        Some(both.installed_bytes(|_| false))
    );
    assert!(part(&e, 2, "package cache").is_none());
    // sentence-transformers brings torch: the CUDA build from the default
    // index, the CPU build from PyTorch's CPU index.
    let cuda = part(&e, 2, "packages").unwrap();
    assert!(cuda > 3_000_000_000, "{cuda}");
    let cpu = estimate_of(
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu sentence-transformers\n",
        &[],
    );
    let cpu = part(&cpu, 2, "packages").unwrap();
    assert!(cpu < cuda / 2, "{cpu} vs {cuda}");
}

#[test]
fn the_full_python_image_already_has_a_compiler() {
    let slim = estimate_of(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc git && rm -rf /var/lib/apt/lists/*\n",
        &[],
    );
    let full = estimate_of(
        "FROM python:3.11\nRUN apt-get update && apt-get install -y --no-install-recommends gcc git && rm -rf /var/lib/apt/lists/*\n",
        &[],
    );
    assert!(part(&slim, 2, "packages").unwrap() > 50_000_000);
    assert_eq!(part(&full, 2, "packages"), Some(0));
    assert!(part(&full, 2, "apt lists").is_none());
}

#[test]
fn a_stage_copy_carries_what_the_builder_installed() {
    let e = estimate_of(
        "FROM python:3.11-slim AS build\nRUN python -m venv /venv && /venv/bin/pip install --no-cache-dir numpy\nFROM python:3.11-slim\nCOPY --from=build /venv /venv\nCOPY --from=build /etc/hostname /x\n",
        &[],
    );
    let numpy = closure_of(&["numpy"]).installed_bytes(|_| false);
    assert_eq!(part(&e, 4, "stage build"), Some(numpy));
    // Not a place installs land: said, not guessed.
    assert!(part(&e, 5, "stage").is_none());
    assert!(
        e.model.not_sized.iter().any(|n| n.contains("line 5")),
        "{:?}",
        e.model.not_sized
    );
    assert!(e.basis.contains("not sized: line 5"), "{}", e.basis);
}

#[test]
fn the_ladder_applies_each_kind_of_fix_on_the_rung_before() {
    let dockerfile = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y build-essential curl git\nRUN pip install -r requirements.txt\nEXPOSE 8000\nCMD [\"uvicorn\", \"app.main:app\"]\n";
    let dir = context_dir(&[
        ("Dockerfile", dockerfile),
        ("requirements.txt", "torch==2.5.1\nfastapi\nuvicorn\n"),
        ("app/main.py", "app = None\n"),
        ("notebooks/explore.ipynb", "{}\n"),
    ]);
    let ctx = BuildContext::load(dir.path(), None).unwrap();
    let options = LintOptions {
        context: Some(&ctx),
        ..LintOptions::default()
    };
    let ladder = |cpu_index| {
        ballast_linter::ladder::ladder(
            &Dockerfile::parse(dockerfile),
            &options,
            &|p| ctx.read(p),
            cpu_index,
        )
        .unwrap()
    };
    let (rungs, stopped) = ladder(true);
    assert_eq!(stopped, None);
    let names: Vec<&str> = rungs.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            "as written",
            "slim base",
            "multi-stage",
            "CPU torch",
            ".dockerignore + non-root"
        ]
    );
    assert!(rungs[1].dockerfile.contains("FROM python:3.11-slim"));
    assert!(
        !rungs[1].dockerfile.contains(" AS "),
        "{}",
        rungs[1].dockerfile
    );
    assert!(
        rungs[2].dockerfile.contains(" AS "),
        "{}",
        rungs[2].dockerfile
    );
    assert!(
        !rungs[2].dockerfile.contains("USER "),
        "{}",
        rungs[2].dockerfile
    );
    assert!(
        rungs[4].dockerfile.contains("USER "),
        "{}",
        rungs[4].dockerfile
    );
    assert!(rungs[4].dockerignore.is_some());
    // Each rung is predicted; the slim base and CPU torch rungs shrink it.
    assert!(rungs[1].predicted_bytes < rungs[0].predicted_bytes);
    // The restructure leaves torch to its own rung.
    assert!(!rungs[2].dockerfile.contains("download.pytorch.org/whl/cpu"));
    let cpu = &rungs[3];
    assert_eq!(cpu.same_as_before, None);
    assert!(cpu.dockerfile.contains("download.pytorch.org/whl/cpu"));
    assert!(cpu.predicted_bytes < rungs[2].predicted_bytes / 2);
    // Without the CPU index, the rung is a stand-in, named so: torch from
    // the default index, its CUDA libraries uninstalled in the same step,
    // and the model sizes that (torch's own CUDA build stays).
    let (stand_in, _) = ladder(false);
    let s = &stand_in[3];
    assert_eq!(s.name, ballast_linter::ladder::CPU_TORCH_STAND_IN);
    assert!(
        !s.dockerfile.contains("download.pytorch.org"),
        "{}",
        s.dockerfile
    );
    let uninstall = s
        .dockerfile
        .lines()
        .find(|l| l.contains("uninstall -y"))
        .unwrap_or_else(|| panic!("{}", s.dockerfile));
    for name in [
        "nvidia-cublas",
        "nvidia-cublas-cu12",
        "nvidia-curand-cu12",
        "triton",
    ] {
        assert!(
            uninstall.contains(&format!(" {name}")),
            "{name}: {uninstall}"
        );
    }
    assert!(!uninstall.contains(" torch"), "{uninstall}");
    let torch_own = ballast_ml::distributions::distribution("torch")
        .unwrap()
        .installed_bytes;
    assert!(
        s.predicted_bytes < rungs[2].predicted_bytes - 1_000_000_000
            && s.predicted_bytes > cpu.predicted_bytes,
        "{} vs {} and {}",
        s.predicted_bytes,
        rungs[2].predicted_bytes,
        cpu.predicted_bytes
    );
    assert!(s.predicted_bytes >= torch_own, "{}", s.predicted_bytes);
    // The rungs after it build on it.
    assert!(stand_in[4].dockerfile.contains("uninstall -y"));
}
