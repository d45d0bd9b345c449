//! ## What it does
//! Flags `apt-get install` (or `apt install`) without
//! `--no-install-recommends` in a stage whose files end up in the image,
//! unless an earlier RUN configured apt not to install recommended packages
//! (`APT::Install-Recommends "false"`).
//!
//! The cost is what the named packages' recommendations add on the
//! stage's distribution (Debian 12 or 13, Ubuntu 22.04 or 24.04, told by
//! the base image; Debian 13 when it does not say), from the dated table of
//! `ballast_ml::apt`, made from the distributions' package lists. When the
//! table says the packages recommend nothing the base image lacks, there is
//! no finding. Packages a third-party source added earlier in the build
//! provides (NodeSource's `nodejs`, ...) are not in that table: when only
//! such packages are installed, the finding is info.
//!
//! ## Why it matters
//! Recommended packages are extras: documentation, GUI helpers, alternative
//! tools, and sometimes a whole compiler: `python3-pip` recommends
//! `build-essential` and `python3-dev`, so gcc ships (about 380 MB on
//! Debian 12).
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y libgomp1
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends libgomp1
//! ```
//!
//! ## Fix safety
//! Unsafe: a program may rely on a package that was only recommended; check
//! the image still works. No fix when the recommendations bring a compiler
//! and a later step installs Python packages, which may build with it.

use ballast_context::cost::OsBase;
use ballast_ml::apt::{Recommended, recommended};
use ballast_shell::os::Action;

use crate::catalog::{Family, FixAvailability, Rule, Severity};
use crate::checker::Checker;
use crate::finding::{Finding, Fix, Savings};
use crate::rules::common::{insert_after_word, package_commands};

pub(crate) static RULE: Rule = Rule {
    code: "BL104",
    name: "apt-recommends-installed",
    family: Family::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "apt installs recommended packages too",
    hadolint: &["DL3015"],
    check,
    shipped_only: true,
    ..Rule::OPTIONAL
};

fn check(cx: &Checker<'_>, out: &mut Vec<Finding>) {
    let mut configured = false;
    // The text of every RUN so far: where third-party apt sources are added.
    let mut build_text: Vec<&str> = Vec::new();
    for run in cx.image_runs() {
        build_text.extend(run.parts.iter().map(|p| p.text.as_str()));
        for (part, cmd, pc) in package_commands(run) {
            if !pc.manager.is_apt() || pc.action != Action::Install {
                continue;
            }
            if configured || pc.no_recommends() {
                continue;
            }
            let (third, names): (Vec<&str>, Vec<&str>) = pc
                .packages
                .iter()
                .map(|w| w.text.as_str())
                .partition(|n| ballast_ml::apt::third_party_source(n, &build_text).is_some());
            let os = cx.os_base(run.index);
            let rec = recommended(os.distro, &names, os.buildpack);
            if rec
                .as_ref()
                .is_some_and(|r| r.packages == 0 && r.unknown.is_empty() && third.is_empty())
            {
                continue; // nothing recommended that the base lacks
            }
            // A compiler that comes as a recommendation may be what a later
            // pip install builds with: leaving it out is not mechanical.
            let brings_compiler = rec.as_ref().is_some_and(|r| {
                r.added
                    .iter()
                    .any(|p| ballast_ml::packages::is_toolchain(p))
            });
            let later_python = cx
                .reachable_runs()
                .any(|r| r.index > run.index && !cx.python_installs(r).is_empty());
            let fix = insert_after_word(part, cmd, pc.action_word, "--no-install-recommends")
                .filter(|_| !(brings_compiler && later_python))
                .map(|e| Fix::unsafe_("Add `--no-install-recommends`", vec![e]));
            let tool = cmd.name().unwrap_or("apt-get");
            let (message, savings) = describe(tool, rec.as_ref(), &os);
            let only_third_party = names.is_empty() && !third.is_empty();
            let (message, severity) = if only_third_party {
                let source =
                    ballast_ml::apt::third_party_source(third[0], &build_text).unwrap_or("");
                (
                    format!(
                        "`{tool} install` also installs what {} from {source} recommends (ballast's table covers only the distribution's own packages)",
                        third.join(", ")
                    ),
                    Severity::Info,
                )
            } else {
                (message, RULE.severity)
            };
            out.push(
                Finding::new(&RULE, part.span(cmd.span), message)
                    .help("add `--no-install-recommends` and list what the image needs")
                    .maybe_savings(savings)
                    .maybe_fix(fix)
                    .severity(severity),
            );
        }
        // Configuration written by this RUN applies to the following ones.
        if disables_recommends(run) {
            configured = true;
        }
    }
}

/// The finding's message and savings: which packages the recommendations
/// add and their Installed-Size on the base's distribution.
fn describe(tool: &str, rec: Option<&Recommended>, os: &OsBase) -> (String, Option<Savings>) {
    let Some(r) = rec else {
        return (
            format!("`{tool} install` also installs every recommended package"),
            None,
        );
    };
    let what = if r.direct.is_empty() {
        format!(
            "{} package(s), largest {}",
            r.packages,
            r.largest.join(", ")
        )
    } else {
        let d: Vec<String> = r
            .direct
            .iter()
            .take(3)
            .map(|(p, recs)| format!("{p} recommends {}", recs.join(", ")))
            .collect();
        format!("{}; {} package(s) in all", d.join("; "), r.packages)
    };
    let not_counted = if r.unknown.is_empty() {
        String::new()
    } else {
        format!(", not counting {} (not in the table)", r.unknown.join(", "))
    };
    let assumed = if os.exact {
        ""
    } else {
        " (the base image does not say its distribution; Debian 13 assumed)"
    };
    let buildpack = if os.buildpack {
        " with buildpack-deps (the full python image)"
    } else {
        ""
    };
    let basis = format!(
        "estimate: Installed-Size of the {} package(s) the recommendations add on {}{buildpack}{assumed}{not_counted}, from the {} package lists of {}",
        r.packages,
        os.distro.label(),
        os.distro.label(),
        ballast_ml::apt::table_date()
    );
    (
        format!("`{tool} install` also installs recommended packages: {what}"),
        Some(Savings::image(r.bytes, basis)),
    )
}

/// Whether a RUN writes apt configuration that turns recommendations off.
fn disables_recommends(run: &ballast_context::runs::Run) -> bool {
    run.parts.iter().any(|p| {
        let t = p.text.to_ascii_lowercase();
        t.contains("install-recommends")
            && (t.contains("\"false\"")
                || t.contains("\"0\"")
                || t.contains("=false")
                || t.contains(" false"))
    })
}
