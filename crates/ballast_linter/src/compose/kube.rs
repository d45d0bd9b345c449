//! Kubernetes manifests judged by the same runtime rules: each container of
//! a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
//! CronJob) is read as a service whose settings are its `securityContext`
//! and its pod's, in Compose's terms, each pointing at where the manifest
//! writes it.

use std::str::FromStr;

use ballast_dockerfile::Span;
use yaml_edit::anchor_resolution::AnchorRegistry;

use super::node::{self, Node, Value};
use super::{ComposeError, ComposeFile, Service};

/// Workload kinds and the path from the document to their pod spec.
const WORKLOADS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Where a container is in its manifest: the document, and the keys from
/// it to the pod spec; then the index in `containers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub document: usize,
    pub pod_path: &'static [&'static str],
    pub index: usize,
    /// `Deployment web`.
    pub workload: String,
    /// The image it runs.
    pub image: Option<String>,
}

/// Whether a YAML text is a Kubernetes manifest: a document with
/// `apiVersion` and `kind` at the top.
pub fn is_manifest(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    top("apiVersion:") && top("kind:")
}

impl ComposeFile {
    /// The containers of a Kubernetes manifest's workloads as services.
    pub fn parse_manifest(text: &str) -> Result<ComposeFile, ComposeError> {
        let file = yaml_edit::YamlFile::from_str(text).map_err(|e| super::yaml_error(text, &e))?;
        let mut services = Vec::new();
        let mut budget = node::Budget(node::MAX_VALUES);
        for (d, doc) in file.documents().enumerate() {
            let registry = AnchorRegistry::from_document(&doc);
            let Some(root) = doc.as_mapping().and_then(|m| {
                node::convert(&yaml_edit::YamlNode::Mapping(m), &registry, 0, &mut budget)
            }) else {
                continue;
            };
            let kind = root.get("kind").and_then(Node::text).unwrap_or("");
            let Some((kind, path)) = WORKLOADS.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            let Some(pod) = root.at(path) else { continue };
            let name = root
                .at(&["metadata", "name"])
                .and_then(Node::text)
                .unwrap_or("?");
            let containers = pod.get("containers").map(Node::items).unwrap_or_default();
            for (i, c) in containers.into_iter().enumerate() {
                let at = Container {
                    document: d,
                    pod_path: path,
                    index: i,
                    workload: format!("{kind} `{name}`"),
                    image: c.get("image").and_then(Node::text).map(str::to_string),
                };
                services.push(container_service(c, pod, at));
            }
        }
        if budget.0 == 0 {
            return Err(ComposeError::TooLarge);
        }
        Ok(ComposeFile {
            services,
            project_dir: None,
        })
    }
}

/// A container as a service: its `securityContext` (else its pod's) and
/// its pod's namespaces, mounts, environment and limits under the compose
/// keys the rules read.
fn container_service(c: &Node, pod: &Node, at: Container) -> Service {
    let sc = |key: &[&str]| {
        let mut path = vec!["securityContext"];
        path.extend_from_slice(key);
        c.at(&path).or_else(|| pod.at(&path))
    };
    let mut body: Vec<(String, Span, Node)> = Vec::new();
    let mut put = |key: &str, node: Option<Node>| {
        if let Some(n) = node {
            body.push((key.to_string(), n.span, n));
        }
    };
    put("read_only", sc(&["readOnlyRootFilesystem"]).cloned());
    put(
        "cap_drop",
        c.at(&["securityContext", "capabilities", "drop"]).cloned(),
    );
    put(
        "cap_add",
        c.at(&["securityContext", "capabilities", "add"]).cloned(),
    );
    put(
        "privileged",
        c.at(&["securityContext", "privileged"]).cloned(),
    );
    put(
        "security_opt",
        sc(&["allowPrivilegeEscalation"])
            .filter(|n| n.text() == Some("false"))
            .map(|n| scalar_list(n.span, "no-new-privileges:true")),
    );
    put("user", sc(&["runAsUser"]).cloned());
    // The pod's namespaces are said once, with its first container.
    let hosts = [
        ("network_mode", "hostNetwork"),
        ("pid", "hostPID"),
        ("ipc", "hostIPC"),
    ];
    for (key, host) in hosts.into_iter().filter(|_| at.index == 0) {
        put(
            key,
            pod.get(host)
                .filter(|n| n.is_true())
                .map(|n| scalar(n.span, "host")),
        );
    }
    put("volumes", mounts(c, pod));
    put("environment", environment(c));
    put(
        "mem_limit",
        c.at(&["resources", "limits", "memory"]).cloned(),
    );
    put(
        "gpus",
        c.at(&["resources", "limits", "nvidia.com/gpu"]).cloned(),
    );
    let name = c
        .get("name")
        .and_then(Node::text)
        .unwrap_or("?")
        .to_string();
    let key_span = c.get("name").map_or(c.span, |n| n.span);
    let mut s = Service::new(
        &name,
        key_span,
        Node {
            span: c.span,
            value: Value::Map(body),
        },
    );
    s.container = Some(at);
    s
}

fn scalar(span: Span, text: &str) -> Node {
    Node {
        span,
        value: Value::Scalar(text.to_string()),
    }
}

fn scalar_list(span: Span, text: &str) -> Node {
    Node {
        span,
        value: Value::Seq(vec![scalar(span, text)]),
    }
}

/// The container's volume mounts in Compose's short syntax: a host path's
/// path (or the volume's name) as the source, `:ro` when read-only.
fn mounts(c: &Node, pod: &Node) -> Option<Node> {
    let list = c.get("volumeMounts")?;
    let volumes = pod.get("volumes").map(Node::items).unwrap_or_default();
    let items = list
        .items()
        .into_iter()
        .filter_map(|m| {
            let name = m.get("name")?.text()?;
            let target = m.get("mountPath")?.text()?;
            let volume = volumes
                .iter()
                .find(|v| v.get("name").and_then(Node::text) == Some(name));
            let source = volume
                .and_then(|v| v.at(&["hostPath", "path"]))
                .and_then(Node::text)
                .unwrap_or(name);
            let ro = if m.get("readOnly").is_some_and(Node::is_true) {
                ":ro"
            } else {
                ""
            };
            Some(scalar(m.span, &format!("{source}:{target}{ro}")))
        })
        .collect();
    Some(Node {
        span: list.span,
        value: Value::Seq(items),
    })
}

/// `env` entries with a literal `value`, as a mapping; those taken from a
/// secret or config map (`valueFrom`) are left out.
fn environment(c: &Node) -> Option<Node> {
    let list = c.get("env")?;
    let entries = list
        .items()
        .into_iter()
        .filter_map(|e| {
            let name = e.get("name")?.text()?;
            let (key, value) = e.entry("value")?;
            Some((name.to_string(), key, value.clone()))
        })
        .collect();
    Some(Node {
        span: list.span,
        value: Value::Map(entries),
    })
}
