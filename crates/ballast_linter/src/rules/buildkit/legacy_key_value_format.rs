//! ## What it does
//! Flags `ENV` and `LABEL` in the legacy form `ENV key value`, without `=`.
//!
//! ## Why it matters
//! The legacy form takes everything after the key as one value, spaces
//! included, and allows one pair per instruction: `ENV PATH /opt/bin
//! $PATH` does not set two variables. Docker documents it as deprecated.
//!
//! ## Example
//! ```dockerfile
//! ENV HF_HOME /models
//! ```
//!
//! Use instead:
//! ```dockerfile
//! ENV HF_HOME=/models
//! ```
//!
//! ## Fix safety
//! Safe when the value is one plain word (the `key=value` form reads it
//! the same); otherwise no fix, since quoting a value with spaces must
//! keep its quotes and escapes as the legacy form read them.

use ballast_dockerfile::{Keyword, Span};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL612",
    name: "legacy-key-value-format",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "Legacy key/value format with whitespace separator should not be used",
    buildkit: Some("LegacyKeyValueFormat"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for inst in &cx.df.instructions {
        if !matches!(inst.keyword, Keyword::Env | Keyword::Label) {
            continue;
        }
        // Pairs are (key, value, separator); the legacy form's separator is empty.
        let [key, value, sep] = inst.args.as_slice() else {
            continue;
        };
        if !sep.value.is_empty() {
            continue;
        }
        let name = inst.name();
        let mut f = Finding::new(
            &RULE,
            inst.span,
            format!(
                "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
            ),
        );
        let gap = Span::new(key.span.end, value.span.start);
        let plain = |t: &str| !t.is_empty() && !t.contains(['"', '\'', '\\', ' ', '\t', '`']);
        if gap.start < gap.end
            && gap.text(cx.source).trim().is_empty()
            && plain(value.span.text(cx.source))
            && value.span.text(cx.source) == value.value
        {
            f = f.fix(Fix::safe("Use `key=value`", vec![Edit::replace(gap, "=")]));
        }
        out.push(f);
    }
}
