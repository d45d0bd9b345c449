//! Text of instructions and edits inside RUN scripts: the restructure keeps
//! what it does not change byte for byte, and removes a command with the
//! separator that joins it, or a word of a package list.

use ballast_dockerfile::{Dockerfile, Span};
use ballast_shell::Sep;

use crate::finding::Edit;
use crate::fix::apply_edits;
use crate::runs::{Part, Run};

/// The text of instruction `i` with the comments before it, ending in a
/// newline.
pub(super) fn inst_text(df: &Dockerfile, i: usize) -> String {
    let inst = &df.instructions[i];
    let start = comment_start(df, i);
    let mut t = df.source[start..inst.span.end].to_string();
    if !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// Where instruction `i` starts in the source, with its comments: the start
/// of the line of its first comment.
pub(super) fn comment_start(df: &Dockerfile, i: usize) -> usize {
    let inst = &df.instructions[i];
    let start = inst
        .comments
        .first()
        .map_or(inst.span.start, |c| c.span.start.min(inst.span.start));
    df.source[..start].rfind('\n').map_or(0, |p| p + 1)
}

/// The blank lines between instruction `i` (with its comments) and the
/// instruction before it, at most two, as the original spaces them.
pub(super) fn blank_lines_before(df: &Dockerfile, i: usize) -> String {
    if i == 0 {
        return String::new();
    }
    let prev_end = df.instructions[i - 1].span.end;
    let start = comment_start(df, i);
    let gap = df.source.get(prev_end..start).unwrap_or("");
    let blank = gap.lines().skip(1).filter(|l| l.trim().is_empty()).count();
    "\n".repeat(blank.min(2))
}

/// The instruction's own text (no comments before it), ending in a newline.
pub(super) fn bare_text(df: &Dockerfile, i: usize) -> String {
    let inst = &df.instructions[i];
    let mut t = df.source[inst.span.start..inst.span.end].to_string();
    if !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// The end of command `k` of a part's script: after its words and its
/// redirections, before the separator of the next command.
fn command_end(part: &Part, k: usize) -> usize {
    let cmds = &part.script.commands;
    let text = part.text.as_bytes();
    let limit = cmds.get(k + 1).map_or(part.text.len(), |n| n.span.0);
    let mut end = limit;
    // Back over blanks, continuations and the separator itself.
    loop {
        while end > cmds[k].span.1 && matches!(text[end - 1], b' ' | b'\t' | b'\n' | b'\r' | b'\\')
        {
            end -= 1;
        }
        if end > cmds[k].span.1 && matches!(text[end - 1], b'&' | b'|' | b';') && k + 1 < cmds.len()
        {
            while end > cmds[k].span.1 && matches!(text[end - 1], b'&' | b'|' | b';') {
                end -= 1;
            }
            continue;
        }
        break;
    }
    end.max(cmds[k].span.1)
}

/// Edits that delete commands `ks` (sorted) of a part, each with the
/// separator that joins it; `None` when one cannot be cut out cleanly
/// (inside a group or `if`, in a pipeline, joined with `||` or `&`).
pub(super) fn delete_commands(part: &Part, ks: &[usize]) -> Option<Vec<Edit>> {
    if !part.editable {
        return None;
    }
    let cmds = &part.script.commands;
    let joinable = |s: Sep| matches!(s, Sep::Start | Sep::And | Sep::Seq);
    let mut edits = Vec::new();
    for &k in ks {
        let c = &cmds[k];
        let next_ok = cmds.get(k + 1).is_none_or(|n| joinable(n.sep));
        // A heredoc's body follows its command line: it cannot be cut with it.
        let heredoc = c
            .redirects
            .iter()
            .any(|r| r.starts_with("<<") && !r.starts_with("<<<"));
        if c.depth != 0 || !c.branches.is_empty() || !joinable(c.sep) || !next_ok || heredoc {
            return None;
        }
        // Keep the first remaining command first: cut this command and the
        // separator after it when it starts the script, else the separator
        // before it.
        let kept_before = (0..k).rev().find(|j| !ks.contains(j));
        let (start, end) = match kept_before {
            Some(j) => (command_end(part, j), command_end(part, k)),
            None => {
                let next_kept = (k + 1..cmds.len()).find(|j| !ks.contains(j));
                match next_kept {
                    Some(n) => (c.span.0, cmds[n].span.0),
                    None => (c.span.0, command_end(part, k)),
                }
            }
        };
        edits.push(Edit::replace(part.span((start, end)), ""));
    }
    // Deleting consecutive commands from the start yields overlapping cuts.
    edits.sort_by_key(|e: &Edit| (e.span.start, e.span.end));
    let mut merged: Vec<Edit> = Vec::new();
    for e in edits {
        match merged.last_mut() {
            Some(last) if e.span.start <= last.span.end => {
                last.span = Span::new(last.span.start, last.span.end.max(e.span.end));
            }
            _ => merged.push(e),
        }
    }
    Some(merged)
}

/// Whether deleting commands `ks` leaves the part with no command.
pub(super) fn deletes_all(part: &Part, ks: &[usize]) -> bool {
    (0..part.script.commands.len()).all(|k| ks.contains(&k))
}

/// The text of RUN instruction `i` (with its comments) after `edits` (in
/// Dockerfile offsets); `None` when they do not apply.
pub(super) fn edited_run(df: &Dockerfile, i: usize, edits: &[Edit]) -> Option<String> {
    let start = comment_start(df, i);
    let inst = &df.instructions[i];
    let text = &df.source[start..inst.span.end];
    let shifted: Vec<Edit> = edits
        .iter()
        .map(|e| {
            Edit::replace(
                Span::new(e.span.start - start, e.span.end - start),
                e.content.clone(),
            )
        })
        .collect();
    let refs: Vec<&Edit> = shifted.iter().collect();
    let mut out = apply_edits(text, &refs)?;
    // A continuation left dangling at the end by a cut.
    while out.trim_end().ends_with('\\') {
        let t = out.trim_end().trim_end_matches('\\').trim_end().to_string();
        out = t;
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// The edits that drop package words `words` (indices into the command's
/// words) from an install command.
pub(super) fn delete_words(
    part: &Part,
    cmd: &ballast_shell::Command,
    words: &[usize],
) -> Vec<Edit> {
    words
        .iter()
        .map(|&w| {
            let (s, e) = cmd.words[w].span;
            // The word and the blank before it.
            let mut start = s;
            let b = part.text.as_bytes();
            while start > 0 && matches!(b[start - 1], b' ' | b'\t') {
                start -= 1;
            }
            Edit::replace(part.span((start, e)), "")
        })
        .collect()
}

/// The part of a RUN that holds its shell script (the main text, or the
/// heredoc it runs).
pub(super) fn script_parts(run: &Run) -> impl Iterator<Item = (usize, &Part)> {
    run.parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == crate::runs::PartKind::Shell)
}
