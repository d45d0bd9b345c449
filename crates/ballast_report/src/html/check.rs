//! The page of `ballast check`: the predicted image step by step, the
//! findings' savings as a waterfall from now to after the fixes, the size
//! each way of fixing gives, what a code change rebuilds, the context, and
//! the findings.

use serde_json::Value;

use super::svg::{self, BarGroup, LayerSegment, Step};
use super::{Cell, Fields, HtmlError, esc, legend, num, stats, table, text};
use crate::bytes::format_bytes;

/// `(title, body)` of the page.
pub(super) fn page(json: &Value) -> Result<(String, String), HtmlError> {
    let f = Fields::new("check", json);
    let dockerfile = f.str("dockerfile")?;
    let mut body = format!(
        r#"<h1>ballast check: {}</h1><p class="muted">{}</p>"#,
        esc(dockerfile),
        esc(f.str("lint/summary/image/basis")?)
    );
    body.push_str(&headline(&f)?);
    body.push_str(&steps(&f)?);
    body.push_str(&waterfall(&f)?);
    body.push_str(&ways(&f)?);
    body.push_str(&rebuild(&f)?);
    body.push_str(&findings(&f)?);
    body.push_str(&runtime(&json["runtime"]));
    body.push_str(&restructure(&f)?);
    Ok((format!("ballast check: {dockerfile}"), body))
}

fn headline(f: &Fields<'_>) -> Result<String, HtmlError> {
    let bytes = |label, path: &str| -> Result<(&str, String, Option<u64>), HtmlError> {
        let b = f.u64(path)?;
        Ok((label, format_bytes(b), Some(b)))
    };
    let count = |label, path: &str| -> Result<(&str, String, Option<u64>), HtmlError> {
        Ok((label, f.u64(path)?.to_string(), None))
    };
    // No code file to change (none copied in): no rebuild to show.
    let rebuild = match f.get("rebuild/prediction")?.is_null() {
        true => ("rebuilt by a code change", "–".to_string(), None),
        false => bytes(
            "rebuilt by a code change",
            "rebuild/prediction/rebuilt_bytes",
        )?,
    };
    Ok(stats(&[
        bytes("image now (estimate)", "lint/summary/image/predicted_bytes")?,
        bytes(
            "after the safe fixes",
            "lint/summary/image/safe_after_fixes_bytes",
        )?,
        bytes(
            "after every fix",
            "lint/summary/image/predicted_after_fixes_bytes",
        )?,
        rebuild,
        bytes("context sent", "context/sent_bytes")?,
        count("errors", "lint/summary/errors")?,
        count("warnings", "lint/summary/warnings")?,
    ]))
}

/// The first image of the lint summary (the Dockerfile's target).
fn image<'a>(f: &Fields<'a>) -> Result<&'a Value, HtmlError> {
    f.array("lint/images")?
        .first()
        .ok_or_else(|| HtmlError::Missing {
            kind: "check",
            field: "lint/images/0".into(),
        })
}

fn steps(f: &Fields<'_>) -> Result<String, HtmlError> {
    let image = image(f)?;
    let base = image.get("base");
    let mut segments = Vec::new();
    if let Some(b) = base.filter(|b| !b.is_null()) {
        segments.push(LayerSegment {
            index: 0,
            label: format!("FROM {} (the base image)", text(b, "image")),
            bytes: num(b, "bytes"),
            wasted: 0,
            base: true,
        });
    }
    let steps = image["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for s in steps.iter().filter(|s| num(s, "bytes") > 0) {
        segments.push(LayerSegment {
            index: num(s, "line") as usize,
            label: format!("line {}: {}", num(s, "line"), text(s, "instruction")),
            bytes: num(s, "bytes"),
            wasted: 0,
            base: false,
        });
    }
    let rows = steps
        .iter()
        .filter(|s| num(s, "bytes") > 0)
        .flat_map(|s| {
            let parts = s["parts"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            parts.iter().map(move |p| {
                vec![
                    Cell::Number(num(s, "line") as f64, num(s, "line").to_string()),
                    Cell::Code(text(s, "instruction")),
                    Cell::Text(text(p, "what")),
                    Cell::Bytes(num(p, "bytes")),
                    Cell::Text(text(p, "basis")),
                ]
            })
        })
        .collect();
    Ok(format!(
        "<h2>The image, step by step</h2>{}{}<p class=\"basis\">Estimate: ballast's image model of the Dockerfile (each part says what it rests on). Hover a step for its bytes.</p>{}",
        svg::layer_bar(&segments),
        legend(&[
            ("var(--base)", "base image"),
            ("var(--yours)", "your steps")
        ]),
        table(
            "steps",
            &[
                ("line", true),
                ("instruction", false),
                ("what", false),
                ("bytes", true),
                ("basis", false)
            ],
            rows
        )
    ))
}

/// From the image now to the image after every fix: each finding's saving
/// (its marginal effect with the other fixes made), then what the fixes do
/// together beyond those, so the end is the model's figure.
fn waterfall(f: &Fields<'_>) -> Result<String, HtmlError> {
    let now = f.u64("lint/summary/image/predicted_bytes")?;
    let after = f.u64("lint/summary/image/predicted_after_fixes_bytes")?;
    let mut steps: Vec<Step> = f
        .array("lint/findings")?
        .iter()
        .filter(|x| x["savings"]["kind"] == "image")
        .map(|x| Step {
            label: text(x, "name"),
            bytes: x["savings"]["bytes"].as_i64().unwrap_or(0),
        })
        .filter(|s| s.bytes > 0)
        .collect();
    steps.sort_by_key(|s| std::cmp::Reverse(s.bytes));
    let separate: i64 = steps.iter().map(|s| s.bytes).sum();
    let together = now as i64 - after as i64 - separate;
    if together != 0 {
        steps.push(Step {
            label: "the fixes together, beyond the above".into(),
            bytes: together,
        });
    }
    Ok(format!(
        "<h2>What the fixes save</h2>{}<p class=\"basis\">Estimate: each finding's saving is its effect with the other fixes made; the last step is what the fixes save together beyond their separate figures (a cache of a smaller install is smaller too), so the end is the model's image after every fix.</p>",
        svg::waterfall(("image now", now), &steps, "after every fix")
    ))
}

fn ways(f: &Fields<'_>) -> Result<String, HtmlError> {
    let now = f.u64("lint/summary/image/predicted_bytes")?;
    let mut groups = vec![BarGroup {
        label: "as written".into(),
        values: vec![Some(now as f64)],
    }];
    let mut refused = String::new();
    for w in f.array("paths/ways")? {
        match w.get("predicted_bytes").and_then(Value::as_u64) {
            Some(b) => groups.push(BarGroup {
                label: text(w, "way"),
                values: vec![Some(b as f64)],
            }),
            None => refused.push_str(&format!(
                "<p class=\"muted\">{}: refused — {}</p>",
                esc(&text(w, "way")),
                esc(&text(w, "refused"))
            )),
        }
    }
    Ok(format!(
        "<h2>Size per way of fixing</h2>{}{refused}<p class=\"basis\">Estimate: the image model of the Dockerfile each way writes.</p>",
        svg::bars(&["predicted size".to_string()], &groups, &|v| format_bytes(
            v as u64
        ))
    ))
}

fn rebuild(f: &Fields<'_>) -> Result<String, HtmlError> {
    if f.get("rebuild/prediction")?.is_null() {
        return Ok("<h2>A one-line code change</h2><p>No application file is copied from the context: no code change to predict.</p>".into());
    }
    let steps = f.array("rebuild/prediction/steps")?;
    let rows = steps
        .iter()
        .map(|s| {
            vec![
                Cell::Number(num(s, "line") as f64, num(s, "line").to_string()),
                Cell::Code(text(s, "instruction")),
                Cell::Text(text(s, "status")),
                match s.get("cost_bytes").and_then(Value::as_u64) {
                    Some(b) => Cell::Bytes(b),
                    None => Cell::Number(0.0, "–".into()),
                },
                Cell::Text(text(s, "reason")),
            ]
        })
        .collect();
    let advice: String = f
        .array("rebuild/prediction/advice")?
        .iter()
        .map(|a| format!("<p>{}</p>", esc(a.as_str().unwrap_or_default())))
        .collect();
    Ok(format!(
        "<h2>A one-line change to <code>{}</code></h2>{advice}{}",
        esc(f.str("rebuild/changed")?),
        table(
            "rebuild",
            &[
                ("line", true),
                ("instruction", false),
                ("status", false),
                ("rebuilt bytes", true),
                ("why", false)
            ],
            rows
        )
    ))
}

/// A finding's line, rule, severity and message, as table cells.
fn finding_cells(x: &Value) -> Vec<Cell> {
    vec![
        Cell::Number(num(x, "line") as f64, num(x, "line").to_string()),
        Cell::Code(text(x, "name")),
        Cell::Text(text(x, "severity")),
        Cell::Text(text(x, "message")),
    ]
}

fn findings(f: &Fields<'_>) -> Result<String, HtmlError> {
    let rows = f
        .array("lint/findings")?
        .iter()
        .map(|x| {
            let saving = &x["savings"];
            let mut row = finding_cells(x);
            row.push(Cell::Bytes(num(saving, "bytes")));
            row.push(Cell::Text(text(saving, "kind")));
            row
        })
        .collect();
    Ok(format!(
        "<h2>Findings</h2>{}",
        table(
            "findings",
            &[
                ("line", true),
                ("rule", false),
                ("severity", false),
                ("finding", false),
                ("saves", true),
                ("of", false)
            ],
            rows
        )
    ))
}

/// The compose findings and the hardened service block (a report saved
/// before `check` had them has none).
fn runtime(r: &Value) -> String {
    let Some(block) = r["hardened"].as_str() else {
        return String::new();
    };
    let mut out = String::from("<h2>Runtime</h2>");
    match r["compose"].as_str() {
        Some(path) => {
            let rows = r["lint"]["findings"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(finding_cells)
                .collect();
            out.push_str(&format!("<p>{}</p>", esc(path)));
            out.push_str(&table(
                "runtime",
                &[
                    ("line", true),
                    ("rule", false),
                    ("severity", false),
                    ("finding", false),
                ],
                rows,
            ));
        }
        None => out.push_str("<p>No compose file runs the image.</p>"),
    }
    out.push_str(&format!(
        r#"<h3>Hardened service</h3><p class="muted">{}</p><pre><code>{}</code></pre>"#,
        esc(r["basis"].as_str().unwrap_or("")),
        esc(block)
    ));
    out
}

fn restructure(f: &Fields<'_>) -> Result<String, HtmlError> {
    let r = f.get("restructure")?;
    Ok(match (r["diff"].as_str(), r["refused"].as_str()) {
        (Some(diff), _) => format!(
            "<h2>The restructured Dockerfile</h2><pre><code>{}</code></pre>",
            esc(diff)
        ),
        (None, Some(why)) => format!(
            "<h2>The restructured Dockerfile</h2><p>Refused: {}</p>",
            esc(why)
        ),
        (None, None) => String::new(),
    })
}
