//! Rendering an inspection [`Report`].

use ballast_image::inspection::{Categories, Category, ManifestReport, Report};

use crate::bytes::format_bytes;
use crate::style::Style;
use crate::table::Align::{Left, Right};
use crate::table::{Align, md_table, shorten, text_table};

/// A history `created_by`, made readable.
pub fn step_label(created_by: Option<&str>) -> String {
    let Some(s) = created_by else {
        return "(no history)".into();
    };
    let s = s.trim();
    let s = s
        .strip_prefix("/bin/sh -c #(nop)")
        .map(str::trim)
        .unwrap_or(s);
    let s = s.strip_suffix("# buildkit").map(str::trim).unwrap_or(s);
    let s = match s.strip_prefix("RUN /bin/sh -c ") {
        Some(rest) => format!("RUN {rest}"),
        None => s
            .strip_prefix("/bin/sh -c ")
            .map_or_else(|| s.to_string(), |r| format!("RUN {r}")),
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `(label, bytes)` for every non-empty category.
pub fn category_rows(c: &Categories) -> Vec<(&'static str, u64)> {
    Category::ALL
        .into_iter()
        .map(|k| (k.label(), c.bytes(k)))
        .filter(|(_, b)| *b > 0)
        .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The terminal report.
pub fn terminal(r: &Report, s: Style) -> String {
    let mut out = header(r, s);
    out.push_str(&layers(r, s));
    for (title, table) in tables(r, s) {
        out.push_str(&format!("\n{title}\n{table}"));
    }
    out.push_str(&findings(r, s));
    out.push_str(&footer(r, s));
    out
}

/// The image, its size, its waste and its base.
fn header(r: &Report, s: Style) -> String {
    let t = &r.totals;
    let platform = match &r.image.variant {
        Some(v) => format!("{}/{}/{v}", r.image.os, r.image.architecture),
        None => format!("{}/{}", r.image.os, r.image.architecture),
    };
    let mut out = format!(
        "{}  {} ({}, {platform})\n",
        s.bold("Image"),
        r.image.reference,
        r.image.format
    );
    out.push_str(&format!(
        "{}   {} of files, {} stored in {} layers, {} compressed\n",
        s.bold("Size"),
        s.bold(&format_bytes(t.final_bytes)),
        format_bytes(t.stored_bytes),
        t.layers,
        format_bytes(t.compressed_bytes)
    ));
    out.push_str(&format!(
        "{} {} hidden or deleted by later layers (efficiency {})\n",
        s.bold("Wasted"),
        s.yellow(&format_bytes(t.wasted_bytes)),
        pct(t.efficiency)
    ));
    if t.base_layers > 0 {
        out.push_str(&format!(
            "{}   {} layers, {} (from {}); your layers: {}, {} wasted\n",
            s.bold("Base"),
            t.base_layers,
            format_bytes(t.base_bytes),
            t.base_source,
            format_bytes(t.your_bytes),
            format_bytes(t.your_wasted_bytes)
        ));
    }
    out
}

/// The layer table.
fn layers(r: &Report, s: Style) -> String {
    let rows: Vec<Vec<String>> = r
        .layers
        .iter()
        .map(|l| {
            vec![
                format!("{}{}", l.index, if l.base { "*" } else { "" }),
                format_bytes(l.compressed_bytes),
                format_bytes(l.file_bytes),
                format_bytes(l.wasted_bytes),
                l.files.to_string(),
                shorten(&step_label(l.created_by.as_deref()), 70),
            ]
        })
        .collect();
    let mut out = format!("\n{}\n", s.bold("Layers"));
    out.push_str(&text_table(
        &["#", "compressed", "stored", "wasted", "files", "created by"],
        &[Right, Right, Right, Right, Right, Left],
        &rows,
    ));
    if r.totals.base_layers > 0 {
        out.push_str(&s.dim("  * base image layer\n"));
    }
    out
}

/// A titled table of `(first column, bytes)` rows.
fn bytes_table(header: [&str; 2], rows: Vec<(String, u64)>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(n, b)| vec![n, format_bytes(b)])
        .collect();
    text_table(&header, &[Align::Left, Align::Right], &rows)
}

/// The tables after the layers, each with its title, when it has rows:
/// categories, Python, duplicated CUDA libraries, models, OS packages,
/// biggest files and directories.
fn tables(r: &Report, s: Style) -> Vec<(String, String)> {
    use Align::{Left, Right};
    let mut out = Vec::new();
    let cats = category_rows(&r.categories);
    if !cats.is_empty() {
        let rows = cats.iter().map(|(n, b)| (n.to_string(), *b)).collect();
        out.push((
            s.bold("Where the bytes are"),
            bytes_table(["category", "bytes"], rows),
        ));
    }
    if let Some(python) = python_table(r, s) {
        out.push(python);
    }
    let top = |header: [&str; 3], align: [Align; 3], rows: Vec<Vec<String>>| {
        text_table(&header, &align, &rows)
    };
    if !r.cuda.duplicates.is_empty() {
        let rows = r.cuda.duplicates.iter().take(10).map(|d| {
            let copies = d.copies.len().to_string();
            vec![d.soname.clone(), copies, format_bytes(d.extra_bytes)]
        });
        let (header, align) = (["library", "copies", "extra"], [Left, Right, Right]);
        let table = top(header, align, rows.collect());
        out.push((s.bold("CUDA libraries present more than once"), table));
    }
    if !r.model_weights.is_empty() {
        let rows = r.model_weights.iter().take(10);
        let rows = rows.map(|w| vec![w.name.clone(), w.kind.clone(), format_bytes(w.bytes)]);
        let table = top(
            ["model", "kind", "bytes"],
            [Left, Left, Right],
            rows.collect(),
        );
        out.push((s.bold("Model files"), table));
    }
    if !r.os_packages.is_empty() {
        let rows = r.os_packages.iter().take(10);
        let rows = rows.map(|p| (p.name.clone(), p.bytes)).collect();
        out.push((
            format!(
                "{} {} Debian packages; largest:",
                s.bold("OS packages"),
                r.os_packages.len()
            ),
            bytes_table(["package", "bytes"], rows),
        ));
    }
    let biggest = |paths: &[ballast_image::inspection::PathBytes], suffix: &str| {
        let rows: Vec<Vec<String>> = paths
            .iter()
            .take(10)
            .map(|f| vec![format_bytes(f.bytes), format!("{}{suffix}", f.path)])
            .collect();
        text_table(&["bytes", "path"], &[Align::Right, Align::Left], &rows)
    };
    out.push((s.bold("Biggest files"), biggest(&r.biggest_files, "")));
    out.push((s.bold("Biggest directories"), biggest(&r.biggest_dirs, "/")));
    out
}

/// The Python environments' distributions, largest first.
fn python_table(r: &Report, s: Style) -> Option<(String, String)> {
    if r.python.distributions.is_empty() {
        return None;
    }
    let torch = r
        .python
        .torch
        .as_ref()
        .map(|t| format!("; torch {} ({})", t.version, t.variant))
        .unwrap_or_default();
    let title = format!(
        "{} {} environment(s), {} distributions{torch}",
        s.bold("Python"),
        r.python.environments.len(),
        r.python.distributions.len()
    );
    let rows: Vec<Vec<String>> = r
        .python
        .distributions
        .iter()
        .take(15)
        .map(|d| vec![d.name.clone(), d.version.clone(), format_bytes(d.bytes)])
        .collect();
    let table = text_table(
        &["distribution", "version", "bytes"],
        &[Align::Left, Align::Left, Align::Right],
        &rows,
    );
    Some((title, table))
}

/// The findings with what each saves, and their total (at most the
/// image's stored bytes).
fn findings(r: &Report, s: Style) -> String {
    if r.findings.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{}\n", s.bold("Findings"));
    for f in &r.findings {
        let saves = if f.savings_bytes > 0 {
            format!(
                "  {}",
                s.green(&format!("saves {}", format_bytes(f.savings_bytes)))
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {}[{}] {}{saves}\n",
            s.severity(f.severity),
            f.name,
            f.message
        ));
    }
    let t = &r.totals;
    let total: u64 = r.findings.iter().map(|f| f.savings_bytes).sum();
    out.push_str(&format!(
        "\n{} {}\n",
        s.bold("Estimated saving:"),
        s.green(&format_bytes(total.min(t.final_bytes + t.wasted_bytes)))
    ));
    out
}

/// dive's figures for comparison, and the warnings.
fn footer(r: &Report, s: Style) -> String {
    let d = &r.dive_compat;
    let mut out = s.dim(&format!(
        "\ndive's figures (dive's formulas, for comparison): efficiency {}, wasted {}, user wasted {}\n",
        pct(d.efficiency),
        format_bytes(d.wasted_bytes),
        d.user_wasted_percent.map_or("n/a".into(), pct)
    ));
    for w in &r.warnings {
        out.push_str(&format!("{}: {w}\n", s.yellow("warning")));
    }
    out
}

/// The Markdown report, for pull-request comments.
pub fn markdown(r: &Report) -> String {
    let t = &r.totals;
    let mut out = format!("### Image `{}`\n\n", r.image.reference);
    out.push_str(&md_table(
        &["metric", "value"],
        &[Align::Left, Align::Right],
        &[
            vec!["final size".into(), format_bytes(t.final_bytes)],
            vec!["stored in layers".into(), format_bytes(t.stored_bytes)],
            vec!["compressed (pull)".into(), format_bytes(t.compressed_bytes)],
            vec!["wasted".into(), format_bytes(t.wasted_bytes)],
            vec!["efficiency".into(), pct(t.efficiency)],
            vec!["layers".into(), t.layers.to_string()],
        ],
    ));
    let cats = category_rows(&r.categories);
    if !cats.is_empty() {
        out.push_str("\n**Where the bytes are**\n\n");
        let rows: Vec<Vec<String>> = cats
            .iter()
            .map(|(n, b)| vec![n.trim().to_string(), format_bytes(*b)])
            .collect();
        out.push_str(&md_table(
            &["category", "bytes"],
            &[Align::Left, Align::Right],
            &rows,
        ));
    }
    if !r.findings.is_empty() {
        out.push_str("\n**Findings**\n\n");
        let rows: Vec<Vec<String>> = r
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.severity.to_string(),
                    format!("`{}`", f.name),
                    f.message.clone(),
                    if f.savings_bytes > 0 {
                        format_bytes(f.savings_bytes)
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        out.push_str(&md_table(
            &["severity", "rule", "finding", "saves"],
            &[Align::Left, Align::Left, Align::Left, Align::Right],
            &rows,
        ));
        let total: u64 = r.findings.iter().map(|f| f.savings_bytes).sum();
        out.push_str(&format!(
            "\nEstimated saving: **{}**\n",
            format_bytes(total.min(t.final_bytes + t.wasted_bytes))
        ));
    }
    out.push_str("\n<details><summary>Layers</summary>\n\n");
    let rows: Vec<Vec<String>> = r
        .layers
        .iter()
        .map(|l| {
            vec![
                l.index.to_string(),
                format_bytes(l.compressed_bytes),
                format_bytes(l.file_bytes),
                format_bytes(l.wasted_bytes),
                format!("`{}`", shorten(&step_label(l.created_by.as_deref()), 80)),
            ]
        })
        .collect();
    out.push_str(&md_table(
        &["#", "compressed", "stored", "wasted", "created by"],
        &[Right, Right, Right, Right, Left],
        &rows,
    ));
    out.push_str("\n</details>\n");
    out
}

/// `inspect --manifest-only` in the terminal: each layer's compressed size,
/// digest and the step that made it.
pub fn manifest_terminal(r: &ManifestReport) -> String {
    let mut out = format!(
        "Manifest of {} ({}), {} layers, {} to pull\n",
        r.image.reference,
        r.image.manifest_digest.as_deref().unwrap_or("?"),
        r.totals.layers,
        format_bytes(r.totals.compressed_bytes)
    );
    for l in &r.layers {
        let step: String = l
            .created_by
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(70)
            .collect();
        out.push_str(&format!(
            "{:>3} {:>10}  {}  {step}\n",
            l.index,
            format_bytes(l.compressed_bytes),
            &l.digest[..l.digest.len().min(19)]
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_labels_are_readable() {
        assert_eq!(
            step_label(Some("/bin/sh -c #(nop)  CMD [\"bash\"]")),
            "CMD [\"bash\"]"
        );
        assert_eq!(
            step_label(Some("RUN /bin/sh -c pip install x # buildkit")),
            "RUN pip install x"
        );
        assert_eq!(
            step_label(Some("/bin/sh -c apt-get update")),
            "RUN apt-get update"
        );
        assert_eq!(step_label(None), "(no history)");
    }
}
