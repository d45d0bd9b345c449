//! Applying fixes: edits that do not overlap are applied in one pass;
//! overlapping ones wait for the next pass (like ruff), so each fix is
//! applied whole or not at all.

use crate::finding::{Applicability, Edit, Finding, Fix};

/// The result of applying fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices (into the findings given) of the fixes applied.
    pub applied: Vec<usize>,
}

/// Applies the fixes of `findings` allowed by `max` (safe only, or safe
/// and unsafe) to `source`. Fixes whose edits overlap an earlier fix are
/// skipped.
pub fn apply(source: &str, findings: &[Finding], max: Applicability) -> Applied {
    let mut chosen: Vec<(usize, &Fix)> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.fix.as_ref().map(|x| (i, x)))
        .filter(|(_, fix)| fix.applicability <= max)
        .collect();
    chosen.sort_by_key(|(_, f)| f.edits.iter().map(|e| e.span.start).min().unwrap_or(0));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut edits: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for (i, fix) in chosen {
        let overlaps = fix.edits.iter().any(|e| {
            taken.iter().any(|(s, t)| {
                // Two insertions at the same point conflict too (order unknown).
                e.span.start < *t && *s < e.span.end.max(e.span.start + 1)
                    || (e.span.start == *s && e.span.is_empty())
            })
        });
        if overlaps
            || fix.edits.iter().any(|e| {
                e.span.end > source.len()
                    || !source.is_char_boundary(e.span.start)
                    || !source.is_char_boundary(e.span.end)
            })
        {
            continue;
        }
        for e in &fix.edits {
            taken.push((e.span.start, e.span.end.max(e.span.start + 1)));
            edits.push(e);
        }
        applied.push(i);
    }
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len());
    let mut pos = 0;
    for e in edits {
        out.push_str(&source[pos..e.span.start]);
        out.push_str(&e.content);
        pos = e.span.end;
    }
    out.push_str(&source[pos..]);
    applied.sort_unstable();
    Applied { text: out, applied }
}
