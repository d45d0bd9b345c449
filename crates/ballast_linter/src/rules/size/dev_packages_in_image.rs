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

use ballast_dockerfile::Keyword;
use ballast_ml::distributions::Installs;
use ballast_ml::packages::is_dev_package;
use ballast_ml::python::normalize_name;

use crate::checker::{Checker, PyInstall, Requested};
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::UNKNOWN_PACKAGE;

pub(crate) static RULE: Rule = Rule {
    code: "BL107",
    name: names::DEV_PACKAGES_IN_IMAGE.as_str(),
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Development and notebook packages are installed in the image",
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let serves_jupyter = runs_jupyter(cx);
    for run in cx.reachable_runs() {
        if !cx
            .stage_of(run.index)
            .is_some_and(|s| cx.stage_reaches_image(s))
        {
            continue;
        }
        // A package an earlier install brought is reported there.
        let before = cx.installed_before(run.index);
        for p in cx.python_installs(run) {
            let dev: Vec<&crate::checker::Requested> = p
                .requested
                .iter()
                .filter(|r| {
                    let name = normalize_name(&r.requirement.name);
                    is_dev_package(&name)
                        && !(serves_jupyter && is_jupyter(&name))
                        && !before.names.contains(&name)
                })
                .collect();
            if dev.is_empty() {
                continue;
            }
            let (bytes, basis) = dev_bytes(&p, &dev);
            let names: Vec<String> = dev.iter().map(|r| r.describe()).collect();
            out.push(
                Finding::new(
                    &RULE,
                    dev[0].span,
                    format!("development tools installed in the image: {}", names.join(", ")),
                )
                .help("install development tools from a separate requirements file or group, outside the runtime image")
                .savings(Savings::image(bytes, basis)),
            );
        }
    }
}

/// What leaving the development packages out saves: the install's
/// dependency closure less the closure of the rest (what only they bring),
/// from the measured table; a name it lacks at a flat size.
fn dev_bytes(p: &PyInstall<'_>, dev: &[&Requested]) -> (u64, String) {
    let no_deps = p.install.without_dependencies();
    let mut all = Installs::default();
    let mut rest = Installs::default();
    for r in &p.requested {
        all.add(&r.requirement.name, no_deps);
        if !dev.iter().any(|d| std::ptr::eq(*d, r)) {
            rest.add(&r.requirement.name, no_deps);
        }
    }
    // Torch is sized by its own rule; a dev tool rarely brings it.
    let torch = ballast_ml::packages::is_cuda_torch_part;
    let unknown = dev
        .iter()
        .filter(|d| all.unknown.contains(&normalize_name(&d.requirement.name)))
        .count() as u64;
    let bytes = all
        .installed_bytes(torch)
        .saturating_sub(rest.installed_bytes(torch))
        + unknown * UNKNOWN_PACKAGE;
    let mut basis = format!(
        "estimate: what {} package(s) install that the rest of the install does not",
        dev.len()
    );
    if unknown > 0 {
        basis.push_str(&format!(", {unknown} not in the size table at 10 MB each"));
    }
    basis.push_str(&format!(
        "; installed sizes of the newest releases measured {} (bench/distribution-sizes.sh)",
        ballast_ml::distributions::table_date()
    ));
    (bytes, basis)
}

fn is_jupyter(name: &str) -> bool {
    name.starts_with("jupyter")
        || name.starts_with("ipy")
        || name == "notebook"
        || name == "nbconvert"
}

/// Whether the image serves Jupyter: its CMD or ENTRYPOINT (or the script
/// it starts) runs `jupyter`, or it installs a Jupyter server application.
fn runs_jupyter(cx: &Checker<'_>) -> bool {
    let installs_server = cx.reachable_runs().any(|run| {
        cx.python_installs(run).iter().any(|p| {
            p.requested.iter().any(|r| {
                matches!(
                    normalize_name(&r.requirement.name).as_str(),
                    "jupyter-kernel-gateway"
                        | "jupyterhub"
                        | "jupyter-enterprise-gateway"
                        | "voila"
                )
            })
        })
    });
    installs_server
        || cx.image_instructions().into_iter().any(|i| {
            let inst = cx.inst(i);
            matches!(inst.keyword, Keyword::Cmd | Keyword::Entrypoint)
                && inst.values().iter().any(|v| v.contains("jupyter"))
        })
}
