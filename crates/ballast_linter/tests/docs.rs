//! `docs/rules.md` is generated from the registry and the rules' doc
//! comments; this test fails when it is stale. Regenerate with
//! `BALLAST_UPDATE_DOCS=1 cargo test -p ballast_linter --test docs`.

#[test]
fn rules_reference_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = ballast_linter::docs::rules_markdown();
    if std::env::var_os("BALLAST_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: run `BALLAST_UPDATE_DOCS=1 cargo test -p ballast_linter --test docs`"
    );
}
