//! `slim` end to end on images the test kit writes in every format: the
//! output is an OCI layout every digest of which verifies, whose final
//! filesystem is the source's (paths, kinds, sizes, hard-link groups, and
//! every file's bytes), with nothing hidden left, and whose untouched
//! layers keep their blobs.

use std::collections::BTreeMap;
use std::io::Read;

use std::path::Path;

use ballast_image::slim::{SlimOptions, final_fs, write_oci};
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load};
use ballast_testkit::image::{Compression, Entry, Format, ImageSpec, Layer, text, zeros};

fn spec() -> ImageSpec {
    let long = format!("opt/{}/model.bin", "deep".repeat(40));
    ImageSpec::new(vec![
        // The base: untouched by what follows, kept byte for byte.
        Layer::new(
            "base",
            vec![
                Entry::Dir("usr".into()),
                Entry::Dir("usr/bin".into()),
                text("usr/bin/python", "#!python"),
                Entry::Symlink("usr/bin/python3".into(), "python".into()),
            ],
        ),
        Layer::new(
            "pip install",
            vec![
                Entry::Dir("root".into()),
                Entry::Dir("root/.cache".into()),
                Entry::Dir("root/.cache/pip".into()),
                zeros("root/.cache/pip/torch.whl", 300_000),
                Entry::Dir("app".into()),
                text("app/a.txt", "old"),
                Entry::Dir("data".into()),
                zeros("data/gone.bin", 5_000),
                zeros("data/t.bin", 7_000),
                Entry::Hardlink("app/link.bin".into(), "data/t.bin".into()),
                Entry::Hardlink("app/link2.bin".into(), "data/t.bin".into()),
                Entry::Dir("opt".into()),
                zeros(&long, 1_234),
            ],
        )
        .compressed(Compression::Zstd),
        Layer::new(
            "cleanup",
            vec![
                Entry::Whiteout("root/.cache/pip".into()),
                text("app/a.txt", "new"),
                Entry::Opaque("data".into()),
                text("data/t.bin", "replaced"),
                Entry::Whiteout("never-existed".into()),
            ],
        ),
    ])
}

fn slim(source: &str, dest: &Path) -> ballast_image::slim::SlimReport {
    write_oci(source, dest, &SlimOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every regular file's bytes per layer, by path, from an OCI layout.
fn contents(layout: &Path) -> Vec<BTreeMap<String, Vec<u8>>> {
    let image = load(
        &format!("oci:{}", layout.display()),
        &LoadOptions::default(),
    )
    .unwrap();
    image
        .layers
        .iter()
        .map(|l| {
            let digest = l.digest.as_ref().unwrap();
            let blob = std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap();
            let tar: Box<dyn Read> = match &blob[..2] {
                [0x1f, 0x8b] => Box::new(flate2::read::MultiGzDecoder::new(&blob[..])),
                [0x28, 0xb5] => Box::new(zstd::stream::read::Decoder::new(&blob[..]).unwrap()),
                _ => Box::new(&blob[..]),
            };
            let mut files = BTreeMap::new();
            for e in tar::Archive::new(tar).entries().unwrap() {
                let mut e = e.unwrap();
                if e.header().entry_type().is_file() {
                    let mut data = Vec::new();
                    e.read_to_end(&mut data).unwrap();
                    files.insert(String::from_utf8_lossy(&e.path_bytes()).into_owned(), data);
                }
            }
            files
        })
        .collect()
}

#[test]
fn every_format_slims_to_the_same_final_filesystem() {
    let work = tempfile::tempdir().unwrap();
    for (i, format) in Format::ALL.into_iter().enumerate() {
        let src = work.path().join(format!("src{i}"));
        let written = spec().write(format, &src).unwrap();
        let prefix = match format {
            Format::OciLayout => "oci:",
            Format::OciArchive => "oci-archive:",
            _ => "docker-archive:",
        };
        let source = format!("{prefix}{}", src.display());
        let dest = work.path().join(format!("out{i}"));
        let report = slim(&source, &dest);
        // By hand: the pip cache (300,000), the old a.txt (3), gone.bin
        // (5,000) under the opaque data/; t.bin's 7,000 bytes stay, held by
        // app/link.bin now.
        assert_eq!(
            report
                .layers
                .iter()
                .map(|l| l.dropped_bytes)
                .collect::<Vec<_>>(),
            [0, 305_003, 0],
            "{format:?}"
        );
        assert!(report.layers[0].unchanged);
        assert_eq!(report.layers[0].digest, written.layer_digests[0]);
        assert_eq!(report.layers[0].diff_id, written.diff_ids[0]);
        assert_eq!(report.stored_before - report.stored_after, 305_003);

        let opts = LoadOptions::default();
        let before = load(&source, &opts).unwrap();
        let after = load(&format!("oci:{}", dest.display()), &opts).unwrap();
        let entries = |i: &ballast_image::LoadedImage| -> Vec<Vec<_>> {
            i.layers
                .iter()
                .map(|l| l.scan.entries.as_slice().to_vec())
                .collect()
        };
        assert_eq!(final_fs(&entries(&before)), final_fs(&entries(&after)));
        let totals = analyze(after, &AnalyzeOptions::default()).totals;
        assert_eq!(totals.wasted_bytes, 0, "{format:?}");
        assert_eq!(totals.final_bytes, report.final_bytes);
    }
}

#[test]
fn kept_files_keep_their_bytes_and_links_their_group() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    spec().write(Format::OciLayout, &src).unwrap();
    let dest = work.path().join("out");
    slim(&format!("oci:{}", src.display()), &dest);
    let (before, after) = (contents(&src), contents(&dest));
    for (layer, files) in after.iter().enumerate() {
        for (path, data) in files {
            let original = before[layer]
                .get(path)
                .or_else(|| (path == "app/link.bin").then(|| &before[layer]["data/t.bin"]));
            assert_eq!(Some(data), original, "layer {layer}: {path}");
        }
    }
    assert!(after[1].contains_key("app/link.bin") && !after[1].contains_key("data/t.bin"));
    assert!(!after[1].contains_key("root/.cache/pip/torch.whl"));
}

#[test]
fn slim_writes_nothing_where_it_fails() {
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("out");
    // A hard link whose target a later layer deletes, stored in another layer.
    let refused = ImageSpec::new(vec![
        Layer::new("a", vec![zeros("t", 10)]),
        Layer::new("b", vec![Entry::Hardlink("l".into(), "t".into())]),
        Layer::new("c", vec![Entry::Whiteout("t".into())]),
    ]);
    let src = work.path().join("refused");
    refused.write(Format::OciLayout, &src).unwrap();
    let err = write_oci(
        &format!("oci:{}", src.display()),
        &dest,
        &SlimOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("layer 1: the hard link l points at t"),
        "{err}"
    );
    // An existing destination is never written over.
    std::fs::create_dir(&dest).unwrap();
    let ok = work.path().join("ok");
    spec().write(Format::OciLayout, &ok).unwrap();
    let err = write_oci(
        &format!("oci:{}", ok.display()),
        &dest,
        &SlimOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("already exists"), "{err}");
    let left: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ballast-slim-"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
}

/// Slims `spec()` with `corrupt` applied to the written layout before the
/// proof; returns the error.
fn corrupted(corrupt: &(dyn Fn(&Path) + Sync)) -> String {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    spec().write(Format::OciLayout, &src).unwrap();
    let dest = work.path().join("out");
    let opts = SlimOptions {
        before_proof: Some(corrupt),
        ..SlimOptions::default()
    };
    let err = write_oci(&format!("oci:{}", src.display()), &dest, &opts)
        .expect_err("the proof catches it")
        .to_string();
    assert!(!dest.exists(), "nothing at DEST");
    err
}

#[test]
fn the_proof_catches_a_corrupted_rewrite() {
    // A flipped byte in the largest blob: its digest no longer verifies.
    let err = corrupted(&|layout| {
        let blobs = layout.join("blobs/sha256");
        let biggest = std::fs::read_dir(&blobs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .max_by_key(|p| std::fs::metadata(p).unwrap().len())
            .unwrap();
        let mut bytes = std::fs::read(&biggest).unwrap();
        let last = bytes.len() - 9; // inside the gzip stream, before its trailer
        bytes[last] ^= 0xff;
        std::fs::write(&biggest, bytes).unwrap();
    });
    assert!(
        err.contains("digest") || err.contains("crc") || err.contains("corrupt"),
        "{err}"
    );

    // A consistent image, every digest right, that lost a file: the final
    // filesystems differ, and the proof names where.
    let err = corrupted(&|layout| {
        let mut lost = spec();
        lost.layers[2]
            .entries
            .retain(|e| !matches!(e, Entry::File(p, _) if p == "app/a.txt"));
        std::fs::remove_dir_all(layout).unwrap();
        lost.write(Format::OciLayout, layout).unwrap();
    });
    assert!(
        err.contains("differs from the source") && err.contains("app/a.txt"),
        "{err}"
    );
}

#[test]
fn archives_docker_and_oci_prove_out_too() {
    use ballast_image::slim::{Destination, write};
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    spec().write(Format::OciLayout, &src).unwrap();
    let source = format!("oci:{}", src.display());
    let docker = work.path().join("slim-docker.tar");
    let oci = work.path().join("slim-oci.tar");
    let dest = Destination::DockerArchive(docker.clone(), Some("slim:1".into()));
    let report = write(&source, &dest, &SlimOptions::default()).unwrap();
    write(
        &source,
        &Destination::OciArchive(oci.clone()),
        &SlimOptions::default(),
    )
    .unwrap();
    // Docker's manifest names the tag, the new configuration and every layer.
    let mut manifest = String::new();
    for e in tar::Archive::new(std::fs::File::open(&docker).unwrap())
        .entries()
        .unwrap()
    {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some("manifest.json") {
            e.read_to_string(&mut manifest).unwrap();
        }
    }
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m[0]["RepoTags"][0], "slim:1");
    assert_eq!(
        m[0]["Config"],
        format!("blobs/sha256/{}", &report.config_digest[7..])
    );
    assert_eq!(m[0]["Layers"].as_array().unwrap().len(), 3);
    let opts = LoadOptions::default();
    let fs = |r: &str| {
        let i = load(r, &opts).unwrap();
        final_fs(
            &i.layers
                .iter()
                .map(|l| l.scan.entries.as_slice().to_vec())
                .collect::<Vec<_>>(),
        )
    };
    let want = fs(&source);
    assert_eq!(fs(&format!("docker-archive:{}", docker.display())), want);
    assert_eq!(fs(&format!("oci-archive:{}", oci.display())), want);
    assert_eq!(
        Destination::parse("docker-archive:a.tar:name:tag"),
        Ok(Destination::DockerArchive(
            "a.tar".into(),
            Some("name:tag".into())
        ))
    );
    assert_eq!(
        Destination::parse("docker://r/x"),
        Ok(Destination::Registry("r/x:latest".into()))
    );
    assert_eq!(
        Destination::parse("daemon://x:2"),
        Ok(Destination::Daemon("x:2".into()))
    );
    assert!(
        Destination::parse("ftp://r/x")
            .unwrap_err()
            .contains("not ftp:")
    );
}

#[test]
fn zstd_and_uncompressed_layers_prove_out() {
    use ballast_image::layer::Compression;
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    spec().write(Format::OciLayout, &src).unwrap();
    let source = format!("oci:{}", src.display());
    for (i, kind) in [Compression::Zstd, Compression::None]
        .into_iter()
        .enumerate()
    {
        let dest = work.path().join(format!("out{i}"));
        let opts = SlimOptions {
            compression: (kind, Some(3)),
            ..SlimOptions::default()
        };
        let report = write_oci(&source, &dest, &opts).unwrap();
        let image = load(&format!("oci:{}", dest.display()), &LoadOptions::default()).unwrap();
        // The rewritten layer as asked; the untouched base as the source had it.
        assert_eq!(image.layers[1].scan.compression, kind);
        assert_eq!(
            image.layers[0].digest.as_deref(),
            Some(report.layers[0].digest.as_str())
        );
    }
    let err = ballast_image::slim::write(
        &source,
        &ballast_image::slim::Destination::DockerArchive(work.path().join("d.tar"), None),
        &SlimOptions {
            compression: (Compression::Zstd, None),
            ..SlimOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("docker load reads gzip"), "{err}");
}

/// The manifest of an OCI layout: its media type, its config's, its layers'.
fn media_types(layout: &Path) -> (String, String, Vec<String>) {
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let index = read(&layout.join("index.json"));
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    assert_eq!(
        index["manifests"][0]["mediaType"],
        read(&layout.join("blobs/sha256").join(&digest[7..]))["mediaType"]
    );
    let m = read(&layout.join("blobs/sha256").join(&digest[7..]));
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    (
        s(&m["mediaType"]),
        s(&m["config"]["mediaType"]),
        m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| s(&l["mediaType"]))
            .collect(),
    )
}

#[test]
fn media_types_follow_the_source_or_the_format_asked_for() {
    use ballast_image::slim::ImageFormat;
    let work = tempfile::tempdir().unwrap();
    let (docker, oci) = (work.path().join("d.tar"), work.path().join("o"));
    spec().write(Format::DockerArchive, &docker).unwrap();
    spec().write(Format::OciLayout, &oci).unwrap();
    let docker = format!("docker-archive:{}", docker.display());
    let oci = format!("oci:{}", oci.display());
    let with = |format| SlimOptions {
        image_format: format,
        ..SlimOptions::default()
    };
    let cases = [
        // `docker save`: Docker's types; the kept base is an uncompressed tar.
        (
            &docker,
            None,
            [
                "application/vnd.docker.image.rootfs.diff.tar",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            ],
            "docker",
        ),
        // An OCI layout: OCI's; the kept base keeps its declared type.
        (
            &oci,
            None,
            [
                "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.oci.image.layer.v1.tar+gzip",
            ],
            "oci",
        ),
        (
            &docker,
            Some(ImageFormat::Oci),
            [
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.v1.tar+gzip",
            ],
            "oci",
        ),
        (
            &oci,
            Some(ImageFormat::Docker),
            [
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            ],
            "docker",
        ),
    ];
    for (i, (source, format, layers, family)) in cases.into_iter().enumerate() {
        let dest = work.path().join(format!("out{i}"));
        let report = write_oci(source, &dest, &with(format)).unwrap_or_else(|e| panic!("{e}"));
        let (manifest, config, got) = media_types(&dest);
        let (m, c) = if family == "docker" {
            (
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.container.image.v1+json",
            )
        } else {
            (
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.config.v1+json",
            )
        };
        assert_eq!(
            (manifest.as_str(), config.as_str()),
            (m, c),
            "{source} {format:?}"
        );
        assert_eq!(&got[..2], layers, "{source} {format:?}");
        assert_eq!(serde_json::to_value(report.image_format).unwrap(), family);
        // Read back by the loader, every digest verified.
        load(&format!("oci:{}", dest.display()), &LoadOptions::default()).unwrap();
    }
    // Docker's types have no zstd: refused before anything is written.
    let zstd = SlimOptions {
        image_format: Some(ImageFormat::Docker),
        compression: (ballast_image::layer::Compression::Zstd, None),
        ..SlimOptions::default()
    };
    let dest = work.path().join("zstd");
    let err = write_oci(&oci, &dest, &zstd).unwrap_err().to_string();
    assert!(err.contains("Docker's media types have no zstd"), "{err}");
    assert!(!dest.exists());
}

#[test]
fn an_image_with_nothing_to_drop_keeps_its_configuration_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let written = ImageSpec::new(vec![Layer::new("base", vec![text("a", "x")])])
        .write(Format::OciLayout, &src)
        .unwrap();
    let report = slim(&format!("oci:{}", src.display()), &work.path().join("out"));
    assert_eq!(report.config_digest, written.config_digest);
}

#[test]
fn squash_from_merges_the_layers_above_into_one() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let mut spec = spec().step(2, "ENV X=1");
    // `app` is a directory of both merged layers.
    spec.layers[2].entries.insert(0, Entry::Dir("app".into()));
    let written = spec.write(Format::OciLayout, &src).unwrap();
    let source = format!("oci:{}", src.display());
    for n in [0, 1] {
        let dest = work.path().join(format!("squash{n}"));
        let opts = SlimOptions {
            squash_from: Some(n),
            ..SlimOptions::default()
        };
        let report = write_oci(&source, &dest, &opts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.squashed_from, Some(n));
        assert_eq!(report.layer_digests.len(), n + 1);
        // The layers below keep their blobs; the bytes dropped are the same.
        assert_eq!(report.layer_digests[..n], written.layer_digests[..n]);
        assert_eq!(report.stored_before - report.stored_after, 305_003);
        let out = format!("oci:{}", dest.display());
        let image = load(&out, &LoadOptions::default()).unwrap();
        assert_eq!(image.layers.len(), n + 1);
        // One layer-making step per layer; the merged steps marked empty.
        let history = &image.config.history;
        let making: Vec<&str> = history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(making.len(), n + 1, "{history:?}");
        assert_eq!(*making.last().unwrap(), "cleanup");
        assert_eq!(history.len(), 4, "every step kept, ENV included");
        // The files of the merged layers, in the one layer, as the source's final filesystem.
        let files = contents(&dest);
        let top = files.last().unwrap();
        assert_eq!(top["app/a.txt"], b"new");
        assert_eq!(top["data/t.bin"], b"replaced");
        assert!(!top.contains_key("root/.cache/pip/torch.whl"));
        // Each path once (Docker refuses a layer with a path twice): `app`,
        // a directory of both merged layers, is written once.
        let digest = &report.layer_digests[n];
        let blob = std::fs::read(dest.join("blobs/sha256").join(&digest[7..])).unwrap();
        let mut tar = tar::Archive::new(flate2::read::MultiGzDecoder::new(&blob[..]));
        let paths: Vec<String> = tar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                String::from_utf8_lossy(&e.path_bytes())
                    .trim_end_matches('/')
                    .to_string()
            })
            .collect();
        let unique: std::collections::BTreeSet<&String> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "{paths:?}");
        assert!(unique.contains(&"app".to_string()));
        let totals = analyze(image, &AnalyzeOptions::default()).totals;
        assert_eq!(
            (totals.wasted_bytes, totals.final_bytes),
            (0, report.final_bytes)
        );
    }
    let err = write_oci(
        &source,
        &work.path().join("bad"),
        &SlimOptions {
            squash_from: Some(3),
            ..SlimOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("--squash-from 3: the image has 3 layers, numbered 0 to 2"),
        "{err}"
    );
}

/// A PAX extended header record set, as a raw tar entry (it applies to the
/// entry after it).
fn pax(records: &[(&str, &[u8])]) -> Entry {
    let mut data = Vec::new();
    for (key, value) in records {
        // "<len> <key>=<value>\n", the length counting itself.
        let body = 3 + key.len() + value.len();
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        data.extend_from_slice(format!("{len} {key}=").as_bytes());
        data.extend_from_slice(value);
        data.push(b'\n');
    }
    ballast_testkit::image::raw("PaxHeaders/ping", tar::EntryType::XHeader, data)
}

#[test]
fn extended_attributes_of_kept_entries_stay_byte_for_byte() {
    // A file with a capability (ping's), in a layer that loses a cache.
    let capability: &[u8] = &[1, 0, 0, 2, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let spec = ImageSpec::new(vec![
        Layer::new(
            "base",
            vec![
                Entry::Dir("usr".into()),
                Entry::Dir("usr/bin".into()),
                pax(&[
                    ("SCHILY.xattr.security.capability", capability),
                    ("mtime", b"1700000000.123456789"),
                ]),
                text("usr/bin/ping", "ELF"),
                zeros("usr/cache.bin", 50_000),
            ],
        ),
        Layer::new(
            "RUN rm /usr/cache.bin",
            vec![Entry::Whiteout("usr/cache.bin".into())],
        ),
    ]);
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    spec.write(Format::OciLayout, &src).unwrap();
    let dest = work.path().join("out");
    let report = slim(&format!("oci:{}", src.display()), &dest);
    assert!(!report.layers[0].unchanged, "the base loses the cache");
    let blob = std::fs::read(
        dest.join("blobs/sha256")
            .join(&report.layer_digests[0][7..]),
    )
    .unwrap();
    let mut tar = tar::Archive::new(flate2::read::MultiGzDecoder::new(&blob[..]));
    let mut found = false;
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path_bytes().as_ref() == b"usr/bin/ping" {
            let records: Vec<(String, Vec<u8>)> = e
                .pax_extensions()
                .unwrap()
                .expect("its PAX records")
                .map(|r| {
                    let r = r.unwrap();
                    (r.key().unwrap().to_string(), r.value_bytes().to_vec())
                })
                .collect();
            assert_eq!(
                records,
                [
                    (
                        "SCHILY.xattr.security.capability".to_string(),
                        capability.to_vec()
                    ),
                    ("mtime".to_string(), b"1700000000.123456789".to_vec()),
                ]
            );
            found = true;
        }
        assert_ne!(e.path_bytes().as_ref(), b"usr/cache.bin");
    }
    assert!(found, "ping is kept");
}
