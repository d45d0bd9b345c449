//! How users get ballast, tested the way they use it: the wheel built by
//! maturin and installed into a fresh virtualenv (`ballast`, `python -m
//! ballast`); the pre-commit hooks through `pre-commit try-repo`; the steps
//! of the GitHub Action and of the GitLab CI template run as their runners
//! would; ballast's own container image built by `docker/build.sh` on a real
//! engine and judged by ballast itself.
//!
//! The wheel is built once per run into `target/distribution`, with the
//! `dist` profile's link-time optimisation turned off (CARGO_PROFILE_DIST_*):
//! what is tested is the packaging, and a fat-LTO build would take minutes
//! longer. pre-commit builds the same wheel from its own clone there too, so
//! the dependencies are compiled once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use ballast_testkit::engine::Dockerd;
use common::{ballast, copy_dir, root};
use serde_json::Value;

/// `$BALLAST_MATURIN`, else `maturin` on PATH.
fn maturin() -> PathBuf {
    ballast_testkit::probe::tool_path("maturin", "BALLAST_MATURIN")
        .expect("maturin ($BALLAST_MATURIN or PATH; CI installs it)")
}

/// Cargo settings for every build of the wheel in these tests.
fn cargo_env(cmd: &mut Command) -> &mut Command {
    let target = root().join("target/distribution");
    cmd.env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_DIST_LTO", "false")
        .env("CARGO_PROFILE_DIST_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_DIST_OPT_LEVEL", "1")
        .env("CARGO_TERM_COLOR", "never")
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The command's output as text, both streams, for assertion messages.
fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The wheel, built once per run.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out_dir = root().join("target/distribution/wheels");
        let _ = std::fs::remove_dir_all(&out_dir);
        let out = output(
            cargo_env(&mut Command::new(maturin()))
                .args(["build", "--locked", "--out"])
                .arg(&out_dir)
                .current_dir(root()),
        );
        assert!(out.status.success(), "maturin build: {}", text(&out));
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(wheels.len(), 1, "one wheel: {wheels:?}");
        wheels.into_iter().next().unwrap()
    })
}

/// A virtualenv with the wheel installed, made once per run.
fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = root().join("target/distribution/venv");
        let _ = std::fs::remove_dir_all(&dir);
        let out = output(Command::new("python3").args(["-m", "venv"]).arg(&dir));
        assert!(out.status.success(), "python3 -m venv: {}", text(&out));
        let out = output(
            Command::new(dir.join("bin/pip"))
                .args(["install", "-q", "--no-index", "--disable-pip-version-check"])
                .arg(wheel()),
        );
        assert!(out.status.success(), "pip install: {}", text(&out));
        dir
    })
}

/// PATH with the virtualenv's scripts first, as an activated environment has it.
fn venv_path() -> std::ffi::OsString {
    let mut dirs = vec![venv().join("bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// The example copied into `dir`: tests that let ballast write work on a copy.
fn example_in(dir: &Path) -> PathBuf {
    let project = dir.join("rag-service");
    std::fs::create_dir_all(&project).unwrap();
    copy_dir(&root().join("examples/rag-service"), &project);
    project
}

/// A binary with no program interpreter runs on `scratch` and on any Linux.
fn is_static(binary: &Path) -> bool {
    let bytes = std::fs::read(binary).unwrap();
    // ELF64: program headers at e_phoff, e_phnum entries of e_phentsize bytes;
    // PT_INTERP (3) names the dynamic loader.
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(54), u16_at(56));
    (0..count).all(|i| {
        let kind = &bytes[phoff + i * size..phoff + i * size + 4];
        u32::from_le_bytes(kind.try_into().unwrap()) != 3
    })
}

#[test]
#[cfg_attr(
    ballast_no_maturin,
    ignore = "needs maturin ($BALLAST_MATURIN or PATH)"
)]
fn the_wheel_gives_a_working_ballast_command() {
    let name = wheel().file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    // A static binary needs nothing of the system's C library: the oldest
    // manylinux tag (manylinux1, that is manylinux_2_5) fits.
    assert!(
        name.starts_with(&format!("ballast_cli-{version}-py3-none-manylinux1_x86_64"))
            && name.ends_with(".whl"),
        "{name}"
    );
    let installed = venv().join("bin/ballast");
    assert!(is_static(&installed), "the wheel's binary is static");

    let work = tempfile::tempdir().unwrap();
    let project = example_in(work.path());
    let out = output(
        Command::new(&installed)
            .args(["check", "."])
            .current_dir(&project)
            .env("NO_COLOR", "1"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Lint: ") && stdout.contains("BL401"),
        "{stdout}"
    );

    // `python -m ballast` runs the same binary: the same version, the same commit.
    let by_module =
        output(Command::new(venv().join("bin/python")).args(["-m", "ballast", "--version"]));
    let built = common::run(ballast(work.path()).arg("--version"), 0);
    assert!(by_module.status.success(), "{}", text(&by_module));
    assert_eq!(by_module.stdout, built.stdout);
}

/// A Dockerfile whose only findings `ballast fix` fixes safely.
const NAIVE: &str = "\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py .
USER 10001
CMD [\"python\", \"app.py\"]
";

fn git(dir: &Path, args: &[&str]) {
    let out = output(
        Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir),
    );
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

fn try_repo(repo: &Path, home: &Path, hook: &str) -> Output {
    output(
        cargo_env(&mut Command::new(
            ballast_testkit::probe::tool_path("pre-commit", "BALLAST_PRE_COMMIT")
                .expect("pre-commit ($BALLAST_PRE_COMMIT or PATH; CI installs it)"),
        ))
        .args(["try-repo"])
        .arg(root())
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1"),
    )
}

#[test]
#[cfg_attr(
    any(ballast_no_pre_commit, ballast_no_maturin),
    ignore = "needs pre-commit ($BALLAST_PRE_COMMIT or PATH) and maturin"
)]
fn pre_commit_hooks_fail_on_findings_and_pass_after_the_fix() {
    // The wheel's build first: pre-commit's own build then reuses its dependencies.
    wheel();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("Dockerfile"), NAIVE).unwrap();
    std::fs::write(
        repo.join("requirements.txt"),
        "pandas==2.2.3\nscikit-learn==1.5.2\n",
    )
    .unwrap();
    std::fs::write(repo.join("app.py"), "print('hi')\n").unwrap();
    std::fs::write(repo.join(".dockerignore"), ".git\n").unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "naive"]);
    let home = work.path().join("pre-commit-home");

    let lint = try_repo(&repo, &home, "ballast-lint");
    let said = String::from_utf8_lossy(&lint.stdout);
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    assert!(
        said.contains("ballast lint") && said.contains("Failed"),
        "{said}"
    );
    assert!(said.contains("warning[BL102]"), "{said}");

    // The fix hook changes the Dockerfile, which stops the commit once.
    let fix = try_repo(&repo, &home, "ballast-fix");
    assert_eq!(fix.status.code(), Some(1), "{}", text(&fix));
    assert!(
        String::from_utf8_lossy(&fix.stdout).contains("files were modified by this hook"),
        "{}",
        text(&fix)
    );
    assert_ne!(
        std::fs::read_to_string(repo.join("Dockerfile")).unwrap(),
        NAIVE
    );
    git(&repo, &["commit", "-qam", "fixed"]);

    let lint = try_repo(&repo, &home, "ballast-lint");
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint));
    assert!(String::from_utf8_lossy(&lint.stdout).contains("Passed"));
}

/// `${{ inputs.NAME }}` in an action's text, with the given inputs, else the defaults.
fn expand_inputs(text: &str, action: &Value, given: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (name, input) in action["inputs"].as_object().unwrap() {
        let value = given
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| input["default"].as_str().unwrap_or("").to_string());
        text = text.replace(&format!("${{{{ inputs.{name} }}}}"), &value);
    }
    text
}

#[test]
#[cfg_attr(
    ballast_no_maturin,
    ignore = "needs maturin ($BALLAST_MATURIN or PATH)"
)]
fn the_github_action_installs_lints_uploads_and_summarises() {
    let action: Value =
        serde_norway::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    venv();
    let work = tempfile::tempdir().unwrap();
    let project = example_in(work.path());
    let (summary, outputs) = (work.path().join("summary.md"), work.path().join("output"));
    let wheel = wheel().to_string_lossy().into_owned();
    let given = [("package", wheel.as_str()), ("path", ".")];
    let mut ran = Vec::new();
    for step in action["runs"]["steps"].as_array().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        // A composite step's shell: `bash --noprofile --norc -eo pipefail {0}`.
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
            .arg(expand_inputs(script, &action, &given))
            .current_dir(&project)
            .env("PATH", venv_path())
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .env("NO_COLOR", "1");
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            cmd.env(k, expand_inputs(v.as_str().unwrap(), &action, &given));
        }
        ran.push((
            step["name"].as_str().unwrap_or("").to_string(),
            output(&mut cmd),
        ));
    }
    let [(_, install), (_, run)] = &ran[..] else {
        panic!("two run steps: install and run");
    };
    assert!(install.status.success(), "{}", text(install));
    assert_eq!(run.status.code(), Some(1), "{}", text(run));
    let annotations = String::from_utf8_lossy(&run.stdout);
    assert!(
        annotations.contains("::warning file=Dockerfile,line=2"),
        "{annotations}"
    );
    assert_eq!(std::fs::read_to_string(&outputs).unwrap(), "exit-code=1\n");
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("## ballast check") && summary.contains("BL401"),
        "{summary}"
    );
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(project.join("ballast.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    // The upload step reads the file the run step wrote.
    let upload = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        })
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], "ballast.sarif");
}

#[test]
#[cfg_attr(
    ballast_no_maturin,
    ignore = "needs maturin ($BALLAST_MATURIN or PATH)"
)]
fn the_gitlab_template_reports_code_quality() {
    let template: Value = serde_norway::from_str(
        &std::fs::read_to_string(root().join("ci/ballast.gitlab-ci.yml")).unwrap(),
    )
    .unwrap();
    let job = &template["ballast"];
    venv();
    let work = tempfile::tempdir().unwrap();
    let project = example_in(work.path());
    // The runner runs the script's lines in one shell that stops at the first failure.
    let script: Vec<&str> = ballast_testkit::json_strs(&job["script"]);
    let mut cmd = Command::new("bash");
    cmd.args(["-e", "-c", &script.join("\n")])
        .current_dir(&project)
        .env("PATH", venv_path())
        .env("NO_COLOR", "1");
    for (k, v) in job["variables"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    cmd.env("BALLAST_PACKAGE", wheel());
    let out = output(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report_name = job["artifacts"]["reports"]["codequality"].as_str().unwrap();
    let report: Value =
        serde_json::from_slice(&std::fs::read(project.join(report_name)).unwrap()).unwrap();
    let issues = report.as_array().unwrap();
    assert!(!issues.is_empty());
    for issue in issues {
        assert!(issue["check_name"].is_string() && issue["fingerprint"].is_string());
        assert_eq!(issue["location"]["path"], "Dockerfile");
    }
    let audit = job["artifacts"]["paths"][0].as_str().unwrap();
    assert!(
        std::fs::read_to_string(project.join(audit))
            .unwrap()
            .contains("BL401")
    );
}

#[test]
#[cfg_attr(
    any(ballast_no_engine, ballast_no_maturin),
    ignore = "needs a real engine (root, dockerd, debootstrap) and maturin"
)]
fn the_container_image_is_static_non_root_clean_and_works() {
    let binary = venv().join("bin/ballast");
    let d = Dockerd::start().expect("dockerd");
    let work = tempfile::tempdir().unwrap();
    let context = work.path().join("context");
    let out = output(
        Command::new(root().join("docker/build.sh"))
            .arg("ballast-self:test")
            .env("BALLAST_BINARY", &binary)
            .env("BALLAST_IMAGE_CONTEXT", &context)
            // The Debian client with its built-in BuildKit, as the other engine tests use.
            .env("DOCKER", "/usr/bin/docker")
            .env("DOCKER_BUILDKIT", "1")
            .env("DOCKER_HOST", format!("unix://{}", d.socket.display())),
    );
    assert!(out.status.success(), "docker/build.sh: {}", text(&out));

    // ballast judges the Dockerfile and the context it was built from clean.
    common::run(ballast(&context).args(["lint", "."]), 0);
    let check = common::run(
        ballast(&context).args(["check", ".", "--format", "json"]),
        0,
    );
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check["lint"]["summary"]["findings"], 0, "{check:#}");

    let config = d
        .run(&[
            "image",
            "inspect",
            "--format",
            "{{.Config.User}} {{json .Config.Entrypoint}}",
            "ballast-self:test",
        ])
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&config.stdout).trim(),
        "65532:65532 [\"/usr/local/bin/ballast\"]"
    );
    let size = d.image_size("ballast-self:test").unwrap();
    let binary_size = std::fs::metadata(&binary).unwrap().len();
    eprintln!("ballast's image: {size} bytes (binary {binary_size} bytes)");
    // The binary, the CA bundle (about 200 kB) and nothing else.
    assert!(size < binary_size + 1_000_000, "{size} bytes");

    // As the README shows it: the project mounted at /src.
    let project = example_in(work.path());
    let mount = format!("{}:/src:ro", project.display());
    let run = d
        .docker()
        .args([
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &mount,
            "ballast-self:test",
            "check",
            "/src",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(String::from_utf8_lossy(&run.stdout).contains("BL401"));

    // ballast's inspection of its own image: one layer of content, nothing wasted.
    let archive = work.path().join("self.tar");
    d.save("ballast-self:test", &archive).unwrap();
    let inspect = common::run(
        ballast(work.path())
            .args(["inspect", "--format", "json"])
            .arg(&archive),
        0,
    );
    let report: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(report["totals"]["wasted_bytes"], 0, "{report:#}");
}
