//! ## What it does
//! Flags a RUN that runs `apt-get update` (or `apt update`) without
//! installing anything in the same RUN.
//!
//! ## Why it matters
//! The build cache keeps that layer as long as its text does not change: a
//! later `apt-get install` step, rebuilt alone, then uses package lists that
//! may be months old and fail with 404s or install outdated packages. The
//! lists also stay in their own layer, even if a later RUN deletes them.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update
//! RUN apt-get install -y --no-install-recommends curl
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix merges the update into the next RUN when that RUN is a
//! plain shell-form RUN of the same stage; merging changes the layers.

use ballast_dockerfile::Keyword;
use ballast_shell::os::Action;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL202",
    name: "apt-update-alone",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "apt-get update runs in its own RUN, so its cached lists go stale",
    hadolint: &[],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let cmds = package_commands(run);
        let Some((part, cmd, _)) = cmds
            .iter()
            .find(|(_, _, pc)| pc.manager.is_apt() && pc.action == Action::Update)
        else {
            continue;
        };
        if cmds.iter().any(|(_, _, pc)| {
            pc.manager.is_apt() && matches!(pc.action, Action::Install | Action::Upgrade)
        }) {
            continue;
        }
        let inst = cx.inst(run.index);
        let next = run.index + 1;
        let fix = cx.df.instructions.get(next).and_then(|n| {
            let same_stage = cx.stage_of(next) == cx.stage_of(run.index);
            let plain = n.keyword == Keyword::Run
                && !n.json
                && n.flags.is_empty()
                && n.heredocs.is_empty()
                && inst.flags.is_empty()
                && inst.heredocs.is_empty()
                && n.comments.is_empty();
            let at = run.append_point()?;
            let rest = n.rest_span?;
            (same_stage && plain).then(|| {
                Fix::unsafe_(
                    "Merge into the next RUN",
                    vec![Edit::replace(
                        ballast_dockerfile::Span::new(at, rest.start),
                        " \\\n    && ",
                    )],
                )
            })
        });
        let savings = cx.in_image(run.index).then(|| {
            let (b, basis) = typical("apt lists");
            Savings::image(b, basis)
        });
        out.push(
            Finding::new(&RULE, part.span(cmd.span), "`apt-get update` alone in a RUN: its cached lists go stale for the installs after it")
                .help("run `apt-get update && apt-get install ...` in one RUN")
                .maybe_savings(savings)
                .maybe_fix(fix),
        );
    }
}
