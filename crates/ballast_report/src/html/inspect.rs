//! The page of `ballast inspect`: headline figures, the layers as a stacked
//! bar with their waste hatched, the final filesystem as a treemap of its
//! groups, the findings as a waterfall, and sortable tables.

use serde_json::Value;

use super::svg::{self, LayerSegment, Step};
use super::{
    Cell, Fields, HtmlError, esc, group_cells, group_legend, legend, num, stats, table, text,
};
use crate::bytes::format_bytes;

/// `(title, body)` of the page.
pub(super) fn page(json: &Value) -> Result<(String, String), HtmlError> {
    let f = Fields::new("inspect", json);
    let reference = f.str("image/reference")?;
    let mut body = format!(
        r#"<h1>{}</h1><p class="muted">{}/{} · {} layers · read from {}</p>"#,
        esc(reference),
        esc(f.str("image/os")?),
        esc(f.str("image/architecture")?),
        f.u64("totals/layers")?,
        esc(f.str("image/format")?)
    );
    body.push_str(&headline(&f)?);
    body.push_str(&layers(&f)?);
    body.push_str(&composition(&f)?);
    body.push_str(&findings(&f)?);
    body.push_str(&packages(&f)?);
    body.push_str(&biggest(&f)?);
    Ok((format!("ballast inspect: {reference}"), body))
}

fn headline(f: &Fields<'_>) -> Result<String, HtmlError> {
    let bytes = |label, path: &str| -> Result<(&str, String, Option<u64>), HtmlError> {
        let b = f.u64(path)?;
        Ok((label, format_bytes(b), Some(b)))
    };
    let efficiency = f.get("totals/efficiency")?.as_f64().unwrap_or(1.0);
    Ok(stats(&[
        bytes("final size", "totals/final_bytes")?,
        bytes("stored by the layers", "totals/stored_bytes")?,
        bytes("pulled (compressed)", "totals/compressed_bytes")?,
        bytes("wasted", "totals/wasted_bytes")?,
        ("efficiency", format!("{:.1} %", efficiency * 100.0), None),
        ("files", f.u64("totals/files")?.to_string(), None),
    ]))
}

fn layers(f: &Fields<'_>) -> Result<String, HtmlError> {
    let layers = f.array("layers")?;
    let segments: Vec<LayerSegment> = layers
        .iter()
        .map(|l| LayerSegment {
            index: num(l, "index") as usize,
            label: created_by(l),
            bytes: num(l, "file_bytes"),
            wasted: num(l, "wasted_bytes"),
            base: l.get("base").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    let rows = layers
        .iter()
        .map(|l| {
            vec![
                Cell::Number(num(l, "index") as f64, num(l, "index").to_string()),
                Cell::Bytes(num(l, "compressed_bytes")),
                Cell::Bytes(num(l, "file_bytes")),
                Cell::Bytes(num(l, "wasted_bytes")),
                Cell::Number(num(l, "files") as f64, num(l, "files").to_string()),
                Cell::Code(created_by(l)),
            ]
        })
        .collect();
    let columns = [
        ("#", true),
        ("compressed", true),
        ("stored", true),
        ("wasted", true),
        ("files", true),
        ("created by", false),
    ];
    let mut kinds = vec![("var(--yours)", "your layer"), ("var(--waste)", "wasted")];
    if segments.iter().any(|s| s.base) {
        kinds.insert(0, ("var(--base)", "base image layer"));
    }
    Ok(format!(
        "<h2>Layers</h2>{}{}<p class=\"basis\">Measured: each segment is the file bytes a layer's tar stores; the hatched part is hidden or deleted by a later layer, so it is pulled and stored but never seen.</p>{}",
        svg::layer_bar(&segments),
        legend(&kinds),
        table("layers", &columns, rows)
    ))
}

fn created_by(layer: &Value) -> String {
    let c = text(layer, "created_by");
    let c = c
        .trim_start_matches("/bin/sh -c ")
        .trim_start_matches("#(nop) ");
    if c.is_empty() {
        "(no history)".to_string()
    } else {
        c.to_string()
    }
}

fn composition(f: &Fields<'_>) -> Result<String, HtmlError> {
    let groups = f.array("composition")?;
    let total: u64 = groups.iter().map(|g| num(g, "bytes")).sum();
    let cells = group_cells(groups, "bytes");
    let rows = groups
        .iter()
        .map(|g| {
            let share = 100.0 * num(g, "bytes") as f64 / total.max(1) as f64;
            vec![
                Cell::Text(text(g, "label")),
                Cell::Bytes(num(g, "bytes")),
                Cell::Number(num(g, "files") as f64, num(g, "files").to_string()),
                Cell::Number(share, format!("{share:.1} %")),
            ]
        })
        .collect();
    Ok(format!(
        "<h2>Where the bytes are</h2>{}{}<p class=\"basis\">Measured: every file of the final filesystem in exactly one group (weights, then caches, then CUDA win over where a file lies); the groups add up to the final size, {}.</p>{}",
        svg::treemap(&cells, 420.0),
        group_legend(groups),
        esc(&format_bytes(total)),
        table(
            "composition",
            &[
                ("group", false),
                ("bytes", true),
                ("files", true),
                ("share", true)
            ],
            rows
        )
    ))
}

fn findings(f: &Fields<'_>) -> Result<String, HtmlError> {
    let findings = f.array("findings")?;
    if findings.is_empty() {
        return Ok("<h2>Findings</h2><p>Nothing to change.</p>".to_string());
    }
    let mut saving: Vec<&Value> = findings
        .iter()
        .filter(|x| num(x, "savings_bytes") > 0)
        .collect();
    saving.sort_by_key(|x| std::cmp::Reverse(num(x, "savings_bytes")));
    let steps: Vec<Step> = saving
        .iter()
        .map(|x| Step {
            label: text(x, "name"),
            bytes: num(x, "savings_bytes") as i64,
        })
        .collect();
    let stored = f.u64("totals/stored_bytes")?;
    let chart = if steps.is_empty() {
        String::new()
    } else {
        format!(
            "{}<p class=\"basis\">From the bytes the layers store (measured) down by each finding's saving; savings of different findings can overlap (a CUDA wheel's headers are in both the devel-files and the CPU-torch finding), so the end is an estimate, and never below zero.</p>",
            svg::waterfall(("stored now", stored), &steps, "after the fixes (estimate)")
        )
    };
    let rows = findings
        .iter()
        .map(|x| {
            vec![
                Cell::Code(text(x, "name")),
                Cell::Text(text(x, "severity")),
                Cell::Text(text(x, "message")),
                Cell::Bytes(num(x, "savings_bytes")),
            ]
        })
        .collect();
    Ok(format!(
        "<h2>Findings</h2>{chart}{}",
        table(
            "findings",
            &[
                ("rule", false),
                ("severity", false),
                ("finding", false),
                ("saves", true)
            ],
            rows
        )
    ))
}

fn packages(f: &Fields<'_>) -> Result<String, HtmlError> {
    let mut dists: Vec<&Value> = f.array("python/distributions")?.iter().collect();
    if dists.is_empty() {
        return Ok(String::new());
    }
    dists.sort_by_key(|d| std::cmp::Reverse(num(d, "bytes")));
    let shown = dists.len().min(40);
    let rows = dists[..shown]
        .iter()
        .map(|d| {
            vec![
                Cell::Text(text(d, "name")),
                Cell::Text(text(d, "version")),
                Cell::Bytes(num(d, "bytes")),
                Cell::Number(num(d, "files") as f64, num(d, "files").to_string()),
            ]
        })
        .collect();
    Ok(format!(
        "<h2>Python distributions</h2><p class=\"muted\">The {shown} largest of {}, sized from their RECORD files (a file two of them list counts once).</p>{}",
        dists.len(),
        table(
            "distributions",
            &[
                ("name", false),
                ("version", false),
                ("bytes", true),
                ("files", true)
            ],
            rows
        )
    ))
}

fn biggest(f: &Fields<'_>) -> Result<String, HtmlError> {
    let rows = |key: &str| -> Result<Vec<Vec<Cell>>, HtmlError> {
        Ok(f.array(key)?
            .iter()
            .map(|p| vec![Cell::Code(text(p, "path")), Cell::Bytes(num(p, "bytes"))])
            .collect())
    };
    let columns = [("path", false), ("bytes", true)];
    Ok(format!(
        r#"<div class="side"><div><h2>Biggest files</h2>{}</div><div><h2>Biggest directories</h2>{}</div></div>"#,
        table("biggest-files", &columns, rows("biggest_files")?),
        table("biggest-dirs", &columns, rows("biggest_dirs")?)
    ))
}
