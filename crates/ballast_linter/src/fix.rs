//! Applying fixes. A fix is a set of text edits (in the Dockerfile, and for
//! some rules in a file of the build context); fixes whose edits do not
//! overlap are applied together, whole or not at all, and the file is linted
//! and fixed again until nothing changes (like ruff). Every round's result
//! must parse, or the round is undone.

use std::collections::BTreeMap;

use ballast_dockerfile::Dockerfile;

use crate::finding::{Applicability, Edit, Finding};
use crate::{LintError, LintOptions, lint};

/// The result of applying fixes to a Dockerfile alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices (into the findings given) of the fixes applied.
    pub applied: Vec<usize>,
}

/// Chooses the fixes to apply: allowed by `max`, in source order, skipping
/// any whose edits overlap an edit already chosen (in the same file).
pub fn plan(findings: &[Finding], max: Applicability) -> Vec<usize> {
    let mut order: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.fix.as_ref().is_some_and(|x| x.applicability <= max))
        .map(|(i, _)| i)
        .collect();
    let first = |i: &usize| {
        let fix = findings[*i].fix.as_ref().expect("fix");
        fix.edits.iter().map(|e| e.span.start).min().unwrap_or(0)
    };
    order.sort_by_key(first);
    let mut taken: Vec<(Option<&str>, usize, usize)> = Vec::new();
    let mut chosen = Vec::new();
    for i in order {
        let fix = findings[i].fix.as_ref().expect("fix");
        // An insertion is treated as covering one byte so that two
        // insertions at the same place (order unknown) conflict.
        let range = |e: &Edit| (e.span.start, e.span.end.max(e.span.start + 1));
        let overlaps = fix.edits.iter().any(|e| {
            let (s, t) = range(e);
            taken
                .iter()
                .any(|(f, a, b)| *f == e.file.as_deref() && s < *b && *a < t)
        });
        if overlaps {
            continue;
        }
        for e in &fix.edits {
            let (s, t) = range(e);
            taken.push((e.file.as_deref(), s, t));
        }
        chosen.push(i);
    }
    chosen.sort_unstable();
    chosen
}

/// Applies edits to a text; `None` when an edit falls outside it or off a
/// character boundary.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> Option<String> {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        if e.span.end > text.len()
            || e.span.start < pos
            || !text.is_char_boundary(e.span.start)
            || !text.is_char_boundary(e.span.end)
        {
            return None;
        }
        out.push_str(&text[pos..e.span.start]);
        out.push_str(&e.content);
        pos = e.span.end;
    }
    out.push_str(&text[pos..]);
    Some(out)
}

/// Applies the Dockerfile edits of the fixes `plan` chooses.
pub fn apply(source: &str, findings: &[Finding], max: Applicability) -> Applied {
    let chosen = plan(findings, max);
    let edits: Vec<&Edit> = chosen
        .iter()
        .flat_map(|i| findings[*i].fix.as_ref().expect("fix").edits.iter())
        .filter(|e| e.file.is_none())
        .collect();
    let text = apply_edits(source, &edits).unwrap_or_else(|| source.to_string());
    Applied {
        text,
        applied: chosen,
    }
}

/// One fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFix {
    pub code: &'static str,
    pub name: &'static str,
    /// 1-based line of the finding, in the text the round fixed.
    pub line: usize,
    pub message: String,
    pub applicability: Applicability,
    /// Context files the fix changed.
    pub files: Vec<String>,
}

/// What fixing a Dockerfile produced.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    /// The fixed Dockerfile.
    pub text: String,
    /// Context files changed (context-relative path → new text).
    pub files: BTreeMap<String, String>,
    pub applied: Vec<AppliedFix>,
    /// Rounds run (fix, lint again) until nothing changed.
    pub rounds: usize,
    /// Whether the last round still changed something (the bound was hit).
    pub converged: bool,
    /// Findings left after the last round.
    pub remaining: Vec<Finding>,
}

/// The most rounds a fix runs.
pub const MAX_ROUNDS: usize = 10;

/// Fixes a Dockerfile: lints, applies non-overlapping fixes up to `max`,
/// and repeats on the result until nothing changes or [`MAX_ROUNDS`].
/// `read` gives the current text of a context file (for fixes that edit
/// one); the options' `overlay` is updated as context files change.
pub fn fix_until_stable(
    source: &str,
    options: &mut LintOptions<'_>,
    max: Applicability,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Fixed, LintError> {
    let mut text = source.to_string();
    let mut out = Fixed::default();
    for round in 1..=MAX_ROUNDS {
        let df = Dockerfile::parse(&text);
        let outcome = lint(&df, options)?;
        let chosen = plan(&outcome.findings, max);
        if chosen.is_empty() {
            out.text = text;
            out.rounds = round - 1;
            out.converged = true;
            out.remaining = outcome.findings;
            return Ok(out);
        }
        let mut by_file: BTreeMap<Option<String>, Vec<&Edit>> = BTreeMap::new();
        for i in &chosen {
            for e in &outcome.findings[*i].fix.as_ref().expect("fix").edits {
                by_file.entry(e.file.clone()).or_default().push(e);
            }
        }
        let mut new_text = text.clone();
        let mut new_files = out.files.clone();
        let mut ok = true;
        for (file, edits) in &by_file {
            match file {
                None => match apply_edits(&text, edits) {
                    Some(t) => new_text = t,
                    None => ok = false,
                },
                Some(path) => {
                    let current = new_files.get(path).cloned().or_else(|| read(path));
                    match current.and_then(|c| apply_edits(&c, edits)) {
                        Some(t) => {
                            new_files.insert(path.clone(), t);
                        }
                        None => ok = false,
                    }
                }
            }
        }
        // Every round's Dockerfile must parse; otherwise stop before it.
        if !ok || !Dockerfile::parse(&new_text).is_ok() {
            out.text = text;
            out.rounds = round - 1;
            out.converged = false;
            out.remaining = outcome.findings;
            return Ok(out);
        }
        for i in &chosen {
            let f = &outcome.findings[*i];
            let fix = f.fix.as_ref().expect("fix");
            out.applied.push(AppliedFix {
                code: f.rule.code,
                name: f.rule.name,
                line: df.line_col(f.span.start).0,
                message: fix.message.clone(),
                applicability: fix.applicability,
                files: fix.edits.iter().filter_map(|e| e.file.clone()).collect(),
            });
        }
        text = new_text;
        for (k, v) in &new_files {
            options.overlay.insert(k.clone(), v.clone());
        }
        out.files = new_files;
    }
    let df = Dockerfile::parse(&text);
    out.remaining = lint(&df, options)?.findings;
    out.converged = plan(&out.remaining, max).is_empty();
    out.text = text;
    out.rounds = MAX_ROUNDS;
    Ok(out)
}
