//! Which steps a change rebuilds, following BuildKit's cache rules:
//!
//! - a step runs again when its parent step did (invalidation cascades down
//!   the stage, and into stages built `FROM` it or reading it with
//!   `COPY --from` / `RUN --mount=from=`);
//! - COPY/ADD, when a file it takes from the context (after `.dockerignore`)
//!   changed, was added or was deleted;
//! - RUN, when its text changed, a build argument declared before it changed
//!   (every RUN sees them as environment), or a file under a context bind
//!   mount changed;
//! - other instructions, when their text or a variable they use changed;
//! - stages the target does not need are not built.
//!
//! Each rebuilt step gets a cost: the layer bytes measured in an image when
//! one is given, else an estimate (see [`crate::cost`]).

use ballast_dockerfile::instructions::{Mount, MountType};
use ballast_dockerfile::stages::{Base, Stage, StageGraph};
use ballast_dockerfile::{Dockerfile, Instruction, Keyword};
use serde::Serialize;

use crate::copies::{ContextUse, is_build_metadata};
use crate::cost::{Cost, OsBase, run_cost};
use crate::ignore::IgnoreFile;
use crate::installs::{
    Files, Installed, RunInstall, installs_dependencies, is_project_only, run_installs,
};
use crate::origins::Origins;
use crate::runs::Run;
use crate::walk::Context;

/// What happens to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Cached,
    Rebuilt,
    Skipped,
}

/// One step of the prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The stage (name, or index).
    pub stage: String,
    /// 1-based first line of the instruction.
    pub line: usize,
    /// The instruction as written.
    pub instruction: String,
    pub status: Status,
    /// Why it is rebuilt, cached or skipped.
    pub reason: String,
    /// Bytes the step produces again when rebuilt.
    pub cost_bytes: Option<u64>,
    /// How the cost was obtained.
    pub cost_basis: Option<String>,
}

/// The prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub schema_version: u32,
    /// The target stage.
    pub target: String,
    /// The changed paths considered (context-relative).
    pub changed: Vec<String>,
    pub steps: Vec<Step>,
    /// What to move, and how.
    pub advice: Vec<String>,
    /// Sum of the costs of the rebuilt steps.
    pub rebuilt_bytes: u64,
    /// Lines of rebuilt steps whose cost is unknown: `rebuilt_bytes` is then
    /// a lower bound.
    pub uncosted: Vec<usize>,
}

/// What changed, and what is known about the build.
pub struct Inputs<'a> {
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    pub ignore: &'a IgnoreFile,
    pub uses: &'a [ContextUse],
    /// The Dockerfile as it was, to find instructions whose text changed.
    pub old: Option<&'a Dockerfile>,
    /// Changed context paths (added, modified or deleted).
    pub changed: &'a [String],
    /// Build arguments whose value changed.
    pub changed_args: &'a [String],
    /// The target stage (`None`: the last).
    pub target: Option<&'a str>,
    /// Reads a context file (for requirement files).
    pub read: &'a dyn Fn(&str) -> Option<String>,
    /// The walked context, to trace files through the copies.
    pub context: Option<&'a Context>,
    /// Layers of a built image, bottom first.
    pub image_layers: Option<&'a [MeasuredLayer]>,
    /// The image model's bytes for the steps of the image stages, by
    /// 1-based line, with their basis: preferred to this module's own
    /// estimate, so `rebuild` and `lint` state the same figure.
    pub model_steps: &'a [(usize, u64, String)],
}

/// A layer of a built image as `--image` measured it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasuredLayer {
    /// The history entry that made it.
    pub created_by: Option<String>,
    /// Regular-file bytes it stores.
    pub bytes: u64,
    /// Bytes of earlier layers' files it deletes (stored all the same).
    pub deleted_below: u64,
    /// Of `bytes`, what package caches and lists hold, by class.
    pub caches: Vec<(ballast_ml::paths::Class, u64)>,
}

impl MeasuredLayer {
    /// The bytes of one cache class the layer stores.
    pub fn cache(&self, class: ballast_ml::paths::Class) -> u64 {
        self.caches
            .iter()
            .filter(|(c, _)| *c == class)
            .map(|(_, b)| b)
            .sum()
    }
}

/// A history entry or an instruction in one form, to match a step to the
/// layer it made: `/bin/sh -c`, `# buildkit` and spacing dropped.
pub fn normalize_step(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_suffix("# buildkit").unwrap_or(s).trim();
    let s = s
        .strip_prefix("/bin/sh -c #(nop)")
        .map(str::trim)
        .unwrap_or(s);
    let s = s
        .replacen("RUN /bin/sh -c ", "RUN ", 1)
        .replacen("RUN |", "RUN ", 1);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why the first rebuilt step of a stage was rebuilt.
#[derive(Clone)]
enum Cause {
    Copy {
        line: usize,
        instruction: String,
        file: String,
    },
    Other,
}

fn uses_var(inst: &Instruction, names: &[String]) -> Option<String> {
    names
        .iter()
        .find(|n| {
            inst.original.contains(&format!("${n}")) || inst.original.contains(&format!("${{{n}"))
        })
        .cloned()
}

/// Predicts what a change rebuilds.
pub fn predict(inp: &Inputs<'_>) -> Prediction {
    let g = inp.graph;
    let target = g.target(inp.target).unwrap_or(0);
    let needed = if g.stages.is_empty() {
        Default::default()
    } else {
        g.reachable(target)
    };
    let mut walk = Walk {
        inp,
        origins: Origins::new(inp.df, g, inp.context),
        target,
        stage_rebuilt: vec![false; g.stages.len()],
        stage_rebuilt_bytes: vec![0u64; g.stages.len()],
        stage_installed: Vec::new(),
        steps: Vec::new(),
        advice: Vec::new(),
    };
    for (s, stage) in g.stages.iter().enumerate() {
        // What earlier steps of the stage chain installed, and where torch came in.
        let installed = match stage.base {
            Base::Stage(p) => walk.stage_installed.get(p).cloned().unwrap_or_default(),
            _ => Default::default(),
        };
        if needed.contains(&s) {
            walk.stage(s, installed);
        } else {
            walk.stage_installed.push(installed);
            walk.steps.extend(skipped(inp, s));
        }
    }
    let steps = walk.steps;
    let rebuilt_bytes = steps
        .iter()
        .filter(|s| s.status == Status::Rebuilt)
        .filter_map(|s| s.cost_bytes)
        .sum();
    let uncosted = steps
        .iter()
        .filter(|s| s.status == Status::Rebuilt && s.cost_bytes.is_none())
        .map(|s| s.line)
        .collect();
    Prediction {
        schema_version: 2,
        target: g.stages.get(target).map(|s| s.label()).unwrap_or_default(),
        changed: inp.changed.to_vec(),
        steps,
        advice: walk.advice,
        rebuilt_bytes,
        uncosted,
    }
}

/// The prediction as it walks the stages in order.
struct Walk<'x, 'a> {
    inp: &'x Inputs<'a>,
    origins: Origins<'a>,
    target: usize,
    /// Whether each stage walked so far has a rebuilt step.
    stage_rebuilt: Vec<bool>,
    /// Bytes each stage's rebuilt steps produce: what a COPY --from of it moves again.
    stage_rebuilt_bytes: Vec<u64>,
    /// What each stage walked so far installed, and the line torch came in at.
    stage_installed: Vec<(Installed, Option<usize>)>,
    steps: Vec<Step>,
    advice: Vec<String>,
}

impl Walk<'_, '_> {
    /// The steps of a stage the target needs: the first step a change
    /// reaches is rebuilt, and every step after it.
    fn stage(&mut self, s: usize, (mut installed, mut torch_line): (Installed, Option<usize>)) {
        let (g, df) = (self.inp.graph, self.inp.df);
        let stage = &g.stages[s];
        let old_stage = self.inp.old.map(|old| old_instructions(old, stage, s));
        let mut invalid: Option<(usize, Cause)> = None;
        for (k, i) in g.instructions_of(s).enumerate() {
            let inst = &df.instructions[i];
            let changed = old_stage
                .as_ref()
                .is_some_and(|old| old.get(k).is_none_or(|o| o.original != inst.original));
            let reason = if changed {
                Some(("the instruction changed".into(), Cause::Other))
            } else {
                own_trigger(self.inp, s, i, inst, &self.stage_rebuilt)
                    .or_else(|| base_trigger(g, s, inst, &self.stage_rebuilt))
            };
            let (status, why) = match (&invalid, reason) {
                (Some((line, _)), _) => (
                    Status::Rebuilt,
                    format!("follows the rebuilt step at line {line}"),
                ),
                (None, Some((why, cause))) => {
                    invalid = Some((inst.start_line, cause));
                    (Status::Rebuilt, why)
                }
                (None, None) => (Status::Cached, "unchanged".to_string()),
            };
            let step = Step {
                stage: stage.label(),
                line: inst.start_line,
                instruction: inst.original.clone(),
                status,
                reason: why,
                cost_bytes: None,
                cost_basis: None,
            };
            self.step(
                s,
                i,
                step,
                (invalid.as_ref(), &mut installed, &mut torch_line),
            );
        }
        self.stage_rebuilt[s] = invalid.is_some();
        self.stage_installed.push((installed, torch_line));
    }

    /// Costs a step when it is rebuilt, advises on what it reinstalls, and
    /// adds what it installs to its stage's record.
    fn step(
        &mut self,
        s: usize,
        i: usize,
        mut step: Step,
        (invalid, installed, torch_line): (
            Option<&(usize, Cause)>,
            &mut Installed,
            &mut Option<usize>,
        ),
    ) {
        let (inp, g) = (self.inp, self.inp.graph);
        let inst = &inp.df.instructions[i];
        let run = Run::new(i, inst, &inp.df.source, inp.df.escape, &g.scopes[i]);
        let files = StepFiles {
            inp,
            origins: &self.origins,
            at: i,
        };
        let installs = run
            .as_ref()
            .map(|r| run_installs(r, self.origins.workdir(i), &files))
            .unwrap_or_default();
        if step.status == Status::Rebuilt {
            let cost = match copied_stage(inp, s, i) {
                Some(p) => Some(Cost {
                    bytes: self.stage_rebuilt_bytes[p],
                    basis: format!(
                        "at most what the rebuilt steps of stage {} produce",
                        g.stages[p].label()
                    ),
                    assumed: 0,
                    download: 0,
                }),
                None => step_cost(
                    inp,
                    s == self.target,
                    i,
                    inst,
                    run.as_ref(),
                    &files,
                    *torch_line,
                ),
            };
            if let Some(c) = cost {
                self.stage_rebuilt_bytes[s] += c.bytes;
                step.cost_bytes = Some(c.bytes);
                step.cost_basis = Some(c.basis);
            }
            self.advice
                .extend(reinstall_advice(invalid, inst, &installs, installed));
        }
        for ri in &installs {
            installed.add(&ri.install, &ri.resolved);
            let torch = ri.resolved.requested.iter().any(|q| {
                ballast_ml::packages::brings_torch(&q.requirement.name, &q.requirement.extras)
            });
            if torch && torch_line.is_none() {
                *torch_line = Some(inst.start_line);
            }
        }
        self.steps.push(step);
    }
}

/// The steps of a stage the target does not need.
fn skipped(inp: &Inputs<'_>, s: usize) -> Vec<Step> {
    let label = inp.graph.stages[s].label();
    inp.graph
        .instructions_of(s)
        .map(|i| {
            let inst = &inp.df.instructions[i];
            Step {
                stage: label.clone(),
                line: inst.start_line,
                instruction: inst.original.clone(),
                status: Status::Skipped,
                reason: format!("stage {label} is not needed by the target"),
                cost_bytes: None,
                cost_basis: None,
            }
        })
        .collect()
}

/// The instructions of the same stage in the Dockerfile as it was (by name,
/// else by position).
fn old_instructions<'o>(old: &'o Dockerfile, stage: &Stage, s: usize) -> Vec<&'o Instruction> {
    let og = StageGraph::new(old, &Default::default());
    let os = stage
        .name
        .as_ref()
        .and_then(|n| og.find_stage(n))
        .or((s < og.stages.len()).then_some(s));
    os.map(|os| {
        og.instructions_of(os)
            .map(|i| &old.instructions[i])
            .collect()
    })
    .unwrap_or_default()
}

/// A FROM rebuilds when the stage it starts from was rebuilt.
fn base_trigger(
    g: &StageGraph,
    s: usize,
    inst: &Instruction,
    stage_rebuilt: &[bool],
) -> Option<(String, Cause)> {
    let Base::Stage(p) = g.stages[s].base else {
        return None;
    };
    (inst.keyword == Keyword::From && stage_rebuilt[p]).then(|| {
        (
            format!("its base stage {} is rebuilt", g.stages[p].label()),
            Cause::Other,
        )
    })
}

/// The earlier stage a `COPY --from` or `ADD --from` at `i` copies from.
fn copied_stage(inp: &Inputs<'_>, s: usize, i: usize) -> Option<usize> {
    let (g, inst) = (inp.graph, &inp.df.instructions[i]);
    if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
        return None;
    }
    let from = inst.flag("from").and_then(|f| f.value())?;
    let src = g.scopes[i].expand_keep_unknown(from, inp.df.escape);
    g.find_stage(&src).filter(|p| *p < s)
}

/// Advice when a COPY of application files invalidates a later RUN that
/// installs dependencies: copy the manifests first.
fn reinstall_advice(
    invalid: Option<&(usize, Cause)>,
    inst: &Instruction,
    installs: &[RunInstall<'_>],
    installed: &Installed,
) -> Option<String> {
    let Some((
        _,
        Cause::Copy {
            line,
            instruction,
            file,
        },
    )) = invalid
    else {
        return None;
    };
    let reinstalls = installs.iter().any(|ri| {
        installs_dependencies(&ri.install, &ri.resolved)
            && !is_project_only(&ri.install, &ri.resolved, installed)
    });
    if inst.keyword != Keyword::Run
        || *line == inst.start_line
        || is_build_metadata(file)
        || !reinstalls
    {
        return None;
    }
    let mut files: Vec<String> = Vec::new();
    for ri in installs {
        for q in &ri.resolved.requested {
            if let Some((f, _)) = &q.file
                && !files.contains(f)
            {
                files.push(f.clone());
            }
        }
    }
    let manifests = if files.is_empty() {
        "the dependency manifests".to_string()
    } else {
        files.join(", ")
    };
    Some(format!(
        "{instruction} at line {line} invalidates the dependency install at line {} when {file} changes; copy {manifests} first, install, then copy the rest",
        inst.start_line
    ))
}

/// The files a step's installs read: traced through the copies before it.
struct StepFiles<'x, 'a> {
    inp: &'x Inputs<'a>,
    origins: &'x Origins<'a>,
    at: usize,
}

impl Files for StepFiles<'_, '_> {
    fn locate(&self, abs: &str) -> Option<String> {
        self.origins.context_path(self.at, abs)
    }

    fn read(&self, rel: &str) -> Option<String> {
        (self.inp.read)(rel)
    }

    fn var(&self, name: &str) -> Option<String> {
        self.inp.graph.scopes[self.at]
            .value(name)
            .map(str::to_string)
    }
}

/// A step's own reason to run again (not counting its parents).
fn own_trigger(
    inp: &Inputs<'_>,
    stage: usize,
    i: usize,
    inst: &Instruction,
    stage_rebuilt: &[bool],
) -> Option<(String, Cause)> {
    let g = inp.graph;
    let scope = &g.scopes[i];
    let declared_changed: Vec<String> = inp
        .changed_args
        .iter()
        .filter(|a| scope.get(a).is_some())
        .cloned()
        .collect();
    match inst.keyword {
        Keyword::Run => {
            if let Some(a) = declared_changed.first() {
                return Some((
                    format!("build argument {a} changed (RUN sees every declared ARG)"),
                    Cause::Other,
                ));
            }
            for m in Mount::of(inst) {
                if let Some(from) = &m.from {
                    let src = scope.expand_keep_unknown(from, inp.df.escape);
                    if let Some(p) = g
                        .find_stage(&src)
                        .filter(|&p| p < stage && stage_rebuilt[p])
                    {
                        return Some((
                            format!("mounted stage {} is rebuilt", g.stages[p].label()),
                            Cause::Other,
                        ));
                    }
                }
                if m.kind == MountType::Bind && m.from.is_none() {
                    let use_ = inp.uses.iter().find(|u| u.instruction == i);
                    if let Some(f) = inp
                        .changed
                        .iter()
                        .find(|f| use_.is_some_and(|u| u.would_take(inp.ignore, f)))
                    {
                        return Some((format!("{f} changed under a bind mount"), Cause::Other));
                    }
                }
            }
            None
        }
        Keyword::Copy | Keyword::Add => {
            if let Some(from) = inst.flag("from").and_then(|f| f.value()) {
                let src = scope.expand_keep_unknown(from, inp.df.escape);
                if let Some(p) = g
                    .find_stage(&src)
                    .filter(|&p| p < stage && stage_rebuilt[p])
                {
                    return Some((
                        format!("source stage {} is rebuilt", g.stages[p].label()),
                        Cause::Other,
                    ));
                }
            }
            if let Some(a) = uses_var(inst, &declared_changed) {
                return Some((
                    format!("it uses build argument {a}, which changed"),
                    Cause::Other,
                ));
            }
            let use_ = inp.uses.iter().find(|u| u.instruction == i)?;
            let f = inp
                .changed
                .iter()
                .find(|f| use_.would_take(inp.ignore, f))?;
            Some((
                format!("{f} changed"),
                Cause::Copy {
                    line: inst.start_line,
                    instruction: inst.original.clone(),
                    file: f.clone(),
                },
            ))
        }
        _ => uses_var(inst, &declared_changed).map(|a| {
            (
                format!("it uses build argument {a}, which changed"),
                Cause::Other,
            )
        }),
    }
}

fn step_cost(
    inp: &Inputs<'_>,
    in_target: bool,
    i: usize,
    inst: &Instruction,
    run: Option<&Run>,
    files: &StepFiles<'_, '_>,
    torch_line: Option<usize>,
) -> Option<Cost> {
    if in_target && let Some(layers) = inp.image_layers {
        let want = normalize_step(&inst.original);
        if let Some(layer) = layers
            .iter()
            .rev()
            .find(|l| l.created_by.as_deref().map(normalize_step).as_deref() == Some(want.as_str()))
        {
            return Some(Cost {
                bytes: layer.bytes,
                basis: "measured in the image".into(),
                assumed: 0,
                download: 0,
            });
        }
    }
    if let Some((_, bytes, basis)) = inp
        .model_steps
        .iter()
        .find(|(line, _, _)| *line == inst.start_line)
        .filter(|(_, b, _)| *b > 0 || inst.keyword != Keyword::Run)
    {
        return Some(Cost {
            bytes: *bytes,
            basis: basis.clone(),
            assumed: 0,
            download: 0,
        });
    }
    match inst.keyword {
        Keyword::Copy | Keyword::Add => {
            inp.uses.iter().find(|u| u.instruction == i).map(|u| Cost {
                bytes: u.bytes,
                basis: "bytes it takes from the context".into(),
                assumed: 0,
                download: 0,
            })
        }
        Keyword::Run => {
            let stage = inp.graph.stage_of.get(i).copied().flatten();
            let base = stage.and_then(|s| inp.graph.base_image(s));
            run.and_then(|r| {
                // What earlier steps installed is the image model's to
                // know (`model_steps`); this fallback counts each RUN whole.
                static NONE: std::collections::BTreeSet<&'static str> =
                    std::collections::BTreeSet::new();
                run_cost(
                    r,
                    files.origins.workdir(i),
                    files,
                    crate::cost::Present {
                        torch: torch_line,
                        python: &NONE,
                        uv_compile_bytecode: false,
                    },
                    OsBase::of(base.map(|(img, _)| img)),
                )
            })
        }
        _ => Some(Cost {
            bytes: 0,
            basis: "metadata only".into(),
            assumed: 0,
            download: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_history_steps() {
        assert_eq!(
            normalize_step("RUN /bin/sh -c pip install -r requirements.txt # buildkit"),
            "RUN pip install -r requirements.txt"
        );
        assert_eq!(normalize_step("COPY . . # buildkit"), "COPY . .");
        assert!(is_build_metadata("requirements-dev.txt"));
        assert!(!is_build_metadata("app/main.py"));
        // Dockerfiles by name, as lint finds them.
        assert!(is_build_metadata("docker/Containerfile.prod"));
        assert!(is_build_metadata("gpu.Dockerfile"));
        assert!(!is_build_metadata("dockerfiles.py"));
    }
}
