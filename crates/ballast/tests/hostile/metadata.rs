//! Indexes, manifests, configurations and blobs that are malformed,
//! oversized, of unknown type or schema, self-referencing, missing or
//! pointing out of the layout; and Python metadata (RECORD, METADATA) that is
//! garbage.

use std::path::{Path, PathBuf};

use ballast_testkit::hostile::{
    Blob, RawTar, base_layer, config_for, layout, layout_with_manifest, manifest_for, put, sha256,
};
use serde_json::{Value, json};

use crate::{Cases, Expect, totals};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// An edit of a layout's configuration or manifest.
type Edit = fn(&mut Value);

/// What takes the place of a removed blob.
type Replace = fn(&Path);

fn oci(cases: &Cases, name: &str) -> PathBuf {
    cases.dir(name).join("oci")
}

/// A layout whose `index.json` is exactly these bytes.
fn raw_index(cases: &Cases, name: &str, index: &[u8]) -> PathBuf {
    let dir = oci(cases, name);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
    std::fs::write(dir.join("index.json"), index).expect("write");
    dir
}

/// A layout of the base layer with the configuration and manifest edited.
fn edited(
    cases: &Cases,
    name: &str,
    config: impl FnOnce(&mut Value),
    manifest: impl FnOnce(&mut Value),
) -> PathBuf {
    let dir = oci(cases, name);
    layout(&dir, &[base_layer()], config, manifest).expect("layout");
    dir
}

pub(crate) fn cases(cases: &mut Cases) {
    index_cases(cases);
    manifest_cases(cases);
    config_cases(cases);
    blob_cases(cases);
    python_metadata(cases);
}

fn index_cases(cases: &mut Cases) {
    let huge = format!(
        r#"{{"schemaVersion":2,"manifests":[],"annotations":{{"x":"{}"}}}}"#,
        "a".repeat(5 << 20)
    );
    for (name, index, expect) in [
        (
            "index-malformed-json",
            b"{\"schemaVersion\": 2, \"manifests\": [".to_vec(),
            "index.json",
        ),
        ("index-not-an-object", b"[1, 2, 3]".to_vec(), "index.json"),
        (
            "index-wrong-types",
            br#"{"schemaVersion":"two","manifests":{"a":1}}"#.to_vec(),
            "index.json",
        ),
        ("index-empty-file", Vec::new(), "index.json"),
        ("index-nul-bytes", b"\0\0\0\0".to_vec(), "index.json"),
        (
            "index-nesting-bomb",
            "[".repeat(100_000).into_bytes(),
            "index.json",
        ),
        (
            "index-empty-manifests",
            br#"{"schemaVersion":2,"manifests":[]}"#.to_vec(),
            "lists no image manifest",
        ),
        ("index-5MiB", huge.into_bytes(), "--max-manifest-bytes"),
    ] {
        let dir = raw_index(cases, name, &index);
        cases.inspect(name, &dir, &[], Expect::Error(expect));
    }

    // An index whose only entry is itself: possible when digests are not
    // checked, so `--no-verify` must still stop.
    let fake = format!("sha256:{}", "ab".repeat(32));
    let index = json!({"schemaVersion": 2, "mediaType": INDEX,
        "manifests": [{"mediaType": INDEX, "digest": fake, "size": 200}]});
    let bytes = serde_json::to_vec(&index).expect("json");
    let dir = raw_index(cases, "index-points-at-itself", &bytes);
    // Stored under a name that is not its digest.
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("dir");
    std::fs::write(dir.join("blobs/sha256").join(&fake[7..]), &bytes).expect("write");
    cases.inspect(
        "index-points-at-itself",
        &dir,
        &[],
        Expect::Error("sha256:abab"),
    );
    cases.inspect(
        "index-points-at-itself-no-verify",
        &dir,
        &["--no-verify"],
        Expect::Error("refers to itself"),
    );
    // A chain of 100 nested indexes.
    let dir = oci(cases, "index-chain-100");
    let base = base_layer();
    layout(&dir, &[base], |_| {}, |_| {}).expect("layout");
    let mut top: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("read"))
            .expect("json");
    for _ in 0..100 {
        let bytes = serde_json::to_vec(&top).expect("json");
        let d = put(&dir, &bytes).expect("put");
        top = json!({"schemaVersion": 2, "mediaType": INDEX,
            "manifests": [{"mediaType": INDEX, "digest": d, "size": bytes.len()}]});
    }
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&top).expect("json"),
    )
    .expect("write");
    cases.inspect(
        "index-chain-100",
        &dir,
        &[],
        Expect::Error("indexes nested more than 8 deep"),
    );
    // Platforms that do not exist in the index.
    let dir = edited(cases, "platform-not-in-index", |_| {}, |_| {});
    cases.inspect(
        "platform-not-in-index",
        &dir,
        &["--platform", "plan9/mips"],
        Expect::Error("plan9/mips"),
    );
}

fn manifest_cases(cases: &mut Cases) {
    for (name, manifest, media_type) in [
        ("manifest-malformed-json", &b"{\"layers\": [}"[..], MANIFEST),
        (
            "manifest-unknown-media-type",
            br#"{"schemaVersion":2}"#,
            "application/x-evil",
        ),
        (
            "manifest-schema-1",
            br#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#,
            "application/vnd.docker.distribution.manifest.v1+json",
        ),
        (
            "manifest-schema-version-3",
            br#"{"schemaVersion":3,"config":{},"layers":[]}"#,
            MANIFEST,
        ),
        (
            "manifest-missing-config",
            br#"{"schemaVersion":2,"layers":[]}"#,
            MANIFEST,
        ),
    ] {
        let dir = oci(cases, name);
        layout_with_manifest(&dir, manifest, media_type).expect("layout");
        cases.inspect(name, &dir, &[], Expect::Error("manifest"));
    }
    // The base layer's layout with its configuration or manifest edited:
    // each case's name, the edits, the flags and what the error must say.
    let keep: Edit = |_| {};
    let edits: [(&str, Edit, Edit, &[&str], &str); 7] = [
        (
            "manifest-digest-path-traversal",
            keep,
            |m| m["layers"][0]["digest"] = json!("sha256:../../../../etc/passwd"),
            &["--no-verify"],
            "digest",
        ),
        (
            "manifest-digest-unknown-algorithm",
            keep,
            |m| m["layers"][0]["digest"] = json!("md5:d41d8cd98f00b204e9800998ecf8427e"),
            &[],
            "md5",
        ),
        (
            "manifest-negative-size",
            keep,
            |m| m["layers"][0]["size"] = json!(-5),
            &[],
            "manifest",
        ),
        (
            "manifest-wrong-size",
            keep,
            |m| m["layers"][0]["size"] = json!(3),
            &[],
            "size",
        ),
        (
            "manifest-unknown-layer-type",
            keep,
            |m| m["layers"][0]["mediaType"] = json!("application/x-evil"),
            &[],
            "application/x-evil",
        ),
        (
            "manifest-more-layers-than-diff-ids",
            |c| c["rootfs"]["diff_ids"] = json!([]),
            keep,
            &[],
            "diff_ids",
        ),
        (
            "manifest-huge-annotations",
            keep,
            |m| m["annotations"] = json!({"x": "a".repeat(5 << 20)}),
            &[],
            "--max-manifest-bytes",
        ),
    ];
    for (name, config, manifest, args, expect) in edits {
        let dir = edited(cases, name, config, manifest);
        cases.inspect(name, &dir, args, Expect::Error(expect));
    }
    // More layers than the limit (the same small blob, 4097 times).
    let dir = oci(cases, "manifest-4097-layers");
    let layers = vec![Blob::tar(RawTar::new().finish()); 4097];
    layout(&dir, &layers, |_| {}, |_| {}).expect("layout");
    cases.inspect(
        "manifest-4097-layers",
        &dir,
        &[],
        Expect::Error("--max-layers"),
    );
}

fn config_cases(cases: &mut Cases) {
    let stored_config = |cases: &Cases, name: &str, config: &[u8]| {
        let dir = oci(cases, name);
        let base = base_layer();
        put(&dir, &base.bytes).expect("put");
        put(&dir, config).expect("put");
        let manifest = manifest_for(config, &[base]);
        layout_with_manifest(
            &dir,
            &serde_json::to_vec(&manifest).expect("json"),
            MANIFEST,
        )
        .expect("layout");
        dir
    };
    for (name, config) in [
        ("config-malformed-json", b"{\"rootfs\": ".to_vec()),
        ("config-nesting-bomb", "[".repeat(1_000_000).into_bytes()),
        (
            "config-wrong-types",
            br#"{"rootfs":{"diff_ids":"no"},"history":7}"#.to_vec(),
        ),
        ("config-not-utf8", b"{\"os\": \"\xff\xfe\"}".to_vec()),
    ] {
        let dir = stored_config(cases, name, &config);
        cases.inspect(name, &dir, &[], Expect::Error("config"));
    }
    let mut big = config_for(&[base_layer()]);
    big["config"]["Env"] = json!(["X=".to_string() + &"y".repeat(17 << 20)]);
    let dir = stored_config(
        cases,
        "config-17MiB",
        &serde_json::to_vec(&big).expect("json"),
    );
    cases.inspect(
        "config-17MiB",
        &dir,
        &[],
        Expect::Error("--max-config-bytes"),
    );
    let mut odd = config_for(&[base_layer()]);
    odd["history"] =
        json!([{"created_by": "\u{1b}[2J\u{1b}[31mfake\r\n"}, {"empty_layer": true}, {}]);
    odd["config"]["Env"] = json!(["NOEQUALS", "=", "A=\u{0}"]);
    odd["config"]["User"] = json!("\u{202e}toor");
    let dir = stored_config(
        cases,
        "config-odd-but-valid",
        &serde_json::to_vec(&odd).expect("json"),
    );
    cases.inspect(
        "config-odd-but-valid",
        &dir,
        &[],
        Expect::Image(totals(1, 11)),
    );
}

fn blob_cases(cases: &mut Cases) {
    // The layer's blob removed, then something else put in its place.
    let digest = sha256(&base_layer().bytes);
    let replacements: [(&str, Replace, &str); 4] = [
        ("missing-layer-blob", |_| {}, "is missing"),
        (
            "layer-blob-symlink-to-passwd",
            |b| std::os::unix::fs::symlink("/etc/passwd", b).expect("symlink"),
            "symlink leading out of the layout",
        ),
        (
            "layer-blob-is-directory",
            |b| std::fs::create_dir(b).expect("dir"),
            "not a regular file",
        ),
        (
            "layer-blob-is-fifo",
            |b| crate::mkfifo(b),
            "not a regular file",
        ),
    ];
    for (name, replace, expect) in replacements {
        let dir = edited(cases, name, |_| {}, |_| {});
        let blob = dir.join("blobs/sha256").join(&digest[7..]);
        std::fs::remove_file(&blob).expect("remove");
        replace(&blob);
        cases.inspect(name, &dir, &[], Expect::Error(expect));
    }
    let dir = edited(cases, "layout-missing-index", |_| {}, |_| {});
    std::fs::remove_file(dir.join("index.json")).expect("remove");
    cases.inspect(
        "layout-missing-index",
        &dir,
        &[],
        Expect::Error("index.json"),
    );
}

/// A layer holding a Python distribution with hostile metadata.
fn python_metadata(cases: &mut Cases) {
    let site = "usr/lib/python3.11/site-packages";
    let record_garbage = format!(
        "\"unterminated,quote\n{}\n\u{0}\u{0},,,,,\n../../../etc/passwd,sha256=x,99999999999999999999\nevil.py,,-5\n",
        "x,".repeat(100_000)
    );
    let mut t = RawTar::new();
    t.file(format!("{site}/evil/__init__.py").as_bytes(), b"x = 1\n")
        .file(
            format!("{site}/evil-1.0.dist-info/METADATA").as_bytes(),
            b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n\xff\xfe\n",
        )
        .file(
            format!("{site}/evil-1.0.dist-info/RECORD").as_bytes(),
            record_garbage.as_bytes(),
        )
        .file(
            format!("{site}/binary-2.0.dist-info/METADATA").as_bytes(),
            &[0xffu8; 4096],
        )
        .file(
            format!("{site}/binary-2.0.dist-info/RECORD").as_bytes(),
            &[0xfeu8; 4096],
        )
        .file(
            format!("{site}/huge-3.0.dist-info/METADATA").as_bytes(),
            &vec![b'A'; 40 << 20],
        )
        .file(
            format!("{site}/huge-3.0.dist-info/RECORD").as_bytes(),
            b"huge/x.py,,1\n",
        )
        .file(
            format!("{site}/noname.dist-info/RECORD").as_bytes(),
            b"a,b,c\n",
        );
    let dir = oci(cases, "python-metadata-garbage");
    layout(
        &dir,
        &[base_layer(), Blob::gzip(&t.finish())],
        |_| {},
        |_| {},
    )
    .expect("layout");
    cases.inspect(
        "python-metadata-garbage",
        &dir,
        &[],
        Expect::Image(Box::new(|v: &Value| {
            let mut names: Vec<&str> = v["python"]["distributions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["name"].as_str())
                .collect();
            names.sort_unstable();
            let warned = |needle: &str| {
                v["warnings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|w| w.as_str().is_some_and(|w| w.contains(needle)))
            };
            if !names.contains(&"evil") {
                Err(format!("evil not among distributions: {names:?}"))
            } else if !warned("huge-3.0.dist-info/METADATA: METADATA not read") {
                Err(format!(
                    "the 40 MiB METADATA is not named: {}",
                    v["warnings"]
                ))
            } else if !warned("binary-2.0.dist-info/RECORD: RECORD not readable") {
                Err(format!("the binary RECORD is not named: {}", v["warnings"]))
            } else if names != ["evil", "huge", "noname"] {
                Err(format!(
                    "want evil, huge and noname (by its directory): {names:?}"
                ))
            } else {
                Ok(())
            }
        })),
    );
}
