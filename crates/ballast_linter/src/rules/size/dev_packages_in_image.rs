//! ## What it does
//! Flags development, notebook and plotting packages (jupyter, notebook,
//! ipython, ipykernel, pytest, matplotlib, seaborn, black, mypy,
//! tensorboard, ...) installed by pip, uv, poetry or conda in a stage the
//! target needs (a builder's virtualenv is copied into the image), from the
//! command line or from a requirements file or pyproject.toml in the build
//! context. Targets named like `dev`,
//! `test`, `ci`, `debug` or `notebook` are exempt.
//!
//! ## Why it matters
//! A serving image runs the application; notebooks and test runners add
//! bytes (jupyter with its dependencies is about 120 MB) and attack
//! surface. They usually arrive through one requirements file shared by
//! development and production.
//!
//! ## Example
//! ```text
//! # requirements.txt
//! fastapi
//! jupyter
//! ```
//!
//! Use instead: split `requirements-dev.txt` from `requirements.txt` and
//! install only the latter in the image.
//!
//! ## Fix safety
//! No automatic fix: whether the application imports one of these at run
//! time is for you to check.

use ballast_ml::packages::{installed_size, is_dev_package};
use ballast_ml::python::normalize_name;

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use crate::registry::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{UNKNOWN_PACKAGE, target_is_dev};

pub(crate) static RULE: Rule = Rule {
    code: "BL107",
    name: "dev-packages-in-image",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Development and notebook packages are installed in the image",
    hadolint: &[],
    needs_config: false,
    check,
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    if target_is_dev(cx) {
        return;
    }
    for run in cx.reachable_runs() {
        for p in cx.python_installs(run) {
            for r in &p.requested {
                let name = normalize_name(&r.requirement.name);
                if !is_dev_package(&name) {
                    continue;
                }
                let (bytes, basis) = match installed_size(&name) {
                    Some((b, basis)) => (b, basis.to_string()),
                    None => (
                        UNKNOWN_PACKAGE,
                        "estimate: a package not in the size table, 10 MB".to_string(),
                    ),
                };
                out.push(
                    Finding::new(&RULE, r.span, format!("`{}` is a development tool installed in the image", r.describe()))
                        .help("install development tools from a separate requirements file, outside the runtime image")
                        .savings(Savings::image(bytes, basis)),
                );
            }
        }
    }
}
