//! Printing the tree the way BuildKit's `Node.Dump()` does, and as JSON.

use serde::Serialize;

use crate::ast::{Instruction, Keyword};
use crate::go;
use crate::parser::Dockerfile;

/// BuildKit's AST dump: one `(...)` line per instruction.
pub fn buildkit_dump(df: &Dockerfile) -> String {
    let mut out = String::new();
    for inst in &df.instructions {
        out.push('(');
        out.push_str(&dump_node(inst));
        out.push_str(")\n");
    }
    out
}

fn dump_node(inst: &Instruction) -> String {
    let mut s = go::to_lower(&inst.keyword_text);
    if !inst.flags.is_empty() {
        let flags: Vec<&str> = inst.flags.iter().map(|f| f.text.as_str()).collect();
        s.push(' ');
        s.push_str(&go::quote_list(&flags));
    }
    if let Some(sub) = &inst.sub {
        s.push_str(" (");
        s.push_str(&dump_node(sub));
        s.push(')');
    }
    for arg in &inst.args {
        s.push(' ');
        s.push_str(&go::quote(&arg.value));
    }
    s.trim_matches(go::is_space).to_string()
}

/// One instruction in the `--dump json` format.
#[derive(Debug, Serialize)]
pub struct JsonInstruction<'a> {
    /// Upper-cased keyword.
    pub cmd: String,
    /// For ONBUILD, the wrapped keyword.
    pub sub_cmd: Option<String>,
    /// 1-based first line.
    pub start_line: usize,
    /// 1-based last line.
    pub end_line: usize,
    /// Raw flag strings.
    pub flags: Vec<&'a str>,
    /// JSON (exec) form.
    pub json: bool,
    /// Argument values as BuildKit's AST holds them (ENV/LABEL as key, value,
    /// separator triples).
    pub value: Vec<&'a str>,
    /// Heredocs with their raw content.
    pub heredocs: Vec<JsonHeredoc<'a>>,
    /// The logical line.
    pub original: &'a str,
}

/// A heredoc in the JSON dump.
#[derive(Debug, Serialize)]
pub struct JsonHeredoc<'a> {
    /// Delimiter.
    pub name: &'a str,
    /// Raw body.
    pub content: &'a str,
}

/// The instructions in the `--dump json` format.
pub fn json_instructions(df: &Dockerfile) -> Vec<JsonInstruction<'_>> {
    df.instructions
        .iter()
        .map(|inst| {
            let inner = inst.effective();
            JsonInstruction {
                cmd: inst.keyword_text.to_uppercase(),
                sub_cmd: inst.sub.as_ref().map(|s| s.keyword_text.to_uppercase()),
                start_line: inst.start_line,
                end_line: inst.end_line,
                flags: inst.flags.iter().map(|f| f.text.as_str()).collect(),
                json: inner.json,
                value: inner.args.iter().map(|a| a.value.as_str()).collect(),
                heredocs: inst
                    .heredocs
                    .iter()
                    .map(|h| JsonHeredoc {
                        name: &h.name,
                        content: &h.content,
                    })
                    .collect(),
                original: &inst.original,
            }
        })
        .collect()
}

/// Prints the tree back as a Dockerfile in a canonical layout: one line per
/// instruction, upper-case keywords, flags quoted where needed, heredoc bodies
/// after their instruction. Parsing the result gives the same BuildKit dump
/// (the property tests check this).
pub fn canonical(df: &Dockerfile) -> String {
    let mut out = String::new();
    for d in &df.directives {
        out.push_str(&format!("# {}={}\n", d.name, d.value));
    }
    for inst in &df.instructions {
        let mut line = canonical_instruction(inst, df.escape);
        if matches!(inst.keyword, Keyword::Env | Keyword::Label | Keyword::Arg)
            && line.ends_with(char::is_whitespace)
        {
            // A quoted value left open keeps its trailing blanks (any
            // Unicode space), which the end of the line would trim. BuildKit drops an escape character
            // that ends the words, so one after the blanks protects them.
            line.push(df.escape);
        }
        out.push_str(&line);
        if !inst.keyword_text.is_empty() && line.trim_end_matches([' ', '\t']).ends_with(df.escape)
        {
            // A value ending with the escape character would continue the
            // line. A vertical tab stops that: it is not a continuation
            // blank, and BuildKit trims it from the value like any space.
            out.push('\x0b');
        }
        out.push('\n');
        for h in &inst.heredocs {
            out.push_str(&h.content);
            out.push_str(&h.name);
            out.push('\n');
        }
    }
    out
}

fn canonical_instruction(inst: &Instruction, escape: char) -> String {
    if inst.keyword_text.is_empty() {
        // Only a continuation running into the end of the file gives an
        // instruction with no keyword; print one the same way.
        return escape.to_string();
    }
    let mut line = inst
        .keyword
        .as_str()
        .map_or_else(|| inst.keyword_text.clone(), str::to_string);
    for flag in &inst.flags {
        line.push(' ');
        line.push_str(&canonical_flag(&flag.text));
    }
    let rest = canonical_rest(inst, escape);
    if !rest.is_empty() {
        line.push(' ');
        if rest.starts_with("--") {
            // Keep arguments that look like flags from being read as flags.
            line.push_str("-- ");
        }
        line.push_str(&rest);
    }
    line
}

fn canonical_flag(text: &str) -> String {
    // BuildKit builds flags byte by byte, so a non-ASCII character reaches the
    // AST as one Latin-1 character per UTF-8 byte. Print the original bytes so
    // the result parses back to the same AST.
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let original = String::from_utf8(bytes).unwrap_or_else(|_| text.to_string());
    let body = original.strip_prefix("--").unwrap_or(&original);
    // Any Unicode space too: at the end of the line it would be trimmed.
    if !body.contains([' ', '\t', '\n', '\x0b', '\x0c', '\r', '"', '\'', '\\'])
        && !body.contains(char::is_whitespace)
    {
        return original;
    }
    // Quote the rest: blanks inside quotes survive, even at the end of the line.
    let mut out = String::from("--\"");
    for c in body.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The separators between consecutive `values` in the logical line: `" "`
/// where the original had only spaces and tabs, else the original blanks.
fn original_separators(line: &str, values: &[&str]) -> Vec<String> {
    let mut seps = vec![" ".to_string(); values.len().saturating_sub(1)];
    let mut end = line.trim_end_matches([' ', '\t']).len();
    let mut starts = vec![None; values.len()];
    for (i, v) in values.iter().enumerate().rev() {
        let Some(start) = line.get(..end).and_then(|l| l.rfind(v)) else {
            break;
        };
        starts[i] = Some(start);
        end = start;
    }
    for i in 1..values.len() {
        if let (Some(prev), Some(next)) = (starts[i - 1], starts[i]) {
            let sep = &line[prev + values[i - 1].len()..next];
            if !sep.is_empty() && !sep.chars().all(|c| c == ' ' || c == '\t') {
                seps[i - 1] = sep.to_string();
            }
        }
    }
    seps
}

fn json_array(values: &[&str]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).expect("string"))
        .collect();
    format!("[{}]", items.join(", "))
}

fn canonical_rest(inst: &Instruction, escape: char) -> String {
    use crate::ast::Keyword as K;
    let values = inst.values();
    match inst.keyword {
        K::Onbuild => inst
            .sub
            .as_ref()
            .map_or_else(String::new, |s| canonical_instruction(s, escape)),
        // BuildKit ignores the arguments of unknown instructions; one is kept
        // when the keyword ends with the escape character, which would
        // otherwise continue the line.
        // Likewise a keyword ending in a Unicode space that is not a word
        // separator (NBSP): at the end of the line it would be trimmed.
        K::Unknown
            if inst.keyword_text.ends_with(escape)
                || inst.keyword_text.ends_with(char::is_whitespace) =>
        {
            "_".to_string()
        }
        K::Unknown => String::new(),
        K::Env | K::Label => values
            .chunks(3)
            .map(|c| {
                if c.get(2) == Some(&"=") {
                    format!("{}={}", c[0], c[1])
                } else if c[0].ends_with(escape) {
                    // The escape would take one blank into the first word;
                    // a second one still ends it.
                    format!("{}  {}", c[0], c.get(1).unwrap_or(&""))
                } else {
                    format!("{} {}", c[0], c.get(1).unwrap_or(&""))
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        K::Healthcheck => match values.split_first() {
            None => String::new(),
            Some((typ, cmd)) if inst.json => format!("{typ} {}", json_array(cmd)),
            Some((typ, cmd)) => {
                let mut s = typ.to_string();
                for c in cmd {
                    s.push(' ');
                    s.push_str(c);
                }
                s
            }
        },
        _ if inst.json => json_array(&values),
        K::Add | K::Copy | K::Volume => {
            // The words were split on any blank, but JSON and heredoc
            // detection read the line itself: a form feed where a space was
            // would change what they see. Keep the original separators
            // unless they are plain spaces and tabs.
            let seps = original_separators(&inst.original, &values);
            let mut out = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(&seps[i - 1]);
                }
                out.push_str(v);
            }
            if crate::json::classify(out.trim_start()) == crate::json::JsonForm::Invalid {
                out
            } else {
                // Joined words that would read as JSON: a vertical tab splits
                // words but is not JSON whitespace.
                values.join("\x0b")
            }
        }
        _ => values.join(" "),
    }
}
