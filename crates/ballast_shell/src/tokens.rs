//! Reading a script into tokens: words (quotes and escapes removed, known
//! variables substituted, spans kept), operators, redirections and newlines.

use crate::{Vars, Word};

#[derive(Debug)]
pub(crate) enum Tok {
    Word(Word),
    Op(&'static str, usize),
    Redirect(String),
    Newline(usize),
}

pub(crate) fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(crate) fn tokenize(s: &str, vars: Vars<'_>) -> Vec<Tok> {
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
