//! SARIF 2.1.0, as GitHub code scanning reads it: every rule with its
//! documentation under `tool.driver.rules`, results with a region in
//! Unicode code points, a stable fingerprint, and fixes as replacements.

use ballast_linter::{Family, Severity, catalog};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::LintedFile;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a relative URI reference (or a `file:` URI when absolute).
fn uri(path: &str) -> String {
    let p = path.strip_prefix("./").unwrap_or(path).replace('\\', "/");
    let mut out = String::new();
    for c in p.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    if out.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn rule_descriptor(r: &catalog::Rule) -> Value {
    let tags = vec![r.family.as_str().to_string()];
    let mut properties = json!({ "tags": tags, "precision": "high" });
    if r.family == Family::Security {
        // GitHub ranks security alerts by this score (0-10).
        let score = match r.severity {
            Severity::Error => "8.0",
            Severity::Warning => "5.0",
            Severity::Info => "2.0",
        };
        properties["security-severity"] = json!(score);
    }
    let mut descriptor = json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.summary },
        "help": { "text": r.doc(), "markdown": r.doc() },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": properties,
    });
    if let Some(b) = r.buildkit {
        // BuildKit's name, under which `docker build --check` reports it.
        descriptor["properties"]["buildkit"] = json!(b);
        descriptor["helpUri"] = json!(format!(
            "https://docs.docker.com/go/dockerfile/rule/{}/",
            catalog::kebab_case(b)
        ));
    }
    descriptor
}

/// A descriptor for a ShellCheck code the `shellcheck` rule reported:
/// SARIF wants every `ruleId` described, and ShellCheck's wiki is its doc.
fn shellcheck_descriptor(code: &str) -> Value {
    let rule = catalog::find("shellcheck").expect("the shellcheck rule");
    let mut d = rule_descriptor(rule);
    d["id"] = json!(code);
    d["name"] = json!(code);
    d["shortDescription"] = json!({ "text": format!("ShellCheck {code}") });
    d["helpUri"] = json!(format!("https://www.shellcheck.net/wiki/{code}"));
    d["properties"]["shellcheck"] = json!(code);
    d
}

/// The SARIF log.
pub fn sarif(files: &[LintedFile]) -> String {
    let rules = catalog::all();
    let shellcheck: std::collections::BTreeSet<String> = files
        .iter()
        .flat_map(|f| &f.findings)
        .filter(|f| f.shellcheck.is_some())
        .map(|f| f.code().into_owned())
        .collect();
    let ids: Vec<String> = rules
        .iter()
        .map(|r| r.code.to_string())
        .chain(shellcheck.iter().cloned())
        .collect();
    let mut results = Vec::new();
    for file in files {
        for f in &file.findings {
            let (l1, c1, l2, c2) = file.region(f);
            let location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&file.path), "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": l1, "startColumn": c1, "endLine": l2, "endColumn": c2 },
                }
            });
            let mut h = Sha256::new();
            h.update(f.code().as_bytes());
            h.update([0]);
            h.update(f.span.text(&file.source).trim().as_bytes());
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(&format!(". Fix: {help}"));
            }
            let mut result = json!({
                "ruleId": f.code(),
                "ruleIndex": ids.iter().position(|id| *id == f.code()).unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [location],
                "partialFingerprints": { "ballastFinding/v1": hex::encode(&h.finalize()[..16]) },
            });
            if let Some(s) = &f.savings {
                result["properties"] = json!({ "savings": { "bytes": s.bytes, "kind": s.kind.as_str(), "basis": s.basis } });
            }
            if let Some(fix) = &f.fix {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let (sl, sc) = file.line_col(e.span.start);
                        let (el, ec) = file.line_col(e.span.end);
                        json!({
                            "deletedRegion": { "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec },
                            "insertedContent": { "text": e.content },
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": format!("{} ({})", fix.message, fix.applicability.as_str()) },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri(&file.path), "uriBaseId": "%SRCROOT%" },
                        "replacements": replacements,
                    }],
                }]);
            }
            results.push(result);
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ballast",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                        .iter()
                        .map(|r| rule_descriptor(r))
                        .chain(shellcheck.iter().map(|c| shellcheck_descriptor(c)))
                        .collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).expect("serializable");
    s.push('\n');
    s
}
