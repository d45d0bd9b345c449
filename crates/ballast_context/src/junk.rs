//! Known junk in a build context: version control, virtualenvs, caches,
//! bytecode, node_modules, notebooks, datasets, model weights, build outputs
//! and secrets. Each finding is the top-most path of its kind (nothing
//! inside a reported directory is reported again).

use serde::Serialize;

use crate::walk::{Context, Kind};

/// A class of junk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JunkClass {
    Vcs,
    Virtualenv,
    Cache,
    Pycache,
    NodeModules,
    Notebooks,
    Dataset,
    ModelWeights,
    BuildOutput,
    Secret,
}

impl JunkClass {
    /// A short description.
    pub fn describe(self) -> &'static str {
        match self {
            JunkClass::Vcs => "version control history",
            JunkClass::Virtualenv => "a local virtualenv",
            JunkClass::Cache => "a tool cache",
            JunkClass::Pycache => "Python bytecode",
            JunkClass::NodeModules => "node_modules",
            JunkClass::Notebooks => "notebooks and their checkpoints",
            JunkClass::Dataset => "data files",
            JunkClass::ModelWeights => "model weights",
            JunkClass::BuildOutput => "build output",
            JunkClass::Secret => "a secret",
        }
    }
}

/// One piece of junk.
#[derive(Debug, Clone, Serialize)]
pub struct Junk {
    pub class: JunkClass,
    /// The file or directory (top-most).
    pub path: String,
    /// Regular-file bytes at or below it.
    pub bytes: u64,
    /// Regular files at or below it.
    pub files: u64,
    /// Whether any of it is sent to the builder.
    pub sent: bool,
    /// Whether it is a directory.
    pub dir: bool,
    /// For a secret: what in it is secret (`sets OPENAI_API_KEY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

const CACHE_DIRS: &[&str] = &[
    ".cache",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".hypothesis",
    ".eggs",
    ".gradle",
    ".ipython",
];
const DATASET_DIRS: &[&str] = &["data", "datasets", "dataset", "raw_data"];
const DATASET_SUFFIXES: &[&str] = &[
    ".csv",
    ".tsv",
    ".parquet",
    ".jsonl",
    ".ndjson",
    ".arrow",
    ".feather",
    ".npy",
    ".npz",
    ".tfrecord",
    ".hdf5",
    ".avro",
    ".orc",
    ".sqlite",
    ".db",
];
/// Files smaller than this are not called a dataset on their own.
const DATASET_MIN_BYTES: u64 = 1 << 20;
/// A `data/` directory smaller than this is more likely an application
/// resource (templates, a demo corpus the app lists) than a dataset...
const DATASET_DIR_MIN_BYTES: u64 = 50 << 20;
/// ... unless it holds test fixtures (`tests/data`).
const TEST_DATA_DIR_MIN_BYTES: u64 = 10 << 20;

/// The class of a directory, from its name and contents.
fn dir_class(ctx: &Context, path: &str, name: &str) -> Option<JunkClass> {
    match name {
        ".git" | ".hg" | ".svn" | ".bzr" => Some(JunkClass::Vcs),
        "__pycache__" => Some(JunkClass::Pycache),
        "node_modules" => Some(JunkClass::NodeModules),
        ".ipynb_checkpoints" => Some(JunkClass::Notebooks),
        "build" | "dist" | "htmlcov" | "target" if path == name => Some(JunkClass::BuildOutput),
        n if n.ends_with(".egg-info") => Some(JunkClass::BuildOutput),
        n if CACHE_DIRS.contains(&n) => Some(JunkClass::Cache),
        n if DATASET_DIRS.contains(&n) => Some(JunkClass::Dataset),
        _ => {
            let venv = ctx.get(&format!("{path}/pyvenv.cfg")).is_some()
                || ctx.get(&format!("{path}/bin/activate")).is_some()
                    && ctx.get(&format!("{path}/lib")).is_some();
            venv.then_some(JunkClass::Virtualenv)
        }
    }
}

/// Weight files below this are parameters the code loads (speaker tables,
/// normalisation statistics, test fixtures) committed with the source, not
/// checkpoints: every one in the 23 real projects is under 2 MB.
const WEIGHTS_MIN_BYTES: u64 = 10_000_000;

/// The most bytes of a file read to judge whether it holds a secret.
const MAX_SECRET_READ: u64 = 64 << 10;

/// The class of a file, from its name (and, for files that may hold a
/// secret, its first 64 KiB), with what makes it a secret.
fn file_class(
    root: &std::path::Path,
    path: &str,
    name: &str,
    size: u64,
) -> Option<(JunkClass, Option<String>)> {
    use ballast_ml::secrets::{file_secret, judged_by_contents};
    let lower = name.to_ascii_lowercase();
    let text = judged_by_contents(path).then(|| read_start(&root.join(path)));
    if let Some(why) = file_secret(path, text.as_deref()) {
        return Some((JunkClass::Secret, Some(why)));
    }
    let class = if lower.ends_with(".ipynb") {
        JunkClass::Notebooks
    } else if lower.ends_with(".pyc") {
        JunkClass::Pycache
    } else if size >= WEIGHTS_MIN_BYTES && ballast_ml::paths::is_model_weights(path, name, false) {
        JunkClass::ModelWeights
    } else if size >= DATASET_MIN_BYTES && DATASET_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        JunkClass::Dataset
    } else {
        return None;
    };
    Some((class, None))
}

/// The first bytes of a file as text (empty when unreadable).
fn read_start(path: &std::path::Path) -> String {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(MAX_SECRET_READ).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The junk BuildKit would send for a build: [`find`], with `sent` true
/// only for what the build's COPY/ADD/bind-mount sources take.
pub fn find_sent(ctx: &Context, transfer: &crate::copies::Transfer) -> Vec<Junk> {
    let mut out = find(ctx);
    for j in &mut out {
        j.sent = j.sent
            && ctx
                .under(&j.path)
                .any(|e| e.kind == Kind::File && transfer.sends(ctx, &e.path));
    }
    out
}

/// Finds the junk of a context.
pub fn find(ctx: &Context) -> Vec<Junk> {
    let mut out: Vec<Junk> = Vec::new();
    let mut covered: Option<String> = None; // a reported directory, with trailing '/'
    for e in &ctx.entries {
        if covered.as_deref().is_some_and(|c| e.path.starts_with(c)) {
            continue;
        }
        covered = None;
        let name = e.path.rsplit('/').next().unwrap_or(&e.path);
        let class = match e.kind {
            Kind::Dir => dir_class(ctx, &e.path, name).map(|c| (c, None)),
            Kind::File => file_class(&ctx.root, &e.path, name, e.size),
            _ => None,
        };
        let Some((class, detail)) = class else {
            continue;
        };
        let (bytes, files, sent) = if e.kind == Kind::Dir {
            let totals = ctx
                .under(&e.path)
                .filter(|x| x.kind == Kind::File)
                .fold((0, 0, false), |(b, n, s), x| {
                    (b + x.size, n + 1, s || !x.excluded)
                });
            let in_tests = e.path.split('/').any(|c| c == "tests" || c == "test");
            let min = if in_tests {
                TEST_DATA_DIR_MIN_BYTES
            } else {
                DATASET_DIR_MIN_BYTES
            };
            if class == JunkClass::Dataset && totals.0 < min {
                continue;
            }
            covered = Some(format!("{}/", e.path));
            totals
        } else {
            (e.size, 1, !e.excluded)
        };
        out.push(Junk {
            class,
            path: e.path.clone(),
            bytes,
            files,
            sent,
            dir: e.kind == Kind::Dir,
            detail,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ignore::IgnoreFile;
    use crate::walk::walk;

    #[test]
    fn finds_top_level_junk() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for (p, size) in [
            (".git/objects/pack/p.pack", 5000),
            (".git/HEAD", 10),
            (".venv/pyvenv.cfg", 10),
            (".venv/lib/python3.11/site-packages/x.py", 100),
            ("app/__pycache__/main.cpython-311.pyc", 50),
            ("app/main.py", 10),
            ("notebooks/explore.ipynb", 300),
            ("data/train.csv", 60_000_000),
            ("web/data/demo.json", 11_000_000),
            ("resources/data/templates.csv", 2_000),
            ("models/model.safetensors", 40_000_000),
            ("app/voices/stats.pth", 9_000),
            (".env.example", 20),
            ("small.csv", 10),
        ] {
            let path = r.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            // Sparse: the size is what matters, not the bytes on disk.
            std::fs::File::create(path).unwrap().set_len(size).unwrap();
        }
        // Secrets are judged by what the file says.
        std::fs::write(
            r.join(".env"),
            "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEF\n",
        )
        .unwrap();
        std::fs::create_dir_all(r.join("web")).unwrap();
        std::fs::write(
            r.join("web/.env.production"),
            "NEXT_PUBLIC_ENV='production'\n",
        )
        .unwrap();
        let ctx = walk(r, &IgnoreFile::parse(".git\n", None)).unwrap();
        let junk: Vec<(JunkClass, String, u64, bool)> = find(&ctx)
            .into_iter()
            .map(|j| (j.class, j.path, j.bytes, j.sent))
            .collect();
        assert!(
            junk.contains(&(JunkClass::Vcs, ".git".into(), 5010, false)),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(JunkClass::Virtualenv, ".venv".into(), 110, true)),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(JunkClass::Pycache, "app/__pycache__".into(), 50, true)),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(
                JunkClass::Notebooks,
                "notebooks/explore.ipynb".into(),
                300,
                true
            )),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(JunkClass::Dataset, "data".into(), 60_000_000, true)),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(
                JunkClass::ModelWeights,
                "models/model.safetensors".into(),
                40_000_000,
                true
            )),
            "{junk:?}"
        );
        assert!(
            junk.contains(&(JunkClass::Secret, ".env".into(), 45, true)),
            "{junk:?}"
        );
        // Small weight files are data the code loads, not checkpoints.
        assert!(
            !junk.iter().any(|j| j.1 == "app/voices/stats.pth"),
            "{junk:?}"
        );
        assert!(
            !junk.iter().any(|j| j.1 == ".env.example"
                || j.1 == "web/.env.production"
                || j.1 == "small.csv"
                || j.1.starts_with("resources")
                || j.1.starts_with("web/data")),
            "{junk:?}"
        );
        assert!(
            !junk.iter().any(|j| j.1.starts_with(".venv/")),
            "nothing inside a reported directory"
        );
    }
}
