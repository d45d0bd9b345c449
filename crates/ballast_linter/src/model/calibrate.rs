//! The model calibrated with a built image (`--image`): each step the
//! history names takes its layer's bytes, split into the package caches and
//! lists the layer measurably holds and the rest; a step a fix changed
//! takes its original layer's bytes less what the fix removes (measured
//! where the image holds it) plus the tables' difference for the rest; and
//! the findings about caches and later cleanups take the bytes the image
//! holds for them, so their savings are exact, not estimates.

use std::collections::BTreeMap;

use super::{Base, ImageModel, Layers, Part, Step, cache_class_of};
use crate::finding::{Finding, SavingsKind};
use ballast_context::rebuild::{MeasuredLayer, normalize_step};

/// A built image and the model of the Dockerfile as written, calibrated
/// with it: what the models of fixed Dockerfiles are calibrated against.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    pub layers: Layers<'a>,
    pub model: &'a ImageModel,
}

impl ImageModel {
    /// Replaces estimates with what a built image measured: each step whose
    /// layer the history names (in order) takes that layer's bytes, and
    /// the layers below the first of them are the base, when the base is
    /// the one the image was built on (`same_base`).
    pub fn calibrate(&mut self, layers: Layers<'_>, same_base: bool) {
        let keys: Vec<Option<String>> = layers
            .iter()
            .map(|l| l.created_by.as_deref().map(normalize_step))
            .collect();
        let mut next = 0;
        let mut first = None;
        for step in &mut self.steps {
            let Some(at) = (next..layers.len()).find(|&j| keys[j].as_deref() == Some(&step.key))
            else {
                continue;
            };
            first.get_or_insert(at);
            next = at + 1;
            step.estimated = std::mem::take(&mut step.parts);
            step.parts = measured_parts(&step.estimated, &layers[at], at);
            step.bytes = layers[at].bytes;
            step.layer = Some(at);
        }
        if let (Some(first), true) = (first, same_base) {
            let bytes = layers[..first].iter().map(|l| l.bytes).sum();
            let image = self
                .base
                .as_ref()
                .map_or_else(|| "the base".to_string(), |b| b.image.clone());
            self.base = Some(Base {
                image,
                bytes,
                basis: format!("measured: the {first} layer(s) below the first step's"),
            });
            self.not_sized.retain(|n| !n.starts_with("the base image"));
        }
        self.total();
    }

    fn total(&mut self) {
        self.measured_steps = self.steps.iter().filter(|s| s.layer.is_some()).count();
        self.bytes = self.base.as_ref().map_or(0, |b| b.bytes)
            + self.steps.iter().map(|s| s.bytes).sum::<u64>();
    }
}

/// A measured layer as parts: each cache or list the model expected,
/// measured, and the rest of the layer.
fn measured_parts(estimated: &[Part], layer: &MeasuredLayer, at: usize) -> Vec<Part> {
    let mut caches: Vec<Part> = Vec::new();
    for p in estimated {
        let Some(class) = p.cache else { continue };
        if caches.iter().any(|c| c.cache == Some(class)) {
            continue;
        }
        caches.push(Part {
            cache: Some(class),
            ..Part::new(
                p.what.clone(),
                layer.cache(class),
                format!("measured: what layer {} holds there", at + 1),
            )
        });
    }
    let held: u64 = caches.iter().map(|c| c.bytes).sum();
    let rest = Part::new(
        "layer",
        layer.bytes.saturating_sub(held),
        match caches.is_empty() {
            true => format!("measured: layer {} of the image", at + 1),
            false => format!("measured: layer {} of the image less its caches", at + 1),
        },
    );
    std::iter::once(rest).chain(caches).collect()
}

impl Measured<'_> {
    /// Calibrates the model of a fixed Dockerfile: unchanged steps take
    /// their layers; a changed step takes the layer of the step it
    /// replaces (same stage and instruction, in order) adjusted by what
    /// the fix changes.
    pub fn apply(self, fixed: &mut ImageModel) {
        // The base is what lies below the original's first step: a fix may
        // change that step, and the first layer a fixed step takes is then
        // higher up.
        fixed.calibrate(self.layers, false);
        let image = |m: &ImageModel| m.base.as_ref().map(|b| b.image.clone());
        if image(fixed) == image(self.model) {
            fixed.base = self.model.base.clone();
            fixed
                .not_sized
                .retain(|n| !n.starts_with("the base image") || self.model.base.is_none());
        }
        let claimed: Vec<usize> = fixed.steps.iter().filter_map(|s| s.layer).collect();
        let mut open: Vec<&Step> = self
            .model
            .steps
            .iter()
            .filter(|s| s.layer.is_some_and(|l| !claimed.contains(&l)))
            .collect();
        for step in fixed.steps.iter_mut().filter(|s| s.layer.is_none()) {
            let Some(k) = open
                .iter()
                .position(|o| o.stage == step.stage && keyword(&o.key) == keyword(&step.key))
            else {
                continue;
            };
            shift(step, open.remove(k));
        }
        fixed.total();
    }
}

fn keyword(key: &str) -> String {
    key.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// `step` (changed by a fix) from the measured `original`: its layer's
/// bytes, less each part the fix removed (as measured when the image
/// holds it), plus each part it added and the tables' difference for the
/// parts both have.
fn shift(step: &mut Step, original: &Step) {
    let Some(at) = original.layer else { return };
    let mut bytes = i128::from(original.bytes);
    let mut removed = Vec::new();
    for p in &original.estimated {
        if step.parts.iter().any(|q| q.what == p.what) {
            continue;
        }
        let measured = original.parts.iter().find(|q| q.what == p.what);
        bytes -= i128::from(measured.map_or(p.bytes, |q| q.bytes));
        removed.push(p.what.clone());
    }
    for q in &step.parts {
        let before = original.estimated.iter().find(|p| p.what == q.what);
        bytes += i128::from(q.bytes) - i128::from(before.map_or(0, |p| p.bytes));
    }
    let bytes = u64::try_from(bytes.max(0)).unwrap_or(0);
    let less = if removed.is_empty() {
        String::new()
    } else {
        format!(" less its {}", removed.join(", "))
    };
    step.estimated = std::mem::take(&mut step.parts);
    step.parts = vec![Part::new(
        "layer",
        bytes,
        format!(
            "measured: layer {} of the image as written{less}, with the tables' difference for what the fix changes",
            at + 1
        ),
    )];
    step.bytes = bytes;
}

/// Gives the findings about a package cache or list (a shared thing
/// `DIR@LINE`) the bytes the image holds there, and the findings about a
/// later cleanup the bytes of earlier layers the cleanup's layer deletes.
pub fn measure_findings(findings: &mut [Finding], m: Measured<'_>) {
    let step_layer = |line: usize| -> Option<usize> {
        m.model
            .steps
            .iter()
            .find(|s| s.line == line)
            .and_then(|s| s.layer)
    };
    let layer_at = |byte: usize| -> Option<usize> {
        m.model
            .steps
            .iter()
            .find(|s| s.span.start <= byte && byte < s.span.end.max(s.span.start + 1))
            .and_then(|s| s.layer)
    };
    let thing = |key: &str| -> Option<(u64, usize)> {
        let (dir, line) = key.rsplit_once('@')?;
        let class = cache_class_of(dir)?;
        let at = step_layer(line.parse().ok()?)?;
        Some((m.layers[at].cache(class), at))
    };
    for f in findings.iter_mut() {
        let Some(s) = f.savings.as_mut().filter(|s| s.kind == SavingsKind::Image) else {
            continue;
        };
        let mut layers = Vec::new();
        for (key, b) in &mut s.shared {
            if let Some((bytes, at)) = thing(key) {
                s.bytes = s.bytes.saturating_sub(*b) + bytes;
                *b = bytes;
                layers.push((at + 1).to_string());
            }
        }
        if !layers.is_empty() && s.bytes == s.shared.iter().map(|(_, b)| b).sum::<u64>() {
            s.basis = format!(
                "measured: what layer {} of the image holds there",
                layers.join(", ")
            );
            s.assumed = 0;
            s.at_least = false;
        }
    }
    measure_cleanups(findings, &layer_at, m.layers);
}

/// The findings of `cleanup-in-later-layer` in one step share what the
/// step's layer deletes from earlier layers: the things they name as
/// measured, the rest in proportion to their estimates of it.
fn measure_cleanups(
    findings: &mut [Finding],
    layer_at: &dyn Fn(usize) -> Option<usize>,
    layers: Layers<'_>,
) {
    let rule = &crate::rules::size::cleanup_in_later_layer::RULE;
    let mut by_layer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if std::ptr::eq(f.rule, rule)
            && let Some(at) = layer_at(f.span.start)
        {
            by_layer.entry(at).or_default().push(i);
        }
    }
    for (at, group) in by_layer {
        let deleted = layers[at].deleted_below;
        let things: u64 = group
            .iter()
            .filter_map(|&i| findings[i].savings.as_ref())
            .flat_map(|s| s.shared.iter().map(|(_, b)| b))
            .sum();
        // The part of each finding that is not a shared thing; unknown
        // (no size at all) weighs as much as one known byte.
        let weight = |f: &Finding| {
            f.savings.as_ref().map_or(1, |s| {
                s.bytes
                    .saturating_sub(s.shared.iter().map(|(_, b)| b).sum::<u64>())
            })
        };
        let weights: u64 = group.iter().map(|&i| weight(&findings[i])).sum();
        let rest = deleted.saturating_sub(things);
        for &i in &group {
            let w = weight(&findings[i]);
            let share = if weights == 0 {
                0
            } else {
                (u128::from(rest) * u128::from(w) / u128::from(weights)) as u64
            };
            let f = &mut findings[i];
            let shared: u64 = f
                .savings
                .as_ref()
                .map_or(0, |s| s.shared.iter().map(|(_, b)| b).sum());
            let basis = format!(
                "measured: layer {} of the image deletes {} of earlier layers' files",
                at + 1,
                crate::rules::common::human(deleted)
            );
            let s = f
                .savings
                .get_or_insert_with(|| crate::finding::Savings::image(0, String::new()));
            s.bytes = shared + share;
            s.basis = basis;
            s.assumed = 0;
            s.at_least = false;
        }
    }
}
