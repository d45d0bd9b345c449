//! `ballast lint` output: rustc-style terminal diagnostics, versioned JSON,
//! SARIF 2.1.0, GitHub workflow annotations and GitLab Code Quality.

mod ci;
mod json;
mod sarif;
mod terminal;

use ballast_linter::model::ImageEstimate;
use ballast_linter::{Applicability, Finding, SavingsKind, Severity};
use serde::Serialize;

pub use ci::{github, gitlab};
pub use json::{json, json_value};
pub use sarif::sarif;
pub use terminal::terminal;

/// One linted file (or one that could not be linted).
#[derive(Debug)]
pub struct LintedFile {
    /// The path as given (`-` for standard input).
    pub path: String,
    pub source: String,
    pub findings: Vec<Finding>,
    /// Why the file could not be linted.
    pub error: Option<String>,
    /// The image it builds, now and after the fixes (when predicted).
    pub image: Option<ImageEstimate>,
    /// Where each line of `source` starts (filled on first use; leave it
    /// `Default::default()`): positions of many findings cost a search each.
    pub line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl LintedFile {
    /// 1-based (line, column) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.source.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        (line, self.source[start..offset].chars().count() + 1)
    }

    /// (line, column, end line, end column) of a finding.
    pub fn region(&self, f: &Finding) -> (usize, usize, usize, usize) {
        let (l1, c1) = self.line_col(f.span.start);
        let (l2, c2) = self.line_col(f.span.end.max(f.span.start));
        (l1, c1, l2, c2)
    }
}

/// Totals over all files.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files that could not be linted.
    pub input_errors: usize,
    pub fixable: Fixable,
    pub savings: SavingsTotals,
    /// The images the files build, added up (see [`ImageTotals`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageTotals>,
}

/// The predicted images, now and with the fixes applied, added up over
/// the files; `savings.image_bytes` is their difference.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct ImageTotals {
    pub predicted_bytes: u64,
    pub predicted_after_fixes_bytes: u64,
    pub safe_after_fixes_bytes: u64,
    /// The built image's bytes, with `--image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_bytes: Option<u64>,
    pub basis: String,
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Fixable {
    pub safe: usize,
    #[serde(rename = "unsafe")]
    pub unsafe_: usize,
}

/// Savings per kind. Findings pointing at the same place with the same
/// kind of saving count once (the largest), so two rules explaining the
/// same bytes do not double the total.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct SavingsTotals {
    /// What `ballast fix`'s fixes save: the model's image less its image
    /// with the fixes made.
    pub image_bytes: u64,
    /// What the findings without a fix ballast writes would save besides,
    /// each thing once: advice, not in `image_bytes`.
    pub advised_image_bytes: u64,
    pub rebuild_bytes: u64,
    pub context_bytes: u64,
}

/// The savings totals in words: `4.5 GB smaller image`, ...
pub fn savings_parts(t: &SavingsTotals) -> Vec<String> {
    use crate::bytes::format_bytes;
    let mut parts = Vec::new();
    if t.image_bytes > 0 {
        parts.push(format!("{} smaller image", format_bytes(t.image_bytes)));
    }
    if t.advised_image_bytes > 0 {
        parts.push(format!(
            "{} more from changes ballast advises but does not write",
            format_bytes(t.advised_image_bytes)
        ));
    }
    if t.rebuild_bytes > 0 {
        parts.push(format!(
            "{} less reinstalled per code change",
            format_bytes(t.rebuild_bytes)
        ));
    }
    if t.context_bytes > 0 {
        parts.push(format!(
            "{} less build context",
            format_bytes(t.context_bytes)
        ));
    }
    parts
}

/// Sums findings, fixes and savings.
pub fn summarize(files: &[LintedFile]) -> Summary {
    let mut s = Summary {
        files: files.len(),
        ..Summary::default()
    };
    for file in files {
        if file.error.is_some() {
            s.input_errors += 1;
        }
        let mut seen: Vec<(usize, usize, SavingsKind, u64)> = Vec::new();
        // Bytes several findings name (the same cache, the same lists):
        // counted once, at the largest figure given.
        let mut shared: std::collections::BTreeMap<(SavingsKind, &str), u64> = Default::default();
        for f in &file.findings {
            s.findings += 1;
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
            match f.fix.as_ref().map(|x| x.applicability) {
                Some(Applicability::Safe) => s.fixable.safe += 1,
                Some(Applicability::Unsafe) => s.fixable.unsafe_ += 1,
                None => {}
            }
            if let Some(sv) = &f.savings {
                let mut own = sv.bytes;
                for (thing, bytes) in &sv.shared {
                    let entry = shared.entry((sv.kind, thing.as_str())).or_default();
                    *entry = (*entry).max(*bytes);
                    own = own.saturating_sub(*bytes);
                }
                let key = (f.span.start, f.span.end, sv.kind);
                match seen.iter_mut().find(|(a, b, k, _)| (*a, *b, *k) == key) {
                    Some(entry) => entry.3 = entry.3.max(own),
                    None => seen.push((key.0, key.1, key.2, own)),
                }
            }
        }
        let shared = shared
            .into_iter()
            .map(|((kind, _), bytes)| (0, 0, kind, bytes));
        for (_, _, kind, bytes) in seen.into_iter().chain(shared) {
            match kind {
                // The image's saving is the model's (below) when it predicted one.
                SavingsKind::Image if file.image.is_none() => s.savings.image_bytes += bytes,
                SavingsKind::Image => {}
                SavingsKind::Rebuild => s.savings.rebuild_bytes += bytes,
                SavingsKind::Context => s.savings.context_bytes += bytes,
            }
        }
        if let Some(img) = &file.image {
            let t = s.image.get_or_insert_with(ImageTotals::default);
            t.predicted_bytes += img.predicted_bytes;
            t.predicted_after_fixes_bytes += img.predicted_after_fixes_bytes;
            t.safe_after_fixes_bytes += img.safe_after_fixes_bytes;
            if let Some(m) = img.measured_bytes {
                *t.measured_bytes.get_or_insert(0) += m;
            }
            t.basis = img.basis.clone();
            s.savings.image_bytes += img.savings_bytes();
            s.savings.advised_image_bytes += img.advised_savings_bytes;
        }
    }
    s
}
