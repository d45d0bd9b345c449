//! ## What it does
//! Flags a RUN that mounts a build secret (`--mount=type=secret`) and
//! writes it into a file of the image: a command that mentions the secret
//! (its file under `/run/secrets`, its `env=` variable, or a variable read
//! from it) and sends its output to a file (`> /app/.env`), or a `cp` of
//! the secret file, when the same RUN does not delete that file again.
//!
//! ## Why it matters
//! A secret mount keeps the secret out of the image only while it stays in
//! the mount. Written to a file, it is stored in the layer like any other
//! file: anyone who pulls the image reads it, whatever `--secret` promised.
//!
//! ## Example
//! ```dockerfile
//! RUN --mount=type=secret,id=API_KEY \
//!     echo "API_KEY=$(cat /run/secrets/API_KEY)" > /app/.env
//! ```
//!
//! Use instead: pass the key to the container when it runs (an environment
//! variable or a mounted file from the orchestrator's secret store), or use
//! it inside the RUN without writing it down.
//!
//! ## Fix safety
//! No automatic fix: where the secret should come from at run time is the
//! deployment's choice.

use ballast_dockerfile::instructions::MountType;
use ballast_shell::Command;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL408",
    name: "secret-written-to-image",
    family: Family::Security,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A build secret is written into a file of the image",
    check,
    ..Rule::OPTIONAL
};

/// How a secret shows up in a RUN's text: its file and the variables that
/// hold it.
struct Secret {
    id: String,
    path: String,
    vars: Vec<String>,
}

impl Secret {
    fn mentioned_by(&self, text: &str) -> bool {
        text.contains(&self.path)
            || self
                .vars
                .iter()
                .any(|v| text.contains(&format!("${v}")) || text.contains(&format!("${{{v}}}")))
    }
}

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.image_runs() {
        let mut secrets: Vec<Secret> = run
            .mounts
            .iter()
            .filter(|m| m.kind == MountType::Secret)
            .filter_map(|m| {
                let id = m.id.clone().or_else(|| {
                    m.target
                        .as_ref()
                        .map(|t| t.rsplit('/').next().unwrap_or(t).to_string())
                })?;
                let path = m
                    .target
                    .clone()
                    .unwrap_or_else(|| format!("/run/secrets/{id}"));
                let env = m
                    .fields
                    .iter()
                    .find(|(k, _)| k == "env")
                    .and_then(|(_, v)| v.clone());
                Some(Secret {
                    id,
                    path,
                    vars: env.into_iter().collect(),
                })
            })
            .collect();
        if secrets.is_empty() {
            continue;
        }
        let commands: Vec<_> = run.commands().collect();
        for (at, (part, cmd)) in commands.iter().enumerate() {
            taint(&mut secrets, cmd);
            let Some((secret, dest)) = written(&secrets, cmd) else {
                continue;
            };
            let removed_later = commands[at + 1..].iter().any(|(_, c)| {
                c.name() == Some("rm")
                    && c.args()
                        .any(|a| a == dest || a.trim_end_matches('*') == dest)
            });
            if removed_later || dest.starts_with("/dev/") || dest.starts_with("/run/secrets") {
                continue;
            }
            out.push(
                Finding::new(
                    &RULE,
                    part.span(cmd.span),
                    format!("writes the build secret `{}` into {dest}: the file stays in the layer", secret.id),
                )
                .help("give the secret to the container at run time, or use it in the RUN without writing it to a file"),
            );
        }
    }
}

/// Variables a command fills from a secret (`export K=$(cat /run/secrets/k)`,
/// `K=$(cat ...)`).
fn taint(secrets: &mut [Secret], cmd: &Command) {
    let mut assigned: Vec<(String, String)> = cmd.assignments.clone();
    if matches!(
        cmd.name(),
        Some("export" | "declare" | "local" | "readonly")
    ) {
        assigned.extend(
            cmd.args()
                .filter_map(|a| a.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    for (name, value) in assigned {
        if let Some(s) = secrets.iter_mut().find(|s| s.mentioned_by(&value)) {
            s.vars.push(name);
        }
    }
}

/// The secret a command writes to a file, and the file.
fn written<'s>(secrets: &'s [Secret], cmd: &Command) -> Option<(&'s Secret, String)> {
    let text: String = cmd
        .words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let secret = secrets.iter().find(|s| s.mentioned_by(&text))?;
    let to_file = cmd.redirects.iter().find_map(|r| {
        let target = r.trim_start_matches(|c: char| c.is_ascii_digit());
        let target = target
            .strip_prefix(">>")
            .or_else(|| target.strip_prefix('>'))?;
        (!target.starts_with('&') && !target.is_empty()).then(|| target.to_string())
    });
    if let Some(dest) = to_file {
        return Some((secret, dest));
    }
    // `cp /run/secrets/x dest`.
    match cmd.name() {
        Some("cp" | "install") => {
            let args: Vec<&str> = cmd.args().filter(|a| !a.starts_with('-')).collect();
            let dest = args.last()?;
            (args.len() >= 2 && !secret.mentioned_by(dest)).then(|| (secret, dest.to_string()))
        }
        _ => None,
    }
}
