//! ## What it does
//! Flags `apk add` without `--no-cache`, and `dnf`/`yum`/`microdnf install`
//! without a `clean all` in the same RUN, in a stage whose files end up in
//! the image. A cache or tmpfs mount over `/var/cache/apk`,
//! `/var/cache/dnf` or `/var/cache/yum` satisfies it.
//!
//! ## Why it matters
//! apk keeps its package index under `/var/cache/apk` (about 3 MB), dnf and
//! yum their repository metadata under `/var/cache/dnf` (60 to 150 MB on
//! Fedora and UBI). Nothing reads them at run time.
//!
//! ## Example
//! ```dockerfile
//! RUN apk add libstdc++
//! RUN microdnf install -y python3.11
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apk add --no-cache libstdc++
//! RUN microdnf install -y python3.11 && microdnf clean all
//! ```
//!
//! ## Fix safety
//! Safe: `--no-cache` and `clean all` remove only caches.

use ballast_shell::os::{Action, Manager};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use crate::rules::common::{deletes, insert_after_word, package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL110",
    name: "os-package-cache-kept",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "apk, dnf or yum leave their cache in the layer",
    hadolint: &["DL3019", "DL3032", "DL3040"],
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.image_runs() {
        let cmds = package_commands(run);
        for (part, cmd, pc) in &cmds {
            if pc.action != Action::Install {
                continue;
            }
            let (dirs, what): (&[&str], &str) = match pc.manager {
                Manager::Apk => (&["/var/cache/apk"], "apk package index cache"),
                Manager::Dnf | Manager::Yum | Manager::Microdnf => (
                    &["/var/cache/dnf", "/var/cache/yum"],
                    "dnf/yum metadata cache",
                ),
                _ => continue,
            };
            let name = cmd.name().unwrap_or("apk");
            if pc.has_option("--no-cache")
                || dirs.iter().any(|d| run.cache_mount_over(d).is_some())
                || run
                    .commands()
                    .any(|(_, c)| dirs.iter().any(|d| deletes(c, d)))
            {
                continue;
            }
            let (bytes, basis) = typical(what);
            let fix = if pc.manager == Manager::Apk {
                insert_after_word(part, cmd, pc.action_word, "--no-cache")
                    .map(|e| Fix::safe("Add `--no-cache`", vec![e]))
            } else {
                run.append_point().map(|at| {
                    Fix::safe(
                        format!("Append `{name} clean all`"),
                        vec![Edit::insert(at, format!(" \\\n    && {name} clean all"))],
                    )
                })
            };
            let message = if pc.manager == Manager::Apk {
                "`apk add` keeps its package index in /var/cache/apk".to_string()
            } else {
                format!(
                    "`{name} install` leaves repository metadata in /var/cache without `{name} clean all`"
                )
            };
            out.push(
                Finding::new(&RULE, part.span(cmd.span), message)
                    .savings(Savings::image(bytes, basis))
                    .maybe_fix(fix),
            );
        }
    }
}
