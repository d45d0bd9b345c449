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

use std::collections::{BTreeMap, HashMap};

use crate::layer::{Entry, EntryKind};

#[derive(Clone, Default)]
struct Info {
    size: i64,
    is_dir: bool,
}

#[derive(Clone, Default)]
struct DNode {
    children: BTreeMap<Box<[u8]>, DNode>,
    info: Info,
}

impl DNode {
    /// dive's `AddPath`: intermediate nodes are created empty, the payload
    /// goes to the last node; a `.wh..wh..` component stops the walk.
    fn add_path(&mut self, path: &[u8], info: Info) {
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let mut node = self;
        for (i, comp) in comps.iter().enumerate() {
            if !node.children.contains_key(*comp) {
                if comp.starts_with(b".wh..wh..") {
                    return;
                }
                node.children.insert((*comp).into(), DNode::default());
            }
            node = node.children.get_mut(*comp).expect("inserted");
            if i == comps.len() - 1 {
                node.info = info.clone();
            }
        }
    }

    fn get(&self, path: &[u8]) -> Option<&DNode> {
        let mut node = self;
        for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            node = node.children.get(comp)?;
        }
        Some(node)
    }

    fn remove(&mut self, path: &[u8]) {
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let Some((last, parents)) = comps.split_last() else {
            return;
        };
        let mut node = self;
        for c in parents {
            let Some(n) = node.children.get_mut(*c) else {
                return;
            };
            node = n;
        }
        node.children.remove(*last);
    }

    fn subtree_size(&self) -> i64 {
        self.info.size + self.children.values().map(DNode::subtree_size).sum::<i64>()
    }

    /// Child-first, sorted visit of every node with its path and name.
    fn visit<'a>(&'a self, prefix: &mut Vec<u8>, out: &mut Vec<(Vec<u8>, &'a DNode)>) {
        for (name, child) in &self.children {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(name);
            child.visit(prefix, out);
            out.push((prefix.clone(), child));
            prefix.truncate(len);
        }
    }
}

/// The layer tree dive builds from one layer's tar headers.
fn layer_tree(entries: &[Entry]) -> (DNode, i64) {
    let mut root = DNode::default();
    let mut size = 0i64;
    for e in entries {
        match &e.kind {
            EntryKind::Opaque => {
                let mut p = e.path.to_vec();
                p.extend_from_slice(b"/.wh..wh..opq");
                root.add_path(&p, Info::default());
            }
            EntryKind::Whiteout => {
                let (parent, name) = match e.path.iter().rposition(|&b| b == b'/') {
                    Some(i) => (&e.path[..=i], &e.path[i + 1..]),
                    None => (&e.path[..0], &e.path[..]),
                };
                let mut p = parent.to_vec();
                p.extend_from_slice(b".wh.");
                p.extend_from_slice(name);
                root.add_path(&p, Info::default());
            }
            kind => {
                let (sz, is_dir) = match kind {
                    EntryKind::File(s) => (*s as i64, false),
                    EntryKind::Dir => (0, true),
                    _ => (0, false),
                };
                size += sz;
                root.add_path(&e.path, Info { size: sz, is_dir });
            }
        }
    }
    (root, size)
}

fn strip_whiteout(path: &[u8]) -> (Vec<u8>, bool) {
    let start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    match path[start..].strip_prefix(b".wh.") {
        Some(rest) => {
            let mut p = path[..start].to_vec();
            p.extend_from_slice(rest);
            (p, true)
        }
        None => (path.to_vec(), false),
    }
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

#[derive(Default)]
struct PathData {
    cumulative: i64,
    min: i64,
    count: u32,
}

/// Computes dive's figures from the layers' entries, in order.
pub fn dive_figures<'a>(layers: impl IntoIterator<Item = &'a [Entry]>) -> DiveFigures {
    let mut map: HashMap<Vec<u8>, PathData> = HashMap::new();
    let mut inefficient: Vec<Vec<u8>> = Vec::new();
    let mut stacked: Option<DNode> = None;
    let mut layer_sizes = Vec::new();
    for entries in layers {
        let (tree, size) = layer_tree(entries);
        layer_sizes.push(size.max(0) as u64);
        let lower = stacked.get_or_insert_with(|| tree.clone());
        let mut nodes = Vec::new();
        tree.visit(&mut Vec::new(), &mut nodes);
        for (raw_path, node) in &nodes {
            if !node.children.is_empty() {
                continue; // dive visits leaves only
            }
            let (path, whiteout) = strip_whiteout(raw_path);
            let data = map.entry(path.clone()).or_insert(PathData {
                cumulative: 0,
                min: -1,
                count: 0,
            });
            let size = if whiteout {
                match lower.get(&path) {
                    None => break, // dive aborts the rest of this layer's visit
                    Some(prev) if prev.info.is_dir => prev.subtree_size(),
                    Some(_) => 0,
                }
            } else {
                node.info.size
            };
            data.cumulative += size;
            if data.min < 0 || size < data.min {
                data.min = size;
            }
            data.count += 1;
            if data.count == 2 {
                inefficient.push(path);
            }
        }
        // Stack this layer onto the lower tree (child-first, every node).
        for (raw_path, node) in &nodes {
            let (path, whiteout) = strip_whiteout(raw_path);
            if whiteout {
                lower.remove(&path);
            } else {
                lower.add_path(&path, node.info.clone());
            }
        }
    }
    let (min_sum, cum_sum) = map
        .values()
        .fold((0i64, 0i64), |(m, c), d| (m + d.min, c + d.cumulative));
    let efficiency = if cum_sum == 0 {
        1.0
    } else {
        min_sum as f64 / cum_sum as f64
    };
    let wasted: i64 = inefficient.iter().map(|p| map[p].cumulative).sum();
    let image_size: u64 = layer_sizes.iter().sum();
    let user_size: u64 = layer_sizes.iter().skip(1).sum();
    let wasted_bytes = wasted.max(0) as u64;
    DiveFigures {
        efficiency,
        wasted_bytes,
        user_wasted_percent: (user_size > 0).then(|| wasted_bytes as f64 / user_size as f64),
        layer_sizes,
        image_size,
        user_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let f = dive_figures([l0.as_slice(), l1.as_slice()]);
        // paths: a (100, 100) min 100 cum 200; b min 10 cum 10
        assert_eq!(f.wasted_bytes, 200);
        assert!((f.efficiency - 110.0 / 210.0).abs() < 1e-12);
        assert_eq!(f.user_wasted_percent, Some(2.0));
    }

    #[test]
    fn deleted_directory_raises_the_score() {
        let l0 = vec![dir("cache"), file("cache/x", 500), file("app", 5)];
        let l1 = vec![whiteout("cache")];
        let f = dive_figures([l0.as_slice(), l1.as_slice()]);
        // cache/x: 500 once; app: 5; the whiteout leaf "cache" is charged the
        // subtree (500) and occurs once: no inefficiency.
        assert_eq!(f.wasted_bytes, 0);
        assert_eq!(f.efficiency, 1.0);
    }

    #[test]
    fn whiteout_of_a_missing_path_stops_the_layer() {
        let l0 = vec![file("a", 1)];
        let l1 = vec![whiteout("missing"), file("z", 7)];
        let f = dive_figures([l0.as_slice(), l1.as_slice()]);
        // "missing" leaves min -1; "z" is never visited.
        assert!((f.efficiency - 0.0).abs() < 1e-12);
        assert_eq!(f.layer_sizes, vec![1, 7]);
    }
}
