//! Digests, diff_ids, sizes, media types and platform selection: every
//! mismatch is an error naming the blob; `--no-verify` skips the checks.

use ballast_image::error::ImageError;
use ballast_image::{LoadOptions, load};
use ballast_testkit::image::{
    Format, ImageSpec, Layer, rewrite_config, rewrite_manifest, text, write_multi_platform, zeros,
};
use serde_json::json;

fn two_layers() -> ImageSpec {
    ImageSpec::new(vec![
        Layer::new(
            "ADD base",
            vec![text("etc/os-release", "ID=test\n"), zeros("bin/sh", 100)],
        ),
        Layer::new("RUN app", vec![zeros("app/main.py", 42)]),
    ])
}

fn load_err(path: &std::path::Path, verify: bool) -> Option<ImageError> {
    let opts = LoadOptions {
        verify,
        ..LoadOptions::default()
    };
    load(path.to_str().unwrap(), &opts).err()
}

#[test]
fn a_blob_whose_content_does_not_match_its_name_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    let w = two_layers().write(Format::OciLayout, &path).unwrap();
    let blobs = path.join("blobs/sha256");
    // Put layer 2's bytes under layer 1's name.
    std::fs::copy(
        blobs.join(&w.layer_digests[1][7..]),
        blobs.join(&w.layer_digests[0][7..]),
    )
    .unwrap();
    let err = load_err(&path, true).expect("must fail");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ImageError::DigestMismatch { .. } | ImageError::SizeMismatch { .. }
        ),
        "{msg}"
    );
    assert!(msg.contains(&w.layer_digests[0]), "{msg}");
    assert!(
        load_err(&path, false).is_none(),
        "--no-verify reads it anyway"
    );
}

#[test]
fn a_wrong_diff_id_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    two_layers().write(Format::OciLayout, &path).unwrap();
    let fake = format!("sha256:{}", "0".repeat(64));
    rewrite_config(&path, |c| c["rootfs"]["diff_ids"][1] = json!(fake)).unwrap();
    let err = load_err(&path, true).expect("must fail").to_string();
    assert!(err.contains("diff_id") && err.contains(&fake), "{err}");
    assert!(load_err(&path, false).is_none());
}

#[test]
fn a_tampered_config_and_a_wrong_size_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    let w = two_layers().write(Format::OciLayout, &path).unwrap();
    let config = path.join("blobs/sha256").join(&w.config_digest[7..]);
    let mut bytes = std::fs::read(&config).unwrap();
    let n = bytes.len();
    bytes[n - 2] = b' ';
    std::fs::write(&config, bytes).unwrap();
    let err = load_err(&path, true).expect("must fail").to_string();
    assert!(err.contains(&w.config_digest), "{err}");

    let path2 = dir.path().join("img2");
    two_layers().write(Format::OciLayout, &path2).unwrap();
    rewrite_manifest(&path2, |m, _| {
        m["layers"][0]["size"] = json!(1);
        Ok(())
    })
    .unwrap();
    let err = load_err(&path2, true).expect("must fail").to_string();
    assert!(err.contains("size mismatch"), "{err}");
}

#[test]
fn unknown_media_types_and_schema_versions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    two_layers().write(Format::OciLayout, &path).unwrap();
    rewrite_manifest(&path, |m, _| {
        m["layers"][0]["mediaType"] = json!("application/x-mystery");
        Ok(())
    })
    .unwrap();
    let err = load_err(&path, false).expect("must fail").to_string();
    assert!(
        err.contains("unknown media type") && err.contains("application/x-mystery"),
        "{err}"
    );

    let path2 = dir.path().join("img2");
    two_layers().write(Format::OciLayout, &path2).unwrap();
    rewrite_manifest(&path2, |m, _| {
        m["schemaVersion"] = json!(1);
        Ok(())
    })
    .unwrap();
    let err = load_err(&path2, false).expect("must fail").to_string();
    assert!(err.contains("schema version 1"), "{err}");
}

#[test]
fn missing_and_truncated_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.tar");
    two_layers().write(Format::DockerArchive, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_err(&cut, true).expect("must fail").to_string();
    assert!(err.contains("cut.tar"), "{err}");

    let missing = dir.path().join("nope.tar");
    assert!(
        load_err(&missing, true)
            .unwrap()
            .to_string()
            .contains("nope.tar")
    );

    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    assert!(
        load_err(&not_image, true)
            .unwrap()
            .to_string()
            .contains("notes.txt")
    );
}

#[test]
fn platforms_are_chosen_from_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut amd = two_layers();
    amd.layers[1].entries.push(zeros("app/amd", 1));
    let mut arm = two_layers();
    arm.architecture = "arm64".into();
    arm.layers[1].entries.push(zeros("app/arm", 2));
    let path = dir.path().join("multi");
    write_multi_platform(&[&amd, &arm], &path).unwrap();
    let load_with = |p: Option<&str>| {
        let opts = LoadOptions {
            platform: p.map(str::to_string),
            ..LoadOptions::default()
        };
        load(path.to_str().unwrap(), &opts)
    };
    let arm_img = load_with(Some("linux/arm64")).unwrap();
    assert_eq!(arm_img.config.architecture, "arm64");
    assert_eq!(
        load_with(None).unwrap().config.architecture,
        "amd64",
        "linux/amd64 by default"
    );
    let err = load_with(Some("linux/s390x")).unwrap_err().to_string();
    assert!(
        err.contains("linux/s390x") && err.contains("linux/arm64"),
        "{err}"
    );
}
