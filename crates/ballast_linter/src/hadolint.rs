//! hadolint's DL rules and what answers each in ballast, for teams moving
//! from hadolint: the rules that cover a code are the ones listing it in
//! their `hadolint` field (the one home of that judgement, also read by
//! `# hadolint ignore=` and `.hadolint.yaml`); the codes no rule covers
//! say why here. hadolint's SC codes are ShellCheck's.

use crate::catalog::{self, Rule};

/// One of hadolint's DL rules.
#[derive(Debug, Clone, Copy)]
struct Dl {
    code: &'static str,
    summary: &'static str,
    /// Why no ballast rule covers it (empty when one does).
    not_covered: &'static str,
}

const fn dl(code: &'static str, summary: &'static str, not_covered: &'static str) -> Dl {
    Dl {
        code,
        summary,
        not_covered,
    }
}

const PIN: &str = "not covered: `package-version-unpinned` (opt-in) judges apt, apk and pip; this manager is not judged yet";
const LABELS: &str = "not covered: ballast has no label-schema rules";

/// hadolint 2.14's DL rules (its README table and `src/Hadolint/Rule`).
const DL_RULES: &[Dl] = &[
    dl(
        "DL1001",
        "Please refrain from using inline ignore pragmas",
        "not covered: a style preference (off by default in hadolint too)",
    ),
    dl("DL3000", "Use absolute WORKDIR", ""),
    dl(
        "DL3001",
        "Pointless commands in a container (ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig)",
        "not covered: the tools matter to some images; not judged yet",
    ),
    dl("DL3002", "Last USER should not be root", ""),
    dl("DL3003", "Use WORKDIR to switch to a directory", ""),
    dl("DL3004", "Do not use sudo", ""),
    dl(
        "DL3006",
        "Always tag the version of an image explicitly",
        "",
    ),
    dl("DL3007", "Using latest is prone to errors", ""),
    dl("DL3008", "Pin versions in apt-get install", ""),
    dl(
        "DL3009",
        "Delete the apt-get lists after installing something",
        "",
    ),
    dl(
        "DL3010",
        "Use ADD for extracting archives into an image",
        "not covered: extracting in a RUN is often deliberate (checksums, filtering)",
    ),
    dl(
        "DL3011",
        "Valid UNIX ports range from 0 to 65535",
        "not covered yet",
    ),
    dl("DL3012", "Multiple HEALTHCHECK instructions", ""),
    dl("DL3013", "Pin versions in pip", ""),
    dl(
        "DL3014",
        "Use the -y switch to avoid manual input in apt-get install",
        "",
    ),
    dl(
        "DL3015",
        "Avoid additional packages by specifying --no-install-recommends",
        "",
    ),
    dl("DL3016", "Pin versions in npm", PIN),
    dl("DL3018", "Pin versions in apk add", ""),
    dl("DL3019", "Use the --no-cache switch with apk add", ""),
    dl(
        "DL3020",
        "Use COPY instead of ADD for files and folders",
        "",
    ),
    dl(
        "DL3021",
        "COPY with more than 2 arguments requires the last argument to end with /",
        "not covered: BuildKit builds it (the destination is made a directory)",
    ),
    dl(
        "DL3022",
        "COPY --from should reference a previously defined FROM alias",
        "",
    ),
    dl(
        "DL3023",
        "COPY --from cannot reference its own FROM alias",
        "",
    ),
    dl("DL3024", "FROM aliases (stage names) must be unique", ""),
    dl(
        "DL3025",
        "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
        "",
    ),
    dl(
        "DL3026",
        "Use only an allowed registry in the FROM image",
        "",
    ),
    dl(
        "DL3027",
        "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache",
        "",
    ),
    dl("DL3028", "Pin versions in gem install", PIN),
    dl("DL3029", "Do not use --platform flag with FROM", ""),
    dl(
        "DL3030",
        "Use the -y switch to avoid manual input in yum install",
        "not covered yet",
    ),
    dl("DL3032", "yum clean all missing after yum command", ""),
    dl("DL3033", "Specify version with yum install", PIN),
    dl(
        "DL3034",
        "Non-interactive switch missing from zypper command",
        "not covered yet",
    ),
    dl(
        "DL3035",
        "Do not use zypper dist-upgrade",
        "not covered yet",
    ),
    dl(
        "DL3036",
        "zypper clean missing after zypper use",
        "not covered yet: zypper's cache is not sized",
    ),
    dl("DL3037", "Specify version with zypper install", PIN),
    dl(
        "DL3038",
        "Use the -y switch to avoid manual input in dnf install",
        "not covered yet",
    ),
    dl("DL3040", "dnf clean all missing after dnf command", ""),
    dl("DL3041", "Specify version with dnf install", PIN),
    dl("DL3042", "Avoid use of cache directory with pip", ""),
    dl(
        "DL3043",
        "ONBUILD, FROM or MAINTAINER triggered from within ONBUILD",
        "not covered: BuildKit rejects these when the trigger runs",
    ),
    dl(
        "DL3044",
        "Do not refer to an environment variable within the same ENV statement where it is defined",
        "not covered yet",
    ),
    dl(
        "DL3045",
        "COPY to a relative destination without WORKDIR set",
        "",
    ),
    dl(
        "DL3046",
        "useradd without flag -l and high UID will result in excessively large image",
        "not covered yet",
    ),
    dl(
        "DL3047",
        "wget without flag --progress will result in excessively bloated build logs",
        "not covered: logs, not images",
    ),
    dl("DL3048", "Invalid label key", LABELS),
    dl("DL3049", "Label is missing", LABELS),
    dl("DL3050", "Superfluous label(s) present", LABELS),
    dl("DL3051", "Label is empty", LABELS),
    dl("DL3052", "Label is not a valid URL", LABELS),
    dl("DL3053", "Label is not a valid time format", LABELS),
    dl("DL3054", "Label is not a valid SPDX license", LABELS),
    dl("DL3055", "Label is not a valid git hash", LABELS),
    dl(
        "DL3056",
        "Label does not conform to semantic versioning",
        LABELS,
    ),
    dl(
        "DL3057",
        "HEALTHCHECK instruction missing",
        "not covered: many services are checked by their orchestrator",
    ),
    dl("DL3058", "Label is not a valid email", LABELS),
    dl(
        "DL3059",
        "Multiple consecutive RUN instructions; consider consolidation",
        "",
    ),
    dl(
        "DL3060",
        "yarn cache clean missing after yarn install",
        "not covered yet: the yarn cache is not sized",
    ),
    dl(
        "DL3061",
        "Invalid instruction order: a Dockerfile must begin with FROM, ARG or a comment",
        "a parse error in ballast, as in BuildKit (exit 2)",
    ),
    dl("DL3062", "Pin versions in go install", PIN),
    dl("DL3063", "A USER instruction should be specified", ""),
    dl(
        "DL3064",
        "Sensitive data should not be used in ARG or ENV",
        "",
    ),
    dl(
        "DL3065",
        "Setting FROM --platform to the predefined $TARGETPLATFORM is redundant",
        "",
    ),
    dl("DL3066", "Use a numeric user ID", ""),
    dl("DL3067", "COPY --from copies a whole filesystem", ""),
    dl("DL4000", "MAINTAINER is deprecated", ""),
    dl(
        "DL4001",
        "Either use wget or curl, but not both",
        "not covered yet",
    ),
    dl("DL4003", "Multiple CMD instructions found", ""),
    dl("DL4004", "Multiple ENTRYPOINT instructions found", ""),
    dl(
        "DL4005",
        "Use SHELL to change the default shell",
        "not covered yet",
    ),
    dl(
        "DL4006",
        "Set the SHELL option -o pipefail before RUN with a pipe in it",
        "",
    ),
];

/// One DL code and what answers it.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub code: &'static str,
    pub summary: &'static str,
    /// The ballast rules that are the same check (empty: not covered).
    pub rules: Vec<&'static Rule>,
    /// Why nothing covers it (empty when a rule does).
    pub note: &'static str,
}

/// The ballast rules that are the check of a hadolint code (any case).
pub fn rules_for(code: &str) -> Vec<&'static Rule> {
    catalog::all()
        .iter()
        .copied()
        .filter(|r| r.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)))
        .collect()
}

/// Every DL code, in order, with what covers it.
pub fn mapping() -> Vec<Mapping> {
    DL_RULES
        .iter()
        .map(|d| Mapping {
            code: d.code,
            summary: d.summary,
            rules: rules_for(d.code),
            note: d.not_covered,
        })
        .collect()
}

/// Whether hadolint has a DL rule of that code.
pub fn is_dl_code(code: &str) -> bool {
    DL_RULES.iter().any(|d| d.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_covered_or_says_why() {
        for m in mapping() {
            assert!(
                m.rules.is_empty() != m.note.is_empty(),
                "{}: a rule and a note, or neither",
                m.code
            );
        }
        // Every code a rule claims is one of hadolint's.
        for r in catalog::all() {
            for h in r.hadolint {
                assert!(is_dl_code(h), "{} claims unknown {h}", r.name);
            }
        }
        let m = mapping();
        assert!(m.len() >= 60);
        let dl3042 = m.iter().find(|x| x.code == "DL3042").unwrap();
        assert_eq!(dl3042.rules[0].name, "pip-cache-kept");
    }
}
