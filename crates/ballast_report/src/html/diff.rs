//! The page of `ballast diff`: the two images side by side (their
//! compositions on one scale, the figures as paired bars), then what changed:
//! the figures, Python distributions, layers and files.

use serde_json::Value;

use super::svg::{self, BarGroup, StackedRow};
use super::{
    Cell, Fields, HtmlError, esc, exact, group_cells, group_legend, legend, num, table, text,
    titled_stats,
};
use crate::bytes::{format_bytes, format_delta};

/// `(title, body)` of the page.
pub(super) fn page(json: &Value) -> Result<(String, String), HtmlError> {
    let f = Fields::new("diff", json);
    let (a, b) = (f.str("a")?, f.str("b")?);
    let mut body = format!(
        r#"<h1>{} <span class="muted">→</span> {}</h1><p class="muted">A is the first image, B the second; deltas are B − A.</p>"#,
        esc(a),
        esc(b)
    );
    body.push_str(&headline(&f)?);
    body.push_str(&side_by_side(&f, a, b)?);
    body.push_str(&figures(&f)?);
    body.push_str(&distributions(&f)?);
    body.push_str(&layers(&f)?);
    body.push_str(&files(&f)?);
    Ok((format!("ballast diff: {a} → {b}"), body))
}

/// The row of the figures table named `metric`.
fn metric<'a>(f: &Fields<'a>, metric: &str) -> Result<&'a Value, HtmlError> {
    f.array("table")?
        .iter()
        .find(|r| text(r, "metric") == metric)
        .ok_or_else(|| HtmlError::Missing {
            kind: "diff",
            field: format!("table/{metric}"),
        })
}

fn headline(f: &Fields<'_>) -> Result<String, HtmlError> {
    let mut items = Vec::new();
    for (label, name) in [
        ("final size", "size (final files)"),
        ("pulled (compressed)", "compressed (pull)"),
        ("wasted", "wasted"),
    ] {
        let row = metric(f, name)?;
        let (a, b) = (num(row, "a"), num(row, "b"));
        let delta = b as i64 - a as i64;
        items.push((
            label,
            format!(
                "{} → {} ({})",
                format_bytes(a),
                format_bytes(b),
                format_delta(delta)
            ),
            Some(b),
            format!("A: {} bytes, B: {} bytes", exact(a), exact(b)),
        ));
    }
    Ok(titled_stats(&items))
}

fn side_by_side(f: &Fields<'_>, a: &str, b: &str) -> Result<String, HtmlError> {
    let groups = f.array("composition")?;
    let row = |label: &str, key: &str| StackedRow {
        label: label.to_string(),
        parts: group_cells(groups, key),
    };
    let rows = [row("A", "a_bytes"), row("B", "b_bytes")];
    Ok(format!(
        "<h2>Side by side</h2><p class=\"muted\">A: <code>{}</code><br>B: <code>{}</code></p>{}{}<p class=\"basis\">Measured: each image's final filesystem, every file in one group; both bars on one scale.</p>",
        esc(a),
        esc(b),
        svg::stacked_rows(&rows),
        group_legend(groups)
    ))
}

fn figures(f: &Fields<'_>) -> Result<String, HtmlError> {
    let table_rows = f.array("table")?;
    let is_count = |m: &str| matches!(m, "layers" | "files");
    let groups: Vec<BarGroup> = table_rows
        .iter()
        .filter(|r| !is_count(&text(r, "metric")))
        .map(|r| BarGroup {
            label: text(r, "metric"),
            values: vec![Some(num(r, "a") as f64), Some(num(r, "b") as f64)],
        })
        .collect();
    let series = ["A".to_string(), "B".to_string()];
    let chart = svg::bars(&series, &groups, &|v| format_bytes(v as u64));
    let rows = table_rows
        .iter()
        .map(|r| {
            let m = text(r, "metric");
            let (a, b) = (num(r, "a"), num(r, "b"));
            let cell = |v: u64| {
                if is_count(&m) {
                    Cell::Number(v as f64, v.to_string())
                } else {
                    Cell::Bytes(v)
                }
            };
            let ratio = r.get("ratio").and_then(Value::as_f64);
            vec![
                Cell::Text(m.clone()),
                cell(a),
                cell(b),
                if is_count(&m) {
                    let d = b as i64 - a as i64;
                    Cell::Number(d as f64, format!("{d:+}"))
                } else {
                    Cell::Delta(b as i64 - a as i64)
                },
                Cell::Number(
                    ratio.unwrap_or(f64::NAN),
                    ratio.map_or("–".into(), |x| format!("{x:.2}×")),
                ),
            ]
        })
        .collect();
    Ok(format!(
        "<h2>Figures</h2>{chart}{}{}",
        legend(&[("var(--s0)", "A"), ("var(--s1)", "B")]),
        table(
            "figures",
            &[
                ("figure", false),
                ("A", true),
                ("B", true),
                ("B − A", true),
                ("B / A", true)
            ],
            rows
        )
    ))
}

fn distributions(f: &Fields<'_>) -> Result<String, HtmlError> {
    let dists = f.array("distributions")?;
    if dists.is_empty() {
        return Ok(String::new());
    }
    let version = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).unwrap_or("–").to_string();
    let rows = dists
        .iter()
        .map(|d| {
            vec![
                Cell::Text(text(d, "name")),
                Cell::Text(version(d, "a_version")),
                Cell::Text(version(d, "b_version")),
                Cell::Bytes(num(d, "a_bytes")),
                Cell::Bytes(num(d, "b_bytes")),
                Cell::Delta(d.get("delta").and_then(Value::as_i64).unwrap_or(0)),
            ]
        })
        .collect();
    Ok(format!(
        "<h2>Python distributions that changed</h2>{}",
        table(
            "distributions",
            &[
                ("name", false),
                ("A version", false),
                ("B version", false),
                ("A bytes", true),
                ("B bytes", true),
                ("B − A", true)
            ],
            rows
        )
    ))
}

fn layers(f: &Fields<'_>) -> Result<String, HtmlError> {
    let mut rows = Vec::new();
    for (side, key) in [("A only", "layers/only_a"), ("B only", "layers/only_b")] {
        for l in f.array(key)? {
            rows.push(vec![
                Cell::Text(side.to_string()),
                Cell::Number(num(l, "index") as f64, num(l, "index").to_string()),
                Cell::Bytes(num(l, "file_bytes")),
                Cell::Code(text(l, "created_by")),
            ]);
        }
    }
    Ok(format!(
        "<h2>Layers</h2><p>{} shared ({}).</p>{}",
        f.u64("layers/shared")?,
        esc(&format_bytes(f.u64("layers/shared_bytes")?)),
        table(
            "layers",
            &[
                ("image", false),
                ("#", true),
                ("stored", true),
                ("created by", false)
            ],
            rows
        )
    ))
}

fn files(f: &Fields<'_>) -> Result<String, HtmlError> {
    let mut rows = Vec::new();
    for (change, key) in [("added", "files/added"), ("removed", "files/removed")] {
        for p in f.array(key)? {
            rows.push(vec![
                Cell::Text(change.to_string()),
                Cell::Code(text(p, "path")),
                Cell::Delta(if change == "added" {
                    num(p, "bytes") as i64
                } else {
                    -(num(p, "bytes") as i64)
                }),
            ]);
        }
    }
    for p in f.array("files/changed")? {
        let delta = num(p, "b_bytes") as i64 - num(p, "a_bytes") as i64;
        rows.push(vec![
            Cell::Text("changed".into()),
            Cell::Code(text(p, "path")),
            Cell::Delta(delta),
        ]);
    }
    Ok(format!(
        "<h2>Files</h2><p>{} added ({}), {} removed ({}), {} changed ({}); the 50 largest of each are listed.</p>{}",
        f.u64("files/added_count")?,
        esc(&format_bytes(f.u64("files/added_bytes")?)),
        f.u64("files/removed_count")?,
        esc(&format_bytes(f.u64("files/removed_bytes")?)),
        f.u64("files/changed_count")?,
        esc(&format_delta(
            f.get("files/changed_delta_bytes")?.as_i64().unwrap_or(0)
        )),
        table(
            "files",
            &[("change", false), ("path", false), ("bytes", true)],
            rows
        )
    ))
}
