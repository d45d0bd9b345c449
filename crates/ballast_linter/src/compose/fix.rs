//! Fixing a compose file: lint, apply the fixes that do not overlap, lint
//! again, until nothing changes. Every round's text must read back as a
//! compose file with every service it had, and every fix only adds text,
//! so nothing the user wrote is lost.

use super::{ComposeError, ComposeFile};
use crate::finding::{Applicability, Edit, Finding};
use crate::fix::{AppliedFix, Fixed, MAX_ROUNDS, apply_edits, plan};

/// What fixing a compose file produced: the text, the fixes applied, the
/// findings left.
pub type ComposeFixed = Fixed;

/// Fixes `source` with the findings `lint` gives for a text, up to `max`.
pub fn fix_until_stable(
    source: &str,
    lint: &dyn Fn(&str, &ComposeFile) -> Vec<Finding>,
    max: Applicability,
) -> Result<ComposeFixed, ComposeError> {
    let original = ComposeFile::parse_any(source)?;
    let mut text = source.to_string();
    let mut file = original.clone();
    let mut out = Fixed::default();
    for round in 1..=MAX_ROUNDS {
        let findings = lint(&text, &file);
        let chosen = plan(&findings, max);
        let next = (!chosen.is_empty())
            .then(|| apply(&text, &findings, &chosen))
            .flatten()
            .and_then(|t| Some((ComposeFile::parse_any(&t).ok()?, t)))
            .filter(|(f, _)| keeps_services(&original, f));
        let Some((new_file, new_text)) = next else {
            out.rounds = round - 1;
            out.converged = chosen.is_empty();
            out.remaining = findings;
            out.text = text;
            return Ok(out);
        };
        out.applied
            .extend(chosen.iter().map(|&i| applied(&findings[i], &text)));
        text = new_text;
        file = new_file;
    }
    out.remaining = lint(&text, &file);
    out.converged = plan(&out.remaining, max).is_empty();
    out.rounds = MAX_ROUNDS;
    out.text = text;
    Ok(out)
}

fn apply(text: &str, findings: &[Finding], chosen: &[usize]) -> Option<String> {
    let edits: Vec<&Edit> = chosen
        .iter()
        .flat_map(|&i| findings[i].fix.iter().flat_map(|f| f.edits.iter()))
        .collect();
    apply_edits(text, &edits)
}

/// Whether every service of the original is still there.
fn keeps_services(original: &ComposeFile, fixed: &ComposeFile) -> bool {
    original
        .services
        .iter()
        .all(|s| fixed.services.iter().any(|f| f.name == s.name))
}

fn applied(f: &Finding, text: &str) -> AppliedFix {
    let fix = f.fix.as_ref().expect("fix");
    AppliedFix {
        code: f.rule.code,
        name: f.rule.name,
        line: text[..f.span.start.min(text.len())].matches('\n').count() + 1,
        message: fix.message.clone(),
        applicability: fix.applicability,
        files: Vec::new(),
    }
}
