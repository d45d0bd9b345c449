//! A build context on disk: where it is, its ignore file (BuildKit's
//! choice), what it holds, and the one bounded reader every command uses
//! for its files (requirement files, manifests, scripts), which never
//! follows a path or link out of the context.

use std::path::{Path, PathBuf};

use crate::ignore::IgnoreFile;
use crate::walk::{Context, walk};

/// Requirement and project files larger than this are not read.
const MAX_READ: u64 = 4 << 20;

/// A build context on disk.
#[derive(Debug)]
pub struct BuildContext {
    /// The context directory.
    pub root: PathBuf,
    /// The ignore file in effect, if any.
    pub ignore_path: Option<PathBuf>,
    pub ignore: IgnoreFile,
    /// The walked context, with every entry's decision.
    pub context: Context,
}

impl BuildContext {
    /// Walks `root` with BuildKit's choice of ignore file for `dockerfile`:
    /// `<Dockerfile>.dockerignore` beside it, else `.dockerignore` at the root.
    pub fn load(root: &Path, dockerfile: Option<&Path>) -> std::io::Result<BuildContext> {
        Self::load_with(root, ignore_file_for(root, dockerfile).as_deref())
    }

    /// Walks `root` with the given ignore file (or none).
    pub fn load_with(root: &Path, ignore_path: Option<&Path>) -> std::io::Result<BuildContext> {
        let ignore_path = ignore_path.map(Path::to_path_buf);
        let ignore = match &ignore_path {
            Some(p) => {
                let bytes = read_bounded(p, MAX_IGNORE_FILE)?;
                IgnoreFile::parse(
                    &String::from_utf8_lossy(&bytes),
                    Some(&p.display().to_string()),
                )
            }
            None => IgnoreFile::default(),
        };
        let context = walk(root, &ignore)?;
        Ok(BuildContext {
            root: root.to_path_buf(),
            ignore_path,
            ignore,
            context,
        })
    }

    /// Reads a context file (a relative path; `..` refused), if small enough.
    pub fn read(&self, rel: &str) -> Option<String> {
        read_in_context(&self.root, rel)
    }
}

/// Reads a file of the context at `root` (a context-relative path; `..`
/// refused; a symlink followed only while it stays inside the context), if
/// it is a regular file of at most 4 MiB.
pub fn read_in_context(root: &Path, rel: &str) -> Option<String> {
    let rel = rel.trim_start_matches("./").trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|c| c == "..") {
        return None;
    }
    let real = root.join(rel).canonicalize().ok()?;
    if !real.starts_with(root.canonicalize().ok()?) {
        return None;
    }
    let meta = std::fs::metadata(&real).ok()?;
    if !meta.is_file() || meta.len() > MAX_READ {
        return None;
    }
    let bytes = read_bounded(&real, MAX_READ).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The largest .dockerignore read (4 MiB).
pub const MAX_IGNORE_FILE: u64 = 4 << 20;

/// Reads at most `max` bytes of a file; a larger one (or a device that never
/// ends) is an error naming the limit.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: larger than {max} bytes", path.display()),
        ));
    }
    Ok(bytes)
}

/// BuildKit's choice of ignore file.
pub fn ignore_file_for(root: &Path, dockerfile: Option<&Path>) -> Option<PathBuf> {
    if let Some(df) = dockerfile {
        let beside = PathBuf::from(format!("{}.dockerignore", df.display()));
        if beside.is_file() {
            return Some(beside);
        }
    }
    let p = root.join(".dockerignore");
    p.is_file().then_some(p)
}
