//! `ballast_shell`: what a RUN command does, read from its shell text.
//!
//! [`parse`] splits a POSIX shell script into simple commands: on `&&`,
//! `||`, `;`, `|`, `&`, newlines, subshells `( )`, groups `{ }` and the
//! reserved words of `if`/`while`/`for`; quotes and escapes are removed from
//! words, redirections are set apart, and every word keeps its byte span so a
//! fix can edit it in place. Recognisers then name what a command is: a
//! Python or OS package install ([`python`], [`os`]), a cleanup, a download
//! piped to a shell, a model download, a TLS bypass ([`misc`]).
//!
//! This is a reader for analysis, not a shell: [`parse_with_vars`]
//! substitutes the variables whose values are known (`$NAME`, `${NAME}`;
//! unquoted values are split into words like the shell does), others stay as
//! written; command substitutions stay inside their word, and `case` bodies
//! are skipped.

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod misc;
pub mod os;
pub mod python;
pub mod requirements;

/// How a command is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// The first command of the script.
    Start,
    /// `;` or a newline.
    Seq,
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `|`.
    Pipe,
    /// `&`.
    Background,
}

/// A word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Quotes and escapes removed.
    pub text: String,
    /// Byte range in the script.
    pub span: (usize, usize),
    /// Some part was quoted.
    pub quoted: bool,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// `NAME=value` prefixes.
    pub assignments: Vec<(String, String)>,
    /// The command and its arguments.
    pub words: Vec<Word>,
    /// Redirection targets (`> file`, `2>&1`).
    pub redirects: Vec<String>,
    /// From its first to its last byte.
    pub span: (usize, usize),
    /// How it is joined to the previous command.
    pub sep: Sep,
    /// Nesting inside subshells, groups and compound commands.
    pub depth: u32,
    /// The `if` arms it is in, outermost first: `(if id, arm)`, arm 0 the
    /// condition, 1 the `then` body, 2/3 an `elif` condition and body, and
    /// so on; [`ELSE_ARM`] the `else` body.
    pub branches: Vec<(u32, u32)>,
}

/// The arm number of an `else` body in [`Command::branches`].
pub const ELSE_ARM: u32 = u32::MAX;

impl Command {
    /// The value of a `NAME=value` prefix assignment (the last one).
    pub fn assignment(&self, name: &str) -> Option<&str> {
        self.assignments
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The command name (the first word), without its directory.
    pub fn name(&self) -> Option<&str> {
        self.words
            .first()
            .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text))
    }

    /// The argument texts after the command name.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.words.iter().skip(1).map(|w| w.text.as_str())
    }

    /// Whether any word equals `flag`.
    pub fn has_word(&self, flag: &str) -> bool {
        self.words.iter().any(|w| w.text == flag)
    }
}

/// A parsed script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
}

impl Script {
    /// Whether command `i` feeds its output into the next one (`a | b`).
    pub fn pipes_into_next(&self, i: usize) -> bool {
        self.commands.get(i + 1).is_some_and(|c| c.sep == Sep::Pipe)
    }
}

impl Script {
    /// The directory each command runs in, following `cd` (and `pushd`)
    /// from `start`: `None` where a `cd` to an unknown place came before.
    /// A `cd` inside a subshell or group stays there.
    pub fn working_dirs(&self, start: &str) -> Vec<Option<String>> {
        // (depth of the `cd`, directory) in force, innermost last.
        let mut stack: Vec<(u32, Option<String>)> = vec![(0, Some(start.to_string()))];
        let mut out = Vec::with_capacity(self.commands.len());
        for c in &self.commands {
            while stack.len() > 1 && stack.last().is_some_and(|(d, _)| *d > c.depth) {
                stack.pop();
            }
            let here = stack.last().and_then(|(_, d)| d.clone());
            out.push(here.clone());
            if matches!(c.name(), Some("cd" | "pushd")) {
                let arg = c.words.get(1).map(|w| w.text.as_str());
                let next = match arg {
                    None | Some("~") => Some("/root".to_string()),
                    Some(a) if a.contains('$') || a == "-" => None,
                    Some(a) if a.starts_with('/') => Some(a.to_string()),
                    Some(a) => here.map(|h| format!("{}/{a}", h.trim_end_matches('/'))),
                };
                let next = next.map(|n| clean_path(&n));
                if stack.last().is_some_and(|(d, _)| *d == c.depth) {
                    stack.pop();
                    if stack.is_empty() {
                        stack.push((0, None));
                    }
                }
                stack.push((c.depth, next));
            }
        }
        out
    }
}

impl Script {
    /// Drops the commands of `if` arms the conditions rule out, where a
    /// condition is a `[`/`test` comparison of known words (`[ "false" =
    /// "true" ]`, `[ -z "" ]`). Unknown conditions keep every arm.
    pub fn without_dead_branches(mut self) -> Script {
        let mut dead: Vec<(u32, u32)> = Vec::new();
        let ids: std::collections::BTreeSet<u32> = self
            .commands
            .iter()
            .flat_map(|c| c.branches.iter().map(|b| b.0))
            .collect();
        for id in ids {
            let arm_of = |c: &Command| c.branches.iter().find(|b| b.0 == id).map(|b| b.1);
            let mut arms: Vec<u32> = self.commands.iter().filter_map(arm_of).collect();
            arms.sort_unstable();
            arms.dedup();
            let mut taken: Option<u32> = None;
            let mut known = true;
            let mut cond = 0;
            while known && taken.is_none() {
                let last = self.commands.iter().rfind(|c| arm_of(c) == Some(cond));
                match last.and_then(test_result) {
                    Some(true) => taken = Some(cond + 1),
                    Some(false) if arms.contains(&(cond + 2)) => cond += 2,
                    Some(false) => taken = Some(ELSE_ARM),
                    None => known = false,
                }
            }
            if let Some(t) = taken {
                dead.extend(
                    arms.into_iter()
                        .filter(|a| *a != t && *a % 2 == 1 || (*a == ELSE_ARM && t != ELSE_ARM))
                        .map(|a| (id, a)),
                );
            }
        }
        self.commands
            .retain(|c| !c.branches.iter().any(|b| dead.contains(b)));
        self
    }
}

/// The result of a `[ ... ]` / `test ...` / `[[ ... ]]` command whose words
/// are all known.
fn test_result(c: &Command) -> Option<bool> {
    let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
    let args: &[&str] = match words.as_slice() {
        ["[", rest @ .., "]"] | ["[[", rest @ .., "]]"] => rest,
        ["test", rest @ ..] => rest,
        _ => return None,
    };
    if args.iter().any(|a| a.contains('$') || a.contains('`')) {
        return None;
    }
    match args {
        ["-z", x] => Some(x.is_empty()),
        ["-n", x] => Some(!x.is_empty()),
        [a, "=" | "==", b] => Some(a == b),
        [a, "!=", b] => Some(a != b),
        _ => None,
    }
}

/// `/a/./b/../c` → `/a/c`.
fn clean_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

const RESERVED_PREFIX: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "time",
];
const RESERVED_ALONE: &[&str] = &["fi", "done", "esac", "}", "{"];

#[derive(Debug)]
enum Tok {
    Word(Word),
    Op(&'static str, usize),
    Redirect(String),
    Newline(usize),
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Looks up the value of a variable (`None`: unknown, kept as written).
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The most bytes variable substitution may add to one script (64 KiB).
pub const MAX_SUBSTITUTED: usize = 64 << 10;

/// Splits a shell script into simple commands.
pub fn parse(script: &str) -> Script {
    parse_with_vars(script, &|_| None)
}

/// Splits a shell script into simple commands, substituting the variables
/// `vars` knows. Words keep the span of the text they were read from.
pub fn parse_with_vars(script: &str, vars: Vars<'_>) -> Script {
    // Past the budget, references stay as written (unknown), so a line of
    // `$BIG $BIG ...` costs no more than its own text.
    let left = std::cell::Cell::new(Some(MAX_SUBSTITUTED));
    let bounded = |name: &str| {
        let budget = left.get()?;
        let value = vars(name)?;
        left.set(budget.checked_sub(value.len()));
        left.get().map(|_| value)
    };
    let toks = tokenize(script, &bounded);
    let mut commands = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    let mut redirects = Vec::new();
    let mut sep = Sep::Start;
    let mut pending_sep = Sep::Start;
    let mut depth: u32 = 0;
    let mut in_case = 0u32;
    let mut ifs: Vec<(u32, u32)> = Vec::new();
    let mut next_if = 0u32;
    let flush = |cur: &mut Vec<Word>,
                 redirects: &mut Vec<String>,
                 commands: &mut Vec<Command>,
                 sep: Sep,
                 depth: u32,
                 branches: &[(u32, u32)]| {
        let mut words = std::mem::take(cur);
        let redirects = std::mem::take(redirects);
        // Leading reserved words belong to the compound command, not to this command.
        while words
            .first()
            .is_some_and(|w| !w.quoted && RESERVED_PREFIX.contains(&w.text.as_str()))
        {
            words.remove(0);
        }
        if words.len() == 1 && !words[0].quoted && RESERVED_ALONE.contains(&words[0].text.as_str())
        {
            words.clear();
        }
        let mut assignments = Vec::new();
        while let Some(w) = words.first() {
            let Some((name, value)) = w.text.split_once('=') else {
                break;
            };
            if name.is_empty()
                || !name.bytes().all(is_name_char)
                || name.as_bytes()[0].is_ascii_digit()
            {
                break;
            }
            assignments.push((name.to_string(), value.to_string()));
            words.remove(0);
        }
        if words.is_empty() && assignments.is_empty() {
            return;
        }
        if words
            .first()
            .is_some_and(|w| w.text == "for" || w.text == "select")
        {
            return; // the word list of a loop is not a command
        }
        let start = words.first().map(|w| w.span.0).unwrap_or(0);
        let end = words.last().map(|w| w.span.1).unwrap_or(start);
        commands.push(Command {
            assignments,
            words,
            redirects,
            span: (start, end),
            sep,
            depth,
            branches: branches.to_vec(),
        });
    };
    for tok in toks {
        match tok {
            Tok::Word(w) => {
                if in_case > 0 {
                    if w.text == "esac" && !w.quoted {
                        in_case -= 1;
                    }
                    continue;
                }
                if cur.is_empty() && !w.quoted {
                    match w.text.as_str() {
                        "{" => {
                            depth += 1;
                            continue;
                        }
                        "}" => {
                            depth = depth.saturating_sub(1);
                            continue;
                        }
                        "case" => {
                            in_case += 1;
                            continue;
                        }
                        "if" => {
                            ifs.push((next_if, 0));
                            next_if += 1;
                            continue;
                        }
                        "then" | "elif" | "else" => {
                            if let Some(top) = ifs.last_mut() {
                                top.1 = match w.text.as_str() {
                                    "else" => ELSE_ARM,
                                    _ if top.1 == ELSE_ARM => ELSE_ARM,
                                    _ => top.1 + 1,
                                };
                            }
                            sep = pending_sep;
                            continue;
                        }
                        "fi" => {
                            ifs.pop();
                            continue;
                        }
                        "do" => {
                            sep = pending_sep;
                            continue;
                        }
                        _ => {}
                    }
                }
                if cur.is_empty() {
                    sep = pending_sep;
                }
                cur.push(w);
            }
            Tok::Redirect(r) => redirects.push(r),
            Tok::Op(op, _) if in_case > 0 => {
                let _ = op;
            }
            Tok::Newline(_) if in_case > 0 => {}
            Tok::Op(op, _) => {
                flush(&mut cur, &mut redirects, &mut commands, sep, depth, &ifs);
                match op {
                    "(" => depth += 1,
                    ")" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                pending_sep = match op {
                    "&&" => Sep::And,
                    "||" => Sep::Or,
                    "|" => Sep::Pipe,
                    "&" => Sep::Background,
                    _ => Sep::Seq,
                };
            }
            Tok::Newline(_) => {
                flush(&mut cur, &mut redirects, &mut commands, sep, depth, &ifs);
                if !cur.is_empty() || pending_sep == Sep::Start {
                    pending_sep = Sep::Seq;
                } else if !matches!(pending_sep, Sep::And | Sep::Or | Sep::Pipe) {
                    // A newline right after `&&` keeps the `&&`.
                    pending_sep = Sep::Seq;
                }
            }
        }
    }
    flush(&mut cur, &mut redirects, &mut commands, sep, depth, &ifs);
    Script { commands }
}

fn tokenize(s: &str, vars: Vars<'_>) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => {
                toks.push(Tok::Newline(i));
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'&' | b'|' | b';' | b'(' | b')' => {
                let two = &b[i..(i + 2).min(b.len())];
                let op: &'static str = match two {
                    b"&&" => "&&",
                    b"||" => "||",
                    b";;" => ";;",
                    _ => match c {
                        b'&' => "&",
                        b'|' => "|",
                        b';' => ";",
                        b'(' => "(",
                        _ => ")",
                    },
                };
                toks.push(Tok::Op(op, i));
                i += op.len();
            }
            b'>' | b'<' => {
                // Redirection: operator then its target word.
                let mut j = i;
                while j < b.len() && matches!(b[j], b'>' | b'<' | b'&' | b'-' | b'|') {
                    j += 1;
                }
                let op = &s[i..j];
                if op.starts_with("<<") && !op.starts_with("<<<") {
                    // A heredoc inside the script: skip its marker word and body.
                    let (word, after) = read_word(s, skip_blanks(b, j), vars);
                    let name = word.map(|w| w.text).unwrap_or_default();
                    let body_start = s[after..].find('\n').map_or(s.len(), |k| after + k + 1);
                    let mut k = body_start;
                    let mut end = s.len();
                    while k < s.len() {
                        let line_end = s[k..].find('\n').map_or(s.len(), |x| k + x);
                        if s[k..line_end].trim_start_matches('\t') == name {
                            end = line_end;
                            break;
                        }
                        k = line_end + 1;
                    }
                    toks.push(Tok::Redirect(format!("<<{name}")));
                    // Commands after the marker on the same line still count.
                    let rest_of_line = &s[after..body_start.saturating_sub(1).max(after)];
                    toks.extend(tokenize_offset(rest_of_line, after, vars));
                    toks.push(Tok::Newline(body_start.saturating_sub(1)));
                    i = end;
                    continue;
                }
                let (word, next) = read_word(s, skip_blanks(b, j), vars);
                toks.push(Tok::Redirect(format!(
                    "{op}{}",
                    word.map(|w| w.text).unwrap_or_default()
                )));
                i = next;
            }
            _ => {
                // `2>` style: digits right before a redirection.
                if c.is_ascii_digit() {
                    let mut j = i;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    if j < b.len() && matches!(b[j], b'>' | b'<') && !s[j..].starts_with("<<") {
                        let mut k = j;
                        while k < b.len() && matches!(b[k], b'>' | b'<' | b'&' | b'-' | b'|') {
                            k += 1;
                        }
                        let (word, next) = read_word(s, skip_blanks(b, k), vars);
                        toks.push(Tok::Redirect(format!(
                            "{}{}",
                            &s[i..k],
                            word.map(|w| w.text).unwrap_or_default()
                        )));
                        i = next;
                        continue;
                    }
                }
                let (word, next) = read_word(s, i, vars);
                if let Some(w) = word {
                    // Unquoted expansions were marked for field splitting.
                    if w.text.contains(FIELD_BREAK) {
                        toks.extend(
                            w.text
                                .split(FIELD_BREAK)
                                .filter(|t| !t.is_empty())
                                .map(|t| {
                                    Tok::Word(Word {
                                        text: t.to_string(),
                                        span: w.span,
                                        quoted: w.quoted,
                                    })
                                }),
                        );
                    } else {
                        toks.push(Tok::Word(w));
                    }
                }
                i = next.max(i + 1);
            }
        }
    }
    toks
}

fn tokenize_offset(s: &str, offset: usize, vars: Vars<'_>) -> Vec<Tok> {
    tokenize(s, vars)
        .into_iter()
        .map(|t| match t {
            Tok::Word(mut w) => {
                w.span = (w.span.0 + offset, w.span.1 + offset);
                Tok::Word(w)
            }
            Tok::Op(o, p) => Tok::Op(o, p + offset),
            Tok::Newline(p) => Tok::Newline(p + offset),
            r => r,
        })
        .collect()
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// Marks where an unquoted expansion splits a word.
const FIELD_BREAK: char = '\u{0}';

/// A `$NAME` or `${NAME}` at `i` with a known value: the value and the index
/// after the reference.
fn expansion(s: &str, i: usize, vars: Vars<'_>) -> Option<(String, usize)> {
    let rest = &s[i + 1..];
    let (name, len) = if let Some(braced) = rest.strip_prefix('{') {
        let end = braced.find('}')?;
        (&braced[..end], end + 2)
    } else {
        let end = rest
            .bytes()
            .position(|c| !is_name_char(c))
            .unwrap_or(rest.len());
        (&rest[..end], end)
    };
    if name.is_empty() || !name.bytes().all(is_name_char) || name.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((vars(name)?, i + 1 + len))
}

/// Reads one word starting at `start`; returns it and the index after it.
fn read_word(s: &str, start: usize, vars: Vars<'_>) -> (Option<Word>, usize) {
    let b = s.as_bytes();
    let mut i = start;
    let mut text = String::new();
    let mut quoted = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    i += 2;
                    continue;
                }
                if let Some(ch) = s[i + 1..].chars().next() {
                    text.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                quoted = true;
                let end = s[i + 1..].find('\'').map_or(s.len(), |k| i + 1 + k);
                text.push_str(&s[i + 1..end]);
                i = (end + 1).min(s.len());
            }
            b'"' => {
                quoted = true;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && matches!(b.get(i + 1), Some(b'"' | b'\\' | b'$' | b'`')) {
                        text.push(b[i + 1] as char);
                        i += 2;
                        continue;
                    }
                    if b[i] == b'$' && b.get(i + 1) == Some(&b'(') {
                        let end = matching_paren(s, i + 1);
                        text.push_str(&s[i..end]);
                        i = end;
                        continue;
                    }
                    if b[i] == b'$'
                        && let Some((value, next)) = expansion(s, i, vars)
                    {
                        text.push_str(&value);
                        i = next;
                        continue;
                    }
                    let ch = s[i..].chars().next().expect("char");
                    text.push(ch);
                    i += ch.len_utf8();
                }
                i = (i + 1).min(s.len());
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                let end = matching_paren(s, i + 1);
                text.push_str(&s[i..end]);
                i = end;
            }
            b'$' if let Some((value, next)) = expansion(s, i, vars) => {
                // Unquoted: the value splits into words on blanks.
                let mut fields = value.split([' ', '\t', '\n']).peekable();
                while let Some(f) = fields.next() {
                    text.push_str(f);
                    if fields.peek().is_some() {
                        text.push(FIELD_BREAK);
                    }
                }
                i = next;
            }
            b'`' => {
                let end = s[i + 1..].find('`').map_or(s.len(), |k| i + 2 + k);
                text.push_str(&s[i..end.min(s.len())]);
                i = end.min(s.len());
            }
            _ => {
                let ch = s[i..].chars().next().expect("char");
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if i == start {
        return (None, i);
    }
    if !quoted && !text.is_empty() && text.chars().all(|c| c == FIELD_BREAK) {
        // An unquoted expansion of only blanks gives no word.
        return (None, i);
    }
    (
        Some(Word {
            text,
            span: (start, i),
            quoted,
        }),
        i,
    )
}

/// The index after the `)` matching the `(` at `open`.
fn matching_paren(s: &str, open: usize) -> usize {
    let b = s.as_bytes();
    let mut depth = 0;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'\'' => i = s[i + 1..].find('\'').map_or(s.len(), |k| i + 1 + k),
            _ => {}
        }
        i += 1;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Script) -> Vec<String> {
        s.commands
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn splits_on_operators_and_keeps_spans() {
        let src = "apt-get update && apt-get install -y --no-install-recommends curl \\\n  && rm -rf /var/lib/apt/lists/*";
        let s = parse(src);
        assert_eq!(
            names(&s),
            [
                "apt-get update",
                "apt-get install -y --no-install-recommends curl",
                "rm -rf /var/lib/apt/lists/*"
            ]
        );
        assert_eq!(s.commands[1].sep, Sep::And);
        let w = &s.commands[1].words[1];
        assert_eq!(&src[w.span.0..w.span.1], "install");
    }

    #[test]
    fn quotes_subshells_pipes_and_compound_commands() {
        let s = parse(
            "set -eux; (cd /tmp && pip install \"uvicorn[standard]>=0.30\" 'fastapi<1') | tee log 2>&1; { echo a; }",
        );
        assert_eq!(
            names(&s),
            [
                "set -eux",
                "cd /tmp",
                "pip install uvicorn[standard]>=0.30 fastapi<1",
                "tee log",
                "echo a"
            ]
        );
        assert_eq!(s.commands[2].depth, 1);
        assert!(s.pipes_into_next(2));
        assert_eq!(s.commands[3].redirects, ["2>&1"]);
        let s = parse(
            "if [ \"$CUDA\" = 1 ]; then pip install nvidia-cudnn-cu12; else echo cpu; fi\nfor p in a b; do pip install $p; done",
        );
        assert_eq!(
            names(&s),
            [
                "[ $CUDA = 1 ]",
                "pip install nvidia-cudnn-cu12",
                "echo cpu",
                "pip install $p"
            ]
        );
    }

    #[test]
    fn dead_branches_of_known_conditions() {
        let vars = |n: &str| match n {
            "FLASH" => Some("false".to_string()),
            "MODELS" => Some(String::new()),
            _ => None,
        };
        let s = parse_with_vars(
            "if [ \"$FLASH\" == \"true\" ]; then pip install flash-attn; fi && if [ -z \"$MODELS\" ]; then echo all; else echo some; fi && if [ \"$X\" = 1 ]; then a; else b; fi",
            &vars,
        )
        .without_dead_branches();
        let names: Vec<String> = s
            .commands
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| w.text.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            names,
            [
                "[ false == true ]",
                "[ -z  ]",
                "echo all",
                "[ $X = 1 ]",
                "a",
                "b"
            ]
        );
    }

    #[test]
    fn working_directories_follow_cd() {
        let s = parse(
            "cd /app && pip install . && (cd sub && make) && cd ../opt && ls && cd $X && pwd",
        );
        let dirs = s.working_dirs("/w");
        let dirs: Vec<Option<&str>> = dirs.iter().map(|d| d.as_deref()).collect();
        assert_eq!(
            dirs,
            [
                Some("/w"),
                Some("/app"),
                Some("/app"),
                Some("/app/sub"),
                Some("/app"),
                Some("/opt"),
                Some("/opt"),
                None
            ]
        );
    }

    #[test]
    fn known_variables_are_substituted_and_split() {
        let vars = |n: &str| match n {
            "PKGS" => Some("torch  numpy".to_string()),
            "IDX" => Some("https://download.pytorch.org/whl/cpu".to_string()),
            _ => None,
        };
        let src = "pip install $PKGS \"${PKGS}\" --index-url=${IDX} '$PKGS' $UNKNOWN";
        let s = parse_with_vars(src, &vars);
        assert_eq!(
            names(&s),
            [
                "pip install torch numpy torch  numpy --index-url=https://download.pytorch.org/whl/cpu $PKGS $UNKNOWN"
            ]
        );
        // Both words from `$PKGS` point at the reference.
        let w = &s.commands[0].words;
        assert_eq!(&src[w[2].span.0..w[2].span.1], "$PKGS");
        assert_eq!(w[3].span, w[2].span);
    }

    #[test]
    fn assignments_comments_substitutions_and_heredocs() {
        let s = parse(
            "PIP_NO_CACHE_DIR=1 pip install x # trailing comment\nexport PATH=$(python -c 'print(1)')/bin:$PATH\ncat <<EOF > /etc/x\nline && not a command\nEOF\necho done",
        );
        assert_eq!(
            s.commands[0].assignments,
            vec![("PIP_NO_CACHE_DIR".to_string(), "1".to_string())]
        );
        assert_eq!(
            names(&s),
            [
                "pip install x",
                "export PATH=$(python -c 'print(1)')/bin:$PATH",
                "cat",
                "echo done"
            ]
        );
    }
}
