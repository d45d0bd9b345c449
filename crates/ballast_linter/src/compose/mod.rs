//! Compose files: the services a project runs, read with the Dockerfiles
//! they build, and judged for runtime hardening (the `runtime` rules).
//!
//! A compose file is parsed once with yaml-edit, a lossless YAML tree: the
//! rules read a plain [`Node`] tree (aliases and merge keys resolved) with
//! byte spans into the file, and fixes are made by editing the lossless
//! tree, so comments, order and quoting stay as the user wrote them.

mod edit;
mod facts;
mod fix;
mod harden;
mod kube;
mod node;
mod service;

use std::path::Path;
use std::str::FromStr;

use ballast_dockerfile::Span;
use yaml_edit::anchor_resolution::AnchorRegistry;

pub use edit::Change;
pub use facts::{ImageFacts, ImageUser, WritablePath};
pub use fix::{ComposeFixed, fix_until_stable};
pub use harden::{Hardened, harden, suggested_service};
pub use kube::{Container, is_manifest};
pub use node::{Node, Value};
pub use service::{
    BASE_NAMES, Build, GpuRequest, Inherited, ResolvedBuild, Service, Volume, interpolate,
};

use crate::catalog::{self, Rule};
use crate::finding::Finding;
use crate::settings::Settings;

/// Names Compose looks for, and the override and variant files projects
/// keep beside them (`docker-compose.cuda.yml`, `compose.dev.yaml`,
/// `api-compose.yaml`).
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    let variant = |rest: &str| rest.is_empty() || rest.starts_with(['.', '-', '_']);
    stem.strip_prefix("compose").is_some_and(variant)
        || stem.strip_prefix("docker-compose").is_some_and(variant)
        || stem.ends_with("-compose")
}

/// Why a compose file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("{line}: not YAML: {message}")]
    Yaml { line: usize, message: String },
    #[error("1: not a compose file: the document is not a mapping")]
    NotAMapping,
    #[error("1: its aliases expand to more than {} values", node::MAX_VALUES)]
    TooLarge,
}

/// Whether a file given by name is read as a compose file: a compose
/// name, or any YAML file (a Dockerfile is never `.yml`).
pub fn is_compose_path(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_compose_name(name) || lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// A parsed compose file.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub services: Vec<Service>,
    /// Where its relative paths start when that is not its own directory:
    /// an overlay of the base file in the directory above it (`docker
    /// compose -f deploy/compose.yaml -f deploy/optional/gpu.yaml` resolves
    /// both from `deploy/`).
    pub project_dir: Option<std::path::PathBuf>,
}

impl ComposeFile {
    /// A compose file, or a Kubernetes manifest's containers.
    pub fn parse_any(text: &str) -> Result<ComposeFile, ComposeError> {
        if is_manifest(text) {
            Self::parse_manifest(text)
        } else {
            Self::parse(text)
        }
    }

    pub fn parse(text: &str) -> Result<ComposeFile, ComposeError> {
        let doc = yaml_edit::Document::from_str(text).map_err(|e| yaml_error(text, &e))?;
        let registry = AnchorRegistry::from_document(&doc);
        let mut budget = node::Budget(node::MAX_VALUES);
        let root = doc.as_mapping().and_then(|m| {
            node::convert(&yaml_edit::YamlNode::Mapping(m), &registry, 0, &mut budget)
        });
        if budget.0 == 0 {
            return Err(ComposeError::TooLarge);
        }
        let root = root.ok_or(ComposeError::NotAMapping)?;
        // A file of `include:`s or networks alone has no services.
        let Some(services) = root.get("services") else {
            return Ok(ComposeFile {
                services: Vec::new(),
                project_dir: None,
            });
        };
        let services = services
            .entries()
            .iter()
            .map(|(name, key, body)| Service::new(name, *key, body.clone()))
            .collect();
        Ok(ComposeFile {
            services,
            project_dir: None,
        })
    }

    /// The directory the file's relative paths start from, for a file at
    /// `path`.
    pub fn dir_of(&self, path: &Path) -> std::path::PathBuf {
        self.project_dir
            .clone()
            .unwrap_or_else(|| path.parent().unwrap_or(Path::new(".")).to_path_buf())
    }
}

pub(crate) fn yaml_error(text: &str, e: &yaml_edit::YamlError) -> ComposeError {
    let (line, message) = match e {
        yaml_edit::YamlError::Parse { message, line, .. } => (line.unwrap_or(1), message.clone()),
        other => (1, other.to_string()),
    };
    ComposeError::Yaml {
        line: line.clamp(1, text.lines().count().max(1)),
        message: message.lines().next().unwrap_or("").to_string(),
    }
}

/// What the runtime rules look at for one service.
pub struct ServiceCx<'a> {
    pub service: &'a Service,
    /// The compose file's text.
    pub source: &'a str,
    /// The image the service builds, judged from its Dockerfile (`None`:
    /// the service runs an image built elsewhere, or its Dockerfile could
    /// not be read).
    pub image: Option<&'a ImageFacts>,
}

impl ServiceCx<'_> {
    /// Whether the project builds this service's image: the rules that add
    /// hardening judge those, whose needs the Dockerfile shows.
    pub fn is_built(&self) -> bool {
        self.service.builds()
    }

    /// A fix for this service, or `None` when the edit cannot be made.
    pub fn fix(&self, change: &[Change]) -> Option<crate::finding::Edit> {
        match &self.service.container {
            Some(c) => edit::container_edit_for(self.source, c, change),
            None => edit::edit_for(self.source, &self.service.name, change),
        }
    }

    /// The phrase for this file's dialect: Compose's, or a Kubernetes
    /// manifest's.
    pub fn says<'s>(&self, compose: &'s str, kube: &'s str) -> &'s str {
        if self.service.container.is_some() {
            kube
        } else {
            compose
        }
    }
}

/// Lints a compose file: each service through the runtime rules the
/// settings enable. `image` gives the facts of a service's built image.
pub fn lint(
    file: &ComposeFile,
    source: &str,
    settings: &Settings,
    path: Option<&str>,
    image: &dyn Fn(&Service) -> Option<ImageFacts>,
) -> Vec<Finding> {
    let rules: Vec<&'static Rule> = settings
        .enabled_rules(path)
        .into_iter()
        .filter(|r| r.compose.is_some())
        .collect();
    let pragmas = pragmas(source);
    let mut out = Vec::new();
    for service in &file.services {
        let facts = image(service);
        let cx = ServiceCx {
            service,
            source,
            image: facts.as_ref(),
        };
        for rule in &rules {
            let mut found = Vec::new();
            (rule.compose.expect("compose rule"))(&cx, &mut found);
            let severity = settings.severity_of(rule);
            for mut f in found {
                if severity != rule.severity {
                    f.severity = severity;
                }
                if !(settings.disable_pragmas || suppressed(&pragmas, source, service, &f)) {
                    out.push(f);
                }
            }
        }
    }
    out.sort_by(|a, b| (a.span.start, a.rule.code).cmp(&(b.span.start, b.rule.code)));
    out
}

/// `# ballast: ignore=BL901,compose-privileged` comments: (line, rules).
fn pragmas(source: &str) -> Vec<(usize, Vec<&'static Rule>)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let Some((_, rest)) = line.split_once("# ballast: ignore=") else {
            continue;
        };
        let list = rest.split_whitespace().next().unwrap_or("");
        let rules = list.split(',').filter_map(catalog::find).collect();
        out.push((n + 1, rules));
    }
    out
}

/// Whether a comment silences a finding: on the finding's line or the line
/// before it, or on the service's key line or the line before it (the
/// whole service).
fn suppressed(
    pragmas: &[(usize, Vec<&'static Rule>)],
    source: &str,
    service: &Service,
    f: &Finding,
) -> bool {
    let line_of = |at: usize| source[..at.min(source.len())].matches('\n').count() + 1;
    let lines = [line_of(f.span.start), line_of(service.key_span.start)];
    pragmas.iter().any(|(line, rules)| {
        rules.iter().any(|r| r.code == f.rule.code)
            && lines.iter().any(|l| *line == *l || *line + 1 == *l)
    })
}

/// The span a finding about a missing setting points at: the service's
/// name.
pub(crate) fn service_span(service: &Service) -> Span {
    service.key_span
}

/// Reads a file the compose file names (another compose file, a
/// Dockerfile), bounded as the caller bounds its inputs; `None` when it
/// cannot be read.
pub type Read<'a> = &'a dyn Fn(&Path) -> Option<String>;

impl ComposeFile {
    /// Gives each service what it builds on: the service it `extends`, or
    /// for a partial service of an overlay (`docker-compose.dev.yml`), the
    /// same service of the directory's base file (`docker-compose.yml`), as
    /// `docker compose -f base -f overlay` merges them. `path` is where
    /// this file is.
    pub fn resolve(&mut self, path: &Path, read: Read<'_>) {
        let own_dir = path.parent().unwrap_or(Path::new("."));
        let partial: Vec<String> = self
            .services
            .iter()
            .filter(|s| s.is_partial())
            .map(|s| s.name.clone())
            .collect();
        let base = base_file(path, read, &partial);
        if let Some((_, _, base_dir)) = base.as_ref().filter(|(_, _, d)| d != own_dir) {
            self.project_dir = Some(base_dir.clone());
        }
        let dir = &self.dir_of(path);
        let original = self.clone();
        // A manifest beside a Dockerfile runs what it builds: every
        // container but those of official library images (`postgres:16`).
        let beside = read(&dir.join("Dockerfile")).is_some();
        for s in &mut self.services {
            if let Some(c) = &s.container {
                let library = c
                    .image
                    .as_deref()
                    .is_some_and(|i| !i.split(['@', ':']).next().unwrap_or(i).contains('/'));
                if beside && !library {
                    s.build = Some(Build {
                        context: Some(".".to_string()),
                        ..Build::default()
                    });
                }
                continue;
            }
            s.resolve_extends(&original, dir, read);
            if let Some((name, base, base_dir)) = base.as_ref().filter(|_| s.is_partial()) {
                s.overlay_on(base, base_dir, name, read);
            }
        }
    }
}

/// The file `docker compose` reads by default in the directory of `path`,
/// when `path` is another file: what an overlay there adds to (its name as
/// shown, the file, its directory). Failing that, the one in the directory
/// above when it defines a service `path` only adds to (`partial`).
fn base_file(
    path: &Path,
    read: Read<'_>,
    partial: &[String],
) -> Option<(String, ComposeFile, std::path::PathBuf)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let own = path.file_name()?.to_string_lossy();
    if BASE_NAMES.contains(&own.as_ref()) {
        return None;
    }
    let in_dir = |d: &Path| {
        BASE_NAMES.iter().find_map(|name| {
            let text = read(&d.join(name))?;
            Some((name.to_string(), ComposeFile::parse(&text).ok()?))
        })
    };
    if let Some((name, file)) = in_dir(dir) {
        return Some((name, file, dir.to_path_buf()));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new(".."));
    let (name, file) = in_dir(parent)?;
    let adds_to = file.services.iter().any(|s| partial.contains(&s.name));
    adds_to.then(|| (format!("../{name}"), file, parent.to_path_buf()))
}

/// The facts of the image a resolved build makes: its Dockerfile read with
/// `read`, its context walked, judged with `settings`. `None` when the
/// Dockerfile cannot be read or judged. `dir` is the compose file's
/// directory (the Dockerfile is shown relative to it).
pub fn image_facts(
    build: &ResolvedBuild,
    dir: &Path,
    settings: &Settings,
    read: Read<'_>,
) -> Option<ImageFacts> {
    let text = read(&build.dockerfile)?;
    let df = ballast_dockerfile::Dockerfile::parse(&text);
    let context = crate::BuildContext::load(&build.context, Some(&build.dockerfile)).ok();
    let mut options = crate::LintOptions {
        settings: settings.clone(),
        target: build.build.target.clone(),
        context: context.as_ref(),
        ..crate::LintOptions::default()
    };
    for (k, v) in &build.build.args {
        if let Some(v) = v {
            options.build.build_args.insert(k.clone(), v.clone());
        }
    }
    ImageFacts::of(&df, &options, &shown_from(&build.dockerfile, dir)).ok()
}

/// A Dockerfile as a compose file in `dir` names it: `./Dockerfile` as
/// `Dockerfile`, `../../backend/Dockerfile` as it is.
pub fn shown_from(dockerfile: &Path, dir: &Path) -> String {
    let shown: std::path::PathBuf = dockerfile
        .strip_prefix(dir)
        .unwrap_or(dockerfile)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    shown.display().to_string()
}
