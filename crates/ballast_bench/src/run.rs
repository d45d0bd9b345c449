//! The measurement: for each variant, in order, a cold build (no cache),
//! size and layers, a rebuild with no change, a rebuild after a one-line
//! change to an application file (reverted afterwards, whatever happens),
//! a push to an empty registry and a pull back, and the image's main
//! findings read from the registry. Unless images are kept, each variant's
//! images, build cache and registry go before the next variant builds: the
//! disk holds one variant at a time (a CUDA torch rung is ~20 GB of image,
//! cache and pushed blobs), and every push starts from the same empty
//! registry, so push times compare across variants.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::engine::{Engine, Kind};
use crate::local_registry::BenchRegistry;
use crate::{BenchError, Result};

/// A Dockerfile to build.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub dockerfile: PathBuf,
    /// The image ballast's model predicts for it, when one was made.
    pub predicted_bytes: Option<u64>,
    /// The base image in that prediction and its bytes from ballast's
    /// table: the engine's own copy is measured instead when it has one.
    pub predicted_base: Option<(String, u64)>,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The build context.
    pub context: PathBuf,
    pub variants: Vec<Variant>,
    /// The application file the one-line change goes to (context-relative).
    pub changed_file: PathBuf,
    /// `--build-arg`, `--target` and the like, passed to every build.
    pub build_flags: Vec<String>,
    pub engine: Option<Kind>,
    /// `host:port` of a registry to use instead of starting one.
    pub registry: Option<String>,
    /// Keep the images.
    pub keep: bool,
}

/// One finding of the image, from `ballast inspect`.
#[derive(Debug, Clone, Serialize)]
pub struct ImageFinding {
    pub name: String,
    pub message: String,
    pub savings_bytes: u64,
}

/// The figures of one variant.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub name: String,
    pub dockerfile: String,
    /// Uncompressed, as the engine reports it.
    pub size_bytes: u64,
    /// What ballast's image model predicted, before building.
    pub predicted_bytes: Option<u64>,
    /// What the prediction rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_basis: Option<String>,
    /// As pushed and pulled (the layer blobs).
    pub compressed_bytes: Option<u64>,
    pub layers: usize,
    pub cold_build_seconds: f64,
    pub code_change_rebuild_seconds: f64,
    pub no_change_rebuild_seconds: f64,
    /// Whether the dependency install was reused by the code-change rebuild.
    pub dependency_install_cached: Option<bool>,
    /// `docker push` (or podman's) to the registry.
    pub push_seconds: Option<f64>,
    /// Downloading and checking every layer from the registry.
    pub pull_seconds: Option<f64>,
    pub findings: Vec<ImageFinding>,
}

/// The whole benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub schema_version: u32,
    pub engine: String,
    pub registry: Option<String>,
    pub context: String,
    /// The file the one-line change went to.
    pub changed_file: String,
    pub variants: Vec<Measured>,
    pub notes: Vec<String>,
}

/// Restores a file's bytes when dropped.
struct Revert {
    path: PathBuf,
    original: Vec<u8>,
}

impl Drop for Revert {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.original);
    }
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

/// Whether the dependency install steps of a build log were cached.
fn dependency_cached(kind: Kind, log: &str) -> Option<bool> {
    const INSTALLS: &[&str] = &[
        "pip install",
        "uv sync",
        "uv pip install",
        "poetry install",
        "pdm install",
        "pipenv install",
        "conda env",
        "conda install",
    ];
    match kind {
        Kind::Docker => {
            let steps: Vec<Option<bool>> = log
                .lines()
                .filter(|l| {
                    l.starts_with('#')
                        && l.contains("RUN")
                        && INSTALLS.iter().any(|i| l.contains(i))
                })
                .map(|l| {
                    crate::engine::step_cached(log, l.split_once(' ').map_or(l, |(_, rest)| rest))
                })
                .collect();
            (!steps.is_empty()).then(|| steps.iter().all(|s| *s == Some(true)))
        }
        Kind::Podman => {
            let lines: Vec<&str> = log.lines().collect();
            let mut found = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if l.starts_with("STEP ")
                    && l.contains("RUN")
                    && INSTALLS.iter().any(|x| l.contains(x))
                {
                    found.push(lines.get(i + 1).is_some_and(|n| n.contains("Using cache")));
                }
            }
            (!found.is_empty()).then(|| found.iter().all(|c| *c))
        }
    }
}

/// Runs the benchmark; `progress` hears about each step.
pub fn run(opts: &Options, progress: &dyn Fn(&str)) -> Result<BenchReport> {
    let engine = Engine::detect(opts.engine)?;
    let mut registry = open_registry(opts, progress);
    let registry_addr = registry.as_ref().map(|r| r.addr.clone());
    let mut notes = Vec::new();
    if registry.is_none() {
        notes.push(
            "push and pull not measured: no registry (install docker-registry or pass --registry)"
                .into(),
        );
    } else if registry.as_ref().is_some_and(|r| r.is_owned()) && !opts.keep {
        notes.push("each variant is pushed to a new, empty local registry".into());
    }
    let changed = opts.context.join(&opts.changed_file);
    if !changed.is_file() {
        return Err(BenchError::NoFileToChange(changed));
    }
    let nonce = std::process::id();
    let mut out = Vec::new();
    let mut created: Vec<String> = Vec::new();
    let result = (|| -> Result<()> {
        for (i, v) in opts.variants.iter().enumerate() {
            if i > 0 && !opts.keep {
                // The previous variant's images, cache and registry go first.
                let refs: Vec<&str> = created.iter().map(String::as_str).collect();
                engine.remove(&refs);
                created.clear();
                engine.drop_build_cache();
                if registry.as_ref().is_some_and(|r| r.is_owned()) {
                    registry = None;
                    registry = open_registry(opts, progress);
                }
            }
            let slug = repository_slug(&v.name);
            let tag = format!("ballast-bench/{slug}:{nonce}");
            created.push(tag.clone());
            let mut m = measure_builds(&engine, opts, v, &tag, progress)?;
            if let Some(reg) = &registry {
                let remote = format!("{}/ballast-bench/{slug}:{nonce}", reg.addr);
                engine.tag(&tag, &remote)?;
                created.push(remote.clone());
                push_and_pull(&engine, &remote, &mut m, progress)?;
            }
            out.push(m);
        }
        Ok(())
    })();
    if !opts.keep {
        let refs: Vec<&str> = created.iter().map(String::as_str).collect();
        engine.remove(&refs);
    } else {
        notes.push(format!("images kept: {}", created.join(", ")));
    }
    result?;
    Ok(BenchReport {
        schema_version: 1,
        engine: engine.name().to_string(),
        registry: registry_addr,
        context: opts.context.display().to_string(),
        changed_file: opts.changed_file.display().to_string(),
        variants: out,
        notes,
    })
}

/// A variant's cold build, rebuild with no change and rebuild after a
/// one-line change to the changed file (reverted afterwards).
fn measure_builds(
    engine: &Engine,
    opts: &Options,
    v: &Variant,
    tag: &str,
    progress: &dyn Fn(&str),
) -> Result<Measured> {
    progress(&format!("{}: cold build", v.name));
    let (cold, _) = engine.build(&opts.context, &v.dockerfile, tag, true, &opts.build_flags)?;
    let size = engine.size(tag)?;
    let layers = engine.layers(tag)?;
    progress(&format!("{}: rebuild with no change", v.name));
    let (same, _) = engine.build(&opts.context, &v.dockerfile, tag, false, &opts.build_flags)?;
    progress(&format!(
        "{}: rebuild after a one-line change to {}",
        v.name,
        opts.changed_file.display()
    ));
    let (changed_time, log) = build_after_change(engine, opts, v, tag)?;
    let (predicted_bytes, predicted_basis) = prediction(engine, v);
    Ok(Measured {
        name: v.name.clone(),
        dockerfile: v.dockerfile.display().to_string(),
        size_bytes: size,
        predicted_bytes,
        predicted_basis,
        compressed_bytes: None,
        layers,
        cold_build_seconds: secs(cold),
        code_change_rebuild_seconds: secs(changed_time),
        no_change_rebuild_seconds: secs(same),
        dependency_install_cached: dependency_cached(engine.kind, &log),
        push_seconds: None,
        pull_seconds: None,
        findings: Vec::new(),
    })
}

/// Rebuilds with a comment line appended to the changed file; the file is
/// put back as it was whatever happens.
fn build_after_change(
    engine: &Engine,
    opts: &Options,
    v: &Variant,
    tag: &str,
) -> Result<(std::time::Duration, String)> {
    let changed = opts.context.join(&opts.changed_file);
    let io = |error| BenchError::Io {
        path: changed.clone(),
        error,
    };
    let original = std::fs::read(&changed).map_err(io)?;
    let _revert = Revert {
        path: changed.clone(),
        original: original.clone(),
    };
    let mut text = original;
    text.extend_from_slice(b"\n# ballast bench: a one-line change\n");
    std::fs::write(&changed, &text).map_err(io)?;
    engine.build(&opts.context, &v.dockerfile, tag, false, &opts.build_flags)
}

/// Pushes the image, pulls it as a fresh node would (every layer downloaded
/// and checked: the engine's own pull would find the layers it just built),
/// and keeps the three largest findings of its inspection.
fn push_and_pull(
    engine: &Engine,
    remote: &str,
    m: &mut Measured,
    progress: &dyn Fn(&str),
) -> Result<()> {
    progress(&format!("{}: push", m.name));
    m.push_seconds = Some(secs(engine.push(remote)?));
    progress(&format!("{}: pull", m.name));
    let lo = ballast_image::LoadOptions::default();
    let start = std::time::Instant::now();
    let bytes = ballast_image::registry::download(remote, &lo)?;
    m.pull_seconds = Some(secs(start.elapsed()));
    m.compressed_bytes = Some(bytes);
    progress(&format!("{}: inspect", m.name));
    if let Ok(image) = ballast_image::load(&format!("docker://{remote}"), &lo) {
        let report = ballast_image::analyze(image, &ballast_image::AnalyzeOptions::default());
        let mut f: Vec<ImageFinding> = report
            .findings
            .iter()
            .map(|f| ImageFinding {
                name: f.name.to_string(),
                message: f.message.clone(),
                savings_bytes: f.savings_bytes,
            })
            .collect();
        f.sort_by_key(|x| std::cmp::Reverse(x.savings_bytes));
        f.truncate(3);
        m.findings = f;
    }
    Ok(())
}

/// The registry to push to: the one given, else a new empty one (`None`,
/// and said, when none can start).
fn open_registry(opts: &Options, progress: &dyn Fn(&str)) -> Option<BenchRegistry> {
    match &opts.registry {
        Some(addr) => Some(BenchRegistry::external(addr)),
        None => match BenchRegistry::start() {
            Ok(r) => Some(r),
            Err(e) => {
                progress(&format!(
                    "no registry: push and pull are not measured ({e})"
                ));
                None
            }
        },
    }
}

/// The variant's prediction with its base as the engine has it (measured
/// after the build, which pulled or found it), else as the table says.
fn prediction(engine: &Engine, v: &Variant) -> (Option<u64>, Option<String>) {
    let Some(bytes) = v.predicted_bytes else {
        return (None, None);
    };
    match &v.predicted_base {
        Some((image, table)) => match engine.size(image) {
            Ok(measured) => (
                Some(bytes.saturating_sub(*table) + measured),
                Some(format!(
                    "estimate above the base; the base {image} measured in the engine"
                )),
            ),
            Err(_) => (
                Some(bytes),
                Some(format!("estimate; the base {image} from ballast's table")),
            ),
        },
        None => (Some(bytes), Some("estimate".to_string())),
    }
}

/// A variant's name as a repository path component Docker accepts: lower-case
/// alphanumeric words joined by single dashes (".dockerignore + non-root"
/// becomes "dockerignore-non-root").
fn repository_slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        "variant".to_string()
    } else {
        words.join("-")
    }
}

#[cfg(test)]
mod cache_tests {
    use super::{Kind, dependency_cached};

    const BUILDKIT: &str = "#5 [2/4] RUN pip install -r requirements.txt
#5 CACHED

#6 [3/4] RUN uv pip install --system torch
#6 CACHED

#7 [4/4] COPY app /app
#7 DONE 0.1s
";

    #[test]
    fn buildkit_logs_say_whether_every_install_was_cached() {
        assert_eq!(dependency_cached(Kind::Docker, BUILDKIT), Some(true));
        let rebuilt = BUILDKIT.replacen("#6 CACHED", "#6 0.512 Resolved 20 packages", 1);
        assert_eq!(dependency_cached(Kind::Docker, &rebuilt), Some(false));
        let no_install = "#3 [2/2] COPY . /app\n#3 DONE 0.0s\n";
        assert_eq!(dependency_cached(Kind::Docker, no_install), None);
    }

    #[test]
    fn podman_logs_say_whether_every_install_was_cached() {
        let log = "STEP 1/3: FROM python:3.11-slim
STEP 2/3: RUN pip install -r requirements.txt
--> Using cache 3f1c2a
--> 3f1c2a
STEP 3/3: COPY app /app
--> 9d8e7f
";
        assert_eq!(dependency_cached(Kind::Podman, log), Some(true));
        let rebuilt = log.replace("--> Using cache 3f1c2a\n", "Collecting torch\n");
        assert_eq!(dependency_cached(Kind::Podman, &rebuilt), Some(false));
        assert_eq!(dependency_cached(Kind::Podman, "STEP 1/1: FROM x\n"), None);
    }
}

#[cfg(test)]
mod slug_tests {
    use super::repository_slug;

    #[test]
    fn names_become_valid_repository_components() {
        assert_eq!(
            repository_slug(".dockerignore + non-root"),
            "dockerignore-non-root"
        );
        assert_eq!(repository_slug("as written"), "as-written");
        assert_eq!(repository_slug("CPU torch"), "cpu-torch");
        assert_eq!(repository_slug("+++"), "variant");
    }
}
