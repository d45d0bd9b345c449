//! The versioned JSON report (`docs/lint.md` documents it).

use ballast_linter::Finding;
use serde::Serialize;

use super::{LintedFile, Summary};

/// Bumped when a field changes meaning or disappears; new fields may be
/// added within a version.
pub(super) const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    /// Each file's predicted image, step by step.
    images: Vec<JsonImage<'a>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct JsonImage<'a> {
    path: &'a str,
    #[serde(flatten)]
    estimate: &'a ballast_linter::model::ImageEstimate,
    base: &'a Option<ballast_linter::model::Base>,
    steps: &'a [ballast_linter::model::Step],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_sized: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: std::borrow::Cow<'static, str>,
    name: &'static str,
    family: &'static str,
    severity: &'static str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    savings: Option<JsonSavings<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonSavings<'a> {
    bytes: u64,
    kind: &'static str,
    basis: &'a str,
    /// Only part could be sized: the saving is at least `bytes`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    at_least: bool,
    /// Parts that are one thing another finding may also name; the summary
    /// counts each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shared: Vec<JsonShared<'a>>,
}

#[derive(Serialize)]
struct JsonShared<'a> {
    thing: &'a str,
    bytes: u64,
}

fn finding<'a>(file: &'a LintedFile, f: &'a Finding) -> JsonFinding<'a> {
    let (line, column, end_line, end_column) = file.region(f);
    JsonFinding {
        code: f.code(),
        name: f.rule.name,
        family: f.rule.family.as_str(),
        severity: f.severity.as_str(),
        path: &file.path,
        line,
        column,
        end_line,
        end_column,
        message: &f.message,
        help: f.help.as_deref(),
        fix: f.fix.as_ref().map(|x| JsonFix {
            applicability: x.applicability.as_str(),
            message: &x.message,
            edits: x
                .edits
                .iter()
                .map(|e| {
                    let (line, column) = file.line_col(e.span.start);
                    let (end_line, end_column) = file.line_col(e.span.end);
                    JsonEdit {
                        line,
                        column,
                        end_line,
                        end_column,
                        content: &e.content,
                    }
                })
                .collect(),
        }),
        savings: f.savings.as_ref().map(|s| JsonSavings {
            bytes: s.bytes,
            kind: s.kind.as_str(),
            basis: &s.basis,
            at_least: s.at_least,
            shared: s
                .shared
                .iter()
                .map(|(thing, bytes)| JsonShared {
                    thing,
                    bytes: *bytes,
                })
                .collect(),
        }),
    }
}

/// The JSON report.
pub fn json(files: &[LintedFile], summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&report(files, summary)).expect("serializable");
    s.push('\n');
    s
}

/// The JSON report as a value (`check` embeds it).
pub fn json_value(files: &[LintedFile], summary: &Summary) -> serde_json::Value {
    serde_json::to_value(report(files, summary)).expect("serializable")
}

fn report<'a>(files: &'a [LintedFile], summary: &'a Summary) -> Report<'a> {
    Report {
        version: JSON_VERSION,
        tool: Tool {
            name: "ballast",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: files
            .iter()
            .flat_map(|file| file.findings.iter().map(move |f| finding(file, f)))
            .collect(),
        errors: files
            .iter()
            .filter_map(|f| {
                f.error.as_deref().map(|m| JsonError {
                    path: &f.path,
                    message: m,
                })
            })
            .collect(),
        images: files
            .iter()
            .filter_map(|f| {
                f.image.as_ref().map(|e| JsonImage {
                    path: &f.path,
                    estimate: e,
                    base: &e.model.base,
                    steps: &e.model.steps,
                    not_sized: &e.model.not_sized,
                })
            })
            .collect(),
        summary,
    }
}
