//! The package delta of two inventories: what was added, removed, or
//! changed version, per ecosystem. Packages are matched by ecosystem and
//! name (Python names the PEP 503 way), so a distribution that moved to
//! another environment is the same package; the versions of all its copies
//! are compared as a set.

use std::collections::{BTreeMap, BTreeSet};

use ballast_ml::python::normalize_name;
use serde::Serialize;

use super::{Ecosystem, Inventory};
use crate::inspection::Distro;

/// Two inventories compared.
#[derive(Debug, Clone, Serialize)]
pub struct SbomDelta {
    pub a: Side,
    pub b: Side,
    /// Per ecosystem: counts on each side and of each kind of change.
    pub ecosystems: Vec<EcosystemDelta>,
    pub added: Vec<Versions>,
    pub removed: Vec<Versions>,
    pub changed: Vec<Change>,
    /// Packages in both with the same versions.
    pub unchanged: usize,
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub name: String,
    pub distro: Option<Distro>,
    pub base: Option<String>,
    pub packages: usize,
}

/// Counts for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcosystemDelta {
    pub ecosystem: Ecosystem,
    pub a: usize,
    pub b: usize,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// A package on one side only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Versions {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub versions: Vec<String>,
}

/// A package on both sides with other versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

type Key = (Ecosystem, String);

/// Name shown, and versions, per package key.
fn index(inv: &Inventory) -> BTreeMap<Key, (String, BTreeSet<String>)> {
    let mut out: BTreeMap<Key, (String, BTreeSet<String>)> = BTreeMap::new();
    for p in &inv.packages {
        let key = match p.ecosystem {
            Ecosystem::Pypi => normalize_name(&p.name),
            _ => p.name.clone(),
        };
        let e = out
            .entry((p.ecosystem, key))
            .or_insert_with(|| (p.name.clone(), BTreeSet::new()));
        e.1.insert(p.version.clone());
    }
    out
}

/// Compares `a` (before) with `b` (after).
pub fn compare(a: &Inventory, b: &Inventory) -> SbomDelta {
    let (ia, ib) = (index(a), index(b));
    let mut delta = SbomDelta {
        a: side(a),
        b: side(b),
        ecosystems: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    let mut counts: BTreeMap<Ecosystem, EcosystemDelta> = BTreeMap::new();
    for (eco, _) in ia.keys() {
        count(&mut counts, *eco).a += 1;
    }
    for (eco, _) in ib.keys() {
        count(&mut counts, *eco).b += 1;
    }
    for (key, (name, before)) in &ia {
        match ib.get(key) {
            None => {
                count(&mut counts, key.0).removed += 1;
                delta.removed.push(versions(key.0, name, before));
            }
            Some((_, after)) if after != before => {
                count(&mut counts, key.0).changed += 1;
                delta.changed.push(Change {
                    ecosystem: key.0,
                    name: name.clone(),
                    from: before.iter().cloned().collect(),
                    to: after.iter().cloned().collect(),
                });
            }
            Some(_) => delta.unchanged += 1,
        }
    }
    for (key, (name, after)) in &ib {
        if !ia.contains_key(key) {
            count(&mut counts, key.0).added += 1;
            delta.added.push(versions(key.0, name, after));
        }
    }
    delta.ecosystems = counts.into_values().collect();
    delta
}

fn count(counts: &mut BTreeMap<Ecosystem, EcosystemDelta>, e: Ecosystem) -> &mut EcosystemDelta {
    counts.entry(e).or_insert(EcosystemDelta {
        ecosystem: e,
        a: 0,
        b: 0,
        added: 0,
        removed: 0,
        changed: 0,
    })
}

fn versions(ecosystem: Ecosystem, name: &str, v: &BTreeSet<String>) -> Versions {
    Versions {
        ecosystem,
        name: name.to_string(),
        versions: v.iter().cloned().collect(),
    }
}

fn side(inv: &Inventory) -> Side {
    Side {
        name: inv.image.name.clone(),
        distro: inv.distro.clone(),
        base: inv.base.as_ref().and_then(|b| b.name.clone()),
        packages: inv.packages.len(),
    }
}

impl SbomDelta {
    /// Whether the two sides hold the same packages at the same versions.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}
