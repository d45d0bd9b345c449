//! Findings reused across lints of one set of options (the image model's
//! rounds of fixes) are the findings a fresh lint gives: for fewer rules,
//! for only the rules with fixes, and never stale when the settings change.

use ballast_dockerfile::Dockerfile;
use ballast_linter::{Applicability, LintOptions, Settings, Severity, lint, model};

fn testdata() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/dockerfiles");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "testdata has {} Dockerfiles",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// The findings of a lint, written out whole (rule, place, severity,
/// message, savings, fix).
fn shown(df: &Dockerfile, options: &LintOptions<'_>) -> String {
    match lint(df, options) {
        Ok(o) => format!("{:?} {}", o.findings, o.suppressed),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn a_lint_after_a_wider_one_finds_what_a_fresh_lint_finds() {
    for (path, text) in testdata() {
        let df = Dockerfile::parse(&text);
        let shared = LintOptions::default();
        let everything = shown(&df, &shared);
        let mut fewer = shared.with_overlay(Default::default());
        fewer.settings.ignore = vec!["size".into(), "BL401".into()];
        let fresh = LintOptions {
            settings: fewer.settings.clone(),
            ..LintOptions::default()
        };
        assert_eq!(shown(&df, &fewer), shown(&df, &fresh), "{path}");
        let mut fixable = shared.with_overlay(Default::default());
        fixable.fixes_only = true;
        let fresh = LintOptions {
            fixes_only: true,
            ..LintOptions::default()
        };
        assert_eq!(shown(&df, &fixable), shown(&df, &fresh), "{path}");
        // And the wider lint again, now from the memo.
        assert_eq!(shown(&df, &shared), everything, "{path}");
    }
}

#[test]
fn only_rules_with_fixes_run_for_fixes_only() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/dockerfiles/01-naive-rag.Dockerfile"
    ))
    .unwrap();
    let df = Dockerfile::parse(&text);
    let all = lint(&df, &LintOptions::default()).unwrap().findings;
    let options = LintOptions {
        fixes_only: true,
        ..LintOptions::default()
    };
    let fixable = lint(&df, &options).unwrap().findings;
    assert!(
        fixable.len() < all.len(),
        "{} of {}",
        fixable.len(),
        all.len()
    );
    assert!(
        fixable
            .iter()
            .all(|f| f.rule.fix != ballast_linter::FixAvailability::None)
    );
    let with_fixes: Vec<_> = all.iter().filter(|f| f.fix.is_some()).collect();
    assert_eq!(
        fixable.iter().filter(|f| f.fix.is_some()).count(),
        with_fixes.len()
    );
}

#[test]
fn changed_settings_are_not_answered_from_the_memo() {
    let df = Dockerfile::parse("FROM python:3.11\nRUN pip install torch\n");
    let mut options = LintOptions::default();
    let before = lint(&df, &options).unwrap().findings;
    assert!(before.iter().any(|f| f.rule.code == "BL101"));
    options.settings = Settings {
        severity: vec![("BL101".into(), Severity::Info)],
        ..Settings::default()
    };
    let after = lint(&df, &options).unwrap().findings;
    let bl101 = after.iter().find(|f| f.rule.code == "BL101").unwrap();
    assert_eq!(bl101.severity, Severity::Info);
}

#[test]
fn the_image_model_is_the_same_with_and_without_the_memo() {
    let read = |_: &str| None;
    for (path, text) in testdata() {
        let shared = LintOptions::default();
        let Ok(first) = model::estimate(&text, &shared, &read, None) else {
            continue;
        };
        let again = model::estimate(&text, &shared, &read, None).unwrap();
        let fresh = model::estimate(&text, &LintOptions::default(), &read, None).unwrap();
        assert_eq!(first.model, fresh.model, "{path}");
        assert_eq!(again.model, fresh.model, "{path}");
        assert_eq!(
            first.predicted_after_fixes_bytes, fresh.predicted_after_fixes_bytes,
            "{path}"
        );
        let safe = model::after_fixes(&text, &shared, &read, None, Applicability::Safe).unwrap();
        assert_eq!(safe, fresh.safe_after_fixes_bytes, "{path}");
    }
}
