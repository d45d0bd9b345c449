//! The build model: stages, variable scopes and the stage dependency graph.
//!
//! Scoping follows BuildKit: ARGs before the first FROM are global and only
//! usable in FROM lines unless a stage redeclares them (`ARG NAME`); an ARG
//! inside a stage is visible from its declaration to the end of the stage
//! and in the stages built `FROM` it (BuildKit copies the base stage's
//! build arguments); ENV accumulates through a stage and is inherited by
//! `FROM <stage>`; the
//! platform ARGs (`TARGETARCH`, `BUILDPLATFORM`, ...) are predefined in the
//! global scope and must be declared to be used inside a stage.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Instruction, Keyword, Span};
use crate::instructions::{FromArgs, Mount, is_valid_stage_name};
use crate::parser::Dockerfile;
use crate::words::{Env, Expansion, Lex};

/// Where a variable's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarSource {
    /// A platform ARG BuildKit predefines.
    Builtin,
    /// A `--build-arg` given by the caller.
    BuildArg,
    /// An ARG default in the Dockerfile.
    ArgDefault,
    /// An ENV in the Dockerfile (this stage or a parent stage).
    Env,
}

/// A variable in scope. `value` is `None` when it is declared but its value
/// cannot be known without the build (an ARG with no default and no build arg).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The value, when known (shared: scopes copy it for every instruction).
    pub value: Option<std::sync::Arc<str>>,
    /// Where it came from.
    pub source: VarSource,
}

/// The variables visible at one point of the build. Every instruction keeps
/// its own scope; a persistent map shares what did not change, so a file of
/// many ENV lines costs O(n log n), not O(n²).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    vars: rpds::RedBlackTreeMapSync<String, Var>,
}

impl Scope {
    /// The variable, if declared.
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    /// The known value of a variable.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|v| v.value.as_deref())
    }

    /// All variables.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Var)> {
        self.vars.iter()
    }

    fn set(&mut self, name: &str, var: Var) {
        self.vars.insert_mut(name.to_string(), var);
    }

    /// Expands a word with BuildKit's rules. Variables whose value is unknown
    /// count as unset, so they appear in [`Expansion::unmatched`].
    pub fn expand(&self, word: &str, escape: char) -> Result<Expansion, crate::words::ShellError> {
        Lex::new(escape).process(word, self)
    }

    /// Expands a word, leaving references to unknown variables as written.
    pub fn expand_keep_unknown(&self, word: &str, escape: char) -> String {
        let lex = Lex {
            skip_unset_env: true,
            ..Lex::new(escape)
        };
        lex.process_word(word, self)
            .unwrap_or_else(|_| word.to_string())
    }
}

impl Env for Scope {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.value(name)
    }
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage.
    Stage(usize),
    /// An image reference, expanded as far as known.
    Image(String),
}

/// Why one stage needs another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyKind {
    /// `FROM <stage>`.
    From,
    /// `COPY --from=<stage>`.
    CopyFrom,
    /// `RUN --mount=...,from=<stage>`.
    MountFrom,
}

/// An edge of the stage graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    /// The stage needed.
    pub stage: usize,
    /// How.
    pub kind: DependencyKind,
    /// The instruction that creates the edge.
    pub instruction: usize,
}

/// One build stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Position among the stages.
    pub index: usize,
    /// The name, lower-cased as BuildKit stores it.
    pub name: Option<String>,
    /// The FROM instruction's index in [`Dockerfile::instructions`].
    pub from: usize,
    /// Instruction indices after FROM, up to the next FROM.
    pub body: std::ops::Range<usize>,
    /// The base image reference as written.
    pub base_text: String,
    /// What the base resolves to.
    pub base: Base,
    /// Variables in the FROM line whose value is unknown.
    pub base_unresolved: Vec<String>,
    /// `--platform`, expanded.
    pub platform: Option<String>,
    /// Stages this one needs.
    pub dependencies: Vec<Dependency>,
}

impl Stage {
    /// A display name: the stage name or its index.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.index.to_string())
    }
}

/// Something BuildKit would reject when building, though it parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemanticError {
    /// BuildKit's message.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Inputs of a build that change the model.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--build-arg` values.
    pub build_args: BTreeMap<String, String>,
    /// Target platform, `os/arch[/variant]` (default `linux/amd64`).
    pub platform: Option<String>,
}

/// The stages of a Dockerfile and what each instruction sees.
#[derive(Debug, Clone)]
pub struct StageGraph {
    /// The stages in order.
    pub stages: Vec<Stage>,
    /// Global scope (ARGs before the first FROM and the platform ARGs).
    pub global: Scope,
    /// For every instruction: its stage (`None` before the first FROM).
    pub stage_of: Vec<Option<usize>>,
    /// For every instruction: the variables it sees.
    pub scopes: Vec<Scope>,
    /// Problems BuildKit reports when converting the file into a build.
    pub errors: Vec<SemanticError>,
}

fn platform_args(target: &str) -> Vec<(&'static str, String)> {
    let mut parts = target.split('/');
    let os = parts.next().unwrap_or("linux").to_string();
    let arch = parts.next().unwrap_or("amd64").to_string();
    let variant = parts.next().unwrap_or("").to_string();
    vec![
        ("TARGETPLATFORM", target.to_string()),
        ("TARGETOS", os.clone()),
        ("TARGETARCH", arch.clone()),
        ("TARGETVARIANT", variant.clone()),
        ("BUILDPLATFORM", target.to_string()),
        ("BUILDOS", os),
        ("BUILDARCH", arch),
        ("BUILDVARIANT", variant),
    ]
}

impl StageGraph {
    /// Builds the model of `df`.
    pub fn new(df: &Dockerfile, options: &BuildOptions) -> StageGraph {
        Builder::new(df, options).build()
    }

    /// The platform a stage is built for: its `FROM --platform`, else the
    /// build's target platform (`linux/amd64` unless the build says).
    pub fn platform_of<'a>(&'a self, stage: &'a Stage) -> &'a str {
        stage
            .platform
            .as_deref()
            .unwrap_or_else(|| self.global.value("TARGETPLATFORM").unwrap_or("linux/amd64"))
    }

    /// The stage a `--target` names (or the last stage when `None`).
    pub fn target(&self, name: Option<&str>) -> Option<usize> {
        match name {
            None => self.stages.len().checked_sub(1),
            Some(n) => self.find_stage(n),
        }
    }

    /// A stage by name (case-insensitive) or index.
    pub fn find_stage(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| {
                lower
                    .parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.stages.len())
            })
    }

    /// The stages building `target` needs, `target` included.
    pub fn reachable(&self, target: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![target];
        while let Some(s) = todo.pop() {
            if seen.insert(s) {
                todo.extend(self.stages[s].dependencies.iter().map(|d| d.stage));
            }
        }
        seen
    }

    /// The stages whose files end up in `target`'s image: `target` and the
    /// chain of stages it is built `FROM`.
    pub fn final_chain(&self, target: usize) -> Vec<usize> {
        let mut chain = vec![target];
        let mut cur = target;
        while let Base::Stage(parent) = self.stages[cur].base {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            cur = parent;
        }
        chain
    }

    /// The external image a stage is built on, following `FROM <stage>`,
    /// with the index of the FROM naming it (`None`: `scratch`).
    pub fn base_image(&self, stage: usize) -> Option<(&str, usize)> {
        let root = *self.final_chain(stage).last()?;
        match &self.stages[root].base {
            Base::Image(img) => Some((img.as_str(), self.stages[root].from)),
            _ => None,
        }
    }

    /// The instruction indices of a stage, FROM included.
    pub fn instructions_of(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        let s = &self.stages[stage];
        std::iter::once(s.from).chain(s.body.clone())
    }

    /// The working directory each instruction runs in (`/` by default),
    /// inherited from the stage it is built `FROM`. Shared strings: a long
    /// path is not copied once per instruction.
    pub fn workdirs(&self, df: &Dockerfile) -> Vec<std::sync::Arc<str>> {
        let root: std::sync::Arc<str> = "/".into();
        let mut out = vec![root.clone(); df.instructions.len()];
        let mut stage_end: Vec<std::sync::Arc<str>> = Vec::new();
        for stage in &self.stages {
            let mut wd = match stage.base {
                Base::Stage(p) => stage_end.get(p).cloned().unwrap_or_else(|| root.clone()),
                _ => root.clone(),
            };
            for i in std::iter::once(stage.from).chain(stage.body.clone()) {
                let inst = &df.instructions[i];
                if inst.keyword == Keyword::Workdir
                    && let Some(v) = inst.values().first()
                {
                    let v = self.scopes[i].expand_keep_unknown(v, df.escape);
                    wd = if v.starts_with('/') {
                        v.into()
                    } else {
                        format!("{}/{v}", wd.trim_end_matches('/')).into()
                    };
                }
                out[i] = wd.clone();
            }
            stage_end.push(wd);
        }
        out
    }

    /// The USER in force before each instruction (`None`: the base image's,
    /// root unless it sets one), inherited from the stage it is built `FROM`.
    pub fn users(&self, df: &Dockerfile) -> Vec<Option<std::sync::Arc<str>>> {
        self.in_force(df, Keyword::User, |i, inst| {
            let v = inst.values().first()?.to_string();
            Some(self.scopes[i].expand_keep_unknown(&v, df.escape).into())
        })
    }

    /// The SHELL in force for each instruction (`None`: the default,
    /// `/bin/sh -c`), inherited from the stage it is built `FROM`.
    pub fn shells(&self, df: &Dockerfile) -> Vec<Option<std::sync::Arc<[String]>>> {
        self.in_force(df, Keyword::Shell, |_, inst| {
            (!inst.args.is_empty()).then(|| inst.values().iter().map(|v| v.to_string()).collect())
        })
    }

    /// A setting `keyword` instructions change (USER, SHELL), as in force
    /// before each instruction: `None` until a stage (or the stage it is
    /// built `FROM`) sets it with a value `value` reads.
    fn in_force<T: Clone>(
        &self,
        df: &Dockerfile,
        keyword: Keyword,
        value: impl Fn(usize, &crate::Instruction) -> Option<T>,
    ) -> Vec<Option<T>> {
        let mut out = vec![None; df.instructions.len()];
        let mut stage_end: Vec<Option<T>> = Vec::new();
        for stage in &self.stages {
            let mut current = match stage.base {
                Base::Stage(p) => stage_end.get(p).cloned().flatten(),
                _ => None,
            };
            for i in std::iter::once(stage.from).chain(stage.body.clone()) {
                out[i] = current.clone();
                let inst = &df.instructions[i];
                if inst.keyword == keyword
                    && let Some(v) = value(i, inst)
                {
                    current = Some(v);
                }
            }
            stage_end.push(current);
        }
        out
    }
}

struct Builder<'a> {
    df: &'a Dockerfile,
    options: &'a BuildOptions,
    global: Scope,
    stages: Vec<Stage>,
    stage_of: Vec<Option<usize>>,
    scopes: Vec<Scope>,
    errors: Vec<SemanticError>,
    /// ENV and ARGs set by each stage (and inherited), for `FROM <stage>`.
    stage_env: Vec<Scope>,
    /// Bytes of variable values computed so far (bounded by `MAX_VALUE_BYTES`).
    value_bytes: usize,
}

/// The most bytes of ARG and ENV values one Dockerfile may compute (16 MiB).
/// Past it, further values count as unknown: a file of many lines each
/// copying a large value (`ENV Bn=$A`) cannot exhaust memory.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

impl<'a> Builder<'a> {
    /// A word's expansion as a variable value, while the budget lasts.
    fn expand_bounded(&mut self, scope: &Scope, word: &str) -> Option<std::sync::Arc<str>> {
        if self.value_bytes > MAX_VALUE_BYTES {
            return None;
        }
        let v = expand_known(scope, word, self.df.escape)?;
        self.value_bytes = self.value_bytes.saturating_add(v.len());
        (self.value_bytes <= MAX_VALUE_BYTES).then(|| v.into())
    }

    fn new(df: &'a Dockerfile, options: &'a BuildOptions) -> Self {
        let mut global = Scope::default();
        let platform = options
            .platform
            .clone()
            .unwrap_or_else(|| "linux/amd64".into());
        for (k, v) in platform_args(&platform) {
            global.set(
                k,
                Var {
                    value: Some(v.into()),
                    source: VarSource::Builtin,
                },
            );
        }
        Builder {
            df,
            options,
            global,
            stages: Vec::new(),
            stage_of: Vec::new(),
            scopes: Vec::new(),
            errors: Vec::new(),
            stage_env: Vec::new(),
            value_bytes: 0,
        }
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(SemanticError {
            message: message.into(),
            span,
        });
    }

    fn build(mut self) -> StageGraph {
        let mut scope = Scope::default();
        let mut current: Option<usize> = None;
        for (i, inst) in self.df.instructions.iter().enumerate() {
            if inst.keyword == Keyword::From {
                self.close_stage(current, i, &scope);
                scope = self.open_stage(i, inst);
                current = Some(self.stages.len() - 1);
                self.stage_of.push(current);
                self.scopes.push(scope.clone());
                continue;
            }
            self.stage_of.push(current);
            self.scopes.push(if current.is_some() {
                scope.clone()
            } else {
                self.global.clone()
            });
            match (inst.keyword, current) {
                (Keyword::Arg, None) => {
                    let mut global = std::mem::take(&mut self.global);
                    self.declare_args(inst, &mut global, None);
                    self.global = global;
                }
                (Keyword::Arg, Some(s)) => {
                    let global = self.global.clone();
                    self.declare_args(inst, &mut scope, Some(&global));
                    // Stages built FROM this one see its ARGs too.
                    self.stage_env[s] = scope.clone();
                }
                (Keyword::Env, Some(s)) => {
                    self.check_instruction(inst);
                    for (k, v) in env_pairs(inst) {
                        let value = self.expand_bounded(&scope, &v);
                        let var = Var {
                            value,
                            source: VarSource::Env,
                        };
                        scope.set(&k, var.clone());
                        self.stage_env[s].set(&k, var);
                    }
                }
                (Keyword::Unknown, _) => self.error(
                    format!("unknown instruction: {}", inst.keyword_text),
                    inst.keyword_span,
                ),
                (_, None) => self.error("no build stage in current context", inst.keyword_span),
                _ => self.check_instruction(inst),
            }
        }
        self.close_stage(current, self.df.instructions.len(), &scope);
        self.link_dependencies();
        StageGraph {
            stages: self.stages,
            global: self.global,
            stage_of: self.stage_of,
            scopes: self.scopes,
            errors: self.errors,
        }
    }

    fn close_stage(&mut self, current: Option<usize>, end: usize, _scope: &Scope) {
        if let Some(s) = current {
            let start = self.stages[s].from + 1;
            self.stages[s].body = start..end;
        }
    }

    fn open_stage(&mut self, i: usize, inst: &Instruction) -> Scope {
        let escape = self.df.escape;
        let index = self.stages.len();
        let from = match FromArgs::parse(inst) {
            Ok(f) => {
                if let Some(e) = crate::validate::instruction_error(inst) {
                    self.error(e, inst.span);
                }
                f
            }
            Err(e) => {
                self.error(e, inst.span);
                FromArgs {
                    image: inst
                        .args
                        .first()
                        .map(|a| a.value.clone())
                        .unwrap_or_default(),
                    image_span: inst.args.first().map_or(inst.span, |a| a.span),
                    name: None,
                    name_span: None,
                    platform: None,
                }
            }
        };
        let name = from.name.as_ref().map(|n| n.to_ascii_lowercase());
        if let (Some(n), Some(span)) = (&name, from.name_span) {
            // A duplicate name builds (BuildKit warns: DuplicateStageName).
            if !is_valid_stage_name(n) {
                self.error(format!("invalid name for build stage: {n:?}, name can't start with a number or contain symbols"), span);
            }
        }
        // FROM sees only the global scope.
        let (image, unresolved) = match self.global.expand(&from.image, escape) {
            Ok(x) => {
                let unknown: Vec<String> = x.unmatched.into_iter().collect();
                (x.result, unknown)
            }
            Err(e) => {
                self.error(e.to_string(), from.image_span);
                (from.image.clone(), Vec::new())
            }
        };
        let lower = image.to_ascii_lowercase();
        let base = if lower == "scratch" {
            Base::Scratch
        } else if let Some(p) = self
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            Base::Stage(p)
        } else {
            Base::Image(image)
        };
        let platform = from
            .platform
            .as_ref()
            .map(|p| self.global.expand_keep_unknown(p, escape));
        let mut dependencies = Vec::new();
        let mut scope = Scope::default();
        let mut env = Scope::default();
        if let Base::Stage(p) = base {
            dependencies.push(Dependency {
                stage: p,
                kind: DependencyKind::From,
                instruction: i,
            });
            env = self.stage_env[p].clone();
            scope = env.clone();
        }
        self.stage_env.push(env);
        self.stages.push(Stage {
            index,
            name,
            from: i,
            body: i + 1..i + 1,
            base_text: from.image,
            base,
            base_unresolved: unresolved,
            platform,
            dependencies,
        });
        scope
    }

    /// `ARG a=1 b`: declares into `scope`; inside a stage, a name without a
    /// default takes the global value when there is one.
    fn declare_args(&mut self, inst: &Instruction, scope: &mut Scope, global: Option<&Scope>) {
        if inst.args.is_empty() {
            self.error("ARG requires at least one argument", inst.span);
        }
        for arg in &inst.args {
            let (name, default) = match arg.value.split_once('=') {
                Some((n, d)) => (n.to_string(), Some(d.to_string())),
                None => (arg.value.clone(), None),
            };
            if name.is_empty() {
                self.error("ARG names can not be blank", arg.span);
                continue;
            }
            let var = if let Some(v) = self.options.build_args.get(&name) {
                Var {
                    value: Some(v.as_str().into()),
                    source: VarSource::BuildArg,
                }
            } else if let Some(d) = default {
                let value = self.expand_bounded(scope, &d);
                Var {
                    value,
                    source: VarSource::ArgDefault,
                }
            } else if let Some(g) = global.and_then(|g| g.get(&name)) {
                g.clone()
            } else {
                Var {
                    value: None,
                    source: VarSource::ArgDefault,
                }
            };
            scope.set(&name, var);
        }
    }

    fn check_instruction(&mut self, inst: &Instruction) {
        if let Some(m) = crate::validate::instruction_error(inst) {
            self.error(m, inst.span);
        }
    }

    fn link_dependencies(&mut self) {
        let escape = self.df.escape;
        for s in 0..self.stages.len() {
            let body = self.stages[s].body.clone();
            for i in body {
                let inst = self.df.instructions[i].effective();
                let scope = &self.scopes[i];
                let mut refs: Vec<(String, DependencyKind)> = Vec::new();
                if matches!(inst.keyword, Keyword::Copy | Keyword::Add)
                    && let Some(from) = inst.flag("from").and_then(|f| f.value())
                {
                    refs.push((
                        scope.expand_keep_unknown(from, escape),
                        DependencyKind::CopyFrom,
                    ));
                }
                for m in Mount::of(inst) {
                    if let Some(from) = m.from {
                        refs.push((
                            scope.expand_keep_unknown(&from, escape),
                            DependencyKind::MountFrom,
                        ));
                    }
                }
                for (name, kind) in refs {
                    let lower = name.to_ascii_lowercase();
                    let target = self.stages[..s]
                        .iter()
                        .position(|st| st.name.as_deref() == Some(lower.as_str()))
                        .or_else(|| lower.parse::<usize>().ok().filter(|&n| n < s));
                    if let Some(t) = target {
                        self.stages[s].dependencies.push(Dependency {
                            stage: t,
                            kind,
                            instruction: i,
                        });
                    }
                }
            }
        }
    }
}

/// Expands `word`; `None` when a variable it uses has no known value or it
/// cannot be expanded.
fn expand_known(scope: &Scope, word: &str, escape: char) -> Option<String> {
    let x = scope.expand(word, escape).ok()?;
    if x.unmatched.iter().any(|name| scope.get(name).is_some()) {
        return None; // declared but unknown
    }
    Some(x.result)
}

/// ENV/LABEL key-value pairs, raw (not yet expanded).
pub fn env_pairs(inst: &Instruction) -> Vec<(String, String)> {
    inst.args
        .chunks(3)
        .filter(|c| c.len() >= 2)
        .map(|c| (c[0].value.clone(), c[1].value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(src: &str) -> (Dockerfile, StageGraph) {
        let df = Dockerfile::parse(src);
        assert!(df.is_ok(), "{:?}", df.errors);
        let g = StageGraph::new(&df, &BuildOptions::default());
        (df, g)
    }

    #[test]
    fn arg_scopes_follow_buildkit() {
        let (_, g) = graph(
            "ARG PY=3.11\nARG TAG\nFROM python:${PY}-slim AS base\nRUN echo $PY\nARG PY\nENV V=$PY-x\nRUN true\n",
        );
        assert_eq!(g.stages[0].base, Base::Image("python:3.11-slim".into()));
        // Before `ARG PY` inside the stage, PY is not visible.
        assert!(g.scopes[3].get("PY").is_none());
        assert_eq!(g.scopes[6].value("PY"), Some("3.11"));
        assert_eq!(g.scopes[6].value("V"), Some("3.11-x"));
    }

    #[test]
    fn env_is_inherited_by_child_stages() {
        let (_, g) = graph("FROM a AS one\nENV X=1\nFROM one AS two\nRUN x\nFROM b\nRUN y\n");
        assert_eq!(g.stages[1].base, Base::Stage(0));
        assert_eq!(g.scopes[3].value("X"), Some("1"));
        assert_eq!(g.scopes[5].value("X"), None);
        // So are a stage's ARGs (BuildKit copies the base stage's build args).
        let (_, g) = graph("FROM a AS one\nARG A=1\nFROM one\nRUN x\nFROM b\nRUN y\n");
        assert_eq!(g.scopes[3].value("A"), Some("1"));
        assert_eq!(g.scopes[5].value("A"), None);
    }

    #[test]
    fn graph_and_reachability() {
        let (_, g) = graph(
            "FROM a AS deps\nRUN x\nFROM a AS unused\nRUN y\nFROM b AS build\nRUN --mount=from=deps,target=/d z\nFROM c\nCOPY --from=build /x /x\n",
        );
        let t = g.target(None).unwrap();
        assert_eq!(g.reachable(t), BTreeSet::from([0, 2, 3]));
        assert_eq!(g.target(Some("BUILD")), Some(2));
        assert_eq!(g.stages[3].dependencies[0].kind, DependencyKind::CopyFrom);
    }

    #[test]
    fn semantic_errors_are_reported() {
        let df = Dockerfile::parse("RUN x\nFROM a b\nFROM c AS 1bad\nCOPY onlyone\nFOO bar\n");
        let g = StageGraph::new(&df, &BuildOptions::default());
        let msgs: Vec<&str> = g.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(msgs[0].contains("no build stage"));
        assert!(msgs[1].contains("one or three"));
        assert!(msgs[2].contains("invalid name"));
        assert!(msgs[4].contains("unknown instruction: FOO"));
    }

    #[test]
    fn build_args_override_defaults() {
        let df = Dockerfile::parse("FROM a\nARG V=1\nRUN x\n");
        let mut o = BuildOptions::default();
        o.build_args.insert("V".into(), "2".into());
        let g = StageGraph::new(&df, &o);
        assert_eq!(g.scopes[2].value("V"), Some("2"));
    }
}
