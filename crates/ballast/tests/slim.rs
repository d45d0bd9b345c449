//! `ballast slim` from the command line: a docker-archive with a pip cache
//! deleted in a later layer slimmed into an OCI layout that `inspect` finds
//! nothing wasted in; the summary and its JSON; one-line errors, exit 2,
//! nothing left at the destination.

mod common;

use ballast_testkit::image::{Entry, Format, ImageSpec, Layer, text, zeros};
use serde_json::Value;

use common::{ballast, run};

fn image() -> ImageSpec {
    ImageSpec::new(vec![
        Layer::new(
            "base",
            vec![Entry::Dir("usr".into()), text("usr/python", "#!")],
        ),
        Layer::new(
            "RUN pip install torch",
            vec![
                Entry::Dir("root".into()),
                Entry::Dir("root/.cache".into()),
                zeros("root/.cache/torch.whl", 2_000_000),
                zeros("app.bin", 1_000),
            ],
        ),
        Layer::new(
            "RUN rm -rf /root/.cache",
            vec![Entry::Whiteout("root/.cache".into())],
        ),
    ])
}

#[test]
fn slims_an_archive_and_inspect_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("img.tar");
    image().write(Format::DockerArchive, &src).unwrap();
    let out = run(
        ballast(dir.path()).args(["slim", "img.tar", "-o", "oci:slim", "--format", "json"]),
        0,
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["stored_before"].as_u64().unwrap() - r["stored_after"].as_u64().unwrap(),
        2_000_000
    );
    assert_eq!(r["final_bytes"], 1_002);
    let unchanged: Vec<bool> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["unchanged"].as_bool().unwrap())
        .collect();
    assert_eq!(unchanged, [true, false, false]);

    let inspect = run(
        ballast(dir.path()).args(["inspect", "--format", "json", "oci:slim"]),
        0,
    );
    let v: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["totals"]["wasted_bytes"], 0);
    assert_eq!(v["totals"]["final_bytes"], 1_002);

    let terminal = run(
        ballast(dir.path()).args(["slim", "img.tar", "-o", "again"]),
        0,
    );
    let text = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        text.contains("2.0 MB no longer stored") && text.contains("Verified"),
        "{text}"
    );
    assert!(text.contains("kept as is"), "{text}");
}

#[test]
fn drop_classes_are_audited_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = image();
    spec.layers[0].entries.extend([
        Entry::Dir("usr/share".into()),
        Entry::Dir("usr/share/doc".into()),
        zeros("usr/share/doc/README.gz", 3_000),
    ]);
    spec.write(Format::DockerArchive, &dir.path().join("img.tar"))
        .unwrap();
    let out = run(
        ballast(dir.path()).args([
            "slim",
            "img.tar",
            "-o",
            "oci-archive:slim.tar",
            "--drop",
            "docs,pycache",
            "--audit",
            "audit.jsonl",
        ]),
        0,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "unreachable",
        "docs",
        "3.0 kB",
        "without exactly the removed paths",
        "audit.jsonl",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let lines: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs: Vec<(&str, u64)> = lines
        .iter()
        .filter(|l| l["class"] == "docs")
        .map(|l| (l["path"].as_str().unwrap(), l["bytes"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        docs,
        [("usr/share/doc", 0), ("usr/share/doc/README.gz", 3_000)]
    );
    let unreachable: u64 = lines
        .iter()
        .filter(|l| l["class"] == "unreachable")
        .map(|l| l["bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(unreachable, 2_000_000);

    // Where the bytes went, per directory and class.
    assert!(
        text.contains("removed from")
            && text.contains("/usr/share/doc")
            && text.contains("/root/.cache"),
        "{text}"
    );
    // Squashed: the two layers above the base in one, the base kept.
    let out = run(
        ballast(dir.path()).args([
            "slim",
            "img.tar",
            "-o",
            "sq",
            "--squash-from",
            "1",
            "--format",
            "json",
        ]),
        0,
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["layer_digests"].as_array().unwrap().len(), 2);
    assert_eq!(r["squashed_from"], 1);
    let squashed: Vec<bool> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["squashed"].as_bool().unwrap())
        .collect();
    assert_eq!(squashed, [false, true, true]);
    let inspect = run(
        ballast(dir.path()).args(["inspect", "--format", "json", "oci:sq"]),
        0,
    );
    let v: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["layers"].as_array().unwrap().len(), 2);
    assert_eq!(v["totals"]["wasted_bytes"], 0);

    let bad = run(
        ballast(dir.path()).args(["slim", "img.tar", "-o", "x", "--drop", "caches"]),
        2,
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("the classes are pip-cache, uv-cache"), "{err}");
    assert!(!dir.path().join("x").exists());
}

#[test]
fn bad_uses_are_one_line_errors_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    image()
        .write(Format::DockerArchive, &dir.path().join("img.tar"))
        .unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    for (args, needle) in [
        (
            vec!["slim", "img.tar", "-o", "x", "--audit", "taken"],
            "taken: already exists",
        ),
        (
            vec!["slim", "img.tar", "-o", "x", "--drop-path", "a/[b"],
            "--drop-path a/[b",
        ),
        (vec!["slim", "img.tar", "-o", "taken"], "already exists"),
        (vec!["slim", "missing.tar", "-o", "x"], "missing.tar"),
        (vec!["slim", "-", "-o", "x"], "not standard input"),
        (
            vec!["slim", "img.tar", "-o", "ftp://registry/x"],
            "not ftp:",
        ),
        (
            vec!["slim", "img.tar", "-o", "docker://Bad_Host/x"],
            "docker://",
        ),
        (
            vec![
                "slim",
                "img.tar",
                "-o",
                "docker-archive:d.tar",
                "--compression",
                "zstd",
            ],
            "docker load reads gzip",
        ),
    ] {
        let out = run(ballast(dir.path()).args(&args), 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, ["img.tar", "taken"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("taken")).unwrap().count(),
        0
    );
}
