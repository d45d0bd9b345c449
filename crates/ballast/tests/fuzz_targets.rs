//! The fuzz targets (`fuzz/`) still build against today's crates and run
//! on real inputs. cargo-fuzz and libfuzzer are not needed: a stand-in
//! `libfuzzer-sys`, written here, turns each `fuzz_target!` into a `main`
//! that runs its body on every file it is given, and the targets are built
//! with the workspace's lock file, offline.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const STUB: &str = r#"
#[macro_export]
macro_rules! fuzz_target {
    (|$data:ident: &[u8]| $body:block) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
            let run = |$data: &[u8]| $body;
            for path in std::env::args().skip(1) {
                run(&std::fs::read(&path).expect("read an input"));
            }
            0
        }
    };
}
"#;

/// `fuzz/Cargo.toml` pointed at the stand-in and at absolute paths.
fn manifest(root: &Path, stub: &Path) -> String {
    let text = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    let fuzz = root.join("fuzz").canonicalize().unwrap();
    text.replace(
        "libfuzzer-sys = \"0.4\"",
        &format!(
            "libfuzzer-sys = {{ path = {:?} }}",
            stub.display().to_string()
        ),
    )
    .replace("path = \"../", &format!("path = \"{}/../", fuzz.display()))
    .replace(
        "path = \"fuzz_targets/",
        &format!("path = \"{}/fuzz_targets/", fuzz.display()),
    )
}

/// Inputs for each target: the repository's Dockerfiles, an ignore file
/// with paths, an image archive, one of its layers, a RECORD.
fn inputs(dir: &Path, root: &Path) -> Vec<(&'static str, Vec<PathBuf>)> {
    let dockerfiles: Vec<PathBuf> = std::fs::read_dir(root.join("testdata/dockerfiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let ignore = dir.join("ignore");
    std::fs::write(
        &ignore,
        "**/*.pyc\n!keep.pyc\ndata/\0a/b.pyc\nkeep.pyc\ndata/x\n",
    )
    .unwrap();
    let spec = ballast_testkit::ml_image::image();
    let archive = dir.join("image.tar");
    spec.write(ballast_testkit::image::Format::DockerArchive, &archive)
        .unwrap();
    let layout = dir.join("layout");
    spec.write(ballast_testkit::image::Format::OciLayout, &layout)
        .unwrap();
    let layers: Vec<PathBuf> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let record = dir.join("RECORD");
    std::fs::write(
        &record,
        "torch/__init__.py,sha256=x,100\r\n../../bin/x,,\r\n",
    )
    .unwrap();
    vec![
        ("parse_dockerfile", dockerfiles.clone()),
        ("shell_expand", dockerfiles),
        ("dockerignore", vec![ignore]),
        ("layer", layers),
        ("image_metadata", vec![archive]),
        ("dist_info", vec![record]),
    ]
}

/// `cargo tree` of the normal dependencies of the package in `dir`, one
/// line each.
fn dependencies(cargo: &str, dir: &Path, target: &Path) -> String {
    let out = Command::new(cargo)
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    common::assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_printers_do_not_pull_the_daemon_client() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = common::root().canonicalize().unwrap();
    let out = Command::new(&cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            "ballast_report",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    common::assert_success(&out);
    let deps = String::from_utf8(out.stdout).unwrap();
    assert!(deps.contains("ballast_image "), "{deps}");
    for heavy in ["tokio ", "bollard "] {
        assert!(!deps.contains(heavy), "ballast_report pulls {heavy}");
    }
}

#[test]
fn fuzz_targets_build_and_run_on_real_inputs() {
    let root = common::root().canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stub = dir.path().join("libfuzzer-sys");
    std::fs::create_dir_all(stub.join("src")).unwrap();
    std::fs::write(
        stub.join("Cargo.toml"),
        "[package]\nname = \"libfuzzer-sys\"\nversion = \"0.4.99\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(stub.join("src/lib.rs"), STUB).unwrap();
    let check = dir.path().join("fuzz");
    std::fs::create_dir_all(&check).unwrap();
    std::fs::write(check.join("Cargo.toml"), manifest(&root, &stub)).unwrap();
    std::fs::copy(root.join("Cargo.lock"), check.join("Cargo.lock")).unwrap();
    // Kept between runs beside the workspace's own builds.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("fuzz-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Without debug information or incremental state: a fraction of the
    // disk, and nothing here is debugged.
    let out = Command::new(&cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(&check)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .unwrap();
    ballast_testkit::assert_ran(&out, "cargo build of the fuzz targets");
    // The targets read images from files: the daemon's client (tokio) and
    // the registry's are left out of their build.
    let deps = dependencies(&cargo, &check, &target);
    for heavy in ["tokio ", "bollard ", "ureq "] {
        assert!(!deps.contains(heavy), "the fuzz targets pull {heavy}");
    }
    let cases = inputs(dir.path(), &root);
    let targets = std::fs::read_to_string(root.join("fuzz/Cargo.toml"))
        .unwrap()
        .matches("[[bin]]")
        .count();
    assert_eq!(cases.len(), targets, "every fuzz target gets inputs");
    for (name, files) in cases {
        assert!(!files.is_empty(), "{name}: no inputs");
        let out = Command::new(target.join("debug").join(name))
            .args(&files)
            .output()
            .unwrap();
        ballast_testkit::assert_ran(&out, &format!("{name} on {files:?}"));
    }
}
