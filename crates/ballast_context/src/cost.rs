//! What installing packages costs, without an image: the one home for
//! sizing Python requirements (the dated table of `ballast_ml::packages`,
//! torch counted once and as the build its source gives, unknown packages
//! at a stated flat size) and OS packages. The linter's savings and the
//! rebuild prediction both size installs here. Requirements are found as
//! [`crate::installs`] resolves them: through the copies, never by name.

use std::collections::BTreeSet;

use ballast_ml::apt::{self, Distro};
use ballast_ml::bases;
use ballast_ml::distributions::{self, Installs};
use ballast_ml::images::ImageRef;
use ballast_ml::packages;
use ballast_ml::python::normalize_name;
use ballast_ml::units::format_bytes;
use ballast_shell::os::{Action, package_command};
use ballast_shell::requirements::Requirement;

use crate::installs::{Files, Resolved, RunInstall, run_installs};
use crate::runs::Run;

/// A cost and how it was worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    pub bytes: u64,
    pub basis: String,
    /// The part of `bytes` assumed for packages missing from the size
    /// tables (a flat size each): a guess, not a figure to act on.
    pub assumed: u64,
    /// Bytes downloaded for it (the wheels a package cache keeps), when
    /// it installs packages.
    pub download: u64,
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
    /// The install writes `.pyc` files ([`Install::compiles_bytecode`]).
    pub bytecode: bool,
}

/// What is known about torch where the packages are installed.
#[derive(Debug, Clone, Copy, Default)]
pub struct TorchContext<'a> {
    /// Torch comes from a CPU-only source.
    pub cpu: bool,
    /// Torch is already installed (by the line given): a dependent keeps it.
    pub present: Option<usize>,
    /// Distributions earlier steps installed where these packages go: found
    /// satisfied, they are not counted again.
    pub installed: Option<&'a BTreeSet<&'static str>>,
    /// Distributions the same RUN uninstalls after installing: not in its
    /// layer.
    pub removed: Option<&'a BTreeSet<String>>,
}

/// The distributions a RUN removes with `pip uninstall` (or `uv pip
/// uninstall`, `python -m pip uninstall`); with `after_install`, only
/// those removed after a pip install of the RUN (what its installs leave
/// out of the layer; an uninstall before the install makes room for it).
pub fn uninstalled(run: &Run, after_install: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut installed = false;
    for (_, cmd) in run.commands() {
        let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
        let pip_at = |verb: &str| {
            let at = words.iter().position(|w| *w == verb)?;
            words[..at]
                .iter()
                .any(|w| w.rsplit('/').next().is_some_and(|n| n.starts_with("pip")))
                .then_some(at)
        };
        if pip_at("install").is_some() {
            installed = true;
        }
        let Some(at) = pip_at("uninstall") else {
            continue;
        };
        if after_install && !installed {
            continue;
        }
        out.extend(
            words[at + 1..]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .map(|w| normalize_name(w)),
        );
    }
    out
}

/// What earlier steps left where a RUN installs.
#[derive(Debug, Clone, Copy)]
pub struct Present<'a> {
    /// The line that installed torch, if any.
    pub torch: Option<usize>,
    /// The Python distributions installed.
    pub python: &'a BTreeSet<&'static str>,
    /// `UV_COMPILE_BYTECODE` is true in the environment the RUN sees.
    pub uv_compile_bytecode: bool,
}

/// Whether a distribution is part of what torch's CUDA build installs:
/// torch itself, its nvidia-* and cuda-* libraries and triton.
fn torch_part(name: &str) -> bool {
    ballast_ml::packages::is_cuda_torch_part(name)
}

/// The requirements of a step as distributions to size, and what they do
/// to a torch already there.
struct Gathered {
    installs: Installs,
    /// What installs that compile bytecode bring: the rest is sized without .pyc.
    compiled: Installs,
    keeps_torch: bool,
    replaces_torch: bool,
    /// A kept torch is what a requirement depends on.
    dependent_kept: bool,
    /// Requirements the torch already there satisfies.
    satisfied: usize,
    /// Distinct requirements.
    requested: usize,
}

/// Each requirement once; `None` when there are none.
fn gather(reqs: &[Sized<'_>], torch: &TorchContext<'_>) -> Option<Gathered> {
    let mut g = Gathered {
        installs: Installs::default(),
        compiled: Installs::default(),
        keeps_torch: false,
        replaces_torch: false,
        dependent_kept: false,
        satisfied: 0,
        requested: 0,
    };
    let mut seen = std::collections::BTreeSet::new();
    for s in reqs {
        let n = normalize_name(&s.requirement.name);
        if !seen.insert(n.clone()) {
            continue;
        }
        let family = packages::is_torch_family(&n);
        // A torch already there satisfies an unpinned requirement on it.
        let replaces = family && s.requirement.pinned_version().is_some();
        g.replaces_torch |= replaces;
        if torch.present.is_some() && !replaces {
            if family {
                g.satisfied += 1; // the torch already there is kept
                continue;
            }
            if packages::brings_torch(&n, &s.requirement.extras) {
                g.dependent_kept = true;
            }
            g.keeps_torch = true;
        }
        let torch_extra = n == "transformers" && s.requirement.extras.iter().any(|e| e == "torch");
        let add = |set: &mut Installs| {
            set.add(&n, s.no_deps);
            if torch_extra {
                set.add("torch", false);
            }
        };
        add(&mut g.installs);
        if s.bytecode {
            add(&mut g.compiled);
        }
    }
    g.requested = seen.len();
    (g.requested > 0).then_some(g)
}

/// The installed bytes of a set of requirements, each distribution once
/// (the dependency closures of the measured table,
/// [`ballast_ml::distributions`]), with the basis: torch as the CUDA build
/// with its nvidia-* wheels unless a CPU source is used, and not at all
/// when it is already present (unless pinned to a version) or only reached
/// through `--no-deps` installs. `unread` names files or projects whose
/// requirements are unknown. `None` when nothing is known.
pub fn python_cost(reqs: &[Sized<'_>], torch: TorchContext<'_>, unread: &[String]) -> Option<Cost> {
    let Gathered {
        installs,
        compiled,
        keeps_torch,
        replaces_torch,
        dependent_kept,
        satisfied,
        requested,
    } = gather(reqs, &torch)?;
    // A torch already there is kept unless a pin replaces it.
    let with_torch = (replaces_torch || !keeps_torch) && installs.distributions.contains("torch");
    let cpu_torch = with_torch && torch.cpu;
    let before = |d: &str| {
        torch.installed.is_some_and(|i| i.contains(d))
            || torch.removed.is_some_and(|r| r.contains(d))
    };
    let skip = |d: &str| (torch_part(d) && (!with_torch || cpu_torch)) || before(d);
    let uncompiled = |d: &str| skip(d) || compiled.distributions.contains(d);
    let no_pyc = installs.pyc_bytes(uncompiled);
    let mut bytes = installs.installed_bytes(skip) - no_pyc;
    let mut download = installs.wheel_bytes(skip);
    let unknown = installs.unknown.len() as u64;
    let mut basis = format!(
        "estimate: {} requested, {} distribution(s) with their dependencies",
        requested - satisfied,
        installs.distributions.iter().filter(|d| !skip(d)).count()
    );
    let removed = installs
        .distributions
        .iter()
        .filter(|d| torch.removed.is_some_and(|r| r.contains(**d)))
        .count();
    let again = installs.distributions.iter().filter(|d| before(d)).count() - removed;
    if no_pyc > 0 {
        basis.push_str(" without .pyc files (uv compiles none unless told to)");
    }
    if removed > 0 {
        basis.push_str(&format!(" ({removed} uninstalled in the same step)"));
    }
    if again > 0 {
        basis.push_str(&format!(
            " ({again} more already installed by earlier steps, not counted again)"
        ));
    }
    if cpu_torch {
        let cpu = packages::installed_size("torch+cpu").map_or(0, |x| x.0);
        bytes += cpu;
        download += packages::cache_bytes_for(cpu);
        basis.push_str(", torch as the CPU build (an estimate: the CPU index is not measured)");
    } else if with_torch {
        basis.push_str(", torch as the CUDA build with its nvidia-* wheels and triton");
    } else if dependent_kept && let Some(line) = torch.present {
        basis.push_str(&format!(", torch already installed (line {line})"));
    }
    if unknown > 0 {
        bytes += unknown * UNKNOWN_PYTHON_PACKAGE;
        download += packages::cache_bytes_for(unknown * UNKNOWN_PYTHON_PACKAGE);
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
    basis.push_str(&format!(
        "; installed sizes of the newest releases measured {} (bench/distribution-sizes.sh)",
        distributions::table_date()
    ));
    Some(Cost {
        bytes,
        basis,
        assumed: unknown * UNKNOWN_PYTHON_PACKAGE,
        download,
    })
}

/// Estimates the bytes a RUN adds to its layer: its Python installs
/// (resolved through the copies) and its OS package installs.
pub fn run_cost(
    run: &Run,
    workdir: &str,
    files: &dyn Files,
    present: Present<'_>,
    os: OsBase,
) -> Option<Cost> {
    installs_cost(run, &run_installs(run, workdir, files), present, os)
}

/// [`run_cost`] of a RUN whose Python installs are already resolved.
pub fn installs_cost(
    run: &Run,
    installs: &[RunInstall<'_>],
    present: Present<'_>,
    os: OsBase,
) -> Option<Cost> {
    let bytecode = present.uv_compile_bytecode;
    let priced: Vec<PricedInstall<'_>> = installs
        .iter()
        .map(|i| PricedInstall::new((&i.install, i.command), &i.resolved, bytecode))
        .collect();
    let py = python_installs_cost(run, &priced, (present.torch, present.python), false);
    match (py, os_cost(run, os)) {
        (None, None) => None,
        (Some(c), None) | (None, Some(c)) => Some(c),
        (Some(p), Some(o)) => Some(Cost {
            bytes: p.bytes + o.bytes,
            basis: format!("{}; {}", p.basis, o.basis.trim_start_matches("estimate: ")),
            assumed: p.assumed + o.assumed,
            download: p.download + o.download,
        }),
    }
}

/// A Python install as [`python_installs_cost`] prices it.
pub struct PricedInstall<'a> {
    pub install: &'a ballast_shell::python::Install,
    /// The command that runs it.
    pub command: &'a ballast_shell::Command,
    pub resolved: &'a Resolved,
    /// `UV_COMPILE_BYTECODE` is true in the environment it runs in.
    pub uv_compile_bytecode: bool,
}

impl<'a> PricedInstall<'a> {
    /// An install of `command`, its requests resolved, in an environment
    /// where `UV_COMPILE_BYTECODE` is `uv_compile_bytecode`.
    pub fn new(
        (install, command): (
            &'a ballast_shell::python::Install,
            &'a ballast_shell::Command,
        ),
        resolved: &'a Resolved,
        uv_compile_bytecode: bool,
    ) -> Self {
        PricedInstall {
            install,
            command,
            resolved,
            uv_compile_bytecode,
        }
    }
}

/// The installed bytes of Python installs, each package once
/// ([`python_cost`]): each requested package with its install's flags
/// (`--no-deps`, bytecode), what the installs could not read named in the
/// basis, what `run` uninstalls after installing left out. `before` is the
/// line that installed torch and the distributions installed earlier;
/// torch comes from a CPU-only source when an install's index says so or
/// with `cpu_torch` (a fix that makes it so).
pub fn python_installs_cost(
    run: &Run,
    installs: &[PricedInstall<'_>],
    before: (Option<usize>, &BTreeSet<&'static str>),
    cpu_torch: bool,
) -> Option<Cost> {
    let reqs: Vec<Sized<'_>> = installs
        .iter()
        .flat_map(|i| {
            let no_deps = i.install.without_dependencies();
            let bytecode = i
                .install
                .compiles_bytecode(i.command, i.uv_compile_bytecode);
            i.resolved.requested.iter().map(move |q| Sized {
                requirement: &q.requirement,
                no_deps,
                bytecode,
            })
        })
        .collect();
    let unread: Vec<String> = installs
        .iter()
        .flat_map(|i| i.resolved.unread.iter().cloned())
        .collect();
    let removed = uninstalled(run, true);
    let torch = TorchContext {
        cpu: cpu_torch || installs.iter().any(|i| i.resolved.cpu_source.is_some()),
        present: before.0,
        installed: Some(before.1),
        removed: Some(&removed),
    };
    python_cost(&reqs, torch, &unread)
}

/// What the base image is, for sizing OS package installs on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OsBase {
    pub distro: Distro,
    /// Whether the image says its distribution (else Debian 13 is assumed).
    pub exact: bool,
    /// A full `python:3.x` image (buildpack-deps): compilers, make, curl,
    /// git and many -dev packages are there already.
    pub buildpack: bool,
}

impl OsBase {
    /// The OS base of an image reference (`None`: an unknown base).
    pub fn of(image: Option<&str>) -> OsBase {
        let Some(image) = image else {
            return OsBase {
                distro: Distro::Debian13,
                exact: false,
                buildpack: false,
            };
        };
        let r = ImageRef::parse(image);
        let (distro, exact) = apt::distro_of(&r);
        OsBase {
            distro,
            exact,
            buildpack: bases::is_buildpack_based(&r),
        }
    }
}

/// What a RUN's OS package installs add: apt installs from the Debian and
/// Ubuntu package tables (what the base lacks, recommendations included
/// unless left out), other managers at a flat size per package.
pub fn os_cost(run: &Run, os: OsBase) -> Option<Cost> {
    let mut bytes = 0;
    let mut assumed = 0;
    let mut named = 0;
    let mut recommends = 0;
    for (_, cmd) in run.commands() {
        let Some(p) = package_command(cmd).filter(|p| p.action == Action::Install) else {
            continue;
        };
        let names: Vec<&str> = p.packages.iter().map(|w| w.text.as_str()).collect();
        named += names.len();
        if !p.manager.is_apt() {
            bytes += names.len() as u64 * UNKNOWN_OS_PACKAGE;
            assumed += names.len() as u64 * UNKNOWN_OS_PACKAGE;
            continue;
        }
        let added = apt::installed(os.distro, &names, os.buildpack);
        let flat = added.unknown.len() as u64 * UNKNOWN_OS_PACKAGE;
        bytes += added.bytes + flat;
        assumed += flat;
        if !p.no_recommends()
            && let Some(r) = apt::recommended(os.distro, &names, os.buildpack)
        {
            bytes += r.bytes;
            recommends += r.bytes;
        }
    }
    if named == 0 {
        return None;
    }
    let on = if os.buildpack {
        format!("{} with buildpack-deps", os.distro.label())
    } else if os.exact {
        os.distro.label().to_string()
    } else {
        format!("{} (assumed)", os.distro.label())
    };
    let mut basis = format!(
        "estimate: {named} OS package(s) as the Installed-Size of what they need that {on} lacks"
    );
    if recommends > 0 {
        basis.push_str(&format!(
            ", {} of it recommendations",
            format_bytes(recommends)
        ));
    }
    if assumed > 0 {
        basis.push_str(&format!(
            ", packages missing from the {} package lists at {} each",
            apt::table_date(),
            format_bytes(UNKNOWN_OS_PACKAGE)
        ));
    }
    Some(Cost {
        bytes,
        basis,
        assumed,
        download: 0,
    })
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
                bytecode: true,
            })
            .collect();
        let c = python_cost(&sized, TorchContext::default(), &[]).unwrap();
        let mut all = Installs::default();
        for n in ["torch", "sentence-transformers", "fastapi", "numpy"] {
            all.add(n, false);
        }
        // Each distribution once, torch as the CUDA build.
        assert_eq!(c.bytes, all.installed_bytes(|_| false));
        assert_eq!(c.download, all.wheel_bytes(|_| false));
        assert!(c.bytes > packages::cuda_torch_bytes());
        let c = python_cost(
            &sized,
            TorchContext {
                cpu: true,
                ..Default::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(
            c.bytes,
            700_000_000 + all.installed_bytes(packages::is_cuda_torch_part)
        );
        // A dependent alone keeps the torch already there.
        let st = [Sized {
            requirement: &r[1],
            no_deps: false,
            bytecode: true,
        }];
        let c = python_cost(
            &st,
            TorchContext {
                present: Some(4),
                ..Default::default()
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
            bytecode: true,
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
