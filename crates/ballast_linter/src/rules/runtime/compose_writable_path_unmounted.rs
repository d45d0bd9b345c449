//! ## What it does
//! Flags a read-only service (`read_only: true`) whose image writes a path
//! no `tmpfs` or volume covers: `/tmp`, a directory its Dockerfile creates
//! for the app, a model cache (`HF_HOME`, `TORCH_HOME`, or `~/.cache` for
//! an ML image that sets none).
//!
//! ## Why it matters
//! On a read-only root those writes fail at run time: uploads, temporary
//! files and the first model download raise `Read-only file system`, often
//! only on the first request that needs them.
//!
//! ## Example
//! ```yaml
//! services:
//!   api:
//!     build: .
//!     read_only: true
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
//!     volumes:
//!       - hf-cache:/home/app/.cache
//! ```
//!
//! ## Fix safety
//! Safe for `/tmp` and an empty directory the build creates: the fix adds
//! a `tmpfs` there, which only makes writable what was not. No fix for a
//! model cache: a tmpfs would hide what the image put there and lose the
//! downloads at every restart, so it needs a volume, which is yours to
//! name.

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::compose::{Change, ServiceCx};
use crate::finding::{Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL902",
    name: "compose-writable-path-unmounted",
    family: Family::Runtime,
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A read-only service's image writes a path no tmpfs or volume covers",
    compose: Some(check),
    ..Rule::OPTIONAL
};

fn check(cx: &ServiceCx<'_>, out: &mut Vec<Finding>) {
    let read_only = cx.service.setting("read_only").is_some_and(|v| v.is_true());
    let (Some(facts), true, false) = (cx.image, read_only, super::judged_on_base(cx)) else {
        return;
    };
    // Where it is written here, else (inherited) the service's name.
    let span = cx
        .service
        .key_span("read_only")
        .unwrap_or(cx.service.key_span);
    for w in facts.unwritable_in(cx.service) {
        let f = Finding::new(
            &RULE,
            span,
            format!(
                "{} is read-only but its image writes {} ({})",
                cx.service.describe(),
                w.path,
                w.why
            ),
        );
        if w.holds_files {
            out.push(f.help(format!("mount a volume at {}", w.path)));
        } else {
            let f = f.help(format!(
                "{} {}",
                cx.says("add to `tmpfs`:", "mount an `emptyDir` volume at"),
                w.path
            ));
            let fix = cx
                .fix(&[Change::Append("tmpfs", w.path.clone())])
                .map(|e| Fix::safe(format!("Add a tmpfs at {}", w.path), vec![e]));
            out.push(f.maybe_fix(fix));
        }
    }
}
