//! rustc-style diagnostics with source snippets (annotate-snippets), then
//! the totals: counts, fixes, and the estimated savings.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use ballast_linter::{Applicability, Finding, Severity};

use super::{LintedFile, Summary};
use crate::Style;

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Renders findings and the summary for a terminal.
pub fn terminal(files: &[LintedFile], summary: &Summary, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let style = Style { color };
    let mut out = String::new();
    for file in files {
        for f in &file.findings {
            let label = f.savings.as_ref().and_then(|s| {
                let size = crate::bytes::saving_size(s)?;
                Some(match s.kind {
                    ballast_linter::SavingsKind::Image => format!("{size} in the image"),
                    ballast_linter::SavingsKind::Rebuild => {
                        format!("{size} reinstalled on every code change")
                    }
                    ballast_linter::SavingsKind::Context => format!("{size} of build context"),
                })
            });
            // Only the lines the spans cover go to the renderer: handing it
            // the whole file for each finding costs the file's length each.
            let (at, window) = window(file, f);
            let mut primary =
                AnnotationKind::Primary.span(f.span.start - at..f.span.end.max(f.span.start) - at);
            if let Some(l) = &label {
                primary = primary.label(l.as_str());
            }
            let mut snippet = Snippet::source(window)
                .line_start(file.line_col(at).0)
                .path(file.path.as_str())
                .fold(true)
                .annotation(primary);
            for (span, text) in &f.related {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(span.start - at..span.end - at)
                        .label(text.as_str()),
                );
            }
            let title = format!("{} ({})", f.message, f.rule.name);
            let mut group: Group<'_> = level(f.severity)
                .primary_title(title)
                .id(f.code())
                .element(snippet);
            if let Some(h) = &f.help {
                group = group.element(Level::HELP.message(h.as_str()));
            }
            if let Some(s) = &f.savings {
                group = group.element(Level::NOTE.message(s.basis.as_str()));
            }
            if let Some(fix) = &f.fix {
                let how = match fix.applicability {
                    Applicability::Safe => "`ballast fix` applies it".to_string(),
                    Applicability::Unsafe => {
                        "unsafe: `ballast fix --unsafe-fixes` applies it".to_string()
                    }
                };
                group = group.element(Level::HELP.message(format!("fix: {} ({how})", fix.message)));
            }
            out.push_str(&renderer.render(&[group]));
            out.push_str("\n\n");
        }
    }
    out.push_str(&summary_lines(summary, &style));
    out
}

/// The whole lines a finding's spans cover, and where they start.
fn window<'a>(file: &'a LintedFile, f: &Finding) -> (usize, &'a str) {
    let src = file.source.as_str();
    let spans = std::iter::once(f.span).chain(f.related.iter().map(|(s, _)| *s));
    let lo = spans
        .clone()
        .map(|s| s.start)
        .min()
        .unwrap_or(0)
        .min(src.len());
    let hi = spans
        .map(|s| s.end.max(s.start))
        .max()
        .unwrap_or(0)
        .min(src.len());
    let start = src[..lo].rfind('\n').map_or(0, |i| i + 1);
    let end = src[hi..].find('\n').map_or(src.len(), |i| hi + i);
    (start, &src[start..end])
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_lines(s: &Summary, style: &Style) -> String {
    let mut out = String::new();
    if s.files == s.input_errors {
        // Nothing was linted: the errors on stderr say all there is, and
        // one failed file needs no tally.
        if s.input_errors > 1 {
            out.push_str(&format!(
                "{} could not be linted.\n",
                plural(s.input_errors, "file", "files")
            ));
        }
        return out;
    }
    if s.findings == 0 {
        out.push_str(&format!(
            "{} in {}.\n",
            style.green("No problems found"),
            plural(s.files - s.input_errors, "file", "files")
        ));
    } else {
        let mut parts = Vec::new();
        if s.errors > 0 {
            parts.push(style.red(&plural(s.errors, "error", "errors")));
        }
        if s.warnings > 0 {
            parts.push(style.yellow(&plural(s.warnings, "warning", "warnings")));
        }
        if s.infos > 0 {
            parts.push(style.cyan(&plural(s.infos, "info", "infos")));
        }
        out.push_str(&format!(
            "Found {} in {}: {}.\n",
            plural(s.findings, "problem", "problems"),
            plural(s.files - s.input_errors, "file", "files"),
            parts.join(", ")
        ));
    }
    if s.fixable.safe + s.fixable.unsafe_ > 0 {
        let mut line = format!("{} fixable with `ballast fix`", s.fixable.safe);
        if s.fixable.unsafe_ > 0 {
            line.push_str(&format!(
                " ({} more with `--unsafe-fixes`)",
                s.fixable.unsafe_
            ));
        }
        out.push_str(&line);
        out.push_str(".\n");
    }
    if let Some(img) = &s.image {
        out.push_str(&format!(
            "{} about {} now, about {} with every fix ({} with the safe ones); {}.\n",
            style.bold("Estimated image:"),
            crate::bytes::format_bytes(img.predicted_bytes),
            crate::bytes::format_bytes(img.predicted_after_fixes_bytes),
            crate::bytes::format_bytes(img.safe_after_fixes_bytes),
            img.basis
        ));
    }
    let savings = super::savings_parts(&s.savings);
    if !savings.is_empty() {
        out.push_str(&format!(
            "{} {}.\n",
            style.bold("Estimated savings:"),
            style.green(&savings.join(", "))
        ));
    }
    if s.input_errors > 0 {
        out.push_str(&format!(
            "{} could not be linted.\n",
            plural(s.input_errors, "file", "files")
        ));
    }
    out
}
