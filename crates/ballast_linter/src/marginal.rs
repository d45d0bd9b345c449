//! Each finding's image saving as its marginal effect in the image model,
//! so the findings add up to at most the total (issue 15).
//!
//! A rule's findings each estimate what they save on their own; made
//! together, fixes overlap (the cache of a CPU-torch install is smaller than
//! of the CUDA one) and two rules may fix the same thing (a cache
//! `pip-cache-kept` and `cleanup-in-later-layer` both name). So the rules
//! whose findings name a common thing form one group, and the group's
//! saving is the image with every fix but the group's less the image with
//! every fix ([`crate::model::after_fixes`]): what the group adds to the
//! other fixes. The group's findings share that figure in proportion to
//! their own estimates, each named thing counted once. A finding whose fix
//! the model does not see (no fix ballast writes, or one it withholds)
//! is advice: its estimate stays, and the summary states the advice apart
//! from the total, capped by the image left after the fixes.

use std::collections::BTreeMap;

use crate::finding::{Finding, SavingsKind};
use crate::model::{ImageEstimate, Layers, Measured, after_fixes, measure_findings};
use crate::{Applicability, LintError, LintOptions};

/// The findings' image savings made marginal, and the estimate's advice
/// total set. `estimate` is the one [`crate::model::estimate`] made for the
/// same source and options.
pub fn apportion(
    findings: &mut [Finding],
    estimate: &mut ImageEstimate,
    source: &str,
    options: &LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
    image: Option<Layers<'_>>,
) -> Result<(), LintError> {
    let measured = image.map(|layers| Measured {
        layers,
        model: &estimate.model,
    });
    if let Some(m) = measured {
        measure_findings(findings, m);
    }
    let sized: Vec<usize> = (0..findings.len())
        .filter(|&i| image_bytes(&findings[i]) > 0)
        .collect();
    let total = estimate.savings_bytes();
    let mut fixed: Vec<usize> = Vec::new();
    let mut advice: Vec<usize> = Vec::new();
    for group in groups(findings, &sized) {
        let writable: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&i| findings[i].fix.is_some())
            .collect();
        // When no other finding has a fix, the image without the group's
        // fixes is the image as written.
        let alone = findings
            .iter()
            .enumerate()
            .all(|(i, f)| f.fix.is_none() || writable.contains(&i));
        let marginal = if writable.is_empty() {
            0
        } else if alone {
            estimate
                .predicted_bytes
                .saturating_sub(estimate.predicted_after_fixes_bytes)
        } else {
            let mut opts = options.with_overlay(options.overlay.clone());
            for &i in &writable {
                opts.settings.ignore.push(findings[i].rule.code.to_string());
            }
            after_fixes(source, &opts, read, measured, Applicability::Unsafe)?
                .saturating_sub(estimate.predicted_after_fixes_bytes)
        };
        if marginal == 0 {
            advice.extend(&group);
            continue;
        }
        scale(findings, &writable, marginal, Some(MARGINAL));
        fixed.extend(&writable);
        advice.extend(group.iter().filter(|i| !writable.contains(i)));
    }
    // Fixes that only work together (rare) could add up past the total.
    scale(findings, &fixed, total, None);
    let left = estimate.predicted_after_fixes_bytes;
    scale(findings, &advice, left, None);
    share_figures(findings, &fixed, &advice);
    let all: Vec<usize> = fixed.iter().chain(&advice).copied().collect();
    // What the advice adds to the fixes: a thing a fix already saves is
    // not saved again.
    estimate.advised_savings_bytes = once(findings, &all)
        .saturating_sub(once(findings, &fixed))
        .min(left);
    Ok(())
}

/// A thing a fixed finding and an advice both name takes the fixed
/// finding's figure in both, so one thing has one figure.
fn share_figures(findings: &mut [Finding], fixed: &[usize], advice: &[usize]) {
    let mut figure: BTreeMap<String, u64> = BTreeMap::new();
    for &i in fixed {
        for (t, b) in findings[i].savings.iter().flat_map(|s| &s.shared) {
            figure.insert(t.clone(), *b);
        }
    }
    for &i in advice {
        let Some(s) = findings[i].savings.as_mut() else {
            continue;
        };
        for (t, b) in &mut s.shared {
            if let Some(&new) = figure.get(t.as_str()) {
                s.bytes = s.bytes.saturating_sub(*b) + new;
                *b = new;
            }
        }
    }
}

const MARGINAL: &str = "the image model's figure with the other fixes made";

fn image_bytes(f: &Finding) -> u64 {
    f.savings
        .as_ref()
        .filter(|s| s.kind == SavingsKind::Image)
        .map_or(0, |s| s.bytes)
}

/// The sized findings grouped: two findings naming the same thing, or of
/// the same rule with a fix, are in one group (the rule is what a fix run
/// leaves out).
fn groups(findings: &[Finding], sized: &[usize]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..sized.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first_of: BTreeMap<String, usize> = BTreeMap::new();
    for (k, &i) in sized.iter().enumerate() {
        let f = &findings[i];
        let mut keys: Vec<String> = f
            .savings
            .iter()
            .flat_map(|s| s.shared.iter().map(|(t, _)| t.clone()))
            .collect();
        if f.fix.is_some() {
            keys.push(format!("rule:{}", f.rule.code));
        }
        for key in keys {
            match first_of.get(&key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, k), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first_of.insert(key, k);
                }
            }
        }
    }
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &i) in sized.iter().enumerate() {
        out.entry(root(&mut parent, k)).or_default().push(i);
    }
    out.into_values().collect()
}

/// The image bytes of `which`, each named thing once at its largest.
fn once(findings: &[Finding], which: &[usize]) -> u64 {
    let mut things: BTreeMap<&str, u64> = BTreeMap::new();
    let mut own = 0;
    for &i in which {
        let Some(s) = findings[i]
            .savings
            .as_ref()
            .filter(|s| s.kind == SavingsKind::Image)
        else {
            continue;
        };
        let mut rest = s.bytes;
        for (t, b) in &s.shared {
            let e = things.entry(t.as_str()).or_default();
            *e = (*e).max(*b);
            rest = rest.saturating_sub(*b);
        }
        own += rest;
    }
    own + things.values().sum::<u64>()
}

/// Scales the image savings of `which` so they add up (each thing once) to
/// `to` — exactly when `note` is given (a marginal figure), at most
/// otherwise (a cap) — and says so in the basis when a figure changes.
fn scale(findings: &mut [Finding], which: &[usize], to: u64, note: Option<&str>) {
    let now = once(findings, which);
    if now == 0 || now == to || (note.is_none() && now < to) {
        return;
    }
    let part = |b: u64| (u128::from(b) * u128::from(to) / u128::from(now)) as u64;
    let why = match note {
        Some(n) => n.to_string(),
        None if to == 0 => "nothing left to save once the other fixes are made".to_string(),
        None => "scaled to what the image model leaves with the other fixes made".to_string(),
    };
    for &i in which {
        let Some(s) = findings[i].savings.as_mut() else {
            continue;
        };
        let before = s.bytes;
        s.bytes = part(s.bytes);
        s.assumed = part(s.assumed).min(s.bytes);
        for (_, b) in &mut s.shared {
            *b = part(*b);
        }
        if s.bytes != before && !s.basis.contains(&why) {
            s.basis.push_str(&format!(
                "; {} (alone: {})",
                why,
                ballast_ml::units::format_bytes(before)
            ));
        }
    }
}
