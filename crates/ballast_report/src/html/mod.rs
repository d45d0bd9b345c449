//! `--format html`: one self-contained page (styles and the sorting script
//! inline, a Content-Security-Policy that forbids every fetch, light and dark
//! colours from the reader's setting) drawn from a report's JSON, so a saved
//! report (`ballast report FILE.json`) and a live one look the same.
//!
//! The page frame is an askama template (`templates/page.html`, escaped by
//! default); the sections are built here with [`esc`] on every text and
//! the charts are inline SVG from [`svg`].

mod bench;
mod check;
mod diff;
mod inspect;
mod svg;

use std::fmt::Write;

use askama::Template;
use serde_json::Value;

use crate::bytes::format_bytes;

/// Why a JSON document could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error(
        "not a ballast report this version can draw (expected the JSON of `inspect`, `diff`, `check` or `bench`)"
    )]
    UnknownKind,
    #[error("the {kind} report lacks `{field}`")]
    Missing { kind: &'static str, field: String },
    #[error("the page could not be written: {0}")]
    Template(#[from] askama::Error),
}

/// The kinds of report a page can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Inspect,
    Diff,
    Check,
    Bench,
}

impl Kind {
    /// Which report a JSON document is, by the fields only it has.
    pub fn of(json: &Value) -> Option<Kind> {
        let has = |k: &str| json.get(k).is_some();
        if has("totals") && has("layers") && has("composition") {
            Some(Kind::Inspect)
        } else if has("a") && has("b") && has("table") {
            Some(Kind::Diff)
        } else if has("lint") && has("context") && has("rebuild") {
            Some(Kind::Check)
        } else if has("variants") && has("engine") {
            Some(Kind::Bench)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Inspect => "inspect",
            Kind::Diff => "diff",
            Kind::Check => "check",
            Kind::Bench => "bench",
        }
    }
}

#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    kind: &'a str,
    title: &'a str,
    version: &'a str,
    body: &'a str,
}

/// The page of a report's JSON; `version` names the ballast that made it.
pub fn render(json: &Value, version: &str) -> Result<String, HtmlError> {
    let kind = Kind::of(json).ok_or(HtmlError::UnknownKind)?;
    let (title, body) = match kind {
        Kind::Inspect => inspect::page(json)?,
        Kind::Diff => diff::page(json)?,
        Kind::Check => check::page(json)?,
        Kind::Bench => bench::page(json)?,
    };
    let page = Page {
        kind: kind.name(),
        title: &title,
        version,
        body: &body,
    };
    Ok(page.render()?)
}

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` as `1,234,567`.
pub(crate) fn exact(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads the fields of one report, naming what is missing.
pub(crate) struct Fields<'a> {
    kind: &'static str,
    json: &'a Value,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(kind: &'static str, json: &'a Value) -> Self {
        Fields { kind, json }
    }

    fn missing(&self, field: &str) -> HtmlError {
        HtmlError::Missing {
            kind: self.kind,
            field: field.to_string(),
        }
    }

    /// The value at a `/`-separated path.
    pub(crate) fn get(&self, path: &str) -> Result<&'a Value, HtmlError> {
        self.json
            .pointer(&format!("/{path}"))
            .ok_or_else(|| self.missing(path))
    }

    pub(crate) fn u64(&self, path: &str) -> Result<u64, HtmlError> {
        self.get(path)?.as_u64().ok_or_else(|| self.missing(path))
    }

    pub(crate) fn str(&self, path: &str) -> Result<&'a str, HtmlError> {
        self.get(path)?.as_str().ok_or_else(|| self.missing(path))
    }

    pub(crate) fn array(&self, path: &str) -> Result<&'a [Value], HtmlError> {
        self.get(path)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.missing(path))
    }
}

/// A field of an array element (absent: empty or zero).
pub(crate) fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn num(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// One cell of a [`table`].
pub(crate) enum Cell {
    Text(String),
    Code(String),
    Bytes(u64),
    /// A signed byte delta.
    Delta(i64),
    /// A number sorted by `value`, shown as `shown`.
    Number(f64, String),
}

/// A sortable table: `(header, numeric)` columns.
pub(crate) fn table(class: &str, columns: &[(&str, bool)], rows: Vec<Vec<Cell>>) -> String {
    let mut out = format!(r#"<table class="sortable {class}"><thead><tr>"#);
    for (h, numeric) in columns {
        let cls = if *numeric { r#" class="num""# } else { "" };
        let _ = write!(out, "<th{cls}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = match cell {
                Cell::Text(t) => write!(out, "<td>{}</td>", esc(&t)),
                Cell::Code(t) => write!(out, "<td><code>{}</code></td>", esc(&t)),
                Cell::Bytes(b) => write!(
                    out,
                    r#"<td class="num" data-sort="{b}" title="{} bytes">{}</td>"#,
                    exact(b),
                    format_bytes(b)
                ),
                Cell::Delta(d) => write!(
                    out,
                    r#"<td class="num" data-sort="{d}" title="{d} bytes">{}</td>"#,
                    crate::bytes::format_delta(d)
                ),
                Cell::Number(v, shown) => write!(
                    out,
                    r#"<td class="num" data-sort="{v}">{}</td>"#,
                    esc(&shown)
                ),
            };
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// The headline figures: `(label, value shown, exact bytes if a size)`.
pub(crate) fn stats(items: &[(&str, String, Option<u64>)]) -> String {
    let titled: Vec<(&str, String, Option<u64>, String)> = items
        .iter()
        .map(|(l, s, b)| {
            let title = b.map_or(String::new(), |b| format!("{} bytes", exact(b)));
            (*l, s.clone(), *b, title)
        })
        .collect();
    titled_stats(&titled)
}

/// [`stats`] with the hover text given: `(label, shown, bytes, title)`.
pub(crate) fn titled_stats(items: &[(&str, String, Option<u64>, String)]) -> String {
    let mut out = String::from(r#"<ul class="stats">"#);
    for (label, shown, bytes, title) in items {
        let title = if title.is_empty() {
            String::new()
        } else {
            format!(r#" title="{}""#, esc(title))
        };
        let data = bytes.map_or(String::new(), |b| format!(r#" data-bytes="{b}""#));
        let _ = write!(
            out,
            r#"<li data-stat="{}"{data}{title}><span class="muted">{}</span><b>{}</b></li>"#,
            esc(label),
            esc(label),
            esc(shown)
        );
    }
    out.push_str("</ul>");
    out
}

/// The composition groups of a report as chart cells, sized by `bytes_key`
/// (`bytes`, or a diff's `a_bytes`/`b_bytes`), each in its group's colour.
pub(crate) fn group_cells(groups: &[Value], bytes_key: &str) -> Vec<svg::Cell> {
    groups
        .iter()
        .map(|g| svg::Cell {
            key: text(g, "group"),
            label: text(g, "label"),
            bytes: num(g, bytes_key),
            color: format!("var(--{})", text(g, "group")),
        })
        .collect()
}

/// The legend of [`group_cells`].
pub(crate) fn group_legend(groups: &[Value]) -> String {
    let cells = group_cells(groups, "bytes");
    let items: Vec<(&str, &str)> = cells
        .iter()
        .map(|c| (c.color.as_str(), c.label.as_str()))
        .collect();
    legend(&items)
}

/// A legend: `(CSS colour, label)`.
pub(crate) fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::from(r#"<ul class="legend">"#);
    for (color, label) in items {
        let _ = write!(
            out,
            r#"<li><span class="swatch" style="background:{color}"></span>{}</li>"#,
            esc(label)
        );
    }
    out.push_str("</ul>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_groups_digits() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(exact(0), "0");
        assert_eq!(exact(999), "999");
        assert_eq!(exact(1_000), "1,000");
        assert_eq!(exact(5_438_368_104), "5,438,368,104");
    }

    #[test]
    fn unknown_json_is_an_error_not_a_page() {
        let e = render(&serde_json::json!({"hello": 1}), "0").unwrap_err();
        assert!(matches!(e, HtmlError::UnknownKind), "{e}");
    }
}
