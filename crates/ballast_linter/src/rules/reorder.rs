//! The fix of `deps-installed-after-code`: copy the dependency manifests
//! where the code copy was, install, then copy the code.
//!
//! The code COPY moves down to just after the install rather than the
//! install moving up, so every other step keeps its order (an `apt-get
//! install build-essential` between them still runs before pip). Project
//! tools get a dependency-only install first (`uv sync --no-install-project`,
//! `poetry install --no-root`, `pdm install --no-self`) and the original
//! install after the code. Refused, with no fix, when a step between the
//! copy and the install could use the code, or the manifests are unknown.

use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_dockerfile::{Instruction, Keyword, Span};
use ballast_shell::python::Tool;

use crate::checker::{Checker, PyInstall};
use crate::finding::{Edit, Fix};
use crate::rules::cache::deps_installed_after_code::copies_code;
use crate::rules::common::package_commands;

/// Whether instruction `i`, between the code copy and the install, cannot
/// depend on the code: metadata, and OS or named-package installs.
fn independent_of_code(cx: &Checker<'_>, i: usize) -> bool {
    let inst = cx.inst(i);
    match inst.keyword {
        Keyword::Env | Keyword::Arg | Keyword::Label | Keyword::Expose => true,
        // Another copy of dependency manifests only.
        Keyword::Copy | Keyword::Add => inst.flag("from").is_none() && !copies_code(cx, i),
        Keyword::Run => {
            let Some(run) = cx.runs[i].as_ref() else {
                return false;
            };
            let os = package_commands(run).len();
            let py = cx.python_installs(run);
            let named_only = py.iter().all(|p| {
                p.install.requirement_files.is_empty()
                    && p.install.local.is_empty()
                    && p.requested.iter().all(|r| r.file.is_none())
            });
            let cleanups = run
                .commands()
                .filter(|(_, c)| {
                    c.name() == Some("rm")
                        && ballast_shell::misc::removed_paths(c).iter().all(|p| {
                            p.starts_with("/var/lib/apt")
                                || p.starts_with("/var/cache")
                                || p.starts_with("/tmp")
                        })
                })
                .count();
            let total = run.commands().count();
            named_only && os + py.len() + cleanups == total && total > 0
        }
        _ => false,
    }
}

/// The manifests the install reads, as context paths, with the image paths
/// they are copied to.
fn manifests(cx: &Checker<'_>, copy: usize, p: &PyInstall<'_>) -> Option<Vec<String>> {
    let inst = cx.inst(copy);
    let args = CopyArgs::parse(inst).ok()?;
    let [CopySource::Path { value: src, .. }] = args.sources.as_slice() else {
        return None;
    };
    let src = src.trim_end_matches('/').trim_start_matches("./");
    let src = if src == "." { "" } else { src };
    let dest = cx.absolute(copy, &args.dest);
    let dest = dest.trim_end_matches('/');
    let exists = |rel: &str| cx.context.is_none() || cx.read(rel).is_some();
    let mut out = Vec::new();
    match p.install.tool {
        Tool::SetupPy => return None,
        // conda/mamba read `-f environment.yml` like pip reads `-r`.
        Tool::Pip | Tool::UvPip | Tool::Conda | Tool::Mamba | Tool::Micromamba => {
            if p.install.requirement_files.is_empty() {
                return None;
            }
            for f in p
                .install
                .requirement_files
                .iter()
                .chain(&p.install.constraint_files)
            {
                let abs = cx.absolute(p.run.index, f);
                let rel = abs.strip_prefix(dest)?.trim_start_matches('/');
                let ctx_path = if src.is_empty() {
                    rel.to_string()
                } else {
                    format!("{src}/{rel}")
                };
                if !exists(&ctx_path) {
                    return None;
                }
                out.push(ctx_path);
            }
        }
        Tool::UvSync | Tool::Poetry | Tool::Pdm | Tool::Pipenv => {
            let (files, locks): (&[&str], &[&str]) = match p.install.tool {
                Tool::UvSync => (&["pyproject.toml"], &["uv.lock"]),
                Tool::Poetry => (&["pyproject.toml"], &["poetry.lock"]),
                Tool::Pdm => (&["pyproject.toml"], &["pdm.lock"]),
                _ => (&["Pipfile"], &["Pipfile.lock"]),
            };
            // The install runs where the code lands.
            if cx.workdir(p.run.index).trim_end_matches('/') != dest {
                return None;
            }
            for f in files {
                let ctx_path = if src.is_empty() {
                    f.to_string()
                } else {
                    format!("{src}/{f}")
                };
                if !exists(&ctx_path) {
                    return None;
                }
                out.push(ctx_path);
            }
            for f in locks {
                let ctx_path = if src.is_empty() {
                    f.to_string()
                } else {
                    format!("{src}/{f}")
                };
                if cx.context.is_some() && cx.read(&ctx_path).is_some() {
                    out.push(ctx_path);
                }
            }
        }
    }
    Some(out)
}

/// The whole lines of an instruction, with its trailing newline.
fn line_span(source: &str, span: Span) -> Span {
    let start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = source[span.end..]
        .find('\n')
        .map_or(source.len(), |i| span.end + i + 1);
    Span::new(start, end)
}

fn with_newline(line: &str) -> String {
    if line.ends_with('\n') {
        line.to_string()
    } else {
        format!("{line}\n")
    }
}

/// The COPY lines that bring the manifests first: one per directory, so
/// every manifest lands where the code copy would have put it, with the
/// copy's flags (`--chown`, `--link`).
fn manifest_copies(files: &[String], copy: &Instruction, args: &CopyArgs) -> String {
    let flags: String = copy.flags.iter().map(|f| format!("{} ", f.text)).collect();
    let dest = if args.dest.ends_with('/') {
        args.dest.clone()
    } else {
        format!("{}/", args.dest)
    };
    let src_dir = match args.sources.as_slice() {
        [CopySource::Path { value, .. }] => {
            let v = value.trim_end_matches('/').trim_start_matches("./");
            if v == "." {
                String::new()
            } else {
                v.to_string()
            }
        }
        _ => String::new(),
    };
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&format!("{src_dir}/")).unwrap_or(path);
        let dir = rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, v)) => v.push(path),
            None => groups.push((dir, vec![path])),
        }
    }
    groups
        .iter()
        .map(|(dir, paths)| format!("COPY {flags}{} {dest}{dir}\n", paths.join(" ")))
        .collect()
}

/// The reorder, or `None` when it cannot be done safely.
pub(crate) fn fix(cx: &Checker<'_>, copy: usize, p: &PyInstall<'_>) -> Option<Fix> {
    let r = p.run.index;
    if (copy + 1..r).any(|i| !independent_of_code(cx, i)) || p.run.json || p.via.is_some() {
        return None;
    }
    // The manifests come from the code copy, or a copy between already
    // brings them: then only the code copy moves.
    let files = manifests(cx, copy, p);
    let copied_between =
        (copy + 1..r).any(|i| matches!(cx.inst(i).keyword, Keyword::Copy | Keyword::Add));
    if files.is_none() && !copied_between {
        return None;
    }
    let copy_inst = cx.inst(copy);
    let args = CopyArgs::parse(copy_inst).ok()?;
    let src = cx.source;
    let copy_lines = line_span(src, copy_inst.span);
    let run_lines = line_span(src, cx.inst(r).span);
    let copy_text = with_newline(&src[copy_lines.start..copy_lines.end]);
    let manifest_copy = files.as_ref().map(|f| manifest_copies(f, copy_inst, &args));
    let deps_only = match p.install.tool {
        Tool::UvSync => Some("--no-install-project"),
        Tool::Poetry => Some("--no-root"),
        Tool::Pdm => Some("--no-self"),
        _ => None,
    };
    let mut edits = vec![Edit::replace(
        copy_lines,
        manifest_copy.clone().unwrap_or_default(),
    )];
    let run_text = with_newline(&src[run_lines.start..run_lines.end]);
    let after_run = if run_lines.end == src.len() && !src.ends_with('\n') {
        format!("\n{copy_text}")
    } else {
        copy_text.clone()
    };
    match deps_only {
        None => edits.push(Edit::insert(run_lines.end, after_run)),
        Some(flag) => {
            // The install becomes dependency-only; the original runs after the code.
            let w = p.command.words.get(p.install.subcommand)?;
            edits.push(Edit::insert(p.part.offset + w.span.1, format!(" {flag}")));
            let tail = if after_run.starts_with('\n') {
                format!("{after_run}{run_text}")
            } else {
                format!("{copy_text}{run_text}")
            };
            edits.push(Edit::insert(run_lines.end, tail));
        }
    }
    let message = match &files {
        Some(f) => format!("Copy {} first, install, then copy the code", f.join(", ")),
        None => "Copy the code after the install".to_string(),
    };
    Some(Fix::unsafe_(message, edits))
}
