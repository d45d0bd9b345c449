//! Installed and downloaded sizes of Python distributions, and what each
//! installs with it, measured from real wheels by
//! `bench/distribution-sizes.sh` (see its header for how; the tables carry
//! the date and the interpreter). Sizes are of the newest release on the
//! day of the measurement, for CPython 3.11 on Linux x86_64: a pinned older
//! release is sized as the newest one.
//!
//! Read on first use; commands that never size installs pay nothing.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::python::normalize_name;

const SIZES: &str = include_str!("../data/distributions.tsv");
const CLOSURES: &str = include_str!("../data/closures.tsv");

/// One measured distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distribution {
    pub name: &'static str,
    pub version: &'static str,
    /// The wheel's bytes: what pip's and uv's caches keep of it.
    pub wheel_bytes: u64,
    /// Its files installed alone, `.pyc` included.
    pub installed_bytes: u64,
    /// The `.pyc` part of `installed_bytes`: what an install that compiles
    /// no bytecode (uv's default) does not write.
    pub pyc_bytes: u64,
}

fn sizes() -> &'static HashMap<&'static str, Distribution> {
    static TABLE: OnceLock<HashMap<&str, Distribution>> = OnceLock::new();
    TABLE.get_or_init(|| {
        SIZES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut c = l.split('\t');
                let d = Distribution {
                    name: c.next()?,
                    version: c.next()?,
                    wheel_bytes: c.next()?.parse().ok()?,
                    installed_bytes: c.next()?.parse().ok()?,
                    pyc_bytes: c.nth(1)?.parse().ok()?,
                };
                Some((d.name, d))
            })
            .collect()
    })
}

fn closures() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static TABLE: OnceLock<HashMap<&str, Vec<&str>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CLOSURES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, deps) = l.split_once('\t')?;
                Some((name, deps.split(' ').filter(|d| !d.is_empty()).collect()))
            })
            .collect()
    })
}

/// The measured sizes of one distribution (any spelling of its name).
pub fn distribution(name: &str) -> Option<Distribution> {
    sizes().get(normalize_name(name).as_str()).copied()
}

/// Every distribution installing `name` installs, itself included, when
/// the table resolved it.
pub fn closure(name: &str) -> Option<&'static [&'static str]> {
    closures()
        .get(normalize_name(name).as_str())
        .map(Vec::as_slice)
}

/// How many distributions are measured, and how many top-level names have
/// their dependencies resolved.
pub fn counts() -> (usize, usize) {
    (sizes().len(), closures().len())
}

/// When the tables were measured (`YYYY-MM-DD`).
pub fn table_date() -> &'static str {
    SIZES
        .lines()
        .find_map(|l| {
            l.strip_prefix("# measured ")
                .and_then(|r| r.split_whitespace().next())
        })
        .unwrap_or("unknown")
}

/// What a set of requirements installs, each distribution once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installs {
    /// Measured distributions, by name.
    pub distributions: BTreeSet<&'static str>,
    /// Requested names the tables do not know.
    pub unknown: Vec<String>,
}

impl Installs {
    /// Adds a requirement: its whole closure, or itself alone with
    /// `no_deps` (as `pip install --no-deps` does).
    pub fn add(&mut self, name: &str, no_deps: bool) {
        let n = normalize_name(name);
        match (closure(&n), distribution(&n)) {
            (Some(all), _) if !no_deps => self.distributions.extend(all.iter().copied()),
            (_, Some(d)) => {
                self.distributions.insert(d.name);
            }
            (Some(all), None) => {
                if let Some(own) = all.iter().find(|d| **d == n) {
                    self.distributions.insert(own);
                }
            }
            (None, None) => {
                if !self.unknown.contains(&n) {
                    self.unknown.push(n);
                }
            }
        }
    }

    /// Installed bytes of the measured distributions, except those `skip` names.
    pub fn installed_bytes(&self, skip: impl Fn(&str) -> bool) -> u64 {
        self.each(skip).map(|d| d.installed_bytes).sum()
    }

    /// The `.pyc` part of [`Installs::installed_bytes`].
    pub fn pyc_bytes(&self, skip: impl Fn(&str) -> bool) -> u64 {
        self.each(skip).map(|d| d.pyc_bytes).sum()
    }

    /// Wheel bytes of the measured distributions, except those `skip` names.
    pub fn wheel_bytes(&self, skip: impl Fn(&str) -> bool) -> u64 {
        self.each(skip).map(|d| d.wheel_bytes).sum()
    }

    fn each(&self, skip: impl Fn(&str) -> bool) -> impl Iterator<Item = Distribution> {
        self.distributions
            .iter()
            .filter(move |n| !skip(n))
            .filter_map(|n| distribution(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_read() {
        let (measured, resolved) = counts();
        assert!(measured >= 300 && resolved >= 300, "{measured} {resolved}");
        assert_ne!(table_date(), "unknown");
        let torch = closure("torch").unwrap();
        assert!(torch.contains(&"torch") && torch.iter().any(|d| d.starts_with("nvidia-")));
        let t = distribution("Torch").unwrap();
        assert!(t.installed_bytes > t.wheel_bytes && t.wheel_bytes > 100_000_000);
        // A pure-Python distribution's bytecode is a large part of it.
        let f = distribution("fastapi").unwrap();
        assert!(f.pyc_bytes > f.installed_bytes / 4 && f.pyc_bytes < f.installed_bytes);
        // Shared dependencies count once.
        let mut both = Installs::default();
        both.add("transformers", false);
        both.add("sentence-transformers", false);
        let mut one = Installs::default();
        one.add("sentence-transformers", false);
        assert_eq!(both.installed_bytes(|_| false), {
            let mut u = one.clone();
            u.add("transformers", false);
            u.installed_bytes(|_| false)
        });
        let mut alone = Installs::default();
        alone.add("sentence-transformers", true);
        assert!(alone.installed_bytes(|_| false) < 100_000_000);
        alone.add("no-such-distribution-here", false);
        assert_eq!(alone.unknown, ["no-such-distribution-here"]);
    }
}
