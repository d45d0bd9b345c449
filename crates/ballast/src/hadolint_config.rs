//! `.hadolint.yaml` read as ballast settings, for a project that has
//! hadolint's configuration and no ballast one: ignored codes and severity
//! overrides act on the ballast rules that are the same check
//! (`ballast_linter::hadolint`), `failure-threshold`, `trustedRegistries`
//! and `disable-ignore-pragma` carry over; everything else is named in a
//! note, never silently dropped.

use std::path::Path;

use anyhow::Result;
use ballast_linter::Severity;
use ballast_linter::hadolint::{is_dl_code, rules_for};
use serde_norway::Value;

use crate::commands::lint::Threshold;
use crate::config::LintConfig;

/// The settings a hadolint configuration file gives, and notes on what it
/// says that ballast does not act on.
pub(crate) fn read(path: &Path) -> Result<(LintConfig, Vec<String>)> {
    let text = crate::inputs::read_config(path)?;
    let doc: Value = serde_norway::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().replace('\n', " ")))?;
    let mut cfg = LintConfig::default();
    let mut notes = Vec::new();
    let Some(map) = doc.as_mapping() else {
        return Ok((cfg, notes));
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or("");
        match key {
            "ignored" => {
                for code in strings(value) {
                    let rules = covered(&code, &mut notes);
                    cfg.ignore.extend(rules);
                }
            }
            "override" => {
                let levels = value.as_mapping().into_iter().flatten();
                for (level, codes) in levels {
                    let level = level.as_str().unwrap_or("");
                    let Some(ours) = severity(level) else {
                        notes.push(format!("override.{level}: not a hadolint severity"));
                        continue;
                    };
                    for code in strings(codes) {
                        for rule in covered(&code, &mut notes) {
                            cfg.severity.insert(rule, ours);
                        }
                    }
                }
            }
            "failure-threshold" => {
                let t = value.as_str().unwrap_or("");
                cfg.failure_threshold = Some(threshold(t, &mut notes));
            }
            "no-fail" if value.as_bool() == Some(true) => {
                cfg.failure_threshold = Some(Threshold::None);
            }
            "trustedRegistries" => cfg.trusted_registries = strings(value),
            "disable-ignore-pragma" => cfg.disable_pragmas = value.as_bool() == Some(true),
            "label-schema" | "strict-labels" => {
                notes.push(format!("{key}: ballast has no label-schema rules"));
            }
            "format" | "formats" | "no-color" | "verbose" | "no-fail" => {
                notes.push(format!("{key}: ballast's own flags decide this"));
            }
            other => notes.push(format!("{other}: not a setting ballast reads")),
        }
    }
    Ok((cfg, notes))
}

/// The names of the ballast rules a hadolint code is, noting a code none is.
fn covered(code: &str, notes: &mut Vec<String>) -> Vec<String> {
    // A ShellCheck code is ballast's too: the `shellcheck` rule reports it.
    if let Some(n) = ballast_linter::shellcheck::parse_code(code) {
        return vec![format!("SC{n}")];
    }
    let rules = rules_for(code);
    if rules.is_empty() {
        let why = if is_dl_code(code) {
            "no ballast rule covers it (`ballast rule --map hadolint`)"
        } else {
            "not a hadolint rule"
        };
        notes.push(format!("{code}: {why}"));
    }
    rules.iter().map(|r| r.name.to_string()).collect()
}

/// A hadolint severity as ballast's (`style` is info).
fn severity(level: &str) -> Option<Severity> {
    match level {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" | "style" => Some(Severity::Info),
        _ => None,
    }
}

/// hadolint's failure threshold as ballast's: `style` fails on info, and
/// `ignore`/`none` fail on any finding, as in hadolint.
fn threshold(t: &str, notes: &mut Vec<String>) -> Threshold {
    match t {
        "error" => Threshold::Error,
        "warning" => Threshold::Warning,
        "info" | "style" | "ignore" | "none" => Threshold::Info,
        other => {
            notes.push(format!(
                "failure-threshold {other:?}: not a hadolint threshold"
            ));
            Threshold::Warning
        }
    }
}

/// A string or a list of strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The file hadolint would read in `dir`, if any.
pub(crate) fn find_in(dir: &Path) -> Option<std::path::PathBuf> {
    [".hadolint.yaml", ".hadolint.yml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadolint_settings_act_on_the_same_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".hadolint.yaml");
        std::fs::write(
            &path,
            "failure-threshold: style\nignored:\n  - DL3042\n  - DL3008\n  - SC2086\noverride:\n  error:\n    - DL3002\n  style: [DL3015]\ntrustedRegistries: docker.io\nlabel-schema:\n  author: text\n",
        )
        .unwrap();
        let (cfg, notes) = read(&path).unwrap();
        // SC2086 is the shellcheck rule's code, ignored as such.
        assert_eq!(
            cfg.ignore,
            ["pip-cache-kept", "package-version-unpinned", "SC2086"]
        );
        assert_eq!(cfg.severity.get("root-user"), Some(&Severity::Error));
        assert_eq!(
            cfg.severity.get("apt-recommends-installed"),
            Some(&Severity::Info)
        );
        assert_eq!(cfg.failure_threshold, Some(Threshold::Info));
        assert_eq!(cfg.trusted_registries, ["docker.io"]);
        assert!(!notes.iter().any(|n| n.starts_with("SC2086")), "{notes:?}");
        assert!(
            notes.iter().any(|n| n.starts_with("label-schema")),
            "{notes:?}"
        );
        std::fs::write(&path, "ignored: [DL3042\n").unwrap();
        assert!(
            read(&path)
                .unwrap_err()
                .to_string()
                .contains(".hadolint.yaml")
        );
    }
}
