//! `ballast_testkit`: helpers shared by the test suites and benchmarks.
//!
//! - [`image`]: writes container images from a declarative [`image::ImageSpec`]
//!   in every format ballast reads (OCI layout, OCI archive, legacy
//!   `docker save`, Docker 25+ `docker save`), with gzip, zstd or no
//!   compression per layer, so each edge case has an exact, hand-checkable image.
//! - [`corpus`]: where the shared conformance corpus is.
//! - [`registry`]: a real distribution registry, skopeo pushes, and a
//!   token/rate-limit/redirect front server.
//! - [`engine`]: a real dockerd in a temporary directory, and locally made
//!   Debian/Python base images and wheelhouses for end-to-end builds.
//! - [`proof`]: a corpus project built as written and restructured, and the
//!   two images compared from inside.
//! - [`schemas`]: validation against published schemas (SARIF).

pub mod corpus;
pub mod engine;
pub mod hostile;
pub mod image;
pub mod local_registry;
pub mod ml_image;
pub mod probe;
pub mod projects;
pub mod proof;
pub mod samples;
pub mod schemas;

/// Fails the test, naming `what` and showing the command's exit code and
/// standard error, unless the command succeeded.
#[track_caller]
pub fn assert_ran(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first object of the JSON array `array` whose `field` is `value`;
/// fails the test, naming them, when there is none.
#[track_caller]
pub fn json_item<'a>(
    array: &'a serde_json::Value,
    field: &str,
    value: impl Into<serde_json::Value>,
) -> &'a serde_json::Value {
    let value = value.into();
    let items = array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"));
    items
        .iter()
        .find(|item| item[field] == value)
        .unwrap_or_else(|| panic!("no item whose {field} is {value} in {array}"))
}

/// The strings of the JSON array `array`; fails the test when it is not an
/// array of strings.
#[track_caller]
pub fn json_strs(array: &serde_json::Value) -> Vec<&str> {
    let items = array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"));
    items
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("not a string: {item}"))
        })
        .collect()
}

/// The peer tool a test runs, from the environment variable `var`. Its
/// absence fails the test in CI; elsewhere the test says it skipped and
/// what `var` should name (the test's `ignore` attribute, set by the build
/// script from the same variable, normally keeps it from running at all).
#[track_caller]
pub fn tool_from_env(var: &str, what: &str) -> Option<std::ffi::OsString> {
    let tool = std::env::var_os(var);
    if tool.is_none() {
        assert!(std::env::var_os("CI").is_none(), "{var} is required in CI");
        eprintln!("SKIPPED: set {var} to {what}");
    }
    tool
}
