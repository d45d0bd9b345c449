//! The rule registry: stable codes, kebab-case names, families, default
//! severities, fix availability and documentation.

use std::fmt;

use serde::Serialize;

use crate::checker::Checker;
use crate::finding::Finding;

pub use ballast_ml::rules::Severity;

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Bytes in the final image.
    Size,
    /// Build cache: what rebuilds, and reproducibility.
    Cache,
    /// ML specifics: torch builds, CUDA bases, models.
    Ml,
    /// Users, secrets, provenance.
    Security,
    /// The build context.
    Context,
    /// BuildKit's own build checks (`docker build --check`), by its names.
    Buildkit,
    /// The shell code of RUN instructions (ShellCheck).
    Shell,
    /// Build practices hadolint checks: commands that prompt, stages that
    /// do not exist, pipes that hide failures.
    Practice,
    /// How a compose file runs the services: read-only root, capabilities,
    /// privileges, host access, secrets, resources.
    Runtime,
}

impl Family {
    pub const ALL: [Family; 9] = [
        Family::Size,
        Family::Cache,
        Family::Ml,
        Family::Security,
        Family::Context,
        Family::Buildkit,
        Family::Shell,
        Family::Practice,
        Family::Runtime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Size => "size",
            Family::Cache => "cache",
            Family::Ml => "ml",
            Family::Security => "security",
            Family::Context => "context",
            Family::Buildkit => "buildkit",
            Family::Shell => "shell",
            Family::Practice => "practice",
            Family::Runtime => "runtime",
        }
    }
}

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    /// No automatic fix.
    None,
    /// Fixes keep the image's behaviour: applied by `ballast fix`.
    Safe,
    /// Fixes may change behaviour (a package no longer installed, another
    /// base): applied only on request.
    Unsafe,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

/// A rule: its identity, defaults and check.
pub struct Rule {
    /// Stable code (`BL101`).
    pub code: &'static str,
    /// Kebab-case name (`full-python-base`).
    pub name: &'static str,
    pub family: Family,
    /// Default severity.
    pub severity: Severity,
    /// The best fix the rule offers.
    pub fix: FixAvailability,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// hadolint checks that are the same check: `# hadolint ignore=` with
    /// these codes suppresses this rule.
    pub hadolint: &'static [&'static str],
    /// Only runs when the settings ask for it (needs configuration, or
    /// experimental in BuildKit: `# check=experimental=`).
    pub needs_config: bool,
    /// BuildKit's name for the same check (`StageNameCasing`): accepted
    /// wherever a rule is named, and by `# check=skip=`.
    pub buildkit: Option<&'static str>,
    /// Judges what a shipped image should not carry, so it is not run on a
    /// development image (a devcontainer, `Dockerfile.dev`, a `dev`
    /// target), which is meant to carry it.
    pub shipped_only: bool,
    /// Runs the rule over a Dockerfile.
    pub check: fn(&Checker<'_>, &mut Vec<Finding>),
    /// Runs the rule over a service of a compose file (the `runtime`
    /// rules, which have no Dockerfile check).
    pub compose: Option<fn(&crate::compose::ServiceCx<'_>, &mut Vec<Finding>)>,
}

impl Rule {
    /// The fields a rule names only when they differ: no hadolint or
    /// BuildKit twin, on by default. A rule declares its identity, defaults
    /// and check, then `..Rule::OPTIONAL`.
    pub const OPTIONAL: Rule = Rule {
        code: "",
        name: "",
        family: Family::Size,
        severity: Severity::Warning,
        fix: FixAvailability::None,
        summary: "",
        hadolint: &[],
        needs_config: false,
        buildkit: None,
        shipped_only: false,
        check: |_, _| {},
        compose: None,
    };

    /// The rule's documentation: the doc comment of its file.
    pub fn doc(&self) -> &'static str {
        crate::rules::doc_of(self.name).unwrap_or("")
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.code == other.code
    }
}

/// Every rule, in code order.
pub fn all() -> &'static [&'static Rule] {
    crate::rules::RULES
}

/// A rule by code (`BL101`, any case), name (`full-python-base`) or
/// BuildKit name (`StageNameCasing`, any case).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    let key = code_or_name.trim();
    all().iter().copied().find(|r| {
        r.code.eq_ignore_ascii_case(key)
            || r.name == key.to_ascii_lowercase()
            || r.buildkit.is_some_and(|b| b.eq_ignore_ascii_case(key))
    })
}

/// A BuildKit check name in kebab case, as its documentation addresses
/// it: `JSONArgsRecommended` → `json-args-recommended`.
pub fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Rules a selector names: a code, a name, a family (`size`), a code
/// prefix (`BL1`), or `ALL`.
pub fn select(selector: &str) -> Vec<&'static Rule> {
    let s = selector.trim();
    if s.eq_ignore_ascii_case("all") {
        return all().to_vec();
    }
    if let Some(r) = find(s) {
        return vec![r];
    }
    if let Some(f) = Family::ALL
        .iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(s))
    {
        return all().iter().copied().filter(|r| r.family == *f).collect();
    }
    let upper = s.to_ascii_uppercase();
    if upper.starts_with("BL") && upper.len() < 5 {
        return all()
            .iter()
            .copied()
            .filter(|r| r.code.starts_with(&upper))
            .collect();
    }
    Vec::new()
}
