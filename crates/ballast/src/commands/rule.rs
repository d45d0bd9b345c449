//! `ballast rule [NAME|CODE]`: a rule's documentation, or the list of rules.

use anyhow::{Result, bail};
use ballast_linter::{docs, registry};
use clap::{Args, ValueEnum};

use crate::exit;
use crate::output::emit;

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// A rule code (BL101) or name (full-python-base); none lists every rule.
    pub rule: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

fn json_rule(r: &registry::Rule) -> serde_json::Value {
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

pub fn run(args: RuleArgs) -> Result<u8> {
    let text = match &args.rule {
        Some(key) => {
            let Some(r) = registry::find(key) else {
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
                for r in registry::all() {
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
                serde_json::Value::Array(registry::all().iter().map(|r| json_rule(r)).collect())
            ),
        },
    };
    emit(&text)?;
    Ok(exit::OK)
}
