//! The three ways to improve a Dockerfile, compared: the safe fixes, the
//! unsafe fixes too, or the restructure into a builder and a slim runtime.
//! Each is run in memory (nothing is written) and the result linted again,
//! so `check` can say what each leaves behind and which one fits.

use ballast_dockerfile::Dockerfile;

use crate::fix::fix_until_stable;
use crate::restructure::{Refusal, Restructured, restructure};
use crate::rules::context::missing_dockerignore;
use crate::{Applicability, Finding, LintError, LintOptions, Severity};

/// One way to improve the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Way {
    SafeFixes,
    UnsafeFixes,
    Restructure,
}

impl Way {
    /// The command that takes this way.
    pub fn command(self) -> &'static str {
        match self {
            Way::SafeFixes => "ballast fix",
            Way::UnsafeFixes => "ballast fix --unsafe-fixes",
            Way::Restructure => "ballast fix --restructure",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Way::SafeFixes => "safe fixes",
            Way::UnsafeFixes => "unsafe fixes",
            Way::Restructure => "restructure",
        }
    }
}

/// What one way does to the file.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub way: Way,
    /// Fixes applied (for the restructure: 1 when done).
    pub changes: usize,
    /// Fixes the preservation check withheld.
    pub withheld: usize,
    /// The warnings and errors lint still reports on the result.
    pub left: Vec<Finding>,
    /// Why this way was refused.
    pub refused: Option<String>,
    /// The image the result builds, as the model predicts it.
    pub predicted_bytes: Option<u64>,
}

/// The three outcomes, and the restructure itself when it was done.
#[derive(Debug)]
pub struct Paths {
    pub outcomes: Vec<Outcome>,
    pub restructured: Result<Restructured, Refusal>,
}

impl Paths {
    /// The way that fits: the one leaving the fewest warnings and errors,
    /// the simpler one on a tie; `None` when no way changes anything.
    pub fn fits(&self) -> Option<Way> {
        self.outcomes
            .iter()
            .filter(|o| o.refused.is_none() && o.changes > 0)
            .min_by_key(|o| (o.left.len(), o.way))
            .map(|o| o.way)
    }
}

fn serious(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect()
}

/// Runs the three ways on `df` in memory. `read` gives a context file's text.
pub fn compare(
    df: &Dockerfile,
    options: &LintOptions<'_>,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Paths, LintError> {
    let mut outcomes = Vec::new();
    for (way, max) in [
        (Way::SafeFixes, Applicability::Safe),
        (Way::UnsafeFixes, Applicability::Unsafe),
    ] {
        let mut opts = options.with_overlay(options.overlay.clone());
        let fixed = fix_until_stable(&df.source, &mut opts, max, read)?;
        let after = options.with_overlay(fixed.files.clone());
        let predicted = crate::model::predict_text(&fixed.text, &after)?.bytes;
        outcomes.push(Outcome {
            way,
            changes: fixed.applied.len(),
            withheld: fixed.rejected.len(),
            left: serious(fixed.remaining),
            refused: None,
            predicted_bytes: Some(predicted),
        });
    }
    let restructured = restructure(df, options);
    outcomes.push(match &restructured {
        Ok(r) => {
            let after = options.with_overlay(r.files.clone());
            let mut left = serious(crate::lint(&after.memo.parse(&r.dockerfile), &after)?.findings);
            let predicted = crate::model::predict_text(&r.dockerfile, &after)?.bytes;
            // The .dockerignore the restructure writes answers this one.
            if r.dockerignore.is_some() {
                left.retain(|f| f.rule.code != missing_dockerignore::RULE.code);
            }
            Outcome {
                way: Way::Restructure,
                changes: 1,
                withheld: 0,
                left,
                refused: None,
                predicted_bytes: Some(predicted),
            }
        }
        Err(Refusal::Unsupported(why)) => Outcome {
            way: Way::Restructure,
            changes: 0,
            withheld: 0,
            left: Vec::new(),
            refused: Some(why.clone()),
            predicted_bytes: None,
        },
        Err(Refusal::Lint(e)) => return Err(e.clone()),
    });
    Ok(Paths {
        outcomes,
        restructured,
    })
}
