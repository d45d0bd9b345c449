//! Every entry `slim` removes, with why: the audit log (`--audit FILE`,
//! JSON lines) and the per-class totals of the summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::plan::{LayerPlan, Reason};
use super::rules::DropRules;
use crate::error::{ImageError, Result};
use crate::layer::{Entry, EntryKind};

/// One removed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLine {
    /// Root-relative path, as the layer stores it.
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink` or `other`.
    pub kind: &'static str,
    /// Regular-file bytes no longer stored (0 for a hard link's target whose
    /// bytes a kept link now stores: see `kept_at`).
    pub bytes: u64,
    /// `unreachable` (deleted or overwritten by a later layer), a `--drop`
    /// class, or `path:GLOB`.
    pub class: String,
    /// The layer that stored it, from 0 at the bottom.
    pub layer: usize,
    /// Where the bytes of a removed hard-link target are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_at: Option<String>,
}

/// What one class of removals adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassTotal {
    pub class: String,
    pub entries: usize,
    pub bytes: u64,
}

fn kind_name(kind: &EntryKind) -> &'static str {
    match kind {
        EntryKind::File(_) => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink(_) => "symlink",
        EntryKind::Hardlink(_) => "hardlink",
        _ => "other",
    }
}

/// The removed entries of one layer (whiteouts and opaque markers, which
/// store nothing, left out).
pub(super) fn layer_audit(
    layer: usize,
    entries: &[Entry],
    plan: &LayerPlan,
    rules: &DropRules,
) -> Vec<AuditLine> {
    let reasons: BTreeMap<usize, Reason> = plan.removed.iter().copied().collect();
    let kept_at: BTreeMap<usize, usize> = plan.materialise.iter().map(|&(l, t)| (t, l)).collect();
    let path = |i: usize| String::from_utf8_lossy(&entries[i].path).into_owned();
    entries
        .iter()
        .enumerate()
        .filter(|&(i, e)| {
            !plan.keep[i] && !matches!(e.kind, EntryKind::Whiteout | EntryKind::Opaque)
        })
        .map(|(i, e)| {
            let kept = kept_at.get(&i).map(|&l| path(l));
            let bytes = match e.kind {
                EntryKind::File(size) if kept.is_none() => size,
                _ => 0,
            };
            AuditLine {
                path: path(i),
                kind: kind_name(&e.kind),
                bytes,
                class: reasons
                    .get(&i)
                    .map_or_else(|| "unreachable".to_string(), |&r| rules.label(r)),
                layer,
                kept_at: kept,
            }
        })
        .collect()
}

/// Where removed bytes were: a directory (at most five levels down) and
/// the class of what went from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedFrom {
    pub directory: String,
    pub class: String,
    pub entries: usize,
    pub bytes: u64,
}

/// The directories most bytes were removed from, per class, largest first.
pub(super) fn removed_from(audit: &[AuditLine], top: usize) -> Vec<RemovedFrom> {
    let mut by: BTreeMap<(String, &str), (usize, u64)> = BTreeMap::new();
    for line in audit {
        let parent = line.path.rsplit_once('/').map_or("", |(d, _)| d);
        let directory: Vec<&str> = parent.split('/').take(5).collect();
        let t = by.entry((directory.join("/"), &line.class)).or_default();
        t.0 += 1;
        t.1 += line.bytes;
    }
    let mut out: Vec<RemovedFrom> = by
        .into_iter()
        .map(|((directory, class), (entries, bytes))| RemovedFrom {
            directory,
            class: class.to_string(),
            entries,
            bytes,
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.bytes));
    out.truncate(top);
    out
}

/// Entries and bytes per class, `unreachable` first, then by bytes.
pub(super) fn class_totals(audit: &[AuditLine]) -> Vec<ClassTotal> {
    let mut by: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for line in audit {
        let t = by.entry(&line.class).or_default();
        t.0 += 1;
        t.1 += line.bytes;
    }
    let mut out: Vec<ClassTotal> = by
        .into_iter()
        .map(|(class, (entries, bytes))| ClassTotal {
            class: class.to_string(),
            entries,
            bytes,
        })
        .collect();
    out.sort_by_key(|t| (t.class != "unreachable", std::cmp::Reverse(t.bytes)));
    out
}

/// Writes the audit as JSON lines, atomically: a file beside `path`, renamed.
pub(super) fn write_audit(path: &Path, audit: &[AuditLine]) -> Result<()> {
    let io = ImageError::io(path);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        for line in audit {
            serde_json::to_writer(&mut w, line).map_err(|e| io(e.into()))?;
            w.write_all(b"\n").map_err(io)?;
        }
        w.flush().map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
