//! hadolint's DL rules and what answers each in ballast, for teams moving
//! from hadolint: the rules that cover a code are the ones listing it in
//! their `hadolint` field (the one home of that judgement, also read by
//! `# hadolint ignore=` and `.hadolint.yaml`); the codes no rule covers
//! say why here. hadolint's SC codes are ShellCheck's.

use std::sync::LazyLock;

use crate::catalog::{self, Rule};

/// One of hadolint's DL rules.
#[derive(Debug, Clone, Copy)]
struct Dl {
    code: &'static str,
    summary: &'static str,
    /// Why no ballast rule covers it (empty when one does).
    not_covered: &'static str,
}

/// hadolint 2.14's DL rules, as data (`data/hadolint.tsv`).
static DL_RULES: LazyLock<Vec<Dl>> = LazyLock::new(|| {
    include_str!("../data/hadolint.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let mut next = || cols.next().unwrap_or_default();
            Dl {
                code: next(),
                summary: next(),
                not_covered: next(),
            }
        })
        .collect()
});

/// One DL code and what answers it.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub code: &'static str,
    pub summary: &'static str,
    /// The ballast rules that are the same check (empty: not covered).
    pub rules: Vec<&'static Rule>,
    /// Why nothing covers it (empty when a rule does).
    pub note: &'static str,
}

/// The ballast rules that are the check of a hadolint code (any case).
pub fn rules_for(code: &str) -> Vec<&'static Rule> {
    catalog::all()
        .iter()
        .copied()
        .filter(|r| r.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)))
        .collect()
}

/// Every DL code, in order, with what covers it.
pub fn mapping() -> Vec<Mapping> {
    DL_RULES
        .iter()
        .map(|d| Mapping {
            code: d.code,
            summary: d.summary,
            rules: rules_for(d.code),
            note: d.not_covered,
        })
        .collect()
}

/// Whether hadolint has a DL rule of that code.
pub fn is_dl_code(code: &str) -> bool {
    DL_RULES.iter().any(|d| d.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_covered_or_says_why() {
        for m in mapping() {
            assert!(
                m.rules.is_empty() != m.note.is_empty(),
                "{}: a rule and a note, or neither",
                m.code
            );
        }
        // Every code a rule claims is one of hadolint's.
        for r in catalog::all() {
            for h in r.hadolint {
                assert!(is_dl_code(h), "{} claims unknown {h}", r.name);
            }
        }
        let m = mapping();
        assert!(m.len() >= 60);
        let dl3042 = m.iter().find(|x| x.code == "DL3042").unwrap();
        assert_eq!(dl3042.rules[0].name, "pip-cache-kept");
    }
}
