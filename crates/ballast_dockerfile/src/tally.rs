//! How often each input was read, parsed and walked in this process: the
//! proof that a command reads, parses and walks a project once (the binary
//! prints it when `BALLAST_TALLY` is set). Off unless [`enable`]d, so the
//! counting costs nothing in normal runs.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);
static COUNTS: Mutex<Option<Counts>> = Mutex::new(None);

#[derive(Default)]
struct Counts {
    /// Times a file was read, and the hash of its text.
    reads: Vec<(String, usize, u64)>,
    /// Times a text was parsed, by its hash.
    parses: HashMap<u64, usize>,
    /// Times a directory was walked.
    walks: Vec<(String, usize)>,
}

/// Starts counting.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

fn with(f: impl FnOnce(&mut Counts)) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut c) = COUNTS.lock() {
        f(c.get_or_insert_with(Counts::default));
    }
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// A file named `path` was read and held `text`.
pub fn read(path: &str, text: &str) {
    with(|c| {
        let h = hash(text);
        match c.reads.iter_mut().find(|(p, ..)| p == path) {
            Some(r) => {
                r.1 += 1;
                r.2 = h;
            }
            None => c.reads.push((path.to_string(), 1, h)),
        }
    });
}

/// `text` was parsed as a Dockerfile.
pub(crate) fn parse(text: &str) {
    with(|c| *c.parses.entry(hash(text)).or_default() += 1);
}

/// The directory `root` was walked as a build context.
pub fn walk(root: &str) {
    with(|c| match c.walks.iter_mut().find(|(p, _)| p == root) {
        Some(w) => w.1 += 1,
        None => c.walks.push((root.to_string(), 1)),
    });
}

/// The counts so far, one line each: `read PATH N`, `parsed PATH N` (how
/// often the text read from PATH was parsed), `walked DIR N`.
pub fn lines() -> Vec<String> {
    let Ok(c) = COUNTS.lock() else {
        return Vec::new();
    };
    let Some(c) = c.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, n, h) in &c.reads {
        out.push(format!("read {path} {n}"));
        out.push(format!(
            "parsed {path} {}",
            c.parses.get(h).copied().unwrap_or(0)
        ));
    }
    for (root, n) in &c.walks {
        out.push(format!("walked {root} {n}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_reads_parses_and_walks_once_enabled() {
        read("before", "x");
        enable();
        read("Dockerfile", "FROM a\n");
        crate::Dockerfile::parse("FROM a\n");
        crate::Dockerfile::parse("FROM a\n");
        crate::Dockerfile::parse("FROM b\n");
        walk("ctx");
        let lines = lines();
        assert!(
            lines.contains(&"read Dockerfile 1".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"parsed Dockerfile 2".to_string()),
            "{lines:?}"
        );
        assert!(lines.contains(&"walked ctx 1".to_string()), "{lines:?}");
        assert!(!lines.iter().any(|l| l.contains("before")), "{lines:?}");
    }
}
