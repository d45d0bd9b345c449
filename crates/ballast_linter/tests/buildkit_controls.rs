//! BuildKit's check controls, with the cases of BuildKit's own lint tests
//! (`testRuleCheckOption`): the `# check=` directive, the setting that
//! replaces it (as `BUILDKIT_DOCKERFILE_CHECK`), the per-instruction
//! `# check=skip=` comment, and BuildKit's names accepted for rules.

use ballast_dockerfile::Dockerfile;
use ballast_linter::{Family, LintOptions, Settings, Severity, catalog, lint};

/// The BuildKit-named findings of `text`: (BuildKit name, line, severity).
fn checks(text: &str, setting: Option<&str>) -> Vec<(&'static str, usize, Severity)> {
    let df = Dockerfile::parse(text);
    let options = LintOptions {
        settings: Settings {
            buildkit_check: setting.map(str::to_string),
            ..Settings::default()
        },
        ..LintOptions::default()
    };
    let outcome = lint(&df, &options).unwrap();
    outcome
        .findings
        .iter()
        .filter(|f| f.rule.family == Family::Buildkit)
        .map(|f| {
            let name = f.rule.buildkit.unwrap();
            (name, df.line_col(f.span.start).0, f.severity)
        })
        .collect()
}

const CASE: &str = "FROM scratch as base\ncopy Dockerfile .\n";

#[test]
fn the_directive_skips_checks_and_makes_them_errors() {
    let with = |directive: &str| checks(&format!("{directive}\n{CASE}"), None);
    // Without a directive both checks fire.
    let all = checks(CASE, None);
    assert!(all.iter().any(|c| c.0 == "FromAsCasing"), "{all:?}");
    assert!(
        all.iter().any(|c| c.0 == "ConsistentInstructionCasing"),
        "{all:?}"
    );
    for none in [
        "#check=skip=all",
        "#check=skip=all;error=true",
        "#check=skip=ConsistentInstructionCasing,FromAsCasing",
        "#check=skip=ConsistentInstructionCasing,FromAsCasing;error=true",
    ] {
        assert_eq!(with(none), [], "{none}");
    }
    assert_eq!(
        with("#check=skip=ConsistentInstructionCasing"),
        [("FromAsCasing", 2, Severity::Warning)]
    );
    assert_eq!(
        with("#check=skip=ConsistentInstructionCasing;error=true"),
        [("FromAsCasing", 2, Severity::Error)]
    );
}

#[test]
fn the_setting_replaces_the_directive() {
    let text = format!("#check=skip=all\n{CASE}");
    assert_eq!(
        checks(&text, Some("skip=ConsistentInstructionCasing;error=true")),
        [("FromAsCasing", 2, Severity::Error)]
    );
    assert_eq!(
        checks(&format!("#check=error=true\n{CASE}"), Some("skip=all")),
        []
    );
}

#[test]
fn a_check_comment_above_an_instruction_skips_it_there() {
    let text = "FROM scratch as base\n# check=skip=FromAsCasing\nFROM scratch as other\n";
    assert_eq!(checks(text, None), [("FromAsCasing", 1, Severity::Warning)]);
    let all = "# a note\n# check=skip=all\nFROM scratch as base\n";
    assert_eq!(checks(all, None), []);
}

#[test]
fn buildkit_names_are_accepted_wherever_a_rule_is_named() {
    for r in catalog::all().iter().filter(|r| r.buildkit.is_some()) {
        let name = r.buildkit.unwrap();
        assert_eq!(catalog::find(name).map(|x| x.code), Some(r.code), "{name}");
        assert_eq!(
            catalog::find(&name.to_lowercase()).map(|x| x.code),
            Some(r.code)
        );
        if r.family == Family::Buildkit {
            // The kebab-case name is BuildKit's, as its docs address it.
            assert_eq!(catalog::kebab_case(name), r.name, "{name}");
        }
    }
    let select = Settings::only(&["FromAsCasing"]);
    select.validate().unwrap();
    let df = Dockerfile::parse(CASE);
    let options = LintOptions {
        settings: select,
        ..LintOptions::default()
    };
    let found = lint(&df, &options).unwrap().findings;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule.name, "from-as-casing");
    let ignored =
        "FROM scratch as base\n# ballast: ignore=ConsistentInstructionCasing\ncopy Dockerfile .\n";
    assert!(
        !checks(ignored, None)
            .iter()
            .any(|c| c.0 == "ConsistentInstructionCasing")
    );
}

#[test]
fn a_bad_directive_is_an_error_naming_its_line() {
    let df = Dockerfile::parse("# check=skip=NoSuchRule\nFROM scratch\n");
    let err = lint(&df, &LintOptions::default()).unwrap_err().to_string();
    assert!(
        err.starts_with("1: ") && err.contains("NoSuchRule"),
        "{err}"
    );
}
