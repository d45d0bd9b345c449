//! `ballast_linter`: ML-aware Dockerfile rules that state what a finding
//! costs and how to fix it.
//!
//! [`lint`] parses nothing itself: it takes a parsed [`Dockerfile`], builds
//! the stage model for the target (`--target`, default the last stage), and
//! runs the selected rules over a [`Checker`]: which stages reach the target
//! and which end up in its image, every RUN split into commands with known
//! ARG/ENV values substituted (heredoc bodies included), the Python and OS
//! package installs, and the build context when one is given. Size and user
//! rules judge only the stages whose files end up in the image; cache mounts
//! satisfy the cleanup rules.
//!
//! Rules live one per file under `src/rules/<family>/<rule_name>.rs`; the
//! file's doc comment is the rule's documentation ([`Rule::doc`]). Findings
//! carry a savings estimate with its basis and, where possible, a [`Fix`]
//! made of text edits marked safe or unsafe. Suppression comments are read
//! by [`suppress`].

// A library reports through its return values; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod check_directive;
pub mod checker;
pub mod compose;
pub mod docs;
pub mod finding;
pub mod fix;
pub mod hadolint;
pub mod ladder;
pub mod marginal;
mod memo;
pub mod model;
pub mod paths;
pub mod preserve;
pub mod restructure;
mod rules;
pub mod settings;
pub mod shellcheck;
pub mod suppress;

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::stages::{BuildOptions, StageGraph};

pub use ballast_context::project::BuildContext;
pub use ballast_context::runs;
pub use catalog::{Family, FixAvailability, Rule, Severity};
pub use checker::Checker;
pub use finding::{Applicability, Edit, Finding, Fix, Savings, SavingsKind};
pub use memo::Memo;
pub use settings::Settings;

/// What to lint with.
#[derive(Debug, Default)]
pub struct LintOptions<'a> {
    pub settings: Settings,
    pub build: BuildOptions,
    /// The stage to judge (default: the last).
    pub target: Option<String>,
    pub context: Option<&'a BuildContext>,
    /// The file's path as shown, for per-path ignores.
    pub path: Option<String>,
    /// Context files as changed by earlier fixes (context-relative path →
    /// text), read instead of the files on disk.
    pub overlay: std::collections::BTreeMap<String, String>,
    /// Run only the rules that can fix what they find: rounds of fixes
    /// (the image model's) need nothing else, and the other rules are most
    /// of a round's time.
    pub fixes_only: bool,
    /// Findings already computed for these options ([`memo`]).
    pub memo: memo::Memo,
    /// Base images as a registry or the daemon described them
    /// (`--resolve-bases`), in place of ballast's tables.
    pub bases: std::sync::Arc<ballast_ml::bases::ResolvedBases>,
}

impl<'a> LintOptions<'a> {
    /// The same options reading the context files as `overlay` has them.
    pub fn with_overlay(
        &self,
        overlay: std::collections::BTreeMap<String, String>,
    ) -> LintOptions<'a> {
        LintOptions {
            settings: self.settings.clone(),
            build: self.build.clone(),
            target: self.target.clone(),
            context: self.context,
            path: self.path.clone(),
            overlay,
            fixes_only: self.fixes_only,
            memo: self.memo.clone(),
            bases: self.bases.clone(),
        }
    }
}

/// The result of linting one file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings in file order.
    pub findings: Vec<Finding>,
    /// How many findings suppression comments silenced.
    pub suppressed: usize,
    /// Problems with suppression comments: (line, message).
    pub pragma_problems: Vec<(usize, String)>,
    /// What the rules could not do (ShellCheck not installed), once each.
    pub notes: Vec<String>,
}

/// Why a file could not be linted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    #[error("{line}:{column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no stage named {0:?}")]
    UnknownTarget(String),
    #[error("{line}: {message}")]
    Build { line: usize, message: String },
    #[error("no FROM instruction: nothing to build")]
    NoStage,
    #[error("{0}")]
    Check(String),
}

/// Image bytes below which a size finding is info: worth knowing, not
/// worth failing a build over (0.2 % of a 5 GB ML image). Reinstalls after
/// a code change stay warnings whatever their size: the time is the cost.
pub const SMALL_SAVINGS: u64 = 10_000_000;

/// Whether a size finding's saving is small, not counting what is only
/// assumed for packages missing from the size tables.
fn is_small(rule: &Rule, f: &Finding) -> bool {
    rule.family == Family::Size
        && f.severity == Severity::Warning
        && f.savings.as_ref().is_some_and(|s| {
            s.kind == SavingsKind::Image && s.bytes - s.assumed < SMALL_SAVINGS && !s.at_least
        })
}

/// The stage model of a parsed Dockerfile and the target stage, or why
/// there is none (a parse error, a broken stage reference, an unknown
/// target). Every command that judges a Dockerfile starts here.
pub fn stage_model(
    df: &Dockerfile,
    options: &LintOptions<'_>,
) -> Result<(StageGraph, usize), LintError> {
    if let Some((line, column, message)) = df.first_error() {
        return Err(LintError::Parse {
            line,
            column,
            message,
        });
    }
    let graph = StageGraph::new(df, &options.build);
    if let Some(e) = graph.errors.first() {
        return Err(LintError::Build {
            line: df.line_col(e.span.start).0,
            message: e.message.clone(),
        });
    }
    let target = match &options.target {
        Some(t) => graph
            .find_stage(t)
            .ok_or_else(|| LintError::UnknownTarget(t.clone()))?,
        None => graph.target(None).ok_or(LintError::NoStage)?,
    };
    Ok((graph, target))
}

/// The base images the stages of a Dockerfile start from (ARGs expanded;
/// `scratch`, stages and unresolved references left out), each with the
/// platform it is built for: what `--resolve-bases` looks up.
pub fn base_images(
    df: &Dockerfile,
    options: &LintOptions<'_>,
) -> Result<Vec<(String, String)>, LintError> {
    let (graph, _) = stage_model(df, options)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for stage in &graph.stages {
        let ballast_dockerfile::stages::Base::Image(image) = &stage.base else {
            continue;
        };
        let platform = graph.platform_of(stage);
        if !image.contains('$') && !platform.contains('$') && !out.iter().any(|(i, _)| i == image) {
            out.push((image.clone(), platform.to_string()));
        }
    }
    Ok(out)
}

/// Lints a parsed Dockerfile.
pub fn lint(df: &Dockerfile, options: &LintOptions<'_>) -> Result<Outcome, LintError> {
    let (graph, target) = stage_model(df, options)?;
    let controls =
        check_directive::CheckDirective::of(df, options.settings.buildkit_check.as_deref())
            .map_err(|(line, message)| match line {
                Some(line) => LintError::Build { line, message },
                None => LintError::Check(message),
            })?;
    let suppressions = suppress::Suppressions::parse(df, &graph);
    let rules = rules_to_run(options, &controls);
    let codes: Vec<&'static str> = rules.iter().map(|r| r.code).collect();
    let key = memo::Key::of(&df.source, options);
    let (results, notes) = match options.memo.get(&key, &codes) {
        Some(known) => known,
        None => {
            let pass = Pass {
                rules: &rules,
                controls: &controls,
                suppressions: &suppressions,
            };
            let (results, notes) = pass.over(df, graph, target, options);
            options.memo.put(
                key,
                codes.iter().copied().zip(results.clone()).collect(),
                &notes,
            );
            (results, notes)
        }
    };
    let mut outcome = Outcome {
        pragma_problems: suppressions.problems.clone(),
        notes,
        ..Outcome::default()
    };
    for r in results {
        outcome.suppressed += r.suppressed;
        outcome.findings.extend(r.findings);
    }
    outcome
        .findings
        .sort_by(|a, b| (a.span.start, a.rule.code).cmp(&(b.span.start, b.rule.code)));
    outcome
        .findings
        .dedup_by(|a, b| a.rule.code == b.rule.code && a.span == b.span && a.message == b.message);
    Ok(outcome)
}

/// The rules a lint runs: the settings' selection for the file, BuildKit's
/// experimental checks the `# check=` directive enables, less those it
/// skips (and those without a fix when only fixes are wanted).
fn rules_to_run(
    options: &LintOptions<'_>,
    controls: &check_directive::CheckDirective,
) -> Vec<&'static Rule> {
    let mut rules = options.settings.enabled_rules(options.path.as_deref());
    let experimental: Vec<&Rule> = catalog::all()
        .iter()
        .copied()
        .filter(|r| controls.enables(r) && !rules.contains(r))
        .collect();
    rules.extend(experimental);
    let unfixable = |r: &Rule| options.fixes_only && r.fix == FixAvailability::None;
    rules.retain(|r| !(controls.skips(r) || unfixable(r)));
    rules
}

/// Rules to run over a Dockerfile, with its controls and suppressions.
struct Pass<'a> {
    rules: &'a [&'static Rule],
    controls: &'a check_directive::CheckDirective,
    suppressions: &'a suppress::Suppressions,
}

impl Pass<'_> {
    /// Each rule's findings with their severities set and suppressed
    /// findings left out, and the checker's notes.
    fn over(
        &self,
        df: &Dockerfile,
        graph: StageGraph,
        target: usize,
        options: &LintOptions<'_>,
    ) -> (Vec<memo::RuleResult>, Vec<String>) {
        let checker = Checker::new(df, graph, target, options);
        let results = self
            .rules
            .iter()
            .map(|rule| self.one(rule, df, &checker, options))
            .collect();
        (results, checker.notes())
    }

    fn one(
        &self,
        rule: &'static Rule,
        df: &Dockerfile,
        checker: &Checker<'_>,
        options: &LintOptions<'_>,
    ) -> memo::RuleResult {
        let mut findings = Vec::new();
        if !(rule.shipped_only && checker.is_dev_image()) {
            (rule.check)(checker, &mut findings);
        }
        let severity = self
            .controls
            .severity(rule, options.settings.severity_of(rule));
        for f in &mut findings {
            // A rule may raise or lower its own default for one finding;
            // an override in the settings replaces both.
            if let Some(s) = f
                .shellcheck
                .and_then(|c| options.settings.shellcheck_severity(c))
            {
                f.severity = s;
            } else if severity != rule.severity {
                f.severity = severity;
            } else if is_small(rule, f) {
                f.severity = Severity::Info;
            }
        }
        let path = options.path.as_deref();
        findings.retain(|f| {
            f.shellcheck
                .is_none_or(|c| !options.settings.ignores_shellcheck(c, path))
        });
        let mut result = memo::RuleResult::default();
        for f in findings {
            if !options.settings.disable_pragmas && covered(df, checker, self.suppressions, &f) {
                result.suppressed += 1;
            } else {
                result.findings.push(f);
            }
        }
        result
    }
}

/// Whether a suppression comment covers a finding: one above the
/// instruction holding it (the last one starting at or before it, if it
/// reaches that far), or one for its stage or the file.
fn covered(
    df: &Dockerfile,
    checker: &Checker<'_>,
    suppressions: &suppress::Suppressions,
    f: &Finding,
) -> bool {
    let inst = df
        .instructions
        .partition_point(|i| i.span.start <= f.span.start)
        .checked_sub(1)
        .filter(|&k| {
            let i = &df.instructions[k];
            f.span.start < i.span.end.max(i.span.start + 1)
        });
    let stage = inst.and_then(|i| checker.stage_of(i));
    suppressions.covers(f, inst, stage)
}
