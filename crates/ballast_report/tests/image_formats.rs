//! Every image printer on the test kit's ML image (`ballast_testkit::ml_image`,
//! whose figures `ballast_image/tests/ml_breakdown.rs` works out): inspect
//! in the terminal (plain and coloured), as markdown and as JSON; the
//! manifest-only view; the diff of that image against itself without its
//! pip cache and hub blobs, in the terminal and as markdown.

use ballast_image::inspection::Report;
use ballast_image::{AnalyzeOptions, LoadOptions, analyze_with_files, load};
use ballast_report::{Style, diff, inspect};
use ballast_testkit::image::{Format, ImageSpec};

/// The analysis of `spec`, with its final files, the reference renamed so
/// snapshots do not name the temporary directory.
fn analysed(spec: &ImageSpec, name: &str) -> (Report, Vec<(String, u64)>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    spec.write(Format::OciLayout, &path).unwrap();
    let opts = LoadOptions::for_report();
    let image = load(path.to_str().unwrap(), &opts).unwrap();
    let (mut report, files) = analyze_with_files(image, &AnalyzeOptions::default(), true);
    report.image.reference = name.to_string();
    (report, files)
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn inspect_in_every_format() {
    let (r, _) = analysed(&ballast_testkit::ml_image::image(), "ml:1");
    snapshot(
        "inspect-terminal",
        &inspect::terminal(&r, Style { color: false }),
    );
    let coloured = inspect::terminal(&r, Style { color: true });
    assert!(coloured.contains("\u{1b}["), "colour asked for, none given");
    snapshot("inspect-markdown", &inspect::markdown(&r));
    snapshot("inspect-json", &serde_json::to_string_pretty(&r).unwrap());
    snapshot(
        "inspect-html",
        &html_body(&serde_json::to_value(&r).unwrap()),
    );
}

/// The generated part of a page (the frame, styles and script are fixed),
/// an element a line.
fn html_body(json: &serde_json::Value) -> String {
    let page = ballast_report::html::render(json, "test").unwrap();
    let start = page.find("<body>").unwrap() + "<body>".len();
    let end = page.find("<script>").unwrap();
    page[start..end].replace("><", ">\n<")
}

#[test]
fn diff_in_every_format() {
    let (a, fa) = analysed(&ballast_testkit::ml_image::image(), "ml:1");
    let (b, fb) = analysed(&ballast_testkit::ml_image::without_caches(), "ml:2");
    let d = ballast_image::diff::diff(&a, &fa, &b, &fb);
    snapshot("diff-terminal", &diff::terminal(&d, Style { color: false }));
    snapshot("diff-markdown", &diff::markdown(&d));
    snapshot("diff-html", &html_body(&serde_json::to_value(&d).unwrap()));
}

#[test]
fn the_manifest_view() {
    use ballast_image::inspection::{ManifestLayer, ManifestReport, ManifestTotals};
    let (r, _) = analysed(&ballast_testkit::ml_image::image(), "ml:1");
    let layers: Vec<ManifestLayer> = r
        .layers
        .iter()
        .map(|l| ManifestLayer {
            index: l.index,
            digest: l.digest.clone().unwrap_or_default(),
            media_type: l.media_type.clone().unwrap_or_default(),
            compressed_bytes: l.compressed_bytes,
            created_by: l.created_by.clone(),
        })
        .collect();
    let m = ManifestReport {
        schema_version: r.schema_version,
        image: r.image.clone(),
        totals: ManifestTotals {
            compressed_bytes: r.totals.compressed_bytes,
            layers: layers.len(),
        },
        layers,
    };
    snapshot("inspect-manifest-terminal", &inspect::manifest_terminal(&m));
}
