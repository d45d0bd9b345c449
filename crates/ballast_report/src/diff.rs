//! Rendering an [`ImageDiff`].

use ballast_image::diff::{ImageDiff, Row};

use crate::bytes::{format_bytes, format_delta};
use crate::inspect::step_label;
use crate::style::Style;
use crate::table::{Align, md_table, shorten, text_table};

fn cells(r: &Row) -> Vec<String> {
    let count = matches!(r.metric.as_str(), "layers" | "files");
    let fmt = |v: u64| {
        if count {
            v.to_string()
        } else {
            format_bytes(v)
        }
    };
    let delta = if count {
        format!("{:+}", r.delta)
    } else {
        format_delta(r.delta)
    };
    let ratio = r.ratio.map_or("-".to_string(), |x| format!("{x:.2}x"));
    vec![r.metric.clone(), fmt(r.a), fmt(r.b), delta, ratio]
}

/// The first 25 distributions that changed: name, versions, size change.
fn distribution_rows(d: &ImageDiff) -> Vec<Vec<String>> {
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    d.distributions
        .iter()
        .take(25)
        .map(|x| {
            let (a, b) = (version(&x.a_version), version(&x.b_version));
            vec![x.name.clone(), a, b, format_delta(x.delta)]
        })
        .collect()
}

/// The alignment of the totals table: the metric, then four figures.
const TOTALS_ALIGN: [Align; 5] = [
    Align::Left,
    Align::Right,
    Align::Right,
    Align::Right,
    Align::Right,
];

/// The terminal form.
pub fn terminal(d: &ImageDiff, s: Style) -> String {
    let mut out = format!("{} {}\n{} {}\n\n", s.bold("A"), d.a, s.bold("B"), d.b);
    let rows: Vec<Vec<String>> = d.table.iter().map(cells).collect();
    out.push_str(&text_table(
        &["", "A", "B", "B - A", "B / A"],
        &TOTALS_ALIGN,
        &rows,
    ));
    if !d.distributions.is_empty() {
        out.push_str(&format!("\n{}\n", s.bold("Python distributions")));
        let rows = distribution_rows(d);
        out.push_str(&text_table(
            &["distribution", "A", "B", "bytes"],
            &[Align::Left, Align::Left, Align::Left, Align::Right],
            &rows,
        ));
    }
    out.push_str(&format!(
        "\n{} {} shared ({}), {} only in A, {} only in B\n",
        s.bold("Layers"),
        d.layers.shared,
        format_bytes(d.layers.shared_bytes),
        d.layers.only_a.len(),
        d.layers.only_b.len()
    ));
    for (label, list) in [("A", &d.layers.only_a), ("B", &d.layers.only_b)] {
        for l in list.iter().take(15) {
            out.push_str(&format!(
                "  {label}#{:<3} {:>9}  {}\n",
                l.index,
                format_bytes(l.file_bytes),
                shorten(&step_label(l.created_by.as_deref()), 70)
            ));
        }
    }
    let f = &d.files;
    out.push_str(&format!(
        "\n{} {} added ({}), {} removed ({}), {} changed ({})\n",
        s.bold("Files"),
        f.added_count,
        format_bytes(f.added_bytes),
        f.removed_count,
        format_bytes(f.removed_bytes),
        f.changed_count,
        format_delta(f.changed_delta_bytes)
    ));
    let removed = f
        .removed
        .iter()
        .map(|x| (s.red("-"), format_bytes(x.bytes), &x.path));
    let added = f
        .added
        .iter()
        .map(|x| (s.green("+"), format_bytes(x.bytes), &x.path));
    let changed = f.changed.iter().map(|x| {
        let delta = format_delta(x.b_bytes as i64 - x.a_bytes as i64);
        ("~".to_string(), delta, &x.path)
    });
    let lines = removed
        .take(10)
        .chain(added.take(10))
        .chain(changed.take(10));
    for (mark, bytes, path) in lines {
        out.push_str(&format!("  {mark} {bytes:>9}  {path}\n"));
    }
    out
}

/// The Markdown form.
pub fn markdown(d: &ImageDiff) -> String {
    let mut out = format!("### `{}` → `{}`\n\n", d.a, d.b);
    let rows: Vec<Vec<String>> = d.table.iter().map(cells).collect();
    out.push_str(&md_table(
        &["", "A", "B", "B − A", "B / A"],
        &TOTALS_ALIGN,
        &rows,
    ));
    if !d.distributions.is_empty() {
        out.push_str("\n**Python distributions**\n\n");
        let rows = distribution_rows(d);
        out.push_str(&md_table(
            &["distribution", "A", "B", "bytes"],
            &[Align::Left, Align::Left, Align::Left, Align::Right],
            &rows,
        ));
    }
    let f = &d.files;
    out.push_str(&format!(
        "\nFiles: {} added ({}), {} removed ({}), {} changed ({}). Layers: {} shared, {} only in A, {} only in B.\n",
        f.added_count,
        format_bytes(f.added_bytes),
        f.removed_count,
        format_bytes(f.removed_bytes),
        f.changed_count,
        format_delta(f.changed_delta_bytes),
        d.layers.shared,
        d.layers.only_a.len(),
        d.layers.only_b.len()
    ));
    out
}
