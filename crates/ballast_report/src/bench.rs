//! The `ballast bench` comparison table: each variant's size (as built and
//! as pushed), layers, cold build, rebuilds and push/pull times, with ratios
//! to the first variant, then each image's main findings.

use ballast_bench::run::{BenchReport, Measured};

use crate::bytes::format_bytes;
use crate::style::Style;
use crate::table::{Align, text_table};

fn secs(s: f64) -> String {
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0).round() as u64)
    } else {
        format!("{s:.1} s")
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "-".into()
    }
}

const HEAD: [&str; 10] = [
    "variant",
    "size",
    "predicted",
    "pushed",
    "layers",
    "cold build",
    "code change",
    "no change",
    "push",
    "pull",
];

fn row(m: &Measured) -> Vec<String> {
    vec![
        m.name.clone(),
        format_bytes(m.size_bytes),
        opt(m.predicted_bytes, |p| predicted_cell(p, m.size_bytes)),
        opt(m.compressed_bytes, format_bytes),
        m.layers.to_string(),
        secs(m.cold_build_seconds),
        format!(
            "{}{}",
            secs(m.code_change_rebuild_seconds),
            match m.dependency_install_cached {
                Some(true) => " (deps cached)",
                Some(false) => " (deps reinstalled)",
                None => "",
            }
        ),
        secs(m.no_change_rebuild_seconds),
        opt(m.push_seconds, secs),
        opt(m.pull_seconds, secs),
    ]
}

/// The prediction with its error against the built size: `1.1 GB (+17%)`.
fn predicted_cell(predicted: u64, built: u64) -> String {
    if built == 0 {
        return format_bytes(predicted);
    }
    let error = (predicted as f64 - built as f64) / built as f64 * 100.0;
    format!("{} ({error:+.0}%)", format_bytes(predicted))
}

/// What the predictions rest on, each basis once.
fn prediction_notes(r: &BenchReport) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for m in &r.variants {
        if let Some(b) = &m.predicted_basis {
            let line = format!("predicted ({}): {b}", m.name);
            if !notes.iter().any(|n| n.ends_with(b.as_str())) {
                notes.push(line);
            }
        }
    }
    notes
}

fn ratio_row(m: &Measured, base: &Measured) -> Vec<String> {
    vec![
        format!("  vs {}", base.name),
        ratio(m.size_bytes as f64, base.size_bytes as f64),
        match (m.predicted_bytes, base.predicted_bytes) {
            (Some(a), Some(b)) => ratio(a as f64, b as f64),
            _ => "-".into(),
        },
        match (m.compressed_bytes, base.compressed_bytes) {
            (Some(a), Some(b)) => ratio(a as f64, b as f64),
            _ => "-".into(),
        },
        String::new(),
        ratio(m.cold_build_seconds, base.cold_build_seconds),
        ratio(
            m.code_change_rebuild_seconds,
            base.code_change_rebuild_seconds,
        ),
        ratio(m.no_change_rebuild_seconds, base.no_change_rebuild_seconds),
        match (m.push_seconds, base.push_seconds) {
            (Some(a), Some(b)) => ratio(a, b),
            _ => "-".into(),
        },
        match (m.pull_seconds, base.pull_seconds) {
            (Some(a), Some(b)) => ratio(a, b),
            _ => "-".into(),
        },
    ]
}

fn rows(r: &BenchReport) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (i, m) in r.variants.iter().enumerate() {
        rows.push(row(m));
        if i > 0 {
            rows.push(ratio_row(m, &r.variants[0]));
        }
    }
    rows
}

/// The table for a terminal.
pub fn terminal(r: &BenchReport, s: Style) -> String {
    let mut out = format!(
        "{} {} engine, {}; one-line change to {}\n\n",
        s.bold("ballast bench:"),
        r.engine,
        r.registry
            .as_deref()
            .map_or("no registry".to_string(), |a| format!("registry {a}")),
        r.changed_file
    );
    // One alignment per column: the name left, the figures right.
    let mut align = [Align::Right; HEAD.len()];
    align[0] = Align::Left;
    out.push_str(&text_table(&HEAD, &align, &rows(r)));
    for n in prediction_notes(r) {
        out.push_str(&format!("{n}\n"));
    }
    for m in &r.variants {
        if m.findings.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{} {}\n", s.bold("Findings in"), m.name));
        for f in &m.findings {
            let saving = if f.savings_bytes > 0 {
                format!(" (~{})", format_bytes(f.savings_bytes))
            } else {
                String::new()
            };
            out.push_str(&format!("  {}: {}{saving}\n", f.name, f.message));
        }
    }
    for n in &r.notes {
        out.push_str(&format!("\nnote: {n}"));
    }
    if !r.notes.is_empty() {
        out.push('\n');
    }
    out
}

/// The table as Markdown.
pub fn markdown(r: &BenchReport) -> String {
    let mut out = format!(
        "| {} |\n|{}|\n",
        HEAD.join(" | "),
        HEAD.iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in rows(r) {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    let notes = prediction_notes(r);
    if !notes.is_empty() {
        out.push('\n');
    }
    for n in notes {
        out.push_str(&format!("{n}.  \n"));
    }
    out.push_str(&format!(
        "\n{} engine, {}; one-line change to `{}`.\n",
        r.engine,
        r.registry
            .as_deref()
            .map_or("no registry".to_string(), |a| format!("registry {a}")),
        r.changed_file
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(name: &str, size: u64, predicted: Option<u64>, basis: &str) -> Measured {
        Measured {
            name: name.into(),
            dockerfile: "Dockerfile".into(),
            size_bytes: size,
            predicted_bytes: predicted,
            predicted_basis: predicted.map(|_| basis.to_string()),
            compressed_bytes: None,
            layers: 5,
            cold_build_seconds: 10.0,
            code_change_rebuild_seconds: 1.0,
            no_change_rebuild_seconds: 0.1,
            dependency_install_cached: Some(true),
            push_seconds: None,
            pull_seconds: None,
            findings: Vec::new(),
        }
    }

    #[test]
    fn predictions_show_their_error_and_basis_once() {
        let basis = "estimate above the base; the base python:3.11 measured in the engine";
        let r = BenchReport {
            schema_version: 1,
            engine: "docker".into(),
            registry: None,
            context: ".".into(),
            changed_file: "app.py".into(),
            variants: vec![
                measured("as written", 1_000_000_000, Some(1_100_000_000), basis),
                measured("slim base", 500_000_000, Some(400_000_000), basis),
                measured("given", 300_000_000, None, ""),
            ],
            notes: Vec::new(),
        };
        let md = markdown(&r);
        assert!(md.contains("| 1.1 GB (+10%) |"), "{md}");
        assert!(md.contains("| 400 MB (-20%) |"), "{md}");
        assert_eq!(md.matches(basis).count(), 1, "{md}");
        assert!(terminal(&r, Style { color: false }).contains(basis));
    }
}
