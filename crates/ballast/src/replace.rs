//! Replacing files so that nothing the user had is ever lost: the new text
//! goes to a temporary file beside the target (same file system), is synced,
//! given the target's mode and owner, and renamed over it in one step. A kill,
//! a crash or a full disk at any point leaves either the old file or the new
//! one, never a mix; at worst a `.NAME.ballast-XXXXXX.tmp` file stays behind.
//!
//! Deliberate choices (docs/security.md):
//! - a symlinked file is followed: the file it points to is replaced in its
//!   own directory and the link is kept;
//! - a file with several hard links is refused, since a rename would silently
//!   split it from its other names;
//! - a file whose owner cannot be kept (not root, someone else's file) is
//!   refused rather than handed to the current user;
//! - a file that changed on disk since it was read is not overwritten.
//!
//! Every file of one fix is staged before any is renamed, so a failure while
//! writing changes none of them.

use std::fs::{self, File};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// Test hook: when set, `commit` creates the file this names and waits to be
/// killed between the temporary write and the rename.
const PAUSE_HOOK: &str = "BALLAST_TEST_PAUSE_BEFORE_RENAME";

/// One change to make: the path as given, the text read from it ("" for a
/// new file) and the text to write.
pub(crate) struct Change<'a> {
    pub path: &'a Path,
    pub old: &'a str,
    pub new: &'a str,
}

/// A fully written temporary file waiting to be renamed over its target.
struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
    /// What the target held when it was read (`None`: it did not exist).
    expected: Option<String>,
    shown: PathBuf,
}

/// Replaces every file of `changes`, all staged before the first rename.
pub(crate) fn replace_all(changes: &[Change<'_>]) -> Result<()> {
    let staged = changes.iter().map(stage).collect::<Result<Vec<_>>>()?;
    for s in staged {
        s.commit()?;
    }
    Ok(())
}

fn stage(change: &Change<'_>) -> Result<Staged> {
    let shown = change.path.to_path_buf();
    let (target, meta) = match fs::symlink_metadata(change.path) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = fs::canonicalize(change.path).with_context(|| {
                format!("{}: is a symlink that cannot be followed", shown.display())
            })?;
            let meta = fs::metadata(&target)
                .with_context(|| format!("{}: cannot read", target.display()))?;
            (target, Some(meta))
        }
        Ok(m) => (change.path.to_path_buf(), Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (change.path.to_path_buf(), None),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", shown.display())),
    };
    if let Some(m) = &meta {
        if !m.is_file() {
            bail!("{}: not a regular file; not rewritten", shown.display());
        }
        if m.nlink() > 1 {
            bail!(
                "{}: has {} hard links and replacing it would split them; not rewritten \
                 (use --diff and apply the patch)",
                shown.display(),
                m.nlink()
            );
        }
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.ballast-"))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file in {}; nothing was changed",
                shown.display(),
                dir.display()
            )
        })?;
    let written = tmp
        .write_all(change.new.as_bytes())
        .and_then(|()| tmp.as_file().sync_all());
    written.with_context(|| format!("{}: cannot write; nothing was changed", shown.display()))?;
    let mode = meta
        .as_ref()
        .map_or(0o644, |m| m.permissions().mode() & 0o7777);
    if let Some(m) = &meta {
        let mine = tmp.as_file().metadata()?;
        if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::chown(tmp.path(), Some(m.uid()), Some(m.gid())).with_context(
                || {
                    format!(
                        "{}: cannot keep its owner {}:{}; not rewritten",
                        shown.display(),
                        m.uid(),
                        m.gid()
                    )
                },
            )?;
        }
    }
    // After chown, which clears set-id bits.
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(mode))
        .with_context(|| format!("{}: cannot set permissions", shown.display()))?;
    Ok(Staged {
        tmp,
        target,
        expected: meta.map(|_| change.old.to_string()),
        shown,
    })
}

impl Staged {
    fn commit(self) -> Result<()> {
        let shown = self.shown.display();
        let now = match fs::read(&self.target) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("{shown}: cannot read")),
        };
        if now.as_deref() != self.expected.as_deref().map(str::as_bytes) {
            bail!("{shown}: changed on disk while it was being fixed; not rewritten");
        }
        if let Some(marker) = std::env::var_os(PAUSE_HOOK) {
            let _ = fs::write(&marker, self.tmp.path().as_os_str().as_encoded_bytes());
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        let dir = self.target.parent().map(Path::to_path_buf);
        let persisted = if self.expected.is_some() {
            self.tmp.persist(&self.target).map(drop)
        } else {
            self.tmp.persist_noclobber(&self.target).map(drop)
        };
        persisted.map_err(|e| anyhow::anyhow!("{shown}: cannot replace: {}", e.error))?;
        // Make the rename itself durable.
        if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
