//! Applying fixes. A fix is a set of text edits (in the Dockerfile, and for
//! some rules in a file of the build context); fixes whose edits do not
//! overlap are applied together, whole or not at all, and the file is linted
//! and fixed again until nothing changes (like ruff). Every round's result
//! must parse and pass the preservation check against the original
//! ([`crate::preserve`]): a fix whose result loses something of the
//! original is not applied, and is reported with what it would lose.

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

/// A fix that was not applied because its result would lose something of
/// the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub code: &'static str,
    pub name: &'static str,
    /// 1-based line of the finding, in the text the round fixed.
    pub line: usize,
    pub message: String,
    pub losses: Vec<crate::preserve::Loss>,
}

impl Rejected {
    /// What applying it would lose, as one line.
    pub fn lost(&self) -> String {
        if self.losses.is_empty() {
            return "what it edits".to_string();
        }
        let lost: Vec<String> = self.losses.iter().map(|l| l.to_string()).collect();
        lost.join("; ")
    }
}

/// What fixing a Dockerfile produced.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    /// Fixes not applied, with what they would have lost.
    pub rejected: Vec<Rejected>,
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
    let original = options.memo.parse(source);
    let before = options.with_overlay(options.overlay.clone());
    let mut text = source.to_string();
    let mut out = Fixed::default();
    // Fixes found to lose something, by what they edit: never tried again.
    let mut refused: Vec<String> = Vec::new();
    for round in 1..=MAX_ROUNDS {
        let df = options.memo.parse(&text);
        let outcome = lint(&df, options)?;
        let allowed = allowed_findings(&outcome.findings, &text, &refused);
        let mut chosen = plan(&allowed, max);
        // Drop the fixes whose result loses something, one by one.
        let round_result = loop {
            if chosen.is_empty() {
                break None;
            }
            let Some((new_text, new_files)) =
                apply_round(&text, &out.files, &allowed, &chosen, read)
            else {
                break None;
            };
            let after = options.with_overlay(merged(&options.overlay, &new_files));
            let losses =
                crate::preserve::check(&original, &options.memo.parse(&new_text), &before, &after)?;
            if losses.is_empty() {
                break Some((new_text, new_files));
            }
            let culprits = culprits(
                &text, &out.files, &allowed, &chosen, read, &original, &before, options,
            )?;
            if culprits.is_empty() {
                // Only together do they lose something: apply the first alone.
                chosen.truncate(1);
                continue;
            }
            for (i, losses) in culprits {
                let f = &allowed[i];
                let fix = f.fix.as_ref().expect("fix");
                refused.push(signature(&text, f.rule.code, fix));
                out.rejected.push(Rejected {
                    code: f.rule.code,
                    name: f.rule.name,
                    line: df.line_col(f.span.start).0,
                    message: fix.message.clone(),
                    losses,
                });
                chosen.retain(|c| *c != i);
            }
        };
        let Some((new_text, new_files)) = round_result else {
            out.text = text;
            out.rounds = round - 1;
            out.converged = plan(&allowed, max).iter().all(|i| {
                let f = &allowed[*i];
                refused.contains(&signature(
                    &df.source,
                    f.rule.code,
                    f.fix.as_ref().expect("fix"),
                ))
            });
            out.remaining = outcome.findings;
            return Ok(out);
        };
        out.applied
            .extend(chosen.iter().map(|&i| applied_fix(&allowed[i], &df)));
        if new_text == text && new_files == out.files {
            // The edits are already there: nothing more will change.
            out.text = text;
            out.rounds = round;
            out.converged = true;
            out.remaining = outcome.findings;
            return Ok(out);
        }
        text = new_text;
        for (k, v) in &new_files {
            options.overlay.insert(k.clone(), v.clone());
        }
        out.files = new_files;
    }
    let df = options.memo.parse(&text);
    out.remaining = lint(&df, options)?.findings;
    out.converged = plan(&out.remaining, max).is_empty();
    out.text = text;
    out.rounds = MAX_ROUNDS;
    Ok(out)
}

/// The findings of a round, without the fixes found to lose something
/// before (`refused`) or already in the text.
fn allowed_findings(findings: &[Finding], text: &str, refused: &[String]) -> Vec<Finding> {
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if f.fix.as_ref().is_some_and(|x| {
                refused.contains(&signature(text, f.rule.code, x)) || already_applied(text, x)
            }) {
                f.fix = None;
            }
            f
        })
        .collect()
}

/// What a fix applied in a round did, for the report.
fn applied_fix(f: &Finding, df: &Dockerfile) -> AppliedFix {
    let fix = f.fix.as_ref().expect("a chosen finding has a fix");
    AppliedFix {
        code: f.rule.code,
        name: f.rule.name,
        line: df.line_col(f.span.start).0,
        message: fix.message.clone(),
        applicability: fix.applicability,
        files: fix.edits.iter().filter_map(|e| e.file.clone()).collect(),
    }
}

/// Whether a fix's Dockerfile edits are already in the text: an insertion
/// whose content is right there, a replacement that changes nothing. Such a
/// fix is not applied again, so the loop converges.
fn already_applied(text: &str, fix: &crate::finding::Fix) -> bool {
    let own: Vec<&Edit> = fix.edits.iter().filter(|e| e.file.is_none()).collect();
    !own.is_empty()
        && own.iter().all(|e| {
            let (s, t) = (e.span.start, e.span.end);
            if s == t {
                !e.content.trim().is_empty()
                    && (text
                        .get(..s)
                        .is_some_and(|b| b.ends_with(e.content.as_str()))
                        || text
                            .get(s..)
                            .is_some_and(|a| a.starts_with(e.content.as_str())))
            } else {
                text.get(s..t) == Some(e.content.as_str())
            }
        })
}

/// A fix by what it does to the text: the rule, and each edit's replaced
/// text and content.
fn signature(text: &str, code: &str, fix: &crate::finding::Fix) -> String {
    let mut s = code.to_string();
    for e in &fix.edits {
        let old = if e.file.is_none() {
            text.get(e.span.start..e.span.end).unwrap_or("")
        } else {
            ""
        };
        s.push_str(&format!(
            "|{}:{old}->{}",
            e.file.as_deref().unwrap_or(""),
            e.content
        ));
    }
    s
}

fn merged(
    overlay: &BTreeMap<String, String>,
    files: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut m = overlay.clone();
    m.extend(files.iter().map(|(k, v)| (k.clone(), v.clone())));
    m
}

/// The Dockerfile and context files after the chosen fixes; `None` when an
/// edit does not apply or the result does not parse.
fn apply_round(
    text: &str,
    files: &BTreeMap<String, String>,
    findings: &[Finding],
    chosen: &[usize],
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, BTreeMap<String, String>)> {
    let mut by_file: BTreeMap<Option<String>, Vec<&Edit>> = BTreeMap::new();
    for i in chosen {
        for e in &findings[*i].fix.as_ref().expect("fix").edits {
            by_file.entry(e.file.clone()).or_default().push(e);
        }
    }
    let mut new_text = text.to_string();
    let mut new_files = files.clone();
    for (file, edits) in &by_file {
        match file {
            None => new_text = apply_edits(text, edits)?,
            Some(path) => {
                let current = new_files.get(path).cloned().or_else(|| read(path))?;
                new_files.insert(path.clone(), apply_edits(&current, edits)?);
            }
        }
    }
    Dockerfile::parse(&new_text)
        .is_ok()
        .then_some((new_text, new_files))
}

/// The chosen fixes that lose something when applied alone, with what.
#[allow(clippy::too_many_arguments)]
fn culprits(
    text: &str,
    files: &BTreeMap<String, String>,
    findings: &[Finding],
    chosen: &[usize],
    read: &dyn Fn(&str) -> Option<String>,
    original: &Dockerfile,
    before: &LintOptions<'_>,
    options: &LintOptions<'_>,
) -> Result<Vec<(usize, Vec<crate::preserve::Loss>)>, LintError> {
    let mut out = Vec::new();
    for &i in chosen {
        let Some((t, f)) = apply_round(text, files, findings, &[i], read) else {
            out.push((i, Vec::new()));
            continue;
        };
        let after = options.with_overlay(merged(&options.overlay, &f));
        let losses = crate::preserve::check(original, &options.memo.parse(&t), before, &after)?;
        if !losses.is_empty() {
            out.push((i, losses));
        }
    }
    Ok(out)
}
