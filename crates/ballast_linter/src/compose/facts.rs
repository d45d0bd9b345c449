//! What a service's Dockerfile says its image needs at run time: who it
//! runs as, where it writes, whether it runs models and on which torch.

use ballast_dockerfile::{Dockerfile, Keyword};

use crate::checker::Checker;
use crate::{LintError, LintOptions, stage_model};

/// Who the image's process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUser {
    Root,
    /// A non-root user (its name as the Dockerfile writes it).
    NonRoot(String),
    /// Starts as root and switches user in its entrypoint (gosu, su-exec):
    /// it needs the SETUID and SETGID capabilities to do so.
    DropsPrivileges,
}

/// A path the process is expected to write, and why ballast expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritablePath {
    pub path: String,
    pub why: String,
    /// It must keep what is written there (a model cache, which may also
    /// hold models the build downloaded): a volume, not a tmpfs.
    pub holds_files: bool,
}

/// The run-time needs of a built image, from its Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// The Dockerfile, as shown.
    pub dockerfile: String,
    pub user: ImageUser,
    pub writable: Vec<WritablePath>,
    /// torch in the image: `Some(true)` a CPU-only build, `Some(false)`
    /// the CUDA build.
    pub torch_cpu: Option<bool>,
    /// It runs models (torch, transformers, onnxruntime, ...).
    pub ml: bool,
    /// Why it is meant for a GPU, when the Dockerfile says so.
    pub gpu_signal: Option<String>,
    /// A set-user-ID tool the image uses or installs (`sudo`, `gosu`):
    /// `no-new-privileges` stops it from gaining privileges.
    pub setuid_tool: Option<String>,
}

/// Cache locations ML libraries write, by the variable that moves them.
const CACHE_VARIABLES: &[&str] = &[
    "HF_HOME",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "TRANSFORMERS_CACHE",
    "SENTENCE_TRANSFORMERS_HOME",
    "TORCH_HOME",
    "XDG_CACHE_HOME",
];

const SETUID_TOOLS: &[&str] = &["sudo", "gosu", "su-exec", "doas"];

impl ImageFacts {
    /// The facts of a Dockerfile as built with `options` (its arguments and
    /// target).
    pub fn of(df: &Dockerfile, options: &LintOptions<'_>, shown: &str) -> Result<Self, LintError> {
        let (graph, target) = stage_model(df, options)?;
        let cx = Checker::new(df, graph, target, options);
        let torch_cpu = cx.torch_in_image().map(|t| t.cpu);
        let ml = torch_cpu.is_some()
            || cx
                .python_in_image()
                .iter()
                .any(|d| ballast_ml::packages::is_ml_framework(d));
        let user = crate::rules::security::root_user::image_user(&cx);
        Ok(ImageFacts {
            dockerfile: shown.to_string(),
            writable: writable_paths(&cx, &user, ml),
            user,
            torch_cpu,
            ml,
            gpu_signal: cx.gpu_signal(),
            setuid_tool: setuid_tool(&cx),
        })
    }

    /// The paths the process writes that a read-only root file system
    /// leaves unwritable unless the service mounts something there.
    pub fn unwritable_in(&self, service: &super::Service) -> Vec<&WritablePath> {
        self.writable
            .iter()
            .filter(|w| !service.writable_at(&w.path))
            .collect()
    }
}

/// `/tmp`, the directories the build creates for the app, and the model
/// caches (where the environment puts them, else under the home).
fn writable_paths(cx: &Checker<'_>, user: &ImageUser, ml: bool) -> Vec<WritablePath> {
    let copied = copy_destinations(cx);
    let holds = |p: &str| {
        copied
            .iter()
            .any(|c| c == p || c.starts_with(&format!("{p}/")))
    };
    // What a build leaves in /tmp is not the image's to keep: programs may
    // not expect files there to survive (FHS), so a tmpfs hides nothing
    // the service needs.
    let mut out = vec![WritablePath {
        path: "/tmp".to_string(),
        why: "temporary files (Python's tempfile, uploads, most libraries)".to_string(),
        holds_files: false,
    }];
    // A directory the build creates and leaves empty is for the app to
    // write; one the image copies files into is the app's own code (`mkdir
    // /app` then `COPY . /app`), which a volume or tmpfs must not cover.
    for (dir, line) in cx.created_dirs() {
        if !holds(&dir) {
            out.push(WritablePath {
                path: dir,
                why: format!("created for the app with mkdir (line {line})"),
                holds_files: false,
            });
        }
    }
    let last = cx.image_instructions().last().copied();
    let var = |name: &str| last.and_then(|i| cx.var(i, name)).map(str::to_string);
    let mut cache_set = false;
    for name in CACHE_VARIABLES {
        if let Some(path) = var(name).filter(|p| p.starts_with('/')) {
            cache_set = true;
            push_new(&mut out, path, format!("{name}, a model cache"), true);
        }
    }
    if ml && !cache_set {
        // A numeric user's home is whatever /etc/passwd says, unknown here.
        let home = var("HOME").unwrap_or_else(|| match user {
            ImageUser::NonRoot(u)
                if u.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !u.chars().all(|c| c.is_ascii_digit()) =>
            {
                format!("/home/{u}")
            }
            ImageUser::NonRoot(_) => "~".to_string(),
            _ => "/root".to_string(),
        });
        let path = format!("{}/.cache", home.trim_end_matches('/'));
        push_new(
            &mut out,
            path,
            "the model caches' default (~/.cache: Hugging Face, torch)".to_string(),
            true,
        );
    }
    out
}

fn push_new(out: &mut Vec<WritablePath>, path: String, why: String, holds_files: bool) {
    if !out.iter().any(|w| w.path == path) {
        out.push(WritablePath {
            path,
            why,
            holds_files,
        });
    }
}

/// Where the image's COPY and ADD instructions put files.
fn copy_destinations(cx: &Checker<'_>) -> Vec<String> {
    cx.image_instructions()
        .into_iter()
        .filter(|i| matches!(cx.inst(*i).keyword, Keyword::Copy | Keyword::Add))
        .filter_map(|i| {
            let dest = cx.inst(i).values().last()?.to_string();
            Some(cx.absolute(i, &dest).trim_end_matches('/').to_string())
        })
        .collect()
}

/// A set-user-ID tool the image starts with or installs.
fn setuid_tool(cx: &Checker<'_>) -> Option<String> {
    for text in cx.start_texts() {
        for c in ballast_shell::parse(text).commands {
            if let Some(w) = c
                .words
                .iter()
                .find(|w| SETUID_TOOLS.contains(&w.text.rsplit('/').next().unwrap_or(&w.text)))
            {
                return Some(format!("`{}` in the image's start command", w.text));
            }
        }
    }
    for run in cx.image_runs() {
        for (_, cmd) in run.commands() {
            let Some(p) = ballast_shell::os::package_command(cmd) else {
                continue;
            };
            if p.action != ballast_shell::os::Action::Install {
                continue;
            }
            if let Some(w) = p
                .packages
                .iter()
                .find(|w| SETUID_TOOLS.contains(&w.text.as_str()))
            {
                return Some(format!(
                    "`{}` installed (line {})",
                    w.text,
                    cx.inst(run.index).start_line
                ));
            }
        }
    }
    None
}
