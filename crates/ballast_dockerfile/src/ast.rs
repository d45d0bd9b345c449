//! The syntax tree: every instruction with the byte spans of its keyword,
//! flags, arguments and heredocs, plus comments and parser directives. Values
//! are what BuildKit's AST holds (raw: quotes, escapes and `$VARS` kept).

use serde::Serialize;

/// A byte range into the Dockerfile source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The text this span covers.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// The instruction keywords BuildKit knows. Anything else parses (BuildKit
/// accepts it with one empty argument) and fails later when building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    Unknown,
}

impl Keyword {
    /// Looks up a keyword case-insensitively (already lower-cased by the caller).
    pub fn from_lowercase(word: &str) -> Keyword {
        match word {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => Keyword::Unknown,
        }
    }

    /// The canonical upper-case spelling (`None` for unknown keywords).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => return None,
        })
    }
}

/// A builder flag such as `--from=builder` or `--mount=type=cache,target=/x`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The flag as BuildKit's AST holds it: `--` included, quotes and escapes removed.
    pub text: String,
    /// Where the flag is written.
    pub span: Span,
}

impl Flag {
    /// The flag name without `--` (`from` for `--from=x`).
    pub fn name(&self) -> &str {
        let body = self.text.trim_start_matches("--");
        body.split_once('=').map_or(body, |(n, _)| n)
    }

    /// The value after `=`, if any (`--link` has none).
    pub fn value(&self) -> Option<&str> {
        self.text
            .trim_start_matches("--")
            .split_once('=')
            .map(|(_, v)| v)
    }
}

/// One argument node of an instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    /// The value as BuildKit's AST holds it.
    pub value: String,
    /// Where it is written (for ENV/LABEL separators, the `=`; empty for the
    /// legacy form's implicit separator).
    pub span: Span,
}

/// A heredoc attached to RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word after quote removal (`EOF` for `<<'EOF'`).
    pub name: String,
    /// The leading file-descriptor digits (`3<<EOF`), 0 if absent.
    pub fd: u32,
    /// Whether `$VARS` in the body are expanded (false when the delimiter was quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are removed from body lines by the consumer.
    pub chomp: bool,
    /// The raw body, line endings included, tabs not removed.
    pub content: String,
    /// Where the body is (from the first body line to the end of the last one).
    pub body_span: Span,
    /// The terminator line, without its line ending.
    pub terminator_span: Span,
}

impl Heredoc {
    /// The body as the build sees it: leading tabs removed when `chomp`.
    pub fn effective_content(&self) -> String {
        if !self.chomp {
            return self.content.clone();
        }
        let mut out = String::with_capacity(self.content.len());
        for line in self.content.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        out
    }
}

/// A comment line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The text after `#`, whitespace-trimmed.
    pub text: String,
    /// The whole comment line, from `#`, without its line ending.
    pub span: Span,
    /// 1-based line.
    pub line: usize,
}

/// A parser directive (`# syntax=`, `# escape=`, `# check=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name.
    pub name: String,
    /// The value as written.
    pub value: String,
    /// The directive line.
    pub span: Span,
    /// 1-based line.
    pub line: usize,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// The keyword as written (`run`, `Run`, `RUN`).
    pub keyword_text: String,
    /// The keyword.
    pub keyword: Keyword,
    /// Where the keyword is.
    pub keyword_span: Span,
    /// From the keyword to the end of the last line of the instruction
    /// (continuation lines and heredoc bodies included, line ending excluded).
    pub span: Span,
    /// 1-based first line, as BuildKit counts.
    pub start_line: usize,
    /// 1-based last line (continuations, swallowed comments and heredocs included).
    pub end_line: usize,
    /// Builder flags, in order.
    pub flags: Vec<Flag>,
    /// Argument nodes, as BuildKit's AST holds them (empty for ONBUILD: see `sub`).
    pub args: Vec<Arg>,
    /// JSON (exec) form.
    pub json: bool,
    /// The arguments after the flags, as written (for shell-form RUN/CMD the
    /// command text). `None` when there are none.
    pub rest_span: Option<Span>,
    /// The logical line: continuations joined as BuildKit joins them.
    pub original: String,
    /// The instruction an ONBUILD wraps.
    pub sub: Option<Box<Instruction>>,
    /// Heredocs, in the order their bodies appear.
    pub heredocs: Vec<Heredoc>,
    /// Comment lines between the previous instruction and this one.
    pub comments: Vec<Comment>,
}

impl Instruction {
    /// The upper-case keyword, or the keyword as written when unknown.
    pub fn name(&self) -> String {
        self.keyword
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.keyword_text.to_uppercase())
    }

    /// The first flag with this name.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name() == name)
    }

    /// All flags with this name (`--mount` may repeat).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name() == name)
    }

    /// The argument values.
    pub fn values(&self) -> Vec<&str> {
        self.args.iter().map(|a| a.value.as_str()).collect()
    }

    /// The instruction that runs: the ONBUILD trigger, or itself.
    pub fn effective(&self) -> &Instruction {
        self.sub.as_deref().unwrap_or(self)
    }
}

/// A problem that stops BuildKit from parsing the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// Where (the instruction or line concerned).
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (characters) of `span.start`.
    pub column: usize,
}

/// Something BuildKit accepts but warns about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseWarning {
    /// A stable short name (BuildKit's check name where there is one).
    pub code: &'static str,
    /// What BuildKit would say.
    pub message: String,
    /// Where.
    pub span: Span,
    /// 1-based line.
    pub line: usize,
}
