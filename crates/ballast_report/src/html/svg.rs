//! The charts of the HTML report, as hand-written inline SVG: a stacked bar,
//! a squarified treemap, a waterfall and grouped bars. Deterministic markup
//! (snapshot-testable, no script needed to draw); every shape carries its
//! exact figure in `data-bytes` (or `data-value`) and a `<title>` the
//! browser shows on hover.

use std::fmt::Write;

use super::{esc, exact};
use crate::bytes::format_bytes;

/// Drawing width in SVG units (the page scales it).
const W: f64 = 1000.0;

/// One layer of the stacked bar.
pub(crate) struct LayerSegment {
    pub index: usize,
    pub label: String,
    /// Stored file bytes.
    pub bytes: u64,
    /// Of those, hidden or deleted by later layers.
    pub wasted: u64,
    pub base: bool,
}

/// The image as one bar, a segment per layer sized by the bytes it stores,
/// its wasted part hatched.
pub(crate) fn layer_bar(layers: &[LayerSegment]) -> String {
    let total: u64 = layers.iter().map(|l| l.bytes).sum();
    let (h, mut x) = (44.0, 0.0);
    let mut out = format!(
        r#"<svg class="chart layer-bar" viewBox="0 0 {W} {h}" role="img" aria-label="stored bytes per layer">"#
    );
    out.push_str(r#"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="var(--waste)" fill-opacity="0.35"/><line x1="0" y1="0" x2="0" y2="6" stroke="var(--waste)" stroke-width="3"/></pattern></defs>"#);
    for l in layers.iter().filter(|l| l.bytes > 0) {
        let width = W * l.bytes as f64 / total as f64;
        let wasted = width * l.wasted as f64 / l.bytes as f64;
        let fill = if l.base {
            "var(--base)"
        } else {
            "var(--yours)"
        };
        let title = format!(
            "layer {}: {} stored ({} bytes), {} wasted ({} bytes) — {}",
            l.index,
            format_bytes(l.bytes),
            exact(l.bytes),
            format_bytes(l.wasted),
            exact(l.wasted),
            l.label
        );
        let _ = write!(
            out,
            r#"<g class="layer" data-index="{}" data-bytes="{}" data-wasted="{}"><title>{}</title><rect x="{x:.2}" y="0" width="{:.2}" height="{h}" fill="{fill}" stroke="var(--bg)" stroke-width="1"/>"#,
            l.index,
            l.bytes,
            l.wasted,
            esc(&title),
            width - wasted,
        );
        if l.wasted > 0 {
            let _ = write!(
                out,
                r#"<rect class="wasted" x="{:.2}" y="0" width="{wasted:.2}" height="{h}" fill="url(#hatch)"/>"#,
                x + width - wasted
            );
        }
        out.push_str("</g>");
        x += width;
    }
    out.push_str("</svg>");
    out
}

/// One cell of a treemap.
pub(crate) struct Cell {
    pub key: String,
    pub label: String,
    pub bytes: u64,
    /// A CSS colour (`var(--cuda)`).
    pub color: String,
}

/// A squarified treemap of the cells (largest first), areas proportional
/// to bytes.
pub(crate) fn treemap(cells: &[Cell], height: f64) -> String {
    let cells: Vec<&Cell> = cells.iter().filter(|c| c.bytes > 0).collect();
    let total: u64 = cells.iter().map(|c| c.bytes).sum();
    let mut out = format!(
        r#"<svg class="chart treemap" viewBox="0 0 {W} {height}" role="img" aria-label="final filesystem by group">"#
    );
    let areas: Vec<f64> = cells
        .iter()
        .map(|c| c.bytes as f64 / total as f64 * W * height)
        .collect();
    for (c, r) in cells
        .iter()
        .zip(squarify(&areas, Rect::new(0.0, 0.0, W, height)))
    {
        let share = 100.0 * c.bytes as f64 / total as f64;
        let title = format!(
            "{}: {} ({} bytes, {share:.1} %)",
            c.label,
            format_bytes(c.bytes),
            exact(c.bytes)
        );
        let _ = write!(
            out,
            r#"<g class="cell" data-key="{}" data-bytes="{}"><title>{}</title><rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}" stroke="var(--bg)" stroke-width="2"/>"#,
            esc(&c.key),
            c.bytes,
            esc(&title),
            r.x,
            r.y,
            r.w,
            r.h,
            c.color
        );
        if r.w > 90.0 && r.h > 36.0 {
            let _ = write!(
                out,
                r#"<text x="{:.2}" y="{:.2}">{}</text><text x="{:.2}" y="{:.2}">{}</text>"#,
                r.x + 6.0,
                r.y + 16.0,
                esc(&c.label),
                r.x + 6.0,
                r.y + 31.0,
                esc(&format_bytes(c.bytes))
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
}

/// Bruls, Huizing and van Wijk's squarified layout: `areas` (largest first,
/// summing to the rectangle's area) laid in rows along the shorter side,
/// a row growing while its worst aspect ratio improves.
pub(crate) fn squarify(areas: &[f64], mut r: Rect) -> Vec<Rect> {
    let mut out = Vec::with_capacity(areas.len());
    let mut rest = areas;
    while !rest.is_empty() {
        let side = r.w.min(r.h);
        let mut n = 1;
        while n < rest.len() && worst(&rest[..=n], side) <= worst(&rest[..n], side) {
            n += 1;
        }
        let (row, tail) = rest.split_at(n);
        let sum: f64 = row.iter().sum();
        let thick = if side > 0.0 { sum / side } else { 0.0 };
        let mut along = 0.0;
        for &a in row {
            let len = if thick > 0.0 { a / thick } else { 0.0 };
            out.push(if r.w >= r.h {
                Rect::new(r.x, r.y + along, thick, len)
            } else {
                Rect::new(r.x + along, r.y, len, thick)
            });
            along += len;
        }
        if r.w >= r.h {
            r = Rect::new(r.x + thick, r.y, r.w - thick, r.h);
        } else {
            r = Rect::new(r.x, r.y + thick, r.w, r.h - thick);
        }
        rest = tail;
    }
    out
}

/// The worst aspect ratio of a row of areas laid along `side`.
fn worst(row: &[f64], side: f64) -> f64 {
    let sum: f64 = row.iter().sum();
    let (max, min) = row
        .iter()
        .fold((f64::MIN, f64::MAX), |(hi, lo), &a| (hi.max(a), lo.min(a)));
    let s2 = sum * sum;
    let w2 = side * side;
    (w2 * max / s2).max(s2 / (w2 * min))
}

/// One step of a waterfall.
pub(crate) struct Step {
    pub label: String,
    /// Bytes the step removes (negative: adds back).
    pub bytes: i64,
}

/// A horizontal waterfall from `start` by each step (down for a saving, up
/// for an addition): a row per step floating between the running totals,
/// then the end. The level never goes below zero nor above the largest
/// total drawn.
pub(crate) fn waterfall(start: (&str, u64), steps: &[Step], end_label: &str) -> String {
    let row = 26.0;
    let label_w = 330.0;
    let bar_w = W - label_w - 110.0;
    let height = row * (steps.len() + 2) as f64;
    let mut levels = vec![start.1];
    for s in steps {
        let last = *levels.last().unwrap_or(&0);
        levels.push(last.saturating_sub_signed(s.bytes));
    }
    let top = levels.iter().copied().max().unwrap_or(0).max(1);
    let scale = |b: u64| bar_w * b as f64 / top as f64;
    let mut out = format!(
        r#"<svg class="chart waterfall" viewBox="0 0 {W} {height}" role="img" aria-label="savings from now to after the fixes">"#
    );
    let mut draw = |i: usize, class: &str, label: &str, (from, to): (u64, u64), color: &str| {
        let y = i as f64 * row;
        let (lo, hi) = (from.min(to), from.max(to));
        let shown = hi - lo;
        let title = format!("{label}: {} ({} bytes)", format_bytes(shown), exact(shown));
        let _ = write!(
            out,
            r#"<g class="{class}" data-bytes="{shown}"><title>{}</title><text x="0" y="{:.1}">{}</text><rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="{color}"/><text x="{:.2}" y="{:.1}">{}</text></g>"#,
            esc(&title),
            y + 17.0,
            esc(&shorten(label, 48)),
            label_w + scale(lo),
            y + 4.0,
            scale(shown).max(1.0),
            row - 8.0,
            label_w + scale(hi) + 6.0,
            y + 17.0,
            esc(&format_bytes(shown)),
        );
    };
    draw(0, "total", start.0, (0, start.1), "var(--yours)");
    for (i, s) in steps.iter().enumerate() {
        let (class, color) = if levels[i + 1] <= levels[i] {
            ("step", "var(--waste)")
        } else {
            ("step up", "var(--base)")
        };
        draw(i + 1, class, &s.label, (levels[i], levels[i + 1]), color);
    }
    let end = *levels.last().unwrap_or(&0);
    draw(
        steps.len() + 1,
        "total after",
        end_label,
        (0, end),
        "var(--good)",
    );
    out.push_str("</svg>");
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// One bar of [`stacked_rows`]: its label and its parts.
pub(crate) struct StackedRow {
    pub label: String,
    pub parts: Vec<Cell>,
}

/// Horizontal stacked bars, one per row, all on one scale (the largest
/// row fills the width): two images' compositions side by side.
pub(crate) fn stacked_rows(rows: &[StackedRow]) -> String {
    let (bar, gap, label_w) = (30.0, 14.0, 140.0);
    let bar_w = W - label_w - 110.0;
    let height = (bar + gap) * rows.len() as f64;
    let max = rows
        .iter()
        .map(|r| r.parts.iter().map(|p| p.bytes).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = format!(
        r#"<svg class="chart stacked" viewBox="0 0 {W} {height}" role="img" aria-label="the images side by side">"#
    );
    for (i, row) in rows.iter().enumerate() {
        let y = i as f64 * (bar + gap);
        let total: u64 = row.parts.iter().map(|p| p.bytes).sum();
        let _ = write!(
            out,
            r#"<g class="row" data-row="{i}" data-bytes="{total}"><text x="0" y="{:.1}">{}</text>"#,
            y + bar * 0.65,
            esc(&row.label)
        );
        let mut x = label_w;
        for p in row.parts.iter().filter(|p| p.bytes > 0) {
            let w = bar_w * p.bytes as f64 / max as f64;
            let title = format!(
                "{} — {}: {} ({} bytes)",
                row.label,
                p.label,
                format_bytes(p.bytes),
                exact(p.bytes)
            );
            let _ = write!(
                out,
                r#"<g class="part" data-key="{}" data-bytes="{}"><title>{}</title><rect x="{x:.2}" y="{y:.1}" width="{w:.2}" height="{bar}" fill="{}" stroke="var(--bg)" stroke-width="1"/></g>"#,
                esc(&p.key),
                p.bytes,
                esc(&title),
                p.color
            );
            x += w;
        }
        let _ = write!(
            out,
            r#"<text x="{:.2}" y="{:.1}">{}</text></g>"#,
            x + 6.0,
            y + bar * 0.65,
            esc(&format_bytes(total))
        );
    }
    out.push_str("</svg>");
    out
}

/// One group of [`bars`]: a label and a value per series.
pub(crate) struct BarGroup {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// Horizontal grouped bars: a row per group, a bar per series, each scaled
/// to the largest value of the chart. `show` formats a value.
pub(crate) fn bars(series: &[String], groups: &[BarGroup], show: &dyn Fn(f64) -> String) -> String {
    let bar = 16.0;
    let gap = 10.0;
    let label_w = 180.0;
    let bar_w = W - label_w - 120.0;
    let per_group = bar * series.len() as f64 + gap;
    let height = per_group * groups.len() as f64;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().flatten())
        .fold(0.0f64, |m, &v| m.max(v));
    let mut out = format!(
        r#"<svg class="chart bars" viewBox="0 0 {W} {height}" role="img" aria-label="figures per variant">"#
    );
    for (gi, g) in groups.iter().enumerate() {
        let y0 = gi as f64 * per_group;
        let _ = write!(
            out,
            r#"<text x="0" y="{:.1}">{}</text>"#,
            y0 + bar,
            esc(&g.label)
        );
        for (si, v) in g.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let y = y0 + si as f64 * bar;
            let w = if max > 0.0 { bar_w * v / max } else { 0.0 };
            let title = format!("{} — {}: {}", g.label, series[si], show(*v));
            let _ = write!(
                out,
                r#"<g class="bar" data-series="{}" data-value="{v}"><title>{}</title><rect x="{label_w}" y="{y:.1}" width="{:.2}" height="{:.1}" fill="var(--s{})"/><text x="{:.2}" y="{:.1}">{}</text></g>"#,
                si,
                esc(&title),
                w.max(1.0),
                bar - 3.0,
                si % 4,
                label_w + w + 6.0,
                y + bar - 5.0,
                esc(&show(*v))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarify_tiles_the_rectangle_exactly() {
        let areas = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0];
        let rects = squarify(&areas, Rect::new(0.0, 0.0, 6.0, 4.0));
        assert_eq!(rects.len(), areas.len());
        for (r, a) in rects.iter().zip(areas) {
            assert!((r.w * r.h - a).abs() < 1e-9, "{r:?} for {a}");
            assert!(
                r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.w <= 6.0 + 1e-9 && r.y + r.h <= 4.0 + 1e-9
            );
        }
        // The paper's example: the first row holds the two sixes.
        assert_eq!(rects[0], Rect::new(0.0, 0.0, 3.0, 2.0));
        assert_eq!(rects[1], Rect::new(0.0, 2.0, 3.0, 2.0));
        // No two cells overlap.
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let overlap_w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let overlap_h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(overlap_w <= 1e-9 || overlap_h <= 1e-9, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn waterfall_steps_never_go_below_zero() {
        let steps = [
            Step {
                label: "a".into(),
                bytes: 70,
            },
            Step {
                label: "b".into(),
                bytes: 50,
            },
        ];
        let svg = waterfall(("now", 100), &steps, "after");
        // The second step can only take the 30 left.
        assert!(svg.contains(r#"class="step" data-bytes="30""#), "{svg}");
        assert!(
            svg.contains(r#"class="total after" data-bytes="0""#),
            "{svg}"
        );
    }
}
