//! BuildKit's check controls: the `# check=` parser directive at the top
//! of a Dockerfile (`skip=Rule1,Rule2` or `skip=all`, `error=true`,
//! `experimental=Rule|all`, joined by `;`), and the setting that replaces
//! it as BuildKit's `BUILDKIT_DOCKERFILE_CHECK` build argument does
//! (`buildkit-check` in `[lint]`). They govern the rules BuildKit has a
//! name for: the `buildkit` family and the ballast rules that answer to a
//! BuildKit name.

use ballast_dockerfile::Dockerfile;

use crate::catalog::{self, Rule, Severity};

/// The controls in effect for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckDirective {
    skip_all: bool,
    skip: Vec<&'static str>,
    /// `error=true`: the checks' findings fail the build (severity error).
    pub error: bool,
    experimental_all: bool,
    experimental: Vec<&'static str>,
}

impl CheckDirective {
    /// Reads `skip=...;error=...;experimental=...`; the error names the
    /// part that is wrong.
    pub fn parse(value: &str) -> Result<CheckDirective, String> {
        let mut out = CheckDirective::default();
        for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected key=value"))?;
            match key.trim().to_ascii_lowercase().as_str() {
                "skip" => out.skip_all |= names(v, &mut out.skip)?,
                "experimental" => out.experimental_all |= names(v, &mut out.experimental)?,
                "error" => {
                    out.error = match v.trim().to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        other => return Err(format!("error={other}: expected true or false")),
                    }
                }
                other => {
                    return Err(format!(
                        "unknown check option `{other}` (skip, error, experimental)"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The controls for a file: the setting when given (it replaces the
    /// file's directive, as the build argument does in BuildKit), else the
    /// file's `# check=` directive. The error names the directive's line
    /// (`None`: the setting).
    pub fn of(
        df: &Dockerfile,
        setting: Option<&str>,
    ) -> Result<CheckDirective, (Option<usize>, String)> {
        match setting {
            Some(s) => {
                CheckDirective::parse(s).map_err(|e| (None, format!("buildkit-check setting: {e}")))
            }
            None => match df.directives.iter().find(|d| d.name == "check") {
                Some(d) => CheckDirective::parse(&d.value)
                    .map_err(|e| (Some(d.line), format!("# check= directive: {e}"))),
                None => Ok(CheckDirective::default()),
            },
        }
    }

    /// Whether the controls turn `rule` off.
    pub fn skips(&self, rule: &Rule) -> bool {
        rule.buildkit.is_some() && (self.skip_all || self.skip.contains(&rule.code))
    }

    /// Whether the controls turn on an experimental `rule`.
    pub fn enables(&self, rule: &Rule) -> bool {
        rule.buildkit.is_some()
            && rule.needs_config
            && (self.experimental_all || self.experimental.contains(&rule.code))
    }

    /// The severity of a finding of `rule` under the controls.
    pub fn severity(&self, rule: &Rule, severity: Severity) -> Severity {
        if self.error && rule.buildkit.is_some() {
            Severity::Error
        } else {
            severity
        }
    }
}

/// The rule a BuildKit check name (or any name of a rule BuildKit has a
/// name for) names.
pub fn buildkit_rule(name: &str) -> Option<&'static Rule> {
    catalog::find(name).filter(|r| r.buildkit.is_some())
}

/// Adds the codes of the rules a comma list names; true for `all`.
fn names(list: &str, into: &mut Vec<&'static str>) -> Result<bool, String> {
    let mut all = false;
    for n in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if n.eq_ignore_ascii_case("all") {
            all = true;
            continue;
        }
        match buildkit_rule(n) {
            Some(r) => into.push(r.code),
            None => return Err(format!("`{n}` is not a BuildKit check")),
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_and_settings() {
        let d = CheckDirective::parse("skip=FromAsCasing,stage-name-casing;error=true").unwrap();
        let from_as = catalog::find("FromAsCasing").unwrap();
        let casing = catalog::find("ConsistentInstructionCasing").unwrap();
        assert!(d.skips(from_as) && d.skips(catalog::find("BL601").unwrap()));
        assert!(!d.skips(casing));
        assert_eq!(d.severity(casing, Severity::Warning), Severity::Error);
        let pip = catalog::find("pip-cache-kept").unwrap();
        assert_eq!(d.severity(pip, Severity::Warning), Severity::Warning);
        let all = CheckDirective::parse("skip=all").unwrap();
        assert!(all.skips(casing) && !all.skips(pip));
        assert!(all.skips(catalog::find("SecretsUsedInArgOrEnv").unwrap()));
        let exp = CheckDirective::parse("experimental=CopyIgnoredFile").unwrap();
        assert!(exp.enables(catalog::find("copy-ignored-file").unwrap()));
        assert!(!exp.enables(catalog::find("invalid-definition-description").unwrap()));
        assert!(
            CheckDirective::parse("skip=NoSuchCheck")
                .unwrap_err()
                .contains("NoSuchCheck")
        );
        assert!(CheckDirective::parse("error=maybe").is_err());
        let df = Dockerfile::parse("# check=skip=all\nFROM scratch as base\n");
        assert!(CheckDirective::of(&df, None).unwrap().skips(from_as));
        // The setting replaces the file's directive.
        assert!(
            !CheckDirective::of(&df, Some("error=true"))
                .unwrap()
                .skips(from_as)
        );
    }
}
