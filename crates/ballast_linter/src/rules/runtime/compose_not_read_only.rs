//! ## What it does
//! Flags a service the project builds whose container has a writable root
//! file system: no `read_only: true`.
//!
//! ## Why it matters
//! With a writable root, anything that gets code execution in the service
//! (a malicious model file, a deserialisation bug) can rewrite the
//! application, drop tools into `/usr/local/bin` or persist in the image's
//! directories until the container is recreated. A read-only root with
//! `tmpfs` for scratch space leaves only the paths you chose writable.
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
//!     read_only: true
//!     tmpfs:
//!       - /tmp
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix adds `read_only: true` and a `tmpfs` for every path the
//! Dockerfile shows the process writing that no mount covers yet (`/tmp`,
//! empty directories it creates with `mkdir`); ballast cannot see every
//! path a process writes (a directory the image copies the app into is
//! taken as code, not data), so a write elsewhere fails after the fix. No
//! fix when a model cache would need to stay writable: give it a volume
//! first (`ballast check` shows the block with one).

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::compose::{Change, ServiceCx};
use crate::finding::{Finding, Fix};

use super::{judged_on_base, missing};

pub(crate) static RULE: Rule = Rule {
    code: "BL901",
    name: "compose-not-read-only",
    family: Family::Runtime,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "A built service's container has a writable root file system",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    if !cx.is_built()
        || judged_on_base(cx)
        || cx.service.setting("read_only").is_some_and(|v| v.is_true())
    {
        return;
    }
    let f = missing(
        &RULE,
        cx,
        format!(
            "{} runs with a writable root file system",
            cx.service.describe()
        ),
    )
    .help(
        cx.says(
        "add `read_only: true`, with `tmpfs` (scratch) or volumes (data) for the paths it writes",
        "set `securityContext.readOnlyRootFilesystem: true`, with `emptyDir` volumes for the paths it writes",
    ),
    );
    let Some(facts) = cx.image else {
        out.push(f);
        return;
    };
    let needed = facts.unwritable_in(cx.service);
    if let Some(kept) = needed.iter().find(|w| w.holds_files) {
        out.push(f.help(format!(
            "{} must stay writable ({}): mount a volume there before making the root read-only",
            kept.path, kept.why
        )));
        return;
    }
    let mut changes = vec![Change::SetTrue("read_only")];
    changes.extend(
        needed
            .iter()
            .map(|w| Change::Append("tmpfs", w.path.clone())),
    );
    let paths: Vec<&str> = needed.iter().map(|w| w.path.as_str()).collect();
    let message = if paths.is_empty() {
        "Add `read_only: true`".to_string()
    } else {
        format!("Add `read_only: true` and a tmpfs at {}", paths.join(", "))
    };
    out.push(f.maybe_fix(cx.fix(&changes).map(|e| Fix::unsafe_(message, vec![e]))));
}
