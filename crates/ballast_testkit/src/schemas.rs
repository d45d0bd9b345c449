//! Validation against the published schemas in `testdata/schemas/`.

use serde_json::Value;

fn schema(name: &str) -> String {
    let path = format!(
        "{}/../../testdata/schemas/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the schema is JSON")
}

/// The first few places where `doc` breaks `validator`'s schema.
fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect()
}

/// The first few places where `log` breaks the SARIF 2.1.0 schema (none
/// when it is valid).
pub fn sarif_errors(log: &Value) -> Vec<String> {
    // The published schema's `language` pattern has a stray `]` that Rust
    // regex engines reject; it only constrains a field ballast never writes.
    let text = schema("sarif-schema-2.1.0.json").replace(
        r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#,
        r#"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"#,
    );
    let validator = jsonschema::draft7::new(&json(&text)).expect("a draft-7 schema");
    errors(&validator, log)
}

/// The first few places where `bom` breaks the CycloneDX 1.5 schema, with
/// the SPDX licence-id and JSF signature schemas it refers to.
pub fn cyclonedx_errors(bom: &Value) -> Vec<String> {
    // The bundled files keep the `SNAPSHOT` names the schema refers to them by.
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            json(&schema("spdx.schema.json")),
        )
        .and_then(|r| {
            r.add(
                "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                json(&schema("jsf-0.82.schema.json")),
            )
        })
        .and_then(|r| r.prepare())
        .expect("the referenced schemas register");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_registry(&registry)
        .build(&json(&schema("bom-1.5.schema.json")))
        .expect("the CycloneDX 1.5 schema compiles");
    errors(&validator, bom)
}

/// The first few places where `doc` breaks the SPDX 2.3 JSON schema.
pub fn spdx_errors(doc: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .build(&json(&schema("spdx-schema-2.3.json")))
        .expect("the SPDX 2.3 schema compiles");
    errors(&validator, doc)
}
