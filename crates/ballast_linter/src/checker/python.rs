//! The Python installs rules see: each RUN's installs with what they
//! request (traced through the copies to the context's requirement files
//! and projects), where torch already is, and what each costs.

use super::Checker;
use ballast_context::installs::RunInstall;
use ballast_context::installs::run_installs;
use ballast_context::installs::{Located, Resolved};
use ballast_context::runs::Part;
use ballast_context::runs::Run;
use ballast_dockerfile::Span;
use ballast_dockerfile::stages::Base;
use ballast_ml::images::ImageRef;
use ballast_ml::images::ships_torch;
use ballast_ml::packages;
use ballast_shell::Command;
use ballast_shell::python::Install;
use std::collections::BTreeSet;

/// A requirement an install brings (as [`ballast_context::installs`]
/// resolves it), with the Dockerfile bytes that name it: the package word,
/// or the `-r` file word when it comes from a file.
#[derive(Debug, Clone)]
pub struct Requested {
    pub span: Span,
    pub of: ballast_context::installs::Requested,
}

impl std::ops::Deref for Requested {
    type Target = ballast_context::installs::Requested;

    fn deref(&self) -> &Self::Target {
        &self.of
    }
}

/// A Python package install inside a RUN.
#[derive(Debug)]
pub struct PyInstall<'r> {
    pub run: &'r Run,
    pub part: &'r Part,
    pub command: &'r Command,
    pub install: Install,
    /// What it requests, with the Dockerfile bytes that name each.
    pub requested: Vec<Requested>,
    /// The install as [`ballast_context::installs`] resolves it: where
    /// torch comes from, the project, what could not be read. Its
    /// `accelerator_source` also says when the project's manifest chooses
    /// torch's build per extra.
    pub resolved: Resolved,
    /// The install runs inside another command's script (`make install`):
    /// where. Its words are not the Dockerfile's: no fix edits them.
    pub via: Option<String>,
}

impl PyInstall<'_> {
    /// The Dockerfile span of the command's word `i`.
    pub fn word_span(&self, i: usize) -> Span {
        self.part.span(self.command.words[i].span)
    }

    /// The span of the whole command.
    pub fn span(&self) -> Span {
        self.part.span(self.command.span)
    }

    /// An insertion of ` text` after the install's subcommand (`pip
    /// install`), when its words are the Dockerfile's.
    pub fn insert_after_subcommand(&self, text: &str) -> Option<crate::finding::Edit> {
        if self.via.is_some() {
            return None;
        }
        crate::rules::common::insert_after_word(
            self.part,
            self.command,
            self.install.subcommand,
            text,
        )
    }
}

/// Where torch already is in a stage: installed by an earlier RUN (or
/// shipped by the base image), and whether that was the CPU build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchOrigin {
    /// The 1-based line of the instruction that put it there.
    pub line: usize,
    /// It came from a CPU-only source.
    pub cpu: bool,
}

/// What an install reads, as the checker sees it: container paths traced
/// to the context, files read (as changed by earlier fixes), variables in
/// force at the RUN and on the command line.
struct InstallFiles<'c, 'a> {
    cx: &'c Checker<'a>,
    at: usize,
}

impl ballast_context::installs::Files for InstallFiles<'_, '_> {
    fn locate(&self, abs: &str) -> Option<String> {
        self.cx.origins.context_path(self.at, abs)
    }

    fn read(&self, rel: &str) -> Option<String> {
        self.cx.read(rel)
    }

    fn var(&self, name: &str) -> Option<String> {
        self.cx.var(self.at, name).map(str::to_string)
    }
}

impl<'a> Checker<'a> {
    /// The Python installs of a RUN, with everything they request: named
    /// packages, requirement files and projects traced through the copies
    /// to the context ([`ballast_context::installs`]).
    pub fn python_installs<'r>(&'r self, run: &'r Run) -> Vec<PyInstall<'r>> {
        self.run_installs(run)
            .into_iter()
            .map(|ri| {
                let RunInstall {
                    part,
                    command,
                    install,
                    resolved: mut r,
                    via,
                } = ri;
                let requested = r
                    .requested
                    .iter()
                    .cloned()
                    .map(|q| Requested {
                        span: command
                            .words
                            .get(q.word)
                            .map_or(part.span(command.span), |w| part.span(w.span)),
                        of: q,
                    })
                    .collect();
                PyInstall {
                    run,
                    part,
                    command,
                    install,
                    requested,
                    resolved: {
                        r.accelerator_source =
                            r.accelerator_source.or(r.torch_chosen_by_project.take());
                        r
                    },
                    via,
                }
            })
            .collect()
    }

    /// The Python installs of a RUN, resolved once per RUN of this
    /// Dockerfile (many rules and the image model ask).
    fn run_installs<'r>(&'r self, run: &'r Run) -> Vec<RunInstall<'r>> {
        let resolve = || {
            let files = InstallFiles {
                cx: self,
                at: run.index,
            };
            run_installs(run, self.workdir(run.index), &files)
        };
        let own = self
            .runs
            .get(run.index)
            .and_then(Option::as_ref)
            .is_some_and(|r| std::ptr::eq(r, run));
        if !own {
            return resolve();
        }
        self.resolved[run.index]
            .get_or_init(|| resolve().into_iter().map(|i| Located::of(run, i)).collect())
            .iter()
            .map(|l| l.restore(run))
            .collect()
    }

    /// What a RUN adds to its layer, estimated from its Python and OS
    /// installs ([`ballast_context::cost::run_cost`]).
    pub fn run_cost(&self, run: &Run) -> Option<ballast_context::cost::Cost> {
        ballast_context::cost::installs_cost(
            run,
            &self.run_installs(run),
            ballast_context::cost::Present {
                torch: self.torch_before(run.index).map(|t| t.line),
                python: self.python_installed_before(run.index),
                uv_compile_bytecode: self.truthy(run.index, None, "UV_COMPILE_BYTECODE"),
            },
            self.os_base(run.index),
        )
    }

    /// The base image instruction `i` runs on, for sizing OS packages.
    pub fn os_base(&self, i: usize) -> ballast_context::cost::OsBase {
        let base = self.stage_of(i).and_then(|s| self.base_image(s));
        ballast_context::cost::OsBase::of(base.as_ref().map(|(img, _)| img.as_str()))
    }

    /// What the Python installs of instruction `i`'s stage, and of the
    /// stages it is built on, installed before it.
    pub fn installed_before(&self, i: usize) -> ballast_context::installs::Installed {
        let mut out = ballast_context::installs::Installed::default();
        let Some(stage) = self.stage_of(i) else {
            return out;
        };
        let mut chain = self.graph.final_chain(stage);
        chain.reverse();
        for j in chain
            .into_iter()
            .flat_map(|s| self.graph.instructions_of(s))
        {
            if j >= i && self.stage_of(j) == Some(stage) {
                break;
            }
            if let Some(run) = self.runs[j].as_ref() {
                for p in self.python_installs(run) {
                    out.add(&p.install, &p.resolved);
                }
            }
        }
        out
    }

    /// Where torch already is when instruction `i` runs: an earlier RUN of
    /// its stage (or of the stages it is built on) installed it, or the
    /// base image ships it. An install of packages that depend on torch
    /// then keeps that torch instead of bringing the default CUDA build.
    pub fn torch_before(&self, i: usize) -> Option<&TorchOrigin> {
        self.torch
            .get_or_init(|| self.torch_states())
            .get(i)
            .and_then(Option::as_ref)
    }

    fn torch_states(&self) -> Vec<Option<TorchOrigin>> {
        let mut at = vec![None; self.df.instructions.len()];
        let mut stage_end: Vec<Option<TorchOrigin>> = Vec::new();
        for (s, stage) in self.graph.stages.iter().enumerate() {
            let mut state = match &stage.base {
                Base::Stage(p) => stage_end.get(*p).cloned().flatten(),
                Base::Image(img) if ships_torch(&ImageRef::parse(img)) => Some(TorchOrigin {
                    line: self.inst(stage.from).start_line,
                    cpu: img.contains("cpu"),
                }),
                _ => None,
            };
            for i in self.graph.instructions_of(s) {
                at[i] = state.clone();
                let Some(run) = &self.runs[i] else { continue };
                for p in self.python_installs(run) {
                    let explicit = p
                        .requested
                        .iter()
                        .any(|r| packages::is_torch_family(&r.requirement.name));
                    let brings = explicit
                        || (!p.install.without_dependencies()
                            && p.requested.iter().any(|r| {
                                packages::brings_torch(&r.requirement.name, &r.requirement.extras)
                            }));
                    if brings && (state.is_none() || explicit) {
                        state = Some(TorchOrigin {
                            line: self.inst(i).start_line,
                            cpu: p.resolved.cpu_source.is_some(),
                        });
                    }
                }
                if ballast_context::cost::uninstalled(run, false).contains("torch") {
                    state = None;
                }
            }
            stage_end.push(state);
        }
        // One past the last instruction: the target's image.
        at.push(stage_end.get(self.target).cloned().flatten());
        at
    }

    /// Where torch is in the target's image, if it is.
    pub fn torch_in_image(&self) -> Option<&TorchOrigin> {
        self.torch_before(self.df.instructions.len())
    }

    /// The Python distributions of the size table that earlier RUNs of the
    /// stage (or of the stages it is built on) installed before
    /// instruction `i`: pip finds them satisfied, so a later install adds
    /// only the rest (one home for "installed once": the model, the
    /// savings and `rebuild` all size installs through it).
    pub fn python_installed_before(&self, i: usize) -> &BTreeSet<&'static str> {
        &self.installed.get_or_init(|| self.installed_states())[i]
    }

    fn installed_states(&self) -> Vec<BTreeSet<&'static str>> {
        let mut at = vec![BTreeSet::new(); self.df.instructions.len()];
        let mut stage_end: Vec<BTreeSet<&'static str>> = Vec::new();
        for (s, stage) in self.graph.stages.iter().enumerate() {
            let mut state = match &stage.base {
                Base::Stage(p) => stage_end.get(*p).cloned().unwrap_or_default(),
                _ => BTreeSet::new(),
            };
            for i in self.graph.instructions_of(s) {
                at[i] = state.clone();
                let Some(run) = &self.runs[i] else { continue };
                let mut installs = ballast_ml::distributions::Installs::default();
                for p in self.python_installs(run) {
                    for r in &p.requested {
                        installs.add(&r.requirement.name, p.install.without_dependencies());
                    }
                }
                // Uninstalled anywhere in the RUN, then installed, then what
                // it uninstalls after installing.
                let any = ballast_context::cost::uninstalled(run, false);
                state.retain(|d| !any.contains(*d));
                state.extend(installs.distributions);
                let after = ballast_context::cost::uninstalled(run, true);
                state.retain(|d| !after.contains(*d));
            }
            stage_end.push(state);
        }
        // One past the last instruction: the target's image.
        at.push(stage_end.get(self.target).cloned().unwrap_or_default());
        at
    }

    /// The Python distributions of the size table in the target's image.
    pub fn python_in_image(&self) -> &BTreeSet<&'static str> {
        self.python_installed_before(self.df.instructions.len())
    }
}
