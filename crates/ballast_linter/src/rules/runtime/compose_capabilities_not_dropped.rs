//! ## What it does
//! Flags a service the project builds that keeps Docker's default
//! capabilities: no `cap_drop: [ALL]`.
//!
//! ## Why it matters
//! Docker gives every container fourteen capabilities (CHOWN, DAC_OVERRIDE,
//! FOWNER, SETUID, NET_RAW, ...). A Python web or inference service needs
//! none of them; an attacker who gets a shell in it can use each. Drop all
//! and add back only what is needed (`cap_add: [NET_BIND_SERVICE]` to bind
//! a port below 1024 as root).
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     build: .
//! ```
//!
//! Use instead:
//! ```yaml
//! services:
//!   api:
//!     build: .
//!     cap_drop:
//!       - ALL
//! ```
//!
//! ## Fix safety
//! Safe when the image runs as a non-root user and uses no set-user-ID
//! tool: such a process holds no capability anyway. Unsafe when it runs
//! as root (it may chown, bind a low port, or write files it does not own)
//! or switches user in its entrypoint (gosu and su-exec need SETUID and
//! SETGID): add those back with `cap_add` if it then fails.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::compose::{Change, ImageUser, ServiceCx};
use crate::finding::{Finding, Fix};

use super::{judged_on_base, missing, runs_as};

pub(crate) static RULE: Rule = Rule {
    code: "BL903",
    name: "compose-capabilities-not-dropped",
    family: Family::Runtime,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A built service keeps Docker's default capabilities",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let drops_all = cx.service.setting("cap_drop").is_some_and(|d| {
        d.items()
            .iter()
            .any(|i| i.text().is_some_and(|t| t.eq_ignore_ascii_case("all")))
    });
    if !cx.is_built() || judged_on_base(cx) || drops_all {
        return;
    }
    let safe = cx
        .image
        .is_some_and(|f| matches!(f.user, ImageUser::NonRoot(_)) && f.setuid_tool.is_none());
    let message = cx.says(
        "Add `cap_drop: [ALL]`",
        "Set `securityContext.capabilities.drop: [ALL]`",
    );
    let fix = || {
        cx.fix(&[Change::Append("cap_drop", "ALL".to_string())])
            .map(|e| {
                if safe {
                    Fix::safe(message, vec![e])
                } else {
                    Fix::unsafe_(message, vec![e])
                }
            })
    };
    let why = match runs_as(cx) {
        Some(r) if !safe => format!(" ({r}: it may need some back with `cap_add`)"),
        _ => String::new(),
    };
    let f = missing(
        &RULE,
        cx,
        format!(
            "{} keeps {} default capabilities{why}",
            cx.service.describe(),
            cx.says("Docker's", "the container runtime's")
        ),
    )
    .help(cx.says(
        "add `cap_drop: [ALL]`, and `cap_add` only what the service needs",
        "set `securityContext.capabilities.drop: [ALL]`, and `add` only what the container needs",
    ));
    out.push(f.maybe_fix(fix()));
}
