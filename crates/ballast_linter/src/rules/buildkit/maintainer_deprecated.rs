//! ## What it does
//! Flags `MAINTAINER`, deprecated since Docker 1.13.
//!
//! ## Why it matters
//! `MAINTAINER` fills the image's `Author` field, which nothing reads; the
//! OCI label `org.opencontainers.image.authors` is what registries, SBOM
//! tools and `docker inspect` users look for.
//!
//! ## Example
//! ```dockerfile
//! MAINTAINER ml-platform@example.com
//! ```
//!
//! Use instead:
//! ```dockerfile
//! LABEL org.opencontainers.image.authors="ml-platform@example.com"
//! ```
//!
//! ## Fix safety
//! Unsafe: the image gains a label and loses its `Author` field; anything
//! reading that field sees the change.

use ballast_dockerfile::Keyword;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Edit, Finding, Fix};

pub(crate) static RULE: Rule = Rule {
    code: "BL608",
    name: "maintainer-deprecated",
    family: Family::Buildkit,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    hadolint: &["DL4000"],
    buildkit: Some("MaintainerDeprecated"),
    check,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    for inst in &cx.df.instructions {
        if inst.keyword != Keyword::Maintainer {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            inst.span,
            "Maintainer instruction is deprecated in favor of using label",
        );
        if let Some(rest) = inst.rest_span {
            let who = rest.text(cx.source).trim();
            let who = who
                .trim_matches('"')
                .replace('\\', "\\\\")
                .replace('"', "\\\"");
            let label = format!("LABEL org.opencontainers.image.authors=\"{who}\"");
            f = f.fix(Fix::unsafe_(
                "Use the OCI authors label",
                vec![Edit::replace(inst.span, label)],
            ));
        }
        out.push(f);
    }
}
