//! Suppression comments.
//!
//! - `# ballast: ignore=BL102,apt-lists-kept` — the next instruction (only
//!   comment lines may come between);
//! - `# ballast: stage ignore=...` — the stage of the next instruction (put
//!   it right above a `FROM`);
//! - `# ballast: global ignore=...` — the whole file, wherever it is;
//! - `# hadolint ignore=DL3042`, `# hadolint stage ignore=...`,
//!   `# hadolint global ignore=...` — the same scopes, for the ballast rules
//!   that are the same check as the hadolint code (see each rule's
//!   `hadolint` list); other hadolint codes are left to hadolint.
//!
//! - `# check=skip=StageNameCasing,JSONArgsRecommended` (or `skip=all`)
//!   right above an instruction — BuildKit's check names, for that
//!   instruction; the same directive at the top of the file is BuildKit's
//!   own and covers the file ([`crate::check_directive`]).
//!
//! Anything after the list (`# ballast: ignore=BL401 -- runs as root by
//! design`) is a free-form reason.

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::stages::StageGraph;

use crate::catalog;
use crate::finding::Finding;
use crate::shellcheck::parse_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Next,
    Stage,
    Global,
}

/// What a pragma silences.
#[derive(Debug, Clone)]
enum Target {
    All,
    /// Every rule BuildKit has a name for.
    Buildkit,
    Rule(&'static str),
    /// One ShellCheck code (`SC2086`).
    ShellCheck(u32),
}

impl Target {
    fn covers(&self, f: &Finding) -> bool {
        match self {
            Target::All => true,
            Target::Buildkit => f.rule.buildkit.is_some(),
            Target::Rule(code) => *code == f.rule.code,
            Target::ShellCheck(code) => f.shellcheck == Some(*code),
        }
    }
}

/// The suppressions of a file.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// Instruction index → targets.
    instruction: Vec<(usize, Vec<Target>)>,
    /// Stage index → targets.
    stage: Vec<(usize, Vec<Target>)>,
    global: Vec<Target>,
    /// Pragmas naming unknown rules: (1-based line, message).
    pub problems: Vec<(usize, String)>,
}

impl Suppressions {
    /// Reads the pragmas of a file.
    pub fn parse(df: &Dockerfile, graph: &StageGraph) -> Suppressions {
        let mut out = Suppressions::default();
        for c in &df.comments {
            let Some((scope, targets, tool)) = parse_pragma(&c.text) else {
                continue;
            };
            let mut resolved = Vec::new();
            for t in targets {
                if let Some(code) = parse_code(&t).filter(|_| tool != "buildkit") {
                    resolved.push(Target::ShellCheck(code));
                    continue;
                }
                if t.eq_ignore_ascii_case("all") && tool == "ballast" {
                    resolved.push(Target::All);
                    continue;
                }
                if tool == "buildkit" {
                    match crate::check_directive::buildkit_rule(&t) {
                        _ if t.eq_ignore_ascii_case("all") => resolved.push(Target::Buildkit),
                        Some(r) => resolved.push(Target::Rule(r.code)),
                        None => out.problems.push((
                            c.line,
                            format!("`# check=skip=` names `{t}`, not a BuildKit check"),
                        )),
                    }
                    continue;
                }
                if tool == "hadolint" {
                    resolved.extend(
                        catalog::all()
                            .iter()
                            .filter(|r| r.hadolint.iter().any(|h| h.eq_ignore_ascii_case(&t)))
                            .map(|r| Target::Rule(r.code)),
                    );
                    continue;
                }
                let rules = catalog::select(&t);
                if rules.is_empty() {
                    out.problems.push((
                        c.line,
                        format!("`# ballast:` pragma names unknown rule `{t}`"),
                    ));
                }
                resolved.extend(rules.into_iter().map(|r| Target::Rule(r.code)));
            }
            if resolved.is_empty() {
                continue;
            }
            match scope {
                Scope::Global => out.global.extend(resolved),
                Scope::Next | Scope::Stage => {
                    let Some(next) = next_instruction(df, c.line) else {
                        continue;
                    };
                    if scope == Scope::Next {
                        out.instruction.push((next, resolved));
                    } else if let Some(stage) = graph.stage_of.get(next).copied().flatten() {
                        out.stage.push((stage, resolved));
                    }
                }
            }
        }
        out
    }

    /// Whether a finding on instruction `instruction` (of `stage`) is
    /// suppressed.
    pub fn covers(&self, f: &Finding, instruction: Option<usize>, stage: Option<usize>) -> bool {
        self.global.iter().any(|t| t.covers(f))
            || instruction.is_some_and(|i| {
                self.instruction
                    .iter()
                    .any(|(k, ts)| *k == i && ts.iter().any(|t| t.covers(f)))
            })
            || stage.is_some_and(|s| {
                self.stage
                    .iter()
                    .any(|(k, ts)| *k == s && ts.iter().any(|t| t.covers(f)))
            })
    }
}

/// The instruction a pragma on `line` applies to: the next one, with only
/// comment lines in between.
fn next_instruction(df: &Dockerfile, line: usize) -> Option<usize> {
    let (idx, inst) = df
        .instructions
        .iter()
        .enumerate()
        .find(|(_, i)| i.start_line > line)?;
    let lines: Vec<&str> = df.source.lines().collect();
    let between = lines.get(line..inst.start_line.saturating_sub(1))?;
    between
        .iter()
        .all(|l| l.trim_start().starts_with('#'))
        .then_some(idx)
}

/// `(scope, targets, tool)` of a pragma comment's text (without the `#`).
fn parse_pragma(text: &str) -> Option<(Scope, Vec<String>, &'static str)> {
    let t = text.trim_start_matches('#').trim_start();
    if let Some(v) = t.strip_prefix("check=") {
        return check_skip(v);
    }
    let (tool, rest) = if let Some(r) = t.strip_prefix("ballast:") {
        ("ballast", r)
    } else if let Some(r) = t.strip_prefix("hadolint ") {
        ("hadolint", r)
    } else {
        return None;
    };
    let rest = rest.trim_start();
    let (scope, rest) = if let Some(r) = rest.strip_prefix("global ") {
        (Scope::Global, r.trim_start())
    } else if let Some(r) = rest.strip_prefix("stage ") {
        (Scope::Stage, r.trim_start())
    } else {
        (Scope::Next, rest)
    };
    let rest = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    // The list: codes separated by commas, blanks allowed around them; it
    // ends at the first word that does not follow a comma.
    let mut targets = Vec::new();
    let mut expect_more = true;
    for token in rest.split_inclusive([',', ' ', '\t']) {
        let word = token.trim_matches([',', ' ', '\t']);
        if word.is_empty() {
            if token.contains(',') {
                expect_more = true;
            }
            continue;
        }
        if !expect_more || word.starts_with('#') || word == "--" {
            break;
        }
        targets.push(word.to_string());
        expect_more = token.ends_with(',');
    }
    Some((scope, targets, tool))
}

/// The rules a `check=` comment's `skip=` part names.
fn check_skip(value: &str) -> Option<(Scope, Vec<String>, &'static str)> {
    let skip = value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("skip="))?;
    let names = skip.split(',').map(|n| n.trim().to_string());
    Some((
        Scope::Next,
        names.filter(|n| !n.is_empty()).collect(),
        "buildkit",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_syntax() {
        let (s, t, tool) =
            parse_pragma("# ballast: ignore=BL101, pip-cache-kept -- reason").unwrap();
        assert_eq!((s, tool), (Scope::Next, "ballast"));
        assert_eq!(t, ["BL101", "pip-cache-kept"]);
        let (s, t, _) = parse_pragma("# ballast: global ignore = size").unwrap();
        assert_eq!((s, t), (Scope::Global, vec!["size".to_string()]));
        let (s, t, tool) = parse_pragma("# hadolint stage ignore=DL3042 # why").unwrap();
        assert_eq!(
            (s, t, tool),
            (Scope::Stage, vec!["DL3042".to_string()], "hadolint")
        );
        assert!(parse_pragma("# just a comment").is_none());
        let (s, t, tool) = parse_pragma("# check=skip=JSONArgsRecommended,FromAsCasing").unwrap();
        assert_eq!((s, tool), (Scope::Next, "buildkit"));
        assert_eq!(t, ["JSONArgsRecommended", "FromAsCasing"]);
    }
}
