//! What a rule reports: a finding with its place, its cost and its fix.

use ballast_dockerfile::Span;
use serde::Serialize;

use crate::catalog::{Rule, Severity};

/// Whether a fix keeps behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the image's behaviour; applied by `ballast fix`.
    Safe,
    /// May change behaviour; applied with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes of `span` with `content` (an empty span inserts), in
/// the Dockerfile or, with `file`, in a file of the build context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    #[serde(skip)]
    pub span: Span,
    pub content: String,
    /// A context-relative path (`pyproject.toml`); `None` is the Dockerfile.
    pub file: Option<String>,
}

impl Edit {
    pub fn replace(span: Span, content: impl Into<String>) -> Edit {
        Edit {
            span,
            content: content.into(),
            file: None,
        }
    }

    /// The same edit in a file of the build context.
    pub fn in_file(mut self, path: impl Into<String>) -> Edit {
        self.file = Some(path.into());
        self
    }

    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit::replace(Span::new(at, at), content)
    }

    pub fn delete(span: Span) -> Edit {
        Edit::replace(span, "")
    }
}

/// A fix: edits applied together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, imperative (`Add --no-cache-dir`).
    pub message: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: message.into(),
            edits,
        }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            message: message.into(),
            edits,
        }
    }
}

/// What a saving is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SavingsKind {
    /// Bytes removed from the final image.
    Image,
    /// Bytes no longer rebuilt (downloaded, installed, pushed) after a code change.
    Rebuild,
    /// Bytes no longer sent to the builder as context.
    Context,
}

impl SavingsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SavingsKind::Image => "image",
            SavingsKind::Rebuild => "rebuild",
            SavingsKind::Context => "context",
        }
    }
}

/// What fixing a finding saves, and how the figure was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Savings {
    pub bytes: u64,
    pub kind: SavingsKind,
    /// `measured: ...` (from the build context) or `estimate: ...` (from the
    /// dated tables of `ballast_ml`).
    pub basis: String,
    /// The figure counts only the part that could be sized: the saving is
    /// at least this.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub at_least: bool,
    /// The part of `bytes` assumed for packages missing from the size
    /// tables: it does not make a finding a warning.
    #[serde(rename = "assumed_bytes", skip_serializing_if = "is_zero")]
    pub assumed: u64,
    /// The parts of `bytes` that are one identifiable thing in the image
    /// (`/root/.cache/pip@12`: the pip cache line 12 left): another finding
    /// about the same thing shares the figure, and totals count it once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<(String, u64)>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Savings {
    /// The same saving, marked as a lower bound.
    pub fn at_least(mut self, yes: bool) -> Savings {
        self.at_least = yes;
        self
    }

    /// The same saving, all of it the thing `key` names (see [`Savings::shared`]).
    pub fn shared_as(mut self, key: impl Into<String>) -> Savings {
        self.shared = vec![(key.into(), self.bytes)];
        self
    }

    /// The same saving, `assumed` bytes of it assumed (capped at the whole).
    pub fn assumed(mut self, assumed: u64) -> Savings {
        self.assumed = assumed.min(self.bytes);
        self
    }

    pub fn image(bytes: u64, basis: impl Into<String>) -> Savings {
        Savings {
            bytes,
            kind: SavingsKind::Image,
            basis: basis.into(),
            at_least: false,
            assumed: 0,
            shared: Vec::new(),
        }
    }

    pub fn rebuild(bytes: u64, basis: impl Into<String>) -> Savings {
        Savings {
            bytes,
            kind: SavingsKind::Rebuild,
            basis: basis.into(),
            at_least: false,
            assumed: 0,
            shared: Vec::new(),
        }
    }

    pub fn context(bytes: u64, basis: impl Into<String>) -> Savings {
        Savings {
            bytes,
            kind: SavingsKind::Context,
            basis: basis.into(),
            at_least: false,
            assumed: 0,
            shared: Vec::new(),
        }
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The effective severity (after configuration).
    pub severity: Severity,
    /// Bytes of the Dockerfile the finding points at.
    pub span: Span,
    pub message: String,
    /// How to fix it by hand.
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub savings: Option<Savings>,
    /// Other places that explain the finding: (span, label).
    pub related: Vec<(Span, String)>,
    /// The ShellCheck code (`2086` for SC2086) of a finding the
    /// `shellcheck` rule reports: its code everywhere a code is shown.
    pub shellcheck: Option<u32>,
}

impl Finding {
    pub fn new(rule: &'static Rule, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            span,
            message: message.into(),
            help: None,
            fix: None,
            savings: None,
            related: Vec::new(),
            shellcheck: None,
        }
    }

    /// The code the finding is reported under: the rule's (`BL101`), or
    /// the ShellCheck code (`SC2086`).
    pub fn code(&self) -> std::borrow::Cow<'static, str> {
        match self.shellcheck {
            Some(n) => format!("SC{n}").into(),
            None => self.rule.code.into(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn maybe_fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }

    pub fn savings(mut self, savings: Savings) -> Finding {
        self.savings = Some(savings);
        self
    }

    pub fn maybe_savings(mut self, savings: Option<Savings>) -> Finding {
        self.savings = savings;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.related.push((span, label.into()));
        self
    }
}
