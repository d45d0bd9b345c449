//! Images where they live, against real servers started by this test: a
//! Distribution registry (Debian's `docker-registry`) without and with
//! htpasswd auth, a bearer-token front written in the test kit (token flow,
//! 429 with Retry-After, blob redirects to another host), and Debian's
//! dockerd (and podman's compatible service when podman is installed).
//! Every source must give the same analysis as the OCI layout the image was
//! written as. One test per server kind; each starts what it needs.
//!
//! Needs docker-registry, skopeo, htpasswd (and dockerd for the daemon
//! test); `.ci/run` installs them. Missing tools fail in CI, skip elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use ballast_testkit::engine::Dockerd;
use ballast_testkit::image::{Compression, Entry, Format, ImageSpec, Layer, Written, text, zeros};
use ballast_testkit::local_registry::{FrontOptions, Registry, TokenFront};
use common::ballast;

use serde_json::Value;

const SP: &str = "usr/local/lib/python3.11/site-packages";

/// An ML-shaped image: a base, a pip install with a cache deleted later, a
/// distribution with RECORD, weights; gzip and zstd layers.
fn spec(tag: &str, arch: &str) -> ImageSpec {
    let record =
        "fastapi/__init__.py,sha256=x,300000\r\nfastapi-0.115.5.dist-info/RECORD,,\r\n".to_string();
    let mut s = ImageSpec::new(vec![
        Layer::new(
            "ADD rootfs",
            vec![
                zeros("usr/bin/python3.11", 700_000),
                text("etc/os-release", "ID=debian\n"),
            ],
        )
        .compressed(Compression::Gzip),
        Layer::new(
            "RUN pip install fastapi",
            vec![
                zeros(&format!("{SP}/fastapi/__init__.py"), 300_000),
                text(&format!("{SP}/fastapi-0.115.5.dist-info/RECORD"), &record),
                text(
                    &format!("{SP}/fastapi-0.115.5.dist-info/METADATA"),
                    "Metadata-Version: 2.1\nName: fastapi\nVersion: 0.115.5\n",
                ),
                zeros("root/.cache/pip/http-v2/a", 400_000),
            ],
        )
        .compressed(Compression::Zstd),
        Layer::new(
            "RUN rm -rf /root/.cache/pip",
            vec![Entry::Whiteout("root/.cache/pip".into())],
        )
        .compressed(Compression::Gzip),
        Layer::new(
            "COPY model.safetensors /models/",
            vec![zeros("models/model.safetensors", 1_200_000)],
        ),
    ]);
    s.tag = tag.to_string();
    s.architecture = arch.to_string();
    s
}

/// The analysis without what depends on the container (reference, format,
/// compressed sizes and blob digests, which change when an engine re-exports).
fn essence(v: &Value) -> Value {
    let mut v = v.clone();
    v["image"]["reference"] = Value::Null;
    v["image"]["format"] = Value::Null;
    v["image"]["manifest_digest"] = Value::Null;
    v["totals"]["compressed_bytes"] = Value::Null;
    if let Some(layers) = v["layers"].as_array_mut() {
        for l in layers {
            for k in ["digest", "compressed_bytes", "compression", "media_type"] {
                l[k] = Value::Null;
            }
        }
    }
    v
}

/// `ballast` with its default cache inside the test's directory.
fn cmd(dir: &Path) -> assert_cmd::Command {
    let mut c = ballast(dir);
    c.env("XDG_CACHE_HOME", dir.join("xdg"));
    c
}

fn inspect(dir: &Path, image: &str, extra: &[&str], env: &[(&str, &str)]) -> Result<Value, String> {
    let mut c = cmd(dir);
    c.args(["inspect", "--format", "json", "--quiet", image])
        .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// `ballast inspect --quiet EXTRA... --username USER --password-stdin IMAGE`
/// with the Docker configuration in `config`, the password on standard input.
fn inspect_as(
    dir: &Path,
    config: &Path,
    (user, password): (&str, &str),
    image: &str,
    extra: &[&str],
) -> std::process::Output {
    cmd(dir)
        .args(["inspect", "--quiet"])
        .args(extra)
        .args(["--username", user, "--password-stdin", image])
        .env("DOCKER_CONFIG", config)
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap()
}

/// An anonymous registry holding the layout's image as `team/app:1`.
fn registry_with_app(layout: &Path) -> Registry {
    let reg = Registry::start(None).unwrap();
    reg.push(
        &format!("oci:{}:1", layout.display()),
        "team/app:1",
        false,
        None,
    )
    .unwrap();
    reg
}

/// `spec("app:1")` written under `w` as `name` in `format`: its path, what
/// was written and its inspection.
fn app_image(w: &Path, name: &str, format: Format) -> (PathBuf, Written, Value) {
    let path = w.join(name);
    let written = spec("app:1", "amd64").write(format, &path).unwrap();
    let inspected = inspect(w, path.to_str().unwrap(), &[], &[]).unwrap();
    (path, written, inspected)
}

#[test]
#[cfg_attr(
    any(ballast_no_docker_registry, ballast_no_skopeo, ballast_no_htpasswd),
    ignore = "needs docker-registry, skopeo and htpasswd (Debian packages)"
)]
fn registry_sources_match_the_layout() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (layout, _, expected) = app_image(w, "layout", Format::OciLayout);

    // Anonymous registry: the same analysis, streamed; then from the cache.
    let reg = registry_with_app(&layout);
    let cache = w.join("cache");
    let cache_s = cache.to_str().unwrap();
    let image = format!("docker://{}/team/app:1", reg.addr());
    let got = inspect(w, &image, &["--cache-dir", cache_s], &[]).unwrap();
    assert_eq!(essence(&got), essence(&expected));
    assert_eq!(got["image"]["reference"], image.as_str());
    let cached: Vec<String> = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cached.len(), 4, "every layer cached");
    // Second run: the layers come from the cache (the registry no longer has them).
    for hex in &cached {
        let data = reg
            .root
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data");
        std::fs::remove_file(&data).unwrap_or_else(|e| panic!("{}: {e}", data.display()));
    }
    let again = inspect(w, &image, &["--cache-dir", cache_s], &[]).unwrap();
    assert_eq!(essence(&again), essence(&expected));
    let gone = inspect(w, &image, &["--no-cache"], &[]).unwrap_err();
    assert!(
        gone.contains("blob missing") || gone.contains("not found"),
        "{gone}"
    );
    drop(reg);

    // By digest, and --manifest-only.
    let reg = registry_with_app(&layout);
    let image = format!("docker://{}/team/app:1", reg.addr());
    let m = inspect(w, &image, &["--manifest-only"], &[]).unwrap();
    assert_eq!(m["layers"].as_array().unwrap().len(), 4);
    assert_eq!(
        m["totals"]["compressed_bytes"],
        got["totals"]["compressed_bytes"]
    );
    let digest = m["image"]["manifest_digest"].as_str().unwrap().to_string();
    let by_digest = inspect(
        w,
        &format!("docker://{}/team/app@{digest}", reg.addr()),
        &["--no-cache"],
        &[],
    )
    .unwrap();
    assert_eq!(essence(&by_digest), essence(&expected));

    // A multi-platform index: --platform picks.
    let multi = w.join("multi");
    let (amd, arm) = (spec("multi:amd", "amd64"), spec("multi:arm", "arm64"));
    ballast_testkit::image::write_multi_platform(&[&amd, &arm], &multi).unwrap();
    // skopeo needs one index: push the layout's index as a list.
    let idx: Value =
        serde_json::from_slice(&std::fs::read(multi.join("index.json")).unwrap()).unwrap();
    assert_eq!(idx["manifests"].as_array().unwrap().len(), 2);
    let list = w.join("list");
    make_index_layout(&multi, &list);
    reg.push(
        &format!("oci:{}:multi", list.display()),
        "team/multi:1",
        true,
        None,
    )
    .unwrap();
    let arm_got = inspect(
        w,
        &format!("docker://{}/team/multi:1", reg.addr()),
        &["--platform", "linux/arm64", "--no-cache"],
        &[],
    )
    .unwrap();
    assert_eq!(arm_got["image"]["architecture"], "arm64");

    // Errors name the reference and say what is wrong.
    let e = inspect(
        w,
        &format!("docker://{}/team/app:nope", reg.addr()),
        &["--no-cache"],
        &[],
    )
    .unwrap_err();
    assert!(e.contains("no image team/app:nope"), "{e}");
    let e = inspect(
        w,
        &format!("docker://{}/nobody/here:1", reg.addr()),
        &["--no-cache"],
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("no image nobody/here:1") || e.contains("repository nobody/here not found"),
        "{e}"
    );
    let port = ballast_testkit::engine::free_port();
    let e = inspect(w, &format!("docker://127.0.0.1:{port}/a:1"), &[], &[]).unwrap_err();
    assert!(
        e.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{e}"
    );
    // 0.0.0.0 reaches the same registry but is not loopback: ballast speaks
    // TLS to it, which a plain-HTTP registry cannot answer; --insecure can.
    let unspecified = image.replace("127.0.0.1", "0.0.0.0");
    assert_ne!(unspecified, image, "{image}");
    let e = inspect(w, &unspecified, &["--no-cache"], &[]).unwrap_err();
    assert!(
        e.contains("TLS handshake with 0.0.0.0:") && e.contains("--insecure"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    inspect(w, &unspecified, &["--no-cache", "--insecure"], &[]).unwrap();
    let e = inspect(w, "docker://registry.invalid/a:1", &[], &[]).unwrap_err();
    assert!(e.contains("registry.invalid"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");

    // The diff command reads registries too.
    let out = cmd(w)
        .args(["diff", "--format", "json", layout.to_str().unwrap(), &image])
        .output()
        .unwrap();
    common::assert_success(&out);
}

/// `ballast lint` with the two rules that read base images: each finding
/// as "name message", and the standard error.
fn lint_base_rules(
    dir: &Path,
    dockerfile: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Vec<String>, String) {
    let mut c = cmd(dir);
    c.args([
        "lint",
        "--no-context",
        "--format",
        "json",
        "--failure-threshold",
        "none",
    ])
    .args(["--select", "undefined-var,invalid-base-image-platform"])
    .args(extra)
    .arg(dockerfile);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    common::assert_success(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["name"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    (found, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `ballast lint --resolve-bases` on a base only a registry knows: its
/// environment and the platforms of its index come from the registry
/// (arm64 and s390x here), and a base the registry lacks gets a note and the
/// table's silence.
#[test]
#[cfg_attr(
    any(ballast_no_docker_registry, ballast_no_skopeo, ballast_no_htpasswd),
    ignore = "needs docker-registry, skopeo and htpasswd (Debian packages)"
)]
fn lint_resolves_base_images_from_a_registry() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let mut arm = spec("base:arm", "arm64");
    let mut s390 = spec("base:s390x", "s390x");
    for s in [&mut arm, &mut s390] {
        s.env.push("MODEL_HOME=/models".into());
    }
    let multi = w.join("multi");
    ballast_testkit::image::write_multi_platform(&[&arm, &s390], &multi).unwrap();
    let list = w.join("list");
    make_index_layout(&multi, &list);
    let reg = Registry::start(None).unwrap();
    reg.push(
        &format!("oci:{}:multi", list.display()),
        "team/base:1",
        true,
        None,
    )
    .unwrap();
    let dockerfile = w.join("Dockerfile");
    std::fs::write(
        &dockerfile,
        format!(
            "FROM {}/team/base:1\nCOPY $MODEL_HOME/config.json $CONFIG_DIR/ /app/\n",
            reg.addr()
        ),
    )
    .unwrap();
    let lint = |extra: &[&str]| lint_base_rules(w, &dockerfile, extra, &[]);
    // Offline, the base is unknown: nothing is said.
    let (offline, _) = lint(&[]);
    assert!(offline.is_empty(), "{offline:?}");
    let (resolved, stderr) = lint(&["--resolve-bases"]);
    assert_eq!(resolved.len(), 2, "{resolved:?}\n{stderr}");
    assert!(
        resolved
            .iter()
            .any(|f| f.starts_with("undefined-var") && f.contains("CONFIG_DIR")),
        "{resolved:?}"
    );
    assert!(
        !resolved.iter().any(|f| f.contains("MODEL_HOME")),
        "{resolved:?}"
    );
    assert!(
        resolved
            .iter()
            .any(|f| f.starts_with("invalid-base-image-platform")
                && f.contains("linux/arm64, linux/s390x")
                && f.contains("\"linux/amd64\"")),
        "{resolved:?}"
    );
    // Built for arm64, the platform is published.
    std::fs::write(
        &dockerfile,
        format!("FROM --platform=linux/arm64 {}/team/base:1\n", reg.addr()),
    )
    .unwrap();
    let (arm64, _) = lint(&["--resolve-bases=registry"]);
    assert!(
        !arm64
            .iter()
            .any(|f| f.starts_with("invalid-base-image-platform")),
        "{arm64:?}"
    );
    // `check` reads the bases the same way when asked.
    std::fs::write(&dockerfile, format!("FROM {}/team/base:1\n", reg.addr())).unwrap();
    let platform_in_check = |extra: &[&str]| {
        let out = cmd(w)
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(w)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["lint"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "invalid-base-image-platform")
    };
    assert!(!platform_in_check(&[]));
    assert!(platform_in_check(&["--resolve-bases"]));
    // A base the registry does not have: one note, and the lint goes on.
    std::fs::write(
        &dockerfile,
        format!(
            "FROM {}/team/missing:1\nCOPY $CONFIG_DIR/ /app/\n",
            reg.addr()
        ),
    )
    .unwrap();
    let (missing, stderr) = lint(&["--resolve-bases"]);
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(
        stderr.matches("note: --resolve-bases:").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("team/missing"), "{stderr}");
}

/// An OCI layout whose index.json points at one nested image index holding
/// both platform manifests (what `skopeo copy --all` pushes as a list).
fn make_index_layout(multi: &Path, out: &Path) {
    ballast_testkit::engine::copy_tree(multi, out).unwrap();
    let idx: Value =
        serde_json::from_slice(&std::fs::read(multi.join("index.json")).unwrap()).unwrap();
    let inner = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": idx["manifests"].as_array().unwrap().iter().map(|m| {
            let mut m = m.clone();
            m.as_object_mut().unwrap().remove("annotations");
            m
        }).collect::<Vec<_>>(),
    });
    let bytes = serde_json::to_vec(&inner).unwrap();
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    std::fs::write(out.join("blobs/sha256").join(&digest), &bytes).unwrap();
    let top = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": format!("sha256:{digest}"),
            "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"},
        }],
    });
    std::fs::write(out.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
}

/// The command succeeded and printed the image expected.
fn assert_same_image(out: &std::process::Output, expected: &serde_json::Value) {
    common::assert_success(out);
    assert_eq!(
        &essence(&serde_json::from_slice(&out.stdout).unwrap()),
        expected
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn assert_no_secret_in(out: &std::process::Output, secrets: &[&str]) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        for s in secrets {
            assert!(!text.contains(s), "secret {s:?} printed");
        }
    }
}

/// Cache directories are 0700, files 0600, and no file holds a secret.
fn assert_private_without_secrets(cache: &std::path::Path, secrets: &[&str]) {
    use std::os::unix::fs::PermissionsExt as _;
    let blobs = cache.join("blobs");
    let mut files = 0;
    let mut stack = vec![blobs];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            assert_eq!(m.permissions().mode() & 0o777, 0o700, "{}", p.display());
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            files += 1;
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", p.display());
            let bytes = std::fs::read(&p).unwrap();
            for s in secrets {
                assert!(
                    !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                    "{} holds {s:?}",
                    p.display()
                );
            }
        }
    }
    assert!(files >= 2, "nothing was cached");
}

#[test]
#[cfg_attr(
    any(ballast_no_docker_registry, ballast_no_skopeo, ballast_no_htpasswd),
    ignore = "needs docker-registry, skopeo and htpasswd (Debian packages)"
)]
fn registry_authentication() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (layout, _, inspected) = app_image(w, "layout", Format::OciLayout);
    let expected = essence(&inspected);
    let src = format!("oci:{}:1", layout.display());

    // htpasswd basic auth.
    let reg = Registry::start(Some(("alice", "s3cret"))).unwrap();
    reg.push(&src, "priv/app:1", false, Some(("alice", "s3cret")))
        .unwrap();
    let image = format!("docker://{}/priv/app:1", reg.addr());
    let empty_config = w.join("docker-config");
    std::fs::create_dir_all(&empty_config).unwrap();
    let no_creds = [("DOCKER_CONFIG", empty_config.to_str().unwrap())];
    let e = inspect(w, &image, &["--no-cache"], &no_creds).unwrap_err();
    assert!(
        e.contains("unauthorized") && e.contains("docker login"),
        "{e}"
    );
    let cache = w.join("cache");
    let alice = ("alice", "s3cret");
    let json_cached = ["--format", "json", "--cache-dir", cache.to_str().unwrap()];
    let private_run = || inspect_as(w, &empty_config, alice, &image, &json_cached);
    let out = private_run();
    assert_same_image(&out, &expected);
    // The cache is private and holds no secret; neither does the output.
    let secrets = ["s3cret", &base64_of("alice:s3cret")];
    assert_private_without_secrets(&cache, &secrets);
    assert_no_secret_in(&out, &secrets);
    // A damaged cache entry is dropped and fetched again, not trusted.
    let blob = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let good = std::fs::read(&blob).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    std::fs::write(&blob, &bad).unwrap();
    let out = private_run();
    assert_same_image(&out, &expected);
    assert_eq!(std::fs::read(&blob).unwrap(), good);
    let out = inspect_as(
        w,
        &empty_config,
        ("alice", "wrong"),
        &image,
        &["--no-cache"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("credentials were refused"));
    // Credentials from the Docker configuration file.
    let cfg = w.join("docker-config-auth");
    std::fs::create_dir_all(&cfg).unwrap();
    let auth = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("alice:s3cret")
    };
    std::fs::write(
        cfg.join("config.json"),
        format!(
            "{{\"auths\":{{\"{}\":{{\"auth\":\"{auth}\"}}}}}}",
            reg.addr()
        ),
    )
    .unwrap();
    let got = inspect(
        w,
        &image,
        &["--no-cache"],
        &[("DOCKER_CONFIG", cfg.to_str().unwrap())],
    )
    .unwrap();
    assert_eq!(essence(&got), expected);

    // Bearer tokens from a token server, in front of an anonymous registry.
    let open = Registry::start(None).unwrap();
    open.push(&src, "tok/app:1", false, None).unwrap();
    let front = TokenFront::start(
        open.port,
        "bob",
        "b0b-pa55",
        FrontOptions {
            redirect_blobs: true,
            rate_limit_once: true,
            ..FrontOptions::default()
        },
    );
    let image = format!("docker://{}/tok/app:1", front.addr());
    let e = inspect(w, &image, &["--no-cache"], &no_creds).unwrap_err();
    assert!(
        e.contains("token request") && e.contains("docker login"),
        "{e}"
    );
    let bob = ("bob", "b0b-pa55");
    let json_uncached = ["--format", "json", "--no-cache"];
    let out = inspect_as(w, &empty_config, bob, &image, &json_uncached);
    assert_same_image(&out, &expected);
    assert!(front.tokens.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    assert_no_secret_in(
        &out,
        &["b0b-pa55", &base64_of("bob:b0b-pa55"), "t0k3n-ballast"],
    );
    // Blobs were redirected to another host, which never saw the credentials.
    assert!(front.redirected.load(std::sync::atomic::Ordering::Relaxed) >= 5);
    assert!(
        front.redirect_auth.lock().unwrap().is_empty(),
        "Authorization leaked to the redirect target"
    );

    // A registry that keeps answering 429 gives up within the bound, saying so.
    let limited = TokenFront::start(
        open.port,
        "bob",
        "b0b-pa55",
        FrontOptions {
            rate_limit_always: true,
            ..FrontOptions::default()
        },
    );
    let image = format!("docker://{}/tok/app:1", limited.addr());
    let out = inspect_as(w, &empty_config, bob, &image, &["--no-cache"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rate limited") && err.contains("Retry-After 3600"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    any(ballast_no_docker_registry, ballast_no_skopeo, ballast_no_htpasswd),
    ignore = "needs docker-registry, skopeo and htpasswd (Debian packages)"
)]
fn slim_pulls_from_and_pushes_to_a_registry() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (layout, written, source) = app_image(w, "layout", Format::OciLayout);
    for auth in [None, Some(("slimmer", "s3cret"))] {
        let reg = Registry::start(auth).unwrap();
        reg.push(
            &format!("oci:{}:1", layout.display()),
            "team/app:1",
            false,
            auth,
        )
        .unwrap();
        let (from, to) = (
            format!("docker://{}/team/app:1", reg.addr()),
            format!("docker://{}/team/app:slim", reg.addr()),
        );
        let mut c = cmd(w);
        c.args(["slim", &from, "-o", &to, "--format", "json"]);
        if let Some((user, pass)) = auth {
            c.args(["--username", user, "--password-stdin"])
                .write_stdin(format!("{pass}\n"));
        }
        let out = c.output().unwrap();
        ballast_testkit::assert_ran(&out, "ballast slim");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["destination"], to.as_str());
        assert_eq!(report["image_format"], "oci");
        // By hand: the 400,000-byte pip cache the third layer deletes.
        assert_eq!(
            report["stored_before"].as_u64().unwrap() - report["stored_after"].as_u64().unwrap(),
            400_000
        );

        let mut extra = vec!["--no-cache"];
        if let Some((user, _)) = auth {
            extra.extend(["--username", user, "--password-stdin"]);
        }
        let mut c = cmd(w);
        c.args(["inspect", "--format", "json", "--quiet", &to])
            .args(&extra);
        if let Some((_, pass)) = auth {
            c.write_stdin(format!("{pass}\n"));
        }
        let out = c.output().unwrap();
        ballast_testkit::assert_ran(&out, "ballast inspect");
        let pushed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(pushed["totals"]["wasted_bytes"], 0);
        assert_eq!(
            pushed["totals"]["final_bytes"],
            source["totals"]["final_bytes"]
        );
        // The untouched base is the same blob in the registry.
        assert_eq!(
            pushed["layers"][0]["digest"],
            written.layer_digests[0].as_str()
        );
        assert_ne!(
            pushed["layers"][1]["digest"],
            written.layer_digests[1].as_str()
        );
    }
}

#[test]
#[cfg_attr(
    ballast_no_engine,
    ignore = "needs root, dockerd, the docker client and debootstrap (a real engine)"
)]
fn daemon_sources_match_the_layout() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (archive, _, inspected) = app_image(w, "app.tar", Format::DockerArchive);
    let expected = essence(&inspected);
    let d = Dockerd::start().unwrap();
    d.run(&["load", "-i", archive.to_str().unwrap()]).unwrap();
    let host = format!("unix://{}", d.socket.display());
    let env = [("DOCKER_HOST", host.as_str())];
    for name in ["daemon://app:1", "app:1"] {
        let got = inspect(w, name, &[], &env).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(essence(&got), expected, "{name}");
    }
    let e = inspect(w, "daemon://nothing:here", &[], &env).unwrap_err();
    assert!(e.contains("no image \"nothing:here\""), "{e}");
    // --resolve-bases=daemon: the loaded image's environment (PATH only)
    // and platform judge the Dockerfile built on it.
    let dockerfile = w.join("Dockerfile");
    std::fs::write(&dockerfile, "FROM app:1\nCOPY $PATH/x $MODEL_DIR/ /app/\n").unwrap();
    let lint = |extra: &[&str]| {
        let (found, _) = lint_base_rules(w, &dockerfile, extra, &[("DOCKER_HOST", &host)]);
        found
    };
    assert!(lint(&[]).is_empty());
    let found = lint(&["--resolve-bases=daemon"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("MODEL_DIR"), "{found:?}");
    let e = inspect(
        w,
        "daemon://app:1",
        &[],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    )
    .unwrap_err();
    assert!(e.contains("/nonexistent/docker.sock"), "{e}");
    drop(d);

    // podman's Docker-compatible service, when podman is installed.
    if Process::new("podman").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI installs podman");
        return;
    }
    let p = ballast_testkit::engine::PodmanService::start().unwrap();
    p.podman(&["load", "-i", archive.to_str().unwrap()])
        .unwrap();
    let host = format!("unix://{}", p.socket.display());
    let got = inspect(
        w,
        "daemon://localhost/app:1",
        &[],
        &[("DOCKER_HOST", host.as_str())],
    )
    .unwrap();
    assert_eq!(essence(&got), expected, "podman");
}
