//! ## What it does
//! Flags a recursive `chown -R` or `chmod -R` in a RUN over files that
//! earlier instructions of the image put there (a COPY, a `COPY --from`, an
//! earlier RUN). The bytes copied from the build context are measured; what
//! other stages or RUNs wrote is named, its size unknown.
//!
//! ## Why it matters
//! A layer records whole files: changing a file's owner or mode in a later
//! layer stores the file again, with its new metadata, in that layer. The
//! earlier copy stays underneath, so `RUN chown -R app /app` after `COPY .
//! /app` ships the application twice, and `chmod -R 777 /app` does the same
//! (and makes it world-writable). Setting owner and mode as the files are
//! written costs nothing.
//!
//! ## Example
//! ```dockerfile
//! COPY . /app
//! RUN chown -R app:app /app
//! ```
//!
//! Use instead:
//! ```dockerfile
//! COPY --chown=app:app . /app
//! ```
//!
//! ## Fix safety
//! Unsafe, and offered only when the RUN does nothing but that one
//! `chown -R USER[:GROUP] PATH` and everything under `PATH` was put there by
//! COPY/ADD instructions of the same stage (nothing a RUN wrote): the fix
//! adds `--chown=USER[:GROUP]` to those copies and drops the RUN. The
//! directory `PATH` itself, if WORKDIR created it, stays owned by root.

use ballast_context::walk::Kind;
use ballast_dockerfile::instructions::{CopyArgs, CopySource};
use ballast_dockerfile::{Keyword, Span};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix, Savings};
use crate::rules::common::human;

pub(crate) static RULE: Rule = Rule {
    code: "BL111",
    name: "chown-in-later-layer",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "chown -R or chmod -R stores again the files earlier layers added",
    check,
    ..Rule::OPTIONAL
};

/// What an earlier instruction put at or under a path.
struct Earlier {
    inst: usize,
    /// Bytes from the build context, when measured.
    bytes: Option<u64>,
    /// A COPY/ADD from the context (the fix can set the owner there).
    context_copy: bool,
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for i in cx.image_instructions() {
        let Some(run) = cx.runs[i].as_ref() else {
            continue;
        };
        let commands: Vec<_> = run.commands().collect();
        for (part, cmd) in &commands {
            let Some((tool, args)) = recursive_change(cmd) else {
                continue;
            };
            let targets: Vec<String> = args.paths.iter().map(|p| cx.absolute(i, p)).collect();
            let earlier: Vec<Earlier> = targets
                .iter()
                .flat_map(|t| written_under(cx, i, t))
                .collect();
            if earlier.is_empty() {
                continue;
            }
            let measured: u64 = earlier.iter().filter_map(|e| e.bytes).sum();
            let unknown: Vec<usize> = earlier
                .iter()
                .filter(|e| e.bytes.is_none())
                .map(|e| cx.inst(e.inst).start_line)
                .collect();
            let lines: Vec<String> = earlier
                .iter()
                .map(|e| cx.inst(e.inst).start_line.to_string())
                .collect();
            let size = match (measured, unknown.is_empty()) {
                (0, false) => String::new(),
                (b, true) => format!(": {} stored again in this layer", human(b)),
                (b, false) => format!(": at least {} stored again in this layer", human(b)),
            };
            let basis = if unknown.is_empty() {
                "measured: bytes the copies take from the build context".to_string()
            } else {
                format!(
                    "measured: bytes the copies take from the build context; not counting what line(s) {} wrote",
                    unknown
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let only_command = commands.len() == 1;
            let fix = (only_command && tool == "chown")
                .then(|| chown_fix(cx, i, &args, &earlier))
                .flatten();
            let mut f = Finding::new(
                &RULE,
                part.span(cmd.span),
                format!(
                    "`{tool} -R` on {} rewrites what line(s) {} put there{size}",
                    targets.join(", "),
                    lines.join(", ")
                ),
            )
            .help(format!(
                "set owner and mode as the files are written: `COPY --chown=...`/`--chmod=...`, or `{tool}` in the RUN that creates them"
            ))
            .maybe_fix(fix);
            for e in &earlier {
                f = f.related(cx.inst(e.inst).keyword_span, "added here");
            }
            if measured > 0 {
                f = f.savings(Savings::image(measured, basis).at_least(!unknown.is_empty()));
            }
            out.push(f);
        }
    }
}

struct ChangeArgs {
    /// `USER[:GROUP]` or the mode.
    spec: String,
    paths: Vec<String>,
}

/// `chown -R SPEC PATH...` / `chmod -R MODE PATH...`.
fn recursive_change(cmd: &ballast_shell::Command) -> Option<(&'static str, ChangeArgs)> {
    let tool = match cmd.name()? {
        "chown" => "chown",
        "chmod" => "chmod",
        _ => return None,
    };
    let args: Vec<&str> = cmd.args().collect();
    let recursive = args.iter().any(|a| {
        *a == "--recursive" || (a.starts_with('-') && !a.starts_with("--") && a.contains('R'))
    });
    if !recursive {
        return None;
    }
    let mut rest = args.iter().filter(|a| !a.starts_with('-'));
    let spec = rest.next()?.to_string();
    let paths: Vec<String> = rest
        .filter(|p| !p.contains('$') && !p.contains('*'))
        .map(|p| p.to_string())
        .collect();
    (!paths.is_empty()).then_some((tool, ChangeArgs { spec, paths }))
}

/// Earlier instructions of the image that wrote at or under `target`
/// (absolute), with the context bytes that land there.
fn written_under(cx: &Checker<'_>, before: usize, target: &str) -> Vec<Earlier> {
    let target = target.trim_end_matches('/');
    let inside = |p: &str| {
        let p = p.trim_end_matches('/');
        p == target || p.starts_with(&format!("{target}/")) || target.is_empty()
    };
    let mut out = Vec::new();
    for i in cx.image_instructions().into_iter().filter(|i| *i < before) {
        let inst = cx.inst(i);
        match inst.keyword {
            Keyword::Copy | Keyword::Add => {
                let Ok(args) = CopyArgs::parse(inst) else {
                    continue;
                };
                let dest_raw = cx.scope(i).map_or(args.dest.clone(), |s| {
                    s.expand_keep_unknown(&args.dest, cx.df.escape)
                });
                let dest = cx.absolute(i, &dest_raw);
                let from_context = inst.flag("from").is_none();
                if inside(&dest) {
                    let bytes = from_context
                        .then(|| cx.uses.iter().find(|u| u.instruction == i).map(|u| u.bytes))
                        .flatten();
                    out.push(Earlier {
                        inst: i,
                        bytes,
                        context_copy: from_context,
                    });
                } else if target.starts_with(&format!("{}/", dest.trim_end_matches('/')))
                    && from_context
                {
                    // The target is a part of what the copy brought.
                    let bytes = part_of_copy(cx, i, &args, &dest, target);
                    if bytes.is_some_and(|b| b > 0) {
                        out.push(Earlier {
                            inst: i,
                            bytes,
                            context_copy: false,
                        });
                    }
                }
            }
            Keyword::Run => {
                // A RUN that created files there (not just the directory).
                let Some(run) = cx.runs[i].as_ref() else {
                    continue;
                };
                let writes = run.commands().any(|(_, c)| {
                    let args: Vec<&str> = c.args().collect();
                    let into = |p: &str| inside(&cx.absolute(i, p));
                    match c.name() {
                        Some("mkdir" | "chown" | "chmod" | "rm" | "ln") => false,
                        Some("git") => {
                            args.first() == Some(&"clone") && args.last().is_some_and(|p| into(p))
                        }
                        // Where they write: the destination, not the sources.
                        Some("cp" | "mv") => args
                            .iter()
                            .rfind(|a| !a.starts_with('-'))
                            .is_some_and(|a| into(a)),
                        Some("wget" | "curl" | "unzip" | "tar") => args
                            .iter()
                            .any(|a| !a.starts_with('-') && !a.contains("://") && into(a)),
                        _ => false,
                    }
                }) || cx.python_installs(run).iter().any(|p| {
                    p.install
                        .values_of(&["--target", "-t", "--prefix"])
                        .any(|t| inside(&cx.absolute(i, t)))
                });
                if writes {
                    out.push(Earlier {
                        inst: i,
                        bytes: None,
                        context_copy: false,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The context bytes of copy `i` that land under `target`, which lies inside its destination.
fn part_of_copy(
    cx: &Checker<'_>,
    i: usize,
    args: &CopyArgs,
    dest: &str,
    target: &str,
) -> Option<u64> {
    let ctx = cx.context?;
    let rel = target[dest.trim_end_matches('/').len()..].trim_start_matches('/');
    let u = cx.uses.iter().find(|u| u.instruction == i)?;
    let single_dir = matches!(args.sources.as_slice(), [CopySource::Path { .. }]);
    if !single_dir {
        return None;
    }
    let root = u.sources.first()?.matched.first()?;
    let sub = if root.is_empty() {
        rel.to_string()
    } else {
        format!("{root}/{rel}")
    };
    Some(
        ctx.context
            .under(&sub)
            .filter(|e| e.kind == Kind::File && !e.excluded)
            .map(|e| e.size)
            .sum(),
    )
}

/// `COPY --chown=SPEC` on the copies and the RUN removed, when the copies
/// are all that lies under the target.
fn chown_fix(cx: &Checker<'_>, run: usize, args: &ChangeArgs, earlier: &[Earlier]) -> Option<Fix> {
    if earlier.iter().any(|e| !e.context_copy)
        || cx.inst(run).flags.iter().any(|f| f.name() == "mount")
        || !args
            .spec
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
    {
        return None;
    }
    let mut edits = Vec::new();
    for e in earlier {
        let inst = cx.inst(e.inst);
        if inst.flag("chown").is_some() {
            return None;
        }
        edits.push(Edit::insert(
            inst.keyword_span.end,
            format!(" --chown={}", args.spec),
        ));
    }
    let inst = cx.inst(run);
    let start = cx.source[..inst.span.start]
        .rfind('\n')
        .map_or(0, |p| p + 1);
    let end = cx.source[inst.span.end..]
        .find('\n')
        .map_or(cx.source.len(), |p| inst.span.end + p + 1);
    edits.push(Edit::delete(Span::new(start, end)));
    Some(Fix::unsafe_(
        format!(
            "Set the owner in the copies (`--chown={}`) and drop the RUN",
            args.spec
        ),
        edits,
    ))
}
