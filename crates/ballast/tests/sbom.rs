//! `ballast sbom` and `ballast diff` of SBOMs end to end: every installed
//! distribution and OS package of the test-kit images listed, with package
//! URLs scanners match on, valid against the CycloneDX 1.5 and SPDX 2.3
//! schemas; reproducible, written atomically; the package delta of two
//! SBOMs (or an SBOM and an image); errors in one line with exit 2.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use ballast_testkit::image::{Entry, Format, ImageSpec, Layer, text, zeros};
use ballast_testkit::{ml_image, schemas};
use serde_json::Value;

use common::{ballast, run};

/// A fixed creation time, so documents are reproducible.
const EPOCH: &str = "1796592000";

/// The test kit's ML image on Debian 12, with what a real one also holds:
/// Debian's own python3 packages (dist-info without RECORD), an egg-info
/// directory and a distutils egg-info file.
fn debian_image() -> ImageSpec {
    let mut spec = ml_image::image();
    // Built on the official python image: its CPython is in /usr/local.
    spec.env.push("PYTHON_VERSION=3.11.10".into());
    // (`config_extra` replaces the whole `config`: the environment is kept.)
    spec.config_extra = Some(serde_json::json!({"config": {
        "Env": spec.env,
        "Labels": {"org.opencontainers.image.base.name": "docker.io/library/python:3.11-slim-bookworm"}
    }}));
    let dist_packages = "usr/lib/python3/dist-packages";
    spec.layers[0].entries.extend([
        text(
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        ),
        text(
            &format!("{dist_packages}/six-1.16.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
        ),
        text(
            &format!("{dist_packages}/chardet-5.1.0.egg-info/PKG-INFO"),
            "Metadata-Version: 1.1\nName: chardet\nVersion: 5.1.0\n",
        ),
        text(
            &format!("{dist_packages}/chardet-5.1.0.egg-info/installed-files.txt"),
            "../chardet/__init__.py\nPKG-INFO\n",
        ),
        zeros(&format!("{dist_packages}/chardet/__init__.py"), 700),
        text(
            &format!("{dist_packages}/distro_info-1.5.egg-info"),
            "Metadata-Version: 1.0\nName: distro-info\nVersion: 1.5\n",
        ),
        text("opt/conda/conda-meta/mkl-2023.1.0-h213fc3f_46344.json", "{}"),
        text("opt/conda/conda-meta/history", "==> 2026-01-01 <==\n"),
    ]);
    // The base ends where official images end, with a CMD.
    spec.step(1, "/bin/sh -c #(nop)  CMD [\"python3\"]")
}

/// Every package the Debian image holds (a conda environment's too), as (purl type, name, version).
fn debian_expected() -> BTreeSet<(String, String, String)> {
    [
        ("deb", "libc6", "2.36"),
        ("deb", "gcc-12", "12.2"),
        ("pypi", "torch", "2.5.1"),
        ("pypi", "nvidia_cublas_cu12", "12.4.5.8"),
        ("pypi", "nvidia_cudnn_cu12", "9.1.0.70"),
        ("pypi", "jupyter", "1.1.1"),
        ("pypi", "opencv_python", "4.10.0.84"),
        ("pypi", "six", "1.16.0"),
        ("pypi", "chardet", "5.1.0"),
        ("pypi", "distro-info", "1.5"),
        ("conda", "mkl", "2023.1.0"),
        ("generic", "python", "3.11.10"),
    ]
    .iter()
    .map(|(t, n, v)| (t.to_string(), n.to_string(), v.to_string()))
    .collect()
}

/// An Alpine image with three apk packages.
fn alpine_image() -> ImageSpec {
    let db = "P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\n\
              P:libcrypto3\nV:3.3.2-r1\nA:x86_64\nL:Apache-2.0\no:openssl\nF:usr/lib\nR:libcrypto.so.3\n\n\
              P:python3\nV:3.12.7-r0\nA:x86_64\nL:PSF-2.0\no:python3\nF:usr/bin\nR:python3.12\n";
    ImageSpec::new(vec![Layer::new(
        "ADD alpine",
        vec![
            // As in Alpine, Debian and Ubuntu: the file is in usr/lib, linked from etc.
            Entry::Symlink("etc/os-release".into(), "../usr/lib/os-release".into()),
            text(
                "usr/lib/os-release",
                "ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
            ),
            text("lib/apk/db/installed", db),
            zeros("lib/ld-musl-x86_64.so.1", 600_000),
            zeros("usr/lib/libcrypto.so.3", 4_000_000),
            zeros("usr/bin/python3.12", 20_000),
        ],
    )])
}

fn write(dir: &Path, name: &str, spec: &ImageSpec) -> String {
    let path = dir.join(name);
    spec.write(Format::DockerArchiveOci, &path).unwrap();
    path.to_str().unwrap().to_string()
}

fn sbom(dir: &Path, image: &str, format: &str) -> Value {
    let out = run(
        ballast(dir)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .args(["sbom", "--quiet", "--format", format, image]),
        0,
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (purl type, name, version) of every package a CycloneDX document lists.
fn cyclonedx_packages(bom: &Value) -> BTreeSet<(String, String, String)> {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            let purl = c["purl"].as_str().unwrap();
            let ty = purl.trim_start_matches("pkg:").split('/').next().unwrap();
            (
                ty.to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The same of an SPDX document (packages with a purl).
fn spdx_packages(doc: &Value) -> BTreeSet<(String, String, String)> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let purl = p["externalRefs"][0]["referenceLocator"].as_str()?;
            let ty = purl.trim_start_matches("pkg:").split('/').next().unwrap();
            Some((
                ty.to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["versionInfo"].as_str().unwrap().to_string(),
            ))
        })
        .collect()
}

#[test]
fn debian_ml_image_lists_every_package_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "ml.tar", &debian_image());

    let bom = sbom(dir.path(), &img, "cyclonedx-json");
    assert_eq!(schemas::cyclonedx_errors(&bom), Vec::<String>::new());
    assert_eq!(cyclonedx_packages(&bom), debian_expected());
    let components = bom["components"].as_array().unwrap();
    let os = components
        .iter()
        .find(|c| c["type"] == "operating-system")
        .unwrap();
    assert_eq!(
        (os["name"].as_str(), os["version"].as_str()),
        (Some("debian"), Some("12"))
    );
    let purl = |name: &str| {
        components
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["purl"].as_str())
            .unwrap()
            .to_string()
    };
    assert_eq!(
        purl("libc6"),
        "pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12"
    );
    assert_eq!(
        purl("nvidia_cublas_cu12"),
        "pkg:pypi/nvidia-cublas-cu12@12.4.5.8"
    );
    // Locations and measured sizes: what `inspect` measures for torch (its
    // RECORD's files: 4,000,100 bytes of code and library, its metadata).
    let torch = components.iter().find(|c| c["name"] == "torch").unwrap();
    assert_eq!(
        torch["evidence"]["occurrences"][0]["location"],
        "/usr/local/lib/python3.11/site-packages/torch-2.5.1.dist-info"
    );
    let bytes = ballast_testkit::json_item(&torch["properties"], "name", "ballast:bytes");
    let inspect = run(
        ballast(dir.path()).args(["inspect", "--quiet", "--format", "json", &img]),
        0,
    );
    let report: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let measured = ballast_testkit::json_item(&report["python"]["distributions"], "name", "torch")
        ["bytes"]
        .as_u64()
        .unwrap();
    assert!((4_000_100..4_001_000).contains(&measured));
    assert_eq!(bytes["value"], measured.to_string(), "{torch}");
    let chardet = components.iter().find(|c| c["name"] == "chardet").unwrap();
    assert!(
        chardet.to_string().contains("\"value\":\"7"),
        "egg-info sized from installed-files.txt: {chardet}"
    );
    // The base image: the bottom layer, by history.
    let base = components
        .iter()
        .find(|c| c["type"] == "container")
        .unwrap();
    assert_eq!(base["properties"][0]["value"], "1", "{base}");

    let spdx = sbom(dir.path(), &img, "spdx-json");
    assert_eq!(schemas::spdx_errors(&spdx), Vec::<String>::new());
    assert_eq!(spdx_packages(&spdx), debian_expected());
    let purposes: BTreeSet<&str> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["primaryPackagePurpose"].as_str())
        .collect();
    assert_eq!(
        purposes,
        BTreeSet::from(["CONTAINER", "LIBRARY", "OPERATING_SYSTEM"])
    );
    assert_eq!(spdx["creationInfo"]["created"], "2026-12-06T21:20:00Z");
}

/// SPDX's reference tool (spdx-tools' `pyspdxtools`) reads the documents and
/// finds them valid beyond the schema (every relationship's elements exist,
/// identifiers well formed, the purl references parse); and it can fail.
#[test]
#[cfg_attr(
    ballast_no_pyspdxtools,
    ignore = "needs pyspdxtools ($BALLAST_PYSPDXTOOLS or PATH; the spdx-tools package)"
)]
fn spdx_reference_validator_accepts_the_documents() {
    let Some(tool) = ballast_testkit::tool_from_env("BALLAST_PYSPDXTOOLS", "pyspdxtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let validate = |doc: &Value| {
        let path = dir.path().join("doc.spdx.json");
        std::fs::write(&path, doc.to_string()).unwrap();
        let out = std::process::Command::new(&tool)
            .arg("-i")
            .arg(&path)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    for (name, spec) in [("ml.tar", debian_image()), ("alpine.tar", alpine_image())] {
        let img = write(dir.path(), name, &spec);
        let mut doc = sbom(dir.path(), &img, "spdx-json");
        let (ok, err) = validate(&doc);
        assert!(ok, "{name}: {err}");
        doc["relationships"][1]["relatedSpdxElement"] = Value::from("SPDXRef-Nowhere");
        let (ok, err) = validate(&doc);
        assert!(!ok && err.contains("SPDXRef-Nowhere"), "{name}: {err}");
    }
}

#[test]
fn alpine_packages_carry_distro_origin_and_licence() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "alpine.tar", &alpine_image());
    let bom = sbom(dir.path(), &img, "cyclonedx-json");
    assert_eq!(schemas::cyclonedx_errors(&bom), Vec::<String>::new());
    let libs: Vec<&Value> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .collect();
    assert_eq!(libs.len(), 3);
    let crypto = libs.iter().find(|c| c["name"] == "libcrypto3").unwrap();
    assert_eq!(
        crypto["purl"],
        "pkg:apk/alpine/libcrypto3@3.3.2-r1?arch=x86_64&distro=alpine-3.20.3&upstream=openssl"
    );
    assert_eq!(crypto["licenses"][0]["license"]["name"], "Apache-2.0");
    assert!(
        crypto
            .to_string()
            .contains("{\"name\":\"ballast:bytes\",\"value\":\"4000000\"}"),
        "{crypto}"
    );
    let spdx = sbom(dir.path(), &img, "spdx-json");
    assert_eq!(schemas::spdx_errors(&spdx), Vec::<String>::new());
    assert_eq!(spdx_packages(&spdx).len(), 3);
}

#[test]
fn reproducible_and_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "alpine.tar", &alpine_image());
    let a = sbom(dir.path(), &img, "spdx-json");
    let b = sbom(dir.path(), &img, "spdx-json");
    assert_eq!(
        a, b,
        "the same image and SOURCE_DATE_EPOCH give the same document"
    );

    let target = dir.path().join("sbom.cdx.json");
    std::fs::write(&target, "old").unwrap();
    let out = run(
        ballast(dir.path()).env("SOURCE_DATE_EPOCH", EPOCH).args([
            "sbom",
            "--format",
            "cyclonedx-json",
            "-o",
            "sbom.cdx.json",
            &img,
        ]),
        0,
    );
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sbom.cdx.json: 3 packages (3 Alpine packages (apk)), alpine 3.20.3"),
        "{stderr}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(written["bomFormat"], "CycloneDX");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn diff_of_two_sboms_is_the_package_delta() {
    let dir = tempfile::tempdir().unwrap();
    let before = write(dir.path(), "before.tar", &debian_image());
    let mut after_spec = debian_image();
    // The next release: jupyter dropped, torch upgraded, gcc gone.
    after_spec.layers[1]
        .entries
        .retain(|e| !matches!(e, Entry::File(p, _) if p.contains("jupyter")));
    for e in &mut after_spec.layers[1].entries {
        if let Entry::File(p, _) = e {
            *p = p.replace("torch-2.5.1.dist-info", "torch-2.6.0.dist-info");
        }
    }
    after_spec.layers[1]
        .entries
        .extend(ml_image::dist("torch", "2.6.0", &[], ""));
    let after = write(dir.path(), "after.tar", &after_spec);
    let a = dir.path().join("a.cdx.json");
    let b = dir.path().join("b.spdx.json");
    std::fs::write(&a, sbom(dir.path(), &before, "cyclonedx-json").to_string()).unwrap();
    std::fs::write(&b, sbom(dir.path(), &after, "spdx-json").to_string()).unwrap();

    let out = run(
        ballast(dir.path()).args(["diff", "--format", "json", "a.cdx.json", "b.spdx.json"]),
        0,
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["removed"][0]["name"], "jupyter", "{d}");
    assert_eq!(d["removed"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["added"].as_array().unwrap().len(), 0, "{d}");
    assert_eq!(d["changed"][0]["name"], "torch");
    assert_eq!(
        (
            d["changed"][0]["from"][0].as_str(),
            d["changed"][0]["to"][0].as_str()
        ),
        (Some("2.5.1"), Some("2.6.0"))
    );
    assert_eq!(d["unchanged"], 10);

    // An SBOM against an image: the image is inventoried as `sbom` would.
    let out = run(
        ballast(dir.path()).args(["diff", "--quiet", "a.cdx.json", &before]),
        0,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("0 added, 0 removed, 0 changed version, 12 unchanged"),
        "{text}"
    );

    let out = run(
        ballast(dir.path()).args(["diff", "--format", "markdown", "a.cdx.json", "b.spdx.json"]),
        0,
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("- jupyter 1.1.1\n") && md.contains("~ torch 2.5.1 -> 2.6.0\n"),
        "{md}"
    );
    assert!(
        md.contains("| Python distributions | 8 | 7 | 0 | -1 | ~1 |"),
        "{md}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not-sbom.json"), "{\"hello\": 1}").unwrap();
    std::fs::write(dir.path().join("broken.json"), "{\"bomFormat\": ").unwrap();
    // Deeper than serde_json's recursion limit; bigger than an SBOM may be (sparse).
    std::fs::write(
        dir.path().join("deep.json"),
        format!("{{\"a\":{}", "[".repeat(1000)),
    )
    .unwrap();
    let huge = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    std::io::Write::write_all(&mut &huge, b"{").unwrap();
    huge.set_len(300 << 20).unwrap();
    let img = write(dir.path(), "alpine.tar", &alpine_image());
    for (args, says) in [
        (
            vec!["diff", "deep.json", "deep.json"],
            "deep.json: not JSON: recursion limit exceeded",
        ),
        (
            vec!["diff", "huge.json", "deep.json"],
            "huge.json: 314572800 bytes, more than the 268435456",
        ),
        (
            vec!["diff", "not-sbom.json", "not-sbom.json"],
            "not-sbom.json: neither a CycloneDX",
        ),
        (
            vec!["diff", "broken.json", "not-sbom.json"],
            "broken.json: not JSON",
        ),
        (
            vec!["diff", "--format", "html", "not-sbom.json", "x"],
            "not-sbom.json: neither",
        ),
        (vec!["sbom", "missing.tar"], "missing.tar"),
    ] {
        let out = run(ballast(dir.path()).args(&args), 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    let out = run(
        ballast(dir.path())
            .env("SOURCE_DATE_EPOCH", "yesterday")
            .args(["sbom", "--quiet", &img]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH=yesterday"));
    // Past year 9999 a document's date is no RFC 3339 date-time.
    let out = run(
        ballast(dir.path())
            .env("SOURCE_DATE_EPOCH", "253402300800")
            .args(["sbom", "--quiet", &img]),
        2,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SOURCE_DATE_EPOCH=253402300800: after 9999-12-31T23:59:59Z"),
        "{err}"
    );
    let valid = dir.path().join("ok.json");
    std::fs::write(&valid, sbom(dir.path(), &img, "cyclonedx-json").to_string()).unwrap();
    let out = run(
        ballast(dir.path()).args(["diff", "--format", "html", "ok.json", "ok.json"]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format html"));
}

/// The multi-GB image `bench/ml-image.sh` builds (CUDA torch 2.5.1 from PyPI
/// with its nvidia-* wheels, transformers, a pip cache deleted later): every
/// distribution installed in its site-packages is listed at its version in
/// both formats, and both are schema-valid.
#[test]
#[cfg_attr(
    ballast_no_bench_image,
    ignore = "needs the 8.5 GB image bench/ml-image.sh builds from ~3.5 GB of wheels (bench/sbom.sh builds it and runs this)"
)]
fn multi_gb_bench_image_lists_every_distribution() {
    let results = common::root().join("bench/results/inspect");
    let archive = results.join("ml.docker-archive.tar");
    assert!(
        archive.is_file(),
        "{}: run bench/ml-image.sh first",
        archive.display()
    );
    // What pip installed into the image's site-packages, read from the copy it was made from.
    let mut expected = BTreeSet::new();
    for entry in std::fs::read_dir(results.join("site")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "dist-info") {
            let meta = std::fs::read_to_string(path.join("METADATA")).unwrap();
            let header = |k: &str| {
                meta.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(|v| v.trim().to_string())
                    .unwrap()
            };
            expected.insert(("pypi".to_string(), header("Name:"), header("Version:")));
        }
    }
    assert!(expected.len() > 20, "{expected:?}");
    assert!(
        expected
            .iter()
            .any(|(_, n, _)| n.starts_with("nvidia-cublas"))
    );
    let dir = tempfile::tempdir().unwrap();
    let image = archive.to_str().unwrap();
    let bom = sbom(dir.path(), image, "cyclonedx-json");
    assert_eq!(schemas::cyclonedx_errors(&bom), Vec::<String>::new());
    assert_eq!(cyclonedx_packages(&bom), expected);
    let spdx = sbom(dir.path(), image, "spdx-json");
    assert_eq!(schemas::spdx_errors(&spdx), Vec::<String>::new());
    assert_eq!(spdx_packages(&spdx), expected);
    eprintln!("{} distributions listed", expected.len());
}
