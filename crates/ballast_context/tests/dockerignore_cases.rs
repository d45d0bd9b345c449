//! Every case of `../shared/corpus/dockerignore-cases.tsv` (202 cases, the
//! semantics in `dockerignore-semantics.md`), read from the shared corpus.

use ballast_context::ignore::IgnoreFile;

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn every_dockerignore_case_passes() {
    let Some(corpus) = ballast_testkit::corpus::corpus_dir() else {
        return;
    };
    let text = std::fs::read_to_string(corpus.join("dockerignore-cases.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, level, patterns, path, expected) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let patterns: Vec<String> = serde_json::from_str(patterns).unwrap();
        let file = IgnoreFile::parse(&patterns.join("\n"), None);
        count += 1;
        let got = if !file.errors.is_empty() {
            "error".to_string()
        } else {
            match level {
                "matcher" | "buildkit-walk" => file.is_excluded(path).to_string(),
                // The legacy builder only descends into an excluded directory
                // when an exception pattern's text starts with "<dir>/".
                "classic-walk" => classic_excluded(&file, path).to_string(),
                other => panic!("unknown level {other}"),
            }
        };
        if got != expected {
            failures.push(format!(
                "case {id}: patterns {patterns:?} path {path:?}: expected {expected}, got {got}"
            ));
        }
    }
    assert_eq!(count, 202);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn classic_excluded(file: &IgnoreFile, path: &str) -> bool {
    let mut prefix = String::new();
    for dir in path.split('/').take(path.split('/').count() - 1) {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(dir);
        let dir_slash = format!("{prefix}/");
        if file.is_excluded(&prefix)
            && !file
                .patterns
                .iter()
                .any(|p| p.exception && p.text.starts_with(&dir_slash))
        {
            return true;
        }
    }
    file.is_excluded(path)
}
