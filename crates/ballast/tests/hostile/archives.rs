//! Layer members and archive members: names, links, sizes, truncation,
//! compression bombs, digests, extensions.

use std::io::Write as _;
use std::path::PathBuf;

use ballast_testkit::hostile::{Blob, Header, RawTar, base_layer, docker_archive, kind, layout};
use serde_json::Value;

use crate::{Cases, Expect, all, has_file, totals, warns};

/// An OCI layout of the base layer and `blob`.
fn image(cases: &Cases, name: &str, blob: Blob) -> PathBuf {
    let dir = cases.dir(name).join("oci");
    layout(&dir, &[base_layer(), blob], |_| {}, |_| {}).expect("layout");
    dir
}

fn tar(build: impl FnOnce(&mut RawTar)) -> Vec<u8> {
    let mut t = RawTar::new();
    build(&mut t);
    t.finish()
}

/// A layer case: the tar is stored as a gzip layer.
fn layer(cases: &mut Cases, name: &str, build: impl FnOnce(&mut RawTar), expect: Expect) {
    let img = image(cases, name, Blob::gzip(&tar(build)));
    cases.inspect(name, &img, &[], expect);
}

/// The base layer contributes one file of 11 bytes.
const BASE_FILES: u64 = 1;
const BASE_BYTES: u64 = 11;

/// How a streamed layer is stored.
#[derive(Clone, Copy)]
enum Codec {
    Plain,
    Gzip,
    Zstd,
}

enum Encoder {
    Plain(Vec<u8>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Zstd(zstd::Encoder<'static, Vec<u8>>),
}

/// A layer whose tar stream `produce` writes piece by piece, compressed and
/// hashed as it goes, so a test never holds the uncompressed stream.
fn stream_blob(codec: Codec, produce: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Blob {
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut encoder = match codec {
        Codec::Plain => Encoder::Plain(Vec::new()),
        Codec::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        )),
        // Level 19 reaches ratios past 1:10000 on zeros.
        Codec::Zstd => Encoder::Zstd(zstd::Encoder::new(Vec::new(), 19).expect("zstd")),
    };
    produce(&mut |b: &[u8]| {
        sha2::Digest::update(&mut hasher, b);
        match &mut encoder {
            Encoder::Plain(v) => v.extend_from_slice(b),
            Encoder::Gzip(e) => e.write_all(b).expect("gzip"),
            Encoder::Zstd(e) => e.write_all(b).expect("zstd"),
        }
    });
    let (bytes, media_type) = match encoder {
        Encoder::Plain(v) => (v, "application/vnd.oci.image.layer.v1.tar"),
        Encoder::Gzip(e) => (
            e.finish().expect("gzip"),
            "application/vnd.oci.image.layer.v1.tar+gzip",
        ),
        Encoder::Zstd(e) => (
            e.finish().expect("zstd"),
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    };
    Blob {
        bytes,
        media_type: media_type.into(),
        diff_id: format!("sha256:{}", hex::encode(sha2::Digest::finalize(hasher))),
    }
}

/// A gzip layer of `entries` empty files.
fn many_entries_gzip(entries: usize) -> Blob {
    stream_blob(Codec::Gzip, |put| {
        let mut t = RawTar::new();
        for i in 0..entries {
            t.header(&Header::new(
                format!("d{}/f{i}", i % 1000).as_bytes(),
                kind::FILE,
                0,
            ));
            if t.bytes.len() > 1 << 20 {
                put(&t.bytes);
                t.bytes.clear();
            }
        }
        put(&t.finish());
    })
}

/// A layer of one member whose `bytes` of data (all `fill`) are really there.
fn streamed(name: &[u8], kind: u8, bytes: u64, fill: u8, codec: Codec) -> Blob {
    stream_blob(codec, |put| {
        put(&RawTar::new().header(&Header::new(name, kind, bytes)).bytes);
        let chunk = vec![fill; 1 << 20];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            put(&chunk[..n]);
            left -= n as u64;
        }
        put(&vec![0u8; ((512 - bytes % 512) % 512) as usize]);
        put(&RawTar::new().finish());
    })
}

/// A compression bomb: one file of `bytes` zeros.
fn bomb(bytes: u64, codec: Codec) -> Blob {
    streamed(b"bomb", kind::FILE, bytes, 0, codec)
}

pub(crate) fn cases(cases: &mut Cases) {
    member_names(cases);
    links(cases);
    sizes_and_truncation(cases);
    compression(cases);
    digests(cases);
    extensions(cases);
    docker_archives(cases);
}

fn member_names(cases: &mut Cases) {
    for (name, path) in [
        ("dotdot-member", &b"../../etc/evil"[..]),
        ("dotdot-inside-member", b"app/../../evil"),
        ("dotdot-whiteout", b"../.wh.etc"),
    ] {
        layer(
            cases,
            name,
            |t| {
                t.file(path, b"x");
            },
            Expect::Error("outside the image root"),
        );
    }
    layer(
        cases,
        "absolute-member",
        |t| {
            t.file(b"/etc/abs", b"12345");
        },
        Expect::Image(all(has_file("etc/abs", 5), totals(2, BASE_BYTES + 5))),
    );
    layer(
        cases,
        "dot-segments-member",
        |t| {
            t.file(b"./a/./b//c", b"123");
        },
        Expect::Image(has_file("a/b/c", 3)),
    );
    layer(
        cases,
        "non-utf8-member",
        |t| {
            t.file(b"bin/\xff\xfename", b"1234567");
        },
        Expect::Image(totals(2, BASE_BYTES + 7)),
    );
    layer(
        cases,
        "control-characters-member",
        |t| {
            t.file(b"a\nb\x1b[31m\tc", b"1234");
        },
        Expect::Image(totals(2, BASE_BYTES + 4)),
    );
    let long = "d/".repeat(5000) + "f"; // 10 kB
    let long_gnu = long.clone();
    layer(
        cases,
        "10kB-gnu-long-name",
        move |t| {
            t.long_name(long_gnu.as_bytes()).file(b"ignored", b"123456");
        },
        Expect::Image(all(
            totals(2, BASE_BYTES + 6),
            Box::new(move |v: &Value| {
                let want = long.clone();
                v["biggest_files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|f| f["path"] == want.as_str())
                    .then_some(())
                    .ok_or_else(|| "10 kB name not reported whole".to_string())
            }),
        )),
    );
    let long = "p/".repeat(5000) + "f";
    layer(
        cases,
        "10kB-pax-path",
        move |t| {
            t.pax(&[("path", long.as_bytes())]).file(b"ignored", b"12");
        },
        Expect::Image(totals(2, BASE_BYTES + 2)),
    );
    let too_long = "x".repeat(20_000);
    layer(
        cases,
        "20kB-name-over-limit",
        move |t| {
            t.long_name(too_long.as_bytes()).file(b"ignored", b"1");
        },
        Expect::Error("--max-path-bytes"),
    );
    layer(
        cases,
        "duplicate-members-last-wins",
        |t| {
            t.file(b"app/x", b"first").file(b"app/x", b"the second");
        },
        Expect::Image(all(has_file("app/x", 10), totals(2, BASE_BYTES + 10))),
    );
    layer(
        cases,
        "file-replaced-by-directory",
        |t| {
            t.file(b"a", b"12345").dir(b"a/").file(b"a/b", b"1");
        },
        Expect::Image(totals(2, BASE_BYTES + 1)),
    );
    layer(
        cases,
        "directory-replaced-by-file",
        |t| {
            t.dir(b"a/").file(b"a/b", b"123").file(b"a", b"12");
        },
        Expect::Image(totals(2, BASE_BYTES + 2)),
    );
    layer(
        cases,
        "opaque-whiteout-at-root",
        |t| {
            t.file(b".wh..wh..opq", b"").file(b"new", b"1");
        },
        Expect::Image(totals(1, 1)),
    );
    layer(
        cases,
        "whiteout-of-nothing",
        |t| {
            t.file(b"nowhere/.wh.ghost", b"");
        },
        Expect::Image(totals(BASE_FILES, BASE_BYTES)),
    );
    layer(
        cases,
        "devices-and-fifos",
        |t| {
            t.member(b"dev/null", kind::CHAR, b"", b"")
                .member(b"run/fifo", kind::FIFO, b"", b"")
                .member(b"dev/blk", b'4', b"", b"");
        },
        Expect::Image(totals(BASE_FILES, BASE_BYTES)),
    );
    layer(
        cases,
        "unknown-entry-type",
        |t| {
            t.member(b"weird", b'Z', b"abc", b"");
        },
        // Not a regular file (Docker refuses to unpack it): not counted, said.
        Expect::Image(all(
            totals(BASE_FILES, BASE_BYTES),
            warns("1 member(s) of tar type 'Z' that Docker does not unpack"),
        )),
    );
}

fn links(cases: &mut Cases) {
    layer(
        cases,
        "symlink-loop",
        |t| {
            t.symlink(b"a", b"b")
                .symlink(b"b", b"a")
                .symlink(b"self", b"self");
        },
        Expect::Image(totals(BASE_FILES, BASE_BYTES)),
    );
    layer(
        cases,
        "symlinks-outside-root",
        |t| {
            t.symlink(b"up", b"../../../../etc/passwd")
                .symlink(b"abs", b"/etc/shadow");
        },
        Expect::Image(totals(BASE_FILES, BASE_BYTES)),
    );
    layer(
        cases,
        "file-through-symlinked-directory",
        |t| {
            t.symlink(b"lnk", b"/etc").file(b"lnk/passwd", b"root::0:0");
        },
        Expect::Image(totals(BASE_FILES + 1, BASE_BYTES + 9)),
    );
    layer(
        cases,
        "hardlink-to-missing-target",
        |t| {
            t.hardlink(b"h", b"missing");
        },
        Expect::Image(all(
            totals(2, BASE_BYTES),
            warns("hard link h points at a file that does not exist"),
        )),
    );
    layer(
        cases,
        "hardlink-to-itself",
        |t| {
            t.hardlink(b"h", b"h");
        },
        Expect::Image(all(
            totals(2, BASE_BYTES),
            warns("hard link h points at a file that does not exist"),
        )),
    );
    layer(
        cases,
        "hardlink-outside-root",
        |t| {
            t.hardlink(b"h", b"../../etc/passwd");
        },
        Expect::Error("outside the image root"),
    );
    layer(
        cases,
        "hardlink-chain",
        |t| {
            t.file(b"a", b"123456")
                .hardlink(b"b", b"a")
                .hardlink(b"c", b"b");
        },
        Expect::Image(totals(4, BASE_BYTES + 6)),
    );
    layer(
        cases,
        "hardlink-to-directory",
        |t| {
            t.dir(b"d/").hardlink(b"h", b"d");
        },
        Expect::Image(all(
            totals(2, BASE_BYTES),
            warns("hard link h points at a file that does not exist"),
        )),
    );
}

fn sizes_and_truncation(cases: &mut Cases) {
    layer(
        cases,
        "size-claims-1TiB",
        |t| {
            t.header(&Header::new(b"big", kind::FILE, 1 << 40))
                .data(b"tiny");
        },
        Expect::Error("layer"),
    );
    layer(
        cases,
        "size-claims-u64-max",
        |t| {
            t.header(&Header::new(b"big", kind::FILE, u64::MAX))
                .data(b"tiny");
        },
        Expect::Error("layer"),
    );
    layer(
        cases,
        "bad-header-checksum",
        |t| {
            t.header(&Header {
                bad_checksum: true,
                ..Header::new(b"x", kind::FILE, 1)
            })
            .data(b"1");
        },
        Expect::Error("checksum"),
    );
    let cut = |keep: usize| {
        let mut t = tar(|t| {
            t.file(b"data", &[7u8; 5000]);
        });
        t.truncate(keep);
        t
    };
    let img = image(cases, "truncated-tar", Blob::tar(cut(2000)));
    cases.inspect("truncated-tar", &img, &[], Expect::Error("layer"));
    let img = image(cases, "truncated-header", Blob::tar(cut(300)));
    cases.inspect("truncated-header", &img, &[], Expect::Error("layer"));
    let no_end = {
        let mut t = RawTar::new();
        t.file(b"no-end-marker", b"123");
        t.bytes
    };
    let img = image(cases, "missing-end-marker", Blob::tar(no_end));
    cases.inspect(
        "missing-end-marker",
        &img,
        &[],
        Expect::Image(totals(2, BASE_BYTES + 3)),
    );
    let mut garbage = tar(|t| {
        t.file(b"f", b"123");
    });
    garbage.extend_from_slice(b"garbage after the end of the archive");
    let img = image(cases, "garbage-after-end", Blob::tar(garbage));
    cases.inspect(
        "garbage-after-end",
        &img,
        &[],
        Expect::Image(totals(2, BASE_BYTES + 3)),
    );
    let img = image(cases, "not-a-tar", Blob::gzip(&[0x42u8; 4096]));
    cases.inspect("not-a-tar", &img, &[], Expect::Error("layer"));
    let img = image(cases, "empty-layer", Blob::tar(Vec::new()));
    cases.inspect(
        "empty-layer",
        &img,
        &[],
        Expect::Image(totals(BASE_FILES, BASE_BYTES)),
    );
    layer(
        cases,
        "non-octal-size-field",
        |t| {
            let mut h = RawTar::new();
            h.header(&Header::new(b"x", kind::FILE, 1));
            h.bytes[124..136].copy_from_slice(b"zzzzzzzzzzz\0");
            // Recompute the checksum so only the size field is wrong.
            h.bytes[148..156].fill(b' ');
            let sum: u32 = h.bytes.iter().map(|&b| u32::from(b)).sum();
            h.bytes[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
            t.bytes.extend_from_slice(&h.bytes);
            t.data(b"1");
        },
        Expect::Error("layer"),
    );
    // Millions of tiny entries: read correctly, and the entry limit holds.
    let many = many_entries_gzip(2_000_000);
    let dir = cases.dir("2M-entries").join("oci");
    layout(&dir, &[base_layer(), many], |_| {}, |_| {}).expect("layout");
    cases.inspect(
        "2M-empty-entries",
        &dir,
        &[],
        Expect::Image(totals(BASE_FILES + 2_000_000, BASE_BYTES)),
    );
    cases.inspect(
        "2M-entries-over-max-entries",
        &dir,
        &["--max-entries", "100000"],
        Expect::Error("--max-entries"),
    );
}

fn compression(cases: &mut Cases) {
    // A gzip bomb: 64 KiB of blob, 64 MiB of zeros (gzip cannot go past
    // ~1:1000, so the configured byte limit is what stops it).
    let gz = bomb(64 << 20, Codec::Gzip);
    let img = image(cases, "gzip-bomb", gz);
    cases.inspect(
        "gzip-bomb-over-max-uncompressed",
        &img,
        &["--max-uncompressed-bytes", "10000000"],
        Expect::Error("--max-uncompressed-bytes"),
    );
    cases.inspect(
        "gzip-bomb-within-limits",
        &img,
        &[],
        Expect::Image(has_file("bomb", 64 << 20)),
    );
    // zstd reaches ratios past 1:10000: the ratio limit stops it early.
    let img = image(cases, "zstd-bomb", bomb(1 << 30, Codec::Zstd));
    cases.inspect(
        "zstd-bomb-over-ratio",
        &img,
        &[],
        Expect::Error("--max-compression-ratio"),
    );
    let data = tar(|t| {
        t.file(b"payload", &[9u8; 100_000]);
    });
    for (name, mut blob) in [
        ("truncated-gzip", Blob::gzip(&data)),
        ("truncated-zstd", Blob::zstd(&data)),
    ] {
        let n = blob.bytes.len() / 2;
        blob.bytes.truncate(n);
        let img = image(cases, name, blob);
        cases.inspect(name, &img, &[], Expect::Error("layer"));
    }
    let mut garbage = Blob::gzip(&data);
    let n = garbage.bytes.len();
    garbage.bytes[n / 2] ^= 0xff;
    let img = image(cases, "corrupt-gzip", garbage);
    cases.inspect("corrupt-gzip", &img, &[], Expect::Error("layer"));
    // Many concatenated gzip members (legal, MultiGz): read them all.
    let mut multi = Blob::gzip(&data);
    let parts: Vec<Vec<u8>> = data
        .chunks(512)
        .map(ballast_testkit::hostile::gzip)
        .collect();
    multi.bytes = parts.concat();
    let img = image(cases, "concatenated-gzip-members", multi);
    cases.inspect(
        "concatenated-gzip-members",
        &img,
        &[],
        Expect::Image(has_file("payload", 100_000)),
    );
}

fn digests(cases: &mut Cases) {
    let data = tar(|t| {
        t.file(b"app/main.py", b"print(1)\n");
    });
    // The blob changed after the manifest was written.
    let dir = cases.dir("blob-digest-mismatch").join("oci");
    let blob = Blob::gzip(&data);
    layout(&dir, &[base_layer(), blob.clone()], |_| {}, |_| {}).expect("layout");
    let path = dir
        .join("blobs/sha256")
        .join(&ballast_testkit::hostile::sha256(&blob.bytes)[7..]);
    // Another valid layer under the old name.
    let other = Blob::gzip(&tar(|t| {
        t.file(b"app/main.py", b"import os\n");
    }));
    std::fs::write(&path, other.bytes).expect("blob");
    cases.inspect("blob-digest-mismatch", &dir, &[], Expect::Error("digest"));
    let mut wrong = Blob::gzip(&data);
    wrong.diff_id = ballast_testkit::hostile::sha256(b"something else");
    let img = image(cases, "diff-id-mismatch", wrong);
    cases.inspect("diff-id-mismatch", &img, &[], Expect::Error("diff_id"));
    cases.inspect(
        "diff-id-mismatch-no-verify",
        &img,
        &["--no-verify"],
        Expect::Image(has_file("app/main.py", 9)),
    );
}

fn extensions(cases: &mut Cases) {
    layer(
        cases,
        "pax-contradicts-ustar",
        |t| {
            t.pax(&[("path", b"pax/name"), ("size", b"20")])
                .header(&Header::new(b"ustar-name", kind::FILE, 3))
                .data(&[1u8; 20]);
        },
        Expect::Image(all(has_file("pax/name", 20), totals(2, BASE_BYTES + 20))),
    );
    layer(
        cases,
        "pax-linkpath-outside",
        |t| {
            t.pax(&[("linkpath", b"../../../etc/passwd")])
                .header(&Header::new(b"h", kind::HARDLINK, 0));
        },
        Expect::Error("outside the image root"),
    );
    layer(
        cases,
        "pax-malformed-record",
        |t| {
            t.member(b"PaxHeaders/x", kind::PAX, b"99999 path=x\n", b"")
                .file(b"f", b"1");
        },
        // Ignored, as GNU tar ignores it (with a warning): the ustar name holds.
        Expect::Image(all(has_file("f", 1), totals(2, BASE_BYTES + 1))),
    );
    layer(
        cases,
        "pax-global-header",
        |t| {
            t.member(b"global", kind::PAX_GLOBAL, b"16 comment=hey\n", b"")
                .file(b"f", b"12");
        },
        Expect::Image(totals(2, BASE_BYTES + 2)),
    );
    // Extension headers that really are that long (the data is there, so the
    // reader must stop itself rather than run out of input).
    for (name, kind) in [
        ("pax-header-of-64MiB", kind::PAX),
        ("gnu-long-name-of-64MiB", kind::GNU_LONG_NAME),
    ] {
        let img = image(
            cases,
            name,
            streamed(b"././@LongLink", kind, 64 << 20, b'a', Codec::Gzip),
        );
        cases.inspect(name, &img, &[], Expect::Error("--max-path-bytes"));
    }
    layer(
        cases,
        "gnu-long-name-then-end",
        |t| {
            t.long_name(b"dangling");
        },
        Expect::Error("no future member found"),
    );
}

fn docker_archives(cases: &mut Cases) {
    let layer_tar = tar(|t| {
        t.file(b"app/x", b"12345");
    });
    let good = || vec![base_layer(), Blob::tar(layer_tar.clone())];
    let write = |cases: &Cases, name: &str, bytes: &[u8]| {
        let p = cases.dir(name).join("image.tar");
        std::fs::write(&p, bytes).expect("archive");
        p
    };

    let ok = docker_archive(&good(), &RawTar::new(), false);
    let p = write(cases, "docker-archive-baseline", &ok);
    cases.inspect(
        "docker-archive-baseline",
        &p,
        &[],
        Expect::Image(totals(2, BASE_BYTES + 5)),
    );
    let stdin_case = p.clone();
    let mut truncated = ok.clone();
    truncated.truncate(ok.len() * 2 / 3);
    let p = write(cases, "docker-archive-truncated", &truncated);
    cases.inspect(
        "docker-archive-truncated",
        &p,
        &[],
        Expect::Error("image.tar"),
    );
    // The same truncated archive through standard input.
    let mut args = vec!["inspect", "--format", "json", "--quiet", "-"];
    let cwd = cases.dir("stdin-truncated");
    cases.push(
        "stdin-truncated-archive",
        &cwd,
        &args,
        Expect::Error("<stdin>"),
    );
    cases.list.last_mut().expect("case").stdin = Some(p);
    args.truncate(4);
    args.push("-");
    cases.push(
        "stdin-archive",
        &cwd,
        &args,
        Expect::Image(totals(2, BASE_BYTES + 5)),
    );
    cases.list.last_mut().expect("case").stdin = Some(stdin_case);

    for (name, extra, first) in [
        (
            "docker-archive-dotdot-member",
            RawTar::new().file(b"../../escape", b"x").clone(),
            true,
        ),
        (
            "docker-archive-symlink-loop-members",
            RawTar::new()
                .symlink(b"l1", b"l2")
                .symlink(b"l2", b"l1")
                .clone(),
            true,
        ),
        (
            "docker-archive-huge-trailing-member",
            {
                let mut t = RawTar::new();
                t.header(&Header::new(b"huge", kind::FILE, 1 << 40))
                    .data(b"x");
                t
            },
            false,
        ),
    ] {
        let bytes = docker_archive(&good(), &extra, first);
        let p = write(cases, name, &bytes);
        let expect = if name.contains("huge") {
            Expect::Error("is truncated")
        } else {
            Expect::Image(totals(2, BASE_BYTES + 5))
        };
        cases.inspect(name, &p, &[], expect);
    }
    // Members the manifest names, replaced by links out of the archive.
    let manifest_symlink = {
        let mut t = RawTar::new();
        t.symlink(b"manifest.json", b"/etc/passwd");
        t.finish()
    };
    let p = write(cases, "docker-archive-manifest-symlink", &manifest_symlink);
    cases.inspect(
        "docker-archive-manifest-symlink",
        &p,
        &[],
        Expect::Error("image.tar"),
    );
    let layer_symlink = {
        let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#;
        let manifest = br#"[{"Config":"c.json","RepoTags":[],"Layers":["0/layer.tar"]}]"#;
        let mut t = RawTar::new();
        t.file(b"manifest.json", manifest)
            .file(b"c.json", config)
            .symlink(b"0/layer.tar", b"/etc/passwd");
        t.finish()
    };
    let p = write(
        cases,
        "docker-archive-layer-symlink-outside",
        &layer_symlink,
    );
    cases.inspect(
        "docker-archive-layer-symlink-outside",
        &p,
        &[],
        Expect::Error("image.tar"),
    );
    let dotdot_layer = {
        let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#;
        let manifest = br#"[{"Config":"c.json","RepoTags":[],"Layers":["../../../etc/passwd"]}]"#;
        let mut t = RawTar::new();
        t.file(b"manifest.json", manifest).file(b"c.json", config);
        t.finish()
    };
    let p = write(cases, "docker-archive-layer-path-dotdot", &dotdot_layer);
    cases.inspect(
        "docker-archive-layer-path-dotdot",
        &p,
        &[],
        Expect::Error("image.tar"),
    );
    let duplicate_manifest =
        docker_archive(&good(), RawTar::new().file(b"manifest.json", b"[]"), false);
    let p = write(cases, "docker-archive-second-manifest", &duplicate_manifest);
    cases.inspect(
        "docker-archive-second-manifest",
        &p,
        &[],
        Expect::Error("image.tar"),
    );
    // The outer archive is a plain tar.
    let long_member = streamed(
        b"././@LongLink",
        kind::GNU_LONG_NAME,
        40 << 20,
        b'a',
        Codec::Plain,
    );
    let p = write(cases, "docker-archive-huge-long-name", &long_member.bytes);
    cases.inspect(
        "docker-archive-huge-long-name",
        &p,
        &[],
        Expect::Error("--max-path-bytes"),
    );
    let p = write(cases, "empty-file", b"");
    cases.inspect("empty-file", &p, &[], Expect::Error("image.tar"));
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let p = write(cases, "random-bytes", &noise);
    cases.inspect("random-bytes", &p, &[], Expect::Error("image.tar"));
    for dev in ["/dev/null", "/dev/zero"] {
        let name = format!("device-{}", &dev[5..]);
        cases.inspect(&name, std::path::Path::new(dev), &[], Expect::Error(dev));
    }
    let cwd = cases.dir("missing-archive");
    cases.push(
        "missing-archive",
        &cwd,
        &[
            "inspect",
            "--quiet",
            "docker-archive:/nonexistent/image.tar",
        ],
        Expect::Error("/nonexistent/image.tar"),
    );
}
