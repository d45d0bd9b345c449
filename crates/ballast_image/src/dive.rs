//! dive's figures, computed the way dive 0.13 computes them, so users can
//! compare. These are *not* ballast's own numbers: dive counts the surviving
//! copy of an overwritten file as waste, never counts the contents of a
//! deleted directory as waste (it adds them to both sides of its efficiency
//! ratio instead), skips opaque whiteouts, and treats only layer 0 as the base.
//!
//! The algorithm follows `dive/filetree/efficiency.go`: one tree per layer
//! built from tar headers; every leaf of every layer tree is an occurrence of
//! its path (whiteout prefix removed); a whiteout's occurrence size is the
//! subtree size the lower stacked layers had at that path when it was a
//! directory (dive's `IsDir`, false for directories only implied by deeper
//! paths), else 0. Quirks are kept: a whiteout of a path that does not exist
//! below stops the visit of the rest of that layer, leaving a minimum of -1.
//!
//! All paths live in one interned trie, so the per-layer trees and dive's
//! stacked tree are sets of node ids: memory stays proportional to the
//! number of distinct paths, not to layers times paths.

use thin_vec::ThinVec;

use crate::entries::{Entries, KindRef};

type Id = u32;
const ROOT: Id = 0;

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Info {
    size: i64,
    is_dir: bool,
}

struct TrieNode {
    parent: Id,
    /// The name's length; it starts at `name_start` in [`Trie::names`].
    name_len: u32,
    name_start: usize,
    /// Children, kept sorted by name (dive visits children in sorted order).
    children: ThinVec<Id>,
}

/// Every distinct path seen, with whiteout names (`.wh.x`) as their own
/// nodes. The names live in one buffer: a small allocation per name would
/// cost more than the name.
struct Trie {
    nodes: Vec<TrieNode>,
    names: Vec<u8>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie::new()
    }
}

impl Trie {
    fn new() -> Self {
        Trie {
            nodes: vec![TrieNode {
                parent: ROOT,
                name_len: 0,
                name_start: 0,
                children: ThinVec::new(),
            }],
            names: Vec::new(),
        }
    }

    fn name(&self, id: Id) -> &[u8] {
        let n = &self.nodes[id as usize];
        &self.names[n.name_start..n.name_start + n.name_len as usize]
    }

    fn child(&self, parent: Id, name: &[u8]) -> Option<Id> {
        let kids = &self.nodes[parent as usize].children;
        kids.binary_search_by(|&c| self.name(c).cmp(name))
            .ok()
            .map(|i| kids[i])
    }

    fn child_or_insert(&mut self, parent: Id, name: &[u8]) -> Id {
        let pos = {
            let kids = &self.nodes[parent as usize].children;
            kids.binary_search_by(|&c| self.name(c).cmp(name))
        };
        match pos {
            Ok(i) => self.nodes[parent as usize].children[i],
            Err(i) => {
                let id = self.nodes.len() as Id;
                let name_start = self.names.len();
                self.names.extend_from_slice(name);
                let node = TrieNode {
                    parent,
                    name_len: u32::try_from(name.len())
                        .expect("names are bounded by --max-path-bytes"),
                    name_start,
                    children: ThinVec::new(),
                };
                self.nodes.push(node);
                self.nodes[parent as usize].children.insert(i, id);
                id
            }
        }
    }

    /// The node for `name` beside `id` with the `.wh.` prefix removed, when `id` is a whiteout.
    fn unwhiteout(&mut self, id: Id) -> Option<Id> {
        let stripped = self.name(id).strip_prefix(b".wh.")?.to_vec();
        let parent = self.nodes[id as usize].parent;
        Some(self.child_or_insert(parent, &stripped))
    }

    fn is_whiteout(&self, id: Id) -> bool {
        self.name(id).starts_with(b".wh.")
    }
}

/// A tree as a set of trie nodes with payloads (a dive `FileTree`), held
/// densely by node id: a layer's tree and the stacked tree each cost a few
/// bytes per path, not a hash map entry.
#[derive(Clone, Default)]
struct Tree {
    /// The payload's size of each node in the tree.
    sizes: Vec<i64>,
    /// Each node's [`PRESENT`] and [`IS_DIR`] bits (none: not in the tree).
    flags: Vec<u8>,
    /// How many present children each node has (a leaf has none).
    present_children: Vec<u32>,
    /// Nodes present.
    len: usize,
}

const PRESENT: u8 = 1;
const IS_DIR: u8 = 2;

impl Tree {
    fn info(&self, id: Id) -> Option<Info> {
        let flags = self.flags.get(id as usize).copied().unwrap_or(0);
        (flags & PRESENT != 0).then(|| Info {
            size: self.sizes[id as usize],
            is_dir: flags & IS_DIR != 0,
        })
    }

    fn contains(&self, id: Id) -> bool {
        id == ROOT || self.info(id).is_some()
    }

    /// Sets a node's payload; true when the node is new to the tree.
    fn set(&mut self, id: Id, info: Info) -> bool {
        let i = id as usize;
        if self.flags.len() <= i {
            self.flags.resize(i + 1, 0);
            self.sizes.resize(i + 1, 0);
        }
        let new = self.flags[i] & PRESENT == 0;
        self.flags[i] = PRESENT | if info.is_dir { IS_DIR } else { 0 };
        self.sizes[i] = info.size;
        self.len += usize::from(new);
        new
    }

    /// Takes a node out; true when it was present.
    fn unset(&mut self, id: Id) -> bool {
        let taken = self
            .flags
            .get_mut(id as usize)
            .is_some_and(|f| std::mem::take(f) & PRESENT != 0);
        self.len -= usize::from(taken);
        taken
    }

    fn count_child(&mut self, parent: Id, added: bool) {
        let i = parent as usize;
        if self.present_children.len() <= i {
            self.present_children.resize(i + 1, 0);
        }
        let c = &mut self.present_children[i];
        *c = if added { *c + 1 } else { c.saturating_sub(1) };
    }

    fn insert_node(&mut self, trie: &Trie, id: Id, info: Info) {
        if self.set(id, info) {
            self.count_child(trie.nodes[id as usize].parent, true);
        }
    }

    /// dive's `AddPath`: intermediate nodes are created empty, the payload
    /// goes to the last node; a `.wh..wh..` component stops the walk.
    fn add_path(&mut self, trie: &mut Trie, comps: &[&[u8]], info: Info) {
        let mut cur = ROOT;
        for (i, comp) in comps.iter().enumerate() {
            let existing = trie.child(cur, comp).filter(|&c| self.contains(c));
            let id = match existing {
                Some(id) => id,
                None => {
                    if comp.starts_with(b".wh..wh..") {
                        return;
                    }
                    let id = trie.child_or_insert(cur, comp);
                    self.insert_node(trie, id, Info::default());
                    id
                }
            };
            if i == comps.len() - 1 {
                self.set(id, info);
            }
            cur = id;
        }
    }

    /// [`Tree::add_path`] of a path the trie already holds, by its node:
    /// the same walk over the node's ancestors, without their names.
    fn add_node(&mut self, trie: &Trie, node: Id, info: Info) {
        let mut ancestors = Vec::new();
        let mut cur = node;
        while cur != ROOT {
            ancestors.push(cur);
            cur = trie.nodes[cur as usize].parent;
        }
        for &id in ancestors.iter().rev() {
            if !self.contains(id) {
                if trie.name(id).starts_with(b".wh..wh..") {
                    return;
                }
                self.insert_node(trie, id, Info::default());
            }
        }
        self.set(node, info);
    }

    fn get(&self, trie: &Trie, id_path: Id) -> Option<Info> {
        // Present when the node and all its ancestors are present.
        let mut cur = id_path;
        while cur != ROOT {
            self.info(cur)?;
            cur = trie.nodes[cur as usize].parent;
        }
        self.info(id_path)
    }

    fn remove(&mut self, trie: &Trie, id: Id) {
        if self.get(trie, id).is_none() {
            return;
        }
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if self.unset(n) {
                self.count_child(trie.nodes[n as usize].parent, false);
                stack.extend(self.children(trie, n));
            }
        }
    }

    /// The children of `n` present in this tree.
    fn children<'t>(&'t self, trie: &'t Trie, n: Id) -> impl Iterator<Item = Id> + 't {
        trie.nodes[n as usize]
            .children
            .iter()
            .copied()
            .filter(|&c| self.info(c).is_some())
    }

    fn subtree_size(&self, trie: &Trie, id: Id) -> i64 {
        let mut total = 0;
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if let Some(i) = self.info(n) {
                total += i.size;
                stack.extend(self.children(trie, n));
            }
        }
        total
    }

    fn is_leaf(&self, id: Id) -> bool {
        self.present_children.get(id as usize).copied().unwrap_or(0) == 0
    }

    /// Child-first, sorted visit order of the present nodes.
    fn visit_order(&self, trie: &Trie) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.len);
        // (node, next child index)
        let mut stack: Vec<(Id, usize)> = vec![(ROOT, 0)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = &trie.nodes[node as usize].children;
            let mut pushed = false;
            while *next < kids.len() {
                let c = kids[*next];
                *next += 1;
                if self.info(c).is_some() {
                    stack.push((c, 0));
                    pushed = true;
                    break;
                }
            }
            if !pushed {
                stack.pop();
                if node != ROOT {
                    out.push(node);
                }
            }
        }
        out
    }
}

/// The layer tree dive builds from one layer's tar headers, and its size.
fn layer_tree(trie: &mut Trie, entries: &Entries) -> (Tree, i64) {
    let mut tree = Tree::default();
    let mut size = 0i64;
    entries.for_each(|e| {
        let mut comps: Vec<&[u8]> = e.path.split(|&b| b == b'/').collect();
        let whiteout_name;
        let info = match e.kind {
            KindRef::Opaque => {
                comps.push(b".wh..wh..opq");
                Info::default()
            }
            KindRef::Whiteout => {
                let last = comps.pop().unwrap_or_default();
                whiteout_name = [b".wh.".as_slice(), last].concat();
                comps.push(&whiteout_name);
                Info::default()
            }
            KindRef::File(s) => {
                size += s as i64;
                Info {
                    size: s as i64,
                    is_dir: false,
                }
            }
            KindRef::Dir => Info {
                size: 0,
                is_dir: true,
            },
            _ => Info::default(),
        };
        tree.add_path(trie, &comps, info);
    });
    (tree, size)
}

/// dive's figures for an image.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveFigures {
    /// dive's efficiency score.
    pub efficiency: f64,
    /// dive's "wasted bytes" (`inefficientBytes`).
    pub wasted_bytes: u64,
    /// dive's user wasted percent, as a fraction; `None` when dive divides by zero.
    pub user_wasted_percent: Option<f64>,
    /// dive's per-layer sizes (sum of tar header sizes).
    pub layer_sizes: Vec<u64>,
    /// dive's image size.
    pub image_size: u64,
    /// dive's user size (every layer but the first).
    pub user_size: u64,
}

#[derive(Clone, Copy)]
struct PathData {
    cumulative: i64,
    min: i64,
    count: u32,
}

impl PathData {
    /// A path not visited yet (`min` is never `i64::MIN` once it is).
    const NONE: PathData = PathData {
        cumulative: 0,
        min: i64::MIN,
        count: 0,
    };
    /// A path visited, before its first occurrence is counted.
    const VISITED: PathData = PathData {
        cumulative: 0,
        min: -1,
        count: 0,
    };

    fn visited(&self) -> bool {
        self.min != i64::MIN
    }
}

/// Computes dive's figures from the layers' entries, in order.
pub fn dive_figures<'a>(layers: impl IntoIterator<Item = &'a Entries>) -> DiveFigures {
    let layers: Vec<&Entries> = layers.into_iter().collect();
    let mut fold = DiveFold::default();
    // About a path per entry, and a few the tar leaves implied (parent
    // directories, whiteouts' targets): room made once instead of by
    // doubling, which leaves up to half of the largest vectors unused.
    let entries: usize = layers.iter().map(|l| l.len()).sum();
    fold.reserve(entries + entries / 16 + 64);
    for entries in layers {
        fold.add(entries);
    }
    fold.finish()
}

/// dive's figures computed one layer at a time.
#[derive(Default)]
struct DiveFold {
    trie: Trie,
    /// Per path (by trie id): its occurrences so far ([`PathData::NONE`]: not visited).
    data: Vec<PathData>,
    inefficient: Vec<Id>,
    stacked: Option<Tree>,
    layer_sizes: Vec<u64>,
}

impl DiveFold {
    fn reserve(&mut self, paths: usize) {
        self.trie.nodes.reserve_exact(paths);
        self.data.reserve_exact(paths);
    }

    /// Adds the next layer.
    fn add(&mut self, entries: &Entries) {
        let (tree, size) = layer_tree(&mut self.trie, entries);
        self.layer_sizes.push(size.max(0) as u64);
        let order = tree.visit_order(&self.trie);
        self.count_occurrences(&tree, &order);
        self.stack(&tree, &order);
    }

    /// Counts every leaf of the layer as an occurrence of its path.
    fn count_occurrences(&mut self, tree: &Tree, order: &[Id]) {
        let DiveFold {
            trie,
            data,
            inefficient,
            stacked,
            ..
        } = self;
        let lower = stacked.get_or_insert_with(|| tree.clone());
        for &node in order {
            if !tree.is_leaf(node) {
                continue; // dive visits leaves only
            }
            let whiteout = trie.is_whiteout(node);
            let key = if whiteout {
                trie.unwhiteout(node).expect("whiteout")
            } else {
                node
            };
            if data.len() <= key as usize {
                data.resize(key as usize + 1, PathData::NONE);
            }
            let d = &mut data[key as usize];
            if !d.visited() {
                *d = PathData::VISITED;
            }
            let size = if whiteout {
                match lower.get(trie, key) {
                    None => break, // dive aborts the rest of this layer's visit
                    Some(prev) if prev.is_dir => lower.subtree_size(trie, key),
                    Some(_) => 0,
                }
            } else {
                tree.info(node).unwrap_or_default().size
            };
            d.cumulative += size;
            if d.min < 0 || size < d.min {
                d.min = size;
            }
            d.count += 1;
            if d.count == 2 {
                inefficient.push(key);
            }
        }
    }

    /// Stacks the layer onto the lower tree (child-first, every node).
    fn stack(&mut self, tree: &Tree, order: &[Id]) {
        let trie = &mut self.trie;
        let lower = self.stacked.as_mut().expect("stacked by count_occurrences");
        for &node in order {
            if trie.is_whiteout(node) {
                let key = trie.unwhiteout(node).expect("whiteout");
                lower.remove(trie, key);
            } else {
                lower.add_node(trie, node, tree.info(node).unwrap_or_default());
            }
        }
    }

    /// dive's figures for the layers added.
    fn finish(self) -> DiveFigures {
        let (min_sum, cum_sum) = self
            .data
            .iter()
            .filter(|d| d.visited())
            .fold((0i64, 0i64), |(m, c), d| (m + d.min, c + d.cumulative));
        let efficiency = if cum_sum == 0 {
            1.0
        } else {
            min_sum as f64 / cum_sum as f64
        };
        let wasted: i64 = self
            .inefficient
            .iter()
            .map(|&p| self.data[p as usize].cumulative)
            .sum();
        let image_size: u64 = self.layer_sizes.iter().sum();
        let user_size: u64 = self.layer_sizes.iter().skip(1).sum();
        let wasted_bytes = wasted.max(0) as u64;
        DiveFigures {
            efficiency,
            wasted_bytes,
            user_wasted_percent: (user_size > 0).then(|| wasted_bytes as f64 / user_size as f64),
            layer_sizes: self.layer_sizes,
            image_size,
            user_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Entry, EntryKind};

    fn file(path: &str, size: u64) -> Entry {
        Entry {
            path: path.as_bytes().into(),
            kind: EntryKind::File(size),
            captured: None,
        }
    }
    fn whiteout(path: &str) -> Entry {
        Entry {
            path: path.as_bytes().into(),
            kind: EntryKind::Whiteout,
            captured: None,
        }
    }
    fn dir(path: &str) -> Entry {
        Entry {
            path: path.as_bytes().into(),
            kind: EntryKind::Dir,
            captured: None,
        }
    }

    #[test]
    fn overwrite_counts_both_copies() {
        let l0 = vec![file("a", 100), file("b", 10)];
        let l1 = vec![file("a", 100)];
        let f = dive_figures([&Entries::from(l0), &Entries::from(l1)]);
        // paths: a (100, 100) min 100 cum 200; b min 10 cum 10
        assert_eq!(f.wasted_bytes, 200);
        assert!((f.efficiency - 110.0 / 210.0).abs() < 1e-12);
        assert_eq!(f.user_wasted_percent, Some(2.0));
    }

    #[test]
    fn deleted_directory_raises_the_score() {
        let l0 = vec![dir("cache"), file("cache/x", 500), file("app", 5)];
        let l1 = vec![whiteout("cache")];
        let f = dive_figures([&Entries::from(l0), &Entries::from(l1)]);
        // cache/x: 500 once; app: 5; the whiteout leaf "cache" is charged the
        // subtree (500) and occurs once: no inefficiency.
        assert_eq!(f.wasted_bytes, 0);
        assert_eq!(f.efficiency, 1.0);
    }

    #[test]
    fn whiteout_of_a_missing_path_stops_the_layer() {
        let l0 = vec![file("a", 1)];
        let l1 = vec![whiteout("missing"), file("z", 7)];
        let f = dive_figures([&Entries::from(l0), &Entries::from(l1)]);
        // "missing" leaves min -1; "z" is never visited.
        assert!((f.efficiency - 0.0).abs() < 1e-12);
        assert_eq!(f.layer_sizes, vec![1, 7]);
    }
}
