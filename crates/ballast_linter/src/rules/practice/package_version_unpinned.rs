//! ## What it does
//! Opt-in (select `package-version-unpinned`): flags OS and Python packages
//! installed by name with no version: `apt-get install curl` (not
//! `curl=7.88.1-10+deb12u5`), `apk add curl` (not `curl=8.5.0-r0`), `pip
//! install requests` (not `requests==2.32.3`). Packages from requirement
//! files, local paths, wheels and variables are not judged.
//!
//! ## Why it matters
//! An unpinned package is whatever the index holds the day the layer is
//! built: two builds of the same Dockerfile differ, and a rebuild after a
//! cache miss can pull a breaking release. Teams that want reproducible
//! images pin; many switch this off because OS pins break when the
//! distribution drops the old version, which is why ballast runs it only on
//! request (as hadolint's DL3008, DL3013 and DL3018, which it answers to).
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get install -y --no-install-recommends curl \
//!  && pip install --no-cache-dir fastapi
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
//!  && pip install --no-cache-dir fastapi==0.115.5
//! ```
//!
//! ## Fix safety
//! No automatic fix: which version to pin is the author's call.

use ballast_shell::os::{Action, Manager, package_command};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL808",
    name: "package-version-unpinned",
    family: Family::Practice,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A package is installed without a version (opt-in)",
    hadolint: &["DL3008", "DL3013", "DL3018"],
    needs_config: true,
    check,
    ..Rule::OPTIONAL
};

/// Whether an OS package word names a version, or is not a name at all
/// (a file, a variable).
fn os_pinned(manager: Manager, word: &str) -> bool {
    let versioned = match manager {
        Manager::Apk => word.contains(['=', '~', '<', '>']),
        _ => word.contains('='),
    };
    versioned || word.contains(['$', '/']) || word.ends_with(".deb") || word.ends_with(".rpm")
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.runs.iter().flatten() {
        for (part, cmd) in run.commands() {
            let unpinned: Vec<String> = if let Some(pc) = package_command(cmd) {
                let judged = pc.action == Action::Install
                    && matches!(pc.manager, Manager::AptGet | Manager::Apt | Manager::Apk);
                pc.packages
                    .iter()
                    .filter(|w| judged && !os_pinned(pc.manager, &w.text))
                    .map(|w| w.text.clone())
                    .collect()
            } else if let Some(install) = ballast_shell::python::install(cmd) {
                install
                    .packages
                    .iter()
                    .filter(|(r, w)| {
                        r.spec.split(';').next().unwrap_or("").trim().is_empty()
                            && !w.text.contains('$')
                    })
                    .map(|(r, _)| r.raw.clone())
                    .collect()
            } else {
                continue;
            };
            if unpinned.is_empty() {
                continue;
            }
            out.push(
                Finding::new(
                    &RULE,
                    part.span(cmd.span),
                    format!("installed without a version: {}", unpinned.join(", ")),
                )
                .help("pin each package (`name=VERSION` for apt and apk, `name==VERSION` for pip)"),
            );
        }
    }
}
