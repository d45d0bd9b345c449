//! One test per problem found by running ballast on the real-project corpus
//! (issue 13, items 1 to 13): each reproduces the project's shape in a small
//! context and checks the command now gets it right.

mod common;

use std::path::Path;

use ballast_testkit::image::{Format, ImageSpec, Layer, text};
use common::{ballast, write};
use serde_json::Value;

/// `lint --format json` findings of `Dockerfile` in `dir`: (name, severity,
/// line, message, savings).
fn lint(dir: &Path) -> Vec<Value> {
    let out = ballast(dir)
        .args(["lint", "--format", "json", "Dockerfile"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn named<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["name"] == rule).collect()
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = ballast(dir).args(args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// 1: a requirement file is read where the COPY took it from, not by name.
#[test]
fn item_01_requirements_are_followed_through_copy() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (
                "Dockerfile",
                "FROM python:3.11-slim\nCOPY deploy/requirements-prod.txt /tmp/reqs.txt\nRUN pip install --no-cache-dir -r /tmp/reqs.txt\nCMD [\"python\"]\n",
            ),
            ("deploy/requirements-prod.txt", "torch==2.4.1\nfastapi\n"),
            ("requirements.txt", "fastapi\n"),
        ],
    );
    let f = lint(d.path());
    let cuda = named(&f, "cuda-torch-without-gpu");
    assert_eq!(cuda.len(), 1, "{f:?}");
    assert!(
        cuda[0]["message"]
            .as_str()
            .unwrap()
            .contains("deploy/requirements-prod.txt")
    );
    // The other way round: the root file has torch, the copied one does not.
    write(
        d.path(),
        &[
            ("deploy/requirements-prod.txt", "fastapi\n"),
            ("requirements.txt", "torch==2.4.1\n"),
        ],
    );
    assert!(named(&lint(d.path()), "cuda-torch-without-gpu").is_empty());
}

/// 2: installs through `python -m uv`, `pip install .` with setup.py,
/// poetry and uv projects; a CPU torch installed first is kept.
#[test]
fn item_02_installs_are_recognised() {
    let d = tempfile::tempdir().unwrap();
    // cognita: python3 -m uv pip install -r.
    write(
        d.path(),
        &[
            ("requirements.txt", "sentence-transformers==3.1.1\n"),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nCOPY requirements.txt /tmp/requirements.txt\nRUN python3 -m pip install uv && python3 -m uv pip install --system --no-cache-dir -r /tmp/requirements.txt\nCMD [\"python\"]\n",
            ),
        ],
    );
    assert_eq!(named(&lint(d.path()), "cuda-torch-without-gpu").len(), 1);
    // Verba: `pip install .` sized from setup.py's literal install_requires.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (
                "setup.py",
                "from setuptools import setup\nsetup(name='verba', install_requires=['weaviate-client==4.9.6', 'numpy', 'transformers', 'fastapi'])\n",
            ),
            ("verba/__init__.py", ""),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nWORKDIR /Verba\nCOPY . /Verba\nRUN pip install '.'\nCMD [\"verba\", \"start\"]\n",
            ),
        ],
    );
    let f = lint(d.path());
    let cache = named(&f, "pip-cache-kept");
    let basis = cache[0]["savings"]["basis"].as_str().unwrap();
    assert!(basis.starts_with("estimate: 4 requested"), "{basis}");
    let after = named(&f, "deps-installed-after-code");
    assert!(
        after[0]["message"].as_str().unwrap().contains("4 packages"),
        "{after:?}"
    );
    // poetry and uv projects read from pyproject.toml.
    for (install, pyproject) in [
        (
            "RUN pip install --no-cache-dir poetry && poetry install --no-root",
            "[tool.poetry]\nname = \"svc\"\n[tool.poetry.dependencies]\npython = \"^3.11\"\ntorch = \"2.4.1\"\n",
        ),
        (
            "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-install-project",
            "[project]\nname = \"svc\"\nversion = \"0.1\"\ndependencies = [\"torch==2.4.1\"]\n",
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                ("pyproject.toml", pyproject),
                (
                    "Dockerfile",
                    &format!(
                        "FROM python:3.11-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /bin/\nWORKDIR /app\nCOPY pyproject.toml ./\n{install}\nCMD [\"python\"]\n"
                    ),
                ),
            ],
        );
        assert_eq!(
            named(&lint(d.path()), "cuda-torch-without-gpu").len(),
            1,
            "{install}"
        );
    }
    // Order: the CPU torch installed first is what the dependents keep.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("requirements.txt", "sentence-transformers==3.1.1\n"),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nRUN pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/cpu\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCMD [\"python\"]\n",
            ),
        ],
    );
    assert!(named(&lint(d.path()), "cuda-torch-without-gpu").is_empty());
}

/// 3: manifests are not code, and installing only the project after the
/// dependency layer is not a reinstall (in lint and in rebuild's advice).
#[test]
fn item_03_manifests_and_project_only_installs() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (
                "pyproject.toml",
                "[tool.poetry]\nname = \"svc\"\n[tool.poetry.dependencies]\npython = \"^3.11\"\nfastapi = \"*\"\n",
            ),
            ("poetry.lock", "# lock\n"),
            ("poetry.toml", "[virtualenvs]\ncreate = false\n"),
            (
                "backend/vectordb.requirements.txt",
                "qdrant-client==1.9.0\n",
            ),
            ("svc/main.py", "print(1)\n"),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nWORKDIR /app\nRUN pip install --no-cache-dir poetry\nCOPY poetry.lock poetry.toml pyproject.toml ./\nCOPY backend/vectordb.requirements.txt /tmp/\nRUN poetry install --no-root && pip install --no-cache-dir -r /tmp/vectordb.requirements.txt\nCOPY . .\nRUN poetry install --only-root\nCMD [\"python\", \"-m\", \"svc.main\"]\n",
            ),
        ],
    );
    assert!(named(&lint(d.path()), "deps-installed-after-code").is_empty());
    let v = json_of(
        d.path(),
        &["rebuild", "--format", "json", "--changed", "svc/main.py"],
    );
    assert!(
        v["advice"].as_array().unwrap().is_empty(),
        "{}",
        v["advice"]
    );
    let line6 = ballast_testkit::json_item(&v["steps"], "line", 6);
    assert_eq!(line6["status"], "cached", "{line6}");
}

/// 4: `.env` files are secrets by what they hold.
#[test]
fn item_04_env_files_are_judged_by_their_contents() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (".dockerignore", ".git\n"),
            (
                "web/.env.production",
                "NEXT_PUBLIC_ENV='production'\nVITE_API=/api\n",
            ),
            (".env.example", "OPENAI_API_KEY=\n"),
            (
                ".env",
                "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD\n",
            ),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nCOPY . /app\nCMD [\"python\"]\n",
            ),
        ],
    );
    let f = lint(d.path());
    let junk = named(&f, "context-ships-junk");
    let secret: Vec<_> = junk.iter().filter(|j| j["severity"] == "error").collect();
    assert_eq!(secret.len(), 1, "{junk:?}");
    let m = secret[0]["message"].as_str().unwrap();
    assert!(
        m.contains(".env") && !m.contains(".env.production") && !m.contains(".env.example"),
        "{m}"
    );
    let v = json_of(d.path(), &["context", "--format", "json"]);
    let secrets: Vec<&str> = v["junk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["class"] == "secret")
        .map(|j| j["path"].as_str().unwrap())
        .collect();
    assert_eq!(secrets, [".env"]);
}

/// (name, value, a secret?) checked by both `lint` (ENV) and `inspect`
/// (the image configuration's Env).
const SECRET_CASES: &[(&str, &str, bool)] = &[
    ("HF_TOKEN", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", true),
    ("HUGGING_FACE_HUB_TOKEN", "x9f8a7s6d5", true),
    ("OPENAI_API_KEY", "abc123", true),
    ("ANTHROPIC_API_KEY", "abc123", true),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", true),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", true),
    ("DB_PASSWORD", "hunter2", true),
    ("POSTGRES_PASSWORD", "pg", true),
    ("REDIS_PASSWORD", "r", true),
    (
        "GITHUB_TOKEN",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        true,
    ),
    ("SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef", true),
    ("SECRET_KEY", "django-insecure-xyz", true),
    ("JWT_SECRET", "s3cr3t", true),
    ("API_KEY", "k", true),
    ("STRIPE_SECRET_KEY", "sk_live_abc", true),
    ("PRIVATE_KEY", "p", true),
    ("WANDB_API_KEY", "w", true),
    ("COHERE_API_KEY", "c", true),
    ("PINECONE_API_KEY", "p", true),
    ("AZURE_OPENAI_API_KEY", "a", true),
    (
        "SOME_SETTING",
        "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        true,
    ),
    ("DATABASE_URL", "postgres://app:hunter2@db:5432/app", true),
    ("TOKENIZERS_PARALLELISM", "false", false),
    ("HF_TOKEN_PATH", "/run/secrets/hf", false),
    ("HF_HOME", "/models", false),
    ("TRANSFORMERS_CACHE", "/models", false),
    ("PYTHONUNBUFFERED", "1", false),
    ("PIP_NO_CACHE_DIR", "1", false),
    ("PATH", "/venv/bin:/usr/bin", false),
    ("MAX_TOKENS", "512", false),
    ("TOKEN_LIMIT", "4096", false),
    ("NEXT_PUBLIC_API_KEY", "pk_test", false),
    ("VITE_API_URL", "/api", false),
    ("OPENAI_API_KEY", "", false),
    ("DB_PASSWORD", "changeme", false),
    ("API_KEY", "<your-api-key>", false),
    ("SECRET_KEY_FILE", "/run/secrets/key", false),
    ("PASSWORD_MIN_LENGTH", "12", false),
    ("KEY_ROTATION_DAYS", "30", false),
    ("DATABASE_URL", "postgres://db:5432/app", false),
    ("LANG", "C.UTF-8", false),
    ("CUDA_VISIBLE_DEVICES", "0", false),
];

/// 5: lint and inspect call the same judgement, so they agree on every name.
#[test]
fn item_05_lint_and_inspect_agree_on_secrets() {
    assert!(SECRET_CASES.len() >= 40);
    let d = tempfile::tempdir().unwrap();
    for (i, (name, value, secret)) in SECRET_CASES.iter().enumerate() {
        let case = d.path().join(i.to_string());
        std::fs::create_dir_all(&case).unwrap();
        write(
            &case,
            &[(
                "Dockerfile",
                &format!("FROM python:3.11-slim\nENV {name}=\"{value}\"\nCMD [\"python\"]\n"),
            )],
        );
        let by_lint = !named(&lint(&case), "secret-in-arg-or-env").is_empty();
        let mut spec = ImageSpec::new(vec![Layer::new("COPY x /x", vec![text("x", "x")])]);
        spec.env.push(format!("{name}={value}"));
        let img = case.join("img.tar");
        spec.write(Format::OciArchive, &img).unwrap();
        let v = json_of(
            &case,
            &["inspect", "--format", "json", img.to_str().unwrap()],
        );
        let by_inspect = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "secret-in-arg-or-env");
        assert_eq!(
            (by_lint, by_inspect),
            (*secret, *secret),
            "{name}={value:?}: lint {by_lint}, inspect {by_inspect}"
        );
    }
}

/// 6: a cache deleted in a later layer stays in every layer that wrote it.
#[test]
fn item_06_cleanup_credits_every_earlier_layer() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nRUN pip install requests\nRUN pip install torch==2.5.1\nRUN rm -rf /root/.cache/pip\nCMD [\"python\"]\n",
        )],
    );
    let f = lint(d.path());
    let c = named(&f, "cleanup-in-later-layer");
    assert_eq!(c.len(), 1, "{f:?}");
    assert!(
        c[0]["message"].as_str().unwrap().contains("lines 2, 3"),
        "{}",
        c[0]["message"]
    );
    // Both layers' caches, each the figure pip-cache-kept gives it (torch's
    // as the CPU build cuda-torch-without-gpu's fix installs).
    let caches: u64 = named(&f, "pip-cache-kept")
        .iter()
        .map(|p| p["savings"]["bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(named(&f, "pip-cache-kept").len(), 2, "{f:?}");
    assert_eq!(
        c[0]["savings"]["bytes"].as_u64().unwrap(),
        caches,
        "{}",
        c[0]["savings"]
    );
    assert!(caches > 300_000_000, "{caches}");
}

/// 7: apt's Recommends come from the distribution's package lists.
#[test]
fn item_07_apt_recommends_are_the_real_ones() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM debian:12-slim\nRUN apt-get update && apt-get install -y python3-pip && rm -rf /var/lib/apt/lists/*\nCMD [\"python3\"]\n",
        )],
    );
    let f = lint(d.path());
    let r = named(&f, "apt-recommends-installed");
    let m = r[0]["message"].as_str().unwrap();
    assert!(m.contains("python3-pip recommends build-essential"), "{m}");
    let basis = r[0]["savings"]["basis"].as_str().unwrap();
    assert!(basis.contains("Debian 12 package lists of 20"), "{basis}");
    assert!(r[0]["savings"]["bytes"].as_u64().unwrap() > 100_000_000);
}

/// 8: chown of earlier layers, update+upgrade alone, uv caches, weight
/// downloads.
#[test]
fn item_08_what_a_senior_engineer_flags() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("app/main.py", &"x".repeat(50_000)),
            (
                "pyproject.toml",
                "[project]\nname = \"svc\"\nversion = \"0.1\"\ndependencies = [\"fastapi\"]\n",
            ),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nRUN apt-get update && apt-get upgrade -y\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCOPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /bin/\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN uv sync --no-install-project\nCOPY app/ /app/app/\nRUN useradd app && chown -R app:app /app\nRUN wget -q https://example.com/models/encoder.safetensors -O /app/encoder.safetensors\nUSER app\nCMD [\"python\", \"-m\", \"app.main\"]\n",
            ),
        ],
    );
    let f = lint(d.path());
    for rule in [
        "apt-update-alone",
        "pip-cache-kept",
        "chown-in-later-layer",
        "model-downloaded-at-build",
    ] {
        assert_eq!(named(&f, rule).len(), 1, "{rule}: {f:?}");
    }
    assert!(
        named(&f, "pip-cache-kept")[0]["message"]
            .as_str()
            .unwrap()
            .contains("/root/.cache/uv")
    );
    let chown = named(&f, "chown-in-later-layer")[0];
    assert!(
        chown["savings"]["bytes"].as_u64().unwrap() >= 50_000,
        "{chown}"
    );
}

/// 9: templates are skipped with a note; a file that fails to parse is
/// reported and the others still linted.
#[test]
fn item_09_templates_skipped_and_parse_failures_isolated() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (
                "Dockerfile",
                "FROM python:3.11-slim\nRUN pip install fastapi\nCMD [\"python\"]\n",
            ),
            (
                "docker/Dockerfile.jinja2",
                "FROM {{ base }}\n{% for x in y %}\nRUN {{ x }}\n{% endfor %}\n",
            ),
            (
                "broken/Dockerfile",
                "FROM python:3.11-slim\nRUN <<EOF\necho never closed\n",
            ),
        ],
    );
    let out = ballast(d.path())
        .args(["lint", "--format", "json", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Dockerfile.jinja2") && stderr.contains("template"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["path"].as_str().unwrap().contains("broken"),
        "{errors:?}"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "pip-cache-kept"),
        "the good file is still linted"
    );
}

/// 10: one finding per kind of junk, with the total; small junk is info.
#[test]
fn item_10_one_finding_per_junk_class() {
    let d = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, String)> = (0..12)
        .map(|i| (format!("notebooks/n{i}.ipynb"), "x".repeat(21_000)))
        .collect();
    files.push((".dockerignore".into(), ".git\n".into()));
    files.push((
        "Dockerfile".into(),
        "FROM python:3.11-slim\nCOPY . /app\nCMD [\"python\"]\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(d.path(), &refs);
    let f = lint(d.path());
    let junk = named(&f, "context-ships-junk");
    assert_eq!(junk.len(), 1, "{junk:?}");
    assert_eq!(junk[0]["severity"], "info");
    assert!(
        junk[0]["message"]
            .as_str()
            .unwrap()
            .contains("252 kB in 12 file(s)"),
        "{}",
        junk[0]["message"]
    );
}

/// 11: `check` changes an application file the build copies, never junk.
#[test]
fn item_11_check_changes_an_application_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (".venv/pyvenv.cfg", "home = /usr\n"),
            (
                ".venv/lib/python3.11/site-packages/dateutil/_common.py",
                "x = 1\n",
            ),
            ("app/main.py", "print(1)\n"),
            ("requirements.txt", "fastapi\n"),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nCOPY . /app\nRUN pip install --no-cache-dir -r /app/requirements.txt\nCMD [\"python\", \"/app/app/main.py\"]\n",
            ),
        ],
    );
    let v = json_of(d.path(), &["check", "--format", "json"]);
    assert_eq!(v["rebuild"]["changed"], "app/main.py", "{}", v["rebuild"]);
}

/// 12: rebuild names what it cannot size, says "at least", and costs a
/// `COPY --from` by what its source stage rebuilt.
#[test]
fn item_12_rebuild_totals_name_uncosted_steps() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("requirements.txt", "torch==2.5.1\n"),
            ("install.sh", "#!/bin/sh\n"),
            ("app/main.py", "print(1)\n"),
            (
                "Dockerfile",
                "FROM python:3.11 AS builder\nCOPY . /src\nRUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r /src/requirements.txt\nFROM python:3.11-slim\nCOPY --from=builder /venv /venv\nCOPY install.sh app/ /app/\nRUN /app/install.sh\nCMD [\"/venv/bin/python\", \"/app/main.py\"]\n",
            ),
        ],
    );
    let v = json_of(
        d.path(),
        &["rebuild", "--format", "json", "--changed", "app/main.py"],
    );
    let steps = v["steps"].as_array().unwrap();
    let step = |line: u64| steps.iter().find(|s| s["line"] == line).unwrap();
    let venv = step(3)["cost_bytes"].as_u64().unwrap();
    assert!(venv > 1_000_000_000, "{}", step(3));
    // What the builder rebuilt: its COPY of the context and the venv.
    let builder = step(2)["cost_bytes"].as_u64().unwrap() + venv;
    assert_eq!(step(5)["cost_bytes"].as_u64(), Some(builder), "{}", step(5));
    assert_eq!(v["uncosted"], serde_json::json!([7]), "{v}");
    let out = ballast(d.path())
        .args(["rebuild", "--changed", "app/main.py"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("at least") && text.contains("line 7"),
        "{text}"
    );
}

/// 13: the suggested .dockerignore starts from the existing one.
#[test]
fn item_13_suggestion_starts_from_the_existing_ignore_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (".dockerignore", ".git\nnode_modules\n"),
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".git/objects/aa", &"x".repeat(40_000)),
            (".venv/pyvenv.cfg", "home = /usr\n"),
            (
                ".venv/lib/python3.11/site-packages/x.py",
                &"y".repeat(30_000),
            ),
            ("app/main.py", "print(1)\n"),
            (
                "Dockerfile",
                "FROM python:3.11-slim\nCOPY . /app\nCMD [\"python\", \"/app/app/main.py\"]\n",
            ),
        ],
    );
    let out = ballast(d.path())
        .args(["context", "--suggest-dockerignore"])
        .output()
        .unwrap();
    let added = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = added
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert!(lines.contains(&".venv"), "{added}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains(".git") || l.contains("node_modules")),
        "{added}"
    );
    let out = ballast(d.path())
        .args(["context", "--suggest-dockerignore", "--merged"])
        .output()
        .unwrap();
    let merged = String::from_utf8(out.stdout).unwrap();
    for want in [".git", "node_modules", ".venv"] {
        assert!(merged.lines().any(|l| l == want), "{want} in:\n{merged}");
    }
}
