//! What installing packages costs, without an image: the one home for
//! sizing Python requirements (the dated table of `ballast_ml::packages`,
//! torch counted once and as the build its source gives, unknown packages
//! at a stated flat size) and OS packages. The linter's savings and the
//! rebuild prediction both size installs here. Requirements are found as
//! [`crate::installs`] resolves them: through the copies, never by name.

use ballast_ml::packages;
use ballast_ml::python::normalize_name;
use ballast_ml::units::format_bytes;
use ballast_shell::os::{Action, package_command};
use ballast_shell::requirements::Requirement;

use crate::installs::{Files, run_installs};
use crate::runs::Run;

/// A cost and how it was worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    pub bytes: u64,
    pub basis: String,
    /// The part of `bytes` assumed for packages missing from the size
    /// tables (a flat size each): a guess, not a figure to act on.
    pub assumed: u64,
}

/// Bytes assumed for a Python package missing from the size table.
pub const UNKNOWN_PYTHON_PACKAGE: u64 = 10_000_000;
/// Bytes assumed for an OS package missing from the table.
pub const UNKNOWN_OS_PACKAGE: u64 = 15_000_000;

/// One requirement to size, and whether its install takes no dependencies.
#[derive(Debug, Clone, Copy)]
pub struct Sized<'a> {
    pub requirement: &'a Requirement,
    pub no_deps: bool,
}

/// What is known about torch where the packages are installed.
#[derive(Debug, Clone, Copy, Default)]
pub struct TorchContext {
    /// Torch comes from a CPU-only source.
    pub cpu: bool,
    /// Torch is already installed (by the line given): a dependent keeps it.
    pub present: Option<usize>,
}

/// The installed bytes of a set of requirements, each package once, with
/// the basis: torch as the CUDA build with its nvidia-* wheels unless a
/// CPU source is used, and not at all when it is already present (unless
/// pinned to a version) or only reached through `--no-deps` installs. `unread` names
/// files or projects whose requirements are unknown. `None` when nothing
/// is known.
pub fn python_cost(reqs: &[Sized<'_>], torch: TorchContext, unread: &[String]) -> Option<Cost> {
    let mut bytes = 0;
    let mut with_torch = false;
    let mut dependent_kept = false;
    let mut unknown = 0;
    let mut satisfied = 0;
    let mut seen = std::collections::BTreeSet::new();
    for s in reqs {
        let n = normalize_name(&s.requirement.name);
        if !seen.insert(n.clone()) {
            continue;
        }
        let family = packages::TORCH_FAMILY.contains(&n.as_str());
        let dependent = packages::brings_torch(&n, &s.requirement.extras);
        // A torch already there satisfies an unpinned requirement on it.
        let replaces = family && s.requirement.pinned_version().is_some();
        if replaces || (dependent && !s.no_deps && torch.present.is_none()) {
            with_torch = true;
        } else if dependent && torch.present.is_some() {
            dependent_kept = true;
        }
        if family && !replaces && torch.present.is_some() {
            satisfied += 1; // the torch already there is kept
            continue;
        }
        if family || n.starts_with("nvidia-") || n == "triton" {
            continue;
        }
        match packages::installed_size(&n) {
            Some((b, _)) => bytes += b,
            None => {
                bytes += UNKNOWN_PYTHON_PACKAGE;
                unknown += 1;
            }
        }
    }
    if seen.is_empty() {
        return None;
    }
    let mut basis = format!("estimate: {} package(s)", seen.len() - satisfied);
    if with_torch {
        if torch.cpu {
            bytes += packages::installed_size("torch+cpu").map_or(0, |x| x.0);
            basis.push_str(", torch as the CPU build");
        } else {
            bytes += packages::cuda_torch_bytes();
            basis.push_str(", torch as the CUDA build with its nvidia-* wheels and triton");
        }
    } else if dependent_kept && let Some(line) = torch.present {
        basis.push_str(&format!(", torch already installed (line {line})"));
    }
    if unknown > 0 {
        basis.push_str(&format!(
            ", {unknown} not in the size table at {} each",
            format_bytes(UNKNOWN_PYTHON_PACKAGE)
        ));
    }
    if !unread.is_empty() {
        basis.push_str(&format!(
            ", not counting what {} bring(s)",
            unread.join(", ")
        ));
    }
    basis.push_str("; installed sizes from the ballast_ml table of 2026-11");
    Some(Cost {
        bytes,
        basis,
        assumed: unknown * UNKNOWN_PYTHON_PACKAGE,
    })
}

/// Estimates the bytes a RUN adds to its layer: its Python installs
/// (resolved through the copies) and its OS package installs.
pub fn run_cost(
    run: &Run,
    workdir: &str,
    files: &dyn Files,
    torch_present: Option<usize>,
) -> Option<Cost> {
    let installs = run_installs(run, workdir, files);
    let reqs: Vec<Sized<'_>> = installs
        .iter()
        .flat_map(|i| {
            let no_deps = i.install.without_dependencies();
            i.resolved.requested.iter().map(move |q| Sized {
                requirement: &q.requirement,
                no_deps,
            })
        })
        .collect();
    let unread: Vec<String> = installs
        .iter()
        .flat_map(|i| i.resolved.unread.iter().cloned())
        .collect();
    let torch = TorchContext {
        cpu: installs.iter().any(|i| i.resolved.cpu_source.is_some()),
        present: torch_present,
    };
    let py = python_cost(&reqs, torch, &unread);
    let mut os_bytes = 0;
    let mut os_count = 0;
    let mut os_assumed = 0;
    for (_, cmd) in run.commands() {
        if let Some(p) = package_command(cmd).filter(|p| p.action == Action::Install) {
            for pkg in &p.packages {
                os_count += 1;
                os_bytes += match pkg.text.as_str() {
                    "build-essential" => {
                        packages::typical("C/C++ toolchain").map_or(UNKNOWN_OS_PACKAGE, |t| t.bytes)
                    }
                    _ => {
                        os_assumed += UNKNOWN_OS_PACKAGE;
                        UNKNOWN_OS_PACKAGE
                    }
                };
            }
        }
    }
    match (py, os_count) {
        (None, 0) => None,
        (py, 0) => py,
        (py, n) => {
            let os_basis = format!(
                "{n} OS package(s) at {} each (build-essential as the C/C++ toolchain), estimate 2026-11",
                format_bytes(UNKNOWN_OS_PACKAGE)
            );
            Some(match py {
                Some(c) => Cost {
                    bytes: c.bytes + os_bytes,
                    basis: format!("{}; {os_basis}", c.basis),
                    assumed: c.assumed + os_assumed,
                },
                None => Cost {
                    bytes: os_bytes,
                    basis: format!("estimate: {os_basis}"),
                    assumed: os_assumed,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballast_shell::requirements::parse_requirement;

    #[test]
    fn torch_counted_once_and_as_its_source_gives() {
        let r: Vec<Requirement> = [
            "torch==2.5.1",
            "sentence-transformers",
            "fastapi",
            "numpy==1.26.4",
        ]
        .iter()
        .map(|s| parse_requirement(s).unwrap())
        .collect();
        let sized: Vec<Sized<'_>> = r
            .iter()
            .map(|requirement| Sized {
                requirement,
                no_deps: false,
            })
            .collect();
        let c = python_cost(&sized, TorchContext::default(), &[]).unwrap();
        let known = packages::installed_size("sentence-transformers")
            .map_or(UNKNOWN_PYTHON_PACKAGE, |x| x.0)
            + packages::installed_size("fastapi").map_or(UNKNOWN_PYTHON_PACKAGE, |x| x.0)
            + packages::installed_size("numpy").map_or(UNKNOWN_PYTHON_PACKAGE, |x| x.0);
        assert_eq!(c.bytes, packages::cuda_torch_bytes() + known);
        let c = python_cost(
            &sized,
            TorchContext {
                cpu: true,
                present: None,
            },
            &[],
        )
        .unwrap();
        assert_eq!(c.bytes, 700_000_000 + known);
        // A dependent alone keeps the torch already there.
        let st = [Sized {
            requirement: &r[1],
            no_deps: false,
        }];
        let c = python_cost(
            &st,
            TorchContext {
                cpu: false,
                present: Some(4),
            },
            &[],
        )
        .unwrap();
        assert!(
            c.basis.contains("torch already installed (line 4)"),
            "{}",
            c.basis
        );
        assert!(c.bytes < 1_000_000_000);
        // `--no-deps` brings no torch either.
        let st = [Sized {
            requirement: &r[1],
            no_deps: true,
        }];
        assert!(
            python_cost(&st, TorchContext::default(), &[])
                .unwrap()
                .bytes
                < 1_000_000_000
        );
        assert!(python_cost(&[], TorchContext::default(), &[".".into()]).is_none());
    }
}
