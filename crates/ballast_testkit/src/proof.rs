//! Proof by building: a corpus project built as written and as `ballast
//! fix --restructure` rewrites it, then both images compared from inside.
//!
//! The harness changes the project only where this machine forces it: base
//! images are local (`python:3.11` and `-slim` built by [`python_bases`],
//! also tagged for the other Python versions the projects name, so every
//! `python:3.X` here is Debian's Python 3.11), `@sha256:` digest pins are
//! removed (a local image has no registry digest), and pip installs offline
//! from wheels downloaded once from the package index. In the light set a
//! requirements file is cut to the packages listed in [`Case::light`] (no
//! torch: its CPU index is not reachable and its CUDA wheels are gigabytes);
//! the full set keeps every requirement.
//!
//! For both images it reads the installed distributions
//! (`importlib.metadata`), `pip check`, the dpkg packages, whether the
//! start command resolves, and whether the directories the app creates are
//! writable by the image's user; after a one-line code change it rebuilds
//! the restructured project and reads which steps BuildKit reused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::engine::Dockerd;

/// A corpus Dockerfile the harness builds.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// The project's directory in the corpus.
    pub project: &'static str,
    /// The Dockerfile, relative to the project.
    pub dockerfile: &'static str,
    /// The build context, relative to the project (`""`: its root).
    pub context: &'static str,
    /// A requirements file (relative to the context) cut to `light`.
    pub requirements: Option<&'static str>,
    /// With `requirements`: the packages kept from it. Without: the
    /// packages the Dockerfile installs (nothing is cut), for the wheels.
    pub light: &'static [&'static str],
    /// A context file the one-line code change touches.
    pub code_file: &'static str,
    /// Directories the app creates (absolute), which its user must write.
    pub writable: &'static [&'static str],
    /// Lines removed from a context file in both sets: `(file, text)`, for
    /// a requirement with no wheel on the package index (an sdist cannot be
    /// installed offline here).
    pub drop: &'static [(&'static str, &'static str)],
}

/// The projects built in CI: single-stage Python services on Debian-based
/// python images whose restructure the corpus test reports done.
pub const CASES: &[Case] = &[
    Case {
        project: "PromtEngineer__localGPT",
        dockerfile: "Dockerfile.rag-api",
        context: "",
        requirements: Some("requirements-docker.txt"),
        light: &[
            "requests",
            "python-dotenv",
            "cachetools",
            "numpy",
            "psutil",
            "httpx",
        ],
        code_file: "backend/server.py",
        writable: &[
            "/app/lancedb",
            "/app/index_store",
            "/app/shared_uploads",
            "/app/logs",
        ],
        drop: &[],
    },
    Case {
        project: "PromtEngineer__localGPT",
        dockerfile: "Dockerfile.backend",
        context: "",
        requirements: Some("requirements-docker.txt"),
        light: &["requests", "python-dotenv", "httpx"],
        code_file: "backend/server.py",
        writable: &[
            "/app/shared_uploads",
            "/app/index_store",
            "/app/lancedb",
            "/app/logs",
        ],
        drop: &[],
    },
    Case {
        project: "onyx-dot-app__onyx",
        dockerfile: "loadtest/mock_llm/Dockerfile",
        context: "loadtest",
        requirements: None,
        light: &["fastapi==0.136.3", "uvicorn==0.49.0"],
        code_file: "mock_llm/app.py",
        writable: &[],
        drop: &[],
    },
    Case {
        project: "onyx-dot-app__onyx",
        dockerfile: "backend/tests/integration/mock_services/mock_connector_server/Dockerfile",
        context: "backend/tests/integration/mock_services/mock_connector_server",
        requirements: None,
        light: &["pydantic-core>=2.28.0", "fastapi", "uvicorn"],
        code_file: "main.py",
        writable: &[],
        drop: &[],
    },
    Case {
        project: "assafelovic__gpt-researcher",
        dockerfile: "backend/Dockerfile",
        context: "backend",
        requirements: Some("requirements.txt"),
        light: &[
            "fastapi",
            "uvicorn",
            "pydantic",
            "python-dotenv",
            "websockets",
            "python-multipart",
            "aiofiles",
            "jinja2",
        ],
        code_file: "utils.py",
        writable: &[],
        drop: &[],
    },
    Case {
        project: "arc53__DocsGPT",
        dockerfile: "deployment/sandbox/Dockerfile",
        context: "deployment/sandbox",
        requirements: None,
        light: &[
            "jupyter-kernel-gateway==3.0.1",
            "ipykernel==6.29.5",
            "python-pptx==1.0.2",
            "python-docx==1.1.2",
            "openpyxl==3.1.5",
            "reportlab==4.2.5",
            "pandas==2.2.3",
            "matplotlib==3.9.2",
        ],
        code_file: "kernel-launch.sh",
        writable: &[],
        drop: &[],
    },
    Case {
        project: "weaviate__Verba",
        dockerfile: "Dockerfile",
        context: "",
        requirements: None,
        light: &[
            "setuptools",
            "wheel",
            "weaviate-client==4.9.6",
            "python-dotenv==1.0.0",
            "openpyxl==3.1.5",
            "wasabi==1.1.2",
            "fastapi==0.111.1",
            "uvicorn[standard]==0.29.0",
            "gunicorn==22.0.0",
            "click==8.1.7",
            "xlrd==2.0.2",
            "asyncio==3.4.3",
            "tiktoken==0.6.0",
            "requests==2.31.0",
            "pypdf==4.3.1",
            "python-docx==1.1.2",
            "scikit-learn==1.5.1",
            "langchain-text-splitters==0.2.2",
            "spacy==3.7.5",
            "aiohttp==3.9.5",
            "markdownify==0.13.1",
            "aiofiles==24.1.0",
            "assemblyai==0.33.0",
            "beautifulsoup4==4.12.3",
        ],
        code_file: "goldenverba/server/api.py",
        writable: &[],
        drop: &[("setup.py", "\"langdetect==1.0.9\",")],
    },
];

/// The Python versions the cases' bases name, served by the local 3.11 bases.
pub const PYTHON_TAGS: &[&str] = &["3.12", "3.13"];

/// Tags the local python bases for the other versions the cases name.
pub fn tag_bases(d: &Dockerd) -> Result<(), String> {
    for v in PYTHON_TAGS {
        d.run(&["tag", "python:3.11", &format!("python:{v}")])?;
        d.run(&["tag", "python:3.11-slim", &format!("python:{v}-slim")])?;
    }
    Ok(())
}

/// The normalized name of a requirement line (`Pillow>=9` -> `pillow`).
fn requirement_name(line: &str) -> String {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(line.len());
    normalize(&line[..end])
}

fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The pip specifiers whose wheels `case` needs: the cut requirements file's
/// lines (read from the corpus's materialized `project` directory) or the
/// inline packages; `full` keeps the whole file.
pub fn wheel_specs(case: &Case, project: &Path, full: bool) -> Result<Vec<String>, String> {
    let Some(req) = case.requirements else {
        return Ok(case.light.iter().map(|s| s.to_string()).collect());
    };
    let path = project.join(case.context).join(req);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| full || case.light.contains(&requirement_name(l).as_str()))
        .map(str::to_string)
        .collect())
}

/// Makes the materialized `project` buildable here: digests removed from
/// the Dockerfile, the requirements file cut unless `full`.
pub fn prepare(case: &Case, project: &Path, full: bool) -> Result<(), String> {
    let df = project.join(case.dockerfile);
    let text = std::fs::read_to_string(&df).map_err(|e| format!("{}: {e}", df.display()))?;
    std::fs::write(&df, strip_digests(&text)).map_err(|e| e.to_string())?;
    for (file, text) in case.drop {
        let path = project.join(case.context).join(file);
        let old = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let kept: String = old
            .split_inclusive('\n')
            .filter(|l| !l.contains(text))
            .collect();
        if kept == old {
            return Err(format!("{}: no line holds {text}", path.display()));
        }
        std::fs::write(&path, kept).map_err(|e| e.to_string())?;
    }
    if let (Some(req), false) = (case.requirements, full) {
        let kept = wheel_specs(case, project, false)?;
        let path = project.join(case.context).join(req);
        std::fs::write(&path, format!("{}\n", kept.join("\n"))).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn strip_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("@sha256:") {
        out.push_str(&rest[..at]);
        let digest = &rest[at + 8..];
        let len = digest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(digest.len());
        rest = &digest[len..];
    }
    out.push_str(rest);
    out
}

/// What one image holds, read from inside it.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// Python distributions: normalized name -> version.
    pub dists: BTreeMap<String, String>,
    /// `pip check` output when it found problems.
    pub pip_problems: Option<String>,
    pub dpkg: BTreeSet<String>,
    /// The start command's executable, and whether it resolves.
    pub command: String,
    pub resolves: bool,
    /// The case's directories the image's user cannot write.
    pub not_writable: Vec<String>,
}

/// Packaging tools a virtualenv brings its own versions of.
pub const TOOLS: &[&str] = &["pip", "setuptools", "wheel", "uv", "poetry"];

impl Probe {
    /// The distributions other than packaging tools.
    pub fn libraries(&self) -> BTreeMap<&str, &str> {
        self.dists
            .iter()
            .filter(|(n, _)| !TOOLS.contains(&n.as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

/// The executable an image starts: ENTRYPOINT's first word, else CMD's
/// (the word after `-c` for a shell form).
fn start_command(d: &Dockerd, image: &str) -> Result<String, String> {
    let out = d.run(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config.Entrypoint}}\n{{json .Config.Cmd}}",
        image,
    ])?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    for line in text.lines() {
        let words: Vec<String> = serde_json::from_str::<Option<Vec<String>>>(line)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        if words.is_empty() {
            continue;
        }
        let shell = words.len() >= 3 && words[0].ends_with("sh") && words[1] == "-c";
        let first = if shell {
            words[2].split_whitespace().next().unwrap_or("").to_string()
        } else {
            words[0].clone()
        };
        return Ok(first);
    }
    Ok(String::new())
}

/// Reads `image` from inside, as its own user.
pub fn probe(d: &Dockerd, image: &str, writable: &[&str]) -> Result<Probe, String> {
    let command = start_command(d, image)?;
    let dirs = writable.join(" ");
    let script = format!(
        "echo '## dists'; python -c 'import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata[\"Name\"], d.version)'; \
         echo '## pip'; python -m pip check >/tmp/pipcheck 2>&1 || cat /tmp/pipcheck; \
         echo '## dpkg'; dpkg-query -W -f '${{Package}}\\n'; \
         echo '## cmd'; command -v '{command}' >/dev/null && echo yes || echo no; \
         echo '## writable'; for d in {dirs}; do test -w \"$d\" || echo \"$d\"; done"
    );
    let out = d.run(&["run", "--rm", "--entrypoint", "sh", image, "-c", &script])?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut p = Probe {
        command,
        ..Probe::default()
    };
    let mut section = "";
    let mut pip = String::new();
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("## ") {
            section = match s {
                "dists" => "dists",
                "pip" => "pip",
                "dpkg" => "dpkg",
                "cmd" => "cmd",
                _ => "writable",
            };
            continue;
        }
        match section {
            "dists" => {
                if let Some((n, v)) = line.split_once(' ') {
                    p.dists.insert(normalize(n), v.to_string());
                }
            }
            "pip" => {
                pip.push_str(line);
                pip.push('\n');
            }
            "dpkg" => {
                p.dpkg.insert(line.to_string());
            }
            "cmd" => p.resolves = line == "yes",
            _ if !line.is_empty() => p.not_writable.push(line.to_string()),
            _ => {}
        }
    }
    p.pip_problems = (!pip.trim().is_empty()).then_some(pip);
    Ok(p)
}

/// One case proven.
#[derive(Debug, Clone)]
pub struct Proof {
    pub original: Probe,
    pub restructured: Probe,
    pub original_bytes: u64,
    pub restructured_bytes: u64,
    pub original_build: Duration,
    pub restructured_build: Duration,
    /// The restructured rebuild after a one-line code change.
    pub code_change_rebuild: Duration,
    /// Steps that install or copy the dependencies, and whether the code
    /// change rebuild reused each.
    pub dependency_steps: Vec<(String, bool)>,
    /// What ballast's image model predicted for the two images (issue 15).
    pub predicted: Validation,
}

/// The model's prediction of one image, beside the image built.
#[derive(Debug, Clone, Default)]
pub struct Predicted {
    /// The whole image, the base from ballast's table.
    pub bytes: u64,
    /// The bytes the steps add above the base.
    pub above_base: u64,
    /// The final stage's base image, as the model names it.
    pub base_image: String,
    /// That base as built here (the local stand-in for the official image).
    pub base_measured: u64,
}

impl Predicted {
    /// The image with the base as measured here instead of the table's.
    pub fn on_local_base(&self) -> u64 {
        self.above_base + self.base_measured
    }
}

/// The predictions for a case's two images.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    pub original: Predicted,
    pub restructured: Predicted,
}

impl Validation {
    /// The prediction errors, as fractions of what was measured, with the
    /// local bases measured: (original, restructured). The saving is
    /// compared in [`Validation::saving`].
    pub fn errors(&self, original_bytes: u64, restructured_bytes: u64) -> (f64, f64) {
        let err = |p: u64, m: u64| (p as f64 - m as f64) / (m.max(1) as f64);
        (
            err(self.original.on_local_base(), original_bytes),
            err(self.restructured.on_local_base(), restructured_bytes),
        )
    }

    /// The saving (negative: the restructured image is larger), built and
    /// predicted, with the error as a fraction of the built saving when that
    /// is at least [`SAVING_FOR_A_RATIO`] either way (a relative error of a
    /// near-zero saving says nothing).
    pub fn saving(&self, original_bytes: u64, restructured_bytes: u64) -> (i64, i64, Option<f64>) {
        let built = original_bytes as i64 - restructured_bytes as i64;
        let predicted =
            self.original.on_local_base() as i64 - self.restructured.on_local_base() as i64;
        let ratio = (built.unsigned_abs() >= SAVING_FOR_A_RATIO)
            .then(|| (predicted - built) as f64 / built.unsigned_abs() as f64);
        (built, predicted, ratio)
    }
}

/// The smallest saving whose prediction error is stated as a ratio: 50 MB.
pub const SAVING_FOR_A_RATIO: u64 = 50_000_000;

/// `ballast lint --format json` on a prepared project: the predicted image.
fn predict(d: &Dockerd, ballast: &Path, root: &Path, case: &Case) -> Result<Predicted, String> {
    let out = Command::new(ballast)
        .current_dir(root)
        .args([
            "lint",
            "--format",
            "json",
            "--context",
            case.context_or_dot(),
        ])
        .arg(case.dockerfile)
        .output()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{}: lint JSON: {e}", case.dockerfile))?;
    let img = &v["images"][0];
    let bytes = img["predicted_bytes"]
        .as_u64()
        .ok_or_else(|| format!("{}: no predicted image", case.dockerfile))?;
    let base = img["base"]["bytes"].as_u64().unwrap_or(0);
    let base_image = img["base"]["image"].as_str().unwrap_or("").to_string();
    let base_measured = if base_image.is_empty() {
        0
    } else {
        d.image_size(&base_image)?
    };
    Ok(Predicted {
        bytes,
        above_base: bytes - base,
        base_image,
        base_measured,
    })
}

impl Proof {
    /// What the restructured image lost or broke, empty when nothing.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (a, b) = (self.original.libraries(), self.restructured.libraries());
        for (n, v) in &a {
            match b.get(n) {
                None => out.push(format!("distribution {n} {v} missing")),
                Some(w) if w != v => out.push(format!("distribution {n} {v} is {w}")),
                _ => {}
            }
        }
        for n in b.keys().filter(|n| !a.contains_key(*n)) {
            out.push(format!("distribution {n} added"));
        }
        if let Some(p) = &self.restructured.pip_problems {
            out.push(format!("pip check: {p}"));
        }
        for pkg in self.restructured.dpkg.difference(&self.original.dpkg) {
            out.push(format!("dpkg package {pkg} added"));
        }
        if self.original.resolves && !self.restructured.resolves {
            out.push(format!("`{}` does not resolve", self.restructured.command));
        }
        for d in &self.restructured.not_writable {
            out.push(format!("{d} is not writable by the image's user"));
        }
        // A project install reads the code: it and the virtualenv's copy
        // rerun; the dependency layer before the code must not.
        let project = self
            .dependency_steps
            .iter()
            .any(|(s, _)| is_project_install(s));
        if !self
            .dependency_steps
            .iter()
            .any(|(s, cached)| *cached && !s.contains("COPY --from=builder"))
        {
            out.push("no dependency install reused after a code change".into());
        }
        for (step, cached) in &self.dependency_steps {
            let may_rerun =
                is_project_install(step) || (project && step.contains("COPY --from=builder"));
            if !cached && !may_rerun {
                out.push(format!("a code change rebuilt `{step}`"));
            }
        }
        out
    }

    /// dpkg packages the restructure left in the builder.
    pub fn dpkg_removed(&self) -> Vec<&str> {
        self.original
            .dpkg
            .difference(&self.restructured.dpkg)
            .map(String::as_str)
            .collect()
    }
}

/// Whether a build step installs the project from its code (`pip install
/// .`, `-e .`, `uv sync` without `--no-install-project`, `poetry install`
/// without `--no-root`).
fn is_project_install(step: &str) -> bool {
    let words: Vec<&str> = step.split_whitespace().collect();
    let dot = words
        .iter()
        .any(|w| matches!(w.trim_matches(['\'', '"']), "." | "./"));
    (step.contains("pip install") && dot)
        || (step.contains("uv sync") && !step.contains("--no-install-project"))
        || (step.contains("poetry install") && !step.contains("--no-root"))
}

/// The steps of a BuildKit plain log whose text contains one of `needles`,
/// and whether each was `CACHED`.
pub fn steps_cached(log: &str, needles: &[&str]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for line in log.lines().filter(|l| l.starts_with('#')) {
        let Some((id, rest)) = line.split_once(' ') else {
            continue;
        };
        if !rest.starts_with('[') || !needles.iter().any(|n| rest.contains(n)) {
            continue;
        }
        if out.iter().any(|(s, _)| s == rest) {
            continue;
        }
        let cached = log.lines().any(|l| l == format!("{id} CACHED"));
        out.push((rest.to_string(), cached));
    }
    out
}

/// Builds `dir` (a prepared project) as written and restructured by
/// `ballast` (the binary), and compares the two images.
pub fn prove(d: &Dockerd, ballast: &Path, dir: &Path, case: &Case) -> Result<Proof, String> {
    let tag = case
        .dockerfile
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let tag = format!(
        "proof-{}-{tag}",
        case.project.to_ascii_lowercase().replace('_', "-")
    );
    let restructured_dir = dir.with_extension("restructured");
    let _ = std::fs::remove_dir_all(&restructured_dir);
    crate::engine::copy_tree(dir, &restructured_dir).map_err(|e| e.to_string())?;
    let out = Command::new(ballast)
        .current_dir(&restructured_dir)
        .args(["fix", "--restructure", "--context", case.context_or_dot()])
        .arg(case.dockerfile)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{}: not restructured: {}",
            case.dockerfile,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let build = |root: &Path, t: &str| -> Result<(String, Duration), String> {
        let df = root.join(case.dockerfile).display().to_string();
        d.build(&root.join(case.context), t, &["-f", &df])
    };
    let (_, original_build) = build(dir, &format!("{tag}:original"))?;
    let (_, restructured_build) = build(&restructured_dir, &format!("{tag}:restructured"))?;
    let original = probe(d, &format!("{tag}:original"), case.writable)?;
    let restructured = probe(d, &format!("{tag}:restructured"), case.writable)?;
    let original_bytes = d.image_size(&format!("{tag}:original"))?;
    let restructured_bytes = d.image_size(&format!("{tag}:restructured"))?;
    let predicted = Validation {
        original: predict(d, ballast, dir, case)?,
        restructured: predict(d, ballast, &restructured_dir, case)?,
    };

    let code = restructured_dir.join(case.context).join(case.code_file);
    let text = std::fs::read_to_string(&code).map_err(|e| format!("{}: {e}", code.display()))?;
    std::fs::write(&code, format!("{text}\n# a one-line change\n")).map_err(|e| e.to_string())?;
    let (log, code_change_rebuild) = build(&restructured_dir, &format!("{tag}:restructured"))?;
    let dependency_steps = steps_cached(
        &log,
        &[
            "pip install",
            "uv pip install",
            "uv sync",
            "COPY --from=builder",
        ],
    );
    // Everything is measured: the next case needs the disk more.
    d.remove_images(&[&format!("{tag}:original"), &format!("{tag}:restructured")])?;
    Ok(Proof {
        original,
        restructured,
        original_bytes,
        restructured_bytes,
        original_build,
        restructured_build,
        code_change_rebuild,
        dependency_steps,
        predicted,
    })
}

impl Case {
    fn context_or_dot(&self) -> &str {
        if self.context.is_empty() {
            "."
        } else {
            self.context
        }
    }

    /// The case's name: `project/dockerfile`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.project, self.dockerfile)
    }
}

/// Every case materialized from `corpus` under `work` and prepared, with
/// the pip specifiers of the wheels each needs.
pub fn prepare_cases(
    corpus: &Path,
    cases: &[Case],
    work: &Path,
    full: bool,
) -> Result<Vec<(Case, PathBuf, Vec<String>)>, String> {
    cases
        .iter()
        .map(|case| {
            let dir = materialize(corpus, case, work)?;
            prepare(case, &dir, full)?;
            let specs = wheel_specs(case, &dir, full)?;
            Ok((*case, dir, specs))
        })
        .collect()
}

/// One directory `dest` of the wheels for every set of pip specifiers
/// (each set resolved on its own: their pins may differ), to serve builds.
pub fn wheelhouse(sets: &[Vec<String>], dest: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dest).map_err(|e| e.to_string())?;
    for set in sets {
        let specs: Vec<&str> = set.iter().map(String::as_str).collect();
        let dir = crate::engine::wheels(&specs).map_err(|e| format!("{set:?}: {e}"))?;
        for f in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let f = f.map_err(|e| e.to_string())?;
            let to = dest.join(f.file_name());
            if !to.exists() && std::fs::hard_link(f.path(), &to).is_err() {
                std::fs::copy(f.path(), &to).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// The corpus's materialized copy of `case`'s project under `dest`.
pub fn materialize(corpus: &Path, case: &Case, dest: &Path) -> Result<PathBuf, String> {
    let dir = dest.join(
        case.name()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    crate::projects::materialize(&corpus.join(case.project), &dir)
        .map_err(|e| format!("materialize {}: {e}", case.project))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_go_and_requirement_names_read() {
        assert_eq!(
            strip_digests(&format!(
                "FROM python:3.13-slim@sha256:{}\n",
                "ab".repeat(32)
            )),
            "FROM python:3.13-slim\n"
        );
        assert_eq!(requirement_name("Pillow>=9"), "pillow");
        assert!(is_project_install("[builder 6/6] RUN pip install '.'"));
        assert!(is_project_install("[builder 5/6] RUN uv sync --frozen"));
        assert!(!is_project_install(
            "[builder 4/6] RUN uv sync --frozen --no-install-project"
        ));
        assert!(!is_project_install(
            "[builder 4/6] RUN pip install -r requirements.txt"
        ));
        assert_eq!(requirement_name("python_dotenv"), "python-dotenv");
        let log = "#7 [builder 3/4] RUN pip install -r r.txt\n#7 CACHED\n#9 [stage-1 4/6] COPY --from=builder /opt/venv /opt/venv\n#9 DONE 0.1s\n";
        assert_eq!(
            steps_cached(log, &["pip install", "COPY --from=builder"]),
            vec![
                ("[builder 3/4] RUN pip install -r r.txt".to_string(), true),
                (
                    "[stage-1 4/6] COPY --from=builder /opt/venv /opt/venv".to_string(),
                    false
                )
            ]
        );
    }
}
