//! Behaviour around the rules: suppression comments, settings, errors,
//! target selection and applying fixes.

use ballast_dockerfile::Dockerfile;
use ballast_linter::{Applicability, LintError, LintOptions, Settings, Severity, fix, lint};

fn codes(src: &str, settings: Settings) -> Vec<(&'static str, usize)> {
    let df = Dockerfile::parse(src);
    let out = lint(
        &df,
        &LintOptions {
            settings,
            ..LintOptions::default()
        },
    )
    .unwrap();
    out.findings
        .iter()
        .map(|f| (f.rule.code, df.line_col(f.span.start).0))
        .collect()
}

fn only(sel: &[&str]) -> Settings {
    Settings {
        select: sel.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    }
}

#[test]
fn next_line_pragma_silences_one_instruction() {
    let src = "FROM python:3.11-slim\n# ballast: ignore=pip-cache-kept -- the cache is wanted here\nRUN pip install a\nRUN pip install b\n";
    assert_eq!(codes(src, only(&["BL102"])), vec![("BL102", 4)]);
    // A blank line between breaks the link.
    let src = "FROM python:3.11-slim\n# ballast: ignore=BL102\n\nRUN pip install a\n";
    assert_eq!(codes(src, only(&["BL102"])), vec![("BL102", 4)]);
    // Comment lines between are fine, and `all` silences everything.
    let src = "FROM python:3.11-slim\n# ballast: ignore=all\n# why: vendored\nRUN pip install a\n";
    assert!(codes(src, only(&["BL102"])).is_empty());
}

#[test]
fn stage_and_global_pragmas() {
    let src = "# ballast: stage ignore=size\nFROM python:3.11 AS build\nRUN pip install a\nFROM build\nRUN pip install b\n";
    // The stage pragma covers the first stage only (full-python-base is reported on its FROM).
    assert_eq!(codes(src, only(&["BL102"])), vec![("BL102", 5)]);
    let src = "FROM python:3.11-slim\nRUN pip install a\n# ballast: global ignore=BL102,BL401\n";
    assert!(codes(src, only(&["BL102", "BL401"])).is_empty());
}

#[test]
fn hadolint_pragmas_map_to_the_same_checks() {
    let src = "FROM python:3.11-slim\n# hadolint ignore=DL3042,DL3008\nRUN pip install a\nRUN pip install b\n";
    assert_eq!(codes(src, only(&["BL102"])), vec![("BL102", 4)]);
    // A hadolint code with no ballast equivalent silences nothing.
    let src = "FROM python:3.11-slim\n# hadolint ignore=DL3013\nRUN pip install a\n";
    assert_eq!(codes(src, only(&["BL102"])), vec![("BL102", 3)]);
    // --disable-pragmas turns them all off.
    let src = "FROM python:3.11-slim\n# hadolint ignore=DL3042\nRUN pip install a\n";
    let s = Settings {
        disable_pragmas: true,
        ..only(&["BL102"])
    };
    assert_eq!(codes(src, s), vec![("BL102", 3)]);
}

#[test]
fn unknown_rules_in_pragmas_are_reported() {
    let df = Dockerfile::parse("FROM python:3.11-slim\n# ballast: ignore=BL999\nRUN true\n");
    let out = lint(&df, &LintOptions::default()).unwrap();
    assert_eq!(out.pragma_problems.len(), 1);
    assert_eq!(out.pragma_problems[0].0, 2);
    assert!(out.pragma_problems[0].1.contains("BL999"));
}

#[test]
fn severity_overrides_apply() {
    let df = Dockerfile::parse("FROM python:3.11\n");
    let settings = Settings {
        select: vec!["BL101".into()],
        severity: vec![("size".into(), Severity::Error)],
        ..Settings::default()
    };
    let out = lint(
        &df,
        &LintOptions {
            settings,
            ..LintOptions::default()
        },
    )
    .unwrap();
    assert_eq!(out.findings[0].severity, Severity::Error);
}

#[test]
fn arg_values_resolve_before_rules_judge() {
    // Build args given on the command line replace defaults.
    let src = "ARG BASE=python:3.11\nFROM ${BASE}\n";
    let df = Dockerfile::parse(src);
    let mut options = LintOptions {
        settings: only(&["BL101"]),
        ..LintOptions::default()
    };
    assert_eq!(lint(&df, &options).unwrap().findings.len(), 1);
    options
        .build
        .build_args
        .insert("BASE".into(), "python:3.11-slim".into());
    assert!(lint(&df, &options).unwrap().findings.is_empty());
}

#[test]
fn bad_input_is_an_error_not_a_finding() {
    let df = Dockerfile::parse("FROM python\nRUN <<EOF\nnever closed\n");
    match lint(&df, &LintOptions::default()) {
        Err(LintError::Parse { line, .. }) => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
    let df = Dockerfile::parse("ARG ONLY=1\n");
    assert_eq!(
        lint(&df, &LintOptions::default()).unwrap_err(),
        LintError::NoStage
    );
    let df = Dockerfile::parse("FROM a AS x\n");
    let options = LintOptions {
        target: Some("nope".into()),
        ..LintOptions::default()
    };
    assert_eq!(
        lint(&df, &options).unwrap_err(),
        LintError::UnknownTarget("nope".into())
    );
}

#[test]
fn fixes_apply_without_overlap_and_keep_the_file_parseable() {
    let src = "FROM python:3.11\nRUN apt-get update && apt-get install -y gcc\nRUN pip install torch\nADD app.py /app/\n";
    let df = Dockerfile::parse(src);
    let out = lint(&df, &LintOptions::default()).unwrap();
    let safe = fix::apply(src, &out.findings, Applicability::Safe);
    let all = fix::apply(src, &out.findings, Applicability::Unsafe);
    assert!(safe.applied.len() < all.applied.len());
    assert!(
        safe.text.contains("pip install --no-cache-dir torch"),
        "{}",
        safe.text
    );
    assert!(safe.text.contains("rm -rf /var/lib/apt/lists/*"));
    assert!(
        !safe.text.contains("python:3.11-slim"),
        "unsafe fixes wait for --unsafe-fixes"
    );
    assert!(all.text.contains("FROM python:3.11-slim"));
    assert!(all.text.contains("--no-install-recommends"));
    for text in [&safe.text, &all.text] {
        assert!(Dockerfile::parse(text).is_ok(), "{text}");
    }
    // Fixing until stable (edits that overlapped wait for the next round)
    // leaves none of those findings.
    let mut options = LintOptions::default();
    let fixed = fix::fix_until_stable(src, &mut options, Applicability::Unsafe, &|_| None).unwrap();
    assert!(
        fixed.converged && fixed.rounds >= 2,
        "{} rounds",
        fixed.rounds
    );
    for code in ["BL101", "BL102", "BL103", "BL104", "BL401", "BL403"] {
        assert!(
            !fixed.remaining.iter().any(|f| f.rule.code == code),
            "{code} remains:\n{}",
            fixed.text
        );
    }
    assert!(
        fixed.text.contains("COPY --chown=app:app app.py /app/"),
        "{}",
        fixed.text
    );
}
