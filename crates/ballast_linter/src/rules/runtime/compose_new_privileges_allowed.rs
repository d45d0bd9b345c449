//! ## What it does
//! Flags a service the project builds whose `security_opt` lacks
//! `no-new-privileges:true`.
//!
//! ## Why it matters
//! Without it a process in the container can gain privileges by running a
//! set-user-ID program (`sudo`, `su`, a planted binary). With it, the
//! kernel refuses: the process never has more rights than it started with.
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
//!     security_opt:
//!       - no-new-privileges:true
//! ```
//!
//! ## Fix safety
//! Safe unless the image uses or installs a set-user-ID tool (`sudo`,
//! `gosu`, `su-exec`): then unsafe, since a `sudo` it runs would fail.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::compose::{Change, ServiceCx};
use crate::finding::{Finding, Fix};

use super::{judged_on_base, missing};

pub(crate) static RULE: Rule = Rule {
    code: "BL906",
    name: "compose-new-privileges-allowed",
    family: Family::Runtime,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A built service may gain privileges (no `no-new-privileges:true`)",
    compose: Some(check),
    ..Rule::OPTIONAL
};

/// Whether a `security_opt` item turns no-new-privileges on.
fn is_on(item: &str) -> bool {
    let item = item.trim();
    item == "no-new-privileges"
        || item == "no-new-privileges:true"
        || item == "no-new-privileges=true"
}

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let set = cx
        .service
        .setting("security_opt")
        .is_some_and(|o| o.items().iter().any(|i| i.text().is_some_and(is_on)));
    if !cx.is_built() || judged_on_base(cx) || set {
        return;
    }
    let tool = cx.image.and_then(|f| f.setuid_tool.clone());
    let message = cx.says(
        "Add `security_opt: [no-new-privileges:true]`",
        "Set `securityContext.allowPrivilegeEscalation: false`",
    );
    let unsafe_ = tool.is_some();
    let fix = || {
        cx.fix(&[Change::Append(
            "security_opt",
            "no-new-privileges:true".to_string(),
        )])
        .map(|e| {
            if unsafe_ {
                Fix::unsafe_(message, vec![e])
            } else {
                Fix::safe(message, vec![e])
            }
        })
    };
    let why = tool.map_or(String::new(), |t| {
        format!(" (the image has {t}: it would stop working)")
    });
    let f = missing(
        &RULE,
        cx,
        format!(
            "{} can gain privileges through set-user-ID programs{why}",
            cx.service.describe()
        ),
    )
    .help(cx.says(
        "add `no-new-privileges:true` to `security_opt`",
        "set `securityContext.allowPrivilegeEscalation: false`",
    ));
    out.push(f.maybe_fix(fix()));
}
