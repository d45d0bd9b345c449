//! The runtime stage of a split: the original stage in its order, with
//! the dependency installs (and the installers and compilers they needed)
//! replaced by a copy of the builder's virtualenv where the first install
//! was, and the code copies moved below the OS package installs that follow
//! them.

use ballast_dockerfile::Keyword;
use ballast_ml::packages::is_toolchain;
use ballast_shell::os::{Action, package_command};

use super::split::{Plan, Role, command_role};
use super::text::{
    bare_text, blank_lines_before, delete_commands, delete_words, deletes_all, edited_run,
    inst_text, script_parts,
};
use super::{Refusal, no_at};
use crate::checker::Checker;
use crate::finding::Edit;
use crate::rules::size::apt_lists_kept::APT_LISTS;

pub(super) fn runtime(
    cx: &Checker<'_>,
    plan: &Plan<'_>,
    runtime_from: &str,
    notes: &mut Vec<String>,
) -> Result<String, Refusal> {
    let df = cx.df;
    let body: Vec<usize> = cx.graph.stages[cx.target].body.clone().collect();
    let mut build_pkgs: Vec<String> = Vec::new();
    // Each RUN as the runtime has it: (text or dropped, moved an install).
    let mut runs: std::collections::BTreeMap<usize, (Option<String>, bool)> = Default::default();
    for &i in &body {
        if cx.inst(i).keyword == Keyword::Run {
            runs.insert(i, runtime_run(cx, plan, i, &mut build_pkgs)?);
        }
    }
    let mut r = String::from(runtime_from);
    let mut venv_copied = false;
    // Code copies wait below the OS package installs that follow them, so
    // a code change rebuilds only the last layers.
    let mut deferred: Vec<usize> = Vec::new();
    for (k, &i) in body.iter().enumerate() {
        let inst = cx.inst(i);
        let passable = runs.contains_key(&i) && only_os_packages(cx, plan, i);
        if !passable {
            flush_deferred(cx, &mut deferred, &mut r);
        }
        let Some((text, moved)) = runs.get(&i) else {
            let code = matches!(inst.keyword, Keyword::Copy | Keyword::Add)
                && crate::rules::cache::deps_installed_after_code::copies_code(cx, i);
            if code
                && body[k + 1..]
                    .iter()
                    .any(|n| runs.get(n).is_some_and(|(_, m)| *m))
            {
                deferred.push(i);
            } else {
                r.push_str(&blank_lines_before(df, i));
                r.push_str(&inst_text(df, i));
            }
            continue;
        };
        r.push_str(&blank_lines_before(df, i));
        if *moved && !venv_copied {
            r.push_str(&format!("COPY --from=builder {v} {v}\n", v = plan.venv));
            if !plan.own_venv {
                r.push_str(&format!(
                    "ENV VIRTUAL_ENV={v} PATH=\"{v}/bin:$PATH\"\n",
                    v = plan.venv
                ));
            }
            venv_copied = true;
        }
        if let Some(t) = text {
            r.push_str(t);
        }
    }
    flush_deferred(cx, &mut deferred, &mut r);
    if !build_pkgs.is_empty() {
        notes.push(format!(
            "compilers stay in the builder stage: {}",
            build_pkgs.join(", ")
        ));
    }
    Ok(r)
}

/// Writes the deferred code copies. A comment that speaks of the install
/// (now in the builder) is dropped with it.
fn flush_deferred(cx: &Checker<'_>, deferred: &mut Vec<usize>, r: &mut String) {
    for i in deferred.drain(..) {
        let speaks = cx
            .inst(i)
            .comments
            .iter()
            .any(|c| c.text.to_ascii_lowercase().contains("install"));
        if !r.ends_with("\n\n") {
            r.push('\n');
        }
        r.push_str(&if speaks {
            bare_text(cx.df, i)
        } else {
            inst_text(cx.df, i)
        });
    }
}

/// Whether RUN `i` only installs, updates or cleans OS packages from
/// repositories (no local `.deb`) or moved to the builder: it reads no
/// code, so a code copy may come after it.
fn only_os_packages(cx: &Checker<'_>, plan: &Plan<'_>, i: usize) -> bool {
    let Some(run) = cx.runs[i].as_ref() else {
        return false;
    };
    run.parts
        .iter()
        .all(|p| p.kind == crate::runs::PartKind::Shell)
        && run.commands().all(|(_, c)| {
            if command_role(plan, cx, run, c) != Role::Other {
                return true;
            }
            if let Some(pc) = package_command(c) {
                return pc
                    .packages
                    .iter()
                    .all(|w| !w.text.contains('/') && !w.text.ends_with(".deb"));
            }
            !ballast_shell::misc::cleaned_caches(c).is_empty()
                && ballast_shell::misc::removed_paths(c)
                    .iter()
                    .all(|p| p.starts_with("/var/lib/apt") || p.starts_with("/var/cache"))
        })
}

/// RUN `i` as the runtime stage has it: without the dependency installs,
/// installers and virtualenv creation (they are in the builder), and
/// without the compilers installed for them; `None` when nothing is left.
fn runtime_run(
    cx: &Checker<'_>,
    plan: &Plan<'_>,
    i: usize,
    build_pkgs: &mut Vec<String>,
) -> Result<(Option<String>, bool), Refusal> {
    let df = cx.df;
    let inst = cx.inst(i);
    let run = cx.runs[i].as_ref().expect("run");
    let mut edits: Vec<Edit> = Vec::new();
    let mut moved_deps = false;
    let mut emptied = true;
    for (_, part) in script_parts(run) {
        let mut cut: Vec<usize> = Vec::new();
        for (k, cmd) in part.script.commands.iter().enumerate() {
            match command_role(plan, cx, run, cmd) {
                Role::Deps => {
                    moved_deps = true;
                    cut.push(k);
                }
                Role::Tooling => cut.push(k),
                // Compilers installed up to the last dependency install
                // serve it, and stay in the builder; later ones serve the image.
                Role::Other if i <= plan.last => {
                    let Some(pc) = package_command(cmd).filter(|pc| pc.action == Action::Install)
                    else {
                        continue;
                    };
                    let tools: Vec<usize> = pc
                        .packages
                        .iter()
                        .filter(|w| is_toolchain(&w.text))
                        .filter_map(|w| cmd.words.iter().position(|x| x.span == w.span))
                        .collect();
                    for &t in &tools {
                        let name = &cmd.words[t].text;
                        if !build_pkgs.contains(name) {
                            build_pkgs.push(name.clone());
                        }
                    }
                    if !tools.is_empty() && tools.len() == pc.packages.len() {
                        cut.push(k);
                    } else {
                        edits.extend(delete_words(part, cmd, &tools));
                    }
                }
                Role::Other => {}
            }
        }
        if cut.is_empty() {
            emptied = false;
            continue;
        }
        if !deletes_all(part, &cut) {
            emptied = false;
        }
        match delete_commands(part, &cut) {
            Some(e) => edits.extend(e),
            None if cut
                .iter()
                .all(|&k| command_role(plan, cx, run, &part.script.commands[k]) != Role::Deps) =>
            {
                // Tools inside shell logic: they stay in the image.
                emptied = false;
            }
            None => {
                return Err(no_at(
                    inst.start_line,
                    "the dependency install is inside shell logic (a group, `if`, pipe, `||` or a heredoc), which a restructure does not split",
                ));
            }
        }
    }
    if emptied {
        return Ok((None, moved_deps));
    }
    if edits.is_empty() {
        return Ok((Some(inst_text(df, i)), moved_deps));
    }
    let text = edited_run(df, i, &edits)
        .ok_or_else(|| no_at(inst.start_line, "the step cannot be edited"))?;
    let text = drop_empty_apt(&text);
    Ok(((!text.is_empty()).then_some(text), moved_deps))
}

/// A RUN left with `apt-get update` and a cleanup but no install (its
/// packages were all build tools) does nothing: it is dropped.
fn drop_empty_apt(text: &str) -> String {
    let df = ballast_dockerfile::Dockerfile::parse(text);
    let useless = df.instructions.first().is_some_and(|inst| {
        let runs = crate::runs::Run::new(0, inst, &df.source, df.escape, &Default::default());
        runs.is_some_and(|run| {
            run.commands().all(|(_, c)| {
                package_command(c)
                    .is_some_and(|pc| matches!(pc.action, Action::Update | Action::Clean))
                    || (c.name() == Some("rm")
                        && c.args()
                            .all(|a| a.starts_with('-') || a.starts_with(APT_LISTS)))
            })
        })
    });
    if useless {
        String::new()
    } else {
        text.to_string()
    }
}
