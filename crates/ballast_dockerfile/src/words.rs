//! BuildKit's shell-word processing: quote removal, escapes and `$VAR` /
//! `${VAR...}` expansion, exactly as the Dockerfile frontend applies them to
//! instruction arguments (ENV, ARG, COPY, WORKDIR, FROM, ...).
//!
//! The rules follow BuildKit's `shell/lex.go`; every case of BuildKit's own
//! `envVarTest`, `wordsTest` and the `lex_test.go` tables passes (see
//! `tests/conformance.rs`). The lexer also reports which variables a word
//! used and which of those were unset, which the linter uses to tell a known
//! value from a guess.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::go;

/// A source of variable values.
pub trait Env {
    /// The value of `name`, or `None` when it is unset.
    fn lookup(&self, name: &str) -> Option<&str>;
}

impl Env for HashMap<String, String> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Env for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Env for Vec<(String, String)> {
    fn lookup(&self, name: &str) -> Option<&str> {
        // Later assignments win, as in an environment list.
        self.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An environment with nothing set.
pub struct NoEnv;

impl Env for NoEnv {
    fn lookup(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// Options of one lexer, mirroring BuildKit's `shell.Lex` fields.
#[derive(Debug, Clone, Copy)]
pub struct Lex {
    /// The escape character: `\` or `` ` ``.
    pub escape: char,
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
    /// Treat quotes as ordinary characters (used for heredoc bodies).
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written.
    pub skip_unset_env: bool,
}

impl Default for Lex {
    fn default() -> Self {
        Self::new('\\')
    }
}

/// The outcome of processing one word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The processed word (`ProcessWord`).
    pub result: String,
    /// The word split into fields (`ProcessWords`).
    pub words: Vec<String>,
    /// Variables that were looked up and set (possibly to "").
    pub matched: BTreeSet<String>,
    /// Variables that were looked up and unset.
    pub unmatched: BTreeSet<String>,
}

/// The longest result word processing produces (64 KiB, BuildKit's longest
/// line). BuildKit has no bound; ballast refuses larger expansions (chains of
/// ARGs doubling a value, `${V//}` inserting between every character) instead
/// of running out of memory.
pub const MAX_EXPANSION: usize = 64 << 10;

/// How deeply `${V:-${W:-...}}` and quotes may nest. BuildKit has no bound
/// (Go stacks grow); ballast stops here instead of overflowing its stack.
pub const MAX_NESTING: usize = 100;

fn expansion_too_large() -> String {
    format!("expansion exceeds {} bytes", MAX_EXPANSION)
}

/// A word could not be processed (unterminated quote, bad substitution, `${V:?}`...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to process {source_quoted}: {message}")]
pub struct ShellError {
    source_quoted: String,
    /// What went wrong, without the word.
    pub message: String,
}

impl Lex {
    /// A lexer with BuildKit's defaults and the given escape character.
    pub fn new(escape: char) -> Self {
        Lex {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    /// Processes `word` against `env` (`ProcessWordWithMatches`).
    pub fn process(&self, word: &str, env: &dyn Env) -> Result<Expansion, ShellError> {
        let mut chars: Vec<char> = word.chars().collect();
        // Go's text/scanner skips a byte-order mark at the very start.
        if chars.first() == Some(&'\u{feff}') {
            chars.remove(0);
        }
        let mut sw = ShellWord {
            lex: *self,
            raw_escapes: self.raw_escapes,
            chars,
            pos: 0,
            env,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            depth: 0,
        };
        match sw.process_stop_on(None, self.raw_escapes) {
            Ok((result, words)) => Ok(Expansion {
                result,
                words,
                matched: sw.matched,
                unmatched: sw.unmatched,
            }),
            Err(message) => Err(ShellError {
                source_quoted: go::quote(word),
                message,
            }),
        }
    }

    /// The processed word (`ProcessWord`).
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<String, ShellError> {
        self.process(word, env).map(|e| e.result)
    }

    /// The word split into fields after expansion (`ProcessWords`).
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ShellError> {
        self.process(word, env).map(|e| e.words)
    }
}

#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if go::is_space(ch) && self.in_word {
            if !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else if !go::is_space(ch) {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(self.word);
        }
        self.words
    }
}

struct ShellWord<'a> {
    lex: Lex,
    raw_escapes: bool,
    chars: Vec<char>,
    pos: usize,
    env: &'a dyn Env,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    /// Nesting of `process_stop_on` (bounded by `MAX_NESTING`).
    depth: usize,
}

type StepResult<T> = Result<T, String>;

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn get_env(&mut self, name: &str) -> Option<String> {
        match self.env.lookup(name) {
            Some(v) => {
                self.matched.insert(name.to_string());
                Some(v.to_string())
            }
            None => {
                self.unmatched.insert(name.to_string());
                None
            }
        }
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> StepResult<(String, Vec<String>)> {
        if self.depth >= MAX_NESTING {
            return Err(format!("expansion nested more than {MAX_NESTING} deep"));
        }
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        self.depth += 1;
        let out = self.process_stop_on_inner(stop);
        self.depth -= 1;
        self.raw_escapes = saved;
        out
    }

    fn process_stop_on_inner(&mut self, stop: Option<char>) -> StepResult<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish()));
            }
            let special = match ch {
                '$' => Some(self.process_dollar()?),
                '<' => Some(self.process_possible_heredoc()),
                '\'' if !self.lex.skip_process_quotes => Some(self.process_single_quote()?),
                '"' if !self.lex.skip_process_quotes => Some(self.process_double_quote()?),
                _ => None,
            };
            if let Some(tmp) = special {
                if result.len() + tmp.len() > MAX_EXPANSION {
                    return Err(expansion_too_large());
                }
                result.push_str(&tmp);
                if ch == '$' {
                    words.add_string(&tmp);
                } else {
                    words.add_raw_string(&tmp);
                }
                continue;
            }
            let mut ch = self.next().expect("peeked");
            if ch == self.lex.escape {
                if self.raw_escapes {
                    words.add_raw_char(ch);
                    result.push(ch);
                }
                match self.next() {
                    None => break,
                    Some(c) => ch = c,
                }
                words.add_raw_char(ch);
            } else {
                words.add_char(ch);
            }
            result.push(ch);
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> StepResult<String> {
        let mut result = String::new();
        let open = self.next().expect("peeked quote");
        if self.lex.raw_quotes {
            result.push(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    );
                }
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> StepResult<String> {
        let mut result = String::new();
        let open = self.next().expect("peeked quote");
        if self.lex.raw_quotes {
            result.push(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                }
                Some('"') => {
                    self.next();
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let mut ch = self.next().expect("peeked");
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lex.escape => {
                                ch = self.next().expect("peeked");
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `<<` (or `<<-`) keeps the blanks after it in its word, so `<<  EOF` is one word.
    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        if self.peek() == Some('-') {
            self.next();
            out.push('-');
        }
        while let Some(c @ (' ' | '\t' | '\r')) = self.peek() {
            out.push(c);
            self.next();
        }
        out
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && go::is_digit(ch) {
                while let Some(c) = self.peek().filter(|c| go::is_digit(*c)) {
                    name.push(c);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !go::is_letter(ch) && !go::is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    fn process_dollar(&mut self) -> StepResult<String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.process_name();
        let Some(mut ch) = self.next() else {
            return Err("syntax error: missing '}'".into());
        };
        let mut modifier = ch.to_string();
        let mut null_is_unset = false;
        match ch {
            '}' => {
                return Ok(match self.get_env(&name) {
                    Some(v) => v,
                    None if self.lex.skip_unset_env => format!("${{{name}}}"),
                    None => String::new(),
                });
            }
            '/' => return self.process_replace(&name),
            ':' => {
                null_is_unset = true;
                let Some(c) = self.next() else {
                    return Err("syntax error: missing '}'".into());
                };
                ch = c;
                modifier.push(c);
            }
            '+' | '-' | '?' | '#' | '%' => {}
            _ => return Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
        let pattern_op = ch == '#' || ch == '%';
        if null_is_unset && pattern_op {
            return Err(format!("unsupported modifier ({modifier}) in substitution"));
        }
        let word = match self.process_stop_on(Some('}'), pattern_op) {
            Ok((w, _)) => w,
            Err(e) => {
                if self.peek().is_none() {
                    return Err("syntax error: missing '}'".into());
                }
                return Err(e);
            }
        };
        let value = self.get_env(&name);
        if self.lex.skip_unset_env && value.is_none() {
            return Ok(format!("${{{name}{modifier}{word}}}"));
        }
        let empty_or_unset = match &value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match ch {
            '-' => Ok(if empty_or_unset {
                word
            } else {
                value.unwrap_or_default()
            }),
            '+' => Ok(if empty_or_unset { String::new() } else { word }),
            '?' => match value {
                None => Err(format!(
                    "{name}: {}",
                    if word.is_empty() {
                        "is not allowed to be unset"
                    } else {
                        &word
                    }
                )),
                Some(v) if null_is_unset && v.is_empty() => Err(format!(
                    "{name}: {}",
                    if word.is_empty() {
                        "is not allowed to be empty"
                    } else {
                        &word
                    }
                )),
                Some(v) => Ok(v),
            },
            '#' | '%' => {
                let value = value.unwrap_or_default();
                let (pattern, greedy) = match word.strip_prefix(ch) {
                    Some(rest) => (rest.to_string(), true),
                    None => (word, false),
                };
                if ch == '%' {
                    trim_suffix(&pattern, &value, greedy)
                } else {
                    trim_prefix(&pattern, &value, greedy)
                }
            }
            _ => Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
    }

    fn process_replace(&mut self, name: &str) -> StepResult<String> {
        let replace_all = self.peek() == Some('/');
        if replace_all {
            self.next();
        }
        let pattern = match self.process_stop_on(Some('/'), true) {
            Ok((p, _)) => p,
            Err(e) => {
                if self.peek().is_none() {
                    return Err("syntax error: missing '/' in ${}".into());
                }
                return Err(e);
            }
        };
        let replacement = match self.process_stop_on(Some('}'), true) {
            Ok((r, _)) => r,
            Err(e) => {
                if self.peek().is_none() {
                    return Err("syntax error: missing '}'".into());
                }
                return Err(e);
            }
        };
        let value = self.get_env(name);
        if self.lex.skip_unset_env && value.is_none() {
            return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
        }
        let value = value.unwrap_or_default();
        let re = shell_pattern_regex(&pattern, true, false)
            .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
        // Bound the result before building it: an empty-matching pattern
        // inserts the replacement between every character.
        let (count, matched) = re
            .find_iter(&value)
            .take(if replace_all { usize::MAX } else { 1 })
            .fold((0usize, 0usize), |(n, m), x| (n + 1, m + x.len()));
        if value.len() - matched + count.saturating_mul(replacement.len()) > MAX_EXPANSION {
            return Err(expansion_too_large());
        }
        if replace_all {
            // Go's ReplaceAllString expands `$1` / `${name}` in the replacement,
            // and so does the regex crate, with the same syntax.
            Ok(re.replace_all(&value, replacement.as_str()).into_owned())
        } else if let Some(m) = re.find(&value) {
            Ok(format!(
                "{}{}{}",
                &value[..m.start()],
                replacement,
                &value[m.end()..]
            ))
        } else {
            Ok(value)
        }
    }
}

/// Turns a shell pattern (`*`, `?`, `\`-escapes; no bracket expressions) into
/// a regular expression, as BuildKit's `convertShellPatternToRegex` does.
fn shell_pattern_regex(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<regex::Regex, String> {
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut chars = pattern.chars().peekable();
    if chars.peek() == Some(&'\u{feff}') {
        chars.next();
    }
    while let Some(tok) = chars.next() {
        match tok {
            '*' => {
                out.push_str(star);
                continue;
            }
            '?' => {
                out.push('.');
                continue;
            }
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                out.push('\\');
                match chars.next() {
                    Some(c @ ('*' | '?' | '\\')) => out.push(c),
                    Some(c) => return Err(format!("invalid escape '\\{c}'")),
                    None => return Err("invalid escape '\\\u{fffd}'".into()),
                }
                continue;
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => out.push('\\'),
            _ => {}
        }
        // Every other character is literal outside a class in both Go's and
        // the regex crate's syntax.
        out.push(tok);
    }
    regex::Regex::new(&out).map_err(|e| e.to_string())
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> StepResult<String> {
    let re = shell_pattern_regex(pattern, greedy, true)
        .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// Reverses a pattern but keeps `\x` escapes in order (`a\*c` -> `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; runes.len()];
    let last = runes.len().wrapping_sub(1);
    let mut i = 0;
    while i < runes.len() {
        let tok = runes[i];
        let out_idx = last - i;
        if tok == '\\' && i != last {
            out[out_idx - 1] = tok;
            out[out_idx] = runes[i + 1];
            i += 2;
        } else {
            out[out_idx] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> StepResult<String> {
    // A regex cannot find the shortest rightmost match, so reverse both sides
    // and look for a leftmost one, as BuildKit does.
    let reversed: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expands_defaults_and_patterns() {
        let e = env(&[("V", "a/b/c.tar.gz"), ("E", "")]);
        let lex = Lex::default();
        assert_eq!(lex.process_word("${V##*/}", &e).unwrap(), "c.tar.gz");
        assert_eq!(lex.process_word("${V#*/}", &e).unwrap(), "b/c.tar.gz");
        assert_eq!(lex.process_word("${V%.*}", &e).unwrap(), "a/b/c.tar");
        assert_eq!(lex.process_word("${V%%.*}", &e).unwrap(), "a/b/c");
        assert_eq!(lex.process_word("${V/\\//-}", &e).unwrap(), "a-b/c.tar.gz");
        assert_eq!(lex.process_word("${V//\\//-}", &e).unwrap(), "a-b-c.tar.gz");
        assert_eq!(lex.process_word("${E:-x}${E-y}", &e).unwrap(), "x");
        assert!(lex.process_word("${E:?must be set}", &e).is_err());
        let x = lex.process("$V ${U:-d}", &e).unwrap();
        assert_eq!(x.matched.iter().collect::<Vec<_>>(), ["V"]);
        assert_eq!(x.unmatched.iter().collect::<Vec<_>>(), ["U"]);
    }

    #[test]
    fn heredoc_marker_keeps_following_blanks() {
        let lex = Lex {
            raw_quotes: true,
            raw_escapes: true,
            skip_unset_env: true,
            ..Lex::default()
        };
        assert_eq!(
            lex.process_words("RUN <<  EOF x", &NoEnv).unwrap(),
            ["RUN", "<<  EOF", "x"]
        );
    }
}
