//! The image a Dockerfile builds, predicted step by step: the base image's
//! bytes, then each step of the stages whose files end up in the image
//! with its parts (packages with their dependencies, the caches and lists
//! it leaves, the bytes it copies from the context or another stage).
//! Every command that states an image size starts here, and the image
//! "after the fixes" is this model of the fixed Dockerfile, so a total
//! saving is a difference of two predictions and can never exceed the
//! image.
//!
//! Sources: [`ballast_ml::bases`] for base images,
//! [`ballast_ml::distributions`] (through [`ballast_context::cost`]) for
//! Python packages and their downloads, [`ballast_ml::apt`] for OS
//! packages, the walked context for copies.

use ballast_context::rebuild::MeasuredLayer;
use ballast_dockerfile::Keyword;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_ml::images::ImageRef;
use ballast_ml::paths::Class;
use ballast_shell::os::{Action, package_command};
use serde::Serialize;

use crate::checker::{Checker, PyInstall};
use crate::rules::size::apt_lists_kept::{APT_LISTS, lists_stay};
use crate::rules::size::pip_cache_kept::{cache_avoided, cache_dir, cache_layout, cache_savings};
use ballast_context::runs::Run;

mod calibrate;
pub use calibrate::{Measured, measure_findings};

/// One part of a step's layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// What it is: `packages`, `pip cache /root/.cache/pip`, `apt lists`,
    /// `context`, `stage builder`.
    pub what: String,
    pub bytes: u64,
    pub basis: String,
    /// The package cache or lists it is, which a built image measures.
    #[serde(skip)]
    pub cache: Option<Class>,
}

impl Part {
    fn new(what: impl Into<String>, bytes: u64, basis: impl Into<String>) -> Part {
        Part {
            what: what.into(),
            bytes,
            basis: basis.into(),
            cache: None,
        }
    }
}

/// One step of an image stage and the bytes its layer is predicted to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub stage: String,
    /// 1-based first line.
    pub line: usize,
    pub instruction: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// The instruction as a history entry would show it, to find its layer.
    #[serde(skip)]
    key: String,
    /// The parts as the tables predict them (kept when `parts` is measured).
    #[serde(skip)]
    estimated: Vec<Part>,
    /// The layer of the built image it made (0-based), when measured.
    #[serde(skip)]
    layer: Option<usize>,
    /// The instruction's bytes in the Dockerfile, to find its findings.
    #[serde(skip)]
    span: ballast_dockerfile::Span,
}

/// The base image and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Base {
    pub image: String,
    pub bytes: u64,
    pub basis: String,
}

/// A built image of the Dockerfile: its layers bottom first.
pub type Layers<'a> = &'a [MeasuredLayer];

/// The predicted image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageModel {
    /// `None` for `scratch` or a base the table does not know (then named
    /// in `not_sized`).
    pub base: Option<Base>,
    pub steps: Vec<Step>,
    /// The base and every step.
    pub bytes: u64,
    /// What could not be sized (the prediction is then lower than the image).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_sized: Vec<String>,
    /// Steps whose bytes were measured in a built image (`--image`).
    #[serde(skip_serializing_if = "is_zero")]
    pub measured_steps: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ImageModel {
    /// Each step's bytes by 1-based line, with the basis of its parts (what
    /// `rebuild` costs a rebuilt step with).
    pub fn step_bytes(&self) -> Vec<(usize, u64, String)> {
        self.steps
            .iter()
            .map(|s| {
                let basis: Vec<&str> = s.parts.iter().map(|p| p.basis.as_str()).collect();
                let basis = if basis.is_empty() {
                    "metadata only".to_string()
                } else {
                    format!("the image model: {}", basis.join(" + "))
                };
                (s.line, s.bytes, basis)
            })
            .collect()
    }
}

/// Predicts the image the checker's target builds.
pub fn predict(cx: &Checker<'_>) -> ImageModel {
    let mut not_sized = Vec::new();
    let base = base_of(cx, &mut not_sized);
    let mut steps = Vec::new();
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        let parts = match inst.keyword {
            Keyword::Run => cx.runs[i]
                .as_ref()
                .map_or(Vec::new(), |run| run_parts(cx, run)),
            Keyword::Copy | Keyword::Add => copy_parts(cx, i, &mut not_sized),
            _ => Vec::new(),
        };
        let stage = cx
            .stage_of(i)
            .map_or_else(String::new, |s| cx.graph.stages[s].label());
        steps.push(Step {
            stage,
            line: inst.start_line,
            instruction: short(&inst.original),
            bytes: parts.iter().map(|p| p.bytes).sum(),
            parts,
            key: ballast_context::rebuild::normalize_step(&inst.original),
            estimated: Vec::new(),
            layer: None,
            span: inst.span,
        });
    }
    let bytes = base.as_ref().map_or(0, |b| b.bytes) + steps.iter().map(|s| s.bytes).sum::<u64>();
    ImageModel {
        base,
        steps,
        bytes,
        not_sized,
        measured_steps: 0,
    }
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &one[..at]),
        None => one,
    }
}

fn base_of(cx: &Checker<'_>, not_sized: &mut Vec<String>) -> Option<Base> {
    let (image, _) = cx.base_image(cx.target)?;
    match ballast_ml::bases::base_size(&ImageRef::parse(&image)) {
        Some(s) => Some(Base {
            image,
            bytes: s.bytes,
            basis: s.basis.to_string(),
        }),
        None => {
            not_sized.push(format!("the base image {image}"));
            None
        }
    }
}

/// The parts of a RUN's layer: what it installs, and the package caches
/// and apt lists it leaves behind.
fn run_parts(cx: &Checker<'_>, run: &Run) -> Vec<Part> {
    let mut parts = Vec::new();
    if let Some(c) = cx.run_cost(run) {
        parts.push(Part::new("packages", c.bytes, c.basis));
    }
    let installs = cx.python_installs(run);
    let mut caches: Vec<(String, Vec<&PyInstall<'_>>)> = Vec::new();
    for p in &installs {
        if cache_avoided(cx, run, p) {
            continue;
        }
        let Some(dir) = cache_dir(cx, run, p) else {
            continue;
        };
        match caches.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, v)) => v.push(p),
            None => caches.push((dir, vec![p])),
        }
    }
    for (dir, group) in caches {
        if let Some(c) = crate::rules::common::some_installs_size(cx, &group) {
            let cache = cache_savings(c, cache_layout(cx, group[0]));
            parts.push(Part {
                cache: cache_class_of(&dir),
                ..Part::new(format!("package cache {dir}"), cache.bytes, cache.basis)
            });
        }
    }
    if let Some(lists) = apt_lists_left(run) {
        parts.push(lists);
    }
    parts
}

/// The cache class of a directory an install fills, as an image's paths
/// are classed (so the two meet when `--image` measures it).
fn cache_class_of(dir: &str) -> Option<Class> {
    let rel = dir.trim_start_matches('/').trim_end_matches('/');
    ballast_ml::paths::cache_class(&format!("{rel}/f"))
}

fn apt_lists_left(run: &Run) -> Option<Part> {
    let updates = run.commands().any(|(_, c)| {
        package_command(c).is_some_and(|p| p.manager.is_apt() && p.action == Action::Update)
    });
    if !updates || !lists_stay(run) {
        return None;
    }
    let t = ballast_ml::packages::typical("apt lists")?;
    Some(Part {
        cache: cache_class_of(APT_LISTS),
        ..Part::new("apt lists", t.bytes, format!("estimate: {}", t.basis))
    })
}

/// What a COPY or ADD puts in its layer: the bytes it takes from the
/// context, or what the stage it copies from installed.
fn copy_parts(cx: &Checker<'_>, i: usize, not_sized: &mut Vec<String>) -> Vec<Part> {
    let inst = cx.inst(i);
    let line = inst.start_line;
    if let Some(from) = inst.flag("from").and_then(|f| f.value()) {
        return stage_copy(cx, i, from).unwrap_or_else(|| {
            not_sized.push(format!("line {line}: what it copies from {from}"));
            Vec::new()
        });
    }
    match cx.uses.iter().find(|u| u.instruction == i) {
        Some(u) => vec![Part::new(
            "context",
            u.bytes,
            format!("measured: {} file(s) it takes from the context", u.files),
        )],
        None if cx.context.is_none() => {
            not_sized.push(format!(
                "line {line}: what it takes from the context (none given)"
            ));
            Vec::new()
        }
        None => {
            not_sized.push(format!("line {line}: what it downloads"));
            Vec::new()
        }
    }
}

/// Paths where a builder stage's Python installs land.
fn is_python_prefix(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p.contains("venv")
        || p.contains("site-packages")
        || p.ends_with("/.local")
        || p == "/usr/local"
        || p.starts_with("/usr/local/lib/python")
        || p == "/install"
        || p.starts_with("/opt/conda")
}

/// A COPY from a stage: what that stage (and those it is built on)
/// installed with Python, when the copied path is where installs land.
fn stage_copy(cx: &Checker<'_>, i: usize, from: &str) -> Option<Vec<Part>> {
    let inst = cx.inst(i);
    let stage = cx
        .graph
        .find_stage(from)
        .filter(|s| cx.reachable.contains(s))?;
    let args = CopyArgs::parse(inst).ok()?;
    let python = |s: &CopySource| match s {
        CopySource::Path { value, .. } => {
            let path = cx.scope(i).map_or_else(
                || value.clone(),
                |sc| sc.expand_keep_unknown(value, cx.df.escape),
            );
            is_python_prefix(&path)
        }
        CopySource::Heredoc { .. } => false,
    };
    if args.sources.is_empty() || !args.sources.iter().all(python) {
        return None;
    }
    // Every install of the stage sized together: a project installed after
    // its pinned requirements brings the same distributions, stored once.
    let mut installs = Vec::new();
    for s in cx.graph.final_chain(stage) {
        for j in cx.graph.instructions_of(s) {
            if let Some(run) = &cx.runs[j] {
                installs.extend(cx.python_installs(run));
            }
        }
    }
    let bytes = crate::rules::common::installs_size(cx, &installs).map_or(0, |c| c.bytes);
    let label = cx.graph.stages[stage].label();
    let mut parts = vec![Part::new(
        format!("stage {label}"),
        bytes,
        format!("estimate: the Python packages stage {label} installs"),
    )];
    if seeds_venv(cx, stage) {
        parts.extend(venv_seed());
    }
    Some(parts)
}

/// Whether the stage (or one it is built on) makes a virtualenv with
/// `python -m venv` or `virtualenv`, which seed it with pip (and
/// setuptools up to Python 3.11); `uv venv` seeds nothing.
fn seeds_venv(cx: &Checker<'_>, stage: usize) -> bool {
    cx.graph.final_chain(stage).into_iter().any(|s| {
        cx.graph.instructions_of(s).any(|j| {
            cx.runs[j].as_ref().is_some_and(|run| {
                run.commands().any(|(_, c)| {
                    let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
                    let venv = words.windows(2).any(|w| w == ["-m", "venv"])
                        || words.first().is_some_and(|w| w.ends_with("virtualenv"));
                    venv && !words.contains(&"--without-pip")
                })
            })
        })
    })
}

/// The pip and setuptools a new virtualenv holds, from the measured table.
fn venv_seed() -> Option<Part> {
    let bytes: u64 = ["pip", "setuptools"]
        .iter()
        .filter_map(|n| ballast_ml::distributions::distribution(n))
        .map(|d| d.installed_bytes)
        .sum();
    (bytes > 0).then(|| {
        Part::new(
            "the virtualenv's own pip and setuptools",
            bytes,
            format!(
                "estimate: pip and setuptools as measured {} (bench/distribution-sizes.sh)",
                ballast_ml::distributions::table_date()
            ),
        )
    })
}

/// The image now and with the fixes `ballast fix` offers applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageEstimate {
    /// The predicted image as written.
    pub predicted_bytes: u64,
    /// With every offered fix applied, safe and unsafe.
    pub predicted_after_fixes_bytes: u64,
    /// With the safe fixes applied.
    pub safe_after_fixes_bytes: u64,
    /// The built image's bytes (`--image`): its layers' regular files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_bytes: Option<u64>,
    /// What the changes findings advise but `ballast fix` does not write
    /// would save besides (each thing once; see [`crate::marginal`]).
    pub advised_savings_bytes: u64,
    /// What the predictions rest on.
    pub basis: String,
    /// The prediction, step by step.
    #[serde(skip)]
    pub model: ImageModel,
}

impl ImageEstimate {
    /// What the fixes save: a difference of two predictions, so never more
    /// than the image.
    pub fn savings_bytes(&self) -> u64 {
        self.predicted_bytes
            .saturating_sub(self.predicted_after_fixes_bytes)
    }
}

/// Predicts the image `source` builds, and the images its fixes (safe, then
/// all) would build: each is this module's model of the fixed Dockerfile.
pub fn estimate(
    source: &str,
    options: &crate::LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    image: Option<Layers<'_>>,
) -> Result<ImageEstimate, crate::LintError> {
    let mut now = predict_text(source, options)?;
    if let Some(layers) = image {
        now.calibrate(layers, true);
    }
    let measured = image.map(|layers| Measured {
        layers,
        model: &now,
    });
    let (safe, left) = fixed_model(source, options, read, measured, crate::Applicability::Safe)?;
    // Only a fix the safe run left could change the image further.
    let all = if left.iter().any(|f| f.fix.is_some()) {
        after_fixes(
            source,
            options,
            read,
            measured,
            crate::Applicability::Unsafe,
        )?
    } else {
        safe
    };
    let mut basis = match image {
        Some(_) => format!(
            "measured: {} of {} steps' layers and the base in the image; the rest estimated from the tables",
            now.measured_steps,
            now.steps.len()
        ),
        None => "estimate: base image table, Python distributions measured from their wheels, Debian and Ubuntu package lists, the build context".to_string(),
    };
    if !now.not_sized.is_empty() {
        basis.push_str(&format!("; not sized: {}", now.not_sized.join(", ")));
    }
    Ok(ImageEstimate {
        predicted_bytes: now.bytes,
        predicted_after_fixes_bytes: all,
        safe_after_fixes_bytes: safe,
        measured_bytes: image.map(|l| l.iter().map(|l| l.bytes).sum()),
        advised_savings_bytes: 0,
        basis,
        model: now,
    })
}

/// The predicted image once `ballast fix` has applied every fix up to `max`
/// (calibrated with the built image where `measured` gives one).
pub fn after_fixes(
    source: &str,
    options: &crate::LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    measured: Option<Measured<'_>>,
    max: crate::Applicability,
) -> Result<u64, crate::LintError> {
    Ok(fixed_model(source, options, read, measured, max)?.0)
}

/// [`after_fixes`], with the findings the fixes leave.
fn fixed_model(
    source: &str,
    options: &crate::LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    measured: Option<Measured<'_>>,
    max: crate::Applicability,
) -> Result<(u64, Vec<crate::Finding>), crate::LintError> {
    let mut opts = options.with_overlay(options.overlay.clone());
    // Only a rule with a fix changes the text a round fixes (ShellCheck,
    // one process per round, among those left out).
    opts.fixes_only = true;
    let fixed = crate::fix::fix_until_stable(source, &mut opts, max, read)?;
    let opts = options.with_overlay(fixed.files.clone());
    let mut m = predict_text(&fixed.text, &opts)?;
    if let Some(measured) = measured {
        measured.apply(&mut m);
    }
    Ok((m.bytes, fixed.remaining))
}

/// The model of a Dockerfile's text (as a fix or the restructure wrote it).
pub fn predict_text(
    text: &str,
    options: &crate::LintOptions<'_>,
) -> Result<ImageModel, crate::LintError> {
    let key = crate::memo::Key::of(text, options);
    options.memo.image(key, || {
        let df = options.memo.parse(text);
        let (graph, target) = crate::stage_model(&df, options)?;
        let cx = Checker::new(&df, graph, target, options);
        Ok(predict(&cx))
    })
}
