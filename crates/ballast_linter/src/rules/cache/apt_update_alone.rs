//! ## What it does
//! Flags `apt-get update` in a RUN that installs nothing with the lists it
//! fetched: an update alone, or an update with `apt-get upgrade` followed
//! by a later RUN that installs without updating again. A RUN that runs a
//! tool installing OS packages itself (`playwright install-deps`,
//! `playwright install --with-deps`) uses its lists.
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

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};
use crate::rules::common::{later_apt_install_without_update, package_commands};

pub(crate) static RULE: Rule = Rule {
    code: "BL202",
    name: "apt-update-alone",
    family: Family::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "apt-get update runs in its own RUN, so its cached lists go stale",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let cmds = package_commands(run);
        let Some((part, cmd, _)) = cmds.iter().find(|(_, _, pc)| pc.is_apt_update()) else {
            continue;
        };
        // The lists are used in this RUN (an install, or a tool that
        // installs OS packages itself) ...
        let used_here = cmds
            .iter()
            .any(|(_, _, pc)| pc.manager.is_apt() && pc.action == Action::Install)
            || run
                .commands()
                .any(|(_, c)| ballast_shell::misc::installs_os_packages_itself(c));
        if used_here {
            continue;
        }
        // ... or an upgrade uses them and no later RUN installs on them.
        let upgrades = cmds
            .iter()
            .any(|(_, _, pc)| pc.manager.is_apt() && pc.action == Action::Upgrade);
        let later = later_apt_install_without_update(cx, run.index);
        if upgrades && later.is_none() {
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
        let message = match later {
            Some(i) => format!(
                "`apt-get update` runs without an install in its RUN; line {} installs with these lists, which go stale when this step stays cached",
                cx.inst(i).start_line
            ),
            None => "`apt-get update` alone in a RUN: its cached lists go stale for the installs after it".to_string(),
        };
        let mut f = Finding::new(&RULE, part.span(cmd.span), message)
            .help("run `apt-get update && apt-get install ...` in one RUN")
            .maybe_fix(fix);
        if let Some(i) = later {
            f = f.related(cx.inst(i).keyword_span, "installs with the cached lists");
        }
        out.push(f);
    }
}
