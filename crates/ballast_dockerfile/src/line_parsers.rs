//! Splitting one logical line into keyword, flags and argument nodes, with the
//! per-instruction rules of BuildKit's `line_parsers.go` and `split_command.go`.
//! Positions are byte offsets into the logical line; the parser maps them
//! back to the source.

use crate::ast::Keyword;
use crate::go;
use crate::json::{self, JsonForm};

/// A value with its range in the logical line.
pub(crate) type Piece = (String, (usize, usize));

/// One instruction node before positions are mapped back to the source.
#[derive(Debug)]
pub(crate) struct RawNode {
    pub cmd: String,
    pub cmd_range: (usize, usize),
    pub keyword: Keyword,
    pub flags: Vec<Piece>,
    pub args: Vec<Piece>,
    pub json: bool,
    pub rest_range: Option<(usize, usize)>,
    pub sub: Option<Box<RawNode>>,
    /// The whole (trimmed) text of this node, for `original`.
    pub range: (usize, usize),
}

const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// `newNodeFromLine`: `line` is a slice of the logical line starting at `base`.
pub(crate) fn node_from_line(line: &str, base: usize, escape: char) -> Result<RawNode, String> {
    node_at_depth(line, base, escape, 0)
}

/// How deep `ONBUILD ONBUILD ...` may nest before parsing stops. BuildKit's
/// parser recurses without a bound (its build then refuses any chaining); we
/// stop early rather than exhaust the stack (docs/parser-differences.md).
pub(crate) const MAX_ONBUILD_NESTING: usize = 16;

fn node_at_depth(line: &str, base: usize, escape: char, depth: usize) -> Result<RawNode, String> {
    let (ts, te) = go::trim_space_range(line);
    let trimmed = &line[ts..te];
    let parts = go::split_re_whitespace(trimmed, Some(2));
    let (cs, ce) = parts[0];
    let cmd = trimmed[cs..ce].to_string();
    let mut flags = Vec::new();
    let mut rest = "";
    let mut rest_base = base + ts + ce;
    if let Some(&(as_, ae)) = parts.get(1) {
        let after = &trimmed[as_..ae];
        let (rest_off, found) = extract_builder_flags(after);
        for (text, (s, e)) in found {
            flags.push((text, (base + ts + as_ + s, base + ts + as_ + e)));
        }
        let rest_raw = &after[rest_off..];
        let (rs, re) = go::trim_space_range(rest_raw);
        rest = &rest_raw[rs..re];
        rest_base = base + ts + as_ + rest_off + rs;
    }
    let keyword = Keyword::from_lowercase(&go::to_lower(&cmd));
    let shift = |v: Vec<Piece>| -> Vec<Piece> {
        v.into_iter()
            .map(|(s, (a, b))| (s, (a + rest_base, b + rest_base)))
            .collect()
    };
    let mut json = false;
    let mut sub = None;
    let args = match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => {
            let (nodes, is_json) = parse_maybe_json_to_list(rest)?;
            json = is_json;
            shift(nodes)
        }
        Keyword::Arg => shift(parse_words(rest, escape)),
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell => {
            let (nodes, is_json) = parse_maybe_json(rest)?;
            json = is_json;
            shift(nodes)
        }
        Keyword::Env => shift(parse_name_val(rest, "ENV", escape)?),
        Keyword::Label => shift(parse_name_val(rest, "LABEL", escape)?),
        Keyword::Expose | Keyword::From => shift(parse_strings_whitespace_delimited(rest)),
        Keyword::Healthcheck => {
            let (nodes, is_json) = parse_health_config(rest)?;
            json = is_json;
            shift(nodes)
        }
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            shift(parse_string(rest))
        }
        Keyword::Onbuild => {
            if !rest.is_empty() {
                if depth >= MAX_ONBUILD_NESTING {
                    return Err(format!(
                        "ONBUILD nested more than {MAX_ONBUILD_NESTING} deep"
                    ));
                }
                sub = Some(Box::new(node_at_depth(rest, rest_base, escape, depth + 1)?));
            }
            Vec::new()
        }
        // BuildKit keeps unknown instructions with one empty argument.
        Keyword::Unknown => vec![(String::new(), (rest_base, rest_base))],
    };
    Ok(RawNode {
        cmd,
        cmd_range: (base + ts + cs, base + ts + ce),
        keyword,
        flags,
        args,
        json,
        rest_range: (!rest.is_empty()).then_some((rest_base, rest_base + rest.len())),
        sub,
        range: (base + ts, base + te),
    })
}

/// `extractBuilderFlags`: leading `--words`. Returns the offset where the
/// arguments start and the flags with their ranges. BuildKit walks bytes and
/// turns each into a rune, so non-ASCII bytes inside a flag become Latin-1
/// characters in the AST; we reproduce that.
fn extract_builder_flags(line: &str) -> (usize, Vec<Piece>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    let is_space = |c: u8| c.is_ascii() && go::is_space_byte(c);
    while pos <= b.len() {
        let at_end = pos == b.len();
        let mut ch = if at_end { 0 } else { b[pos] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == b.len() || b[pos + 1] != b'-' {
                return (pos, words);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push((word, (word_start, pos)));
            }
            return (b.len(), words);
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (pos, words);
                }
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), (word_start, pos)));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == b'\\' {
                if pos + 1 == b.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = b[pos];
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == b'\\' {
            if pos + 1 == b.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = b[pos];
        }
        word.push(char::from(ch));
        pos += 1;
    }
    (b.len(), words)
}

/// `parseWords`: words split on unquoted whitespace, quotes and escapes kept.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<Piece> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let n = chars.len();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut i = 0;
    let mut ch = '\0';
    while i <= n {
        let at_end = i == n;
        let pos = if at_end { rest.len() } else { chars[i].0 };
        if !at_end {
            ch = chars[i].1;
        }
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if go::is_space(ch) {
                i += 1;
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push((word, (word_start, rest.len())));
            }
            break;
        }
        if phase == Phase::Word {
            if go::is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), (word_start, pos)));
                }
                word.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if i + 1 == n {
                    i += 1;
                    continue;
                }
                word.push(ch);
                i += 1;
                ch = chars[i].1;
            }
            word.push(ch);
            i += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if i + 1 == n {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            word.push(ch);
            i += 1;
            ch = chars[i].1;
        }
        word.push(ch);
        i += 1;
    }
    words
}

/// `parseNameVal` (ENV, LABEL): `key value` (legacy) or `k=v k2=v2`.
/// Produces `key, value, separator` triples.
fn parse_name_val(rest: &str, key: &str, escape: char) -> Result<Vec<Piece>, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.0.contains('=') {
        let parts = go::split_re_whitespace(rest, Some(2));
        if parts.len() < 2 {
            return Err(format!("{key} must have two arguments"));
        }
        let (k, v) = (parts[0], parts[1]);
        return Ok(vec![
            (rest[k.0..k.1].to_string(), k),
            (rest[v.0..v.1].to_string(), v),
            (String::new(), (v.1, v.1)),
        ]);
    }
    let mut out = Vec::with_capacity(words.len() * 3);
    for (word, (s, e)) in words {
        let Some(eq) = word.find('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                go::quote(&word)
            ));
        };
        // The word is the source text minus any escape dropped at the very end,
        // so offsets inside it map 1:1 from the word's start.
        out.push((word[..eq].to_string(), (s, s + eq)));
        out.push((word[eq + 1..].to_string(), (s + eq + 1, e)));
        out.push(("=".to_string(), (s + eq, s + eq + 1)));
    }
    Ok(out)
}

/// `parseStringsWhitespaceDelimited` (FROM, EXPOSE, non-JSON COPY/ADD/VOLUME).
fn parse_strings_whitespace_delimited(rest: &str) -> Vec<Piece> {
    if rest.is_empty() {
        return Vec::new();
    }
    go::split_re_whitespace(rest, None)
        .into_iter()
        .map(|(s, e)| (rest[s..e].to_string(), (s, e)))
        .collect()
}

/// `parseString` (USER, WORKDIR, MAINTAINER, STOPSIGNAL): the whole rest.
fn parse_string(rest: &str) -> Vec<Piece> {
    if rest.is_empty() {
        return Vec::new();
    }
    vec![(rest.to_string(), (0, rest.len()))]
}

/// `parseJSON`: `Ok(Some)` for an array of strings, `Ok(None)` for not JSON.
fn parse_json(rest: &str) -> Result<Option<Vec<Piece>>, String> {
    let lead = rest.len() - rest.trim_start_matches(go::is_space).len();
    match json::classify(&rest[lead..]) {
        JsonForm::Strings(items) => Ok(Some(
            items
                .into_iter()
                .map(|(s, (a, b))| (s, (a + lead, b + lead)))
                .collect(),
        )),
        JsonForm::NotStringArray => Err(NOT_STRING_ARRAY.into()),
        JsonForm::Invalid => Ok(None),
    }
}

/// `parseMaybeJSON` (RUN, CMD, ENTRYPOINT, SHELL).
fn parse_maybe_json(rest: &str) -> Result<(Vec<Piece>, bool), String> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    match parse_json(rest)? {
        Some(nodes) => Ok((nodes, true)),
        None => Ok((vec![(rest.to_string(), (0, rest.len()))], false)),
    }
}

/// `parseMaybeJSONToList` (COPY, ADD, VOLUME).
fn parse_maybe_json_to_list(rest: &str) -> Result<(Vec<Piece>, bool), String> {
    match parse_json(rest)? {
        Some(nodes) => Ok((nodes, true)),
        None => Ok((parse_strings_whitespace_delimited(rest), false)),
    }
}

/// `parseHealthConfig`: a type word (`CMD`, `NONE`, ...) then a command.
fn parse_health_config(rest: &str) -> Result<(Vec<Piece>, bool), String> {
    let b = rest.as_bytes();
    let is_space = |c: u8| c.is_ascii() && go::is_space_byte(c);
    let sep = b.iter().position(|&c| is_space(c)).unwrap_or(b.len());
    let next = b[sep..]
        .iter()
        .position(|&c| !is_space(c))
        .map_or(b.len(), |p| sep + p);
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let mut nodes = vec![(rest[..sep].to_string(), (0, sep))];
    let (cmd, json) = parse_maybe_json(&rest[next..])?;
    nodes.extend(cmd.into_iter().map(|(s, (a, e))| (s, (a + next, e + next))));
    Ok((nodes, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(p: &[Piece]) -> Vec<&str> {
        p.iter().map(|(s, _)| s.as_str()).collect()
    }

    #[test]
    fn flags_stop_at_first_plain_word() {
        let (off, f) = extract_builder_flags("--from=a --chown=\"b c\" x y");
        assert_eq!(values(&f), ["--from=a", "--chown=b c"]);
        assert_eq!(off, 23);
        let (off, f) = extract_builder_flags("-- foo /tmp/");
        assert!(f.is_empty());
        assert_eq!(off, 2);
    }

    #[test]
    fn words_keep_quotes() {
        let w = parse_words(r#"abc="123 456" def"#, '\\');
        assert_eq!(values(&w), [r#"abc="123 456""#, "def"]);
        assert_eq!(w[1].1, (14, 17));
    }

    #[test]
    fn env_triples_have_ranges() {
        let n = parse_name_val("A=1 B=\"2 3\"", "ENV", '\\').unwrap();
        assert_eq!(values(&n), ["A", "1", "=", "B", "\"2 3\"", "="]);
        assert_eq!(n[4].1, (6, 11));
        assert!(parse_name_val("PATH", "ENV", '\\').is_err());
    }
}
