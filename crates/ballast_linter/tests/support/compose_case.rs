//! A fixture case of a runtime rule: the case's text is a compose file
//! (`compose.yaml`, or the name `#@ path` gives), its `#@ file`s the
//! Dockerfiles and compose files beside it.

use std::fmt::Write as _;
use std::path::Path;

use ballast_linter::compose::{self, ComposeFile, image_facts};
use ballast_linter::{Applicability, Finding, Settings, catalog};

use super::Case;

/// 1-based (line, column) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

fn lint_text(text: &str, path: &Path, settings: &Settings) -> Vec<Finding> {
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let mut file = ComposeFile::parse_any(text).unwrap_or_else(|e| panic!("{e}"));
    file.resolve(path, &read);
    let dir = file.dir_of(path);
    compose::lint(&file, text, settings, None, &|s| {
        image_facts(&s.resolved_build(&dir)?, &dir, settings, &read)
    })
}

pub(crate) fn run(rule: &catalog::Rule, case: &Case) -> (String, Vec<(usize, String)>) {
    let dir = tempfile::tempdir().unwrap();
    super::write_files(dir.path(), &case.files);
    let path = dir
        .path()
        .join(case.path.as_deref().unwrap_or("compose.yaml"));
    let source = &case.dockerfile;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, source).unwrap();
    let settings = Settings {
        select: vec![rule.code.to_string()],
        ..Settings::default()
    };
    let findings = lint_text(source, &path, &settings);
    let mut out = String::new();
    for f in &findings {
        assert_eq!(f.rule.code, rule.code, "only the selected rule reports");
        super::render(&mut out, f, source, &|at| line_col(source, at));
    }
    if findings.iter().any(|f| f.fix.is_some()) {
        fixed(case, source, &path, &settings, &mut out);
    }
    let found = findings
        .iter()
        .map(|f| (line_col(source, f.span.start).0, f.message.clone()))
        .collect();
    (out, found)
}

/// Fixes the case until nothing changes: the result reads back, keeps
/// every line of the original, converges, and fixing again changes
/// nothing.
fn fixed(case: &Case, source: &str, path: &Path, settings: &Settings, out: &mut String) {
    let lint = |text: &str, _: &ComposeFile| lint_text(text, path, settings);
    let fixed = compose::fix_until_stable(source, &lint, Applicability::Unsafe)
        .unwrap_or_else(|e| panic!("{}: {e}", case.title));
    ComposeFile::parse_any(&fixed.text)
        .unwrap_or_else(|e| panic!("{}: the fixed file must read back: {e}", case.title));
    let mut new_lines = fixed.text.lines();
    for line in source.lines() {
        assert!(
            new_lines.any(|l| l == line),
            "{}: the fix lost {line:?}:\n{}",
            case.title,
            fixed.text
        );
    }
    let again = compose::fix_until_stable(&fixed.text, &lint, Applicability::Unsafe).unwrap();
    super::assert_stable(&case.title, &fixed, &again);
    writeln!(out, "  --- after fixes ({} round(s))", fixed.rounds).unwrap();
    for l in fixed.text.lines() {
        writeln!(out, "  {l}").unwrap();
    }
}
