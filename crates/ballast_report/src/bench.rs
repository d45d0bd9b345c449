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

const HEAD: [&str; 9] = [
    "variant",
    "size",
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

fn ratio_row(m: &Measured, base: &Measured) -> Vec<String> {
    vec![
        format!("  vs {}", base.name),
        ratio(m.size_bytes as f64, base.size_bytes as f64),
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
    let align = [
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ];
    out.push_str(&text_table(&HEAD, &align, &rows(r)));
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
