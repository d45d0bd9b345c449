//! `ballast fix` never loses what the user had: a kill between the temporary
//! write and the rename, a read-only directory, ownership, symlinks and hard
//! links (docs/security.md).

mod common;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ballast, run, write};

/// One safe fix to make (`--no-cache-dir`).
const FIXABLE: &str = "FROM python:3.11-slim\nRUN pip install flask\n";

fn is_root() -> bool {
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".ballast-"))
        .collect()
}

#[test]
fn the_fixture_is_fixable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("Dockerfile", FIXABLE)]);
    run(ballast(dir.path()).args(["fix", "Dockerfile"]), 0);
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(fixed.contains("--no-cache-dir"), "{fixed}");
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn a_kill_between_the_temporary_write_and_the_rename_keeps_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, &[("Dockerfile", FIXABLE)]);
    let marker = d.join("paused");
    let bin = assert_cmd::cargo::cargo_bin("ballast");
    let mut child = std::process::Command::new(bin)
        .current_dir(d)
        .args(["fix", "Dockerfile"])
        .env("BALLAST_TEST_PAUSE_BEFORE_RENAME", &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "fix never reached the rename"
        );
        assert!(child.try_wait().unwrap().is_none(), "fix exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The temporary file is complete and the original untouched.
    let tmp = std::fs::read_to_string(&marker).unwrap();
    assert!(
        std::fs::read_to_string(&tmp)
            .unwrap()
            .contains("--no-cache-dir")
    );
    assert_eq!(
        std::fs::read_to_string(d.join("Dockerfile")).unwrap(),
        FIXABLE
    );
    child.kill().unwrap(); // SIGKILL: no destructor runs.
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(d.join("Dockerfile")).unwrap(),
        FIXABLE
    );
    // The leftover is recognisable, and a new run is not disturbed by it.
    let left = leftovers(d);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".Dockerfile.ballast-") && left[0].ends_with(".tmp"));
    run(ballast(d).args(["fix", "Dockerfile"]), 0);
    assert!(
        std::fs::read_to_string(d.join("Dockerfile"))
            .unwrap()
            .contains("--no-cache-dir")
    );
}

#[test]
fn a_read_only_directory_is_a_clear_error_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("project");
    std::fs::create_dir(&d).unwrap();
    write(&d, &[("Dockerfile", FIXABLE)]);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ballast"));
    cmd.current_dir(&d).args(["fix", "Dockerfile"]);
    if is_root() {
        // Root writes anywhere: run as nobody, who owns the file but may not
        // write to the directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&d, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(d.join("Dockerfile"), Some(65534), Some(65534)).unwrap();
        cmd.uid(65534).gid(65534).env("HOME", &d);
    }
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = cmd.output().unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Dockerfile: cannot create a temporary file")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("Dockerfile")).unwrap(),
        FIXABLE
    );
    assert!(leftovers(&d).is_empty());
}

#[test]
fn mode_and_owner_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, &[("Dockerfile", FIXABLE)]);
    let path = d.join("Dockerfile");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let owner = if is_root() {
        (1234, 5678)
    } else {
        let m = std::fs::metadata(&path).unwrap();
        (m.uid(), m.gid())
    };
    std::os::unix::fs::chown(&path, Some(owner.0), Some(owner.1)).unwrap();
    run(ballast(d).args(["fix", "Dockerfile"]), 0);
    let m = std::fs::metadata(&path).unwrap();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("--no-cache-dir")
    );
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!((m.uid(), m.gid()), owner);
}

#[test]
fn a_symlinked_dockerfile_is_followed_and_the_link_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, &[("shared/Dockerfile.base", FIXABLE)]);
    std::fs::create_dir(d.join("app")).unwrap();
    std::os::unix::fs::symlink("../shared/Dockerfile.base", d.join("app/Dockerfile")).unwrap();
    run(ballast(&d.join("app")).args(["fix", "Dockerfile"]), 0);
    assert!(
        std::fs::symlink_metadata(d.join("app/Dockerfile"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(d.join("shared/Dockerfile.base"))
            .unwrap()
            .contains("--no-cache-dir")
    );
    assert!(leftovers(&d.join("app")).is_empty() && leftovers(&d.join("shared")).is_empty());
}

#[test]
fn a_hard_linked_dockerfile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, &[("Dockerfile", FIXABLE)]);
    std::fs::hard_link(d.join("Dockerfile"), d.join("Dockerfile.copy")).unwrap();
    let out = ballast(d).args(["fix", "Dockerfile"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("hard links"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("Dockerfile")).unwrap(),
        FIXABLE
    );
    assert_eq!(std::fs::metadata(d.join("Dockerfile")).unwrap().nlink(), 2);
    // --diff still shows what would change.
    let out = run(ballast(d).args(["fix", "--diff", "Dockerfile"]), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("+RUN pip install --no-cache-dir flask"));
}
