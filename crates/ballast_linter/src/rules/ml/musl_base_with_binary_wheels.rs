//! ## What it does
//! Flags Python packages with compiled extensions installed on a musl
//! (Alpine) base: packages that publish no musllinux wheels at all (torch,
//! tensorflow, onnxruntime, ...), and pins older than the first release with
//! musllinux wheels (numpy before 1.25, pandas before 2.0, ...).
//!
//! ## Why it matters
//! Without a wheel for musl, pip builds from source: a compiler toolchain in
//! the image, builds that take many minutes, or outright failure (torch has
//! no source build pip can do). The Debian-based `-slim` images get
//! manylinux wheels and are smaller in practice once the toolchain is
//! counted.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11-alpine
//! RUN pip install numpy==1.24.4 torch
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! RUN pip install numpy==1.24.4 torch
//! ```
//!
//! ## Fix safety
//! No automatic fix: the system packages of the two bases differ.

use ballast_ml::images::{ImageRef, is_musl};
use ballast_ml::packages::{MUSL_WHEELS_SINCE, NO_MUSL_WHEELS};
use ballast_ml::python::normalize_name;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL307",
    name: "musl-base-with-binary-wheels",
    family: Family::Ml,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Packages without musl wheels are installed on an Alpine base",
    check,
    ..Rule::OPTIONAL
};

/// Compares dotted versions numerically (`1.24.4` < `1.25.0`).
fn older(version: &str, than: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['.', '+', '-'])
            .map_while(|p| p.trim_start_matches('v').parse().ok())
            .collect()
    };
    parse(version) < parse(than)
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        let Some(stage) = cx.stage_of(run.index) else {
            continue;
        };
        let Some((image, _)) = cx.base_image(stage) else {
            continue;
        };
        if !is_musl(&ImageRef::parse(&image)) {
            continue;
        }
        for p in cx.python_installs(run) {
            for r in &p.requested {
                let n = normalize_name(&r.requirement.name);
                if NO_MUSL_WHEELS.contains(&n.as_str()) {
                    out.push(
                        Finding::new(&RULE, r.span, format!("`{}` publishes no musllinux wheels: on `{image}` pip must build it from source, or fails", r.describe()))
                            .severity(Severity::Error)
                            .help("use a Debian-based image such as python:3.11-slim"),
                    );
                } else if let Some((_, since)) =
                    MUSL_WHEELS_SINCE.iter().find(|(name, _)| *name == n)
                    && let Some(v) = r.requirement.pinned_version()
                    && older(v, since)
                {
                    out.push(
                        Finding::new(&RULE, r.span, format!("`{}` pins {v}, older than the first musllinux wheels ({since}): on `{image}` it builds from source", r.describe()))
                            .help(format!("pin {since} or later, or use a Debian-based image such as python:3.11-slim")),
                    );
                }
            }
        }
    }
}
