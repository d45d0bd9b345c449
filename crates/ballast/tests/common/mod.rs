//! Helpers shared by the command-line tests.
#![allow(dead_code)]

pub(crate) mod corpus;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `ballast` in `dir`, without colour and without the lint environment
/// variables of the caller.
pub(crate) fn ballast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("ballast").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k.starts_with("BALLAST_LINT")
            || k == "BALLAST_TRUSTED_REGISTRIES"
            || k == "BUILDKIT_DOCKERFILE_CHECK"
        {
            c.env_remove(k);
        }
    }
    c
}

/// Runs a command and fails the test, showing its standard error, unless
/// it exits with `code`.
pub(crate) fn run(cmd: &mut Command, code: i32) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A command's run as a snapshot, in insta_cmd's shape: the arguments,
/// whether it succeeded, its exit code, its standard output and error.
pub(crate) fn cmd_snapshot(args: &[&str], out: &std::process::Output) -> String {
    format!(
        "args: {args:?}\nsuccess: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        out.status.success(),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails the test with the command's standard error unless it succeeded.
#[track_caller]
pub(crate) fn assert_success(out: &std::process::Output) {
    ballast_testkit::assert_ran(out, "ballast");
}

/// Writes files (creating directories).
pub(crate) fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, content) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// A copy of a directory tree.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Checks that the README's `<!-- NAME:start -->` ... `<!-- NAME:end -->`
/// section is `content`; with `BALLAST_BLESS` set, writes it instead.
pub(crate) fn readme_section(name: &str, content: &str) {
    doc_section("README.md", name, content);
}

/// The same for a section of any document of the repository (`file`
/// relative to its root).
pub(crate) fn doc_section(file: &str, name: &str, content: &str) {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let path = root().join(file);
    let doc = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (doc.find(&start), doc.find(&end)) else {
        panic!("{file} has no {start} ... {end} section");
    };
    if std::env::var_os("BALLAST_BLESS").is_some() {
        let new = format!("{}{start}{content}{}", &doc[..a], &doc[b..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert_eq!(
        &doc[a + start.len()..b],
        content,
        "{file}'s {name} section is out of date (BALLAST_BLESS=1 rewrites it)"
    );
}

/// Removes the example's baked token (`ENV HF_TOKEN=...`) from a copy of
/// its Dockerfile, as the restructure's refusal asks.
pub(crate) fn drop_baked_token(dockerfile: &Path) {
    let text = std::fs::read_to_string(dockerfile).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("ENV HF_TOKEN="))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, text, "no baked token in {}", dockerfile.display());
    std::fs::write(dockerfile, kept).unwrap();
}
