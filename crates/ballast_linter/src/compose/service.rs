//! One service of a compose file, and what the rules ask of it: the build,
//! mounts, environment and GPU requests, in both of Compose's syntaxes
//! (`KEY=value` lists and mappings, short and long volume forms).

use std::path::{Path, PathBuf};

use ballast_dockerfile::Span;

use super::node::{Node, Value};

/// A service: its name, where it is written, its values.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The service's name, where it is written.
    pub key_span: Span,
    pub body: Node,
    /// What it builds, when it builds.
    pub build: Option<Build>,
    /// What it takes from the services it `extends`.
    pub inherited: Inherited,
    /// A container of a Kubernetes manifest, read as a service.
    pub container: Option<super::kube::Container>,
}

/// A service's `build`: the context, Dockerfile, target and arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Build {
    /// Relative to the compose file's directory (default `.`).
    pub context: Option<String>,
    /// Relative to the context (default `Dockerfile`).
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    /// `NAME=value`; `None` for a value Compose takes from the environment.
    pub args: Vec<(String, Option<String>)>,
}

impl Build {
    fn of(node: &Node) -> Build {
        if let Some(context) = node.text() {
            return Build {
                context: Some(context.to_string()),
                ..Build::default()
            };
        }
        let text = |k: &str| node.get(k).and_then(Node::text).map(str::to_string);
        Build {
            context: text("context"),
            dockerfile: text("dockerfile"),
            target: text("target"),
            args: node.get("args").map(pairs).unwrap_or_default(),
        }
    }

    /// This build over the one of the service it `extends`: what it sets
    /// wins, arguments are merged by name.
    pub fn over(&self, base: &Build) -> Build {
        let mut args = base.args.clone();
        for (k, v) in &self.args {
            args.retain(|(b, _)| b != k);
            args.push((k.clone(), v.clone()));
        }
        Build {
            context: self.context.clone().or_else(|| base.context.clone()),
            dockerfile: self.dockerfile.clone().or_else(|| base.dockerfile.clone()),
            target: self.target.clone().or_else(|| base.target.clone()),
            args,
        }
    }

    /// The build arguments with known values, as `NAME=value`.
    pub fn build_args(&self) -> Vec<String> {
        self.args
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect()
    }
}

/// `NAME=value` items or a mapping, as (name, value, span); a value that
/// needs the environment (`${TOKEN}`, or a bare `NAME`) is `None`.
pub(crate) fn pairs_with_spans(node: &Node) -> Vec<(String, Option<String>, Span)> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, _, v)| {
                let value = match &v.value {
                    Value::Scalar(s) if s.is_empty() || s == "~" || s == "null" => None,
                    Value::Scalar(s) => interpolate(s),
                    _ => None,
                };
                (k.clone(), value, v.span)
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| {
                let t = n.text()?;
                Some(match t.split_once('=') {
                    Some((k, v)) => (k.to_string(), interpolate(v), n.span),
                    None => (t.to_string(), None, n.span),
                })
            })
            .collect(),
        Value::Scalar(_) => Vec::new(),
    }
}

fn pairs(node: &Node) -> Vec<(String, Option<String>)> {
    pairs_with_spans(node)
        .into_iter()
        .map(|(k, v, _)| (k, v))
        .collect()
}

/// A value with Compose's `${NAME:-default}` and `${NAME-default}` taken
/// as their defaults; `None` when a variable has no default (its value is
/// the environment's, unknown here).
pub fn interpolate(value: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let default = inner
                .split_once(":-")
                .or_else(|| inner.split_once('-'))
                .map(|(_, d)| d)?;
            out.push_str(default);
            rest = &body[end + 1..];
        } else {
            // `$NAME`: from the environment.
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// How a service asks for a GPU, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuRequest {
    pub span: Span,
    /// `deploy.resources.reservations.devices (driver: nvidia)`, `gpus: all`, ...
    pub how: String,
}

impl Service {
    pub(crate) fn new(name: &str, key_span: Span, body: Node) -> Service {
        let build = body.get("build").map(Build::of);
        Service {
            name: name.to_string(),
            key_span,
            body,
            build,
            inherited: Inherited::default(),
            container: None,
        }
    }

    /// The service as findings name it: "service `api`", or "container
    /// `api` of Deployment `web`".
    pub fn describe(&self) -> String {
        match &self.container {
            Some(c) => format!("container `{}` of {}", self.name, c.workload),
            None => format!("service `{}`", self.name),
        }
    }

    /// A setting the service writes itself.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.body.get(key)
    }

    /// A setting in effect: its own, else the nearest service it extends
    /// sets it. Use the value only: an inherited span is in another file.
    pub fn setting(&self, key: &str) -> Option<&Node> {
        self.bodies().find_map(|b| b.get(key))
    }

    /// Its own body, then those it inherits.
    fn bodies(&self) -> impl Iterator<Item = &Node> {
        std::iter::once(&self.body).chain(&self.inherited.bodies)
    }

    /// Whether any of its bodies has a value at `path`.
    pub fn has_at(&self, path: &[&str]) -> bool {
        self.bodies().any(|b| b.at(path).is_some())
    }

    /// The span of `key`'s entry (key and value), for findings about a value.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.body
            .entry(key)
            .map(|(k, v)| Span::new(k.start, v.span.end))
    }

    pub fn image(&self) -> Option<&str> {
        self.get("image").and_then(Node::text)
    }

    /// The service this one `extends`: (file, or `None` for this one; service).
    pub fn extends(&self) -> Option<(Option<String>, String)> {
        let e = self.get("extends")?;
        if let Some(name) = e.text() {
            return Some((None, name.to_string()));
        }
        let service = e.get("service")?.text()?.to_string();
        let file = e.get("file").and_then(Node::text).map(str::to_string);
        Some((file, service))
    }

    /// Every place the service's container gets a writable mount:
    /// `tmpfs` paths, volume and bind targets.
    pub fn mount_targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for body in self.bodies() {
            if let Some(t) = body.get("tmpfs") {
                for item in t.items() {
                    if let Some(path) = item.text() {
                        out.push(path.split(':').next().unwrap_or(path).to_string());
                    }
                }
            }
            for v in volumes_of(body) {
                if !v.read_only {
                    out.push(v.target);
                }
            }
        }
        out
    }

    /// Whether the container can write at `path`: a writable mount at it
    /// or above it.
    pub fn writable_at(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        self.mount_targets().iter().any(|m| {
            let m = m.trim_end_matches('/');
            path == m || path.strip_prefix(m).is_some_and(|r| r.starts_with('/')) || m.is_empty()
        })
    }

    /// The volumes the service writes itself, in either syntax.
    pub fn volumes(&self) -> Vec<Volume> {
        volumes_of(&self.body)
    }

    /// How the service asks for a GPU, itself or through `extends` (then
    /// pointing at its name).
    pub fn gpu_request(&self) -> Option<GpuRequest> {
        self.bodies().enumerate().find_map(|(i, b)| {
            let mut g = gpu_request_in(b)?;
            if i > 0 {
                g.span = self.key_span;
            }
            Some(g)
        })
    }
}

fn volumes_of(body: &Node) -> Vec<Volume> {
    let Some(list) = body.get("volumes") else {
        return Vec::new();
    };
    list.items()
        .into_iter()
        .filter_map(|item| match &item.value {
            Value::Scalar(s) => Volume::short(s, item.span),
            Value::Map(_) => Some(Volume {
                source: item.get("source").and_then(Node::text).map(str::to_string),
                target: item.get("target")?.text()?.to_string(),
                read_only: item.get("read_only").is_some_and(Node::is_true),
                span: item.span,
            }),
            Value::Seq(_) => None,
        })
        .collect()
}

/// How a body asks for a GPU, if it does.
fn gpu_request_in(b: &Node) -> Option<GpuRequest> {
    if let Some(devices) = b.at(&["deploy", "resources", "reservations", "devices"]) {
        for d in devices.items() {
            let driver = d.get("driver").and_then(Node::text).unwrap_or("");
            let gpu_cap = d
                .get("capabilities")
                .is_some_and(|c| c.items().iter().any(|i| i.text() == Some("gpu")));
            if driver == "nvidia" || driver == "cdi" || gpu_cap {
                let how = if driver.is_empty() {
                    "capabilities: [gpu]".to_string()
                } else {
                    format!("driver: {driver}")
                };
                return Some(GpuRequest {
                    span: d.span,
                    how: format!("deploy.resources.reservations.devices ({how})"),
                });
            }
        }
    }
    if let Some((k, v)) = b.entry("gpus") {
        return Some(GpuRequest {
            span: Span::new(k.start, v.span.end),
            how: format!("gpus: {}", v.text().unwrap_or("…")),
        });
    }
    if let Some((k, v)) = b.entry("runtime")
        && v.text() == Some("nvidia")
    {
        return Some(GpuRequest {
            span: Span::new(k.start, v.span.end),
            how: "runtime: nvidia".to_string(),
        });
    }
    let devices = b.get("devices")?;
    let d = devices
        .items()
        .into_iter()
        .find(|d| d.text().is_some_and(|t| t.starts_with("nvidia.com/gpu")))?;
    Some(GpuRequest {
        span: d.span,
        how: format!("devices: {}", d.text().unwrap_or("")),
    })
}

impl Service {
    /// The environment the service sets in the file: (name, value, span).
    pub fn environment(&self) -> Vec<(String, Option<String>, Span)> {
        self.get("environment")
            .map(pairs_with_spans)
            .unwrap_or_default()
    }
}

/// One volume or bind mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// A host path or volume name; `None` for an anonymous volume.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub span: Span,
}

impl Volume {
    /// `SOURCE:TARGET[:MODE]` or `TARGET`, with Compose's `${VAR:-default}`
    /// taken at its default.
    fn short(text: &str, span: Span) -> Option<Volume> {
        let text = interpolate(text).unwrap_or_else(|| text.to_string());
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, mode) = match parts.as_slice() {
            [t] => (None, *t, ""),
            [s, t] => (Some(*s), *t, ""),
            [s, t, m, ..] => (Some(*s), *t, *m),
            [] => return None,
        };
        Some(Volume {
            source: source.map(str::to_string),
            target: target.to_string(),
            read_only: mode.split(',').any(|m| m == "ro"),
            span,
        })
    }
}

/// A service's build with its paths resolved: where its Dockerfile and
/// context are on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedBuild {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub build: Build,
}

/// What a service takes from the services it `extends`.
#[derive(Debug, Clone, Default)]
pub struct Inherited {
    /// Their bodies, nearest first: settings this service does not write
    /// itself (their spans are in the files they are written in).
    pub bodies: Vec<Node>,
    /// Their build, merged, and the directory its paths are relative to.
    pub build: Option<(Build, PathBuf)>,
    /// The nearest one, as shown: `compose.yaml's service speaches`.
    pub from: Option<String>,
}

/// The files `docker compose` reads by default, in its order: a file
/// beside one of them that sets part of a service (a build target, no
/// context) is an overlay of it (`-f docker-compose.yml -f this.yml`).
pub const BASE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// How many `extends` a service may chain: bounds a cycle.
const MAX_EXTENDS: usize = 8;

impl Service {
    /// Follows `extends` (in `file`, or another file read with `read`) and
    /// records what this service inherits.
    pub fn resolve_extends(
        &mut self,
        file: &super::ComposeFile,
        dir: &Path,
        read: &dyn Fn(&Path) -> Option<String>,
    ) {
        self.inherited = inherited(self, file, dir, read, 0);
    }

    /// Whether the service only adds to one defined elsewhere: it neither
    /// extends one nor says where its image comes from (no `image`, no
    /// build context).
    pub fn is_partial(&self) -> bool {
        self.container.is_none()
            && self.extends().is_none()
            && self.get("image").is_none()
            && self.build.as_ref().is_none_or(|b| b.context.is_none())
    }

    /// Takes what it lacks from the same service of the base file `base`
    /// (named `base_name`, in `base_dir`), as Compose merges an overlay.
    pub fn overlay_on(
        &mut self,
        base: &super::ComposeFile,
        base_dir: &Path,
        base_name: &str,
        read: &dyn Fn(&Path) -> Option<String>,
    ) {
        let Some(b) = base.services.iter().find(|s| s.name == self.name) else {
            return;
        };
        let mut up = inherited(b, base, base_dir, read, 1);
        let build = match (&b.build, up.build.take()) {
            (Some(own), Some((g, _))) => Some((own.over(&g), base_dir.to_path_buf())),
            (Some(own), None) => Some((own.clone(), base_dir.to_path_buf())),
            (None, g) => g,
        };
        let mut bodies = vec![b.body.clone()];
        bodies.extend(up.bodies);
        self.inherited = Inherited {
            bodies,
            build,
            from: Some(format!("{base_name}'s service `{}`", self.name)),
        };
    }

    /// Whether the service builds an image (itself or through `extends`).
    pub fn builds(&self) -> bool {
        self.build.is_some() || self.inherited.build.is_some()
    }

    /// The build of this service with its paths resolved (after
    /// [`Service::resolve_extends`]); `None` for a service that builds
    /// nothing.
    pub fn resolved_build(&self, dir: &Path) -> Option<ResolvedBuild> {
        let own_context = self
            .build
            .as_ref()
            .and_then(|b| b.context.as_ref())
            .is_some();
        let (build, context_dir) = match (&self.build, &self.inherited.build) {
            (Some(own), Some((base, base_dir))) => {
                let d = if own_context { dir } else { base_dir.as_path() };
                (own.over(base), d.to_path_buf())
            }
            (Some(own), None) => (own.clone(), dir.to_path_buf()),
            (None, Some((base, base_dir))) => (base.clone(), base_dir.clone()),
            (None, None) => return None,
        };
        let context = context_dir.join(build.context.as_deref().unwrap_or("."));
        let dockerfile = context.join(build.dockerfile.as_deref().unwrap_or("Dockerfile"));
        Some(ResolvedBuild {
            context,
            dockerfile,
            build,
        })
    }
}

fn inherited(
    service: &Service,
    file: &super::ComposeFile,
    dir: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
    depth: usize,
) -> Inherited {
    let Some((other_file, name)) = service.extends().filter(|_| depth < MAX_EXTENDS) else {
        return Inherited::default();
    };
    let from = format!(
        "{}'s service `{name}`",
        other_file.as_deref().unwrap_or("this file")
    );
    let (parent, parent_dir) = match other_file {
        None => (file.clone(), dir.to_path_buf()),
        Some(f) => {
            let path = dir.join(f);
            let Some(parsed) = read(&path).and_then(|t| super::ComposeFile::parse(&t).ok()) else {
                return Inherited::default();
            };
            let d = path
                .parent()
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
            (parsed, d)
        }
    };
    let Some(base) = parent.services.iter().find(|s| s.name == name) else {
        return Inherited::default();
    };
    let mut up = inherited(base, &parent, &parent_dir, read, depth + 1);
    let build = match (&base.build, up.build.take()) {
        (Some(b), Some((g, _))) => Some((b.over(&g), parent_dir)),
        (Some(b), None) => Some((b.clone(), parent_dir)),
        (None, g) => g,
    };
    let mut bodies = vec![base.body.clone()];
    bodies.extend(up.bodies);
    Inherited {
        bodies,
        build,
        from: Some(from),
    }
}
