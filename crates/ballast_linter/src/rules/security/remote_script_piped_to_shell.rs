//! ## What it does
//! Flags `curl ... | sh` and `wget -O- ... | bash` (or into python, perl,
//! ruby, also through sudo): a downloaded script executed without being
//! checked.
//!
//! ## Why it matters
//! Whatever the server returns that day runs as root in the build, with
//! access to build secrets: a compromised or hijacked URL owns the image.
//! The script can also change between two builds of the same Dockerfile.
//!
//! A vendor's own installer served over HTTPS (rustup, uv, Poetry, Bun,
//! NodeSource, get-pip, ...; `ballast_ml::installers`) is reported as info:
//! trusting it is trusting the vendor, and what remains is reproducibility.
//!
//! ## Example
//! ```dockerfile
//! RUN curl -LsSf https://astral.sh/uv/install.sh | sh
//! ```
//!
//! Use instead (pinned, verifiable):
//! ```dockerfile
//! COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /uvx /bin/
//! ```
//! or download to a file, check its SHA-256, then run it.
//!
//! ## Fix safety
//! No automatic fix.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL404",
    name: "remote-script-piped-to-shell",
    family: Family::Security,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A downloaded script is piped straight into a shell",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        for part in &run.parts {
            for i in ballast_shell::misc::downloads_piped_to_shell(&part.script) {
                let dl = &part.script.commands[i];
                let sh = &part.script.commands[i + 1];
                let url = dl.args().find(|a| a.contains("://")).unwrap_or("a URL");
                let vendor = ballast_ml::installers::vendor_installer(url);
                let help = if url.contains("astral.sh/uv") {
                    "copy uv from its image instead: `COPY --from=ghcr.io/astral-sh/uv:<version> /uv /uvx /bin/`"
                } else if vendor.is_some() {
                    "pin what it installs (a version argument or a versioned URL), or download the script, verify its SHA-256, then run it"
                } else {
                    "download to a file, verify its SHA-256, then run it; or install a pinned package"
                };
                let message = match vendor {
                    Some(what) => format!(
                        "runs the {what} installer from {url} unpinned: each build may install something else"
                    ),
                    None => format!("runs the script at {url} without checking it"),
                };
                let f = Finding::new(&RULE, part.span((dl.span.0, sh.span.1)), message).help(help);
                out.push(match vendor {
                    Some(_) => f.severity(Severity::Info),
                    None => f,
                });
            }
        }
    }
}
