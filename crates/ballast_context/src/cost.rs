//! What a build step costs when it runs again, without an image: COPY/ADD
//! from the context by the bytes they take (measured), RUN by the packages it
//! installs (the dated table of `ballast_ml::packages`), reading requirement
//! files from the context when the install names them.

use ballast_ml::packages;
use ballast_shell::os::{Action, package_command};
use ballast_shell::python::install;
use ballast_shell::requirements::{Requirement, parse_requirements_file};

/// A cost and how it was worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    pub bytes: u64,
    pub basis: String,
}

/// Bytes assumed for a Python package missing from the table.
const UNKNOWN_PYTHON_PACKAGE: u64 = 10_000_000;
/// Bytes assumed for an OS package missing from the table.
const UNKNOWN_OS_PACKAGE: u64 = 15_000_000;

/// The requirements an install names, reading `-r` files (and their
/// includes) through `read`, plus whether a CPU-only torch source is used.
pub fn install_requirements(
    script: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Requirement>, bool, Vec<String>) {
    let mut reqs = Vec::new();
    let mut cpu_index = false;
    let mut files_read = Vec::new();
    for cmd in ballast_shell::parse(script).commands {
        let Some(inst) = install(&cmd) else { continue };
        let is_cpu = |u: &str| u.contains("/whl/cpu") || u.contains("+cpu");
        cpu_index |= inst.index_url.as_deref().is_some_and(is_cpu)
            || inst.extra_index_urls.iter().any(|u| is_cpu(u))
            || inst.torch_backend.as_deref() == Some("cpu");
        reqs.extend(inst.packages.into_iter().map(|(r, _)| r));
        let mut pending = inst.requirement_files.clone();
        let mut depth = 0;
        while let Some(f) = pending.pop() {
            depth += 1;
            if depth > 20 {
                break;
            }
            let Some(text) = read(f.trim_start_matches("./")) else {
                continue;
            };
            files_read.push(f.clone());
            let parsed = parse_requirements_file(&text);
            cpu_index |= parsed.index_url.as_deref().is_some_and(is_cpu)
                || parsed.extra_index_urls.iter().any(|u| is_cpu(u));
            reqs.extend(parsed.requirements.into_iter().map(|(_, r)| r));
            let dir = f.rsplit_once('/').map_or("", |(d, _)| d);
            pending.extend(parsed.includes.into_iter().map(|i| {
                if dir.is_empty() {
                    i
                } else {
                    format!("{dir}/{i}")
                }
            }));
        }
    }
    (reqs, cpu_index, files_read)
}

/// Estimates the bytes a RUN adds to its layer.
pub fn run_cost(script: &str, read: &dyn Fn(&str) -> Option<String>) -> Option<Cost> {
    let (reqs, cpu_index, files) = install_requirements(script, read);
    let mut bytes = 0u64;
    let mut parts = Vec::new();
    let torch = reqs
        .iter()
        .any(|r| packages::brings_torch(&r.name, &r.extras));
    if torch {
        let cpu = cpu_index || reqs.iter().any(|r| r.local_version() == Some("cpu"));
        let t = if cpu {
            packages::installed_size("torch+cpu").map_or(0, |x| x.0)
        } else {
            packages::cuda_torch_bytes()
        };
        bytes += t;
        parts.push(if cpu {
            "torch (CPU build)".to_string()
        } else {
            "torch with its CUDA libraries".to_string()
        });
    }
    let mut unknown = 0;
    for r in &reqs {
        let n = ballast_ml::python::normalize_name(&r.name);
        if packages::TORCH_FAMILY.contains(&n.as_str()) || n.starts_with("nvidia-") || n == "triton"
        {
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
    for cmd in ballast_shell::parse(script).commands {
        if let Some(p) = package_command(&cmd).filter(|p| p.action == Action::Install) {
            for pkg in &p.packages {
                bytes += match pkg.text.as_str() {
                    "build-essential" => {
                        packages::typical("C/C++ toolchain").map_or(UNKNOWN_OS_PACKAGE, |t| t.bytes)
                    }
                    _ => UNKNOWN_OS_PACKAGE,
                };
            }
            parts.push(format!("{} OS package(s)", p.packages.len()));
        }
    }
    if reqs.is_empty() && parts.is_empty() {
        return None;
    }
    let from = if files.is_empty() {
        String::new()
    } else {
        format!(" (from {})", files.join(", "))
    };
    let mut basis = format!("{} Python requirement(s){from}", reqs.len());
    if !parts.is_empty() {
        basis.push_str(&format!("; {}", parts.join(", ")));
    }
    if unknown > 0 {
        basis.push_str(&format!(
            "; {unknown} not in the size table counted as {} MB each",
            UNKNOWN_PYTHON_PACKAGE / 1_000_000
        ));
    }
    basis.push_str("; typical installed sizes, ballast_ml table of 2026-11");
    Some(Cost { bytes, basis })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requirement_files_for_the_cost() {
        let read = |p: &str| match p {
            "requirements.txt" => Some("torch==2.5.1\nfastapi\n-r more.txt\n".to_string()),
            "more.txt" => Some("numpy==1.26.4\n".to_string()),
            _ => None,
        };
        let c = run_cost("pip install -r requirements.txt", &read).unwrap();
        assert_eq!(
            c.bytes,
            packages::cuda_torch_bytes() + UNKNOWN_PYTHON_PACKAGE + 64_669_530
        );
        assert!(c.basis.contains("requirements.txt"), "{}", c.basis);
        let c = run_cost(
            "pip install torch --index-url https://download.pytorch.org/whl/cpu",
            &read,
        )
        .unwrap();
        assert_eq!(c.bytes, 700_000_000);
        assert!(run_cost("echo hi", &read).is_none());
    }
}
