//! ballast against hadolint on the checks they share (the `hadolint` list of
//! each rule), over the project's real-world Dockerfiles and the example.
//! Every difference must be a known, deliberate one: implicit root, tools
//! hadolint does not know (uv, poetry), builder stages whose files never
//! reach the image. Needs `$BALLAST_HADOLINT`; `.ci/run` provides it, and in
//! CI its absence is a failure.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use ballast_dockerfile::Dockerfile;
use serde_json::Value;

/// (file, ballast code, instruction line, why) of accepted differences.
const ONLY_BALLAST: &[(&str, &str, usize, &str)] = &[
    (
        "08-poetry.Dockerfile",
        "BL102",
        9,
        "poetry keeps a cache too; hadolint only knows pip",
    ),
    (
        "31-uv-pip-system.Dockerfile",
        "BL102",
        4,
        "hadolint does not know `uv pip`",
    ),
];
const ONLY_HADOLINT: &[(&str, &str, usize, &str)] = &[
    (
        "19-secrets.Dockerfile",
        "BL402",
        4,
        "`sk-placeholder` is a placeholder, not a secret: a secret name with a placeholder value is configuration",
    ),
    (
        "28-pdm.Dockerfile",
        "BL102",
        3,
        "the pip cache of a builder stage never reaches the image",
    ),
];

fn shared() -> Vec<(&'static str, &'static str)> {
    // hadolint code -> ballast code, from the registry through `ballast rule --format json`.
    let out = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .args(["rule", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut pairs = Vec::new();
    for r in rules.as_array().unwrap() {
        let code: &'static str =
            Box::leak(r["code"].as_str().unwrap().to_string().into_boxed_str());
        for h in r["hadolint"].as_array().unwrap() {
            pairs.push((
                Box::leak(h.as_str().unwrap().to_string().into_boxed_str()) as &'static str,
                code,
            ));
        }
    }
    pairs
}

/// The start line of the instruction containing `line`.
fn instruction_line(df: &Dockerfile, line: usize) -> usize {
    df.instructions
        .iter()
        .filter(|i| i.start_line <= line)
        .map(|i| i.start_line)
        .max()
        .unwrap_or(line)
}

#[test]
fn shared_checks_agree_with_hadolint_except_deliberate_differences() {
    let Some(hadolint) = std::env::var_os("BALLAST_HADOLINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "BALLAST_HADOLINT is required in CI"
        );
        eprintln!("SKIPPED: set BALLAST_HADOLINT to a hadolint binary");
        return;
    };
    let pairs = shared();
    let ours: BTreeSet<&str> = pairs.iter().map(|(_, b)| *b).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("testdata/dockerfiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.push(root.join("examples/rag-service/Dockerfile"));
    let mut compared = 0;
    let mut unexpected = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let df = Dockerfile::parse(&std::fs::read_to_string(f).unwrap());
        let h = Command::new(&hadolint)
            .args(["--no-fail", "-f", "json"])
            .arg(f)
            .output()
            .unwrap();
        let h: Value =
            serde_json::from_slice(&h.stdout).unwrap_or_else(|e| panic!("hadolint on {name}: {e}"));
        let theirs: BTreeSet<(String, usize)> = h
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| {
                let code = x["code"].as_str()?;
                let ours = pairs.iter().find(|(hc, _)| *hc == code)?.1;
                Some((
                    ours.to_string(),
                    instruction_line(&df, x["line"].as_u64()? as usize),
                ))
            })
            .collect();
        let b = Command::new(env!("CARGO_BIN_EXE_ballast"))
            .args(["lint", "--no-context", "--format", "json"])
            .arg(f)
            .output()
            .unwrap();
        let b: Value = serde_json::from_slice(&b.stdout).unwrap();
        let mine: BTreeSet<(String, usize)> = b["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| ours.contains(x["code"].as_str().unwrap()))
            .map(|x| {
                (
                    x["code"].as_str().unwrap().to_string(),
                    instruction_line(&df, x["line"].as_u64().unwrap() as usize),
                )
            })
            .collect();
        compared += theirs.len().max(mine.len());
        for (code, line) in mine.difference(&theirs) {
            // hadolint never reports an image with no USER at all.
            let implicit_root = code == "BL401"
                && !df
                    .instructions
                    .iter()
                    .any(|i| i.keyword == ballast_dockerfile::Keyword::User);
            if !implicit_root
                && !ONLY_BALLAST
                    .iter()
                    .any(|(f, c, l, _)| *f == name && c == code && l == line)
            {
                unexpected.push(format!("{name}:{line}: only ballast reports {code}"));
            }
        }
        let all_mine: BTreeSet<(String, usize)> = b["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["code"].as_str().unwrap().to_string(),
                    instruction_line(&df, x["line"].as_u64().unwrap() as usize),
                )
            })
            .collect();
        for (code, line) in theirs.difference(&mine) {
            // An `apt-get update` with no install after it is
            // apt-update-alone's finding: its fix merges it with the install.
            let update_alone = code == "BL103" && all_mine.contains(&("BL202".to_string(), *line));
            if !update_alone
                && !ONLY_HADOLINT
                    .iter()
                    .any(|(f, c, l, _)| *f == name && c == code && l == line)
            {
                unexpected.push(format!(
                    "{name}:{line}: only hadolint reports the check of {code}"
                ));
            }
        }
    }
    assert!(
        compared > 20,
        "too few shared findings compared: {compared}"
    );
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}
