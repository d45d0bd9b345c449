//! `ballast inspect` and `ballast diff` end to end: JSON shape, formats,
//! gates (inclusive limits, config file), standard input, and errors.

mod common;

use std::path::Path;

use ballast_testkit::image::{Entry, Format, ImageSpec, Layer, zeros};
use serde_json::Value;

use common::{ballast, run};

fn image(extra: u64) -> ImageSpec {
    ImageSpec::new(vec![
        Layer::new("ADD base", vec![zeros("usr/bin/python3", 5000)]),
        Layer::new(
            "RUN pip install",
            vec![
                zeros("root/.cache/pip/x", 2_000_000),
                zeros("app/main.py", 100 + extra),
            ],
        ),
        Layer::new(
            "RUN rm -rf /root/.cache/pip",
            vec![Entry::Whiteout("root/.cache/pip".into())],
        ),
    ])
}

fn write(dir: &Path, name: &str, spec: &ImageSpec, format: Format) -> String {
    let path = dir.join(name);
    spec.write(format, &path).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn json_has_the_documented_fields_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "img.tar", &image(0), Format::DockerArchiveOci);
    let out = run(
        ballast(dir.path()).args(["inspect", "--format", "json", &img]),
        0,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    for key in ["reference", "os", "architecture"] {
        assert!(v["image"].get(key).is_some(), "image.{key}");
    }
    for key in [
        "final_bytes",
        "stored_bytes",
        "compressed_bytes",
        "wasted_bytes",
        "efficiency",
    ] {
        assert!(v["totals"].get(key).is_some(), "totals.{key}");
    }
    for key in [
        "index",
        "diff_id",
        "digest",
        "tar_bytes",
        "file_bytes",
        "compressed_bytes",
        "files",
        "created_by",
        "wasted_bytes",
    ] {
        assert!(v["layers"][0].get(key).is_some(), "layers[].{key}");
    }
    for key in ["efficiency", "wasted_bytes", "user_wasted_percent"] {
        assert!(v["dive_compat"].get(key).is_some(), "dive_compat.{key}");
    }
    for key in [
        "nvidia_bytes",
        "cuda_libraries_bytes",
        "model_weights_bytes",
        "pip_cache_bytes",
        "hf_cache_bytes",
        "pycache_bytes",
        "apt_bytes",
        "build_tools_bytes",
        "git_bytes",
        "tests_bytes",
    ] {
        assert!(v["categories"].get(key).is_some(), "categories.{key}");
    }
    assert!(v["python"]["distributions"].is_array() && v["findings"].is_array());
    assert_eq!(v["totals"]["final_bytes"], 5100);
    assert_eq!(v["totals"]["wasted_bytes"], 2_000_000);
    assert_eq!(v["layers"][1]["created_by"], "RUN pip install");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "cleanup-in-later-layer" && f["savings_bytes"] == 2_000_000)
    );
}

#[test]
fn terminal_and_markdown_reports() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "oci", &image(0), Format::OciLayout);
    let out = ballast(dir.path())
        .args(["inspect", &img])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Wasted 2.0 MB"), "{text}");
    assert!(text.contains("cleanup-in-later-layer"), "{text}");
    assert!(!text.contains('\x1b'), "NO_COLOR respected");
    let out = ballast(dir.path())
        .args(["inspect", "--format", "markdown", &img])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| wasted | 2.0 MB |"), "{md}");
}

#[test]
fn gates_fail_strictly_above_the_limit_and_name_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "img.tar", &image(0), Format::DockerArchive);
    // wasted is exactly 2 MB: a 2MB limit passes, 1999999 fails.
    run(
        ballast(dir.path()).args(["inspect", "--max-wasted", "2MB", &img]),
        0,
    );
    let fail = run(
        ballast(dir.path()).args([
            "inspect",
            "--max-wasted",
            "1999999",
            "--max-category",
            "pip-cache=0",
            &img,
        ]),
        1,
    );
    let err = String::from_utf8(fail.stderr).unwrap();
    assert!(err.contains("gate failed: max-wasted"), "{err}");
    assert!(
        !err.contains("pip-cache"),
        "the cache was deleted, so that gate passes: {err}"
    );
    run(
        ballast(dir.path()).args(["inspect", "--min-efficiency", "0.5", &img]),
        1,
    );
    let bad = run(
        ballast(dir.path()).args(["inspect", "--max-category", "nope=1", &img]),
        2,
    );
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("unknown category \"nope\"")
    );
}

#[test]
fn gates_come_from_the_config_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "img.tar", &image(0), Format::DockerArchive);
    std::fs::write(
        dir.path().join("ballast.toml"),
        "[inspect]\nmax-size = \"1kB\"\n",
    )
    .unwrap();
    let out = run(ballast(dir.path()).args(["inspect", &img]), 1);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("gate failed: max-size")
    );
    // The command line wins over the file.
    run(
        ballast(dir.path()).args(["inspect", "--max-size", "1GB", &img]),
        0,
    );
    std::fs::write(
        dir.path().join("ballast.toml"),
        "[inspect]\nmax-size = 12\n",
    )
    .unwrap();
    let out = run(ballast(dir.path()).args(["inspect", &img]), 2);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("ballast.toml")
    );
}

#[test]
fn reads_a_tar_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "img.tar", &image(0), Format::DockerArchiveOci);
    let bytes = std::fs::read(&img).unwrap();
    let out = run(
        ballast(dir.path())
            .args(["inspect", "--format", "json", "-"])
            .write_stdin(bytes),
        0,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["totals"]["final_bytes"], 5100);
}

#[test]
fn bad_inputs_are_one_line_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["inspect", "missing.tar"], "missing.tar"),
        (vec!["inspect", "-"], "<stdin>"),
        (
            vec!["inspect", "docker://localhost:1/x"],
            "docker://localhost:1/x",
        ),
    ] {
        let out = ballast(dir.path())
            .args(&args)
            .write_stdin("not a tar")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn diff_reports_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.tar", &image(0), Format::DockerArchive);
    let mut b_spec = image(50);
    b_spec.layers.push(Layer::new(
        "COPY model",
        vec![zeros("models/m.safetensors", 3_000_000)],
    ));
    let b = write(dir.path(), "b", &b_spec, Format::OciLayout);
    let out = run(
        ballast(dir.path()).args(["diff", "--format", "json", &a, &b]),
        0,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let size = v["table"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "size (final files)")
        .unwrap();
    assert_eq!(size["delta"], 3_000_050);
    assert_eq!(v["files"]["added"][0]["path"], "models/m.safetensors");
    assert_eq!(v["files"]["changed"][0]["path"], "app/main.py");
    assert_eq!(
        v["layers"]["shared"], 2,
        "the base layer and the whiteout layer are identical"
    );
    let out = ballast(dir.path()).args(["diff", &a, &b]).output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("model weights")
    );
}

/// An image finding names the lint rule of the same problem (its docs and
/// suppressions): every name `ballast_image` can write is a registered rule.
#[test]
fn image_findings_name_lint_rules() {
    for name in ballast_ml::rules::names::ALL {
        assert!(
            ballast_linter::catalog::find(name.as_str()).is_some(),
            "{name}: not a lint rule"
        );
    }
    assert!(ballast_ml::rules::names::ALL.len() >= 14);
}
