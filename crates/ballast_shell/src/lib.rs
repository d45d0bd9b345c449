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
mod split;
mod tokens;

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
    /// From its name's first byte to its last byte.
    pub span: (usize, usize),
    /// Where its `NAME=value` prefixes start (`span.0` without any).
    pub start: usize,
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
    split::commands(script, vars)
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
