//! `ballast rule [NAME|CODE]`: a rule's documentation, or the list of rules.

use anyhow::{Result, bail};
use ballast_linter::{catalog, docs};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::output::emit;

#[derive(Args, Debug)]
pub(crate) struct RuleArgs {
    /// A rule code (BL101) or name (full-python-base); none lists every rule.
    pub rule: Option<String>,
    /// Instead, what covers each rule of another linter (`hadolint`).
    #[arg(long, value_enum, conflicts_with = "rule")]
    pub map: Option<Peer>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A linter whose rules `--map` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Peer {
    Hadolint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Markdown,
    Json,
}

fn json_rule(r: &catalog::Rule) -> serde_json::Value {
    serde_json::json!({
        "code": r.code,
        "name": r.name,
        "family": r.family.as_str(),
        "severity": r.severity.as_str(),
        "fix": r.fix.as_str(),
        "summary": r.summary,
        "hadolint": r.hadolint,
        "needs_config": r.needs_config,
        "buildkit": r.buildkit,
        "doc": r.doc(),
    })
}

/// hadolint's DL rules and what covers each.
fn hadolint_map(format: Format) -> String {
    let map = ballast_linter::hadolint::mapping();
    match format {
        Format::Markdown => docs::hadolint_markdown(),
        Format::Json => {
            let rows: Vec<serde_json::Value> = map
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "hadolint": m.code,
                        "summary": m.summary,
                        "rules": m.rules.iter().map(|r| r.name).collect::<Vec<_>>(),
                        "note": m.note,
                    })
                })
                .collect();
            format!("{:#}\n", serde_json::Value::Array(rows))
        }
        Format::Text => map
            .iter()
            .map(|m| {
                let covered = if m.rules.is_empty() {
                    m.note.to_string()
                } else {
                    m.rules
                        .iter()
                        .map(|r| r.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!("{:7} {:72} {covered}\n", m.code, m.summary)
            })
            .collect(),
    }
}

pub(crate) fn run(args: RuleArgs) -> Result<u8> {
    if args.map == Some(Peer::Hadolint) {
        emit(&hadolint_map(args.format))?;
        return Ok(exit::OK);
    }
    let text = match &args.rule {
        Some(key) => {
            let Some(r) = catalog::find(key) else {
                bail!("no rule {key:?} (`ballast rule` lists them)");
            };
            match args.format {
                Format::Text => format!(
                    "{}\n\n{}.\n\n{}\n",
                    docs::rule_header(r),
                    r.summary,
                    r.doc()
                ),
                Format::Markdown => docs::rule_markdown(r, "#"),
                Format::Json => format!("{:#}\n", json_rule(r)),
            }
        }
        None => match args.format {
            Format::Text => {
                let mut out = String::new();
                for r in catalog::all() {
                    out.push_str(&format!(
                        "{:6} {:32} {:9} {:8} {:7} {}\n",
                        r.code,
                        r.name,
                        r.family.as_str(),
                        r.severity.as_str(),
                        r.fix.as_str(),
                        r.summary
                    ));
                }
                out
            }
            Format::Markdown => docs::rules_markdown(),
            Format::Json => format!(
                "{:#}\n",
                serde_json::Value::Array(catalog::all().iter().map(|r| json_rule(r)).collect())
            ),
        },
    };
    emit(&text)?;
    Ok(exit::OK)
}
