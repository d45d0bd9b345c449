//! Which rules run and how severe they are: selection, severities, per-path
//! ignores and trusted registries. The CLI fills this from `ballast.toml`,
//! environment variables and flags.

use std::collections::BTreeMap;

use crate::catalog::{self, Rule, Severity};

/// Lint settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Selectors of the rules to run (codes, names, families, code prefixes,
    /// `ALL`). Empty: every rule that needs no configuration.
    pub select: Vec<String>,
    /// Selectors added to the selection (`extend-select`).
    pub extend_select: Vec<String>,
    /// Selectors of rules not to run.
    pub ignore: Vec<String>,
    /// Severity per selector; later entries win.
    pub severity: Vec<(String, Severity)>,
    /// `(glob, selectors)`: rules not to run on files matching the glob.
    pub per_path_ignores: Vec<(String, Vec<String>)>,
    /// Registries base images may come from (`untrusted-registry`); empty
    /// leaves that rule off. `docker.io` for Docker Hub; `*.corp` suffixes,
    /// `corp*` prefixes and `*` accepted.
    pub trusted_registries: Vec<String>,
    /// Ignore `# ballast:` and `# hadolint` pragmas.
    pub disable_pragmas: bool,
    /// BuildKit's check controls (`skip=...;error=true;experimental=...`),
    /// replacing each file's `# check=` directive as the
    /// `BUILDKIT_DOCKERFILE_CHECK` build argument does.
    pub buildkit_check: Option<String>,
}

impl Settings {
    /// Settings that run only the named rules, with their default severities.
    pub fn only(rules: &[&str]) -> Settings {
        Settings {
            select: rules.iter().map(|r| r.to_string()).collect(),
            ..Settings::default()
        }
    }

    /// Checks every selector names at least one rule.
    pub fn validate(&self) -> Result<(), String> {
        // A ShellCheck code (`SC2086`) can be ignored or given a severity;
        // selecting runs the `shellcheck` rule as a whole.
        let silencing = self
            .ignore
            .iter()
            .chain(self.severity.iter().map(|(s, _)| s))
            .chain(self.per_path_ignores.iter().flat_map(|(_, s)| s))
            .filter(|s| crate::shellcheck::parse_code(s).is_none());
        let all = self
            .select
            .iter()
            .chain(&self.extend_select)
            .chain(silencing);
        for s in all {
            if catalog::select(s).is_empty() {
                return Err(format!(
                    "unknown rule selector `{s}` (a code like BL101, a name like full-python-base, a family, or ALL)"
                ));
            }
        }
        for (glob, _) in &self.per_path_ignores {
            glob_matcher(glob).map_err(|e| format!("per-path ignore `{glob}`: {e}"))?;
        }
        if let Some(c) = &self.buildkit_check {
            crate::check_directive::CheckDirective::parse(c)
                .map_err(|e| format!("buildkit-check {c:?}: {e}"))?;
        }
        Ok(())
    }

    /// The rules to run on a file (`path` as shown to the user).
    pub fn enabled_rules(&self, path: Option<&str>) -> Vec<&'static Rule> {
        let mut on: BTreeMap<&'static str, &'static Rule> = BTreeMap::new();
        if self.select.is_empty() {
            for r in catalog::all() {
                if !r.needs_config || self.configures(r) {
                    on.insert(r.code, r);
                }
            }
        } else {
            for s in &self.select {
                for r in catalog::select(s) {
                    on.insert(r.code, r);
                }
            }
        }
        for s in &self.extend_select {
            for r in catalog::select(s) {
                on.insert(r.code, r);
            }
        }
        for s in &self.ignore {
            for r in catalog::select(s) {
                on.remove(r.code);
            }
        }
        if let Some(path) = path {
            for (glob, selectors) in &self.per_path_ignores {
                if glob_matches(glob, path) {
                    for s in selectors {
                        for r in catalog::select(s) {
                            on.remove(r.code);
                        }
                    }
                }
            }
        }
        on.into_values().collect()
    }

    /// Whether the settings ignore ShellCheck code `code` (2086) on the
    /// file at `path`.
    pub fn ignores_shellcheck(&self, code: u32, path: Option<&str>) -> bool {
        let names = |s: &String| crate::shellcheck::parse_code(s) == Some(code);
        self.ignore.iter().any(names)
            || path.is_some_and(|path| {
                self.per_path_ignores
                    .iter()
                    .any(|(glob, sel)| glob_matches(glob, path) && sel.iter().any(names))
            })
    }

    /// The severity the settings give ShellCheck code `code`, if any.
    pub fn shellcheck_severity(&self, code: u32) -> Option<Severity> {
        self.severity
            .iter()
            .rev()
            .find(|(s, _)| crate::shellcheck::parse_code(s) == Some(code))
            .map(|(_, level)| *level)
    }

    fn configures(&self, rule: &Rule) -> bool {
        rule.code == crate::rules::security::untrusted_registry::RULE.code
            && !self.trusted_registries.is_empty()
    }

    /// Whether the settings run `rule` (anywhere: per-path ignores aside).
    pub fn enables(&self, rule: &Rule) -> bool {
        self.enabled_rules(None).iter().any(|r| r.code == rule.code)
    }

    /// The severity of a rule after overrides.
    pub fn severity_of(&self, rule: &Rule) -> Severity {
        let mut sev = rule.severity;
        for (s, level) in &self.severity {
            if catalog::select(s).iter().any(|r| r.code == rule.code) {
                sev = *level;
            }
        }
        sev
    }
}

/// Whether a glob matches a path: `*` and `?` within a component, `**` across
/// components (globset's syntax, as ruff's per-file-ignores); a glob without
/// `/` matches the file name in any directory.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let path = path.strip_prefix("./").unwrap_or(path);
    let Ok(m) = glob_matcher(glob) else {
        return false;
    };
    m.is_match(path) || !glob.contains('/') && m.is_match(path.rsplit('/').next().unwrap_or(path))
}

fn glob_matcher(glob: &str) -> Result<globset::GlobMatcher, globset::Error> {
    let glob = glob.strip_prefix("./").unwrap_or(glob);
    let g = globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()?;
    Ok(g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_and_severity() {
        let s = Settings {
            select: vec!["size".into(), "BL301".into()],
            ignore: vec!["pip-cache-kept".into()],
            severity: vec![("BL1".into(), Severity::Error)],
            per_path_ignores: vec![("docker/dev/**".into(), vec!["BL101".into()])],
            ..Settings::default()
        };
        s.validate().unwrap();
        let codes = |p| {
            s.enabled_rules(p)
                .iter()
                .map(|r| r.code)
                .collect::<Vec<_>>()
        };
        let main = codes(Some("Dockerfile"));
        assert!(main.contains(&"BL101") && main.contains(&"BL301"));
        assert!(!main.contains(&"BL102") && !main.contains(&"BL401"));
        assert!(!codes(Some("docker/dev/x/Dockerfile")).contains(&"BL101"));
        let full = catalog::find("full-python-base").unwrap();
        assert_eq!(s.severity_of(full), Severity::Error);
        let bad = Settings {
            ignore: vec!["BL999".into()],
            ..Settings::default()
        };
        assert!(bad.validate().unwrap_err().contains("BL999"));
        // untrusted-registry only runs with trusted registries configured.
        let default = Settings::default().enabled_rules(None);
        assert!(!default.iter().any(|r| r.name == "untrusted-registry"));
        let with = Settings {
            trusted_registries: vec!["docker.io".into()],
            ..Settings::default()
        };
        assert!(
            with.enabled_rules(None)
                .iter()
                .any(|r| r.name == "untrusted-registry")
        );
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*.Dockerfile", "ci/gpu.Dockerfile"));
        assert!(glob_matches("docker/**", "docker/a/b/Dockerfile"));
        assert!(glob_matches("**/dev/*", "x/dev/Dockerfile"));
        assert!(!glob_matches("docker/*", "docker/a/Dockerfile"));
        assert!(glob_matches("**/dev/*", "dev/Dockerfile"));
        assert!(glob_matches("./docker/*.dev", "./docker/app.dev"));
        assert!(glob_matches("{ci,docker}/**", "ci/x/Dockerfile"));
        assert!(!glob_matches("Dockerfile?", "Dockerfile"));
        assert!(glob_matches("Dockerfile?", "a/Dockerfile2"));
        let bad = Settings {
            per_path_ignores: vec![("docker/[a".into(), vec!["BL101".into()])],
            ..Settings::default()
        };
        let err = bad.validate().unwrap_err();
        assert!(err.starts_with("per-path ignore `docker/[a`: "), "{err}");
    }
}
