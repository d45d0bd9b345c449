//! The line-level parser: physical lines, parser directives, comments, line
//! continuations and heredoc bodies, following BuildKit's `parser.go`.
//!
//! Unlike BuildKit, parsing does not stop at the first error: a malformed
//! instruction is reported and skipped, and parsing goes on, so one run
//! reports every problem. The tree keeps the byte span of everything.

use crate::ast::{
    Arg, Comment, Directive, Flag, Heredoc, Instruction, Keyword, ParseError, ParseWarning, Span,
};
use crate::go;
use crate::line_parsers::{RawNode, node_from_line};
use crate::source::LineIndex;
use crate::words::{Lex, NoEnv};

/// BuildKit reads lines with Go's `bufio.Scanner`, whose buffer holds 64 KiB.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The parsed file.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The source text.
    pub source: String,
    /// Line starts, for positions.
    pub lines: LineIndex,
    /// The escape character in effect (`\` or `` ` ``).
    pub escape: char,
    /// Parser directives.
    pub directives: Vec<Directive>,
    /// Instructions in order.
    pub instructions: Vec<Instruction>,
    /// Every comment line (directives excluded).
    pub comments: Vec<Comment>,
    /// Things BuildKit accepts but warns about.
    pub warnings: Vec<ParseWarning>,
    /// Things that make BuildKit reject the file.
    pub errors: Vec<ParseError>,
}

impl Dockerfile {
    /// Parses `source`. Always returns a tree; check [`Dockerfile::errors`].
    pub fn parse(source: &str) -> Dockerfile {
        crate::tally::parse(source);
        Parser::new(source).run()
    }

    /// The first parse error as `(line, column, message)`, the message
    /// saying how many more there are: how every command reports a file
    /// BuildKit would not parse.
    pub fn first_error(&self) -> Option<(usize, usize, String)> {
        let e = self.errors.first()?;
        let more = match self.errors.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        Some((e.line, e.column, format!("{}{more}", e.message)))
    }

    /// Whether BuildKit's parser accepts the file.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.source, offset)
    }

    /// The directive with this (lower-case) name.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

/// A physical line: `start..content_end` is the text without the line ending,
/// `end` is past the `\n`.
#[derive(Clone, Copy)]
struct PhysLine {
    start: usize,
    content_end: usize,
    end: usize,
}

fn physical_lines(source: &str) -> Vec<PhysLine> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr_newline(&bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        let mut content_end = end;
        // Go's bytes.TrimRight(line, "\r\n").
        while content_end > start && matches!(bytes[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        out.push(PhysLine {
            start,
            content_end,
            end,
        });
        start = end;
    }
    out
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// A logical line built from pieces of physical lines, with the map back.
#[derive(Default)]
struct Logical {
    text: String,
    /// (logical start, source start, length)
    segments: Vec<(usize, usize, usize)>,
}

impl Logical {
    fn push(&mut self, source_start: usize, piece: &str) {
        if piece.is_empty() {
            return;
        }
        self.segments
            .push((self.text.len(), source_start, piece.len()));
        self.text.push_str(piece);
    }

    fn to_source(&self, offset: usize, is_end: bool) -> usize {
        if self.segments.is_empty() {
            return 0;
        }
        // An end offset belongs to the segment holding the byte before it.
        let probe = if is_end && offset > 0 {
            offset - 1
        } else {
            offset
        };
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|(l, _, _)| *l <= probe)
            .unwrap_or(&self.segments[0]);
        let inside = probe.saturating_sub(seg.0).min(seg.2);
        let pos = seg.1 + inside;
        if is_end && offset > 0 { pos + 1 } else { pos }
    }

    fn span(&self, (s, e): (usize, usize)) -> Span {
        let start = self.to_source(s, false);
        if s == e {
            return Span::new(start, start);
        }
        Span::new(start, self.to_source(e, true).max(start))
    }
}

struct DirectiveState {
    done: bool,
    seen: Vec<String>,
}

struct Parser<'a> {
    src: &'a str,
    lines: Vec<PhysLine>,
    index: LineIndex,
    next_line: usize,
    escape: char,
    directive_state: DirectiveState,
    directives: Vec<Directive>,
    instructions: Vec<Instruction>,
    comments: Vec<Comment>,
    pending_comments: Vec<Comment>,
    warnings: Vec<ParseWarning>,
    errors: Vec<ParseError>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lines: physical_lines(src),
            index: LineIndex::new(src),
            next_line: 0,
            escape: '\\',
            directive_state: DirectiveState {
                done: false,
                seen: Vec::new(),
            },
            directives: Vec::new(),
            instructions: Vec::new(),
            comments: Vec::new(),
            pending_comments: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        let (line, column) = self.index.line_col(self.src, span.start);
        self.errors.push(ParseError {
            message: message.into(),
            span,
            line,
            column,
        });
    }

    /// Takes the next physical line, enforcing BuildKit's line-length limit.
    fn take_line(&mut self) -> Option<PhysLine> {
        let line = *self.lines.get(self.next_line)?;
        self.next_line += 1;
        let len = line.end - line.start;
        let has_newline = self.src.as_bytes()[line.end - 1] == b'\n';
        if len > MAX_LINE_BYTES || (!has_newline && len >= MAX_LINE_BYTES) {
            self.error(
                format!(
                    "dockerfile line greater than max allowed size of {}",
                    MAX_LINE_BYTES - 1
                ),
                Span::new(line.start, line.start),
            );
            // BuildKit stops reading here; so do we.
            self.next_line = self.lines.len();
            return None;
        }
        Some(line)
    }

    fn run(mut self) -> Dockerfile {
        while let Some(line) = self.take_line() {
            self.parse_from(line);
        }
        if self.instructions.is_empty() && self.errors.is_empty() {
            let end = self.src.len();
            self.error("file with no instructions", Span::new(end, end));
        }
        Dockerfile {
            source: self.src.to_string(),
            lines: self.index,
            escape: self.escape,
            directives: self.directives,
            instructions: self.instructions,
            comments: self.comments,
            warnings: self.warnings,
            errors: self.errors,
        }
    }

    /// Looks for a parser directive on a line (BuildKit's `possibleParserDirective`).
    fn possible_directive(&mut self, token: &str, span: Span, line_no: usize) {
        if self.directive_state.done {
            return;
        }
        let Some((name, value)) = match_directive(token) else {
            self.directive_state.done = true;
            return;
        };
        let key = name.to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.directive_state.done = true;
            return;
        }
        if self.directive_state.seen.contains(&key) {
            self.error(format!("only one {key} parser directive can be used"), span);
            return;
        }
        self.directive_state.seen.push(key.clone());
        if key == "escape" {
            match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                other => {
                    self.error(
                        format!("invalid escape token '{other}' does not match ` or \\"),
                        span,
                    );
                    return;
                }
            }
        }
        self.directives.push(Directive {
            name: key,
            value,
            span,
            line: line_no,
        });
    }

    fn parse_from(&mut self, first: PhysLine) {
        let line_no = self.next_line;
        let mut start = first.start;
        if line_no == 1 && self.src[start..].starts_with('\u{feff}') {
            start += '\u{feff}'.len_utf8();
        }
        let content = &self.src[start..first.content_end];
        let lead = content.len() - content.trim_start_matches(go::is_space).len();
        let token_start = start + lead;
        let token = &content[lead..];
        let directives_before = self.directives.len();
        self.possible_directive(token, Span::new(token_start, first.content_end), line_no);
        if let Some(comment_text) = token.strip_prefix('#') {
            if self.directives.len() == directives_before {
                let comment = Comment {
                    text: comment_text.trim().to_string(),
                    span: Span::new(token_start, first.content_end),
                    line: line_no,
                };
                self.comments.push(comment.clone());
                self.pending_comments.push(comment);
            }
            return;
        }
        let (kept, mut end_of_line) = trim_continuation(token, self.escape);
        if end_of_line && kept == 0 {
            return; // blank line
        }
        let start_line = line_no;
        let mut logical = Logical::default();
        logical.push(token_start, &token[..kept]);
        let mut last_content_end = first.content_end;
        let mut empty_continuation = None;
        while !end_of_line {
            let Some(next) = self.take_line() else { break };
            let raw = &self.src[next.start..next.content_end];
            last_content_end = next.content_end;
            let stripped = raw.trim_start_matches(go::is_space);
            if stripped.starts_with('#') {
                continue; // comments inside a continuation are dropped
            }
            if stripped.is_empty() {
                empty_continuation.get_or_insert(next.start);
                continue;
            }
            let (kept, eol) = trim_continuation(raw, self.escape);
            end_of_line = eol;
            logical.push(next.start, &raw[..kept]);
        }
        if let Some(at) = empty_continuation {
            let line = self.index.line_col(self.src, at).0;
            self.warnings.push(ParseWarning {
                code: "NoEmptyContinuation",
                message: "Empty continuation line found; empty continuation lines will become errors in a future release".into(),
                span: Span::new(at, at),
                line,
            });
        }
        let instruction_span = Span::new(token_start, last_content_end);
        let raw = match node_from_line(&logical.text, 0, self.escape) {
            Ok(raw) => raw,
            Err(message) => {
                self.error(message, instruction_span);
                self.pending_comments.clear();
                return;
            }
        };
        let mut heredocs = Vec::new();
        let mut end = last_content_end;
        if can_contain_heredoc(&raw) && logical.text.contains("<<") {
            match heredocs_from_line(&logical.text) {
                Ok(found) => {
                    for (name, fd, expand, chomp) in found {
                        match self.read_heredoc_body(&name, chomp) {
                            Some((content, body_span, terminator_span)) => {
                                end = terminator_span.end;
                                heredocs.push(Heredoc {
                                    name,
                                    fd,
                                    expand,
                                    chomp,
                                    content,
                                    body_span,
                                    terminator_span,
                                });
                            }
                            None => {
                                self.error(
                                    "unterminated heredoc",
                                    Span::new(token_start, self.src.len()),
                                );
                                self.pending_comments.clear();
                                return;
                            }
                        }
                    }
                }
                Err(message) => {
                    self.error(message, instruction_span);
                    self.pending_comments.clear();
                    return;
                }
            }
        }
        let end_line = self.next_line;
        let comments = std::mem::take(&mut self.pending_comments);
        let mut instruction = build_instruction(&raw, &logical, comments);
        instruction.span = Span::new(token_start, end);
        instruction.start_line = start_line;
        instruction.end_line = end_line;
        instruction.heredocs = heredocs;
        self.instructions.push(instruction);
    }

    /// Reads heredoc body lines up to the terminator.
    fn read_heredoc_body(&mut self, name: &str, chomp: bool) -> Option<(String, Span, Span)> {
        let mut content = String::new();
        let mut body_start = None;
        let mut body_end = 0;
        while let Some(line) = self.take_line() {
            let text = &self.src[line.start..line.content_end];
            let candidate = if chomp {
                text.trim_start_matches('\t')
            } else {
                text
            };
            if candidate == name {
                let start = body_start.unwrap_or(line.start);
                let body_end = if body_start.is_some() {
                    body_end
                } else {
                    line.start
                };
                return Some((
                    content,
                    Span::new(start, body_end),
                    Span::new(line.start, line.content_end),
                ));
            }
            body_start.get_or_insert(line.start);
            body_end = line.end;
            content.push_str(&self.src[line.start..line.end]);
        }
        None
    }
}

/// `# name = value` at the top of the file (BuildKit's directive regex
/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, with Go's `\s`).
fn match_directive(line: &str) -> Option<(String, String)> {
    let is_ws = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let rest = line.strip_prefix('#')?.trim_start_matches(is_ws);
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = rest[name_len..]
        .trim_start_matches(is_ws)
        .strip_prefix('=')?;
    if rest.is_empty() {
        return None;
    }
    let lead = rest.len() - rest.trim_start_matches(is_ws).len();
    let value = if lead == rest.len() {
        // All blanks: the lazy `.+?` still takes the last one.
        let last = rest.chars().last()?;
        last.to_string()
    } else {
        rest[lead..].trim_end_matches(is_ws).to_string()
    };
    Some((name.to_string(), value))
}

/// BuildKit's continuation rule: the escape character as the last non-blank
/// character, unless itself escaped (regex `([^\\])\\[ \t]*$|^\\[ \t]*$`).
/// Returns the length to keep and whether the line ends the instruction.
fn trim_continuation(line: &str, escape: char) -> (usize, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let Some(body) = trimmed.strip_suffix(escape) else {
        return (line.len(), true);
    };
    match body.chars().last() {
        None => (0, false),
        Some(c) if c == escape => (line.len(), true),
        Some(_) => (body.len(), false),
    }
}

fn can_contain_heredoc(node: &RawNode) -> bool {
    let node = match (node.keyword, &node.sub) {
        (Keyword::Onbuild, Some(sub)) => sub.as_ref(),
        _ => node,
    };
    matches!(node.keyword, Keyword::Add | Keyword::Copy | Keyword::Run) && !node.json
}

/// `heredocsFromLine`: (name, fd, expand, chomp) of each heredoc word.
fn heredocs_from_line(line: &str) -> Result<Vec<(String, u32, bool, bool)>, String> {
    let lex = Lex {
        raw_quotes: true,
        raw_escapes: true,
        skip_unset_env: true,
        ..Lex::new('\\')
    };
    let words = lex.process_words(line, &NoEnv).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(h) = parse_heredoc_word(&word)? {
            out.push(h);
        }
    }
    Ok(out)
}

/// `ParseHeredoc` on one word: regex `^(\d*)<<(-?)\s*([^<]*)$`, then the
/// delimiter must be one shell word; quoting anywhere in it disables expansion.
pub fn parse_heredoc_word(word: &str) -> Result<Option<(String, u32, bool, bool)>, String> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = word[..digits].parse::<u32>().unwrap_or(0);
    let lex = Lex {
        skip_unset_env: true,
        ..Lex::new('\\')
    };
    let words = lex.process_words(rest, &NoEnv).map_err(|e| e.to_string())?;
    if words.len() != 1 {
        return Ok(None);
    }
    let raw_lex = Lex {
        raw_quotes: true,
        ..lex
    };
    let raw = raw_lex
        .process_words(rest, &NoEnv)
        .map_err(|e| e.to_string())?;
    if raw.len() != 1 {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    let expand = quotes(&words[0]) == quotes(&raw[0]);
    Ok(Some((words[0].clone(), fd, expand, chomp)))
}

fn build_instruction(raw: &RawNode, logical: &Logical, comments: Vec<Comment>) -> Instruction {
    let to_args = |v: &[(String, (usize, usize))]| -> Vec<Arg> {
        v.iter()
            .map(|(value, r)| Arg {
                value: value.clone(),
                span: logical.span(*r),
            })
            .collect()
    };
    Instruction {
        keyword_text: raw.cmd.clone(),
        keyword: raw.keyword,
        keyword_span: logical.span(raw.cmd_range),
        span: logical.span(raw.range),
        start_line: 0,
        end_line: 0,
        flags: raw
            .flags
            .iter()
            .map(|(text, r)| Flag {
                text: text.clone(),
                span: logical.span(*r),
            })
            .collect(),
        args: to_args(&raw.args),
        json: raw.json,
        rest_span: raw.rest_range.map(|r| logical.span(r)),
        original: logical.text[raw.range.0..raw.range.1].to_string(),
        sub: raw
            .sub
            .as_ref()
            .map(|sub| Box::new(build_instruction(sub, logical, Vec::new()))),
        heredocs: Vec::new(),
        comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_rule_matches_buildkit() {
        assert_eq!(trim_continuation("a \\", '\\'), (2, false));
        assert_eq!(trim_continuation("a \\  \t", '\\'), (2, false));
        assert_eq!(trim_continuation("a\\\\", '\\'), (3, true));
        assert_eq!(trim_continuation("\\", '\\'), (0, false));
        assert_eq!(trim_continuation("a `", '`'), (2, false));
        assert_eq!(trim_continuation("a \\", '`'), (3, true));
    }

    #[test]
    fn directives_follow_go_regex() {
        assert_eq!(
            match_directive("#escape = `"),
            Some(("escape".into(), "`".into()))
        );
        assert_eq!(
            match_directive("# syntax=docker/dockerfile:1  "),
            Some(("syntax".into(), "docker/dockerfile:1".into()))
        );
        assert_eq!(match_directive("# a=  "), Some(("a".into(), " ".into())));
        assert_eq!(match_directive("# hello world"), None);
        assert_eq!(match_directive("# 1a=b"), None);
    }

    #[test]
    fn spans_cover_continuations() {
        let src = "FROM a\nRUN echo \\\n  hi \\\n# c\n  there\n";
        let df = Dockerfile::parse(src);
        assert!(df.is_ok(), "{:?}", df.errors);
        let run = &df.instructions[1];
        assert_eq!(run.original, "RUN echo   hi   there");
        assert_eq!(run.args[0].value, "echo   hi   there");
        assert_eq!(run.args[0].span.text(src), "echo \\\n  hi \\\n# c\n  there");
        assert_eq!((run.start_line, run.end_line), (2, 5));
    }

    #[test]
    fn heredoc_bodies_have_spans() {
        let src = "FROM a\nRUN <<EOF\necho hi\nEOF\nCMD x\n";
        let df = Dockerfile::parse(src);
        let h = &df.instructions[1].heredocs[0];
        assert_eq!(h.body_span.text(src), "echo hi\n");
        assert_eq!(h.terminator_span.text(src), "EOF");
        assert_eq!(df.instructions[1].span.text(src), "RUN <<EOF\necho hi\nEOF");
        assert_eq!(df.instructions[2].start_line, 5);
    }

    #[test]
    fn keeps_going_after_errors() {
        let df = Dockerfile::parse("FROM a\nENV PATH\nCMD [\"a\", [1]]\nRUN ok\n");
        assert_eq!(df.errors.len(), 2);
        assert_eq!(df.errors[0].line, 2);
        assert_eq!(df.errors[1].line, 3);
        assert_eq!(df.instructions.len(), 2);
    }
}
