//! Totals that count each thing once and never exceed the image (issue
//! 15): the pip cache an install leaves is named by `pip-cache-kept` and by
//! `cleanup-in-later-layer` where a later RUN deletes it, the apt lists by
//! `apt-lists-kept` and the cleanup; the summary's saving is the predicted
//! image less the image with the fixes applied.

mod common;

use std::collections::BTreeMap;

use common::{ballast, write};
use serde_json::Value;

fn lint(dir: &std::path::Path) -> Value {
    let out = ballast(dir)
        .args(["lint", "--format", "json", "Dockerfile"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A finding's image saving: rule name, bytes, shared things with their bytes.
type Saved = (String, u64, Vec<(String, u64)>);

/// The image savings of each finding, by rule name.
fn by_rule(v: &Value) -> Vec<Saved> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["savings"]["kind"] == "image")
        .map(|f| {
            let things = f["savings"]["shared"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            (
                                t["thing"].as_str().unwrap().to_string(),
                                t["bytes"].as_u64().unwrap(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                f["name"].as_str().unwrap().to_string(),
                f["savings"]["bytes"].as_u64().unwrap(),
                things,
            )
        })
        .collect()
}

#[test]
fn a_cache_deleted_later_is_counted_once() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN pip install fastapi==0.115.5 numpy\nRUN rm -rf /root/.cache/pip /var/lib/apt/lists/*\nCMD [\"python\"]\n",
        )],
    );
    let v = lint(d.path());
    let found = by_rule(&v);
    let rule = |name: &str| -> Vec<&Saved> { found.iter().filter(|f| f.0 == name).collect() };
    let pip = rule("pip-cache-kept");
    let lists = rule("apt-lists-kept");
    let cleanups = rule("cleanup-in-later-layer");
    assert_eq!((pip.len(), lists.len()), (1, 1), "{found:?}");
    assert_eq!(pip[0].2, vec![("/root/.cache/pip@3".to_string(), pip[0].1)]);
    assert_eq!(
        lists[0].2,
        vec![("/var/lib/apt/lists@2".to_string(), lists[0].1)]
    );
    // The cleanup names both things, with the same figures.
    let named: Vec<&(String, u64)> = cleanups.iter().flat_map(|c| &c.2).collect();
    assert!(
        named.contains(&&pip[0].2[0]) && named.contains(&&lists[0].2[0]),
        "{found:?}"
    );
    // The total is the model's: the image less the image with the fixes,
    // which drop the cache and the lists once each.
    let without_cleanups: u64 = found
        .iter()
        .filter(|f| f.0 != "cleanup-in-later-layer")
        .map(|f| f.1)
        .sum();
    let image = &v["summary"]["image"];
    let predicted = image["predicted_bytes"].as_u64().unwrap();
    let after = image["predicted_after_fixes_bytes"].as_u64().unwrap();
    assert_eq!(
        v["summary"]["savings"]["image_bytes"].as_u64().unwrap(),
        predicted - after
    );
    assert_eq!(predicted - after, without_cleanups, "{v}");
}

/// One corpus Dockerfile's figures: (name, the model's total saving, the
/// predicted image, after the safe fixes, after all fixes, the findings'
/// image savings each thing counted once, their plain sum).
type Figures = (String, u64, u64, u64, u64, u64, u64);

fn corpus_figures() -> Vec<Figures> {
    let Some(corpus) = common::corpus::corpus() else {
        return Vec::new();
    };
    let jobs = common::corpus::jobs(corpus);
    common::corpus::run_all(&jobs, |job| {
        let out = common::corpus::ballast(
            &job.root,
            &[
                "lint",
                "--format",
                "json",
                "--context",
                job.context(),
                job.file(),
            ],
        );
        let v = common::corpus::json(&out, job.file());
        let found = by_rule(&v);
        let image = &v["summary"]["image"];
        let get = |k: &str| {
            image[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: summary.image.{k}: {v}", job.file()))
        };
        // Every finding's figure, each shared thing once at its largest.
        let mut things: BTreeMap<&str, u64> = BTreeMap::new();
        let mut own = 0;
        for (_, bytes, shared) in &found {
            let mut rest = *bytes;
            for (t, part) in shared {
                let e = things.entry(t.as_str()).or_default();
                *e = (*e).max(*part);
                rest = rest.saturating_sub(*part);
            }
            own += rest;
        }
        (
            format!("{}/{}", job.project, job.file()),
            v["summary"]["savings"]["image_bytes"].as_u64().unwrap(),
            get("predicted_bytes"),
            get("safe_after_fixes_bytes"),
            get("predicted_after_fixes_bytes"),
            own + things.values().sum::<u64>(),
            found.iter().map(|f| f.1).sum(),
        )
    })
}

#[test]
fn corpus_savings_never_exceed_the_image() {
    let results = corpus_figures();
    let mut deduplicated = 0;
    for (name, total, predicted, safe, after, once, sum) in &results {
        assert_eq!(*total, predicted.saturating_sub(*after), "{name}");
        // A fix may add a little: deps-installed-after-code copies the
        // dependency manifests before the code, so their bytes are stored twice.
        assert!(
            *after <= predicted + 1_000_000 && *safe <= predicted + 1_000_000,
            "{name}: a fix makes the image larger: {predicted} -> safe {safe}, all {after}"
        );
        assert!(
            once <= predicted,
            "{name}: the findings save {once} of a {predicted}-byte image"
        );
        assert!(once <= sum, "{name}");
        if once < sum {
            deduplicated += 1;
        }
    }
    eprintln!(
        "{} Dockerfiles, {deduplicated} with a thing two findings name",
        results.len()
    );
}

#[test]
fn the_cache_of_torch_is_sized_as_the_cpu_build_the_other_fix_installs() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nRUN pip install torch==2.4.1\nCMD [\"python\"]\n",
        )],
    );
    let v = lint(d.path());
    let found = by_rule(&v);
    let get = |name: &str| {
        found
            .iter()
            .find(|f| f.0 == name)
            .unwrap_or_else(|| panic!("{found:?}"))
    };
    let cuda = get("cuda-torch-without-gpu");
    let cache = get("pip-cache-kept");
    // CPU torch wheels are about 200 MB; the CUDA build's cache is gigabytes.
    assert!(cache.1 < 500_000_000, "{found:?}");
    assert!(cuda.1 > 2_000_000_000, "{found:?}");
    let basis = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "pip-cache-kept")
        .unwrap()["savings"]["basis"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(basis.contains("cuda-torch-without-gpu's fix"), "{basis}");
    // With a GPU signal, the cache is the CUDA build's.
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nENV NVIDIA_VISIBLE_DEVICES=all\nRUN pip install torch==2.4.1\nCMD [\"python\"]\n",
        )],
    );
    let found = by_rule(&lint(d.path()));
    let cache = found.iter().find(|f| f.0 == "pip-cache-kept").unwrap();
    assert!(cache.1 > 1_000_000_000, "{found:?}");
    assert!(!found.iter().any(|f| f.0 == "cuda-torch-without-gpu"));
}
