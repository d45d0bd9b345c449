//! Validation against the published schemas in `testdata/schemas/`.

use serde_json::Value;

/// The first few places where `log` breaks the SARIF 2.1.0 schema (none
/// when it is valid).
pub fn sarif_errors(log: &Value) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/schemas/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).expect("the SARIF schema");
    // The published schema's `language` pattern has a stray `]` that Rust
    // regex engines reject; it only constrains a field ballast never writes.
    let text = text.replace(
        r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#,
        r#"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"#,
    );
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::draft7::new(&schema).expect("a draft-7 schema");
    validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect()
}
