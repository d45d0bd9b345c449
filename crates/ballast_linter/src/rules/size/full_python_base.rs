//! ## What it does
//! Flags a stage whose files end up in the image and that is built on a full
//! `python` image (`python:3.11`, `python:3.11-bookworm`, or no tag at all)
//! instead of its `-slim` variant. Builder stages may keep the full image.
//!
//! ## Why it matters
//! The full image carries compilers, headers and hundreds of Debian packages
//! for building software: python:3.11-bookworm is 1.01 GB against 131 MB for
//! python:3.11-slim-bookworm. A service needs none of that at run time, and
//! every pull and push moves it.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.11
//! ```
//!
//! Use instead:
//! ```dockerfile
//! FROM python:3.11-slim
//! ```
//!
//! ## Fix safety
//! Unsafe: the slim image has no compilers and fewer shared libraries, so a
//! `pip install` that builds from source, or a package linking a missing
//! library, fails until those are installed (best in a builder stage).

use ballast_ml::images::{PythonFlavor, python_flavor, slim_tag};

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::{Checker, FromImage};
use crate::finding::{Edit, Finding, Fix, Savings};
use crate::rules::common::base_saving;

pub(crate) static RULE: Rule = Rule {
    code: "BL101",
    name: "full-python-base",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "The image is built on a full python base instead of -slim",
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let full_python = cx
        .from_images(&cx.image_stages)
        .filter(|b| python_flavor(&b.reference) == Some(PythonFlavor::Full));
    for FromImage {
        image,
        reference: r,
        span,
        literal,
        ..
    } in full_python
    {
        let tag = r.effective_tag().unwrap_or("latest");
        let slim = slim_tag(tag);
        let (bytes, basis) = base_saving(image, &format!("python:{slim}"), "full python");
        let fix = (literal && r.digest.is_none()).then(|| {
            let text = span.text(cx.source);
            let new = match r.tag {
                Some(t) => format!("{}{slim}", &text[..text.len() - t.len()]),
                None => format!("{text}:{slim}"),
            };
            Fix::unsafe_(
                format!("Use `{new}`; it has no gcc, make or -dev headers, so packages built from source need them installed (best in a builder stage)"),
                vec![Edit::replace(span, new)],
            )
        });
        out.push(
            Finding::new(
                &RULE,
                span,
                format!("`{image}` is the full Python image; the image only needs `python:{slim}`"),
            )
            .help("build in a stage on the full image if you compile, and run on -slim")
            .savings(Savings::image(bytes, basis))
            .maybe_fix(fix),
        );
    }
}
