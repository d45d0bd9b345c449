//! One test per rewrite that broke a build on the real-project corpus
//! (issue 14's reproductions): each reproduces the project's shape in a
//! small context, rewrites it, and checks the result with `fix --verify`
//! besides what the reproduction was about.

mod common;

use std::path::Path;

use common::{ballast, run, write};

struct Rewrite {
    code: Option<i32>,
    text: String,
    stdout: String,
    stderr: String,
}

/// Runs `ballast fix ARGS Dockerfile` in `dir` and reads the file back.
fn rewrite(dir: &Path, args: &[&str]) -> Rewrite {
    let out = ballast(dir)
        .arg("fix")
        .args(args)
        .arg("Dockerfile")
        .output()
        .unwrap();
    Rewrite {
        code: out.status.code(),
        text: std::fs::read_to_string(dir.join("Dockerfile")).unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A context with `files`, its Dockerfile also kept as `original.Dockerfile`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), files);
    let df = files.iter().find(|(n, _)| *n == "Dockerfile").unwrap().1;
    write(d.path(), &[("original.Dockerfile", df)]);
    d
}

/// `fix --verify original.Dockerfile Dockerfile` passes.
fn assert_verified(dir: &Path) {
    let out = ballast(dir)
        .args(["fix", "--verify", "original.Dockerfile", "Dockerfile"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.join("Dockerfile")).unwrap()
    );
}

/// The restructure succeeded and the result verifies.
fn restructured(dir: &Path) -> Rewrite {
    let r = rewrite(dir, &["--restructure"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stderr, r.stdout);
    assert_verified(dir);
    r
}

/// The restructure refused with a one-line reason on stderr, exit 1,
/// nothing written.
fn refused(dir: &Path) -> String {
    let before = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let r = rewrite(dir, &["--restructure"]);
    assert_eq!(r.code, Some(1), "{}", r.text);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.text, before);
    assert!(!dir.join(".dockerignore").exists());
    assert!(r.stderr.starts_with("Dockerfile: not restructured: "));
    r.stderr
}

/// The runtime stage: from the last FROM on.
fn runtime(text: &str) -> &str {
    &text[text.rfind("\nFROM ").unwrap()..]
}

fn builder(text: &str) -> &str {
    &text[..text.rfind("\nFROM ").unwrap()]
}

#[test]
fn apt_lists_stay_while_a_later_run_installs_with_them() {
    let d = project(&[(
        "Dockerfile",
        "FROM debian:12\nRUN apt-get update && apt-get upgrade -y\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n",
    )]);
    let r = rewrite(d.path(), &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let first = r.text.lines().nth(1).unwrap();
    assert!(!first.contains("lists"), "{}", r.text);
    assert_verified(d.path());
    // And the check itself catches the old fix.
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM debian:12\nRUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n",
        )],
    );
    let out = run(
        ballast(d.path()).args(["fix", "--verify", "original.Dockerfile", "Dockerfile"]),
        1,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("apt"), "{text}");
}

#[test]
fn cognita_keeps_platform_venv_path_uv_and_playwright() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM --platform=linux/amd64 python:3.11\n\nENV PATH=/virtualenvs/venv/bin:$PATH\nRUN python3 -m venv /virtualenvs/venv/\nCOPY backend/requirements.txt /tmp/requirements.txt\nRUN python3 -m pip install -U pip setuptools wheel uv && \\\n    python3 -m uv pip install --no-cache-dir -r /tmp/requirements.txt && \\\n    playwright install --with-deps chromium\nCOPY . /app\nWORKDIR /app\nCMD [\"python\", \"-m\", \"backend\"]\n",
        ),
        ("backend/requirements.txt", "fastapi\nplaywright\n"),
        ("backend/__main__.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    assert!(
        r.text
            .contains("FROM --platform=linux/amd64 python:3.11 AS builder")
            && runtime(&r.text).contains("FROM --platform=linux/amd64 python:3.11-slim"),
        "{}",
        r.text
    );
    assert!(
        builder(&r.text).contains("python3 -m uv pip install -r /tmp/requirements.txt"),
        "{}",
        r.text
    );
    let rt = runtime(&r.text);
    assert!(
        rt.contains("COPY --from=builder /virtualenvs/venv /virtualenvs/venv"),
        "{rt}"
    );
    assert!(
        rt.contains("RUN playwright install --with-deps chromium"),
        "{rt}"
    );
    // The browsers go to /root: the image keeps running as root, and says why.
    assert!(!rt.contains("USER app"), "{rt}");
    assert!(
        r.stdout.contains("PLAYWRIGHT_BROWSERS_PATH"),
        "{}",
        r.stdout
    );
}

#[test]
fn renamed_requirements_and_workdir_are_kept() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /app/backend\nCOPY requirements-docker.txt ./requirements.txt\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"server.py\"]\n",
        ),
        ("requirements-docker.txt", "fastapi\n"),
        ("server.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    let b = builder(&r.text);
    assert!(b.contains("WORKDIR /app/backend"), "{b}");
    assert!(
        b.contains("COPY requirements-docker.txt ./requirements.txt")
            || b.contains("COPY requirements-docker.txt /app/backend/requirements.txt"),
        "{b}"
    );
}

#[test]
fn directories_the_app_creates_are_given_to_the_new_user() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN mkdir -p logs index_store\nCMD [\"python\", \"app.py\"]\n",
        ),
        ("requirements.txt", "fastapi\n"),
        ("app.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    let rt = runtime(&r.text);
    assert!(rt.contains("USER app"), "{rt}");
    assert!(
        rt.contains("chown app:app /srv/logs /srv/index_store")
            || rt.contains("chown -R app:app /srv/logs")
            || (rt.contains("logs") && rt.contains("chown")),
        "{rt}"
    );
}

#[test]
fn txtai_base_is_refused_naming_the_line() {
    let d = project(&[(
        "Dockerfile",
        "ARG BASE_IMAGE=python:3.10-slim\nFROM $BASE_IMAGE\nARG GPU\nRUN apt-get update && apt-get -y --no-install-recommends install libgomp1 libportaudio2 libsndfile1 gcc g++ && rm -rf /var/lib/apt/lists/*\nRUN \\\n    if [ -z ${GPU} ]; then pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/cpu; fi && \\\n    pip install --no-cache-dir txtai[all] && \\\n    python -c \"import nltk; nltk.download(['punkt'])\"\n",
    )]);
    let why = refused(d.path());
    assert!(
        why.contains("line 5:") && why.contains("shell logic"),
        "{why}"
    );
}

#[test]
fn a_baked_secret_is_refused_naming_it() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.11\nENV HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        ),
        ("requirements.txt", "fastapi\n"),
    ]);
    let why = refused(d.path());
    assert!(why.contains("line 2: ENV `HF_TOKEN`"), "{why}");
}

#[test]
fn an_xpu_index_is_not_a_cuda_build_and_the_loop_converges() {
    let d = project(&[(
        "Dockerfile",
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/xpu\nCMD [\"python\"]\n",
    )]);
    let r = rewrite(d.path(), &["--unsafe-fixes"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.text.contains("/whl/cpu"), "{}", r.text);
    assert!(!r.stderr.contains("still changed"), "{}", r.stderr);
    assert_eq!(r.text.matches("--index-url").count(), 1, "{}", r.text);
    assert_verified(d.path());
}

#[test]
fn uv_pip_system_installs_into_the_copied_venv() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install uv && uv pip install --system -r requirements.txt\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
        ),
        ("requirements.txt", "fastapi\n"),
        ("main.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    let b = builder(&r.text);
    assert!(!b.contains("--system"), "{b}");
    assert!(b.contains("uv pip install -r requirements.txt"), "{b}");
}

#[test]
fn copies_from_images_syntax_platform_digest_and_purge_are_kept() {
    let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    let df = format!(
        "# syntax=docker/dockerfile:1.7\nFROM --platform=linux/amd64 python:3.11@{digest}\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv\nCOPY requirements.txt .\nRUN uv pip install --system -r requirements.txt\nRUN apt-get purge -y --auto-remove perl-base || true\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n"
    );
    let d = project(&[
        ("Dockerfile", &df),
        ("requirements.txt", "fastapi\n"),
        ("main.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    assert!(
        r.text.starts_with("# syntax=docker/dockerfile:1.7\n"),
        "{}",
        r.text
    );
    assert!(r.text.contains(&format!(
        "--platform=linux/amd64 python:3.11@{digest} AS builder"
    )));
    let rt = runtime(&r.text);
    assert!(rt.starts_with("\nFROM --platform=linux/amd64 "), "{rt}");
    assert!(
        rt.contains("apt-get purge -y --auto-remove perl-base"),
        "{rt}"
    );
    assert!(builder(&r.text).contains("COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv"));
}

#[test]
fn pdm_is_refused_rather_than_rewritten() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install pdm && pdm sync -dG testing\nCMD [\"python\", \"-m\", \"app\"]\n",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = [\"fastapi\"]\n",
        ),
        ("pdm.lock", "# lock\n"),
    ]);
    let why = refused(d.path());
    assert!(why.contains("line 4:") && why.contains("pdm"), "{why}");
}

#[test]
fn the_non_root_fix_reuses_the_user_and_leaves_system_workdirs() {
    // The file creates a user that owns the data: no second user.
    let d = project(&[(
        "Dockerfile",
        "FROM python:3.11-slim\nRUN useradd -m svc && mkdir /data && chown svc /data\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
    )]);
    let r = rewrite(d.path(), &["--unsafe-fixes"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.text.matches("useradd").count(), 1, "{}", r.text);
    assert!(r.text.contains("USER svc"), "{}", r.text);
    assert_verified(d.path());
    // WORKDIR /root or /bin: no chown of a system directory, no fix.
    for wd in ["/root", "/bin"] {
        let d = project(&[(
            "Dockerfile",
            &format!(
                "FROM python:3.11-slim\nWORKDIR {wd}\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n"
            ),
        )]);
        let r = rewrite(d.path(), &["--unsafe-fixes"]);
        assert!(!r.text.contains("chown"), "{}", r.text);
        assert!(!r.text.contains("USER"), "{}", r.text);
    }
}

#[test]
fn a_cuda_devel_base_stays_when_the_image_compiles() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM nvidia/cuda:12.1.1-devel-ubuntu22.04\nRUN apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip3 install -r requirements.txt\nCOPY . /app\nRUN cd /app && python3 setup.py build_ext --inplace\nCMD [\"python3\", \"/app/serve.py\"]\n",
        ),
        ("requirements.txt", "torch==2.4.1\nnumpy\n"),
        ("setup.py", "from setuptools import setup\nsetup()\n"),
    ]);
    let r = rewrite(d.path(), &["--unsafe-fixes"]);
    assert!(r.text.contains("-devel-ubuntu22.04"), "{}", r.text);
    let r = rewrite(d.path(), &["--restructure"]);
    if r.code == Some(0) {
        assert!(
            runtime(&r.text).contains("-devel-ubuntu22.04"),
            "{}",
            r.text
        );
        assert_verified(d.path());
    } else {
        assert!(r.stderr.contains("not restructured: "), "{}", r.stderr);
    }
}

#[test]
fn project_installs_get_a_dependency_layer_and_a_rename_survives() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD [\"python\", \"-m\", \"svc\"]\n",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"svc\"\nversion = \"0\"\ndependencies = [\"fastapi>=0.110\", \"uvicorn\"]\n",
        ),
        ("svc/__main__.py", "print(1)\n"),
    ]);
    let r = restructured(d.path());
    let b = builder(&r.text);
    let layer = b.find("'fastapi>=0.110' 'uvicorn'").expect(b);
    assert!(layer < b.find("COPY . .").unwrap(), "{b}");
    assert!(b.contains("pip install ."), "{b}");
}

/// A service whose project install also names requirements and constraints
/// files, an index from a build argument, and OS packages installed after
/// the code copy; `install` is its RUN.
fn project_with_files(install: &str) -> tempfile::TempDir {
    let df = format!(
        "FROM python:3.11\nARG INDEX=https://pypi.org/simple\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*\nRUN {install}\nCMD [\"python\", \"-m\", \"svc\"]\n"
    );
    project(&[
        ("Dockerfile", &df),
        (
            "pyproject.toml",
            "[project]\nname = \"svc\"\nversion = \"0\"\ndependencies = [\"psycopg2==2.9.9\"]\n",
        ),
        ("requirements.txt", "fastapi==0.115.5\n"),
        ("constraints.txt", "starlette<1\n"),
        ("nested.txt", "-r requirements.txt\n"),
        ("svc/__main__.py", "print(1)\n"),
    ])
}

#[test]
fn the_dependency_layer_copies_the_files_pip_reads_and_keeps_build_args() {
    // It once kept `-r requirements.txt` without copying the file (pip
    // failed), wrote `$INDEX` as its default (a `--build-arg` was lost) and
    // came before the OS packages the install needs.
    let d = project_with_files(
        r#"pip install --index-url "$INDEX" -r requirements.txt -c constraints.txt -e ."#,
    );
    let r = restructured(d.path());
    let b = builder(&r.text);
    let apt = b.find("apt-get install").expect(b);
    let copy = b.find("COPY requirements.txt /app/requirements.txt\nCOPY constraints.txt /app/constraints.txt\n").expect(b);
    let layer = b
        .find(r#"pip install --index-url "$INDEX" -r requirements.txt -c constraints.txt 'psycopg2==2.9.9'"#)
        .expect(b);
    let code = b.find("COPY . .").expect(b);
    assert!(apt < copy && copy < layer && layer < code, "{b}");
    assert_eq!(b.matches("apt-get install").count(), 1, "{b}");
    assert!(!b[layer..code].contains("-e"), "{b}");
}

#[test]
fn no_dependency_layer_where_it_would_miss_what_the_install_needs() {
    // A file that includes another, a `cd` before the install, an ENV
    // between the copy and the install: the builder installs after the
    // code copy, as the original does.
    for install in [
        "pip install -r nested.txt .",
        "cd /app && pip install .",
        "pip install . && true",
    ] {
        let d = project_with_files(install);
        if install.ends_with("true") {
            let df = std::fs::read_to_string(d.path().join("Dockerfile")).unwrap();
            let df = df.replace(
                "RUN apt-get",
                "ENV PIP_INDEX_URL=https://example.org/simple\nRUN apt-get",
            );
            write(
                d.path(),
                &[("Dockerfile", &df), ("original.Dockerfile", &df)],
            );
        }
        assert_no_layer(d.path(), "psycopg2", install);
    }
}

#[test]
fn an_env_between_two_project_installs_leaves_no_dependency_layer() {
    // The layer would install the second project's dependencies before the
    // ENV its install ran under.
    let d = project_with_files(
        "pip install .\nENV PIP_INDEX_URL=https://example.org/simple\nRUN pip install ./lib",
    );
    write(
        d.path(),
        &[(
            "lib/pyproject.toml",
            "[project]\nname = \"lib\"\nversion = \"0\"\ndependencies = [\"httpx==0.28.1\"]\n",
        )],
    );
    assert_no_layer(d.path(), "httpx", "two project installs");
}

/// Restructured, the builder has no dependency layer: `package` is not
/// listed, and every install comes after the code copy.
fn assert_no_layer(dir: &Path, package: &str, case: &str) {
    let r = restructured(dir);
    let b = builder(&r.text);
    assert!(!b.contains(package), "{case}:\n{b}");
    assert!(
        b.find("COPY . .").unwrap() < b.find("--mount=type=cache").unwrap(),
        "{case}:\n{b}"
    );
}
