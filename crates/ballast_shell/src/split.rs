//! Splitting a script's tokens into simple commands: separators, groups,
//! subshells, `if` branches and the reserved words of compound commands.

use std::cell::Cell;

use crate::tokens::{Tok, is_name_char, tokenize};
use crate::{Command, ELSE_ARM, MAX_SUBSTITUTED, Script, Sep, Vars, Word};

/// Reserved words that open or continue a compound command in front of a command.
const RESERVED_PREFIX: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "time",
];
/// Reserved words that close a compound command on their own.
const RESERVED_ALONE: &[&str] = &["fi", "done", "esac", "}", "{"];

/// Splits `script` into simple commands, substituting what `vars` knows.
pub(crate) fn commands(script: &str, vars: Vars<'_>) -> Script {
    // Past the budget, references stay as written (unknown), so a line of
    // `$BIG $BIG ...` costs no more than its own text.
    let left = Cell::new(Some(MAX_SUBSTITUTED));
    let bounded = |name: &str| {
        let budget = left.get()?;
        let value = vars(name)?;
        left.set(budget.checked_sub(value.len()));
        left.get().map(|_| value)
    };
    let mut split = Splitter::default();
    for tok in tokenize(script, &bounded) {
        split.token(tok);
    }
    split.flush();
    Script {
        commands: split.commands,
    }
}

/// The state of the split: the command being read and where it stands.
struct Splitter {
    commands: Vec<Command>,
    words: Vec<Word>,
    redirects: Vec<String>,
    /// The separator in front of the command being read.
    sep: Sep,
    /// The separator the next command will have.
    pending_sep: Sep,
    /// Nesting of groups and subshells.
    depth: u32,
    /// Nesting of `case` (whose bodies are skipped).
    in_case: u32,
    /// The open `if`s: (id, arm).
    ifs: Vec<(u32, u32)>,
    next_if: u32,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            commands: Vec::new(),
            words: Vec::new(),
            redirects: Vec::new(),
            sep: Sep::Start,
            pending_sep: Sep::Start,
            depth: 0,
            in_case: 0,
            ifs: Vec::new(),
            next_if: 0,
        }
    }
}

impl Splitter {
    fn token(&mut self, tok: Tok) {
        match tok {
            Tok::Word(w) => self.word(w),
            Tok::Redirect(r) => self.redirects.push(r),
            Tok::Op(..) | Tok::Newline(_) if self.in_case > 0 => {}
            Tok::Op(op, _) => self.operator(op),
            Tok::Newline(_) => self.newline(),
        }
    }

    fn word(&mut self, w: Word) {
        if self.in_case > 0 {
            if w.text == "esac" && !w.quoted {
                self.in_case -= 1;
            }
            return;
        }
        if self.words.is_empty() && !w.quoted && self.reserved(&w.text) {
            return;
        }
        if self.words.is_empty() {
            self.sep = self.pending_sep;
        }
        self.words.push(w);
    }

    /// Acts on a reserved word at the start of a command; false when `word`
    /// is not one this split handles.
    fn reserved(&mut self, word: &str) -> bool {
        match word {
            "{" => self.depth += 1,
            "}" => self.depth = self.depth.saturating_sub(1),
            "case" => self.in_case += 1,
            "if" => {
                self.ifs.push((self.next_if, 0));
                self.next_if += 1;
            }
            "then" | "elif" | "else" => {
                if let Some(top) = self.ifs.last_mut() {
                    top.1 = match word {
                        "else" => ELSE_ARM,
                        _ if top.1 == ELSE_ARM => ELSE_ARM,
                        _ => top.1 + 1,
                    };
                }
                self.sep = self.pending_sep;
            }
            "fi" => {
                self.ifs.pop();
            }
            "do" => self.sep = self.pending_sep,
            _ => return false,
        }
        true
    }

    fn operator(&mut self, op: &str) {
        self.flush();
        match op {
            "(" => self.depth += 1,
            ")" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.pending_sep = match op {
            "&&" => Sep::And,
            "||" => Sep::Or,
            "|" => Sep::Pipe,
            "&" => Sep::Background,
            _ => Sep::Seq,
        };
    }

    fn newline(&mut self) {
        self.flush();
        // A newline right after `&&`, `||` or `|` keeps it.
        if !matches!(self.pending_sep, Sep::And | Sep::Or | Sep::Pipe) {
            self.pending_sep = Sep::Seq;
        }
    }

    /// Ends the command being read.
    fn flush(&mut self) {
        let mut words = std::mem::take(&mut self.words);
        let redirects = std::mem::take(&mut self.redirects);
        strip_reserved(&mut words);
        let first = words.first().map(|w| w.span.0);
        let assignments = take_assignments(&mut words);
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
        self.commands.push(Command {
            assignments,
            words,
            redirects,
            span: (start, end),
            start: first.unwrap_or(start).min(start),
            sep: self.sep,
            depth: self.depth,
            branches: self.ifs.clone(),
        });
    }
}

/// Leading reserved words belong to the compound command, not to this command.
fn strip_reserved(words: &mut Vec<Word>) {
    let leading = words
        .iter()
        .take_while(|w| !w.quoted && RESERVED_PREFIX.contains(&w.text.as_str()))
        .count();
    words.drain(..leading);
    if words.len() == 1 && !words[0].quoted && RESERVED_ALONE.contains(&words[0].text.as_str()) {
        words.clear();
    }
}

/// The `NAME=value` words in front of the command.
fn take_assignments(words: &mut Vec<Word>) -> Vec<(String, String)> {
    let mut assignments = Vec::new();
    while let Some(w) = words.first() {
        let Some((name, value)) = w.text.split_once('=') else {
            break;
        };
        if name.is_empty() || !name.bytes().all(is_name_char) || name.as_bytes()[0].is_ascii_digit()
        {
            break;
        }
        assignments.push((name.to_string(), value.to_string()));
        words.remove(0);
    }
    assignments
}
