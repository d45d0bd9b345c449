//! ## What it does
//! Flags a RUN that deletes files an earlier instruction of the image put
//! there: package lists and caches left by an earlier install, files copied
//! from the build context, downloads. Only deletions of files known to come
//! from an earlier layer are reported (not configuration files of the base
//! image).
//!
//! ## Why it matters
//! Every instruction adds a layer on top of the previous ones; deleting a
//! file in a later layer hides it but its bytes stay in the earlier layer,
//! are pulled and stored all the same. The deletion must happen in the RUN
//! that creates the files, or the files must not be created (cache mounts,
//! `--no-cache-dir`, a builder stage).
//!
//! ## Example
//! ```dockerfile
//! COPY model.tar.gz /tmp/
//! RUN tar -xzf /tmp/model.tar.gz -C /models
//! RUN rm /tmp/model.tar.gz
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN --mount=type=bind,source=model.tar.gz,target=/tmp/model.tar.gz \
//!     tar -xzf /tmp/model.tar.gz -C /models
//! ```
//!
//! ## Fix safety
//! No automatic fix: where the files should be deleted, or whether a bind
//! mount can replace the copy, depends on the build.

use ballast_context::walk::Kind;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_dockerfile::{Keyword, Span};
use ballast_shell::misc::{cleaned_caches, removed_paths};

use crate::checker::Checker;
use crate::finding::{Finding, Savings};
use ballast_ml::rules::names;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::rules::common::{human, package_commands, typical};
use crate::rules::size::apt_lists_kept;
use crate::rules::size::pip_cache_kept::{cache_avoided, cache_dir, cache_size, shared_key};

pub(crate) static RULE: Rule = Rule {
    code: "BL105",
    name: names::CLEANUP_IN_LATER_LAYER.as_str(),
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A RUN deletes files an earlier layer added: the image does not shrink",
    check,
    ..Rule::OPTIONAL
};

/// Something an earlier instruction left in the image.
struct Produced {
    /// Absolute container path (a file or a directory).
    path: String,
    inst: usize,
    /// Bytes under `path`, when known.
    bytes: Option<Savings>,
    what: String,
    /// For copies: the context path that became `path`, to size a part of it.
    context_root: Option<String>,
}

/// A typical size from the dated table as a saving.
fn typical_savings(what: &str) -> Savings {
    let (bytes, basis) = typical(what);
    Savings::image(bytes, basis)
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let mut produced: Vec<Produced> = Vec::new();
    for i in cx.image_instructions() {
        let inst = cx.inst(i);
        match inst.keyword {
            Keyword::Copy | Keyword::Add => produced.extend(copied(cx, i)),
            Keyword::Run => {
                let Some(run) = cx.runs[i].as_ref() else {
                    continue;
                };
                // Deletions of what earlier instructions produced.
                for (part, cmd) in run.commands() {
                    let mut deleted: Vec<String> = removed_paths(cmd)
                        .iter()
                        .map(|p| cx.absolute(i, p))
                        .collect();
                    deleted.extend(cleaned_caches(cmd).iter().map(|c| c.to_string()));
                    for d in deleted {
                        let d = d.trim_end_matches(['*', '/']).to_string();
                        // An unknown variable could name anything.
                        if d.is_empty() || d.contains('$') {
                            continue;
                        }
                        // Every earlier layer that wrote there keeps its bytes.
                        let hit: Vec<&Produced> =
                            produced.iter().filter(|p| overlaps(&p.path, &d)).collect();
                        if !hit.is_empty() {
                            out.push(finding(cx, part.span(cmd.span), &d, &hit));
                        }
                    }
                }
                // What this RUN leaves for later ones.
                for (_, _, pc) in package_commands(run) {
                    if pc.is_apt_update() && apt_lists_kept::lists_stay(run) {
                        produced.push(Produced {
                            path: apt_lists_kept::APT_LISTS.into(),
                            inst: i,
                            bytes: Some(typical_savings("apt lists")),
                            what: "the apt package lists".into(),
                            context_root: None,
                        });
                    }
                }
                for p in cx.python_installs(run) {
                    if cache_avoided(cx, run, &p) {
                        continue;
                    }
                    // Where pip-cache-kept says it is: the two share the figure.
                    let Some(dir) = cache_dir(cx, run, &p) else {
                        continue;
                    };
                    produced.push(Produced {
                        path: dir,
                        inst: i,
                        bytes: cache_size(cx, &p),
                        what: "the package cache".into(),
                        context_root: None,
                    });
                }
                for (_, cmd) in run.commands() {
                    if let Some(target) = download_target(cmd) {
                        produced.push(Produced {
                            path: cx.absolute(i, &target),
                            inst: i,
                            bytes: None,
                            what: "a download".into(),
                            context_root: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether deleting `deleted` removes some of `produced`.
fn overlaps(produced: &str, deleted: &str) -> bool {
    produced == deleted
        || produced.starts_with(&format!("{deleted}/"))
        || deleted.starts_with(&format!("{produced}/"))
}

fn finding(cx: &Checker<'_>, span: Span, deleted: &str, hit: &[&Produced]) -> Finding {
    let mut lines: Vec<usize> = hit.iter().map(|p| cx.inst(p.inst).start_line).collect();
    lines.dedup();
    // A whole cache or list directory is the thing its own finding names.
    let sizes: Vec<Option<Savings>> = hit
        .iter()
        .map(|p| match part_bytes(cx, p, deleted) {
            Some(part) => Some(part),
            None => p.bytes.clone().map(|s| {
                let key = shared_key(&p.path, cx.inst(p.inst).start_line);
                s.shared_as(key)
            }),
        })
        .collect();
    let known: Vec<&Savings> = sizes.iter().flatten().collect();
    let bytes: u64 = known.iter().map(|s| s.bytes).sum();
    let assumed: u64 = known.iter().map(|s| s.assumed).sum();
    let size = if known.is_empty() {
        String::new()
    } else {
        format!(" ({})", human(bytes))
    };
    let mut whats: Vec<&str> = hit.iter().map(|p| p.what.as_str()).collect();
    whats.dedup();
    let from = match lines.as_slice() {
        [l] => format!("from line {l}{size} stays in that earlier layer"),
        ls => format!(
            "from lines {}{size} stays in those earlier layers",
            ls.iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let basis = known
        .iter()
        .map(|s| s.basis.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let mut f = Finding::new(
        &RULE,
        span,
        format!("deletes {deleted}, but {} {from}", whats.join(" and ")),
    )
    .help("delete it in the instruction that creates it, or avoid creating it (cache or bind mount, builder stage)");
    for p in hit {
        f = f.related(cx.inst(p.inst).keyword_span, "added here");
    }
    let partial = known.len() < hit.len();
    let shared: Vec<(String, u64)> = known.iter().flat_map(|s| s.shared.clone()).collect();
    f.maybe_savings((!known.is_empty()).then(|| {
        let mut s = Savings::image(bytes, basis)
            .at_least(partial)
            .assumed(assumed);
        s.shared = shared;
        s
    }))
}

/// For a copy, the measured bytes of the part `deleted` names.
fn part_bytes(cx: &Checker<'_>, p: &Produced, deleted: &str) -> Option<Savings> {
    let root = p.context_root.as_ref()?;
    let ctx = &cx.context?.context;
    let sub = if deleted.len() > p.path.len() {
        let rel = &deleted[p.path.len() + 1..];
        if root.is_empty() {
            rel.to_string()
        } else {
            format!("{root}/{rel}")
        }
    } else {
        root.clone()
    };
    let bytes: u64 = ctx
        .under(&sub)
        .filter(|e| e.kind == Kind::File && !e.excluded)
        .map(|e| e.size)
        .sum();
    Some(Savings::image(
        bytes,
        format!(
            "measured: {} in the build context",
            if sub.is_empty() { "." } else { &sub }
        ),
    ))
}

/// Where a COPY/ADD puts what it takes from the context.
fn copied(cx: &Checker<'_>, i: usize) -> Vec<Produced> {
    let inst = cx.inst(i);
    let Ok(args) = CopyArgs::parse(inst) else {
        return Vec::new();
    };
    let scope = cx.scope(i);
    let dest_raw = scope.map_or(args.dest.clone(), |s| {
        s.expand_keep_unknown(&args.dest, cx.df.escape)
    });
    let dest = cx.absolute(i, &dest_raw);
    let dest_is_dir = dest_raw.ends_with('/')
        || matches!(dest_raw.as_str(), "." | "./")
        || args.sources.len() > 1;
    let Some(u) = cx.uses.iter().find(|u| u.instruction == i) else {
        // No context: each source by name, or the destination itself for
        // directories and wildcards.
        let dest = dest.trim_end_matches('/');
        return args
            .sources
            .iter()
            .filter_map(|s| match s {
                CopySource::Path { value, .. } => Some(value),
                CopySource::Heredoc { .. } => None,
            })
            .map(|src| {
                let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                let whole = name.is_empty()
                    || name == "."
                    || name.contains(['*', '?', '['])
                    || src.ends_with('/');
                let path = if whole || !dest_is_dir {
                    dest.to_string()
                } else {
                    format!("{dest}/{name}")
                };
                Produced {
                    path: if path.is_empty() { "/".into() } else { path },
                    inst: i,
                    bytes: None,
                    what: format!("`{src}` copied"),
                    context_root: None,
                }
            })
            .collect();
    };
    let ctx = cx.context.map(|c| &c.context);
    let mut out = Vec::new();
    for s in &u.sources {
        for m in &s.matched {
            let is_dir = ctx
                .and_then(|c| c.get(m))
                .is_none_or(|e| e.kind == Kind::Dir)
                || m.is_empty();
            let name = m.rsplit('/').next().unwrap_or(m);
            let path = if is_dir || !dest_is_dir && !s.wildcard {
                dest.trim_end_matches('/').to_string()
            } else {
                format!("{}/{name}", dest.trim_end_matches('/'))
            };
            out.push(Produced {
                path: if path.is_empty() { "/".into() } else { path },
                inst: i,
                bytes: None,
                what: format!("`{}` copied", if m.is_empty() { "." } else { m }),
                context_root: Some(m.clone()),
            });
        }
    }
    out
}

/// The file a download command writes (`curl -o F`, `wget -O F`).
fn download_target(cmd: &ballast_shell::Command) -> Option<String> {
    let args: Vec<&str> = cmd.args().collect();
    let flag = match cmd.name()? {
        "curl" => ["-o", "--output"],
        "wget" => ["-O", "--output-document"],
        _ => return None,
    };
    for (k, a) in args.iter().enumerate() {
        if flag.contains(a) {
            return args
                .get(k + 1)
                .filter(|t| **t != "-")
                .map(|t| t.to_string());
        }
        if let Some(v) = a.strip_prefix(&format!("{}=", flag[1])) {
            return Some(v.to_string());
        }
    }
    None
}
