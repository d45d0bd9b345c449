//! ## What it does
//! Flags `apt-get update` (or `apt update`) in a stage whose files end up in
//! the image when the same RUN does not delete `/var/lib/apt/lists`. A cache
//! or tmpfs mount over `/var/lib/apt/lists` (or `/var/lib/apt`) satisfies it.
//!
//! ## Why it matters
//! The package indexes `apt-get update` downloads stay in the layer: tens of
//! megabytes (26 MB on Debian 12) that nothing at run time reads. Deleting
//! them in a later RUN does not shrink the image.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl \
//!     && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix safety
//! Safe: the fix appends `&& rm -rf /var/lib/apt/lists/*` to the RUN; later
//! steps that need the indexes run `apt-get update` again anyway.

use ballast_context::runs::Run;
use ballast_shell::os::Action;

use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{deletes, later_apt_install_without_update, package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL103",
    name: names::APT_LISTS_KEPT.as_str(),
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "apt package lists are left in the layer",
    hadolint: &["DL3009"],
    check,
    ..Rule::OPTIONAL
};

/// Where `apt-get update` writes its lists.
pub(crate) const APT_LISTS: &str = "/var/lib/apt/lists";

/// Whether the apt lists a RUN writes stay in its layer: no cache mount
/// over them, no deletion in the same RUN. The image model asks the same.
pub(crate) fn lists_stay(run: &Run) -> bool {
    run.cache_mount_over(APT_LISTS).is_none() && !run.commands().any(|(_, c)| deletes(c, APT_LISTS))
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.image_runs() {
        let cmds = package_commands(run);
        let Some((part, cmd, _)) = cmds.iter().find(|(_, _, pc)| pc.is_apt_update()) else {
            continue;
        };
        // An update with nothing installed after it is apt-update-alone's
        // case; its fix merges it with the install that follows.
        let installs = cmds.iter().any(|(_, _, pc)| {
            pc.manager.is_apt() && matches!(pc.action, Action::Install | Action::Upgrade)
        });
        // A later RUN that installs on these lists needs them: the problem
        // is then apt-update-alone's (and a cleanup there is
        // cleanup-in-later-layer's), and deleting them here would break it.
        if !installs
            || !lists_stay(run)
            || later_apt_install_without_update(cx, run.index).is_some()
        {
            continue;
        }
        let (bytes, basis) = typical("apt lists");
        let fix = run.append_point().map(|at| {
            Fix::safe(
                "Append `rm -rf /var/lib/apt/lists/*`",
                vec![Edit::insert(at, " \\\n    && rm -rf /var/lib/apt/lists/*")],
            )
        });
        out.push(
            Finding::new(&RULE, part.span(cmd.span), "the package lists `apt-get update` downloads stay in this layer")
                .help("delete them in the same RUN: `&& rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/lib/apt/lists")
                .savings(Savings::image(bytes, basis).shared_as(
                    crate::rules::size::pip_cache_kept::shared_key(APT_LISTS, cx.inst(run.index).start_line),
                ))
                .maybe_fix(fix),
        );
    }
}
