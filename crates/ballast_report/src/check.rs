//! `ballast check`: the one-command audit. Lint findings with the total
//! saving, what the build context ships, what a code change rebuilds, and
//! the restructured Dockerfile as a diff, for a terminal or as Markdown.

use ballast_context::rebuild::{Prediction, Status};
use ballast_context::summary::ContextReport;
use ballast_linter::SavingsKind;

use crate::bytes::format_bytes;
use crate::lint::{LintedFile, Summary};
use crate::style::Style;

/// The restructure part of the audit.
#[derive(Debug, Clone)]
pub enum Restructure {
    /// A unified diff of the Dockerfile (and the .dockerignore it writes), with notes.
    Diff { diff: String, notes: Vec<String> },
    /// Why the file was not restructured.
    Refused(String),
}

/// Everything `check` found.
pub struct Check<'a> {
    pub lint: &'a LintedFile,
    pub summary: &'a Summary,
    pub context: &'a ContextReport,
    /// The file a code change was assumed to touch, and what it rebuilds.
    pub rebuild: Option<(&'a str, &'a Prediction)>,
    pub restructure: &'a Restructure,
    /// The three ways to improve the file and what each leaves behind.
    pub paths: &'a ballast_linter::paths::Paths,
    /// How the project runs the image: compose findings, hardened service.
    pub runtime: &'a crate::runtime::Runtime,
}

/// One line per way: what it does and what it leaves; then which fits.
fn path_lines(p: &ballast_linter::paths::Paths) -> (Vec<String>, String) {
    let mut lines = Vec::new();
    for o in &p.outcomes {
        let what = match &o.refused {
            Some(why) => format!("refused: {why}"),
            None if o.changes == 0 => "changes nothing".to_string(),
            None => {
                let done = if o.way == ballast_linter::paths::Way::Restructure {
                    "builder + runtime stages".to_string()
                } else {
                    format!(
                        "{} fix{}",
                        o.changes,
                        if o.changes == 1 { "" } else { "es" }
                    )
                };
                let withheld = if o.withheld > 0 {
                    format!(" ({} withheld: they would lose something)", o.withheld)
                } else {
                    String::new()
                };
                let mut codes: Vec<String> = o.left.iter().map(|f| f.code().into_owned()).collect();
                codes.dedup();
                let left = if o.left.is_empty() {
                    "leaves no warning".to_string()
                } else {
                    let k = o.left.len();
                    let what = if k == 1 {
                        "warning or error"
                    } else {
                        "warnings or errors"
                    };
                    format!("leaves {k} {what} ({})", codes.join(", "))
                };
                let size = o.predicted_bytes.map_or(String::new(), |b| {
                    format!(", image about {} (estimate)", format_bytes(b))
                });
                format!("{done}{withheld}{size}; {left}")
            }
        };
        lines.push(format!("{} (`{}`): {what}", o.way.name(), o.way.command()));
    }
    let fits = match p.fits() {
        Some(w) => format!("{} (`{}`)", w.name(), w.command()),
        None => "none: no way changes the file".to_string(),
    };
    (lines, fits)
}

fn n(count: usize, what: &str) -> String {
    format!("{count} {what}{}", if count == 1 { "" } else { "s" })
}

fn savings_line(s: &Summary) -> String {
    let parts = crate::lint::savings_parts(&s.savings);
    if parts.is_empty() {
        "none estimated".into()
    } else {
        parts.join(", ")
    }
}

fn finding_lines(c: &Check<'_>, md: bool) -> Vec<String> {
    c.lint
        .findings
        .iter()
        .map(|f| {
            let (line, _, _, _) = c.lint.region(f);
            let saving = f.savings.as_ref().map_or(String::new(), |s| {
                let what = match s.kind {
                    SavingsKind::Image => "image",
                    SavingsKind::Rebuild => "per code change",
                    SavingsKind::Context => "context",
                };
                crate::bytes::saving_size(s).map_or(String::new(), |size| {
                    format!(" ({size} {what}, {})", crate::bytes::saving_basis_kind(s))
                })
            });
            let fix = f.fix.as_ref().map_or("", |x| {
                if x.applicability == ballast_linter::Applicability::Safe {
                    " [fix]"
                } else {
                    " [unsafe fix]"
                }
            });
            if md {
                format!(
                    "| {} | {} | `{}` | {}:{line} | {}{saving}{fix} |",
                    f.severity,
                    f.code(),
                    f.rule.name,
                    c.lint.path,
                    f.message.replace('|', "\\|")
                )
            } else {
                format!(
                    "  {:7} {} {}:{line} {}{saving}{fix}",
                    f.severity.as_str(),
                    f.code(),
                    c.lint.path,
                    f.message
                )
            }
        })
        .collect()
}

fn rebuild_summary(p: &Prediction) -> (usize, usize, Vec<String>) {
    let built: Vec<_> = p
        .steps
        .iter()
        .filter(|s| s.status != Status::Skipped)
        .collect();
    let rebuilt: Vec<String> = built
        .iter()
        .filter(|s| s.status == Status::Rebuilt)
        .map(|s| {
            let cost = s
                .cost_bytes
                .filter(|b| *b > 0)
                .map_or(String::new(), |b| format!(" ({})", format_bytes(b)));
            format!(
                "line {}: {}{cost}",
                s.line,
                s.instruction.lines().next().unwrap_or("")
            )
        })
        .collect();
    (rebuilt.len(), built.len(), rebuilt)
}

/// The audit for a terminal.
/// The image now and after the fixes, in one line: `6.9 GB now, about
/// 1.3 GB after the fixes (1.2 GB with the safe ones alone; estimate: ...)`.
pub fn image_line(sm: &crate::lint::Summary) -> Option<String> {
    let img = sm.image.as_ref()?;
    let safe = if img.safe_after_fixes_bytes != img.predicted_after_fixes_bytes {
        format!(
            ", {} with the safe ones alone",
            format_bytes(img.safe_after_fixes_bytes)
        )
    } else {
        String::new()
    };
    let measured = img.measured_bytes.map_or(String::new(), |m| {
        format!(" (the built image: {})", format_bytes(m))
    });
    let advised = match sm.savings.advised_image_bytes {
        0 => String::new(),
        a => format!(
            "; about {} less with the changes ballast advises but does not write",
            format_bytes(a)
        ),
    };
    Some(format!(
        "about {} now{measured}, about {} after the fixes{safe}{advised} ({})",
        format_bytes(img.predicted_bytes),
        format_bytes(img.predicted_after_fixes_bytes),
        img.basis
    ))
}

pub fn terminal(c: &Check<'_>, color: bool) -> String {
    let s = Style { color };
    let mut out = String::new();
    let sm = c.summary;
    if let Some(line) = image_line(sm) {
        out.push_str(&format!(
            "{} {line}

",
            s.bold("Image:")
        ));
    }
    out.push_str(&format!(
        "{} {} ({}, {}, {}); {} fixable with `ballast fix`, {} more with `--unsafe-fixes`\n",
        s.bold("Lint:"),
        n(sm.findings, "problem"),
        n(sm.errors, "error"),
        n(sm.warnings, "warning"),
        n(sm.infos, "info"),
        sm.fixable.safe,
        sm.fixable.unsafe_
    ));
    for l in finding_lines(c, false) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str(&format!(
        "  {} {}\n\n",
        s.bold("Estimated savings:"),
        s.green(&savings_line(sm))
    ));
    let r = c.context;
    out.push_str(&format!(
        "{} {} (the context holds {} in {} files; {})\n",
        s.bold("Build context:"),
        crate::context::sent_line(r, Style { color: false }),
        format_bytes(r.total_bytes),
        r.files,
        r.ignore_file.as_deref().map_or_else(
            || "no .dockerignore".to_string(),
            |f| format!("{f} keeps out {}", format_bytes(r.ignored_bytes))
        )
    ));
    for j in r.junk.iter().filter(|j| j.sent) {
        out.push_str(&format!(
            "  sent: {} {}{} ({})\n",
            j.class.describe(),
            j.path,
            if j.dir { "/" } else { "" },
            format_bytes(j.bytes)
        ));
    }
    out.push('\n');
    match c.rebuild {
        Some((file, p)) => {
            let (rebuilt, total, lines) = rebuild_summary(p);
            out.push_str(&format!(
                "{} changing {file} rebuilds {rebuilt} of {total} steps, {} of layers (estimate)\n",
                s.bold("Rebuild:"),
                crate::context::rebuilt_total(p)
            ));
            for l in lines {
                out.push_str(&format!("  {l}\n"));
            }
            for a in &p.advice {
                out.push_str(&format!("  {} {a}\n", s.yellow("advice:")));
            }
        }
        None => out.push_str(&format!(
            "{} no application file is copied from the context\n",
            s.bold("Rebuild:")
        )),
    }
    out.push('\n');
    let (lines, fits) = path_lines(c.paths);
    out.push_str(&format!("{} {fits}\n", s.bold("Fits:")));
    for l in lines {
        out.push_str(&format!("  {l}\n"));
    }
    out.push('\n');
    out.push_str(&format!("{}\n", s.bold("Runtime:")));
    out.push_str(&c.runtime.text(false));
    out.push('\n');
    match c.restructure {
        Restructure::Diff { diff, notes } => {
            out.push_str(&format!(
                "{} (`ballast fix --restructure` writes it)\n",
                s.bold("Restructured Dockerfile")
            ));
            for n in notes {
                out.push_str(&format!("  note: {n}\n"));
            }
            out.push_str(diff);
        }
        // The refusal is the restructure's line under "Fits".
        Restructure::Refused(_) => {}
    }
    out
}

/// The audit as Markdown (a pull-request comment).
pub fn markdown(c: &Check<'_>) -> String {
    let sm = c.summary;
    let mut out = format!("## ballast check: {}\n\n", c.lint.path);
    if let Some(line) = image_line(sm) {
        out.push_str(&format!("Image: {line}\n\n"));
    }
    out.push_str(&format!(
        "**{}** ({}, {}, {}). Estimated savings: **{}**.\n\n",
        n(sm.findings, "problem"),
        n(sm.errors, "error"),
        n(sm.warnings, "warning"),
        n(sm.infos, "info"),
        savings_line(sm)
    ));
    if !c.lint.findings.is_empty() {
        out.push_str("| severity | code | rule | where | finding |\n|---|---|---|---|---|\n");
        for l in finding_lines(c, true) {
            out.push_str(&l);
            out.push('\n');
        }
        out.push('\n');
    }
    let r = c.context;
    out.push_str(&format!(
        "### Build context\n\n{}. The context holds {} in {} files",
        crate::context::sent_line(r, Style { color: false }),
        format_bytes(r.total_bytes),
        r.files
    ));
    out.push_str(&match &r.ignore_file {
        Some(f) => format!(" ({f} keeps out {}).\n\n", format_bytes(r.ignored_bytes)),
        None => " (no .dockerignore).\n\n".to_string(),
    });
    for j in r.junk.iter().filter(|j| j.sent) {
        out.push_str(&format!(
            "- sent: {} `{}` ({})\n",
            j.class.describe(),
            j.path,
            format_bytes(j.bytes)
        ));
    }
    out.push_str("\n### Rebuild\n\n");
    match c.rebuild {
        Some((file, p)) => {
            let (rebuilt, total, lines) = rebuild_summary(p);
            out.push_str(&format!(
                "Changing `{file}` rebuilds {rebuilt} of {total} steps, {} of layers (estimate).\n\n",
                crate::context::rebuilt_total(p)
            ));
            for l in lines {
                out.push_str(&format!("- {l}\n"));
            }
            for a in &p.advice {
                out.push_str(&format!("- advice: {a}\n"));
            }
        }
        None => out.push_str("No application file is copied from the context.\n"),
    }
    let (lines, fits) = path_lines(c.paths);
    out.push_str(&format!("\n### Which fix fits\n\n**{fits}**\n\n"));
    for l in lines {
        out.push_str(&format!("- {l}\n"));
    }
    out.push_str("\n### Runtime\n\n");
    out.push_str(&c.runtime.text(true));
    out.push_str("\n### Restructured Dockerfile\n\n");
    match c.restructure {
        Restructure::Diff { diff, notes } => {
            for n in notes {
                out.push_str(&format!("- {n}\n"));
            }
            out.push_str(&format!("\n```diff\n{diff}```\n"));
        }
        Restructure::Refused(why) => out.push_str(&format!("Not restructured: {why}.\n")),
    }
    out
}

/// The JSON report (`check --format json`, version 1): the lint report
/// whole, the context, the code change and what it rebuilds, the
/// restructure, and the three ways.
pub fn json(c: &Check<'_>, dockerfile: &str) -> String {
    let v = json_value(c, dockerfile);
    format!(
        "{}\n",
        serde_json::to_string_pretty(&v).expect("a JSON value serializes")
    )
}

/// The JSON of [`json`] as a value (what the HTML page is drawn from).
pub fn json_value(c: &Check<'_>, dockerfile: &str) -> serde_json::Value {
    let restructure = match c.restructure {
        Restructure::Diff { diff, notes } => {
            serde_json::json!({"diff": diff, "notes": notes, "refused": null})
        }
        Restructure::Refused(why) => {
            serde_json::json!({"diff": null, "notes": [], "refused": why})
        }
    };
    let ways: Vec<serde_json::Value> = c
        .paths
        .outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "way": o.way.name(),
                "command": o.way.command(),
                "changes": o.changes,
                "withheld": o.withheld,
                "refused": o.refused,
                "left": o.left.iter().map(|f| f.code()).collect::<Vec<_>>(),
                "predicted_bytes": o.predicted_bytes,
            })
        })
        .collect();
    serde_json::json!({
        "version": 1,
        "dockerfile": dockerfile,
        "lint": crate::lint::json_value(std::slice::from_ref(c.lint), c.summary),
        "context": c.context,
        "rebuild": {
            "changed": c.rebuild.map(|(f, _)| f),
            "prediction": c.rebuild.map(|(_, p)| p),
        },
        "restructure": restructure,
        "paths": {"fits": c.paths.fits().map(|w| w.name()), "ways": ways},
        "runtime": c.runtime.json_value(),
    })
}
