//! Collects each rule's documentation from the `//!` doc comment at the top
//! of its file (`src/rules/<family>/<rule_name>.rs`), so the docs `ballast
//! rule` prints and `docs/rules.md` lists are the rule files' own words.
//! Also marks the ShellCheck fixture test as needing ShellCheck.

include!("../ballast_testkit/src/probe.rs");

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // The shellcheck rule's fixture test is ignored, with the reason, when
    // ShellCheck is missing outside CI.
    declare_tool_cfgs(&[("shellcheck", "BALLAST_SHELLCHECK")]);
    let rules = Path::new("src/rules");
    println!("cargo:rerun-if-changed=src/rules");
    let mut entries = Vec::new();
    let mut families: Vec<_> = std::fs::read_dir(rules)
        .expect("src/rules")
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    families.sort_by_key(|e| e.file_name());
    for family in families {
        let mut files: Vec<_> = std::fs::read_dir(family.path())
            .expect("family")
            .flatten()
            .collect();
        files.sort_by_key(|e| e.file_name());
        for f in files {
            let path = f.path();
            if path.extension().is_none_or(|e| e != "rs")
                || path.file_name().is_some_and(|n| n == "mod.rs")
            {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).expect("rule file");
            let doc: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .map(|l| {
                    l.strip_prefix("//! ")
                        .or_else(|| l.strip_prefix("//!"))
                        .unwrap_or("")
                })
                .collect();
            let stem = path
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .replace('_', "-");
            entries.push((stem, doc.join("\n")));
        }
    }
    let mut out = String::from(
        "/// Rule documentation, from each rule file's doc comment.\npub(crate) static RULE_DOCS: &[(&str, &str)] = &[\n",
    );
    for (name, doc) in entries {
        writeln!(out, "    ({name:?}, {doc:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    std::fs::write(dest, out).unwrap();
}
