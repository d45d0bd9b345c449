//! CI formats: GitHub workflow commands (annotations on the pull request)
//! and GitLab Code Quality reports.

use ballast_linter::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::LintedFile;

/// GitHub's workflow command escaping for property values and messages.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::warning file=...,line=...::message` lines.
pub fn github(files: &[LintedFile]) -> String {
    let mut out = String::new();
    for file in files {
        if let Some(e) = &file.error {
            out.push_str(&format!(
                "::error file={}::{}\n",
                escape_property(&file.path),
                escape_data(e)
            ));
        }
        for f in &file.findings {
            let (l1, c1, l2, c2) = file.region(f);
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut message = f.message.clone();
            if let Some(size) = f.savings.as_ref().and_then(|s| {
                crate::bytes::saving_size(s).map(|size| format!("{size} {}", s.kind.as_str()))
            }) {
                message.push_str(&format!(" (saves {size})"));
            }
            out.push_str(&format!(
                "::{command} file={},line={l1},col={c1},endLine={l2},endColumn={c2},title={}::{}\n",
                escape_property(&file.path),
                escape_property(&format!("{} {}", f.code(), f.rule.name)),
                escape_data(&message)
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: std::borrow::Cow<'static, str>,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// A GitLab Code Quality report (a JSON array of issues).
pub fn gitlab(files: &[LintedFile]) -> String {
    let mut issues = Vec::new();
    for file in files {
        for f in &file.findings {
            let (l1, _, l2, _) = file.region(f);
            // Stable across runs and unrelated edits: rule, path and the text pointed at.
            let mut h = Sha256::new();
            h.update(f.code().as_bytes());
            h.update([0]);
            h.update(file.path.as_bytes());
            h.update([0]);
            h.update(f.span.text(&file.source).as_bytes());
            h.update([0]);
            h.update(f.message.as_bytes());
            let fingerprint = hex::encode(&h.finalize()[..16]);
            issues.push(Issue {
                description: format!("{}: {}", f.code(), f.message),
                check_name: if f.shellcheck.is_some() {
                    f.code()
                } else {
                    f.rule.name.into()
                },
                fingerprint,
                severity: match f.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                },
                location: Location {
                    path: &file.path,
                    lines: Lines { begin: l1, end: l2 },
                },
            });
        }
    }
    let mut s = serde_json::to_string_pretty(&issues).expect("serializable");
    s.push('\n');
    s
}
