//! The layered file tree and its byte accounting.
//!
//! Layers are applied in order with overlay semantics: paths are literal (a
//! lower symlink is not followed; an upper entry under it replaces it with a
//! directory), whiteouts and opaque markers act on lower layers only, a file
//! replaces a directory (and its whole subtree) and a directory replaces a
//! file. Each regular file's bytes are one *content object*; a hard link
//! shares its target's content object, so a hard-link group is counted once.
//!
//! Definitions (see `docs/inspect.md`):
//! - `stored` bytes of a layer: the sizes of the regular files its tar holds;
//! - `visible` bytes of a layer: its content objects still referenced by a
//!   path of the final filesystem;
//! - `wasted` bytes: stored minus visible, i.e. every hidden copy, the
//!   contents of deleted and opaque directories included, the surviving copy
//!   never included.

use std::collections::HashMap;

use thin_vec::ThinVec;

use crate::entries::{Entries, EntryRef, KindRef};
use crate::layer::Captured;

type NodeId = u32;
/// A content object's number: a file's bytes, shared by a hard-link group.
pub type ContentId = u32;
const ROOT: NodeId = 0;

/// What a node of the final tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Dir,
    File(ContentId),
    /// A symbolic link: its target is [`FileTree::link_target`] of this number.
    Symlink(u32),
    Other,
}

/// A node is a few words: its name and a link's target live in shared
/// buffers, as a small allocation per name costs more than the name.
#[derive(Debug)]
struct Node {
    /// The name's start in [`FileTree::names`]; its length is `name_len`.
    name_start: usize,
    name_len: u32,
    parent: NodeId,
    kind: NodeKind,
    /// Children sorted by name (a sorted vector is far smaller than a map).
    children: ThinVec<NodeId>,
    /// The layer that wrote this node last.
    layer: u16,
}

/// The bytes of one regular file as stored by one layer.
#[derive(Debug, Clone)]
pub struct Content {
    /// Size in bytes.
    pub size: u64,
    /// The layer whose tar stores it.
    pub layer: u16,
    /// Paths of the current tree that reference it.
    refs: u32,
}

/// Per-layer accounting after all layers are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerBytes {
    /// Regular-file bytes the layer stores.
    pub stored: u64,
    /// Of those, still visible at the end.
    pub visible: u64,
    /// Regular files, links and special files (directories and whiteout markers excluded).
    pub files: u64,
    /// Bytes of earlier layers' files that this layer's whiteouts delete
    /// (their last path gone): what a cleanup in this layer did not save.
    pub deleted_below: u64,
}

impl LayerBytes {
    /// Stored but hidden or deleted by a later layer.
    pub fn wasted(&self) -> u64 {
        self.stored - self.visible
    }
}

/// A file of the final filesystem.
#[derive(Debug, Clone)]
pub struct VisibleFile<'a> {
    /// Root-relative path.
    pub path: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// The content object (shared by a hard-link group).
    pub content: ContentId,
    /// The layer that stores its bytes.
    pub layer: u16,
    /// Captured content, if any.
    pub captured: Option<&'a Captured>,
}

/// A set of a tree's content objects, a bit each (a hash set of ids would
/// take 40 times the room on an image of tens of thousands of files).
#[derive(Default)]
pub struct ContentSet(bit_set::BitSet);

impl ContentSet {
    /// An empty set with room for every content object of `tree`.
    pub fn new(tree: &FileTree) -> Self {
        ContentSet(bit_set::BitSet::with_capacity(tree.contents.len()))
    }

    /// Adds `id`; whether it was not there.
    pub fn insert(&mut self, id: ContentId) -> bool {
        self.0.insert(id as usize)
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: ContentId) -> bool {
        self.0.contains(id as usize)
    }
}

/// The merged filesystem of an image.
#[derive(Debug)]
pub struct FileTree {
    nodes: Vec<Node>,
    /// Every node's name, one after the other.
    names: Vec<u8>,
    /// Symbolic links' targets, by the number in [`NodeKind::Symlink`].
    link_targets: Vec<Box<[u8]>>,
    /// The captured contents, by content object in increasing order (a few
    /// hundred of them: a field of every content object would cost more).
    captured: Vec<(ContentId, Captured)>,
    contents: Vec<Content>,
    layers: Vec<LayerBytes>,
    /// Hard links whose target did not exist (kept as empty files).
    pub dangling_hardlinks: Vec<String>,
}

impl Default for FileTree {
    fn default() -> Self {
        FileTree::new()
    }
}

impl FileTree {
    /// An empty tree.
    pub fn new() -> Self {
        FileTree {
            nodes: vec![Node {
                name_start: 0,
                name_len: 0,
                parent: ROOT,
                kind: NodeKind::Dir,
                children: ThinVec::new(),
                layer: 0,
            }],
            names: Vec::new(),
            link_targets: Vec::new(),
            captured: Vec::new(),
            contents: Vec::new(),
            layers: Vec::new(),
            dangling_hardlinks: Vec::new(),
        }
    }

    /// Makes room for `entries` more entries, so the tree does not grow by
    /// doubling (and briefly holding two copies) on a large image.
    pub fn reserve(&mut self, entries: usize) {
        self.nodes.reserve_exact(entries);
        self.contents.reserve_exact(entries);
    }

    /// Gives back the room left over from growing (after the last layer:
    /// the tree is then only read).
    pub fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.names.shrink_to_fit();
        self.link_targets.shrink_to_fit();
        self.captured.shrink_to_fit();
        self.contents.shrink_to_fit();
    }

    /// Applies the next layer.
    pub fn apply(&mut self, entries: impl Into<Entries>) {
        let mut entries = entries.into();
        let layer = self.layers.len() as u16;
        self.layers.push(LayerBytes::default());
        // Whiteouts and opaque markers hide lower layers only: apply them first.
        entries.for_each(|e| match e.kind {
            KindRef::Whiteout => {
                // `.wh.` alone names no file: the root is never removed.
                if let Some(id) = self.lookup(e.path).filter(|&id| id != ROOT) {
                    let freed = self.remove(id);
                    self.layers[layer as usize].deleted_below += freed;
                }
            }
            KindRef::Opaque => {
                if let Some(id) = self.lookup(e.path)
                    && self.nodes[id as usize].kind == NodeKind::Dir
                {
                    let children: Vec<NodeId> = self.nodes[id as usize].children.to_vec();
                    for c in children {
                        let freed = self.remove(c);
                        self.layers[layer as usize].deleted_below += freed;
                    }
                }
            }
            _ => {}
        });
        let mut captured = entries.take_captured().into_iter().peekable();
        entries.for_each(|e| {
            let stats = &mut self.layers[layer as usize];
            match e.kind {
                KindRef::Whiteout | KindRef::Opaque => return,
                KindRef::File(size) => {
                    stats.stored += size;
                    stats.files += 1;
                }
                KindRef::Dir => {}
                _ => stats.files += 1,
            }
            let content = captured.next_if(|(i, _)| *i == e.index).map(|(_, c)| c);
            self.add(layer, e, content);
        });
    }

    fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        self.child_pos(parent, name)
            .ok()
            .map(|i| self.nodes[parent as usize].children[i])
    }

    fn child_pos(&self, parent: NodeId, name: &[u8]) -> Result<usize, usize> {
        self.nodes[parent as usize]
            .children
            .binary_search_by(|&c| self.name(c).cmp(name))
    }

    fn name(&self, id: NodeId) -> &[u8] {
        let n = &self.nodes[id as usize];
        &self.names[n.name_start..n.name_start + n.name_len as usize]
    }

    /// The target of the symbolic link numbered `link` ([`NodeKind::Symlink`]).
    pub fn link_target(&self, link: u32) -> &[u8] {
        &self.link_targets[link as usize]
    }

    /// The node at `path`; the empty path is the root.
    fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let mut cur = ROOT;
        if path.is_empty() {
            return Some(cur);
        }
        for comp in path.split(|&b| b == b'/') {
            cur = self.child(cur, comp)?;
        }
        Some(cur)
    }

    /// Unlinks a subtree, releasing its content references; returns the
    /// bytes of earlier layers' contents it released the last path of.
    fn remove(&mut self, id: NodeId) -> u64 {
        let current = self.layers.len().saturating_sub(1) as u16;
        let mut freed = 0;
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let node = &mut self.nodes[n as usize];
            if let NodeKind::File(c) = node.kind {
                let content = &mut self.contents[c as usize];
                content.refs -= 1;
                if content.refs == 0 && content.layer < current {
                    freed += content.size;
                }
            }
            node.kind = NodeKind::Other;
            stack.extend(std::mem::take(&mut node.children));
        }
        let parent = self.nodes[id as usize].parent;
        if let Some(pos) = self.nodes[parent as usize]
            .children
            .iter()
            .position(|&c| c == id)
        {
            self.nodes[parent as usize].children.remove(pos);
        }
        freed
    }

    /// The directory for `path`, creating (or replacing non-directories with)
    /// directories on the way.
    fn ensure_dir(&mut self, path: &[u8], layer: u16) -> NodeId {
        let mut cur = ROOT;
        if path.is_empty() {
            return cur;
        }
        for comp in path.split(|&b| b == b'/') {
            cur = match self.child(cur, comp) {
                Some(id) if self.nodes[id as usize].kind == NodeKind::Dir => id,
                Some(id) => {
                    let _ = self.remove(id);
                    self.new_node(cur, comp, NodeKind::Dir, layer)
                }
                None => self.new_node(cur, comp, NodeKind::Dir, layer),
            };
        }
        cur
    }

    fn new_node(&mut self, parent: NodeId, name: &[u8], kind: NodeKind, layer: u16) -> NodeId {
        let id = self.nodes.len() as NodeId;
        if let NodeKind::File(c) = kind {
            self.contents[c as usize].refs += 1;
        }
        let name_start = self.names.len();
        self.names.extend_from_slice(name);
        self.nodes.push(Node {
            name_start,
            name_len: u32::try_from(name.len()).expect("names are bounded by --max-path-bytes"),
            parent,
            kind,
            children: ThinVec::new(),
            layer,
        });
        let pos = self.child_pos(parent, name).unwrap_or_else(|p| p);
        self.nodes[parent as usize].children.insert(pos, id);
        id
    }

    fn add(&mut self, layer: u16, e: EntryRef<'_, '_>, captured: Option<Captured>) {
        let (parent_path, name) = match e.path.iter().rposition(|&b| b == b'/') {
            Some(i) => (&e.path[..i], &e.path[i + 1..]),
            None => (&e.path[..0], e.path),
        };
        let kind = match e.kind {
            KindRef::Dir => NodeKind::Dir,
            KindRef::File(size) => {
                let id = self.contents.len() as ContentId;
                if let Some(c) = captured {
                    self.captured.push((id, c));
                }
                self.contents.push(Content {
                    size,
                    layer,
                    refs: 0,
                });
                NodeKind::File(id)
            }
            KindRef::Hardlink(target) => {
                match self.lookup(target).map(|t| self.nodes[t as usize].kind) {
                    Some(NodeKind::File(c)) => NodeKind::File(c),
                    _ => {
                        self.dangling_hardlinks
                            .push(String::from_utf8_lossy(e.path).into_owned());
                        let id = self.contents.len() as ContentId;
                        self.contents.push(Content {
                            size: 0,
                            layer,
                            refs: 0,
                        });
                        NodeKind::File(id)
                    }
                }
            }
            KindRef::Symlink(t) => {
                self.link_targets.push(t.into());
                NodeKind::Symlink((self.link_targets.len() - 1) as u32)
            }
            KindRef::Other | KindRef::Unsupported(_) => NodeKind::Other,
            KindRef::Whiteout | KindRef::Opaque => return,
        };
        let parent = self.ensure_dir(parent_path, layer);
        if let Some(existing) = self.child(parent, name) {
            if kind == NodeKind::Dir && self.nodes[existing as usize].kind == NodeKind::Dir {
                self.nodes[existing as usize].layer = layer; // metadata change; children stay
                return;
            }
            let _ = self.remove(existing);
        }
        self.new_node(parent, name, kind, layer);
    }

    /// Accounting per layer (call after the last layer).
    pub fn layer_bytes(&self) -> Vec<LayerBytes> {
        let mut out = self.layers.clone();
        for c in &self.contents {
            if c.refs > 0 {
                out[c.layer as usize].visible += c.size;
            }
        }
        out
    }

    /// Bytes of the final filesystem (each content object once).
    pub fn final_bytes(&self) -> u64 {
        self.contents
            .iter()
            .filter(|c| c.refs > 0)
            .map(|c| c.size)
            .sum()
    }

    /// A content object.
    pub fn content(&self, id: ContentId) -> &Content {
        &self.contents[id as usize]
    }

    /// The captured content of a content object, if the analysis asked for it.
    pub fn captured(&self, id: ContentId) -> Option<&Captured> {
        let i = self.captured.binary_search_by_key(&id, |(c, _)| *c).ok()?;
        Some(&self.captured[i].1)
    }

    /// Calls `visit` with every regular file of the final filesystem, in
    /// path order by component (`a/b` before `a-c`); the path is lent for
    /// the call. No list of every file is made: the tree is walked.
    pub fn for_each_file(&self, mut visit: impl FnMut(&VisibleFile<'_>)) {
        self.walk(|path, node| {
            if let NodeKind::File(c) = node.kind {
                visit(&self.visible(path, c));
            }
        });
    }

    /// The regular file at `path` (root-relative; links are not followed).
    /// A path made readable (a name that is not UTF-8 shows U+FFFD) finds
    /// the file it was made from, as [`FileTree::for_each_file`] shows it.
    pub fn file<'a>(&'a self, path: &'a str) -> Option<VisibleFile<'a>> {
        let id = self
            .lookup(path.as_bytes())
            .or_else(|| self.lookup_readable(path))?;
        match self.nodes[id as usize].kind {
            NodeKind::File(c) => Some(self.visible(path, c)),
            _ => None,
        }
    }

    fn visible<'a>(&'a self, path: &'a str, c: ContentId) -> VisibleFile<'a> {
        let content = &self.contents[c as usize];
        VisibleFile {
            path,
            size: content.size,
            content: c,
            layer: content.layer,
            captured: self.captured(c),
        }
    }

    /// [`FileTree::lookup`] for a path with U+FFFD in it, comparing names as
    /// the walk shows them (rare: a scan of the children where they differ).
    fn lookup_readable(&self, path: &str) -> Option<NodeId> {
        if !path.contains('\u{fffd}') {
            return None;
        }
        let mut cur = ROOT;
        for comp in path.split('/') {
            cur = match self.child(cur, comp.as_bytes()) {
                Some(id) => id,
                None => *self.nodes[cur as usize]
                    .children
                    .iter()
                    .find(|&&c| String::from_utf8_lossy(self.name(c)) == comp)?,
            };
        }
        Some(cur)
    }

    /// How many regular files the final filesystem holds. Removed nodes are
    /// marked `Other`: the files still marked are the visible ones.
    pub fn file_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::File(_)))
            .count()
    }

    /// Every node of the final filesystem, in walk order, with what it is:
    /// `dir`, `other`, `symlink TARGET`, or `file SIZE in layer N` (the layer
    /// storing its bytes) and, for the second and later paths of a hard-link
    /// group, `, linked to FIRST`. Two trees describe alike exactly when
    /// their final filesystems hold the same paths, kinds, sizes and links.
    pub fn describe(&self, visit: impl FnMut(&str, &str)) {
        self.describe_with(|layer| layer, visit);
    }

    /// As [`FileTree::describe`], each storing layer's number mapped by
    /// `layer_of` (`slim --squash-from` merges layers into one).
    pub fn describe_with(&self, layer_of: impl Fn(u16) -> u16, mut visit: impl FnMut(&str, &str)) {
        use std::fmt::Write as _;
        let mut first: HashMap<ContentId, String> = HashMap::new();
        let mut line = String::new();
        self.walk(|path, node| {
            line.clear();
            match &node.kind {
                NodeKind::Dir => line.push_str("dir"),
                NodeKind::Other => line.push_str("other"),
                NodeKind::Symlink(t) => {
                    let t = self.link_target(*t);
                    let _ = write!(line, "symlink {}", String::from_utf8_lossy(t));
                }
                NodeKind::File(c) => {
                    let content = &self.contents[*c as usize];
                    let layer = layer_of(content.layer);
                    let _ = write!(line, "file {} in layer {layer}", content.size);
                    if content.refs > 1 {
                        let head = first.entry(*c).or_insert_with(|| path.to_string());
                        if head != path {
                            let _ = write!(line, ", linked to {head}");
                        }
                    }
                }
            }
            visit(path, &line);
        });
    }

    /// Visits every node below the root, parents before children and
    /// children by name, with its path: one path buffer for the whole walk,
    /// not a string for every node waiting its turn.
    fn walk(&self, mut visit: impl FnMut(&str, &Node)) {
        let mut path = String::new();
        // (node, its next child, the path's length before the node's name)
        let mut stack: Vec<(NodeId, usize, usize)> = vec![(ROOT, 0, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = (top.0, top.1);
            let Some(&child) = self.nodes[id as usize].children.get(next) else {
                let (_, _, len) = stack.pop().unwrap_or_default();
                path.truncate(len);
                continue;
            };
            top.1 += 1;
            let len = path.len();
            if !path.is_empty() {
                path.push('/');
            }
            let node = &self.nodes[child as usize];
            path.push_str(&String::from_utf8_lossy(self.name(child)));
            visit(&path, node);
            stack.push((child, 0, len));
        }
    }

    /// The node kind at a path (literal, no symlinks followed).
    pub fn kind(&self, path: &str) -> Option<&NodeKind> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Some(&self.nodes[ROOT as usize].kind);
        }
        self.lookup(path.as_bytes())
            .map(|id| &self.nodes[id as usize].kind)
    }

    /// Resolves symlinks along a path (at most 40), like the kernel would in
    /// the container. Returns the final path, or `None` if it does not exist.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .rev()
            .map(str::to_string)
            .collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(comp);
            let joined = done.join("/");
            if let &NodeKind::Symlink(link) = self.kind(&joined)? {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                done.pop();
                let target = String::from_utf8_lossy(self.link_target(link));
                if target.starts_with('/') {
                    done.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .rev()
                        .map(str::to_string),
                );
            }
        }
        Some(done.join("/"))
    }

    /// Every symbolic link of the final filesystem: `(path, target)`, in path order.
    pub fn symlinks(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.walk(|path, node| {
            if let NodeKind::Symlink(t) = node.kind {
                let t = self.link_target(t);
                out.push((path.to_string(), String::from_utf8_lossy(t).into_owned()));
            }
        });
        out
    }
}

#[cfg(test)]
mod tests;
