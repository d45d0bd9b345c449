//! Byte accounting on images written by the test kit, with the expected
//! figures worked out by hand (see the comments), in every format and
//! compression ballast reads.

use ballast_image::inspection::Report;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze, load};
use ballast_testkit::image::{Compression, Entry, Format, ImageSpec, Layer, raw, zeros};

/// Layer 0 (base):  python3 5000 B, libfoo 1000 B, a hard link python3.11 -> python3, a symlink.
/// Layer 1 (pip):   pip cache a 3000 + b 2000, pkg 400, app/config.yaml 100.
/// Layer 2 (rm):    whiteout root/.cache/pip, config.yaml rewritten as 150.
/// Layer 3:         opaque usr/lib (hides libfoo), libbar 700, whiteout usr/bin/python3
///                  (its bytes survive through the hard link python3.11).
///
/// stored:  6000 + 5500 + 150 + 700 = 12350
/// visible: 5000 (python3.11) + 400 + 150 + 700 = 6250
/// wasted:  1000 (libfoo) + 5000 (pip cache) + 100 (old config) = 6100
fn spec(c: Compression) -> ImageSpec {
    ImageSpec::new(vec![
        Layer::new(
            "/bin/sh -c #(nop) ADD file:rootfs in /",
            vec![
                zeros("usr/bin/python3", 5000),
                zeros("usr/lib/libfoo.so.1", 1000),
                Entry::Hardlink("usr/bin/python3.11".into(), "usr/bin/python3".into()),
                Entry::Symlink("usr/bin/python".into(), "python3".into()),
            ],
        )
        .compressed(c),
        Layer::new(
            "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
            vec![
                zeros("root/.cache/pip/http/a", 3000),
                zeros("root/.cache/pip/http/b", 2000),
                zeros(
                    "usr/local/lib/python3.11/site-packages/pkg/__init__.py",
                    400,
                ),
                zeros("app/config.yaml", 100),
            ],
        )
        .compressed(c),
        Layer::new(
            "RUN /bin/sh -c rm -rf /root/.cache/pip # buildkit",
            vec![
                Entry::Whiteout("root/.cache/pip".into()),
                zeros("app/config.yaml", 150),
            ],
        )
        .compressed(c),
        Layer::new(
            "RUN /bin/sh -c replace-libs # buildkit",
            vec![
                Entry::Opaque("usr/lib".into()),
                zeros("usr/lib/libbar.so.2", 700),
                Entry::Whiteout("usr/bin/python3".into()),
            ],
        )
        .compressed(c),
    ])
    .step(1, "/bin/sh -c #(nop)  CMD [\"bash\"]")
}

fn report(path: &std::path::Path, verify: bool) -> Report {
    let opts = LoadOptions {
        verify,
        capture: &ballast_image::capture,
        ..LoadOptions::default()
    };
    let image =
        load(path.to_str().unwrap(), &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    analyze(image, &AnalyzeOptions::default())
}

fn check_hand_numbers(r: &Report) {
    let t = &r.totals;
    assert_eq!(t.stored_bytes, 12350);
    assert_eq!(t.final_bytes, 6250);
    assert_eq!(t.wasted_bytes, 6100);
    assert!((t.efficiency - 6250.0 / 12350.0).abs() < 1e-12);
    assert_eq!(t.files, 4);
    let per_layer: Vec<(u64, u64, u64, u64)> = r
        .layers
        .iter()
        .map(|l| (l.file_bytes, l.visible_bytes, l.wasted_bytes, l.files))
        .collect();
    assert_eq!(
        per_layer,
        vec![
            (6000, 5000, 1000, 4),
            (5500, 400, 5100, 4),
            (150, 150, 0, 1),
            (700, 700, 0, 1)
        ]
    );
    // The base ends at the CMD step after layer 0.
    assert_eq!((t.base_layers, t.base_source.as_str()), (1, "history"));
    assert_eq!(
        (t.base_bytes, t.your_bytes, t.your_wasted_bytes),
        (5000, 1250, 5100)
    );
    assert_eq!(
        r.layers[1].created_by.as_deref(),
        Some("RUN /bin/sh -c pip install -r requirements.txt # buildkit")
    );
    // dive: python3 (5000, 0) and config.yaml (100, 150) occur twice;
    // min sum 7200, cumulative sum 12350; user size 6350.
    let d = &r.dive_compat;
    assert_eq!(d.wasted_bytes, 5250);
    assert!(
        (d.efficiency - 7200.0 / 12350.0).abs() < 1e-12,
        "{}",
        d.efficiency
    );
    assert_eq!((d.image_size, d.user_size), (12350, 6350));
    assert!((d.user_wasted_percent.unwrap() - 5250.0 / 6350.0).abs() < 1e-12);
}

#[test]
fn every_format_and_compression_gives_the_hand_worked_numbers() {
    let dir = tempfile::tempdir().unwrap();
    for (ci, c) in [Compression::Gzip, Compression::Zstd, Compression::None]
        .into_iter()
        .enumerate()
    {
        for (fi, format) in Format::ALL.into_iter().enumerate() {
            let path = dir.path().join(format!("img-{ci}-{fi}"));
            let written = spec(c).write(format, &path).unwrap();
            for verify in [true, false] {
                let r = report(&path, verify);
                check_hand_numbers(&r);
                let diff_ids: Vec<&str> = r
                    .layers
                    .iter()
                    .map(|l| l.diff_id.as_deref().unwrap())
                    .collect();
                assert_eq!(diff_ids, written.diff_ids, "{format:?} {c:?}");
                let compressed: Vec<u64> = r.layers.iter().map(|l| l.compressed_bytes).collect();
                assert_eq!(compressed, written.layer_sizes, "{format:?} {c:?}");
            }
            let r = report(&path, true);
            let expected = if format == Format::DockerArchive {
                "none"
            } else {
                ["gzip", "zstd", "none"][ci]
            };
            assert!(
                r.layers.iter().all(|l| l.compression == expected),
                "{format:?} {c:?}"
            );
        }
    }
}

#[test]
fn an_explicit_deleted_directory_is_charged_its_subtree_by_dive() {
    // With an explicit directory entry, dive charges the whiteout the whole
    // subtree (5000) as one occurrence: it adds 5000 to both sides of its
    // ratio instead of counting it as waste. ballast counts it as wasted.
    let mut s = spec(Compression::Gzip);
    s.layers[1]
        .entries
        .insert(0, Entry::Dir("root/.cache/pip".into()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    s.write(Format::OciLayout, &path).unwrap();
    let r = report(&path, true);
    assert_eq!(r.totals.wasted_bytes, 6100);
    assert_eq!(r.dive_compat.wasted_bytes, 5250);
    assert!(
        (r.dive_compat.efficiency - 12200.0 / 17350.0).abs() < 1e-12,
        "{}",
        r.dive_compat.efficiency
    );
}

#[test]
fn reading_from_a_stream_gives_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        Format::DockerArchive,
        Format::DockerArchiveOci,
        Format::OciArchive,
    ] {
        let path = dir.path().join(format!("{format:?}.tar"));
        spec(Compression::Gzip).write(format, &path).unwrap();
        let opts = LoadOptions::for_report();
        let file = std::fs::File::open(&path).unwrap();
        let image =
            ballast_image::load_reader(std::io::BufReader::new(file), "<stream>", &opts).unwrap();
        let r = analyze(image, &AnalyzeOptions::default());
        check_hand_numbers(&r);
    }
}

#[test]
fn base_given_explicitly_overrides_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    let written = spec(Compression::Gzip)
        .write(Format::OciLayout, &path)
        .unwrap();
    let image = load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let r = analyze(
        image,
        &AnalyzeOptions {
            base_diff_ids: Some(written.diff_ids[..2].to_vec()),
        },
    );
    assert_eq!(
        (r.totals.base_layers, r.totals.base_source.as_str()),
        (2, "--base")
    );
    assert_eq!(r.totals.your_bytes, 850);
}

fn pax_record(key: &str, value: &str) -> Vec<u8> {
    // "LEN key=value\n" where LEN counts the whole record, itself included.
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

#[test]
fn long_names_pax_attributes_and_non_utf8_names() {
    let long = format!("opt/{}weights.bin", "deep/".repeat(60));
    let pax_name = format!("usr/share/{}/model.safetensors", "x".repeat(150));
    let spec = ImageSpec::new(vec![Layer::new(
        "ADD long names",
        vec![
            // A GNU long name (written by the tar builder for names over 100 bytes).
            zeros(&long, 1234),
            // A PAX header whose path and size override the ustar header's.
            raw(
                "././@PaxHeader",
                tar::EntryType::XHeader,
                [pax_record("path", &pax_name), pax_record("size", "10")].concat(),
            ),
            raw("short-name", tar::EntryType::Regular, vec![7u8; 10]),
            // A name that is not UTF-8 (Latin-1 "café").
            {
                let Entry::Raw { mut header, data } =
                    raw("data/cafe.txt", tar::EntryType::Regular, vec![1u8; 3])
                else {
                    unreachable!()
                };
                header.as_old_mut().name[8] = 0xe9;
                header.set_cksum();
                Entry::Raw { header, data }
            },
        ],
    )]);
    let dir = tempfile::tempdir().unwrap();
    for format in [Format::OciLayout, Format::DockerArchive] {
        let path = dir.path().join(format!("{format:?}"));
        spec.write(format, &path).unwrap();
        let r = report(&path, true);
        assert_eq!(r.totals.final_bytes, 1234 + 10 + 3, "{format:?}");
        let paths: Vec<&str> = r.biggest_files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&long.as_str()), "{paths:?}");
        assert!(paths.contains(&pax_name.as_str()), "{paths:?}");
        assert!(
            !paths.contains(&"short-name"),
            "the PAX path wins: {paths:?}"
        );
        assert!(r.categories.model_weights_bytes >= 10);
        assert!(
            paths.iter().any(|p| p.starts_with("data/caf")
                && p.ends_with(".txt")
                && p.contains('\u{fffd}')),
            "{paths:?}"
        );
    }
}
