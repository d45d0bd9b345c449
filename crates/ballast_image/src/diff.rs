//! Comparing two images: the lesson's comparison table, per-distribution and
//! per-layer deltas, and files added, removed and changed.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::inspection::{Category, PathBytes, Report};

/// One row of the comparison table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: String,
    pub a: u64,
    pub b: u64,
    /// `b - a`.
    pub delta: i64,
    /// `b / a` (`null` when `a` is 0).
    pub ratio: Option<f64>,
}

/// A distribution present in either image.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionDelta {
    pub name: String,
    pub a_version: Option<String>,
    pub b_version: Option<String>,
    pub a_bytes: u64,
    pub b_bytes: u64,
    pub delta: i64,
}

/// A layer of one image only.
#[derive(Debug, Clone, Serialize)]
pub struct LayerBrief {
    pub index: usize,
    pub diff_id: Option<String>,
    pub file_bytes: u64,
    pub created_by: Option<String>,
}

/// Layers shared (same diff_id) and not.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDelta {
    pub shared: usize,
    pub shared_bytes: u64,
    pub only_a: Vec<LayerBrief>,
    pub only_b: Vec<LayerBrief>,
}

/// A file whose size changed.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub path: String,
    pub a_bytes: u64,
    pub b_bytes: u64,
}

/// Files added, removed and changed, largest first (lists capped).
#[derive(Debug, Clone, Serialize)]
pub struct FileDelta {
    pub added_count: usize,
    pub added_bytes: u64,
    pub removed_count: usize,
    pub removed_bytes: u64,
    pub changed_count: usize,
    pub changed_delta_bytes: i64,
    pub added: Vec<PathBytes>,
    pub removed: Vec<PathBytes>,
    pub changed: Vec<FileChange>,
}

/// The comparison of image A with image B.
#[derive(Debug, Clone, Serialize)]
pub struct ImageDiff {
    pub schema_version: u32,
    pub a: String,
    pub b: String,
    pub table: Vec<Row>,
    /// Each image's final filesystem by group ([`crate::inspection::GroupBytes`]).
    pub composition: Vec<GroupRow>,
    pub distributions: Vec<DistributionDelta>,
    pub layers: LayerDelta,
    pub files: FileDelta,
}

fn row(metric: &str, a: u64, b: u64) -> Row {
    Row {
        metric: metric.into(),
        a,
        b,
        delta: b as i64 - a as i64,
        ratio: (a > 0).then(|| b as f64 / a as f64),
    }
}

const LIST: usize = 50;

/// Compares two analysed images; `files_*` are the final files (path, bytes).
pub fn diff(
    a: &Report,
    files_a: &[(String, u64)],
    b: &Report,
    files_b: &[(String, u64)],
) -> ImageDiff {
    ImageDiff {
        schema_version: crate::inspection::SCHEMA_VERSION,
        a: a.image.reference.clone(),
        b: b.image.reference.clone(),
        table: totals(a, b),
        composition: composition(a, b),
        distributions: distributions(a, b),
        layers: layers(a, b),
        files: files(files_a, files_b),
    }
}

/// One composition group in both images.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub group: ballast_ml::paths::Group,
    pub label: &'static str,
    pub a_bytes: u64,
    pub b_bytes: u64,
}

/// The groups either image has, in [`ballast_ml::paths::Group::ALL`]'s order.
fn composition(a: &Report, b: &Report) -> Vec<GroupRow> {
    let bytes = |r: &Report, g| {
        r.composition
            .iter()
            .find(|x| x.group == g)
            .map_or(0, |x| x.bytes)
    };
    ballast_ml::paths::Group::ALL
        .into_iter()
        .map(|group| GroupRow {
            group,
            label: group.label(),
            a_bytes: bytes(a, group),
            b_bytes: bytes(b, group),
        })
        .filter(|g| g.a_bytes > 0 || g.b_bytes > 0)
        .collect()
}

/// The totals side by side, then every category either image holds.
fn totals(a: &Report, b: &Report) -> Vec<Row> {
    let (ta, tb) = (&a.totals, &b.totals);
    let mut table = vec![
        row("size (final files)", ta.final_bytes, tb.final_bytes),
        row("stored in layers", ta.stored_bytes, tb.stored_bytes),
        row(
            "compressed (pull)",
            ta.compressed_bytes,
            tb.compressed_bytes,
        ),
        row("wasted", ta.wasted_bytes, tb.wasted_bytes),
        row("layers", ta.layers as u64, tb.layers as u64),
        row("files", ta.files, tb.files),
    ];
    for c in Category::ALL {
        let (x, y) = (a.categories.bytes(c), b.categories.bytes(c));
        if x > 0 || y > 0 {
            table.push(row(c.label().trim(), x, y));
        }
    }
    table
}

/// The Python distributions whose version or size differs, largest
/// change first.
fn distributions(a: &Report, b: &Report) -> Vec<DistributionDelta> {
    let mut dists: BTreeMap<String, DistributionDelta> = BTreeMap::new();
    for (side, report) in [(0, a), (1, b)] {
        for d in &report.python.distributions {
            let key = ballast_ml::python::normalize_name(&d.name);
            let e = dists.entry(key.clone()).or_insert(DistributionDelta {
                name: key,
                a_version: None,
                b_version: None,
                a_bytes: 0,
                b_bytes: 0,
                delta: 0,
            });
            if side == 0 {
                e.a_version = Some(d.version.clone());
                e.a_bytes += d.bytes;
            } else {
                e.b_version = Some(d.version.clone());
                e.b_bytes += d.bytes;
            }
        }
    }
    let mut distributions: Vec<DistributionDelta> = dists
        .into_values()
        .map(|mut d| {
            d.delta = d.b_bytes as i64 - d.a_bytes as i64;
            d
        })
        .filter(|d| d.delta != 0 || d.a_version != d.b_version)
        .collect();
    distributions.sort_by(|x, y| {
        y.delta
            .abs()
            .cmp(&x.delta.abs())
            .then_with(|| x.name.cmp(&y.name))
    });

    distributions
}

/// The layers both images share (by diff_id) and those only one has.
fn layers(a: &Report, b: &Report) -> LayerDelta {
    let ids_a: HashSet<&str> = a
        .layers
        .iter()
        .filter_map(|l| l.diff_id.as_deref())
        .collect();
    let ids_b: HashSet<&str> = b
        .layers
        .iter()
        .filter_map(|l| l.diff_id.as_deref())
        .collect();
    let brief = |l: &crate::inspection::LayerReport| LayerBrief {
        index: l.index,
        diff_id: l.diff_id.clone(),
        file_bytes: l.file_bytes,
        created_by: l.created_by.clone(),
    };
    let shared: Vec<_> = a
        .layers
        .iter()
        .filter(|l| l.diff_id.as_deref().is_some_and(|d| ids_b.contains(d)))
        .collect();
    LayerDelta {
        shared: shared.len(),
        shared_bytes: shared.iter().map(|l| l.file_bytes).sum(),
        only_a: a
            .layers
            .iter()
            .filter(|l| !l.diff_id.as_deref().is_some_and(|d| ids_b.contains(d)))
            .map(brief)
            .collect(),
        only_b: b
            .layers
            .iter()
            .filter(|l| !l.diff_id.as_deref().is_some_and(|d| ids_a.contains(d)))
            .map(brief)
            .collect(),
    }
}

/// The final files added, removed and changed, largest first.
fn files(files_a: &[(String, u64)], files_b: &[(String, u64)]) -> FileDelta {
    let map_a: HashMap<&str, u64> = files_a.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let map_b: HashMap<&str, u64> = files_b.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut added: Vec<PathBytes> = files_b
        .iter()
        .filter(|(p, _)| !map_a.contains_key(p.as_str()))
        .map(|(p, s)| PathBytes {
            path: p.clone(),
            bytes: *s,
        })
        .collect();
    let mut removed: Vec<PathBytes> = files_a
        .iter()
        .filter(|(p, _)| !map_b.contains_key(p.as_str()))
        .map(|(p, s)| PathBytes {
            path: p.clone(),
            bytes: *s,
        })
        .collect();
    let mut changed: Vec<FileChange> = files_a
        .iter()
        .filter_map(|(p, s)| {
            map_b
                .get(p.as_str())
                .filter(|t| **t != *s)
                .map(|t| FileChange {
                    path: p.clone(),
                    a_bytes: *s,
                    b_bytes: *t,
                })
        })
        .collect();
    let by_bytes =
        |x: &PathBytes, y: &PathBytes| y.bytes.cmp(&x.bytes).then_with(|| x.path.cmp(&y.path));
    added.sort_by(by_bytes);
    removed.sort_by(by_bytes);
    changed.sort_by(|x, y| {
        let dx = (x.b_bytes as i64 - x.a_bytes as i64).abs();
        let dy = (y.b_bytes as i64 - y.a_bytes as i64).abs();
        dy.cmp(&dx).then_with(|| x.path.cmp(&y.path))
    });
    FileDelta {
        added_count: added.len(),
        added_bytes: added.iter().map(|f| f.bytes).sum(),
        removed_count: removed.len(),
        removed_bytes: removed.iter().map(|f| f.bytes).sum(),
        changed_count: changed.len(),
        changed_delta_bytes: changed
            .iter()
            .map(|c| c.b_bytes as i64 - c.a_bytes as i64)
            .sum(),
        added: added.into_iter().take(LIST).collect(),
        removed: removed.into_iter().take(LIST).collect(),
        changed: changed.into_iter().take(LIST).collect(),
    }
}
