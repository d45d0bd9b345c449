//! `--format html` and `ballast report`, loaded in headless Chromium: every
//! report kind (inspect and diff of the test kit's ML images, check of the
//! example, a fixed bench report) drawn from its JSON, the DOM
//! checked against that JSON (charts present, every figure equal), the
//! sorting script run through a `#sort=` link, and the page silent: no
//! console message and no request leaving the file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ballast_testkit::image::Format;
use common::{ballast, run};
use regex::Regex;
use serde_json::Value;

/// What Chromium made of a page.
struct Loaded {
    dom: String,
    /// Console messages (any level).
    console: Vec<String>,
    /// URLs the page itself asked for (not file: or data:).
    requests: Vec<String>,
}

fn chromium() -> PathBuf {
    ballast_testkit::probe::tool_path("chromium", "BALLAST_CHROMIUM")
        .expect("chromium (Debian package `chromium`, or $BALLAST_CHROMIUM)")
}

/// Loads `page` (with `#fragment` when given) and returns the DOM after its
/// scripts ran, its console and its network requests.
fn load(page: &Path, fragment: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let netlog = dir.path().join("net.json");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .unwrap();
    ballast_testkit::assert_ran(&out, "chromium --dump-dom");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Loaded {
        dom: String::from_utf8(out.stdout).unwrap(),
        console,
        requests: page_requests(&netlog),
    }
}

/// The URLs of the net log's requests made for a file:// page (the
/// browser's own traffic has no page behind it).
fn page_requests(netlog: &Path) -> Vec<String> {
    let log: Value = serde_json::from_slice(&std::fs::read(netlog).unwrap()).unwrap();
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["params"])
        .filter(|p| {
            p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|p| p["url"].as_str())
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .map(str::to_string)
        .collect();
    urls.dedup();
    urls
}

/// Asserts the page ran its script, logged nothing and fetched nothing.
fn assert_silent(page: &Loaded) {
    assert!(
        page.dom.contains(r#"data-ready="1""#),
        "the script did not finish"
    );
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert!(page.requests.is_empty(), "requests: {:#?}", page.requests);
}

fn has(dom: &str, needle: &str) {
    assert!(dom.contains(needle), "no `{needle}` in the page");
}

/// The `data-sort` values of a column of the table of class `class`, in
/// the order the rows are in.
fn column(dom: &str, class: &str, col: usize) -> Vec<f64> {
    let start = dom
        .find(&format!(r#"<table class="sortable {class}">"#))
        .unwrap_or_else(|| panic!("no table {class}"));
    let table = &dom[start..start + dom[start..].find("</table>").unwrap()];
    let cell = Regex::new(r#"<td(?:[^>]*? data-sort="([^"]*)")?[^>]*>"#).unwrap();
    let row = Regex::new(r"<tr>(.*?)</tr>").unwrap();
    row.captures_iter(table)
        .skip(1) // the header
        .map(|r| {
            let cells: Vec<_> = cell.captures_iter(&r[1]).collect();
            cells[col]
                .get(1)
                .map_or(f64::NAN, |v| v.as_str().parse().unwrap())
        })
        .collect()
}

/// Writes the test kit's two ML images and runs `ballast ARGS` on them,
/// returning standard output.
fn stdout(dir: &Path, args: &[&str]) -> Vec<u8> {
    run(ballast(dir).args(args), 0).stdout
}

fn inspect_page_matches_its_json(dir: &Path) {
    let json: Value =
        serde_json::from_slice(&stdout(dir, &["inspect", "--format", "json", "a"])).unwrap();
    std::fs::write(dir.join("a.json"), serde_json::to_vec(&json).unwrap()).unwrap();
    // The saved JSON and the live command draw the same page.
    let saved = stdout(dir, &["report", "a.json"]);
    let live = stdout(dir, &["inspect", "--format", "html", "a"]);
    assert_eq!(saved, live);
    std::fs::write(dir.join("a.html"), &saved).unwrap();

    let page = load(&dir.join("a.html"), "");
    assert_silent(&page);
    let dom = &page.dom;
    has(dom, r#"<html lang="en" data-kind="inspect""#);
    let totals = &json["totals"];
    has(
        dom,
        &format!(
            r#"data-stat="final size" data-bytes="{}""#,
            totals["final_bytes"]
        ),
    );
    has(
        dom,
        &format!(
            r#"data-stat="wasted" data-bytes="{}""#,
            totals["wasted_bytes"]
        ),
    );
    // The stacked bar: a segment per layer that stores bytes, with its waste.
    has(dom, r#"<svg class="chart layer-bar""#);
    let layers = json["layers"].as_array().unwrap();
    for l in layers.iter().filter(|l| l["file_bytes"].as_u64() > Some(0)) {
        has(
            dom,
            &format!(
                r#"<g class="layer" data-index="{}" data-bytes="{}" data-wasted="{}">"#,
                l["index"], l["file_bytes"], l["wasted_bytes"]
            ),
        );
    }
    assert_eq!(column(dom, "layers", 2).len(), layers.len());
    // The treemap: a cell per group, adding up to the final size.
    has(dom, r#"<svg class="chart treemap""#);
    let groups = json["composition"].as_array().unwrap();
    let mut sum = 0;
    for g in groups {
        has(
            dom,
            &format!(
                r#"<g class="cell" data-key="{}" data-bytes="{}">"#,
                g["group"].as_str().unwrap(),
                g["bytes"]
            ),
        );
        sum += g["bytes"].as_u64().unwrap();
    }
    assert_eq!(Some(sum), totals["final_bytes"].as_u64());
    // The waterfall starts at the stored bytes; a step per finding that saves.
    has(
        dom,
        &format!(
            r#"<g class="total" data-bytes="{}">"#,
            totals["stored_bytes"]
        ),
    );
    let saving = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["savings_bytes"].as_u64() > Some(0))
        .count();
    assert!(saving > 0);
    assert_eq!(dom.matches(r#"<g class="step""#).count(), saving);

    // A #sort= link sorts a table; rendered, it is largest first.
    let bytes = column(dom, "distributions", 2);
    assert!(
        bytes.windows(2).all(|w| w[0] >= w[1]) && bytes.len() > 3,
        "{bytes:?}"
    );
    let sorted = load(&dir.join("a.html"), "#sort=distributions.2.asc");
    assert_silent(&sorted);
    let asc = column(&sorted.dom, "distributions", 2);
    let mut expected = bytes.clone();
    expected.reverse();
    assert_eq!(asc, expected);
    has(&sorted.dom, r#"<th class="num" data-dir="asc">bytes</th>"#);
}

fn diff_page_matches_its_json(dir: &Path) {
    let json: Value =
        serde_json::from_slice(&stdout(dir, &["diff", "--format", "json", "a", "b"])).unwrap();
    std::fs::write(dir.join("d.json"), serde_json::to_vec(&json).unwrap()).unwrap();
    std::fs::write(dir.join("d.html"), stdout(dir, &["report", "d.json"])).unwrap();
    let page = load(&dir.join("d.html"), "");
    assert_silent(&page);
    let dom = &page.dom;
    has(dom, r#"<html lang="en" data-kind="diff""#);
    // Side by side: each image's composition on one scale.
    has(dom, r#"<svg class="chart stacked""#);
    for (row, key) in [(0, "a_bytes"), (1, "b_bytes")] {
        let total: u64 = json["composition"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g[key].as_u64().unwrap())
            .sum();
        has(
            dom,
            &format!(r#"<g class="row" data-row="{row}" data-bytes="{total}">"#),
        );
    }
    // Paired bars: A and B of every byte figure.
    for r in json["table"].as_array().unwrap() {
        if matches!(r["metric"].as_str(), Some("layers" | "files")) {
            continue;
        }
        for (series, key) in [(0, "a"), (1, "b")] {
            has(
                dom,
                &format!(
                    r#"<g class="bar" data-series="{series}" data-value="{}">"#,
                    r[key]
                ),
            );
        }
    }
    assert_eq!(
        column(dom, "figures", 1).len(),
        json["table"].as_array().unwrap().len()
    );
}

fn check_page_matches_its_json(dir: &Path) {
    let example = common::root().join("examples/rag-service");
    let example = example.to_str().unwrap();
    // Findings: check exits 1.
    let json: Value = serde_json::from_slice(
        &run(ballast(dir).args(["check", "--format", "json", example]), 1).stdout,
    )
    .unwrap();
    std::fs::write(dir.join("c.json"), serde_json::to_vec(&json).unwrap()).unwrap();
    let saved = stdout(dir, &["report", "c.json"]);
    let live = run(ballast(dir).args(["check", "--format", "html", example]), 1).stdout;
    assert_eq!(saved, live);
    std::fs::write(dir.join("c.html"), &saved).unwrap();
    let page = load(&dir.join("c.html"), "");
    assert_silent(&page);
    let dom = &page.dom;
    has(dom, r#"<html lang="en" data-kind="check""#);
    let image = &json["lint"]["summary"]["image"];
    has(
        dom,
        &format!(
            r#"data-stat="image now (estimate)" data-bytes="{}""#,
            image["predicted_bytes"]
        ),
    );
    // The waterfall runs from the model's image now to its image after every fix.
    has(
        dom,
        &format!(
            r#"<g class="total" data-bytes="{}">"#,
            image["predicted_bytes"]
        ),
    );
    has(
        dom,
        &format!(
            r#"<g class="total after" data-bytes="{}">"#,
            image["predicted_after_fixes_bytes"]
        ),
    );
    // A segment per step of the image that adds bytes.
    let steps = json["lint"]["images"][0]["steps"].as_array().unwrap();
    for s in steps.iter().filter(|s| s["bytes"].as_u64() > Some(0)) {
        has(
            dom,
            &format!(r#"data-index="{}" data-bytes="{}""#, s["line"], s["bytes"]),
        );
    }
    let rebuild = json["rebuild"]["prediction"]["steps"].as_array().unwrap();
    assert_eq!(column(dom, "rebuild", 0).len(), rebuild.len());
    assert_eq!(
        column(dom, "findings", 0).len(),
        json["lint"]["findings"].as_array().unwrap().len()
    );
    // The runtime section: no compose file here, the service block written
    // from the Dockerfile, escaped into the page whole.
    has(
        dom,
        "<h2>Runtime</h2><p>No compose file runs the image.</p>",
    );
    let block = json["runtime"]["hardened"].as_str().unwrap();
    assert!(block.contains("read_only: true"), "{block}");
    has(dom, &format!("<pre><code>{}</code></pre>", block));
    // A project that copies no application file has no rebuild to predict
    // (15 of the corpus's 78 Dockerfiles check reads): the page says so.
    let mut none = json.clone();
    none["rebuild"] = serde_json::json!({"changed": null, "prediction": null});
    std::fs::write(dir.join("c0.json"), serde_json::to_vec(&none).unwrap()).unwrap();
    let page = String::from_utf8(stdout(dir, &["report", "c0.json"])).unwrap();
    has(&page, "No application file is copied from the context");
}

/// A bench report as `ballast bench --format json` writes it (the engine
/// run itself is tests/engine.rs's).
const BENCH: &str = r#"{"schema_version": 1, "engine": "docker", "registry": "127.0.0.1:5000",
  "context": "examples/rag-service", "changed_file": "app/main.py", "notes": ["two variants"],
  "variants": [
    {"name": "naive", "dockerfile": "Dockerfile", "size_bytes": 9800000000, "predicted_bytes": 11179262565,
     "compressed_bytes": 4100000000, "layers": 9, "cold_build_seconds": 412.5, "code_change_rebuild_seconds": 398.25,
     "no_change_rebuild_seconds": 1.5, "dependency_install_cached": false, "push_seconds": 61.0, "pull_seconds": 35.5, "findings": []},
    {"name": "restructured", "dockerfile": "Dockerfile.ballast", "size_bytes": 2300000000, "predicted_bytes": 2577912022,
     "compressed_bytes": 900000000, "layers": 7, "cold_build_seconds": 180.0, "code_change_rebuild_seconds": 4.75,
     "no_change_rebuild_seconds": 1.25, "dependency_install_cached": true, "push_seconds": null, "pull_seconds": 9.5, "findings": []}
  ]}"#;

fn bench_page_matches_its_json(dir: &Path) {
    std::fs::write(dir.join("b.json"), BENCH).unwrap();
    std::fs::write(dir.join("b.html"), stdout(dir, &["report", "b.json"])).unwrap();
    let page = load(&dir.join("b.html"), "");
    assert_silent(&page);
    let dom = &page.dom;
    has(dom, r#"<html lang="en" data-kind="bench""#);
    let json: Value = serde_json::from_str(BENCH).unwrap();
    let fields = [
        "size_bytes",
        "predicted_bytes",
        "compressed_bytes",
        "cold_build_seconds",
        "code_change_rebuild_seconds",
        "no_change_rebuild_seconds",
        "push_seconds",
        "pull_seconds",
    ];
    for (series, v) in json["variants"].as_array().unwrap().iter().enumerate() {
        for field in fields {
            let needle = format!(
                r#"<g class="bar" data-series="{series}" data-value="{}">"#,
                v[field].as_f64().unwrap_or(f64::NAN)
            );
            // A figure not measured (null) has no bar.
            assert_eq!(
                dom.contains(&needle),
                !v[field].is_null(),
                "{field} of variant {series}"
            );
        }
    }
    assert_eq!(
        column(dom, "variants", 1),
        [9_800_000_000.0, 2_300_000_000.0]
    );
}

#[test]
#[cfg_attr(
    ballast_no_chromium,
    ignore = "needs chromium (Debian package `chromium`)"
)]
fn html_pages_show_the_json_and_nothing_leaves_the_file() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    ballast_testkit::ml_image::image()
        .write(Format::OciLayout, &dir.join("a"))
        .unwrap();
    ballast_testkit::ml_image::without_caches()
        .write(Format::OciLayout, &dir.join("b"))
        .unwrap();
    inspect_page_matches_its_json(dir);
    diff_page_matches_its_json(dir);
    check_page_matches_its_json(dir);
    bench_page_matches_its_json(dir);
}

#[test]
fn report_refuses_what_it_cannot_draw() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(dir.join("lint.json"), r#"{"findings": []}"#).unwrap();
    std::fs::write(dir.join("broken.json"), "{").unwrap();
    for (file, says) in [
        (
            "lint.json",
            "lint.json: not a ballast report this version can draw",
        ),
        ("broken.json", "broken.json: not JSON"),
        ("missing.json", "cannot read missing.json"),
    ] {
        let out = run(ballast(dir).args(["report", file]), 2);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
    }
}
