//! `ballast slim` with a real engine: an image whose pip cache a later
//! layer deletes, built by dockerd with BuildKit, saved, slimmed to a
//! docker-archive, loaded back and run. The engine's own size drops by the
//! cache's bytes, the base layer keeps its diff_id, and the container runs.
//! Then from the daemon back into it with `--drop docs --squash-from 1`.

mod common;

use ballast_testkit::engine::{Dockerd, python_rootfs};
use serde_json::Value;

use common::{ballast, run};

const CACHE_BYTES: u64 = 20_000_000;

#[test]
#[cfg_attr(
    ballast_no_engine,
    ignore = "needs root, dockerd, the docker client and debootstrap (a real engine)"
)]
fn a_slimmed_image_loads_runs_and_is_smaller_by_the_deleted_cache() {
    let d = Dockerd::start().expect("dockerd");
    // The base the other engine tests use (cached under ~/.cache/ballast).
    let rootfs = python_rootfs().expect("rootfs");
    d.run(&["import", &rootfs.display().to_string(), "slimtest/base:1"])
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("Dockerfile"),
        format!(
            "FROM slimtest/base:1\n\
             RUN mkdir -p /root/.cache/pip && head -c {CACHE_BYTES} /dev/urandom > /root/.cache/pip/torch.whl && echo served > /app.txt\n\
             RUN rm -rf /root/.cache/pip\n\
             CMD [\"cat\", \"/app.txt\"]\n"
        ),
    )
    .unwrap();
    d.build(work.path(), "slimtest:fat", &[]).unwrap();
    let fat = work.path().join("fat.tar");
    d.save("slimtest:fat", &fat).unwrap();

    let out = run(
        ballast(work.path()).args([
            "slim",
            "fat.tar",
            "-o",
            "docker-archive:slim.tar:slimtest:slim",
            "--format",
            "json",
        ]),
        0,
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dropped =
        report["stored_before"].as_u64().unwrap() - report["stored_after"].as_u64().unwrap();
    assert_eq!(dropped, CACHE_BYTES, "{report:#}");

    d.run(&[
        "load",
        "-i",
        &work.path().join("slim.tar").display().to_string(),
    ])
    .unwrap();
    let served = d
        .run(&["run", "--rm", "--network", "none", "slimtest:slim"])
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&served.stdout).trim(), "served");

    let (before, after) = (
        d.image_size("slimtest:fat").unwrap(),
        d.image_size("slimtest:slim").unwrap(),
    );
    eprintln!("docker image inspect: {before} bytes before, {after} after");
    // The cache, give or take the tar headers of the dropped entries.
    assert!(
        before - after >= CACHE_BYTES && before - after < CACHE_BYTES + 100_000,
        "{before} -> {after}"
    );
    let layers = |tag: &str| -> Vec<String> {
        let out = d
            .run(&[
                "image",
                "inspect",
                "--format",
                "{{json .RootFS.Layers}}",
                tag,
            ])
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (fat_layers, slim_layers) = (layers("slimtest:fat"), layers("slimtest:slim"));
    assert_eq!(fat_layers.len(), slim_layers.len());
    assert_eq!(
        fat_layers[0], slim_layers[0],
        "the base layer keeps its diff_id"
    );
    assert_ne!(fat_layers[1], slim_layers[1]);

    // From the daemon to the daemon, the documentation dropped too and the
    // two RUN layers squashed into one: the image it then holds runs, and
    // lost the bytes the summary names.
    let host = format!("unix://{}", d.socket.display());
    let out = run(
        ballast(work.path()).env("DOCKER_HOST", &host).args([
            "slim",
            "daemon://slimtest:fat",
            "-o",
            "daemon://slimtest:slim2",
            "--drop",
            "docs",
            "--squash-from",
            "1",
            "--format",
            "json",
        ]),
        0,
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let class = |name: &str, key: &str| {
        report["classes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["class"] == name)
            .map_or(0, |c| c[key].as_u64().unwrap())
    };
    let docs = class("docs", "bytes");
    // Each removed entry also took its tar header (512 bytes, more for long names).
    let headers = (class("docs", "entries") + class("unreachable", "entries")) * 2048;
    assert!(docs > 0, "the base has documentation: {report:#}");
    let served = d
        .run(&["run", "--rm", "--network", "none", "slimtest:slim2"])
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&served.stdout).trim(), "served");
    let after2 = d.image_size("slimtest:slim2").unwrap();
    eprintln!("with --drop docs: {after2} bytes ({docs} bytes of documentation)");
    assert!(
        before - after2 >= CACHE_BYTES + docs && before - after2 < CACHE_BYTES + docs + headers,
        "{before} -> {after2}"
    );
    assert_eq!(
        layers("slimtest:slim2").len(),
        2,
        "base + the squashed layer"
    );
    let ls = d
        .run(&["run", "--rm", "slimtest:slim2", "ls", "/usr/share/doc"])
        .unwrap();
    let left = String::from_utf8_lossy(&ls.stdout).to_string();
    assert!(
        left.lines().count() > 0,
        "packages' copyright directories stay"
    );
}

#[test]
#[cfg_attr(
    ballast_no_engine,
    ignore = "needs root, podman and debootstrap (a real engine)"
)]
fn podman_loads_and_runs_a_slimmed_oci_archive() {
    let p = ballast_testkit::engine::PodmanService::start().expect("podman");
    let rootfs = python_rootfs().expect("rootfs");
    let work = tempfile::tempdir().unwrap();
    let base = rootfs.display().to_string();
    p.podman(&["import", &base, "localhost/slimtest/base:1"])
        .unwrap();
    std::fs::write(
        work.path().join("Containerfile"),
        "FROM localhost/slimtest/base:1\n\
         RUN head -c 3000000 /dev/urandom > /big && echo served > /app.txt\n\
         RUN rm /big\n\
         CMD [\"cat\", \"/app.txt\"]\n",
    )
    .unwrap();
    let ctx = work.path().display().to_string();
    p.podman(&[
        "build",
        "--network",
        "host",
        "-t",
        "localhost/slimtest:fat",
        &ctx,
    ])
    .unwrap();
    let fat = work.path().join("fat.tar").display().to_string();
    p.podman(&[
        "save",
        "--format",
        "oci-archive",
        "-o",
        &fat,
        "localhost/slimtest:fat",
    ])
    .unwrap();
    run(
        ballast(work.path()).args([
            "slim",
            &format!("oci-archive:{fat}"),
            "-o",
            "oci-archive:slim.tar",
        ]),
        0,
    );
    let slim = work.path().join("slim.tar").display().to_string();
    let loaded = p.podman(&["load", "-i", &slim]).unwrap();
    let id = String::from_utf8_lossy(&loaded.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Loaded image: ")
                .or_else(|| l.strip_prefix("Loaded image(s): "))
        })
        .map(|s| s.trim().to_string())
        .expect("podman load names the image");
    let served = p
        .podman(&["run", "--rm", "--network", "none", &id])
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&served.stdout).trim(), "served");
}
