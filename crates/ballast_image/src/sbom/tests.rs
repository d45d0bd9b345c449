use serde_json::{Value, json};

use super::*;
use crate::inspection::{Distribution, LayerReport, OsPackage, PythonEnvironment};

fn os(
    manager: PackageManager,
    name: &str,
    version: &str,
    arch: &str,
    source: Option<&str>,
) -> OsPackage {
    OsPackage {
        manager,
        name: name.into(),
        version: version.into(),
        architecture: arch.into(),
        source: source.map(str::to_string),
        license: (manager == PackageManager::Apk).then(|| "MIT AND custom".to_string()),
        bytes: 1000,
        build_tool: false,
        cuda: false,
    }
}

fn dist(name: &str, version: &str, site: &str) -> Distribution {
    Distribution {
        name: name.into(),
        version: version.into(),
        bytes: 42,
        files: 1,
        site_packages: site.into(),
        metadata_dir: format!("{site}/{name}-{version}.dist-info"),
        installer: Some("pip".into()),
    }
}

fn layer(index: usize, diff_id: &str) -> LayerReport {
    LayerReport {
        index,
        diff_id: Some(diff_id.into()),
        digest: None,
        media_type: None,
        compression: "none".into(),
        tar_bytes: 0,
        file_bytes: 0,
        compressed_bytes: 0,
        files: 0,
        created_by: None,
        visible_bytes: 0,
        wasted_bytes: 0,
        deleted_below_bytes: 0,
        cache_bytes: Vec::new(),
        base: index == 0,
    }
}

/// A Debian image with a venv and the same distribution twice.
fn report() -> Report {
    let mut r = Report::default();
    r.image.reference = "rag:latest".into();
    r.image.os = "linux".into();
    r.image.architecture = "amd64".into();
    r.image.manifest_digest = Some(format!("sha256:{}", "ab".repeat(32)));
    r.distro = Some(Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
    });
    r.os_packages = vec![
        os(
            PackageManager::Dpkg,
            "libssl3",
            "3.0.15-1~deb12u1",
            "amd64",
            Some("openssl"),
        ),
        os(
            PackageManager::Dpkg,
            "tzdata",
            "2024a-0+deb12u1",
            "all",
            None,
        ),
    ];
    r.python.distributions = vec![
        dist(
            "torch",
            "2.5.1+cpu",
            "opt/venv/lib/python3.11/site-packages",
        ),
        dist(
            "nvidia_cublas_cu12",
            "12.4.5.8",
            "opt/venv/lib/python3.11/site-packages",
        ),
        dist("pip", "24.0", "usr/local/lib/python3.11/site-packages"),
        dist("pip", "24.0", "opt/venv/lib/python3.11/site-packages"),
    ];
    // The official python image's CPython in /usr/local.
    r.image.env = vec!["PYTHON_VERSION=3.11.10".into()];
    r.python.environments = vec![PythonEnvironment {
        site_packages: "usr/local/lib/python3.11/site-packages".into(),
        venv: None,
        python_version: Some("3.11".into()),
        distributions: 1,
        bytes: 42,
    }];
    r.totals.base_layers = 1;
    r.layers = vec![layer(0, "sha256:base"), layer(1, "sha256:mine")];
    r
}

#[test]
fn package_urls_carry_what_scanners_match_on() {
    let inv = Inventory::of(&report(), None);
    let purls: Vec<&str> = inv
        .packages
        .iter()
        .filter_map(|p| p.purl.as_deref())
        .collect();
    assert_eq!(
        purls,
        [
            "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl",
            "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
            "pkg:pypi/nvidia-cublas-cu12@12.4.5.8",
            "pkg:pypi/pip@24.0",
            "pkg:pypi/pip@24.0",
            "pkg:pypi/torch@2.5.1%2Bcpu",
            "pkg:generic/python@3.11.10",
        ]
    );
    let python = inv.packages.last().unwrap();
    assert_eq!(
        python.cpe.as_deref(),
        Some("cpe:2.3:a:python:python:3.11.10:*:*:*:*:*:*:*")
    );
    assert_eq!(
        python.location.as_deref(),
        Some("/usr/local/bin/python3.11")
    );
    // Without its site-packages, the variable alone says nothing.
    let mut gone = report();
    gone.python.environments.clear();
    assert!(
        Inventory::of(&gone, None)
            .packages
            .iter()
            .all(|p| p.name != "python")
    );
    let mut alpine = report();
    alpine.distro = Some(Distro {
        id: "alpine".into(),
        version_id: Some("3.20.3".into()),
        codename: None,
        pretty_name: None,
    });
    alpine.os_packages = vec![os(
        PackageManager::Apk,
        "libcrypto3",
        "3.3.2-r1",
        "x86_64",
        Some("openssl"),
    )];
    let inv = Inventory::of(&alpine, None);
    assert_eq!(
        inv.packages[0].purl.as_deref(),
        Some(
            "pkg:apk/alpine/libcrypto3@3.3.2-r1?arch=x86_64&distro=alpine-3.20.3&upstream=openssl"
        )
    );
    assert_eq!(inv.packages[0].license.as_deref(), Some("MIT AND custom"));
}

#[test]
fn base_image_named_by_option_or_label() {
    let r = report();
    let unnamed = Inventory::of(&r, None).base.unwrap();
    assert_eq!((unnamed.name, unnamed.layers), (None, 1));
    assert_eq!(unnamed.top_layer.as_deref(), Some("sha256:base"));
    let mut labelled = report();
    labelled.image.labels.insert(
        "org.opencontainers.image.base.name".into(),
        "docker.io/library/python:3.11-slim".into(),
    );
    let named = Inventory::of(&labelled, None).base.unwrap();
    assert_eq!(
        named.name.as_deref(),
        Some("docker.io/library/python:3.11-slim")
    );
    let given = Inventory::of(&labelled, Some("base.tar")).base.unwrap();
    assert_eq!(given.name.as_deref(), Some("base.tar"));
    let mut no_base = report();
    no_base.totals.base_layers = 0;
    assert_eq!(Inventory::of(&no_base, None).base, None);
}

#[test]
fn timestamps_are_utc() {
    assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(utc_timestamp(1_796_592_000), "2026-12-06T21:20:00Z");
    assert_eq!(utc_timestamp(4_102_444_799), "2099-12-31T23:59:59Z");
    assert_eq!(utc_timestamp(LATEST_TIMESTAMP), "9999-12-31T23:59:59Z");
    assert_eq!(utc_timestamp(u64::MAX), "9999-12-31T23:59:59Z");
}

#[test]
fn both_formats_are_schema_valid_and_read_back() {
    let inv = Inventory::of(&report(), None);
    let cdx = inv.to_json(Format::CycloneDx, 1_796_592_000);
    assert_eq!(
        ballast_testkit::schemas::cyclonedx_errors(&cdx),
        Vec::<String>::new()
    );
    let spdx = inv.to_json(Format::Spdx, 1_796_592_000);
    assert_eq!(
        ballast_testkit::schemas::spdx_errors(&spdx),
        Vec::<String>::new()
    );

    // CycloneDX keeps everything; SPDX everything but the measured bytes.
    assert_eq!(read(&cdx.to_string()).unwrap(), inv);
    let mut without_bytes = inv.clone();
    without_bytes
        .packages
        .iter_mut()
        .for_each(|p| p.bytes = None);
    without_bytes.distro.as_mut().unwrap().codename = None;
    assert_eq!(read(&spdx.to_string()).unwrap(), without_bytes);

    // The same purl twice still gives unique bom-refs; every component is a dependency of the image.
    let refs: Vec<&str> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&&str> = refs.iter().collect();
    assert_eq!(unique.len(), refs.len(), "{refs:?}");
    assert_eq!(
        cdx["dependencies"][0]["dependsOn"]
            .as_array()
            .unwrap()
            .len(),
        refs.len()
    );
    assert_eq!(cdx["components"][0]["type"], "operating-system");
    assert_eq!(cdx["metadata"]["timestamp"], "2026-12-06T21:20:00Z");
}

#[test]
fn a_broken_document_fails_the_schemas() {
    // The validation itself can fail: a component without a name, a package without a download location.
    let inv = Inventory::of(&report(), None);
    let mut cdx = inv.to_json(Format::CycloneDx, 0);
    cdx["components"][2].as_object_mut().unwrap().remove("name");
    assert!(!ballast_testkit::schemas::cyclonedx_errors(&cdx).is_empty());
    let mut spdx = inv.to_json(Format::Spdx, 0);
    spdx["packages"][3]["downloadLocation"] = json!(null);
    assert!(!ballast_testkit::schemas::spdx_errors(&spdx).is_empty());
}

#[test]
fn other_tools_documents_are_read_by_purl() {
    let cdx: Value = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"type": "container", "name": "app:1"}},
        "components": [
            {"type": "library", "name": "requests", "version": "2.32.3", "purl": "pkg:pypi/requests@2.32.3",
             "licenses": [{"license": {"id": "Apache-2.0"}}],
             "components": [{"type": "library", "name": "left-pad", "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0"}]},
            {"type": "operating-system", "name": "ubuntu", "version": "22.04"},
            {"type": "library", "purl": "pkg:deb/ubuntu/bash@5.1-6ubuntu1?arch=amd64"}
        ]
    });
    let inv = read(&cdx.to_string()).unwrap();
    assert_eq!(inv.image.name, "app:1");
    assert_eq!(inv.distro.as_ref().unwrap().id, "ubuntu");
    let got: Vec<(Ecosystem, &str, &str)> = inv
        .packages
        .iter()
        .map(|p| (p.ecosystem, p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Ecosystem::Deb, "bash", "5.1-6ubuntu1"),
            (Ecosystem::Pypi, "requests", "2.32.3"),
            (Ecosystem::Other, "left-pad", "1.3.0")
        ]
    );
    assert_eq!(inv.packages[1].license.as_deref(), Some("Apache-2.0"));

    let spdx = json!({
        "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "documentDescribes": ["SPDXRef-img"],
        "packages": [
            {"SPDXID": "SPDXRef-img", "name": "app:1", "versionInfo": "sha256:00"},
            {"SPDXID": "SPDXRef-p", "name": "numpy", "versionInfo": "1.26.4",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/numpy@1.26.4"}]}
        ]
    });
    let inv = read(&spdx.to_string()).unwrap();
    assert_eq!(
        (inv.image.name.as_str(), inv.image.digest.as_deref()),
        ("app:1", Some("sha256:00"))
    );
    assert_eq!(inv.packages.len(), 1);
    assert_eq!(inv.packages[0].ecosystem, Ecosystem::Pypi);

    assert!(read("[]").unwrap_err().contains("neither"));
    assert!(read("{").unwrap_err().starts_with("not JSON"));
    assert!(looks_like_json(b"  \n{\"a\"") && !looks_like_json(b"ustar\0"));
}

#[test]
fn delta_matches_by_normalised_name_and_compares_versions() {
    let a = Inventory::of(&report(), None);
    let mut r = report();
    r.os_packages.remove(1); // tzdata gone
    r.os_packages
        .push(os(PackageManager::Dpkg, "curl", "7.88.1-10", "amd64", None));
    r.python.distributions[0].version = "2.5.1".into(); // torch changed
    r.python.distributions[1].name = "nvidia-cublas-cu12".into(); // the same, spelt otherwise
    r.python.distributions.pop(); // one of the two pips: still pip 24.0
    let b = Inventory::of(&r, None);
    let d = compare(&a, &b);
    let names = |v: &[delta::Versions]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&d.added), ["curl"]);
    assert_eq!(names(&d.removed), ["tzdata"]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(
        (d.changed[0].from.clone(), d.changed[0].to.clone()),
        (vec!["2.5.1+cpu".to_string()], vec!["2.5.1".to_string()])
    );
    assert_eq!(d.unchanged, 4);
    let deb = &d.ecosystems[0];
    assert_eq!(
        (deb.ecosystem, deb.a, deb.b, deb.added, deb.removed),
        (Ecosystem::Deb, 2, 2, 1, 1)
    );
    assert!(compare(&a, &a).is_empty());
}
