//! ## What it does
//! Flags `apt-get install` (or `apt install`) without
//! `--no-install-recommends` in a stage whose files end up in the image,
//! unless an earlier RUN configured apt not to install recommended packages
//! (`APT::Install-Recommends "false"`).
//!
//! ## Why it matters
//! Recommended packages are extras: documentation, GUI helpers, alternative
//! tools. Installing `build-essential` or `python3-pip` with them typically
//! adds about 60 MB that the application never uses.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y libgomp1
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends libgomp1
//! ```
//!
//! ## Fix safety
//! Unsafe: a program may rely on a package that was only recommended; check
//! the image still works.

use ballast_shell::os::Action;

use crate::checker::Checker;
use crate::finding::{Finding, Fix, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{insert_after_word, package_commands, typical};

pub(crate) static RULE: Rule = Rule {
    code: "BL104",
    name: "apt-recommends-installed",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "apt installs recommended packages too",
    hadolint: &["DL3015"],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    // A development image (a devcontainer, `Dockerfile.dev`, a `dev`
    // target) is meant to carry what a shipped image should not.
    if cx.is_dev_image() {
        return;
    }
    let mut configured = false;
    for run in cx.image_runs() {
        for (part, cmd, pc) in package_commands(run) {
            if !pc.manager.is_apt() || pc.action != Action::Install {
                continue;
            }
            if configured || pc.no_recommends() {
                continue;
            }
            let (bytes, basis) = typical("recommended packages");
            let fix = insert_after_word(part, cmd, pc.action_word, "--no-install-recommends")
                .map(|e| Fix::unsafe_("Add `--no-install-recommends`", vec![e]));
            out.push(
                Finding::new(
                    &RULE,
                    part.span(cmd.span),
                    format!(
                        "`{} install` also installs every recommended package",
                        cmd.name().unwrap_or("apt-get")
                    ),
                )
                .help("add `--no-install-recommends` and list what the image needs")
                .savings(Savings::image(bytes, basis))
                .maybe_fix(fix),
            );
        }
        // Configuration written by this RUN applies to the following ones.
        if run.parts.iter().any(|p| {
            let t = p.text.to_ascii_lowercase();
            t.contains("install-recommends")
                && (t.contains("\"false\"")
                    || t.contains("\"0\"")
                    || t.contains("=false")
                    || t.contains(" false"))
        }) {
            configured = true;
        }
    }
}
