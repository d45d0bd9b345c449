//! Rendering `ballast context` and `ballast rebuild` results.

use ballast_context::rebuild::{Prediction, Status};
use ballast_context::summary::ContextReport;

use crate::bytes::format_bytes;
use crate::style::Style;
use crate::table::Align::{Left, Right};
use crate::table::{Align, shorten, text_table};

/// The rebuilt bytes, saying "at least" and naming the steps with no cost
/// when some rebuilt step could not be sized.
pub fn rebuilt_total(p: &Prediction) -> String {
    if p.uncosted.is_empty() {
        return format_bytes(p.rebuilt_bytes);
    }
    let lines: Vec<String> = p.uncosted.iter().map(|l| l.to_string()).collect();
    format!(
        "at least {} (not counting line{} {}, whose size is unknown)",
        format_bytes(p.rebuilt_bytes),
        if lines.len() == 1 { "" } else { "s" },
        lines.join(", ")
    )
}

/// What BuildKit transfers, in one line.
pub fn sent_line(r: &ContextReport, s: Style) -> String {
    let sent = s.bold(&format_bytes(r.sent_bytes));
    if r.sends_whole_context {
        format!(
            "BuildKit sends {sent} in {} files: a COPY/ADD takes the whole context",
            r.sent_files
        )
    } else if r.sent_files == 0 && r.copies.is_empty() {
        "BuildKit sends nothing: no COPY/ADD or bind mount reads the context".to_string()
    } else {
        format!(
            "BuildKit sends {sent} in {} files: only the paths the build's COPY/ADD/bind mounts name",
            r.sent_files
        )
    }
}

/// The context report for a terminal.
pub fn terminal(r: &ContextReport, s: Style) -> String {
    let mut out = format!(
        "{} {} holds {} in {} files ({} in {} files ignored by {})\n",
        s.bold("Context"),
        r.root,
        format_bytes(r.total_bytes),
        r.files,
        format_bytes(r.ignored_bytes),
        r.ignored_files,
        r.ignore_file.as_deref().unwrap_or("no .dockerignore")
    );
    out.push_str(&format!("{}\n", sent_line(r, s)));
    for e in &r.ignore_errors {
        out.push_str(&format!(
            "{}: {}:{}: {} ({})\n",
            s.yellow("warning"),
            r.ignore_file.as_deref().unwrap_or(".dockerignore"),
            e.line,
            e.message,
            e.text
        ));
    }
    if !r.junk.is_empty() {
        out.push_str(&format!("\n{}\n", s.bold("Junk")));
        let rows: Vec<Vec<String>> = r
            .junk
            .iter()
            .map(|j| {
                vec![
                    format!("{:?}", j.class).to_lowercase(),
                    format!("{}{}", j.path, if j.dir { "/" } else { "" }),
                    format_bytes(j.bytes),
                    if j.sent {
                        "sent".into()
                    } else {
                        "ignored".into()
                    },
                ]
            })
            .collect();
        out.push_str(&text_table(
            &["class", "path", "bytes", ""],
            &[Align::Left, Align::Left, Align::Right, Align::Left],
            &rows,
        ));
    }
    if !r.copies.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            s.bold("What each instruction takes from the context")
        ));
        let rows: Vec<Vec<String>> = r
            .copies
            .iter()
            .map(|c| {
                let missing = if c.missing.is_empty() {
                    String::new()
                } else {
                    format!("  missing: {}", c.missing.join(", "))
                };
                vec![
                    c.line.to_string(),
                    shorten(&c.instruction, 60),
                    c.files.to_string(),
                    format_bytes(c.bytes),
                    missing,
                ]
            })
            .collect();
        out.push_str(&text_table(
            &["line", "instruction", "files", "bytes", ""],
            &[Right, Left, Right, Right, Left],
            &rows,
        ));
    }
    out.push_str(&format!("\n{}\n", s.bold("Biggest files sent")));
    let rows: Vec<Vec<String>> = r
        .biggest_files
        .iter()
        .take(10)
        .map(|f| vec![format_bytes(f.bytes), f.path.clone()])
        .collect();
    out.push_str(&text_table(
        &["bytes", "path"],
        &[Align::Right, Align::Left],
        &rows,
    ));
    for e in &r.errors {
        out.push_str(&format!("{}: {e}\n", s.yellow("warning")));
    }
    out
}

/// The rebuild prediction for a terminal.
pub fn rebuild_terminal(p: &Prediction, s: Style) -> String {
    let mut out = format!(
        "{} target {}; changed: {}\n\n",
        s.bold("Rebuild"),
        p.target,
        if p.changed.is_empty() {
            "nothing".into()
        } else {
            p.changed.join(", ")
        }
    );
    let rows: Vec<Vec<String>> = p
        .steps
        .iter()
        .map(|st| {
            let status = match st.status {
                Status::Rebuilt => s.yellow("rebuilt"),
                Status::Cached => s.green("cached"),
                Status::Skipped => s.dim("skipped"),
            };
            let cost = st
                .cost_bytes
                .filter(|b| *b > 0 && st.status == Status::Rebuilt)
                .map(format_bytes)
                .unwrap_or_default();
            vec![
                st.stage.clone(),
                st.line.to_string(),
                status,
                cost,
                shorten(&st.instruction, 50),
                st.reason.clone(),
            ]
        })
        .collect();
    out.push_str(&text_table(
        &["stage", "line", "status", "cost", "instruction", "why"],
        &[Left, Right, Left, Right, Left, Left],
        &rows,
    ));
    out.push_str(&format!("\n{} {}\n", s.bold("Rebuilt:"), rebuilt_total(p)));
    for a in &p.advice {
        out.push_str(&format!("{} {a}\n", s.cyan("advice:")));
    }
    out
}
