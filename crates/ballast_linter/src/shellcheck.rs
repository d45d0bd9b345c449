//! ShellCheck over the RUN instructions, as hadolint runs it: each
//! shell-form RUN becomes a script with a shebang naming the stage's
//! SHELL, `export NAME=1` for every ARG and ENV the instruction sees (and
//! the proxy variables BuildKit passes through), then the command. One
//! `shellcheck` process checks all scripts of a file.
//!
//! Where ballast differs from hadolint, on purpose: a finding points at
//! the line and column of the Dockerfile the script text came from (not at
//! the RUN's first line), so comment lines inside a continuation are
//! dropped as BuildKit drops them and every other line keeps its place; a
//! shell ShellCheck cannot check (`pwsh`, `cmd`, `zsh`, `python`...) is
//! skipped rather than reported as SC1071; a heredoc that is the whole
//! script is checked as the script it is, or skipped when its shebang
//! names another interpreter.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::Command;

use ballast_dockerfile::stages::StageGraph;
use ballast_dockerfile::{Dockerfile, Instruction, Keyword, Span};
use serde::Deserialize;

use crate::catalog::Severity;

/// Codes never reported, as hadolint excludes them: a `source` of a file
/// the script cannot see (SC1090, SC1091) and "ash is checked as dash"
/// (SC2187).
pub const EXCLUDED: [u32; 3] = [1090, 1091, 2187];

/// Variables BuildKit passes to every RUN without a declaration.
const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The shells ShellCheck checks, by the name a shebang or SHELL gives.
const SHELLS: [&str; 5] = ["sh", "bash", "dash", "ksh", "ash"];

/// One RUN as a script for ShellCheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The RUN's instruction index.
    pub instruction: usize,
    pub text: String,
    /// For each line of `text` (0-based): the Dockerfile offset its text
    /// starts at, or `None` for the lines ballast added (shebang, exports).
    origins: Vec<Option<usize>>,
}

/// One ShellCheck comment, placed in the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub instruction: usize,
    /// `2086` for SC2086.
    pub code: u32,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
}

/// Why ShellCheck did not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error(
        "`shellcheck` is not installed (or not on PATH; set BALLAST_SHELLCHECK): the `shellcheck` rule (SC codes) was skipped"
    )]
    NotInstalled,
    #[error("shellcheck failed: {0}")]
    Failed(String),
}

/// The ShellCheck program: `$BALLAST_SHELLCHECK`, else `shellcheck` on PATH.
fn program() -> String {
    std::env::var("BALLAST_SHELLCHECK")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "shellcheck".into())
}

/// The scripts of every shell-form RUN of every stage.
pub fn scripts(df: &Dockerfile, graph: &StageGraph) -> Vec<Script> {
    let shells = graph.shells(df);
    let mut out = Vec::new();
    for (i, inst) in df.instructions.iter().enumerate() {
        if inst.keyword != Keyword::Run || inst.json || graph.stage_of[i].is_none() {
            continue;
        }
        let shell = match shells[i].as_deref().and_then(|s| s.first()) {
            Some(program) => program.as_str(),
            None => "/bin/sh",
        };
        let vars = exported(graph, i);
        if let Some(s) = script(df, i, inst, shell, &vars) {
            out.push(s);
        }
    }
    out
}

/// The names a RUN sees, as shell identifiers, sorted.
fn exported(graph: &StageGraph, i: usize) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = PROXY_VARS.iter().map(|v| v.to_string()).collect();
    if let Some(scope) = graph.scopes.get(i) {
        names.extend(
            scope
                .iter()
                .map(|(name, _)| name.clone())
                .filter(|n| is_identifier(n)),
        );
    }
    names
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A shell ShellCheck checks, by its program path, as a shebang names it.
fn checked_shell(program: &str) -> Option<&str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    SHELLS.contains(&name).then_some(program)
}

/// The interpreter a shebang line names (`#!/usr/bin/env bash` → `bash`).
fn shebang_program(line: &str) -> Option<&str> {
    let mut words = line.strip_prefix("#!")?.split_whitespace();
    let first = words.next()?;
    if first.ends_with("/env") {
        words.find(|w| !w.starts_with('-'))
    } else {
        Some(first)
    }
}

/// A RUN as a script, or `None` when there is nothing ShellCheck checks.
fn script(
    df: &Dockerfile,
    i: usize,
    inst: &Instruction,
    shell: &str,
    vars: &BTreeSet<String>,
) -> Option<Script> {
    let rest = inst.rest_span?;
    let mut lines;
    let whole_heredoc = inst
        .heredocs
        .first()
        .filter(|_| is_heredoc_operator(rest.text(&df.source)));
    let shebang = match whole_heredoc {
        Some(h) => {
            lines = physical_lines(&df.source, h.body_span);
            let program = lines
                .first()
                .and_then(|(_, l)| shebang_program(l).map(str::to_string));
            match program {
                Some(program) => {
                    checked_shell(&program)?;
                    Some(lines.remove(0))
                }
                None => None,
            }
        }
        None => {
            lines = command_lines(&df.source, rest, df.escape);
            for h in &inst.heredocs {
                lines.extend(physical_lines(&df.source, h.body_span));
                lines.extend(physical_lines(&df.source, h.terminator_span));
            }
            None
        }
    };
    if lines.iter().all(|(_, l)| l.trim().is_empty()) {
        return None;
    }
    let mut text = String::new();
    let mut origins = Vec::new();
    match shebang {
        Some((offset, line)) => {
            text.push_str(&line);
            origins.push(Some(offset));
        }
        None => {
            text.push_str("#!");
            text.push_str(checked_shell(shell)?);
            origins.push(None);
        }
    }
    text.push('\n');
    for v in vars {
        text.push_str(&format!("export {v}=1\n"));
        origins.push(None);
    }
    for (offset, line) in lines {
        text.push_str(&line);
        text.push('\n');
        origins.push(Some(offset));
    }
    Some(Script {
        instruction: i,
        text,
        origins,
    })
}

/// Whether a RUN's command is only a heredoc operator (`<<EOF`, `<<-"EOF"`):
/// the heredoc's body is then the script.
fn is_heredoc_operator(command: &str) -> bool {
    let Some(rest) = command.trim().strip_prefix("<<") else {
        return false;
    };
    let word = rest.strip_prefix('-').unwrap_or(rest);
    let word = word.trim_matches(['"', '\'']);
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The lines of `span` with their offsets.
fn physical_lines(source: &str, span: Span) -> Vec<(usize, std::borrow::Cow<'_, str>)> {
    let text = span.text(source);
    let mut out = Vec::new();
    let mut offset = span.start;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        out.push((offset, body.into()));
        offset += line.len();
    }
    out
}

/// The lines of a shell-form command as the shell sees them: comment and
/// blank lines inside a continuation dropped (BuildKit drops them), and a
/// continuation written with another escape character (`# escape=``)
/// made a backslash.
fn command_lines(
    source: &str,
    rest: Span,
    escape: char,
) -> Vec<(usize, std::borrow::Cow<'_, str>)> {
    let dropped = ballast_context::runs::dropped_lines(rest.text(source));
    let mut out: Vec<(usize, std::borrow::Cow<'_, str>)> = Vec::new();
    for (offset, line) in physical_lines(source, rest) {
        if dropped.iter().any(|r| r.start == offset - rest.start) {
            continue;
        }
        // BuildKit continues a line whose escape character is followed by
        // blanks; the shell sees a plain backslash-newline.
        let line = match line.trim_end().strip_suffix(escape) {
            Some(body) if escape != '\\' || line.len() != body.len() + 1 => {
                format!("{body}\\").into()
            }
            _ => line,
        };
        out.push((offset, line));
    }
    out
}

/// ShellCheck's `json1` output.
#[derive(Deserialize)]
struct Output {
    comments: Vec<RawComment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComment {
    file: String,
    line: usize,
    end_line: usize,
    column: usize,
    end_column: usize,
    level: String,
    code: u32,
    message: String,
}

/// Runs ShellCheck over the scripts (one process) and places its comments
/// in the Dockerfile; comments on the lines ballast added are dropped.
pub fn run(source: &str, scripts: &[Script]) -> Result<Vec<Comment>, Unavailable> {
    if scripts.is_empty() {
        return Ok(Vec::new());
    }
    let dir = tempfile::Builder::new()
        .prefix("ballast-shellcheck-")
        .tempdir()
        .map_err(|e| Unavailable::Failed(format!("temporary directory: {e}")))?;
    let mut paths = Vec::new();
    for (k, s) in scripts.iter().enumerate() {
        let path = dir.path().join(format!("{k}.sh"));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(s.text.as_bytes()))
            .map_err(|e| Unavailable::Failed(format!("{}: {e}", path.display())))?;
        paths.push(path);
    }
    let excluded: Vec<String> = EXCLUDED.iter().map(|c| format!("SC{c}")).collect();
    let output = Command::new(program())
        .args(["--format=json1", "--severity=style", "--norc"])
        .arg(format!("--exclude={}", excluded.join(",")))
        .args(&paths)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Unavailable::NotInstalled,
            _ => Unavailable::Failed(e.to_string()),
        })?;
    // 0: nothing found, 1: comments; anything else is ShellCheck failing.
    if !matches!(output.status.code(), Some(0 | 1)) {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(Unavailable::Failed(
            err.lines().next().unwrap_or("no output").to_string(),
        ));
    }
    let parsed: Output = serde_json::from_slice(&output.stdout)
        .map_err(|e| Unavailable::Failed(format!("unreadable output: {e}")))?;
    let mut out = Vec::new();
    for c in parsed.comments {
        let Some(k) = script_index(&c.file) else {
            continue;
        };
        let Some(s) = scripts.get(k) else {
            continue;
        };
        if let Some(comment) = place(source, s, c)
            && !writes_literal_text(source, &comment)
        {
            out.push(comment);
        }
    }
    Ok(out)
}

/// Whether an SC2016 ("expressions don't expand in single quotes") is on
/// an `echo`/`printf` whose output goes to a file: a Dockerfile writing a
/// shell profile or a server configuration (`echo 'export
/// PATH="$HOME/.venv/bin:$PATH"' >> ~/.bashrc`, nginx's `$host`) means the
/// `$` literally. hadolint reports these; ballast does not.
fn writes_literal_text(source: &str, c: &Comment) -> bool {
    if c.code != 2016 {
        return false;
    }
    let line_start = source[..c.span.start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = source[c.span.end..]
        .find('\n')
        .map_or(source.len(), |n| c.span.end + n);
    let before = &source[line_start..c.span.start];
    let after = &source[c.span.end..line_end];
    let command = before
        .rsplit(['&', ';', '|', '('])
        .next()
        .unwrap_or(before)
        .trim_start();
    // The command's first word, past the `RUN` keyword and its flags.
    let program = command
        .split_whitespace()
        .find(|w| !w.eq_ignore_ascii_case("run") && !w.starts_with("--"));
    matches!(program, Some("echo" | "printf"))
        && !command.contains('>')
        && after.trim_start().starts_with('>')
}

/// The script a file name holds (`/tmp/.../3.sh` → 3).
fn script_index(file: &str) -> Option<usize> {
    let name = file.rsplit('/').next()?;
    name.strip_suffix(".sh")?.parse().ok()
}

/// A comment placed on the Dockerfile text its script line came from.
fn place(source: &str, script: &Script, c: RawComment) -> Option<Comment> {
    let line_start = (*script.origins.get(c.line.checked_sub(1)?)?)?;
    let line_end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |n| line_start + n);
    let line = &source[line_start..line_end];
    let at = |column: usize| {
        line.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_end, |(b, _)| line_start + b)
    };
    let start = at(c.column);
    let end = if c.end_line == c.line && c.end_column > c.column {
        at(c.end_column)
    } else {
        line_end
    };
    let severity = match c.level.as_str() {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    Some(Comment {
        instruction: script.instruction,
        code: c.code,
        severity,
        message: c.message,
        span: Span::new(start, end.max(start)),
    })
}

/// `SC2086` (any case) as 2086.
pub fn parse_code(s: &str) -> Option<u32> {
    let digits = s.trim();
    let digits = digits
        .strip_prefix("SC")
        .or_else(|| digits.strip_prefix("sc"))?;
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballast_dockerfile::stages::BuildOptions;

    fn scripts_of(text: &str) -> (Dockerfile, Vec<Script>) {
        let df = Dockerfile::parse(text);
        let graph = StageGraph::new(&df, &BuildOptions::default());
        let s = scripts(&df, &graph);
        (df, s)
    }

    #[test]
    fn script_has_shebang_exports_and_lines_in_place() {
        let (df, s) = scripts_of(
            "FROM alpine\nARG foo\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo $foo \\\n  # a comment\n\n  && echo done\n",
        );
        assert_eq!(s.len(), 1);
        let text = &s[0].text;
        assert!(text.starts_with("#!/bin/bash\n"), "{text}");
        assert!(text.contains("export foo=1\n"), "{text}");
        assert!(text.ends_with("echo $foo \\\n  && echo done\n"), "{text}");
        // The last script line comes from the Dockerfile's line 7.
        let last = s[0].origins.last().unwrap().unwrap();
        assert_eq!(df.line_col(last).0, 7);
    }

    #[test]
    fn skipped_forms() {
        // Exec form, PowerShell, a heredoc script for another interpreter.
        let (_, s) = scripts_of(
            "FROM alpine\nRUN [\"echo\", \"$x\"]\nSHELL [\"pwsh\", \"-c\"]\nRUN echo $x\n",
        );
        assert!(s.is_empty());
        let (_, s) = scripts_of("FROM alpine\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
        assert!(s.is_empty());
    }

    #[test]
    fn heredoc_scripts() {
        let (_, s) = scripts_of("FROM alpine\nRUN <<EOF\n#!/bin/bash\necho $x\nEOF\n");
        assert_eq!(s.len(), 1);
        assert!(
            s[0].text.starts_with("#!/bin/bash\nexport"),
            "{}",
            s[0].text
        );
        assert!(s[0].text.ends_with("echo $x\n"), "{}", s[0].text);
        let (_, s) = scripts_of("FROM alpine\nRUN cat <<EOF > /x\nhello\nEOF\n");
        assert!(
            s[0].text.ends_with("cat <<EOF > /x\nhello\nEOF\n"),
            "{}",
            s[0].text
        );
    }

    #[test]
    fn literal_text_written_to_a_file() {
        let source = "RUN echo 'export PATH=$HOME/bin:$PATH' >> ~/.bashrc && echo '$x'\n";
        let comment = |needle: &str| {
            let start = source.find(needle).unwrap();
            Comment {
                instruction: 0,
                code: 2016,
                severity: Severity::Info,
                message: String::new(),
                span: Span::new(start, start + needle.len()),
            }
        };
        assert!(writes_literal_text(
            source,
            &comment("'export PATH=$HOME/bin:$PATH'")
        ));
        assert!(!writes_literal_text(source, &comment("'$x'")));
    }

    #[test]
    fn codes() {
        assert_eq!(parse_code("SC2086"), Some(2086));
        assert_eq!(parse_code("sc1091"), Some(1091));
        assert_eq!(parse_code("DL3008"), None);
        assert_eq!(parse_code("SC20"), None);
        assert_eq!(shebang_program("#!/usr/bin/env -S bash -e"), Some("bash"));
        assert_eq!(checked_shell("/bin/zsh"), None);
    }
}
