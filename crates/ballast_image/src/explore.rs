//! The image as `ballast explore` shows it, with no terminal in sight: every
//! path of every layer in one trie; for a selected layer, the filesystem as
//! of that layer (layers `0..=L` stacked: whiteouts and opaque directories
//! first, then the layer's entries) with what the layer added, modified and
//! removed; which stored files the final image no longer shows; and the
//! rows of a view (expanded directories, a sort, a glob or size filter,
//! "only wasted" and "only this layer's changes").

use std::collections::HashSet;

use ballast_ml::paths::{self, Group};
use globset::{Glob, GlobMatcher};

use crate::entries::KindRef;
use crate::source::LoadedImage;

/// A path of the trie.
pub type NodeId = u32;
const ROOT: NodeId = 0;

struct Node {
    name: Box<str>,
    parent: NodeId,
    /// Children, sorted by name.
    children: Vec<NodeId>,
}

/// What one layer does to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// A file (its size), link or special file.
    File(u64),
    Dir,
    /// Deleted from the layers below.
    Whiteout,
    /// The directory hides the layers below.
    Opaque,
}

/// One layer as the layer list shows it.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub index: usize,
    pub created_by: String,
    /// Regular-file bytes the layer stores.
    pub bytes: u64,
    /// Of those, not shown by the final image (overwritten or deleted later).
    pub wasted: u64,
    pub entries: usize,
}

/// What the selected layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Unchanged,
    Added,
    Modified,
    Removed,
}

/// The image's paths and layers, ready to be viewed as of any layer.
pub struct Explorer {
    nodes: Vec<Node>,
    changes: Vec<Vec<(NodeId, Change)>>,
    /// Per node: the layer whose version the final image shows.
    final_owner: Vec<Option<u16>>,
    pub layers: Vec<LayerInfo>,
}

/// A path's state as of a layer.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    present: bool,
    is_dir: bool,
    /// A file's size; a directory's: the sum of the files below it.
    bytes: u64,
    /// The layer the visible version comes from.
    owner: u16,
    mark: Option<Mark>,
}

/// The filesystem as of one layer.
pub struct Snapshot {
    pub layer: usize,
    states: Vec<State>,
}

/// How the tree is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    /// Largest first.
    Size,
}

/// What the tree shows.
#[derive(Default)]
pub struct View {
    pub expanded: HashSet<NodeId>,
    pub sort: Sort,
    /// Only files whose path matches (their directories shown around them).
    pub glob: Option<GlobMatcher>,
    /// Only files of at least this many bytes.
    pub min_bytes: u64,
    /// Only files the final image no longer shows.
    pub only_wasted: bool,
    /// Only what the selected layer changed.
    pub only_changes: bool,
}

impl View {
    /// Sets the glob filter (`None` or empty: no filter).
    pub fn set_glob(&mut self, pattern: &str) -> Result<(), String> {
        self.glob = if pattern.is_empty() {
            None
        } else {
            let p = if pattern.contains('/') || pattern.starts_with("**") {
                pattern.to_string()
            } else {
                format!("**/{pattern}")
            };
            Some(
                Glob::new(&p)
                    .map_err(|e| format!("{pattern}: {e}"))?
                    .compile_matcher(),
            )
        };
        Ok(())
    }

    fn filtering(&self) -> bool {
        self.glob.is_some() || self.min_bytes > 0 || self.only_wasted || self.only_changes
    }
}

/// One line of the tree.
#[derive(Debug, Clone)]
pub struct Row {
    pub node: NodeId,
    pub depth: usize,
    pub name: String,
    pub is_dir: bool,
    pub expanded: bool,
    pub bytes: u64,
    pub mark: Mark,
    /// The final image no longer shows this version.
    pub wasted: bool,
    pub group: Group,
}

impl Explorer {
    /// The explorer of a loaded image (its entries; nothing is read again).
    pub fn new(image: &LoadedImage) -> Explorer {
        let created_by = image.config.created_by(image.layers.len());
        let mut ex = Explorer {
            nodes: vec![Node {
                name: "".into(),
                parent: ROOT,
                children: Vec::new(),
            }],
            changes: Vec::new(),
            final_owner: Vec::new(),
            layers: Vec::new(),
        };
        for (i, layer) in image.layers.iter().enumerate() {
            let mut changes = Vec::with_capacity(layer.scan.entries.len());
            layer.scan.entries.for_each(|e| {
                let path = String::from_utf8_lossy(e.path);
                let change = match e.kind {
                    KindRef::File(size) => Change::File(size),
                    KindRef::Dir => Change::Dir,
                    KindRef::Whiteout => Change::Whiteout,
                    KindRef::Opaque => Change::Opaque,
                    KindRef::Unsupported(_) => return,
                    _ => Change::File(0),
                };
                changes.push((ex.intern(&path), change));
            });
            let created_by = created_by
                .as_ref()
                .and_then(|c| c[i].clone())
                .unwrap_or_default();
            let bytes = changes
                .iter()
                .map(|(_, c)| if let Change::File(s) = c { *s } else { 0 })
                .sum();
            ex.layers.push(LayerInfo {
                index: i,
                created_by,
                bytes,
                wasted: 0,
                entries: changes.len(),
            });
            ex.changes.push(changes);
        }
        ex.settle();
        ex
    }

    fn intern(&mut self, path: &str) -> NodeId {
        let mut cur = ROOT;
        for name in path.split('/').filter(|c| !c.is_empty()) {
            let kids = &self.nodes[cur as usize].children;
            let found = kids.binary_search_by(|&c| self.nodes[c as usize].name.as_ref().cmp(name));
            cur = match found {
                Ok(i) => kids[i],
                Err(i) => {
                    let id = self.nodes.len() as NodeId;
                    self.nodes.push(Node {
                        name: name.into(),
                        parent: cur,
                        children: Vec::new(),
                    });
                    self.nodes[cur as usize].children.insert(i, id);
                    id
                }
            };
        }
        cur
    }

    /// Which layer's version each path shows at the end, and each layer's waste.
    fn settle(&mut self) {
        let last = self.stack(self.layers.len(), None);
        self.final_owner = last
            .states
            .iter()
            .map(|s| (s.present && !s.is_dir).then_some(s.owner))
            .collect();
        for (i, changes) in self.changes.iter().enumerate() {
            self.layers[i].wasted = changes
                .iter()
                .filter_map(|&(n, c)| match c {
                    Change::File(s) if self.final_owner[n as usize] != Some(i as u16) => Some(s),
                    _ => None,
                })
                .sum();
        }
    }

    /// The full path of a node.
    pub fn path(&self, node: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = node;
        while cur != ROOT {
            parts.push(self.nodes[cur as usize].name.as_ref());
            cur = self.nodes[cur as usize].parent;
        }
        parts.reverse();
        parts.join("/")
    }

    /// The node of a path, if any layer has it.
    pub fn find(&self, path: &str) -> Option<NodeId> {
        let mut cur = ROOT;
        for name in path.split('/').filter(|c| !c.is_empty()) {
            let kids = &self.nodes[cur as usize].children;
            let i = kids
                .binary_search_by(|&c| self.nodes[c as usize].name.as_ref().cmp(name))
                .ok()?;
            cur = kids[i];
        }
        Some(cur)
    }

    /// The filesystem as of `layer`, with what that layer changed.
    pub fn snapshot(&self, layer: usize) -> Snapshot {
        self.stack(layer + 1, Some(layer))
    }

    /// The first `count` layers stacked; the `selected` one's changes marked
    /// (its deletions kept, marked removed).
    fn stack(&self, count: usize, selected: Option<usize>) -> Snapshot {
        let layer = selected.unwrap_or(count.saturating_sub(1));
        let mut states = vec![State::default(); self.nodes.len()];
        states[ROOT as usize].present = true;
        states[ROOT as usize].is_dir = true;
        for (i, changes) in self.changes.iter().enumerate().take(count) {
            let selected = selected == Some(i);
            // Deletions hide the layers below, so they go first.
            for &(n, c) in changes {
                match c {
                    Change::Whiteout => self.remove(&mut states, n, selected, false),
                    Change::Opaque => self.remove(&mut states, n, selected, true),
                    _ => {}
                }
            }
            for &(n, c) in changes {
                let is_dir = match c {
                    Change::Dir => true,
                    Change::File(_) => false,
                    _ => continue,
                };
                self.ensure_parents(&mut states, n, i as u16, selected);
                let s = &mut states[n as usize];
                let was = s.present && s.mark != Some(Mark::Removed);
                let size = if let Change::File(b) = c { b } else { 0 };
                *s = State {
                    present: true,
                    is_dir,
                    bytes: size,
                    owner: i as u16,
                    mark: selected.then_some(if was && !(is_dir && s.is_dir) {
                        Mark::Modified
                    } else if was {
                        s.mark.unwrap_or(Mark::Unchanged)
                    } else {
                        Mark::Added
                    }),
                };
            }
        }
        self.sum_dirs(&mut states);
        Snapshot { layer, states }
    }

    /// Removes a path (or, `children_only`, what is below it) from the
    /// stacked layers; in the selected layer, marked removed instead.
    fn remove(&self, states: &mut [State], n: NodeId, selected: bool, children_only: bool) {
        let mut stack: Vec<NodeId> = if children_only {
            self.nodes[n as usize].children.clone()
        } else {
            vec![n]
        };
        while let Some(x) = stack.pop() {
            let s = &mut states[x as usize];
            if !s.present {
                continue;
            }
            if selected {
                s.mark = Some(Mark::Removed);
            } else {
                s.present = false;
            }
            stack.extend(&self.nodes[x as usize].children);
        }
        if selected {
            self.mark_ancestors(states, n, children_only);
        }
    }

    /// Directories holding a change of the selected layer are modified.
    fn mark_ancestors(&self, states: &mut [State], n: NodeId, from_self: bool) {
        let mut cur = if from_self {
            n
        } else {
            self.nodes[n as usize].parent
        };
        while cur != ROOT {
            let s = &mut states[cur as usize];
            if s.present && s.mark.is_none_or(|m| m == Mark::Unchanged) {
                s.mark = Some(Mark::Modified);
            }
            cur = self.nodes[cur as usize].parent;
        }
    }

    /// Directories above a new entry (tar extractors make missing ones).
    fn ensure_parents(&self, states: &mut [State], n: NodeId, layer: u16, selected: bool) {
        let mut cur = self.nodes[n as usize].parent;
        while cur != ROOT {
            let s = &mut states[cur as usize];
            if s.present && s.mark != Some(Mark::Removed) {
                if selected && s.mark.is_none() {
                    s.mark = Some(Mark::Modified);
                }
            } else {
                *s = State {
                    present: true,
                    is_dir: true,
                    bytes: 0,
                    owner: layer,
                    mark: selected.then_some(Mark::Added),
                };
            }
            cur = self.nodes[cur as usize].parent;
        }
    }

    /// A directory's bytes: the files below it (removed ones not counted).
    fn sum_dirs(&self, states: &mut [State]) {
        // A node is interned after its parent: one backward pass adds each
        // node, its own subtree already summed, to its parent.
        for id in (1..self.nodes.len()).rev() {
            let s = states[id];
            if s.present && s.mark != Some(Mark::Removed) {
                states[self.nodes[id].parent as usize].bytes += s.bytes;
            }
        }
    }

    /// Whether the version a snapshot shows is gone from the final image.
    fn wasted(&self, snap: &Snapshot, n: NodeId) -> bool {
        let s = snap.states[n as usize];
        !s.is_dir && s.present && self.final_owner[n as usize] != Some(s.owner)
    }

    /// A node's size and mark in a snapshot (`None`: absent then).
    pub fn state(&self, snap: &Snapshot, n: NodeId) -> Option<(u64, Mark, bool)> {
        let s = snap.states[n as usize];
        s.present
            .then(|| (s.bytes, s.mark.unwrap_or(Mark::Unchanged), s.is_dir))
    }

    /// The rows a view shows of a snapshot, depth first.
    pub fn rows(&self, snap: &Snapshot, view: &View) -> Vec<Row> {
        let keep = view.filtering().then(|| self.kept(snap, view));
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, usize)> = self
            .ordered(snap, ROOT, view.sort)
            .into_iter()
            .rev()
            .map(|c| (c, 0))
            .collect();
        while let Some((n, depth)) = stack.pop() {
            if keep.as_ref().is_some_and(|k| !k.contains(&n)) {
                continue;
            }
            let s = snap.states[n as usize];
            let path = self.path(n);
            // Filtering opens every directory on the way to a match.
            let expanded = s.is_dir && (keep.is_some() || view.expanded.contains(&n));
            out.push(Row {
                node: n,
                depth,
                name: self.nodes[n as usize].name.to_string(),
                is_dir: s.is_dir,
                expanded,
                bytes: s.bytes,
                mark: s.mark.unwrap_or(Mark::Unchanged),
                wasted: self.wasted(snap, n),
                group: paths::group(&path, &paths::classify(&path)),
            });
            if expanded {
                for c in self.ordered(snap, n, view.sort).into_iter().rev() {
                    stack.push((c, depth + 1));
                }
            }
        }
        out
    }

    /// The present children of `n`, in the view's order.
    fn ordered(&self, snap: &Snapshot, n: NodeId, sort: Sort) -> Vec<NodeId> {
        let mut kids: Vec<NodeId> = self.nodes[n as usize]
            .children
            .iter()
            .copied()
            .filter(|&c| snap.states[c as usize].present)
            .collect();
        if sort == Sort::Size {
            kids.sort_by_key(|&c| std::cmp::Reverse(snap.states[c as usize].bytes));
        }
        kids
    }

    /// The files a filtering view keeps, and every directory above them.
    fn kept(&self, snap: &Snapshot, view: &View) -> HashSet<NodeId> {
        let mut keep = HashSet::new();
        for (id, s) in snap.states.iter().enumerate().skip(1) {
            let n = id as NodeId;
            if !s.present || s.is_dir {
                continue;
            }
            let mark = s.mark.unwrap_or(Mark::Unchanged);
            if s.bytes < view.min_bytes
                || (view.only_changes && mark == Mark::Unchanged)
                || (view.only_wasted && !self.wasted(snap, n))
                || view
                    .glob
                    .as_ref()
                    .is_some_and(|g| !g.is_match(self.path(n)))
            {
                continue;
            }
            let mut cur = n;
            while cur != ROOT && keep.insert(cur) {
                cur = self.nodes[cur as usize].parent;
            }
        }
        keep
    }

    /// Bytes per group of the files a snapshot shows (removed ones not).
    pub fn groups(&self, snap: &Snapshot) -> Vec<(Group, u64)> {
        let mut bytes = std::collections::BTreeMap::new();
        for (id, s) in snap.states.iter().enumerate().skip(1) {
            if s.present && !s.is_dir && s.mark != Some(Mark::Removed) {
                let path = self.path(id as NodeId);
                *bytes
                    .entry(paths::group(&path, &paths::classify(&path)))
                    .or_insert(0) += s.bytes;
            }
        }
        let mut out: Vec<(Group, u64)> = bytes.into_iter().collect();
        out.sort_by_key(|&(g, b)| (std::cmp::Reverse(b), g));
        out
    }

    /// Every directory of a snapshot (to expand all).
    pub fn dirs<'s>(&self, snap: &'s Snapshot) -> impl Iterator<Item = NodeId> + 's {
        (1..self.nodes.len() as NodeId).filter(|&n| {
            let s = snap.states[n as usize];
            s.present && s.is_dir
        })
    }
}
