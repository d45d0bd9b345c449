//! `.dockerignore` with BuildKit's exact semantics (moby `patternmatcher` and
//! `ignorefile.ReadAll`; `../shared/corpus/dockerignore-semantics.md`):
//!
//! - a line is a comment only when `#` is its first byte; lines are trimmed,
//!   `!` marks an exception, patterns are `filepath.Clean`ed and anchored at
//!   the context root (one leading `/` removed);
//! - `*` and `?` never match `/`; `**` spans directories; `[...]` classes use
//!   `^` for negation; `\` escapes; other regex characters are literal;
//! - a path is excluded when the last pattern that matches it, or one of its
//!   parent directories, is not an exception.
//!
//! Unlike BuildKit, which fails the build on a malformed pattern, a bad
//! pattern is reported with its line and skipped; the others keep working.
//! Every decision names the pattern (and line) that made it.

use regex::Regex;

/// How a pattern is matched (moby's classification).
#[derive(Debug, Clone)]
enum Kind {
    Exact,
    /// `foo/**`: the text before `**`.
    Prefix(String),
    /// `**foo`, `**/foo`: the text after `**`.
    Suffix(String),
    Regex(Regex),
}

/// One valid pattern of an ignore file.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as cleaned (without `!`).
    pub text: String,
    /// An exception (`!pattern`).
    pub exception: bool,
    /// 1-based line in the ignore file.
    pub line: usize,
    kind: Kind,
}

/// A pattern that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// 1-based line.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// Why.
    pub message: String,
}

/// What decided whether a path is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The path is not sent.
    pub excluded: bool,
    /// The index of the last pattern that changed the outcome, if any.
    pub pattern: Option<usize>,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    /// Where it was read from (for messages).
    pub source: Option<String>,
    /// Usable patterns, in file order.
    pub patterns: Vec<Pattern>,
    /// Lines that are not usable patterns.
    pub errors: Vec<PatternError>,
}

impl IgnoreFile {
    /// Reads an ignore file's text.
    pub fn parse(text: &str, source: Option<&str>) -> IgnoreFile {
        let mut out = IgnoreFile {
            source: source.map(str::to_string),
            ..Default::default()
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.starts_with('#') {
                continue;
            }
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            let (exception, rest) = match trimmed.strip_prefix('!') {
                Some(r) => (true, r.trim()),
                None => (false, trimmed),
            };
            let mut cleaned = clean(rest);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let err = |message: String| PatternError {
                line,
                text: raw.to_string(),
                message,
            };
            if exception && (cleaned.is_empty() || cleaned == ".") && rest.is_empty() {
                out.errors
                    .push(err("illegal exclusion pattern: \"!\"".into()));
                continue;
            }
            if let Err(m) = validate(&cleaned) {
                out.errors.push(err(m));
                continue;
            }
            match compile(&cleaned) {
                Ok(kind) => out.patterns.push(Pattern {
                    text: cleaned,
                    exception,
                    line,
                    kind,
                }),
                Err(m) => out.errors.push(err(m)),
            }
        }
        out
    }

    /// Whether any pattern is an exception (`!`).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// moby's `MatchesOrParentMatches`: the path (context-relative, `/`
    /// separated) is excluded when the last pattern matching it or a parent
    /// directory is not an exception.
    pub fn decide(&self, path: &str) -> Decision {
        let mut excluded = false;
        let mut deciding = None;
        for (i, p) in self.patterns.iter().enumerate() {
            // Only a pattern that could flip the outcome is consulted.
            if p.exception != excluded {
                continue;
            }
            if self.pattern_matches_path_or_parent(i, path) {
                excluded = !p.exception;
                deciding = Some(i);
            }
        }
        Decision {
            excluded,
            pattern: deciding,
        }
    }

    /// Whether pattern `i` matches exactly this path.
    pub fn pattern_matches(&self, i: usize, path: &str) -> bool {
        self.patterns[i].matches(path)
    }

    /// Whether pattern `i` matches this path or one of its parent directories.
    pub fn pattern_matches_path_or_parent(&self, i: usize, path: &str) -> bool {
        let p = &self.patterns[i];
        if p.matches(path) {
            return true;
        }
        let parent = go_dir(path);
        if parent == "." {
            return false;
        }
        let mut prefix = String::new();
        for (k, dir) in parent.split('/').enumerate() {
            if k > 0 {
                prefix.push('/');
            }
            prefix.push_str(dir);
            if p.matches(&prefix) {
                return true;
            }
        }
        false
    }

    /// Whether a path is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.decide(path).excluded
    }

    /// BuildKit's walker: may an excluded directory be skipped without
    /// looking inside? Only when no exception could re-include something
    /// below it: no exceptions at all, or every exception is a plain path
    /// (no glob characters) outside the directory.
    pub fn can_skip_excluded_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns.iter().filter(|p| p.exception).all(|p| {
            let t = p
                .text
                .strip_suffix("/**")
                .or_else(|| p.text.strip_suffix("/*"))
                .unwrap_or(&p.text);
            let plain = !t.contains(['*', '?', '[', ']', '^', '\\']);
            plain && !t.starts_with(&prefix) && t != dir
        })
    }

    /// Describes the pattern that decided, as `file:line: pattern`.
    pub fn describe(&self, index: usize) -> String {
        let p = &self.patterns[index];
        let bang = if p.exception { "!" } else { "" };
        format!(
            "{}:{}: {bang}{}",
            self.source.as_deref().unwrap_or(".dockerignore"),
            p.line,
            p.text
        )
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(p) => path.starts_with(p.as_str()),
            Kind::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }
}

/// Go's `filepath.Dir` on a `/`-separated path.
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let c = clean(&path[..=i]);
            if c.is_empty() { ".".into() } else { c }
        }
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// moby's pattern compilation: exact, prefix, suffix or regex. The regex is
/// built exactly as moby builds it (Go RE2 syntax), then translated.
fn compile(pattern: &str) -> Result<Kind, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut kind = 0u8; // 0 exact, 1 prefix, 2 suffix, 3 regex
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if ch == '*' {
            if chars.get(i) == Some(&'*') {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if kind == 0 {
                        kind = 1;
                    } else {
                        re.push_str(".*");
                        kind = 3;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = 3;
                }
                if first {
                    kind = 2;
                }
            } else {
                re.push_str("[^/]*");
                kind = 3;
            }
        } else if ch == '?' {
            re.push_str("[^/]");
            kind = 3;
        } else if matches!(ch, '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$') {
            re.push('\\');
            re.push(ch);
        } else if ch == '\\' {
            if let Some(&next) = chars.get(i) {
                i += 1;
                re.push('\\');
                re.push(next);
                kind = 3;
            } else {
                re.push_str("\\\\");
            }
        } else if ch == '[' || ch == ']' {
            re.push(ch);
            kind = 3;
        } else {
            re.push(ch);
        }
        first = false;
    }
    Ok(match kind {
        0 => Kind::Exact,
        1 => Kind::Prefix(pattern[..pattern.len() - 2].to_string()),
        2 => Kind::Suffix(pattern[2..].to_string()),
        _ => {
            re.push('$');
            let rust = go_regex_to_rust(&re);
            Kind::Regex(
                Regex::new(&rust).map_err(|e| {
                    format!("syntax error in pattern: {}", first_line(&e.to_string()))
                })?,
            )
        }
    })
}

/// Translates a Go RE2 expression into the regex crate's syntax. They agree
/// outside character classes; inside, the regex crate reads `[` as a nested
/// class and `&&`, `~~`, `--` as set operations, all literal in Go.
fn go_regex_to_rust(go: &str) -> String {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut members = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.push(c);
            if let Some(&n) = chars.get(i + 1) {
                out.push(n);
            }
            i += 2;
            members += 1;
            continue;
        }
        if !in_class {
            if c == '[' {
                in_class = true;
                members = 0;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '^' if members == 0 && out.ends_with('[') => out.push(c),
            ']' if members > 0 => {
                in_class = false;
                out.push(c);
            }
            ']' => {
                out.push_str("\\]");
                members += 1;
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // A named class such as [:alpha:], the same in both syntaxes.
                // Counted in characters: the pattern may hold multi-byte ones.
                let end = chars[i..]
                    .windows(2)
                    .position(|w| w == [':', ']'])
                    .map(|e| i + e + 2)
                    .unwrap_or(i + 1);
                out.extend(&chars[i..end]);
                i = end;
                members += 1;
                continue;
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                members += 1;
            }
            '-' if out.ends_with('-') => {
                out.push_str("\\-");
                members += 1;
            }
            _ => {
                out.push(c);
                members += 1;
            }
        }
        i += 1;
    }
    out
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| l.starts_with("error:"))
        .unwrap_or_else(|| s.lines().next().unwrap_or(s))
        .trim()
        .to_string()
}

/// Go's `filepath.Match(pattern, ".")`, used by moby to reject malformed
/// patterns. Returns an error for a bad pattern.
fn validate(pattern: &str) -> Result<(), String> {
    go_match(pattern, ".").map(|_| ())
}

/// Go's `filepath.Match` (Unix): `*` and `?` do not match `/`, `[...]`
/// classes with `^` negation, `\` escapes; an error for a malformed pattern
/// (the whole pattern is checked, as in Go 1.16 and later).
pub fn go_match(pattern: &str, name: &str) -> Result<bool, String> {
    const BAD: &str = "syntax error in pattern";
    let mut pat = pattern.as_bytes();
    let mut name_left = name.as_bytes();
    'pattern: while !pat.is_empty() {
        let (star, chunk, rest) = scan_chunk(pat);
        pat = rest;
        if star && chunk.is_empty() {
            return Ok(!name_left.contains(&b'/'));
        }
        let (t, ok, err) = match_chunk(chunk, name_left);
        if ok && (t.is_empty() || !pat.is_empty()) {
            name_left = t;
            continue;
        }
        if err {
            return Err(BAD.into());
        }
        if star {
            for i in 0..name_left.len() {
                if name_left[i] == b'/' {
                    break;
                }
                let (t, ok, err) = match_chunk(chunk, &name_left[i + 1..]);
                if ok {
                    if pat.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name_left = t;
                    continue 'pattern;
                }
                if err {
                    return Err(BAD.into());
                }
            }
        }
        while !pat.is_empty() {
            let (_, chunk, rest) = scan_chunk(pat);
            pat = rest;
            if match_chunk(chunk, b"").2 {
                return Err(BAD.into());
            }
        }
        return Ok(false);
    }
    Ok(name_left.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Returns (rest of name, matched, malformed).
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> (&'a [u8], bool, bool) {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = 0u32;
                if !failed {
                    let (c, n) = decode(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return (b"", false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return (b"", false, true);
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == b'\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        None => return (b"", false, true),
                        Some(&c) => c,
                    }
                } else {
                    c
                };
                if !failed {
                    if c != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        (b"", false, false)
    } else {
        (s, true, false)
    }
}

fn get_esc(chunk: &[u8]) -> Option<(u32, &[u8])> {
    let mut chunk = chunk;
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return None;
    }
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let (r, n) = decode(chunk);
    if r == 0xfffd && n == 1 {
        return None;
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}

/// Decodes one UTF-8 character (U+FFFD, 1 byte, when invalid).
fn decode(s: &[u8]) -> (u32, usize) {
    let len = match s.first() {
        None => return (0xfffd, 0),
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xf0 => 4,
        Some(b) if *b >= 0xe0 => 3,
        Some(b) if *b >= 0xc0 => 2,
        _ => return (0xfffd, 1),
    };
    match s
        .get(..len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.chars().next())
    {
        Some(c) => (c as u32, len),
        None => (0xfffd, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_with_the_last_matching_pattern() {
        let f = IgnoreFile::parse(
            "# comment\n*.md\n!README.md\n**/node_modules\n data/ \n",
            Some(".dockerignore"),
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.is_excluded("CHANGES.md"));
        let d = f.decide("README.md");
        assert!(!d.excluded);
        assert_eq!(
            f.describe(d.pattern.unwrap()),
            ".dockerignore:3: !README.md"
        );
        assert!(!f.is_excluded("docs/x.md"), "*.md is anchored at the root");
        assert!(f.is_excluded("web/node_modules/a/b.js"));
        assert!(f.is_excluded("data/big.csv"));
        assert_eq!(f.decide("data/big.csv").pattern, Some(3));
    }

    #[test]
    fn bad_patterns_are_reported_and_skipped() {
        let f = IgnoreFile::parse("[\n!\nok\n[z-a]\n", None);
        let lines: Vec<usize> = f.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
        assert!(f.is_excluded("ok"));
    }

    #[test]
    fn go_filepath_match() {
        assert_eq!(go_match("*.txt", "a.txt"), Ok(true));
        assert_eq!(go_match("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(go_match("d/*", "d/a.txt"), Ok(true));
        assert_eq!(
            go_match("requirements*.txt", "requirements-dev.txt"),
            Ok(true)
        );
        assert_eq!(go_match("[a-c]?", "b1"), Ok(true));
        assert_eq!(go_match("[^a-c]?", "b1"), Ok(false));
        assert!(go_match("[", "x").is_err());
        assert!(go_match("a[", "b").is_err());
    }

    #[test]
    fn named_classes_after_multibyte_characters() {
        // Found by the fuzzer: the class end was searched in bytes, then
        // used as a character index.
        assert_eq!(go_regex_to_rust("[[:ѤѤѤ:]]"), "[[:ѤѤѤ:]]");
        assert_eq!(go_regex_to_rust("[é[:alpha:]]"), "[é[:alpha:]]");
        let f = IgnoreFile::parse("a/ $~P/[([Y\u{5}/****\\\u{2}\u{5}[[:#Ѥ[/[/**:]\n", None);
        let _ = f.is_excluded("a/b");
    }

    #[test]
    fn cleaning_like_go() {
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean("foo/"), "foo");
        assert_eq!(go_dir("dir/file/"), "dir/file");
        assert_eq!(go_dir("file"), ".");
    }
}
