//! `slim` with `--drop` rules on an image the test kit writes: what each
//! class removes, worked out by hand; what is never removed (the
//! entrypoint, the user's home, licences, installation records, a uv cache
//! file's bytes that site-packages hard-links); the audit; and the output's
//! final filesystem is the source's without exactly the audited paths.

use std::collections::BTreeSet;

use ballast_image::layer::EntryKind;
use ballast_image::slim::{AuditLine, DropRules, SlimOptions, SlimReport, write_oci};
use ballast_image::{LoadOptions, load};
use ballast_ml::droppable::DropClass;
use ballast_testkit::image::{Entry, Format, ImageSpec, Layer, text, zeros};
use serde_json::json;

const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn dirs(paths: &[&str]) -> Vec<Entry> {
    paths.iter().map(|p| Entry::Dir(p.to_string())).collect()
}

fn spec() -> ImageSpec {
    let s = |p: &str| format!("{SITE}/{p}");
    let mut base = dirs(&["etc", "home", "home/app", "usr", "usr/share"]);
    base.extend([
        text(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        ),
        Entry::Dir("usr/share/doc".into()),
        Entry::Dir("usr/share/doc/curl".into()),
        text("usr/share/doc/curl/copyright", "licence"),
        zeros("usr/share/doc/curl/changelog.gz", 2_000),
        Entry::Dir("usr/share/man".into()),
        Entry::Dir("usr/share/man/man1".into()),
        zeros("usr/share/man/man1/ls.1.gz", 500),
    ]);
    let mut install = dirs(&[
        "root",
        "root/.cache",
        "root/.cache/pip",
        "root/.cache/pip/http",
        "root/.cache/uv",
        "root/.cache/uv/archive",
        "usr/local",
        "usr/local/lib",
        "usr/local/lib/python3.11",
        SITE,
        &s("pkg"),
        &s("pkg/__pycache__"),
        &s("pkg/tests"),
        &s("pkg-1.0.dist-info"),
        "home/app/.cache",
        "home/app/.cache/huggingface",
        "home/app/.cache/huggingface/hub",
        "opt",
        "opt/tools",
    ]);
    install.extend([
        zeros("root/.cache/pip/http/a", 100_000),
        zeros("root/.cache/uv/archive/torch.so", 50_000),
        Entry::Hardlink(s("torch.so"), "root/.cache/uv/archive/torch.so".into()),
        text(&s("pkg/__init__.py"), "x = 1"),
        zeros(&s("pkg/__pycache__/__init__.cpython-311.pyc"), 700),
        zeros(&s("pkg/tests/test_a.py"), 300),
        text(&s("pkg-1.0.dist-info/RECORD"), "pkg/__init__.py,,"),
        zeros("home/app/.cache/huggingface/hub/blob", 10_000),
        text("opt/tools/run.sh", "#!/bin/sh"),
        zeros("opt/tools/big.bin", 4_000),
    ]);
    let mut spec = ImageSpec::new(vec![
        Layer::new("base", base),
        Layer::new("RUN uv pip install pkg", install),
        Layer::new(
            "RUN rm -rf /root/.cache/pip",
            vec![Entry::Whiteout("root/.cache/pip".into())],
        ),
    ]);
    spec.config_extra = Some(json!({"config": {
        "Env": spec.env,
        "Entrypoint": ["/opt/tools/run.sh"],
        "User": "app",
    }}));
    spec
}

fn rules() -> DropRules {
    DropRules {
        classes: vec![
            DropClass::PipCache,
            DropClass::UvCache,
            DropClass::Pycache,
            DropClass::Docs,
            DropClass::Tests,
            DropClass::HfCache,
        ],
        paths: vec!["/opt/tools/**".into()],
    }
}

fn slim(work: &std::path::Path, rules: DropRules) -> (SlimReport, Vec<AuditLine>, String) {
    let src = work.join("src");
    spec().write(Format::OciLayout, &src).unwrap();
    let dest = work.join("out");
    let audit = work.join("audit.jsonl");
    let opts = SlimOptions {
        drop: rules,
        audit: Some(audit.clone()),
        ..SlimOptions::default()
    };
    let report = write_oci(&format!("oci:{}", src.display()), &dest, &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    let lines = std::fs::read_to_string(&audit).unwrap();
    let audit = lines
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            AuditLine {
                path: v["path"].as_str().unwrap().into(),
                kind: match v["kind"].as_str().unwrap() {
                    "file" => "file",
                    "dir" => "dir",
                    "hardlink" => "hardlink",
                    other => panic!("{other}"),
                },
                bytes: v["bytes"].as_u64().unwrap(),
                class: v["class"].as_str().unwrap().into(),
                layer: v["layer"].as_u64().unwrap() as usize,
                kept_at: v["kept_at"].as_str().map(String::from),
            }
        })
        .collect();
    (report, audit, format!("oci:{}", dest.display()))
}

/// The final filesystem's paths, and the regular files' sizes.
fn final_paths(reference: &str) -> BTreeSet<(String, Option<u64>)> {
    let image = load(reference, &LoadOptions::default()).unwrap();
    let mut tree = ballast_image::tree::FileTree::new();
    for l in image.layers {
        tree.apply(l.scan.entries);
    }
    let mut out = BTreeSet::new();
    tree.describe(|p, what| {
        let size = what
            .strip_prefix("file ")
            .and_then(|w| w.split(' ').next()?.parse().ok());
        out.insert((p.to_string(), size));
    });
    out
}

#[test]
fn each_class_removes_what_was_worked_out_by_hand() {
    let work = tempfile::tempdir().unwrap();
    let (report, audit, _) = slim(work.path(), rules());
    let s = |p: &str| format!("{SITE}/{p}");
    let removed: BTreeSet<(String, &str, u64)> = audit
        .iter()
        .map(|a| (a.path.clone(), a.class.as_str(), a.bytes))
        .collect();
    let want: BTreeSet<(String, &str, u64)> = [
        // Deleted by the last layer: unreachable, whatever the rules.
        ("root/.cache/pip".to_string(), "unreachable", 0),
        ("root/.cache/pip/http".into(), "unreachable", 0),
        ("root/.cache/pip/http/a".into(), "unreachable", 100_000),
        // The uv cache goes, its file's bytes stay at the link.
        ("root/.cache/uv".into(), "uv-cache", 0),
        ("root/.cache/uv/archive".into(), "uv-cache", 0),
        ("root/.cache/uv/archive/torch.so".into(), "uv-cache", 0),
        (s("pkg/__pycache__"), "pycache", 0),
        (
            s("pkg/__pycache__/__init__.cpython-311.pyc"),
            "pycache",
            700,
        ),
        (s("pkg/tests"), "tests", 0),
        (s("pkg/tests/test_a.py"), "tests", 300),
        // The changelog goes, the copyright stays, so does its directory.
        ("usr/share/doc/curl/changelog.gz".into(), "docs", 2_000),
        ("usr/share/man".into(), "docs", 0),
        ("usr/share/man/man1".into(), "docs", 0),
        ("usr/share/man/man1/ls.1.gz".into(), "docs", 500),
        // The cache in the user's home goes; the home stays.
        ("home/app/.cache/huggingface".into(), "hf-cache", 0),
        ("home/app/.cache/huggingface/hub".into(), "hf-cache", 0),
        (
            "home/app/.cache/huggingface/hub/blob".into(),
            "hf-cache",
            10_000,
        ),
        // The glob's match goes, the entrypoint beside it stays.
        ("opt/tools/big.bin".into(), "path:/opt/tools/**", 4_000),
    ]
    .into_iter()
    .collect();
    assert_eq!(removed, want);
    let uv = audit
        .iter()
        .find(|a| a.path.ends_with("archive/torch.so"))
        .unwrap();
    assert_eq!(uv.kept_at, Some(s("torch.so")));
    assert!(audit.iter().all(|a| a.layer == 1 || a.layer == 0));

    let by_class: Vec<(&str, usize, u64)> = report
        .classes
        .iter()
        .map(|c| (c.class.as_str(), c.entries, c.bytes))
        .collect();
    assert_eq!(
        by_class,
        [
            ("unreachable", 3, 100_000),
            ("hf-cache", 3, 10_000),
            ("path:/opt/tools/**", 1, 4_000),
            ("docs", 4, 2_500),
            ("pycache", 2, 700),
            ("tests", 2, 300),
            ("uv-cache", 3, 0),
        ]
    );
    // The totals add up, and are what the stored bytes lost.
    let total: u64 = report.classes.iter().map(|c| c.bytes).sum();
    assert_eq!(total, 117_500);
    assert_eq!(report.stored_before - report.stored_after, total);
    assert_eq!(report.final_bytes - report.final_bytes_after, 17_500);
}

#[test]
fn the_output_is_the_source_without_exactly_the_audited_paths() {
    let work = tempfile::tempdir().unwrap();
    let (_, audit, out) = slim(work.path(), rules());
    let before = final_paths(&format!("oci:{}", work.path().join("src").display()));
    let after = final_paths(&out);
    let audited: BTreeSet<&str> = audit
        .iter()
        .filter(|a| a.class != "unreachable")
        .map(|a| a.path.as_str())
        .collect();
    let gone: BTreeSet<&str> = before.difference(&after).map(|(p, _)| p.as_str()).collect();
    assert_eq!(gone, audited);
    // Nothing new, save the uv file's bytes now stored at its link (the
    // same path and size as before: not a difference).
    assert!(after.is_subset(&before));
    let s = |p: &str| format!("{SITE}/{p}");
    for kept in [
        ("opt/tools/run.sh".to_string(), Some(9)),
        ("usr/share/doc/curl/copyright".into(), Some(7)),
        (s("pkg-1.0.dist-info/RECORD"), Some(17)),
        (s("torch.so"), Some(50_000)),
        ("home/app".into(), None),
        ("root/.cache".into(), None),
    ] {
        assert!(after.contains(&kept), "{kept:?} kept");
    }
}

#[test]
fn without_rules_only_unreachable_bytes_go() {
    let work = tempfile::tempdir().unwrap();
    let (report, audit, _) = slim(work.path(), DropRules::default());
    assert!(audit.iter().all(|a| a.class == "unreachable"));
    assert_eq!(audit.len(), 3);
    assert_eq!(report.final_bytes, report.final_bytes_after);
}

#[test]
fn a_hard_link_into_a_lower_layer_file_the_rules_remove_is_refused() {
    use ballast_image::slim::{Reason, plan_with};
    let e = |p: &str, kind| ballast_image::layer::Entry {
        path: p.as_bytes().into(),
        kind,
        captured: None,
    };
    let lower = vec![e("cache/x", EntryKind::File(10))];
    let upper = vec![e("app/x", EntryKind::Hardlink("cache/x".as_bytes().into()))];
    let layers: Vec<&[_]> = vec![&lower, &upper];
    let choose = |p: &[u8], _dir: bool| p.starts_with(b"cache/").then_some(Reason::Path(0));
    let err = plan_with(&layers, &choose).unwrap_err().to_string();
    assert!(err.contains("app/x points at cache/x"), "{err}");
}
