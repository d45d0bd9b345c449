//! What `slim` may drop from an image without changing its final
//! filesystem: the plan, from the layers' entries alone (no contents).
//!
//! An entry is *hidden* when a later layer makes it unreachable: a
//! whiteout of its path or of a directory above it, an opaque marker on a
//! directory above it, a later non-directory at its path or above it (a file
//! replaces a directory and all below it), a later directory at its path when
//! it is not a directory (directories merge; anything else is replaced), or a
//! later entry at the same path of the same tar. Paths are literal, as in
//! overlay filesystems: nothing is followed through a symbolic link.
//!
//! Every hidden entry is dropped, so nothing a whiteout or an opaque marker
//! hid is left, and they are dropped too. A layer that drops nothing is kept
//! byte for byte (same blob, same diff_id). One case needs more than
//! dropping: a visible hard link whose target a later layer hid; its bytes
//! are reachable through the link. When the target is an earlier entry of
//! the same tar the link is *materialised*: written as a regular file with
//! the target's contents, and the group's other visible links point at it.
//! A target in another layer is refused (it would need that layer's bytes).
//!
//! With rules (`--drop`, `--drop-path`) visible entries the user names go
//! too: every non-directory the rules choose, and a directory they choose
//! only when nothing stays below it (its metadata would change otherwise).

use std::collections::{HashMap, HashSet};

use ballast_ml::droppable::DropClass;

use crate::layer::{Entry, EntryKind};

/// Why a visible entry is removed: the rule that named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// `--drop CLASS`.
    Class(DropClass),
    /// `--drop-path GLOB`, by its position among the globs given.
    Path(usize),
}

/// Which visible paths (root-relative, no leading `/`; whether it is a
/// directory) the user asked to remove, and why; protected paths already
/// left out.
pub type Chooser<'a> = &'a (dyn Fn(&[u8], bool) -> Option<Reason> + Sync);

/// What slimming does to one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerPlan {
    /// For each entry of the layer, in tar order: whether it stays.
    pub keep: Vec<bool>,
    /// Hard links written as regular files: (the link's entry, its
    /// target's entry), indices into the layer's entries.
    pub materialise: Vec<(usize, usize)>,
    /// The group's other visible links: (the link's entry, the materialised
    /// link's entry it now points at).
    pub relink: Vec<(usize, usize)>,
    /// The visible entries removed by a rule, with it (the other dropped
    /// entries were unreachable).
    pub removed: Vec<(usize, Reason)>,
    /// Directories the layer created only through entries it drops, which
    /// must stay: (the entry they are written before, the path), parents
    /// first. A tar extractor creates a missing parent; without the entry
    /// below it the directory would be gone.
    pub add_dirs: Vec<(usize, Box<[u8]>)>,
    /// Regular-file bytes no longer stored (unreachable and removed).
    pub dropped_bytes: u64,
    /// Entries dropped (files, directories, links, whiteouts, markers).
    pub dropped_entries: usize,
}

impl LayerPlan {
    /// Whether the layer stays byte for byte.
    pub fn unchanged(&self) -> bool {
        self.dropped_entries == 0 && self.materialise.is_empty()
    }
}

/// Why an image cannot be slimmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlimRefusal {
    /// A visible hard link whose target cannot be kept for it.
    #[error("layer {layer}: the hard link {path} points at {target}, {why}: not slimmed")]
    HardLink {
        layer: usize,
        path: String,
        target: String,
        why: &'static str,
    },
}

fn refuse_link(layer: usize, link: &Entry, target: &[u8], why: &'static str) -> SlimRefusal {
    SlimRefusal::HardLink {
        layer,
        path: String::from_utf8_lossy(&link.path).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        why,
    }
}

/// What the layers above a layer do to it.
#[derive(Default)]
struct Above {
    /// Paths hidden with everything below them (whiteouts, non-directories).
    subtrees: HashSet<Box<[u8]>>,
    /// Directories whose lower contents are hidden (opaque markers).
    opaque: HashSet<Box<[u8]>>,
    /// Paths where a directory stands: a lower non-directory there is replaced.
    dirs: HashSet<Box<[u8]>>,
}

/// The proper ancestors of a path: `a/b/c` gives `a`, `a/b`.
fn ancestors(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .map(move |(i, _)| &path[..i])
}

impl Above {
    fn hides(&self, e: &Entry) -> bool {
        self.hides_path(&e.path, e.kind == EntryKind::Dir)
    }

    fn hides_path(&self, path: &[u8], dir: bool) -> bool {
        let replaced_by_dir = !dir && self.dirs.contains(path);
        replaced_by_dir
            || self.subtrees.contains(path)
            || ancestors(path).any(|a| self.subtrees.contains(a) || self.opaque.contains(a))
    }

    /// Adds a layer's effect on the layers below it.
    fn add(&mut self, entries: &[Entry]) {
        for e in entries {
            let set = match e.kind {
                EntryKind::Whiteout => &mut self.subtrees,
                EntryKind::Opaque => &mut self.opaque,
                EntryKind::Dir => &mut self.dirs,
                EntryKind::Unsupported(_) => continue,
                _ => &mut self.subtrees,
            };
            set.insert(e.path.clone());
        }
    }
}

/// Which entries of one layer a later entry of the same tar replaces: the
/// same rules as between layers, whiteouts and opaque markers aside (they
/// act on lower layers only).
fn replaced_in_layer(entries: &[Entry]) -> Vec<bool> {
    let mut later = Above::default();
    let mut replaced = vec![false; entries.len()];
    for (i, e) in entries.iter().enumerate().rev() {
        if matches!(
            e.kind,
            EntryKind::Whiteout | EntryKind::Opaque | EntryKind::Unsupported(_)
        ) {
            continue;
        }
        replaced[i] = later.hides(e);
        later.add(std::slice::from_ref(e));
    }
    replaced
}

/// The plan for every layer, lowest first: unreachable entries only.
pub fn plan(layers: &[&[Entry]]) -> Result<Vec<LayerPlan>, SlimRefusal> {
    plan_with(layers, &|_, _| None)
}

/// The plan for every layer, lowest first: unreachable entries, and the
/// visible ones `choose` names.
pub fn plan_with(layers: &[&[Entry]], choose: Chooser<'_>) -> Result<Vec<LayerPlan>, SlimRefusal> {
    let mut plans = vec![];
    let mut removed = vec![];
    let mut implicit = vec![];
    let mut above = Above::default();
    let mut cross_layer = Vec::new();
    for (layer, entries) in layers.iter().enumerate().rev() {
        let replaced = replaced_in_layer(entries);
        let mut keep: Vec<bool> = entries
            .iter()
            .zip(&replaced)
            .map(|(e, &r)| {
                !r && !above.hides(e) && !matches!(e.kind, EntryKind::Whiteout | EntryKind::Opaque)
            })
            .collect();
        removed.push(remove_chosen(entries, &mut keep, choose));
        implicit.push(implicit_dirs(entries, &above));
        let mut links = materialisations(layer, entries, &keep, &replaced)?;
        cross_layer.extend(
            std::mem::take(&mut links.cross_layer)
                .into_iter()
                .map(|i| (layer, i)),
        );
        above.add(entries);
        plans.push(layer_plan(entries, keep, links));
    }
    plans.reverse();
    removed.reverse();
    implicit.reverse();
    remove_chosen_dirs(layers, &mut plans, &mut removed, choose);
    for ((plan, entries), implicit) in plans.iter_mut().zip(layers).zip(implicit) {
        plan.add_dirs = lost_dirs(entries, &plan.keep, implicit);
    }
    for (plan, mut removed) in plans.iter_mut().zip(removed) {
        removed.sort_unstable();
        plan.removed = removed;
    }
    for (layer, i) in cross_layer {
        check_cross_layer_link(layers, &plans, layer, i)?;
    }
    Ok(plans)
}

/// The directories a layer creates without an entry of its own (the
/// parents of its entries a tar extractor makes), not hidden by the layers
/// above: (the first entry below each, its path).
fn implicit_dirs<'e>(entries: &'e [Entry], above: &Above) -> Vec<(usize, &'e [u8])> {
    let explicit: HashSet<&[u8]> = entries.iter().map(|e| e.path.as_ref()).collect();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut out = vec![];
    for (i, e) in entries.iter().enumerate() {
        for a in ancestors(&e.path) {
            if !explicit.contains(a) && seen.insert(a) && !above.hides_path(a, true) {
                out.push((i, a));
            }
        }
    }
    out
}

/// The implicit directories no kept entry of the layer still creates.
fn lost_dirs(
    entries: &[Entry],
    keep: &[bool],
    implicit: Vec<(usize, &[u8])>,
) -> Vec<(usize, Box<[u8]>)> {
    if implicit.is_empty() {
        return vec![];
    }
    let provided: HashSet<&[u8]> = entries
        .iter()
        .zip(keep)
        .filter(|&(_, &k)| k)
        .flat_map(|(e, _)| ancestors(&e.path))
        .collect();
    // `ancestors` gives parents first, so each directory follows its parent.
    implicit
        .into_iter()
        .filter(|(_, a)| !provided.contains(a))
        .map(|(i, a)| (i, a.into()))
        .collect()
}

/// Drops the visible non-directories `choose` names; returns them with why.
fn remove_chosen(
    entries: &[Entry],
    keep: &mut [bool],
    choose: Chooser<'_>,
) -> Vec<(usize, Reason)> {
    let mut removed = vec![];
    for (i, e) in entries.iter().enumerate() {
        if keep[i]
            && e.kind != EntryKind::Dir
            && let Some(reason) = choose(&e.path, false)
        {
            keep[i] = false;
            removed.push((i, reason));
        }
    }
    removed
}

/// Drops the visible directories `choose` names below which nothing stays,
/// in every layer (a lower entry of the same directory would give it back).
fn remove_chosen_dirs(
    layers: &[&[Entry]],
    plans: &mut [LayerPlan],
    removed: &mut [Vec<(usize, Reason)>],
    choose: Chooser<'_>,
) {
    let mut chosen: Vec<(usize, usize, Reason)> = vec![];
    let mut occupied: HashSet<&[u8]> = HashSet::new();
    for (l, entries) in layers.iter().enumerate() {
        for (i, e) in entries
            .iter()
            .enumerate()
            .filter(|&(i, _)| plans[l].keep[i])
        {
            match (e.kind == EntryKind::Dir)
                .then(|| choose(&e.path, true))
                .flatten()
            {
                Some(reason) => chosen.push((l, i, reason)),
                None => occupied.extend(ancestors(&e.path)),
            }
        }
    }
    for (l, i, reason) in chosen {
        if !occupied.contains(layers[l][i].path.as_ref()) {
            plans[l].keep[i] = false;
            plans[l].dropped_entries += 1;
            removed[l].push((i, reason));
        }
    }
}

/// A visible hard link to a path of a lower layer needs the entry it links
/// to when it is extracted, the topmost one below it at that path, to stay.
fn check_cross_layer_link(
    layers: &[&[Entry]],
    plans: &[LayerPlan],
    layer: usize,
    i: usize,
) -> Result<(), SlimRefusal> {
    let link = &layers[layer][i];
    let EntryKind::Hardlink(target) = &link.kind else {
        return Ok(());
    };
    let below = (0..layer).rev().find_map(|l| {
        let at = layers[l].iter().rposition(|e| {
            e.path == *target && !matches!(e.kind, EntryKind::Whiteout | EntryKind::Opaque)
        })?;
        Some(plans[l].keep[at])
    });
    if below == Some(false) {
        let why = "which slim would drop and which another layer stores";
        return Err(refuse_link(layer, link, target, why));
    }
    Ok(())
}

/// The visible hard links whose target in the same tar is dropped (each
/// group's first link becomes a file, the others point at it), and the
/// visible links whose target is in a lower layer, checked once every layer
/// is planned.
fn materialisations(
    layer: usize,
    entries: &[Entry],
    keep: &[bool],
    replaced: &[bool],
) -> Result<Links, SlimRefusal> {
    let mut links = Links::default();
    // Dropped target -> the link that holds its bytes now.
    let mut holders: HashMap<usize, usize> = HashMap::new();
    for (i, target) in link_targets(entries).into_iter().enumerate() {
        let EntryKind::Hardlink(path) = &entries[i].kind else {
            continue;
        };
        if !keep[i] {
            continue;
        }
        match target {
            Some(t) if keep[t] => {}
            Some(t) if !matches!(entries[t].kind, EntryKind::File(_)) => {
                let why = "which is not a regular file and which a later entry hides";
                return Err(refuse_link(layer, &entries[i], path, why));
            }
            Some(t) if replaced[t] => {
                let why = "which an entry of the same layer replaces";
                return Err(refuse_link(layer, &entries[i], path, why));
            }
            Some(t) => match holders.get(&t) {
                Some(&holder) => links.relink.push((i, holder)),
                None => {
                    holders.insert(t, i);
                    links.materialise.push((i, t));
                }
            },
            None => links.cross_layer.push(i),
        }
    }
    Ok(links)
}

/// The visible hard links of a layer that need more than keeping.
#[derive(Default)]
struct Links {
    /// (link, dropped target) in the same tar: the link becomes the file.
    materialise: Vec<(usize, usize)>,
    /// (link, materialised link) of the same group.
    relink: Vec<(usize, usize)>,
    /// Links to a path of a lower layer.
    cross_layer: Vec<usize>,
}

/// For each entry that is a hard link, the entry it links to in its own
/// tar: the last earlier entry at the target path (whiteouts and markers
/// are no entries to link to). One pass: layers can hold many thousands of
/// links (uv hard-links site-packages to its cache).
fn link_targets(entries: &[Entry]) -> Vec<Option<usize>> {
    let mut last: HashMap<&[u8], usize> = HashMap::new();
    let mut targets = vec![None; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        if let EntryKind::Hardlink(target) = &e.kind {
            targets[i] = last.get(target.as_ref()).copied();
        }
        if !matches!(e.kind, EntryKind::Whiteout | EntryKind::Opaque) {
            last.insert(&e.path, i);
        }
    }
    targets
}

fn layer_plan(entries: &[Entry], keep: Vec<bool>, links: Links) -> LayerPlan {
    let mut dropped_bytes = 0;
    let mut dropped_entries = 0;
    for (e, &k) in entries.iter().zip(&keep) {
        if !k {
            dropped_entries += 1;
            if let EntryKind::File(size) = e.kind {
                dropped_bytes += size;
            }
        }
    }
    // A materialised link stores its target's bytes again: they were dropped with it.
    for &(_, t) in &links.materialise {
        if let EntryKind::File(size) = entries[t].kind {
            dropped_bytes -= size;
        }
    }
    LayerPlan {
        keep,
        removed: vec![],
        add_dirs: vec![],
        materialise: links.materialise,
        relink: links.relink,
        dropped_bytes,
        dropped_entries,
    }
}

/// The layer's entries after slimming, as the rewritten tar holds them: the
/// kept ones in order, each materialised link as a file of its target's
/// size, and the other kept links of its group pointing at it.
pub fn slimmed_entries(entries: &[Entry], plan: &LayerPlan) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut changed: HashMap<usize, EntryKind> = HashMap::new();
    for &(link, target) in &plan.materialise {
        changed.insert(link, entries[target].kind.clone()); // a regular file: the plan refuses anything else
    }
    for &(link, holder) in &plan.relink {
        changed.insert(link, EntryKind::Hardlink(entries[holder].path.clone()));
    }
    let mut add = plan.add_dirs.iter().peekable();
    for (i, e) in entries.iter().enumerate() {
        while let Some((_, path)) = add.next_if(|&&(at, _)| at == i) {
            out.push(Entry {
                path: path.clone(),
                kind: EntryKind::Dir,
                captured: None,
            });
        }
        if !plan.keep[i] {
            continue;
        }
        let mut e = e.clone();
        if let Some(kind) = changed.remove(&i) {
            e.kind = kind;
        }
        out.push(e);
    }
    out
}
