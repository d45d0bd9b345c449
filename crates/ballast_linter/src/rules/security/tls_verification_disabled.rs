//! ## What it does
//! Flags switches that turn off TLS or signature verification: `curl -k`,
//! `wget --no-check-certificate`, `pip --trusted-host`, `git -c
//! http.sslVerify=false`, `apt-get --allow-unauthenticated`, `apk
//! --allow-untrusted`, `dnf --nogpgcheck`, and environment settings such as
//! `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY`,
//! `NODE_TLS_REJECT_UNAUTHORIZED=0` (in RUN, ENV or ARG).
//!
//! ## Why it matters
//! Without verification anyone on the network path can substitute the
//! packages or scripts the build installs. Set in ENV, the switch also
//! applies to the running service.
//!
//! ## Example
//! ```dockerfile
//! RUN pip install --trusted-host pypi.internal -r requirements.txt
//! ```
//!
//! Use instead: install the internal CA certificate
//! (`COPY ca.crt /usr/local/share/ca-certificates/` and
//! `update-ca-certificates`, or `PIP_CERT`).
//!
//! ## Fix safety
//! No automatic fix.

use ballast_dockerfile::Keyword;
use ballast_dockerfile::stages::env_pairs;
use ballast_shell::misc::{is_tls_bypass_env, tls_bypasses};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL406",
    name: "tls-verification-disabled",
    family: Family::Security,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "TLS or signature verification is turned off",
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for run in cx.reachable_runs() {
        for (part, cmd) in run.commands() {
            let found = tls_bypasses(cmd);
            if !found.is_empty() {
                out.push(
                    Finding::new(
                        &RULE,
                        part.span(cmd.span),
                        format!("verification turned off: {}", found.join(", ")),
                    )
                    .help("trust the right CA certificate instead of disabling verification"),
                );
            }
        }
    }
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if !matches!(inst.keyword, Keyword::Env | Keyword::Arg)
            || !(cx.is_reachable(i) || cx.stage_of(i).is_none())
        {
            continue;
        }
        let pairs: Vec<(String, String)> = if inst.keyword == Keyword::Env {
            env_pairs(inst)
        } else {
            inst.values()
                .iter()
                .filter_map(|v| {
                    v.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        };
        for (k, v) in pairs {
            if is_tls_bypass_env(&k, &v) {
                out.push(
                    Finding::new(
                        &RULE,
                        inst.span,
                        format!(
                            "{} {k}={v} turns verification off",
                            inst.keyword_text.to_ascii_uppercase()
                        ),
                    )
                    .help("trust the right CA certificate instead of disabling verification"),
                );
            }
        }
    }
}
