//! Conformance with BuildKit's own test data, read from the shared corpus
//! (`$BALLAST_CORPUS`, else `../shared/corpus` beside the repository).
//! With `CI` set, a missing corpus fails the run instead of skipping.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::dump::buildkit_dump;
use ballast_dockerfile::words::{Lex, NoEnv};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    ballast_testkit::corpus::corpus_dir()
}

fn sorted_dirs(dir: PathBuf) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn every_buildkit_dump_matches_byte_for_byte() {
    let Some(corpus) = corpus() else { return };
    let cases = sorted_dirs(corpus.join("buildkit-parser/testfiles"));
    assert!(
        cases.len() >= 33,
        "expected BuildKit's 33 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let src = fs::read_to_string(case.join("Dockerfile")).unwrap();
        let expected = fs::read_to_string(case.join("result")).unwrap();
        let df = Dockerfile::parse(&src);
        if !df.is_ok() {
            failures.push(format!("{}: parse failed: {:?}", case.display(), df.errors));
            continue;
        }
        let got = buildkit_dump(&df);
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn every_negative_case_fails_with_a_position() {
    let Some(corpus) = corpus() else { return };
    let cases = sorted_dirs(corpus.join("buildkit-parser/testfiles-negative"));
    assert!(cases.len() >= 4);
    for case in cases {
        let src = fs::read_to_string(case.join("Dockerfile")).unwrap();
        let df = Dockerfile::parse(&src);
        assert!(!df.is_ok(), "{} should fail", case.display());
        assert!(df.errors.iter().all(|e| e.line >= 1 && e.column >= 1));
    }
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn line_numbers_match_buildkit() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("buildkit-parser/testfile-line");
    let df = Dockerfile::parse(&fs::read_to_string(dir.join("Dockerfile")).unwrap());
    assert!(df.is_ok(), "{:?}", df.errors);
    let tsv = fs::read_to_string(dir.join("expected-lines.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let children: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] != "(root)").collect();
    assert_eq!(df.instructions.len(), children.len());
    for (inst, row) in df.instructions.iter().zip(children) {
        assert_eq!(inst.name(), row[0]);
        assert_eq!(inst.start_line.to_string(), row[1], "{}", row[0]);
        assert_eq!(inst.end_line.to_string(), row[2], "{}", row[0]);
    }
    let root = rows.iter().find(|r| r[0] == "(root)").unwrap();
    assert_eq!(
        df.instructions.first().unwrap().start_line.to_string(),
        root[1]
    );
    assert_eq!(
        df.instructions.last().unwrap().end_line.to_string(),
        root[2]
    );
}

fn check_heredoc_expectations(dir: PathBuf) {
    let src = fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let expected: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let df = Dockerfile::parse(&src);
    assert!(df.is_ok(), "{:?}", df.errors);
    let want = expected["instructions"].as_array().unwrap();
    let got = &df.instructions[1..];
    assert_eq!(got.len(), want.len(), "instruction count");
    for (inst, w) in got.iter().zip(want) {
        let first_line = src.lines().nth(inst.start_line - 1).unwrap().trim_start();
        assert_eq!(first_line, w["first_line"].as_str().unwrap());
        let wh = w["heredocs"].as_array().unwrap();
        assert_eq!(inst.heredocs.len(), wh.len(), "heredocs of {first_line}");
        for (h, e) in inst.heredocs.iter().zip(wh) {
            assert_eq!(h.name, e["name"].as_str().unwrap(), "{first_line}");
            assert_eq!(h.content, e["content"].as_str().unwrap(), "{first_line}");
            assert_eq!(h.expand, e["expand"].as_bool().unwrap(), "{first_line}");
            assert_eq!(h.chomp, e["chomp"].as_bool().unwrap(), "{first_line}");
            assert_eq!(u64::from(h.fd), e["fd"].as_u64().unwrap(), "{first_line}");
        }
    }
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn heredocs_are_extracted_like_buildkit() {
    let Some(corpus) = corpus() else { return };
    check_heredoc_expectations(corpus.join("buildkit-parser/heredoc-extract"));
    check_heredoc_expectations(corpus.join("buildkit-parser/heredoc-json"));
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn heredoc_words_are_classified_like_buildkit() {
    let Some(corpus) = corpus() else { return };
    let data: Value = serde_json::from_str(
        &fs::read_to_string(corpus.join("buildkit-parser/heredoc-words.json")).unwrap(),
    )
    .unwrap();
    for w in data["word_valid_name_EOF"].as_array().unwrap() {
        let w = w.as_str().unwrap();
        let h = ballast_dockerfile::parse_heredoc_word(w).unwrap();
        assert_eq!(h.map(|h| h.0).as_deref(), Some("EOF"), "{w}");
    }
    for w in data["word_invalid_error"].as_array().unwrap() {
        let w = w.as_str().unwrap();
        assert!(ballast_dockerfile::parse_heredoc_word(w).is_err(), "{w}");
    }
    for w in data["word_not_heredoc"].as_array().unwrap() {
        let w = w.as_str().unwrap();
        assert_eq!(ballast_dockerfile::parse_heredoc_word(w), Ok(None), "{w}");
    }
    let chomp = &data["chomp_example"];
    let h = ballast_dockerfile::Heredoc {
        name: "X".into(),
        fd: 0,
        expand: true,
        chomp: true,
        content: chomp["input"].as_str().unwrap().into(),
        body_span: Default::default(),
        terminator_span: Default::default(),
    };
    assert_eq!(h.effective_content(), chomp["chomped"].as_str().unwrap());
    for case in data["lines"].as_array().unwrap() {
        let line = case["line"].as_str().unwrap();
        let names: Vec<&str> = ballast_testkit::json_strs(&case["names"]);
        // Give each heredoc an empty body so the line parses on its own.
        let mut src = format!("FROM a\n{line}\n");
        for n in &names {
            src.push_str(n);
            src.push('\n');
        }
        let df = Dockerfile::parse(&src);
        assert!(df.is_ok(), "{line}: {:?}", df.errors);
        let got: Vec<&str> = df.instructions[1]
            .heredocs
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(got, names, "{line}");
    }
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn env_var_test_cases_pass() {
    let Some(corpus) = corpus() else { return };
    let text = fs::read_to_string(corpus.join("buildkit-shell/envVarTest")).unwrap();
    let env: BTreeMap<String, String> = [
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let lex = Lex::default();
    let mut count = 0;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 3, "{line}");
        let (platform, input, expected) = (parts[0].trim(), parts[1].trim(), parts[2].trim());
        if platform == "W" {
            continue;
        }
        count += 1;
        match lex.process_word(input, &env) {
            Ok(got) => assert_eq!(got, expected, "input {input:?}"),
            Err(e) => assert_eq!(expected, "error", "input {input:?} failed: {e}"),
        }
    }
    assert!(count >= 228, "only {count} cases");
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn words_test_cases_pass() {
    let Some(corpus) = corpus() else { return };
    let text = fs::read_to_string(corpus.join("buildkit-shell/wordsTest")).unwrap();
    let mut env: Vec<(String, String)> = Vec::new();
    let lex = Lex::default();
    let mut count = 0;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(assign) = line.strip_prefix("ENV ") {
            let (k, v) = assign.split_once('=').unwrap();
            env.push((k.to_string(), v.to_string()));
            continue;
        }
        let (input, expected) = line.split_once('|').unwrap();
        let input = input.trim();
        let expected = expected.trim_start();
        count += 1;
        match lex.process_words(input, &env) {
            Ok(words) => assert_eq!(words.join(","), expected, "input {input:?}"),
            Err(e) => assert_eq!(expected, "error", "input {input:?} failed: {e}"),
        }
    }
    assert!(count >= 20);
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn process_word_cases_pass() {
    let Some(corpus) = corpus() else { return };
    let data: Value = serde_json::from_str(
        &fs::read_to_string(corpus.join("buildkit-shell/process-word-cases.json")).unwrap(),
    )
    .unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    let lex = Lex::default();
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let env: BTreeMap<String, String> = case["env"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let result = lex.process(input, &env);
        if case["unstable"].as_bool() == Some(true) {
            continue; // only must not crash
        }
        if case["error"].as_bool() == Some(true) {
            assert!(result.is_err(), "{input:?} should fail, got {result:?}");
            continue;
        }
        let x = result.unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(x.result, case["expected"].as_str().unwrap(), "{input:?}");
        let set = |key: &str| -> Option<Vec<String>> {
            case.get(key).map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            })
        };
        if let Some(m) = set("matched") {
            assert_eq!(
                x.matched.iter().cloned().collect::<Vec<_>>(),
                m,
                "matched of {input:?}"
            );
        }
        if let Some(u) = set("unmatched") {
            assert_eq!(
                x.unmatched.iter().cloned().collect::<Vec<_>>(),
                u,
                "unmatched of {input:?}"
            );
        }
    }
    // The `unstable` cases must not panic either: they ran above.
    let _ = Lex::default().process("${", &NoEnv);
}
