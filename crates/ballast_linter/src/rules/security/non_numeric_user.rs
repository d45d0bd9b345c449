//! ## What it does
//! Flags the image's last `USER` (the one the container runs as) when it
//! names a user (`app`, `app:app`) rather than a numeric ID.
//!
//! ## Why it matters
//! A runtime that must prove a container does not run as root reads the
//! image's user without looking inside the image: Kubernetes'
//! `runAsNonRoot: true` refuses to start an image whose user is a name
//! ("image has non-numeric user ... cannot verify user is non-root"), and
//! so do admission policies that check the same. `USER 10001` (created
//! with that ID) is verifiable everywhere; the name can stay for humans in
//! `/etc/passwd`.
//!
//! ## Example
//! ```dockerfile
//! RUN useradd --create-home app
//! USER app
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN useradd --create-home --uid 10001 app
//! USER 10001
//! ```
//!
//! ## Fix safety
//! No automatic fix: the ID the user was created with is not always known.

use ballast_dockerfile::Keyword;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::Finding;

pub(crate) static RULE: Rule = Rule {
    code: "BL409",
    name: "non-numeric-user",
    family: Family::Security,
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "USER names a user, not a numeric ID a runtime can verify",
    hadolint: &["DL3066"],
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    // The user the container runs as: the last USER of the image.
    let Some(i) = cx
        .image_instructions()
        .into_iter()
        .rfind(|&i| cx.df.instructions[i].keyword == Keyword::User)
    else {
        return;
    };
    let Some(arg) = cx.df.instructions[i].args.first() else {
        return;
    };
    let value = match cx.scope(i) {
        Some(s) => s.expand_keep_unknown(&arg.value, cx.df.escape),
        None => arg.value.clone(),
    };
    let user = value.split(':').next().unwrap_or("");
    // Root is root-user's finding; a variable is not known.
    let skip = user.is_empty() || user == "root" || user.contains('$');
    if skip || user.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    out.push(
        Finding::new(
            &RULE,
            arg.span,
            format!("`USER {value}`: a runtime checking for non-root (Kubernetes `runAsNonRoot`) cannot verify a name"),
        )
        .help("create the user with a fixed ID (`useradd --uid 10001 ...`) and write `USER 10001`"),
    );
}
