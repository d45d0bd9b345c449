//! What `slim --drop CLASS` may remove from an image that is still
//! reachable: files the user names by class. Each class is a path rule;
//! none of them looks inside a file.
//!
//! The classes are narrower than [`crate::paths::classify`]'s where a wider
//! rule would remove what a program needs at run time: `pycache` is only
//! bytecode in `__pycache__` directories (a `.pyc` beside where its `.py`
//! would be is a sourceless module), `docs` keeps each package's
//! `copyright` (its licence), and `headers` keeps Triton's and Python's
//! (Triton compiles its launcher at run time against them).

use serde::Serialize;

use crate::paths::{Class, classify, is_in_site_packages};

/// A class of files `slim --drop` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropClass {
    PipCache,
    UvCache,
    CondaPkgs,
    AptLists,
    AptArchives,
    Pycache,
    HfCache,
    Docs,
    StaticLibs,
    Headers,
    Tests,
    Git,
}

impl DropClass {
    /// Every class, in the order `--help` lists them.
    pub const ALL: [DropClass; 12] = [
        DropClass::PipCache,
        DropClass::UvCache,
        DropClass::CondaPkgs,
        DropClass::AptLists,
        DropClass::AptArchives,
        DropClass::Pycache,
        DropClass::HfCache,
        DropClass::Docs,
        DropClass::StaticLibs,
        DropClass::Headers,
        DropClass::Tests,
        DropClass::Git,
    ];

    /// The name `--drop` takes.
    pub fn name(self) -> &'static str {
        match self {
            DropClass::PipCache => "pip-cache",
            DropClass::UvCache => "uv-cache",
            DropClass::CondaPkgs => "conda-pkgs",
            DropClass::AptLists => "apt-lists",
            DropClass::AptArchives => "apt-archives",
            DropClass::Pycache => "pycache",
            DropClass::HfCache => "hf-cache",
            DropClass::Docs => "docs",
            DropClass::StaticLibs => "static-libs",
            DropClass::Headers => "headers",
            DropClass::Tests => "tests",
            DropClass::Git => "git",
        }
    }

    /// The class a `--drop` name stands for.
    pub fn parse(name: &str) -> Option<DropClass> {
        DropClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether a path (root-relative, no leading `/`) is in the class.
    pub fn matches(self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let has = |class: Class| classify(path).contains(&class);
        match self {
            DropClass::PipCache => has(Class::PipCache),
            DropClass::UvCache => has(Class::UvCache),
            DropClass::CondaPkgs => has(Class::CondaPkgs),
            DropClass::AptLists => path.starts_with("var/lib/apt/lists/"),
            DropClass::AptArchives => path.starts_with("var/cache/apt/archives/"),
            DropClass::Pycache => path.split('/').any(|c| c == "__pycache__"),
            DropClass::HfCache => has(Class::HfCache),
            DropClass::Docs => has(Class::Docs) && !is_licence(path, name),
            DropClass::StaticLibs => name.ends_with(".a") && in_python_or_cuda_tree(path),
            DropClass::Headers => {
                is_header(name) && in_python_or_cuda_tree(path) && !needed_header(path)
            }
            DropClass::Tests => dirs_below_site_packages(path).any(|c| c == "tests" || c == "test"),
            DropClass::Git => path.split('/').any(|c| c == ".git"),
        }
    }
}

/// The classes of a path among those asked for, the first one that matches.
pub fn drop_class(path: &str, asked: &[DropClass]) -> Option<DropClass> {
    asked.iter().copied().find(|c| c.matches(path))
}

/// A package's copyright file (Debian's `usr/share/doc/PKG/copyright`).
fn is_licence(path: &str, name: &str) -> bool {
    path.starts_with("usr/share/doc/") && name == "copyright"
}

fn is_header(name: &str) -> bool {
    [".h", ".hh", ".hpp", ".hxx", ".cuh", ".inl"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Headers a library compiles against at run time: Triton's (and its
/// bundled CUDA's) and Python's own.
fn needed_header(path: &str) -> bool {
    path.contains("/triton/") || path.contains("include/python")
}

/// Installed Python distributions and CUDA toolkits.
fn in_python_or_cuda_tree(path: &str) -> bool {
    is_in_site_packages(path)
        || path.starts_with("usr/local/cuda")
        || path.starts_with("opt/nvidia/")
}

/// The directories below `site-packages/` (or `dist-packages/`), the
/// distribution's own, without the file name.
fn dirs_below_site_packages(path: &str) -> impl Iterator<Item = &str> {
    let below = crate::paths::below_site_packages(path).unwrap_or("");
    let dirs = below.rsplit_once('/').map_or("", |(d, _)| d);
    dirs.split('/').filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(path: &str) -> Vec<&'static str> {
        DropClass::ALL
            .into_iter()
            .filter(|c| c.matches(path))
            .map(DropClass::name)
            .collect()
    }

    #[test]
    fn each_class_matches_its_files_only() {
        let cases: &[(&str, &[&str])] = &[
            ("root/.cache/pip/http-v2/a/b/c", &["pip-cache"]),
            (
                "root/.cache/uv/archive-v0/x/torch/__init__.py",
                &["uv-cache"],
            ),
            ("opt/conda/pkgs/numpy-1.26.tar.bz2", &["conda-pkgs"]),
            (
                "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease",
                &["apt-lists"],
            ),
            ("var/cache/apt/archives/curl_7.88.deb", &["apt-archives"]),
            (
                "usr/lib/python3.11/site-packages/x/__pycache__/a.cpython-311.pyc",
                &["pycache"],
            ),
            (
                "root/.cache/huggingface/hub/models--bert/blobs/abc",
                &["hf-cache"],
            ),
            ("usr/share/man/man1/ls.1.gz", &["docs"]),
            ("usr/share/doc/curl/changelog.gz", &["docs"]),
            (
                "usr/local/lib/python3.11/site-packages/torch/lib/libfoo.a",
                &["static-libs"],
            ),
            (
                "usr/local/cuda-12.4/lib64/libcudart_static.a",
                &["static-libs"],
            ),
            (
                "usr/local/lib/python3.11/site-packages/torch/include/ATen/ATen.h",
                &["headers"],
            ),
            (
                "usr/local/lib/python3.11/site-packages/pandas/tests/frame/test_api.py",
                &["tests"],
            ),
            ("app/.git/objects/ab/cdef", &["git"]),
        ];
        for (path, want) in cases {
            assert_eq!(classes(path), *want, "{path}");
        }
    }

    #[test]
    fn what_a_program_needs_is_in_no_class() {
        for path in [
            // A sourceless module: the .pyc is the code.
            "usr/local/lib/python3.11/site-packages/vendor/mod.pyc",
            // Licences stay.
            "usr/share/doc/curl/copyright",
            // Triton compiles against these at run time.
            "usr/local/lib/python3.11/site-packages/triton/backends/nvidia/include/cuda.h",
            "usr/local/include/python3.11/Python.h",
            // A static library outside Python and CUDA trees is the user's.
            "usr/lib/x86_64-linux-gnu/libc.a",
            // A module named like a test at the top of a distribution is code.
            "usr/local/lib/python3.11/site-packages/pytest/__init__.py",
            "usr/local/lib/python3.11/site-packages/torch/testing/_internal/common.py",
            // The standard library's test package is not an installed distribution's.
            "usr/lib/python3.11/test/test_os.py",
            "app/main.py",
        ] {
            assert_eq!(classes(path), Vec::<&str>::new(), "{path}");
        }
    }

    #[test]
    fn names_round_trip() {
        for c in DropClass::ALL {
            assert_eq!(DropClass::parse(c.name()), Some(c));
        }
        assert_eq!(DropClass::parse("caches"), None);
    }
}
