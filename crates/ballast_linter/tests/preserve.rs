//! The preservation check on hand-made pairs: each thing a rewrite can lose
//! is reported (with the original's line), each documented change is not.

use ballast_dockerfile::Dockerfile;
use ballast_linter::{BuildContext, LintOptions, preserve};

/// The losses of `rewritten` against `original`, with the context files.
fn losses(original: &str, rewritten: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let ctx = BuildContext::load(dir.path(), None).unwrap();
    let options = LintOptions {
        context: Some(&ctx),
        ..LintOptions::default()
    };
    let a = Dockerfile::parse(original);
    let b = Dockerfile::parse(rewritten);
    preserve::check(&a, &b, &options, &options)
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect()
}

fn assert_lost(original: &str, rewritten: &str, files: &[(&str, &str)], want: &[&str]) {
    let got = losses(original, rewritten, files);
    for w in want {
        assert!(got.iter().any(|g| g.contains(w)), "want {w:?} in {got:#?}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

const SVC: &str = "FROM python:3.11-slim
WORKDIR /app
COPY requirements-docker.txt ./requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN mkdir -p logs index_store
EXPOSE 8000
ENV APP_MODE=prod
CMD [\"python\", \"server.py\"]
";

fn svc_files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "requirements-docker.txt",
            "fastapi==0.115.0\ntorch==2.4.1\nopencv-python==4.10.0.84\n",
        ),
        ("server.py", "print(1)\n"),
    ]
}

#[test]
fn the_same_file_loses_nothing() {
    assert_lost(SVC, SVC, &svc_files(), &[]);
}

#[test]
fn a_lost_rename_is_reported() {
    let b = SVC.replace(
        "COPY requirements-docker.txt ./requirements.txt",
        "COPY requirements-docker.txt ./",
    );
    assert_lost(
        SVC,
        &b,
        &svc_files(),
        &[
            // The install reads a file that is no longer there...
            "`fastapi==0.115.0`: no longer installed",
            "`torch==2.4.1`: no longer installed",
            "`opencv-python==4.10.0.84`: no longer installed",
            // ...and the file lands elsewhere.
            "line 3: `requirements-docker.txt` no longer lands at `/app/requirements.txt`",
        ],
    );
}

#[test]
fn metadata_and_commands_are_compared() {
    let b = SVC
        .replace("EXPOSE 8000\n", "")
        .replace("ENV APP_MODE=prod\n", "")
        .replace("RUN mkdir -p logs index_store\n", "")
        .replace(
            "CMD [\"python\", \"server.py\"]",
            "CMD [\"python\", \"main.py\"]",
        );
    assert_lost(
        SVC,
        &b,
        &svc_files(),
        &[
            "line 6: `mkdir -p logs index_store` is no longer run",
            "line 7: EXPOSE `8000` is gone",
            "line 8: ENV `APP_MODE` is gone",
            "line 9: CMD `python server.py` became `python main.py`",
        ],
    );
}

#[test]
fn documented_changes_are_accounted_for() {
    // CPU torch (local version), headless OpenCV, a cache mount, cleanups,
    // a non-root user given the directories the app creates.
    let files = vec![
        (
            "requirements-docker.txt",
            "fastapi==0.115.0\ntorch==2.4.1\nopencv-python==4.10.0.84\n",
        ),
        (
            "cpu.txt",
            "fastapi==0.115.0\ntorch==2.4.1+cpu\nopencv-python-headless==4.10.0.84\n",
        ),
        ("server.py", "print(1)\n"),
    ];
    let b = "FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home app && chown app:app /app
COPY cpu.txt ./requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt && rm -rf /tmp/*
COPY --chown=app:app . .
RUN mkdir -p logs index_store
RUN chown app:app /app/logs /app/index_store
USER app
EXPOSE 8000
ENV APP_MODE=prod
CMD [\"python\", \"server.py\"]
";
    // The rename is kept under another source name, which is a loss of its
    // own: only what the original copied counts.
    assert_lost(
        SVC,
        b,
        &files,
        &["line 3: `requirements-docker.txt` no longer lands"],
    );
}

#[test]
fn directories_the_app_creates_must_stay_writable() {
    let b = SVC.replace("CMD [", "RUN useradd app\nUSER app\nCMD [");
    assert_lost(
        SVC,
        &b,
        &svc_files(),
        &[
            "`/app/logs` is created as root",
            "`/app/index_store` is created as root",
        ],
    );
}

#[test]
fn packages_must_reach_the_image() {
    let a = "FROM python:3.11-slim
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
CMD [\"python\", \"-m\", \"app\"]
";
    // uv installs into the system Python of the builder, but only the venv
    // is copied; the runtime library moved to the builder.
    let b = "FROM python:3.11 AS builder
COPY requirements.txt .
RUN pip install uv && uv pip install --system -r requirements.txt
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 build-essential
FROM python:3.11-slim
COPY --from=builder /opt/venv /opt/venv
CMD [\"python\", \"-m\", \"app\"]
";
    let files = [("requirements.txt", "numpy==2.1.0\n")];
    assert_lost(
        a,
        b,
        &files,
        &[
            "line 2: `requirements.txt` no longer lands at `/requirements.txt`",
            "`numpy==2.1.0`: installed where the image does not get it",
            "OS package `libgomp1` is no longer installed in the image",
        ],
    );
    // The same with the venv it copies: nothing lost, and build-essential
    // may stay in the builder.
    let b = "FROM python:3.11 AS builder
RUN python -m venv /opt/venv
ENV PATH=\"/opt/venv/bin:$PATH\"
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /opt/venv /opt/venv
ENV PATH=\"/opt/venv/bin:$PATH\"
CMD [\"python\", \"-m\", \"app\"]
";
    assert_lost(
        a,
        b,
        &files,
        &["line 2: `requirements.txt` no longer lands at `/requirements.txt`"],
    );
}

#[test]
fn steps_moved_out_of_the_image_and_removed_apt_lists() {
    let a = "FROM python:3.11-slim
RUN apt-get update && apt-get upgrade -y
RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir playwright==1.48.0 && playwright install --with-deps chromium
CMD [\"python\"]
";
    let b = "FROM python:3.11-slim AS builder
RUN pip install --no-cache-dir playwright==1.48.0 && playwright install --with-deps chromium
FROM python:3.11-slim
RUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*
RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=builder /opt /opt
CMD [\"python\"]
";
    assert_lost(
        a,
        b,
        &[],
        &[
            "line 4: `playwright install --with-deps chromium` now runs in a stage the image does not keep",
            "`playwright==1.48.0`: installed where the image does not get it",
            "line 5 of the rewrite: `apt-get install -y --no-install-recommends curl` would run after the apt lists it needs were removed",
        ],
    );
}

#[test]
fn lists_removed_with_their_parent_directory_are_removed() {
    // `rm -rf /var/lib/apt` takes the lists with it: the install after it
    // has none, as after `rm -rf /var/lib/apt/lists/*`.
    let a = "FROM python:3.11-slim
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
CMD [\"python\"]
";
    let b = "FROM python:3.11-slim
RUN apt-get update && /bin/rm -rf /var/lib/apt
RUN apt-get install -y --no-install-recommends curl
CMD [\"python\"]
";
    assert_lost(
        a,
        b,
        &[],
        &[
            "line 3 of the rewrite: `apt-get install -y --no-install-recommends curl` would run after the apt lists it needs were removed",
        ],
    );
}

#[test]
fn sudo_and_chown_replaced_by_copy_chown_are_the_same() {
    let a = "FROM python:3.11-slim
RUN sudo apt-get update && sudo apt-get install -y curl
RUN useradd app
COPY . /app
RUN chown -R app:app /app
USER app
CMD [\"python\"]
";
    let b = "FROM python:3.11-slim
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
RUN useradd app
COPY --chown=app:app . /app
USER app
CMD [\"python\"]
";
    assert_lost(a, b, &[("main.py", "print(1)\n")], &[]);
}

#[test]
fn platform_args_and_external_copies_are_kept() {
    let a = "ARG PY=3.11
FROM --platform=linux/amd64 python:${PY}-slim
ARG GPU
COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /uvx /bin/
CMD [\"python\"]
";
    let b = "FROM python:3.11-slim
CMD [\"python\"]
";
    assert_lost(
        a,
        b,
        &[],
        &[
            "FROM --platform `linux/amd64` is gone",
            "ARG `PY` is gone",
            "ARG `GPU` is gone",
            "`/uv` from ghcr.io/astral-sh/uv:0.5.11 no longer lands",
            "`/uvx` from ghcr.io/astral-sh/uv:0.5.11 no longer lands",
        ],
    );
}
