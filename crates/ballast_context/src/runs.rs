//! What each RUN executes, read from its text: the shell form (with comment
//! lines and continuations blanked so byte offsets stay those of the
//! Dockerfile), the exec form, and heredoc bodies run as scripts or fed to
//! Python. Known ARG/ENV values are substituted before analysis.

use ballast_dockerfile::instructions::{Mount, MountType};
use ballast_dockerfile::stages::Scope;
use ballast_dockerfile::{Instruction, Keyword};
use ballast_shell::{Command, Script};

/// How a part of a RUN is executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Shell text (the RUN line, or a heredoc run as a script).
    Shell,
    /// A heredoc fed to a Python interpreter.
    Python,
}

/// A piece of text a RUN executes.
#[derive(Debug, Clone)]
pub struct Part {
    pub kind: PartKind,
    /// The text as analysed; same length as the Dockerfile bytes it came from.
    pub text: String,
    /// Offset of `text` in the Dockerfile.
    pub offset: usize,
    /// The commands (shell parts).
    pub script: Script,
    /// Whether edits at word spans are exact (false for the exec form).
    pub editable: bool,
}

impl Part {
    /// A span of the part's text as a Dockerfile span.
    pub fn span(&self, (start, end): (usize, usize)) -> ballast_dockerfile::Span {
        ballast_dockerfile::Span::new(self.offset + start, self.offset + end)
    }
}

/// A RUN instruction, analysed.
#[derive(Debug, Clone)]
pub struct Run {
    /// Index of the instruction.
    pub index: usize,
    pub parts: Vec<Part>,
    pub mounts: Vec<Mount>,
    /// The exec form (`RUN ["..."]`).
    pub json: bool,
}

/// What reads a heredoc of the RUN's script: a shell, Python, or (`None`)
/// something else, whose body is data. A `RUN <<EOF` alone runs its body.
fn heredoc_kind(script: &Script, name: &str) -> Option<PartKind> {
    let marker = format!("<<{name}");
    let feeder = script
        .commands
        .iter()
        .find(|c| c.redirects.iter().any(|r| r == &marker));
    match feeder.and_then(Command::name) {
        None if script.commands.is_empty() => Some(PartKind::Shell),
        Some("sh" | "bash" | "dash" | "ash" | "zsh") => Some(PartKind::Shell),
        Some(n) if n.starts_with("python") => Some(PartKind::Python),
        _ => None,
    }
}

impl Run {
    /// Analyses a RUN (or `ONBUILD RUN`); `None` for other instructions.
    pub fn new(
        index: usize,
        inst: &Instruction,
        source: &str,
        escape: char,
        scope: &Scope,
    ) -> Option<Run> {
        if inst.keyword != Keyword::Run {
            return None;
        }
        let outer = |name: &str| scope.value(name).map(str::to_string);
        let mut parts = Vec::new();
        let rest = inst
            .rest_span
            .unwrap_or(ballast_dockerfile::Span::new(inst.span.end, inst.span.end));
        if inst.json {
            // Quote each argument so the shell reader sees the same words.
            let text = exec_form_script(&inst.values());
            let script = ballast_shell::parse_with_vars(&text, &outer);
            parts.push(Part {
                kind: PartKind::Shell,
                offset: rest.start,
                script: clamp_spans(script, rest.end - rest.start),
                text,
                editable: false,
            });
        } else {
            let text = blank_non_shell(source, rest, escape);
            // Shell variables the script sets (`ARGS="--no-dev" && uv sync
            // $ARGS`) are known to the commands after them.
            let first = ballast_shell::parse_with_vars(&text, &outer);
            let local = shell_assignments(&first);
            let vars = |name: &str| {
                local
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .or_else(|| outer(name))
            };
            // Branches the build arguments' values rule out do not run.
            let script = if local.is_empty() {
                first
            } else {
                ballast_shell::parse_with_vars(&text, &vars)
            }
            .without_dead_branches();
            for h in &inst.heredocs {
                let Some(kind) = heredoc_kind(&script, &h.name) else {
                    continue;
                };
                let body = h.body_span.text(source).to_string();
                let script = match kind {
                    PartKind::Shell => {
                        ballast_shell::parse_with_vars(&body, &vars).without_dead_branches()
                    }
                    PartKind::Python => Script::default(),
                };
                parts.push(Part {
                    kind,
                    offset: h.body_span.start,
                    script,
                    text: body,
                    editable: true,
                });
            }
            parts.insert(
                0,
                Part {
                    kind: PartKind::Shell,
                    offset: rest.start,
                    script,
                    text,
                    editable: true,
                },
            );
        }
        Some(Run {
            index,
            parts,
            mounts: Mount::of(inst),
            json: inst.json,
        })
    }

    /// Every shell command with the part it is in.
    pub fn commands(&self) -> impl Iterator<Item = (&Part, &Command)> {
        self.parts
            .iter()
            .flat_map(|p| p.script.commands.iter().map(move |c| (p, c)))
    }

    /// Python source the RUN executes (heredocs and `python -c` arguments).
    pub fn python_sources(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .parts
            .iter()
            .filter(|p| p.kind == PartKind::Python)
            .map(|p| p.text.clone())
            .collect();
        for (_, c) in self.commands() {
            if c.name().is_some_and(|n| n.starts_with("python")) {
                let args: Vec<&str> = c.args().collect();
                out.extend(
                    args.windows(2)
                        .filter(|w| w[0] == "-c")
                        .map(|w| w[1].to_string()),
                );
            }
        }
        out
    }

    /// The cache or tmpfs mount covering `path` (the mount target is `path`
    /// or one of its parents), if any.
    pub fn cache_mount_over(&self, path: &str) -> Option<&Mount> {
        let path = path.trim_end_matches(['*', '/']);
        self.mounts.iter().find(|m| {
            matches!(m.kind, MountType::Cache | MountType::Tmpfs)
                && m.target.as_deref().is_some_and(|t| {
                    let t = t.trim_end_matches('/');
                    !t.is_empty() && (path == t || path.starts_with(&format!("{t}/")))
                })
        })
    }

    /// Whether a cache or tmpfs mount has a target ending with `suffix`
    /// (`.cache/pip`), whatever the home directory.
    pub fn cache_mount_ending(&self, suffix: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| {
            matches!(m.kind, MountType::Cache | MountType::Tmpfs)
                && m.target
                    .as_deref()
                    .is_some_and(|t| t.trim_end_matches('/').ends_with(suffix))
        })
    }

    /// The end of the main shell text (after the last command and its
    /// redirections), where a command can be appended with ` && ...`
    /// (`None` for the exec form, or a text ending in `;` or `&`).
    pub fn append_point(&self) -> Option<usize> {
        let main = self.parts.first()?;
        if !main.editable {
            return None;
        }
        let last = main.script.commands.last()?;
        let end = main.text.trim_end().len().max(last.span.1);
        let tail = &main.text[..end];
        if tail.ends_with(';') || (tail.ends_with('&') && !tail.ends_with("&&")) {
            return None;
        }
        Some(main.offset + end)
    }
}

/// Variables a script sets with standalone assignments (`NAME=value` with
/// no command), first value wins; values that themselves use unknown
/// variables are left out.
fn shell_assignments(script: &Script) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for c in &script.commands {
        if !c.words.is_empty() {
            continue;
        }
        for (k, v) in &c.assignments {
            if !v.contains('$') && !out.iter().any(|(n, _)| n == k) {
                out.push((k.clone(), v.clone()));
            }
        }
    }
    out
}

/// The exec form as a shell script with each argument single-quoted.
fn exec_form_script(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn clamp_spans(mut script: Script, len: usize) -> Script {
    for c in &mut script.commands {
        c.span = (0, len);
        for w in &mut c.words {
            w.span = (0, len);
        }
    }
    script
}

/// The lines BuildKit drops from a continued instruction's text: after the
/// first, those that start with `#` (comments) or hold only blanks, as byte
/// ranges of `text` with their newline; the command goes on across them.
pub fn dropped_lines(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = match text.find('\n') {
        Some(p) => p + 1,
        None => return out,
    };
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |p| start + p);
        let body = text[start..end].trim_start_matches([' ', '\t', '\r']);
        if body.is_empty() || body.starts_with('#') {
            out.push(start..(end + 1).min(text.len()));
        }
        start = end + 1;
    }
    out
}

/// The RUN's shell text with the bytes BuildKit removes before running it
/// (comment lines inside the instruction, escaped newlines) turned into
/// blanks, so offsets in the result are offsets in the Dockerfile.
fn blank_non_shell(source: &str, rest: ballast_dockerfile::Span, escape: char) -> String {
    let text = rest.text(source);
    let mut bytes = text.as_bytes().to_vec();
    for line in dropped_lines(text) {
        for b in &mut bytes[line] {
            *b = b' ';
        }
    }
    // Continuations (the escape character, optional blanks, a newline):
    // BuildKit joins the lines before the shell sees them.
    let esc = u8::try_from(escape).unwrap_or(b'\\');
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == esc {
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                for b in &mut bytes[i..=j] {
                    *b = b' ';
                }
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII blanks, so this stays UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballast_dockerfile::Dockerfile;

    #[test]
    fn comment_and_blank_lines_after_the_first_are_dropped() {
        let text = "# not dropped: the first line \\\n  # note\n\t\r\nb \\\n#x\n  c";
        let dropped: Vec<&str> = dropped_lines(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(dropped, ["  # note\n", "\t\r\n", "#x\n"]);
        assert!(dropped_lines("single line").is_empty());
        assert_eq!(dropped_lines("a \\\n   "), vec![4..7]);
    }

    /// Comment and blank lines inside a continued RUN do not end the
    /// command: BuildKit drops them before the shell sees the script.
    #[test]
    fn comment_lines_inside_a_continuation_keep_the_command_whole() {
        let df = Dockerfile::parse(
            "FROM debian:12\nRUN apt-get install -y \\\n    # for development\n    git \\\n\n    sudo && echo done\n",
        );
        let run = Run::new(1, &df.instructions[1], &df.source, '\\', &Scope::default()).unwrap();
        let words: Vec<Vec<&str>> = run
            .commands()
            .map(|(_, c)| c.words.iter().map(|w| w.text.as_str()).collect())
            .collect();
        assert_eq!(
            words,
            [
                vec!["apt-get", "install", "-y", "git", "sudo"],
                vec!["echo", "done"]
            ]
        );
    }
}
