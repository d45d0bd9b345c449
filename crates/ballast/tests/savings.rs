//! Totals that count each thing once and never exceed the image (issue
//! 15): the pip cache an install leaves is named by `pip-cache-kept` and by
//! `cleanup-in-later-layer` where a later RUN deletes it, the apt lists by
//! `apt-lists-kept` and the cleanup; the summary's saving is the predicted
//! image less the image with the fixes applied.

mod common;

use std::collections::BTreeMap;

use common::{ballast, run, write};
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

/// One corpus Dockerfile's figures.
struct Figures {
    name: String,
    /// The model's saving: the image less the image with every fix.
    total: u64,
    /// What the changes ballast advises but does not write save besides.
    advised: u64,
    predicted: u64,
    safe: u64,
    after: u64,
    /// The findings' image savings, each thing counted once.
    once: u64,
    /// Their plain sum.
    sum: u64,
}

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
        Figures {
            name: format!("{}/{}", job.project, job.file()),
            total: v["summary"]["savings"]["image_bytes"].as_u64().unwrap(),
            advised: v["summary"]["savings"]["advised_image_bytes"]
                .as_u64()
                .unwrap(),
            predicted: get("predicted_bytes"),
            safe: get("safe_after_fixes_bytes"),
            after: get("predicted_after_fixes_bytes"),
            once: own + things.values().sum::<u64>(),
            sum: found.iter().map(|f| f.1).sum(),
        }
    })
}

#[test]
#[cfg_attr(
    ballast_no_corpus,
    ignore = "needs the conformance corpus: ../shared/corpus or $BALLAST_CORPUS"
)]
fn corpus_savings_never_exceed_the_image() {
    let results = corpus_figures();
    let mut deduplicated = 0;
    let mut advised = 0;
    for f in &results {
        let name = &f.name;
        assert_eq!(f.total, f.predicted.saturating_sub(f.after), "{name}");
        // A fix may add a little: deps-installed-after-code copies the
        // dependency manifests before the code, so their bytes are stored twice.
        assert!(
            f.after <= f.predicted + 1_000_000 && f.safe <= f.predicted + 1_000_000,
            "{name}: a fix makes the image larger: {} -> safe {}, all {}",
            f.predicted,
            f.safe,
            f.after
        );
        // The findings add up to at most the fixes' total and the advice.
        assert!(
            f.once <= f.total + f.advised,
            "{name}: the findings save {} but the fixes {} and the advice {}",
            f.once,
            f.total,
            f.advised
        );
        assert!(
            f.total + f.advised <= f.predicted,
            "{name}: {} + {} saved of a {}-byte image",
            f.total,
            f.advised,
            f.predicted
        );
        assert!(f.once <= f.sum, "{name}");
        if f.once < f.sum {
            deduplicated += 1;
        }
        if f.advised > 0 {
            advised += 1;
        }
    }
    eprintln!(
        "{} Dockerfiles, {deduplicated} with a thing two findings name, {advised} with advice",
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
    let basis =
        ballast_testkit::json_item(&v["findings"], "name", "pip-cache-kept")["savings"]["basis"]
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

/// `lint --format json --image` of `dir`'s Dockerfile with `spec` written as
/// a docker archive in `dir`: the report and the archive's path.
fn lint_with_image(
    dir: &std::path::Path,
    spec: &ballast_testkit::image::ImageSpec,
) -> (Value, std::path::PathBuf) {
    let archive = dir.join("image.tar");
    spec.write(ballast_testkit::image::Format::DockerArchive, &archive)
        .unwrap();
    let out = ballast(dir)
        .args(["lint", "--format", "json", "--image"])
        .arg(&archive)
        .arg("Dockerfile")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v, archive)
}

/// With `--image`, each step the image's history names takes its layer's
/// bytes and the layers below the first step are the base: the prediction
/// is the built image, and the basis says so.
#[test]
fn a_built_image_calibrates_every_step() {
    use ballast_testkit::image::{ImageSpec, Layer, text, zeros};
    let d = tempfile::tempdir().unwrap();
    let dockerfile = "FROM python:3.11-slim\nWORKDIR /app\nRUN pip install fastapi\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n";
    write(
        d.path(),
        &[("Dockerfile", dockerfile), ("app.py", "print('hi')\n")],
    );
    let spec = ImageSpec::new(vec![
        Layer::new("ADD file:abc in / ", vec![zeros("usr/lib/base.so", 70_000)]),
        Layer::new(
            "RUN /bin/sh -c set -eux; python",
            vec![zeros("usr/local/lib/libpython.so", 30_000)],
        ),
        Layer::new(
            "RUN /bin/sh -c pip install fastapi # buildkit",
            vec![zeros(
                "usr/local/lib/python3.11/site-packages/fastapi/x.so",
                12_345,
            )],
        ),
        Layer::new(
            "COPY app.py . # buildkit",
            vec![text("app/app.py", "print('hi')\n")],
        ),
    ]);
    let (v, archive) = lint_with_image(d.path(), &spec);
    let img = &v["images"][0];
    let step = |line: u64| {
        ballast_testkit::json_item(&img["steps"], "line", line)["bytes"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(step(3), 12_345, "{img}");
    assert_eq!(step(4), 12, "{img}");
    assert_eq!(img["base"]["bytes"], 100_000, "{img}");
    assert_eq!(img["predicted_bytes"], 100_000 + 12_345 + 12);
    assert_eq!(img["measured_bytes"], 100_000 + 12_345 + 12);
    let summary = &v["summary"]["image"];
    assert_eq!(summary["measured_bytes"], 100_000 + 12_345 + 12);
    assert!(
        summary["basis"]
            .as_str()
            .unwrap()
            .starts_with("measured: 2 of"),
        "{summary}"
    );
    // The safe fix changes the install's text: that step is estimated
    // again (without a cache), the rest stays measured.
    let safe = summary["safe_after_fixes_bytes"].as_u64().unwrap();
    assert!(safe > 100_000, "{summary}");
    // More than one Dockerfile with one image is refused.
    run(
        ballast(d.path())
            .args(["lint", "--image"])
            .arg(&archive)
            .args(["Dockerfile", "Dockerfile"]),
        2,
    );
}

/// With `--image`, the savings of cache and cleanup findings are what the
/// image holds: the pip cache the install's layer stores, the lists and the
/// copied archive the later `rm` hides (its layer's whiteouts), exactly.
#[test]
fn a_built_image_makes_cache_and_cleanup_savings_exact() {
    use ballast_testkit::image::{Entry, ImageSpec, Layer, zeros};
    let d = tempfile::tempdir().unwrap();
    let dockerfile = "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN pip install fastapi\nCOPY model.tar.gz /tmp/\nRUN mkdir -p /srv && tar -xzf /tmp/model.tar.gz -C /srv\nRUN rm -rf /var/lib/apt/lists/* /tmp/model.tar.gz\nCMD [\"python\"]\n";
    let archive_bytes = "x".repeat(3_000);
    write(
        d.path(),
        &[("Dockerfile", dockerfile), ("model.tar.gz", &archive_bytes)],
    );
    let run = |cmd: &str| format!("RUN /bin/sh -c {cmd} # buildkit");
    let spec = ImageSpec::new(vec![
        Layer::new("ADD file:abc in / ", vec![zeros("usr/lib/base.so", 70_000)]),
        Layer::new(
            &run("apt-get update && apt-get install -y --no-install-recommends curl"),
            vec![
                zeros("var/lib/apt/lists/deb.debian.org_Packages", 40_000),
                zeros("usr/bin/curl", 5_000),
            ],
        ),
        Layer::new(
            &run("pip install fastapi"),
            vec![
                zeros("root/.cache/pip/http-v2/a/b/c", 7_777),
                zeros(
                    "usr/local/lib/python3.11/site-packages/fastapi/x.so",
                    12_345,
                ),
            ],
        ),
        Layer::new(
            "COPY model.tar.gz /tmp/ # buildkit",
            vec![zeros("tmp/model.tar.gz", 3_000)],
        ),
        Layer::new(
            &run("mkdir -p /srv && tar -xzf /tmp/model.tar.gz -C /srv"),
            vec![zeros("srv/model.bin", 9_000)],
        ),
        Layer::new(
            &run("rm -rf /var/lib/apt/lists/* /tmp/model.tar.gz"),
            vec![
                Entry::Whiteout("var/lib/apt/lists/deb.debian.org_Packages".into()),
                Entry::Whiteout("tmp/model.tar.gz".into()),
            ],
        ),
    ]);
    let (v, _) = lint_with_image(d.path(), &spec);
    let findings = v["findings"].as_array().unwrap();
    let saving = |rule: &str, line: u64, what: &str| {
        let f = findings
            .iter()
            .find(|f| {
                f["name"] == rule
                    && f["line"] == line
                    && f["message"].as_str().unwrap().contains(what)
            })
            .unwrap_or_else(|| panic!("no {rule} on line {line}: {v:#}"));
        let s = &f["savings"];
        assert!(
            s["basis"].as_str().unwrap().starts_with("measured"),
            "{f:#}"
        );
        s["bytes"].as_u64().unwrap()
    };
    assert_eq!(saving("pip-cache-kept", 3, "pip"), 7_777);
    assert_eq!(saving("cleanup-in-later-layer", 6, "lists"), 40_000);
    assert_eq!(saving("cleanup-in-later-layer", 6, "model.tar.gz"), 3_000);
    assert_eq!(saving("apt-lists-kept", 2, "lists"), 40_000);
    // The image with the safe fixes (lists removed where they are made,
    // no pip cache) stores exactly the measured lists and cache less.
    let summary = &v["summary"]["image"];
    let predicted = summary["predicted_bytes"].as_u64().unwrap();
    assert_eq!(predicted, 70_000 + 45_000 + 7_777 + 12_345 + 3_000 + 9_000);
    let safe = summary["safe_after_fixes_bytes"].as_u64().unwrap();
    assert_eq!(predicted.checked_sub(safe), Some(47_777), "{summary}");
    // The advice beyond the fixes: the copied archive the later layer hides
    // (the lists are the fix's already).
    assert_eq!(
        v["summary"]["savings"]["advised_image_bytes"], 3_000,
        "{:#}",
        v["summary"]
    );
}

/// A fix is sized with the other fixes made, by the model: on the full
/// python image build-essential costs nothing (buildpack-deps has it), so
/// the slim base saves the bases' difference less what build-essential adds
/// on slim; alone, the rule would claim the whole difference.
#[test]
fn a_finding_saves_its_marginal_effect_in_the_model() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir fastapi\nCMD [\"python\"]\n",
        )],
    );
    let v = lint(d.path());
    let found = by_rule(&v);
    let base = found
        .iter()
        .find(|f| f.0 == "full-python-base")
        .unwrap_or_else(|| panic!("{found:?}"));
    let total = v["summary"]["savings"]["image_bytes"].as_u64().unwrap();
    assert_eq!(base.1, total, "the one fix saves the model's total: {v}");
    let basis =
        ballast_testkit::json_item(&v["findings"], "name", "full-python-base")["savings"]["basis"]
            .as_str()
            .unwrap()
            .to_string();
    let alone = basis
        .split("(alone: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{basis}"));
    let alone = ballast_ml::units::parse_bytes(alone.trim_end_matches(')')).unwrap();
    assert!(
        base.1 + 100_000_000 < alone,
        "{} vs alone {alone}: {basis}",
        base.1
    );
}

/// A finding without a fix ballast writes is advice: the fixes' total
/// leaves it out, `advised_image_bytes` states it.
#[test]
fn advice_is_stated_apart_from_the_fixes() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir fastapi\nCMD [\"python\"]\n",
        )],
    );
    let v = lint(d.path());
    let found = by_rule(&v);
    // A multi-stage build would leave the compilers behind: no text fix.
    let tools = found
        .iter()
        .find(|f| f.0 == "no-multistage-with-build-deps")
        .unwrap_or_else(|| panic!("{found:?}"));
    let savings = &v["summary"]["savings"];
    let advised = savings["advised_image_bytes"].as_u64().unwrap();
    assert_eq!(advised, tools.1, "{v}");
    assert!(tools.1 > 100_000_000, "{v}");
    let image = &v["summary"]["image"];
    let predicted = image["predicted_bytes"].as_u64().unwrap();
    let after = image["predicted_after_fixes_bytes"].as_u64().unwrap();
    assert_eq!(savings["image_bytes"].as_u64().unwrap(), predicted - after);
    assert!(savings["image_bytes"].as_u64().unwrap() + advised <= predicted);
}

/// `fix` states the image before and after in the figures `lint` gives:
/// the same model, the safe fixes by default, every fix with
/// `--unsafe-fixes`.
#[test]
fn fix_states_the_image_lint_predicts() {
    use ballast_ml::units::format_bytes;
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Dockerfile",
            "FROM python:3.11\nRUN pip install fastapi numpy\nCMD [\"python\"]\n",
        )],
    );
    let v = lint(d.path());
    let image = &v["summary"]["image"];
    let figure = |k: &str| format_bytes(image[k].as_u64().unwrap());
    for (flags, after) in [
        (vec!["--check"], figure("safe_after_fixes_bytes")),
        (
            vec!["--check", "--unsafe-fixes"],
            figure("predicted_after_fixes_bytes"),
        ),
    ] {
        let out = ballast(d.path())
            .arg("fix")
            .args(&flags)
            .arg("Dockerfile")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let want = format!(
            "Dockerfile: image about {} before, about {after} after",
            figure("predicted_bytes")
        );
        assert!(text.contains(&want), "{flags:?}: {want}\n{text}");
    }
}
