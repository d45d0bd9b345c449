//! The rules reference (`docs/rules.md`) and the one-rule text `ballast
//! rule` prints, both made from the registry and the rules' doc comments.

use std::fmt::Write as _;

use crate::catalog::{self, Family, Rule};

/// The header line of a rule: code, name, family, severity, fix.
pub fn rule_header(r: &Rule) -> String {
    format!(
        "{} {} (family: {}, default severity: {}, fix: {})",
        r.code,
        r.name,
        r.family.as_str(),
        r.severity,
        r.fix.as_str()
    )
}

/// One rule as Markdown.
pub fn rule_markdown(r: &Rule, heading: &str) -> String {
    let mut out = String::new();
    writeln!(out, "{heading} {} `{}`\n", r.code, r.name).unwrap();
    writeln!(
        out,
        "{}. Family: {}; default severity: {}; fix: {}{}{}{}.\n",
        r.summary,
        r.family.as_str(),
        r.severity,
        r.fix.as_str(),
        r.buildkit
            .map(|b| format!("; BuildKit's `{b}` (the name is accepted too)"))
            .unwrap_or_default(),
        if r.hadolint.is_empty() {
            String::new()
        } else {
            format!(
                "; `# hadolint ignore={}` also suppresses it",
                r.hadolint.join(",")
            )
        },
        if r.needs_config {
            "; off until configured"
        } else {
            ""
        },
    )
    .unwrap();
    // Demote the doc's own headings below the rule heading.
    for line in r.doc().lines() {
        if let Some(rest) = line.strip_prefix("## ") {
            writeln!(out, "{heading}# {rest}").unwrap();
        } else {
            writeln!(out, "{line}").unwrap();
        }
    }
    out
}

/// The whole reference.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Lint rules\n\n<!-- Generated from the rules' doc comments by `BALLAST_UPDATE_DOCS=1 cargo test -p ballast_linter --test docs`; do not edit. -->\n\n",
    );
    out.push_str(
        "| code | name | family | severity | fix | summary |\n|---|---|---|---|---|---|\n",
    );
    for r in catalog::all() {
        writeln!(
            out,
            "| {} | [`{}`](#{}-{}) | {} | {} | {} | {} |",
            r.code,
            r.name,
            r.code.to_ascii_lowercase(),
            r.name,
            r.family.as_str(),
            r.severity,
            r.fix.as_str(),
            r.summary
        )
        .unwrap();
    }
    out.push('\n');
    for f in Family::ALL {
        writeln!(out, "## {}\n", family_title(f)).unwrap();
        for r in catalog::all().iter().filter(|r| r.family == f) {
            out.push_str(&rule_markdown(r, "###"));
            out.push('\n');
        }
    }
    out.push_str("## From hadolint\n\n");
    out.push_str(&hadolint_markdown());
    out
}

/// hadolint's DL rules and the ballast rules that cover them
/// (`ballast rule --map hadolint`).
pub fn hadolint_markdown() -> String {
    let mut out = String::from(
        "What answers each of hadolint's DL rules in ballast. `# hadolint ignore=` and `.hadolint.yaml` \
         act on the covering rules; ShellCheck's SC codes are reported by the `shellcheck` rule under their own codes and suppressed the same way.\n\n\
         | hadolint | what it checks | ballast |\n|---|---|---|\n",
    );
    for m in crate::hadolint::mapping() {
        let ballast = if m.rules.is_empty() {
            m.note.to_string()
        } else {
            let names: Vec<String> = m.rules.iter().map(|r| format!("`{}`", r.name)).collect();
            names.join(", ")
        };
        writeln!(out, "| {} | {} | {ballast} |", m.code, m.summary).unwrap();
    }
    out
}

fn family_title(f: Family) -> &'static str {
    match f {
        Family::Size => "Size",
        Family::Cache => "Cache",
        Family::Ml => "ML",
        Family::Security => "Security",
        Family::Context => "Context",
        Family::Buildkit => "BuildKit checks",
        Family::Shell => "Shell (ShellCheck)",
        Family::Practice => "Build practices",
        Family::Runtime => "Runtime (compose files, Kubernetes manifests)",
    }
}
