//! A build context on disk: where it is, its ignore file (BuildKit's
//! choice), what it holds, and the one bounded reader every command uses
//! for its files (requirement files, manifests, scripts), which never
//! follows a path or link out of the context.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::stages::{BuildOptions, StageGraph};

use crate::copies::{ContextUse, Transfer};
use crate::ignore::IgnoreFile;
use crate::junk;
use crate::summary::{self, ContextReport};
use crate::walk::{Context, walk};

/// A Dockerfile and its build context, parsed, graphed and walked once:
/// what every command that judges a project starts from and shares.
#[derive(Debug)]
pub struct Project {
    /// The Dockerfile's path.
    pub dockerfile_path: PathBuf,
    pub df: Arc<Dockerfile>,
    /// The stages with the build's arguments.
    pub graph: StageGraph,
    pub build: BuildOptions,
    pub context: Arc<BuildContext>,
}

/// Why a project cannot be judged.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// BuildKit would not parse the Dockerfile: the first problem.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: no stage named {target:?}")]
    UnknownTarget { path: String, target: String },
    /// The context cannot be read (not a directory, its ignore file).
    #[error("{path}: {error}")]
    Context { path: String, error: std::io::Error },
}

impl Project {
    /// The project of the Dockerfile at `dockerfile_path` holding `text`,
    /// built with `build` for `target`, its context the directory `dir`.
    pub fn new(
        dir: &Path,
        dockerfile_path: &Path,
        text: &str,
        build: BuildOptions,
        target: Option<&str>,
    ) -> Result<Project, ProjectError> {
        let path = dockerfile_path.display().to_string();
        let df = Dockerfile::parse(text);
        if let Some((line, column, message)) = df.first_error() {
            return Err(ProjectError::Parse {
                path,
                line,
                column,
                message,
            });
        }
        let graph = StageGraph::new(&df, &build);
        if let Some(t) = target
            && graph.find_stage(t).is_none()
        {
            return Err(ProjectError::UnknownTarget {
                path,
                target: t.to_string(),
            });
        }
        let context = BuildContext::load(dir, Some(dockerfile_path)).map_err(|error| {
            ProjectError::Context {
                path: dir.display().to_string(),
                error,
            }
        })?;
        Ok(Project {
            dockerfile_path: dockerfile_path.to_path_buf(),
            df: Arc::new(df),
            graph,
            build,
            context: Arc::new(context),
        })
    }

    /// The context directory.
    pub fn dir(&self) -> &Path {
        &self.context.root
    }

    /// The walked context.
    pub fn walked(&self) -> &Context {
        &self.context.context
    }

    /// The ignore file in force.
    pub fn ignore(&self) -> &IgnoreFile {
        &self.context.ignore
    }

    /// The Dockerfile's path relative to the context, when inside it.
    pub fn dockerfile_in_context(&self) -> Option<String> {
        let dir = std::fs::canonicalize(self.dir()).ok()?;
        let f = std::fs::canonicalize(&self.dockerfile_path).ok()?;
        f.strip_prefix(dir)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// Reads a context file (for requirement files), bounded and never
    /// leaving the context.
    pub fn read_context_file(&self, rel: &str) -> Option<String> {
        self.context.read(rel)
    }

    /// The text of the ignore file in force, if there is one.
    pub fn ignore_text(&self) -> Option<String> {
        let path = self.context.ignore_path.as_ref()?;
        String::from_utf8(read_bounded(path, MAX_IGNORE_FILE).ok()?).ok()
    }

    /// What BuildKit transfers of the context for the target.
    pub fn transfer(&self, uses: &[ContextUse], target: Option<&str>) -> Transfer {
        let stages = self
            .graph
            .target(target)
            .map(|t| self.graph.reachable(t))
            .unwrap_or_default();
        Transfer::of(uses, &stages)
    }

    /// What the context sends for the target: sizes, what each COPY takes,
    /// the junk it ships (`dockerfile`: the name the report gives it).
    pub fn context_report(
        &self,
        uses: &[ContextUse],
        target: Option<&str>,
        dockerfile: &str,
    ) -> ContextReport {
        let ctx = self.walked();
        let transfer = self.transfer(uses, target);
        summary::build(
            ctx,
            self.ignore(),
            junk::find_sent(ctx, &transfer),
            uses,
            &transfer,
            &|s| self.stage_label(s),
            dockerfile,
        )
    }

    /// A typical code change: an application source file the target's image copies.
    pub fn typical_code_change(&self, uses: &[ContextUse], target: Option<&str>) -> Option<String> {
        let target = self.graph.target(target);
        let needed = target.map(|t| self.graph.reachable(t)).unwrap_or_default();
        let image_stages = target
            .map(|t| self.graph.final_chain(t))
            .unwrap_or_default();
        crate::copies::typical_code_change(self.walked(), uses, &needed, &image_stages)
    }

    /// A stage's label.
    pub fn stage_label(&self, s: usize) -> String {
        self.graph
            .stages
            .get(s)
            .map(|st| st.label())
            .unwrap_or_default()
    }
}

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
                let text = utf8(p, read_bounded(p, MAX_IGNORE_FILE)?)?;
                IgnoreFile::parse(&text, Some(&p.display().to_string()))
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

/// A file's bytes as text; invalid UTF-8 is an error naming the path, line
/// and column of the first bad byte.
pub fn utf8(path: &Path, bytes: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..good].iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = bytes[..good]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&bytes[line_start..good])
            .chars()
            .count()
            + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{}:{line}:{column}: the file is not valid UTF-8",
                path.display()
            ),
        )
    })
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
