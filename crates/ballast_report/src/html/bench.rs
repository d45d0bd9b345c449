//! The page of `ballast bench`: the lesson's table as bars, sizes on one
//! chart and times on another, a bar per variant, then the table itself.

use serde_json::Value;

use super::svg::{self, BarGroup};
use super::{Cell, Fields, HtmlError, esc, legend, num, table, text};
use crate::bytes::format_bytes;

/// `(title, body)` of the page.
pub(super) fn page(json: &Value) -> Result<(String, String), HtmlError> {
    let f = Fields::new("bench", json);
    let variants = f.array("variants")?;
    let context = f.str("context")?;
    let registry = json
        .get("registry")
        .and_then(Value::as_str)
        .map_or("no registry".to_string(), |r| format!("registry {r}"));
    let mut body = format!(
        r#"<h1>ballast bench: {}</h1><p class="muted">Measured with the {} engine, {}; the code change is one line added to <code>{}</code>.</p>"#,
        esc(context),
        esc(f.str("engine")?),
        esc(&registry),
        esc(f.str("changed_file")?)
    );
    let names: Vec<String> = variants.iter().map(|v| text(v, "name")).collect();
    let colors: Vec<String> = (0..names.len())
        .map(|i| format!("var(--s{})", i % 4))
        .collect();
    let key: Vec<(&str, &str)> = colors
        .iter()
        .zip(&names)
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let group = |label: &str, field: &str| BarGroup {
        label: label.to_string(),
        values: variants
            .iter()
            .map(|v| v.get(field).and_then(Value::as_f64))
            .collect(),
    };
    let sizes = [
        group("size (built)", "size_bytes"),
        group("predicted", "predicted_bytes"),
        group("pushed (compressed)", "compressed_bytes"),
    ];
    let times = [
        group("cold build", "cold_build_seconds"),
        group("code-change rebuild", "code_change_rebuild_seconds"),
        group("no-change rebuild", "no_change_rebuild_seconds"),
        group("push", "push_seconds"),
        group("pull", "pull_seconds"),
    ];
    body.push_str(&format!(
        "<h2>Size</h2>{}{}<h2>Time</h2>{}{}<p class=\"basis\">Measured: sizes as the engine reports them and as pushed; times of real builds, pushes and pulls on this machine (predicted: ballast's image model before building).</p>",
        svg::bars(&names, &sizes, &|v| format_bytes(v as u64)),
        legend(&key),
        svg::bars(&names, &times, &|v| format!("{v:.1} s")),
        legend(&key)
    ));
    body.push_str(&variants_table(variants));
    for note in f.array("notes")? {
        body.push_str(&format!(
            r#"<p class="basis">{}</p>"#,
            esc(note.as_str().unwrap_or_default())
        ));
    }
    Ok((format!("ballast bench: {context}"), body))
}

fn variants_table(variants: &[Value]) -> String {
    let secs = |v: &Value, k: &str| match v.get(k).and_then(Value::as_f64) {
        Some(s) => Cell::Number(s, format!("{s:.1} s")),
        None => Cell::Number(f64::NAN, "–".into()),
    };
    let bytes = |v: &Value, k: &str| match v.get(k).and_then(Value::as_u64) {
        Some(b) => Cell::Bytes(b),
        None => Cell::Number(f64::NAN, "–".into()),
    };
    let rows = variants
        .iter()
        .map(|v| {
            vec![
                Cell::Text(text(v, "name")),
                bytes(v, "size_bytes"),
                bytes(v, "predicted_bytes"),
                bytes(v, "compressed_bytes"),
                Cell::Number(num(v, "layers") as f64, num(v, "layers").to_string()),
                secs(v, "cold_build_seconds"),
                secs(v, "code_change_rebuild_seconds"),
                secs(v, "no_change_rebuild_seconds"),
                secs(v, "push_seconds"),
                secs(v, "pull_seconds"),
            ]
        })
        .collect();
    let columns = [
        ("variant", false),
        ("size", true),
        ("predicted", true),
        ("pushed", true),
        ("layers", true),
        ("cold build", true),
        ("code change", true),
        ("no change", true),
        ("push", true),
        ("pull", true),
    ];
    table("variants", &columns, rows)
}
