//! The .dockerignore matcher on arbitrary patterns and paths: no panic, and
//! the decision, the deciding pattern and the shortcut for skipping a whole
//! directory agree with each other.
#![no_main]

use ballast_context::ignore::{IgnoreFile, clean, go_match};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Patterns, then a NUL, then one path per line.
    let (patterns, paths) = text.split_once('\0').unwrap_or((text, "a/b/c\nx.pyc\n.git/HEAD"));
    let ignore = IgnoreFile::parse(patterns, Some(".dockerignore"));
    for (i, _) in ignore.patterns.iter().enumerate() {
        let _ = ignore.describe(i);
    }
    for raw in paths.lines().take(64) {
        // The walker hands the matcher clean context-relative paths.
        let path = clean(raw);
        let path = path.trim_start_matches('/');
        if path.is_empty() || path == "." || path == ".." || path.starts_with("../") {
            continue;
        }
        let decision = ignore.decide(path);
        assert_eq!(decision.excluded, ignore.is_excluded(path));
        match decision.pattern {
            Some(i) => {
                assert!(ignore.pattern_matches_path_or_parent(i, path));
                assert_eq!(ignore.patterns[i].exception, !decision.excluded);
            }
            None => assert!(!decision.excluded),
        }
        // A directory that may be skipped hides nothing re-included below it.
        if let Some((dir, _)) = path.rsplit_once('/')
            && ignore.is_excluded(dir)
            && ignore.can_skip_excluded_dir(dir)
        {
            assert!(ignore.is_excluded(path), "{dir} skipped but {path} is sent");
        }
        for line in patterns.lines().take(8) {
            let _ = go_match(line, path);
        }
    }
});
