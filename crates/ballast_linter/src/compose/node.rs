//! A compose file's values as a plain tree with byte spans: aliases and
//! merge keys (`<<: *base`) resolved by yaml-edit, so the rules read what
//! Compose reads and point at where it is written.

use ballast_dockerfile::Span;
use yaml_edit::anchor_resolution::{AnchorRegistry, MergedMapping};
use yaml_edit::{Mapping, YamlNode};

/// A value: a scalar's text, a sequence, or a mapping in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Span, Node)>),
}

/// A value and the bytes it is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// How deep a value may nest: bounds the work on hostile files.
const MAX_DEPTH: usize = 64;

/// How many values a file may expand to, aliases included: a file of
/// aliases of aliases ("billion laughs") otherwise expands exponentially.
pub(crate) const MAX_VALUES: usize = 200_000;

/// The values left to convert; zero once the file expanded past
/// [`MAX_VALUES`].
pub(crate) struct Budget(pub(crate) usize);

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, n)| n)
    }

    /// The key's span and value of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(Span, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, s, n)| (*s, n)),
            _ => None,
        }
    }

    /// The value at a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// A scalar's text.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is YAML's true.
    pub fn is_true(&self) -> bool {
        self.text()
            .is_some_and(|t| matches!(t, "true" | "True" | "TRUE" | "yes" | "on"))
    }

    /// A sequence's items (a scalar counts as a sequence of one: `tmpfs:
    /// /tmp`).
    pub fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => vec![self],
            Value::Map(_) => Vec::new(),
        }
    }

    /// A mapping's entries.
    pub fn entries(&self) -> &[(String, Span, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }
}

fn span_of(node: &YamlNode) -> Span {
    let r = node.byte_range();
    Span::new(r.start as usize, r.end as usize)
}

/// The tree of a yaml-edit node, aliases and merge keys resolved.
pub(crate) fn convert(
    node: &YamlNode,
    registry: &AnchorRegistry,
    depth: usize,
    budget: &mut Budget,
) -> Option<Node> {
    if depth > MAX_DEPTH || budget.0 == 0 {
        return None;
    }
    budget.0 -= 1;
    let span = span_of(node);
    let value = match node {
        YamlNode::Scalar(s) => Value::Scalar(s.as_string()),
        YamlNode::Sequence(seq) => Value::Seq(
            seq.values()
                .filter_map(|v| convert(&v, registry, depth + 1, budget))
                .collect(),
        ),
        YamlNode::Mapping(m) => Value::Map(mapping(m, registry, depth, budget)?),
        YamlNode::Alias(a) => {
            let target = registry.resolve(&a.name())?;
            let node = YamlNode::from_syntax(target.clone())?;
            let mut n = convert(&node, registry, depth + 1, budget)?;
            n.span = span;
            return Some(n);
        }
        YamlNode::TaggedNode(_) => Value::Scalar(String::new()),
    };
    Some(Node { span, value })
}

fn mapping(
    m: &Mapping,
    registry: &AnchorRegistry,
    depth: usize,
    budget: &mut Budget,
) -> Option<Vec<(String, Span, Node)>> {
    let merged = MergedMapping::new(m.clone(), registry).ok()?;
    let mut out = Vec::new();
    for (k, v) in merged.iter() {
        let key = k.as_scalar().map(|s| s.as_string()).unwrap_or_default();
        if let Some(n) = convert(&v, registry, depth + 1, budget) {
            out.push((key, span_of(&k), n));
        }
    }
    Some(out)
}
