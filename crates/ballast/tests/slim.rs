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
fn bad_uses_are_one_line_errors_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    image()
        .write(Format::DockerArchive, &dir.path().join("img.tar"))
        .unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    for (args, needle) in [
        (vec!["slim", "img.tar", "-o", "taken"], "already exists"),
        (vec!["slim", "missing.tar", "-o", "x"], "missing.tar"),
        (vec!["slim", "-", "-o", "x"], "save the image to one first"),
        (
            vec!["slim", "img.tar", "-o", "docker://registry/x"],
            "not yet docker:",
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
